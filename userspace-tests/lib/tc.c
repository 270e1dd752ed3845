// SPDX-License-Identifier: GPL-2.0
/*
 * tc filters on a device's clsact hooks that count, or drop, the TCP
 * segments matching a few header fields and the skb's mark and priority
 * (cls_basic with the cmp and meta ematches): what a test cannot see from
 * a socket, such as the mark, priority or TOS of a SYN-ACK, and loss that
 * the sender does not know about (a drop on ingress; one on egress returns
 * an error to the sender, which native TCP takes as "not sent").
 *
 * Commands are gathered and run by one tc process (tc -batch): every exec
 * costs a good part of a second under emulation.
 */
#include <stdarg.h>

#include "ktcptest.h"

void ktcp_tc_line(struct ktcp_tc *b, const char *fmt, ...)
{
	va_list ap;

	if (b->len >= sizeof(b->lines))
		return;
	va_start(ap, fmt);
	b->len += vsnprintf(b->lines + b->len, sizeof(b->lines) - b->len,
			    fmt, ap);
	va_end(ap);
	if (b->len < sizeof(b->lines))
		b->len += snprintf(b->lines + b->len,
				   sizeof(b->lines) - b->len, "\n");
}

/* " and cmp(...)" for one header field (offsets: IPv4 without options). */
static size_t tc_cmp(char *e, size_t n, size_t len, const char *width,
		     int off, long val)
{
	if (n >= len)
		return n;
	return n + snprintf(e + n, len - n,
			    " and cmp(%s at %d layer network eq %ld)", width,
			    off, val);
}

void ktcp_tc_filter(struct ktcp_tc *b, const char *dir, int pref,
		    const struct ktcp_tc_match *m, const char *action)
{
	char e[512] = "cmp(u8 at 9 layer network eq 6)";	/* TCP */
	size_t n = strlen(e), len = sizeof(e);

	if (m->sport)
		n = tc_cmp(e, n, len, "u16", 20, m->sport);
	if (m->dport)
		n = tc_cmp(e, n, len, "u16", 22, m->dport);
	if (m->flags >= 0)
		n = tc_cmp(e, n, len, "u8", 33, m->flags);
	if (m->tos >= 0)
		n = tc_cmp(e, n, len, "u8", 1, m->tos);
	if (m->ttl >= 0)
		n = tc_cmp(e, n, len, "u8", 8, m->ttl);
	if (m->mark >= 0 && n < len)
		n += snprintf(e + n, len - n, " and meta(nf_mark eq %ld)",
			      m->mark);
	if (m->prio >= 0 && n < len)
		snprintf(e + n, len - n, " and meta(priority eq %ld)", m->prio);
	ktcp_tc_line(b, "filter add dev %s %s protocol ip pref %d basic match \"%s\" action %s",
		     b->dev, dir, pref, e, action);
}

/* The VM loads no module on demand: load what tc will ask for. */
static int tc_modules(char *out, size_t outlen)
{
	static const char *const mods[] = {
		"sch_ingress", "cls_basic", "em_cmp", "em_meta", "act_gact",
	};
	char path[64];
	unsigned int i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK))
			return ktcp_run_cmd(out, outlen,
					    "modprobe -a sch_ingress cls_basic em_cmp em_meta act_gact");
	}
	return 0;
}

int ktcp_tc_run(struct ktcp_tc *b, char *out, size_t outlen)
{
	char path[] = "/tmp/ktcp-tc.XXXXXX", cmd[64];
	int fd, ret;
	ssize_t n;

	if (b->len >= sizeof(b->lines))
		return -E2BIG;
	if (!b->ready) {
		ret = tc_modules(out, outlen);
		if (ret)
			return ret;
		snprintf(cmd, sizeof(cmd), "tc qdisc add dev %s clsact", b->dev);
		ret = ktcp_run_cmd(out, outlen, cmd);
		if (ret)
			return ret;
		b->ready = true;
	}
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	n = write(fd, b->lines, b->len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "tc -batch %s", path);
	ret = n == (ssize_t)b->len ? ktcp_run_cmd(out, outlen, cmd) : -EIO;
	unlink(path);
	if (!ret)
		b->len = 0;
	return ret;
}

void ktcp_tc_apply(struct __test_metadata *t, struct ktcp_tc *b)
{
	char out[2048];
	int ret = ktcp_tc_run(b, out, sizeof(out));

	if (ret)
		KTCP_FAIL(t, "tc on %s: %d (%s): %s\n%s", b->dev, ret,
			  ret < 0 ? strerror(-ret) : "exit status", out,
			  b->lines);
}

int ktcp_tc_counts(const char *dev, const char *dir, long *cnt, int n)
{
	static char out[32768];
	char cmd[96], *line, *save, *s;
	int pref = -1, p, ret;

	snprintf(cmd, sizeof(cmd), "tc -s filter show dev %s %s", dev, dir);
	ret = ktcp_run_cmd(out, sizeof(out), cmd);
	if (ret)
		return ret < 0 ? ret : -EIO;
	memset(cnt, 0, sizeof(*cnt) * n);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "filter protocol ip pref %d", &p) == 1)
			pref = p;
		else if ((s = strstr(line, "Sent ")) && pref >= 0 && pref < n)
			sscanf(s, "Sent %*u bytes %ld pkt", &cnt[pref]);
	}
	return 0;
}

long ktcp_tc_count(struct __test_metadata *t, const char *dev, int pref)
{
	long cnt[KTCP_TC_PREFS];
	int ret;

	if (pref < 0 || pref >= KTCP_TC_PREFS)
		KTCP_FAIL(t, "tc filter pref %d out of range", pref);
	ret = ktcp_tc_counts(dev, "egress", cnt, KTCP_TC_PREFS);
	if (ret)
		KTCP_FAIL(t, "tc -s filter show dev %s: %d", dev, ret);
	return cnt[pref];
}

long ktcp_tc_wait_count(struct __test_metadata *t, const char *dev, int pref,
			long want, int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;
	long n;

	for (;;) {
		n = ktcp_tc_count(t, dev, pref);
		if (n >= want || ktcp_now_ms() >= end)
			return n;
		ktcp_sleep_ms(100);	/* each look is an exec of tc */
	}
}
