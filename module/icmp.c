// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors about ktcp's connections, as Linux 6.12's tcp_v4_err() acts
 * on them (RFC 1122 4.2.3.9, RFC 1191 PMTU discovery, RFC 5927's checks).
 *
 * The hook shows every ICMP message that reaches this host; an error whose
 * quoted IP and TCP headers name a ktcp connection is acted on here. The
 * message then goes on to native ICMP as before (raw sockets still see it),
 * where tcp_v4_err() finds no socket of its own for that 4-tuple: ktcp's
 * ports are claimed in native TCP's table (port.c), so none can exist.
 *
 * - Only a quoted sequence number between SND.UNA and SND.NXT is believed
 *   (RFC 5927 5.1), else OutOfWindowIcmps.
 * - Fragmentation Needed lowers the path MTU and the MSS and resends what
 *   the router dropped (output.c), at once or, while a process owns the
 *   socket, from release_cb.
 * - A hard error (host, network, protocol or port unreachable, time
 *   exceeded, parameter problem) in SYN_SENT or SYN_RECV ends the attempt
 *   with its errno (icmp_err_convert[]): ECONNREFUSED, EHOSTUNREACH, ...
 *   at once, not after 127 s of SYN retries. On a synchronized connection
 *   it is a soft error: kept for SO_ERROR should the connection time out,
 *   or with IP_RECVERR reported at once (sk_err).
 *   In SYN_SENT and SYN_RECV, with IP_RECVERR, the error is also queued
 *   on the socket's error queue (ip_icmp_error()).
 * - An error about a request in a listener's SYN queue goes back to the
 *   hook, which has listen.c act on it as tcp_req_err() does.
 * Not done: redirects (do_redirect()) and RFC 6069's RTO revert.
 *
 * Context: softirq, from the hook, under RCU; the socket's bh lock.
 */

#include <net/icmp.h>
#include <net/ip.h>

#include "ktcp.h"

/*
 * tcp_v4_err() on a synchronized or opening ktcp socket; @skb is the ICMP
 * message, at its IP header, @th the TCP header it quotes.
 */
static void ktcp_icmp_err(struct sock *sk, struct sk_buff *skb,
			  const struct tcphdr *th, u32 info)
{
	u8 type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	u32 seq = ntohl(th->seq);
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool owned = sock_owned_by_user(sk);
	int err;

	if (owned && !(type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED))
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_LOCKDROPPEDICMPS);
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_TIME_WAIT | TCPF_LISTEN))
		return;
	if (!ktcp_seq_between(seq, ks->snd_una, ks->snd_nxt)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OUTOFWINDOWICMPS);
		return;
	}
	switch (type) {
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return;
		if (code == ICMP_FRAG_NEEDED) {
			WRITE_ONCE(ks->mtu_info, info);
			if (!owned)
				ktcp_pmtu_reduced(sk);
			else if (!test_and_set_bit(KTCP_MTU_DEFERRED,
						   &ks->deferred))
				sock_hold(sk);
			return;
		}
		err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:	/* source quench, redirect */
		return;
	}
	/* An accepted Fast Open child is a connected socket (tcp_v4_err()). */
	if (((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) &&
	    !(ktcp_fastopen_passive(sk) && READ_ONCE(sk->sk_socket))) {
		/* Queued IP_RECVERR or not, as tcp_v4_err() does; the data is
		 * the quoted TCP header.
		 */
		ip_icmp_error(sk, skb, err, th->dest, info, (u8 *)th);
		if (!owned)
			ktcp_sock_reset(sk, err);	/* tcp_done_with_error() */
		else
			WRITE_ONCE(sk->sk_err_soft, err);
		return;
	}
	if (!owned && inet_test_bit(RECVERR, sk)) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);	/* only on timeout */
	}
}

/*
 * The MTU a Fragmentation Needed message gives, as icmp_unreach() reads
 * net.ipv4.ip_no_pmtu_disc: 2 ignores them all; 0, 1 and 3 (TCP passes
 * the strict tag check) take the next-hop MTU.
 */
static bool ktcp_icmp_mtu(struct net *net, const struct icmphdr *icmph,
			  u32 *info)
{
	if (READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) == 2)
		return false;
	*info = ntohs(icmph->un.frag.mtu);
	return true;
}

/*
 * tcp_v4_err()'s test for a request: which errors end it (tcp_req_err()'s
 * abort).
 */
static bool ktcp_icmp_req_fatal(u8 type, u8 code)
{
	return type == ICMP_PARAMETERPROB || type == ICMP_TIME_EXCEEDED ||
	       (type == ICMP_DEST_UNREACH &&
		(code == ICMP_NET_UNREACH || code == ICMP_HOST_UNREACH));
}

/*
 * An ICMP message @skb (at its IP header) that the hook saw. If it is
 * about a request, the request (referenced) for ktcp_listen_req_err(),
 * with the quoted @seq and whether the error is @fatal; else NULL.
 */
struct ktcp_request *ktcp_icmp_rcv(struct net *net, struct sk_buff *skb,
				   u32 *seq, bool *fatal)
{
	unsigned int off = ip_hdrlen(skb);
	const struct icmphdr *icmph;
	const struct iphdr *inner;
	struct ktcp_request *req;
	const struct tcphdr *th;
	struct ktcp_hnode *h;
	struct ktcp_tuple t;
	struct sock *sk;
	u32 info = 0;

	if (!pskb_may_pull(skb, off + sizeof(*icmph) + sizeof(*inner)))
		return NULL;
	icmph = (const struct icmphdr *)(skb_network_header(skb) + off);
	if (icmph->type != ICMP_DEST_UNREACH &&
	    icmph->type != ICMP_TIME_EXCEEDED &&
	    icmph->type != ICMP_PARAMETERPROB)
		return NULL;
	inner = (const struct iphdr *)(icmph + 1);
	if (inner->protocol != IPPROTO_TCP || inner->ihl < 5)
		return NULL;
	off += sizeof(*icmph) + inner->ihl * 4;
	if (!pskb_may_pull(skb, off + 8))	/* RFC 792: 64 bits of TCP */
		return NULL;
	icmph = (const struct icmphdr *)(skb_network_header(skb) +
					 ip_hdrlen(skb));
	inner = (const struct iphdr *)(icmph + 1);
	th = (const struct tcphdr *)(skb_network_header(skb) + off);
	if (icmph->type == ICMP_DEST_UNREACH &&
	    icmph->code == ICMP_FRAG_NEEDED && !ktcp_icmp_mtu(net, icmph, &info))
		return NULL;
	if (icmph->type == ICMP_PARAMETERPROB)	/* icmp_unreach() */
		info = ntohl(icmph->un.gateway) >> 24;
	/*
	 * We sent the quoted segment: we are its source. tcp_v4_err(): the
	 * device the ICMP message came in on, no sdif.
	 */
	ktcp_tuple_set_v4(&t, inner->saddr, th->source, inner->daddr,
			  th->dest);
	h = ktcp_hash_lookup(ktcp_pernet(net), &t, inet_iif(skb), 0);
	if (!h)
		return NULL;
	if (h->kind == KTCP_HNODE_REQ) {
		req = container_of(h, struct ktcp_request, hnode);
		if (!refcount_inc_not_zero(&req->refcnt))
			return NULL;
		*seq = ntohl(th->seq);
		*fatal = ktcp_icmp_req_fatal(icmph->type, icmph->code);
		return req;
	}
	if (h->kind == KTCP_HNODE_TW)	/* tcp_v4_err(): nothing to do */
		return NULL;
	sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
	if (!refcount_inc_not_zero(&sk->sk_refcnt))
		return NULL;
	bh_lock_sock(sk);
	ktcp_icmp_err(sk, skb, th, info);
	bh_unlock_sock(sk);
	sock_put(sk);
	return NULL;
}
