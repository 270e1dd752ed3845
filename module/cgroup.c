// SPDX-License-Identifier: GPL-2.0
/*
 * A cgroup's BPF network policy and ktcp sockets.
 *
 * The kernel runs a cgroup's BPF programs on IPv4 and IPv6 sockets only:
 * __cgroup_bpf_run_filter_skb() (cgroup_skb ingress and egress, which
 * systemd's IPAddressDeny= and IPIngressFilterPath= attach) and
 * __cgroup_bpf_run_filter_sock_addr() (bind4, connect4, bind6, connect6)
 * return "allow" for any other sk_family, and inet_create()/inet_release() are where the
 * sock_create and sock_release programs run. A ktcp socket, whose family
 * is its own, would step around all of them.
 *
 * What ktcp can run itself, it runs where Linux does: the sock_create
 * programs when a program (not the kernel) creates a socket, as
 * inet_create() does (a refusal is EPERM), and the sock_release programs
 * when it closes it, as inet_release() does (__cgroup_bpf_run_filter_sk()
 * checks no family). The others it cannot run, so it does not let them be
 * bypassed: while the strict_cgroup parameter is on (the default), a
 * socket whose cgroup has cgroup_skb ingress or egress, bind4, post_bind4
 * or connect4 programs gets EPERM from socket(), bind(), connect() and
 * listen(), each of which checks again, since programs can be attached
 * after a socket exists. Connections a listener accepts belong to its
 * cgroup (ktcp_sock_clone()), as sk_clone_lock()'s do, and were checked
 * with it. Documentation/design.rst explains the choice.
 */

#include <linux/bpf-cgroup.h>

#include "ktcp.h"

static bool ktcp_strict_cgroup = true;
module_param_named(strict_cgroup, ktcp_strict_cgroup, bool, 0644);
MODULE_PARM_DESC(strict_cgroup,
		 "refuse ktcp sockets in cgroups whose BPF IP policy the kernel runs only for AF_INET/AF_INET6");

#ifdef CONFIG_CGROUP_BPF
/*
 * The attach types whose programs an AF_KTCP socket would escape; an
 * AF_KTCP6 one escapes IPv6's sock_addr programs instead, which Linux runs
 * for an AF_INET6 socket whatever its peer, v4-mapped ones included.
 */
static const enum cgroup_bpf_attach_type ktcp_cgroup_escaped[] = {
	CGROUP_INET_INGRESS,
	CGROUP_INET_EGRESS,
	CGROUP_INET4_BIND,
	CGROUP_INET4_POST_BIND,
	CGROUP_INET4_CONNECT,
};

static const enum cgroup_bpf_attach_type ktcp_cgroup_escaped6[] = {
	CGROUP_INET_INGRESS,
	CGROUP_INET_EGRESS,
	CGROUP_INET6_BIND,
	CGROUP_INET6_POST_BIND,
	CGROUP_INET6_CONNECT,
};

/*
 * 0, or -EPERM when @sk's cgroup has a program of a type the kernel would
 * not run for it. The keys' counts keep this at five loads while no
 * cgroup anywhere has such a program.
 */
int ktcp_cgroup_check(struct sock *sk)
{
	const enum cgroup_bpf_attach_type *escaped = ktcp_cgroup_escaped;
	enum cgroup_bpf_attach_type atype;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(ktcp_cgroup_escaped) !=
		     ARRAY_SIZE(ktcp_cgroup_escaped6));
	if (!READ_ONCE(ktcp_strict_cgroup))
		return 0;
	if (ktcp_sk_v6(sk))
		escaped = ktcp_cgroup_escaped6;
	for (i = 0; i < ARRAY_SIZE(ktcp_cgroup_escaped); i++) {
		atype = escaped[i];
		/* cgroup_bpf_enabled() needs a constant: a plain read */
		if (static_key_enabled(&cgroup_bpf_enabled_key[atype]) &&
		    cgroup_bpf_sock_enabled(sk, atype))
			return -EPERM;
	}
	return 0;
}

/* inet_create()'s BPF_CGROUP_RUN_PROG_INET_SOCK(), then the check above. */
int ktcp_cgroup_sock_create(struct sock *sk)
{
	int err;

	if (sk->sk_kern_sock)
		return 0;
	err = BPF_CGROUP_RUN_PROG_INET_SOCK(sk);
	return err ? : ktcp_cgroup_check(sk);
}

/* inet_release()'s BPF_CGROUP_RUN_PROG_INET_SOCK_RELEASE(). */
void ktcp_cgroup_sock_release(struct sock *sk)
{
	if (!sk->sk_kern_sock)
		BPF_CGROUP_RUN_PROG_INET_SOCK_RELEASE(sk);
}

/*
 * A child joins @listener's cgroup, as sk_clone_lock()'s cgroup_sk_clone()
 * makes it: sk_alloc() put it in the root cgroup (softirq) or in that of
 * whichever task ran the listener's backlog. The references are those
 * cgroup_sk_alloc() and cgroup_sk_clone() take and cgroup_sk_free() drops.
 */
void ktcp_cgroup_sock_clone(struct sock *child, const struct sock *listener)
{
	struct cgroup *old = sock_cgroup_ptr(&child->sk_cgrp_data);
	struct cgroup *cgrp = listener->sk_cgrp_data.cgroup;

	if (old == cgrp)
		return;
	cgroup_get(cgrp);
	cgroup_bpf_get(cgrp);
	child->sk_cgrp_data.cgroup = cgrp;
	cgroup_bpf_put(old);
	cgroup_put(old);
}
#else
int ktcp_cgroup_check(struct sock *sk)
{
	return 0;
}

int ktcp_cgroup_sock_create(struct sock *sk)
{
	return 0;
}

void ktcp_cgroup_sock_release(struct sock *sk)
{
}

void ktcp_cgroup_sock_clone(struct sock *child, const struct sock *listener)
{
}
#endif
