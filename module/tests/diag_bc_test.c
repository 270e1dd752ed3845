// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for diag_bc.c: inet_diag's bytecode audit and interpreter as
 * net/ipv4/inet_diag.c has them (the programs ss builds for its filters).
 */

#include <kunit/test.h>
#include <linux/inet_diag.h>

#include "../ktcp.h"

static const struct ktcp_diag_entry diag_bc_e = {
	.family = AF_INET,
	.saddr = htonl(0x7f000001), .daddr = htonl(0x0a000002),
	.sport = 80, .dport = 40000, .ifindex = 1, .mark = 0x10,
};

/* sport >= 80 and sport <= 80: ss's "sport = :80" */
static void diag_bc_ports(struct kunit *test)
{
	struct inet_diag_bc_op bc[4] = {
		{ INET_DIAG_BC_S_GE, 8, 20 }, { 0, 0, 80 },
		{ INET_DIAG_BC_S_LE, 8, 12 }, { 0, 0, 80 },
	};
	struct ktcp_diag_entry e = diag_bc_e;

	KUNIT_EXPECT_EQ(test, 0, ktcp_diag_bc_audit(bc, sizeof(bc), false));
	KUNIT_EXPECT_TRUE(test, ktcp_diag_bc_run(bc, sizeof(bc), &e));
	e.sport = 81;
	KUNIT_EXPECT_FALSE(test, ktcp_diag_bc_run(bc, sizeof(bc), &e));
	e.sport = 79;
	KUNIT_EXPECT_FALSE(test, ktcp_diag_bc_run(bc, sizeof(bc), &e));
}

/* dst 10.0.0.0/8: an AF_INET host condition; an AF_INET6 one never. */
static void diag_bc_host(struct kunit *test)
{
	struct {
		struct inet_diag_bc_op op;
		struct inet_diag_hostcond c;
		__be32 addr[4];
	} bc = {
		{ INET_DIAG_BC_D_COND, sizeof(bc) - 12, sizeof(bc) - 12 + 4 },
		{ .family = AF_INET, .prefix_len = 8, .port = -1 },
		{ htonl(0x0a000000) },
	};
	int len = sizeof(bc) - 12;	/* an IPv4 address only */
	struct ktcp_diag_entry e = diag_bc_e;

	KUNIT_EXPECT_EQ(test, 0, ktcp_diag_bc_audit(&bc, len, false));
	KUNIT_EXPECT_TRUE(test, ktcp_diag_bc_run(&bc, len, &e));
	e.daddr = htonl(0x0b000002);
	KUNIT_EXPECT_FALSE(test, ktcp_diag_bc_run(&bc, len, &e));
	bc.c.prefix_len = 33;
	KUNIT_EXPECT_EQ(test, -EINVAL, ktcp_diag_bc_audit(&bc, len, false));
	bc.c.prefix_len = 0;
	bc.c.family = AF_INET6;
	bc.op.yes = sizeof(bc);
	bc.op.no = sizeof(bc) + 4;
	KUNIT_EXPECT_EQ(test, 0, ktcp_diag_bc_audit(&bc, sizeof(bc), false));
	KUNIT_EXPECT_FALSE(test, ktcp_diag_bc_run(&bc, sizeof(bc), &e));
}

/* Malformed programs, and a mark condition without CAP_NET_ADMIN. */
static void diag_bc_audit(struct kunit *test)
{
	struct inet_diag_bc_op bc[3] = { { INET_DIAG_BC_S_GE, 3, 12 } };
	struct {
		struct inet_diag_bc_op op;
		struct inet_diag_markcond m;
	} mark = { { INET_DIAG_BC_MARK_COND, 12, 16 }, { 0x10, 0xff } };
	struct ktcp_diag_entry e = diag_bc_e;

	KUNIT_EXPECT_EQ(test, -EINVAL, ktcp_diag_bc_audit(bc, 8, false));
	KUNIT_EXPECT_EQ(test, -EINVAL, ktcp_diag_bc_audit(bc, 2, false));
	bc[0] = (struct inet_diag_bc_op){ INET_DIAG_BC_S_GE, 8, 12 };
	KUNIT_EXPECT_EQ(test, -EINVAL, ktcp_diag_bc_audit(bc, 10, false));
	bc[0] = (struct inet_diag_bc_op){ 200, 4, 8 };
	KUNIT_EXPECT_EQ(test, -EINVAL, ktcp_diag_bc_audit(bc, 4, false));
	KUNIT_EXPECT_EQ(test, -EPERM,
			ktcp_diag_bc_audit(&mark, sizeof(mark), false));
	KUNIT_EXPECT_EQ(test, 0, ktcp_diag_bc_audit(&mark, sizeof(mark), true));
	KUNIT_EXPECT_TRUE(test, ktcp_diag_bc_run(&mark, sizeof(mark), &e));
	e.mark = 0x11;
	KUNIT_EXPECT_FALSE(test, ktcp_diag_bc_run(&mark, sizeof(mark), &e));
}

static struct kunit_case diag_bc_cases[] = {
	KUNIT_CASE(diag_bc_ports),
	KUNIT_CASE(diag_bc_host),
	KUNIT_CASE(diag_bc_audit),
	{}
};

static struct kunit_suite diag_bc_suite = {
	.name = "ktcp_diag_bc",
	.test_cases = diag_bc_cases,
};

kunit_test_suite(diag_bc_suite);
