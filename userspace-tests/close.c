// SPDX-License-Identifier: GPL-2.0
/*
 * Connection teardown: close started by the client, by the server, by
 * both at once; half-close; TIME_WAIT and orphan FIN_WAIT_2 expiry;
 * aborts (RST). States are read from /proc/net/ktcp of a fresh netns.
 *
 * In native mode (KTCP_TEST_FAMILY=inet) TIME_WAIT lasts Linux's fixed
 * 60 s, so the expiry checks wait that long.
 *
 * IPv6 (close6, close_order's v6_ variant: over ::1 with AF_KTCP6, rows
 * in /proc/net/ktcp6): the cases whose segments or sockets are the
 * family's own, TIME_WAIT of an active and of an accepted (passive open)
 * socket, the orphan's timeout and the resets; the state machine's
 * other paths do not depend on the family.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

/* TIME_WAIT for most tests here: long enough to be seen under TCG. */
#define CLOSE_TW_MS	8000

FIXTURE(close)
{
	int lfd, c, s;
	uint16_t port;
	int cport;
	int tw_ms;
	const char *ip;		/* the loopback address */
};

/*
 * A connection over 127.0.0.1 (@v6: ::1) in a fresh netns, both ends
 * ESTABLISHED.
 */
static void close_pair_open(struct __test_metadata *_metadata,
			    FIXTURE_DATA(close) *self, bool v6)
{
	ktcp_new_netns(_metadata);
	ktcp_assert_proc(_metadata);
	self->c = self->s = -1;
	self->ip = ktcp_loopback(v6);
	self->tw_ms = ktcp_set_tw_timeout(_metadata, CLOSE_TW_MS);
	self->lfd = ktcp_listener(_metadata, ktcp_family_ip(v6), self->ip, 0,
				  8, &self->port);
	self->c = ktcp_connect(_metadata, ktcp_family_ip(v6), self->ip,
			       self->port);
	self->s = ktcp_accept(_metadata, self->lfd);
	self->cport = ktcp_local_port(self->c);
	ASSERT_LT(0, self->cport);
	ASSERT_EQ(self->cport, ktcp_peer_port(self->s));
	ASSERT_STATE(self->cport, self->port, KT_ESTABLISHED,
		     ktcp_ms(KTCP_STATE_WAIT_MS), "client");
	ASSERT_STATE(self->port, self->cport, KT_ESTABLISHED,
		     ktcp_ms(KTCP_STATE_WAIT_MS), "server");
}

/* Only after a failure does this close anything: no orphans left. */
static void close_pair_abort(FIXTURE_DATA(close) *self)
{
	ktcp_abort_fd(&self->c);
	ktcp_abort_fd(&self->s);
	close(self->lfd);
}

FIXTURE_SETUP(close)
{
	close_pair_open(_metadata, self, false);
}

FIXTURE_TEARDOWN(close)
{
	close_pair_abort(self);
}

/* The same connection over ::1, for the cases IPv6 runs (close_v6()). */
FIXTURE(close6)
{
	FIXTURE_DATA(close) p;
};

FIXTURE_SETUP(close6)
{
	close_pair_open(_metadata, &self->p, true);
}

FIXTURE_TEARDOWN(close6)
{
	close_pair_abort(&self->p);
}

/* A case of the close fixture, and of close6 (over IPv6) too. */
#define CLOSE_BOTH(name) \
	static void name##_run(struct __test_metadata *_metadata, \
			       FIXTURE_DATA(close) *self); \
	TEST_F_TIMEOUT(close, name, 300) \
	{ \
		name##_run(_metadata, self); \
	} \
	TEST_F_TIMEOUT(close6, name, 300) \
	{ \
		name##_run(_metadata, &self->p); \
	} \
	static void name##_run(struct __test_metadata *_metadata, \
			       FIXTURE_DATA(close) *self)

#define CLIENT(self)	(self)->cport, (self)->port
#define SERVER(self)	(self)->port, (self)->cport

/*
 * The row (lport, rport) leaves TIME_WAIT no earlier than @tw_ms after
 * @t0 (a time before the TIME_WAIT could start) and within a generous
 * bound after that.
 */
/*
 * How much earlier than its length, on CLOCK_MONOTONIC, a kernel timer may
 * end: timers count jiffies, and under QEMU's TCG jiffies lag the clock by
 * whole ticks when the guest misses timer interrupts, then catch up at
 * once. A timer armed while jiffies lagged by N ticks ends N ticks early on
 * the clock: 54 ms (13 ticks at HZ=250) has been seen on a loaded host.
 */
#define CLOSE_JIFFY_SLACK_MS	150

static void tw_expires(struct __test_metadata *_metadata, int lport,
		       int rport, long long t0, int tw_ms, const char *who)
{
	int st = ktcp_wait_state(lport, rport, -1,
				 tw_ms + ktcp_ms(KTCP_STATE_WAIT_MS));
	long long gone = ktcp_now_ms();

	ASSERT_EQ(-1, st)
		TH_LOG("%s: still %s %d ms after the close (TIME_WAIT is %d ms)",
		       who, ktcp_state_name(st), (int)(gone - t0), tw_ms);
	EXPECT_LE(tw_ms - CLOSE_JIFFY_SLACK_MS, gone - t0)
		TH_LOG("%s: TIME_WAIT ended after %lld ms, set to %d ms", who,
		       gone - t0, tw_ms);
}

/*
 * An orderly close, started by one end (the variant), then the other:
 * the first closer goes FIN_WAIT2 -> TIME_WAIT and waits it out, the
 * other goes CLOSE_WAIT -> LAST_ACK -> gone. The listener is untouched.
 */
FIXTURE(close_order)
{
	FIXTURE_DATA(close) p;
};

FIXTURE_VARIANT(close_order)
{
	bool server;	/* the server closes first, else the client */
	bool v6;
};

FIXTURE_VARIANT_ADD(close_order, client_first) { .server = false };
FIXTURE_VARIANT_ADD(close_order, server_first) { .server = true };
/* the accepted socket waits in TIME_WAIT, the client in LAST_ACK */
FIXTURE_VARIANT_ADD(close_order, v6_server_first)
{
	.server = true,
	.v6 = true,
};

FIXTURE_SETUP(close_order)
{
	close_pair_open(_metadata, &self->p, variant->v6);
}

FIXTURE_TEARDOWN(close_order)
{
	close_pair_abort(&self->p);
}

TEST_F_TIMEOUT(close_order, orderly, 300)
{
	FIXTURE_DATA(close) *p = &self->p;
	bool srv = variant->server;
	int *first = srv ? &p->s : &p->c, *second = srv ? &p->c : &p->s;
	/* the first closer's row is (lport, rport), the other's mirrors it */
	int lport = srv ? p->port : p->cport, rport = srv ? p->cport : p->port;
	const char *who1 = srv ? "server" : "client";
	const char *who2 = srv ? "client" : "server";
	char b, what1[32], what2[32];
	long long t0;

	snprintf(what1, sizeof(what1), "%s (closed first)", who1);
	snprintf(what2, sizeof(what2), "%s (LAST_ACK must end)", who2);
	ASSERT_EQ(0, close(*first));
	*first = -1;

	/* the other end reads EOF, and again */
	ASSERT_EQ(0, ktcp_wait_eof(*second, ktcp_ms(KTCP_IO_IDLE_MS)))
		TH_LOG("%s: no EOF after the %s closed", who2, who1);
	ASSERT_EQ(0, recv(*second, &b, 1, MSG_DONTWAIT))
		TH_LOG("EOF is not sticky: %s", strerror(errno));

	ASSERT_STATE(lport, rport, KT_FIN_WAIT2, ktcp_ms(KTCP_STATE_WAIT_MS),
		     what1);
	ASSERT_STATE(rport, lport, KT_CLOSE_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     who2);

	t0 = ktcp_now_ms();
	ASSERT_EQ(0, close(*second));
	*second = -1;

	ASSERT_STATE(lport, rport, KT_TIME_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     what1);
	ASSERT_STATE(rport, lport, -1, ktcp_ms(KTCP_STATE_WAIT_MS), what2);
	tw_expires(_metadata, lport, rport, t0, p->tw_ms, who1);
	EXPECT_EQ(0, ktcp_wait_snmp(_metadata, "CurrEstab", 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)));
	/* the listener is untouched */
	EXPECT_EQ(1, ktcp_proc_scan(KT_LISTEN, p->port, 0, NULL));
}

/* shutdown(SHUT_WR): the other direction keeps working. */
TEST_F_TIMEOUT(close, half_close, 300)
{
	struct ktcp_xfer x = {
		.fd = self->s,
		.send_len = 256 * 1024,
		.send_seed = 77,
		.shut_wr = true,
		.recv_seed = 0,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct ktcp_xfer y = {
		.fd = self->c,
		.send_len = 0,
		.shut_wr = false,
		.recv_seed = 77,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	pthread_t th;
	long long t0;

	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	ASSERT_STATE(CLIENT(self), KT_FIN_WAIT2, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client (SHUT_WR)");
	ASSERT_STATE(SERVER(self), KT_CLOSE_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "server");
	/* writing after SHUT_WR is EPIPE */
	ASSERT_EQ(-1, send(self->c, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
	EXPECT_EQ(EPIPE, errno);

	/* server: sees EOF at once, still sends 256 KiB, then SHUT_WR */
	t0 = ktcp_now_ms();
	ASSERT_EQ(0, pthread_create(&th, NULL, ktcp_xfer_thread, &x));
	ktcp_xfer_run(&y);
	pthread_join(th, NULL);
	ASSERT_EQ(0, x.err)
		TH_LOG("server %s: %s", x.err_what, strerror(-x.err));
	ASSERT_EQ(0, y.err)
		TH_LOG("client %s: %s", y.err_what, strerror(-y.err));
	EXPECT_EQ(0ULL, (unsigned long long)x.rx.off) TH_LOG("server read data after EOF");
	EXPECT_TRUE(x.eof);
	EXPECT_TRUE(y.eof);
	EXPECT_EQ(x.send_len, y.rx.off)
		TH_LOG("client got %llu of %zu bytes sent after its SHUT_WR",
		       (unsigned long long)y.rx.off, x.send_len);
	EXPECT_EQ(-1, y.rx.bad_off);
	EXPECT_EQ(x.tx.sum, y.rx.sum);
	ASSERT_EQ(0, close(self->c));
	ASSERT_EQ(0, close(self->s));
	self->c = self->s = -1;

	/* the client shut down first: TIME_WAIT there */
	ASSERT_STATE(CLIENT(self), KT_TIME_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client");
	ASSERT_STATE(SERVER(self), -1, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "server");
	tw_expires(_metadata, CLIENT(self), t0, self->tw_ms, "client");
}

/*
 * Both ends shut down before either sees the other's FIN. To make that
 * certain (not a race), each side first fills the other's receive window:
 * a FIN queues behind unsent data, so neither FIN can arrive before both
 * shutdown() calls are done. Then both drain and must end in TIME_WAIT
 * (via CLOSING or FIN_WAIT2).
 */
struct simul_side {
	int fd;
	pthread_barrier_t *bar;
	size_t drained;
	bool eof;
	int err;
	const char *what;
};

static void *simul_side_run(void *arg)
{
	struct simul_side *sd = arg;
	static char buf[65536];	/* contents are not checked */
	int idle = ktcp_ms(KTCP_IO_IDLE_MS);

	pthread_barrier_wait(sd->bar);		/* 1: go */
	if (shutdown(sd->fd, SHUT_WR)) {
		sd->err = -errno;
		sd->what = "shutdown(SHUT_WR)";
	}
	pthread_barrier_wait(sd->bar);		/* 2: both shut down */
	pthread_barrier_wait(sd->bar);		/* 3: states checked */
	while (!sd->err) {
		ssize_t n = recv(sd->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			sd->drained += n;
		} else if (n == 0) {
			sd->eof = true;
			break;
		} else if (errno == EAGAIN || errno == EINTR) {
			int ret = ktcp_poll1(sd->fd, POLLIN, idle, NULL);

			if (ret <= 0) {
				sd->err = ret ? ret : -ETIMEDOUT;
				sd->what = "poll (drain)";
			}
		} else {
			sd->err = -errno;
			sd->what = "recv (drain)";
		}
	}
	return NULL;
}

/* Send on both ends until neither can send more (windows closed). */
static void fill_both(struct __test_metadata *_metadata, int a, int b,
		      size_t *sent_a, size_t *sent_b)
{
	static char buf[65536];
	int quiet = ktcp_ms(1500);
	int fds[2] = { a, b };
	size_t *sent[2] = { sent_a, sent_b };

	memset(buf, 'z', sizeof(buf));
	ASSERT_EQ(0, ktcp_set_nonblock(a, true));
	ASSERT_EQ(0, ktcp_set_nonblock(b, true));
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = a, .events = POLLOUT },
			{ .fd = b, .events = POLLOUT },
		};
		int i, n;

		for (i = 0; i < 2; i++) {
			for (;;) {
				ssize_t r = send(fds[i], buf, sizeof(buf),
						 MSG_DONTWAIT | MSG_NOSIGNAL);

				if (r > 0) {
					*sent[i] += r;
					ASSERT_GT(256ULL << 20, *sent_a + *sent_b)
						TH_LOG("256 MiB accepted by send() "
						       "without the peer reading");
					continue;
				}
				ASSERT_TRUE(r < 0 && errno == EAGAIN)
					TH_LOG("filling: send: %s",
					       strerror(errno));
				break;
			}
		}
		/* no progress for a while: both windows are shut */
		n = poll(pfd, 2, quiet);
		ASSERT_LE(0, n);
		if (n == 0)
			break;
	}
}

static void simul_run(struct __test_metadata *_metadata,
		      FIXTURE_DATA(close) *self, bool fill)
{
	pthread_barrier_t bar;
	struct simul_side cs = { .fd = self->c, .bar = &bar };
	struct simul_side ss = { .fd = self->s, .bar = &bar };
	size_t c_sent = 0, s_sent = 0;
	pthread_t tc, ts;
	long long t0;
	int n, tw, cst, sst;

	if (fill)
		fill_both(_metadata, self->c, self->s, &c_sent, &s_sent);

	ASSERT_EQ(0, pthread_barrier_init(&bar, NULL, 3));
	ASSERT_EQ(0, pthread_create(&tc, NULL, simul_side_run, &cs));
	ASSERT_EQ(0, pthread_create(&ts, NULL, simul_side_run, &ss));
	t0 = ktcp_now_ms();	/* no TIME_WAIT can start before this */
	pthread_barrier_wait(&bar);		/* 1 */
	pthread_barrier_wait(&bar);		/* 2 */
	if (fill) {
		/* neither FIN can have got through: both in FIN_WAIT1 */
		EXPECT_EQ(KT_FIN_WAIT1, ktcp_proc_state(CLIENT(self)))
			TH_LOG("client state %s after shutdown",
			       ktcp_state_name(ktcp_proc_state(CLIENT(self))));
		EXPECT_EQ(KT_FIN_WAIT1, ktcp_proc_state(SERVER(self)))
			TH_LOG("server state %s after shutdown",
			       ktcp_state_name(ktcp_proc_state(SERVER(self))));
	}
	pthread_barrier_wait(&bar);		/* 3 */
	pthread_join(tc, NULL);
	pthread_join(ts, NULL);
	pthread_barrier_destroy(&bar);

	ASSERT_EQ(0, cs.err) TH_LOG("client %s: %s", cs.what,
				    strerror(-cs.err));
	ASSERT_EQ(0, ss.err) TH_LOG("server %s: %s", ss.what,
				    strerror(-ss.err));
	EXPECT_TRUE(cs.eof);
	EXPECT_TRUE(ss.eof);
	EXPECT_EQ(s_sent, cs.drained)
		TH_LOG("client drained %zu of %zu bytes", cs.drained, s_sent);
	EXPECT_EQ(c_sent, ss.drained)
		TH_LOG("server drained %zu of %zu bytes", ss.drained, c_sent);
	/* both FINs are out and acked or in flight: closing adds nothing */
	ASSERT_EQ(0, close(self->c));
	ASSERT_EQ(0, close(self->s));
	self->c = self->s = -1;

	if (fill) {
		/* a true simultaneous close: TIME_WAIT on both sides */
		ASSERT_STATE(CLIENT(self), KT_TIME_WAIT,
			     ktcp_ms(KTCP_STATE_WAIT_MS), "client");
		ASSERT_STATE(SERVER(self), KT_TIME_WAIT,
			     ktcp_ms(KTCP_STATE_WAIT_MS), "server");
		cst = sst = KT_TIME_WAIT;
	} else {
		/*
		 * The FINs may or may not have crossed: at least one side
		 * is in TIME_WAIT, and nothing is left in any other state.
		 */
		long long end = ktcp_now_ms() + ktcp_ms(KTCP_STATE_WAIT_MS);

		do {
			cst = ktcp_proc_state(CLIENT(self));
			sst = ktcp_proc_state(SERVER(self));
			if ((cst == KT_TIME_WAIT || cst == -1) &&
			    (sst == KT_TIME_WAIT || sst == -1))
				break;
			ktcp_sleep_ms(20);
		} while (ktcp_now_ms() < end);
		EXPECT_TRUE(cst == KT_TIME_WAIT || sst == KT_TIME_WAIT)
			TH_LOG("client %s, server %s: want TIME_WAIT on one "
			       "side at least", ktcp_state_name(cst),
			       ktcp_state_name(sst));
		EXPECT_TRUE(cst == KT_TIME_WAIT || cst == -1)
			TH_LOG("client left in %s", ktcp_state_name(cst));
		EXPECT_TRUE(sst == KT_TIME_WAIT || sst == -1)
			TH_LOG("server left in %s", ktcp_state_name(sst));
		TH_LOG("idle simultaneous close ended: client %s, server %s",
		       ktcp_state_name(cst), ktcp_state_name(sst));
	}

	/* whoever waits, waits the full TIME_WAIT and no longer */
	tw = self->tw_ms;
	if (cst == KT_TIME_WAIT)
		tw_expires(_metadata, CLIENT(self), t0, tw, "client");
	if (sst == KT_TIME_WAIT)
		tw_expires(_metadata, SERVER(self), t0, tw, "server");
	n = ktcp_proc_scan(KT_ANY, KT_ANY, self->port, NULL);
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, ktcp_wait_snmp(_metadata, "CurrEstab", 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)));
}

TEST_F_TIMEOUT(close, simultaneous, 300)
{
	simul_run(_metadata, self, true);
}

TEST_F_TIMEOUT(close, simultaneous_idle, 300)
{
	simul_run(_metadata, self, false);
}

/* Item 4: TIME_WAIT is listed, lasts tw_timeout_ms, then goes. */
CLOSE_BOTH(time_wait_expiry)
{
	int tw = ktcp_set_tw_timeout(_metadata, 2000);
	struct ktcp_row row = { 0 };
	struct in6_addr lo;
	long long t0;
	int n;

	ASSERT_EQ(0, close(self->c));
	self->c = -1;
	ASSERT_EQ(0, ktcp_wait_eof(self->s, ktcp_ms(KTCP_IO_IDLE_MS)));
	t0 = ktcp_now_ms();
	ASSERT_EQ(0, close(self->s));
	self->s = -1;

	ASSERT_STATE(CLIENT(self), KT_TIME_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client");
	n = ktcp_proc_scan(KT_TIME_WAIT, CLIENT(self), &row);
	ASSERT_EQ(1, n) TH_LOG("%d TIME_WAIT rows for one connection", n);
	ASSERT_EQ(0, ktcp_in6(self->ip, &lo));
	EXPECT_EQ(!!strchr(self->ip, ':'), row.v6)
		TH_LOG("TIME_WAIT row in the wrong table");
	EXPECT_EQ(0, memcmp(&lo, &row.laddr6, sizeof(lo)));
	EXPECT_EQ(0, memcmp(&lo, &row.raddr6, sizeof(lo)));
	/* only the active closer waits */
	EXPECT_EQ(0, ktcp_proc_scan(KT_TIME_WAIT, SERVER(self), NULL));
	tw_expires(_metadata, CLIENT(self), t0, tw, "client");
	/* only the listener is left */
	EXPECT_EQ(1, ktcp_proc_scan(KT_ANY, self->port, KT_ANY, NULL));
}

/* An orphan in FIN_WAIT_2 goes after fin_timeout; its peer gets RST. */
CLOSE_BOTH(fin_wait2_timeout)
{
	int fin = ktcp_set_fin_timeout(_metadata, 2000);
	long long t0;
	int st;

	t0 = ktcp_now_ms();
	ASSERT_EQ(0, close(self->c));		/* orphan */
	self->c = -1;
	ASSERT_EQ(0, ktcp_wait_eof(self->s, ktcp_ms(KTCP_IO_IDLE_MS)));
	ASSERT_STATE(CLIENT(self), KT_FIN_WAIT2, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client (orphan)");

	st = ktcp_wait_state(CLIENT(self), -1,
			     fin + ktcp_ms(KTCP_STATE_WAIT_MS));
	ASSERT_EQ(-1, st)
		TH_LOG("orphan still %s after fin_timeout %d ms",
		       ktcp_state_name(st), fin);
	EXPECT_LE(fin - CLOSE_JIFFY_SLACK_MS, ktcp_now_ms() - t0)
		TH_LOG("orphan FIN_WAIT_2 ended after %lld ms, timeout %d ms",
		       ktcp_now_ms() - t0, fin);
	/* the server never closed: still CLOSE_WAIT */
	EXPECT_EQ(KT_CLOSE_WAIT, ktcp_proc_state(SERVER(self)));

	/* its FIN now reaches nobody: a RST ends LAST_ACK at once */
	ASSERT_EQ(0, close(self->s));
	self->s = -1;
	ASSERT_STATE(SERVER(self), -1, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "server (FIN answered by RST)");
}

/* close() with unread data aborts: RST, ECONNRESET, no TIME_WAIT. */
CLOSE_BOTH(abort_unread_data)
{
	long long rsts0 = ktcp_snmp(_metadata, "OutRsts");
	long long resets0 = ktcp_snmp(_metadata, "EstabResets");
	char buf[100];
	short rev = 0;
	ssize_t n;

	memset(buf, 'u', sizeof(buf));
	n = ktcp_send_all(self->c, buf, sizeof(buf), ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ((ssize_t)sizeof(buf), n);
	ASSERT_EQ(1, ktcp_poll1(self->s, POLLIN, ktcp_ms(KTCP_IO_IDLE_MS),
				NULL))
		TH_LOG("data never arrived at the server");

	ASSERT_EQ(0, close(self->s));		/* 100 bytes unread */
	self->s = -1;

	ASSERT_EQ(1, ktcp_poll1(self->c, POLLIN, ktcp_ms(KTCP_IO_IDLE_MS),
				&rev));
	n = recv(self->c, buf, sizeof(buf), MSG_DONTWAIT);
	ASSERT_EQ(-1, n) TH_LOG("recv returned %zd, want ECONNRESET", n);
	EXPECT_EQ(ECONNRESET, errno) TH_LOG("recv: %s", strerror(errno));

	ASSERT_STATE(SERVER(self), -1, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "server (aborted, no TIME_WAIT)");
	ASSERT_STATE(CLIENT(self), -1, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client (reset)");
	EXPECT_LT(rsts0, ktcp_snmp(_metadata, "OutRsts"))
		TH_LOG("OutRsts did not grow");
	EXPECT_LT(resets0, ktcp_snmp(_metadata, "EstabResets"))
		TH_LOG("EstabResets did not grow");
}

/* SO_LINGER with a zero timeout: close() sends RST. */
CLOSE_BOTH(abort_linger_zero)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	long long rsts0 = ktcp_snmp(_metadata, "OutRsts");
	char b;
	ssize_t n;

	ASSERT_EQ(0, setsockopt(self->c, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	ASSERT_EQ(0, close(self->c));
	self->c = -1;

	ASSERT_EQ(1, ktcp_poll1(self->s, POLLIN, ktcp_ms(KTCP_IO_IDLE_MS),
				NULL));
	n = recv(self->s, &b, 1, MSG_DONTWAIT);
	ASSERT_EQ(-1, n) TH_LOG("recv returned %zd, want ECONNRESET", n);
	EXPECT_EQ(ECONNRESET, errno) TH_LOG("recv: %s", strerror(errno));
	ASSERT_STATE(CLIENT(self), -1, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client (aborted, no TIME_WAIT)");
	ASSERT_STATE(SERVER(self), -1, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "server (reset)");
	EXPECT_LT(rsts0, ktcp_snmp(_metadata, "OutRsts"))
		TH_LOG("OutRsts did not grow");
}

TEST_HARNESS_MAIN
