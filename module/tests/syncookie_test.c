// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for syncookie.c: the options a cookie SYN-ACK's TSval carries
 * (Linux's cookie_init_timestamp() and cookie_timestamp_decode()), and the
 * cookie itself (the kernel's __cookie_v4_init_sequence()/_check()).
 */

#include <kunit/test.h>
#include <linux/ip.h>
#include <linux/tcp.h>

#include "../ktcp.h"

/* Low 6 bits: the peer's shift (15 for none), SACK, ECN; never ahead. */
static void cookie_ts_encode_bits(struct kunit *test)
{
	struct ktcp_neg n = { .wscale_ok = 1, .snd_wscale = 7, .sack_ok = 1 };
	u32 ts;

	ts = ktcp_cookie_ts_encode(&n, 1000000);	/* 1000000 = 15625 * 64 */
	KUNIT_EXPECT_EQ(test, ts & 0x3f, 7U | BIT(4));
	n.ecn_ok = 1;					/* TS_OPT_ECN */
	ts = ktcp_cookie_ts_encode(&n, 1000000);
	KUNIT_EXPECT_EQ(test, ts & 0x3f, 7U | BIT(4) | BIT(5));
	KUNIT_EXPECT_EQ(test, ts, 1000000U - 64 + (7U | BIT(4) | BIT(5)));
	n.ecn_ok = 0;
	ts = ktcp_cookie_ts_encode(&n, 1000000);
	KUNIT_EXPECT_LE(test, ts, 1000000U);
	KUNIT_EXPECT_GT(test, ts, 1000000U - 64);

	n.wscale_ok = 0;
	n.sack_ok = 0;
	ts = ktcp_cookie_ts_encode(&n, 1000063);
	KUNIT_EXPECT_EQ(test, ts & 0x3f, 0xfU);
	KUNIT_EXPECT_EQ(test, ts, 1000015U);
	/* Options above the clock's low bits: one period back. */
	ts = ktcp_cookie_ts_encode(&n, 1000001);
	KUNIT_EXPECT_EQ(test, ts, 1000015U - 64);
}

/* What goes out comes back, through the connection's TSval offset. */
static void cookie_ts_roundtrip(struct kunit *test)
{
	struct ktcp_neg sent = { .wscale_ok = 1, .snd_wscale = 14, .sack_ok = 1,
				 .ecn_ok = 1 };
	struct ktcp_neg got = { .ts_off = 0xfffff000, .rcv_wscale = 9 };
	struct ktcp_opts o = { .present = KTCP_OPTF_TS, .tsval = 4242 };

	o.tsecr = ktcp_cookie_ts_encode(&sent, 777777) + got.ts_off;
	ktcp_cookie_ts_decode(&got, &o);
	KUNIT_EXPECT_TRUE(test, got.tstamp_ok);
	KUNIT_EXPECT_TRUE(test, got.sack_ok);
	KUNIT_EXPECT_TRUE(test, got.ecn_ok);
	KUNIT_EXPECT_TRUE(test, got.wscale_ok);
	KUNIT_EXPECT_EQ(test, (int)got.snd_wscale, 14);
	KUNIT_EXPECT_EQ(test, (int)got.rcv_wscale, 9);
	KUNIT_EXPECT_EQ(test, got.ts_recent, 4242U);

	sent.wscale_ok = 0;
	sent.sack_ok = 0;
	sent.ecn_ok = 0;
	o.tsecr = ktcp_cookie_ts_encode(&sent, 777777) + got.ts_off;
	ktcp_cookie_ts_decode(&got, &o);
	KUNIT_EXPECT_FALSE(test, got.sack_ok);
	KUNIT_EXPECT_FALSE(test, got.ecn_ok);
	KUNIT_EXPECT_FALSE(test, got.wscale_ok);
	KUNIT_EXPECT_EQ(test, (int)got.snd_wscale, 0);
	KUNIT_EXPECT_EQ(test, (int)got.rcv_wscale, 0);
}

/* No timestamp in the ACK: no options were offered, none are agreed. */
static void cookie_ts_absent(struct kunit *test)
{
	struct ktcp_neg got = { .rcv_wscale = 9, .sack_ok = 1, .wscale_ok = 1,
				.ecn_ok = 1 };
	struct ktcp_opts o = { .present = 0 };

	ktcp_cookie_ts_decode(&got, &o);
	KUNIT_EXPECT_FALSE(test, got.tstamp_ok);
	KUNIT_EXPECT_FALSE(test, got.sack_ok);
	KUNIT_EXPECT_FALSE(test, got.ecn_ok);
	KUNIT_EXPECT_FALSE(test, got.wscale_ok);
	KUNIT_EXPECT_EQ(test, (int)got.rcv_wscale, 0);
}

struct cookie_pkt {
	struct iphdr iph;
	struct tcphdr th;
};

static struct sk_buff *cookie_skb(struct kunit *test, u32 seq, u32 ack)
{
	struct sk_buff *skb = alloc_skb(sizeof(struct cookie_pkt), GFP_KERNEL);
	struct cookie_pkt *p;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	p = skb_put_zero(skb, sizeof(*p));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, sizeof(p->iph));
	p->iph.saddr = htonl(0xc6120002);
	p->iph.daddr = htonl(0xc6120001);
	p->th.source = htons(40000);
	p->th.dest = htons(8000);
	p->th.seq = htonl(seq);
	p->th.ack_seq = htonl(ack);
	return skb;
}

/*
 * A cookie checks out for the ACK that answers it (seq + 1, cookie + 1)
 * and gives the MSS back rounded down to the table (1300 for 1400). The
 * MSS index rides in the cookie's low bits, so an ACK a little off
 * decodes to another index, as in Linux; one off in the minute counter's
 * bits (or a peer ISN that far off) fails.
 */
static void cookie_isn_check(struct kunit *test)
{
	struct sk_buff *syn = cookie_skb(test, 5000, 0), *ack;
	u16 mss = 1400;
	u32 isn;

	isn = ktcp_cookie_isn(syn, &mss);
	KUNIT_EXPECT_EQ(test, (int)mss, 1300);
	ack = cookie_skb(test, 5001, isn + 1);
	KUNIT_EXPECT_EQ(test, (int)ktcp_cookie_check(ack), 1300);
	tcp_hdr(ack)->ack_seq = htonl(isn + 2);
	KUNIT_EXPECT_EQ(test, (int)ktcp_cookie_check(ack), 1440);
	tcp_hdr(ack)->ack_seq = htonl(isn + 1 + (5U << 24));
	KUNIT_EXPECT_EQ(test, (int)ktcp_cookie_check(ack), 0);
	tcp_hdr(ack)->ack_seq = htonl(isn + 1);
	tcp_hdr(ack)->seq = htonl(5001 + (7U << 24));
	KUNIT_EXPECT_EQ(test, (int)ktcp_cookie_check(ack), 0);
	kfree_skb(ack);
	kfree_skb(syn);
}

static struct kunit_case cookie_cases[] = {
	KUNIT_CASE(cookie_ts_encode_bits),
	KUNIT_CASE(cookie_ts_roundtrip),
	KUNIT_CASE(cookie_ts_absent),
	KUNIT_CASE(cookie_isn_check),
	{}
};

static struct kunit_suite cookie_suite = {
	.name = "ktcp_syncookie",
	.test_cases = cookie_cases,
};

kunit_test_suite(cookie_suite);
