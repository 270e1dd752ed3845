// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace lookup tables.
 *
 * ehash  every connection by its 4-tuple (local first): ktcp_socks in any
 *        state but LISTEN (TIME_WAIT included) and ktcp_requests of SYN
 *        queues. An rhashtable: RCU lookups, per-bucket locks, grows with
 *        the number of connections and is seeded randomly (no hash flooding).
 * lhash  listeners by port; few, so a small fixed array of RCU lists.
 * bhash  bound ports: a ktcp_bind_bucket per port lists its owners, for
 *        bind() conflicts and ephemeral port choice.
 *
 * Locking: ehash writers use the rhashtable's own bucket locks; lhash and
 * bhash writers take ktcp_net.bind_lock with BHs off (children inherit their
 * listener's port in softirq). Readers of ehash and lhash hold rcu_read_lock
 * and take a reference with refcount_inc_not_zero(); sockets are freed after
 * a grace period (SOCK_RCU_FREE), requests with kfree_rcu().
 *
 * Port space shared with native TCP: ktcp refuses to bind a port that native
 * TCP has bound in the same namespace, and the receive hook takes only what
 * is unambiguously ktcp's (Documentation/design.rst, "Coexistence").
 */

#include <linux/random.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>

#include "ktcp.h"

struct ktcp_bind_bucket {
	struct hlist_node node;		/* in bhash */
	struct hlist_head owners;	/* ktcp_sock.bind_node */
	u16 port;
};

static const struct rhashtable_params ktcp_ehash_params = {
	.head_offset = offsetof(struct ktcp_hnode, node),
	.key_offset = offsetof(struct ktcp_hnode, key),
	.key_len = sizeof(struct ktcp_tuple),
	.automatic_shrinking = true,
};

int ktcp_hash_net_init(struct ktcp_net *kn)
{
	int err;

	spin_lock_init(&kn->bind_lock);
	kn->lhash = kcalloc(KTCP_LHASH_SIZE, sizeof(*kn->lhash), GFP_KERNEL);
	kn->bhash = kcalloc(KTCP_BHASH_SIZE, sizeof(*kn->bhash), GFP_KERNEL);
	if (!kn->lhash || !kn->bhash) {
		err = -ENOMEM;
		goto err_free;
	}
	err = rhashtable_init(&kn->ehash, &ktcp_ehash_params);
	if (err)
		goto err_free;
	return 0;
err_free:
	kfree(kn->lhash);
	kfree(kn->bhash);
	return err;
}

/* Sockets hold their namespace, so every table is empty by now. */
void ktcp_hash_net_exit(struct ktcp_net *kn)
{
	int i;

	for (i = 0; i < KTCP_BHASH_SIZE; i++)
		WARN_ON_ONCE(!hlist_empty(&kn->bhash[i]));
	rhashtable_destroy(&kn->ehash);
	kfree(kn->lhash);
	kfree(kn->bhash);
}

/* Add @h; -EEXIST if its 4-tuple is taken. */
int ktcp_hash_insert(struct ktcp_net *kn, struct ktcp_hnode *h)
{
	return rhashtable_lookup_insert_fast(&kn->ehash, &h->node,
					     ktcp_ehash_params);
}

void ktcp_hash_remove(struct ktcp_net *kn, struct ktcp_hnode *h)
{
	rhashtable_remove_fast(&kn->ehash, &h->node, ktcp_ehash_params);
}

/* Put @new (same 4-tuple) where @old was, atomically for readers. */
int ktcp_hash_replace(struct ktcp_net *kn, struct ktcp_hnode *old,
		      struct ktcp_hnode *new)
{
	return rhashtable_replace_fast(&kn->ehash, &old->node, &new->node,
				       ktcp_ehash_params);
}

/* Caller holds rcu_read_lock(); no reference is taken. */
struct ktcp_hnode *ktcp_hash_lookup(struct ktcp_net *kn, __be32 laddr,
				    __be16 lport, __be32 raddr, __be16 rport)
{
	struct ktcp_tuple key = {
		.laddr = laddr, .raddr = raddr, .lport = lport, .rport = rport,
	};

	return rhashtable_lookup(&kn->ehash, &key, ktcp_ehash_params);
}

static struct hlist_head *ktcp_lhash_head(struct ktcp_net *kn, u16 port)
{
	return &kn->lhash[port & (KTCP_LHASH_SIZE - 1)];
}

/*
 * The listener for @laddr:@lport: one bound to @laddr beats one bound to
 * INADDR_ANY. Caller holds rcu_read_lock(); no reference is taken.
 */
struct sock *ktcp_hash_lookup_listener(struct ktcp_net *kn, __be32 laddr,
				       __be16 lport)
{
	u16 port = ntohs(lport);
	struct sock *any = NULL;
	struct ktcp_sock *ks;

	hlist_for_each_entry_rcu(ks, ktcp_lhash_head(kn, port), listen_node) {
		struct inet_sock *inet = &ks->inet;

		if (inet->inet_num != port)
			continue;
		if (inet->inet_rcv_saddr == laddr)
			return &inet->sk;
		if (!inet->inet_rcv_saddr)
			any = &inet->sk;
	}
	return any;
}

void ktcp_hash_listen(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	spin_lock_bh(&kn->bind_lock);
	hlist_add_head_rcu(&ks->listen_node,
			   ktcp_lhash_head(kn, inet_sk(sk)->inet_num));
	spin_unlock_bh(&kn->bind_lock);
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
 * existing one is not listening.
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

/* Take @sk out of every table; drops the established table's reference. */
void ktcp_hash_sock_unhash(struct sock *sk)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!rhashtable_remove_fast(&kn->ehash, &ks->hnode.node,
				    ktcp_ehash_params))
		__sock_put(sk);
	ktcp_hash_unlisten(kn, sk);
	ktcp_hash_unbind(kn, sk);
}
