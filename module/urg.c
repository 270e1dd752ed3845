// SPDX-License-Identifier: GPL-2.0
/*
 * Urgent data (RFC 9293 3.8.5), as Linux 6.12 has it: BSD's one out-of-band
 * byte, not a stream of urgent data.
 *
 * Sending: send(MSG_OOB) makes the last byte it wrote urgent. SND.UP is the
 * sequence number after that byte (tcp_mark_urg()); until SND.UNA passes
 * it, every segment that starts before it carries URG and the pointer
 * SND.UP - SEG.SEQ (tcp_transmit_skb()), the pointer to the byte after the
 * urgent one, as RFC 6093 section 3 finds every implementation does (not
 * RFC 1122's reading).
 *
 * Receiving (tcp_check_urg(), tcp_urg()): a new pointer, ahead of the
 * reader and of any pointer seen before, marks urg_seq, the urgent byte,
 * and sends SIGURG to the socket's owner; once that byte is in, it is kept
 * in urg_data, for recv(MSG_OOB) (tcp_recv_urg()) and EPOLLPRI. Normal reads
 * stop at the mark and, unless SO_OOBINLINE, step over the byte
 * (tcp_recvmsg_locked()). net.ipv4.tcp_stdurg set takes the pointer as
 * RFC 1122 does, as it does for native TCP.
 *
 * urg_data: 0, or TCP_URG_NOTYET (a pointer, the byte not in yet),
 * TCP_URG_VALID | the byte, or TCP_URG_READ (taken by recv(MSG_OOB), the
 * mark still ahead of the reader).
 *
 * Context: the socket lock held, except for the lockless readers (poll(),
 * SIOCATMARK), which read urg_data, urg_seq and copied_seq once each.
 */

#include "ktcp.h"

/* SND.UNA moved from @prior_una: urgent mode ends once it passes SND.UP. */
void ktcp_urg_snd_una(struct ktcp_sock *ks, u32 prior_una)
{
	/* tcp_clean_rtx_queue() */
	if (ktcp_seq_between(ks->snd_up, prior_una, ks->snd_una))
		ks->snd_up = ks->snd_una;
}

/* The segment at @seq is leaving with header @th: URG and the pointer. */
void ktcp_urg_xmit(const struct ktcp_sock *ks, struct tcphdr *th, u32 seq)
{
	/* Urgent mode checked first: a window probe starts below SND.UNA. */
	if (likely(!ktcp_urg_mode(ks)) || !ktcp_seq_before(seq, ks->snd_up))
		return;
	th->urg = 1;
	th->urg_ptr = htons(ks->snd_up - seq < 0x10000 ? ks->snd_up - seq :
			    0xFFFF);
}

/*
 * A persist or keepalive probe in urgent mode goes twice, once at SND.UNA
 * so that the peer learns the pointer even with its window shut
 * (tcp_write_wakeup()).
 */
bool ktcp_urg_probe(const struct ktcp_sock *ks)
{
	return ktcp_seq_between(ks->snd_up, ks->snd_una + 1,
				ks->snd_una + 0xFFFF);
}

/*
 * The old mark is at the reader and a new one comes: the old urgent byte,
 * not yet stepped over, must not be read as data once urg_seq moves on
 * (tcp_check_urg()).
 */
static void ktcp_urg_skip_old(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

	WRITE_ONCE(ks->copied_seq, ks->copied_seq + 1);
	if (skb && !ktcp_seq_before(ks->copied_seq,
				    KTCP_SKB_CB(skb)->seq + skb->len))
		sk_eat_skb(sk, skb);
}

/* A segment with URG: a new mark, or an old or repeated one to ignore. */
static void ktcp_urg_check(struct sock *sk, const struct tcphdr *th)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u32 ptr = ntohs(th->urg_ptr);

	if (ptr && !READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_stdurg))
		ptr--;
	ptr += ntohl(th->seq);
	/* Already read; behind RCV.NXT (no replay); not newer than ours. */
	if (ktcp_seq_after(ks->copied_seq, ptr) ||
	    ktcp_seq_before(ptr, ks->rcv_nxt) ||
	    (ks->urg_data && !ktcp_seq_after(ptr, ks->urg_seq)))
		return;
	sk_send_sigurg(sk);
	if (ks->urg_seq == ks->copied_seq && ks->urg_data &&
	    !sock_flag(sk, SOCK_URGINLINE) && ks->copied_seq != ks->rcv_nxt)
		ktcp_urg_skip_old(sk);
	WRITE_ONCE(ks->urg_data, TCP_URG_NOTYET);
	WRITE_ONCE(ks->urg_seq, ptr);
}

/*
 * RFC 9293 3.10.7.4, sixth step, "check the URG bit" (tcp_urg()): @skb, its
 * header pulled, passed the sequence and ACK checks. Take the urgent byte
 * if this segment holds it, wherever it lands in the window.
 */
void ktcp_urg_rcv(struct sock *sk, const struct sk_buff *skb)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	const struct tcphdr *th = tcp_hdr(skb);
	u32 off;
	u8 byte;

	sock_owned_by_me(sk);
	if (unlikely(th->urg))
		ktcp_urg_check(sk, th);
	if (likely(ks->urg_data != TCP_URG_NOTYET))
		return;
	off = ks->urg_seq - ntohl(th->seq) - th->syn;
	if (off >= skb->len)
		return;
	if (WARN_ON_ONCE(skb_copy_bits(skb, off, &byte, 1)))
		return;
	WRITE_ONCE(ks->urg_data, TCP_URG_VALID | byte);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
}

/*
 * recv(MSG_OOB), tcp_recv_urg(): the urgent byte, never waiting. EINVAL
 * when there is none, it was read, or SO_OOBINLINE keeps it in the stream;
 * EAGAIN while the pointer came and the byte has not; 0 once no byte can
 * come. A zero-length read says MSG_TRUNC.
 */
int ktcp_urg_recv(struct sock *sk, struct msghdr *msg, size_t len, int flags)
{
	struct ktcp_sock *ks = ktcp_sk(sk);
	u16 data = ks->urg_data;
	char c = data;

	sock_owned_by_me(sk);
	if (sock_flag(sk, SOCK_URGINLINE) || !data || data == TCP_URG_READ)
		return -EINVAL;
	if (sk->sk_state == TCP_CLOSE && !sock_flag(sk, SOCK_DONE))
		return -ENOTCONN;
	if (data & TCP_URG_VALID) {
		if (!(flags & MSG_PEEK))
			WRITE_ONCE(ks->urg_data, TCP_URG_READ);
		msg->msg_flags |= MSG_OOB;
		if (!len) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(flags & MSG_TRUNC) && memcpy_to_msg(msg, &c, 1))
			return -EFAULT;
		return 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN;
}

/*
 * SIOCINQ, tcp_inq(): with an out-of-band urgent byte in the queue ahead
 * of the reader, the bytes before it, else @inq (at the mark: 0, whatever
 * follows the byte).
 */
int ktcp_urg_inq(const struct sock *sk, int inq)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	if (sock_flag(sk, SOCK_URGINLINE) || !ks->urg_data ||
	    ktcp_seq_before(ks->urg_seq, ks->copied_seq) ||
	    !ktcp_seq_before(ks->urg_seq, ks->rcv_nxt))
		return inq;
	return ks->urg_seq - ks->copied_seq;
}

/* Is the mark at @seq? SIOCATMARK and recvmsg() ask; lockless. */
bool ktcp_urg_at(const struct sock *sk, u32 seq)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	return READ_ONCE(ks->urg_data) && READ_ONCE(ks->urg_seq) == seq;
}

/*
 * recvmsg() is about to copy *@used bytes from @seq on: a read stops short
 * of the mark; one that starts at it steps over the urgent byte, unless
 * SO_OOBINLINE. Returns 1 if the byte at @seq is to be skipped (and takes
 * it off *@used), else 0.
 */
u32 ktcp_urg_recv_clip(const struct sock *sk, u32 seq, u32 *used)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);
	u32 off = ks->urg_seq - seq;

	if (likely(!ks->urg_data) || off >= *used)
		return 0;
	if (off) {
		*used = off;
		return 0;
	}
	if (sock_flag(sk, SOCK_URGINLINE))
		return 0;
	(*used)--;
	return 1;
}

/* recvmsg() moved the reader: the mark behind it is forgotten. */
void ktcp_urg_recv_passed(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	if (unlikely(ks->urg_data) &&
	    ktcp_seq_after(ks->copied_seq, ks->urg_seq))
		WRITE_ONCE(ks->urg_data, 0);
}

/*
 * poll(), tcp_poll(): EPOLLPRI while the urgent byte waits, and 1 more byte
 * than SO_RCVLOWAT wanted for EPOLLIN (in *@target) while the reader is at
 * the mark and the byte is out of band. Lockless.
 */
__poll_t ktcp_urg_poll(const struct sock *sk, int *target)
{
	const struct ktcp_sock *ks = ktcp_sk(sk);

	if (ktcp_urg_at(sk, READ_ONCE(ks->copied_seq)) &&
	    !sock_flag(sk, SOCK_URGINLINE))
		(*target)++;
	return READ_ONCE(ks->urg_data) & TCP_URG_VALID ? EPOLLPRI : 0;
}
