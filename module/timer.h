/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The timer engine: per-CPU hierarchical wheels (wheel.c) driven by one
 * kernel timer each. It knows nothing of TCP; timers.c holds the protocol's
 * timers and their handlers, listen.c the SYN-ACK timer of a request.
 *
 * Each CPU owns a wheel under a spinlock and one kernel timer armed for the
 * wheel's next expiry (an hrtimer, which fires when asked: timer.c says
 * why). A ktcp_timer is bound to the wheel of the CPU that initialised it,
 * so that add and cancel touch one lock and stay O(1).
 *
 * An armed timer is in a wheel slot or, once expired, on its base's expired
 * list until its callback runs; both are protected by the base lock, so a
 * cancel on another CPU can take it off either. Whoever takes it off (the
 * runner or a successful cancel) owns the reference the armed timer held.
 */
#ifndef _KTCP_TIMER_H
#define _KTCP_TIMER_H

#include <net/sock.h>

#include "wheel.h"

struct ktcp_timer_base;

/*
 * A timer on the per-CPU wheels. A pending timer holds a reference on the
 * object it belongs to (the socket, or the request); the callback runs in
 * softirq context with no lock held and must drop that reference.
 */
struct ktcp_timer {
	struct ktcp_wheel_entry entry;
	struct ktcp_timer_base *base;	/* fixed at init: the wheel it uses */
	void (*fn)(struct ktcp_timer *t);
};

void ktcp_timer_wheel_rearm(const struct ktcp_wheel *w, struct hrtimer *timer,
			    u64 *armed_for);
int ktcp_timer_bases_init(void);
void ktcp_timer_bases_exit(void);

void ktcp_timer_init(struct ktcp_timer *t, void (*fn)(struct ktcp_timer *t));
bool ktcp_timer_mod(struct ktcp_timer *t, unsigned long expires);
bool ktcp_timer_del(struct ktcp_timer *t);
bool ktcp_timer_pending(const struct ktcp_timer *t);
unsigned long ktcp_timer_expires(const struct ktcp_timer *t);
bool ktcp_timer_stale(const struct ktcp_timer *t);

/* sk_reset_timer()/sk_stop_timer() for ktcp: an armed timer holds a ref. */
void ktcp_timer_sk_reset(struct sock *sk, struct ktcp_timer *t,
			 unsigned long when);
void ktcp_timer_sk_clear(struct sock *sk, struct ktcp_timer *t);

#endif /* _KTCP_TIMER_H */
