// SPDX-License-Identifier: GPL-2.0
/*
 * sendmsg() and recvmsg(): Linux's tcp_sendmsg_locked() and
 * tcp_recvmsg_locked() for ktcp. sendmsg appends the user's data to the
 * write queue in page frags, a segment's worth per skb, and pushes it
 * (output.c), or, for sendfile() and splice() (MSG_SPLICE_PAGES), takes
 * the pages themselves; recvmsg copies from the receive queue, waiting as
 * SO_RCVTIMEO and SO_RCVLOWAT say, and tells the peer when reading opened
 * the window (window.c, buffers.c).
 *
 * MSG_OOB's urgent byte is urg.c's: sendmsg() marks it, recvmsg() reads it
 * or stops at it. MSG_MORE holds a partial last segment back as TCP_CORK
 * does, for this call; MSG_EOR keeps later writes out of the last segment.
 * PSH goes where Linux puts it (tcp_mark_push()): on the last segment of a
 * write, of one that must wait for room, and of one that filled half the
 * peer's largest window since the last PSH (forced_push()); never on the
 * others. Retransmissions keep a segment's flags.
 *
 * Context: process, under the socket lock (lock_sock()).
 */

#include <linux/errqueue.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/transp_v6.h>
#include <net/sock.h>

#include "ktcp.h"

/*
 * proto.stream_memory_free, Linux's tcp_stream_memory_free(): with
 * TCP_NOTSENT_LOWAT, or else net.ktcp.notsent_lowat, sendmsg() queues
 * only while fewer bytes than it wait unsent; poll() and a wakeup (@wake)
 * want half as many (tcp_poll() asks with wake set, as Linux's does).
 * Lockless: poll() and the write-space callback read it.
 */
bool ktcp_sr_stream_memory_free(const struct sock *sk, int wake)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 lowat = READ_ONCE(ks->notsent_lowat) ?:
		    READ_ONCE(ktcp_pernet(sock_net(sk))->notsent_lowat);
	u32 notsent = READ_ONCE(ks->write_seq) - READ_ONCE(ks->snd_nxt);

	return (notsent << wake) < lowat;
}

/*
 * tcp_send_mss(): the MSS, and the size goal, what sendmsg() gathers in one
 * skb. Linux's TCP always has GSO (sk_setup_caps()), so its goal is as many
 * whole segments as the route's device takes in one GSO packet, bounded by
 * half the peer's largest window (tcp_xmit_size_goal()); MSG_OOB gathers
 * one segment. The push cuts such an skb into segments of MSS as it sends
 * (output.c) and hands each packet's down as one GSO skb (gso.c), so the
 * segments, where PSH falls and what the write queue is charged are
 * Linux's.
 */
static u32 ktcp_sr_send_mss(struct sock *sk, u32 *size_goal, int flags)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 mss = ks->mss, goal, gso_size, gso_segs;

	*size_goal = mss;
	if (flags & MSG_OOB)
		return mss;
	ktcp_gso_route_limits(sk, &gso_size, &gso_segs);
	goal = ktcp_output_bound_half_wnd(ks, gso_size - (MAX_TCP_HEADER + 1));
	*size_goal = max_t(u32, min_t(u32, goal / mss, gso_segs) * mss, mss);
	return mss;
}

/*
 * tcp_mark_push(): PSH on @skb, the tail of the write queue, and the push
 * point moves to write_seq.
 */
static void ktcp_sr_mark_push(struct ktcp_sock *ks, struct sk_buff *skb)
{
	KTCP_SKB_CB(skb)->flags |= TCPHDR_PSH;
	ks->pushed_seq = ks->write_seq;
}

/*
 * forced_push(): more than half the peer's largest window written since
 * the last PSH; the segment filled then carries one.
 */
static bool ktcp_sr_forced_push(const struct ktcp_sock *ks)
{
	return ktcp_seq_after(ks->write_seq,
			      ks->pushed_seq + (ks->max_window >> 1));
}

/*
 * The unsent tail skb if sendmsg() may append to it, else NULL: it must
 * be short of @size_goal and not ended by MSG_EOR (tcp_skb_can_collapse_to())
 * or a FIN.
 */
static struct sk_buff *ktcp_sr_send_tail(struct sock *sk, u32 size_goal)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !ks->send_head || skb->len >= size_goal ||
	    KTCP_SKB_CB(skb)->eor ||
	    (KTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN)))
		return NULL;
	return skb;
}

/*
 * Copy up to @len bytes into @skb's page frags; bytes copied, 0 when @skb
 * has no frag slot left, or -errno (-ENOMEM: wait for room).
 * skb_copy_to_page_nocache() charges them to the skb's truesize,
 * sk_wmem_queued and the forward allocation, which sk_wmem_schedule()
 * took first, as tcp_sendmsg_locked() does.
 */
static int ktcp_sr_send_copy(struct sock *sk, struct sk_buff *skb,
			     struct msghdr *msg, int len)
{
	struct page_frag *pfrag = sk_page_frag(sk);
	int i = skb_shinfo(skb)->nr_frags, copy, err;
	bool merge;

	if (!sk_page_frag_refill(sk, pfrag))
		return -ENOMEM;
	merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
	if (!merge && i >= MAX_SKB_FRAGS)
		return 0;	/* full: the caller starts a new skb */
	copy = min_t(int, len, pfrag->size - pfrag->offset);
	if (!sk_wmem_schedule(sk, copy))
		return -ENOMEM;
	err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb, pfrag->page,
				       pfrag->offset, copy);
	if (err)
		return err;
	if (merge) {
		skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
	} else {
		skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset, copy);
		page_ref_inc(pfrag->page);
	}
	pfrag->offset += copy;
	return copy;
}

/*
 * MSG_SPLICE_PAGES (sendfile(), splice() to the socket, a kernel user's
 * sendpage): the iterator's pages join @skb's frags by reference, with no
 * copy, as tcp_sendmsg_locked() does. Bytes taken, 0 when @skb has no frag
 * slot left, or -errno (-ENOMEM: wait for room). The pages stay the page
 * cache's or the pipe's: what leaves is what they hold when it is sent,
 * as with Linux. SKBFL_SHARED_FRAG tells a device without checksum offload
 * (skb_checksum_help()) to sum a private copy, unless the caller said the
 * pages are its own (MSG_NO_SHARED_FRAGS).
 */
static int ktcp_sr_send_splice(struct sock *sk, struct sk_buff *skb,
			       struct msghdr *msg, int len)
{
	ssize_t n;

	if (!sk_wmem_schedule(sk, len))
		return -ENOMEM;
	n = skb_splice_from_iter(skb, &msg->msg_iter, len, sk->sk_allocation);
	if (n == -EMSGSIZE)
		return 0;	/* full: the caller starts a new skb */
	if (n < 0)
		return n;
	if (!(msg->msg_flags & MSG_NO_SHARED_FRAGS))
		skb_shinfo(skb)->flags |= SKBFL_SHARED_FRAG;
	sk_wmem_queued_add(sk, n);
	sk_mem_charge(sk, n);
	return n;
}

/*
 * Append up to @len bytes of @msg to @skb, spliced or copied: copied when
 * the route's device cannot gather (NETIF_F_SG), as tcp_sendmsg_locked()
 * decides. An accepted socket has no route until it first sends (Linux's
 * child gets its listener's route and caps at once): it splices.
 */
static int ktcp_sr_send_data(struct sock *sk, struct sk_buff *skb,
			     struct msghdr *msg, int len)
{
	if ((msg->msg_flags & MSG_SPLICE_PAGES) &&
	    (!__sk_dst_get(sk) || (sk->sk_route_caps & NETIF_F_SG)))
		return ktcp_sr_send_splice(sk, skb, msg, len);
	return ktcp_sr_send_copy(sk, skb, msg, len);
}

/*
 * A new skb at the tail (tcp_skb_entail()): flags ACK only, PSH comes from
 * tcp_mark_push(). NULL to wait for room.
 */
static struct sk_buff *ktcp_sr_send_new(struct sock *sk)
{
	if (!sk_stream_memory_free(sk))
		return NULL;
	return ktcp_output_queue_new(sk, TCPHDR_ACK, sk->sk_allocation);
}

/*
 * Queue one chunk of the user's data, as one pass of tcp_sendmsg_locked()'s
 * loop; bytes queued, 0 to wait for room, or -errno. @copied is what this
 * call queued before.
 */
static int ktcp_sr_send_chunk(struct sock *sk, struct msghdr *msg,
			      u32 size_goal, int copied)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = ktcp_sr_send_tail(sk, size_goal);
	int n;

	if (!skb)
		skb = ktcp_sr_send_new(sk);
	if (!skb)
		return 0;
	n = ktcp_sr_send_data(sk, skb, msg, min_t(int, size_goal - skb->len,
						  msg_data_left(msg)));
	if (!n) {
		/* Out of frag slots: this skb ends, pushed (tcp_mark_push). */
		ktcp_sr_mark_push(ks, skb);
		skb = ktcp_sr_send_new(sk);
		if (!skb)
			return 0;
		n = ktcp_sr_send_data(sk, skb, msg,
				      min_t(int, size_goal, msg_data_left(msg)));
	}
	if (n < 0)
		return n == -ENOMEM ? 0 : n;
	/* A write's first bytes: the PSH of an earlier one moves on. */
	if (!copied)
		KTCP_SKB_CB(skb)->flags &= ~TCPHDR_PSH;
	KTCP_SKB_CB(skb)->end_seq += n;
	WRITE_ONCE(ks->write_seq, ks->write_seq + n);
	if (!msg_data_left(msg) || skb->len < size_goal ||
	    (msg->msg_flags & MSG_OOB))
		return n;
	/* A full skb: nothing leaves before SND.UP is set with MSG_OOB. */
	if (ktcp_sr_forced_push(ks)) {
		ktcp_sr_mark_push(ks, skb);
		__ktcp_output_push(sk, true);
	} else if (skb == ks->send_head) {
		ktcp_output_push_one(sk);
	}
	return n;
}

/*
 * tcp_remove_empty_skb(): an skb sendmsg() added but could not fill goes,
 * so the push never meets an empty segment and EPOLLOUT is not held back.
 */
static void ktcp_sr_remove_empty(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !ks->send_head || skb->len ||
	    KTCP_SKB_CB(skb)->seq != KTCP_SKB_CB(skb)->end_seq)
		return;
	if (ks->send_head == skb)
		ks->send_head = NULL;
	__skb_unlink(skb, &sk->sk_write_queue);
	ktcp_mem_wqueue_free(sk, skb);
}

/*
 * tcp_push() after @copied bytes were queued: the last skb gets PSH unless
 * MSG_MORE says more follows (a forced push gets it anyway); the last
 * byte of MSG_OOB's is urgent (tcp_mark_urg()); MSG_MORE holds a partial
 * segment as TCP_CORK would, for this push; @force (TCP_NAGLE_PUSH, before
 * waiting for room) sends it whatever Nagle and TCP_CORK say.
 */
static void ktcp_sr_push(struct sock *sk, int flags, int copied, bool force)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u8 cork = ks->cork;

	if (!copied)
		return;
	if (ks->send_head && (!(flags & MSG_MORE) || ktcp_sr_forced_push(ks)))
		ktcp_sr_mark_push(ks, skb_peek_tail(&sk->sk_write_queue));
	if (flags & MSG_OOB)
		ks->snd_up = ks->write_seq;
	if (flags & MSG_MORE)
		ks->cork = 1;
	__ktcp_output_push(sk, force);
	ks->cork = cork;
}

int ktcp_sr_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	int flags = msg->msg_flags, copied = 0, copied_syn = 0, n, err;
	u32 size_goal;
	long timeo;

	lock_sock(sk);
	/* tcp_sendmsg_locked(): a Fast Open connect takes the first bytes. */
	if ((flags & MSG_FASTOPEN) || ktcp_sk(sk)->fo_defer) {
		err = ktcp_connect_fastopen(sock, msg, size, &copied_syn);
		if (err == -EINPROGRESS && copied_syn > 0) {
			release_sock(sk);
			return copied_syn;
		}
		if (err) {
			err = sk_stream_error(sk, flags, err);
			release_sock(sk);
			return err;
		}
	}
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	err = 0;
	/* A Fast Open child may send before its handshake ends. */
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) &&
	    !ktcp_fastopen_passive(sk))
		err = sk_stream_wait_connect(sk, &timeo);
	ktcp_sr_send_mss(sk, &size_goal, flags);
	while (!err && msg_data_left(msg)) {
		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			break;
		n = ktcp_sr_send_chunk(sk, msg, size_goal, copied);
		err = n < 0 ? n : 0;
		if (n > 0)
			copied += n;
		if (n)
			continue;
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		ktcp_sr_remove_empty(sk);
		ktcp_sr_push(sk, flags & ~MSG_MORE, copied, true);
		err = sk_stream_wait_memory(sk, &timeo);
		ktcp_sr_send_mss(sk, &size_goal, flags);
	}
	ktcp_sr_remove_empty(sk);
	if (copied && (flags & MSG_EOR) && !msg_data_left(msg))
		KTCP_SKB_CB(skb_peek_tail(&sk->sk_write_queue))->eor = 1;
	ktcp_sr_push(sk, flags, copied, false);
	if (!copied && !copied_syn && err)
		copied = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return copied + copied_syn;
}

/*
 * After reading @copied bytes, before waiting and at the end of a read:
 * the ACK owed, or a window update, when window.c says one is due
 * (tcp_cleanup_rbuf()).
 */
static void ktcp_sr_cleanup_rbuf(struct sock *sk, int copied)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))
		return;
	if (ktcp_window_read_ack(sk, copied))
		ktcp_xmit_ack(sk);
}

/*
 * Should recvmsg() stop waiting? 1 = yes, <0 = yes with this error for a
 * caller that has copied nothing. An error is consumed only then: after a
 * partial read it stays for the next call (tcp_recvmsg_locked).
 */
static int ktcp_sr_recv_stop(struct sock *sk, long timeo, int copied)
{
	if (copied)
		return sk->sk_err || sk->sk_state == TCP_CLOSE ||
		       (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
		       signal_pending(current);
	if (sock_flag(sk, SOCK_DONE))
		return 1;
	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		return 1;
	if (sk->sk_state == TCP_CLOSE)
		return -ENOTCONN;
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 0;
}

/*
 * Copy from the skb holding *@seq; bytes copied, 0 if none, or -EFAULT.
 * MSG_TRUNC discards the bytes instead of copying them (tcp_recvmsg_locked).
 * The copy ends short of the urgent mark, and an out-of-band urgent byte at
 * *@seq is stepped over (urg.c): *@seq may move with nothing copied.
 */
static int ktcp_sr_recv_copy(struct sock *sk, struct msghdr *msg, size_t len,
			     u32 *seq, int flags)
{
	struct sk_buff *skb, *tmp;
	u32 off, used;

	skb_queue_walk_safe(&sk->sk_receive_queue, skb, tmp) {
		off = *seq - KTCP_SKB_CB(skb)->seq;
		if (off >= skb->len)
			continue;	/* only MSG_PEEK leaves read skbs */
		used = min_t(size_t, skb->len - off, len);
		if (ktcp_urg_recv_clip(sk, *seq, &used)) {
			WRITE_ONCE(*seq, *seq + 1);
			off++;
		}
		if (used && !(flags & MSG_TRUNC) &&
		    skb_copy_datagram_msg(skb, off, msg, used))
			return -EFAULT;
		WRITE_ONCE(*seq, *seq + used);	/* copied_seq: SIOCINQ, /proc */
		ktcp_urg_recv_passed(sk);
		if (!(flags & MSG_PEEK) && off + used == skb->len)
			sk_eat_skb(sk, skb);
		return used;
	}
	return 0;
}

/* Bytes from @seq on not read yet? A FIN takes a sequence number, no byte. */
static bool ktcp_sr_recv_avail(const struct sock *sk, u32 seq)
{
	int avail = READ_ONCE(ktcp_sk(sk)->rcv_nxt) - seq;

	return avail > (sock_flag(sk, SOCK_DONE) ? 1 : 0);
}

/*
 * Bytes left to read, for TCP_INQ (Linux's tcp_inq_hint()): the FIN counts
 * as one, so that 0 means more data may come and 1 at EOF means none will.
 */
static int ktcp_sr_inq_hint(struct sock *sk)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	int inq = ks->rcv_nxt - ks->copied_seq;

	sock_owned_by_me(sk);
	if (!inq && sock_flag(sk, SOCK_DONE))
		inq = 1;
	return inq;
}

/*
 * At the urgent mark, a read that has copied something ends there; one
 * that has not goes on (to step over the byte), unless a signal such as
 * SIGURG is pending (tcp_recvmsg_locked()). 1 to stop, or -errno.
 */
static int ktcp_sr_recv_mark(struct sock *sk, u32 seq, long timeo, int copied)
{
	if (!ktcp_urg_at(sk, seq))
		return 0;
	if (copied)
		return 1;
	if (signal_pending(current))
		return timeo ? sock_intr_errno(timeo) : -EAGAIN;
	return 0;
}

/* The stream's bytes, as tcp_recvmsg_locked() reads them. */
static int ktcp_sr_recv_stream(struct sock *sk, struct msghdr *msg,
			       size_t len, int flags)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	int copied = 0, target, n;
	u32 peek_seq, *seq, prev;
	long timeo;

	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	peek_seq = ks->copied_seq;
	seq = (flags & MSG_PEEK) ? &peek_seq : &ks->copied_seq;
	/*
	 * Once at least, as tcp_recvmsg_locked(): a read of 0 bytes fails,
	 * or waits, as any read would when there is nothing to read.
	 */
	do {
		n = ktcp_sr_recv_mark(sk, *seq, timeo, copied);
		if (n) {
			copied = n < 0 ? n : copied;
			break;
		}
		prev = *seq;
		n = ktcp_sr_recv_copy(sk, msg, len, seq, flags);
		if (n < 0) {
			copied = copied ? : n;
			break;
		}
		copied += n;
		len -= n;
		if (*seq != prev) {
			/* Per skb copied, as tcp_recvmsg_locked() calls it. */
			ktcp_buf_rcv_space_adjust(sk);
			continue;
		}
		if (copied >= target || (!len && ktcp_sr_recv_avail(sk, *seq)))
			break;
		n = ktcp_sr_recv_stop(sk, timeo, copied);
		if (n) {
			if (!copied && n < 0)
				copied = n;
			break;
		}
		ktcp_sr_cleanup_rbuf(sk, copied);
		sk_wait_data(sk, &timeo, skb_peek_tail(&sk->sk_receive_queue));
	} while (len > 0);
	ktcp_sr_cleanup_rbuf(sk, copied);
	return copied;
}

/*
 * The IPv4 half of recvmsg(MSG_ERRQUEUE): ip_recv_error(), which 6.12
 * does not export. The address the error was about in msg_name, and an
 * IP_RECVERR cmsg with the sender of the ICMP message as SO_EE_OFFENDER
 * (and IP_PKTINFO and the like, if asked for).
 */
static void ktcp_sr_err_v4(struct sock *sk, struct sk_buff *skb,
			   struct msghdr *msg)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, msg->msg_name);
	struct sock_exterr_skb *serr = SKB_EXT_ERR(skb);
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in offender;
	} errhdr = {};

	if (sin && (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP ||
		    serr->ee.ee_origin == SO_EE_ORIGIN_LOCAL || serr->port)) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = *(__be32 *)(skb_network_header(skb) +
						   serr->addr_offset);
		sin->sin_port = serr->port;
		memset(&sin->sin_zero, 0, sizeof(sin->sin_zero));
		msg->msg_namelen = sizeof(*sin);
	}
	errhdr.ee = serr->ee;
	if (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP) {
		errhdr.offender.sin_family = AF_INET;
		errhdr.offender.sin_addr.s_addr = ip_hdr(skb)->saddr;
		if (inet_cmsg_flags(inet_sk(sk)))
			ip_cmsg_recv(msg, skb);
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);
}

/*
 * The address an error was about, for an AF_KTCP6 socket, as
 * ipv6_recv_error() names it: the quoted IPv6 destination (its flow info
 * with IPV6_FLOWINFO_SEND, the scope of the device the error came in
 * on), or the quoted IPv4 one v4-mapped (icmp.c, a v4-mapped peer).
 */
static void ktcp_sr_err_name6(struct sock *sk, struct sk_buff *skb,
			      struct sockaddr_in6 *sin)
{
	struct sock_exterr_skb *serr = SKB_EXT_ERR(skb);
	const unsigned char *nh = skb_network_header(skb);
	const struct ipv6hdr *ip6h;

	sin->sin6_family = AF_INET6;
	sin->sin6_flowinfo = 0;
	sin->sin6_port = serr->port;
	if (skb->protocol == htons(ETH_P_IPV6)) {
		ip6h = container_of((struct in6_addr *)(nh + serr->addr_offset),
				    struct ipv6hdr, daddr);
		sin->sin6_addr = ip6h->daddr;
		if (inet6_test_bit(SNDFLOW, sk))
			sin->sin6_flowinfo = ip6_flowinfo(ip6h);
		sin->sin6_scope_id = ipv6_iface_scope_id(&sin->sin6_addr,
							 IP6CB(skb)->iif);
	} else {
		ipv6_addr_set_v4mapped(*(__be32 *)(nh + serr->addr_offset),
				       &sin->sin6_addr);
		sin->sin6_scope_id = 0;
	}
}

/*
 * The IPv6 half: ipv6_recv_error() (exported, but it reads inet6_sk(),
 * NULL for a ktcp socket in TIME_WAIT): msg_name a sockaddr_in6, and an
 * IPV6_RECVERR cmsg (SOL_IPV6) with the ICMPv6 or ICMP sender as
 * SO_EE_OFFENDER, v4-mapped for ICMP; IPV6_PKTINFO and the like when
 * asked for (ip6_datagram_recv_ctl(), an IPv6 error and not in
 * TIME_WAIT), IP_PKTINFO and the like for an ICMP one.
 */
static void ktcp_sr_err_v6(struct sock *sk, struct sk_buff *skb,
			   struct msghdr *msg)
{
	DECLARE_SOCKADDR(struct sockaddr_in6 *, sin, msg->msg_name);
	struct sock_exterr_skb *serr = SKB_EXT_ERR(skb);
	u8 origin = serr->ee.ee_origin;
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in6 offender;
	} errhdr = {};

	if (sin && (origin == SO_EE_ORIGIN_ICMP6 ||
		    origin == SO_EE_ORIGIN_ICMP ||
		    origin == SO_EE_ORIGIN_LOCAL || serr->port)) {
		ktcp_sr_err_name6(sk, skb, sin);
		msg->msg_namelen = sizeof(*sin);
	}
	errhdr.ee = serr->ee;
	if (origin == SO_EE_ORIGIN_ICMP6) {
		errhdr.offender.sin6_family = AF_INET6;
		errhdr.offender.sin6_addr = ipv6_hdr(skb)->saddr;
		errhdr.offender.sin6_scope_id =
			ipv6_iface_scope_id(&errhdr.offender.sin6_addr,
					    IP6CB(skb)->iif);
		if (sk_fullsock(sk) && ktcp_np(sk)->rxopt.all)
			ip6_datagram_recv_ctl(sk, msg, skb);
	} else if (origin == SO_EE_ORIGIN_ICMP) {
		errhdr.offender.sin6_family = AF_INET6;
		ipv6_addr_set_v4mapped(ip_hdr(skb)->saddr,
				       &errhdr.offender.sin6_addr);
		if (inet_cmsg_flags(inet_sk(sk)))
			ip_cmsg_recv(msg, skb);
	}
	put_cmsg(msg, SOL_IPV6, IPV6_RECVERR, sizeof(errhdr), &errhdr);
}

/*
 * recvmsg(MSG_ERRQUEUE), as inet_recv_error() picks ip_recv_error() or
 * ipv6_recv_error() by the socket's family: the oldest entry's data (the
 * quoted TCP header of an ICMP or ICMPv6 error), its address and cmsgs.
 * ktcp queues only ICMP and ICMPv6 errors (icmp.c, icmp6.c), so the
 * timestamp and local origins never arise.
 */
static int ktcp_sr_recv_error(struct sock *sk, struct msghdr *msg, int len)
{
	struct sk_buff *skb;
	int copied, err;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;
	copied = min_t(int, skb->len, len);
	if (copied < skb->len)
		msg->msg_flags |= MSG_TRUNC;
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	sock_recv_timestamp(msg, sk, skb);
	if (ktcp_sk_v6(sk))
		ktcp_sr_err_v6(sk, skb, msg);
	else
		ktcp_sr_err_v4(sk, skb, msg);
	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return copied;
}

int ktcp_sr_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		    int flags)
{
	struct sock *sk = sock->sk;
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool inq_cmsg;
	int copied;

	if (flags & MSG_ERRQUEUE)	/* tcp_recvmsg() */
		return ktcp_sr_recv_error(sk, msg, len);
	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		release_sock(sk);
		return -ENOTCONN;
	}
	if (flags & MSG_OOB)
		copied = ktcp_urg_recv(sk, msg, len, flags);
	else
		copied = ktcp_sr_recv_stream(sk, msg, len, flags);
	/* tcp_recvmsg(): TCP_INQ's hint, after the copy. */
	inq_cmsg = ks->recvmsg_inq;
	if (inq_cmsg)
		msg->msg_get_inq = 1;
	if (msg->msg_get_inq && copied >= 0)
		msg->msg_inq = ktcp_sr_inq_hint(sk);
	release_sock(sk);
	if (inq_cmsg && copied >= 0)
		put_cmsg(msg, SOL_TCP, TCP_CM_INQ, sizeof(msg->msg_inq),
			 &msg->msg_inq);
	return copied;
}
