// SPDX-License-Identifier: GPL-2.0
/*
 * What a peer that never reads costs the server, ktcp against native TCP
 * in the same VM: each case runs for the family under test and for
 * AF_INET, in a fresh network namespace, and asserts the same results.
 *
 * The attacker is a native client with the smallest receive buffer that
 * reads nothing: the server fills its window, and the client's kernel
 * answers every window probe with a zero window, for ever.
 * - TCP_USER_TIMEOUT still ends such a connection: the user timeout counts
 *   from the first probe, answered or not (icsk_probes_tstamp).
 * - Orphans over the limit (net.ktcp.max_orphans, Linux's global
 *   tcp_max_orphans) are reset, with TCPAbortOnMemory, so closed sockets
 *   and their send queues cannot pile up.
 * - Connections over net.ktcp.max_tw_buckets (tcp_max_tw_buckets) close
 *   instead of entering TIME_WAIT, with TCPTimeWaitOverflow.
 * Everything stays on the namespace's loopback, bounded in count and time.
 */
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define OR_ADDR		"127.0.0.1"
#define OR_CONNS	5
#define OR_MAX_ORPHANS	2
#define OR_USER_TIMEOUT	1500	/* ms */
#define OR_TW_CONNS	4
#define OR_MAX_TW	2
#define OR_NATIVE_ORPHANS "/proc/sys/net/ipv4/tcp_max_orphans"

FIXTURE(orphans)
{
	int family;
	int orphans_fd;		/* init_net's tcp_max_orphans, kept open */
	long orphans_saved;
	int lfd;
	uint16_t port;
	int cli[OR_CONNS], srv[OR_CONNS];
};

FIXTURE_VARIANT(orphans)
{
	bool native;
};

FIXTURE_VARIANT_ADD(orphans, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(orphans, native) { .native = true };

FIXTURE_SETUP(orphans)
{
	char buf[32] = "";

	/* tcp_max_orphans exists in the initial namespace only. */
	self->orphans_fd = open(OR_NATIVE_ORPHANS, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->orphans_fd) TH_LOG("%s: %s", OR_NATIVE_ORPHANS,
					      strerror(errno));
	ASSERT_LT(0, pread(self->orphans_fd, buf, sizeof(buf) - 1, 0));
	self->orphans_saved = atol(buf);
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 20000);
	self->family = variant->native ? AF_INET : ktcp_family();
	for (int i = 0; i < OR_CONNS; i++)
		self->cli[i] = self->srv[i] = -1;
	self->lfd = ktcp_listener(_metadata, self->family, OR_ADDR, 0,
				  OR_CONNS, &self->port);
}

FIXTURE_TEARDOWN(orphans)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", self->orphans_saved);

	for (int i = 0; i < OR_CONNS; i++) {
		ktcp_abort_fd(&self->cli[i]);
		ktcp_abort_fd(&self->srv[i]);
	}
	close(self->lfd);
	if (pwrite(self->orphans_fd, buf, n, 0) != n)
		TH_LOG("could not restore %s", OR_NATIVE_ORPHANS);
	close(self->orphans_fd);
}

static long long or_count(int family, const char *ktcp_name,
			  const char *native_name)
{
	return ktcp_counter(family, family == AF_INET ? native_name :
						     ktcp_name);
}

/*
 * Connection @i: a native client with the smallest receive buffer, and
 * the server end, filled until a second of writes makes no progress
 * (the client's window is shut, the server's send buffer full).
 */
static void or_open_filled(struct __test_metadata *_metadata,
			   FIXTURE_DATA(orphans) *self, int i)
{
	static char chunk[65536];
	int rcvbuf = 1, idle = 0;
	ssize_t r;

	self->cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->cli[i]);
	ASSERT_EQ(0, setsockopt(self->cli[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	struct sockaddr_in sa = ktcp_sin(OR_ADDR, self->port);

	ASSERT_EQ(0, ktcp_connect_fd(self->cli[i], &sa, ktcp_ms(5000)));
	self->srv[i] = ktcp_accept_fd(self->lfd, ktcp_ms(5000));
	ASSERT_LE(0, self->srv[i]);
	ASSERT_EQ(0, ktcp_set_nonblock(self->srv[i], true));
	while (idle < 10) {
		r = send(self->srv[i], chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (r > 0) {
			idle = 0;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno);
		idle++;
		ktcp_sleep_ms(100);
	}
}

/*
 * TCP_USER_TIMEOUT over window probes the peer answers: the connection
 * ends with ETIMEDOUT after the user timeout, not never (RFC 1122
 * 4.2.2.17 lets a sender probe for ever; the user timeout says not).
 */
TEST_F_TIMEOUT(orphans, user_timeout_probes, 120)
{
	int ut = OR_USER_TIMEOUT, err = 0;
	long long t0, el, ab0;
	socklen_t len = sizeof(err);
	short rev = 0;

	ab0 = or_count(self->family, "AbortOnTimeout", "TCPAbortOnTimeout");
	ASSERT_LE(0, ab0);
	/* Probing starts while the window fills: time from before that. */
	t0 = ktcp_now_ms();
	or_open_filled(_metadata, self, 0);
	ASSERT_EQ(0, setsockopt(self->srv[0], IPPROTO_TCP, TCP_USER_TIMEOUT,
				&ut, sizeof(ut)));
	ASSERT_EQ(1, ktcp_poll1(self->srv[0], POLLERR, ktcp_ms(20000), &rev));
	el = ktcp_now_ms() - t0;
	ASSERT_EQ(0, getsockopt(self->srv[0], SOL_SOCKET, SO_ERROR, &err,
				&len));
	EXPECT_EQ(ETIMEDOUT, err);
	/* From the first probe on, which came after t0. */
	EXPECT_LE(OR_USER_TIMEOUT, el);
	EXPECT_EQ(1, or_count(self->family, "AbortOnTimeout",
			      "TCPAbortOnTimeout") - ab0);
	TH_LOG("ETIMEDOUT %lld ms after the first write", el);
}

/*
 * OR_CONNS filled connections closed by the server one at a time: all but
 * net.ktcp.max_orphans of them are reset, at close() or by their next
 * probe timer. ktcp's orphan count is exact, so exactly that many stay.
 * Linux compares a count refreshed every 100 ms (tcp_orphan_cache): two
 * orphans whose probe timers fire within one refresh may both see one
 * orphan too many, and both be reset. So native TCP keeps between 1 and
 * the limit; on both, every orphan not kept was reset, and counted.
 */
TEST_F_TIMEOUT(orphans, over_limit_reset, 180)
{
	int rows = -1, resets, i;
	long long mem0, end;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", OR_MAX_ORPHANS);

	for (i = 0; i < OR_CONNS; i++)
		or_open_filled(_metadata, self, i);
	if (variant->native) {
		ASSERT_EQ(n, pwrite(self->orphans_fd, buf, n, 0));
	} else {
		ktcp_sysctl_set(_metadata, "max_orphans", OR_MAX_ORPHANS);
	}
	mem0 = or_count(self->family, "TCPAbortOnMemory", "TCPAbortOnMemory");
	ASSERT_LE(0, mem0);
	for (i = 0; i < OR_CONNS; i++) {
		close(self->srv[i]);
		self->srv[i] = -1;
		ktcp_sleep_ms(300);
	}
	end = ktcp_now_ms() + ktcp_ms(15000);
	do {
		rows = ktcp_proc_scan_table(variant->native, KT_FIN_WAIT1,
					    self->port, KT_ANY, NULL);
		if (rows <= OR_MAX_ORPHANS &&
		    or_count(self->family, "TCPAbortOnMemory",
			     "TCPAbortOnMemory") - mem0 == OR_CONNS - rows)
			break;
		ktcp_sleep_ms(100);
	} while (ktcp_now_ms() < end);
	if (variant->native) {
		EXPECT_LE(1, rows);
	} else {
		EXPECT_EQ(OR_MAX_ORPHANS, rows);
	}
	EXPECT_GE(OR_MAX_ORPHANS, rows);
	EXPECT_EQ(OR_CONNS - rows,
		  or_count(self->family, "TCPAbortOnMemory",
			   "TCPAbortOnMemory") - mem0);
	/* The reset clients learn it. */
	for (i = 0, resets = 0; i < OR_CONNS; i++) {
		int err = 0;
		socklen_t len = sizeof(err);

		ASSERT_EQ(0, getsockopt(self->cli[i], SOL_SOCKET, SO_ERROR,
					&err, &len));
		resets += err == ECONNRESET;
	}
	EXPECT_EQ(OR_CONNS - rows, resets);
	TH_LOG("%d orphans kept in FIN_WAIT1, %d reset", rows, resets);
}

/*
 * OR_TW_CONNS connections each end with the server's FIN first
 * (shutdown(), so that no orphan is involved: Linux makes an orphan in
 * FIN_WAIT2 a timewait sock of its own); with room for OR_MAX_TW, the
 * rest close without TIME_WAIT.
 */
TEST_F_TIMEOUT(orphans, time_wait_overflow, 120)
{
	long long ov0;
	int i, rows;
	char c;

	if (variant->native) {
		ASSERT_EQ(0, ktcp_sysctl_path_write(
			"/proc/sys/net/ipv4/tcp_max_tw_buckets", OR_MAX_TW));
	} else {
		ktcp_sysctl_set(_metadata, "max_tw_buckets", OR_MAX_TW);
	}
	ov0 = or_count(self->family, "TCPTimeWaitOverflow",
		       "TCPTimeWaitOverflow");
	ASSERT_LE(0, ov0);
	for (i = 0; i < OR_TW_CONNS; i++) {
		struct sockaddr_in sa = ktcp_sin(OR_ADDR, self->port);

		self->cli[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, self->cli[i]);
		ASSERT_EQ(0, ktcp_connect_fd(self->cli[i], &sa, ktcp_ms(5000)));
		self->srv[i] = ktcp_accept_fd(self->lfd, ktcp_ms(5000));
		ASSERT_LE(0, self->srv[i]);
		ASSERT_EQ(0, shutdown(self->srv[i], SHUT_WR));
		ASSERT_EQ(0, ktcp_set_io_timeouts(self->cli[i], ktcp_ms(5000)));
		ASSERT_EQ(0, recv(self->cli[i], &c, 1, 0));	/* the FIN */
		close(self->cli[i]);
		self->cli[i] = -1;
		/* The server's end took the FIN: TIME_WAIT, or gone. */
		ASSERT_EQ(0, ktcp_wait_rows_table(variant->native,
						  KT_FIN_WAIT2, self->port,
						  KT_ANY, 0, ktcp_ms(5000)));
	}
	rows = ktcp_wait_rows_table(variant->native, KT_TIME_WAIT, self->port,
				    KT_ANY, OR_MAX_TW, ktcp_ms(5000));
	EXPECT_EQ(OR_MAX_TW, rows);
	EXPECT_EQ(OR_TW_CONNS - OR_MAX_TW,
		  or_count(self->family, "TCPTimeWaitOverflow",
			   "TCPTimeWaitOverflow") - ov0);
	TH_LOG("%d in TIME_WAIT", rows);
}

TEST_HARNESS_MAIN
