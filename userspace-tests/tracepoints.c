// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp's tracepoints against native TCP's (module/trace.h), in a fresh
 * network namespace, through tracefs:
 * - the same connection life on both stacks (connect, accept, data the
 *   server never reads, close: an abort) gives the same events: the state
 *   changes (ktcp:ktcp_set_state, sock:inet_sock_set_state), the RST with
 *   its reason, the reset received, the sockets destroyed, and per-segment
 *   probes. Compared as a sorted list of "event fields" lines, with the
 *   ports made symbolic (L: the listener's, C: the client's);
 * - the same life over ::1 on AF_KTCP6 and AF_INET6: every state change
 *   says family=AF_INET6 with the IPv6 addresses, the RST [::1] ends;
 * - the bpftrace examples of Documentation/tracepoints.rst run with
 *   Debian's bpftrace on the ktcp events and see the same connection.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define TP_ADDR		"127.0.0.1"
#define TP_DIR		"/sys/kernel/tracing"
#define TP_MAX		64

FIXTURE(tp)
{
	int family;
	const char *events[6];	/* tracefs event dirs under events/ */
	const char *prefix;	/* what the events' names start with */
};

FIXTURE_VARIANT(tp)
{
	bool native;
};

FIXTURE_VARIANT_ADD(tp, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(tp, native) { .native = true };

static int tp_write(const char *rel, const char *val)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TP_DIR "/%s", rel);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

static void tp_enable(struct __test_metadata *_metadata,
		      FIXTURE_DATA(tp) *self, const char *on)
{
	char rel[128];

	for (int i = 0; self->events[i]; i++) {
		snprintf(rel, sizeof(rel), "events/%s/enable", self->events[i]);
		ASSERT_EQ(0, tp_write(rel, on)) TH_LOG("%s", rel);
	}
}

FIXTURE_SETUP(tp)
{
	static const char *const ktcp[] = {
		"ktcp/ktcp_set_state", "ktcp/ktcp_send_reset",
		"ktcp/ktcp_receive_reset", "ktcp/ktcp_destroy_sock",
		"ktcp/ktcp_probe", NULL,
	};
	static const char *const native[] = {
		"sock/inet_sock_set_state", "tcp/tcp_send_reset",
		"tcp/tcp_receive_reset", "tcp/tcp_destroy_sock",
		"tcp/tcp_probe", NULL,
	};

	ktcp_new_netns(_metadata);
	if (access(TP_DIR "/events", F_OK))
		SKIP(return, "no tracefs at " TP_DIR);
	self->family = variant->native ? AF_INET : ktcp_family();
	memcpy(self->events, variant->native ? native : ktcp, sizeof(ktcp));
	self->prefix = variant->native ? "" : "ktcp_";
}

FIXTURE_TEARDOWN(tp)
{
	char rel[128];

	/* Off again, whatever the test left; nothing to assert here. */
	for (int i = 0; self->events[i]; i++) {
		snprintf(rel, sizeof(rel), "events/%s/enable", self->events[i]);
		tp_write(rel, "0");
	}
}

/*
 * One connection's life: the server does not read what the client sent
 * and closes, so it aborts (RST, TCP_ABORT_ON_CLOSE) and the client
 * takes the reset. Every socket is closed at the end.
 */
static void tp_life(struct __test_metadata *_metadata, int family,
		    uint16_t *lport, uint16_t *cport)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l, c, s;
	char b;

	l = ktcp_listener(_metadata, family, TP_ADDR, 0, 8, lport);
	c = ktcp_connect(_metadata, family, TP_ADDR, *lport);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&sin, &len));
	*cport = ntohs(sin.sin_port);
	s = ktcp_accept(_metadata, l);
	ASSERT_EQ(1, send(c, "x", 1, 0));
	ASSERT_EQ(0, ktcp_set_io_timeouts(c, ktcp_ms(5000)));
	ktcp_sleep_ms(200);	/* the byte is in s's queue, unread */
	close(s);
	EXPECT_EQ(-1, recv(c, &b, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	close(c);
	close(l);
	ktcp_sleep_ms(200);	/* destroy_sock of the last ones */
}

/* Replace ":<port>" and "port=<port>" values by L or C. */
/*
 * Does @line (symbolic) speak of this test's ports? Events of other
 * sockets are not this connection's: an earlier test's orphans (two peers
 * that never read, in FIN_WAIT1 until their retries run out, minutes
 * later) die in whatever test runs then, and the trace is global.
 */
static bool tp_ours(const char *line)
{
	static const char *const marks[] = { "=L", "=C", ":L", ":C" };
	const char *p;
	int i;

	for (i = 0; i < 4; i++)
		for (p = strstr(line, marks[i]); p; p = strstr(p + 1, marks[i]))
			if (p[2] == ' ' || !p[2])
				return true;
	return false;
}

static void tp_symbolic(char *line, uint16_t lport, uint16_t cport)
{
	char lp[8], cp[8], *p;

	snprintf(lp, sizeof(lp), "%u", lport);
	snprintf(cp, sizeof(cp), "%u", cport);
	for (p = line; *p; p++) {
		const char *sym = NULL;
		size_t n = 0;

		if (p[0] != ':' && p[0] != '=')
			continue;
		if (!strncmp(p + 1, lp, strlen(lp)) &&
		    !isdigit((unsigned char)p[1 + strlen(lp)])) {
			sym = "L";
			n = strlen(lp);
		} else if (!strncmp(p + 1, cp, strlen(cp)) &&
			   !isdigit((unsigned char)p[1 + strlen(cp)])) {
			sym = "C";
			n = strlen(cp);
		}
		if (sym)
			memmove(p + 2, p + 1 + n, strlen(p + 1 + n) + 1),
			p[1] = *sym;
	}
}

/*
 * The trace, one line per event, reduced to the event's name without
 * @prefix and the fields that must agree: the rest (addresses of
 * objects, cookies, sequence numbers, windows, times) differs by nature.
 * Probes are counted, not listed: how many segments a connection takes
 * in depends on ACK timing.
 */
static int tp_read(const char *prefix, uint16_t lport, uint16_t cport,
		   char lines[][160], int *probes)
{
	static const char *const keep[] = {
		"sport=", "dport=", "src=", "dest=", "state=", "reason=",
		"oldstate=", "newstate=", NULL,
	};
	FILE *f = fopen(TP_DIR "/trace", "re");
	char buf[1024];
	int n = 0;

	*probes = 0;
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f) && n < TP_MAX) {
		char *ev, *end, *tok, *save = NULL, out[160];

		if (buf[0] == '#')
			continue;
		/* "task-pid [cpu] flags time: event: fields" */
		ev = strstr(buf, ": ");
		if (!ev)
			continue;
		ev += 2;
		if (prefix[0] && !strncmp(ev, prefix, strlen(prefix)))
			ev += strlen(prefix);
		end = strchr(ev, ':');
		if (!end)
			continue;
		*end = 0;
		if (!strcmp(ev, "tcp_probe") || !strcmp(ev, "probe")) {
			++*probes;
			continue;
		}
		snprintf(out, sizeof(out), "%s", strncmp(ev, "tcp_", 4) ? ev :
						      ev + 4);
		if (!strcmp(out, "inet_sock_set_state"))
			snprintf(out, sizeof(out), "set_state");
		for (tok = strtok_r(end + 1, " \n", &save); tok;
		     tok = strtok_r(NULL, " \n", &save)) {
			for (int k = 0; keep[k]; k++)
				if (!strncmp(tok, keep[k], strlen(keep[k]))) {
					strncat(out, " ", sizeof(out) -
						strlen(out) - 1);
					strncat(out, tok, sizeof(out) -
						strlen(out) - 1);
				}
		}
		tp_symbolic(out, lport, cport);
		if (!tp_ours(out))
			continue;
		snprintf(lines[n++], 160, "%s", out);
	}
	fclose(f);
	qsort(lines, n, 160, (int (*)(const void *, const void *))strcmp);
	return n;
}

/*
 * The events both stacks give for the same connection's life, but two:
 * Linux enters SYN_SENT before it picks the client's port
 * (tcp_v4_connect()), and its child enters SYN_RECV before it takes the
 * peer's port (inet_csk_clone_lock()), so their events carry 0 there;
 * ktcp does both the other way round, and its events carry the ports.
 */
#define TP_SYN_SENT_NATIVE \
	"set_state sport=0 dport=L oldstate=TCP_CLOSE newstate=TCP_SYN_SENT"
#define TP_SYN_SENT_KTCP \
	"set_state sport=C dport=L oldstate=TCP_CLOSE newstate=TCP_SYN_SENT"
#define TP_SYN_RECV_NATIVE \
	"set_state sport=L dport=0 oldstate=TCP_LISTEN newstate=TCP_SYN_RECV"
#define TP_SYN_RECV_KTCP \
	"set_state sport=L dport=C oldstate=TCP_LISTEN newstate=TCP_SYN_RECV"

static const char *const tp_expected[] = {
	"destroy_sock sport=C dport=L",
	"destroy_sock sport=L dport=0",
	"destroy_sock sport=L dport=C",
	"receive_reset sport=C dport=L",
	"send_reset src=127.0.0.1:L dest=127.0.0.1:C state=TCP_CLOSE reason=TCP_ABORT_ON_CLOSE",
	"set_state sport=C dport=L oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE",
	"set_state sport=C dport=L oldstate=TCP_SYN_SENT newstate=TCP_ESTABLISHED",
	"set_state sport=L dport=0 oldstate=TCP_CLOSE newstate=TCP_LISTEN",
	"set_state sport=L dport=0 oldstate=TCP_LISTEN newstate=TCP_CLOSE",
	"set_state sport=L dport=C oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE",
	"set_state sport=L dport=C oldstate=TCP_SYN_RECV newstate=TCP_ESTABLISHED",
};

static int tp_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

TEST_F_TIMEOUT(tp, connection_life, 90)
{
	const int common = sizeof(tp_expected) / sizeof(tp_expected[0]);
	const char *want[sizeof(tp_expected) / sizeof(tp_expected[0]) + 2];
	static char lines[TP_MAX][160];
	uint16_t lport, cport;
	int n, probes, i;

	memcpy(want, tp_expected, sizeof(tp_expected));
	want[common] = variant->native ? TP_SYN_SENT_NATIVE : TP_SYN_SENT_KTCP;
	want[common + 1] = variant->native ? TP_SYN_RECV_NATIVE :
					     TP_SYN_RECV_KTCP;
	qsort(want, common + 2, sizeof(want[0]), tp_cmp);

	ASSERT_EQ(0, tp_write("trace", ""));
	tp_enable(_metadata, self, "1");
	tp_life(_metadata, self->family, &lport, &cport);
	tp_enable(_metadata, self, "0");
	n = tp_read(self->prefix, lport, cport, lines, &probes);
	for (i = 0; i < n; i++)
		TH_LOG("%s", lines[i]);
	EXPECT_EQ(common + 2, n);
	for (i = 0; i < n && i < common + 2; i++)
		EXPECT_STREQ(want[i], lines[i]);
	/* The client's data and the server's ACK at least. */
	EXPECT_LE(2, probes);
}

/* tp_life() over ::1 on @family (AF_KTCP6 or AF_INET6). */
static void tp_life6(struct __test_metadata *_metadata, int family,
		     uint16_t *lport)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sa);
	int l = socket(family, SOCK_STREAM, 0), c, s;
	char b;

	ASSERT_LE(0, l) TH_LOG("family %d: %s", family, strerror(errno));
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(l, 8));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&sa, &len));
	*lport = ntohs(sa.sin6_port);
	c = socket(family, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	s = ktcp_accept(_metadata, l);
	ASSERT_EQ(1, send(c, "x", 1, 0));
	ASSERT_EQ(0, ktcp_set_io_timeouts(c, ktcp_ms(5000)));
	ktcp_sleep_ms(200);
	close(s);
	EXPECT_EQ(-1, recv(c, &b, 1, 0));
	close(c);
	close(l);
	ktcp_sleep_ms(200);
}

TEST_F_TIMEOUT(tp, ipv6_family, 90)
{
	static char buf[1024];
	int states = 0, resets = 0;
	char port[16], addr[16];
	uint16_t lport;
	FILE *f;

	ASSERT_EQ(0, tp_write("trace", ""));
	tp_enable(_metadata, self, "1");
	tp_life6(_metadata, variant->native ? AF_INET6 : ktcp_family6(),
		 &lport);
	tp_enable(_metadata, self, "0");
	snprintf(port, sizeof(port), "port=%u ", lport);
	snprintf(addr, sizeof(addr), "]:%u ", lport);
	f = fopen(TP_DIR "/trace", "re");
	ASSERT_NE(NULL, f);
	while (fgets(buf, sizeof(buf), f)) {
		/* this life's: other namespaces' sockets may end meanwhile */
		if (buf[0] == '#' || (!strstr(buf, port) && !strstr(buf, addr)))
			continue;
		if (strstr(buf, "set_state: ")) {
			states++;
			EXPECT_NE(NULL, strstr(buf, " family=AF_INET6 "))
				TH_LOG("%s", buf);
			EXPECT_NE(NULL, strstr(buf, " saddrv6=::1 "))
				TH_LOG("%s", buf);
		}
		if (strstr(buf, "send_reset: ")) {
			resets++;
			EXPECT_NE(NULL, strstr(buf, " src=[::1]:"))
				TH_LOG("%s", buf);
			EXPECT_NE(NULL, strstr(buf, " dest=[::1]:"))
				TH_LOG("%s", buf);
		}
	}
	fclose(f);
	/* listen, close; SYN_SENT, ESTABLISHED, CLOSE; SYN_RECV, ... */
	EXPECT_LE(7, states);
	EXPECT_EQ(1, resets);
}

/*
 * Documentation/tracepoints.rst's state-change and reset example, run by
 * bpftrace while the same connection lives: on ktcp's events, and, with
 * the probe names changed back, on native TCP's, with the same counts.
 */
TEST_F_TIMEOUT(tp, bpftrace_examples, 300)
{
	const char *prog =
		"BEGIN { printf(\"ready\\n\"); } "
		"tracepoint:%s_set_state "
		"{ @states[args->oldstate, args->newstate] = count(); } "
		"tracepoint:%s_send_reset "
		"{ @resets[args->reason] = count(); }";
	const char *state = variant->native ? "sock:inet_sock" : "ktcp:ktcp";
	const char *rst = variant->native ? "tcp:tcp" : "ktcp:ktcp";
	char cmd[1024], out[4096] = "", line[256], bt_prog[512];
	uint16_t lport, cport;
	FILE *bt;

	if (access("/usr/bin/bpftrace", X_OK))
		SKIP(return, "no bpftrace (Debian's bpftrace package)");
	/* Without BTF bpftrace cannot size send_reset's enum field. */
	if (access("/sys/kernel/btf/vmlinux", F_OK))
		SKIP(return, "no kernel BTF: bpftrace cannot read enum sk_rst_reason");
	snprintf(bt_prog, sizeof(bt_prog), prog, state, rst);
	snprintf(cmd, sizeof(cmd),
		 "exec timeout -s INT 240 bpftrace -B line -e '%s' 2>&1",
		 bt_prog);
	bt = popen(cmd, "re");
	ASSERT_NE(NULL, bt);
	/* BEGIN runs once every probe is attached. */
	while (fgets(line, sizeof(line), bt) && strcmp(line, "ready\n"))
		;
	ASSERT_STREQ("ready\n", line);
	tp_life(_metadata, self->family, &lport, &cport);
	ASSERT_EQ(0, system("pkill -INT -x bpftrace"));
	while (fgets(line, sizeof(line), bt))
		strncat(out, line, sizeof(out) - strlen(out) - 1);
	pclose(bt);
	TH_LOG("%s", out);
	/* TCP_SYN_SENT (2) -> TCP_ESTABLISHED (1): the client connected. */
	EXPECT_NE(NULL, strstr(out, "@states[2, 1]: 1"));
	/* TCP_LISTEN (10) -> TCP_SYN_RECV (3): the server's child. */
	EXPECT_NE(NULL, strstr(out, "@states[10, 3]: 1"));
	/* One RST, for data the server never read. */
	snprintf(line, sizeof(line), "@resets[%d]: 1",
		 11 /* SK_RST_REASON_TCP_ABORT_ON_CLOSE in 6.12 */);
	EXPECT_NE(NULL, strstr(out, line));
}

TEST_HARNESS_MAIN
