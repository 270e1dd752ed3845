// SPDX-License-Identifier: GPL-2.0
/*
 * When the next packet may leave: internal pacing, and TCP small queues.
 *
 * Pacing, as Linux's TCP paces when nothing below it does. A
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
 * Small queues (tcp_small_queue_check()): a socket keeps no more in the
 * qdisc and the device (sk_wmem_alloc: its skbs not yet freed there) than
 * two of its packets or a millisecond at its pacing rate (>>
 * sk_pacing_shift), at most net.ipv4.tcp_limit_output_bytes, and twice
 * that for retransmissions; unless it has at most one packet in flight.
 * Above that the socket is throttled, and the free of one of its skbs
 * (ktcp_pace_wfree(), Linux's tcp_wfree()) schedules a push from a
 * tasklet, as Linux's per-CPU TSQ tasklet does; the free keeps one unit
 * of sk_wmem_alloc, which holds the socket until the tasklet has run.
 * ktcp's packets are the GSO packets Linux would send (gso.c), so the
 * limit counts what Linux's skb of that packet would cost.
 *
 * The state is allocated the first time a socket paces or is throttled,
 * so that other sockets (nearly all) carry one pointer. The timer holds
 * a socket reference while armed; when it or the tasklet runs, timers.c
 * sends what waited, or leaves it to release_cb if a process owns the
 * socket.
 *
 * Context: the socket lock is held, except in ktcp_pace_wfree() (any) and
 * the timer's and the tasklet's callbacks (softirq).
 */

#include <linux/hrtimer.h>
#include <linux/interrupt.h>

#include "ktcp.h"

#define KTCP_PACE_FREE_SEGS	10	/* sch_fq's unpaced start */

/* ktcp_pace.tsq_flags, as Linux's TSQF_THROTTLED and TSQF_QUEUED */
enum {
	KTCP_TSQ_THROTTLED,	/* above the limit: a free must push */
	KTCP_TSQ_QUEUED,	/* the tasklet is scheduled */
};

/* Set once, under the socket lock; wfree reads it, so it is never undone. */
struct ktcp_pace {
	struct hrtimer timer;
	struct tasklet_struct tsq;
	struct sock *sk;
	unsigned long tsq_flags;
	u64 wstamp_ns;		/* tcp_wstamp_ns: the next packet's time */
	u64 credit_ns;		/* how late this packet left: its rebate */
};

/* timers.c's: send what the timer held back (ktcp_pace_setup()). */
static void (*ktcp_pace_kick)(struct sock *sk);

void ktcp_pace_setup(void (*kick)(struct sock *sk))
{
	ktcp_pace_kick = kick;
}

/* tcp_pace_kick(): the wait is over; the timer's hold goes. */
static enum hrtimer_restart ktcp_pace_fire(struct hrtimer *t)
{
	struct ktcp_pace *p = container_of(t, struct ktcp_pace, timer);

	ktcp_pace_kick(p->sk);
	sock_put(p->sk);
	return HRTIMER_NORESTART;
}

/*
 * tcp_tasklet_func(): room in the qdisc; the unit of sk_wmem_alloc that
 * ktcp_pace_wfree() kept goes (sk_free() frees a socket closed meanwhile).
 */
static void ktcp_pace_tsq_run(struct tasklet_struct *t)
{
	struct ktcp_pace *p = from_tasklet(p, t, tsq);
	struct sock *sk = p->sk;

	clear_bit(KTCP_TSQ_QUEUED, &p->tsq_flags);
	ktcp_pace_kick(sk);
	sk_free(sk);
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
	tasklet_setup(&p->tsq, ktcp_pace_tsq_run);
	p->sk = sk;
	/* ktcp_pace_wfree() may read it on another CPU: initialised first */
	smp_store_release(&ks->pace, p);
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

/*
 * tcp_small_queue_check(), before a packet that would cost @truesize as
 * Linux's skb (@factor 1: a retransmission): true if @sk has enough in
 * the qdisc and device, and is throttled until one of its skbs is freed.
 */
bool ktcp_pace_tsq_full(struct sock *sk, u32 truesize, unsigned int factor)
{
	unsigned long limit;
	struct ktcp_pace *p;

	sock_owned_by_me(sk);
	limit = max_t(unsigned long, 2 * truesize,
		      READ_ONCE(sk->sk_pacing_rate) >>
		      READ_ONCE(sk->sk_pacing_shift));
	/* paced sockets are held to their rate instead */
	if (READ_ONCE(sk->sk_pacing_status) == SK_PACING_NONE)
		limit = min_t(unsigned long, limit,
			      READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_limit_output_bytes));
	limit <<= factor;
	if (refcount_read(&sk->sk_wmem_alloc) <= limit)
		return false;
	/* tcp_rtx_queue_empty_or_single_skb(): no completion to wait for */
	if (ktcp_sk(sk)->packets_out <= 1)
		return false;
	p = ktcp_pace_get(sk);
	if (!p)
		return false;
	set_bit(KTCP_TSQ_THROTTLED, &p->tsq_flags);
	/* A free may have come before the bit was set: look again. */
	smp_mb__after_atomic();
	return refcount_read(&sk->sk_wmem_alloc) > limit;
}

/*
 * tcp_wfree(), the destructor of every skb a connected ktcp socket sends:
 * its truesize leaves sk_wmem_alloc, and if the socket was throttled the
 * tasklet pushes, holding the socket by the one unit kept back here.
 */
void ktcp_pace_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	struct ktcp_pace *p = READ_ONCE(ktcp_sk(sk)->pace);

	WARN_ON(refcount_sub_and_test(skb->truesize - 1, &sk->sk_wmem_alloc));
	if (p && test_bit(KTCP_TSQ_THROTTLED, &p->tsq_flags) &&
	    !test_and_set_bit(KTCP_TSQ_QUEUED, &p->tsq_flags)) {
		clear_bit(KTCP_TSQ_THROTTLED, &p->tsq_flags);
		tasklet_schedule(&p->tsq);
		return;
	}
	sk_free(sk);
}

/*
 * tcp_clear_xmit_timers(): stop the timer, dropping its hold if it had
 * one; a connection made again (connect(AF_UNSPEC), then connect())
 * starts unpaced and unthrottled.
 */
void ktcp_pace_stop(struct sock *sk)
{
	struct ktcp_pace *p = ktcp_sk(sk)->pace;

	if (!p)
		return;
	if (hrtimer_try_to_cancel(&p->timer) == 1)
		__sock_put(sk);
	p->wstamp_ns = 0;
	p->credit_ns = 0;
	clear_bit(KTCP_TSQ_THROTTLED, &p->tsq_flags);
}

/*
 * The socket is being freed: no timer can be armed nor the tasklet
 * scheduled (each would hold it), and a callback that dropped the last
 * hold ran before the RCU grace period that precedes this (SOCK_RCU_FREE).
 */
void ktcp_pace_free(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	kfree(ks->pace);
	ks->pace = NULL;
}
