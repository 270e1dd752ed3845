// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol's timers and what each does when it fires. The engine that
 * drives them (per-CPU wheels) is timer.c.
 *
 * The timers:
 *   rtx_timer (ktcp_sock)    SYN, data and FIN retransmission with
 *                            exponential backoff (RFC 6298 5.5); when the
 *                            peer's window is zero, the persist probe
 *                            (RFC 9293 3.8.6.1); RACK's reordering timer
 *                            and the tail loss probe (RFC 8985), as
 *                            Linux's icsk_retransmit_timer serves all
 *                            four (ktcp_sock.rtx_pending says which).
 *   state_timer (ktcp_sock)  one timer per state, as Linux's sk_timer:
 *                            keepalive from ESTABLISHED to LAST_ACK
 *                            (RFC 9293 3.8.4, RFC 1122 4.2.3.6); the
 *                            orphaned FIN_WAIT_2 timeout (fin_timeout);
 *                            TIME_WAIT expiry after tw_timeout_ms (2*MSL,
 *                            RFC 9293 3.6.1).
 *   delack_timer (ktcp_sock) the delayed ACK after ato (window.c), at
 *                            most about 200 ms (RFC 9293 3.8.6.3,
 *                            tcp_send_delayed_ack()).
 *   timer (ktcp_request)     SYN-ACK retransmission (listen.c).
 *
 * Socket timers fire in softirq context. If a process owns the socket the
 * work is deferred to release_cb (ktcp_timers_release_cb()), as
 * tcp_write_timer does, so it never runs concurrently with the owner. Either
 * way the handler runs only if the timer was not re-armed in the meantime
 * (ktcp_timer_stale()).
 *
 * Context: every handler runs with the socket lock held and no process
 * owning the socket (softirq), or from release_sock() (the owner).
 */

#include <linux/jiffies.h>

#include "ktcp.h"
#include "recovery.h"

/* Linux 6.12's defaults (include/net/tcp.h, net/ipv4/tcp_timer.c). */
#define KTCP_ORPHAN_RETRIES	8	/* tcp_orphan_retries() when 0 */
/* tcp_delack_max(): below the RTO floor, TCP_RTO_MIN less a tick. */
#define KTCP_DELACK_LIMIT	min_t(u32, KTCP_DELACK_MAX, \
				      max_t(u32, TCP_RTO_MIN, 2) - 1)

/* TCP_USER_TIMEOUT (RFC 5482): unacknowledged for longer than allowed. */
static bool ktcp_timers_user_timeout_hit(const struct ktcp_sock *ks, u32 since)
{
	return ks->user_timeout &&
	       tcp_jiffies32 - since >= msecs_to_jiffies(ks->user_timeout);
}

/*
 * The next probe's interval (tcp_probe0_when()), cut to what is left of
 * TCP_USER_TIMEOUT so that the abort is on time
 * (tcp_clamp_probe0_to_user_timeout()).
 */
static unsigned long ktcp_timers_probe_when(const struct ktcp_sock *ks)
{
	unsigned long when = ktcp_rto(ks);
	u32 left;

	if (!ks->user_timeout || !ks->probes_tstamp)
		return when;
	left = msecs_to_jiffies(ks->user_timeout) -
	       max_t(s32, tcp_jiffies32 - ks->probes_tstamp, 0);
	return min_t(unsigned long, when, max_t(u32, left, TCP_TIMEOUT_MIN));
}

/*
 * tcp_orphan_retries(): net.ktcp.orphan_retries, or when it is 0 (its
 * default) 8 while the backed-off RTO is under TCP_RTO_MAX (@alive) and 0
 * after; 0 too once an ICMP error said the path is broken.
 */
static int ktcp_timers_orphan_retries(struct sock *sk, bool alive)
{
	int retries = READ_ONCE(ktcp_pernet(sock_net(sk))->orphan_retries);

	if (READ_ONCE(sk->sk_err_soft) && !alive)
		retries = 0;
	if (!retries && alive)
		retries = KTCP_ORPHAN_RETRIES;
	return retries;
}

/*
 * An orphan the namespace cannot afford (tcp_out_of_resources()): too many
 * orphans, counted double for a connection silent for 2 * TCP_RTO_MAX or
 * past its retries (!@do_reset) and again after an ICMP error. It is
 * reset if it sent recently or its peer's window is shut, else just
 * dropped. True if @sk is gone.
 */
static bool ktcp_timers_out_of_resources(struct sock *sk, bool do_reset)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int shift = 0;

	if ((s32)(tcp_jiffies32 - ks->lsndtime) > 2 * TCP_RTO_MAX || !do_reset)
		shift++;
	if (READ_ONCE(sk->sk_err_soft))
		shift++;
	if (ktcp_sock_check_oom(sk, shift)) {
		if ((s32)(tcp_jiffies32 - ks->lsndtime) <= TCP_TIMEWAIT_LEN ||
		    (!ks->snd_wnd && !ks->packets_out))
			do_reset = true;
		if (do_reset)
			ktcp_xmit_rst(sk, GFP_ATOMIC,
				      SK_RST_REASON_TCP_ABORT_ON_MEMORY);
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPABORTONMEMORY);
		ktcp_sock_done(sk);
		return true;
	}
	if (!check_net(sock_net(sk))) {	/* the namespace is going away */
		ktcp_sock_done(sk);
		return true;
	}
	return false;
}

static void ktcp_timers_abort(struct sock *sk)
{
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ABORTONTIMEOUT);
	ktcp_sock_reset(sk, ETIMEDOUT);
}

/* Abort after @limit retransmissions, or TCP_USER_TIMEOUT. */
static bool ktcp_timers_check_limit(struct sock *sk, int limit)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ks->retries < limit &&
	    !ktcp_timers_user_timeout_hit(ks, ks->rto_stamp))
		return false;
	ktcp_timers_abort(sk);
	return true;
}

/*
 * tcp_model_timeout(): how long @boundary retransmissions take, backing
 * off from @rto_base up to TCP_RTO_MAX (jiffies).
 */
static u32 ktcp_timers_model_timeout(u32 boundary, u32 rto_base)
{
	u32 thresh = ilog2(TCP_RTO_MAX / rto_base);

	if (boundary <= thresh)
		return ((2U << boundary) - 1) * rto_base;
	return ((2U << thresh) - 1) * rto_base +
	       (boundary - thresh) * TCP_RTO_MAX;
}

/*
 * A handshake gives up (tcp_write_timeout()) after syn_retries (TCP_SYNCNT)
 * retransmissions, plus syn_linear_timeouts in SYN_SENT, or once the time
 * since the first SYN reaches what syn_retries exponential timeouts from
 * 1 s would take, or TCP_USER_TIMEOUT instead if set.
 */
static bool ktcp_timers_syn_give_up(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 retries = ktcp_syn_retries(sk), max = retries, timeout;

	if (sk->sk_state == TCP_SYN_SENT)
		max += READ_ONCE(ktcp_pernet(sock_net(sk))->syn_linear_timeouts);
	if (ks->retries < max) {
		if (!ks->retries)
			return false;
		timeout = ks->user_timeout ? msecs_to_jiffies(ks->user_timeout) :
			  ktcp_timers_model_timeout(retries, TCP_TIMEOUT_INIT);
		if (tcp_jiffies32 - ks->rto_stamp < timeout)
			return false;
	}
	ktcp_timers_abort(sk);
	return true;
}

/* When the head segment (the SYN) was first sent, in jiffies. */
static u32 ktcp_timers_first_sent(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	u32 ago;

	if (!skb)
		return tcp_jiffies32;
	ago = (u32)tcp_clock_us() - KTCP_SKB_CB(skb)->when;
	return tcp_jiffies32 - usecs_to_jiffies(ago);
}

/*
 * Give up on the connection after the retry limit (RFC 9293 3.8.3,
 * tcp_write_timeout()); an orphan sooner, or at once if orphans are too
 * many. True if @sk is gone.
 */
static bool ktcp_timers_rtx_give_up(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int limit = READ_ONCE(ktcp_pernet(sock_net(sk))->retries2);

	if (!ks->retries)
		ks->rto_stamp = tcp_jiffies32;
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* Linux counts from the first SYN (retrans_stamp) */
		if (!ks->retries)
			ks->rto_stamp = ktcp_timers_first_sent(sk);
		return ktcp_timers_syn_give_up(sk);
	}
	/* tcp_write_timeout(): past retries1, the route may be bad */
	if (ks->retries >= READ_ONCE(ktcp_pernet(sock_net(sk))->retries1))
		__dst_negative_advice(sk);
	if (sock_flag(sk, SOCK_DEAD)) {
		bool alive = ktcp_rto(ks) < TCP_RTO_MAX;

		limit = ktcp_timers_orphan_retries(sk, alive);
		if (ktcp_timers_out_of_resources(sk, alive ||
						 ks->retries < limit))
			return true;
	}
	return ktcp_timers_check_limit(sk, limit);
}

/*
 * A timeout the connection survives: its path may be what fails, so it
 * draws a new txhash, its IPv6 flow label, for another one (the end of
 * tcp_write_timeout(); sk_rethink_txhash() heeds SO_TXREHASH).
 */
static void ktcp_timers_rehash(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (sk_rethink_txhash(sk)) {
		ks->timeout_rehash++;
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPTIMEOUTREHASH);
	}
}

/*
 * Nothing in flight, data waiting, the window too small for it: probe
 * (RFC 9293 3.8.6.1), as tcp_probe_timer(). A peer that answers keeps the
 * connection open for as long as it likes (RFC 1122 4.2.2.17): its ACKs
 * reset the count of unanswered probes, not the backoff. But
 * TCP_USER_TIMEOUT counts from the first probe, answered or not
 * (icsk_probes_tstamp), and an orphan dies once its backed-off interval
 * reaches TCP_RTO_MAX, or at once if orphans are too many: a peer that
 * holds its window shut cannot keep a closed socket and its send queue
 * forever (the FIN_WAIT_1 denial of service).
 */
static void ktcp_timers_persist_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int retries2 = READ_ONCE(ktcp_pernet(sock_net(sk))->retries2);
	int max_probes = retries2;	/* tcp_probe_timer() */

	if (!ks->probes_tstamp)
		ks->probes_tstamp = tcp_jiffies32 ?: 1;
	else if (ktcp_timers_user_timeout_hit(ks, ks->probes_tstamp))
		return ktcp_timers_abort(sk);
	if (sock_flag(sk, SOCK_DEAD)) {
		bool alive = ktcp_rto(ks) < TCP_RTO_MAX;

		max_probes = ktcp_timers_orphan_retries(sk, alive);
		if (!alive && ks->rtt.backoff >= max_probes)
			return ktcp_timers_abort(sk);
		if (ktcp_timers_out_of_resources(sk, true))
			return;
	}
	if (ks->probes >= max_probes)
		return ktcp_timers_abort(sk);
	ks->probes++;
	if (ktcp_output_probe(sk)) {
		/* tcp_send_probe0(): local congestion, retried without backoff */
		ktcp_timer_sk_reset(sk, &ks->rtx_timer,
				    jiffies + TCP_RESOURCE_PROBE_INTERVAL);
		return;
	}
	if (ks->rtt.backoff < retries2)	/* tcp_send_probe0() */
		ktcp_rtt_backoff(&ks->rtt);
	ktcp_timer_sk_reset(sk, &ks->rtx_timer, jiffies +
			    ktcp_timers_probe_when(ks));
}

/*
 * TCP_INFO's RTO counters (tcp_update_rto_stats()): the first timeout of a
 * run begins an RTO recovery, which lasts until cwnd leaves Loss or the
 * handshake completes.
 */
static void ktcp_timers_rto_stats(struct ktcp_sock *ks)
{
	if (!ks->retries) {
		ks->total_rto_recoveries++;
		ks->rto_recovery_ms = tcp_clock_ms() ?: 1;
	}
	ks->total_rto++;
}

/*
 * RACK's reordering timer (tcp_rack_reo_timeout()): retransmit what it
 * found lost, then the RTO again unless that armed it.
 */
static void ktcp_timers_reo_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ktcp_recovery_reo_timeout(sk))
		ktcp_output_push(sk);
	if (ks->rtx_pending != KTCP_TIME_RETRANS ||
	    !ktcp_timer_pending(&ks->rtx_timer))
		ktcp_tlp_rearm_rto(sk);
}

/*
 * tcp_fastopen_synack_timer(): a Fast Open child's SYN-ACK, at the head
 * of its write queue, timed out. Resent alone, 1 s doubling, until
 * TCP_SYNCNT or synack_retries + 1 timeouts; cwnd falls to Loss's only
 * at the second (the first is what a plain handshake's SYN-ACK may
 * take), and no new path is sought (no tcp_write_timeout()).
 */
static void ktcp_timers_fastopen_synack(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TIMEOUTS);	/* syn_ack_timeout */
	if (ks->retries >= ktcp_fastopen_synack_retries(sk))
		return ktcp_timers_abort(sk);
	if (ks->retries == 1)
		ktcp_recovery_on_rto(sk);	/* tcp_enter_loss() */
	ktcp_output_retransmit(sk);
	WRITE_ONCE(ks->retries, ks->retries + 1);
	ktcp_rtt_backoff(&ks->rtt);
	ktcp_rtx_arm(sk, KTCP_TIME_RETRANS, ktcp_rto(ks));
}

/*
 * rtx_timer fired; the socket lock is held, not by a user. What for is
 * rtx_pending's (tcp_write_timer_handler()).
 */
static void ktcp_timers_rtx_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	switch (ks->rtx_pending) {
	case KTCP_TIME_REO:
		ktcp_timers_reo_handler(sk);
		return;
	case KTCP_TIME_PROBE:
		ktcp_output_loss_probe(sk);
		return;
	}
	ks->rtx_pending = 0;
	if (ktcp_fastopen_passive(sk))	/* tcp_retransmit_timer() */
		return ktcp_timers_fastopen_synack(sk);
	if (ks->snd_una == ks->snd_nxt) {
		if (ks->send_head)
			ktcp_timers_persist_handler(sk);
		return;
	}
	ks->probes_tstamp = 0;		/* tcp_probe_timer(): not probing */
	if (ktcp_timers_rtx_give_up(sk))
		return;
	ktcp_timers_rehash(sk);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TIMEOUTS);
	ktcp_timers_rto_stats(ks);
	WRITE_ONCE(ks->retries, ks->retries + 1);
	/*
	 * RFC 6298 5.5-5.6: back off, then resend from SND.UNA under cwnd 1;
	 * the first syn_linear_timeouts SYN timeouts do not back off
	 * (tcp_retransmit_timer()).
	 */
	if (sk->sk_state != TCP_SYN_SENT || ks->total_rto >
	    READ_ONCE(ktcp_pernet(sock_net(sk))->syn_linear_timeouts))
		ktcp_rtt_backoff(&ks->rtt);
	ktcp_recovery_on_rto(sk);
	ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	ktcp_output_push(sk);
}

/*
 * The states keepalive runs in (tcp_keepalive_timer): all but CLOSE,
 * SYN_SENT and LISTEN, and TIME_WAIT, which has the timer to itself here (a
 * tw sock in Linux). SYN_RECV is left out too: a simultaneous open arms the
 * timer when it becomes ESTABLISHED (ktcp_sock_established()).
 */
#define KTCP_KEEPALIVE_STATES	(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | \
				 TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | \
				 TCPF_CLOSING | TCPF_LAST_ACK)

/*
 * Keepalive (RFC 1122 4.2.3.6, tcp_keepalive_timer): after keepidle with
 * nothing received and nothing to send, probe every keepintvl. keepcnt
 * probes unanswered end the connection; with TCP_USER_TIMEOUT set, the user
 * timeout does instead, once a probe went unanswered (Linux's choice: the
 * one replaces the other).
 */
static void ktcp_timers_keepalive_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 idle = tcp_jiffies32 - ks->rcv_tstamp;
	u32 keepidle = ktcp_keepalive_time(sk);
	unsigned long next = keepidle;

	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & KTCP_KEEPALIVE_STATES))
		return;
	if (ks->packets_out || ks->send_head) {
		/* The retransmission or persist timer watches the peer. */
	} else if (idle >= keepidle) {
		if (ks->user_timeout ?
		    ks->probes && ktcp_timers_user_timeout_hit(ks, ks->rcv_tstamp) :
		    ks->probes >= ktcp_keepalive_probes(sk)) {
			KTCP_INC_STATS(sock_net(sk), KTCP_MIB_KEEPALIVEDROPS);
			ktcp_xmit_rst(sk, GFP_ATOMIC,
				      SK_RST_REASON_TCP_KEEPALIVE_TIMEOUT);
			ktcp_sock_reset(sk, ETIMEDOUT);
			return;
		}
		ks->probes++;
		ktcp_output_probe(sk);
		next = ktcp_keepalive_intvl(sk);
	} else {
		next = keepidle - idle;
	}
	ktcp_timer_sk_reset(sk, &ks->state_timer, jiffies + next);
}

static void ktcp_timers_state_handler(struct sock *sk)
{
	if (sk->sk_state == TCP_TIME_WAIT) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TWEXPIRED);
	} else if (sk->sk_state != TCP_FIN_WAIT2 || !sock_flag(sk, SOCK_DEAD)) {
		ktcp_timers_keepalive_handler(sk);
		return;
	}
	ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state,
						KTCP_EV_TIMEOUT, false));
	ktcp_sock_done(sk);
}

/*
 * The delayed ACK is due (tcp_delack_timer_handler()). It was late: the
 * peer is slow, wait longer next time; in pingpong mode the answer we
 * waited for did not come, so the connection is not interactive after all.
 */
static void ktcp_timers_delack_handler(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN) || !ks->ack_timer)
		return;
	if (time_after((unsigned long)ks->delack_due, jiffies)) {
		ktcp_timer_sk_reset(sk, &ks->delack_timer, ks->delack_due);
		return;
	}
	ks->ack_timer = 0;
	if (!ks->ack_pending)
		return;
	if (!ktcp_window_pingpong(sk)) {
		ks->ato = min3(ks->ato << 1, (u32)ktcp_rto(ks),
			       (u32)KTCP_DELACK_MAX);
	} else {
		ks->pingpong = 0;
		ks->ato = KTCP_ATO_MIN;
	}
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_DELAYEDACKS);
	ktcp_xmit_ack(sk);
}

/*
 * SO_KEEPALIVE (proto.keepalive, tcp_set_keepalive), TCP_KEEPIDLE: start or
 * stop the keepalive timer. A socket the application holds keeps it through
 * FIN_WAIT1/2, CLOSING and LAST_ACK: the handler re-arms it there too.
 */
void ktcp_timers_keepalive(struct sock *sk, int on)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	if (!((1 << sk->sk_state) & KTCP_KEEPALIVE_STATES))
		return;
	if (on)
		ktcp_timer_sk_reset(sk, &ks->state_timer,
				    jiffies + ktcp_keepalive_time(sk));
	else
		ktcp_timer_sk_clear(sk, &ks->state_timer);
}

/*
 * Owe an ACK: send it within ato unless data carries it first
 * (tcp_send_delayed_ack()): ato bounded by 500 ms, 200 ms when interactive
 * or after a pushed segment, and by the RTT; an earlier deadline already
 * set stays, and one about to pass sends the ACK now.
 */
void ktcp_timers_delack(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 srtt = ktcp_rtt_srtt_us(&ks->rtt), ato;
	unsigned long due;

	sock_owned_by_me(sk);
	ato = ktcp_window_delack_calc(ks->ato, ktcp_window_pingpong(sk) ||
				      ks->ack_pushed,
				      srtt ? usecs_to_jiffies(srtt) : 0,
				      KTCP_DELACK_LIMIT);
	due = jiffies + ato;
	if (ks->ack_timer) {
		if (time_before_eq((unsigned long)ks->delack_due,
				   jiffies + (ato >> 2))) {
			ktcp_xmit_ack(sk);
			return;
		}
		if (!time_before(due, (unsigned long)ks->delack_due))
			due = ks->delack_due;
	}
	ks->ack_pending = 1;
	ks->ack_timer = 1;
	ks->delack_due = due;
	ktcp_timer_sk_reset(sk, &ks->delack_timer, due);
}

/*
 * tcp_rcv_synsent_state_process(): the ACK of a SYN-ACK waits, at most
 * TCP_DELACK_MAX, when a writer waits for the handshake (its data will
 * carry it: a blocking Fast Open sendto(), a send() while connecting),
 * TCP_DEFER_ACCEPT is set, or the socket is interactive; quick ACKs then.
 */
void ktcp_timers_delack_synack(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	ktcp_window_enter_quickack(sk, KTCP_MAX_QUICKACKS);
	ks->ack_pending = 1;
	ks->ack_timer = 1;
	ks->delack_due = jiffies + KTCP_DELACK_MAX;
	ktcp_timer_sk_reset(sk, &ks->delack_timer, ks->delack_due);
}

/* Run @handler for the expiry of @t unless @t was re-armed since. */
static void ktcp_timers_run(struct sock *sk, struct ktcp_timer *t,
			    void (*handler)(struct sock *sk))
{
	sock_owned_by_me(sk);
	if (!ktcp_timer_stale(t))
		handler(sk);
}

/* Run @handler now, or leave it to release_cb if a process owns @sk. */
static void ktcp_timers_fire(struct sock *sk, struct ktcp_timer *t,
			     enum ktcp_deferred bit,
			       void (*handler)(struct sock *sk))
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		ktcp_timers_run(sk, t, handler);
	else if (!test_and_set_bit(bit, &ks->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	sock_put(sk);	/* the armed timer's reference */
}

static void ktcp_timers_rtx_fn(struct ktcp_timer *t)
{
	struct ktcp_sock *ks = container_of(t, struct ktcp_sock, rtx_timer);

	ktcp_timers_fire(&ks->inet.sk, t, KTCP_RTX_DEFERRED,
			 ktcp_timers_rtx_handler);
}

static void ktcp_timers_state_fn(struct ktcp_timer *t)
{
	struct ktcp_sock *ks = container_of(t, struct ktcp_sock, state_timer);

	ktcp_timers_fire(&ks->inet.sk, t, KTCP_STATE_DEFERRED,
			 ktcp_timers_state_handler);
}

static void ktcp_timers_delack_fn(struct ktcp_timer *t)
{
	struct ktcp_sock *ks = container_of(t, struct ktcp_sock, delack_timer);

	ktcp_timers_fire(&ks->inet.sk, t, KTCP_DELACK_DEFERRED,
			 ktcp_timers_delack_handler);
}

/*
 * What the pacing timer held back (pace.c) may go: tcp_tsq_write(), in the
 * states that send data.
 */
static void ktcp_timers_pace_handler(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				   TCPF_CLOSING | TCPF_CLOSE_WAIT |
				   TCPF_LAST_ACK))
		ktcp_output_push(sk);
}

/*
 * The pacing timer fired, or the qdisc freed enough of what small queues
 * held back (pace.c; tcp_tsq_handler()): push now, or from release_cb if
 * a process owns @sk. The caller holds @sk (a process owning it does too).
 */
void ktcp_timers_pace_kick(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		ktcp_timers_pace_handler(sk);
	else if (!test_and_set_bit(KTCP_PACE_DEFERRED, &ks->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
}

void ktcp_timers_sk_init(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_timer_init(&ks->rtx_timer, ktcp_timers_rtx_fn);
	ktcp_timer_init(&ks->state_timer, ktcp_timers_state_fn);
	ktcp_timer_init(&ks->delack_timer, ktcp_timers_delack_fn);
}

void ktcp_timers_sk_stop(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	ktcp_timer_sk_clear(sk, &ks->state_timer);
	ktcp_timer_sk_clear(sk, &ks->delack_timer);
	ks->ack_timer = 0;
	ktcp_pace_stop(sk);
}

/*
 * proto.release_cb: run what timers deferred while the user held @sk. The
 * backlog was drained just before (release_sock()), so each expiry is
 * checked again for a re-arm (ktcp_timer_stale()).
 */
void ktcp_timers_release_cb(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	if (test_and_clear_bit(KTCP_RTX_DEFERRED, &ks->deferred)) {
		ktcp_timers_run(sk, &ks->rtx_timer, ktcp_timers_rtx_handler);
		__sock_put(sk);
	}
	if (test_and_clear_bit(KTCP_STATE_DEFERRED, &ks->deferred)) {
		ktcp_timers_run(sk, &ks->state_timer, ktcp_timers_state_handler);
		__sock_put(sk);
	}
	if (test_and_clear_bit(KTCP_DELACK_DEFERRED, &ks->deferred)) {
		ktcp_timers_run(sk, &ks->delack_timer, ktcp_timers_delack_handler);
		__sock_put(sk);
	}
	if (test_and_clear_bit(KTCP_MTU_DEFERRED, &ks->deferred)) {
		ktcp_pmtu_reduced(sk);	/* icmp.c deferred it */
		__sock_put(sk);
	}
	if (test_and_clear_bit(KTCP_PACE_DEFERRED, &ks->deferred)) {
		ktcp_timers_pace_handler(sk);
		__sock_put(sk);
	}
}

void ktcp_timers_enter_timewait(struct sock *sk, unsigned long timeout)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	ktcp_timer_sk_clear(sk, &ks->delack_timer);
	ks->ack_timer = 0;
	ks->tw_start = jiffies;		/* ktcp_sock_tw_retime() */
	ktcp_timer_sk_reset(sk, &ks->state_timer, jiffies + timeout);
}

/*
 * The timer /proc/net/ktcp and sock_diag show for a socket, with Linux's
 * codes (get_tcp4_sock(), inet_sk_diag_fill(), get_timewait4_sock()):
 * 1 retransmission (RTO, RACK's reordering timer, the loss probe), 4 the
 * zero-window probe (rtx_timer armed with nothing in flight), 2 the state
 * timer (keepalive, an orphan's FIN_WAIT_2 timeout: Linux's sk_timer),
 * 3 TIME_WAIT, 0 none. *@expires is when it fires (jiffies when none).
 * Read without the socket lock, as Linux does: a snapshot.
 */
u8 ktcp_timers_shown(const struct sock *sk, unsigned long *expires)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u8 pending;

	if (inet_sk_state_load(sk) == TCP_TIME_WAIT) {
		*expires = ktcp_timer_pending(&ks->state_timer) ?
			   ktcp_timer_expires(&ks->state_timer) : jiffies;
		return 3;
	}
	if (ktcp_timer_pending(&ks->rtx_timer)) {
		*expires = ktcp_timer_expires(&ks->rtx_timer);
		pending = READ_ONCE(ks->rtx_pending);
		if (pending != KTCP_TIME_REO && pending != KTCP_TIME_PROBE &&
		    READ_ONCE(ks->snd_una) == READ_ONCE(ks->snd_nxt))
			return 4;
		return 1;
	}
	if (ktcp_timer_pending(&ks->state_timer)) {
		*expires = ktcp_timer_expires(&ks->state_timer);
		return 2;
	}
	*expires = jiffies;
	return 0;
}
