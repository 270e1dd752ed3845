// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 6298 RTT estimator and RTO with exponential backoff, in microseconds.
 * Linux's tcp_rtt_estimator() and tcp_set_rto() (net/ipv4/tcp_input.c),
 * minus the jiffies; rtt.h lists where both depart from the RFC.
 */

#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "rtt.h"
#include "seq.h"

void ktcp_rtt_init(struct ktcp_rtt *r)
{
	memset(r, 0, sizeof(*r));
	r->rto_us = KTCP_RTT_RTO_INIT_US;
	r->min_us = U32_MAX;	/* tcp_init_sock()'s minmax_reset(~0U) */
}

/* RFC 6298 2.2: SRTT <- R, RTTVAR <- R/2 (so 4 * RTTVAR = 2R), floored. */
static void ktcp_rtt_first(struct ktcp_rtt *r, u32 rtt_us, u32 snd_nxt)
{
	r->srtt_us = rtt_us << 3;
	r->mdev_us = rtt_us << 1;
	r->rttvar_us = max_t(u32, r->mdev_us, KTCP_RTT_RTO_MIN_US);
	r->mdev_max_us = r->rttvar_us;
	r->rtt_seq = snd_nxt;
}

/*
 * RFC 6298 2.3, in Jacobson's fixed point:
 *   SRTT   <- 7/8 SRTT + 1/8 R            (srtt_us += R - srtt_us / 8)
 *   RTTVAR <- 3/4 RTTVAR + 1/4 |SRTT - R| (mdev_us += |err| - mdev_us / 4)
 * with Linux's smaller gain when R is below SRTT, and its per-round-trip
 * tracking of the variance the RTO uses.
 */
static void ktcp_rtt_update(struct ktcp_rtt *r, u32 rtt_us, u32 snd_una,
			    u32 snd_nxt)
{
	s64 err = (s64)rtt_us - (r->srtt_us >> 3);
	s64 dev;

	r->srtt_us = (u32)((s64)r->srtt_us + err);
	if (err < 0) {
		dev = -err - (r->mdev_us >> 2);
		/* Falling RTT: gain 1/32, so the RTO does not grow. */
		if (dev > 0)
			dev >>= 3;
	} else {
		dev = err - (r->mdev_us >> 2);
	}
	r->mdev_us = (u32)((s64)r->mdev_us + dev);

	/* The RTO follows any rise of the deviation at once... */
	if (r->mdev_us > r->mdev_max_us) {
		r->mdev_max_us = r->mdev_us;
		r->rttvar_us = max(r->rttvar_us, r->mdev_max_us);
	}
	/* ... and decays towards this round trip's peak once per round trip. */
	if (ktcp_seq_after(snd_una, r->rtt_seq)) {
		if (r->mdev_max_us < r->rttvar_us)
			r->rttvar_us -= (r->rttvar_us - r->mdev_max_us) >> 2;
		r->rtt_seq = snd_nxt;
		r->mdev_max_us = KTCP_RTT_RTO_MIN_US;
	}
}

void ktcp_rtt_sample(struct ktcp_rtt *r, u32 rtt_us, u32 snd_una,
		     u32 snd_nxt)
{
	u32 rto;

	rtt_us = min_t(u32, rtt_us, KTCP_RTT_SAMPLE_MAX_US);
	/* tcp_update_rtt_min(), over the connection's life: no window. */
	r->min_us = min(r->min_us, max(rtt_us, 1U));
	if (r->srtt_us)
		ktcp_rtt_update(r, rtt_us, snd_una, snd_nxt);
	else
		ktcp_rtt_first(r, rtt_us, snd_nxt);
	/* 0 means "no sample yet": a 0 us RTT still counts as one. */
	r->srtt_us = max(r->srtt_us, 1U);

	/*
	 * RFC 6298 2.4 and 2.5 (__tcp_set_rto(), tcp_bound_rto()). The
	 * floor is already implied by rttvar_us >= KTCP_RTT_RTO_MIN_US.
	 */
	rto = (r->srtt_us >> 3) + r->rttvar_us;
	r->rto_us = clamp_t(u32, rto, KTCP_RTT_RTO_MIN_US, KTCP_RTT_RTO_MAX_US);
	r->backoff = 0;
}

void ktcp_rtt_fallback(struct ktcp_rtt *r)
{
	if (r->srtt_us)
		return;
	r->mdev_us = KTCP_RTT_RTO_FALLBACK_US;
	r->mdev_max_us = KTCP_RTT_RTO_FALLBACK_US;
	r->rttvar_us = KTCP_RTT_RTO_FALLBACK_US;
	r->rto_us = KTCP_RTT_RTO_FALLBACK_US;
}

u32 ktcp_rtt_rto(const struct ktcp_rtt *r)
{
	/* rto_us < 2^27, so a shift of up to 31 fits in 64 bits. */
	u64 rto = (u64)r->rto_us << min_t(u8, r->backoff, 31);

	return min_t(u64, rto, KTCP_RTT_RTO_MAX_US);
}

void ktcp_rtt_backoff(struct ktcp_rtt *r)
{
	if (r->backoff < U8_MAX)
		r->backoff++;
}

void ktcp_rtt_reset_backoff(struct ktcp_rtt *r)
{
	r->backoff = 0;
}

/*
 * TCP_DEFER_ACCEPT's seconds to a count of SYN-ACK timeouts, Linux's
 * secs_to_retrans(): the first timeout that ends @seconds or more after the
 * SYN-ACK, the timeout starting at @timeout and doubling up to @rto_max
 * (all in seconds); 0 for none, at most 255.
 */
u8 ktcp_rtt_secs_to_retrans(int seconds, int timeout, int rto_max)
{
	int period = timeout;
	u8 res = 1;

	if (seconds <= 0)
		return 0;
	while (seconds > period && res < 255) {
		res++;
		timeout = min(timeout << 1, rto_max);
		period += timeout;
	}
	return res;
}

/* And back, Linux's retrans_to_secs(): what TCP_DEFER_ACCEPT reads. */
int ktcp_rtt_retrans_to_secs(u8 retrans, int timeout, int rto_max)
{
	int period;

	if (!retrans)
		return 0;
	period = timeout;
	while (--retrans) {
		timeout = min(timeout << 1, rto_max);
		period += timeout;
	}
	return period;
}
