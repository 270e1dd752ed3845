// SPDX-License-Identifier: GPL-2.0
/*
 * RACK loss detection (RFC 8985 6), as Linux 6.12's tcp_recovery.c: a
 * segment is lost when a segment sent after it has been delivered (SACKed
 * or cumulatively acked) and it has waited longer than that one's RTT plus
 * a reordering window. The window is min_rtt/4 (per step, at most SRTT),
 * zero while no reordering has been seen and DupThresh segments are SACKed
 * or recovery is on, so that the first loss is found as fast as the
 * DupThresh rule would; D-SACKs that show a spurious retransmission widen
 * it a step per round trip (tcp_rack_update_reo_wnd()). A segment whose
 * time has not come yet arms the reordering timer (KTCP_TIME_REO on
 * rtx_timer, Linux's ICSK_TIME_REO_TIMEOUT) for the moment it will.
 *
 * The probe timeout of the tail loss probe (RFC 8985 7) is computed here
 * too; recovery.c arms it and output.c sends the probe.
 *
 * Called from recovery.c (every ACK, the reordering timer, an RTO), for a
 * connection that agreed SACK, as Linux's tcp_is_rack() && tcp_is_sack().
 *
 * Context: the socket lock held by the caller, as recovery.c's.
 */

#include "ktcp.h"
#include "recovery.h"

u32 ktcp_rack_reo_wnd_calc(u32 min_rtt_us, u32 srtt_us, u8 steps,
			   bool reord_seen, bool in_recovery, bool dupthresh)
{
	/*
	 * No reordering seen: be aggressive in recovery and once the
	 * DupThresh rule is met (tcp_rack_reo_wnd()).
	 */
	if (!reord_seen && (in_recovery || dupthresh))
		return 0;
	/*
	 * min_rtt, not SRTT: reordering is a property of the path, not of
	 * its queues or of delayed ACKs.
	 */
	return min_t(u32, (min_rtt_us >> 2) * steps, srtt_us);
}

unsigned long ktcp_rack_pto(u32 srtt8, u32 packets_out, s64 rto_delta_us)
{
	unsigned long timeout;
	u32 timeout_us;

	if (srtt8) {
		timeout_us = srtt8 >> 2;
		/* A lone segment may wait for the peer's delayed ACK. */
		timeout_us += packets_out == 1 ? KTCP_RTT_RTO_MIN_US :
						 KTCP_TIMEOUT_MIN_US;
		timeout = usecs_to_jiffies(timeout_us);
	} else {
		timeout = TCP_TIMEOUT_INIT;
	}
	/* If the RTO would fire earlier, probe then instead. */
	if (rto_delta_us > 0)
		timeout = min_t(unsigned long, timeout,
				usecs_to_jiffies(min_t(s64, rto_delta_us,
						       U32_MAX)));
	return timeout;
}

/* Is RACK on for @sk: SACK agreed and net.ktcp.recovery bit 0x1. */
bool ktcp_rack_on(const struct sock *sk)
{
	return ktcp_sk(sk)->neg.sack_ok &&
	       (READ_ONCE(ktcp_pernet(sock_net(sk))->recovery) &
		KTCP_RACK_LOSS_DETECTION);
}

/* The smallest RTT seen, 0 with none yet (tcp_min_rtt()). */
static u32 ktcp_rack_min_rtt(const struct ktcp_sock *ks)
{
	return ks->rtt.min_us == U32_MAX ? 0 : ks->rtt.min_us;
}

/* tcp_rack_reo_wnd() for @sk. */
u32 ktcp_rack_reo_wnd(const struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	int recovery = READ_ONCE(ktcp_pernet(sock_net(sk))->recovery);

	return ktcp_rack_reo_wnd_calc(ktcp_rack_min_rtt(ks),
				      ktcp_rtt_srtt_us(&ks->rtt),
				      ks->rack.reo_wnd_steps, ks->reord_seen,
				      ks->cc.state != KTCP_CC_OPEN,
				      ks->sacked_out >= ks->reordering &&
				      !(recovery & KTCP_RACK_NO_DUPTHRESH));
}

/*
 * tcp_rack_advance(), RFC 8985 6.2 step 2: @skb was just delivered; if it
 * was sent after RACK's segment, it becomes RACK's segment. A
 * retransmission acked sooner than min_rtt after it left may be the
 * original's ACK: ambiguous, not used.
 */
void ktcp_rack_advance(struct ktcp_sock *ks, const struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	u32 rtt_us = (u32)tcp_clock_us() - cb->when;

	if (rtt_us < ktcp_rack_min_rtt(ks) && cb->retransmitted)
		return;
	ks->rack.advanced = 1;
	ks->rack.rtt_us = rtt_us;
	if (ktcp_rack_sent_after(cb->when, ks->rack.mstamp, cb->end_seq,
				 ks->rack.end_seq)) {
		ks->rack.mstamp = cb->when;
		ks->rack.end_seq = cb->end_seq;
	}
}

/*
 * tcp_rack_detect_loss(), RFC 8985 6.2 step 5: mark lost every segment
 * sent before RACK's that has waited its RTT plus the window; *@reo_timeout
 * gets the longest wait left of those that have not (0: none). The walk
 * follows tsorted, in order of transmission (rtxq.c), so it ends at the
 * first segment sent after RACK's; SACKed segments are not on it, and one
 * marked lost here leaves it until it is sent again: the work per ACK is
 * the segments marked plus those still within their wait.
 */
void ktcp_rack_detect_loss(struct sock *sk, u32 *reo_timeout)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 reo_wnd = ktcp_rack_reo_wnd(sk), now = (u32)tcp_clock_us();
	struct sk_buff *skb, *n;

	*reo_timeout = 0;
	list_for_each_entry_safe(skb, n, &ks->tsorted, tcp_tsorted_anchor) {
		struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
		s32 remaining;

		ks->rtxq_visits++;
		/* SACKed, and resent since (a loss probe): delivered. */
		if (cb->sacked & KTCP_SKB_SACKED) {
			list_del_init(&skb->tcp_tsorted_anchor);
			continue;
		}
		/* Lost and not yet resent: RACK has no more to say. */
		if ((cb->sacked & KTCP_SKB_LOST) &&
		    !(cb->sacked & KTCP_SKB_RETRANS))
			continue;
		if (!ktcp_rack_sent_after(ks->rack.mstamp, cb->when,
					  ks->rack.end_seq, cb->end_seq))
			break;
		remaining = ktcp_rack_remaining(ks->rack.rtt_us, reo_wnd, now,
						cb->when);
		if (remaining <= 0) {
			ktcp_skb_mark_lost(ks, skb);
			list_del_init(&skb->tcp_tsorted_anchor);
		} else {
			*reo_timeout = max_t(u32, *reo_timeout, remaining);
		}
	}
}

/*
 * tcp_rack_mark_lost(): after an ACK that delivered something, look for
 * losses; arm the reordering timer for the first segment whose time has
 * not come. Returns true if it did (the caller leaves rtx_timer alone).
 */
bool ktcp_rack_mark_lost(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 timeout;

	if (!ks->rack.advanced)
		return false;
	ks->rack.advanced = 0;
	ktcp_rack_detect_loss(sk, &timeout);
	if (!timeout)
		return false;
	ktcp_rtx_arm(sk, KTCP_TIME_REO,
		     usecs_to_jiffies(timeout + KTCP_TIMEOUT_MIN_US));
	return true;
}

/*
 * tcp_rack_update_reo_wnd(): a D-SACK (rack.dsack_seen) on an ACK that
 * delivered a segment sent after the last widening widens the window by
 * one step, kept for KTCP_RACK_RECOVERY_THRESH recoveries; after those,
 * back to one step. @prior_delivered: the delivered count when the most
 * recently sent segment this ACK delivered left (0: none delivered).
 */
void ktcp_rack_update_reo_wnd(struct sock *sk, u32 prior_delivered)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_rack *r = &ks->rack;

	if ((READ_ONCE(ktcp_pernet(sock_net(sk))->recovery) &
	     KTCP_RACK_STATIC_REO_WND) || !prior_delivered)
		return;
	/* Not a round trip since the last widening: old news. */
	if (ktcp_seq_before(prior_delivered, r->last_delivered))
		r->dsack_seen = 0;
	if (r->dsack_seen) {
		r->reo_wnd_steps = min_t(u32, 0xFF, r->reo_wnd_steps + 1);
		r->dsack_seen = 0;
		r->last_delivered = ks->delivered;
		r->reo_wnd_persist = KTCP_RACK_RECOVERY_THRESH;
	} else if (!r->reo_wnd_persist) {
		r->reo_wnd_steps = 1;
	}
}
