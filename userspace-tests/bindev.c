// SPDX-License-Identifier: GPL-2.0
/*
 * A connection's device binding decides which segments reach it, as
 * inet_match() decides for native TCP (ideas from Linux's
 * tools/testing/selftests/net/fcnal-test.sh). Each case runs with the
 * server on ktcp and on native TCP, a native client, in fresh namespaces
 * wired by two veth pairs: kt_va/kt_vb (198.18.0.0/24) and kt_wa/kt_wb
 * (198.18.1.0/24, in the server namespace optionally enslaved to a VRF).
 * - other_device: a connection accepted by a listener bound to kt_vb
 *   (SO_BINDTODEVICE) does not take a segment that arrives on kt_wb: the
 *   client's route moves to the other pair, native TCP answers with a RST
 *   and the client's connection is reset, the server's socket gets nothing.
 * - vrf_l3mdev_accept: with net.ipv4.tcp_l3mdev_accept=1 an unbound
 *   listener accepts a connection through the VRF; the connection is bound
 *   to the VRF (SO_BINDTODEVICE reads its name), its replies are routed in
 *   the VRF's table, and data moves both ways.
 * - vrf_bound: with tcp_l3mdev_accept=0 an unbound listener refuses a
 *   connection through the VRF, one bound to the VRF accepts it.
 */
#include <net/if.h>
#include <poll.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define BD_PORT		7421
#define BD_VRF		"kt_vrf"
#define BD_IP_WA	"198.18.1.1"
#define BD_IP_WB	"198.18.1.2"

FIXTURE(bindev)
{
	int ns_cli, ns_srv;
	int family;
};

FIXTURE_VARIANT(bindev)
{
	bool native;
};

FIXTURE_VARIANT_ADD(bindev, ktcp) { };
FIXTURE_VARIANT_ADD(bindev, native) { .native = true };

static void bd_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[512], buf[256];

	snprintf(buf, sizeof(buf), "%s", cmd);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), buf))
		TH_LOG("%s: %s", cmd, out);
}

FIXTURE_SETUP(bindev)
{
	self->family = variant->native ? AF_INET : ktcp_family();
	bd_run(_metadata, "modprobe -q vrf");
	ktcp_test_netns(_metadata, true, 1000, &self->ns_cli, &self->ns_srv);
	ASSERT_EQ(0, ktcp_veth_create("kt_wa", "kt_wb", self->ns_srv));
	ASSERT_EQ(0, ktcp_if_addr("kt_wa", BD_IP_WA, 24));
	ASSERT_EQ(0, ktcp_if_up("kt_wa"));
	ktcp_setns(_metadata, self->ns_srv);
	bd_run(_metadata, "ip link add " BD_VRF " type vrf table 10");
	bd_run(_metadata, "ip link set " BD_VRF " up");
	ASSERT_EQ(0, ktcp_if_up("kt_wb"));
	ASSERT_TRUE(ktcp_wait_running("kt_wb", 5000));
	ktcp_setns(_metadata, self->ns_cli);
	ASSERT_TRUE(ktcp_wait_running("kt_wa", 5000));
}

FIXTURE_TEARDOWN(bindev)
{
	ktcp_setns(_metadata, self->ns_cli);
	close(self->ns_srv);
}

/* kt_wb gets its address in the VRF (@vrf) or in the main table. */
static void bd_wb(struct __test_metadata *_metadata, int ns_srv, bool vrf)
{
	ktcp_setns(_metadata, ns_srv);
	if (vrf)
		bd_run(_metadata, "ip link set kt_wb master " BD_VRF);
	ASSERT_EQ(0, ktcp_if_addr("kt_wb", BD_IP_WB, 24));
	ASSERT_EQ(0, ktcp_if_up("kt_wb"));
}

/* A listener in the current netns on BD_PORT, bound to @dev unless NULL. */
static int bd_listener(struct __test_metadata *_metadata, int family,
		       const char *dev)
{
	struct sockaddr_in sa = ktcp_sin("0.0.0.0", BD_PORT);
	int one = 1, fd = __ktcp_socket(_metadata, family);

	EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	if (dev)
		EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev,
					strlen(dev) + 1));
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(0, listen(fd, 4));
	return fd;
}

/* One byte each way. */
static void bd_ping(struct __test_metadata *_metadata, int a, int b)
{
	char c = 'x';

	ASSERT_EQ(1, ktcp_send_all(a, &c, 1, ktcp_ms(5000)));
	ASSERT_EQ(1, ktcp_recv_all(b, &c, 1, ktcp_ms(5000)));
	ASSERT_EQ(1, ktcp_send_all(b, &c, 1, ktcp_ms(5000)));
	ASSERT_EQ(1, ktcp_recv_all(a, &c, 1, ktcp_ms(5000)));
}

static void bd_expect_dev(struct __test_metadata *_metadata, int fd,
			  const char *dev)
{
	char name[IFNAMSIZ] = "";
	socklen_t len = sizeof(name);

	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len));
	EXPECT_STREQ(dev, name);
}

TEST_F(bindev, other_device)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, BD_PORT);
	struct pollfd p;
	int lfd, cfd, afd;
	char c = 'y';

	bd_wb(_metadata, self->ns_srv, false);
	lfd = bd_listener(_metadata, self->family, KTCP_VETH_B);
	ktcp_setns(_metadata, self->ns_cli);
	cfd = native_socket(_metadata);
	ASSERT_EQ(0, ktcp_connect_fd(cfd, &sa, ktcp_ms(5000)));
	afd = ktcp_accept_fd(lfd, ktcp_ms(5000));
	ASSERT_LE(0, afd);
	bd_expect_dev(_metadata, afd, KTCP_VETH_B);
	bd_ping(_metadata, cfd, afd);

	/* From now on the client's segments arrive on kt_wb. */
	bd_run(_metadata, "ip route add " KTCP_VETH_IP_B "/32 dev kt_wa");
	ASSERT_EQ(1, send(cfd, &c, 1, 0));
	p = (struct pollfd){ .fd = cfd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, ktcp_ms(5000)));
	EXPECT_EQ(-1, recv(cfd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	p = (struct pollfd){ .fd = afd, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, ktcp_ms(500)));
	/* The client's RST for a FIN could not reach it now: abort. */
	ktcp_abort_fd(&afd);
	close(cfd);
	close(lfd);
}

/*
 * A native client connects to BD_IP_WB (through the server's VRF);
 * the accepted fd, or -1 with the connect() errno in @err.
 */
static int bd_vrf_connect(struct __test_metadata *_metadata, int ns_cli,
			  int lfd, int *cfd, int *err)
{
	struct sockaddr_in sa = ktcp_sin(BD_IP_WB, BD_PORT);
	int ret;

	ktcp_setns(_metadata, ns_cli);
	*cfd = native_socket(_metadata);
	ret = ktcp_connect_fd(*cfd, &sa, ktcp_ms(5000));
	*err = ret ? -ret : 0;
	if (ret)
		return -1;
	return ktcp_accept_fd(lfd, ktcp_ms(5000));
}

TEST_F(bindev, vrf_l3mdev_accept)
{
	int lfd, cfd, afd, err;

	bd_wb(_metadata, self->ns_srv, true);
	bd_run(_metadata, "sysctl -qw net.ipv4.tcp_l3mdev_accept=1");
	lfd = bd_listener(_metadata, self->family, NULL);
	afd = bd_vrf_connect(_metadata, self->ns_cli, lfd, &cfd, &err);
	ASSERT_LE(0, afd) TH_LOG("connect: %s", strerror(err));
	bd_expect_dev(_metadata, afd, BD_VRF);
	bd_ping(_metadata, cfd, afd);
	close(cfd);
	close(afd);
	close(lfd);
}

TEST_F(bindev, vrf_bound)
{
	int lfd, cfd, afd, err;

	bd_wb(_metadata, self->ns_srv, true);
	bd_run(_metadata, "sysctl -qw net.ipv4.tcp_l3mdev_accept=0");
	lfd = bd_listener(_metadata, self->family, NULL);
	afd = bd_vrf_connect(_metadata, self->ns_cli, lfd, &cfd, &err);
	EXPECT_EQ(-1, afd);
	EXPECT_EQ(ECONNREFUSED, err);
	close(cfd);
	close(lfd);

	ktcp_setns(_metadata, self->ns_srv);
	lfd = bd_listener(_metadata, self->family, BD_VRF);
	afd = bd_vrf_connect(_metadata, self->ns_cli, lfd, &cfd, &err);
	ASSERT_LE(0, afd) TH_LOG("connect: %s", strerror(err));
	bd_expect_dev(_metadata, afd, BD_VRF);
	bd_ping(_metadata, cfd, afd);
	close(cfd);
	close(afd);
	close(lfd);
}

TEST_HARNESS_MAIN
