// SPDX-License-Identifier: GPL-2.0
/*
 * ICMPv6 errors about ktcp's IPv6 connections, as Linux 6.12's
 * tcp_v6_err() acts on them (RFC 4443, RFC 8201 PMTU discovery, RFC 5927's
 * checks); icmp.c is the IPv4 side.
 *
 * The IPv6 hook shows every ICMPv6 message that reaches this host; an
 * error (a type below 128, as icmpv6_rcv() notifies them) whose quoted
 * IPv6 and TCP headers name a ktcp connection or request, we being the
 * quoted source, is acted on here. The message then goes on to native
 * ICMPv6 (raw sockets still see it), where tcp_v6_err() finds no socket of
 * its own for that 4-tuple: ktcp's ports are claimed in native TCP's table.
 *
 * - The ICMPv6 checksum is verified first (icmpv6_rcv() would drop and
 *   count a bad one after us).
 * - Only a quoted sequence number between SND.UNA and SND.NXT is believed
 *   (RFC 5927 5.1), else OutOfWindowIcmps.
 * - Packet Too Big (not below IPV6_MIN_MTU, and not with
 *   IPV6_PMTUDISC_INTERFACE or _OMIT) lowers the path MTU and the MSS and
 *   resends what the router dropped (pmtu.c), at once or, while a process
 *   owns the socket, from release_cb.
 * - In SYN_SENT and SYN_RECV any other error ends the attempt with
 *   icmpv6_err_convert()'s errno (ECONNREFUSED for port unreachable,
 *   EACCES for administratively prohibited, EHOSTUNREACH...) at once, and
 *   with IPV6_RECVERR is queued on the error queue (ipv6_icmp_error()).
 *   On a synchronized connection it is a soft error: kept for SO_ERROR
 *   should the connection time out, or with IPV6_RECVERR reported at once.
 * - An error about a request in a listener's SYN queue goes back to the
 *   hook, which has listen.c act on it as tcp_req_err() does.
 * Not done, as in icmp.c: redirects (NDISC_REDIRECT reaches tcp_v6_err()
 * from ndisc, not as an ICMPv6 error) and RFC 6069's RTO revert. Not seen:
 * an ICMPv6 error that arrives fragmented (LOCAL_IN precedes reassembly).
 *
 * Context: softirq, from the hook, under RCU; the socket's bh lock.
 */

#include <linux/icmpv6.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "ktcp.h"

/* ip6_sk_accept_pmtu() with ktcp_np(), not inet6_sk(). */
static bool ktcp_icmp6_accept_pmtu(const struct sock *sk)
{
	u8 pmtudisc = READ_ONCE(ktcp_np(sk)->pmtudisc);

	return pmtudisc != IPV6_PMTUDISC_INTERFACE &&
	       pmtudisc != IPV6_PMTUDISC_OMIT;
}

/* Packet Too Big with @mtu: tcp_v6_err()'s ICMPV6_PKT_TOOBIG case. */
static void ktcp_icmp6_toobig(struct sock *sk, u32 mtu, bool owned)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!ktcp_icmp6_accept_pmtu(sk) || mtu < IPV6_MIN_MTU)
		return;
	WRITE_ONCE(ks->mtu_info, mtu);
	if (!owned)
		ktcp_pmtu_reduced(sk);
	else if (!test_and_set_bit(KTCP_MTU_DEFERRED, &ks->deferred))
		sock_hold(sk);
}

/*
 * tcp_v6_err() on an opening or synchronized ktcp socket; @skb is the
 * ICMPv6 message, its transport header at the ICMPv6 header, @th the TCP
 * header it quotes, @info its MTU or pointer field.
 */
static void ktcp_icmp6_err(struct sock *sk, struct sk_buff *skb,
			   const struct tcphdr *th, u32 info)
{
	u8 type = icmp6_hdr(skb)->icmp6_type, code = icmp6_hdr(skb)->icmp6_code;
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool owned = sock_owned_by_user(sk);
	int err;

	if (owned && type != ICMPV6_PKT_TOOBIG)
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_LOCKDROPPEDICMPS);
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_TIME_WAIT | TCPF_LISTEN))
		return;
	if (!ktcp_seq_between(ntohl(th->seq), ks->snd_una, ks->snd_nxt)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OUTOFWINDOWICMPS);
		return;
	}
	if (type == ICMPV6_PKT_TOOBIG) {
		ktcp_icmp6_toobig(sk, info, owned);
		return;
	}
	icmpv6_err_convert(type, code, &err);
	/* An accepted Fast Open child is a connected socket (tcp_v6_err()). */
	if (((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) &&
	    !(ktcp_fastopen_passive(sk) && READ_ONCE(sk->sk_socket))) {
		/* Queued with IPV6_RECVERR; the data is the quoted header. */
		ipv6_icmp_error(sk, skb, err, th->dest, info, (u8 *)th);
		if (!owned)
			ktcp_sock_reset(sk, err);	/* tcp_done_with_error() */
		else
			WRITE_ONCE(sk->sk_err_soft, err);
		return;
	}
	if (!owned && inet6_test_bit(RECVERR6, sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);	/* only on timeout */
	}
}

/* Is the ICMPv6 checksum of @skb, its header at @off, right? */
static bool ktcp_icmp6_csum_ok(const struct sk_buff *skb, int off)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	int len = skb->len - off;

	return !csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
				IPPROTO_ICMPV6,
				skb_checksum(skb, off, len, 0));
}

/* Act on @skb, an error about @sk's connection (tcp_v6_err()). */
static void ktcp_icmp6_sock(struct sock *sk, struct sk_buff *skb, int off,
			    const struct tcphdr *th, u32 info)
{
	u16 saved = skb->transport_header;

	/* ipv6_icmp_error() reads icmp6_hdr(); ip6_protocol_deliver_rcu()
	 * still needs the transport header IPv6 input set: restore it.
	 */
	skb_set_transport_header(skb, off);
	bh_lock_sock(sk);
	ktcp_icmp6_err(sk, skb, th, info);
	bh_unlock_sock(sk);
	skb->transport_header = saved;
}

/*
 * An ICMPv6 message @skb (at its IPv6 header, its ICMPv6 header at @off
 * past the extension headers) that the hook saw. If it is about a
 * request, the request (referenced) for ktcp_listen_req_err(), with the
 * quoted @seq and whether the error is @fatal; else NULL.
 */
struct ktcp_request *ktcp_icmp6_rcv(struct net *net, struct sk_buff *skb,
				    int off, u32 *seq, bool *fatal)
{
	const struct icmp6hdr *icmph;
	const struct ipv6hdr *inner;
	struct ktcp_request *req;
	const struct tcphdr *th;
	struct ktcp_hnode *h;
	struct ktcp_tuple t;
	__be16 frag_off;
	struct sock *sk;
	u8 nexthdr;
	int thoff;
	int err;

	if (!pskb_may_pull(skb, off + sizeof(*icmph) + sizeof(*inner)))
		return NULL;
	icmph = (const struct icmp6hdr *)(skb->data + off);
	if (icmph->icmp6_type & ICMPV6_INFOMSG_MASK)
		return NULL;
	inner = (const struct ipv6hdr *)(icmph + 1);
	nexthdr = inner->nexthdr;
	/* icmpv6_notify(): the quoted packet's extension headers */
	thoff = ipv6_skip_exthdr(skb, off + sizeof(*icmph) + sizeof(*inner),
				 &nexthdr, &frag_off);
	if (thoff < 0 || nexthdr != IPPROTO_TCP ||
	    !pskb_may_pull(skb, thoff + 8))	/* 64 bits of TCP */
		return NULL;
	icmph = (const struct icmp6hdr *)(skb->data + off);
	inner = (const struct ipv6hdr *)(icmph + 1);
	th = (const struct tcphdr *)(skb->data + thoff);
	/* IPv6 never carries v4-mapped addresses: no IPv4 connection's. */
	if (ipv6_addr_v4mapped(&inner->saddr) ||
	    ipv6_addr_v4mapped(&inner->daddr))
		return NULL;
	/* We sent the quoted segment: we are its source (tcp_v6_err()). */
	t.laddr = inner->saddr;
	t.raddr = inner->daddr;
	t.lport = th->source;
	t.rport = th->dest;
	h = ktcp_hash_lookup(ktcp_pernet(net), &t, skb->dev->ifindex,
			     inet6_sdif(skb));
	if (!h || !ktcp_icmp6_csum_ok(skb, off))
		return NULL;
	if (h->kind == KTCP_HNODE_REQ) {
		req = container_of(h, struct ktcp_request, hnode);
		if (!refcount_inc_not_zero(&req->refcnt))
			return NULL;
		*seq = ntohl(th->seq);
		*fatal = icmpv6_err_convert(icmph->icmp6_type,
					    icmph->icmp6_code, &err);
		return req;
	}
	if (h->kind == KTCP_HNODE_TW)	/* tcp_v4_err(): nothing to do */
		return NULL;
	sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return NULL;
	ktcp_icmp6_sock(sk, skb, off, th, ntohl(icmph->icmp6_mtu));
	sock_put(sk);
	return NULL;
}
