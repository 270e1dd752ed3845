// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control, the generic layer: the window arithmetic shared by
 * every algorithm, and the registry of algorithms. Linux keeps the same
 * split between tcp_cong.c / tcp_input.c / tcp_output.c and the
 * tcp_congestion_ops modules.
 *
 * Fast recovery and CWR reduce cwnd by Proportional Rate Reduction
 * (RFC 6937) as Linux 6.12's tcp_cwnd_reduction() does; cong.h says how.
 */

#include <linux/array_size.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sprintf.h>
#include <linux/string.h>
#include <uapi/linux/tcp.h>

#include "cong.h"

/* The first is the default (KTCP_CC_DEFAULT). */
static const struct ktcp_cc_ops *const ktcp_cc_list[] = {
	&ktcp_cc_cubic,
	&ktcp_cc_reno,
};

/*
 * Exact, case-sensitive match on a NUL-terminated name, as Linux's
 * tcp_ca_find(): "cubic", "reno". NULL if unknown.
 */
const struct ktcp_cc_ops *ktcp_cc_find(const char *name)
{
	unsigned int i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(ktcp_cc_list); i++)
		if (!strcmp(ktcp_cc_list[i]->name, name))
			return ktcp_cc_list[i];
	return NULL;
}

/*
 * The names, space-separated, in @buf of @len bytes
 * (tcp_get_available_congestion_control()).
 */
void ktcp_cc_get_available(char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(ktcp_cc_list) && off < len; i++)
		off += scnprintf(buf + off, len - off, "%s%s", i ? " " : "",
				 ktcp_cc_list[i]->name);
}

const struct ktcp_cc_ops *ktcp_cc_default(void)
{
	return ktcp_cc_list[0];
}

void ktcp_cc_init(struct ktcp_cc *cc, const struct ktcp_cc_ops *ops)
{
	memset(cc, 0, sizeof(*cc));
	cc->cwnd = KTCP_CC_INIT_CWND;			/* RFC 6928 2 */
	cc->ssthresh = KTCP_CC_INFINITE_SSTHRESH;	/* RFC 5681 3.1 */
	cc->state = KTCP_CC_OPEN;
	ktcp_cc_set_ops(cc, ops ?: ktcp_cc_default());
}

void ktcp_cc_init_transfer(struct ktcp_cc *cc, u32 syn_retrans)
{
	/*
	 * tcp_init_metrics(): what the handshake did to ssthresh (a CWR on
	 * a refused SYN, say) is undone.
	 */
	cc->ssthresh = KTCP_CC_INFINITE_SSTHRESH;
	cc->cwnd = syn_retrans > 1 ? 1 : KTCP_CC_INIT_CWND;
	cc->cwnd_cnt = 0;
	cc->state = KTCP_CC_OPEN;
}

/* As tcp_reinit_congestion_control(): fresh private state, same windows. */
void ktcp_cc_set_ops(struct ktcp_cc *cc, const struct ktcp_cc_ops *ops)
{
	WRITE_ONCE(cc->ops, ops);	/* TCP_CONGESTION reads it lockless */
	memset(cc->priv, 0, sizeof(cc->priv));
	if (ops->init)
		ops->init(cc);
}

/*
 * RFC 5681 3.1 slow start, counting segments acked (RFC 3465 with no limit
 * L, as Linux's tcp_slow_start()): cwnd grows by @acked but stops at
 * ssthresh. Returns what is left of @acked for congestion avoidance.
 */
static u32 ktcp_cc_slow_start(struct ktcp_cc *cc, u32 acked)
{
	u32 cwnd = min(cc->cwnd + acked, cc->ssthresh);

	acked -= cwnd - cc->cwnd;
	cc->cwnd = cwnd;
	return acked;
}

/*
 * Congestion avoidance's additive increase, cwnd += 1 per @w segments
 * acked (RFC 5681 3.1 eq. 3 with w = cwnd). Credits counted against a
 * larger w earlier are applied gently: at most one step at once.
 */
void ktcp_cc_cong_avoid_ai(struct ktcp_cc *cc, u32 w, u32 acked)
{
	u32 delta;

	w = max(w, 1U);
	if (cc->cwnd_cnt >= w) {
		cc->cwnd_cnt = 0;
		cc->cwnd++;
	}
	cc->cwnd_cnt += acked;
	if (cc->cwnd_cnt >= w) {
		delta = cc->cwnd_cnt / w;
		cc->cwnd_cnt -= delta * w;
		cc->cwnd += delta;
	}
}

void ktcp_cc_on_ack(struct ktcp_cc *cc, u32 acked, u32 rtt_us, u64 now_us,
		    bool cwnd_limited)
{
	if (rtt_us && cc->ops->on_rtt)
		cc->ops->on_rtt(cc, rtt_us, now_us);
	/* PRR sets cwnd in a reduction; RFC 7661: no growth while idle. */
	if (!acked || !cwnd_limited || ktcp_cc_in_reduction(cc))
		return;
	if (ktcp_cc_in_slow_start(cc)) {
		acked = ktcp_cc_slow_start(cc, acked);
		if (!acked)
			return;
	}
	cc->ops->cong_avoid(cc, acked, now_us);
}

static u32 ktcp_cc_ssthresh(struct ktcp_cc *cc, u32 flight)
{
	u32 ssthresh = cc->ops->ssthresh(cc, flight);

	return max(ssthresh, 2U);
}

/* tcp_init_cwnd_reduction(): the start of a PRR episode. */
static void ktcp_cc_init_reduction(struct ktcp_cc *cc, u32 flight,
				   u64 now_us)
{
	cc->cwnd_cnt = 0;
	cc->prior_cwnd = cc->cwnd;
	cc->prr_delivered = 0;
	cc->prr_out = 0;
	cc->ssthresh = ktcp_cc_ssthresh(cc, flight);
	cc->event_us = now_us;
}

/* tcp_enter_recovery(): a reduction already on (CWR) goes on. */
void ktcp_cc_enter_recovery(struct ktcp_cc *cc, u32 flight, u64 now_us)
{
	if (!ktcp_cc_in_reduction(cc))
		ktcp_cc_init_reduction(cc, flight, now_us);
	cc->state = KTCP_CC_RECOVERY;
}

/* tcp_enter_cwr(): once, from Open only. */
void ktcp_cc_enter_cwr(struct ktcp_cc *cc, u32 flight, u64 now_us)
{
	if (cc->state >= KTCP_CC_CWR)
		return;
	ktcp_cc_init_reduction(cc, flight, now_us);
	cc->state = KTCP_CC_CWR;
}

/* RFC 6937 3 and tcp_cwnd_reduction(); cong.h has the arithmetic. */
void ktcp_cc_reduction(struct ktcp_cc *cc, u32 in_flight, u32 delivered,
		       u32 newly_lost, bool una_advanced)
{
	int delta = (int)cc->ssthresh - (int)in_flight;
	int sndcnt;
	u64 dividend;

	if (!delivered || !cc->prior_cwnd)
		return;
	cc->prr_delivered += delivered;
	if (delta < 0) {
		dividend = (u64)cc->ssthresh * cc->prr_delivered +
			   cc->prior_cwnd - 1;
		sndcnt = (int)div_u64(dividend, cc->prior_cwnd) -
			 (int)cc->prr_out;
	} else {
		sndcnt = max_t(int, (int)cc->prr_delivered - (int)cc->prr_out,
			       (int)delivered);
		if (una_advanced && !newly_lost)
			sndcnt++;
		sndcnt = min(delta, sndcnt);
	}
	/* The fast retransmit goes at once (RFC 6937 3, "at least one"). */
	sndcnt = max(sndcnt, cc->prr_out ? 0 : 1);
	cc->cwnd = in_flight + sndcnt;
}

/*
 * tcp_end_cwnd_reduction(): cwnd = ssthresh at the end of CWR, or of a
 * recovery not undone (@undoable: its undo_marker still set).
 */
void ktcp_cc_end_reduction(struct ktcp_cc *cc, bool undoable)
{
	if (cc->ssthresh < KTCP_CC_INFINITE_SSTHRESH &&
	    (cc->state == KTCP_CC_CWR || undoable)) {
		cc->cwnd = cc->ssthresh;
		cc->cwnd_cnt = 0;
	}
}

void ktcp_cc_open(struct ktcp_cc *cc)
{
	cc->state = KTCP_CC_OPEN;
}

/*
 * tcp_non_congestion_loss_retransmit(): Loss, for data lost for another
 * reason than congestion; cwnd stays, ssthresh becomes at least 3/4 of it.
 */
void ktcp_cc_enter_loss_kept(struct ktcp_cc *cc)
{
	if (cc->state == KTCP_CC_LOSS)
		return;
	cc->ssthresh = ktcp_cc_current_ssthresh(cc);
	cc->state = KTCP_CC_LOSS;
}

u32 ktcp_cc_current_ssthresh(const struct ktcp_cc *cc)
{
	if (ktcp_cc_in_reduction(cc))
		return cc->ssthresh;
	return max(cc->ssthresh, (cc->cwnd >> 1) + (cc->cwnd >> 2));
}

u32 ktcp_cc_reno_undo_cwnd(struct ktcp_cc *cc)
{
	return max(cc->cwnd, cc->prior_cwnd);
}

void ktcp_cc_undo(struct ktcp_cc *cc, u32 prior_ssthresh)
{
	if (!prior_ssthresh)
		return;
	cc->cwnd = cc->ops->undo_cwnd ? cc->ops->undo_cwnd(cc) :
					ktcp_cc_reno_undo_cwnd(cc);
	cc->ssthresh = max(cc->ssthresh, prior_ssthresh);
}

/*
 * RFC 5681 3.1: ssthresh by eq. 4 on the first timeout of an episode, and
 * cwnd = LW = 1 (Linux: in flight + 1, which is 1 once everything
 * outstanding is marked lost). The caller keeps what undo needs
 * (tcp_enter_loss(): prior_ssthresh) before it calls this.
 */
void ktcp_cc_on_rto(struct ktcp_cc *cc, u32 flight, bool reduce, u64 now_us)
{
	if (reduce) {
		cc->prior_cwnd = cc->cwnd;
		cc->ssthresh = ktcp_cc_ssthresh(cc, flight);
	}
	cc->cwnd = 1;
	cc->cwnd_cnt = 0;
	cc->event_us = now_us;
	cc->state = KTCP_CC_LOSS;
	if (cc->ops->on_rto)
		cc->ops->on_rto(cc);
}

/*
 * Linux's tcp_cwnd_restart(): remember 3/4 of the window in ssthresh
 * (tcp_current_ssthresh()), then halve cwnd once for every RTO of idle
 * time beyond the first, never below min(cwnd, IW) (RFC 5681 4.1's
 * restart window; the halving is RFC 2861's decay).
 */
static void ktcp_cc_restart(struct ktcp_cc *cc, u64 idle_us, u32 rto_us,
			    u64 now_us)
{
	u32 restart = min_t(u32, KTCP_CC_INIT_CWND, cc->cwnd);
	u32 cwnd = cc->cwnd;

	if (!ktcp_cc_in_reduction(cc))
		cc->ssthresh = max(cc->ssthresh, (cwnd >> 1) + (cwnd >> 2));
	/* At most 32 rounds: each one halves cwnd. */
	while (idle_us > rto_us && cwnd > restart) {
		idle_us -= rto_us;
		cwnd >>= 1;
	}
	cc->cwnd = max(cwnd, restart);
	cc->event_us = now_us;
}

void ktcp_cc_on_idle(struct ktcp_cc *cc, u64 idle_us, u32 rto_us,
		     bool restart, u64 now_us)
{
	if (restart && idle_us > rto_us)
		ktcp_cc_restart(cc, idle_us, rto_us, now_us);
	if (cc->ops->on_tx_start)
		cc->ops->on_tx_start(cc, idle_us, now_us);
}

/*
 * Linux's icsk_ca_state for @cc (enum tcp_ca_state, TCP_INFO's ca_state):
 * Open, or Disorder (tcp_try_to_open()) while @disorder (dupacks or SACKed
 * segments) in Open; CWR; Recovery; Loss.
 */
u8 ktcp_cc_ca_state(const struct ktcp_cc *cc, bool disorder)
{
	switch (cc->state) {
	case KTCP_CC_CWR:
		return TCP_CA_CWR;
	case KTCP_CC_RECOVERY:
		return TCP_CA_Recovery;
	case KTCP_CC_LOSS:
		return TCP_CA_Loss;
	}
	return disorder ? TCP_CA_Disorder : TCP_CA_Open;
}
