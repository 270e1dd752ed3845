// SPDX-License-Identifier: GPL-2.0
/*
 * Interop under netem: bulk transfers both ways at once across a veth pair
 * between two fresh network namespaces (198.18.0.1/24 <-> 198.18.0.2/24,
 * the RFC 2544 benchmarking range), with a netem qdisc on the egress of
 * BOTH veth ends: each profile applies to each direction, to data and to
 * ACKs alike, since data flows both ways.
 *
 *   loss1       loss 1%
 *   loss5       loss 5%
 *   reorder25   delay 10ms reorder 25% 50%   (25% of frames, correlated
 *               50%, go at once, the rest 10 ms later)
 *   dup5        duplicate 5%
 *   jitter      delay 20ms 5ms   (per-frame delays, so frames reorder too)
 *   rate10mbit  rate 10mbit      (64 MiB each way, concurrently, takes 54 s
 *               at the limit: a few minutes at most under QEMU TCG, where
 *               native TCP over an unshaped veth moves about 3.3 MiB/s
 *               (27 Mbit/s) each way, so the limit, not the emulator, sets
 *               the pace; 20mbit would barely bite under TCG)
 *   corrupt1    corrupt 1%       (one bit of 1% of frames; checksums must
 *               catch every one: the data must still match)
 *
 * Each profile runs three pairings: ktcp client to native server, native
 * client to ktcp server, ktcp to ktcp. Each moves KTCP_NETEM_BYTES
 * (default 64 MiB; K/M/G suffixes) in each direction concurrently, and
 * compares the SHA-256 of what each end sent with what the other got (and
 * the first wrong offset, if any, against the known stream).
 *
 * IPv6 (AF_KTCP6 against native AF_INET6), on a small subset: the same
 * veth with 2001:2::1/64 and 2001:2::2/64 (RFC 5180's benchmarking range,
 * added nodad so that they are usable at once), and two profiles, the
 * ktcp client to native server and native client to ktcp server pairings
 * of each (the wire is where IPv6 differs; ktcp to ktcp adds nothing
 * there):
 *
 *   lossreorder6  loss 1% delay 10ms reorder 25% 50%
 *   rate10mbit6   rate 10mbit
 *
 * with the assertions of their IPv4 counterparts (RetransSegs, HyStart;
 * Linux's TCP MIB, and ktcp's, count both families together). They move
 * a quarter of KTCP_NETEM_BYTES (at least 4 MiB, or all if that is
 * less): what differs for IPv6 (header, pseudo-header checksum, MSS,
 * ICMPv6) acts from the first segments, while what a long run finds
 * (recovery, windows, queues) is the same code for both families and has
 * the IPv4 profiles' full runs. At 64 MiB the four took 526 s under TCG
 * (loss and reorder moved 0.35-0.39 MiB/s each way), 123 s at 16 MiB.
 *
 * The veths carry no offloads (tx checksum, TSO, GSO off, gso_max_segs 1):
 * every frame netem sees is one wire-sized segment with a complete
 * checksum, so "loss 1%" means 1% of segments for both stacks, and every
 * receiver verifies every checksum.
 *
 * Counters, for each end whose stack is under test (ktcp; both in native
 * mode), from its own netns, when at least 4 MiB go each way (so that the
 * random events surely happen):
 *   loss1, loss5, corrupt1,  RetransSegs grew (every end sends)
 *   lossreorder6
 *   corrupt1                 InCsumErrors grew (every end receives)
 *   rate10mbit, rate10mbit6  TCPHystartTrainDetect + TCPHystartDelayDetect
 *                            grew (every end sends: HyStart, not a queue
 *                            overflow, ends its slow start)
 *
 * Nothing can hang: every wait is a poll() with an idle limit, the transfer
 * has an overall deadline inside the harness timeout, and the harness kills
 * the test after NETEM_TIMEOUT_S (all scaled by KTCP_TEST_TIMEOUT_MULT).
 * The namespaces are anonymous (unshare), so they vanish with the test,
 * even a killed one.
 *
 * Environment: KTCP_NETEM_BYTES, and KTCP_TEST_FAMILY / KTCP_TEST_TIMEOUT_MULT
 * as in lib/ktcptest.h (KTCP_TEST_FAMILY=inet: every socket native, which checks
 * the test itself). Needs tc and ip (iproute2) and sch_netem; without
 * netem in the kernel the tests are skipped. run.sh runs it before
 * lifecycle.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define NETEM_BYTES_DEFAULT	(64ULL << 20)
/* harness timeout per test, seconds, before KTCP_TEST_TIMEOUT_MULT */
#define NETEM_TIMEOUT_S		1800
/* no byte moved either way for this long fails the transfer (ms) */
#define NETEM_IDLE_MS		90000
/*
 * The transfer's own deadline: NETEM_DEADLINE_BASE_S plus the time the
 * bytes take at NETEM_MIN_RATE each way, and at most the harness timeout
 * less NETEM_MARGIN_S, so that it fails with a report instead of a kill.
 */
#define NETEM_DEADLINE_BASE_S	120
#define NETEM_MIN_RATE		(64 << 10)	/* bytes/s each way */
#define NETEM_MARGIN_S		60
/* below this many bytes each way the counter checks are left out */
#define NETEM_COUNTER_MIN_BYTES	(4ULL << 20)
/* the IPv6 variants move 1/NETEM_V6_SHARE of the bytes (head of file) */
#define NETEM_V6_SHARE		4

#define SEED_UP		0x6e6574656d7570ULL	/* client -> server */
#define SEED_DOWN	0x6e6574656d646eULL	/* server -> client */

enum {
	WANT_RETRANS = 1 << 0,	/* RetransSegs grows on every end */
	WANT_CSUMERR = 1 << 1,	/* InCsumErrors grows on every end */
	WANT_HYSTART = 1 << 2,	/* HyStart ends slow start on every end */
};

FIXTURE(netem)
{
	int ns_cli, ns_srv;
};

FIXTURE_VARIANT(netem)
{
	const char *netem;	/* tc-netem(8) parameters */
	bool client_ktcp;
	bool server_ktcp;
	unsigned int want;
	bool v6;		/* AF_KTCP6 / AF_INET6 over NETEM_IP6_* */
};

#define NETEM_VARIANT6(prof, pair, cli, srv, args, flags, ip6)		\
	FIXTURE_VARIANT_ADD(netem, prof##_##pair)			\
	{								\
		.netem = args,						\
		.client_ktcp = cli,					\
		.server_ktcp = srv,					\
		.want = flags,						\
		.v6 = ip6,						\
	}

#define NETEM_VARIANT(prof, pair, cli, srv, args, flags)		\
	NETEM_VARIANT6(prof, pair, cli, srv, args, flags, false)

#define NETEM_PROFILE(prof, args, flags)				\
	NETEM_VARIANT(prof, ktcp_to_native, true, false, args, flags);	\
	NETEM_VARIANT(prof, native_to_ktcp, false, true, args, flags);	\
	NETEM_VARIANT(prof, ktcp_to_ktcp, true, true, args, flags)

NETEM_PROFILE(loss1, "loss 1%", WANT_RETRANS);
NETEM_PROFILE(loss5, "loss 5%", WANT_RETRANS);
NETEM_PROFILE(reorder25, "delay 10ms reorder 25% 50%", 0);
NETEM_PROFILE(dup5, "duplicate 5%", 0);
NETEM_PROFILE(jitter, "delay 20ms 5ms", 0);
NETEM_PROFILE(rate10mbit, "rate 10mbit", WANT_HYSTART);
NETEM_PROFILE(corrupt1, "corrupt 1%", WANT_RETRANS | WANT_CSUMERR);

#define NETEM_PROFILE6(prof, args, flags)				\
	NETEM_VARIANT6(prof, ktcp_to_native, true, false, args, flags, true); \
	NETEM_VARIANT6(prof, native_to_ktcp, false, true, args, flags, true)

NETEM_PROFILE6(lossreorder6, "loss 1% delay 10ms reorder 25% 50%",
	       WANT_RETRANS);
NETEM_PROFILE6(rate10mbit6, "rate 10mbit", WANT_HYSTART);

#define NETEM_IP6_A	"2001:2::1"
#define NETEM_IP6_B	"2001:2::2"

static uint64_t netem_bytes(bool v6)
{
	const char *e = getenv("KTCP_NETEM_BYTES");
	uint64_t n = e && *e ? ktcp_parse_size(e) : NETEM_BYTES_DEFAULT;
	uint64_t floor = n < NETEM_COUNTER_MIN_BYTES ? n :
			 NETEM_COUNTER_MIN_BYTES;

	if (!v6 || n / NETEM_V6_SHARE < floor)
		return v6 ? floor : n;
	return n / NETEM_V6_SHARE;
}

/*
 * Offloads off, one segment per skb, and the netem qdisc on @ifname in the
 * calling thread's netns. Returns false when the kernel has no netem.
 */
static bool link_setup(struct __test_metadata *_metadata, const char *ifname,
		       const char *netem, char *why, size_t whylen)
{
	char out[1024];
	const char *what = "";
	int ret;

	ret = ktcp_if_wire(ifname, &what);
	ASSERT_EQ(0, ret)
		TH_LOG("%s: turning %s off: %s", ifname, what, strerror(-ret));
	ret = ktcp_netem_add(ifname, netem, out, sizeof(out));
	if (ret && strstr(out, "qdisc kind is unknown")) {
		snprintf(why, whylen, "`tc qdisc add dev %s root netem %s`: %.600s",
			 ifname, netem, out);
		return false;
	}
	ASSERT_EQ(0, ret)
		TH_LOG("`tc qdisc add dev %s root netem %s` failed (%d): %s%s",
		       ifname, netem, ret, out,
		       ret == 127 ? " (is iproute2 installed?)" : "");
	return true;
}

/*
 * IPv6 on @ifname, which the topology leaves without (lib/topo.c), with
 * neither DAD nor router solicitations (no chatter for netem to act on),
 * and `ip -6 addr add @ip/64 dev @ifname nodad`, in the current netns.
 */
static void netem_addr6(struct __test_metadata *_metadata,
			const char *ifname, const char *ip)
{
	static const char *const conf[] = {
		"accept_dad", "router_solicitations", "disable_ipv6",
	};
	char cmd[128], out[512];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(conf) / sizeof(conf[0]); i++) {
		snprintf(cmd, sizeof(cmd), "/proc/sys/net/ipv6/conf/%s/%s",
			 ifname, conf[i]);
		ret = ktcp_sysctl_path_write(cmd, 0);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", cmd, strerror(-ret));
	}
	snprintf(cmd, sizeof(cmd), "ip -6 addr add %s/64 dev %s nodad", ip,
		 ifname);
	ret = ktcp_run_cmd(out, sizeof(out), cmd);
	ASSERT_EQ(0, ret) TH_LOG("`%s` failed (%d): %s", cmd, ret, out);
}

FIXTURE_SETUP(netem)
{
	char out[256], why[1024] = "";
	bool ok;

	/* sch_netem may be a module (Debian); tc would load it too */
	ktcp_run_cmd(out, sizeof(out), "modprobe -q sch_netem");

	ktcp_test_netns(_metadata, true, 5000, &self->ns_cli, &self->ns_srv);
	ok = link_setup(_metadata, KTCP_VETH_A, variant->netem, why,
			sizeof(why));
	if (!ok)
		SKIP(return, "no netem in this kernel (CONFIG_NET_SCH_NETEM): %s",
		     why);
	if (variant->v6)
		netem_addr6(_metadata, KTCP_VETH_A, NETEM_IP6_A);
	ktcp_setns(_metadata, self->ns_srv);
	ok = link_setup(_metadata, KTCP_VETH_B, variant->netem, why,
			sizeof(why));
	if (ok && variant->v6)
		netem_addr6(_metadata, KTCP_VETH_B, NETEM_IP6_B);
	ktcp_setns(_metadata, self->ns_cli);
	if (!ok)
		SKIP(return, "no netem in this kernel (CONFIG_NET_SCH_NETEM): %s",
		     why);
}

FIXTURE_TEARDOWN(netem)
{
	close(self->ns_cli);
	close(self->ns_srv);
}

/* One end: its stack, its netns and its counters. */
struct side {
	const char *who;
	bool ktcp;
	int nsfd;
	long long retrans0, csum0, hs0, retrans, csum, hs;
};

static const char *side_stack(const struct side *s)
{
	return s->ktcp && !ktcp_native() ? "ktcp" : "native";
}

/* Is this end's stack the one under test (whose counters are checked)? */
static bool side_tested(const struct side *s)
{
	return s->ktcp || ktcp_native();
}

static long long side_counter(struct __test_metadata *_metadata,
			      const struct side *s, const char *name)
{
	long long v = -1;
	int ret;

	if (s->ktcp)
		return ktcp_snmp(_metadata, name);
	ret = native_snmp_read(name, &v);
	ASSERT_EQ(0, ret)
		TH_LOG("native counter %s: %s", name, strerror(-ret));
	return v;
}

/* Snapshot (or, with @after, the growth of) this end's counters. */
static void side_counters(struct __test_metadata *_metadata, struct side *s,
			  int ns_back, bool after)
{
	long long r, c, h;

	ktcp_setns(_metadata, s->nsfd);
	r = side_counter(_metadata, s, "RetransSegs");
	c = side_counter(_metadata, s, "InCsumErrors");
	h = side_counter(_metadata, s, "TCPHystartTrainDetect") +
	    side_counter(_metadata, s, "TCPHystartDelayDetect");
	ktcp_setns(_metadata, ns_back);
	if (!after) {
		s->retrans0 = r;
		s->csum0 = c;
		s->hs0 = h;
	} else {
		s->hs = h - s->hs0;
		s->retrans = r - s->retrans0;
		s->csum = c - s->csum0;
	}
}

static void log_end(struct __test_metadata *_metadata, const char *who,
		    const struct bulk_end *e)
{
	TH_LOG("%s: %s: %s (sent %llu of %llu, got %llu%s, after %.1f s)",
	       who, e->err_what, strerror(-e->err),
	       (unsigned long long)e->sent, (unsigned long long)e->send_len,
	       (unsigned long long)e->rcvd, e->eof ? " and EOF" : "",
	       (e->t_end - e->t_start) / 1000.0);
}

/* @rx got what @tx sent: every byte, intact, then EOF. */
static void check_direction(struct __test_metadata *_metadata,
			    const char *what, const struct bulk_end *tx,
			    const struct bulk_end *rx, uint64_t bytes)
{
	char h1[2 * BULK_SHA256_LEN + 1], h2[2 * BULK_SHA256_LEN + 1];

	EXPECT_EQ(bytes, tx->sent) TH_LOG("%s: sender sent %llu", what,
					  (unsigned long long)tx->sent);
	EXPECT_EQ(bytes, rx->rcvd) TH_LOG("%s: receiver got %llu", what,
					  (unsigned long long)rx->rcvd);
	EXPECT_TRUE(rx->eof) TH_LOG("%s: no EOF after the data", what);
	EXPECT_EQ(-1, rx->bad_off)
		TH_LOG("%s: first wrong byte at offset %lld", what,
		       (long long)rx->bad_off);
	EXPECT_EQ(0, memcmp(tx->tx_sha, rx->rx_sha, BULK_SHA256_LEN))
		TH_LOG("%s: SHA-256 sent %s, received %s", what,
		       bulk_hex(tx->tx_sha, h1), bulk_hex(rx->rx_sha, h2));
}

/* The counter checks of one end whose stack is under test. */
static void check_side(struct __test_metadata *_metadata,
		       const struct side *e, unsigned int want,
		       const char *netem, uint64_t bytes)
{
	const struct {
		unsigned int flag;
		long long delta;
		const char *what;
	} checks[] = {
		{ WANT_RETRANS, e->retrans,
		  "sent data without a retransmission (RetransSegs)" },
		{ WANT_HYSTART, e->hs,
		  "sent data and HyStart never ended its slow start (TCPHystart*Detect)" },
		{ WANT_CSUMERR, e->csum,
		  "received data without a checksum error (InCsumErrors)" },
	};
	size_t i;

	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (!(want & checks[i].flag))
			continue;
		EXPECT_LT(0, checks[i].delta)
			TH_LOG("%s (%s), %llu bytes each way under \"%s\": %s",
			       e->who, side_stack(e), (unsigned long long)bytes,
			       netem, checks[i].what);
	}
}

/*
 * A transfer failed: log both ends' rows while the sockets are still up
 * (queues, timer and its countdown, retries), for the post-mortem. The
 * test thread is back in the client's netns afterwards.
 */
static void netem_dump(struct __test_metadata *_metadata, int ns_cli,
		       int ns_srv, int port)
{
	ktcp_setns(_metadata, ns_cli);
	TH_LOG("client netns rows of port %d:", port);
	ktcp_dump_rows(_metadata, port);
	ktcp_setns(_metadata, ns_srv);
	TH_LOG("server netns rows of port %d:", port);
	ktcp_dump_rows(_metadata, port);
	ktcp_setns(_metadata, ns_cli);
}

/* The family of one end: ktcp's or native, IPv4 or IPv6. */
static int netem_family(bool ktcp, bool v6)
{
	if (v6)
		return ktcp ? ktcp_family6() : AF_INET6;
	return ktcp ? ktcp_family() : AF_INET;
}


/* ktcp_listener() on [NETEM_IP6_B], an ephemeral port in *@port. */
static int netem_listener6(struct __test_metadata *_metadata, int family,
			   uint16_t *port)
{
	struct sockaddr_in6 sa = ktcp_sin6(NETEM_IP6_B, 0);
	int fd = __ktcp_socket(_metadata, family), p;

	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		TH_LOG("bind([%s]) family %d: %s", NETEM_IP6_B, family,
		       strerror(errno));
	ASSERT_EQ(0, listen(fd, 4)) TH_LOG("listen: %s", strerror(errno));
	p = ktcp_local_port(fd);	/* sin6_port is where sin_port is */
	ASSERT_LT(0, p) TH_LOG("getsockname: %s", strerror(-p));
	*port = p;
	return fd;
}

/* ktcp_connect() to [NETEM_IP6_B]:@port, within KTCP_IO_IDLE_MS. */
static int netem_connect6(struct __test_metadata *_metadata, int family,
			  uint16_t port)
{
	struct sockaddr_in6 sa = ktcp_sin6(NETEM_IP6_B, port);
	int fd = __ktcp_socket(_metadata, family), err = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(err);

	ASSERT_EQ(0, ktcp_set_nonblock(fd, true));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = errno;
	if (err == EINPROGRESS) {
		err = ETIMEDOUT;
		if (poll(&pfd, 1, ktcp_ms(KTCP_IO_IDLE_MS)) > 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
	}
	ASSERT_EQ(0, err) TH_LOG("connect([%s]:%u) family %d: %s",
				 NETEM_IP6_B, port, family, strerror(err));
	ASSERT_EQ(0, ktcp_set_nonblock(fd, false));
	return fd;
}

TEST_F_TIMEOUT(netem, bulk_both_ways, NETEM_TIMEOUT_S)
{
	struct side cs = {
		.who = "client", .ktcp = variant->client_ktcp,
		.nsfd = self->ns_cli,
	};
	struct side ss = {
		.who = "server", .ktcp = variant->server_ktcp,
		.nsfd = self->ns_srv,
	};
	uint64_t bytes = netem_bytes(variant->v6);
	struct bulk_end ce = { 0 }, se = { 0 };
	long long t0, budget_s, cap_s;
	int lfd, c, s, cport, cfam, sfam;
	struct side *sides[2] = { &cs, &ss };
	uint16_t port;
	pthread_t th;
	double secs;
	int i;

	ASSERT_NE(0, bytes)
		TH_LOG("KTCP_NETEM_BYTES='%s' is not a byte count (N[KMG])",
		       getenv("KTCP_NETEM_BYTES"));

	side_counters(_metadata, &cs, self->ns_cli, false);
	side_counters(_metadata, &ss, self->ns_cli, false);

	ktcp_setns(_metadata, self->ns_srv);
	sfam = netem_family(variant->server_ktcp, variant->v6);
	cfam = netem_family(variant->client_ktcp, variant->v6);
	if (variant->v6)
		lfd = netem_listener6(_metadata, sfam, &port);
	else
		lfd = ktcp_listener(_metadata, sfam, KTCP_VETH_IP_B, 0, 4,
				    &port);
	ktcp_setns(_metadata, self->ns_cli);
	if (variant->v6)
		c = netem_connect6(_metadata, cfam, port);
	else
		c = ktcp_connect(_metadata, cfam, KTCP_VETH_IP_B, port);
	s = ktcp_accept(_metadata, lfd);
	cport = ktcp_local_port(c);
	ASSERT_EQ(cport, ktcp_peer_port(s))
		TH_LOG("accepted a connection from another port");

	/* the transfer's deadline, inside the (scaled) harness timeout */
	budget_s = NETEM_DEADLINE_BASE_S + bytes / NETEM_MIN_RATE;
	budget_s = ktcp_ms(budget_s * 1000) / 1000;
	cap_s = _metadata->timeout - NETEM_MARGIN_S;
	if (budget_s > cap_s)
		budget_s = cap_s;
	t0 = ktcp_now_ms();
	ce = (struct bulk_end){
		.fd = c, .send_len = bytes, .send_seed = SEED_UP,
		.recv_seed = SEED_DOWN, .recv_max = bytes,
		.idle_ms = ktcp_ms(NETEM_IDLE_MS),
		.deadline_ms = t0 + budget_s * 1000,
	};
	se = (struct bulk_end){
		.fd = s, .send_len = bytes, .send_seed = SEED_DOWN,
		.recv_seed = SEED_UP, .recv_max = bytes,
		.idle_ms = ktcp_ms(NETEM_IDLE_MS),
		.deadline_ms = t0 + budget_s * 1000,
	};
	ASSERT_EQ(0, pthread_create(&th, NULL, bulk_end_thread, &se));
	bulk_end_run(&ce);
	if (ce.err) {
		netem_dump(_metadata, self->ns_cli, self->ns_srv, port);
		/* wake the server end rather than wait for its limit */
		shutdown(s, SHUT_RDWR);
	}
	pthread_join(th, NULL);
	if (se.err && !ce.err)
		netem_dump(_metadata, self->ns_cli, self->ns_srv, port);
	secs = ((ce.t_end > se.t_end ? ce.t_end : se.t_end) - t0) / 1000.0;

	side_counters(_metadata, &cs, self->ns_cli, true);
	side_counters(_metadata, &ss, self->ns_cli, true);
	ksft_print_msg("netem \"%s\", %s%s client -> %s server: %llu bytes each way in %.1f s (%.2f MiB/s each way); RetransSegs client +%lld server +%lld; InCsumErrors client +%lld server +%lld; HyStart client +%lld server +%lld\n",
		       variant->netem, variant->v6 ? "IPv6, " : "",
		       side_stack(&cs), side_stack(&ss),
		       (unsigned long long)bytes, secs,
		       secs > 0 ? bytes / 1048576.0 / secs : 0.0,
		       cs.retrans, ss.retrans, cs.csum, ss.csum, cs.hs, ss.hs);

	if (ce.err)
		log_end(_metadata, "client", &ce);
	if (se.err)
		log_end(_metadata, "server", &se);
	EXPECT_EQ(0, ce.err);
	EXPECT_EQ(0, se.err);
	check_direction(_metadata, "client -> server", &ce, &se, bytes);
	check_direction(_metadata, "server -> client", &se, &ce, bytes);

	if (bytes < NETEM_COUNTER_MIN_BYTES) {
		ksft_print_msg("counter checks left out: fewer than %llu bytes each way\n",
			       NETEM_COUNTER_MIN_BYTES);
	} else if (!ce.err && !se.err) {
		for (i = 0; i < 2; i++) {
			if (side_tested(sides[i]))
				check_side(_metadata, sides[i], variant->want,
					   variant->netem, bytes);
		}
	}
	close(c);
	close(s);
	close(lfd);
}

/*
 * A full qdisc is local congestion, not loss (__tcp_transmit_skb()): the
 * client's egress is netem "rate 20mbit limit 10", which refuses what
 * does not fit in its 10-packet queue (NET_XMIT_DROP), the server's
 * unshaped. The client, of the family under test or native AF_INET,
 * sends QD_BYTES one way to a native server. A refused segment must not
 * count as sent: it stays at the send head and leaves once the queue has
 * room, so it is never retransmitted, and cwnd is reduced (CWR).
 *
 * Before ktcp knew that, each refusal was a retransmission (about 1,000
 * per 64 MiB under the rate10mbit profile, where native had 0 to 8).
 * Asserted, for both stacks: the transfer completes, and RetransSegs
 * grew by at most an eighth of the qdisc's drops, plus 2 for the odd
 * tail loss probe (a probe re-sends the last segment). For ktcp the queue
 * overflowed (drops > 0) and TCPLocalCongestion counted the refusals:
 * netem orphans what it queues, so small queues (pacing.c's test) do not
 * bound its queue, for either stack.
 */
#define QD_BYTES	(4 << 20)
#define QD_NETEM	"rate 20mbit limit 10"

FIXTURE(qdisc)
{
	int ns_cli, ns_srv;
	int family;
};

FIXTURE_VARIANT(qdisc)
{
	bool native;
};

FIXTURE_VARIANT_ADD(qdisc, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(qdisc, native) { .native = true };

FIXTURE_SETUP(qdisc)
{
	char out[256], why[1024] = "";
	const char *what = "";
	int ret;

	ktcp_run_cmd(out, sizeof(out), "modprobe -q sch_netem");
	self->family = variant->native ? AF_INET : ktcp_family();
	ktcp_test_netns(_metadata, true, 5000, &self->ns_cli, &self->ns_srv);
	if (!link_setup(_metadata, KTCP_VETH_A, QD_NETEM, why, sizeof(why)))
		SKIP(return, "no netem in this kernel: %s", why);
	ktcp_setns(_metadata, self->ns_srv);
	ret = ktcp_if_wire(KTCP_VETH_B, &what);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s: %s", KTCP_VETH_B, what, strerror(-ret));
	ktcp_setns(_metadata, self->ns_cli);
}

FIXTURE_TEARDOWN(qdisc)
{
	close(self->ns_cli);
	close(self->ns_srv);
}

/* The "dropped" count of @ifname's root qdisc, in the current netns. */
static long long qd_dropped(struct __test_metadata *_metadata,
			    const char *ifname)
{
	char cmd[96], out[2048];
	const char *p;
	long long n = -1;

	snprintf(cmd, sizeof(cmd), "tc -s qdisc show dev %s", ifname);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	p = strstr(out, "dropped ");
	ASSERT_NE(NULL, p) TH_LOG("no drop count: %s", out);
	ASSERT_EQ(1, sscanf(p, "dropped %lld", &n)) TH_LOG("%s", out);
	return n;
}

/* ktcp's TCPLocalCongestion; 0 for native TCP, which has no such counter. */
static long long qd_local_congestion(int family)
{
	return family == AF_INET ? 0 :
	       ktcp_counter(family, "TCPLocalCongestion");
}

struct qd_sink {
	int lfd;
	ssize_t got;
};

static void *qd_sink_thread(void *arg)
{
	static char buf[64 << 10];
	struct qd_sink *k = arg;
	int fd = ktcp_accept_fd(k->lfd, ktcp_ms(10000));
	ssize_t n;

	k->got = fd;
	if (fd < 0)
		return NULL;
	k->got = 0;
	while ((n = ktcp_recv_all(fd, buf, sizeof(buf), ktcp_ms(20000))) > 0)
		k->got += n;
	if (n < 0)
		k->got = n;
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(qdisc, full_queue_is_no_loss, 300)
{
	static char buf[QD_BYTES];
	long long r0, lc0, drops;
	struct qd_sink k = { 0 };
	uint16_t port;
	pthread_t th;
	ssize_t n;
	int fd;

	ktcp_setns(_metadata, self->ns_srv);
	k.lfd = ktcp_listener(_metadata, AF_INET, KTCP_VETH_IP_B, 0, 4, &port);
	ASSERT_EQ(0, pthread_create(&th, NULL, qd_sink_thread, &k));
	ktcp_setns(_metadata, self->ns_cli);
	r0 = ktcp_counter(self->family, "RetransSegs");
	lc0 = qd_local_congestion(self->family);
	fd = ktcp_connect(_metadata, self->family, KTCP_VETH_IP_B, port);
	n = ktcp_send_all(fd, buf, sizeof(buf), ktcp_ms(20000));
	EXPECT_EQ(sizeof(buf), n) TH_LOG("send: %s", n < 0 ? strerror(-n) : "short");
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	pthread_join(th, NULL);
	EXPECT_EQ(sizeof(buf), k.got);
	drops = qd_dropped(_metadata, KTCP_VETH_A);
	r0 = ktcp_counter(self->family, "RetransSegs") - r0;
	lc0 = qd_local_congestion(self->family) - lc0;
	TH_LOG("%s: qdisc dropped %lld, RetransSegs +%lld, TCPLocalCongestion +%lld",
	       variant->native ? "native" : "ktcp", drops, r0, lc0);
	EXPECT_GE(drops / 8 + 2, r0);
	if (self->family != AF_INET) {
		EXPECT_LT(0, drops);
		EXPECT_LT(0, lc0);
		EXPECT_GE(drops, lc0);
	}
	close(fd);
	close(k.lfd);
}

/* @cmd (tc, on the client's veth end) in the client's netns. */
static void qd_tc(struct __test_metadata *_metadata, const char *cmd)
{
	char out[512];

	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s: %s", cmd, out);
}

/*
 * A SYN that a qdisc refuses counts as sent, as tcp_connect() has it: the
 * SYN timer sends it again, and once the qdisc lets it through (a pfifo
 * of no room, replaced after 300 ms) connect() completes after the 1 s
 * timeout, not after the ~18 min of window probes that a SYN left unsent
 * would get. The handshake's CWR is undone (tcp_init_metrics()): ssthresh
 * is infinite again.
 */
TEST_F_TIMEOUT(qdisc, syn_refused, 60)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, 0);
	struct tcp_info ti;
	socklen_t len = sizeof(ti), elen = sizeof(int);
	long long t0, took;
	uint16_t port;
	int lfd, fd, ret;

	ktcp_setns(_metadata, self->ns_srv);
	lfd = ktcp_listener(_metadata, AF_INET, KTCP_VETH_IP_B, 0, 4, &port);
	ktcp_setns(_metadata, self->ns_cli);
	sa.sin_port = htons(port);
	qd_tc(_metadata, "tc qdisc replace dev " KTCP_VETH_A " root pfifo limit 0");
	fd = __ktcp_socket(_metadata, self->family);
	ASSERT_EQ(0, ktcp_set_nonblock(fd, true));
	t0 = ktcp_now_ms();
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	ktcp_sleep_ms(300);
	qd_tc(_metadata, "tc qdisc del dev " KTCP_VETH_A " root");
	ASSERT_EQ(1, ktcp_poll1(fd, POLLOUT, ktcp_ms(10000), NULL));
	took = ktcp_now_ms() - t0;
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &ret, &elen));
	EXPECT_EQ(0, ret) TH_LOG("connect: %s after %lld ms", strerror(ret), took);
	EXPECT_GT(ktcp_ms(5000), took);
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(0x7fffffffU, ti.tcpi_snd_ssthresh);
	TH_LOG("connected after %lld ms, total_retrans %u", took,
	       ti.tcpi_total_retrans);
	close(fd);
	close(lfd);
}

/*
 * New data that a qdisc refuses with nothing in flight waits on the
 * window probe timer, which local congestion does not back off
 * (tcp_send_probe0(): TCP_RESOURCE_PROBE_INTERVAL, 500 ms): after 1.5 s
 * of refusals, the data arrives within 1.2 s of the qdisc letting it
 * through. Backed off, the next try would be 1.6 s or more away.
 */
TEST_F_TIMEOUT(qdisc, refused_data_retried, 60)
{
	static char buf[8192], rbuf[8192];
	long long t0, took;
	uint16_t port;
	int lfd, fd, s;
	ssize_t n;

	ktcp_setns(_metadata, self->ns_srv);
	lfd = ktcp_listener(_metadata, AF_INET, KTCP_VETH_IP_B, 0, 4, &port);
	ktcp_setns(_metadata, self->ns_cli);
	fd = ktcp_connect(_metadata, self->family, KTCP_VETH_IP_B, port);
	s = ktcp_accept(_metadata, lfd);
	qd_tc(_metadata, "tc qdisc replace dev " KTCP_VETH_A " root pfifo limit 0");
	ASSERT_EQ(sizeof(buf), send(fd, buf, sizeof(buf), 0));
	ktcp_sleep_ms(1500);
	qd_tc(_metadata, "tc qdisc del dev " KTCP_VETH_A " root");
	t0 = ktcp_now_ms();
	n = ktcp_recv_all(s, rbuf, sizeof(rbuf), ktcp_ms(10000));
	took = ktcp_now_ms() - t0;
	EXPECT_EQ(sizeof(rbuf), n);
	EXPECT_GT(1200, took) TH_LOG("the data came %lld ms after the qdisc went", took);
	TH_LOG("data %lld ms after the qdisc went", took);
	close(fd);
	close(s);
	close(lfd);
}

TEST_HARNESS_MAIN
