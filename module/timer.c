// SPDX-License-Identifier: GPL-2.0
/*
 * The timer engine (timer.h says how it works): per-CPU bases, each a
 * hierarchical wheel (wheel.c) under a spinlock with one kernel timer armed
 * for the wheel's next expiry.
 *
 * That kernel timer is an hrtimer, not a timer_list. A timer_list fires up
 * to 12.5% of its distance late (Linux's wheel rounds an expiry up to the
 * granularity of the level it lands in, calc_index()), and the base's timer
 * stands for every entry of the wheel, including those added after it was
 * armed: an entry due after armed_for but before the rounded-up expiry
 * would inherit the slack of a far deadline, so a 250 ms RTO armed while
 * the base waited for something 2 to 16 s away could fire 256 ms late. An
 * hrtimer fires when asked; the wheel is exact, so every entry fires at its
 * own tick.
 *
 * Context: ktcp_timer_mod() and ktcp_timer_del() from any context (they take
 * the base lock with BHs off); callbacks run in softirq from the base's
 * kernel timer (HRTIMER_MODE_SOFT), with no lock held.
 */

#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/percpu.h>

#include "timer.h"

struct ktcp_timer_base {
	spinlock_t lock;		/* wheel, expired, timer arming */
	struct ktcp_wheel wheel;
	struct list_head expired;	/* taken off the wheel, not yet run */
	struct hrtimer timer;
	u64 armed_for;			/* U64_MAX when the timer is idle */
};

static struct ktcp_timer_base __percpu *ktcp_timer_bases;

/*
 * Arm @timer (HRTIMER_MODE_ABS_SOFT), which drives @w, for the wheel's
 * next expiry if that is earlier than *@armed_for (U64_MAX: idle), under
 * the wheel's lock; timewait.c's TIME_WAIT rows use it too. The wheel
 * counts jiffies, the hrtimer nanoseconds: @next is so many ticks from
 * now. Should the hrtimer beat the jiffies update to that tick, the run
 * finds nothing due and comes back one tick later.
 */
void ktcp_timer_wheel_rearm(const struct ktcp_wheel *w, struct hrtimer *timer,
			    u64 *armed_for)
{
	u64 next = ktcp_wheel_next(w), now;
	ktime_t at;

	if (next == U64_MAX || next >= *armed_for)
		return;
	*armed_for = next;
	now = get_jiffies_64();
	at = ktime_get();
	if (next > now)
		at = ktime_add_ns(at, jiffies64_to_nsecs(next - now));
	hrtimer_start(timer, at, HRTIMER_MODE_ABS_SOFT);
}

static void ktcp_timer_base_rearm(struct ktcp_timer_base *b)
{
	lockdep_assert_held(&b->lock);
	ktcp_timer_wheel_rearm(&b->wheel, &b->timer, &b->armed_for);
}

static enum hrtimer_restart ktcp_timer_base_run(struct hrtimer *h)
{
	struct ktcp_timer_base *b = container_of(h, struct ktcp_timer_base,
						 timer);
	struct ktcp_timer *t;

	spin_lock(&b->lock);
	b->armed_for = U64_MAX;
	ktcp_wheel_advance(&b->wheel, get_jiffies_64(), &b->expired);
	while (!list_empty(&b->expired)) {
		t = list_first_entry(&b->expired, struct ktcp_timer,
				     entry.node);
		list_del_init(&t->entry.node);
		spin_unlock(&b->lock);
		t->fn(t);
		spin_lock(&b->lock);
	}
	ktcp_timer_base_rearm(b);
	spin_unlock(&b->lock);
	/* Re-armed above if the wheel is not empty (restarting is allowed). */
	return HRTIMER_NORESTART;
}

void ktcp_timer_init(struct ktcp_timer *t, void (*fn)(struct ktcp_timer *t))
{
	ktcp_wheel_entry_init(&t->entry);
	t->base = raw_cpu_ptr(ktcp_timer_bases);
	t->fn = fn;
}

/* Take @t off the wheel or the expired list. Returns true if it was armed. */
static bool ktcp_timer_detach(struct ktcp_timer_base *b, struct ktcp_timer *t)
{
	lockdep_assert_held(&b->lock);
	if (ktcp_wheel_del(&b->wheel, &t->entry))
		return true;
	if (list_empty(&t->entry.node))
		return false;
	list_del_init(&t->entry.node);
	return true;
}

/* (Re)arm @t for absolute jiffies @expires. Returns true if it was armed. */
bool ktcp_timer_mod(struct ktcp_timer *t, unsigned long expires)
{
	struct ktcp_timer_base *b = t->base;
	bool was;

	spin_lock_bh(&b->lock);
	was = ktcp_timer_detach(b, t);
	ktcp_wheel_add(&b->wheel, &t->entry, expires);
	ktcp_timer_base_rearm(b);
	spin_unlock_bh(&b->lock);
	return was;
}

/* Cancel @t. Returns true if it was armed: the caller owns its reference. */
bool ktcp_timer_del(struct ktcp_timer *t)
{
	struct ktcp_timer_base *b = t->base;
	bool was;

	spin_lock_bh(&b->lock);
	was = ktcp_timer_detach(b, t);
	spin_unlock_bh(&b->lock);
	return was;
}

/* Racy by nature, like timer_pending(): for /proc and decisions under lock. */
bool ktcp_timer_pending(const struct ktcp_timer *t)
{
	return READ_ONCE(t->entry.pending);
}

unsigned long ktcp_timer_expires(const struct ktcp_timer *t)
{
	return (unsigned long)READ_ONCE(t->entry.expires);
}

/* sk_reset_timer() for ktcp: an armed timer holds a socket reference. */
void ktcp_timer_sk_reset(struct sock *sk, struct ktcp_timer *t,
			 unsigned long when)
{
	if (!ktcp_timer_mod(t, when))
		sock_hold(sk);
}

void ktcp_timer_sk_clear(struct sock *sk, struct ktcp_timer *t)
{
	if (ktcp_timer_del(t))
		__sock_put(sk);
}

/*
 * Was @t re-armed after it fired? Linux's handlers ask the same
 * (tcp_write_timer_handler(), tcp_delack_timer_handler(): icsk_timeout
 * still in the future). Between the expiry and the handler the wheel's base
 * lock is dropped, and a deferred handler waits for release_sock(), which
 * drains the backlog first: an ACK processed there (or on another CPU) may
 * have re-armed the timer, and the expiry is stale. @t is then pending
 * again, and will run the handler at its new time; or it was re-armed and
 * cancelled since, its deadline (entry.expires, kept after an expiry or a
 * cancel) still ahead, and nobody wants it to run. A timer that really
 * expired has its deadline at or before now (the wheel never fires early).
 * The socket lock is held, so nothing re-arms @t while we look.
 */
bool ktcp_timer_stale(const struct ktcp_timer *t)
{
	return ktcp_timer_pending(t) ||
	       time_after(ktcp_timer_expires(t), jiffies);
}

int ktcp_timer_bases_init(void)
{
	int cpu;

	ktcp_timer_bases = alloc_percpu(struct ktcp_timer_base);
	if (!ktcp_timer_bases)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct ktcp_timer_base *b = per_cpu_ptr(ktcp_timer_bases, cpu);

		spin_lock_init(&b->lock);
		ktcp_wheel_init(&b->wheel, get_jiffies_64());
		INIT_LIST_HEAD(&b->expired);
		hrtimer_init(&b->timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_ABS_SOFT);
		b->timer.function = ktcp_timer_base_run;
		b->armed_for = U64_MAX;
	}
	return 0;
}

/*
 * Called after every socket and request is gone (the module reference each
 * holds guarantees it), so the wheels are empty: stop the kernel timers.
 */
void ktcp_timer_bases_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ktcp_timer_base *b = per_cpu_ptr(ktcp_timer_bases, cpu);

		hrtimer_cancel(&b->timer);
		WARN_ON_ONCE(b->wheel.count || !list_empty(&b->expired));
	}
	free_percpu(ktcp_timer_bases);
}
