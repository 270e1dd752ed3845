// SPDX-License-Identifier: GPL-2.0
/*
 * Selective acknowledgment: the range set, the receiver's SACK blocks
 * (RFC 2018 section 4, RFC 2883) and the sender's scoreboard (RFC 6675).
 * See sack.h for the contracts; nothing here allocates, sleeps or locks.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/string.h>

#include "sack.h"
#include "seq.h"

void ktcp_ranges_init(struct ktcp_ranges *rs)
{
	rs->n = 0;
}

/* Index of the first range that ends after @seq (binary search). */
static unsigned int ktcp_ranges_lower(const struct ktcp_ranges *rs, u32 seq)
{
	unsigned int lo = 0, hi = rs->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ktcp_seq_after(rs->r[mid].end, seq))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Distance from @ref to the nearest octet of @b; 0 if @b holds @ref. */
static u32 ktcp_ranges_dist(const struct ktcp_sack_block *b, u32 ref)
{
	if (ktcp_seq_after(b->start, ref))
		return b->start - ref;
	if (ktcp_seq_after(b->end, ref))
		return 0;
	return ref - (b->end - 1);
}

static void ktcp_ranges_delete(struct ktcp_ranges *rs, unsigned int i,
			       unsigned int count)
{
	memmove(&rs->r[i], &rs->r[i + count],
		(rs->n - i - count) * sizeof(rs->r[0]));
	rs->n -= count;
}

/*
 * The set is full and [@start, @end) goes in at index *@i: drop whichever
 * of the first and last ranges of the would-be set is farther from @ref (on
 * a tie, the last). Distance only grows away from @ref, so the farthest of
 * all is one of those two. Returns true if the new range is the one dropped.
 */
static bool ktcp_ranges_make_room(struct ktcp_ranges *rs, unsigned int *i,
				  const struct ktcp_sack_block *nb, u32 ref,
				  struct ktcp_sack_block *dropped)
{
	const struct ktcp_sack_block *first = *i ? &rs->r[0] : nb;
	const struct ktcp_sack_block *last = *i < rs->n ? &rs->r[rs->n - 1] :
							  nb;
	const struct ktcp_sack_block *victim;

	if (ktcp_ranges_dist(last, ref) >= ktcp_ranges_dist(first, ref))
		victim = last;
	else
		victim = first;
	if (dropped)
		*dropped = *victim;
	if (victim == nb)
		return true;
	if (victim == &rs->r[0]) {
		ktcp_ranges_delete(rs, 0, 1);
		(*i)--;
	} else {
		rs->n--;
	}
	return false;
}

int ktcp_ranges_add(struct ktcp_ranges *rs, u32 start, u32 end, u32 ref,
		    struct ktcp_sack_block *dropped)
{
	struct ktcp_sack_block nb = { .start = start, .end = end };
	unsigned int i, j;
	int ret = 0;

	if ((s32)(end - start) <= 0)	/* empty, or 2^31 octets or more */
		return -EINVAL;
	/* Ranges [i, j) overlap or touch the new one. */
	i = ktcp_ranges_lower(rs, start - 1);
	for (j = i; j < rs->n && !ktcp_seq_after(rs->r[j].start, end); j++)
		;
	if (j > i) {
		rs->r[i].start = ktcp_seq_min(start, rs->r[i].start);
		rs->r[i].end = ktcp_seq_max(end, rs->r[j - 1].end);
		ktcp_ranges_delete(rs, i + 1, j - i - 1);
		return 0;
	}
	if (rs->n >= KTCP_RANGES_MAX) {
		if (ktcp_ranges_make_room(rs, &i, &nb, ref, dropped))
			return 1;
		ret = 1;
	}
	memmove(&rs->r[i + 1], &rs->r[i], (rs->n - i) * sizeof(rs->r[0]));
	rs->r[i] = nb;
	rs->n++;
	return ret;
}

void ktcp_ranges_remove_below(struct ktcp_ranges *rs, u32 seq)
{
	ktcp_ranges_delete(rs, 0, ktcp_ranges_lower(rs, seq));
	if (rs->n && ktcp_seq_before(rs->r[0].start, seq))
		rs->r[0].start = seq;
}

void ktcp_ranges_remove_from(struct ktcp_ranges *rs, u32 seq)
{
	unsigned int i = ktcp_ranges_lower(rs, seq);

	if (i < rs->n && ktcp_seq_before(rs->r[i].start, seq)) {
		rs->r[i].end = seq;
		i++;
	}
	rs->n = i;
}

const struct ktcp_sack_block *ktcp_ranges_find(const struct ktcp_ranges *rs,
					       u32 seq)
{
	unsigned int i = ktcp_ranges_lower(rs, seq);

	if (i < rs->n && !ktcp_seq_after(rs->r[i].start, seq))
		return &rs->r[i];
	return NULL;
}

bool ktcp_ranges_contains(const struct ktcp_ranges *rs, u32 start, u32 end)
{
	const struct ktcp_sack_block *b;

	if (!ktcp_seq_before(start, end))
		return false;
	b = ktcp_ranges_find(rs, start);
	return b && !ktcp_seq_after(end, b->end);
}

u32 ktcp_ranges_covered(const struct ktcp_ranges *rs, u32 start, u32 end)
{
	unsigned int i;
	u32 sum = 0;

	if (!ktcp_seq_before(start, end))
		return 0;
	for (i = ktcp_ranges_lower(rs, start);
	     i < rs->n && ktcp_seq_before(rs->r[i].start, end); i++)
		sum += ktcp_seq_min(end, rs->r[i].end) -
		       ktcp_seq_max(start, rs->r[i].start);
	return sum;
}

/* The receiver: RFC 2018 section 4 and RFC 2883 section 4. */

void ktcp_sack_rx_init(struct ktcp_sack_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

static bool ktcp_sack_rx_seen(const struct ktcp_sack_block **seen,
			      unsigned int n, const struct ktcp_sack_block *b)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (seen[i] == b)
			return true;
	return false;
}

/*
 * Forget recent segments whose range is gone, and those in the same range
 * as a more recent one (after a merge), keeping the order.
 */
static void ktcp_sack_rx_prune_recent(struct ktcp_sack_rx *rx)
{
	const struct ktcp_sack_block *seen[KTCP_MAX_SACK_BLOCKS];
	const struct ktcp_sack_block *b;
	unsigned int i, n = 0;

	for (i = 0; i < rx->n_recent; i++) {
		b = ktcp_ranges_find(&rx->held, rx->recent[i]);
		if (!b || ktcp_sack_rx_seen(seen, n, b))
			continue;
		seen[n] = b;
		rx->recent[n++] = rx->recent[i];
	}
	rx->n_recent = n;
}

int ktcp_sack_rx_add(struct ktcp_sack_rx *rx, u32 start, u32 end)
{
	unsigned int n;
	int ret;

	/* Measured from the new segment, the range dropped is never it. */
	ret = ktcp_ranges_add(&rx->held, start, end, start, NULL);
	if (ret < 0)
		return ret;
	n = min_t(unsigned int, rx->n_recent, KTCP_MAX_SACK_BLOCKS - 1);
	memmove(&rx->recent[1], &rx->recent[0], n * sizeof(rx->recent[0]));
	rx->recent[0] = start;
	rx->n_recent = n + 1;
	ktcp_sack_rx_prune_recent(rx);
	return ret;
}

void ktcp_sack_rx_dsack(struct ktcp_sack_rx *rx, u32 start, u32 end)
{
	if (!ktcp_seq_before(start, end))
		return;
	/* RFC 2883 section 4: the duplicate of the most recent packet. */
	rx->dsack.start = start;
	rx->dsack.end = end;
	rx->dsack_pending = true;
}

void ktcp_sack_rx_advance(struct ktcp_sack_rx *rx, u32 rcv_nxt)
{
	ktcp_ranges_remove_below(&rx->held, rcv_nxt);
	ktcp_sack_rx_prune_recent(rx);
}

void ktcp_sack_rx_cut(struct ktcp_sack_rx *rx, u32 seq)
{
	ktcp_ranges_remove_from(&rx->held, seq);
	ktcp_sack_rx_prune_recent(rx);
}

/* Append @b to @out[0..*n) unless one of @out[from..*n) equals it. */
static void ktcp_sack_rx_put(struct ktcp_sack_block *out, unsigned int from,
			     unsigned int *n, const struct ktcp_sack_block *b)
{
	unsigned int i;

	for (i = from; i < *n; i++)
		if (out[i].start == b->start && out[i].end == b->end)
			return;
	out[(*n)++] = *b;
}

unsigned int ktcp_sack_rx_build(struct ktcp_sack_rx *rx,
				struct ktcp_sack_block *out, unsigned int max)
{
	const struct ktcp_sack_block *b;
	unsigned int i, n = 0, from = 0;

	max = min_t(unsigned int, max, KTCP_MAX_SACK_BLOCKS);
	if (!max)
		return 0;
	if (rx->dsack_pending) {
		/* RFC 2883 section 4: first, then its enclosing block. */
		rx->dsack_pending = false;
		out[n++] = rx->dsack;
		from = 1;
		b = ktcp_ranges_find(&rx->held, rx->dsack.start);
		if (n < max && b && ktcp_ranges_contains(&rx->held,
							 rx->dsack.start,
							 rx->dsack.end))
			out[n++] = *b;
	}
	/* RFC 2018 section 4: the newest segment's block, then the others. */
	for (i = 0; i < rx->n_recent && n < max; i++) {
		b = ktcp_ranges_find(&rx->held, rx->recent[i]);
		if (b)
			ktcp_sack_rx_put(out, from, &n, b);
	}
	for (i = 0; i < rx->held.n && n < max; i++)
		ktcp_sack_rx_put(out, from, &n, &rx->held.r[i]);
	return n;
}

/* The sender: RFC 6675, with RFC 2883 D-SACK detection. */

void ktcp_sack_tx_init(struct ktcp_sack_tx *sb)
{
	memset(sb, 0, sizeof(*sb));
}

enum ktcp_sack_blk {
	KTCP_BLK_INVALID,
	KTCP_BLK_SACK,
	KTCP_BLK_DSACK,		/* reports a duplicate, marks nothing */
};

/* Does [@b) lie within [@lo, @lo + @span], non-empty? Exact, no wrap. */
static bool ktcp_sack_blk_within(const struct ktcp_sack_block *b, u32 lo,
				 u32 span)
{
	u32 so = b->start - lo, eo = b->end - lo;

	return so < eo && eo <= span;
}

/* RFC 2018 section 4, RFC 2883 section 4; Linux's tcp_is_sackblock_valid. */
static enum ktcp_sack_blk
ktcp_sack_tx_classify(const struct ktcp_sack_block *blocks, unsigned int i,
		      unsigned int n, u32 snd_una, u32 snd_nxt, u32 max_window)
{
	const struct ktcp_sack_block *b = &blocks[i];

	if (ktcp_sack_blk_within(b, snd_una, snd_nxt - snd_una)) {
		/* A first block inside the second reports a duplicate. */
		if (i == 0 && n > 1 &&
		    ktcp_sack_blk_within(&blocks[1], snd_una,
					 snd_nxt - snd_una) &&
		    b->start - snd_una >= blocks[1].start - snd_una &&
		    b->end - snd_una <= blocks[1].end - snd_una)
			return KTCP_BLK_DSACK;
		return KTCP_BLK_SACK;
	}
	/* Below SND.UNA: only the first, wholly below, within a window. */
	if (i == 0 && ktcp_sack_blk_within(b, snd_una - max_window, max_window))
		return KTCP_BLK_DSACK;
	return KTCP_BLK_INVALID;
}

static void ktcp_sack_tx_mark(struct ktcp_sack_tx *sb,
			      const struct ktcp_sack_block *b, u32 snd_una,
			      struct ktcp_sack_tx_res *res)
{
	u32 fresh = (b->end - b->start) -
		    ktcp_ranges_covered(&sb->sacked, b->start, b->end);
	struct ktcp_sack_block gone;
	int ret;

	ret = ktcp_ranges_add(&sb->sacked, b->start, b->end, snd_una, &gone);
	/* Full: forget the SACK farthest above SND.UNA; RFC 2018 lets us. */
	if (ret > 0 && gone.start == b->start && gone.end == b->end)
		fresh = 0;
	res->newly_sacked += fresh;
}

static void ktcp_sack_tx_block(struct ktcp_sack_tx *sb,
			       const struct ktcp_sack_block *blocks,
			       unsigned int i, unsigned int n, u32 snd_una,
			       u32 snd_nxt, u32 max_window,
			       struct ktcp_sack_tx_res *res)
{
	switch (ktcp_sack_tx_classify(blocks, i, n, snd_una, snd_nxt,
				      max_window)) {
	case KTCP_BLK_INVALID:
		res->invalid++;
		return;
	case KTCP_BLK_DSACK:
		res->dsack = true;
		res->dsack_range = blocks[i];
		break;
	case KTCP_BLK_SACK:
		ktcp_sack_tx_mark(sb, &blocks[i], snd_una, res);
		break;
	}
	res->valid++;
}

void ktcp_sack_tx_update(struct ktcp_sack_tx *sb,
			 const struct ktcp_sack_block *blocks, unsigned int n,
			 u32 snd_una, u32 snd_nxt, u32 max_window,
			 struct ktcp_sack_tx_res *res)
{
	unsigned int i;

	memset(res, 0, sizeof(*res));
	ktcp_ranges_remove_below(&sb->sacked, snd_una);
	if (sb->in_recovery && !ktcp_seq_before(snd_una, sb->recovery_nxt)) {
		sb->in_recovery = false;	/* RFC 6675 section 5 (A) */
		res->recovery_done = true;
	}
	if (n > KTCP_MAX_SACK_BLOCKS) {
		res->invalid = n - KTCP_MAX_SACK_BLOCKS;
		n = KTCP_MAX_SACK_BLOCKS;
	}
	for (i = 0; i < n; i++)
		ktcp_sack_tx_block(sb, blocks, i, n, snd_una, snd_nxt,
				   max_window, res);
}

bool ktcp_sack_tx_is_lost(const struct ktcp_sack_tx *sb, u32 seq, u32 smss)
{
	const struct ktcp_sack_block *b;
	u32 segs = 0, bytes = 0, octets;
	unsigned int i;

	smss = max(smss, 1U);
	if (ktcp_ranges_find(&sb->sacked, seq))
		return false;
	for (i = 0; i < sb->sacked.n; i++) {
		b = &sb->sacked.r[i];
		if (!ktcp_seq_after(b->start, seq))
			continue;
		octets = b->end - b->start;
		bytes += octets;
		segs += DIV_ROUND_UP(octets, smss);
	}
	return segs >= KTCP_DUPTHRESH ||
	       bytes > (KTCP_DUPTHRESH - 1) * smss;
}

u32 ktcp_sack_tx_high(const struct ktcp_sack_tx *sb, u32 snd_una)
{
	return sb->sacked.n ? sb->sacked.r[sb->sacked.n - 1].end : snd_una;
}

bool ktcp_sack_tx_may_recover(const struct ktcp_sack_tx *sb, u32 snd_una)
{
	return !sb->in_recovery &&
	       (!sb->recovery_valid ||
		!ktcp_seq_before(snd_una, sb->recovery_nxt));
}

void ktcp_sack_tx_enter(struct ktcp_sack_tx *sb, u32 first_end, u32 snd_nxt)
{
	sb->in_recovery = true;
	sb->recovery_valid = true;
	sb->recovery_nxt = snd_nxt;
	sb->rxt_nxt = first_end;
	sb->rescue_nxt = first_end;
	sb->rescue_valid = true;
}

void ktcp_sack_tx_retransmitted(struct ktcp_sack_tx *sb, u32 end)
{
	if (ktcp_seq_after(end, sb->rxt_nxt))
		sb->rxt_nxt = end;
}

void ktcp_sack_tx_rescued(struct ktcp_sack_tx *sb)
{
	/* Rule 4: RescueRxt = RecoveryPoint; HighRxt stays. */
	sb->rescue_nxt = sb->recovery_nxt;
	sb->rescue_valid = true;
}

void ktcp_sack_tx_rto(struct ktcp_sack_tx *sb, u32 snd_nxt)
{
	ktcp_ranges_init(&sb->sacked);
	sb->in_recovery = false;
	sb->rescue_valid = false;
	sb->recovery_valid = true;
	sb->recovery_nxt = snd_nxt;
}

/* One pass of RFC 6675 section 4's SetPipe(), IsLost() and NextSeg(). */

void ktcp_sack_pass_init(struct ktcp_sack_pass *p,
			 const struct ktcp_sack_tx *sb, u32 smss, u32 snd_una)
{
	memset(p, 0, sizeof(*p));
	p->sb = sb;
	p->smss = max(smss, 1U);
	/* Outside recovery nothing counts as retransmitted (HighRxt). */
	p->rxt_nxt = sb->in_recovery ? ktcp_seq_max(sb->rxt_nxt, snd_una) :
				       snd_una;
	p->high = ktcp_sack_tx_high(sb, snd_una);
}

/* SetPipe (b): unSACKed octets of [@seq, @end) at or below HighRxt. */
static u32 ktcp_sack_pass_rxt_octets(const struct ktcp_sack_pass *p, u32 seq,
				     u32 end)
{
	u32 hi;

	if (!ktcp_seq_before(seq, p->rxt_nxt))
		return 0;
	hi = ktcp_seq_min(end, p->rxt_nxt);
	return (hi - seq) - ktcp_ranges_covered(&p->sb->sacked, seq, hi);
}

/*
 * NextSeg() rules 1 and 3: the lowest unSACKed octet of the segment above
 * HighRxt (1.a) and below the highest SACKed octet (1.b); rule 1 also
 * needs IsLost (1.c). Lower segments come later and win.
 */
static u8 ktcp_sack_pass_next(struct ktcp_sack_pass *p, u32 seq, u32 end,
			      bool lost)
{
	const struct ktcp_sack_block *b;
	u32 s = ktcp_seq_max(seq, p->rxt_nxt);

	b = ktcp_ranges_find(&p->sb->sacked, s);
	if (b)
		s = b->end;
	if (!ktcp_seq_before(s, end) || !ktcp_seq_before(s, p->high))
		return 0;
	p->hole_seq = s;
	p->have |= KTCP_SEG_NEXT_HOLE;
	if (!lost)
		return KTCP_SEG_NEXT_HOLE;
	p->lost_seq = s;
	p->have |= KTCP_SEG_NEXT_LOST;
	return KTCP_SEG_NEXT_HOLE | KTCP_SEG_NEXT_LOST;
}

u8 ktcp_sack_pass_seg(struct ktcp_sack_pass *p, u32 seq, u32 end)
{
	u32 len = end - seq, sacked;
	u8 flags = 0;

	if (!ktcp_seq_before(seq, end))
		return 0;
	sacked = ktcp_ranges_covered(&p->sb->sacked, seq, end);
	if (sacked == len) {
		p->segs_above += DIV_ROUND_UP(len, p->smss);
		p->bytes_above += len;
		return KTCP_SEG_SACKED;
	}
	/* IsLost: DupThresh segments, or (DupThresh - 1) * SMSS octets. */
	if (p->segs_above >= KTCP_DUPTHRESH ||
	    p->bytes_above > (KTCP_DUPTHRESH - 1) * p->smss)
		flags |= KTCP_SEG_LOST;
	/* SetPipe (a) and (b), per unSACKed octet. */
	if (!(flags & KTCP_SEG_LOST))
		p->pipe += len - sacked;
	p->pipe += ktcp_sack_pass_rxt_octets(p, seq, end);
	if (!(p->have & KTCP_SEG_RESCUE)) {
		p->have |= KTCP_SEG_RESCUE;
		p->rescue_seq = seq;
		flags |= KTCP_SEG_RESCUE;
	}
	flags |= ktcp_sack_pass_next(p, seq, end, flags & KTCP_SEG_LOST);
	p->bytes_above += sacked;
	return flags;
}

enum ktcp_nextseg ktcp_sack_next_seg(const struct ktcp_sack_pass *p,
				     bool new_ok, u32 snd_una, u32 *seq)
{
	const struct ktcp_sack_tx *sb = p->sb;

	if (p->have & KTCP_SEG_NEXT_LOST) {
		*seq = p->lost_seq;
		return KTCP_NEXTSEG_LOST;
	}
	if (new_ok)
		return KTCP_NEXTSEG_NEW;
	if (p->have & KTCP_SEG_NEXT_HOLE) {
		*seq = p->hole_seq;
		return KTCP_NEXTSEG_HOLE;
	}
	/* Rule 4: once per recovery, while HighACK > RescueRxt. */
	if ((p->have & KTCP_SEG_RESCUE) &&
	    (!sb->rescue_valid || ktcp_seq_after(snd_una, sb->rescue_nxt))) {
		*seq = p->rescue_seq;
		return KTCP_NEXTSEG_RESCUE;
	}
	return KTCP_NEXTSEG_NONE;
}
