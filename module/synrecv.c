// SPDX-License-Identifier: GPL-2.0
/*
 * A request in SYN-RECV and the segments it does not take: the sequence
 * number check of tcp_check_req() (PAWS and the window a SYN-ACK offered),
 * the ACK that answers an unacceptable segment or challenges a RST, and
 * how often a request answers one, as tcp_oow_rate_limited() allows.
 * listen.c runs the rest of tcp_check_req(): the SYN again, a RST or SYN
 * that ends the request, the ACK that completes it.
 *
 * Context: softirq, or process with BHs off, the listener locked (which
 * guards the request's fields).
 */

#include "ktcp.h"

/*
 * __tcp_oow_rate_limited() for @req: has it answered a segment in the
 * last 500 ms? Counted in @mib if so; if not, now it has.
 */
static bool ktcp_synrecv_limited(struct sock *listener,
				 struct ktcp_request *req,
				 enum ktcp_mib_field mib)
{
	u32 now = tcp_jiffies32;

	if (req->last_oow && now - req->last_oow < HZ / 2) {
		KTCP_INC_STATS(sock_net(listener), mib);
		return true;
	}
	req->last_oow = now ?: 1;
	return false;
}

/*
 * tcp_oow_rate_limited() for @req: may a duplicate SYN, or a segment
 * outside the window, be answered? Data without SYN always; otherwise once
 * per 500 ms a request (TCPACKSkippedSynRecv counts the rest), so that a
 * flood aimed at one request cannot draw an answer each.
 */
bool ktcp_synrecv_may_answer(struct sock *listener, struct ktcp_request *req,
			     const struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);

	if (cb->seq != cb->end_seq && !tcp_hdr(skb)->syn)
		return true;
	return !ktcp_synrecv_limited(listener, req, KTCP_MIB_ACKSKIPPEDSYNRECV);
}

/*
 * A RST in the window but not at RCV.NXT gets a challenge ACK (RFC 5961
 * 3.2, as RFC 9293 3.10.7.4 has it for SYN-RECEIVED), once per 500 ms a
 * request whatever the RST carries (tcp_reqsk_send_challenge_ack());
 * the request lives on.
 */
void ktcp_synrecv_challenge(struct sock *listener, struct ktcp_request *req,
			    struct sk_buff *skb)
{
	/* counted even when limited, as a connection's are (input.c) */
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_CHALLENGEACKS);
	if (!ktcp_synrecv_limited(listener, req, KTCP_MIB_OOWRATELIMITED))
		ktcp_reply_req_ack(listener, req, skb);
}

/*
 * Is @skb acceptable to @req (tcp_check_req()'s "first check sequence
 * number")? Its TSval passes PAWS against the SYN's (RFC 7323 5.3; a RST
 * too, as the request's TS.Recent is recent), and it starts at RCV.NXT or
 * overlaps the SYN-ACK's window (tcp_in_window()). If not, it gets an ACK
 * unless it is a RST (or the limit says no), and the caller drops it.
 */
bool ktcp_synrecv_acceptable(struct sock *listener, struct ktcp_request *req,
			     struct sk_buff *skb, bool paws)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	u32 rcv_nxt = req->irs + 1;
	u32 wend = rcv_nxt + min_t(u32, req->rcv_wnd, U16_MAX);

	if (!paws && (cb->seq == rcv_nxt ||
		      (ktcp_seq_after(cb->end_seq, rcv_nxt) &&
		       ktcp_seq_before(cb->seq, wend)) ||
		      (cb->seq == wend && cb->seq == cb->end_seq)))
		return true;
	if (!tcp_hdr(skb)->rst && ktcp_synrecv_may_answer(listener, req, skb))
		ktcp_reply_req_ack(listener, req, skb);
	if (paws)
		KTCP_INC_STATS(sock_net(listener), KTCP_MIB_PAWSREJECTED);
	return false;
}
