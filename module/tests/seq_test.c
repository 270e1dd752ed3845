// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for sequence-number arithmetic (seq.h): comparisons modulo
 * 2^32 (RFC 9293 section 3.4, RFC 1982), above all across the wraparound.
 */
#include <kunit/test.h>

#include "../seq.h"

/* Pairs (a, b) where a comes strictly before b, many across the wrap. */
static const struct {
	u32 a, b;
} seq_ordered[] = {
	{ 0, 1 },
	{ 0xfffffffe, 0xffffffff },
	{ 0xffffffff, 0 },
	{ 0xffffffff, 1 },
	{ 0xfffffff0, 0x10 },
	{ 0xffff0000, 0x0000ffff },
	{ 0x80000000, 0xffffffff },
	{ 0x7fffffff, 0xfffffffe },	/* 2^31 - 1 apart */
	{ 0x00000001, 0x80000000 },	/* 2^31 - 1 apart */
	{ 0x12345678, 0x92345677 },	/* 2^31 - 1 apart */
};

static void seq_before_after_wrap(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seq_ordered); i++) {
		u32 a = seq_ordered[i].a, b = seq_ordered[i].b;

		KUNIT_EXPECT_TRUE_MSG(test, ktcp_seq_before(a, b), "%#x %#x", a, b);
		KUNIT_EXPECT_FALSE_MSG(test, ktcp_seq_before(b, a), "%#x %#x", a, b);
		KUNIT_EXPECT_TRUE_MSG(test, ktcp_seq_after(b, a), "%#x %#x", a, b);
		KUNIT_EXPECT_FALSE_MSG(test, ktcp_seq_after(a, b), "%#x %#x", a, b);
		KUNIT_EXPECT_TRUE(test, ktcp_seq_before_eq(a, b));
		KUNIT_EXPECT_FALSE(test, ktcp_seq_before_eq(b, a));
		KUNIT_EXPECT_TRUE(test, ktcp_seq_after_eq(b, a));
		KUNIT_EXPECT_FALSE(test, ktcp_seq_after_eq(a, b));
	}
}

static void seq_equal(struct kunit *test)
{
	static const u32 vals[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		u32 v = vals[i];

		KUNIT_EXPECT_FALSE(test, ktcp_seq_before(v, v));
		KUNIT_EXPECT_FALSE(test, ktcp_seq_after(v, v));
		KUNIT_EXPECT_TRUE(test, ktcp_seq_before_eq(v, v));
		KUNIT_EXPECT_TRUE(test, ktcp_seq_after_eq(v, v));
		KUNIT_EXPECT_TRUE(test, ktcp_seq_between(v, v, v));
		KUNIT_EXPECT_EQ(test, ktcp_seq_max(v, v), v);
		KUNIT_EXPECT_EQ(test, ktcp_seq_min(v, v), v);
	}
}

/*
 * Exactly 2^31 apart the order is undefined (RFC 1982 section 3.2); the
 * (s32) cast, like Linux's before(), then says each is before the other.
 * Callers keep windows below 2^31 so they never ask.
 */
static void seq_half_space(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ktcp_seq_before(0, 0x80000000));
	KUNIT_EXPECT_TRUE(test, ktcp_seq_before(0x80000000, 0));
	KUNIT_EXPECT_TRUE(test, ktcp_seq_before(0xffffffff, 0x7fffffff));
	KUNIT_EXPECT_TRUE(test, ktcp_seq_before(0x7fffffff, 0xffffffff));
	/* One less than half: a clear order. */
	KUNIT_EXPECT_TRUE(test, ktcp_seq_after(0x7fffffff, 0));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_before(0x7fffffff, 0));
	/* One more than half: the other way round. */
	KUNIT_EXPECT_TRUE(test, ktcp_seq_before(0x80000001, 0));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_after(0x80000001, 0));
}

static void seq_between_wrap(struct kunit *test)
{
	/* Window [0xfffffff0, 0x10] straddles the wrap; both ends included. */
	KUNIT_EXPECT_TRUE(test, ktcp_seq_between(0xfffffff0, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, ktcp_seq_between(0xffffffff, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, ktcp_seq_between(0, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, ktcp_seq_between(0x10, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_between(0x11, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_between(0xffffffef, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_between(0x80000000, 0xfffffff0, 0x10));
	/* A window that does not wrap. */
	KUNIT_EXPECT_TRUE(test, ktcp_seq_between(500, 100, 1000));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_between(99, 100, 1000));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_between(1001, 100, 1000));
	/* A one-value window holds only that value. */
	KUNIT_EXPECT_TRUE(test, ktcp_seq_between(0xffffffff, 0xffffffff,
						 0xffffffff));
	KUNIT_EXPECT_FALSE(test, ktcp_seq_between(0, 0xffffffff, 0xffffffff));
}

static void seq_min_max_wrap(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_seq_max(0xffffffff, 1), 1U);
	KUNIT_EXPECT_EQ(test, ktcp_seq_max(1, 0xffffffff), 1U);
	KUNIT_EXPECT_EQ(test, ktcp_seq_min(0xffffffff, 1), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, ktcp_seq_min(1, 0xffffffff), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, ktcp_seq_max(0xfffffff0, 0), 0U);
	KUNIT_EXPECT_EQ(test, ktcp_seq_min(0xfffffff0, 0), 0xfffffff0U);
	KUNIT_EXPECT_EQ(test, ktcp_seq_max(100, 200), 200U);
	KUNIT_EXPECT_EQ(test, ktcp_seq_min(100, 200), 100U);
}

/* Advancing by any amount below 2^31 keeps the order, wherever we start. */
static void seq_advance_any_start(struct kunit *test)
{
	static const u32 steps[] = { 1, 1000, 0x10000, 0x7fffffff };
	u32 start = 0xffffff00;
	unsigned int i, j;

	for (i = 0; i < 512; i++, start += 1) {
		for (j = 0; j < ARRAY_SIZE(steps); j++) {
			u32 end = start + steps[j];

			KUNIT_ASSERT_TRUE(test, ktcp_seq_before(start, end));
			KUNIT_ASSERT_TRUE(test, ktcp_seq_after(end, start));
			KUNIT_ASSERT_TRUE(test,
					  ktcp_seq_between(start + steps[j] / 2,
							   start, end));
		}
	}
}

static struct kunit_case ktcp_seq_cases[] = {
	KUNIT_CASE(seq_before_after_wrap),
	KUNIT_CASE(seq_equal),
	KUNIT_CASE(seq_half_space),
	KUNIT_CASE(seq_between_wrap),
	KUNIT_CASE(seq_min_max_wrap),
	KUNIT_CASE(seq_advance_any_start),
	{}
};

static struct kunit_suite ktcp_seq_suite = {
	.name = "ktcp_seq",
	.test_cases = ktcp_seq_cases,
};

kunit_test_suite(ktcp_seq_suite);
