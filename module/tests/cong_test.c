// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for congestion control (cong.h): the generic window
 * arithmetic, NewReno, CUBIC and the registry.
 *
 * Windows are in segments. Flows are simulated by ct_round(): one round
 * trip delivers one ACK per segment of the window, spread evenly over the
 * RTT on a virtual microsecond clock. Reno and the generic layer are exact
 * integer arithmetic (tolerance 0). CUBIC values are worked out by hand
 * from RFC 9438 with C = 0.4, beta = 0.7; the tolerances stated at each
 * check cover Linux's fixed point (C = 410/1024, beta = 717/1024, a cube
 * root good to 0.2%, truncation to whole segments) and ACK clocking.
 */
#include <kunit/test.h>

#include "../cong.h"

#define MS	1000U		/* us */
#define SEC	1000000U	/* us */

/* One RTT of ACKs, one segment each; returns the clock after it. */
static u64 ct_round(struct ktcp_cc *cc, u64 now, u32 rtt_us)
{
	u32 n = cc->cwnd, i;

	for (i = 0; i < n; i++) {
		now += rtt_us / n;
		ktcp_cc_on_ack(cc, 1, rtt_us, now, true);
	}
	return now;
}

static void ct_expect_near(struct kunit *test, u32 got, u32 want, u32 tol,
			   const char *what)
{
	KUNIT_EXPECT_LE_MSG(test, got, want + tol, "%s: %u, want %u +- %u",
			    what, got, want, tol);
	KUNIT_EXPECT_GE_MSG(test, got + tol, want, "%s: %u, want %u +- %u",
			    what, got, want, tol);
}

static void cc_registry(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, ktcp_cc_find("cubic"), &ktcp_cc_cubic);
	KUNIT_EXPECT_PTR_EQ(test, ktcp_cc_find("reno"), &ktcp_cc_reno);
	KUNIT_EXPECT_STREQ(test, ktcp_cc_cubic.name, "cubic");
	KUNIT_EXPECT_STREQ(test, ktcp_cc_reno.name, "reno");
	KUNIT_EXPECT_PTR_EQ(test, ktcp_cc_default(), &ktcp_cc_cubic);
	KUNIT_EXPECT_PTR_EQ(test, ktcp_cc_find(KTCP_CC_DEFAULT),
			    &ktcp_cc_cubic);
	/* Linux's names are exact and case-sensitive. */
	KUNIT_EXPECT_NULL(test, ktcp_cc_find("bbr"));
	KUNIT_EXPECT_NULL(test, ktcp_cc_find("Cubic"));
	KUNIT_EXPECT_NULL(test, ktcp_cc_find("cubic "));
	KUNIT_EXPECT_NULL(test, ktcp_cc_find("cub"));
	KUNIT_EXPECT_NULL(test, ktcp_cc_find(""));
	KUNIT_EXPECT_NULL(test, ktcp_cc_find(NULL));
	KUNIT_EXPECT_LT(test, strlen(ktcp_cc_cubic.name),
			(size_t)KTCP_CC_NAME_MAX);
}

/* RFC 6928 IW = 10, RFC 5681 3.1 ssthresh "arbitrarily high". */
static void cc_init(struct kunit *test)
{
	struct ktcp_cc cc;

	memset(&cc, 0xa5, sizeof(cc));
	ktcp_cc_init(&cc, &ktcp_cc_reno);
	KUNIT_EXPECT_PTR_EQ(test, cc.ops, &ktcp_cc_reno);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 0x7fffffffU);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));

	memset(&cc, 0xa5, sizeof(cc));
	ktcp_cc_init(&cc, NULL);
	KUNIT_EXPECT_PTR_EQ(test, cc.ops, &ktcp_cc_cubic);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
	KUNIT_EXPECT_FALSE(test, ktcp_cubic_priv(&cc)->in_epoch);
	KUNIT_EXPECT_EQ(test, ktcp_cubic_priv(&cc)->w_max, 0U);

	/* TCP_CONGESTION mid-flow keeps the windows, restarts the state. */
	cc.cwnd = 33;
	cc.ssthresh = 20;
	ktcp_cc_set_ops(&cc, &ktcp_cc_reno);
	ktcp_cc_set_ops(&cc, &ktcp_cc_cubic);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 33U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	KUNIT_EXPECT_EQ(test, ktcp_cubic_priv(&cc)->w_max, 0U);
}

/* RFC 5681 3.1: slow start doubles cwnd every RTT, whatever the ACK size. */
static void reno_slow_start(struct kunit *test)
{
	struct ktcp_cc cc;
	u64 now = 0;
	u32 want = 10, i;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	for (i = 0; i < 6; i++) {
		now = ct_round(&cc, now, 50 * MS);
		want *= 2;
		KUNIT_EXPECT_EQ(test, cc.cwnd, want);		/* 20 ... 640 */
	}

	/* Delayed ACKs, 2 segments each: still x2 per RTT. */
	ktcp_cc_init(&cc, &ktcp_cc_reno);
	for (i = 0; i < 5; i++)
		ktcp_cc_on_ack(&cc, 2, 0, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);

	/* Not cwnd-limited (RFC 7661): no growth at all. */
	ktcp_cc_on_ack(&cc, 20, 0, 0, false);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);
}

/* Slow start stops exactly at ssthresh; the rest counts towards CA. */
static void reno_ss_to_ca(struct kunit *test)
{
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 20;
	cc.ssthresh = 30;
	ct_round(&cc, 0, 100 * MS);		/* 20 ACKs: 10 in SS, 10 in CA */
	KUNIT_EXPECT_EQ(test, cc.cwnd, 30U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 10U);
	KUNIT_EXPECT_FALSE(test, ktcp_cc_in_slow_start(&cc));
	ct_round(&cc, 0, 100 * MS);		/* 30 more: 40 >= 30: +1 */
	KUNIT_EXPECT_EQ(test, cc.cwnd, 31U);
	KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 10U);
}

/* RFC 5681 3.1: congestion avoidance adds one segment per RTT. */
static void reno_cong_avoid(struct kunit *test)
{
	struct ktcp_cc cc;
	u64 now = 0;
	u32 i;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 50;
	cc.ssthresh = 50;
	for (i = 1; i <= 10; i++) {
		now = ct_round(&cc, now, 100 * MS);
		KUNIT_EXPECT_EQ(test, cc.cwnd, 50 + i);
		KUNIT_EXPECT_EQ(test, cc.cwnd_cnt, 0U);
	}
	/* A stretch ACK of a whole window is one RTT's worth: +1. */
	ktcp_cc_on_ack(&cc, 60, 0, now, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 61U);
	/* App-limited: nothing. */
	ktcp_cc_on_ack(&cc, 61, 0, now, false);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 61U);
}

/*
 * RFC 5681 3.2 / RFC 6582 3.2: ssthresh = FlightSize / 2 on entry; cwnd
 * is left to PRR (ktcp_cc_reduction()) and, at the end, set to ssthresh.
 */
static void reno_fast_recovery(struct kunit *test)
{
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 40;
	cc.ssthresh = 30;
	ktcp_cc_enter_recovery(&cc, 40, 7 * SEC);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);		/* PRR's, per ACK */
	KUNIT_EXPECT_EQ(test, cc.prior_cwnd, 40U);
	KUNIT_EXPECT_EQ(test, cc.prr_delivered, 0U);
	KUNIT_EXPECT_EQ(test, cc.prr_out, 0U);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, cc.event_us, 7ULL * SEC);
	/* ACKs during recovery do not grow cwnd. */
	ktcp_cc_on_ack(&cc, 5, 0, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);
	/* Entering again changes nothing: one reduction per episode. */
	ktcp_cc_enter_recovery(&cc, 10, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	KUNIT_EXPECT_EQ(test, cc.prior_cwnd, 40U);

	/* The end: cwnd = ssthresh, unless undone (tcp_end_cwnd_reduction). */
	ktcp_cc_end_reduction(&cc, false);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);
	ktcp_cc_end_reduction(&cc, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);
	ktcp_cc_open(&cc);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_OPEN);

	/* Floors: 2 segments. App-limited: half the flight, not cwnd. */
	ktcp_cc_enter_recovery(&cc, 3, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 2U);
	ktcp_cc_open(&cc);
	ktcp_cc_enter_recovery(&cc, 0, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 2U);
	ktcp_cc_open(&cc);
	cc.cwnd = 40;
	ktcp_cc_enter_recovery(&cc, 10, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 5U);
}

/*
 * RFC 6937's first example: cwnd 20, ssthresh 10, one segment lost, one
 * segment delivered per ACK. The proportional part sends one segment per
 * two ACKs, the fast retransmit on the first; once the pipe is down to
 * ssthresh the bound holds it there, and recovery ends with ssthresh in
 * flight. The pipe here is what the sender holds it to be: delivered
 * segments leave it, sent ones join it.
 */
static void prr_single_loss(struct kunit *test)
{
	static const u8 want[20] = {
		0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1,
	};
	struct ktcp_cc cc;
	u32 pipe = 19, sent = 0, n, i;	/* 20 out, 1 lost */

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 20;
	ktcp_cc_enter_recovery(&cc, 20, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 10U);
	for (i = 1; i <= 19; i++) {
		pipe--;				/* one more SACKed */
		ktcp_cc_reduction(&cc, pipe, 1, 0, false);
		n = cc.cwnd > pipe ? cc.cwnd - pipe : 0;
		KUNIT_EXPECT_EQ_MSG(test, n, (u32)want[i], "ACK %u", i);
		ktcp_cc_sent(&cc, n);
		pipe += n;
		sent += n;
	}
	KUNIT_EXPECT_EQ(test, sent, 10U);
	KUNIT_EXPECT_EQ(test, cc.prr_out, 10U);
	KUNIT_EXPECT_EQ(test, cc.prr_delivered, 19U);
	KUNIT_EXPECT_EQ(test, pipe, 10U);		/* ssthresh */
	/* Nothing delivered: no change at all. */
	ktcp_cc_reduction(&cc, pipe, 0, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
}

/*
 * Heavy loss: the pipe falls below ssthresh, and PRR's slow-start
 * reduction bound (RFC 6937 PRR-SSRB, Linux 6.12's form) lets out what
 * was delivered, one more if SND.UNA advanced with nothing newly lost,
 * never beyond ssthresh.
 */
static void prr_heavy_loss(struct kunit *test)
{
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 20;
	ktcp_cc_enter_recovery(&cc, 20, 0);		/* ssthresh 10 */
	/* 12 lost: pipe 4. A partial ACK of 1, nothing newly lost. */
	ktcp_cc_reduction(&cc, 4, 1, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 6U);		/* 4 + 1 + 1 */
	ktcp_cc_sent(&cc, 2);
	/* Newly lost on this ACK: conservation only, no extra segment. */
	ktcp_cc_reduction(&cc, 5, 1, 1, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 6U);		/* 5 + 1 */
	ktcp_cc_sent(&cc, 1);
	/* A SACK alone (SND.UNA stays): what was delivered. */
	ktcp_cc_reduction(&cc, 5, 2, 0, false);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 7U);
	ktcp_cc_sent(&cc, 2);
	/* prr_delivered - prr_out (7 - 5) below newly delivered (3). */
	ktcp_cc_reduction(&cc, 4, 3, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 8U);		/* 4 + 3 + 1 */
	ktcp_cc_sent(&cc, 4);
	/* Bounded by ssthresh - pipe. */
	ktcp_cc_reduction(&cc, 8, 6, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
	ktcp_cc_sent(&cc, 2);
	ktcp_cc_reduction(&cc, 10, 1, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);		/* pipe = ssthresh */
}

/* The first ACK of an episode always lets the fast retransmit out. */
static void prr_first_retransmit(struct kunit *test)
{
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 20;
	ktcp_cc_enter_recovery(&cc, 20, 0);		/* ssthresh 10 */
	ktcp_cc_reduction(&cc, 10, 1, 0, false);	/* bound: 0 */
	KUNIT_EXPECT_EQ(test, cc.cwnd, 11U);
	ktcp_cc_sent(&cc, 1);
	ktcp_cc_reduction(&cc, 10, 1, 0, false);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
}

/*
 * CWR (tcp_enter_cwr()): PRR from Open only, once; Recovery takes the
 * reduction over; at the end cwnd = ssthresh even with nothing to undo.
 */
static void prr_cwr(struct kunit *test)
{
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 20;
	ktcp_cc_enter_cwr(&cc, 20, 0);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_CWR);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 10U);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_reduction(&cc));
	KUNIT_EXPECT_EQ(test, ktcp_cc_ca_state(&cc, false), 2);	/* CWR */
	ktcp_cc_reduction(&cc, 19, 1, 0, true);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);		/* 19 + ceil(0.5) */
	ktcp_cc_sent(&cc, 1);
	ktcp_cc_enter_cwr(&cc, 4, 0);			/* no second one */
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 10U);
	KUNIT_EXPECT_EQ(test, cc.prr_out, 1U);
	ktcp_cc_enter_recovery(&cc, 4, 0);		/* goes on */
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 10U);
	KUNIT_EXPECT_EQ(test, cc.prr_delivered, 1U);
	ktcp_cc_enter_cwr(&cc, 4, 0);			/* Recovery stays */
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_RECOVERY);

	ktcp_cc_open(&cc);
	cc.cwnd = 20;
	ktcp_cc_enter_cwr(&cc, 20, 0);
	ktcp_cc_end_reduction(&cc, false);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
}

/*
 * Undo (tcp_undo_cwnd_reduction()): cwnd back to max(cwnd, prior_cwnd)
 * (tcp_reno_undo_cwnd(), CUBIC's too in 6.12), ssthresh to the prior one
 * if higher; with no prior ssthresh (ECE), nothing.
 */
static void cc_undo(struct kunit *test)
{
	struct ktcp_cc cc;
	u32 prior;

	ktcp_cc_init(&cc, &ktcp_cc_cubic);
	cc.cwnd = 100;
	cc.ssthresh = 80;
	prior = ktcp_cc_current_ssthresh(&cc);
	KUNIT_EXPECT_EQ(test, prior, 80U);		/* max(80, 75) */
	ktcp_cc_enter_recovery(&cc, 100, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 70U);
	KUNIT_EXPECT_EQ(test, ktcp_cc_current_ssthresh(&cc), 70U);
	cc.cwnd = 60;
	ktcp_cc_undo(&cc, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 60U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 70U);
	ktcp_cc_undo(&cc, prior);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 100U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 80U);
	/* After an RTO: the window before it. */
	ktcp_cc_open(&cc);
	prior = ktcp_cc_current_ssthresh(&cc);
	ktcp_cc_on_rto(&cc, 100, true, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 1U);
	ktcp_cc_undo(&cc, prior);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 100U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 80U);

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 40;
	prior = ktcp_cc_current_ssthresh(&cc);
	ktcp_cc_enter_recovery(&cc, 40, 0);
	cc.cwnd = 50;					/* grew since */
	ktcp_cc_undo(&cc, prior);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 50U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, KTCP_CC_INFINITE_SSTHRESH);
}

/* RFC 5681 3.1: RTO: ssthresh by eq. 4 once, cwnd = 1, slow start again. */
static void reno_rto(struct kunit *test)
{
	static const u32 want[] = { 2, 4, 8, 16, 20, 21 };
	struct ktcp_cc cc;
	u64 now = 0;
	u32 i;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 40;
	ktcp_cc_on_rto(&cc, 40, true, 3 * SEC);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 1U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, cc.event_us, 3ULL * SEC);
	/* The backed-off second timeout keeps ssthresh. */
	ktcp_cc_on_rto(&cc, 1, false, 4 * SEC);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 1U);

	/* 1 -> 2 -> 4 -> 8 -> 16 -> 20 (+12 toward CA) -> 21. */
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		now = ct_round(&cc, now, 100 * MS);
		KUNIT_EXPECT_EQ(test, cc.cwnd, want[i]);
	}
	/* Leaving loss recovery leaves the slow-started window alone. */
	ktcp_cc_open(&cc);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 21U);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_OPEN);
}

/* RFC 5681 4.1 as Linux's tcp_cwnd_restart(); RTO 200 ms. */
static void cc_idle_restart(struct kunit *test)
{
	const u32 rto = 200 * MS;
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 40;
	cc.ssthresh = 20;
	ktcp_cc_on_idle(&cc, 100 * MS, rto, true, 0);
	ktcp_cc_on_idle(&cc, rto, rto, true, 0);	/* not more than RTO */
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 20U);
	ktcp_cc_on_idle(&cc, 10 * SEC, rto, false, 0);	/* sysctl off */
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);

	/* 1.5 RTO: one halving; ssthresh keeps 3/4 of the old window. */
	ktcp_cc_on_idle(&cc, 300 * MS, rto, true, 9 * SEC);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 20U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 30U);
	KUNIT_EXPECT_EQ(test, cc.event_us, 9ULL * SEC);

	/* 3 RTO + 1 us: 100 -> 50 -> 25 -> 12. */
	cc.cwnd = 100;
	ktcp_cc_on_idle(&cc, 3 * rto + 1, rto, true, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 12U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 75U);

	/* Long idle: down to IW, not below. */
	cc.cwnd = 40;
	ktcp_cc_on_idle(&cc, 5 * rto, rto, true, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
	cc.cwnd = 300;
	ktcp_cc_on_idle(&cc, 1000 * SEC, rto, true, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 10U);
	/* A window already below IW stays (restart = min(cwnd, IW)). */
	cc.cwnd = 6;
	ktcp_cc_on_idle(&cc, 1000 * SEC, rto, true, 0);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 6U);
}

/* Integer cube root by bisection, exact: the reference. */
static u64 ct_icbrt(u64 a)
{
	u64 lo = 0, hi = 1 << 21, mid;	/* (2^21)^3 = 2^63 */

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= a)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Linux's table + Newton cube root: within 0.2% where CUBIC uses it. */
static void cubic_cbrt(struct kunit *test)
{
	u64 a, want, got, n;

	for (n = 0; n <= 12; n++)
		KUNIT_EXPECT_EQ(test, (u64)ktcp_cubic_cbrt(n * n * n), n);
	KUNIT_EXPECT_EQ(test, ktcp_cubic_cbrt(1000000000ULL), 1000U);

	/* Every K input is 2^40 / 410 * dW >= 2^31. 0.2% + 1 of error. */
	for (a = 1ULL << 31; a < (1ULL << 62); a += a / 37 + 12345) {
		want = ct_icbrt(a);
		got = ktcp_cubic_cbrt(a);
		KUNIT_ASSERT_LE_MSG(test, got, want + want / 500 + 1,
				    "cbrt(%llu)", a);
		KUNIT_ASSERT_GE_MSG(test, got + want / 500 + 1, want,
				    "cbrt(%llu)", a);
	}
}

/*
 * RFC 9438 eq. 2 for W_max = 100 after a loss at 100 (cwnd 70):
 * K = cbrt(100 * 0.3 / 0.4) = cbrt(75) = 4.2172 s. Tolerance 0.5%.
 */
static void cubic_k(struct kunit *test)
{
	u32 k = ktcp_cubic_k(100, 70);

	/* K is in 1/1024 s; 4.2172 s is 4318 units. */
	ct_expect_near(test, k * 1000 / 1024, 4217, 21, "K(100) in ms");
	/* W_max = 1000: K = cbrt(750) = 9.0856 s. */
	ct_expect_near(test, ktcp_cubic_k(1000, 700) * 1000 / 1024, 9086, 45,
		       "K(1000) in ms");
	/* W_max = 10: K = cbrt(7.5) = 1.9574 s. */
	ct_expect_near(test, ktcp_cubic_k(10, 7) * 1000 / 1024, 1957, 10,
		       "K(10) in ms");
	/* At or above W_max there is nothing to climb: K = 0. */
	KUNIT_EXPECT_EQ(test, ktcp_cubic_k(100, 100), 0U);
	KUNIT_EXPECT_EQ(test, ktcp_cubic_k(100, 120), 0U);
}

/*
 * RFC 9438 eq. 1, W_max = 100, K = cbrt(75): W(0) = 100 - 0.4 K^3 = 70,
 * W(K/2) = 100 - 30/8 = 96.25, W(K) = 100, W(3K/2) = 103.75,
 * W(2K) = 130. Tolerance 1 segment (truncation, C = 0.4004).
 */
static void cubic_curve(struct kunit *test)
{
	u32 k = ktcp_cubic_k(100, 70);
	u32 w0 = ktcp_cubic_target(100, k, 0);
	u32 w_half = ktcp_cubic_target(100, k, k / 2);
	u32 wk = ktcp_cubic_target(100, k, k);
	u32 w_3half = ktcp_cubic_target(100, k, k * 3 / 2);
	u32 w2k = ktcp_cubic_target(100, k, 2 * k);

	ct_expect_near(test, w0, 70, 1, "W(0)");
	ct_expect_near(test, w_half, 96, 1, "W(K/2)");
	KUNIT_EXPECT_EQ(test, wk, 100U);
	ct_expect_near(test, w_3half, 104, 1, "W(3K/2)");
	ct_expect_near(test, w2k, 130, 1, "W(2K)");
	/* Concave below K: growth slows approaching W_max... */
	KUNIT_EXPECT_GT(test, w_half - w0, 5 * (wk - w_half));
	/* ... convex above: it speeds up leaving it. */
	KUNIT_EXPECT_GT(test, w2k - w_3half, 5 * (w_3half - wk));
	/* Symmetric about (K, W_max). */
	ct_expect_near(test, w2k - wk, wk - w0, 1, "symmetry");
	/* Far beyond K: capped, no overflow. */
	KUNIT_EXPECT_GT(test, ktcp_cubic_target(100, k, 1ULL << 40), 1000000U);
	/* Far below the origin (K large, t = 0): floor at 0, no wrap. */
	KUNIT_EXPECT_EQ(test, ktcp_cubic_target(10, 100 * 1024, 0), 0U);
}

/* RFC 9438 4.6 and 4.7: ssthresh = 0.7 cwnd; fast convergence. */
static void cubic_ssthresh(struct kunit *test)
{
	struct ktcp_cc cc;
	struct ktcp_cubic *ca;

	ktcp_cc_init(&cc, &ktcp_cc_cubic);
	ca = ktcp_cubic_priv(&cc);
	cc.cwnd = 100;
	ktcp_cc_enter_recovery(&cc, 100, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 70U);	/* 100 * 717/1024 */
	KUNIT_EXPECT_EQ(test, ca->w_max, 100U);
	KUNIT_EXPECT_FALSE(test, ca->in_epoch);

	/* Loss below the last W_max: W_max = 80 (1 + 0.7) / 2 = 68. */
	ktcp_cc_open(&cc);
	cc.cwnd = 80;
	ktcp_cc_enter_recovery(&cc, 80, 0);
	KUNIT_EXPECT_EQ(test, ca->w_max, 68U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 56U);

	/* Loss above it: W_max = cwnd. ssthresh 90 * 0.7 = 63. */
	ktcp_cc_open(&cc);
	cc.cwnd = 90;
	ktcp_cc_enter_recovery(&cc, 90, 0);
	KUNIT_EXPECT_EQ(test, ca->w_max, 90U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 63U);

	/* cwnd, not FlightSize (as Linux), floored at 2. */
	ktcp_cc_open(&cc);
	cc.cwnd = 2;
	ktcp_cc_enter_recovery(&cc, 50, 0);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 2U);
}

/* Loss at cwnd 100, recovery to 70, ready for congestion avoidance. */
static u64 ct_cubic_after_loss(struct ktcp_cc *cc, u32 rtt_us)
{
	u64 now = 10 * SEC;

	ktcp_cc_init(cc, &ktcp_cc_cubic);
	cc->cwnd = 100;
	cc->ssthresh = 100;
	ktcp_cc_on_ack(cc, 0, rtt_us, now, true);	/* min RTT known */
	ktcp_cc_enter_recovery(cc, 100, now);
	ktcp_cc_end_reduction(cc, true);
	ktcp_cc_open(cc);
	return now;
}

/*
 * RTT 100 ms: cwnd follows W_cubic(t) (concave, plateau, convex), well
 * above Reno's 70 + 0.53/RTT. Hand values from eq. 1 with K = 4.217 s:
 * t = 1 s: 86.7, 2: 95.6, 3: 99.3, 4.2: 100, 6: 102.3, 8: 121.7. cwnd
 * aims one RTT ahead and moves in whole segments: tolerance 2.
 */
static void cubic_tracks_curve(struct kunit *test)
{
	static const struct { u32 rounds, want; } pts[] = {
		{ 10, 87 }, { 20, 96 }, { 30, 99 }, { 42, 100 }, { 60, 102 },
		{ 80, 122 },
	};
	struct ktcp_cc cc;
	struct ktcp_cubic *ca;
	u32 r = 0, i, at10 = 0, at30 = 0, at40 = 0, at70 = 0;
	u64 now = ct_cubic_after_loss(&cc, 100 * MS);

	ca = ktcp_cubic_priv(&cc);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 70U);
	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		while (r < pts[i].rounds) {
			now = ct_round(&cc, now, 100 * MS);
			r++;
			if (r == 10)
				at10 = cc.cwnd;
			if (r == 30)
				at30 = cc.cwnd;
			if (r == 40)
				at40 = cc.cwnd;
			if (r == 70)
				at70 = cc.cwnd;
		}
		ct_expect_near(test, cc.cwnd, pts[i].want, 2, "cwnd");
	}
	KUNIT_EXPECT_TRUE(test, ca->in_epoch);
	KUNIT_EXPECT_EQ(test, ca->origin, 100U);
	KUNIT_EXPECT_EQ(test, ca->k, ktcp_cubic_k(100, 70));
	KUNIT_EXPECT_EQ(test, ca->delay_min_us, 100 * MS);
	/* Fast, then flat near W_max, then fast again. */
	KUNIT_EXPECT_GE(test, at10 - 70, 15U);
	KUNIT_EXPECT_LE(test, at40 - at30, 1U);
	KUNIT_EXPECT_GE(test, cc.cwnd - at70, 10U);
}

/*
 * RTT 10 ms: the curve barely moves in 0.5 s (W_cubic(0.5 s) = 79.6),
 * Reno would reach 70 + 50 * alpha_cubic, alpha_cubic = 3 * 0.3 / 1.7 =
 * 0.53 (Linux: 8/15): 96.7. CUBIC must follow the Reno-friendly W_est
 * (RFC 9438 4.3). Tolerance 3 segments.
 */
static void cubic_reno_friendly(struct kunit *test)
{
	struct ktcp_cc cc;
	u64 now = ct_cubic_after_loss(&cc, 10 * MS);
	u32 r;

	for (r = 0; r < 50; r++)
		now = ct_round(&cc, now, 10 * MS);
	ct_expect_near(test, cc.cwnd, 97, 3, "cwnd after 50 RTTs");
	ct_expect_near(test, ktcp_cubic_priv(&cc)->w_est, 97, 3, "W_est");
	KUNIT_EXPECT_GE(test, cc.cwnd, 80U + 10);
}

/*
 * RFC 9438 4.8: after an RTO, W_max is forgotten: the next epoch starts
 * at K = 0 with cwnd as origin, and grows at most 5% per RTT (Linux's
 * cnt <= 20) until the next loss.
 */
static void cubic_rto(struct kunit *test)
{
	struct ktcp_cc cc;
	struct ktcp_cubic *ca;
	u64 now = ct_cubic_after_loss(&cc, 100 * MS);
	u32 r;

	ca = ktcp_cubic_priv(&cc);
	now = ct_round(&cc, now, 100 * MS);
	cc.cwnd = 100;
	ktcp_cc_on_rto(&cc, 100, true, now);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 1U);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, 70U);
	KUNIT_EXPECT_EQ(test, ca->w_max, 0U);
	KUNIT_EXPECT_EQ(test, ca->delay_min_us, 0U);
	KUNIT_EXPECT_FALSE(test, ca->in_epoch);

	/* 1, 2, 4, ..., 64, then 70 (slow start ends) plus CA. */
	for (r = 0; r < 7; r++)
		now = ct_round(&cc, now, 100 * MS);
	KUNIT_EXPECT_TRUE(test, ca->in_epoch);
	KUNIT_EXPECT_EQ(test, ca->k, 0U);
	KUNIT_EXPECT_EQ(test, ca->origin, 70U);
	ct_expect_near(test, cc.cwnd, 72, 1, "cwnd after SS");
	/* 5 more RTTs at 1/20 per ACK: +3.6 .. +4.6 each: 72 -> 92 +- 2. */
	for (r = 0; r < 5; r++)
		now = ct_round(&cc, now, 100 * MS);
	ct_expect_near(test, cc.cwnd, 92, 2, "cwnd 5 RTTs later");
	KUNIT_EXPECT_EQ(test, ca->cnt, 20U);
}

/* A new epoch above W_max is convex from the start (K = 0). */
static void cubic_convex_start(struct kunit *test)
{
	struct ktcp_cc cc;
	struct ktcp_cubic *ca;
	u64 now = ct_cubic_after_loss(&cc, 100 * MS);

	ca = ktcp_cubic_priv(&cc);
	cc.cwnd = 120;			/* e.g. ssthresh raised by idle */
	now = ct_round(&cc, now, 100 * MS);
	KUNIT_EXPECT_EQ(test, ca->k, 0U);
	KUNIT_EXPECT_EQ(test, ca->origin, 120U);
	KUNIT_EXPECT_EQ(test, ca->w_max, 100U);
}

/*
 * CA_EVENT_TX_START: idle time is cut out of the epoch, so the curve
 * resumes where it left; and delay samples are ignored for the first
 * second of an epoch.
 */
static void cubic_idle_and_delay(struct kunit *test)
{
	struct ktcp_cc cc;
	struct ktcp_cubic *ca;
	u64 now = ct_cubic_after_loss(&cc, 100 * MS);
	u64 start;

	ca = ktcp_cubic_priv(&cc);
	now = ct_round(&cc, now, 100 * MS);
	start = ca->epoch_start_us;
	KUNIT_EXPECT_TRUE(test, ca->in_epoch);

	/* Within the first second: a 50 ms sample does not count. */
	ktcp_cc_on_ack(&cc, 1, 50 * MS, start + 500 * MS, true);
	KUNIT_EXPECT_EQ(test, ca->delay_min_us, 100 * MS);
	ktcp_cc_on_ack(&cc, 1, 50 * MS, start + 1100 * MS, true);
	KUNIT_EXPECT_EQ(test, ca->delay_min_us, 50 * MS);

	now = start + 2 * SEC;
	ktcp_cc_on_idle(&cc, 1500 * MS, 300 * MS, false, now);
	KUNIT_EXPECT_EQ(test, ca->epoch_start_us, start + 1500 * MS);
	/* Never into the future. */
	ktcp_cc_on_idle(&cc, 10 * SEC, 300 * MS, false, now);
	KUNIT_EXPECT_EQ(test, ca->epoch_start_us, now);
	/* Restart and the shift together: cwnd and epoch both move. */
	cc.cwnd = 80;
	ktcp_cc_on_idle(&cc, 400 * MS, 300 * MS, true, now + SEC);
	KUNIT_EXPECT_EQ(test, cc.cwnd, 40U);
	KUNIT_EXPECT_EQ(test, ca->epoch_start_us, now + 400 * MS);
}

/*
 * HyStart (Linux's hystart_update()), one ACK per call at @gap_us spacing
 * with RTT @rtt_us, until @n ACKs or HyStart ends slow start; the window
 * in flight is [@una, @nxt). Returns the clock after the last ACK.
 */
static u64 hs_acks(struct ktcp_cc *cc, u64 now, u32 n, u32 gap_us,
		   u32 rtt_us, u32 una, u32 nxt)
{
	u32 i;

	for (i = 0; i < n && ktcp_cc_in_slow_start(cc); i++) {
		now += gap_us;
		ktcp_cc_set_seq(cc, una, nxt);
		ktcp_cc_on_ack(cc, 1, rtt_us, now, true);
	}
	return now;
}

/*
 * Delay increase: a round at 10 ms sets the minimum; in the next round the
 * first 8 samples are all 15 ms, over 10 ms + max(10/8, 4) ms: the 9th
 * ACK ends slow start with ssthresh = cwnd. ACKs 5 ms apart never form a
 * train.
 */
static void cubic_hystart_delay(struct kunit *test)
{
	struct ktcp_cc cc;
	u64 now = SEC;
	u32 cwnd;

	ktcp_cc_init(&cc, &ktcp_cc_cubic);
	cc.cwnd = 20;
	now = hs_acks(&cc, now, 9, 5 * MS, 10 * MS, 1000, 30000);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));
	KUNIT_EXPECT_EQ(test, cc.events, 0);
	/* 13.9 ms would stay under the 14 ms threshold. */
	now = hs_acks(&cc, now, 9, 5 * MS, 13900, 30001, 60000);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));
	now = hs_acks(&cc, now, 8, 5 * MS, 15 * MS, 60001, 90000);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));
	cwnd = cc.cwnd;
	hs_acks(&cc, now, 1, 5 * MS, 15 * MS, 60001, 90000);
	KUNIT_EXPECT_FALSE(test, ktcp_cc_in_slow_start(&cc));
	/* Set from the sample, before that ACK grows cwnd (as Linux). */
	KUNIT_EXPECT_EQ(test, cc.ssthresh, cwnd);
	KUNIT_EXPECT_EQ(test, cc.events, (u8)KTCP_CC_EV_HYSTART_DELAY);
}

/*
 * ACK train: with a 10 ms minimum RTT, ACKs 1 ms apart for more than
 * (10 + 1) / 2 = 5.5 ms after the round began: the pipe is full.
 */
static void cubic_hystart_train(struct kunit *test)
{
	struct ktcp_cc cc;
	u64 now = SEC;

	ktcp_cc_init(&cc, &ktcp_cc_cubic);
	cc.cwnd = 16;
	/* The first ACK starts the round; 5 more reach 5 ms: not yet. */
	now = hs_acks(&cc, now, 6, MS, 10 * MS, 1000, 20000);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));
	hs_acks(&cc, now, 1, MS, 10 * MS, 1000, 20000);
	KUNIT_EXPECT_FALSE(test, ktcp_cc_in_slow_start(&cc));
	KUNIT_EXPECT_EQ(test, cc.events, (u8)KTCP_CC_EV_HYSTART_TRAIN);
	KUNIT_EXPECT_EQ(test, cc.ssthresh, cc.cwnd);
}

/* Below 16 segments, and for Reno, slow start ignores RTT growth. */
static void cubic_hystart_limits(struct kunit *test)
{
	struct ktcp_cc cc;
	u64 now = SEC;

	ktcp_cc_init(&cc, &ktcp_cc_cubic);
	now = hs_acks(&cc, now, 1, 5 * MS, 10 * MS, 1000, 5000);
	now = hs_acks(&cc, now, 4, 5 * MS, 50 * MS, 5001, 9000);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));
	KUNIT_EXPECT_LT(test, cc.cwnd, 16U);

	ktcp_cc_init(&cc, &ktcp_cc_reno);
	cc.cwnd = 20;
	now = hs_acks(&cc, now, 9, 5 * MS, 10 * MS, 1000, 30000);
	now = hs_acks(&cc, now, 20, 500, 50 * MS, 30001, 60000);
	KUNIT_EXPECT_TRUE(test, ktcp_cc_in_slow_start(&cc));
	KUNIT_EXPECT_EQ(test, cc.events, 0);

	/* After an RTO, CUBIC's HyStart measures afresh. */
	ktcp_cc_init(&cc, &ktcp_cc_cubic);
	cc.cwnd = 20;
	now = hs_acks(&cc, now, 9, 5 * MS, 10 * MS, 1000, 30000);
	now = hs_acks(&cc, now, 9, 5 * MS, 15 * MS, 30001, 60000);
	KUNIT_EXPECT_FALSE(test, ktcp_cc_in_slow_start(&cc));
	ktcp_cc_on_rto(&cc, 20, true, now);
	KUNIT_EXPECT_FALSE(test, ktcp_cubic_priv(&cc)->hs_found);
}

/* TCP_INFO's ca_state: Linux's enum tcp_ca_state numbers. */
static void cc_ca_state(struct kunit *test)
{
	struct ktcp_cc cc;

	ktcp_cc_init(&cc, NULL);
	KUNIT_EXPECT_EQ(test, ktcp_cc_ca_state(&cc, false), 0);	/* Open */
	KUNIT_EXPECT_EQ(test, ktcp_cc_ca_state(&cc, true), 1);	/* Disorder */
	ktcp_cc_enter_recovery(&cc, 10, 0);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, ktcp_cc_ca_state(&cc, false), 3);	/* Recovery */
	KUNIT_EXPECT_EQ(test, ktcp_cc_ca_state(&cc, true), 3);
	ktcp_cc_on_rto(&cc, 10, true, 0);
	KUNIT_EXPECT_EQ(test, cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, ktcp_cc_ca_state(&cc, true), 4);	/* Loss */
}

static struct kunit_case ktcp_cong_cases[] = {
	KUNIT_CASE(cc_registry),
	KUNIT_CASE(cc_init),
	KUNIT_CASE(reno_slow_start),
	KUNIT_CASE(reno_ss_to_ca),
	KUNIT_CASE(reno_cong_avoid),
	KUNIT_CASE(reno_fast_recovery),
	KUNIT_CASE(prr_single_loss),
	KUNIT_CASE(prr_heavy_loss),
	KUNIT_CASE(prr_first_retransmit),
	KUNIT_CASE(prr_cwr),
	KUNIT_CASE(cc_undo),
	KUNIT_CASE(reno_rto),
	KUNIT_CASE(cc_idle_restart),
	KUNIT_CASE(cc_ca_state),
	KUNIT_CASE(cubic_cbrt),
	KUNIT_CASE(cubic_k),
	KUNIT_CASE(cubic_curve),
	KUNIT_CASE(cubic_ssthresh),
	KUNIT_CASE(cubic_tracks_curve),
	KUNIT_CASE(cubic_reno_friendly),
	KUNIT_CASE(cubic_rto),
	KUNIT_CASE(cubic_convex_start),
	KUNIT_CASE(cubic_idle_and_delay),
	KUNIT_CASE(cubic_hystart_delay),
	KUNIT_CASE(cubic_hystart_train),
	KUNIT_CASE(cubic_hystart_limits),
	{}
};

static struct kunit_suite ktcp_cong_suite = {
	.name = "ktcp_cong",
	.test_cases = ktcp_cong_cases,
};

kunit_test_suite(ktcp_cong_suite);
