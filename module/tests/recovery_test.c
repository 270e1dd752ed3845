// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for sender loss recovery (recovery.c): the per-skb SACK
 * scoreboard and in-flight accounting the socket uses, with no network.
 *
 * Each test kunit_kzalloc's a ktcp_sock in init_net and sets up only what
 * recovery.c reads: the write queue and send_head, SND.UNA and SND.NXT,
 * "recover" (ISS, as ktcp_sock_init_seq() sets it), DupThresh, whether SACK
 * was agreed, and congestion control (reno, for round numbers). Segments
 * of RT_MSS octets are queued and sent as output.c sends them; an ACK is
 * applied in input.c's order: the cumulative ACK frees what it covers
 * (ktcp_scoreboard_acked()), then ktcp_scoreboard_sack(), then
 * ktcp_recovery_on_ack() with input.c's duplicate flag. A KUnit action
 * purges the write queue even when an assertion ends a test early; the
 * test owns the socket lock (recovery.c asserts it), as a process would.
 *
 * These suites test the DupThresh rules (RFC 5681, 6582, 6675), which
 * Linux runs with net.ipv4.tcp_recovery 0: rt_start() turns RACK off in
 * init_net for the test (rack_test.c tests RACK) and an action restores it.
 *
 * Sequence numbers in a test are offsets from the first data octet (ISS
 * + 1), so that the same scenarios also run across 2^32. A scoreboard is
 * written one character per queued skb, lowest first: '.' nothing, 'S'
 * SACKed, 'L' lost, 'R' lost and retransmitted, '?' anything else.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "../ktcp.h"
#include "../recovery.h"

#define RT_MSS		1000
#define RT_MAX_SEGS	32
#define RT_NONE		(-1)	/* rt_next_lost(): nothing to retransmit */

/* A SACK block, as offsets from the first data octet. */
struct rt_blk {
	u32 start;
	u32 end;
};

struct rt_ctx {
	struct kunit *test;
	struct ktcp_sock *ks;
	struct sock *sk;
	u32 base;		/* first data octet, ISS + 1 */
	u32 queued;		/* octets queued, from base */
	unsigned long fastretrans;	/* counters when the test began */
	unsigned long dsackrecv;
	unsigned long undo[5];		/* TCPFullUndo ... TCPSpuriousRTOs */
	u32 tsecr;		/* TSecr of the ACKs rt_ack() makes; 0: none */
};

static const enum ktcp_mib_field rt_undo_mibs[5] = {
	KTCP_MIB_TCPFULLUNDO, KTCP_MIB_TCPPARTIALUNDO, KTCP_MIB_TCPDSACKUNDO,
	KTCP_MIB_TCPLOSSUNDO, KTCP_MIB_TCPSPURIOUSRTOS,
};

KUNIT_DEFINE_ACTION_WRAPPER(rt_purge_action, ktcp_rtxq_purge, struct sock *);

/*
 * recovery.c asserts the socket lock. The rt_*() wrappers below take it
 * around each call alone, as a process would, so that an assertion that
 * ends a test early never leaves it held.
 */
static struct lock_class_key rt_slock_key, rt_sk_key;

/* A counter of init_net, summed over the CPUs. */
static unsigned long rt_mib(enum ktcp_mib_field f)
{
	struct ktcp_mib __percpu *mib = ktcp_pernet(&init_net)->mib;
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(mib, cpu)->mibs[f];
	return sum;
}

static unsigned long rt_fastretrans(const struct rt_ctx *c)
{
	return rt_mib(KTCP_MIB_FASTRETRANS) - c->fastretrans;
}

static unsigned long rt_dsackrecv(const struct rt_ctx *c)
{
	return rt_mib(KTCP_MIB_DSACKRECV) - c->dsackrecv;
}

/* The undo counters since the test began, as "full partial dsack loss rto". */
static void rt_expect_undo(struct rt_ctx *c, int line, const char *want)
{
	char got[32];
	unsigned long v[5];
	int i;

	for (i = 0; i < 5; i++)
		v[i] = rt_mib(rt_undo_mibs[i]) - c->undo[i];
	snprintf(got, sizeof(got), "%lu %lu %lu %lu %lu", v[0], v[1], v[2],
		 v[3], v[4]);
	KUNIT_EXPECT_STREQ_MSG(c->test, got, want, "line %d", line);
}

#define RT_EXPECT_UNDO(c, want)	rt_expect_undo(c, __LINE__, want)

static void rt_sent(struct rt_ctx *c, struct sk_buff *skb, bool new_data)
{
	lock_sock(c->sk);
	ktcp_scoreboard_sent(c->sk, skb, new_data);
	release_sock(c->sk);
}

static void rt_acked(struct rt_ctx *c, struct sk_buff *skb)
{
	u32 reord = c->ks->snd_nxt;

	lock_sock(c->sk);
	ktcp_scoreboard_acked(c->sk, skb, &reord);
	release_sock(c->sk);
}

static u32 rt_sack(struct rt_ctx *c, const struct ktcp_opts *o)
{
	u32 newly;

	lock_sock(c->sk);
	newly = ktcp_scoreboard_sack(c->sk, o);
	release_sock(c->sk);
	return newly;
}

static void rt_on_ack(struct rt_ctx *c, u32 acked, bool dup)
{
	lock_sock(c->sk);
	ktcp_recovery_on_ack(c->sk, acked, 0, dup);
	release_sock(c->sk);
}

static struct sk_buff *rt_lost(struct rt_ctx *c)
{
	struct sk_buff *skb;

	lock_sock(c->sk);
	skb = ktcp_recovery_next_lost(c->sk);
	release_sock(c->sk);
	return skb;
}

static void rt_on_rto(struct rt_ctx *c)
{
	lock_sock(c->sk);
	ktcp_recovery_on_rto(c->sk);
	release_sock(c->sk);
}

/* Queue @n segments of RT_MSS octets after what is queued (sendmsg()). */
static void rt_queue(struct rt_ctx *c, unsigned int n)
{
	struct ktcp_sock *ks = c->ks;
	struct sk_buff *skb;

	while (n--) {
		skb = alloc_skb(0, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(c->test, skb);
		memset(KTCP_SKB_CB(skb), 0, sizeof(struct ktcp_skb_cb));
		KTCP_SKB_CB(skb)->seq = c->base + c->queued;
		KTCP_SKB_CB(skb)->end_seq = c->base + c->queued + RT_MSS;
		KTCP_SKB_CB(skb)->flags = TCPHDR_ACK;
		c->queued += RT_MSS;
		__skb_queue_tail(&c->sk->sk_write_queue, skb);
		if (!ks->send_head)
			ks->send_head = skb;
	}
}

/* Send @n new segments from send_head, as __ktcp_output_push() does. */
static void rt_send(struct rt_ctx *c, unsigned int n)
{
	struct ktcp_sock *ks = c->ks;
	struct sock *sk = c->sk;
	struct sk_buff *skb;

	while (n--) {
		skb = ks->send_head;
		KUNIT_ASSERT_NOT_NULL(c->test, skb);
		rt_sent(c, skb, true);
		ks->snd_nxt = KTCP_SKB_CB(skb)->end_seq;
		ks->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
				NULL : skb->next;
	}
}

static void rt_recovery_restore(void *old)
{
	WRITE_ONCE(ktcp_pernet(&init_net)->recovery, (int)(long)old);
}

/*
 * A socket after the handshake with ISS @iss, SACK agreed or not, and
 * @sent + @unsent segments queued of which @sent are sent.
 */
static struct rt_ctx *rt_start(struct kunit *test, u32 iss,
			       unsigned int sent, unsigned int unsent,
			       bool sack_ok)
{
	struct ktcp_sock *ks;
	struct rt_ctx *c;
	void *old;
	struct sock *sk;
	int i;

	/* ktcp is built in: its pernet init has run for init_net. */
	if (!ktcp_net_id || !ktcp_pernet(&init_net)->mib)
		kunit_skip(test, "ktcp has no state in init_net");
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	ks = kunit_kzalloc(test, sizeof(*ks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ks);
	sk = &ks->inet.sk;
	c->test = test;
	c->ks = ks;
	c->sk = sk;
	sock_net_set(sk, &init_net);
	skb_queue_head_init(&sk->sk_write_queue);
	ktcp_rtxq_init(ks);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rt_purge_action, sk),
			0);
	sk->sk_prot = &ktcp_prot;	/* release_sock() calls its release_cb */
	sock_lock_init_class_and_name(sk, "slock-ktcp-test", &rt_slock_key,
				      "sk_lock-ktcp-test", &rt_sk_key);
	old = (void *)(long)ktcp_pernet(&init_net)->recovery;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rt_recovery_restore, old),
			0);
	WRITE_ONCE(ktcp_pernet(&init_net)->recovery, 0);
	c->base = iss + 1;
	ks->iss = iss;
	ks->snd_una = c->base;
	ks->snd_nxt = c->base;
	ks->recover = iss;
	ks->reordering = KTCP_REORDERING_INIT;
	ks->mss = RT_MSS;
	ks->neg.sack_ok = sack_ok;
	ktcp_cc_init(&ks->cc, &ktcp_cc_reno);
	c->fastretrans = rt_mib(KTCP_MIB_FASTRETRANS);
	c->dsackrecv = rt_mib(KTCP_MIB_DSACKRECV);
	for (i = 0; i < 5; i++)
		c->undo[i] = rt_mib(rt_undo_mibs[i]);
	rt_queue(c, sent + unsent);
	rt_send(c, sent);
	return c;
}

/*
 * An ACK of @ack with the SACK blocks @blk[0..@n), through the calls
 * ktcp_input_ack() makes. @wnd_update: the ACK also changes the window, so
 * it is no duplicate in RFC 5681's sense. Returns ktcp_scoreboard_sack()'s
 * count of newly SACKed segments.
 */
static u32 rt_ack(struct rt_ctx *c, u32 ack, bool wnd_update,
		  const struct rt_blk *blk, unsigned int n)
{
	struct ktcp_sock *ks = c->ks;
	struct sock *sk = c->sk;
	struct ktcp_opts o = {};
	struct sk_buff *skb;
	u32 acked = 0, newly, prior_una = ks->snd_una;
	unsigned int i;
	bool dup;

	ack += c->base;
	KUNIT_ASSERT_LE(c->test, n, KTCP_MAX_SACK_BLOCKS);
	KUNIT_ASSERT_FALSE(c->test, ktcp_seq_after(ack, ks->snd_nxt));
	/* ktcp_input_clean_rtx() */
	if (ktcp_seq_after(ack, ks->snd_una)) {
		while ((skb = skb_peek(&sk->sk_write_queue)) &&
		       skb != ks->send_head &&
		       !ktcp_seq_after(KTCP_SKB_CB(skb)->end_seq, ack)) {
			rt_acked(c, skb);
			ktcp_rtxq_unlink(sk, skb);
			kfree_skb(skb);
			acked++;
		}
		ks->snd_una = ack;
	}
	for (i = 0; i < n; i++) {
		o.sacks[i].start = c->base + blk[i].start;
		o.sacks[i].end = c->base + blk[i].end;
	}
	if (n)
		o.present |= KTCP_OPTF_SACK;
	o.num_sacks = n;
	if (c->tsecr) {
		o.present |= KTCP_OPTF_TS;
		o.tsecr = c->tsecr;
	}
	/* ktcp_input_ack() */
	dup = ack == prior_una && !wnd_update;
	newly = rt_sack(c, &o);
	if (newly && ack == prior_una)
		dup = true;
	rt_on_ack(c, acked, dup);
	return newly;
}

/* A duplicate ACK with no SACK option. */
static void rt_dupack(struct rt_ctx *c)
{
	rt_ack(c, c->ks->snd_una - c->base, false, NULL, 0);
}

/* Segment @i, the one that starts at offset @i * RT_MSS. */
static struct sk_buff *rt_skb(struct rt_ctx *c, int i)
{
	struct sk_buff *skb;

	skb_queue_walk(&c->sk->sk_write_queue, skb)
		if (KTCP_SKB_CB(skb)->seq == c->base + i * RT_MSS)
			return skb;
	KUNIT_FAIL_AND_ABORT(c->test, "segment %d is not queued", i);
	return NULL;
}

static int rt_index(const struct rt_ctx *c, const struct sk_buff *skb)
{
	return skb ? (KTCP_SKB_CB(skb)->seq - c->base) / RT_MSS : RT_NONE;
}

/* Which segment ktcp_recovery_next_lost() returns, or RT_NONE. */
static int rt_next_lost(struct rt_ctx *c)
{
	return rt_index(c, rt_lost(c));
}

/* Retransmit the next lost segment, as ktcp_output_retransmit_lost(). */
static int rt_rexmit(struct rt_ctx *c)
{
	struct sk_buff *skb = rt_lost(c);

	KUNIT_ASSERT_NOT_NULL(c->test, skb);
	rt_sent(c, skb, false);
	return rt_index(c, skb);
}

static char rt_mark(u8 sacked)
{
	switch (sacked) {
	case 0:
		return '.';
	case KTCP_SKB_SACKED:
		return 'S';
	case KTCP_SKB_LOST:
		return 'L';
	case KTCP_SKB_LOST | KTCP_SKB_RETRANS:
		return 'R';
	}
	return '?';
}

/* The scoreboard and the counters, reported with the caller's line. */
static void rt_expect(struct rt_ctx *c, int line, const char *board,
		      u32 packets, u32 sacked, u32 lost, u32 retrans,
		      u32 flight)
{
	struct kunit *test = c->test;
	const struct ktcp_sock *ks = c->ks;
	char got[RT_MAX_SEGS + 1];
	struct sk_buff *skb;
	unsigned int n = 0;

	skb_queue_walk(&c->sk->sk_write_queue, skb) {
		if (n == RT_MAX_SEGS)
			break;
		got[n++] = rt_mark(KTCP_SKB_CB(skb)->sacked);
	}
	got[n] = '\0';
	KUNIT_EXPECT_STREQ_MSG(test, got, board, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, ks->packets_out, packets, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, ks->sacked_out, sacked, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, ks->lost_out, lost, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, ks->retrans_out, retrans, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, ktcp_in_flight(ks), flight, "line %d", line);
}

#define RT_EXPECT(c, ...)	rt_expect(c, __LINE__, __VA_ARGS__)

/* SACK blocks mark whole segments only (skbs are never split). */
static void recovery_sack_whole_segments(struct kunit *test)
{
	static const struct rt_blk half[] = { { 1500, 3000 } };
	static const struct rt_blk parts[] = {
		{ 3000, 3999 },		/* segment 3 but its last octet */
		{ 4001, 5000 },		/* segment 4 but its first */
		{ 5500, 6500 },		/* halves of 5 and 6 */
	};
	static const struct rt_blk one[] = { { 1000, 2000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);

	RT_EXPECT(c, "..........", 10, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, half, 1), 1U);
	RT_EXPECT(c, "..S.......", 10, 1, 0, 0, 9);
	KUNIT_EXPECT_EQ(test, c->ks->dupacks, 1);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, true, parts, ARRAY_SIZE(parts)),
			0U);
	RT_EXPECT(c, "..S.......", 10, 1, 0, 0, 9);
	KUNIT_EXPECT_EQ(test, c->ks->dupacks, 1);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, one, 1), 1U);
	RT_EXPECT(c, ".SS.......", 10, 2, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, c->ks->dupacks, 2);
	/* Two SACKed above segment 0 is below DupThresh: nothing lost. */
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 0UL);
}

/*
 * RFC 2018 4 and RFC 6675 5: blocks not wholly above SND.UNA and at or
 * below SND.NXT, reversed or empty blocks, and repeats change nothing;
 * nor does a SACK option when SACK was not agreed.
 */
static void recovery_sack_ignored_blocks(struct kunit *test)
{
	static const struct rt_blk bad1[] = {
		{ 3000, 3000 },		/* empty */
		{ 500, 1500 },		/* below SND.UNA */
		{ 1500, 2500 },		/* across SND.UNA */
		{ 9500, 10500 },	/* across SND.NXT */
	};
	static const struct rt_blk bad2[] = {
		{ 10000, 11000 },	/* a segment not sent yet */
		{ 5000, 4000 },		/* reversed */
		{ 2000, 12000 },	/* all, but past SND.NXT */
		{ 4000, 4000 + 0x7fffffffU },	/* 2^31 - 1 octets */
	};
	static const struct rt_blk good[] = { { 3000, 4000 } };
	static const struct rt_blk twice[] = {
		{ 3000, 4000 }, { 9000, 10000 },
		{ 9000, 10000 }, { 3000, 4000 },
	};
	struct rt_ctx *c = rt_start(test, 1000, 10, 2, true);
	struct ktcp_opts o = {};

	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, false, NULL, 0), 0U);
	RT_EXPECT(c, "..........", 8, 0, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, bad1, ARRAY_SIZE(bad1)),
			0U);
	RT_EXPECT(c, "..........", 8, 0, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, bad2, ARRAY_SIZE(bad2)),
			0U);
	RT_EXPECT(c, "..........", 8, 0, 0, 0, 8);

	/* SACK not agreed, or no SACK option: blocks are not looked at. */
	c->ks->neg.sack_ok = 0;
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, good, 1), 0U);
	c->ks->neg.sack_ok = 1;
	o.num_sacks = 1;
	o.sacks[0].start = c->base + good[0].start;
	o.sacks[0].end = c->base + good[0].end;
	KUNIT_EXPECT_EQ(test, rt_sack(c, &o), 0U);
	RT_EXPECT(c, "..........", 8, 0, 0, 0, 8);

	/* Repeated blocks, and the same ACK again: each segment once. */
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, twice, ARRAY_SIZE(twice)),
			2U);
	RT_EXPECT(c, ".S.....S..", 8, 2, 0, 0, 6);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, twice, ARRAY_SIZE(twice)),
			0U);
	RT_EXPECT(c, ".S.....S..", 8, 2, 0, 0, 6);

	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	KUNIT_EXPECT_EQ(test, c->ks->reordering, KTCP_REORDERING_INIT);
	KUNIT_EXPECT_EQ(test, rt_dsackrecv(c), 0UL);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_PTR_EQ(test, c->ks->send_head, rt_skb(c, 10));
}

/*
 * RFC 2883 4: a first block below the cumulative ACK, or inside the
 * second block, is a D-SACK. It marks nothing itself and is counted;
 * DupThresh stays (Linux raises it only for reordering it measures,
 * tcp_check_sack_reordering(); RACK's window is what D-SACKs widen).
 */
static void recovery_dsack(struct kunit *test)
{
	static const struct rt_blk below[] = { { 1000, 2000 } };
	static const struct rt_blk inside[] = {
		{ 3500, 4000 }, { 3000, 5000 },
	};
	static const struct rt_blk reversed[] = { { 2000, 1000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);
	int i;

	rt_ack(c, 2000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, below, 1), 0U);
	RT_EXPECT(c, "........", 8, 0, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, rt_dsackrecv(c), 1UL);
	/* Linux measures reordering; a D-SACK alone does not raise it. */
	KUNIT_EXPECT_EQ(test, c->ks->reordering, KTCP_REORDERING_INIT);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, inside, 2), 2U);
	RT_EXPECT(c, ".SS.....", 8, 2, 0, 0, 6);
	KUNIT_EXPECT_EQ(test, rt_dsackrecv(c), 2UL);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, true, reversed, 1), 0U);
	KUNIT_EXPECT_EQ(test, rt_dsackrecv(c), 2UL);

	for (i = 0; i < 10; i++)
		rt_ack(c, 2000, true, below, 1);
	KUNIT_EXPECT_EQ(test, rt_dsackrecv(c), 12UL);
	KUNIT_EXPECT_EQ(test, c->ks->reordering, KTCP_REORDERING_INIT);
	RT_EXPECT(c, ".SS.....", 8, 2, 0, 0, 6);
	KUNIT_EXPECT_EQ(test, c->ks->reord_seen, 0U);
}

/*
 * TCP_INFO's tcpi_delivered and tcpi_dsack_dups (tcp_count_delivered(),
 * tcp_dsack_seen()): a segment counts once, when cumulatively or
 * selectively acknowledged; a D-SACK counts the segments it covers, which
 * count as delivered again only while no more were D-SACKed than were
 * retransmitted; one wider than any window offered counts nothing.
 */
static void recovery_delivered(struct kunit *test)
{
	static const struct rt_blk sack[] = { { 3000, 5000 } };
	static const struct rt_blk dsack[] = { { 0, 2000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);
	struct ktcp_sock *ks = c->ks;

	ks->max_window = 65535;
	rt_ack(c, 2000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->delivered, 2U);
	rt_ack(c, 2000, true, sack, 1);
	KUNIT_EXPECT_EQ(test, ks->delivered, 4U);
	/* Segment 2 is new; 3 and 4 were counted when SACKed. */
	rt_ack(c, 5000, true, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->delivered, 5U);
	KUNIT_EXPECT_EQ(test, ks->dsack_dups, 0U);

	rt_ack(c, 5000, true, dsack, 1);
	KUNIT_EXPECT_EQ(test, ks->dsack_dups, 2U);
	KUNIT_EXPECT_EQ(test, ks->delivered, 5U);	/* none was resent */
	ks->total_retrans = 4;
	rt_ack(c, 5000, true, dsack, 1);
	KUNIT_EXPECT_EQ(test, ks->dsack_dups, 4U);
	KUNIT_EXPECT_EQ(test, ks->delivered, 7U);
	ks->max_window = 1000;
	rt_ack(c, 5000, true, dsack, 1);
	KUNIT_EXPECT_EQ(test, ks->dsack_dups, 4U);
	KUNIT_EXPECT_EQ(test, ks->delivered, 7U);
}

/*
 * cwnd grows by what an ACK delivered (tcp_cong_control()'s acked_sacked)
 * and only when it acks new data (tcp_may_raise_cwnd()): not on a
 * duplicate that SACKs, and a cumulative ACK over segments SACKed before
 * counts only those it newly delivers.
 */
static void recovery_cwnd_growth(struct kunit *test)
{
	static const struct rt_blk two[] = { { 1000, 3000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);
	struct ktcp_sock *ks = c->ks;

	ks->max_window = 65535;
	ks->cwnd_limited = true;	/* slow start, cwnd-limited */
	rt_ack(c, 0, false, two, 1);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 10U);	/* nothing acked */
	rt_ack(c, 3000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 11U);	/* segment 0 only */
	rt_ack(c, 5000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 13U);
}

/* RFC 6675 IsLost: DupThresh (3) SACKed segments above a hole, not 2. */
static void recovery_islost_threshold(struct kunit *test)
{
	static const struct rt_blk two[] = { { 1000, 3000 } };
	static const struct rt_blk three[] = { { 3000, 4000 }, { 1000, 3000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, two, 1), 2U);
	RT_EXPECT(c, ".SS.......", 10, 2, 0, 0, 8);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);

	/* The second duplicate ACK, but a lost segment: fast recovery. */
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, three, 2), 1U);
	RT_EXPECT(c, "LSSS......", 10, 3, 1, 0, 6);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), 0);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->ks->recover, c->base + 10 * RT_MSS);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);

	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	RT_EXPECT(c, "RSSS......", 10, 3, 1, 1, 7);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
}

/*
 * Two holes: both lost at once, retransmitted lowest first. A partial ACK
 * for the first leaves the second's retransmission in flight (it is not
 * sent again) and marks the next unSACKed segment lost (RFC 6582 3.2).
 */
static void recovery_islost_two_holes(struct kunit *test)
{
	static const struct rt_blk b[] = { { 1000, 2000 }, { 3000, 6000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, b, 2), 4U);
	RT_EXPECT(c, "LSLSSS....", 10, 4, 2, 0, 4);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), 0);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	RT_EXPECT(c, "RSLSSS....", 10, 4, 2, 1, 5);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), 2);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 2);
	RT_EXPECT(c, "RSRSSS....", 10, 4, 2, 2, 6);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);

	/* Segment 0's retransmission arrives. */
	KUNIT_EXPECT_EQ(test, rt_ack(c, 2000, false, b + 1, 1), 0U);
	RT_EXPECT(c, "RSSS....", 8, 3, 1, 1, 5);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);

	/* Segment 2's: the partial ACK shows segment 6 lost. */
	KUNIT_EXPECT_EQ(test, rt_ack(c, 6000, false, NULL, 0), 0U);
	RT_EXPECT(c, "L...", 4, 0, 1, 0, 3);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 6);
	RT_EXPECT(c, "R...", 4, 0, 1, 1, 4);

	rt_ack(c, 10000, false, NULL, 0);
	RT_EXPECT(c, "", 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);
}

/*
 * SACK recovery from the first SACK to the cumulative ACK of everything:
 * a retransmission counts once in retrans_out, only for a lost segment; a
 * SACK of a retransmitted segment clears its lost and retransmitted state.
 */
static void rt_sack_scenario(struct kunit *test, u32 iss)
{
	static const struct rt_blk a[] = { { 1000, 2000 } };
	static const struct rt_blk b[] = { { 3000, 5000 }, { 1000, 2000 } };
	static const struct rt_blk d[] = { { 3000, 6000 }, { 1000, 2000 } };
	static const struct rt_blk f[] = { { 1000, 6000 } };
	static const struct rt_blk g[] = { { 1000, 10000 } };
	struct rt_ctx *c = rt_start(test, iss, 10, 0, true);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, a, 1), 1U);
	RT_EXPECT(c, ".S........", 10, 1, 0, 0, 9);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, b, 2), 2U);
	RT_EXPECT(c, "LS.SS.....", 10, 3, 1, 0, 6);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);

	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	RT_EXPECT(c, "RS.SS.....", 10, 3, 1, 1, 7);
	/* Sent again (a timer, say): still one retransmission out. */
	rt_sent(c, rt_skb(c, 0), false);
	/* Not marked lost: resent, but not counted. */
	rt_sent(c, rt_skb(c, 9), false);
	KUNIT_EXPECT_TRUE(test, KTCP_SKB_CB(rt_skb(c, 9))->retransmitted);
	RT_EXPECT(c, "RS.SS.....", 10, 3, 1, 1, 7);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, d, 2), 1U);
	RT_EXPECT(c, "RSLSSS....", 10, 4, 2, 1, 5);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 2);
	RT_EXPECT(c, "RSRSSS....", 10, 4, 2, 2, 6);

	/* Segment 2's retransmission is SACKed, then 6 to 9. */
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, f, 1), 1U);
	RT_EXPECT(c, "RSSSSS....", 10, 5, 1, 1, 5);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, g, 1), 4U);
	RT_EXPECT(c, "RSSSSSSSSS", 10, 9, 1, 1, 1);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 10000, false, NULL, 0), 0U);
	RT_EXPECT(c, "", 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ks->snd_una, c->ks->snd_nxt);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, c->ks->dupacks, 0);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);
}

static void recovery_retrans_accounting(struct kunit *test)
{
	rt_sack_scenario(test, 1000);
}

/*
 * No SACK (RFC 5681 3.2, RFC 6582): the third duplicate ACK, not an ACK
 * that updates the window, enters fast recovery and marks the first
 * segment lost; each partial ACK marks the next. SACK blocks are ignored.
 */
static void rt_newreno_scenario(struct kunit *test, u32 iss)
{
	static const struct rt_blk blk[] = { { 1000, 4000 } };
	struct rt_ctx *c = rt_start(test, iss, 10, 0, false);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, blk, 1), 0U);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, blk, 1), 0U);
	rt_ack(c, 0, true, NULL, 0);
	KUNIT_EXPECT_EQ(test, c->ks->dupacks, 2);
	RT_EXPECT(c, "..........", 10, 0, 0, 0, 10);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);

	rt_dupack(c);
	RT_EXPECT(c, "L.........", 10, 0, 1, 0, 9);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->ks->recover, c->base + 10 * RT_MSS);
	KUNIT_EXPECT_EQ(test, c->ks->cc.ssthresh, 5U);
	/* PRR: a duplicate delivered one, ceil(5 * 1 / 10) may go. */
	KUNIT_EXPECT_EQ(test, c->ks->cc.cwnd, 10U);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	RT_EXPECT(c, "R.........", 10, 0, 1, 1, 10);

	rt_dupack(c);
	RT_EXPECT(c, "R.........", 10, 0, 1, 1, 10);
	KUNIT_EXPECT_EQ(test, c->ks->cc.cwnd, 10U);	/* ceil(10/10) - 1 */

	rt_ack(c, 3000, false, NULL, 0);
	RT_EXPECT(c, "L......", 7, 0, 1, 0, 6);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->ks->cc.cwnd, 8U);	/* 6 + ceil(25/10) - 1 */
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 3);
	RT_EXPECT(c, "R......", 7, 0, 1, 1, 7);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);

	/*
	 * SND.UNA at "recover": NewReno holds Recovery until more is acked
	 * (tcp_is_non_sack_preventing_reopen()); PRR's bound: ssthresh.
	 */
	rt_ack(c, 10000, false, NULL, 0);
	RT_EXPECT(c, "", 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->ks->cc.cwnd, 5U);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);
	RT_EXPECT_UNDO(c, "0 0 0 0 0");
}

static void recovery_newreno(struct kunit *test)
{
	rt_newreno_scenario(test, 1000);
}

/*
 * RFC 6298 5.4-5.6 with RFC 5681 3.1: a timeout marks every unSACKed sent
 * segment lost and forgets what was retransmitted; they are resent in
 * order, and duplicate ACKs start no fast recovery until "recover".
 */
static void recovery_rto(struct kunit *test)
{
	static const struct rt_blk b[] = { { 1000, 2000 }, { 3000, 6000 } };
	static const int order[] = { 0, 2, 6, 7, 8, 9 };
	struct rt_ctx *c = rt_start(test, 1000, 10, 2, true);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, b, 2), 4U);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	RT_EXPECT(c, "RSLSSS......", 10, 4, 2, 1, 5);

	/* 4 SACKed above the loss: loss, not reordering (tcp_enter_loss). */
	c->ks->reordering = 24;
	rt_on_rto(c);
	KUNIT_EXPECT_EQ(test, c->ks->reordering, KTCP_REORDERING_INIT);
	RT_EXPECT(c, "LSLSSSLLLL..", 10, 4, 6, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, c->ks->cc.cwnd, 1U);
	KUNIT_EXPECT_EQ(test, c->ks->recover, c->base + 10 * RT_MSS);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		KUNIT_EXPECT_EQ(test, rt_rexmit(c), order[i]);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	RT_EXPECT(c, "RSRSSSRRRR..", 10, 4, 6, 6, 6);

	/* Backed off: the retransmissions are presumed lost too. */
	rt_on_rto(c);
	RT_EXPECT(c, "LSLSSSLLLL..", 10, 4, 6, 0, 0);
	for (i = 0; i < ARRAY_SIZE(order); i++)
		KUNIT_EXPECT_EQ(test, rt_rexmit(c), order[i]);

	rt_dupack(c);
	rt_dupack(c);
	rt_dupack(c);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);

	rt_ack(c, 2000, false, NULL, 0);
	RT_EXPECT(c, "RSSSRRRR..", 8, 3, 5, 5, 5);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);

	rt_ack(c, 10000, false, NULL, 0);
	RT_EXPECT(c, "..", 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_PTR_EQ(test, c->ks->send_head, rt_skb(c, 10));
}

/*
 * A loss among segments sent during recovery starts a new recovery as
 * the first ends; the new head, already lost and retransmitted, is not
 * sent again.
 */
static void recovery_second_episode(struct kunit *test)
{
	static const struct rt_blk first[] = { { 1000, 4000 } };
	static const struct rt_blk more[] = {
		{ 11000, 14000 }, { 1000, 10000 },
	};
	static const struct rt_blk after[] = { { 11000, 14000 } };
	static const struct rt_blk last[] = { { 11000, 15000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 5, true);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, first, 1), 3U);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	rt_send(c, 5);
	RT_EXPECT(c, "RSSS...........", 15, 3, 1, 1, 12);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, more, 2), 9U);
	RT_EXPECT(c, "RSSSSSSSSSLSSS.", 15, 12, 2, 1, 2);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 10);
	RT_EXPECT(c, "RSSSSSSSSSRSSS.", 15, 12, 2, 2, 3);

	/*
	 * Segment 0's retransmission ends the first recovery; segment 10 is
	 * still lost, so the second begins on the same ACK (Linux's
	 * tcp_time_to_recover(): lost_out).
	 */
	KUNIT_EXPECT_EQ(test, rt_ack(c, 10000, false, after, 1), 0U);
	RT_EXPECT(c, "RSSS.", 5, 3, 1, 1, 2);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->ks->recover, c->base + 15 * RT_MSS);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 2UL);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 10000, false, last, 1), 1U);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 2UL);
	RT_EXPECT(c, "RSSSS", 5, 4, 1, 1, 1);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);

	rt_ack(c, 15000, false, NULL, 0);
	RT_EXPECT(c, "", 0, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_OPEN);
}

/*
 * The scenarios with the sequence space wrapping: across 2^32 in the
 * middle of the window, SND.UNA at 2^32 - 1, SND.NXT ending at 0.
 */
static void recovery_wrap(struct kunit *test)
{
	static const u32 isses[] = { -4501U, -2U, -10001U };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(isses); i++) {
		rt_sack_scenario(test, isses[i]);
		rt_newreno_scenario(test, isses[i]);
	}
}

/*
 * "recover" is ISS until the first recovery. Once SND.UNA is 2^31 or more
 * past it (2 GiB sent without a loss), fast recovery must still start.
 */
static void recovery_enter_after_2g(struct kunit *test)
{
	static const struct rt_blk b[] = { { 1000, 4000 } };
	const u32 sent = 0x90000000U, iss = 1000;
	struct rt_ctx *c = rt_start(test, iss + sent, 10, 0, false);
	struct rt_ctx *s;

	c->ks->iss = iss;
	c->ks->recover = iss;
	rt_dupack(c);
	rt_dupack(c);
	rt_dupack(c);
	RT_EXPECT(c, "L.........", 10, 0, 1, 0, 9);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, c->ks->recover, c->base + 10 * RT_MSS);

	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);

	s = rt_start(test, iss + sent, 10, 0, true);
	s->ks->iss = iss;
	s->ks->recover = iss;
	KUNIT_EXPECT_EQ(test, rt_ack(s, 0, false, b, 1), 3U);
	RT_EXPECT(s, "LSSS......", 10, 3, 1, 0, 6);
	KUNIT_EXPECT_EQ(test, s->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(s), 1UL);
}

/*
 * PRR (RFC 6937) through the scoreboard: 20 segments at cwnd 20, the
 * first lost, one SACK per ACK. ssthresh = 16 / 2 = 8 (reno, FlightSize
 * once the third SACK marked the first lost); the fast retransmit goes on that ACK, then
 * new segments at 8/20 of the rate the SACKs come in: ceil(8 d / 20) sent
 * after d delivered.
 */
static void recovery_prr(struct kunit *test)
{
	static const u8 want[] = { 1, 0, 1, 0, 0, 1, 0, 1, 0, 0 };
	struct rt_ctx *c = rt_start(test, 1000, 20, 20, true);
	struct ktcp_sock *ks = c->ks;
	struct rt_blk blk = { 1000, 2000 };
	u32 d, n, sent = 0;

	ks->cc.cwnd = 20;
	rt_ack(c, 0, false, &blk, 1);
	blk.end = 3000;
	rt_ack(c, 0, false, &blk, 1);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	blk.end = 4000;
	rt_ack(c, 0, false, &blk, 1);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, ks->cc.ssthresh, 8U);
	KUNIT_EXPECT_EQ(test, ks->cc.prior_cwnd, 20U);
	/* The board shows the first 32 of the 40 queued (20 unsent). */
	RT_EXPECT(c, "LSSS............................", 20, 3, 1, 0, 16);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 17U);	/* room for one */
	KUNIT_EXPECT_TRUE(test, ktcp_may_resend(ks));
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	KUNIT_EXPECT_FALSE(test, ktcp_may_resend(ks));
	KUNIT_EXPECT_EQ(test, ks->cc.prr_out, 1U);
	for (d = 2; d <= 10; d++) {
		blk.end += RT_MSS;
		KUNIT_EXPECT_EQ(test, rt_ack(c, 0, false, &blk, 1), 1U);
		n = ks->cc.cwnd > ktcp_in_flight(ks) ?
		    ks->cc.cwnd - ktcp_in_flight(ks) : 0;
		KUNIT_EXPECT_EQ_MSG(test, n, (u32)want[d - 1], "SACK %u", d);
		rt_send(c, n);
		sent += n;
	}
	KUNIT_EXPECT_EQ(test, ks->cc.prr_delivered, 10U);
	KUNIT_EXPECT_EQ(test, ks->cc.prr_out, 4U);	/* ceil(80 / 20) */
	KUNIT_EXPECT_EQ(test, sent, 3U);
	/* Non-duplicate ACKs that SACK nothing new change nothing. */
	n = ks->cc.cwnd;
	rt_ack(c, 0, true, &blk, 1);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, n);
	/* The end: cwnd = ssthresh (tcp_end_cwnd_reduction()). */
	rt_ack(c, 20 * RT_MSS, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 8U);
	RT_EXPECT_UNDO(c, "0 0 0 0 0");
}

/*
 * D-SACK undo (tcp_try_undo_dsack()): the one retransmission of a
 * recovery comes back D-SACKed, so it was needless: cwnd and ssthresh
 * return to their values before the recovery, and the state to Open.
 */
static void recovery_undo_dsack(struct kunit *test)
{
	static const struct rt_blk three[] = { { 1000, 4000 } };
	/* The D-SACK of the resent copy of segment 0. */
	static const struct rt_blk dsack[] = { { 0, 1000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);
	struct ktcp_sock *ks = c->ks;

	ks->max_window = 65535;
	ks->cc.ssthresh = 30;
	rt_ack(c, 0, false, three, 1);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, ks->cc.ssthresh, 3U);	/* 6 / 2 */
	KUNIT_EXPECT_EQ(test, ks->undo_marker, c->base);
	KUNIT_EXPECT_EQ(test, ks->prior_ssthresh, 30U);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	ks->total_retrans = 1;		/* output.c counts it */
	KUNIT_EXPECT_EQ(test, ks->undo_retrans, 1);
	/*
	 * The original arrived: ACK of all the peer holds, and a D-SACK of
	 * the resent copy. (An ACK of 1000 alone would leave SND.UNA at a
	 * SACKed segment: reneging, RFC 2018 8.)
	 */
	rt_ack(c, 4000, false, dsack, 1);
	KUNIT_EXPECT_EQ(test, ks->undo_retrans, 0);
	KUNIT_EXPECT_EQ(test, ks->undo_marker, 0U);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 10U);
	KUNIT_EXPECT_EQ(test, ks->cc.ssthresh, 30U);
	RT_EXPECT_UNDO(c, "0 0 1 0 0");
	/* The partial ACK marked the next hole lost (RFC 6582 3.2 step 5). */
	RT_EXPECT(c, "L.....", 6, 0, 1, 0, 5);
}

/*
 * SACK reneging (RFC 2018 8; tcp_timeout_mark_lost()): the first
 * unacknowledged segment is SACKed when the RTO fires, so the peer dropped
 * what it SACKed. Every SACK mark goes and everything is lost.
 */
static void recovery_sack_reneging(struct kunit *test)
{
	static const struct rt_blk above[] = { { 1000, 3000 } };
	unsigned long reneg = rt_mib(KTCP_MIB_TCPSACKRENEGING);
	struct rt_ctx *c = rt_start(test, 1000, 4, 0, true);
	struct ktcp_sock *ks = c->ks;
	struct sk_buff *skb;

	rt_ack(c, 0, false, above, 1);
	RT_EXPECT(c, ".SS.", 4, 2, 0, 0, 2);
	/*
	 * The peer acks segment 0 alone: SND.UNA reaches a SACKed segment.
	 * Only the cumulative ACK is applied here: on an ACK,
	 * ktcp_recovery_on_ack() would arm the short reneging timer, which a
	 * test socket cannot run (pkt test sack_reneging covers it).
	 */
	skb = skb_peek(&c->sk->sk_write_queue);
	rt_acked(c, skb);
	ktcp_rtxq_unlink(c->sk, skb);
	kfree_skb(skb);
	ks->snd_una = c->base + 1000;
	RT_EXPECT(c, "SS.", 3, 2, 0, 0, 1);
	/* The timeout finds the head SACKed: every SACK is forgotten. */
	rt_on_rto(c);
	RT_EXPECT(c, "LLL", 3, 0, 3, 0, 0);
	KUNIT_EXPECT_EQ(test, rt_mib(KTCP_MIB_TCPSACKRENEGING) - reneg, 1UL);

	/* Not reneging: a SACKed segment above the head stays SACKed. */
	c = rt_start(test, 1000, 4, 0, true);
	reneg = rt_mib(KTCP_MIB_TCPSACKRENEGING);
	rt_ack(c, 0, false, above, 1);
	rt_on_rto(c);
	RT_EXPECT(c, "LSSL", 4, 2, 2, 0, 0);
	KUNIT_EXPECT_EQ(test, rt_mib(KTCP_MIB_TCPSACKRENEGING) - reneg, 0UL);
}

/*
 * Timestamps (Eifel, RFC 3522; tcp_packet_delayed()): an ACK whose TSecr
 * predates the first retransmission was for the original. At the end of
 * the recovery: full undo; on a partial ACK with no retransmission left
 * in flight: partial undo, the loss marks cleared. A TSecr at or after it
 * undoes nothing.
 */
static void recovery_undo_timestamp(struct kunit *test)
{
	static const struct rt_blk three[] = { { 1000, 4000 } };
	static const struct rt_blk two[] = { { 1000, 2000 }, { 3000, 6000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);
	struct ktcp_sock *ks = c->ks;

	rt_ack(c, 0, false, three, 1);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	KUNIT_EXPECT_NE(test, ks->retrans_stamp, 0U);
	ks->retrans_stamp = 5000;
	c->tsecr = 5000;		/* the retransmission's echo */
	rt_ack(c, 4000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_RECOVERY);
	RT_EXPECT_UNDO(c, "0 0 0 0 0");
	c->tsecr = 4999;
	rt_ack(c, 10000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 10U);
	KUNIT_EXPECT_EQ(test, ks->cc.ssthresh, KTCP_CC_INFINITE_SSTHRESH);
	RT_EXPECT_UNDO(c, "1 0 0 0 0");

	/* Partial: two holes; the first is filled by its original. */
	c = rt_start(test, 1000, 10, 0, true);
	ks = c->ks;
	rt_ack(c, 0, false, two, 2);
	RT_EXPECT(c, "LSLSSS....", 10, 4, 2, 0, 4);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 2);
	ks->retrans_stamp = 5000;
	c->tsecr = 4000;
	/* Segment 2's resent copy is still out: no undo yet. */
	rt_ack(c, 2000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_RECOVERY);
	RT_EXPECT_UNDO(c, "0 0 0 0 0");
	rt_ack(c, 6000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 10U);
	RT_EXPECT_UNDO(c, "0 1 0 0 0");
	RT_EXPECT(c, "....", 4, 0, 0, 0, 4);
}

/*
 * After an RTO: a TSecr older than the retransmission undoes the loss
 * at once (tcp_try_undo_loss()); the marks are cleared and nothing more
 * is retransmitted.
 */
static void recovery_undo_loss(struct kunit *test)
{
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);
	struct ktcp_sock *ks = c->ks;

	rt_on_rto(c);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, ks->prior_ssthresh, KTCP_CC_INFINITE_SSTHRESH);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	ks->retrans_stamp = 5000;
	c->tsecr = 4000;
	rt_ack(c, 1000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 10U);
	KUNIT_EXPECT_EQ(test, ks->cc.ssthresh, KTCP_CC_INFINITE_SSTHRESH);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	RT_EXPECT(c, ".........", 9, 0, 0, 0, 9);
	RT_EXPECT_UNDO(c, "0 0 0 1 0");
}

/*
 * F-RTO (RFC 5682 3.1, tcp_process_loss()) without timestamps. The first
 * ACK after the RTO advances SND.UNA: new data goes out, not the segments
 * marked lost (step 2.b). If the next ACK covers data never resent, the
 * RTO was spurious (step 3.b): undone. If it is a duplicate instead, the
 * loss was real (step 3.a): recovery goes on.
 */
static void recovery_frto(struct kunit *test)
{
	static const struct rt_blk dup[] = { { 10000, 11000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 4, true);
	struct ktcp_sock *ks = c->ks;

	ks->snd_wnd = 65535;
	ks->cwnd_limited = true;	/* slow start after the RTO */
	rt_on_rto(c);
	KUNIT_EXPECT_TRUE(test, ks->frto);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	rt_ack(c, 1000, false, NULL, 0);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_TRUE(test, ks->frto_new);
	KUNIT_EXPECT_EQ(test, ks->recover, c->base + 10 * RT_MSS);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 2U);
	rt_send(c, 2);
	ks->cwnd_limited = false;	/* no growth on the next ACK */
	rt_ack(c, 2000, false, NULL, 0);	/* segment 1, never resent */
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_OPEN);
	KUNIT_EXPECT_EQ(test, ks->cc.cwnd, 10U);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), RT_NONE);
	RT_EXPECT_UNDO(c, "0 0 0 1 1");

	c = rt_start(test, 1000, 10, 4, true);
	ks = c->ks;
	ks->snd_wnd = 65535;
	rt_on_rto(c);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	rt_ack(c, 1000, false, NULL, 0);
	rt_send(c, 2);
	KUNIT_EXPECT_EQ(test, rt_ack(c, 1000, false, dup, 1), 1U);
	KUNIT_EXPECT_FALSE(test, ks->frto);
	KUNIT_EXPECT_EQ(test, ks->cc.state, KTCP_CC_LOSS);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), 1);
	RT_EXPECT_UNDO(c, "0 0 0 0 0");

	/* Off by the sysctl: the first ACK leaves the lost ones to go. */
	c = rt_start(test, 1000, 10, 4, true);
	ks = c->ks;
	ks->snd_wnd = 65535;
	ktcp_pernet(&init_net)->frto = 0;
	rt_on_rto(c);
	ktcp_pernet(&init_net)->frto = 2;
	KUNIT_EXPECT_FALSE(test, ks->frto);
	KUNIT_EXPECT_EQ(test, rt_rexmit(c), 0);
	rt_ack(c, 1000, false, NULL, 0);
	KUNIT_EXPECT_FALSE(test, ks->frto_new);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), 1);
}

/*
 * A SACK that shows a loss on an ACK that also moves SND.UNA is loss all
 * the same: recovery begins (RFC 6675 5; Linux's tcp_ack_is_dubious()).
 */
static void recovery_sack_on_advance(struct kunit *test)
{
	static const struct rt_blk blk[] = { { 2000, 5000 } };
	struct rt_ctx *c = rt_start(test, 1000, 10, 0, true);

	KUNIT_EXPECT_EQ(test, rt_ack(c, 1000, false, blk, 1), 3U);
	RT_EXPECT(c, "LSSS.....", 9, 3, 1, 0, 5);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	KUNIT_EXPECT_EQ(test, rt_fastretrans(c), 1UL);
	KUNIT_EXPECT_EQ(test, rt_next_lost(c), 1);
}

/* Resend every lost segment, as output.c would with cwnd open. */
static void rt_resend_lost(struct rt_ctx *c)
{
	struct sk_buff *skb;

	while ((skb = rt_lost(c))) {
		rt_sent(c, skb, false);
		KTCP_SKB_CB(skb)->when = (u32)tcp_clock_us();
	}
}

/*
 * The peer of @c SACKs every other segment, from segment 1 up: each ACK
 * carries the newest block first and the two before it (RFC 2018 4). The
 * lost holes are resent as output.c would resend them after each ACK, each
 * at a time later than every original.
 */
static void rt_sack_every_other(struct rt_ctx *c, unsigned int n)
{
	struct rt_blk blk[3];
	unsigned int k, b;

	for (k = 1; k < n; k += 2) {
		for (b = 0; b < ARRAY_SIZE(blk) && 2 * b < k; b++) {
			blk[b].start = (k - 2 * b) * RT_MSS;
			blk[b].end = blk[b].start + RT_MSS;
		}
		rt_ack(c, 0, false, blk, b);
		rt_resend_lost(c);
	}
}

/*
 * The resent holes arrive in order: each ACK covers one hole and the
 * SACKed segment above it, and SACKs the three lowest ranges left.
 */
static void rt_fill_holes(struct rt_ctx *c, unsigned int n)
{
	struct rt_blk blk[3];
	unsigned int k, b;

	for (k = 2; k <= n; k += 2) {
		for (b = 0; b < ARRAY_SIZE(blk) && k + 2 * b + 1 < n; b++) {
			blk[b].start = (k + 2 * b + 1) * RT_MSS;
			blk[b].end = blk[b].start + RT_MSS;
		}
		rt_ack(c, k * RT_MSS, false, blk, b);
		rt_resend_lost(c);
	}
}

/*
 * Every other of @n segments SACKed, the holes resent and acked; returns
 * how many skbs the scoreboard, loss detection (RACK's if @rack, else
 * IsLost) and the retransmission search looked at, all ACKs together.
 */
static u64 rt_every_other_visits(struct kunit *test, unsigned int n,
				 bool rack)
{
	struct rt_ctx *c = rt_start(test, 1000, n, 0, true);
	u32 now = (u32)tcp_clock_us();
	struct sk_buff *skb;
	unsigned int i = 0;

	if (rack)
		WRITE_ONCE(ktcp_pernet(&init_net)->recovery,
			   KTCP_RECOVERY_DEFAULT);
	/* Sent a second ago, 1 us apart: RACK never waits, arms no timer. */
	skb_queue_walk(&c->sk->sk_write_queue, skb)
		KTCP_SKB_CB(skb)->when = now - USEC_PER_SEC + i++;
	c->ks->rtxq_visits = 0;
	rt_sack_every_other(c, n);
	/* Every hole lost and resent; IsLost spares the two at the top. */
	KUNIT_EXPECT_EQ(test, c->ks->sacked_out, n / 2);
	KUNIT_EXPECT_EQ(test, c->ks->lost_out, rack ? n / 2 : n / 2 - 2);
	KUNIT_EXPECT_EQ(test, c->ks->retrans_out, c->ks->lost_out);
	KUNIT_EXPECT_EQ(test, c->ks->cc.state, KTCP_CC_RECOVERY);
	rt_fill_holes(c, n);
	KUNIT_EXPECT_TRUE(test, skb_queue_empty(&c->sk->sk_write_queue));
	KUNIT_EXPECT_EQ(test, c->ks->packets_out, 0U);
	KUNIT_EXPECT_EQ(test, c->ks->lost_out, 0U);
	KUNIT_EXPECT_EQ(test, c->ks->retrans_out, 0U);
	return c->ks->rtxq_visits;
}

/*
 * Bounded work per ACK (rtxq.c): a peer that SACKs every other segment
 * costs O(log n + blocks) per ACK, not a walk from the head per block
 * and per retransmission. Eight times the segments must cost about eight
 * times the skbs visited (a log factor more), far from the 64 times of
 * the quadratic walk.
 */
static void recovery_bounded_work(struct kunit *test)
{
	static const bool rack[] = { false, true };
	unsigned int i;
	u64 small, large;

	for (i = 0; i < ARRAY_SIZE(rack); i++) {
		small = rt_every_other_visits(test, 128, rack[i]);
		large = rt_every_other_visits(test, 1024, rack[i]);
		kunit_info(test, "rack %d: %llu skbs visited for 128, %llu for 1024\n",
			   rack[i], small, large);
		KUNIT_EXPECT_GT(test, small, 0ULL);
		KUNIT_EXPECT_LT(test, large, 12 * small);
		/* Per ACK: a few blocks' O(log n) lookups and a short walk. */
		KUNIT_EXPECT_LT(test, large, 1024ULL * 64);
	}
}

static struct kunit_case ktcp_recovery_cases[] = {
	KUNIT_CASE(recovery_sack_whole_segments),
	KUNIT_CASE(recovery_sack_ignored_blocks),
	KUNIT_CASE(recovery_dsack),
	KUNIT_CASE(recovery_delivered),
	KUNIT_CASE(recovery_cwnd_growth),
	KUNIT_CASE(recovery_prr),
	KUNIT_CASE(recovery_undo_dsack),
	KUNIT_CASE(recovery_sack_reneging),
	KUNIT_CASE(recovery_undo_timestamp),
	KUNIT_CASE(recovery_undo_loss),
	KUNIT_CASE(recovery_frto),
	KUNIT_CASE(recovery_sack_on_advance),
	KUNIT_CASE(recovery_islost_threshold),
	KUNIT_CASE(recovery_islost_two_holes),
	KUNIT_CASE(recovery_retrans_accounting),
	KUNIT_CASE(recovery_newreno),
	KUNIT_CASE(recovery_rto),
	KUNIT_CASE(recovery_second_episode),
	KUNIT_CASE(recovery_wrap),
	KUNIT_CASE(recovery_enter_after_2g),
	KUNIT_CASE(recovery_bounded_work),
	{}
};

static struct kunit_suite ktcp_recovery_suite = {
	.name = "ktcp_recovery",
	.test_cases = ktcp_recovery_cases,
};

kunit_test_suite(ktcp_recovery_suite);
