/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RTT estimation and the retransmission timeout (RFC 6298), as pure logic.
 *
 * The estimator is Linux's tcp_rtt_estimator() and tcp_set_rto(), in
 * microseconds: the caller measures, converts and passes the time in; nothing
 * here reads a clock. Fixed point as in Linux: srtt_us holds SRTT << 3 and
 * the deviations hold 4 * RTTVAR (RFC 6298 2.3: RTTVAR << 2), so that
 * RTO = SRTT + 4 * RTTVAR is (srtt_us >> 3) + rttvar_us.
 *
 * Where Linux departs from RFC 6298 2.3, so does this, on purpose:
 * - A sample below SRTT moves mdev with gain 1/32 instead of 1/4 (an Eifel
 *   style refinement), so a falling RTT does not inflate the RTO.
 * - The variance the RTO uses (rttvar_us) is floored at KTCP_RTT_RTO_MIN_US
 *   (tcp_rto_min, 200 ms): RTO >= SRTT + 200 ms, never just >= 200 ms as
 *   RFC 6298 2.4 (a 1 s floor) and its MAY-lower clause would give.
 * - rttvar_us follows the largest mdev of each round trip at once, and
 *   decays towards it by a quarter of the gap once per round trip (when
 *   SND.UNA passes the SND.NXT of the previous decay), so the caller passes
 *   SND.UNA and SND.NXT with each sample.
 * - There is no clock granularity term G (RFC 6298 2.3): the 200 ms floor
 *   dominates any granularity.
 * - The RTO is capped at 120 s (RFC 6298 2.5 allows a maximum >= 60 s).
 *
 * Karn's rule (RFC 6298 section 3) is the caller's job: never sample a
 * segment that was retransmitted, unless a timestamp echo says which
 * transmission the ACK is for (RFC 7323 4.1). Sampling resets the backoff
 * (RFC 6298 section 3: the backed-off RTO is kept until a valid sample), as
 * Linux's tcp_ack_update_rtt() does.
 *
 * Locking: none inside; the caller holds the socket lock.
 */
#ifndef _KTCP_RTT_H
#define _KTCP_RTT_H

#include <linux/bits.h>
#include <linux/time64.h>
#include <linux/types.h>

#define KTCP_RTT_RTO_INIT_US	(1 * USEC_PER_SEC)	/* RFC 6298 2.1 */
#define KTCP_RTT_RTO_FALLBACK_US (3 * USEC_PER_SEC)	/* RFC 6298 5.7 */
#define KTCP_RTT_RTO_MIN_US	(200 * USEC_PER_MSEC)	/* TCP_RTO_MIN */
#define KTCP_RTT_RTO_MAX_US	(120 * USEC_PER_SEC)	/* TCP_RTO_MAX */
/* Samples above this (~268 s) are clamped, so that srtt_us << 3 fits. */
#define KTCP_RTT_SAMPLE_MAX_US	BIT(28)

struct ktcp_rtt {
	u32 srtt_us;		/* SRTT << 3; 0 until the first sample */
	u32 mdev_us;		/* smoothed mean deviation << 2 (4 * RTTVAR) */
	u32 mdev_max_us;	/* largest mdev_us this round trip, >= floor */
	u32 rttvar_us;		/* the 4 * RTTVAR the RTO uses, >= floor */
	u32 rtt_seq;		/* SND.NXT when the round trip began */
	u32 rto_us;		/* RTO before backoff, RFC 6298 2.4 and 2.5 */
	u32 min_us;		/* smallest sample; U32_MAX: none (TCP_INFO) */
	u8 backoff;		/* timeouts since the last valid sample */
};

/* No sample yet: RTO = 1 s (RFC 6298 2.1), no backoff. */
void ktcp_rtt_init(struct ktcp_rtt *r);

/*
 * Feed one RTT measurement @rtt_us (RFC 6298 2.2 for the first, 2.3 for the
 * rest), taken on the ACK that moved SND.UNA to @snd_una, with SND.NXT at
 * @snd_nxt. Recomputes the RTO and clears the backoff. The caller applies
 * Karn's rule.
 */
void ktcp_rtt_sample(struct ktcp_rtt *r, u32 rtt_us, u32 snd_una,
		     u32 snd_nxt);

/*
 * RFC 6298 5.7: the SYN or SYN-ACK was retransmitted and the handshake gave
 * no sample: use 3 s once data transfer begins (Linux's
 * TCP_TIMEOUT_FALLBACK in tcp_init_metrics()). No-op once SRTT is known.
 */
void ktcp_rtt_fallback(struct ktcp_rtt *r);

/* TCP_DEFER_ACCEPT: seconds to SYN-ACK timeouts and back (in seconds). */
u8 ktcp_rtt_secs_to_retrans(int seconds, int timeout, int rto_max);
int ktcp_rtt_retrans_to_secs(u8 retrans, int timeout, int rto_max);

/* The timeout to arm now: rto_us << backoff, capped at 120 s (RFC 6298 5.5). */
u32 ktcp_rtt_rto(const struct ktcp_rtt *r);

/* The retransmission timer expired (RFC 6298 5.5): double the next RTO. */
void ktcp_rtt_backoff(struct ktcp_rtt *r);

/*
 * Forget the backoff without a sample. Normally the next valid sample does
 * it (RFC 6298 section 5, the note after 5.7: a new measurement "collapses"
 * the backed-off RTO); this is for the cases Linux resets it by hand, e.g.
 * an ACK that opens a zero window ends the persist backoff (tcp_ack_probe()).
 */
void ktcp_rtt_reset_backoff(struct ktcp_rtt *r);

/* SRTT and RTTVAR in microseconds, as TCP_INFO reports them. */
static inline u32 ktcp_rtt_srtt_us(const struct ktcp_rtt *r)
{
	return r->srtt_us >> 3;
}

static inline u32 ktcp_rtt_var_us(const struct ktcp_rtt *r)
{
	return r->mdev_us >> 2;
}

#endif /* _KTCP_RTT_H */
