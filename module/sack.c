// SPDX-License-Identifier: GPL-2.0
/*
 * Selective acknowledgment: the range set and the receiver's SACK blocks
 * (RFC 2018 section 4, RFC 2883). The sender's scoreboard (RFC 6675) is in
 * recovery.c. See sack.h for the contracts; nothing here allocates, sleeps
 * or locks.
 */
#include <linux/errno.h>
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
