// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp: a complete TCP/IPv4 as its own socket family.
 *
 * Module and namespace lifecycle. Load order: proto (slab), timer wheels,
 * per-namespace state (tables, counters, sysctls, /proc, receive hook), then
 * the family and its sock_diag handler (diag.c), so that no socket exists
 * before everything it needs. Unload in reverse: the module cannot be
 * unloaded while any socket exists, orphans included (proto.owner and
 * proto_ops.owner pin it), so by then the wheels and tables are empty;
 * rcu_barrier() lets the last RCU frees finish before the slab goes.
 */

#include <linux/module.h>
#include <linux/net.h>
#include <linux/swap.h>

#include "ktcp.h"
#include "uapi/ktcp.h"

#define KTCP_TW_TIMEOUT_MS	60000	/* TCP_TIMEWAIT_LEN */
#define KTCP_ECN_DEFAULT	2	/* tcp_ecn: accept, do not ask */

int ktcp_family = AF_KTCP_DEFAULT;
module_param_named(family, ktcp_family, int, 0444);
MODULE_PARM_DESC(family, "socket family number (default 23, unused in 6.12)");

int ktcp_family6 = AF_KTCP6_DEFAULT;
module_param_named(family6, ktcp_family6, int, 0444);
MODULE_PARM_DESC(family6,
		 "socket family number for IPv6 and dual stack (default 12, unused in 6.12)");

unsigned int ktcp_net_id __read_mostly;

/*
 * rmem and wmem, and the congestion control: the initial namespace gets
 * Linux's boot-time values (tcp_init(): the maxima 1/128 of the free
 * buffer pages, within 64 KiB..4 MiB and 128 KiB..6 MiB); a new one copies
 * the initial namespace's current values, as tcp_sk_init() does. Linux's
 * memory-pressure floor (the [0]s) is read through struct proto, which
 * can point at one array only: the initial namespace's.
 */
static void ktcp_net_init_inherited(struct net *net, struct ktcp_net *kn)
{
	const struct ktcp_net *init = ktcp_pernet(&init_net);
	unsigned long limit;

	if (!net_eq(net, &init_net)) {
		memcpy(kn->rmem, init->rmem, sizeof(kn->rmem));
		memcpy(kn->wmem, init->wmem, sizeof(kn->wmem));
		kn->cong = READ_ONCE(init->cong);
		return;
	}
	limit = nr_free_buffer_pages() << (PAGE_SHIFT - 7);
	kn->wmem[0] = PAGE_SIZE;
	kn->wmem[1] = 16 * 1024;
	kn->wmem[2] = max_t(int, 64 * 1024, min(4UL * 1024 * 1024, limit));
	kn->rmem[0] = PAGE_SIZE;
	kn->rmem[1] = 131072;
	kn->rmem[2] = max_t(int, 131072, min(6UL * 1024 * 1024, limit));
	kn->cong = ktcp_cc_default();
	ktcp_prot.sysctl_rmem = kn->rmem;
	ktcp_prot.sysctl_wmem = kn->wmem;
	ktcp6_prot.sysctl_rmem = kn->rmem;
	ktcp6_prot.sysctl_wmem = kn->wmem;
}

static int __net_init ktcp_net_init(struct net *net)
{
	struct ktcp_net *kn = ktcp_pernet(net);
	int err;

	write_pnet(&kn->net, net);
	kn->tw_timeout_ms = KTCP_TW_TIMEOUT_MS;
	kn->fin_timeout = TCP_FIN_TIMEOUT;	/* tcp_sk_init() */
	kn->keepalive_time = TCP_KEEPALIVE_TIME;
	kn->keepalive_intvl = TCP_KEEPALIVE_INTVL;
	kn->keepalive_probes = TCP_KEEPALIVE_PROBES;
	kn->syn_retries = TCP_SYN_RETRIES;
	kn->syn_linear_timeouts = 4;
	kn->synack_retries = TCP_SYNACK_RETRIES;
	kn->retries1 = TCP_RETR1;
	kn->retries2 = TCP_RETR2;
	kn->timestamps = 1;
	kn->sack = 1;
	kn->window_scaling = 1;
	kn->dsack = 1;
	kn->early_retrans = 3;
	kn->slow_start_after_idle = 1;
	kn->min_snd_mss = TCP_MIN_SND_MSS;
	kn->notsent_lowat = UINT_MAX;
	ktcp_net_init_inherited(net, kn);
	kn->rfc1337 = 1;	/* Linux's default is 0: design.rst */
	kn->reuse_tw = 2;	/* tcp_sk_init(): loopback only */
	kn->tw_retime = 0;	/* Linux-like: running timers keep going */
	kn->syncookies = 1;			/* tcp_sk_init() */
	/* tcp_sk_init(): a 128th of the established table, at least 128. */
	kn->max_syn_backlog = max_t(int, 128, ktcp_hash_ehash_size() / 128);
	kn->frto = 2;		/* tcp_frto's default */
	kn->recovery = KTCP_RECOVERY_DEFAULT;
	kn->ecn = KTCP_ECN_DEFAULT;
	kn->ecn_fallback = 1;		/* tcp_ecn_fallback */
	kn->fastopen = TFO_CLIENT_ENABLE;	/* tcp_sk_init() */
	ktcp_fastopen_net_init(kn);
	/* tcp_init() and tcp_sk_init(): half the established table each. */
	kn->max_orphans = ktcp_hash_ehash_size() / 2;
	kn->max_tw_buckets = ktcp_hash_ehash_size() / 2;
	atomic_set(&kn->orphans, 0);
	atomic_set(&kn->tw_count, 0);
	kn->mib = alloc_percpu(struct ktcp_mib);
	if (!kn->mib)
		return -ENOMEM;
	err = ktcp_port_net_init(kn);
	if (err)
		goto err_mib;
	err = ktcp_hash_net_init(kn);
	if (err)
		goto err_port;
	err = ktcp_tw_net_init(kn);
	if (err)
		goto err_hash;
	err = ktcp_sysctl_net_init(net);
	if (err)
		goto err_tw;
	err = ktcp_proc_net_init(net);
	if (err)
		goto err_sysctl;
	err = ktcp_ip6_net_init(net);
	if (err)
		goto err_proc;
	err = ktcp_hook_net_init(net);
	if (err)
		goto err_ip6;
	return 0;
err_ip6:
	ktcp_ip6_net_exit(net);
err_proc:
	ktcp_proc_net_exit(net);
err_sysctl:
	ktcp_sysctl_net_exit(net);
err_tw:
	ktcp_tw_net_exit(kn);
err_hash:
	ktcp_hash_net_exit(kn);
err_port:
	ktcp_port_net_exit(kn);
err_mib:
	free_percpu(kn->mib);
	return err;
}

static void __net_exit ktcp_net_exit(struct net *net)
{
	struct ktcp_net *kn = ktcp_pernet(net);

	ktcp_hook_net_exit(net);
	ktcp_ip6_net_exit(net);
	ktcp_proc_net_exit(net);
	ktcp_sysctl_net_exit(net);
	ktcp_tw_net_exit(kn);	/* its claims, before the port table goes */
	ktcp_hash_net_exit(kn);
	ktcp_port_net_exit(kn);
	ktcp_fastopen_cache_exit(kn);
	free_percpu(kn->mib);
}

static struct pernet_operations ktcp_net_ops = {
	.init	= ktcp_net_init,
	.exit	= ktcp_net_exit,
	.id	= &ktcp_net_id,
	.size	= sizeof(struct ktcp_net),
};

static struct net_proto_family ktcp_family_ops = {
	.create	= ktcp_af_create,
	.owner	= THIS_MODULE,
};

static struct net_proto_family ktcp_family6_ops = {
	.create	= ktcp_af_create6,
	.owner	= THIS_MODULE,
};

/* 1..NPROTO-1, and two different numbers. */
static int __init ktcp_check_families(void)
{
	if (ktcp_family <= AF_UNSPEC || ktcp_family >= NPROTO ||
	    ktcp_family6 <= AF_UNSPEC || ktcp_family6 >= NPROTO) {
		pr_err("ktcp: family %d or family6 %d is out of range 1..%d\n",
		       ktcp_family, ktcp_family6, NPROTO - 1);
		return -EINVAL;
	}
	if (ktcp_family == ktcp_family6) {
		pr_err("ktcp: family and family6 are both %d\n", ktcp_family);
		return -EINVAL;
	}
	return 0;
}

/* Both families, or neither: the number taken is logged. */
static int __init ktcp_register_families(void)
{
	int err;

	ktcp_family_ops.family = ktcp_family;
	err = sock_register(&ktcp_family_ops);
	if (err) {
		pr_err("ktcp: socket family %d is taken; load with family=N\n",
		       ktcp_family);
		return err;
	}
	ktcp_family6_ops.family = ktcp_family6;
	err = sock_register(&ktcp_family6_ops);
	if (err) {
		pr_err("ktcp: socket family %d is taken; load with family6=N\n",
		       ktcp_family6);
		sock_unregister(ktcp_family);
	}
	return err;
}

static int __init ktcp_init(void)
{
	int err;

	err = ktcp_check_families() ? : ktcp_mem_init();
	if (err)
		return err;
	ktcp_af_init_prot6();
	ktcp_pace_setup(ktcp_timers_pace_kick);	/* before any socket */
	err = proto_register(&ktcp_prot, 1);
	if (err)
		goto err_mem;
	err = proto_register(&ktcp6_prot, 1);
	if (err) {
		proto_unregister(&ktcp_prot);
		goto err_mem;
	}
	err = ktcp_timer_bases_init();
	if (err)
		goto err_proto;
	err = ktcp_port_init();
	if (err)
		goto err_timers;
	err = ktcp_tw_init();
	if (err)
		goto err_port;
	err = register_pernet_subsys(&ktcp_net_ops);
	if (err)
		goto err_tw;
	err = ktcp_register_families();
	if (err)
		goto err_pernet;
	ktcp_diag_init();
	pr_info("ktcp: loaded, socket families %d and %d (IPv6)\n",
		ktcp_family, ktcp_family6);
	return 0;
err_pernet:
	unregister_pernet_subsys(&ktcp_net_ops);
err_tw:
	rcu_barrier();
	ktcp_tw_exit();
err_port:
	ktcp_port_exit();
err_timers:
	ktcp_timer_bases_exit();
err_proto:
	proto_unregister(&ktcp6_prot);
	proto_unregister(&ktcp_prot);
err_mem:
	ktcp_mem_exit();
	return err;
}

static void __exit ktcp_exit(void)
{
	ktcp_diag_exit();
	sock_unregister(ktcp_family6);
	sock_unregister(ktcp_family);
	unregister_pernet_subsys(&ktcp_net_ops);
	rcu_barrier();		/* TIME_WAIT entries and claims freed */
	ktcp_port_exit();
	ktcp_tw_exit();
	ktcp_timer_bases_exit();
	proto_unregister(&ktcp6_prot);
	proto_unregister(&ktcp_prot);
	ktcp_mem_exit();	/* every page given back (WARNs if not) */
}

module_init(ktcp_init);
module_exit(ktcp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ktcp: a second TCP/IP stack as socket families of its own");
MODULE_ALIAS_NETPROTO(AF_KTCP_DEFAULT);
MODULE_ALIAS_NETPROTO(AF_KTCP6_DEFAULT);
