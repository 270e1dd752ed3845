// SPDX-License-Identifier: GPL-2.0
/*
 * The sender's scoreboard (RFC 6675 3, Linux's tcp_sacktag_write_queue()
 * and tcp_clean_rtx_queue()'s accounting): what each sent segment is,
 * in flight, SACKed, lost or resent, as segments go out, are
 * cumulatively acked or are SACKed; the reordering an ACK shows
 * (tcp_check_sack_reordering()), D-SACKs (RFC 2883, RFC 3708), and RFC
 * 6675's IsLost when RACK is off. recovery.c decides what to do about
 * it; rtxq.c indexes the segments so that an ACK's work is O(log n) per
 * block plus the segments it changes.
 *
 * Context: the socket lock is held by the caller in every function.
 */

#include "ktcp.h"
#include "recovery.h"
#include "undo.h"

/* A segment goes out: count it (new data) or its retransmission. */
void ktcp_scoreboard_sent(struct sock *sk, struct sk_buff *skb, bool new_data)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	sock_owned_by_me(sk);
	ktcp_cc_sent(&ks->cc, 1);	/* prr_out */
	cb->tx_delivered = ks->delivered;	/* tcp_rate_skb_sent() */
	ktcp_rtxq_sent(ks, skb, new_data);
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

/*
 * What an ACK delivered: RACK's segment (unless @rack is false), and the
 * rate sample's prior_delivered (tcp_rate_skb_delivered(): the delivered
 * count when the most recently sent of them left).
 */
static void ktcp_scoreboard_delivered(struct ktcp_sock *ks, struct sk_buff *skb,
				      bool rack)
{
	u32 txd = KTCP_SKB_CB(skb)->tx_delivered;

	if (rack && ks->neg.sack_ok)
		ktcp_rack_advance(ks, skb);
	if (!ks->prior_delivered || ktcp_seq_after(txd, ks->prior_delivered))
		ks->prior_delivered = txd ?: 1;
}

/*
 * A segment left the write queue, cumulatively acked. *@reord gets the
 * lowest sequence of those acked never resent nor SACKed, for
 * ktcp_scoreboard_reordering() (tcp_clean_rtx_queue()'s "reord").
 */
void ktcp_scoreboard_acked(struct sock *sk, struct sk_buff *skb, u32 *reord)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	u8 sacked = cb->sacked;

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(!ks->packets_out))
		return;
	if (!(sacked & KTCP_SKB_SACKED)) {
		/*
		 * tcp_skb_spurious_retrans(): the echo predates the last
		 * retransmission, so the original was delivered; RACK must
		 * not take the retransmission's time.
		 */
		ktcp_scoreboard_delivered(ks, skb, !cb->retransmitted ||
					  !ks->ack_tsecr ||
					  !ktcp_seq_before(ks->ack_tsecr,
							   cb->tsval));
		if (!cb->retransmitted && ktcp_seq_before(cb->seq, *reord))
			*reord = cb->seq;
	}
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
static void ktcp_scoreboard_mark_sacked(struct ktcp_sock *ks,
					struct sk_buff *skb)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	if (cb->sacked & KTCP_SKB_RETRANS)
		ks->retrans_out--;
	if (cb->sacked & KTCP_SKB_LOST)
		ks->lost_out--;
	cb->sacked = KTCP_SKB_SACKED;
	ktcp_rtxq_sacked(ks, skb);
	if (!ks->sacked_out || ktcp_seq_after(cb->end_seq, ks->fack))
		ks->fack = cb->end_seq;
	ks->sacked_out++;
	ks->delivered++;
	ktcp_scoreboard_delivered(ks, skb, true);
	ks->ack_flag |= KTCP_ACK_DATA_SACKED;	/* tcp_sacktag_one() */
	if (!cb->retransmitted && !ktcp_seq_after(cb->end_seq, ks->recover))
		ks->ack_flag |= KTCP_ACK_ORIG_ACKED;
}

/* tcp_highest_sack_seq(): the end of the highest SACKed segment. */
u32 ktcp_scoreboard_fack(const struct ktcp_sock *ks)
{
	return ks->sacked_out ? ks->fack : ks->snd_una;
}

/*
 * tcp_check_sack_reordering(): a segment never resent, from @low_seq,
 * was delivered after the highest SACKed one: reordering. DupThresh
 * becomes the distance in segments if larger, up to tcp_max_reordering.
 * No-op unless @low_seq is below @prior_fack.
 */
void ktcp_scoreboard_reordering(struct sock *sk, u32 low_seq, u32 prior_fack)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 fack = ktcp_scoreboard_fack(ks), mss = ks->mss, metric;

	sock_owned_by_me(sk);
	if (!ktcp_seq_before(low_seq, prior_fack) ||
	    !ktcp_seq_before(low_seq, fack))
		return;
	metric = fack - low_seq;
	if (mss && metric > ks->reordering * mss)
		ks->reordering = min_t(u32, DIV_ROUND_UP(metric, mss),
				       KTCP_MAX_REORDERING);
	ks->reord_seen++;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_SACKREORDER);
}

/*
 * A SACK block is usable if it lies within what we sent and above
 * SND.UNA (RFC 2018 4; blocks below are D-SACKs, RFC 2883, and say no more
 * than that a retransmission was spurious).
 */
static bool ktcp_scoreboard_block_ok(const struct ktcp_sock *ks,
				     const struct ktcp_sack_block *b)
{
	return ktcp_seq_before(b->start, b->end) &&
	       ktcp_seq_after(b->start, ks->snd_una) &&
	       !ktcp_seq_after(b->end, ks->snd_nxt);
}

/*
 * RFC 6675 IsLost, per segment: a segment not SACKed with DupThresh SACKed
 * segments above it is lost; that is, with at most sacked_out - DupThresh
 * SACKed below it. As Linux's tcp_mark_head_lost(), the walk goes from the
 * head up and resumes where it stopped (lost_hint, with lost_cnt_hint the
 * SACKed segments below it), so each segment is passed once per episode,
 * not once per ACK.
 */
static void ktcp_scoreboard_sack_lost(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = ks->lost_hint;
	u32 cnt = ks->lost_cnt_hint;
	s32 packets = (s32)(ks->sacked_out - ks->reordering);

	if (packets < 0)
		return;
	if (!skb)
		skb = ktcp_recovery_head(sk);
	for (; skb; skb = ktcp_rtxq_next(sk, skb)) {
		u8 sacked = KTCP_SKB_CB(skb)->sacked;

		ks->rtxq_visits++;
		ks->lost_hint = skb;
		ks->lost_cnt_hint = cnt;
		if (sacked & KTCP_SKB_SACKED) {
			cnt++;
			continue;
		}
		if ((s32)cnt > packets)
			break;
		if (!(sacked & KTCP_SKB_LOST))
			ktcp_skb_mark_lost(ks, skb);
	}
}

/*
 * TCP_INFO's count of D-SACKed segments (tcp_dsack_seen()): those @d
 * covers, none if it is larger than any window offered; a duplicate of a
 * segment we did resend was delivered once more, and one fewer
 * retransmission of the undo episode remains unconfirmed.
 */
static void ktcp_scoreboard_dsack_count(struct ktcp_sock *ks,
					const struct ktcp_sack_block *d)
{
	u32 len = d->end - d->start, dups;

	if (len > ks->max_window)
		return;
	dups = DIV_ROUND_UP(len, max_t(u32, ks->mss, 1));
	if (len <= ks->mss && ks->tlp_high_seq && ks->tlp_high_seq == d->end)
		ks->ack_flag |= KTCP_ACK_DSACK_TLP;
	ks->dsack_dups += dups;
	if (ks->dsack_dups > ks->total_retrans)
		return;
	ks->delivered += dups;
	ks->ack_flag |= KTCP_ACK_DSACKING;
	ktcp_undo_dsack(ks, d->end, dups);
	/*
	 * Widen RACK's window for D-SACKs that reordering may explain: not
	 * without reordering seen, nor for the loss probe's (a timer sent it).
	 */
	if (ks->reord_seen && !(ks->ack_flag & KTCP_ACK_DSACK_TLP))
		ks->rack.dsack_seen = 1;
}

/*
 * RFC 2883 4 and RFC 3708: a first block below SND.UNA, or inside the
 * second, reports a segment that arrived twice: a retransmission was
 * spurious (tcp_check_dsack(), tcp_dsack_seen()): undo.c counts it, RACK
 * widens its window (tcp_rack_update_reo_wnd()).
 */
static void ktcp_scoreboard_dsack(struct sock *sk, const struct ktcp_opts *o)
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
	ktcp_scoreboard_dsack_count(ks, &b[0]);
}

/* What one ACK's SACK blocks did (ktcp_scoreboard_sack()). */
struct ktcp_scoreboard_sacktag {
	u32 prior_fack;
	u32 reord;
	u32 newly;
};

/*
 * SACK the segments that lie whole in @b among those that reach into
 * [@from, @to): found in O(log n), then walked (tcp_sacktag_walk()).
 */
static void ktcp_scoreboard_sack_range(struct sock *sk,
				       const struct ktcp_sack_block *b,
				       u32 from, u32 to,
				       struct ktcp_scoreboard_sacktag *t)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	for (skb = ktcp_rtxq_find(ks, from); skb;
	     skb = ktcp_rtxq_next(sk, skb)) {
		struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

		ks->rtxq_visits++;
		if (!ktcp_seq_before(cb->seq, to))
			break;
		if ((cb->sacked & KTCP_SKB_SACKED) ||
		    ktcp_seq_before(cb->seq, b->start) ||
		    ktcp_seq_after(cb->end_seq, b->end))
			continue;
		/* A hole filled by its first transmission. */
		if (!cb->retransmitted &&
		    ktcp_seq_before(cb->seq, t->prior_fack) &&
		    ktcp_seq_before(cb->seq, t->reord))
			t->reord = cb->seq;
		ktcp_scoreboard_mark_sacked(ks, skb);
		t->newly++;
	}
}

/*
 * Apply usable block @b, but for what the previous ACK's blocks, the
 * cache (sorted by start), covered: every segment lying whole in one of
 * them is SACKed already (tcp_sacktag_write_queue()'s recv_sack_cache).
 * A block the peer repeats on every ACK costs O(log n), not its length.
 */
static void ktcp_scoreboard_sack_block(struct sock *sk,
				       const struct ktcp_sack_block *b,
				       struct ktcp_scoreboard_sacktag *t)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 from = b->start;
	unsigned int i;

	for (i = 0; i < ks->sack_cache_n; i++) {
		const struct ktcp_sack_block *c = &ks->sack_cache[i];

		if (!ktcp_seq_after(c->end, from))
			continue;
		if (!ktcp_seq_before(c->start, b->end))
			break;
		if (ktcp_seq_before(from, c->start))
			ktcp_scoreboard_sack_range(sk, b, from, c->start, t);
		from = c->end;
	}
	if (ktcp_seq_before(from, b->end))
		ktcp_scoreboard_sack_range(sk, b, from, b->end, t);
}

/* Remember this ACK's usable blocks, sorted by start, for the next one. */
static void ktcp_scoreboard_sack_cache(struct ktcp_sock *ks,
				       const struct ktcp_opts *o)
{
	struct ktcp_sack_block *cache = ks->sack_cache;
	unsigned int i, j, n = 0;

	for (i = 0; i < o->num_sacks; i++) {
		if (!ktcp_scoreboard_block_ok(ks, &o->sacks[i]))
			continue;
		for (j = n; j && ktcp_seq_before(o->sacks[i].start,
						 cache[j - 1].start); j--)
			cache[j] = cache[j - 1];
		cache[j] = o->sacks[i];
		n++;
	}
	ks->sack_cache_n = n;
}

/*
 * Apply the SACK blocks of an ACK to the scoreboard. Returns how many
 * segments became SACKed: an ACK that SACKs new data is a duplicate ACK in
 * RFC 6675's sense even if it changes nothing else. The work is O(log n)
 * per block plus the segments newly SACKed (rtxq.c).
 */
u32 ktcp_scoreboard_sack(struct sock *sk, const struct ktcp_opts *o)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_scoreboard_sacktag t = {
		.prior_fack = ktcp_scoreboard_fack(ks),
		.reord = ks->snd_nxt,
	};
	int i;

	sock_owned_by_me(sk);
	/* The echo this ACK carries, for Eifel (ktcp_undo_packet_delayed()). */
	ks->ack_tsecr = (o->present & KTCP_OPTF_TS) ? o->tsecr : 0;
	if (!ks->neg.sack_ok || !(o->present & KTCP_OPTF_SACK) ||
	    !o->num_sacks)
		return 0;
	ktcp_scoreboard_dsack(sk, o);
	/* Nothing SACKed: the cache is stale, if not reneged (Linux's). */
	if (!ks->sacked_out)
		ks->sack_cache_n = 0;
	for (i = 0; i < o->num_sacks; i++)
		if (ktcp_scoreboard_block_ok(ks, &o->sacks[i]))
			ktcp_scoreboard_sack_block(sk, &o->sacks[i], &t);
	ktcp_scoreboard_sack_cache(ks, o);
	ktcp_scoreboard_reordering(sk, t.reord, t.prior_fack);
	/* RACK replaces RFC 6675's IsLost (tcp_update_scoreboard()). */
	if (t.newly && !ktcp_rack_on(sk))
		ktcp_scoreboard_sack_lost(sk);
	return t.newly;
}
