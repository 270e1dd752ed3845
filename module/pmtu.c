// SPDX-License-Identifier: GPL-2.0
/*
 * Path MTU discovery's sender side (RFC 1191, RFC 8201): what an ICMP
 * Fragmentation Needed that icmp.c accepted, or an ICMPv6 Packet Too Big
 * that icmp6.c accepted, does to a connection, now or from release_cb
 * (timers.c), as Linux's tcp_v4_mtu_reduced() and tcp_v6_mtu_reduced():
 * the route learns the MTU, the MSS drops, queued segments are cut to it
 * and those in flight go again.
 *
 * Context: the socket lock is held, by the caller.
 */

#include <net/route.h>

#include "ktcp.h"
#include "recovery.h"

/*
 * The route to the peer again, for its new path MTU: the cached one is
 * obsolete once update_pmtu() has recorded the MTU (as __ip_queue_xmit()
 * routes, and inet_csk_update_pmtu()).
 */
static struct dst_entry *ktcp_pmtu_route(struct sock *sk, u32 mtu)
{
	struct inet_sock *inet = inet_sk(sk);
	struct dst_entry *dst = __sk_dst_get(sk);
	struct rtable *rt;

	if (dst)
		dst->ops->update_pmtu(dst, sk, NULL, mtu, true);
	dst = __sk_dst_check(sk, 0);
	if (dst)
		return dst;
	rt = ip_route_output_ports(sock_net(sk), &inet->cork.fl.u.ip4, sk,
				   inet->inet_daddr, inet->inet_saddr,
				   inet->inet_dport, inet->inet_sport,
				   IPPROTO_TCP,
				   READ_ONCE(inet->tos) & INET_DSCP_MASK,
				   sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		return NULL;
	sk_setup_caps(sk, &rt->dst);
	return &rt->dst;
}

/*
 * Cut every queued segment longer than the MSS (tcp_fragment()); the sent
 * ones are lost (recovery.c). On allocation failure the rest stays whole:
 * the RTO retries, and a later ICMP message comes back here.
 */
void ktcp_pmtu_resegment(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	bool sent = skb && skb != ks->send_head;

	while (skb) {
		if (skb == ks->send_head)
			sent = false;
		if (skb->len > ks->mss) {
			if (ktcp_output_split(sk, skb, ks->mss, true))
				return;
			if (sent)
				ktcp_recovery_resegmented(sk, skb, skb->next);
		}
		skb = skb_queue_is_last(&sk->sk_write_queue, skb) ? NULL :
		      skb->next;
	}
}

/*
 * The route learns the MTU: the IPv4 part of tcp_v4_mtu_reduced(), NULL
 * when nothing is to be done. A connection that cannot recover (DF on a
 * path narrower than the route's MTU) keeps EMSGSIZE for SO_ERROR; with
 * IP_PMTUDISC_DONT, or one that ignores the MTU, the MSS stays.
 */
static struct dst_entry *ktcp_pmtu_route4(struct sock *sk, u32 mtu)
{
	struct dst_entry *dst = ktcp_pmtu_route(sk, mtu);

	if (!dst)
		return NULL;
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	if (inet_sk(sk)->pmtudisc == IP_PMTUDISC_DONT ||
	    !ip_sk_accept_pmtu(sk))
		return NULL;
	return dst;
}

/*
 * The IPv6 part of tcp_v6_mtu_reduced(): an MTU that would not lower the
 * MSS is dropped before the route hears of it; else the route learns it
 * (RFC 8201: IPv6 routers never fragment, so there is no DF and no
 * IP_PMTUDISC_DONT here; icmp6.c checked IPV6_PMTUDISC_INTERFACE/OMIT).
 */
static struct dst_entry *ktcp_pmtu_route6(struct sock *sk, u32 mtu)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ktcp_window_mss_from_mtu(mtu, true) >=
	    (ks->path_mss ?: ks->adv_mss))
		return NULL;
	return ktcp_ip6_update_pmtu(sk, mtu);
}

/*
 * ICMP Fragmentation Needed (icmp.c) or ICMPv6 Packet Too Big (icmp6.c),
 * now or from release_cb: Linux's tcp_v4_mtu_reduced() and
 * tcp_v6_mtu_reduced(). The route learns the MTU; if it is below what our
 * segments assume, the MSS drops, queued segments are cut to it and the
 * ones in flight, dropped by the router, go again
 * (tcp_simple_retransmit()). Otherwise the RTO deals with it. Not in
 * TIME_WAIT, where Linux's full socket is closed (and inet6_sk() NULL).
 */
void ktcp_pmtu_reduced(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 mtu = READ_ONCE(ks->mtu_info);
	bool v6 = ktcp_sk_wire6(sk);
	struct dst_entry *dst;
	u16 path;

	sock_owned_by_me(sk);
	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE | TCPF_TIME_WAIT))
		return;
	dst = v6 ? ktcp_pmtu_route6(sk, mtu) : ktcp_pmtu_route4(sk, mtu);
	if (!dst)
		return;
	path = ktcp_window_mss_from_mtu(dst_mtu(dst), v6);
	if (path >= (ks->path_mss ?: ks->adv_mss))
		return;
	ks->path_mss = path;	/* icsk_pmtu_cookie, as an MSS */
	ktcp_output_sync_mss(ks);
	ktcp_pmtu_resegment(sk);
	ktcp_output_push(sk);
}
