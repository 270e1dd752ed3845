// SPDX-License-Identifier: GPL-2.0
/*
 * Sender-side loss recovery: which segments are in flight, which are lost,
 * and what an ACK or a timeout does about it.
 *
 * Accounting follows Linux (tcp_packets_in_flight): every segment sent and
 * not yet cumulatively acked counts in packets_out; sacked_out of them the
 * peer reported holding (RFC 2018); lost_out are marked lost; retrans_out
 * of those were retransmitted and not yet acked. In flight = packets_out -
 * sacked_out - lost_out + retrans_out, RFC 6675's "pipe" (SetPipe) counted
 * in segments; cwnd (cong.c) bounds it. The scoreboard is these per-skb
 * bits: SACK blocks mark whole segments, as Linux's does.
 *
 * Events:
 * - three duplicate ACKs (RFC 5681 3.2), or with SACK a hole with DupThresh
 *   SACKed segments above it (RFC 6675 IsLost), start fast recovery once
 *   per window (RFC 6582's "recover"): the holes are marked lost and
 *   retransmitted; cwnd follows PRR (RFC 6937, cong.c) on every ACK;
 * - a partial ACK in recovery marks the next hole lost (RFC 6582 3.2 step
 *   5); an ACK at or above "recover" ends recovery at cwnd = ssthresh;
 * - a retransmission timeout marks everything outstanding lost (go back
 *   N under cwnd 1, Linux's tcp_enter_loss), until an ACK reaches
 *   "recover";
 * - ECE (ktcp_recovery_ece(), ktcp_recovery_enter_cwr()) reduces cwnd by
 *   PRR in CWR, once per window, nothing being lost.
 * Each ACK runs Linux's order (tcp_ack()): the state machine
 * (tcp_fastretrans_alert(), with undo.c's checks for a spurious
 * reduction), then cwnd (tcp_cong_control()). The retransmissions
 * themselves go out from ktcp_output_push(), lost segments first, as cwnd
 * allows.
 *
 * Context: the socket lock is held by the caller in every function.
 */

#include "ktcp.h"
#include "recovery.h"
#include "undo.h"

#define KTCP_REORDER_MAX	127	/* Linux allows 300 (tcp_max_reordering) */

static u64 ktcp_now_us(void)
{
	return tcp_clock_us();
}

static void ktcp_recovery_mark_lost(struct ktcp_sock *ks, struct sk_buff *skb)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	if (cb->sacked & KTCP_SKB_RETRANS) {
		cb->sacked &= ~KTCP_SKB_RETRANS;
		ks->retrans_out--;
	}
	if (!(cb->sacked & KTCP_SKB_LOST)) {
		cb->sacked |= KTCP_SKB_LOST;
		ks->lost_out++;
		ks->lost++;
	}
}

/* The first sent, unacked segment, or NULL. */
static struct sk_buff *ktcp_recovery_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	return skb && skb != ktcp_sk(sk)->send_head ? skb : NULL;
}

/* A segment goes out: count it (new data) or its retransmission. */
void ktcp_recovery_sent(struct sock *sk, struct sk_buff *skb, bool new_data)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	sock_owned_by_me(sk);
	ktcp_cc_sent(&ks->cc, 1);	/* prr_out */
	if (new_data) {
		ks->packets_out++;
		return;
	}
	cb->retransmitted = 1;
	ktcp_undo_retransmitted(ks);
	if ((cb->sacked & KTCP_SKB_LOST) && !(cb->sacked & KTCP_SKB_RETRANS)) {
		cb->sacked |= KTCP_SKB_RETRANS;
		ks->retrans_out++;
	}
}

/* A segment left the write queue, cumulatively acked. */
void ktcp_recovery_acked(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 sacked = KTCP_SKB_CB(skb)->sacked;

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(!ks->packets_out))
		return;
	ks->packets_out--;
	if (sacked & KTCP_SKB_LOST)
		ks->lost_out--;
	if (sacked & KTCP_SKB_RETRANS)
		ks->retrans_out--;
	if (sacked & KTCP_SKB_SACKED)
		ks->sacked_out--;
	else
		ks->delivered++;	/* tcp_count_delivered() */
	/* tcp_clean_rtx_queue()'s flags, for undo and F-RTO. */
	if (KTCP_SKB_CB(skb)->retransmitted)
		ks->ack_flag |= KTCP_ACK_RETRANS_ACKED;
	else if (!(sacked & KTCP_SKB_SACKED) &&
		 !ktcp_seq_after(KTCP_SKB_CB(skb)->end_seq, ks->recover))
		ks->ack_flag |= KTCP_ACK_ORIG_ACKED;
}

/* The peer holds @skb: it is neither lost nor in flight any more. */
static void ktcp_recovery_mark_sacked(struct ktcp_sock *ks,
				      struct sk_buff *skb)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	if (cb->sacked & KTCP_SKB_RETRANS)
		ks->retrans_out--;
	if (cb->sacked & KTCP_SKB_LOST)
		ks->lost_out--;
	cb->sacked = KTCP_SKB_SACKED;
	ks->sacked_out++;
	ks->delivered++;
	ks->ack_flag |= KTCP_ACK_DATA_SACKED;	/* tcp_sacktag_one() */
	if (!cb->retransmitted && !ktcp_seq_after(cb->end_seq, ks->recover))
		ks->ack_flag |= KTCP_ACK_ORIG_ACKED;
}

/*
 * A SACK block is usable if it lies within what we sent and above
 * SND.UNA (RFC 2018 4; blocks below are D-SACKs, RFC 2883, and say no more
 * than that a retransmission was spurious).
 */
static bool ktcp_recovery_block_ok(const struct ktcp_sock *ks,
				   const struct ktcp_sack_block *b)
{
	return ktcp_seq_before(b->start, b->end) &&
	       ktcp_seq_after(b->start, ks->snd_una) &&
	       !ktcp_seq_after(b->end, ks->snd_nxt);
}

/*
 * RFC 6675 IsLost, per segment: a segment not SACKed with DupThresh SACKed
 * segments above it is lost. One walk from the tail; the caller bounds the
 * queue (sndbuf), so the work per ACK is bounded whatever the peer sends.
 */
static void ktcp_recovery_sack_lost(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = ks->send_head ? ks->send_head->prev :
				skb_peek_tail(&sk->sk_write_queue);
	u32 above = 0;

	for (; skb && skb != (struct sk_buff *)&sk->sk_write_queue;
	     skb = skb->prev) {
		u8 sacked = KTCP_SKB_CB(skb)->sacked;

		if (sacked & KTCP_SKB_SACKED)
			above++;
		else if (above >= ks->reordering &&
			 !(sacked & KTCP_SKB_LOST))
			ktcp_recovery_mark_lost(ks, skb);
	}
}

/*
 * TCP_INFO's count of D-SACKed segments (tcp_dsack_seen()): those @d
 * covers, none if it is larger than any window offered; a duplicate of a
 * segment we did resend was delivered once more, and one fewer
 * retransmission of the undo episode remains unconfirmed.
 */
static void ktcp_recovery_dsack_count(struct ktcp_sock *ks,
				      const struct ktcp_sack_block *d)
{
	u32 len = d->end - d->start, dups;

	if (len > ks->max_window)
		return;
	dups = DIV_ROUND_UP(len, max_t(u32, ks->mss, 1));
	ks->dsack_dups += dups;
	if (ks->dsack_dups > ks->total_retrans)
		return;
	ks->delivered += dups;
	ktcp_undo_dsack(ks, d->end, dups);
}

/*
 * RFC 2883 4 and RFC 3708: a first block below SND.UNA, or inside the
 * second, reports a segment that arrived twice: a retransmission was
 * spurious, the path reorders. Raise DupThresh (Linux's tp->reordering) so
 * that reordering stops passing for loss.
 */
static void ktcp_recovery_dsack(struct sock *sk, const struct ktcp_opts *o)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	const struct ktcp_sack_block *b = o->sacks;

	if (!ktcp_seq_before(b[0].start, b[0].end))
		return;
	if (!ktcp_seq_before_eq(b[0].end, ks->snd_una) &&
	    !(o->num_sacks > 1 && !ktcp_seq_before(b[0].start, b[1].start) &&
	      !ktcp_seq_after(b[0].end, b[1].end)))
		return;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_DSACKRECV);
	ktcp_recovery_dsack_count(ks, &b[0]);
	/*
	 * Once per round trip: the D-SACKs of one go-back-N after a spurious
	 * RTO (one per resent segment) are one piece of evidence, not many.
	 */
	if (ktcp_seq_before(ks->snd_una, ks->reord_seq))
		return;
	ks->reord_seq = ks->snd_nxt;
	ks->reordering = min_t(u32, ks->reordering * 2, KTCP_REORDER_MAX);
}

/*
 * Apply the SACK blocks of an ACK to the scoreboard. Returns how many
 * segments became SACKed: an ACK that SACKs new data is a duplicate ACK in
 * RFC 6675's sense even if it changes nothing else.
 */
u32 ktcp_recovery_sack(struct sock *sk, const struct ktcp_opts *o)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 newly = 0;
	struct sk_buff *skb;
	int i;

	sock_owned_by_me(sk);
	/* The echo this ACK carries, for Eifel (ktcp_undo_packet_delayed()). */
	ks->ack_tsecr = (o->present & KTCP_OPTF_TS) ? o->tsecr : 0;
	if (!ks->neg.sack_ok || !(o->present & KTCP_OPTF_SACK) ||
	    !o->num_sacks)
		return 0;
	ktcp_recovery_dsack(sk, o);
	for (i = 0; i < o->num_sacks; i++) {
		const struct ktcp_sack_block *b = &o->sacks[i];

		if (!ktcp_recovery_block_ok(ks, b))
			continue;
		skb_queue_walk(&sk->sk_write_queue, skb) {
			struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

			if (skb == ks->send_head ||
			    !ktcp_seq_before(cb->seq, b->end))
				break;
			if ((cb->sacked & KTCP_SKB_SACKED) ||
			    ktcp_seq_before(cb->seq, b->start) ||
			    ktcp_seq_after(cb->end_seq, b->end))
				continue;
			ktcp_recovery_mark_sacked(ks, skb);
			newly++;
		}
	}
	if (newly)
		ktcp_recovery_sack_lost(sk);
	return newly;
}

/*
 * The next segment to retransmit: lost and not yet resent, or NULL. (An
 * undo leaves resent segments unmarked, so retrans_out may count some
 * that lost_out does not.)
 */
struct sk_buff *ktcp_recovery_next_lost(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	if (!ks->lost_out)
		return NULL;
	skb_queue_walk(&sk->sk_write_queue, skb) {
		u8 sacked = KTCP_SKB_CB(skb)->sacked;

		if (skb == ks->send_head)
			break;
		if ((sacked & KTCP_SKB_LOST) && !(sacked & KTCP_SKB_RETRANS))
			return skb;
	}
	return NULL;
}

/*
 * The head segment is lost (a partial ACK, or a third duplicate): mark it,
 * unless SACKed, or already lost, whose retransmission may be in flight.
 */
static void ktcp_recovery_head_lost(struct ktcp_sock *ks, struct sk_buff *head)
{
	if (!(KTCP_SKB_CB(head)->sacked & (KTCP_SKB_SACKED | KTCP_SKB_LOST)))
		ktcp_recovery_mark_lost(ks, head);
}

/*
 * RFC 5681 3.2 and RFC 6582 3.2 step 1: the third duplicate ACK, or a
 * segment marked lost (tcp_enter_recovery()): a new undo episode, PRR
 * from here (or on from CWR), the head marked lost.
 */
static void ktcp_recovery_enter(struct sock *sk, u32 flag)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *head = ktcp_recovery_head(sk);

	/*
	 * Still within the window of the last recovery: SND.UNA below
	 * "recover", which is at most SND.NXT. Asked that way, a "recover"
	 * left 2^31 octets behind (ISS, on a long loss-free connection)
	 * does not pass for one ahead. CWR's "recover" does not count.
	 */
	if (!head || (ks->cc.state != KTCP_CC_CWR &&
		      ktcp_seq_between(ks->recover, ks->snd_una + 1,
				       ks->snd_nxt)))
		return;
	if (!ktcp_undo_any_retrans(sk))
		ks->retrans_stamp = 0;	/* the clock starts with this one */
	ks->prior_ssthresh = 0;
	ktcp_undo_init(ks);
	if (!ktcp_cc_in_reduction(&ks->cc)) {
		if (!(flag & KTCP_ACK_ECE))
			ks->prior_ssthresh = ktcp_cc_current_ssthresh(&ks->cc);
		ks->recover = ks->snd_nxt;
	}
	ktcp_cc_enter_recovery(&ks->cc, ktcp_in_flight(ks), ktcp_now_us());
	ktcp_recovery_head_lost(ks, head);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_FASTRETRANS);
}

/*
 * tcp_enter_cwr(): reduce cwnd by PRR for congestion that lost nothing
 * (ECE, RFC 3168 6.1.2), once per window: not in CWR, Recovery or Loss
 * already. No undo: the congestion is real.
 */
void ktcp_recovery_enter_cwr(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	ks->prior_ssthresh = 0;
	if (ks->cc.state >= KTCP_CC_CWR)
		return;
	ks->undo_marker = 0;
	ks->recover = ks->snd_nxt;
	ktcp_cc_enter_cwr(&ks->cc, ktcp_in_flight(ks), ktcp_now_us());
}

/* The ACK about to be processed carries ECE: see ktcp_recovery_alert(). */
void ktcp_recovery_ece(struct sock *sk)
{
	sock_owned_by_me(sk);
	ktcp_sk(sk)->ack_flag |= KTCP_ACK_ECE;
}

/* tcp_try_to_open(): back to Open, unless ECE asks for CWR. */
static void ktcp_recovery_try_to_open(struct sock *sk, u32 flag)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!ktcp_undo_any_retrans(sk))
		ks->retrans_stamp = 0;
	if (flag & KTCP_ACK_ECE)
		ktcp_recovery_enter_cwr(sk);
	if (ks->cc.state != KTCP_CC_CWR)
		ktcp_cc_open(&ks->cc);
}

/* Count what congestion control saw on this ACK (HyStart). */
static void ktcp_recovery_cc_events(struct sock *sk)
{
	struct ktcp_cc *cc = &ktcp_sk(sk)->cc;

	if (cc->events & KTCP_CC_EV_HYSTART_TRAIN)
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_HYSTARTTRAINDETECT);
	if (cc->events & KTCP_CC_EV_HYSTART_DELAY)
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_HYSTARTDELAYDETECT);
	cc->events = 0;
}

/*
 * tcp_fastretrans_alert() step D: SND.UNA reached "recover". Returns true
 * if nothing more is to be done on this ACK (a NewReno recovery held).
 */
static bool ktcp_recovery_reached(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	switch (ks->cc.state) {
	case KTCP_CC_CWR:
		/* Held until above "recover", for CWR to reach the peer. */
		if (ks->snd_una != ks->recover) {
			ktcp_cc_end_reduction(&ks->cc, false);
			ktcp_cc_open(&ks->cc);
		}
		break;
	case KTCP_CC_RECOVERY:
		if (ktcp_undo_recovery(sk))
			return true;
		ktcp_cc_end_reduction(&ks->cc, ks->undo_marker);
		break;
	}
	return false;
}

/* Step E in Recovery: partial ACKs, D-SACK undo, a new recovery. */
static void ktcp_recovery_in_recovery(struct sock *sk, u32 flag)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *head;

	if (flag & KTCP_ACK_UNA_ADVANCED) {
		if (ktcp_undo_partial(sk))
			return;
		/* RFC 6582 3.2 step 5: a partial ACK shows the next hole. */
		head = ktcp_recovery_head(sk);
		if (head && ks->cc.state == KTCP_CC_RECOVERY)
			ktcp_recovery_head_lost(ks, head);
	}
	if (ktcp_undo_try_dsack(sk))
		ktcp_recovery_try_to_open(sk, flag);
	/* Undone, yet loss is evident: a new recovery. */
	if (ks->cc.state != KTCP_CC_RECOVERY && ks->lost_out)
		ktcp_recovery_enter(sk, flag);
}

/* The state machine for one ACK (tcp_fastretrans_alert()). */
static void ktcp_recovery_alert(struct sock *sk, u32 flag, bool dup)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_cc *cc = &ks->cc;

	if (flag & KTCP_ACK_ECE)
		ks->prior_ssthresh = 0;	/* the reduction is real */
	if (cc->state == KTCP_CC_OPEN)
		ks->retrans_stamp = 0;
	else if (!ktcp_seq_before(ks->snd_una, ks->recover) &&
		 ktcp_recovery_reached(sk))
		return;
	switch (cc->state) {
	case KTCP_CC_RECOVERY:
		ktcp_recovery_in_recovery(sk, flag);
		return;
	case KTCP_CC_LOSS:
		ktcp_undo_process_loss(sk, flag, dup);
		if (cc->state == KTCP_CC_LOSS)
			return;
		ktcp_rto_time_end(ks);
		fallthrough;
	default:
		if (cc->state == KTCP_CC_OPEN)
			ktcp_undo_try_dsack(sk);
		/* tcp_time_to_recover() */
		if (!ks->lost_out && !(ks->packets_out &&
				       ks->dupacks >= ks->reordering)) {
			ktcp_recovery_try_to_open(sk, flag);
			return;
		}
		ktcp_recovery_enter(sk, flag);
	}
}

/*
 * cwnd for this ACK (tcp_cong_control()): PRR in CWR and Recovery, for
 * the @delivered segments and @lost newly marked; growth otherwise.
 */
static void ktcp_recovery_cong(struct sock *sk, u32 acked, u32 rtt_us,
			       u32 delivered, u32 lost, u32 flag)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_cc_set_seq(&ks->cc, ks->snd_una, ks->snd_nxt);
	ktcp_cc_on_ack(&ks->cc, acked, rtt_us, ktcp_now_us(),
		       ks->cwnd_limited);
	if (ktcp_cc_in_reduction(&ks->cc))
		ktcp_cc_reduction(&ks->cc, ktcp_in_flight(ks), delivered, lost,
				  flag & KTCP_ACK_UNA_ADVANCED);
	ktcp_recovery_cc_events(sk);
}

/*
 * An acceptable ACK was processed: @acked segments left the queue (0 for a
 * duplicate); @dup says it is a duplicate ACK in RFC 5681's sense (or RFC
 * 6675's: it SACKed new data). A SACK marking a segment lost on an ACK
 * that also moved SND.UNA is loss all the same (RFC 6675 5; Linux's
 * tcp_ack_is_dubious()), so recovery, and its reduction, begin.
 */
void ktcp_recovery_on_ack(struct sock *sk, u32 acked, u32 rtt_us, bool dup)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 flag = ks->ack_flag;
	u32 delivered = ks->delivered - ks->ack_delivered;

	sock_owned_by_me(sk);
	ks->frto_new = 0;	/* F-RTO's new data is this ACK's decision */
	if (acked) {
		flag |= KTCP_ACK_UNA_ADVANCED;
		ks->dupacks = 0;
	} else if (dup && ks->packets_out) {
		ks->dupacks++;
		/* tcp_add_reno_sack(): without SACK, a duplicate delivered one. */
		if (!ks->neg.sack_ok)
			delivered++;
	}
	/* Without SACK, progress may be the retransmissions' (tcp_ack()). */
	if (!ks->neg.sack_ok && (flag & KTCP_ACK_RETRANS_ACKED))
		flag &= ~KTCP_ACK_ORIG_ACKED;
	ktcp_recovery_alert(sk, flag, dup);
	ktcp_recovery_cong(sk, acked, rtt_us, delivered, ks->lost - ks->ack_lost,
			   flag);
	ks->ack_flag = 0;
	ks->ack_tsecr = 0;
	ks->ack_delivered = ks->delivered;
	ks->ack_lost = ks->lost;
}

/*
 * F-RTO step 2.b (ktcp_undo_process_loss()) asked for new data before any
 * retransmission on this push: true once, then false.
 */
bool ktcp_recovery_frto_new(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool new = ks->frto_new;

	ks->frto_new = 0;
	return new;
}

/* No new data went out after all: F-RTO gives up (tcp_xmit_recovery()). */
void ktcp_recovery_frto_sent(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!ktcp_seq_after(ks->snd_nxt, ks->recover))
		ks->frto = 0;
}

/*
 * RFC 6298 5.4-5.6 and RFC 5681 3.1: everything outstanding is lost
 * (tcp_enter_loss()). ssthresh is lowered once per window: from Open, or
 * when SND.UNA has reached "recover".
 */
void ktcp_recovery_on_rto(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 flight = ktcp_in_flight(ks);
	u8 state = ks->cc.state;
	bool reduce = state == KTCP_CC_OPEN ||
		      !ktcp_seq_after(ks->recover, ks->snd_una);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == ks->send_head)
			break;
		if (!(KTCP_SKB_CB(skb)->sacked & KTCP_SKB_SACKED))
			ktcp_recovery_mark_lost(ks, skb);
	}
	ktcp_undo_enter_loss(sk, reduce, state < KTCP_CC_RECOVERY);
	ktcp_cc_on_rto(&ks->cc, flight, reduce, ktcp_now_us());
	ks->recover = ks->snd_nxt;
	ks->dupacks = 0;
	ks->ack_lost = ks->lost;
	/*
	 * Many segments SACKed above the loss: that was loss, not
	 * reordering; DupThresh returns to its start (tcp_enter_loss()).
	 */
	if (ks->sacked_out >= KTCP_REORDERING_INIT)
		ks->reordering = min_t(u32, ks->reordering,
				       KTCP_REORDERING_INIT);
}

/*
 * tcp_simple_retransmit() after a smaller path MTU: @skb, a sent segment
 * longer than the new MSS, has been cut and @nskb is its second part, a
 * copy of its scoreboard bits (tcp_fragment()'s tcp_adjust_pcount()).
 * Both are lost: the router dropped the whole. cwnd and ssthresh stay (the
 * data in flight did not grow, only its units shrank), as Linux's.
 */
void ktcp_recovery_resegmented(struct sock *sk, struct sk_buff *skb,
			       struct sk_buff *nskb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 sacked = KTCP_SKB_CB(nskb)->sacked;

	sock_owned_by_me(sk);
	ks->packets_out++;
	if (sacked & KTCP_SKB_LOST)
		ks->lost_out++;
	if (sacked & KTCP_SKB_RETRANS)
		ks->retrans_out++;
	if (sacked & KTCP_SKB_SACKED)
		ks->sacked_out++;
	if (!(KTCP_SKB_CB(skb)->sacked & KTCP_SKB_SACKED))
		ktcp_recovery_mark_lost(ks, skb);
	if (!(sacked & KTCP_SKB_SACKED))
		ktcp_recovery_mark_lost(ks, nskb);
}
