// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for TCP option parsing and building (options.h).
 *
 * Built layouts are compared byte for byte with what Linux's
 * tcp_options_write() sends. Parsed input always sits in a kmalloc'ed
 * buffer of exactly its length, so KASAN catches any read past the end.
 */
#include <kunit/test.h>
#include <linux/align.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../options.h"

/*
 * In the byte arrays below: tsval 0x01020304 is 1, 2, 3, 4; tsecr 0xa1b2c3d4
 * is 0xa1, 0xb2, 0xc3, 0xd4; SACK block i (1-based) is 0x10000000 + i,
 * 0x20000000 + i.
 */

/* Not test-managed: the fuzz parses some 200,000 lists. */
static int ot_parse(struct kunit *test, const u8 *bytes, unsigned int len,
		    bool syn, struct ktcp_opts *o)
{
	u8 *buf = NULL;
	int ret;

	if (len) {
		buf = kmemdup(bytes, len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	}
	/* Garbage in: the parser must clear everything itself. */
	memset(o, 0x5a, sizeof(*o));
	ret = ktcp_opts_parse(buf, len, syn, o);
	kfree(buf);
	return ret;
}

static void ot_set_sacks(struct ktcp_opts *o, unsigned int n)
{
	unsigned int i;

	o->present |= KTCP_OPTF_SACK;
	o->num_sacks = n;
	for (i = 0; i < n && i < KTCP_MAX_SACK_BLOCKS; i++) {
		o->sacks[i].start = 0x10000000 + i + 1;
		o->sacks[i].end = 0x20000000 + i + 1;
	}
}

/* Build @o; expect exactly @want, nothing written past it. */
static void ot_expect_build(struct kunit *test, const struct ktcp_opts *o,
			    const u8 *want, unsigned int want_len)
{
	u8 buf[KTCP_MAX_OPTLEN + 8];
	unsigned int len, i;

	memset(buf, 0xcc, sizeof(buf));
	len = ktcp_opts_build(buf, o);
	KUNIT_ASSERT_EQ(test, len, want_len);
	KUNIT_EXPECT_EQ(test, ktcp_opts_len(o), want_len);
	KUNIT_EXPECT_EQ(test, len % 4, 0U);
	if (want_len)
		KUNIT_EXPECT_MEMEQ(test, buf, want, want_len);
	for (i = len; i < sizeof(buf); i++)
		KUNIT_EXPECT_EQ(test, buf[i], 0xcc);
}

static void ot_syn_opts(struct ktcp_opts *o, u32 flags)
{
	memset(o, 0, sizeof(*o));
	o->present = flags;
	o->mss = 1460;
	o->wscale = 7;
	o->tsval = 0x01020304;
	o->tsecr = 0xa1b2c3d4;
}

#define SYN_ALL	(KTCP_OPTF_MSS | KTCP_OPTF_TS | KTCP_OPTF_SACK_PERM | \
		 KTCP_OPTF_WSCALE)

static void options_build_syn(struct kunit *test)
{
	/* tcpdump: mss 1460,sackOK,TS val .. ecr ..,nop,wscale 7 */
	static const u8 all[] = {
		2, 4, 0x05, 0xb4,
		4, 2, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
		1, 3, 3, 7,
	};
	/* net.ipv4.tcp_timestamps=0: mss 1460,nop,nop,sackOK,nop,wscale 7 */
	static const u8 no_ts[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
	/* No SACK: mss 1460,nop,nop,TS val .. ecr ..,nop,wscale 7 */
	static const u8 no_sack[] = {
		2, 4, 0x05, 0xb4,
		1, 1, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
		1, 3, 3, 7,
	};
	static const u8 mss_only[] = { 2, 4, 0x05, 0xb4 };
	struct ktcp_opts o;

	ot_syn_opts(&o, SYN_ALL);
	ot_expect_build(test, &o, all, sizeof(all));
	ot_syn_opts(&o, SYN_ALL & ~KTCP_OPTF_TS);
	ot_expect_build(test, &o, no_ts, sizeof(no_ts));
	ot_syn_opts(&o, SYN_ALL & ~KTCP_OPTF_SACK_PERM);
	ot_expect_build(test, &o, no_sack, sizeof(no_sack));
	ot_syn_opts(&o, KTCP_OPTF_MSS);
	ot_expect_build(test, &o, mss_only, sizeof(mss_only));
}

static void options_build_established(struct kunit *test)
{
	static const u8 ts[] = {
		1, 1, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
	};
	static const u8 sackperm_ts[] = {
		4, 2, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
	};
	static const u8 ws_max[] = { 1, 3, 3, 14 };
	struct ktcp_opts o;

	ot_syn_opts(&o, KTCP_OPTF_TS);
	ot_expect_build(test, &o, ts, sizeof(ts));
	ot_syn_opts(&o, KTCP_OPTF_TS | KTCP_OPTF_SACK_PERM);
	ot_expect_build(test, &o, sackperm_ts, sizeof(sackperm_ts));
	/* An out-of-range shift is never sent (RFC 7323 2.3). */
	ot_syn_opts(&o, KTCP_OPTF_WSCALE);
	o.wscale = 20;
	ot_expect_build(test, &o, ws_max, sizeof(ws_max));
	ot_syn_opts(&o, 0);
	ot_expect_build(test, &o, NULL, 0);
	/* SACK flagged with no block: nothing to send. */
	ot_syn_opts(&o, KTCP_OPTF_TS);
	ot_set_sacks(&o, 0);
	ot_expect_build(test, &o, ts, sizeof(ts));
}

static void options_build_sack(struct kunit *test)
{
	/* Four blocks alone: nop,nop,sack 4 (36 bytes). */
	static const u8 four[] = {
		1, 1, 5, 34,
		0x10, 0, 0, 1, 0x20, 0, 0, 1,
		0x10, 0, 0, 2, 0x20, 0, 0, 2,
		0x10, 0, 0, 3, 0x20, 0, 0, 3,
		0x10, 0, 0, 4, 0x20, 0, 0, 4,
	};
	/* With timestamps only three fit in 40 bytes. */
	static const u8 ts_three[] = {
		1, 1, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
		1, 1, 5, 26,
		0x10, 0, 0, 1, 0x20, 0, 0, 1,
		0x10, 0, 0, 2, 0x20, 0, 0, 2,
		0x10, 0, 0, 3, 0x20, 0, 0, 3,
	};
	/* After a full SYN set (20 bytes), two. */
	static const u8 syn_two[] = {
		2, 4, 0x05, 0xb4,
		4, 2, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
		1, 3, 3, 7,
		1, 1, 5, 18,
		0x10, 0, 0, 1, 0x20, 0, 0, 1,
		0x10, 0, 0, 2, 0x20, 0, 0, 2,
	};
	static const u8 one[] = { 1, 1, 5, 10, 0x10, 0, 0, 1, 0x20, 0, 0, 1 };
	struct ktcp_opts o;

	ot_syn_opts(&o, 0);
	ot_set_sacks(&o, 4);
	ot_expect_build(test, &o, four, sizeof(four));
	ot_syn_opts(&o, 0);
	ot_set_sacks(&o, 1);
	ot_expect_build(test, &o, one, sizeof(one));
	ot_syn_opts(&o, KTCP_OPTF_TS);
	ot_set_sacks(&o, 4);
	ot_expect_build(test, &o, ts_three, sizeof(ts_three));
	ot_syn_opts(&o, SYN_ALL);
	ot_set_sacks(&o, 4);
	ot_expect_build(test, &o, syn_two, sizeof(syn_two));
	/* A bogus count is capped at the array's four blocks. */
	ot_syn_opts(&o, 0);
	ot_set_sacks(&o, 4);
	o.num_sacks = 200;
	ot_expect_build(test, &o, four, sizeof(four));
}

static void ot_expect_same(struct kunit *test, const struct ktcp_opts *a,
			   const struct ktcp_opts *b)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, a->present, b->present);
	KUNIT_EXPECT_EQ(test, a->mss, b->mss);
	KUNIT_EXPECT_EQ(test, a->wscale, b->wscale);
	KUNIT_EXPECT_EQ(test, a->tsval, b->tsval);
	KUNIT_EXPECT_EQ(test, a->tsecr, b->tsecr);
	KUNIT_ASSERT_EQ(test, a->num_sacks, b->num_sacks);
	for (i = 0; i < a->num_sacks; i++) {
		KUNIT_EXPECT_EQ(test, a->sacks[i].start, b->sacks[i].start);
		KUNIT_EXPECT_EQ(test, a->sacks[i].end, b->sacks[i].end);
	}
}

static void options_round_trip(struct kunit *test)
{
	static const u32 syn_sets[] = {
		SYN_ALL, SYN_ALL & ~KTCP_OPTF_TS, SYN_ALL & ~KTCP_OPTF_SACK_PERM,
		KTCP_OPTF_MSS | KTCP_OPTF_WSCALE, KTCP_OPTF_SACK_PERM, 0,
	};
	struct ktcp_opts o, back;
	u8 buf[KTCP_MAX_OPTLEN];
	unsigned int i, n, len;

	for (i = 0; i < ARRAY_SIZE(syn_sets); i++) {
		ot_syn_opts(&o, syn_sets[i]);
		o.mss = 536 + i;
		o.wscale = i;
		if (!(o.present & KTCP_OPTF_MSS))
			o.mss = 0;
		if (!(o.present & KTCP_OPTF_WSCALE))
			o.wscale = 0;
		if (!(o.present & KTCP_OPTF_TS)) {
			o.tsval = 0;
			o.tsecr = 0;
		}
		len = ktcp_opts_build(buf, &o);
		KUNIT_ASSERT_EQ(test, ot_parse(test, buf, len, true, &back), 0);
		ot_expect_same(test, &o, &back);
	}
	/* Established segments: timestamps and 1..4 SACK blocks. */
	for (n = 1; n <= KTCP_MAX_SACK_BLOCKS; n++) {
		ot_syn_opts(&o, 0);
		ot_set_sacks(&o, n);
		if (n < 4) {
			o.present |= KTCP_OPTF_TS;
		} else {
			o.tsval = 0;
			o.tsecr = 0;
		}
		o.mss = 0;
		o.wscale = 0;
		len = ktcp_opts_build(buf, &o);
		KUNIT_ASSERT_EQ(test, ot_parse(test, buf, len, false, &back), 0);
		ot_expect_same(test, &o, &back);
	}
}

/* A SYN as Linux sends it, parsed with and without the SYN flag. */
static void options_parse_syn_only(struct kunit *test)
{
	static const u8 syn[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4, 1, 3, 3, 7,
	};
	/* RFC 9293 3.7.1 / RFC 7323 2.2: wrong lengths still count. */
	static const u8 bad_mss[] = { 2, 3, 5, 1 };
	struct ktcp_opts o;

	KUNIT_ASSERT_EQ(test, ot_parse(test, syn, sizeof(syn), true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)SYN_ALL);
	KUNIT_EXPECT_EQ(test, o.mss, 1460);
	KUNIT_EXPECT_EQ(test, o.wscale, 7);
	KUNIT_EXPECT_EQ(test, o.tsval, 0x01020304U);
	KUNIT_EXPECT_EQ(test, o.tsecr, 0xa1b2c3d4U);
	KUNIT_EXPECT_EQ(test, o.num_sacks, 0);

	KUNIT_ASSERT_EQ(test, ot_parse(test, syn, sizeof(syn), false, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_TS);
	KUNIT_EXPECT_EQ(test, o.mss, 0);
	KUNIT_EXPECT_EQ(test, o.wscale, 0);
	KUNIT_EXPECT_EQ(test, o.tsval, 0x01020304U);

	KUNIT_EXPECT_EQ(test, ot_parse(test, bad_mss, 4, false, &o), -EINVAL);
}

static void options_wscale_clamp(struct kunit *test)
{
	static const u8 shifts[][2] = {
		{ 0, 0 }, { 7, 7 }, { 14, 14 }, { 15, 14 }, { 255, 14 },
	};
	struct ktcp_opts o;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		u8 b[] = { 1, 3, 3, shifts[i][0] };

		KUNIT_ASSERT_EQ(test, ot_parse(test, b, sizeof(b), true, &o), 0);
		KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_WSCALE);
		KUNIT_EXPECT_EQ(test, o.wscale, shifts[i][1]);
	}
}

static void options_eol_nop_unknown(struct kunit *test)
{
	/* EOL ends the list: the malformed bytes after it are not read. */
	static const u8 eol_after_ts[] = {
		8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 0xff,
	};
	static const u8 eol_first[] = { 0, 2, 0 };
	static const u8 nops[] = { 1, 1, 1, 1, 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	/* Kinds 30, 253, 254 are unknown here: skipped by their length. */
	static const u8 unknown[] = {
		30, 4, 0xde, 0xad, 2, 4, 0x02, 0x18, 253, 2, 254, 3, 0xaa,
	};
	struct ktcp_opts o;

	KUNIT_ASSERT_EQ(test, ot_parse(test, eol_after_ts, sizeof(eol_after_ts),
				       true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_TS);
	KUNIT_EXPECT_EQ(test, o.tsecr, 0xa1b2c3d4U);

	KUNIT_ASSERT_EQ(test, ot_parse(test, eol_first, sizeof(eol_first),
				       true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);

	KUNIT_ASSERT_EQ(test, ot_parse(test, nops, sizeof(nops), true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)(KTCP_OPTF_MSS | KTCP_OPTF_WSCALE));
	KUNIT_EXPECT_EQ(test, o.mss, 1460);
	KUNIT_EXPECT_EQ(test, o.wscale, 7);

	KUNIT_ASSERT_EQ(test, ot_parse(test, unknown, sizeof(unknown), true,
				       &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_MSS);
	KUNIT_EXPECT_EQ(test, o.mss, 536);

	/* Nothing at all, and only padding. */
	KUNIT_EXPECT_EQ(test, ot_parse(test, NULL, 0, true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
	KUNIT_EXPECT_EQ(test, ot_parse(test, nops, 4, true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
}

struct ot_bad {
	const char *name;
	bool syn;
	u8 len;
	u8 b[44];
};

static const struct ot_bad ot_bad_lists[] = {
	{ "mss length 0", true, 4, { 2, 0, 5, 0xb4 } },
	{ "unknown length 0", true, 2, { 30, 0 } },
	{ "ts length 1", false, 2, { 8, 1 } },
	{ "unknown length 1", false, 4, { 99, 1, 1, 1 } },
	{ "unknown overruns", false, 4, { 30, 6, 0, 0 } },
	{ "length 255", false, 4, { 30, 255, 0, 0 } },
	{ "ts overruns", false, 6, { 8, 10, 1, 2, 3, 4 } },
	{ "ts after nop overruns", false, 10, { 1, 8, 10, 1, 2, 3, 4, 5, 6 } },
	{ "kind without length at end", true, 3, { 1, 1, 2 } },
	{ "lone ts kind", false, 1, { 8 } },
	{ "lone unknown kind", false, 1, { 77 } },
	{ "mss length 3", true, 4, { 2, 3, 5, 1 } },
	{ "mss length 5", true, 5, { 2, 5, 5, 0xb4, 0 } },
	{ "ws length 2", true, 2, { 3, 2 } },
	{ "ws length 4", true, 4, { 3, 4, 7, 0 } },
	{ "ws length 4, no syn", false, 4, { 3, 4, 7, 0 } },
	{ "sackperm length 3", true, 3, { 4, 3, 0 } },
	{ "sackperm length 4, no syn", false, 4, { 4, 4, 0, 0 } },
	{ "ts length 9", false, 9, { 8, 9 } },
	{ "ts length 11", false, 11, { 8, 11 } },
	{ "sack 0 blocks", false, 2, { 5, 2 } },
	{ "sack length 11", false, 11, { 5, 11 } },
	{ "sack length 3", false, 3, { 5, 3 } },
	{ "sack 5 blocks", false, 42, { 5, 42 } },
	{ "ts twice", false, 20, { 8, 10, 1, 2, 3, 4, 5, 6, 7, 8,
				   8, 10, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "mss twice", true, 8, { 2, 4, 5, 0xb4, 2, 4, 2, 0x18 } },
	{ "ws twice", true, 8, { 1, 3, 3, 7, 1, 3, 3, 8 } },
	{ "sackperm twice", true, 4, { 4, 2, 4, 2 } },
	{ "sack twice", false, 20, { 5, 10, 0, 0, 0, 1, 0, 0, 0, 2,
				     5, 10, 0, 0, 0, 3, 0, 0, 0, 4 } },
};

static void options_malformed(struct kunit *test)
{
	struct ktcp_opts o;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ot_bad_lists); i++) {
		const struct ot_bad *bad = &ot_bad_lists[i];

		KUNIT_EXPECT_EQ_MSG(test,
				    ot_parse(test, bad->b, bad->len, bad->syn, &o),
				    -EINVAL, "%s", bad->name);
	}
}

/* Options that only count in a SYN are skipped elsewhere, even twice. */
static void options_ignored_duplicates(struct kunit *test)
{
	static const u8 b[] = { 2, 4, 5, 0xb4, 2, 4, 2, 0x18, 4, 2, 4, 2 };
	struct ktcp_opts o;

	KUNIT_EXPECT_EQ(test, ot_parse(test, b, sizeof(b), false, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
	KUNIT_EXPECT_EQ(test, ot_parse(test, b, sizeof(b), true, &o), -EINVAL);
}

/* What a successful parse may hand back, and that it rebuilds cleanly. */
static void ot_check_sane(struct kunit *test, const struct ktcp_opts *o,
			  bool syn)
{
	struct ktcp_opts back;
	u8 buf[KTCP_MAX_OPTLEN];
	unsigned int len;

	KUNIT_ASSERT_EQ(test, o->present & ~(u32)(SYN_ALL | KTCP_OPTF_SACK |
						   KTCP_OPTF_FASTOPEN), 0U);
	if (!syn)
		KUNIT_ASSERT_EQ(test, o->present &
				(u32)((SYN_ALL & ~KTCP_OPTF_TS) | KTCP_OPTF_FASTOPEN),
				0U);
	if (o->present & KTCP_OPTF_FASTOPEN)
		KUNIT_ASSERT_TRUE(test, !o->fo_len ||
				  (!(o->fo_len & 1) &&
				   o->fo_len >= KTCP_FASTOPEN_COOKIE_MIN &&
				   o->fo_len <= KTCP_FASTOPEN_COOKIE_MAX));
	KUNIT_ASSERT_LE(test, o->wscale, KTCP_MAX_WSCALE);
	KUNIT_ASSERT_LE(test, o->num_sacks, KTCP_MAX_SACK_BLOCKS);
	KUNIT_ASSERT_EQ(test, !!(o->present & KTCP_OPTF_SACK), !!o->num_sacks);

	len = ktcp_opts_build(buf, o);
	KUNIT_ASSERT_LE(test, len, KTCP_MAX_OPTLEN);
	KUNIT_ASSERT_EQ(test, ot_parse(test, buf, len, syn, &back), 0);
	/* Fast Open is left out only when the rest leaves it no room. */
	if ((o->present & KTCP_OPTF_FASTOPEN) &&
	    !(back.present & KTCP_OPTF_FASTOPEN))
		KUNIT_ASSERT_GT(test, len + ALIGN(o->fo_len +
						  (o->fo_exp ? 4 : 2), 4),
				(unsigned int)KTCP_MAX_OPTLEN);
	else if (o->present & KTCP_OPTF_FASTOPEN)
		KUNIT_ASSERT_MEMEQ(test, back.fo_cookie, o->fo_cookie,
				   o->fo_len);
	KUNIT_ASSERT_EQ(test, back.present | (o->present & KTCP_OPTF_FASTOPEN),
			o->present);
	KUNIT_ASSERT_EQ(test, back.tsval, o->tsval);
	KUNIT_ASSERT_EQ(test, back.mss, o->mss);
}

/* Parse one fuzz list; returns 1 if it was valid (and then sane). */
static unsigned int ot_fuzz_one(struct kunit *test, const u8 *b,
				unsigned int len, bool syn)
{
	struct ktcp_opts o;

	if (ot_parse(test, b, len, syn, &o))
		return 0;
	ot_check_sane(test, &o, syn);
	return 1;
}

/* Knuth's MMIX LCG: a fixed seed gives the same lists on every run. */
static u8 ot_rand_byte(u64 *rng)
{
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	/* Mostly kinds 0..11 and small lengths, to get past the first option. */
	if ((*rng >> 60) < 12)
		return (*rng >> 56) % 12;
	return *rng >> 40;
}

/* Every 1- and 2-byte list, then random ones: no crash, sane results. */
static void options_fuzz(struct kunit *test)
{
	unsigned int i, j, len, ok = 0;
	u64 rng = 0x6f707473;
	u8 b[KTCP_MAX_OPTLEN];

	for (i = 0; i < 0x20000; i++) {
		b[0] = i >> 9;
		b[1] = (i >> 1) & 0xff;
		ok += ot_fuzz_one(test, b, 1, i & 1);
		ok += ot_fuzz_one(test, b, 2, i & 1);
	}
	for (i = 0; i < 20000; i++) {
		len = 1 + ot_rand_byte(&rng) % KTCP_MAX_OPTLEN;
		for (j = 0; j < len; j++)
			b[j] = ot_rand_byte(&rng);
		ok += ot_fuzz_one(test, b, len, i & 1);
	}
	/* The fuzz is only worth something if many lists were valid. */
	KUNIT_EXPECT_GT(test, ok, 1000U);
}

/*
 * Fast Open (RFC 7413 4.1.1) after wscale, as Linux's SYN and SYN-ACK
 * carry it: kind 34 (or 254 and magic 0xF989), NOP NOP when the length
 * leaves two bytes of a word.
 */
static void options_fastopen_build(struct kunit *test)
{
	static const u8 base[] = {
		2, 4, 0x05, 0xb4,
		4, 2, 8, 10, 1, 2, 3, 4, 0xa1, 0xb2, 0xc3, 0xd4,
		1, 3, 3, 7,
	};
	static const u8 req[] = { 34, 2, 1, 1 };
	static const u8 cookie[] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 };
	static const u8 exp_req[] = { 254, 4, 0xf9, 0x89 };
	static const u8 exp16[] = { 254, 20, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7,
				    8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const struct { const u8 *b; u8 n, len; bool exp; } c[] = {
		{ req, sizeof(req), 0, false },
		{ cookie, sizeof(cookie), 8, false },
		{ exp_req, sizeof(exp_req), 0, true },
		{ exp16, sizeof(exp16), 16, true },
	};
	u8 want[KTCP_MAX_OPTLEN];
	struct ktcp_opts o;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ot_syn_opts(&o, SYN_ALL | KTCP_OPTF_FASTOPEN);
		o.fo_len = c[i].len;
		o.fo_exp = c[i].exp;
		for (j = 0; j < o.fo_len; j++)
			o.fo_cookie[j] = j + 1;
		memcpy(want, base, sizeof(base));
		memcpy(want + sizeof(base), c[i].b, c[i].n);
		ot_expect_build(test, &o, want, sizeof(base) + c[i].n);
	}
	/* No room after 4 SACK blocks: left out (tcp_syn_options()). */
	ot_syn_opts(&o, KTCP_OPTF_TS | KTCP_OPTF_FASTOPEN);
	ot_set_sacks(&o, 3);
	o.fo_len = 8;
	KUNIT_EXPECT_EQ(test, ktcp_opts_len(&o), 12U + 4 + 3 * 8);
}

static void options_fastopen_parse(struct kunit *test)
{
	static const u8 req[] = { 34, 2 };
	static const u8 cookie[] = { 1, 1, 34, 10, 9, 8, 7, 6, 5, 4, 3, 2 };
	static const u8 exp[] = { 254, 8, 0xf9, 0x89, 1, 2, 3, 4 };
	static const u8 odd[] = { 34, 7, 1, 2, 3, 4, 5 };
	static const u8 short2[] = { 34, 4, 1, 2 };
	static const u8 other_magic[] = { 254, 8, 0x12, 0x34, 1, 2, 3, 4 };
	static const u8 twice[] = { 34, 2, 34, 6, 4, 3, 2, 1 };
	struct ktcp_opts o;

	KUNIT_ASSERT_EQ(test, ot_parse(test, req, sizeof(req), true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_FASTOPEN);
	KUNIT_EXPECT_EQ(test, o.fo_len, 0);
	KUNIT_EXPECT_FALSE(test, o.fo_exp);
	KUNIT_ASSERT_EQ(test, ot_parse(test, cookie, sizeof(cookie), true, &o),
			0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_FASTOPEN);
	KUNIT_EXPECT_EQ(test, o.fo_len, 8);
	KUNIT_EXPECT_MEMEQ(test, o.fo_cookie, cookie + 4, 8);
	KUNIT_ASSERT_EQ(test, ot_parse(test, exp, sizeof(exp), true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, (u32)KTCP_OPTF_FASTOPEN);
	KUNIT_EXPECT_EQ(test, o.fo_len, 4);
	KUNIT_EXPECT_TRUE(test, o.fo_exp);
	/* Not a SYN, an odd or too short cookie, another experiment: none. */
	KUNIT_ASSERT_EQ(test, ot_parse(test, cookie, sizeof(cookie), false, &o),
			0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
	KUNIT_ASSERT_EQ(test, ot_parse(test, odd, sizeof(odd), true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
	KUNIT_ASSERT_EQ(test, ot_parse(test, short2, sizeof(short2), true, &o),
			0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
	KUNIT_ASSERT_EQ(test, ot_parse(test, other_magic, sizeof(other_magic),
				       true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.present, 0U);
	/* Two: the last counts, as in tcp_parse_options(). */
	KUNIT_ASSERT_EQ(test, ot_parse(test, twice, sizeof(twice), true, &o), 0);
	KUNIT_EXPECT_EQ(test, o.fo_len, 4);
	KUNIT_EXPECT_MEMEQ(test, o.fo_cookie, twice + 4, 4);
}

static struct kunit_case ktcp_options_cases[] = {
	KUNIT_CASE(options_build_syn),
	KUNIT_CASE(options_build_established),
	KUNIT_CASE(options_build_sack),
	KUNIT_CASE(options_round_trip),
	KUNIT_CASE(options_parse_syn_only),
	KUNIT_CASE(options_wscale_clamp),
	KUNIT_CASE(options_eol_nop_unknown),
	KUNIT_CASE(options_malformed),
	KUNIT_CASE(options_ignored_duplicates),
	KUNIT_CASE(options_fastopen_build),
	KUNIT_CASE(options_fastopen_parse),
	KUNIT_CASE(options_fuzz),
	{}
};

static struct kunit_suite ktcp_options_suite = {
	.name = "ktcp_options",
	.test_cases = ktcp_options_cases,
};

kunit_test_suite(ktcp_options_suite);
