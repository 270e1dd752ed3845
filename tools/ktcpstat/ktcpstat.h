/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktcpstat's parts beside tools/ktcpstat.c (the socket dump and ss's
 * output): filter.c, the filter; counters.c, -s's counters and -d's
 * deltas as nstat; timeline.c, --timeline.
 */
#ifndef KTCPSTAT_H
#define KTCPSTAT_H

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * struct tcp_info as Linux 6.12's uapi has it, up to tcpi_rcv_wnd: glibc's
 * netinet/tcp.h (which ktcptest.h includes) stops at tcpi_total_retrans,
 * and linux/tcp.h cannot be included beside it.
 */
struct ks_tcp_info {
	uint8_t tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes;
	uint8_t tcpi_backoff, tcpi_options;
	uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	uint8_t tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;
	uint32_t tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
	uint32_t tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent, tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv, tcpi_last_ack_recv;
	uint32_t tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh, tcpi_snd_cwnd, tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt, tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
	uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked, tcpi_bytes_received;
	uint32_t tcpi_segs_out, tcpi_segs_in;
	uint32_t tcpi_notsent_bytes, tcpi_min_rtt;
	uint32_t tcpi_data_segs_in, tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate;
	uint64_t tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited;
	uint32_t tcpi_delivered, tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent, tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups, tcpi_reord_seen;
	uint32_t tcpi_rcv_ooopack;
	uint32_t tcpi_snd_wnd, tcpi_rcv_wnd;
};

struct ent {
	struct inet_diag_msg m;
	struct ks_tcp_info info;
	bool has_info, has_skmem;
	unsigned int skmem[SK_MEMINFO_VARS];
	char cong[16];
	int shutdown;			/* -1: none */
	int v6only;			/* INET_DIAG_SKV6ONLY, 0: none */
	int dump_family;		/* the sdiag_family it came from */
	char *proc;			/* -p */
};

/* An address as ss prints it: IPv6 ones in brackets, * for a dual-stack ::. */
void ks_fmt_host(char *buf, size_t len, int family, const uint32_t *addr,
		 bool v6only);

/* ss's state groups; KT_* from ktcptest.h. */
#define SS_ALL		0xfff
/* ss's SS_CONN: not LISTEN, CLOSE, TIME-WAIT, SYN-RECV */
#define SS_CONN		(SS_ALL & ~((1 << KT_LISTEN) | (1 << KT_CLOSE) | \
				    (1 << KT_TIME_WAIT) | (1 << KT_SYN_RECV)))

/* Bad usage: the synopsis, then exit with @rc. */
void ks_usage(int rc) __attribute__((noreturn));

/* filter.c: FILTER's words parsed (NULL: none; *@states set by `state`). */
struct ks_filter;
struct ks_filter *ks_filter_parse(char **argv, unsigned int *states);
bool ks_filter_match(const struct ks_filter *f, const struct inet_diag_msg *m);

/* One dump with the options and filter given: the matching sockets. */
int ks_dump(struct ent **out);

/* Counters of /proc/net/ktcp_snmp, absolute or (@delta) since the last -d. */
int ks_counters_print(bool delta);

struct ks_timeline_opts {
	const char *svg, *csv;	/* the chart; its samples (NULL: beside) */
	int interval_ms;
	double duration_s;
};

/* --timeline: sample the one connection ks_dump() finds, chart it. */
int ks_timeline(const struct ks_timeline_opts *o);

#endif
