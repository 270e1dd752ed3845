// SPDX-License-Identifier: GPL-2.0
/*
 * Urgent data as Linux 6.12's TCP has it: send(MSG_OOB), recv(MSG_OOB),
 * reads that stop at the mark, SIOCATMARK, SO_OOBINLINE, POLLPRI, SIGURG
 * and their errnos; and MSG_MORE and MSG_EOR on send.
 *
 * Each case runs on four pairs over 127.0.0.1, each in a fresh netns:
 * native client and server (the reference: every expected value below is
 * what Linux does), ktcp at both ends, and the two mixed pairs. The client
 * sends and the accepted socket receives, so what the receiver does is the
 * server's stack's and what goes on the wire the client's.
 * (pkt/tests/urgent.py checks the segments themselves.)
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define URG_WAIT_MS	10000	/* every wait is bounded by this */

/* Linux's struct tcp_info up to tcpi_data_segs_out (libc's is older). */
struct urg_tcp_info {
	uint8_t u8s[8];
	uint32_t rto_to_total_retrans[24];	/* [4]: tcpi_unacked */
	uint64_t rates_and_bytes[4];
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
	uint32_t data_segs_in, data_segs_out;
};

static volatile sig_atomic_t urg_signals;

static void urg_on_sigurg(int sig)
{
	(void)sig;
	urg_signals++;
}

FIXTURE(urgent)
{
	int lfd, cli, srv;
	uint16_t port;
};

FIXTURE_VARIANT(urgent)
{
	bool ktcp_cli;	/* the sender */
	bool ktcp_srv;	/* the receiver */
};

FIXTURE_VARIANT_ADD(urgent, native) { .ktcp_cli = false, .ktcp_srv = false };
FIXTURE_VARIANT_ADD(urgent, ktcp) { .ktcp_cli = true, .ktcp_srv = true };
FIXTURE_VARIANT_ADD(urgent, ktcp_to_native)
{
	.ktcp_cli = true, .ktcp_srv = false
};
FIXTURE_VARIANT_ADD(urgent, native_to_ktcp)
{
	.ktcp_cli = false, .ktcp_srv = true
};

static int urg_family(bool ktcp)
{
	return ktcp ? ktcp_family() : AF_INET;
}

FIXTURE_SETUP(urgent)
{
	struct sigaction sa = { .sa_handler = urg_on_sigurg,
				.sa_flags = SA_RESTART };

	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->cli = self->srv = -1;
	self->lfd = ktcp_listener(_metadata, urg_family(variant->ktcp_srv),
				  "127.0.0.1", 0, 8, &self->port);
	ASSERT_EQ(0, sigaction(SIGURG, &sa, NULL));
	urg_signals = 0;
}

FIXTURE_TEARDOWN(urgent)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	close(self->lfd);
}

/* Connect and accept; the receiver's SIGURG comes to this process. */
static void urg_connect(struct __test_metadata *_metadata,
			FIXTURE_DATA(urgent) *self,
			const FIXTURE_VARIANT(urgent) *variant)
{
	self->cli = ktcp_connect(_metadata, urg_family(variant->ktcp_cli),
				 "127.0.0.1", self->port);
	self->srv = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->srv, URG_WAIT_MS));
	ASSERT_EQ(0, fcntl(self->srv, F_SETOWN, getpid()));
}

static int urg_ioctl(struct __test_metadata *_metadata, int fd,
		     unsigned long cmd)
{
	int v = -1;

	ASSERT_EQ(0, ioctl(fd, cmd, &v)) TH_LOG("ioctl: %s", strerror(errno));
	return v;
}

/* poll() for @events now (@ms 0) or within @ms: the revents. */
static short urg_poll(int fd, short events, int ms)
{
	short rev = 0;

	return ktcp_poll1(fd, events, ms, &rev) > 0 ? rev : 0;
}

/* recv(MSG_OOB | @flags) of one byte: 1 with *@c and *@mflags, or -errno. */
static int urg_recv_oob(int fd, int flags, char *c, int *mflags)
{
	struct iovec iov = { .iov_base = c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &m, MSG_OOB | MSG_DONTWAIT | flags);

	if (mflags)
		*mflags = m.msg_flags;
	return n < 0 ? -errno : (int)n;
}

/* One recv() of up to @len bytes, NUL-terminated; the count. */
static int urg_read(struct __test_metadata *_metadata, int fd, char *buf,
		    size_t len, int flags)
{
	ssize_t n = recv(fd, buf, len - 1, flags);

	ASSERT_LE(0, n) TH_LOG("recv: %s", strerror(errno));
	buf[n] = '\0';
	return n;
}

static void urg_send(struct __test_metadata *_metadata, int fd,
		     const char *s, int flags)
{
	ASSERT_EQ((ssize_t)strlen(s), send(fd, s, strlen(s), flags))
		TH_LOG("send(%s, %#x): %s", s, flags, strerror(errno));
}

static void urg_info(struct __test_metadata *_metadata, int fd,
		     struct urg_tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_INFO, ti, &len));
	ASSERT_EQ(sizeof(*ti), len);
}

/* Until the peer acknowledged all @fd sent; its data segments then. */
static uint32_t urg_wait_acked(struct __test_metadata *_metadata, int fd)
{
	long long end = ktcp_now_ms() + URG_WAIT_MS;
	struct urg_tcp_info ti;

	for (;;) {
		urg_info(_metadata, fd, &ti);
		if (!ti.rto_to_total_retrans[4] && !ti.notsent_bytes)
			return ti.data_segs_out;
		ASSERT_LT(ktcp_now_ms(), end) TH_LOG("data never acked");
		usleep(5000);
	}
}

/*
 * "abc", "X" urgent, "def": the byte is out of band, SIGURG came once,
 * POLLPRI until it is read; a read stops at the mark; MSG_PEEK leaves the
 * byte, a second recv(MSG_OOB) gives EINVAL; past the mark, no mark.
 */
TEST_F(urgent, oob_basic)
{
	char buf[64], c = 0;
	int mflags = 0;

	urg_connect(_metadata, self, variant);
	urg_send(_metadata, self->cli, "abc", 0);
	urg_send(_metadata, self->cli, "X", MSG_OOB);
	urg_send(_metadata, self->cli, "def", 0);
	urg_wait_acked(_metadata, self->cli);
	EXPECT_EQ(POLLIN | POLLPRI, urg_poll(self->srv, POLLIN | POLLPRI, 0));
	EXPECT_EQ(1, urg_signals);
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(3, urg_ioctl(_metadata, self->srv, SIOCINQ));

	EXPECT_EQ(3, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("abc", buf);
	EXPECT_EQ(1, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCINQ));
	EXPECT_EQ(POLLIN | POLLPRI, urg_poll(self->srv, POLLIN | POLLPRI, 0));

	EXPECT_EQ(1, urg_recv_oob(self->srv, MSG_PEEK, &c, &mflags));
	EXPECT_EQ('X', c);
	EXPECT_EQ(MSG_OOB, mflags & MSG_OOB);
	c = 0;
	EXPECT_EQ(1, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ('X', c);
	EXPECT_EQ(-EINVAL, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ(1, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCINQ));
	EXPECT_EQ(POLLIN, urg_poll(self->srv, POLLIN | POLLPRI, 0));

	EXPECT_EQ(3, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("def", buf);
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(-1, recv(self->srv, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, urg_signals);
}

/*
 * SO_OOBINLINE, set on the listener and inherited: the byte stays in the
 * stream (recv(MSG_OOB) EINVAL), reads still stop at the mark, POLLPRI
 * until the byte is read.
 */
TEST_F(urgent, oob_inline)
{
	int one = 1, v = -1;
	socklen_t len = sizeof(v);
	char buf[64], c;

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_OOBINLINE, &one,
				sizeof(one)));
	urg_connect(_metadata, self, variant);
	ASSERT_EQ(0, getsockopt(self->srv, SOL_SOCKET, SO_OOBINLINE, &v, &len));
	EXPECT_EQ(1, v);
	urg_send(_metadata, self->cli, "abc", 0);
	urg_send(_metadata, self->cli, "X", MSG_OOB);
	urg_send(_metadata, self->cli, "def", 0);
	urg_wait_acked(_metadata, self->cli);
	EXPECT_EQ(7, urg_ioctl(_metadata, self->srv, SIOCINQ));
	EXPECT_EQ(POLLIN | POLLPRI, urg_poll(self->srv, POLLIN | POLLPRI, 0));
	EXPECT_EQ(-EINVAL, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ(3, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("abc", buf);
	EXPECT_EQ(1, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(4, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("Xdef", buf);
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(0, urg_poll(self->srv, POLLIN | POLLPRI, 0));
	EXPECT_EQ(1, urg_signals);

	/* Off again: the next urgent byte is out of band. */
	v = 0;
	ASSERT_EQ(0, setsockopt(self->srv, SOL_SOCKET, SO_OOBINLINE, &v,
				sizeof(v)));
	urg_send(_metadata, self->cli, "gY", MSG_OOB);
	urg_wait_acked(_metadata, self->cli);
	EXPECT_EQ(1, urg_ioctl(_metadata, self->srv, SIOCINQ));
	EXPECT_EQ(1, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("g", buf);
	EXPECT_EQ(1, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ('Y', c);
}

/*
 * A second urgent byte before the first was read moves the mark: the
 * first becomes ordinary data (tcp_check_urg(): only the newest counts).
 */
TEST_F(urgent, oob_moved)
{
	char buf[64], c = 0;

	urg_connect(_metadata, self, variant);
	urg_send(_metadata, self->cli, "ab", 0);
	urg_send(_metadata, self->cli, "X", MSG_OOB);
	urg_send(_metadata, self->cli, "cd", 0);
	urg_send(_metadata, self->cli, "Y", MSG_OOB);
	urg_wait_acked(_metadata, self->cli);
	EXPECT_EQ(5, urg_ioctl(_metadata, self->srv, SIOCINQ));
	ASSERT_EQ(POLLPRI, urg_poll(self->srv, POLLPRI, URG_WAIT_MS));
	EXPECT_EQ(1, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ('Y', c);
	EXPECT_EQ(5, urg_read(_metadata, self->srv, buf, sizeof(buf),
			      MSG_WAITALL));
	EXPECT_STREQ("abXcd", buf);
	EXPECT_EQ(1, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(-1, recv(self->srv, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCATMARK));
}

/* The errnos of MSG_OOB and SIOCATMARK without a connection or data. */
TEST_F(urgent, oob_errnos)
{
	int fd = __ktcp_socket(_metadata, urg_family(variant->ktcp_srv));
	char c;

	EXPECT_EQ(-EINVAL, urg_recv_oob(fd, 0, &c, NULL));
	EXPECT_EQ(0, urg_ioctl(_metadata, fd, SIOCATMARK));
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_OOB | MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	close(fd);

	EXPECT_EQ(-ENOTCONN, urg_recv_oob(self->lfd, 0, &c, NULL));
	EXPECT_EQ(0, urg_ioctl(_metadata, self->lfd, SIOCATMARK));
	EXPECT_EQ(-1, send(self->lfd, "x", 1, MSG_OOB | MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);

	urg_connect(_metadata, self, variant);
	EXPECT_EQ(-EINVAL, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(0, send(self->cli, "", 0, MSG_OOB));

	/* The byte outlives the FIN; the read steps over it to EOF. */
	urg_send(_metadata, self->cli, "Z", MSG_OOB);
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(POLLPRI, urg_poll(self->srv, POLLPRI, URG_WAIT_MS));
	ASSERT_EQ(POLLRDHUP, urg_poll(self->srv, POLLRDHUP, URG_WAIT_MS));
	EXPECT_EQ(1, urg_recv_oob(self->srv, 0, &c, NULL));
	EXPECT_EQ('Z', c);
	EXPECT_EQ(0, recv(self->srv, &c, 1, 0));
	EXPECT_EQ(-EINVAL, urg_recv_oob(self->srv, 0, &c, NULL));
}

/*
 * The urgent byte behind a shut window: the pointer reaches the receiver
 * first (window probes carry it), so SIGURG comes and recv(MSG_OOB) says
 * EAGAIN; reads stop at the mark, and the byte follows once the window
 * opens.
 */
TEST_F(urgent, oob_notyet)
{
	int rcvbuf = 4096, sndbuf = 1 << 17, total = 0, mflags = 0, n, r;
	static char buf[32768];
	long long end;
	char c = 0;

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	urg_connect(_metadata, self, variant);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	memset(buf, 'k', sizeof(buf));
	ASSERT_EQ(sizeof(buf), send(self->cli, buf, sizeof(buf), MSG_DONTWAIT));
	urg_send(_metadata, self->cli, "X", MSG_OOB | MSG_DONTWAIT);

	end = ktcp_now_ms() + URG_WAIT_MS;
	while ((r = urg_recv_oob(self->srv, 0, &c, NULL)) == -EINVAL) {
		ASSERT_LT(ktcp_now_ms(), end) TH_LOG("the pointer never came");
		usleep(5000);
	}
	EXPECT_EQ(-EAGAIN, r);
	EXPECT_EQ(1, urg_signals);
	EXPECT_EQ(0, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	EXPECT_EQ(0, urg_poll(self->srv, POLLPRI, 0));

	while (total < (int)sizeof(buf)) {
		n = recv(self->srv, buf, sizeof(buf), 0);
		ASSERT_LT(0, n) TH_LOG("recv: %s", n ? strerror(errno) : "EOF");
		total += n;
	}
	EXPECT_EQ(sizeof(buf), total);
	EXPECT_EQ(1, urg_ioctl(_metadata, self->srv, SIOCATMARK));
	ASSERT_EQ(POLLPRI, urg_poll(self->srv, POLLPRI, URG_WAIT_MS));
	EXPECT_EQ(1, urg_recv_oob(self->srv, 0, &c, &mflags));
	EXPECT_EQ('X', c);
	EXPECT_EQ(1, urg_signals);
}

/*
 * MSG_MORE holds a partial segment for that call as TCP_CORK does; MSG_EOR
 * keeps the next write out of the segment it ends (seen while corked:
 * two data segments where there would be one).
 */
TEST_F(urgent, more_eor)
{
	struct urg_tcp_info ti;
	int on = 1, off = 0;
	uint32_t segs;
	char buf[64];

	urg_connect(_metadata, self, variant);
	urg_send(_metadata, self->cli, "abc", MSG_MORE);
	urg_info(_metadata, self->cli, &ti);
	EXPECT_EQ(3, ti.notsent_bytes);
	urg_send(_metadata, self->cli, "def", 0);
	urg_wait_acked(_metadata, self->cli);
	EXPECT_EQ(6, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("abcdef", buf);

	segs = urg_wait_acked(_metadata, self->cli);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_TCP, TCP_CORK, &on, sizeof(on)));
	urg_send(_metadata, self->cli, "ab", MSG_EOR);
	urg_send(_metadata, self->cli, "cd", 0);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_TCP, TCP_CORK, &off, sizeof(off)));
	EXPECT_EQ(segs + 2, urg_wait_acked(_metadata, self->cli));
	EXPECT_EQ(4, urg_read(_metadata, self->srv, buf, sizeof(buf), 0));
	EXPECT_STREQ("abcd", buf);

	segs = urg_wait_acked(_metadata, self->cli);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_TCP, TCP_CORK, &on, sizeof(on)));
	urg_send(_metadata, self->cli, "ab", 0);
	urg_send(_metadata, self->cli, "cd", 0);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_TCP, TCP_CORK, &off, sizeof(off)));
	EXPECT_EQ(segs + 1, urg_wait_acked(_metadata, self->cli));
}

TEST_HARNESS_MAIN
