// SPDX-License-Identifier: GPL-2.0
/*
 * Every ktcp timer, and the per-CPU wheels that drive them.
 *
 * The timers:
 *   rtx_timer (ktcp_sock)    SYN, data and FIN retransmission with
 *                            exponential backoff (RFC 6298 5.5); when the
 *                            peer's window is zero, the persist probe
 *                            (RFC 9293 3.8.6.1).
 *   tw_timer (ktcp_sock)     TIME_WAIT expiry after tw_timeout_ms (2*MSL,
 *                            RFC 9293 3.6.1), and the orphaned FIN_WAIT_2
 *                            timeout (fin_timeout_ms), as Linux does.
 *   timer (ktcp_request)     SYN-ACK retransmission (listen.c).
 *
 * Each CPU owns a wheel (wheel.c) under a spinlock and one kernel timer armed
 * for the wheel's next expiry. A ktcp_timer is bound to the wheel of the CPU
 * that initialised it, so that add and cancel touch one lock and stay O(1).
 *
 * An armed timer is in a wheel slot or, once expired, on its base's expired
 * list until its callback runs; both are protected by the base lock, so a
 * cancel on another CPU can take it off either. Whoever takes it off (the
 * runner or a successful cancel) owns the reference the armed timer held.
 *
 * Socket timers fire in softirq context. If a process owns the socket the
 * work is deferred to release_cb (ktcp_timers_release_cb()), as
 * tcp_write_timer does, so it never runs concurrently with the owner.
 */

#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/timer.h>

#include "ktcp.h"

struct ktcp_timer_base {
	spinlock_t lock;		/* wheel, expired, timer arming */
	struct ktcp_wheel wheel;
	struct list_head expired;	/* taken off the wheel, not yet run */
	struct timer_list timer;
	u64 armed_for;			/* U64_MAX when the timer is idle */
};

static struct ktcp_timer_base __percpu *ktcp_bases;

/* Arm the base's kernel timer for the wheel's next expiry if it is earlier. */
static void ktcp_base_rearm(struct ktcp_timer_base *b)
{
	u64 next = ktcp_wheel_next(&b->wheel);

	lockdep_assert_held(&b->lock);
	if (next == U64_MAX || next >= b->armed_for)
		return;
	b->armed_for = next;
	mod_timer(&b->timer, (unsigned long)next);
}

static void ktcp_base_run(struct timer_list *tl)
{
	struct ktcp_timer_base *b = from_timer(b, tl, timer);
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
	ktcp_base_rearm(b);
	spin_unlock(&b->lock);
}

void ktcp_timer_init(struct ktcp_timer *t, void (*fn)(struct ktcp_timer *t))
{
	ktcp_wheel_entry_init(&t->entry);
	t->base = raw_cpu_ptr(ktcp_bases);
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
	ktcp_base_rearm(b);
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

/* Give up on the connection after the retry limit (RFC 9293 3.8.3). */
static bool ktcp_rtx_give_up(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 limit = KTCP_DATA_RETRIES;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		limit = KTCP_SYN_RETRIES;
	if (ks->retries < limit)
		return false;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ABORTONTIMEOUT);
	ktcp_sock_reset(sk, ETIMEDOUT);
	return true;
}

/*
 * Nothing in flight, data waiting, the window too small for it: probe
 * (RFC 9293 3.8.6.1). A peer that answers keeps the connection open for as
 * long as it likes (RFC 1122 4.2.2.17); ACKs reset the count. Unanswered, a
 * connection gives up after tcp_retries2 probes, an orphan sooner
 * (RFC 6429's zero-window hold).
 */
static void ktcp_persist_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 limit = sock_flag(sk, SOCK_DEAD) ? KTCP_ORPHAN_RETRIES :
					       KTCP_DATA_RETRIES;

	if (ks->probes >= limit) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ABORTONTIMEOUT);
		ktcp_sock_reset(sk, ETIMEDOUT);
		return;
	}
	ks->probes++;
	ktcp_output_probe(sk);
	ktcp_rtt_backoff(&ks->rtt);
	ktcp_timer_sk_reset(sk, &ks->rtx_timer, jiffies + ktcp_rto(ks));
}

/* The retransmission timer proper; the socket lock is held, not by a user. */
static void ktcp_rtx_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (ks->snd_una == ks->snd_nxt) {
		if (ks->send_head)
			ktcp_persist_handler(sk);
		return;
	}
	if (ktcp_rtx_give_up(sk))
		return;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TIMEOUTS);
	ks->retries++;
	/* RFC 6298 5.5-5.6: back off, then resend from SND.UNA under cwnd 1. */
	ktcp_rtt_backoff(&ks->rtt);
	ktcp_recovery_on_rto(sk);
	ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	ktcp_output_push(sk);
}

static void ktcp_tw_handler(struct sock *sk)
{
	if (sk->sk_state == TCP_TIME_WAIT)
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TWEXPIRED);
	else if (sk->sk_state != TCP_FIN_WAIT2 || !sock_flag(sk, SOCK_DEAD))
		return;
	ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state,
						KTCP_EV_TIMEOUT, false));
	ktcp_sock_done(sk);
}

/* Run @handler now, or leave it to release_cb if a process owns @sk. */
static void ktcp_sk_timer_fire(struct sock *sk, enum ktcp_deferred bit,
			       void (*handler)(struct sock *sk))
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		handler(sk);
	else if (!test_and_set_bit(bit, &ks->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	sock_put(sk);	/* the armed timer's reference */
}

static void ktcp_rtx_timer_fn(struct ktcp_timer *t)
{
	struct ktcp_sock *ks = container_of(t, struct ktcp_sock, rtx_timer);

	ktcp_sk_timer_fire(&ks->inet.sk, KTCP_RTX_DEFERRED, ktcp_rtx_handler);
}

static void ktcp_tw_timer_fn(struct ktcp_timer *t)
{
	struct ktcp_sock *ks = container_of(t, struct ktcp_sock, tw_timer);

	ktcp_sk_timer_fire(&ks->inet.sk, KTCP_TW_DEFERRED, ktcp_tw_handler);
}

void ktcp_timers_sk_init(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_timer_init(&ks->rtx_timer, ktcp_rtx_timer_fn);
	ktcp_timer_init(&ks->tw_timer, ktcp_tw_timer_fn);
}

void ktcp_timers_sk_stop(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	ktcp_timer_sk_clear(sk, &ks->tw_timer);
}

/* proto.release_cb: run what timers deferred while the user held @sk. */
void ktcp_timers_release_cb(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (test_and_clear_bit(KTCP_RTX_DEFERRED, &ks->deferred)) {
		ktcp_rtx_handler(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(KTCP_TW_DEFERRED, &ks->deferred)) {
		ktcp_tw_handler(sk);
		__sock_put(sk);
	}
}

void ktcp_timers_enter_timewait(struct sock *sk, unsigned long timeout)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	ktcp_timer_sk_reset(sk, &ks->tw_timer, jiffies + timeout);
}

int ktcp_timers_init(void)
{
	int cpu;

	ktcp_bases = alloc_percpu(struct ktcp_timer_base);
	if (!ktcp_bases)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct ktcp_timer_base *b = per_cpu_ptr(ktcp_bases, cpu);

		spin_lock_init(&b->lock);
		ktcp_wheel_init(&b->wheel, get_jiffies_64());
		INIT_LIST_HEAD(&b->expired);
		timer_setup(&b->timer, ktcp_base_run, 0);
		b->armed_for = U64_MAX;
	}
	return 0;
}

/*
 * Called after every socket and request is gone (the module reference each
 * holds guarantees it), so the wheels are empty: stop the kernel timers.
 */
void ktcp_timers_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ktcp_timer_base *b = per_cpu_ptr(ktcp_bases, cpu);

		timer_shutdown_sync(&b->timer);
		WARN_ON_ONCE(b->wheel.count || !list_empty(&b->expired));
	}
	free_percpu(ktcp_bases);
}
