// SPDX-License-Identifier: GPL-2.0
/*
 * IP-level socket options and what they put on the wire, ktcp against
 * native TCP in the same VM: each case runs for the family under test and
 * for AF_INET, in a fresh network namespace of its own, and asserts the
 * same results for both.
 *
 * - bind() to a non-local address: EADDRNOTAVAIL, unless IP_FREEBIND,
 *   IP_TRANSPARENT (CAP_NET_RAW or CAP_NET_ADMIN) or
 *   net.ipv4.ip_nonlocal_bind; a transparent listener and a transparent
 *   client on such an address, reached by a policy route to lo;
 * - SO_MARK, SO_PRIORITY, IP_TOS and IP_TTL on SYN-ACKs and RSTs,
 *   net.ipv4.tcp_fwmark_accept, tcp_reflect_tos and fwmark_reflect, seen
 *   on the wire: tc filters on lo's egress count what matches (lib/tc.c);
 * - TCP_SYNCNT on a listener: its SYN-ACK retries;
 * - TCP_INFO's delivery, loss and RTO counters after transfers with
 *   segments or ACKs lost (dropped by filters on lo's ingress);
 * - IP_MINTTL (GTSM): segments below it dropped, TCPMinTTLDrop counted.
 *
 * Segments that no socket of ours sends (a SYN or an ACK from a port with
 * no socket) come from a raw socket.
 */
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <sys/ioctl.h>
#include <sys/param.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define IPO_NONLOCAL	"192.0.2.1"	/* TEST-NET-1: never local here */
#define IPO_NONLOCAL2	"192.0.2.2"
#define IPO_WAIT_MS	10000
#define IPO_XFER	(1 << 20)
#define IPO_MARK	42
#define IPO_PRIO	5
#define IPO_TOS		0x28
#define IPO_TTL		33
#define IPO_RAW_PORT	40000	/* a peer port with no socket behind it */
#define IPO_F_RST	0x04
#define IPO_F_SYNACK	0x12
#define IPO_F_RSTACK	0x14

#ifndef IP_FREEBIND
#define IP_FREEBIND	15
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT	19
#endif

/* Linux 6.12's struct tcp_info up to tcpi_total_rto_time (libc's is older). */
struct ipo_tcp_info {
	__u8	tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes;
	__u8	tcpi_backoff, tcpi_options, tcpi_wscale, tcpi_flags;
	__u32	tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
	__u32	tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans;
	__u32	tcpi_fackets, tcpi_last_data_sent, tcpi_last_ack_sent;
	__u32	tcpi_last_data_recv, tcpi_last_ack_recv, tcpi_pmtu;
	__u32	tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar, tcpi_snd_ssthresh;
	__u32	tcpi_snd_cwnd, tcpi_advmss, tcpi_reordering, tcpi_rcv_rtt;
	__u32	tcpi_rcv_space, tcpi_total_retrans;
	__u64	tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked;
	__u64	tcpi_bytes_received;
	__u32	tcpi_segs_out, tcpi_segs_in, tcpi_notsent_bytes, tcpi_min_rtt;
	__u32	tcpi_data_segs_in, tcpi_data_segs_out;
	__u64	tcpi_delivery_rate, tcpi_busy_time, tcpi_rwnd_limited;
	__u64	tcpi_sndbuf_limited;
	__u32	tcpi_delivered, tcpi_delivered_ce;
	__u64	tcpi_bytes_sent, tcpi_bytes_retrans;
	__u32	tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack;
	__u32	tcpi_snd_wnd, tcpi_rcv_wnd, tcpi_rehash;
	__u16	tcpi_total_rto, tcpi_total_rto_recoveries;
	__u32	tcpi_total_rto_time;
};

FIXTURE(ipopts)
{
	int family;
};

FIXTURE_VARIANT(ipopts)
{
	bool native;
};

FIXTURE_VARIANT_ADD(ipopts, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(ipopts, native) { .native = true };

/* Run @cmd (blank-separated words, no quoting), asserting success. */
static void ipo_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[2048];
	int st = ktcp_run_cmd(out, sizeof(out), cmd);

	ASSERT_EQ(0, st) TH_LOG("%s: status %d: %s", cmd, st, out);
}

static void ipo_sysctl(struct __test_metadata *_metadata, const char *name,
		       long val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	ASSERT_EQ(0, ktcp_sysctl_path_write(path, val))
		TH_LOG("%s: cannot write", path);
}

static void ipo_setint(struct __test_metadata *_metadata, int fd, int level,
		       int opt, int val)
{
	ASSERT_EQ(0, setsockopt(fd, level, opt, &val, sizeof(val)))
		TH_LOG("setsockopt(%d, %d, %d): %s", level, opt, val,
		       strerror(errno));
}

static int ipo_getint(struct __test_metadata *_metadata, int fd, int level,
		      int opt)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	ASSERT_EQ(0, getsockopt(fd, level, opt, &v, &len))
		TH_LOG("getsockopt(%d, %d): %s", level, opt, strerror(errno));
	return v;
}

/* bind(@ip:@port): 0 or errno. */
static int ipo_bind(int fd, const char *ip, int port)
{
	struct sockaddr_in sa = ktcp_sin(ip, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
}

static uint32_t ipo_local_addr(int fd)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);

	getsockname(fd, (struct sockaddr *)&sa, &len);
	return sa.sin_addr.s_addr;
}

static void ipo_info(struct __test_metadata *_metadata, int fd,
		     struct ipo_tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_INFO, ti, &len))
		TH_LOG("TCP_INFO: %s", strerror(errno));
	ASSERT_EQ(sizeof(*ti), len);
}

static uint16_t ipo_csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (b[0] << 8) | b[1];
	if (len)
		sum += b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/*
 * A TCP segment 127.0.0.1:IPO_RAW_PORT -> 127.0.0.1:@dport from a raw
 * socket: a port with no socket behind it, as a scripted peer's would be.
 */
static void ipo_raw_send(struct __test_metadata *_metadata, int dport,
			 uint8_t flags, uint32_t seq, uint32_t ack, uint8_t tos,
			 int mark)
{
	struct { struct iphdr ip; struct tcphdr th; } pkt = { 0 };
	struct { uint32_t s, d; uint8_t z, p; uint16_t len; } ph;
	struct sockaddr_in to = ktcp_sin("127.0.0.1", dport);
	uint8_t buf[sizeof(ph) + sizeof(pkt.th)];
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	ASSERT_LE(0, fd) TH_LOG("raw socket: %s", strerror(errno));
	if (mark)
		ipo_setint(_metadata, fd, SOL_SOCKET, SO_MARK, mark);
	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.tos = tos;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.saddr = pkt.ip.daddr = htonl(INADDR_LOOPBACK);
	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.th.source = htons(IPO_RAW_PORT);
	pkt.th.dest = htons(dport);
	pkt.th.seq = htonl(seq);
	pkt.th.ack_seq = htonl(ack);
	pkt.th.doff = 5;
	((uint8_t *)&pkt.th)[13] = flags;
	pkt.th.window = htons(65535);
	ph = (typeof(ph)){ pkt.ip.saddr, pkt.ip.daddr, 0, IPPROTO_TCP,
			   htons(sizeof(pkt.th)) };
	memcpy(buf, &ph, sizeof(ph));
	memcpy(buf + sizeof(ph), &pkt.th, sizeof(pkt.th));
	pkt.th.check = ipo_csum(buf, sizeof(buf), 0);
	ASSERT_EQ(sizeof(pkt), sendto(fd, &pkt, sizeof(pkt), 0,
				      (struct sockaddr *)&to, sizeof(to)))
		TH_LOG("raw sendto: %s", strerror(errno));
	close(fd);
}

FIXTURE_SETUP(ipopts)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->family = variant->native ? AF_INET : ktcp_family();
}

FIXTURE_TEARDOWN(ipopts)
{
}

/*
 * bind() to an address no interface has: EADDRNOTAVAIL; with IP_FREEBIND,
 * IP_TRANSPARENT or net.ipv4.ip_nonlocal_bind it binds, and getsockname()
 * says so. Multicast and broadcast addresses bind without them
 * (inet_addr_valid_or_nonlocal()). The options read back what was set.
 */
TEST_F(ipopts, bind_nonlocal)
{
	static const int opts[] = { 0, IP_FREEBIND, IP_TRANSPARENT };
	unsigned int i;
	int fd;

	for (i = 0; i < 4; i++) {
		fd = __ktcp_socket(_metadata, self->family);
		EXPECT_EQ(0, ipo_getint(_metadata, fd, SOL_IP, IP_FREEBIND));
		EXPECT_EQ(0, ipo_getint(_metadata, fd, SOL_IP, IP_TRANSPARENT));
		if (i == 3)
			ipo_sysctl(_metadata, "ip_nonlocal_bind", 1);
		else if (opts[i])
			ipo_setint(_metadata, fd, SOL_IP, opts[i], 1);
		if (i && i < 3)
			EXPECT_EQ(1, ipo_getint(_metadata, fd, SOL_IP, opts[i]));
		EXPECT_EQ(i ? 0 : EADDRNOTAVAIL,
			  ipo_bind(fd, IPO_NONLOCAL, 5000 + i)) TH_LOG("knob %u", i);
		if (i)
			EXPECT_EQ(inet_addr(IPO_NONLOCAL), ipo_local_addr(fd));
		if (i && i < 3) {	/* and off again: it stays bound */
			ipo_setint(_metadata, fd, SOL_IP, opts[i], 0);
			EXPECT_EQ(0, ipo_getint(_metadata, fd, SOL_IP, opts[i]));
		}
		close(fd);
	}
	ipo_sysctl(_metadata, "ip_nonlocal_bind", 0);
	fd = __ktcp_socket(_metadata, self->family);
	EXPECT_EQ(EADDRNOTAVAIL, ipo_bind(fd, IPO_NONLOCAL, 0));
	EXPECT_EQ(0, ipo_bind(fd, "224.0.0.1", 0));
	EXPECT_EQ(inet_addr("224.0.0.1"), ipo_local_addr(fd));
	close(fd);
	fd = __ktcp_socket(_metadata, self->family);
	EXPECT_EQ(0, ipo_bind(fd, "255.255.255.255", 0));
	close(fd);
}

/* IP_TRANSPARENT needs CAP_NET_RAW or CAP_NET_ADMIN; IP_FREEBIND does not. */
TEST_F(ipopts, transparent_eperm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int st, fd, one = 1, zero = 0;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		fd = socket(self->family, SOCK_STREAM, 0);
		if (fd < 0 || syscall(SYS_capget, &h, d))
			_exit(10);
		d[0].effective &= ~(1U << CAP_NET_RAW | 1U << CAP_NET_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(11);
		if (!setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) ||
		    errno != EPERM)
			_exit(12);
		if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &zero, sizeof(zero)))
			_exit(13);
		if (setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* 192.0.2.0/24 is delivered locally (AnyIP in table 100) but not local. */
static void ipo_anyip(struct __test_metadata *_metadata)
{
	ipo_run(_metadata, "ip route add local 192.0.2.0/24 dev lo table 100");
	ipo_run(_metadata, "ip rule add to 192.0.2.0/24 lookup 100 pref 100");
}

/* 1000 bytes from @a to @b and back: both directions work. */
static void ipo_echo(struct __test_metadata *_metadata, int a, int b)
{
	char buf[1000], got[1000];

	memset(buf, 'i', sizeof(buf));
	ASSERT_EQ(sizeof(buf), ktcp_send_all(a, buf, sizeof(buf), IPO_WAIT_MS));
	ASSERT_EQ(sizeof(got), ktcp_recv_all(b, got, sizeof(got), IPO_WAIT_MS));
	ASSERT_EQ(sizeof(buf), ktcp_send_all(b, got, sizeof(got), IPO_WAIT_MS));
	ASSERT_EQ(sizeof(got), ktcp_recv_all(a, got, sizeof(got), IPO_WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));
}

/*
 * A transparent listener on a non-local address accepts a connection that
 * a policy route delivers to it: its SYN-ACK and the child's segments leave
 * from that address (FLOWI_FLAG_ANYSRC), and the child inherits
 * IP_TRANSPARENT. With IP_FREEBIND only, the SYN-ACK has no route, as in
 * Linux, and the connection does not complete.
 */
TEST_F(ipopts, transparent_listener)
{
	struct sockaddr_in to = ktcp_sin(IPO_NONLOCAL, 5001);
	int lfd, c, s;
	short rev = 0;

	ipo_anyip(_metadata);
	lfd = __ktcp_socket(_metadata, self->family);
	ipo_setint(_metadata, lfd, SOL_IP, IP_TRANSPARENT, 1);
	ASSERT_EQ(0, ipo_bind(lfd, IPO_NONLOCAL, 5001));
	ASSERT_EQ(0, listen(lfd, 8));
	c = native_socket(_metadata);
	ASSERT_EQ(0, ipo_bind(c, "127.0.0.1", 0));
	ASSERT_EQ(0, ktcp_connect_fd(c, &to, IPO_WAIT_MS));
	s = ktcp_accept(_metadata, lfd);
	EXPECT_EQ(inet_addr(IPO_NONLOCAL), ipo_local_addr(s));
	EXPECT_EQ(1, ipo_getint(_metadata, s, SOL_IP, IP_TRANSPARENT));
	ipo_echo(_metadata, c, s);
	ktcp_abort_fd(&c);
	ktcp_abort_fd(&s);
	close(lfd);

	lfd = __ktcp_socket(_metadata, self->family);
	ipo_setint(_metadata, lfd, SOL_IP, IP_FREEBIND, 1);
	ASSERT_EQ(0, ipo_bind(lfd, IPO_NONLOCAL2, 5002));
	ASSERT_EQ(0, listen(lfd, 8));
	c = native_socket(_metadata);
	ASSERT_EQ(0, ipo_bind(c, "127.0.0.1", 0));
	to = ktcp_sin(IPO_NONLOCAL2, 5002);
	ASSERT_EQ(0, ktcp_set_nonblock(c, true));
	ASSERT_EQ(-1, connect(c, (struct sockaddr *)&to, sizeof(to)));
	ASSERT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(0, ktcp_poll1(c, POLLOUT, 1000, &rev)) TH_LOG("revents %x", rev);
	ktcp_abort_fd(&c);
	close(lfd);
}

/*
 * A transparent client bound to a non-local address connects from it; one
 * with IP_FREEBIND only gets the routing error native TCP gets.
 */
TEST_F(ipopts, transparent_client)
{
	struct sockaddr_in to;
	uint16_t port;
	int lfd, c, s, ret;

	ipo_anyip(_metadata);
	lfd = ktcp_listener(_metadata, AF_INET, "127.0.0.1", 0, 8, &port);
	to = ktcp_sin("127.0.0.1", port);
	c = __ktcp_socket(_metadata, self->family);
	ipo_setint(_metadata, c, SOL_IP, IP_TRANSPARENT, 1);
	ASSERT_EQ(0, ipo_bind(c, IPO_NONLOCAL, 0));
	ASSERT_EQ(0, ktcp_connect_fd(c, &to, IPO_WAIT_MS));
	s = ktcp_accept(_metadata, lfd);
	EXPECT_EQ(inet_addr(IPO_NONLOCAL), ipo_local_addr(c));
	ipo_echo(_metadata, c, s);
	ktcp_abort_fd(&c);
	ktcp_abort_fd(&s);

	c = __ktcp_socket(_metadata, self->family);
	ipo_setint(_metadata, c, SOL_IP, IP_FREEBIND, 1);
	ASSERT_EQ(0, ipo_bind(c, IPO_NONLOCAL2, 0));
	ret = connect(c, (struct sockaddr *)&to, sizeof(to)) ? errno : 0;
	EXPECT_EQ(ENETUNREACH, ret) TH_LOG("connect: %s", strerror(ret));
	close(c);
	close(lfd);
}

/*
 * A listener with SO_MARK, IP_TOS, SO_PRIORITY and IP_TTL set, in that
 * order: IP_TOS sets the priority too (rt_tos2priority()).
 */
static int ipo_marked_listener(struct __test_metadata *_metadata, int family,
			       uint16_t *port)
{
	int lfd = __ktcp_socket(_metadata, family);

	ipo_setint(_metadata, lfd, SOL_SOCKET, SO_MARK, IPO_MARK);
	ipo_setint(_metadata, lfd, SOL_IP, IP_TOS, IPO_TOS);
	ipo_setint(_metadata, lfd, SOL_SOCKET, SO_PRIORITY, IPO_PRIO);
	ipo_setint(_metadata, lfd, SOL_IP, IP_TTL, IPO_TTL);
	ASSERT_EQ(0, ipo_bind(lfd, "127.0.0.1", 0));
	ASSERT_EQ(0, listen(lfd, 8));
	*port = ktcp_local_port(lfd);
	return lfd;
}

/*
 * The SYN-ACK carries the listener's mark, priority, TOS and TTL
 * (tcp_v4_send_synack()); the child inherits the mark (its priority starts
 * at 0), and its RST on an abortive close carries its own.
 */
TEST_F(ipopts, synack_rst_marks)
{
	struct ktcp_tc_match all = KTCP_TC_ANY, m = KTCP_TC_ANY;
	struct ktcp_tc tc = { .dev = "lo" };
	long cnt[KTCP_TC_PREFS];
	int lfd, c, s;
	uint16_t port;

	lfd = ipo_marked_listener(_metadata, self->family, &port);
	all.sport = m.sport = port;
	all.flags = m.flags = IPO_F_SYNACK;
	m.mark = IPO_MARK;
	m.prio = IPO_PRIO;
	m.tos = IPO_TOS;
	m.ttl = IPO_TTL;
	ktcp_tc_filter(&tc, "egress", 1, &m, "continue");
	ktcp_tc_filter(&tc, "egress", 2, &all, "continue");
	m.flags = all.flags = IPO_F_RSTACK;
	m.prio = 6;
	ktcp_tc_filter(&tc, "egress", 3, &m, "continue");
	ktcp_tc_filter(&tc, "egress", 4, &all, "continue");
	ktcp_tc_apply(_metadata, &tc);

	c = ktcp_connect(_metadata, AF_INET, "127.0.0.1", port);
	s = ktcp_accept(_metadata, lfd);
	ASSERT_EQ(0, ktcp_tc_counts("lo", "egress", cnt, KTCP_TC_PREFS));
	EXPECT_EQ(1, cnt[2]);
	EXPECT_EQ(1, cnt[1]);
	EXPECT_EQ(IPO_MARK, ipo_getint(_metadata, s, SOL_SOCKET, SO_MARK));
	EXPECT_EQ(0, ipo_getint(_metadata, s, SOL_SOCKET, SO_PRIORITY));
	EXPECT_EQ(IPO_TOS, ipo_getint(_metadata, s, SOL_IP, IP_TOS));
	EXPECT_EQ(IPO_TTL, ipo_getint(_metadata, s, SOL_IP, IP_TTL));

	ipo_setint(_metadata, s, SOL_SOCKET, SO_PRIORITY, 6);
	ktcp_abort_fd(&s);
	EXPECT_EQ(1, ktcp_tc_wait_count(_metadata, "lo", 4, 1, IPO_WAIT_MS));
	EXPECT_EQ(1, ktcp_tc_count(_metadata, "lo", 3));
	close(c);
	close(lfd);
}

/*
 * A RST in answer to a bad ACK for a request (tcp_v4_send_reset() with the
 * listener): the listener's mark and priority, the incoming segment's TOS
 * without its ECN bits, the route's TTL; with net.ipv4.fwmark_reflect the
 * incoming segment's mark instead. The SYN-ACKs are lost, so that the
 * request waits.
 */
TEST_F(ipopts, reply_rst_marks)
{
	struct ktcp_tc_match syn = KTCP_TC_ANY, m = KTCP_TC_ANY;
	struct ktcp_tc tc = { .dev = "lo" };
	long cnt[KTCP_TC_PREFS];
	uint16_t port;
	int lfd;

	lfd = ipo_marked_listener(_metadata, self->family, &port);
	syn.sport = m.sport = port;
	syn.flags = IPO_F_SYNACK;
	ktcp_tc_filter(&tc, "egress", 1, &syn, "continue");
	ktcp_tc_filter(&tc, "ingress", 1, &syn, "drop");
	m.flags = IPO_F_RST;
	m.mark = IPO_MARK;
	m.prio = IPO_PRIO;
	m.tos = 0x48;
	m.ttl = 64;
	ktcp_tc_filter(&tc, "egress", 2, &m, "continue");
	m.mark = 77;
	ktcp_tc_filter(&tc, "egress", 3, &m, "continue");
	ktcp_tc_apply(_metadata, &tc);

	ipo_raw_send(_metadata, port, 0x02, 1000, 0, 0, 0);	/* SYN */
	ASSERT_LE(1, ktcp_tc_wait_count(_metadata, "lo", 1, 1, IPO_WAIT_MS));
	ipo_raw_send(_metadata, port, 0x10, 1001, 12345, 0x49, 77);	/* ACK */
	EXPECT_EQ(1, ktcp_tc_wait_count(_metadata, "lo", 2, 1, IPO_WAIT_MS));
	ipo_sysctl(_metadata, "fwmark_reflect", 1);
	ipo_raw_send(_metadata, port, 0x10, 1001, 12345, 0x49, 77);
	EXPECT_EQ(1, ktcp_tc_wait_count(_metadata, "lo", 3, 1, IPO_WAIT_MS));
	ASSERT_EQ(0, ktcp_tc_counts("lo", "egress", cnt, KTCP_TC_PREFS));
	EXPECT_EQ(1, cnt[2]);
	EXPECT_EQ(1, cnt[3]);
	close(lfd);
}

/*
 * net.ipv4.tcp_fwmark_accept: a listener without a mark answers with the
 * SYN's, and its child takes it (inet_request_mark()); tcp_reflect_tos:
 * the SYN-ACK and the child take the SYN's DSCP.
 */
TEST_F(ipopts, syn_reflect)
{
	struct ktcp_tc tc = { .dev = "lo" };
	struct ktcp_tc_match m = KTCP_TC_ANY;
	struct sockaddr_in to;
	uint16_t port;
	int lfd, c, s;

	ipo_sysctl(_metadata, "tcp_fwmark_accept", 1);
	ipo_sysctl(_metadata, "tcp_reflect_tos", 1);
	lfd = ktcp_listener(_metadata, self->family, "127.0.0.1", 0, 8, &port);
	m.sport = port;
	m.flags = IPO_F_SYNACK;
	m.mark = 99;
	m.tos = 0x48;
	m.prio = 0;
	ktcp_tc_filter(&tc, "egress", 1, &m, "continue");
	ktcp_tc_apply(_metadata, &tc);
	c = native_socket(_metadata);
	ipo_setint(_metadata, c, SOL_SOCKET, SO_MARK, 99);
	ipo_setint(_metadata, c, SOL_IP, IP_TOS, 0x48);
	to = ktcp_sin("127.0.0.1", port);
	ASSERT_EQ(0, ktcp_connect_fd(c, &to, IPO_WAIT_MS));
	s = ktcp_accept(_metadata, lfd);
	EXPECT_EQ(1, ktcp_tc_count(_metadata, "lo", 1));
	EXPECT_EQ(99, ipo_getint(_metadata, s, SOL_SOCKET, SO_MARK));
	EXPECT_EQ(0x48, ipo_getint(_metadata, s, SOL_IP, IP_TOS));
	close(c);
	close(s);
	close(lfd);
}

/*
 * TCP_SYNCNT on a listener is taken and read back, and bounds its SYN-ACK
 * retransmissions (reqsk_timer_handler()): with 1, an unanswered request
 * has one (after 1 s) and is dropped at the next timeout (3 s), not after
 * tcp_synack_retries' 5 (63 s).
 */
TEST_F(ipopts, listener_syncnt)
{
	bool native = self->family == AF_INET;
	struct ktcp_tc tc = { .dev = "lo" };
	struct ktcp_tc_match syn = KTCP_TC_ANY;
	long long t0, dt;
	uint16_t port;
	int lfd, n;

	lfd = ktcp_listener(_metadata, self->family, "127.0.0.1", 0, 8, &port);
	ipo_setint(_metadata, lfd, SOL_TCP, TCP_SYNCNT, 1);
	EXPECT_EQ(1, ipo_getint(_metadata, lfd, SOL_TCP, TCP_SYNCNT));
	syn.sport = port;
	syn.flags = IPO_F_SYNACK;
	ktcp_tc_filter(&tc, "egress", 1, &syn, "continue");
	ktcp_tc_filter(&tc, "ingress", 1, &syn, "drop");
	ktcp_tc_apply(_metadata, &tc);
	t0 = ktcp_now_ms();
	ipo_raw_send(_metadata, port, 0x02, 1000, 0, 0, 0);
	ASSERT_EQ(1, ktcp_wait_rows_table(native, KT_SYN_RECV, port, KT_ANY, 1,
					  2000));
	n = ktcp_wait_rows_table(native, KT_SYN_RECV, port, KT_ANY, 0, 8000);
	dt = ktcp_now_ms() - t0;
	EXPECT_EQ(0, n);
	EXPECT_LE(2500, dt);
	EXPECT_GE(6000, dt);
	EXPECT_EQ(2, ktcp_tc_count(_metadata, "lo", 1));
	close(lfd);
}

/* A connected pair of @family over 127.0.0.1; *@port: the server's port. */
static void ipo_pair(struct __test_metadata *_metadata, int family, int *c,
		     int *s, uint16_t *port)
{
	int lfd = ktcp_listener(_metadata, family, "127.0.0.1", 0, 8, port);

	*c = ktcp_connect(_metadata, family, "127.0.0.1", *port);
	*s = ktcp_accept(_metadata, lfd);
	close(lfd);
}

/*
 * Send @n bytes from @c and read them at @s as they come (one thread, so
 * neither end's buffer limits it), then wait until all are acked.
 */
static void ipo_xfer(struct __test_metadata *_metadata, int c, int s, size_t n)
{
	static char buf[65536];
	struct ipo_tcp_info ti;
	size_t sent = 0, got = 0;
	ssize_t r;
	int i;

	while (got < n) {
		struct pollfd p[2] = {
			{ .fd = c, .events = sent < n ? POLLOUT : 0 },
			{ .fd = s, .events = POLLIN },
		};

		ASSERT_LT(0, poll(p, 2, IPO_WAIT_MS)) TH_LOG("transfer stalled");
		if (p[0].revents & POLLOUT) {
			r = send(c, buf, MIN(n - sent, sizeof(buf)), MSG_DONTWAIT);
			ASSERT_LT(0, r) TH_LOG("send: %s", strerror(errno));
			sent += r;
		}
		if (p[1].revents & POLLIN) {
			r = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
			ASSERT_LT(0, r) TH_LOG("recv: %s", strerror(errno));
			got += r;
		}
	}
	for (i = 0; i < IPO_WAIT_MS / 10; i++) {
		ipo_info(_metadata, c, &ti);
		if (!ti.tcpi_unacked)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, ti.tcpi_unacked);
}

/*
 * Every data segment sent, and the SYN, was delivered once, less the
 * retransmissions, plus once more for each D-SACKed duplicate of a needless
 * one (tcp_dsack_seen()).
 */
static void ipo_check_delivered(struct __test_metadata *_metadata,
				const struct ipo_tcp_info *t)
{
	EXPECT_EQ(t->tcpi_data_segs_out + 1 + t->tcpi_dsack_dups,
		  t->tcpi_delivered + t->tcpi_total_retrans)
		TH_LOG("data_segs_out %u delivered %u total_retrans %u dsack_dups %u total_rto %u",
		       t->tcpi_data_segs_out, t->tcpi_delivered,
		       t->tcpi_total_retrans, t->tcpi_dsack_dups,
		       t->tcpi_total_rto);
}

/*
 * Without loss every segment sent is delivered once: tcpi_delivered is the
 * data segments and the SYN (or the SYN-ACK, for the server), less
 * retransmissions, plus the D-SACKed duplicates of needless ones (native
 * TCP's tail loss probe may send one even over lo); nothing arrives out of
 * order.
 */
TEST_F(ipopts, tcp_info_delivered)
{
	struct ipo_tcp_info tc, ts;
	uint16_t port;
	int c, s;

	ipo_pair(_metadata, self->family, &c, &s, &port);
	ipo_xfer(_metadata, c, s, IPO_XFER);
	ipo_info(_metadata, c, &tc);
	ipo_info(_metadata, s, &ts);
	ipo_check_delivered(_metadata, &tc);
	EXPECT_LT(IPO_XFER / 65536, tc.tcpi_delivered);
	EXPECT_EQ(1, ts.tcpi_delivered);
	EXPECT_EQ(0, ts.tcpi_rcv_ooopack);
	EXPECT_GE(tc.tcpi_total_rto, tc.tcpi_total_rto_recoveries);
	close(c);
	close(s);
}

/*
 * The server's ACKs dropped for 800 ms: the client times out (RTO 200 ms
 * and backoff), resends what the server already has, and the server's
 * D-SACK reports it; one RTO recovery, lasting hundreds of milliseconds,
 * each timeout a txhash redrawn.
 */
TEST_F(ipopts, tcp_info_rto)
{
	struct ktcp_tc_match acks = KTCP_TC_ANY;
	struct ktcp_tc cmds = { .dev = "lo" };
	static char buf[32 << 10];
	struct ipo_tcp_info tc;
	uint16_t port;
	int c, s, i;

	ipo_pair(_metadata, self->family, &c, &s, &port);
	acks.sport = port;
	ktcp_tc_filter(&cmds, "ingress", 1, &acks, "drop");
	ktcp_tc_apply(_metadata, &cmds);
	/* Within the first window: the server's updates are lost too. */
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), MSG_DONTWAIT))
		TH_LOG("send: %s", strerror(errno));
	ASSERT_EQ(sizeof(buf), ktcp_recv_all(s, buf, sizeof(buf), IPO_WAIT_MS));
	usleep(800000);
	ktcp_tc_line(&cmds, "filter del dev lo ingress pref 1");
	ktcp_tc_apply(_metadata, &cmds);
	for (i = 0; i < IPO_WAIT_MS / 10; i++) {
		ipo_info(_metadata, c, &tc);
		if (!tc.tcpi_unacked && tc.tcpi_dsack_dups)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, tc.tcpi_unacked);
	EXPECT_LE(1, tc.tcpi_dsack_dups);
	EXPECT_LE(1, tc.tcpi_total_rto);
	EXPECT_GE(tc.tcpi_total_retrans, tc.tcpi_total_rto);
	EXPECT_EQ(1, tc.tcpi_total_rto_recoveries);
	EXPECT_LE(150, tc.tcpi_total_rto_time);
	EXPECT_GE(5000, tc.tcpi_total_rto_time);
	/*
	 * Each timeout drew a new txhash (tcp_write_timeout(); SO_TXREHASH
	 * follows net.core.txrehash, 1 by default): the IPv4 client has one,
	 * as tcp_v4_connect() draws it. No PLB rehashes in either stack.
	 */
	EXPECT_EQ(tc.tcpi_total_rto, tc.tcpi_rehash);
	close(c);
	close(s);
}

/*
 * Every fourth data segment of the client lost, with lo's MTU at 1500 so
 * that many segments are in flight: the server queues what follows a hole
 * out of order (tcpi_rcv_ooopack), and the client retransmits.
 */
TEST_F(ipopts, tcp_info_ooo)
{
	struct ifreq ifr = { .ifr_name = "lo", .ifr_mtu = 1500 };
	struct ktcp_tc_match data = KTCP_TC_ANY;
	struct ktcp_tc cmds = { .dev = "lo" };
	struct ipo_tcp_info tc, ts;
	uint16_t port;
	int c, s;

	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_EQ(0, ioctl(c, SIOCSIFMTU, &ifr)) TH_LOG("lo mtu: %s",
							  strerror(errno));
	close(c);
	ipo_pair(_metadata, self->family, &c, &s, &port);
	data.dport = port;
	ktcp_tc_filter(&cmds, "ingress", 1, &data, "pass random determ drop 4");
	ktcp_tc_apply(_metadata, &cmds);
	ipo_xfer(_metadata, c, s, IPO_XFER / 4);
	ipo_info(_metadata, c, &tc);
	ipo_info(_metadata, s, &ts);
	EXPECT_LE(1, ts.tcpi_rcv_ooopack);
	EXPECT_LE(1, tc.tcpi_total_retrans);
	ipo_check_delivered(_metadata, &tc);
	close(c);
	close(s);
}

/*
 * GTSM (RFC 5082): with IP_MINTTL above lo's TTL of 64, the accepted end
 * drops what its peer sends, counted as TCPMinTTLDrop; with it back at 0
 * the retransmission gets through.
 */
TEST_F(ipopts, min_ttl_drops)
{
	struct sockaddr_in sa;
	int lfd, c, s, v = 255;
	struct pollfd pfd;
	long long before;
	uint16_t port;
	char buf[4];

	lfd = ktcp_listener(_metadata, self->family, "127.0.0.1", 0, 4, &port);
	c = __ktcp_socket(_metadata, self->family);
	sa = ktcp_sin("127.0.0.1", port);
	ASSERT_EQ(0, ktcp_connect_fd(c, &sa, ktcp_ms(2000)));
	s = ktcp_accept(_metadata, lfd);
	ASSERT_EQ(0, setsockopt(s, SOL_IP, IP_MINTTL, &v, sizeof(v)));
	before = ktcp_counter(self->family, "TCPMinTTLDrop");
	ASSERT_LE(0, before);
	ASSERT_EQ(1, send(c, "x", 1, 0));
	ktcp_sleep_ms(ktcp_ms(300));
	EXPECT_EQ(-1, recv(s, buf, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(before, ktcp_counter(self->family, "TCPMinTTLDrop"));
	v = 0;
	ASSERT_EQ(0, setsockopt(s, SOL_IP, IP_MINTTL, &v, sizeof(v)));
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, ktcp_ms(5000)));
	EXPECT_EQ(1, recv(s, buf, 1, MSG_DONTWAIT));
	close(s);
	close(c);
	close(lfd);
}

TEST_HARNESS_MAIN
