// SPDX-License-Identifier: GPL-2.0
/*
 * Socket options: SOL_TCP here, SOL_IP through ip_setsockopt() and
 * ip_getsockopt() as native TCP does, SOL_IPV6 on an AF_KTCP6 socket
 * through ipv6_setsockopt() and ipv6_getsockopt(), which read its
 * ipv6_pinfo (inet6.c); an AF_KTCP one answers ENOPROTOOPT, as AF_INET's.
 * SOL_SOCKET comes here too (the socket
 * has SOCK_CUSTOM_SOCKOPT, as MPTCP's do): SO_REUSEPORT is set here, for the
 * core refuses it to a family other than AF_INET/AF_INET6, and everything else
 * goes on to sock_setsockopt(), whose effects on TCP come back through struct
 * proto: SO_KEEPALIVE calls proto.keepalive (ktcp_timers_keepalive()), and
 * SO_SNDBUF/SO_RCVBUF set sk_userlocks, which stop buffer autotuning
 * (buffers.c). getsockopt(SOL_SOCKET) always stays in the core.
 *
 * Context: process; each option takes the socket lock for what it changes.
 */

#include <net/ip.h>
#include <net/ipv6.h>

#include "ktcp.h"
#include "uapi/ktcp.h"

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

/*
 * TCP_QUICKACK as Linux's __tcp_sock_set_quickack(): 0 enters "pingpong"
 * mode (no quick ACKs: delayed ones); non-zero leaves it and, on a
 * connection that owes an ACK, treats what was read as pushed (an ACK
 * now if the queue is empty: tcp_cleanup_rbuf()) and then, for an even
 * value, enters pingpong mode again.
 */
static void ktcp_sockopt_quickack(struct sock *sk, int val)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (!val) {
		ktcp_window_enter_pingpong(sk);
		return;
	}
	ks->pingpong = 0;
	if (((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
	    ks->ack_pending) {
		ks->ack_pushed = 1;
		if (ktcp_window_read_ack(sk, 1))
			ktcp_xmit_ack(sk);
		if (!(val & 1))
			ktcp_window_enter_pingpong(sk);
	}
}

/*
 * TCP_WINDOW_CLAMP as Linux's tcp_set_window_clamp(): at least half of
 * SOCK_MIN_RCVBUF (compared as Linux does, unsigned: a negative value is
 * taken as is); 0 (no clamp) only on a closed socket. A lower clamp pulls
 * rcv_ssthresh down with it, a higher one lets it up to the last window.
 */
static int ktcp_sockopt_window_clamp(struct sock *sk, int val)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 old = ks->window_clamp, new;

	if (!val) {
		if (sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		WRITE_ONCE(ks->window_clamp, 0);
		return 0;
	}
	new = val < SOCK_MIN_RCVBUF / 2 ? SOCK_MIN_RCVBUF / 2 : val;
	if (new == old)
		return 0;
	WRITE_ONCE(ks->window_clamp, new);
	if (new < old)		/* __tcp_adjust_rcv_ssthresh(), no reserve */
		ks->rcv_ssthresh = min(ks->rcv_ssthresh, new);
	else
		ks->rcv_ssthresh = max(min(ks->rcv_wnd, new),
				       ks->rcv_ssthresh);
	return 0;
}

/*
 * The timing options: keepalive, user timeout, SYN retries, FIN_WAIT_2
 * linger. -ENOPROTOOPT for any other option.
 */
static int ktcp_sockopt_set_timing(struct sock *sk, int optname, int val)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	switch (optname) {
	case TCP_KEEPIDLE:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		WRITE_ONCE(ks->keepidle, val * HZ);
		ktcp_timers_keepalive(sk, sock_flag(sk, SOCK_KEEPOPEN));
		return 0;
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		WRITE_ONCE(ks->keepintvl, val * HZ);
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		WRITE_ONCE(ks->keepcnt, val);
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		WRITE_ONCE(ks->syn_retries, val);
		return 0;
	case TCP_LINGER2:
		if (val < 0)
			ks->linger2 = -1;
		else if (val > TCP_FIN_TIMEOUT_MAX / HZ)
			ks->linger2 = TCP_FIN_TIMEOUT_MAX;
		else
			ks->linger2 = val * HZ;
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		ks->user_timeout = val;
		return 0;
	case KTCP_TIMEWAIT_MS:
		/* net.ktcp.tw_timeout_ms's range; the next TIME_WAIT uses it */
		if (val > KTCP_TW_TIMEOUT_MAX_MS)
			return -EINVAL;
		WRITE_ONCE(ks->tw_ms, val < 0 ? -1 : val);
		return 0;
	}
	return -ENOPROTOOPT;
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
	case TCP_NOTSENT_LOWAT:
		WRITE_ONCE(ks->notsent_lowat, val);	/* any value, as Linux */
		sk->sk_write_space(sk);
		return 0;
	case TCP_WINDOW_CLAMP:
		return ktcp_sockopt_window_clamp(sk, val);
	case TCP_DEFER_ACCEPT:
		/* Seconds to SYN-ACK timeouts, 1 s doubling to 120 s (Linux). */
		ks->defer_accept = ktcp_rtt_secs_to_retrans(val, 1, 120);
		return 0;
	case TCP_INQ:
		if (val > 1 || val < 0)
			return -EINVAL;
		ks->recvmsg_inq = val;
		return 0;
	case TCP_FASTOPEN:	/* the server's queue (do_tcp_setsockopt()) */
		if (val < 0 || !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			return -EINVAL;
		ktcp_fastopen_queue_tune(sk, val);
		return 0;
	case TCP_FASTOPEN_NO_COOKIE:
		if (val > 1 || val < 0 ||
		    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
			return -EINVAL;
		ks->fo_no_cookie = val;
		return 0;
	case TCP_FASTOPEN_CONNECT:	/* the client's, do_tcp_setsockopt() */
		if (val > 1 || val < 0)
			return -EINVAL;
		if (!(READ_ONCE(ktcp_pernet(sock_net(sk))->fastopen) &
		      TFO_CLIENT_ENABLE))
			return -EOPNOTSUPP;
		if (sk->sk_state != TCP_CLOSE)
			return -EINVAL;
		ks->fo_connect = val;
		return 0;
	case TCP_MAXSEG:
		/* Takes effect at connect() or on the next SYN, as in Linux. */
		if (val && (val < TCP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		ks->user_mss = val;
		return 0;
	case TCP_QUICKACK:
		ktcp_sockopt_quickack(sk, val);
		return 0;
	}
	return ktcp_sockopt_set_timing(sk, optname, val);
}

/* SOL_SOCKET: SO_REUSEPORT as sk_setsockopt() does it for inet. */
static int ktcp_sockopt_set_socket(struct socket *sock, int optname,
				   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val;

	if (optname != SO_REUSEPORT)
		return sock_setsockopt(sock, SOL_SOCKET, optname, optval,
				       optlen);
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	sk->sk_reuseport = !!val;
	release_sock(sk);
	return 0;
}

/*
 * SOL_IPV6 on an AF_KTCP6 socket. Refused: group and anycast memberships,
 * as do_ipv6_setsockopt() refuses a TCP socket the former (EPROTO) and
 * ktcp cannot let the latter go at close (ipv6_sock_ac_close() is not
 * exported), and IPV6_ADDRFORM, which would make the socket a native
 * tcp_prot one (user-guide.rst).
 */
static int ktcp_sockopt_set_ipv6(struct sock *sk, int optname,
				 sockptr_t optval, unsigned int optlen)
{
	switch (optname) {
	case IPV6_ADD_MEMBERSHIP:
	case IPV6_DROP_MEMBERSHIP:
	case MCAST_JOIN_GROUP:
	case MCAST_LEAVE_GROUP:
	case MCAST_JOIN_SOURCE_GROUP:
	case MCAST_LEAVE_SOURCE_GROUP:
	case MCAST_BLOCK_SOURCE:
	case MCAST_UNBLOCK_SOURCE:
	case MCAST_MSFILTER:
		return -EPROTO;
	case IPV6_JOIN_ANYCAST:
	case IPV6_LEAVE_ANYCAST:
	case IPV6_ADDRFORM:
		return -EOPNOTSUPP;
	}
	return ktcp_inet6_setsockopt(sk, optname, optval, optlen);
}

int ktcp_sockopt_set(struct socket *sock, int level, int optname,
		     sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	int val, err;

	if (level == SOL_SOCKET)
		return ktcp_sockopt_set_socket(sock, optname, optval, optlen);
	/* do_ip_setsockopt(): a connection-oriented socket joins no group */
	if (level == SOL_IP &&
	    (optname == IP_ADD_MEMBERSHIP || optname == IP_DROP_MEMBERSHIP))
		return -EPROTO;
	if (level == SOL_IP)
		return ip_setsockopt(sk, level, optname, optval, optlen);
	if (level == SOL_IPV6 && ktcp_sk_v6(sk))
		return ktcp_sockopt_set_ipv6(sk, optname, optval, optlen);
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

/* TCP_INFO's options and negotiated window scales (tcp_get_info()). */
static void ktcp_sockopt_info_opts(const struct ktcp_sock *ks,
				   struct tcp_info *info)
{
	if (ks->neg.tstamp_ok)
		info->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (ks->neg.sack_ok)
		info->tcpi_options |= TCPI_OPT_SACK;
	if (ks->neg.wscale_ok) {
		info->tcpi_options |= TCPI_OPT_WSCALE;
		info->tcpi_snd_wscale = ks->neg.snd_wscale;
		info->tcpi_rcv_wscale = ks->neg.rcv_wscale;
	}
	if (ks->neg.ecn_ok)
		info->tcpi_options |= TCPI_OPT_ECN;
	if (ks->ecn_flags & TCP_ECN_SEEN)
		info->tcpi_options |= TCPI_OPT_ECN_SEEN;
	if (ks->syn_data_acked)	/* a Fast Open SYN's data was taken */
		info->tcpi_options |= TCPI_OPT_SYN_DATA;
	info->tcpi_fastopen_client_fail = ks->fo_client_fail;
}

/* TCP_INFO's delivery, loss and reordering counters (tcp_get_info()). */
static void ktcp_sockopt_info_loss(const struct ktcp_sock *ks,
				   struct tcp_info *info)
{
	info->tcpi_delivered = ks->delivered;
	info->tcpi_delivered_ce = ks->delivered_ce;
	info->tcpi_dsack_dups = ks->dsack_dups;
	info->tcpi_reord_seen = ks->reord_seen;
	info->tcpi_rcv_ooopack = ks->rcv_ooopack;
	info->tcpi_total_rto = ks->total_rto;
	info->tcpi_total_rto_recoveries = ks->total_rto_recoveries;
	info->tcpi_total_rto_time = ks->total_rto_time;
	/* plb_rehash + timeout_rehash in Linux: ktcp has no PLB */
	info->tcpi_rehash = ks->timeout_rehash;
	if (ks->rto_recovery_ms)	/* one still going on */
		info->tcpi_total_rto_time += tcp_clock_ms() - ks->rto_recovery_ms;
}

/* TCP_INFO's counters and times (tcp_get_info()); the socket lock is held. */
static void ktcp_sockopt_info_stats(struct sock *sk, struct tcp_info *info)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 now = tcp_jiffies32;
	struct dst_entry *dst = __sk_dst_get(sk);

	info->tcpi_last_data_sent = jiffies_to_msecs(now - ks->lsndtime);
	info->tcpi_last_data_recv = jiffies_to_msecs(now - ks->lrcvtime);
	info->tcpi_last_ack_recv = jiffies_to_msecs(now - ks->rcv_tstamp);
	info->tcpi_pmtu = dst ? dst_mtu(dst) : 0;
	info->tcpi_rtt = ks->rtt.srtt_us >> 3;
	info->tcpi_rttvar = ks->rtt.mdev_us >> 2;
	info->tcpi_min_rtt = ks->rtt.min_us;
	info->tcpi_snd_ssthresh = ks->cc.ssthresh;
	info->tcpi_advmss = ks->advmss ?: ks->adv_mss;
	info->tcpi_rcv_ssthresh = ks->rcv_ssthresh;
	info->tcpi_rcv_rtt = ks->rcv_rtt_us >> 3;
	info->tcpi_rcv_space = ks->rcvq_space;
	info->tcpi_total_retrans = ks->total_retrans;
	info->tcpi_bytes_acked = ks->bytes_acked;
	info->tcpi_bytes_received = ks->bytes_received;
	info->tcpi_notsent_bytes = max_t(int, 0, ks->write_seq - ks->snd_nxt);
	info->tcpi_segs_out = ks->segs_out;
	info->tcpi_segs_in = ks->segs_in;
	info->tcpi_data_segs_out = ks->data_segs_out;
	info->tcpi_data_segs_in = ks->data_segs_in;
	info->tcpi_bytes_sent = ks->bytes_sent;
	info->tcpi_bytes_retrans = ks->bytes_retrans;
	info->tcpi_snd_wnd = ks->snd_wnd;
	info->tcpi_rcv_wnd = ks->rcv_wnd;
}

/*
 * TCP_INFO: Linux's tcp_get_info(), with the fields ktcp does not track left
 * 0 (Documentation/user-guide.rst lists them). A listener reports its accept
 * queue and backlog without the lock, as Linux's does. Also diag.c's
 * INET_DIAG_INFO, as tcp_diag_get_info() calls tcp_get_info().
 */
void ktcp_sockopt_info(struct sock *sk, struct tcp_info *info)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	unsigned long rate;

	memset(info, 0, sizeof(*info));
	info->tcpi_state = inet_sk_state_load(sk);
	rate = READ_ONCE(sk->sk_pacing_rate);
	info->tcpi_pacing_rate = rate != ~0UL ? rate : ~0ULL;
	rate = READ_ONCE(sk->sk_max_pacing_rate);
	info->tcpi_max_pacing_rate = rate != ~0UL ? rate : ~0ULL;
	if (info->tcpi_state == TCP_LISTEN) {
		info->tcpi_reordering = KTCP_REORDERING_INIT;
		info->tcpi_snd_cwnd = TCP_INIT_CWND;
		info->tcpi_unacked = READ_ONCE(sk->sk_ack_backlog);
		info->tcpi_sacked = READ_ONCE(sk->sk_max_ack_backlog);
		return;
	}
	lock_sock(sk);
	info->tcpi_reordering = ks->reordering;
	info->tcpi_snd_cwnd = ks->cc.cwnd;
	info->tcpi_ca_state = ktcp_cc_ca_state(&ks->cc, ks->dupacks ||
					       ks->sacked_out);
	info->tcpi_retransmits = ks->retries;
	info->tcpi_probes = ks->probes;
	info->tcpi_backoff = ks->rtt.backoff;
	ktcp_sockopt_info_opts(ks, info);
	info->tcpi_rto = ktcp_rtt_rto(&ks->rtt);
	info->tcpi_ato = jiffies_to_usecs(min_t(u32, ks->ato, TCP_DELACK_MAX));
	info->tcpi_snd_mss = ks->mss;
	info->tcpi_rcv_mss = ks->rcv_mss;
	info->tcpi_unacked = ks->packets_out;
	info->tcpi_sacked = ks->sacked_out;
	info->tcpi_lost = ks->lost_out;
	info->tcpi_retrans = ks->retrans_out;
	ktcp_sockopt_info_stats(sk, info);
	ktcp_sockopt_info_loss(ks, info);
	release_sock(sk);
}

/* TCP_INFO as tcp_getsockopt() copies it: min(len, sizeof) bytes. */
static int ktcp_sockopt_get_info(struct sock *sk, char __user *optval,
				 int __user *optlen, int len)
{
	struct tcp_info info;

	ktcp_sockopt_info(sk, &info);
	len = min_t(unsigned int, len, sizeof(info));
	if (put_user(len, optlen) || copy_to_user(optval, &info, len))
		return -EFAULT;
	return 0;
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
		/* tcp_getsockopt(): what was set, until a connection has one. */
		*val = ks->mss;
		if (ks->user_mss && ((1 << ks->inet.sk.sk_state) &
				     (TCPF_CLOSE | TCPF_LISTEN)))
			*val = ks->user_mss;
		break;
	case TCP_KEEPIDLE:
		*val = ktcp_keepalive_time(&ks->inet.sk) / HZ;
		break;
	case TCP_KEEPINTVL:
		*val = ktcp_keepalive_intvl(&ks->inet.sk) / HZ;
		break;
	case TCP_KEEPCNT:
		*val = ktcp_keepalive_probes(&ks->inet.sk);
		break;
	case TCP_USER_TIMEOUT:
		*val = ks->user_timeout;
		break;
	case TCP_SYNCNT:
		*val = ktcp_syn_retries(&ks->inet.sk);
		break;
	case TCP_NOTSENT_LOWAT:
		*val = READ_ONCE(ks->notsent_lowat);
		break;
	case TCP_WINDOW_CLAMP:
		*val = ks->window_clamp;
		break;
	case TCP_DEFER_ACCEPT:
		*val = ktcp_rtt_retrans_to_secs(ks->defer_accept, 1, 120);
		break;
	case TCP_INQ:
		*val = ks->recvmsg_inq;
		break;
	case TCP_FASTOPEN:
		*val = READ_ONCE(ks->fo_max_qlen);
		break;
	case TCP_FASTOPEN_NO_COOKIE:
		*val = ks->fo_no_cookie;
		break;
	case TCP_FASTOPEN_CONNECT:
		*val = ks->fo_connect;
		break;
	case TCP_QUICKACK:
		*val = !ktcp_window_pingpong(&ks->inet.sk);
		break;
	case TCP_IS_MPTCP:
		*val = 0;
		break;
	case KTCP_TIMEWAIT_MS:
		*val = ks->tw_ms >= 0 ? ks->tw_ms :
		       READ_ONCE(ktcp_pernet(sock_net(&ks->inet.sk))->tw_timeout_ms);
		break;
	case TCP_LINGER2:
		*val = ks->linger2;
		if (*val >= 0)
			*val = (*val ?: ktcp_fin_timeout(sock_net(&ks->inet.sk))) / HZ;
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
	char name[KTCP_CC_NAME_MAX];
	int val, len, err;

	/* tcp_getsockopt(): any other level is ip_getsockopt()'s, or ipv6's */
	if (level == SOL_IPV6 && ktcp_sk_v6(sock->sk))
		return ktcp_inet6_getsockopt(sock->sk, optname, optval, optlen);
	if (level != SOL_TCP)
		return ip_getsockopt(sock->sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if (optname == TCP_CONGESTION) {
		/* the name's whole array, NUL-padded, as Linux copies it */
		strscpy_pad(name, READ_ONCE(ks->cc.ops)->name, sizeof(name));
		len = min_t(unsigned int, len, sizeof(name));
		if (put_user(len, optlen) || copy_to_user(optval, name, len))
			return -EFAULT;
		return 0;
	}
	if (optname == TCP_INFO)
		return ktcp_sockopt_get_info(sock->sk, optval, optlen, len);
	/* Neither cubic nor reno has get_info(): nothing to copy (Linux's). */
	if (optname == TCP_CC_INFO)
		return put_user(0, optlen);
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
