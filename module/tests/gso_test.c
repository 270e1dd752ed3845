// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for gso.c: the segments per GSO packet Linux's TCP would
 * send (tcp_update_pacing_rate() and tcp_tso_autosize()), for the paths
 * the differential capture test and the benchmarks run on.
 */
#include <kunit/test.h>

#include "../ktcp.h"

#define GT_MSS		1448
#define GT_GSO		65536	/* GSO_LEGACY_MAX_SIZE */
#define GT_NONE		U32_MAX	/* no minimum RTT sample yet */
#define GT_INF		0x7fffffffU	/* ssthresh before any loss */

/*
 * The packet size after an ACK: the rate ktcp_gso_pacing_update() stores,
 * then ktcp_gso_autosize() on it, as ktcp_gso_max_segs() reads it.
 */
static u32 gt_segs(u32 mss, u32 cwnd, u32 ssthresh, u32 packets_out,
		   u32 srtt_us8, u32 min_rtt_us, u32 gso_max, u64 max_rate)
{
	return ktcp_gso_autosize(mss, ktcp_gso_pacing_rate(mss, cwnd, ssthresh,
							   packets_out,
							   srtt_us8, max_rate),
				 min_rtt_us, gso_max);
}

static void gso_autosize_slow_path(struct kunit *test)
{
	/*
	 * 300 ms, cwnd 10 in slow start: 200% of 10 * 1448 B / 0.3 s is
	 * 96533 B/s, 94 bytes per 1 ms (>> 10): the minimum, 2 segments.
	 * The minimum RTT adds nothing (300000 >> 9 is past 32 bits).
	 */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 10, GT_INF, 0, 300000 << 3,
				      300000, GT_GSO, ~0ULL), 2U);
}

static void gso_autosize_fast_path(struct kunit *test)
{
	/* 100 us: min_rtt >> 9 is 0, so a whole GSO size is added. */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 10, GT_INF, 0, 100 << 3, 100,
				      GT_GSO, ~0ULL), GT_GSO / GT_MSS);
	/* No RTT sample: the rate is not limited (sk_pacing_rate ~0). */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 10, GT_INF, 0, 0, GT_NONE, GT_GSO,
				      ~0ULL), GT_GSO / GT_MSS);
}

static void gso_autosize_avoidance(struct kunit *test)
{
	/*
	 * Congestion avoidance (cwnd 100, ssthresh 100), 10 ms: 120% of
	 * 100 * 1448 B / 10 ms is 17376000 B/s, 16968 bytes per ms: 11
	 * segments; 10000 >> 9 = 19 adds 65536 >> 19 = 0.
	 */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 100, 100, 0, 10000 << 3, 10000,
				      GT_GSO, ~0ULL), 11U);
	/* packets_out above cwnd counts instead (max(cwnd, packets_out)). */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 50, 100, 100, 10000 << 3, 10000,
				      GT_GSO, ~0ULL), 11U);
}

static void gso_autosize_bounds(struct kunit *test)
{
	/* SO_MAX_PACING_RATE: 10000 B/s is 9 bytes per ms, the minimum. */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 10, GT_INF, 0, 100 << 3, GT_NONE,
				      GT_GSO, 10000), 2U);
	/* Never more than the route's GSO size. */
	KUNIT_EXPECT_EQ(test, gt_segs(GT_MSS, 10, GT_INF, 0, 100 << 3, 100,
				      16384, ~0ULL), 16384U / GT_MSS);
	KUNIT_EXPECT_EQ(test, gt_segs(0, 10, GT_INF, 0, 0, 0, GT_GSO, ~0ULL),
			2U);
	/* Before the first ACK: sock_init_data()'s ~0 rate, a whole GSO size. */
	KUNIT_EXPECT_EQ(test, ktcp_gso_autosize(GT_MSS, ~0ULL, GT_NONE, GT_GSO),
			GT_GSO / GT_MSS);
}

static void gso_pacing_rate(struct kunit *test)
{
	/* Slow start, 300 ms, cwnd 10: 200% of 10 * 1448 B / 0.3 s. */
	KUNIT_EXPECT_EQ(test, ktcp_gso_pacing_rate(GT_MSS, 10, GT_INF, 0,
						   300000 << 3, ~0ULL),
			96533ULL);
	/* Avoidance, 10 ms, cwnd 100: 120% of 100 * 1448 B / 10 ms. */
	KUNIT_EXPECT_EQ(test, ktcp_gso_pacing_rate(GT_MSS, 100, 100, 0,
						   10000 << 3, ~0ULL),
			17376000ULL);
	/* packets_out above cwnd counts instead; SO_MAX_PACING_RATE caps. */
	KUNIT_EXPECT_EQ(test, ktcp_gso_pacing_rate(GT_MSS, 50, 100, 100,
						   10000 << 3, ~0ULL),
			17376000ULL);
	KUNIT_EXPECT_EQ(test, ktcp_gso_pacing_rate(GT_MSS, 100, 100, 0,
						   10000 << 3, 125000),
			125000ULL);
	/* No RTT sample yet: not divided, as good as unlimited. */
	KUNIT_EXPECT_GT(test, ktcp_gso_pacing_rate(GT_MSS, 10, GT_INF, 0, 0,
						   ~0ULL),
			(u64)U32_MAX);
}

static struct kunit_case gso_cases[] = {
	KUNIT_CASE(gso_pacing_rate),
	KUNIT_CASE(gso_autosize_slow_path),
	KUNIT_CASE(gso_autosize_fast_path),
	KUNIT_CASE(gso_autosize_avoidance),
	KUNIT_CASE(gso_autosize_bounds),
	{}
};

static struct kunit_suite gso_suite = {
	.name = "ktcp_gso",
	.test_cases = gso_cases,
};

kunit_test_suite(gso_suite);
