// SPDX-License-Identifier: GPL-2.0
/*
 * Internal pacing, as Linux's TCP paces when nothing below it does. A
 * socket's sk_pacing_status is SK_PACING_NEEDED once SO_MAX_PACING_RATE
 * sets a limit (sk_setsockopt()), and SK_PACING_FQ once sch_fq has seen
 * its packets (fq_classify()), which then paces them by sk_pacing_rate
 * itself. While it is NEEDED (tcp_needs_internal_pacing()), the stack
 * spaces its packets by the pacing rate: each one's departure time
 * (tcp_wstamp_ns) moves on by its length at the rate
 * (tcp_update_skb_after_send()), and the next waits for that time on a
 * high-resolution timer (tcp_pacing_check(), tcp_pace_kick()). As in
 * Linux, the first ten data segments of a connection are not paced, and a
 * packet that leaves late (the timer's jitter, an idle sender) takes up
 * to half of its own time off the next one's wait.
 *
 * ktcp sends segment by segment but in the packets Linux's GSO would
 * send (gso.c): a packet's segments leave back to back, the time it
 * takes is the sum of theirs, and the wait comes before the next packet
 * or retransmission, so the wire shows Linux's bursts and gaps.
 *
 * The state is allocated the first time a socket needs it, so that
 * sockets that never pace (nearly all) carry one pointer. The timer holds
 * a socket reference while armed; when it fires, timers.c sends what
 * waited, or leaves it to release_cb if a process owns the socket.
 *
 * Context: the socket lock is held, except in the timer's callback.
 */

#include <linux/hrtimer.h>

#include "ktcp.h"

#define KTCP_PACE_FREE_SEGS	10	/* sch_fq's unpaced start */

struct ktcp_pace {
	struct hrtimer timer;
	struct sock *sk;
	u64 wstamp_ns;		/* tcp_wstamp_ns: the next packet's time */
	u64 credit_ns;		/* how late this packet left: its rebate */
};

/* timers.c's: send what the timer held back (ktcp_pace_setup()). */
static void (*ktcp_pace_kick)(struct sock *sk);

void ktcp_pace_setup(void (*kick)(struct sock *sk))
{
	ktcp_pace_kick = kick;
}

/* tcp_pace_kick(): the wait is over; the kick drops the timer's hold. */
static enum hrtimer_restart ktcp_pace_fire(struct hrtimer *t)
{
	struct ktcp_pace *p = container_of(t, struct ktcp_pace, timer);

	ktcp_pace_kick(p->sk);
	return HRTIMER_NORESTART;
}

/* tcp_needs_internal_pacing(): SO_MAX_PACING_RATE without sch_fq. */
static bool ktcp_pace_needed(const struct sock *sk)
{
	/* pairs with fq_classify()'s smp_store_release() of SK_PACING_FQ */
	return smp_load_acquire(&sk->sk_pacing_status) == SK_PACING_NEEDED;
}

/* @sk's pacing state, allocated on first use; NULL if memory is short. */
static struct ktcp_pace *ktcp_pace_get(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_pace *p = ks->pace;

	if (likely(p))
		return p;
	p = kzalloc(sizeof(*p), GFP_ATOMIC);
	if (!p)
		return NULL;	/* unpaced, as before SO_MAX_PACING_RATE */
	hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_SOFT);
	p->timer.function = ktcp_pace_fire;
	p->sk = sk;
	ks->pace = p;
	return p;
}

/*
 * tcp_pacing_check(), before a packet (or a retransmission): true if it
 * must wait, the timer armed for its time; false to send it now.
 */
bool ktcp_pace_wait(struct sock *sk)
{
	struct ktcp_pace *p;
	u64 now;

	sock_owned_by_me(sk);
	if (likely(!ktcp_pace_needed(sk)))
		return false;
	p = ktcp_pace_get(sk);
	if (!p)
		return false;
	now = tcp_clock_ns();
	if (p->wstamp_ns > now) {
		if (!hrtimer_is_queued(&p->timer)) {
			sock_hold(sk);
			hrtimer_start(&p->timer, ns_to_ktime(p->wstamp_ns),
				      HRTIMER_MODE_ABS_PINNED_SOFT);
		}
		return true;
	}
	/* __tcp_transmit_skb(): tcp_wstamp_ns catches up with the clock */
	p->credit_ns = now - p->wstamp_ns;
	p->wstamp_ns = now;
	return false;
}

/*
 * tcp_update_skb_after_send(): a segment of @len bytes of payload left;
 * the next packet's time moves on by its length at the pacing rate, less
 * up to half of that for lateness.
 */
void ktcp_pace_sent(struct sock *sk, u32 len)
{
	unsigned long rate = READ_ONCE(sk->sk_pacing_rate);
	struct ktcp_pace *p = ktcp_sk(sk)->pace;
	u64 len_ns, rebate;

	if (!p || !ktcp_pace_needed(sk) || rate == ~0UL || !rate ||
	    ktcp_sk(sk)->data_segs_out < KTCP_PACE_FREE_SEGS)
		return;
	len_ns = div64_ul((u64)len * NSEC_PER_SEC, rate);
	rebate = min(len_ns / 2, p->credit_ns);
	p->credit_ns -= rebate;
	p->wstamp_ns += len_ns - rebate;
}

/* tcp_clear_xmit_timers(): stop the timer, dropping its hold if it had one. */
void ktcp_pace_stop(struct sock *sk)
{
	struct ktcp_pace *p = ktcp_sk(sk)->pace;

	if (p && hrtimer_try_to_cancel(&p->timer) == 1)
		__sock_put(sk);
}

/*
 * The socket is being freed: no timer can be armed (it would hold a
 * reference), and a callback that dropped the last one ran before the RCU
 * grace period that precedes this (SOCK_RCU_FREE).
 */
void ktcp_pace_free(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	kfree(ks->pace);
	ks->pace = NULL;
}
