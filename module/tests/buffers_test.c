// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for buffer autotuning (buffers.c): the receive buffer DRS
 * asks for, worked out by hand from tcp_rcv_space_adjust(), and the send
 * buffer tcp_sndbuf_expand() would size.
 */
#include <kunit/test.h>

#include "../ktcp.h"

/*
 * copied 100000 after 50000, advmss 1460: rcvwin = 2 * 100000 + 16 * 1460
 * = 223360; grow = 223360 * 50000 / 50000 = 223360; rcvwin += 2 * grow =
 * 670080; at the default ratio (128/256) the buffer is twice that: 1340160.
 */
static void buffers_rcv_doubling(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_buf_rcv_target(100000, 50000, 1460),
			670080ULL);
	KUNIT_EXPECT_EQ(test, ktcp_window_space_from_win(128, 670080),
			1340160);
}

/* No growth over the last RTT: 2 * copied + 16 segments. */
static void buffers_rcv_steady(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_buf_rcv_target(65536, 65536, 1460),
			2ULL * 65536 + 16 * 1460);
	/* Less than before: the same, never a shrink request. */
	KUNIT_EXPECT_EQ(test, ktcp_buf_rcv_target(1000, 65536, 1460),
			2ULL * 1000 + 16 * 1460);
	/* No previous measurement: no growth term (no division by 0). */
	KUNIT_EXPECT_EQ(test, ktcp_buf_rcv_target(5000, 0, 536),
			2ULL * 5000 + 16 * 536);
}

/*
 * 25% more than last RTT, lo-sized segments: rcvwin = 2 * 80000 + 16 *
 * 65483 = 1207728; grow = 1207728 * 16000 / 64000 = 301932; rcvwin =
 * 1207728 + 603864 = 1811592.
 */
static void buffers_rcv_partial_growth(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_buf_rcv_target(80000, 64000, 65483),
			1811592ULL);
}

/* Absurd inputs stay finite and monotone, far above any int cap. */
static void buffers_rcv_extremes(struct kunit *test)
{
	u64 a = ktcp_buf_rcv_target(U32_MAX, 1, 65535);
	u64 b = ktcp_buf_rcv_target(S32_MAX, 1, 65535);

	KUNIT_EXPECT_GT(test, a, (u64)INT_MAX / 2);
	KUNIT_EXPECT_EQ(test, a, b);	/* copied is clamped at S32_MAX */
	KUNIT_EXPECT_LT(test, a, 1ULL << 36);
	KUNIT_EXPECT_GT(test, ktcp_buf_rcv_target(1U << 30, 1U << 20, 1460),
			ktcp_buf_rcv_target(1U << 30, 1U << 29, 1460));
}

/*
 * tcp_sndbuf_expand(): 2 * max(nr, 10) segments, each charged a power of
 * two that holds payload and headers, plus the sk_buff.
 */
static void buffers_snd_target(struct kunit *test)
{
	static const u32 mss[] = { 536, 1448, 8948, 65483 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mss); i++) {
		u32 t = ktcp_buf_snd_target(mss[i], 10);
		u32 per = t / 20 - SKB_DATA_ALIGN(sizeof(struct sk_buff));

		KUNIT_EXPECT_EQ(test, t % 20, 0U);
		KUNIT_EXPECT_TRUE(test, is_power_of_2(per));
		KUNIT_EXPECT_GE(test, per, mss[i] + MAX_TCP_HEADER);
		KUNIT_EXPECT_LT(test, per / 2, mss[i] + MAX_TCP_HEADER +
				SKB_DATA_ALIGN(sizeof(struct skb_shared_info)));
		/* Fewer than the initial window count as the initial window. */
		KUNIT_EXPECT_EQ(test, ktcp_buf_snd_target(mss[i], 1), t);
		KUNIT_EXPECT_EQ(test, ktcp_buf_snd_target(mss[i], 40), 4 * t);
	}
	/* A cwnd no sender reaches saturates instead of wrapping. */
	KUNIT_EXPECT_EQ(test, ktcp_buf_snd_target(65483, U32_MAX), U32_MAX);
}

static struct kunit_case ktcp_buffers_cases[] = {
	KUNIT_CASE(buffers_rcv_doubling),
	KUNIT_CASE(buffers_rcv_steady),
	KUNIT_CASE(buffers_rcv_partial_growth),
	KUNIT_CASE(buffers_rcv_extremes),
	KUNIT_CASE(buffers_snd_target),
	{}
};

static struct kunit_suite ktcp_buffers_suite = {
	.name = "ktcp_buffers",
	.test_cases = ktcp_buffers_cases,
};

kunit_test_suite(ktcp_buffers_suite);
