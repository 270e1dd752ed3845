/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP header options: parsing and building (RFC 9293 section 3.1,
 * RFC 7323, RFC 2018). Pure functions over byte buffers, no sockets.
 */
#ifndef _KTCP_OPTIONS_H
#define _KTCP_OPTIONS_H

#include <linux/types.h>

struct tcphdr;

#define KTCP_OPT_EOL		0
#define KTCP_OPT_NOP		1
#define KTCP_OPT_MSS		2
#define KTCP_OPT_WSCALE		3
#define KTCP_OPT_SACK_PERM	4
#define KTCP_OPT_SACK		5
#define KTCP_OPT_TS		8
#define KTCP_OPT_FASTOPEN	34	/* RFC 7413 section 4.1.1 */
#define KTCP_OPT_EXP		254	/* RFC 6994 experimental, with a magic */
#define KTCP_OPT_FASTOPEN_MAGIC	0xF989	/* TCPOPT_FASTOPEN_MAGIC */

#define KTCP_OPTLEN_MSS		4
#define KTCP_OPTLEN_WSCALE	3
#define KTCP_OPTLEN_SACK_PERM	2
#define KTCP_OPTLEN_TS		10
#define KTCP_MAX_OPTLEN		40
#define KTCP_OPTLEN_SACK_BASE	2	/* kind, length */
#define KTCP_OPTLEN_SACK_BLOCK	8	/* left edge, right edge */
#define KTCP_OPTLEN_WORD	4	/* every option we send fills whole words */
#define KTCP_MAX_SACK_BLOCKS	4
#define KTCP_MAX_WSCALE		14	/* RFC 7323 section 2.3 */
#define KTCP_OPTLEN_FASTOPEN_BASE	2	/* kind, length */
#define KTCP_OPTLEN_EXP_FASTOPEN_BASE	4	/* kind, length, magic */
#define KTCP_FASTOPEN_COOKIE_MIN	4	/* TCP_FASTOPEN_COOKIE_MIN */
#define KTCP_FASTOPEN_COOKIE_MAX	16	/* TCP_FASTOPEN_COOKIE_MAX */

/* Which options a segment carried. */
#define KTCP_OPTF_MSS		BIT(0)
#define KTCP_OPTF_WSCALE	BIT(1)
#define KTCP_OPTF_SACK_PERM	BIT(2)
#define KTCP_OPTF_SACK		BIT(3)
#define KTCP_OPTF_TS		BIT(4)
#define KTCP_OPTF_FASTOPEN	BIT(5)	/* fo_len: 0, a request; or a cookie */

struct ktcp_sack_block {
	u32 start;
	u32 end;
};

struct ktcp_opts {
	u32 present;		/* KTCP_OPTF_* */
	u16 mss;
	u8 wscale;		/* clamped to KTCP_MAX_WSCALE */
	u8 num_sacks;
	u32 tsval;
	u32 tsecr;
	struct ktcp_sack_block sacks[KTCP_MAX_SACK_BLOCKS];
	/* Fast Open (RFC 7413 4.1.1), of a SYN or SYN-ACK only. */
	u8 fo_len;		/* 0 (a cookie request), or 4..16, even */
	bool fo_exp;		/* in the experimental form (kind 254) */
	u8 fo_cookie[KTCP_FASTOPEN_COOKIE_MAX];
};

/*
 * Parse @len bytes of options at @p into @o (zeroed first).
 * @syn: the segment has SYN set; MSS, WSCALE and SACK_PERM count only there
 * (RFC 9293 3.7.1, RFC 7323 2.2) and are otherwise ignored.
 * Returns 0, or -EINVAL for a malformed list: an option (other than EOL/NOP)
 * with length < 2 or running past @len, or a known option with a wrong length.
 * A duplicated option is malformed too (-EINVAL): Linux keeps the last one,
 * ktcp refuses to guess (SYN-only options on a non-SYN are skipped, so their
 * copies are too). A SACK option needs 1..4 blocks. EOL ends the list.
 * Unknown options with a sane length are skipped. The MSS value is returned
 * as received, 0 included: the caller applies its own floor.
 * Fast Open (kind 34, or 254 with magic 0xF989) counts only in a SYN and
 * with an even length of cookie, 0 or 4 to 16 bytes; any other is skipped
 * (tcp_parse_fastopen_option()). A second copy replaces the first, as in
 * Linux: the option is not one a connection's state depends on.
 */
int ktcp_opts_parse(const u8 *p, unsigned int len, bool syn,
		    struct ktcp_opts *o);
/*
 * The options of a received TCP header whose doff was checked. Malformed
 * options are ignored, as Linux does: @o comes back empty and the segment
 * stays (tcp_parse_options() stops at the first bad one).
 */
void ktcp_opts_parse_hdr(const struct tcphdr *th, struct ktcp_opts *o);

/*
 * Write the options present in @o in Linux's order and layout
 * (tcp_options_write: mss; sackOK+TS as one word pair, or nop,nop,TS;
 * nop,nop,sackOK when no TS; nop,wscale; nop,nop,SACK blocks; Fast Open,
 * padded with two NOPs when its length leaves two bytes) to @p, which
 * has room for KTCP_MAX_OPTLEN bytes. Returns the length written, always a
 * multiple of 4. Blocks that would overflow 40 bytes are dropped (as
 * tcp_established_options() does), as is a SACK option with no block, and a
 * Fast Open option that does not fit (tcp_syn_options()); a
 * wscale above KTCP_MAX_WSCALE is sent as KTCP_MAX_WSCALE.
 */
unsigned int ktcp_opts_build(u8 *p, const struct ktcp_opts *o);

/* @src's Fast Open option, if it has one, into @dst (to be built). */
void ktcp_opts_copy_fastopen(struct ktcp_opts *dst,
			     const struct ktcp_opts *src);

/* The length ktcp_opts_build() would write for @o. */
unsigned int ktcp_opts_len(const struct ktcp_opts *o);

#endif /* _KTCP_OPTIONS_H */
