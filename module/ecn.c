// SPDX-License-Identifier: GPL-2.0
/*
 * Explicit Congestion Notification (RFC 3168), as Linux 6.12's TCP does it
 * (tcp_input.c's tcp_ecn_*, tcp_output.c's tcp_ecn_send*, inet_ecn.h):
 *
 * - negotiation (RFC 3168 6.1.1): a SYN asks with ECE and CWR when
 *   net.ktcp.ecn is 1 or the route has the ecn feature; a listener accepts
 *   (ECE on its SYN-ACK) when the sysctl is not 0 or the route says so,
 *   and the SYN itself is not ECN-marked; the client keeps ECN only for a
 *   SYN-ACK with ECE and without CWR. A retransmitted SYN asks no more
 *   (6.1.1.1) with net.ktcp.ecn_fallback.
 * - sending (6.1.2, 6.1.5): new data segments are ECT(0); SYNs, pure
 *   ACKs, retransmissions and probes are not ECT. After a reduction of
 *   cwnd, the next new data segment carries CWR.
 * - receiving (6.1.3): a CE mark makes every ACK carry ECE until a
 *   segment with CWR arrives, and ACKs go out at once for a while
 *   (tcp_enter_quickack_mode(sk, 2)).
 * - reacting (6.1.2): input.c passes an ACK with ECE to recovery.c's state
 *   machine (ktcp_recovery_ece()), which reduces cwnd by PRR in CWR once per
 *   window (tcp_enter_cwr()), or in Recovery without undo, and queues CWR
 *   with every reduction (tcp_ecn_queue_cwr()).
 *
 * Linux marks by setting the ECN bits of inet->tos before each
 * transmission (INET_ECN_xmit()/INET_ECN_dontxmit()); so does ktcp, so
 * IP_TOS reads back the same.
 *
 * Context: the socket lock is held in every function taking a socket; the
 * others are pure, for KUnit.
 */

#include <net/inet_ecn.h>
#include <net/route.h>

#include "ecn.h"

/* tcp_ecn_send_syn(): does our SYN ask for ECN? */
bool ktcp_ecn_syn_wanted(u8 sysctl, bool route_ecn)
{
	return sysctl == 1 || route_ecn;
}

/*
 * tcp_ecn_create_request(): does a listener accept a SYN's request? Only
 * a SYN with both ECE and CWR asks; one that is itself ECT or CE was
 * re-marked on the way (RFC 3168 6.1.1) unless a reserved bit says it is
 * a newer ECN (RFC 8311 4.3). Any sysctl value but 0 accepts, as does a
 * route with the ecn feature; a route whose congestion control needs ECN
 * (DST_FEATURE_ECN_CA) accepts even an ECT SYN.
 */
bool ktcp_ecn_req_accept(u8 sysctl, u32 dst_features, u8 th_flags, bool res1,
			 u8 dsfield)
{
	bool ok = sysctl || (dst_features & DST_FEATURE_ECN_MASK);

	if ((th_flags & (TCPHDR_ECE | TCPHDR_CWR)) !=
	    (TCPHDR_ECE | TCPHDR_CWR))
		return false;
	return ((INET_ECN_is_not_ect(dsfield) || res1) && ok) ||
	       (dst_features & DST_FEATURE_ECN_CA);
}

/* tcp_ecn_rcv_synack(): an ECN-setup SYN-ACK has ECE and no CWR. */
bool ktcp_ecn_synack_ok(u8 th_flags)
{
	return (th_flags & (TCPHDR_ECE | TCPHDR_CWR)) == TCPHDR_ECE;
}

/* tcp_ecn_rcv_syn() (simultaneous open): the peer's SYN asked too. */
bool ktcp_ecn_syn_ok(u8 th_flags)
{
	return (th_flags & (TCPHDR_ECE | TCPHDR_CWR)) ==
	       (TCPHDR_ECE | TCPHDR_CWR);
}

/*
 * tcp_ecn_clear_syn(): a SYN that asked for ECN is retransmitted without
 * ECE and CWR when falling back is allowed (RFC 3168 6.1.1.1); the
 * SYN-ACK then decides, and a plain one turns ECN off.
 */
u8 ktcp_ecn_rtx_syn_flags(u8 flags, bool fallback)
{
	if ((flags & TCPHDR_SYN_ECN) == TCPHDR_SYN_ECN && fallback)
		flags &= ~(TCPHDR_ECE | TCPHDR_CWR);
	return flags;
}

/*
 * __tcp_ecn_check_ce(): the IP ECN field of a data segment received on an
 * ECN connection. CE asks for ECE until CWR (TCP_ECN_DEMAND_CWR); any ECT
 * or CE is "seen". Returns true when ACKs should go out at once: the first
 * CE of a round (the sender's cwnd may be tiny), or a Not-ECT segment
 * after ECT ones (most likely a retransmission).
 */
bool ktcp_ecn_ce_check(u8 *ecn_flags, u8 dsfield)
{
	bool quick;

	switch (dsfield & INET_ECN_MASK) {
	case INET_ECN_NOT_ECT:
		return *ecn_flags & TCP_ECN_SEEN;
	case INET_ECN_CE:
		quick = !(*ecn_flags & TCP_ECN_DEMAND_CWR);
		*ecn_flags |= TCP_ECN_DEMAND_CWR | TCP_ECN_SEEN;
		return quick;
	default:
		*ecn_flags |= TCP_ECN_SEEN;
		return false;
	}
}

/*
 * tcp_ecn_accept_cwr(): CWR ends the ECE echo, on any acceptable ACK (a
 * pure ACK too, as Linux accepts it); a segment with CWR that occupies
 * sequence space is ACKed at once, the sender's cwnd may be 1.
 */
void ktcp_ecn_cwr_check(u8 *ecn_flags, u8 th_flags, bool data)
{
	if (!(th_flags & TCPHDR_CWR))
		return;
	*ecn_flags &= ~TCP_ECN_DEMAND_CWR;
	if (data)
		*ecn_flags |= KTCP_ECN_ACK_NOW;
}

/*
 * tcp_ecn_send(), for a segment other than a SYN on an ECN connection:
 * new data is ECT(0) and takes a queued CWR; the rest is Not-ECT. Every
 * one carries ECE while CWR is demanded. Returns the ECN field for IP.
 */
u8 ktcp_ecn_xmit_flags(u8 *ecn_flags, bool new_data, u8 *th_flags)
{
	u8 ect = INET_ECN_NOT_ECT;

	if (new_data) {
		ect = INET_ECN_ECT_0;
		if (*ecn_flags & TCP_ECN_QUEUE_CWR) {
			*ecn_flags &= ~TCP_ECN_QUEUE_CWR;
			*th_flags |= TCPHDR_CWR;
		}
	}
	if (*ecn_flags & TCP_ECN_DEMAND_CWR)
		*th_flags |= TCPHDR_ECE;
	return ect;
}

/* tcp_ecn_rcv_ecn_echo(): ECE on anything but a SYN-ACK is an echo. */
bool ktcp_ecn_is_echo(bool ecn_ok, u8 th_flags)
{
	return ecn_ok && (th_flags & TCPHDR_ECE) && !(th_flags & TCPHDR_SYN);
}

/* connect()'s SYN, just queued: ask for ECN or not (tcp_ecn_send_syn()). */
void ktcp_ecn_send_syn(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	const struct dst_entry *dst = __sk_dst_get(sk);
	u8 sysctl = READ_ONCE(ktcp_pernet(sock_net(sk))->ecn);
	bool route = dst && dst_feature(dst, RTAX_FEATURE_ECN);

	sock_owned_by_me(sk);
	ks->ecn_flags = 0;
	ks->neg.ecn_ok = ktcp_ecn_syn_wanted(sysctl, route);
	if (ks->neg.ecn_ok)
		KTCP_SKB_CB(skb)->flags |= TCPHDR_ECE | TCPHDR_CWR;
}

/* A queued segment goes out again: a SYN may drop its ECN request. */
void ktcp_ecn_retransmit(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	bool fallback = READ_ONCE(ktcp_pernet(sock_net(sk))->ecn_fallback);

	cb->flags = ktcp_ecn_rtx_syn_flags(cb->flags, fallback);
}

/*
 * A segment other than a SYN is about to leave @sk with @len bytes of
 * payload from @seq (tcp_transmit_skb()'s call of tcp_ecn_send()): set
 * its ECE and CWR in *@th_flags and the ECN field of inet->tos, which
 * ip_queue_xmit() copies. Data below SND.NXT is a retransmission. Any
 * ACK leaving answers a CWR's request for one (ICSK_ACK_NOW). TIME_WAIT
 * is a tw sock in Linux, whose ACKs carry no ECE.
 */
void ktcp_ecn_send(struct sock *sk, u8 *th_flags, u32 len, u32 seq)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	bool new_data = len && !ktcp_seq_before(seq, ks->snd_nxt);
	u8 tos = READ_ONCE(inet->tos) & ~INET_ECN_MASK;
	u8 ect = INET_ECN_NOT_ECT;

	if (*th_flags & TCPHDR_ACK)
		ks->ecn_flags &= ~KTCP_ECN_ACK_NOW;
	if (!ks->neg.ecn_ok)
		return;
	if (sk->sk_state != TCP_TIME_WAIT)
		ect = ktcp_ecn_xmit_flags(&ks->ecn_flags, new_data, th_flags);
	WRITE_ONCE(inet->tos, tos | ect);	/* IP_TOS reads it lockless */
	if (ktcp_sk_v6(sk)) {	/* ip6_xmit() takes np->tclass (INET_ECN_xmit) */
		struct ipv6_pinfo *np = ktcp_np(sk);

		np->tclass = (np->tclass & ~INET_ECN_MASK) | ect;
	}
}

/*
 * The features of the route a SYN-ACK to @skb would take: looked up only
 * when net.ktcp.ecn is 0 and the SYN asks, the one case they decide.
 */
static u32 ktcp_ecn_route_features(const struct sock *listener,
				   const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct flowi4 fl4;
	struct rtable *rt;
	u32 features;

	if (iph->version == 6)
		return ktcp_ip6_route_features(listener, skb);
	rt = ip_route_output_ports(sock_net(listener), &fl4, listener,
				   iph->saddr, iph->daddr, th->source,
				   th->dest, IPPROTO_TCP, 0,
				   READ_ONCE(listener->sk_bound_dev_if));
	if (IS_ERR(rt))
		return 0;
	features = dst_feature(&rt->dst, DST_FEATURE_ECN_MASK);
	ip_rt_put(rt);
	return features;
}

/* A SYN to @listener: does its request agree to ECN? */
bool ktcp_ecn_req_ok(const struct sock *listener, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	u8 sysctl = READ_ONCE(ktcp_pernet(sock_net(listener))->ecn);
	u32 features = 0;

	if (!th->ece || !th->cwr)
		return false;
	if (!sysctl)
		features = ktcp_ecn_route_features(listener, skb);
	return ktcp_ecn_req_accept(sysctl, features, tcp_flag_byte(th),
				   th->res1, KTCP_SKB_CB(skb)->ip_dsfield);
}

/*
 * A cookie ACK to @listener whose TSecr says the SYN-ACK agreed to ECN:
 * does ECN stay (cookie_ecn_ok(): the sysctl not 0, or the route's ecn
 * feature)?
 */
bool ktcp_ecn_cookie_ok(const struct sock *listener, const struct sk_buff *skb)
{
	if (READ_ONCE(ktcp_pernet(sock_net(listener))->ecn))
		return true;
	return ktcp_ecn_route_features(listener, skb) & RTAX_FEATURE_ECN;
}

/*
 * A SYN-ACK in SYN_SENT (tcp_ecn_rcv_synack()), or a SYN in a
 * simultaneous open (tcp_ecn_rcv_syn()): keep ECN only if the peer agreed.
 * Our SYN, about to go out again as a SYN-ACK, then carries ECE alone, and
 * only if ECN stays (tcp_ecn_send_synack()).
 */
void ktcp_ecn_rcv_syn(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 flags = KTCP_SKB_CB(skb)->flags;
	struct sk_buff *syn;

	sock_owned_by_me(sk);
	if (flags & TCPHDR_ACK) {
		if (!ktcp_ecn_synack_ok(flags))
			ks->neg.ecn_ok = 0;
		return;
	}
	if (!ktcp_ecn_syn_ok(flags))
		ks->neg.ecn_ok = 0;
	syn = skb_peek(&sk->sk_write_queue);
	if (!syn || !(KTCP_SKB_CB(syn)->flags & TCPHDR_SYN))
		return;
	KTCP_SKB_CB(syn)->flags &= ~TCPHDR_CWR;
	if (!ks->neg.ecn_ok)
		KTCP_SKB_CB(syn)->flags &= ~TCPHDR_ECE;
}

/*
 * Data arrived (tcp_event_data_recv() in order, tcp_data_queue_ofo()
 * above a hole): read its CE mark. tcp_enter_quickack_mode(sk, 2): up to
 * two quick ACKs, out of pingpong mode, the shortest delayed-ACK timeout.
 */
void ktcp_ecn_rcv_data(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 quick;

	if (!ks->neg.ecn_ok ||
	    !ktcp_ecn_ce_check(&ks->ecn_flags, KTCP_SKB_CB(skb)->ip_dsfield))
		return;
	quick = ks->rcv_wnd / (2 * max_t(u32, ks->rcv_mss, 1));	/* tcp_incr_quickack() */
	quick = min_t(u32, quick ?: 2, 2);
	if (quick > ks->quickack)
		ks->quickack = quick;
	ks->pingpong = 0;
	ks->ato = KTCP_ATO_MIN;
}

/*
 * An acceptable ACK (not older than @prior_una) is about to reach
 * recovery.c's state machine; @delivered segments were newly acked or
 * SACKed (tcp_ack()): CWR from the peer (tcp_ecn_accept_cwr()), and ECE
 * (tcp_ecn_rcv_ecn_echo()). Returns true for Linux's FLAG_ECE, which the
 * caller passes on (ktcp_recovery_ece()) for tcp_fastretrans_alert() to
 * turn into tcp_enter_cwr(), or a Recovery that cannot be undone. As in
 * tcp_ack(), an ECE with nothing in flight before it (no_queue) counts
 * what it delivered but reduces nothing.
 */
bool ktcp_ecn_rcv_ack(struct sock *sk, const struct sk_buff *skb,
		      u32 prior_una, u32 delivered)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	if (ktcp_seq_before(cb->ack_seq, prior_una))
		return false;	/* tcp_ack()'s old_ack: neither CWR nor ECE */
	ktcp_ecn_cwr_check(&ks->ecn_flags, cb->flags, cb->seq != cb->end_seq);
	if (!ktcp_ecn_is_echo(ks->neg.ecn_ok, cb->flags))
		return false;
	ks->delivered_ce += delivered;		/* tcp_count_delivered() */
	KTCP_ADD_STATS(sock_net(sk), KTCP_MIB_TCPDELIVEREDCE, delivered);
	return prior_una != ks->snd_nxt;
}
