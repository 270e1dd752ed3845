// SPDX-License-Identifier: GPL-2.0
/*
 * GSO on transmit, as Linux 6.12's TCP sends: a bulk sender hands the
 * device packets of several segments (tcp_write_xmit(), tcp_tso_segs()),
 * which a device with TSO (a veth) passes on whole and the core's GSO
 * cuts otherwise. The veth counts skbs, so its tx_packets over a transfer
 * shows how many segments each packet held; TCP_INFO's tcpi_data_segs_out
 * counts the segments themselves.
 *
 * Two namespaces joined by the veth pair, the sender native or ktcp, the
 * receiver native, which checks every byte; the veth as created (TSO and
 * GSO on), and then "wire" (both off and gso_max_segs 1, lib's
 * ktcp_if_wire()), where every segment leaves alone for both stacks
 * (ktcp builds no GSO skb for a device without TSO: the core's software
 * GSO would free it, and its small-queues charge, as it cut it).
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define OFF_LEN		(4U << 20)
#define OFF_WAIT_MS	30000

/* Linux's struct tcp_info up to tcpi_data_segs_out. */
struct off_tcp_info {
	uint8_t u8s[8];
	uint32_t rto_to_total_retrans[24];
	uint64_t rates_and_bytes[4];
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt;
	uint32_t data_segs_in, data_segs_out;
};

FIXTURE(offload)
{
	int ns_cli, ns_srv;
};

FIXTURE_VARIANT(offload)
{
	bool ktcp;	/* the sender's stack */
	bool wire;	/* TSO, GSO off, gso_max_segs 1 on the sender's veth */
};

FIXTURE_VARIANT_ADD(offload, native) { .ktcp = false, .wire = false };
FIXTURE_VARIANT_ADD(offload, ktcp) { .ktcp = true, .wire = false };
FIXTURE_VARIANT_ADD(offload, native_wire) { .ktcp = false, .wire = true };
FIXTURE_VARIANT_ADD(offload, ktcp_wire) { .ktcp = true, .wire = true };

FIXTURE_SETUP(offload)
{
	const char *what = "";
	int ret;

	ktcp_test_netns(_metadata, true, 1000, &self->ns_cli, &self->ns_srv);
	if (variant->wire) {
		ret = ktcp_if_wire(KTCP_VETH_A, &what);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", what, strerror(-ret));
	}
}

FIXTURE_TEARDOWN(offload)
{
	close(self->ns_cli);
	close(self->ns_srv);
}

/* @ifname's tx_packets in /proc/net/dev of the current netns. */
static long long off_tx_packets(struct __test_metadata *_metadata,
				const char *ifname)
{
	unsigned long long v[10];
	char line[512], name[32];
	long long n = -1;
	FILE *f = fopen("/proc/net/dev", "r");

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %31[^:]: %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			   &v[6], &v[7], &v[8], &v[9]) == 11 &&
		    !strcmp(name, ifname))
			n = v[9];	/* tx packets: the 10th number */
	}
	fclose(f);
	ASSERT_LE(0, n) TH_LOG("%s not in /proc/net/dev", ifname);
	return n;
}

#define OFF_SEED	0x0ff10ad

/*
 * 4 MiB one way. With TSO on the veth, a quarter fewer skbs than segments
 * at least: GSO at work. How many fewer depends on the ACK clock: on
 * Debian's kernel native sent 2902 segments in 81 skbs and ktcp 2897 in
 * 121, but on the debug kernel, where ACKs come every two segments,
 * native 86 and ktcp 1477: ktcp has no tcp_tso_should_defer(), which
 * holds a small packet back for a larger one (design.rst). In wire mode,
 * at least one skb per segment (ACKs and the handshake add a few).
 */
TEST_F_TIMEOUT(offload, bulk, 120)
{
	struct off_tcp_info ti;
	socklen_t tlen = sizeof(ti);
	struct ktcp_sink rx = { .wait_ms = ktcp_ms(OFF_WAIT_MS),
				.seed = OFF_SEED };
	long long p0, pkts;
	uint8_t *buf;
	pthread_t th;
	uint16_t port;
	int fd;

	ktcp_setns(_metadata, self->ns_srv);
	rx.lfd = ktcp_listener(_metadata, AF_INET, KTCP_VETH_IP_B, 0, 4, &port);
	ASSERT_EQ(0, pthread_create(&th, NULL, ktcp_sink_thread, &rx));
	ktcp_setns(_metadata, self->ns_cli);
	fd = ktcp_connect(_metadata, variant->ktcp ? ktcp_family() : AF_INET,
			  KTCP_VETH_IP_B, port);
	buf = malloc(OFF_LEN);
	ASSERT_NE(NULL, buf);
	ktcp_pattern(OFF_SEED, 0, buf, OFF_LEN);
	p0 = off_tx_packets(_metadata, KTCP_VETH_A);
	EXPECT_EQ((ssize_t)OFF_LEN,
		  ktcp_send_all(fd, buf, OFF_LEN, ktcp_ms(OFF_WAIT_MS)));
	shutdown(fd, SHUT_WR);
	pthread_join(th, NULL);
	pkts = off_tx_packets(_metadata, KTCP_VETH_A) - p0;
	memset(&ti, 0, sizeof(ti));
	EXPECT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tlen));
	close(fd);
	close(rx.lfd);
	free(buf);
	TH_LOG("%s%s: %u data segments in %lld skbs",
	       variant->ktcp ? "ktcp" : "native",
	       variant->wire ? " (wire)" : "", ti.data_segs_out, pkts);
	EXPECT_EQ((ssize_t)OFF_LEN, rx.got);
	EXPECT_EQ(-1, rx.s.bad_off);	/* every byte where it was sent */
	EXPECT_LE(OFF_LEN / 1448, ti.data_segs_out);
	if (variant->wire) {
		EXPECT_LE((long long)ti.data_segs_out, pkts);
	} else {
		EXPECT_GT((long long)ti.data_segs_out * 3 / 4, pkts);
	}
}

TEST_HARNESS_MAIN
