// SPDX-License-Identifier: GPL-2.0
/*
 * What the two ends agree on in the handshake, and what follows from it on
 * every segment: window scaling (RFC 7323 section 2), SACK-permitted
 * (RFC 2018 section 2), timestamps with PAWS and RTTM (RFC 7323 sections 3
 * to 5), and the MSS (RFC 9293 3.7.1, RFC 6691).
 *
 * ktcp offers in its SYN what the namespace's net.ktcp.window_scaling,
 * sack and timestamps allow (all three by default, as Linux 6.12), in
 * Linux's layout (options.c); a SYN-ACK echoes only what the peer offered
 * and the same sysctls allow.
 *
 * Everything here works on a struct ktcp_neg that both the request and the
 * socket embed, under the lock of whoever owns it; the only clock read is
 * ktcp_neg_ts_now().
 */

#include "ktcp.h"

/* RFC 7323 5.5: TS.Recent older than 24 days is not trusted for PAWS. */
#define KTCP_PAWS_24DAYS	(60 * 60 * 24 * 24)

/*
 * The options @net's sysctls let a SYN carry, KTCP_OPTF_* (others pass).
 * Linux's tcp_parse_options() ignores a disabled one in a SYN, a SYN-ACK
 * or a cookie's ACK (estab = 0), and tcp_syn_options() does not send it.
 */
u32 ktcp_neg_syn_allowed(const struct net *net)
{
	u32 allowed = ~0U;

	if (!READ_ONCE(ktcp_pernet(net)->window_scaling))
		allowed &= ~KTCP_OPTF_WSCALE;
	if (!READ_ONCE(ktcp_pernet(net)->sack))
		allowed &= ~KTCP_OPTF_SACK_PERM;
	if (!READ_ONCE(ktcp_pernet(net)->timestamps))
		allowed &= ~KTCP_OPTF_TS;
	return allowed;
}

/*
 * The TSval offset of a new connection (secure_tcp_ts_off()): the random
 * @ts_off with net.ktcp.timestamps 1, none with 2 (or 0: no timestamps).
 */
u32 ktcp_neg_ts_off(const struct net *net, u32 ts_off)
{
	return READ_ONCE(ktcp_pernet(net)->timestamps) == 1 ? ts_off : 0;
}

/* Record what the peer's SYN (or SYN-ACK) offered; @n holds our offer. */
void ktcp_neg_peer_syn(struct ktcp_neg *n, const struct ktcp_opts *o)
{
	n->mss_clamp = (o->present & KTCP_OPTF_MSS) && o->mss ?
		       o->mss : KTCP_MSS_DEFAULT;
	n->sack_ok = !!(o->present & KTCP_OPTF_SACK_PERM);
	n->wscale_ok = !!(o->present & KTCP_OPTF_WSCALE);
	/* RFC 7323 2.2: scaling only if both sent WSopt; 0 both ways else. */
	n->snd_wscale = n->wscale_ok ? o->wscale : 0;
	if (!n->wscale_ok)
		n->rcv_wscale = 0;
	n->tstamp_ok = !!(o->present & KTCP_OPTF_TS);
	if (n->tstamp_ok) {
		n->ts_recent = o->tsval;
		n->ts_recent_stamp = (u32)ktime_get_seconds();
	}
}

/* The TSval clock: 1 ms, as Linux's, plus a per-connection offset. */
u32 ktcp_neg_ts_now(const struct ktcp_neg *n)
{
	return (u32)tcp_clock_ms() + n->ts_off;
}

/*
 * The RTT a segment's TSecr measures (RFC 7323 4.1, RTTM), in microseconds,
 * in whole milliseconds and at least one (tcp_rtt_tsopt_us()); 0 without
 * timestamps, or for an echo from the future or from too long ago to be
 * one of ours.
 */
u32 ktcp_neg_ts_rtt_us(const struct ktcp_neg *n, const struct ktcp_opts *o)
{
	u32 delta;

	if (!n->tstamp_ok || !(o->present & KTCP_OPTF_TS) || !o->tsecr)
		return 0;
	delta = ktcp_neg_ts_now(n) - o->tsecr;
	if (delta >= INT_MAX / USEC_PER_MSEC)
		return 0;
	return max_t(u32, delta, 1) * USEC_PER_MSEC;
}

/*
 * The options of an outgoing segment. @offer: the SYN of an active open,
 * which offers everything; other SYNs (SYN-ACK) echo what was agreed.
 */
void ktcp_neg_fill(const struct ktcp_neg *n, struct ktcp_opts *o, bool syn,
		   bool offer, u16 adv_mss)
{
	memset(o, 0, sizeof(*o));
	if (syn) {
		o->present = KTCP_OPTF_MSS;
		o->mss = adv_mss;
		if (offer || n->sack_ok)
			o->present |= KTCP_OPTF_SACK_PERM;
		if (offer || n->wscale_ok) {
			o->present |= KTCP_OPTF_WSCALE;
			o->wscale = n->rcv_wscale;
		}
	}
	if (offer || n->tstamp_ok) {
		o->present |= KTCP_OPTF_TS;
		o->tsval = ktcp_neg_ts_now(n);
		o->tsecr = offer ? 0 : n->ts_recent;
	}
}

/*
 * tcp_paws_check(, 0): may @o's TSval stand against TS.Recent? If it is
 * not older; and whatever it is when TS.Recent is over 24 days old (RFC
 * 7323 5.5) or there is none yet.
 */
static bool ktcp_neg_paws_ok(const struct ktcp_neg *n,
			     const struct ktcp_opts *o)
{
	if ((s32)(o->tsval - n->ts_recent) >= 0 || !n->ts_recent)
		return true;
	/* u32 arithmetic, as Linux's: correct across the clock's wrap. */
	return (u32)ktime_get_seconds() - n->ts_recent_stamp >=
	       KTCP_PAWS_24DAYS;
}

/*
 * PAWS (RFC 7323 5.3): a segment whose TSval is older than TS.Recent is an
 * old duplicate (ktcp_neg_paws_ok() says when it is not). Not applied to
 * RSTs (5.3 R1 note).
 */
bool ktcp_neg_paws_reject(const struct ktcp_neg *n, const struct ktcp_opts *o,
			  bool rst)
{
	if (!n->tstamp_ok || !(o->present & KTCP_OPTF_TS) || rst)
		return false;
	return !ktcp_neg_paws_ok(n, o);
}

/*
 * RFC 7323 4.3: remember TSval when the segment covers Last.ACK.sent
 * (RCV.WUP here, as Linux's tcp_replace_ts_recent uses) and passes
 * tcp_paws_check().
 */
void ktcp_neg_ts_update(struct ktcp_neg *n, const struct ktcp_opts *o,
			u32 seq, u32 last_ack_sent)
{
	if (!n->tstamp_ok || !(o->present & KTCP_OPTF_TS))
		return;
	if (ktcp_seq_after(seq, last_ack_sent) || !ktcp_neg_paws_ok(n, o))
		return;
	n->ts_recent = o->tsval;
	n->ts_recent_stamp = (u32)ktime_get_seconds();
}

/*
 * Payload per full segment: the peer's MSS clamped to our path and a
 * floor (CVE-2019-11479), less the timestamp option every segment carries
 * (RFC 6691: MSS counts no options).
 */
u16 ktcp_neg_data_mss(const struct ktcp_neg *n, u16 path_mss)
{
	u16 mss = clamp_t(u16, n->mss_clamp, KTCP_MSS_MIN, path_mss);

	if (n->tstamp_ok)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	return max_t(u16, mss, KTCP_MSS_MIN - TCPOLEN_TSTAMP_ALIGNED);
}
