// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp against native Linux TCP (and against itself): ktcp client to
 * native server, native client to ktcp server, ktcp to ktcp; over
 * 127.0.0.1 in one netns, and over a veth pair between two netns
 * (198.18.0.1/24 <-> 198.18.0.2/24, RFC 2544 test range, MTU 1500 so
 * segments are MSS-sized). 4 MiB each way at once, checksummed.
 *
 * In native mode every socket is native, so this checks the test itself.
 */
#include "common.h"

#define BULK_BYTES	(4 << 20)

FIXTURE(interop)
{
	int ns_cli, ns_srv;	/* netns fds (the same netns on loopback) */
	const char *srv_ip;
};

FIXTURE_VARIANT(interop)
{
	bool client_ktcp;
	bool server_ktcp;
	bool veth;
};

FIXTURE_VARIANT_ADD(interop, lo_ktcp_to_native)
{
	.client_ktcp = true,
};

FIXTURE_VARIANT_ADD(interop, lo_native_to_ktcp)
{
	.server_ktcp = true,
};

FIXTURE_VARIANT_ADD(interop, lo_ktcp_to_ktcp)
{
	.client_ktcp = true,
	.server_ktcp = true,
};

FIXTURE_VARIANT_ADD(interop, veth_ktcp_to_native)
{
	.client_ktcp = true,
	.veth = true,
};

FIXTURE_VARIANT_ADD(interop, veth_native_to_ktcp)
{
	.server_ktcp = true,
	.veth = true,
};

FIXTURE_VARIANT_ADD(interop, veth_ktcp_to_ktcp)
{
	.client_ktcp = true,
	.server_ktcp = true,
	.veth = true,
};

FIXTURE_SETUP(interop)
{
	ktcp_new_netns(_metadata);
	/* do not leave a minute-long TIME_WAIT behind (rmmod test) */
	ktcp_set_tw_timeout(_metadata, 5000);
	self->ns_cli = ktcp_netns_fd(_metadata);
	if (variant->veth) {
		self->ns_srv = ktcp_veth_pair(_metadata);
		self->srv_ip = KTCP_VETH_IP_B;
		ktcp_setns(_metadata, self->ns_srv);
		ktcp_set_tw_timeout(_metadata, 5000);
		ktcp_setns(_metadata, self->ns_cli);
	} else {
		self->ns_srv = ktcp_netns_fd(_metadata);
		self->srv_ip = "127.0.0.1";
	}
}

FIXTURE_TEARDOWN(interop)
{
	close(self->ns_cli);
	close(self->ns_srv);
}

static int side_family(bool is_ktcp)
{
	return is_ktcp ? ktcp_family() : AF_INET;
}

/* Is this side's socket listed in /proc/net/tcp rather than ktcp's? */
static bool side_native_table(bool is_ktcp)
{
	return !is_ktcp || ktcp_native();
}

/* Do this side's opens show in the counters the test reads? */
static int side_counted(bool is_ktcp)
{
	return is_ktcp || ktcp_native();
}

struct conn_pair {
	int lfd, c, s;
	uint16_t port;
	int cport;
};

/* Listener in the server netns, connection from the client netns. */
static void open_pair(struct __test_metadata *_metadata,
		      FIXTURE_DATA(interop) *self,
		      const FIXTURE_VARIANT(interop) *variant,
		      struct conn_pair *p)
{
	ktcp_setns(_metadata, self->ns_srv);
	p->lfd = ktcp_listener(_metadata, side_family(variant->server_ktcp),
			       self->srv_ip, 0, 8, &p->port);
	ktcp_setns(_metadata, self->ns_cli);
	p->c = ktcp_connect(_metadata, side_family(variant->client_ktcp),
			    self->srv_ip, p->port);
	p->s = ktcp_accept(_metadata, p->lfd);
	p->cport = ktcp_local_port(p->c);
	ASSERT_LT(0, p->cport);
	ASSERT_EQ(p->cport, ktcp_peer_port(p->s))
		TH_LOG("server accepted a connection from the wrong port");
}

TEST_F_TIMEOUT(interop, bulk_both_ways, 600)
{
	long long active0, passive0, active1, passive1;
	struct conn_pair p;
	struct ktcp_xfer cx = {
		.send_len = BULK_BYTES,
		.send_seed = 0xc11e47,
		.shut_wr = true,
		.recv_seed = 0x5e47e4,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct ktcp_xfer sx = {
		.send_len = BULK_BYTES,
		.send_seed = 0x5e47e4,
		.shut_wr = true,
		.recv_seed = 0xc11e47,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	pthread_t th;

	/* ktcp counters (or native ones in native mode), per netns */
	ktcp_setns(_metadata, self->ns_srv);
	passive0 = ktcp_snmp(_metadata, "PassiveOpens");
	ktcp_setns(_metadata, self->ns_cli);
	active0 = ktcp_snmp(_metadata, "ActiveOpens");

	open_pair(_metadata, self, variant, &p);

	/* each socket is listed in its own table, ESTABLISHED */
	EXPECT_EQ(KT_ESTABLISHED,
		  ktcp_wait_state_table(side_native_table(variant->client_ktcp),
					p.cport, p.port, KT_ESTABLISHED,
					ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("client not ESTABLISHED in %s",
		       ktcp_proc_path(side_native_table(variant->client_ktcp)));
	ktcp_setns(_metadata, self->ns_srv);
	EXPECT_EQ(KT_ESTABLISHED,
		  ktcp_wait_state_table(side_native_table(variant->server_ktcp),
					p.port, p.cport, KT_ESTABLISHED,
					ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("server not ESTABLISHED in %s",
		       ktcp_proc_path(side_native_table(variant->server_ktcp)));
	ktcp_setns(_metadata, self->ns_cli);

	cx.fd = p.c;
	sx.fd = p.s;
	ASSERT_EQ(0, pthread_create(&th, NULL, ktcp__xfer_thread, &sx));
	ktcp_xfer_run(&cx);
	pthread_join(th, NULL);

	ASSERT_EQ(0, cx.err)
		TH_LOG("client %s: %s (sent %llu, got %llu)", cx.err_what,
		       strerror(-cx.err), (unsigned long long)cx.tx.off,
		       (unsigned long long)cx.rx.off);
	ASSERT_EQ(0, sx.err)
		TH_LOG("server %s: %s (sent %llu, got %llu)", sx.err_what,
		       strerror(-sx.err), (unsigned long long)sx.tx.off,
		       (unsigned long long)sx.rx.off);

	/* client -> server */
	EXPECT_EQ(BULK_BYTES, (long long)sx.rx.off);
	EXPECT_EQ(-1, sx.rx.bad_off)
		TH_LOG("server: first wrong byte at %lld",
		       (long long)sx.rx.bad_off);
	EXPECT_EQ(cx.tx.sum, sx.rx.sum)
		TH_LOG("client sent %016llx, server got %016llx",
		       (unsigned long long)cx.tx.sum,
		       (unsigned long long)sx.rx.sum);
	/* server -> client */
	EXPECT_EQ(BULK_BYTES, (long long)cx.rx.off);
	EXPECT_EQ(-1, cx.rx.bad_off)
		TH_LOG("client: first wrong byte at %lld",
		       (long long)cx.rx.bad_off);
	EXPECT_EQ(sx.tx.sum, cx.rx.sum)
		TH_LOG("server sent %016llx, client got %016llx",
		       (unsigned long long)sx.tx.sum,
		       (unsigned long long)cx.rx.sum);
	EXPECT_TRUE(cx.eof);
	EXPECT_TRUE(sx.eof);

	active1 = ktcp_snmp(_metadata, "ActiveOpens");
	ktcp_setns(_metadata, self->ns_srv);
	passive1 = ktcp_snmp(_metadata, "PassiveOpens");
	ktcp_setns(_metadata, self->ns_cli);
	EXPECT_EQ(side_counted(variant->client_ktcp), active1 - active0);
	EXPECT_EQ(side_counted(variant->server_ktcp), passive1 - passive0);

	close(p.c);
	close(p.s);
	close(p.lfd);
}

/* FIN handshake across stacks: the active closer ends in TIME_WAIT. */
TEST_F_TIMEOUT(interop, graceful_close, 300)
{
	bool cli_tab = side_native_table(variant->client_ktcp);
	bool srv_tab = side_native_table(variant->server_ktcp);
	char msg[1024], got[sizeof(msg) + 1];
	struct conn_pair p;
	ssize_t n;
	int st;

	ktcp_setns(_metadata, self->ns_cli);
	open_pair(_metadata, self, variant, &p);

	memset(msg, 'g', sizeof(msg));
	n = ktcp_send_all(p.c, msg, sizeof(msg), ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ((ssize_t)sizeof(msg), n);
	ASSERT_EQ(0, close(p.c));

	/* all data, then EOF */
	n = ktcp_recv_all(p.s, got, sizeof(got), ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ((ssize_t)sizeof(msg), n)
		TH_LOG("server read %zd bytes before EOF, want %zu", n,
		       sizeof(msg));
	ASSERT_EQ(0, memcmp(msg, got, sizeof(msg)));

	ktcp_setns(_metadata, self->ns_srv);
	st = ktcp_wait_state_table(srv_tab, p.port, p.cport, KT_CLOSE_WAIT,
				   ktcp_ms(KTCP_STATE_WAIT_MS));
	EXPECT_EQ(KT_CLOSE_WAIT, st)
		TH_LOG("server %s in %s", ktcp_state_name(st),
		       ktcp_proc_path(srv_tab));
	ASSERT_EQ(0, close(p.s));
	st = ktcp_wait_state_table(srv_tab, p.port, p.cport, -1,
				   ktcp_ms(KTCP_STATE_WAIT_MS));
	EXPECT_EQ(-1, st)
		TH_LOG("server still %s in %s", ktcp_state_name(st),
		       ktcp_proc_path(srv_tab));

	ktcp_setns(_metadata, self->ns_cli);
	st = ktcp_wait_state_table(cli_tab, p.cport, p.port, KT_TIME_WAIT,
				   ktcp_ms(KTCP_STATE_WAIT_MS));
	EXPECT_EQ(KT_TIME_WAIT, st)
		TH_LOG("client %s in %s, want TIME_WAIT", ktcp_state_name(st),
		       ktcp_proc_path(cli_tab));
	close(p.lfd);
}

TEST_HARNESS_MAIN
