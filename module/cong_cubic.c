// SPDX-License-Identifier: GPL-2.0
/*
 * CUBIC (RFC 9438), following Linux's net/ipv4/tcp_cubic.c in integer
 * fixed point: time in units of 1/1024 s, C = 410/1024 (0.4004),
 * beta_cubic = 717/1024 (0.7002), windows in segments.
 *
 *   W_cubic(t) = C * (t - K)^3 + W_max                    (RFC 9438 eq. 1)
 *   K = cbrt((W_max - cwnd_epoch) / C)                    (RFC 9438 eq. 2)
 *
 * At the start of a congestion avoidance epoch (the first ACK after a
 * reduction) K and the curve's origin are fixed. On each ACK the target is
 * the curve one minimum RTT ahead (RFC 9438 4.2: W_cubic(t + RTT)), and
 * cwnd grows by one per cnt acked segments, cnt = cwnd / (target - cwnd),
 * so that cwnd reaches the target in about one RTT. The Reno-friendly
 * estimate W_est (RFC 9438 4.3) caps cnt when Reno would be faster.
 *
 * As in Linux: fast convergence (RFC 9438 4.7) is on; ssthresh is
 * cwnd * beta_cubic (RFC 9438 4.6 allows cwnd for flight_size when cwnd
 * cannot grow while app-limited, which ktcp_cc_on_ack() ensures); after an
 * RTO, W_max is forgotten so the next epoch starts at K = 0 (RFC 9438 4.8);
 * W_est grows with alpha_cubic = 3(1 - beta)/(1 + beta) throughout (Linux
 * does not switch to alpha = 1 above W_max); cwnd grows at most 1 per 2
 * acked segments, and at most 5% per RTT before any loss is known.
 *
 * HyStart, as Linux's (hystart=1, hystart_detect=3), ends slow start
 * before it overflows a queue: from cwnd 16 on, per round (one window of
 * data, tracked by SND.NXT), if the ACKs of the round keep arriving in a
 * train (each within 2 ms of the last) for longer than half the minimum
 * RTT plus 1 ms, the pipe is full (ACK train); or if the smallest RTT of
 * the round's first 8 samples exceeds the minimum RTT by an eighth of it,
 * clamped to 4..16 ms, a queue is building (delay increase). Either way
 * ssthresh = cwnd: congestion avoidance from here.
 *
 * Differences from Linux:
 * - HyStart's ACK-train allowance is Linux's for rates below 262 MB/s,
 *   1 ms (hystart_ack_delay() shrinks it at higher pacing rates).
 * - Time is microseconds, not jiffies, so cnt is recomputed on every ACK
 *   that changes cwnd (Linux: at most once per jiffy), and still only every
 *   1/32 s while cwnd stands still.
 * - |t - K| is capped at 256 s, so C * |t - K|^3 cannot overflow 64 bits
 *   on very long epochs (Linux's arithmetic wraps there).
 */

#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/time64.h>

#include "cong.h"

#define CUBIC_BETA_SHIFT	10
#define CUBIC_BETA		717	/* beta_cubic = 0.7, in 1/1024 */
#define CUBIC_HZ_SHIFT		10	/* t and K in 1/1024 s */
#define CUBIC_C			410	/* C = 0.4, in 1/1024 */
/*
 * K^3 = (W_max - cwnd) / C, with K in 1/1024 s:
 * K^3 = (W_max - cwnd) * 2^(3 * CUBIC_HZ_SHIFT + 10) / CUBIC_C.
 */
#define CUBIC_CUBE_FACTOR	2681735677ULL	/* 2^40 / 410 */
/* 8 / alpha_cubic = 8 (1 + beta) / (3 (1 - beta)), truncated as Linux. */
#define CUBIC_FRIENDLY_SCALE	15
#define CUBIC_UPDATE_US		(USEC_PER_SEC / 32)
#define CUBIC_OFFS_MAX		BIT_ULL(18)	/* |t - K| cap, 256 s */
#define CUBIC_CNT_NO_LOSS	20	/* 5% per RTT while W_max is 0 */
#define HYSTART_LOW_WINDOW	16	/* segments: below, no HyStart */
#define HYSTART_MIN_SAMPLES	8
#define HYSTART_ACK_DELTA_US	2000	/* ACKs this close form a train */
#define HYSTART_ACK_DELAY_US	1000	/* hystart_ack_delay() below 262 MB/s */
#define HYSTART_DELAY_MIN_US	4000
#define HYSTART_DELAY_MAX_US	16000

/*
 * cbrt(a), within about 0.2%: an estimate from the top bits of @a through
 * a table, then one Newton-Raphson step (Linux's cubic_root()).
 */
u32 ktcp_cubic_cbrt(u64 a)
{
	/* v[x] = cbrt(x << 18) - 1, hand-tuned: cbrt(x) ~ (v[x] + 10) >> 6 */
	static const u8 v[] = {
		/* 0x00 */    0,   54,   54,   54,  118,  118,  118,  118,
		/* 0x08 */  123,  129,  134,  138,  143,  147,  151,  156,
		/* 0x10 */  157,  161,  164,  168,  170,  173,  176,  179,
		/* 0x18 */  181,  185,  187,  190,  192,  194,  197,  199,
		/* 0x20 */  200,  202,  204,  206,  209,  211,  213,  215,
		/* 0x28 */  217,  219,  221,  222,  224,  225,  227,  229,
		/* 0x30 */  231,  232,  234,  236,  237,  239,  240,  242,
		/* 0x38 */  244,  245,  246,  248,  250,  251,  252,  254,
	};
	u32 x, b, top;

	b = fls64(a);
	if (b < 7)		/* a < 64: the table alone */
		return ((u32)v[(u32)a] + 35) >> 6;

	/* b = about bits / 3 - 1, so that a >> 3b is in [0, 63] */
	b = ((b * 84) >> 8) - 1;
	top = a >> (b * 3);
	x = ((u32)(((u32)v[top] + 10) << b)) >> 6;

	/* x' = (2x + a / x^2) / 3, with x(x - 1) and 341/1024 for 1/3 */
	x = 2 * x + (u32)div64_u64(a, (u64)x * (u64)(x - 1));
	return (x * 341) >> 10;
}

/* K (RFC 9438 eq. 2) for an epoch starting at @cwnd below @w_max. */
u32 ktcp_cubic_k(u32 w_max, u32 cwnd)
{
	if (w_max <= cwnd)
		return 0;
	return ktcp_cubic_cbrt(CUBIC_CUBE_FACTOR * (w_max - cwnd));
}

/* W_cubic(t) = C * (t - K)^3 + origin (RFC 9438 eq. 1), t in 1/1024 s. */
u32 ktcp_cubic_target(u32 origin, u32 k, u64 t)
{
	bool below = t < k;
	u64 offs = below ? k - t : t - k;
	u64 delta;

	offs = min_t(u64, offs, CUBIC_OFFS_MAX);
	delta = (CUBIC_C * offs * offs * offs) >> (3 * CUBIC_HZ_SHIFT + 10);
	if (below)
		return delta < origin ? origin - (u32)delta : 0;
	return min_t(u64, (u64)origin + delta, U32_MAX);
}

/* RFC 9438 4.2: a new epoch begins at the first ACK after a reduction. */
static void ktcp_cubic_epoch_start(struct ktcp_cubic *ca, u32 cwnd,
				   u32 acked, u64 now_us)
{
	ca->in_epoch = true;
	ca->epoch_start_us = now_us;
	ca->ack_cnt = acked;
	ca->w_est = cwnd;			/* RFC 9438 4.3 */
	if (ca->w_max <= cwnd) {
		/* Above the old maximum (or none): convex from here. */
		ca->k = 0;
		ca->origin = cwnd;
	} else {
		ca->k = ktcp_cubic_k(ca->w_max, cwnd);
		ca->origin = ca->w_max;
	}
}

/* RFC 9438 4.4 and 4.5: cnt from the curve one minimum RTT ahead. */
static void ktcp_cubic_curve_cnt(struct ktcp_cubic *ca, u32 cwnd, u64 now_us)
{
	u64 t = 0;
	u32 target;

	if (now_us > ca->epoch_start_us)
		t = now_us - ca->epoch_start_us;
	t += ca->delay_min_us;
	t = div_u64(t << CUBIC_HZ_SHIFT, USEC_PER_SEC);
	target = ktcp_cubic_target(ca->origin, ca->k, t);

	if (target > cwnd)
		ca->cnt = cwnd / (target - cwnd);
	else
		ca->cnt = 100 * cwnd;		/* plateau: very slow */

	/* No loss seen yet: the curve knows nothing; grow 5% per RTT. */
	if (ca->w_max == 0 && ca->cnt > CUBIC_CNT_NO_LOSS)
		ca->cnt = CUBIC_CNT_NO_LOSS;
}

/*
 * RFC 9438 4.3: W_est grows by alpha_cubic per cwnd of acked segments,
 * i.e. by one per cwnd * 8 / alpha_cubic / 8 acked; if Reno would be
 * ahead of the curve, grow at Reno's pace instead.
 */
static void ktcp_cubic_friendly_cnt(struct ktcp_cubic *ca, u32 cwnd)
{
	u32 per_seg = max((cwnd * CUBIC_FRIENDLY_SCALE) >> 3, 1U);
	u32 n;

	if (ca->ack_cnt > per_seg) {
		n = (ca->ack_cnt - 1) / per_seg;
		ca->ack_cnt -= n * per_seg;
		ca->w_est += n;
	}
	if (ca->w_est > cwnd)
		ca->cnt = min(ca->cnt, cwnd / (ca->w_est - cwnd));
}

/* Linux's bictcp_update(): recompute cnt for this ACK. */
static void ktcp_cubic_update(struct ktcp_cubic *ca, u32 cwnd, u32 acked,
			      u64 now_us)
{
	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd &&
	    (s64)(now_us - ca->last_time_us) <= CUBIC_UPDATE_US)
		return;
	ca->last_cwnd = cwnd;
	ca->last_time_us = now_us;

	if (!ca->in_epoch)
		ktcp_cubic_epoch_start(ca, cwnd, acked, now_us);
	ktcp_cubic_curve_cnt(ca, cwnd, now_us);
	ktcp_cubic_friendly_cnt(ca, cwnd);
	/* At most one segment per two acked: 1.5x per RTT. */
	ca->cnt = max(ca->cnt, 2U);
}

static void ktcp_cubic_init(struct ktcp_cc *cc)
{
	BUILD_BUG_ON(sizeof(struct ktcp_cubic) > KTCP_CC_PRIV_SIZE);
	memset(ktcp_cubic_priv(cc), 0, sizeof(struct ktcp_cubic));
}

static void ktcp_cubic_cong_avoid(struct ktcp_cc *cc, u32 acked, u64 now_us)
{
	struct ktcp_cubic *ca = ktcp_cubic_priv(cc);

	ktcp_cubic_update(ca, cc->cwnd, acked, now_us);
	ktcp_cc_cong_avoid_ai(cc, ca->cnt, acked);
}

/*
 * RFC 9438 4.6 and 4.7: the epoch ends; W_max is cwnd, or with fast
 * convergence (cwnd below the last W_max: a new flow is taking bandwidth)
 * cwnd * (1 + beta) / 2; ssthresh = cwnd * beta.
 */
static u32 ktcp_cubic_ssthresh(struct ktcp_cc *cc, u32 flight)
{
	struct ktcp_cubic *ca = ktcp_cubic_priv(cc);
	u64 cwnd = cc->cwnd;

	ca->in_epoch = false;
	if (cc->cwnd < ca->w_max)
		ca->w_max = (cwnd * ((1 << CUBIC_BETA_SHIFT) + CUBIC_BETA)) >>
			    (CUBIC_BETA_SHIFT + 1);
	else
		ca->w_max = cc->cwnd;
	return max_t(u32, (cwnd * CUBIC_BETA) >> CUBIC_BETA_SHIFT, 2);
}

/* RFC 9438 4.8: after an RTO start afresh (Linux's bictcp_reset()). */
static void ktcp_cubic_on_rto(struct ktcp_cc *cc)
{
	memset(ktcp_cubic_priv(cc), 0, sizeof(struct ktcp_cubic));
}

/* A new HyStart round: the window just sent (bictcp_hystart_reset()). */
static void ktcp_hystart_reset(struct ktcp_cc *cc, u32 now)
{
	struct ktcp_cubic *ca = ktcp_cubic_priv(cc);

	ca->hs_round = true;
	ca->hs_round_start = now;
	ca->hs_last_ack = now;
	ca->hs_end_seq = cc->snd_nxt;
	ca->hs_curr_rtt = U32_MAX;
	ca->hs_samples = 0;
}

static void ktcp_hystart_found(struct ktcp_cc *cc, u8 event)
{
	ktcp_cubic_priv(cc)->hs_found = true;
	cc->ssthresh = cc->cwnd;
	cc->events |= event;
}

/* One RTT sample in slow start (hystart_update()). */
static void ktcp_hystart_update(struct ktcp_cc *cc, u32 rtt_us, u32 now)
{
	struct ktcp_cubic *ca = ktcp_cubic_priv(cc);
	u32 thresh;

	if (!ca->hs_round || (s32)(cc->snd_una - ca->hs_end_seq) > 0)
		ktcp_hystart_reset(cc, now);
	if (cc->cwnd < HYSTART_LOW_WINDOW)
		return;
	/* ACK train: the round's ACKs still come back to back. */
	if ((s32)(now - ca->hs_last_ack) <= HYSTART_ACK_DELTA_US) {
		ca->hs_last_ack = now;
		thresh = (ca->delay_min_us + HYSTART_ACK_DELAY_US) >> 1;
		if ((s32)(now - ca->hs_round_start) > (s32)thresh) {
			ktcp_hystart_found(cc, KTCP_CC_EV_HYSTART_TRAIN);
			return;
		}
	}
	/* Delay increase over the round's first samples. */
	if (ca->hs_samples < HYSTART_MIN_SAMPLES) {
		ca->hs_curr_rtt = min(ca->hs_curr_rtt, rtt_us);
		ca->hs_samples++;
		return;
	}
	thresh = clamp_t(u32, ca->delay_min_us >> 3, HYSTART_DELAY_MIN_US,
			 HYSTART_DELAY_MAX_US);
	if (ca->hs_curr_rtt > ca->delay_min_us + thresh)
		ktcp_hystart_found(cc, KTCP_CC_EV_HYSTART_DELAY);
}

/*
 * The minimum RTT, skipping the first second of an epoch as Linux does;
 * in slow start, HyStart.
 */
static void ktcp_cubic_on_rtt(struct ktcp_cc *cc, u32 rtt_us, u64 now_us)
{
	struct ktcp_cubic *ca = ktcp_cubic_priv(cc);

	if (ca->in_epoch &&
	    (s64)(now_us - ca->epoch_start_us) < (s64)USEC_PER_SEC)
		return;
	if (!ca->delay_min_us || ca->delay_min_us > rtt_us)
		ca->delay_min_us = rtt_us;
	if (!ca->hs_found && ktcp_cc_in_slow_start(cc))
		ktcp_hystart_update(cc, rtt_us, (u32)now_us);
}

/*
 * Application-limited idle time is not congestion avoidance time: shift
 * the epoch so the curve resumes where it stopped (CA_EVENT_TX_START).
 */
static void ktcp_cubic_on_tx_start(struct ktcp_cc *cc, u64 idle_us,
				   u64 now_us)
{
	struct ktcp_cubic *ca = ktcp_cubic_priv(cc);

	if (!ca->in_epoch || !idle_us)
		return;
	ca->epoch_start_us += idle_us;
	if (ca->epoch_start_us > now_us)
		ca->epoch_start_us = now_us;
}

const struct ktcp_cc_ops ktcp_cc_cubic = {
	.name		= "cubic",
	.init		= ktcp_cubic_init,
	.ssthresh	= ktcp_cubic_ssthresh,
	.cong_avoid	= ktcp_cubic_cong_avoid,
	.on_rtt		= ktcp_cubic_on_rtt,
	.on_rto		= ktcp_cubic_on_rto,
	.on_tx_start	= ktcp_cubic_on_tx_start,
	.undo_cwnd	= ktcp_cc_reno_undo_cwnd,	/* as Linux 6.12's */
};
