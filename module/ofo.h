/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receiver's out-of-order queue (RFC 9293 section 3.10.7.4, seventh
 * step: segments above RCV.NXT are held until the hole below them fills), an
 * rbtree of skbs keyed by sequence number, as Linux's tcp_data_queue_ofo().
 *
 * Invariants: the skbs in the queue are disjoint in sequence space (insert
 * trims the new skb, never one already held, and drops old skbs the new one
 * covers), each skb's payload starts at skb->data and covers
 * [KTCP_SKB_CB(skb)->seq, ->end_seq), with one more octet for a FIN.
 *
 * Work: insert is O(log n) plus the skbs it removes, each of which was
 * inserted once, so no input sequence makes it quadratic (CVE-2018-5390);
 * appending above the highest skb is O(1). Pop is O(1) plus stale skbs
 * freed; prune O(1) per skb freed. Nothing recurses.
 *
 * Memory: the queue is bounded by @budget, a truesize the caller passes to
 * every insert. Over budget, insert refuses (nothing changes) and the caller
 * counts the drop; to make room for a segment it wants more, such as one
 * that fills the lowest hole, or one that the receive queue needs room for,
 * it calls ktcp_ofo_prune(), which frees from the highest sequence down, as
 * tcp_prune_ofo_queue() does, then tries again. Refusing by default keeps
 * insert simple and keeps what the queue already holds, which is what an
 * attacker sending holes cannot then displace.
 *
 * Accounting against the socket is the caller's: it charges each skb before
 * insert (skb_set_owner_r()), and every skb the queue frees goes through
 * kfree_skb_reason() and so uncharges itself through its destructor. The
 * queue keeps its own totals for the budget. Queued skbs are never modified,
 * so their truesize does not change while they are counted.
 *
 * Adjacent skbs are not coalesced on insert: it would save truesize only
 * by copying (skb_try_coalesce() with its socket-charge bookkeeping), and
 * the budget already bounds what a flood of tiny segments can hold; a
 * caller short of memory can skb_condense() a small skb before inserting
 * it, or collapse runs of skbs (collapse.c, as tcp_collapse_ofo_queue():
 * unlink them, copy them into compact skbs, insert those).
 *
 * The skb's rbnode overlays ->next, ->prev and ->dev: ->dev is not valid
 * after a stay in the queue; skbs leave it with all three NULL.
 *
 * SACK: see sack.h for why the SACK blocks live in struct ktcp_sack_rx and
 * for the three calls that keep the two in step.
 *
 * Locking: none inside; the caller holds the socket lock.
 */
#ifndef _KTCP_OFO_H
#define _KTCP_OFO_H

#include <linux/bits.h>
#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "options.h"

/* Insert refuses a segment ending further than this above RCV.NXT. */
#define KTCP_OFO_MAX_SPAN	BIT(30)

struct ktcp_ofo {
	struct rb_root_cached root;	/* by seq, leftmost cached for pop */
	struct sk_buff *last;		/* highest seq, for the append path */
	u32 count;			/* skbs */
	u32 bytes;			/* payload octets (FINs not counted) */
	u32 truesize;			/* of the skbs, against the budget */
};

#define KTCP_OFO_QUEUED	0	/* the queue owns the skb */
#define KTCP_OFO_DUP	1	/* all of it was held: the caller's, D-SACK */

void ktcp_ofo_init(struct ktcp_ofo *q);
/*
 * Queue @skb, which starts after @rcv_nxt (in-order data is not for this
 * queue). Octets already held are trimmed off the new skb (front: pskb_pull,
 * tail: pskb_trim, which also drops a FIN that lies under held data); held
 * skbs it covers wholly are freed. The duplicated octets, if any, are noted
 * in @dsack (see ktcp_ofo_note_dsack(); may be NULL). Skbs wholly below
 * @rcv_nxt are freed first. Returns:
 * KTCP_OFO_QUEUED: the queue owns @skb, possibly trimmed;
 * KTCP_OFO_DUP: every octet was already held; @skb is still the caller's;
 * -EINVAL: @skb is malformed (end_seq is not seq + len + FIN, or SYN set),
 *   not after @rcv_nxt, or ends more than KTCP_OFO_MAX_SPAN above it;
 * -ENOBUFS: the queue's truesize would exceed @budget;
 * -ENOMEM: a trim failed.
 * On any error nothing in the queue changed and @skb is the caller's
 * (@dsack may still have been noted: those octets did arrive twice).
 */
int ktcp_ofo_insert(struct ktcp_ofo *q, struct sk_buff *skb, u32 rcv_nxt,
		    u32 budget, struct ktcp_sack_block *dsack);
/*
 * The next in-order skb now that RCV.NXT is @rcv_nxt, trimmed to start at
 * it, or NULL. Skbs wholly below @rcv_nxt are freed on the way; the octets
 * below @rcv_nxt that are dropped (the peer sent them again in order) are
 * noted in @dsack (may be NULL). The caller owns the skb returned; a FIN
 * there (KTCP_SKB_CB(skb)->flags & TCPHDR_FIN) is the caller's to process,
 * after which anything still queued is past the FIN (purge it). If the trim
 * fails for want of memory, the skb stays queued and NULL is returned.
 */
struct sk_buff *ktcp_ofo_pop(struct ktcp_ofo *q, u32 rcv_nxt,
			     struct ktcp_sack_block *dsack);
/*
 * Free skbs from the highest sequence down while the queue's truesize
 * exceeds @goal and the highest skb starts after @floor (pass the seq of a
 * segment that must keep its place, or RCV.NXT). Returns how many were
 * freed; if any, *@cut is set so that nothing at or above it is held any
 * more (for ktcp_sack_rx_cut()).
 */
unsigned int ktcp_ofo_prune(struct ktcp_ofo *q, u32 floor, u32 goal,
			    u32 *cut);
/*
 * Take @skb, which the queue holds, out of it: the caller owns it after
 * (its ->next and ->prev NULL), and may insert it again.
 */
void ktcp_ofo_unlink(struct ktcp_ofo *q, struct sk_buff *skb);
/* Free everything: reset, abort, close, destroy. */
void ktcp_ofo_purge(struct ktcp_ofo *q);
/*
 * Accumulate a D-SACK range: an empty @dsack (start == end) takes
 * [@start, @end); one that overlaps or touches it grows; else it stays as it
 * is (RFC 2883: one contiguous duplicate per report, the first one).
 */
void ktcp_ofo_note_dsack(struct ktcp_sack_block *dsack, u32 start, u32 end);

static inline bool ktcp_ofo_empty(const struct ktcp_ofo *q)
{
	return !q->count;
}

static inline u32 ktcp_ofo_bytes(const struct ktcp_ofo *q)
{
	return q->bytes;
}

static inline u32 ktcp_ofo_truesize(const struct ktcp_ofo *q)
{
	return q->truesize;
}

#endif /* _KTCP_OFO_H */
