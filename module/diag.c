// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag for ktcp: NETLINK_SOCK_DIAG requests with sdiag_family = ktcp's
 * family number, in inet_diag's layout (struct inet_diag_req_v2 in, struct
 * inet_diag_msg and its attributes out), so that an ss-like tool reads ktcp
 * sockets as it reads TCP's (net/ipv4/inet_diag.c, tcp_diag.c).
 *
 * - sdiag_protocol is IPPROTO_TCP, or INET_DIAG_REQ_PROTOCOL says
 *   IPPROTO_TCP or IPPROTO_KTCP (which does not fit in the u8).
 * - Requests to ktcp's family list AF_KTCP sockets, with AF_INET in
 *   idiag_family: parsers written for inet_diag switch on that field.
 *   Requests to the family6 number list AF_KTCP6 ones (v4-mapped ones and
 *   the requests of AF_KTCP6 listeners included) with AF_INET6 and the
 *   four words of their addresses, as inet_diag does for AF_INET6.
 * - A dump walks listeners (lhash), then the established table (ehash:
 *   connections in any state and the requests of SYN queues, as SYN-RECV),
 *   filtered by idiag_states and by the id's ports, as
 *   inet_diag_dump_icsk() does, by its addresses when they are set, and by
 *   the bytecode (INET_DIAG_REQ_BYTECODE, diag_bc.c) as inet_diag_bc_sk().
 * - TIME_WAIT sockets, compact TIME_WAIT entries (struct ktcp_tw) and
 *   requests carry only what Linux's timewait and request minisocks carry
 *   (inet_twsk_diag_fill(), inet_req_diag_fill()).
 * - SOCK_DESTROY aborts a socket as tcp_abort() does and ends a ktcp_tw as
 *   it ends a timewait sock; requests are refused.
 *
 * Sockets are taken with a reference under RCU, a batch at a time, and
 * filled after rcu_read_unlock(): TCP_INFO takes the socket lock. A
 * ktcp_tw, which has no reference count, is copied into the batch instead.
 */

#include <linux/inet_diag.h>
#include <linux/cgroup.h>
#include <linux/sock_diag.h>
#include <net/netlink.h>

#include "ktcp.h"
#include "uapi/ktcp.h"

#define KTCP_DIAG_BATCH		16	/* inet_diag_dump_icsk()'s SKARR_SZ */

/* An entry of a table: a socket or a request, held; a ktcp_tw, copied. */
struct ktcp_diag_ent {
	struct ktcp_hnode *h;		/* held; NULL for a ktcp_tw's copy */
	unsigned long tw_expires;	/* the ktcp_tw's end, jiffies */
	struct ktcp_tuple tw_key;	/* its 4-tuple */
	unsigned int idx;		/* its position in its bucket */
};

static struct sock *ktcp_diag_sk(const struct ktcp_hnode *h)
{
	return &container_of(h, struct ktcp_sock, hnode)->inet.sk;
}

static struct ktcp_request *ktcp_diag_req(const struct ktcp_hnode *h)
{
	return container_of(h, struct ktcp_request, hnode);
}

/* The socket whose family an entry has: its own, its listener's, its tw's. */
static bool ktcp_diag_v6(const struct ktcp_hnode *h)
{
	if (h->kind == KTCP_HNODE_TW)
		return ktcp_tw_v6(ktcp_tw_of(h));
	if (h->kind == KTCP_HNODE_REQ)
		return ktcp_sk_v6(ktcp_diag_req(h)->listener);
	return ktcp_sk_v6(ktcp_diag_sk(h));
}

/* Whether a request asks for AF_KTCP6 entries (the family6 handler's). */
static bool ktcp_diag_req_v6(const struct inet_diag_req_v2 *req)
{
	return req->sdiag_family == ktcp_family6;
}

/* The id's address: one word for AF_INET, four for AF_INET6. */
static void ktcp_diag_id_addr(struct in6_addr *a, const __be32 *w, bool v6)
{
	if (v6)
		memcpy(a, w, sizeof(*a));
	else
		ipv6_addr_set_v4mapped(w[0], a);
}

/*
 * Take entry @h, found under RCU, into @ent: a socket or a request with a
 * reference, false if it is being freed; a ktcp_tw, which has no count,
 * by a copy of what ktcp_diag_fill_mini() shows of it.
 */
static bool ktcp_diag_take(struct ktcp_hnode *h, unsigned int idx,
			   struct ktcp_diag_ent *ent)
{
	ent->idx = idx;
	ent->h = NULL;
	if (h->kind == KTCP_HNODE_TW) {
		ent->tw_key = h->key;
		ent->tw_expires = ktcp_tw_expires(ktcp_tw_of(h));
		return true;
	}
	if (h->kind == KTCP_HNODE_REQ ?
	    !refcount_inc_not_zero(&ktcp_diag_req(h)->refcnt) :
	    !refcount_inc_not_zero(&ktcp_diag_sk(h)->sk_refcnt))
		return false;
	ent->h = h;
	return true;
}

/* Let go of what ktcp_diag_take() took; NULL: a ktcp_tw's copy. */
static void ktcp_diag_put(struct ktcp_hnode *h)
{
	if (!h)
		return;
	if (h->kind == KTCP_HNODE_REQ)
		ktcp_listen_req_put(ktcp_diag_req(h));
	else
		sock_put(ktcp_diag_sk(h));
}

/*
 * Check the request: its length, its protocol (INET_DIAG_REQ_PROTOCOL, else
 * sdiag_protocol); *@bc is its bytecode (INET_DIAG_REQ_BYTECODE) or NULL.
 */
static int ktcp_diag_check(const struct nlmsghdr *nlh,
			   const struct nlattr **bc)
{
	int hdrlen = sizeof(struct inet_diag_req_v2);
	const struct inet_diag_req_v2 *req = nlmsg_data(nlh);
	u32 proto = req->sdiag_protocol;	/* sock_diag checked 2 bytes */
	struct nlattr *nla;
	int rem;

	*bc = NULL;
	if (nlmsg_len(nlh) < hdrlen)
		return -EINVAL;
	nlmsg_for_each_attr(nla, nlh, hdrlen, rem) {
		if (nla_type(nla) == INET_DIAG_REQ_BYTECODE)
			*bc = nla;
		if (nla_type(nla) != INET_DIAG_REQ_PROTOCOL)
			continue;
		if (nla_len(nla) != sizeof(u32))
			return -EINVAL;
		proto = nla_get_u32(nla);
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_KTCP)
		return -ENOENT;		/* inet_diag: no handler for it */
	return 0;
}

/* The entry's state and 4-tuple, local end first. */
static u8 ktcp_diag_tuple(const struct ktcp_hnode *h, struct ktcp_tuple *t)
{
	const struct sock *sk;

	if (h->kind != KTCP_HNODE_SOCK) {
		*t = h->key;
		return h->kind == KTCP_HNODE_REQ ? TCP_SYN_RECV : TCP_TIME_WAIT;
	}
	sk = ktcp_diag_sk(h);
	ktcp_tuple_set_v4(t, READ_ONCE(sk->sk_rcv_saddr),
			  htons(READ_ONCE(inet_sk(sk)->inet_num)),
			  READ_ONCE(sk->sk_daddr), READ_ONCE(sk->sk_dport));
	if (ktcp_sk_v6(sk)) {
		t->laddr = sk->sk_v6_rcv_saddr;
		t->raddr = sk->sk_v6_daddr;
	}
	return inet_sk_state_load(sk);
}

/*
 * inet_diag_dump_icsk()'s filters: states, the id's set fields, then the
 * bytecode (audited), if any.
 */
static bool ktcp_diag_match(const struct ktcp_hnode *h,
			    const struct inet_diag_req_v2 *req,
			    const struct nlattr *bc)
{
	const struct inet_diag_sockid *id = &req->id;
	bool v6 = ktcp_diag_req_v6(req);
	struct in6_addr src, dst;
	struct ktcp_tuple t;
	u8 state;

	if (ktcp_diag_v6(h) != v6)
		return false;
	state = ktcp_diag_tuple(h, &t);
	if (!(req->idiag_states & (1 << state)))
		return false;
	if ((id->idiag_sport && id->idiag_sport != t.lport) ||
	    (id->idiag_dport && id->idiag_dport != t.rport))
		return false;
	ktcp_diag_id_addr(&src, id->idiag_src, v6);
	ktcp_diag_id_addr(&dst, id->idiag_dst, v6);
	if ((memchr_inv(id->idiag_src, 0, v6 ? 16 : 4) &&
	     !ipv6_addr_equal(&src, &t.laddr)) ||
	    (memchr_inv(id->idiag_dst, 0, v6 ? 16 : 4) &&
	     !ipv6_addr_equal(&dst, &t.raddr)))
		return false;
	return !bc || ktcp_diag_bc_sk(bc, h, &t, v6);
}

/*
 * inet_diag_msg_common_fill() for what has no struct sock (a request, a
 * ktcp_tw): the 4-tuple @t, as an AF_KTCP6 socket's (@v6) or AF_KTCP's.
 */
static void ktcp_diag_common_tuple(struct inet_diag_msg *r,
				   const struct ktcp_tuple *t, bool v6,
				   int ifindex)
{
	memset(&r->id, 0, sizeof(r->id));
	r->idiag_family = AF_INET;
	r->id.idiag_sport = t->lport;
	r->id.idiag_dport = t->rport;
	r->id.idiag_src[0] = ktcp_addr_v4(&t->laddr);
	r->id.idiag_dst[0] = ktcp_addr_v4(&t->raddr);
	if (v6) {
		r->idiag_family = AF_INET6;
		memcpy(r->id.idiag_src, &t->laddr, sizeof(t->laddr));
		memcpy(r->id.idiag_dst, &t->raddr, sizeof(t->raddr));
	}
	r->id.idiag_if = ifindex;
	/* Cookie 0: neither has a struct sock to carry one. */
}

/*
 * inet_req_diag_fill() for a request (held: ent->h), inet_twsk_diag_fill()
 * for a ktcp_tw (its copy): state, timer (1 SYN-ACK, 3 TIME_WAIT) and the
 * mark (a ktcp_tw's is 0: a socket with one stays whole in TIME_WAIT). A
 * ktcp_tw's family is the request's (ktcp_diag_match() and ktcp_diag_find()
 * checked it), its cookie 0: Linux's timewait sock keeps its socket's, a
 * ktcp_tw has no room for it.
 */
static int ktcp_diag_fill_mini(struct sk_buff *skb,
			       const struct ktcp_diag_ent *ent,
			       const struct nlmsghdr *in, u32 portid, u16 flags,
			       bool net_admin)
{
	const struct ktcp_request *req = ent->h ? ktcp_diag_req(ent->h) : NULL;
	unsigned long expires;
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;
	u32 mark = 0;

	nlh = nlmsg_put(skb, portid, in->nlmsg_seq, in->nlmsg_type,
			sizeof(*r), flags);
	if (!nlh)
		return -EMSGSIZE;
	r = nlmsg_data(nlh);
	if (req) {
		ktcp_diag_common_tuple(r, &req->hnode.key,
				       ktcp_sk_v6(req->listener),
				       READ_ONCE(req->listener->sk_bound_dev_if));
		r->idiag_state = TCP_SYN_RECV;
		r->idiag_timer = 1;
		r->idiag_retrans = READ_ONCE(req->retries);
		expires = ktcp_timer_expires(&req->timer);
		mark = req->mark;
	} else {
		ktcp_diag_common_tuple(r, &ent->tw_key,
				       ktcp_diag_req_v6(nlmsg_data(in)), 0);
		r->idiag_state = TCP_TIME_WAIT;
		r->idiag_timer = 3;
		r->idiag_retrans = 0;
		expires = ent->tw_expires;
	}
	r->idiag_expires = jiffies_delta_to_msecs(expires - jiffies);
	r->idiag_rqueue = 0;
	r->idiag_wqueue = 0;
	r->idiag_uid = 0;
	r->idiag_inode = 0;
	if (net_admin && nla_put_u32(skb, INET_DIAG_MARK, mark)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/*
 * inet_sk_diag_fill()'s and inet_twsk_diag_fill()'s timers, with the time
 * left in ms: which one ktcp_timers_shown() says, as /proc/net/ktcp shows
 * it, and the count that goes with it (retransmissions for 1, probes for
 * 4 and 2, none for TIME_WAIT).
 */
static void ktcp_diag_timer(struct sock *sk, struct inet_diag_msg *r)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	unsigned long expires;

	r->idiag_timer = ktcp_timers_shown(sk, &expires);
	r->idiag_retrans = 0;
	r->idiag_expires = 0;
	if (r->idiag_timer == 1)
		r->idiag_retrans = READ_ONCE(ks->retries);
	else if (r->idiag_timer == 2 || r->idiag_timer == 4)
		r->idiag_retrans = READ_ONCE(ks->probes);
	if (r->idiag_timer)
		r->idiag_expires = jiffies_delta_to_msecs(expires - jiffies);
}

/* inet_twsk_diag_fill(): TIME_WAIT shows its timer and nothing else. */
static void ktcp_diag_tw(struct sock *sk, struct inet_diag_msg *r)
{
	ktcp_diag_timer(sk, r);
	r->idiag_rqueue = 0;
	r->idiag_wqueue = 0;
	r->idiag_uid = 0;
	r->idiag_inode = 0;
}

/*
 * tcp_diag_get_info()'s queues, as /proc/net/ktcp shows them: on a
 * listener the accept queue and its backlog; else data not yet read
 * (ktcp's copied_seq never passes the FIN, Linux's does once read) and
 * data not yet acknowledged.
 */
static void ktcp_diag_queues(struct sock *sk, struct inet_diag_msg *r)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	if (r->idiag_state == TCP_LISTEN) {
		r->idiag_rqueue = READ_ONCE(sk->sk_ack_backlog);
		r->idiag_wqueue = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}
	r->idiag_rqueue = max_t(int, READ_ONCE(ks->rcv_nxt) -
				READ_ONCE(ks->copied_seq) -
				sock_flag(sk, SOCK_DONE), 0);
	r->idiag_wqueue = READ_ONCE(ks->write_seq) - READ_ONCE(ks->snd_una);
}

/*
 * inet_diag_msg_common_fill(), with AF_INET for sk_family (ktcp's number),
 * AF_INET6 and sk_v6_rcv_saddr/sk_v6_daddr for family6's.
 * inet_diag.ko exports it and inet_diag_msg_attrs_fill(), but calling
 * them would make ktcp.ko need inet_diag.ko loaded first: insmod of ktcp
 * would fail with unknown symbols. sock_diag's helpers are built in.
 */
static void ktcp_diag_common(struct inet_diag_msg *r, struct sock *sk)
{
	memset(&r->id, 0, sizeof(r->id));
	r->idiag_family = AF_INET;
	r->id.idiag_sport = htons(READ_ONCE(inet_sk(sk)->inet_num));
	r->id.idiag_dport = READ_ONCE(sk->sk_dport);
	r->id.idiag_if = READ_ONCE(sk->sk_bound_dev_if);
	sock_diag_save_cookie(sk, r->id.idiag_cookie);
	r->id.idiag_src[0] = READ_ONCE(sk->sk_rcv_saddr);
	r->id.idiag_dst[0] = READ_ONCE(sk->sk_daddr);
	if (ktcp_sk_v6(sk)) {
		r->idiag_family = AF_INET6;
		memcpy(r->id.idiag_src, &sk->sk_v6_rcv_saddr,
		       sizeof(sk->sk_v6_rcv_saddr));
		memcpy(r->id.idiag_dst, &sk->sk_v6_daddr,
		       sizeof(sk->sk_v6_daddr));
	}
}

/* inet_diag_msg_attrs_fill()'s socket options. */
static int ktcp_diag_sockopt(struct sk_buff *skb, struct sock *sk)
{
	struct inet_diag_sockopt o = {
		.recverr	= inet_test_bit(RECVERR, sk),
		.is_icsk	= inet_test_bit(IS_ICSK, sk),
		.freebind	= inet_test_bit(FREEBIND, sk),
		.hdrincl	= inet_test_bit(HDRINCL, sk),
		.mc_loop	= inet_test_bit(MC_LOOP, sk),
		.transparent	= inet_test_bit(TRANSPARENT, sk),
		.mc_all		= inet_test_bit(MC_ALL, sk),
		.nodefrag	= inet_test_bit(NODEFRAG, sk),
		.bind_address_no_port =
			inet_test_bit(BIND_ADDRESS_NO_PORT, sk),
		.recverr_rfc4884 = inet_test_bit(RECVERR_RFC4884, sk),
		.defer_connect	= inet_test_bit(DEFER_CONNECT, sk),
	};

	return nla_put(skb, INET_DIAG_SOCKOPT, sizeof(o), &o);
}

/*
 * inet_diag_msg_attrs_fill()'s AF_INET6 ones: the traffic class, and
 * IPV6_V6ONLY on listeners and closed sockets.
 */
static int ktcp_diag_attrs6(struct sk_buff *skb, struct sock *sk,
			    const struct inet_diag_msg *r, int ext)
{
	if (r->idiag_family != AF_INET6)
		return 0;
	if ((ext & (1 << (INET_DIAG_TCLASS - 1))) &&
	    nla_put_u8(skb, INET_DIAG_TCLASS, READ_ONCE(ktcp_np(sk)->tclass)))
		return -EMSGSIZE;
	if (((1 << r->idiag_state) & (TCPF_LISTEN | TCPF_CLOSE)) &&
	    nla_put_u8(skb, INET_DIAG_SKV6ONLY, ipv6_only_sock(sk)))
		return -EMSGSIZE;
	return 0;
}

/*
 * inet_diag_msg_attrs_fill(): shutdown, TOS (dual-stack sockets too),
 * the AF_INET6 ones, mark (to CAP_NET_ADMIN), class, cgroup, uid, inode,
 * socket options.
 */
static int ktcp_diag_msg_attrs(struct sk_buff *skb, struct sock *sk,
			       struct inet_diag_msg *r, int ext,
			       struct user_namespace *user_ns, bool net_admin)
{
	u32 classid = 0;

	if (nla_put_u8(skb, INET_DIAG_SHUTDOWN, READ_ONCE(sk->sk_shutdown)))
		return -EMSGSIZE;
	if ((ext & (1 << (INET_DIAG_TOS - 1))) &&
	    nla_put_u8(skb, INET_DIAG_TOS, READ_ONCE(inet_sk(sk)->tos)))
		return -EMSGSIZE;
	if (ktcp_diag_attrs6(skb, sk, r, ext))
		return -EMSGSIZE;
	if (net_admin && nla_put_u32(skb, INET_DIAG_MARK,
				     READ_ONCE(sk->sk_mark)))
		return -EMSGSIZE;
	if (ext & ((1 << (INET_DIAG_CLASS_ID - 1)) |
		   (1 << (INET_DIAG_TCLASS - 1)))) {
#ifdef CONFIG_SOCK_CGROUP_DATA
		classid = sock_cgroup_classid(&sk->sk_cgrp_data);
#endif
		if (!classid)	/* the socket's priority, as Linux falls back */
			classid = READ_ONCE(sk->sk_priority);
		if (nla_put_u32(skb, INET_DIAG_CLASS_ID, classid))
			return -EMSGSIZE;
	}
#ifdef CONFIG_SOCK_CGROUP_DATA
	if (nla_put_u64_64bit(skb, INET_DIAG_CGROUP_ID,
			      cgroup_id(sock_cgroup_ptr(&sk->sk_cgrp_data)),
			      INET_DIAG_PAD))
		return -EMSGSIZE;
#endif
	r->idiag_uid = from_kuid_munged(user_ns, sock_i_uid(sk));
	r->idiag_inode = sock_i_ino(sk);
	return ktcp_diag_sockopt(skb, sk);
}

/* The attributes inet_sk_diag_fill() adds after the common ones. */
static int ktcp_diag_attrs(struct sk_buff *skb, struct sock *sk, int ext)
{
	struct inet_diag_meminfo minfo;
	struct nlattr *attr;

	if (ext & (1 << (INET_DIAG_MEMINFO - 1))) {
		minfo.idiag_rmem = sk_rmem_alloc_get(sk);
		minfo.idiag_wmem = READ_ONCE(sk->sk_wmem_queued);
		minfo.idiag_fmem = sk_forward_alloc_get(sk);
		minfo.idiag_tmem = sk_wmem_alloc_get(sk);
		if (nla_put(skb, INET_DIAG_MEMINFO, sizeof(minfo), &minfo) < 0)
			return -EMSGSIZE;
	}
	if ((ext & (1 << (INET_DIAG_SKMEMINFO - 1))) &&
	    sock_diag_put_meminfo(sk, skb, INET_DIAG_SKMEMINFO))
		return -EMSGSIZE;
	if (ext & (1 << (INET_DIAG_INFO - 1))) {
		attr = nla_reserve_64bit(skb, INET_DIAG_INFO,
					 sizeof(struct tcp_info),
					 INET_DIAG_PAD);
		if (!attr)
			return -EMSGSIZE;
		ktcp_sockopt_info(sk, nla_data(attr));
	}
	if ((ext & (1 << (INET_DIAG_CONG - 1))) &&
	    nla_put_string(skb, INET_DIAG_CONG,
			   READ_ONCE(ktcp_sk(sk)->cc.ops)->name) < 0)
		return -EMSGSIZE;
	return 0;
}

/* inet_sk_diag_fill() for a ktcp socket, TIME_WAIT ones as minisocks. */
static int ktcp_diag_fill_sk(struct sk_buff *skb, struct sock *sk,
			     const struct nlmsghdr *in, u32 portid, u16 flags,
			     struct user_namespace *user_ns, bool net_admin)
{
	const struct inet_diag_req_v2 *req = nlmsg_data(in);
	struct inet_diag_msg *r;
	struct nlmsghdr *nlh;

	nlh = nlmsg_put(skb, portid, in->nlmsg_seq, in->nlmsg_type,
			sizeof(*r), flags);
	if (!nlh)
		return -EMSGSIZE;
	r = nlmsg_data(nlh);
	ktcp_diag_common(r, sk);
	r->idiag_state = inet_sk_state_load(sk);
	if (r->idiag_state == TCP_TIME_WAIT) {
		ktcp_diag_tw(sk, r);
		if (net_admin && nla_put_u32(skb, INET_DIAG_MARK,
					     READ_ONCE(sk->sk_mark)))
			goto err;
		goto out;
	}
	ktcp_diag_timer(sk, r);
	ktcp_diag_queues(sk, r);
	if (ktcp_diag_msg_attrs(skb, sk, r, req->idiag_ext, user_ns,
				net_admin))
		goto err;
	if (ktcp_diag_attrs(skb, sk, req->idiag_ext))
		goto err;
out:
	nlmsg_end(skb, nlh);
	return 0;
err:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

static int ktcp_diag_fill(struct sk_buff *skb, const struct ktcp_diag_ent *ent,
			  const struct nlmsghdr *in, u32 portid, u16 flags,
			  struct user_namespace *user_ns, bool net_admin)
{
	if (!ent->h || ent->h->kind == KTCP_HNODE_REQ)
		return ktcp_diag_fill_mini(skb, ent, in, portid, flags,
					   net_admin);
	return ktcp_diag_fill_sk(skb, ktcp_diag_sk(ent->h), in, portid, flags,
				 user_ns, net_admin);
}

static unsigned int ktcp_diag_buckets(const struct ktcp_net *kn)
{
	return KTCP_LHASH_SIZE + kn->ehash_mask + 1;
}

/*
 * Take up to KTCP_DIAG_BATCH matching entries of bucket @b, from its
 * @from-th on, in its order (ktcp_diag_take()). Returns how many; *more
 * says whether any is left.
 */
static int ktcp_diag_collect(struct ktcp_net *kn, unsigned int b,
			     unsigned int from,
			     const struct inet_diag_req_v2 *req,
			     const struct nlattr *bc,
			     struct ktcp_diag_ent *ents, bool *more)
{
	struct ktcp_hnode *h;
	struct ktcp_sock *ks;
	unsigned int idx = 0;
	int n = 0;

	*more = false;
	rcu_read_lock();
	if (b < KTCP_LHASH_SIZE) {
		hlist_for_each_entry_rcu(ks, &kn->lhash[b], listen_node) {
			if (idx >= from && ktcp_diag_match(&ks->hnode, req, bc)) {
				if (n == KTCP_DIAG_BATCH) {
					*more = true;
					break;
				}
				if (ktcp_diag_take(&ks->hnode, idx, &ents[n]))
					n++;
			}
			idx++;
		}
	} else {
		hlist_for_each_entry_rcu(h, &kn->ehash[b - KTCP_LHASH_SIZE],
					 node) {
			if (idx >= from && ktcp_diag_match(h, req, bc)) {
				if (n == KTCP_DIAG_BATCH) {
					*more = true;
					break;
				}
				if (ktcp_diag_take(h, idx, &ents[n]))
					n++;
			}
			idx++;
		}
	}
	rcu_read_unlock();
	return n;
}

/*
 * The dump: cb->args[0] is the bucket, cb->args[1] the position in it to
 * resume at. A message that does not fit ends this round at that entry,
 * a ktcp_tw's copy as a held socket's: the next round copies it again.
 */
static int ktcp_diag_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(skb->sk));
	const struct inet_diag_req_v2 *req = nlmsg_data(cb->nlh);
	struct user_namespace *user_ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	bool net_admin = netlink_net_capable(cb->skb, CAP_NET_ADMIN);
	u32 portid = NETLINK_CB(cb->skb).portid;
	struct ktcp_diag_ent ents[KTCP_DIAG_BATCH];
	unsigned int b = cb->args[0];
	const struct nlattr *bc;
	int i, n, err = 0;
	bool more;

	ktcp_diag_check(cb->nlh, &bc);	/* checked, bc audited, at the start */
	while (b < ktcp_diag_buckets(kn)) {
		n = ktcp_diag_collect(kn, b, cb->args[1], req, bc, ents, &more);
		for (i = 0; i < n; i++) {
			if (!err) {
				err = ktcp_diag_fill(skb, &ents[i], cb->nlh,
						     portid, NLM_F_MULTI,
						     user_ns, net_admin);
				if (err)
					cb->args[1] = ents[i].idx;
			}
			ktcp_diag_put(ents[i].h);
		}
		if (err)
			break;
		if (more) {
			cb->args[1] = ents[n - 1].idx + 1;
			continue;
		}
		b++;
		cb->args[1] = 0;
	}
	cb->args[0] = b;
	return skb->len;
}

/* A listener of the family asked, bound to the id's local address and port. */
static struct ktcp_hnode *ktcp_diag_find_listener(struct ktcp_net *kn,
						  const struct inet_diag_sockid *id,
						  const struct in6_addr *src,
						  bool v6)
{
	u16 port = ntohs(id->idiag_sport);
	struct ktcp_sock *ks;
	struct sock *sk;

	hlist_for_each_entry_rcu(ks, &kn->lhash[port & (KTCP_LHASH_SIZE - 1)],
				 listen_node) {
		sk = &ks->inet.sk;
		if (ktcp_sk_v6(sk) != v6 || ks->inet.inet_num != port)
			continue;
		if (v6 ? !ipv6_addr_equal(&sk->sk_v6_rcv_saddr, src) :
			 ks->inet.inet_rcv_saddr != id->idiag_src[0])
			continue;
		if (!id->idiag_if ||
		    id->idiag_if == READ_ONCE(sk->sk_bound_dev_if))
			return &ks->hnode;
	}
	return NULL;
}

/*
 * inet_diag_find_one_icsk(): the entry the id names, taken into @ent
 * (ktcp_diag_take()), a socket's cookie checked; -ENOENT or -ESTALE
 * otherwise. A ktcp_tw has no cookie (0 in its replies) and takes any, as
 * requests do: one read while it was a socket names it still. @kill_tw
 * ends a ktcp_tw here, under RCU, which alone keeps it, as tcp_abort()
 * ends a timewait sock (inet_twsk_deschedule_put()).
 */
static int ktcp_diag_find(struct net *net, const struct inet_diag_req_v2 *req,
			  struct ktcp_diag_ent *ent, bool kill_tw)
{
	const struct inet_diag_sockid *id = &req->id;
	struct ktcp_net *kn = ktcp_pernet(net);
	bool v6 = ktcp_diag_req_v6(req);
	struct ktcp_hnode *h;
	struct ktcp_tuple t;
	int err = 0;

	/* AF_INET6 ids are four words, an IPv4 peer's v4-mapped: the key's */
	ktcp_tuple_set_v4(&t, 0, id->idiag_sport, 0, id->idiag_dport);
	ktcp_diag_id_addr(&t.laddr, id->idiag_src, v6);
	ktcp_diag_id_addr(&t.raddr, id->idiag_dst, v6);
	rcu_read_lock();
	/* inet_lookup() with the request's device, as inet_diag_find_one_icsk() */
	h = ktcp_hash_lookup(kn, &t, id->idiag_if, 0);
	if (h && ktcp_diag_v6(h) != v6)
		h = NULL;	/* the other family's handler answers for it */
	if (!h && !id->idiag_dport &&
	    !memchr_inv(id->idiag_dst, 0, v6 ? 16 : 4))
		h = ktcp_diag_find_listener(kn, id, &t.laddr, v6);
	if (!h || !ktcp_diag_take(h, 0, ent))
		err = -ENOENT;
	else if (!ent->h && kill_tw && !ktcp_tw_kill(kn, ktcp_tw_of(h)))
		err = -ENOENT;	/* its timer or a segment ended it first */
	rcu_read_unlock();
	if (err || !ent->h || ent->h->kind != KTCP_HNODE_SOCK)
		return err;
	if (sock_diag_check_cookie(ktcp_diag_sk(ent->h), id->idiag_cookie)) {
		ktcp_diag_put(ent->h);
		return -ESTALE;
	}
	return 0;
}

/* inet_diag_dump_one_icsk(): one socket, named by the id, in one reply. */
static int ktcp_diag_get_exact(struct sk_buff *in_skb,
			       const struct nlmsghdr *nlh)
{
	struct net *net = sock_net(in_skb->sk);
	struct ktcp_diag_ent ent;
	struct sk_buff *rep;
	int err;

	err = ktcp_diag_find(net, nlmsg_data(nlh), &ent, false);
	if (err)
		return err;
	rep = nlmsg_new(NLMSG_ALIGN(sizeof(struct inet_diag_msg)) + 1024,
			GFP_KERNEL);
	if (!rep) {
		ktcp_diag_put(ent.h);
		return -ENOMEM;
	}
	err = ktcp_diag_fill(rep, &ent, nlh, NETLINK_CB(in_skb).portid, 0,
			     sk_user_ns(NETLINK_CB(in_skb).sk),
			     netlink_net_capable(in_skb, CAP_NET_ADMIN));
	ktcp_diag_put(ent.h);
	if (err < 0) {
		WARN_ON_ONCE(err == -EMSGSIZE);	/* 1 KiB holds every one */
		kfree_skb(rep);
		return err;
	}
	return nlmsg_unicast(net->diag_nlsk, rep, NETLINK_CB(in_skb).portid);
}

/* A dump, or one socket; the bytecode only filters dumps, as Linux's. */
static int ktcp_diag_handler_dump(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	struct netlink_dump_control c = { .dump = ktcp_diag_dump };
	const struct nlattr *bc;
	int err = ktcp_diag_check(nlh, &bc);

	if (err)
		return err;
	if (!(nlh->nlmsg_flags & NLM_F_DUMP))
		return ktcp_diag_get_exact(skb, nlh);
	if (bc) {
		err = ktcp_diag_bc_audit(nla_data(bc), nla_len(bc),
					 netlink_net_capable(skb,
							     CAP_NET_ADMIN));
		if (err)
			return err;
	}
	return netlink_dump_start(sock_net(skb->sk)->diag_nlsk, skb, nlh, &c);
}

/*
 * tcp_abort(sk, ECONNABORTED): a listener stops listening; a synchronized
 * connection sends RST (tcp_need_reset()); every one ends in CLOSE with
 * ECONNABORTED for its owner, TIME_WAIT and orphans freed.
 */
static int ktcp_diag_abort(struct sock *sk)
{
	u8 state;

	lock_sock(sk);
	state = sk->sk_state;
	if (state == TCP_CLOSE) {
		release_sock(sk);
		return -ENOENT;		/* "Avoid closing the same socket twice" */
	}
	if (state == TCP_LISTEN) {
		ktcp_listen_stop(sk);
		ktcp_sock_set_state(sk, TCP_CLOSE);
	} else if ((1 << state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				   TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				   TCPF_SYN_RECV)) {
		ktcp_xmit_rst(sk, GFP_KERNEL, SK_RST_REASON_TCP_STATE);
	}
	ktcp_sock_reset(sk, ECONNABORTED);	/* tcp_done_with_error() */
	release_sock(sk);
	return 0;
}

/*
 * tcp_diag_destroy() and sock_diag_destroy(): CAP_NET_ADMIN in the netns,
 * asked before the lookup (Linux asks after it) for a ktcp_tw is ended
 * within it; a lookup's error still comes first.
 */
static int ktcp_diag_handler_destroy(struct sk_buff *skb,
				     struct nlmsghdr *nlh)
{
	struct net *net = sock_net(skb->sk);
	struct ktcp_diag_ent ent;
	const struct nlattr *bc;
	int err = ktcp_diag_check(nlh, &bc);
	bool admin;

	if (err)
		return err;
	admin = ns_capable(net->user_ns, CAP_NET_ADMIN);
	err = ktcp_diag_find(net, nlmsg_data(nlh), &ent, admin);
	if (err)
		return err;
	if (!admin)
		err = -EPERM;
	else if (!ent.h)
		err = 0;	/* a ktcp_tw: ktcp_diag_find() ended it */
	else if (ent.h->kind == KTCP_HNODE_REQ)
		err = -EOPNOTSUPP;
	else
		err = ktcp_diag_abort(ktcp_diag_sk(ent.h));
	ktcp_diag_put(ent.h);
	return err;
}

static struct sock_diag_handler ktcp_diag_handler = {
	.owner		= THIS_MODULE,
	.dump		= ktcp_diag_handler_dump,
	.destroy	= ktcp_diag_handler_destroy,
};

/* The same for family6's number: the handlers tell them by sdiag_family. */
static struct sock_diag_handler ktcp_diag_handler6 = {
	.owner		= THIS_MODULE,
	.dump		= ktcp_diag_handler_dump,
	.destroy	= ktcp_diag_handler_destroy,
};

static bool ktcp_diag_registered, ktcp_diag_registered6;

/*
 * Not fatal: a family number another module's sock_diag already serves
 * (TIPC's 30, say) leaves ktcp working, unseen by ktcpstat.
 */
static bool ktcp_diag_register(struct sock_diag_handler *hndl, int family)
{
	int err;

	hndl->family = family;
	err = sock_diag_register(hndl);
	if (err)
		pr_warn("ktcp: no sock_diag for family %d (%d): ktcpstat will not see its sockets\n",
			family, err);
	return !err;
}

void ktcp_diag_init(void)
{
	ktcp_diag_registered = ktcp_diag_register(&ktcp_diag_handler,
						  ktcp_family);
	ktcp_diag_registered6 = ktcp_diag_register(&ktcp_diag_handler6,
						   ktcp_family6);
}

void ktcp_diag_exit(void)
{
	if (ktcp_diag_registered6)
		sock_diag_unregister(&ktcp_diag_handler6);
	if (ktcp_diag_registered)
		sock_diag_unregister(&ktcp_diag_handler);
}
