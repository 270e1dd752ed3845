// SPDX-License-Identifier: GPL-2.0
/*
 * The host's policy applies to ktcp as to native TCP: each case runs for
 * the family under test and for AF_INET, in a fresh network namespace,
 * and asserts the same results for both.
 * - A socket filter (SO_ATTACH_FILTER) that refuses everything keeps
 *   segments from the socket, which counts them as drops (SO_MEMINFO);
 *   once it is detached, the sender's retransmission gets through.
 * - A listener's filter passes to the connections it accepts.
 * - An IPsec input policy that requires ESP keeps plain SYNs from a
 *   listener; without it the same connect() succeeds.
 * - Multicast groups joined on a socket (MCAST_JOIN_GROUP) are left when
 *   it closes, as inet_release() leaves them.
 */
#include <linux/filter.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <poll.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define PO_ADDR		"127.0.0.1"
#define PO_GROUP	"239.1.2.3"
#define PO_DUMMY	"kt_po0"

FIXTURE(policy)
{
	int family;
	int lfd;
	uint16_t port;
};

FIXTURE_VARIANT(policy)
{
	bool native;
};

FIXTURE_VARIANT_ADD(policy, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(policy, native) { .native = true };

FIXTURE_SETUP(policy)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->family = variant->native ? AF_INET : ktcp_family();
	self->lfd = ktcp_listener(_metadata, self->family, PO_ADDR, 0, 8,
				  &self->port);
}

FIXTURE_TEARDOWN(policy)
{
	close(self->lfd);
}

static void po_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[512] = "", buf[256];

	snprintf(buf, sizeof(buf), "%s", cmd);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), buf))
		TH_LOG("%s: %s", cmd, out);
}

static uint32_t po_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len))
		return UINT32_MAX;
	return mem[SK_MEMINFO_DROPS];
}

/* A filter that keeps nothing: segments never reach the socket. */
TEST_F_TIMEOUT(policy, socket_filter_drops, 60)
{
	struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = drop_all };
	char buf[100] = "policy", got[100];
	int c, s, zero = 0;
	long long f0 = -1;
	short rev = 0;

	c = ktcp_connect(_metadata, AF_INET, PO_ADDR, self->port);
	s = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				sizeof(prog)));
	if (!variant->native)
		f0 = ktcp_counter(self->family, "SocketFilterDrop");
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, ktcp_poll1(s, POLLIN, ktcp_ms(1500), &rev));
	EXPECT_LE(1, po_drops(s));
	EXPECT_NE(UINT32_MAX, po_drops(s));
	if (!variant->native)
		EXPECT_LE(1, ktcp_counter(self->family, "SocketFilterDrop") -
			     f0);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero,
				sizeof(zero)));
	/* The sender's retransmission timer brings the data. */
	ASSERT_EQ(0, ktcp_set_io_timeouts(s, ktcp_ms(15000)));
	ASSERT_EQ(sizeof(got), ktcp_recv_all(s, got, sizeof(got),
					     ktcp_ms(15000)));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));
	TH_LOG("%u drops while the filter was on", po_drops(s));
	close(s);
	close(c);
}

/*
 * A listener's filter passes to the connections it accepts, as
 * sk_clone_lock() gives it: one that drops segments with PSH lets the
 * handshake through and keeps the child from the data.
 */
TEST_F_TIMEOUT(policy, socket_filter_inherited, 60)
{
	struct sock_filter no_psh[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),	/* TCP flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x08, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
	};
	struct sock_fprog prog = { .len = 4, .filter = no_psh };
	char buf[100] = "inherited", got[100];
	socklen_t len = 0;
	int c, s, zero = 0;
	short rev = 0;

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_ATTACH_FILTER,
				&prog, sizeof(prog)));
	c = ktcp_connect(_metadata, AF_INET, PO_ADDR, self->port);
	s = ktcp_accept(_metadata, self->lfd);
	/* With no room given, SO_GET_FILTER says how long the filter is. */
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_GET_FILTER, NULL, &len));
	EXPECT_EQ(4, len);
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	EXPECT_EQ(0, ktcp_poll1(s, POLLIN, ktcp_ms(1500), &rev));
	EXPECT_LE(1, po_drops(s));
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero,
				sizeof(zero)));
	ASSERT_EQ(0, ktcp_set_io_timeouts(s, ktcp_ms(15000)));
	ASSERT_EQ(sizeof(got), ktcp_recv_all(s, got, sizeof(got),
					     ktcp_ms(15000)));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));
	close(s);
	close(c);
}

/*
 * An inbound policy that requires ESP for a listener's port: a plain SYN
 * is dropped (Linux counts it in /proc/net/xfrm_stat), so connect()
 * fails; with the policy gone, it succeeds. Over the veth pair: loopback
 * is exempt from IPsec policy (its NOPOLICY flag).
 */
TEST_F_TIMEOUT(policy, xfrm_policy_required, 60)
{
	struct sockaddr_in sa;
	int ns_cli, ns_srv, lfd, c;
	uint16_t port;
	char cmd[256];

	ktcp_test_netns(_metadata, true, 1000, &ns_cli, &ns_srv);
	ktcp_setns(_metadata, ns_srv);
	lfd = ktcp_listener(_metadata, self->family, KTCP_VETH_IP_B, 0, 8,
			    &port);
	po_run(_metadata, "modprobe -q xfrm_user");
	snprintf(cmd, sizeof(cmd),
		 "ip xfrm policy add dir in dst " KTCP_VETH_IP_B "/32 "
		 "proto tcp dport %u tmpl proto esp mode transport level "
		 "required", port);
	po_run(_metadata, cmd);
	ktcp_setns(_metadata, ns_cli);
	sa = ktcp_sin(KTCP_VETH_IP_B, port);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	EXPECT_GT(0, ktcp_connect_fd(c, &sa, ktcp_ms(2000)));
	close(c);
	ktcp_setns(_metadata, ns_srv);
	po_run(_metadata, "ip xfrm policy flush");
	ktcp_setns(_metadata, ns_cli);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	EXPECT_EQ(0, ktcp_connect_fd(c, &sa, ktcp_ms(5000)));
	close(c);
	close(lfd);
	close(ns_srv);
	close(ns_cli);
}

/* 1 if PO_DUMMY has joined PO_GROUP, 0 if not, -1 on error. */
static int po_member(void)
{
	char out[4096] = "";

	if (ktcp_run_cmd(out, sizeof(out), "ip maddr show dev " PO_DUMMY))
		return -1;
	return strstr(out, PO_GROUP) != NULL;
}

/*
 * A group joined on a socket is left when the socket closes. A TCP socket
 * may not use IP_ADD_MEMBERSHIP (EPROTO), but MCAST_JOIN_GROUP has no
 * such check in Linux 6.12, for either stack.
 */
TEST_F_TIMEOUT(policy, multicast_left_on_close, 60)
{
	struct ip_mreqn mreq = { 0 };
	struct group_req gr = { 0 };
	struct sockaddr_in *grp = (struct sockaddr_in *)&gr.gr_group;
	int fd;

	po_run(_metadata, "modprobe -q dummy");
	po_run(_metadata, "ip link add " PO_DUMMY " type dummy");
	po_run(_metadata, "ip link set " PO_DUMMY " up");
	ASSERT_EQ(0, po_member());
	fd = __ktcp_socket(_metadata, self->family);
	mreq.imr_multiaddr.s_addr = inet_addr(PO_GROUP);
	mreq.imr_ifindex = if_nametoindex(PO_DUMMY);
	ASSERT_LT(0, mreq.imr_ifindex);
	EXPECT_EQ(-1, setsockopt(fd, SOL_IP, IP_ADD_MEMBERSHIP, &mreq,
				 sizeof(mreq)));
	EXPECT_EQ(EPROTO, errno);
	gr.gr_interface = mreq.imr_ifindex;
	grp->sin_family = AF_INET;
	grp->sin_addr.s_addr = inet_addr(PO_GROUP);
	ASSERT_EQ(0, setsockopt(fd, SOL_IP, MCAST_JOIN_GROUP, &gr,
				sizeof(gr)));
	EXPECT_EQ(1, po_member());
	close(fd);
	EXPECT_EQ(0, po_member());
}

TEST_HARNESS_MAIN
