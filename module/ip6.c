// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 network layer under ktcp, as tcp_ipv6.c uses it: routes
 * (ip6_dst_lookup_flow()), the pseudo-header checksum, and transmission.
 *
 * A connected AF_KTCP6 socket on the IPv6 wire sends through
 * inet6_csk_xmit(), which routes with the socket's cached dst and builds
 * the header from its ipv6_pinfo (traffic class, hop limit, flow label,
 * extension headers), as tcp_v6_send_check() and tcp_transmit_skb() have
 * native TCP do. The skb carries the socket's txhash, from which
 * ip6_make_flowlabel() draws the automatic flow label (net.ipv6.
 * auto_flowlabels), so a connection keeps one label as Linux's does.
 * Segments with no connection behind them (SYN-ACKs of requests, RSTs
 * answering a segment) go through ip6_xmit() from the listener, as
 * tcp_v6_send_synack() sends them, or from a per-namespace control socket,
 * as tcp_v6_send_response() sends from net->ipv6.tcp_sk.
 *
 * Context: process or softirq, the socket lock held for a connection.
 */

#include <linux/icmpv6.h>
#include <net/inet_common.h>
#include <net/inet6_connection_sock.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/transp_v6.h>

#include "ktcp.h"

int ktcp_ip6_net_init(struct net *net)
{
	struct ktcp_net *kn = ktcp_pernet(net);

	return inet_ctl_sock_create(&kn->ctl6, PF_INET6, SOCK_RAW, IPPROTO_TCP,
				    net);
}

void ktcp_ip6_net_exit(struct net *net)
{
	struct ktcp_net *kn = ktcp_pernet(net);

	if (kn->ctl6)
		inet_ctl_sock_destroy(kn->ctl6);
	kn->ctl6 = NULL;
}

/* The header's checksum field for CHECKSUM_PARTIAL (__tcp_v6_send_check()). */
static void ktcp_ip6_csum(struct sk_buff *skb, const struct in6_addr *saddr,
			  const struct in6_addr *daddr)
{
	skb->ip_summed = CHECKSUM_PARTIAL;
	__tcp_v6_send_check(skb, saddr, daddr);
}

/*
 * The route of connected @sk, cached or looked up and cached
 * (inet6_csk_route_socket(), with the pinfo a TIME_WAIT socket still has):
 * @fl6 describes the flow.
 */
static struct dst_entry *ktcp_ip6_route_socket(struct sock *sk,
					       struct flowi6 *fl6)
{
	struct ipv6_pinfo *np = ktcp_np(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct in6_addr *final_p, final;
	struct dst_entry *dst;

	memset(fl6, 0, sizeof(*fl6));
	fl6->flowi6_proto = IPPROTO_TCP;
	fl6->daddr = sk->sk_v6_daddr;
	fl6->saddr = np->saddr;
	fl6->flowlabel = np->flow_label;
	if (INET_ECN_is_capable(np->tclass))	/* IP6_ECN_flow_xmit() */
		fl6->flowlabel |= htonl(INET_ECN_ECT_0 << 20);
	fl6->flowi6_oif = sk->sk_bound_dev_if;
	fl6->flowi6_mark = sk->sk_mark;
	fl6->fl6_sport = inet->inet_sport;
	fl6->fl6_dport = inet->inet_dport;
	fl6->flowi6_uid = sk->sk_uid;
	security_sk_classify_flow(sk, flowi6_to_flowi_common(fl6));
	rcu_read_lock();
	final_p = fl6_update_dst(fl6, rcu_dereference(np->opt), &final);
	rcu_read_unlock();
	dst = __sk_dst_check(sk, np->dst_cookie);
	if (dst)
		return dst;
	dst = ip6_dst_lookup_flow(sock_net(sk), sk, fl6, final_p);
	if (IS_ERR(dst))
		return dst;
	np->dst_cookie = rt6_get_cookie(dst_rt6_info(dst));	/* ip6_dst_store() */
	sk_setup_caps(sk, dst);
	return dst;
}

/*
 * inet6_csk_update_pmtu() with the pinfo of ktcp_np() (a ktcp socket's
 * inet6_sk() is NULL in TIME_WAIT): the cached route learns @mtu (a PMTU
 * exception, which obsoletes the cookie), and the route that then holds,
 * cached in @sk, is returned; NULL if there is none. @sk is not in
 * TIME_WAIT: ip6_rt_update_pmtu() reads inet6_sk() without an skb.
 */
struct dst_entry *ktcp_ip6_update_pmtu(struct sock *sk, u32 mtu)
{
	struct dst_entry *dst;
	struct flowi6 fl6;

	dst = ktcp_ip6_route_socket(sk, &fl6);
	if (IS_ERR(dst))
		return NULL;
	dst->ops->update_pmtu(dst, sk, NULL, mtu, true);
	dst = ktcp_ip6_route_socket(sk, &fl6);
	return IS_ERR(dst) ? NULL : dst;
}

/*
 * Will ip6_xmit() refuse @skb as larger than the MTU of @dst, its route
 * (with @opt's extension headers; its EMSGSIZE case, not a GSO skb)? Only
 * if ip6_xmit() would find the headroom it needs: else it copies @skb,
 * and the copy is what it drops.
 */
static bool ktcp_ip6_too_big(const struct sk_buff *skb,
			     const struct dst_entry *dst,
			     const struct ipv6_txoptions *opt)
{
	u32 hdrs = sizeof(struct ipv6hdr);

	if (opt)
		hdrs += opt->opt_nflen + opt->opt_flen;
	if (skb_is_gso(skb) || skb->ignore_df ||
	    skb->len + hdrs <= dst6_mtu(dst))
		return false;
	return skb_headroom(skb) >= hdrs + sizeof(struct hop_jumbo_hdr) +
				    LL_RESERVED_SPACE(dst->dev);
}

/*
 * Send @skb, its TCP header pushed, on connected @sk (inet6_csk_xmit()),
 * with the socket's txhash for the automatic flow label.
 *
 * A segment larger than the route's MTU, which a local MTU drop (of the
 * device or the route) leaves in the queue and in flight, ip6_xmit()
 * drops with EMSGSIZE, telling only an IPV6_RECVERR socket
 * (ipv6_local_error()): Linux's TCP never sends one, as
 * tcp_current_mss() follows the route's MTU on every send. ktcp learns
 * the new MTU as it does over IPv4 from ip_fragment(): ip6_fragment()'s
 * Packet Too Big to the local sender (its fail_toobig, which Linux sends
 * for a GSO segment too big for the route), the dropped segment quoted,
 * goes to us through the loopback, and icmp6.c has pmtu.c lower the MSS
 * (tcp_v6_mtu_reduced()), now or from release_cb.
 */
int ktcp_ip6_xmit(struct sock *sk, struct sk_buff *skb)
{
	struct ipv6_pinfo *np = ktcp_np(sk);
	struct sk_buff *toobig = NULL;
	struct ipv6_txoptions *opt;
	struct dst_entry *dst;
	struct flowi6 fl6;
	int res;

	ktcp_ip6_csum(skb, &np->saddr, &sk->sk_v6_daddr);
	skb_set_hash_from_sk(skb, sk);
	memset(skb->cb, 0, sizeof(struct inet6_skb_parm));
	dst = ktcp_ip6_route_socket(sk, &fl6);
	if (IS_ERR(dst)) {
		WRITE_ONCE(sk->sk_err_soft, -PTR_ERR(dst));
		sk->sk_route_caps = 0;
		kfree_skb(skb);
		return PTR_ERR(dst);
	}
	rcu_read_lock();
	skb_dst_set_noref(skb, dst);
	fl6.daddr = sk->sk_v6_daddr;	/* the final one, after routing */
	opt = rcu_dereference(np->opt);
	if (ktcp_ip6_too_big(skb, dst, opt))
		toobig = skb_get(skb);	/* IPv6 header and all, once dropped */
	res = ip6_xmit(sk, skb, &fl6, sk->sk_mark, opt, np->tclass,
		       READ_ONCE(sk->sk_priority));
	if (toobig) {
		if (res == -EMSGSIZE)
			icmpv6_send(toobig, ICMPV6_PKT_TOOBIG, 0,
				    dst6_mtu(dst));
		consume_skb(toobig);
	}
	rcu_read_unlock();
	return res;
}

/*
 * Route @fl6 for @sk (the socket @skb speaks for, or NULL) and send @skb,
 * its TCP header pushed, as ip6_xmit() from @sk or the control socket.
 */
static void ktcp_ip6_send(struct net *net, const struct sock *sk,
			  struct sk_buff *skb, struct flowi6 *fl6, u8 tclass,
			  u32 priority)
{
	const struct sock *via = sk ?: ktcp_pernet(net)->ctl6;
	struct dst_entry *dst;

	fl6->flowi6_proto = IPPROTO_TCP;
	ktcp_ip6_csum(skb, &fl6->saddr, &fl6->daddr);
	dst = ip6_dst_lookup_flow(net, via, fl6, NULL);
	if (IS_ERR(dst)) {
		kfree_skb(skb);
		return;
	}
	skb_dst_set(skb, dst);
	memset(skb->cb, 0, sizeof(struct inet6_skb_parm));
	KTCP_INC_STATS(net, KTCP_MIB_OUTSEGS);
	ip6_xmit(via, skb, fl6, fl6->flowi6_mark, NULL, tclass, priority);
}

/*
 * connect()'s route to the peer in sk_v6_daddr, port @dport (the IPv6 part
 * of tcp_v6_connect()): the source is the bound address, or the route's,
 * in np->saddr and sk_v6_rcv_saddr; the IPv4 view is LOOPBACK4_IPV6. The
 * dst is stored for inet6_csk_xmit(). 0 or -errno.
 */
int ktcp_ip6_connect_route(struct sock *sk, __be16 dport)
{
	struct ipv6_pinfo *np = ktcp_np(sk);
	struct ipv6_txoptions *opt;
	struct inet_sock *inet = inet_sk(sk);
	struct flowi6 *fl6 = &inet->cork.fl.u.ip6;
	struct in6_addr *final_p, final;
	struct dst_entry *dst;

	memset(fl6, 0, sizeof(*fl6));
	fl6->flowi6_proto = IPPROTO_TCP;
	fl6->daddr = sk->sk_v6_daddr;
	fl6->saddr = ipv6_addr_any(&sk->sk_v6_rcv_saddr) ? np->saddr :
			sk->sk_v6_rcv_saddr;
	fl6->flowlabel = ip6_make_flowinfo(np->tclass, np->flow_label);
	fl6->flowi6_oif = sk->sk_bound_dev_if;
	fl6->flowi6_mark = sk->sk_mark;
	fl6->fl6_dport = dport;
	fl6->fl6_sport = inet->inet_sport;
	fl6->flowi6_uid = sk->sk_uid;
	opt = rcu_dereference_protected(np->opt, lockdep_sock_is_held(sk));
	final_p = fl6_update_dst(fl6, opt, &final);
	security_sk_classify_flow(sk, flowi6_to_flowi_common(fl6));
	dst = ip6_dst_lookup_flow(sock_net(sk), sk, fl6, final_p);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	if (ipv6_addr_any(&sk->sk_v6_rcv_saddr))
		sk->sk_v6_rcv_saddr = fl6->saddr;
	np->saddr = sk->sk_v6_rcv_saddr;
	inet->inet_rcv_saddr = LOOPBACK4_IPV6;
	inet->inet_dport = dport;
	ip6_dst_store(sk, dst, NULL, false);
	sk_set_txhash(sk);
	return 0;
}

/*
 * The features of the route a SYN-ACK to @skb, an IPv6 SYN, would take
 * (its ECN feature, ecn.c): 0 if there is none.
 */
u32 ktcp_ip6_route_features(const struct sock *listener,
			    const struct sk_buff *skb)
{
	struct flowi6 fl6 = {
		.flowi6_proto = IPPROTO_TCP,
		.daddr = ipv6_hdr(skb)->saddr,
		.saddr = ipv6_hdr(skb)->daddr,
		.flowi6_oif = READ_ONCE(listener->sk_bound_dev_if),
		.fl6_dport = tcp_hdr(skb)->source,
		.fl6_sport = tcp_hdr(skb)->dest,
	};
	struct dst_entry *dst;
	u32 features;

	dst = ip6_dst_lookup_flow(sock_net(listener), listener, &fl6, NULL);
	if (IS_ERR(dst))
		return 0;
	features = dst_feature(dst, DST_FEATURE_ECN_MASK);
	dst_release(dst);
	return features;
}

/*
 * The SYN-ACK @skb of @req, an IPv6 request of @listener
 * (tcp_v6_send_synack() with inet6_csk_route_req()): the request's device,
 * mark and txhash (its automatic flow label), the listener's flow label
 * or, reflecting (net.ipv6.flowlabel_reflect), the SYN's; the listener's
 * hop limit and priority, and its traffic class, or with
 * net.ipv4.tcp_reflect_tos the SYN's DSCP and the listener's ECN bits.
 */
void ktcp_ip6_send_synack(const struct sock *listener,
			  const struct ktcp_request *req, struct sk_buff *skb)
{
	const struct ipv6_pinfo *np = ktcp_np(listener);
	const struct ktcp_tuple *t = &req->hnode.key;
	struct flowi6 fl6 = {
		.daddr = t->raddr,
		.saddr = t->laddr,
		.flowlabel = inet6_test_bit(REPFLOW, listener) ? req->flowlabel :
			     np->flow_label,
		.flowi6_oif = req->bound_dev_if,
		.flowi6_mark = req->mark,
		.fl6_dport = t->rport,
		.fl6_sport = t->lport,
		.flowi6_uid = listener->sk_uid,
	};
	u8 tclass = np->tclass;

	if (READ_ONCE(sock_net(listener)->ipv4.sysctl_tcp_reflect_tos))
		tclass = (req->syn_tos & ~INET_ECN_MASK) |
			 (tclass & INET_ECN_MASK);
	skb->mark = req->mark;
	skb_set_hash(skb, req->txhash, PKT_HASH_TYPE_L4);
	ktcp_ip6_send(sock_net(listener), listener, skb, &fl6, tclass,
		      READ_ONCE(listener->sk_priority));
}

/*
 * The flow of a reply @skb to @in (tcp_v6_send_response()): its addresses
 * and ports reversed, device @oif (or @in's for a link-local peer), the
 * mark of @in with net.ipv6.fwmark_reflect, else @mark; @sk's uid, or
 * root's for none.
 */
static void ktcp_ip6_reply_flow(struct net *net, const struct sock *sk,
				const struct sk_buff *in,
				const struct sk_buff *skb, int oif, u32 mark,
				struct flowi6 *fl6)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(in);

	*fl6 = (struct flowi6){
		.daddr = ip6h->saddr,
		.saddr = ip6h->daddr,
		.fl6_dport = tcp_hdr(skb)->dest,
		.fl6_sport = tcp_hdr(skb)->source,
		.flowi6_uid = sock_net_uid(net, sk),
	};
	if (rt6_need_strict(&fl6->daddr) && !oif)
		oif = KTCP_SKB_CB(in)->iif;
	fl6->flowi6_oif = oif;
	fl6->flowi6_mark = IP6_REPLY_MARK(net, in->mark) ?: mark;
}

/*
 * A RST @skb in answer to @in, an IPv6 segment, for @sk (the socket @in
 * came to) or none (tcp_v6_send_reset(), tcp_v6_send_response()): the
 * traffic class of @in without ECN, the route's hop limit, @in's flow
 * label when the socket asks (IPV6_FLOWLABEL_MGR's REPFLOW) or
 * net.ipv6.flowlabel_reflect says so, the mark of @in with
 * net.ipv6.fwmark_reflect, else @sk's; @sk's device (or @in's for a
 * link-local peer), priority and txhash.
 */
void ktcp_ip6_send_rst(struct net *net, const struct sock *sk,
		       const struct sk_buff *in, struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(in);
	u32 mark = 0, priority = 0;
	bool reflect = READ_ONCE(net->ipv6.sysctl.flowlabel_reflect) &
		       FLOWLABEL_REFLECT_TCP_RESET;
	struct flowi6 fl6;
	int oif = 0;

	if (sk) {
		oif = READ_ONCE(sk->sk_bound_dev_if);
		mark = READ_ONCE(sk->sk_mark);
		priority = READ_ONCE(sk->sk_priority);
		reflect = ktcp_sk_v6(sk) && inet6_test_bit(REPFLOW, sk);
		if (sk->sk_txhash)
			skb_set_hash(skb, sk->sk_txhash, PKT_HASH_TYPE_L4);
	}
	ktcp_ip6_reply_flow(net, sk, in, skb, oif, mark, &fl6);
	if (reflect)
		fl6.flowlabel = ip6_flowlabel(ip6h);
	ktcp_ip6_send(net, NULL, skb, &fl6,
		      ipv6_get_dsfield(ip6h) & ~INET_ECN_MASK, priority);
}

/*
 * The ACK @skb of @req, an IPv6 request of @listener, in answer to @in
 * (tcp_v6_reqsk_send_ack() through tcp_v6_send_response()): no flow label,
 * the traffic class of @in without ECN, the route's hop limit; the
 * listener's device (or @in's for a link-local peer), mark (unless
 * net.ipv6.fwmark_reflect gives @in's) and priority; @skb carries the
 * request's txhash (its automatic flow label).
 */
void ktcp_ip6_send_req_ack(const struct sock *listener,
			   const struct ktcp_request *req,
			   const struct sk_buff *in, struct sk_buff *skb)
{
	struct net *net = sock_net(listener);
	struct flowi6 fl6;

	ktcp_ip6_reply_flow(net, listener, in, skb,
			    READ_ONCE(listener->sk_bound_dev_if),
			    READ_ONCE(listener->sk_mark), &fl6);
	ktcp_ip6_send(net, NULL, skb, &fl6,
		      ipv6_get_dsfield(ipv6_hdr(in)) & ~INET_ECN_MASK,
		      READ_ONCE(listener->sk_priority));
}

/*
 * The ACK @skb of @tw, an IPv6 TIME_WAIT entry, in answer to @in
 * (tcp_v6_timewait_ack() through tcp_v6_send_response()): its traffic
 * class without ECN, no flow label of its own (@skb carries its txhash,
 * the automatic one), the route's hop limit, @in's device for a
 * link-local peer, the mark of @in with net.ipv6.fwmark_reflect.
 */
void ktcp_ip6_send_tw_ack(struct net *net, const struct ktcp_tw *tw,
			  const struct sk_buff *in, struct sk_buff *skb)
{
	struct flowi6 fl6;

	ktcp_ip6_reply_flow(net, NULL, in, skb, 0, 0, &fl6);
	ktcp_ip6_send(net, NULL, skb, &fl6, ktcp_tw_tos(tw) & ~INET_ECN_MASK,
		      0);
}
