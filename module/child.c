// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's child socket, built from its request (Linux's
 * tcp_create_openreq_child() and tcp_v4_syn_recv_sock()): addresses and
 * ports, sequence numbers, the negotiated options, window, MSS, mark and
 * TOS; and, for a child of a completed handshake, the counters and RTT
 * sample the handshake gives. listen.c puts it in the tables and on the
 * accept queue.
 *
 * Context: softirq, or process with BHs off, the listener locked; the
 * child is not yet in any table.
 */

#include "ktcp.h"
#include "trace.h"

/*
 * TCP_INFO's counters a child starts with (tcp_create_openreq_child()):
 * the SYN-ACK's timeouts as retransmissions and one RTO recovery, lasting
 * since the first SYN-ACK; the SYN-ACK delivered (tcp_rcv_state_process()).
 */
static void ktcp_child_stats(struct ktcp_sock *kc,
			     const struct ktcp_request *req)
{
	kc->total_retrans = req->retries;
	kc->delivered = 1;
	kc->ack_delivered = 1;	/* not the first ACK's to grow cwnd by */
	if (!req->retries)
		return;
	kc->total_rto = req->retries;
	kc->total_rto_recoveries = 1;
	kc->total_rto_time = ((u32)tcp_clock_us() - req->synack_us) / USEC_PER_MSEC;
}

/*
 * tcp_synack_rtt_meas(): the handshake's RTT, from the SYN-ACK to the ACK
 * completing it, when the SYN-ACK went out once (Karn). Without it the
 * first RTO of a passive connection is RFC 6298's 1 s whatever the path;
 * with it, SRTT + 4 * RTTVAR as on the active side. After a resent SYN-ACK
 * the timestamp echo, if any, gives the sample instead (input.c).
 */
static void ktcp_child_rtt(struct ktcp_sock *kc, const struct ktcp_request *req)
{
	u32 rtt_us;

	if (req->resent || req->cookie)	/* req->num_retrans, snt_synack 0 */
		return;
	rtt_us = max_t(u32, (u32)tcp_clock_us() - req->synack_us, 1);
	ktcp_rtt_sample(&kc->rtt, rtt_us, req->iss + 1, req->iss + 1);
}

/*
 * The child's receive window state from its request (tcp_create_openreq_
 * child(), tcp_v4_syn_recv_sock()): the window of the SYN-ACK, its clamp
 * (no more than 64 KB unscaled), our MSS unreduced by timestamps as
 * Linux's advmss, and a first guess at the peer's segment size.
 */
static void ktcp_child_window(struct ktcp_sock *kc,
			      const struct ktcp_request *req)
{
	WRITE_ONCE(kc->rcv_wnd, req->rcv_wnd);
	kc->rcv_ssthresh = req->rcv_wnd;
	kc->window_clamp = req->window_clamp;
	if (!req->neg.wscale_ok)
		kc->window_clamp = min(kc->window_clamp, U16_MAX);
	kc->advmss = req->adv_mss;
	kc->rcv_mss = ktcp_window_rcv_mss_init(kc->advmss, kc->mss,
					       kc->rcv_wnd);
}

/* @req's child: a completed handshake's, or a Fast Open SYN's; in SYN_RECV. */
struct sock *ktcp_child_create(struct sock *listener,
			       const struct ktcp_request *req)
{
	const struct ktcp_tuple *t = &req->hnode.key;
	struct sock *child = ktcp_sock_clone(listener, GFP_ATOMIC);
	struct inet_sock *inet;
	struct ktcp_sock *kc;

	if (!child)
		return NULL;
	inet = inet_sk(child);
	kc = ktcp_sk(child);
	/* inet_csk_clone_lock(): the request's device, the VRF's perhaps */
	child->sk_bound_dev_if = req->bound_dev_if;
	inet->inet_saddr = ktcp_addr_v4(&t->laddr);
	inet->inet_rcv_saddr = ktcp_addr_v4(&t->laddr);
	inet->inet_daddr = ktcp_addr_v4(&t->raddr);
	if (ktcp_sk_v6(child)) {	/* a v4-mapped peer, or an IPv6 one */
		ktcp_inet6_set_addrs(child, t);
		/* tcp_v6_syn_recv_sock(): the SYN's label, 0 for IPv4 */
		if (inet6_test_bit(REPFLOW, listener))
			ktcp_np(child)->flow_label = req->flowlabel;
	}
	child->sk_txhash = req->txhash;
	inet->inet_sport = t->lport;
	inet->inet_dport = t->rport;
	inet->inet_num = ntohs(t->lport);
	kc->hnode.key = *t;
	ktcp_sock_init_seq(kc, req->iss);
	WRITE_ONCE(kc->snd_nxt, req->iss + 1);	/* the SYN-ACK went out */
	WRITE_ONCE(kc->write_seq, req->iss + 1);
	ktcp_sock_init_peer(kc, req->irs, req->snd_wnd);
	kc->adv_mss = req->adv_mss;
	kc->neg = req->neg;
	ktcp_output_sync_mss(kc);
	ktcp_child_window(kc, req);
	child->sk_mark = req->mark;	/* inet_csk_clone_lock() */
	if (READ_ONCE(sock_net(listener)->ipv4.sysctl_tcp_reflect_tos)) {
		inet->tos = req->syn_tos & ~INET_ECN_MASK; /* tcp_v4_syn_recv_sock() */
		if (ktcp_sk_v6(child))	/* tcp_v6_syn_recv_sock()'s tclass */
			ktcp_np(child)->tclass = inet->tos;
	}
	/* inet_csk_clone_lock(): the listener's state is the old one */
	trace_ktcp_set_state(child, TCP_LISTEN, TCP_SYN_RECV);
	child->sk_state = TCP_SYN_RECV;	/* inet_sk_set_state() */
	return child;
}

/*
 * A child made by the ACK that completed @req's handshake: its counters
 * and the handshake's RTT, which a Fast Open child, made by the SYN, has
 * not yet (its SYN-ACK is its own segment).
 */
void ktcp_child_init_acked(struct ktcp_sock *kc, const struct ktcp_request *req)
{
	ktcp_child_stats(kc, req);
	ktcp_child_rtt(kc, req);
}
