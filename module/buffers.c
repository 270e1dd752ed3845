// SPDX-License-Identifier: GPL-2.0
/*
 * Send and receive buffer sizes, tuned as Linux tunes native TCP's: a
 * socket starts with net.ktcp.wmem[1] and rmem[1] (Linux's tcp_wmem and
 * tcp_rmem, 16 KiB and 128 KiB by default) and grows, up to wmem[2] and
 * rmem[2], only as far as its connection needs. SO_SNDBUF/SO_RCVBUF fix a
 * size and stop the tuning (SOCK_SNDBUF_LOCK, SOCK_RCVBUF_LOCK); net.ipv4.
 * tcp_moderate_rcvbuf=0 stops the receive side. A million idle sockets
 * thus hold no more than they would natively: buffers are limits, and an
 * idle socket's stay at the start values.
 *
 * Receive side, Dynamic Right-Sizing (tcp_rcv_space_adjust()): once per
 * receiver RTT, what the program read in that RTT (less what still waits
 * in the queue, as 6.12 counts it) is the rate the connection runs at.
 * The window must then hold twice that (a loss costs an RTT) plus 16
 * segments of cushion, plus twice the growth over the previous RTT (a
 * sender in slow start doubles every RTT, and the window advertised now
 * is used an RTT later). The buffer is what holds that window at the
 * measured payload/truesize ratio (window.c), and window_clamp follows it.
 *
 * The receiver RTT comes from the timestamps the peer echoes on full-sized
 * data segments (tcp_rcv_rtt_measure_ts(): they return with the data our
 * ACK released, one RTT after), filtered as Linux does, and from the time
 * a window's worth of data takes to arrive (tcp_rcv_rtt_measure()), of
 * which only the minimum counts. Without a sample DRS waits.
 *
 * Send side (tcp_sndbuf_expand()): room for twice max(cwnd, the initial
 * window, DupThresh + 1) segments at their true size, enough for CUBIC's
 * recovery, recomputed when a writer is waiting for room and cwnd is not
 * what limits the sending. A writer waits once the memory charged to the
 * write queue (sk_wmem_queued: each skb's truesize, its head and the bytes
 * copied into it, as tcp_stream_alloc_skb() and skb_copy_to_page_nocache()
 * charge them) reaches sk_sndbuf, and is woken when a third of the buffer
 * is free (sk_stream_min_wspace(): free space at least half of what is
 * queued), as sk_stream_write_space() does.
 *
 * Context: every function runs with the socket lock held (process context,
 * or softirq with the socket not owned by a process).
 */

#include "ktcp.h"
#include "recovery.h"
#include "trace.h"

#define KTCP_RCV_CUSHION_SEGS	16	/* tcp_rcv_space_adjust() */
#define KTCP_SND_INIT_SEGS	10	/* TCP_INIT_CWND */

/*
 * The receive window for a connection that read @copied bytes in the last
 * RTT and @prev in the one before (@prev > 0), with @advmss-sized segments;
 * the buffer is what holds it (ktcp_window_space_from_win()).
 */
u64 ktcp_buf_rcv_target(u32 copied, u32 prev, u32 advmss)
{
	u64 rcvwin, grow = 0;

	/*
	 * Far past any tcp_rmem[2] (an int) either way; the clamps keep the
	 * product below 2^64 and the result exact below them.
	 */
	copied = min_t(u32, copied, S32_MAX);
	rcvwin = ((u64)copied << 1) + KTCP_RCV_CUSHION_SEGS * advmss;
	if (copied > prev && prev)
		grow = min_t(u64, div_u64(rcvwin * (copied - prev), prev),
			     U32_MAX);
	return rcvwin + (grow << 1);
}

/* The send buffer for @nr_segs segments of @mss payload, as Linux sizes it. */
u32 ktcp_buf_snd_target(u32 mss, u32 nr_segs)
{
	u32 per_mss = mss + MAX_TCP_HEADER +
		      SKB_DATA_ALIGN(sizeof(struct skb_shared_info));

	per_mss = roundup_pow_of_two(per_mss) +
		  SKB_DATA_ALIGN(sizeof(struct sk_buff));
	/* A huge cwnd must not wrap: the caller caps at tcp_wmem[2] anyway. */
	return min_t(u64, 2ULL * max_t(u32, nr_segs, KTCP_SND_INIT_SEGS) *
			  per_mss, U32_MAX);
}

/* Grow sk_sndbuf to what cwnd and reordering need (tcp_sndbuf_expand()). */
static void ktcp_buf_snd_expand(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 want = ktcp_buf_snd_target(max_t(u32, ks->mss, ks->neg.mss_clamp),
				       max_t(u32, ks->cc.cwnd,
					     ks->reordering + 1));

	want = min_t(u32, want,
		     READ_ONCE(ktcp_pernet(sock_net(sk))->wmem[2]));
	if (sk->sk_userlocks & SOCK_SNDBUF_LOCK || want <= sk->sk_sndbuf)
		return;
	WRITE_ONCE(sk->sk_sndbuf, want);
}

/*
 * The connection is established: start the measurements
 * (tcp_init_buffer_space(), after window.c's ktcp_window_established()).
 */
void ktcp_buf_init(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	ktcp_buf_snd_expand(sk);
	ks->rcvq_space = min3(ks->rcv_ssthresh, ks->rcv_wnd,
			      (u32)KTCP_SND_INIT_SEGS * ks->advmss);
	ks->rcvq_seq = ks->copied_seq;
	ks->rcvq_time = (u32)tcp_clock_us();
}

/*
 * An incoming segment was processed (tcp_data_snd_check()): if a writer
 * found no room (SOCK_NOSPACE), it gets a larger buffer when cwnd is not
 * what limits the sending (tcp_should_expand_sndbuf()), and a wakeup if
 * there is room now (tcp_check_space(), tcp_new_space()). Called after the
 * push, as Linux does, so the cwnd test sees what the push sent.
 */
void ktcp_buf_snd_check_space(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	/* Pairs with the barrier in poll() after it sets SOCK_NOSPACE. */
	smp_mb();
	if (!sk->sk_socket || !test_bit(SOCK_NOSPACE, &sk->sk_socket->flags))
		return;
	/* Not under memory pressure or above its low mark (net.ktcp.mem). */
	if (ktcp_in_flight(ks) < ks->cc.cwnd && !sk_under_memory_pressure(sk) &&
	    sk_memory_allocated(sk) < sk_prot_mem_limits(sk, 0))
		ktcp_buf_snd_expand(sk);
	sk->sk_write_space(sk);
}

/*
 * One receiver RTT sample in microseconds, filtered as tcp_rcv_rtt_update()
 * does, kept << 3: a lower one is taken as is; a higher one is averaged in
 * with gain 1/8 (timestamps), or ignored (@win_dep: a window's arrival
 * time, which only overestimates).
 */
static void ktcp_buf_rcv_rtt_update(struct ktcp_sock *ks, u32 sample_us,
				    bool win_dep)
{
	u32 old = ks->rcv_rtt_us, m = sample_us << 3;

	if (!old || m < old)
		ks->rcv_rtt_us = m;
	else if (!win_dep)
		ks->rcv_rtt_us = old - (old >> 3) + sample_us;
}

/*
 * A data segment of @len bytes arrived with options @o: with timestamps, a
 * full-sized one gives an RTT sample from its TSecr, once per TSecr value
 * and only when at least a millisecond old (tcp_rcv_rtt_measure_ts()).
 */
void ktcp_buf_rcv_rtt(struct sock *sk, const struct ktcp_opts *o, u32 len)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 rtt;

	if (!ks->neg.tstamp_ok || !(o->present & KTCP_OPTF_TS) ||
	    o->tsecr == ks->rcv_rtt_last_tsecr)
		return;
	ks->rcv_rtt_last_tsecr = o->tsecr;
	if (len < ks->rcv_mss || o->tsecr == ktcp_neg_ts_now(&ks->neg))
		return;
	rtt = ktcp_neg_ts_rtt_us(&ks->neg, o);
	if (rtt)
		ktcp_buf_rcv_rtt_update(ks, rtt, false);
}

/*
 * In-order data arrived (tcp_rcv_rtt_measure()): once RCV.NXT passes the
 * right edge of the window offered when the last measure began, that took
 * at least an RTT.
 */
void ktcp_buf_rcv_rtt_measure(struct ktcp_sock *ks)
{
	u32 now = (u32)tcp_clock_us(), delta;

	if (ks->rcv_rtt_time) {
		if (ktcp_seq_before(ks->rcv_nxt, ks->rcv_rtt_seq))
			return;
		delta = now - ks->rcv_rtt_time ?: 1;
		ktcp_buf_rcv_rtt_update(ks, delta, true);
	}
	ks->rcv_rtt_seq = ks->rcv_nxt + ks->rcv_wnd;
	ks->rcv_rtt_time = now ?: 1;
}

/* The receiver RTT in microseconds; 0: none measured yet. */
static u32 ktcp_buf_rcv_rtt_us(const struct ktcp_sock *ks)
{
	return ks->rcv_rtt_us >> 3;
}

/* Grow the buffer to hold window @rcvwin, and the clamp with it. */
static void ktcp_buf_rcv_grow(struct sock *sk, u64 rcvwin)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int rcvbuf;

	rcvbuf = ktcp_window_space_from_win(ks->scaling_ratio,
					    min_t(u64, rcvwin, INT_MAX));
	rcvbuf = min(rcvbuf,
		     READ_ONCE(ktcp_pernet(sock_net(sk))->rmem[2]));
	if (rcvbuf <= sk->sk_rcvbuf)
		return;
	WRITE_ONCE(sk->sk_rcvbuf, rcvbuf);
	WRITE_ONCE(ks->window_clamp,
		   ktcp_window_from_space(ks->scaling_ratio, rcvbuf));
}

/* recvmsg() copied data out: DRS, once per receiver RTT. */
void ktcp_buf_rcv_space_adjust(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct net *net = sock_net(sk);
	u32 now = (u32)tcp_clock_us(), rtt = ktcp_buf_rcv_rtt_us(ks);
	int copied = ks->copied_seq - ks->rcvq_seq;

	sock_owned_by_me(sk);
	trace_ktcp_rcv_space_adjust(sk);
	if (!rtt || now - ks->rcvq_time < rtt)
		return;
	/* 6.12 takes what still waits to be read off (tcp_rcv_space_adjust) */
	copied -= (int)(ks->rcv_nxt - ks->copied_seq);
	if (copied <= (int)ks->rcvq_space)
		goto new_measure;
	if (READ_ONCE(net->ipv4.sysctl_tcp_moderate_rcvbuf) &&
	    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		ktcp_buf_rcv_grow(sk, ktcp_buf_rcv_target(copied,
							  ks->rcvq_space,
							  ks->advmss));
	ks->rcvq_space = copied;
new_measure:
	ks->rcvq_seq = ks->copied_seq;
	ks->rcvq_time = now;
}
