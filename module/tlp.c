// SPDX-License-Identifier: GPL-2.0
/*
 * The tail loss probe's timer (RFC 8985 7): when to arm it in place of the
 * RTO (tcp_schedule_loss_probe()), what an ACK says about a probe episode
 * (tcp_process_tlp_ack()), and the RTO re-armed, from the head's
 * transmission, after the probe or RACK's reordering timer
 * (tcp_rearm_rto()). The probe itself is sent by output.c, the reordering
 * timer's losses marked by recovery.c.
 *
 * Context: the socket lock is held by the caller in every function.
 */

#include "ktcp.h"
#include "recovery.h"

/* The first transmission time still outstanding: the head's. */
static s64 ktcp_tlp_rto_delta_us(struct sock *sk)
{
	struct sk_buff *head = ktcp_recovery_head(sk);
	u32 rto_us = jiffies_to_usecs(ktcp_rto(ktcp_sk(sk)));

	if (!head)
		return rto_us;
	return (s64)rto_us - (s32)((u32)tcp_clock_us() - KTCP_SKB_CB(head)->when);
}

/*
 * tcp_rearm_rto(): the RTO again, after the reordering timer or a loss
 * probe: counted from the head's transmission, not from now.
 */
void ktcp_tlp_rearm_rto(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	unsigned long rto = ktcp_rto(ks);

	sock_owned_by_me(sk);
	if (!ks->packets_out) {
		ktcp_timer_sk_clear(sk, &ks->rtx_timer);
		return;
	}
	if (ks->rtx_pending == KTCP_TIME_REO ||
	    ks->rtx_pending == KTCP_TIME_PROBE)
		rto = usecs_to_jiffies(max_t(s64, ktcp_tlp_rto_delta_us(sk), 1));
	ktcp_rtx_arm(sk, KTCP_TIME_RETRANS, rto);
}

/*
 * Linux's Disorder state (tcp_try_keep_open()): segments SACKed or lost,
 * or a retransmission out.
 */
static bool ktcp_tlp_disorder(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *head = ktcp_recovery_head(sk);

	return ks->sacked_out || ks->lost_out || ks->retrans_out ||
	       (head && KTCP_SKB_CB(head)->retransmitted);
}

/*
 * tcp_schedule_loss_probe() (RFC 8985 7.2): with net.ktcp.early_retrans 3
 * or 4 (Linux's values that enable TLP), SACK and segments out, in
 * Open (not Linux's Disorder) or CWR, arm the probe timer (ktcp_rack_pto())
 * instead of the RTO. @advancing_rto: an ACK just restarted the RTO, so
 * the probe must come before a full RTO from now; otherwise before the RTO
 * the head has left. Returns false if no probe was armed.
 */
bool ktcp_tlp_schedule(struct sock *sk, bool advancing_rto)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int early_retrans;
	s64 rto_delta;

	sock_owned_by_me(sk);
	early_retrans = READ_ONCE(ktcp_pernet(sock_net(sk))->early_retrans);
	if ((early_retrans != 3 && early_retrans != 4) ||
	    !ks->packets_out || !ks->neg.sack_ok)
		return false;
	/* None before a Fast Open child's SYN-ACK is acknowledged. */
	if (ktcp_fastopen_passive(sk))
		return false;
	if (ks->cc.state != KTCP_CC_CWR &&
	    (ks->cc.state != KTCP_CC_OPEN || ktcp_tlp_disorder(sk)))
		return false;
	rto_delta = advancing_rto ? jiffies_to_usecs(ktcp_rto(ks)) :
				    ktcp_tlp_rto_delta_us(sk);
	ktcp_rtx_arm(sk, KTCP_TIME_PROBE,
		     ktcp_rack_pto(ks->rtt.srtt_us, ks->packets_out,
				   rto_delta));
	return true;
}

/*
 * tcp_process_tlp_ack() (RFC 8985 7.4): an ACK during a loss probe
 * episode, before the state machine runs. At or above the probe: a probe
 * of new data, a D-SACK of the probe, or a plain duplicate means nothing
 * was lost and the episode ends; an ACK above it otherwise shows the probe
 * repaired a loss, so cwnd is reduced once, through CWR at once ended
 * (tcp_init_cwnd_reduction(), tcp_end_cwnd_reduction(),
 * tcp_try_keep_open()). @not_dup: the ACK carried data or a window update.
 */
void ktcp_tlp_ack(struct sock *sk, u32 prior_una, bool not_dup,
		  u32 newly_sacked)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 ack = ks->snd_una;

	sock_owned_by_me(sk);
	if (!ks->tlp_high_seq || ktcp_seq_before(ack, ks->tlp_high_seq))
		return;
	if (!ks->tlp_retrans || (ks->ack_flag & KTCP_ACK_DSACK_TLP)) {
		ks->tlp_high_seq = 0;
	} else if (ktcp_seq_after(ack, ks->tlp_high_seq)) {
		ks->tlp_high_seq = 0;
		ktcp_recovery_enter_cwr(sk);
		if (ks->cc.state == KTCP_CC_CWR) {
			ktcp_cc_end_reduction(&ks->cc, false);
			ktcp_cc_open(&ks->cc);
		}
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_LOSSPROBERECOVERY);
	} else if (ack == prior_una && !not_dup && !newly_sacked) {
		ks->tlp_high_seq = 0;
	}
}
