// SPDX-License-Identifier: GPL-2.0
/*
 * The receive window to advertise and the MSS to announce: arithmetic on
 * plain numbers (ktcp_window_calc(), ktcp_window_syn_calc(),
 * ktcp_window_mss_from_mtu()) that KUnit tests with no socket, and thin
 * wrappers that read a socket's fields.
 *
 * Context: the socket lock held for ktcp_window_rcv_select(), which commits
 * the window; the others only read (the buffer sizes with READ_ONCE, as
 * setsockopt may change them under us).
 */

#include <net/ip.h>

#include "ktcp.h"

/*
 * The window to advertise (RFC 9293 3.8.6.2.2): half the free receive
 * buffer (@rcvbuf less @rmem allocated), the other half covering skb
 * overhead as tcp_adv_win_scale=1 did; never shrinking the right edge
 * already offered (@left is what is left of it, *@cur the same clamped at
 * 0), and moved right only by min(MSS, half the buffer) or up to the full
 * window, so the peer is never lured into sending tiny segments (SWS).
 * The result is a multiple of 1 << @wscale.
 */
u32 ktcp_window_calc(int rcvbuf, int rmem, s32 left, u16 adv_mss, u8 wscale,
		     u32 *cur)
{
	u32 unit = 1U << wscale;
	int free = rcvbuf - rmem;
	u32 full = min_t(u32, rcvbuf / 2, U16_MAX * unit);
	u32 new = round_down(min_t(u32, max(free, 0) / 2, full), unit);

	full = round_down(full, unit);
	*cur = max(left, 0);
	/* RFC 9293 3.8.6.2.2: move by min(MSS, half the buffer) at least. */
	if (new <= *cur || (new - *cur < min_t(u32, adv_mss, full / 2) &&
			    new < full))
		return ALIGN(*cur, unit);	/* never shrink the right edge */
	return new;
}

/*
 * The window @sk would advertise now; *@cur gets what is left of the last.
 * TCP_WINDOW_CLAMP caps it, without shrinking the right edge already
 * offered (__tcp_select_window()).
 */
u32 ktcp_window_rcv_now(const struct sock *sk, u32 *cur)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 unit = 1U << ks->neg.rcv_wscale;
	u32 new = ktcp_window_calc(READ_ONCE(sk->sk_rcvbuf),
				   atomic_read(&sk->sk_rmem_alloc),
				   ks->rcv_wnd - (ks->rcv_nxt - ks->rcv_wup),
				   ks->adv_mss, ks->neg.rcv_wscale, cur);

	if (ks->window_clamp && new > ks->window_clamp)
		new = max_t(u32, round_down(ks->window_clamp, unit),
			    ALIGN(*cur, unit));
	return new;
}

/* Commit the window to advertise; returns the (scaled) header field. */
u16 ktcp_window_rcv_select(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 cur;

	WRITE_ONCE(ks->rcv_wnd, ktcp_window_rcv_now(sk, &cur));
	WRITE_ONCE(ks->rcv_wup, ks->rcv_nxt);	/* poll reads both */
	return min_t(u32, ks->rcv_wnd >> ks->neg.rcv_wscale, U16_MAX);
}

/*
 * The window of a SYN or SYN-ACK, which is never scaled (RFC 7323 2.2):
 * half the buffer up to 64 KB, in whole segments (tcp_select_initial_window).
 */
u32 ktcp_window_syn_calc(int rcvbuf, u16 mss)
{
	u32 space = min_t(u32, rcvbuf / 2, U16_MAX);

	return space > mss ? rounddown(space, mss) : space;
}

/* TCP_WINDOW_CLAMP caps it too (tcp_select_initial_window()). */
u32 ktcp_window_syn(const struct sock *sk, u16 mss)
{
	u32 clamp = ktcp_sk(sk)->window_clamp;
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	if (clamp)
		rcvbuf = min_t(u32, rcvbuf, 2 * clamp);
	return ktcp_window_syn_calc(rcvbuf, mss);
}

/* IPv4 caps a packet at 65535 bytes whatever the MTU (lo has 65536). */
u16 ktcp_window_mss_from_mtu(u32 mtu)
{
	mtu = min_t(u32, mtu, IP_MAX_MTU);
	return max_t(u32, mtu - sizeof(struct iphdr) - sizeof(struct tcphdr),
		     KTCP_MSS_MIN);
}

/* MSS for our SYN: the route's MTU less the IPv4 and TCP headers. */
u16 ktcp_window_mss_route(const struct sock *sk)
{
	const struct dst_entry *dst = __sk_dst_get(sk);

	return ktcp_window_mss_from_mtu(dst ? dst_mtu(dst) : IPV4_MIN_MTU);
}
