/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loss recovery's view of a socket (recovery.c): what is in flight, whether
 * a lost segment may be resent, the RTO, and the scoreboard's entry points
 * for output.c (a segment sent), input.c (an ACK, SACK blocks) and timers.c
 * (an RTO, the reordering timer); RACK's (rack.c) for recovery.c, and the
 * tail loss probe's for output.c and input.c.
 *
 * Context: the socket lock held, as for every field of the TCB.
 */
#ifndef _KTCP_RECOVERY_H
#define _KTCP_RECOVERY_H

#include "ktcp.h"

/* Segments in flight (RFC 6675's pipe, Linux's tcp_packets_in_flight()). */
static inline u32 ktcp_in_flight(const struct ktcp_sock *ks)
{
	return ks->packets_out - ks->sacked_out - ks->lost_out +
	       ks->retrans_out;
}

/*
 * May a lost segment be resent now? While in flight is below cwnd. The
 * first retransmission of a fast recovery goes at once (RFC 5681 3.2 step
 * 2, RFC 6675 5 (4.3)) because PRR leaves room for it (cong.c).
 */
static inline bool ktcp_may_resend(const struct ktcp_sock *ks)
{
	return ktcp_in_flight(ks) < ks->cc.cwnd;
}

/* What an ACK did, in ks->ack_flag (Linux's FLAG_* of the same meaning). */
#define KTCP_ACK_UNA_ADVANCED	BIT(0)	/* SND.UNA moved */
#define KTCP_ACK_DATA_SACKED	BIT(1)	/* new data SACKed */
#define KTCP_ACK_ORIG_ACKED	BIT(2)	/* never-resent data up to recover */
#define KTCP_ACK_RETRANS_ACKED	BIT(3)	/* resent data cumulatively acked */
#define KTCP_ACK_ECE		BIT(4)	/* ECN-Echo (RFC 3168 6.1.2) */
#define KTCP_ACK_DSACK_TLP	BIT(5)	/* a D-SACK of the loss probe */
#define KTCP_ACK_DSACKING	BIT(6)	/* a D-SACK of a retransmission */
#define KTCP_ACK_REO_ARMED	BIT(7)	/* rtx_timer armed: leave it be */
#define KTCP_ACK_SACK_RENEGING	BIT(8)	/* SND.UNA reached a SACKed segment */

static inline unsigned long ktcp_rto(const struct ktcp_sock *ks)
{
	return usecs_to_jiffies(ktcp_rtt_rto(&ks->rtt));
}

/*
 * Arm rtx_timer for @kind (KTCP_TIME_*) @timeout jiffies from now, as
 * inet_csk_reset_xmit_timer() arms icsk_retransmit_timer for icsk_pending.
 */
static inline void ktcp_rtx_arm(struct sock *sk, u8 kind,
				unsigned long timeout)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ks->rtx_pending = kind;
	ktcp_timer_sk_reset(sk, &ks->rtx_timer, jiffies + timeout);
}

/*
 * Mark a sent segment lost (tcp_mark_skb_lost()): a retransmission of it
 * that was in flight is lost too.
 */
static inline void ktcp_skb_mark_lost(struct ktcp_sock *ks,
				      struct sk_buff *skb)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	if (cb->sacked & KTCP_SKB_RETRANS) {
		cb->sacked &= ~KTCP_SKB_RETRANS;
		ks->retrans_out--;
	}
	if (!(cb->sacked & KTCP_SKB_LOST)) {
		cb->sacked |= KTCP_SKB_LOST;
		ks->lost_out++;
		ks->lost++;	/* tp->lost, PRR's newly lost */
	}
	/* None lost and unsent before rtx_hint (rtxq.c). */
	if (ks->rtx_hint &&
	    ktcp_seq_before(cb->seq, KTCP_SKB_CB(ks->rtx_hint)->seq))
		ks->rtx_hint = skb;
}

/* rack.c: RACK loss detection (RFC 8985 6). */
bool ktcp_rack_on(const struct sock *sk);
u32 ktcp_rack_reo_wnd(const struct sock *sk);
void ktcp_rack_advance(struct ktcp_sock *ks, const struct sk_buff *skb);
void ktcp_rack_detect_loss(struct sock *sk, u32 *reo_timeout);
bool ktcp_rack_mark_lost(struct sock *sk);
void ktcp_rack_update_reo_wnd(struct sock *sk, u32 prior_delivered);

/* scoreboard.c: the per-segment accounting and SACK tagging. */
void ktcp_scoreboard_sent(struct sock *sk, struct sk_buff *skb, bool new_data);
void ktcp_scoreboard_acked(struct sock *sk, struct sk_buff *skb, u32 *reord);
u32 ktcp_scoreboard_fack(const struct ktcp_sock *ks);
void ktcp_scoreboard_reordering(struct sock *sk, u32 low_seq, u32 prior_fack);
u32 ktcp_scoreboard_sack(struct sock *sk, const struct ktcp_opts *o);

/* recovery.c: the state machine (tcp_fastretrans_alert()) and the RTO. */
struct sk_buff *ktcp_recovery_next_lost(struct sock *sk);
bool ktcp_recovery_on_ack(struct sock *sk, u32 acked, u32 rtt_us, bool dup);
void ktcp_recovery_on_rto(struct sock *sk);
void ktcp_recovery_non_congestion_loss(struct sock *sk);
void ktcp_recovery_resegmented(struct sock *sk, struct sk_buff *skb,
			       struct sk_buff *nskb);
bool ktcp_recovery_frto_new(struct sock *sk);
void ktcp_recovery_frto_sent(struct sock *sk);

/*
 * ECN (RFC 3168 6.1.2): call ktcp_recovery_ece() before
 * ktcp_recovery_on_ack() for an ACK with ECE; the state machine then
 * enters CWR (or Recovery without undo) as tcp_fastretrans_alert() does.
 * ktcp_recovery_enter_cwr() is tcp_enter_cwr() itself, for other
 * congestion signals.
 */
void ktcp_recovery_ece(struct sock *sk);
void ktcp_recovery_enter_cwr(struct sock *sk);
bool ktcp_recovery_reo_timeout(struct sock *sk);

/* The first sent, unacked segment, or NULL. */
static inline struct sk_buff *ktcp_recovery_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	return skb && skb != ktcp_sk(sk)->send_head ? skb : NULL;
}

/* tlp.c: the tail loss probe's timer and episodes (RFC 8985 7). */
void ktcp_tlp_rearm_rto(struct sock *sk);
bool ktcp_tlp_schedule(struct sock *sk, bool advancing_rto);
void ktcp_tlp_ack(struct sock *sk, u32 prior_una, bool not_dup,
		  u32 newly_sacked);

#endif /* _KTCP_RECOVERY_H */
