// SPDX-License-Identifier: GPL-2.0
/*
 * NewReno: RFC 5681's congestion avoidance with RFC 6582's recovery (whose
 * window arithmetic lives in cong.c). Linux's "reno" (tcp_cong.c).
 *
 * One difference from Linux: ssthresh is half the FlightSize, as RFC 5681
 * eq. 4 and RFC 6582 3.2 step 2 say, where tcp_reno_ssthresh() halves cwnd.
 * They agree whenever the sender was cwnd-limited.
 */

#include <linux/minmax.h>

#include "cong.h"

/* RFC 5681 3.1 eq. 4: ssthresh = max(FlightSize / 2, 2 * SMSS). */
static u32 ktcp_reno_ssthresh(struct ktcp_cc *cc, u32 flight)
{
	return max(flight >> 1, 2U);
}

/*
 * RFC 5681 3.1: one segment per round trip, i.e. cwnd += 1 once cwnd
 * segments have been acked (the byte-counting form RFC 5681 recommends
 * over eq. 3's per-ACK approximation).
 */
static void ktcp_reno_cong_avoid(struct ktcp_cc *cc, u32 acked, u64 now_us)
{
	ktcp_cc_cong_avoid_ai(cc, cc->cwnd, acked);
}

const struct ktcp_cc_ops ktcp_cc_reno = {
	.name		= "reno",
	.ssthresh	= ktcp_reno_ssthresh,
	.cong_avoid	= ktcp_reno_cong_avoid,
	.undo_cwnd	= ktcp_cc_reno_undo_cwnd,
};
