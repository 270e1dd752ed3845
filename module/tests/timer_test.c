// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the timer engine (timer.h) on the real clock: a CPU's
 * base, its wheel and the kernel timer that drives it, not the wheel alone
 * (wheel_test.c does that on a virtual clock).
 *
 * Timing on a loaded machine is noisy, so nothing here checks an absolute
 * lateness: an entry must fire before a reference hrtimer armed for a few
 * ticks after it. Both are soft hrtimers on the same CPU when the engine is
 * right, both wait for jiffies to reach their tick (coming back if the
 * hrtimer beat the jiffies update), and soft hrtimers run in expiry order
 * however late the softirq runs.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched.h>

#include "../timer.h"

/* How long to wait for a callback that should long have run. */
#define TT_WAIT		(5 * HZ)

struct tt_probe {
	struct ktcp_timer t;
	struct completion done;
	atomic_t *seq;
	int order;	/* 1, 2, ...: when it ran among the test's callbacks */
	u64 ran_at;	/* jiffies */
};

struct tt_ref {
	struct hrtimer hrt;
	struct completion done;
	atomic_t *seq;
	int order;
	u64 due;	/* jiffies */
};

static void tt_probe_fn(struct ktcp_timer *t)
{
	struct tt_probe *p = container_of(t, struct tt_probe, t);

	p->ran_at = get_jiffies_64();
	p->order = atomic_inc_return(p->seq);
	complete(&p->done);
}

/*
 * Like the engine, the reference waits for jiffies, not for the hrtimer
 * clock alone: on a loaded host jiffies can lag ktime by several ticks,
 * and a reference due on ktime would then beat an entry that is on time.
 */
static enum hrtimer_restart tt_ref_fn(struct hrtimer *h)
{
	struct tt_ref *r = container_of(h, struct tt_ref, hrt);
	u64 now = get_jiffies_64();

	if (time_before64(now, r->due)) {
		hrtimer_forward_now(h, ns_to_ktime(jiffies64_to_nsecs(r->due -
								      now)));
		return HRTIMER_RESTART;
	}
	r->order = atomic_inc_return(r->seq);
	complete(&r->done);
	return HRTIMER_NORESTART;
}

static void tt_probe_init(struct tt_probe *p, atomic_t *seq)
{
	ktcp_timer_init(&p->t, tt_probe_fn);
	init_completion(&p->done);
	p->seq = seq;
}

static void tt_wait(struct kunit *test, struct completion *done,
		    const char *what)
{
	KUNIT_EXPECT_GT_MSG(test, wait_for_completion_timeout(done, TT_WAIT),
			    0UL, "%s never ran", what);
}

/* The reference: a soft hrtimer @ticks after jiffies @at, as the engine's. */
static void tt_ref_start(struct tt_ref *r, u64 at, unsigned int ticks)
{
	u64 now = get_jiffies_64();

	r->due = at + ticks;
	hrtimer_start(&r->hrt, ktime_add_ns(ktime_get(),
					    jiffies64_to_nsecs(at + ticks - now)),
		      HRTIMER_MODE_ABS_SOFT);
}

/*
 * One attempt: false if the test thread slept past the moment it needed.
 * @far expires at a multiple of 8 about 100 ticks ahead: a timer_list there
 * lands in Linux's wheel level 1 (8-tick granularity) and fires at far + 8.
 * Two ticks after far, @near is armed; the reference follows 4 ticks later.
 */
static bool tt_late_entry_once(struct kunit *test, bool cancel_far)
{
	struct tt_probe *fresh, *far, *near;
	struct tt_ref *ref;
	atomic_t *seq;
	u64 far_at;

	fresh = kunit_kzalloc(test, sizeof(*fresh), GFP_KERNEL);
	far = kunit_kzalloc(test, sizeof(*far), GFP_KERNEL);
	near = kunit_kzalloc(test, sizeof(*near), GFP_KERNEL);
	ref = kunit_kzalloc(test, sizeof(*ref), GFP_KERNEL);
	seq = kunit_kzalloc(test, sizeof(*seq), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, fresh && far && near && ref && seq);
	tt_probe_init(fresh, seq);
	tt_probe_init(far, seq);
	tt_probe_init(near, seq);
	hrtimer_init(&ref->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	ref->hrt.function = tt_ref_fn;
	init_completion(&ref->done);
	ref->seq = seq;

	/* Bring the wheel's clock to now, so that far sits in level 0. */
	ktcp_timer_mod(&fresh->t, jiffies);
	tt_wait(test, &fresh->done, "an entry due now");

	far_at = round_up(get_jiffies_64() + 96, 8);
	ktcp_timer_mod(&far->t, far_at);
	while (time_before64(get_jiffies_64(), far_at - 6))
		schedule_timeout_uninterruptible(1);
	if (time_after64(get_jiffies_64(), far_at - 4)) {
		ktcp_timer_del(&far->t);
		return false;
	}
	if (cancel_far)
		KUNIT_EXPECT_TRUE(test, ktcp_timer_del(&far->t));
	ktcp_timer_mod(&near->t, far_at + 2);
	tt_ref_start(ref, far_at + 2, 4);

	if (!cancel_far)
		tt_wait(test, &far->done, "the far entry");
	tt_wait(test, &near->done, "the near entry");
	tt_wait(test, &ref->done, "the reference hrtimer");
	hrtimer_cancel(&ref->hrt);
	KUNIT_EXPECT_LT_MSG(test, near->order, ref->order,
			    "entry due at %llu ran at %llu, after a reference 4 ticks later (far entry at %llu%s)",
			    far_at + 2, near->ran_at, far_at,
			    cancel_far ? ", cancelled" : "");
	if (!cancel_far)
		KUNIT_EXPECT_LT(test, far->order, near->order);
	return true;
}

/*
 * An entry added after the base's kernel timer was armed for an earlier
 * one, and due soon after it, fires at its own time: it must not inherit
 * the slack a far deadline had when the kernel timer was armed for it,
 * whether that entry is still pending or was cancelled since.
 */
static void timer_late_entry_own_time(struct kunit *test)
{
	unsigned int cancel, tries;

	for (cancel = 0; cancel < 2; cancel++) {
		for (tries = 0; tries < 3; tries++)
			if (tt_late_entry_once(test, cancel))
				break;
		if (tries == 3)
			kunit_skip(test, "overslept three times: too slow here");
	}
}

static struct kunit_case ktcp_timer_cases[] = {
	KUNIT_CASE(timer_late_entry_own_time),
	{}
};

static struct kunit_suite ktcp_timer_suite = {
	.name = "ktcp_timer",
	.test_cases = ktcp_timer_cases,
};

kunit_test_suite(ktcp_timer_suite);
