// SPDX-License-Identifier: GPL-2.0
/*
 * The active open: connect() (tcp_v4_connect() and
 * __inet_stream_connect()): the route, the source address and port, the
 * 4-tuple hashed (reusing a TIME_WAIT one as net.ktcp.tw_reuse allows),
 * the initial sequence number, the SYN, and the wait for the handshake;
 * and its undoing, connect(AF_UNSPEC) and shutdown() of a connect() in
 * progress (tcp_disconnect()). af_ktcp.c's proto_ops call it.
 *
 * Context: process, the socket lock held where a function says so.
 */

#include <linux/sizes.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/secure_seq.h>

#include "ktcp.h"
#include "uapi/ktcp.h"

/* Where connect() goes: IPv4 (sin_family AF_INET) or IPv6. */
union ktcp_connect_dest {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/*
 * A sockaddr_in, or AF_UNSPEC with INADDR_ANY: __inet_bind()'s
 * "compatibility games" (connect() takes AF_UNSPEC before it gets here).
 */
int ktcp_connect_check_addr(const struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)uaddr;

	if (addr_len < (int)sizeof(*sin))
		return -EINVAL;
	if (sin->sin_family != AF_INET &&
	    (sin->sin_family != AF_UNSPEC ||
	     sin->sin_addr.s_addr != htonl(INADDR_ANY)))
		return -EAFNOSUPPORT;
	return 0;
}

/*
 * Forget what a failed connect() chose, so that the next attempt starts
 * afresh: the peer, the route, and the source address and port unless the
 * user bound them.
 */
static void ktcp_connect_undo(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);

	sk_dst_reset(sk);
	inet->inet_dport = 0;
	inet->inet_daddr = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
	}
	if (ktcp_sk_v6(sk))
		ktcp_inet6_reset(sk, !(sk->sk_userlocks & SOCK_BINDADDR_LOCK));
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		ktcp_port_unbind(ktcp_pernet(sock_net(sk)), sk);
}

/* Route, pick the source and port, hash the 4-tuple (tcp_v4_connect). */
static int ktcp_connect_route(struct sock *sk, const struct sockaddr_in *usin)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	__be16 orig_sport = inet->inet_sport;
	struct rtable *rt;
	int err;

	rt = ip_route_connect(fl4, usin->sin_addr.s_addr, inet->inet_saddr,
			      sk->sk_bound_dev_if, IPPROTO_TCP, orig_sport,
			      usin->sin_port, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	if (!inet->inet_saddr) {
		inet->inet_saddr = fl4->saddr;
		inet->inet_rcv_saddr = fl4->saddr;
	}
	inet->inet_daddr = fl4->daddr;
	inet->inet_dport = usin->sin_port;
	err = inet->inet_num ? 0 :
	      ktcp_port_connect(ktcp_pernet(sock_net(sk)), sk);
	if (err)
		goto err_rt;
	rt = ip_route_newports(fl4, rt, orig_sport, usin->sin_port,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto err_rt;
	}
	sk_setup_caps(sk, &rt->dst);
	return 0;
err_rt:
	if (rt)
		ip_rt_put(rt);
	ktcp_connect_undo(sk);
	return err;
}

/* Times connect() chooses a port again (ktcp_connect_hash()). */
#define KTCP_CONNECT_TRIES	16

/*
 * Route, choose the port, hash the 4-tuple. ktcp_port_connect() shares a
 * port whose 4-tuple is not in the table, but another connect() to the same
 * destination may choose that port too and hash first: then the port is
 * chosen again, as __inet_hash_connect(), which checks and inserts under one
 * lock, goes on to the next port. A port the user bound is not chosen
 * again: EADDRNOTAVAIL, as Linux's.
 */
/*
 * Route to @dest and choose the source and port: IPv4 (an AF_KTCP socket,
 * or an AF_KTCP6 one to a v4-mapped peer) or IPv6. Then the 4-tuple.
 */
static int ktcp_connect_route_any(struct sock *sk,
				  const union ktcp_connect_dest *dest)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	int err;

	if (dest->sa.sa_family == AF_INET) {
		err = ktcp_connect_route(sk, &dest->sin);
		if (err)
			return err;
		sk_set_txhash(sk);	/* tcp_v4_connect() */
		ktcp_tuple_set_v4(&ks->hnode.key, inet->inet_saddr,
				  inet->inet_sport, inet->inet_daddr,
				  inet->inet_dport);
		if (ktcp_sk_v6(sk))	/* a v4-mapped peer's names */
			ktcp_inet6_set_addrs(sk, &ks->hnode.key);
		return 0;
	}
	sk->sk_v6_daddr = dest->sin6.sin6_addr;	/* an undo cleared it */
	err = ktcp_ip6_connect_route(sk, dest->sin6.sin6_port) ? :
	      (inet->inet_num ? 0 : ktcp_port_connect(ktcp_pernet(sock_net(sk)),
						       sk));
	if (err) {
		ktcp_connect_undo(sk);
		return err;
	}
	ks->hnode.key = (struct ktcp_tuple){
		.laddr = ktcp_np(sk)->saddr, .raddr = sk->sk_v6_daddr,
		.lport = inet->inet_sport, .rport = inet->inet_dport,
	};
	return 0;
}

static int ktcp_connect_hash(struct sock *sk,
			     const union ktcp_connect_dest *dest,
			     struct ktcp_tw_reuse *r)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	bool chosen = !inet->inet_num;	/* connect() chooses the port */
	int tries, err;

	for (tries = 1;; tries++) {
		err = ktcp_connect_route_any(sk, dest);
		if (err)
			return err;
		sock_hold(sk);
		memset(r, 0, sizeof(*r));
		if (!ktcp_hash_insert(kn, &ks->hnode))
			return 0;
		/* a TIME_WAIT holder may give it up (net.ktcp.tw_reuse) */
		if ((ktcp_tw_reclaim(sk, r, !chosen) ||
		     ktcp_sock_tw_reuse(sk, r, !chosen)) &&
		    !ktcp_hash_insert(kn, &ks->hnode))
			return 0;
		__sock_put(sk);
		ktcp_connect_undo(sk);
		if (!chosen || tries == KTCP_CONNECT_TRIES)
			return -EADDRNOTAVAIL;
	}
}

/*
 * The first window, our window scale and the clamp (tcp_connect_init()):
 * TCP_WINDOW_CLAMP, if set, caps them; the MSS we announce paces the
 * window (the timestamp option is taken off it once agreed).
 */
static void ktcp_connect_window(struct sock *sk)
{
	struct ktcp_net *kn = ktcp_pernet(sock_net(sk));
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_window_init w = { .clamp = ks->window_clamp };

	ks->advmss = ks->adv_mss;
	ktcp_window_initial(sk, ks->advmss, READ_ONCE(kn->window_scaling), &w);
	ks->neg.rcv_wscale = w.wscale;
	WRITE_ONCE(ks->window_clamp, w.clamp);
	WRITE_ONCE(ks->rcv_wnd, w.rcv_wnd);
	ks->rcv_ssthresh = w.rcv_wnd;
	ks->scaling_ratio = KTCP_DEFAULT_SCALING_RATIO;
	ks->rcv_mss = ktcp_window_rcv_mss_init(ks->advmss, ks->advmss,
					       w.rcv_wnd);
}

/* The initial sequence number and timestamp offset (RFC 6528). */
static union tcp_seq_and_ts_off ktcp_connect_isn(struct sock *sk)
{
	const struct ktcp_tuple *t = &ktcp_sk(sk)->hnode.key;

	if (ktcp_tuple_is_v4(t))
		return secure_tcp_seq_and_ts_off(sock_net(sk),
						 ktcp_addr_v4(&t->laddr),
						 ktcp_addr_v4(&t->raddr),
						 t->lport, t->rport);
	return secure_tcpv6_seq_and_ts_off(sock_net(sk), t->laddr.s6_addr32,
					   t->raddr.s6_addr32, t->lport,
					   t->rport);
}

/*
 * tcp_connect()'s send: the SYN, a Fast Open one (tcp_send_syn_data())
 * when ks->fo_req asks: with the cookie kept for the peer, or none needed,
 * and the first bytes of its write, as many as the SYN has room for
 * beside a full set of options (the peer's MSS if kept, the route's);
 * without a cookie, with a request for one. TCP_FASTOPEN_CONNECT's
 * connect() without a cookie (tcp_fastopen_defer_connect()) asks too.
 */
static int ktcp_connect_syn(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_fo_req *fo = ks->fo_req, request = {};
	u16 mss = ks->adv_mss;
	int space, err;

	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ACTIVEOPENS);
	if (!fo && ks->fo_connect) {
		ktcp_fastopen_cookie_check(sk, &mss, &request.cookie);
		ks->fo_req = &request;
		err = ktcp_output_syn(sk);
		ks->fo_req = NULL;
		return err;
	}
	if (!fo || !ktcp_fastopen_cookie_check(sk, &mss, &fo->cookie) ||
	    !fo->data) {
		err = ktcp_output_syn(sk);
	} else {
		if (ks->user_mss)	/* tcp_mss_clamp() */
			mss = min(mss, ks->user_mss);
		/* __tcp_mtu_to_mss() less a full set of options; a page frag */
		space = max_t(int, min_t(int, mss, ktcp_window_mss_route(sk)),
			      READ_ONCE(ktcp_pernet(sock_net(sk))->min_snd_mss));
		space = min(space - KTCP_MAX_OPTLEN, SZ_32K);
		err = ktcp_output_syn_data(sk, space);
	}
	if (fo)		/* SYNs sent again carry no option */
		fo->cookie.present &= ~KTCP_OPTF_FASTOPEN;
	return err;
}

/*
 * tcp_fastopen_defer_connect(): with TCP_FASTOPEN_CONNECT and a cookie
 * for the peer (or none needed), connect() sends nothing: the first write
 * sends the SYN with its data.
 */
static bool ktcp_connect_fastopen_defer(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct ktcp_opts cookie = {};
	u16 mss = 0;

	if (!ks->fo_connect || ks->fo_req ||
	    !ktcp_fastopen_cookie_check(sk, &mss, &cookie))
		return false;
	ks->fo_defer = 1;
	return true;
}

/* Everything connect() does before waiting: route, hash, send the SYN. */
static int ktcp_connect_start(struct sock *sk,
			      const union ktcp_connect_dest *dest)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct net *net = sock_net(sk);
	union tcp_seq_and_ts_off st;
	struct ktcp_tw_reuse tw;
	int err;

	err = ktcp_connect_hash(sk, dest, &tw);
	if (err)
		return err;
	/*
	 * A socket may connect again after a failed attempt or a disconnect
	 * (which cleared sk_shutdown), with its error gone, as
	 * tcp_connect_init() does; a shutdown() before connect() stays.
	 * Hashed, but segments wait in the backlog: the caller owns the lock.
	 */
	WRITE_ONCE(sk->sk_err, 0);
	sock_reset_flag(sk, SOCK_DONE);
	__skb_queue_purge(&sk->sk_receive_queue);
	ks->snd_wnd = 0;
	ks->max_window = 0;
	ktcp_rtt_init(&ks->rtt);
	ktcp_cc_init(&ks->cc, ks->cc.ops);
	st = ktcp_connect_isn(sk);
	ktcp_sock_init_seq(ks, tw.seq ?: st.seq);
	memset(&ks->neg, 0, sizeof(ks->neg));
	ks->neg.ts_off = ktcp_neg_ts_off(net, st.ts_off);
	ks->neg.ts_recent = tw.ts_recent;	/* tcp_twsk_unique() */
	ks->neg.ts_recent_stamp = tw.ts_recent_stamp;
	ks->adv_mss = ktcp_window_mss_route(sk);
	if (ks->user_mss)	/* tcp_connect_init(): tcp_mss_clamp() */
		ks->adv_mss = min(ks->adv_mss, ks->user_mss);
	ktcp_connect_window(sk);
	ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state, KTCP_EV_CONNECT,
						false));
	if (ktcp_connect_fastopen_defer(sk))
		return 0;
	err = ktcp_connect_syn(sk);
	if (!err)
		return 0;
	ktcp_sock_set_state(sk, TCP_CLOSE);
	ktcp_connect_undo(sk);
	return err;
}

/* Sleep until the handshake ends; 0, or -errno for a signal. */
static int ktcp_connect_wait(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
		lock_sock(sk);
		if (signal_pending(current) || !*timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return signal_pending(current) ? sock_intr_errno(*timeo) : 0;
}

/*
 * connect(AF_UNSPEC), and shutdown() of a listener or of a connect() in
 * progress: Linux's tcp_disconnect() (the RFC's ABORT). A listener stops
 * listening; a synchronized connection (or one closing with data unsent)
 * is reset with RST and ECONNRESET for the user, as is a connect() in
 * progress, without RST. The socket is CLOSE and unconnected again, its
 * bound address and port kept.
 */
void ktcp_connect_disconnect_locked(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 old = sk->sk_state;

	sock_owned_by_me(sk);
	if (old == TCP_LISTEN) {
		ktcp_listen_stop(sk);
	} else if (((1 << old) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				  TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
				  TCPF_SYN_RECV)) ||	/* tcp_need_reset() */
		   (ks->snd_nxt != ks->write_seq &&
		    ((1 << old) & (TCPF_CLOSING | TCPF_LAST_ACK)))) {
		/* tcp_disconnect(): CLOSE, then the RST */
		ktcp_sock_set_state(sk, TCP_CLOSE);
		ktcp_xmit_rst(sk, GFP_KERNEL,
			      (1 << old) & (TCPF_CLOSING | TCPF_LAST_ACK) ?
			      SK_RST_REASON_TCP_DISCONNECT_WITH_DATA :
			      SK_RST_REASON_TCP_STATE);
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old == TCP_SYN_SENT) {
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}
	if (old != TCP_CLOSE)
		ktcp_sock_set_state(sk, TCP_CLOSE);
	ktcp_sock_disconnect(sk);
	ktcp_connect_undo(sk);
	sock->state = SS_UNCONNECTED;
	sk_error_report(sk);
}

static int ktcp_connect_disconnect(struct socket *sock)
{
	lock_sock(sock->sk);
	ktcp_connect_disconnect_locked(sock);
	release_sock(sock->sk);
	return 0;
}

/*
 * tcp_v6_connect()'s address checks for an AF_KTCP6 socket, @sin6 a copy
 * of the user's: with IPV6_FLOWINFO_SEND, its flow label and class; :: is
 * the loopback address (v4-mapped if the socket is bound to a v4-mapped
 * one, a BSD'ism), multicast is unreachable, a link-local peer needs a
 * device (the scope id, which must agree with the one the socket is bound
 * to). A v4-mapped peer is connected to over IPv4 (@dest an AF_INET one),
 * unless the socket is IPv6-only; any other, over IPv6.
 */
static int ktcp_connect_addr6(struct sock *sk, struct sockaddr_in6 *sin6,
			      int addr_len, union ktcp_connect_dest *dest)
{
	__be32 flowlabel = 0;
	int type;

	/* IPV6_FLOWINFO_SEND: the label must be one of the socket's leases */
	if (inet6_test_bit(SNDFLOW, sk)) {
		struct ip6_flowlabel *fl;

		flowlabel = sin6->sin6_flowinfo & IPV6_FLOWINFO_MASK;
		IP6_ECN_flow_init(flowlabel);
		if (flowlabel & IPV6_FLOWLABEL_MASK) {
			fl = fl6_sock_lookup(sk, flowlabel);
			if (IS_ERR(fl))
				return -EINVAL;
			fl6_sock_release(fl);
		}
	}
	if (ipv6_addr_any(&sin6->sin6_addr)) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr))
			ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK),
					       &sin6->sin6_addr);
		else
			sin6->sin6_addr = in6addr_loopback;
	}
	type = ipv6_addr_type(&sin6->sin6_addr);
	if (type & IPV6_ADDR_MULTICAST)
		return -ENETUNREACH;
	if (type & IPV6_ADDR_LINKLOCAL) {
		if (addr_len >= (int)sizeof(*sin6) && sin6->sin6_scope_id) {
			if (!sk_dev_equal_l3scope(sk, sin6->sin6_scope_id))
				return -EINVAL;
			sk->sk_bound_dev_if = sin6->sin6_scope_id;
		}
		if (!sk->sk_bound_dev_if)
			return -EINVAL;
	}
	sk->sk_v6_daddr = sin6->sin6_addr;
	ktcp_np(sk)->flow_label = flowlabel;
	if (!(type & IPV6_ADDR_MAPPED)) {
		dest->sin6 = *sin6;
		return 0;
	}
	if (ipv6_only_sock(sk))
		return -ENETUNREACH;
	dest->sin = (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_port = sin6->sin6_port,
		.sin_addr.s_addr = sin6->sin6_addr.s6_addr32[3],
	};
	return 0;
}

/* The peer connect() was given, as the wire will reach it (@dest). */
static int ktcp_connect_addr(struct sock *sk, const struct sockaddr *uaddr,
			     int addr_len, union ktcp_connect_dest *dest)
{
	struct sockaddr_in6 sin6 = {};
	int err;

	if (!ktcp_sk_v6(sk)) {
		err = ktcp_connect_check_addr(uaddr, addr_len);
		if (!err)
			dest->sin = *(const struct sockaddr_in *)uaddr;
		return err;
	}
	err = ktcp_inet6_check_addr(uaddr, addr_len);
	if (err)
		return err;
	memcpy(&sin6, uaddr, min_t(int, addr_len, sizeof(sin6)));
	return ktcp_connect_addr6(sk, &sin6, addr_len, dest);
}

/*
 * __inet_stream_connect() with the lock held; @is_sendmsg: for a Fast
 * Open write (ktcp_connect_fastopen()), whose address may be NULL.
 */
static int __ktcp_connect_stream(struct socket *sock, struct sockaddr *uaddr,
				 int addr_len, int flags, bool is_sendmsg)
{
	union ktcp_connect_dest dest;
	struct sock *sk = sock->sk;
	int err, wait;
	long timeo;

	if (uaddr && addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	switch (sock->state) {
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		/* A deferred Fast Open connect is connected, to connect(). */
		if (ktcp_sk(sk)->fo_defer)
			err = is_sendmsg ? -EINPROGRESS : -EISCONN;
		else
			err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		/* tcp_v4_connect(): the address after the state */
		err = ktcp_connect_addr(sk, uaddr, addr_len, &dest) ? :
		      ktcp_cgroup_check(sk);
		if (err)
			goto out;
		err = ktcp_connect_start(sk, &dest);
		if (err)
			goto out;
		sock->state = SS_CONNECTING;
		if (ktcp_sk(sk)->fo_defer)	/* the first write sends the SYN */
			goto out;
		err = -EINPROGRESS;
		break;
	default:	/* SS_DISCONNECTING: shut down while connecting */
		err = -EINVAL;
		goto out;
	}
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		/* a Fast Open write waits: its data will carry the ACK */
		int writebias = is_sendmsg && ktcp_sk(sk)->fo_req &&
				ktcp_sk(sk)->fo_req->data;

		if (!timeo)
			goto out;
		sk->sk_write_pending += writebias;
		wait = ktcp_connect_wait(sk, &timeo);
		sk->sk_write_pending -= writebias;
		if (wait) {
			err = wait;
			goto out;
		}
		/* Timed out: the error set above, EINPROGRESS or EALREADY. */
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			goto out;
	}
	if (sk->sk_state == TCP_CLOSE) {
		/* __inet_stream_connect() then tcp_disconnect()s it */
		err = sock_error(sk) ? : -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		ktcp_sock_disconnect(sk);
		ktcp_connect_undo(sk);
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	return err;
}

int ktcp_connect_stream(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags)
{
	int err;

	/* __inet_stream_connect(): AF_UNSPEC disconnects. */
	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;
	if (uaddr->sa_family == AF_UNSPEC)
		return ktcp_connect_disconnect(sock);
	lock_sock(sock->sk);
	err = __ktcp_connect_stream(sock, uaddr, addr_len, flags, false);
	release_sock(sock->sk);
	return err;
}

/*
 * tcp_sendmsg_fastopen(): a write with MSG_FASTOPEN, or the first after a
 * deferred TCP_FASTOPEN_CONNECT, connects (to @msg's address, if any) and
 * sends its first bytes in the SYN, as many as it may; *@copied says how
 * many. The lock is held; a blocking one waits for the handshake. -errno:
 * EOPNOTSUPP without net.ktcp.fastopen's 0x1, or for AF_UNSPEC; EINPROGRESS
 * (not blocking); what connect() would say otherwise (EISCONN...).
 */
int ktcp_connect_fastopen(struct socket *sock, struct msghdr *msg,
			  size_t size, int *copied)
{
	struct sockaddr *uaddr = msg->msg_name;
	struct ktcp_fo_req fo = { .data = msg, .size = size };
	struct sock *sk = sock->sk;
	struct ktcp_sock *ks = ktcp_sk(sk);
	int err;

	sock_owned_by_me(sk);
	*copied = 0;
	if (!(READ_ONCE(ktcp_pernet(sock_net(sk))->fastopen) &
	      TFO_CLIENT_ENABLE) ||
	    (uaddr && msg->msg_namelen >= (int)sizeof(uaddr->sa_family) &&
	     uaddr->sa_family == AF_UNSPEC))
		return -EOPNOTSUPP;
	if (ks->fo_req)
		return -EALREADY;	/* another Fast Open is in progress */
	ks->fo_req = &fo;
	/* Not if it left SYN_SENT meanwhile (a SYN, an ICMP error). */
	if (ks->fo_defer && sk->sk_state == TCP_SYN_SENT) {
		err = ktcp_connect_syn(sk);
		if (err) {	/* as a connect() that failed to send */
			ktcp_sock_set_state(sk, TCP_CLOSE);
			ktcp_connect_undo(sk);
		}
	}
	err = __ktcp_connect_stream(sock, uaddr, uaddr ? msg->msg_namelen : 0,
				    (msg->msg_flags & MSG_DONTWAIT) ?
				    O_NONBLOCK : 0, true);
	/* A disconnect while it waited took it (ktcp_sock_disconnect()). */
	if (ks->fo_req == &fo) {
		*copied = fo.copied;
		ks->fo_req = NULL;
		ks->fo_defer = 0;
	}
	return err;
}
