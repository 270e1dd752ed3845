// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the timer wheel (wheel.h), driven on a virtual clock.
 *
 * The wheel is ~8 KB, so every test kmallocs it (never on the stack). Some
 * tests look at e->level and the counters to prove that an entry really did
 * cascade where the test means it to.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "../wheel.h"

/* Width in ticks of one slot of @level (1..4): 2^8, 2^14, 2^20, 2^26. */
#define WT_WIDTH(level)	BIT_ULL(KTCP_WHEEL_L0_BITS + \
				((level) - 1) * KTCP_WHEEL_LN_BITS)

static struct ktcp_wheel *wt_wheel(struct kunit *test, u64 now)
{
	struct ktcp_wheel *w = kunit_kmalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	/* Deliberately not zeroed: init must set every field. */
	memset(w, 0xa5, sizeof(*w));
	ktcp_wheel_init(w, now);
	return w;
}

static struct ktcp_wheel_entry *wt_entries(struct kunit *test, unsigned int n)
{
	struct ktcp_wheel_entry *e;
	unsigned int i;

	e = kunit_kcalloc(test, n, sizeof(*e), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, e);
	for (i = 0; i < n; i++)
		ktcp_wheel_entry_init(&e[i]);
	return e;
}

/*
 * Advance to @now and check that exactly the @n entries of @want come out,
 * in that order, no longer pending. Empties @out again.
 */
static void wt_expect(struct kunit *test, struct ktcp_wheel *w, u64 now,
		      struct ktcp_wheel_entry *const *want, unsigned int n)
{
	struct ktcp_wheel_entry *e, *tmp;
	unsigned int got, i = 0;
	LIST_HEAD(out);

	got = ktcp_wheel_advance(w, now, &out);
	KUNIT_EXPECT_EQ(test, got, n);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&out), (size_t)got);
	list_for_each_entry_safe(e, tmp, &out, node) {
		if (i < n)
			KUNIT_EXPECT_PTR_EQ_MSG(test, e, want[i],
						"entry %u at tick %llu", i, now);
		KUNIT_EXPECT_FALSE(test, e->pending);
		/* Never early: timer.c's stale check relies on it. */
		KUNIT_EXPECT_LE(test, e->expires, now);
		list_del_init(&e->node);
		i++;
	}
}

static void wt_expect_none(struct kunit *test, struct ktcp_wheel *w, u64 now)
{
	wt_expect(test, w, now, NULL, 0);
}

static void wt_expect_one(struct kunit *test, struct ktcp_wheel *w, u64 now,
			  struct ktcp_wheel_entry *e)
{
	wt_expect(test, w, now, &e, 1);
}

static void wt_expect_empty(struct kunit *test, struct ktcp_wheel *w)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, w->count, 0U);
	KUNIT_EXPECT_EQ(test, w->l0_count, 0U);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), U64_MAX);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(w->l0_map, KTCP_WHEEL_L0_SIZE));
	for (i = 0; i < KTCP_WHEEL_LEVELS - 1; i++)
		KUNIT_EXPECT_EQ(test, w->ln_map[i], 0ULL);
}

static void wheel_empty(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 1000);
	struct ktcp_wheel_entry *e = wt_entries(test, 1);

	wt_expect_empty(test, w);
	KUNIT_EXPECT_FALSE(test, ktcp_wheel_del(w, e));
	wt_expect_none(test, w, 5000);
	KUNIT_EXPECT_EQ(test, w->clk, 5001ULL);
	/* Going back in time processes nothing and keeps the clock. */
	wt_expect_none(test, w, 10);
	KUNIT_EXPECT_EQ(test, w->clk, 5001ULL);
	wt_expect_empty(test, w);
}

/* Expiry order across ticks and levels; FIFO within a tick. */
static void wheel_order(struct kunit *test)
{
	static const u64 when[] = { 105, 103, 105, 400, 103, 100, 20000, 105 };
	struct ktcp_wheel *w = wt_wheel(test, 100);
	struct ktcp_wheel_entry *e = wt_entries(test, ARRAY_SIZE(when));
	struct ktcp_wheel_entry *first[] = { &e[5], &e[1], &e[4] };
	struct ktcp_wheel_entry *then[] = { &e[0], &e[2], &e[7] };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(when); i++)
		ktcp_wheel_add(w, &e[i], when[i]);
	KUNIT_EXPECT_EQ(test, w->count, 8U);
	KUNIT_EXPECT_EQ(test, w->l0_count, 6U);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 100ULL);

	wt_expect(test, w, 104, first, ARRAY_SIZE(first));
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 105ULL);
	wt_expect(test, w, 105, then, ARRAY_SIZE(then));
	wt_expect_none(test, w, 399);
	wt_expect_one(test, w, 400, &e[3]);
	wt_expect_none(test, w, 19999);
	wt_expect_one(test, w, 20000, &e[6]);
	wt_expect_empty(test, w);
}

/* One big jump yields the same order as small steps. */
static void wheel_order_one_jump(struct kunit *test)
{
	static const u64 when[] = { 70000, 300, 5, 300, 1 << 20, 5, 299, 70000 };
	struct ktcp_wheel *w = wt_wheel(test, 0);
	struct ktcp_wheel_entry *e = wt_entries(test, ARRAY_SIZE(when));
	struct ktcp_wheel_entry *want[] = {
		&e[2], &e[5], &e[6], &e[1], &e[3], &e[0], &e[7], &e[4],
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(when); i++)
		ktcp_wheel_add(w, &e[i], when[i]);
	wt_expect(test, w, 1 << 21, want, ARRAY_SIZE(want));
	wt_expect_empty(test, w);
}

/*
 * Entries filed higher up are older than entries filed lower down for the
 * same tick; cascading must put them first (FIFO within a tick).
 */
static void wheel_fifo_across_cascade(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 0);
	struct ktcp_wheel_entry *e = wt_entries(test, 3);
	struct ktcp_wheel_entry *want[] = { &e[0], &e[1], &e[2] };

	ktcp_wheel_add(w, &e[0], 20000);	/* level 2 */
	KUNIT_EXPECT_EQ(test, e[0].level, 2);
	wt_expect_none(test, w, 4000);
	ktcp_wheel_add(w, &e[1], 20000);	/* level 1 */
	KUNIT_EXPECT_EQ(test, e[1].level, 1);
	wt_expect_none(test, w, 19800);		/* e[0] is in level 1 now */
	KUNIT_EXPECT_EQ(test, e[0].level, 1);
	ktcp_wheel_add(w, &e[2], 20000);	/* level 0 */
	KUNIT_EXPECT_EQ(test, e[2].level, 0);
	wt_expect(test, w, 20000, want, ARRAY_SIZE(want));
	wt_expect_empty(test, w);
}

static void wheel_cancel(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 0);
	struct ktcp_wheel_entry *e = wt_entries(test, 4);
	struct ktcp_wheel_entry *rest[] = { &e[0], &e[2] };

	ktcp_wheel_add(w, &e[0], 50);
	ktcp_wheel_add(w, &e[1], 50);
	ktcp_wheel_add(w, &e[2], 50);
	ktcp_wheel_add(w, &e[3], 1000);
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[1]));
	KUNIT_EXPECT_FALSE(test, e[1].pending);
	KUNIT_EXPECT_TRUE(test, list_empty(&e[1].node));
	KUNIT_EXPECT_FALSE(test, ktcp_wheel_del(w, &e[1]));
	KUNIT_EXPECT_EQ(test, w->count, 3U);
	wt_expect(test, w, 50, rest, ARRAY_SIZE(rest));
	/* Expired entries are not pending: cancel says so. */
	KUNIT_EXPECT_FALSE(test, ktcp_wheel_del(w, &e[0]));

	/* e[3] was filed in level 1 and cascades at 768 (1000 & ~255). */
	KUNIT_EXPECT_EQ(test, e[3].level, 1);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 768ULL);
	wt_expect_none(test, w, 800);
	KUNIT_EXPECT_EQ(test, e[3].level, 0);
	KUNIT_EXPECT_EQ(test, w->l0_count, 1U);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1000ULL);
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[3]));
	wt_expect_empty(test, w);
	wt_expect_none(test, w, 5000);

	/* Cancel in a higher level, before any cascade. */
	ktcp_wheel_add(w, &e[3], 5001 + (1ULL << 30));
	KUNIT_EXPECT_EQ(test, e[3].level, 4);
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[3]));
	wt_expect_empty(test, w);
	wt_expect_none(test, w, 5001 + (1ULL << 31));
}

/* Adding a pending entry moves it (modify). */
static void wheel_add_moves_pending(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 0);
	struct ktcp_wheel_entry *e = wt_entries(test, 1);

	ktcp_wheel_add(w, e, 5000);
	ktcp_wheel_add(w, e, 20);
	KUNIT_EXPECT_EQ(test, w->count, 1U);
	KUNIT_EXPECT_EQ(test, e->expires, 20ULL);
	wt_expect_one(test, w, 20, e);
	wt_expect_none(test, w, 6000);
	wt_expect_empty(test, w);
}

/*
 * The deadline stays in the entry after it expires and after a cancel:
 * timer.c compares it with jiffies to tell a timer re-armed (and perhaps
 * cancelled again) since it fired from one whose handler is due.
 */
static void wheel_expires_kept(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 0);
	struct ktcp_wheel_entry *e = wt_entries(test, 2);

	ktcp_wheel_add(w, &e[0], 300);
	ktcp_wheel_add(w, &e[1], 5000);
	wt_expect_one(test, w, 400, &e[0]);
	KUNIT_EXPECT_EQ(test, e[0].expires, 300ULL);
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[1]));
	KUNIT_EXPECT_EQ(test, e[1].expires, 5000ULL);
	/* Re-armed after its expiry, then cancelled: the new deadline. */
	ktcp_wheel_add(w, &e[0], 900);
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[0]));
	KUNIT_EXPECT_FALSE(test, e[0].pending);
	KUNIT_EXPECT_EQ(test, e[0].expires, 900ULL);
	wt_expect_none(test, w, 6000);
	wt_expect_empty(test, w);
}

/*
 * An entry filed in level @from cascades at the start of its slot straight
 * to level @to, chosen by what is left: the remainder within the slot. Every
 * pair from > to, from a clock that is aligned to nothing in particular.
 */
static void wt_cascade_pair(struct kunit *test, struct ktcp_wheel *w,
			    unsigned int from, unsigned int to)
{
	struct ktcp_wheel_entry *e = wt_entries(test, 1);
	u64 width = WT_WIDTH(from);
	u64 base = round_up(w->clk, width) + width;
	u64 rest = to ? WT_WIDTH(to) + 3 : 7;

	ktcp_wheel_add(w, e, base + rest);
	KUNIT_EXPECT_EQ_MSG(test, e->level, from, "%u->%u", from, to);
	KUNIT_EXPECT_LE(test, ktcp_wheel_next(w), base);
	wt_expect_none(test, w, base - 1);
	KUNIT_EXPECT_EQ(test, e->level, from);
	wt_expect_none(test, w, base);
	KUNIT_EXPECT_EQ_MSG(test, e->level, to, "%u->%u", from, to);
	KUNIT_EXPECT_TRUE(test, e->pending);
	wt_expect_none(test, w, base + rest - 1);
	wt_expect_one(test, w, base + rest, e);
	wt_expect_empty(test, w);
}

static void wheel_cascade_every_pair(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 0x12345);
	unsigned int from, to;

	for (from = 1; from < KTCP_WHEEL_LEVELS; from++)
		for (to = 0; to < from; to++)
			wt_cascade_pair(test, w, from, to);
}

/* Distances on each side of every level boundary expire exactly. */
static void wt_boundaries_from(struct kunit *test, u64 start)
{
	static const u64 dist[] = {
		0, 1, 255, 256, 257, (1 << 14) - 1, 1 << 14, (1 << 14) + 1,
		(1 << 20) - 1, 1 << 20, (1 << 26) - 1, 1 << 26,
		KTCP_WHEEL_MAX_DELTA - 1, KTCP_WHEEL_MAX_DELTA,
	};
	static const u8 level[] = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4 };
	struct ktcp_wheel_entry *e = wt_entries(test, 1);
	struct ktcp_wheel *w = wt_wheel(test, start);
	unsigned int i;
	u64 t;

	for (i = 0; i < ARRAY_SIZE(dist); i++) {
		t = w->clk + dist[i];
		ktcp_wheel_add(w, e, t);
		KUNIT_EXPECT_EQ_MSG(test, e->level, level[i], "dist %llu from %llu",
				    dist[i], start);
		wt_expect_none(test, w, t - 1);	/* a no-op when t == clk */
		wt_expect_one(test, w, t, e);
		wt_expect_empty(test, w);
	}
}

static void wheel_level_boundaries(struct kunit *test)
{
	static const u64 starts[] = {
		1, 255, 256, 0x12345, (1ULL << 26) + 77, (1ULL << 40) - 1,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++)
		wt_boundaries_from(test, starts[i]);
}

/* Beyond 2^32 ticks the expiry is clamped, and the entry fires then. */
static void wheel_far_future(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 5);
	struct ktcp_wheel_entry *e = wt_entries(test, 3);
	u64 last = 5 + KTCP_WHEEL_MAX_DELTA;
	struct ktcp_wheel_entry *want[] = { &e[0], &e[1], &e[2] };

	ktcp_wheel_add(w, &e[0], last);			/* exactly the limit */
	ktcp_wheel_add(w, &e[1], 5 + (1ULL << 40));
	ktcp_wheel_add(w, &e[2], U64_MAX - 10);
	KUNIT_EXPECT_EQ(test, e[0].expires, last);
	KUNIT_EXPECT_EQ(test, e[1].expires, last);
	KUNIT_EXPECT_EQ(test, e[2].expires, last);
	KUNIT_EXPECT_EQ(test, e[1].level, KTCP_WHEEL_LEVELS - 1);
	KUNIT_EXPECT_LE(test, ktcp_wheel_next(w), last);
	wt_expect_none(test, w, last - 1);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), last);
	wt_expect(test, w, last, want, ARRAY_SIZE(want));
	wt_expect_empty(test, w);
}

/* An expiry at or before the clock fires on the next advance, FIFO. */
static void wheel_past_and_now(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 1000);
	struct ktcp_wheel_entry *e = wt_entries(test, 6);
	struct ktcp_wheel_entry *now[] = { &e[0], &e[1], &e[2] };
	struct ktcp_wheel_entry *next[] = { &e[3], &e[4] };

	ktcp_wheel_add(w, &e[0], 1000);
	ktcp_wheel_add(w, &e[1], 0);
	ktcp_wheel_add(w, &e[2], 999);
	ktcp_wheel_add(w, &e[3], 1001);
	KUNIT_EXPECT_EQ(test, e[1].expires, 0ULL);	/* kept as given */
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1000ULL);
	wt_expect(test, w, 1000, now, ARRAY_SIZE(now));
	ktcp_wheel_add(w, &e[4], 500);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1001ULL);
	wt_expect(test, w, 1001, next, ARRAY_SIZE(next));

	/*
	 * At a cascade point not yet processed: what is due now and the
	 * level-1 entry cascading there must all come out right.
	 */
	w = wt_wheel(test, 0);
	ktcp_wheel_add(w, &e[5], 300);			/* level 1 */
	wt_expect_none(test, w, 255);			/* clk = 256 */
	ktcp_wheel_add(w, &e[0], 256);
	ktcp_wheel_add(w, &e[1], 100);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 256ULL);
	wt_expect(test, w, 256, now, 2);
	KUNIT_EXPECT_EQ(test, e[5].level, 0);
	wt_expect_none(test, w, 299);
	wt_expect_one(test, w, 300, &e[5]);
	wt_expect_empty(test, w);
}

static void wheel_next_exact(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 1000);
	struct ktcp_wheel_entry *e = wt_entries(test, 4);

	ktcp_wheel_add(w, &e[0], 1200);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1200ULL);
	ktcp_wheel_add(w, &e[1], 1005);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1005ULL);
	/* Level 1, cascading at 1280: does not hide level 0's 1005. */
	ktcp_wheel_add(w, &e[2], 1300);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1005ULL);
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[1]));
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1200ULL);
	/* Level 0 wraps round its 256 slots: 1255 sits in slot 231. */
	KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[0]));
	ktcp_wheel_add(w, &e[0], 1255);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1255ULL);
	wt_expect_one(test, w, 1255, &e[0]);
	/* Only level 1 left: its cascade point, then exact. */
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1280ULL);
	wt_expect_none(test, w, 1280);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1300ULL);
	wt_expect_one(test, w, 1300, &e[2]);
	wt_expect_empty(test, w);

	/*
	 * An old level-1 entry (1100, cascading at 1024) beside a new level-0
	 * one (1050): next may be early, never late, never before clk.
	 */
	w = wt_wheel(test, 700);
	ktcp_wheel_add(w, &e[0], 1100);
	wt_expect_none(test, w, 1000);
	ktcp_wheel_add(w, &e[1], 1050);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1024ULL);
	wt_expect_none(test, w, 1024);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1050ULL);
	wt_expect_one(test, w, 1050, &e[1]);
	KUNIT_EXPECT_EQ(test, ktcp_wheel_next(w), 1100ULL);
	wt_expect_one(test, w, 1100, &e[0]);
	wt_expect_empty(test, w);
}

/* Long idle periods: huge jumps over an empty or sparse wheel are quick. */
static void wheel_idle_jumps(struct kunit *test)
{
	struct ktcp_wheel *w = wt_wheel(test, 0);
	struct ktcp_wheel_entry *e = wt_entries(test, 3);
	struct ktcp_wheel_entry *want[] = { &e[1], &e[0], &e[2] };
	u64 t = 1ULL << 50;

	wt_expect_none(test, w, t);
	KUNIT_EXPECT_EQ(test, w->clk, t + 1);

	ktcp_wheel_add(w, &e[0], t + (1ULL << 31));
	ktcp_wheel_add(w, &e[1], t + 5);
	ktcp_wheel_add(w, &e[2], t + KTCP_WHEEL_MAX_DELTA);
	wt_expect(test, w, t + (1ULL << 40), want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, w->clk, t + (1ULL << 40) + 1);
	wt_expect_empty(test, w);

	/* The largest @now must terminate, not wrap the clock. */
	wt_expect_none(test, w, U64_MAX);
	KUNIT_EXPECT_EQ(test, w->clk, U64_MAX);
}

/*
 * 10,000 entries with pseudo-random expiries at every level (past, boundary
 * values, clamped), random cancels, moves and re-arms, random advance steps
 * from one tick to 2^34, all checked against a naive model: at every
 * advance, the entries due are sorted by (effective expiry, add order).
 */
#define WT_N		10000
#define WT_ROUNDS	400

struct wt_item {
	struct ktcp_wheel_entry e;
	u64 eff;	/* when it must come out */
	u32 seq;	/* add order: FIFO within a tick */
	bool live;	/* pending, per the model */
};

struct wt_model {
	struct kunit *test;
	struct ktcp_wheel *w;
	struct wt_item *items;
	struct wt_item **due;	/* scratch for the sorted expectation */
	unsigned int added;	/* items[0..added) have been used */
	unsigned int live;
	u32 seq;
	u64 rng;
};

/* Knuth's MMIX LCG: fixed seed, same sequence on every run. */
static u64 wt_rand(struct wt_model *m)
{
	m->rng = m->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return m->rng >> 11;
}

static u64 wt_rand_delta(struct wt_model *m)
{
	static const u64 edges[] = {
		0, 1, 255, 256, 257, (1 << 14) - 1, 1 << 14, (1 << 20) - 1,
		1 << 20, (1 << 26) - 1, 1 << 26, KTCP_WHEEL_MAX_DELTA,
		KTCP_WHEEL_MAX_DELTA + 1,
	};
	u64 r = wt_rand(m);

	switch (r % 8) {
	case 0:
		return r % 256;
	case 1:
		return 256 + r % ((1 << 14) - 256);
	case 2:
		return (1 << 14) + r % ((1 << 20) - (1 << 14));
	case 3:
		return (1 << 20) + r % ((1 << 26) - (1 << 20));
	case 4:
		return (1ULL << 26) + r % ((1ULL << 32) - (1ULL << 26));
	case 5:
		return (1ULL << 32) + r % (1ULL << 40);	/* clamped */
	case 6:
		return edges[r % ARRAY_SIZE(edges)];
	}
	return r % 4096;
}

/* (Re)arm @it, sometimes in the past; the model notes when it is due. */
static void wt_model_add(struct wt_model *m, struct wt_item *it)
{
	u64 clk = m->w->clk, delta = wt_rand_delta(m);
	u64 expires = clk + delta;

	if (wt_rand(m) % 16 == 0)
		expires = clk - wt_rand(m) % 1000;	/* already due */
	if (!it->live)
		m->live++;
	ktcp_wheel_add(m->w, &it->e, expires);
	it->eff = clamp(expires, clk, clk + KTCP_WHEEL_MAX_DELTA);
	it->seq = m->seq++;
	it->live = true;
	KUNIT_EXPECT_EQ(m->test, it->e.expires, min(expires, it->eff));
}

/* Cancel, move, or re-arm a random entry that was used before. */
static void wt_model_poke(struct wt_model *m)
{
	struct wt_item *it = &m->items[wt_rand(m) % m->added];
	bool cancel = wt_rand(m) & 1;

	if (it->live && cancel) {
		KUNIT_EXPECT_TRUE(m->test, ktcp_wheel_del(m->w, &it->e));
		it->live = false;
		m->live--;
	} else if (!it->live && cancel) {
		KUNIT_EXPECT_FALSE(m->test, ktcp_wheel_del(m->w, &it->e));
	} else {
		wt_model_add(m, it);
	}
}

static int wt_cmp(const void *a, const void *b)
{
	const struct wt_item *x = *(const struct wt_item * const *)a;
	const struct wt_item *y = *(const struct wt_item * const *)b;

	if (x->eff != y->eff)
		return x->eff < y->eff ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The model's earliest due tick, and what it expects by @now, sorted. */
static unsigned int wt_model_due(struct wt_model *m, u64 now, u64 *earliest)
{
	unsigned int i, n = 0;

	*earliest = U64_MAX;
	for (i = 0; i < m->added; i++) {
		struct wt_item *it = &m->items[i];

		if (!it->live)
			continue;
		*earliest = min(*earliest, it->eff);
		if (it->eff <= now)
			m->due[n++] = it;
	}
	sort(m->due, n, sizeof(*m->due), wt_cmp, NULL);
	return n;
}

static void wt_model_advance(struct wt_model *m, u64 now)
{
	struct kunit *test = m->test;
	struct ktcp_wheel_entry *e, *tmp;
	unsigned int n, i = 0;
	u64 earliest, next;
	LIST_HEAD(out);

	n = wt_model_due(m, now, &earliest);
	next = ktcp_wheel_next(m->w);
	KUNIT_ASSERT_EQ(test, m->w->count, m->live);
	if (m->live) {
		KUNIT_ASSERT_GE(test, next, m->w->clk);
		KUNIT_ASSERT_LE(test, next, earliest);
	} else {
		KUNIT_ASSERT_EQ(test, next, U64_MAX);
	}

	KUNIT_ASSERT_EQ(test, ktcp_wheel_advance(m->w, now, &out), n);
	list_for_each_entry_safe(e, tmp, &out, node) {
		struct wt_item *it = container_of(e, struct wt_item, e);

		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_ASSERT_PTR_EQ(test, it, m->due[i]);
		KUNIT_ASSERT_FALSE(test, e->pending);
		list_del_init(&e->node);
		it->live = false;
		i++;
	}
	m->live -= n;
	KUNIT_ASSERT_EQ(test, i, n);
}

static u64 wt_rand_step(struct wt_model *m)
{
	u64 r = wt_rand(m);

	switch (r % 16) {
	case 8:
	case 9:
	case 10:
	case 11:
		return r % 4096;
	case 12:
	case 13:
		return r % (1 << 20);
	case 14:
		return r % (1 << 28);
	case 15:
		return r % (1ULL << 34);
	}
	return 1 + r % 64;
}

static void wheel_many_vs_model(struct kunit *test)
{
	struct wt_model *m;
	unsigned int round, k;

	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m);
	m->test = test;
	m->rng = 0x6b746370;	/* fixed seed: reproducible */
	m->w = wt_wheel(test, 0x9876543);
	m->items = kunit_kcalloc(test, WT_N, sizeof(*m->items), GFP_KERNEL);
	m->due = kunit_kcalloc(test, WT_N, sizeof(*m->due), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m->items);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m->due);
	for (k = 0; k < WT_N; k++)
		ktcp_wheel_entry_init(&m->items[k].e);

	for (round = 0; round < WT_ROUNDS; round++) {
		for (k = 0; k < 50 && m->added < WT_N; k++)
			wt_model_add(m, &m->items[m->added++]);
		for (k = 0; k < 10; k++)
			wt_model_poke(m);
		wt_model_advance(m, m->w->clk + wt_rand_step(m));
	}
	/* Everything is due within 2^32 ticks of the clock. */
	wt_model_advance(m, m->w->clk + (1ULL << 33));
	KUNIT_EXPECT_EQ(test, m->added, WT_N);
	KUNIT_EXPECT_EQ(test, m->live, 0U);
	wt_expect_empty(test, m->w);
}

/* ---- a million timers --------------------------------------------------- */

#define WT_MILLION	1000000U
#define WT_SAMPLE	997U	/* every 997th entry's level is watched */

KUNIT_DEFINE_ACTION_WRAPPER(wt_vfree, vfree, const void *);

/* xorshift64: a fixed sequence, so that a failure reproduces */
static u64 wt_xorshift(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The scale the issue asks of ktcp's timers (every connection has some): a
 * million armed at once across all five levels, a third cancelled and a
 * third re-armed while the million are pending. Each operation stays O(1):
 * an entry added to the full wheel lands in the slot it would take in an
 * empty one (a list insert, whatever is pending), and a watched sample
 * only ever moves down a level per cascade, so each entry is moved at most
 * KTCP_WHEEL_LEVELS - 1 times in its life. And the wheel stays right: every
 * live entry expires exactly once, never early, in order of expiry.
 */
static void wheel_million(struct kunit *test)
{
	const u64 start = 0x12345678;
	struct ktcp_wheel *w = wt_wheel(test, start), *w0;
	unsigned int i, live = 0, moves = 0, got = 0;
	struct ktcp_wheel_entry *e, *pos, *tmp, probe;
	u64 x = 0x6b746370, now = start, last = 0;
	u8 *level;

	e = vcalloc(WT_MILLION, sizeof(*e));
	level = vcalloc(WT_MILLION / WT_SAMPLE + 1, sizeof(*level));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, wt_vfree, e), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, wt_vfree, level),
			0);
	for (i = 0; i < WT_MILLION; i++) {
		/* 1 tick to 2^30 ticks out: levels 0 to 4 */
		u64 delta = 1 + (wt_xorshift(&x) >> (34 + i % 30));

		ktcp_wheel_entry_init(&e[i]);
		ktcp_wheel_add(w, &e[i], start + delta);
	}
	KUNIT_EXPECT_EQ(test, w->count, WT_MILLION);

	/* Placement does not depend on what is pending. */
	w0 = wt_wheel(test, start);
	for (i = 0; i < 64; i++) {
		u64 at = start + 1 + (wt_xorshift(&x) >> (34 + i % 30));

		ktcp_wheel_entry_init(&probe);
		ktcp_wheel_add(w0, &probe, at);
		ktcp_wheel_add(w, &e[i * 7 + 1], at);
		KUNIT_EXPECT_EQ(test, e[i * 7 + 1].level, probe.level);
		KUNIT_EXPECT_EQ(test, e[i * 7 + 1].slot, probe.slot);
		ktcp_wheel_del(w0, &probe);
	}

	for (i = 0; i < WT_MILLION; i++) {
		if (i % 3 == 0)
			KUNIT_EXPECT_TRUE(test, ktcp_wheel_del(w, &e[i]));
		else if (i % 3 == 1)
			ktcp_wheel_add(w, &e[i], start + 1 +
				       (wt_xorshift(&x) >> (34 + i % 30)));
		live += i % 3 != 0;
		if (i % WT_SAMPLE == 0)
			level[i / WT_SAMPLE] = e[i].level;
	}
	KUNIT_EXPECT_EQ(test, w->count, live);

	while (w->count) {
		LIST_HEAD(out);
		u64 prev = now;

		now += 1 + (wt_xorshift(&x) >> 40);	/* up to 2^24 ticks */
		got += ktcp_wheel_advance(w, now, &out);
		list_for_each_entry_safe(pos, tmp, &out, node) {
			/* due in (prev, now], in order, no longer pending */
			KUNIT_EXPECT_GT(test, pos->expires, prev);
			KUNIT_EXPECT_LE(test, pos->expires, now);
			KUNIT_EXPECT_GE(test, pos->expires, last);
			KUNIT_EXPECT_FALSE(test, pos->pending);
			KUNIT_EXPECT_NE(test, (pos - e) % 3, 0L);
			last = pos->expires;
			list_del_init(&pos->node);
		}
		for (i = 0; i < WT_MILLION; i += WT_SAMPLE) {
			if (!e[i].pending)
				continue;
			KUNIT_EXPECT_LE(test, e[i].level, level[i / WT_SAMPLE]);
			moves += e[i].level != level[i / WT_SAMPLE];
			level[i / WT_SAMPLE] = e[i].level;
		}
		if (now - start > (1ULL << 33))
			break;	/* everything is due within 2^30 ticks */
	}
	KUNIT_EXPECT_EQ(test, got, live);
	KUNIT_EXPECT_GT(test, moves, 0U);	/* the sample did cascade */
	KUNIT_EXPECT_LE(test, moves, (WT_MILLION / WT_SAMPLE + 1) *
				     (KTCP_WHEEL_LEVELS - 1));
	wt_expect_empty(test, w);
}

static struct kunit_case ktcp_wheel_cases[] = {
	KUNIT_CASE(wheel_empty),
	KUNIT_CASE(wheel_order),
	KUNIT_CASE(wheel_order_one_jump),
	KUNIT_CASE(wheel_fifo_across_cascade),
	KUNIT_CASE(wheel_cancel),
	KUNIT_CASE(wheel_add_moves_pending),
	KUNIT_CASE(wheel_expires_kept),
	KUNIT_CASE(wheel_cascade_every_pair),
	KUNIT_CASE(wheel_level_boundaries),
	KUNIT_CASE(wheel_far_future),
	KUNIT_CASE(wheel_past_and_now),
	KUNIT_CASE(wheel_next_exact),
	KUNIT_CASE(wheel_idle_jumps),
	KUNIT_CASE(wheel_many_vs_model),
	KUNIT_CASE_SLOW(wheel_million),
	{}
};

static struct kunit_suite ktcp_wheel_suite = {
	.name = "ktcp_wheel",
	.test_cases = ktcp_wheel_cases,
};

kunit_test_suite(ktcp_wheel_suite);
