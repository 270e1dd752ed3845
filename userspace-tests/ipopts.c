// SPDX-License-Identifier: GPL-2.0
/*
 * IP-level socket options and what they put on the wire, ktcp against
 * native TCP in the same VM: each case runs for the family under test and
 * for AF_INET, in a fresh network namespace of its own, and asserts the
 * same results for both.
 *
 * - bind() to a non-local address: EADDRNOTAVAIL, unless IP_FREEBIND,
 *   IP_TRANSPARENT (CAP_NET_RAW or CAP_NET_ADMIN) or
 *   net.ipv4.ip_nonlocal_bind; a transparent client on such an address,
 *   answered through a policy route to lo.
 */
#include <linux/capability.h>
#include <netinet/ip.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define IPO_NONLOCAL	"192.0.2.1"	/* TEST-NET-1: never local here */
#define IPO_NONLOCAL2	"192.0.2.2"
#define IPO_WAIT_MS	10000

#ifndef IP_FREEBIND
#define IP_FREEBIND	15
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT	19
#endif

FIXTURE(ipopts)
{
	int family;
};

FIXTURE_VARIANT(ipopts)
{
	bool native;
};

FIXTURE_VARIANT_ADD(ipopts, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(ipopts, native) { .native = true };

/* Run @cmd (blank-separated words, no quoting), asserting success. */
static void ipo_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[2048];
	int st = ktcp_run_cmd(out, sizeof(out), cmd);

	ASSERT_EQ(0, st) TH_LOG("%s: status %d: %s", cmd, st, out);
}

static void ipo_sysctl(struct __test_metadata *_metadata, const char *name,
		       long val)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	ASSERT_EQ(0, ktcp_sysctl_path_write(path, val))
		TH_LOG("%s: cannot write", path);
}

static void ipo_setint(struct __test_metadata *_metadata, int fd, int level,
		       int opt, int val)
{
	ASSERT_EQ(0, setsockopt(fd, level, opt, &val, sizeof(val)))
		TH_LOG("setsockopt(%d, %d, %d): %s", level, opt, val,
		       strerror(errno));
}

static int ipo_getint(struct __test_metadata *_metadata, int fd, int level,
		      int opt)
{
	socklen_t len = sizeof(int);
	int v = -12345;

	ASSERT_EQ(0, getsockopt(fd, level, opt, &v, &len))
		TH_LOG("getsockopt(%d, %d): %s", level, opt, strerror(errno));
	return v;
}

/* bind(@ip:@port): 0 or errno. */
static int ipo_bind(int fd, const char *ip, int port)
{
	struct sockaddr_in sa = ktcp_sin(ip, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
}

static uint32_t ipo_local_addr(int fd)
{
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);

	getsockname(fd, (struct sockaddr *)&sa, &len);
	return sa.sin_addr.s_addr;
}

FIXTURE_SETUP(ipopts)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->family = variant->native ? AF_INET : ktcp_family();
}

FIXTURE_TEARDOWN(ipopts)
{
}

/*
 * bind() to an address no interface has: EADDRNOTAVAIL; with IP_FREEBIND,
 * IP_TRANSPARENT or net.ipv4.ip_nonlocal_bind it binds, and getsockname()
 * says so. Multicast and broadcast addresses bind without them
 * (inet_addr_valid_or_nonlocal()). The options read back what was set.
 */
TEST_F(ipopts, bind_nonlocal)
{
	static const int opts[] = { 0, IP_FREEBIND, IP_TRANSPARENT };
	unsigned int i;
	int fd;

	for (i = 0; i < 4; i++) {
		fd = __ktcp_socket(_metadata, self->family);
		EXPECT_EQ(0, ipo_getint(_metadata, fd, SOL_IP, IP_FREEBIND));
		EXPECT_EQ(0, ipo_getint(_metadata, fd, SOL_IP, IP_TRANSPARENT));
		if (i == 3)
			ipo_sysctl(_metadata, "ip_nonlocal_bind", 1);
		else if (opts[i])
			ipo_setint(_metadata, fd, SOL_IP, opts[i], 1);
		if (i && i < 3)
			EXPECT_EQ(1, ipo_getint(_metadata, fd, SOL_IP, opts[i]));
		EXPECT_EQ(i ? 0 : EADDRNOTAVAIL,
			  ipo_bind(fd, IPO_NONLOCAL, 5000 + i)) TH_LOG("knob %u", i);
		if (i)
			EXPECT_EQ(inet_addr(IPO_NONLOCAL), ipo_local_addr(fd));
		if (i && i < 3) {	/* and off again: it stays bound */
			ipo_setint(_metadata, fd, SOL_IP, opts[i], 0);
			EXPECT_EQ(0, ipo_getint(_metadata, fd, SOL_IP, opts[i]));
		}
		close(fd);
	}
	ipo_sysctl(_metadata, "ip_nonlocal_bind", 0);
	fd = __ktcp_socket(_metadata, self->family);
	EXPECT_EQ(EADDRNOTAVAIL, ipo_bind(fd, IPO_NONLOCAL, 0));
	EXPECT_EQ(0, ipo_bind(fd, "224.0.0.1", 0));
	EXPECT_EQ(inet_addr("224.0.0.1"), ipo_local_addr(fd));
	close(fd);
	fd = __ktcp_socket(_metadata, self->family);
	EXPECT_EQ(0, ipo_bind(fd, "255.255.255.255", 0));
	close(fd);
}

/* IP_TRANSPARENT needs CAP_NET_RAW or CAP_NET_ADMIN; IP_FREEBIND does not. */
TEST_F(ipopts, transparent_eperm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int st, fd, one = 1, zero = 0;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		fd = socket(self->family, SOCK_STREAM, 0);
		if (fd < 0 || syscall(SYS_capget, &h, d))
			_exit(10);
		d[0].effective &= ~(1U << CAP_NET_RAW | 1U << CAP_NET_ADMIN);
		if (syscall(SYS_capset, &h, d))
			_exit(11);
		if (!setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) ||
		    errno != EPERM)
			_exit(12);
		if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &zero, sizeof(zero)))
			_exit(13);
		if (setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one)))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* 192.0.2.0/24 is delivered locally (AnyIP in table 100) but not local. */
static void ipo_anyip(struct __test_metadata *_metadata)
{
	ipo_run(_metadata, "ip route add local 192.0.2.0/24 dev lo table 100");
	ipo_run(_metadata, "ip rule add to 192.0.2.0/24 lookup 100 pref 100");
}

/* 1000 bytes from @a to @b and back: both directions work. */
static void ipo_echo(struct __test_metadata *_metadata, int a, int b)
{
	char buf[1000], got[1000];

	memset(buf, 'i', sizeof(buf));
	ASSERT_EQ(sizeof(buf), ktcp_send_all(a, buf, sizeof(buf), IPO_WAIT_MS));
	ASSERT_EQ(sizeof(got), ktcp_recv_all(b, got, sizeof(got), IPO_WAIT_MS));
	ASSERT_EQ(sizeof(buf), ktcp_send_all(b, got, sizeof(got), IPO_WAIT_MS));
	ASSERT_EQ(sizeof(got), ktcp_recv_all(a, got, sizeof(got), IPO_WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, got, sizeof(buf)));
}

/*
 * A transparent client bound to a non-local address connects from it; one
 * with IP_FREEBIND only gets the routing error native TCP gets.
 */
TEST_F(ipopts, transparent_client)
{
	struct sockaddr_in to;
	uint16_t port;
	int lfd, c, s, ret;

	ipo_anyip(_metadata);
	lfd = ktcp_listener(_metadata, AF_INET, "127.0.0.1", 0, 8, &port);
	to = ktcp_sin("127.0.0.1", port);
	c = __ktcp_socket(_metadata, self->family);
	ipo_setint(_metadata, c, SOL_IP, IP_TRANSPARENT, 1);
	ASSERT_EQ(0, ipo_bind(c, IPO_NONLOCAL, 0));
	ASSERT_EQ(0, ktcp_connect_fd(c, &to, IPO_WAIT_MS));
	s = ktcp_accept(_metadata, lfd);
	EXPECT_EQ(inet_addr(IPO_NONLOCAL), ipo_local_addr(c));
	ipo_echo(_metadata, c, s);
	ktcp_abort_fd(&c);
	ktcp_abort_fd(&s);

	c = __ktcp_socket(_metadata, self->family);
	ipo_setint(_metadata, c, SOL_IP, IP_FREEBIND, 1);
	ASSERT_EQ(0, ipo_bind(c, IPO_NONLOCAL2, 0));
	ret = connect(c, (struct sockaddr *)&to, sizeof(to)) ? errno : 0;
	EXPECT_EQ(ENETUNREACH, ret) TH_LOG("connect: %s", strerror(ret));
	close(c);
	close(lfd);
}

TEST_HARNESS_MAIN
