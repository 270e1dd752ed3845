// SPDX-License-Identifier: GPL-2.0
/*
 * SYN floods, ktcp against native TCP in the same VM: each case runs for
 * the family under test and for AF_INET, in a fresh network namespace of
 * its own, and asserts the same results for both.
 *
 * A raw socket sends SYNs from spoofed sources (198.18.1.0/24, routed out
 * of a veth whose far end has no address, so that their SYN-ACKs vanish as
 * a spoofed host's would) to a listener on that veth's address (a SYN-ACK
 * from 127.0.0.1 could not leave lo: Linux drops SYNs it cannot answer),
 * at ten times the listen backlog per second, while native clients in the
 * same namespace connect one after the other. With
 * SYN cookies (net.ktcp.syncookies / net.ipv4.tcp_syncookies at their
 * default 1) at least 99% of the clients must get through, each within
 * 3 s (a SYN retransmission would take 1 s and a second one 3 s), and get
 * a byte from the server over the connection. 3 s is scaled by
 * KTCP_TEST_TIMEOUT_MULT like every other wait: 1 on the stock kernel,
 * 4 on the debug kernel, where KASAN under TCG made one client in 40 take
 * longer than 3 s with its handshake intact; the counters say cookies
 * were sent and came back. Without cookies the same flood keeps the SYN
 * queue full: most clients fail, and TCPReqQFullDrop says why.
 *
 * Also: ACKs with a forged cookie count as SyncookiesFailed, one each; a
 * listener that never accepts counts ListenOverflows and ListenDrops.
 * Every flood is bounded in count and time and stays in the namespace.
 */
#include <netinet/ip.h>
#include <pthread.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define SF_ADDR		"198.18.2.1"	/* the listener's, on kt_sink */
#define SF_PORT		7400
#define SF_BACKLOG	64
#define SF_RATE		(10 * SF_BACKLOG)	/* spoofed SYNs per second */
#define SF_CLIENTS	40
#define SF_CONNECT_MS	3000
#define SF_FORGED	10
#define SF_F_SYN	0x02
#define SF_F_ACK	0x10

struct sf_pkt {
	struct iphdr ip;
	struct tcphdr th;
} __attribute__((packed));

/* The Internet checksum's running sum of @len bytes (RFC 1071). */
static uint32_t sf_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint16_t w;

	for (; len > 1; len -= 2, p += 2) {
		memcpy(&w, p, 2);	/* no type punning: -O2 safe */
		sum += w;
	}
	if (len)
		sum += *p;
	return sum;
}

static uint16_t sf_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* One segment from 198.18.1.@host:@sport to SF_ADDR:SF_PORT. */
static int sf_send(int fd, uint32_t host, uint16_t sport, uint8_t flags,
		   uint32_t seq, uint32_t ack)
{
	struct sockaddr_in to = ktcp_sin(SF_ADDR, 0);
	struct { uint32_t s, d; uint8_t z, p; uint16_t l; } ph;
	struct sf_pkt pkt = { 0 };
	uint32_t sum;

	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.saddr = htonl(0xc6120100 | (host & 0xff));	/* 198.18.1.x */
	pkt.ip.daddr = to.sin_addr.s_addr;
	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.th.source = htons(sport);
	pkt.th.dest = htons(SF_PORT);
	pkt.th.seq = htonl(seq);
	pkt.th.ack_seq = htonl(ack);
	pkt.th.doff = 5;
	((uint8_t *)&pkt.th)[13] = flags;
	pkt.th.window = htons(65535);
	ph.s = pkt.ip.saddr;
	ph.d = pkt.ip.daddr;
	ph.z = 0;
	ph.p = IPPROTO_TCP;
	ph.l = htons(sizeof(pkt.th));
	sum = sf_sum(&ph, sizeof(ph), 0);
	pkt.th.check = sf_fold(sf_sum(&pkt.th, sizeof(pkt.th), sum));
	return sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
		      sizeof(to)) == sizeof(pkt) ? 0 : -errno;
}

struct sf_flood {
	int raw;
	long long until_ms;
	unsigned long sent, errors;
};

/* SF_RATE spoofed SYNs a second, in 10 ms batches, until until_ms. */
static void *sf_flood_thread(void *arg)
{
	struct sf_flood *f = arg;
	uint32_t x = 2463534242u;
	long long next = ktcp_now_ms();

	while (ktcp_now_ms() < f->until_ms) {
		for (int i = 0; i < SF_RATE / 100; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			if (sf_send(f->raw, x, 1024 + (x >> 20) % 60000,
				    SF_F_SYN, x, 0))
				f->errors++;
			else
				f->sent++;
		}
		next += 10;
		if (next > ktcp_now_ms())
			ktcp_sleep_ms(next - ktcp_now_ms());
	}
	return NULL;
}

struct sf_server {
	int lfd;
	volatile bool stop;
	int accepted;
};

/* Accept and answer each client with one byte, then close. */
static void *sf_server_thread(void *arg)
{
	struct sf_server *s = arg;

	while (!s->stop) {
		int fd = ktcp_accept_fd(s->lfd, 100);

		if (fd < 0)
			continue;
		s->accepted++;
		if (write(fd, "k", 1) != 1)
			s->accepted--;
		close(fd);
	}
	return NULL;
}

/* A native client: connected and the server's byte read within 3 s. */
static bool sf_client(void)
{
	struct sockaddr_in sa = ktcp_sin(SF_ADDR, SF_PORT);
	int limit = ktcp_ms(SF_CONNECT_MS);
	long long start = ktcp_now_ms();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char c = 0;
	bool ok;

	if (fd < 0)
		return false;
	ok = !ktcp_connect_fd(fd, &sa, limit) &&
	     !ktcp_set_io_timeouts(fd, limit) &&
	     read(fd, &c, 1) == 1 && c == 'k' &&
	     ktcp_now_ms() - start <= limit;
	close(fd);
	return ok;
}

FIXTURE(synflood)
{
	int family;
	int raw;
};

FIXTURE_VARIANT(synflood)
{
	bool native;
};

FIXTURE_VARIANT_ADD(synflood, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(synflood, native) { .native = true };

static void sf_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[256], buf[128];

	snprintf(buf, sizeof(buf), "%s", cmd);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), buf))
		TH_LOG("%s: %s", cmd, out);
}

FIXTURE_SETUP(synflood)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->family = variant->native ? AF_INET : ktcp_family();
	ASSERT_EQ(0, ktcp_if_up("lo"));
	/*
	 * The spoofed sources' route: a veth whose far end has no address,
	 * through a gateway with a permanent neighbour entry (no ARP).
	 */
	sf_run(_metadata, "ip link add kt_sink type veth peer name kt_sink2");
	sf_run(_metadata, "ip link set kt_sink2 up");
	sf_run(_metadata, "ip link set kt_sink up");
	sf_run(_metadata, "ip addr add 198.18.2.1/24 dev kt_sink");
	sf_run(_metadata, "ip neigh add 198.18.2.2 lladdr 02:6b:74:00:00:02 "
	       "dev kt_sink nud permanent");
	sf_run(_metadata, "ip route add 198.18.1.0/24 via 198.18.2.2");
	self->raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	ASSERT_LE(0, self->raw) TH_LOG("raw socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(synflood)
{
	close(self->raw);
}

/* The stack's syncookies knob: net.ktcp.syncookies or tcp_syncookies. */
static void sf_syncookies(struct __test_metadata *_metadata, bool native,
			  long val)
{
	if (native) {
		ASSERT_EQ(0, ktcp_sysctl_path_write(
			"/proc/sys/net/ipv4/tcp_syncookies", val));
	} else {
		ktcp_sysctl_set(_metadata, "syncookies", val);
	}
}

static long long sf_count(int family, const char *name)
{
	return ktcp_counter(family, name);
}

/*
 * Flood from a second before the first of @clients clients until the last
 * is done; returns how many got through.
 */
static int sf_flood_clients(struct __test_metadata *_metadata, int family,
			    int raw, struct sf_flood *f, int clients)
{
	struct sf_server srv = { 0 };
	pthread_t ft, st;
	int ok = 0;

	srv.lfd = ktcp_listener(_metadata, family, SF_ADDR, SF_PORT,
				SF_BACKLOG, NULL);
	f->raw = raw;
	f->until_ms = ktcp_now_ms() + 60000;
	ASSERT_EQ(0, pthread_create(&ft, NULL, sf_flood_thread, f));
	ASSERT_EQ(0, pthread_create(&st, NULL, sf_server_thread, &srv));
	ktcp_sleep_ms(1000);		/* the queue is full by now */
	for (int i = 0; i < clients; i++)
		ok += sf_client();
	f->until_ms = 0;
	pthread_join(ft, NULL);
	srv.stop = true;
	pthread_join(st, NULL);
	close(srv.lfd);
	TH_LOG("%d/%d clients through, %d accepted; %lu spoofed SYNs sent "
	       "(%lu send errors)", ok, clients, srv.accepted, f->sent,
	       f->errors);
	EXPECT_EQ(0, f->errors);
	return ok;
}

/* With cookies (the default), the flood denies nobody. */
TEST_F_TIMEOUT(synflood, cookies_keep_clients, 120)
{
	long long sent0 = sf_count(self->family, "SyncookiesSent");
	long long recv0 = sf_count(self->family, "SyncookiesRecv");
	long long full0 = sf_count(self->family, "TCPReqQFullDoCookies");
	struct sf_flood f = { 0 };
	int ok;

	ok = sf_flood_clients(_metadata, self->family, self->raw, &f,
			      SF_CLIENTS);
	/* At least 99% of 40: all of them. */
	EXPECT_GE(ok * 100, SF_CLIENTS * 99);
	ASSERT_LE(0, sent0);
	EXPECT_LT(0, sf_count(self->family, "SyncookiesSent") - sent0);
	EXPECT_LT(0, sf_count(self->family, "SyncookiesRecv") - recv0);
	EXPECT_LT(0, sf_count(self->family, "TCPReqQFullDoCookies") - full0);
	TH_LOG("SyncookiesSent +%lld, SyncookiesRecv +%lld",
	       sf_count(self->family, "SyncookiesSent") - sent0,
	       sf_count(self->family, "SyncookiesRecv") - recv0);
}

/* Without cookies the SYN queue stays full of spoofed requests. */
TEST_F_TIMEOUT(synflood, no_cookies_denied, 120)
{
	long long drop0 = sf_count(self->family, "TCPReqQFullDrop");
	struct sf_flood f = { 0 };
	int ok;

	sf_syncookies(_metadata, variant->native, 0);
	/*
	 * Fewer clients: each failure costs the whole 3 s. Whether a client
	 * gets in depends on its SYN landing just as old requests expire,
	 * so only "not all" is certain (cookies let all of them in).
	 */
	ok = sf_flood_clients(_metadata, self->family, self->raw, &f, 8);
	EXPECT_LT(ok, 8);
	EXPECT_LT(0, sf_count(self->family, "TCPReqQFullDrop") - drop0);
	TH_LOG("TCPReqQFullDrop +%lld",
	       sf_count(self->family, "TCPReqQFullDrop") - drop0);
}

/*
 * ACKs with forged cookies, while cookies are in use (syncookies 2 sends
 * one for every SYN): each is counted as failed, none connects.
 */
TEST_F_TIMEOUT(synflood, forged_cookie_acks, 60)
{
	struct sockaddr_in sa = ktcp_sin(SF_ADDR, SF_PORT);
	long long fail0, recv0 = sf_count(self->family, "SyncookiesRecv");
	int lfd, cfd, afd, i;

	sf_syncookies(_metadata, variant->native, 2);
	lfd = ktcp_listener(_metadata, self->family, SF_ADDR, SF_PORT,
			    SF_BACKLOG, NULL);
	/* One real client: its cookie went out and came back. */
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, ktcp_connect_fd(cfd, &sa, ktcp_ms(SF_CONNECT_MS)));
	afd = ktcp_accept_fd(lfd, ktcp_ms(SF_CONNECT_MS));
	ASSERT_LE(0, afd);
	close(afd);
	close(cfd);
	EXPECT_EQ(1, sf_count(self->family, "SyncookiesRecv") - recv0);
	fail0 = sf_count(self->family, "SyncookiesFailed");
	recv0 = sf_count(self->family, "SyncookiesRecv");
	for (i = 0; i < SF_FORGED; i++)
		ASSERT_EQ(0, sf_send(self->raw, i, 2000 + i, SF_F_ACK,
				     1000 + i, 0x12345678 + i));
	ktcp_sleep_ms(ktcp_ms(500));
	EXPECT_EQ(SF_FORGED, sf_count(self->family, "SyncookiesFailed") - fail0);
	EXPECT_EQ(0, sf_count(self->family, "SyncookiesRecv") - recv0);
	EXPECT_EQ(-ETIMEDOUT, ktcp_accept_fd(lfd, 100));
	close(lfd);
}

/* A listener that never accepts: its queue overflows, counted. */
TEST_F(synflood, accept_queue_overflow)
{
	struct sockaddr_in sa = ktcp_sin(SF_ADDR, SF_PORT);
	long long ovf0 = sf_count(self->family, "ListenOverflows");
	long long drop0 = sf_count(self->family, "ListenDrops");
	int lfd, fds[4], i;

	lfd = ktcp_listener(_metadata, self->family, SF_ADDR, SF_PORT, 1,
			    NULL);
	for (i = 0; i < 4; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_LE(0, fds[i]);
		connect(fds[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	ktcp_sleep_ms(ktcp_ms(1500));
	EXPECT_LT(0, sf_count(self->family, "ListenOverflows") - ovf0);
	EXPECT_LE(sf_count(self->family, "ListenOverflows") - ovf0,
		  sf_count(self->family, "ListenDrops") - drop0);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	close(lfd);
}

TEST_HARNESS_MAIN
