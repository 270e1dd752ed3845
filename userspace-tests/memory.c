// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp's memory accounting (Linux's tcp_mem, module/mem.c): net.ktcp.mem
 * and /proc/net/ktcp_sockstat, each case in a fresh network namespace.
 *
 * - sockstat: the TCP line's numbers follow the sockets, for ktcp and,
 *   from /proc/net/sockstat, for native TCP in the same VM: inuse, alloc,
 *   orphan and tw as sockets come and go; mem (ktcp only: native TCP's
 *   leaves out the per-CPU reserves) covers what is queued and returns to
 *   where it was once the queues are empty.
 * - pressure: with net.ktcp.mem set small, connections whose reader never
 *   reads while the server writes hold no more than the hard limit and a
 *   bounded overshoot; pressure is entered and counted; a new connection
 *   still works; orphans that the peer keeps alive by answering every
 *   window probe with a zero window die once over the hard limit
 *   (tcp_out_of_resources(), TCPAbortOnMemory); mem returns to 0.
 * net.ktcp.mem exists in the initial namespace only: it is opened before
 * the test enters its own. The limits are compared with a total that each
 * CPU updates in steps of net.core.mem_pcpu_rsv (256 pages at least), as
 * Linux's are; sockstat's mem here counts those reserves too.
 */
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/sysinfo.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define MEM_ADDR	"127.0.0.1"
#define MEM_CONNS	6
#define MEM_SYSCTL	"/proc/sys/net/ktcp/mem"
#define MEM_PCPU_RSV	"/proc/sys/net/core/mem_pcpu_rsv"
#define MEM_PAGE	4096
/*
 * net.ktcp.mem for the pressure case: 768 KiB, 1 MiB and 8 MiB. Above the
 * pressure mark a socket may grow only while below the average share of
 * the hard limit, counted over every socket allocated (__sk_mem_raise_
 * allocated()): MEM_IDLE sockets that hold nothing make that share
 * small, so the connections stop well below the hard limit.
 */
#define MEM_LOW		192
#define MEM_PRESSURE	256
#define MEM_HIGH	2048
#define MEM_IDLE	24
#define MEM_OVERSHOOT	40

struct mem_stat {
	long inuse, orphan, tw, alloc, mem;
};

static int mem_stat_read(bool native, struct mem_stat *st)
{
	FILE *f = fopen(native ? "/proc/net/sockstat" :
				 "/proc/net/ktcp_sockstat", "re");
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %ld orphan %ld tw %ld alloc %ld mem %ld",
			   &st->inuse, &st->orphan, &st->tw, &st->alloc,
			   &st->mem) == 5)
			ret = 0;
	fclose(f);
	return ret;
}

/*
 * Poll until sockstat's @field (an offset in mem_stat) is @want, or with
 * @le at most @want (other namespaces' sockets may still be going).
 */
static long mem_wait(bool native, size_t field, long want, bool le,
		     int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;
	struct mem_stat st;
	long v = -1;

	do {
		if (!mem_stat_read(native, &st)) {
			v = *(long *)((char *)&st + field);
			if (v == want || (le && v < want))
				break;
		}
		ktcp_sleep_ms(50);
	} while (ktcp_now_ms() < end);
	return v;
}

#define MEM_WAIT(native, f, want, ms) \
	mem_wait(native, offsetof(struct mem_stat, f), want, false, ms)
#define MEM_WAIT_LE(native, f, want, ms) \
	mem_wait(native, offsetof(struct mem_stat, f), want, true, ms)

/* Send until @fd (non-blocking) takes nothing for @idle_max tries. */
static long mem_fill(int fd, int idle_max, bool native, long *max_mem)
{
	static char chunk[65536];
	struct mem_stat st;
	long sent = 0;
	int idle = 0;
	ssize_t r;

	while (idle < idle_max) {
		r = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			idle = 0;
		} else {
			if (errno != EAGAIN)
				return -errno;
			idle++;
			ktcp_sleep_ms(50);
		}
		if (max_mem && !mem_stat_read(native, &st) &&
		    st.mem > *max_mem)
			*max_mem = st.mem;
	}
	return sent;
}

static int mem_queued(int fd, unsigned long req)
{
	int n = -1;

	return ioctl(fd, req, &n) ? -1 : n;
}

/* The initial namespace's @path, kept open; its text in @saved. */
static int mem_open_saved(struct __test_metadata *_metadata,
			  const char *path, char *saved, size_t len)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		KTCP_FAIL(_metadata, "%s: %s", path, strerror(errno));
	n = pread(fd, saved, len - 1, 0);
	if (n <= 0)
		KTCP_FAIL(_metadata, "%s: unreadable", path);
	saved[n] = 0;
	return fd;
}

static int mem_write(int fd, const char *text)
{
	ssize_t n = strlen(text);

	return pwrite(fd, text, n, 0) == n ? 0 : -1;
}

FIXTURE(sockstat)
{
	int family;
	bool native;
	int lfd, cfd, sfd;
	uint16_t port;
};

FIXTURE_VARIANT(sockstat)
{
	bool native;
};

FIXTURE_VARIANT_ADD(sockstat, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(sockstat, native) { .native = true };

FIXTURE_SETUP(sockstat)
{
	ktcp_new_netns(_metadata);
	self->native = variant->native;
	self->family = variant->native ? AF_INET : ktcp_family();
	if (!variant->native)
		ktcp_set_tw_timeout(_metadata, 2000);
	self->lfd = self->cfd = self->sfd = -1;
}

FIXTURE_TEARDOWN(sockstat)
{
	ktcp_abort_fd(&self->cfd);
	ktcp_abort_fd(&self->sfd);
	ktcp_abort_fd(&self->lfd);
}

static void mem_pair(struct __test_metadata *_metadata,
		     FIXTURE_DATA(sockstat) *self)
{
	self->cfd = ktcp_connect(_metadata, self->family, MEM_ADDR, self->port);
	self->sfd = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, ktcp_set_nonblock(self->sfd, true));
}

/*
 * Within @ms, alloc comes down to @want: exactly when no earlier test's
 * socket was left (@quiet), else to between 1 and @want (theirs can only
 * go meanwhile).
 */
static void mem_expect_alloc(struct __test_metadata *_metadata, bool nat,
			     bool quiet, long want, int ms)
{
	long a;

	if (quiet) {
		EXPECT_EQ(want, MEM_WAIT(nat, alloc, want, ms));
		return;
	}
	a = MEM_WAIT_LE(nat, alloc, want, ms);
	EXPECT_LE(1, a);
	EXPECT_GE(want, a);
}

/*
 * inuse counts the sockets in the tables, alloc the sockets allocated
 * (a closed connection's TIME_WAIT holds none, on either stack: Linux's
 * timewait sock, ktcp's struct ktcp_tw), orphan the closed connections
 * still sending, tw those in TIME_WAIT;
 * ktcp's mem covers the queues and is back where it was when they empty.
 */
TEST_F_TIMEOUT(sockstat, follows, 120)
{
	bool nat = self->native;
	struct mem_stat s0, s;
	long sent, q;
	char buf[65536];
	bool quiet;

	/*
	 * alloc (and mem) count every namespace's sockets; inuse, orphan and
	 * tw only this one's. Those of the tests before this one go when
	 * their namespaces' cleanup or their timers run, which can lag for
	 * minutes (an orphan retransmitting). Once none is left, alloc is
	 * compared exactly; while some are, they can only go, so alloc is
	 * bounded: at least this test's sockets, at most the baseline plus
	 * them.
	 */
	quiet = !MEM_WAIT(nat, alloc, 0, ktcp_ms(nat ? 2000 : 20000));
	if (!quiet)
		TH_LOG("sockets of earlier tests still allocated: alloc bounded, not compared");
	ASSERT_EQ(0, mem_stat_read(nat, &s0));
	self->lfd = ktcp_listener(_metadata, self->family, MEM_ADDR, 0, 4,
				  &self->port);
	mem_pair(_metadata, self);
	ASSERT_EQ(0, mem_stat_read(nat, &s));
	EXPECT_EQ(s0.inuse + 3, s.inuse);
	if (quiet) {
		EXPECT_EQ(s0.alloc + 3, s.alloc);
	} else {
		EXPECT_LE(3, s.alloc);
		EXPECT_GE(s0.alloc + 3, s.alloc);
	}
	EXPECT_EQ(s0.orphan, s.orphan);

	/* The reader does not read: both ends hold data. */
	sent = mem_fill(self->sfd, 4, nat, NULL);
	ASSERT_LT(0, sent);
	ASSERT_EQ(0, mem_stat_read(nat, &s));
	q = mem_queued(self->sfd, SIOCOUTQ) + mem_queued(self->cfd, SIOCINQ);
	TH_LOG("%ld bytes sent, %ld queued, mem %ld -> %ld pages", sent, q,
	       s0.mem, s.mem);
	if (!nat) {
		EXPECT_LE(s0.mem + q / MEM_PAGE, s.mem);
		/* truesize: at most twice the payload, and a page a socket */
		EXPECT_GE(s0.mem + 2 * q / MEM_PAGE + 2, s.mem);
	}
	/* All read: the queues give their pages back. */
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->cfd, ktcp_ms(5000)));
	while (sent > 0) {
		ssize_t r = recv(self->cfd, buf, sizeof(buf), 0);

		ASSERT_LT(0, r);
		sent -= r;
	}
	if (!nat)
		EXPECT_GE(s0.mem, MEM_WAIT_LE(nat, mem, s0.mem, ktcp_ms(3000)));

	/* Closed with data the reader holds back: an orphan. */
	ASSERT_LT(0, mem_fill(self->sfd, 4, nat, NULL));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(0, mem_stat_read(nat, &s));
	EXPECT_EQ(s0.orphan + 1, s.orphan);
	EXPECT_EQ(s0.inuse + 3, s.inuse);
	/* The reader resets it: gone from every count. */
	ktcp_abort_fd(&self->cfd);
	EXPECT_EQ(s0.orphan, MEM_WAIT(nat, orphan, s0.orphan, ktcp_ms(3000)));
	EXPECT_EQ(s0.inuse + 1, MEM_WAIT(nat, inuse, s0.inuse + 1,
					 ktcp_ms(3000)));
	mem_expect_alloc(_metadata, nat, quiet, s0.alloc + 1, ktcp_ms(3000));

	/* The client closes first: its end waits in TIME_WAIT. */
	mem_pair(_metadata, self);
	close(self->cfd);
	self->cfd = -1;
	ASSERT_EQ(0, ktcp_set_nonblock(self->sfd, false));
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->sfd, ktcp_ms(5000)));
	ASSERT_EQ(0, recv(self->sfd, buf, 1, 0));
	close(self->sfd);
	self->sfd = -1;
	EXPECT_EQ(s0.tw + 1, MEM_WAIT(nat, tw, s0.tw + 1, ktcp_ms(3000)));
	EXPECT_EQ(s0.inuse + 1, MEM_WAIT(nat, inuse, s0.inuse + 1,
					 ktcp_ms(3000)));
	/*
	 * Both ends' sockets are gone while TIME_WAIT lasts (2 s for ktcp
	 * here): only the listener's is left.
	 */
	mem_expect_alloc(_metadata, nat, quiet, s0.alloc + 1, ktcp_ms(1000));
	ASSERT_EQ(0, mem_stat_read(nat, &s));
	EXPECT_EQ(s0.tw + 1, s.tw) TH_LOG("the socket went with TIME_WAIT");
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(s0.inuse, MEM_WAIT(nat, inuse, s0.inuse, ktcp_ms(3000)));
	if (nat)
		return;		/* TIME_WAIT lasts 60 s there */
	/* ktcp's TIME_WAIT (2 s here) ends: all back to where it was. */
	EXPECT_EQ(s0.tw, MEM_WAIT(nat, tw, s0.tw, ktcp_ms(8000)));
	EXPECT_GE(s0.alloc, MEM_WAIT_LE(nat, alloc, s0.alloc, ktcp_ms(3000)));
	EXPECT_GE(s0.mem, MEM_WAIT_LE(nat, mem, s0.mem, ktcp_ms(3000)));
}

FIXTURE(pressure)
{
	int mem_fd;
	char mem_saved[128];
	long slack;		/* pages the per-CPU reserves may hide */
	int lfd;
	uint16_t port;
	int cli[MEM_CONNS + 1], srv[MEM_CONNS + 1];
	int idle[MEM_IDLE];
};

FIXTURE_SETUP(pressure)
{
	self->mem_fd = mem_open_saved(_metadata, MEM_SYSCTL, self->mem_saved,
				      sizeof(self->mem_saved));
	ASSERT_EQ(0, ktcp_sysctl_path_read(MEM_PCPU_RSV, &self->slack));
	self->slack *= get_nprocs_conf();
	ktcp_new_netns(_metadata);
	for (int i = 0; i <= MEM_CONNS; i++)
		self->cli[i] = self->srv[i] = -1;
	for (int i = 0; i < MEM_IDLE; i++)
		self->idle[i] = ktcp_socket(_metadata);
	self->lfd = ktcp_listener(_metadata, ktcp_family(), MEM_ADDR, 0,
				  MEM_CONNS + 1, &self->port);
}

FIXTURE_TEARDOWN(pressure)
{
	for (int i = 0; i <= MEM_CONNS; i++) {
		ktcp_abort_fd(&self->cli[i]);
		ktcp_abort_fd(&self->srv[i]);
	}
	ktcp_abort_fd(&self->lfd);
	for (int i = 0; i < MEM_IDLE; i++)
		close(self->idle[i]);
	if (mem_write(self->mem_fd, self->mem_saved))
		TH_LOG("could not restore %s", MEM_SYSCTL);
	close(self->mem_fd);
}

static void mem_limits(struct __test_metadata *_metadata, int fd, long low,
		       long pressure, long high)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%ld %ld %ld\n", low, pressure, high);
	ASSERT_EQ(0, mem_write(fd, buf));
}

static void mem_open(struct __test_metadata *_metadata,
		     FIXTURE_DATA(pressure) *self, int i)
{
	self->cli[i] = ktcp_connect(_metadata, ktcp_family(), MEM_ADDR,
				    self->port);
	self->srv[i] = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, ktcp_set_nonblock(self->srv[i], true));
}

TEST_F_TIMEOUT(pressure, attackers, 180)
{
	long long pr0, ab0, pc0;
	long max_mem = 0, sent;
	struct mem_stat s0, s;
	char buf[1000] = "x";
	int i, n = MEM_CONNS;

	ASSERT_EQ(0, mem_stat_read(false, &s0));
	mem_limits(_metadata, self->mem_fd, MEM_LOW, MEM_PRESSURE, MEM_HIGH);
	pr0 = ktcp_snmp(_metadata, "TCPMemoryPressures");
	ab0 = ktcp_snmp(_metadata, "TCPAbortOnMemory");
	pc0 = ktcp_snmp(_metadata, "PruneCalled");
	/* Readers that never read: each server writes until refused. */
	for (i = 0; i < n; i++) {
		mem_open(_metadata, self, i);
		sent = mem_fill(self->srv[i], 6, false, &max_mem);
		ASSERT_LE(0, sent);
		TH_LOG("connection %d: %ld bytes, mem at most %ld pages", i,
		       sent, max_mem);
	}
	EXPECT_LE(max_mem, MEM_HIGH + self->slack + n * MEM_OVERSHOOT);
	EXPECT_LT(MEM_PRESSURE, max_mem);
	EXPECT_LT(pr0, ktcp_snmp(_metadata, "TCPMemoryPressures"));
	TH_LOG("PruneCalled +%lld RcvPruned %lld OfoPruned %lld RcvQDrop %lld",
	       ktcp_snmp(_metadata, "PruneCalled") - pc0,
	       ktcp_snmp(_metadata, "RcvPruned"),
	       ktcp_snmp(_metadata, "OfoPruned"),
	       ktcp_snmp(_metadata, "RcvQDrop"));

	ASSERT_EQ(0, mem_stat_read(false, &s));
	TH_LOG("after the fill: mem %ld pages", s.mem);
	/* Under the hard limit a new connection still works, both ways. */
	EXPECT_GE(MEM_HIGH, s.mem);
	mem_open(_metadata, self, n);
	ASSERT_EQ(0, ktcp_set_nonblock(self->srv[n], false));
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->srv[n], ktcp_ms(5000)));
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->cli[n], ktcp_ms(5000)));
	EXPECT_EQ(sizeof(buf), send(self->srv[n], buf, sizeof(buf), 0));
	EXPECT_EQ(sizeof(buf), ktcp_recv_all(self->cli[n], buf, sizeof(buf),
					     ktcp_ms(5000)));
	EXPECT_EQ(sizeof(buf), send(self->cli[n], buf, sizeof(buf), 0));
	EXPECT_EQ(sizeof(buf), ktcp_recv_all(self->srv[n], buf, sizeof(buf),
					     ktcp_ms(5000)));

	/*
	 * The servers close with data queued; their peers answer every
	 * window probe with a zero window. Once over the hard limit, each
	 * orphan's next probe resets it (tcp_out_of_resources()).
	 */
	mem_limits(_metadata, self->mem_fd, 1L << 20, 1L << 21, 1L << 22);
	for (i = 0; i < n; i++) {
		close(self->srv[i]);
		self->srv[i] = -1;
	}
	ASSERT_EQ(0, mem_stat_read(false, &s));
	EXPECT_EQ(n, s.orphan);
	EXPECT_EQ(ab0, ktcp_snmp(_metadata, "TCPAbortOnMemory"));
	mem_limits(_metadata, self->mem_fd, 1, 2, 4);
	EXPECT_EQ(0, MEM_WAIT(false, orphan, 0, ktcp_ms(20000)));
	EXPECT_EQ(n, ktcp_snmp(_metadata, "TCPAbortOnMemory") - ab0);
	for (i = 0; i < n; i++) {
		int err = 0;
		socklen_t len = sizeof(err);

		ASSERT_EQ(0, getsockopt(self->cli[i], SOL_SOCKET, SO_ERROR,
					&err, &len));
		EXPECT_EQ(ECONNRESET, err);
	}
	/* Everything closed: every page given back. */
	for (i = 0; i <= n; i++) {
		ktcp_abort_fd(&self->cli[i]);
		ktcp_abort_fd(&self->srv[i]);
	}
	ktcp_abort_fd(&self->lfd);
	EXPECT_GE(s0.alloc, MEM_WAIT_LE(false, alloc, s0.alloc, ktcp_ms(3000)));
	EXPECT_GE(s0.mem, MEM_WAIT_LE(false, mem, s0.mem, ktcp_ms(3000)));
}

/*
 * Over the hard limit a received segment gets memory only for an empty
 * receive queue (tcp_data_queue()); the next ones are refused (PruneCalled,
 * RcvQDrop; not RcvPruned, which counts a buffer still over sk_rcvbuf, as
 * Linux's TCPRcvPruned) and come again by retransmission once the limit
 * allows them. The sender is native, whose memory ktcp's limit leaves
 * alone.
 */
#define MEM_SEGS	6

TEST_F_TIMEOUT(pressure, rcv_refused, 60)
{
	long long pc0, rp0, qd0;
	char buf[MEM_SEGS * 1000], in[MEM_SEGS * 1000];
	struct mem_stat s;
	int q;
	int cfd, sfd, one = 1;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = i * 7;
	cfd = ktcp_connect(_metadata, AF_INET, MEM_ADDR, self->port);
	self->cli[0] = cfd;
	sfd = ktcp_accept(_metadata, self->lfd);
	self->srv[0] = sfd;
	ASSERT_EQ(0, setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one,
				sizeof(one)));
	/*
	 * The limits see the total less the per-CPU reserves: a ktcp pair
	 * whose reader does not read holds more than those can hide.
	 */
	for (int i = 1; i <= 2; i++) {
		mem_open(_metadata, self, i);
		ASSERT_LT(0, mem_fill(self->srv[i], 4, false, NULL));
	}
	ASSERT_EQ(0, mem_stat_read(false, &s));
	ASSERT_LT(self->slack, s.mem);
	pc0 = ktcp_snmp(_metadata, "PruneCalled");
	rp0 = ktcp_snmp(_metadata, "RcvPruned");
	qd0 = ktcp_snmp(_metadata, "RcvQDrop");
	mem_limits(_metadata, self->mem_fd, 0, 0, 0);
	for (int i = 0; i < MEM_SEGS; i++) {
		ASSERT_EQ(1000, send(cfd, buf + i * 1000, 1000, 0));
		ktcp_sleep_ms(100);
	}
	/* The first is queued, then what its page had room for. */
	q = mem_queued(sfd, SIOCINQ);
	EXPECT_LE(1000, q);
	EXPECT_GT(MEM_SEGS * 1000, q);
	EXPECT_LT(pc0, ktcp_snmp(_metadata, "PruneCalled"));
	EXPECT_EQ(rp0, ktcp_snmp(_metadata, "RcvPruned"));
	EXPECT_LT(qd0, ktcp_snmp(_metadata, "RcvQDrop"));
	mem_limits(_metadata, self->mem_fd, 1L << 20, 1L << 21, 1L << 22);
	ASSERT_EQ(0, ktcp_set_io_timeouts(sfd, ktcp_ms(10000)));
	EXPECT_EQ(sizeof(in), ktcp_recv_all(sfd, in, sizeof(in),
					    ktcp_ms(10000)));
	EXPECT_EQ(0, memcmp(buf, in, sizeof(in)));
}

TEST_HARNESS_MAIN
