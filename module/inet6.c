// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 side of an AF_KTCP6 socket, as af_inet6.c and tcp_ipv6.c give
 * it to a tcp6_sock: its struct ipv6_pinfo (the SOL_IPV6 state: hop limit,
 * traffic class, flow labels; IPV6_V6ONLY is sk_ipv6only), where its
 * addresses live, and bind()'s address rules (__inet6_bind()).
 *
 * An AF_KTCP6 socket keeps its addresses where an inet6 socket does:
 * sk_v6_rcv_saddr, sk_v6_daddr, and np->saddr for the source it sends
 * from. One that talks IPv4 (a v4-mapped peer it connected to, or a child
 * of an IPv4 SYN) also has the IPv4 ones in inet_rcv_saddr, inet_saddr
 * and inet_daddr, which are all the IPv4 data path reads: such a socket is
 * an IPv4 connection but for the names it reports, as tcp_v6_connect()'s
 * ipv6_mapped sockets are. The IPv4 view of a socket bound to an IPv6
 * address is LOOPBACK4_IPV6, as in __inet6_bind(), and never a real one.
 *
 * Context: process, or softirq for a listener's child that nobody else
 * sees yet; the socket lock where a function says so.
 */

#include <net/addrconf.h>
#include <net/inet_common.h>
#include <net/ipv6.h>
#include <net/transp_v6.h>

#include "ktcp.h"

/* The ipv6_pinfo inside an AF_KTCP6 socket (tcp_inet6_sk()). */
static struct ipv6_pinfo *ktcp_inet6_pinfo(struct sock *sk)
{
	return &container_of(ktcp_sk(sk), struct ktcp6_sock, ktcp)->inet6;
}

/*
 * inet6_create()'s share of a new AF_KTCP6 socket: its pinfo, Linux's
 * defaults, and IPV6_V6ONLY from net.ipv6.bindv6only.
 */
void ktcp_inet6_init(struct sock *sk)
{
	struct ipv6_pinfo *np = ktcp_inet6_pinfo(sk);
	struct net *net = sock_net(sk);

	inet_sk(sk)->pinet6 = np;
	np->hop_limit = -1;
	np->mcast_hops = IPV6_DEFAULT_MCASTHOPS;
	inet6_set_bit(MC6_LOOP, sk);
	inet6_set_bit(MC6_ALL, sk);
	np->pmtudisc = IPV6_PMTUDISC_WANT;
	inet6_assign_bit(REPFLOW, sk, READ_ONCE(net->ipv6.sysctl.flowlabel_reflect) &
			 FLOWLABEL_REFLECT_ESTABLISHED);
	sk->sk_ipv6only = READ_ONCE(net->ipv6.sysctl.bindv6only);
}

/*
 * tcp_v6_syn_recv_sock()'s copy of the listener's pinfo into its child:
 * the settings, not the lists (multicast, anycast, flow labels), the
 * received options or the transmit options, which the child would free a
 * second time (the flow label list is in the child's own inet_sock).
 */
void ktcp_inet6_clone(struct sock *child, const struct sock *listener)
{
	struct ipv6_pinfo *newnp = ktcp_inet6_pinfo(child);

	memcpy(newnp, ktcp_np(listener), sizeof(*newnp));
	inet_sk(child)->pinet6 = newnp;
	newnp->ipv6_mc_list = NULL;
	newnp->ipv6_ac_list = NULL;
	newnp->pktoptions = NULL;
	newnp->rxpmtu = NULL;
	RCU_INIT_POINTER(newnp->opt, NULL);
	child->sk_ipv6only = listener->sk_ipv6only;
}

/*
 * The names of a connection of 4-tuple @t (local end first), as
 * tcp_v6_syn_recv_sock() and tcp_v6_connect() set them; for an IPv4 one,
 * v4-mapped, the IPv4 fields too (sk_rcv_saddr_set(), sk_daddr_set()).
 */
void ktcp_inet6_set_addrs(struct sock *sk, const struct ktcp_tuple *t)
{
	struct inet_sock *inet = inet_sk(sk);

	sk->sk_v6_rcv_saddr = t->laddr;
	sk->sk_v6_daddr = t->raddr;
	ktcp_inet6_pinfo(sk)->saddr = t->laddr;
	if (!ktcp_tuple_is_v4(t)) {
		/* no IPv4 view (tcp_v6_syn_recv_sock()) */
		inet->inet_saddr = LOOPBACK4_IPV6;
		inet->inet_rcv_saddr = LOOPBACK4_IPV6;
		inet->inet_daddr = LOOPBACK4_IPV6;
		return;
	}
	inet->inet_saddr = ktcp_addr_v4(&t->laddr);
	inet->inet_rcv_saddr = inet->inet_saddr;
	inet->inet_daddr = ktcp_addr_v4(&t->raddr);
}

/* inet_reset_saddr() and the peer: what a failed bind() or connect() set. */
void ktcp_inet6_reset(struct sock *sk, bool saddr)
{
	sk->sk_v6_daddr = in6addr_any;
	if (!saddr)
		return;
	sk->sk_v6_rcv_saddr = in6addr_any;
	ktcp_inet6_pinfo(sk)->saddr = in6addr_any;
}

/*
 * What the pinfo holds (received options, flow labels, transmit options),
 * when the socket is freed: inet6_cleanup_sock(), as tcp_v6_destroy_sock()
 * calls it.
 */
void ktcp_inet6_destroy(struct sock *sk)
{
	/* It reads inet6_sk(); a socket leaves TIME_WAIT before its end. */
	if (!WARN_ON_ONCE(!sk_fullsock(sk)))
		inet6_cleanup_sock(sk);
}

/* The IPv4 address of a v4-mapped bind() (__inet6_bind()'s checks). */
static int ktcp_inet6_bind_mapped(struct sock *sk, __be32 v4addr)
{
	struct net *net = sock_net(sk);
	struct net_device *dev = NULL;
	int type;

	if (ipv6_only_sock(sk))
		return -EINVAL;	/* v4-mapped on a v6-only socket */
	rcu_read_lock();
	if (sk->sk_bound_dev_if) {
		dev = dev_get_by_index_rcu(net, sk->sk_bound_dev_if);
		if (!dev) {
			rcu_read_unlock();
			return -ENODEV;
		}
	}
	type = inet_addr_type_dev_table(net, dev, v4addr);
	rcu_read_unlock();
	if (!inet_addr_valid_or_nonlocal(net, inet_sk(sk), v4addr, type))
		return -EADDRNOTAVAIL;
	return 0;
}

/*
 * An IPv6 address bind() may take: a link-local one with a device (the
 * scope id, which binds the socket to it, or the device it is bound to),
 * a local one or, with IPV6_FREEBIND, IPV6_TRANSPARENT or
 * net.ipv6.ip_nonlocal_bind, any.
 */
static int ktcp_inet6_bind_v6(struct sock *sk, const struct sockaddr_in6 *sin6,
			      int addr_len, int type)
{
	struct net *net = sock_net(sk);
	struct net_device *dev = NULL;
	int err = 0;

	rcu_read_lock();
	if (__ipv6_addr_needs_scope_id(type)) {
		if (addr_len >= (int)sizeof(*sin6) && sin6->sin6_scope_id)
			sk->sk_bound_dev_if = sin6->sin6_scope_id;
		if (!sk->sk_bound_dev_if) {
			err = -EINVAL;
			goto out;
		}
	}
	if (sk->sk_bound_dev_if) {
		dev = dev_get_by_index_rcu(net, sk->sk_bound_dev_if);
		if (!dev) {
			err = -ENODEV;
			goto out;
		}
	}
	if (!(type & IPV6_ADDR_MULTICAST) &&
	    !ipv6_can_nonlocal_bind(net, inet_sk(sk)) &&
	    !ipv6_chk_addr(net, &sin6->sin6_addr, dev, 0))
		err = -EADDRNOTAVAIL;
out:
	rcu_read_unlock();
	return err;
}

/*
 * bind()'s address for an AF_KTCP6 socket (__inet6_bind()), @sk locked,
 * unbound and closed: checked, then set with its IPv4 view; a specific
 * IPv6 address makes the socket IPv6-only. *@saved_v6only: IPV6_V6ONLY as
 * it was, for ktcp_inet6_bind_undo() if the port cannot be had.
 */
int ktcp_inet6_bind(struct sock *sk, const struct sockaddr_in6 *sin6,
		    int addr_len, bool *saved_v6only)
{
	int type = ipv6_addr_type(&sin6->sin6_addr);
	__be32 v4addr = 0;
	int err;

	sock_owned_by_me(sk);
	if (type == IPV6_ADDR_MAPPED) {
		v4addr = sin6->sin6_addr.s6_addr32[3];
		err = ktcp_inet6_bind_mapped(sk, v4addr);
	} else if (type != IPV6_ADDR_ANY) {
		v4addr = LOOPBACK4_IPV6;
		err = ktcp_inet6_bind_v6(sk, sin6, addr_len, type);
	} else {
		err = 0;
	}
	if (err)
		return err;
	inet_sk(sk)->inet_rcv_saddr = v4addr;
	inet_sk(sk)->inet_saddr = v4addr;
	sk->sk_v6_rcv_saddr = sin6->sin6_addr;
	if (!(type & IPV6_ADDR_MULTICAST))
		ktcp_inet6_pinfo(sk)->saddr = sin6->sin6_addr;
	*saved_v6only = sk->sk_ipv6only;
	if (type != IPV6_ADDR_ANY && type != IPV6_ADDR_MAPPED)
		sk->sk_ipv6only = 1;
	return 0;
}

/* The port was not to be had: the address goes too (inet_reset_saddr()). */
void ktcp_inet6_bind_undo(struct sock *sk, bool saved_v6only)
{
	sk->sk_ipv6only = saved_v6only;
	inet_sk(sk)->inet_rcv_saddr = 0;
	inet_sk(sk)->inet_saddr = 0;
	ktcp_inet6_reset(sk, true);
}

/*
 * A sockaddr_in6 that bind() or connect() may read (inet6_bind(),
 * tcp_v6_connect()): at least RFC 2133's 24 bytes (no scope id), of
 * family AF_INET6.
 */
int ktcp_inet6_check_addr(const struct sockaddr *uaddr, int addr_len)
{
	if (addr_len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (uaddr->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	return 0;
}

/* Is @sk, an AF_KTCP6 socket, an IPv4 connection (a v4-mapped peer)? */
bool ktcp_inet6_mapped(const struct sock *sk)
{
	return ipv6_addr_v4mapped(&sk->sk_v6_daddr);
}

/*
 * An IPV6_RECV* option: the rxopt bit it sets (do_ipv6_setsockopt());
 * false if @optname is none. TCP keeps them for IPV6_2292PKTOPTIONS.
 */
static bool ktcp_inet6_set_rxopt(struct ipv6_pinfo *np, int optname, bool on)
{
	switch (optname) {
	case IPV6_RECVPKTINFO:
		np->rxopt.bits.rxinfo = on;
		break;
	case IPV6_2292PKTINFO:
		np->rxopt.bits.rxoinfo = on;
		break;
	case IPV6_RECVHOPLIMIT:
		np->rxopt.bits.rxhlim = on;
		break;
	case IPV6_2292HOPLIMIT:
		np->rxopt.bits.rxohlim = on;
		break;
	case IPV6_RECVRTHDR:
		np->rxopt.bits.srcrt = on;
		break;
	case IPV6_2292RTHDR:
		np->rxopt.bits.osrcrt = on;
		break;
	case IPV6_RECVHOPOPTS:
		np->rxopt.bits.hopopts = on;
		break;
	case IPV6_2292HOPOPTS:
		np->rxopt.bits.ohopopts = on;
		break;
	case IPV6_RECVDSTOPTS:
		np->rxopt.bits.dstopts = on;
		break;
	case IPV6_2292DSTOPTS:
		np->rxopt.bits.odstopts = on;
		break;
	case IPV6_FLOWINFO:
		np->rxopt.bits.rxflow = on;
		break;
	case IPV6_RECVTCLASS:
		np->rxopt.bits.rxtclass = on;
		break;
	case IPV6_RECVPATHMTU:
		np->rxopt.bits.rxpmtu = on;
		break;
	case IPV6_RECVORIGDSTADDR:
		np->rxopt.bits.rxorigdstaddr = on;
		break;
	default:
		return false;
	}
	return true;
}

/* Is @optname one that ktcp_inet6_set_locked() sets? */
static bool ktcp_inet6_locked_opt(int optname)
{
	struct ipv6_pinfo np = {};

	switch (optname) {
	case IPV6_V6ONLY:
	case IPV6_TCLASS:
	case IPV6_TRANSPARENT:
	case IPV6_FREEBIND:
		return true;
	}
	return ktcp_inet6_set_rxopt(&np, optname, false);
}

/*
 * IPV6_TCLASS on a stream socket (do_ipv6_setsockopt()): -1 is RFC 3542's
 * default of 0, and the ECN bits stay ECN's.
 */
static void ktcp_inet6_set_tclass(struct sock *sk, int val)
{
	struct ipv6_pinfo *np = ktcp_np(sk);

	if (val == -1)
		val = 0;
	val &= ~INET_ECN_MASK;
	val |= np->tclass & INET_ECN_MASK;
	if (np->tclass != val) {
		np->tclass = val;
		sk_dst_reset(sk);
	}
}

/* The options below the family check, under the socket lock. */
static int ktcp_inet6_set_locked(struct sock *sk, int optname, int val)
{
	struct net *net = sock_net(sk);

	if (ktcp_inet6_set_rxopt(ktcp_np(sk), optname, val))
		return 0;
	switch (optname) {
	case IPV6_V6ONLY:
		if (inet_sk(sk)->inet_num)
			return -EINVAL;
		sk->sk_ipv6only = !!val;
		return 0;
	case IPV6_TCLASS:
		if (val < -1 || val > 0xff)
			return -EINVAL;
		ktcp_inet6_set_tclass(sk, val);
		return 0;
	case IPV6_TRANSPARENT:
		if (val && !sockopt_ns_capable(net->user_ns, CAP_NET_RAW) &&
		    !sockopt_ns_capable(net->user_ns, CAP_NET_ADMIN))
			return -EPERM;
		inet_assign_bit(TRANSPARENT, sk, val);
		return 0;
	case IPV6_FREEBIND:
		inet_assign_bit(FREEBIND, sk, val);
		return 0;
	}
	return -ENOPROTOOPT;
}

/*
 * The options ipv6_setsockopt() sets before it takes the socket lock and
 * checks the family (do_ipv6_setsockopt()): it may run with ours held.
 */
static bool ktcp_inet6_lockless_opt(int optname)
{
	switch (optname) {
	case IPV6_UNICAST_HOPS:
	case IPV6_MULTICAST_LOOP:
	case IPV6_MULTICAST_HOPS:
	case IPV6_MTU:
	case IPV6_MINHOPCOUNT:
	case IPV6_RECVERR_RFC4884:
	case IPV6_MULTICAST_ALL:
	case IPV6_AUTOFLOWLABEL:
	case IPV6_DONTFRAG:
	case IPV6_RECVERR:
	case IPV6_ROUTER_ALERT_ISOLATE:
	case IPV6_MTU_DISCOVER:
	case IPV6_FLOWINFO_SEND:
	case IPV6_ADDR_PREFERENCES:
	case IPV6_MULTICAST_IF:
	case IPV6_UNICAST_IF:
		return true;
	}
	return false;
}

/*
 * setsockopt(SOL_IPV6) on an AF_KTCP6 socket. ipv6_setsockopt() serves the
 * options it sets without the socket lock (hop limit, IPV6_RECVERR,
 * IPV6_MTU_DISCOVER, IPV6_AUTOFLOWLABEL, ...); past them it refuses a
 * socket whose family is not AF_INET6 (the IPV6_ADDRFORM guard), so the
 * integer options a TCP socket has there are set here as
 * do_ipv6_setsockopt() sets them. Sticky extension headers, IPV6_PKTINFO
 * and IPV6_FLOWLABEL_MGR (ipv6_flowlabel_opt() is not exported) answer
 * ENOPROTOOPT (user-guide.rst). ipv6_setsockopt() reads inet6_sk(), NULL
 * for a socket in TIME_WAIT, which Linux would have closed: ENOTCONN then,
 * checked under the socket lock, which keeps the state.
 */
int ktcp_inet6_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			  unsigned int optlen)
{
	bool lockless = ktcp_inet6_lockless_opt(optname);
	int val = 0, err = -ENOTCONN;

	if (!lockless && !ktcp_inet6_locked_opt(optname))
		return -ENOPROTOOPT;
	if (!lockless) {
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
	}
	lock_sock(sk);
	if (lockless && sk->sk_state != TCP_TIME_WAIT)
		err = ipv6_setsockopt(sk, SOL_IPV6, optname, optval, optlen);
	else if (!lockless)
		err = ktcp_inet6_set_locked(sk, optname, val);
	release_sock(sk);
	return err;
}

/*
 * The options do_ipv6_getsockopt() answers without taking the socket lock
 * (the sticky extension headers, IPV6_2292PKTOPTIONS and MCAST_MSFILTER
 * take it), and whose answer is a TCP socket's: ipv6_getsockopt() may run
 * for them with ours held. Any other option would also be passed on to
 * nf_getsockopt(), whose conntrack handler locks the socket too.
 */
static bool ktcp_inet6_get_opt(int optname)
{
	switch (optname) {
	case IPV6_V6ONLY:
	case IPV6_RECVPKTINFO:
	case IPV6_2292PKTINFO:
	case IPV6_RECVHOPLIMIT:
	case IPV6_2292HOPLIMIT:
	case IPV6_RECVRTHDR:
	case IPV6_2292RTHDR:
	case IPV6_RECVHOPOPTS:
	case IPV6_2292HOPOPTS:
	case IPV6_RECVDSTOPTS:
	case IPV6_2292DSTOPTS:
	case IPV6_FLOWINFO:
	case IPV6_RECVTCLASS:
	case IPV6_TCLASS:
	case IPV6_RECVPATHMTU:
	case IPV6_PATHMTU:
	case IPV6_RECVORIGDSTADDR:
	case IPV6_UNICAST_HOPS:
	case IPV6_MULTICAST_HOPS:
	case IPV6_MULTICAST_LOOP:
	case IPV6_MULTICAST_IF:
	case IPV6_MULTICAST_ALL:
	case IPV6_UNICAST_IF:
	case IPV6_MTU:
	case IPV6_MTU_DISCOVER:
	case IPV6_RECVERR:
	case IPV6_RECVERR_RFC4884:
	case IPV6_FLOWINFO_SEND:
	case IPV6_FLOWLABEL_MGR:
	case IPV6_TRANSPARENT:
	case IPV6_FREEBIND:
	case IPV6_RECVFRAGSIZE:
	case IPV6_ADDR_PREFERENCES:
	case IPV6_MINHOPCOUNT:
	case IPV6_DONTFRAG:
	case IPV6_AUTOFLOWLABEL:
		return true;
	}
	return false;
}

/*
 * getsockopt(SOL_IPV6): ipv6_getsockopt() under the socket lock, outside
 * TIME_WAIT (as above), for the options ktcp_inet6_get_opt() lists; any
 * other answers ENOPROTOOPT. IPV6_ADDRFORM reads AF_INET6, the form the
 * program opened (do_ipv6_getsockopt() would read sk_family).
 */
int ktcp_inet6_getsockopt(struct sock *sk, int optname, char __user *optval,
			  int __user *optlen)
{
	int err = -ENOTCONN, len;

	if (optname == IPV6_ADDRFORM) {
		if (get_user(len, optlen))
			return -EFAULT;
		if (len < (int)sizeof(int))
			return -EINVAL;
		len = sizeof(int);
		err = AF_INET6;
		if (put_user(len, optlen) || copy_to_user(optval, &err, len))
			return -EFAULT;
		return 0;
	}
	if (!ktcp_inet6_get_opt(optname))
		return -ENOPROTOOPT;
	lock_sock(sk);
	if (sk->sk_state != TCP_TIME_WAIT)
		err = ipv6_getsockopt(sk, SOL_IPV6, optname, optval, optlen);
	release_sock(sk);
	return err;
}

/*
 * getsockname() and getpeername() (inet6_getname(), with the pinfo a
 * TIME_WAIT socket still has): the bound address, or the source chosen;
 * the flow label sent with IPV6_FLOWINFO_SEND; the device as the scope id
 * of a link-local address.
 */
int ktcp_inet6_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct ipv6_pinfo *np = ktcp_np(sk);

	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	lock_sock(sk);
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sin6->sin6_port = inet->inet_dport;
		sin6->sin6_addr = sk->sk_v6_daddr;
		if (inet6_test_bit(SNDFLOW, sk))
			sin6->sin6_flowinfo = np->flow_label;
	} else {
		sin6->sin6_addr = ipv6_addr_any(&sk->sk_v6_rcv_saddr) ?
				  np->saddr : sk->sk_v6_rcv_saddr;
		sin6->sin6_port = inet->inet_sport;
	}
	sin6->sin6_scope_id = ipv6_iface_scope_id(&sin6->sin6_addr,
						  sk->sk_bound_dev_if);
	release_sock(sk);
	return sizeof(*sin6);
}
