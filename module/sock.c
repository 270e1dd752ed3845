// SPDX-License-Identifier: GPL-2.0
/*
 * The life of a ktcp_sock, from allocation (socket() or a listener's child)
 * through its state changes to its last reference: what input.c, listen.c,
 * timers.c and af_ktcp.c call when a connection opens, changes state or
 * ends (tcp_set_state(), tcp_done() and tcp_reset() in Linux).
 *
 * References on a ktcp_sock:
 * - one from sk_alloc(), owned by the user's socket; close() hands it to the
 *   orphan, which drops it in ktcp_sock_destroy() once it reaches CLOSE;
 *   an unaccepted child's is owned by its listener's accept queue;
 * - one while it is in the established table (hash.c);
 * - one per armed timer (timer.c).
 * The sock is freed an RCU grace period after the last (SOCK_RCU_FREE), so
 * lookups under rcu_read_lock() may take a reference with
 * refcount_inc_not_zero().
 *
 * Context: the socket lock held (process or softirq), except in
 * ktcp_sock_init_tcb() and ktcp_sock_clone(), whose socket nobody else sees
 * yet.
 */

#include <net/inet_common.h>
#include <net/xfrm.h>

#include "ktcp.h"
#include "trace.h"
#include "uapi/ktcp.h"

/* Drop what is queued to send, and out-of-order data (received or not). */
static void ktcp_sock_purge(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_rtxq_purge(sk);
	ks->packets_out = 0;
	ks->lost_out = 0;
	ks->retrans_out = 0;
	ks->sacked_out = 0;
	if (ks->reasm) {
		ktcp_ofo_purge(&ks->reasm->ofo);
		kfree(ks->reasm);
		ks->reasm = NULL;
	}
}

/* sk_stream_write_space(), which 6.12 does not export. */
static void ktcp_sock_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !__sk_stream_is_writeable(sk, 1))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/*
 * The last reference is gone: inet_sock_destruct() frees what is left,
 * gives the forward allocation back and WARNs if anything stayed charged
 * (sk_forward_alloc, sk_wmem_queued, sk_rmem_alloc); tcp_v4_destroy_sock()
 * drops the socket from sockets_allocated.
 */
static void ktcp_sock_destruct(struct sock *sk)
{
	ktcp_sock_purge(sk);
	ktcp_pace_free(sk);
	ktcp_fastopen_child_done(sk);	/* freed in SYN_RECV, never closed */
	if (ktcp_sk_v6(sk))
		ktcp_inet6_destroy(sk);
	inet_sock_destruct(sk);
	WARN_ON_ONCE(ktcp_sk(sk)->inuse);
	sk_sockets_allocated_dec(sk);
}

void ktcp_sock_init_tcb(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);

	sk->sk_protocol = IPPROTO_KTCP;	/* not a tcp_sock: uapi/ktcp.h */
	sk->sk_type = SOCK_STREAM;
	sk->sk_state = TCP_CLOSE;
	sk->sk_destruct = ktcp_sock_destruct;
	sk_sockets_allocated_inc(sk);	/* tcp_init_sock() */
	sk->sk_write_space = ktcp_sock_write_space;
	/* As inet_create() does; sock_init_data() leaves it unset. */
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	/* Linux's start values; buffers.c grows them (tcp_init_sock()). */
	sk->sk_sndbuf = READ_ONCE(ktcp_pernet(sock_net(sk))->wmem[1]);
	sk->sk_rcvbuf = READ_ONCE(ktcp_pernet(sock_net(sk))->rmem[1]);
	sock_set_flag(sk, SOCK_RCU_FREE);
	/* inet_create()'s: SO_TXREHASH and IP_MULTICAST_* read them back */
	sk->sk_txrehash = READ_ONCE(sock_net(sk)->core.sysctl_txrehash);
	inet->uc_ttl = -1;
	inet->mc_ttl = 1;
	inet_set_bit(MC_LOOP, sk);
	inet_set_bit(MC_ALL, sk);
	inet->pmtudisc = IP_PMTUDISC_WANT;
	atomic_set(&inet->inet_id, get_random_u16());
	ks->hnode.kind = KTCP_HNODE_SOCK;
	INIT_HLIST_NODE(&ks->hnode.node);
	INIT_HLIST_NODE(&ks->bind_node);
	INIT_HLIST_NODE(&ks->listen_node);
	INIT_LIST_HEAD(&ks->accept_node);
	INIT_LIST_HEAD(&ks->syn_queue);
	INIT_LIST_HEAD(&ks->accept_queue);
	ktcp_rtxq_init(ks);
	ktcp_rtt_init(&ks->rtt);
	/* tcp_assign_congestion_control(): the namespace's default */
	ktcp_cc_init(&ks->cc, READ_ONCE(ktcp_pernet(sock_net(sk))->cong));
	/* 0: the namespace's keepalive sysctls, read when used */
	ks->keepidle = 0;
	ks->keepintvl = 0;
	ks->keepcnt = 0;
	ks->tw_ms = -1;
	ks->scaling_ratio = KTCP_DEFAULT_SCALING_RATIO;
	ks->reordering = KTCP_REORDERING_INIT;
	ks->rack.reo_wnd_steps = 1;
	ks->rcv_mss = KTCP_MSS_DEFAULT;
	ks->mss = KTCP_MSS_DEFAULT;
	ks->adv_mss = KTCP_MSS_DEFAULT;
	ktcp_timers_sk_init(sk);
}

/*
 * Send-side sequence state of a new connection from our ISS (RFC 9293 3.3.1):
 * nothing sent or acknowledged yet, recovery and reordering state at their
 * start (RFC 6582 3.2 step 1: recover = ISS). connect() calls it before its
 * SYN is queued; a listener's child after its SYN-ACK went out, and moves
 * snd_nxt and write_seq past the SYN itself.
 */
void ktcp_sock_init_seq(struct ktcp_sock *ks, u32 iss)
{
	ks->iss = iss;
	WRITE_ONCE(ks->snd_una, iss);
	WRITE_ONCE(ks->snd_nxt, iss);	/* poll: notsent bytes */
	ks->snd_up = iss;		/* no urgent data */
	ks->recover = iss;
	ks->snd_sml = iss;
	ks->pushed_seq = iss + 1;	/* write_seq after the SYN */
	ks->packets_out = 0;
	ks->lost_out = 0;
	ks->retrans_out = 0;
	ks->sacked_out = 0;
	ks->dupacks = 0;
	ks->reordering = KTCP_REORDERING_INIT;
	ks->reord_seen = 0;
	ks->tlp_high_seq = 0;
	ks->rack = (struct ktcp_rack){ .reo_wnd_steps = 1 };	/* tcp_init_sock() */
	WRITE_ONCE(ks->retries, 0);
	ks->probes = 0;
	ks->probes_tstamp = 0;
	ks->fin_queued = 0;
}

/*
 * Receive-side state from the peer's SYN: its ISN @irs and its window @wnd
 * (never scaled in a SYN, RFC 7323 2.2).
 */
void ktcp_sock_init_peer(struct ktcp_sock *ks, u32 irs, u32 wnd)
{
	ks->irs = irs;
	WRITE_ONCE(ks->rcv_nxt, irs + 1);
	WRITE_ONCE(ks->copied_seq, irs + 1);
	WRITE_ONCE(ks->urg_data, 0);
	WRITE_ONCE(ks->rcv_wup, ks->rcv_nxt);
	ks->snd_wl1 = irs;
	ks->snd_wnd = wnd;
	ks->max_window = wnd;
}

/* Per-socket TCP settings a child takes from its listener, as Linux's do. */
static void ktcp_sock_inherit(struct ktcp_sock *kc, const struct ktcp_sock *kl)
{
	kc->nodelay = kl->nodelay;
	kc->user_mss = kl->user_mss;
	kc->keepidle = kl->keepidle;
	kc->keepintvl = kl->keepintvl;
	kc->keepcnt = kl->keepcnt;
	kc->syn_retries = kl->syn_retries;
	kc->linger2 = kl->linger2;
	kc->tw_ms = kl->tw_ms;
	kc->notsent_lowat = kl->notsent_lowat;
	kc->window_clamp = kl->window_clamp;
	kc->user_timeout = kl->user_timeout;
	kc->cork = kl->cork;		/* tp->nonagle, sk_clone_lock()'s copy */
	kc->recvmsg_inq = kl->recvmsg_inq;
	kc->pingpong = kl->pingpong;
	ktcp_cc_init(&kc->cc, kl->cc.ops);
}

/*
 * The listener's socket filter, given to its child as sk_clone_lock()
 * gives it with sk_filter_charge(), which modules cannot call: a
 * reference, and the program's size charged to the child's option memory
 * within net.core.optmem_max. The core's __sk_destruct() takes both back.
 * false when there is no room (Linux then makes no child) or the filter
 * is going away.
 */
static bool ktcp_sock_clone_filter(struct sock *sk, const struct sock *listener)
{
	struct sk_filter *fp;
	bool ok = true;
	u32 size;

	rcu_read_lock();
	fp = rcu_dereference(listener->sk_filter);
	if (fp) {
		size = bpf_prog_size(fp->prog->len);
		ok = size < READ_ONCE(sock_net(sk)->core.sysctl_optmem_max) &&
		     refcount_inc_not_zero(&fp->refcnt);
		if (ok) {
			atomic_add(size, &sk->sk_omem_alloc);
			rcu_assign_pointer(sk->sk_filter, fp);
		}
	}
	rcu_read_unlock();
	return ok;
}

/*
 * A fresh socket for a listener's child, of its family, carrying the
 * listener's settings.
 */
struct sock *ktcp_sock_clone(const struct sock *listener, gfp_t prio)
{
	struct sock *sk = sk_alloc(sock_net(listener), listener->sk_family,
				   prio, listener->sk_prot,
				   listener->sk_kern_sock);

	if (!sk)
		return NULL;
	sock_init_data(NULL, sk);
	ktcp_sock_init_tcb(sk);
	if (ktcp_sk_v6(sk))
		ktcp_inet6_clone(sk, listener);
	ktcp_cgroup_sock_clone(sk, listener);
	if (!ktcp_sock_clone_filter(sk, listener)) {
		sk->sk_state = TCP_CLOSE;
		sock_set_flag(sk, SOCK_DEAD);
		sock_put(sk);
		return NULL;
	}
	sk->sk_uid = listener->sk_uid;
	sk->sk_sndbuf = listener->sk_sndbuf;
	sk->sk_rcvbuf = listener->sk_rcvbuf;
	sk->sk_userlocks = listener->sk_userlocks & ~SOCK_BINDPORT_LOCK;
	sk->sk_reuse = listener->sk_reuse;
	sk->sk_reuseport = listener->sk_reuseport;
	sk->sk_rcvtimeo = READ_ONCE(listener->sk_rcvtimeo);
	sk->sk_sndtimeo = READ_ONCE(listener->sk_sndtimeo);
	sk->sk_rcvlowat = READ_ONCE(listener->sk_rcvlowat);
	sk->sk_mark = listener->sk_mark;
	/* SO_MAX_PACING_RATE and the pacing it asks for (sk_clone_lock()) */
	sk->sk_max_pacing_rate = READ_ONCE(listener->sk_max_pacing_rate);
	sk->sk_pacing_rate = READ_ONCE(listener->sk_pacing_rate);
	/* pairs with sk_setsockopt()'s cmpxchg() of SK_PACING_NEEDED */
	sk->sk_pacing_status = smp_load_acquire(&listener->sk_pacing_status);
	sk->sk_pacing_shift = READ_ONCE(listener->sk_pacing_shift);
	/* sk_priority stays 0, as sk_clone_lock() leaves it */
	sk->sk_bound_dev_if = listener->sk_bound_dev_if;
	sk->sk_flags = listener->sk_flags & (BIT(SOCK_KEEPOPEN) |
					     BIT(SOCK_LINGER) |
					     BIT(SOCK_URGINLINE));
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_lingertime = listener->sk_lingertime;
	inet_sk(sk)->uc_ttl = inet_sk(listener)->uc_ttl;
	inet_sk(sk)->tos = inet_sk(listener)->tos;
	/* IP_RECVERR, IP_PKTINFO, IP_FREEBIND...: sk_clone_lock() copies */
	inet_sk(sk)->inet_flags = READ_ONCE(inet_sk(listener)->inet_flags);
	inet_sk(sk)->pmtudisc = inet_sk(listener)->pmtudisc;
	sk->sk_txrehash = listener->sk_txrehash;
#ifdef CONFIG_NET_RX_BUSY_POLL
	sk->sk_ll_usec = listener->sk_ll_usec;
	sk->sk_prefer_busy_poll = listener->sk_prefer_busy_poll;
	sk->sk_busy_poll_budget = listener->sk_busy_poll_budget;
#endif
	ktcp_sock_inherit(ktcp_sk(sk), ktcp_sk(listener));
	return sk;
}

/*
 * The connection is up: start keepalive if it was asked for. Quick ACKs
 * start with the first data (window.c), as Linux's do.
 */
static void ktcp_sock_established(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	ktcp_rto_time_end(ks);	/* SYN timeouts: their recovery is over */
	ktcp_gso_pacing_update(sk);	/* tcp_init_transfer() */
	ks->rcv_tstamp = tcp_jiffies32;
	ks->lrcvtime = tcp_jiffies32;	/* tcp_finish_connect() */
	if (sock_flag(sk, SOCK_KEEPOPEN))
		ktcp_timer_sk_reset(sk, &ks->state_timer,
				    jiffies + ktcp_keepalive_time(sk));
}

/*
 * The namespace's TIME_WAIT and orphan counts (tw_count, orphans in struct
 * ktcp_net). An orphan stops counting once it reaches TIME_WAIT or CLOSE,
 * as Linux's tcp_orphan_count drops when the full sock is destroyed,
 * its TIME_WAIT being a timewait sock then.
 */
static void ktcp_sock_count(struct sock *sk, u8 old, u8 state)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (old == TCP_TIME_WAIT)
		atomic_dec(&kn->tw_count);
	else if (state == TCP_TIME_WAIT)
		atomic_inc(&kn->tw_count);
	if (ks->orphan && (state == TCP_TIME_WAIT || state == TCP_CLOSE)) {
		ks->orphan = 0;
		atomic_dec(&kn->orphans);
	}
	/*
	 * sockstat's inuse: Linux counts a socket while it is in its tables,
	 * a TIME_WAIT one being a timewait sock there (inet_twsk_hashdance()).
	 */
	if (ks->inuse != !((1 << state) & (TCPF_CLOSE | TCPF_TIME_WAIT))) {
		ks->inuse = !ks->inuse;
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot,
				    ks->inuse ? 1 : -1);
	}
}

/* Every state change goes here: CurrEstab, the counts, leaving the tables. */
void ktcp_sock_set_state(struct sock *sk, u8 state)
{
	struct net *net = sock_net(sk);
	u8 old = sk->sk_state;
	u32 estab = TCPF_ESTABLISHED | TCPF_CLOSE_WAIT;

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(state == KTCP_STATE_INVALID) || state == old)
		return;
	if (state == TCP_ESTABLISHED)
		ktcp_sock_established(sk);
	if (((1 << state) & estab) && !((1 << old) & estab))
		this_cpu_inc(ktcp_pernet(net)->mib->mibs[KTCP_MIB_CURRESTAB]);
	else if (!((1 << state) & estab) && ((1 << old) & estab))
		this_cpu_dec(ktcp_pernet(net)->mib->mibs[KTCP_MIB_CURRESTAB]);
	ktcp_sock_count(sk, old, state);
	if (state == TCP_CLOSE)	/* out of the listener's Fast Open queue */
		ktcp_fastopen_child_done(sk);
	trace_ktcp_set_state(sk, old, state);	/* inet_sk_state_store() */
	/* Lockless readers (poll, /proc) pair with inet_sk_state_load(). */
	smp_store_release(&sk->sk_state, state);
	if (state != TCP_CLOSE)
		return;
	ktcp_hash_sock_unhash(sk);
	/* A port the user bound stays bound until close() (tcp_set_state). */
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		ktcp_port_unbind(ktcp_pernet(net), sk);
}

/*
 * close() let go of @sk (tcp_close()'s sock_orphan() and tcp_orphan_count):
 * until it reaches TIME_WAIT or CLOSE it counts against max_orphans.
 */
void ktcp_sock_orphan(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	sock_orphan(sk);
	if (ks->orphan || ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_TIME_WAIT)))
		return;
	ks->orphan = 1;
	atomic_inc(&ktcp_pernet(sock_net(sk))->orphans);
}

/*
 * tcp_check_oom(): too many orphans, more than net.ktcp.max_orphans, @sk
 * included, the count doubled per @shift, the penalty
 * tcp_out_of_resources() gives a connection that looks stuck
 * (tcp_too_many_orphans()); or over net.ktcp.mem's hard limit with more
 * than the minimum queued to send (tcp_out_of_memory()). Linux compares an
 * orphan count refreshed every 100 ms, so right after close() it may keep
 * one orphan too many until an orphan's next timer; ktcp's is exact.
 */
bool ktcp_sock_check_oom(const struct sock *sk, int shift)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	bool orphans, oom;

	orphans = (long)atomic_read(&kn->orphans) << shift >
		  READ_ONCE(kn->max_orphans);
	oom = ktcp_mem_out_of_memory(sk);
	if (orphans)
		net_info_ratelimited("ktcp: too many orphaned sockets\n");
	if (oom)
		net_info_ratelimited("ktcp: out of memory -- consider tuning net.ktcp.mem\n");
	return orphans || oom;
}

/*
 * Enter TIME_WAIT (tcp_time_wait()): unless net.ktcp.max_tw_buckets
 * connections are there already, then the connection simply closes, as
 * Linux's does when inet_twsk_alloc() fails (TCPTimeWaitOverflow).
 */
void ktcp_sock_time_wait(struct sock *sk)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));

	sock_owned_by_me(sk);
	if (sk->sk_state != TCP_TIME_WAIT &&
	    atomic_read(&kn->tw_count) >= READ_ONCE(kn->max_tw_buckets)) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPTIMEWAITOVERFLOW);
		ktcp_sock_done(sk);
		return;
	}
	ktcp_sock_set_state(sk, TCP_TIME_WAIT);
	ktcp_timers_enter_timewait(sk, ktcp_tw_time(sk));
}

/*
 * connect()'s 4-tuple (@sk's hnode key) is taken: end the connection that
 * holds it if it is in TIME_WAIT and may be reused (ktcp_tw_reusable(),
 * @bound: the caller bound the port), as
 * __inet_check_established() does (TWRecycled), and fill @r with what the
 * new connection takes from it (tcp_twsk_unique()): an ISN past all the
 * old one sent, snd_nxt + 65535 + 2, and its TS.Recent. True if the
 * 4-tuple is free now. @sk is owned; the old one is an orphan or a socket
 * its owner no longer uses, so locking it cannot wait on @sk.
 */
bool ktcp_sock_tw_reuse(struct sock *sk, struct ktcp_tw_reuse *r, bool bound)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	const struct ktcp_tuple *t = &ktcp_sk(sk)->hnode.key;
	struct ktcp_hnode *h;
	struct sock *tw = NULL;
	bool ok = false;

	sock_owned_by_me(sk);
	rcu_read_lock();
	h = ktcp_hash_lookup(kn, t, READ_ONCE(sk->sk_bound_dev_if), 0);
	if (h && h->kind == KTCP_HNODE_SOCK) {
		tw = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
		if (READ_ONCE(tw->sk_state) != TCP_TIME_WAIT ||
		    !refcount_inc_not_zero(&tw->sk_refcnt))
			tw = NULL;
	}
	rcu_read_unlock();
	if (!tw)
		return false;
	lock_sock_nested(tw, SINGLE_DEPTH_NESTING);
	if (ktcp_tw_reusable(sk, tw, bound)) {
		r->seq = ktcp_sk(tw)->snd_nxt + 65535 + 2 ?: 1;
		r->ts_recent = ktcp_sk(tw)->neg.ts_recent;
		r->ts_recent_stamp = ktcp_sk(tw)->neg.ts_recent_stamp;
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TWREUSED);
		ktcp_sock_done(tw);
		ok = true;
	}
	release_sock(tw);
	sock_put(tw);
	return ok;
}

/* Sockets ktcp_sock_tw_retime() takes from a bucket at a time. */
#define KTCP_TW_RETIME_BATCH	16

/*
 * Up to KTCP_TW_RETIME_BATCH TIME_WAIT sockets of @bucket from its
 * @from-th entry on, each with a reference; *seen counts the entries
 * looked at. As diag.c's dump, under RCU only.
 */
static int ktcp_sock_tw_collect(struct ktcp_net *kn, u32 bucket, int from,
				struct sock **sks, int *seen)
{
	struct ktcp_hnode *h;
	int idx = 0, n = 0;

	rcu_read_lock();
	hlist_for_each_entry_rcu(h, &kn->ehash[bucket], node) {
		struct sock *sk;

		if (idx++ < from)
			continue;
		if (n == KTCP_TW_RETIME_BATCH) {
			idx--;
			break;
		}
		if (h->kind != KTCP_HNODE_SOCK)
			continue;
		sk = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
		if (READ_ONCE(sk->sk_state) == TCP_TIME_WAIT &&
		    refcount_inc_not_zero(&sk->sk_refcnt))
			sks[n++] = sk;
	}
	rcu_read_unlock();
	*seen = idx;
	return n;
}

/*
 * Re-time @sk, in TIME_WAIT and following the sysctl (no KTCP_TIMEWAIT_MS),
 * to end @len after its TIME_WAIT (re)started, at once if that is past.
 * Locked as a process locks it: a timer that fires meanwhile runs from
 * release_cb, and one re-armed here is stale there (timer.c). A socket that
 * left TIME_WAIT meanwhile is let be.
 */
static void ktcp_sock_tw_retime_one(struct sock *sk, unsigned long len)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	unsigned long end;

	lock_sock(sk);
	end = ks->tw_start + len;
	if (sk->sk_state == TCP_TIME_WAIT && ks->tw_ms < 0)
		ktcp_timer_sk_reset(sk, &ks->state_timer,
				    time_after(end, jiffies) ? end : jiffies);
	release_sock(sk);
}

/*
 * net.ktcp.tw_retime: tw_timeout_ms changed, so every connection of @kn's
 * namespace in TIME_WAIT takes the new length, a batch of a bucket at a
 * time; the reference ktcp_sock_tw_collect() took keeps each from its last
 * put until it is re-timed.
 */
void ktcp_sock_tw_retime(struct ktcp_net *kn)
{
	unsigned long len = msecs_to_jiffies(READ_ONCE(kn->tw_timeout_ms));
	struct sock *sks[KTCP_TW_RETIME_BATCH];
	int from, seen, n, i;
	u32 b;

	for (b = 0; b <= kn->ehash_mask; b++) {
		for (from = 0;; from = seen) {
			n = ktcp_sock_tw_collect(kn, b, from, sks, &seen);
			for (i = 0; i < n; i++) {
				ktcp_sock_tw_retime_one(sks[i], len);
				sock_put(sks[i]);
			}
			if (n < KTCP_TW_RETIME_BATCH)
				break;
		}
		cond_resched();
	}
}

/* An orphan reached CLOSE: free its queues, port, and the user's reference. */
static void ktcp_sock_destroy(struct sock *sk)
{
	WARN_ON_ONCE(sk->sk_state != TCP_CLOSE);
	trace_ktcp_destroy_sock(sk);	/* tcp_v4_destroy_sock() */
	ktcp_sock_purge(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	ktcp_port_unbind(ktcp_pernet(sock_net(sk)), sk);
	xfrm_sk_free_policy(sk);	/* inet_csk_destroy_sock() */
	sock_put(sk);
}

/* The connection is over (tcp_done): nothing more is sent or received. */
void ktcp_sock_done(struct sock *sk)
{
	sock_owned_by_me(sk);
	ktcp_sock_set_state(sk, TCP_CLOSE);
	ktcp_timers_sk_stop(sk);
	ktcp_sock_purge(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		ktcp_sock_destroy(sk);
}

/* TCP_INFO's counters from 0 again, as tcp_disconnect() sets them. */
static void ktcp_sock_clear_info(struct ktcp_sock *ks)
{
	ks->bytes_sent = 0;
	ks->bytes_retrans = 0;
	ks->bytes_acked = 0;
	ks->bytes_received = 0;
	ks->segs_out = 0;
	ks->data_segs_out = 0;
	ks->segs_in = 0;
	ks->data_segs_in = 0;
	ks->total_retrans = 0;
	ks->delivered = 0;
	ks->dsack_dups = 0;
	ks->rcv_ooopack = 0;
	ks->total_rto = 0;		/* tcp_clear_retrans() */
	ks->total_rto_recoveries = 0;
	ks->total_rto_time = 0;
	ks->rto_recovery_ms = 0;
	ks->syn_data_acked = 0;
	ks->fo_child = 0;
	ks->syn_fastopen = 0;	/* tcp_disconnect() */
	ks->syn_fastopen_exp = 0;
	ks->syn_data = 0;
	ks->fo_defer = 0;
	ks->fo_client_fail = 0;
}

/*
 * connect(AF_UNSPEC) has closed @sk (tcp_disconnect()): drop what is queued
 * either way and the timers, and start TCP_INFO's counters again, so that
 * the socket may connect or listen anew.
 */
void ktcp_sock_disconnect(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	ktcp_timers_sk_stop(sk);
	ktcp_sock_purge(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	WRITE_ONCE(ks->copied_seq, ks->rcv_nxt);
	WRITE_ONCE(ks->urg_data, 0);
	ks->fo_req = NULL;	/* a waiting Fast Open write's: tcp_disconnect() */
	ktcp_sock_clear_info(ks);
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
}

/* Abort with @err for the user (RST received, timeout). */
void ktcp_sock_reset(struct sock *sk, int err)
{
	struct net *net = sock_net(sk);

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		KTCP_INC_STATS(net, KTCP_MIB_ATTEMPTFAILS);
	else if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		KTCP_INC_STATS(net, KTCP_MIB_ESTABRESETS);
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	ktcp_sock_done(sk);
}
