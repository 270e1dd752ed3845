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
 * Which segments are lost, as Linux 6.12 decides it (tcp_fastretrans_alert(),
 * tcp_identify_packet_loss(), tcp_time_to_recover()):
 * - with SACK and net.ktcp.recovery's RACK bit (the default), RACK
 *   (rack.c, RFC 8985): a segment is lost when one sent after it was
 *   delivered and it has waited an RTT plus the reordering window; the
 *   reordering timer catches those whose time comes later. Recovery starts
 *   when a segment is marked lost ("the loss is proven"), never on a count
 *   of duplicate ACKs;
 * - otherwise three duplicate ACKs (RFC 5681 3.2), or with SACK a hole with
 *   DupThresh SACKed segments above it (RFC 6675 IsLost), start fast
 *   recovery, and a partial ACK in recovery marks the next hole lost
 *   (RFC 6582 3.2 step 5);
 * - recovery starts once per window (RFC 6582's "recover"): the lost
 *   segments are retransmitted; cwnd follows PRR (RFC 6937, cong.c) on
 *   every ACK; an ACK at or above "recover" ends it at cwnd = ssthresh;
 * - DupThresh (Linux's tp->reordering) is the reordering measured: a hole
 *   filled by a segment never resent, below the highest SACKed one
 *   (tcp_check_sack_reordering());
 * - the tail loss probe (RFC 8985 7): in Open or CWR with nothing known
 *   lost, a probe timer of about 2 * SRTT (scheduled by tlp.c, sent by
 *   output.c) resends the last segment or sends a new one, so that a loss
 *   at the tail is found by SACK instead of by an RTO; an ACK above the
 *   probe that did not D-SACK it shows that it repaired a loss, and cwnd
 *   is reduced once, through CWR (tcp_process_tlp_ack());
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

#include "ecn.h"
#include "ktcp.h"
#include "recovery.h"
#include "undo.h"

static u64 ktcp_now_us(void)
{
	return tcp_clock_us();
}

/*
 * The next segment to retransmit: lost and not yet resent, or NULL. As
 * tcp_xmit_retransmit_queue(), none while retrans_out reaches lost_out
 * (an undo leaves resent segments unmarked, so retrans_out may count some
 * that lost_out does not: then none is resent until those leave, as in
 * Linux); otherwise there is one, and the walk to it starts at rtx_hint,
 * before which there is none (retransmit_skb_hint), and leaves the hint
 * there: a segment is passed once per episode, not once per call.
 */
struct sk_buff *ktcp_recovery_next_lost(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	if (ks->retrans_out >= ks->lost_out)
		return NULL;
	skb = ks->rtx_hint ?: ktcp_recovery_head(sk);
	for (; skb; skb = ktcp_rtxq_next(sk, skb)) {
		u8 sacked = KTCP_SKB_CB(skb)->sacked;

		ks->rtxq_visits++;
		ks->rtx_hint = skb;
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
		ktcp_skb_mark_lost(ks, head);
}

/*
 * RFC 5681 3.2 and RFC 6582 3.2 step 1: the third duplicate ACK, or a
 * segment marked lost (tcp_enter_recovery()): a new undo episode, PRR
 * from here (or on from CWR; tcp_init_cwnd_reduction() ends a loss
 * probe's episode), the head marked lost unless RACK decides
 * (tcp_update_scoreboard()).
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
		ks->tlp_high_seq = 0;
		ktcp_ecn_queue_cwr(ks);	/* tcp_init_cwnd_reduction() */
	}
	ktcp_cc_enter_recovery(&ks->cc, ktcp_in_flight(ks), ktcp_now_us());
	if (!ktcp_rack_on(sk))
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
	ks->tlp_high_seq = 0;
	ktcp_cc_enter_cwr(&ks->cc, ktcp_in_flight(ks), ktcp_now_us());
	ktcp_ecn_queue_cwr(ks);		/* tcp_init_cwnd_reduction() */
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
 * tcp_identify_packet_loss(): with RACK, mark lost what has waited long
 * enough; if that armed the reordering timer, the ACK must not re-arm
 * rtx_timer (FLAG_SET_XMIT_TIMER cleared).
 */
static void ktcp_recovery_identify_loss(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!ks->packets_out || !ktcp_rack_on(sk))
		return;
	if (ktcp_rack_mark_lost(sk))
		ks->ack_flag |= KTCP_ACK_REO_ARMED;
}

/*
 * tcp_time_to_recover(): a segment marked lost; without RACK, also
 * DupThresh duplicate ACKs.
 */
static bool ktcp_recovery_time_to_recover(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	return ks->lost_out ||
	       (!ktcp_rack_on(sk) && ks->packets_out &&
		ks->dupacks >= ks->reordering);
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
	ktcp_recovery_identify_loss(sk);
	/* Undone, yet loss is evident: a new recovery. */
	if (ks->cc.state != KTCP_CC_RECOVERY &&
	    ktcp_recovery_time_to_recover(sk))
		ktcp_recovery_enter(sk, flag);
}

/*
 * tcp_check_sack_reneging(): SND.UNA moved up to a segment the peer had
 * SACKed, so the peer dropped what it SACKed (RFC 2018 8 allows it) or
 * the scoreboard is odd for a moment. Give the peer max(SRTT / 2, 10 ms)
 * to SACK it again; then the RTO, finding the head SACKed, forgets every
 * SACK (ktcp_recovery_on_rto()). True if the timer was armed.
 */
static bool ktcp_recovery_reneging(struct sock *sk, u32 flag)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	unsigned long delay = usecs_to_jiffies(ktcp_rtt_srtt_us(&ks->rtt) / 2);

	if ((flag & (KTCP_ACK_SACK_RENEGING | KTCP_ACK_UNA_ADVANCED)) !=
	    (KTCP_ACK_SACK_RENEGING | KTCP_ACK_UNA_ADVANCED))
		return false;
	ktcp_rtx_arm(sk, KTCP_TIME_RETRANS, max(delay, msecs_to_jiffies(10)));
	ks->ack_flag |= KTCP_ACK_REO_ARMED;	/* ~FLAG_SET_XMIT_TIMER */
	return true;
}

/* The state machine for one ACK (tcp_fastretrans_alert()). */
static void ktcp_recovery_alert(struct sock *sk, u32 flag, bool dup)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_cc *cc = &ks->cc;

	if (flag & KTCP_ACK_ECE)
		ks->prior_ssthresh = 0;	/* the reduction is real */
	if (ktcp_recovery_reneging(sk, flag))
		return;
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
		if (cc->state != KTCP_CC_LOSS)
			ktcp_rto_time_end(ks);
		/*
		 * RACK finds lost retransmissions in Loss too; Linux then
		 * leaves Loss for Recovery (FLAG_LOST_RETRANS), where ktcp
		 * stays in Loss, "recover" not being reached: they are resent
		 * all the same.
		 */
		ktcp_recovery_identify_loss(sk);
		if (cc->state == KTCP_CC_LOSS)
			return;
		fallthrough;
	default:
		if (cc->state == KTCP_CC_OPEN)
			ktcp_undo_try_dsack(sk);
		ktcp_recovery_identify_loss(sk);
		if (!ktcp_recovery_time_to_recover(sk)) {
			ktcp_recovery_try_to_open(sk, flag);
			return;
		}
		ktcp_recovery_enter(sk, flag);
	}
}

/*
 * cwnd for this ACK (tcp_cong_control()): PRR in CWR and Recovery, for
 * the @delivered segments and @lost newly marked; growth otherwise, by
 * what the ACK delivered (Linux's acked_sacked: segments newly acked or
 * SACKed, not those SACKed before that a cumulative ACK now covers), and
 * only on an ACK of new data, or with reordering measured above the
 * initial DupThresh on any forward progress (tcp_may_raise_cwnd()).
 */
static void ktcp_recovery_cong(struct sock *sk, u32 rtt_us, u32 delivered,
			       u32 lost, u32 flag)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 progress = KTCP_ACK_UNA_ADVANCED;

	if (ks->reordering > KTCP_REORDERING_INIT)
		progress |= KTCP_ACK_DATA_SACKED;
	ktcp_cc_set_seq(&ks->cc, ks->snd_una, ks->snd_nxt);
	ktcp_cc_on_ack(&ks->cc, flag & progress ? delivered : 0, rtt_us,
		       ktcp_now_us(), ks->cwnd_limited);
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
 * tcp_ack_is_dubious()), so recovery, and its reduction, begin. Returns
 * true if RACK armed the reordering timer: rtx_timer is then not to be
 * re-armed for this ACK (FLAG_SET_XMIT_TIMER cleared).
 */
bool ktcp_recovery_on_ack(struct sock *sk, u32 acked, u32 rtt_us, bool dup)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 delivered = ks->delivered - ks->ack_delivered;
	u32 flag;
	bool armed;

	sock_owned_by_me(sk);
	if (ktcp_rack_on(sk))
		ktcp_rack_update_reo_wnd(sk, ks->prior_delivered);
	flag = ks->ack_flag;
	ks->frto_new = 0;	/* F-RTO's new data is this ACK's decision */
	if (acked) {
		struct sk_buff *head = skb_peek(&sk->sk_write_queue);

		flag |= KTCP_ACK_UNA_ADVANCED;
		ks->dupacks = 0;
		/* tcp_clean_rtx_queue()'s FLAG_SACK_RENEGING */
		if (head && head != ks->send_head &&
		    (KTCP_SKB_CB(head)->sacked & KTCP_SKB_SACKED))
			flag |= KTCP_ACK_SACK_RENEGING;
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
	ktcp_recovery_cong(sk, rtt_us, delivered, ks->lost - ks->ack_lost, flag);
	armed = ks->ack_flag & KTCP_ACK_REO_ARMED;
	ks->ack_flag = 0;
	ks->ack_tsecr = 0;
	ks->ack_delivered = ks->delivered;
	ks->ack_lost = ks->lost;
	return armed;
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
	bool rack = ktcp_rack_on(sk), reneg;
	u32 now = (u32)tcp_clock_us();
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	skb = skb_peek(&sk->sk_write_queue);
	/*
	 * tcp_timeout_mark_lost(): a SACKed head means the peer reneged on
	 * its SACKs (RFC 2018 8): forget them all, and resend everything,
	 * or the segments it dropped would never be sent again.
	 */
	reneg = skb && skb != ks->send_head &&
		(KTCP_SKB_CB(skb)->sacked & KTCP_SKB_SACKED);
	if (reneg) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPSACKRENEGING);
		ks->sacked_out = 0;
		ktcp_rtxq_hints_reset(ks);
	}
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

		if (skb == ks->send_head)
			break;
		if (reneg) {
			cb->sacked &= ~KTCP_SKB_SACKED;
		} else if (cb->sacked & KTCP_SKB_SACKED) {
			continue;
		} else if (rack && skb != skb_peek(&sk->sk_write_queue) &&
			   ktcp_rack_remaining(ks->rack.rtt_us, 0, now,
					       cb->when) > 0) {
			/* with RACK, one sent less than its RTT ago waits */
			continue;
		}
		ktcp_skb_mark_lost(ks, skb);
	}
	ktcp_undo_enter_loss(sk, reduce, state < KTCP_CC_RECOVERY);
	ktcp_cc_on_rto(&ks->cc, flight, reduce, ktcp_now_us());
	ktcp_ecn_queue_cwr(ks);		/* tcp_enter_loss() */
	ks->recover = ks->snd_nxt;
	ks->dupacks = 0;
	ks->tlp_high_seq = 0;
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
 * tcp_non_congestion_loss_retransmit(): what is in flight was lost for a
 * reason that is no congestion (the SYN-ACK of a Fast Open SYN did not
 * acknowledge its data): marked lost, and Loss entered without reducing
 * cwnd or keeping anything to undo, until SND.NXT is acknowledged. The
 * caller pushes, which resends it.
 */
void ktcp_recovery_non_congestion_loss(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		if (skb == ks->send_head)
			break;
		ktcp_skb_mark_lost(ks, skb);
	}
	if (ks->cc.state == KTCP_CC_LOSS)
		return;
	ks->recover = ks->snd_nxt;	/* high_seq */
	ks->prior_ssthresh = 0;
	ks->undo_marker = 0;
	ktcp_cc_enter_loss_kept(&ks->cc);
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
		ktcp_skb_mark_lost(ks, skb);
	if (!(sacked & KTCP_SKB_SACKED))
		ktcp_skb_mark_lost(ks, nskb);
}

/*
 * tcp_rack_reo_timeout(): the reordering timer fired; mark what has waited
 * long enough lost and, if anything was, start recovery (from Open or CWR)
 * with PRR's first step for one segment delivered. Returns true if there is
 * something to retransmit (the caller pushes and re-arms).
 */
bool ktcp_recovery_reo_timeout(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 prior_inflight = ktcp_in_flight(ks), timeout;

	sock_owned_by_me(sk);
	if (!ks->packets_out)
		return false;
	ktcp_rack_detect_loss(sk, &timeout);
	if (prior_inflight == ktcp_in_flight(ks))
		return false;
	if (ks->cc.state < KTCP_CC_RECOVERY) {
		ktcp_recovery_enter(sk, 0);
		if (ktcp_cc_in_reduction(&ks->cc))
			ktcp_cc_reduction(&ks->cc, ktcp_in_flight(ks), 1, 0,
					  false);
		ks->ack_lost = ks->lost;
	}
	return true;
}
