/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Congestion control, as pure logic: windows in segments, time passed in by
 * the caller in microseconds, no sockets, no locks (the caller holds the
 * socket lock).
 *
 * The split follows Linux's: the generic layer (cong.c) owns the window
 * arithmetic every algorithm shares (slow start, fast recovery's window,
 * the cwnd of 1 after an RTO, the restart after idle); an algorithm
 * (struct ktcp_cc_ops) says how far to back off (ssthresh) and how to grow
 * in congestion avoidance, and keeps its state in cc->priv.
 *
 * What the caller (recovery.c, undo.c, output.c, timers.c) tells it:
 *   every ACK                    ktcp_cc_set_seq(), then ktcp_cc_on_ack()
 *   loss detected                ktcp_cc_enter_recovery()  (RFC 6937)
 *   ECE, or another congestion   ktcp_cc_enter_cwr()       (RFC 3168 6.1.2)
 *   each ACK in CWR or Recovery  ktcp_cc_reduction()       (RFC 6937 3)
 *   a segment sent in either     ktcp_cc_sent()
 *   SND.UNA passes "recover"     ktcp_cc_end_reduction(), ktcp_cc_open()
 *   the reduction was spurious   ktcp_cc_undo()            (RFC 3522, 5682)
 *   retransmission timeout       ktcp_cc_on_rto()
 *   sending, nothing in flight   ktcp_cc_on_idle()         (RFC 5681 4.1)
 * and it reads cc->cwnd to decide how much may be in flight.
 */
#ifndef _KTCP_CONG_H
#define _KTCP_CONG_H

#include <linux/types.h>

#define KTCP_CC_INIT_CWND		10		/* RFC 6928 */
#define KTCP_CC_INFINITE_SSTHRESH	0x7fffffffU	/* Linux's */
#define KTCP_CC_NAME_MAX		16		/* TCP_CA_NAME_MAX */
#define KTCP_CC_DEFAULT			"cubic"		/* as Linux */
#define KTCP_CC_PRIV_SIZE		80		/* bytes, for ops */

/* In Linux's order (enum tcp_ca_state, Disorder left out): compared. */
enum ktcp_cc_state {
	KTCP_CC_OPEN,		/* slow start or congestion avoidance */
	KTCP_CC_CWR,		/* reducing cwnd (ECE), nothing lost: PRR */
	KTCP_CC_RECOVERY,	/* fast recovery: PRR (RFC 6937), no growth */
	KTCP_CC_LOSS,		/* after an RTO, until recovery ends */
};

struct ktcp_cc;

/*
 * An algorithm. ssthresh and cong_avoid are required, the rest optional.
 * Names are Linux's, so TCP_CONGESTION strings carry over.
 */
struct ktcp_cc_ops {
	const char *name;
	/* Set up cc->priv; the generic layer has set cwnd and ssthresh. */
	void (*init)(struct ktcp_cc *cc);
	/* Loss or RTO detected: the new ssthresh (>= 2), from @flight. */
	u32 (*ssthresh)(struct ktcp_cc *cc, u32 flight);
	/* Congestion avoidance (cwnd >= ssthresh): grow for @acked. */
	void (*cong_avoid)(struct ktcp_cc *cc, u32 acked, u64 now_us);
	/* An RTT sample came with an ACK (any state, even app-limited). */
	void (*on_rtt)(struct ktcp_cc *cc, u32 rtt_us, u64 now_us);
	/* After an RTO, once ssthresh and cwnd are set. */
	void (*on_rto)(struct ktcp_cc *cc);
	/* Sending again with nothing in flight, last send @idle_us ago. */
	void (*on_tx_start)(struct ktcp_cc *cc, u64 idle_us, u64 now_us);
	/* A reduction was spurious: the cwnd to return to (undo_cwnd). */
	u32 (*undo_cwnd)(struct ktcp_cc *cc);
};

struct ktcp_cc {
	const struct ktcp_cc_ops *ops;
	u32 cwnd;		/* segments (RFC 5681 cwnd / SMSS) */
	u32 ssthresh;		/* segments */
	u32 cwnd_cnt;		/* acked segments towards the next +1 in CA */
	u32 prior_cwnd;		/* cwnd before the last reduction */
	u32 prr_delivered;	/* RFC 6937 prr_delivered: segments delivered */
	u32 prr_out;		/* RFC 6937 prr_out: segments sent */
	u64 event_us;		/* last recovery, RTO or idle restart */
	u32 snd_una;		/* the caller's SND.UNA and SND.NXT at this */
	u32 snd_nxt;		/* ACK (ktcp_cc_set_seq()), for per-round logic */
	u8 state;		/* enum ktcp_cc_state */
	u8 events;		/* KTCP_CC_EV_*, for the caller's counters */
	u64 priv[KTCP_CC_PRIV_SIZE / sizeof(u64)];	/* the algorithm's */
};

/* What an algorithm saw, for counters: the caller reads and clears them. */
#define KTCP_CC_EV_HYSTART_TRAIN	BIT(0)	/* ACK train ended slow start */
#define KTCP_CC_EV_HYSTART_DELAY	BIT(1)	/* RTT growth ended slow start */

/* Before ktcp_cc_on_ack(): where the sequence space stands. */
static inline void ktcp_cc_set_seq(struct ktcp_cc *cc, u32 snd_una,
				   u32 snd_nxt)
{
	cc->snd_una = snd_una;
	cc->snd_nxt = snd_nxt;
}

static inline void *ktcp_cc_priv(struct ktcp_cc *cc)
{
	return cc->priv;
}

static inline bool ktcp_cc_in_slow_start(const struct ktcp_cc *cc)
{
	return cc->cwnd < cc->ssthresh;
}

/* CWR or Recovery: PRR sets cwnd (Linux's tcp_in_cwnd_reduction()). */
static inline bool ktcp_cc_in_reduction(const struct ktcp_cc *cc)
{
	return cc->state == KTCP_CC_CWR || cc->state == KTCP_CC_RECOVERY;
}

/* The algorithms, and the registry of them: "cubic" (default), "reno". */
extern const struct ktcp_cc_ops ktcp_cc_cubic;
extern const struct ktcp_cc_ops ktcp_cc_reno;
const struct ktcp_cc_ops *ktcp_cc_find(const char *name);
void ktcp_cc_get_available(char *buf, size_t len);
const struct ktcp_cc_ops *ktcp_cc_default(void);

/* A new connection: cwnd = IW (RFC 6928), ssthresh infinite (RFC 5681 3.1). */
void ktcp_cc_init(struct ktcp_cc *cc, const struct ktcp_cc_ops *ops);
/*
 * The handshake is over after @syn_retrans retransmissions of our SYN
 * (tcp_init_transfer()): the window restarts at IW, or at 1 segment after
 * more than one retransmission. RFC 6298 5.7 and RFC 5681 3.1 ask for 1
 * after any; Linux keeps IW for a single one. ssthresh stays as the SYN's
 * timeouts set it.
 */
void ktcp_cc_init_transfer(struct ktcp_cc *cc, u32 syn_retrans);
/* TCP_CONGESTION on a live connection: keep the windows, restart @ops. */
void ktcp_cc_set_ops(struct ktcp_cc *cc, const struct ktcp_cc_ops *ops);

/*
 * An ACK newly delivered @acked segments (Linux's acked_sacked: newly
 * acked or SACKed; 0 when the ACK may not grow cwnd, tcp_may_raise_cwnd());
 * @rtt_us is its RTT sample, 0 if
 * none (pass 1 for a measured 0). @cwnd_limited: the sender was limited by
 * cwnd, not by the application or the peer's window, in the last window
 * (Linux's tcp_is_cwnd_limited()); otherwise cwnd does not grow (RFC 7661).
 */
void ktcp_cc_on_ack(struct ktcp_cc *cc, u32 acked, u32 rtt_us, u64 now_us,
		    bool cwnd_limited);

/*
 * Proportional Rate Reduction (RFC 6937), as Linux 6.12 does it.
 * ktcp_cc_enter_recovery() and ktcp_cc_enter_cwr() begin a reduction
 * (tcp_init_cwnd_reduction(): prior_cwnd, ssthresh from the algorithm,
 * prr_delivered = prr_out = 0) unless one is on; cwnd itself is left to
 * ktcp_cc_reduction(), which every ACK of the episode calls with what it
 * newly delivered (cumulatively acked or SACKed segments) and newly marked
 * lost, and the segments in flight after it (tcp_cwnd_reduction()):
 *   in flight > ssthresh: sndcnt = ceil(prr_delivered * ssthresh /
 *     prior_cwnd) - prr_out (the proportional part, RFC 6937 3);
 *   else: sndcnt = max(prr_delivered - prr_out, newly delivered), plus 1
 *     if SND.UNA advanced and nothing was newly lost, at most ssthresh -
 *     in flight (the slow-start reduction bound, RFC 6937's PRR-SSRB,
 *     with Linux 6.12's "newly lost" condition);
 *   at least 1 while nothing was sent yet (the fast retransmit goes);
 *   cwnd = in flight + sndcnt.
 * ktcp_cc_end_reduction() ends it at cwnd = ssthresh
 * (tcp_end_cwnd_reduction()) unless it was undone.
 */
void ktcp_cc_enter_recovery(struct ktcp_cc *cc, u32 flight, u64 now_us);
void ktcp_cc_enter_cwr(struct ktcp_cc *cc, u32 flight, u64 now_us);
void ktcp_cc_reduction(struct ktcp_cc *cc, u32 in_flight, u32 delivered,
		       u32 newly_lost, bool una_advanced);
void ktcp_cc_end_reduction(struct ktcp_cc *cc, bool undoable);
/* The state returns to Open, cwnd as it stands. */
void ktcp_cc_open(struct ktcp_cc *cc);

/* @n segments (new or resent) left in CWR or Recovery: prr_out. */
static inline void ktcp_cc_sent(struct ktcp_cc *cc, u32 n)
{
	if (ktcp_cc_in_reduction(cc))
		cc->prr_out += n;
}

/*
 * ssthresh to come back to if a reduction proves spurious: ssthresh itself
 * in a reduction, else at least 3/4 of cwnd (tcp_current_ssthresh()).
 */
u32 ktcp_cc_current_ssthresh(const struct ktcp_cc *cc);
void ktcp_cc_enter_loss_kept(struct ktcp_cc *cc);
/*
 * Undo a spurious reduction (tcp_undo_cwnd_reduction()): with
 * @prior_ssthresh non-zero (0: an ECE made it real), cwnd returns to the
 * algorithm's undo_cwnd and ssthresh to @prior_ssthresh if that is higher.
 */
void ktcp_cc_undo(struct ktcp_cc *cc, u32 prior_ssthresh);
/* Reno's and CUBIC's undo_cwnd (tcp_reno_undo_cwnd()). */
u32 ktcp_cc_reno_undo_cwnd(struct ktcp_cc *cc);

/*
 * The retransmission timer expired (RFC 5681 3.1, eq. 4 and LW = 1).
 * @reduce: this is the first timeout of this loss episode, so ssthresh is
 * lowered (RFC 5681: "when a segment ... is retransmitted the first time");
 * false for the backed-off timeouts that follow.
 */
void ktcp_cc_on_rto(struct ktcp_cc *cc, u32 flight, bool reduce, u64 now_us);

/*
 * About to send with nothing in flight, the last send @idle_us ago. If that
 * is more than @rto_us, restart from a smaller window (RFC 5681 4.1;
 * Linux's tcp_cwnd_restart(): halve once per RTO idle, down to
 * min(cwnd, IW)). @restart: the tcp_slow_start_after_idle sysctl.
 */
void ktcp_cc_on_idle(struct ktcp_cc *cc, u64 idle_us, u32 rto_us,
		     bool restart, u64 now_us);

/* For the algorithms: cwnd += 1 per @w segments acked (tcp_cong_avoid_ai). */
void ktcp_cc_cong_avoid_ai(struct ktcp_cc *cc, u32 w, u32 acked);

/*
 * CUBIC internals (cong_cubic.c), visible for KUnit. Time t and K are in
 * units of 1/1024 s (Linux's BICTCP_HZ), windows in segments.
 */
struct ktcp_cubic {
	u64 epoch_start_us;	/* start of this congestion avoidance epoch */
	u64 last_time_us;	/* when cnt was last computed */
	u32 cnt;		/* acked segments per cwnd + 1 */
	u32 w_max;		/* W_max (RFC 9438 4.6); 0 after an RTO */
	u32 last_cwnd;		/* cwnd when cnt was last computed */
	u32 origin;		/* W_cubic's plateau: W_max, or cwnd if above */
	u32 k;			/* K (RFC 9438 eq. 2), 1/1024 s */
	u32 delay_min_us;	/* smallest RTT: the curve looks this far ahead */
	u32 ack_cnt;		/* acked segments not yet in w_est */
	u32 w_est;		/* Reno-friendly estimate (RFC 9438 4.3) */
	bool in_epoch;		/* epoch_start_us is valid */
	/* HyStart (Linux's hystart_detect=3), per round of slow start. */
	bool hs_found;		/* slow start ended by HyStart */
	bool hs_round;		/* a round is being measured */
	u8 hs_samples;		/* RTT samples taken this round */
	u32 hs_end_seq;		/* the round ends when SND.UNA passes this */
	u32 hs_round_start;	/* (u32) us: when the round began */
	u32 hs_last_ack;	/* (u32) us: the last ACK of the train */
	u32 hs_curr_rtt;	/* smallest RTT of the round's first samples */
};

static inline struct ktcp_cubic *ktcp_cubic_priv(struct ktcp_cc *cc)
{
	return ktcp_cc_priv(cc);
}

/* TCP_INFO: Linux's enum tcp_ca_state value for @cc's state. */
u8 ktcp_cc_ca_state(const struct ktcp_cc *cc, bool disorder);

u32 ktcp_cubic_cbrt(u64 a);
u32 ktcp_cubic_k(u32 w_max, u32 cwnd);
u32 ktcp_cubic_target(u32 origin, u32 k, u64 t);

#endif /* _KTCP_CONG_H */
