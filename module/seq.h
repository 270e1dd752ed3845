/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4, RFC 1982).
 *
 * Pure functions, no locking: every caller works on values it already owns.
 */
#ifndef _KTCP_SEQ_H
#define _KTCP_SEQ_H

#include <linux/types.h>

/* True if @a comes strictly before @b in sequence space. */
static inline bool ktcp_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static inline bool ktcp_seq_after(u32 a, u32 b)
{
	return ktcp_seq_before(b, a);
}

static inline bool ktcp_seq_before_eq(u32 a, u32 b)
{
	return (s32)(a - b) <= 0;
}

static inline bool ktcp_seq_after_eq(u32 a, u32 b)
{
	return ktcp_seq_before_eq(b, a);
}

/* True if @lo <= @seq <= @hi, all modulo 2^32 (tcp.h's between()). */
static inline bool ktcp_seq_between(u32 seq, u32 lo, u32 hi)
{
	return hi - lo >= seq - lo;
}

static inline u32 ktcp_seq_max(u32 a, u32 b)
{
	return ktcp_seq_after(a, b) ? a : b;
}

static inline u32 ktcp_seq_min(u32 a, u32 b)
{
	return ktcp_seq_before(a, b) ? a : b;
}

#endif /* _KTCP_SEQ_H */
