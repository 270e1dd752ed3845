// SPDX-License-Identifier: GPL-2.0
/*
 * Building and sending segments.
 *
 * Connected sockets send through ip_queue_xmit(), which routes with the
 * socket's cached dst and fills the IP header from the inet_sock, exactly as
 * native TCP does. Segments that have no full socket behind them (SYN-ACKs of
 * requests, RSTs answering a segment) are built with the helpers here and
 * routed and sent by reply.c.
 *
 * The write queue (sk_write_queue) holds every segment from snd_una on: the
 * SYN, data and the FIN are skbs with their sequence range in ktcp_skb_cb, so
 * retransmission and acknowledgment treat them alike (RFC 9293 3.10.7.4).
 * send_head is the first one not yet sent. Transmission sends a clone (or a
 * copy when the queued skb is still cloned by an earlier transmission, so two
 * TCP headers never share one headroom) and leaves the original queued.
 *
 * Checksums are CHECKSUM_PARTIAL: lo and veth never compute them; a device
 * without offload gets them computed by the core on the way out.
 *
 * Context: process (sendmsg, connect, close) or softirq (input, timers), the
 * socket lock held in both.
 */

#include <net/ip.h>
#include <net/route.h>
#include <net/secure_seq.h>

#include "ecn.h"
#include "ktcp.h"
#include "recovery.h"
#include "trace.h"

#define KTCP_HDR_ROOM		(MAX_TCP_HEADER)

/* The header's checksum field, prepared for CHECKSUM_PARTIAL completion. */
void ktcp_output_csum(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = ~tcp_v4_check(skb->len, saddr, daddr, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
}

/* Push a TCP header for @cb's segment, with @opts (may be NULL). */
struct tcphdr *ktcp_output_header(struct sk_buff *skb, __be16 sport,
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
struct sk_buff *ktcp_output_alloc(gfp_t gfp)
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
static void ktcp_output_sack_blocks(struct ktcp_sock *ks, struct ktcp_opts *o,
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
static void ktcp_output_count_retrans(struct sock *sk,
				      const struct sk_buff *skb)
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
static void ktcp_output_tried_retrans(struct sock *sk, struct sk_buff *skb,
				      int err)
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
static void ktcp_output_syn_fastopen(struct ktcp_sock *ks, struct ktcp_opts *o)
{
	struct ktcp_opts *c = ks->fo_req ? &ks->fo_req->cookie : NULL;

	if (!c || !(c->present & KTCP_OPTF_FASTOPEN))
		return;
	o->present |= KTCP_OPTF_FASTOPEN;
	o->fo_len = c->fo_len;
	o->fo_exp = c->fo_exp;
	memcpy(o->fo_cookie, c->fo_cookie, c->fo_len);
	c->present &= ~KTCP_OPTF_FASTOPEN;
	ks->syn_fastopen = 1;
	ks->syn_fastopen_exp = c->fo_exp;
}

/*
 * Put the header of @cb's segment (or GSO packet of @segs segments) on
 * @skb and send it on connected @sk: 0, or a qdisc's refusal (> 0,
 * NET_XMIT_DROP), or -errno.
 */
static int ktcp_output_send(struct sock *sk, struct sk_buff *skb,
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
		ktcp_output_syn_fastopen(ks, &opts);
	}
	if (!syn) {
		ktcp_output_sack_blocks(ks, &opts, len);
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
	th = ktcp_output_header(skb, inet->inet_sport, inet->inet_dport, cb,
				opts.present ? &opts : NULL);
	ktcp_urg_xmit(ks, th, cb->seq);
	if (!ktcp_sk_wire6(sk))
		ktcp_output_csum(skb, inet->inet_saddr, inet->inet_daddr);
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
static int ktcp_output_xmit(struct sock *sk, struct sk_buff *skb, bool clone)
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
	err = ktcp_output_send(sk, skb, &cb, 1);
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
 * ktcp_output_xmit(): a refusal leaves their send times as they were.
 */
static int ktcp_output_xmit_gso(struct sock *sk, struct sk_buff *skb,
				struct sk_buff **segs, int n)
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
	err = ktcp_output_send(sk, skb, &cb, n);
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

/*
 * A new, empty segment with @flags at write_seq, at the tail of the write
 * queue and charged to the socket; the caller fills it and moves end_seq
 * and write_seq. A fast clone: every queued segment is cloned to be sent.
 * tcp_stream_alloc_skb(): data waits for memory net.ktcp.mem allows (NULL,
 * pressure entered, sndbuf moderated); a SYN or FIN is charged anyway.
 */
struct sk_buff *ktcp_output_queue_new(struct sock *sk, u8 flags, gfp_t gfp)
{
	return ktcp_output_queue_alloc(sk, flags, gfp, 0);
}

/* ktcp_output_queue_new() with room for @size bytes of linear data. */
struct sk_buff *ktcp_output_queue_alloc(struct sock *sk, u8 flags, gfp_t gfp,
					unsigned int size)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = alloc_skb_fclone(KTCP_HDR_ROOM + size, gfp);

	sock_owned_by_me(sk);
	if (!skb)
		return NULL;
	if (flags & (TCPHDR_SYN | TCPHDR_FIN)) {
		ktcp_mem_force(sk, skb->truesize);
	} else if (!sk_wmem_schedule(sk, skb->truesize)) {
		__kfree_skb(skb);
		ktcp_mem_enter_pressure(sk);
		sk_stream_moderate_sndbuf(sk);
		return NULL;
	}
	skb_reserve(skb, KTCP_HDR_ROOM);
	/*
	 * Data is copied in without summing it (skb_do_copy_data_nocache()
	 * sums only a CHECKSUM_NONE skb): every clone leaves as
	 * CHECKSUM_PARTIAL (ktcp_output_csum()), as tcp_stream_alloc_skb()
	 * marks its skbs.
	 */
	skb->ip_summed = CHECKSUM_PARTIAL;
	KTCP_SKB_CB(skb)->seq = ks->write_seq;
	KTCP_SKB_CB(skb)->end_seq = ks->write_seq;
	KTCP_SKB_CB(skb)->flags = flags;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	ktcp_mem_wqueue_add(sk, skb->truesize);
	if (!ks->send_head)
		ks->send_head = skb;
	return skb;
}

/*
 * Queue the SYN, or a Fast Open child's SYN-ACK (listen.c), with ECE if
 * ECN was agreed (tcp_ecn_make_synack()), to be sent by a push and resent
 * as a simultaneous open's is. 0, or -ENOBUFS.
 */
int ktcp_output_queue_syn(struct sock *sk, gfp_t gfp)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	WRITE_ONCE(ks->write_seq, ks->iss);
	skb = ktcp_output_queue_new(sk, TCPHDR_SYN, gfp);
	if (!skb)
		return -ENOBUFS;
	KTCP_SKB_CB(skb)->end_seq = ks->iss + 1;
	if (sk->sk_state == TCP_SYN_SENT)
		ktcp_ecn_send_syn(sk, skb);
	else if (ks->neg.ecn_ok)
		KTCP_SKB_CB(skb)->flags |= TCPHDR_ECE;
	WRITE_ONCE(ks->write_seq, ks->iss + 1);
	return 0;
}

/* connect(): queue and send the SYN; the socket is routed and hashed. */
int ktcp_output_syn(struct sock *sk)
{
	int err = ktcp_output_queue_syn(sk, sk->sk_allocation);

	if (!err)
		ktcp_output_push(sk);
	return err;
}

/*
 * tcp_bound_to_half_wnd(): against a peer with a tiny window, segments of
 * half its largest window (all of it below 536 bytes) rather than sub-MSS
 * pieces cut to fit (RFC 9293 3.8.6.2.1, sender SWS avoidance), never
 * below 68 bytes of IP datagram.
 */
u32 ktcp_output_bound_half_wnd(const struct ktcp_sock *ks, u32 size)
{
	u32 hdr = sizeof(struct tcphdr) +
		  (ks->neg.tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0);
	u32 cutoff = ks->max_window > KTCP_MSS_DEFAULT ? ks->max_window >> 1 :
							  ks->max_window;

	if (cutoff && size > cutoff)
		return max_t(u32, cutoff, 68U - hdr);
	return size;
}

/*
 * The MSS to send with (tcp_sync_mss()): the negotiated one, at least
 * net.ktcp.min_snd_mss less the options (__tcp_mtu_to_mss(), which lets
 * the floor exceed the path as well), bounded by half the peer's largest
 * window; again whenever that window grows.
 */
void ktcp_output_sync_mss(struct ktcp_sock *ks)
{
	u16 path = ks->path_mss ? min(ks->path_mss, ks->adv_mss) : ks->adv_mss;
	int floor = READ_ONCE(ktcp_pernet(sock_net(&ks->inet.sk))->min_snd_mss);
	u16 mss = ktcp_neg_data_mss(&ks->neg, path);

	if (ks->neg.tstamp_ok)
		floor -= TCPOLEN_TSTAMP_ALIGNED;
	mss = max_t(int, mss, floor);
	ks->mss = ktcp_output_bound_half_wnd(ks, mss);
}

/*
 * May @skb go now (RFC 9293 3.8.6.2.1, tcp_snd_wnd_test())? A segment goes
 * whole or not at all, so the MSS bound above is all the sender SWS
 * avoidance there is; what the window holds of a shut-out segment leaves
 * with the persist timer (ktcp_output_probe()). sendmsg() queues up to its
 * size goal per skb: one larger than the MSS sends its first MSS, cut off
 * here, as GSO would cut it on the wire (tso_fragment()).
 */
static bool ktcp_output_wnd_allows(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	s32 room = ks->snd_una + ks->snd_wnd - KTCP_SKB_CB(skb)->seq;

	if (skb->len <= ks->mss)
		return room >= (s32)skb->len;
	return room >= (s32)ks->mss &&
	       !ktcp_output_split(sk, skb, ks->mss, ks->gso_left <= ks->mss);
}

/*
 * RFC 5681 4.1: after an idle period longer than the RTO, restart slow,
 * unless net.ktcp.slow_start_after_idle is 0 (RFC 7661's choice).
 */
static void ktcp_output_idle_check(struct sock *sk)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 idle = tcp_jiffies32 - ks->lsndtime;

	if (ks->packets_out || !ks->lsndtime)
		return;
	ktcp_cc_on_idle(&ks->cc, jiffies_to_usecs(idle), ktcp_rtt_rto(&ks->rtt),
			READ_ONCE(kn->slow_start_after_idle), tcp_clock_us());
}

/*
 * Send @skb, already sent once, again (tcp_retransmit_skb()). A qdisc
 * that refused it (NET_XMIT_DROP) leaves it lost and unsent, not marked
 * retransmitted (TCPCB_RETRANS); the caller stops there, as
 * tcp_xmit_retransmit_queue() does. Any other error counts as sent: the
 * retransmission timer tries again.
 */
static int ktcp_output_resend(struct sock *sk, struct sk_buff *skb)
{
	int err;

	ktcp_ecn_retransmit(sk, skb);
	ktcp_output_count_retrans(sk, skb);
	err = ktcp_output_xmit(sk, skb, true);
	ktcp_output_tried_retrans(sk, skb, err);
	if (err > 0)
		return err;
	ktcp_scoreboard_sent(sk, skb, false);
	return err;
}

/*
 * Retransmit lost segments while cwnd allows (RFC 6675 NextSeg rule 1);
 * true if a qdisc refused one.
 */
static bool ktcp_output_retransmit_lost(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb;

	while (ktcp_may_resend(ks) &&
	       (skb = ktcp_recovery_next_lost(sk))) {
		/* A Fast Open SYN's data goes again after the SYN-ACK. */
		if (sk->sk_state == TCP_SYN_SENT &&
		    !(KTCP_SKB_CB(skb)->flags & TCPHDR_SYN))
			break;
		/* tcp_xmit_retransmit_queue() */
		if (ktcp_pace_wait(sk) || ktcp_pace_tsq_full(sk, skb->truesize, 1))
			break;
		if (ktcp_output_resend(sk, skb) > 0)
			return true;
	}
	return false;
}

/*
 * Nagle (RFC 896, RFC 9293 3.7.4) in Minshall's form, as Linux does it: a
 * segment shorter than the MSS waits only while an earlier short segment is
 * unacknowledged, unless TCP_NODELAY; with TCP_CORK it waits until uncorked
 * (@force). A SYN or FIN never waits, nor anything in urgent mode, corked
 * or not (tcp_nagle_test()). Only the last skb of the write queue may
 * wait: one that more data follows in another skb (ended by MSG_EOR, or out
 * of frag slots) goes as if pushed (tcp_write_xmit() tests the others with
 * TCP_NAGLE_PUSH), so MSG_EOR's records leave under Nagle as Linux's do.
 */
static bool ktcp_output_nagle_ok(struct sock *sk, const struct sk_buff *skb,
				 bool force)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	if (skb->len >= ks->mss || force || ktcp_urg_mode(ks) ||
	    (KTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN)) ||
	    !skb_queue_is_last(&sk->sk_write_queue, skb))
		return true;
	if (ks->cork)
		return false;
	return ks->nodelay || !ks->packets_out ||
	       !ktcp_seq_after(ks->snd_sml, ks->snd_una);
}

/* New segment @skb, send_head, has left (tcp_event_new_data_sent()). */
static void ktcp_output_new_sent(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_scoreboard_sent(sk, skb, true);
	WRITE_ONCE(ks->snd_nxt, KTCP_SKB_CB(skb)->end_seq);
	if (skb->len < ks->mss)
		ks->snd_sml = ks->snd_nxt;
	ks->lsndtime = tcp_jiffies32;
	ks->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
			NULL : skb->next;
}

/*
 * tcp_send_syn_data(): a Fast Open connect's SYN with the first bytes of
 * the write in ks->fo_req, @space at most: one segment, the SYN's flags,
 * no PSH, queued as two skbs, the SYN and its data (ACK, PSH), so that
 * a SYN sent again carries no data, and data the SYN-ACK leaves
 * unacknowledged goes again alone. Without room for the data, the SYN
 * goes with a cookie request instead. 0, or -ENOBUFS (nothing queued).
 */
int ktcp_output_syn_data(struct sock *sk, int space)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_fo_req *fo = ks->fo_req;
	struct sk_buff *syn, *skb;
	struct ktcp_skb_cb *cb;
	int err = ktcp_output_queue_syn(sk, sk->sk_allocation);

	if (err)
		return err;
	syn = skb_peek_tail(&sk->sk_write_queue);
	space = min_t(size_t, space, fo->size);
	skb = space > 0 ? ktcp_output_queue_alloc(sk, TCPHDR_ACK | TCPHDR_PSH,
						   sk->sk_allocation, space) :
			  NULL;
	if (skb && !copy_from_iter_full(skb_put(skb, space), space,
					&fo->data->msg_iter)) {
		if (ks->send_head == skb)
			ks->send_head = NULL;
		__skb_unlink(skb, &sk->sk_write_queue);
		ktcp_mem_wqueue_free(sk, skb);
		skb = NULL;
	}
	if (!skb) {
		if (space > 0)		/* a regular SYN, asking for a cookie */
			fo->cookie.fo_len = 0;
		else if (!fo->size)	/* nothing to wait for: ACK at once */
			fo->data = NULL;
		ktcp_output_push(sk);
		return 0;
	}
	cb = KTCP_SKB_CB(skb);
	cb->end_seq += space;
	/* Sent as the SYN (tcp_transmit_skb() of syn_data), kept as data. */
	cb->seq = ks->iss;
	cb->flags = KTCP_SKB_CB(syn)->flags;
	err = ktcp_output_xmit(sk, skb, true);
	cb->seq = ks->iss + 1;
	cb->flags = TCPHDR_ACK | TCPHDR_PSH;
	if (err) {
		/* Not sent: the data goes back to the write, a SYN alone asks. */
		iov_iter_revert(&fo->data->msg_iter, space);
		__skb_unlink(skb, &sk->sk_write_queue);
		ktcp_mem_wqueue_free(sk, skb);
		fo->cookie.present |= KTCP_OPTF_FASTOPEN;
		fo->cookie.fo_len = 0;
		ktcp_output_push(sk);
		return 0;
	}
	WRITE_ONCE(ks->write_seq, cb->end_seq);
	fo->copied = space;
	if (space == fo->size)	/* no writer waits now: the ACK goes at once */
		fo->data = NULL;
	KTCP_SKB_CB(syn)->when = cb->when;
	KTCP_SKB_CB(syn)->tsval = cb->tsval;
	ktcp_output_new_sent(sk, syn);
	ktcp_output_new_sent(sk, skb);
	ks->syn_data = 1;
	ktcp_rtx_arm(sk, KTCP_TIME_RETRANS, ktcp_rto(ks));
	return 0;
}

/*
 * One new segment; @psh: it ends a GSO packet of several (gso.c). A qdisc
 * that refused it leaves it unsent at send_head: false, and the caller
 * stops, as tcp_write_xmit() does. Not a SYN: tcp_connect() counts its
 * SYN sent whatever the transmit said, and the SYN timer resends it.
 */
static bool ktcp_output_new_one(struct sock *sk, struct sk_buff *skb, bool psh)
{
	u8 flags = KTCP_SKB_CB(skb)->flags;
	int err;

	if (psh)
		KTCP_SKB_CB(skb)->flags |= TCPHDR_PSH;
	err = ktcp_output_xmit(sk, skb, true);
	KTCP_SKB_CB(skb)->flags = flags;
	if (err > 0 && !(flags & TCPHDR_SYN))
		return false;
	ktcp_output_new_sent(sk, skb);
	return true;
}

/*
 * Send new segments @segs[0..@n), send_head on, the segments of one GSO
 * packet (gso.c): as one skb when there are several and ktcp_gso_build()
 * can make it, else one by one. False if a qdisc refused them (the rest
 * stays unsent from send_head).
 */
static bool ktcp_output_new(struct sock *sk, struct sk_buff **segs, int n)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *last = segs[n - 1], *gso = NULL;
	u8 flags = KTCP_SKB_CB(last)->flags;
	bool psh = ks->gso_psh;
	int err, i;

	ks->send_head = segs[0];
	ks->gso_psh = 0;
	if (n > 1)
		gso = ktcp_gso_build(segs, n, ks->mss, SKB_GSO_TCPV4);
	if (!gso) {
		for (i = 0; i < n; i++)
			if (!ktcp_output_new_one(sk, segs[i], psh && i == n - 1))
				return false;
		return true;
	}
	if (psh)
		KTCP_SKB_CB(last)->flags |= TCPHDR_PSH;
	err = ktcp_output_xmit_gso(sk, gso, segs, n);
	KTCP_SKB_CB(last)->flags = flags;
	if (err > 0)
		return false;
	for (i = 0; i < n; i++)
		ktcp_output_new_sent(sk, segs[i]);
	return true;
}

/*
 * A GSO packet starts at @skb (gso.c): false if it must wait, for its
 * pacing time or for room in the qdisc (small queues). Never a SYN, which
 * tcp_connect() sends at once.
 */
static bool ktcp_output_packet_start(struct sock *sk, struct sk_buff *skb,
				     u32 max_segs, bool force)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool syn = KTCP_SKB_CB(skb)->flags & TCPHDR_SYN;

	if (!syn) {
		if (ktcp_pace_wait(sk))
			return false;
		/* cwnd restarts after idle before the packet is sized */
		ktcp_output_idle_check(sk);
	}
	ktcp_gso_start(sk, skb, max_segs, force);
	/* what Linux's skb of this packet would cost */
	return syn || !ktcp_pace_tsq_full(sk, ks->gso_left + skb->truesize -
					      skb->len, 0);
}

/*
 * May this push send new segments several to an skb (ktcp_gso_build(),
 * which itself takes only segments whose payload is all in page frags)?
 * Decided once a push: not in urgent mode (Linux sends no GSO packet
 * then, tcp_write_xmit()); IPv4 on a route whose device has TSO (the
 * core's software GSO would free the skb, and with it the small-queues
 * charge, as soon as it cut it: tcp_gso_segment() moves the charge to the
 * segments only for tcp_wfree()); and no SACK blocks to send
 * (out-of-order data held, a D-SACK), which a short last segment would
 * carry alone (ktcp_output_sack_blocks()), not a whole packet.
 */
static bool ktcp_output_may_batch(struct sock *sk, u32 max_segs)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	const struct dst_entry *dst = __sk_dst_get(sk);

	return max_segs > 1 && dst && dst->dev &&
	       (dst->dev->features & NETIF_F_TSO) &&
	       !ktcp_sk_wire6(sk) && !ktcp_urg_mode(ks) &&
	       !(ks->neg.sack_ok && ks->reasm &&
		 (ks->reasm->sack.held.n || ks->reasm->sack.dsack_pending));
}

#define KTCP_OUTPUT_BATCH	48	/* segments in one GSO skb, at most */

/*
 * Send what cwnd and the peer's window allow: lost segments first, then new
 * data from send_head on. A segment that a qdisc refuses stays unsent and
 * ends the round (local congestion: ktcp_output_xmit()); one that the IP
 * layer refuses otherwise (no route, EMSGSIZE) counts as sent, as
 * tcp_connect() does for the SYN: it is never acked, so the retransmission
 * timer and its retry limit take care of it. With data waiting and nothing
 * in flight, the same timer probes the window (persist).
 *
 * New data leaving with nothing in flight before it, or with a loss probe
 * pending, restarts the timer as an RTO from now (tcp_event_new_data_sent()
 * rearms then): the timer may be the persist timer, armed for a backed-off
 * probe interval, when a zero window has just opened (Linux's
 * tcp_ack_probe() clears it there). Then the loss probe is scheduled again
 * (tcp_write_xmit()'s tcp_schedule_loss_probe()).
 *
 * True if a qdisc refused a segment (local congestion).
 */
static bool ktcp_output_write(struct sock *sk, bool force, bool push_one)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool frto = ktcp_recovery_frto_new(sk), rearm = false, sent = false;
	u32 max_segs = ktcp_gso_max_segs(sk);
	struct sk_buff *skb, *batch[KTCP_OUTPUT_BATCH];
	bool refused = false, end, may_batch;
	int n = 0;

	sock_owned_by_me(sk);
	may_batch = ktcp_output_may_batch(sk, max_segs);
	/* F-RTO step 2.b: new data first, retransmissions only without. */
	if (!frto)
		refused = ktcp_output_retransmit_lost(sk);
	ks->gso_left = 0;
	while (!refused && (skb = ks->send_head) &&
	       ktcp_in_flight(ks) < ks->cc.cwnd &&
	       ktcp_output_nagle_ok(sk, skb, force)) {
		bool whole = skb->len <= ks->mss;

		if (!ks->gso_left &&
		    !ktcp_output_packet_start(sk, skb, max_segs, force))
			break;
		if (!ktcp_output_wnd_allows(sk, skb))
			break;
		rearm |= !ks->packets_out ||
			 (ks->rtx_pending == KTCP_TIME_PROBE &&
			  ktcp_timer_pending(&ks->rtx_timer));
		end = ktcp_gso_sent(ks, skb, whole);
		batch[n++] = skb;
		/* the packet goes on in the rest of this skb, cut off */
		if (!end && n < KTCP_OUTPUT_BATCH && may_batch &&
		    !(KTCP_SKB_CB(skb)->flags & TCPHDR_SYN)) {
			ks->send_head = skb->next;
			continue;
		}
		refused = !ktcp_output_new(sk, batch, n);
		sent |= !refused;
		n = 0;
		if (end && push_one)
			break;	/* tcp_push_one(): one packet */
	}
	if (n) {	/* stopped inside a packet: what it has so far */
		refused = !ktcp_output_new(sk, batch, n);
		sent |= !refused;
	}
	ks->gso_left = 0;
	if (frto) {
		ktcp_recovery_frto_sent(sk);
		if (!ks->frto && !refused)
			refused = ktcp_output_retransmit_lost(sk);
	}
	ks->cwnd_limited = ks->send_head &&
			   ktcp_in_flight(ks) >= ks->cc.cwnd;
	if (ks->snd_una != ks->snd_nxt || ks->send_head) {
		if (rearm || !ktcp_timer_pending(&ks->rtx_timer))
			ktcp_rtx_arm(sk, KTCP_TIME_RETRANS, ktcp_rto(ks));
	}
	if (sent)
		ktcp_tlp_schedule(sk, false);
	return refused;
}

void __ktcp_output_push(struct sock *sk, bool force)
{
	ktcp_output_write(sk, force, false);
}

/* tcp_push_one(): a full skb at the send head, one packet of it now. */
void ktcp_output_push_one(struct sock *sk)
{
	ktcp_output_write(sk, true, true);
}

void ktcp_output_push(struct sock *sk)
{
	ktcp_output_write(sk, false, false);
}

/* Send the oldest unacknowledged segment again now, whatever cwnd says. */
int ktcp_output_retransmit(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	sock_owned_by_me(sk);
	if (!skb || skb == ks->send_head)
		return 0;
	return ktcp_output_resend(sk, skb);
}

/*
 * The probe timer fired (tcp_send_loss_probe(), RFC 8985 7.3): send one
 * new segment if the peer's window takes it, whatever cwnd says; else
 * resend the last segment sent. One probe per episode (tlp_high_seq).
 * Then the RTO again, from now.
 */
void ktcp_output_loss_probe(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = ks->send_head;
	int err;

	sock_owned_by_me(sk);
	if (ks->tlp_high_seq)
		goto rearm;
	ks->tlp_retrans = 0;
	/* An unsent skb may hold a size goal's worth: one MSS leaves. */
	if (skb && ktcp_output_wnd_allows(sk, skb)) {
		ktcp_output_idle_check(sk);
		if (!ktcp_output_new(sk, &skb, 1))
			goto rearm;
		goto sent;
	}
	skb = ks->send_head ? ks->send_head->prev :
			      skb_peek_tail(&sk->sk_write_queue);
	if (!skb || skb == (struct sk_buff *)&sk->sk_write_queue ||
	    WARN_ON_ONCE(!ks->packets_out))
		goto rearm;
	/* __tcp_retransmit_skb(): a probe that failed does not count */
	ktcp_output_count_retrans(sk, skb);
	err = ktcp_output_xmit(sk, skb, true);
	ktcp_output_tried_retrans(sk, skb, err);
	if (err)
		goto rearm;
	ktcp_scoreboard_sent(sk, skb, false);
	ks->tlp_retrans = 1;
sent:
	ks->tlp_high_seq = ks->snd_nxt;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_LOSSPROBES);
	ks->rtx_pending = 0;	/* the RTO counts from now */
rearm:
	ktcp_tlp_rearm_rto(sk);
}

/* A segment with no payload and @flags at SND.NXT, sent once, not queued. */
static int ktcp_output_ctl(struct sock *sk, u8 flags, u32 seq, gfp_t gfp)
{
	struct sk_buff *skb = ktcp_output_alloc(gfp);

	sock_owned_by_me(sk);
	if (!skb) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_NOMEM);
		return -ENOBUFS;
	}
	KTCP_SKB_CB(skb)->seq = seq;
	KTCP_SKB_CB(skb)->end_seq = seq;
	KTCP_SKB_CB(skb)->flags = flags;
	return ktcp_output_xmit(sk, skb, false);
}

void ktcp_output_ack(struct sock *sk)
{
	ktcp_output_ctl(sk, TCPHDR_ACK, ktcp_sk(sk)->snd_nxt, GFP_ATOMIC);
}

/*
 * An ACK in answer to an unacceptable segment or as an RFC 5961 challenge,
 * at most one per tcp_invalid_ratelimit (500 ms) per socket: two ends
 * disagreeing on the window must not ping-pong ACKs (RFC 5961 10), and a
 * per-socket limit leaks nothing across connections (CVE-2016-5696).
 * Segments carrying data are always answered (tcp_oow_rate_limited).
 */
void ktcp_output_oow_ack(struct sock *sk, const struct sk_buff *in,
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
	ktcp_output_ack(sk);
}

/*
 * abort(): RST at SND.NXT (RFC 9293 3.10.5), for @reason
 * (tcp_send_active_reset()).
 */
void ktcp_output_rst(struct sock *sk, gfp_t gfp, enum sk_rst_reason reason)
{
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OUTRSTS);
	ktcp_output_ctl(sk, TCPHDR_RST | TCPHDR_ACK, ktcp_sk(sk)->snd_nxt, gfp);
	trace_ktcp_send_reset(sk, NULL, reason);
}

/*
 * Cut queued @skb after @len payload bytes; the rest becomes a new skb
 * right behind it (tcp_fragment). FIN, PSH and MSG_EOR's mark stay with
 * the second part (tcp_skb_fragment_eor()). @charge: the new skb's head is
 * charged to the write queue; not when the cut is inside one of the GSO
 * packets Linux would send (gso.c), where Linux has no skb to charge:
 * then it is left out of ktcp_skb_charge(), not of truesize.
 */
int ktcp_output_split(struct sock *sk, struct sk_buff *skb, u32 len,
		      bool charge)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	u32 moved = skb->len - len, head;
	struct sk_buff *nskb;

	/*
	 * A sent skb's clone may still be on its way (a device queue, or the
	 * receiving socket over lo) and shares skb_shinfo(), which skb_split()
	 * rewrites: it gets its own first, as tcp_fragment() does with
	 * skb_unclone_keeptruesize() (whose helper is not exported): the
	 * charge stays what it was.
	 */
	if (skb_cloned(skb)) {
		u32 truesize = skb->truesize;

		if (pskb_expand_head(skb, 0, 0, GFP_ATOMIC))
			return -ENOMEM;
		skb->truesize = truesize;
	}
	nskb = alloc_skb(KTCP_HDR_ROOM, GFP_ATOMIC);
	if (!nskb)
		return -ENOMEM;
	skb_reserve(nskb, KTCP_HDR_ROOM);
	nskb->ip_summed = CHECKSUM_PARTIAL;	/* ktcp_output_queue_new() */
	head = charge ? 0 : nskb->truesize;
	ktcp_mem_force(sk, nskb->truesize - head);	/* tcp_fragment() */
	ktcp_mem_wqueue_add(sk, nskb->truesize - head);
	skb_split(skb, nskb, len);
	skb->truesize -= moved;
	nskb->truesize += moved;
	*KTCP_SKB_CB(nskb) = *cb;
	KTCP_SKB_CB(nskb)->uncharged = head;
	KTCP_SKB_CB(nskb)->seq = cb->seq + len;
	cb->end_seq = cb->seq + len;
	cb->flags &= ~(TCPHDR_FIN | TCPHDR_PSH);
	cb->eor = 0;
	__skb_queue_after(&sk->sk_write_queue, skb, nskb);
	ktcp_rtxq_split(ktcp_sk(sk), skb, nskb);
	return 0;
}

/*
 * The persist timer fired with nothing in flight (RFC 9293 3.8.6.1). A shut
 * window gets a probe, an ACK carrying SND.UNA - 1 that the peer answers
 * with its window (tcp_xmit_probe_skb), and in urgent mode one at SND.UNA
 * first, to carry the urgent pointer (urg.c); a window too small for the
 * next segment gets what fits, at most an MSS, and corked or Nagle-held
 * data goes: with PSH, which counts as a push (tcp_write_wakeup()).
 * True if a qdisc refused the probe (local congestion).
 */
bool ktcp_output_probe(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = ks->send_head;
	struct ktcp_skb_cb *cb;
	u32 seg;

	sock_owned_by_me(sk);
	if (!skb || !ks->snd_wnd ||
	    !ktcp_seq_before(KTCP_SKB_CB(skb)->seq, ks->snd_una + ks->snd_wnd)) {
		if (ktcp_urg_probe(ks))
			ktcp_output_ctl(sk, TCPHDR_ACK, ks->snd_una, GFP_ATOMIC);
		return ktcp_output_ctl(sk, TCPHDR_ACK, ks->snd_una - 1,
				       GFP_ATOMIC) > 0;
	}
	cb = KTCP_SKB_CB(skb);
	if (ktcp_seq_before(ks->pushed_seq, cb->end_seq))
		ks->pushed_seq = cb->end_seq;
	seg = min_t(u32, ks->snd_una + ks->snd_wnd - cb->seq, ks->mss);
	if (skb->len > seg) {
		cb->flags |= TCPHDR_PSH;
		if (ktcp_output_split(sk, skb, seg, true))
			return false;
	}
	cb->flags |= TCPHDR_PSH;
	/* Corked or Nagle-held data goes now too (Linux's 200 ms ceiling). */
	return ktcp_output_write(sk, true, false);
}

/* Queue a FIN after all data (close() or shutdown(SHUT_WR)) and push. */
void ktcp_output_fin(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	if (ks->fin_queued)
		return;
	ks->fin_queued = 1;
	if (tail && ks->send_head &&
	    !(KTCP_SKB_CB(tail)->flags & (TCPHDR_SYN | TCPHDR_FIN))) {
		/* Ride on the last unsent data segment. */
		KTCP_SKB_CB(tail)->flags |= TCPHDR_FIN;
		KTCP_SKB_CB(tail)->end_seq++;
	} else {
		skb = ktcp_output_queue_new(sk, TCPHDR_FIN,
					    sk->sk_allocation | __GFP_NOFAIL);
		KTCP_SKB_CB(skb)->end_seq = ks->write_seq + 1;
	}
	WRITE_ONCE(ks->write_seq, ks->write_seq + 1);
	ktcp_output_push(sk);
}
