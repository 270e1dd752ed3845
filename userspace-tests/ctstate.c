// SPDX-License-Identifier: GPL-2.0
/*
 * A stateful nftables firewall treats ktcp's connections as native TCP's:
 * a client and a server namespace on a veth pair, each with conntrack and
 * an input policy of drop; the server's accepts "ct state
 * established,related", its port with "ct state new" and drops "ct state
 * invalid", the client's accepts only established and related packets.
 * With net.netfilter.nf_conntrack_tcp_loose=0 a segment whose connection
 * conntrack never confirmed is invalid, and dropped. Each case connects,
 * sends a byte each way, finds in each namespace one conntrack entry for
 * the connection, ESTABLISHED and ASSURED, then moves 4 MiB each way at
 * once and closes (conntrack's window tracking sees every segment); every
 * combination of ktcp and native at the two ends, so native TCP is the
 * reference in the same run.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define CT_PORT		7411
#define CT_BYTES	(4 << 20)
#define CT_RULES	"/tmp/ktcp-ctstate.nft"

FIXTURE(ctstate)
{
	int ns_cli, ns_srv;
};

FIXTURE_VARIANT(ctstate)
{
	bool srv_native, cli_native;
};

FIXTURE_VARIANT_ADD(ctstate, ktcp_both) { };
FIXTURE_VARIANT_ADD(ctstate, ktcp_server) { .cli_native = true };
FIXTURE_VARIANT_ADD(ctstate, ktcp_client) { .srv_native = true };
FIXTURE_VARIANT_ADD(ctstate, native) {
	.srv_native = true, .cli_native = true
};

static void ct_run(struct __test_metadata *_metadata, const char *cmd,
		   char *out, size_t outlen)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", cmd);
	ASSERT_EQ(0, ktcp_run_cmd(out, outlen, buf))
		TH_LOG("%s: %s", cmd, out);
}

/* The ruleset of one side, loaded with nft -f in the current netns. */
static void ct_firewall(struct __test_metadata *_metadata, bool server)
{
	char out[512];
	FILE *f;

	f = fopen(CT_RULES, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "table inet kt_ct {\n"
		   "  chain in {\n"
		   "    type filter hook input priority 0; policy drop;\n"
		   "    ct state established,related accept\n"
		   "    ct state invalid drop\n");
	if (server)
		fprintf(f, "    tcp dport %d ct state new accept\n", CT_PORT);
	fprintf(f, "  }\n}\n");
	ASSERT_EQ(0, fclose(f));
	ct_run(_metadata, "nft -f " CT_RULES, out, sizeof(out));
	unlink(CT_RULES);
	/* nf_conntrack is loaded now: make unconfirmed flows invalid. */
	ct_run(_metadata, "sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0",
	       out, sizeof(out));
}

FIXTURE_SETUP(ctstate)
{
	char out[512];

	ct_run(_metadata, "modprobe -a nfnetlink nf_tables nft_ct nf_conntrack nf_conntrack_netlink",
	       out, sizeof(out));
	ktcp_test_netns(_metadata, true, 1000, &self->ns_cli, &self->ns_srv);
	ktcp_setns(_metadata, self->ns_srv);
	ct_firewall(_metadata, true);
	ktcp_setns(_metadata, self->ns_cli);
	ct_firewall(_metadata, false);
}

FIXTURE_TEARDOWN(ctstate)
{
	ktcp_setns(_metadata, self->ns_cli);
	close(self->ns_srv);
}

/*
 * The conntrack entries of CT_PORT in the current netns, one per line; the
 * number of lines that are ESTABLISHED and [ASSURED].
 */
static int ct_assured(struct __test_metadata *_metadata, char *out,
		      size_t outlen)
{
	char *line, *save;
	int n = 0;

	ct_run(_metadata, "conntrack -L -p tcp --dport 7411", out, outlen);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		TH_LOG("%s", line);
		if (strstr(line, " ESTABLISHED ") && strstr(line, "[ASSURED]"))
			n++;
	}
	return n;
}

/* One byte each way, so that each side has seen the other's data. */
static void ct_ping(struct __test_metadata *_metadata, int a, int b)
{
	char c = 'x';

	ASSERT_EQ(1, ktcp_send_all(a, &c, 1, ktcp_ms(5000)));
	ASSERT_EQ(1, ktcp_recv_all(b, &c, 1, ktcp_ms(5000)));
	ASSERT_EQ(1, ktcp_send_all(b, &c, 1, ktcp_ms(5000)));
	ASSERT_EQ(1, ktcp_recv_all(a, &c, 1, ktcp_ms(5000)));
}

/* CT_BYTES each way at once, then FINs: every segment passes the rules. */
static void ct_bulk(struct __test_metadata *_metadata, int cfd, int afd)
{
	struct ktcp_xfer cx = {
		.fd = cfd, .send_len = CT_BYTES, .send_seed = 1,
		.shut_wr = true, .recv_seed = 2, .idle_ms = ktcp_ms(5000),
	};
	struct ktcp_xfer sx = {
		.fd = afd, .send_len = CT_BYTES, .send_seed = 2,
		.shut_wr = true, .recv_seed = 1, .idle_ms = ktcp_ms(5000),
	};
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, ktcp_xfer_thread, &sx));
	ktcp_xfer_run(&cx);
	pthread_join(th, NULL);
	EXPECT_EQ(0, cx.err) TH_LOG("client %s: %s (sent %llu, got %llu)",
				    cx.err_what, strerror(-cx.err),
				    (unsigned long long)cx.tx.off,
				    (unsigned long long)cx.rx.off);
	EXPECT_EQ(0, sx.err) TH_LOG("server %s: %s (sent %llu, got %llu)",
				    sx.err_what, strerror(-sx.err),
				    (unsigned long long)sx.tx.off,
				    (unsigned long long)sx.rx.off);
	EXPECT_EQ(CT_BYTES, cx.rx.off);
	EXPECT_EQ(CT_BYTES, sx.rx.off);
	EXPECT_EQ(-1, cx.rx.bad_off);
	EXPECT_EQ(-1, sx.rx.bad_off);
}

TEST_F(ctstate, established_assured)
{
	struct sockaddr_in sa = ktcp_sin(KTCP_VETH_IP_B, CT_PORT);
	int srv_family = variant->srv_native ? AF_INET : ktcp_family();
	int cli_family = variant->cli_native ? AF_INET : ktcp_family();
	char out[2048];
	int lfd, cfd, afd;

	ktcp_setns(_metadata, self->ns_srv);
	lfd = ktcp_listener(_metadata, srv_family, KTCP_VETH_IP_B, CT_PORT, 4,
			    NULL);
	ktcp_setns(_metadata, self->ns_cli);
	cfd = __ktcp_socket(_metadata, cli_family);
	ASSERT_EQ(0, ktcp_connect_fd(cfd, &sa, ktcp_ms(5000)));
	afd = ktcp_accept_fd(lfd, ktcp_ms(5000));
	ASSERT_LE(0, afd) TH_LOG("accept: %s", strerror(errno));
	ct_ping(_metadata, cfd, afd);

	EXPECT_EQ(1, ct_assured(_metadata, out, sizeof(out)));	/* client */
	ktcp_setns(_metadata, self->ns_srv);
	EXPECT_EQ(1, ct_assured(_metadata, out, sizeof(out)));	/* server */
	ktcp_setns(_metadata, self->ns_cli);
	ct_bulk(_metadata, cfd, afd);
	close(cfd);
	close(afd);
	close(lfd);
}

TEST_HARNESS_MAIN
