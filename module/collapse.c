// SPDX-License-Identifier: GPL-2.0
/*
 * Receive memory won back without dropping data, as Linux does it:
 * tcp_try_coalesce() appends a new in-order segment to the receive queue's
 * tail skb, so that the tail's spare room (or the new skb's page frags)
 * holds it with no second skb head; tcp_collapse() copies the payload of
 * a receive queue whose skbs cost much more than they carry (their
 * truesize over what the window counted them at, tcp_win_from_space())
 * into new skbs of about a page, and frees the old ones. The window
 * advertised is computed from the measured payload to truesize ratio
 * (window.c): a peer may fill it with segments dearer than that, and
 * without this the receiver would have to drop data inside its own window.
 *
 * Accounting: a coalesced skb's extra truesize is charged to the socket
 * (tcp_try_coalesce()'s atomic_add() and sk_mem_charge()), the absorbed
 * skb is freed by the caller (kfree_skb_partial()), which uncharges it if
 * it was charged; a collapsed skb is charged by skb_set_owner_r() and each
 * skb it replaces uncharges itself as it is freed, so the totals only
 * shrink, as in Linux (which also charges the new skbs without a
 * schedule).
 *
 * Context: the socket lock is ours (process or softirq owner), so no
 * reader walks the receive queue meanwhile.
 */

#include "ktcp.h"

/* The sequence number just past @skb's payload (a FIN not counted). */
static u32 ktcp_collapse_data_end(const struct sk_buff *skb)
{
	return KTCP_SKB_CB(skb)->seq + skb->len;
}

/*
 * tcp_try_coalesce(): append @from to @to if it follows it directly and
 * skb_try_coalesce() can (neither cloned nor zero-copy, room for the
 * frags). True: @from's payload is @to's, and the caller frees @from with
 * kfree_skb_partial(@from, *@stolen) once done reading its header.
 */
bool ktcp_collapse_coalesce(struct sock *sk, struct sk_buff *to,
			    struct sk_buff *from, bool *stolen)
{
	int delta;

	*stolen = false;
	if (KTCP_SKB_CB(from)->seq != ktcp_collapse_data_end(to) ||
	    (KTCP_SKB_CB(to)->flags & TCPHDR_FIN))
		return false;
	if (!skb_try_coalesce(to, from, stolen, &delta))
		return false;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPRCVCOALESCE);
	KTCP_SKB_CB(to)->end_seq = KTCP_SKB_CB(from)->end_seq;
	KTCP_SKB_CB(to)->ack_seq = KTCP_SKB_CB(from)->ack_seq;
	KTCP_SKB_CB(to)->flags |= KTCP_SKB_CB(from)->flags;
	/*
	 * recvmsg() reports the receive time of the last skb it read: the
	 * newest segment's, as tcp_try_coalesce() keeps it (has_rxtstamp).
	 * @from's shared info is still readable: @to holds its head now.
	 */
	if (from->tstamp || skb_hwtstamps(from)->hwtstamp) {
		to->tstamp = from->tstamp;
		skb_hwtstamps(to)->hwtstamp = skb_hwtstamps(from)->hwtstamp;
	}
	return true;
}

/* The skb after @skb in @list, or NULL (tcp_skb_next()). */
static struct sk_buff *ktcp_collapse_next(struct sk_buff_head *list,
					  struct sk_buff *skb)
{
	return skb_queue_is_last(list, skb) ? NULL : skb->next;
}

/* tcp_collapse_one(): free @skb, collapsed; returns the next one or NULL. */
static struct sk_buff *ktcp_collapse_one(struct sock *sk,
					 struct sk_buff_head *list,
					 struct sk_buff *skb)
{
	struct sk_buff *next = ktcp_collapse_next(list, skb);

	__skb_unlink(skb, list);
	__kfree_skb(skb);
	KTCP_INC_STATS(sock_net(sk), KTCP_MIB_TCPRCVCOLLAPSED);
	return next;
}

/* A SYN or FIN ends a run: tcp_collapse() leaves such skbs alone. */
static bool ktcp_collapse_stop(const struct sk_buff *skb)
{
	return !skb || (KTCP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN)) ||
	       !skb_frags_readable(skb);
}

/*
 * tcp_collapse()'s first loop over @list, contiguous skbs: the first one
 * worth copying, from *@start on: one that is bloated (it costs more than
 * the window counted it at) or holds bytes already read. Skbs read wholly
 * are freed on the way, compact ones skipped (*@start moves past them).
 * NULL: nothing to do.
 */
static struct sk_buff *ktcp_collapse_find(struct sock *sk,
					  struct sk_buff_head *list,
					  u32 *start)
{
	u8 ratio = ktcp_sk(sk)->scaling_ratio;
	struct sk_buff *skb = skb_peek(list);

	while (skb) {
		/* end_seq: a FIN is a new bit (a FIN alone has no data) */
		if (!ktcp_seq_before(*start, KTCP_SKB_CB(skb)->end_seq)) {
			skb = ktcp_collapse_one(sk, list, skb);
			continue;
		}
		if (ktcp_collapse_stop(skb))
			return NULL;
		if (ktcp_window_from_space(ratio, skb->truesize) >
		    (int)skb->len ||
		    ktcp_seq_before(KTCP_SKB_CB(skb)->seq, *start))
			return skb;
		*start = ktcp_collapse_data_end(skb);
		skb = ktcp_collapse_next(list, skb);
	}
	return NULL;
}

/*
 * One new skb of up to a page's payload, before @skb in @list, charged to
 * @sk, holding [*@start, ...) copied from @skb and its successors, which
 * are freed as they are used up. Returns the skb to go on from, or NULL at
 * the end of what can be collapsed (or if no memory: nothing is lost).
 */
static struct sk_buff *ktcp_collapse_copy(struct sock *sk,
					  struct sk_buff_head *list,
					  struct sk_buff *skb,
					  u32 *start, u32 end)
{
	int copy = min_t(int, SKB_MAX_ORDER(0, 0), end - *start);
	struct sk_buff *nskb;
	int off, size;

	nskb = alloc_skb(copy, GFP_ATOMIC);
	if (!nskb)
		return NULL;
	memcpy(nskb->cb, skb->cb, sizeof(skb->cb));
	KTCP_SKB_CB(nskb)->seq = *start;
	KTCP_SKB_CB(nskb)->end_seq = *start;
	KTCP_SKB_CB(nskb)->flags = 0;
	__skb_queue_before(list, skb, nskb);
	skb_set_owner_r(nskb, sk);
	while (copy > 0) {
		off = *start - KTCP_SKB_CB(skb)->seq;
		size = min_t(int, copy, ktcp_collapse_data_end(skb) - *start);
		if (size > 0) {
			/* Within skb->len, so it cannot fail. */
			WARN_ON_ONCE(skb_copy_bits(skb, off,
						   skb_put(nskb, size), size));
			KTCP_SKB_CB(nskb)->end_seq += size;
			copy -= size;
			*start += size;
		}
		if (ktcp_seq_before(*start, ktcp_collapse_data_end(skb)))
			continue;
		skb = ktcp_collapse_one(sk, list, skb);
		if (ktcp_collapse_stop(skb))
			return NULL;
	}
	return skb;
}

/* tcp_collapse() of the contiguous skbs of @list over [@start, @end). */
static void ktcp_collapse_list(struct sock *sk, struct sk_buff_head *list,
			       u32 start, u32 end)
{
	struct sk_buff *skb = ktcp_collapse_find(sk, list, &start);

	while (skb && ktcp_seq_before(start, end))
		skb = ktcp_collapse_copy(sk, list, skb, &start, end);
}

/*
 * tcp_collapse() of the receive queue, from copied_seq to RCV.NXT, as
 * tcp_prune_queue() calls it once the receive buffer is over sk_rcvbuf.
 */
void ktcp_collapse_rcvq(struct sock *sk)
{
	struct ktcp_sock *ks = ktcp_sk(sk);

	sock_owned_by_me(sk);
	ktcp_collapse_list(sk, &sk->sk_receive_queue, ks->copied_seq,
			   ks->rcv_nxt);
}

/*
 * The run of contiguous skbs from @skb on in @q (a FIN ends it), moved to
 * @list; returns the skb after it, or NULL. *@truesize: what they cost.
 */
static struct sk_buff *ktcp_collapse_ofo_run(struct ktcp_ofo *q,
					     struct sk_buff *skb,
					     struct sk_buff_head *list,
					     u32 *truesize)
{
	struct sk_buff *next;

	*truesize = 0;
	for (;;) {
		next = skb_rb_next(skb);
		*truesize += skb->truesize;
		ktcp_ofo_unlink(q, skb);
		__skb_queue_tail(list, skb);
		if (!next || KTCP_SKB_CB(next)->seq !=
			     ktcp_collapse_data_end(skb) ||
		    ktcp_collapse_stop(skb))
			return next;
		skb = next;
	}
}

/* Back into @q: what @list holds, collapsed or not (disjoint as it was). */
static void ktcp_collapse_ofo_put(struct ktcp_ofo *q, u32 rcv_nxt,
				  struct sk_buff_head *list)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(list))) {
		if (WARN_ON_ONCE(ktcp_ofo_insert(q, skb, rcv_nxt, U32_MAX,
						 NULL) != KTCP_OFO_QUEUED))
			kfree_skb(skb);
	}
}

/*
 * tcp_collapse_ofo_queue(): each run of contiguous out-of-order skbs is
 * collapsed, but for a lone skb of less than a page (tiny ones are not
 * worth it), and only until those left alone add up to an eighth of the
 * buffer.
 */
void ktcp_collapse_ofo(struct sock *sk, struct ktcp_ofo *q)
{
	u32 rcv_nxt = ktcp_sk(sk)->rcv_nxt, truesize, tiny = 0;
	struct sk_buff *skb, *next;
	struct sk_buff_head list;
	u32 start, end;

	sock_owned_by_me(sk);
	__skb_queue_head_init(&list);
	for (skb = skb_rb_first(&q->root.rb_root); skb; skb = next) {
		start = KTCP_SKB_CB(skb)->seq;
		/*
		 * One that ktcp_ofo_pop() could not trim stays as it is:
		 * not above RCV.NXT, it would not go back in (ktcp_ofo_valid()).
		 */
		if (!ktcp_seq_after(start, rcv_nxt)) {
			next = skb_rb_next(skb);
			continue;
		}
		next = ktcp_collapse_ofo_run(q, skb, &list, &truesize);
		end = ktcp_collapse_data_end(skb_peek_tail(&list));
		if (skb_queue_len(&list) > 1 ||
		    end - start >= SKB_WITH_OVERHEAD(PAGE_SIZE)) {
			ktcp_collapse_list(sk, &list, start, end);
		} else {
			tiny += truesize;
			next = tiny > READ_ONCE(sk->sk_rcvbuf) >> 3 ? NULL : next;
		}
		ktcp_collapse_ofo_put(q, rcv_nxt, &list);
	}
}
