/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RACK-TLP (RFC 8985) as Linux 6.12 runs it by default
 * (net/ipv4/tcp_recovery.c, tcp_schedule_loss_probe()): the per-socket
 * RACK state, and the arithmetic that needs no socket (KUnit tests it):
 * the reordering window, how long a segment may still wait, the probe
 * timeout. rack.c holds what walks the write queue.
 *
 * Times are (u32)tcp_clock_us(), as ktcp_skb_cb.when: a segment is never
 * outstanding for the 35 minutes after which the comparisons would wrap.
 *
 * Locking: none inside; the caller holds the socket lock.
 */
#ifndef _KTCP_RACK_H
#define _KTCP_RACK_H

#include <linux/types.h>

/* net.ktcp.recovery, Linux's net.ipv4.tcp_recovery bits. */
#define KTCP_RACK_LOSS_DETECTION	0x1	/* RACK marks segments lost */
#define KTCP_RACK_STATIC_REO_WND	0x2	/* no D-SACK adaptation */
#define KTCP_RACK_NO_DUPTHRESH		0x4	/* keep the window at DupThresh */
#define KTCP_RECOVERY_DEFAULT		KTCP_RACK_LOSS_DETECTION

#define KTCP_RACK_RECOVERY_THRESH	16	/* TCP_RACK_RECOVERY_THRESH */
#define KTCP_TIMEOUT_MIN_US		2000	/* TCP_TIMEOUT_MIN_US */
#define KTCP_MAX_REORDERING		300	/* tcp_max_reordering */

/* tcp_sock.rack: the most recently sent segment known delivered. */
struct ktcp_rack {
	u32 mstamp;		/* its (last) transmission time */
	u32 rtt_us;		/* RTT measured with it */
	u32 end_seq;		/* its end, to order equal times */
	u32 last_delivered;	/* delivered when reo_wnd last grew */
	u8 reo_wnd_steps;	/* reo_wnd in min_rtt/4 steps, from 1 */
	u8 reo_wnd_persist:5,	/* recoveries left before steps drop to 1 */
	   dsack_seen:1,	/* a D-SACK asks to widen the window */
	   advanced:1;		/* mstamp moved: look for losses again */
};

/* tcp_skb_sent_after(): was (t1, seq1) sent after (t2, seq2)? */
static inline bool ktcp_rack_sent_after(u32 t1, u32 t2, u32 seq1, u32 seq2)
{
	return (s32)(t1 - t2) > 0 || (t1 == t2 && (s32)(seq1 - seq2) > 0);
}

/*
 * tcp_rack_reo_wnd(): the reordering window. Zero while no reordering
 * was seen and either recovery is on (@in_recovery) or the DupThresh
 * rule would already call the hole lost (@dupthresh: sacked_out >=
 * reordering, unless KTCP_RACK_NO_DUPTHRESH); else min_rtt/4 per step,
 * at most SRTT (@srtt_us, plain microseconds).
 */
u32 ktcp_rack_reo_wnd_calc(u32 min_rtt_us, u32 srtt_us, u8 steps,
			   bool reord_seen, bool in_recovery, bool dupthresh);

/*
 * tcp_rack_skb_timeout(): how long a segment sent at @xmit may still wait
 * at @now before it counts as lost; <= 0: lost now.
 */
static inline s32 ktcp_rack_remaining(u32 rack_rtt_us, u32 reo_wnd, u32 now,
				      u32 xmit)
{
	return (s32)(rack_rtt_us + reo_wnd - (now - xmit));
}

/*
 * tcp_schedule_loss_probe()'s probe timeout in jiffies: 2 * SRTT (@srtt8
 * is SRTT << 3, 0 for none: TCP_TIMEOUT_INIT), plus TCP_RTO_MIN for a
 * delayed ACK when only one segment is out, else TCP_TIMEOUT_MIN; never
 * after the RTO would fire, @rto_delta_us from now (ignored if <= 0).
 */
unsigned long ktcp_rack_pto(u32 srtt8, u32 packets_out, s64 rto_delta_us);

#endif /* _KTCP_RACK_H */
