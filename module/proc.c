// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/ktcp: every AF_KTCP socket of the namespace, in /proc/net/tcp's
 * layout so that tools that read one read the other: listeners, then the
 * established table (connections in any state, TIME_WAIT included, whole
 * or as ktcp_tw entries, and the requests of SYN queues as SYN_RECV rows).
 *
 * /proc/net/ktcp6: the same for AF_KTCP6 sockets (v4-mapped ones included)
 * and the requests of AF_KTCP6 listeners, in /proc/net/tcp6's layout, as
 * tcp6_seq_show() lists every AF_INET6 socket and tcp4_seq_show() only
 * AF_INET ones.
 *
 * /proc/net/ktcp_snmp: the counters, one "Name value" per line.
 *
 * /proc/net/ktcp_sockstat: /proc/net/sockstat's TCP line for ktcp.
 *
 * The walk holds rcu_read_lock() from ->start to ->stop and resumes at the
 * bucket and offset where the previous read stopped, so reading N sockets
 * costs O(N + buckets), not O(N^2). The tables never resize, so an entry is
 * missed only if it is inserted or removed while the file is being read.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "ktcp.h"

#define KTCP_PROC_WIDTH		149	/* as tcp4_seq_show's TMPSZ - 1 */

struct ktcp_proc_iter {
	struct seq_net_private p;	/* must be first */
	unsigned int bucket;		/* listener buckets, then ehash ones */
	unsigned int offset;		/* entries into that bucket */
	loff_t last_pos;
	bool v6;			/* /proc/net/ktcp6 */
};

static const struct seq_operations ktcp_proc6_ops;

/* Whether entry @h is listed in this file: its socket's, or listener's, family. */
static bool ktcp_proc_family(const struct ktcp_proc_iter *it,
			     const struct ktcp_hnode *h)
{
	const struct sock *sk;

	if (h->kind == KTCP_HNODE_TW)
		return ktcp_tw_v6(ktcp_tw_of(h)) == it->v6;
	if (h->kind == KTCP_HNODE_REQ)
		sk = container_of(h, struct ktcp_request, hnode)->listener;
	else
		sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
	return ktcp_sk_v6(sk) == it->v6;
}

/* The @offset-th entry of listener bucket @b, as its hnode. */
static struct ktcp_hnode *ktcp_proc_listener(const struct ktcp_proc_iter *it,
					     struct ktcp_net *kn,
					     unsigned int b,
					     unsigned int offset)
{
	struct ktcp_sock *ks;

	hlist_for_each_entry_rcu(ks, &kn->lhash[b], listen_node)
		if (ktcp_proc_family(it, &ks->hnode) && !offset--)
			return &ks->hnode;
	return NULL;
}

static struct ktcp_hnode *ktcp_proc_established(const struct ktcp_proc_iter *it,
						struct ktcp_net *kn,
						unsigned int b,
						unsigned int offset)
{
	struct ktcp_hnode *h;

	hlist_for_each_entry_rcu(h, &kn->ehash[b], node)
		if (ktcp_proc_family(it, h) && !offset--)
			return h;
	return NULL;
}

static unsigned int ktcp_proc_buckets(const struct ktcp_net *kn)
{
	return KTCP_LHASH_SIZE + kn->ehash_mask + 1;
}

/* The entry at the iterator's position, moving to later buckets if needed. */
static struct ktcp_hnode *ktcp_proc_at(struct seq_file *seq)
{
	struct ktcp_net *kn = ktcp_pernet(seq_file_net(seq));
	struct ktcp_proc_iter *it = seq->private;
	struct ktcp_hnode *h;

	for (; it->bucket < ktcp_proc_buckets(kn); it->bucket++,
	     it->offset = 0) {
		if (it->bucket < KTCP_LHASH_SIZE)
			h = ktcp_proc_listener(it, kn, it->bucket,
					       it->offset);
		else
			h = ktcp_proc_established(it, kn, it->bucket -
						  KTCP_LHASH_SIZE,
						  it->offset);
		if (h)
			return h;
	}
	return NULL;
}

static void *ktcp_proc_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct ktcp_proc_iter *it = seq->private;
	loff_t n;
	void *v;

	it->v6 = seq->op == &ktcp_proc6_ops;
	rcu_read_lock();
	if (!*pos)
		return SEQ_START_TOKEN;
	if (*pos == it->last_pos) {
		v = ktcp_proc_at(seq);	/* resume where the last read stopped */
		if (v)
			return v;
	}
	it->bucket = 0;
	it->offset = 0;
	for (n = 1, v = ktcp_proc_at(seq); v && n < *pos; n++) {
		it->offset++;
		v = ktcp_proc_at(seq);
	}
	it->last_pos = *pos;
	return v;
}

static void *ktcp_proc_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct ktcp_proc_iter *it = seq->private;

	if (v == SEQ_START_TOKEN) {
		it->bucket = 0;
		it->offset = 0;
	} else {
		it->offset++;
	}
	++*pos;
	it->last_pos = *pos;
	return ktcp_proc_at(seq);
}

static void ktcp_proc_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

/*
 * A row's slot and addresses: get_tcp4_sock()'s "%08X:%04X" in
 * /proc/net/ktcp, get_tcp6_sock()'s four words in /proc/net/ktcp6.
 */
static void ktcp_proc_show_addrs(struct seq_file *seq, loff_t sl,
				 const struct in6_addr *src, u16 srcp,
				 const struct in6_addr *dest, u16 destp)
{
	const struct ktcp_proc_iter *it = seq->private;

	if (!it->v6) {
		seq_printf(seq, "%4lld: %08X:%04X %08X:%04X", sl,
			   src->s6_addr32[3], srcp, dest->s6_addr32[3], destp);
		return;
	}
	seq_printf(seq, "%4lld: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X",
		   sl, src->s6_addr32[0], src->s6_addr32[1],
		   src->s6_addr32[2], src->s6_addr32[3], srcp,
		   dest->s6_addr32[0], dest->s6_addr32[1],
		   dest->s6_addr32[2], dest->s6_addr32[3], destp);
}

/* A socket's row addresses: the IPv4 view, or an AF_KTCP6 socket's own. */
static void ktcp_proc_show_sk_addrs(struct seq_file *seq, struct sock *sk,
				    loff_t sl)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct in6_addr src, dest;

	if (ktcp_sk_v6(sk)) {
		src = sk->sk_v6_rcv_saddr;
		dest = sk->sk_v6_daddr;
	} else {
		ipv6_addr_set_v4mapped(inet->inet_rcv_saddr, &src);
		ipv6_addr_set_v4mapped(inet->inet_daddr, &dest);
	}
	ktcp_proc_show_addrs(seq, sl, &src, inet->inet_num, &dest,
			     ntohs(inet->inet_dport));
}

/* get_timewait4_sock(): addresses, state, the timer; the rest zeroes. */
static void ktcp_proc_show_tw(struct seq_file *seq, struct sock *sk,
			      loff_t sl)
{
	unsigned long expires;
	int timer = ktcp_timers_shown(sk, &expires);

	ktcp_proc_show_sk_addrs(seq, sk, sl);
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   TCP_TIME_WAIT,
		   0, 0, timer, jiffies_delta_to_clock_t(expires - jiffies),
		   0, 0, 0, 0, refcount_read(&sk->sk_refcnt), sk);
}

/*
 * The same for a ktcp_tw: its addresses are its 4-tuple, v4-mapped for
 * an AF_KTCP6 socket's IPv4 connection as that socket showed them. The
 * reference count is the table's one: nothing else holds an entry.
 */
static void ktcp_proc_show_twc(struct seq_file *seq, const struct ktcp_tw *tw,
			       loff_t sl)
{
	const struct ktcp_tuple *t = &tw->hnode.key;

	ktcp_proc_show_addrs(seq, sl, &t->laddr, ntohs(t->lport), &t->raddr,
			     ntohs(t->rport));
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5d %8d %d %d %pK",
		   TCP_TIME_WAIT, 0, 0, 3,
		   jiffies_delta_to_clock_t(ktcp_tw_expires(tw) - jiffies),
		   0, 0, 0, 0, 1, tw);
}

/*
 * get_tcp4_sock()'s trailing fields: the RTO with its backoff and ato in
 * clock ticks, (quick ACKs owed << 1) | interactive (pingpong) mode, cwnd,
 * and ssthresh (-1 while in the initial slow start, tcp_in_initial_
 * slowstart()); a listener's last field is its TCP Fast Open queue's
 * length (TCP_FASTOPEN), 0 without one.
 */
static void ktcp_proc_show_cc(struct seq_file *seq, struct sock *sk,
			      u8 state)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 rto_us = ktcp_rtt_rto(&ks->rtt);
	u32 ssthresh = READ_ONCE(ks->cc.ssthresh);
	int last;

	if (state == TCP_LISTEN)
		last = READ_ONCE(ks->fo_max_qlen);
	else
		last = ssthresh >= KTCP_CC_INFINITE_SSTHRESH ? -1 : ssthresh;
	seq_printf(seq, " %lu %lu %u %u %d",
		   jiffies_to_clock_t(usecs_to_jiffies(rto_us)),
		   jiffies_to_clock_t(READ_ONCE(ks->ato)),
		   (READ_ONCE(ks->quickack) << 1) | ktcp_window_pingpong(sk),
		   READ_ONCE(ks->cc.cwnd), last);
}

/*
 * get_tcp4_sock(): a listener's rx_queue is its accept queue; tx_queue is
 * write_seq - snd_una for every socket (0 on a listener: ss's Send-Q of a
 * listener, the backlog, comes from sock_diag, not from here).
 */
static void ktcp_proc_show_sock(struct seq_file *seq, struct sock *sk,
				loff_t sl)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u8 state = inet_sk_state_load(sk);
	unsigned long expires;
	int timer;
	u32 rxq;

	if (state == TCP_TIME_WAIT) {
		ktcp_proc_show_tw(seq, sk, sl);
		return;
	}
	timer = ktcp_timers_shown(sk, &expires);
	if (state == TCP_LISTEN)
		rxq = READ_ONCE(sk->sk_ack_backlog);
	else
		/* The FIN takes a sequence number, not a byte of data. */
		rxq = max_t(int, READ_ONCE(ks->rcv_nxt) -
			    READ_ONCE(ks->copied_seq) -
			    sock_flag(sk, SOCK_DONE), 0);
	ktcp_proc_show_sk_addrs(seq, sk, sl);
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5u %8d %lu %d %pK",
		   state, READ_ONCE(ks->write_seq) - READ_ONCE(ks->snd_una), rxq,
		   timer, jiffies_delta_to_clock_t(expires - jiffies),
		   READ_ONCE(ks->retries),
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)),
		   READ_ONCE(ks->probes), sock_i_ino(sk),
		   refcount_read(&sk->sk_refcnt), sk);
	ktcp_proc_show_cc(seq, sk, state);
}

static void ktcp_proc_show_req(struct seq_file *seq,
			       const struct ktcp_request *req, loff_t sl)
{
	const struct ktcp_tuple *t = &req->hnode.key;

	ktcp_proc_show_addrs(seq, sl, &t->laddr, ntohs(t->lport), &t->raddr,
			     ntohs(t->rport));
	seq_printf(seq, " %02X %08X:%08X %02X:%08lX %08X %5u %8d %u %d %pK",
		   TCP_SYN_RECV, 0, 0, 1,
		   jiffies_delta_to_clock_t(ktcp_timer_expires(&req->timer) -
					    jiffies),
		   READ_ONCE(req->retries),
		   from_kuid_munged(seq_user_ns(seq),
				    sock_i_uid(req->listener)),
		   0, 0, 0, req);
}

static int ktcp_proc_show(struct seq_file *seq, void *v)
{
	struct ktcp_proc_iter *it = seq->private;
	struct ktcp_hnode *h = v;

	/* tcp6_seq_show() does not pad its rows as tcp4_seq_show() does. */
	if (!it->v6)
		seq_setwidth(seq, KTCP_PROC_WIDTH);
	if (v == SEQ_START_TOKEN && it->v6) {
		seq_puts(seq, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	} else if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	} else if (h->kind == KTCP_HNODE_REQ) {
		ktcp_proc_show_req(seq, container_of(h, struct ktcp_request,
						     hnode), it->last_pos - 1);
	} else if (h->kind == KTCP_HNODE_TW) {
		ktcp_proc_show_twc(seq, ktcp_tw_of(h), it->last_pos - 1);
	} else {
		ktcp_proc_show_sock(seq, &container_of(h, struct ktcp_sock,
						       hnode)->inet.sk,
				    it->last_pos - 1);
	}
	if (it->v6)
		seq_putc(seq, '\n');
	else
		seq_pad(seq, '\n');
	return 0;
}

static const struct seq_operations ktcp_proc_ops = {
	.start	= ktcp_proc_start,
	.next	= ktcp_proc_next,
	.stop	= ktcp_proc_stop,
	.show	= ktcp_proc_show,
};

static const struct seq_operations ktcp_proc6_ops = {
	.start	= ktcp_proc_start,
	.next	= ktcp_proc_next,
	.stop	= ktcp_proc_stop,
	.show	= ktcp_proc_show,
};

static int ktcp_snmp_show(struct seq_file *seq, void *v)
{
	ktcp_mib_seq_show(seq, ktcp_pernet(seq_file_single_net(seq))->mib);
	return 0;
}

/*
 * sockstat_seq_show()'s TCP line: sockets in the tables (this namespace),
 * orphans and TIME_WAIT (this namespace), sockets allocated and pages
 * allocated (all namespaces). mem is exact: Linux's leaves out what the
 * per-CPU reserves hold (net.core.mem_pcpu_rsv).
 */
static int ktcp_sockstat_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct ktcp_net *kn = ktcp_pernet(net);

	seq_printf(seq, "TCP: inuse %d orphan %d tw %d alloc %lld mem %ld\n",
		   sock_prot_inuse_get(net, &ktcp_prot),
		   atomic_read(&kn->orphans), atomic_read(&kn->tw_count),
		   percpu_counter_sum_positive(&ktcp_sockets_allocated),
		   max(0L, ktcp_mem_pages()));
	return 0;
}

int ktcp_proc_net_init(struct net *net)
{
	if (!proc_create_net("ktcp", 0444, net->proc_net, &ktcp_proc_ops,
			     sizeof(struct ktcp_proc_iter)))
		return -ENOMEM;
	if (!proc_create_net("ktcp6", 0444, net->proc_net, &ktcp_proc6_ops,
			     sizeof(struct ktcp_proc_iter)))
		goto err_ktcp;
	if (!proc_create_net_single("ktcp_snmp", 0444, net->proc_net,
				    ktcp_snmp_show, NULL))
		goto err_ktcp6;
	if (!proc_create_net_single("ktcp_sockstat", 0444, net->proc_net,
				    ktcp_sockstat_show, NULL))
		goto err_snmp;
	return 0;
err_snmp:
	remove_proc_entry("ktcp_snmp", net->proc_net);
err_ktcp6:
	remove_proc_entry("ktcp6", net->proc_net);
err_ktcp:
	remove_proc_entry("ktcp", net->proc_net);
	return -ENOMEM;
}

void ktcp_proc_net_exit(struct net *net)
{
	remove_proc_entry("ktcp_sockstat", net->proc_net);
	remove_proc_entry("ktcp_snmp", net->proc_net);
	remove_proc_entry("ktcp6", net->proc_net);
	remove_proc_entry("ktcp", net->proc_net);
}
