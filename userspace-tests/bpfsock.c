// SPDX-License-Identifier: GPL-2.0
/*
 * BPF programs that look for Linux's struct tcp_sock behind a socket must
 * not find one behind a ktcp socket, which is not one: bpf_tcp_sock() and
 * bpf_skc_to_tcp_sock() take any full socket whose sk_protocol is
 * IPPROTO_TCP, and would read a tcp_sock's fields past a ktcp_sock's end.
 * ktcp's sk_protocol is IPPROTO_KTCP (uapi/ktcp.h). Each case runs once on
 * native TCP, where the program must find its tcp_sock (or the test
 * proves nothing), and once on ktcp, where it must find none.
 *
 * The programs are a few instructions written here, loaded with bpf(2)
 * (lib/bpf.c):
 * - a tc egress classifier on lo that drops every packet whose socket
 *   bpf_tcp_sock() accepts: native TCP cannot connect, ktcp can;
 * - a socket filter (SO_ATTACH_BPF) that drops every segment whose socket
 *   bpf_skc_to_tcp_sock() accepts: native TCP's data waits, ktcp's comes.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define BS_ADDR		"127.0.0.1"
#define BS_PIN_DIR	"/run/ktcp-bpfsock"
#define BS_PIN		BS_PIN_DIR "/tc_tcp_sock"

static struct bpf_insn bs_insn(__u8 code, __u8 dst, __u8 src, __s16 off,
			       __s32 imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst,
				  .src_reg = src, .off = off, .imm = imm };
}

#define BS_MOV_REG(d, s)  bs_insn(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define BS_MOV_IMM(d, i)  bs_insn(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define BS_LDX_DW(d, s, o) bs_insn(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define BS_JEQ0(d, o)	  bs_insn(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, 0)
#define BS_CALL(f)	  bs_insn(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define BS_EXIT()	  bs_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* TC_ACT_SHOT for a packet whose socket bpf_tcp_sock() takes. */
static int bs_load_tc(char *log, size_t loglen)
{
	const struct bpf_insn p[] = {
		/* 0 */ BS_MOV_REG(BPF_REG_6, BPF_REG_1),
		/* 1 */ BS_LDX_DW(BPF_REG_1, BPF_REG_6,
				  offsetof(struct __sk_buff, sk)),
		/* 2 */ BS_JEQ0(BPF_REG_1, 7),
		/* 3 */ BS_CALL(BPF_FUNC_sk_fullsock),
		/* 4 */ BS_JEQ0(BPF_REG_0, 5),
		/* 5 */ BS_MOV_REG(BPF_REG_1, BPF_REG_0),
		/* 6 */ BS_CALL(BPF_FUNC_tcp_sock),
		/* 7 */ BS_JEQ0(BPF_REG_0, 2),
		/* 8 */ BS_MOV_IMM(BPF_REG_0, TC_ACT_SHOT),
		/* 9 */ BS_EXIT(),
		/* 10 */ BS_MOV_IMM(BPF_REG_0, TC_ACT_OK),
		/* 11 */ BS_EXIT(),
	};

	return ktcp_bpf_load(BPF_PROG_TYPE_SCHED_CLS, 0, p,
			     sizeof(p) / sizeof(p[0]), log, loglen);
}

/* Keep nothing of a segment whose socket bpf_skc_to_tcp_sock() takes. */
static int bs_load_filter(char *log, size_t loglen)
{
	const struct bpf_insn p[] = {
		/* 0 */ BS_MOV_REG(BPF_REG_6, BPF_REG_1),
		/* 1 */ BS_LDX_DW(BPF_REG_1, BPF_REG_6,
				  offsetof(struct __sk_buff, sk)),
		/* 2 */ BS_JEQ0(BPF_REG_1, 4),
		/* 3 */ BS_CALL(BPF_FUNC_skc_to_tcp_sock),
		/* 4 */ BS_JEQ0(BPF_REG_0, 2),
		/* 5 */ BS_MOV_IMM(BPF_REG_0, 0),
		/* 6 */ BS_EXIT(),
		/* 7 */ BS_MOV_IMM(BPF_REG_0, -1),
		/* 8 */ BS_EXIT(),
	};

	return ktcp_bpf_load(BPF_PROG_TYPE_SOCKET_FILTER, 0, p,
			     sizeof(p) / sizeof(p[0]), log, loglen);
}

FIXTURE(bpfsock)
{
	int family;
	int lfd;
	uint16_t port;
	bool mounted;
};

FIXTURE_VARIANT(bpfsock)
{
	bool native;
};

FIXTURE_VARIANT_ADD(bpfsock, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(bpfsock, native) { .native = true };

FIXTURE_SETUP(bpfsock)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->family = variant->native ? AF_INET : ktcp_family();
	self->lfd = ktcp_listener(_metadata, self->family, BS_ADDR, 0, 8,
				  &self->port);
}

FIXTURE_TEARDOWN(bpfsock)
{
	close(self->lfd);
	if (self->mounted) {
		unlink(BS_PIN);
		umount(BS_PIN_DIR);
		rmdir(BS_PIN_DIR);
	}
}

static void bs_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[512] = "", buf[256];

	snprintf(buf, sizeof(buf), "%s", cmd);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), buf))
		TH_LOG("%s: %s", cmd, out);
}

/* A tc program on lo's egress: bpf_tcp_sock() finds no ktcp socket. */
TEST_F_TIMEOUT(bpfsock, tc_tcp_sock, 60)
{
	struct sockaddr_in sa = ktcp_sin(BS_ADDR, self->port);
	static char log[65536];
	int prog, c, ret;
	union bpf_attr a;

	prog = bs_load_tc(log, sizeof(log));
	ASSERT_LE(0, prog) TH_LOG("tc program: %s\n%s", strerror(errno), log);
	mkdir(BS_PIN_DIR, 0700);
	ASSERT_EQ(0, mount("bpf", BS_PIN_DIR, "bpf", 0, NULL))
		TH_LOG("mount bpffs: %s", strerror(errno));
	self->mounted = true;
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)BS_PIN;
	a.bpf_fd = prog;
	ASSERT_EQ(0, syscall(__NR_bpf, BPF_OBJ_PIN, &a, sizeof(a)));
	close(prog);
	bs_run(_metadata, "modprobe -q sch_ingress");
	bs_run(_metadata, "modprobe -q cls_bpf");
	bs_run(_metadata, "tc qdisc add dev lo clsact");
	bs_run(_metadata, "tc filter add dev lo egress bpf direct-action "
	       "object-pinned " BS_PIN);
	c = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, c);
	ret = ktcp_connect_fd(c, &sa, ktcp_ms(2000));
	if (variant->native) {
		/* The program saw native TCP's tcp_sock and dropped the SYN. */
		EXPECT_GT(0, ret);
	} else {
		EXPECT_EQ(0, ret);
	}
	close(c);
}

/* A socket filter: bpf_skc_to_tcp_sock() finds no ktcp socket. */
TEST_F_TIMEOUT(bpfsock, filter_skc_to_tcp_sock, 60)
{
	static char log[65536];
	char buf[64] = "bpfsock", got[64];
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);
	int prog, c, s;
	short rev = 0;

	/* The bpf_skc_to_*() helpers exist only with the kernel's BTF. */
	if (access("/sys/kernel/btf/vmlinux", F_OK))
		SKIP(return, "no kernel BTF (CONFIG_DEBUG_INFO_BTF): no bpf_skc_to_tcp_sock()");
	prog = bs_load_filter(log, sizeof(log));
	ASSERT_LE(0, prog) TH_LOG("socket filter: %s\n%s", strerror(errno),
				  log);
	c = ktcp_connect(_metadata, self->family, BS_ADDR, self->port);
	s = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_ATTACH_BPF, &prog,
				sizeof(prog)));
	close(prog);
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	if (variant->native) {
		EXPECT_EQ(0, ktcp_poll1(s, POLLIN, ktcp_ms(1000), &rev));
		ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_MEMINFO, mem, &len));
		EXPECT_LE(1, mem[SK_MEMINFO_DROPS]);
	} else {
		EXPECT_EQ(sizeof(got), ktcp_recv_all(s, got, sizeof(got),
						     ktcp_ms(5000)));
		ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_MEMINFO, mem, &len));
		EXPECT_EQ(0, mem[SK_MEMINFO_DROPS]);
	}
	close(s);
	close(c);
}

TEST_HARNESS_MAIN
