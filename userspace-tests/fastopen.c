// SPDX-License-Identifier: GPL-2.0
/*
 * TCP Fast Open (RFC 7413), the server side, end to end: a native client
 * (sendto() with MSG_FASTOPEN, or TCP_FASTOPEN_CONNECT then write()) in
 * one namespace, a server in another, across a veth pair; each case runs
 * with a ktcp server and with a native one, in the same boot, and asserts
 * the same results for both. The server's stack has its fast open sysctl
 * (net.ktcp.fastopen, net.ipv4.tcp_fastopen) at 3, the client's
 * net.ipv4.tcp_fastopen at 1 (client).
 *
 * - The first connection asks for a cookie (its data goes after the
 *   handshake), the second carries its data in the SYN: the server reads
 *   both; TCPFastOpenCookieReqd +1 and TCPFastOpenPassive +1 on the
 *   server (ktcp_snmp or TcpExt of its netns), TCPFastOpenActive +1 on
 *   the client (TcpExt).
 * - getsockopt(TCP_FASTOPEN) returns the queue length set, before and
 *   after listen(); TCP_FASTOPEN on a connected socket is EINVAL;
 *   TCP_FASTOPEN_NO_COOKIE reads back.
 * - TCP_FASTOPEN 1 and a Fast Open child kept in SYN_RECV (a tc filter
 *   drops its client's pure ACKs): the next Fast Open SYN overflows the
 *   queue (TCPFastOpenListenOverflow +1) and falls back to a normal
 *   handshake, its data still delivered.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define FO_PORT		7420
#define FO_IO_MS	5000
#define FO_TFO_CLIENT	0x1
#define FO_TFO_SERVER	0x2

FIXTURE(fastopen)
{
	int ns_cli, ns_srv;
	int family;		/* the server's */
};

FIXTURE_VARIANT(fastopen)
{
	bool native;
};

FIXTURE_VARIANT_ADD(fastopen, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(fastopen, native) { .native = true };

/* The fast open sysctl of @family's stack in the current netns. */
static void fo_sysctl(struct __test_metadata *_metadata, int family, long val)
{
	const char *p = "/proc/sys/net/ipv4/tcp_fastopen";
	long got = -1;

	if (family != AF_INET) {
		ktcp_sysctl_set(_metadata, "fastopen", val);
		return;
	}
	ASSERT_EQ(0, ktcp_sysctl_path_write(p, val));
	ASSERT_EQ(0, ktcp_sysctl_path_read(p, &got));
	ASSERT_EQ(val, got);
}

FIXTURE_SETUP(fastopen)
{
	self->family = variant->native ? AF_INET : ktcp_family();
	ktcp_test_netns(_metadata, true, 1000, &self->ns_cli, &self->ns_srv);
	fo_sysctl(_metadata, AF_INET, FO_TFO_CLIENT);
	ktcp_setns(_metadata, self->ns_srv);
	fo_sysctl(_metadata, self->family, FO_TFO_CLIENT | FO_TFO_SERVER);
	ktcp_setns(_metadata, self->ns_cli);
}

FIXTURE_TEARDOWN(fastopen)
{
	ktcp_setns(_metadata, self->ns_cli);
}

/* A counter of the server's stack (in its netns); the thread stays put. */
static long long fo_srv_count(struct __test_metadata *_metadata,
			      FIXTURE_DATA(fastopen) *self, const char *name)
{
	long long v;

	ktcp_setns(_metadata, self->ns_srv);
	v = ktcp_counter(self->family, name);
	ktcp_setns(_metadata, self->ns_cli);
	if (v < 0)
		KTCP_FAIL(_metadata, "server counter %s unreadable", name);
	return v;
}

static long long fo_cli_count(struct __test_metadata *_metadata,
			      const char *name)
{
	long long v = ktcp_counter(AF_INET, name);

	if (v < 0)
		KTCP_FAIL(_metadata, "client counter %s unreadable", name);
	return v;
}

/*
 * The server's listener (@family, made in netns @ns_srv; the thread goes
 * back to @ns_cli), TCP_FASTOPEN @qlen set before listen().
 */
static int fo_listener_in(struct __test_metadata *_metadata, int ns_srv,
			  int ns_cli, int family, int qlen)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, FO_PORT);
	int one = 1, fd;

	ktcp_setns(_metadata, ns_srv);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	if (qlen)
		ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen,
					sizeof(qlen)))
			TH_LOG("TCP_FASTOPEN %d: %s", qlen, strerror(errno));
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		TH_LOG("bind: %s", strerror(errno));
	ASSERT_EQ(0, listen(fd, 16));
	ktcp_setns(_metadata, ns_cli);
	return fd;
}

static int fo_listener(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fastopen) *self, int qlen)
{
	return fo_listener_in(_metadata, self->ns_srv, self->ns_cli,
			      self->family, qlen);
}

/*
 * A native client sends @msg the Fast Open way: sendto(MSG_FASTOPEN), or
 * (@connect_opt) TCP_FASTOPEN_CONNECT, connect(), write(). From @port if
 * not 0. Returns the connected fd.
 */
static int fo_client(struct __test_metadata *_metadata, const char *msg,
		     bool connect_opt, int port)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, FO_PORT);
	int one = 1, fd;
	ssize_t n;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ktcp_set_io_timeouts(fd, ktcp_ms(FO_IO_MS)));
	if (port) {
		struct sockaddr_in me = ktcp_sin(KTCP_VETH_IP_A, port);

		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
					sizeof(one)));
		ASSERT_EQ(0, bind(fd, (struct sockaddr *)&me, sizeof(me)))
			TH_LOG("bind %d: %s", port, strerror(errno));
	}
	if (connect_opt) {
		ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
					&one, sizeof(one)));
		/* Deferred: the SYN leaves with the first write(). */
		ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			TH_LOG("connect: %s", strerror(errno));
		n = write(fd, msg, strlen(msg));
	} else {
		n = sendto(fd, msg, strlen(msg), MSG_FASTOPEN,
			   (struct sockaddr *)&sa, sizeof(sa));
	}
	ASSERT_EQ((ssize_t)strlen(msg), n) TH_LOG("%s: %s", connect_opt ?
		"write" : "sendto(MSG_FASTOPEN)", strerror(errno));
	return fd;
}

/* Accept one child on @lfd (netns @ns_srv) and read @msg from it. */
static int fo_accept_read_in(struct __test_metadata *_metadata, int ns_srv,
			     int ns_cli, int lfd, const char *msg)
{
	char buf[64] = "";
	ssize_t n;
	int fd;

	ktcp_setns(_metadata, ns_srv);
	fd = ktcp_accept_fd(lfd, ktcp_ms(FO_IO_MS));
	ktcp_setns(_metadata, ns_cli);
	ASSERT_LE(0, fd) TH_LOG("accept: %s", strerror(-fd));
	ASSERT_EQ(0, ktcp_set_io_timeouts(fd, ktcp_ms(FO_IO_MS)));
	n = ktcp_recv_all(fd, buf, strlen(msg), ktcp_ms(FO_IO_MS));
	ASSERT_EQ((ssize_t)strlen(msg), n) TH_LOG("recv: %zd (%s)", n,
		n < 0 ? strerror(-n) : buf);
	ASSERT_EQ(0, memcmp(buf, msg, strlen(msg)));
	return fd;
}

static int fo_accept_read(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fastopen) *self, int lfd,
			  const char *msg)
{
	return fo_accept_read_in(_metadata, self->ns_srv, self->ns_cli, lfd,
				 msg);
}

/* A cookie request, then a SYN with data: see the file comment. */
static void fo_two_connections(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fastopen) *self, bool connect_opt)
{
	long long reqd0, passive0, fail0, active0, reqd, passive, active;
	int lfd, c1, s1, c2, s2;
	char b;

	lfd = fo_listener(_metadata, self, 8);
	reqd0 = fo_srv_count(_metadata, self, "TCPFastOpenCookieReqd");
	passive0 = fo_srv_count(_metadata, self, "TCPFastOpenPassive");
	fail0 = fo_srv_count(_metadata, self, "TCPFastOpenPassiveFail");
	active0 = fo_cli_count(_metadata, "TCPFastOpenActive");

	c1 = fo_client(_metadata, "first", connect_opt, 0);
	s1 = fo_accept_read(_metadata, self, lfd, "first");
	/* An answer both ways, then a clean close. */
	ASSERT_EQ(1, write(s1, "k", 1));
	ASSERT_EQ(1, read(c1, &b, 1));
	close(c1);
	close(s1);
	reqd = fo_srv_count(_metadata, self, "TCPFastOpenCookieReqd") - reqd0;
	passive = fo_srv_count(_metadata, self, "TCPFastOpenPassive") - passive0;
	active = fo_cli_count(_metadata, "TCPFastOpenActive") - active0;
	TH_LOG("first connection: CookieReqd +%lld, Passive +%lld, Active +%lld",
	       reqd, passive, active);
	EXPECT_EQ(1, reqd);
	EXPECT_EQ(0, passive);
	EXPECT_EQ(0, active);

	c2 = fo_client(_metadata, "second, in the SYN", connect_opt, 0);
	s2 = fo_accept_read(_metadata, self, lfd, "second, in the SYN");
	ASSERT_EQ(1, write(s2, "k", 1));
	ASSERT_EQ(1, read(c2, &b, 1));
	close(c2);
	close(s2);
	reqd = fo_srv_count(_metadata, self, "TCPFastOpenCookieReqd") - reqd0;
	passive = fo_srv_count(_metadata, self, "TCPFastOpenPassive") - passive0;
	active = fo_cli_count(_metadata, "TCPFastOpenActive") - active0;
	TH_LOG("after the second: CookieReqd +%lld, Passive +%lld, Active +%lld",
	       reqd, passive, active);
	EXPECT_EQ(1, reqd);
	EXPECT_EQ(1, passive);
	EXPECT_EQ(1, active);
	EXPECT_EQ(0, fo_srv_count(_metadata, self, "TCPFastOpenPassiveFail") -
		     fail0);
	close(lfd);
}

TEST_F_TIMEOUT(fastopen, msg_fastopen, 60)
{
	fo_two_connections(_metadata, self, false);
}

TEST_F_TIMEOUT(fastopen, fastopen_connect, 60)
{
	fo_two_connections(_metadata, self, true);
}

static int fo_getopt(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, IPPROTO_TCP, opt, &v, &len))
		return -errno;
	return v;
}

TEST_F_TIMEOUT(fastopen, sockopts, 60)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, FO_PORT);
	int fd, lfd, c, s, v;

	ktcp_setns(_metadata, self->ns_srv);
	fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fo_getopt(fd, TCP_FASTOPEN));
	EXPECT_EQ(0, fo_getopt(fd, TCP_FASTOPEN_NO_COOKIE));
	v = 7;
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)));
	EXPECT_EQ(7, fo_getopt(fd, TCP_FASTOPEN));
	v = -1;
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &v,
				 sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	v = 1;
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &v,
				sizeof(v)));
	EXPECT_EQ(1, fo_getopt(fd, TCP_FASTOPEN_NO_COOKIE));
	v = 2;
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &v,
				 sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	v = 0;
	ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, &v,
				sizeof(v)));
	EXPECT_EQ(0, fo_getopt(fd, TCP_FASTOPEN_NO_COOKIE));
	close(fd);
	ktcp_setns(_metadata, self->ns_cli);

	/* Set before listen() (fo_listener), then changed in LISTEN. */
	lfd = fo_listener(_metadata, self, 5);
	EXPECT_EQ(5, fo_getopt(lfd, TCP_FASTOPEN));
	v = 3;
	EXPECT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)));
	EXPECT_EQ(3, fo_getopt(lfd, TCP_FASTOPEN));

	/* A connected socket of the server's stack: EINVAL. */
	c = fo_client(_metadata, "x", false, 0);
	s = fo_accept_read(_metadata, self, lfd, "x");
	v = 4;
	EXPECT_EQ(-1, setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	close(s);
	close(c);
	close(lfd);

	/* The same on an active connection of the server's stack. */
	lfd = fo_listener(_metadata, self, 0);
	ktcp_setns(_metadata, self->ns_srv);
	fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ktcp_connect_fd(fd, &sa, ktcp_ms(FO_IO_MS)));
	s = ktcp_accept_fd(lfd, ktcp_ms(FO_IO_MS));
	ktcp_setns(_metadata, self->ns_cli);
	ASSERT_LE(0, s);
	v = 4;
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	close(s);
	close(lfd);
}

/*
 * TCP_FASTOPEN 1. The cookie first (a cookie request is no Fast Open
 * child). Then client 1's pure ACKs are dropped (tc, egress of the client
 * side's veth): its Fast Open child stays in SYN_RECV and fills the
 * queue; client 2's Fast Open SYN overflows it and falls back to a
 * normal handshake, its data going after it.
 */
TEST_F_TIMEOUT(fastopen, listen_overflow, 60)
{
	struct ktcp_tc_match m = KTCP_TC_ANY;
	struct ktcp_tc tc = { .dev = KTCP_VETH_A };
	long long ovf0, passive0, ovf, passive;
	int lfd, c0, s0, c1, c2, s1, s2;
	const int port1 = 40123;

	lfd = fo_listener(_metadata, self, 1);
	c0 = fo_client(_metadata, "cookie", false, 0);
	s0 = fo_accept_read(_metadata, self, lfd, "cookie");
	close(c0);
	close(s0);

	m.sport = port1;
	m.flags = 0x10;		/* ACK alone: the handshake's last segment */
	ktcp_tc_filter(&tc, "egress", 1, &m, "drop");
	ktcp_tc_apply(_metadata, &tc);

	ovf0 = fo_srv_count(_metadata, self, "TCPFastOpenListenOverflow");
	passive0 = fo_srv_count(_metadata, self, "TCPFastOpenPassive");
	c1 = fo_client(_metadata, "one", false, port1);
	/* The child is queued at once, its data readable, in SYN_RECV. */
	s1 = fo_accept_read(_metadata, self, lfd, "one");
	c2 = fo_client(_metadata, "two", false, 0);
	s2 = fo_accept_read(_metadata, self, lfd, "two");
	ovf = fo_srv_count(_metadata, self, "TCPFastOpenListenOverflow") - ovf0;
	passive = fo_srv_count(_metadata, self, "TCPFastOpenPassive") -
		  passive0;
	TH_LOG("TCPFastOpenListenOverflow +%lld, TCPFastOpenPassive +%lld",
	       ovf, passive);
	EXPECT_EQ(1, ovf);
	EXPECT_EQ(1, passive);
	/*
	 * Let client 1's ACKs through again before anything closes: else
	 * the ACK of the child's FIN is dropped too, and the orphan would
	 * retransmit it for minutes, holding the module (lifecycle's rmmod).
	 */
	ktcp_tc_line(&tc, "filter del dev %s egress pref 1", tc.dev);
	ktcp_tc_apply(_metadata, &tc);
	close(c1);
	close(c2);
	close(s1);
	close(s2);
	close(lfd);
}

/*
 * The client side: a ktcp client (variant ktcp) or a native one (variant
 * native) against a native server, the client's stack with its fast open
 * sysctl at 1, the server's net.ipv4.tcp_fastopen at 3.
 */
FIXTURE(fastopen_client)
{
	int ns_cli, ns_srv;
	int family;		/* the client's */
};

FIXTURE_VARIANT(fastopen_client)
{
	bool native;
};

FIXTURE_VARIANT_ADD(fastopen_client, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(fastopen_client, native) { .native = true };

FIXTURE_SETUP(fastopen_client)
{
	self->family = variant->native ? AF_INET : ktcp_family();
	ktcp_test_netns(_metadata, true, 1000, &self->ns_cli, &self->ns_srv);
	fo_sysctl(_metadata, self->family, FO_TFO_CLIENT);
	ktcp_setns(_metadata, self->ns_srv);
	fo_sysctl(_metadata, AF_INET, FO_TFO_CLIENT | FO_TFO_SERVER);
	ktcp_setns(_metadata, self->ns_cli);
}

FIXTURE_TEARDOWN(fastopen_client)
{
	ktcp_setns(_metadata, self->ns_cli);
}

/* A counter of the (native) server's stack. */
static long long foc_srv_count(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fastopen_client) *self,
			       const char *name)
{
	long long v;

	ktcp_setns(_metadata, self->ns_srv);
	v = ktcp_counter(AF_INET, name);
	ktcp_setns(_metadata, self->ns_cli);
	if (v < 0)
		KTCP_FAIL(_metadata, "server counter %s unreadable", name);
	return v;
}

/* A counter of the client's stack (ktcp_snmp or TcpExt). */
static long long foc_cli_count(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fastopen_client) *self,
			       const char *name)
{
	long long v = ktcp_counter(self->family, name);

	if (v < 0)
		KTCP_FAIL(_metadata, "client counter %s unreadable", name);
	return v;
}

/*
 * TCP_INFO of @fd: tcpi_state, tcpi_options and tcpi_fastopen_client_fail
 * (byte 7, bits 1-2: glibc's struct tcp_info has no name for it).
 */
static int foc_info(int fd, int *state, int *options, int *fail)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return -errno;
	*state = ti.tcpi_state;
	*options = ti.tcpi_options;
	*fail = (((const unsigned char *)&ti)[7] >> 1) & 3;
	return 0;
}

static int foc_socket(struct __test_metadata *_metadata,
		      FIXTURE_DATA(fastopen_client) *self)
{
	int fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, ktcp_set_io_timeouts(fd, ktcp_ms(FO_IO_MS)));
	return fd;
}

/*
 * One client connection sending @msg the Fast Open way (sendto() with
 * MSG_FASTOPEN, or @connect_opt: TCP_FASTOPEN_CONNECT, connect(),
 * write()); @cookie: one is kept for the server, so the SYN carries the
 * data (and with TCP_FASTOPEN_CONNECT, connect() returns 0 at once and
 * sends nothing: the server sees nothing, poll() says POLLOUT, TCP_INFO
 * SYN_SENT). Then the server reads it and answers, and both close (the
 * client first: its TIME_WAIT is 1 s). Checks TCP_INFO's
 * TCPI_OPT_SYN_DATA and tcpi_fastopen_client_fail.
 */
static void foc_connection(struct __test_metadata *_metadata,
			   FIXTURE_DATA(fastopen_client) *self, int lfd,
			   const char *msg, bool connect_opt, bool cookie)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, FO_PORT);
	int one = 1, fd, s, state, options, fail;
	short rev = 0;
	ssize_t n;
	char b;

	fd = foc_socket(_metadata, self);
	if (connect_opt) {
		ASSERT_EQ(0, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT,
					&one, sizeof(one)))
			TH_LOG("TCP_FASTOPEN_CONNECT: %s", strerror(errno));
		EXPECT_EQ(1, fo_getopt(fd, TCP_FASTOPEN_CONNECT));
		ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			TH_LOG("connect: %s", strerror(errno));
		ASSERT_EQ(0, foc_info(fd, &state, &options, &fail));
		if (cookie) {
			/* Deferred: nothing sent yet. */
			EXPECT_EQ(KT_SYN_SENT, state);
			ktcp_setns(_metadata, self->ns_srv);
			EXPECT_EQ(0, ktcp_poll1(lfd, POLLIN, 100, NULL))
				TH_LOG("the server saw a connection before the write");
			ktcp_setns(_metadata, self->ns_cli);
			EXPECT_EQ(1, ktcp_poll1(fd, POLLOUT, 0, &rev));
			EXPECT_TRUE(rev & POLLOUT) TH_LOG("revents %#x", rev);
		} else {
			EXPECT_EQ(KT_ESTABLISHED, state);
		}
		n = write(fd, msg, strlen(msg));
	} else {
		n = sendto(fd, msg, strlen(msg), MSG_FASTOPEN,
			   (struct sockaddr *)&sa, sizeof(sa));
	}
	ASSERT_EQ((ssize_t)strlen(msg), n) TH_LOG("%s: %s", connect_opt ?
		"write" : "sendto(MSG_FASTOPEN)", strerror(errno));
	s = fo_accept_read_in(_metadata, self->ns_srv, self->ns_cli, lfd, msg);
	ASSERT_EQ(1, write(s, "k", 1));
	ASSERT_EQ(1, read(fd, &b, 1));
	ASSERT_EQ(0, foc_info(fd, &state, &options, &fail));
	TH_LOG("%s: tcpi_options %#x, tcpi_fastopen_client_fail %d", msg,
	       options, fail);
	EXPECT_EQ(KT_ESTABLISHED, state);
	EXPECT_EQ(cookie, !!(options & TCPI_OPT_SYN_DATA));
	/* TFO_COOKIE_UNAVAILABLE without a cookie, else TFO_STATUS_UNSPEC */
	EXPECT_EQ(cookie ? 0 : 1, fail);
	close(fd);
	ASSERT_EQ(0, ktcp_recv_all(s, &b, 1, ktcp_ms(FO_IO_MS)))
		TH_LOG("the server did not see the client's FIN");
	close(s);
}

/* The first connection asks for the cookie, the second uses it. */
static void foc_two_connections(struct __test_metadata *_metadata,
				FIXTURE_DATA(fastopen_client) *self,
				bool connect_opt)
{
	long long reqd0, passive0, active0, afail0, reqd, passive, active;
	int lfd = fo_listener_in(_metadata, self->ns_srv, self->ns_cli,
				 AF_INET, 8);

	reqd0 = foc_srv_count(_metadata, self, "TCPFastOpenCookieReqd");
	passive0 = foc_srv_count(_metadata, self, "TCPFastOpenPassive");
	active0 = foc_cli_count(_metadata, self, "TCPFastOpenActive");
	afail0 = foc_cli_count(_metadata, self, "TCPFastOpenActiveFail");

	foc_connection(_metadata, self, lfd, "first", connect_opt, false);
	reqd = foc_srv_count(_metadata, self, "TCPFastOpenCookieReqd") - reqd0;
	passive = foc_srv_count(_metadata, self, "TCPFastOpenPassive") -
		  passive0;
	active = foc_cli_count(_metadata, self, "TCPFastOpenActive") - active0;
	TH_LOG("first connection: server CookieReqd +%lld, Passive +%lld; "
	       "client Active +%lld", reqd, passive, active);
	EXPECT_EQ(1, reqd);
	EXPECT_EQ(0, passive);
	EXPECT_EQ(0, active);

	foc_connection(_metadata, self, lfd, "second, in the SYN", connect_opt,
		       true);
	reqd = foc_srv_count(_metadata, self, "TCPFastOpenCookieReqd") - reqd0;
	passive = foc_srv_count(_metadata, self, "TCPFastOpenPassive") -
		  passive0;
	active = foc_cli_count(_metadata, self, "TCPFastOpenActive") - active0;
	TH_LOG("after the second: server CookieReqd +%lld, Passive +%lld; "
	       "client Active +%lld", reqd, passive, active);
	EXPECT_EQ(1, reqd);
	EXPECT_EQ(1, passive);
	EXPECT_EQ(1, active);
	EXPECT_EQ(0, foc_cli_count(_metadata, self, "TCPFastOpenActiveFail") -
		     afail0);
	close(lfd);
}

TEST_F_TIMEOUT(fastopen_client, msg_fastopen, 60)
{
	foc_two_connections(_metadata, self, false);
}

TEST_F_TIMEOUT(fastopen_client, fastopen_connect, 60)
{
	foc_two_connections(_metadata, self, true);
}

/*
 * MSG_FASTOPEN on a connected socket: EISCONN. TCP_FASTOPEN_CONNECT on
 * it: EINVAL. With the client's fast open sysctl at 0: sendto() with
 * MSG_FASTOPEN and TCP_FASTOPEN_CONNECT are EOPNOTSUPP (and the server
 * sees no connection).
 */
TEST_F_TIMEOUT(fastopen_client, errors, 60)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, FO_PORT);
	int lfd, fd, s, one = 1;
	char b;

	lfd = fo_listener_in(_metadata, self->ns_srv, self->ns_cli, AF_INET, 8);
	fd = foc_socket(_metadata, self);
	/*
	 * A blocking connect(): after a non-blocking one the socket stays
	 * SS_CONNECTING until connect() is called again, and a sendto() with
	 * MSG_FASTOPEN is that call (__inet_stream_connect() finds the
	 * connection established and the data goes).
	 */
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		TH_LOG("connect: %s", strerror(errno));
	EXPECT_EQ(-1, sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa,
			     sizeof(sa)));
	EXPECT_EQ(EISCONN, errno);
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_FASTOPEN));
	EXPECT_EQ(EISCONN, errno);
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one,
				 sizeof(one)));
	EXPECT_EQ(EINVAL, errno);
	ktcp_setns(_metadata, self->ns_srv);
	s = ktcp_accept_fd(lfd, ktcp_ms(FO_IO_MS));
	ktcp_setns(_metadata, self->ns_cli);
	ASSERT_LE(0, s);
	close(fd);
	/* Nothing was sent but the FIN. */
	EXPECT_EQ(0, ktcp_recv_all(s, &b, 1, ktcp_ms(FO_IO_MS)));
	close(s);

	fo_sysctl(_metadata, self->family, 0);
	fd = foc_socket(_metadata, self);
	EXPECT_EQ(-1, sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sa,
			     sizeof(sa)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one,
				 sizeof(one)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ktcp_setns(_metadata, self->ns_srv);
	EXPECT_EQ(0, ktcp_poll1(lfd, POLLIN, 200, NULL))
		TH_LOG("a connection with fast open off");
	ktcp_setns(_metadata, self->ns_cli);
	close(fd);
	fo_sysctl(_metadata, self->family, FO_TFO_CLIENT);
	close(lfd);
}

TEST_HARNESS_MAIN
