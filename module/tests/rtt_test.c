// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the RTT estimator and RTO (rtt.h).
 *
 * Every expected value is worked out by hand below from RFC 6298 section 2
 * and Linux's tcp_rtt_estimator() / tcp_set_rto(). The arithmetic is exact
 * integer arithmetic, so the tolerance is zero unless a comment says
 * otherwise. Units: microseconds. "4V" is 4 * RTTVAR.
 */
#include <kunit/test.h>

#include "../rtt.h"

#define MS	1000U		/* us */
#define SEC	1000000U	/* us */

static void rtt_expect(struct kunit *test, const struct ktcp_rtt *r,
		       u32 srtt8, u32 mdev, u32 rttvar, u32 rto)
{
	KUNIT_EXPECT_EQ(test, r->srtt_us, srtt8);
	KUNIT_EXPECT_EQ(test, r->mdev_us, mdev);
	KUNIT_EXPECT_EQ(test, r->rttvar_us, rttvar);
	KUNIT_EXPECT_EQ(test, r->rto_us, rto);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(r), rto);
	KUNIT_EXPECT_EQ(test, r->backoff, 0);
}

/* RFC 6298 2.1: RTO = 1 s before any sample; SYN backoff 1, 2, 4 ... s. */
static void rtt_init(struct kunit *test)
{
	static const u32 want[] = { 1, 2, 4, 8, 16, 32, 64, 120, 120 };
	struct ktcp_rtt r;
	unsigned int i;

	memset(&r, 0xa5, sizeof(r));
	ktcp_rtt_init(&r);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 0U);
	KUNIT_EXPECT_EQ(test, r.min_us, U32_MAX);
	KUNIT_EXPECT_EQ(test, r.backoff, 0);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_srtt_us(&r), 0U);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		KUNIT_EXPECT_EQ_MSG(test, ktcp_rtt_rto(&r), want[i] * SEC,
				    "after %u timeouts", i);
		ktcp_rtt_backoff(&r);
	}
}

/*
 * RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR = 3R; Linux
 * then floors 4V at 200 ms.
 */
static void rtt_first_sample(struct kunit *test)
{
	struct ktcp_rtt r;

	/* R = 100 ms: SRTT 100, RTTVAR 50, 4V = 200 (= floor), RTO 300 ms. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 100 * MS, 1000, 2000);
	rtt_expect(test, &r, 800 * MS, 200 * MS, 200 * MS, 300 * MS);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_srtt_us(&r), 100 * MS);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_var_us(&r), 50 * MS);
	KUNIT_EXPECT_EQ(test, r.rtt_seq, 2000U);

	/* R = 500 ms: 4V = 1000 ms, RTO = 3R = 1.5 s exactly as the RFC. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 500 * MS, 1, 2);
	rtt_expect(test, &r, 4000 * MS, 1000 * MS, 1000 * MS, 1500 * MS);

	/* R = 40 ms: RFC 4V = 80 ms, floored to 200: RTO 240 ms, not 120. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 40 * MS, 1, 2);
	rtt_expect(test, &r, 320 * MS, 80 * MS, 200 * MS, 240 * MS);
}

/*
 * Six samples through rising, falling and spiking RTTs, across three round
 * trips (rtt_seq 2000 -> 5000 -> 9000 -> 12000). RFC 6298 2.3 values in
 * ms on the right where Linux agrees with the RFC.
 */
static void rtt_worked_example(struct kunit *test)
{
	struct ktcp_rtt r;

	ktcp_rtt_init(&r);
	/* 1: R=100. SRTT 100, RTTVAR 50, RTO 300. */
	ktcp_rtt_sample(&r, 100 * MS, 1000, 2000);
	rtt_expect(test, &r, 800000, 200000, 200000, 300000);

	/*
	 * 2: R=120, same round. err = +20: SRTT = 100 + 20/8 = 102.5;
	 * RTTVAR = 3/4 50 + 1/4 20 = 42.5 (4V 170). 4V for the RTO keeps
	 * the 200 floor: RTO = 102.5 + 200 = 302.5.
	 */
	ktcp_rtt_sample(&r, 120 * MS, 1500, 2000);
	rtt_expect(test, &r, 820000, 170000, 200000, 302500);
	KUNIT_EXPECT_EQ(test, r.mdev_max_us, 200000U);

	/*
	 * 3: R=20, SND.UNA 2500 passes 2000: a new round. err = -82.5:
	 * SRTT = 102.5 - 82.5/8 = 92.1875. Falling RTT, Linux's 1/32 gain:
	 * 4V += (82.5 - 170/4) / 8 = 5 -> 175 (the RFC would give 210).
	 * New round: rtt_seq = 5000, mdev_max back to the 200 floor.
	 * RTO = 92.187 + 200 = 292.187.
	 */
	ktcp_rtt_sample(&r, 20 * MS, 2500, 5000);
	rtt_expect(test, &r, 737500, 175000, 200000, 292187);
	KUNIT_EXPECT_EQ(test, r.rtt_seq, 5000U);

	/*
	 * 4: R=400 spike, same round. err = 400 - 92.187 = 307.813:
	 * SRTT = 130.664; 4V = 175 + 307.813 - 43.75 = 439.063, above the
	 * round's max: the RTO's 4V follows at once. RTO = 130.664 + 439.063.
	 */
	ktcp_rtt_sample(&r, 400 * MS, 3000, 5000);
	rtt_expect(test, &r, 1045313, 439063, 439063, 569727);
	KUNIT_EXPECT_EQ(test, r.mdev_max_us, 439063U);

	/*
	 * 5: R=130, new round (6000 > 5000). err = -0.664: SRTT 130.581;
	 * 4V = 439.063 - 109.765 + 0.664 = 329.962. The round's max was
	 * 439.063 = rttvar: no decay. RTO = 130.581 + 439.063.
	 */
	ktcp_rtt_sample(&r, 130 * MS, 6000, 9000);
	rtt_expect(test, &r, 1044649, 329962, 439063, 569644);

	/*
	 * 6: R=130, new round (9500 > 9000). SRTT 130.508; 4V = 248.053,
	 * this round's max. rttvar decays a quarter of the way to it:
	 * 439.063 - (439.063 - 248.053) / 4 = 391.311. RTO = 521.819.
	 */
	ktcp_rtt_sample(&r, 130 * MS, 9500, 12000);
	rtt_expect(test, &r, 1044068, 248053, 391311, 521819);
	KUNIT_EXPECT_EQ(test, r.rtt_seq, 12000U);
	KUNIT_EXPECT_EQ(test, r.mdev_max_us, 200000U);
}

/* A round ends by sequence comparison modulo 2^32. */
static void rtt_round_wraps(struct kunit *test)
{
	struct ktcp_rtt r;

	/* Constant R = 400 ms: 4V starts at 800 and falls by a quarter. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 400 * MS, 0xfffff000, 0xfffffff0);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 800000U);
	/* 0x10 is after 0xfffffff0: a new round begins at 0x1000. */
	ktcp_rtt_sample(&r, 400 * MS, 0x10, 0x1000);
	KUNIT_EXPECT_EQ(test, r.rtt_seq, 0x1000U);
	KUNIT_EXPECT_EQ(test, r.mdev_us, 600000U);
	KUNIT_EXPECT_EQ(test, r.mdev_max_us, 200000U);
	/* 0xfffffff8 is before 0x1000: same round; its max becomes 450. */
	ktcp_rtt_sample(&r, 400 * MS, 0xfffffff8, 0x2000);
	KUNIT_EXPECT_EQ(test, r.rtt_seq, 0x1000U);
	KUNIT_EXPECT_EQ(test, r.mdev_max_us, 450000U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 800000U);
	/* 0x1010 ends it: 4V = 800 - (800 - 450) / 4 = 712.5. */
	ktcp_rtt_sample(&r, 400 * MS, 0x1010, 0x3000);
	KUNIT_EXPECT_EQ(test, r.rtt_seq, 0x3000U);
	KUNIT_EXPECT_EQ(test, r.rttvar_us, 712500U);
	KUNIT_EXPECT_EQ(test, r.rto_us, 400 * MS + 712500U);
}

/* The floor: RTO >= SRTT + 200 ms, hence never below 200 ms. */
static void rtt_min_clamp(struct kunit *test)
{
	struct ktcp_rtt r;
	unsigned int i;

	ktcp_rtt_init(&r);
	for (i = 0; i < 100; i++) {
		ktcp_rtt_sample(&r, 50, i * 10, i * 10 + 10);	/* 50 us */
		KUNIT_ASSERT_EQ(test, r.rto_us, 200 * MS + 50);
	}
	KUNIT_EXPECT_EQ(test, ktcp_rtt_srtt_us(&r), 50U);

	/* A 0 us RTT is a sample: SRTT stays non-zero, RTO = 200 ms. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 0, 1, 2);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 1U);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 200 * MS);
	ktcp_rtt_sample(&r, 0, 3, 4);
	KUNIT_EXPECT_EQ(test, r.srtt_us, 1U);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 200 * MS);
}

/* The cap: RTO <= 120 s; absurd samples are clamped, nothing overflows. */
static void rtt_max_clamp(struct kunit *test)
{
	struct ktcp_rtt r;

	/* R = 50 s: 3R = 150 s, capped. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 50 * SEC, 1, 2);
	KUNIT_EXPECT_EQ(test, r.rto_us, 120 * SEC);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_srtt_us(&r), 50 * SEC);

	/* R = 30 s: 3R = 90 s, under the cap. */
	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 30 * SEC, 1, 2);
	KUNIT_EXPECT_EQ(test, r.rto_us, 90 * SEC);

	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, U32_MAX, 1, 2);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_srtt_us(&r), KTCP_RTT_SAMPLE_MAX_US);
	KUNIT_EXPECT_EQ(test, r.rto_us, 120 * SEC);
	ktcp_rtt_sample(&r, U32_MAX, 3, 4);
	ktcp_rtt_sample(&r, 0, 5, 6);
	KUNIT_EXPECT_EQ(test, r.rto_us, 120 * SEC);
	KUNIT_EXPECT_GT(test, ktcp_rtt_srtt_us(&r), 200U * SEC);
}

/* RFC 6298 5.5: double per timeout, cap at 120 s; 5.7 note: collapse. */
static void rtt_backoff(struct kunit *test)
{
	struct ktcp_rtt r;
	unsigned int i;

	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 100 * MS, 1, 2);		/* RTO 300 ms */
	for (i = 1; i <= 8; i++) {
		ktcp_rtt_backoff(&r);
		KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), (300 * MS) << i);
	}
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 76800 * MS);	/* 0.3 * 256 */
	ktcp_rtt_backoff(&r);					/* 153.6 s */
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 120 * SEC);
	/* Far more timeouts than any retry limit: no shift overflow. */
	for (i = 0; i < 300; i++) {
		ktcp_rtt_backoff(&r);
		KUNIT_ASSERT_EQ(test, ktcp_rtt_rto(&r), 120 * SEC);
	}
	KUNIT_EXPECT_EQ(test, r.backoff, U8_MAX);
	/* The un-backed-off RTO was kept all along. */
	KUNIT_EXPECT_EQ(test, r.rto_us, 300 * MS);

	ktcp_rtt_reset_backoff(&r);
	KUNIT_EXPECT_EQ(test, r.backoff, 0);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 300 * MS);
}

/* Karn: a valid sample ends the backoff and recomputes the RTO. */
static void rtt_sample_clears_backoff(struct kunit *test)
{
	struct ktcp_rtt r;

	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 100 * MS, 1, 2);
	ktcp_rtt_backoff(&r);
	ktcp_rtt_backoff(&r);
	ktcp_rtt_backoff(&r);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 2400 * MS);
	/* R = 100 again: err 0, 4V 200 -> 150, RTO = 100 + 200. */
	ktcp_rtt_sample(&r, 100 * MS, 1, 2);
	KUNIT_EXPECT_EQ(test, r.backoff, 0);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 300 * MS);
}

/* RFC 6298 5.7: 3 s after a retransmitted SYN with no sample. */
static void rtt_fallback(struct kunit *test)
{
	struct ktcp_rtt r;

	ktcp_rtt_init(&r);
	ktcp_rtt_backoff(&r);
	ktcp_rtt_fallback(&r);
	KUNIT_EXPECT_EQ(test, r.rto_us, 3 * SEC);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 6 * SEC);	/* backoff 1 */
	ktcp_rtt_reset_backoff(&r);
	KUNIT_EXPECT_EQ(test, ktcp_rtt_rto(&r), 3 * SEC);
	/* The first sample is still a first sample: RTO 300 ms. */
	ktcp_rtt_sample(&r, 100 * MS, 1, 2);
	rtt_expect(test, &r, 800 * MS, 200 * MS, 200 * MS, 300 * MS);
	/* With SRTT known, fallback changes nothing. */
	ktcp_rtt_fallback(&r);
	rtt_expect(test, &r, 800 * MS, 200 * MS, 200 * MS, 300 * MS);
}

/* TCP_INFO's min_rtt: the smallest sample, a 0 us one counting as 1. */
static void rtt_min(struct kunit *test)
{
	struct ktcp_rtt r;

	ktcp_rtt_init(&r);
	ktcp_rtt_sample(&r, 100 * MS, 1, 2);
	KUNIT_EXPECT_EQ(test, r.min_us, 100 * MS);
	ktcp_rtt_sample(&r, 50 * MS, 2, 3);
	ktcp_rtt_sample(&r, 80 * MS, 3, 4);
	KUNIT_EXPECT_EQ(test, r.min_us, 50 * MS);
	ktcp_rtt_fallback(&r);
	ktcp_rtt_backoff(&r);
	KUNIT_EXPECT_EQ(test, r.min_us, 50 * MS);
	ktcp_rtt_sample(&r, 0, 4, 5);
	KUNIT_EXPECT_EQ(test, r.min_us, 1U);
	ktcp_rtt_init(&r);
	KUNIT_EXPECT_EQ(test, r.min_us, U32_MAX);
}

/* TCP_DEFER_ACCEPT's rounding, as Linux's secs_to_retrans() has it. */
static void rtt_defer_accept(struct kunit *test)
{
	static const struct { int secs; u8 retrans; int back; } v[] = {
		{ -1, 0, 0 }, { 0, 0, 0 }, { 1, 1, 1 }, { 2, 2, 3 },
		{ 3, 2, 3 }, { 5, 3, 7 }, { 10, 4, 15 }, { 100, 7, 127 },
		{ 300, 9, 367 },	/* 1+2+...+64 = 127, then 120 each */
		{ INT_MAX, 255, 127 + 248 * 120 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		u8 r = ktcp_rtt_secs_to_retrans(v[i].secs, 1, 120);

		KUNIT_EXPECT_EQ_MSG(test, r, v[i].retrans, "secs %d", v[i].secs);
		KUNIT_EXPECT_EQ_MSG(test, ktcp_rtt_retrans_to_secs(r, 1, 120),
				    v[i].back, "secs %d", v[i].secs);
	}
}

static struct kunit_case ktcp_rtt_cases[] = {
	KUNIT_CASE(rtt_init),
	KUNIT_CASE(rtt_first_sample),
	KUNIT_CASE(rtt_worked_example),
	KUNIT_CASE(rtt_round_wraps),
	KUNIT_CASE(rtt_min_clamp),
	KUNIT_CASE(rtt_max_clamp),
	KUNIT_CASE(rtt_backoff),
	KUNIT_CASE(rtt_sample_clears_backoff),
	KUNIT_CASE(rtt_fallback),
	KUNIT_CASE(rtt_min),
	KUNIT_CASE(rtt_defer_accept),
	{}
};

static struct kunit_suite ktcp_rtt_suite = {
	.name = "ktcp_rtt",
	.test_cases = ktcp_rtt_cases,
};

kunit_test_suite(ktcp_rtt_suite);
