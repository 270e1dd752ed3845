/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktcp internals: per-namespace state, the TCB, the request (SYN queue
 * entry), and the functions each file exports to the others, in the order a
 * segment meets them.
 *
 * How segments and calls flow (one layer per file; calls run downwards):
 *
 *   system calls                      IPv4 LOCAL_IN
 *   af_ktcp.c, connect.c, sockopt.c,  hook.c         checksum, lookup
 *   sendrecv.c
 *        |                            rcv.c          now or backlog; by state
 *        |                     input.c     listen.c  (listen.c calls rcv.c
 *        |                           |     |          back for a new child)
 *        v                           v     v
 *   output.c  window.c  recovery.c  buffers.c  sock.c   <-- timers.c, the
 *        |                                         protocol's timers (sock.c
 *        v                                         and timers.c call each other)
 *   timer.c (per-CPU wheels)  hash.c (tables)
 *
 * urg.c (urgent data) sits beside window.c: sendrecv.c, af_ktcp.c, input.c
 * and output.c call it, and it calls no other file.
 *
 * Below them, pure logic with no socket or lock, each with KUnit tests:
 * options.c, negotiate.c, sack.c, ofo.c, rtt.c, cong*.c, state.c, seq.h,
 * wheel.c, diag_bc.c.
 *
 * Contexts and locks, once for the whole module (Documentation/design.rst has
 * the long version):
 * - A ktcp_sock is protected by its socket lock. Process context takes it with
 *   lock_sock(); softirq (segment input, timers) with bh_lock_sock() and, when
 *   a process owns the socket, queues the segment to the backlog or defers
 *   the timer's work to release_cb (ktcp_timers_release_cb()). Entry points
 *   that need it assert it with sock_owned_by_me().
 * - A listener's SYN queue and accept queue are protected by the listener's
 *   socket lock, like any other field of the listener.
 * - The per-namespace hash tables have their own locks (hash.c) and are read
 *   under RCU; sockets are freed after a grace period (SOCK_RCU_FREE).
 * - Each CPU has its own timer wheel with its own spinlock (timer.c).
 */
#ifndef _KTCP_H
#define _KTCP_H

#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netns/generic.h>
#include <net/proto_memory.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cong.h"
#include "mib.h"
#include "ofo.h"
#include "options.h"
#include "rack.h"
#include "rtt.h"
#include "sack.h"
#include "seq.h"
#include "state.h"
#include "timer.h"

extern int ktcp_family;
extern int ktcp_family6;

/* Was @sk opened as AF_KTCP6 (IPv6 and dual stack)? */
static inline bool ktcp_sk_v6(const struct sock *sk)
{
	return sk->sk_family == ktcp_family6;
}

/*
 * The ipv6_pinfo of an AF_KTCP6 socket (ktcp6_sock), in every state.
 * Not inet6_sk(): that answers NULL once sk_fullsock() is false, and a
 * ktcp socket stays a full one in TIME_WAIT. Kernel helpers that call
 * inet6_sk() on their socket (inet6_csk_xmit(), inet6_getname(),
 * do_ipv6_getsockopt()...) are kept away from TIME_WAIT for that reason.
 */
static inline struct ipv6_pinfo *ktcp_np(const struct sock *sk)
{
	return inet_sk(sk)->pinet6;
}

/*
 * Does @sk talk IPv6 on the wire? An AF_KTCP6 socket but one connected to
 * a v4-mapped peer (tcp_v6_connect()'s ipv6_mapped, inet6.c).
 */
static inline bool ktcp_sk_wire6(const struct sock *sk)
{
	return ktcp_sk_v6(sk) && !ipv6_addr_v4mapped(&sk->sk_v6_daddr);
}

extern unsigned int ktcp_net_id;

/* Linux's include/net/tcp.h values used by more than one file. */
#define KTCP_MAX_QUICKACKS	16
#define KTCP_ATO_MIN		(HZ / 25)	/* TCP_ATO_MIN: 40 ms */
#define KTCP_DELACK_MIN		(HZ / 25)	/* TCP_DELACK_MIN */
#define KTCP_DELACK_MAX		(HZ / 5)	/* TCP_DELACK_MAX: 200 ms */
#define KTCP_RMEM_TO_WIN_SCALE	8	/* TCP_RMEM_TO_WIN_SCALE */
/* TCP_DEFAULT_SCALING_RATIO: half of a buffer is payload, until measured */
#define KTCP_DEFAULT_SCALING_RATIO	(1 << (KTCP_RMEM_TO_WIN_SCALE - 1))
#define KTCP_REORDERING_INIT	3	/* DupThresh, RFC 5681 3.2, 6675 */
#define KTCP_MSS_DEFAULT	536	/* RFC 9293 3.7.1, no MSS option */
#define KTCP_MSS_MIN		48	/* TCP_MIN_SND_MSS */
#define KTCP_LHASH_SIZE		32	/* listener buckets */
#define KTCP_TW_TIMEOUT_MAX_MS	600000	/* tw_timeout_ms, KTCP_TIMEWAIT_MS */
#define KTCP_BHASH_SIZE		4096	/* bound-port buckets, 32 KiB a netns */
#define KTCP_ATO_MIN		(HZ / 25)	/* TCP_ATO_MIN: 40 ms */
extern unsigned int ktcp_ehash_buckets;

/* Per network namespace: hash tables, counters, sysctls, the rx hook. */
struct ktcp_net {
	struct hlist_head *ehash;	/* ktcp_hnode by ktcp_tuple */
	spinlock_t *ehash_locks;	/* writers: bucket & (LOCKS - 1) */
	u32 ehash_mask;			/* buckets - 1 */
	u32 ehash_seed;
	spinlock_t bind_lock;		/* bhash and lhash chains */
	struct hlist_head *bhash;	/* ktcp_bind_bucket by port */
	struct hlist_head *lhash;	/* listeners by port */
	struct ktcp_mib __percpu *mib;
	int tw_timeout_ms;		/* sysctl, TIME_WAIT length */
	int fin_timeout;		/* sysctl, tcp_fin_timeout (jiffies) */
	u8 syncookies;			/* sysctl, tcp_syncookies */
	int max_syn_backlog;		/* sysctl, tcp_max_syn_backlog */
	u8 frto;			/* sysctl, F-RTO (tcp_frto) */
	u8 recovery;			/* sysctl, KTCP_RACK_* bits */
	u8 ecn;				/* sysctl, net.ipv4.tcp_ecn's meaning */
	u8 ecn_fallback;		/* sysctl, tcp_ecn_fallback's */
	int max_orphans;		/* sysctl, tcp_max_orphans */
	int orphan_retries;		/* sysctl, tcp_orphan_retries */
	int max_tw_buckets;		/* sysctl, tcp_max_tw_buckets */
	/* Linux's net.ipv4.tcp_* of the same names (tcp_sk_init()). */
	int keepalive_time;		/* jiffies */
	int keepalive_intvl;		/* jiffies */
	u8 keepalive_probes;
	u8 syn_retries;
	u8 syn_linear_timeouts;
	u8 synack_retries;
	u8 retries1;
	u8 retries2;
	u8 timestamps;			/* 2: without random offsets */
	u8 sack;
	u8 window_scaling;
	u8 dsack;
	u8 early_retrans;		/* TLP with 3 or 4 */
	u8 slow_start_after_idle;
	int min_snd_mss;
	unsigned int notsent_lowat;
	int rmem[3];			/* min, default, max (bytes) */
	int wmem[3];
	const struct ktcp_cc_ops *cong;	/* congestion_control */
	u8 rfc1337;			/* sysctl, tcp_rfc1337 (ktcp: on) */
	u8 reuse_tw;			/* sysctl tw_reuse (tcp_tw_reuse) */
	u8 tw_retime;			/* sysctl: tw_timeout_ms re-times */
	int fastopen;			/* sysctl, tcp_fastopen's TFO_* bits */
	siphash_key_t fo_key;		/* Fast Open cookies (fastopen.c) */
	struct ktcp_fo_cache *fo_cache;	/* a client's cookies (fastopen.c) */
	atomic_t orphans;		/* orphans not yet CLOSE or TIME_WAIT */
	atomic_t tw_count;		/* in TIME_WAIT: sockets and ktcp_tws */
	struct ktcp_tw_row *tw_row;	/* timewait.c: ktcp_tws' timers */
	possible_net_t net;		/* the namespace this is of */
	struct ctl_table_header *sysctl_hdr;
	bool hook_registered;
	struct sock *ctl6;		/* ip6.c's: RSTs over IPv6 */
};

static inline struct ktcp_net *ktcp_pernet(const struct net *net)
{
	return net_generic(net, ktcp_net_id);
}

static inline unsigned long ktcp_tw_timeout(const struct net *net)
{
	return msecs_to_jiffies(READ_ONCE(ktcp_pernet(net)->tw_timeout_ms));
}

/* tcp_fin_timeout; Linux accepts a negative value, which means none. */
static inline unsigned long ktcp_fin_timeout(const struct net *net)
{
	return max(READ_ONCE(ktcp_pernet(net)->fin_timeout), 0);
}

/* tcp_invalid_ratelimit: out-of-window ACKs (output.c, timewait.c) */
#define KTCP_OOW_RATELIMIT	(HZ / 2)

#define KTCP_INC_STATS(net, field) \
	this_cpu_inc(ktcp_pernet(net)->mib->mibs[field])
#define KTCP_ADD_STATS(net, field, val) \
	this_cpu_add(ktcp_pernet(net)->mib->mibs[field], val)

/*
 * Per-skb state, in skb->cb (RFC 9293's SEG.* variables). A sent segment
 * of the write queue is also a node of ktcp_sock.rtx_index (rtxq.c), in
 * the room that input's fields leave: the 48 bytes of skb->cb hold both.
 */
struct ktcp_skb_cb {
	u32 seq;
	u32 end_seq;	/* seq + data length + SYN + FIN */
	u32 when;	/* tcp_clock_us() of the last transmission: RTT, RACK */
	u32 tx_delivered;	/* ktcp_sock.delivered then (tx.delivered) */
	u32 tsval;	/* the TSval it carried then (timestamps agreed) */
	u8 flags;	/* TCPHDR_* */
	u8 sacked:3,	/* KTCP_SKB_*: recovery state of a sent segment */
	   retransmitted:1,	/* ever retransmitted: no RTT (Karn) */
	   eor:1;		/* MSG_EOR: sendmsg() appends no more to it */
	u16 uncharged;	/* of truesize, not charged to sk_wmem_queued (gso.c) */
	union {
		struct rb_node rbnode;	/* sent: in ktcp_sock.rtx_index */
		struct {		/* input, and a header being built */
			u32 ack_seq;
			u16 window;	/* unscaled window field */
			u16 dev_mss;	/* MSS the arrival device allows */
			u8 ip_dsfield;	/* the IP header's TOS byte, for ECN */
			int iif;	/* inet_iif() and inet_sdif() of the */
			int sdif;	/* arrival, which the IPCB held */
		};
	};
};

#define KTCP_SKB_LOST		BIT(0)	/* marked lost */
#define KTCP_SKB_RETRANS	BIT(1)	/* resent, unacked; lost unless undone */
#define KTCP_SKB_SACKED		BIT(2)	/* the peer holds it (RFC 2018) */

/* What rtx_timer is armed for (Linux's icsk_pending, ICSK_TIME_*). */
#define KTCP_TIME_RETRANS	1	/* RTO, or persist with nothing out */
#define KTCP_TIME_REO		2	/* RACK's reordering timer */
#define KTCP_TIME_PROBE		3	/* the tail loss probe (TLP) */

#define KTCP_SKB_CB(skb) ((struct ktcp_skb_cb *)&((skb)->cb[0]))
static_assert(sizeof(struct ktcp_skb_cb) <= sizeof_field(struct sk_buff, cb));

/*
 * What a queued skb is charged to sk_wmem_queued: its truesize, but for
 * the head of one cut off inside a GSO packet Linux would send, which
 * Linux does not have (ktcp_output_split()). truesize itself stays true:
 * clones of the skb travel, and receivers check it (skb_try_coalesce()).
 */
static inline u32 ktcp_skb_charge(const struct sk_buff *skb)
{
	return skb->truesize - KTCP_SKB_CB(skb)->uncharged;
}

/*
 * A 4-tuple as seen from the local end: the key of the established table.
 * Addresses are IPv6 ones; an IPv4 address is held v4-mapped
 * (::ffff:a.b.c.d), as a dual-stack socket names it, so that one table,
 * one hash and one compare serve both families, and an IPv4 segment finds
 * an AF_KTCP6 connection to a v4-mapped peer as it finds an AF_KTCP one.
 */
struct ktcp_tuple {
	struct in6_addr laddr;
	struct in6_addr raddr;
	__be16 lport;
	__be16 rport;
};

/* The tuple of an IPv4 segment or connection. */
static inline void ktcp_tuple_set_v4(struct ktcp_tuple *t, __be32 laddr,
				     __be16 lport, __be32 raddr, __be16 rport)
{
	ipv6_addr_set_v4mapped(laddr, &t->laddr);
	ipv6_addr_set_v4mapped(raddr, &t->raddr);
	t->lport = lport;
	t->rport = rport;
}

/* An IPv4 address held v4-mapped: its last word. */
static inline __be32 ktcp_addr_v4(const struct in6_addr *a)
{
	return a->s6_addr32[3];
}

/*
 * The 4-tuple of a received segment, local end first: @skb's network and
 * transport headers are set (the hook set them).
 */
static inline void ktcp_tuple_from_skb(struct ktcp_tuple *t,
				       const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (ip_hdr(skb)->version == 4) {
		ktcp_tuple_set_v4(t, ip_hdr(skb)->daddr, th->dest,
				  ip_hdr(skb)->saddr, th->source);
		return;
	}
	t->laddr = ipv6_hdr(skb)->daddr;
	t->raddr = ipv6_hdr(skb)->saddr;
	t->lport = th->dest;
	t->rport = th->source;
}

/* Is @t an IPv4 4-tuple (both ends v4-mapped)? */
static inline bool ktcp_tuple_is_v4(const struct ktcp_tuple *t)
{
	return ipv6_addr_v4mapped(&t->laddr);
}

enum ktcp_hnode_kind {
	KTCP_HNODE_SOCK,	/* a ktcp_sock, any state but LISTEN */
	KTCP_HNODE_REQ,		/* a ktcp_request in some listener's SYN queue */
	KTCP_HNODE_TW,		/* a ktcp_tw: an orphan's TIME_WAIT */
};

/*
 * What the established table holds: sockets, requests and TIME_WAIT
 * entries embed it. @aux is the holder's own, in what would be padding
 * (struct ktcp_tw keeps its flags there).
 */
struct ktcp_hnode {
	struct hlist_node node;		/* RCU chain of one ehash bucket */
	struct ktcp_tuple key;
	u8 kind;
	u8 aux[3];
};

struct ktcp_bind_bucket;
struct ktcp_port_claim;
struct ktcp_port_hold;
struct ktcp_pace;

/*
 * Out-of-order data and what SACK says about it (input.c): allocated when
 * the first segment arrives out of order and freed with the socket, so an
 * idle or in-order connection does not carry it.
 */
struct ktcp_reasm {
	struct ktcp_ofo ofo;
	struct ktcp_sack_rx sack;
};

/*
 * What the handshake agreed (negotiate.c). Embedded in the request and in
 * the socket, protected by whatever protects them.
 */
struct ktcp_neg {
	u32 ts_recent;		/* RFC 7323 TS.Recent */
	u32 ts_recent_stamp;	/* seconds, when TS.Recent was taken */
	u32 ts_off;		/* our TSval offset (RFC 7323 5.4) */
	u16 mss_clamp;		/* the peer's MSS option, or 536 */
	u8 snd_wscale:4,	/* shift for the peer's window field */
	   rcv_wscale:4;	/* shift for ours */
	u8 wscale_ok:1,
	   sack_ok:1,
	   tstamp_ok:1,
	   ecn_ok:1;		/* RFC 3168 ECN agreed (ecn.c) */
};

/*
 * The TCB. Fields below inet are protected by the socket lock unless noted.
 * Sequence variables follow RFC 9293 section 3.3.1.
 */
struct ktcp_sock {
	struct inet_sock inet;		/* must be first */
	struct ktcp_hnode hnode;	/* established table; hash.c's lock */
	struct hlist_node bind_node;	/* owners of a port; port.c's lock */
	struct ktcp_bind_bucket *bb;	/* port.c's lock, as .claim */
	struct ktcp_port_claim *claim;	/* the port in native TCP's table */
	struct hlist_node listen_node;	/* listener table; hash.c's lock */
	struct list_head accept_node;	/* a listener's accept_queue */

	u32 snd_una;
	u32 snd_nxt;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 max_window;		/* largest window the peer offered */
	u32 iss;
	u32 rcv_nxt;
	u32 rcv_wnd;		/* window advertised last */
	u32 rcv_wup;		/* rcv_nxt when rcv_wnd was advertised */
	u32 window_clamp;	/* largest window to offer; 0: none (yet) */
	u32 rcv_ssthresh;	/* window offered so far, grown per segment */
	u32 irs;
	u32 copied_seq;		/* next byte recvmsg() hands to the user */
	u32 write_seq;		/* next byte sendmsg() queues */
	u32 pushed_seq;		/* write_seq at the last PSH (tcp_mark_push) */
	u32 notsent_lowat;	/* TCP_NOTSENT_LOWAT, 0: none; poll reads it */
	u32 snd_up;		/* SND.UP: after the last urgent byte (urg.c) */
	u32 urg_seq;		/* the urgent byte received; poll reads it */
	u16 urg_data;		/* TCP_URG_*, the byte; poll reads it */

	u16 mss;		/* payload of a full segment (negotiate.c) */
	u16 adv_mss;		/* MSS we announced in our SYN */
	u16 path_mss;		/* from an ICMP-lowered path MTU, 0: none */
	u16 advmss;		/* tp->advmss: less TS on an active open */
	u16 user_mss;		/* TCP_MAXSEG, 0: unset; clamps adv_mss */
	struct ktcp_neg neg;
	u8 retries;		/* retransmissions of the head segment */
	u8 probes;		/* persist probes unanswered by an ACK */
	u8 fin_queued:1,	/* FIN is in the write queue */
	   nodelay:1,
	   recvmsg_inq:1,	/* TCP_INQ: recvmsg() adds TCP_CM_INQ */
	   orphan:1,		/* counted in ktcp_net.orphans (sock.c) */
	   inuse:1,		/* counted in sockstat's inuse (sock.c) */
	   fo_no_cookie:1,	/* TCP_FASTOPEN_NO_COOKIE */
	   syn_data_acked:1,	/* a Fast Open SYN's data was taken */
	   fo_child:1;		/* made by a Fast Open SYN (listen.c) */
	u8 ecn_flags;		/* TCP_ECN_* but TCP_ECN_OK (ecn.h) */
	/* Fast Open's client (fastopen.c, connect.c), as tcp_sock's bits. */
	u8 fo_connect:1,	/* TCP_FASTOPEN_CONNECT */
	   fo_defer:1,		/* connect() left the SYN to the first write */
	   syn_fastopen:1,	/* our SYN carried the Fast Open option */
	   syn_fastopen_exp:1,	/* in the experimental form */
	   syn_data:1,		/* and data */
	   fo_client_fail:2;	/* tcpi_fastopen_client_fail: TFO_* */
	struct ktcp_fo_req *fo_req;	/* a Fast Open SYN being sent */

	struct ktcp_rtt rtt;	/* RTT estimator and RTO (rtt.c) */
	int linger2;		/* TCP_LINGER2: jiffies; 0: sysctl; < 0: none */
	int tw_ms;		/* KTCP_TIMEWAIT_MS: ms; < 0: the sysctl */
	unsigned long tw_start;	/* jiffies: TIME_WAIT (re)started */
	struct ktcp_cc cc;	/* cwnd, ssthresh, algorithm (cong.c) */
	u32 packets_out;	/* segments sent, not cumulatively acked */
	u32 lost_out;		/* of which marked lost (recovery.c) */
	u32 retrans_out;	/* of which resent (lost, unless undone) */
	u32 sacked_out;		/* of which SACKed */
	u32 recover;		/* SND.NXT when recovery began (RFC 6582) */
	u32 snd_sml;		/* end of the last short segment sent */
	u32 lsndtime;		/* jiffies of the last new data sent */
	u8 dupacks;
	u8 rtx_pending;		/* KTCP_TIME_*: what rtx_timer is armed for */
	u16 timeout_rehash;	/* txhash redrawn on an RTO (tcp_write_timeout) */
	u32 prior_delivered;	/* this ACK's rate sample (rack.c); 0: none */
	u8 tlp_retrans:1;	/* the loss probe was a retransmission */
	u32 reordering;		/* DupThresh, the reordering measured */
	u32 reord_seen;		/* reordering events (tcp_sock's) */
	u32 fack;		/* end of the highest SACKed segment */
	u32 tlp_high_seq;	/* SND.NXT at the loss probe; 0: none out */
	struct ktcp_rack rack;	/* RACK (rack.c) */
	bool cwnd_limited;	/* the last push stopped at cwnd */
	u32 gso_left;		/* bytes left of Linux's GSO packet (gso.c) */
	u8 gso_segs;		/* segments of it sent so far, up to 2 */
	u8 gso_psh:1;		/* the next new segment ends a GSO packet */
	struct ktcp_pace *pace;	/* internal pacing (pace.c); NULL: never */
	/* Undo of spurious reductions (undo.c), Linux's tcp_sock names. */
	u32 undo_marker;	/* SND.UNA when it began; 0: nothing to undo */
	int undo_retrans;	/* its retransmissions not D-SACKed; -1: none */
	u32 prior_ssthresh;	/* ssthresh to restore; 0: none (ECE) */
	u32 retrans_stamp;	/* our TSval at the first retransmission */
	u32 lost;		/* segments ever marked lost (tp->lost) */
	u8 frto:1,		/* F-RTO (RFC 5682) runs in this Loss */
	   frto_new:1;		/* send new data before retransmitting */
	/* What the ACK being processed did (recovery.c), reset after it. */
	u16 ack_flag;		/* KTCP_ACK_* */
	u32 ack_tsecr;		/* its TSecr; 0: none */
	u32 ack_delivered;	/* delivered and lost when the last ACK was */
	u32 ack_lost;		/* done: the deltas are this ACK's */
	unsigned long deferred;	/* enum ktcp_deferred: work for release_cb */
	u32 mtu_info;		/* ICMP's next-hop MTU, for release_cb */

	struct sk_buff *send_head;	/* first unsent skb in sk_write_queue */
	/* Indexes of the sent part of the write queue (rtxq.c). */
	struct rb_root rtx_index;	/* sent skbs by sequence */
	struct list_head tsorted;	/* sent skbs by last transmission */
	struct sk_buff *rtx_hint;	/* none lost, unresent before it */
	struct sk_buff *lost_hint;	/* where IsLost's walk resumes */
	u32 lost_cnt_hint;		/* SACKed skbs before lost_hint */
	u8 sack_cache_n;		/* the last SACK's usable blocks */
	struct ktcp_sack_block sack_cache[KTCP_MAX_SACK_BLOCKS];
	u64 rtxq_visits;		/* skbs the walks looked at */
	struct ktcp_reasm *reasm;	/* NULL until data arrives out of order */
	struct ktcp_timer rtx_timer;	/* SYN, data, FIN retransmit; probe */
	struct ktcp_timer state_timer;	/* keepalive; orphan FIN_WAIT_2; TW */
	struct ktcp_timer delack_timer;	/* delayed ACK */

	/* ACK policy (input.c, window.c): delayed ACK as Linux times it. */
	u16 rcv_mss;		/* the peer's full segment, as measured */
	u16 last_seg_size;	/* tcp_measure_rcv_mss()'s last short one */
	u8 scaling_ratio;	/* payload per receive buffer byte, << 8 */
	u8 quickack;		/* ACKs left to send at once */
	u8 pingpong;		/* quick replies seen: interactive mode */
	u8 ack_pending:1,	/* an ACK is owed (ICSK_ACK_SCHED) */
	   ack_timer:1,		/* delack_timer runs (ICSK_ACK_TIMER) */
	   ack_pushed:1,	/* ICSK_ACK_PUSHED */
	   ack_pushed2:1,	/* ICSK_ACK_PUSHED2 */
	   cork:1;		/* TCP_CORK: hold partial segments */
	u32 ato;		/* delayed-ACK timeout, jiffies; 0: no data */
	u32 lrcv_flowlabel:20;	/* IPv6 flow label of the last data received */
	unsigned long delack_due;	/* jiffies the delayed ACK is due */
	u32 last_oow_ack;	/* jiffies: rate limit of RFC 5961 ACKs */

	/* Keepalive and user timeout (timers.c), settable per socket. */
	u32 rcv_tstamp;		/* jiffies of the last segment received */
	u32 rto_stamp;		/* jiffies the current retransmissions began */
	u32 probes_tstamp;	/* jiffies of the first window probe; 0: none */
	u32 keepidle;		/* jiffies; 0: net.ktcp.keepalive_time */
	u32 keepintvl;		/* jiffies; 0: net.ktcp.keepalive_intvl */
	u32 user_timeout;	/* ms, 0: off (RFC 5482) */
	u8 keepcnt;		/* 0: net.ktcp.keepalive_probes */
	u8 syn_retries;		/* TCP_SYNCNT, 0: net.ktcp.syn_retries */
	u8 defer_accept;	/* listener: TCP_DEFER_ACCEPT, SYN-ACK timeouts */

	/* Receive buffer autotuning (buffers.c). */
	u32 rcvq_space;		/* bytes read in the last measured RTT */
	u32 rcvq_seq;		/* copied_seq when this measurement began */
	u32 rcvq_time;		/* (u32)tcp_clock_us() then */
	u32 rcv_rtt_us;		/* receiver RTT, << 3; 0: no sample yet */
	u32 rcv_rtt_last_tsecr;	/* TSecr of the last sample */
	u32 rcv_rtt_seq;	/* RCV.NXT that ends the window's measure */
	u32 rcv_rtt_time;	/* (u32)tcp_clock_us() it began; 0: never */

	/* TCP_INFO's counters (tcp_get_info()), as tcp_sock's same names. */
	u64 bytes_sent;		/* payload sent, retransmissions included */
	u64 bytes_retrans;	/* payload retransmitted */
	u64 bytes_acked;	/* SND.UNA's advance (RFC 4898) */
	u64 bytes_received;	/* RCV.NXT's advance by data (RFC 4898) */
	u32 segs_out;		/* segments sent, control ones included */
	u32 data_segs_out;	/* of which with payload */
	u32 segs_in;		/* segments processed in a non-LISTEN state */
	u32 data_segs_in;	/* of which with payload */
	u32 total_retrans;	/* segments retransmitted */
	u32 lrcvtime;		/* jiffies of the last data received */
	u32 delivered;		/* segments (S)ACKed, SYN or SYN-ACK included */
	u32 delivered_ce;	/* of which on ACKs with ECE (ecn.c) */
	u32 dsack_dups;		/* segments D-SACKs said arrived twice */
	u32 rcv_ooopack;	/* segments queued out of order */
	u32 total_rto;		/* retransmission timeouts */
	u32 total_rto_recoveries;	/* timeouts that began a recovery */
	u32 total_rto_time;	/* ms spent in ended RTO recoveries */
	u32 rto_recovery_ms;	/* tcp_clock_ms() one began; 0: none on */

	/*
	 * A Fast Open child until its SYN-ACK is acknowledged (in SYN_RECV,
	 * or FIN_WAIT1): its listener, held, whose fo_qlen counts it
	 * (fastopen.c); then NULL. Written under the child's lock, read by
	 * poll() without it.
	 */
	struct sock *fo_listener;

	/* Listener only. */
	struct list_head syn_queue;	/* ktcp_request, not yet acked */
	struct list_head accept_queue;	/* established children */
	u32 syn_qlen;
	u32 syn_young;		/* requests not yet timed out once */
	u32 synq_overflow;	/* jiffies a SYN last got a cookie */
	bool synflood_warned;	/* "Possible SYN flooding" said */
	u32 fo_max_qlen;	/* TCP_FASTOPEN: children in SYN_RECV, at most */
	atomic_t fo_qlen;	/* Fast Open children still in SYN_RECV */
};

/*
 * Work left to release_cb (ktcp_timers_release_cb()) because a process
 * owned the socket: bits in ktcp_sock.deferred, as tcp_tsq_flags'
 * TCP_*_DEFERRED. Each set bit holds a socket reference.
 */
enum ktcp_deferred {
	KTCP_RTX_DEFERRED,
	KTCP_STATE_DEFERRED,
	KTCP_DELACK_DEFERRED,
	KTCP_MTU_DEFERRED,	/* icmp.c: Fragmentation Needed */
	KTCP_PACE_DEFERRED,	/* pace.c: the pacing timer fired */
};

static inline struct ktcp_sock *ktcp_sk(const struct sock *sk)
{
	return (struct ktcp_sock *)sk;
}

/*
 * An AF_KTCP6 socket: a ktcp_sock and the IPv6 state of an inet6 socket,
 * as Linux's tcp6_sock is a tcp_sock and an ipv6_pinfo; inet.pinet6
 * points at it (inet6.c).
 */
struct ktcp6_sock {
	struct ktcp_sock ktcp;
	struct ipv6_pinfo inet6;
};

/* TCP_TIMEWAIT_LEN: Linux's FIN_WAIT_2 handling splits at it. */
#define KTCP_LINUX_TW_LEN	(60 * HZ)

/*
 * Keepalive and SYN timing: the socket option if set, else the namespace's
 * sysctl, read when used, as Linux's keepalive_time_when(),
 * keepalive_intvl_when(), keepalive_probes() and tcp_write_timeout() do.
 */
static inline u32 ktcp_keepalive_time(const struct sock *sk)
{
	return READ_ONCE(ktcp_sk(sk)->keepidle) ?:
	       READ_ONCE(ktcp_pernet(sock_net(sk))->keepalive_time);
}

static inline u32 ktcp_keepalive_intvl(const struct sock *sk)
{
	return READ_ONCE(ktcp_sk(sk)->keepintvl) ?:
	       READ_ONCE(ktcp_pernet(sock_net(sk))->keepalive_intvl);
}

static inline int ktcp_keepalive_probes(const struct sock *sk)
{
	return READ_ONCE(ktcp_sk(sk)->keepcnt) ?:
	       READ_ONCE(ktcp_pernet(sock_net(sk))->keepalive_probes);
}

static inline int ktcp_syn_retries(const struct sock *sk)
{
	return READ_ONCE(ktcp_sk(sk)->syn_retries) ?:
	       READ_ONCE(ktcp_pernet(sock_net(sk))->syn_retries);
}

/*
 * How long an orphan waits in FIN_WAIT_2: 0 when TCP_LINGER2 is negative,
 * which ends the connection at once; else tcp_fin_time(), TCP_LINGER2 or
 * the sysctl, at least 3.5 RTOs, as Linux waits it: up to TCP_TIMEWAIT_LEN
 * in a FIN_WAIT_2 timewait sock; beyond, the keepalive timer first for
 * tmo - TCP_TIMEWAIT_LEN, then (tcp_keepalive_timer()) the timewait sock
 * for tmo - TCP_TIMEWAIT_LEN again: 2 * (tmo - 60 s) in all.
 */
static inline unsigned long ktcp_fin_time(const struct sock *sk)
{
	unsigned long rto = usecs_to_jiffies(ktcp_rtt_rto(&ktcp_sk(sk)->rtt));
	int linger2 = ktcp_sk(sk)->linger2;
	unsigned long tmo;

	if (linger2 < 0)
		return 0;
	tmo = max(linger2 ?: ktcp_fin_timeout(sock_net(sk)),
		  (rto << 2) - (rto >> 1));
	return tmo > KTCP_LINUX_TW_LEN ? 2 * (tmo - KTCP_LINUX_TW_LEN) : tmo;
}

/*
 * How long this connection waits in TIME_WAIT: KTCP_TIMEWAIT_MS if set,
 * else net.ktcp.tw_timeout_ms (Linux's fixed TCP_TIMEWAIT_LEN).
 */
static inline unsigned long ktcp_tw_time(const struct sock *sk)
{
	int ms = READ_ONCE(ktcp_sk(sk)->tw_ms);

	return ms < 0 ? ktcp_tw_timeout(sock_net(sk)) : msecs_to_jiffies(ms);
}

/*
 * tcp_twsk_unique(): may connect()'s @sk take the 4-tuple of @tw, in
 * TIME_WAIT? Only if the old connection used timestamps, so that PAWS
 * (RFC 7323) keeps its segments out of the new one. On a port the caller
 * bound that is all Linux asks (__inet_hash_connect() passes no twp); on
 * a port connect() chooses, net.ktcp.tw_reuse decides as tcp_tw_reuse: 0
 * never, 1 yes, 2 over loopback only (an address in 127/8 at either end,
 * or bound to lo), and once the peer's last timestamp is from an earlier
 * second. Read without @tw's lock by the port search; the caller that
 * ends @tw checks again under it.
 */
/* tcp_twsk_unique()'s loopback test, IPv6 and v4-mapped included. */
static inline bool ktcp_tw_loopback(const struct sock *tw)
{
	if (ktcp_sk_v6(tw))
		return ipv6_addr_loopback(&tw->sk_v6_daddr) ||
		       ipv6_addr_v4mapped_loopback(&tw->sk_v6_daddr) ||
		       ipv6_addr_loopback(&tw->sk_v6_rcv_saddr) ||
		       ipv6_addr_v4mapped_loopback(&tw->sk_v6_rcv_saddr);
	return ipv4_is_loopback(tw->sk_daddr) ||
	       ipv4_is_loopback(tw->sk_rcv_saddr);
}

static inline bool ktcp_tw_reusable(const struct sock *sk,
				    const struct sock *tw, bool bound)
{
	u32 stamp = READ_ONCE(ktcp_sk(tw)->neg.ts_recent_stamp);
	int reuse = READ_ONCE(ktcp_pernet(sock_net(sk))->reuse_tw);

	if (READ_ONCE(tw->sk_state) != TCP_TIME_WAIT || !stamp)
		return false;
	if (bound)
		return true;
	if (reuse == 2 && READ_ONCE(tw->sk_bound_dev_if) != LOOPBACK_IFINDEX &&
	    !ktcp_tw_loopback(tw))
		reuse = 0;
	return reuse && time_after32((u32)ktime_get_seconds(), stamp);
}

/* Urgent mode (tcp_urg_mode()): urgent data sent and not yet acked. */
static inline bool ktcp_urg_mode(const struct ktcp_sock *ks)
{
	return ks->snd_una != ks->snd_up;
}

/* An RTO recovery ended: its time counts (tcp_update_rto_time()). */
static inline void ktcp_rto_time_end(struct ktcp_sock *ks)
{
	if (!ks->rto_recovery_ms)
		return;
	ks->total_rto_time += tcp_clock_ms() - ks->rto_recovery_ms;
	ks->rto_recovery_ms = 0;
}

/*
 * A connection in the SYN queue: SYN received, SYN-ACK sent, final ACK not yet
 * seen. About 150 bytes, against a full socket's ~1.5 KB, so that a SYN flood
 * costs little. Lives in the established table (so the final ACK finds it in
 * O(1)) and on its listener's syn_queue. Freed after an RCU grace period.
 */
/*
 * A Fast Open SYN to send (Linux's tcp_fastopen_request): the cookie (or
 * request) its option carries, if any, and the write whose first bytes it
 * may take. On the stack of connect() or sendmsg(), under the socket
 * lock, and pointed at by ktcp_sock.fo_req only while it is.
 */
struct ktcp_fo_req {
	struct ktcp_opts cookie;	/* KTCP_OPTF_FASTOPEN: the option */
	struct msghdr *data;		/* NULL: none */
	size_t size;
	int copied;			/* bytes the SYN took */
};

struct ktcp_request {
	struct ktcp_hnode hnode;
	struct list_head list;		/* listener's syn_queue */
	struct sock *listener;		/* holds a reference */
	refcount_t refcnt;
	struct rcu_head rcu;
	struct ktcp_timer timer;	/* SYN-ACK retransmission */
	u32 iss;
	u32 irs;
	u32 snd_wnd;
	u32 rcv_wnd;			/* of the SYN-ACK, and the first */
	u32 window_clamp;		/* tcp_openreq_init_rwin() */
	u16 adv_mss;			/* ours, from the arrival device */
	struct ktcp_neg neg;
	u32 mark;			/* ir_mark: inet_request_mark() */
	int bound_dev_if;		/* ir_iif: inet_request_bound_dev_if() */
	u32 synack_us;			/* tcp_clock_us() of the first SYN-ACK */
	u32 txhash;			/* the child's sk_txhash: flow label */
	__be32 flowlabel;		/* the SYN's, if the listener reflects it */
	u32 last_oow;			/* jiffies a duplicate SYN was answered */
	u8 syn_tos;			/* the SYN's TOS, tcp_reflect_tos */
	u8 retries;			/* SYN-ACK timeouts */
	bool linked;			/* in the table and syn_queue */
	bool acked;			/* a bare ACK came, TCP_DEFER_ACCEPT */
	bool resent;			/* a SYN-ACK went out again */
	bool cookie;			/* a SYN cookie: never queued */
};

/*
 * An orphan's TIME_WAIT once its socket is gone (timewait.c), as Linux's
 * tcp_timewait_sock: 128 bytes where Linux's is 248 (256 with its
 * alignment) and the full socket it replaces 2 KB. In the established
 * table under the connection's 4-tuple, on its namespace's TIME_WAIT
 * wheel, and holding its port's bucket and claim (a port.c hold); it
 * holds no reference to its namespace, which frees what is left at its
 * exit. Freed after an RCU grace period, once out of the table and the
 * wheel. What the socket had and Linux's timewait sock keeps but this
 * does not (a device binding, a mark, a priority, IP_TRANSPARENT, an IPv6
 * flow label of its own) keeps the full socket in TIME_WAIT instead
 * (ktcp_tw_compact()). Fields other than @entry are written only before
 * the entry is hashed, but for last_oow, which segments of the connection
 * update from any CPU, as Linux's do (racy by design: a lost update costs
 * an ACK), and the length and its flag, under the row's lock.
 */
struct ktcp_tw {
	struct ktcp_hnode hnode;	/* aux: KTCP_TW_* flags, wscale, TOS */
	union {
		struct ktcp_wheel_entry entry;	/* under ktcp_tw_row.lock */
		struct rcu_head rcu;		/* out of the table and wheel */
	};
	struct ktcp_port_hold *hold;	/* its bucket and claim (port.c) */
	u32 rcv_nxt;
	u32 snd_nxt;
	u32 ts_recent;
	u32 ts_recent_stamp;		/* seconds; 0: no timestamps seen */
	u32 ts_off;
	u32 last_oow;			/* WRITE_ONCE: jiffies, ACK rate limit */
	u32 txhash;			/* IPv6: the automatic flow label */
	u16 rcv_wnd;			/* the window field its ACKs carry */
	u16 len_cs;			/* length given: ms, or cs (LEN_CS) */
};

/* ktcp_tw.hnode.aux[0] */
#define KTCP_TW_V6		BIT(0)	/* an AF_KTCP6 socket's */
#define KTCP_TW_TSTAMP		BIT(1)	/* timestamps agreed */
#define KTCP_TW_OWN_LEN		BIT(2)	/* KTCP_TIMEWAIT_MS: no retime */
#define KTCP_TW_LEN_CS		BIT(3)	/* len_cs counts 10 ms, not 1 */
#define ktcp_tw_flags(tw)	((tw)->hnode.aux[0])
#define ktcp_tw_wscale(tw)	((tw)->hnode.aux[1])
#define ktcp_tw_tos(tw)		((tw)->hnode.aux[2])	/* TOS or tclass */

static inline struct ktcp_tw *ktcp_tw_of(const struct ktcp_hnode *h)
{
	return container_of(h, struct ktcp_tw, hnode);
}

/* An AF_KTCP6 socket's? Lockless: the flags byte also holds the length's. */
static inline bool ktcp_tw_v6(const struct ktcp_tw *tw)
{
	return READ_ONCE(ktcp_tw_flags(tw)) & KTCP_TW_V6;
}

/* ktcp_tw_reusable() for a ktcp_tw, which is never bound to a device. */
static inline bool ktcp_tw_may_reuse(const struct sock *sk,
				     const struct ktcp_tw *tw, bool bound)
{
	u32 stamp = READ_ONCE(tw->ts_recent_stamp);
	int reuse = READ_ONCE(ktcp_pernet(sock_net(sk))->reuse_tw);
	const struct ktcp_tuple *t = &tw->hnode.key;

	if (!stamp)
		return false;
	if (bound)
		return true;
	if (reuse == 2 && !ipv6_addr_loopback(&t->raddr) &&
	    !ipv6_addr_v4mapped_loopback(&t->raddr) &&
	    !ipv6_addr_loopback(&t->laddr) &&
	    !ipv6_addr_v4mapped_loopback(&t->laddr))
		reuse = 0;
	return reuse && time_after32((u32)ktime_get_seconds(), stamp);
}

/* hook.c: the netfilter LOCAL_IN hook that takes ktcp's segments. */
int ktcp_hook_net_init(struct net *net);
void ktcp_hook_net_exit(struct net *net);

/* rcv.c: now or to the backlog, then by state to input.c or listen.c. */
#define KTCP_RCV_TW_SYN	1	/* TIME_WAIT ended for a new SYN: relook up */
void ktcp_rcv_segment(struct net *net, struct sock *sk, struct sk_buff *skb);
void ktcp_rcv_tw(struct net *net, struct sk_buff *skb);
void ktcp_rcv_child(struct sock *child, struct sk_buff *skb);
int ktcp_rcv_backlog(struct sock *sk, struct sk_buff *skb);

/* rcvq.c: the receive queue, out-of-order data, the FIN, ACK timing. */
void ktcp_rcvq_dsack(struct ktcp_sock *ks, const struct ktcp_sack_block *d);
bool ktcp_rcvq_orphan_data(struct sock *sk, struct sk_buff *skb);
bool ktcp_rcvq_data(struct sock *sk, struct sk_buff *skb, bool *ack_now);
void ktcp_rcvq_syn_data(struct sock *sk, struct sk_buff *skb);

/* collapse.c: receive memory won back by copying, not dropping */
bool ktcp_collapse_coalesce(struct sock *sk, struct sk_buff *to,
			    struct sk_buff *from, bool *stolen);
void ktcp_collapse_rcvq(struct sock *sk);
void ktcp_collapse_ofo(struct sock *sk, struct ktcp_ofo *q);
bool ktcp_rcvq_fin(struct sock *sk);
void ktcp_rcvq_ack_snd_check(struct sock *sk);

/* Does the peer now acknowledge our FIN? */
static inline bool ktcp_fin_acked(const struct ktcp_sock *ks)
{
	return ks->fin_queued && ks->snd_una == ks->write_seq;
}

/* input.c: segment processing for a socket in any state but LISTEN. */
void ktcp_input_syn_sent(struct sock *sk, struct sk_buff *skb);
int ktcp_input_timewait(struct sock *sk, struct sk_buff *skb);
int ktcp_input_synchronized(struct sock *sk, struct sk_buff *skb);

/* listen.c: SYN queue, request handling, accept queue. */
int ktcp_listen_start(struct sock *sk, int backlog);
void ktcp_listen_stop(struct sock *sk);
int ktcp_listen_rcv(struct sock *sk, struct sk_buff *skb);
bool ktcp_listen_cookie_valid(struct sock *listener, const struct sk_buff *skb);
struct sock *ktcp_listen_accept_dequeue(struct sock *sk);
void ktcp_listen_req_put(struct ktcp_request *req);
void ktcp_listen_req_err(struct ktcp_request *req, u32 seq, bool fatal);

/* icmp.c: ICMP errors about ktcp's connections (tcp_v4_err()). */
struct ktcp_request *ktcp_icmp_rcv(struct net *net, struct sk_buff *skb,
				   u32 *seq, bool *fatal);

/* icmp6.c: ICMPv6 errors about ktcp's IPv6 connections (tcp_v6_err()). */
struct ktcp_request *ktcp_icmp6_rcv(struct net *net, struct sk_buff *skb,
				    int off, u32 *seq, bool *fatal);

/* Room for the headers a queued skb's clone gets (MAX_TCP_HEADER). */
#define KTCP_HDR_ROOM		(MAX_TCP_HEADER)

/* output.c: the write queue, and what of it to send when. */
struct sk_buff *ktcp_output_queue_new(struct sock *sk, u8 flags, gfp_t gfp);
struct sk_buff *ktcp_output_queue_alloc(struct sock *sk, u8 flags, gfp_t gfp,
					unsigned int size);
int ktcp_output_syn(struct sock *sk);
int ktcp_output_queue_syn(struct sock *sk, gfp_t gfp);
int ktcp_output_syn_data(struct sock *sk, int space);
void ktcp_output_push(struct sock *sk);
void __ktcp_output_push(struct sock *sk, bool force);
void ktcp_output_push_one(struct sock *sk);
void ktcp_output_fin(struct sock *sk);
int ktcp_output_split(struct sock *sk, struct sk_buff *skb, u32 len,
		      bool charge);
bool ktcp_output_probe(struct sock *sk);
u32 ktcp_output_bound_half_wnd(const struct ktcp_sock *ks, u32 size);
void ktcp_output_sync_mss(struct ktcp_sock *ks);
int ktcp_output_retransmit(struct sock *sk);
void ktcp_output_loss_probe(struct sock *sk);

/* xmit.c: sending one segment (__tcp_transmit_skb()); control segments. */
void ktcp_xmit_csum(struct sk_buff *skb, __be32 saddr, __be32 daddr);
struct tcphdr *ktcp_xmit_header(struct sk_buff *skb, __be16 sport,
				__be16 dport, const struct ktcp_skb_cb *cb,
				const struct ktcp_opts *opts);
struct sk_buff *ktcp_xmit_alloc(gfp_t gfp);
int ktcp_xmit_skb(struct sock *sk, struct sk_buff *skb, bool clone);
int ktcp_xmit_gso(struct sock *sk, struct sk_buff *skb,
		  struct sk_buff **segs, int n);
void ktcp_xmit_count_retrans(struct sock *sk, const struct sk_buff *skb);
void ktcp_xmit_tried_retrans(struct sock *sk, struct sk_buff *skb, int err);
int ktcp_xmit_ctl(struct sock *sk, u8 flags, u32 seq, gfp_t gfp);
void ktcp_xmit_ack(struct sock *sk);
void ktcp_xmit_oow_ack(struct sock *sk, const struct sk_buff *in,
		       enum ktcp_mib_field why);
void ktcp_xmit_rst(struct sock *sk, gfp_t gfp, enum sk_rst_reason reason);

/* rtxq.c: the sent part of the write queue, indexed. */
void ktcp_rtxq_init(struct ktcp_sock *ks);
void ktcp_rtxq_sent(struct ktcp_sock *ks, struct sk_buff *skb, bool new_data);
void ktcp_rtxq_split(struct ktcp_sock *ks, struct sk_buff *skb,
		     struct sk_buff *nskb);
void ktcp_rtxq_unlink(struct sock *sk, struct sk_buff *skb);
void ktcp_rtxq_purge(struct sock *sk);
struct sk_buff *ktcp_rtxq_find(struct ktcp_sock *ks, u32 seq);
struct sk_buff *ktcp_rtxq_next(struct sock *sk, struct sk_buff *skb);
void ktcp_rtxq_sacked(struct ktcp_sock *ks, struct sk_buff *skb);
void ktcp_rtxq_hints_reset(struct ktcp_sock *ks);

/* gso.c: the GSO packets Linux's TCP would send. */
u64 ktcp_gso_pacing_rate(u32 mss, u32 cwnd, u32 ssthresh, u32 packets_out,
			 u32 srtt_us8, u64 max_rate);
void ktcp_gso_pacing_update(struct sock *sk);
u32 ktcp_gso_autosize(u32 mss, u64 rate, u32 min_rtt_us, u32 gso_max);
void ktcp_gso_route_limits(struct sock *sk, u32 *size, u32 *segs);
u32 ktcp_gso_max_segs(struct sock *sk);
void ktcp_gso_start(struct sock *sk, struct sk_buff *skb, u32 max_segs,
		    bool force);
bool ktcp_gso_sent(struct ktcp_sock *ks, struct sk_buff *skb, bool skb_end);
struct sk_buff *ktcp_gso_build(struct sk_buff **segs, int n, u32 mss,
			       unsigned int gso_type);

/* pace.c: internal pacing (SO_MAX_PACING_RATE without sch_fq), small queues. */
void ktcp_pace_setup(void (*kick)(struct sock *sk));
bool ktcp_pace_wait(struct sock *sk);
void ktcp_pace_sent(struct sock *sk, u32 len);
bool ktcp_pace_tsq_full(struct sock *sk, u32 truesize, unsigned int factor);
void ktcp_pace_wfree(struct sk_buff *skb);
void ktcp_pace_stop(struct sock *sk);
void ktcp_pace_free(struct sock *sk);

/* pmtu.c: path MTU discovery, the sender's side. */
void ktcp_pmtu_reduced(struct sock *sk);
void ktcp_pmtu_resegment(struct sock *sk);

/* synrecv.c: the segments a request in SYN-RECV does not take. */
bool ktcp_synrecv_may_answer(struct sock *listener, struct ktcp_request *req,
			     const struct sk_buff *skb);
bool ktcp_synrecv_acceptable(struct sock *listener, struct ktcp_request *req,
			     struct sk_buff *skb, bool paws);
void ktcp_synrecv_challenge(struct sock *listener, struct ktcp_request *req,
			    struct sk_buff *skb);

/* reply.c: segments with no full socket behind them. */
void ktcp_reply_rst(struct net *net, const struct sock *sk,
		    struct sk_buff *in, enum sk_rst_reason reason);
int ktcp_reply_synack(const struct sock *listener,
		      const struct ktcp_request *req,
		      const struct ktcp_opts *foc);
void ktcp_reply_req_ack(const struct sock *listener,
			const struct ktcp_request *req, struct sk_buff *in);
void ktcp_reply_tw_ack(struct net *net, const struct ktcp_tw *tw,
		       const struct ktcp_neg *n, const struct sk_buff *in);

/* tcp_win_from_space(): the payload @space bytes of buffer hold at @ratio. */
static inline int ktcp_window_from_space(u8 ratio, int space)
{
	return ((s64)space * ratio) >> KTCP_RMEM_TO_WIN_SCALE;
}

/* __tcp_space_from_win(), its inverse. */
static inline int ktcp_window_space_from_win(u8 ratio, int win)
{
	u64 val = (u64)win << KTCP_RMEM_TO_WIN_SCALE;

	do_div(val, ratio);
	return val;
}

/* window.c: the receive window to advertise, the ACK policy's numbers. */
struct ktcp_window_init {	/* tcp_select_initial_window()'s results */
	u32 rcv_wnd;
	u32 clamp;		/* in: TCP_WINDOW_CLAMP or 0; out: the clamp */
	u8 wscale;
};

struct ktcp_window_in {		/* __tcp_select_window()'s inputs */
	int free;		/* tcp_space() */
	int allowed;		/* tcp_full_space() */
	u32 clamp;
	u32 rcv_ssthresh;
	u32 rcv_wnd;
	u16 rcv_mss;
	u8 wscale;
	bool shrink;		/* net.ipv4.tcp_shrink_window */
};

void ktcp_window_initial_calc(u32 space, u32 mss, bool wscale_ok, u32 rmem2,
			      u32 rmem_max, struct ktcp_window_init *w);
u32 ktcp_window_select_calc(const struct ktcp_window_in *in, bool *pressure);
u32 ktcp_window_commit_calc(u32 new, u32 cur, u8 wscale, bool shrink);
u32 ktcp_window_clamp_calc(u32 clamp, u32 maxwin, u32 advmss, int app_win);
u16 ktcp_window_rcv_mss_init(u32 advmss, u32 mss, u32 rcv_wnd);
u8 ktcp_window_quickacks(u32 rcv_wnd, u16 rcv_mss, u8 quick, u8 max_quick);
u32 ktcp_window_ato_calc(u32 ato, u32 m, u32 rto, bool *quick);
u32 ktcp_window_delack_calc(u32 ato, bool short_max, u32 srtt_j, u32 max);
u32 ktcp_window_grow_calc(u8 ratio, u32 ssthresh, u32 len, u32 truesize,
			  u32 rmem2, u16 rcv_mss, u16 advmss);
u8 ktcp_window_ratio_calc(u32 len, u32 truesize);
u32 ktcp_window_rcv_left(const struct ktcp_sock *ks);
u32 ktcp_window_rcv_now(struct sock *sk);
void ktcp_window_mem_pressure(struct sock *sk);
void ktcp_window_clamp_full(struct sock *sk);
u16 ktcp_window_rcv_select(struct sock *sk);
void ktcp_window_initial(const struct sock *sk, u32 mss, bool wscale_ok,
			 struct ktcp_window_init *w);
void ktcp_window_established(struct sock *sk);
void ktcp_window_synack(struct ktcp_sock *ks);
void ktcp_window_measure_rcv_mss(struct sock *sk, const struct sk_buff *skb);
void ktcp_window_incr_quickack(struct sock *sk, u8 max_quick);
void ktcp_window_enter_quickack(struct sock *sk, u8 max_quick);
void ktcp_window_data_recv(struct sock *sk, const struct sk_buff *skb);
void ktcp_window_save_flowlabel(struct sock *sk, const struct sk_buff *skb);
void ktcp_window_spurious_retrans(struct sock *sk, const struct sk_buff *skb);
bool ktcp_window_pingpong(const struct sock *sk);
void ktcp_window_enter_pingpong(struct sock *sk);
bool ktcp_window_in_quickack(const struct sock *sk);
void ktcp_window_ack_sent(struct sock *sk);
void ktcp_window_data_sent(struct sock *sk);
bool ktcp_window_read_ack(struct sock *sk, int copied);
u16 ktcp_window_mss_from_mtu(u32 mtu, bool v6);
u16 ktcp_window_mss_route(const struct sock *sk);

/* buffers.c: send and receive buffer autotuning, as Linux's. */
u64 ktcp_buf_rcv_target(u32 copied, u32 prev, u32 advmss);
u32 ktcp_buf_snd_target(u32 mss, u32 nr_segs);
void ktcp_buf_init(struct sock *sk);
void ktcp_buf_snd_check_space(struct sock *sk);
void ktcp_buf_rcv_rtt(struct sock *sk, const struct ktcp_opts *o, u32 len);
void ktcp_buf_rcv_space_adjust(struct sock *sk);
void ktcp_buf_rcv_rtt_measure(struct ktcp_sock *ks);

/* urg.c: urgent data, MSG_OOB, SO_OOBINLINE, SIOCATMARK. */
void ktcp_urg_snd_una(struct ktcp_sock *ks, u32 prior_una);
void ktcp_urg_xmit(const struct ktcp_sock *ks, struct tcphdr *th, u32 seq);
bool ktcp_urg_probe(const struct ktcp_sock *ks);
void ktcp_urg_rcv(struct sock *sk, const struct sk_buff *skb);
int ktcp_urg_recv(struct sock *sk, struct msghdr *msg, size_t len, int flags);
int ktcp_urg_inq(const struct sock *sk, int inq);
bool ktcp_urg_at(const struct sock *sk, u32 seq);
u32 ktcp_urg_recv_clip(const struct sock *sk, u32 seq, u32 *used);
void ktcp_urg_recv_passed(struct sock *sk);
__poll_t ktcp_urg_poll(const struct sock *sk, int *target);

/* sock.c: the TCB's lifecycle. */
void ktcp_sock_init_tcb(struct sock *sk);
void ktcp_sock_init_seq(struct ktcp_sock *ks, u32 iss);
void ktcp_sock_init_peer(struct ktcp_sock *ks, u32 irs, u32 wnd);
struct sock *ktcp_sock_clone(const struct sock *listener, gfp_t prio);
void ktcp_sock_set_state(struct sock *sk, u8 state);
void ktcp_sock_done(struct sock *sk);
void ktcp_sock_orphan(struct sock *sk);
bool ktcp_sock_check_oom(const struct sock *sk, int shift);
void ktcp_sock_time_wait(struct sock *sk);
/* What a connection takes from the TIME_WAIT one it reuses (sock.c). */
struct ktcp_tw_reuse {
	u32 seq;		/* its ISN; 0: nothing reused */
	u32 ts_recent;
	u32 ts_recent_stamp;
};

bool ktcp_sock_tw_reuse(struct sock *sk, struct ktcp_tw_reuse *r, bool bound);
void ktcp_sock_tw_retime(struct ktcp_net *kn);

/* timewait.c: an orphan's TIME_WAIT without its socket. */
int ktcp_tw_init(void);
void ktcp_tw_exit(void);
int ktcp_tw_net_init(struct ktcp_net *kn);
void ktcp_tw_net_exit(struct ktcp_net *kn);
bool ktcp_tw_compact(struct sock *sk);
int ktcp_tw_process(struct net *net, struct ktcp_tw *tw, struct sk_buff *skb);
bool ktcp_tw_kill(struct ktcp_net *kn, struct ktcp_tw *tw);
bool ktcp_tw_reclaim(struct sock *sk, struct ktcp_tw_reuse *r, bool bound);
void ktcp_tw_retime(struct ktcp_net *kn);
unsigned long ktcp_tw_expires(const struct ktcp_tw *tw);
void ktcp_sock_reset(struct sock *sk, int err);
void ktcp_sock_disconnect(struct sock *sk);

/* cgroup.c: a cgroup's BPF network policy on ktcp sockets. */
int ktcp_cgroup_check(struct sock *sk);
int ktcp_cgroup_sock_create(struct sock *sk);
void ktcp_cgroup_sock_release(struct sock *sk);
void ktcp_cgroup_sock_clone(struct sock *child, const struct sock *listener);

/* timers.c: the protocol's timers and their handlers. */
void ktcp_timers_sk_init(struct sock *sk);
void ktcp_timers_sk_stop(struct sock *sk);
void ktcp_timers_release_cb(struct sock *sk);
void ktcp_timers_pace_kick(struct sock *sk);
void ktcp_timers_enter_timewait(struct sock *sk, unsigned long timeout);
void ktcp_timers_keepalive(struct sock *sk, int on);
void ktcp_timers_delack(struct sock *sk);
void ktcp_timers_delack_synack(struct sock *sk);
u8 ktcp_timers_shown(const struct sock *sk, unsigned long *expires);

/* mem.c: memory accounting shared by all sockets (tcp_mem). */
extern atomic_long_t ktcp_memory_allocated;
DECLARE_PER_CPU(int, ktcp_memory_per_cpu_fw_alloc);
extern struct percpu_counter ktcp_sockets_allocated;
extern unsigned long ktcp_memory_pressure;
extern long ktcp_sysctl_mem[3];
void ktcp_mem_enter_pressure(struct sock *sk);
void ktcp_mem_leave_pressure(struct sock *sk);
void ktcp_mem_wqueue_add(struct sock *sk, int size);
void ktcp_mem_wqueue_free(struct sock *sk, struct sk_buff *skb);
void ktcp_mem_force(struct sock *sk, int size);
bool ktcp_mem_out_of_memory(const struct sock *sk);
long ktcp_mem_pages(void);
int ktcp_mem_init(void);
void ktcp_mem_exit(void);

/* af_ktcp.c: proto_ops and proto. */
extern struct proto ktcp_prot;
extern struct proto ktcp6_prot;
extern const struct proto_ops ktcp_proto_ops;
void ktcp_af_init_prot6(void);
int ktcp_af_create(struct net *net, struct socket *sock, int protocol,
		   int kern);
int ktcp_af_create6(struct net *net, struct socket *sock, int protocol,
		    int kern);

/* inet6.c: the IPv6 side of an AF_KTCP6 socket. */
void ktcp_inet6_init(struct sock *sk);
void ktcp_inet6_clone(struct sock *child, const struct sock *listener);
void ktcp_inet6_set_addrs(struct sock *sk, const struct ktcp_tuple *t);
void ktcp_inet6_reset(struct sock *sk, bool saddr);
void ktcp_inet6_destroy(struct sock *sk);
int ktcp_inet6_bind(struct sock *sk, const struct sockaddr_in6 *sin6,
		    int addr_len, bool *saved_v6only);
void ktcp_inet6_bind_undo(struct sock *sk, bool saved_v6only);
int ktcp_inet6_check_addr(const struct sockaddr *uaddr, int addr_len);
bool ktcp_inet6_mapped(const struct sock *sk);
int ktcp_inet6_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			  unsigned int optlen);
int ktcp_inet6_getsockopt(struct sock *sk, int optname, char __user *optval,
			  int __user *optlen);
int ktcp_inet6_getname(struct socket *sock, struct sockaddr *uaddr, int peer);

/* ip6.c: the IPv6 network layer: routes, checksums, transmission. */
int ktcp_ip6_net_init(struct net *net);
void ktcp_ip6_net_exit(struct net *net);
int ktcp_ip6_xmit(struct sock *sk, struct sk_buff *skb);
int ktcp_ip6_connect_route(struct sock *sk, __be16 dport);
struct dst_entry *ktcp_ip6_update_pmtu(struct sock *sk, u32 mtu);
u32 ktcp_ip6_route_features(const struct sock *listener,
			    const struct sk_buff *skb);
void ktcp_ip6_send_synack(const struct sock *listener,
			  const struct ktcp_request *req, struct sk_buff *skb);
void ktcp_ip6_send_rst(struct net *net, const struct sock *sk,
		       const struct sk_buff *in, struct sk_buff *skb);
void ktcp_ip6_send_req_ack(const struct sock *listener,
			   const struct ktcp_request *req,
			   const struct sk_buff *in, struct sk_buff *skb);
void ktcp_ip6_send_tw_ack(struct net *net, const struct ktcp_tw *tw,
			  const struct sk_buff *in, struct sk_buff *skb);

/* connect.c: the active open and its undoing. */
int ktcp_connect_check_addr(const struct sockaddr *uaddr, int addr_len);
int ktcp_connect_stream(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags);
void ktcp_connect_disconnect_locked(struct socket *sock);
int ktcp_connect_fastopen(struct socket *sock, struct msghdr *msg,
			  size_t size, int *copied);

/* sendrecv.c: sendmsg() and recvmsg(). */
bool ktcp_sr_stream_memory_free(const struct sock *sk, int wake);
int ktcp_sr_sendmsg(struct socket *sock, struct msghdr *msg, size_t size);
int ktcp_sr_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		    int flags);

/* sockopt.c: SOL_TCP and SOL_IP options. */
int ktcp_sockopt_set(struct socket *sock, int level, int optname,
		     sockptr_t optval, unsigned int optlen);
int ktcp_sockopt_get(struct socket *sock, int level, int optname,
		     char __user *optval, int __user *optlen);
void ktcp_sockopt_info(struct sock *sk, struct tcp_info *info);

/* port.c: the bind table, one port space with native TCP. */
int ktcp_port_init(void);
void ktcp_port_exit(void);
int ktcp_port_net_init(struct ktcp_net *kn);
void ktcp_port_net_exit(struct ktcp_net *kn);
int ktcp_port_bind(struct ktcp_net *kn, struct sock *sk, u16 port);
int ktcp_port_connect(struct ktcp_net *kn, struct sock *sk);
int ktcp_port_listen(struct ktcp_net *kn, struct sock *sk);
void ktcp_port_unlisten(struct sock *sk);
void ktcp_port_inherit(struct ktcp_net *kn, struct sock *child,
		       const struct sock *listener);
void ktcp_port_unbind(struct ktcp_net *kn, struct sock *sk);
struct ktcp_port_hold *ktcp_port_hold_get(struct ktcp_net *kn,
					  const struct sock *sk);
void ktcp_port_hold_put(struct ktcp_net *kn, struct ktcp_port_hold *h);

/* child.c: a listener's child socket, from its request. */
struct sock *ktcp_child_create(struct sock *listener,
			       const struct ktcp_request *req);
void ktcp_child_init_acked(struct ktcp_sock *kc, const struct ktcp_request *req);

/* fastopen.c: TCP Fast Open's cookies and queue, the server's side. */
void ktcp_fastopen_net_init(struct ktcp_net *kn);
bool ktcp_fastopen_check(struct sock *listener, const struct sk_buff *syn,
			 const struct ktcp_opts *o, struct ktcp_opts *reply);
void ktcp_fastopen_child_init(struct sock *child, struct sock *listener);
void ktcp_fastopen_child_done(struct sock *child);
bool ktcp_fastopen_passive(const struct sock *sk);
void ktcp_fastopen_queue_tune(struct sock *sk, int backlog);
void ktcp_fastopen_listen(struct sock *sk, int backlog);
int ktcp_fastopen_synack_retries(const struct sock *sk);
void ktcp_fastopen_cache_exit(struct ktcp_net *kn);
bool ktcp_fastopen_cookie_check(struct sock *sk, u16 *mss,
				struct ktcp_opts *cookie);
void ktcp_fastopen_cache_set(struct sock *sk, u16 mss,
			     const struct ktcp_opts *cookie, bool syn_lost,
			     u8 try_exp);

/* hash.c: established and listener tables. */
u32 ktcp_hash_ehash_size(void);
int ktcp_hash_net_init(struct ktcp_net *kn);
u32 ktcp_hash_bucket(const struct ktcp_net *kn, const struct ktcp_tuple *t);
void ktcp_hash_net_exit(struct ktcp_net *kn);
int ktcp_hash_insert(struct ktcp_net *kn, struct ktcp_hnode *h);
bool ktcp_hash_remove(struct ktcp_net *kn, struct ktcp_hnode *h);
int ktcp_hash_replace(struct ktcp_net *kn, struct ktcp_hnode *old,
		      struct ktcp_hnode *new);
struct ktcp_hnode *ktcp_hash_lookup(struct ktcp_net *kn,
				    const struct ktcp_tuple *key,
				    int dif, int sdif);
struct sock *ktcp_hash_lookup_listener(struct ktcp_net *kn,
				       struct sk_buff *skb,
				       const struct ktcp_tuple *t,
				       int dif, int sdif);
bool ktcp_hash_syn_listened(struct ktcp_net *kn, struct sk_buff *skb);
void ktcp_hash_listen_prepare(struct sock *sk);
int ktcp_hash_listen_add(struct ktcp_net *kn, struct sock *sk);
void ktcp_hash_unlisten(struct ktcp_net *kn, struct sock *sk);
void ktcp_hash_sock_unhash(struct sock *sk);

/* negotiate.c: options agreed in the handshake, PAWS, timestamps. */
u32 ktcp_neg_syn_allowed(const struct net *net);
u32 ktcp_neg_ts_off(const struct net *net, u32 ts_off);
void ktcp_neg_peer_syn(struct ktcp_neg *n, const struct ktcp_opts *o);
u32 ktcp_neg_ts_now(const struct ktcp_neg *n);
u32 ktcp_neg_ts_rtt_us(const struct ktcp_neg *n, const struct ktcp_opts *o);
void ktcp_neg_fill(const struct ktcp_neg *n, struct ktcp_opts *o, bool syn,
		   bool offer, u16 adv_mss);
bool ktcp_neg_paws_reject(const struct ktcp_neg *n, const struct ktcp_opts *o,
			  bool rst);
void ktcp_neg_ts_update(struct ktcp_neg *n, const struct ktcp_opts *o,
			u32 seq, u32 last_ack_sent);
u16 ktcp_neg_data_mss(const struct ktcp_neg *n, u16 path_mss);

/* syncookie.c: SYN cookies, the kernel's, and options in the timestamp. */
u32 ktcp_cookie_ts_encode(const struct ktcp_neg *n, u64 now_ms);
void ktcp_cookie_ts_decode(struct ktcp_neg *n, const struct ktcp_opts *o);
u32 ktcp_cookie_isn(const struct sk_buff *skb, u16 *mss);
u16 ktcp_cookie_check(const struct sk_buff *skb);

/* diag.c: sock_diag (inet_diag's messages) for ktcp's family. */
void ktcp_diag_init(void);
void ktcp_diag_exit(void);

/* diag_bc.c: inet_diag's bytecode filter over one socket's fields. */
struct ktcp_diag_entry {	/* inet_diag_entry */
	u8 family;			/* AF_INET or AF_INET6 */
	__be32 saddr;			/* AF_INET */
	__be32 daddr;
	struct in6_addr saddr6;		/* AF_INET6 */
	struct in6_addr daddr6;
	u16 sport;
	u16 dport;
	u16 userlocks;
	u32 ifindex;
	u32 mark;
	u64 cgroup_id;
};

int ktcp_diag_bc_audit(const void *bc, int len, bool net_admin);
bool ktcp_diag_bc_run(const void *bc, int len, const struct ktcp_diag_entry *e);
bool ktcp_diag_bc_sk(const struct nlattr *bc, const struct ktcp_hnode *h,
		     const struct ktcp_tuple *t, bool v6);

/* proc.c, sysctl.c, mib.c. */
int ktcp_proc_net_init(struct net *net);
void ktcp_proc_net_exit(struct net *net);
int ktcp_sysctl_net_init(struct net *net);
void ktcp_sysctl_net_exit(struct net *net);

#endif /* _KTCP_H */
