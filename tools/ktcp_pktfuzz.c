// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_pktfuzz: a packet fuzzer for ktcp's input path. It brings ktcp
 * connections into each TCP state with a scripted peer, then sends them
 * mutated segments, and at the end checks that the stack still takes a
 * fresh connection. userspace-tests/fuzz.sh runs it.
 *
 *   ktcp_pktfuzz -k NETNS_K -p NETNS_P [options]
 *
 * The topology is the packet tests' (userspace-tests/pkt/pktlib.py):
 * NETNS_K has ktcp0 198.18.0.1/24 and a permanent neighbour entry for
 * 198.18.0.2; NETNS_P has peer0, up, without an address, so its kernel
 * never answers ktcp. The peer is an AF_PACKET socket on peer0 that
 * writes whole Ethernet frames (C rather than scapy: under TCG a million
 * segments must go in minutes).
 *
 * Each round picks a state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED with
 * and without data in flight and out of order, FIN_WAIT1, FIN_WAIT2,
 * CLOSING, TIME_WAIT, CLOSE_WAIT, LAST_ACK), drives one connection there
 * with valid segments and ktcp-side calls, and sends it a random number of
 * mutated segments: random flags and reserved bits, sequence and ACK
 * numbers at and around the edges of what ktcp has sent and received and
 * far away, random windows and urgent pointers, options (every kind ktcp
 * or Linux parses, and unknown ones) with valid and bad lengths, data
 * offsets below 5 and past the segment's end, payloads from none to 8000
 * bytes (MTU 9000: AF_PACKET builds frames over a page as nonlinear skbs
 * whose headers are in page fragments), some in two IP fragments (the
 * reassembled skb has a frag_list), some with a bad checksum, ECN bits,
 * and, in half the rounds, a packet tap on ktcp0 so that ktcp gets cloned
 * skbs.
 *
 * A quarter of the rounds are IPv6 ones: the peer writes IPv6 frames from
 * P_IP6 to K_IP6 (NETNS_K has K_IP6/64 on ktcp0, added nodad, and a
 * permanent neighbour entry for P_IP6; peer0 has no such address either)
 * and the ktcp side is an AF_KTCP6 socket, the listener on [K_IP6]:LPORT
 * or a connect() to P_IP6. The scripted segments are clean IPv6; the
 * mutated ones come with no, one or several extension headers before TCP (hop-by-hop and destination options with
 * padding, an atomic fragment header: offset 0, MF 0, in any order and
 * sometimes a bad header length), some as two real fragments (left to
 * native TCP: reassembly runs after ktcp's hook), some with a payload
 * length that is too short or too long, checksums over the IPv6 pseudo
 * header, bad ones as for IPv4, random traffic classes, flow labels and
 * hop limits. A tenth of the IPv4 rounds go to a dual-stack AF_KTCP6 listener
 * on [::]:LPORT6 or from an AF_KTCP6 socket connected to ::ffff:P_IP:
 * IPv4 on the wire, v4-mapped addresses on the socket.
 *
 * Between rounds the sysctls that steer input (syncookies, ecn,
 * ecn_fallback, frto, recovery, max_syn_backlog) change, and a third of
 * the peer's SYNs ask for ECN. Mutated segments that move ktcp's state
 * are followed: what ktcp sends back is read, so that later segments
 * still aim at its window edges and the round ends with an exact RST;
 * ktcp-side sockets end with SO_LINGER 0.
 *
 * Options:
 *   -n N      segments to send (default 20000)
 *   -t S      stop after S seconds even if fewer were sent (default 600)
 *   -s SEED   random seed (default 1): a run is repeatable from it
 *   -v        one line per round
 *
 * Last line: "RESULT ok|FAIL segments=N secs=S ... unreached=U" (U:
 * rounds whose state could not be reached, their segments not sent),
 * after the rounds per state and a line of the IPv6 counts. Exit 0 when
 * the final checks passed (a fresh connection through the peer carries
 * data both ways, over IPv4 and over IPv6, and so does one on lo), 1 if
 * not, 2 on a set-up error. Kernel reports (KASAN, lockdep,
 * WARN) are for the caller to find in dmesg.
 *
 * A tool, not a test: `make tools` builds it into tools/build/.
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <getopt.h>
#include <stdarg.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/ioctl.h>

#define K_IP		"198.18.0.1"
#define P_IP		"198.18.0.2"
#define K_IF		"ktcp0"
#define P_IF		"peer0"
#define K_IP6		"fd00:6b74::1"
#define P_IP6		"fd00:6b74::2"
#define LPORT		8000
#define LPORT6		8001	/* the dual-stack AF_KTCP6 listener on :: */
#define FRAME_MAX	9100
#define MAX_PAYLOAD	8000

enum st {
	S_LISTEN, S_SYN_SENT, S_SYN_RECV, S_ESTAB, S_ESTAB_DATA, S_FIN_WAIT1,
	S_FIN_WAIT2, S_CLOSING, S_TIME_WAIT, S_CLOSE_WAIT, S_LAST_ACK, S_NR
};

static const char *const st_name[S_NR] = {
	"listen", "syn_sent", "syn_recv", "established", "established_data",
	"fin_wait1", "fin_wait2", "closing", "time_wait", "close_wait",
	"last_ack",
};

/* One connection as the peer sees it. */
struct conn {
	uint16_t pport, kport;	/* peer's and ktcp's ports */
	uint32_t p_nxt;		/* the peer's next sequence number */
	uint32_t k_nxt;		/* highest end of what ktcp sent */
	uint32_t k_ack;		/* ktcp's last ACK: its rcv_nxt */
	uint32_t k_win;
	bool k_seen;		/* ktcp sent something on this tuple */
	uint8_t k_flags;	/* the flags of the last thing it sent */
	int fd;			/* ktcp's socket (-1: none or orphaned) */
	int lfd;		/* the listener the round's SYNs go to */
	uint16_t lport;		/* its port */
	bool sock6;		/* ktcp's side is an AF_KTCP6 socket */
};

static struct {
	int pk;			/* AF_PACKET on peer0 */
	int tap;		/* AF_PACKET tap on ktcp0, or -1 */
	int lfd;		/* ktcp listener on K_IP:LPORT */
	int lfd6;		/* AF_KTCP6 listener on [K_IP6]:LPORT */
	int lfd46;		/* dual-stack AF_KTCP6 listener on [::]:LPORT6 */
	bool v6;		/* this round is on the IPv6 wire */
	bool mutate;		/* fuzz_seg() sends: IPv6 header mutations too */
	struct in6_addr kip6, pip6;
	int nsk, nsp;
	int ifindex;
	unsigned char pmac[6], kmac[6];
	uint32_t kip, pip;
	uint64_t rng;
	long sent, sent_bad, rcvd, frags, big, rounds[S_NR], unreached;
	long rounds6, rounds46, sent6, exthdrs, badlen6, unreached6;
	long target;
	long long deadline;
	bool verbose;
	uint16_t next_port;
} g;

static uint64_t rnd(void)
{
	/* splitmix64: small, and a run is a function of its seed */
	uint64_t z = (g.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rn(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rn(100) < pct;
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ktcp_pktfuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	printf("RESULT FAIL segments=%ld why=setup\n", g.sent);
	exit(2);
}

static void enter(int nsfd)
{
	if (setns(nsfd, CLONE_NEWNET))
		die("setns: %s", strerror(errno));
}

static bool timed_out(void)
{
	return ktcp_now_ms() > g.deadline;
}

/* ---- checksums and frames ---- */

static uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static uint16_t tcp_csum(uint32_t saddr, uint32_t daddr, const void *tcp,
			 size_t len)
{
	uint32_t sum = 0;
	uint8_t ph[12];

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = len >> 8;
	ph[11] = len & 0xff;
	sum = csum_add(sum, ph, sizeof(ph));
	return csum_fold(csum_add(sum, tcp, len));
}

/* RFC 8200 8.1: the IPv6 pseudo header, upper-layer length 32 bits. */
static uint16_t tcp_csum6(const void *tcp, size_t len)
{
	uint8_t ph[40] = { 0 };

	memcpy(ph, &g.pip6, 16);
	memcpy(ph + 16, &g.kip6, 16);
	ph[34] = len >> 8;
	ph[35] = len & 0xff;
	ph[39] = IPPROTO_TCP;
	return csum_fold(csum_add(csum_add(0, ph, sizeof(ph)), tcp, len));
}

/* The checksum of a segment from the peer, on the round's wire. */
static uint16_t seg_csum(const void *tcp, size_t len)
{
	return g.v6 ? tcp_csum6(tcp, len) : tcp_csum(g.pip, g.kip, tcp, len);
}

static void xmit_frame(uint8_t *frame, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_ifindex = g.ifindex,
		.sll_halen = 6, .sll_protocol = htons(g.v6 ? ETH_P_IPV6 : ETH_P_IP),
	};

	memcpy(sll.sll_addr, g.kmac, 6);
	memcpy(frame, g.kmac, 6);
	memcpy(frame + 6, g.pmac, 6);
	frame[12] = g.v6 ? 0x86 : 0x08;
	frame[13] = g.v6 ? 0xdd : 0x00;
	if (sendto(g.pk, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		if (errno != ENOBUFS && errno != EAGAIN)
			die("sendto peer0: %s", strerror(errno));
	}
}

static void ip_fill(uint8_t *ip, size_t tot, uint16_t id, uint16_t frag,
		    uint8_t tos)
{
	struct iphdr *iph = (struct iphdr *)ip;

	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->tot_len = htons(tot);
	iph->id = htons(id);
	iph->frag_off = htons(frag);
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = g.pip;
	iph->daddr = g.kip;
	iph->check = csum_fold(csum_add(0, iph, sizeof(*iph)));
}

/*
 * Send TCP bytes @tcp (@len) from the peer in one IP packet, or in two
 * fragments when @frag; @tos goes in the IP header. The scripted
 * segments go out clean; the IPv6 header's own mutations (extension
 * headers, Payload Length, hop limit, flow label) only with g.mutate.
 */
static void ip6_fill(uint8_t *ip, size_t plen, uint8_t nexthdr, uint8_t tclass)
{
	struct ip6_hdr *h = (struct ip6_hdr *)ip;
	uint32_t flow = g.mutate && chance(30) ? rn(1 << 20) : 0;

	h->ip6_flow = htonl(6u << 28 | (uint32_t)tclass << 20 | flow);
	h->ip6_plen = htons((uint16_t)plen);
	h->ip6_nxt = nexthdr;
	h->ip6_hlim = !g.mutate || chance(95) ? 64 : (uint8_t)rnd();
	h->ip6_src = g.pip6;
	h->ip6_dst = g.kip6;
}

/*
 * Extension headers before TCP at @x (room for 64 bytes): none mostly,
 * else up to three of hop-by-hop options, destination options (PadN) and
 * an atomic fragment header (RFC 6946: offset 0, MF 0), in any order
 * (hop-by-hop anywhere but first is for ip6 input to refuse), now and
 * then with a header length past what is there. Returns their length,
 * *@first the Next Header value for the IPv6 header.
 */
static size_t ext_fill(uint8_t *x, uint8_t *first)
{
	static const uint8_t kinds[] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
					 IPPROTO_FRAGMENT };
	size_t n = 0, last = 0;
	int cnt = chance(70) ? 0 : 1 + (int)rn(3);

	*first = IPPROTO_TCP;
	for (int i = 0; i < cnt; i++) {
		uint8_t k = kinds[rn(3)];
		size_t hl = k == IPPROTO_FRAGMENT ? 8 : 8 * (1 + rn(2));

		if (i == 0)
			*first = k;
		else
			x[last] = k;
		last = n;
		memset(x + n, 0, hl);
		x[n] = IPPROTO_TCP;
		if (k == IPPROTO_FRAGMENT) {
			uint32_t id = (uint32_t)rnd();

			memcpy(x + n + 4, &id, 4);
			if (chance(5))	/* offset or MF: a real fragment */
				x[n + 3] = (uint8_t)rn(8) | 1;
		} else {
			x[n + 1] = (uint8_t)(hl / 8 - 1);
			x[n + 2] = 1;			/* PadN */
			x[n + 3] = (uint8_t)(hl - 4);
			if (chance(5))
				x[n + 1] = (uint8_t)rnd();	/* past the end */
		}
		n += hl;
	}
	if (cnt)
		g.exthdrs++;
	return n;
}

/*
 * The IPv6 send_ip(): extension headers maybe, two fragments when @frag
 * (each with a fragment header; IPv6 reassembles after ktcp's hook), a
 * Payload Length off now and then.
 */
static void send_ip6(const uint8_t *tcp, size_t len, bool frag, uint8_t tclass)
{
	static uint8_t frame[FRAME_MAX + 128];
	static uint32_t fid;
	uint8_t *ip = frame + 14, *x = ip + 40, first;
	size_t xl, plen;

	if (frag && len > 16) {
		size_t cut = ((rn((uint32_t)len - 8) + 8) & ~7u);

		if (cut == 0 || cut >= len)
			cut = 8;
		fid++;
		for (int i = 0; i < 2; i++) {
			size_t off = i ? cut : 0, l = i ? len - cut : cut;
			uint16_t fo = (uint16_t)(off | (i ? 0 : 1));
			uint32_t id = htonl(fid);

			ip6_fill(ip, 8 + l, IPPROTO_FRAGMENT, tclass);
			x[0] = IPPROTO_TCP;
			x[1] = 0;
			fo = htons(fo);
			memcpy(x + 2, &fo, 2);
			memcpy(x + 4, &id, 4);
			memcpy(x + 8, tcp + off, l);
			xmit_frame(frame, 14 + 40 + 8 + l);
		}
		g.frags++;
		return;
	}
	first = IPPROTO_TCP;
	xl = g.mutate ? ext_fill(x, &first) : 0;
	plen = xl + len;
	if (g.mutate && chance(3)) {
		/* too short (ip6 input trims), too long (dropped), 0 */
		plen = chance(50) ? plen - rn((uint32_t)plen + 1) :
		       chance(50) ? plen + 1 + rn(100) : 0;
		g.badlen6++;
	}
	ip6_fill(ip, plen, first, tclass);
	memcpy(x + xl, tcp, len);
	xmit_frame(frame, 14 + 40 + xl + len);
}

static void send_ip(const uint8_t *tcp, size_t len, bool frag, uint8_t tos)
{
	static uint8_t frame[FRAME_MAX + 64];
	static uint16_t ipid;
	uint8_t *ip = frame + 14;

	if (g.v6) {
		send_ip6(tcp, len, frag, tos);
		if (len > 4000)
			g.big++;
		g.sent++;
		g.sent6++;
		return;
	}
	ipid++;
	if (frag && len > 16) {
		size_t cut = ((rn((uint32_t)len - 8) + 8) & ~7u);

		if (cut == 0 || cut >= len)
			cut = 8;
		ip_fill(ip, 20 + cut, ipid, 0x2000, tos);
		memcpy(ip + 20, tcp, cut);
		xmit_frame(frame, 14 + 20 + cut);
		ip_fill(ip, 20 + len - cut, ipid, cut / 8, tos);
		memcpy(ip + 20, tcp + cut, len - cut);
		xmit_frame(frame, 14 + 20 + len - cut);
		g.frags++;
	} else {
		ip_fill(ip, 20 + len, ipid, 0x4000, tos);
		memcpy(ip + 20, tcp, len);
		xmit_frame(frame, 14 + 20 + len);
	}
	if (len > 4000)
		g.big++;
	g.sent++;
}

/* A well-formed segment: the peer's scripted steps. */
static void send_seg(struct conn *c, uint32_t seq, uint32_t ack, uint8_t flags,
		     const uint8_t *opt, size_t optlen, size_t paylen)
{
	uint8_t buf[60 + 1500];
	struct tcphdr *th = (struct tcphdr *)buf;
	size_t len = 20 + optlen + paylen;

	memset(buf, 0, 20);
	th->source = htons(c->pport);
	th->dest = htons(c->kport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = (20 + optlen) / 4;
	buf[13] = flags;
	th->window = htons(65535);
	memcpy(buf + 20, opt, optlen);
	memset(buf + 20 + optlen, 'x', paylen);
	th->check = seg_csum(buf, len);
	send_ip(buf, len, false, 0);
}

/* ---- what ktcp sends ---- */

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/*
 * Read what arrived on peer0 (for up to @wait_ms), follow @c's tuple; true
 * if a segment with all of @want_flags came for @c (its seq in *@seq).
 */
static bool peer_read(struct conn *c, int wait_ms, uint8_t want, uint32_t *seq)
{
	long long end = ktcp_now_ms() + wait_ms;
	static uint8_t buf[FRAME_MAX + 64];
	bool found = false;

	for (;;) {
		struct pollfd pfd = { .fd = g.pk, .events = POLLIN };
		long long left = end - ktcp_now_ms();
		const struct tcphdr *th;
		const struct iphdr *iph;
		const struct ip6_hdr *ip6h;
		uint32_t s, e, plen;
		ssize_t n;

		if (found || left < 0)
			left = 0;
		if (poll(&pfd, 1, (int)left) <= 0)
			return found;
		n = recv(g.pk, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 14 + 40)
			continue;
		iph = (const struct iphdr *)(buf + 14);
		ip6h = (const struct ip6_hdr *)(buf + 14);
		if (buf[12] == 0x86 && buf[13] == 0xdd) {
			/* ktcp sends no extension headers */
			if (!g.v6 || n < 14 + 60 || ip6h->ip6_nxt != IPPROTO_TCP ||
			    memcmp(&ip6h->ip6_src, &g.kip6, 16))
				continue;
			th = (const struct tcphdr *)(buf + 14 + 40);
			plen = ntohs(ip6h->ip6_plen);
		} else {
			if (g.v6 || buf[12] != 0x08 || buf[13] != 0 ||
			    iph->protocol != IPPROTO_TCP || iph->saddr != g.kip)
				continue;
			th = (const struct tcphdr *)(buf + 14 + iph->ihl * 4);
			plen = ntohs(iph->tot_len) - iph->ihl * 4;
		}
		g.rcvd++;
		if (!c || ntohs(th->dest) != c->pport || ntohs(th->source) != c->kport)
			continue;
		s = ntohl(th->seq);
		e = s + plen - th->doff * 4 + th->syn + th->fin;
		if (!c->k_seen || seq_after(e, c->k_nxt))
			c->k_nxt = e;
		if (th->ack)
			c->k_ack = ntohl(th->ack_seq);
		c->k_win = ntohs(th->window);
		c->k_seen = true;
		c->k_flags = ((const uint8_t *)th)[13];
		if ((((const uint8_t *)th)[13] & want) == want && want) {
			if (seq)
				*seq = s;
			found = true;
		}
	}
}

/* ---- mutated segments ---- */

static uint32_t near(uint32_t base, uint32_t win)
{
	static const int32_t d[] = { 0, 0, 0, 1, -1, 2, -2, 1000, -1000,
				     65535, -65535, 65536, 1 << 30, INT32_MIN };

	switch (rn(6)) {
	case 0:
		return (uint32_t)rnd();
	case 1:
		return base + win + rn(3) - 1;
	case 2:
		return base - win + rn(3) - 1;
	case 3:
		return base + rn(3000) - 1500;
	default:
		return base + (uint32_t)d[rn(sizeof(d) / sizeof(d[0]))];
	}
}

/* Options: every kind parsed anywhere, valid and bad lengths; returns len. */
static size_t gen_opts(uint8_t *o, size_t room, const struct conn *c)
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 8, 19, 28, 29, 30,
					 34, 253, 254, 99 };
	size_t n = 0;

	while (n < room && !chance(15)) {
		uint8_t k = kinds[rn(sizeof(kinds))];
		size_t len;

		if (k <= 1) {
			o[n++] = k;
			continue;
		}
		switch (k) {
		case 2: len = 4; break;
		case 3: len = 3; break;
		case 4: len = 2; break;
		case 5: len = 2 + 8 * (1 + rn(4)); break;
		case 8: len = 10; break;
		case 19: len = 18; break;
		case 34: len = 2 + 2 * rn(9); break;
		default: len = 2 + rn(12); break;
		}
		if (chance(25))		/* a bad length: 0, 1, off by one, huge */
			len = (size_t[]){ 0, 1, len - 1, len + 1, 255, 2 + rn(40) }[rn(6)];
		o[n] = k;
		if (n + 1 < room)
			o[n + 1] = (uint8_t)len;
		for (size_t i = n + 2; i < n + len && i < room; i++)
			o[i] = (uint8_t)rnd();
		if (k == 5 && len >= 10 && chance(70)) {
			/* SACK blocks around what ktcp sent */
			for (size_t b = n + 2; b + 8 <= n + len && b + 8 <= room; b += 8) {
				uint32_t l = htonl(near(c->k_nxt, 3000));
				uint32_t r = htonl(ntohl(l) + rn(3000) - 100);

				memcpy(o + b, &l, 4);
				memcpy(o + b + 4, &r, 4);
			}
		}
		if (len < 2)
			len = 2;
		n += len;
	}
	return n > room ? room : n;
}

/* One mutated segment at @c, aimed around its window edges. */
static void fuzz_seg(struct conn *c)
{
	static const uint8_t common[] = { 0x10, 0x18, 0x11, 0x19, 0x04, 0x14,
					  0x02, 0x12, 0x00, 0x01, 0x30, 0x50,
					  0x90, 0xd2, 0x03, 0x06, 0x05 };
	static uint8_t buf[FRAME_MAX];
	struct tcphdr *th = (struct tcphdr *)buf;
	size_t optlen = 0, paylen = 0, len;
	uint32_t win = c->k_win ? c->k_win : 65535;

	memset(buf, 0, 20);
	th->source = htons(c->pport);
	th->dest = htons(c->kport);
	th->seq = htonl(near(c->k_seen ? c->k_ack : c->p_nxt, win << rn(8)));
	th->ack_seq = htonl(near(c->k_nxt, 1 << rn(17)));
	buf[13] = chance(60) ? common[rn(sizeof(common))] : (uint8_t)rnd();
	th->window = htons(chance(20) ? (uint16_t)(rn(3) ? 0 : 1) : (uint16_t)rnd());
	th->urg_ptr = htons(chance(70) ? 0 : (uint16_t)rnd());
	if (chance(50))
		optlen = gen_opts(buf + 20, 40, c);
	while (optlen % 4)
		buf[20 + optlen++] = chance(80) ? 1 : (uint8_t)rnd();
	th->doff = (20 + optlen) / 4;
	if (chance(8))
		th->doff = rn(16);
	buf[12] |= chance(5) ? rn(16) : 0;	/* reserved bits */
	switch (rn(10)) {
	case 0: case 1: case 2: case 3: case 4: break;
	case 5: case 6: paylen = 1 + rn(100); break;
	case 7: case 8: paylen = 1 + rn(1460); break;
	default: paylen = 4000 + rn(MAX_PAYLOAD - 4000); break;
	}
	len = 20 + optlen + paylen;
	for (size_t i = 20 + optlen; i < len; i += 64)
		buf[i] = (uint8_t)rnd();
	th->check = seg_csum(buf, len);
	if (chance(2)) {
		th->check ^= 1 + rn(0xfffe);
		g.sent_bad++;
	}
	if (chance(2) && len > 21)	/* a runt: cut inside the header */
		len = 1 + rn(len > 60 ? 60 : (uint32_t)len - 1);
	g.mutate = true;
	send_ip(buf, len, chance(5), chance(20) ? (uint8_t)rnd() : 0);
	g.mutate = false;
}

/* ---- bringing a connection into a state ---- */

static void k_drain(int fd)
{
	static char buf[65536];

	if (fd >= 0)
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
}

static void k_abort(struct conn *c)
{
	if (c->fd >= 0)
		ktcp_abort_fd(&c->fd);
}

static const uint8_t syn_opts[] = {
	2, 4, 0x05, 0xb4,		/* MSS 1460 */
	1, 3, 3, 7,			/* NOP, WS 7 */
	4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,	/* SACK_PERM, TS */
};

/* Peer SYN, ktcp's SYN-ACK read: SYN_RECV. */
static bool to_syn_recv(struct conn *c)
{
	uint32_t s;

	c->kport = c->lport;
	c->p_nxt = (uint32_t)rnd();
	/* a third of them ECN-setup SYNs (ECE and CWR, RFC 3168 6.1.1) */
	send_seg(c, c->p_nxt, 0, chance(33) ? 0xc2 : 0x02, syn_opts,
		 rn(2) ? sizeof(syn_opts) : 0, 0);
	c->p_nxt++;
	if (!peer_read(c, ktcp_ms(2000), 0x12, &s))
		return false;
	c->k_nxt = s + 1;
	return true;
}

static bool to_estab(struct conn *c)
{
	if (!to_syn_recv(c))
		return false;
	send_seg(c, c->p_nxt, c->k_nxt, 0x10, NULL, 0, 0);
	c->fd = ktcp_accept_fd(c->lfd, ktcp_ms(2000));
	if (c->fd < 0)
		return false;
	ktcp_set_nonblock(c->fd, true);
	return true;
}

/* ktcp's FIN: shutdown(SHUT_WR), and the FIN read. */
static bool k_fin(struct conn *c)
{
	uint32_t s;

	if (shutdown(c->fd, SHUT_WR))
		return false;
	return peer_read(c, ktcp_ms(2000), 0x01, &s);
}

static bool p_fin(struct conn *c, bool ack_theirs)
{
	send_seg(c, c->p_nxt, ack_theirs ? c->k_nxt : c->k_nxt - 1, 0x11, NULL, 0, 0);
	c->p_nxt++;
	peer_read(c, 50, 0, NULL);
	return true;
}

/*
 * ktcp connects to the peer: AF_KTCP to P_IP, or AF_KTCP6 to P_IP6 (IPv6
 * round) or to ::ffff:P_IP (an IPv4 round with c->sock6).
 */
static bool to_syn_sent(struct conn *c)
{
	struct sockaddr_in sa = ktcp_sin(P_IP, c->pport);
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(c->pport) };
	uint32_t s;
	int fd, r;

	fd = socket(c->sock6 ? ktcp_family6() : ktcp_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	c->fd = fd;
	if (c->sock6) {
		if (g.v6) {
			sa6.sin6_addr = g.pip6;
		} else {
			sa6.sin6_addr.s6_addr[10] = 0xff;
			sa6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&sa6.sin6_addr.s6_addr[12], &g.pip, 4);
		}
		r = connect(fd, (struct sockaddr *)&sa6, sizeof(sa6));
	} else {
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (r && errno != EINPROGRESS)
		return false;
	c->kport = (uint16_t)ktcp_local_port(fd);
	if (!peer_read(c, ktcp_ms(2000), 0x02, &s))
		return false;
	c->k_nxt = s + 1;
	c->p_nxt = (uint32_t)rnd();
	c->k_ack = c->p_nxt;
	return true;
}

static bool to_state(struct conn *c, enum st s)
{
	static char data[3000];

	switch (s) {
	case S_LISTEN:
		c->kport = c->lport;
		c->p_nxt = (uint32_t)rnd();
		c->k_nxt = (uint32_t)rnd();
		return true;
	case S_SYN_SENT:
		return to_syn_sent(c);
	case S_SYN_RECV:
		return to_syn_recv(c);
	default:
		break;
	}
	if (!to_estab(c))
		return false;
	switch (s) {
	case S_ESTAB_DATA:
		/* ktcp has data in flight; the peer left a hole */
		if (send(c->fd, data, sizeof(data), MSG_DONTWAIT) < 0)
			return false;
		send_seg(c, c->p_nxt + 1000, c->k_nxt, 0x18, NULL, 0, 500);
		peer_read(c, 50, 0, NULL);
		return true;
	case S_FIN_WAIT1:
		return k_fin(c);
	case S_FIN_WAIT2:
		if (!k_fin(c))
			return false;
		send_seg(c, c->p_nxt, c->k_nxt, 0x10, NULL, 0, 0);
		return true;
	case S_CLOSING:
		return k_fin(c) && p_fin(c, false);
	case S_TIME_WAIT:
		if (!k_fin(c) || !p_fin(c, true))
			return false;
		close(c->fd);	/* the TIME_WAIT stays */
		c->fd = -1;
		return true;
	case S_CLOSE_WAIT:
		return p_fin(c, true);
	case S_LAST_ACK:
		p_fin(c, true);
		close(c->fd);	/* orphaned: ktcp's FIN */
		c->fd = -1;
		peer_read(c, 50, 0, NULL);
		return true;
	default:
		return true;
	}
}

/*
 * The namespace's sysctls that change what input does with a segment
 * (module/sysctl.c), and the values the rounds give them; what they were
 * at the start is put back for the final checks.
 */
static const struct knob {
	const char *name;
	int val[4];
} knobs[] = {
	{ "syncookies", { 0, 1, 2, 1 } },
	{ "ecn", { 0, 1, 2, 1 } },
	{ "ecn_fallback", { 0, 1, 0, 1 } },
	{ "frto", { 0, 1, 2, 2 } },
	{ "recovery", { 0, 1, 4, 7 } },
	{ "max_syn_backlog", { 2, 16, 128, 4096 } },
};

#define NKNOB	(sizeof(knobs) / sizeof(knobs[0]))

static int knob_saved[NKNOB];

static FILE *knob_open(size_t i, const char *mode)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/sys/net/ktcp/%s", knobs[i].name);
	return fopen(path, mode);
}

static void knob_set(size_t i, int v)
{
	FILE *f = knob_open(i, "w");

	if (f) {
		fprintf(f, "%d\n", v);
		fclose(f);
	}
}

static void knobs_save(void)
{
	for (size_t i = 0; i < NKNOB; i++) {
		FILE *f = knob_open(i, "r");

		knob_saved[i] = -1;
		if (f && fscanf(f, "%d", &knob_saved[i]) != 1)
			knob_saved[i] = -1;
		if (f)
			fclose(f);
	}
}

static void knobs_restore(void)
{
	for (size_t i = 0; i < NKNOB; i++)
		if (knob_saved[i] >= 0)
			knob_set(i, knob_saved[i]);
}

/* Every listener's accept queue: whatever the fuzz completed. */
static void accept_drain(void)
{
	int l[] = { g.lfd, g.lfd6, g.lfd46 };

	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		for (int fd; (fd = accept4(l[i], NULL, NULL, SOCK_NONBLOCK)) >= 0;)
			ktcp_abort_fd(&fd);
}

/*
 * The round's wire and sockets: IPv6 (a quarter), IPv4 with an AF_KTCP6
 * socket (a tenth of the rest: v4-mapped), or IPv4 with AF_KTCP.
 */
static void round_family(struct conn *c)
{
	g.v6 = chance(25);
	c->sock6 = g.v6 || chance(10);
	if (g.v6) {
		c->lfd = g.lfd6;
		c->lport = LPORT;
		g.rounds6++;
	} else if (c->sock6) {
		c->lfd = g.lfd46;
		c->lport = LPORT6;
		g.rounds46++;
	} else {
		c->lfd = g.lfd;
		c->lport = LPORT;
	}
}

static void round_run(void)
{
	struct conn c = { .fd = -1 };
	enum st s = (enum st)rn(S_NR);
	bool ok;
	long n;

	round_family(&c);
	c.pport = g.next_port;
	g.next_port = g.next_port >= 60000 ? 10000 : g.next_port + 1;
	if (chance(10)) {
		size_t k = rn(NKNOB);

		knob_set(k, knobs[k].val[rn(4)]);
	}
	ok = to_state(&c, s);
	g.rounds[s]++;
	if (!ok)
		g.unreached++;
	if (!ok && g.v6)
		g.unreached6++;
	n = 1 + rn(chance(80) ? 60 : 600);
	if (n > g.target - g.sent)
		n = g.target - g.sent;
	for (long i = 0; ok && i < n; i++) {
		fuzz_seg(&c);
		if (i % 8 == 7) {
			peer_read(&c, 0, 0, NULL);
			k_drain(c.fd);
		}
		if (c.fd >= 0 && chance(2))
			send(c.fd, "ktcp", 4, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	if (g.verbose)
		printf("# round %s%s ok=%d segs=%ld sent=%ld port=%u ktcp's last flags=%s0x%02x\n",
		       st_name[s], g.v6 ? "/ipv6" : c.sock6 ? "/v4-mapped" : "", ok, n,
		       g.sent, c.pport, c.k_seen ? "" : "none ", c.k_flags);
	/* end it: an exact RST for what ktcp keeps, then SO_LINGER 0 */
	peer_read(&c, 0, 0, NULL);
	if (c.k_seen)
		send_seg(&c, c.k_ack, 0, 0x04, NULL, 0, 0);
	k_abort(&c);
	accept_drain();
}

/* ---- set-up and the final checks ---- */

static int open_ns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

static int packet_socket(const char *ifname, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	int sz = 4 << 20;

	if (fd < 0)
		die("AF_PACKET: %s", strerror(errno));
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind %s: %s", ifname, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (ifindex)
		*ifindex = sll.sll_ifindex;
	return fd;
}

/* A fresh connection through the peer: handshake, data both ways. */
static bool check_peer(bool v6)
{
	struct conn c = { .fd = -1, .pport = v6 ? 9998 : 9999, .sock6 = v6,
			  .lfd = v6 ? g.lfd6 : g.lfd, .lport = LPORT };
	char buf[16];
	uint32_t s;
	bool ok;

	g.v6 = v6;
	printf("# check over IPv%d\n", v6 ? 6 : 4);
	accept_drain();
	if (!to_estab(&c)) {
		printf("# check: no handshake through the peer\n");
		return false;
	}
	send_seg(&c, c.p_nxt, c.k_nxt, 0x18, NULL, 0, 10);
	ok = ktcp_poll1(c.fd, POLLIN, ktcp_ms(5000), NULL) == 1 &&
	     recv(c.fd, buf, sizeof(buf), 0) == 10 && !memcmp(buf, "xxxxxxxxxx", 10);
	if (!ok)
		printf("# check: 10 bytes from the peer did not come\n");
	s = c.k_nxt;
	ok = ok && send(c.fd, "0123456789", 10, 0) == 10;
	for (long long end = ktcp_now_ms() + ktcp_ms(5000);
	     ok && ktcp_now_ms() < end && (c.k_nxt != s + 10 || c.k_ack != c.p_nxt + 10);)
		peer_read(&c, 100, 0, NULL);
	ok = ok && c.k_nxt == s + 10 && c.k_ack == c.p_nxt + 10;
	if (!ok)
		printf("# check: ktcp's data or ACK did not come\n");
	k_abort(&c);
	return ok;
}

/* A fresh connection on lo in NETNS_K: ktcp to ktcp. */
static bool check_lo(void)
{
	int err = ktcp_lo_ping(ktcp_family());

	if (err)
		printf("# check: no connection on lo: %s\n", strerror(-err));
	return !err;
}

/* An AF_KTCP6 listener on [@addr]:@port, dual stack when it is ::. */
static int listener6(const struct in6_addr *addr, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				   .sin6_addr = *addr };
	int zero = 0, fd = socket(ktcp_family6(), SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64))
		die("AF_KTCP6 listener on port %u: %s", port, strerror(errno));
	return fd;
}

int main(int argc, char **argv)
{
	const char *nsk = NULL, *nsp = NULL;
	struct sockaddr_in sa;
	long long t0;
	int opt, tsec = 600;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	g.target = 20000;
	g.rng = 1;
	while ((opt = getopt(argc, argv, "k:p:n:t:s:v")) != -1) {
		switch (opt) {
		case 'k': nsk = optarg; break;
		case 'p': nsp = optarg; break;
		case 'n': g.target = atol(optarg); break;
		case 't': tsec = atoi(optarg); break;
		case 's': g.rng = strtoull(optarg, NULL, 0); break;
		case 'v': g.verbose = true; break;
		default: die("usage: ktcp_pktfuzz -k NETNS_K -p NETNS_P [-n N] [-t S] [-s SEED] [-v]");
		}
	}
	if (!nsk || !nsp)
		die("usage: ktcp_pktfuzz -k NETNS_K -p NETNS_P [-n N] [-t S] [-s SEED] [-v]");
	signal(SIGPIPE, SIG_IGN);
	printf("# ktcp_pktfuzz: seed %llu, %ld segments, %d s at most\n",
	       (unsigned long long)g.rng, g.target, tsec);
	g.nsk = open_ns(nsk);
	g.nsp = open_ns(nsp);
	inet_pton(AF_INET, K_IP, &g.kip);
	inet_pton(AF_INET, P_IP, &g.pip);
	inet_pton(AF_INET6, K_IP6, &g.kip6);
	inet_pton(AF_INET6, P_IP6, &g.pip6);

	enter(g.nsp);
	g.pk = packet_socket(P_IF, &g.ifindex);
	if (ktcp_if_hwaddr(P_IF, g.pmac, false))
		die("peer0 MAC");
	enter(g.nsk);
	if (ktcp_if_hwaddr(K_IF, g.kmac, false))
		die("ktcp0 MAC");
	g.tap = -1;
	sa = ktcp_sin(K_IP, LPORT);
	g.lfd = socket(ktcp_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (g.lfd < 0 || bind(g.lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(g.lfd, 64))
		die("ktcp listener: %s", strerror(errno));
	g.lfd6 = listener6(&g.kip6, LPORT);
	g.lfd46 = listener6(&in6addr_any, LPORT6);
	g.next_port = 10000 + rn(40000);
	knobs_save();

	t0 = ktcp_now_ms();
	g.deadline = t0 + tsec * 1000LL;
	while (g.sent < g.target && !timed_out()) {
		/* half the time, a tap on ktcp0: ktcp gets cloned skbs */
		if (g.tap < 0 && chance(2))
			g.tap = packet_socket(K_IF, NULL);
		else if (g.tap >= 0 && chance(2)) {
			close(g.tap);
			g.tap = -1;
		}
		round_run();
		if (g.tap >= 0) {
			static char b[FRAME_MAX];

			while (recv(g.tap, b, sizeof(b), MSG_DONTWAIT) > 0)
				;
		}
	}
	if (g.tap >= 0)
		close(g.tap);
	knobs_restore();
	ok = check_peer(false);
	ok = check_peer(true) && ok;
	ok = check_lo() && ok;
	printf("# rounds per state:");
	for (int s = 0; s < S_NR; s++)
		printf(" %s=%ld", st_name[s], g.rounds[s]);
	printf("\n# ipv6: rounds=%ld unreached=%ld segments=%ld exthdrs=%ld bad_plen=%ld; v4-mapped rounds=%ld",
	       g.rounds6, g.unreached6, g.sent6, g.exthdrs, g.badlen6, g.rounds46);
	printf("\nRESULT %s segments=%ld target=%ld secs=%.1f frags=%ld big=%ld "
	       "bad_csum=%ld received=%ld unreached=%ld\n", ok ? "ok" : "FAIL", g.sent,
	       g.target, (ktcp_now_ms() - t0) / 1000.0, g.frags, g.big, g.sent_bad,
	       g.rcvd, g.unreached);
	close(g.lfd);
	close(g.lfd6);
	close(g.lfd46);
	return ok ? 0 : 1;
}
