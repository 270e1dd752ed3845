// SPDX-License-Identifier: GPL-2.0
/*
 * TIME_WAIT without the socket: struct ktcp_tw (ktcp.h), Linux's
 * tcp_timewait_sock at half its size (net/ipv4/tcp_minisocks.c,
 * inet_timewait_sock.c).
 *
 * - ktcp_tw_compact() turns an orphan's full socket, just in TIME_WAIT,
 *   into a ktcp_tw in its place in the established table
 *   (inet_twsk_hashdance_schedule()) and closes the socket (tcp_done()).
 *   A socket still open stays whole until close() (Linux closes it and
 *   keeps only the timewait sock), and so does one whose TIME_WAIT needs
 *   what a ktcp_tw does not keep (ktcp_tw_fits()).
 * - ktcp_tw_process() is the full socket's TIME_WAIT rules
 *   (ktcp_input_timewait()) on the entry; its ACKs go out as a request's
 *   do (reply.c, ip6.c), as Linux's tcp_v4_timewait_ack() sends them.
 * - Each namespace has a wheel of its TIME_WAIT entries (struct
 *   ktcp_tw_row) driven by one hrtimer, as timer.c's per-CPU bases are:
 *   an entry costs the wheel's 32 bytes, not a ktcp_timer's 48.
 *
 * An entry's end has one owner: whoever takes it out of the table
 * (ktcp_hash_remove() is true once). The owner takes it off the wheel and
 * frees it (ktcp_tw_free()). The row's lock nests outside the ehash
 * bucket locks: the row's timer takes an expired entry out of the table
 * under it, while every other owner removes first and then takes the row
 * lock to cancel, so an entry the timer skipped is not freed before the
 * timer is done with it. Entries are read under RCU and freed after a
 * grace period.
 */

#include <linux/hrtimer.h>
#include <net/ip.h>

#include "ktcp.h"

/* A namespace's TIME_WAIT wheel, in jiffies. */
struct ktcp_tw_row {
	spinlock_t lock;		/* wheel, arming; BHs off */
	struct ktcp_wheel wheel;
	struct hrtimer timer;
	u64 armed_for;			/* U64_MAX when the timer is idle */
	struct ktcp_net *kn;
};

static struct kmem_cache *ktcp_tw_cachep;

int ktcp_tw_init(void)
{
	BUILD_BUG_ON(sizeof(struct ktcp_tw) > 128);
	/* call_rcu() reuses the list node only: expires stays readable */
	BUILD_BUG_ON(sizeof(struct rcu_head) >
		     offsetof(struct ktcp_wheel_entry, expires));
	/* its own cache, seen in /proc/slabinfo as Linux's tw_sock_TCP is */
	ktcp_tw_cachep = kmem_cache_create("ktcp_tw", sizeof(struct ktcp_tw),
					   0, SLAB_NO_MERGE, NULL);
	return ktcp_tw_cachep ? 0 : -ENOMEM;
}

/* After rcu_barrier(): every entry was freed at its namespace's exit. */
void ktcp_tw_exit(void)
{
	kmem_cache_destroy(ktcp_tw_cachep);
}

/* The length @tw was given, in jiffies (len_cs: ms below 65.5 s). */
static unsigned long ktcp_tw_len(const struct ktcp_tw *tw)
{
	unsigned int ms = tw->len_cs;

	if (ktcp_tw_flags(tw) & KTCP_TW_LEN_CS)
		ms *= 10;
	return msecs_to_jiffies(ms);
}

/* Under the row's lock once hashed: the flags' other bits are read freely. */
static void ktcp_tw_set_len(struct ktcp_tw *tw, unsigned long len)
{
	unsigned int ms = jiffies_to_msecs(len);
	u8 flags = ktcp_tw_flags(tw) & ~KTCP_TW_LEN_CS;

	if (ms > U16_MAX) {	/* rounded up: TIME_WAIT never ends early */
		flags |= KTCP_TW_LEN_CS;
		ms = min_t(unsigned int, DIV_ROUND_UP(ms, 10), U16_MAX);
	}
	WRITE_ONCE(ktcp_tw_flags(tw), flags);
	tw->len_cs = ms;
}

/* When @tw's TIME_WAIT ends (jiffies): for /proc and sock_diag, racy. */
unsigned long ktcp_tw_expires(const struct ktcp_tw *tw)
{
	return READ_ONCE(tw->entry.expires);
}

static void ktcp_tw_row_rearm(struct ktcp_tw_row *row)
{
	lockdep_assert_held(&row->lock);
	ktcp_timer_wheel_rearm(&row->wheel, &row->timer, &row->armed_for);
}

/*
 * Put @tw on the wheel to end at @expires, or move it there. An empty
 * wheel's clock first catches up (advancing an empty wheel costs nothing):
 * it stands still while no entry runs the row, and an expiry more than
 * 2^32 ticks past it would be clamped into the past.
 */
static void ktcp_tw_row_add(struct ktcp_tw_row *row, struct ktcp_tw *tw,
			    unsigned long expires)
{
	LIST_HEAD(none);

	lockdep_assert_held(&row->lock);
	if (!row->wheel.count)
		ktcp_wheel_advance(&row->wheel, get_jiffies_64(), &none);
	ktcp_wheel_add(&row->wheel, &tw->entry, expires);
	ktcp_tw_row_rearm(row);
}

static void ktcp_tw_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(ktcp_tw_cachep, container_of(head, struct ktcp_tw,
						     rcu));
}

/*
 * The end of @tw, taken out of the table and off the wheel by the caller:
 * its count, its port, its memory after a grace period, its hold on the
 * module.
 */
static void ktcp_tw_free(struct ktcp_net *kn, struct ktcp_tw *tw)
{
	atomic_dec(&kn->tw_count);
	ktcp_port_hold_put(kn, tw->hold);
	call_rcu(&tw->rcu, ktcp_tw_free_rcu);
	module_put(THIS_MODULE);	/* ktcp_exit()'s rcu_barrier() waits */
}

/*
 * End @tw now (a RST, a SYN that reopens the 4-tuple, connect() reusing
 * it, SOCK_DESTROY, the namespace's exit): false if its end was someone
 * else's already. Any context.
 */
bool ktcp_tw_kill(struct ktcp_net *kn, struct ktcp_tw *tw)
{
	struct ktcp_tw_row *row = kn->tw_row;

	if (!ktcp_hash_remove(kn, &tw->hnode))
		return false;
	spin_lock_bh(&row->lock);
	ktcp_wheel_del(&row->wheel, &tw->entry);
	spin_unlock_bh(&row->lock);
	ktcp_tw_free(kn, tw);
	return true;
}

/*
 * The row's hrtimer (softirq): expired entries leave the table under the
 * row's lock, those whose end was another's are only let go, and the
 * rest are freed once it is dropped (TimeWaitExpired, as
 * tw_timer_handler() counts LINUX_MIB_TIMEWAITED).
 */
static enum hrtimer_restart ktcp_tw_row_run(struct hrtimer *h)
{
	struct ktcp_tw_row *row = container_of(h, struct ktcp_tw_row, timer);
	struct ktcp_net *kn = row->kn;
	struct ktcp_tw *tw, *next;
	LIST_HEAD(expired);
	LIST_HEAD(dead);

	spin_lock(&row->lock);
	row->armed_for = U64_MAX;
	ktcp_wheel_advance(&row->wheel, get_jiffies_64(), &expired);
	list_for_each_entry_safe(tw, next, &expired, entry.node) {
		list_del_init(&tw->entry.node);
		if (ktcp_hash_remove(kn, &tw->hnode))
			list_add_tail(&tw->entry.node, &dead);
	}
	ktcp_tw_row_rearm(row);
	spin_unlock(&row->lock);
	list_for_each_entry_safe(tw, next, &dead, entry.node) {
		this_cpu_inc(kn->mib->mibs[KTCP_MIB_TWEXPIRED]);
		ktcp_tw_free(kn, tw);
	}
	return HRTIMER_NORESTART;
}

int ktcp_tw_net_init(struct ktcp_net *kn)
{
	struct ktcp_tw_row *row = kzalloc(sizeof(*row), GFP_KERNEL);

	if (!row)
		return -ENOMEM;
	spin_lock_init(&row->lock);
	ktcp_wheel_init(&row->wheel, get_jiffies_64());
	hrtimer_init(&row->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	row->timer.function = ktcp_tw_row_run;
	row->armed_for = U64_MAX;
	row->kn = kn;
	kn->tw_row = row;
	return 0;
}

/*
 * The namespace goes (its hook is gone, its sockets too): end every entry
 * left, as inet_twsk_purge() does, then stop the row.
 */
void ktcp_tw_net_exit(struct ktcp_net *kn)
{
	struct ktcp_hnode *h;
	u32 b;

	if (!kn->tw_row)
		return;
	for (b = 0; kn->ehash && b <= kn->ehash_mask; b++) {
		/* a node taken out keeps its ->next: the walk goes on */
		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &kn->ehash[b], node)
			if (h->kind == KTCP_HNODE_TW)
				ktcp_tw_kill(kn, ktcp_tw_of(h));
		rcu_read_unlock();
		cond_resched();
	}
	hrtimer_cancel(&kn->tw_row->timer);
	WARN_ON_ONCE(kn->tw_row->wheel.count);
	kfree(kn->tw_row);
	kn->tw_row = NULL;
}

/*
 * Can @sk's TIME_WAIT do without the socket? Not when it has what Linux's
 * timewait sock keeps and a ktcp_tw does not: a device binding
 * (tw_bound_dev_if), a mark, a priority, IP_TRANSPARENT, an IPv6 flow
 * label of its own; nor without a claim of its port.
 */
static bool ktcp_tw_fits(const struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	if (sk->sk_bound_dev_if || READ_ONCE(sk->sk_mark) ||
	    READ_ONCE(sk->sk_priority) || inet_test_bit(TRANSPARENT, sk) ||
	    !ks->claim)
		return false;
	return !ktcp_sk_wire6(sk) ||
	       !(ktcp_np(sk)->flow_label & IPV6_FLOWLABEL_MASK);
}

/* What @tw keeps of @sk (tcp_time_wait(), inet_twsk_alloc()). */
static void ktcp_tw_fill(struct ktcp_tw *tw, const struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u8 wscale = ks->neg.rcv_wscale;

	tw->hnode.key = ks->hnode.key;
	tw->hnode.kind = KTCP_HNODE_TW;
	ktcp_tw_flags(tw) = (ktcp_sk_v6(sk) ? KTCP_TW_V6 : 0) |
			    (ks->neg.tstamp_ok ? KTCP_TW_TSTAMP : 0) |
			    (ks->tw_ms >= 0 ? KTCP_TW_OWN_LEN : 0);
	ktcp_tw_wscale(tw) = wscale;
	ktcp_tw_tos(tw) = (ktcp_sk_wire6(sk) ? ktcp_np(sk)->tclass :
			   inet_sk(sk)->tos) & ~INET_ECN_MASK;
	tw->rcv_nxt = ks->rcv_nxt;
	tw->snd_nxt = ks->snd_nxt;
	tw->ts_recent = ks->neg.ts_recent;
	tw->ts_recent_stamp = ks->neg.ts_recent_stamp;
	tw->ts_off = ks->neg.ts_off;
	tw->last_oow = ks->last_oow_ack;
	tw->txhash = sk->sk_txhash;
	/* tcp_receive_window(), as tw_rcv_wnd >> tw_rcv_wscale goes out */
	tw->rcv_wnd = min_t(u32, ktcp_window_rcv_left(ks) >> wscale, U16_MAX);
	ktcp_wheel_entry_init(&tw->entry);
}

/*
 * @sk, owned, an orphan that just entered TIME_WAIT (or was closed in
 * it): put a ktcp_tw in its place, with the time it has left, and close
 * it. True if @sk is now closed; false leaves it as it was, whole in
 * TIME_WAIT (not an orphan, needs what a ktcp_tw lacks, no memory).
 */
bool ktcp_tw_compact(struct sock *sk)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_tw_row *row = kn->tw_row;
	unsigned long expires;
	struct ktcp_tw *tw;
	int err;

	sock_owned_by_me(sk);
	if (sk->sk_state != TCP_TIME_WAIT || !sock_flag(sk, SOCK_DEAD) ||
	    !ktcp_tw_fits(sk))
		return false;
	tw = kmem_cache_alloc(ktcp_tw_cachep, GFP_ATOMIC);
	if (!tw)
		return false;
	ktcp_tw_fill(tw, sk);
	tw->hold = ktcp_port_hold_get(kn, sk);
	if (!tw->hold) {
		kmem_cache_free(ktcp_tw_cachep, tw);
		return false;
	}
	expires = ktcp_timer_expires(&ks->state_timer);
	ktcp_tw_set_len(tw, expires - ks->tw_start);
	/* as the socket did, the entry keeps ktcp loaded (inet_twsk_free()) */
	__module_get(THIS_MODULE);
	atomic_inc(&kn->tw_count);	/* the socket's goes with it */
	/* replaced and on the wheel at once for any other owner (above) */
	spin_lock_bh(&row->lock);
	err = ktcp_hash_replace(kn, &ks->hnode, &tw->hnode);
	if (!err)
		ktcp_tw_row_add(row, tw, expires);
	spin_unlock_bh(&row->lock);
	if (err) {
		atomic_dec(&kn->tw_count);
		module_put(THIS_MODULE);
		ktcp_port_hold_put(kn, tw->hold);
		kmem_cache_free(ktcp_tw_cachep, tw);
		return false;
	}
	__sock_put(sk);		/* the table's reference (ktcp_hash_sock_unhash()) */
	ktcp_sock_done(sk);
	return true;
}

/* The TIME_WAIT state of @tw as negotiate.c's PAWS and TSval read it. */
static void ktcp_tw_neg(const struct ktcp_tw *tw, struct ktcp_neg *n)
{
	u8 flags = READ_ONCE(ktcp_tw_flags(tw));	/* ktcp_tw_set_len() */

	*n = (struct ktcp_neg){
		.ts_recent = READ_ONCE(tw->ts_recent),
		.ts_recent_stamp = READ_ONCE(tw->ts_recent_stamp),
		.ts_off = tw->ts_off,
		.rcv_wscale = ktcp_tw_wscale(tw),
		.tstamp_ok = !!(flags & KTCP_TW_TSTAMP),
	};
}

/* The ACK of @tw, in answer to @in (tcp_v4_timewait_ack()). */
static void ktcp_tw_ack(struct net *net, const struct ktcp_tw *tw,
			const struct sk_buff *in)
{
	struct ktcp_neg n;

	ktcp_tw_neg(tw, &n);
	ktcp_reply_tw_ack(net, tw, &n, in);
}

/*
 * An unacceptable segment gets an ACK, at most one per 500 ms unless it
 * carries data (ktcp_xmit_oow_ack(), tcp_timewait_check_oow_rate_limit()).
 */
static void ktcp_tw_oow_ack(struct net *net, struct ktcp_tw *tw,
			    const struct sk_buff *in, enum ktcp_mib_field why)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(in);
	bool data = cb->end_seq != cb->seq && !(cb->flags & TCPHDR_SYN);
	u32 last = READ_ONCE(tw->last_oow);

	KTCP_INC_STATS(net, why);
	if (!data && last && tcp_jiffies32 - last < KTCP_OOW_RATELIMIT) {
		KTCP_INC_STATS(net, KTCP_MIB_OOWRATELIMITED);
		return;
	}
	WRITE_ONCE(tw->last_oow, tcp_jiffies32 ?: 1);
	ktcp_tw_ack(net, tw, in);
}

/* A retransmitted FIN restarts TIME_WAIT (inet_twsk_reschedule()). */
static void ktcp_tw_restart(struct ktcp_net *kn, struct ktcp_tw *tw)
{
	struct ktcp_tw_row *row = kn->tw_row;
	unsigned long len;

	spin_lock_bh(&row->lock);
	if (tw->entry.pending) {
		len = ktcp_tw_flags(tw) & KTCP_TW_OWN_LEN ? ktcp_tw_len(tw) :
		      ktcp_tw_timeout(read_pnet(&kn->net));
		ktcp_tw_set_len(tw, len);
		ktcp_tw_row_add(row, tw, jiffies + len);
	}
	spin_unlock_bh(&row->lock);
}

/* A RST: as ktcp_input_timewait_rst() (RFC 1337, net.ktcp.rfc1337). */
static void ktcp_tw_rst(struct ktcp_net *kn, struct ktcp_tw *tw,
			const struct sk_buff *skb)
{
	struct ktcp_opts opts;
	struct ktcp_neg n;

	if (READ_ONCE(kn->rfc1337) || KTCP_SKB_CB(skb)->seq != tw->rcv_nxt)
		return;
	ktcp_opts_parse_hdr(tcp_hdr(skb), &opts);
	ktcp_tw_neg(tw, &n);
	if (ktcp_neg_paws_reject(&n, &opts, true))
		return;
	ktcp_tw_kill(kn, tw);
}

/*
 * In the window it last offered? ktcp_input_seq_ok() with RCV.WUP at
 * RCV.NXT, as the ACK of the FIN left it.
 */
static bool ktcp_tw_seq_ok(const struct ktcp_tw *tw,
			   const struct ktcp_skb_cb *cb)
{
	u32 right = tw->rcv_nxt + ((u32)tw->rcv_wnd << ktcp_tw_wscale(tw));

	return !ktcp_seq_before(cb->end_seq, tw->rcv_nxt) &&
	       !ktcp_seq_after(cb->seq, right);
}

/*
 * A segment for @tw (tcp_timewait_state_process()), the rules of
 * ktcp_input_timewait() for an orphan: a SYN above RCV.NXT that a
 * listener would take ends TIME_WAIT and returns KTCP_RCV_TW_SYN, for
 * rcv.c to hand it to the listener (with none, it gets the ACK, as in
 * tcp_v4_rcv()); otherwise @skb is consumed. Under RCU.
 */
int ktcp_tw_process(struct net *net, struct ktcp_tw *tw, struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct ktcp_net *kn = ktcp_pernet(net);

	if (th->syn && !th->ack && !th->rst &&
	    ktcp_seq_after(cb->seq, tw->rcv_nxt)) {
		/* TCP_TW_SYN in tcp_v4_rcv(): only if a listener takes it */
		if (ktcp_hash_syn_listened(kn, skb)) {
			KTCP_INC_STATS(net, KTCP_MIB_TWRECYCLED);
			ktcp_tw_kill(kn, tw);
			return KTCP_RCV_TW_SYN;
		}
		ktcp_tw_ack(net, tw, skb);
		kfree_skb(skb);
		return 0;
	}
	if (th->rst) {
		ktcp_tw_rst(kn, tw, skb);
	} else if (th->fin && cb->end_seq == tw->rcv_nxt) {
		ktcp_tw_ack(net, tw, skb);
		ktcp_tw_restart(kn, tw);
	} else if (!ktcp_tw_seq_ok(tw, cb) || cb->end_seq != cb->seq) {
		ktcp_tw_oow_ack(net, tw, skb, KTCP_MIB_OUTOFWINDOW);
	}
	kfree_skb(skb);
	return 0;
}

/*
 * connect()'s 4-tuple is held by a ktcp_tw that may be reused
 * (ktcp_tw_may_reuse()): end it and fill @r, as ktcp_sock_tw_reuse() does
 * for a full socket. True if the 4-tuple is free now.
 */
bool ktcp_tw_reclaim(struct sock *sk, struct ktcp_tw_reuse *r, bool bound)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_hnode *h;
	struct ktcp_tw *tw;
	bool ok = false;

	sock_owned_by_me(sk);
	rcu_read_lock();
	h = ktcp_hash_lookup(kn, &ktcp_sk(sk)->hnode.key,
			     READ_ONCE(sk->sk_bound_dev_if), 0);
	if (h && h->kind == KTCP_HNODE_TW &&
	    ktcp_tw_may_reuse(sk, ktcp_tw_of(h), bound)) {
		tw = ktcp_tw_of(h);
		r->seq = tw->snd_nxt + 65535 + 2 ?: 1;
		r->ts_recent = READ_ONCE(tw->ts_recent);
		r->ts_recent_stamp = READ_ONCE(tw->ts_recent_stamp);
		ok = ktcp_tw_kill(kn, tw);
	}
	rcu_read_unlock();
	if (ok)
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TWREUSED);
	return ok;
}

/*
 * net.ktcp.tw_retime for the entries (ktcp_sock_tw_retime() does the full
 * sockets): each that follows the sysctl ends @len after it (re)started,
 * at once if that is past. Process context.
 */
void ktcp_tw_retime(struct ktcp_net *kn)
{
	unsigned long len = ktcp_tw_timeout(read_pnet(&kn->net)), start;
	struct ktcp_tw_row *row = kn->tw_row;
	struct ktcp_hnode *h;
	u32 b;

	for (b = 0; b <= kn->ehash_mask; b++) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(h, &kn->ehash[b], node) {
			struct ktcp_tw *tw = ktcp_tw_of(h);

			if (h->kind != KTCP_HNODE_TW ||
			    READ_ONCE(ktcp_tw_flags(tw)) & KTCP_TW_OWN_LEN)
				continue;
			spin_lock_bh(&row->lock);
			if (tw->entry.pending) {
				start = tw->entry.expires - ktcp_tw_len(tw);
				ktcp_tw_set_len(tw, len);
				ktcp_tw_row_add(row, tw,
						time_after(start + len, jiffies) ?
						start + len : jiffies);
			}
			spin_unlock_bh(&row->lock);
		}
		rcu_read_unlock();
		cond_resched();
	}
}
