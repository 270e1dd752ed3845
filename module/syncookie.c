// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies (RFC 4987 3.6), as Linux 6.12's net/ipv4/syncookies.c.
 *
 * When a listener's SYN queue is full (or net.ktcp.syncookies is 2), its
 * SYN-ACK carries the connection in its ISN and keeps nothing: the ISN is
 * Linux's own cookie (__cookie_v4_init_sequence(): a keyed siphash of the
 * 4-tuple and the peer's ISN, a one-minute counter, and the peer's MSS
 * rounded down to one of four values), so a ktcp cookie is exactly what
 * native TCP would send, from the same secret. The ACK that comes back
 * proves the peer saw the SYN-ACK (__cookie_v4_check() gives the MSS back,
 * or 0), and the listener builds the connection from it.
 *
 * The options the SYN offered cannot ride in the ISN. With timestamps,
 * the SYN-ACK's TSval carries them in its low 6 bits (Linux's
 * cookie_init_timestamp(), TSBITS): the peer's window shift (15 for none),
 * SACK-permitted and the request's ECN agreement; the ACK's TSecr echoes them back
 * (cookie_timestamp_decode()). Without timestamps the SYN-ACK offers no
 * options but the MSS, so there is nothing to remember.
 *
 * Pure logic and the kernel's cookie functions: no socket, no lock.
 * listen.c decides when to send a cookie and builds the connection.
 */

#include <net/tcp.h>

#include "ktcp.h"

#define KTCP_COOKIE_TSBITS	6
#define KTCP_COOKIE_WSCALE_NONE	0xf		/* TS_OPT_WSCALE_MASK */
#define KTCP_COOKIE_SACK	BIT(4)		/* TS_OPT_SACK */
#define KTCP_COOKIE_ECN		BIT(5)		/* TS_OPT_ECN */

/*
 * The TSval (before the connection's offset) of a cookie SYN-ACK sent at
 * @now_ms, for the options @n agreed: the clock with its low 6 bits
 * replaced by the options, never ahead of the clock (later TSvals use the
 * clock itself and must not go backwards).
 */
u32 ktcp_cookie_ts_encode(const struct ktcp_neg *n, u64 now_ms)
{
	u64 ts = (now_ms >> KTCP_COOKIE_TSBITS) << KTCP_COOKIE_TSBITS;
	u32 options;

	options = n->wscale_ok ? n->snd_wscale : KTCP_COOKIE_WSCALE_NONE;
	if (n->sack_ok)
		options |= KTCP_COOKIE_SACK;
	if (n->ecn_ok)
		options |= KTCP_COOKIE_ECN;
	ts |= options;
	if (ts > now_ms)
		ts -= BIT(KTCP_COOKIE_TSBITS);
	return (u32)ts;
}

/*
 * The options a cookie ACK brings back (cookie_timestamp_decode()), into
 * @n, whose ts_off the caller has set (and our window scale after, from
 * wscale_ok): with a timestamp, its TSecr less our offset holds them;
 * without one, none were offered.
 * ktcp always offers SACK and window scaling (Linux's tcp_sack and
 * tcp_window_scaling at 1), so any value decodes. ECN comes back as the
 * SYN-ACK agreed it (cookie_tcp_reqsk_init()); the caller checks that
 * the sysctl or the route still allow it (cookie_ecn_ok()). Also takes
 * TS.Recent.
 */
void ktcp_cookie_ts_decode(struct ktcp_neg *n, const struct ktcp_opts *o)
{
	u32 options;

	n->sack_ok = 0;
	n->wscale_ok = 0;
	n->snd_wscale = 0;
	n->ecn_ok = 0;
	n->tstamp_ok = !!(o->present & KTCP_OPTF_TS);
	if (!n->tstamp_ok) {
		n->rcv_wscale = 0;
		return;
	}
	n->ts_recent = o->tsval;
	n->ts_recent_stamp = (u32)ktime_get_seconds();
	options = o->tsecr - n->ts_off;
	n->sack_ok = !!(options & KTCP_COOKIE_SACK);
	n->ecn_ok = !!(options & KTCP_COOKIE_ECN);
	if ((options & KTCP_COOKIE_WSCALE_NONE) == KTCP_COOKIE_WSCALE_NONE) {
		n->rcv_wscale = 0;
		return;
	}
	n->wscale_ok = 1;
	n->snd_wscale = min_t(u32, options & KTCP_COOKIE_WSCALE_NONE,
			      KTCP_MAX_WSCALE);
}

/* The cookie ISN for @skb, a SYN; *@mss becomes the MSS it encodes. */
u32 ktcp_cookie_isn(const struct sk_buff *skb, u16 *mss)
{
	if (ip_hdr(skb)->version == 6)	/* IPv6's MSS table (syncookies.c) */
		return __cookie_v6_init_sequence(ipv6_hdr(skb), tcp_hdr(skb),
						 mss);
	return __cookie_v4_init_sequence(ip_hdr(skb), tcp_hdr(skb), mss);
}

/* The MSS a cookie ACK @skb carries, or 0 if it is no valid cookie. */
u16 ktcp_cookie_check(const struct sk_buff *skb)
{
	if (ip_hdr(skb)->version == 6)
		return __cookie_v6_check(ipv6_hdr(skb), tcp_hdr(skb));
	return __cookie_v4_check(ip_hdr(skb), tcp_hdr(skb));
}
