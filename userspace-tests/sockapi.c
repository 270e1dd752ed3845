// SPDX-License-Identifier: GPL-2.0
/*
 * The socket API as Linux 6.12's TCP has it: each case runs the same calls
 * on native AF_INET and on ktcp (the family in
 * /sys/module/ktcp/parameters/family) over 127.0.0.1, in a fresh network
 * namespace of its own, and asserts the same results: return values, errno,
 * values read back. What native TCP cannot be compared on (counters after a
 * transfer) is asserted against what the transfer was.
 *
 * Self-contained (kselftest_harness.h and its own helpers), as
 * tools/testing/selftests/net/tls.c is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#ifndef SOL_TCP
#define SOL_TCP		6
#endif
#define SA_TCP_MAXSEG	2
#define SA_TCP_SYNCNT	7
#define SA_TCP_LINGER2	8
#define SA_TCP_DEFER_ACCEPT	9
#define SA_TCP_WINDOW_CLAMP	10
#define SA_TCP_INFO	11
#define SA_TCP_QUICKACK	12
#define SA_TCP_USER_TIMEOUT	18
#define SA_TCP_NOTSENT_LOWAT	25
#define SA_TCP_INQ	36	/* and TCP_CM_INQ */
#define SA_AF_KTCP	23	/* AF_KTCP_DEFAULT */
#define SA_XFER		(1 << 20)
#define SA_WAIT_MS	10000	/* every wait is bounded by this */

/* Linux 6.12's include/uapi/linux/tcp.h struct tcp_info (libc's is older). */
struct sa_tcp_info {
	__u8	tcpi_state;
	__u8	tcpi_ca_state;
	__u8	tcpi_retransmits;
	__u8	tcpi_probes;
	__u8	tcpi_backoff;
	__u8	tcpi_options;
	__u8	tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	__u8	tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2;
	__u32	tcpi_rto;
	__u32	tcpi_ato;
	__u32	tcpi_snd_mss;
	__u32	tcpi_rcv_mss;
	__u32	tcpi_unacked;
	__u32	tcpi_sacked;
	__u32	tcpi_lost;
	__u32	tcpi_retrans;
	__u32	tcpi_fackets;
	__u32	tcpi_last_data_sent;
	__u32	tcpi_last_ack_sent;
	__u32	tcpi_last_data_recv;
	__u32	tcpi_last_ack_recv;
	__u32	tcpi_pmtu;
	__u32	tcpi_rcv_ssthresh;
	__u32	tcpi_rtt;
	__u32	tcpi_rttvar;
	__u32	tcpi_snd_ssthresh;
	__u32	tcpi_snd_cwnd;
	__u32	tcpi_advmss;
	__u32	tcpi_reordering;
	__u32	tcpi_rcv_rtt;
	__u32	tcpi_rcv_space;
	__u32	tcpi_total_retrans;
	__u64	tcpi_pacing_rate;
	__u64	tcpi_max_pacing_rate;
	__u64	tcpi_bytes_acked;
	__u64	tcpi_bytes_received;
	__u32	tcpi_segs_out;
	__u32	tcpi_segs_in;
	__u32	tcpi_notsent_bytes;
	__u32	tcpi_min_rtt;
	__u32	tcpi_data_segs_in;
	__u32	tcpi_data_segs_out;
	__u64	tcpi_delivery_rate;
	__u64	tcpi_busy_time;
	__u64	tcpi_rwnd_limited;
	__u64	tcpi_sndbuf_limited;
	__u32	tcpi_delivered;
	__u32	tcpi_delivered_ce;
	__u64	tcpi_bytes_sent;
	__u64	tcpi_bytes_retrans;
	__u32	tcpi_dsack_dups;
	__u32	tcpi_reord_seen;
	__u32	tcpi_rcv_ooopack;
	__u32	tcpi_snd_wnd;
	__u32	tcpi_rcv_wnd;
	__u32	tcpi_rehash;
	__u16	tcpi_total_rto;
	__u16	tcpi_total_rto_recoveries;
	__u32	tcpi_total_rto_time;
};

#define SA_TCP_ESTABLISHED	1
#define SA_TCP_LISTEN		10
#define SA_TCP_CLOSE		7

/* The family ktcp registered, or its default if the parameter is absent. */
static int sa_ktcp_family(void)
{
	FILE *f = fopen("/sys/module/ktcp/parameters/family", "r");
	int fam = SA_AF_KTCP;

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = SA_AF_KTCP;
		fclose(f);
	}
	return fam;
}

/* A netns of our own with lo up: counters start at 0, ports are free. */
static void sa_netns(struct __test_metadata *_metadata)
{
	struct ifreq ifr = {};
	int fd;

	ASSERT_EQ(0, unshare(CLONE_NEWNET)) TH_LOG("unshare: %s", strerror(errno));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, fd);
	strcpy(ifr.ifr_name, "lo");
	ASSERT_EQ(0, ioctl(fd, SIOCGIFFLAGS, &ifr));
	ifr.ifr_flags |= IFF_UP;
	ASSERT_EQ(0, ioctl(fd, SIOCSIFFLAGS, &ifr));
	close(fd);
}

static int sa_socket(struct __test_metadata *_metadata, int family)
{
	struct timeval tv = { .tv_sec = SA_WAIT_MS / 1000 };
	int fd = socket(family, SOCK_STREAM, 0);

	ASSERT_LE(0, fd) TH_LOG("socket(%d): %s", family, strerror(errno));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	return fd;
}

static struct sockaddr_in sa_addr(unsigned short port)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	return a;
}

/* A listener of @family on 127.0.0.1, port returned in *@port. */
static int sa_listen(struct __test_metadata *_metadata, int family,
		     int backlog, unsigned short *port)
{
	struct sockaddr_in a = sa_addr(0);
	socklen_t len = sizeof(a);
	int fd = sa_socket(_metadata, family);

	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(fd, backlog));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)&a, &len));
	*port = ntohs(a.sin_port);
	return fd;
}

static int sa_connect(struct __test_metadata *_metadata, int family,
		      unsigned short port)
{
	struct sockaddr_in a = sa_addr(port);
	int fd = sa_socket(_metadata, family);

	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&a, sizeof(a)))
		TH_LOG("connect: %s", strerror(errno));
	return fd;
}

/* A connected pair of @family: *@cli connected, *@srv accepted. */
static void sa_pair(struct __test_metadata *_metadata, int family, int *cli,
		    int *srv)
{
	unsigned short port;
	int lfd = sa_listen(_metadata, family, 8, &port);
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	*cli = sa_connect(_metadata, family, port);
	ASSERT_EQ(1, poll(&p, 1, SA_WAIT_MS));
	*srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, *srv) TH_LOG("accept: %s", strerror(errno));
	close(lfd);
}

static void sa_info(struct __test_metadata *_metadata, int fd,
		    struct sa_tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, SA_TCP_INFO, ti, &len))
		TH_LOG("TCP_INFO: %s", strerror(errno));
	ASSERT_EQ(sizeof(*ti), len);
}

/* Move @n bytes from @tx to @rx, reading as they come. */
static void sa_xfer(struct __test_metadata *_metadata, int tx, int rx, size_t n)
{
	static char buf[65536];
	size_t sent = 0, got = 0;
	ssize_t r;

	memset(buf, 'k', sizeof(buf));
	while (got < n) {
		struct pollfd p[2] = {
			{ .fd = tx, .events = sent < n ? POLLOUT : 0 },
			{ .fd = rx, .events = POLLIN },
		};

		ASSERT_LT(0, poll(p, 2, SA_WAIT_MS)) TH_LOG("transfer stalled");
		if (p[0].revents & POLLOUT) {
			r = send(tx, buf, n - sent < sizeof(buf) ? n - sent :
				 sizeof(buf), MSG_DONTWAIT);
			ASSERT_LT(0, r) TH_LOG("send: %s", strerror(errno));
			sent += r;
		}
		if (p[1].revents & POLLIN) {
			r = recv(rx, buf, sizeof(buf), MSG_DONTWAIT);
			ASSERT_LT(0, r) TH_LOG("recv: %s", strerror(errno));
			got += r;
		}
	}
	ASSERT_EQ(n, got);
}

/* Until everything @fd sent is acked (bounded). */
static void sa_wait_acked(struct __test_metadata *_metadata, int fd)
{
	struct sa_tcp_info ti;
	int i;

	for (i = 0; i < SA_WAIT_MS / 10; i++) {
		sa_info(_metadata, fd, &ti);
		if (!ti.tcpi_unacked && !ti.tcpi_notsent_bytes)
			return;
		usleep(10000);
	}
	ASSERT_EQ(0, ti.tcpi_unacked) TH_LOG("data not acked in time");
}

/* RetransSegs of /proc/net/ktcp_snmp in this namespace. */
static long sa_ktcp_retrans(struct __test_metadata *_metadata)
{
	FILE *f = fopen("/proc/net/ktcp_snmp", "r");
	char name[64];
	long v, ret = -1;

	ASSERT_NE(NULL, f) TH_LOG("/proc/net/ktcp_snmp: %s", strerror(errno));
	while (fscanf(f, "%63s %ld", name, &v) == 2)
		if (!strcmp(name, "RetransSegs"))
			ret = v;
	fclose(f);
	ASSERT_LE(0, ret) TH_LOG("no RetransSegs");
	return ret;
}

/* getsockopt(SOL_TCP, @opt) as an int, asserting success. */
static int sa_get(struct __test_metadata *_metadata, int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, opt, &v, &len))
		TH_LOG("getsockopt(%d): %s", opt, strerror(errno));
	ASSERT_EQ(sizeof(int), len);
	return v;
}

/* setsockopt(SOL_TCP, @opt, @v): 0 or the errno. */
static int sa_set(int fd, int opt, int v)
{
	return setsockopt(fd, SOL_TCP, opt, &v, sizeof(v)) ? errno : 0;
}

FIXTURE(sockapi)
{
	int family;
};

FIXTURE_VARIANT(sockapi)
{
	bool native;
};

FIXTURE_VARIANT_ADD(sockapi, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(sockapi, native) { .native = true };

FIXTURE_SETUP(sockapi)
{
	sa_netns(_metadata);
	self->family = variant->native ? AF_INET : sa_ktcp_family();
}

FIXTURE_TEARDOWN(sockapi)
{
}

/* TCP_INFO copies min(len, sizeof) bytes and says how many; len < 0 fails. */
TEST_F(sockapi, tcp_info_len)
{
	unsigned char big[sizeof(struct sa_tcp_info) + 32];
	struct sa_tcp_info ti;
	socklen_t len;
	int fd = sa_socket(_metadata, self->family);

	len = sizeof(big);
	memset(big, 0xa5, sizeof(big));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, SA_TCP_INFO, big, &len));
	EXPECT_EQ(sizeof(struct sa_tcp_info), len);
	EXPECT_EQ(0xa5, big[sizeof(struct sa_tcp_info)]);
	memcpy(&ti, big, sizeof(ti));
	EXPECT_EQ(SA_TCP_CLOSE, ti.tcpi_state);
	EXPECT_EQ(0, ti.tcpi_bytes_acked);
	EXPECT_EQ(0, ti.tcpi_total_retrans);
	EXPECT_EQ(0xffffffffU, ti.tcpi_min_rtt);	/* no sample yet */

	len = 1;
	memset(big, 0xa5, sizeof(big));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, SA_TCP_INFO, big, &len));
	EXPECT_EQ(1, len);
	EXPECT_EQ(SA_TCP_CLOSE, big[0]);
	EXPECT_EQ(0xa5, big[1]);

	len = 0;
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, SA_TCP_INFO, big, &len));
	EXPECT_EQ(0, len);

	len = -1;
	EXPECT_EQ(-1, getsockopt(fd, SOL_TCP, SA_TCP_INFO, big, &len));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

/* A listener: tcpi_unacked is the accept queue, tcpi_sacked the backlog. */
TEST_F(sockapi, tcp_info_listener)
{
	struct sa_tcp_info ti;
	unsigned short port;
	int lfd = sa_listen(_metadata, self->family, 5, &port);
	int c1, c2, i;

	sa_info(_metadata, lfd, &ti);
	EXPECT_EQ(SA_TCP_LISTEN, ti.tcpi_state);
	EXPECT_EQ(0, ti.tcpi_unacked);
	EXPECT_EQ(5, ti.tcpi_sacked);
	EXPECT_EQ(3, ti.tcpi_reordering);
	EXPECT_EQ(10, ti.tcpi_snd_cwnd);

	c1 = sa_connect(_metadata, self->family, port);
	c2 = sa_connect(_metadata, self->family, port);
	for (i = 0; i < SA_WAIT_MS / 10; i++) {
		sa_info(_metadata, lfd, &ti);
		if (ti.tcpi_unacked == 2)
			break;
		usleep(10000);
	}
	EXPECT_EQ(2, ti.tcpi_unacked);
	EXPECT_EQ(5, ti.tcpi_sacked);
	close(c1);
	close(c2);
	close(lfd);
}

/* The options both ends agreed, on native TCP over lo, for reference. */
static void sa_native_info(struct __test_metadata *_metadata,
			   struct sa_tcp_info *ti)
{
	int c, s;

	sa_pair(_metadata, AF_INET, &c, &s);
	sa_info(_metadata, c, ti);
	close(c);
	close(s);
}

/*
 * The pacing rate after a transfer, as tcp_update_pacing_rate() sets it
 * on the last ACK: 200% of cwnd * MSS / SRTT in slow start (cwnd below
 * half of ssthresh), 120% after, from what TCP_INFO shows of those. The
 * only tolerance is TCP_INFO's: tcpi_rtt is SRTT truncated to a whole
 * microsecond, so the SRTT the rate was computed from lies in
 * [tcpi_rtt, tcpi_rtt + 1).
 */
static void sa_check_pacing(struct __test_metadata *_metadata,
			    const struct sa_tcp_info *ti)
{
	double ratio = ti->tcpi_snd_cwnd < ti->tcpi_snd_ssthresh / 2 ? 2.0 : 1.2;
	double bytes = ratio * ti->tcpi_snd_cwnd * ti->tcpi_snd_mss * 1e6;
	double rate = (double)ti->tcpi_pacing_rate;

	ASSERT_LT(0, ti->tcpi_rtt);
	EXPECT_EQ(~0ULL, ti->tcpi_max_pacing_rate);
	EXPECT_TRUE(rate >= bytes / (ti->tcpi_rtt + 1) - 1 &&
		    rate <= bytes / ti->tcpi_rtt + 1)
		TH_LOG("pacing rate %llu, want %.0f..%.0f (cwnd %u ssthresh %u mss %u srtt %u us)",
		       (unsigned long long)ti->tcpi_pacing_rate,
		       bytes / (ti->tcpi_rtt + 1), bytes / ti->tcpi_rtt,
		       ti->tcpi_snd_cwnd, ti->tcpi_snd_ssthresh,
		       ti->tcpi_snd_mss, ti->tcpi_rtt);
}

/* After N bytes: counters at least N, states and options as native's. */
TEST_F(sockapi, tcp_info_transfer)
{
	struct sa_tcp_info tc, ts, ref;
	long retrans0 = 0;
	int c, s;

	if (!variant->native)
		retrans0 = sa_ktcp_retrans(_metadata);
	sa_pair(_metadata, self->family, &c, &s);
	sa_xfer(_metadata, c, s, SA_XFER);
	sa_wait_acked(_metadata, c);
	sa_info(_metadata, c, &tc);
	sa_info(_metadata, s, &ts);
	sa_native_info(_metadata, &ref);

	EXPECT_EQ(SA_TCP_ESTABLISHED, tc.tcpi_state);
	EXPECT_EQ(SA_TCP_ESTABLISHED, ts.tcpi_state);
	EXPECT_EQ(0, tc.tcpi_ca_state);
	EXPECT_EQ(ref.tcpi_options, tc.tcpi_options);
	EXPECT_EQ(ref.tcpi_options, ts.tcpi_options);
	EXPECT_EQ(ref.tcpi_snd_wscale != 0, tc.tcpi_snd_wscale != 0);
	EXPECT_LE(SA_XFER, tc.tcpi_bytes_acked);
	EXPECT_GE(SA_XFER + 1, tc.tcpi_bytes_acked);
	EXPECT_LE(SA_XFER, tc.tcpi_bytes_sent);
	EXPECT_LE(SA_XFER, ts.tcpi_bytes_received);
	EXPECT_GE(SA_XFER + 1, ts.tcpi_bytes_received);
	EXPECT_LT(0, tc.tcpi_segs_out);
	EXPECT_LT(0, tc.tcpi_data_segs_out);
	EXPECT_LE(tc.tcpi_data_segs_out, tc.tcpi_segs_out);
	EXPECT_LT(0, ts.tcpi_segs_in);
	EXPECT_LT(0, ts.tcpi_data_segs_in);
	EXPECT_LE(ts.tcpi_data_segs_in, ts.tcpi_segs_in);
	EXPECT_EQ(0, tc.tcpi_unacked);
	EXPECT_EQ(0, tc.tcpi_notsent_bytes);
	EXPECT_LT(0, tc.tcpi_snd_mss);
	EXPECT_LT(0, tc.tcpi_rcv_mss);
	EXPECT_LT(0, tc.tcpi_advmss);
	EXPECT_LT(0, tc.tcpi_rtt);
	EXPECT_LT(0, tc.tcpi_min_rtt);
	EXPECT_GE(tc.tcpi_rtt + 1, tc.tcpi_min_rtt);
	EXPECT_LE(200000, tc.tcpi_rto);
	EXPECT_LT(0, tc.tcpi_snd_cwnd);
	EXPECT_EQ(ref.tcpi_pmtu, tc.tcpi_pmtu);
	EXPECT_LT(0, tc.tcpi_snd_wnd);
	EXPECT_LT(0, ts.tcpi_rcv_wnd);
	EXPECT_GT(SA_WAIT_MS, ts.tcpi_last_data_recv);
	EXPECT_GT(SA_WAIT_MS, tc.tcpi_last_data_sent);
	EXPECT_GT(SA_WAIT_MS, tc.tcpi_last_ack_recv);
	EXPECT_EQ(tc.tcpi_bytes_retrans ? 1 : 0, tc.tcpi_total_retrans ? 1 : 0);
	sa_check_pacing(_metadata, &tc);
	if (!variant->native)	/* a loss-free run over lo: RetransSegs' change */
		EXPECT_EQ(sa_ktcp_retrans(_metadata) - retrans0,
			  (long)(tc.tcpi_total_retrans + ts.tcpi_total_retrans));
	close(c);
	close(s);
}

/* TCP_MAXSEG: Linux's range, read back before connect, clamps both ends. */
TEST_F(sockapi, maxseg)
{
	unsigned short port;
	int fd = sa_socket(_metadata, self->family);
	int lfd, c, s;
	short small = 1000;

	EXPECT_EQ(536, sa_get(_metadata, fd, SA_TCP_MAXSEG));
	EXPECT_EQ(EINVAL, sa_set(fd, SA_TCP_MAXSEG, 87));
	EXPECT_EQ(EINVAL, sa_set(fd, SA_TCP_MAXSEG, 32768));
	EXPECT_EQ(EINVAL, sa_set(fd, SA_TCP_MAXSEG, -1));
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, SA_TCP_MAXSEG, &small,
				 sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, sa_set(fd, SA_TCP_MAXSEG, 88));
	EXPECT_EQ(88, sa_get(_metadata, fd, SA_TCP_MAXSEG));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_MAXSEG, 32767));
	EXPECT_EQ(32767, sa_get(_metadata, fd, SA_TCP_MAXSEG));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_MAXSEG, 0));
	EXPECT_EQ(536, sa_get(_metadata, fd, SA_TCP_MAXSEG));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_MAXSEG, 1000));
	EXPECT_EQ(1000, sa_get(_metadata, fd, SA_TCP_MAXSEG));
	close(fd);

	/* The client announces 1000: both ends send 1000 - 12 (timestamps). */
	lfd = sa_listen(_metadata, self->family, 4, &port);
	c = sa_socket(_metadata, self->family);
	ASSERT_EQ(0, sa_set(c, SA_TCP_MAXSEG, 1000));
	{
		struct sockaddr_in a = sa_addr(port);

		ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)));
	}
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(988, sa_get(_metadata, c, SA_TCP_MAXSEG));
	EXPECT_EQ(988, sa_get(_metadata, s, SA_TCP_MAXSEG));
	close(c);
	close(s);
	close(lfd);

	/* A listener's 600 goes to its SYN-ACK and its children. */
	{
		struct sockaddr_in a = sa_addr(0);
		socklen_t len = sizeof(a);

		lfd = sa_socket(_metadata, self->family);
		ASSERT_EQ(0, sa_set(lfd, SA_TCP_MAXSEG, 600));
		ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
		ASSERT_EQ(0, listen(lfd, 4));
		ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &len));
		port = ntohs(a.sin_port);
	}
	EXPECT_EQ(600, sa_get(_metadata, lfd, SA_TCP_MAXSEG));
	c = sa_connect(_metadata, self->family, port);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(588, sa_get(_metadata, c, SA_TCP_MAXSEG));
	EXPECT_EQ(588, sa_get(_metadata, s, SA_TCP_MAXSEG));
	close(c);
	close(s);
	close(lfd);
}

static double sa_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * TCP_SYNCNT: 1 to 127, 6 by default; with 1, a connect() whose SYNs are
 * dropped (a native listener with a full accept queue) times out after the
 * SYN and one retransmission (1 s + 2 s), not the default 127 s.
 */
TEST_F(sockapi, syncnt)
{
	struct sockaddr_in a;
	unsigned short port;
	int fd = sa_socket(_metadata, self->family);
	int lfd, c1, c2, ret;
	double t0, dt;

	EXPECT_EQ(6, sa_get(_metadata, fd, SA_TCP_SYNCNT));
	EXPECT_EQ(EINVAL, sa_set(fd, SA_TCP_SYNCNT, 0));
	EXPECT_EQ(EINVAL, sa_set(fd, SA_TCP_SYNCNT, 128));
	EXPECT_EQ(EINVAL, sa_set(fd, SA_TCP_SYNCNT, -1));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_SYNCNT, 127));
	EXPECT_EQ(127, sa_get(_metadata, fd, SA_TCP_SYNCNT));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_SYNCNT, 1));
	EXPECT_EQ(1, sa_get(_metadata, fd, SA_TCP_SYNCNT));
	close(fd);

	lfd = sa_listen(_metadata, AF_INET, 0, &port);
	c1 = sa_connect(_metadata, AF_INET, port);	/* fills the queue */
	c2 = sa_socket(_metadata, self->family);
	ASSERT_EQ(0, sa_set(c2, SA_TCP_SYNCNT, 1));
	a = sa_addr(port);
	t0 = sa_now();
	ret = connect(c2, (struct sockaddr *)&a, sizeof(a));
	dt = sa_now() - t0;
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(2.5, dt);
	EXPECT_GE(7.0, dt);
	close(c2);
	close(c1);
	close(lfd);
}

/* The state in /proc/net/tcp or /proc/net/ktcp of local port @port, or -1. */
static int sa_proc_state(bool native, unsigned short port)
{
	FILE *f = fopen(native ? "/proc/net/tcp" : "/proc/net/ktcp", "r");
	unsigned int lport, st;
	char line[512];
	int ret = -1;

	if (!f)
		return -2;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%*x %x", &lport, &st) == 2 &&
		    lport == port)
			ret = st;
	fclose(f);
	return ret;
}

static unsigned short sa_local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sin_port);
}

/* Until TCP_INFO says @fd is in @state (bounded). */
static void sa_wait_state(struct __test_metadata *_metadata, int fd, int state)
{
	struct sa_tcp_info ti;
	int i;

	for (i = 0; i < SA_WAIT_MS / 10; i++) {
		sa_info(_metadata, fd, &ti);
		if (ti.tcpi_state == state)
			return;
		usleep(10000);
	}
	ASSERT_EQ(state, ti.tcpi_state);
}

/*
 * TCP_LINGER2: seconds an orphan stays in FIN_WAIT_2, capped at 120, read
 * back as the sysctl's 60 when 0; negative: -1, and close() in FIN_WAIT_2
 * resets the connection at once (TCPAbortOnLinger). Above Linux's 60 s
 * TIME_WAIT the orphan waits 2 * (its value - 60 s), as Linux does.
 */
static void sa_linger2_orphan(struct __test_metadata *_metadata,
			      FIXTURE_DATA(sockapi) *self,
			      const FIXTURE_VARIANT(sockapi) *variant,
			      int secs, double lo, double hi)
{
	unsigned short port;
	double t0, dt;
	int c, s;

	sa_pair(_metadata, self->family, &c, &s);
	port = sa_local_port(c);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	sa_wait_state(_metadata, c, 5);
	ASSERT_EQ(0, sa_set(c, SA_TCP_LINGER2, secs));
	t0 = sa_now();
	close(c);
	EXPECT_EQ(5, sa_proc_state(variant->native, port));
	while (sa_proc_state(variant->native, port) == 5 &&
	       sa_now() - t0 < SA_WAIT_MS / 1000)
		usleep(20000);
	dt = sa_now() - t0;
	EXPECT_EQ(-1, sa_proc_state(variant->native, port))
		TH_LOG("TCP_LINGER2 %d: still FIN_WAIT_2 after %.1f s", secs,
		       dt);
	EXPECT_LE(lo, dt) TH_LOG("TCP_LINGER2 %d: %.1f s", secs, dt);
	EXPECT_GE(hi, dt) TH_LOG("TCP_LINGER2 %d: %.1f s", secs, dt);
	close(s);
}

TEST_F(sockapi, linger2)
{
	int fd = sa_socket(_metadata, self->family);
	unsigned short port;
	long long aborts;
	short small = 5;
	int c, s;

	EXPECT_EQ(60, sa_get(_metadata, fd, SA_TCP_LINGER2));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_LINGER2, -5));
	EXPECT_EQ(-1, sa_get(_metadata, fd, SA_TCP_LINGER2));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_LINGER2, 200));
	EXPECT_EQ(120, sa_get(_metadata, fd, SA_TCP_LINGER2));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_LINGER2, 30));
	EXPECT_EQ(30, sa_get(_metadata, fd, SA_TCP_LINGER2));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_LINGER2, 0));
	EXPECT_EQ(60, sa_get(_metadata, fd, SA_TCP_LINGER2));
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, SA_TCP_LINGER2, &small,
				 sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	/* -1: close() in FIN_WAIT_2 sends RST, the peer goes to CLOSE. */
	sa_pair(_metadata, self->family, &c, &s);
	port = sa_local_port(c);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	sa_wait_state(_metadata, c, 5);			/* FIN_WAIT2 */
	ASSERT_EQ(0, sa_set(c, SA_TCP_LINGER2, -1));
	aborts = ktcp_counter(self->family, "TCPAbortOnLinger");
	close(c);
	EXPECT_EQ(-1, sa_proc_state(variant->native, port));
	EXPECT_EQ(aborts + 1, ktcp_counter(self->family, "TCPAbortOnLinger"));
	sa_wait_state(_metadata, s, SA_TCP_CLOSE);
	close(s);

	/* 1: about 1 s, not 60; 61: 2 * (61 - 60) s, not 61 */
	sa_linger2_orphan(_metadata, self, variant, 1, 0.5, 5.0);
	sa_linger2_orphan(_metadata, self, variant, 61, 1.5, 8.0);
}

/* TCP_QUICKACK reads back 1 unless set to 0 (Linux's pingpong mode). */
TEST_F(sockapi, quickack)
{
	int fd = sa_socket(_metadata, self->family);
	short small = 1;
	int c, s;

	EXPECT_EQ(1, sa_get(_metadata, fd, SA_TCP_QUICKACK));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_QUICKACK, 0));
	EXPECT_EQ(0, sa_get(_metadata, fd, SA_TCP_QUICKACK));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_QUICKACK, 1));
	EXPECT_EQ(1, sa_get(_metadata, fd, SA_TCP_QUICKACK));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_QUICKACK, 2));	/* nothing owed */
	EXPECT_EQ(1, sa_get(_metadata, fd, SA_TCP_QUICKACK));
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, SA_TCP_QUICKACK, &small,
				 sizeof(small)));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	sa_pair(_metadata, self->family, &c, &s);
	EXPECT_EQ(1, sa_get(_metadata, s, SA_TCP_QUICKACK));
	EXPECT_EQ(0, sa_set(s, SA_TCP_QUICKACK, 0));
	EXPECT_EQ(0, sa_get(_metadata, s, SA_TCP_QUICKACK));
	sa_xfer(_metadata, c, s, 100000);	/* delayed ACKs only: still moves */
	EXPECT_EQ(0, sa_set(s, SA_TCP_QUICKACK, 1));
	EXPECT_EQ(1, sa_get(_metadata, s, SA_TCP_QUICKACK));
	sa_xfer(_metadata, c, s, 100000);
	close(c);
	close(s);
}

/* recv() of up to @len bytes; the TCP_CM_INQ value in *@inq, or -1. */
static ssize_t sa_recv_inq(int fd, size_t len, int *inq)
{
	char buf[4096], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t r;

	*inq = -1;
	r = recvmsg(fd, &m, 0);
	for (cm = CMSG_FIRSTHDR(&m); r >= 0 && cm; cm = CMSG_NXTHDR(&m, cm))
		if (cm->cmsg_level == SOL_TCP && cm->cmsg_type == SA_TCP_INQ)
			memcpy(inq, CMSG_DATA(cm), sizeof(*inq));
	return r;
}

/* Until SIOCINQ on @fd says @n (bounded). */
static void sa_wait_inq(struct __test_metadata *_metadata, int fd, int n)
{
	int i, v = -1;

	for (i = 0; i < SA_WAIT_MS / 10; i++) {
		ASSERT_EQ(0, ioctl(fd, FIONREAD, &v));
		if (v == n)
			return;
		usleep(10000);
	}
	ASSERT_EQ(n, v);
}

/* TCP_INQ: 0 or 1; with 1, recvmsg() says what is left (EOF counts 1). */
TEST_F(sockapi, inq)
{
	char buf[1000];
	int c, s, inq;

	sa_pair(_metadata, self->family, &c, &s);
	EXPECT_EQ(0, sa_get(_metadata, s, SA_TCP_INQ));
	EXPECT_EQ(EINVAL, sa_set(s, SA_TCP_INQ, 2));
	EXPECT_EQ(EINVAL, sa_set(s, SA_TCP_INQ, -1));
	EXPECT_EQ(0, sa_get(_metadata, s, SA_TCP_INQ));

	memset(buf, 'i', sizeof(buf));
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	sa_wait_inq(_metadata, s, sizeof(buf));
	EXPECT_EQ(100, sa_recv_inq(s, 100, &inq));
	EXPECT_EQ(-1, inq);				/* off: no cmsg */

	EXPECT_EQ(0, sa_set(s, SA_TCP_INQ, 1));
	EXPECT_EQ(1, sa_get(_metadata, s, SA_TCP_INQ));
	EXPECT_EQ(300, sa_recv_inq(s, 300, &inq));
	EXPECT_EQ(600, inq);
	EXPECT_EQ(600, sa_recv_inq(s, 600, &inq));
	EXPECT_EQ(0, inq);

	close(c);
	EXPECT_EQ(0, sa_recv_inq(s, 100, &inq));	/* EOF, bounded */
	EXPECT_EQ(1, inq);
	close(s);
}

/* Send without blocking until EAGAIN (bounded); bytes sent. */
static size_t sa_fill(struct __test_metadata *_metadata, int fd)
{
	static char buf[16384];
	size_t sent = 0;
	double t0 = sa_now();
	ssize_t r;

	while (sa_now() - t0 < SA_WAIT_MS / 1000) {
		r = send(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0) {
			if (errno != EAGAIN)
				break;
			usleep(50000);	/* let ACKs in: then EAGAIN is final */
			r = send(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0)
				break;
		}
		sent += r;
	}
	EXPECT_EQ(EAGAIN, errno);
	return sent;
}

/*
 * TCP_NOTSENT_LOWAT: any value reads back; with 10000 set, sendmsg() stops
 * and poll() withholds POLLOUT while 10000 or more bytes are unsent, and
 * says POLLOUT again only once fewer are.
 */
TEST_F(sockapi, notsent_lowat)
{
	struct pollfd p;
	struct sa_tcp_info ti;
	static char buf[65536];
	double t0;
	int c, s;

	sa_pair(_metadata, self->family, &c, &s);
	EXPECT_EQ(0, sa_get(_metadata, c, SA_TCP_NOTSENT_LOWAT));
	EXPECT_EQ(0, sa_set(c, SA_TCP_NOTSENT_LOWAT, -1));
	EXPECT_EQ(-1, sa_get(_metadata, c, SA_TCP_NOTSENT_LOWAT));
	EXPECT_EQ(0, sa_set(c, SA_TCP_NOTSENT_LOWAT, 10000));
	EXPECT_EQ(10000, sa_get(_metadata, c, SA_TCP_NOTSENT_LOWAT));

	p = (struct pollfd){ .fd = c, .events = POLLOUT };
	EXPECT_EQ(1, poll(&p, 1, 0));
	sa_fill(_metadata, c);
	sa_info(_metadata, c, &ti);
	EXPECT_LE(10000, ti.tcpi_notsent_bytes);
	EXPECT_EQ(0, poll(&p, 1, 100));

	/* The reader drains: POLLOUT comes back with under 10000 unsent. */
	t0 = sa_now();
	for (;;) {
		ASSERT_GT(SA_WAIT_MS / 1000, sa_now() - t0);
		if (poll(&p, 1, 0) == 1)
			break;
		if (recv(s, buf, sizeof(buf), MSG_DONTWAIT) < 0)
			usleep(1000);
	}
	sa_info(_metadata, c, &ti);
	EXPECT_GT(10000, ti.tcpi_notsent_bytes);
	close(c);
	close(s);
}

/*
 * TCP_DEFER_ACCEPT: seconds read back rounded up to SYN-ACK timeouts (1 s
 * doubling); a listener with it set queues a connection for accept() when
 * its first data arrives, or, without data, once its last SYN-ACK is
 * answered.
 */
TEST_F(sockapi, defer_accept)
{
	static const int v[][2] = {
		{ 0, 0 }, { -1, 0 }, { 1, 1 }, { 3, 3 }, { 5, 7 }, { 10, 15 },
	};
	struct pollfd p;
	unsigned short port;
	int fd = sa_socket(_metadata, self->family);
	int lfd, c, s;
	unsigned int i;
	char x = 0;
	double t0, dt;

	EXPECT_EQ(0, sa_get(_metadata, fd, SA_TCP_DEFER_ACCEPT));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		EXPECT_EQ(0, sa_set(fd, SA_TCP_DEFER_ACCEPT, v[i][0]));
		EXPECT_EQ(v[i][1], sa_get(_metadata, fd, SA_TCP_DEFER_ACCEPT));
	}
	close(fd);

	lfd = sa_listen(_metadata, self->family, 4, &port);
	ASSERT_EQ(0, sa_set(lfd, SA_TCP_DEFER_ACCEPT, 1));
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };

	/* Data: accept() is ready when it comes, with the data. */
	c = sa_connect(_metadata, self->family, port);
	EXPECT_EQ(0, poll(&p, 1, 300));
	ASSERT_EQ(1, send(c, "d", 1, 0));
	EXPECT_EQ(1, poll(&p, 1, 2000));
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(1, recv(s, &x, 1, 0));
	EXPECT_EQ('d', x);
	close(s);
	close(c);

	/* No data: ready after the SYN-ACK resent at 1 s is answered. */
	t0 = sa_now();
	c = sa_connect(_metadata, self->family, port);
	EXPECT_EQ(1, poll(&p, 1, 5000));
	dt = sa_now() - t0;
	EXPECT_LE(0.8, dt);
	EXPECT_GE(3.0, dt);
	s = accept(lfd, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(c);
	close(lfd);
}

/* SIOCOUTQNSD: bytes queued and not yet sent; EINVAL on a listener. */
TEST_F(sockapi, outqnsd)
{
	struct sa_tcp_info ti;
	unsigned short port;
	int fd = sa_socket(_metadata, self->family);
	int lfd, c, s, v = -1, outq = -1;

	EXPECT_EQ(0, ioctl(fd, SIOCOUTQNSD, &v));
	EXPECT_EQ(0, v);
	close(fd);
	lfd = sa_listen(_metadata, self->family, 4, &port);
	EXPECT_EQ(-1, ioctl(lfd, SIOCOUTQNSD, &v));
	EXPECT_EQ(EINVAL, errno);
	close(lfd);

	sa_pair(_metadata, self->family, &c, &s);
	ASSERT_EQ(100, send(c, "0123456789012345678901234567890123456789"
			       "0123456789012345678901234567890123456789"
			       "01234567890123456789", 100, 0));
	sa_wait_acked(_metadata, c);
	EXPECT_EQ(0, ioctl(c, SIOCOUTQNSD, &v));
	EXPECT_EQ(0, v);

	sa_fill(_metadata, c);			/* the reader waits */
	ASSERT_EQ(0, ioctl(c, SIOCOUTQNSD, &v));
	ASSERT_EQ(0, ioctl(c, SIOCOUTQ, &outq));
	sa_info(_metadata, c, &ti);
	EXPECT_LT(0, v);
	EXPECT_EQ(ti.tcpi_notsent_bytes, v);
	EXPECT_LE(v, outq);
	close(c);
	close(s);
}

/*
 * recvmsg() flags: MSG_TRUNC discards what it would have copied and says
 * how much (with MSG_PEEK, leaves it); MSG_ERRQUEUE with nothing queued
 * gives EAGAIN.
 */
TEST_F(sockapi, recv_flags)
{
	char buf[1000], in[1000];
	unsigned int i;
	int c, s;

	sa_pair(_metadata, self->family, &c, &s);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i % 251;
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	sa_wait_inq(_metadata, s, sizeof(buf));

	EXPECT_EQ(-1, recv(s, in, sizeof(in), MSG_ERRQUEUE));
	EXPECT_EQ(EAGAIN, errno);

	EXPECT_EQ(300, recv(s, NULL, 300, MSG_TRUNC));
	sa_wait_inq(_metadata, s, 700);
	EXPECT_EQ(700, recv(s, NULL, sizeof(in), MSG_TRUNC | MSG_PEEK));
	sa_wait_inq(_metadata, s, 700);
	EXPECT_EQ(700, recv(s, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(in, buf + 300, 700));
	close(c);
	close(s);
}

/* poll() says POLLIN only once SO_RCVLOWAT bytes are there. */
TEST_F(sockapi, poll_rcvlowat)
{
	char buf[1100] = {};
	struct pollfd p;
	int c, s, lowat = 1000;

	sa_pair(_metadata, self->family, &c, &s);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				sizeof(lowat)));
	p = (struct pollfd){ .fd = s, .events = POLLIN };
	ASSERT_EQ(500, send(c, buf, 500, 0));
	sa_wait_inq(_metadata, s, 500);
	EXPECT_EQ(0, poll(&p, 1, 200));
	ASSERT_EQ(600, send(c, buf, 600, 0));
	EXPECT_EQ(1, poll(&p, 1, SA_WAIT_MS));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_EQ(1100, recv(s, buf, sizeof(buf), 0));

	/* Fewer bytes and then EOF: readable at the FIN. */
	ASSERT_EQ(10, send(c, buf, 10, 0));
	sa_wait_inq(_metadata, s, 10);
	EXPECT_EQ(0, poll(&p, 1, 100));
	close(c);
	EXPECT_EQ(1, poll(&p, 1, SA_WAIT_MS));
	EXPECT_EQ(10, recv(s, buf, sizeof(buf), 0));
	close(s);
}

/*
 * TCP_WINDOW_CLAMP: at least SOCK_MIN_RCVBUF / 2 (1152 on x86_64), 0 only
 * while closed; a listener's clamp caps the window its SYN-ACK offers.
 */
TEST_F(sockapi, window_clamp)
{
	struct sa_tcp_info ti;
	struct sockaddr_in a = sa_addr(0);
	socklen_t len = sizeof(a);
	int fd = sa_socket(_metadata, self->family);
	int lfd, c, s;

	EXPECT_EQ(0, sa_get(_metadata, fd, SA_TCP_WINDOW_CLAMP));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_WINDOW_CLAMP, 0));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_WINDOW_CLAMP, 100));
	EXPECT_EQ(1152, sa_get(_metadata, fd, SA_TCP_WINDOW_CLAMP));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_WINDOW_CLAMP, -1));	/* unsigned */
	EXPECT_EQ(-1, sa_get(_metadata, fd, SA_TCP_WINDOW_CLAMP));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_WINDOW_CLAMP, 20000));
	EXPECT_EQ(20000, sa_get(_metadata, fd, SA_TCP_WINDOW_CLAMP));
	EXPECT_EQ(0, sa_set(fd, SA_TCP_WINDOW_CLAMP, 0));
	EXPECT_EQ(0, sa_get(_metadata, fd, SA_TCP_WINDOW_CLAMP));
	close(fd);

	lfd = sa_socket(_metadata, self->family);
	ASSERT_EQ(0, sa_set(lfd, SA_TCP_WINDOW_CLAMP, 20000));
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 4));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &len));
	c = sa_connect(_metadata, self->family, ntohs(a.sin_port));
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(EINVAL, sa_set(s, SA_TCP_WINDOW_CLAMP, 0));
	sa_info(_metadata, c, &ti);		/* the SYN-ACK's window */
	EXPECT_GE(20000, ti.tcpi_snd_wnd);
	EXPECT_LT(0, ti.tcpi_snd_wnd);
	close(c);
	close(s);
	close(lfd);
}

static int sa_unspec(int fd, socklen_t len)
{
	struct sockaddr_in a = { .sin_family = AF_UNSPEC };

	return connect(fd, (struct sockaddr *)&a, len) ? errno : 0;
}

/*
 * connect(AF_UNSPEC), tcp_disconnect(): 0; a connection is reset (the peer
 * sees ECONNRESET, SO_ERROR says ECONNRESET) and the socket is CLOSE and
 * may connect again, its TCP_INFO counters started afresh; a listener
 * stops listening.
 */
TEST_F(sockapi, disconnect)
{
	struct sa_tcp_info ti;
	unsigned short port;
	socklen_t len = sizeof(int);
	int fd = sa_socket(_metadata, self->family);
	int lfd, c, s, err = -1;
	char buf[16];

	EXPECT_EQ(0, sa_unspec(fd, sizeof(struct sockaddr_in)));
	EXPECT_EQ(EINVAL, sa_unspec(fd, 1));
	close(fd);

	sa_pair(_metadata, self->family, &c, &s);
	sa_xfer(_metadata, c, s, 5000);
	sa_wait_acked(_metadata, c);
	EXPECT_EQ(0, sa_unspec(c, sizeof(struct sockaddr_in)));
	sa_info(_metadata, c, &ti);
	EXPECT_EQ(SA_TCP_CLOSE, ti.tcpi_state);
	EXPECT_EQ(0, ti.tcpi_bytes_acked);
	EXPECT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ECONNRESET, err);
	EXPECT_EQ(-1, recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	close(s);

	/* The same socket connects again. */
	lfd = sa_listen(_metadata, self->family, 4, &port);
	{
		struct sockaddr_in a = sa_addr(port);

		ASSERT_EQ(0, connect(c, (struct sockaddr *)&a, sizeof(a)))
			TH_LOG("reconnect: %s", strerror(errno));
	}
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	sa_xfer(_metadata, c, s, 1000);
	sa_wait_acked(_metadata, c);
	sa_info(_metadata, c, &ti);
	EXPECT_EQ(SA_TCP_ESTABLISHED, ti.tcpi_state);
	EXPECT_LE(1000, ti.tcpi_bytes_acked);
	EXPECT_GE(1001, ti.tcpi_bytes_acked);
	close(c);
	close(s);

	/* A listener stops listening. */
	EXPECT_EQ(0, sa_unspec(lfd, sizeof(struct sockaddr_in)));
	sa_info(_metadata, lfd, &ti);
	EXPECT_EQ(SA_TCP_CLOSE, ti.tcpi_state);
	c = sa_socket(_metadata, self->family);
	{
		struct sockaddr_in a = sa_addr(port);

		EXPECT_EQ(-1, connect(c, (struct sockaddr *)&a, sizeof(a)));
		EXPECT_EQ(ECONNREFUSED, errno);
	}
	close(c);
	close(lfd);
}

/* SO_REUSEPORT: set, read back, cleared; a short option is EINVAL. */
TEST_F(sockapi, reuseport_opt)
{
	int fd = sa_socket(_metadata, self->family), one = 1, zero = 0, v = -1;
	socklen_t len = sizeof(v);
	char c = 1;

	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &len));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
				sizeof(one))) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &len));
	EXPECT_EQ(1, v);
	EXPECT_EQ(-1, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero,
				sizeof(zero)));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &v, &len));
	EXPECT_EQ(0, v);
	/* other SOL_SOCKET options still reach the core */
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one,
				sizeof(one)));
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len));
	EXPECT_EQ(1, v);
	close(fd);
}

/* getsockopt(@level, @opt) as an int, asserting success. */
static int sa_get_lvl(struct __test_metadata *_metadata, int fd, int level,
		      int opt)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	ASSERT_EQ(0, getsockopt(fd, level, opt, &v, &len))
		TH_LOG("getsockopt(%d, %d): %s", level, opt, strerror(errno));
	return v;
}

/* An accepted socket takes the listener's settings (sk_clone_lock()). */
TEST_F(sockapi, accept_inherits)
{
	struct timeval tv = { .tv_sec = 3, .tv_usec = 250000 }, got;
	int one = 1, lowat = 777, prio = 5, mark = 42;
	socklen_t len = sizeof(got);
	unsigned short port;
	int lfd, c, s;

	lfd = sa_listen(_metadata, self->family, 8, &port);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv.tv_sec = 2;
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				sizeof(lowat)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_PRIORITY, &prio,
				sizeof(prio)));
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one,
				sizeof(one)));
	if (!geteuid())
		ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_MARK, &mark,
					sizeof(mark)));
	ASSERT_EQ(0, sa_set(lfd, SA_TCP_USER_TIMEOUT, 4321));
	ASSERT_EQ(0, sa_set(lfd, SA_TCP_NOTSENT_LOWAT, 9999));

	c = sa_connect(_metadata, self->family, port);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len));
	EXPECT_EQ(3, got.tv_sec);
	EXPECT_GE(got.tv_usec, 240000);
	EXPECT_LE(got.tv_usec, 260000);
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &got, &len));
	EXPECT_EQ(2, got.tv_sec);
	EXPECT_GE(got.tv_usec, 240000);
	EXPECT_LE(got.tv_usec, 260000);
	EXPECT_EQ(lowat, sa_get_lvl(_metadata, s, SOL_SOCKET, SO_RCVLOWAT));
	/* sk_clone_lock() sets sk_priority to 0 */
	EXPECT_EQ(0, sa_get_lvl(_metadata, s, SOL_SOCKET, SO_PRIORITY));
	EXPECT_EQ(1, sa_get_lvl(_metadata, s, SOL_SOCKET, SO_REUSEPORT));
	if (!geteuid())
		EXPECT_EQ(mark, sa_get_lvl(_metadata, s, SOL_SOCKET, SO_MARK));
	EXPECT_EQ(4321, sa_get(_metadata, s, SA_TCP_USER_TIMEOUT));
	EXPECT_EQ(9999, sa_get(_metadata, s, SA_TCP_NOTSENT_LOWAT));
	close(s);
	close(c);
	close(lfd);
}

/* A socket of @family bound to 127.0.0.1:@port, SO_REUSEPORT if @rp. */
static int sa_bind_rp(struct __test_metadata *_metadata, int family,
		      unsigned short port, int rp)
{
	struct sockaddr_in a = sa_addr(port);
	int fd = sa_socket(_metadata, family);

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &rp, sizeof(rp)));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/*
 * bind() of an SO_REUSEPORT socket to 127.0.0.1:@port by uid 65534, in a
 * child: 0 or the errno (an exit status over 255 means the child failed).
 */
static int sa_bind_other_uid(int family, unsigned short port)
{
	struct sockaddr_in a = sa_addr(port);
	int status, one = 1, fd;
	pid_t pid = fork();

	if (!pid) {
		if (setresuid(65534, 65534, 65534))
			_exit(255);
		fd = socket(family, SOCK_STREAM, 0);
		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
					 sizeof(one)))
			_exit(254);
		_exit(bind(fd, (struct sockaddr *)&a, sizeof(a)) ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define SA_RP_CONNS	32

/*
 * SO_REUSEPORT: two listeners share a port and split 32 connections by
 * their 4-tuple hash; a socket without the option, or of another uid,
 * cannot bind the port; closing one listener leaves the other accepting.
 */
TEST_F(sockapi, reuseport_group)
{
	int l[2], c[SA_RP_CONNS], got[2] = {}, i, n = 0, s;
	struct sockaddr_in a = sa_addr(0);
	socklen_t len = sizeof(a);
	unsigned short port;

	l[0] = sa_bind_rp(_metadata, self->family, 0, 1);
	ASSERT_LE(0, l[0]);
	ASSERT_EQ(0, getsockname(l[0], (struct sockaddr *)&a, &len));
	port = ntohs(a.sin_port);
	l[1] = sa_bind_rp(_metadata, self->family, port, 1);
	ASSERT_LE(0, l[1]) TH_LOG("second bind: %s", strerror(-l[1]));
	ASSERT_EQ(0, listen(l[0], SA_RP_CONNS));
	ASSERT_EQ(0, listen(l[1], SA_RP_CONNS));
	EXPECT_EQ(-EADDRINUSE, sa_bind_rp(_metadata, self->family, port, 0));
	if (!geteuid())
		EXPECT_EQ(EADDRINUSE, sa_bind_other_uid(self->family, port));

	for (i = 0; i < SA_RP_CONNS; i++)
		c[i] = sa_connect(_metadata, self->family, port);
	while (n < SA_RP_CONNS) {
		struct pollfd p[2] = {
			{ .fd = l[0], .events = POLLIN },
			{ .fd = l[1], .events = POLLIN },
		};

		ASSERT_LT(0, poll(p, 2, SA_WAIT_MS)) TH_LOG("%d accepted", n);
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			s = accept(l[i], NULL, NULL);
			ASSERT_LE(0, s) TH_LOG("accept: %s", strerror(errno));
			close(s);
			got[i]++;
			n++;
		}
	}
	EXPECT_LE(1, got[0]);
	EXPECT_LE(1, got[1]);
	EXPECT_EQ(SA_RP_CONNS, got[0] + got[1]);
	for (i = 0; i < SA_RP_CONNS; i++)
		close(c[i]);

	close(l[0]);
	for (i = 0; i < 4; i++) {
		c[i] = sa_connect(_metadata, self->family, port);
		s = accept(l[1], NULL, NULL);
		ASSERT_LE(0, s) TH_LOG("accept after close: %s", strerror(errno));
		close(s);
		close(c[i]);
	}
	close(l[1]);
}

TEST_HARNESS_MAIN
