// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the bind table and the port space shared with native TCP
 * (port.c). Each test gets a kzalloc'ed ktcp_net of its own; its sockets
 * are kzalloc'ed ktcp_socks in init_net, initialised just enough for the
 * table, with IP_FREEBIND so that their claims may bind the test's
 * addresses, which no interface has. Their claims are real native sockets
 * in init_net, on ports above the default ip_local_port_range.
 *
 * The suite's exit unbinds every socket a test made, so that a failed
 * assertion leaves the tables empty, before ktcp_port_net_exit() runs.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/net_namespace.h>

#include "../ktcp.h"

#define PT_MAX_SOCKS	8

/* Host-order addresses: 10.0.0.1, 10.0.0.2, 192.0.2.7, 192.0.2.8. */
#define PT_ADDR_A	0x0a000001
#define PT_ADDR_B	0x0a000002
#define PT_ADDR_R	0xc0000207
#define PT_ADDR_R2	0xc0000208

/* Above the default ip_local_port_range, so no ephemeral bind takes them. */
#define PT_PORT		61080
#define PT_PORT2	61081
/* In that range, for a socket's IP_LOCAL_PORT_RANGE of one port. */
#define PT_EPORT	60990

struct pt_ctx {
	struct ktcp_net *kn;
	struct ktcp_sock *socks[PT_MAX_SOCKS];
	unsigned int nsocks;
};

static int pt_init(struct kunit *test)
{
	struct pt_ctx *ctx;
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
	if (!err) {
		err = ktcp_port_net_init(ctx->kn);
		if (err)
			ktcp_hash_net_exit(ctx->kn);
	}
	if (err) {
		kfree(ctx->kn);
		ctx->kn = NULL;
	}
	return err;
}

static void pt_exit(struct kunit *test)
{
	struct pt_ctx *ctx = test->priv;
	unsigned int i;

	if (!ctx || !ctx->kn)
		return;
	for (i = 0; i < ctx->nsocks; i++) {
		struct ktcp_sock *ks = ctx->socks[i];

		ktcp_hash_remove(ctx->kn, &ks->hnode);
		ktcp_hash_unlisten(ctx->kn, &ks->inet.sk);
		ktcp_port_unbind(ctx->kn, &ks->inet.sk);
	}
	ktcp_port_net_exit(ctx->kn);
	ktcp_hash_net_exit(ctx->kn);
	kfree(ctx->kn);
}

static struct ktcp_net *pt_kn(struct kunit *test)
{
	return ((struct pt_ctx *)test->priv)->kn;
}

/* A socket in init_net, CLOSE, owning @addr:@port but in no table yet. */
static struct ktcp_sock *pt_sock(struct kunit *test, u32 addr, u16 port)
{
	struct pt_ctx *ctx = test->priv;
	struct ktcp_sock *ks;

	KUNIT_ASSERT_LT(test, ctx->nsocks, PT_MAX_SOCKS);
	ks = kunit_kzalloc(test, sizeof(*ks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ks);
	write_pnet(&ks->inet.sk.sk_net, &init_net);
	ks->inet.sk.sk_state = TCP_CLOSE;
	ks->inet.inet_rcv_saddr = htonl(addr);
	ks->inet.inet_num = port;
	ks->hnode.kind = KTCP_HNODE_SOCK;
	inet_set_bit(FREEBIND, &ks->inet.sk);
	INIT_HLIST_NODE(&ks->bind_node);
	INIT_HLIST_NODE(&ks->listen_node);
	INIT_HLIST_NODE(&ks->hnode.node);
	INIT_LIST_HEAD(&ks->accept_node);
	ctx->socks[ctx->nsocks++] = ks;
	return ks;
}

static struct ktcp_sock *pt_unbound(struct kunit *test, bool reuse)
{
	struct ktcp_sock *ks = pt_sock(test, INADDR_ANY, 0);

	ks->inet.sk.sk_reuse = reuse ? SK_CAN_REUSE : SK_NO_REUSE;
	return ks;
}

static int pt_bind(struct kunit *test, struct ktcp_sock *ks, u32 addr,
		   u16 port)
{
	ks->inet.inet_rcv_saddr = htonl(addr);
	ks->inet.inet_saddr = htonl(addr);
	return ktcp_port_bind(pt_kn(test), &ks->inet.sk, port);
}

static void pt_unbind(struct kunit *test, struct ktcp_sock *ks)
{
	ktcp_port_unbind(pt_kn(test), &ks->inet.sk);
}

static void pt_bind_sets_addr(struct kunit *test)
{
	struct ktcp_sock *ks = pt_unbound(test, false);

	KUNIT_ASSERT_EQ(test, pt_bind(test, ks, PT_ADDR_A, PT_PORT), 0);
	KUNIT_EXPECT_EQ(test, ks->inet.inet_num, PT_PORT);
	KUNIT_EXPECT_EQ(test, ntohs(ks->inet.inet_sport), PT_PORT);
	KUNIT_EXPECT_EQ(test, ntohl(ks->inet.inet_rcv_saddr), PT_ADDR_A);
	KUNIT_EXPECT_EQ(test, ntohl(ks->inet.inet_saddr), PT_ADDR_A);
	KUNIT_EXPECT_NOT_NULL(test, ks->bb);
}

static void pt_bind_conflict(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, false);
	struct ktcp_sock *b = pt_unbound(test, false);

	KUNIT_ASSERT_EQ(test, pt_bind(test, a, INADDR_ANY, PT_PORT), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, b, INADDR_ANY, PT_PORT),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, b->inet.inet_num, 0);
	KUNIT_EXPECT_NULL(test, b->bb);
	KUNIT_EXPECT_EQ(test, pt_bind(test, b, INADDR_ANY, PT_PORT2), 0);
}

static void pt_bind_reuse(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, true);
	struct ktcp_sock *b = pt_unbound(test, true);
	struct ktcp_sock *c = pt_unbound(test, true);
	struct ktcp_sock *d = pt_unbound(test, false);

	KUNIT_ASSERT_EQ(test, pt_bind(test, a, INADDR_ANY, PT_PORT), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, b, INADDR_ANY, PT_PORT), 0);
	/* Both must have SO_REUSEADDR. */
	KUNIT_EXPECT_EQ(test, pt_bind(test, d, INADDR_ANY, PT_PORT),
			-EADDRINUSE);

	/* A listener among the owners refuses even reusers. */
	b->inet.sk.sk_state = TCP_LISTEN;
	KUNIT_EXPECT_EQ(test, pt_bind(test, c, INADDR_ANY, PT_PORT),
			-EADDRINUSE);
	b->inet.sk.sk_state = TCP_ESTABLISHED;
	KUNIT_EXPECT_EQ(test, pt_bind(test, c, INADDR_ANY, PT_PORT), 0);
}

static void pt_bind_addresses(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, false);
	struct ktcp_sock *b = pt_unbound(test, false);
	struct ktcp_sock *any = pt_unbound(test, false);
	struct ktcp_sock *any2 = pt_unbound(test, false);
	struct ktcp_sock *c = pt_unbound(test, false);

	KUNIT_ASSERT_EQ(test, pt_bind(test, a, PT_ADDR_A, PT_PORT), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, b, PT_ADDR_B, PT_PORT), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, c, PT_ADDR_A, PT_PORT),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, pt_bind(test, any, INADDR_ANY, PT_PORT),
			-EADDRINUSE);

	/* INADDR_ANY first: every address on that port then conflicts. */
	KUNIT_ASSERT_EQ(test, pt_bind(test, any2, INADDR_ANY, PT_PORT2), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, c, PT_ADDR_A, PT_PORT2),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, pt_bind(test, c, PT_ADDR_R, PT_PORT2),
			-EADDRINUSE);
}

static void pt_unbind_frees_port(struct kunit *test)
{
	struct hlist_head *head;
	struct ktcp_sock *a = pt_unbound(test, false);
	struct ktcp_sock *b = pt_unbound(test, false);

	head = &pt_kn(test)->bhash[PT_PORT & (KTCP_BHASH_SIZE - 1)];
	KUNIT_ASSERT_EQ(test, pt_bind(test, a, INADDR_ANY, PT_PORT), 0);
	KUNIT_EXPECT_FALSE(test, hlist_empty(head));
	KUNIT_EXPECT_EQ(test, pt_bind(test, b, PT_ADDR_A, PT_PORT),
			-EADDRINUSE);

	pt_unbind(test, a);
	KUNIT_EXPECT_EQ(test, a->inet.inet_num, 0);
	KUNIT_EXPECT_NULL(test, a->bb);
	KUNIT_EXPECT_TRUE(test, hlist_empty(head));
	/* Unbinding twice is harmless. */
	pt_unbind(test, a);

	KUNIT_EXPECT_EQ(test, pt_bind(test, b, PT_ADDR_A, PT_PORT), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, a, PT_ADDR_B, PT_PORT), 0);
	pt_unbind(test, b);
	pt_unbind(test, a);
	KUNIT_EXPECT_TRUE(test, hlist_empty(head));
}

/* An accepted child keeps its listener's port after the listener goes. */
static void pt_inherit_port(struct kunit *test)
{
	struct ktcp_sock *l = pt_unbound(test, false);
	struct ktcp_sock *child = pt_sock(test, PT_ADDR_A, PT_PORT);
	struct ktcp_sock *orphan = pt_sock(test, PT_ADDR_A, PT_PORT2);
	struct ktcp_sock *other = pt_unbound(test, false);
	struct ktcp_sock *l2 = pt_unbound(test, false);

	KUNIT_ASSERT_EQ(test, pt_bind(test, l, INADDR_ANY, PT_PORT), 0);
	l->inet.sk.sk_state = TCP_LISTEN;
	child->inet.sk.sk_state = TCP_ESTABLISHED;
	ktcp_port_inherit(pt_kn(test), &child->inet.sk, &l->inet.sk);
	KUNIT_EXPECT_NOT_NULL(test, child->bb);
	KUNIT_EXPECT_PTR_EQ(test, child->bb, l->bb);

	pt_unbind(test, l);
	KUNIT_EXPECT_EQ(test, pt_bind(test, other, PT_ADDR_A, PT_PORT),
			-EADDRINUSE);
	pt_unbind(test, child);
	KUNIT_EXPECT_EQ(test, pt_bind(test, other, PT_ADDR_A, PT_PORT), 0);

	/* A listener that owns no port passes none on. */
	ktcp_port_inherit(pt_kn(test), &orphan->inet.sk, &l2->inet.sk);
	KUNIT_EXPECT_NULL(test, orphan->bb);
}

static void pt_bind_ephemeral(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, false);
	struct ktcp_sock *b = pt_unbound(test, false);
	struct ktcp_sock *c = pt_unbound(test, false);
	int low, high;

	inet_get_local_port_range(&init_net, &low, &high);
	KUNIT_ASSERT_EQ(test, pt_bind(test, a, INADDR_ANY, 0), 0);
	KUNIT_ASSERT_EQ(test, pt_bind(test, b, INADDR_ANY, 0), 0);
	KUNIT_EXPECT_GE(test, a->inet.inet_num, low);
	KUNIT_EXPECT_LE(test, a->inet.inet_num, high);
	KUNIT_EXPECT_GE(test, b->inet.inet_num, low);
	KUNIT_EXPECT_LE(test, b->inet.inet_num, high);
	KUNIT_EXPECT_NE(test, a->inet.inet_num, b->inet.inet_num);
	KUNIT_EXPECT_EQ(test, ntohs(a->inet.inet_sport), a->inet.inet_num);
	KUNIT_EXPECT_NOT_NULL(test, a->bb);

	/* The port is owned like an explicitly bound one. */
	KUNIT_EXPECT_EQ(test, pt_bind(test, c, INADDR_ANY, a->inet.inet_num),
			-EADDRINUSE);
}

KUNIT_DEFINE_ACTION_WRAPPER(pt_sock_release, sock_release, struct socket *);

/* A native TCP socket in init_net bound to INADDR_ANY:@port: its errno. */
static int pt_native_bind(struct kunit *test, u16 port, bool reuse,
			  struct socket **sockp)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(port),
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kunit_add_action_or_reset(test, pt_sock_release, sock);
	KUNIT_ASSERT_EQ(test, err, 0);
	sock->sk->sk_reuse = reuse ? SK_CAN_REUSE : SK_NO_REUSE;
	*sockp = sock;
	return kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
}

static void pt_bind_native(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, true);
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, pt_native_bind(test, PT_PORT, false, &sock), 0);
	KUNIT_EXPECT_EQ(test, pt_bind(test, a, PT_ADDR_A, PT_PORT),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, a->inet.inet_num, 0);
	KUNIT_EXPECT_NULL(test, a->claim);

	kunit_release_action(test, pt_sock_release, sock);
	KUNIT_EXPECT_EQ(test, pt_bind(test, a, PT_ADDR_A, PT_PORT), 0);
	/* And now native TCP is refused ktcp's port. */
	KUNIT_EXPECT_EQ(test, pt_native_bind(test, PT_PORT, false, &sock),
			-EADDRINUSE);
}

/* connect()'s port, from a socket range of one port: shared by 4-tuple. */
static int pt_connect(struct kunit *test, struct ktcp_sock *ks, u32 raddr)
{
	int err;

	KUNIT_ASSERT_NULL(test, ks->bb);
	ks->inet.inet_saddr = htonl(PT_ADDR_A);
	ks->inet.inet_rcv_saddr = htonl(PT_ADDR_A);
	ks->inet.inet_daddr = htonl(raddr);
	ks->inet.inet_dport = htons(80);
	WRITE_ONCE(ks->inet.local_port_range, PT_EPORT | (PT_EPORT << 16));
	err = ktcp_port_connect(pt_kn(test), &ks->inet.sk);
	if (err)
		return err;
	ktcp_tuple_set_v4(&ks->hnode.key, ks->inet.inet_saddr,
			  ks->inet.inet_sport, ks->inet.inet_daddr,
			  ks->inet.inet_dport);
	return ktcp_hash_insert(pt_kn(test), &ks->hnode);
}

static void pt_connect_shares(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, false);
	struct ktcp_sock *b = pt_unbound(test, false);
	struct ktcp_sock *c = pt_unbound(test, false);
	struct ktcp_sock *d = pt_unbound(test, false);

	KUNIT_ASSERT_EQ(test, pt_connect(test, a, PT_ADDR_R), 0);
	KUNIT_EXPECT_EQ(test, a->inet.inet_num, PT_EPORT);
	KUNIT_EXPECT_NOT_NULL(test, a->claim);
	/* Another destination: the same port and the same claim. */
	KUNIT_ASSERT_EQ(test, pt_connect(test, b, PT_ADDR_R2), 0);
	KUNIT_EXPECT_EQ(test, b->inet.inet_num, PT_EPORT);
	KUNIT_EXPECT_PTR_EQ(test, b->claim, a->claim);
	/* The same 4-tuple again: none left. */
	KUNIT_EXPECT_EQ(test, pt_connect(test, c, PT_ADDR_R), -EADDRNOTAVAIL);
	KUNIT_EXPECT_NULL(test, c->claim);
	/* bind() may not take a port connections use. */
	KUNIT_EXPECT_EQ(test, pt_bind(test, d, PT_ADDR_A, PT_EPORT),
			-EADDRINUSE);

	ktcp_hash_remove(pt_kn(test), &a->hnode);
	pt_unbind(test, a);
	KUNIT_EXPECT_EQ(test, pt_bind(test, d, PT_ADDR_A, PT_EPORT),
			-EADDRINUSE);
	ktcp_hash_remove(pt_kn(test), &b->hnode);
	pt_unbind(test, b);
	KUNIT_EXPECT_EQ(test, pt_bind(test, d, PT_ADDR_A, PT_EPORT), 0);
	/* Explicitly bound: connect() shares it no more. */
	KUNIT_EXPECT_EQ(test, pt_connect(test, c, PT_ADDR_R), -EADDRNOTAVAIL);
}

/* A listening claim refuses native SO_REUSEADDR binds; unlisten frees it. */
static void pt_listen_claim(struct kunit *test)
{
	struct ktcp_sock *a = pt_unbound(test, true);
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, pt_bind(test, a, INADDR_ANY, PT_PORT), 0);
	KUNIT_ASSERT_EQ(test, ktcp_port_listen(pt_kn(test), &a->inet.sk), 0);
	a->inet.sk.sk_state = TCP_LISTEN;
	KUNIT_EXPECT_EQ(test, pt_native_bind(test, PT_PORT, true, &sock),
			-EADDRINUSE);
	ktcp_port_unlisten(&a->inet.sk);
	ktcp_hash_unlisten(pt_kn(test), &a->inet.sk);
	a->inet.sk.sk_state = TCP_CLOSE;
	KUNIT_EXPECT_EQ(test, pt_native_bind(test, PT_PORT, true, &sock), 0);
}

static struct kunit_case ktcp_port_cases[] = {
	KUNIT_CASE(pt_bind_sets_addr),
	KUNIT_CASE(pt_bind_conflict),
	KUNIT_CASE(pt_bind_reuse),
	KUNIT_CASE(pt_bind_addresses),
	KUNIT_CASE(pt_unbind_frees_port),
	KUNIT_CASE(pt_inherit_port),
	KUNIT_CASE(pt_bind_ephemeral),
	KUNIT_CASE(pt_bind_native),
	KUNIT_CASE(pt_connect_shares),
	KUNIT_CASE(pt_listen_claim),
	{}
};

static struct kunit_suite ktcp_port_suite = {
	.name = "ktcp_port",
	.init = pt_init,
	.exit = pt_exit,
	.test_cases = ktcp_port_cases,
};

kunit_test_suite(ktcp_port_suite);
