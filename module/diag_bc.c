// SPDX-License-Identifier: GPL-2.0
/*
 * inet_diag's bytecode filter (INET_DIAG_REQ_BYTECODE) for diag.c: the
 * checks a program must pass before it runs (inet_diag_bc_audit()) and
 * the interpreter (inet_diag_bc_run()), as net/ipv4/inet_diag.c has them,
 * which keeps both static. Pure logic over a struct ktcp_diag_entry: no
 * socket, no lock; only ktcp_diag_bc_sk() reads a table's entry into one.
 * An entry is AF_INET or AF_INET6 (an AF_KTCP6 socket's, v4-mapped ones
 * included), which an AF_INET condition matches by the mapped IPv4
 * address, as in Linux.
 */

#include <linux/cgroup.h>
#include <linux/inet_diag.h>
#include <linux/unaligned.h>
#include <net/netlink.h>

#include "ktcp.h"

/* bitstring_match(): the first @bits bits of @a1 and @a2 agree. */
static bool ktcp_diag_bc_prefix(const __be32 *a1, const __be32 *a2, int bits)
{
	int words = bits >> 5;
	__be32 mask;

	bits &= 0x1f;
	if (words && memcmp(a1, a2, words << 2))
		return false;
	if (!bits)
		return true;
	mask = htonl(0xffffffff << (32 - bits));
	return !((a1[words] ^ a2[words]) & mask);
}

static bool ktcp_diag_bc_host(const struct inet_diag_bc_op *op,
			      const struct ktcp_diag_entry *e)
{
	const struct inet_diag_hostcond *cond = (const void *)(op + 1);
	bool src = op->code == INET_DIAG_BC_S_COND;
	const struct in6_addr *a6 = src ? &e->saddr6 : &e->daddr6;
	const __be32 *addr = src ? &e->saddr : &e->daddr;

	if (cond->port != -1 && cond->port != (src ? e->sport : e->dport))
		return false;
	if (e->family == AF_INET6)
		addr = a6->s6_addr32;
	if (cond->family != AF_UNSPEC && cond->family != e->family) {
		/* inet_diag_bc_run(): an IPv4 prefix on a v4-mapped address */
		return e->family == AF_INET6 && cond->family == AF_INET &&
		       ipv6_addr_v4mapped(a6) &&
		       ktcp_diag_bc_prefix(addr + 3, cond->addr,
					   cond->prefix_len);
	}
	return !cond->prefix_len ||
	       ktcp_diag_bc_prefix(addr, cond->addr, cond->prefix_len);
}

/* One operation: does @e pass it? */
static bool ktcp_diag_bc_op(const struct inet_diag_bc_op *op,
			    const struct ktcp_diag_entry *e)
{
	const struct inet_diag_markcond *mark;

	switch (op->code) {
	case INET_DIAG_BC_NOP:
		return true;
	case INET_DIAG_BC_S_EQ:
		return e->sport == op[1].no;
	case INET_DIAG_BC_S_GE:
		return e->sport >= op[1].no;
	case INET_DIAG_BC_S_LE:
		return e->sport <= op[1].no;
	case INET_DIAG_BC_D_EQ:
		return e->dport == op[1].no;
	case INET_DIAG_BC_D_GE:
		return e->dport >= op[1].no;
	case INET_DIAG_BC_D_LE:
		return e->dport <= op[1].no;
	case INET_DIAG_BC_AUTO:
		return !(e->userlocks & SOCK_BINDPORT_LOCK);
	case INET_DIAG_BC_S_COND:
	case INET_DIAG_BC_D_COND:
		return ktcp_diag_bc_host(op, e);
	case INET_DIAG_BC_DEV_COND:
		return *(const u32 *)(op + 1) == e->ifindex;
	case INET_DIAG_BC_MARK_COND:
		mark = (const void *)(op + 1);
		return (e->mark & mark->mask) == mark->mark;
	case INET_DIAG_BC_CGROUP_COND:
		return get_unaligned((const u64 *)(op + 1)) == e->cgroup_id;
	}
	return false;	/* INET_DIAG_BC_JMP */
}

/* inet_diag_bc_run(): run an audited program; true if @e matches. */
bool ktcp_diag_bc_run(const void *bc, int len, const struct ktcp_diag_entry *e)
{
	while (len > 0) {
		const struct inet_diag_bc_op *op = bc;
		int step = ktcp_diag_bc_op(op, e) ? op->yes : op->no;

		len -= step;
		bc += step;
	}
	return len == 0;
}

/*
 * inet_diag_bc_sk(): run the audited program @bc over table entry @h,
 * whose 4-tuple @t and family (@v6) diag.c has read. A request has its
 * listener's device and its own mark. A ktcp_tw has 0 for the rest, as
 * Linux's timewait sock has but for its device and mark, which are 0 too
 * on a ktcp_tw (a socket with either stays whole: ktcp_tw_compact()).
 */
bool ktcp_diag_bc_sk(const struct nlattr *bc, const struct ktcp_hnode *h,
		     const struct ktcp_tuple *t, bool v6)
{
	struct ktcp_diag_entry e = {
		.family = v6 ? AF_INET6 : AF_INET,
		.saddr = ktcp_addr_v4(&t->laddr),
		.daddr = ktcp_addr_v4(&t->raddr),
		.saddr6 = t->laddr,
		.daddr6 = t->raddr,
		.sport = ntohs(t->lport),
		.dport = ntohs(t->rport),
	};
	const struct ktcp_request *req;
	struct sock *sk;

	if (h->kind == KTCP_HNODE_REQ) {
		req = container_of(h, struct ktcp_request, hnode);
		e.ifindex = READ_ONCE(req->listener->sk_bound_dev_if);
		e.mark = req->mark;
	} else if (h->kind == KTCP_HNODE_SOCK) {
		sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
		e.ifindex = READ_ONCE(sk->sk_bound_dev_if);
		e.userlocks = READ_ONCE(sk->sk_userlocks);
		e.mark = READ_ONCE(sk->sk_mark);
#ifdef CONFIG_SOCK_CGROUP_DATA
		e.cgroup_id = cgroup_id(sock_cgroup_ptr(&sk->sk_cgrp_data));
#endif
	}
	return ktcp_diag_bc_run(nla_data(bc), nla_len(bc), &e);
}

/* valid_cc(): @cc bytes before the end is the start of an op. */
static bool ktcp_diag_bc_valid_cc(const void *bc, int len, int cc)
{
	while (len >= 0) {
		const struct inet_diag_bc_op *op = bc;

		if (cc > len)
			return false;
		if (cc == len)
			return true;
		if (op->yes < 4 || op->yes & 3)
			return false;
		len -= op->yes;
		bc += op->yes;
	}
	return false;
}

/* The length an op needs (op and its data), or -EINVAL / -EPERM. */
static int ktcp_diag_bc_op_len(const struct inet_diag_bc_op *op, int len,
			       bool net_admin)
{
	const struct inet_diag_hostcond *cond = (const void *)(op + 1);
	int need = sizeof(*op), alen;

	switch (op->code) {
	case INET_DIAG_BC_S_COND:
	case INET_DIAG_BC_D_COND:	/* valid_hostcond() */
		need += sizeof(*cond);
		if (len < need)
			return -EINVAL;
		if (cond->family == AF_UNSPEC)
			alen = 0;
		else if (cond->family == AF_INET)
			alen = sizeof(struct in_addr);
		else if (cond->family == AF_INET6)
			alen = sizeof(struct in6_addr);
		else
			return -EINVAL;
		need += alen;
		if (cond->prefix_len > 8 * alen)
			return -EINVAL;
		break;
	case INET_DIAG_BC_DEV_COND:
		need += sizeof(u32);
		break;
	case INET_DIAG_BC_S_EQ:
	case INET_DIAG_BC_S_GE:
	case INET_DIAG_BC_S_LE:
	case INET_DIAG_BC_D_EQ:
	case INET_DIAG_BC_D_GE:
	case INET_DIAG_BC_D_LE:		/* the port in a second op */
		need += sizeof(*op);
		break;
	case INET_DIAG_BC_MARK_COND:
		if (!net_admin)
			return -EPERM;
		need += sizeof(struct inet_diag_markcond);
		break;
	case INET_DIAG_BC_CGROUP_COND:
		need += sizeof(u64);
		break;
	case INET_DIAG_BC_AUTO:
	case INET_DIAG_BC_JMP:
	case INET_DIAG_BC_NOP:
		break;
	default:
		return -EINVAL;
	}
	return len < need ? -EINVAL : need;
}

/* inet_diag_bc_audit(): 0 if @bc of @len bytes may run, else -errno. */
int ktcp_diag_bc_audit(const void *bc, int len, bool net_admin)
{
	const void *start = bc;
	int total = len, need;

	if (len < (int)sizeof(struct inet_diag_bc_op))
		return -EINVAL;
	while (len > 0) {
		const struct inet_diag_bc_op *op = bc;

		if (len < (int)sizeof(*op))	/* Linux reads past: not here */
			return -EINVAL;
		need = ktcp_diag_bc_op_len(op, len, net_admin);
		if (need < 0)
			return need;
		if (op->code != INET_DIAG_BC_NOP) {
			if (op->no < need || op->no > len + 4 || op->no & 3)
				return -EINVAL;
			if (op->no < len &&
			    !ktcp_diag_bc_valid_cc(start, total, len - op->no))
				return -EINVAL;
		}
		if (op->yes < need || op->yes > len + 4 || op->yes & 3)
			return -EINVAL;
		bc += op->yes;
		len -= op->yes;
	}
	return len == 0 ? 0 : -EINVAL;
}
