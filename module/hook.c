// SPDX-License-Identifier: GPL-2.0
/*
 * The receive hooks: netfilter LOCAL_IN hooks per namespace, IPv4 and
 * IPv6, that take the segments belonging to ktcp sockets out of the input
 * path before native TCP sees them, and leave every other packet alone.
 *
 * At LOCAL_IN the IP header is validated, IPv4 fragments are reassembled
 * (IPv6's extension headers and fragments come after: ktcp_hook_skip6()), the
 * packet is for this host and the filter, NAT and security tables have run,
 * so ktcp sockets obey the same firewall as native ones. The hook runs at
 * NF_IP_PRI_SELINUX_LAST + 1, before conntrack's confirm hook (nf_confirm()
 * at INT_MAX: helpers, seqadj, confirmation) and any other later one: a
 * segment ktcp takes first goes through those later LOCAL_IN hooks, as
 * nf_hook_slow() would have run them, and only then to its socket, so
 * conntrack confirms a connection opened from the network and "ct state"
 * rules see ktcp's flows as native TCP's.
 *
 * What ktcp takes (everything else is NF_ACCEPTed to native TCP):
 * - a segment whose 4-tuple is a ktcp connection or a ktcp request;
 * - a pure SYN to a port where a ktcp socket listens;
 * - an ACK to such a port that carries a valid SYN cookie of the listener
 *   (listen.c checks, only while the listener uses cookies).
 * Any other stray ACK or RST to a ktcp listener's port is left to native
 * TCP, which answers it with the RST a listener would send; and a native
 * connection that happens to use a port ktcp listens on is not disturbed.
 *
 * A segment taken passes the host's policy as native TCP's does (IPsec
 * input policy, the socket's BPF filter), then goes to rcv.c, which
 * processes it on its socket now or queues it to the socket's backlog.
 *
 * Context: softirq, under rcu_read_lock (nf_hook_slow holds it).
 */

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "ktcp.h"
#include "trace.h"

/* Is @skb, at the network layer, IPv6? */
static bool ktcp_hook_v6(const struct sk_buff *skb)
{
	return ip_hdr(skb)->version == 6;
}

/*
 * Validate the TCP header (at the transport header the hook set) and the
 * checksum, with the IPv4 or IPv6 pseudo-header; 0 or a counter.
 */
static int ktcp_hook_validate(struct sk_buff *skb)
{
	const struct tcphdr *th;
	__sum16 bad;

	/* the IP headers out of CHECKSUM_COMPLETE's sum, as ip6_input_finish() */
	skb_pull_rcsum(skb, skb_transport_offset(skb));
	th = tcp_hdr(skb);
	if (th->doff < sizeof(*th) / 4 || !pskb_may_pull(skb, th->doff * 4))
		return KTCP_MIB_INERRS;
	if (ktcp_hook_v6(skb))
		bad = skb_checksum_init(skb, IPPROTO_TCP, ip6_compute_pseudo);
	else
		bad = skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo);
	if (bad || skb_checksum_complete(skb)) {
		trace_ktcp_bad_csum(skb);
		return KTCP_MIB_INCSUMERRORS;
	}
	return 0;
}

/*
 * GTSM (RFC 5082): a hop limit below the socket's IPV6_MINHOPCOUNT, or a
 * TTL below its IP_MINTTL (tcp_v6_rcv(), tcp_v4_rcv()).
 */
static bool ktcp_hook_min_ttl(const struct sock *sk, const struct sk_buff *skb)
{
	if (ktcp_hook_v6(skb))
		return ipv6_hdr(skb)->hop_limit <
		       READ_ONCE(ktcp_np(sk)->min_hopcount);
	return ip_hdr(skb)->ttl < READ_ONCE(inet_sk(sk)->min_ttl);
}

/*
 * What tcp_v4_rcv() asks before a socket sees a segment: the IPsec input
 * policy (xfrm4_policy_check(); a TIME_WAIT connection with none of its
 * own, as Linux's timewait sock has none; @sk NULL for a ktcp_tw), the
 * conntrack reference let go
 * (nf_reset_ct()), the minimum TTL or hop limit, then the socket's filter
 * (tcp_filter(): SO_ATTACH_FILTER or SO_ATTACH_BPF, run from the TCP
 * header on, may trim the payload, never the header). The skb still has its dst, which
 * the policy check reads. 0 or the reason to drop @skb.
 */
static enum skb_drop_reason ktcp_hook_policy(struct sock *sk,
					     struct sk_buff *skb)
{
	bool tw = !sk || sk->sk_state == TCP_TIME_WAIT;

	if (ktcp_hook_v6(skb) ?
	    !xfrm6_policy_check(tw ? NULL : sk, XFRM_POLICY_IN, skb) :
	    !xfrm4_policy_check(tw ? NULL : sk, XFRM_POLICY_IN, skb))
		return SKB_DROP_REASON_XFRM_POLICY;	/* xfrm_stat counts */
	nf_reset_ct(skb);
	if (!tw && ktcp_hook_min_ttl(sk, skb)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPMINTTLDROP);
		return SKB_DROP_REASON_TCP_MINTTL;
	}
	if (!tw && sk_filter_trim_cap(sk, skb, tcp_hdr(skb)->doff * 4)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_SOCKETFILTERDROP);
		return SKB_DROP_REASON_SOCKET_FILTER;
	}
	return SKB_NOT_DROPPED_YET;
}

/* Fill ktcp_skb_cb from the header, and leave the payload in @skb. */
static void ktcp_hook_fill_cb(struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	bool v6 = ktcp_hook_v6(skb);
	/* the dst, IPCB or IP6CB: gone once the cb is filled */
	int iif = v6 ? inet6_iif(skb) : inet_iif(skb);
	int sdif = v6 ? inet6_sdif(skb) : inet_sdif(skb);
	struct ktcp_skb_cb *cb;

	/* Input dsts may be noref; ktcp queues skbs past this RCU section. */
	skb_dst_drop(skb);
	cb = KTCP_SKB_CB(skb);
	cb->iif = iif;
	cb->sdif = sdif;
	/* skb->dev is only safe under the hook's RCU section: read it now. */
	cb->dev_mss = ktcp_window_mss_from_mtu(READ_ONCE(skb->dev->mtu), v6);
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	cb->flags = tcp_flag_byte(th);
	/* its ECN field: ecn.c */
	cb->ip_dsfield = v6 ? ipv6_get_dsfield(ipv6_hdr(skb)) : ip_hdr(skb)->tos;
	cb->when = 0;
	cb->retransmitted = 0;
	__skb_pull(skb, th->doff * 4);
}

/*
 * A pure SYN that may open a connection: not to a broadcast or multicast
 * address (RFC 9293 3.10.7.2; Linux's tcp_v4_conn_request()), nor over
 * IPv6 from a v4-mapped one (tcp_v6_conn_request()).
 */
static bool ktcp_hook_is_open(const struct sk_buff *skb,
			      const struct tcphdr *th)
{
	const struct rtable *rt;

	if (!th->syn || th->ack || th->rst)
		return false;
	if (ktcp_hook_v6(skb))	/* unicast only: anycast too (tcp_v6_conn_request) */
		return ipv6_unicast_destination(skb) &&
		       !ipv6_addr_v4mapped(&ipv6_hdr(skb)->saddr);
	rt = skb_rtable(skb);
	return !rt || !(rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

/* A bare ACK: for a listener, it may answer a SYN cookie. */
static bool ktcp_hook_is_ack(const struct tcphdr *th)
{
	return th->ack && !th->syn && !th->rst;
}

/*
 * The ktcp socket (referenced) that @skb, of 4-tuple @t (local end first),
 * belongs to, or NULL; *@tw if it is a TIME_WAIT entry's instead, which
 * holds no reference (rcv.c finds it again under RCU).
 */
static struct sock *ktcp_hook_lookup(struct ktcp_net *kn,
				     struct sk_buff *skb,
				     const struct ktcp_tuple *t,
				     const struct tcphdr *th, bool *tw)
{
	bool v6 = ktcp_hook_v6(skb);
	int dif = v6 ? inet6_iif(skb) : inet_iif(skb);
	int sdif = v6 ? inet6_sdif(skb) : inet_sdif(skb);
	struct ktcp_hnode *h;
	struct sock *sk = NULL;

	h = ktcp_hash_lookup(kn, t, dif, sdif);
	*tw = h && h->kind == KTCP_HNODE_TW;
	if (*tw)
		return NULL;
	if (h && h->kind == KTCP_HNODE_SOCK)
		sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
	else if (h)
		sk = container_of(h, struct ktcp_request, hnode)->listener;
	else if (ktcp_hook_is_open(skb, th) || ktcp_hook_is_ack(th))
		sk = ktcp_hash_lookup_listener(kn, skb, t, dif, sdif);
	if (sk && !h && ktcp_hook_is_ack(th) && !ktcp_listen_cookie_valid(sk, skb))
		sk = NULL;
	if (sk && !refcount_inc_not_zero(&sk->sk_refcnt))
		sk = NULL;
	return sk;
}

/*
 * What ip_local_deliver_finish() and tcp_v4_rcv() do once every LOCAL_IN
 * hook has accepted @skb (the okfn of ktcp_hook_rest()): validate the
 * header, apply the policy, and hand the segment to @sk, which the caller
 * holds a reference on, or to its TIME_WAIT entry if @sk is NULL.
 * Consumes @skb.
 */
static int ktcp_hook_deliver(struct net *net, struct sock *sk,
			     struct sk_buff *skb)
{
	enum skb_drop_reason reason;
	int drop;

	drop = ktcp_hook_validate(skb);
	if (drop) {
		KTCP_INC_STATS(net, drop);
		kfree_skb(skb);
		return 0;
	}
	KTCP_INC_STATS(net, KTCP_MIB_INSEGS);
	reason = ktcp_hook_policy(sk, skb);
	if (reason) {
		if (sk)
			sk_drops_add(sk, skb);	/* SO_RXQ_OVFL, as tcp_v4_rcv() */
		kfree_skb_reason(skb, reason);
		return 0;
	}
	ktcp_hook_fill_cb(skb);
	if (sk)
		ktcp_rcv_segment(net, sk, skb);
	else
		ktcp_rcv_tw(net, skb);
	return 0;
}

static unsigned int ktcp_hook_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);

/*
 * Run the LOCAL_IN hooks after ktcp's on @skb, as nf_hook_slow() would
 * run them had ktcp's hook accepted it: conntrack's nf_confirm()
 * (helpers, seqadj, confirmation and its events), and any table at a
 * later priority. Calling them through nf_hook_slow() keeps ktcp.ko free
 * of nf_conntrack.ko, and nf_ct_hook->confirm alone would skip the
 * helpers, seqadj and events.
 * When all accept, ktcp_hook_deliver() runs now; a hook that queues @skb
 * (NF_QUEUE) has it reinjected into ktcp_hook_deliver() later, with @sk
 * held by the queue entry. Consumes @skb.
 */
static void ktcp_hook_rest(struct sk_buff *skb, struct sock *sk,
			   const struct nf_hook_state *state)
{
	const struct nf_hook_entries *e;
	struct nf_hook_state rest = *state;
	unsigned int i = 0;

	rest.sk = sk;
	rest.okfn = ktcp_hook_deliver;
	if (state->pf == NFPROTO_IPV6)
		e = rcu_dereference(state->net->nf.hooks_ipv6[NF_INET_LOCAL_IN]);
	else
		e = rcu_dereference(state->net->nf.hooks_ipv4[NF_INET_LOCAL_IN]);
	while (e && i < e->num_hook_entries && e->hooks[i].hook != ktcp_hook_in)
		i++;
	/* Not found: being unregistered; deliver as before the rest ran. */
	if (!e || i == e->num_hook_entries ||
	    nf_hook_slow(skb, &rest, e, i + 1) == 1)
		ktcp_hook_deliver(state->net, sk, skb);
}

/*
 * An ICMP or ICMPv6 message (its ICMPv6 header at @off): icmp.c or icmp6.c
 * acts on errors about connections, and hands back the request one is
 * about, for listen.c (tcp_v4_err()'s and tcp_v6_err()'s two ways).
 */
static void ktcp_hook_icmp(struct net *net, struct sk_buff *skb, int off)
{
	struct ktcp_request *req;
	bool fatal;
	u32 seq;

	if (ktcp_hook_v6(skb))
		req = ktcp_icmp6_rcv(net, skb, off, &seq, &fatal);
	else
		req = ktcp_icmp_rcv(net, skb, &seq, &fatal);
	if (req)
		ktcp_listen_req_err(req, seq, fatal);
}

/* The segment of @t is a ktcp socket's: take it, or let it go on. */
static unsigned int ktcp_hook_take(struct sk_buff *skb,
				   const struct ktcp_tuple *t,
				   const struct nf_hook_state *state)
{
	struct sock *sk;
	bool tw;

	sk = ktcp_hook_lookup(ktcp_pernet(state->net), skb, t, tcp_hdr(skb),
			      &tw);
	if (!sk && !tw)
		return NF_ACCEPT;
	ktcp_hook_rest(skb, sk, state);
	if (sk)
		sock_put(sk);
	return NF_STOLEN;
}

static unsigned int ktcp_hook_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct ktcp_tuple t;

	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if (iph->protocol == IPPROTO_ICMP) {
		ktcp_hook_icmp(state->net, skb, 0);	/* then native ICMP's */
		return NF_ACCEPT;
	}
	if (iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	/* A runt is native TCP's to count and drop. */
	if (!pskb_may_pull(skb, ip_hdrlen(skb) + sizeof(struct tcphdr)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	skb_set_transport_header(skb, skb_network_offset(skb) + ip_hdrlen(skb));
	th = tcp_hdr(skb);
	ktcp_tuple_set_v4(&t, iph->daddr, th->dest, iph->saddr, th->source);
	return ktcp_hook_take(skb, &t, state);
}

/*
 * Destination options (RFC 8200 4.6) of @len bytes at @h that IPv6 would
 * pass without acting on any: ipv6_destopt_rcv() and ip6_parse_tlv(),
 * rule for rule (the max_dst_opts_bytes and max_dst_opts_number sysctls,
 * a negative number forbidding unknown options; Pad1 and PadN, zeroes, at
 * most 7 bytes of padding in a row; an unknown option skipped only with
 * action bits 00). Every other option is IPv6's: it drops the packet, or
 * answers a Parameter Problem, as the action bits say; and the Home
 * Address option (action bits 11), which Mobile IPv6 acts on, stays with
 * native TCP.
 */
static bool ktcp_hook_dstopts_ok(const struct net *net, const u8 *h, int len)
{
	int max = READ_ONCE(net->ipv6.sysctl.max_dst_opts_cnt);
	int off = 2, pad = 0, count = 0, optlen, i;

	if (len > READ_ONCE(net->ipv6.sysctl.max_dst_opts_len))
		return false;
	while (off < len) {
		if (h[off] == IPV6_TLV_PAD1) {
			if (++pad > 7)
				return false;
			off++;
			continue;
		}
		if (len - off < 2 || h[off + 1] + 2 > len - off)
			return false;
		optlen = h[off + 1] + 2;
		if (h[off] == IPV6_TLV_PADN) {
			pad += optlen;
			if (pad > 7)
				return false;
			for (i = 2; i < optlen; i++)
				if (h[off + i])
					return false;
		} else {
			/*
			 * A negative max forbids unknown options, the only
			 * ones taken: ip6_tlvopt_unknown() skips those with
			 * action bits 00.
			 */
			if (max < 0 || ++count > max || h[off] >> 6)
				return false;
			pad = 0;
		}
		off += optlen;
	}
	return true;
}

/*
 * A routing header that ipv6_rthdr_rcv() passes at the final destination:
 * Segments Left 0 and a unicast destination (that in the IPv6 header, the
 * one the pseudo-header uses), any type but the Mobile IPv6 type 2, which
 * it discards unless it processed an address, and the segment routing
 * types 3 and 4, which ipv6_rpl_srh_rcv() and ipv6_srh_rcv() check
 * against sysctls and HMACs ktcp leaves to them (user-guide.rst). With
 * segments left, IPv6 forwards the packet or refuses the header.
 */
static bool ktcp_hook_rthdr_ok(const struct sk_buff *skb,
			       const struct ipv6_rt_hdr *rh)
{
	if (rh->segments_left || ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr))
		return false;
	switch (rh->type) {
#if IS_ENABLED(CONFIG_IPV6_MIP6)
	case IPV6_SRCRT_TYPE_2:
#endif
	case IPV6_SRCRT_TYPE_3:
	case IPV6_SRCRT_TYPE_4:
		return false;
	}
	return true;
}

/*
 * At LOCAL_IN, ip6_rcv_core() has parsed a hop-by-hop header, if any, and
 * set the transport header after it; the other extension headers are
 * processed by ip6_protocol_deliver_rcu() after this hook, from the next
 * header at IP6CB()->nhoff. Skip those it would pass without a change to
 * the packet: destination options, a routing header with no segments
 * left, an atomic fragment (ipv6_frag_rcv(), RFC 6946: offset 0, no more
 * fragments, one fragment header at most). The upper-layer protocol, its
 * header at *@off (from skb->data), or -1 to leave @skb to IPv6: a real
 * fragment (reassembled after this hook), AH and ESP (xfrm6 strips them
 * and hands the packet back to this hook), anything IPv6 would refuse.
 */
static int ktcp_hook_skip6(const struct net *net, struct sk_buff *skb,
			   int *off)
{
	bool frag = IP6CB(skb)->flags & IP6SKB_FRAGMENTED;
	u8 nexthdr = skb_network_header(skb)[IP6CB(skb)->nhoff];
	const struct frag_hdr *fh;
	const u8 *h;
	int len;

	for (;;) {
		switch (nexthdr) {
		case NEXTHDR_DEST:
		case NEXTHDR_ROUTING:
			if (!pskb_may_pull(skb, *off + 8))
				return -1;
			len = (skb->data[*off + 1] + 1) << 3;
			if (!pskb_may_pull(skb, *off + len))
				return -1;
			h = skb->data + *off;
			if (nexthdr == NEXTHDR_DEST ?
			    !ktcp_hook_dstopts_ok(net, h, len) :
			    !ktcp_hook_rthdr_ok(skb, (const void *)h))
				return -1;
			break;
		case NEXTHDR_FRAGMENT:
			len = sizeof(*fh);
			if (frag || !ipv6_hdr(skb)->payload_len ||
			    !pskb_may_pull(skb, *off + len))
				return -1;
			h = skb->data + *off;
			fh = (const struct frag_hdr *)h;
			if (fh->frag_off & htons(IP6_OFFSET | IP6_MF))
				return -1;
			frag = true;
			break;
		default:
			return nexthdr;
		}
		nexthdr = h[0];
		*off += len;
	}
}

/*
 * The same on the IPv6 input path, for a TCP segment or an ICMPv6 message
 * behind the extension headers ktcp_hook_skip6() passes; a segment taken
 * from behind some is counted (In6ExtHdrSegs). Anything else goes the
 * native way with the skb's offsets untouched (AH and ESP in transport
 * mode come back here once xfrm6 has stripped them). A v4-mapped address,
 * which no IPv6 segment may carry, stays native TCP's too (user-guide.rst).
 */
static unsigned int ktcp_hook_in6(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	int thoff = skb_transport_offset(skb), off = thoff;
	const struct ipv6hdr *ip6h;
	const struct tcphdr *th;
	struct ktcp_tuple t;
	unsigned int verdict;

	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	switch (ktcp_hook_skip6(state->net, skb, &off)) {
	case IPPROTO_ICMPV6:
		ktcp_hook_icmp(state->net, skb, off);	/* then ICMPv6's */
		return NF_ACCEPT;
	case IPPROTO_TCP:
		break;
	default:
		return NF_ACCEPT;
	}
	if (!pskb_may_pull(skb, off + sizeof(struct tcphdr)))
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	if (ipv6_addr_v4mapped(&ip6h->saddr) ||
	    ipv6_addr_v4mapped(&ip6h->daddr))
		return NF_ACCEPT;
	th = (const struct tcphdr *)(skb->data + off);
	t.laddr = ip6h->daddr;
	t.raddr = ip6h->saddr;
	t.lport = th->dest;
	t.rport = th->source;
	skb_set_transport_header(skb, off);
	verdict = ktcp_hook_take(skb, &t, state);
	if (verdict == NF_ACCEPT)	/* ip6_protocol_deliver_rcu()'s again */
		skb_set_transport_header(skb, thoff);
	else if (off != thoff)
		KTCP_INC_STATS(state->net, KTCP_MIB_IN6EXTHDRSEGS);
	return verdict;
}

static const struct nf_hook_ops ktcp_hook_ops[] = {
	{
		.hook		= ktcp_hook_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_SELINUX_LAST + 1,
	},
	{
		.hook		= ktcp_hook_in6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_SELINUX_LAST + 1,
	},
};

int ktcp_hook_net_init(struct net *net)
{
	int err = nf_register_net_hooks(net, ktcp_hook_ops,
					ARRAY_SIZE(ktcp_hook_ops));

	ktcp_pernet(net)->hook_registered = !err;
	return err;
}

void ktcp_hook_net_exit(struct net *net)
{
	if (ktcp_pernet(net)->hook_registered)
		nf_unregister_net_hooks(net, ktcp_hook_ops,
					ARRAY_SIZE(ktcp_hook_ops));
}
