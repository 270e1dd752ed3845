// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options: SOL_TCP here, SOL_IP through ip_setsockopt() and
 * ip_getsockopt() as native TCP does, SOL_SOCKET in the core (sock_setsockopt()),
 * whose effects on TCP come back through struct proto: SO_KEEPALIVE calls
 * proto.keepalive (ktcp_timers_keepalive()), and SO_SNDBUF/SO_RCVBUF set
 * sk_userlocks, which stop buffer autotuning (buffers.c). The kernel refuses
 * SO_REUSEPORT for a family other than AF_INET/AF_INET6 (EOPNOTSUPP).
 *
 * Context: process; each option takes the socket lock for what it changes.
 */

#include <net/ip.h>

#include "ktcp.h"

/* TCP_CONGESTION: a name as Linux spells it ("cubic", "reno"). */
static int ktcp_sockopt_set_congestion(struct sock *sk, sockptr_t optval,
				       unsigned int optlen)
{
	char name[KTCP_CC_NAME_MAX];
	const struct ktcp_cc_ops *ops;

	if (optlen < 1)
		return -EINVAL;
	optlen = min_t(unsigned int, optlen, sizeof(name) - 1);
	if (copy_from_sockptr(name, optval, optlen))
		return -EFAULT;
	name[optlen] = '\0';
	ops = ktcp_cc_find(strim(name));
	if (!ops)
		return -ENOENT;
	lock_sock(sk);
	ktcp_cc_set_ops(&ktcp_sk(sk)->cc, ops);
	release_sock(sk);
	return 0;
}

/* Integer SOL_TCP options; the socket lock is held. Linux's ranges. */
static int ktcp_sockopt_set_int(struct sock *sk, int optname, int val)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	switch (optname) {
	case TCP_NODELAY:
		ks->nodelay = !!val;
		__ktcp_output_push(sk, !!val);
		return 0;
	case TCP_CORK:
		ks->cork = !!val;
		if (!val)
			__ktcp_output_push(sk, true);
		return 0;
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		ks->keepidle = val * HZ;
		ktcp_timers_keepalive(sk, sock_flag(sk, SOCK_KEEPOPEN));
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		ks->keepintvl = val * HZ;
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		ks->keepcnt = val;
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		ks->user_timeout = val;
		return 0;
	case TCP_QUICKACK:
		if (val)
			ks->quickack = KTCP_MAX_QUICKACKS;
		return 0;
	}
	return -ENOPROTOOPT;
}

int ktcp_sockopt_set(struct socket *sock, int level, int optname,
		     sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val, err;

	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (optname == TCP_CONGESTION)
		return ktcp_sockopt_set_congestion(sk, optval, optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	err = ktcp_sockopt_set_int(sk, optname, val);
	release_sock(sk);
	return err;
}

static int ktcp_sockopt_get_int(const struct ktcp_sock *ks, int optname, int *val)
{
	sock_owned_by_me(&ks->inet.sk);
	switch (optname) {
	case TCP_NODELAY:
		*val = ks->nodelay;
		break;
	case TCP_CORK:
		*val = ks->cork;
		break;
	case TCP_MAXSEG:
		*val = ks->mss;
		break;
	case TCP_KEEPIDLE:
		*val = ks->keepidle / HZ;
		break;
	case TCP_KEEPINTVL:
		*val = ks->keepintvl / HZ;
		break;
	case TCP_KEEPCNT:
		*val = ks->keepcnt;
		break;
	case TCP_USER_TIMEOUT:
		*val = ks->user_timeout;
		break;
	default:
		return -ENOPROTOOPT;
	}
	return 0;
}

int ktcp_sockopt_get(struct socket *sock, int level, int optname,
		     char __user *optval, int __user *optlen)
{
	struct ktcp_sock *ks = ktcp_sk(sock->sk);
	const char *name;
	int val, len, err;

	if (level == SOL_IP)
		return ip_getsockopt(sock->sk, level, optname, optval, optlen);
	if (level != SOL_TCP)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (optname == TCP_CONGESTION) {
		name = READ_ONCE(ks->cc.ops)->name;
		len = min_t(unsigned int, len, strlen(name) + 1);
		if (put_user(len, optlen) || copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	/* Bitfields and multi-field values: read them under the lock. */
	lock_sock(sock->sk);
	err = ktcp_sockopt_get_int(ks, optname, &val);
	release_sock(sock->sk);
	if (err)
		return err;
	len = min_t(unsigned int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}
