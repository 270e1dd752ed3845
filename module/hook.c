// SPDX-License-Identifier: GPL-2.0
/*
 * The receive hook: a netfilter LOCAL_IN hook per namespace that takes the
 * segments belonging to ktcp sockets out of the IPv4 input path before
 * native TCP sees them, and leaves every other packet alone.
 *
 * At LOCAL_IN the IP header is validated, fragments are reassembled, the
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
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "ktcp.h"
#include "trace.h"

/* Validate the TCP header and checksum; 0 or a counter. */
static int ktcp_hook_validate(struct sk_buff *skb)
{
	unsigned int thoff = ip_hdrlen(skb);
	const struct tcphdr *th;

	__skb_pull(skb, thoff);
	skb_reset_transport_header(skb);

	th = tcp_hdr(skb);
	if (th->doff < sizeof(*th) / 4 || !pskb_may_pull(skb, th->doff * 4))
		return KTCP_MIB_INERRS;
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	    skb_checksum_complete(skb)) {
		trace_ktcp_bad_csum(skb);
		return KTCP_MIB_INCSUMERRORS;
	}
	return 0;
}

/*
 * What tcp_v4_rcv() asks before a socket sees a segment: the IPsec input
 * policy (xfrm4_policy_check(); a TIME_WAIT connection with none of its
 * own, as Linux's timewait sock has none), the conntrack reference let go
 * (nf_reset_ct()), then the socket's filter (tcp_filter():
 * SO_ATTACH_FILTER or SO_ATTACH_BPF, run from the TCP header on, may
 * trim the payload, never the header). The skb still has its dst, which
 * the policy check reads. 0 or the reason to drop @skb.
 */
static enum skb_drop_reason ktcp_hook_policy(struct sock *sk,
					     struct sk_buff *skb)
{
	bool tw = sk->sk_state == TCP_TIME_WAIT;

	if (!xfrm4_policy_check(tw ? NULL : sk, XFRM_POLICY_IN, skb))
		return SKB_DROP_REASON_XFRM_POLICY;	/* xfrm_stat counts */
	nf_reset_ct(skb);
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
	int iif = inet_iif(skb), sdif = inet_sdif(skb);	/* dst, IPCB */
	struct ktcp_skb_cb *cb;

	/* Input dsts may be noref; ktcp queues skbs past this RCU section. */
	skb_dst_drop(skb);
	cb = KTCP_SKB_CB(skb);
	cb->iif = iif;
	cb->sdif = sdif;
	/* skb->dev is only safe under the hook's RCU section: read it now. */
	cb->dev_mss = ktcp_window_mss_from_mtu(READ_ONCE(skb->dev->mtu));
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->window = ntohs(th->window);
	cb->flags = tcp_flag_byte(th);
	cb->ip_dsfield = ip_hdr(skb)->tos;	/* its ECN field: ecn.c */
	cb->when = 0;
	cb->retransmitted = 0;
	__skb_pull(skb, th->doff * 4);
}

/*
 * A pure SYN that may open a connection: not to a broadcast or multicast
 * address (RFC 9293 3.10.7.2; Linux's tcp_v4_conn_request).
 */
static bool ktcp_hook_is_open(const struct sk_buff *skb,
			      const struct tcphdr *th)
{
	const struct rtable *rt = skb_rtable(skb);

	if (!th->syn || th->ack || th->rst)
		return false;
	return !rt || !(rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

/* A bare ACK: for a listener, it may answer a SYN cookie. */
static bool ktcp_hook_is_ack(const struct tcphdr *th)
{
	return th->ack && !th->syn && !th->rst;
}

/*
 * The ktcp socket (referenced) that @skb, of 4-tuple @t (local end first),
 * belongs to, or NULL.
 */
static struct sock *ktcp_hook_lookup(struct ktcp_net *kn,
				     struct sk_buff *skb,
				     const struct ktcp_tuple *t,
				     const struct tcphdr *th)
{
	struct ktcp_hnode *h;
	struct sock *sk = NULL;

	h = ktcp_hash_lookup(kn, t, inet_iif(skb), inet_sdif(skb));
	if (h && h->kind == KTCP_HNODE_SOCK)
		sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
	else if (h)
		sk = container_of(h, struct ktcp_request, hnode)->listener;
	else if (ktcp_hook_is_open(skb, th) || ktcp_hook_is_ack(th))
		sk = ktcp_hash_lookup_listener(kn, skb, t, inet_iif(skb),
					       inet_sdif(skb));
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
 * holds a reference on. Consumes @skb.
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
		sk_drops_add(sk, skb);	/* SO_RXQ_OVFL, as tcp_v4_rcv() */
		kfree_skb_reason(skb, reason);
		return 0;
	}
	ktcp_hook_fill_cb(skb);
	ktcp_rcv_segment(net, sk, skb);
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
	e = rcu_dereference(state->net->nf.hooks_ipv4[NF_INET_LOCAL_IN]);
	while (e && i < e->num_hook_entries && e->hooks[i].hook != ktcp_hook_in)
		i++;
	/* Not found: being unregistered; deliver as before the rest ran. */
	if (!e || i == e->num_hook_entries ||
	    nf_hook_slow(skb, &rest, e, i + 1) == 1)
		ktcp_hook_deliver(state->net, sk, skb);
}

/*
 * An ICMP message: icmp.c acts on errors about connections, and hands back
 * the request one is about, for listen.c (tcp_v4_err()'s two ways).
 */
static void ktcp_hook_icmp(struct net *net, struct sk_buff *skb)
{
	struct ktcp_request *req;
	bool fatal;
	u32 seq;

	req = ktcp_icmp_rcv(net, skb, &seq, &fatal);
	if (req)
		ktcp_listen_req_err(req, seq, fatal);
}

static unsigned int ktcp_hook_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct ktcp_tuple t;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if (iph->protocol == IPPROTO_ICMP) {
		ktcp_hook_icmp(state->net, skb);	/* then native ICMP's */
		return NF_ACCEPT;
	}
	if (iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	/* A runt is native TCP's to count and drop. */
	if (!pskb_may_pull(skb, ip_hdrlen(skb) + sizeof(struct tcphdr)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	th = (const struct tcphdr *)(skb_network_header(skb) + ip_hdrlen(skb));
	ktcp_tuple_set_v4(&t, iph->daddr, th->dest, iph->saddr, th->source);
	sk = ktcp_hook_lookup(ktcp_pernet(state->net), skb, &t, th);
	if (!sk)
		return NF_ACCEPT;
	ktcp_hook_rest(skb, sk, state);
	sock_put(sk);
	return NF_STOLEN;
}

static const struct nf_hook_ops ktcp_hook_ops = {
	.hook		= ktcp_hook_in,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	.priority	= NF_IP_PRI_SELINUX_LAST + 1,
};

int ktcp_hook_net_init(struct net *net)
{
	int err = nf_register_net_hook(net, &ktcp_hook_ops);

	ktcp_pernet(net)->hook_registered = !err;
	return err;
}

void ktcp_hook_net_exit(struct net *net)
{
	if (ktcp_pernet(net)->hook_registered)
		nf_unregister_net_hook(net, &ktcp_hook_ops);
}
