/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The RFC 9293 connection state machine as a table (section 3.3.2, figure 5).
 *
 * ktcp uses Linux's TCP_* state numbers (include/net/tcp_states.h) in
 * sk->sk_state so that generic stream helpers and tools read them right.
 * ktcp_state_next() is pure: input.c, af_ktcp.c, listen.c and timers.c
 * decide which event happened, the table alone says where it leads. Events that are not
 * legal in a state leave it unchanged (KTCP_STATE_INVALID tells the caller).
 * Only the eleven RFC states have transitions: TCP_NEW_SYN_RECV and
 * TCP_BOUND_INACTIVE, like out-of-range values, give INVALID for any event.
 */
#ifndef _KTCP_STATE_H
#define _KTCP_STATE_H

#include <net/tcp_states.h>

enum ktcp_event {
	KTCP_EV_CONNECT,	/* user connect(): SYN sent */
	KTCP_EV_LISTEN,		/* user listen() */
	KTCP_EV_CLOSE,		/* user close(), or shutdown(SHUT_WR): FIN queued */
	KTCP_EV_ABORT,		/* user abort, RST sent or received, timeout */
	KTCP_EV_RCV_SYN,	/* SYN without ACK (simultaneous open) */
	KTCP_EV_RCV_SYNACK,	/* acceptable SYN+ACK in SYN_SENT */
	KTCP_EV_RCV_ACK,	/* ACK that covers our SYN or FIN */
	KTCP_EV_RCV_FIN,	/* in-sequence FIN */
	KTCP_EV_TIMEOUT,	/* TIME_WAIT (2*MSL) or orphan FIN_WAIT_2 expiry */
	KTCP_EV_MAX
};

#define KTCP_STATE_INVALID	0xff

/*
 * The state that @ev leads to from @state, or KTCP_STATE_INVALID if the
 * event has no transition there. @fin_acked matters only for
 * KTCP_EV_RCV_FIN in FIN_WAIT_1 (a FIN that also acks ours goes straight to
 * TIME_WAIT) and for KTCP_EV_RCV_ACK (an ACK moves FIN_WAIT_1, CLOSING and
 * LAST_ACK only when it covers our FIN; SYN_RECV only when it covers our
 * SYN, which the caller has checked).
 */
u8 ktcp_state_next(u8 state, enum ktcp_event ev, bool fin_acked);

/* "ESTABLISHED", "SYN_SENT", ... for logs and /proc. */
const char *ktcp_state_name(u8 state);

#endif /* _KTCP_STATE_H */
