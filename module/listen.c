// SPDX-License-Identifier: GPL-2.0
/*
 * Passive open: the SYN queue, requests and the accept queue
 * (RFC 9293 3.5, 3.10.7.2).
 *
 * A SYN to a listener creates a ktcp_request (not a socket): it sits in the
 * established table under its 4-tuple and on the listener's syn_queue, and
 * its timer retransmits the SYN-ACK. The ACK that completes the handshake
 * finds it in O(1), and a child socket replaces it in the table in one
 * atomic step; the child goes to the accept queue.
 *
 * Bounds, as Linux: a SYN is dropped when the SYN queue already holds more
 * than sk_max_ack_backlog requests (SYN cookies for the overflow come
 * later); the accept queue is full when it holds more than
 * sk_max_ack_backlog children, and then new SYNs and final ACKs are dropped
 * (ListenOverflows): the peer's retransmissions retry.
 *
 * Locking: syn_queue, accept_queue and the counters are protected by the
 * listener's socket lock (bh_lock_sock in softirq, owned by the process
 * during listen()/accept()/close()). A child is locked nested inside its
 * listener while the completing ACK is processed on it.
 */

#include <net/ip.h>
#include <net/secure_seq.h>

#include "ecn.h"
#include "ktcp.h"
#include "trace.h"

/* SYN-ACK retransmission: RFC 6298's initial RTO, doubling (Linux's). */
#define KTCP_RTO_INIT		(HZ)
#define KTCP_RTO_MAX		(120 * HZ)

static void ktcp_listen_req_timer_fn(struct ktcp_timer *t);

void ktcp_listen_req_put(struct ktcp_request *req)
{
	if (!refcount_dec_and_test(&req->refcnt))
		return;
	sock_put(req->listener);
	kfree_rcu(req, rcu);
}

/*
 * Take @req off the SYN queue and stop its timer, once the table no longer
 * holds it (removed, or replaced by its child); drops the reference the
 * table and queue held, and the armed timer's.
 */
static void ktcp_listen_req_dequeue(struct sock *listener, struct ktcp_request *req)
{
	req->linked = false;
	list_del(&req->list);
	ktcp_sk(listener)->syn_qlen--;
	if (!req->retries)
		ktcp_sk(listener)->syn_young--;
	if (ktcp_timer_del(&req->timer))
		ktcp_listen_req_put(req);
	ktcp_listen_req_put(req);
}

/* Take @req out of the table and the SYN queue (a RST, a timeout, close). */
static void ktcp_listen_req_unlink(struct sock *listener, struct ktcp_request *req)
{
	if (!req->linked)
		return;
	ktcp_hash_remove(ktcp_pernet(sock_net(listener)), &req->hnode);
	ktcp_listen_req_dequeue(listener, req);
}

static void ktcp_listen_req_arm(struct ktcp_request *req, unsigned long delay)
{
	if (!ktcp_timer_mod(&req->timer, jiffies + delay))
		refcount_inc(&req->refcnt);
}

/*
 * reqsk_timeout(): the SYN-ACK timeout after @req's timeouts so far, 1 s
 * doubled each time, at most 120 s (no shift past the limit).
 */
static unsigned long ktcp_listen_req_timeout(const struct ktcp_request *req)
{
	if (req->retries >= ilog2(KTCP_RTO_MAX / KTCP_RTO_INIT) + 1)
		return KTCP_RTO_MAX;
	return min_t(unsigned long, KTCP_RTO_INIT << req->retries,
		     KTCP_RTO_MAX);
}

/*
 * reqsk_timer_handler(): when the SYN queue is more than half full, half
 * of it is kept for young requests (no timeout yet): while the old
 * outnumber the young, old ones get one SYN-ACK retry fewer per doubling,
 * down to 2, and go sooner. A flood of spoofed SYNs then ages out fast.
 */
static u8 ktcp_listen_req_max_retries(const struct sock *listener)
{
	const struct ktcp_sock *kl = ktcp_sk(listener);
	u8 max = kl->syn_retries ?:
		 READ_ONCE(ktcp_pernet(sock_net(listener))->synack_retries);
	u32 young = kl->syn_young << 1;

	if ((kl->syn_qlen << 1) <= max(8U, READ_ONCE(listener->sk_max_ack_backlog)))
		return max;
	while (max > 2 && kl->syn_qlen >= young) {
		max--;
		young <<= 1;
	}
	return max;
}

/*
 * Linux's syn_ack_recalc(): should @req go, and is its SYN-ACK resent?
 * The listener's TCP_SYNCNT, when set, replaces tcp_synack_retries
 * (reqsk_timer_handler()). With TCP_DEFER_ACCEPT, a request whose bare ACK
 * came lives on (without resending) until the defer count, and its last
 * SYN-ACK asks for the ACK again, which then completes it.
 */
static bool ktcp_listen_req_expire(const struct sock *listener,
				   const struct ktcp_request *req, bool *resend)
{
	const struct ktcp_sock *kl = ktcp_sk(listener);
	u8 max = ktcp_listen_req_max_retries(listener);
	u8 defer = kl->defer_accept;

	*resend = !req->acked || req->retries + 1 >= defer;
	return req->retries >= max && (!req->acked || req->retries >= defer);
}

/*
 * The SYN-ACK's window, our window scale (only if the peer offered one)
 * and the clamp, fixed once per request (tcp_openreq_init_rwin()): the
 * window in whole segments of what our MSS leaves once timestamps are on.
 */
static void ktcp_listen_req_window(const struct sock *listener,
				   struct ktcp_request *req)
{
	struct ktcp_window_init w = { .clamp = ktcp_sk(listener)->window_clamp };
	u32 mss = req->adv_mss;

	if (req->neg.tstamp_ok)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	ktcp_window_initial(listener, mss, req->neg.wscale_ok, &w);
	req->neg.rcv_wscale = w.wscale;
	req->rcv_wnd = w.rcv_wnd;
	req->window_clamp = w.clamp;
}

/*
 * Send @req's SYN-ACK again (tcp_rtx_synack()): with SO_TXREHASH enabled
 * on the listener, under a new txhash, hence a new IPv6 flow label, in
 * case the path lost the last one.
 */
static void ktcp_listen_rtx_synack(struct sock *listener,
				   struct ktcp_request *req)
{
	if (READ_ONCE(listener->sk_txrehash) == SOCK_TXREHASH_ENABLED)
		req->txhash = net_tx_rndhash();
	req->resent = true;
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_RETRANSSEGS);
	ktcp_reply_synack(listener, req, NULL);
	trace_ktcp_retransmit_synack(listener, req);
}

/* SYN-ACK retransmission, 1 s doubling, tcp_synack_retries times. */
static void ktcp_listen_req_timer_fn(struct ktcp_timer *t)
{
	struct ktcp_request *req = container_of(t, struct ktcp_request, timer);
	struct sock *listener = req->listener;
	bool resend;

	bh_lock_sock(listener);
	if (!req->linked) {
		/* unlinked while the timer was on its way */
	} else if (sock_owned_by_user(listener)) {
		/* Not under the owner's feet: come back a tick later. */
		ktcp_listen_req_arm(req, 1);
	} else if (ktcp_listen_req_expire(listener, req, &resend)) {
		ktcp_listen_req_unlink(listener, req);
	} else {
		if (!req->retries)
			ktcp_sk(listener)->syn_young--;
		WRITE_ONCE(req->retries, req->retries + 1);	/* /proc */
		if (resend)
			ktcp_listen_rtx_synack(listener, req);
		ktcp_listen_req_arm(req, ktcp_listen_req_timeout(req));
	}
	bh_unlock_sock(listener);
	ktcp_listen_req_put(req);	/* the armed timer's reference */
}

/* RFC 6528's ISN and the timestamp offset for a SYN of 4-tuple @t. */
static union tcp_seq_and_ts_off ktcp_listen_isn(struct net *net,
						const struct ktcp_tuple *t)
{
	if (ktcp_tuple_is_v4(t))
		return secure_tcp_seq_and_ts_off(net, ktcp_addr_v4(&t->laddr),
						 ktcp_addr_v4(&t->raddr),
						 t->lport, t->rport);
	return secure_tcpv6_seq_and_ts_off(net, t->laddr.s6_addr32,
					   t->raddr.s6_addr32, t->lport,
					   t->rport);
}

/* A request for @skb, whose options the caller parsed into @o. */
static struct ktcp_request *ktcp_listen_req_alloc(struct sock *listener,
						  struct sk_buff *skb,
						  const struct ktcp_opts *o)
{
	union tcp_seq_and_ts_off st;
	struct ktcp_request *req;
	struct ktcp_opts opts = *o;

	req = kzalloc(sizeof(*req), GFP_ATOMIC);
	if (!req)
		return NULL;
	req->hnode.kind = KTCP_HNODE_REQ;
	ktcp_tuple_from_skb(&req->hnode.key, skb);
	opts.present &= ktcp_neg_syn_allowed(sock_net(listener));
	st = ktcp_listen_isn(sock_net(listener), &req->hnode.key);
	req->iss = st.seq;
	req->neg.ts_off = ktcp_neg_ts_off(sock_net(listener), st.ts_off);
	ktcp_neg_peer_syn(&req->neg, &opts);
	req->neg.ecn_ok = ktcp_ecn_req_ok(listener, skb);
	req->adv_mss = KTCP_SKB_CB(skb)->dev_mss;
	if (ktcp_sk(listener)->user_mss)	/* tcp_openreq_init() */
		req->adv_mss = min(req->adv_mss, ktcp_sk(listener)->user_mss);
	ktcp_listen_req_window(listener, req);
	req->irs = KTCP_SKB_CB(skb)->seq;
	req->snd_wnd = KTCP_SKB_CB(skb)->window;	/* never scaled in a SYN */
	req->mark = inet_request_mark(listener, skb);	/* tcp_fwmark_accept */
	/* The listener's device, or with tcp_l3mdev_accept the VRF's. */
	req->bound_dev_if = inet_request_bound_dev_if(listener, skb);
	/* tcp_v6_init_req(): a link-local peer is reached where it came */
	if (!req->bound_dev_if && !ktcp_tuple_is_v4(&req->hnode.key) &&
	    (ipv6_addr_type(&req->hnode.key.raddr) & IPV6_ADDR_LINKLOCAL))
		req->bound_dev_if = KTCP_SKB_CB(skb)->iif;
	req->syn_tos = KTCP_SKB_CB(skb)->ip_dsfield;
	req->txhash = net_tx_rndhash();	/* tcp_conn_request() */
	/* net.ipv6.flowlabel_reflect's first bit: tcp_v6_send_synack() */
	if (ktcp_sk_v6(listener) && inet6_test_bit(REPFLOW, listener) &&
	    !ktcp_tuple_is_v4(&req->hnode.key))
		req->flowlabel = ip6_flowlabel(ipv6_hdr(skb));
	refcount_set(&req->refcnt, 1);
	sock_hold(listener);
	req->listener = listener;
	ktcp_timer_init(&req->timer, ktcp_listen_req_timer_fn);
	return req;
}

/* tcp_listendrop(): ListenDrops, and @why unless that is ListenDrops. */
static void ktcp_listen_drop(struct sock *listener, enum ktcp_mib_field why)
{
	if (why != KTCP_MIB_LISTENDROPS)
		KTCP_INC_STATS(sock_net(listener), why);
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_LISTENDROPS);
}

/*
 * tcp_req_err(): an ICMP error quoting @seq came about @req's SYN-ACK. A
 * sequence number other than the SYN-ACK's is counted and ignored; a
 * @fatal error drops the request silently (POSIX wants no network error
 * from accept()), counted as a ListenDrop. Linux needs no listener lock
 * for that; here, while a process owns the listener, the error is dropped
 * instead (LockDroppedIcmps). Softirq; consumes the reference on @req.
 */
void ktcp_listen_req_err(struct ktcp_request *req, u32 seq, bool fatal)
{
	struct sock *listener = req->listener;
	struct net *net = sock_net(listener);

	if (seq != req->iss) {
		KTCP_INC_STATS(net, KTCP_MIB_OUTOFWINDOWICMPS);
	} else if (fatal) {
		bh_lock_sock(listener);
		if (sock_owned_by_user(listener)) {
			KTCP_INC_STATS(net, KTCP_MIB_LOCKDROPPEDICMPS);
		} else if (req->linked) {
			ktcp_listen_req_unlink(listener, req);
			ktcp_listen_drop(listener, KTCP_MIB_LISTENDROPS);
		}
		bh_unlock_sock(listener);
	}
	ktcp_listen_req_put(req);
}

/*
 * tcp_syn_flood_action(): the SYN queue is full (or syncookies is 2). With
 * cookies on, answer with one; say so once per listen() (not for 2).
 */
static bool ktcp_listen_flood_action(struct sock *listener, int syncookies)
{
	struct ktcp_sock *kl = ktcp_sk(listener);

	KTCP_INC_STATS(sock_net(listener), syncookies ?
		       KTCP_MIB_REQQFULLDOCOOKIES : KTCP_MIB_REQQFULLDROP);
	if (!kl->synflood_warned && syncookies != 2) {
		kl->synflood_warned = true;
		if (ktcp_sk_v6(listener))
			net_info_ratelimited("ktcp: Possible SYN flooding on port [%pI6c]:%u. %s.\n",
					     &listener->sk_v6_rcv_saddr,
					     listener->sk_num, syncookies ?
					     "Sending cookies" : "Dropping request");
		else
			net_info_ratelimited("ktcp: Possible SYN flooding on port %pI4:%u. %s.\n",
					     &listener->sk_rcv_saddr,
					     listener->sk_num, syncookies ?
					     "Sending cookies" : "Dropping request");
	}
	return syncookies;
}

/*
 * tcp_synq_overflow() and tcp_synq_no_recent_overflow(): cookie ACKs are
 * looked at only for two minutes (a cookie's life) after the listener, or
 * its SO_REUSEPORT group, last sent a cookie. The time is kept with one
 * second's resolution, so it is written at most once a second.
 */
static u32 *ktcp_listen_overflow_ts(struct sock *listener)
{
	struct sock_reuseport *reuse;

	if (listener->sk_reuseport) {
		reuse = rcu_dereference(listener->sk_reuseport_cb);
		if (reuse)
			return &reuse->synq_overflow_ts;
	}
	return &ktcp_sk(listener)->synq_overflow;
}

static void ktcp_listen_synq_overflow(struct sock *listener)
{
	u32 *ts, last, now = jiffies;

	rcu_read_lock();
	ts = ktcp_listen_overflow_ts(listener);
	last = READ_ONCE(*ts);
	if (!time_between32(now, last, last + HZ))
		WRITE_ONCE(*ts, now);
	rcu_read_unlock();
}

static bool ktcp_listen_recent_overflow(struct sock *listener)
{
	u32 last, now = jiffies;

	rcu_read_lock();
	last = READ_ONCE(*ktcp_listen_overflow_ts(listener));
	rcu_read_unlock();
	return time_between32(now, last - HZ, last + TCP_SYNCOOKIE_VALID);
}

/*
 * The cookie SYN-ACK (tcp_conn_request() with want_cookie): the ISN is the
 * cookie; without a timestamp to carry them, no options but the MSS are
 * offered (tcp_clear_options()), nor ECN (tcp_conn_request()). Nothing is
 * kept.
 */
static void ktcp_listen_cookie_synack(struct sock *listener,
				      struct ktcp_request *req,
				      struct sk_buff *skb)
{
	u16 mss = req->neg.mss_clamp;

	if (ktcp_sk(listener)->user_mss)	/* tcp_mss_clamp() */
		mss = min(mss, ktcp_sk(listener)->user_mss);
	req->iss = ktcp_cookie_isn(skb, &mss);
	if (!req->neg.tstamp_ok) {
		req->neg.sack_ok = 0;
		req->neg.wscale_ok = 0;
		req->neg.snd_wscale = 0;
		req->neg.rcv_wscale = 0;
		req->neg.ecn_ok = 0;	/* no ECE: nowhere to keep it */
	}
	req->cookie = true;
	ktcp_listen_synq_overflow(listener);
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_SYNCOOKIESSENT);
	ktcp_reply_synack(listener, req, NULL);
}

/* A child the table would not take: gone, never seen (NoMem). */
static void ktcp_listen_child_drop(struct sock *listener, struct sock *child)
{
	trace_ktcp_set_state(child, child->sk_state, TCP_CLOSE);
	child->sk_state = TCP_CLOSE;
	sock_set_flag(child, SOCK_DEAD);
	__sock_put(child);
	sock_put(child);
	ktcp_listen_drop(listener, KTCP_MIB_NOMEM);
}

/*
 * Move @req's connection to a child on the accept queue; run @skb on it.
 * A queued request's node is replaced by the child's; a cookie's request
 * was never in the table, and the child goes in.
 */
static void ktcp_listen_complete(struct sock *listener,
				 struct ktcp_request *req, struct sk_buff *skb)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(listener));
	struct ktcp_sock *kl = ktcp_sk(listener);
	struct sock *child = ktcp_child_create(listener, req);
	struct ktcp_hnode *node;

	if (!child) {
		kfree_skb(skb);
		return ktcp_listen_drop(listener, KTCP_MIB_NOMEM);
	}
	ktcp_child_init_acked(ktcp_sk(child), req);
	sock_hold(child);	/* the established table's */
	node = &ktcp_sk(child)->hnode;
	if (req->linked ? ktcp_hash_replace(kn, &req->hnode, node) :
			  ktcp_hash_insert(kn, node)) {
		kfree_skb(skb);
		return ktcp_listen_child_drop(listener, child);
	}
	ktcp_port_inherit(kn, child, listener);
	/* The table now holds the child: only the SYN queue lets go of req. */
	if (req->linked)
		ktcp_listen_req_dequeue(listener, req);

	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_PASSIVEOPENS);
	list_add_tail(&ktcp_sk(child)->accept_node, &kl->accept_queue);
	sk_acceptq_added(listener);
	ktcp_rcv_child(child, skb);
	listener->sk_data_ready(listener);
}

/* Put @req on the SYN queue and send its SYN-ACK, with @foc's cookie. */
static void ktcp_listen_req_queue(struct sock *listener,
				  struct ktcp_request *req,
				  const struct ktcp_opts *foc)
{
	struct ktcp_sock *kl = ktcp_sk(listener);

	if (ktcp_hash_insert(ktcp_pernet(sock_net(listener)), &req->hnode)) {
		ktcp_listen_req_put(req);
		return ktcp_listen_drop(listener, KTCP_MIB_NOMEM);
	}
	req->linked = true;
	list_add_tail(&req->list, &kl->syn_queue);
	kl->syn_qlen++;
	kl->syn_young++;
	req->synack_us = tcp_clock_us();	/* tcp_make_synack()'s snt_synack */
	ktcp_reply_synack(listener, req, foc);
	ktcp_listen_req_arm(req, KTCP_RTO_INIT);
}

/*
 * tcp_fastopen_create_child() and the rest of tcp_conn_request() for it:
 * @req's child, in SYN_RECV, goes on the accept queue at once with the
 * data of the SYN @skb, whose SYN-ACK, acknowledging that data, it sends
 * itself and resends on its own timer (as a simultaneous open does). Its
 * transfer starts now (tcp_init_transfer()): it may send before the
 * handshake ends. False if it could not be made; else @skb is its.
 */
static bool ktcp_listen_fastopen(struct sock *listener,
				 struct ktcp_request *req, struct sk_buff *skb)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(listener));
	struct sock *child = ktcp_child_create(listener, req);
	struct ktcp_sock *kc;

	if (!child) {
		KTCP_INC_STATS(sock_net(listener), KTCP_MIB_TCPFASTOPENPASSIVEFAIL);
		return false;
	}
	kc = ktcp_sk(child);
	/*
	 * Its SYN-ACK is yet to go, from its write queue: the ACK of it is
	 * its first RTT sample, and counts in delivered (input.c).
	 */
	WRITE_ONCE(kc->snd_nxt, req->iss);
	sock_hold(child);	/* the established table's */
	/* Found in the table from then on: a segment for it waits for us. */
	bh_lock_sock_nested(child);
	if (ktcp_output_queue_syn(child, GFP_ATOMIC) ||
	    ktcp_hash_insert(kn, &kc->hnode)) {
		bh_unlock_sock(child);
		ktcp_listen_child_drop(listener, child);
		KTCP_INC_STATS(sock_net(listener), KTCP_MIB_TCPFASTOPENPASSIVEFAIL);
		return false;
	}
	ktcp_port_inherit(kn, child, listener);
	ktcp_fastopen_child_init(child, listener);
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_PASSIVEOPENS);
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_TCPFASTOPENPASSIVE);
	ktcp_window_established(child);
	ktcp_buf_init(child);
	ktcp_rcvq_syn_data(child, skb);
	kc->rcv_wup = kc->rcv_nxt;	/* tcp_fastopen_create_child() */
	ktcp_output_push(child);	/* the SYN-ACK, acknowledging the data */
	list_add_tail(&kc->accept_node, &ktcp_sk(listener)->accept_queue);
	sk_acceptq_added(listener);
	bh_unlock_sock(child);
	listener->sk_data_ready(listener);
	return true;
}

/*
 * A new SYN: queue a request and answer with a SYN-ACK, or with a cookie
 * when the SYN queue is full, as tcp_conn_request(). Without cookies the
 * last quarter of net.ktcp.max_syn_backlog is kept for peers proven alive,
 * which without a metrics cache are none: those SYNs are dropped. A Fast
 * Open SYN may make its child at once (ktcp_listen_fastopen()): true then,
 * and @skb is the child's.
 */
static bool ktcp_listen_syn(struct sock *listener, struct sk_buff *skb)
{
	struct ktcp_sock *kl = ktcp_sk(listener);
	struct ktcp_net *kn = ktcp_pernet(sock_net(listener));
	int syncookies = READ_ONCE(kn->syncookies);
	int max_backlog = READ_ONCE(kn->max_syn_backlog);
	bool want_cookie = false;
	struct ktcp_request *req;
	struct ktcp_opts opts, foc;

	if (syncookies == 2 ||
	    kl->syn_qlen > READ_ONCE(listener->sk_max_ack_backlog)) {
		want_cookie = ktcp_listen_flood_action(listener, syncookies);
		if (!want_cookie)
			goto drop;
	}
	if (sk_acceptq_is_full(listener)) {
		ktcp_listen_drop(listener, KTCP_MIB_LISTENOVERFLOWS);
		return false;
	}
	if (!syncookies && max_backlog - (int)kl->syn_qlen < max_backlog >> 2)
		goto drop;
	ktcp_opts_parse_hdr(tcp_hdr(skb), &opts);
	req = ktcp_listen_req_alloc(listener, skb, &opts);
	if (!req) {
		ktcp_listen_drop(listener, KTCP_MIB_NOMEM);
		return false;
	}
	if (want_cookie) {	/* no Fast Open: tcp_conn_request() */
		ktcp_listen_cookie_synack(listener, req, skb);
		ktcp_listen_req_put(req);
		return false;
	}
	if (ktcp_fastopen_check(listener, skb, &opts, &foc) &&
	    ktcp_listen_fastopen(listener, req, skb)) {
		ktcp_listen_req_put(req);
		return true;
	}
	ktcp_listen_req_queue(listener, req, &foc);
	return false;
drop:
	ktcp_listen_drop(listener, KTCP_MIB_LISTENDROPS);
	return false;
}

/*
 * Does @skb, an ACK that no connection or request of ours has, carry a
 * valid cookie of @listener's? Looked at only with cookies on and one sent
 * lately (cookie_v4_check()); a failed check counts as SyncookiesFailed.
 * The hook calls this, under RCU, to decide whether ktcp takes the
 * segment: if not, native TCP answers it as any stray ACK to the port,
 * with the RST a listener sends.
 */
bool ktcp_listen_cookie_valid(struct sock *listener, const struct sk_buff *skb)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(listener));

	if (!READ_ONCE(kn->syncookies) || !ktcp_listen_recent_overflow(listener))
		return false;
	if (ktcp_cookie_check(skb))
		return true;
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_SYNCOOKIESFAILED);
	return false;
}

/*
 * An ACK with no request: a cookie's (cookie_v4_check()), looked at only
 * with cookies on and a cookie sent lately. A valid one becomes a request
 * as its SYN would have (the 4-tuple, mark and TOS from the ACK), with the
 * ISNs, MSS and options the cookie and TSecr give back, and completes at
 * once. Returns false for the caller to answer with a RST.
 */
static bool ktcp_listen_cookie_ack(struct sock *listener, struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_request *req;
	struct ktcp_opts opts;
	u16 mss = ktcp_cookie_check(skb);

	if (!mss) {	/* the cookie's minute passed since the hook's check */
		KTCP_INC_STATS(sock_net(listener), KTCP_MIB_SYNCOOKIESFAILED);
		return false;
	}
	KTCP_INC_STATS(sock_net(listener), KTCP_MIB_SYNCOOKIESRECV);
	if (sk_acceptq_is_full(listener))	/* tcp_v4_syn_recv_sock() */
		goto drop;
	ktcp_opts_parse_hdr(tcp_hdr(skb), &opts);
	req = ktcp_listen_req_alloc(listener, skb, &opts);
	if (!req) {
		ktcp_listen_drop(listener, KTCP_MIB_NOMEM);
		goto free;
	}
	opts.present &= ktcp_neg_syn_allowed(sock_net(listener));
	req->iss = cb->ack_seq - 1;
	req->irs = cb->seq - 1;
	ktcp_cookie_ts_decode(&req->neg, &opts);
	ktcp_listen_req_window(listener, req);	/* cookie_v4_check() redoes it */
	if (req->neg.ecn_ok)		/* cookie_v4_check() */
		req->neg.ecn_ok = ktcp_ecn_cookie_ok(listener, skb);
	req->neg.mss_clamp = mss;
	req->snd_wnd = (u32)cb->window << req->neg.snd_wscale;
	req->cookie = true;
	ktcp_listen_complete(listener, req, skb);
	ktcp_listen_req_put(req);
	return true;
drop:
	ktcp_listen_drop(listener, KTCP_MIB_LISTENOVERFLOWS);
free:
	kfree_skb(skb);
	return true;
}

/* A segment for the listener itself (RFC 9293 3.10.7.2). Consumes @skb. */
static void ktcp_listen_segment(struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (!th->rst && th->ack && !th->syn && ktcp_listen_cookie_ack(sk, skb))
		return;
	if (!th->rst && th->ack)
		ktcp_reply_rst(sock_net(sk), sk, skb,
			       SK_RST_REASON_NOT_SPECIFIED);
	else if (th->syn && !th->rst && !th->ack && ktcp_listen_syn(sk, skb))
		return;
	kfree_skb(skb);
}

/* The peer's SYN again: the SYN-ACK again and its timer restarted. */
static void ktcp_listen_syn_again(struct sock *listener,
				  struct ktcp_request *req, struct sk_buff *skb)
{
	if (!ktcp_synrecv_may_answer(listener, req, skb))
		return;
	ktcp_listen_rtx_synack(listener, req);
	ktcp_listen_req_arm(req, ktcp_listen_req_timeout(req));
}

/*
 * tcp_paws_reject() for @req and a segment with options @o: a RST too
 * fails PAWS, unless the request has lived a TCP_PAWS_MSL, which Linux
 * reckons from its SYN-ACK timeout (reqsk_timeout()).
 */
static bool ktcp_listen_req_paws(const struct ktcp_request *req,
				 const struct ktcp_opts *o, bool rst)
{
	return ktcp_neg_paws_reject(&req->neg, o,
				    rst && ktcp_listen_req_timeout(req) >=
					   TCP_PAWS_MSL * HZ);
}

/*
 * A segment for a request in SYN-RECV (RFC 9293 3.10.7.4, passive side),
 * checked in tcp_check_req()'s order: the SYN again (not after PAWS
 * failed); an ACK (not a RST) of anything but our SYN gets a RST; an
 * unacceptable segment an ACK; a RST in the window but not at RCV.NXT a
 * challenge ACK; then a RST at RCV.NXT or a SYN in the window ends the
 * request (a SYN with a RST: EmbryonicRsts), and an ACK of our SYN
 * completes it, whatever data it carries. Consumes @skb.
 */
static void ktcp_listen_req_rcv(struct sock *listener, struct ktcp_request *req,
				struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(listener);
	struct ktcp_opts o;
	bool paws, syn;

	ktcp_opts_parse_hdr(th, &o);
	paws = ktcp_listen_req_paws(req, &o, th->rst);
	if (th->syn && !th->ack && !th->rst && cb->seq == req->irs && !paws) {
		ktcp_listen_syn_again(listener, req, skb);
		goto drop;
	}
	if (th->ack && !th->rst && cb->ack_seq != req->iss + 1) {
		ktcp_reply_rst(net, listener, skb, SK_RST_REASON_NOT_SPECIFIED);
		goto drop;
	}
	if (!ktcp_synrecv_acceptable(listener, req, skb, paws))
		goto drop;
	/*
	 * TS.Recent stays the SYN's: the child takes the completing ACK's
	 * (tcp_check_req() only reads req->ts_recent), so a segment that
	 * does not complete the handshake cannot move it.
	 */
	syn = th->syn && cb->seq != req->irs;	/* not the SYN again */
	if (th->rst && cb->seq != req->irs + 1) {
		ktcp_synrecv_challenge(listener, req, skb);
		goto drop;
	}
	if (th->rst || syn) {
		KTCP_INC_STATS(net, KTCP_MIB_ATTEMPTFAILS);
		if (!th->rst)
			ktcp_reply_rst(net, listener, skb,
				       SK_RST_REASON_INVALID_SYN);
		ktcp_listen_req_unlink(listener, req);
		KTCP_INC_STATS(net, KTCP_MIB_EMBRYONICRSTS);
		goto drop;
	}
	if (!th->ack)
		goto drop;
	/* tcp_check_req(): TCP_DEFER_ACCEPT drops a bare ACK. */
	if (req->retries < ktcp_sk(listener)->defer_accept &&
	    cb->end_seq == req->irs + 1) {
		req->acked = true;
		goto drop;
	}
	if (!sk_acceptq_is_full(listener))
		return ktcp_listen_complete(listener, req, skb);
	ktcp_listen_drop(listener, KTCP_MIB_LISTENOVERFLOWS);
drop:
	kfree_skb(skb);
}

/*
 * A segment for a listener, for one of its requests or (when it waited in
 * the listener's backlog while its request became a child) for a child.
 * Consumes @skb. Runs in softirq, or from release_sock() with BHs on:
 * disable them, since the locks taken here are also taken in softirq.
 */
int ktcp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_request *req = NULL;
	struct sock *child = NULL;
	struct ktcp_hnode *h;
	struct ktcp_tuple t;

	sock_owned_by_me(sk);
	ktcp_tuple_from_skb(&t, skb);
	local_bh_disable();
	rcu_read_lock();
	h = ktcp_hash_lookup(ktcp_pernet(sock_net(sk)), &t,
			     KTCP_SKB_CB(skb)->iif, KTCP_SKB_CB(skb)->sdif);
	if (h && h->kind == KTCP_HNODE_REQ) {
		req = container_of(h, struct ktcp_request, hnode);
		if (req->listener != sk)
			req = NULL;
	} else if (h && h->kind == KTCP_HNODE_SOCK) {
		child = &container_of(h, struct ktcp_sock, hnode)->inet.sk;
		if (!refcount_inc_not_zero(&child->sk_refcnt))
			child = NULL;
	}
	rcu_read_unlock();
	if (req) {
		/* Still linked: we hold the listener lock that unlinks it. */
		ktcp_listen_req_rcv(sk, req, skb);
	} else if (child) {
		ktcp_rcv_child(child, skb);
		sock_put(child);
	} else {
		ktcp_listen_segment(sk, skb);
	}
	local_bh_enable();
	return 0;
}

int ktcp_listen_start(struct sock *sk, int backlog)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);
	int err;

	sock_owned_by_me(sk);
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	if (sk->sk_state == TCP_LISTEN)
		return 0;
	if (sk->sk_state != TCP_CLOSE)
		return -EINVAL;
	if (!inet_sk(sk)->inet_num) {	/* inet_csk_get_port(sk, 0) */
		err = ktcp_port_bind(kn, sk, 0);
		if (err)
			return err;
	}
	sk->sk_ack_backlog = 0;
	ks->syn_qlen = 0;
	ks->syn_young = 0;
	ks->synflood_warned = false;
	err = ktcp_port_listen(kn, sk);
	if (err)
		return err;
	ktcp_fastopen_listen(sk, backlog);
	ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state, KTCP_EV_LISTEN,
						false));
	return 0;
}

/*
 * Reset a child nobody accepted (inet_child_forget): it becomes an orphan
 * and its destruction drops the accept queue's reference.
 */
static void ktcp_listen_forget(struct sock *child)
{
	sock_hold(child);
	local_bh_disable();
	bh_lock_sock(child);
	sock_orphan(child);
	if (child->sk_state != TCP_CLOSE) {
		/* inet_child_forget()'s tcp_disconnect() */
		ktcp_xmit_rst(child, GFP_ATOMIC, SK_RST_REASON_TCP_STATE);
		ktcp_sock_reset(child, ECONNRESET);
	} else {
		ktcp_sock_done(child);
	}
	bh_unlock_sock(child);
	local_bh_enable();
	sock_put(child);
}

/* close() of a listener: drop the SYN queue, reset unaccepted children. */
void ktcp_listen_stop(struct sock *sk)
{
	struct ktcp_sock *kl = ktcp_sk(sk), *kc, *tmp_c;
	struct ktcp_request *req, *tmp;

	sock_owned_by_me(sk);
	ktcp_hash_unlisten(ktcp_pernet(sock_net(sk)), sk);
	ktcp_port_unlisten(sk);
	list_for_each_entry_safe(req, tmp, &kl->syn_queue, list)
		ktcp_listen_req_unlink(sk, req);
	list_for_each_entry_safe(kc, tmp_c, &kl->accept_queue, accept_node) {
		list_del_init(&kc->accept_node);
		sk_acceptq_removed(sk);
		ktcp_listen_forget(&kc->inet.sk);
	}
}

struct sock *ktcp_listen_accept_dequeue(struct sock *sk)
{
	struct ktcp_sock *kl = ktcp_sk(sk), *kc;

	sock_owned_by_me(sk);
	kc = list_first_entry_or_null(&kl->accept_queue, struct ktcp_sock,
				      accept_node);
	if (!kc)
		return NULL;
	list_del_init(&kc->accept_node);
	sk_acceptq_removed(sk);
	return &kc->inet.sk;
}
