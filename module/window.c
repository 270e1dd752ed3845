// SPDX-License-Identifier: GPL-2.0
/*
 * The receive window to advertise, and when to acknowledge, as Linux 6.12
 * computes them: arithmetic on plain numbers that KUnit tests with no
 * socket (ktcp_window_*_calc(), ktcp_window_from_space() and the ATO and
 * quick-ACK rules), and thin wrappers that read a socket's fields.
 *
 * The window (tcp_select_window(), __tcp_select_window()): what the free
 * receive buffer holds in payload, by the measured payload/truesize ratio
 * (scaling_ratio, tcp_win_from_space()), capped by window_clamp and by
 * rcv_ssthresh, which grows by tcp_grow_window() as in-order segments
 * show that the buffer will hold what the window lets in; never shrinking
 * the right edge already offered (net.ipv4.tcp_shrink_window, 0 by
 * default), a multiple of the scale unit, and with no scaling, moved in
 * whole rcv_mss only. The first window and our window scale come from
 * tcp_select_initial_window(), window_clamp and rcv_ssthresh from
 * tcp_init_buffer_space() once the connection is up.
 *
 * Acknowledgment (tcp_event_data_recv(), __tcp_ack_snd_check()): quick
 * ACKs at first and after a long gap (tcp_incr_quickack()), an ACK for
 * every second full-sized segment while the window keeps up, else a
 * delayed ACK after ato, which follows the inter-arrival time; pingpong
 * (interactive) mode when we answer data quickly.
 *
 * Context: the socket lock held by the callers of every wrapper; the
 * buffer sizes are read with READ_ONCE, as setsockopt may change them.
 */

#include <linux/log2.h>
#include <net/ip.h>
#include <net/ip6_route.h>

#include "ktcp.h"
#include "recovery.h"

/*
 * tcp_select_initial_window(): the window of our SYN or SYN-ACK from
 * @space (tcp_full_space()) in whole @mss, the scale to offer (@wscale_ok:
 * the peer offered one, or we are first) for the largest buffer the socket
 * may grow to (tcp_rmem[2], rmem_max), and the clamp (0: none yet) no
 * higher than the scale can express.
 */
void ktcp_window_initial_calc(u32 space, u32 mss, bool wscale_ok, u32 rmem2,
			      u32 rmem_max, struct ktcp_window_init *w)
{
	u32 clamp = w->clamp ? : U16_MAX << KTCP_MAX_WSCALE;

	space = min(clamp, space);
	if (space > mss)
		space = rounddown(space, mss);
	w->rcv_wnd = space;
	w->wscale = 0;
	if (wscale_ok) {
		space = max3(space, rmem2, rmem_max);
		space = min(space, clamp);
		w->wscale = clamp_t(int, ilog2(space) - 15, 0, KTCP_MAX_WSCALE);
	}
	w->clamp = min_t(u32, U16_MAX << w->wscale, clamp);
}

/*
 * __tcp_select_window() with the default net.ipv4.tcp_shrink_window=0 (or
 * with no scaling): the window to offer now, before the never-shrink rule.
 * *@pressure tells the caller that the buffer is more than half full,
 * which ends quick ACKs (icsk_ack.quick = 0).
 */
static u32 ktcp_window_keep_calc(const struct ktcp_window_in *in, int free,
				 int full, int mss, bool *pressure)
{
	u32 unit = 1U << in->wscale;
	u32 window;

	if (free < full >> 1) {
		*pressure = true;
		/* free might become the window: no rounding up by wscale */
		free = round_down(free, unit);
		if (free < in->allowed >> 4 || free < mss)
			return 0;
	}
	if (free > (int)in->rcv_ssthresh)
		free = in->rcv_ssthresh;
	if (in->wscale)
		return ALIGN(free, unit);
	/* No scaling: whole segments, kept within one MSS of free space. */
	window = in->rcv_wnd;
	if (window <= free - mss || window > free)
		window = rounddown(free, mss);
	else if (mss == full && free > window + (full >> 1))
		window = free;
	return window;
}

/* The same with net.ipv4.tcp_shrink_window=1 and scaling. */
static u32 ktcp_window_shrink_calc(const struct ktcp_window_in *in, int free,
				   int full, int mss, bool *pressure)
{
	u32 unit = 1U << in->wscale;

	free = round_down(free, unit);
	if (free < full >> 1) {
		*pressure = true;
		if (free < in->allowed >> 4 || free < mss || free < unit)
			return 0;
	}
	if (free > (int)in->rcv_ssthresh)
		free = ALIGN(in->rcv_ssthresh, unit);	/* never 0 by rounding */
	return free;
}

u32 ktcp_window_select_calc(const struct ktcp_window_in *in, bool *pressure)
{
	int full = min_t(int, in->clamp, in->allowed);
	int mss = in->rcv_mss;

	*pressure = false;
	if (mss > full) {
		mss = full;
		if (mss <= 0)
			return 0;
	}
	if (in->shrink && in->wscale)
		return ktcp_window_shrink_calc(in, in->free, full, mss,
					       pressure);
	return ktcp_window_keep_calc(in, in->free, full, mss, pressure);
}

/*
 * tcp_select_window()'s rule on top: a window below what is left of the
 * last one (@cur) keeps the right edge where it was, unless shrinking is
 * allowed. Returns the new rcv_wnd; the header field is it >> wscale,
 * capped at 65535 units.
 */
u32 ktcp_window_commit_calc(u32 new, u32 cur, u8 wscale, bool shrink)
{
	if (new < cur && (!shrink || !wscale))
		new = ALIGN(cur, 1U << wscale);
	return new;
}

/* The inputs of __tcp_select_window() for @sk. */
static void ktcp_window_in(const struct sock *sk, struct ktcp_window_in *in)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	in->free = ktcp_window_from_space(ks->scaling_ratio, rcvbuf -
					  READ_ONCE(sk->sk_backlog.len) -
					  atomic_read(&sk->sk_rmem_alloc));
	in->allowed = ktcp_window_from_space(ks->scaling_ratio, rcvbuf);
	in->clamp = ks->window_clamp;
	in->rcv_ssthresh = ks->rcv_ssthresh;
	in->rcv_wnd = ks->rcv_wnd;
	in->rcv_mss = ks->rcv_mss;
	in->wscale = ks->neg.rcv_wscale;
	in->shrink = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_shrink_window);
}

/* tcp_receive_window(): what is left of the window advertised last. */
u32 ktcp_window_rcv_left(const struct ktcp_sock *ks)
{
	s32 win = ks->rcv_wup + ks->rcv_wnd - ks->rcv_nxt;

	return max(win, 0);
}

/*
 * tcp_adjust_rcv_ssthresh(): under memory pressure (net.ktcp.mem) the
 * window offered grows no further than 4 segments.
 */
void ktcp_window_mem_pressure(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ks->rcv_ssthresh = min(ks->rcv_ssthresh, 4U * ks->advmss);
}

/*
 * tcp_clamp_window(): the receive buffer is full. Unless its size was set
 * (SO_RCVBUF) or memory is short, it grows to what it holds, up to
 * tcp_rmem[2]; if it is still over, the window grows no further than two
 * segments. Quick ACKs end.
 */
void ktcp_window_clamp_full(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int rmem2 = READ_ONCE(ktcp_pernet(sock_net(sk))->rmem[2]);

	ks->quickack = 0;
	if (READ_ONCE(sk->sk_rcvbuf) < rmem2 &&
	    !(sk->sk_userlocks & SOCK_RCVBUF_LOCK) &&
	    !sk_under_memory_pressure(sk) &&
	    sk_memory_allocated(sk) < sk_prot_mem_limits(sk, 0))
		WRITE_ONCE(sk->sk_rcvbuf,
			   min(atomic_read(&sk->sk_rmem_alloc), rmem2));
	if (atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf))
		ks->rcv_ssthresh = min_t(u32, ks->window_clamp,
					 2U * ks->advmss);
}

/*
 * __tcp_select_window() for @sk: the window it would offer now. A buffer
 * more than half full ends quick ACKs, as there, and under memory
 * pressure clamps rcv_ssthresh.
 */
u32 ktcp_window_rcv_now(struct sock *sk)
{
	struct ktcp_window_in in;
	bool pressure;
	u32 win;

	ktcp_window_in(sk, &in);
	if (in.free < min_t(int, in.clamp, in.allowed) >> 1 &&
	    sk_under_memory_pressure(sk)) {
		ktcp_window_mem_pressure(sk);
		in.rcv_ssthresh = ktcp_sk(sk)->rcv_ssthresh;
	}
	win = ktcp_window_select_calc(&in, &pressure);
	if (pressure)
		ktcp_sk(sk)->quickack = 0;
	return win;
}

/* tcp_select_window(): commit the window; returns the header field. */
u16 ktcp_window_rcv_select(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 wscale = ks->neg.rcv_wscale;
	u32 win;

	win = ktcp_window_commit_calc(ktcp_window_rcv_now(sk),
				      ktcp_window_rcv_left(ks), wscale,
				      READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_shrink_window));
	WRITE_ONCE(ks->rcv_wnd, win);
	WRITE_ONCE(ks->rcv_wup, ks->rcv_nxt);	/* poll reads both */
	if (!wscale &&
	    READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_workaround_signed_windows))
		win = min_t(u32, win, MAX_TCP_WINDOW);
	else
		win = min_t(u32, win, U16_MAX << wscale);
	return win >> wscale;
}

/*
 * tcp_full_space() of @sk as a listener or a connection being opened, at
 * the default ratio (no segment measured yet).
 */
static u32 ktcp_window_full_space(const struct sock *sk)
{
	return ktcp_window_from_space(KTCP_DEFAULT_SCALING_RATIO,
				      READ_ONCE(sk->sk_rcvbuf));
}

/*
 * The first window, scale and clamp of a connection opened from @sk (the
 * socket itself, or a listener for a request): tcp_connect_init() and
 * tcp_openreq_init_rwin(). @mss is the MSS we announce less the timestamp
 * option when it will be on every segment (a request that agreed to
 * timestamps); w->clamp holds TCP_WINDOW_CLAMP (0: none).
 */
void ktcp_window_initial(const struct sock *sk, u32 mss, bool wscale_ok,
			 struct ktcp_window_init *w)
{
	const struct net *net = sock_net(sk);
	u32 full = ktcp_window_full_space(sk);

	/* The user fixed a smaller buffer: the window follows it. */
	if (sk->sk_userlocks & SOCK_RCVBUF_LOCK &&
	    (w->clamp > full || !w->clamp))
		w->clamp = full;
	ktcp_window_initial_calc(full, mss, wscale_ok,
				 READ_ONCE(ktcp_pernet(net)->rmem[2]),
				 READ_ONCE(sysctl_rmem_max), w);
	if (READ_ONCE(net->ipv4.sysctl_tcp_workaround_signed_windows))
		w->rcv_wnd = min_t(u32, w->rcv_wnd, MAX_TCP_WINDOW);
}

/*
 * tcp_init_buffer_space()'s window_clamp for a buffer whose full space is
 * @maxwin: all of it less 1/2^tcp_app_win, and one segment (@advmss) of it
 * always held back (net.ipv4.tcp_app_win, 31 by default).
 */
u32 ktcp_window_clamp_calc(u32 clamp, u32 maxwin, u32 advmss, int app_win)
{
	if (clamp >= maxwin) {
		clamp = maxwin;
		if (app_win && maxwin > 4 * advmss)
			clamp = max(maxwin - (maxwin >> app_win), 4 * advmss);
	}
	if (app_win && clamp > 2 * advmss && clamp + advmss > maxwin)
		clamp = max(2 * advmss, maxwin - advmss);
	return clamp;
}

/* The connection is up (tcp_init_buffer_space()): clamp and ssthresh. */
void ktcp_window_established(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int app_win = READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_app_win);
	u32 maxwin = ktcp_window_from_space(ks->scaling_ratio,
					    READ_ONCE(sk->sk_rcvbuf));

	WRITE_ONCE(ks->window_clamp,
		   ktcp_window_clamp_calc(ks->window_clamp, maxwin, ks->advmss,
					  app_win));
	ks->rcv_ssthresh = min(ks->rcv_ssthresh, ks->window_clamp);
}

/*
 * tcp_initialize_rcv_mss(): the guess at the peer's segment size until
 * one is measured, no more than 536 and half the first window.
 */
u16 ktcp_window_rcv_mss_init(u32 advmss, u32 mss, u32 rcv_wnd)
{
	u32 hint = min3(advmss, mss, rcv_wnd / 2);

	return max_t(u32, min_t(u32, hint, KTCP_MSS_DEFAULT), TCP_MIN_MSS);
}

/* tcp_incr_quickack(): quick ACKs for half the window's worth of segments. */
u8 ktcp_window_quickacks(u32 rcv_wnd, u16 rcv_mss, u8 quick, u8 max_quick)
{
	u32 n = rcv_wnd / (2 * rcv_mss);

	if (!n)
		n = 2;
	n = min_t(u32, n, max_quick);
	return max_t(u32, n, quick);
}

/*
 * tcp_event_data_recv()'s ato: @m jiffies since the last data; @ato 0 on
 * the first data. Returns the new ato; *@quick is set when quick ACKs
 * should restart (the first data, or a gap longer than @rto).
 */
u32 ktcp_window_ato_calc(u32 ato, u32 m, u32 rto, bool *quick)
{
	*quick = false;
	if (!ato) {
		*quick = true;
		return KTCP_ATO_MIN;
	}
	if (m <= KTCP_ATO_MIN / 2)
		return (ato >> 1) + KTCP_ATO_MIN / 2;
	if (m < ato)
		return min3((ato >> 1) + m, rto, (u32)KTCP_DELACK_MAX);
	if (m > rto)
		*quick = true;
	return ato;
}

/*
 * tcp_send_delayed_ack()'s delay: ato, bounded by 500 ms, or 200 ms in
 * pingpong mode or after a pushed segment, and by the RTT (@srtt_j
 * jiffies, 0: none), and never above tcp_delack_max() (@max).
 */
u32 ktcp_window_delack_calc(u32 ato, bool short_max, u32 srtt_j, u32 max)
{
	if (ato > KTCP_DELACK_MIN) {
		u32 max_ato = short_max ? KTCP_DELACK_MAX : HZ / 2;

		if (srtt_j && max_t(u32, srtt_j, KTCP_DELACK_MIN) < max_ato)
			max_ato = max_t(u32, srtt_j, KTCP_DELACK_MIN);
		ato = min(ato, max_ato);
	}
	return min(ato, max);
}

/*
 * tcp_grow_window()'s increment of rcv_ssthresh for a segment of @len
 * bytes that took @truesize, or 0: segments whose overhead would never let
 * the window's worth fit in tcp_rmem[2] (@rmem2) do not open it further.
 */
u32 ktcp_window_grow_calc(u8 ratio, u32 ssthresh, u32 len, u32 truesize,
			  u32 rmem2, u16 rcv_mss, u16 advmss)
{
	int ts, window;
	u32 incr = 0;

	if (ktcp_window_from_space(ratio, truesize) <= (int)len) {
		incr = 2 * advmss;
	} else {
		/* __tcp_grow_window() */
		ts = ktcp_window_from_space(ratio, truesize) >> 1;
		window = ktcp_window_from_space(ratio, rmem2) >> 1;
		while ((int)ssthresh <= window) {
			if (ts <= (int)len) {
				incr = 2 * rcv_mss;
				break;
			}
			ts >>= 1;
			window >>= 1;
		}
	}
	return incr ? max(incr, 2 * len) : 0;
}

/*
 * tcp_measure_rcv_mss()'s ratio for a full-sized segment of @len payload
 * bytes that took @truesize: payload per buffer byte, << 8, at least 1.
 */
u8 ktcp_window_ratio_calc(u32 len, u32 truesize)
{
	u64 val = (u64)len << KTCP_RMEM_TO_WIN_SCALE;

	do_div(val, truesize);
	/* Linux stores it in a u8 as is; a payload never reaches truesize. */
	return clamp_t(u64, val, 1, U8_MAX);
}

/*
 * The SYN-ACK of an active open came (tcp_rcv_synsent_state_process()):
 * no scaling caps the clamp at 64 KB; timestamps on every segment take
 * their room from advmss; a new guess at the peer's segment size.
 */
void ktcp_window_synack(struct ktcp_sock *ks)
{
	if (!ks->neg.wscale_ok)
		WRITE_ONCE(ks->window_clamp, min(ks->window_clamp, U16_MAX));
	if (ks->neg.tstamp_ok)
		ks->advmss -= TCPOLEN_TSTAMP_ALIGNED;
	ks->rcv_mss = ktcp_window_rcv_mss_init(ks->advmss, ks->mss,
					       ks->rcv_wnd);
}

/*
 * The scale of the payload to buffer ratio changed (tcp_measure_rcv_mss()):
 * the clamp is what the buffer holds now, and DRS's last measure no more.
 */
static void ktcp_window_ratio_set(struct sock *sk, u8 ratio)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ratio == ks->scaling_ratio)
		return;
	ks->scaling_ratio = ratio;
	WRITE_ONCE(ks->window_clamp,
		   ktcp_window_from_space(ratio, READ_ONCE(sk->sk_rcvbuf)));
	if (ks->window_clamp < ks->rcvq_space)
		ks->rcvq_space = ks->window_clamp;
}

/*
 * tcp_measure_rcv_mss(): a segment at least as long as rcv_mss is the
 * peer's full size (and gives the payload/truesize ratio when that size
 * changes); shorter ones count only when two in a row have the same
 * length, one of 536 bytes or more, or a full one without PSH. PSH on any
 * of them asks that reading all of it be ACKed at once (ICSK_ACK_PUSHED).
 */
void ktcp_window_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 lss = ks->last_seg_size, len = skb->len, hdr;
	u8 ratio;

	ks->last_seg_size = 0;
	if (len >= ks->rcv_mss) {
		if (len != ks->rcv_mss) {
			ratio = ktcp_window_ratio_calc(len, skb->truesize);
			ktcp_window_ratio_set(sk, ratio);
		}
		WRITE_ONCE(ks->rcv_mss, min_t(u32, len, ks->advmss));
		if (th->psh)
			ks->ack_pushed = 1;
		return;
	}
	len += th->doff * 4;
	if (len >= KTCP_MSS_DEFAULT + sizeof(struct tcphdr) ||
	    (len >= TCP_MIN_MSS + sizeof(struct tcphdr) &&
	     !(th->fin || th->urg || th->syn || th->psh))) {
		/* Less the invariant header: what is left is SACK jitter-free. */
		hdr = sizeof(struct tcphdr) +
		      (ks->neg.tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
		len -= hdr;
		ks->last_seg_size = len;
		if (len == lss) {
			WRITE_ONCE(ks->rcv_mss, len);
			return;
		}
	}
	if (ks->ack_pushed)
		ks->ack_pushed2 = 1;
	ks->ack_pushed = 1;
}

/* tcp_grow_window(): open rcv_ssthresh towards the clamp and free space. */
static void ktcp_window_grow(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_window_in in;
	u32 truesize = skb->truesize, incr, rmem2;
	int room;

	ktcp_window_in(sk, &in);
	room = min_t(int, ks->window_clamp, in.free) - (int)ks->rcv_ssthresh;
	if (room <= 0 || sk_under_memory_pressure(sk))
		return;
	/* truesize_adjust(): a payload all in page frags costs only those */
	if (!skb_headlen(skb) &&
	    (int)(truesize - SKB_TRUESIZE(skb_end_offset(skb))) >= (int)skb->len)
		truesize -= SKB_TRUESIZE(skb_end_offset(skb));
	rmem2 = READ_ONCE(ktcp_pernet(sock_net(sk))->rmem[2]);
	incr = ktcp_window_grow_calc(ks->scaling_ratio, ks->rcv_ssthresh,
				     skb->len, truesize, rmem2,
				     ks->rcv_mss, ks->advmss);
	if (!incr)
		return;
	ks->rcv_ssthresh += min_t(u32, room, incr);
	ks->quickack |= 1;	/* the grown window goes out at once */
}

/* tcp_incr_quickack() for @sk. */
void ktcp_window_incr_quickack(struct sock *sk, u8 max_quick)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ks->quickack = ktcp_window_quickacks(ks->rcv_wnd, ks->rcv_mss,
					     ks->quickack, max_quick);
}

/* tcp_enter_quickack_mode(): quick ACKs, not interactive, ato reset. */
void ktcp_window_enter_quickack(struct sock *sk, u8 max_quick)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_window_incr_quickack(sk, max_quick);
	ks->pingpong = 0;
	ks->ato = KTCP_ATO_MIN;
}

/*
 * tcp_event_data_recv(): in-order data of @skb was queued. An ACK is owed;
 * the peer's segment size, ato from the time since the last data, and the
 * window's growth follow from it.
 */
void ktcp_window_data_recv(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 now = tcp_jiffies32;
	bool quick;

	ks->ack_pending = 1;	/* inet_csk_schedule_ack() */
	ktcp_window_measure_rcv_mss(sk, skb);
	ks->ato = ktcp_window_ato_calc(ks->ato, now - ks->lrcvtime,
				       ktcp_rto(ks), &quick);
	if (quick)
		ktcp_window_incr_quickack(sk, KTCP_MAX_QUICKACKS);
	ks->lrcvtime = now;
	ktcp_window_save_flowlabel(sk, skb);
	if (skb->len >= 128)
		ktcp_window_grow(sk, skb);
}

/*
 * tcp_save_lrcv_flowlabel(): the IPv6 flow label of data received, in
 * order or not (tcp_event_data_recv(), tcp_data_queue_ofo()), and of a
 * duplicate (tcp_rcv_spurious_retrans()), for the next duplicate's
 * comparison. The network header is still the arrival's.
 */
void ktcp_window_save_flowlabel(struct sock *sk, const struct sk_buff *skb)
{
	if (ip_hdr(skb)->version == 6)
		ktcp_sk(sk)->lrcv_flowlabel =
			ntohl(ip6_flowlabel(ipv6_hdr(skb)));
}

/*
 * tcp_rcv_spurious_retrans(): data @skb arrived again (wholly below
 * RCV.NXT, or a D-SACKed retransmission that failed the sequence check).
 * With a flow label other than the last data's, the peer seems to have
 * retransmitted on a timeout over a new path: our ACKs may not be reaching
 * it, so ours draws a new txhash (flow label) too, unless our own RTOs
 * already do that (the Loss state). sk_rethink_txhash() heeds SO_TXREHASH.
 */
void ktcp_window_spurious_retrans(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ip_hdr(skb)->version != 6)
		return;
	if (ks->cc.state != KTCP_CC_LOSS &&
	    ks->lrcv_flowlabel != ntohl(ip6_flowlabel(ipv6_hdr(skb))) &&
	    sk_rethink_txhash(sk))
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPDUPLICATEDATAREHASH);
	ktcp_window_save_flowlabel(sk, skb);
}

/* inet_csk_in_pingpong_mode(): interactive, by tcp_pingpong_thresh. */
bool ktcp_window_pingpong(const struct sock *sk)
{
	return ktcp_sk(sk)->pingpong >=
	       READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_pingpong_thresh);
}

/* inet_csk_enter_pingpong_mode() */
void ktcp_window_enter_pingpong(struct sock *sk)
{
	ktcp_sk(sk)->pingpong =
		READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_pingpong_thresh);
}

/* tcp_in_quickack_mode() */
bool ktcp_window_in_quickack(const struct sock *sk)
{
	return ktcp_sk(sk)->quickack && !ktcp_window_pingpong(sk);
}

/*
 * An ACK of everything received went out (tcp_event_ack_sent(),
 * tcp_dec_quickack_mode()): one quick ACK fewer if one was owed, ato back
 * to its minimum when they run out, and nothing owed any more.
 */
void ktcp_window_ack_sent(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ks->quickack) {
		if (ks->ack_pending && ks->quickack <= 1) {
			ks->quickack = 0;
			ks->ato = KTCP_ATO_MIN;
		} else if (ks->ack_pending) {
			ks->quickack--;
		}
	}
	ks->ack_pending = 0;
	ks->ack_timer = 0;
	ks->ack_pushed = 0;
	ks->ack_pushed2 = 0;
}

/*
 * New data went out (tcp_event_data_sent()): an answer within ato of the
 * last data received counts towards pingpong (interactive) mode.
 */
void ktcp_window_data_sent(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if ((u32)(tcp_jiffies32 - ks->lrcvtime) < ks->ato &&
	    ks->pingpong < U8_MAX)
		ks->pingpong++;
}

/*
 * The application read @copied bytes: is an ACK due now (tcp_cleanup_rbuf())?
 * One owed for more than a full segment, or, with the queue drained, for
 * a pushed short one (unless interactive, where our answer will carry it);
 * or a window that reading at least doubled.
 */
bool ktcp_window_read_ack(struct sock *sk, int copied)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 now, new;

	if (ks->ack_pending &&
	    (ks->rcv_nxt - ks->rcv_wup > ks->rcv_mss ||
	     (copied > 0 && (ks->ack_pushed2 ||
			     (ks->ack_pushed && !ktcp_window_pingpong(sk))) &&
	      !atomic_read(&sk->sk_rmem_alloc))))
		return true;
	if (copied <= 0 || (sk->sk_shutdown & RCV_SHUTDOWN))
		return false;
	now = ktcp_window_rcv_left(ks);
	if (2 * now > ks->window_clamp)
		return false;
	new = ktcp_window_rcv_now(sk);
	return new && new >= 2 * now;
}

/*
 * The MSS of an MTU: less the IP header (IPv6's 40 bytes when @v6, as
 * tcp_mtu_to_mss() takes net_header_len) and TCP's. IPv4 caps a packet at
 * 65535 bytes whatever the MTU (lo has 65536); IPv6 caps its payload
 * there, the header left out (IP6_MAX_MTU), so lo's MSS is 65476. A
 * device can have a larger MTU (lo has no maximum): the result must
 * still fit the u16 it is returned in.
 */
u16 ktcp_window_mss_from_mtu(u32 mtu, bool v6)
{
	u32 hdr = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);

	mtu = min_t(u32, mtu, v6 ? IP6_MAX_MTU : IP_MAX_MTU);
	return max_t(u32, mtu - hdr - sizeof(struct tcphdr), KTCP_MSS_MIN);
}

/* MSS for our SYN: the route's MTU less the IP and TCP headers. */
u16 ktcp_window_mss_route(const struct sock *sk)
{
	const struct dst_entry *dst = __sk_dst_get(sk);
	bool v6 = ktcp_sk_wire6(sk);

	if (!dst)
		return ktcp_window_mss_from_mtu(v6 ? IPV6_MIN_MTU : IPV4_MIN_MTU,
						v6);
	return ktcp_window_mss_from_mtu(dst_mtu(dst), v6);
}
