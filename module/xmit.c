// SPDX-License-Identifier: GPL-2.0
/*
 * Sending one segment (Linux's __tcp_transmit_skb()): its TCP header and
 * options, its ECN bits, its checksum, its accounting, through
 * ip_queue_xmit() (or ip6.c), a clone of a queued skb or a one-off; a GSO
 * packet of several new segments; and the control segments of a
 * connected socket (ACK, RST), which are never queued. output.c decides
 * what to send from the write queue; reply.c sends the segments that
 * have no full socket behind them, with the header built here.
 *
 * Connected sockets send through ip_queue_xmit(), which routes with the
 * socket's cached dst and fills the IP header from the inet_sock, exactly
 * as native TCP does. Checksums are CHECKSUM_PARTIAL: lo and veth never
 * compute them; a device without offload gets them computed by the core
 * on the way out.
 *
 * Context: process or softirq, the socket lock held (none for the
 * socketless helpers).
 */

#include <net/ip.h>
#include <net/route.h>

#include "ecn.h"
#include "ktcp.h"
#include "recovery.h"
#include "trace.h"

/* The header's checksum field, prepared for CHECKSUM_PARTIAL completion. */
void ktcp_xmit_csum(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = ~tcp_v4_check(skb->len, saddr, daddr, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
}

/* Push a TCP header for @cb's segment, with @opts (may be NULL). */
struct tcphdr *ktcp_xmit_header(struct sk_buff *skb, __be16 sport,
				__be16 dport, const struct ktcp_skb_cb *cb,
				const struct ktcp_opts *opts)
{
	unsigned int optlen = opts ? ktcp_opts_len(opts) : 0;
	struct tcphdr *th;

	th = skb_push(skb, sizeof(*th) + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(cb->seq);
	th->ack_seq = htonl(cb->ack_seq);
	th->doff = (sizeof(*th) + optlen) >> 2;
	tcp_flag_byte(th) = cb->flags;
	th->window = htons(cb->window);
	if (optlen)
		ktcp_opts_build((u8 *)(th + 1), opts);
	return th;
}

/* An skb for a control segment, headroom for every header reserved. */
struct sk_buff *ktcp_xmit_alloc(gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(KTCP_HDR_ROOM, gfp);

	if (skb)
		skb_reserve(skb, KTCP_HDR_ROOM);
	return skb;
}

/*
 * SACK blocks for a segment carrying @len bytes (RFC 2018 section 4: at most
 * 3 beside timestamps). A data segment takes only the blocks that fit in
 * what its payload leaves of the MSS, so that no segment outgrows it: a
 * short one carries them, as Linux's do; a full-sized one goes without
 * (Linux shrinks it instead), and the pure ACK that out-of-order data
 * triggers at once (input.c) carries them anyway.
 */
static void ktcp_xmit_sack_blocks(struct ktcp_sock *ks, struct ktcp_opts *o,
				  u32 len)
{
	unsigned int max = ks->neg.tstamp_ok ? 3 : 4;
	u32 room = ks->mss > len ? ks->mss - len : 0;

	if (!ks->neg.sack_ok || !ks->reasm)
		return;
	if (len) {
		if (room < KTCP_OPTLEN_WORD + KTCP_OPTLEN_SACK_BLOCK)
			return;
		max = min_t(u32, max, (room - KTCP_OPTLEN_WORD) /
				      KTCP_OPTLEN_SACK_BLOCK);
	}
	o->num_sacks = ktcp_sack_rx_build(&ks->reasm->sack, o->sacks, max);
	if (o->num_sacks)
		o->present |= KTCP_OPTF_SACK;
}

/* A retransmission of @skb: counters as __tcp_retransmit_skb() keeps them. */
void ktcp_xmit_count_retrans(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_RETRANSSEGS);
	ks->total_retrans++;
	ks->bytes_retrans += skb->len;
}

/*
 * A retransmission of @skb was tried (__tcp_retransmit_skb()): counted
 * before the transmit, as Linux does, whatever its outcome @err; a failed
 * one in TCPRetransFail too. Either way no RTT sample may come from its
 * send time (TCPCB_EVER_RETRANS): retransmitted. Traced if it left.
 */
void ktcp_xmit_tried_retrans(struct sock *sk, struct sk_buff *skb, int err)
{
	KTCP_SKB_CB(skb)->retransmitted = 1;
	if (!err)
		trace_ktcp_retransmit_skb(sk, skb);
	else
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPRETRANSFAIL);
}

/*
 * tcp_syn_options(): a Fast Open SYN's option (its cookie, or a request),
 * in its first transmission only: the option is taken from ks->fo_req as
 * it is put in, so a SYN sent again has none.
 */
static void ktcp_xmit_syn_fastopen(struct ktcp_sock *ks, struct ktcp_opts *o)
{
	struct ktcp_opts *c = ks->fo_req ? &ks->fo_req->cookie : NULL;

	if (!c || !(c->present & KTCP_OPTF_FASTOPEN))
		return;
	ktcp_opts_copy_fastopen(o, c);
	c->present &= ~KTCP_OPTF_FASTOPEN;
	ks->syn_fastopen = 1;
	ks->syn_fastopen_exp = c->fo_exp;
}

/*
 * Put the header of @cb's segment (or GSO packet of @segs segments) on
 * @skb and send it on connected @sk: 0, or a qdisc's refusal (> 0,
 * NET_XMIT_DROP), or -errno.
 */
static int ktcp_xmit_send(struct sock *sk, struct sk_buff *skb,
			  struct ktcp_skb_cb *cb, u32 segs)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	bool syn = cb->flags & TCPHDR_SYN;
	u32 len = skb->len;
	struct ktcp_opts opts;
	struct tcphdr *th;
	int err;

	cb->ack_seq = ks->rcv_nxt;
	/* Only the SYN of an active open goes without ACK (RFC 9293 3.5). */
	if (!syn || sk->sk_state != TCP_SYN_SENT)
		cb->flags |= TCPHDR_ACK;
	else
		cb->ack_seq = 0;
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	if (syn)
		cb->window = min_t(u32, ks->rcv_wnd, U16_MAX);
	else
		cb->window = ktcp_window_rcv_select(sk);
	ktcp_neg_fill(&ks->neg, &opts, syn, syn && sk->sk_state == TCP_SYN_SENT,
		      ks->adv_mss);
	if (syn && sk->sk_state == TCP_SYN_SENT) {	/* tcp_syn_options() */
		opts.present &= ktcp_neg_syn_allowed(sock_net(sk));
		ktcp_xmit_syn_fastopen(ks, &opts);
	}
	if (!syn) {
		ktcp_xmit_sack_blocks(ks, &opts, len);
		ktcp_ecn_send(sk, &cb->flags, len, cb->seq);
	}
	/* tcp_transmit_skb()'s counts, by segment (tcp_skb_pcount()) */
	ks->segs_out += segs;
	if (len) {
		ks->data_segs_out += segs;
		ks->bytes_sent += len;
	}
	if (segs > 1 && (cb->flags & TCPHDR_CWR))	/* tcp_ecn_send() */
		skb_shinfo(skb)->gso_type |= SKB_GSO_TCP_ECN;
	th = ktcp_xmit_header(skb, inet->inet_sport, inet->inet_dport, cb,
			      opts.present ? &opts : NULL);
	ktcp_urg_xmit(ks, th, cb->seq);
	if (!ktcp_sk_wire6(sk))
		ktcp_xmit_csum(skb, inet->inet_saddr, inet->inet_daddr);
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	skb_set_owner_w(skb, sk);
	/*
	 * Small queues (tcp_wfree()); not in TIME_WAIT, which is no full
	 * socket to the core: skb_set_owner_w() held the socket itself.
	 */
	if (sk_fullsock(sk))
		skb->destructor = ktcp_pace_wfree;
	if (cb->flags & TCPHDR_ACK) {
		/* It carries any ACK owed (tcp_event_ack_sent()). */
		if (ks->ack_timer)
			ktcp_timer_sk_clear(sk, &ks->delack_timer);
		ktcp_window_ack_sent(sk);
	}
	if (len)
		ktcp_window_data_sent(sk);	/* tcp_event_data_sent() */
	KTCP_ADD_STATS(sock_net(sk), KTCP_MIB_OUTSEGS, segs);
	if (ktcp_sk_wire6(sk))
		err = ktcp_ip6_xmit(sk, skb);
	else
		err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	/*
	 * __tcp_transmit_skb(): a qdisc that dropped the segment (or, with
	 * NET_XMIT_CN, another) is local congestion: reduce cwnd as for
	 * ECE. Only NET_XMIT_DROP fails the send.
	 */
	if (unlikely(err > 0)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_LOCALCONGESTION);
		ktcp_recovery_enter_cwr(sk);
		err = net_xmit_eval(err);
	}
	return err;
}

/* Send @skb (queued, or a one-off built by the caller) on a connected @sk. */
int ktcp_xmit_skb(struct sock *sk, struct sk_buff *skb, bool clone)
{
	struct sk_buff *oskb = skb;
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb cb = *KTCP_SKB_CB(skb);
	bool syn = cb.flags & TCPHDR_SYN;
	int err;

	if (clone) {
		/* cb keeps the last send's times, for a refusal to restore */
		KTCP_SKB_CB(skb)->when = (u32)tcp_clock_us();
		KTCP_SKB_CB(skb)->tsval = ktcp_neg_ts_now(&ks->neg);
		/* skb->tcp_tsorted_anchor is no dst for the clone (rtxq.c) */
		tcp_skb_tsorted_save(oskb) {
			skb = skb_cloned(oskb) ? pskb_copy(oskb, GFP_ATOMIC) :
						 skb_clone(oskb, GFP_ATOMIC);
		} tcp_skb_tsorted_restore(oskb);
		if (!skb) {
			KTCP_INC_STATS(sock_net(sk), KTCP_MIB_NOMEM);
			return -ENOBUFS;
		}
	}
	err = ktcp_xmit_send(sk, skb, &cb, 1);
	/*
	 * A refused segment other than a SYN (which counts as sent, see
	 * ktcp_output_new()) did not leave: its send time stays the last
	 * one's, so that neither an RTT sample (Karn) nor RACK takes this
	 * attempt for a transmission.
	 */
	if (err > 0 && clone && !syn) {
		KTCP_SKB_CB(oskb)->when = cb.when;
		KTCP_SKB_CB(oskb)->tsval = cb.tsval;
	} else if (!err && clone) {
		ktcp_pace_sent(sk, oskb->len);	/* tcp_update_skb_after_send() */
	}
	return err;
}

/*
 * Send new segments @segs[0..@n) as one GSO packet, as tcp_write_xmit()
 * sends one skb of several segments: one header, the payload referenced
 * (gso.c), cut into the same segments by the device or the core's GSO.
 * The packet's flags are the first segment's, with the last one's PSH and
 * FIN (tcp_gso_segment() leaves those, and CWR, where one at a time would
 * have them). @skb: the packet ktcp_gso_build() made of them. As
 * ktcp_xmit_skb(): a refusal leaves their send times as they were.
 */
int ktcp_xmit_gso(struct sock *sk, struct sk_buff *skb, struct sk_buff **segs,
		  int n)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb cb = *KTCP_SKB_CB(segs[0]);
	u8 last_flags = KTCP_SKB_CB(segs[n - 1])->flags;
	u32 when, tsval, len = skb->len;
	int err, i;

	cb.end_seq = KTCP_SKB_CB(segs[n - 1])->end_seq;
	cb.flags |= last_flags & (TCPHDR_PSH | TCPHDR_FIN);
	when = (u32)tcp_clock_us();
	tsval = ktcp_neg_ts_now(&ks->neg);
	err = ktcp_xmit_send(sk, skb, &cb, n);
	if (err > 0)
		return err;
	for (i = 0; i < n; i++) {
		KTCP_SKB_CB(segs[i])->when = when;
		KTCP_SKB_CB(segs[i])->tsval = tsval;
	}
	if (!err)
		ktcp_pace_sent(sk, len);	/* the packet's whole payload */
	return err;
}

/* A segment with no payload and @flags at SND.NXT, sent once, not queued. */
int ktcp_xmit_ctl(struct sock *sk, u8 flags, u32 seq, gfp_t gfp)
{
	struct sk_buff *skb = ktcp_xmit_alloc(gfp);

	sock_owned_by_me(sk);
	if (!skb) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_NOMEM);
		return -ENOBUFS;
	}
	KTCP_SKB_CB(skb)->seq = seq;
	KTCP_SKB_CB(skb)->end_seq = seq;
	KTCP_SKB_CB(skb)->flags = flags;
	return ktcp_xmit_skb(sk, skb, false);
}

void ktcp_xmit_ack(struct sock *sk)
{
	ktcp_xmit_ctl(sk, TCPHDR_ACK, ktcp_sk(sk)->snd_nxt, GFP_ATOMIC);
}

/*
 * An ACK in answer to an unacceptable segment or as an RFC 5961 challenge,
 * at most one per tcp_invalid_ratelimit (500 ms) per socket: two ends
 * disagreeing on the window must not ping-pong ACKs (RFC 5961 10), and a
 * per-socket limit leaks nothing across connections (CVE-2016-5696).
 * Segments carrying data are always answered (tcp_oow_rate_limited).
 */
void ktcp_xmit_oow_ack(struct sock *sk, const struct sk_buff *in,
		       enum ktcp_mib_field why)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(in);
	bool data = cb->end_seq != cb->seq && !(cb->flags & TCPHDR_SYN);

	KTCP_INC_STATS(sock_net(sk), why);
	if (!data && ks->last_oow_ack &&
	    tcp_jiffies32 - ks->last_oow_ack < KTCP_OOW_RATELIMIT) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OOWRATELIMITED);
		return;
	}
	ks->last_oow_ack = tcp_jiffies32 ? : 1;
	ktcp_xmit_ack(sk);
}

/*
 * abort(): RST at SND.NXT (RFC 9293 3.10.5), for @reason
 * (tcp_send_active_reset()).
 */
void ktcp_xmit_rst(struct sock *sk, gfp_t gfp, enum sk_rst_reason reason)
{
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OUTRSTS);
	ktcp_xmit_ctl(sk, TCPHDR_RST | TCPHDR_ACK, ktcp_sk(sk)->snd_nxt, gfp);
	trace_ktcp_send_reset(sk, NULL, reason);
}

