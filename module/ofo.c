// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-order queue: reassembly above RCV.NXT (RFC 9293 section
 * 3.10.7.4, seventh step), with D-SACK reporting of duplicated octets
 * (RFC 2883 section 4). Contracts, bounds and accounting are in ofo.h.
 */
#include "ktcp.h"
#include "ofo.h"

/* Where a new skb goes, and what of it and of the queue it displaces. */
struct ktcp_ofo_plan {
	struct rb_node **link;
	struct rb_node *parent;
	bool leftmost;
	struct sk_buff *prev;	/* greatest seq <= the new seq, or NULL */
	struct sk_buff *first;	/* first held skb the new one covers */
	u32 ncover;		/* covered skbs: first and its successors */
	u32 freed;		/* their truesize */
	u32 start;		/* the part of the new skb that is kept */
	u32 end;
	u32 held_to;		/* octets from start to here are all held */
};

static u32 ktcp_ofo_fin(const struct sk_buff *skb)
{
	return !!(KTCP_SKB_CB(skb)->flags & TCPHDR_FIN);
}

void ktcp_ofo_init(struct ktcp_ofo *q)
{
	q->root = RB_ROOT_CACHED;
	q->last = NULL;
	q->count = 0;
	q->bytes = 0;
	q->truesize = 0;
}

void ktcp_ofo_note_dsack(struct ktcp_sack_block *dsack, u32 start, u32 end)
{
	if (!dsack || !ktcp_seq_before(start, end))
		return;
	if (dsack->start == dsack->end) {
		dsack->start = start;
		dsack->end = end;
		return;
	}
	if (ktcp_seq_after(start, dsack->end) ||
	    ktcp_seq_before(end, dsack->start))
		return;
	dsack->start = ktcp_seq_min(start, dsack->start);
	dsack->end = ktcp_seq_max(end, dsack->end);
}

static void ktcp_ofo_link(struct ktcp_ofo *q, struct sk_buff *skb,
			  const struct ktcp_ofo_plan *p)
{
	rb_link_node(&skb->rbnode, p->parent, p->link);
	rb_insert_color_cached(&skb->rbnode, &q->root, p->leftmost);
	if (!rb_next(&skb->rbnode))
		q->last = skb;
	q->count++;
	q->bytes += skb->len;
	q->truesize += skb->truesize;
}

void ktcp_ofo_unlink(struct ktcp_ofo *q, struct sk_buff *skb)
{
	if (q->last == skb)
		q->last = skb_rb_prev(skb);
	rb_erase_cached(&skb->rbnode, &q->root);
	skb->next = NULL;	/* rbnode overlays next, prev and dev */
	skb->prev = NULL;
	skb->dev = NULL;
	q->count--;
	q->bytes -= skb->len;
	q->truesize -= skb->truesize;
}

static void ktcp_ofo_free(struct ktcp_ofo *q, struct sk_buff *skb,
			  enum skb_drop_reason reason)
{
	ktcp_ofo_unlink(q, skb);
	kfree_skb_reason(skb, reason);
}

static struct sk_buff *ktcp_ofo_first(const struct ktcp_ofo *q)
{
	return rb_to_skb(rb_first_cached(&q->root));
}

/* Free the skbs wholly below @rcv_nxt, noting them in @dsack. */
static void ktcp_ofo_drop_stale(struct ktcp_ofo *q, u32 rcv_nxt,
				struct ktcp_sack_block *dsack)
{
	struct sk_buff *skb;

	while ((skb = ktcp_ofo_first(q)) &&
	       !ktcp_seq_after(KTCP_SKB_CB(skb)->end_seq, rcv_nxt)) {
		ktcp_ofo_note_dsack(dsack, KTCP_SKB_CB(skb)->seq,
				    KTCP_SKB_CB(skb)->end_seq);
		ktcp_ofo_free(q, skb, SKB_DROP_REASON_TCP_OFO_DROP);
	}
}

/*
 * Find the link for @seq and its predecessor: the greatest seq <= @seq. A
 * segment at or above the highest skb's seq, the common case of a sender
 * filling its window behind one hole, skips the descent.
 */
static void ktcp_ofo_locate(struct ktcp_ofo *q, u32 seq,
			    struct ktcp_ofo_plan *p)
{
	struct rb_node **link = &q->root.rb_root.rb_node;
	struct sk_buff *skb;

	p->parent = NULL;
	p->prev = NULL;
	p->leftmost = true;
	if (q->last && !ktcp_seq_before(seq, KTCP_SKB_CB(q->last)->seq)) {
		p->prev = q->last;
		p->parent = &q->last->rbnode;
		p->link = &q->last->rbnode.rb_right;	/* NULL: it is last */
		p->leftmost = false;
		return;
	}
	while (*link) {
		p->parent = *link;
		skb = rb_to_skb(p->parent);
		if (ktcp_seq_before(seq, KTCP_SKB_CB(skb)->seq)) {
			link = &p->parent->rb_left;
		} else {
			p->prev = skb;
			link = &p->parent->rb_right;
			p->leftmost = false;
		}
	}
	p->link = link;
}

/*
 * From @next on, count the held skbs that [p->start, @end) covers wholly,
 * and cut p->end back to the start of one it overlaps only partly: the
 * octets held win. Each visited skb but the last is then freed, unless
 * they leave no gap, in which case the new skb is the one dropped.
 */
static void ktcp_ofo_scan(struct sk_buff *next, u32 end,
			  struct ktcp_ofo_plan *p,
			  struct ktcp_sack_block *dsack)
{
	const struct ktcp_skb_cb *ncb;

	for (; next; next = skb_rb_next(next)) {
		ncb = KTCP_SKB_CB(next);
		if (!ktcp_seq_before(ncb->seq, end))
			return;
		if (ncb->seq == p->held_to)
			p->held_to = ncb->end_seq;
		if (ktcp_seq_after(ncb->end_seq, end)) {
			p->end = ncb->seq;
			ktcp_ofo_note_dsack(dsack, ncb->seq, end);
			return;
		}
		if (!p->first)
			p->first = next;
		p->ncover++;
		p->freed += next->truesize;
		ktcp_ofo_note_dsack(dsack, ncb->seq, ncb->end_seq);
	}
}

/* Returns KTCP_OFO_DUP if nothing of @skb is new, else KTCP_OFO_QUEUED. */
static int ktcp_ofo_plan(struct ktcp_ofo *q, const struct sk_buff *skb,
			 struct ktcp_ofo_plan *p, struct ktcp_sack_block *dsack)
{
	u32 seq = KTCP_SKB_CB(skb)->seq, end = KTCP_SKB_CB(skb)->end_seq;
	const struct ktcp_skb_cb *pcb;
	struct sk_buff *next;

	ktcp_ofo_locate(q, seq, p);
	p->first = NULL;
	p->ncover = 0;
	p->freed = 0;
	p->start = seq;
	p->end = end;
	next = ktcp_ofo_first(q);
	if (p->prev) {
		pcb = KTCP_SKB_CB(p->prev);
		if (!ktcp_seq_before(pcb->end_seq, end))
			goto dup;		/* covered by the old one */
		next = p->prev;			/* covered if same start */
		if (pcb->seq != seq) {
			next = skb_rb_next(p->prev);
			if (ktcp_seq_after(pcb->end_seq, seq))
				p->start = pcb->end_seq;
			ktcp_ofo_note_dsack(dsack, seq, p->start);
		}
	}
	p->held_to = p->start;
	ktcp_ofo_scan(next, end, p, dsack);
	if (ktcp_seq_before(p->held_to, end))
		return KTCP_OFO_QUEUED;
dup:
	ktcp_ofo_note_dsack(dsack, seq, end);
	return KTCP_OFO_DUP;
}

/* Cut @skb to [@start, @end), both within it; a cut tail loses its FIN. */
static int ktcp_ofo_trim(struct sk_buff *skb, u32 start, u32 end)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	if (start != cb->seq) {
		if (!pskb_pull(skb, start - cb->seq))
			return -ENOMEM;
		cb->seq = start;
	}
	if (end != cb->end_seq) {
		if (pskb_trim(skb, end - start))
			return -ENOMEM;
		cb->flags &= ~TCPHDR_FIN;
		cb->end_seq = end;
	}
	return 0;
}

static bool ktcp_ofo_valid(const struct sk_buff *skb, u32 rcv_nxt)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	return !(cb->flags & TCPHDR_SYN) &&
	       cb->end_seq - cb->seq == skb->len + ktcp_ofo_fin(skb) &&
	       cb->end_seq != cb->seq &&
	       ktcp_seq_after(cb->seq, rcv_nxt) &&
	       cb->end_seq - rcv_nxt <= KTCP_OFO_MAX_SPAN;
}

int ktcp_ofo_insert(struct ktcp_ofo *q, struct sk_buff *skb, u32 rcv_nxt,
		    u32 budget, struct ktcp_sack_block *dsack)
{
	struct ktcp_ofo_plan p;
	u32 n;
	int ret;

	if (!ktcp_ofo_valid(skb, rcv_nxt))
		return -EINVAL;
	ktcp_ofo_drop_stale(q, rcv_nxt, NULL);
	ret = ktcp_ofo_plan(q, skb, &p, dsack);
	if (ret != KTCP_OFO_QUEUED)
		return ret;
	if (q->truesize - p.freed + skb->truesize > budget)
		return -ENOBUFS;
	if (ktcp_ofo_trim(skb, p.start, p.end))
		return -ENOMEM;
	/* Right after prev: the covered skbs are prev and/or what follows. */
	ktcp_ofo_link(q, skb, &p);
	n = p.ncover;
	if (n && p.first == p.prev) {
		ktcp_ofo_free(q, p.prev, SKB_DROP_REASON_TCP_OFOMERGE);
		n--;
	}
	while (n--)
		ktcp_ofo_free(q, skb_rb_next(skb),
			      SKB_DROP_REASON_TCP_OFOMERGE);
	return KTCP_OFO_QUEUED;
}

struct sk_buff *ktcp_ofo_pop(struct ktcp_ofo *q, u32 rcv_nxt,
			     struct ktcp_sack_block *dsack)
{
	struct ktcp_ofo_plan p;
	struct ktcp_skb_cb *cb;
	struct sk_buff *skb;
	u32 off;

	ktcp_ofo_drop_stale(q, rcv_nxt, dsack);
	skb = ktcp_ofo_first(q);
	if (!skb || ktcp_seq_after(KTCP_SKB_CB(skb)->seq, rcv_nxt))
		return NULL;
	cb = KTCP_SKB_CB(skb);
	ktcp_ofo_unlink(q, skb);
	off = rcv_nxt - cb->seq;	/* < end_seq - seq: not stale */
	if (!off)
		return skb;
	if (!pskb_pull(skb, off)) {
		/* Back where it was; its truesize as it is now. */
		ktcp_ofo_locate(q, cb->seq, &p);
		ktcp_ofo_link(q, skb, &p);
		return NULL;
	}
	ktcp_ofo_note_dsack(dsack, cb->seq, rcv_nxt);
	cb->seq = rcv_nxt;
	return skb;
}

unsigned int ktcp_ofo_prune(struct ktcp_ofo *q, u32 floor, u32 goal,
			    u32 *cut)
{
	unsigned int n = 0;

	while (q->last && q->truesize > goal &&
	       ktcp_seq_after(KTCP_SKB_CB(q->last)->seq, floor)) {
		*cut = KTCP_SKB_CB(q->last)->seq;
		ktcp_ofo_free(q, q->last, SKB_DROP_REASON_TCP_OFO_QUEUE_PRUNE);
		n++;
	}
	return n;
}

void ktcp_ofo_purge(struct ktcp_ofo *q)
{
	struct sk_buff *skb;

	while ((skb = ktcp_ofo_first(q)))
		ktcp_ofo_free(q, skb, SKB_DROP_REASON_TCP_CLOSE);
	ktcp_ofo_init(q);
}
