// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for window.c, with Linux 6.12's numbers: the first window
 * and window scale (tcp_select_initial_window()), the clamp once the
 * connection is up (tcp_init_buffer_space()), the window of each ACK
 * (__tcp_select_window(), tcp_select_window()), rcv_ssthresh's growth
 * (tcp_grow_window()), the payload/truesize ratio (tcp_measure_rcv_mss()),
 * the quick-ACK count, ato and the delayed-ACK delay, and the MSS from an
 * MTU. Expected values are worked out by hand in each comment; default
 * sysctls: tcp_rmem = 4096 131072 6291456, rmem_max 212992, tcp_app_win 31.
 */
#include <kunit/test.h>

#include "../ktcp.h"

#define RMEM2		6291456U
#define RMEM_MAX	212992U
#define FULL		65536	/* tcp_full_space(131072) at ratio 128 */

/*
 * connect() over a 1500-byte MTU: 65536 in whole 1460s is 64240 (the
 * SYN's window); scale for max(6291456, 212992): ilog2 22 - 15 = 7; the
 * clamp no more than 65535 << 7.
 */
static void window_initial_active(struct kunit *test)
{
	struct ktcp_window_init w = {};

	ktcp_window_initial_calc(FULL, 1460, true, RMEM2, RMEM_MAX, &w);
	KUNIT_EXPECT_EQ(test, w.rcv_wnd, 64240U);
	KUNIT_EXPECT_EQ(test, w.wscale, 7);
	KUNIT_EXPECT_EQ(test, w.clamp, 65535U << 7);
}

/*
 * A SYN-ACK to a SYN with timestamps: 1448-byte segments, 65160 (Linux's
 * well-known SYN-ACK window); over lo (MSS 65495 - 12) a single segment.
 * No window scale offered: none used, the clamp 64 KB.
 */
static void window_initial_passive(struct kunit *test)
{
	struct ktcp_window_init w = {};

	ktcp_window_initial_calc(FULL, 1448, true, RMEM2, RMEM_MAX, &w);
	KUNIT_EXPECT_EQ(test, w.rcv_wnd, 65160U);
	KUNIT_EXPECT_EQ(test, w.wscale, 7);
	w.clamp = 0;
	ktcp_window_initial_calc(FULL, 65483, true, RMEM2, RMEM_MAX, &w);
	KUNIT_EXPECT_EQ(test, w.rcv_wnd, 65483U);
	w.clamp = 0;
	ktcp_window_initial_calc(FULL, 1460, false, RMEM2, RMEM_MAX, &w);
	KUNIT_EXPECT_EQ(test, w.rcv_wnd, 64240U);
	KUNIT_EXPECT_EQ(test, w.wscale, 0);
	KUNIT_EXPECT_EQ(test, w.clamp, 65535U);
}

/*
 * SO_RCVBUF 4096 (a 8192-byte buffer, full space 4096, which becomes the
 * clamp): 2920 in whole segments; the scale is for the clamp, 12 - 15 < 0:
 * none.
 */
static void window_initial_rcvbuf(struct kunit *test)
{
	struct ktcp_window_init w = { .clamp = 4096 };

	ktcp_window_initial_calc(4096, 1460, true, RMEM2, RMEM_MAX, &w);
	KUNIT_EXPECT_EQ(test, w.rcv_wnd, 2920U);
	KUNIT_EXPECT_EQ(test, w.wscale, 0);
	KUNIT_EXPECT_EQ(test, w.clamp, 4096U);
}

/*
 * tcp_init_buffer_space(): the clamp is the full space (65536) less one
 * advmss held back: 64076 (advmss 1460, passive) or 64088 (1448, active
 * with timestamps). A clamp already lower stays; a tiny buffer keeps two
 * segments.
 */
static void window_clamp_init(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_clamp_calc(65535U << 7, FULL, 1460,
						     31), 64076U);
	KUNIT_EXPECT_EQ(test, ktcp_window_clamp_calc(65535U << 7, FULL, 1448,
						     31), 64088U);
	KUNIT_EXPECT_EQ(test, ktcp_window_clamp_calc(20000, FULL, 1460, 31),
			20000U);
	KUNIT_EXPECT_EQ(test, ktcp_window_clamp_calc(65535U << 7, 4096, 1460,
						     31), 2920U);
	KUNIT_EXPECT_EQ(test, ktcp_window_clamp_calc(65535U << 7, FULL, 1460,
						     0), 65536U);
}

static u32 wsel(int free, u32 clamp, u32 ssthresh, u32 rcv_wnd, u16 rcv_mss,
		u8 wscale, bool shrink, bool *pressure)
{
	struct ktcp_window_in in = {
		.free = free, .allowed = FULL, .clamp = clamp,
		.rcv_ssthresh = ssthresh, .rcv_wnd = rcv_wnd,
		.rcv_mss = rcv_mss, .wscale = wscale, .shrink = shrink,
	};

	return ktcp_window_select_calc(&in, pressure);
}

/*
 * The third ACK of an active open: the empty buffer offers 65536, capped
 * by rcv_ssthresh = clamp = 64088, 64128 in 128-byte units; below the SYN's
 * 64240 still offered, so that edge stays: 64256, field 502.
 */
static void window_third_ack(struct kunit *test)
{
	bool p;
	u32 w = wsel(FULL, 64088, 64088, 64240, 536, 7, false, &p);

	KUNIT_EXPECT_EQ(test, w, 64128U);
	KUNIT_EXPECT_FALSE(test, p);
	w = ktcp_window_commit_calc(w, 64240, 7, false);
	KUNIT_EXPECT_EQ(test, w, 64256U);
	KUNIT_EXPECT_EQ(test, w >> 7, 502U);
}

/*
 * Data queued, not read: the buffer is 131072 - 40 * 2304 = 38912 free,
 * 19456 in payload at ratio 128, under half the full space: pressure
 * (quick ACKs end) and 19456 offered; the last window's right edge,
 * 30000 ahead, stays (30080 in units), unless shrinking is allowed.
 */
static void window_pressure(struct kunit *test)
{
	bool p;
	u32 w = wsel(19456, 64076, 64076, 64128, 1448, 7, false, &p);

	KUNIT_EXPECT_EQ(test, w, 19456U);
	KUNIT_EXPECT_TRUE(test, p);
	KUNIT_EXPECT_EQ(test, ktcp_window_commit_calc(w, 30000, 7, false),
			30080U);
	KUNIT_EXPECT_EQ(test, ktcp_window_commit_calc(w, 30000, 7, true),
			19456U);
	/* Less than an MSS, or 1/16 of the full space: zero. */
	KUNIT_EXPECT_EQ(test, wsel(4000, 64076, 64076, 64128, 1448, 7,
				   false, &p), 0U);
	KUNIT_EXPECT_EQ(test, wsel(1000, 64076, 64076, 64128, 1448, 7,
				   false, &p), 0U);
	/* Shrinking allowed: rounded down to the unit first. */
	KUNIT_EXPECT_EQ(test, wsel(19500, 64076, 64076, 64128, 1448, 7,
				   true, &p), 19456U);
}

/*
 * Without scaling, whole rcv_mss: an offer within one MSS of the free
 * space stays; otherwise the free space rounded down to an MSS.
 */
static void window_unscaled(struct kunit *test)
{
	bool p;

	KUNIT_EXPECT_EQ(test, wsel(40000, 65535, 40000, 39000, 1460, 0,
				   false, &p), 39000U);
	KUNIT_EXPECT_EQ(test, wsel(40000, 65535, 40000, 30000, 1460, 0,
				   false, &p), 39420U);
	KUNIT_EXPECT_EQ(test, wsel(40000, 65535, 40000, 41000, 1460, 0,
				   false, &p), 39420U);
}

/*
 * rcv_ssthresh's growth per 1448-byte segment: a 2304-byte truesize holds
 * it at ratio 128 (1152 <= 1448): 2 * advmss (2920); a 4352-byte one only
 * after halving (1088): 2 * rcv_mss, at least twice the segment; a 64-byte
 * segment in 4352 bytes never: 0.
 */
static void window_grow(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_grow_calc(128, 64076, 1448, 2304,
						    RMEM2, 1448, 1460), 2920U);
	KUNIT_EXPECT_EQ(test, ktcp_window_grow_calc(128, 64076, 1448, 4352,
						    RMEM2, 1448, 1460), 2896U);
	KUNIT_EXPECT_EQ(test, ktcp_window_grow_calc(128, 64076, 64, 4352,
						    RMEM2, 536, 1460), 0U);
}

/*
 * tcp_measure_rcv_mss()'s ratio: 1448 bytes in 2304 is 160/256; the
 * window of a 131072-byte buffer at it is 81920, and that buffer for it
 * back again.
 */
static void window_ratio(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_ratio_calc(1448, 2304), 160);
	KUNIT_EXPECT_EQ(test, ktcp_window_ratio_calc(1, 100000), 1);
	KUNIT_EXPECT_EQ(test, ktcp_window_from_space(160, 131072), 81920);
	KUNIT_EXPECT_EQ(test, ktcp_window_space_from_win(160, 81920), 131072);
	KUNIT_EXPECT_EQ(test, ktcp_window_from_space(128, 131072), FULL);
}

/*
 * tcp_initialize_rcv_mss(): 536 at most, half the window, 88 at least;
 * tcp_incr_quickack(): half the window in rcv_mss segments, 2 to 16.
 */
static void window_quickacks(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_rcv_mss_init(1460, 1448, 65160), 536);
	KUNIT_EXPECT_EQ(test, ktcp_window_rcv_mss_init(1460, 100, 65160), 100);
	KUNIT_EXPECT_EQ(test, ktcp_window_rcv_mss_init(1460, 1448, 100), 88);
	KUNIT_EXPECT_EQ(test, ktcp_window_quickacks(65160, 536, 0, 16), 16);
	KUNIT_EXPECT_EQ(test, ktcp_window_quickacks(10000, 1448, 0, 16), 3);
	KUNIT_EXPECT_EQ(test, ktcp_window_quickacks(10000, 1448, 5, 16), 5);
	KUNIT_EXPECT_EQ(test, ktcp_window_quickacks(1000, 536, 0, 16), 2);
}

/*
 * ato: the first data sets it to 40 ms with quick ACKs; back-to-back
 * data (<= 20 ms apart) pulls it halfway to 20 ms; a gap under ato makes
 * it half of itself plus the gap (at most the RTO and 200 ms); a gap over
 * the RTO restarts quick ACKs.
 */
static void window_ato(struct kunit *test)
{
	u32 amin = KTCP_ATO_MIN, rto = HZ / 5;
	bool q;

	KUNIT_EXPECT_EQ(test, ktcp_window_ato_calc(0, 1000, rto, &q), amin);
	KUNIT_EXPECT_TRUE(test, q);
	KUNIT_EXPECT_EQ(test, ktcp_window_ato_calc(4 * amin, 0, rto, &q),
			2 * amin + amin / 2);
	KUNIT_EXPECT_FALSE(test, q);
	KUNIT_EXPECT_EQ(test, ktcp_window_ato_calc(4 * amin, 3 * amin, 10 * rto,
						   &q), 5 * amin);
	KUNIT_EXPECT_EQ(test, ktcp_window_ato_calc(4 * amin, 3 * amin, 2 * amin,
						   &q), 2 * amin);
	KUNIT_EXPECT_EQ(test, ktcp_window_ato_calc(amin, 2 * rto, rto, &q), amin);
	KUNIT_EXPECT_TRUE(test, q);
}

/*
 * tcp_send_delayed_ack(): ato at its minimum goes as is; a larger one is
 * capped at 500 ms, at 200 ms when pushed or interactive, by the RTT
 * (never under 40 ms), and always by tcp_delack_max() (@max).
 */
static void window_delack(struct kunit *test)
{
	u32 max = HZ / 5 - 1;

	KUNIT_EXPECT_EQ(test, ktcp_window_delack_calc(KTCP_ATO_MIN, false, 0,
						      max), KTCP_ATO_MIN);
	KUNIT_EXPECT_EQ(test, ktcp_window_delack_calc(HZ, false, 0, HZ), HZ / 2);
	KUNIT_EXPECT_EQ(test, ktcp_window_delack_calc(HZ, true, 0, HZ), HZ / 5);
	KUNIT_EXPECT_EQ(test, ktcp_window_delack_calc(HZ, false, 0, max), max);
	KUNIT_EXPECT_EQ(test, ktcp_window_delack_calc(HZ / 5, false, 1, max),
			KTCP_DELACK_MIN);
	KUNIT_EXPECT_EQ(test, ktcp_window_delack_calc(0, false, 1, max), 0U);
}

/*
 * IPv4: MTU less 40; lo's 65536 capped by IPv4's 65535; tcp_min_snd_mss
 * floor. IPv6: less 60, no cap (lo: 65476, as Linux advertises over ::1).
 */
static void window_mss_from_mtu(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(1500, false), 1460);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(65536, false), 65495);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(576, false), 536);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(68, false), KTCP_MSS_MIN);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(1500, true), 1440);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(65536, true), 65476);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(1280, true), 1220);
	/* lo takes any MTU: still a u16, never 0 */
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(65600, true), 65515);
	KUNIT_EXPECT_EQ(test, ktcp_window_mss_from_mtu(65600, false), 65495);
}

static struct kunit_case ktcp_window_cases[] = {
	KUNIT_CASE(window_initial_active),
	KUNIT_CASE(window_initial_passive),
	KUNIT_CASE(window_initial_rcvbuf),
	KUNIT_CASE(window_clamp_init),
	KUNIT_CASE(window_third_ack),
	KUNIT_CASE(window_pressure),
	KUNIT_CASE(window_unscaled),
	KUNIT_CASE(window_grow),
	KUNIT_CASE(window_ratio),
	KUNIT_CASE(window_quickacks),
	KUNIT_CASE(window_ato),
	KUNIT_CASE(window_delack),
	KUNIT_CASE(window_mss_from_mtu),
	{}
};

static struct kunit_suite ktcp_window_suite = {
	.name = "ktcp_window",
	.test_cases = ktcp_window_cases,
};

kunit_test_suite(ktcp_window_suite);
