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
#include <net/ip.h>

#include "ktcp.h"

#define KTCP_EHASH_LOCKS	1024	/* established-table writer locks */

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

/* listen() may sleep first if @sk listened before (ktcp_hash_wait_readers). */
void ktcp_hash_listen_prepare(struct sock *sk)
{
	ktcp_hash_wait_readers(&ktcp_sk(sk)->listen_node);
}

/* Caller holds bind_lock and has checked port.c's listen conflicts. */
void ktcp_hash_listen_add(struct ktcp_net *kn, struct sock *sk)
{
	lockdep_assert_held(&kn->bind_lock);
	hlist_add_head_rcu(&ktcp_sk(sk)->listen_node,
			   ktcp_lhash_head(kn, inet_sk(sk)->inet_num));
}

void ktcp_hash_unlisten(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	spin_lock_bh(&kn->bind_lock);
	if (!hlist_unhashed(&ks->listen_node))
		hlist_del_init_rcu(&ks->listen_node);
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
