/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Explicit Congestion Notification (RFC 3168) as Linux 6.12 does it
 * (ecn.c): what the handshake agrees, the IP ECN field of what we send,
 * ECE and CWR. The agreement itself is ktcp_neg.ecn_ok (Linux's
 * TCP_ECN_OK); the rest of Linux's tp->ecn_flags lives in
 * ktcp_sock.ecn_flags with Linux's bit values:
 *
 *   TCP_ECN_QUEUE_CWR   the cwnd was reduced: CWR on the next new data
 *   TCP_ECN_DEMAND_CWR  a CE mark arrived: ECE on every ACK until CWR
 *   TCP_ECN_SEEN        an ECT or CE segment arrived (TCPI_OPT_ECN_SEEN)
 *   KTCP_ECN_ACK_NOW    ktcp's: a segment with CWR asks for one ACK now
 *                       (Linux's ICSK_ACK_NOW from tcp_ecn_accept_cwr())
 *
 * The pure functions (no socket) are exported for KUnit; the socket ones
 * run under the socket lock.
 */
#ifndef _KTCP_ECN_H
#define _KTCP_ECN_H

#include "ktcp.h"

#define KTCP_ECN_ACK_NOW	16

/*
 * The cwnd was reduced (tcp_ecn_queue_cwr(), from tcp_enter_cwr(), fast
 * recovery and an RTO alike): tell the peer with the next new data.
 */
static inline void ktcp_ecn_queue_cwr(struct ktcp_sock *ks)
{
	if (ks->neg.ecn_ok)
		ks->ecn_flags |= TCP_ECN_QUEUE_CWR;
}

/* A reduction was undone (tcp_ecn_withdraw_cwr(), tcp_undo_cwnd_reduction). */
static inline void ktcp_ecn_withdraw_cwr(struct ktcp_sock *ks)
{
	ks->ecn_flags &= ~TCP_ECN_QUEUE_CWR;
}

/* Pure decisions, each mirroring the Linux function named in ecn.c. */
bool ktcp_ecn_syn_wanted(u8 sysctl, bool route_ecn);
bool ktcp_ecn_req_accept(u8 sysctl, u32 dst_features, u8 th_flags, bool res1,
			 u8 dsfield);
bool ktcp_ecn_synack_ok(u8 th_flags);
bool ktcp_ecn_syn_ok(u8 th_flags);
u8 ktcp_ecn_rtx_syn_flags(u8 flags, bool fallback);
bool ktcp_ecn_ce_check(u8 *ecn_flags, u8 dsfield);
void ktcp_ecn_cwr_check(u8 *ecn_flags, u8 th_flags, bool data);
u8 ktcp_ecn_xmit_flags(u8 *ecn_flags, bool new_data, u8 *th_flags);
bool ktcp_ecn_is_echo(bool ecn_ok, u8 th_flags);

/* The socket's side, called from output.c, input.c and listen.c. */
void ktcp_ecn_send_syn(struct sock *sk, struct sk_buff *skb);
void ktcp_ecn_retransmit(struct sock *sk, struct sk_buff *skb);
void ktcp_ecn_send(struct sock *sk, u8 *th_flags, u32 len, u32 seq);
bool ktcp_ecn_req_ok(const struct sock *listener, const struct sk_buff *skb);
bool ktcp_ecn_cookie_ok(const struct sock *listener, const struct sk_buff *skb);
void ktcp_ecn_rcv_synack(struct sock *sk, const struct sk_buff *skb);
void ktcp_ecn_rcv_syn(struct sock *sk, const struct sk_buff *skb);
void ktcp_ecn_rcv_data(struct sock *sk, const struct sk_buff *skb);
bool ktcp_ecn_rcv_ack(struct sock *sk, const struct sk_buff *skb,
		      u32 prior_una, u32 delivered);

/* One immediate ACK is owed by a segment with CWR; clears the request. */
static inline bool ktcp_ecn_ack_now(struct ktcp_sock *ks)
{
	bool now = ks->ecn_flags & KTCP_ECN_ACK_NOW;

	ks->ecn_flags &= ~KTCP_ECN_ACK_NOW;
	return now;
}

#endif /* _KTCP_ECN_H */
