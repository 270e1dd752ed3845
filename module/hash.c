// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace lookup tables.
 *
 * ehash  every connection by its 4-tuple (local first): ktcp_socks in any
 *        state but LISTEN (TIME_WAIT included), ktcp_requests of SYN
 *        queues and the ktcp_tws of orphans' TIME_WAIT (timewait.c). A
 *        fixed array of RCU hlists sized at namespace creation
 *        (module parameter ehash_buckets), as Linux's TCP ehash is: no
 *        resize ever moves an entry, so lookups and the /proc walk never
 *        miss one, and the hash is keyed with a per-namespace random seed.
 * lhash  listeners by port; few, so a small fixed array of RCU lists.
 *        SO_REUSEPORT listeners of one address, port, device and owner
 *        form a group (struct sock_reuseport, the kernel's, as native
 *        TCP's do), which picks one per SYN.
 * The bind table is port.c's.
 *
 * Locking: ehash writers take the bucket's lock from a small array of
 * spinlocks (BHs off: requests and children are hashed in softirq); lhash
 * writers take ktcp_net.bind_lock with BHs off, which port.c's bind table
 * shares, so that listen() checks its conflicts and joins lhash at once.
 * Readers of ehash and lhash hold rcu_read_lock and take a reference with
 * refcount_inc_not_zero(); sockets are freed after a grace period
 * (SOCK_RCU_FREE), requests with kfree_rcu().
 */

#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/ip.h>
#include <net/sock_reuseport.h>
#include <net/tcp.h>

#include "ktcp.h"

#define KTCP_EHASH_LOCKS	1024	/* established-table writer locks */

unsigned int ktcp_ehash_buckets = 65536;
module_param_named(ehash_buckets, ktcp_ehash_buckets, uint, 0444);
MODULE_PARM_DESC(ehash_buckets,
		 "established-table buckets per namespace (power of 2)");

/* Established-table buckets per namespace: the parameter, a power of 2. */
u32 ktcp_hash_ehash_size(void)
{
	return roundup_pow_of_two(clamp(ktcp_ehash_buckets, 64U, 1U << 24));
}

int ktcp_hash_net_init(struct ktcp_net *kn)
{
	u32 n = ktcp_hash_ehash_size();
	int i;

	spin_lock_init(&kn->bind_lock);
	kn->lhash = kcalloc(KTCP_LHASH_SIZE, sizeof(*kn->lhash), GFP_KERNEL);
	kn->ehash = kvcalloc(n, sizeof(*kn->ehash), GFP_KERNEL);
	kn->ehash_locks = kcalloc(KTCP_EHASH_LOCKS, sizeof(*kn->ehash_locks),
				  GFP_KERNEL);
	if (!kn->lhash || !kn->ehash || !kn->ehash_locks) {
		ktcp_hash_net_exit(kn);
		return -ENOMEM;
	}
	for (i = 0; i < KTCP_EHASH_LOCKS; i++)
		spin_lock_init(&kn->ehash_locks[i]);
	kn->ehash_mask = n - 1;
	kn->ehash_seed = get_random_u32();
	return 0;
}

/* Sockets hold their namespace, so every table is empty by now. */
void ktcp_hash_net_exit(struct ktcp_net *kn)
{
	u32 i;

	if (kn->ehash)
		for (i = 0; i <= kn->ehash_mask; i++)
			WARN_ON_ONCE(!hlist_empty(&kn->ehash[i]));
	kvfree(kn->ehash);
	kfree(kn->ehash_locks);
	kfree(kn->lhash);
}

/* The whole tuple, both addresses IPv6-sized (v4-mapped for IPv4). */
u32 ktcp_hash_bucket(const struct ktcp_net *kn, const struct ktcp_tuple *t)
{
	BUILD_BUG_ON(sizeof(*t) % sizeof(u32));
	return jhash2((const u32 *)t, sizeof(*t) / sizeof(u32),
		      kn->ehash_seed) & kn->ehash_mask;
}

static spinlock_t *ktcp_hash_lock(struct ktcp_net *kn, u32 bucket)
{
	return &kn->ehash_locks[bucket & (KTCP_EHASH_LOCKS - 1)];
}

/*
 * The device @h is bound to: its socket's, or its request's (ir_iif); a
 * TIME_WAIT entry is never bound (ktcp_tw_fits()).
 */
static int ktcp_hash_node_dev(const struct ktcp_hnode *h)
{
	if (h->kind == KTCP_HNODE_REQ)
		return container_of(h, struct ktcp_request, hnode)->bound_dev_if;
	if (h->kind == KTCP_HNODE_TW)
		return 0;
	return READ_ONCE(container_of(h, struct ktcp_sock,
				      hnode)->inet.sk.sk_bound_dev_if);
}

/* net.ipv4.tcp_l3mdev_accept of @kn's namespace (always, without VRFs). */
static bool ktcp_hash_l3mdev_accept(const struct ktcp_net *kn)
{
#if IS_ENABLED(CONFIG_NET_L3_MASTER_DEV)
	return READ_ONCE(read_pnet(&kn->net)->ipv4.sysctl_tcp_l3mdev_accept);
#else
	return true;
#endif
}

/*
 * Does @h take a segment from device @dif (the VRF's, with @sdif the
 * enslaved device's, else 0)? inet_sk_bound_dev_eq() in inet_match(): a
 * node bound to a device only that device's, an unbound one any but those
 * arriving through an L3 master device, unless net.ipv4.tcp_l3mdev_accept
 * is set (which is read only then).
 */
static bool ktcp_hash_dev_eq(const struct ktcp_net *kn,
			     const struct ktcp_hnode *h, int dif, int sdif)
{
	int bound = ktcp_hash_node_dev(h);

	if (bound)
		return bound == dif || bound == sdif;
	return !sdif || ktcp_hash_l3mdev_accept(kn);
}

static struct ktcp_hnode *ktcp_hash_find(struct ktcp_net *kn, u32 bucket,
					 const struct ktcp_tuple *key,
					 int dif, int sdif)
{
	struct ktcp_hnode *h;

	hlist_for_each_entry_rcu(h, &kn->ehash[bucket], node)
		if (!memcmp(&h->key, key, sizeof(*key)) &&
		    ktcp_hash_dev_eq(kn, h, dif, sdif))
			return h;
	return NULL;
}

/*
 * A node taken out of a chain keeps its ->next, and only its ->pprev is
 * cleared to mark it unhashed (hlist_del_init_rcu(); Linux's nulls lists do
 * the same): a reader standing on it in an RCU walk goes on from there to
 * the rest of the chain. That ->next is also why the node must not be
 * linked again while such a reader may still be on it: the reader would
 * follow it into the chain the node joined and miss the rest of its own.
 * Linux's tables end each chain in a nulls marker naming the bucket and
 * restart a lookup that ends in another; ours wait for a grace period.
 * Only a node taken from before the end of a chain has a ->next to lead
 * readers astray, and only connect() and listen() hash a node again, both
 * in process context.
 */
static void ktcp_hash_wait_readers(struct hlist_node *n)
{
	if (hlist_unhashed(n) && n->next) {
		might_sleep();
		synchronize_rcu();
	}
}

/*
 * Add @h; -EEXIST if its 4-tuple is taken by a node that would take @h's
 * segments (inet_ehash_insert() and __inet_check_established() match with
 * @h's device as dif: the same 4-tuple may be used once per device). May
 * sleep if @h was in the table before (ktcp_hash_wait_readers()).
 */
int ktcp_hash_insert(struct ktcp_net *kn, struct ktcp_hnode *h)
{
	u32 b = ktcp_hash_bucket(kn, &h->key);
	spinlock_t *lock = ktcp_hash_lock(kn, b);
	int err = -EEXIST;

	ktcp_hash_wait_readers(&h->node);
	spin_lock_bh(lock);
	if (!ktcp_hash_find(kn, b, &h->key, ktcp_hash_node_dev(h), 0)) {
		hlist_add_head_rcu(&h->node, &kn->ehash[b]);
		err = 0;
	}
	spin_unlock_bh(lock);
	return err;
}

/*
 * Remove @h; returns true if it was in the table. Readers on @h go on past
 * it (ktcp_hash_wait_readers()).
 */
bool ktcp_hash_remove(struct ktcp_net *kn, struct ktcp_hnode *h)
{
	spinlock_t *lock = ktcp_hash_lock(kn, ktcp_hash_bucket(kn, &h->key));
	bool was;

	spin_lock_bh(lock);
	was = !hlist_unhashed(&h->node);
	if (was)
		hlist_del_init_rcu(&h->node);
	spin_unlock_bh(lock);
	return was;
}

/*
 * Put @new (same 4-tuple) where @old was, atomically for readers. @old is
 * left unhashed as ktcp_hash_remove() leaves a node: hlist_replace_rcu()
 * poisons its ->pprev, which is cleared here, while its ->next must stay,
 * for a reader on @old still has the rest of the chain to walk.
 */
int ktcp_hash_replace(struct ktcp_net *kn, struct ktcp_hnode *old,
		      struct ktcp_hnode *new)
{
	spinlock_t *lock = ktcp_hash_lock(kn, ktcp_hash_bucket(kn, &old->key));
	int err = -ENOENT;

	if (WARN_ON_ONCE(memcmp(&old->key, &new->key, sizeof(old->key))))
		return -EINVAL;
	spin_lock_bh(lock);
	if (!hlist_unhashed(&old->node)) {
		hlist_replace_rcu(&old->node, &new->node);
		WRITE_ONCE(old->node.pprev, NULL);
		err = 0;
	}
	spin_unlock_bh(lock);
	return err;
}

/*
 * The connection or request of a 4-tuple that takes a segment from device
 * @dif (@sdif: see ktcp_hash_dev_eq()), as __inet_lookup_established()
 * finds it. Caller holds rcu_read_lock(); no reference is taken.
 */
struct ktcp_hnode *ktcp_hash_lookup(struct ktcp_net *kn,
				    const struct ktcp_tuple *key,
				    int dif, int sdif)
{
	return ktcp_hash_find(kn, ktcp_hash_bucket(kn, key), key, dif, sdif);
}

static struct hlist_head *ktcp_lhash_head(struct ktcp_net *kn, u16 port)
{
	return &kn->lhash[port & (KTCP_LHASH_SIZE - 1)];
}

/*
 * Is listener @sk bound to @want (an address a segment came to, or the
 * wildcard)? An IPv4 segment (@want v4-mapped, or :: for the wildcard
 * pass) goes to AF_KTCP listeners by their IPv4 address and to AF_KTCP6
 * ones that are not IPV6_V6ONLY by theirs, v4-mapped or :: (the IPv4 view
 * of a socket bound to an IPv6 address never matches: Linux gives it
 * LOOPBACK4_IPV6); an IPv6 segment only to AF_KTCP6 listeners.
 */
static bool ktcp_hash_listener_addr(const struct sock *sk, bool v4,
				    const struct in6_addr *want)
{
	if (!ktcp_sk_v6(sk))
		return v4 && sk->sk_rcv_saddr == ktcp_addr_v4(want);
	if (v4 && ipv6_only_sock(sk))
		return false;
	if (v4 && ipv6_addr_any(want))
		return ipv6_addr_any(&sk->sk_v6_rcv_saddr) ||
		       (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr) &&
			!sk->sk_rcv_saddr);
	return ipv6_addr_equal(&sk->sk_v6_rcv_saddr, want);
}

/*
 * How well listener @sk on @port matches a segment from device @dif/@sdif
 * (compute_score() of inet_hashtables.c and inet6_hashtables.c): one bound
 * to the device beats one that is not, and for IPv4 an AF_KTCP listener
 * beats a dual-stack one; -1: no match.
 */
static int ktcp_hash_listener_score(const struct sock *sk, u16 port,
				    bool v4, int dif, int sdif)
{
	int bound = READ_ONCE(sk->sk_bound_dev_if);

	if (inet_sk(sk)->inet_num != port ||
	    !inet_sk_bound_dev_eq(sock_net(sk), bound, dif, sdif))
		return -1;
	return (bound ? 2 : 1) + (v4 && !ktcp_sk_v6(sk));
}

/*
 * A member of @sk's SO_REUSEPORT group for the 4-tuple, or NULL when @sk is
 * in none (yet). A classic BPF program reads the payload: it runs only if
 * the TCP header is in the linear area, so that the pull does not move it.
 */
static struct sock *ktcp_hash_reuseport_pick(struct sock *sk,
					     struct sk_buff *skb,
					     const struct ktcp_tuple *t)
{
	int hdr_len = 0;
	u32 hash;

	if (ktcp_tuple_is_v4(t))
		hash = inet_ehashfn(sock_net(sk), ktcp_addr_v4(&t->laddr),
				    ntohs(t->lport), ktcp_addr_v4(&t->raddr),
				    t->rport);
	else
		hash = inet6_ehashfn(sock_net(sk), &t->laddr, ntohs(t->lport),
				     &t->raddr, t->rport);

	if (skb) {
		hdr_len = skb_transport_offset(skb) + tcp_hdrlen(skb);
		if (hdr_len > skb_headlen(skb))
			skb = NULL;
	}
	return reuseport_select_sock(sk, hash, skb, hdr_len);
}

/*
 * The listener for a SYN (@skb, at the network header; NULL from KUnit) of
 * 4-tuple @t, as __inet_lookup_listener() and inet6_lookup_listener() find
 * it: listeners bound to the address it came to first, then those bound to
 * the wildcard (INADDR_ANY, ::); in each, the best score,
 * and the first listener found at a better score that is in an
 * SO_REUSEPORT group hands the choice to reuseport_select_sock(): the
 * group's BPF program, or inet_ehashfn() of the 4-tuple scaled to the
 * group, the choice Linux makes. Caller holds rcu_read_lock(); no
 * reference is taken.
 */
struct sock *ktcp_hash_lookup_listener(struct ktcp_net *kn,
				       struct sk_buff *skb,
				       const struct ktcp_tuple *t,
				       int dif, int sdif)
{
	struct hlist_head *head = ktcp_lhash_head(kn, ntohs(t->lport));
	struct sock *found = NULL, *sk, *picked;
	const struct in6_addr *want = &t->laddr;
	bool v4 = ktcp_tuple_is_v4(t);
	struct ktcp_sock *ks;
	int score, best = 0;

again:
	hlist_for_each_entry_rcu(ks, head, listen_node) {
		sk = &ks->inet.sk;
		if (!ktcp_hash_listener_addr(sk, v4, want))
			continue;
		score = ktcp_hash_listener_score(sk, ntohs(t->lport), v4, dif,
						 sdif);
		if (score <= best)
			continue;
		if (sk->sk_reuseport) {
			picked = ktcp_hash_reuseport_pick(sk, skb, t);
			if (picked)
				return picked;
		}
		found = sk;
		best = score;
	}
	if (!found && !ipv6_addr_any(want)) {
		want = &in6addr_any;
		goto again;
	}
	return found;
}

/*
 * Would a listener take @skb, a SYN to a 4-tuple in TIME_WAIT? tcp_v4_rcv()
 * ends the timewait sock for TCP_TW_SYN only then, and ACKs otherwise.
 * Caller holds rcu_read_lock().
 */
bool ktcp_hash_syn_listened(struct ktcp_net *kn, struct sk_buff *skb)
{
	struct ktcp_tuple t;

	ktcp_tuple_from_skb(&t, skb);
	return ktcp_hash_lookup_listener(kn, skb, &t, KTCP_SKB_CB(skb)->iif,
					 KTCP_SKB_CB(skb)->sdif);
}

/* Do listeners @a and @b, of one family, have the same local address? */
static bool ktcp_hash_same_addr(const struct sock *a, const struct sock *b)
{
	if (ktcp_sk_v6(a))
		return ipv6_addr_equal(&a->sk_v6_rcv_saddr, &b->sk_v6_rcv_saddr);
	return a->sk_rcv_saddr == b->sk_rcv_saddr;
}

/*
 * listen() joins @sk to the SO_REUSEPORT group of a listener with the same
 * family, IPV6_V6ONLY, address, port, device and owner, or starts one
 * (inet_reuseport_add_sock()).
 */
static int ktcp_hash_reuseport_join(struct ktcp_net *kn, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	bool any = ktcp_sk_v6(sk) ? ipv6_addr_any(&sk->sk_v6_rcv_saddr) :
				    !inet->inet_rcv_saddr;
	struct ktcp_sock *o;

	hlist_for_each_entry(o, ktcp_lhash_head(kn, inet->inet_num),
			     listen_node) {
		struct sock *sk2 = &o->inet.sk;

		if (sk2 != sk && sk2->sk_reuseport &&
		    o->inet.inet_num == inet->inet_num &&
		    sk2->sk_family == sk->sk_family &&
		    ipv6_only_sock(sk2) == ipv6_only_sock(sk) &&
		    sk2->sk_bound_dev_if == sk->sk_bound_dev_if &&
		    uid_eq(sk2->sk_uid, sk->sk_uid) &&
		    ktcp_hash_same_addr(sk2, sk))
			return reuseport_add_sock(sk, sk2, any);
	}
	return reuseport_alloc(sk, any);
}

/* listen() may sleep first if @sk listened before (ktcp_hash_wait_readers). */
void ktcp_hash_listen_prepare(struct sock *sk)
{
	ktcp_hash_wait_readers(&ktcp_sk(sk)->listen_node);
}

/*
 * Caller holds bind_lock and has checked port.c's listen conflicts. Like
 * __inet_hash(), a listener goes at the head of its chain, but one in an
 * SO_REUSEPORT group at the tail, so that the group's first member is the
 * one a lookup meets.
 */
int ktcp_hash_listen_add(struct ktcp_net *kn, struct sock *sk)
{
	struct hlist_head *head = ktcp_lhash_head(kn, inet_sk(sk)->inet_num);
	struct ktcp_sock *ks = ktcp_sk(sk);
	int err;

	lockdep_assert_held(&kn->bind_lock);
	if (sk->sk_reuseport) {
		err = ktcp_hash_reuseport_join(kn, sk);
		if (err)
			return err;
		hlist_add_tail_rcu(&ks->listen_node, head);
		return 0;
	}
	hlist_add_head_rcu(&ks->listen_node, head);
	return 0;
}

void ktcp_hash_unlisten(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	spin_lock_bh(&kn->bind_lock);
	if (!hlist_unhashed(&ks->listen_node)) {
		hlist_del_init_rcu(&ks->listen_node);
		if (rcu_access_pointer(sk->sk_reuseport_cb))
			reuseport_detach_sock(sk);
	}
	spin_unlock_bh(&kn->bind_lock);
}

/*
 * Take @sk out of the established and listener tables, dropping the former's
 * reference. The port stays bound: ktcp_sock_set_state() and
 * ktcp_sock_destroy() decide when it goes.
 */
void ktcp_hash_sock_unhash(struct sock *sk)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ktcp_hash_remove(kn, &ks->hnode))
		__sock_put(sk);
	ktcp_hash_unlisten(kn, sk);
}
