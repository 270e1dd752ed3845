// SPDX-License-Identifier: GPL-2.0
/*
 * The sent part of the write queue, indexed so that an ACK's work does not
 * grow with the queue (Linux's tcp_rtx_queue, tsorted_sent_queue and
 * retransmit hints). The write queue (sk_write_queue) stays one list in
 * sequence order, send_head its first unsent skb; what was sent is also:
 * - a node of rtx_index, an rbtree by sequence (the node in ktcp_skb_cb):
 *   the SACK scoreboard finds a block's first segment in O(log n)
 *   (ktcp_rtxq_find()) instead of walking from the head;
 * - an entry of tsorted, a list in order of last transmission, through
 *   skb->tcp_tsorted_anchor as Linux's: RACK (rack.c) walks it from the
 *   oldest and stops at the first segment sent after RACK's. A segment
 *   leaves it when SACKed or marked lost by RACK, and goes to its tail
 *   when sent again (tcp_update_skb_after_send()). The anchor overlays
 *   skb->_skb_refdst and destructor, which a queued skb does not use: the
 *   clone that is sent must not copy it (ktcp_xmit_skb()), and a freed
 *   skb must have it cleared (tcp_skb_tsorted_anchor_cleanup());
 * - the bound of two walks from the head: rtx_hint, before which no
 *   segment is lost and not yet resent (retransmit_skb_hint), and
 *   lost_hint with lost_cnt_hint, the SACKed segments before it, where
 *   RFC 6675's IsLost resumes (lost_skb_hint, lost_cnt_hint).
 * rtxq_visits counts the skbs these walks look at, for tests.
 *
 * Context: the socket lock held by the caller, as recovery.c's.
 */

#include "ktcp.h"

static struct sk_buff *ktcp_rtxq_skb(struct rb_node *node)
{
	struct ktcp_skb_cb *cb = rb_entry(node, struct ktcp_skb_cb, rbnode);

	return container_of((char *)cb, struct sk_buff, cb[0]);
}

void ktcp_rtxq_init(struct ktcp_sock *ks)
{
	BUILD_BUG_ON(sizeof(struct ktcp_skb_cb) >
		     sizeof_field(struct sk_buff, cb));
	ks->rtx_index = RB_ROOT;
	INIT_LIST_HEAD(&ks->tsorted);
	ks->sack_cache_n = 0;
	ks->rtx_hint = NULL;
	ktcp_rtxq_hints_reset(ks);
}

/* Forget where IsLost stopped: the loss marks or SACKs below changed. */
void ktcp_rtxq_hints_reset(struct ktcp_sock *ks)
{
	ks->lost_hint = NULL;
	ks->lost_cnt_hint = 0;
}

/* Sent skbs never overlap: ordered by seq, their ends are too. */
static void ktcp_rtxq_insert(struct ktcp_sock *ks, struct sk_buff *skb)
{
	struct rb_node **p = &ks->rtx_index.rb_node, *parent = NULL;
	u32 seq = KTCP_SKB_CB(skb)->seq;

	while (*p) {
		parent = *p;
		if (ktcp_seq_before(seq, KTCP_SKB_CB(ktcp_rtxq_skb(parent))->seq))
			p = &parent->rb_left;
		else
			p = &parent->rb_right;
	}
	rb_link_node(&KTCP_SKB_CB(skb)->rbnode, parent, p);
	rb_insert_color(&KTCP_SKB_CB(skb)->rbnode, &ks->rtx_index);
}

/*
 * @skb goes out (ktcp_scoreboard_sent()): its first time, into the index;
 * every time, to the tail of tsorted (tcp_update_skb_after_send()).
 */
void ktcp_rtxq_sent(struct ktcp_sock *ks, struct sk_buff *skb, bool new_data)
{
	if (new_data) {
		ktcp_rtxq_insert(ks, skb);
		list_add_tail(&skb->tcp_tsorted_anchor, &ks->tsorted);
		return;
	}
	list_move_tail(&skb->tcp_tsorted_anchor, &ks->tsorted);
}

/*
 * ktcp_output_split() cut @skb, whose cb @nskb copied: a sent @skb's
 * second part is sent too, at the same time (tcp_fragment()).
 */
void ktcp_rtxq_split(struct ktcp_sock *ks, struct sk_buff *skb,
		     struct sk_buff *nskb)
{
	const struct ktcp_skb_cb *ncb = KTCP_SKB_CB(nskb);

	if (!ktcp_seq_before(KTCP_SKB_CB(skb)->seq, ks->snd_nxt))
		return;
	/* A part may now lie whole in a cached block, and not be SACKed. */
	ks->sack_cache_n = 0;
	ktcp_rtxq_insert(ks, nskb);
	if (list_empty(&skb->tcp_tsorted_anchor))
		INIT_LIST_HEAD(&nskb->tcp_tsorted_anchor);
	else
		list_add(&nskb->tcp_tsorted_anchor, &skb->tcp_tsorted_anchor);
	if (ks->lost_hint && (ncb->sacked & KTCP_SKB_SACKED) &&
	    ktcp_seq_before(ncb->seq, KTCP_SKB_CB(ks->lost_hint)->seq))
		ks->lost_cnt_hint++;
}

/*
 * The peer SACKed @skb: RACK need not look at it again, and IsLost's
 * count below its hint grows (tcp_sacktag_one()).
 */
void ktcp_rtxq_sacked(struct ktcp_sock *ks, struct sk_buff *skb)
{
	list_del_init(&skb->tcp_tsorted_anchor);
	if (ks->lost_hint && ktcp_seq_before(KTCP_SKB_CB(skb)->seq,
					     KTCP_SKB_CB(ks->lost_hint)->seq))
		ks->lost_cnt_hint++;
}

/*
 * Take the head, a sent @skb cumulatively acked, off the queue and its
 * indexes, to be freed (tcp_rtx_queue_unlink_and_free()).
 */
void ktcp_rtxq_unlink(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	rb_erase(&KTCP_SKB_CB(skb)->rbnode, &ks->rtx_index);
	list_del(&skb->tcp_tsorted_anchor);
	tcp_skb_tsorted_anchor_cleanup(skb);
	if (skb == ks->rtx_hint)
		ks->rtx_hint = NULL;
	if (skb == ks->lost_hint)
		ktcp_rtxq_hints_reset(ks);
	else if (ks->lost_hint && (KTCP_SKB_CB(skb)->sacked & KTCP_SKB_SACKED))
		ks->lost_cnt_hint--;
	__skb_unlink(skb, &sk->sk_write_queue);
}

/* Free the whole write queue, sent or not (tcp_write_queue_purge()). */
void ktcp_rtxq_purge(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		tcp_skb_tsorted_anchor_cleanup(skb);
		ktcp_mem_wqueue_free(sk, skb);
	}
	ks->send_head = NULL;
	ktcp_rtxq_init(ks);
}

/*
 * The first sent skb that ends after @seq, or NULL: O(log n), each node
 * looked at counted.
 */
struct sk_buff *ktcp_rtxq_find(struct ktcp_sock *ks, u32 seq)
{
	struct rb_node *node = ks->rtx_index.rb_node;
	struct sk_buff *skb, *found = NULL;

	while (node) {
		skb = ktcp_rtxq_skb(node);
		ks->rtxq_visits++;
		if (ktcp_seq_after(KTCP_SKB_CB(skb)->end_seq, seq)) {
			found = skb;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}

/* The sent skb after @skb in the queue, or NULL. */
struct sk_buff *ktcp_rtxq_next(struct sock *sk, struct sk_buff *skb)
{
	if (skb_queue_is_last(&sk->sk_write_queue, skb) ||
	    skb->next == ktcp_sk(sk)->send_head)
		return NULL;
	return skb->next;
}
