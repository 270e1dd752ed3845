// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the connection state table (state.h) against RFC 9293
 * figure 5 and section 3.10, written out here independently of state.c.
 */
#include <kunit/test.h>

#include "../state.h"

#define ANY	-1	/* rule holds whatever fin_acked says */

struct st_rule {
	u8 from;
	u8 ev;
	s8 acked;	/* ANY, 0 or 1 */
	u8 to;
};

/* Every legal move but ABORT, which the sweep handles for all states. */
static const struct st_rule st_rules[] = {
	/* Figure 5, opening. */
	{ TCP_CLOSE, KTCP_EV_CONNECT, ANY, TCP_SYN_SENT },
	{ TCP_CLOSE, KTCP_EV_LISTEN, ANY, TCP_LISTEN },
	{ TCP_LISTEN, KTCP_EV_CLOSE, ANY, TCP_CLOSE },
	{ TCP_SYN_SENT, KTCP_EV_CLOSE, ANY, TCP_CLOSE },
	{ TCP_SYN_SENT, KTCP_EV_RCV_SYNACK, ANY, TCP_ESTABLISHED },
	{ TCP_SYN_SENT, KTCP_EV_RCV_SYN, ANY, TCP_SYN_RECV },
	{ TCP_SYN_RECV, KTCP_EV_RCV_ACK, ANY, TCP_ESTABLISHED },
	{ TCP_SYN_RECV, KTCP_EV_CLOSE, ANY, TCP_FIN_WAIT1 },
	{ TCP_SYN_RECV, KTCP_EV_RCV_FIN, ANY, TCP_CLOSE_WAIT },
	/* Figure 5, closing. */
	{ TCP_ESTABLISHED, KTCP_EV_CLOSE, ANY, TCP_FIN_WAIT1 },
	{ TCP_ESTABLISHED, KTCP_EV_RCV_FIN, ANY, TCP_CLOSE_WAIT },
	{ TCP_FIN_WAIT1, KTCP_EV_RCV_ACK, 1, TCP_FIN_WAIT2 },
	{ TCP_FIN_WAIT1, KTCP_EV_RCV_FIN, 0, TCP_CLOSING },
	{ TCP_FIN_WAIT1, KTCP_EV_RCV_FIN, 1, TCP_TIME_WAIT },
	{ TCP_FIN_WAIT2, KTCP_EV_RCV_FIN, ANY, TCP_TIME_WAIT },
	{ TCP_FIN_WAIT2, KTCP_EV_TIMEOUT, ANY, TCP_CLOSE },
	{ TCP_CLOSE_WAIT, KTCP_EV_CLOSE, ANY, TCP_LAST_ACK },
	{ TCP_CLOSING, KTCP_EV_RCV_ACK, 1, TCP_TIME_WAIT },
	{ TCP_LAST_ACK, KTCP_EV_RCV_ACK, 1, TCP_CLOSE },
	{ TCP_TIME_WAIT, KTCP_EV_TIMEOUT, ANY, TCP_CLOSE },
	/* ACKs that are legal but do not move. */
	{ TCP_FIN_WAIT1, KTCP_EV_RCV_ACK, 0, TCP_FIN_WAIT1 },
	{ TCP_CLOSING, KTCP_EV_RCV_ACK, 0, TCP_CLOSING },
	{ TCP_LAST_ACK, KTCP_EV_RCV_ACK, 0, TCP_LAST_ACK },
	{ TCP_ESTABLISHED, KTCP_EV_RCV_ACK, ANY, TCP_ESTABLISHED },
	{ TCP_FIN_WAIT2, KTCP_EV_RCV_ACK, ANY, TCP_FIN_WAIT2 },
	{ TCP_CLOSE_WAIT, KTCP_EV_RCV_ACK, ANY, TCP_CLOSE_WAIT },
	{ TCP_TIME_WAIT, KTCP_EV_RCV_ACK, ANY, TCP_TIME_WAIT },
};

/* The RFC's eleven states. */
static bool st_is_rfc_state(unsigned int s)
{
	return s >= TCP_ESTABLISHED && s <= TCP_CLOSING;
}

static u8 st_expected(unsigned int s, unsigned int ev, bool acked)
{
	unsigned int i;

	if (ev == KTCP_EV_ABORT)
		return st_is_rfc_state(s) && s != TCP_CLOSE ?
			TCP_CLOSE : KTCP_STATE_INVALID;
	for (i = 0; i < ARRAY_SIZE(st_rules); i++) {
		const struct st_rule *r = &st_rules[i];

		if (r->from == s && r->ev == ev &&
		    (r->acked == ANY || r->acked == acked))
			return r->to;
	}
	return KTCP_STATE_INVALID;
}

static void state_each_rule(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(st_rules); i++) {
		const struct st_rule *r = &st_rules[i];

		if (r->acked != 1)
			KUNIT_EXPECT_EQ_MSG(test,
					    ktcp_state_next(r->from, r->ev, false),
					    r->to, "rule %u", i);
		if (r->acked != 0)
			KUNIT_EXPECT_EQ_MSG(test,
					    ktcp_state_next(r->from, r->ev, true),
					    r->to, "rule %u", i);
	}
}

static void state_abort(struct kunit *test)
{
	unsigned int s;

	for (s = TCP_ESTABLISHED; s <= TCP_CLOSING; s++) {
		u8 want = s == TCP_CLOSE ? KTCP_STATE_INVALID : TCP_CLOSE;

		KUNIT_EXPECT_EQ(test, ktcp_state_next(s, KTCP_EV_ABORT, false),
				want);
		KUNIT_EXPECT_EQ(test, ktcp_state_next(s, KTCP_EV_ABORT, true),
				want);
	}
}

/* Every event (and a few past the end) from @s; returns the moves found. */
static unsigned int st_sweep_state(struct kunit *test, unsigned int s)
{
	unsigned int ev, moves = 0;
	u8 got;

	for (ev = 0; ev <= KTCP_EV_MAX + 2; ev++) {
		got = ktcp_state_next(s, ev, false);
		KUNIT_EXPECT_EQ_MSG(test, got, st_expected(s, ev, false),
				    "state %u event %u", s, ev);
		moves += got != KTCP_STATE_INVALID;
		got = ktcp_state_next(s, ev, true);
		KUNIT_EXPECT_EQ_MSG(test, got, st_expected(s, ev, true),
				    "state %u event %u fin_acked", s, ev);
		moves += got != KTCP_STATE_INVALID;
	}
	return moves;
}

/* Every (state, event, fin_acked), in range or not: the table or INVALID. */
static void state_sweep(struct kunit *test)
{
	unsigned int s, moves = 0;

	for (s = 0; s <= U8_MAX; s++)
		moves += st_sweep_state(test, s);
	/*
	 * And it found every move: 19 rules hold either way (38 cells), 8
	 * depend on fin_acked (8 cells), ABORT works from 10 states (20).
	 */
	KUNIT_EXPECT_EQ(test, moves, 66U);
}

static void state_out_of_range(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ktcp_state_next(0, KTCP_EV_CONNECT, false),
			KTCP_STATE_INVALID);
	KUNIT_EXPECT_EQ(test, ktcp_state_next(TCP_MAX_STATES, KTCP_EV_ABORT,
					      false), KTCP_STATE_INVALID);
	KUNIT_EXPECT_EQ(test, ktcp_state_next(255, KTCP_EV_ABORT, true),
			KTCP_STATE_INVALID);
	KUNIT_EXPECT_EQ(test, ktcp_state_next(TCP_NEW_SYN_RECV, KTCP_EV_ABORT,
					      false), KTCP_STATE_INVALID);
	KUNIT_EXPECT_EQ(test, ktcp_state_next(TCP_ESTABLISHED, KTCP_EV_MAX,
					      false), KTCP_STATE_INVALID);
	KUNIT_EXPECT_EQ(test, ktcp_state_next(TCP_ESTABLISHED,
					      (enum ktcp_event)-1, false),
			KTCP_STATE_INVALID);
	KUNIT_EXPECT_EQ(test, ktcp_state_next(TCP_ESTABLISHED,
					      (enum ktcp_event)100000, true),
			KTCP_STATE_INVALID);
}

/* Walk @n events from @s (fin_acked per step), expecting each state. */
static void st_walk(struct kunit *test, u8 s, const u8 (*steps)[3],
		    unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		s = ktcp_state_next(s, steps[i][0], steps[i][1]);
		KUNIT_EXPECT_EQ_MSG(test, s, steps[i][2], "step %u", i);
	}
}

/* The paths through figure 5 that a real connection takes. */
static void state_paths(struct kunit *test)
{
	static const u8 active[][3] = {
		{ KTCP_EV_CONNECT, 0, TCP_SYN_SENT },
		{ KTCP_EV_RCV_SYNACK, 0, TCP_ESTABLISHED },
		{ KTCP_EV_RCV_ACK, 0, TCP_ESTABLISHED },
		{ KTCP_EV_CLOSE, 0, TCP_FIN_WAIT1 },
		{ KTCP_EV_RCV_ACK, 0, TCP_FIN_WAIT1 },
		{ KTCP_EV_RCV_ACK, 1, TCP_FIN_WAIT2 },
		{ KTCP_EV_RCV_FIN, 0, TCP_TIME_WAIT },
		{ KTCP_EV_TIMEOUT, 0, TCP_CLOSE },
	};
	static const u8 passive[][3] = {
		{ KTCP_EV_RCV_ACK, 0, TCP_ESTABLISHED },
		{ KTCP_EV_RCV_FIN, 0, TCP_CLOSE_WAIT },
		{ KTCP_EV_CLOSE, 0, TCP_LAST_ACK },
		{ KTCP_EV_RCV_ACK, 0, TCP_LAST_ACK },
		{ KTCP_EV_RCV_ACK, 1, TCP_CLOSE },
	};
	static const u8 simultaneous[][3] = {
		{ KTCP_EV_CONNECT, 0, TCP_SYN_SENT },
		{ KTCP_EV_RCV_SYN, 0, TCP_SYN_RECV },
		{ KTCP_EV_RCV_ACK, 0, TCP_ESTABLISHED },
		{ KTCP_EV_CLOSE, 0, TCP_FIN_WAIT1 },
		{ KTCP_EV_RCV_FIN, 0, TCP_CLOSING },
		{ KTCP_EV_RCV_ACK, 0, TCP_CLOSING },
		{ KTCP_EV_RCV_ACK, 1, TCP_TIME_WAIT },
		{ KTCP_EV_TIMEOUT, 1, TCP_CLOSE },
	};
	/* A listener never moves on a SYN: the new child is SYN_RECV. */
	static const u8 listen[][3] = {
		{ KTCP_EV_LISTEN, 0, TCP_LISTEN },
		{ KTCP_EV_RCV_SYN, 0, KTCP_STATE_INVALID },
	};

	st_walk(test, TCP_CLOSE, active, ARRAY_SIZE(active));
	st_walk(test, TCP_SYN_RECV, passive, ARRAY_SIZE(passive));
	st_walk(test, TCP_CLOSE, simultaneous, ARRAY_SIZE(simultaneous));
	st_walk(test, TCP_CLOSE, listen, ARRAY_SIZE(listen));
	/* A FIN that also acks ours skips CLOSING. */
	KUNIT_EXPECT_EQ(test, ktcp_state_next(TCP_FIN_WAIT1, KTCP_EV_RCV_FIN,
					      true), TCP_TIME_WAIT);
}

static void state_names(struct kunit *test)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_SYN_SENT] = "SYN_SENT",
		[TCP_SYN_RECV] = "SYN_RECV", [TCP_FIN_WAIT1] = "FIN_WAIT1",
		[TCP_FIN_WAIT2] = "FIN_WAIT2", [TCP_TIME_WAIT] = "TIME_WAIT",
		[TCP_CLOSE] = "CLOSE", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_LAST_ACK] = "LAST_ACK", [TCP_LISTEN] = "LISTEN",
		[TCP_CLOSING] = "CLOSING", [TCP_NEW_SYN_RECV] = "NEW_SYN_RECV",
	};
	unsigned int s;

	for (s = TCP_ESTABLISHED; s < ARRAY_SIZE(names); s++)
		KUNIT_EXPECT_STREQ(test, ktcp_state_name(s), names[s]);
	KUNIT_EXPECT_STREQ(test, ktcp_state_name(0), "UNKNOWN");
	KUNIT_EXPECT_STREQ(test, ktcp_state_name(TCP_BOUND_INACTIVE),
			   "UNKNOWN");
	KUNIT_EXPECT_STREQ(test, ktcp_state_name(TCP_MAX_STATES), "UNKNOWN");
	KUNIT_EXPECT_STREQ(test, ktcp_state_name(KTCP_STATE_INVALID),
			   "UNKNOWN");
}

static struct kunit_case ktcp_state_cases[] = {
	KUNIT_CASE(state_each_rule),
	KUNIT_CASE(state_abort),
	KUNIT_CASE(state_sweep),
	KUNIT_CASE(state_out_of_range),
	KUNIT_CASE(state_paths),
	KUNIT_CASE(state_names),
	{}
};

static struct kunit_suite ktcp_state_suite = {
	.name = "ktcp_state",
	.test_cases = ktcp_state_cases,
};

kunit_test_suite(ktcp_state_suite);
