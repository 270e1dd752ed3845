// SPDX-License-Identifier: GPL-2.0
/*
 * TCP options (RFC 9293 section 3.2, RFC 7323, RFC 2018): parse a received
 * list strictly, build ours byte for byte like Linux does.
 */
#include <linux/align.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/unaligned.h>

#include "options.h"

static int ktcp_opt_mss(const u8 *p, u8 optlen, bool syn, struct ktcp_opts *o)
{
	if (optlen != KTCP_OPTLEN_MSS)
		return -EINVAL;
	/* RFC 9293 3.7.1: MSS only in a SYN; the value is the caller's call. */
	if (syn) {
		o->present |= KTCP_OPTF_MSS;
		o->mss = get_unaligned_be16(p + 2);
	}
	return 0;
}

static int ktcp_opt_wscale(const u8 *p, u8 optlen, bool syn,
			   struct ktcp_opts *o)
{
	if (optlen != KTCP_OPTLEN_WSCALE)
		return -EINVAL;
	/* RFC 7323 2.2: only in a SYN; 2.3: a shift above 14 is used as 14. */
	if (syn) {
		o->present |= KTCP_OPTF_WSCALE;
		o->wscale = min_t(u8, p[2], KTCP_MAX_WSCALE);
	}
	return 0;
}

static int ktcp_opt_sack_perm(u8 optlen, bool syn, struct ktcp_opts *o)
{
	if (optlen != KTCP_OPTLEN_SACK_PERM)
		return -EINVAL;
	/* RFC 2018 section 2: SACK-permitted only in a SYN. */
	if (syn)
		o->present |= KTCP_OPTF_SACK_PERM;
	return 0;
}

static int ktcp_opt_ts(const u8 *p, u8 optlen, struct ktcp_opts *o)
{
	if (optlen != KTCP_OPTLEN_TS)
		return -EINVAL;
	o->present |= KTCP_OPTF_TS;
	o->tsval = get_unaligned_be32(p + 2);
	o->tsecr = get_unaligned_be32(p + 6);
	return 0;
}

/* RFC 2018 section 3: length 2 + 8n; at most 4 blocks fit in 40 bytes. */
static int ktcp_opt_sack(const u8 *p, u8 optlen, struct ktcp_opts *o)
{
	unsigned int i, n = (optlen - KTCP_OPTLEN_SACK_BASE) /
			    KTCP_OPTLEN_SACK_BLOCK;

	if ((optlen - KTCP_OPTLEN_SACK_BASE) % KTCP_OPTLEN_SACK_BLOCK ||
	    n < 1 || n > KTCP_MAX_SACK_BLOCKS)
		return -EINVAL;
	p += KTCP_OPTLEN_SACK_BASE;
	for (i = 0; i < n; i++, p += KTCP_OPTLEN_SACK_BLOCK) {
		o->sacks[i].start = get_unaligned_be32(p);
		o->sacks[i].end = get_unaligned_be32(p + 4);
	}
	o->num_sacks = n;
	o->present |= KTCP_OPTF_SACK;
	return 0;
}

/*
 * tcp_parse_fastopen_option(): @len bytes of cookie at @cookie, in a SYN
 * or SYN-ACK only; an odd length, or one outside 4..16 but for 0 (the
 * request), is no option at all.
 */
static int ktcp_opt_fastopen(const u8 *cookie, int len, bool syn, bool exp,
			     struct ktcp_opts *o)
{
	if (!syn || len < 0 || (len & 1) ||
	    (len && (len < KTCP_FASTOPEN_COOKIE_MIN ||
		     len > KTCP_FASTOPEN_COOKIE_MAX)))
		return 0;
	o->present |= KTCP_OPTF_FASTOPEN;
	o->fo_len = len;
	o->fo_exp = exp;
	memcpy(o->fo_cookie, cookie, len);
	return 0;
}

/* RFC 6994's experimental option: Fast Open's, if its magic says so. */
static int ktcp_opt_exp(const u8 *p, u8 optlen, bool syn, struct ktcp_opts *o)
{
	if (optlen < KTCP_OPTLEN_EXP_FASTOPEN_BASE ||
	    get_unaligned_be16(p + 2) != KTCP_OPT_FASTOPEN_MAGIC)
		return 0;
	return ktcp_opt_fastopen(p + KTCP_OPTLEN_EXP_FASTOPEN_BASE,
				 optlen - KTCP_OPTLEN_EXP_FASTOPEN_BASE, syn,
				 true, o);
}

/* Kind -> the KTCP_OPTF_* bit used to catch duplicates; 0 if untracked. */
static u32 ktcp_opt_flag(u8 kind)
{
	switch (kind) {
	case KTCP_OPT_MSS:
		return KTCP_OPTF_MSS;
	case KTCP_OPT_WSCALE:
		return KTCP_OPTF_WSCALE;
	case KTCP_OPT_SACK_PERM:
		return KTCP_OPTF_SACK_PERM;
	case KTCP_OPT_SACK:
		return KTCP_OPTF_SACK;
	case KTCP_OPT_TS:
		return KTCP_OPTF_TS;
	}
	return 0;
}

/* One option of @optlen bytes (2 <= @optlen, all within the buffer). */
static int ktcp_opt_one(const u8 *p, u8 optlen, bool syn, struct ktcp_opts *o)
{
	/* A second copy of an option we kept is ambiguous: refuse it. */
	if (o->present & ktcp_opt_flag(p[0]))
		return -EINVAL;

	switch (p[0]) {
	case KTCP_OPT_MSS:
		return ktcp_opt_mss(p, optlen, syn, o);
	case KTCP_OPT_WSCALE:
		return ktcp_opt_wscale(p, optlen, syn, o);
	case KTCP_OPT_SACK_PERM:
		return ktcp_opt_sack_perm(optlen, syn, o);
	case KTCP_OPT_TS:
		return ktcp_opt_ts(p, optlen, o);
	case KTCP_OPT_SACK:
		return ktcp_opt_sack(p, optlen, o);
	case KTCP_OPT_FASTOPEN:
		return ktcp_opt_fastopen(p + KTCP_OPTLEN_FASTOPEN_BASE,
					 optlen - KTCP_OPTLEN_FASTOPEN_BASE,
					 syn, false, o);
	case KTCP_OPT_EXP:
		return ktcp_opt_exp(p, optlen, syn, o);
	}
	/* RFC 9293 3.1: unknown options are skipped by their length. */
	return 0;
}

int ktcp_opts_parse(const u8 *p, unsigned int len, bool syn,
		    struct ktcp_opts *o)
{
	unsigned int i = 0;
	u8 optlen;
	int err;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		if (p[i] == KTCP_OPT_EOL)
			break;
		if (p[i] == KTCP_OPT_NOP) {
			i++;
			continue;
		}
		/* RFC 9293 3.1: kind, length (counting both), data. */
		if (len - i < 2)
			return -EINVAL;
		optlen = p[i + 1];
		if (optlen < 2 || optlen > len - i)
			return -EINVAL;
		err = ktcp_opt_one(p + i, optlen, syn, o);
		if (err)
			return err;
		i += optlen;
	}
	return 0;
}

/*
 * SACK blocks that fit after @used bytes of other options, as
 * tcp_established_options() computes it: a 4-byte header, 8 per block.
 */
static unsigned int ktcp_opts_sack_blocks(const struct ktcp_opts *o,
					  unsigned int used)
{
	unsigned int room;

	if (!(o->present & KTCP_OPTF_SACK) || !o->num_sacks)
		return 0;
	if (used + KTCP_OPTLEN_WORD + KTCP_OPTLEN_SACK_BLOCK > KTCP_MAX_OPTLEN)
		return 0;
	room = (KTCP_MAX_OPTLEN - used - KTCP_OPTLEN_WORD) /
	       KTCP_OPTLEN_SACK_BLOCK;
	return min3(room, (unsigned int)o->num_sacks,
		    (unsigned int)KTCP_MAX_SACK_BLOCKS);
}

/* Bytes of everything but the SACK blocks, each option padded to a word. */
static unsigned int ktcp_opts_base_len(const struct ktcp_opts *o)
{
	unsigned int len = 0;

	if (o->present & KTCP_OPTF_MSS)
		len += KTCP_OPTLEN_WORD;
	if (o->present & KTCP_OPTF_TS)
		len += 12;	/* TS (10) + two NOPs or SACK_PERM (2) */
	else if (o->present & KTCP_OPTF_SACK_PERM)
		len += KTCP_OPTLEN_WORD;
	if (o->present & KTCP_OPTF_WSCALE)
		len += KTCP_OPTLEN_WORD;
	return len;
}

/*
 * The Fast Open option's bytes, padded to a word, if it fits after @used
 * bytes (tcp_syn_options(): else it is left out); 0 if not sent.
 */
static unsigned int ktcp_opts_fastopen_len(const struct ktcp_opts *o,
					   unsigned int used)
{
	unsigned int need;

	if (!(o->present & KTCP_OPTF_FASTOPEN))
		return 0;
	need = o->fo_len + (o->fo_exp ? KTCP_OPTLEN_EXP_FASTOPEN_BASE :
					 KTCP_OPTLEN_FASTOPEN_BASE);
	need = ALIGN(need, KTCP_OPTLEN_WORD);
	return used + need <= KTCP_MAX_OPTLEN ? need : 0;
}

void ktcp_opts_copy_fastopen(struct ktcp_opts *dst,
			     const struct ktcp_opts *src)
{
	if (!(src->present & KTCP_OPTF_FASTOPEN))
		return;
	dst->present |= KTCP_OPTF_FASTOPEN;
	dst->fo_len = src->fo_len;
	dst->fo_exp = src->fo_exp;
	memcpy(dst->fo_cookie, src->fo_cookie, src->fo_len);
}

unsigned int ktcp_opts_len(const struct ktcp_opts *o)
{
	unsigned int len = ktcp_opts_base_len(o);
	unsigned int n = ktcp_opts_sack_blocks(o, len);

	if (n)
		len += KTCP_OPTLEN_WORD + n * KTCP_OPTLEN_SACK_BLOCK;
	return len + ktcp_opts_fastopen_len(o, len);
}

static u8 *ktcp_put4(u8 *p, u8 a, u8 b, u8 c, u8 d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p + 4;
}

static u8 *ktcp_put_be32(u8 *p, u32 v)
{
	put_unaligned_be32(v, p);
	return p + 4;
}

/* The SYN-time options and timestamps, in tcp_options_write() order. */
static u8 *ktcp_build_base(u8 *p, const struct ktcp_opts *o)
{
	bool sack_perm = o->present & KTCP_OPTF_SACK_PERM;

	if (o->present & KTCP_OPTF_MSS)
		p = ktcp_put4(p, KTCP_OPT_MSS, KTCP_OPTLEN_MSS,
			      o->mss >> 8, o->mss & 0xff);
	if (o->present & KTCP_OPTF_TS) {
		/* SACK_PERM takes the place of the two NOPs before TS. */
		if (sack_perm)
			p = ktcp_put4(p, KTCP_OPT_SACK_PERM,
				      KTCP_OPTLEN_SACK_PERM,
				      KTCP_OPT_TS, KTCP_OPTLEN_TS);
		else
			p = ktcp_put4(p, KTCP_OPT_NOP, KTCP_OPT_NOP,
				      KTCP_OPT_TS, KTCP_OPTLEN_TS);
		p = ktcp_put_be32(p, o->tsval);
		p = ktcp_put_be32(p, o->tsecr);
	} else if (sack_perm) {
		p = ktcp_put4(p, KTCP_OPT_NOP, KTCP_OPT_NOP,
			      KTCP_OPT_SACK_PERM, KTCP_OPTLEN_SACK_PERM);
	}
	if (o->present & KTCP_OPTF_WSCALE)
		p = ktcp_put4(p, KTCP_OPT_NOP, KTCP_OPT_WSCALE,
			      KTCP_OPTLEN_WSCALE,
			      min_t(u8, o->wscale, KTCP_MAX_WSCALE));
	return p;
}

/* Fast Open, last, as tcp_options_write() puts it: @len bytes in all. */
static u8 *ktcp_build_fastopen(u8 *p, const struct ktcp_opts *o,
			       unsigned int len)
{
	u8 *end = p + len;

	if (o->fo_exp) {
		*p++ = KTCP_OPT_EXP;
		*p++ = KTCP_OPTLEN_EXP_FASTOPEN_BASE + o->fo_len;
		put_unaligned_be16(KTCP_OPT_FASTOPEN_MAGIC, p);
		p += 2;
	} else {
		*p++ = KTCP_OPT_FASTOPEN;
		*p++ = KTCP_OPTLEN_FASTOPEN_BASE + o->fo_len;
	}
	memcpy(p, o->fo_cookie, o->fo_len);
	p += o->fo_len;
	while (p < end)		/* the two NOPs of a length 4n + 2 */
		*p++ = KTCP_OPT_NOP;
	return end;
}

unsigned int ktcp_opts_build(u8 *p, const struct ktcp_opts *o)
{
	u8 *start = p;
	unsigned int i, n, fo;

	p = ktcp_build_base(p, o);
	n = ktcp_opts_sack_blocks(o, p - start);
	if (n) {
		p = ktcp_put4(p, KTCP_OPT_NOP, KTCP_OPT_NOP, KTCP_OPT_SACK,
			      KTCP_OPTLEN_SACK_BASE +
			      n * KTCP_OPTLEN_SACK_BLOCK);
		for (i = 0; i < n; i++) {
			p = ktcp_put_be32(p, o->sacks[i].start);
			p = ktcp_put_be32(p, o->sacks[i].end);
		}
	}
	fo = ktcp_opts_fastopen_len(o, p - start);
	if (fo)
		p = ktcp_build_fastopen(p, o, fo);
	return p - start;
}

void ktcp_opts_parse_hdr(const struct tcphdr *th, struct ktcp_opts *o)
{
	if (ktcp_opts_parse((const u8 *)(th + 1), th->doff * 4 - sizeof(*th),
			    th->syn, o))
		memset(o, 0, sizeof(*o));
}
