/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hierarchical timer wheel (Varghese & Lauck, scheme 7), as pure logic.
 *
 * The wheel knows nothing about jiffies, sockets or locks: it is driven by
 * ktcp_wheel_advance() with a tick count supplied by the caller, so that KUnit
 * can test it on a virtual clock. timer.c owns the per-CPU instances, their
 * locks and the kernel timer that drives them.
 *
 * Geometry: level 0 has 256 slots of one tick each; levels 1..4 have 64 slots
 * each, every level 64 times coarser than the one below. That covers 2^32
 * ticks; a timer further out is clamped (its expires is rewritten to
 * clk + KTCP_WHEEL_MAX_DELTA) and expires at the clamped time; callers re-arm.
 *
 * Add and cancel are O(1) (list insert / list delete). Advancing moves the
 * entries of each expired level-0 slot to the caller's list and, every 256
 * ticks, cascades one slot of level 1 (and so on up) into the levels below.
 * Per-level occupancy bitmaps let advance jump straight to the next tick at
 * which a non-empty slot expires or cascades, so a long idle period costs
 * O(levels) per occupied slot met, not O(ticks).
 *
 * Order: entries come out in order of their effective expiry (@expires, or
 * the clock at add time for an @expires already passed), and within one tick
 * in the order they were added.
 *
 * Locking: none inside. The caller serialises every call on one wheel.
 */
#ifndef _KTCP_WHEEL_H
#define _KTCP_WHEEL_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#define KTCP_WHEEL_L0_BITS	8
#define KTCP_WHEEL_LN_BITS	6
#define KTCP_WHEEL_LEVELS	5
#define KTCP_WHEEL_L0_SIZE	BIT(KTCP_WHEEL_L0_BITS)
#define KTCP_WHEEL_LN_SIZE	BIT(KTCP_WHEEL_LN_BITS)
/* Largest distance from now that the wheel can represent exactly. */
#define KTCP_WHEEL_MAX_DELTA	0xffffffffUL

struct ktcp_wheel_entry {
	struct list_head node;	/* in a slot, or in an expiry list */
	/*
	 * Absolute tick. Kept after the entry expires or is cancelled, so
	 * that a late callback can tell a re-arm from its own expiry (timer.c
	 * ktcp_timer_stale()); an entry never expires before it.
	 */
	u64 expires;
	bool pending;		/* filed in a slot of the wheel */
	/* Where it is filed (wheel.c private; fits in the padding). */
	u8 level;
	u8 slot;
};

struct ktcp_wheel {
	u64 clk;		/* every tick < clk has been processed */
	unsigned int count;	/* entries pending in the wheel */
	unsigned int l0_count;	/* of which in level 0 */
	/* Occupancy bitmaps (wheel.c private): which slots are non-empty. */
	DECLARE_BITMAP(l0_map, KTCP_WHEEL_L0_SIZE);
	u64 ln_map[KTCP_WHEEL_LEVELS - 1];
	struct list_head l0[KTCP_WHEEL_L0_SIZE];
	struct list_head ln[KTCP_WHEEL_LEVELS - 1][KTCP_WHEEL_LN_SIZE];
};

void ktcp_wheel_init(struct ktcp_wheel *w, u64 now);
void ktcp_wheel_entry_init(struct ktcp_wheel_entry *e);
/*
 * File @e to expire at tick @expires (absolute). An @expires at or before the
 * wheel's clock expires on the next advance (e->expires is kept as given).
 * @e should not be pending; if it is, it is moved (add acts as modify).
 */
void ktcp_wheel_add(struct ktcp_wheel *w, struct ktcp_wheel_entry *e,
		    u64 expires);
/* Remove @e if pending; returns true if it was. */
bool ktcp_wheel_del(struct ktcp_wheel *w, struct ktcp_wheel_entry *e);
/*
 * Process every tick up to and including @now: entries whose time has come
 * are moved (pending cleared) to the tail of @expired in expiry order.
 * Returns the number of entries moved.
 */
unsigned int ktcp_wheel_advance(struct ktcp_wheel *w, u64 now,
				struct list_head *expired);
/*
 * A tick at or before the earliest pending expiry, never earlier than the
 * wheel's clock: the caller arms its kernel timer for it. It is the earlier
 * of the first occupied level-0 tick (exact) and the next cascade of an
 * occupied higher slot, so it is exact whenever no higher slot cascades
 * first. U64_MAX if the wheel is empty.
 */
u64 ktcp_wheel_next(const struct ktcp_wheel *w);

#endif /* _KTCP_WHEEL_H */
