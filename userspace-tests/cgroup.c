// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup's BPF network policy holds for ktcp sockets (module/cgroup.c).
 * Each case runs in a fresh network namespace and a fresh cgroup v2 group
 * that the test process joins, once for AF_INET and once for the family
 * under test:
 * - sock_create and sock_release programs run for the sockets a program
 *   creates and closes, accepted ones included for release, as
 *   inet_create() and inet_release() run them: a program counting them in
 *   a map counts the same on both stacks, and one that refuses makes
 *   socket() fail with EPERM on both.
 * - a cgroup_skb egress program, which the kernel runs only for AF_INET and
 *   AF_INET6 sockets, leaves native TCP working; ktcp refuses socket(),
 *   connect() and listen() with EPERM while strict_cgroup is on (checked
 *   again for a socket created before the program came), and works,
 *   unfiltered, with it off.
 */
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define CG_ADDR		"127.0.0.1"
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_STRICT	"/sys/module/ktcp/parameters/strict_cgroup"

FIXTURE(cgroup)
{
	int family;
	char dir[64];
	int cgfd;
};

FIXTURE_VARIANT(cgroup)
{
	bool native;
};

FIXTURE_VARIANT_ADD(cgroup, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(cgroup, native) { .native = true };

static int cg_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Move this process into @dir's cgroup.procs. */
static int cg_join(const char *dir)
{
	char path[96], pid[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return cg_write(path, pid);
}

FIXTURE_SETUP(cgroup)
{
	ktcp_new_netns(_metadata);
	self->family = variant->native ? AF_INET : ktcp_family();
	self->cgfd = -1;
	if (access(CG_ROOT "/cgroup.controllers", F_OK))
		SKIP(return, "no cgroup v2 at " CG_ROOT " (kernel without CONFIG_CGROUPS)");
	snprintf(self->dir, sizeof(self->dir), CG_ROOT "/ktcp-cg-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755))
		TH_LOG("%s: %s (cgroup2 mounted?)", self->dir, strerror(errno));
	self->cgfd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->cgfd);
	ASSERT_EQ(0, cg_join(self->dir));
}

FIXTURE_TEARDOWN(cgroup)
{
	if (self->cgfd < 0)
		return;
	/* Leaving and removing the group detaches its programs. */
	cg_join(CG_ROOT);
	close(self->cgfd);
	rmdir(self->dir);
	if (!variant->native)
		cg_write(CG_STRICT, "Y");
}

#define CG_INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })

/* A cgroup/sock program for @type that answers @verdict. */
static int cg_load_verdict(enum bpf_prog_type ptype, enum bpf_attach_type type,
			   int verdict)
{
	const struct bpf_insn p[] = {
		CG_INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict),
		CG_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return ktcp_bpf_load(ptype, type, p, 2, NULL, 0);
}

/* A cgroup/sock program for @type that adds one to counter @key of @map. */
static int cg_load_count(enum bpf_attach_type type, int map, int key,
			 char *log, size_t loglen)
{
	const struct bpf_insn p[] = {
		CG_INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, key),
		CG_INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		CG_INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		CG_INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1,
			BPF_PSEUDO_MAP_FD, 0, map),
		CG_INSN(0, 0, 0, 0, 0),
		CG_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		CG_INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0),
		CG_INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1),
		CG_INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0,
			BPF_ADD),
		CG_INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
		CG_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return ktcp_bpf_load(BPF_PROG_TYPE_CGROUP_SOCK, type, p,
			     sizeof(p) / sizeof(p[0]), log, loglen);
}

/* sock_create and sock_release programs see the same sockets. */
TEST_F_TIMEOUT(cgroup, sock_create_release_counted, 60)
{
	static char log[16384];
	int map, pc, pr, lfd, c, s, i;
	uint16_t port;

	map = ktcp_bpf_counters(2);
	ASSERT_LE(0, map) TH_LOG("map: %s", strerror(errno));
	pc = cg_load_count(BPF_CGROUP_INET_SOCK_CREATE, map, 0, log,
			   sizeof(log));
	ASSERT_LE(0, pc) TH_LOG("%s\n%s", strerror(errno), log);
	pr = cg_load_count(BPF_CGROUP_INET_SOCK_RELEASE, map, 1, log,
			   sizeof(log));
	ASSERT_LE(0, pr) TH_LOG("%s\n%s", strerror(errno), log);
	ASSERT_EQ(0, ktcp_bpf_cgroup_attach(pc, self->cgfd,
					    BPF_CGROUP_INET_SOCK_CREATE));
	ASSERT_EQ(0, ktcp_bpf_cgroup_attach(pr, self->cgfd,
					    BPF_CGROUP_INET_SOCK_RELEASE));
	lfd = ktcp_listener(_metadata, self->family, CG_ADDR, 0, 8, &port);
	for (i = 0; i < 3; i++) {
		c = ktcp_connect(_metadata, self->family, CG_ADDR, port);
		s = ktcp_accept(_metadata, lfd);
		close(s);
		close(c);
	}
	/* socket() made the listener and three clients ... */
	EXPECT_EQ(4, ktcp_bpf_counter(map, 0));
	/* ... and the accepted three were released with them. */
	EXPECT_EQ(6, ktcp_bpf_counter(map, 1));
	close(lfd);
	EXPECT_EQ(7, ktcp_bpf_counter(map, 1));
	close(pc);
	close(pr);
	close(map);
}

/* A sock_create program that refuses: socket() fails with EPERM. */
TEST_F_TIMEOUT(cgroup, sock_create_refused, 60)
{
	int prog, fd;

	prog = cg_load_verdict(BPF_PROG_TYPE_CGROUP_SOCK,
			       BPF_CGROUP_INET_SOCK_CREATE, 0);
	ASSERT_LE(0, prog) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, ktcp_bpf_cgroup_attach(prog, self->cgfd,
					    BPF_CGROUP_INET_SOCK_CREATE));
	fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
	close(prog);
}

/*
 * A cgroup_skb egress program that lets everything through: native TCP
 * runs under it; ktcp, which it would not see, refuses unless told not to.
 */
TEST_F_TIMEOUT(cgroup, skb_filter_not_bypassed, 60)
{
	struct sockaddr_in sa;
	int prog, early, lfd, fd, s, lfd2, ret;
	uint16_t port;

	lfd = ktcp_listener(_metadata, self->family, CG_ADDR, 0, 8, &port);
	sa = ktcp_sin(CG_ADDR, port);
	early = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, early);
	lfd2 = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, lfd2);
	prog = cg_load_verdict(BPF_PROG_TYPE_CGROUP_SKB,
			       BPF_CGROUP_INET_EGRESS, 1);
	ASSERT_LE(0, prog) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, ktcp_bpf_cgroup_attach(prog, self->cgfd,
					    BPF_CGROUP_INET_EGRESS));
	fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ret = ktcp_connect_fd(early, &sa, ktcp_ms(2000));
	if (variant->native) {
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, ret);
		EXPECT_EQ(0, listen(lfd2, 8));
	} else {
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(-EPERM, ret);
		EXPECT_EQ(-1, listen(lfd2, 8));
		EXPECT_EQ(EPERM, errno);
		/* Off: ktcp runs, and the program never sees it. */
		ASSERT_EQ(0, cg_write(CG_STRICT, "N"));
		fd = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(0, ktcp_connect_fd(fd, &sa, ktcp_ms(2000)));
	}
	s = ktcp_accept(_metadata, lfd);
	close(s);
	if (fd >= 0)
		close(fd);
	close(early);
	close(lfd2);
	close(lfd);
	close(prog);
}

/*
 * connect6 and connect4 sock_addr programs (allowing everything): each
 * family's socket steps around its own family's only, so AF_KTCP6 is
 * refused under connect6 and AF_KTCP under connect4, never the other;
 * native sockets of both families run under either.
 */
TEST_F_TIMEOUT(cgroup, sock_addr_per_family, 60)
{
	static const enum bpf_attach_type types[] = {
		BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_INET4_CONNECT,
	};
	int fam[2] = { variant->native ? AF_INET6 : ktcp_family6(),
		       self->family };
	int i, prog, fd4, fd6, e4, e6;

	for (i = 0; i < 2; i++) {
		prog = cg_load_verdict(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
				       types[i], 1);
		ASSERT_LE(0, prog) TH_LOG("%s", strerror(errno));
		ASSERT_EQ(0, ktcp_bpf_cgroup_attach(prog, self->cgfd,
						    types[i]));
		fd6 = socket(fam[0], SOCK_STREAM | SOCK_CLOEXEC, 0);
		e6 = errno;
		fd4 = socket(fam[1], SOCK_STREAM | SOCK_CLOEXEC, 0);
		e4 = errno;
		if (variant->native || i == 1) {
			EXPECT_LE(0, fd6) TH_LOG("%s", strerror(e6));
		} else {
			EXPECT_TRUE(fd6 == -1 && e6 == EPERM);
		}
		if (variant->native || i == 0) {
			EXPECT_LE(0, fd4) TH_LOG("%s", strerror(e4));
		} else {
			EXPECT_TRUE(fd4 == -1 && e4 == EPERM);
		}
		if (fd6 >= 0)
			close(fd6);
		if (fd4 >= 0)
			close(fd4);
		ASSERT_EQ(0, ktcp_bpf_cgroup_detach(prog, self->cgfd,
						    types[i]));
		close(prog);
	}
}

TEST_HARNESS_MAIN
