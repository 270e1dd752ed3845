// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for sack.h: the range set and the receiver's SACK blocks
 * (RFC 2018 section 4 and its section 5 examples, RFC 2883 section 4). The
 * sender's scoreboard (recovery.c) has its own suite, recovery_test.c. The
 * bigger objects are kunit_kzalloc'ed.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/slab.h>

#include "../sack.h"

struct st_range {
	u32 start;
	u32 end;
};

#define ST_N(a)	ARRAY_SIZE(a)

static void st_expect_ranges(struct kunit *test, const struct ktcp_ranges *rs,
			     const struct st_range *want, unsigned int n)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, (unsigned int)rs->n, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, rs->r[i].start, want[i].start,
				    "range %u", i);
		KUNIT_EXPECT_EQ_MSG(test, rs->r[i].end, want[i].end,
				    "range %u", i);
	}
}

static void st_expect_blocks(struct kunit *test,
			     const struct ktcp_sack_block *got, unsigned int n,
			     const struct st_range *want, unsigned int wn)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, n, wn);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, got[i].start, want[i].start,
				    "block %u", i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].end, want[i].end,
				    "block %u", i);
	}
}

static struct ktcp_ranges *st_ranges(struct kunit *test)
{
	struct ktcp_ranges *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rs);
	ktcp_ranges_init(rs);
	return rs;
}

static void sack_ranges_sorted(struct kunit *test)
{
	static const struct st_range want[] = {
		{ 100, 200 }, { 300, 400 }, { 500, 600 }, { 700, 800 },
	};
	struct ktcp_ranges *rs = st_ranges(test);

	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 500, 600, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 100, 200, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 700, 800, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 300, 400, 0, NULL), 0);
	st_expect_ranges(test, rs, want, ST_N(want));
}

static void sack_ranges_merge(struct kunit *test)
{
	static const struct st_range dup[] = { { 100, 200 }, { 300, 400 } };
	static const struct st_range adj[] = { { 100, 200 }, { 300, 500 } };
	static const struct st_range grow[] = { { 50, 250 }, { 300, 500 } };
	static const struct st_range bridge[] = { { 50, 500 } };
	static const struct st_range cover[] = { { 0, 1000 } };
	struct ktcp_ranges *rs = st_ranges(test);

	ktcp_ranges_add(rs, 100, 200, 0, NULL);
	ktcp_ranges_add(rs, 300, 400, 0, NULL);
	/* Exact duplicate, and a range inside one held. */
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 100, 200, 0, NULL), 0);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 320, 380, 0, NULL), 0);
	st_expect_ranges(test, rs, dup, ST_N(dup));
	/* Adjacent on the right merges: [300,400) + [400,500). */
	ktcp_ranges_add(rs, 400, 500, 0, NULL);
	st_expect_ranges(test, rs, adj, ST_N(adj));
	/* Overlap on each side of [100,200). */
	ktcp_ranges_add(rs, 50, 150, 0, NULL);
	ktcp_ranges_add(rs, 180, 250, 0, NULL);
	st_expect_ranges(test, rs, grow, ST_N(grow));
	/* Exactly filling the gap joins both. */
	ktcp_ranges_add(rs, 250, 300, 0, NULL);
	st_expect_ranges(test, rs, bridge, ST_N(bridge));
	/* Covering all of it. */
	ktcp_ranges_add(rs, 0, 1000, 0, NULL);
	st_expect_ranges(test, rs, cover, ST_N(cover));
}

static void sack_ranges_bridge_many(struct kunit *test)
{
	static const struct st_range want[] = {
		{ 0, 10 }, { 95, 505 }, { 600, 610 },
	};
	struct ktcp_ranges *rs = st_ranges(test);
	u32 s;

	ktcp_ranges_add(rs, 0, 10, 0, NULL);
	for (s = 100; s < 500; s += 20)
		ktcp_ranges_add(rs, s, s + 10, 0, NULL);
	ktcp_ranges_add(rs, 600, 610, 0, NULL);
	KUNIT_EXPECT_EQ(test, (unsigned int)rs->n, 22U);
	/* One add swallows twenty ranges, touching neither neighbour. */
	ktcp_ranges_add(rs, 95, 505, 0, NULL);
	st_expect_ranges(test, rs, want, ST_N(want));
}

static void sack_ranges_wrap(struct kunit *test)
{
	static const struct st_range two[] = {
		{ 0xffffff00, 0xffffff80 }, { 0x10, 0x20 },
	};
	static const struct st_range one[] = { { 0xffffff00, 0x20 } };
	static const struct st_range cut[] = { { 0x5, 0x20 } };
	struct ktcp_ranges *rs = st_ranges(test);

	ktcp_ranges_add(rs, 0x10, 0x20, 0xfffff000, NULL);
	ktcp_ranges_add(rs, 0xffffff00, 0xffffff80, 0xfffff000, NULL);
	st_expect_ranges(test, rs, two, ST_N(two));
	/* A range across 2^32 joins them. */
	ktcp_ranges_add(rs, 0xffffff80, 0x10, 0xfffff000, NULL);
	st_expect_ranges(test, rs, one, ST_N(one));
	KUNIT_EXPECT_TRUE(test, ktcp_ranges_contains(rs, 0xfffffff0, 0x8));
	KUNIT_EXPECT_EQ(test, ktcp_ranges_covered(rs, 0xfffffff0, 0x30),
			0x30U);
	ktcp_ranges_remove_below(rs, 0x5);
	st_expect_ranges(test, rs, cut, ST_N(cut));
}

static void sack_ranges_invalid(struct kunit *test)
{
	struct ktcp_ranges *rs = st_ranges(test);

	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 100, 100, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 200, 100, 0, NULL), -EINVAL);
	/* 2^31 long: "start before end" fails; so does anything longer. */
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 0, 0x80000000, 0, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, (unsigned int)rs->n, 0U);
	KUNIT_EXPECT_FALSE(test, ktcp_ranges_contains(rs, 5, 5));
	KUNIT_EXPECT_EQ(test, ktcp_ranges_covered(rs, 5, 5), 0U);
}

/* r[i] = [1000 + 100 i, + 10), i < KTCP_RANGES_MAX. */
static void st_fill(struct ktcp_ranges *rs)
{
	unsigned int i;

	for (i = 0; i < KTCP_RANGES_MAX; i++)
		ktcp_ranges_add(rs, 1000 + 100 * i, 1010 + 100 * i, 0, NULL);
}

static void sack_ranges_full(struct kunit *test)
{
	struct ktcp_ranges *rs = st_ranges(test);
	struct ktcp_sack_block gone;
	u32 top = 1000 + 100 * (KTCP_RANGES_MAX - 1);

	st_fill(rs);
	KUNIT_ASSERT_EQ(test, (unsigned int)rs->n, KTCP_RANGES_MAX);
	/* Merging needs no room. */
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 1010, 1020, 0, &gone), 0);
	/* Reference low: the top range goes. */
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 1050, 1060, 1000, &gone), 1);
	KUNIT_EXPECT_EQ(test, gone.start, top);
	KUNIT_EXPECT_EQ(test, (unsigned int)rs->n, KTCP_RANGES_MAX);
	KUNIT_EXPECT_TRUE(test, ktcp_ranges_contains(rs, 1050, 1060));
	KUNIT_EXPECT_NULL(test, ktcp_ranges_find(rs, top));
	/* Reference high: the bottom range goes. */
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 1150, 1160, top, &gone), 1);
	KUNIT_EXPECT_EQ(test, gone.start, 1000U);
	KUNIT_EXPECT_EQ(test, gone.end, 1020U);
	KUNIT_EXPECT_TRUE(test, ktcp_ranges_contains(rs, 1150, 1160));
	/* The new range is the farthest: it is the one dropped. */
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 9000, 9010, 1000, &gone), 1);
	KUNIT_EXPECT_EQ(test, gone.start, 9000U);
	KUNIT_EXPECT_NULL(test, ktcp_ranges_find(rs, 9000));
	KUNIT_EXPECT_EQ(test, (unsigned int)rs->n, KTCP_RANGES_MAX);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_add(rs, 10, 20, 1000, NULL), 1);
}

static void sack_ranges_remove(struct kunit *test)
{
	static const struct st_range below[] = { { 250, 300 }, { 500, 600 } };
	static const struct st_range from[] = { { 250, 300 }, { 500, 550 } };
	struct ktcp_ranges *rs = st_ranges(test);

	ktcp_ranges_add(rs, 100, 200, 0, NULL);
	ktcp_ranges_add(rs, 220, 300, 0, NULL);
	ktcp_ranges_add(rs, 500, 600, 0, NULL);
	ktcp_ranges_remove_below(rs, 200);	/* an end: [100,200) goes */
	ktcp_ranges_remove_below(rs, 250);	/* trims the next */
	st_expect_ranges(test, rs, below, ST_N(below));
	ktcp_ranges_remove_below(rs, 250);	/* idempotent */
	st_expect_ranges(test, rs, below, ST_N(below));
	ktcp_ranges_remove_from(rs, 550);
	st_expect_ranges(test, rs, from, ST_N(from));
	ktcp_ranges_remove_from(rs, 500);	/* a start: it all goes */
	st_expect_ranges(test, rs, below, 1);
	ktcp_ranges_remove_below(rs, 0x7fffffff);
	KUNIT_EXPECT_EQ(test, (unsigned int)rs->n, 0U);
	ktcp_ranges_remove_from(rs, 0);		/* empty: no-op */
	KUNIT_EXPECT_EQ(test, (unsigned int)rs->n, 0U);
}

static void sack_ranges_queries(struct kunit *test)
{
	struct ktcp_ranges *rs = st_ranges(test);
	const struct ktcp_sack_block *b;

	ktcp_ranges_add(rs, 100, 200, 0, NULL);
	ktcp_ranges_add(rs, 300, 400, 0, NULL);
	b = ktcp_ranges_find(rs, 100);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, b->end, 200U);
	KUNIT_EXPECT_NOT_NULL(test, ktcp_ranges_find(rs, 199));
	KUNIT_EXPECT_NULL(test, ktcp_ranges_find(rs, 200));
	KUNIT_EXPECT_NULL(test, ktcp_ranges_find(rs, 99));
	KUNIT_EXPECT_TRUE(test, ktcp_ranges_contains(rs, 100, 200));
	KUNIT_EXPECT_TRUE(test, ktcp_ranges_contains(rs, 150, 160));
	KUNIT_EXPECT_FALSE(test, ktcp_ranges_contains(rs, 150, 201));
	KUNIT_EXPECT_FALSE(test, ktcp_ranges_contains(rs, 150, 350));
	KUNIT_EXPECT_EQ(test, ktcp_ranges_covered(rs, 0, 1000), 200U);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_covered(rs, 150, 350), 100U);
	KUNIT_EXPECT_EQ(test, ktcp_ranges_covered(rs, 200, 300), 0U);
}

/*
 * Random adds and removals in a 1024-octet space across 2^32, against a
 * bitmap; small ranges fill the set, so drops happen and are checked too.
 */
#define ST_SPACE	1024
#define ST_BASE		0xfffffe00U

struct st_model {
	struct ktcp_ranges rs;
	DECLARE_BITMAP(bits, ST_SPACE);
	u32 lo;			/* removed below: offset */
	u64 rng;
};

static u32 st_rand(struct st_model *m, u32 n)
{
	m->rng = m->rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (m->rng >> 33) % n;
}

static void st_model_check(struct kunit *test, struct st_model *m)
{
	DECLARE_BITMAP(got, ST_SPACE);
	unsigned int i;

	bitmap_zero(got, ST_SPACE);
	KUNIT_ASSERT_LE(test, (unsigned int)m->rs.n, KTCP_RANGES_MAX);
	for (i = 0; i < m->rs.n; i++) {
		u32 s = m->rs.r[i].start - ST_BASE;
		u32 e = m->rs.r[i].end - ST_BASE;

		KUNIT_ASSERT_LT(test, s, e);
		KUNIT_ASSERT_LE(test, e, (u32)ST_SPACE);
		/* Sorted, disjoint, not even touching. */
		if (i)
			KUNIT_ASSERT_GT(test, s, m->rs.r[i - 1].end - ST_BASE);
		bitmap_set(got, s, e - s);
	}
	KUNIT_ASSERT_TRUE(test, bitmap_equal(got, m->bits, ST_SPACE));
}

static void st_model_add(struct kunit *test, struct st_model *m)
{
	u32 s = m->lo + st_rand(m, ST_SPACE - m->lo);
	u32 len = 1 + st_rand(m, 8);
	struct ktcp_sack_block gone;
	int ret;

	len = min(len, (u32)ST_SPACE - s);
	ret = ktcp_ranges_add(&m->rs, ST_BASE + s, ST_BASE + s + len,
			      ST_BASE + st_rand(m, ST_SPACE), &gone);
	KUNIT_ASSERT_GE(test, ret, 0);
	bitmap_set(m->bits, s, len);
	if (ret)
		bitmap_clear(m->bits, gone.start - ST_BASE,
			     gone.end - gone.start);
}

static void sack_ranges_vs_model(struct kunit *test)
{
	struct st_model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned int i, op;
	u32 cut;

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->rng = 2018;
	for (i = 0; i < 20000; i++) {
		op = st_rand(m, 100);
		if (m->lo >= ST_SPACE - 64) {
			/* Start over, every few thousand steps. */
			ktcp_ranges_init(&m->rs);
			bitmap_zero(m->bits, ST_SPACE);
			m->lo = 0;
		} else if (op < 90) {
			st_model_add(test, m);
		} else if (op < 97) {
			m->lo += st_rand(m, 16);
			ktcp_ranges_remove_below(&m->rs, ST_BASE + m->lo);
			bitmap_clear(m->bits, 0, m->lo);
		} else {
			cut = m->lo + st_rand(m, ST_SPACE - m->lo);
			ktcp_ranges_remove_from(&m->rs, ST_BASE + cut);
			bitmap_clear(m->bits, cut, ST_SPACE - cut);
		}
		st_model_check(test, m);
	}
}

/* The receiver. */

static struct ktcp_sack_rx *st_rx(struct kunit *test)
{
	struct ktcp_sack_rx *rx = kunit_kzalloc(test, sizeof(*rx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rx);
	ktcp_sack_rx_init(rx);
	return rx;
}

static void st_expect_build(struct kunit *test, struct ktcp_sack_rx *rx,
			    unsigned int max, const struct st_range *want,
			    unsigned int n)
{
	struct ktcp_sack_block out[KTCP_MAX_SACK_BLOCKS + 1];

	memset(out, 0xa5, sizeof(out));
	st_expect_blocks(test, out, ktcp_sack_rx_build(rx, out, max), want, n);
	/* Never more than four, whatever the caller asks for. */
	KUNIT_EXPECT_EQ(test, out[KTCP_MAX_SACK_BLOCKS].start, 0xa5a5a5a5U);
}

/*
 * RFC 2018 section 5, case 3: eight 500-octet segments from 5000; the 2nd,
 * 4th, 6th and 8th are lost. The ACKs the RFC lists, in order.
 */
static void sack_rx_rfc2018_case3(struct kunit *test)
{
	static const struct st_range a6000[] = { { 6000, 6500 } };
	static const struct st_range a7000[] = {
		{ 7000, 7500 }, { 6000, 6500 },
	};
	static const struct st_range a8000[] = {
		{ 8000, 8500 }, { 7000, 7500 }, { 6000, 6500 },
	};
	static const struct st_range a6500[] = {
		{ 6000, 7500 }, { 8000, 8500 },
	};
	static const struct st_range a5500[] = { { 8000, 8500 } };
	struct ktcp_sack_rx *rx = st_rx(test);

	ktcp_sack_rx_advance(rx, 5500);		/* 5000 came in order */
	st_expect_build(test, rx, 4, NULL, 0);
	ktcp_sack_rx_add(rx, 6000, 6500);
	st_expect_build(test, rx, 4, a6000, ST_N(a6000));
	ktcp_sack_rx_add(rx, 7000, 7500);
	st_expect_build(test, rx, 4, a7000, ST_N(a7000));
	ktcp_sack_rx_add(rx, 8000, 8500);
	st_expect_build(test, rx, 4, a8000, ST_N(a8000));
	/* The 4th arrives: its block, now 6000-7500, goes first. */
	ktcp_sack_rx_add(rx, 6500, 7000);
	st_expect_build(test, rx, 4, a6500, ST_N(a6500));
	/* The 2nd arrives: RCV.NXT jumps to 7500. */
	ktcp_sack_rx_advance(rx, 7500);
	st_expect_build(test, rx, 4, a5500, ST_N(a5500));
	ktcp_sack_rx_advance(rx, 8500);
	st_expect_build(test, rx, 4, NULL, 0);
}

/* Recency order, the limit the caller passes, and filling from the set. */
static void sack_rx_recency(struct kunit *test)
{
	static const struct st_range four[] = {
		{ 6000, 6100 }, { 5000, 5100 }, { 4000, 4100 }, { 3000, 3100 },
	};
	static const struct st_range moved[] = {
		{ 3000, 3200 }, { 6000, 6100 }, { 5000, 5100 },
	};
	static const struct st_range after[] = {
		{ 6000, 6100 }, { 5000, 5100 }, { 4000, 4100 },
	};
	static const struct st_range fill[] = {
		{ 4000, 4100 }, { 5000, 5100 }, { 6000, 6100 }, { 7000, 7100 },
	};
	struct ktcp_sack_rx *rx = st_rx(test);
	u32 s;

	ktcp_sack_rx_advance(rx, 1000);
	for (s = 2000; s <= 6000; s += 1000)
		ktcp_sack_rx_add(rx, s, s + 100);
	st_expect_build(test, rx, 4, four, ST_N(four));
	st_expect_build(test, rx, 3, four, 3);		/* timestamps on */
	st_expect_build(test, rx, 9, four, ST_N(four));
	st_expect_build(test, rx, 0, NULL, 0);
	/* Extending an old block makes it the newest. */
	ktcp_sack_rx_add(rx, 3100, 3200);
	st_expect_build(test, rx, 3, moved, ST_N(moved));
	/* RCV.NXT passes the 2000 and 3000 blocks. */
	ktcp_sack_rx_advance(rx, 4000);
	st_expect_build(test, rx, 4, after, ST_N(after));
	st_expect_build(test, rx, 4, after, ST_N(after));
	/* Two recent blocks left: the others fill in, lowest first. */
	ktcp_sack_rx_init(rx);
	for (s = 7000; s >= 2000; s -= 1000)
		ktcp_sack_rx_add(rx, s, s + 100);
	ktcp_sack_rx_advance(rx, 3500);
	st_expect_build(test, rx, 4, fill, ST_N(fill));
}

/* RFC 2883 section 4.1.1: a duplicate below the cumulative ACK. */
static void sack_rx_dsack_below(struct kunit *test)
{
	static const struct st_range d[] = { { 3000, 3500 } };
	static const struct st_range dd[] = { { 3000, 3500 }, { 5000, 5500 } };
	static const struct st_range later[] = { { 3500, 4000 } };
	struct ktcp_sack_rx *rx = st_rx(test);

	ktcp_sack_rx_advance(rx, 4000);
	ktcp_sack_rx_dsack(rx, 3000, 3500);
	st_expect_build(test, rx, 0, NULL, 0);		/* not consumed */
	st_expect_build(test, rx, 4, d, ST_N(d));
	st_expect_build(test, rx, 4, NULL, 0);		/* once */
	/* With a hole above: D-SACK first, then the SACK block. */
	ktcp_sack_rx_add(rx, 5000, 5500);
	ktcp_sack_rx_dsack(rx, 3000, 3500);
	st_expect_build(test, rx, 3, dd, ST_N(dd));
	st_expect_build(test, rx, 3, dd + 1, 1);
	/* Two duplicates before an ACK goes out: the latest is reported. */
	ktcp_sack_rx_dsack(rx, 3000, 3500);
	ktcp_sack_rx_dsack(rx, 3500, 4000);
	ktcp_sack_rx_dsack(rx, 4000, 4000);		/* empty: ignored */
	st_expect_build(test, rx, 1, later, ST_N(later));
}

/*
 * RFC 2883 section 4.1.3-style: a duplicate of data held above the
 * cumulative ACK. The D-SACK block, then the block that holds it, then the
 * rest, with no repeat of the enclosing block.
 */
static void sack_rx_dsack_above(struct kunit *test)
{
	static const struct st_range want[] = {
		{ 1000, 1500 }, { 1000, 2000 }, { 3000, 3500 },
	};
	static const struct st_range split[] = {
		{ 3000, 3200 }, { 3000, 3500 }, { 1000, 2000 },
	};
	struct ktcp_sack_rx *rx = st_rx(test);

	ktcp_sack_rx_advance(rx, 500);
	ktcp_sack_rx_add(rx, 1000, 1500);
	ktcp_sack_rx_add(rx, 3000, 3500);
	ktcp_sack_rx_add(rx, 1500, 2000);
	ktcp_sack_rx_dsack(rx, 1000, 1500);
	st_expect_build(test, rx, 4, want, ST_N(want));
	/* The enclosing block goes second, before more recent ones. */
	ktcp_sack_rx_dsack(rx, 3000, 3200);
	st_expect_build(test, rx, 3, split, ST_N(split));
}

/* A full set: the newest segment's block still comes first. */
static void sack_rx_full_and_cut(struct kunit *test)
{
	struct ktcp_sack_block out[KTCP_MAX_SACK_BLOCKS];
	struct ktcp_sack_rx *rx = st_rx(test);
	unsigned int i, n;

	ktcp_sack_rx_advance(rx, 0);
	for (i = 0; i < 2 * KTCP_RANGES_MAX; i++) {
		u32 s = 100 + 100 * ((i * 7) % (2 * KTCP_RANGES_MAX));

		KUNIT_EXPECT_GE(test, ktcp_sack_rx_add(rx, s, s + 10), 0);
		n = ktcp_sack_rx_build(rx, out, 4);
		KUNIT_ASSERT_GE(test, n, 1U);
		KUNIT_EXPECT_EQ(test, out[0].start, s);
		KUNIT_EXPECT_EQ(test, out[0].end, s + 10);
	}
	KUNIT_EXPECT_EQ(test, (unsigned int)rx->held.n, KTCP_RANGES_MAX);
	/* The OFO queue pruned all from 3000 up: nothing there is SACKed. */
	ktcp_sack_rx_cut(rx, 3000);
	n = ktcp_sack_rx_build(rx, out, 4);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_LE(test, out[i].end, 3000U);
	for (i = 0; i < rx->held.n; i++)
		KUNIT_EXPECT_LE(test, rx->held.r[i].end, 3000U);
}

static struct kunit_case ktcp_sack_cases[] = {
	KUNIT_CASE(sack_ranges_sorted),
	KUNIT_CASE(sack_ranges_merge),
	KUNIT_CASE(sack_ranges_bridge_many),
	KUNIT_CASE(sack_ranges_wrap),
	KUNIT_CASE(sack_ranges_invalid),
	KUNIT_CASE(sack_ranges_full),
	KUNIT_CASE(sack_ranges_remove),
	KUNIT_CASE(sack_ranges_queries),
	KUNIT_CASE(sack_ranges_vs_model),
	KUNIT_CASE(sack_rx_rfc2018_case3),
	KUNIT_CASE(sack_rx_recency),
	KUNIT_CASE(sack_rx_dsack_below),
	KUNIT_CASE(sack_rx_dsack_above),
	KUNIT_CASE(sack_rx_full_and_cut),
	{}
};

static struct kunit_suite ktcp_sack_suite = {
	.name = "ktcp_sack",
	.test_cases = ktcp_sack_cases,
};

kunit_test_suite(ktcp_sack_suite);
