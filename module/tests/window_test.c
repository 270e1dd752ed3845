// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for window.c: the receive window to advertise (RFC 9293
 * 3.8.6.2.2 with Linux's tcp_select_window() rules: never shrink, receiver
 * SWS avoidance, scaled units), the unscaled SYN window, and the MSS from
 * an MTU. Expected values are worked out by hand in each comment.
 */
#include <kunit/test.h>

#include "../ktcp.h"

/* A fresh 128 KiB buffer, wscale 7: half of it, already a multiple of 128. */
static void window_fresh(struct kunit *test)
{
	u32 cur;

	KUNIT_EXPECT_EQ(test, ktcp_window_calc(131072, 0, 0, 1460, 7, &cur),
			65536U);
	KUNIT_EXPECT_EQ(test, cur, 0U);
}

/*
 * 60000 bytes of the last window are left; the buffer is nearly full
 * (free 11072, half 5536, 5504 in 128-byte units): the right edge stays,
 * rounded up to the scale unit (469 * 128 = 60032).
 */
static void window_never_shrinks(struct kunit *test)
{
	u32 cur;

	KUNIT_EXPECT_EQ(test,
			ktcp_window_calc(131072, 120000, 60000, 1460, 7, &cur),
			60032U);
	KUNIT_EXPECT_EQ(test, cur, 60000U);
}

/*
 * Receiver SWS avoidance: free space would move the edge from 60000 to
 * 60928 (free 121856), by less than one MSS and short of the full window
 * (65536): the old edge stays. Moved by 2464 (>= 1460), the new one goes.
 */
static void window_sws_threshold(struct kunit *test)
{
	u32 cur;

	KUNIT_EXPECT_EQ(test,
			ktcp_window_calc(131072, 9216, 60000, 1460, 7, &cur),
			60032U);
	KUNIT_EXPECT_EQ(test,
			ktcp_window_calc(131072, 6144, 60000, 1460, 7, &cur),
			62464U);
}

/* Reaching the full window is allowed by less than an MSS (536 here). */
static void window_full_by_less_than_mss(struct kunit *test)
{
	u32 cur;

	KUNIT_EXPECT_EQ(test,
			ktcp_window_calc(131072, 0, 65000, 1460, 7, &cur),
			65536U);
}

/*
 * The peer sent past the edge (left < 0): what is left counts as 0. More
 * memory charged than the buffer holds (free < 0): no new window, 0.
 */
static void window_overrun(struct kunit *test)
{
	u32 cur;

	KUNIT_EXPECT_EQ(test, ktcp_window_calc(131072, 0, -100, 1460, 7, &cur),
			65536U);
	KUNIT_EXPECT_EQ(test, cur, 0U);
	KUNIT_EXPECT_EQ(test,
			ktcp_window_calc(131072, 200000, 0, 1460, 7, &cur),
			0U);
}

/* Without window scaling the field caps the window at 65535. */
static void window_unscaled_cap(struct kunit *test)
{
	u32 cur;

	KUNIT_EXPECT_EQ(test, ktcp_window_calc(1 << 20, 0, 0, 1460, 0, &cur),
			65535U);
	/* wscale 14 (RFC 7323's maximum): half of 64 MiB, in 16 KiB units. */
	KUNIT_EXPECT_EQ(test,
			ktcp_window_calc(64 << 20, 16385, 0, 1460, 14, &cur),
			(u32)(32 << 20) - 16384);
}

/* tcp_select_initial_window(): whole segments of at most 65535 bytes. */
static void window_syn(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_syn_calc(131072, 1460), 64240U);
	KUNIT_EXPECT_EQ(test, ktcp_window_syn_calc(131072, 65483), 65483U);
	/* Less than one segment of buffer: all of it. */
	KUNIT_EXPECT_EQ(test, ktcp_window_syn_calc(1000, 1460), 500U);
}

/* MTU less 40; lo's 65536 capped by IPv4's 65535; tcp_min_snd_mss floor. */
static void window_mss_from_mtu(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(1500), 1460);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(65536), 65495);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(576), 536);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(68), KTCP_MSS_MIN);
}

static struct kunit_case ktcp_window_cases[] = {
	KUNIT_CASE(window_fresh),
	KUNIT_CASE(window_never_shrinks),
	KUNIT_CASE(window_sws_threshold),
	KUNIT_CASE(window_full_by_less_than_mss),
	KUNIT_CASE(window_overrun),
	KUNIT_CASE(window_unscaled_cap),
	KUNIT_CASE(window_syn),
	KUNIT_CASE(window_mss_from_mtu),
	{}
};

static struct kunit_suite ktcp_window_suite = {
	.name = "ktcp_window",
	.test_cases = ktcp_window_cases,
};

kunit_test_suite(ktcp_window_suite);
