// SPDX-License-Identifier: GPL-2.0
/*
 * The GSO packets Linux's TCP would send. Linux always has GSO: on each
 * push, tcp_write_xmit() sends an skb's data in packets of up to
 * tcp_tso_segs() segments, which tcp_tso_autosize() sizes from the pacing
 * rate (tcp_update_pacing_rate(): 200% of cwnd * MSS / SRTT in slow
 * start, 120% after) and the minimum RTT, at most half of cwnd
 * (tcp_cwnd_test()) and what the peer's window takes
 * (tcp_mss_split_point()). Each packet leaves with PSH (__tcp_transmit_skb()
 * sets it on every GSO packet; segmentation keeps it on the last segment
 * only), and cutting it off its skb (tso_fragment()) charges the write
 * queue one skb head. ktcp cuts its write queue into segments as it sends
 * (output.c), so that its scoreboard counts segments, but groups them as
 * Linux would, so that the wire and the send buffer's charge are Linux's,
 * and hands the new segments of one packet down as one GSO skb
 * (ktcp_gso_build(): their payload referenced, not copied) for the device
 * or the core's GSO to cut into the same segments. The pacing rate is the socket's
 * sk_pacing_rate too, which sch_fq honours, and pace.c when the socket
 * paces itself. Not modelled: tcp_tso_should_defer(), tcp_grow_skb().
 *
 * Context: the socket lock is held, except for ktcp_gso_pacing_rate() and
 * ktcp_gso_autosize(), which are pure.
 */

#include <linux/skbuff_ref.h>

#include "ktcp.h"
#include "recovery.h"

#define KTCP_GSO_MIN_SEGS	2	/* tcp_min_tso_segs */
#define KTCP_GSO_RTT_LOG	9	/* tcp_tso_rtt_log */
#define KTCP_PACING_SS_RATIO	200	/* tcp_pacing_ss_ratio, % */
#define KTCP_PACING_CA_RATIO	120	/* tcp_pacing_ca_ratio, % */
#define KTCP_PACING_SHIFT	10	/* sk_pacing_shift, sock_init_data() */

/*
 * tcp_update_pacing_rate(): the pacing rate in bytes/s for @mss, cwnd
 * @cwnd and @ssthresh, @packets_out in flight, SRTT @srtt_us8 (<< 3; 0:
 * none yet, and the rate is as good as unlimited), at most
 * SO_MAX_PACING_RATE @max_rate: 200% of cwnd * MSS / SRTT in slow start
 * (below half of ssthresh), 120% after.
 */
u64 ktcp_gso_pacing_rate(u32 mss, u32 cwnd, u32 ssthresh, u32 packets_out,
			 u32 srtt_us8, u64 max_rate)
{
	u64 rate = (u64)mss * ((USEC_PER_SEC / 100) << 3);

	rate *= cwnd < ssthresh / 2 ? KTCP_PACING_SS_RATIO :
				      KTCP_PACING_CA_RATIO;
	rate *= max(cwnd, packets_out);
	if (srtt_us8)
		rate = div_u64(rate, srtt_us8);
	return min(rate, max_rate);
}

/*
 * tcp_tso_autosize(): segments per packet for pacing rate @rate (bytes/s,
 * sk_pacing_rate), minimum RTT @min_rtt_us (U32_MAX: none yet) and the
 * route's GSO size @gso_max.
 */
u32 ktcp_gso_autosize(u32 mss, u64 rate, u32 min_rtt_us, u32 gso_max)
{
	u32 r = min_rtt_us >> KTCP_GSO_RTT_LOG;
	u64 bytes = rate >> KTCP_PACING_SHIFT;

	if (!mss)
		return KTCP_GSO_MIN_SEGS;
	if (r < BITS_PER_TYPE(u32))
		bytes += gso_max >> r;
	bytes = min_t(u64, bytes, gso_max);
	return max_t(u32, div_u64(bytes, mss), KTCP_GSO_MIN_SEGS);
}

/*
 * The route's GSO limits, sk_dst_gso_max_size() and gso_max_segs, or the
 * legacy defaults before there is a route: what sendmsg()'s size goal and
 * the packet size below are bounded by.
 */
void ktcp_gso_route_limits(struct sock *sk, u32 *size, u32 *segs)
{
	const struct dst_entry *dst = __sk_dst_get(sk);

	*size = GSO_LEGACY_MAX_SIZE;
	*segs = GSO_MAX_SEGS;
	if (dst && dst->dev) {
		*size = READ_ONCE(dst->dev->gso_ipv4_max_size);
		*segs = max_t(u32, READ_ONCE(dst->dev->gso_max_segs), 1);
	}
}

/*
 * The socket's pacing rate, sk_pacing_rate (for sch_fq, TCP_INFO and the
 * packet size below), as tcp_update_pacing_rate() sets it, and only where
 * it does: when the connection is established (tcp_init_transfer()) and on
 * each ACK that acts on data in flight (tcp_cong_control()). Until then it
 * is sock_init_data()'s ~0, as good as unlimited.
 */
void ktcp_gso_pacing_update(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	if (ks->mss)
		WRITE_ONCE(sk->sk_pacing_rate,
			   ktcp_gso_pacing_rate(ks->mss, ks->cc.cwnd,
						ks->cc.ssthresh,
						ks->packets_out,
						ks->rtt.srtt_us,
						READ_ONCE(sk->sk_max_pacing_rate)));
}

/*
 * tcp_tso_segs() for @sk now: at most the route's GSO segment count, from
 * the pacing rate the last ACK set.
 */
u32 ktcp_gso_max_segs(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 gso_max, gso_segs;

	sock_owned_by_me(sk);
	ktcp_gso_route_limits(sk, &gso_max, &gso_segs);
	return min(ktcp_gso_autosize(ks->mss, READ_ONCE(sk->sk_pacing_rate),
				     ks->rtt.min_us, gso_max),
		   gso_segs);
}

/*
 * tcp_nagle_check(): does Nagle (or TCP_CORK) hold back a partial last
 * segment of the packet? Not when the push is forced (TCP_NAGLE_PUSH).
 */
static bool ktcp_gso_partial_held(const struct ktcp_sock *ks, bool force)
{
	if (force)
		return false;
	return ks->cork || (!ks->nodelay && ks->packets_out &&
			    ktcp_seq_after(ks->snd_sml, ks->snd_una));
}

/*
 * tcp_mss_split_point(): the bytes of the GSO packet Linux would send from
 * @skb now, of at most @max_segs segments: what the peer's window takes,
 * the tail's last partial segment only if Nagle lets it go.
 */
static u32 ktcp_gso_len(struct sock *sk, struct sk_buff *skb, u32 max_segs,
			bool force)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 window = ks->snd_una + ks->snd_wnd - KTCP_SKB_CB(skb)->seq;
	u32 max_len = ks->mss * max_segs, needed, partial;

	if (max_len <= window && !skb_queue_is_last(&sk->sk_write_queue, skb))
		return max_len;
	needed = min(skb->len, window);
	if (max_len <= needed)
		return max_len;
	partial = needed % ks->mss;
	if (partial && needed > partial && ktcp_gso_partial_held(ks, force))
		return needed - partial;
	return needed;
}

/*
 * A GSO packet Linux would send starts at @skb: its length in gso_left, of
 * at most half of cwnd (tcp_cwnd_test()) and @max_segs.
 */
void ktcp_gso_start(struct sock *sk, struct sk_buff *skb, u32 max_segs,
		    bool force)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 cwnd = ks->cc.cwnd, quota;

	sock_owned_by_me(sk);
	quota = min(max(cwnd >> 1, 1U), cwnd - ktcp_in_flight(ks));
	ks->gso_left = ktcp_gso_len(sk, skb, min(quota, max_segs), force);
	ks->gso_segs = 0;
}

/*
 * @skb, one segment, leaves as part of the current GSO packet: the last
 * segment of a packet of two or more carries PSH (gso_psh), on this
 * transmission only, as __tcp_transmit_skb() sets it on the clone it
 * sends. True when the packet is complete.
 */
bool ktcp_gso_sent(struct ktcp_sock *ks, struct sk_buff *skb, bool skb_end)
{
	if (ks->gso_segs < 2)	/* only "more than one" matters: no wrap */
		ks->gso_segs++;
	ks->gso_left = ks->gso_left > skb->len ? ks->gso_left - skb->len : 0;
	if (ks->gso_left && !skb_end)
		return false;
	ks->gso_psh = ks->gso_segs > 1;
	ks->gso_left = 0;
	return true;
}

/*
 * Add @from's page frags to @to's, merging a frag that continues the last
 * one (sendmsg() fills a page frag in order); false if @to's are full or
 * @from has payload elsewhere.
 */
static bool ktcp_gso_add_frags(struct sk_buff *to, const struct sk_buff *from)
{
	struct skb_shared_info *sh = skb_shinfo(to);
	int i;

	if (!from->len || skb_headlen(from) || skb_has_frag_list(from))
		return false;
	for (i = 0; i < skb_shinfo(from)->nr_frags; i++) {
		const skb_frag_t *f = &skb_shinfo(from)->frags[i];
		u32 size = skb_frag_size(f);

		if (sh->nr_frags &&
		    skb_can_coalesce(to, sh->nr_frags, skb_frag_page(f),
				     skb_frag_off(f))) {
			skb_frag_size_add(&sh->frags[sh->nr_frags - 1], size);
		} else if (sh->nr_frags < MAX_SKB_FRAGS) {
			skb_fill_page_desc(to, sh->nr_frags, skb_frag_page(f),
					   skb_frag_off(f), size);
			skb_frag_ref(to, sh->nr_frags - 1);
		} else {
			return false;
		}
		to->len += size;
		to->data_len += size;
		to->truesize += size;
	}
	return true;
}

/*
 * The skb Linux's tcp_write_xmit() would hand down for one GSO packet:
 * the payload of @n queued segments @segs of @mss bytes (the last may be
 * shorter), referenced, not copied, with gso_size @mss, for the device or
 * the core's GSO (tcp_gso_segment()) to cut into exactly the segments
 * that would have left one by one. NULL if they need more frags than an
 * skb has, or memory is short: the caller sends them one by one.
 */
struct sk_buff *ktcp_gso_build(struct sk_buff **segs, int n, u32 mss,
			       unsigned int gso_type)
{
	struct sk_buff *skb = alloc_skb(MAX_TCP_HEADER, GFP_ATOMIC);
	int i;

	if (!skb)
		return NULL;
	skb_reserve(skb, MAX_TCP_HEADER);
	for (i = 0; i < n; i++) {
		if (!ktcp_gso_add_frags(skb, segs[i])) {
			consume_skb(skb);	/* not a drop: sent one by one */
			return NULL;
		}
		skb_shinfo(skb)->flags |= skb_shinfo(segs[i])->flags &
					  SKBFL_SHARED_FRAG;
	}
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb_shinfo(skb)->gso_size = mss;
	skb_shinfo(skb)->gso_segs = n;
	skb_shinfo(skb)->gso_type = gso_type;
	return skb;
}
