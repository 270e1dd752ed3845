// SPDX-License-Identifier: GPL-2.0
/*
 * SO_MAX_PACING_RATE as Linux 6.12's TCP honours it: with no pacing qdisc
 * the stack paces itself (tcp_needs_internal_pacing(), an hrtimer per
 * socket), and under sch_fq the qdisc paces by sk_pacing_rate. Either
 * way a bulk send takes at least its length over the rate (less the ten
 * segments sent unpaced), and TCP_INFO shows the limit.
 *
 * The pairs: native at both ends (the reference), ktcp at both ends, and
 * a ktcp sender to a native receiver; the sender is the stack under test.
 * Each case runs in a fresh netns whose lo has a 1500-byte MTU, so that a
 * transfer is many segments, as on a wire.
 *
 * A time is asserted only from below, by what the rate allows, with a
 * margin for the unpaced start; the bound above is four times the paced
 * time plus 5 s, far from anything even QEMU's TCG gets near, to catch a
 * rate computed in the wrong unit.
 *
 * TCP small queues (tcp_small_queue_check()): a bulk sender behind a
 * 2 Mbit/s token bucket (tbf, which holds its packets' owners, where
 * netem orphans them) on a veth pair keeps a few packets in the qdisc:
 * 4 (6056 bytes) for native TCP and for ktcp, where ktcp without small
 * queues had cwnd's worth there, 221 KB and growing (at 10 Mbit/s). The
 * backlog is sampled while the transfer runs. The rate is low enough for
 * the debug kernel's senders (about 6 Mbit/s under KASAN and TCG) to
 * fill the bucket: at 10 Mbit/s they never queued anything there.
 */
#define _GNU_SOURCE
#include <linux/gen_stats.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define PACE_RATE	500000U		/* bytes/s */
#define PACE_LEN	(1U << 20)	/* bytes sent */
#define PACE_FREE	(10 * 1460)	/* the unpaced start, about */
#define PACE_WAIT_MS	30000

/* Linux's struct tcp_info up to tcpi_max_pacing_rate. */
struct pace_tcp_info {
	uint8_t u8s[8];
	uint32_t rto_to_total_retrans[24];
	uint64_t pacing_rate, max_pacing_rate;
};

FIXTURE(pacing)
{
	int lfd, cli, srv;
	uint16_t port;
};

FIXTURE_VARIANT(pacing)
{
	bool ktcp_cli;	/* the sender */
	bool ktcp_srv;
};

FIXTURE_VARIANT_ADD(pacing, native) { .ktcp_cli = false, .ktcp_srv = false };
FIXTURE_VARIANT_ADD(pacing, ktcp) { .ktcp_cli = true, .ktcp_srv = true };
FIXTURE_VARIANT_ADD(pacing, ktcp_to_native)
{
	.ktcp_cli = true, .ktcp_srv = false
};

static int pace_family(bool ktcp)
{
	return ktcp ? ktcp_family() : AF_INET;
}

FIXTURE_SETUP(pacing)
{
	char out[512];
	char cmd[] = "ip link set dev lo mtu 1500";

	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	self->cli = self->srv = -1;
	self->lfd = ktcp_listener(_metadata, pace_family(variant->ktcp_srv),
				  "127.0.0.1", 0, 8, &self->port);
}

FIXTURE_TEARDOWN(pacing)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	close(self->lfd);
}

/* The sender, its rate limited to @rate before it connects. */
static void pace_connect(struct __test_metadata *_metadata,
			 FIXTURE_DATA(pacing) *self,
			 const FIXTURE_VARIANT(pacing) *variant,
			 unsigned int rate)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", self->port);

	self->cli = __ktcp_socket(_metadata, pace_family(variant->ktcp_cli));
	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_MAX_PACING_RATE,
				&rate, sizeof(rate)));
	ASSERT_EQ(0, ktcp_connect_fd(self->cli, &sa, ktcp_ms(PACE_WAIT_MS)));
	self->srv = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->cli, PACE_WAIT_MS));
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->srv, PACE_WAIT_MS));
}

struct pace_rx {
	int fd;
	struct ktcp_stream s;
	long long t_end;
	ssize_t err;
};

static void *pace_rx_thread(void *arg)
{
	struct pace_rx *rx = arg;
	static uint8_t buf[65536];
	ssize_t n;

	while ((n = recv(rx->fd, buf, sizeof(buf), 0)) > 0)
		ktcp_stream_check(&rx->s, buf, n);
	rx->err = n ? -errno : 0;
	rx->t_end = ktcp_now_ms();
	return NULL;
}

/*
 * Send PACE_LEN bytes from @tx to @rx_fd, paced at @rate: how long until
 * the receiver's EOF.
 */
static long long pace_transfer(struct __test_metadata *_metadata, int tx,
			       int rx_fd, unsigned int rate)
{
	struct pace_rx rx = { .fd = rx_fd };
	struct pace_tcp_info ti;
	socklen_t len = sizeof(ti);
	long long t0, ms, floor_ms;
	uint8_t *buf = malloc(PACE_LEN);
	pthread_t th;

	ASSERT_NE(NULL, buf);
	ktcp_stream_init(&rx.s, 7);
	ktcp_pattern(7, 0, buf, PACE_LEN);
	ASSERT_EQ(0, pthread_create(&th, NULL, pace_rx_thread, &rx));
	t0 = ktcp_now_ms();
	EXPECT_EQ((ssize_t)PACE_LEN,
		  ktcp_send_all(tx, buf, PACE_LEN, ktcp_ms(PACE_WAIT_MS)));
	memset(&ti, 0, sizeof(ti));
	EXPECT_EQ(0, getsockopt(tx, IPPROTO_TCP, TCP_INFO, &ti, &len));
	shutdown(tx, SHUT_WR);
	pthread_join(th, NULL);
	free(buf);
	ms = rx.t_end - t0;
	EXPECT_EQ(0, rx.err);
	EXPECT_EQ(PACE_LEN, rx.s.off);
	EXPECT_EQ(-1, rx.s.bad_off);
	EXPECT_EQ(rate, ti.max_pacing_rate);
	EXPECT_GE(rate, ti.pacing_rate);
	floor_ms = (long long)(PACE_LEN - PACE_FREE) * 1000 / rate * 8 / 10;
	EXPECT_LE(floor_ms, ms) TH_LOG("%u bytes in %lld ms: not paced",
				       PACE_LEN, ms);
	EXPECT_GE(floor_ms * 5 + 5000, ms) TH_LOG("%u bytes in %lld ms",
						  PACE_LEN, ms);
	return ms;
}

/* No pacing qdisc (lo's noqueue): the stack paces itself. */
TEST_F(pacing, max_rate)
{
	pace_connect(_metadata, self, variant, PACE_RATE);
	TH_LOG("internal pacing: %lld ms",
	       pace_transfer(_metadata, self->cli, self->srv, PACE_RATE));
}

/* Under sch_fq the qdisc paces, by the socket's sk_pacing_rate. */
TEST_F(pacing, max_rate_fq)
{
	char out[512];
	char mod[] = "modprobe sch_fq";
	char cmd[] = "tc qdisc replace dev lo root fq";

	ktcp_run_cmd(out, sizeof(out), mod);	/* tc says if it failed */
	if (ktcp_run_cmd(out, sizeof(out), cmd) && strstr(out, "unknown"))
		SKIP(return, "this kernel has no sch_fq: %s", out);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	pace_connect(_metadata, self, variant, PACE_RATE);
	TH_LOG("sch_fq: %lld ms",
	       pace_transfer(_metadata, self->cli, self->srv, PACE_RATE));
}

/*
 * A socket cut off while pacing (connect(AF_UNSPEC), a RST) connects
 * again at once: the SYN is never paced (tcp_connect() sends it
 * directly), nor held for the old connection's next departure time.
 */
TEST_F(pacing, reconnect)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", self->port);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	static uint8_t buf[256 << 10];
	long long t0;
	int s2;

	pace_connect(_metadata, self, variant, PACE_RATE);
	ASSERT_EQ(0, ktcp_set_nonblock(self->cli, true));
	ASSERT_LT(0, send(self->cli, buf, sizeof(buf), 0));
	ktcp_sleep_ms(200);	/* well inside the paced transfer */
	ASSERT_EQ(0, connect(self->cli, &unspec, sizeof(unspec)));
	ASSERT_EQ(0, ktcp_set_nonblock(self->cli, false));
	t0 = ktcp_now_ms();
	ASSERT_EQ(0, ktcp_connect_fd(self->cli, &sa, ktcp_ms(PACE_WAIT_MS)));
	TH_LOG("connected again in %lld ms", ktcp_now_ms() - t0);
	EXPECT_GT(ktcp_ms(5000), ktcp_now_ms() - t0);
	s2 = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(4, send(self->cli, "ping", 4, 0));
	ASSERT_EQ(4, recv(s2, buf, 4, MSG_WAITALL));
	close(s2);
}

/*
 * A listener's SO_MAX_PACING_RATE is its children's (sk_clone_lock()
 * copies it and the pacing status): the accepted socket sends, paced.
 */
TEST_F(pacing, max_rate_accepted)
{
	unsigned int rate = PACE_RATE;

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_MAX_PACING_RATE,
				&rate, sizeof(rate)));
	pace_connect(_metadata, self, variant, ~0U);
	TH_LOG("accepted: %lld ms",
	       pace_transfer(_metadata, self->srv, self->cli, PACE_RATE));
}

#define TSQ_LEN		(1U << 20)
#define TSQ_QDISC	"tbf rate 2mbit burst 16kb limit 8mb"
#define TSQ_RMEM	"4096 8388608 8388608"	/* the receiver's tcp_rmem */
/*
 * Linux's limit is two of its skbs (segments of 1448 bytes, with gso_max_segs
 * 1 on this veth, and a head each) or a millisecond at the pacing rate,
 * checked before a packet, which may then add one more: 4 packets here,
 * but native TCP was seen at 31794 bytes (21 packets) once, when ACKs
 * came bunched. 64 KB leaves room for that, and is far below what an
 * unlimited sender queues (cwnd: 221 KB and growing).
 */
#define TSQ_MAX_BACKLOG	(64 << 10)

FIXTURE(tsq)
{
	int ns_cli, ns_srv;
};

FIXTURE_VARIANT(tsq)
{
	bool ktcp;	/* the sender's stack; the receiver is native */
};

FIXTURE_VARIANT_ADD(tsq, native) { .ktcp = false };
FIXTURE_VARIANT_ADD(tsq, ktcp) { .ktcp = true };

FIXTURE_SETUP(tsq)
{
	char out[1024], mod[] = "modprobe -q sch_tbf";
	char tbf[] = "tc qdisc add dev " KTCP_VETH_A " root " TSQ_QDISC;
	const char *what = "";
	int ret, fd;

	ktcp_test_netns(_metadata, true, 1000, &self->ns_cli, &self->ns_srv);
	ret = ktcp_if_wire(KTCP_VETH_A, &what);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", what, strerror(-ret));
	ktcp_run_cmd(out, sizeof(out), mod);
	ret = ktcp_run_cmd(out, sizeof(out), tbf);
	if (ret && strstr(out, "unknown"))
		SKIP(return, "this kernel has no tbf: %.200s", out);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", tbf, out);
	/* a receive window that is never what limits the sender */
	ktcp_setns(_metadata, self->ns_srv);
	fd = open("/proc/sys/net/ipv4/tcp_rmem", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, write(fd, TSQ_RMEM, strlen(TSQ_RMEM)));
	close(fd);
	ktcp_setns(_metadata, self->ns_cli);
}

FIXTURE_TEARDOWN(tsq)
{
	close(self->ns_cli);
	close(self->ns_srv);
}

/* The backlog in bytes of @ifname's root qdisc, and its drops. */
static long tsq_qdisc_backlog(struct __test_metadata *_metadata,
			      const char *ifname, long *drops)
{
	struct gnet_stats_queue q;
	int ret = ktcp_qdisc_queue(ifname, &q);

	ASSERT_EQ(0, ret) TH_LOG("%s's qdisc: %s", ifname, strerror(-ret));
	*drops = q.drops;
	return q.backlog;
}

struct tsq_tx {
	int fd;
	uint8_t *buf;
	ssize_t sent;
	volatile int done;
};

static void *tsq_tx_thread(void *arg)
{
	struct tsq_tx *tx = arg;

	tx->sent = ktcp_send_all(tx->fd, tx->buf, TSQ_LEN,
				 ktcp_ms(PACE_WAIT_MS));
	shutdown(tx->fd, SHUT_WR);
	tx->done = 1;
	return NULL;
}

/* The qdisc's backlog stays small all through a bulk transfer. */
TEST_F_TIMEOUT(tsq, backlog, 120)
{
	struct ktcp_sink rx = { .wait_ms = ktcp_ms(PACE_WAIT_MS) };
	struct tsq_tx tx = { 0 };
	long b, max_b = 0, drops = 0, n = 0;
	long long t0;
	pthread_t trx, ttx;
	uint16_t port;

	ktcp_setns(_metadata, self->ns_srv);
	rx.lfd = ktcp_listener(_metadata, AF_INET, KTCP_VETH_IP_B, 0, 4, &port);
	ASSERT_EQ(0, pthread_create(&trx, NULL, ktcp_sink_thread, &rx));
	ktcp_setns(_metadata, self->ns_cli);
	tx.fd = ktcp_connect(_metadata, pace_family(variant->ktcp),
			     KTCP_VETH_IP_B, port);
	tx.buf = calloc(1, TSQ_LEN);
	ASSERT_NE(NULL, tx.buf);
	t0 = ktcp_now_ms();
	ASSERT_EQ(0, pthread_create(&ttx, NULL, tsq_tx_thread, &tx));
	while (!tx.done) {
		b = tsq_qdisc_backlog(_metadata, KTCP_VETH_A, &drops);
		max_b = b > max_b ? b : max_b;
		n++;
		ktcp_sleep_ms(10);
	}
	pthread_join(ttx, NULL);
	pthread_join(trx, NULL);
	free(tx.buf);
	close(tx.fd);
	close(rx.lfd);
	TH_LOG("%s: largest backlog %ld bytes in %ld samples, %ld dropped, %lld ms",
	       variant->ktcp ? "ktcp" : "native", max_b, n, drops,
	       ktcp_now_ms() - t0);
	EXPECT_EQ((ssize_t)TSQ_LEN, tx.sent);
	EXPECT_EQ((ssize_t)TSQ_LEN, rx.got);
	EXPECT_LT(5, n);
	EXPECT_LT(0, max_b);	/* the samples saw the queue at work */
	EXPECT_GE(TSQ_MAX_BACKLOG, max_b);
	EXPECT_EQ(0, drops);
}

TEST_HARNESS_MAIN
