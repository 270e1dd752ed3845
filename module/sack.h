/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Selective acknowledgment as pure logic: a bounded set of sequence ranges
 * and the receiver's SACK block generation (RFC 2018 section 4, RFC 2883).
 * No skbs, no sockets, no locks: the caller serialises every call on one
 * object (the socket lock). The sender's side, the RFC 6675 scoreboard, is
 * per-skb state in recovery.c.
 *
 * Ordering: ranges are compared modulo 2^32 (seq.h), which is a consistent
 * order only while everything one set holds lies within 2^31 of itself.
 * The receiver keeps it so by construction: it only holds data inside its
 * window above RCV.NXT, and windows are below 2^30 (RFC 7323 2.3).
 * Were that ever violated, every function still stays inside its fixed
 * arrays and terminates; only the set's order would be unspecified.
 *
 * Work: every call is O(KTCP_RANGES_MAX) at worst, whatever the peer sends
 * (bounded work per segment, nothing allocated).
 */
#ifndef _KTCP_SACK_H
#define _KTCP_SACK_H

#include <linux/types.h>

#include "options.h"

#define KTCP_RANGES_MAX		32

/*
 * Disjoint, non-adjacent ranges [start, end), sorted by start: r[0..n),
 * which is also how callers iterate (lowest first) and read the highest.
 * Adjacent or overlapping ranges are merged on add. When an add would need
 * a KTCP_RANGES_MAX + 1st range, the range farthest from the caller's
 * reference point (possibly the new one) is dropped and reported: the
 * receiver only ever loses information that way (a SACK not sent), never
 * invents it.
 */
struct ktcp_ranges {
	u8 n;
	struct ktcp_sack_block r[KTCP_RANGES_MAX];
};

void ktcp_ranges_init(struct ktcp_ranges *rs);
/*
 * Add [@start, @end), merging it with every range it overlaps or touches.
 * Returns -EINVAL (set unchanged) unless @start is before @end; 0 if added;
 * 1 if the set was full and a range was dropped: the one farthest from @ref
 * (distance 0 if it holds @ref, else to its nearest octet), which may be the
 * new range itself. The dropped range is copied to @dropped if not NULL.
 */
int ktcp_ranges_add(struct ktcp_ranges *rs, u32 start, u32 end, u32 ref,
		    struct ktcp_sack_block *dropped);
/* Forget everything before @seq (a cumulative ACK, RCV.NXT advancing). */
void ktcp_ranges_remove_below(struct ktcp_ranges *rs, u32 seq);
/* Forget everything at or after @seq. */
void ktcp_ranges_remove_from(struct ktcp_ranges *rs, u32 seq);
/* The range holding @seq, or NULL. */
const struct ktcp_sack_block *ktcp_ranges_find(const struct ktcp_ranges *rs,
					       u32 seq);
/* True if one range holds all of [@start, @end) (false if empty). */
bool ktcp_ranges_contains(const struct ktcp_ranges *rs, u32 start, u32 end);
/* How many octets of [@start, @end) the set holds. */
u32 ktcp_ranges_covered(const struct ktcp_ranges *rs, u32 start, u32 end);

/*
 * The receiver (RFC 2018 section 4, RFC 2883 section 4).
 *
 * Design: the SACK state is a set of its own, kept next to the out-of-order
 * queue (ofo.h) rather than derived from the queue on every ACK, as Linux
 * does with tp->selective_acks[]: building an option is then O(ranges) with
 * no rbtree walk per outgoing ACK, and recency, which the queue does not
 * know, is remembered here. The price is keeping the two in step, which
 * takes three calls (see ofo.h): ktcp_sack_rx_add() for each segment the
 * queue took, ktcp_sack_rx_advance() when RCV.NXT moves, ktcp_sack_rx_cut()
 * when the queue is pruned. The set may hold less than the queue (a range
 * dropped when full), never more, so the receiver never SACKs what it
 * does not hold.
 */
struct ktcp_sack_rx {
	struct ktcp_ranges held;	/* octets the OFO queue holds */
	/* One octet of each recently received segment, newest first. */
	u32 recent[KTCP_MAX_SACK_BLOCKS];
	u8 n_recent;
	bool dsack_pending;
	struct ktcp_sack_block dsack;	/* RFC 2883: report once */
};

void ktcp_sack_rx_init(struct ktcp_sack_rx *rx);
/*
 * An out-of-order segment [@start, @end) was queued. Its block goes first
 * in the next option (RFC 2018 section 4). Returns what ktcp_ranges_add()
 * does; a range dropped from a full set is never the new one.
 */
int ktcp_sack_rx_add(struct ktcp_sack_rx *rx, u32 start, u32 end);
/* A duplicate [@start, @end) arrived: it goes first, in one option only. */
void ktcp_sack_rx_dsack(struct ktcp_sack_rx *rx, u32 start, u32 end);
/* RCV.NXT is now @rcv_nxt. */
void ktcp_sack_rx_advance(struct ktcp_sack_rx *rx, u32 rcv_nxt);
/* The queue dropped everything at or after @seq (ktcp_ofo_prune()). */
void ktcp_sack_rx_cut(struct ktcp_sack_rx *rx, u32 seq);
/*
 * Fill @out with up to @max blocks (capped at KTCP_MAX_SACK_BLOCKS; 3 leave
 * room for timestamps) for the ACK about to be sent, and return how many:
 * a pending D-SACK first, then the held range that contains it if any
 * (RFC 2883 section 4), then the ranges of the most recent segments, newest
 * first, then the other held ranges from the lowest up (RFC 2018 section 4:
 * as many distinct blocks as fit, none a repeat). Consumes the D-SACK.
 */
unsigned int ktcp_sack_rx_build(struct ktcp_sack_rx *rx,
				struct ktcp_sack_block *out, unsigned int max);

#endif /* _KTCP_SACK_H */
