// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace lookup tables.
 *
 * ehash  every connection by its 4-tuple (local first): ktcp_socks in any
 *        state but LISTEN (TIME_WAIT included) and ktcp_requests of SYN
 *        queues. A fixed array of RCU hlists sized at namespace creation
 *        (module parameter ehash_buckets), as Linux's TCP ehash is: no
 *        resize ever moves an entry, so lookups and the /proc walk never
 *        miss one, and the hash is keyed with a per-namespace random seed.
 * lhash  listeners by port; few, so a small fixed array of RCU lists.
 *        SO_REUSEPORT listeners of one address and port are simply all
 *        there; ktcp_hash_lookup_listener() picks one per 4-tuple.
 * bhash  bound ports: a ktcp_bind_bucket per port lists its owners, for
 *        bind() conflicts and ephemeral port choice.
 *
 * Locking: ehash writers take the bucket's lock from a small array of
 * spinlocks (BHs off: requests and children are hashed in softirq); lhash and
 * bhash writers take ktcp_net.bind_lock with BHs off (children inherit their
 * listener's port in softirq). Readers of ehash and lhash hold rcu_read_lock
 * and take a reference with refcount_inc_not_zero(); sockets are freed after
 * a grace period (SOCK_RCU_FREE), requests with kfree_rcu().
 *
 * Port space shared with native TCP: ktcp refuses to bind a port that native
 * TCP has bound in the same namespace, and the receive hook takes only what
 * is unambiguously ktcp's (Documentation/design.rst, "Coexistence").
 */

#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>

#include "ktcp.h"

#define KTCP_EHASH_LOCKS	1024	/* established-table writer locks */

struct ktcp_bind_bucket {
	struct hlist_node node;		/* in bhash */
	struct hlist_head owners;	/* ktcp_sock.bind_node */
	u16 port;
};

unsigned int ktcp_ehash_buckets = 65536;
module_param_named(ehash_buckets, ktcp_ehash_buckets, uint, 0444);
MODULE_PARM_DESC(ehash_buckets,
		 "established-table buckets per namespace (power of 2)");

int ktcp_hash_net_init(struct ktcp_net *kn)
{
	u32 n = roundup_pow_of_two(clamp(ktcp_ehash_buckets, 64U, 1U << 24));
	int i;

	spin_lock_init(&kn->bind_lock);
	kn->lhash = kcalloc(KTCP_LHASH_SIZE, sizeof(*kn->lhash), GFP_KERNEL);
	kn->bhash = kcalloc(KTCP_BHASH_SIZE, sizeof(*kn->bhash), GFP_KERNEL);
	kn->ehash = kvcalloc(n, sizeof(*kn->ehash), GFP_KERNEL);
	kn->ehash_locks = kcalloc(KTCP_EHASH_LOCKS, sizeof(*kn->ehash_locks),
				  GFP_KERNEL);
	if (!kn->lhash || !kn->bhash || !kn->ehash || !kn->ehash_locks) {
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

	if (kn->bhash)
		for (i = 0; i < KTCP_BHASH_SIZE; i++)
			WARN_ON_ONCE(!hlist_empty(&kn->bhash[i]));
	if (kn->ehash)
		for (i = 0; i <= kn->ehash_mask; i++)
			WARN_ON_ONCE(!hlist_empty(&kn->ehash[i]));
	kvfree(kn->ehash);
	kfree(kn->ehash_locks);
	kfree(kn->lhash);
	kfree(kn->bhash);
}

u32 ktcp_hash_bucket(const struct ktcp_net *kn, const struct ktcp_tuple *t)
{
	return jhash_3words((__force u32)t->laddr, (__force u32)t->raddr,
			    ((u32)(__force u16)t->lport << 16) |
			    (__force u16)t->rport, kn->ehash_seed) &
	       kn->ehash_mask;
}

static spinlock_t *ktcp_hash_lock(struct ktcp_net *kn, u32 bucket)
{
	return &kn->ehash_locks[bucket & (KTCP_EHASH_LOCKS - 1)];
}

static struct ktcp_hnode *ktcp_hash_find(struct ktcp_net *kn, u32 bucket,
					 const struct ktcp_tuple *key)
{
	struct ktcp_hnode *h;

	hlist_for_each_entry_rcu(h, &kn->ehash[bucket], node)
		if (!memcmp(&h->key, key, sizeof(*key)))
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
 * Add @h; -EEXIST if its 4-tuple is taken. May sleep if @h was in the
 * table before (ktcp_hash_wait_readers()).
 */
int ktcp_hash_insert(struct ktcp_net *kn, struct ktcp_hnode *h)
{
	u32 b = ktcp_hash_bucket(kn, &h->key);
	spinlock_t *lock = ktcp_hash_lock(kn, b);
	int err = -EEXIST;

	ktcp_hash_wait_readers(&h->node);
	spin_lock_bh(lock);
	if (!ktcp_hash_find(kn, b, &h->key)) {
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

/* Caller holds rcu_read_lock(); no reference is taken. */
struct ktcp_hnode *ktcp_hash_lookup(struct ktcp_net *kn, __be32 laddr,
				    __be16 lport, __be32 raddr, __be16 rport)
{
	struct ktcp_tuple key = {
		.laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport,
	};

	return ktcp_hash_find(kn, ktcp_hash_bucket(kn, &key), &key);
}

static struct hlist_head *ktcp_lhash_head(struct ktcp_net *kn, u16 port)
{
	return &kn->lhash[port & (KTCP_LHASH_SIZE - 1)];
}

/* How well listener @ks matches a segment to @laddr:@port: 0 not at all. */
static int ktcp_listener_score(const struct ktcp_sock *ks, __be32 laddr,
			       u16 port)
{
	const struct inet_sock *inet = &ks->inet;

	if (inet->inet_num != port)
		return 0;
	if (inet->inet_rcv_saddr == laddr)
		return 2;
	return inet->inet_rcv_saddr ? 0 : 1;
}

/*
 * The listener for @laddr:@lport: one bound to @laddr beats one bound to
 * INADDR_ANY. Several SO_REUSEPORT listeners on the best address form a
 * group; the segment's 4-tuple hash (jhash with the namespace's seed) scaled
 * to the group's size picks one, stable while the group does not change.
 * Caller holds rcu_read_lock(); no reference is taken.
 */
struct sock *ktcp_hash_lookup_listener(struct ktcp_net *kn, __be32 laddr,
				       __be16 lport, __be32 raddr,
				       __be16 rport)
{
	struct hlist_head *head = ktcp_lhash_head(kn, ntohs(lport));
	int score, best = 0, n = 0, pick;
	struct sock *found = NULL;
	struct ktcp_sock *ks;

	hlist_for_each_entry_rcu(ks, head, listen_node) {
		score = ktcp_listener_score(ks, laddr, ntohs(lport));
		if (score > best) {
			best = score;
			found = &ks->inet.sk;
			n = 0;
		}
		if (score && score == best && ks->inet.sk.sk_reuseport)
			n++;
	}
	if (n < 2 || !found->sk_reuseport)
		return found;
	pick = reciprocal_scale(jhash_3words((__force u32)laddr,
					     (__force u32)raddr,
					     ((u32)(__force u16)lport << 16) |
					     (__force u16)rport,
					     kn->ehash_seed), n);
	hlist_for_each_entry_rcu(ks, head, listen_node) {
		if (ktcp_listener_score(ks, laddr, ntohs(lport)) != best ||
		    !ks->inet.sk.sk_reuseport)
			continue;
		found = &ks->inet.sk;	/* the last, if the group shrank */
		if (!pick--)
			break;
	}
	return found;
}

/*
 * The reuseport exception of Linux's inet_bind_conflict(): both sockets set
 * SO_REUSEPORT and have the same owner (or the other is in TIME_WAIT).
 */
static bool ktcp_reuseport_ok(const struct sock *sk, const struct sock *sk2)
{
	return sk->sk_reuseport && sk2->sk_reuseport &&
	       (sk2->sk_state == TCP_TIME_WAIT ||
		uid_eq(sk->sk_uid, sk2->sk_uid));
}

/*
 * listen(): bind() let SO_REUSEADDR sockets share the port, but only one
 * may listen on an address (inet_csk_get_port's check at listen time),
 * unless all of them have SO_REUSEPORT and one owner.
 */
static bool ktcp_listen_conflict(const struct ktcp_bind_bucket *bb,
				 const struct sock *sk)
{
	__be32 addr = inet_sk(sk)->inet_rcv_saddr;
	struct ktcp_sock *o;

	hlist_for_each_entry(o, &bb->owners, bind_node) {
		__be32 addr2 = o->inet.inet_rcv_saddr;

		if (&o->inet.sk == sk || o->inet.sk.sk_state != TCP_LISTEN ||
		    ktcp_reuseport_ok(sk, &o->inet.sk))
			continue;
		if (!addr || !addr2 || addr == addr2)
			return true;
	}
	return false;
}

/* May sleep if @sk listened before (ktcp_hash_wait_readers()). */
int ktcp_hash_listen(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int err = 0;

	ktcp_hash_wait_readers(&ks->listen_node);
	spin_lock_bh(&kn->bind_lock);
	if (ks->bb && ktcp_listen_conflict(ks->bb, sk))
		err = -EADDRINUSE;
	else
		hlist_add_head_rcu(&ks->listen_node,
				   ktcp_lhash_head(kn, inet_sk(sk)->inet_num));
	spin_unlock_bh(&kn->bind_lock);
	return err;
}

void ktcp_hash_unlisten(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	spin_lock_bh(&kn->bind_lock);
	if (!hlist_unhashed(&ks->listen_node))
		hlist_del_init_rcu(&ks->listen_node);
	spin_unlock_bh(&kn->bind_lock);
}

static struct hlist_head *ktcp_bhash_head(struct ktcp_net *kn, u16 port)
{
	return &kn->bhash[port & (KTCP_BHASH_SIZE - 1)];
}

static struct ktcp_bind_bucket *ktcp_bb_find(struct ktcp_net *kn, u16 port)
{
	struct ktcp_bind_bucket *bb;

	lockdep_assert_held(&kn->bind_lock);
	hlist_for_each_entry(bb, ktcp_bhash_head(kn, port), node)
		if (bb->port == port)
			return bb;
	return NULL;
}

/* Does native TCP hold @port in @net? Its bind table says (read only). */
static bool ktcp_native_port_used(struct net *net, u16 port)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct inet_bind_hashbucket *head;
	struct inet_bind_bucket *tb;
	bool used = false;

	head = &hinfo->bhash[inet_bhashfn(net, port, hinfo->bhash_size)];
	spin_lock(&head->lock);
	inet_bind_bucket_for_each(tb, &head->chain) {
		if (net_eq(ib_net(tb), net) && tb->port == port) {
			used = true;
			break;
		}
	}
	spin_unlock(&head->lock);
	return used;
}

/*
 * Linux's bind conflict rule (inet_bind_conflict): two owners of a port
 * conflict when their addresses overlap, unless both set SO_REUSEADDR and the
 * existing one is not listening, or both set SO_REUSEPORT with one owner
 * uid. Linux's bind-bucket fastreuseport flag only caches this answer.
 */
static bool ktcp_bb_conflict(const struct ktcp_bind_bucket *bb,
			     const struct sock *sk, __be32 addr)
{
	struct ktcp_sock *o;

	hlist_for_each_entry(o, &bb->owners, bind_node) {
		const struct sock *sk2 = &o->inet.sk;
		__be32 addr2 = o->inet.inet_rcv_saddr;

		if (addr && addr2 && addr != addr2)
			continue;
		if (sk->sk_reuse && sk2->sk_reuse &&
		    sk2->sk_state != TCP_LISTEN)
			continue;
		if (ktcp_reuseport_ok(sk, sk2))
			continue;
		return true;
	}
	return false;
}

static int ktcp_bb_add(struct ktcp_net *kn, struct sock *sk, u16 port,
		       gfp_t gfp)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_bind_bucket *bb = ktcp_bb_find(kn, port);

	if (!bb) {
		bb = kmalloc(sizeof(*bb), gfp);
		if (!bb)
			return -ENOMEM;
		bb->port = port;
		INIT_HLIST_HEAD(&bb->owners);
		hlist_add_head(&bb->node, ktcp_bhash_head(kn, port));
	}
	hlist_add_head(&ks->bind_node, &bb->owners);
	ks->bb = bb;
	inet_sk(sk)->inet_num = port;
	inet_sk(sk)->inet_sport = htons(port);
	return 0;
}

/* bind() to @addr:@port (host order, non-zero). */
int ktcp_hash_bind(struct ktcp_net *kn, struct sock *sk, __be32 addr,
		   u16 port)
{
	struct ktcp_bind_bucket *bb;
	int err = -EADDRINUSE;

	spin_lock_bh(&kn->bind_lock);
	bb = ktcp_bb_find(kn, port);
	if (bb && ktcp_bb_conflict(bb, sk, addr))
		goto out;
	if (!bb && ktcp_native_port_used(sock_net(sk), port))
		goto out;
	inet_sk(sk)->inet_rcv_saddr = addr;
	inet_sk(sk)->inet_saddr = addr;
	err = ktcp_bb_add(kn, sk, port, GFP_ATOMIC);
out:
	spin_unlock_bh(&kn->bind_lock);
	return err;
}

/*
 * Pick a free port from ip_local_port_range, starting at a random offset
 * (RFC 6056 section 3.3.1), skipping reserved ports and ports either stack
 * uses. inet_rcv_saddr must already be set.
 */
int ktcp_hash_bind_ephemeral(struct ktcp_net *kn, struct sock *sk)
{
	struct net *net = sock_net(sk);
	int low, high, i, err = -EADDRNOTAVAIL;
	u32 remaining, offset;

	inet_get_local_port_range(net, &low, &high);
	remaining = high - low + 1;
	offset = get_random_u32_below(remaining);
	spin_lock_bh(&kn->bind_lock);
	for (i = 0; i < remaining; i++) {
		u16 port = low + (offset + i) % remaining;

		if (inet_is_local_reserved_port(net, port) ||
		    ktcp_bb_find(kn, port) || ktcp_native_port_used(net, port))
			continue;
		err = ktcp_bb_add(kn, sk, port, GFP_ATOMIC);
		break;
	}
	spin_unlock_bh(&kn->bind_lock);
	return err;
}

/* An accepted child owns its listener's port too (inet_inherit_port). */
void ktcp_hash_inherit_port(struct ktcp_net *kn, struct sock *child,
			    const struct sock *listener)
{
	struct ktcp_sock *kc = ktcp_sk(child);

	spin_lock_bh(&kn->bind_lock);
	kc->bb = ktcp_sk(listener)->bb;
	if (kc->bb)
		hlist_add_head(&kc->bind_node, &kc->bb->owners);
	spin_unlock_bh(&kn->bind_lock);
}

void ktcp_hash_unbind(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_bind_bucket *bb;

	spin_lock_bh(&kn->bind_lock);
	bb = ks->bb;
	if (bb) {
		hlist_del_init(&ks->bind_node);
		ks->bb = NULL;
		if (hlist_empty(&bb->owners)) {
			hlist_del(&bb->node);
			kfree(bb);
		}
	}
	spin_unlock_bh(&kn->bind_lock);
	inet_sk(sk)->inet_num = 0;
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
