// SPDX-License-Identifier: GPL-2.0
/*
 * The receive side's dispatch: where a segment goes once hook.c has matched
 * it to a socket (the tail of Linux's tcp_v4_rcv() and the state switch of
 * tcp_rcv_state_process()).
 *
 * - Now or later: a segment is processed at once under the socket spinlock,
 *   or queued to the socket's backlog when a process owns the socket;
 *   release_sock() then runs the backlog through ktcp_rcv_backlog(), in
 *   process context with the socket still owned.
 * - By state: a listener's segments go to listen.c, every other state's to
 *   input.c (SYN_SENT, TIME_WAIT and the synchronized states each have their
 *   own entry), and a CLOSE socket answers with a RST.
 *
 * The three ways in differ in who calls and what lock is around them:
 *   ktcp_rcv_segment()  the hook, softirq, no socket lock held;
 *   ktcp_rcv_child()    listen.c, with the child's listener locked, so the
 *                       child is locked nested inside it;
 *   ktcp_rcv_backlog()  release_sock(), the socket owned by the process.
 *
 * A SYN that ends a TIME_WAIT (KTCP_RCV_TW_SYN) is the one segment that
 * changes socket on the way: it is handed to the listener of its port.
 */

#include <net/ip.h>

#include "ktcp.h"

/*
 * A segment for the TIME_WAIT entry (timewait.c) of its 4-tuple, if one
 * holds it: found under RCU, as the hook holds no reference on it.
 * -ENOENT (@skb untouched) if none; else ktcp_tw_process()'s verdict.
 */
static int ktcp_rcv_tw_entry(struct net *net, struct sk_buff *skb)
{
	const struct ktcp_skb_cb *cb = KTCP_SKB_CB(skb);
	struct ktcp_hnode *h;
	struct ktcp_tuple t;
	int ret = -ENOENT;

	ktcp_tuple_from_skb(&t, skb);
	rcu_read_lock();
	h = ktcp_hash_lookup(ktcp_pernet(net), &t, cb->iif, cb->sdif);
	if (h && h->kind == KTCP_HNODE_TW)
		ret = ktcp_tw_process(net, ktcp_tw_of(h), skb);
	rcu_read_unlock();
	return ret;
}

/*
 * A segment for an orphan whose TIME_WAIT became an entry (it waited in
 * the backlog, or took the lock as the entry replaced it) goes to the
 * entry, as if it came now; none there, it is dropped, as Linux drops one
 * in CLOSE. A SYN that reopens the 4-tuple returns KTCP_RCV_TW_SYN, for
 * the caller to hand over or drop. BHs off: the entry's ACK and end take
 * locks softirq takes.
 */
static int ktcp_rcv_tw_backlog(struct net *net, struct sk_buff *skb)
{
	int ret;

	local_bh_disable();
	ret = ktcp_rcv_tw_entry(net, skb);
	local_bh_enable();
	if (ret == KTCP_RCV_TW_SYN)
		return ret;
	if (ret)
		kfree_skb(skb);
	return 0;
}

/*
 * By state; consumes @skb, unless it returns KTCP_RCV_TW_SYN. A segment for
 * a connection counts in its TCP_INFO (tcp_segs_in(); the header is pulled).
 */
static int ktcp_rcv_state(struct sock *sk, struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int ret;

	sock_owned_by_me(sk);
	if (sk->sk_state == TCP_LISTEN)
		return ktcp_listen_rcv(sk, skb);
	ks->segs_in++;
	if (skb->len)
		ks->data_segs_in++;
	switch (sk->sk_state) {
	case TCP_CLOSE:
		/* an orphan's backlog, its TIME_WAIT now an entry's */
		if (sock_flag(sk, SOCK_DEAD))
			return ktcp_rcv_tw_backlog(sock_net(sk), skb);
		/* Linux's socket would be out of the table by now */
		ktcp_reply_rst(sock_net(sk), sk, skb,
			       SK_RST_REASON_NO_SOCKET);
		break;
	case TCP_SYN_SENT:
		ktcp_input_syn_sent(sk, skb);
		break;
	case TCP_TIME_WAIT:
		return ktcp_input_timewait(sk, skb);
	default:
		ret = ktcp_input_synchronized(sk, skb);
		/* an orphan that entered TIME_WAIT leaves its socket behind */
		ktcp_tw_compact(sk);
		return ret;
	}
	kfree_skb(skb);
	return 0;
}

/*
 * Process @skb on @sk now, or queue it to the backlog if a process owns @sk.
 * Consumes @skb, unless it returns KTCP_RCV_TW_SYN; the caller keeps its
 * reference on @sk. @nested: @sk is a child and its listener's lock is held.
 */
static int ktcp_rcv_now_or_backlog(struct sock *sk, struct sk_buff *skb,
				   bool nested)
{
	int ret = 0;

	if (sk->sk_state != TCP_LISTEN)
		sk_incoming_cpu_update(sk);	/* SO_INCOMING_CPU, tcp_v4_rcv() */
	if (nested)
		bh_lock_sock_nested(sk);
	else
		bh_lock_sock(sk);
	if (!sock_owned_by_user(sk)) {
		ret = ktcp_rcv_state(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
					  READ_ONCE(sk->sk_sndbuf))) {
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_BACKLOGDROP);
		kfree_skb(skb);
	}
	bh_unlock_sock(sk);
	return ret;
}

/*
 * A segment for a listener's child (a completing ACK, or a segment that
 * waited in the listener's backlog while its request became a child).
 * Consumes @skb; a child is never in TIME_WAIT yet.
 */
void ktcp_rcv_child(struct sock *child, struct sk_buff *skb)
{
	if (ktcp_rcv_now_or_backlog(child, skb, true) == KTCP_RCV_TW_SYN)
		kfree_skb(skb);
}

/*
 * RFC 9293 3.6.1 and Linux's TCP_TW_SYN: a SYN above the sequence space of
 * a TIME_WAIT connection opens a new one; TIME_WAIT has ended, so the SYN
 * goes to the listener, if there is one.
 */
static void ktcp_rcv_tw_syn(struct net *net, struct sk_buff *skb)
{
	struct sock *listener;
	struct ktcp_tuple t;

	ktcp_tuple_from_skb(&t, skb);
	rcu_read_lock();
	listener = ktcp_hash_lookup_listener(ktcp_pernet(net), skb, &t,
					     KTCP_SKB_CB(skb)->iif,
					     KTCP_SKB_CB(skb)->sdif);
	if (listener && !refcount_inc_not_zero(&listener->sk_refcnt))
		listener = NULL;
	rcu_read_unlock();
	if (!listener) {
		ktcp_reply_rst(net, NULL, skb, SK_RST_REASON_NO_SOCKET);
		kfree_skb(skb);
		return;
	}
	/* A listener never answers KTCP_RCV_TW_SYN. */
	if (ktcp_rcv_now_or_backlog(listener, skb, false) == KTCP_RCV_TW_SYN)
		kfree_skb(skb);
	sock_put(listener);
}

/*
 * A segment from the hook for a TIME_WAIT entry, its header checked and
 * ktcp_skb_cb filled; dropped if the entry ended meanwhile (the peer
 * sends again and finds what holds the 4-tuple now). Consumes @skb.
 */
void ktcp_rcv_tw(struct net *net, struct sk_buff *skb)
{
	int ret = ktcp_rcv_tw_entry(net, skb);

	if (ret == KTCP_RCV_TW_SYN)
		ktcp_rcv_tw_syn(net, skb);
	else if (ret)
		kfree_skb(skb);
}

/*
 * A segment from the hook for @sk (referenced by the caller), its header
 * checked and ktcp_skb_cb filled. Consumes @skb.
 */
void ktcp_rcv_segment(struct net *net, struct sock *sk, struct sk_buff *skb)
{
	if (ktcp_rcv_now_or_backlog(sk, skb, false) == KTCP_RCV_TW_SYN)
		ktcp_rcv_tw_syn(net, skb);
}

/*
 * proto.backlog_rcv, from release_sock(). A SYN that ends a TIME_WAIT here
 * (the socket was orphaned while it sat in the backlog) is dropped: the
 * peer's retransmission finds the listener.
 */
int ktcp_rcv_backlog(struct sock *sk, struct sk_buff *skb)
{
	if (ktcp_rcv_state(sk, skb) == KTCP_RCV_TW_SYN)
		kfree_skb(skb);
	return 0;
}
