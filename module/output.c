// SPDX-License-Identifier: GPL-2.0
/*
 * The write queue and what of it to send when (Linux's tcp_write_xmit(),
 * tcp_xmit_retransmit_queue() and their helpers); xmit.c sends each
 * segment.
 *
 * The write queue (sk_write_queue) holds every segment from snd_una on: the
 * SYN, data and the FIN are skbs with their sequence range in ktcp_skb_cb, so
 * retransmission and acknowledgment treat them alike (RFC 9293 3.10.7.4).
 * send_head is the first one not yet sent. Transmission sends a clone (or a
 * copy when the queued skb is still cloned by an earlier transmission, so two
 * TCP headers never share one headroom) and leaves the original queued.
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
	 * CHECKSUM_PARTIAL (ktcp_xmit_csum()), as tcp_stream_alloc_skb()
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
	ktcp_xmit_count_retrans(sk, skb);
	err = ktcp_xmit_skb(sk, skb, true);
	ktcp_xmit_tried_retrans(sk, skb, err);
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
	err = ktcp_xmit_skb(sk, skb, true);
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
	err = ktcp_xmit_skb(sk, skb, true);
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
	err = ktcp_xmit_gso(sk, gso, segs, n);
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
 * carry alone (ktcp_xmit_sack_blocks()), not a whole packet.
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
 * ends the round (local congestion: ktcp_xmit_skb()); one that the IP
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
	ktcp_xmit_count_retrans(sk, skb);
	err = ktcp_xmit_skb(sk, skb, true);
	ktcp_xmit_tried_retrans(sk, skb, err);
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
			ktcp_xmit_ctl(sk, TCPHDR_ACK, ks->snd_una, GFP_ATOMIC);
		return ktcp_xmit_ctl(sk, TCPHDR_ACK, ks->snd_una - 1,
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
