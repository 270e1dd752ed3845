// SPDX-License-Identifier: GPL-2.0
/*
 * sendmsg() and recvmsg(): Linux's tcp_sendmsg_locked() and
 * tcp_recvmsg_locked() for ktcp. sendmsg appends the user's data to the
 * write queue in page frags, a segment's worth per skb, and pushes it
 * (output.c); recvmsg copies from the receive queue, waiting as
 * SO_RCVTIMEO and SO_RCVLOWAT say, and tells the peer when reading opened
 * the window (window.c, buffers.c).
 *
 * MSG_OOB's urgent byte is urg.c's: sendmsg() marks it, recvmsg() reads it
 * or stops at it. MSG_MORE holds a partial last segment back as TCP_CORK
 * does, for this call; MSG_EOR keeps later writes out of the last segment.
 *
 * Context: process, under the socket lock (lock_sock()).
 */

#include <net/sock.h>

#include "ktcp.h"

/*
 * proto.stream_memory_free, Linux's tcp_stream_memory_free(): with
 * TCP_NOTSENT_LOWAT, sendmsg() queues and poll() says EPOLLOUT only while
 * fewer bytes than it wait unsent; a wakeup (@wake) wants half as many.
 * Lockless: poll() and the write-space callback read it.
 */
bool ktcp_sr_stream_memory_free(const struct sock *sk, int wake)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 lowat = READ_ONCE(ks->notsent_lowat) ?: UINT_MAX;
	u32 notsent = READ_ONCE(ks->write_seq) - READ_ONCE(ks->snd_nxt);

	return (notsent << wake) < lowat;
}

/* The unsent tail segment if sendmsg() may append to it, else NULL. */
static struct sk_buff *ktcp_sr_send_tail(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !ks->send_head || skb->len >= ks->mss ||
	    KTCP_SKB_CB(skb)->eor ||
	    (KTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN)))
		return NULL;
	return skb;
}

/* Copy up to @len bytes into @skb's page frags; bytes copied or -errno. */
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

/* Queue one chunk of the user's data; bytes queued, 0 to wait, or -errno. */
static int ktcp_sr_send_chunk(struct sock *sk, struct msghdr *msg)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = ktcp_sr_send_tail(sk);
	int copied;

	if (!skb) {
		if (!sk_stream_memory_free(sk))
			return 0;
		skb = ktcp_output_queue_new(sk, TCPHDR_ACK | TCPHDR_PSH,
					    sk->sk_allocation);
		if (!skb)
			return 0;
	}
	copied = ktcp_sr_send_copy(sk, skb, msg,
				   min_t(int, ks->mss - skb->len,
					 msg_data_left(msg)));
	if (!copied) {
		/* Out of frag slots: close this segment, start another. */
		skb = ktcp_output_queue_new(sk, TCPHDR_ACK | TCPHDR_PSH,
					    sk->sk_allocation);
		if (!skb)
			return 0;
		copied = ktcp_sr_send_copy(sk, skb, msg,
					   min_t(int, ks->mss, msg_data_left(msg)));
	}
	if (copied < 0)
		return copied == -ENOMEM ? 0 : copied;
	KTCP_SKB_CB(skb)->end_seq += copied;
	WRITE_ONCE(ks->write_seq, ks->write_seq + copied);
	/* With MSG_OOB, nothing leaves before SND.UP is set (Linux's). */
	if (skb->len >= ks->mss && !(msg->msg_flags & MSG_OOB))
		ktcp_output_push(sk);
	return copied;
}

/*
 * Send what sendmsg() queued, as tcp_push() does: after @copied bytes of
 * MSG_OOB, the last of them is urgent (tcp_mark_urg()); MSG_MORE holds a
 * partial segment as TCP_CORK would, until the next push without it.
 */
static void ktcp_sr_push(struct sock *sk, int flags, int copied)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (copied && (flags & MSG_OOB))
		ks->snd_up = ks->write_seq;
	if (!(flags & MSG_MORE) || ks->cork) {
		ktcp_output_push(sk);
		return;
	}
	ks->cork = 1;
	ktcp_output_push(sk);
	ks->cork = 0;
}

/* MSG_EOR: later writes go into new segments (tcp_skb_can_collapse_to()). */
static void ktcp_sr_send_eor(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (skb)
		KTCP_SKB_CB(skb)->eor = 1;
}

int ktcp_sr_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	int flags = msg->msg_flags, copied = 0, n, err;
	long timeo;

	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	err = 0;
	if (!((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		err = sk_stream_wait_connect(sk, &timeo);
	while (!err && msg_data_left(msg)) {
		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			break;
		n = ktcp_sr_send_chunk(sk, msg);
		err = n < 0 ? n : 0;
		if (n > 0)
			copied += n;
		if (n)
			continue;
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		ktcp_sr_push(sk, flags & ~MSG_MORE, copied);
		err = sk_stream_wait_memory(sk, &timeo);
	}
	if (copied && (flags & MSG_EOR) && !msg_data_left(msg))
		ktcp_sr_send_eor(sk);
	ktcp_sr_push(sk, flags, copied);
	if (!copied && err)
		copied = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return copied;
}

/*
 * After reading, tell the peer if the window we may offer has at least
 * doubled and moved by the SWS threshold (tcp_cleanup_rbuf).
 */
static void ktcp_sr_recv_window_update(struct sock *sk)
{
	u32 cur, new;

	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	new = ktcp_window_rcv_now(sk, &cur);
	if (new > cur && new >= 2 * cur)
		ktcp_output_ack(sk);
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
			ktcp_sr_recv_window_update(sk);
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
		sk_wait_data(sk, &timeo, skb_peek_tail(&sk->sk_receive_queue));
	} while (len > 0);
	/* Once per call, as tcp_recvmsg_locked() does; it may grow the window. */
	if (copied > 0 && !(flags & MSG_PEEK)) {
		ktcp_buf_rcv_space_adjust(sk);
		ktcp_sr_recv_window_update(sk);
	}
	return copied;
}

int ktcp_sr_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		    int flags)
{
	struct sock *sk = sock->sk;
	struct ktcp_sock *ks = ktcp_sk(sk);
	bool inq_cmsg;
	int copied;

	/* tcp_recvmsg(): ip_recv_error(), which 6.12 does not export. */
	if (flags & MSG_ERRQUEUE)
		return sock_recv_errqueue(sk, msg, len, SOL_IP, IP_RECVERR);
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
