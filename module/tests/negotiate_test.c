// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for negotiate.c: what the handshake agrees (RFC 7323 2,
 * RFC 2018 2), PAWS (RFC 7323 5.3), TS.Recent (4.3) and the payload MSS.
 */

#include <kunit/test.h>

#include "../ktcp.h"

static struct ktcp_opts neg_syn_opts(u32 present)
{
	struct ktcp_opts o = {
		.present = present, .mss = 1460, .wscale = 7,
		.tsval = 1000, .tsecr = 0,
	};

	return o;
}

/* A peer that offers everything gets everything, both shifts agreed. */
static void neg_peer_offers_all(struct kunit *test)
{
	struct ktcp_opts o = neg_syn_opts(KTCP_OPTF_MSS | KTCP_OPTF_WSCALE |
					  KTCP_OPTF_SACK_PERM | KTCP_OPTF_TS);
	struct ktcp_neg n = { .rcv_wscale = 9 };

	ktcp_neg_peer_syn(&n, &o);
	KUNIT_EXPECT_EQ(test, n.mss_clamp, 1460);
	KUNIT_EXPECT_TRUE(test, n.wscale_ok);
	KUNIT_EXPECT_EQ(test, (int)n.snd_wscale, 7);
	KUNIT_EXPECT_EQ(test, (int)n.rcv_wscale, 9);
	KUNIT_EXPECT_TRUE(test, n.sack_ok);
	KUNIT_EXPECT_TRUE(test, n.tstamp_ok);
	KUNIT_EXPECT_EQ(test, n.ts_recent, 1000U);
}

/* RFC 7323 2.2: no WSopt from the peer means no scaling either way. */
static void neg_peer_offers_nothing(struct kunit *test)
{
	struct ktcp_opts o = neg_syn_opts(0);
	struct ktcp_neg n = { .rcv_wscale = 9 };

	ktcp_neg_peer_syn(&n, &o);
	KUNIT_EXPECT_EQ(test, n.mss_clamp, KTCP_MSS_DEFAULT);
	KUNIT_EXPECT_FALSE(test, n.wscale_ok);
	KUNIT_EXPECT_EQ(test, (int)n.snd_wscale, 0);
	KUNIT_EXPECT_EQ(test, (int)n.rcv_wscale, 0);
	KUNIT_EXPECT_FALSE(test, n.sack_ok);
	KUNIT_EXPECT_FALSE(test, n.tstamp_ok);
}

/* Our SYN offers all, in Linux's layout; a SYN-ACK echoes what was agreed. */
static void neg_fill_syn(struct kunit *test)
{
	struct ktcp_neg n = { .rcv_wscale = 7 };
	struct ktcp_opts o;
	u8 buf[KTCP_MAX_OPTLEN];
	static const u8 head[] = { 2, 4, 0xff, 0xd7, 4, 2, 8, 10 };

	ktcp_neg_fill(&n, &o, true, true, 65495);
	KUNIT_EXPECT_EQ(test, o.present, (u32)(KTCP_OPTF_MSS |
		KTCP_OPTF_SACK_PERM | KTCP_OPTF_WSCALE | KTCP_OPTF_TS));
	KUNIT_EXPECT_EQ(test, o.tsecr, 0U);
	KUNIT_ASSERT_EQ(test, ktcp_opts_build(buf, &o), 20U);
	KUNIT_EXPECT_MEMEQ(test, buf, head, sizeof(head));
	KUNIT_EXPECT_EQ(test, buf[16], 1);	/* nop */
	KUNIT_EXPECT_EQ(test, buf[17], 3);	/* wscale */
	KUNIT_EXPECT_EQ(test, buf[19], 7);

	/* SYN-ACK to a peer that offered only the MSS: nothing else. */
	n.wscale_ok = 0;
	ktcp_neg_fill(&n, &o, true, false, 1460);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_MSS);
	/* A data segment of a connection with timestamps carries only TS. */
	n.tstamp_ok = 1;
	n.ts_recent = 77;
	ktcp_neg_fill(&n, &o, false, false, 1460);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_TS);
	KUNIT_EXPECT_EQ(test, o.tsecr, 77U);
}

/* RFC 7323 5.3: older TSval is rejected, equal or newer passes, RST passes. */
static void neg_paws(struct kunit *test)
{
	struct ktcp_neg n = {
		.tstamp_ok = 1, .ts_recent = 5000,
		.ts_recent_stamp = (u32)ktime_get_seconds(),
	};
	struct ktcp_opts o = { .present = KTCP_OPTF_TS };

	o.tsval = 4999;
	KUNIT_EXPECT_TRUE(test, ktcp_neg_paws_reject(&n, &o, false));
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, true));
	o.tsval = 5000;
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, false));
	o.tsval = 5001;
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, false));
	/* Across the 2^32 wrap, "newer" still wins. */
	n.ts_recent = 0xfffffff0;
	o.tsval = 0x10;
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, false));
	/* No TS on the segment, or none agreed: no PAWS. */
	o.present = 0;
	o.tsval = 1;
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, false));
	/* RFC 7323 5.5: TS.Recent older than 24 days is not trusted. */
	o.present = KTCP_OPTF_TS;
	n.ts_recent = 5000;
	o.tsval = 10;
	n.ts_recent_stamp = (u32)ktime_get_seconds() - 25 * 24 * 3600;
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, false));
	/* No TS.Recent yet (0): any TSval passes (tcp_paws_check()). */
	n.ts_recent = 0;
	n.ts_recent_stamp = (u32)ktime_get_seconds();
	o.tsval = 0x80000010;
	KUNIT_EXPECT_FALSE(test, ktcp_neg_paws_reject(&n, &o, false));
}

/* RFC 7323 4.3: TS.Recent follows segments that cover Last.ACK.sent. */
static void neg_ts_update(struct kunit *test)
{
	struct ktcp_neg n = { .tstamp_ok = 1, .ts_recent = 100 };
	struct ktcp_opts o = { .present = KTCP_OPTF_TS, .tsval = 200 };

	ktcp_neg_ts_update(&n, &o, 1001, 1000);	/* starts past it: no */
	KUNIT_EXPECT_EQ(test, n.ts_recent, 100U);
	ktcp_neg_ts_update(&n, &o, 1000, 1000);
	KUNIT_EXPECT_EQ(test, n.ts_recent, 200U);
	o.tsval = 150;				/* older: no */
	ktcp_neg_ts_update(&n, &o, 900, 1000);
	KUNIT_EXPECT_EQ(test, n.ts_recent, 200U);
	/* "Older" than none (0) or than a 25-day-old one: yes. */
	n.ts_recent = 0;
	o.tsval = 0x80000010;
	ktcp_neg_ts_update(&n, &o, 1000, 1000);
	KUNIT_EXPECT_EQ(test, n.ts_recent, 0x80000010U);
	n.ts_recent_stamp = (u32)ktime_get_seconds() - 25 * 24 * 3600;
	o.tsval = 5;
	ktcp_neg_ts_update(&n, &o, 1000, 1000);
	KUNIT_EXPECT_EQ(test, n.ts_recent, 5U);
}

/* Payload MSS: clamped to the path and a floor, less the TS option. */
static void neg_data_mss(struct kunit *test)
{
	struct ktcp_neg n = { .mss_clamp = 1460 };

	KUNIT_EXPECT_EQ(test, ktcp_neg_data_mss(&n, 65495), 1460);
	KUNIT_EXPECT_EQ(test, ktcp_neg_data_mss(&n, 1000), 1000);
	n.tstamp_ok = 1;
	KUNIT_EXPECT_EQ(test, ktcp_neg_data_mss(&n, 65495), 1448);
	/* CVE-2019-11479: a tiny MSS from the peer is raised to the floor. */
	n.mss_clamp = 1;
	n.tstamp_ok = 0;
	KUNIT_EXPECT_EQ(test, ktcp_neg_data_mss(&n, 65495), KTCP_MSS_MIN);
}

static struct kunit_case neg_cases[] = {
	KUNIT_CASE(neg_peer_offers_all),
	KUNIT_CASE(neg_peer_offers_nothing),
	KUNIT_CASE(neg_fill_syn),
	KUNIT_CASE(neg_paws),
	KUNIT_CASE(neg_ts_update),
	KUNIT_CASE(neg_data_mss),
	{}
};

static struct kunit_suite neg_suite = {
	.name = "ktcp_negotiate",
	.test_cases = neg_cases,
};

kunit_test_suite(neg_suite);
