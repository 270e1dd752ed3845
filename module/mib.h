/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-namespace counters, per CPU, as MPTCP keeps them. Every drop has one.
 * Documentation/counters.rst says what each means; /proc/net/ktcp_snmp shows
 * them.
 */
#ifndef _KTCP_MIB_H
#define _KTCP_MIB_H

#include <linux/seq_file.h>

enum ktcp_mib_field {
	KTCP_MIB_ACTIVEOPENS,		/* connect() sent a SYN */
	KTCP_MIB_PASSIVEOPENS,		/* a handshake completed on a listener */
	KTCP_MIB_ATTEMPTFAILS,		/* SYN_SENT/SYN_RECV went to CLOSE */
	KTCP_MIB_ESTABRESETS,		/* ESTABLISHED/CLOSE_WAIT to CLOSE */
	KTCP_MIB_INSEGS,		/* segments taken for ktcp sockets */
	KTCP_MIB_OUTSEGS,		/* segments sent */
	KTCP_MIB_RETRANSSEGS,		/* segments retransmitted */
	KTCP_MIB_FASTRETRANS,		/* fast recoveries entered (3 dup ACKs) */
	KTCP_MIB_DSACKRECV,		/* D-SACKs received: a spurious rexmit */
	KTCP_MIB_HYSTARTTRAINDETECT,	/* slow start ended by an ACK train */
	KTCP_MIB_HYSTARTDELAYDETECT,	/* slow start ended by RTT growth */
	KTCP_MIB_TCPFULLUNDO,		/* recovery undone at its end */
	KTCP_MIB_TCPPARTIALUNDO,	/* recovery undone by a partial ACK */
	KTCP_MIB_TCPDSACKUNDO,		/* reduction undone by D-SACKs */
	KTCP_MIB_TCPLOSSUNDO,		/* RTO recovery undone */
	KTCP_MIB_TCPSPURIOUSRTOS,	/* F-RTO found an RTO spurious */
	KTCP_MIB_LOSSPROBES,		/* tail loss probes sent (TLP) */
	KTCP_MIB_LOSSPROBERECOVERY,	/* losses a loss probe repaired */
	KTCP_MIB_SACKREORDER,		/* reordering seen by SACK or ACK */
	KTCP_MIB_TCPSACKRENEGING,	/* an RTO found the SACKed head gone */
	KTCP_MIB_INERRS,		/* bad header: dropped */
	KTCP_MIB_INCSUMERRORS,		/* bad checksum: dropped */
	KTCP_MIB_OUTRSTS,		/* RSTs sent */
	KTCP_MIB_INRSTS,		/* acceptable RSTs received */
	KTCP_MIB_LISTENOVERFLOWS,	/* SYN or final ACK dropped: accept queue full */
	KTCP_MIB_LISTENDROPS,		/* SYN or ACK dropped by a listener */
	KTCP_MIB_REQQFULLDROP,		/* SYN dropped, SYN queue full */
	KTCP_MIB_REQQFULLDOCOOKIES,	/* SYN queue full: a cookie instead */
	KTCP_MIB_SYNCOOKIESSENT,	/* SYN-ACKs with a cookie */
	KTCP_MIB_SYNCOOKIESRECV,	/* ACKs with a valid cookie */
	KTCP_MIB_SYNCOOKIESFAILED,	/* ACKs with an invalid cookie */
	KTCP_MIB_ACKSKIPPEDSYNRECV,	/* SYN_RECV: SYN or segment not answered */
	KTCP_MIB_EMBRYONICRSTS,		/* SYN_RECV: request ended by RST/SYN */
	KTCP_MIB_BACKLOGDROP,		/* socket backlog full: dropped */
	KTCP_MIB_SOCKETFILTERDROP,	/* the socket's filter refused it */
	KTCP_MIB_OUTOFWINDOW,		/* unacceptable segment: ACKed, dropped */
	KTCP_MIB_PAWSREJECTED,		/* old timestamp (PAWS): ACKed, dropped */
	KTCP_MIB_OFODROP,		/* out-of-order data dropped */
	KTCP_MIB_RCVQDROP,		/* in-order data dropped: rcvbuf full */
	KTCP_MIB_OFOPRUNED,		/* out-of-order data freed for in-order */
	KTCP_MIB_PRUNECALLED,		/* receive memory refused: pruning */
	KTCP_MIB_RCVPRUNED,		/* pruning freed too little: dropped */
	KTCP_MIB_TCPRCVCOALESCE,	/* in-order segment appended to the tail */
	KTCP_MIB_TCPRCVCOLLAPSED,	/* receive queue skb freed by a collapse */
	KTCP_MIB_TCPMEMORYPRESSURES,	/* net.ktcp.mem pressure entered */
	KTCP_MIB_TCPMEMORYPRESSURESCHRONO, /* ms spent under pressure */
	KTCP_MIB_TWRECYCLED,		/* TIME_WAIT ended by a new SYN */
	KTCP_MIB_CHALLENGEACKS,		/* RFC 5961 challenge ACKs sent */
	KTCP_MIB_ACKUNSENTDATA,		/* ACK of unsent data: dropped */
	KTCP_MIB_TIMEOUTS,		/* retransmission timer expiries */
	KTCP_MIB_ABORTONTIMEOUT,	/* aborted after the retry limit */
	KTCP_MIB_ABORTONDATA,		/* close() with unread data: RST */
	KTCP_MIB_TCPABORTONMEMORY,	/* too many orphans: RST */
	KTCP_MIB_TCPTIMEWAITOVERFLOW,	/* max_tw_buckets: closed, no TW */
	KTCP_MIB_TWEXPIRED,		/* TIME_WAIT sockets expired */
	KTCP_MIB_KEEPALIVEDROPS,	/* reset: keepalive probes unanswered */
	KTCP_MIB_DELAYEDACKS,		/* delayed ACKs sent by their timer */
	KTCP_MIB_OOWRATELIMITED,	/* RFC 5961 / OOW ACK not sent: limit */
	KTCP_MIB_OUTOFWINDOWICMPS,	/* ICMP error quoting a stale seq */
	KTCP_MIB_LOCKDROPPEDICMPS,	/* ICMP error while a process owned it */
	KTCP_MIB_NOMEM,			/* allocation failure: dropped */
	KTCP_MIB_CURRESTAB,		/* gauge: ESTABLISHED + CLOSE_WAIT */
	KTCP_MIB_TCPDELIVEREDCE,	/* segments delivered on ACKs with ECE */
	KTCP_MIB_TWREUSED,		/* connect() reused a TIME_WAIT 4-tuple */
	KTCP_MIB_TCPABORTONLINGER,	/* close() in FIN_WAIT_2, TCP_LINGER2 < 0 */
	KTCP_MIB_TCPMINTTLDROP,		/* below IP_MINTTL / IPV6_MINHOPCOUNT */
	KTCP_MIB_TCPTIMEOUTREHASH,	/* txhash redrawn on an RTO */
	KTCP_MIB_TCPDUPLICATEDATAREHASH, /* txhash redrawn: dup, new label */
	KTCP_MIB_IN6EXTHDRSEGS,		/* taken from behind IPv6 ext. headers */
	KTCP_MIB_TCPRETRANSFAIL,	/* a qdisc refused a retransmission */
	KTCP_MIB_LOCALCONGESTION,	/* a qdisc refused or dropped: CWR */
	KTCP_MIB_TCPFASTOPENPASSIVE,	/* a Fast Open SYN made a child */
	KTCP_MIB_TCPFASTOPENPASSIVEFAIL, /* bad cookie, or no child made */
	KTCP_MIB_TCPFASTOPENLISTENOVERFLOW, /* Fast Open queue full */
	KTCP_MIB_TCPFASTOPENCOOKIEREQD,	/* a SYN asked for a cookie */
	KTCP_MIB_TCPFASTOPENACTIVE,	/* our SYN's data was acknowledged */
	KTCP_MIB_TCPFASTOPENACTIVEFAIL,	/* our SYN's data was not: sent again */
	KTCP_MIB_MAX
};

struct ktcp_mib {
	unsigned long mibs[KTCP_MIB_MAX];
};

void ktcp_mib_seq_show(struct seq_file *seq, struct ktcp_mib __percpu *mib);

#endif /* _KTCP_MIB_H */
