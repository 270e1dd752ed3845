// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_conns: many connections between clients and servers of either
 * family, in a fresh network namespace with lo (its own port space, so
 * that one run leaves nothing in the next one's way). scripts/scale.sh
 * drives it.
 *
 *   ktcp_conns hold [options]   N connections to K servers on 127.0.0.1,
 *                               all held open (epoll on both sides); then
 *                               8 bytes each way on every one, checked;
 *                               then all closed, and the namespace's
 *                               sockets (ports held for ktcp included)
 *                               must go back to where they were
 *   ktcp_conns rate [options]   N times, one after another: connect, send
 *                               1 byte, close (the server reads it and the
 *                               EOF, then closes)
 *
 * Options:
 *   -c FAM   client family: ktcp, inet or a number (default ktcp)
 *   -s FAM   server family (default inet)
 *   -n N     connections (default 1000)
 *   -k K     servers: listening ports PORT..PORT+K-1 (default 3; rate: 1)
 *   -p PORT  first listening port (default 5001, outside the ephemeral
 *            range)
 *   -T MS    net.ktcp.tw_timeout_ms in the namespace (hold: 1000, so that
 *            the drain check is quick; rate: 60000, native TCP's)
 *   -w S     hold: wait up to S s after closing for the sockets to go
 *            (default 30)
 *   -i S     fail after S s without progress (default 120)
 *
 * Output: "# ..." progress lines, "STAT ..." lines (sockstat and Slab at
 * each stage, the slab caches that grew most), and last one line
 *   RESULT ok|FAIL mode=M client=F server=F n=N k=K conns=C secs=... [why="..."]
 * with, for hold: connect_s, rate (connects/s), xchg_s, close_s, slab_kb
 * (Slab delta held - base), slab_per_conn (bytes, both ends),
 * sockets_delta (sockstat "sockets: used": the user's sockets, both ends),
 * tcp_alloc_delta (sockstat TCP alloc, native TCP sockets: native ends and
 * ktcp's claims, which are kernel sockets and not in "sockets: used"),
 * claims (tcp_alloc_delta less the native ends), ports (distinct client
 * ports), max_share
 * (connections on the busiest client port), drained; for rate: secs,
 * rate (connections/s) and cpu_us (busy CPU time of the whole machine,
 * /proc/stat, per connection: both ends, softirqs included; from the
 * first connect until the server saw the last close).
 * Exit status 0 when every connection did what it should, 1 otherwise, 2
 * on a usage or set-up error. KTCP_TEST_FAMILY=inet makes "ktcp" native.
 *
 * A tool, not a test: `make tools` builds it into tools/build/.
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <getopt.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define MSG_LEN		8	/* hold: bytes each way per connection */
#define LFD_TAG		(1ULL << 40)	/* epoll data of a listener */
#define CTL_TAG		(1ULL << 41)	/* of the control pipe */
#define MAX_SERVERS	16
#define EV_BATCH	256

struct opts {
	bool rate;
	int cfam, sfam, n, k, port, tw_ms, wait_s, idle_s;
};

/* What the server child reports. */
struct srv_stats {
	long accepted, msgs, closed, errors, bad;
};

/* sockstat and Slab at one moment */
struct snap {
	long sockets, tcp_inuse, tcp_alloc, tcp_tw, slab_kb;
};

static void __attribute__((noreturn)) die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ktcp_conns: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	printf("RESULT FAIL why=\"setup\"\n");
	exit(code);
}

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static const char *fam_name(int fam)
{
	return fam == AF_INET ? "inet" : "ktcp";
}

/* ---- /proc: sockstat, meminfo, slabinfo ---- */

static void snap_take(struct snap *s)
{
	char line[256];
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fopen("/proc/thread-self/net/sockstat", "re");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "sockets: used %ld", &s->sockets);
		sscanf(line, "TCP: inuse %ld orphan %*d tw %ld alloc %ld",
		       &s->tcp_inuse, &s->tcp_tw, &s->tcp_alloc);
	}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "re");
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "Slab: %ld kB", &s->slab_kb);
	if (f)
		fclose(f);
}

static void snap_print(const char *stage, const struct snap *s)
{
	printf("STAT %s sockets=%ld tcp_inuse=%ld tcp_alloc=%ld tcp_tw=%ld slab_kb=%ld\n",
	       stage, s->sockets, s->tcp_inuse, s->tcp_alloc, s->tcp_tw,
	       s->slab_kb);
}

#define SLAB_MAX	1024

struct slab_cache {
	char name[64];
	long objs, size;
};

static int slab_read(struct slab_cache *c)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	char line[512];
	int n = 0;

	while (f && n < SLAB_MAX && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld %*d %ld", c[n].name, &c[n].objs,
			   &c[n].size) == 3 && c[n].name[0] != '#')
			n++;
	if (f)
		fclose(f);
	return n;
}

/* The caches that grew most between @a and @b, per connection. */
static void slab_diff(const struct slab_cache *a, int na,
		      const struct slab_cache *b, int nb, long conns)
{
	long best[8] = { 0 }, grow;
	int idx[8], i, j, m;

	for (i = 0; i < nb; i++) {
		for (j = 0; j < na && strcmp(a[j].name, b[i].name); j++)
			;
		grow = (b[i].objs - (j < na ? a[j].objs : 0)) * b[i].size;
		for (m = 0; m < 8 && grow <= best[m]; m++)
			;
		if (m == 8)
			continue;
		memmove(&best[m + 1], &best[m], (7 - m) * sizeof(best[0]));
		memmove(&idx[m + 1], &idx[m], (7 - m) * sizeof(idx[0]));
		best[m] = grow;
		idx[m] = i;
	}
	for (m = 0; m < 8 && best[m] > 0; m++)
		printf("STAT slab cache=%s objsize=%ld kb=%ld per_conn_bytes=%.0f\n",
		       b[idx[m]].name, b[idx[m]].size, best[m] / 1024,
		       conns ? (double)best[m] / conns : 0.0);
}

/* ---- the namespace ---- */

static void write_proc(const char *path, const char *val, bool must)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if ((fd < 0 || write(fd, val, strlen(val)) < 0) && must)
		die(2, "write %s to %s: %s", val, path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void setup_netns(const struct opts *o)
{
	struct rlimit rl = { .rlim_cur = o->n + 4096, .rlim_max = o->n + 4096 };
	char buf[32];

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die(2, "RLIMIT_NOFILE %d: %s (fs.nr_open?)", o->n + 4096,
		    strerror(errno));
	if (unshare(CLONE_NEWNET) || ktcp_if_up("lo"))
		die(2, "a netns with lo up: %s", strerror(errno));
	snprintf(buf, sizeof(buf), "%d", o->n > 4096 ? o->n : 4096);
	write_proc("/proc/sys/net/core/somaxconn", buf, true);
	write_proc("/proc/sys/net/ipv4/tcp_max_syn_backlog", buf, true);
	if (o->cfam != AF_INET || o->sfam != AF_INET) {
		int err = ktcp_sysctl_write("tw_timeout_ms", o->tw_ms);

		if (err)
			die(2, "net.ktcp.tw_timeout_ms: %s (is ktcp.ko loaded?)",
			    strerror(-err));
	}
}

static struct sockaddr_in server_addr(const struct opts *o, int i)
{
	return ktcp_sin("127.0.0.1", o->port + i % o->k);
}

static int listen_one(const struct opts *o, int i)
{
	struct sockaddr_in sa = server_addr(o, i);
	int fd, one = 1;

	fd = socket(o->sfam, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die(2, "server socket(%d): %s", o->sfam, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, o->n > 4096 ? o->n : 4096))
		die(2, "server bind/listen on port %d: %s", o->port + i,
		    strerror(errno));
	return fd;
}

/* ---- the server (a child process) ---- */

struct srv {
	const struct opts *o;
	int ep, ctl, lfd[MAX_SERVERS];
	size_t msg_len;		/* bytes per message: MSG_LEN or 1 */
	bool reply;		/* answer each message (hold) */
	uint8_t *got;		/* per fd: message bytes so far */
	uint8_t (*buf)[MSG_LEN];
	long expect;		/* connections to see closed; -1: unknown */
	struct srv_stats st;
};

static void srv_accept(struct srv *s, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	while ((fd = accept4(lfd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		s->st.accepted++;
		s->got[fd] = 0;
		ev.data.u64 = fd;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev))
			die(2, "server epoll_ctl: %s", strerror(errno));
	}
	if (errno != EAGAIN)
		s->st.errors++;
}

/* One full message on @fd: answer it with its bytes inverted. */
static void srv_message(struct srv *s, int fd)
{
	uint8_t out[MSG_LEN];
	size_t i;

	s->st.msgs++;
	s->got[fd] = 0;
	if (!s->reply)
		return;
	for (i = 0; i < s->msg_len; i++)
		out[i] = ~s->buf[fd][i];
	if (write(fd, out, s->msg_len) != (ssize_t)s->msg_len)
		s->st.errors++;
}

static void srv_read(struct srv *s, int fd)
{
	ssize_t n;

	for (;;) {
		n = read(fd, s->buf[fd] + s->got[fd], s->msg_len - s->got[fd]);
		if (n > 0) {
			s->got[fd] += n;
			if (s->got[fd] == s->msg_len)
				srv_message(s, fd);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			s->st.errors++;
		else if (s->got[fd])
			s->st.bad++;	/* EOF inside a message */
		close(fd);
		s->st.closed++;
		return;
	}
}

static void srv_ctl(struct srv *s)
{
	char buf[32];
	ssize_t n = read(s->ctl, buf, sizeof(buf) - 1);

	if (n <= 0) {		/* the client is gone: stop */
		s->expect = 0;
		return;
	}
	buf[n] = 0;
	s->expect = atol(buf);
}

static void srv_loop(struct srv *s)
{
	struct epoll_event ev[EV_BATCH];
	long long last = ktcp_now_ms();
	int i, n;

	while (s->expect < 0 || s->st.closed < s->expect) {
		n = epoll_wait(s->ep, ev, EV_BATCH, 1000);
		if (n < 0 && errno != EINTR)
			die(2, "server epoll_wait: %s", strerror(errno));
		if (n > 0)
			last = ktcp_now_ms();
		else if (ktcp_now_ms() - last > s->o->idle_s * 1000LL)
			return;
		for (i = 0; i < n; i++) {
			uint64_t d = ev[i].data.u64;

			if (d & LFD_TAG)
				srv_accept(s, (int)(d & 0xffffffff));
			else if (d & CTL_TAG)
				srv_ctl(s);
			else
				srv_read(s, (int)d);
		}
	}
}

static void __attribute__((noreturn)) srv_main(const struct opts *o,
					       const int *lfd, int ctl, int res)
{
	struct epoll_event ev = { .events = EPOLLIN };
	size_t nfd = o->n + 4096;
	struct srv s = {
		.o = o, .ctl = ctl, .expect = -1,
		.msg_len = o->rate ? 1 : MSG_LEN, .reply = !o->rate,
	};
	int i;

	s.got = calloc(nfd, 1);
	s.buf = calloc(nfd, MSG_LEN);
	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!s.got || !s.buf || s.ep < 0)
		die(2, "server set-up: %s", strerror(errno));
	for (i = 0; i < o->k; i++) {
		ev.data.u64 = LFD_TAG | lfd[i];
		epoll_ctl(s.ep, EPOLL_CTL_ADD, lfd[i], &ev);
	}
	ev.data.u64 = CTL_TAG;
	epoll_ctl(s.ep, EPOLL_CTL_ADD, ctl, &ev);
	srv_loop(&s);
	if (write(res, &s.st, sizeof(s.st)) != sizeof(s.st))
		_exit(2);
	_exit(0);
}

/* Fork the server; its control and result pipes. */
static pid_t srv_start(const struct opts *o, int *ctl, int *res)
{
	int lfd[MAX_SERVERS], cp[2], rp[2], i;
	pid_t pid;

	for (i = 0; i < o->k; i++)
		lfd[i] = listen_one(o, i);
	if (pipe2(cp, O_CLOEXEC) || pipe2(rp, O_CLOEXEC))
		die(2, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die(2, "fork: %s", strerror(errno));
	if (!pid) {
		close(cp[1]);
		close(rp[0]);
		srv_main(o, lfd, cp[0], rp[1]);
	}
	for (i = 0; i < o->k; i++)
		close(lfd[i]);
	close(cp[0]);
	close(rp[1]);
	*ctl = cp[1];
	*res = rp[0];
	return pid;
}

/* Tell the server how many connections to wait for; its report. */
static bool srv_finish(pid_t pid, int ctl, int res, long expect,
		       struct srv_stats *st)
{
	char buf[32];
	int len, status;
	bool ok;

	len = snprintf(buf, sizeof(buf), "%ld", expect);
	if (write(ctl, buf, len) != len)
		return false;
	ok = read(res, st, sizeof(*st)) == sizeof(*st);
	close(ctl);
	close(res);
	waitpid(pid, &status, 0);
	return ok && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* ---- the client, hold mode ---- */

struct cli {
	const struct opts *o;
	int ep, *fd;		/* per connection, -1 if it failed */
	uint8_t *got;
	uint8_t (*buf)[MSG_LEN];
	uint16_t *port_use;	/* connections per client port */
	long conns, fails, xchg_ok, xchg_bad;
	int first_err;
};

static void cli_msg(long i, uint8_t *m)
{
	uint32_t v = (uint32_t)i;

	memcpy(m, &v, 4);
	memcpy(m + 4, "ktcp", 4);
}

/* Connect @i (to server i % K), blocking; record its port. */
static void cli_connect_one(struct cli *c, long i)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };
	struct sockaddr_in sa = server_addr(c->o, i);
	int fd = socket(c->o->cfam, SOCK_STREAM | SOCK_CLOEXEC, 0);

	c->fd[i] = -1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev)) {
		if (!c->fails++)
			c->first_err = errno;
		if (c->fails <= 5)
			note("connection %ld: %s", i, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	c->fd[i] = fd;
	c->conns++;
	c->port_use[ktcp_local_port(fd)]++;
}

/* Progress every 2000: under TCG a long run must show it is moving. */
static void cli_connect_all(struct cli *c)
{
	long long t0 = ktcp_now_ms(), t = t0, now;
	long i;

	for (i = 0; i < c->o->n; i++) {
		cli_connect_one(c, i);
		if ((i + 1) % 2000)
			continue;
		now = ktcp_now_ms();
		note("%ld connections in %.1f s (the last 2000: %.0f/s), %ld failed",
		     i + 1, (now - t0) / 1000.0,
		     now > t ? 2000000.0 / (now - t) : 0.0, c->fails);
		t = now;
	}
}

static void cli_read(struct cli *c, long i)
{
	uint8_t want[MSG_LEN];
	ssize_t n;
	int k;

	n = recv(c->fd[i], c->buf[i] + c->got[i], MSG_LEN - c->got[i],
		 MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0 || (c->got[i] += n) == MSG_LEN) {
		cli_msg(i, want);
		for (k = 0; k < MSG_LEN; k++)
			want[k] = ~want[k];
		if (n > 0 && !memcmp(want, c->buf[i], MSG_LEN))
			c->xchg_ok++;
		else
			c->xchg_bad++;
		epoll_ctl(c->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
	}
}

/* 8 bytes each way on every connection; the server inverts them. */
static void cli_exchange(struct cli *c)
{
	struct epoll_event ev[EV_BATCH];
	long long last;
	uint8_t m[MSG_LEN];
	long i;
	int n;

	for (i = 0; i < c->o->n; i++) {
		if (c->fd[i] < 0)
			continue;
		cli_msg(i, m);
		if (write(c->fd[i], m, MSG_LEN) != MSG_LEN)
			c->xchg_bad++;
	}
	last = ktcp_now_ms();
	while (c->xchg_ok + c->xchg_bad < c->conns) {
		n = epoll_wait(c->ep, ev, EV_BATCH, 1000);
		if (n > 0)
			last = ktcp_now_ms();
		else if (ktcp_now_ms() - last > c->o->idle_s * 1000LL)
			break;
		for (i = 0; i < n; i++)
			cli_read(c, (long)ev[i].data.u64);
	}
}

static void cli_ports(const struct cli *c, long *ports, long *max_share)
{
	int p;

	*ports = 0;
	*max_share = 0;
	for (p = 0; p < 65536; p++) {
		*ports += c->port_use[p] > 0;
		if (c->port_use[p] > *max_share)
			*max_share = c->port_use[p];
	}
}

/*
 * After close: wait for the namespace's tables and counters to empty.
 * sockstat's TCP alloc is the only global one (tcp_sockets_allocated; it
 * counts ktcp's claims, which no namespace counter sees): sockets of other
 * namespaces, such as a previous run's closing ones, may take it below
 * where it was, never above.
 */
static bool drained(const struct snap *base, int wait_s, struct snap *now)
{
	long long end = ktcp_now_ms() + wait_s * 1000LL;
	int kt, nat, tw;

	for (;;) {
		snap_take(now);
		kt = ktcp_native() ? 0 :
		     ktcp_proc_scan_table(false, KT_ANY, KT_ANY, KT_ANY, NULL);
		nat = ktcp_proc_scan_table(true, KT_ANY, KT_ANY, KT_ANY, NULL);
		tw = ktcp_proc_scan_table(true, KT_TIME_WAIT, KT_ANY, KT_ANY,
					  NULL);
		if (kt <= 0 && nat - tw <= 0 && now->sockets == base->sockets &&
		    now->tcp_alloc <= base->tcp_alloc &&
		    now->tcp_inuse == base->tcp_inuse)
			return true;
		if (ktcp_now_ms() > end) {
			note("not drained after %d s: ktcp rows %d, native rows %d (%d TIME_WAIT)",
			     wait_s, kt, nat, tw);
			return false;
		}
		ktcp_sleep_ms(200);
	}
}

struct hold_res {
	double connect_s, xchg_s, close_s;
	struct snap base0, base, held, closed, after;
	long ports, max_share;
	bool srv_ok, drained;
	struct srv_stats st;
};

static struct slab_cache slab_a[SLAB_MAX], slab_b[SLAB_MAX];

static void hold_run(struct cli *c, struct hold_res *r)
{
	int ctl, res, na, nb;
	long long t;
	pid_t pid;
	long i;

	snap_take(&r->base0);
	pid = srv_start(c->o, &ctl, &res);
	ktcp_sleep_ms(500);
	na = slab_read(slab_a);
	snap_take(&r->base);
	t = ktcp_now_ms();
	cli_connect_all(c);
	r->connect_s = (ktcp_now_ms() - t) / 1000.0;
	note("%ld connected in %.1f s; exchanging", c->conns, r->connect_s);
	t = ktcp_now_ms();
	cli_exchange(c);
	r->xchg_s = (ktcp_now_ms() - t) / 1000.0;
	ktcp_sleep_ms(500);
	snap_take(&r->held);
	nb = slab_read(slab_b);
	slab_diff(slab_a, na, slab_b, nb, c->conns);
	cli_ports(c, &r->ports, &r->max_share);
	t = ktcp_now_ms();
	for (i = 0; i < c->o->n; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	r->srv_ok = srv_finish(pid, ctl, res, c->conns, &r->st);
	r->close_s = (ktcp_now_ms() - t) / 1000.0;
	snap_take(&r->closed);
	/* the listeners are gone too: compare with before they were made */
	r->drained = drained(&r->base0, c->o->wait_s, &r->after);
}

static int hold_report(const struct cli *c, const struct hold_res *r)
{
	const struct opts *o = c->o;
	long sockets = r->held.sockets - r->base.sockets;
	long alloc = r->held.tcp_alloc - r->base.tcp_alloc;
	long slab = r->held.slab_kb - r->base.slab_kb;
	/* native TCP's own ends; the rest of the growth is ktcp's claims */
	long native = c->conns * ((o->cfam == AF_INET) + (o->sfam == AF_INET));
	char why[256] = "";

	snap_print("base", &r->base);
	snap_print("held", &r->held);
	snap_print("closed", &r->closed);
	snap_print("drained", &r->after);
	printf("STAT server accepted=%ld msgs=%ld closed=%ld errors=%ld bad=%ld\n",
	       r->st.accepted, r->st.msgs, r->st.closed, r->st.errors,
	       r->st.bad);
	if (c->fails)
		snprintf(why, sizeof(why), "%ld of %d connects failed, first: %s",
			 c->fails, o->n, strerror(c->first_err));
	else if (c->xchg_ok != c->conns)
		snprintf(why, sizeof(why), "exchange: %ld ok, %ld bad of %ld",
			 c->xchg_ok, c->xchg_bad, c->conns);
	else if (!r->srv_ok || r->st.accepted != c->conns ||
		 r->st.msgs != c->conns || r->st.closed != c->conns ||
		 r->st.errors || r->st.bad)
		snprintf(why, sizeof(why), "server: %s accepted %ld msgs %ld closed %ld errors %ld bad %ld",
			 r->srv_ok ? "done," : "gave up,", r->st.accepted,
			 r->st.msgs, r->st.closed, r->st.errors, r->st.bad);
	else if (!r->drained)
		snprintf(why, sizeof(why), "not drained: sockets %+ld, tcp alloc %+ld, tcp inuse %+ld after %d s",
			 r->after.sockets - r->base0.sockets,
			 r->after.tcp_alloc - r->base0.tcp_alloc,
			 r->after.tcp_inuse - r->base0.tcp_inuse, o->wait_s);
	printf("RESULT %s mode=hold client=%s server=%s n=%d k=%d conns=%ld connect_s=%.2f rate=%.0f xchg_s=%.2f close_s=%.2f slab_kb=%ld slab_per_conn=%.0f sockets_delta=%ld tcp_alloc_delta=%ld claims=%ld ports=%ld max_share=%ld drained=%d%s%s%s\n",
	       why[0] ? "FAIL" : "ok", fam_name(o->cfam), fam_name(o->sfam),
	       o->n, o->k, c->conns, r->connect_s,
	       r->connect_s > 0 ? c->conns / r->connect_s : 0.0, r->xchg_s,
	       r->close_s, slab, c->conns ? slab * 1024.0 / c->conns : 0.0,
	       sockets, alloc, alloc - native, r->ports, r->max_share, r->drained,
	       why[0] ? " why=\"" : "", why, why[0] ? "\"" : "");
	return why[0] ? 1 : 0;
}

static int hold_main(const struct opts *o)
{
	struct cli c = { .o = o };
	struct hold_res r = { 0 };

	c.fd = calloc(o->n, sizeof(*c.fd));
	c.got = calloc(o->n, 1);
	c.buf = calloc(o->n, MSG_LEN);
	c.port_use = calloc(65536, sizeof(*c.port_use));
	c.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!c.fd || !c.got || !c.buf || !c.port_use || c.ep < 0)
		die(2, "client set-up: %s", strerror(errno));
	hold_run(&c, &r);
	return hold_report(&c, &r);
}

/* ---- rate mode ---- */

/* Busy CPU time of the whole machine (all CPUs, /proc/stat), in us. */
static long long cpu_busy_us(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "re");
	int n = 0;

	if (f) {
		n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]);
		fclose(f);
	}
	if (n < 8)
		return -1;
	/* user nice system (idle iowait) irq softirq steal */
	return (long long)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
	       1000000 / sysconf(_SC_CLK_TCK);
}

static int rate_main(const struct opts *o)
{
	long fails = 0, i;
	struct srv_stats st;
	int ctl, res, fd, first_err = 0;
	char why[256] = "";
	long long t0, cpu0, cpu;
	double secs;
	pid_t pid;
	bool ok;

	pid = srv_start(o, &ctl, &res);
	ktcp_sleep_ms(500);
	cpu0 = cpu_busy_us();
	t0 = ktcp_now_ms();
	for (i = 0; i < o->n; i++) {
		struct sockaddr_in sa = server_addr(o, i);

		fd = socket(o->cfam, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    write(fd, "x", 1) != 1) {
			if (!fails++)
				first_err = errno;
		}
		if (fd >= 0)
			close(fd);
	}
	secs = (ktcp_now_ms() - t0) / 1000.0;
	ok = srv_finish(pid, ctl, res, o->n - fails, &st);
	cpu = cpu0 < 0 ? -1 : cpu_busy_us() - cpu0;
	if (fails)
		snprintf(why, sizeof(why), "%ld of %d failed, first: %s", fails,
			 o->n, strerror(first_err));
	else if (!ok || st.accepted != o->n || st.msgs != o->n ||
		 st.closed != o->n || st.errors || st.bad)
		snprintf(why, sizeof(why), "server: accepted %ld msgs %ld closed %ld errors %ld bad %ld",
			 st.accepted, st.msgs, st.closed, st.errors, st.bad);
	printf("RESULT %s mode=rate client=%s server=%s n=%d k=%d conns=%ld secs=%.3f rate=%.1f cpu_us=%.0f%s%s%s\n",
	       why[0] ? "FAIL" : "ok", fam_name(o->cfam), fam_name(o->sfam),
	       o->n, o->k, o->n - fails, secs, secs > 0 ? o->n / secs : 0.0,
	       cpu < 0 ? -1.0 : (double)cpu / o->n,
	       why[0] ? " why=\"" : "", why, why[0] ? "\"" : "");
	return why[0] ? 1 : 0;
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: ktcp_conns hold|rate [-c FAM] [-s FAM] [-n N] [-k K] [-p PORT]\n"
		"                  [-T TW_MS] [-w S] [-i S]\n"
		"  FAM: ktcp, inet or a number; see the head of ktcp_conns.c\n");
	exit(2);
}

static int parse_fam(const char *s)
{
	int fam = ktcp_parse_family(s);

	if (fam < 0)
		usage();
	return fam;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	int opt, k = 0, tw = 0;

	if (argc < 2 || (strcmp(argv[1], "hold") && strcmp(argv[1], "rate")))
		usage();
	o->rate = !strcmp(argv[1], "rate");
	optind = 2;
	while ((opt = getopt(argc, argv, "c:s:n:k:p:T:w:i:h")) != -1) {
		switch (opt) {
		case 'c': o->cfam = parse_fam(optarg); break;
		case 's': o->sfam = parse_fam(optarg); break;
		case 'n': o->n = atoi(optarg); break;
		case 'k': k = atoi(optarg); break;
		case 'p': o->port = atoi(optarg); break;
		case 'T': tw = atoi(optarg); break;
		case 'w': o->wait_s = atoi(optarg); break;
		case 'i': o->idle_s = atoi(optarg); break;
		default: usage();
		}
	}
	o->k = k ? k : o->rate ? 1 : 3;
	o->tw_ms = tw ? tw : o->rate ? 60000 : 1000;
	if (optind != argc || o->n <= 0 || o->k <= 0 || o->k > MAX_SERVERS ||
	    o->port <= 0 || o->port + o->k > 65536 || o->idle_s <= 0 ||
	    o->wait_s < 0)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = {
		.cfam = ktcp_family(), .sfam = AF_INET, .n = 1000,
		.port = 5001, .wait_s = 30, .idle_s = 120,
	};

	parse_args(&o, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	setup_netns(&o);
	note("%s: %d %s clients -> %d %s servers on 127.0.0.1:%d..%d",
	     o.rate ? "rate" : "hold", o.n, fam_name(o.cfam), o.k,
	     fam_name(o.sfam), o.port, o.port + o.k - 1);
	return o.rate ? rate_main(&o) : hold_main(&o);
}
