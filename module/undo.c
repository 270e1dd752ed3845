// SPDX-License-Identifier: GPL-2.0
/*
 * Undo of spurious retransmissions, as Linux 6.12's tcp_input.c does it:
 * a cwnd reduction (fast recovery, or the RTO's Loss state) is taken back
 * when the retransmissions that caused it prove needless.
 *
 * A reduction opens an undo episode (tcp_init_undo()): undo_marker =
 * SND.UNA, undo_retrans = the retransmissions in flight, prior_ssthresh =
 * the ssthresh to return to (an ECE zeroes it: that congestion is real).
 * Every retransmission adds one to undo_retrans and the first one of the
 * episode stamps retrans_stamp with its TSval. Evidence that it was
 * spurious:
 * - D-SACKs (RFC 2883, RFC 3708) for every retransmission: undo_retrans
 *   counts down to 0 (tcp_try_undo_dsack());
 * - a timestamp (Eifel, RFC 3522): an ACK whose TSecr is older than
 *   retrans_stamp was sent for an original transmission
 *   (tcp_packet_delayed()), at the end of recovery (tcp_try_undo_recovery()),
 *   on a partial ACK (tcp_try_undo_partial()) or on an ACK after an RTO
 *   (tcp_try_undo_loss());
 * - F-RTO (RFC 5682, SACK-enhanced, tcp_process_loss()): after an RTO the
 *   first ACK that advances SND.UNA lets new data out instead of
 *   retransmissions; if the next ACK then (S)ACKs data never retransmitted,
 *   the RTO was spurious.
 * The undo itself (tcp_undo_cwnd_reduction()) restores cwnd by the
 * algorithm's undo_cwnd and ssthresh from prior_ssthresh, and after an
 * RTO unmarks the segments it marked lost.
 *
 * Context: the socket lock is held by the caller in every function.
 */

#include "ecn.h"
#include "ktcp.h"
#include "recovery.h"
#include "undo.h"

/* tcp_init_undo(): 0 would mean "undo now", so none is -1. */
void ktcp_undo_init(struct ktcp_sock *ks)
{
	ks->undo_marker = ks->snd_una;
	ks->undo_retrans = ks->retrans_out ?: -1;
}

/* A retransmission left (tcp_retransmit_skb()). */
void ktcp_undo_retransmitted(struct ktcp_sock *ks)
{
	if (!ks->retrans_stamp)
		ks->retrans_stamp = ktcp_neg_ts_now(&ks->neg) ?: 1;
	if (ks->undo_retrans < 0)
		ks->undo_retrans = 0;
	ks->undo_retrans++;
}

/*
 * A D-SACK for @dups segments ending at @end_seq (tcp_check_dsack()'s
 * "dumb counting"): one retransmission fewer may still be needed. Linux
 * also counts D-SACKs above SND.UNA per resent skb (tcp_sacktag_one());
 * here any D-SACK above undo_marker counts, by its size.
 */
void ktcp_undo_dsack(struct ktcp_sock *ks, u32 end_seq, u32 dups)
{
	if (ks->undo_marker && ks->undo_retrans > 0 &&
	    ktcp_seq_after(end_seq, ks->undo_marker))
		ks->undo_retrans = max_t(int, 0, ks->undo_retrans - (int)dups);
}

/* tcp_any_retrans_done(): a retransmission in flight, or the head resent. */
bool ktcp_undo_any_retrans(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (ks->retrans_out)
		return true;
	return skb && skb != ks->send_head && KTCP_SKB_CB(skb)->retransmitted;
}

/*
 * tcp_packet_delayed(): this ACK's TSecr predates our first
 * retransmission, or nothing was retransmitted yet.
 */
bool ktcp_undo_packet_delayed(const struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	if (ks->retrans_stamp)
		return ks->ack_tsecr &&
		       ktcp_seq_before(ks->ack_tsecr, ks->retrans_stamp);
	if (!ks->neg.sack_ok && !ktcp_seq_before(ks->snd_una, ks->recover))
		return false;
	return sk->sk_state != TCP_SYN_SENT;
}

static bool ktcp_undo_may(const struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	return ks->undo_marker &&
	       (!ks->undo_retrans || ktcp_undo_packet_delayed(sk));
}

/* tcp_undo_cwnd_reduction(): @unmark clears the RTO's loss marks. */
static void ktcp_undo_cwnd_reduction(struct sock *sk, bool unmark)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	if (unmark) {
		skb_queue_walk(&sk->sk_write_queue, skb) {
			if (skb == ks->send_head)
				break;
			KTCP_SKB_CB(skb)->sacked &= ~KTCP_SKB_LOST;
		}
		ks->lost_out = 0;
		ktcp_rtxq_hints_reset(ks);	/* IsLost starts over */
	}
	ktcp_cc_undo(&ks->cc, ks->prior_ssthresh);
	if (ks->prior_ssthresh)		/* not after an ECE: as Linux */
		ktcp_ecn_withdraw_cwr(ks);
	ks->undo_marker = 0;
}

/*
 * tcp_is_non_sack_preventing_reopen(): without SACK, hold the state until
 * something above "recover" is acked (RFC 6582 4.1, no false fast
 * retransmits from the duplicates of the retransmissions).
 */
static bool ktcp_undo_non_sack_hold(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ks->neg.sack_ok || ks->snd_una != ks->recover)
		return false;
	if (!ktcp_undo_any_retrans(sk))
		ks->retrans_stamp = 0;
	return true;
}

/*
 * tcp_try_undo_recovery(): SND.UNA reached "recover". Returns true if the
 * state is held (see above); otherwise it is Open.
 */
bool ktcp_undo_recovery(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ktcp_undo_may(sk)) {
		ktcp_undo_cwnd_reduction(sk, false);
		KTCP_INC_STATS(sock_net(sk), ks->cc.state == KTCP_CC_LOSS ?
			       KTCP_MIB_TCPLOSSUNDO : KTCP_MIB_TCPFULLUNDO);
	} else if (ks->rack.reo_wnd_persist) {
		/* One fewer recovery to keep RACK's widened window for. */
		ks->rack.reo_wnd_persist--;
	}
	if (ktcp_undo_non_sack_hold(sk))
		return true;
	ktcp_cc_open(&ks->cc);
	return false;
}

/* tcp_try_undo_dsack(): D-SACKs covered every retransmission. */
bool ktcp_undo_try_dsack(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!ks->undo_marker || ks->undo_retrans)
		return false;
	ktcp_undo_cwnd_reduction(sk, false);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPDSACKUNDO);
	return true;
}

/*
 * tcp_try_undo_partial(): a partial ACK in Recovery for the original
 * transmission. Returns true if retransmissions are still out: then no
 * more segments are marked lost on this ACK.
 */
bool ktcp_undo_partial(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!ks->undo_marker || !ktcp_undo_packet_delayed(sk))
		return false;
	if (ks->retrans_out)
		return true;
	if (!ktcp_undo_any_retrans(sk))
		ks->retrans_stamp = 0;
	ktcp_undo_cwnd_reduction(sk, true);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPPARTIALUNDO);
	ktcp_cc_open(&ks->cc);		/* tcp_try_keep_open() */
	return false;
}

/* tcp_try_undo_loss(): after an RTO, by timestamp or by F-RTO (@frto). */
static bool ktcp_undo_loss(struct sock *sk, bool frto)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!frto && !ktcp_undo_may(sk))
		return false;
	ktcp_undo_cwnd_reduction(sk, true);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPLOSSUNDO);
	if (frto)
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPSPURIOUSRTOS);
	WRITE_ONCE(ks->retries, 0);
	if (ktcp_undo_non_sack_hold(sk))
		return true;
	if (frto || ks->neg.sack_ok)
		ktcp_cc_open(&ks->cc);
	return true;
}

/*
 * F-RTO step 2.b (RFC 5682 3.1): the first ACK after the RTO advanced
 * SND.UNA; send new data, if any and the window allows, before anything
 * else is retransmitted. Returns false if there is none to send.
 */
static bool ktcp_undo_frto_new(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ks->recover = ks->snd_nxt;
	if (ks->send_head &&
	    ktcp_seq_after(ks->snd_una + ks->snd_wnd, ks->snd_nxt)) {
		ks->frto_new = 1;
		return true;
	}
	ks->frto = 0;
	return false;
}

/*
 * An ACK in Loss (tcp_process_loss()): undo by timestamp, or F-RTO's
 * steps; Open again once SND.UNA reaches "recover". Otherwise the lost
 * segments go out as cwnd allows (output.c).
 */
void ktcp_undo_process_loss(struct sock *sk, u32 flag, bool dup)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool recovered = !ktcp_seq_before(ks->snd_una, ks->recover);

	if ((flag & KTCP_ACK_UNA_ADVANCED) && ktcp_undo_loss(sk, false))
		return;
	if (ks->frto) {
		/* Step 3.b: never-resent data (S)ACKed, not all was lost. */
		if ((flag & KTCP_ACK_ORIG_ACKED) && ktcp_undo_loss(sk, true))
			return;
		if (ktcp_seq_after(ks->snd_nxt, ks->recover)) {
			/* Step 3.a: a duplicate ACK, the loss was real. */
			if ((flag & KTCP_ACK_DATA_SACKED) || dup)
				ks->frto = 0;
		} else if ((flag & KTCP_ACK_UNA_ADVANCED) && !recovered) {
			if (ktcp_undo_frto_new(sk))
				return;
		}
	}
	if (recovered)
		ktcp_undo_recovery(sk);
}

/*
 * tcp_enter_loss()'s part: a new undo episode when the RTO reduces
 * (@reduce, before cc does); F-RTO armed if the sysctl allows, for a new
 * recovery (@new_recovery) or a repeated timeout of the same segment.
 */
void ktcp_undo_enter_loss(struct sock *sk, bool reduce, bool new_recovery)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (reduce) {
		ks->prior_ssthresh = ktcp_cc_current_ssthresh(&ks->cc);
		ktcp_undo_init(ks);
	}
	ks->frto = READ_ONCE(ktcp_pernet(sock_net(sk))->frto) &&
		   (new_recovery || ks->retries > 1);
	ks->frto_new = 0;
}
