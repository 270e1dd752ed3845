// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/ktcp against /proc/net/tcp (module/proc.c against Linux's
 * get_tcp4_sock() and get_timewait4_sock()): the same sockets opened on
 * ktcp and on native TCP in one namespace, their rows parsed with one
 * sscanf() format, as a script written for /proc/net/tcp would, and
 * compared field by field:
 * - a listener with one connection not accepted;
 * - a client idle with keepalive on (timer 2, ~100 s left);
 * - a sender behind a receiver that does not read (zero window: timer 4,
 *   data queued; the receiver's rx_queue holds it);
 * - a client in TIME_WAIT (timer 3, ktcp's TIME_WAIT set to Linux's 60 s);
 * - then, with all loss on lo, a sender with 1000 bytes unacknowledged
 *   (timer 1, retransmissions, RTO backed off, cwnd 1, ssthresh cut).
 * /proc/net/ktcp6 against /proc/net/tcp6 (get_tcp6_sock() and
 * get_timewait6_sock()): a dual-stack listener on ::, a connection over
 * ::1, an IPv4 one to it (its accepted end is v4-mapped, in the IPv6
 * table; its client end only in the IPv4 one) and a TIME_WAIT over ::1.
 * And ktcpstat -d against nstat: the counters' increase since the last call;
 * ktcpstat --timeline on a transfer under loss: its samples and its chart.
 * Tolerated: inode, refcount and pointer (different objects), ports
 * (different listeners), the time left (armed at different moments: the
 * elapsed time plus 1 s), the RTO (measured RTTs differ: within 5 ticks
 * of the expected value).
 */
#include <ctype.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define PT_IP		"127.0.0.1"
#define PT_KEEPIDLE	100		/* s */
#define PT_TW_MS	60000		/* Linux's TCP_TIMEWAIT_LEN */
#define PT_LOST		1000		/* bytes sent into the loss */
#define PT_HZ		100		/* USER_HZ: ticks per second */

struct pt_row {
	char line[512];
	int nf;				/* fields after "sl:" */
	unsigned int la, lp, ra, rp, st, tr, uid, quick, cwnd;
	unsigned long tx, rx, when, rt, ino, rto, ato;
	int timeout, ref, ssthresh;
	char ptr[40];
	unsigned int la6[4], ra6[4];	/* /proc/net/tcp6's four words */
};

struct pt_set {
	int family, lfd, fds[12], nfds;
	uint16_t port, ka_port, zw_port, zr_port, tw_port, loss_port;
	long long ka_ms, tw_ms;		/* when those timers were armed */
	int loss_fd;
};

/* One data row as a /proc/net/tcp reader parses it; -1 if it cannot. */
static int pt_parse(const char *line, struct pt_row *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->line, sizeof(r->line), "%s", line);
	r->line[strcspn(r->line, "\n")] = '\0';
	r->nf = sscanf(line, " %*d: %X:%X %X:%X %X %lX:%lX %X:%lX %lX %u %d %lu %d %39s %lu %lu %u %u %d",
		       &r->la, &r->lp, &r->ra, &r->rp, &r->st, &r->tx, &r->rx,
		       &r->tr, &r->when, &r->rt, &r->uid, &r->timeout, &r->ino,
		       &r->ref, r->ptr, &r->rto, &r->ato, &r->quick, &r->cwnd,
		       &r->ssthresh);
	return r->nf >= 15 ? 0 : -1;
}

/* The row of @native_table's file for lport -> rport; the header too. */
static int pt_find(bool native_table, int lport, int rport, struct pt_row *r,
		   char *header, size_t hlen)
{
	FILE *f = fopen(ktcp_proc_path(native_table), "re");
	char line[512];
	int found = -1;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	if (header)
		snprintf(header, hlen, "%s", line);
	while (found && fgets(line, sizeof(line), f))
		if (!pt_parse(line, r) && (int)r->lp == lport &&
		    (int)r->rp == rport)
			found = 0;
	fclose(f);
	return found;
}

static void pt_get(struct __test_metadata *_metadata, int family, int lport,
		   int rport, struct pt_row *r)
{
	int ret = pt_find(family == AF_INET, lport, rport, r, NULL, 0);

	ASSERT_EQ(0, ret) TH_LOG("family %d: no row %d -> %d", family, lport,
				 rport);
}

/*
 * The fixed-width part of a row after "sl:" (%4d:, checked apart) up to
 * and with "timeout", every hex digit as 9: both stacks print it with the
 * same widths. The line is padded with spaces to 149 characters as
 * tcp4_seq_show() pads it.
 */
static void pt_shape(const struct pt_row *r, char *out, size_t len)
{
	const char *p = r->line + 5;
	size_t i = 0;
	int tok = 1;

	for (; *p && i + 1 < len; p++) {
		if (*p != ' ' && p[-1] == ' ' && ++tok > 9)
			break;
		out[i++] = isxdigit((unsigned char)*p) ? '9' : *p;
	}
	out[i] = '\0';
}

static void pt_same_shape(struct __test_metadata *_metadata,
			  const struct pt_row *k, const struct pt_row *n)
{
	char ks[200], ns[200];
	size_t kl = strlen(k->line), nl = strlen(n->line);

	EXPECT_EQ(':', k->line[4]) TH_LOG("%s", k->line);
	EXPECT_EQ(' ', k->line[5]) TH_LOG("%s", k->line);
	pt_shape(k, ks, sizeof(ks));
	pt_shape(n, ns, sizeof(ns));
	EXPECT_STREQ(ns, ks) TH_LOG("ktcp:   %s\nnative: %s", k->line, n->line);
	EXPECT_EQ(nl >= 149, kl >= 149) TH_LOG("ktcp line %zu chars", kl);
	EXPECT_EQ(nl == 149, kl == 149) TH_LOG("ktcp line %zu chars", kl);
	EXPECT_EQ(n->nf, k->nf) TH_LOG("ktcp:   %s\nnative: %s", k->line,
				       n->line);
	EXPECT_EQ(16, strlen(k->ptr));
}

/* The receiver stops reading; fill until its window is shut. */
static void pt_zero_window(struct __test_metadata *_metadata, struct pt_set *s,
			   int c)
{
	static char buf[65536];
	long long end = ktcp_now_ms() + ktcp_ms(10000);
	struct pt_row r;

	ASSERT_EQ(0, ktcp_set_nonblock(c, true));
	do {
		while (send(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		ASSERT_EQ(EAGAIN, errno);
		ktcp_sleep_ms(50);
		if (!pt_find(s->family == AF_INET, s->zw_port, s->port, &r,
			     NULL, 0) && r.tr == 4)
			return;
	} while (ktcp_now_ms() < end);
	ASSERT_EQ(4, r.tr) TH_LOG("family %d: no zero-window probe: %s",
				  s->family, r.line);
}

static void pt_open(struct __test_metadata *_metadata, struct pt_set *s,
		    int family)
{
	int c, a, one = 1, idle = PT_KEEPIDLE;

	s->family = family;
	s->lfd = ktcp_listener(_metadata, family, PT_IP, 0, 8, &s->port);
	/* keepalive on an idle connection: TCP_KEEPIDLE, then SO_KEEPALIVE */
	c = ktcp_connect(_metadata, family, PT_IP, s->port);
	a = ktcp_accept(_metadata, s->lfd);
	ASSERT_EQ(0, setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
				sizeof(idle)));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one,
				sizeof(one)));
	s->ka_ms = ktcp_now_ms();
	s->ka_port = ktcp_local_port(c);
	s->fds[s->nfds++] = c;
	s->fds[s->nfds++] = a;
	/* a zero window: c sends, a never reads */
	c = ktcp_connect(_metadata, family, PT_IP, s->port);
	a = ktcp_accept(_metadata, s->lfd);
	s->zw_port = ktcp_local_port(c);
	s->fds[s->nfds++] = c;
	s->fds[s->nfds++] = a;
	pt_zero_window(_metadata, s, c);
	/* TIME_WAIT: the client closes first */
	c = ktcp_connect(_metadata, family, PT_IP, s->port);
	a = ktcp_accept(_metadata, s->lfd);
	s->tw_port = ktcp_local_port(c);
	close(c);
	s->tw_ms = ktcp_now_ms();
	ASSERT_EQ(0, ktcp_wait_eof(a, ktcp_ms(5000)));
	close(a);
	ASSERT_EQ(KT_TIME_WAIT, ktcp_wait_state_table(family == AF_INET,
			s->tw_port, s->port, KT_TIME_WAIT, ktcp_ms(5000)));
	/* the one that will lose its data */
	s->loss_fd = ktcp_connect(_metadata, family, PT_IP, s->port);
	s->loss_port = ktcp_local_port(s->loss_fd);
	s->fds[s->nfds++] = s->loss_fd;
	s->fds[s->nfds++] = ktcp_accept(_metadata, s->lfd);
	/* last: one left in the accept queue */
	s->fds[s->nfds++] = ktcp_connect(_metadata, family, PT_IP, s->port);
}

static void pt_close(struct pt_set *s)
{
	for (int i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	close(s->lfd);
}

/* A timer's time left, in ticks: @total armed at @armed_ms, give or take 1 s. */
static void pt_when(struct __test_metadata *_metadata, const struct pt_row *r,
		    long total, long long armed_ms)
{
	long want = total - (ktcp_now_ms() - armed_ms) * PT_HZ / 1000;

	EXPECT_LE(want - PT_HZ, (long)r->when) TH_LOG("%s", r->line);
	EXPECT_GE(want + PT_HZ, (long)r->when) TH_LOG("%s", r->line);
}

/* The expected RTO column: rto_min's 200 ms (20 ticks), backed off. */
static void pt_rto(struct __test_metadata *_metadata, const struct pt_row *r)
{
	long base = 20L << (r->rt < 8 ? r->rt : 8);

	EXPECT_LE(base, (long)r->rto) TH_LOG("%s", r->line);
	EXPECT_GE(base + (5L << (r->rt < 8 ? r->rt : 8)), (long)r->rto)
		TH_LOG("%s", r->line);
}

FIXTURE(proctable)
{
	struct pt_set k, n;
};

FIXTURE_SETUP(proctable)
{
	if (ktcp_native())
		SKIP(return, "ktcp's /proc/net/ktcp against itself");
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, PT_TW_MS);
	pt_open(_metadata, &self->k, ktcp_family());
	pt_open(_metadata, &self->n, AF_INET);
}

FIXTURE_TEARDOWN(proctable)
{
	pt_close(&self->k);
	pt_close(&self->n);
}

/* Header, listener, keepalive, zero window, TIME_WAIT: no loss yet. */
TEST_F_TIMEOUT(proctable, rows_match_native, 120)
{
	char kh[512], nh[512];
	struct pt_row k, n;
	long long end;

	ASSERT_EQ(0, pt_find(false, self->k.port, 0, &k, kh, sizeof(kh)));
	ASSERT_EQ(0, pt_find(true, self->n.port, 0, &n, nh, sizeof(nh)));
	EXPECT_STREQ(nh, kh);

	/* listener: all fields but inode, refcount and pointer */
	TH_LOG("%s\n%s", k.line, n.line);
	pt_same_shape(_metadata, &k, &n);
	EXPECT_EQ(20, k.nf);
	EXPECT_EQ(0x0A, k.st);
	EXPECT_EQ(0x0100007F, k.la);
	EXPECT_EQ(0, k.ra);
	EXPECT_EQ(0, k.rp);
	EXPECT_EQ(n.tx, k.tx);
	EXPECT_EQ(1, n.rx);
	EXPECT_EQ(n.rx, k.rx);
	EXPECT_EQ(n.tr, k.tr);
	EXPECT_EQ(n.when, k.when);
	EXPECT_EQ(n.rt, k.rt);
	EXPECT_EQ(n.uid, k.uid);
	EXPECT_EQ(n.timeout, k.timeout);
	EXPECT_NE(0, k.ino);
	EXPECT_EQ(n.rto, k.rto);
	EXPECT_EQ(n.ato, k.ato);
	EXPECT_EQ(n.quick, k.quick);
	EXPECT_EQ(n.cwnd, k.cwnd);
	EXPECT_EQ(n.ssthresh, k.ssthresh);

	/* idle with keepalive: timer 2, TCP_KEEPIDLE left */
	pt_get(_metadata, self->k.family, self->k.ka_port, self->k.port, &k);
	pt_get(_metadata, AF_INET, self->n.ka_port, self->n.port, &n);
	TH_LOG("%s\n%s", k.line, n.line);
	pt_same_shape(_metadata, &k, &n);
	EXPECT_EQ(0x01, k.st);
	EXPECT_EQ(2, n.tr);
	EXPECT_EQ(n.tr, k.tr);
	pt_when(_metadata, &n, PT_KEEPIDLE * PT_HZ, self->n.ka_ms);
	pt_when(_metadata, &k, PT_KEEPIDLE * PT_HZ, self->k.ka_ms);
	EXPECT_EQ(n.tx, k.tx);
	EXPECT_EQ(n.rx, k.rx);
	EXPECT_EQ(n.rt, k.rt);
	EXPECT_EQ(n.timeout, k.timeout);
	EXPECT_NE(0, k.ino);
	pt_rto(_metadata, &n);
	pt_rto(_metadata, &k);
	EXPECT_EQ(n.ato, k.ato);
	EXPECT_EQ(n.quick, k.quick);
	EXPECT_EQ(n.cwnd, k.cwnd);
	EXPECT_EQ(-1, n.ssthresh);
	EXPECT_EQ(n.ssthresh, k.ssthresh);

	/*
	 * zero window: timer 4 with data queued; the reader holds data.
	 * ktcp's receiver may reopen a window smaller than a segment, which
	 * puts a segment in flight (timer 1) for a round trip: wait it out.
	 */
	end = ktcp_now_ms() + ktcp_ms(3000);
	do {
		pt_get(_metadata, self->k.family, self->k.zw_port, self->k.port,
		       &k);
	} while (k.tr != 4 && ktcp_now_ms() < end && (ktcp_sleep_ms(20), 1));
	pt_get(_metadata, AF_INET, self->n.zw_port, self->n.port, &n);
	pt_same_shape(_metadata, &k, &n);
	EXPECT_EQ(4, n.tr);
	EXPECT_LT(0, k.tx);
	/*
	 * The receiver takes every byte inside the window it offered,
	 * collapsing its queue if it must (tcp_collapse()), so the sender
	 * probes a zero window and retransmits nothing.
	 */
	EXPECT_EQ(n.tr, k.tr) TH_LOG("%s", k.line);
	EXPECT_EQ(0, k.rt);
	EXPECT_EQ(n.ssthresh, k.ssthresh);
	pt_get(_metadata, self->k.family, self->k.port, self->k.zw_port, &k);
	pt_get(_metadata, AF_INET, self->n.port, self->n.zw_port, &n);
	pt_same_shape(_metadata, &k, &n);
	EXPECT_LT(0, k.rx);
	EXPECT_EQ(n.tr, k.tr);
	EXPECT_NE(0, k.ato) TH_LOG("%s", k.line);

	/* TIME_WAIT: get_timewait4_sock()'s short row */
	pt_get(_metadata, self->k.family, self->k.tw_port, self->k.port, &k);
	pt_get(_metadata, AF_INET, self->n.tw_port, self->n.port, &n);
	pt_same_shape(_metadata, &k, &n);
	EXPECT_EQ(15, n.nf);
	EXPECT_EQ(0x06, k.st);
	EXPECT_EQ(3, k.tr);
	pt_when(_metadata, &n, PT_TW_MS / 10, self->n.tw_ms);
	pt_when(_metadata, &k, PT_TW_MS / 10, self->k.tw_ms);
	EXPECT_EQ(0, k.tx + k.rx + k.rt + k.uid + k.timeout + k.ino);
}

/* All lost: timer 1, retransmissions, backed-off RTO, cwnd and ssthresh. */
TEST_F_TIMEOUT(proctable, retransmitting_matches_native, 120)
{
	static char data[PT_LOST];
	struct pt_set *sets[] = { &self->k, &self->n };
	struct pt_row r[2];
	long long end;
	char out[256];
	int i;

	ktcp_run_cmd(out, sizeof(out), "modprobe -q sch_netem");
	ASSERT_EQ(0, ktcp_netem_add("lo", "loss 100%", out, sizeof(out)))
		TH_LOG("%s", out);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(PT_LOST, send(sets[i]->loss_fd, data, PT_LOST, 0));
	end = ktcp_now_ms() + ktcp_ms(15000);
	for (;;) {
		for (i = 0; i < 2; i++)
			pt_get(_metadata, sets[i]->family, sets[i]->loss_port,
			       sets[i]->port, &r[i]);
		if ((r[0].rt >= 1 && r[1].rt >= 1) || ktcp_now_ms() > end)
			break;
		ktcp_sleep_ms(20);
	}
	pt_same_shape(_metadata, &r[0], &r[1]);
	for (i = 0; i < 2; i++) {
		const struct pt_row *x = &r[i];

		TH_LOG("%s", x->line);
		EXPECT_EQ(PT_LOST, x->tx);
		EXPECT_EQ(1, x->tr);
		EXPECT_LE(1, x->rt);
		EXPECT_GE((long)x->rto, (long)x->when);
		pt_rto(_metadata, x);
		/* tcp_enter_loss(): cwnd 1, ssthresh cubic's 0.7 * cwnd, of 10
		 * at the first timeout, of 1 (so 2) at the later ones
		 */
		EXPECT_EQ(1, x->cwnd);
		EXPECT_EQ(x->rt == 1 ? 7 : 2, x->ssthresh);
	}
}

/* ---- /proc/net/ktcp6 against /proc/net/tcp6 ---- */

/* A /proc/net/tcp6 row; nf counts the fields as pt_parse() does. */
static int pt6_parse(const char *line, struct pt_row *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->line, sizeof(r->line), "%s", line);
	r->line[strcspn(r->line, "\n")] = '\0';
	r->nf = sscanf(line, " %*d: %8X%8X%8X%8X:%X %8X%8X%8X%8X:%X %X %lX:%lX %X:%lX %lX %u %d %lu %d %39s %lu %lu %u %u %d",
		       &r->la6[0], &r->la6[1], &r->la6[2], &r->la6[3], &r->lp,
		       &r->ra6[0], &r->ra6[1], &r->ra6[2], &r->ra6[3], &r->rp,
		       &r->st, &r->tx, &r->rx, &r->tr, &r->when, &r->rt,
		       &r->uid, &r->timeout, &r->ino, &r->ref, r->ptr, &r->rto,
		       &r->ato, &r->quick, &r->cwnd, &r->ssthresh) - 6;
	return r->nf >= 15 ? 0 : -1;
}

/* pt_find() in /proc/net/tcp6 or /proc/net/ktcp6. */
static int pt6_find(bool native_table, int lport, int rport, struct pt_row *r,
		    char *header, size_t hlen)
{
	FILE *f = fopen(native_table ? "/proc/thread-self/net/tcp6" :
			"/proc/thread-self/net/ktcp6", "re");
	char line[512];
	int found = -1;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	if (header)
		snprintf(header, hlen, "%s", line);
	while (found && fgets(line, sizeof(line), f))
		if (!pt6_parse(line, r) && (int)r->lp == lport &&
		    (int)r->rp == rport)
			found = 0;
	fclose(f);
	return found;
}

struct pt6_set {
	int fds[8], nfds;
	uint16_t port, c_port, m_port, tw_port;
};

static void pt6_connect(struct __test_metadata *_metadata, struct pt6_set *s,
			int family, bool v4, uint16_t *port)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(s->port),
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in sa = ktcp_sin(PT_IP, s->port);
	int c = socket(family, SOCK_STREAM, 0);

	ASSERT_LE(0, c) TH_LOG("family %d: %s", family, strerror(errno));
	s->fds[s->nfds++] = c;
	ASSERT_EQ(0, v4 ? connect(c, (struct sockaddr *)&sa, sizeof(sa)) :
		  connect(c, (struct sockaddr *)&sa6, sizeof(sa6)))
		TH_LOG("family %d: %s", family, strerror(errno));
	*port = ktcp_local_port(c);
	s->fds[s->nfds++] = ktcp_accept(_metadata, s->fds[0]);
}

/* On @family6 (and @family4 for the mapped client) in this netns. */
static void pt6_open(struct __test_metadata *_metadata, struct pt6_set *s,
		     int family6, int family4, bool native)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(any);
	long long end;
	struct pt_row r;
	int l, a;

	l = socket(family6, SOCK_STREAM, 0);
	ASSERT_LE(0, l) TH_LOG("family %d: %s", family6, strerror(errno));
	s->fds[s->nfds++] = l;
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&any, sizeof(any)));
	ASSERT_EQ(0, listen(l, 8));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&any, &len));
	s->port = ntohs(any.sin6_port);
	pt6_connect(_metadata, s, family6, false, &s->c_port);
	pt6_connect(_metadata, s, family4, true, &s->m_port);
	/* TIME_WAIT over ::1: the client closes first */
	pt6_connect(_metadata, s, family6, false, &s->tw_port);
	a = s->fds[--s->nfds];
	close(s->fds[--s->nfds]);
	ASSERT_EQ(0, ktcp_wait_eof(a, ktcp_ms(5000)));
	close(a);
	end = ktcp_now_ms() + ktcp_ms(5000);
	while ((pt6_find(native, s->tw_port, s->port, &r, NULL, 0) ||
		r.st != 0x06) && ktcp_now_ms() < end)
		ktcp_sleep_ms(20);
	ASSERT_EQ(0x06, r.st) TH_LOG("family %d: no TIME_WAIT: %s", family6,
				     r.line);
}

FIXTURE(proctable6)
{
	struct pt6_set k, n;
};

FIXTURE_SETUP(proctable6)
{
	if (ktcp_native())
		SKIP(return, "ktcp's /proc/net/ktcp6 against itself");
	ktcp_new_netns(_metadata);
	pt6_open(_metadata, &self->k, ktcp_family6(), ktcp_family(), false);
	pt6_open(_metadata, &self->n, AF_INET6, AF_INET, true);
}

FIXTURE_TEARDOWN(proctable6)
{
	for (int i = 0; i < self->k.nfds; i++)
		close(self->k.fds[i]);
	for (int i = 0; i < self->n.nfds; i++)
		close(self->n.fds[i]);
}

/* Both rows' addresses, state, queues, timer and congestion fields agree. */
static void pt6_same(struct __test_metadata *_metadata, const struct pt_row *k,
		     const struct pt_row *n)
{
	TH_LOG("ktcp:   %s\nnative: %s", k->line, n->line);
	pt_same_shape(_metadata, k, n);
	EXPECT_EQ(0, memcmp(k->la6, n->la6, sizeof(k->la6)));
	EXPECT_EQ(0, memcmp(k->ra6, n->ra6, sizeof(k->ra6)));
	EXPECT_EQ(n->st, k->st);
	EXPECT_EQ(n->tx, k->tx);
	EXPECT_EQ(n->rx, k->rx);
	EXPECT_EQ(n->tr, k->tr);
	EXPECT_EQ(n->rt, k->rt);
	EXPECT_EQ(n->uid, k->uid);
	EXPECT_EQ(n->timeout, k->timeout);
	EXPECT_EQ(n->quick, k->quick);
	EXPECT_EQ(n->cwnd, k->cwnd);
	EXPECT_EQ(n->ssthresh, k->ssthresh);
}

TEST_F_TIMEOUT(proctable6, rows_match_native, 120)
{
	static const unsigned int lo6[4] = { 0, 0, 0, 0x01000000 };
	char kh[512], nh[512];
	struct pt_row k, n;

	/* the listener on ::, and the header */
	ASSERT_EQ(0, pt6_find(false, self->k.port, 0, &k, kh, sizeof(kh)));
	ASSERT_EQ(0, pt6_find(true, self->n.port, 0, &n, nh, sizeof(nh)));
	EXPECT_STREQ(nh, kh);
	pt6_same(_metadata, &k, &n);
	EXPECT_EQ(20, k.nf);
	EXPECT_EQ(0x0A, k.st);
	EXPECT_NE(0, k.ino);
	/* only in the IPv6 table, as an AF_INET6 socket only in tcp6 */
	EXPECT_NE(0, pt_find(false, self->k.port, 0, &k, NULL, 0));

	/* a connection over ::1, both ends */
	ASSERT_EQ(0, pt6_find(false, self->k.c_port, self->k.port, &k, NULL, 0));
	ASSERT_EQ(0, pt6_find(true, self->n.c_port, self->n.port, &n, NULL, 0));
	pt6_same(_metadata, &k, &n);
	EXPECT_EQ(0x01, k.st);
	EXPECT_EQ(0, memcmp(lo6, k.la6, sizeof(lo6)));
	ASSERT_EQ(0, pt6_find(false, self->k.port, self->k.c_port, &k, NULL, 0));
	ASSERT_EQ(0, pt6_find(true, self->n.port, self->n.c_port, &n, NULL, 0));
	pt6_same(_metadata, &k, &n);

	/* the IPv4 client's accepted end: ::ffff:127.0.0.1 in tcp6 */
	ASSERT_EQ(0, pt6_find(false, self->k.port, self->k.m_port, &k, NULL, 0));
	ASSERT_EQ(0, pt6_find(true, self->n.port, self->n.m_port, &n, NULL, 0));
	pt6_same(_metadata, &k, &n);
	EXPECT_EQ(0xFFFF0000, k.la6[2]);
	EXPECT_EQ(0x0100007F, k.ra6[3]);
	/* its client end, AF_INET: in tcp, not tcp6 */
	EXPECT_NE(0, pt6_find(false, self->k.m_port, self->k.port, &k, NULL, 0));
	EXPECT_EQ(0, pt_find(false, self->k.m_port, self->k.port, &k, NULL, 0));

	/* TIME_WAIT: get_timewait6_sock()'s short row */
	ASSERT_EQ(0, pt6_find(false, self->k.tw_port, self->k.port, &k, NULL, 0));
	ASSERT_EQ(0, pt6_find(true, self->n.tw_port, self->n.port, &n, NULL, 0));
	pt6_same(_metadata, &k, &n);
	EXPECT_EQ(15, k.nf);
	EXPECT_EQ(3, k.tr);
	EXPECT_EQ(0, k.ino);
}

/* The path of tools/build/ktcpstat, from this binary's. */
static void pt_tool(char *path, size_t len)
{
	char self[400];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	*strrchr(self, '/') = '\0';	/* build */
	*strrchr(self, '/') = '\0';	/* userspace-tests */
	*strrchr(self, '/') = '\0';	/* the repository */
	snprintf(path, len, "%s/tools/build/ktcpstat", self);
}

/* @name's value in nstat-style output, 0 if it is not shown. */
static long long pt_counter(const char *out, const char *name)
{
	size_t len = strlen(name);

	for (const char *l = out; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l)
		if (!strncmp(l, name, len) && l[len] == ' ')
			return atoll(l + len);
	return 0;
}

static void pt_connects(struct __test_metadata *_metadata, int family,
			int lfd, uint16_t port, int n, int *fds)
{
	for (int i = 0; i < n; i++) {
		fds[2 * i] = ktcp_connect(_metadata, family, PT_IP, port);
		fds[2 * i + 1] = ktcp_accept(_metadata, lfd);
	}
}

FIXTURE(ktcpstat)
{
};

FIXTURE_SETUP(ktcpstat)
{
	if (ktcp_native())
		SKIP(return, "ktcpstat reads ktcp's counters and sockets");
	ktcp_new_netns(_metadata);
}

FIXTURE_TEARDOWN(ktcpstat)
{
}

/* ktcpstat -d against nstat: the increase since the last call. */
TEST_F_TIMEOUT(ktcpstat, counters_delta, 120)
{
	char tool[512], cmd[700];
	static char out[16384];
	int fds[16], lk, ln;
	uint16_t pk, pn;

	pt_tool(tool, sizeof(tool));
	setenv("KTCPSTAT_HISTORY", "/tmp/proctable.ktcpstat", 1);
	setenv("NSTAT_HISTORY", "/tmp/proctable.nstat", 1);
	unlink("/tmp/proctable.ktcpstat");
	unlink("/tmp/proctable.nstat");
	snprintf(cmd, sizeof(cmd), "%s -d", tool);
	lk = ktcp_listener(_metadata, ktcp_family(), PT_IP, 0, 8, &pk);
	ln = ktcp_listener(_metadata, AF_INET, PT_IP, 0, 8, &pn);
	pt_connects(_metadata, ktcp_family(), lk, pk, 1, fds);

	/* no history: from 0; the summary first */
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "TCP:   3 (estab 2,")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\n#ktcp\n")) TH_LOG("%s", out);
	EXPECT_EQ(1, pt_counter(out, "ActiveOpens")) TH_LOG("%s", out);
	EXPECT_EQ(1, pt_counter(out, "PassiveOpens")) TH_LOG("%s", out);
	EXPECT_EQ(2, pt_counter(out, "CurrEstab")) TH_LOG("%s", out);
	/* nothing since: not shown; the gauge is */
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(0, pt_counter(out, "ActiveOpens")) TH_LOG("%s", out);
	EXPECT_EQ(0, pt_counter(out, "InSegs")) TH_LOG("%s", out);
	EXPECT_EQ(2, pt_counter(out, "CurrEstab")) TH_LOG("%s", out);

	/* two more, on each stack: both tools say 2 */
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), "nstat -n"));
	pt_connects(_metadata, ktcp_family(), lk, pk, 2, fds + 2);
	pt_connects(_metadata, AF_INET, ln, pn, 2, fds + 6);
	/* -s alone shows the totals and leaves the history alone */
	snprintf(cmd, sizeof(cmd), "%s -s", tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(3, pt_counter(out, "ActiveOpens")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s -d", tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(2, pt_counter(out, "ActiveOpens")) TH_LOG("%s", out);
	EXPECT_EQ(2, pt_counter(out, "PassiveOpens")) TH_LOG("%s", out);
	EXPECT_LE(6, pt_counter(out, "InSegs")) TH_LOG("%s", out);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), "nstat"));
	EXPECT_EQ(2, pt_counter(out, "TcpActiveOpens")) TH_LOG("%s", out);
	EXPECT_EQ(2, pt_counter(out, "TcpPassiveOpens")) TH_LOG("%s", out);
	for (int i = 0; i < 10; i++)
		close(fds[i]);
	close(lk);
	close(ln);
	unlink("/tmp/proctable.ktcpstat");
	unlink("/tmp/proctable.nstat");
}

/* What the chart and the samples must hold, checked apart from the tool. */
static const char pt_check_py[] =
"import csv, sys, xml.etree.ElementTree as ET\n"
"svg, path = sys.argv[1:]\n"
"root = ET.parse(svg).getroot()\n"
"assert root.tag.endswith('svg'), root.tag\n"
"texts = ' '.join(''.join(e.itertext()) for e in root.iter()\n"
"                 if e.tag.endswith('text'))\n"
"for t in ('Time-sequence', 'Congestion window', 'RTT', 'Windows'):\n"
"    assert t in texts, 'no panel ' + t\n"
"lines = [l for l in open(path) if not l.startswith('#')]\n"
"rows = list(csv.DictReader(lines))\n"
"assert len(rows) >= 10, 'only %d samples' % len(rows)\n"
"ts = [float(r['time_s']) for r in rows]\n"
"assert all(a < b for a, b in zip(ts, ts[1:])), 'time goes back'\n"
"n = sum(int(r['retrans_new']) for r in rows)\n"
"assert n > 0, 'no retransmission'\n"
"assert int(rows[-1]['bytes_acked']) > int(rows[0]['bytes_acked'])\n"
"assert all(int(r['cwnd']) > 0 for r in rows)\n"
"print('checked', len(rows), 'samples', n, 'retransmissions')\n";

/* A child that does @fn on @fd for @secs seconds, then exits. */
static pid_t pt_child(int fd, bool sender, int secs)
{
	static char buf[16384];
	long long end = ktcp_now_ms() + secs * 1000LL;
	pid_t pid = fork();

	if (pid)
		return pid;
	while (ktcp_now_ms() < end) {
		ssize_t n = sender ? send(fd, buf, sizeof(buf), 0) :
				     recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
	}
	_exit(0);
}

/*
 * ktcpstat --timeline on a ktcp transfer losing 10% of its packets
 * (python3-matplotlib's import alone takes a minute under TCG).
 */
TEST_F_TIMEOUT(ktcpstat, timeline, 400)
{
	const char *svg = "/tmp/proctable-tl.svg", *csv = "/tmp/proctable-tl.csv";
	char tool[512], cmd[900];
	static char out[16384];
	int lfd, c, a, cport;
	pid_t snd, rcv;
	uint16_t port;
	FILE *f;

	pt_tool(tool, sizeof(tool));
	lfd = ktcp_listener(_metadata, ktcp_family(), PT_IP, 0, 1, &port);
	c = ktcp_connect(_metadata, ktcp_family(), PT_IP, port);
	a = ktcp_accept(_metadata, lfd);
	cport = ktcp_local_port(c);

	/* the filter must name one connection: here it names two, then none */
	snprintf(cmd, sizeof(cmd), "%s --timeline --output %s state established",
		 tool, svg);
	EXPECT_EQ(2, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "matches 2 connections")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s --timeline --output %s dport = :1", tool,
		 svg);
	EXPECT_EQ(2, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);

	ktcp_run_cmd(out, sizeof(out), "modprobe -q sch_netem");
	ASSERT_EQ(0, ktcp_netem_add("lo", "loss 10%", out, sizeof(out)))
		TH_LOG("%s", out);
	snd = pt_child(c, true, 8);
	rcv = pt_child(a, false, 8);
	unlink(svg);
	unlink(csv);
	snprintf(cmd, sizeof(cmd), "%s --timeline --output %s --interval 50 --duration 3 sport = :%d",
		 tool, svg, cport);
	EXPECT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " samples, ")) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, " 0 retransmissions")) TH_LOG("%s", out);
	kill(snd, SIGKILL);
	kill(rcv, SIGKILL);
	waitpid(snd, NULL, 0);
	waitpid(rcv, NULL, 0);

	f = fopen("/tmp/proctable-check.py", "we");
	ASSERT_NE(NULL, f);
	fputs(pt_check_py, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 /tmp/proctable-check.py %s %s", svg,
		 csv);
	EXPECT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	TH_LOG("%s", out);
	close(c);
	close(a);
	close(lfd);
	unlink(svg);
	unlink(csv);
	unlink("/tmp/proctable-check.py");
}

TEST_HARNESS_MAIN
