// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace sysctls under net.ktcp (like net/mptcp/ctrl.c).
 * Documentation/sysctl.rst lists each one.
 *
 * tw_timeout_ms   TIME_WAIT length (2*MSL, RFC 9293 3.6.1). Linux fixes it
 *                 at compile time (TCP_TIMEWAIT_LEN, 60 s); ktcp lets the
 *                 operator change it at run time, per namespace. New value
 *                 applies to connections entering TIME_WAIT afterwards
 *                 (with tw_retime, to those in TIME_WAIT too).
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
 * tw_retime       1: writing tw_timeout_ms re-times what is in TIME_WAIT.
 * tw_reuse        tcp_tw_reuse: connect() may take a TIME_WAIT 4-tuple
 *                 (0 no, 1 yes, 2 over loopback, the default).
 * rfc1337         tcp_rfc1337: a RST does not end TIME_WAIT (RFC 1337);
 *                 on by default in ktcp, off in Linux.
 *
 * And the rest of Linux's net.ipv4.tcp_* that steer what ktcp does, with
 * the same names less "tcp_", handlers, ranges and defaults (Linux's
 * sysctl_net_ipv4.c and tcp_sk_init()): syn_retries, syn_linear_timeouts,
 * synack_retries, retries1, retries2, keepalive_time, keepalive_intvl,
 * keepalive_probes, timestamps, sack, window_scaling, dsack, early_retrans,
 * slow_start_after_idle, min_snd_mss, notsent_lowat, rmem, wmem,
 * congestion_control, available_congestion_control and fastopen (TFO_*
 * bits; only the server's side is ktcp's yet).
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
static int ktcp_syn_retries_min = 1;		/* tcp_syn_retries_min */
static int ktcp_syn_retries_max = MAX_TCP_SYNCNT;
static int ktcp_retr1_max = 255;
static int ktcp_min_snd_mss_min = TCP_MIN_SND_MSS;
static int ktcp_min_snd_mss_max = 65535;
static int ktcp_min_rcvbuf = 4096;		/* tcp_rmem's floor */

/*
 * net.ktcp.congestion_control (proc_tcp_congestion_control()): the
 * algorithm new sockets of the namespace start with; an unknown name is
 * ENOENT, as Linux's when no module of that name loads.
 */
static int ktcp_sysctl_cong(const struct ctl_table *ctl, int write,
			    void *buffer, size_t *lenp, loff_t *ppos)
{
	struct ktcp_net *kn = container_of(ctl->data, struct ktcp_net, cong);
	char val[TCP_CA_NAME_MAX];
	struct ctl_table tbl = {
		.data = val,
		.maxlen = TCP_CA_NAME_MAX,
	};
	const struct ktcp_cc_ops *ops;
	int ret;

	strscpy(val, READ_ONCE(kn->cong)->name, sizeof(val));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	ops = ktcp_cc_find(val);
	if (!ops)
		return -ENOENT;
	WRITE_ONCE(kn->cong, ops);
	return 0;
}

/* net.ktcp.available_congestion_control: ktcp's own algorithms. */
static int ktcp_sysctl_cong_avail(const struct ctl_table *ctl, int write,
				  void *buffer, size_t *lenp, loff_t *ppos)
{
	char val[4 * TCP_CA_NAME_MAX];	/* room for ktcp's few */
	struct ctl_table tbl = {
		.data = val,
		.maxlen = sizeof(val),
	};

	ktcp_cc_get_available(val, sizeof(val));
	return proc_dostring(&tbl, write, buffer, lenp, ppos);
}

/*
 * The template's .data is the field's offset in struct ktcp_net, made a
 * pointer into the namespace's own in ktcp_sysctl_net_init(); .maxlen is
 * the field's size, so the handler and the field cannot disagree.
 */
#define KTCP_SYSCTL_OFF(f)	((void *)offsetof(struct ktcp_net, f))
#define KTCP_SYSCTL_LEN(f)	sizeof_field(struct ktcp_net, f)

/* tw_timeout_ms: with tw_retime, what is in TIME_WAIT takes the new length. */
static int ktcp_sysctl_tw_timeout(const struct ctl_table *table, int write,
				  void *buffer, size_t *lenp, loff_t *ppos)
{
	struct ktcp_net *kn = container_of(table->data, struct ktcp_net,
					   tw_timeout_ms);
	int err = proc_dointvec_minmax(table, write, buffer, lenp, ppos);

	if (!err && write && READ_ONCE(kn->tw_retime)) {
		ktcp_sock_tw_retime(kn);
		ktcp_tw_retime(kn);
	}
	return err;
}

static const struct ctl_table ktcp_sysctl_template[] = {
	{
		.procname	= "tw_timeout_ms",
		.data		= KTCP_SYSCTL_OFF(tw_timeout_ms),
		.maxlen		= KTCP_SYSCTL_LEN(tw_timeout_ms),
		.mode		= 0644,
		.proc_handler	= ktcp_sysctl_tw_timeout,
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
		.procname	= "fastopen",
		.data		= KTCP_SYSCTL_OFF(fastopen),
		.maxlen		= KTCP_SYSCTL_LEN(fastopen),
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
	{
		.procname	= "syn_retries",
		.data		= KTCP_SYSCTL_OFF(syn_retries),
		.maxlen		= KTCP_SYSCTL_LEN(syn_retries),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= &ktcp_syn_retries_min,
		.extra2		= &ktcp_syn_retries_max,
	},
	{
		.procname	= "syn_linear_timeouts",
		.data		= KTCP_SYSCTL_OFF(syn_linear_timeouts),
		.maxlen		= KTCP_SYSCTL_LEN(syn_linear_timeouts),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &ktcp_syn_retries_max,
	},
	{
		.procname	= "synack_retries",
		.data		= KTCP_SYSCTL_OFF(synack_retries),
		.maxlen		= KTCP_SYSCTL_LEN(synack_retries),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "retries1",
		.data		= KTCP_SYSCTL_OFF(retries1),
		.maxlen		= KTCP_SYSCTL_LEN(retries1),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra2		= &ktcp_retr1_max,
	},
	{
		.procname	= "retries2",
		.data		= KTCP_SYSCTL_OFF(retries2),
		.maxlen		= KTCP_SYSCTL_LEN(retries2),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "keepalive_time",
		.data		= KTCP_SYSCTL_OFF(keepalive_time),
		.maxlen		= KTCP_SYSCTL_LEN(keepalive_time),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_jiffies,
	},
	{
		.procname	= "keepalive_intvl",
		.data		= KTCP_SYSCTL_OFF(keepalive_intvl),
		.maxlen		= KTCP_SYSCTL_LEN(keepalive_intvl),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_jiffies,
	},
	{
		.procname	= "keepalive_probes",
		.data		= KTCP_SYSCTL_OFF(keepalive_probes),
		.maxlen		= KTCP_SYSCTL_LEN(keepalive_probes),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "timestamps",
		.data		= KTCP_SYSCTL_OFF(timestamps),
		.maxlen		= KTCP_SYSCTL_LEN(timestamps),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "sack",
		.data		= KTCP_SYSCTL_OFF(sack),
		.maxlen		= KTCP_SYSCTL_LEN(sack),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "window_scaling",
		.data		= KTCP_SYSCTL_OFF(window_scaling),
		.maxlen		= KTCP_SYSCTL_LEN(window_scaling),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "dsack",
		.data		= KTCP_SYSCTL_OFF(dsack),
		.maxlen		= KTCP_SYSCTL_LEN(dsack),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "early_retrans",
		.data		= KTCP_SYSCTL_OFF(early_retrans),
		.maxlen		= KTCP_SYSCTL_LEN(early_retrans),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_FOUR,
	},
	{
		.procname	= "slow_start_after_idle",
		.data		= KTCP_SYSCTL_OFF(slow_start_after_idle),
		.maxlen		= KTCP_SYSCTL_LEN(slow_start_after_idle),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
	},
	{
		.procname	= "min_snd_mss",
		.data		= KTCP_SYSCTL_OFF(min_snd_mss),
		.maxlen		= KTCP_SYSCTL_LEN(min_snd_mss),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &ktcp_min_snd_mss_min,
		.extra2		= &ktcp_min_snd_mss_max,
	},
	{
		.procname	= "notsent_lowat",
		.data		= KTCP_SYSCTL_OFF(notsent_lowat),
		.maxlen		= KTCP_SYSCTL_LEN(notsent_lowat),
		.mode		= 0644,
		.proc_handler	= proc_douintvec,
	},
	{
		.procname	= "rmem",
		.data		= KTCP_SYSCTL_OFF(rmem),
		.maxlen		= KTCP_SYSCTL_LEN(rmem),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &ktcp_min_rcvbuf,
	},
	{
		.procname	= "wmem",
		.data		= KTCP_SYSCTL_OFF(wmem),
		.maxlen		= KTCP_SYSCTL_LEN(wmem),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
	},
	{
		.procname	= "congestion_control",
		.data		= KTCP_SYSCTL_OFF(cong),
		.maxlen		= TCP_CA_NAME_MAX,
		.mode		= 0644,
		.proc_handler	= ktcp_sysctl_cong,
	},
	{
		/* no .data: the loop points it at ktcp_net, left unread */
		.procname	= "available_congestion_control",
		.mode		= 0444,
		.proc_handler	= ktcp_sysctl_cong_avail,
	},
	{
		.procname	= "tw_retime",
		.data		= KTCP_SYSCTL_OFF(tw_retime),
		.maxlen		= KTCP_SYSCTL_LEN(tw_retime),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{
		.procname	= "tw_reuse",
		.data		= KTCP_SYSCTL_OFF(reuse_tw),
		.maxlen		= KTCP_SYSCTL_LEN(reuse_tw),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "rfc1337",
		.data		= KTCP_SYSCTL_OFF(rfc1337),
		.maxlen		= KTCP_SYSCTL_LEN(rfc1337),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
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
