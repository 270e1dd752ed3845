// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for RACK-TLP (rack.c, RFC 8985): the reordering window's
 * arithmetic, how long a segment may wait, the probe timeout, which
 * segments RACK marks lost given their transmission times and the segment
 * delivered, the reordering timer's value, D-SACK widening of the window,
 * and the reordering measurement (recovery.c) that turns the window on.
 *
 * The socket tests kunit_kzalloc a ktcp_sock in init_net as
 * recovery_test.c does, with RACK on (net.ktcp.recovery 1, set for the
 * test and restored by an action), and hold the socket lock around each
 * call as a process would.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "../ktcp.h"
#include "../recovery.h"

#define RK_MSS		1000
#define RK_MS		1000	/* one millisecond in microseconds */

static void rack_reo_wnd_arith(struct kunit *test)
{
	/* min_rtt / 4 per step. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 100000, 1, false,
						     false, false), 10000U);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 100000, 3, true,
						     false, false), 30000U);
	/* At most SRTT. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 25000, 3, true,
						     false, false), 25000U);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 100000, 255, true,
						     true, true), 100000U);
	/* No reordering seen: zero in recovery or once DupThresh is met. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 100000, 1, false,
						     true, false), 0U);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 100000, 1, false,
						     false, true), 0U);
	/* Reordering seen: the window stays, in recovery too. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(40000, 100000, 1, true,
						     true, true), 10000U);
	/* No RTT sample yet. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd_calc(0, 0, 1, true, false,
						     false), 0U);
}

static void rack_remaining_arith(struct kunit *test)
{
	/* RACK.rtt 50 ms, window 10 ms, sent 30 ms ago: 30 ms to go. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_remaining(50000, 10000, 1000000,
						  970000), 30000);
	/* Sent 60 ms ago: exactly due, lost. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_remaining(50000, 10000, 1000000,
						  940000), 0);
	KUNIT_EXPECT_LT(test, ktcp_rack_remaining(50000, 0, 1000000, 900000),
			0);
	/* Across the wrap of the microsecond clock. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_remaining(50000, 10000, 5000,
						  (u32)-25000), 30000);
	KUNIT_EXPECT_TRUE(test, ktcp_rack_sent_after(5, (u32)-5, 0, 0));
	KUNIT_EXPECT_TRUE(test, ktcp_rack_sent_after(7, 7, 2000, 1000));
	KUNIT_EXPECT_FALSE(test, ktcp_rack_sent_after(7, 7, 1000, 1000));
	KUNIT_EXPECT_FALSE(test, ktcp_rack_sent_after(6, 7, 3000, 1000));
}

static void rack_pto_arith(struct kunit *test)
{
	u32 srtt8 = 100000 << 3;	/* SRTT 100 ms */

	/* 2 * SRTT + TCP_TIMEOUT_MIN with more than one segment out. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_pto(srtt8, 2, 0),
			usecs_to_jiffies(202000));
	/* One segment out: + TCP_RTO_MIN for the peer's delayed ACK. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_pto(srtt8, 1, 0),
			usecs_to_jiffies(400000));
	/* The RTO comes first: probe then. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_pto(srtt8, 2, 150000),
			usecs_to_jiffies(150000));
	KUNIT_EXPECT_EQ(test, ktcp_rack_pto(srtt8, 2, 500000),
			usecs_to_jiffies(202000));
	/* An RTO already past is no bound. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_pto(srtt8, 2, -5000),
			usecs_to_jiffies(202000));
	/* No SRTT: TCP_TIMEOUT_INIT. */
	KUNIT_EXPECT_EQ(test, ktcp_rack_pto(0, 3, 0),
			(unsigned long)TCP_TIMEOUT_INIT);
}

struct rk_ctx {
	struct kunit *test;
	struct ktcp_sock *ks;
	struct sock *sk;
	u32 base;
	u32 t0;		/* tcp_clock_us() the segments' ages count from */
};

KUNIT_DEFINE_ACTION_WRAPPER(rk_purge_action, ktcp_rtxq_purge, struct sock *);

static struct lock_class_key rk_slock_key, rk_sk_key;

/*
 * ktcp_scoreboard_sent() for the @n queued segments in the order of their
 * times, as they would have left: RACK walks them in that order (rtxq.c).
 */
static void rk_send_in_time_order(struct rk_ctx *c, unsigned int n)
{
	struct sk_buff *skbs[8], *skb;
	unsigned long sent = 0;
	unsigned int i = 0, j, first;

	KUNIT_ASSERT_LE(c->test, n, ARRAY_SIZE(skbs));
	skb_queue_walk(&c->sk->sk_write_queue, skb)
		skbs[i++] = skb;
	for (i = 0; i < n; i++) {
		first = n;
		for (j = 0; j < n; j++)
			if (!(sent & BIT(j)) &&
			    (first == n ||
			     ktcp_seq_before(KTCP_SKB_CB(skbs[j])->when,
					     KTCP_SKB_CB(skbs[first])->when)))
				first = j;
		sent |= BIT(first);
		lock_sock(c->sk);
		ktcp_scoreboard_sent(c->sk, skbs[first], true);
		release_sock(c->sk);
	}
}

static void rk_recovery_restore(void *old)
{
	WRITE_ONCE(ktcp_pernet(&init_net)->recovery, (int)(long)old);
}

/*
 * @n segments of RK_MSS sent, segment i @ago[i] microseconds ago; SRTT
 * and min_rtt @rtt_us; SACK agreed, RACK on.
 */
static struct rk_ctx *rk_start(struct kunit *test, unsigned int n,
			       const u32 *ago, u32 rtt_us)
{
	u32 now = (u32)tcp_clock_us();
	struct ktcp_sock *ks;
	struct rk_ctx *c;
	void *old;
	struct sock *sk;
	unsigned int i;

	if (!ktcp_net_id || !ktcp_pernet(&init_net)->mib)
		kunit_skip(test, "ktcp has no state in init_net");
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	ks = kunit_kzalloc(test, sizeof(*ks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ks);
	sk = &ks->inet.sk;
	c->test = test;
	c->ks = ks;
	c->sk = sk;
	sock_net_set(sk, &init_net);
	skb_queue_head_init(&sk->sk_write_queue);
	ktcp_rtxq_init(ks);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rk_purge_action, sk),
			0);
	old = (void *)(long)ktcp_pernet(&init_net)->recovery;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rk_recovery_restore, old),
			0);
	WRITE_ONCE(ktcp_pernet(&init_net)->recovery, KTCP_RECOVERY_DEFAULT);
	sk->sk_prot = &ktcp_prot;
	sock_lock_init_class_and_name(sk, "slock-ktcp-rack", &rk_slock_key,
				      "sk_lock-ktcp-rack", &rk_sk_key);
	c->base = 1001;
	c->t0 = now;
	ks->snd_una = c->base;
	ks->snd_nxt = c->base;
	ks->recover = c->base - 1;
	ks->reordering = KTCP_REORDERING_INIT;
	ks->mss = RK_MSS;
	ks->neg.sack_ok = 1;
	ks->rack.reo_wnd_steps = 1;
	ktcp_rtt_init(&ks->rtt);
	ktcp_rtt_sample(&ks->rtt, rtt_us, c->base, c->base);
	ktcp_cc_init(&ks->cc, &ktcp_cc_reno);
	for (i = 0; i < n; i++) {
		struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, skb);
		memset(KTCP_SKB_CB(skb), 0, sizeof(struct ktcp_skb_cb));
		KTCP_SKB_CB(skb)->seq = c->base + i * RK_MSS;
		KTCP_SKB_CB(skb)->end_seq = c->base + (i + 1) * RK_MSS;
		KTCP_SKB_CB(skb)->when = now - ago[i];
		__skb_queue_tail(&sk->sk_write_queue, skb);
	}
	ks->snd_nxt = c->base + n * RK_MSS;
	rk_send_in_time_order(c, n);
	return c;
}

/*
 * Microseconds since the segments' ages were taken: RACK reads the real
 * clock, and a guest under load can stall for tens of milliseconds, so
 * a time left is bounded below by what it would be less this.
 */
static u32 rk_elapsed(const struct rk_ctx *c)
{
	return (u32)tcp_clock_us() - c->t0;
}

static struct sk_buff *rk_skb(struct rk_ctx *c, unsigned int i)
{
	struct sk_buff *skb;

	skb_queue_walk(&c->sk->sk_write_queue, skb)
		if (KTCP_SKB_CB(skb)->seq == c->base + i * RK_MSS)
			return skb;
	KUNIT_FAIL_AND_ABORT(c->test, "segment %u is not queued", i);
	return NULL;
}

/* The peer SACKs segments [@from, @to), as ktcp_input_ack() applies it. */
static u32 rk_sack(struct rk_ctx *c, unsigned int from, unsigned int to)
{
	struct ktcp_opts o = { .present = KTCP_OPTF_SACK, .num_sacks = 1 };
	u32 newly;

	o.sacks[0].start = c->base + from * RK_MSS;
	o.sacks[0].end = c->base + to * RK_MSS;
	lock_sock(c->sk);
	c->ks->ack_flag = 0;
	c->ks->prior_delivered = 0;
	newly = ktcp_scoreboard_sack(c->sk, &o);
	release_sock(c->sk);
	return newly;
}

/* RACK's detection over the queue; returns the reordering timeout. */
static u32 rk_detect(struct rk_ctx *c)
{
	u32 timeout;

	lock_sock(c->sk);
	ktcp_rack_detect_loss(c->sk, &timeout);
	release_sock(c->sk);
	return timeout;
}

static bool rk_lost(struct rk_ctx *c, unsigned int i)
{
	return KTCP_SKB_CB(rk_skb(c, i))->sacked & KTCP_SKB_LOST;
}

/*
 * Eight segments sent 1 ms apart (the first 100 ms ago), RTT 80 ms. The
 * peer SACKs segment 5 only: one SACKed, under DupThresh, no reordering
 * seen, so the window is min_rtt/4 = 20 ms. Segments 0-4 were sent before
 * 5; each is lost once it has waited RACK.rtt + 20 ms (RACK.rtt is set by
 * hand to what it would be at the moment looked at).
 */
static void rack_marks_by_time(struct kunit *test)
{
	static const u32 ago[] = {
		100 * RK_MS, 99 * RK_MS, 98 * RK_MS, 97 * RK_MS, 96 * RK_MS,
		95 * RK_MS, 94 * RK_MS, 93 * RK_MS,
	};
	struct rk_ctx *c = rk_start(test, 8, ago, 80 * RK_MS);
	struct ktcp_sock *ks = c->ks;
	u32 timeout;
	int i;

	KUNIT_EXPECT_EQ(test, rk_sack(c, 5, 6), 1U);
	KUNIT_EXPECT_TRUE(test, ks->rack.advanced);
	KUNIT_EXPECT_EQ(test, ks->rack.end_seq, c->base + 6 * RK_MSS);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(c->sk), 20U * RK_MS);
	/*
	 * RACK.rtt 150 ms: segment 0, sent 100 ms ago, is due 70 ms from
	 * now. The longest wait left is segment 4's, 170 - 96 = 74 ms, less
	 * what the test itself took (slow under QEMU and KASAN).
	 */
	ks->rack.rtt_us = 150 * RK_MS;
	timeout = rk_detect(c);
	KUNIT_ASSERT_LT(test, rk_elapsed(c), 70U * RK_MS);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_FALSE(test, rk_lost(c, i));
	KUNIT_EXPECT_GE(test, timeout + rk_elapsed(c), 74U * RK_MS);
	KUNIT_EXPECT_LE(test, timeout, 74U * RK_MS);

	/* 20 ms later (RACK.rtt as if measured then): 0-4 lost, 6-7 not. */
	ks->rack.rtt_us = 75 * RK_MS;
	timeout = rk_detect(c);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_TRUE(test, rk_lost(c, i));
	KUNIT_EXPECT_FALSE(test, rk_lost(c, 6));
	KUNIT_EXPECT_FALSE(test, rk_lost(c, 7));
	KUNIT_EXPECT_EQ(test, timeout, 0U);
	KUNIT_EXPECT_EQ(test, ks->lost_out, 5U);
	KUNIT_EXPECT_EQ(test, ks->sacked_out, 1U);
}

/*
 * Three SACKed above a hole with no reordering seen: the window is zero
 * (the DupThresh rule), so every segment sent before the last SACKed one
 * is lost at once. With reordering seen the same SACKs leave it time.
 */
static void rack_dupthresh_window(struct kunit *test)
{
	static const u32 ago[] = {
		50 * RK_MS, 50 * RK_MS, 50 * RK_MS, 50 * RK_MS, 50 * RK_MS,
	};
	struct rk_ctx *c = rk_start(test, 5, ago, 40 * RK_MS);
	struct rk_ctx *d;

	KUNIT_EXPECT_EQ(test, rk_sack(c, 2, 5), 3U);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(c->sk), 0U);
	c->ks->rack.rtt_us = 50 * RK_MS;
	KUNIT_EXPECT_EQ(test, rk_detect(c), 0U);
	KUNIT_EXPECT_TRUE(test, rk_lost(c, 0));
	KUNIT_EXPECT_TRUE(test, rk_lost(c, 1));

	/*
	 * min_rtt 400 ms: a window of 100 ms, which a guest stalling under
	 * load does not use up before the check.
	 */
	d = rk_start(test, 5, ago, 400 * RK_MS);
	d->ks->reord_seen = 1;
	KUNIT_EXPECT_EQ(test, rk_sack(d, 2, 5), 3U);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(d->sk), 100U * RK_MS);
	d->ks->rack.rtt_us = 50 * RK_MS;
	KUNIT_EXPECT_GE(test, rk_detect(d) + rk_elapsed(d), 100U * RK_MS);
	KUNIT_EXPECT_FALSE(test, rk_lost(d, 0));
	KUNIT_EXPECT_FALSE(test, rk_lost(d, 1));
	/* In recovery with reordering seen the window stays. */
	d->ks->cc.state = KTCP_CC_RECOVERY;
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(d->sk), 100U * RK_MS);
	/* KTCP_RACK_NO_DUPTHRESH keeps the window for the DupThresh case. */
	c->ks->reord_seen = 0;
	WRITE_ONCE(ktcp_pernet(&init_net)->recovery,
		   KTCP_RACK_LOSS_DETECTION | KTCP_RACK_NO_DUPTHRESH);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(c->sk), 10U * RK_MS);
}

/* A segment sent after RACK's segment is never lost by it. */
static void rack_later_not_lost(struct kunit *test)
{
	static const u32 ago[] = { 300 * RK_MS, 400 * RK_MS, 200 * RK_MS };
	struct rk_ctx *c = rk_start(test, 3, ago, 10 * RK_MS);

	/* Segment 1 left first: 0 and 2 were sent after it. */
	KUNIT_EXPECT_EQ(test, rk_sack(c, 1, 2), 1U);
	c->ks->rack.rtt_us = 400 * RK_MS;
	rk_detect(c);
	KUNIT_EXPECT_FALSE(test, rk_lost(c, 0));
	KUNIT_EXPECT_FALSE(test, rk_lost(c, 2));
	KUNIT_EXPECT_EQ(test, c->ks->lost_out, 0U);
}

/*
 * Reordering measured (tcp_check_sack_reordering()): a hole below the
 * highest SACKed segment filled by its first transmission. DupThresh
 * becomes the distance when that is larger; RACK's window opens.
 */
static void rack_reordering_seen(struct kunit *test)
{
	static const u32 ago[] = {
		9 * RK_MS, 8 * RK_MS, 7 * RK_MS, 6 * RK_MS, 5 * RK_MS,
		4 * RK_MS, 3 * RK_MS,
	};
	struct rk_ctx *c = rk_start(test, 7, ago, 100 * RK_MS);
	struct ktcp_sock *ks = c->ks;

	KUNIT_EXPECT_EQ(test, rk_sack(c, 6, 7), 1U);
	KUNIT_EXPECT_EQ(test, ks->reord_seen, 0U);
	KUNIT_EXPECT_EQ(test, ktcp_scoreboard_fack(ks), c->base + 7 * RK_MSS);
	/* Segment 1 arrives late: 6 segments below the highest SACKed. */
	KUNIT_EXPECT_EQ(test, rk_sack(c, 1, 2), 1U);
	KUNIT_EXPECT_EQ(test, ks->reord_seen, 1U);
	KUNIT_EXPECT_EQ(test, ks->reordering, 6U);
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(c->sk), 25U * RK_MS);
	/* Not below the highest SACKed: no reordering. */
	lock_sock(c->sk);
	ktcp_scoreboard_reordering(c->sk, c->base + 7 * RK_MSS,
				   c->base + 7 * RK_MSS);
	release_sock(c->sk);
	KUNIT_EXPECT_EQ(test, ks->reord_seen, 1U);
}

/* tcp_rack_update_reo_wnd(): D-SACKs widen the window a step a round. */
static void rack_reo_wnd_dsack(struct kunit *test)
{
	static const u32 ago[] = { RK_MS };
	struct rk_ctx *c = rk_start(test, 1, ago, 40 * RK_MS);
	struct ktcp_rack *r = &c->ks->rack;

	c->ks->delivered = 100;
	r->dsack_seen = 1;
	ktcp_rack_update_reo_wnd(c->sk, 0);	/* nothing delivered */
	KUNIT_EXPECT_EQ(test, r->reo_wnd_steps, 1);
	ktcp_rack_update_reo_wnd(c->sk, 90);
	KUNIT_EXPECT_EQ(test, r->reo_wnd_steps, 2);
	KUNIT_EXPECT_EQ(test, (int)r->reo_wnd_persist,
			KTCP_RACK_RECOVERY_THRESH);
	KUNIT_EXPECT_EQ(test, r->last_delivered, 100U);
	/* A segment sent before the widening: old news. */
	r->dsack_seen = 1;
	ktcp_rack_update_reo_wnd(c->sk, 95);
	KUNIT_EXPECT_EQ(test, r->reo_wnd_steps, 2);
	KUNIT_EXPECT_FALSE(test, r->dsack_seen);
	r->dsack_seen = 1;
	c->ks->delivered = 120;
	ktcp_rack_update_reo_wnd(c->sk, 110);
	KUNIT_EXPECT_EQ(test, r->reo_wnd_steps, 3);
	c->ks->reord_seen = 1;
	KUNIT_EXPECT_EQ(test, ktcp_rack_reo_wnd(c->sk), 30U * RK_MS);
	/* Persisted recoveries used up: one step again. */
	r->reo_wnd_persist = 0;
	ktcp_rack_update_reo_wnd(c->sk, 120);
	KUNIT_EXPECT_EQ(test, r->reo_wnd_steps, 1);
}

static struct kunit_case rack_cases[] = {
	KUNIT_CASE(rack_reo_wnd_arith),
	KUNIT_CASE(rack_remaining_arith),
	KUNIT_CASE(rack_pto_arith),
	KUNIT_CASE(rack_marks_by_time),
	KUNIT_CASE(rack_dupthresh_window),
	KUNIT_CASE(rack_later_not_lost),
	KUNIT_CASE(rack_reordering_seen),
	KUNIT_CASE(rack_reo_wnd_dsack),
	{}
};

static struct kunit_suite rack_suite = {
	.name = "ktcp_rack",
	.test_cases = rack_cases,
};

kunit_test_suite(rack_suite);
