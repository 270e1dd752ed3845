/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loss recovery's view of a socket (recovery.c): what is in flight, whether
 * a lost segment may be resent, the RTO, and the scoreboard's entry points
 * for output.c (a segment sent), input.c (an ACK, SACK blocks) and timers.c
 * (an RTO).
 *
 * Context: the socket lock held, as for every field of the TCB.
 */
#ifndef _KTCP_RECOVERY_H
#define _KTCP_RECOVERY_H

#include "ktcp.h"

/* Segments in flight (RFC 6675's pipe, Linux's tcp_packets_in_flight()). */
static inline u32 ktcp_in_flight(const struct ktcp_sock *ks)
{
	return ks->packets_out - ks->sacked_out - ks->lost_out +
	       ks->retrans_out;
}

/*
 * May a lost segment be resent now? While in flight is below cwnd. The
 * first retransmission of a fast recovery goes at once (RFC 5681 3.2 step
 * 2, RFC 6675 5 (4.3)) because PRR leaves room for it (cong.c).
 */
static inline bool ktcp_may_resend(const struct ktcp_sock *ks)
{
	return ktcp_in_flight(ks) < ks->cc.cwnd;
}

/* What an ACK did, in ks->ack_flag (Linux's FLAG_* of the same meaning). */
#define KTCP_ACK_UNA_ADVANCED	BIT(0)	/* SND.UNA moved */
#define KTCP_ACK_DATA_SACKED	BIT(1)	/* new data SACKed */
#define KTCP_ACK_ORIG_ACKED	BIT(2)	/* never-resent data up to recover */
#define KTCP_ACK_RETRANS_ACKED	BIT(3)	/* resent data cumulatively acked */
#define KTCP_ACK_ECE		BIT(4)	/* ECN-Echo (RFC 3168 6.1.2) */

static inline unsigned long ktcp_rto(const struct ktcp_sock *ks)
{
	return usecs_to_jiffies(ktcp_rtt_rto(&ks->rtt));
}

void ktcp_recovery_sent(struct sock *sk, struct sk_buff *skb, bool new_data);
void ktcp_recovery_acked(struct sock *sk, struct sk_buff *skb);
struct sk_buff *ktcp_recovery_next_lost(struct sock *sk);
u32 ktcp_recovery_sack(struct sock *sk, const struct ktcp_opts *o);
void ktcp_recovery_on_ack(struct sock *sk, u32 acked, u32 rtt_us, bool dup);
void ktcp_recovery_on_rto(struct sock *sk);
void ktcp_recovery_resegmented(struct sock *sk, struct sk_buff *skb,
			       struct sk_buff *nskb);
bool ktcp_recovery_frto_new(struct sock *sk);
void ktcp_recovery_frto_sent(struct sock *sk);

/*
 * ECN (RFC 3168 6.1.2): call ktcp_recovery_ece() before
 * ktcp_recovery_on_ack() for an ACK with ECE; the state machine then
 * enters CWR (or Recovery without undo) as tcp_fastretrans_alert() does.
 * ktcp_recovery_enter_cwr() is tcp_enter_cwr() itself, for other
 * congestion signals.
 */
void ktcp_recovery_ece(struct sock *sk);
void ktcp_recovery_enter_cwr(struct sock *sk);

#endif /* _KTCP_RECOVERY_H */
