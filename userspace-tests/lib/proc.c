// SPDX-License-Identifier: GPL-2.0
/*
 * What the stack shows in /proc of the calling thread's netns: the socket
 * table (/proc/net/ktcp, or /proc/net/tcp for native TCP), the counters
 * (/proc/net/ktcp_snmp, or /proc/net/snmp and netstat) and the sysctls
 * (/proc/sys/net/ktcp/). /proc/thread-self, since tests move threads
 * between namespaces.
 */
#include "ktcptest.h"

#define SEPS	"\t\n "

const char *const ktcp_snmp_names[13] = {
	"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
	"CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
	"InCsumErrors", "OutRsts", "ListenOverflows", "ListenDrops",
};

const char *ktcp_proc_path_ip(bool native_table, bool v6)
{
	static const char *const paths[2][2] = {
		{ "/proc/thread-self/net/ktcp", "/proc/thread-self/net/ktcp6" },
		{ "/proc/thread-self/net/tcp", "/proc/thread-self/net/tcp6" },
	};

	return paths[native_table || ktcp_native()][v6];
}

const char *ktcp_proc_path(bool native_table)
{
	return ktcp_proc_path_ip(native_table, false);
}

/*
 * An address of the table: 8 hex digits (the __be32 as a number), or 32
 * for IPv6 (its four 32-bit words so); as an in6_addr at @a, and the
 * IPv4 one at @a4. The characters read, or 0.
 */
static int parse_addr(const char *s, bool v6, struct in6_addr *a,
		      uint32_t *a4)
{
	unsigned int w[4] = { 0 }, i, n = 0;

	memset(a, 0, sizeof(*a));
	*a4 = 0;
	for (i = 0; i < (v6 ? 4u : 1u); i++)
		if (sscanf(s + 8 * i, "%8X%n", &w[i], &n) != 1 || n != 8)
			return 0;
	if (!v6) {
		*a4 = w[0];
		a->s6_addr32[2] = htonl(0xffff);
		a->s6_addr32[3] = w[0];
		return 8;
	}
	memcpy(a->s6_addr32, w, sizeof(w));
	return 32;
}

/* One line of the table: 0, or -1 for the header or a line it cannot read. */
static int parse_row(const char *line, bool v6, struct ktcp_row *r)
{
	unsigned int lp, rp, st, uid = 0;
	unsigned long tx, rx, ino = 0;
	const char *p = line;
	int n = 0, m;

	/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
	if (sscanf(p, " %*u: %n", &n) < 0 || !n)
		return -1;
	p += n;
	m = parse_addr(p, v6, &r->laddr6, &r->laddr);
	n = 0;
	if (!m || sscanf(p + m, ":%4X %n", &lp, &n) != 1 || !n)
		return -1;
	p += m + n;
	m = parse_addr(p, v6, &r->raddr6, &r->raddr);
	if (!m || sscanf(p + m, ":%4X %2X %8lX:%8lX %*x:%*x %*x %u %*d %lu",
			 &rp, &st, &tx, &rx, &uid, &ino) < 4)
		return -1;
	r->v6 = v6;
	r->uid = uid;
	r->inode = ino;
	r->lport = lp;
	r->rport = rp;
	r->state = st;
	r->txq = (long)tx;
	r->rxq = (long)rx;
	return 0;
}

/* ktcp_proc_scan_table() in one of the tables, counting on from @count. */
static int scan_one(bool native_table, bool v6, int state, int lport,
		    int rport, struct ktcp_row *first, int count)
{
	FILE *f = fopen(ktcp_proc_path_ip(native_table, v6), "re");
	char line[512];

	if (!f)
		return v6 && errno == ENOENT ? count : -errno;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -EIO;
	}
	while (fgets(line, sizeof(line), f)) {
		struct ktcp_row r;

		if (parse_row(line, v6, &r))
			continue;
		if ((state != KT_ANY && r.state != state) ||
		    (lport != KT_ANY && r.lport != lport) ||
		    (rport != KT_ANY && r.rport != rport))
			continue;
		if (!count && first)
			*first = r;
		count++;
	}
	fclose(f);
	return count;
}

int ktcp_proc_scan_table(bool native_table, int state, int lport, int rport,
			 struct ktcp_row *first)
{
	int n = scan_one(native_table, false, state, lport, rport, first, 0);

	return n < 0 ? n : scan_one(native_table, true, state, lport, rport,
				    first, n);
}

int ktcp_proc_scan(int state, int lport, int rport, struct ktcp_row *first)
{
	return ktcp_proc_scan_table(false, state, lport, rport, first);
}

int ktcp_proc_state_table(bool native_table, int lport, int rport)
{
	struct ktcp_row r = { .state = -1 };
	int n = ktcp_proc_scan_table(native_table, KT_ANY, lport, rport, &r);

	return n > 0 ? r.state : -1;
}

int ktcp_proc_state(int lport, int rport)
{
	return ktcp_proc_state_table(false, lport, rport);
}

void ktcp_assert_proc(struct __test_metadata *t)
{
	int n = ktcp_proc_scan(KT_ANY, KT_ANY, KT_ANY, NULL);

	if (n < 0)
		KTCP_FAIL(t, "cannot read %s: %s", ktcp_proc_path(false),
			  strerror(-n));
}

int ktcp_wait_rows_table(bool native_table, int state, int lport, int rport,
			 int count, int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;
	int n;

	for (;;) {
		n = ktcp_proc_scan_table(native_table, state, lport, rport,
					 NULL);
		if (n == count || ktcp_now_ms() > end)
			return n;
		ktcp_sleep_ms(20);
	}
}

int ktcp_wait_rows(int state, int lport, int rport, int count, int timeout_ms)
{
	return ktcp_wait_rows_table(false, state, lport, rport, count,
				    timeout_ms);
}

int ktcp_wait_state_table(bool native_table, int lport, int rport, int state,
			  int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;
	int st;

	for (;;) {
		st = ktcp_proc_state_table(native_table, lport, rport);
		if (st == state || ktcp_now_ms() > end)
			return st;
		ktcp_sleep_ms(20);
	}
}

int ktcp_wait_state(int lport, int rport, int state, int timeout_ms)
{
	return ktcp_wait_state_table(false, lport, rport, state, timeout_ms);
}

/* What a failure left behind: rows of both tables with @port at an end. */
void ktcp_dump_rows(struct __test_metadata *t, int port)
{
	const char *paths[4] = {
		ktcp_proc_path_ip(false, false), ktcp_proc_path_ip(false, true),
		ktcp_proc_path_ip(true, false), ktcp_proc_path_ip(true, true),
	};
	int i, n = ktcp_native() ? 2 : 4;

	for (i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "re");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			struct ktcp_row r;

			if (parse_row(line, i & 1, &r) ||
			    (r.lport != port && r.rport != port))
				continue;
			line[strcspn(line, "\n")] = 0;
			KTCP_LOG(t, "%s:%s",
				 paths[i] + strlen("/proc/thread-self"), line);
		}
		fclose(f);
	}
}

/* @name's value among the names and values of one "Tcp:" pair of lines. */
static int pick_pair(char *names, char *values, const char *name,
		     long long *val)
{
	char *sn, *sv, *n = strtok_r(names, SEPS, &sn);
	char *v = strtok_r(values, SEPS, &sv);

	while (n && v) {
		if (!strcmp(n, name)) {
			*val = strtoll(v, NULL, 10);
			return 0;
		}
		n = strtok_r(NULL, SEPS, &sn);
		v = strtok_r(NULL, SEPS, &sv);
	}
	return -ENOENT;
}

/* "Tcp:" / "TcpExt:" style: a line of names, then one of values. */
static int snmp_pairs(const char *path, const char *prefix, const char *name,
		      long long *val)
{
	size_t plen = strlen(prefix), sz = 0;
	char *names = NULL, *line = NULL;
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (ret && getline(&line, &sz, f) > 0) {
		if (strncmp(line, prefix, plen) || line[plen] != ':')
			continue;
		if (!names) {
			names = strdup(line);
			continue;
		}
		ret = pick_pair(names + plen + 1, line + plen + 1, name, val);
		free(names);
		names = NULL;
	}
	free(names);
	free(line);
	fclose(f);
	return ret;
}

/* "Name Value" lines, as in /proc/net/ktcp_snmp. */
static int snmp_lines(const char *path, const char *name, long long *val)
{
	FILE *f = fopen(path, "re");
	char line[256], n[128];
	long long v;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t l;

		if (sscanf(line, "%127s %lld", n, &v) != 2)
			continue;
		l = strlen(n);
		if (l && n[l - 1] == ':')
			n[l - 1] = 0;
		if (!strcmp(n, name)) {
			fclose(f);
			*val = v;
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

long long ktcp_snmp6(const char *name)
{
	long long v = -1;

	return snmp_lines("/proc/thread-self/net/snmp6", name, &v) ? -1 : v;
}

int native_snmp_read(const char *name, long long *val)
{
	if (!snmp_pairs("/proc/thread-self/net/snmp", "Tcp", name, val))
		return 0;
	return snmp_pairs("/proc/thread-self/net/netstat", "TcpExt", name,
			  val);
}

int ktcp_snmp_read(const char *name, long long *val)
{
	if (!ktcp_native())
		return snmp_lines("/proc/thread-self/net/ktcp_snmp", name, val);
	return native_snmp_read(name, val);
}

long long ktcp_counter(int family, const char *name)
{
	long long v = -1;
	/* Linux's TCP MIB counts AF_INET6 connections too */
	int ret = family == AF_INET || family == AF_INET6 ?
		  native_snmp_read(name, &v) :
		  snmp_lines("/proc/thread-self/net/ktcp_snmp", name, &v);

	return ret ? -1 : v;
}

long long ktcp_snmp(struct __test_metadata *t, const char *name)
{
	long long v = 0;
	int ret = ktcp_snmp_read(name, &v);

	if (ret)
		KTCP_FAIL(t, "counter %s in %s: %s", name,
			  ktcp_native() ? "/proc/net/snmp" :
			  "/proc/net/ktcp_snmp", strerror(-ret));
	return v;
}

long long ktcp_wait_snmp(struct __test_metadata *t, const char *name,
			 long long want, int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms, v;

	for (;;) {
		v = ktcp_snmp(t, name);
		if (v == want || ktcp_now_ms() > end)
			return v;
		ktcp_sleep_ms(20);
	}
}

int ktcp_sysctl_path_read(const char *path, long *val)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	*val = strtol(buf, NULL, 10);
	return 0;
}

int ktcp_sysctl_path_write(const char *path, long val)
{
	char buf[64];
	int fd = open(path, O_WRONLY | O_CLOEXEC), len;
	ssize_t n;

	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	n = write(fd, buf, len);
	close(fd);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

int ktcp_sysctl_read(const char *name, long *val)
{
	char path[128];

	snprintf(path, sizeof(path), KTCP_SYSCTL_DIR "%s", name);
	return ktcp_sysctl_path_read(path, val);
}

int ktcp_sysctl_write(const char *name, long val)
{
	char path[128];

	snprintf(path, sizeof(path), KTCP_SYSCTL_DIR "%s", name);
	return ktcp_sysctl_path_write(path, val);
}

void ktcp_sysctl_set(struct __test_metadata *t, const char *name, long val)
{
	long got = -1;
	int ret = ktcp_sysctl_write(name, val);

	if (ret)
		KTCP_FAIL(t, "write %ld to " KTCP_SYSCTL_DIR "%s: %s", val,
			  name, strerror(-ret));
	ret = ktcp_sysctl_read(name, &got);
	if (ret)
		KTCP_FAIL(t, "read " KTCP_SYSCTL_DIR "%s: %s", name,
			  strerror(-ret));
	if (got != val)
		KTCP_FAIL(t, KTCP_SYSCTL_DIR "%s reads back %ld after writing %ld",
			  name, got, val);
}

/* Native TCP cannot change it: 60 s. */
int ktcp_set_tw_timeout(struct __test_metadata *t, int ms)
{
	if (ktcp_native())
		return NATIVE_TW_MS;
	ktcp_sysctl_set(t, "tw_timeout_ms", ms);
	return ms;
}

/*
 * net.ipv4.tcp_fin_timeout or net.ktcp.fin_timeout, both in seconds: @ms
 * rounded up to one; returns the timeout set, in milliseconds.
 */
int ktcp_set_fin_timeout(struct __test_metadata *t, int ms)
{
	const char *p = "/proc/sys/net/ipv4/tcp_fin_timeout";
	long s = (ms + 999) / 1000, got = -1;
	int ret;

	if (!ktcp_native()) {
		ktcp_sysctl_set(t, "fin_timeout", s);
		return s * 1000;
	}
	ret = ktcp_sysctl_path_write(p, s);
	if (!ret)
		ret = ktcp_sysctl_path_read(p, &got);
	if (ret || got != s)
		KTCP_FAIL(t, "%s: wrote %ld, read %ld: %s", p, s, got,
			  strerror(-ret));
	return s * 1000;
}
