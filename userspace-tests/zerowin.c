// SPDX-License-Identifier: GPL-2.0
/*
 * A receiver that stops reading: the sender fills the window, the receiver
 * takes in every byte it let in and ends with a zero window, and the sender,
 * with all its data acknowledged, probes the zero window (the persist timer,
 * Linux's tcp_probe_timer()) instead of resending (the retransmission
 * timer). Linux's receiver gets there because a full receive buffer first
 * collapses its bloated skbs (tcp_prune_queue(), tcp_collapse()) and
 * appends new segments to the tail skb (tcp_try_coalesce()); it drops
 * in-window data only when that is not enough (TCPRcvQDrop).
 *
 * Each case: a receiver of one family and a sender of another, over the
 * veth pair in wire mode (one segment per frame, as scenarios.sh's, where
 * the drops were first seen), the receiver's default buffers. The sender
 * writes 16 KiB, pauses, then writes, non-blocking, until its buffer stays
 * full; then, once it sees a zero window with nothing unacked:
 * - the sender's row in the socket table shows the persist timer (4),
 * - it retransmitted nothing but tail loss probes (which may go out before
 *   a delayed ACK; an RTO would add more), and every byte is acked
 *   (tcpi_bytes_acked, which counts the SYN too, is the bytes received + 1),
 * - the receiver's last window was 0 (tcpi_rcv_wnd), its drop counter
 *   (RcvQDrop; native: TCPRcvQDrop) did not move.
 * The native -> native case checks the test itself. Before collapse.c,
 * ktcp received from a native sender with 10 RcvQDrops, and the sender was
 * in RTO backoff (timer 1, 9 retransmissions).
 */
#include <linux/types.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define ZW_PORT		7410
#define ZW_CHUNK	65536
#define ZW_IDLE_POLLS	5	/* this many EAGAINs in a row: full */
#define ZW_POLL_MS	100
#define ZW_FILL_MS	60000	/* fill and persist, each within this */
#define ZW_TIMER_PROBE0	4	/* /proc/net/tcp "tr": the persist timer */

/* The head of Linux 6.12's struct tcp_info, up to tcpi_rcv_wnd. */
struct zw_tcp_info {
	__u8	tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes;
	__u8	tcpi_backoff, tcpi_options, tcpi_wscale, tcpi_flags;
	__u32	tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
	__u32	tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans;
	__u32	tcpi_fackets, tcpi_last_data_sent, tcpi_last_ack_sent;
	__u32	tcpi_last_data_recv, tcpi_last_ack_recv, tcpi_pmtu;
	__u32	tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar, tcpi_snd_ssthresh;
	__u32	tcpi_snd_cwnd, tcpi_advmss, tcpi_reordering, tcpi_rcv_rtt;
	__u32	tcpi_rcv_space, tcpi_total_retrans;
	__u64	tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked;
	__u64	tcpi_bytes_received;
	__u32	tcpi_segs_out, tcpi_segs_in, tcpi_notsent_bytes, tcpi_min_rtt;
	__u32	tcpi_data_segs_in, tcpi_data_segs_out;
	__u64	tcpi_delivery_rate, tcpi_busy_time, tcpi_rwnd_limited;
	__u64	tcpi_sndbuf_limited;
	__u32	tcpi_delivered, tcpi_delivered_ce;
	__u64	tcpi_bytes_sent, tcpi_bytes_retrans;
	__u32	tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack;
	__u32	tcpi_snd_wnd, tcpi_rcv_wnd;
};

FIXTURE(zerowin)
{
	int ns_cli, ns_srv;
};

FIXTURE_VARIANT(zerowin)
{
	bool ktcp_rcv, ktcp_snd;
};

FIXTURE_VARIANT_ADD(zerowin, ktcp_from_native) {
	.ktcp_rcv = true, .ktcp_snd = false };
FIXTURE_VARIANT_ADD(zerowin, ktcp_from_ktcp) {
	.ktcp_rcv = true, .ktcp_snd = true };
FIXTURE_VARIANT_ADD(zerowin, native_from_ktcp) {
	.ktcp_rcv = false, .ktcp_snd = true };
FIXTURE_VARIANT_ADD(zerowin, native_from_native) {
	.ktcp_rcv = false, .ktcp_snd = false };

/* The veth pair in wire mode (one segment per frame), as scenarios.sh's. */
FIXTURE_SETUP(zerowin)
{
	struct ktcp_topo tp = { .if_a = KTCP_VETH_A, .if_b = KTCP_VETH_B,
				.wire = true };
	char err[256];

	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 2000);
	self->ns_cli = ktcp_netns_fd(_metadata);
	self->ns_srv = ktcp_make_netns(_metadata);
	tp.ns_a = self->ns_cli;
	tp.ns_b = self->ns_srv;
	ASSERT_EQ(0, ktcp_topo_pair(&tp, err, sizeof(err))) TH_LOG("%s", err);
	ktcp_setns(_metadata, self->ns_srv);
	ktcp_set_tw_timeout(_metadata, 2000);
	ktcp_setns(_metadata, self->ns_cli);
}

FIXTURE_TEARDOWN(zerowin)
{
}

static void zw_info(struct __test_metadata *_metadata, int fd,
		    struct zw_tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len))
		TH_LOG("TCP_INFO: %s", strerror(errno));
	ASSERT_EQ(sizeof(*ti), len);
}

/* Counter @name (@native's for AF_INET) of @family in netns @ns. */
static long long zw_counter(struct __test_metadata *_metadata, int ns,
			    int family, const char *name, const char *native)
{
	long long v = -1;
	int ret;

	ktcp_setns(_metadata, ns);
	ret = family == AF_INET ? native_snmp_read(native, &v) :
				  ktcp_snmp_read(name, &v);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", name, strerror(-ret));
	return v;
}

/* In-order data the receiving stack dropped. */
#define zw_rcvq_drops(m, ns, fam) \
	zw_counter(m, ns, fam, "RcvQDrop", "TCPRcvQDrop")
/* Tail loss probes the sender sent: retransmissions, but no timeout. */
#define zw_tlps(m, ns, fam) \
	zw_counter(m, ns, fam, "TCPLossProbes", "TCPLossProbes")

/* The "tr" (timer) field of the (@lport, @rport) row, or -1. */
static int zw_timer(bool native_table, int lport, int rport)
{
	FILE *f = fopen(ktcp_proc_path(native_table), "re");
	unsigned int lp, rp, tr;
	char line[512];
	int ret = -1;

	if (!f)
		return -1;
	while (ret < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, " %*u: %*X:%X %*X:%X %*X %*X:%*X %X:",
			   &lp, &rp, &tr) == 3 &&
		    (int)lp == lport && (int)rp == rport)
			ret = tr;
	fclose(f);
	return ret;
}

/* Write until the send buffer stays full; the bytes written. */
static long zw_fill(struct __test_metadata *_metadata, int fd)
{
	static char chunk[ZW_CHUNK];
	long long end = ktcp_now_ms() + ktcp_ms(ZW_FILL_MS);
	long sent = 0;
	int idle = 0;
	ssize_t r;

	while (idle < ZW_IDLE_POLLS) {
		ASSERT_GT(end, ktcp_now_ms()) TH_LOG("still writing: %ld", sent);
		r = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			sent += r;
			idle = 0;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno) TH_LOG("send: %s", strerror(errno));
		idle++;
		ktcp_sleep_ms(ZW_POLL_MS);
	}
	return sent;
}

TEST_F_TIMEOUT(zerowin, persist, 600)
{
	int rfam = variant->ktcp_rcv ? ktcp_family() : AF_INET;
	int sfam = variant->ktcp_snd ? ktcp_family() : AF_INET;
	bool snd_native = sfam == AF_INET;
	static char first[16384];
	struct zw_tcp_info si, ri;
	long long drops0, drops1, tlp0, tlp1, end;
	int lfd, cfd, sfd, lport, tr = -1;
	long sent;

	ktcp_setns(_metadata, self->ns_srv);
	lfd = ktcp_listener(_metadata, rfam, KTCP_VETH_IP_B, ZW_PORT, 4, NULL);
	drops0 = zw_rcvq_drops(_metadata, self->ns_srv, rfam);
	ktcp_setns(_metadata, self->ns_cli);
	cfd = ktcp_connect(_metadata, sfam, KTCP_VETH_IP_B, ZW_PORT);
	sfd = ktcp_accept(_metadata, lfd);
	lport = ktcp_local_port(cfd);
	tlp0 = zw_tlps(_metadata, self->ns_cli, sfam);

	/* As scenarios.sh's "queues": some data first, then a pause. */
	ASSERT_EQ(sizeof(first), send(cfd, first, sizeof(first), 0));
	ktcp_sleep_ms(500);
	sent = sizeof(first) + zw_fill(_metadata, cfd);
	/* Until all is acked into a zero window and the sender probes. */
	end = ktcp_now_ms() + ktcp_ms(ZW_FILL_MS);
	do {
		ktcp_sleep_ms(ZW_POLL_MS);
		zw_info(_metadata, cfd, &si);
		tr = zw_timer(snd_native, lport, ZW_PORT);
	} while (ktcp_now_ms() < end && (tr != ZW_TIMER_PROBE0 ||
		 si.tcpi_unacked || si.tcpi_snd_wnd));
	zw_info(_metadata, sfd, &ri);
	drops1 = zw_rcvq_drops(_metadata, self->ns_srv, rfam);
	tlp1 = zw_tlps(_metadata, self->ns_cli, sfam);
	TH_LOG("sent %ld; sender: timer %d, unacked %u, snd_wnd %u, probes %u, backoff %u, total_retrans %u, loss probes %lld; receiver: rcv_wnd %u, %llu bytes, drops %lld",
	       sent, tr, si.tcpi_unacked, si.tcpi_snd_wnd, si.tcpi_probes,
	       si.tcpi_backoff, si.tcpi_total_retrans, tlp1 - tlp0,
	       ri.tcpi_rcv_wnd, (unsigned long long)ri.tcpi_bytes_received,
	       drops1 - drops0);
	/* A tail loss probe may go out before a delayed ACK; no RTO. */
	EXPECT_GE(tlp1 - tlp0, si.tcpi_total_retrans);
	EXPECT_EQ(ZW_TIMER_PROBE0, tr);
	EXPECT_EQ(0, si.tcpi_unacked);
	EXPECT_EQ(0, si.tcpi_snd_wnd);
	EXPECT_EQ(0, ri.tcpi_rcv_wnd);
	EXPECT_EQ(drops0, drops1);
	/* bytes_acked counts the SYN too (tcp_snd_una_update()). */
	EXPECT_EQ(si.tcpi_bytes_acked, ri.tcpi_bytes_received + 1);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST_HARNESS_MAIN
