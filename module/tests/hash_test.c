// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the per-namespace lookup tables (hash.c), with no network:
 * each test gets a kzalloc'ed ktcp_net of its own and hashes kzalloc'ed
 * ktcp_sock and ktcp_request objects that are initialised just enough for
 * the tables (keys, ports, addresses). The bind table is port_test.c's.
 *
 * The suite's exit unlistens and unbinds every socket a test made, so that a
 * failed assertion leaves the tables empty; ktcp_hash_net_exit() then runs
 * before KUnit frees the objects, as a namespace's exit runs after its last
 * socket is gone.
 *
 * The walker tests stand where an RCU reader of a chain stands when a
 * writer takes the node it is on out of the chain, and check that the
 * reader still walks the rest; ht_replace_race makes a softirq writer
 * interrupt real lookups.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/hrtimer.h>
#include <linux/in.h>
#include <linux/jiffies.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/sock_reuseport.h>

#include "../ktcp.h"

#define HT_MAX_SOCKS	8
#define HT_MANY		5000

/* Host-order addresses: 10.0.0.1, 10.0.0.2, 192.0.2.7. */
#define HT_ADDR_A	0x0a000001
#define HT_ADDR_B	0x0a000002
#define HT_ADDR_R	0xc0000207

/* Above the default ip_local_port_range, so no ephemeral bind takes them. */
#define HT_PORT		61080
#define HT_PORT2	61081

struct ht_ctx {
	struct ktcp_net *kn;
	struct ktcp_sock *socks[HT_MAX_SOCKS];
	unsigned int nsocks;
};

static int ht_init(struct kunit *test)
{
	struct ht_ctx *ctx;
	int err;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	ctx->kn = kzalloc(sizeof(*ctx->kn), GFP_KERNEL);
	if (!ctx->kn)
		return -ENOMEM;
	write_pnet(&ctx->kn->net, &init_net);	/* the lookups read its sysctls */
	err = ktcp_hash_net_init(ctx->kn);
	if (err) {
		kfree(ctx->kn);
		ctx->kn = NULL;
	}
	return err;
}

/*
 * Take whatever a test left in the established table out of it: the
 * namespace exit rightly warns about a non-empty table.
 */
static void ht_empty_ehash(struct ktcp_net *kn)
{
	struct hlist_node *tmp;
	struct ktcp_hnode *h;
	u32 b;

	for (b = 0; b <= kn->ehash_mask; b++)
		hlist_for_each_entry_safe(h, tmp, &kn->ehash[b], node)
			ktcp_hash_remove(kn, h);
}

static void ht_exit(struct kunit *test)
{
	struct ht_ctx *ctx = test->priv;
	unsigned int i;

	if (!ctx || !ctx->kn)
		return;
	for (i = 0; i < ctx->nsocks; i++)
		ktcp_hash_unlisten(ctx->kn, &ctx->socks[i]->inet.sk);
	ht_empty_ehash(ctx->kn);
	ktcp_hash_net_exit(ctx->kn);
	kfree(ctx->kn);
}

static struct ktcp_net *ht_kn(struct kunit *test)
{
	return ((struct ht_ctx *)test->priv)->kn;
}

static struct ktcp_tuple ht_tuple(u32 laddr, u16 lport, u32 raddr, u16 rport)
{
	struct ktcp_tuple t;

	ktcp_tuple_set_v4(&t, htonl(laddr), htons(lport), htonl(raddr),
			  htons(rport));
	return t;
}

/* A socket in init_net, CLOSE, owning @addr:@port but in no table yet. */
static struct ktcp_sock *ht_sock(struct kunit *test, u32 addr, u16 port)
{
	struct ht_ctx *ctx = test->priv;
	struct ktcp_sock *ks;

	KUNIT_ASSERT_LT(test, ctx->nsocks, HT_MAX_SOCKS);
	ks = kunit_kzalloc(test, sizeof(*ks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ks);
	write_pnet(&ks->inet.sk.sk_net, &init_net);
	ks->inet.sk.sk_state = TCP_CLOSE;
	ks->inet.inet_rcv_saddr = htonl(addr);
	ks->inet.inet_num = port;
	ks->inet.sk.sk_incoming_cpu = -1;	/* sock_init_data()'s */
	ks->hnode.kind = KTCP_HNODE_SOCK;
	INIT_HLIST_NODE(&ks->bind_node);
	INIT_HLIST_NODE(&ks->listen_node);
	INIT_LIST_HEAD(&ks->accept_node);
	ctx->socks[ctx->nsocks++] = ks;
	return ks;
}

static struct ktcp_sock *ht_conn(struct kunit *test,
				 const struct ktcp_tuple *t)
{
	struct ktcp_sock *ks = ht_sock(test, ntohl(ktcp_addr_v4(&t->laddr)),
				       ntohs(t->lport));

	ks->hnode.key = *t;
	return ks;
}

static struct ktcp_request *ht_req(struct kunit *test,
				   const struct ktcp_tuple *t)
{
	struct ktcp_request *req;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, req);
	req->hnode.kind = KTCP_HNODE_REQ;
	req->hnode.key = *t;
	INIT_LIST_HEAD(&req->list);
	refcount_set(&req->refcnt, 1);
	return req;
}

/*
 * Lookups run under rcu_read_lock() as in softirq. The pointer is only
 * compared afterwards; nothing frees a node while a test runs.
 */
static struct ktcp_hnode *ht_lookup(struct kunit *test,
				    const struct ktcp_tuple *t)
{
	struct ktcp_hnode *h;

	rcu_read_lock();
	h = ktcp_hash_lookup(ht_kn(test), t, 0, 0);
	rcu_read_unlock();
	return h;
}

/* The listener a SYN from @raddr:@rport to @laddr:@lport finds. */
static struct sock *ht_listener_dev(struct kunit *test, u32 laddr,
				    u16 lport, u32 raddr, u16 rport, int dif)
{
	struct ktcp_tuple t = ht_tuple(laddr, lport, raddr, rport);
	struct sock *sk;

	rcu_read_lock();
	sk = ktcp_hash_lookup_listener(ht_kn(test), NULL, &t, dif, 0);
	rcu_read_unlock();
	return sk;
}

static struct sock *ht_listener_for(struct kunit *test, u32 laddr, u16 lport,
				    u32 raddr, u16 rport)
{
	return ht_listener_dev(test, laddr, lport, raddr, rport, 0);
}

/* The same from one fixed peer: no SO_REUSEPORT group is involved. */
static struct sock *ht_listener(struct kunit *test, u32 laddr, u16 lport)
{
	return ht_listener_for(test, laddr, lport, HT_ADDR_R, 40000);
}

/* Entries in the established table, and its longest chain. */
static unsigned int ht_walk(struct kunit *test, unsigned int *longest)
{
	struct ktcp_net *kn = ht_kn(test);
	unsigned int n = 0, chain, max = 0;
	struct ktcp_hnode *h;
	u32 b;

	rcu_read_lock();
	for (b = 0; b <= kn->ehash_mask; b++) {
		chain = 0;
		hlist_for_each_entry_rcu(h, &kn->ehash[b], node)
			chain++;
		n += chain;
		max = max(max, chain);
	}
	rcu_read_unlock();
	if (longest)
		*longest = max;
	return n;
}

static unsigned int ht_nelems(struct kunit *test)
{
	return ht_walk(test, NULL);
}

/* Established table. */

static void ht_insert_lookup(struct kunit *test)
{
	struct ktcp_tuple t1 = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_tuple t2 = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40001);
	struct ktcp_request *req = ht_req(test, &t1);
	struct ktcp_sock *ks = ht_conn(test, &t2);
	struct ktcp_hnode *h;

	KUNIT_EXPECT_NULL(test, ht_lookup(test, &t1));
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &req->hnode), 0);
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks->hnode), 0);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 2);

	h = ht_lookup(test, &t1);
	KUNIT_ASSERT_PTR_EQ(test, h, &req->hnode);
	KUNIT_EXPECT_EQ(test, h->kind, KTCP_HNODE_REQ);
	KUNIT_EXPECT_PTR_EQ(test, container_of(h, struct ktcp_request, hnode),
			    req);

	h = ht_lookup(test, &t2);
	KUNIT_ASSERT_PTR_EQ(test, h, &ks->hnode);
	KUNIT_EXPECT_EQ(test, h->kind, KTCP_HNODE_SOCK);
	KUNIT_EXPECT_PTR_EQ(test, container_of(h, struct ktcp_sock, hnode),
			    ks);
}

static void ht_duplicate(struct kunit *test)
{
	struct ktcp_tuple t = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_tuple rev = ht_tuple(HT_ADDR_R, 40000, HT_ADDR_A, 80);
	struct ktcp_sock *ks = ht_conn(test, &t);
	struct ktcp_request *dup = ht_req(test, &t);
	struct ktcp_request *other = ht_req(test, &rev);

	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks->hnode), 0);
	KUNIT_EXPECT_EQ(test, ktcp_hash_insert(ht_kn(test), &dup->hnode),
			-EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t), &ks->hnode);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 1);

	/* The same endpoints seen from the other end are another key. */
	KUNIT_EXPECT_EQ(test, ktcp_hash_insert(ht_kn(test), &other->hnode), 0);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &rev), &other->hnode);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t), &ks->hnode);
}

static struct ktcp_hnode *ht_lookup_dev(struct kunit *test,
					const struct ktcp_tuple *t, int dif,
					int sdif)
{
	struct ktcp_hnode *h;

	rcu_read_lock();
	h = ktcp_hash_lookup(ht_kn(test), t, dif, sdif);
	rcu_read_unlock();
	return h;
}

/*
 * inet_match()'s device test: one 4-tuple per device, a bound node takes
 * only its device's (or the enslaved device's) segments, an unbound one
 * none from a VRF while tcp_l3mdev_accept is 0 (init_net's default).
 */
static void ht_device(struct kunit *test)
{
	struct ktcp_tuple t = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_tuple u = ht_tuple(HT_ADDR_A, 81, HT_ADDR_R, 40000);
	struct ktcp_sock *ks2 = ht_conn(test, &t), *ks3 = ht_conn(test, &t);
	struct ktcp_sock *any = ht_conn(test, &u);
	struct ktcp_request *dup = ht_req(test, &t);

	ks2->inet.sk.sk_bound_dev_if = 2;
	ks3->inet.sk.sk_bound_dev_if = 3;
	dup->bound_dev_if = 3;
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks2->hnode), 0);
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks3->hnode), 0);
	KUNIT_EXPECT_EQ(test, ktcp_hash_insert(ht_kn(test), &dup->hnode),
			-EEXIST);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup_dev(test, &t, 2, 0), &ks2->hnode);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup_dev(test, &t, 3, 0), &ks3->hnode);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup_dev(test, &t, 9, 2), &ks2->hnode);
	KUNIT_EXPECT_NULL(test, ht_lookup_dev(test, &t, 4, 0));

	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &any->hnode), 0);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup_dev(test, &u, 5, 0), &any->hnode);
	/* Without VRFs (the KUnit kernel), unbound takes all. */
	if (IS_ENABLED(CONFIG_NET_L3_MASTER_DEV))
		KUNIT_EXPECT_NULL(test, ht_lookup_dev(test, &u, 9, 5));
	else
		KUNIT_EXPECT_PTR_EQ(test, ht_lookup_dev(test, &u, 9, 5),
				    &any->hnode);
}

static void ht_lookup_exact(struct kunit *test)
{
	struct ktcp_tuple t = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_tuple miss[] = {
		ht_tuple(HT_ADDR_A + 1, 80, HT_ADDR_R, 40000),
		ht_tuple(HT_ADDR_A - 1, 80, HT_ADDR_R, 40000),
		ht_tuple(HT_ADDR_A, 81, HT_ADDR_R, 40000),
		ht_tuple(HT_ADDR_A, 79, HT_ADDR_R, 40000),
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R + 1, 40000),
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R - 1, 40000),
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40001),
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 39999),
		ht_tuple(HT_ADDR_R, 40000, HT_ADDR_A, 80),
		ht_tuple(HT_ADDR_A, 40000, HT_ADDR_R, 80),
	};
	struct ktcp_request *req = ht_req(test, &t);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &req->hnode), 0);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t), &req->hnode);
	for (i = 0; i < ARRAY_SIZE(miss); i++)
		KUNIT_EXPECT_NULL_MSG(test, ht_lookup(test, &miss[i]),
				      "variant %u", i);
}

static void ht_remove(struct kunit *test)
{
	struct ktcp_tuple t1 = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_tuple t2 = ht_tuple(HT_ADDR_B, 80, HT_ADDR_R, 40000);
	struct ktcp_sock *ks = ht_conn(test, &t1);
	struct ktcp_request *req = ht_req(test, &t2);

	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks->hnode), 0);
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &req->hnode), 0);

	ktcp_hash_remove(ht_kn(test), &ks->hnode);
	KUNIT_EXPECT_NULL(test, ht_lookup(test, &t1));
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t2), &req->hnode);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 1);

	/* Removing what is not there changes nothing. */
	ktcp_hash_remove(ht_kn(test), &ks->hnode);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t2), &req->hnode);

	ktcp_hash_remove(ht_kn(test), &req->hnode);
	KUNIT_EXPECT_NULL(test, ht_lookup(test, &t2));
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 0);

	/* The key is free again. */
	KUNIT_EXPECT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks->hnode), 0);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t1), &ks->hnode);
}

/* A request becomes a socket (listen.c): same key, new node. */
static void ht_replace(struct kunit *test)
{
	struct ktcp_tuple t = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_request *req = ht_req(test, &t);
	struct ktcp_request *late = ht_req(test, &t);
	struct ktcp_sock *child = ht_conn(test, &t);
	struct ktcp_hnode *h;

	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &req->hnode), 0);
	KUNIT_ASSERT_EQ(test, ktcp_hash_replace(ht_kn(test), &req->hnode,
						&child->hnode), 0);
	h = ht_lookup(test, &t);
	KUNIT_ASSERT_PTR_EQ(test, h, &child->hnode);
	KUNIT_EXPECT_EQ(test, h->kind, KTCP_HNODE_SOCK);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 1);

	/* The request is out: it can be replaced no more. */
	KUNIT_EXPECT_EQ(test, ktcp_hash_replace(ht_kn(test), &req->hnode,
						&late->hnode), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t), &child->hnode);
	/* The socket owns the key now. */
	KUNIT_EXPECT_EQ(test, ktcp_hash_insert(ht_kn(test), &late->hnode),
			-EEXIST);

	ktcp_hash_remove(ht_kn(test), &child->hnode);
	KUNIT_EXPECT_NULL(test, ht_lookup(test, &t));
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 0);
}

/*
 * Every tuple in bucket 0, as if every hash collided: the table stays
 * allocated at full size, the mask only narrows what the hash may pick.
 * Before anything is hashed.
 */
static void ht_one_bucket(struct kunit *test)
{
	ht_kn(test)->ehash_mask = 0;
}

/* A reader on @pos walks on: the entry for @t further down, if any. */
static struct ktcp_hnode *ht_walk_on(struct ktcp_hnode *pos,
				     const struct ktcp_tuple *t)
{
	hlist_for_each_entry_continue_rcu(pos, node)
		if (!memcmp(&pos->key, t, sizeof(*t)))
			return pos;
	return NULL;
}

/*
 * One chain, head first: reqs[2], reqs[1], reqs[0]. A reader stands on
 * reqs[1] when @replace (or, without it, ktcp_hash_remove()) takes it out;
 * from there it must still reach reqs[0], as a lookup of reqs[0] walking
 * the chain at that moment would.
 */
static void ht_check_walker(struct kunit *test, bool replace)
{
	struct ktcp_tuple t[] = {
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000),
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40001),
		ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40002),
	};
	struct ktcp_request *reqs[ARRAY_SIZE(t)], *twin;
	struct ktcp_hnode *pos, *found;
	unsigned int i;
	int err;

	ht_one_bucket(test);
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		reqs[i] = ht_req(test, &t[i]);
		KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test),
						       &reqs[i]->hnode), 0);
	}
	twin = ht_req(test, &t[1]);

	rcu_read_lock();
	pos = ktcp_hash_lookup(ht_kn(test), &t[1], 0, 0);
	if (replace)
		err = ktcp_hash_replace(ht_kn(test), &reqs[1]->hnode,
					&twin->hnode);
	else
		err = !ktcp_hash_remove(ht_kn(test), &reqs[1]->hnode);
	found = pos ? ht_walk_on(pos, &t[0]) : NULL;
	rcu_read_unlock();

	KUNIT_ASSERT_PTR_EQ(test, pos, &reqs[1]->hnode);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_PTR_EQ_MSG(test, found, &reqs[0]->hnode,
				"a reader on the node taken out lost the chain");

	/* Out of the table, as far as the writers' tests go. */
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&reqs[1]->hnode.node));
	KUNIT_EXPECT_FALSE(test, ktcp_hash_remove(ht_kn(test),
						  &reqs[1]->hnode));
	KUNIT_EXPECT_EQ(test, ktcp_hash_replace(ht_kn(test), &reqs[1]->hnode,
						&twin->hnode), -ENOENT);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t[0]), &reqs[0]->hnode);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t[2]), &reqs[2]->hnode);
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t[1]),
			    replace ? &twin->hnode : NULL);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), replace ? 3 : 2);
}

static void ht_walker_replace(struct kunit *test)
{
	ht_check_walker(test, true);
}

static void ht_walker_remove(struct kunit *test)
{
	ht_check_walker(test, false);
}

/*
 * A node taken from the middle of a chain is hashed again (a socket that
 * connects again, under another 4-tuple) only after a grace period: a
 * reader still on it would otherwise follow it into its new chain.
 */
static void ht_reinsert_waits(struct kunit *test)
{
	struct ktcp_tuple t1 = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40000);
	struct ktcp_tuple t2 = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R, 40001);
	struct ktcp_tuple t3 = ht_tuple(HT_ADDR_B, 81, HT_ADDR_R, 40002);
	struct ktcp_sock *tail = ht_conn(test, &t1);
	struct ktcp_sock *ks = ht_conn(test, &t2);
	struct rcu_gp_oldstate gp;

	ht_one_bucket(test);
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &tail->hnode), 0);
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks->hnode), 0);
	KUNIT_ASSERT_TRUE(test, ktcp_hash_remove(ht_kn(test), &ks->hnode));
	get_state_synchronize_rcu_full(&gp);
	ks->hnode.key = t3;
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(ht_kn(test), &ks->hnode), 0);
	KUNIT_EXPECT_TRUE_MSG(test, poll_state_synchronize_rcu_full(&gp),
			      "hashed again before readers were done");
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t3), &ks->hnode);
	KUNIT_EXPECT_NULL(test, ht_lookup(test, &t2));
	KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t1), &tail->hnode);
}

#define HT_RACE_SLOTS		32
#define HT_RACE_BATCH		16
#define HT_RACE_HITS		200
#define HT_RACE_TIME		(2 * HZ)
#define HT_RACE_PERIOD_NS	(20 * NSEC_PER_USEC)

/*
 * ht_replace_race: the chain is HT_RACE_SLOTS entries, each with a twin of
 * the same 4-tuple, in front of a tail. A softirq timer swaps every entry
 * for its twin and back, as listen.c turns requests into children in
 * softirq, while the test's thread looks the tail up: each time the
 * timer interrupts a lookup, the node the lookup is on has just been taken
 * out of the chain, and the lookup must still find the tail.
 *
 * Lookups come about HT_RACE_BATCH to a read-side section, so that the
 * timer mostly finds the thread walking the chain, and in batches of random
 * length, so that it does not land at the same point of every batch. The
 * test runs until HT_RACE_HITS swaps have landed in a lookup, or for
 * HT_RACE_TIME; without high-resolution timers the timer fires once a tick,
 * not every period. The KUnit kernel has one CPU: this interleaving, not a
 * second CPU, is what races the reader against the writer.
 */
struct ht_race {
	struct hrtimer timer;
	struct ktcp_net *kn;
	struct ktcp_hnode *cur[HT_RACE_SLOTS], *alt[HT_RACE_SLOTS];
	bool in_lookup;
	unsigned int passes, interleaved, failed;
};

static enum hrtimer_restart ht_race_swap(struct hrtimer *timer)
{
	struct ht_race *r = container_of(timer, struct ht_race, timer);
	unsigned int i;

	for (i = 0; i < HT_RACE_SLOTS; i++) {
		if (ktcp_hash_replace(r->kn, r->cur[i], r->alt[i]))
			r->failed++;
		swap(r->cur[i], r->alt[i]);
	}
	r->passes++;
	if (READ_ONCE(r->in_lookup))
		r->interleaved++;
	hrtimer_forward_now(timer, ns_to_ktime(HT_RACE_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void ht_replace_race(struct kunit *test)
{
	struct ktcp_tuple tt = ht_tuple(HT_ADDR_B, 443, HT_ADDR_R, 50000);
	struct ktcp_request *tail = ht_req(test, &tt);
	unsigned long deadline, lookups, misses = 0;
	unsigned int i, j, batch = 0;
	struct ktcp_hnode *h;
	struct ht_race *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	r->kn = ht_kn(test);
	ht_one_bucket(test);
	KUNIT_ASSERT_EQ(test, ktcp_hash_insert(r->kn, &tail->hnode), 0);
	for (i = 0; i < HT_RACE_SLOTS; i++) {
		struct ktcp_tuple t = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R,
					       40000 + i);

		r->cur[i] = &ht_req(test, &t)->hnode;
		r->alt[i] = &ht_req(test, &t)->hnode;
		KUNIT_ASSERT_EQ(test, ktcp_hash_insert(r->kn, r->cur[i]), 0);
	}

	/* No assertion until the timer is cancelled: it uses the table. */
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	r->timer.function = ht_race_swap;
	hrtimer_start(&r->timer, ns_to_ktime(HT_RACE_PERIOD_NS),
		      HRTIMER_MODE_REL_SOFT);
	deadline = jiffies + HT_RACE_TIME;
	for (lookups = 0; READ_ONCE(r->interleaved) < HT_RACE_HITS &&
	     time_before(jiffies, deadline); lookups += batch) {
		/* Not in step with the tick, so that it lands anywhere. */
		batch = HT_RACE_BATCH / 2 + get_random_u32_below(HT_RACE_BATCH);
		rcu_read_lock();
		WRITE_ONCE(r->in_lookup, true);
		for (j = 0; j < batch; j++) {
			h = ktcp_hash_lookup(r->kn, &tt, 0, 0);
			if (h != &tail->hnode)
				misses++;
		}
		WRITE_ONCE(r->in_lookup, false);
		rcu_read_unlock();
		cond_resched();
	}
	hrtimer_cancel(&r->timer);

	kunit_info(test, "%lu lookups, %u passes, %u during a lookup",
		   lookups, r->passes, r->interleaved);
	KUNIT_EXPECT_EQ_MSG(test, misses, 0, "%lu of %lu lookups missed",
			    misses, lookups);
	KUNIT_EXPECT_EQ(test, r->failed, 0U);
	/* The race was run: swaps landed in the middle of lookups. */
	KUNIT_EXPECT_GT(test, r->interleaved, 0U);
	for (i = 0; i < HT_RACE_SLOTS; i++) {
		struct ktcp_tuple t = ht_tuple(HT_ADDR_A, 80, HT_ADDR_R,
					       40000 + i);

		KUNIT_EXPECT_PTR_EQ(test, ht_lookup(test, &t), r->cur[i]);
		KUNIT_EXPECT_TRUE(test, hlist_unhashed(&r->alt[i]->node));
	}
	KUNIT_EXPECT_EQ(test, ht_nelems(test), HT_RACE_SLOTS + 1);
}

static struct ktcp_tuple ht_many_tuple(unsigned int i)
{
	return ht_tuple(HT_ADDR_A, 80 + (i & 3), 0x0b000000 | i,
			1024 + i % 4001);
}

/* Find, or with @want_none fail to find, every @step'th from @first. */
static void ht_many_check(struct kunit *test, struct ktcp_request **reqs,
			  unsigned int first, unsigned int step, bool want_none)
{
	unsigned int i, wrong = 0;

	for (i = first; i < HT_MANY; i += step) {
		struct ktcp_tuple t = ht_many_tuple(i);
		struct ktcp_hnode *h = ht_lookup(test, &t);

		if (h != (want_none ? NULL : &reqs[i]->hnode))
			wrong++;
	}
	KUNIT_EXPECT_EQ_MSG(test, wrong, 0, "from %u step %u, %s", first,
			    step, want_none ? "found" : "missed");
}

static void ht_many(struct kunit *test)
{
	struct ktcp_request **reqs;
	unsigned int i, longest;

	reqs = kunit_kcalloc(test, HT_MANY, sizeof(*reqs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, reqs);
	for (i = 0; i < HT_MANY; i++) {
		struct ktcp_tuple t = ht_many_tuple(i);

		reqs[i] = ht_req(test, &t);
		KUNIT_ASSERT_EQ_MSG(test, ktcp_hash_insert(ht_kn(test),
							   &reqs[i]->hnode),
				    0, "insert %u", i);
	}
	KUNIT_EXPECT_EQ(test, ht_walk(test, &longest), HT_MANY);
	/*
	 * Sequential tuples must spread: with 5,000 of them in at least 64K
	 * buckets a good hash leaves no chain longer than a handful.
	 */
	KUNIT_EXPECT_LE(test, longest, 6U);
	ht_many_check(test, reqs, 0, 1, false);

	for (i = 0; i < HT_MANY; i += 2)
		ktcp_hash_remove(ht_kn(test), &reqs[i]->hnode);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), HT_MANY / 2);
	ht_many_check(test, reqs, 0, 2, true);
	ht_many_check(test, reqs, 1, 2, false);

	for (i = 1; i < HT_MANY; i += 2)
		ktcp_hash_remove(ht_kn(test), &reqs[i]->hnode);
	KUNIT_EXPECT_EQ(test, ht_nelems(test), 0);
	ht_many_check(test, reqs, 0, 1, true);
}

/* Listener table. */

/* What port.c's ktcp_port_listen() does once its conflicts are checked. */
static int ht_hash_listen(struct kunit *test, struct ktcp_sock *ks)
{
	struct ktcp_net *kn = ht_kn(test);
	int err;

	ktcp_hash_listen_prepare(&ks->inet.sk);
	spin_lock_bh(&kn->bind_lock);
	err = ktcp_hash_listen_add(kn, &ks->inet.sk);
	spin_unlock_bh(&kn->bind_lock);
	return err;
}

static struct ktcp_sock *ht_listen(struct kunit *test, u32 addr, u16 port)
{
	struct ktcp_sock *ks = ht_sock(test, addr, port);

	ks->inet.sk.sk_state = TCP_LISTEN;
	ht_hash_listen(test, ks);
	return ks;
}

static void ht_check_specific_beats_any(struct kunit *test, bool any_first)
{
	struct ktcp_sock *any, *spec;

	if (any_first) {
		any = ht_listen(test, INADDR_ANY, HT_PORT);
		spec = ht_listen(test, HT_ADDR_A, HT_PORT);
	} else {
		spec = ht_listen(test, HT_ADDR_A, HT_PORT);
		any = ht_listen(test, INADDR_ANY, HT_PORT);
	}
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &spec->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_B, HT_PORT),
			    &any->inet.sk);
}

static void ht_listener_specific_any_first(struct kunit *test)
{
	ht_check_specific_beats_any(test, true);
}

static void ht_listener_specific_any_last(struct kunit *test)
{
	ht_check_specific_beats_any(test, false);
}

static void ht_listener_other_addr(struct kunit *test)
{
	struct ktcp_sock *ks = ht_listen(test, HT_ADDR_B, HT_PORT);

	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, HT_PORT));
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_B, HT_PORT),
			    &ks->inet.sk);
}

/* An AF_KTCP6 listener on @addr6 (v4view: its IPv4 view), @v6only. */
static struct ktcp_sock *ht_listen6(struct kunit *test,
				    const struct in6_addr *addr6, u32 v4view,
				    bool v6only)
{
	struct ktcp_sock *ks = ht_sock(test, v4view, HT_PORT);

	ks->inet.sk.sk_family = ktcp_family6;
	ks->inet.sk.sk_v6_rcv_saddr = *addr6;
	ks->inet.sk.sk_ipv6only = v6only;
	ks->inet.sk.sk_state = TCP_LISTEN;
	ht_hash_listen(test, ks);
	return ks;
}

/* The listener an IPv6 SYN from ::2 to @laddr finds. */
static struct sock *ht_listener6(struct kunit *test,
				 const struct in6_addr *laddr)
{
	struct ktcp_tuple t = {
		.laddr = *laddr, .lport = htons(HT_PORT), .rport = htons(40000),
	};
	struct sock *sk;

	t.raddr.s6_addr[15] = 2;
	rcu_read_lock();
	sk = ktcp_hash_lookup_listener(ht_kn(test), NULL, &t, 0, 0);
	rcu_read_unlock();
	return sk;
}

/*
 * compute_score()'s rules for both families: a dual-stack [::] listener
 * takes IPv4 SYNs, unless an AF_KTCP one on the wildcard is there (it
 * scores higher) or it is IPV6_V6ONLY; IPv6 SYNs never go to AF_KTCP
 * listeners; a listener on a v4-mapped address takes that IPv4 address.
 * (No IPv6 segment carries a v4-mapped address: the hook leaves those.)
 */
static void ht_listener_dual_stack(struct kunit *test)
{
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT, mapped;
	struct ktcp_sock *dual, *v4, *only, *m;

	dual = ht_listen6(test, &in6addr_any, 0, false);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &dual->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener6(test, &lo6), &dual->inet.sk);
	v4 = ht_listen(test, INADDR_ANY, HT_PORT);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &v4->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener6(test, &lo6), &dual->inet.sk);
	ktcp_hash_unlisten(ht_kn(test), &v4->inet.sk);
	ktcp_hash_unlisten(ht_kn(test), &dual->inet.sk);
	only = ht_listen6(test, &in6addr_any, 0, true);
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, HT_PORT));
	KUNIT_EXPECT_PTR_EQ(test, ht_listener6(test, &lo6), &only->inet.sk);
	ipv6_addr_set_v4mapped(htonl(HT_ADDR_B), &mapped);
	m = ht_listen6(test, &mapped, HT_ADDR_B, false);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_B, HT_PORT),
			    &m->inet.sk);
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, HT_PORT));
}

static void ht_listener_port(struct kunit *test)
{
	/* Same lhash bucket as HT_PORT: the port itself must be compared. */
	u16 twin = HT_PORT + KTCP_LHASH_SIZE;
	struct ktcp_sock *ks = ht_listen(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *ks2;

	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &ks->inet.sk);
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, HT_PORT + 1));
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, HT_PORT - 1));
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, twin));
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, 0));

	ks2 = ht_listen(test, HT_ADDR_A, twin);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, twin),
			    &ks2->inet.sk);
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_B, twin));
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &ks->inet.sk);
}

/*
 * An SO_REUSEPORT group of two: the 4-tuple picks the member, the same
 * tuple always the same one, and 64 peer ports reach both; a listener with
 * a more specific address still wins over the group.
 */
static void ht_listener_reuseport(struct kunit *test)
{
	struct ktcp_sock *a = ht_sock(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *b = ht_sock(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *spec;
	unsigned int hits_a = 0, hits_b = 0;
	struct sock_reuseport *group;
	struct sock *sk;
	u16 rport;

	a->inet.sk.sk_reuseport = 1;
	b->inet.sk.sk_reuseport = 1;
	a->inet.sk.sk_state = TCP_LISTEN;
	b->inet.sk.sk_state = TCP_LISTEN;
	KUNIT_ASSERT_EQ(test, ht_hash_listen(test, a), 0);
	KUNIT_ASSERT_EQ(test, ht_hash_listen(test, b), 0);
	for (rport = 40000; rport < 40064; rport++) {
		sk = ht_listener_for(test, HT_ADDR_A, HT_PORT, HT_ADDR_R, rport);
		KUNIT_EXPECT_PTR_EQ(test, sk, ht_listener_for(test, HT_ADDR_A,
							      HT_PORT, HT_ADDR_R,
							      rport));
		hits_a += sk == &a->inet.sk;
		hits_b += sk == &b->inet.sk;
	}
	KUNIT_EXPECT_EQ(test, hits_a + hits_b, 64U);
	KUNIT_EXPECT_GT(test, hits_a, 0U);
	KUNIT_EXPECT_GT(test, hits_b, 0U);
	/* One group, the kernel's, in join order, as native TCP forms it. */
	group = rcu_access_pointer(a->inet.sk.sk_reuseport_cb);
	KUNIT_EXPECT_NOT_NULL(test, group);
	KUNIT_EXPECT_PTR_EQ(test, group,
			    rcu_access_pointer(b->inet.sk.sk_reuseport_cb));
	spec = ht_listen(test, HT_ADDR_A, HT_PORT);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &spec->inet.sk);
	/* Leaving the group: the other has every SYN. */
	ktcp_hash_unlisten(ht_kn(test), &a->inet.sk);
	KUNIT_EXPECT_NULL(test,
			  rcu_access_pointer(a->inet.sk.sk_reuseport_cb));
	for (rport = 40000; rport < 40016; rport++)
		KUNIT_EXPECT_PTR_EQ(test, ht_listener_for(test, HT_ADDR_B,
							  HT_PORT, HT_ADDR_R,
							  rport),
				    &b->inet.sk);
}

/*
 * SO_BINDTODEVICE (compute_score()): a listener bound to the SYN's device
 * beats an unbound one on the same address, one bound to another device
 * never matches; the address still comes first.
 */
static void ht_listener_device(struct kunit *test)
{
	struct ktcp_sock *any = ht_sock(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *dev2 = ht_sock(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *spec3 = ht_sock(test, HT_ADDR_A, HT_PORT);

	dev2->inet.sk.sk_bound_dev_if = 2;
	spec3->inet.sk.sk_bound_dev_if = 3;
	KUNIT_ASSERT_EQ(test, ht_hash_listen(test, dev2), 0);
	KUNIT_ASSERT_EQ(test, ht_hash_listen(test, any), 0);
	KUNIT_ASSERT_EQ(test, ht_hash_listen(test, spec3), 0);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener_dev(test, HT_ADDR_B, HT_PORT,
						  HT_ADDR_R, 40000, 2),
			    &dev2->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener_dev(test, HT_ADDR_B, HT_PORT,
						  HT_ADDR_R, 40000, 4),
			    &any->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener_dev(test, HT_ADDR_A, HT_PORT,
						  HT_ADDR_R, 40000, 3),
			    &spec3->inet.sk);
	/* spec3 is bound to device 3: from device 2, the best is dev2. */
	KUNIT_EXPECT_PTR_EQ(test, ht_listener_dev(test, HT_ADDR_A, HT_PORT,
						  HT_ADDR_R, 40000, 2),
			    &dev2->inet.sk);
}

static void ht_listener_unlisten(struct kunit *test)
{
	struct ktcp_sock *any = ht_listen(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *spec = ht_listen(test, HT_ADDR_A, HT_PORT);

	ktcp_hash_unlisten(ht_kn(test), &spec->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &any->inet.sk);

	ktcp_hash_unlisten(ht_kn(test), &any->inet.sk);
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_A, HT_PORT));
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_B, HT_PORT));

	/* A second unlisten is a no-op; listening again works. */
	ktcp_hash_unlisten(ht_kn(test), &any->inet.sk);
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&any->listen_node));
	ht_hash_listen(test, spec);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &spec->inet.sk);
	KUNIT_EXPECT_NULL(test, ht_listener(test, HT_ADDR_B, HT_PORT));
}

/* A reader on a listener that stops listening walks on to the rest. */
static void ht_walker_unlisten(struct kunit *test)
{
	struct ktcp_sock *any = ht_listen(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *spec = ht_listen(test, HT_ADDR_A, HT_PORT);
	struct hlist_head *head;
	struct ktcp_sock *pos;
	bool on_spec, found = false;

	head = &ht_kn(test)->lhash[HT_PORT & (KTCP_LHASH_SIZE - 1)];
	rcu_read_lock();
	/* The chain is spec, any: a lookup for HT_ADDR_B stands on spec. */
	pos = hlist_entry_safe(rcu_dereference(hlist_first_rcu(head)),
			       struct ktcp_sock, listen_node);
	on_spec = pos == spec;
	ktcp_hash_unlisten(ht_kn(test), &spec->inet.sk);
	if (pos) {
		hlist_for_each_entry_continue_rcu(pos, listen_node)
			found |= pos == any;
	}
	rcu_read_unlock();

	KUNIT_ASSERT_TRUE(test, on_spec);
	KUNIT_EXPECT_TRUE_MSG(test, found,
			      "a reader on the listener taken out lost the chain");
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&spec->listen_node));
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &any->inet.sk);
}

/* Listening again, on another port, waits for readers of the old chain. */
static void ht_relisten_waits(struct kunit *test)
{
	struct ktcp_sock *any = ht_listen(test, INADDR_ANY, HT_PORT);
	struct ktcp_sock *spec = ht_listen(test, HT_ADDR_A, HT_PORT);
	struct rcu_gp_oldstate gp;

	ktcp_hash_unlisten(ht_kn(test), &spec->inet.sk);
	get_state_synchronize_rcu_full(&gp);
	spec->inet.inet_num = HT_PORT2;
	KUNIT_ASSERT_EQ(test, ht_hash_listen(test, spec), 0);
	KUNIT_EXPECT_TRUE_MSG(test, poll_state_synchronize_rcu_full(&gp),
			      "listening again before readers were done");
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT2),
			    &spec->inet.sk);
	KUNIT_EXPECT_PTR_EQ(test, ht_listener(test, HT_ADDR_A, HT_PORT),
			    &any->inet.sk);
}

static struct kunit_case ktcp_hash_cases[] = {
	KUNIT_CASE(ht_insert_lookup),
	KUNIT_CASE(ht_duplicate),
	KUNIT_CASE(ht_device),
	KUNIT_CASE(ht_lookup_exact),
	KUNIT_CASE(ht_remove),
	KUNIT_CASE(ht_replace),
	KUNIT_CASE(ht_walker_replace),
	KUNIT_CASE(ht_walker_remove),
	KUNIT_CASE(ht_reinsert_waits),
	KUNIT_CASE_SLOW(ht_replace_race),
	KUNIT_CASE(ht_many),
	KUNIT_CASE(ht_listener_specific_any_first),
	KUNIT_CASE(ht_listener_reuseport),
	KUNIT_CASE(ht_listener_device),
	KUNIT_CASE(ht_listener_specific_any_last),
	KUNIT_CASE(ht_listener_other_addr),
	KUNIT_CASE(ht_listener_port),
	KUNIT_CASE(ht_listener_dual_stack),
	KUNIT_CASE(ht_listener_unlisten),
	KUNIT_CASE(ht_walker_unlisten),
	KUNIT_CASE(ht_relisten_waits),
	{}
};

static struct kunit_suite ktcp_hash_suite = {
	.name = "ktcp_hash",
	.init = ht_init,
	.exit = ht_exit,
	.test_cases = ktcp_hash_cases,
};

kunit_test_suite(ktcp_hash_suite);
