// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the out-of-order queue (ofo.h): every overlap shape,
 * wrap across 2^32, FINs, the budget against a flood of 1-byte segments,
 * pruning, adversarial insert orders, and a long random run against a byte
 * bitmap with the SACK set (sack.h) kept in step beside it.
 *
 * Every skb is alloc_skb() + skb_put() with payload octet s equal to
 * ot_byte(s), so trimming the wrong end shows. Each test's queue is purged
 * by a KUnit action even when an assertion ends the test early.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "../ktcp.h"
#include "../ofo.h"
#include "../sack.h"

#define OT_BIG	BIT(30)		/* a budget that never binds */

struct ot_seg {
	u32 seq;
	u32 end;	/* end_seq, FIN included */
	bool fin;
};

static u8 ot_byte(u32 seq)
{
	return (seq * 2654435761U) >> 24;
}

KUNIT_DEFINE_ACTION_WRAPPER(ot_purge_action, ktcp_ofo_purge,
			    struct ktcp_ofo *);

static struct ktcp_ofo *ot_queue(struct kunit *test)
{
	struct ktcp_ofo *q = kunit_kzalloc(test, sizeof(*q), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, q);
	ktcp_ofo_init(q);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ot_purge_action,
							q), 0);
	return q;
}

static struct sk_buff *ot_skb(struct kunit *test, u32 seq, u32 len, bool fin)
{
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
	struct ktcp_skb_cb *cb;
	u8 *p;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	p = skb_put(skb, len);
	for (i = 0; i < len; i++)
		p[i] = ot_byte(seq + i);
	cb = KTCP_SKB_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->seq = seq;
	cb->end_seq = seq + len + fin;
	cb->flags = TCPHDR_ACK | (fin ? TCPHDR_FIN : 0);
	return skb;
}

/* Insert a fresh skb; the caller keeps nothing: a refused skb is freed. */
static int ot_add(struct kunit *test, struct ktcp_ofo *q, u32 seq, u32 len,
		  bool fin, u32 rcv_nxt, struct ktcp_sack_block *dsack)
{
	struct sk_buff *skb = ot_skb(test, seq, len, fin);
	int ret;

	if (dsack)
		*dsack = (struct ktcp_sack_block){};
	ret = ktcp_ofo_insert(q, skb, rcv_nxt, OT_BIG, dsack);
	if (ret != KTCP_OFO_QUEUED)
		kfree_skb(skb);
	return ret;
}

static bool ot_payload_ok(const struct sk_buff *skb)
{
	u32 seq = KTCP_SKB_CB(skb)->seq, i;

	for (i = 0; i < skb->len; i++)
		if (skb->data[i] != ot_byte(seq + i))
			return false;
	return true;
}

/* An skb is well formed: end_seq, FIN flag and payload agree. */
static void ot_check_skb(struct kunit *test, const struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	u32 fin = !!(cb->flags & TCPHDR_FIN);

	KUNIT_EXPECT_EQ(test, cb->end_seq - cb->seq, skb->len + fin);
	KUNIT_EXPECT_TRUE(test, ot_payload_ok(skb));
}

/* The queue holds exactly @want, in order, with consistent totals. */
static void ot_expect(struct kunit *test, struct ktcp_ofo *q,
		      const struct ot_seg *want, unsigned int n)
{
	u32 bytes = 0, truesize = 0;
	struct sk_buff *skb, *last = NULL;
	unsigned int i = 0;

	skb_rbtree_walk(skb, &q->root.rb_root) {
		const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_EQ_MSG(test, cb->seq, want[i].seq, "skb %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cb->end_seq, want[i].end, "skb %u",
				    i);
		KUNIT_EXPECT_EQ_MSG(test, !!(cb->flags & TCPHDR_FIN),
				    want[i].fin, "skb %u", i);
		ot_check_skb(test, skb);
		bytes += skb->len;
		truesize += skb->truesize;
		last = skb;
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
	KUNIT_EXPECT_EQ(test, q->count, n);
	KUNIT_EXPECT_EQ(test, ktcp_ofo_bytes(q), bytes);
	KUNIT_EXPECT_EQ(test, ktcp_ofo_truesize(q), truesize);
	KUNIT_EXPECT_PTR_EQ(test, q->last, last);
	KUNIT_EXPECT_PTR_EQ(test, rb_to_skb(rb_first_cached(&q->root)),
			    skb_rb_first(&q->root.rb_root));
}

static void ot_expect_dsack(struct kunit *test,
			    const struct ktcp_sack_block *d, u32 start, u32 end)
{
	KUNIT_EXPECT_EQ(test, d->start, start);
	KUNIT_EXPECT_EQ(test, d->end, end);
}

/* Pop one skb, expect [seq, end), free it. */
static void ot_pop(struct kunit *test, struct ktcp_ofo *q, u32 rcv_nxt,
		   u32 seq, u32 end, bool fin)
{
	struct sk_buff *skb = ktcp_ofo_pop(q, rcv_nxt, NULL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, KTCP_SKB_CB(skb)->seq, seq);
	KUNIT_EXPECT_EQ(test, KTCP_SKB_CB(skb)->end_seq, end);
	KUNIT_EXPECT_EQ(test, !!(KTCP_SKB_CB(skb)->flags & TCPHDR_FIN), fin);
	KUNIT_EXPECT_NULL(test, skb->next);
	KUNIT_EXPECT_NULL(test, skb->dev);
	ot_check_skb(test, skb);
	kfree_skb(skb);
}

static void ofo_in_order_after_holes(struct kunit *test)
{
	static const struct ot_seg two[] = {
		{ 1100, 1200 }, { 1300, 1400 },
	};
	struct ktcp_ofo *q = ot_queue(test);

	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1300, 100, false, 1000, NULL),
			KTCP_OFO_QUEUED);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1100, 100, false, 1000, NULL),
			KTCP_OFO_QUEUED);
	ot_expect(test, q, two, ARRAY_SIZE(two));
	KUNIT_EXPECT_NULL(test, ktcp_ofo_pop(q, 1000, NULL));
	/* 1000-1100 arrives in order (the caller's): 1100 follows. */
	ot_pop(test, q, 1100, 1100, 1200, false);
	KUNIT_EXPECT_NULL(test, ktcp_ofo_pop(q, 1200, NULL));
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1200, 100, false, 1000, NULL),
			KTCP_OFO_QUEUED);
	ot_pop(test, q, 1200, 1200, 1300, false);
	ot_pop(test, q, 1300, 1300, 1400, false);
	KUNIT_EXPECT_NULL(test, ktcp_ofo_pop(q, 1400, NULL));
	KUNIT_EXPECT_TRUE(test, ktcp_ofo_empty(q));
	ot_expect(test, q, NULL, 0);
}

/* New data wholly held already: refused as a duplicate, D-SACKed. */
static void ofo_covered_by_old(struct kunit *test)
{
	static const struct ot_seg held[] = { { 2000, 2500 }, { 2500, 3000 } };
	static const struct {
		u32 seq, len;
	} dup[] = {
		{ 2000, 500 },		/* exact duplicate */
		{ 2100, 200 },		/* inside */
		{ 2000, 100 },		/* same start, shorter */
		{ 2400, 100 },		/* same end, shorter */
		{ 2200, 600 },		/* across two held skbs */
		{ 2000, 1000 },		/* exactly both */
	};
	struct ktcp_ofo *q = ot_queue(test);
	struct ktcp_sack_block d;
	unsigned int i;

	ot_add(test, q, 2000, 500, false, 1000, NULL);
	ot_add(test, q, 2500, 500, false, 1000, NULL);
	for (i = 0; i < ARRAY_SIZE(dup); i++) {
		KUNIT_EXPECT_EQ_MSG(test, ot_add(test, q, dup[i].seq,
						 dup[i].len, false, 1000, &d),
				    KTCP_OFO_DUP, "case %u", i);
		ot_expect_dsack(test, &d, dup[i].seq, dup[i].seq + dup[i].len);
		ot_expect(test, q, held, ARRAY_SIZE(held));
	}
}

/* New data covering held skbs: they go, the new one stays whole. */
static void ofo_covers_old(struct kunit *test)
{
	static const struct ot_seg one[] = { { 2000, 2600 } };
	static const struct ot_seg same[] = { { 2000, 2700 } };
	static const struct ot_seg all[] = { { 1500, 4000 } };
	struct ktcp_ofo *q = ot_queue(test);
	struct ktcp_sack_block d;

	ot_add(test, q, 2100, 100, false, 1000, NULL);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2000, 600, false, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 2100, 2200);
	ot_expect(test, q, one, ARRAY_SIZE(one));
	/* Same start, longer: the held one is replaced. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2000, 700, false, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 2000, 2600);
	ot_expect(test, q, same, ARRAY_SIZE(same));
	/* Several at once, with holes between: the first run is D-SACKed. */
	ot_add(test, q, 3000, 100, false, 1000, NULL);
	ot_add(test, q, 3500, 100, false, 1000, NULL);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1500, 2500, false, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 2000, 2700);
	ot_expect(test, q, all, ARRAY_SIZE(all));
}

/* Partial overlaps: the new skb is trimmed, held octets are kept. */
static void ofo_partial_overlaps(struct kunit *test)
{
	static const struct ot_seg left[] = { { 2000, 2500 }, { 2500, 2800 } };
	static const struct ot_seg right[] = {
		{ 1700, 2000 }, { 2000, 2500 }, { 2500, 2800 },
	};
	static const struct ot_seg both[] = {
		{ 1700, 2000 }, { 2000, 2500 }, { 2500, 2800 }, { 2800, 3000 },
		{ 3000, 3100 },
	};
	struct ktcp_ofo *q = ot_queue(test);
	struct ktcp_sack_block d;

	ot_add(test, q, 2000, 500, false, 1000, NULL);
	/* Left overlap: the new one starts inside a held skb. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2300, 500, false, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 2300, 2500);
	ot_expect(test, q, left, ARRAY_SIZE(left));
	/* Right overlap: the new one ends inside a held skb. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1700, 400, false, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 2000, 2100);
	ot_expect(test, q, right, ARRAY_SIZE(right));
	/* Both sides and a covered one between, filling two gaps. */
	ot_add(test, q, 3000, 100, false, 1000, NULL);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2900, 150, false, 1000, &d),
			KTCP_OFO_QUEUED);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2600, 450, false, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 2600, 2800);
	ot_expect(test, q, both, ARRAY_SIZE(both));
	/* Held on both sides with no gap between: all duplicate. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2400, 200, false, 1000, &d),
			KTCP_OFO_DUP);
	ot_expect_dsack(test, &d, 2400, 2600);
	ot_expect(test, q, both, ARRAY_SIZE(both));
}

/* Everything across 2^32: ordering, overlaps and delivery. */
static void ofo_wrap(struct kunit *test)
{
	static const struct ot_seg held[] = {
		{ 0xffffff80, 0xffffffc0 }, { 0xfffffff0, 0x10 },
		{ 0x40, 0x80 },
	};
	static const struct ot_seg mid[] = {
		{ 0xffffff80, 0xffffffc0 }, { 0xffffffc0, 0x40 },
		{ 0x40, 0x80 }, { 0x80, 0x100 },
	};
	struct ktcp_ofo *q = ot_queue(test);
	const u32 rcv = 0xffffff00;
	struct ktcp_sack_block d;

	ot_add(test, q, 0x40, 0x40, false, rcv, NULL);
	ot_add(test, q, 0xfffffff0, 0x20, false, rcv, NULL);
	ot_add(test, q, 0xffffff80, 0x40, false, rcv, NULL);
	ot_expect(test, q, held, ARRAY_SIZE(held));
	/* Left overlap, one covered across 0, right overlap: both holes. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 0xffffffa0, 0xc0, false, rcv,
				     &d), KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 0xffffffa0, 0xffffffc0);
	ot_expect(test, q, mid, 3);
	/* Held on both sides of 0 with no gap: a duplicate. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 0x0, 0x50, false, rcv, &d),
			KTCP_OFO_DUP);
	ot_expect_dsack(test, &d, 0x0, 0x50);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 0x70, 0x90, false, rcv, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 0x70, 0x80);
	ot_expect(test, q, mid, ARRAY_SIZE(mid));
	ot_pop(test, q, 0xffffff80, 0xffffff80, 0xffffffc0, false);
	ot_pop(test, q, 0xffffffc0, 0xffffffc0, 0x40, false);
	ot_pop(test, q, 0x40, 0x40, 0x80, false);
	ot_pop(test, q, 0x80, 0x80, 0x100, false);
	KUNIT_EXPECT_TRUE(test, ktcp_ofo_empty(q));
}

/* A FIN held out of order is kept, and delivered with its skb. */
static void ofo_fin(struct kunit *test)
{
	static const struct ot_seg fin[] = {
		{ 2000, 2101, true },
	};
	static const struct ot_seg lone[] = {
		{ 3000, 3050 }, { 3100, 3101, true },
	};
	static const struct ot_seg cut[] = {
		{ 4000, 4050 }, { 4050, 4200 },
	};
	struct ktcp_ofo *q = ot_queue(test);
	struct ktcp_sack_block d;

	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2000, 100, true, 1000, NULL),
			KTCP_OFO_QUEUED);
	ot_expect(test, q, fin, ARRAY_SIZE(fin));
	/* The retransmission, FIN and all, is a duplicate. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 2050, 50, true, 1000, &d),
			KTCP_OFO_DUP);
	ot_expect_dsack(test, &d, 2050, 2101);
	/* Data under the FIN arrives in order: the FIN alone is left. */
	ot_pop(test, q, 2100, 2100, 2101, true);
	KUNIT_EXPECT_TRUE(test, ktcp_ofo_empty(q));

	/* A bare FIN out of order; then data before it. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 3100, 0, true, 1000, NULL),
			KTCP_OFO_QUEUED);
	ot_add(test, q, 3000, 50, false, 1000, NULL);
	ot_expect(test, q, lone, ARRAY_SIZE(lone));
	ot_pop(test, q, 3000, 3000, 3050, false);
	KUNIT_EXPECT_NULL(test, ktcp_ofo_pop(q, 3050, NULL));
	ot_pop(test, q, 3100, 3100, 3101, true);

	/* A FIN under data already held past it is dropped with the tail. */
	ot_add(test, q, 4050, 150, false, 1000, NULL);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 4000, 100, true, 1000, &d),
			KTCP_OFO_QUEUED);
	ot_expect_dsack(test, &d, 4050, 4101);
	ot_expect(test, q, cut, ARRAY_SIZE(cut));
}

static void ofo_invalid(struct kunit *test)
{
	struct ktcp_ofo *q = ot_queue(test);
	struct sk_buff *skb;

	/* At or below RCV.NXT is not out of order. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1000, 10, false, 1000, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 990, 20, false, 1000, NULL),
			-EINVAL);
	/* Empty. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1100, 0, false, 1000, NULL),
			-EINVAL);
	/* Further than KTCP_OFO_MAX_SPAN. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1000 + KTCP_OFO_MAX_SPAN - 5, 10,
				     false, 1000, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1000 + KTCP_OFO_MAX_SPAN - 10,
				     10, false, 1000, NULL), KTCP_OFO_QUEUED);
	/* end_seq that does not match the length, and a SYN. */
	skb = ot_skb(test, 1100, 10, false);
	KTCP_SKB_CB(skb)->end_seq += 1;
	KUNIT_EXPECT_EQ(test, ktcp_ofo_insert(q, skb, 1000, OT_BIG, NULL),
			-EINVAL);
	KTCP_SKB_CB(skb)->end_seq -= 1;
	KTCP_SKB_CB(skb)->flags |= TCPHDR_SYN;
	KUNIT_EXPECT_EQ(test, ktcp_ofo_insert(q, skb, 1000, OT_BIG, NULL),
			-EINVAL);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, q->count, 1U);
}

/* Pop trims what came in order meanwhile, and reports it as D-SACK. */
static void ofo_pop_trim(struct kunit *test)
{
	struct ktcp_ofo *q = ot_queue(test);
	struct ktcp_sack_block d = {};
	struct sk_buff *skb;

	ot_add(test, q, 1100, 200, false, 1000, NULL);
	skb = ktcp_ofo_pop(q, 1150, &d);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, KTCP_SKB_CB(skb)->seq, 1150U);
	KUNIT_EXPECT_EQ(test, skb->len, 150U);
	ot_check_skb(test, skb);
	kfree_skb(skb);
	ot_expect_dsack(test, &d, 1100, 1150);
	/* Wholly below RCV.NXT: freed and reported, contiguous ones merged. */
	ot_add(test, q, 1400, 100, false, 1300, NULL);
	ot_add(test, q, 1500, 100, false, 1300, NULL);
	ot_add(test, q, 1700, 100, false, 1300, NULL);
	d = (struct ktcp_sack_block){};
	KUNIT_EXPECT_NULL(test, ktcp_ofo_pop(q, 1650, &d));
	ot_expect_dsack(test, &d, 1400, 1600);
	KUNIT_EXPECT_EQ(test, q->count, 1U);
	/* Stale skbs also go on insert. */
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1900, 10, false, 1850, NULL),
			KTCP_OFO_QUEUED);
	KUNIT_EXPECT_EQ(test, q->count, 1U);
}

/*
 * Unlink takes an skb out, the totals and the cached first and last with
 * it, and the skb can go back in (collapse.c's replacing of a run).
 */
static void ofo_unlink_reinsert(struct kunit *test)
{
	static const struct ot_seg three[] = {
		{ 1100, 1200, false }, { 1200, 1300, false },
		{ 1300, 1401, true },
	};
	struct ktcp_ofo *q = ot_queue(test);
	struct sk_buff *first, *last;

	ot_add(test, q, 1100, 100, false, 1000, NULL);
	ot_add(test, q, 1200, 100, false, 1000, NULL);
	ot_add(test, q, 1300, 100, true, 1000, NULL);
	first = skb_rb_first(&q->root.rb_root);
	last = q->last;
	ktcp_ofo_unlink(q, first);
	ktcp_ofo_unlink(q, last);
	KUNIT_EXPECT_NULL(test, first->next);
	KUNIT_EXPECT_NULL(test, first->prev);
	ot_expect(test, q, three + 1, 1);
	KUNIT_EXPECT_EQ(test, ktcp_ofo_insert(q, last, 1000, OT_BIG, NULL),
			KTCP_OFO_QUEUED);
	KUNIT_EXPECT_EQ(test, ktcp_ofo_insert(q, first, 1000, OT_BIG, NULL),
			KTCP_OFO_QUEUED);
	ot_expect(test, q, three, 3);
	ot_pop(test, q, 1100, 1100, 1200, false);
}

/*
 * A flood of 1-byte segments with holes between them: the queue's
 * truesize never exceeds the budget, refusals change nothing, and pruning
 * frees from the top.
 */
static void ofo_budget_flood(struct kunit *test)
{
	struct ktcp_ofo *q = ot_queue(test);
	struct sk_buff *skb = ot_skb(test, 0, 1, false);
	u32 ts = skb->truesize, budget = 50 * ts + ts / 2, cut = 0, seq;
	unsigned int queued = 0, refused = 0, i;
	int ret;

	kfree_skb(skb);
	for (i = 0; i < 1000; i++) {
		seq = 1002 + 2 * i;
		skb = ot_skb(test, seq, 1, false);
		ret = ktcp_ofo_insert(q, skb, 1000, budget, NULL);
		if (ret == KTCP_OFO_QUEUED) {
			queued++;
			continue;
		}
		KUNIT_EXPECT_EQ(test, ret, -ENOBUFS);
		kfree_skb(skb);
		refused++;
		KUNIT_ASSERT_LE(test, ktcp_ofo_truesize(q), budget);
	}
	KUNIT_EXPECT_EQ(test, queued, 50U);
	KUNIT_EXPECT_EQ(test, refused, 950U);
	KUNIT_EXPECT_EQ(test, q->count, 50U);
	KUNIT_EXPECT_EQ(test, ktcp_ofo_bytes(q), 50U);
	/* Prune above a floor: the floor's skb and those below stay. */
	KUNIT_EXPECT_EQ(test, ktcp_ofo_prune(q, 1002 + 2 * 44, 0, &cut), 5U);
	KUNIT_EXPECT_EQ(test, cut, 1002U + 2 * 45);
	/* Down to a goal of ten skbs. */
	KUNIT_EXPECT_EQ(test, ktcp_ofo_prune(q, 1000, 10 * ts, &cut), 35U);
	KUNIT_EXPECT_EQ(test, cut, 1002U + 2 * 10);
	KUNIT_EXPECT_EQ(test, q->count, 10U);
	KUNIT_EXPECT_EQ(test, KTCP_SKB_CB(q->last)->seq, 1002U + 2 * 9);
	KUNIT_EXPECT_EQ(test, ktcp_ofo_prune(q, 1000, 10 * ts, &cut), 0U);
	KUNIT_EXPECT_EQ(test, ot_add(test, q, 1001, 1, false, 1000, NULL),
			KTCP_OFO_QUEUED);
}

/*
 * Adversarial orders: 2000 one-octet skbs with holes, inserted highest
 * first (every insert a descent) and lowest first (every insert an append);
 * then one segment covering them all removes them in one insert.
 */
static void ofo_adversarial(struct kunit *test)
{
	static const struct ot_seg all[] = { { 1001, 5001 } };
	struct ktcp_ofo *q = ot_queue(test);
	struct ktcp_sack_block d;
	unsigned int i, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 2000; i++) {
			u32 k = pass ? i : 1999 - i;

			KUNIT_ASSERT_EQ(test, ot_add(test, q, 1002 + 2 * k, 1,
						     false, 1000, NULL),
					KTCP_OFO_QUEUED);
		}
		KUNIT_EXPECT_EQ(test, q->count, 2000U);
		KUNIT_EXPECT_EQ(test, ot_add(test, q, 1001, 4000, false, 1000,
					     &d), KTCP_OFO_QUEUED);
		ot_expect_dsack(test, &d, 1002, 1003);
		ot_expect(test, q, all, ARRAY_SIZE(all));
		ktcp_ofo_purge(q);
		KUNIT_EXPECT_TRUE(test, ktcp_ofo_empty(q));
		KUNIT_EXPECT_EQ(test, ktcp_ofo_truesize(q), 0U);
	}
}

/*
 * A random run against a byte bitmap: a 128 KB stream that crosses 2^32,
 * segments landing anywhere in a 3000-octet window above RCV.NXT, in-order
 * arrivals that advance RCV.NXT, a budget that binds and pruning to make
 * room. After every step the queue must hold exactly the bitmap, each D-SACK
 * must name octets already held, and the SACK set must never claim an octet
 * the queue does not hold (and match it exactly when it dropped nothing).
 */
#define OM_TOTAL	131072
#define OM_WIN		3000
#define OM_BASE		0xffff0000U	/* 2^32 is half way */

struct ot_model {
	struct ktcp_ofo q;
	struct ktcp_sack_rx rx;
	DECLARE_BITMAP(held, OM_TOTAL);
	DECLARE_BITMAP(tmp, OM_TOTAL);
	u32 rcv;		/* RCV.NXT - OM_BASE */
	u32 budget;
	bool sack_short;	/* the SACK set dropped a range */
	u64 rng;
	unsigned int dups, refused, pruned, popped;
};

static u32 om_rand(struct ot_model *m, u32 n)
{
	m->rng = m->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (m->rng >> 33) % n;
}

/* Every octet of @d lies in [@lo, @hi) and was held. */
static void om_check_dsack(struct kunit *test, struct ot_model *m,
			   const struct ktcp_sack_block *d, u32 lo, u32 hi)
{
	u32 s = d->start - OM_BASE, e = d->end - OM_BASE;

	if (d->start == d->end)
		return;
	KUNIT_ASSERT_TRUE(test, lo <= s && s < e && e <= hi);
	KUNIT_ASSERT_GE(test, find_next_zero_bit(m->held, e, s),
			(unsigned long)e);
}

static void om_check_sack(struct kunit *test, struct ot_model *m)
{
	unsigned int i;
	u32 s, e;

	bitmap_zero(m->tmp, OM_TOTAL);
	for (i = 0; i < m->rx.held.n; i++) {
		s = m->rx.held.r[i].start - OM_BASE;
		e = m->rx.held.r[i].end - OM_BASE;
		KUNIT_ASSERT_TRUE(test, m->rcv < s && s < e && e <= OM_TOTAL);
		bitmap_set(m->tmp, s, e - s);
	}
	KUNIT_ASSERT_TRUE(test, bitmap_subset(m->tmp, m->held, OM_TOTAL));
	if (!m->sack_short)
		KUNIT_ASSERT_TRUE(test, bitmap_equal(m->tmp, m->held,
						     OM_TOTAL));
}

static void om_check(struct kunit *test, struct ot_model *m)
{
	u32 prev_end = m->rcv + 1, bytes = 0, truesize = 0, s, e;
	struct sk_buff *skb;

	bitmap_zero(m->tmp, OM_TOTAL);
	skb_rbtree_walk(skb, &m->q.root.rb_root) {
		s = KTCP_SKB_CB(skb)->seq - OM_BASE;
		e = KTCP_SKB_CB(skb)->end_seq - OM_BASE;
		KUNIT_ASSERT_TRUE(test, prev_end <= s && s < e &&
				  e <= OM_TOTAL);
		KUNIT_ASSERT_EQ(test, e - s, skb->len);
		KUNIT_ASSERT_TRUE(test, ot_payload_ok(skb));
		bitmap_set(m->tmp, s, e - s);
		bytes += skb->len;
		truesize += skb->truesize;
		prev_end = e;
	}
	KUNIT_ASSERT_TRUE(test, bitmap_equal(m->tmp, m->held, OM_TOTAL));
	KUNIT_ASSERT_EQ(test, ktcp_ofo_bytes(&m->q), bytes);
	KUNIT_ASSERT_EQ(test, ktcp_ofo_truesize(&m->q), truesize);
	KUNIT_ASSERT_LE(test, truesize, m->budget);
	if (ktcp_ofo_empty(&m->q))
		m->sack_short = false;
	om_check_sack(test, m);
}

static int om_try(struct kunit *test, struct ot_model *m, struct sk_buff *skb,
		  u32 off, u32 len)
{
	struct ktcp_sack_block d = {};
	int ret;

	ret = ktcp_ofo_insert(&m->q, skb, OM_BASE + m->rcv, m->budget, &d);
	om_check_dsack(test, m, &d, off, off + len);
	if (ret == KTCP_OFO_QUEUED) {
		bitmap_set(m->held, off, len);
		if (ktcp_sack_rx_add(&m->rx, OM_BASE + off,
				     OM_BASE + off + len) > 0)
			m->sack_short = true;
	}
	return ret;
}

static void om_insert(struct kunit *test, struct ot_model *m)
{
	u32 off = m->rcv + 1 + om_rand(m, OM_WIN), len, cut;
	struct sk_buff *skb;
	bool dup;
	int ret;

	if (off >= OM_TOTAL)
		return;
	len = min(1 + om_rand(m, om_rand(m, 4) ? 300 : 1500), OM_TOTAL - off);
	dup = find_next_zero_bit(m->held, off + len, off) >= off + len;
	skb = ot_skb(test, OM_BASE + off, len, false);
	ret = om_try(test, m, skb, off, len);
	KUNIT_ASSERT_EQ(test, ret == KTCP_OFO_DUP, dup);
	if (ret == -ENOBUFS) {
		m->refused++;
		/* Make room above the new segment, as a caller would. */
		if (ktcp_ofo_prune(&m->q, OM_BASE + off, m->budget / 2, &cut)) {
			m->pruned++;
			bitmap_clear(m->held, cut - OM_BASE,
				     OM_TOTAL - (cut - OM_BASE));
			ktcp_sack_rx_cut(&m->rx, cut);
			ret = om_try(test, m, skb, off, len);
		}
	}
	m->dups += ret == KTCP_OFO_DUP;
	KUNIT_ASSERT_TRUE(test, ret == KTCP_OFO_QUEUED ||
			  ret == KTCP_OFO_DUP || ret == -ENOBUFS);
	if (ret != KTCP_OFO_QUEUED)
		kfree_skb(skb);
}

/* In-order data arrives (the caller's), then the queue drains into it. */
static void om_deliver(struct kunit *test, struct ot_model *m)
{
	struct ktcp_sack_block d = {};
	u32 old = m->rcv, rcv;
	struct sk_buff *skb;

	rcv = min(m->rcv + 1 + om_rand(m, 200), (u32)OM_TOTAL);
	m->rcv = rcv;
	while ((skb = ktcp_ofo_pop(&m->q, OM_BASE + rcv, &d))) {
		KUNIT_ASSERT_EQ(test, KTCP_SKB_CB(skb)->seq, OM_BASE + rcv);
		KUNIT_ASSERT_TRUE(test, ot_payload_ok(skb));
		rcv = KTCP_SKB_CB(skb)->end_seq - OM_BASE;
		m->popped++;
		kfree_skb(skb);
	}
	/* Duplicates reported by pop lie under the in-order arrival. */
	om_check_dsack(test, m, &d, old + 1, m->rcv);
	m->rcv = rcv;
	bitmap_clear(m->held, 0, m->rcv);
	ktcp_sack_rx_advance(&m->rx, OM_BASE + m->rcv);
}

static void ofo_random_vs_model(struct kunit *test)
{
	struct ot_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct sk_buff *skb;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	ktcp_ofo_init(&m->q);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ot_purge_action,
							&m->q), 0);
	ktcp_sack_rx_init(&m->rx);
	ktcp_sack_rx_advance(&m->rx, OM_BASE);
	skb = ot_skb(test, 0, 300, false);
	m->budget = 8 * skb->truesize;
	kfree_skb(skb);
	m->rng = 6675;
	for (i = 0; i < 30000 && m->rcv < OM_TOTAL; i++) {
		if (om_rand(m, 100) < 95)
			om_insert(test, m);
		else
			om_deliver(test, m);
		om_check(test, m);
	}
	kunit_info(test, "%u steps, %u popped, %u dups, %u refused, %u pruned",
		   i, m->popped, m->dups, m->refused, m->pruned);
	KUNIT_EXPECT_GT(test, m->popped, 0U);
	KUNIT_EXPECT_GT(test, m->dups, 0U);
	KUNIT_EXPECT_GT(test, m->refused, 0U);
	KUNIT_EXPECT_GT(test, m->pruned, 0U);
	while (m->rcv < OM_TOTAL)
		om_deliver(test, m);
	om_check(test, m);
	KUNIT_EXPECT_TRUE(test, ktcp_ofo_empty(&m->q));
}

static struct kunit_case ktcp_ofo_cases[] = {
	KUNIT_CASE(ofo_in_order_after_holes),
	KUNIT_CASE(ofo_covered_by_old),
	KUNIT_CASE(ofo_covers_old),
	KUNIT_CASE(ofo_partial_overlaps),
	KUNIT_CASE(ofo_wrap),
	KUNIT_CASE(ofo_fin),
	KUNIT_CASE(ofo_invalid),
	KUNIT_CASE(ofo_pop_trim),
	KUNIT_CASE(ofo_unlink_reinsert),
	KUNIT_CASE(ofo_budget_flood),
	KUNIT_CASE(ofo_adversarial),
	KUNIT_CASE(ofo_random_vs_model),
	{}
};

static struct kunit_suite ktcp_ofo_suite = {
	.name = "ktcp_ofo",
	.test_cases = ktcp_ofo_cases,
};

kunit_test_suite(ktcp_ofo_suite);
