// SPDX-License-Identifier: GPL-2.0
/*
 * The socket family's proto_ops: what each POSIX call does in the stack
 * (bind, connect, listen, accept, getsockname/getpeername, poll, ioctl,
 * shutdown, close), and socket() itself. connect() is connect.c's,
 * sendmsg and recvmsg are sendrecv.c's, socket options sockopt.c's; the
 * TCB's lifecycle is sock.c's.
 *
 * Context: process. Every call takes the socket lock (lock_sock()) for what
 * it reads or changes, except poll(), SIOCATMARK, SIOCOUTQ and SIOCOUTQNSD,
 * which read lockless as tcp_poll() and tcp_ioctl() do.
 */

#include <asm/ioctls.h>
#include <linux/igmp.h>
#include <linux/sockios.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/l3mdev.h>
#include <net/route.h>
#include <net/secure_seq.h>

#include "ktcp.h"
#include "uapi/ktcp.h"

/*
 * The address bind() may take (__inet_bind()): a local one, INADDR_ANY,
 * multicast or broadcast; any address at all with IP_FREEBIND,
 * IP_TRANSPARENT or net.ipv4.ip_nonlocal_bind. The type, or a negative
 * errno.
 */
static int ktcp_af_bind_addr_type(struct sock *sk, __be32 addr)
{
	struct net *net = sock_net(sk);
	u32 tb_id;
	int type;

	tb_id = l3mdev_fib_table_by_index(net,
					  READ_ONCE(sk->sk_bound_dev_if)) ? :
		RT_TABLE_LOCAL;
	type = inet_addr_type_table(net, addr, tb_id);
	if (!inet_addr_valid_or_nonlocal(net, inet_sk(sk), addr, type))
		return -EADDRNOTAVAIL;
	return type;
}

/* The port bind() asks for, if the caller may have it; or -EACCES. */
static int ktcp_af_bind_port(struct sock *sk, __be16 sport)
{
	struct net *net = sock_net(sk);
	u16 port = ntohs(sport);

	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	return port;
}

/*
 * The port once the address is set: IP_BIND_ADDRESS_NO_PORT leaves port 0
 * to connect() (__inet_bind()).
 */
static int ktcp_af_bind_take(struct sock *sk, u16 port)
{
	if (!port && inet_test_bit(BIND_ADDRESS_NO_PORT, sk))
		return 0;
	return ktcp_port_bind(ktcp_pernet(sock_net(sk)), sk, port);
}

/* inet6_bind() and __inet6_bind() for an AF_KTCP6 socket. */
static int ktcp_af_bind6(struct sock *sk, struct sockaddr *uaddr,
			 int addr_len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;
	bool saved_v6only;
	int err, port;

	err = ktcp_inet6_check_addr(uaddr, addr_len) ? : ktcp_cgroup_check(sk);
	if (err)
		return err;
	/* A stream socket never binds a multicast address (__inet6_bind). */
	if (ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_MULTICAST)
		return -EINVAL;
	port = ktcp_af_bind_port(sk, sin6->sin6_port);
	if (port < 0)
		return port;
	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet_sk(sk)->inet_num)
		goto out;
	err = ktcp_inet6_bind(sk, sin6, addr_len, &saved_v6only);
	if (err)
		goto out;
	err = ktcp_af_bind_take(sk, port);
	if (err) {
		ktcp_inet6_bind_undo(sk, saved_v6only);
		goto out;
	}
	if (!ipv6_addr_any(&sin6->sin6_addr))
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (port)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
out:
	release_sock(sk);
	return err;
}

static int ktcp_af_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)uaddr;
	struct sock *sk = sock->sk;
	int err, type, port;

	if (ktcp_sk_v6(sk))
		return ktcp_af_bind6(sk, uaddr, addr_len);
	err = ktcp_connect_check_addr(uaddr, addr_len) ? : ktcp_cgroup_check(sk);
	if (err)
		return err;
	type = ktcp_af_bind_addr_type(sk, sin->sin_addr.s_addr);
	if (type < 0)
		return type;
	port = ktcp_af_bind_port(sk, sin->sin_port);
	if (port < 0)
		return port;
	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet_sk(sk)->inet_num)
		goto out;
	inet_sk(sk)->inet_rcv_saddr = sin->sin_addr.s_addr;
	inet_sk(sk)->inet_saddr = sin->sin_addr.s_addr;
	err = ktcp_af_bind_take(sk, port);
	if (err) {
		inet_sk(sk)->inet_rcv_saddr = 0;
		inet_sk(sk)->inet_saddr = 0;
		goto out;
	}
	if (type == RTN_MULTICAST || type == RTN_BROADCAST)
		inet_sk(sk)->inet_saddr = 0;	/* the device's (__inet_bind()) */
	/* As __inet_bind(): a port picked for port 0 goes at TCP_CLOSE. */
	if (port)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	if (sin->sin_addr.s_addr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
out:
	release_sock(sk);
	return err;
}

static int ktcp_af_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_UNCONNECTED)
		err = ktcp_cgroup_check(sk) ? : ktcp_listen_start(sk, backlog);
	release_sock(sk);
	return err;
}

/* Sleep until a child is queued; 0 or -errno. */
static int ktcp_af_accept_wait(struct sock *sk, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue_exclusive(sk_sleep(sk), &wait);
	while (list_empty(&ktcp_sk(sk)->accept_queue)) {
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(*timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!*timeo)
			break;
		release_sock(sk);
		*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
		lock_sock(sk);
		err = 0;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

static int ktcp_af_accept(struct socket *sock, struct socket *newsock,
			  struct proto_accept_arg *arg)
{
	struct sock *sk = sock->sk, *child = NULL;
	long timeo;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	timeo = sock_rcvtimeo(sk, arg->flags & O_NONBLOCK);
	err = ktcp_af_accept_wait(sk, &timeo);
	if (!err)
		child = ktcp_listen_accept_dequeue(sk);
out:
	release_sock(sk);
	if (!child)
		return err ? : -EAGAIN;
	lock_sock(child);
	sock_graft(child, newsock);
	set_bit(SOCK_CUSTOM_SOCKOPT, &newsock->flags);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
}

static int ktcp_af_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, uaddr);
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	int err = sizeof(*sin);

	if (ktcp_sk_v6(sk))
		return ktcp_inet6_getname(sock, uaddr, peer);
	lock_sock(sk);
	sin->sin_family = AF_INET;
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1))
			err = -ENOTCONN;
		sin->sin_port = inet->inet_dport;
		sin->sin_addr.s_addr = inet->inet_daddr;
	} else {
		sin->sin_port = inet->inet_sport;
		sin->sin_addr.s_addr = inet->inet_rcv_saddr ? :
				       inet->inet_saddr;
	}
	release_sock(sk);
	memset(sin->sin_zero, 0, sizeof(sin->sin_zero));
	return err;
}

/*
 * Readable as Linux's tcp_stream_is_readable() says: @target bytes
 * are there, or fewer when they fill 7/8 of the receive buffer or leave
 * the window offered at a segment or less, since more cannot come
 * (tcp_epollin_ready(), tcp_rmem_pressure()). Lockless.
 */
static bool ktcp_af_readable(const struct sock *sk, int target)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 rcv_nxt = READ_ONCE(ks->rcv_nxt);
	int avail = rcv_nxt - READ_ONCE(ks->copied_seq);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	s32 win;

	if (avail <= 0)
		return false;
	if (avail >= target ||
	    atomic_read(&sk->sk_rmem_alloc) > rcvbuf - (rcvbuf >> 3))
		return true;
	win = READ_ONCE(ks->rcv_wup) + READ_ONCE(ks->rcv_wnd) - rcv_nxt;
	return win <= (s32)READ_ONCE(ks->rcv_mss);
}

/* SO_RCVLOWAT bytes readable, or more at the urgent mark; EPOLLPRI (urg.c). */
static __poll_t ktcp_af_poll_rw(struct sock *sk, u8 shutdown)
{
	int target = sock_rcvlowat(sk, 0, INT_MAX);
	__poll_t mask = ktcp_urg_poll(sk, &target);

	if (ktcp_af_readable(sk, target))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (shutdown & SEND_SHUTDOWN)
		return mask | EPOLLOUT | EPOLLWRNORM;
	if (__sk_stream_is_writeable(sk, 1))
		return mask | EPOLLOUT | EPOLLWRNORM;
	sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	/* Race with the ACK that frees space: check again (tcp_poll). */
	smp_mb__after_atomic();
	if (__sk_stream_is_writeable(sk, 1))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static __poll_t ktcp_af_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 state, shutdown;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return READ_ONCE(sk->sk_ack_backlog) ? EPOLLIN | EPOLLRDNORM : 0;
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	/* tcp_poll(): a Fast Open child reads and writes in SYN_RECV. */
	if (state != TCP_SYN_SENT &&
	    (state != TCP_SYN_RECV || ktcp_fastopen_passive(sk)))
		mask |= ktcp_af_poll_rw(sk, shutdown);
	else if (state == TCP_SYN_SENT && ktcp_sk(sk)->fo_defer)
		mask |= EPOLLOUT | EPOLLWRNORM;	/* the write sends the SYN */
	/* Read sk_err after the state and queues, as tcp_poll() does. */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int ktcp_af_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct ktcp_sock *ks = ktcp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = ks->rcv_nxt - ks->copied_seq;
		/* A FIN takes a sequence number but no byte of data. */
		if (answ && sock_flag(sk, SOCK_DONE))
			answ--;
		answ = ktcp_urg_inq(sk, answ);
		release_sock(sk);
		break;
	case SIOCATMARK:	/* sockatmark(): the reader is at the mark */
		answ = ktcp_urg_at(sk, READ_ONCE(ks->copied_seq));
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			answ = 0;	/* the SYN is no data (tcp_ioctl()) */
		else
			answ = READ_ONCE(ks->write_seq) - READ_ONCE(ks->snd_una);
		break;
	case SIOCOUTQNSD:	/* queued, not yet sent (tcp_ioctl()) */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			answ = 0;
		else
			answ = READ_ONCE(ks->write_seq) - READ_ONCE(ks->snd_nxt);
		break;
	default:
		/* Routes, ARP, interface addresses: as for any AF_INET socket */
		return inet_ioctl(sock, cmd, arg);
	}
	return put_user(answ, (int __user *)arg);
}

/*
 * SO_RCVLOWAT, Linux's tcp_set_rcvlowat(): at most half the largest
 * receive buffer (the one SO_RCVBUF fixed, else tcp_rmem[2]), 0 meaning 1;
 * a buffer SO_RCVBUF did not fix grows to hold it in the window, at the
 * payload/truesize ratio measured (window.c). The socket lock is held.
 */
static int ktcp_af_set_rcvlowat(struct sock *sk, int val)
{
	bool locked = sk->sk_userlocks & SOCK_RCVBUF_LOCK;
	struct ktcp_sock *ks = ktcp_sk(sk);
	int cap, space;

	cap = locked ? sk->sk_rcvbuf :
		       READ_ONCE(ktcp_pernet(sock_net(sk))->rmem[2]);
	val = min(val, cap >> 1);
	WRITE_ONCE(sk->sk_rcvlowat, val ? : 1);
	sk->sk_data_ready(sk);	/* EPOLLIN may be due now (tcp_data_ready()) */
	if (locked)
		return 0;
	space = ktcp_window_space_from_win(ks->scaling_ratio, val);
	if (space <= sk->sk_rcvbuf)
		return 0;
	WRITE_ONCE(sk->sk_rcvbuf, space);
	if (ks->window_clamp && ks->window_clamp < val)
		WRITE_ONCE(ks->window_clamp, val);
	return 0;
}

/* shutdown(): RFC 9293 3.10.4 CLOSE for the sending half. */
static int ktcp_af_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;	/* SHUT_RD=0 becomes RCV_SHUTDOWN=1, and so on */
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;
	lock_sock(sk);
	/* inet_shutdown(): a connect() that failed cannot be resumed */
	if (sock->state == SS_CONNECTING)
		sock->state = (1 << sk->sk_state) & (TCPF_SYN_SENT |
			      TCPF_SYN_RECV | TCPF_CLOSE) ?
			      SS_DISCONNECTING : SS_CONNECTED;
	switch (sk->sk_state) {
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		ktcp_connect_disconnect_locked(sock);
		break;
	case TCP_CLOSE:
		err = -ENOTCONN;
		fallthrough;	/* and marked all the same (inet_shutdown()) */
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if ((how & SEND_SHUTDOWN) &&
		    ((1 << sk->sk_state) &
		     (TCPF_ESTABLISHED | TCPF_SYN_RECV | TCPF_CLOSE_WAIT))) {
			u8 next = ktcp_state_next(sk->sk_state, KTCP_EV_CLOSE,
						  false);

			ktcp_sock_set_state(sk, next);
			ktcp_output_fin(sk);
		}
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

/* close(): RFC 9293 3.10.4, with Linux's RST when unread data is lost. */
static void ktcp_af_close(struct sock *sk, long timeout)
{
	struct sk_buff *skb;
	u32 unread = 0;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	while ((skb = __skb_dequeue(&sk->sk_receive_queue))) {
		unread += skb->len;
		__kfree_skb(skb);
	}
	if (sk->sk_state == TCP_LISTEN) {
		ktcp_listen_stop(sk);
		ktcp_sock_set_state(sk, TCP_CLOSE);
	} else if (sk->sk_state == TCP_SYN_SENT) {
		ktcp_sock_set_state(sk, TCP_CLOSE);
	} else if (sk->sk_state != TCP_CLOSE &&
		   (unread || (sock_flag(sk, SOCK_LINGER) && !timeout))) {
		/* RFC 2525 2.17: data would be lost, so say so with RST. */
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_ABORTONDATA);
		/* tcp_close(): CLOSE, then the RST, as for each abort below */
		ktcp_sock_set_state(sk, TCP_CLOSE);
		ktcp_xmit_rst(sk, sk->sk_allocation, unread ?
				SK_RST_REASON_TCP_ABORT_ON_CLOSE :
				SK_RST_REASON_TCP_STATE);
	} else if ((1 << sk->sk_state) &
		   (TCPF_ESTABLISHED | TCPF_SYN_RECV | TCPF_CLOSE_WAIT)) {
		ktcp_sock_set_state(sk, ktcp_state_next(sk->sk_state,
							KTCP_EV_CLOSE, false));
		ktcp_output_fin(sk);
	}
	if (timeout)
		sk_stream_wait_close(sk, timeout);
	sock_hold(sk);
	ktcp_sock_orphan(sk);
	if (sk->sk_state == TCP_FIN_WAIT2 && ktcp_sk(sk)->linger2 < 0) {
		/* tcp_close(): a negative TCP_LINGER2 resets it at once. */
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPABORTONLINGER);
		ktcp_sock_set_state(sk, TCP_CLOSE);
		ktcp_xmit_rst(sk, sk->sk_allocation,
			      SK_RST_REASON_TCP_ABORT_ON_LINGER);
	}
	if (sk->sk_state != TCP_CLOSE && ktcp_sock_check_oom(sk, 0)) {
		/* tcp_close()'s tcp_check_oom(): no room for one more orphan */
		KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPABORTONMEMORY);
		ktcp_sock_set_state(sk, TCP_CLOSE);
		ktcp_xmit_rst(sk, sk->sk_allocation,
			      SK_RST_REASON_TCP_ABORT_ON_MEMORY);
	}
	if (sk->sk_state == TCP_CLOSE)
		ktcp_sock_done(sk);
	else if (sk->sk_state == TCP_TIME_WAIT)
		ktcp_tw_compact(sk);	/* tcp_close() leaves only the tw sock */
	else if (sk->sk_state == TCP_FIN_WAIT2)
		ktcp_timer_sk_reset(sk, &ktcp_sk(sk)->state_timer, jiffies +
				    ktcp_fin_time(sk));
	release_sock(sk);
	sock_put(sk);
}

/*
 * Leave the multicast groups the user joined through ip_setsockopt()
 * (MCAST_JOIN_GROUP and the source-specific joins; sockopt.c refuses
 * IP_ADD_MEMBERSHIP as Linux does), as inet_release()'s
 * ip_mc_drop_socket() does, which modules cannot call: each membership is
 * left with MCAST_LEAVE_GROUP, which drops its source filter too. Without
 * this the groups, and the device's membership reports, outlive the
 * socket.
 */
static void ktcp_af_mc_drop(struct sock *sk)
{
	struct sockaddr_in *grp;
	struct ip_mc_socklist *iml;
	struct group_req gr;
	int err = 0;

	while (!err && rcu_access_pointer(inet_sk(sk)->mc_list)) {
		memset(&gr, 0, sizeof(gr));
		grp = (struct sockaddr_in *)&gr.gr_group;
		grp->sin_family = AF_INET;
		rtnl_lock();
		iml = rtnl_dereference(inet_sk(sk)->mc_list);
		if (iml) {
			grp->sin_addr = iml->multi.imr_multiaddr;
			gr.gr_interface = iml->multi.imr_ifindex;
		}
		rtnl_unlock();
		if (!iml)
			break;
		err = ip_setsockopt(sk, SOL_IP, MCAST_LEAVE_GROUP,
				    KERNEL_SOCKPTR(&gr), sizeof(gr));
		WARN_ON_ONCE(err);
	}
}

static int ktcp_af_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	ktcp_af_mc_drop(sk);
	ktcp_cgroup_sock_release(sk);
	ktcp_af_close(sk, sock_flag(sk, SOCK_LINGER) ? sk->sk_lingertime : 0);
	sock->sk = NULL;
	return 0;
}

/*
 * .family is not read by the 6.12 core for a socket's ops; the family that
 * counts is the one registered with sock_register() (main.c).
 */
const struct proto_ops ktcp_proto_ops = {
	.family		= AF_KTCP_DEFAULT,
	.owner		= THIS_MODULE,
	.release	= ktcp_af_release,
	.bind		= ktcp_af_bind,
	.connect	= ktcp_connect_stream,
	.socketpair	= sock_no_socketpair,
	.accept		= ktcp_af_accept,
	.getname	= ktcp_af_getname,
	.poll		= ktcp_af_poll,
	.ioctl		= ktcp_af_ioctl,
	.gettstamp	= sock_gettstamp,
	.listen		= ktcp_af_listen,
	.shutdown	= ktcp_af_shutdown,
	.setsockopt	= ktcp_sockopt_set,
	.getsockopt	= ktcp_sockopt_get,
	.sendmsg	= ktcp_sr_sendmsg,
	.recvmsg	= ktcp_sr_recvmsg,
	.mmap		= sock_no_mmap,
	.set_rcvlowat	= ktcp_af_set_rcvlowat,
};

struct proto ktcp_prot = {
	.name		= "KTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct ktcp_sock),
	.backlog_rcv	= ktcp_rcv_backlog,
	.release_cb	= ktcp_timers_release_cb,
	.keepalive	= ktcp_timers_keepalive,
	.stream_memory_free = ktcp_sr_stream_memory_free,
	/* Global memory accounting, as tcp_prot's (mem.c). */
	.enter_memory_pressure	= ktcp_mem_enter_pressure,
	.leave_memory_pressure	= ktcp_mem_leave_pressure,
	.sockets_allocated	= &ktcp_sockets_allocated,
	.memory_allocated	= &ktcp_memory_allocated,
	.per_cpu_fw_alloc	= &ktcp_memory_per_cpu_fw_alloc,
	.memory_pressure	= &ktcp_memory_pressure,
	.sysctl_mem		= ktcp_sysctl_mem,
	/* .sysctl_wmem and .sysctl_rmem: net.ktcp's, set by main.c */
	.max_header		= MAX_TCP_HEADER,
};

/*
 * The proto of AF_KTCP6 sockets: ktcp_prot's, for a ktcp6_sock (tcpv6_prot
 * beside tcp_prot); memory is accounted as one, as Linux's TCP is. Set up
 * before either is registered.
 */
struct proto ktcp6_prot;

void ktcp_af_init_prot6(void)
{
	ktcp6_prot = ktcp_prot;
	strscpy(ktcp6_prot.name, "KTCPv6", sizeof(ktcp6_prot.name));
	ktcp6_prot.obj_size = sizeof(struct ktcp6_sock);
	ktcp6_prot.ipv6_pinfo_offset = offsetof(struct ktcp6_sock, inet6);
}

static int ktcp_af_create_family(struct net *net, struct socket *sock,
				 int protocol, int kern, bool v6)
{
	struct sock *sk;
	int err;

	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_TCP && protocol != IPPROTO_KTCP)
		return -EPROTONOSUPPORT;
	sk = sk_alloc(net, v6 ? ktcp_family6 : ktcp_family, GFP_KERNEL,
		      v6 ? &ktcp6_prot : &ktcp_prot, kern);
	if (!sk)
		return -ENOBUFS;
	sock->state = SS_UNCONNECTED;
	sock->ops = &ktcp_proto_ops;
	/* SOL_SOCKET setsockopt() through ktcp_sockopt_set() */
	set_bit(SOCK_CUSTOM_SOCKOPT, &sock->flags);
	sock_init_data(sock, sk);
	ktcp_sock_init_tcb(sk);
	if (v6)
		ktcp_inet6_init(sk);
	err = ktcp_cgroup_sock_create(sk);
	if (err) {
		/* inet_create()'s sk_common_release(): no release program */
		ktcp_af_close(sk, 0);
		sock->sk = NULL;
	}
	return err;
}

int ktcp_af_create(struct net *net, struct socket *sock, int protocol,
		   int kern)
{
	return ktcp_af_create_family(net, sock, protocol, kern, false);
}

/* socket(AF_KTCP6, ...): what programs open as AF_INET6 (inet6_create()). */
int ktcp_af_create6(struct net *net, struct socket *sock, int protocol,
		    int kern)
{
	return ktcp_af_create_family(net, sock, protocol, kern, true);
}
