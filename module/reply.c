// SPDX-License-Identifier: GPL-2.0
/*
 * Segments with no full socket behind them: a request's SYN-ACK, the ACK
 * a request answers an unacceptable segment with, and the RST that answers
 * a segment no socket takes. They are routed here, as
 * Linux's ip_build_and_send_pkt() and ip_send_unicast_reply() do over
 * IPv4 (ip6.c over IPv6), from what the request, the listener or the
 * segment answered gives, since no socket's cached route or inet_sock
 * applies; the TCP header and its checksum come from output.c.
 *
 * Context: softirq or process with BHs off; a SYN-ACK's listener is
 * locked, a RST's socket (when there is one) only lends its settings.
 */

#include <net/ip.h>
#include <net/route.h>

#include "ktcp.h"
#include "trace.h"

/*
 * What the IP layer needs for a segment with no full socket behind it: how
 * to route it (addresses, ports, oif, flags; the mark goes on the skb too),
 * the skb's priority, and the header's TOS and TTL (< 0: the route's).
 */
struct ktcp_reply_ip {
	struct flowi4 fl4;
	u32 priority;
	int ttl;
	u8 tos;
};

/*
 * Route and send such a segment, as ip_build_and_send_pkt() sends a
 * SYN-ACK and ip_send_unicast_reply() a RST; @sk is the socket it speaks
 * for, or NULL. DF and IP ID 0, as both do for segments this small.
 */
static void ktcp_reply_raw(struct net *net, const struct sock *sk,
			   struct sk_buff *skb, struct ktcp_reply_ip *ip)
{
	__be32 saddr = ip->fl4.saddr, daddr = ip->fl4.daddr;
	struct rtable *rt;
	struct iphdr *iph;

	rt = ip_route_output_flow(net, &ip->fl4, sk);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return;
	}
	skb_dst_set(skb, &rt->dst);
	ktcp_xmit_csum(skb, saddr, daddr);
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = ip->tos;
	iph->tot_len = htons(skb->len);
	iph->frag_off = htons(IP_DF);
	iph->id = 0;
	iph->ttl = ip->ttl < 0 ? ip4_dst_hoplimit(&rt->dst) : ip->ttl;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ip_send_check(iph);
	skb->protocol = htons(ETH_P_IP);
	skb->priority = ip->priority;
	skb->mark = ip->fl4.flowi4_mark;
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	KTCP_INC_STATS(net, KTCP_MIB_OUTSEGS);
	ip_local_out(net, NULL, skb);
}

/*
 * The TOS of @req's SYN-ACK (tcp_v4_send_synack()): the listener's IP_TOS,
 * or with net.ipv4.tcp_reflect_tos the SYN's DSCP and the listener's ECN
 * bits.
 */
static u8 ktcp_reply_synack_tos(const struct sock *listener,
				const struct ktcp_request *req)
{
	u8 tos = READ_ONCE(inet_sk(listener)->tos);

	if (READ_ONCE(sock_net(listener)->ipv4.sysctl_tcp_reflect_tos))
		tos = (req->syn_tos & ~INET_ECN_MASK) | (tos & INET_ECN_MASK);
	return tos;
}

/*
 * SYN-ACK for @req of @listener (RFC 9293 3.10.7.2), routed and marked as
 * Linux's inet_csk_route_req() and ip_build_and_send_pkt() do: the
 * request's mark (the listener's SO_MARK, or the SYN's with
 * net.ipv4.tcp_fwmark_accept), the listener's device, SO_PRIORITY, IP_TTL
 * and IP_TRANSPARENT (a non-local source is routed). @foc, if not NULL,
 * has the Fast Open cookie for the first SYN-ACK (tcp_synack_options());
 * one sent again has none, as Linux's.
 */
int ktcp_reply_synack(const struct sock *listener,
		      const struct ktcp_request *req,
		      const struct ktcp_opts *foc)
{
	const struct ktcp_tuple *t = &req->hnode.key;
	struct ktcp_skb_cb cb = {
		.seq = req->iss, .ack_seq = req->irs + 1,
		/* tcp_ecn_make_synack(): ECE if we agree to ECN */
		.flags = TCPHDR_SYN | TCPHDR_ACK |
			 (req->neg.ecn_ok ? TCPHDR_ECE : 0),
		.window = min_t(u32, req->rcv_wnd, U16_MAX),
	};
	struct ktcp_reply_ip ip = {
		.priority = READ_ONCE(listener->sk_priority),
		.ttl = READ_ONCE(inet_sk(listener)->uc_ttl),
		.tos = ktcp_reply_synack_tos(listener, req),
	};
	struct sk_buff *skb = ktcp_xmit_alloc(GFP_ATOMIC);
	struct ktcp_opts opts;

	sock_owned_by_me(listener);
	if (!skb)
		return -ENOBUFS;
	ktcp_neg_fill(&req->neg, &opts, true, false, req->adv_mss);
	if (req->cookie && (opts.present & KTCP_OPTF_TS))
		opts.tsval = ktcp_cookie_ts_encode(&req->neg, tcp_clock_ms()) +
			     req->neg.ts_off;	/* cookie_init_timestamp() */
	if (foc)
		ktcp_opts_copy_fastopen(&opts, foc);
	ktcp_xmit_header(skb, t->lport, t->rport, &cb, &opts);
	if (!ktcp_tuple_is_v4(t)) {
		ktcp_ip6_send_synack(listener, req, skb);
		return 0;
	}
	/* inet_csk_route_req(): the request's device (ir_iif) */
	flowi4_init_output(&ip.fl4, req->bound_dev_if, req->mark,
			   ip_sock_rt_tos(listener), ip_sock_rt_scope(listener), IPPROTO_TCP,
			   inet_sk_flowi_flags(listener), ktcp_addr_v4(&t->raddr),
			   ktcp_addr_v4(&t->laddr),
			   t->rport, t->lport, listener->sk_uid);
	ktcp_reply_raw(sock_net(listener), listener, skb, &ip);
	return 0;
}

/*
 * Route and send @skb, a control segment in answer to @in, an IPv4
 * segment, as ip_send_unicast_reply() does for tcp_v4_send_reset() and
 * tcp_v4_send_ack(): TOS @tos (ECN bits off) and the route's TTL; the
 * mark of @in with net.ipv4.fwmark_reflect, else @sk's; device @oif,
 * @sk's priority and IP_TRANSPARENT. @sk (NULL for none) only lends those.
 */
static void ktcp_reply_ctl(struct net *net, const struct sock *sk,
			   const struct sk_buff *in, struct sk_buff *skb,
			   int oif, u8 tos)
{
	const struct iphdr *iph = ip_hdr(in);
	const struct tcphdr *ith = tcp_hdr(in);
	struct ktcp_reply_ip ip = { .ttl = -1, .tos = tos & ~INET_ECN_MASK };
	u32 mark = IP4_REPLY_MARK(net, in->mark);

	if (sk) {
		mark = mark ?: READ_ONCE(sk->sk_mark);
		ip.priority = READ_ONCE(sk->sk_priority);
	}
	flowi4_init_output(&ip.fl4, oif, mark, tos & INET_DSCP_MASK,
			   RT_SCOPE_UNIVERSE, IPPROTO_TCP,
			   sk && inet_sk_transparent(sk) ? FLOWI_FLAG_ANYSRC : 0,
			   iph->saddr, iph->daddr, ith->source, ith->dest,
			   sock_net_uid(net, sk));
	ktcp_reply_raw(net, NULL, skb, &ip);
}

/*
 * RST in answer to @in, a segment ktcp took but cannot accept
 * (RFC 9293 3.10.7.1): SEQ=SEG.ACK if it had ACK, else SEQ=0 with
 * ACK=SEG.SEQ+SEG.LEN. Never in answer to a RST. As Linux's
 * tcp_v4_send_reset(), from @sk's device (ktcp_reply_ctl() says the rest).
 * @sk (the socket @in came to, or NULL) only lends its settings.
 */
void ktcp_reply_rst(struct net *net, const struct sock *sk,
		    struct sk_buff *in, enum sk_rst_reason reason)
{
	const struct ktcp_skb_cb *icb = KTCP_SKB_CB(in);
	const struct tcphdr *ith = tcp_hdr(in);
	struct ktcp_skb_cb cb = { .flags = TCPHDR_RST };
	struct sk_buff *skb;

	if (ith->rst)
		return;
	if (ith->ack) {
		cb.seq = icb->ack_seq;
	} else {
		cb.ack_seq = icb->end_seq;
		cb.flags |= TCPHDR_ACK;
	}
	skb = ktcp_xmit_alloc(GFP_ATOMIC);
	if (!skb) {
		KTCP_INC_STATS(net, KTCP_MIB_NOMEM);
		return;
	}
	ktcp_xmit_header(skb, ith->dest, ith->source, &cb, NULL);
	KTCP_INC_STATS(net, KTCP_MIB_OUTRSTS);
	trace_ktcp_send_reset(sk, in, reason);
	if (ip_hdr(in)->version == 6) {
		ktcp_ip6_send_rst(net, sk, in, skb);
		return;
	}
	ktcp_reply_ctl(net, sk, in, skb,
		       sk ? READ_ONCE(sk->sk_bound_dev_if) : 0, ip_hdr(in)->tos);
}

/*
 * A bare ACK from 4-tuple @t with header @cb, TSval and TSecr from @n when
 * @ts, and txhash @hash (an IPv6 one's automatic flow label), in
 * tcp_v4_send_ack()'s layout: for a request or a TIME_WAIT entry. NULL,
 * counted, without memory.
 */
static struct sk_buff *ktcp_reply_ack_build(struct net *net,
					    const struct ktcp_tuple *t,
					    struct ktcp_skb_cb *cb,
					    const struct ktcp_neg *n, bool ts,
					    u32 hash)
{
	struct ktcp_opts opts = {};
	struct sk_buff *skb;

	if (ts) {
		opts.present = KTCP_OPTF_TS;
		opts.tsval = ktcp_neg_ts_now(n);
		opts.tsecr = n->ts_recent;
	}
	skb = ktcp_xmit_alloc(GFP_ATOMIC);
	if (!skb) {
		KTCP_INC_STATS(net, KTCP_MIB_NOMEM);
		return NULL;
	}
	ktcp_xmit_header(skb, t->lport, t->rport, cb, &opts);
	skb_set_hash(skb, hash, PKT_HASH_TYPE_L4);
	return skb;
}

/*
 * The ACK @req of @listener answers an unacceptable segment @in with
 * (tcp_v4_reqsk_send_ack(), tcp_v6_reqsk_send_ack()): SEQ = ISS + 1,
 * ACK = IRS + 1, the SYN-ACK's window scaled down as any later segment's
 * is (tcp_synack_window() >> rcv_wscale), and timestamps when the SYN had
 * them (TSecr = TS.Recent); routed as a RST is, with no device of the
 * listener's over IPv4.
 */
void ktcp_reply_req_ack(const struct sock *listener,
			const struct ktcp_request *req, struct sk_buff *in)
{
	const struct ktcp_tuple *t = &req->hnode.key;
	struct ktcp_skb_cb cb = {
		.seq = req->iss + 1, .ack_seq = req->irs + 1,
		.flags = TCPHDR_ACK,
		.window = min_t(u32, req->rcv_wnd, U16_MAX) >>
			  req->neg.rcv_wscale,
	};
	struct net *net = sock_net(listener);
	struct sk_buff *skb;

	skb = ktcp_reply_ack_build(net, t, &cb, &req->neg,
				   req->neg.tstamp_ok && req->neg.ts_recent,
				   req->txhash);
	if (!skb)
		return;
	if (!ktcp_tuple_is_v4(t)) {
		ktcp_ip6_send_req_ack(listener, req, in, skb);
		return;
	}
	ktcp_reply_ctl(net, listener, in, skb, 0, ip_hdr(in)->tos);
}

/*
 * The ACK of @tw, a TIME_WAIT entry whose timestamp state is @n, in answer
 * to @in (tcp_v4_timewait_ack(), tcp_v6_timewait_ack()): SEQ = SND.NXT,
 * ACK = RCV.NXT, the window it last offered, TSecr = TS.Recent when
 * timestamps were agreed; its TOS or traffic class, its txhash (the IPv6
 * flow label), no device, mark or priority (ktcp_tw_fits() kept only
 * connections without), routed as a RST is.
 */
void ktcp_reply_tw_ack(struct net *net, const struct ktcp_tw *tw,
		       const struct ktcp_neg *n, const struct sk_buff *in)
{
	const struct ktcp_tuple *t = &tw->hnode.key;
	struct ktcp_skb_cb cb = {
		.seq = tw->snd_nxt, .ack_seq = tw->rcv_nxt,
		.flags = TCPHDR_ACK, .window = tw->rcv_wnd,
	};
	struct sk_buff *skb;

	skb = ktcp_reply_ack_build(net, t, &cb, n, n->tstamp_ok, tw->txhash);
	if (!skb)
		return;
	if (!ktcp_tuple_is_v4(t)) {
		ktcp_ip6_send_tw_ack(net, tw, in, skb);
		return;
	}
	ktcp_reply_ctl(net, NULL, in, skb, 0, ktcp_tw_tos(tw));
}
