// SPDX-License-Identifier: GPL-2.0
/*
 * The receive queue (RFC 9293 3.10.7.4's sixth to eighth steps; Linux's
 * tcp_data_queue(), tcp_ofo_queue(), tcp_fin() and __tcp_ack_snd_check()):
 * in-order data queued for the reader within the receive buffer and
 * net.ktcp.mem, out-of-order data kept for reassembly (ofo.c) and pruned
 * under pressure, D-SACKs to report, the FIN, and when to ACK. input.c
 * calls it once a segment has passed the sequence, RST, SYN and ACK checks.
 *
 * Context: as input.c's: the socket lock is ours; every function that
 * takes an skb consumes it or leaves it to the caller as it says.
 */

#include "ecn.h"
#include "ktcp.h"
#include "recovery.h"
#include "trace.h"

/* RCV.NXT moves to @seq: Linux's tcp_rcv_nxt_update(), a FIN counted too. */
static void ktcp_rcvq_rcv_nxt(struct ktcp_sock *ks, u32 seq)
{
	ks->bytes_received += seq - ks->rcv_nxt;
	WRITE_ONCE(ks->rcv_nxt, seq);
}

/*
 * Free out-of-order data above @floor, highest first (tcp_prune_ofo_queue()):
 * all of it if @all, else until the receive buffer is within sk_rcvbuf.
 */
static bool ktcp_rcvq_ofo_prune(struct sock *sk, u32 floor, bool all)
{
	struct ktcp_reasm *r = ktcp_sk(sk)->reasm;
	int over = atomic_read(&sk->sk_rmem_alloc) - READ_ONCE(sk->sk_rcvbuf);
	u32 goal = 0, cut;

	if (!r)
		return false;
	if (!all && over > 0 && ktcp_ofo_truesize(&r->ofo) > over)
		goal = ktcp_ofo_truesize(&r->ofo) - over;
	if (!ktcp_ofo_prune(&r->ofo, floor, goal, &cut))
		return false;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OFOPRUNED);
	ktcp_sack_rx_cut(&r->sack, cut);
	return true;
}

/*
 * Trim @skb to the right edge of the window we advertised (a peer may not
 * send beyond it, RFC 9293 3.8.6). Returns false if nothing of it is left.
 */
static bool ktcp_rcvq_data_fits(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	u32 room = ks->rcv_wup + ks->rcv_wnd - cb->seq;

	if ((s32)room <= 0)
		return false;
	if (skb->len > room) {
		if (pskb_trim(skb, room))
			return false;
		cb->end_seq = cb->seq + room;	/* a FIN past the edge is lost */
		cb->flags &= ~TCPHDR_FIN;
	}
	return true;
}

static bool ktcp_rcvq_over(const struct sock *sk)
{
	return atomic_read(&sk->sk_rmem_alloc) > READ_ONCE(sk->sk_rcvbuf);
}

/*
 * tcp_prune_queue(): the receive buffer is over sk_rcvbuf, or net.ktcp.mem
 * refused memory. A full buffer stops the window growing, or grows the
 * buffer (tcp_clamp_window()); memory pressure alone stops the window
 * growing (tcp_adjust_rcv_ssthresh()). Still over, the out-of-order queue
 * and the receive queue are collapsed (tcp_collapse_ofo_queue(),
 * tcp_collapse()), and only then out-of-order data above @skb freed.
 * False: still over, drop @skb (RcvPruned).
 */
static bool ktcp_rcvq_prune(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_reasm *r = ktcp_sk(sk)->reasm;

	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_PRUNECALLED);
	if (atomic_read(&sk->sk_rmem_alloc) >= READ_ONCE(sk->sk_rcvbuf))
		ktcp_window_clamp_full(sk);
	else if (sk_under_memory_pressure(sk))
		ktcp_window_mem_pressure(sk);
	if (!ktcp_rcvq_over(sk))
		return true;
	if (r)
		ktcp_collapse_ofo(sk, &r->ofo);
	if (!skb_queue_empty(&sk->sk_receive_queue))
		ktcp_collapse_rcvq(sk);
	if (!ktcp_rcvq_over(sk))
		return true;
	/* Collapsing did not help: destructive actions follow. */
	ktcp_rcvq_ofo_prune(sk, KTCP_SKB_CB(skb)->seq, false);
	if (!ktcp_rcvq_over(sk))
		return true;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_RCVPRUNED);
	return false;
}

/*
 * tcp_try_rmem_schedule(): room for @skb in the receive buffer, which may
 * go over sk_rcvbuf by this one skb, as Linux's, and the forward
 * allocation it needs, as far as net.ktcp.mem allows; out-of-order data
 * above @skb goes if that is what it takes. False: drop @skb.
 */
static bool ktcp_rcvq_rmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	if (!ktcp_rcvq_over(sk) && sk_rmem_schedule(sk, skb, skb->truesize))
		return true;
	/* Many tiny segments: their overhead filled the buffer. */
	skb_condense(skb);
	if (!ktcp_rcvq_prune(sk, skb))
		goto drop;
	while (!sk_rmem_schedule(sk, skb, skb->truesize))
		if (!ktcp_rcvq_ofo_prune(sk, KTCP_SKB_CB(skb)->seq, true))
			goto drop;
	return true;
drop:
	sk->sk_data_ready(sk);	/* the reader may free room */
	return false;
}

static struct ktcp_reasm *ktcp_rcvq_reasm(struct ktcp_sock *ks)
{
	if (!ks->reasm) {
		ks->reasm = kmalloc(sizeof(*ks->reasm), GFP_ATOMIC);
		if (!ks->reasm)
			return NULL;
		ktcp_ofo_init(&ks->reasm->ofo);
		ktcp_sack_rx_init(&ks->reasm->sack);
	}
	return ks->reasm;
}

/* RFC 2883: report a duplicate once, first in the next SACK option. */
void ktcp_rcvq_dsack(struct ktcp_sock *ks,
		     const struct ktcp_sack_block *d)
{
	struct ktcp_reasm *r;

	/* tcp_dsack_set(): net.ktcp.dsack 0 sends no D-SACK */
	if (d->start == d->end || !ks->neg.sack_ok ||
	    !READ_ONCE(ktcp_pernet(sock_net(&ks->inet.sk))->dsack))
		return;
	r = ktcp_rcvq_reasm(ks);
	if (r)
		ktcp_sack_rx_dsack(&r->sack, d->start, d->end);
}

/*
 * A segment above RCV.NXT: keep it in the out-of-order queue, charged to
 * the receive buffer, within a budget of what the buffer has left (CVE-2018-
 * 5390: bounded memory, O(log n) work per segment); SACK reports it
 * (RFC 2018 4). Returns true if @skb was queued.
 */
static bool ktcp_rcvq_ofo(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_sack_block d = {};
	struct ktcp_reasm *r = ktcp_rcvq_reasm(ks);
	u32 s, e, budget, cut;
	int ret;

	if (!r || !ktcp_rcvq_data_fits(sk, skb))
		return false;
	ks->rcv_ooopack++;	/* tcp_data_queue_ofo() */
	/* After the trim to the window: never SACK what was cut off. */
	s = KTCP_SKB_CB(skb)->seq;
	e = KTCP_SKB_CB(skb)->end_seq;
	if (!ktcp_rcvq_rmem_schedule(sk, skb))
		return false;
	budget = max_t(int, READ_ONCE(sk->sk_rcvbuf) -
		       (atomic_read(&sk->sk_rmem_alloc) -
			ktcp_ofo_truesize(&r->ofo)), 0);
	skb_orphan(skb);
	skb_set_owner_r(skb, sk);
	ret = ktcp_ofo_insert(&r->ofo, skb, ks->rcv_nxt, budget, &d);
	if (ret == -ENOBUFS &&
	    ktcp_ofo_prune(&r->ofo, s, budget - skb->truesize, &cut)) {
		ktcp_sack_rx_cut(&r->sack, cut);
		ret = ktcp_ofo_insert(&r->ofo, skb, ks->rcv_nxt, budget, &d);
	}
	if (ret == KTCP_OFO_QUEUED)
		ktcp_sack_rx_add(&r->sack, s, e);
	ktcp_rcvq_dsack(ks, &d);
	return ret == KTCP_OFO_QUEUED;
}

/*
 * tcp_queue_rcv(): @skb, in order and of the socket's memory already
 * scheduled (or charged, if @charged), joins the receive queue, appended to
 * its tail skb if it can be (tcp_try_coalesce()). Returns true if so: the
 * caller frees @skb with kfree_skb_partial(@skb, *@stolen) when done with it.
 */
static bool ktcp_rcvq_queue(struct sock *sk, struct sk_buff *skb,
			    bool charged, bool *stolen)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);

	if (!charged)
		skb_orphan(skb);
	*stolen = false;
	if (tail && ktcp_collapse_coalesce(sk, tail, skb, stolen))
		return true;
	if (!charged)
		skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	return false;
}

/* RCV.NXT moved: deliver what the out-of-order queue now holds in order. */
static void ktcp_rcvq_ofo_drain(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_reasm *r = ks->reasm;
	struct ktcp_sack_block d = {};
	struct sk_buff *skb;
	bool fin = false, stolen;

	if (!r)
		return;
	while (!fin && (skb = ktcp_ofo_pop(&r->ofo, ks->rcv_nxt, &d))) {
		fin = KTCP_SKB_CB(skb)->flags & TCPHDR_FIN;
		ktcp_rcvq_rcv_nxt(ks, KTCP_SKB_CB(skb)->end_seq - fin);
		if (!skb->len)
			kfree_skb(skb);
		else if (ktcp_rcvq_queue(sk, skb, true, &stolen))
			kfree_skb_partial(skb, stolen);
	}
	ktcp_sack_rx_advance(&r->sack, ks->rcv_nxt);
	ktcp_rcvq_dsack(ks, &d);
	/*
	 * Last: the FIN can end the socket (TIME_WAIT over its limit is
	 * ktcp_sock_done()), which frees ks->reasm.
	 */
	if (fin) {
		ktcp_ofo_purge(&r->ofo);
		ktcp_rcvq_fin(sk);
	}
}

/*
 * tcp_data_queue(): memory for in-order @skb; refused, an empty receive
 * queue takes it anyway (sk_forced_mem_schedule()), so that a reader is
 * never starved.
 */
static bool ktcp_rcvq_in_order_mem(struct sock *sk, struct sk_buff *skb)
{
	if (ktcp_rcvq_rmem_schedule(sk, skb))
		return true;
	if (!skb_queue_empty(&sk->sk_receive_queue))
		return false;
	ktcp_mem_force(sk, skb->truesize);
	return true;
}

/*
 * tcp_fastopen_add_skb(): the data of the Fast Open SYN @skb that made
 * @sk, in SYN_RECV, or of the SYN-ACK of a Fast Open SYN, as the first
 * bytes of the connection, before any other segment of it. A FIN with it
 * is left for the peer to send again (Linux takes it at once). Consumes
 * @skb.
 */
void ktcp_rcvq_syn_data(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	bool stolen;
	u32 end;

	sock_owned_by_me(sk);
	cb->seq++;
	cb->flags &= ~(TCPHDR_SYN | TCPHDR_FIN);
	cb->end_seq = cb->seq + skb->len;
	if (!skb->len || !ktcp_rcvq_data_fits(sk, skb)) {
		kfree_skb(skb);
		return;
	}
	end = cb->end_seq;
	ks->syn_data_acked = 1;		/* tcp_fastopen_add_skb() */
	skb_dst_drop(skb);
	ktcp_mem_force(sk, skb->truesize);	/* sk_forced_mem_schedule() */
	if (ktcp_rcvq_queue(sk, skb, false, &stolen))
		kfree_skb_partial(skb, stolen);
	ktcp_rcvq_rcv_nxt(ks, end);
	sk->sk_data_ready(sk);
}

/*
 * Seventh step: queue payload. Returns true if @skb was consumed (queued,
 * or appended to the receive queue's tail and freed): the caller must not
 * touch it after.
 */
bool ktcp_rcvq_data(struct sock *sk, struct sk_buff *skb,
		    bool *ack_now)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_sack_block d;
	bool eaten, stolen;
	u32 off;

	if (!skb->len) {
		/* A FIN above a hole: a duplicate ACK at once asks for it. */
		if ((cb->flags & TCPHDR_FIN) &&
		    ktcp_seq_after(cb->seq, ks->rcv_nxt))
			*ack_now = true;
		return false;
	}
	*ack_now = true;	/* unless it is queued in order, below */
	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return false;
	if (ktcp_seq_before_eq(cb->seq + skb->len, ks->rcv_nxt)) {
		/*
		 * All old: the ACK tells the peer, D-SACK says why; our ACKs
		 * were lost, so quick ones for a while (tcp_data_queue()),
		 * and maybe a new path for them.
		 */
		ktcp_window_spurious_retrans(sk, skb);
		d = (struct ktcp_sack_block){ cb->seq, cb->seq + skb->len };
		ktcp_rcvq_dsack(ks, &d);
		ktcp_window_enter_quickack(sk, KTCP_MAX_QUICKACKS);
		return false;
	}
	if (ktcp_seq_after(cb->seq, ks->rcv_nxt)) {
		/*
		 * RFC 5681 4.2: ACK out-of-order data at once. Its size counts
		 * before the queue trims it (tcp_data_queue_ofo()).
		 */
		ktcp_window_save_flowlabel(sk, skb);
		ktcp_ecn_rcv_data(sk, skb);
		ktcp_window_measure_rcv_mss(sk, skb);
		ks->ack_pending = 1;
		if (ktcp_rcvq_ofo(sk, skb))
			return true;
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_OFODROP);
		return false;	/* the duplicate ACK asks for the hole */
	}
	off = ks->rcv_nxt - cb->seq;
	if (off && !pskb_pull(skb, off))
		return false;
	cb->seq += off;
	if (!ktcp_rcvq_data_fits(sk, skb) || !ktcp_rcvq_in_order_mem(sk, skb)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_RCVQDROP);
		return false;
	}
	/*
	 * Appended to the tail, @skb is freed at the end, after the last use
	 * of its header, as tcp_data_queue()'s kfree_skb_partial().
	 */
	eaten = ktcp_rcvq_queue(sk, skb, false, &stolen);
	ktcp_rcvq_rcv_nxt(ks, ks->rcv_nxt + skb->len);
	ktcp_window_data_recv(sk, skb);
	ktcp_buf_rcv_rtt_measure(ks);
	ktcp_ecn_rcv_data(sk, skb);	/* last, as in tcp_event_data_recv() */
	/* Filling a hole is news the sender waits for (RFC 5681 4.2). */
	*ack_now = ks->reasm && !ktcp_ofo_empty(&ks->reasm->ofo);
	if ((cb->flags & TCPHDR_FIN) && ks->reasm) {
		/* Nothing follows a FIN: what sits above it is no data. */
		ktcp_ofo_purge(&ks->reasm->ofo);
		ktcp_sack_rx_cut(&ks->reasm->sack, ks->rcv_nxt);
	}
	ktcp_rcvq_ofo_drain(sk);
	sk->sk_data_ready(sk);
	if (eaten)
		kfree_skb_partial(skb, stolen);
	return true;
}

/*
 * An ACK is owed and nothing forced one: Linux's __tcp_ack_snd_check()
 * (RFC 9293 3.8.6.3, RFC 5681 4.2): at once for more than one full
 * segment unacknowledged while the window keeps up (else reading will
 * send it: SO_RCVLOWAT not met yet aside), in quick-ACK mode, and with
 * out-of-order data waiting; else a delayed ACK.
 */
void ktcp_rcvq_ack_snd_check(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if ((ks->rcv_nxt - ks->rcv_wup > ks->rcv_mss &&
	     ((int)(ks->rcv_nxt - ks->copied_seq) <
	      READ_ONCE(sk->sk_rcvlowat) ||
	      ktcp_window_rcv_now(sk) >= ks->rcv_wnd)) ||
	    ktcp_window_in_quickack(sk) ||
	    (ks->reasm && !ktcp_ofo_empty(&ks->reasm->ofo)))
		ktcp_xmit_ack(sk);
	else
		ktcp_timers_delack(sk);
}

/*
 * Eighth step: an in-sequence FIN (tcp_fin()). Returns true if it must be
 * ACKed at once; in ESTABLISHED the ACK may wait, as the application's
 * answer (its own FIN) likely comes soon: pingpong mode.
 */
bool ktcp_rcvq_fin(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 old = sk->sk_state;
	u8 new = ktcp_state_next(sk->sk_state, KTCP_EV_RCV_FIN,
				 ktcp_fin_acked(ks));

	if (new == KTCP_STATE_INVALID)
		return false;
	ks->ack_pending = 1;	/* inet_csk_schedule_ack() */
	if (old == TCP_ESTABLISHED || old == TCP_SYN_RECV)
		ktcp_window_enter_pingpong(sk);
	ktcp_rcvq_rcv_nxt(ks, ks->rcv_nxt + 1);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	if (new == TCP_TIME_WAIT)
		ktcp_sock_time_wait(sk);
	else
		ktcp_sock_set_state(sk, new);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
	}
	return old != TCP_ESTABLISHED && old != TCP_SYN_RECV &&
	       old != TCP_CLOSE_WAIT && old != TCP_CLOSING &&
	       old != TCP_LAST_ACK;
}

/* An orphan that gets new data will never read it: reset (RFC 9293 3.10.4). */
bool ktcp_rcvq_orphan_data(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!sock_flag(sk, SOCK_DEAD) || !skb->len ||
	    !ktcp_seq_after(KTCP_SKB_CB(skb)->seq + skb->len, ks->rcv_nxt))
		return false;
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ABORTONDATA);
	ktcp_xmit_rst(sk, GFP_ATOMIC, SK_RST_REASON_TCP_ABORT_ON_DATA);
	ktcp_sock_reset(sk, ECONNRESET);
	return true;
}
