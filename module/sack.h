/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Selective acknowledgment as pure logic: a bounded set of sequence ranges,
 * the receiver's SACK block generation (RFC 2018 section 4, RFC 2883) and
 * the sender's RFC 6675 scoreboard. No skbs, no sockets, no locks: the
 * caller serialises every call on one object (the socket lock).
 *
 * Ordering: ranges are compared modulo 2^32 (seq.h), which is a consistent
 * order only while everything one set holds lies within 2^31 of itself.
 * Callers keep it so by construction: a receiver only holds data inside its
 * window above RCV.NXT, a sender only accepts blocks inside
 * (SND.UNA - max window, SND.NXT], and windows are below 2^30 (RFC 7323 2.3).
 * Were that ever violated, every function still stays inside its fixed
 * arrays and terminates; only the set's order would be unspecified.
 *
 * Work: every call is O(KTCP_RANGES_MAX) at worst, whatever the peer sends
 * (the CVE-2019-11477/11478 class: bounded work per ACK, no splitting of
 * anything the caller owns, nothing allocated).
 */
#ifndef _KTCP_SACK_H
#define _KTCP_SACK_H

#include <linux/types.h>

#include "options.h"

#define KTCP_RANGES_MAX		32
#define KTCP_DUPTHRESH		3	/* RFC 6675 section 2, DupThresh */

/*
 * Disjoint, non-adjacent ranges [start, end), sorted by start: r[0..n),
 * which is also how callers iterate (lowest first) and read the highest.
 * Adjacent or overlapping ranges are merged on add. When an add would need
 * a KTCP_RANGES_MAX + 1st range, the range farthest from the caller's
 * reference point (possibly the new one) is dropped and reported: both
 * users only ever lose information that way (a SACK not sent, or a SACK
 * forgotten), never invent it.
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

/*
 * The sender (RFC 6675). The scoreboard holds SACKed ranges above SND.UNA
 * and the loss recovery variables, never skbs: the caller walks its own
 * queue of segments and asks (struct ktcp_sack_pass).
 *
 * The RFC's inclusive variables are kept as exclusive ends, like SND.NXT:
 * rxt_nxt is HighRxt + 1, rescue_nxt RescueRxt + 1, recovery_nxt
 * RecoveryPoint + 1 (HighData + 1 at entry: SND.NXT).
 */
struct ktcp_sack_tx {
	struct ktcp_ranges sacked;
	u32 rxt_nxt;
	u32 rescue_nxt;
	u32 recovery_nxt;
	bool in_recovery;
	bool rescue_valid;	/* RescueRxt is defined */
	bool recovery_valid;	/* RecoveryPoint is defined */
};

/* What one ACK's SACK option told the scoreboard. */
struct ktcp_sack_tx_res {
	u32 newly_sacked;	/* octets SACKed for the first time */
	u8 valid;		/* blocks used, a D-SACK included */
	u8 invalid;		/* blocks ignored */
	bool dsack;		/* the first block was a D-SACK (RFC 2883) */
	bool recovery_done;	/* this ACK ended loss recovery */
	struct ktcp_sack_block dsack_range;
};

void ktcp_sack_tx_init(struct ktcp_sack_tx *sb);
/*
 * Process an ACK: @snd_una is SND.UNA after the cumulative ACK was applied.
 * Ranges below it are forgotten, then each of the first
 * KTCP_MAX_SACK_BLOCKS blocks is validated and marked; more are invalid.
 * A block is valid if start < end, end <= @snd_nxt, and start >= @snd_una,
 * except that the first block may be a D-SACK (RFC 2883 section 4): below
 * @snd_una (end <= @snd_una, start >= @snd_una - @max_window) or inside the
 * second block. A D-SACK is reported in @res and marks nothing new.
 * Recovery ends (RFC 6675 section 5, step A) once @snd_una passes
 * RecoveryPoint.
 */
void ktcp_sack_tx_update(struct ktcp_sack_tx *sb,
			 const struct ktcp_sack_block *blocks, unsigned int n,
			 u32 snd_una, u32 snd_nxt, u32 max_window,
			 struct ktcp_sack_tx_res *res);
/*
 * RFC 6675 IsLost(@seq) from the ranges alone, for one question such as
 * IsLost(HighACK + 1) at section 5 step 2: more than (DupThresh - 1) * @smss
 * SACKed octets above @seq, or DupThresh SACKed segments above it, counting
 * each SACKed range as DIV_ROUND_UP(len, @smss) segments. That count is the
 * exact one for full-sized segments; sub-MSS segments make it an
 * underestimate (ktcp_sack_pass, which sees the segments, counts them).
 */
bool ktcp_sack_tx_is_lost(const struct ktcp_sack_tx *sb, u32 seq, u32 smss);
/* Highest SACKed octet + 1, or @snd_una when nothing is SACKed. */
u32 ktcp_sack_tx_high(const struct ktcp_sack_tx *sb, u32 snd_una);
/* May a new recovery start (RFC 6675 section 5.1: not before RecoveryPoint)? */
bool ktcp_sack_tx_may_recover(const struct ktcp_sack_tx *sb, u32 snd_una);
/*
 * Enter loss recovery (RFC 6675 section 5, step 4): RecoveryPoint = HighData
 * (@snd_nxt) and, for the first retransmission [SND.UNA, @first_end), HighRxt
 * and RescueRxt both end at @first_end (step 4.3).
 */
void ktcp_sack_tx_enter(struct ktcp_sack_tx *sb, u32 first_end, u32 snd_nxt);
/* Octets before @end were retransmitted (step C.2). */
void ktcp_sack_tx_retransmitted(struct ktcp_sack_tx *sb, u32 end);
/* The rescue retransmission of NextSeg() rule 4 was sent. */
void ktcp_sack_tx_rescued(struct ktcp_sack_tx *sb);
/*
 * A retransmission timeout: forget every SACK, since the receiver may have
 * reneged (RFC 2018 section 8), end recovery, and set RecoveryPoint to
 * HighData (@snd_nxt), RFC 6675 section 5.1.
 */
void ktcp_sack_tx_rto(struct ktcp_sack_tx *sb, u32 snd_nxt);

/*
 * One RFC 6675 pass over the outstanding segments, which the caller feeds
 * highest first (SND.NXT down to SND.UNA): each answer needs what is SACKed
 * above. The pass yields, per segment, whether it is SACKed and IsLost, and
 * in total SetPipe's pipe and NextSeg()'s candidates. Segments are the
 * caller's retransmission units: a segment is SACKed if every octet is; a
 * segment of more than SMSS octets counts as DIV_ROUND_UP(len, SMSS) for
 * DupThresh. IsLost is asked of the segment, with what is SACKed above it.
 * Cost: O(log KTCP_RANGES_MAX) per segment.
 */
#define KTCP_SEG_SACKED		BIT(0)	/* every octet SACKed */
#define KTCP_SEG_LOST		BIT(1)	/* IsLost: unSACKed and presumed lost */
#define KTCP_SEG_NEXT_LOST	BIT(2)	/* a NextSeg() rule 1 candidate */
#define KTCP_SEG_NEXT_HOLE	BIT(3)	/* a NextSeg() rule 3 candidate */
#define KTCP_SEG_RESCUE		BIT(4)	/* holds the highest unSACKed octet */

struct ktcp_sack_pass {
	const struct ktcp_sack_tx *sb;
	u32 smss;
	u32 rxt_nxt;		/* HighRxt + 1, or SND.UNA */
	u32 high;		/* highest SACKed octet + 1 */
	u32 segs_above;		/* SACKed segments above the current one */
	u32 bytes_above;	/* SACKed octets above the current one */
	/* Results. */
	u32 pipe;		/* SetPipe() */
	u32 lost_seq;		/* lowest rule 1 octet (S2) */
	u32 hole_seq;		/* lowest rule 3 octet (S3) */
	u32 rescue_seq;		/* start of the highest unSACKed segment */
	u8 have;		/* KTCP_SEG_NEXT_LOST/_HOLE, KTCP_SEG_RESCUE */
};

void ktcp_sack_pass_init(struct ktcp_sack_pass *p,
			 const struct ktcp_sack_tx *sb, u32 smss, u32 snd_una);
/* Feed [@seq, @end), below the previous segment. Returns KTCP_SEG_* bits. */
u8 ktcp_sack_pass_seg(struct ktcp_sack_pass *p, u32 seq, u32 end);

enum ktcp_nextseg {
	KTCP_NEXTSEG_NONE,	/* rule 5: send nothing */
	KTCP_NEXTSEG_LOST,	/* rule 1: retransmit from *seq */
	KTCP_NEXTSEG_NEW,	/* rule 2: send new data */
	KTCP_NEXTSEG_HOLE,	/* rule 3: retransmit from *seq */
	KTCP_NEXTSEG_RESCUE,	/* rule 4: retransmit the segment at *seq */
};

/*
 * RFC 6675 NextSeg() after a complete pass: @new_ok says unsent data exists
 * and the receiver's window allows it (rule 2). The caller sends up to SMSS
 * octets from *seq (rules 1 and 3; rule 4: the segment that starts there,
 * or its last SMSS octets), then calls ktcp_sack_tx_retransmitted() (rules 1
 * and 3) or ktcp_sack_tx_rescued() (rule 4).
 */
enum ktcp_nextseg ktcp_sack_next_seg(const struct ktcp_sack_pass *p,
				     bool new_ok, u32 snd_una, u32 *seq);

#endif /* _KTCP_SACK_H */
