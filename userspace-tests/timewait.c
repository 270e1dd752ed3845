// SPDX-License-Identifier: GPL-2.0
/*
 * TIME_WAIT beyond Linux: the per-socket length (KTCP_TIMEWAIT_MS),
 * net.ktcp.tw_reuse against native net.ipv4.tcp_tw_reuse, and clearing
 * TIME_WAIT and FIN_WAIT_1 piles with ktcpstat -K. Each test runs in a
 * fresh netns; the ones with a native equivalent run it in the same boot.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

/* The namespace's TIME_WAIT, long enough that ending early shows. */
#define TW_SYSCTL_MS	30000
/* See close.c: a jiffies-based timer may end this much early on TCG. */
#define TW_SLACK_MS	150

/* An established pair over @ip: *c the client, *s the accepted end. */
static void tw_pair(struct __test_metadata *_metadata, int family,
		    const char *ip, int lfd, uint16_t port, int *c, int *s)
{
	*c = ktcp_connect(_metadata, family, ip, port);
	*s = ktcp_accept(_metadata, lfd);
}

/* Close @first, then its peer @second once the FIN got there. */
static void tw_close_first(struct __test_metadata *_metadata, int first,
			   int second)
{
	ASSERT_EQ(0, close(first));
	ASSERT_EQ(0, ktcp_wait_eof(second, ktcp_ms(KTCP_IO_IDLE_MS)));
	ASSERT_EQ(0, close(second));
}

static int tw_getopt(int fd)
{
	socklen_t len = sizeof(int);
	int v = -2;

	if (getsockopt(fd, SOL_TCP, KTCP_TIMEWAIT_MS, &v, &len))
		return -errno - 1000;
	return v;
}

static int tw_setopt(int fd, int v)
{
	return setsockopt(fd, SOL_TCP, KTCP_TIMEWAIT_MS, &v, sizeof(v)) ?
	       errno : 0;
}

/*
 * KTCP_TIMEWAIT_MS: range, read-back, inheritance, and the connection that
 * set it leaves TIME_WAIT after its own length, not the sysctl's.
 */
TEST(sockopt_length)
{
	const int mine = 1500, lsn = 1000;
	int lfd, c, s, cport, st, n;
	long long t0, gone;
	uint16_t port;

	SKIP_IF_NATIVE("KTCP_TIMEWAIT_MS is ktcp's own");
	ktcp_new_netns(_metadata);
	ktcp_sysctl_set(_metadata, "tw_timeout_ms", TW_SYSCTL_MS);

	/* native TCP has no such option */
	n = native_socket(_metadata);
	EXPECT_EQ(ENOPROTOOPT, tw_setopt(n, 5));
	close(n);

	lfd = ktcp_listener(_metadata, ktcp_family(), "127.0.0.1", 0, 8,
			    &port);
	EXPECT_EQ(TW_SYSCTL_MS, tw_getopt(lfd)) TH_LOG("unset: the sysctl");
	EXPECT_EQ(EINVAL, tw_setopt(lfd, 600001));
	EXPECT_EQ(0, tw_setopt(lfd, 600000));
	EXPECT_EQ(600000, tw_getopt(lfd));
	EXPECT_EQ(0, tw_setopt(lfd, -7));
	EXPECT_EQ(TW_SYSCTL_MS, tw_getopt(lfd)) TH_LOG("negative: the sysctl");
	ASSERT_EQ(0, tw_setopt(lfd, lsn));

	tw_pair(_metadata, ktcp_family(), "127.0.0.1", lfd, port, &c, &s);
	EXPECT_EQ(lsn, tw_getopt(s)) TH_LOG("the child inherits it");
	EXPECT_EQ(TW_SYSCTL_MS, tw_getopt(c));
	ASSERT_EQ(0, tw_setopt(c, mine));
	EXPECT_EQ(mine, tw_getopt(c));
	cport = ktcp_local_port(c);

	t0 = ktcp_now_ms();
	tw_close_first(_metadata, c, s);
	ASSERT_STATE(cport, port, KT_TIME_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client");
	/* well before the sysctl's 30 s: the socket's length governs */
	st = ktcp_wait_state(cport, port, -1, mine + ktcp_ms(10000));
	gone = ktcp_now_ms();
	ASSERT_EQ(-1, st) TH_LOG("still %s %lld ms after close, length %d ms",
				 ktcp_state_name(st), gone - t0, mine);
	EXPECT_LE(mine - TW_SLACK_MS, gone - t0)
		TH_LOG("TIME_WAIT ended after %lld ms, set to %d ms",
		       gone - t0, mine);
	/* the server closed second: it did not wait */
	EXPECT_EQ(0, ktcp_proc_scan(KT_TIME_WAIT, port, cport, NULL));
	close(lfd);
}

TEST_HARNESS_MAIN
