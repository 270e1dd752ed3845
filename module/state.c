// SPDX-License-Identifier: GPL-2.0
/*
 * The connection state machine of RFC 9293 (section 3.3.2, figure 5; the
 * event processing of section 3.10) as one table.
 *
 * Each cell holds two targets, one nibble each (every TCP_* state fits in
 * four bits, TCP_STATE_MASK): the low nibble when @fin_acked is false, the
 * high nibble when it is true. 0 is not a state: it marks "no transition".
 * Only the RFC's eleven states have rows; TCP_NEW_SYN_RECV (request socks)
 * and TCP_BOUND_INACTIVE (inet_diag) are not connection states here.
 */
#include <linux/array_size.h>
#include <linux/build_bug.h>
#include <linux/types.h>

#include "state.h"

static_assert(TCP_MAX_STATES - 1 <= TCP_STATE_MASK);

/* @to whatever fin_acked says: the same state in both nibbles. */
#define GO(to)		((to) * 0x11)
/* @no without, @yes with our FIN acked. */
#define ACKED(no, yes)	((no) | (yes) << 4)

static const u8 ktcp_next[TCP_MAX_STATES][KTCP_EV_MAX] = {
	[TCP_CLOSE] = {
		[KTCP_EV_CONNECT]	= GO(TCP_SYN_SENT),
		[KTCP_EV_LISTEN]	= GO(TCP_LISTEN),
	},
	[TCP_LISTEN] = {
		[KTCP_EV_CLOSE]		= GO(TCP_CLOSE),
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
	},
	[TCP_SYN_SENT] = {
		[KTCP_EV_CLOSE]		= GO(TCP_CLOSE),
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		/* Simultaneous open (3.5, figure 8). */
		[KTCP_EV_RCV_SYN]	= GO(TCP_SYN_RECV),
		[KTCP_EV_RCV_SYNACK]	= GO(TCP_ESTABLISHED),
	},
	[TCP_SYN_RECV] = {
		/* 3.10.4: a FIN must wait for the handshake, so send it now. */
		[KTCP_EV_CLOSE]		= GO(TCP_FIN_WAIT1),
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		/* The caller checked that it acks our SYN (3.10.7.4). */
		[KTCP_EV_RCV_ACK]	= GO(TCP_ESTABLISHED),
		[KTCP_EV_RCV_FIN]	= GO(TCP_CLOSE_WAIT),
	},
	[TCP_ESTABLISHED] = {
		[KTCP_EV_CLOSE]		= GO(TCP_FIN_WAIT1),
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		[KTCP_EV_RCV_ACK]	= GO(TCP_ESTABLISHED),
		[KTCP_EV_RCV_FIN]	= GO(TCP_CLOSE_WAIT),
	},
	[TCP_FIN_WAIT1] = {
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		/* 3.10.7.4: only an ACK of our FIN moves on. */
		[KTCP_EV_RCV_ACK]	= ACKED(TCP_FIN_WAIT1, TCP_FIN_WAIT2),
		/* Simultaneous close, or a FIN that acks ours (figure 13). */
		[KTCP_EV_RCV_FIN]	= ACKED(TCP_CLOSING, TCP_TIME_WAIT),
	},
	[TCP_FIN_WAIT2] = {
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		[KTCP_EV_RCV_ACK]	= GO(TCP_FIN_WAIT2),
		[KTCP_EV_RCV_FIN]	= GO(TCP_TIME_WAIT),
		/* Orphan FIN_WAIT2 timeout (Linux tcp_fin_timeout). */
		[KTCP_EV_TIMEOUT]	= GO(TCP_CLOSE),
	},
	[TCP_CLOSE_WAIT] = {
		[KTCP_EV_CLOSE]		= GO(TCP_LAST_ACK),
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		[KTCP_EV_RCV_ACK]	= GO(TCP_CLOSE_WAIT),
	},
	[TCP_CLOSING] = {
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		[KTCP_EV_RCV_ACK]	= ACKED(TCP_CLOSING, TCP_TIME_WAIT),
	},
	[TCP_LAST_ACK] = {
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		[KTCP_EV_RCV_ACK]	= ACKED(TCP_LAST_ACK, TCP_CLOSE),
	},
	[TCP_TIME_WAIT] = {
		[KTCP_EV_ABORT]		= GO(TCP_CLOSE),
		[KTCP_EV_RCV_ACK]	= GO(TCP_TIME_WAIT),
		/* 2 MSL have passed (3.10.8). */
		[KTCP_EV_TIMEOUT]	= GO(TCP_CLOSE),
	},
};

u8 ktcp_state_next(u8 state, enum ktcp_event ev, bool fin_acked)
{
	u8 cell;

	/* The cast also catches a negative @ev (enum signedness varies). */
	if (state >= TCP_MAX_STATES || (unsigned int)ev >= KTCP_EV_MAX)
		return KTCP_STATE_INVALID;
	cell = ktcp_next[state][ev];
	cell = fin_acked ? cell >> 4 : cell & TCP_STATE_MASK;
	return cell ? cell : KTCP_STATE_INVALID;
}

/* The spellings of /proc/net/tcp's consumers and ss(8). */
static const char *const ktcp_state_names[TCP_MAX_STATES] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RECV",
	[TCP_FIN_WAIT1]		= "FIN_WAIT1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSE",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
	[TCP_NEW_SYN_RECV]	= "NEW_SYN_RECV",
};

const char *ktcp_state_name(u8 state)
{
	if (state >= ARRAY_SIZE(ktcp_state_names) || !ktcp_state_names[state])
		return "UNKNOWN";
	return ktcp_state_names[state];
}
