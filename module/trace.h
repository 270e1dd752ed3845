/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktcp's tracepoints: Linux 6.12's tcp:* events and sock:inet_sock_set_state
 * (include/trace/events/tcp.h, sock.h) with the same fields, under the
 * system "ktcp" and with "ktcp_" for "tcp_" (and "inet_sock_"), so that a
 * bpftrace program written for native TCP runs on ktcp once its probe
 * names are changed: tracepoint:tcp:tcp_retransmit_skb becomes
 * tracepoint:ktcp:ktcp_retransmit_skb, tracepoint:sock:inet_sock_set_state
 * tracepoint:ktcp:ktcp_set_state. Documentation/tracepoints.rst lists them.
 *
 * family and protocol are AF_INET or AF_INET6 (for AF_KTCP6 sockets,
 * v4-mapped ones included, as tcp:* events say AF_INET6 for every AF_INET6
 * socket) and IPPROTO_TCP, not the socket's sk_family and sk_protocol
 * (ktcp's own numbers), so that scripts that pick the address format by
 * family, or filter on protocol == IPPROTO_TCP, see ktcp's segments as
 * TCP's. saddr_v6 and daddr_v6 hold an AF_KTCP6 socket's sk_v6_rcv_saddr
 * and sk_v6_daddr, else the v4-mapped addresses, as TP_STORE_ADDRS() does.
 *
 * Only trace.c defines CREATE_TRACE_POINTS; every other file includes this
 * for the trace_ktcp_*() calls. Called with the socket lock held or from
 * the hook in softirq, as the corresponding tcp:* events are.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ktcp

#if !defined(_KTCP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KTCP_TRACE_H

#include <linux/sock_diag.h>
#include <linux/tracepoint.h>
#include <net/ipv6.h>
#include <net/rstreason.h>

#include "ktcp.h"

#ifndef _KTCP_TRACE_HELPERS
#define _KTCP_TRACE_HELPERS
/* sock_gen_cookie() through the one exported caller of __sock_gen_cookie(). */
static inline u64 ktcp_trace_cookie(struct sock *sk)
{
	u32 c[2];

	sock_diag_save_cookie(sk, c);
	return ((u64)c[1] << 32) | c[0];
}

/* The four addresses of an IPv4 pair, as Linux's TP_STORE_ADDRS() keeps them. */
static inline void ktcp_trace_addrs(u8 *s4, u8 *d4, u8 *s6, u8 *d6,
				    __be32 sa, __be32 da)
{
	memcpy(s4, &sa, sizeof(sa));
	memcpy(d4, &da, sizeof(da));
	ipv6_addr_set_v4mapped(sa, (struct in6_addr *)s6);
	ipv6_addr_set_v4mapped(da, (struct in6_addr *)d6);
}

/* The family a tcp:* event says for @sk: its sk_family's counterpart. */
static inline u16 ktcp_trace_family(const struct sock *sk)
{
	return ktcp_sk_v6(sk) ? AF_INET6 : AF_INET;
}

/* TP_STORE_ADDRS() for a ktcp socket. */
static inline void ktcp_trace_sk_addrs(const struct sock *sk, u8 *s4, u8 *d4,
				       u8 *s6, u8 *d6)
{
	const struct inet_sock *inet = inet_sk(sk);

	ktcp_trace_addrs(s4, d4, s6, d6, inet->inet_saddr, inet->inet_daddr);
	if (ktcp_sk_v6(sk)) {
		memcpy(s6, &sk->sk_v6_rcv_saddr, sizeof(struct in6_addr));
		memcpy(d6, &sk->sk_v6_daddr, sizeof(struct in6_addr));
	}
}

/* A struct sockaddr_in6 in a sockaddr_in6-sized field, for %pISpc. */
static inline void ktcp_trace_sin6(u8 *f, const struct in6_addr *addr,
				   __be16 port)
{
	struct sockaddr_in6 *sin6 = (void *)f;

	memset(f, 0, sizeof(struct sockaddr_in6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = *addr;
	sin6->sin6_port = port;
}

/* A struct sockaddr_in in a sockaddr_in6-sized field, for %pISpc. */
static inline void ktcp_trace_sin(u8 *f, __be32 addr, __be16 port)
{
	struct sockaddr_in *sin = (void *)f;

	memset(f, 0, sizeof(struct sockaddr_in6));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = port;
}

/* TP_STORE_ADDR_PORTS(): an AF_KTCP6 socket's as AF_INET6, v4-mapped too. */
static inline void ktcp_trace_sk_sins(const struct sock *sk, u8 *s, u8 *d)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (ktcp_sk_v6(sk)) {
		ktcp_trace_sin6(s, &sk->sk_v6_rcv_saddr, inet->inet_sport);
		ktcp_trace_sin6(d, &sk->sk_v6_daddr, inet->inet_dport);
		return;
	}
	ktcp_trace_sin(s, inet->inet_saddr, inet->inet_sport);
	ktcp_trace_sin(d, inet->inet_daddr, inet->inet_dport);
}

/*
 * TP_STORE_ADDR_PORTS_SKB(): a segment's pair, by its IP version; @rev
 * swaps the ends (what a RST answering it carries).
 */
static inline void ktcp_trace_skb_sins(const struct sk_buff *skb, u8 *s, u8 *d,
				       bool rev)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (rev)
		swap(s, d);
	if (ip_hdr(skb)->version == 6) {
		ktcp_trace_sin6(s, &ipv6_hdr(skb)->saddr, th->source);
		ktcp_trace_sin6(d, &ipv6_hdr(skb)->daddr, th->dest);
		return;
	}
	ktcp_trace_sin(s, ip_hdr(skb)->saddr, th->source);
	ktcp_trace_sin(d, ip_hdr(skb)->daddr, th->dest);
}
#endif

#define ktcp_show_family(f)						\
	__print_symbolic(f, { AF_INET, "AF_INET" }, { AF_INET6, "AF_INET6" })

#define ktcp_show_state(s)						\
	__print_symbolic(s,						\
		{ TCP_ESTABLISHED, "TCP_ESTABLISHED" },			\
		{ TCP_SYN_SENT, "TCP_SYN_SENT" },			\
		{ TCP_SYN_RECV, "TCP_SYN_RECV" },			\
		{ TCP_FIN_WAIT1, "TCP_FIN_WAIT1" },			\
		{ TCP_FIN_WAIT2, "TCP_FIN_WAIT2" },			\
		{ TCP_TIME_WAIT, "TCP_TIME_WAIT" },			\
		{ TCP_CLOSE, "TCP_CLOSE" },				\
		{ TCP_CLOSE_WAIT, "TCP_CLOSE_WAIT" },			\
		{ TCP_LAST_ACK, "TCP_LAST_ACK" },			\
		{ TCP_LISTEN, "TCP_LISTEN" },				\
		{ TCP_CLOSING, "TCP_CLOSING" },				\
		{ TCP_NEW_SYN_RECV, "TCP_NEW_SYN_RECV" })

/* tcp_event_sk_skb: tcp_retransmit_skb */
DECLARE_EVENT_CLASS(ktcp_event_sk_skb,
	TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	TP_ARGS(sk, skb),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(const void *, skaddr)
		__field(int, state)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u16, family)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddr_v6, 16)
		__array(__u8, daddr_v6, 16)
	),
	TP_fast_assign(
		const struct inet_sock *inet = inet_sk(sk);

		__entry->skbaddr = skb;
		__entry->skaddr = sk;
		__entry->state = sk->sk_state;
		__entry->sport = ntohs(inet->inet_sport);
		__entry->dport = ntohs(inet->inet_dport);
		__entry->family = ktcp_trace_family(sk);
		ktcp_trace_sk_addrs(sk, __entry->saddr, __entry->daddr,
				    __entry->saddr_v6, __entry->daddr_v6);
	),
	TP_printk("skbaddr=%p skaddr=%p family=%s sport=%hu dport=%hu saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c state=%s",
		  __entry->skbaddr, __entry->skaddr,
		  ktcp_show_family(__entry->family), __entry->sport,
		  __entry->dport, __entry->saddr, __entry->daddr,
		  __entry->saddr_v6, __entry->daddr_v6,
		  ktcp_show_state(__entry->state))
);

DEFINE_EVENT(ktcp_event_sk_skb, ktcp_retransmit_skb,
	TP_PROTO(const struct sock *sk, const struct sk_buff *skb),
	TP_ARGS(sk, skb)
);

/* Each reason's name for the format's readers, as tcp.h gives them. */
#define KTCP_RST_ENUM(r)	TRACE_DEFINE_ENUM(SK_RST_REASON_##r);
DEFINE_RST_REASON(KTCP_RST_ENUM, KTCP_RST_ENUM)
#undef KTCP_RST_ENUM
#define KTCP_RST_NAME(r)	{ SK_RST_REASON_##r, #r },
#define KTCP_RST_NAME_LAST(r)	{ SK_RST_REASON_##r, #r }

/*
 * tcp_send_reset: @sk may be NULL (no socket) and @skb (what the RST
 * answers) is NULL for an active reset. As in Linux, a socket's own
 * addresses win over the segment's (a listener's are its bound ones).
 * The skb's header is at tcp_hdr(): the hook pulled it.
 */
TRACE_EVENT(ktcp_send_reset,
	TP_PROTO(const struct sock *sk, const struct sk_buff *skb__nullable,
		 const enum sk_rst_reason reason),
	TP_ARGS(sk, skb__nullable, reason),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__field(const void *, skaddr)
		__field(int, state)
		__field(enum sk_rst_reason, reason)
		__array(__u8, saddr, sizeof(struct sockaddr_in6))
		__array(__u8, daddr, sizeof(struct sockaddr_in6))
	),
	TP_fast_assign(
		__entry->skbaddr = skb__nullable;
		__entry->skaddr = sk;
		__entry->state = sk ? sk->sk_state : 0;
		memset(__entry->saddr, 0, sizeof(struct sockaddr_in6));
		memset(__entry->daddr, 0, sizeof(struct sockaddr_in6));
		if (sk)
			ktcp_trace_sk_sins(sk, __entry->saddr, __entry->daddr);
		else if (skb__nullable)
			/* The segment's pair reversed: the RST's direction. */
			ktcp_trace_skb_sins(skb__nullable, __entry->saddr,
					    __entry->daddr, true);
		__entry->reason = reason;
	),
	TP_printk("skbaddr=%p skaddr=%p src=%pISpc dest=%pISpc state=%s reason=%s",
		  __entry->skbaddr, __entry->skaddr,
		  __entry->saddr, __entry->daddr,
		  __entry->state ? ktcp_show_state(__entry->state) : "UNKNOWN",
		  __print_symbolic(__entry->reason,
				   DEFINE_RST_REASON(KTCP_RST_NAME, KTCP_RST_NAME_LAST)))
);

/* tcp_event_sk: tcp_receive_reset, tcp_destroy_sock, tcp_rcv_space_adjust */
DECLARE_EVENT_CLASS(ktcp_event_sk,
	TP_PROTO(struct sock *sk),
	TP_ARGS(sk),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u16, family)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddr_v6, 16)
		__array(__u8, daddr_v6, 16)
		__field(__u64, sock_cookie)
	),
	TP_fast_assign(
		const struct inet_sock *inet = inet_sk(sk);

		__entry->skaddr = sk;
		__entry->sport = ntohs(inet->inet_sport);
		__entry->dport = ntohs(inet->inet_dport);
		__entry->family = ktcp_trace_family(sk);
		ktcp_trace_sk_addrs(sk, __entry->saddr, __entry->daddr,
				    __entry->saddr_v6, __entry->daddr_v6);
		__entry->sock_cookie = ktcp_trace_cookie(sk);
	),
	TP_printk("family=%s sport=%hu dport=%hu saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c sock_cookie=%llx",
		  ktcp_show_family(__entry->family), __entry->sport, __entry->dport,
		  __entry->saddr, __entry->daddr,
		  __entry->saddr_v6, __entry->daddr_v6,
		  __entry->sock_cookie)
);

DEFINE_EVENT(ktcp_event_sk, ktcp_receive_reset,
	TP_PROTO(struct sock *sk),
	TP_ARGS(sk)
);

DEFINE_EVENT(ktcp_event_sk, ktcp_destroy_sock,
	TP_PROTO(struct sock *sk),
	TP_ARGS(sk)
);

DEFINE_EVENT(ktcp_event_sk, ktcp_rcv_space_adjust,
	TP_PROTO(struct sock *sk),
	TP_ARGS(sk)
);

/* tcp_retransmit_synack: @req is ktcp's request, not a request_sock. */
TRACE_EVENT(ktcp_retransmit_synack,
	TP_PROTO(const struct sock *sk, const struct ktcp_request *req),
	TP_ARGS(sk, req),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(const void *, req)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u16, family)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddr_v6, 16)
		__array(__u8, daddr_v6, 16)
	),
	TP_fast_assign(
		const struct ktcp_tuple *t = &req->hnode.key;

		__entry->skaddr = sk;
		__entry->req = req;
		__entry->sport = ntohs(t->lport);
		__entry->dport = ntohs(t->rport);
		__entry->family = ktcp_trace_family(sk);
		ktcp_trace_addrs(__entry->saddr, __entry->daddr,
				 __entry->saddr_v6, __entry->daddr_v6,
				 ktcp_addr_v4(&t->laddr),
				 ktcp_addr_v4(&t->raddr));
		if (__entry->family == AF_INET6) {
			memcpy(__entry->saddr_v6, &t->laddr, sizeof(t->laddr));
			memcpy(__entry->daddr_v6, &t->raddr, sizeof(t->raddr));
		}
	),
	TP_printk("family=%s sport=%hu dport=%hu saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c",
		  ktcp_show_family(__entry->family), __entry->sport, __entry->dport,
		  __entry->saddr, __entry->daddr,
		  __entry->saddr_v6, __entry->daddr_v6)
);

/*
 * tcp_probe: each segment a synchronized connection takes in, before it
 * is processed (tcp_rcv_established()), with the sender's state.
 * ssthresh is tcp_current_ssthresh()'s.
 */
TRACE_EVENT(ktcp_probe,
	TP_PROTO(struct sock *sk, struct sk_buff *skb),
	TP_ARGS(sk, skb),
	TP_STRUCT__entry(
		__array(__u8, saddr, sizeof(struct sockaddr_in6))
		__array(__u8, daddr, sizeof(struct sockaddr_in6))
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u16, family)
		__field(__u32, mark)
		__field(__u16, data_len)
		__field(__u32, snd_nxt)
		__field(__u32, snd_una)
		__field(__u32, snd_cwnd)
		__field(__u32, ssthresh)
		__field(__u32, snd_wnd)
		__field(__u32, srtt)
		__field(__u32, rcv_wnd)
		__field(__u64, sock_cookie)
		__field(const void *, skbaddr)
		__field(const void *, skaddr)
	),
	TP_fast_assign(
		const struct inet_sock *inet = inet_sk(sk);
		const struct ktcp_sock *ks = ktcp_sk(sk);
		u32 cwnd = ks->cc.cwnd;

		ktcp_trace_sk_sins(sk, __entry->saddr, __entry->daddr);
		__entry->sport = ntohs(inet->inet_sport);
		__entry->dport = ntohs(inet->inet_dport);
		__entry->mark = skb->mark;
		__entry->family = ktcp_trace_family(sk);
		__entry->data_len = skb->len;	/* the header is pulled */
		__entry->snd_nxt = ks->snd_nxt;
		__entry->snd_una = ks->snd_una;
		__entry->snd_cwnd = cwnd;
		__entry->snd_wnd = ks->snd_wnd;
		__entry->rcv_wnd = ks->rcv_wnd;
		__entry->ssthresh = (ks->cc.state == KTCP_CC_CWR ||
				     ks->cc.state == KTCP_CC_RECOVERY) ?
				    ks->cc.ssthresh :
				    max(ks->cc.ssthresh, (cwnd >> 1) + (cwnd >> 2));
		__entry->srtt = ks->rtt.srtt_us >> 3;
		__entry->sock_cookie = ktcp_trace_cookie(sk);
		__entry->skbaddr = skb;
		__entry->skaddr = sk;
	),
	TP_printk("family=%s src=%pISpc dest=%pISpc mark=%#x data_len=%d snd_nxt=%#x snd_una=%#x snd_cwnd=%u ssthresh=%u snd_wnd=%u srtt=%u rcv_wnd=%u sock_cookie=%llx skbaddr=%p skaddr=%p",
		  ktcp_show_family(__entry->family),
		  __entry->saddr, __entry->daddr, __entry->mark,
		  __entry->data_len, __entry->snd_nxt, __entry->snd_una,
		  __entry->snd_cwnd, __entry->ssthresh, __entry->snd_wnd,
		  __entry->srtt, __entry->rcv_wnd, __entry->sock_cookie,
		  __entry->skbaddr, __entry->skaddr)
);

/* tcp_event_skb: tcp_bad_csum, from the hook, before any lookup. */
TRACE_EVENT(ktcp_bad_csum,
	TP_PROTO(const struct sk_buff *skb),
	TP_ARGS(skb),
	TP_STRUCT__entry(
		__field(const void *, skbaddr)
		__array(__u8, saddr, sizeof(struct sockaddr_in6))
		__array(__u8, daddr, sizeof(struct sockaddr_in6))
	),
	TP_fast_assign(
		__entry->skbaddr = skb;
		ktcp_trace_skb_sins(skb, __entry->saddr, __entry->daddr, false);
	),
	TP_printk("skbaddr=%p src=%pISpc dest=%pISpc",
		  __entry->skbaddr, __entry->saddr, __entry->daddr)
);

/* sock:inet_sock_set_state, for ktcp sockets only. */
TRACE_EVENT(ktcp_set_state,
	TP_PROTO(const struct sock *sk, const int oldstate, const int newstate),
	TP_ARGS(sk, oldstate, newstate),
	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(int, oldstate)
		__field(int, newstate)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(__u16, family)
		__field(__u16, protocol)
		__array(__u8, saddr, 4)
		__array(__u8, daddr, 4)
		__array(__u8, saddr_v6, 16)
		__array(__u8, daddr_v6, 16)
	),
	TP_fast_assign(
		const struct inet_sock *inet = inet_sk(sk);

		__entry->skaddr = sk;
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
		__entry->family = ktcp_trace_family(sk);
		__entry->protocol = IPPROTO_TCP;
		__entry->sport = ntohs(inet->inet_sport);
		__entry->dport = ntohs(inet->inet_dport);
		ktcp_trace_sk_addrs(sk, __entry->saddr, __entry->daddr,
				    __entry->saddr_v6, __entry->daddr_v6);
	),
	TP_printk("family=%s protocol=IPPROTO_TCP sport=%hu dport=%hu saddr=%pI4 daddr=%pI4 saddrv6=%pI6c daddrv6=%pI6c oldstate=%s newstate=%s",
		  ktcp_show_family(__entry->family), __entry->sport, __entry->dport,
		  __entry->saddr, __entry->daddr,
		  __entry->saddr_v6, __entry->daddr_v6,
		  ktcp_show_state(__entry->oldstate),
		  ktcp_show_state(__entry->newstate))
);

#endif /* _KTCP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
