// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer autotuning, against native TCP in the same namespace: a socket
 * starts with net.ipv4.tcp_wmem[1] / tcp_rmem[1] as SO_SNDBUF / SO_RCVBUF,
 * a bulk transfer grows both (never past tcp_wmem[2] / tcp_rmem[2]), and a
 * size the program set stays as set (doubled, as SO_*BUF always is).
 *
 * Each test runs for the family under test and for native TCP, in a fresh
 * netns over 127.0.0.1, with a 32 MiB transfer from client to server.
 *
 * send_fill compares the send buffer's accounting with native TCP's, the
 * two senders in turn in one test, with the same native receiver: how many
 * bytes non-blocking writes take before EAGAIN, and how much the receiver
 * must then read before poll() says POLLOUT (sk_stream_wspace() at least
 * half of sk_wmem_queued), for several SO_SNDBUF values and the default.
 */
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define BUF_XFER_BYTES	(32 << 20)
#define BUF_LOCKED	65536

FIXTURE(buffers)
{
	long wmem[3], rmem[3];
};

FIXTURE_VARIANT(buffers)
{
	bool native;	/* AF_INET as the reference, else the family under test */
};

FIXTURE_VARIANT_ADD(buffers, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(buffers, native) { .native = true };

static void read_triple(struct __test_metadata *_metadata, const char *path,
			long v[3])
{
	FILE *f = fopen(path, "r");

	ASSERT_NE(NULL, f) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(3, fscanf(f, "%ld %ld %ld", &v[0], &v[1], &v[2]))
		TH_LOG("%s: not three numbers", path);
	fclose(f);
}

static int sockopt_int(struct __test_metadata *_metadata, int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		TH_LOG("getsockopt(%d): %s", opt, strerror(errno));
	return v;
}

static int buffers_family(const FIXTURE_VARIANT(buffers) *variant)
{
	return variant->native ? AF_INET : ktcp_family();
}

FIXTURE_SETUP(buffers)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 2000);
	read_triple(_metadata, "/proc/sys/net/ipv4/tcp_wmem", self->wmem);
	read_triple(_metadata, "/proc/sys/net/ipv4/tcp_rmem", self->rmem);
}

FIXTURE_TEARDOWN(buffers)
{
}

/*
 * Move BUF_XFER_BYTES client -> server; @lock_bytes > 0 sets SO_RCVBUF on
 * the listener (its children inherit it) and SO_SNDBUF on the client first.
 * *@sndbuf, *@rcvbuf: the client's SO_SNDBUF and the server's SO_RCVBUF at
 * the end, before close.
 */
static void buffers_transfer(struct __test_metadata *_metadata, int family,
			     int lock_bytes, int *sndbuf, int *rcvbuf)
{
	struct ktcp_xfer cx = {
		.send_len = BUF_XFER_BYTES, .send_seed = 0x627566, .shut_wr = true,
		.recv_seed = 1, .idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct ktcp_xfer sx = {
		.send_len = 0, .send_seed = 1, .shut_wr = true,
		.recv_seed = 0x627566, .idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct sockaddr_in sa;
	uint16_t port;
	pthread_t t;
	int lfd, cfd, sfd, ret;

	lfd = ktcp_listener(_metadata, family, "127.0.0.1", 0, 4, &port);
	cfd = __ktcp_socket(_metadata, family);
	if (lock_bytes) {
		ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &lock_bytes,
					sizeof(lock_bytes)));
		ASSERT_EQ(0, setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &lock_bytes,
					sizeof(lock_bytes)));
	}
	sa = ktcp_sin("127.0.0.1", port);
	ret = ktcp_connect_fd(cfd, &sa, ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ(0, ret) TH_LOG("connect: %s", strerror(-ret));
	sfd = ktcp_accept(_metadata, lfd);
	cx.fd = cfd;
	sx.fd = sfd;
	ASSERT_EQ(0, pthread_create(&t, NULL, ktcp_xfer_thread, &cx));
	ktcp_xfer_run(&sx);
	pthread_join(t, NULL);
	ASSERT_EQ(0, cx.err) TH_LOG("client %s: %s", cx.err_what,
				    strerror(-cx.err));
	ASSERT_EQ(0, sx.err) TH_LOG("server %s: %s", sx.err_what,
				    strerror(-sx.err));
	ASSERT_EQ(-1, sx.rx.bad_off);
	ASSERT_EQ(BUF_XFER_BYTES, sx.rx.off);
	ASSERT_EQ(ktcp_stream_sum(0x627566, BUF_XFER_BYTES), sx.rx.sum);
	*sndbuf = sockopt_int(_metadata, cfd, SO_SNDBUF);
	*rcvbuf = sockopt_int(_metadata, sfd, SO_RCVBUF);
	close(sfd);
	close(cfd);
	close(lfd);
}

/* A new socket starts where a native one does (tcp_init_sock()). */
TEST_F(buffers, start_values)
{
	int fd = __ktcp_socket(_metadata, buffers_family(variant));

	EXPECT_EQ(self->wmem[1], sockopt_int(_metadata, fd, SO_SNDBUF));
	EXPECT_EQ(self->rmem[1], sockopt_int(_metadata, fd, SO_RCVBUF));
	close(fd);
}

/* Bulk data grows both ends' buffers, within tcp_[wr]mem[2]. */
TEST_F_TIMEOUT(buffers, bulk_grows, 600)
{
	int sndbuf, rcvbuf;

	buffers_transfer(_metadata, buffers_family(variant), 0, &sndbuf,
			 &rcvbuf);
	TH_LOG("after %d MiB: sender SO_SNDBUF %d (tcp_wmem %ld..%ld), receiver SO_RCVBUF %d (tcp_rmem %ld..%ld)",
	       BUF_XFER_BYTES >> 20, sndbuf, self->wmem[1], self->wmem[2],
	       rcvbuf, self->rmem[1], self->rmem[2]);
	EXPECT_LT(self->wmem[1], sndbuf);
	EXPECT_GE(self->wmem[2], sndbuf);
	EXPECT_LT(self->rmem[1], rcvbuf);
	EXPECT_GE(self->rmem[2], rcvbuf);
}

/* SO_SNDBUF / SO_RCVBUF fix the size: no tuning past it (SOCK_*BUF_LOCK). */
TEST_F_TIMEOUT(buffers, set_size_stays, 600)
{
	int sndbuf, rcvbuf;

	buffers_transfer(_metadata, buffers_family(variant), BUF_LOCKED,
			 &sndbuf, &rcvbuf);
	EXPECT_EQ(2 * BUF_LOCKED, sndbuf);
	EXPECT_EQ(2 * BUF_LOCKED, rcvbuf);
}

#define FILL_RCVBUF	65536	/* the receiver's, fixed: its window is too */
#define FILL_READ	4096	/* the receiver reads this much a step */
#define FILL_STEP_MS	40	/* for the window update and ACKs to land */
#define FILL_READ_MAX	(4 << 20)

struct fill_result {
	int sndbuf0;		/* SO_SNDBUF once connected */
	int sndbuf;		/* SO_SNDBUF once the writes stop */
	long accepted;		/* bytes the writes took, all told */
	int outq;		/* of which still in the sender's queue */
	int outq_pollout;	/* its queue when POLLOUT came back */
	int outq_before;	/* and the last time poll() said no */
	long read;		/* bytes the receiver read until then */
};

/* lo at Ethernet's MTU, so segments and skbs are the sizes seen on a LAN. */
static void fill_lo_mtu(struct __test_metadata *_metadata)
{
	struct ifreq ifr = { .ifr_mtu = 1500 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	strcpy(ifr.ifr_name, "lo");
	ASSERT_EQ(0, ioctl(fd, SIOCSIFMTU, &ifr)) TH_LOG("lo mtu: %s",
							 strerror(errno));
	close(fd);
}

static int fill_outq(struct __test_metadata *_metadata, int fd)
{
	int v = -1;

	EXPECT_EQ(0, ioctl(fd, SIOCOUTQ, &v)) TH_LOG("SIOCOUTQ: %s",
						     strerror(errno));
	return v;
}

/*
 * Non-blocking writes of 64 KiB until three in a row, 100 ms apart, take
 * nothing: by then what the receiver's window took is acknowledged and the
 * sender's queue holds only unsent data.
 */
static void fill_write(struct __test_metadata *_metadata, int cfd,
		       struct fill_result *r)
{
	static char buf[65536];
	int idle = 0;
	ssize_t n;

	for (;;) {
		n = send(cfd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			r->accepted += n;
			idle = 0;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno) TH_LOG("send: %s", strerror(errno));
		if (++idle == 3)
			break;
		ktcp_sleep_ms(ktcp_ms(100));
	}
	r->sndbuf = sockopt_int(_metadata, cfd, SO_SNDBUF);
	r->outq = fill_outq(_metadata, cfd);
}

/*
 * A @family sender with SO_SNDBUF @sndbuf (0: the default) fills its
 * buffer against a native receiver that does not read (fill_write()); then
 * the receiver reads FILL_READ bytes at a time until the sender polls
 * writable.
 */
static void fill_measure(struct __test_metadata *_metadata, int family,
			 int sndbuf, struct fill_result *r)
{
	int lfd, cfd, sfd, ret, rcv = FILL_RCVBUF;
	static char buf[FILL_READ];
	struct sockaddr_in sa;
	uint16_t port;
	short rev;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	lfd = ktcp_listener(_metadata, AF_INET, "127.0.0.1", 0, 4, &port);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)));
	cfd = __ktcp_socket(_metadata, family);
	if (sndbuf)
		ASSERT_EQ(0, setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
					sizeof(sndbuf)));
	sa = ktcp_sin("127.0.0.1", port);
	ret = ktcp_connect_fd(cfd, &sa, ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ(0, ret) TH_LOG("connect: %s", strerror(-ret));
	sfd = ktcp_accept(_metadata, lfd);
	r->sndbuf0 = sockopt_int(_metadata, cfd, SO_SNDBUF);
	fill_write(_metadata, cfd, r);
	while (r->read < FILL_READ_MAX) {
		ASSERT_LE(0, ktcp_poll1(cfd, POLLOUT, 0, &rev));
		if (rev & POLLOUT)
			break;
		r->outq_before = fill_outq(_metadata, cfd);
		n = recv(sfd, buf, FILL_READ, MSG_DONTWAIT);
		ASSERT_LT(0, n) TH_LOG("recv: %s", strerror(errno));
		r->read += n;
		ktcp_sleep_ms(ktcp_ms(FILL_STEP_MS));
	}
	r->outq_pollout = fill_outq(_metadata, cfd);
	close(sfd);
	close(cfd);
	close(lfd);
}

/*
 * ktcp's send buffer is Linux's: SO_SNDBUF doubled (up to net.core.
 * wmem_max), or the start value tcp_sndbuf_expand() gives; the write queue
 * charged as Linux charges it (skbs of the size goal, each its head's and
 * its bytes' truesize), so that non-blocking writes leave as many bytes
 * queued at EAGAIN; POLLOUT back at the same queue length (a third of the
 * buffer free).
 *
 * The receiver is native TCP both times, but it holds fewer of ktcp's
 * bytes (they come as segments, not GSO packets, and cost it more
 * truesize), and it opens its window in steps of a different size (a GSO
 * packet's memory is freed only once it is all read): the bytes the writes
 * took in all and what the receiver read before POLLOUT differ for that
 * reason, and are logged, not compared. Compared: the sender's queue at
 * EAGAIN, within 24 MSS, about one skb of the size goal (where the
 * receiver's window ends, so where the first unsent skb is cut, differs
 * for the same reason, and Linux fills the window's last partial segment
 * where ktcp does not; 12 to 14 MSS were seen). Native TCP's own queue
 * at EAGAIN moves between runs by up to one of its GSO skbs (437,710,
 * 440,252 and 463,360 bytes for SO_SNDBUF 262144 in three CI runs, ktcp
 * 419,920 to 422,880): when ktcp is outside 24 MSS of the first native
 * measurement, native is measured once more and the nearer of the two
 * counts, so that ktcp must lie within native's own spread; and the queue at
 * which POLLOUT returns, which lies between the queue at the last step
 * poll() said no and at the first it said yes: ktcp's and Linux's ranges
 * must overlap. With the default SO_SNDBUF the buffer grows with cwnd,
 * whose growth while the receiver's window is the limit is cong.c's and
 * not Linux's: only the start value is compared.
 */
TEST_F_TIMEOUT(buffers, send_fill, 600)
{
	static const int sizes[] = { 16384, 65536, 262144, 0 };
	struct fill_result k, nat;
	unsigned int i;

	if (variant->native)
		SKIP(return, "compares both families in the ktcp variant");
	fill_lo_mtu(_metadata);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_measure(_metadata, AF_INET, sizes[i], &nat);
		fill_measure(_metadata, ktcp_family(), sizes[i], &k);
		TH_LOG("SO_SNDBUF %d: native: sndbuf %d..%d, took %ld, %d queued; POLLOUT after %ld read, queue %d..%d",
		       sizes[i], nat.sndbuf0, nat.sndbuf, nat.accepted,
		       nat.outq, nat.read, nat.outq_pollout, nat.outq_before);
		TH_LOG("SO_SNDBUF %d: ktcp:   sndbuf %d..%d, took %ld, %d queued; POLLOUT after %ld read, queue %d..%d",
		       sizes[i], k.sndbuf0, k.sndbuf, k.accepted, k.outq,
		       k.read, k.outq_pollout, k.outq_before);
		EXPECT_EQ(nat.sndbuf0, k.sndbuf0);
		EXPECT_GT(FILL_READ_MAX, k.read);
		if (!sizes[i])
			continue;
		EXPECT_EQ(nat.sndbuf, k.sndbuf);
		if (abs(nat.outq - k.outq) > 24 * 1448) {
			struct fill_result again;

			fill_measure(_metadata, AF_INET, sizes[i], &again);
			TH_LOG("SO_SNDBUF %d: native again: %d queued",
			       sizes[i], again.outq);
			if (abs(again.outq - k.outq) < abs(nat.outq - k.outq))
				nat = again;
		}
		EXPECT_GE(24 * 1448, abs(nat.outq - k.outq));
		EXPECT_GE(nat.outq_before, k.outq_pollout);
		EXPECT_GE(k.outq_before, nat.outq_pollout);
	}
}

TEST_HARNESS_MAIN
