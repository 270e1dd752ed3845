// SPDX-License-Identifier: GPL-2.0
/*
 * The bind table, and the one port space ktcp shares with native TCP.
 *
 * bhash  a ktcp_bind_bucket per port lists its ktcp owners, for bind() and
 *        listen() conflicts between ktcp sockets and for connect()'s port
 *        choice. A bucket whose owners all had their port chosen by
 *        connect() is shared by connections whose 4-tuples differ, as
 *        Linux's are (a bucket with fastreuse == -1 in __inet_hash_connect).
 *        TIME_WAIT entries (timewait.c) keep their bucket through holds,
 *        one per bucket and claim, as Linux's timewait socks stay owners.
 *
 * Native TCP knows nothing of that table, so every address and port ktcp
 * owns is held in native TCP's table as well, by a claim: a kernel AF_INET
 * TCP socket bound to the same address and port with its owner's
 * SO_REUSEADDR, SO_REUSEPORT, uid, device and IP_FREEBIND/IP_TRANSPARENT,
 * and listening while a ktcp listener owns it. Native TCP's own rules
 * (inet_csk_get_port(), __inet_hash_connect()) then refuse a native bind(),
 * listen() or ephemeral port that collides with ktcp, and ktcp takes
 * native TCP's verdict on its own bind() and listen() from the claim's: one
 * set of rules, Linux's, for both stacks, SO_REUSEADDR over a TIME_WAIT
 * included. A claim belongs to the socket that bound (bind(), listen()'s
 * autobind), or to an address and port that connect() chose, shared by the
 * connections using it; accepted children hold their listener's, as
 * inet_inherit_port() has them hold its bucket.
 *
 * Claims are made in process context (binding sleeps). The last reference
 * may go in softirq (a connection reaching CLOSE); such claims are released
 * from a work item, and a namespace's exit waits for them.
 *
 * Locking: ktcp_net.bind_lock, BHs off, guards bhash, the owner and hold
 * lists, the holds' counts, and ktcp_sock.bb and .claim (which change only
 * while the socket is owned); claims are reference-counted.
 */

#include <linux/once.h>
#include <linux/random.h>
#include <linux/workqueue.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/secure_seq.h>

#include "ktcp.h"

#define KTCP_PORT_PERTURB	256	/* INET_TABLE_PERTURB_SIZE, smaller */

struct ktcp_bind_bucket {
	struct hlist_node node;		/* in bhash */
	struct hlist_head owners;	/* ktcp_sock.bind_node */
	struct hlist_head holds;	/* ktcp_port_hold.node */
	u16 port;
	bool by_connect;		/* every owner's port came from connect() */
};

/* A native TCP socket holding an address and port for ktcp. */
struct ktcp_port_claim {
	struct socket *sock;
	refcount_t ref;
	struct work_struct free_work;
};

/*
 * What TIME_WAIT entries (timewait.c) of one bucket and one claim hold,
 * as Linux's timewait socks stay in their bind bucket (tb->owners): the
 * bucket, so that connect() still shares the port with connections to
 * other destinations, and one reference on the claim for all of them.
 */
struct ktcp_port_hold {
	struct hlist_node node;		/* in ktcp_bind_bucket.holds */
	struct ktcp_bind_bucket *bb;
	struct ktcp_port_claim *claim;
	unsigned int count;		/* entries; all under bind_lock */
};

static struct workqueue_struct *ktcp_port_wq;
static u32 ktcp_port_perturb[KTCP_PORT_PERTURB];

int ktcp_port_init(void)
{
	ktcp_port_wq = alloc_workqueue("ktcp_port", 0, 0);
	return ktcp_port_wq ? 0 : -ENOMEM;
}

void ktcp_port_exit(void)
{
	destroy_workqueue(ktcp_port_wq);
}

int ktcp_port_net_init(struct ktcp_net *kn)
{
	kn->bhash = kvcalloc(KTCP_BHASH_SIZE, sizeof(*kn->bhash), GFP_KERNEL);
	return kn->bhash ? 0 : -ENOMEM;
}

/* Sockets hold their namespace; only claim releases may still be queued. */
void ktcp_port_net_exit(struct ktcp_net *kn)
{
	u32 i;

	flush_workqueue(ktcp_port_wq);
	if (kn->bhash)
		for (i = 0; i < KTCP_BHASH_SIZE; i++)
			WARN_ON_ONCE(!hlist_empty(&kn->bhash[i]));
	kvfree(kn->bhash);
}

static void ktcp_port_claim_free(struct work_struct *work)
{
	struct ktcp_port_claim *c = container_of(work, struct ktcp_port_claim,
						 free_work);

	sock_release(c->sock);
	kfree(c);
}

/*
 * Where it may sleep, the port is free when this returns, as after a native
 * socket's close(); in softirq (a connection reset) or under RCU it is
 * soon after.
 */
static void ktcp_port_claim_put(struct ktcp_port_claim *c)
{
	if (!c || !refcount_dec_and_test(&c->ref))
		return;
	if (preemptible() && !rcu_preempt_depth())
		ktcp_port_claim_free(&c->free_work);
	else
		queue_work(ktcp_port_wq, &c->free_work);
}

/*
 * Bind a native socket to @sa (port 0: native TCP picks, as bind() to port
 * 0 does), of @sa's family, with what of @sk decides conflicts in
 * inet_csk_get_port(): an AF_INET6 one with @sk's IPV6_V6ONLY, so that
 * native TCP's rules between IPv4, IPv6 and dual-stack owners
 * (inet_rcv_saddr_equal()) hold across both stacks.
 */
static struct ktcp_port_claim *ktcp_port_claim_new(struct sock *sk,
						   struct sockaddr *sa,
						   int len)
{
	struct ktcp_port_claim *c;
	struct sock *csk;
	int err;

	might_sleep();
	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	err = sock_create_kern(sock_net(sk), sa->sa_family, SOCK_STREAM,
			       IPPROTO_TCP, &c->sock);
	if (err) {
		kfree(c);
		return ERR_PTR(err);
	}
	refcount_set(&c->ref, 1);
	INIT_WORK(&c->free_work, ktcp_port_claim_free);
	csk = c->sock->sk;
	csk->sk_reuse = sk->sk_reuse;
	csk->sk_reuseport = sk->sk_reuseport;
	csk->sk_bound_dev_if = sk->sk_bound_dev_if;
	/* inet_csk_bind_conflict() compares SO_REUSEPORT owners by inode. */
	SOCK_INODE(c->sock)->i_uid = sk->sk_uid;
	csk->sk_uid = sk->sk_uid;
	inet_assign_bit(FREEBIND, csk, inet_test_bit(FREEBIND, sk));
	inet_assign_bit(TRANSPARENT, csk, inet_test_bit(TRANSPARENT, sk));
	if (sa->sa_family == AF_INET6)
		csk->sk_ipv6only = sk->sk_ipv6only;
	err = kernel_bind(c->sock, sa, len);
	if (err) {
		sock_release(c->sock);
		kfree(c);
		return ERR_PTR(err);
	}
	return c;
}

/* A claim of @addr:@port, IPv4 (connect()'s choice of port). */
static struct ktcp_port_claim *ktcp_port_claim_v4(struct sock *sk,
						  __be32 addr, u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = addr,
		.sin_port = htons(port),
	};

	return ktcp_port_claim_new(sk, (struct sockaddr *)&sin, sizeof(sin));
}

/*
 * A claim of the source connect() chose for @sk and @port: IPv4, or IPv6
 * for a connection on the IPv6 wire.
 */
static struct ktcp_port_claim *ktcp_port_claim_src(struct sock *sk, u16 port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};

	if (!ktcp_sk_wire6(sk))
		return ktcp_port_claim_v4(sk, inet_sk(sk)->inet_saddr, port);
	sin6.sin6_addr = ktcp_np(sk)->saddr;
	if (__ipv6_addr_needs_scope_id(ipv6_addr_type(&sin6.sin6_addr)))
		sin6.sin6_scope_id = sk->sk_bound_dev_if;
	return ktcp_port_claim_new(sk, (struct sockaddr *)&sin6, sizeof(sin6));
}

/* Do connect()'s @sk and owner @o send from the same source address? */
static bool ktcp_port_same_src(const struct ktcp_sock *o, const struct sock *sk)
{
	const struct sock *sk2 = &o->inet.sk;

	if (ktcp_sk_wire6(sk) != ktcp_sk_wire6(sk2))
		return false;
	if (ktcp_sk_wire6(sk))
		return ipv6_addr_equal(&sk2->sk_v6_rcv_saddr,
				       &ktcp_np(sk)->saddr);
	return o->inet.inet_rcv_saddr == inet_sk(sk)->inet_saddr;
}

/*
 * A claim of the address @sk is bound to and @port: IPv4 for an AF_KTCP
 * socket, IPv6 for an AF_KTCP6 one (its v4-mapped or :: address included,
 * which native TCP treats as a dual-stack socket's).
 */
static struct ktcp_port_claim *ktcp_port_claim_bind(struct sock *sk, u16 port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = sk->sk_v6_rcv_saddr,
		.sin6_port = htons(port),
	};

	if (!ktcp_sk_v6(sk))
		return ktcp_port_claim_v4(sk, sk->sk_rcv_saddr, port);
	if (__ipv6_addr_needs_scope_id(ipv6_addr_type(&sin6.sin6_addr)))
		sin6.sin6_scope_id = sk->sk_bound_dev_if;
	return ktcp_port_claim_new(sk, (struct sockaddr *)&sin6, sizeof(sin6));
}

static u16 ktcp_port_claim_num(const struct ktcp_port_claim *c)
{
	return inet_sk(c->sock->sk)->inet_num;
}

static struct hlist_head *ktcp_port_head(struct ktcp_net *kn, u16 port)
{
	return &kn->bhash[port & (KTCP_BHASH_SIZE - 1)];
}

static struct ktcp_bind_bucket *ktcp_port_find(struct ktcp_net *kn, u16 port)
{
	struct ktcp_bind_bucket *bb;

	lockdep_assert_held(&kn->bind_lock);
	hlist_for_each_entry(bb, ktcp_port_head(kn, port), node)
		if (bb->port == port)
			return bb;
	return NULL;
}

/* Free @bb once neither a socket nor a TIME_WAIT entry holds it. */
static void ktcp_port_bucket_put(struct ktcp_bind_bucket *bb)
{
	if (hlist_empty(&bb->owners) && hlist_empty(&bb->holds)) {
		hlist_del(&bb->node);
		kfree(bb);
	}
}

/* The hold of @ks's bucket for @ks's claim, if there is one yet. */
static struct ktcp_port_hold *ktcp_port_hold_find(const struct ktcp_sock *ks)
{
	struct ktcp_port_hold *h;

	hlist_for_each_entry(h, &ks->bb->holds, node)
		if (h->claim == ks->claim)
			return h;
	return NULL;
}

/*
 * @sk, owned, entering TIME_WAIT as an entry (ktcp_tw_compact()), hands
 * its place in its bucket and its claim to the bucket's hold for that
 * claim: NULL if it has no claim or no memory. @sk keeps its own until it
 * goes. Its bb and claim cannot change meanwhile: it is owned.
 */
struct ktcp_port_hold *ktcp_port_hold_get(struct ktcp_net *kn,
					  const struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_port_hold *h, *new = NULL;

	if (!ks->bb || !ks->claim)
		return NULL;
	spin_lock_bh(&kn->bind_lock);
	h = ktcp_port_hold_find(ks);
	if (!h) {	/* allocated unlocked; another entry may add it meanwhile */
		spin_unlock_bh(&kn->bind_lock);
		new = kmalloc(sizeof(*new), GFP_ATOMIC);
		spin_lock_bh(&kn->bind_lock);
		h = ktcp_port_hold_find(ks);
	}
	if (!h && new) {
		h = new;
		new = NULL;
		*h = (struct ktcp_port_hold){ .bb = ks->bb, .claim = ks->claim };
		refcount_inc(&h->claim->ref);
		hlist_add_head(&h->node, &h->bb->holds);
	}
	if (h)
		h->count++;
	spin_unlock_bh(&kn->bind_lock);
	kfree(new);
	return h;
}

/* A TIME_WAIT entry ends: the last one of @h lets its claim go. */
void ktcp_port_hold_put(struct ktcp_net *kn, struct ktcp_port_hold *h)
{
	struct ktcp_port_claim *c = NULL;

	spin_lock_bh(&kn->bind_lock);
	if (!--h->count) {
		hlist_del(&h->node);
		ktcp_port_bucket_put(h->bb);
		c = h->claim;
	}
	spin_unlock_bh(&kn->bind_lock);
	if (c) {
		ktcp_port_claim_put(c);
		kfree(h);
	}
}

/* Does @c hold the source address connect()'s @sk sends from? */
static bool ktcp_port_claim_same_src(const struct ktcp_port_claim *c,
				     const struct sock *sk)
{
	const struct sock *csk = c->sock->sk;
	bool v6 = csk->sk_family == AF_INET6;

	if (ktcp_sk_wire6(sk) != v6)
		return false;
	if (ktcp_sk_wire6(sk))
		return ipv6_addr_equal(&csk->sk_v6_rcv_saddr,
				       &ktcp_np(sk)->saddr);
	return csk->sk_rcv_saddr == inet_sk(sk)->inet_saddr;
}

/* Does native TCP hold @port in @net? Its bind table says (read only). */
static bool ktcp_port_native_used(struct net *net, u16 port)
{
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct inet_bind_hashbucket *head;
	struct inet_bind_bucket *tb;
	bool used = false;

	head = &hinfo->bhash[inet_bhashfn(net, port, hinfo->bhash_size)];
	spin_lock_bh(&head->lock);
	inet_bind_bucket_for_each(tb, &head->chain) {
		if (net_eq(ib_net(tb), net) && tb->port == port) {
			used = true;
			break;
		}
	}
	spin_unlock_bh(&head->lock);
	return used;
}

/*
 * The reuseport exception of Linux's inet_bind_conflict(): both sockets set
 * SO_REUSEPORT and have the same owner (or the other is in TIME_WAIT).
 */
static bool ktcp_port_reuseport_ok(const struct sock *sk,
				   const struct sock *sk2)
{
	return sk->sk_reuseport && sk2->sk_reuseport &&
	       (sk2->sk_state == TCP_TIME_WAIT ||
		uid_eq(sk->sk_uid, sk2->sk_uid));
}

/* Sockets bound to two different devices never conflict. */
static bool ktcp_port_dev_overlap(const struct sock *sk,
				  const struct sock *sk2)
{
	int dev = READ_ONCE(sk->sk_bound_dev_if);
	int dev2 = READ_ONCE(sk2->sk_bound_dev_if);

	return !dev || !dev2 || dev == dev2;
}

/*
 * Do the addresses of @sk and @sk2 overlap? inet_rcv_saddr_equal() with
 * wildcards matching, for ktcp's two families. An AF_KTCP @sk compares
 * IPv4 views (ipv4_rcv_saddr_equal(): a dual-stack socket's is its
 * v4-mapped address or 0 for ::, a v6-only one never overlaps); an
 * AF_KTCP6 one follows ipv6_rcv_saddr_equal(), an AF_KTCP @sk2 counting as
 * v4-mapped.
 */
static bool ktcp_port_addr_overlap(const struct sock *sk,
				   const struct sock *sk2)
{
	bool v4 = !ipv6_only_sock(sk2) &&
		  (sk->sk_rcv_saddr == sk2->sk_rcv_saddr ||
		   !sk->sk_rcv_saddr || !sk2->sk_rcv_saddr);
	int t1, t2;

	if (!ktcp_sk_v6(sk))
		return v4;
	t1 = ipv6_addr_type(&sk->sk_v6_rcv_saddr);
	t2 = ktcp_sk_v6(sk2) ? ipv6_addr_type(&sk2->sk_v6_rcv_saddr) :
			       IPV6_ADDR_MAPPED;
	if (t1 == IPV6_ADDR_MAPPED && t2 == IPV6_ADDR_MAPPED)
		return v4;
	if (t1 == IPV6_ADDR_ANY && t2 == IPV6_ADDR_ANY)
		return true;
	if (t2 == IPV6_ADDR_ANY &&
	    !(ipv6_only_sock(sk2) && t1 == IPV6_ADDR_MAPPED))
		return true;
	if (t1 == IPV6_ADDR_ANY &&
	    !(ipv6_only_sock(sk) && t2 == IPV6_ADDR_MAPPED))
		return true;
	return ktcp_sk_v6(sk2) &&
	       ipv6_addr_equal(&sk->sk_v6_rcv_saddr, &sk2->sk_v6_rcv_saddr);
}

/*
 * Linux's bind conflict rule (inet_bind_conflict): two owners of a port
 * conflict when their addresses and devices overlap, unless both set
 * SO_REUSEADDR and the existing one is not listening, or both set
 * SO_REUSEPORT with one owner uid. Linux's bind-bucket fastreuseport flag
 * only caches this answer.
 */
static bool ktcp_port_conflict(const struct ktcp_bind_bucket *bb,
			       const struct sock *sk)
{
	struct ktcp_sock *o;

	hlist_for_each_entry(o, &bb->owners, bind_node) {
		const struct sock *sk2 = &o->inet.sk;

		if (!ktcp_port_addr_overlap(sk, sk2) ||
		    !ktcp_port_dev_overlap(sk, sk2))
			continue;
		if (sk->sk_reuse && sk2->sk_reuse &&
		    sk2->sk_state != TCP_LISTEN)
			continue;
		if (ktcp_port_reuseport_ok(sk, sk2))
			continue;
		return true;
	}
	return false;
}

/* Make @sk an owner of @port (a new bucket if @bb is NULL). */
static int ktcp_port_add(struct ktcp_net *kn, struct sock *sk,
			 struct ktcp_bind_bucket *bb, u16 port,
			 bool by_connect)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	lockdep_assert_held(&kn->bind_lock);
	if (!bb) {
		bb = kmalloc(sizeof(*bb), GFP_ATOMIC);
		if (!bb)
			return -ENOMEM;
		bb->port = port;
		bb->by_connect = by_connect;
		INIT_HLIST_HEAD(&bb->owners);
		INIT_HLIST_HEAD(&bb->holds);
		hlist_add_head(&bb->node, ktcp_port_head(kn, port));
	}
	bb->by_connect &= by_connect;
	hlist_add_head(&ks->bind_node, &bb->owners);
	ks->bb = bb;
	inet_sk(sk)->inet_num = port;
	inet_sk(sk)->inet_sport = htons(port);
	return 0;
}

/*
 * bind() of the address @sk has set to @port, or to a port native TCP
 * picks when @port is 0 (inet_csk_find_open_port()'s choice sees ktcp's
 * ports through their claims). Native TCP's verdict first, then ktcp's
 * owners'. The caller resets the address if this fails.
 */
int ktcp_port_bind(struct ktcp_net *kn, struct sock *sk, u16 port)
{
	struct ktcp_port_claim *c;
	struct ktcp_bind_bucket *bb;
	int err = -EADDRINUSE;

	c = ktcp_port_claim_bind(sk, port);
	if (IS_ERR(c))
		return PTR_ERR(c);
	port = ktcp_port_claim_num(c);
	spin_lock_bh(&kn->bind_lock);
	bb = ktcp_port_find(kn, port);
	if (!bb || !ktcp_port_conflict(bb, sk))
		err = ktcp_port_add(kn, sk, bb, port, false);
	if (!err)
		ktcp_sk(sk)->claim = c;
	spin_unlock_bh(&kn->bind_lock);
	if (err)
		ktcp_port_claim_put(c);
	return err;
}

/*
 * Is connect()'s 4-tuple for @sk and @port taken, by a connection or by a
 * TIME_WAIT that tw_reuse will not let go (ktcp_tw_reclaim() and
 * ktcp_sock_tw_reuse() end one that will)? __inet_check_established(),
 * with @sk's device as dif.
 */
static bool ktcp_port_tuple_taken(struct ktcp_net *kn, struct sock *sk,
				  u16 port)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct ktcp_hnode *h;
	struct ktcp_tuple t;
	bool taken;

	if (ktcp_sk_wire6(sk))
		t = (struct ktcp_tuple){
			.laddr = ktcp_np(sk)->saddr, .raddr = sk->sk_v6_daddr,
			.lport = htons(port), .rport = inet->inet_dport,
		};
	else
		ktcp_tuple_set_v4(&t, inet->inet_saddr, htons(port),
				  inet->inet_daddr, inet->inet_dport);
	rcu_read_lock();
	h = ktcp_hash_lookup(kn, &t, READ_ONCE(sk->sk_bound_dev_if), 0);
	if (!h)
		taken = false;
	else if (h->kind == KTCP_HNODE_TW)
		taken = !ktcp_tw_may_reuse(sk, ktcp_tw_of(h), false);
	else
		taken = !(h->kind == KTCP_HNODE_SOCK &&
			  ktcp_tw_reusable(sk, &container_of(h, struct ktcp_sock,
							     hnode)->inet.sk,
					   false));
	rcu_read_unlock();
	return taken;
}

/*
 * May connect()'s @sk use @port, whose bucket is @bb (NULL: none)? Then
 * *@claim is the claim to share, referenced, or NULL to make its own: a
 * bucket whose owners' ports all came from connect() is shared, by
 * connections whose 4-tuples differ, through the claim of an owner or of
 * TIME_WAIT entries sending from the same address.
 */
static bool ktcp_port_shareable(struct ktcp_net *kn, struct sock *sk,
				struct ktcp_bind_bucket *bb, u16 port,
				struct ktcp_port_claim **claim)
{
	struct ktcp_port_hold *hold;
	struct ktcp_sock *o;

	lockdep_assert_held(&kn->bind_lock);
	*claim = NULL;
	if (!bb)
		return true;
	if (!bb->by_connect || ktcp_port_tuple_taken(kn, sk, port))
		return false;
	hlist_for_each_entry(o, &bb->owners, bind_node)
		if (ktcp_port_same_src(o, sk) && o->claim) {
			*claim = o->claim;
			break;
		}
	if (!*claim)
		hlist_for_each_entry(hold, &bb->holds, node)
			if (ktcp_port_claim_same_src(hold->claim, sk)) {
				*claim = hold->claim;
				break;
			}
	if (*claim)
		refcount_inc(&(*claim)->ref);
	return true;
}

/*
 * Try @port for connect()'s @sk: 1 if @sk now owns it, 0 to try the next
 * port, -errno to give up. Takes a claim of its own when no connection
 * from this address shares the port yet.
 */
static int ktcp_port_connect_try(struct ktcp_net *kn, struct sock *sk,
				 u16 port)
{
	struct ktcp_port_claim *c = NULL;
	struct ktcp_bind_bucket *bb;
	int err = 0;

	for (;;) {
		struct ktcp_port_claim *share;

		spin_lock_bh(&kn->bind_lock);
		bb = ktcp_port_find(kn, port);
		if (!ktcp_port_shareable(kn, sk, bb, port, &share))
			break;
		if (share) {
			ktcp_port_claim_put(c);
			c = share;
		}
		if (c) {
			err = ktcp_port_add(kn, sk, bb, port, true);
			if (!err) {
				ktcp_sk(sk)->claim = c;
				c = NULL;
			}
			err = err ?: 1;
			break;
		}
		spin_unlock_bh(&kn->bind_lock);
		if (!bb && ktcp_port_native_used(sock_net(sk), port))
			return 0;
		c = ktcp_port_claim_src(sk, port);
		if (IS_ERR(c))
			return PTR_ERR(c) == -EADDRINUSE ? 0 : PTR_ERR(c);
	}
	spin_unlock_bh(&kn->bind_lock);
	ktcp_port_claim_put(c);
	return err;
}

/*
 * connect() on an unbound port: __inet_hash_connect()'s search. The start
 * is keyed by the 3-tuple (RFC 6056 3.3.4, algorithm 4: a keyed hash plus a
 * perturbation table), ports of the range's low parity first (bind() to
 * port 0 takes the other parity), and a port that connections to other
 * destinations use is shared when the 4-tuple is new. inet_saddr,
 * inet_daddr and inet_dport must be set.
 */
int ktcp_port_connect(struct ktcp_net *kn, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	u32 remaining, offset, index;
	int low, high, i, step, err;
	bool local_ports;
	u64 key;

	local_ports = inet_sk_get_local_port_range(sk, &low, &high);
	step = local_ports ? 1 : 2;
	remaining = high - low + 1;
	if (!local_ports && remaining > 1)
		remaining &= ~1U;
	get_random_sleepable_once(ktcp_port_perturb, sizeof(ktcp_port_perturb));
	if (ktcp_sk_wire6(sk))
		key = secure_ipv6_port_ephemeral(ktcp_np(sk)->saddr.s6_addr32,
						 sk->sk_v6_daddr.s6_addr32,
						 inet->inet_dport);
	else
		key = secure_ipv4_port_ephemeral(inet->inet_saddr,
						 inet->inet_daddr,
						 inet->inet_dport);
	index = key & (KTCP_PORT_PERTURB - 1);
	offset = (READ_ONCE(ktcp_port_perturb[index]) + (key >> 32)) %
		 remaining;
	if (!local_ports)
		offset &= ~1U;
again:
	for (i = 0; i < remaining; i += step) {
		u16 port = low + (offset + i) % remaining;

		if (inet_is_local_reserved_port(net, port))
			continue;
		err = ktcp_port_connect_try(kn, sk, port);
		if (err < 0)
			return err;
		if (err) {
			/* Linux's perturbation: the next search starts later. */
			WRITE_ONCE(ktcp_port_perturb[index],
				   READ_ONCE(ktcp_port_perturb[index]) + i +
				   step);
			return 0;
		}
		cond_resched();
	}
	if (step == 2 && !(offset & 1)) {
		offset++;
		goto again;
	}
	return -EADDRNOTAVAIL;
}

/*
 * listen(): native TCP first (the claim listens, so inet_csk_get_port()'s
 * listen-time check sees other native listeners), then ktcp's owners: one
 * listener per address and device unless all have SO_REUSEPORT and one
 * owner.
 */
static bool ktcp_port_listen_conflict(const struct ktcp_bind_bucket *bb,
				      const struct sock *sk)
{
	struct ktcp_sock *o;

	hlist_for_each_entry(o, &bb->owners, bind_node) {
		if (&o->inet.sk == sk || o->inet.sk.sk_state != TCP_LISTEN ||
		    !ktcp_port_dev_overlap(sk, &o->inet.sk) ||
		    ktcp_port_reuseport_ok(sk, &o->inet.sk))
			continue;
		if (ktcp_port_addr_overlap(sk, &o->inet.sk))
			return true;
	}
	return false;
}

/* Stop the claim listening; it keeps the port (SOCK_BINDPORT_LOCK). */
static void ktcp_port_claim_unlisten(struct ktcp_port_claim *c)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	kernel_connect(c->sock, &unspec, sizeof(unspec), 0);
}

int ktcp_port_listen(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int err;

	if (ks->claim) {
		err = kernel_listen(ks->claim->sock, 0);
		if (err)
			return err;
	}
	ktcp_hash_listen_prepare(sk);
	spin_lock_bh(&kn->bind_lock);
	err = ks->bb && ktcp_port_listen_conflict(ks->bb, sk) ? -EADDRINUSE : 0;
	if (!err)
		err = ktcp_hash_listen_add(kn, sk);
	spin_unlock_bh(&kn->bind_lock);
	if (err && ks->claim)
		ktcp_port_claim_unlisten(ks->claim);
	return err;
}

/*
 * close() of a listener: native TCP may bind the port again under its
 * SO_REUSEADDR rule while accepted children still hold it, as after a
 * native listener's close.
 */
void ktcp_port_unlisten(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (ks->claim)
		ktcp_port_claim_unlisten(ks->claim);
}

/* An accepted child owns its listener's port too (inet_inherit_port). */
void ktcp_port_inherit(struct ktcp_net *kn, struct sock *child,
		       const struct sock *listener)
{
	struct ktcp_sock *kc = ktcp_sk(child);
	const struct ktcp_sock *kl = ktcp_sk(listener);

	spin_lock_bh(&kn->bind_lock);
	kc->bb = kl->bb;
	if (kc->bb)
		hlist_add_head(&kc->bind_node, &kc->bb->owners);
	kc->claim = kl->claim;
	if (kc->claim)
		refcount_inc(&kc->claim->ref);
	spin_unlock_bh(&kn->bind_lock);
}

/* @sk gives up its port; any context. */
void ktcp_port_unbind(struct ktcp_net *kn, struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_port_claim *c;
	struct ktcp_bind_bucket *bb;

	spin_lock_bh(&kn->bind_lock);
	bb = ks->bb;
	c = ks->claim;
	ks->claim = NULL;
	if (bb) {
		hlist_del_init(&ks->bind_node);
		ks->bb = NULL;
		ktcp_port_bucket_put(bb);
	}
	spin_unlock_bh(&kn->bind_lock);
	ktcp_port_claim_put(c);
	inet_sk(sk)->inet_num = 0;
}
