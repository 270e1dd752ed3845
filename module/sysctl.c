// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace sysctls under net.ktcp (like net/mptcp/ctrl.c).
 * Documentation/sysctl.rst lists each one.
 *
 * tw_timeout_ms   TIME_WAIT length (2*MSL, RFC 9293 3.6.1). Linux fixes it
 *                 at compile time (TCP_TIMEWAIT_LEN, 60 s); ktcp lets the
 *                 operator change it at run time, per namespace. New value
 *                 applies to connections entering TIME_WAIT afterwards.
 * fin_timeout     how long an orphaned connection waits in FIN_WAIT_2 for
 *                 the peer's FIN (tcp_fin_timeout: seconds, 60).
 * syncookies      tcp_syncookies: 0 never, 1 when the SYN queue is full
 *                 (default), 2 always.
 * max_syn_backlog tcp_max_syn_backlog: without cookies, the last quarter
 *                 of this many requests is not given to new peers.
 * frto            F-RTO (RFC 5682) after a retransmission timeout, as
 *                 Linux's tcp_frto: 0 off, else on (default 2).
 * recovery        loss detection, Linux's tcp_recovery bits (rack.h):
 *                 0x1 RACK, 0x2 static reordering window, 0x4 no DupThresh.
 * ecn             ECN (RFC 3168) negotiation, net.ipv4.tcp_ecn's meaning,
 *                 range and default (2: accept when asked, never ask).
 * ecn_fallback    a retransmitted SYN asks for no ECN (RFC 3168 6.1.1.1),
 *                 as net.ipv4.tcp_ecn_fallback (1).
 * max_orphans     closed connections still sending (tcp_max_orphans; here
 *                 per namespace): more are reset (TCPAbortOnMemory).
 * orphan_retries  an orphan's retransmissions and probes (tcp_orphan_retries,
 *                 0: 8 while the backed-off RTO is under 120 s).
 * max_tw_buckets  connections in TIME_WAIT (tcp_max_tw_buckets): more close
 *                 at once (TCPTimeWaitOverflow).
 *
 * One more is the module's, shown in the initial namespace only, as
 * net.ipv4.tcp_mem is:
 * mem             pages all ktcp sockets may hold (tcp_mem): low, pressure,
 *                 high (mem.c).
 */

#include <linux/sysctl.h>

#include "ktcp.h"

static int ktcp_timeout_max_ms = 600 * MSEC_PER_SEC;
static int ktcp_orphan_retries_max = U8_MAX;	/* compared with a u8 */

/*
 * The template's .data is the field's offset in struct ktcp_net, made a
 * pointer into the namespace's own in ktcp_sysctl_net_init(); .maxlen is
 * the field's size, so the handler and the field cannot disagree.
 */
#define KTCP_SYSCTL_OFF(f)	((void *)offsetof(struct ktcp_net, f))
#define KTCP_SYSCTL_LEN(f)	sizeof_field(struct ktcp_net, f)

static const struct ctl_table ktcp_sysctl_template[] = {
	{
		.procname	= "tw_timeout_ms",
		.data		= KTCP_SYSCTL_OFF(tw_timeout_ms),
		.maxlen		= KTCP_SYSCTL_LEN(tw_timeout_ms),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &ktcp_timeout_max_ms,
	},
	{
		.procname	= "fin_timeout",
		.data		= KTCP_SYSCTL_OFF(fin_timeout),
		.maxlen		= KTCP_SYSCTL_LEN(fin_timeout),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_jiffies,
	},
	{
		.procname	= "syncookies",
		.data		= KTCP_SYSCTL_OFF(syncookies),
		.maxlen		= KTCP_SYSCTL_LEN(syncookies),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "max_syn_backlog",
		.data		= KTCP_SYSCTL_OFF(max_syn_backlog),
		.maxlen		= KTCP_SYSCTL_LEN(max_syn_backlog),
		.mode		= 0644,
		.proc_handler	= proc_dointvec,
	},
	{
		.procname	= "frto",
		.data		= KTCP_SYSCTL_OFF(frto),
		.maxlen		= KTCP_SYSCTL_LEN(frto),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "recovery",
		.data		= KTCP_SYSCTL_OFF(recovery),
		.maxlen		= KTCP_SYSCTL_LEN(recovery),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "ecn",
		.data		= KTCP_SYSCTL_OFF(ecn),
		.maxlen		= KTCP_SYSCTL_LEN(ecn),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "ecn_fallback",
		.data		= KTCP_SYSCTL_OFF(ecn_fallback),
		.maxlen		= KTCP_SYSCTL_LEN(ecn_fallback),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "max_orphans",
		.data		= KTCP_SYSCTL_OFF(max_orphans),
		.maxlen		= KTCP_SYSCTL_LEN(max_orphans),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
	},
	{
		.procname	= "orphan_retries",
		.data		= KTCP_SYSCTL_OFF(orphan_retries),
		.maxlen		= KTCP_SYSCTL_LEN(orphan_retries),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &ktcp_orphan_retries_max,
	},
	{
		.procname	= "max_tw_buckets",
		.data		= KTCP_SYSCTL_OFF(max_tw_buckets),
		.maxlen		= KTCP_SYSCTL_LEN(max_tw_buckets),
		.mode		= 0644,
		.proc_handler	= proc_dointvec,
	},
};

static struct ctl_table ktcp_sysctl_global[] = {
	{
		.procname	= "mem",
		.data		= &ktcp_sysctl_mem,
		.maxlen		= sizeof(ktcp_sysctl_mem),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
};

static struct ctl_table_header *ktcp_sysctl_global_hdr;

int ktcp_sysctl_net_init(struct net *net)
{
	struct ktcp_net *kn = ktcp_pernet(net);
	struct ctl_table *table;
	size_t i;

	if (net_eq(net, &init_net)) {
		ktcp_sysctl_global_hdr = register_net_sysctl(net, "net/ktcp",
							     ktcp_sysctl_global);
		if (!ktcp_sysctl_global_hdr)
			return -ENOMEM;
	}

	table = kmemdup(ktcp_sysctl_template, sizeof(ktcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		goto err_global;
	for (i = 0; i < ARRAY_SIZE(ktcp_sysctl_template); i++)
		table[i].data = (char *)kn + (uintptr_t)table[i].data;
	kn->sysctl_hdr = register_net_sysctl_sz(net, "net/ktcp", table,
						ARRAY_SIZE(ktcp_sysctl_template));
	if (!kn->sysctl_hdr) {
		kfree(table);
		goto err_global;
	}
	return 0;
err_global:
	if (net_eq(net, &init_net))
		unregister_net_sysctl_table(ktcp_sysctl_global_hdr);
	return -ENOMEM;
}

void ktcp_sysctl_net_exit(struct net *net)
{
	struct ktcp_net *kn = ktcp_pernet(net);
	const struct ctl_table *table = kn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(kn->sysctl_hdr);
	kfree(table);
	if (net_eq(net, &init_net))
		unregister_net_sysctl_table(ktcp_sysctl_global_hdr);
}
