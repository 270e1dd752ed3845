// SPDX-License-Identifier: GPL-2.0
/*
 * BPF programs of a few instructions, written in the tests and loaded
 * with bpf(2) (no libbpf, no compiler), and the array maps and cgroup
 * attachments they use.
 */
#include <sys/syscall.h>

#include "ktcptest.h"

static long ktcp_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

/* A program fd, or -1 with errno and the verifier's words in @log. */
int ktcp_bpf_load(enum bpf_prog_type type, enum bpf_attach_type expected,
		  const struct bpf_insn *insns, unsigned int n, char *log,
		  size_t loglen)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = expected;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = log ? loglen : 0;
	a.log_level = log ? 1 : 0;
	return ktcp_bpf(BPF_PROG_LOAD, &a);
}

/* An array map of @n u64 counters: its fd, or -1 with errno. */
int ktcp_bpf_counters(unsigned int n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(uint32_t);
	a.value_size = sizeof(uint64_t);
	a.max_entries = n;
	return ktcp_bpf(BPF_MAP_CREATE, &a);
}

/* Counter @key of array map @map, or UINT64_MAX. */
uint64_t ktcp_bpf_counter(int map, uint32_t key)
{
	uint64_t val = UINT64_MAX;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = map;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	if (ktcp_bpf(BPF_MAP_LOOKUP_ELEM, &a))
		return UINT64_MAX;
	return val;
}

/* Attach @prog to the cgroup open at @cgfd as @type: 0 or -errno. */
int ktcp_bpf_cgroup_attach(int prog, int cgfd, enum bpf_attach_type type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cgfd;
	a.attach_bpf_fd = prog;
	a.attach_type = type;
	return ktcp_bpf(BPF_PROG_ATTACH, &a) ? -errno : 0;
}

int ktcp_bpf_cgroup_detach(int prog, int cgfd, enum bpf_attach_type type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cgfd;
	a.attach_bpf_fd = prog;
	a.attach_type = type;
	return ktcp_bpf(BPF_PROG_DETACH, &a) ? -errno : 0;
}
