// SPDX-License-Identifier: GPL-2.0
/*
 * Segment arrival for a socket in any state but LISTEN (RFC 9293 3.10.7.3
 * and 3.10.7.4), one step per function in the RFC's order: sequence check,
 * RST, SYN, ACK, data, FIN. Which state follows is ktcp_state_next()'s call.
 *
 * Context: softirq with the socket spinlock held and no process owning the
 * socket, or process context from release_sock()'s backlog processing. Either
 * way the socket lock is ours. Every function consumes or frees the skb.
 */

#include "ecn.h"
#include "ktcp.h"
#include "recovery.h"
#include "trace.h"

/*
 * Free what @ack covers from the write queue, sample the RTT (from the
 * oldest segment it newly acks, to the microsecond, unless any of them was
 * resent (Karn); else from the timestamp echo: Linux's tcp_clean_rtx_queue()
 * and tcp_ack_update_rtt()), restart the
 * retransmission timer (RFC 6298 5.3). Returns the segments freed; *@rtt_us
 * gets the sample or 0. The caller wakes writers (sk_write_space).
 */
static u32 ktcp_input_clean_rtx(struct sock *sk, u32 ack,
				const struct ktcp_opts *o, u32 *rtt_us)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 rtt = ktcp_neg_ts_rtt_us(&ks->neg, o), karn = 0, acked = 0;
	u32 prior_una = ks->snd_una, prior_fack = ktcp_scoreboard_fack(ks);
	u32 reord = ks->snd_nxt;
	bool rexmit_acked = false;
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != ks->send_head) {
		struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

		if (ktcp_seq_after(cb->end_seq, ack))
			break;
		/* The oldest segment newly acked, none of them resent. */
		if (cb->retransmitted)
			rexmit_acked = true;
		else if (!karn && !(cb->sacked & KTCP_SKB_SACKED))
			karn = max_t(u32, (u32)tcp_clock_us() - cb->when, 1);
		ktcp_scoreboard_acked(sk, skb, &reord);
		ktcp_rtxq_unlink(sk, skb);
		ktcp_mem_wqueue_free(sk, skb);
		acked++;
	}
	if (karn && !rexmit_acked)
		rtt = karn;
	/*
	 * A passive child's ACK acks only the SYN-ACK, which listen.c timed
	 * (tcp_synack_rtt_meas()): one sample per handshake, as Linux's.
	 */
	if (sk->sk_state == TCP_SYN_RECV && !acked && ks->rtt.srtt_us)
		rtt = 0;
	if (rtt)
		ktcp_rtt_sample(&ks->rtt, rtt, ack, ks->snd_nxt);
	ktcp_rtt_reset_backoff(&ks->rtt);
	ks->bytes_acked += ack - ks->snd_una;	/* tcp_snd_una_update() */
	WRITE_ONCE(ks->snd_una, ack);
	/* A hole filled by its first transmission is reordering. */
	ktcp_scoreboard_reordering(sk, reord, prior_fack);
	ktcp_urg_snd_una(ks, prior_una);
	WRITE_ONCE(ks->retries, 0);
	if (ks->snd_una == ks->snd_nxt)
		ktcp_timer_sk_clear(sk, &ks->rtx_timer);
	else
		ktcp_rtx_arm(sk, KTCP_TIME_RETRANS, ktcp_rto(ks));
	*rtt_us = rtt;
	return acked;
}

/*
 * RFC 9293 3.10.7.4, fifth step, window update rule; the caller has checked
 * SND.UNA =< SEG.ACK.
 */
static void ktcp_input_update_wnd(struct ktcp_sock *ks,
				  const struct ktcp_skb_cb *cb)
{
	if (ktcp_seq_before(ks->snd_wl1, cb->seq) ||
	    (ks->snd_wl1 == cb->seq && !ktcp_seq_before(cb->ack_seq,
							ks->snd_wl2))) {
		ks->snd_wnd = (u32)cb->window << ks->neg.snd_wscale;
		ks->snd_wl1 = cb->seq;
		ks->snd_wl2 = cb->ack_seq;
		if (ks->snd_wnd > ks->max_window) {
			ks->max_window = ks->snd_wnd;
			ktcp_output_sync_mss(ks);	/* tcp_ack_update_window() */
		}
	}
}

/*
 * tcp_rcv_fastopen_synack(): the SYN-ACK of a Fast Open SYN, @o its
 * options. Its MSS and cookie (one we asked for) are kept for the next
 * connect to the peer, or, without a cookie, the other form of the option
 * is tried next time; data of the SYN it left unacknowledged goes again
 * now, with the ACK (true). TCPFastOpenActive counts data acknowledged.
 */
static bool ktcp_input_fastopen_synack(struct sock *sk, struct sk_buff *synack,
				       struct ktcp_opts *o)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *data = ks->syn_data ? skb_peek(&sk->sk_write_queue) :
			       NULL;
	bool syn_drop = false;
	u8 try_exp = 0;

	if (!ks->syn_fastopen)		/* an unsolicited cookie */
		o->present &= ~KTCP_OPTF_FASTOPEN;
	else if (ks->total_retrans)	/* the SYN-data, or its SYN-ACK, lost */
		syn_drop = !(o->present & KTCP_OPTF_FASTOPEN) && data;
	else if (!(o->present & KTCP_OPTF_FASTOPEN) && !ks->syn_data)
		try_exp = ks->syn_fastopen_exp ? 2 : 1;
	ktcp_fastopen_cache_set(sk, o->present & KTCP_OPTF_MSS ? o->mss : 0, o,
				syn_drop, try_exp);
	if (data && data != ks->send_head) {
		ks->fo_client_fail = ks->total_retrans ? TFO_SYN_RETRANSMITTED :
							 TFO_DATA_NOT_ACKED;
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPFASTOPENACTIVEFAIL);
		ktcp_pmtu_resegment(sk);	/* to the MSS the SYN-ACK gave */
		ktcp_recovery_non_congestion_loss(sk);
		ktcp_output_push(sk);
		return true;
	}
	/* tcp_fastopen_add_skb(): data on the SYN-ACK, a copy of it queued */
	if (KTCP_SKB_CB(synack)->end_seq != KTCP_SKB_CB(synack)->seq + 1) {
		struct sk_buff *copy = skb_clone(synack, GFP_ATOMIC);

		if (copy)
			ktcp_rcvq_syn_data(sk, copy);
	}
	ks->syn_data_acked |= ks->syn_data;
	if (ks->syn_data_acked) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPFASTOPENACTIVE);
		/*
		 * The SYN and its data were two skbs, one segment delivered;
		 * neither grows cwnd (ktcp_input_syn_sent()).
		 */
		if (ks->delivered > 1)
			ks->delivered--;
		ks->ack_delivered = ks->delivered;
	}
	return false;
}

/*
 * The ACK of a SYN-ACK (tcp_rcv_synsent_state_process()): at once, or
 * later when a writer waits to send, TCP_DEFER_ACCEPT is set or the
 * socket is interactive (ktcp_timers_delack_synack()).
 */
static void ktcp_input_synack_ack(struct sock *sk)
{
	if (sk->sk_write_pending || ktcp_sk(sk)->defer_accept ||
	    ktcp_window_pingpong(sk))
		ktcp_timers_delack_synack(sk);
	else
		ktcp_xmit_ack(sk);
}

/* SYN_SENT (RFC 9293 3.10.7.3). */
void ktcp_input_syn_sent(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct ktcp_opts opts;
	u32 rtt;

	sock_owned_by_me(sk);
	if (th->ack && (ktcp_seq_before_eq(cb->ack_seq, ks->iss) ||
			ktcp_seq_after(cb->ack_seq, ks->snd_nxt))) {
		ktcp_reply_rst(sock_net(sk), sk, skb,
			       SK_RST_REASON_TCP_INVALID_ACK_SEQUENCE);
		return;
	}
	if (th->rst) {
		if (th->ack) {
			trace_ktcp_receive_reset(sk);
			ktcp_sock_reset(sk, ECONNREFUSED);
		}
		return;
	}
	if (!th->syn)
		return;
	ktcp_opts_parse_hdr(tcp_hdr(skb), &opts);
	opts.present &= ktcp_neg_syn_allowed(sock_net(sk));
	ktcp_neg_peer_syn(&ks->neg, &opts);
	ktcp_ecn_rcv_syn(sk, skb);
	ktcp_sock_init_peer(ks, cb->seq, cb->window);	/* never scaled */
	ktcp_output_sync_mss(ks);	/* after max_window, as Linux */
	ktcp_window_synack(ks);		/* tcp_initialize_rcv_mss() needs mss */
	ks->snd_wl2 = cb->ack_seq;
	if (!th->ack) {
		/* Simultaneous open: our SYN goes out again with an ACK. */
		ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state,
							KTCP_EV_RCV_SYN, false));
		ktcp_output_retransmit(sk);
		return;
	}
	ktcp_input_clean_rtx(sk, cb->ack_seq, &opts, &rtt);
	ktcp_rtt_fallback(&ks->rtt);	/* tcp_init_metrics(): RFC 6298 5.7 */
	ktcp_cc_init_transfer(&ks->cc, ks->total_retrans);
	/* The SYN's delivery grows no cwnd (tcp_init_transfer() sets it). */
	ks->ack_delivered = ks->delivered;
	ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state,
						KTCP_EV_RCV_SYNACK, false));
	ktcp_window_established(sk);
	ktcp_buf_init(sk);
	/* Data of a Fast Open SYN sent again carries the ACK. */
	if (!((ks->syn_fastopen || ks->syn_data) &&
	      ktcp_input_fastopen_synack(sk, skb, &opts)))
		ktcp_input_synack_ack(sk);
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	ktcp_urg_rcv(sk, skb);	/* step 6 by hand, as tcp_rcv_state_process() */
}

/*
 * RFC 9293 3.10.7.4 first step, with Linux's reading (tcp_sequence()): the
 * segment must end at or after the last advertised left edge and start no
 * later than the right edge, so that old duplicates are acknowledged.
 */
static bool ktcp_input_seq_ok(const struct ktcp_sock *ks,
			      const struct ktcp_skb_cb *cb)
{
	u32 right = ks->rcv_wup + ks->rcv_wnd;

	return !ktcp_seq_before(cb->end_seq, ks->rcv_wup) &&
	       !ktcp_seq_after(cb->seq, right);
}

/* RFC 5961 3.2: only a RST at exactly RCV.NXT resets; others are challenged. */
static void ktcp_input_rst(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (KTCP_SKB_CB(skb)->seq != ks->rcv_nxt) {
		ktcp_xmit_oow_ack(sk, skb, KTCP_MIB_CHALLENGEACKS);
		return;
	}
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_INRSTS);
	trace_ktcp_receive_reset(sk);	/* tcp_reset() */
	switch (sk->sk_state) {
	case TCP_CLOSE_WAIT:
		ktcp_sock_reset(sk, EPIPE);
		break;
	default:
		ktcp_sock_reset(sk, ECONNRESET);
	}
}

/* Apply the state change an ACK of our FIN (or SYN) brings. */
static void ktcp_input_ack_state(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 old = sk->sk_state;
	u8 new = ktcp_state_next(old, KTCP_EV_RCV_ACK,
				 ktcp_fin_acked(ks));

	if (new == KTCP_STATE_INVALID || new == old)
		return;
	if (new == TCP_TIME_WAIT)
		return ktcp_sock_time_wait(sk);
	ktcp_sock_set_state(sk, new);
	switch (new) {
	case TCP_ESTABLISHED:
		/* tcp_init_transfer(): RFC 6298 5.7's 3 s without a sample */
		ktcp_rtt_fallback(&ks->rtt);
		if (!ks->fo_child) {	/* a Fast Open child's began at birth */
			ktcp_window_established(sk);
			ktcp_buf_init(sk);
		}
		sk->sk_state_change(sk);
		break;
	case TCP_FIN_WAIT2:
		if (sock_flag(sk, SOCK_DEAD))
			ktcp_timer_sk_reset(sk, &ks->state_timer, jiffies +
				ktcp_fin_time(sk));
		else
			sk->sk_state_change(sk);
		break;
	case TCP_CLOSE:
		ktcp_sock_done(sk);
		break;
	}
}

/*
 * An ACK of data never sent: Linux 6.12's tcp_ack() drops the segment
 * (SKB_DROP_REASON_TCP_ACK_UNSENT_DATA), silently in ESTABLISHED
 * (tcp_rcv_established()) and with a challenge ACK in the other states
 * (tcp_rcv_state_process()). RFC 9293 3.10.7.4 would ACK it always;
 * design.rst lists the deviation. TS.Recent is left alone either way.
 */
static bool ktcp_input_ack_unsent(struct sock *sk, const struct sk_buff *skb)
{
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ACKUNSENTDATA);
	if (sk->sk_state != TCP_ESTABLISHED)
		ktcp_xmit_oow_ack(sk, skb, KTCP_MIB_CHALLENGEACKS);
	return false;
}

/* What SND.UNA, SND.WND and the delivered count were before an ACK. */
struct ktcp_input_prior {
	u32 una;
	u32 wnd;
	u32 delivered;
};

/*
 * What an acceptable ACK tells loss recovery, in tcp_ack()'s order: SACK
 * blocks, the loss probe's episode, ECE (tcp_ecn_rcv_ecn_echo(), before
 * the congestion alert), loss detection (RACK or DupThresh), then the
 * probe timer in place of the RTO unless RACK armed its timer
 * (tcp_set_xmit_timer()). @acked segments left the queue.
 */
static void ktcp_input_ack_loss(struct sock *sk, const struct sk_buff *skb,
				const struct ktcp_opts *o,
				const struct ktcp_input_prior *prior,
				u32 acked, u32 rtt)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool dup, rack_armed;
	u32 newly;

	/*
	 * RFC 5681 2: a duplicate ACK carries nothing new at all; RFC 6675 2:
	 * with SACK, one that SACKs new data counts too.
	 */
	dup = cb->ack_seq == prior->una && !skb->len &&
	      !(cb->flags & (TCPHDR_SYN | TCPHDR_FIN)) &&
	      ks->snd_wnd == prior->wnd;
	newly = ktcp_scoreboard_sack(sk, o);
	ktcp_tlp_ack(sk, prior->una, !dup, newly);
	if (newly && cb->ack_seq == prior->una)
		dup = true;
	if (ktcp_ecn_rcv_ack(sk, skb, prior->una,
			     ks->delivered - prior->delivered))
		ktcp_recovery_ece(sk);	/* FLAG_ECE, before the alert */
	rack_armed = ktcp_recovery_on_ack(sk, acked, rtt, dup);
	ktcp_gso_pacing_update(sk);	/* tcp_cong_control() */
	if (acked && !rack_armed)
		ktcp_tlp_schedule(sk, true);
}

/* Why tcp_ack() refused the ACK of a SYN_RECV socket, as its RST says. */
static enum sk_rst_reason
ktcp_input_old_ack_reason(const struct ktcp_sock *ks,
			  const struct ktcp_skb_cb *cb)
{
	if (ktcp_seq_after(cb->ack_seq, ks->snd_nxt))
		return SK_RST_REASON_TCP_ACK_UNSENT_DATA;
	if (ktcp_seq_before(cb->ack_seq, ks->snd_una - ks->max_window))
		return SK_RST_REASON_TCP_TOO_OLD_ACK;
	return SK_RST_REASON_TCP_OLD_ACK;
}

/* Fifth step: returns false if the segment must be dropped here. */
static bool ktcp_input_ack(struct sock *sk, struct sk_buff *skb,
			   const struct ktcp_opts *o)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_input_prior prior = {
		.una = ks->snd_una,
		.delivered = ks->delivered,
	};
	u32 acked = 0, rtt = 0;

	if (sk->sk_state == TCP_SYN_RECV &&
	    !ktcp_seq_between(cb->ack_seq, ks->snd_una + 1, ks->snd_nxt)) {
		/* RFC 9293 3.10.7.4: unacceptable ACK in SYN_RECV. */
		ktcp_reply_rst(sock_net(sk), sk, skb,
			       ktcp_input_old_ack_reason(ks, cb));
		return false;
	}
	if (ktcp_seq_after(cb->ack_seq, ks->snd_nxt))
		return ktcp_input_ack_unsent(sk, skb);
	if (ktcp_seq_before(cb->ack_seq, ks->snd_una -
			    min_t(u64, ks->max_window, ks->bytes_acked))) {
		/*
		 * Older than any window could explain (RFC 5961 5.2, blind
		 * data injection; tcp_ack()'s bound, the bytes ever acked
		 * included): tell the peer where we are, drop the segment.
		 */
		ktcp_xmit_oow_ack(sk, skb, KTCP_MIB_CHALLENGEACKS);
		return false;
	}
	/*
	 * RFC 7323 4.3: TS.Recent moves only for a segment found acceptable,
	 * its ACK included, as Linux's tcp_ack() does (FLAG_UPDATE_TS_RECENT):
	 * a blind segment that only hits the window must not poison PAWS.
	 */
	ktcp_neg_ts_update(&ks->neg, o, cb->seq, ks->rcv_wup);
	ks->probes = 0;
	ks->ack_flag = 0;		/* this ACK's flags and rate sample */
	ks->prior_delivered = 0;
	ks->ack_tsecr = (o->present & KTCP_OPTF_TS) && ks->neg.tstamp_ok ?
			o->tsecr : 0;
	prior.wnd = ks->snd_wnd;
	if (ktcp_seq_after(cb->ack_seq, ks->snd_una))
		acked = ktcp_input_clean_rtx(sk, cb->ack_seq, o, &rtt);
	if (ktcp_fastopen_passive(sk) && ktcp_seq_after(ks->snd_una, ks->iss)) {
		/*
		 * A Fast Open child's SYN-ACK is acknowledged: delivered, but
		 * no cwnd growth, as Linux's is no segment of the child's
		 * (tcp_rcv_synrecv_state_fastopen()).
		 */
		ks->ack_delivered++;
		ktcp_fastopen_child_done(sk);
	}
	if (!ktcp_seq_before(cb->ack_seq, ks->snd_una))
		ktcp_input_update_wnd(ks, cb);
	/* A window that opens ends the persist backoff (tcp_ack_probe). */
	if (!prior.wnd && ks->snd_wnd) {
		ktcp_rtt_reset_backoff(&ks->rtt);
		ks->probes_tstamp = 0;
	}
	ktcp_input_ack_loss(sk, skb, o, &prior, acked, rtt);
	ktcp_input_ack_state(sk);
	if (sk->sk_state == TCP_CLOSE)
		return false;
	if (ks->send_head || ks->lost_out)
		ktcp_output_push(sk);
	/* Room for a waiting writer, after the push (tcp_data_snd_check()). */
	ktcp_buf_snd_check_space(sk);
	return true;
}

/*
 * A RST in TIME_WAIT (tcp_timewait_state_process()). RFC 1337's hazard H1:
 * the peer's RST for an old duplicate segment would end TIME_WAIT early
 * ("TIME_WAIT assassination"). With net.ktcp.rfc1337 (on in ktcp, off in
 * Linux) it is ignored; off, a RST at exactly RCV.NXT that passes PAWS
 * ends TIME_WAIT, as in Linux; any other RST is ignored either way.
 */
static void ktcp_input_timewait_rst(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_opts opts;

	if (READ_ONCE(ktcp_pernet(sock_net(sk))->rfc1337) ||
	    KTCP_SKB_CB(skb)->seq != ks->rcv_nxt)
		return;
	ktcp_opts_parse_hdr(tcp_hdr(skb), &opts);
	if (ktcp_neg_paws_reject(&ks->neg, &opts, true))
		return;
	ktcp_sock_done(sk);
}

/*
 * TIME_WAIT (RFC 9293 3.10.7.4, tcp_timewait_state_process): a RST is
 * ignored (RFC 1337) unless net.ktcp.rfc1337 is 0; a retransmitted FIN is
 * ACKed and restarts 2*MSL; a new SYN above RCV.NXT to an orphan ends
 * TIME_WAIT so that the 4-tuple can open again (RFC 9293 3.6.1) if a
 * listener takes it: KTCP_RCV_TW_SYN, and rcv.c hands it over (with none,
 * it gets the ACK, as in tcp_v4_rcv()); anything else out of window is
 * answered with an ACK.
 */
int ktcp_input_timewait(struct sock *sk, struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	if (th->syn && !th->ack && !th->rst && sock_flag(sk, SOCK_DEAD) &&
	    ktcp_seq_after(cb->seq, ks->rcv_nxt)) {
		bool listened;

		rcu_read_lock();
		listened = ktcp_hash_syn_listened(ktcp_pernet(sock_net(sk)),
						  skb);
		rcu_read_unlock();
		if (listened) {
			KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TWRECYCLED);
			ktcp_sock_done(sk);
			return KTCP_RCV_TW_SYN;
		}
		ktcp_xmit_ack(sk);	/* no listener: tcp_v4_rcv()'s ACK */
		kfree_skb(skb);
		return 0;
	}
	if (th->rst) {
		ktcp_input_timewait_rst(sk, skb);
	} else if (th->fin && cb->end_seq == ks->rcv_nxt) {
		ktcp_xmit_ack(sk);
		ktcp_timers_enter_timewait(sk, ktcp_tw_time(sk));
	} else if (!ktcp_input_seq_ok(ks, cb) || cb->end_seq != cb->seq) {
		ktcp_xmit_oow_ack(sk, skb, KTCP_MIB_OUTOFWINDOW);
	}
	kfree_skb(skb);
	return 0;
}

/*
 * Simultaneous open (RFC 9293 figure 8): in SYN_RECV the peer's SYN-ACK
 * repeats its SYN and acknowledges ours; it completes the handshake rather
 * than drawing a challenge ACK (tcp_validate_incoming does the same).
 */
static bool ktcp_input_simultaneous_synack(const struct ktcp_sock *ks,
					   const struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	return ks->inet.sk.sk_state == TCP_SYN_RECV && tcp_hdr(skb)->ack &&
	       cb->seq + 1 == cb->end_seq && cb->seq + 1 == ks->rcv_nxt &&
	       cb->ack_seq == ks->snd_nxt;
}

/*
 * Answer a segment that failed PAWS or the sequence check (tcp_send_dupack()):
 * data starting below RCV.NXT arrived twice, so the ACK carries a D-SACK of
 * what of it lies below RCV.NXT (RFC 2883 4.1.1) and quick ACKs follow (a
 * SYN, which Linux answers with a challenge ACK, gets no D-SACK). A
 * retransmission that ends before RCV.WUP lands here, not in the data step:
 * without the D-SACK the sender never learns its RTO was spurious. With
 * D-SACK on, a new flow label on it may redraw ours, as in Linux.
 */
static void ktcp_input_dupack(struct sock *sk, const struct sk_buff *skb,
			      enum ktcp_mib_field why)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_sack_block d;

	if (cb->end_seq != cb->seq && !(cb->flags & TCPHDR_SYN) &&
	    ktcp_seq_before(cb->seq, ks->rcv_nxt)) {
		ks->quickack = KTCP_MAX_QUICKACKS;
		if (ks->neg.sack_ok &&
		    READ_ONCE(ktcp_pernet(sock_net(sk))->dsack))
			ktcp_window_spurious_retrans(sk, skb);
		d.start = cb->seq;
		d.end = ktcp_seq_after(cb->end_seq, ks->rcv_nxt) ?
			ks->rcv_nxt : cb->end_seq;
		ktcp_rcvq_dsack(ks, &d);
	}
	ktcp_xmit_oow_ack(sk, skb, why);
}

/* A segment that occupies sequence space wholly below RCV.NXT: re-ACK it. */
static bool ktcp_input_is_dup(const struct ktcp_sock *ks,
			      const struct ktcp_skb_cb *cb)
{
	return cb->end_seq != cb->seq &&
	       !ktcp_seq_after(cb->end_seq, ks->rcv_nxt);
}

/*
 * tcp_check_req() for a Fast Open child in SYN_RECV: the peer's SYN again
 * (its ISN, with neither ACK nor RST, PAWS passed) gets the SYN-ACK again
 * at once, the timer left alone, once per 500 ms (tcp_oow_rate_limited():
 * TCPACKSkippedSynRecv counts the rest); its data is not taken twice.
 */
static bool ktcp_input_fastopen_syn(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!th->syn || th->ack || th->rst ||
	    KTCP_SKB_CB(skb)->seq != ks->irs || !ktcp_fastopen_passive(sk))
		return false;
	if (ks->last_oow_ack &&
	    tcp_jiffies32 - ks->last_oow_ack < KTCP_OOW_RATELIMIT) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ACKSKIPPEDSYNRECV);
		return true;
	}
	ks->last_oow_ack = tcp_jiffies32 ?: 1;
	ktcp_output_retransmit(sk);
	return true;
}

/* Every state from SYN_RECV on but TIME_WAIT (RFC 9293 3.10.7.4). */
int ktcp_input_synchronized(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool ack_now = false, dup, in_order = false, fin = th->fin;
	struct ktcp_opts opts;
	u32 end_seq;

	sock_owned_by_me(sk);
	if (sk->sk_state == TCP_ESTABLISHED)
		trace_ktcp_probe(sk, skb);	/* tcp_rcv_established() */
	ktcp_opts_parse_hdr(tcp_hdr(skb), &opts);
	if (ktcp_neg_paws_reject(&ks->neg, &opts, th->rst)) {
		/* RFC 7323 5.3 R1: an old duplicate; ACK and drop it. */
		if (!th->rst)
			ktcp_input_dupack(sk, skb, KTCP_MIB_PAWSREJECTED);
		goto drop;
	}
	if (ktcp_input_fastopen_syn(sk, skb))
		goto drop;
	if (!ktcp_input_seq_ok(ks, cb)) {
		if (!th->rst)
			ktcp_input_dupack(sk, skb, KTCP_MIB_OUTOFWINDOW);
		goto drop;
	}
	ks->rcv_tstamp = tcp_jiffies32;	/* the peer is alive */
	if (th->rst) {
		ktcp_input_rst(sk, skb);
		goto drop;
	}
	if (th->syn && !ktcp_input_simultaneous_synack(ks, skb)) {
		/* RFC 5961 4.2: a SYN on a connection gets a challenge ACK. */
		ktcp_xmit_oow_ack(sk, skb, KTCP_MIB_CHALLENGEACKS);
		goto drop;
	}
	dup = ktcp_input_is_dup(ks, cb);
	if (!th->ack || !ktcp_input_ack(sk, skb, &opts))
		goto drop;
	if (ktcp_rcvq_orphan_data(sk, skb))
		goto drop;
	ktcp_buf_rcv_rtt(sk, &opts, skb->len);
	ktcp_urg_rcv(sk, skb);	/* sixth step */
	end_seq = cb->end_seq;	/* the skb may be freed when consumed */
	if (ktcp_rcvq_data(sk, skb, &ack_now)) {
		in_order = !ack_now;
		skb = NULL;
	}
	if (fin && end_seq - 1 == ks->rcv_nxt) {
		ack_now |= ktcp_rcvq_fin(sk);
		in_order = true;
	}
	if (ktcp_ecn_ack_now(ks))	/* a segment with CWR */
		ack_now = true;
	if (ack_now || dup)
		ktcp_xmit_ack(sk);
	else if (in_order && ks->ack_pending)
		ktcp_rcvq_ack_snd_check(sk);
drop:
	kfree_skb(skb);
	return 0;
}
