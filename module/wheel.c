// SPDX-License-Identifier: GPL-2.0
/*
 * The hierarchical timer wheel (see wheel.h): placement, cascading, expiry.
 *
 * The scheme is the classic Linux one (internal_add_timer() with tv1..tv5
 * before 4.8): an entry's level comes from its distance to the clock, its
 * slot from the bits of its own expiry at that level. Slots are visited when
 * the clock reaches them: a level-0 slot expires its entries, a higher slot
 * cascades its entries down, one level-n slot every 2^(8 + 6(n-1)) ticks.
 *
 * Tick counts are u64 and are assumed never to come within 2^32 of U64_MAX
 * (jiffies64 would need billions of years); U64_MAX itself is the "empty"
 * answer of ktcp_wheel_next().
 */
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/minmax.h>

#include "wheel.h"

#define L0_MASK		(KTCP_WHEEL_L0_SIZE - 1)
#define LN_MASK		(KTCP_WHEEL_LN_SIZE - 1)

/* log2 of the ticks one slot of @level spans: 0, 8, 14, 20, 26. */
static unsigned int wheel_shift(unsigned int level)
{
	if (!level)
		return 0;
	return KTCP_WHEEL_L0_BITS + (level - 1) * KTCP_WHEEL_LN_BITS;
}

static struct list_head *wheel_slot(struct ktcp_wheel *w, unsigned int level,
				    unsigned int slot)
{
	return level ? &w->ln[level - 1][slot] : &w->l0[slot];
}

static void wheel_mark(struct ktcp_wheel *w, unsigned int level,
		       unsigned int slot)
{
	if (level)
		w->ln_map[level - 1] |= BIT_ULL(slot);
	else
		__set_bit(slot, w->l0_map);
}

static void wheel_unmark(struct ktcp_wheel *w, unsigned int level,
			 unsigned int slot)
{
	if (level)
		w->ln_map[level - 1] &= ~BIT_ULL(slot);
	else
		__clear_bit(slot, w->l0_map);
}

/*
 * The level for an entry @delta ticks ahead: the lowest one whose whole span
 * (2^8 ticks for level 0, 2^(8 + 6n) for level n) exceeds @delta. @delta is
 * at most KTCP_WHEEL_MAX_DELTA, which the top level covers.
 */
static unsigned int wheel_level(u64 delta)
{
	unsigned int level;

	for (level = 0; level < KTCP_WHEEL_LEVELS - 1; level++)
		if (delta < BIT_ULL(KTCP_WHEEL_L0_BITS +
				    level * KTCP_WHEEL_LN_BITS))
			break;
	return level;
}

/*
 * File @e by its expiry. The level is chosen from the distance, never from
 * comparing the bits of expires and clk: because the distance is below the
 * level's span, the first visit of slot (expires >> shift) after clk is the
 * one at expires rounded down to the slot width, even when that slot index
 * is the one the clock is in now (the wheel has turned once). An entry just
 * past level 0's horizon (256 ticks or more away) therefore goes to level 1
 * and cascades at the start of its 256-tick block, where it is less than
 * 256 ticks away and lands in level 0.
 *
 * @at_head: cascaded entries go to the head. They were filed before anything
 * already in the lower slot for the same tick (they were further away), so
 * they must come out first for FIFO order within a tick.
 */
static void wheel_file(struct ktcp_wheel *w, struct ktcp_wheel_entry *e,
		       bool at_head)
{
	unsigned int level = 0, slot;
	struct list_head *head;

	if (e->expires < w->clk) {
		/* Already due: the slot the next advance processes first. */
		slot = w->clk & L0_MASK;
	} else {
		level = wheel_level(e->expires - w->clk);
		slot = (e->expires >> wheel_shift(level)) &
		       (level ? LN_MASK : L0_MASK);
	}

	head = wheel_slot(w, level, slot);
	if (at_head)
		list_add(&e->node, head);
	else
		list_add_tail(&e->node, head);
	e->level = level;
	e->slot = slot;
	wheel_mark(w, level, slot);
	if (!level)
		w->l0_count++;
}

void ktcp_wheel_init(struct ktcp_wheel *w, u64 now)
{
	unsigned int i, j;

	w->clk = now;
	w->count = 0;
	w->l0_count = 0;
	bitmap_zero(w->l0_map, KTCP_WHEEL_L0_SIZE);
	for (i = 0; i < KTCP_WHEEL_L0_SIZE; i++)
		INIT_LIST_HEAD(&w->l0[i]);
	for (i = 0; i < KTCP_WHEEL_LEVELS - 1; i++) {
		w->ln_map[i] = 0;
		for (j = 0; j < KTCP_WHEEL_LN_SIZE; j++)
			INIT_LIST_HEAD(&w->ln[i][j]);
	}
}

void ktcp_wheel_entry_init(struct ktcp_wheel_entry *e)
{
	INIT_LIST_HEAD(&e->node);
	WRITE_ONCE(e->expires, 0);
	WRITE_ONCE(e->pending, false);
	e->level = 0;
	e->slot = 0;
}

void ktcp_wheel_add(struct ktcp_wheel *w, struct ktcp_wheel_entry *e,
		    u64 expires)
{
	if (e->pending)
		ktcp_wheel_del(w, e);
	/* Beyond the top level's span: clamp, the caller re-arms. */
	if (expires > w->clk && expires - w->clk > KTCP_WHEEL_MAX_DELTA)
		expires = w->clk + KTCP_WHEEL_MAX_DELTA;
	WRITE_ONCE(e->expires, expires);
	WRITE_ONCE(e->pending, true);
	w->count++;
	wheel_file(w, e, false);
}

bool ktcp_wheel_del(struct ktcp_wheel *w, struct ktcp_wheel_entry *e)
{
	struct list_head *head;

	if (!e->pending)
		return false;
	head = wheel_slot(w, e->level, e->slot);
	list_del_init(&e->node);
	WRITE_ONCE(e->pending, false);
	w->count--;
	if (!e->level)
		w->l0_count--;
	if (list_empty(head))
		wheel_unmark(w, e->level, e->slot);
	return true;
}

/* Move the slot of @level the clock has reached down the wheel. */
static void wheel_cascade(struct ktcp_wheel *w, unsigned int level)
{
	unsigned int slot = (w->clk >> wheel_shift(level)) & LN_MASK;
	struct ktcp_wheel_entry *e, *tmp;
	LIST_HEAD(batch);

	if (!(w->ln_map[level - 1] & BIT_ULL(slot)))
		return;
	list_splice_init(wheel_slot(w, level, slot), &batch);
	wheel_unmark(w, level, slot);
	/* Last first, each to the head of its slot: keeps the batch's order. */
	list_for_each_entry_safe_reverse(e, tmp, &batch, node) {
		list_del(&e->node);
		wheel_file(w, e, true);
	}
}

/* Process tick w->clk: cascade what is due, expire level 0's slot. */
static unsigned int wheel_run_tick(struct ktcp_wheel *w,
				   struct list_head *expired)
{
	unsigned int level, slot = w->clk & L0_MASK, n = 0;
	struct ktcp_wheel_entry *e, *tmp;

	/*
	 * Bottom-up, as __run_timers() did: level n is due when clk is a
	 * multiple of its slot width. Each higher batch is older than the lower
	 * ones for the same tick and goes in front of them.
	 */
	for (level = 1; level < KTCP_WHEEL_LEVELS; level++) {
		if (w->clk & (BIT_ULL(wheel_shift(level)) - 1))
			break;
		wheel_cascade(w, level);
	}

	list_for_each_entry_safe(e, tmp, &w->l0[slot], node) {
		list_move_tail(&e->node, expired);
		WRITE_ONCE(e->pending, false);
		n++;
	}
	__clear_bit(slot, w->l0_map);
	w->l0_count -= n;
	w->count -= n;
	w->clk++;
	return n;
}

unsigned int ktcp_wheel_advance(struct ktcp_wheel *w, u64 now,
				struct list_head *expired)
{
	unsigned int n = 0;
	u64 next;

	/* U64_MAX is not a tick (see above); keeps clk + 1 from wrapping. */
	now = min(now, U64_MAX - 1);
	while (w->clk <= now) {
		/* Every tick before @next is a no-op: jump over them. */
		next = ktcp_wheel_next(w);
		if (next > now) {
			w->clk = now + 1;
			break;
		}
		w->clk = next;
		n += wheel_run_tick(w, expired);
	}
	return n;
}

/* The first occupied level-0 tick: exact, level 0 spans [clk, clk + 255]. */
static u64 wheel_next_l0(const struct ktcp_wheel *w)
{
	unsigned int start = w->clk & L0_MASK;
	unsigned long bit;

	bit = find_next_bit(w->l0_map, KTCP_WHEEL_L0_SIZE, start);
	if (bit >= KTCP_WHEEL_L0_SIZE)
		bit = find_first_bit(w->l0_map, KTCP_WHEEL_L0_SIZE);
	return w->clk + ((bit - start) & L0_MASK);
}

/*
 * The tick at which the first occupied slot of @level cascades: from the
 * first multiple of the slot width at or after clk, the slots come in index
 * order (mod 64), so rotate the bitmap to start there and take the first bit.
 */
static u64 wheel_next_cascade(const struct ktcp_wheel *w, unsigned int level)
{
	unsigned int shift = wheel_shift(level);
	u64 width_mask = BIT_ULL(shift) - 1;
	u64 first = (w->clk + width_mask) & ~width_mask;
	unsigned int idx = (first >> shift) & LN_MASK;
	unsigned int off = __ffs64(ror64(w->ln_map[level - 1], idx));

	return first + ((u64)off << shift);
}

u64 ktcp_wheel_next(const struct ktcp_wheel *w)
{
	u64 next = U64_MAX;
	unsigned int level;

	if (!w->count)
		return U64_MAX;
	if (w->l0_count)
		next = wheel_next_l0(w);
	/* Entries of a slot expire no earlier than the slot cascades. */
	for (level = 1; level < KTCP_WHEEL_LEVELS; level++)
		if (w->ln_map[level - 1])
			next = min(next, wheel_next_cascade(w, level));
	return next;
}
