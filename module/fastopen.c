// SPDX-License-Identifier: GPL-2.0
/*
 * TCP Fast Open (RFC 7413), as Linux's tcp_fastopen.c. The server's side:
 * the cookie a client asks for and shows again, the decision to let a
 * SYN's data in before the handshake ends (tcp_try_fastopen()), and the
 * count of a listener's children still in SYN_RECV (its Fast Open queue).
 * listen.c makes the child; output.c sends its SYN-ACK and resends it on
 * its retransmission timer; the completing ACK ends SYN_RECV in input.c.
 * The client's side: the cookies kept per pair of addresses, and whether
 * a SYN may carry data. connect.c sends that SYN (output.c builds it) and
 * input.c reads its SYN-ACK.
 *
 * Context: softirq, or process with BHs off; the listener's lock held for
 * the listener's calls, the child's for the child's.
 */

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/unaligned.h>

#include "ktcp.h"

#define KTCP_FO_COOKIE_SIZE	8	/* TCP_FASTOPEN_COOKIE_SIZE */

/* The namespace's cookie key (tcp_fastopen_init_key_once()). */
void ktcp_fastopen_net_init(struct ktcp_net *kn)
{
	get_random_bytes(&kn->fo_key, sizeof(kn->fo_key));
}

/*
 * __tcp_fastopen_cookie_gen_cipher(): SipHash of the SYN's source and
 * destination addresses, which follow each other in both IP headers.
 */
static void ktcp_fastopen_cookie_gen(const struct ktcp_net *kn,
				     const struct sk_buff *syn,
				     struct ktcp_opts *foc)
{
	u64 v;

	if (ip_hdr(syn)->version == 4)
		v = siphash(&ip_hdr(syn)->saddr, 2 * sizeof(__be32),
			    &kn->fo_key);
	else
		v = siphash(&ipv6_hdr(syn)->saddr, 2 * sizeof(struct in6_addr),
			    &kn->fo_key);
	put_unaligned_le64(v, foc->fo_cookie);
	foc->fo_len = KTCP_FO_COOKIE_SIZE;
	foc->present |= KTCP_OPTF_FASTOPEN;
}

/*
 * tcp_fastopen_queue_check(): may @listener take one more Fast Open
 * child? Not without TCP_FASTOPEN (or net.ktcp.fastopen's 0x400), nor
 * with fo_max_qlen children still in SYN_RECV (TCPFastOpenListenOverflow).
 */
static bool ktcp_fastopen_queue_ok(struct sock *listener)
{
	struct ktcp_sock *kl = ktcp_sk(listener);
	u32 max = READ_ONCE(kl->fo_max_qlen);

	if (!max)
		return false;
	if ((u32)atomic_read(&kl->fo_qlen) < max)
		return true;
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_TCPFASTOPENLISTENOVERFLOW);
	return false;
}

/*
 * tcp_try_fastopen()'s decision for a SYN to @listener with options @o:
 * true to make the child at once (a valid cookie, or none needed). @reply
 * gets the valid cookie, in the form the SYN used, when the SYN asked for
 * one or showed one: the SYN-ACK carries it unless a child was made.
 */
bool ktcp_fastopen_check(struct sock *listener, const struct sk_buff *syn,
			 const struct ktcp_opts *o, struct ktcp_opts *reply)
{
	struct net *net = sock_net(listener);
	struct ktcp_net *kn = ktcp_pernet(net);
	bool asked = o->present & KTCP_OPTF_FASTOPEN;
	int mode = READ_ONCE(kn->fastopen);

	reply->present = 0;
	if (asked && !o->fo_len)
		KTCP_INC_STATS(net, KTCP_MIB_TCPFASTOPENCOOKIEREQD);
	if (!(mode & TFO_SERVER_ENABLE) ||
	    (!asked && KTCP_SKB_CB(syn)->end_seq == KTCP_SKB_CB(syn)->seq + 1) ||
	    !ktcp_fastopen_queue_ok(listener))
		return false;
	/* tcp_fastopen_no_cookie(); the route's fastopen_no_cookie is not read */
	if ((mode & TFO_SERVER_COOKIE_NOT_REQD) || ktcp_sk(listener)->fo_no_cookie)
		return true;
	if (!asked)
		return false;
	ktcp_fastopen_cookie_gen(kn, syn, reply);
	reply->fo_exp = o->fo_exp;
	if (!o->fo_len)
		return false;
	/* compared as tcp_fastopen_cookie_gen_check() does */
	if (o->fo_len == reply->fo_len &&
	    !memcmp(o->fo_cookie, reply->fo_cookie, reply->fo_len))
		return true;
	KTCP_INC_STATS(net, KTCP_MIB_TCPFASTOPENPASSIVEFAIL);
	return false;
}

/*
 * A Fast Open @child of @listener is made: it counts in the listener's
 * queue until it leaves SYN_RECV (tcp_fastopen_create_child()).
 */
void ktcp_fastopen_child_init(struct sock *child, struct sock *listener)
{
	sock_owned_by_me(child);
	atomic_inc(&ktcp_sk(listener)->fo_qlen);
	sock_hold(listener);
	WRITE_ONCE(ktcp_sk(child)->fo_listener, listener);
	ktcp_sk(child)->fo_child = 1;
}

/*
 * @child's SYN-ACK was acknowledged, or it closed, or is freed: it no
 * longer counts in its listener's queue (reqsk_fastopen_remove(); Linux
 * keeps a child reset in SYN_RECV counted for 60 s more, ktcp does not).
 */
void ktcp_fastopen_child_done(struct sock *child)
{
	struct sock *listener = ktcp_sk(child)->fo_listener;

	if (!listener)
		return;
	WRITE_ONCE(ktcp_sk(child)->fo_listener, NULL);
	atomic_dec(&ktcp_sk(listener)->fo_qlen);
	sock_put(listener);
}

/*
 * tcp_passive_fastopen(): @sk is a Fast Open child whose SYN-ACK is not
 * yet acknowledged, in SYN_RECV (or FIN_WAIT1, closed since), which may
 * already send and receive (tcp_sendmsg_locked(), tcp_poll()).
 */
bool ktcp_fastopen_passive(const struct sock *sk)
{
	return READ_ONCE(ktcp_sk(sk)->fo_listener);
}

/*
 * fastopen_queue_tune(): TCP_FASTOPEN's queue length, or listen()'s
 * backlog with net.ktcp.fastopen's 0x400, no more than net.core.somaxconn.
 */
void ktcp_fastopen_queue_tune(struct sock *sk, int backlog)
{
	u32 somaxconn = READ_ONCE(sock_net(sk)->core.sysctl_somaxconn);

	WRITE_ONCE(ktcp_sk(sk)->fo_max_qlen, min_t(u32, backlog, somaxconn));
}

/* inet_listen(): with 0x400 and 0x2, a listener needs no TCP_FASTOPEN. */
void ktcp_fastopen_listen(struct sock *sk, int backlog)
{
	int mode = READ_ONCE(ktcp_pernet(sock_net(sk))->fastopen);

	if ((mode & TFO_SERVER_WO_SOCKOPT1) && (mode & TFO_SERVER_ENABLE) &&
	    !READ_ONCE(ktcp_sk(sk)->fo_max_qlen))
		ktcp_fastopen_queue_tune(sk, backlog);
}

/*
 * The SYN-ACK retransmissions a Fast Open child makes before it gives up
 * (tcp_fastopen_synack_timer()): TCP_SYNCNT, else one more than
 * net.ktcp.synack_retries.
 */
int ktcp_fastopen_synack_retries(const struct sock *sk)
{
	return READ_ONCE(ktcp_sk(sk)->syn_retries) ?:
	       READ_ONCE(ktcp_pernet(sock_net(sk))->synack_retries) + 1;
}

/*
 * The client's side. A cookie, with the MSS the server's SYN-ACK gave, is
 * kept per pair of addresses, as Linux keeps it in its TCP metrics
 * (tcp_fastopen_cache_get(), tcp_fastopen_cache_set()): here a small
 * table of the namespace's, made at its first cookie, one entry a slot
 * (a pair that hashes to a taken slot replaces it).
 */
#define KTCP_FO_CACHE_SLOTS	64

struct ktcp_fo_entry {
	struct in6_addr saddr;
	struct in6_addr daddr;
	u16 mss;
	u8 len;			/* 0: no cookie */
	bool exp;
	u8 try_exp;		/* 1: ask in the experimental form next */
	bool used;
	u8 cookie[KTCP_FASTOPEN_COOKIE_MAX];
};

struct ktcp_fo_cache {
	spinlock_t lock;	/* the entries */
	u32 seed;		/* random: which pairs share a slot is secret */
	struct ktcp_fo_entry e[KTCP_FO_CACHE_SLOTS];
};

void ktcp_fastopen_cache_exit(struct ktcp_net *kn)
{
	kfree(kn->fo_cache);
}

/* The slot of @sk's pair of addresses. */
static struct ktcp_fo_entry *ktcp_fastopen_slot(struct ktcp_fo_cache *c,
						const struct sock *sk)
{
	const struct ktcp_tuple *t = &ktcp_sk(sk)->hnode.key;
	u32 h = jhash2((const u32 *)&t->raddr, 4,
		       jhash2((const u32 *)&t->laddr, 4, c->seed));

	return &c->e[h % KTCP_FO_CACHE_SLOTS];
}

static bool ktcp_fastopen_match(const struct ktcp_fo_entry *e,
				const struct sock *sk)
{
	const struct ktcp_tuple *t = &ktcp_sk(sk)->hnode.key;

	return e->used && ipv6_addr_equal(&e->saddr, &t->laddr) &&
	       ipv6_addr_equal(&e->daddr, &t->raddr);
}

/* tcp_fastopen_cache_get(): the MSS and cookie kept for @sk's peer. */
static void ktcp_fastopen_cache_get(struct sock *sk, u16 *mss,
				    struct ktcp_opts *cookie)
{
	struct ktcp_fo_cache *c = READ_ONCE(ktcp_pernet(sock_net(sk))->fo_cache);
	struct ktcp_fo_entry *e;

	if (!c)
		return;
	spin_lock_bh(&c->lock);
	e = ktcp_fastopen_slot(c, sk);
	if (ktcp_fastopen_match(e, sk)) {
		if (e->mss)
			*mss = e->mss;
		if (e->len) {
			cookie->fo_len = e->len;
			cookie->fo_exp = e->exp;
			memcpy(cookie->fo_cookie, e->cookie, e->len);
		} else if (e->try_exp == 1) {
			cookie->fo_exp = true;
		}
	}
	spin_unlock_bh(&c->lock);
}

/*
 * tcp_fastopen_cache_set(): what a SYN-ACK said of Fast Open: the MSS,
 * the cookie if it had one, and whether to ask in the other form next
 * time (@try_exp). A SYN lost (@syn_lost) is not kept: Linux's count of
 * them feeds nothing in 6.12 but its metrics' netlink dump.
 */
void ktcp_fastopen_cache_set(struct sock *sk, u16 mss,
			     const struct ktcp_opts *cookie, bool syn_lost,
			     u8 try_exp)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_fo_cache *c = READ_ONCE(kn->fo_cache);
	struct ktcp_fo_entry *e;

	if (!c) {
		c = kzalloc(sizeof(*c), GFP_ATOMIC);
		if (!c)
			return;
		spin_lock_init(&c->lock);
		c->seed = get_random_u32();
		if (cmpxchg(&kn->fo_cache, NULL, c)) {
			kfree(c);
			c = READ_ONCE(kn->fo_cache);
		}
	}
	spin_lock_bh(&c->lock);
	e = ktcp_fastopen_slot(c, sk);
	if (!ktcp_fastopen_match(e, sk)) {
		memset(e, 0, sizeof(*e));
		e->saddr = ktcp_sk(sk)->hnode.key.laddr;
		e->daddr = ktcp_sk(sk)->hnode.key.raddr;
		e->used = true;
	}
	if (mss)
		e->mss = mss;
	if (cookie && (cookie->present & KTCP_OPTF_FASTOPEN) && cookie->fo_len) {
		e->len = cookie->fo_len;
		e->exp = cookie->fo_exp;
		memcpy(e->cookie, cookie->fo_cookie, cookie->fo_len);
	} else if (try_exp > e->try_exp && !e->len && !e->exp) {
		e->try_exp = try_exp;
	}
	spin_unlock_bh(&c->lock);
}

/*
 * tcp_fastopen_cookie_check(): may @sk's SYN carry data? With a cookie
 * kept for its peer (in @cookie), or none needed (net.ktcp.fastopen's
 * 0x4, TCP_FASTOPEN_NO_COOKIE: no option then). If not, @cookie is the
 * request (length 0) and tcpi_fastopen_client_fail says why. @mss: the
 * server's, if kept. Linux's blackhole detection (a firewall that drops
 * Fast Open SYNs) and a route's fastopen_no_cookie are not ktcp's.
 */
bool ktcp_fastopen_cookie_check(struct sock *sk, u16 *mss,
				struct ktcp_opts *cookie)
{
	int mode = READ_ONCE(ktcp_pernet(sock_net(sk))->fastopen);

	cookie->fo_len = 0;
	cookie->fo_exp = false;
	cookie->present |= KTCP_OPTF_FASTOPEN;
	ktcp_fastopen_cache_get(sk, mss, cookie);
	if ((mode & TFO_CLIENT_NO_COOKIE) || ktcp_sk(sk)->fo_no_cookie) {
		cookie->present &= ~KTCP_OPTF_FASTOPEN;
		return true;
	}
	if (cookie->fo_len)
		return true;
	ktcp_sk(sk)->fo_client_fail = TFO_COOKIE_UNAVAILABLE;
	return false;
}
