// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp against native Linux TCP (and against itself): ktcp client to
 * native server, native client to ktcp server, ktcp to ktcp; over
 * 127.0.0.1 in one netns, and over a veth pair between two netns
 * (198.18.0.1/24 <-> 198.18.0.2/24, RFC 2544 test range, MTU 1500 so
 * segments are MSS-sized). 4 MiB each way at once, checksummed.
 *
 * The same over IPv6 (AF_KTCP6 against AF_INET6): over ::1, and over the
 * veth with global addresses (fd00::1 <-> fd00::2) and link-local ones
 * (fe80::1 <-> fe80::2), the link given by the scope id (sin6_scope_id,
 * the veth's ifindex in each netns) or by SO_BINDTODEVICE on both ends.
 * Every variant checks both ends' names (getsockname, getpeername):
 * address, port and, for IPv6, the scope id.
 *
 * In native mode every socket is native, so this checks the test itself.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define BULK_BYTES	(4 << 20)

struct conn_pair {
	int lfd, c, s;
	uint16_t port;
	int cport;
};

static void pair_init(struct conn_pair *p)
{
	p->lfd = p->c = p->s = -1;
}

/* After a failure: RST rather than leave orphans retransmitting. */
static void pair_abort(struct conn_pair *p)
{
	ktcp_abort_fd(&p->c);
	ktcp_abort_fd(&p->s);
	if (p->lfd >= 0)
		close(p->lfd);
	p->lfd = -1;
}

/* How the ends address each other. */
enum io_ip {
	IO_V4,		/* IPv4 */
	IO_V6,		/* IPv6: ::1, or the veth's global addresses */
	IO_LL,		/* link-local, scope ids in the sockaddrs */
	IO_LLDEV,	/* link-local, SO_BINDTODEVICE instead */
};

/*
 * The addresses of a connection: the client's and the server's, and the
 * devices whose index is their scope id in each netns (link-local).
 */
struct io_ends {
	bool v6;
	const char *cli_ip, *srv_ip;
	const char *cli_dev, *srv_dev;	/* scope ids, or NULL */
	bool bind_dev;			/* SO_BINDTODEVICE, no scope id */
};

FIXTURE(interop)
{
	int ns_cli, ns_srv;	/* netns fds (the same netns on loopback) */
	struct io_ends e;
	struct conn_pair p;
};

FIXTURE_VARIANT(interop)
{
	bool client_ktcp;
	bool server_ktcp;
	bool veth;
	enum io_ip ip;
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

FIXTURE_VARIANT_ADD(interop, lo6_ktcp_to_native)
{
	.client_ktcp = true,
	.ip = IO_V6,
};

FIXTURE_VARIANT_ADD(interop, lo6_native_to_ktcp)
{
	.server_ktcp = true,
	.ip = IO_V6,
};

FIXTURE_VARIANT_ADD(interop, veth6_ktcp_to_native)
{
	.client_ktcp = true,
	.veth = true,
	.ip = IO_V6,
};

FIXTURE_VARIANT_ADD(interop, veth6_native_to_ktcp)
{
	.server_ktcp = true,
	.veth = true,
	.ip = IO_V6,
};

FIXTURE_VARIANT_ADD(interop, veth6_ktcp_to_ktcp)
{
	.client_ktcp = true,
	.server_ktcp = true,
	.veth = true,
	.ip = IO_V6,
};

FIXTURE_VARIANT_ADD(interop, ll_ktcp_to_native)
{
	.client_ktcp = true,
	.veth = true,
	.ip = IO_LL,
};

FIXTURE_VARIANT_ADD(interop, ll_native_to_ktcp)
{
	.server_ktcp = true,
	.veth = true,
	.ip = IO_LL,
};

FIXTURE_VARIANT_ADD(interop, lldev_ktcp_to_native)
{
	.client_ktcp = true,
	.veth = true,
	.ip = IO_LLDEV,
};

FIXTURE_VARIANT_ADD(interop, lldev_native_to_ktcp)
{
	.server_ktcp = true,
	.veth = true,
	.ip = IO_LLDEV,
};

/* The addresses for @ip, over the veth pair or (not @veth) loopback. */
static struct io_ends io_ends_of(enum io_ip ip, bool veth)
{
	static const char *const va[3] = { KTCP_VETH_IP_A, KTCP_VETH_IP6_A,
					   KTCP_VETH_LL_A };
	static const char *const vb[3] = { KTCP_VETH_IP_B, KTCP_VETH_IP6_B,
					   KTCP_VETH_LL_B };
	struct io_ends e = { .v6 = ip != IO_V4 };
	int i = ip > IO_LL ? IO_LL : ip;

	e.cli_ip = veth ? va[i] : ktcp_loopback(e.v6);
	e.srv_ip = veth ? vb[i] : ktcp_loopback(e.v6);
	if (ip >= IO_LL) {
		e.cli_dev = KTCP_VETH_A;
		e.srv_dev = KTCP_VETH_B;
		e.bind_dev = ip == IO_LLDEV;
	}
	return e;
}

FIXTURE_SETUP(interop)
{
	pair_init(&self->p);
	self->e = io_ends_of(variant->ip, variant->veth);
	ktcp_test_netns_ip(_metadata, variant->veth, self->e.v6, 5000,
			   &self->ns_cli, &self->ns_srv);
}

FIXTURE_TEARDOWN(interop)
{
	pair_abort(&self->p);
	close(self->ns_cli);
	close(self->ns_srv);
}

static int side_family(bool is_ktcp, bool v6)
{
	return is_ktcp ? ktcp_family_ip(v6) : native_family_ip(v6);
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

/* @ip, with "%@dev" (its scope id) when @dev is set, into @buf. */
static const char *io_ip_dev(char *buf, size_t len, const char *ip,
			     const char *dev)
{
	snprintf(buf, len, "%s%s%s", ip, dev ? "%" : "", dev ? dev : "");
	return buf;
}

/*
 * Listener in netns @ns_srv on @e->srv_ip, connection to it from netns
 * @ns_cli; link-local ones name their link by the scope id or, with
 * @e->bind_dev, by SO_BINDTODEVICE on both ends. The calling thread ends
 * in @ns_cli.
 */
static void __open_pair(struct __test_metadata *_metadata, int ns_cli,
			int ns_srv, const struct io_ends *e, bool client_ktcp,
			bool server_ktcp, struct conn_pair *p)
{
	const char *sdev = e->bind_dev ? NULL : e->srv_dev;
	const char *cdev = e->bind_dev ? NULL : e->cli_dev;
	char ip[64];

	ktcp_setns(_metadata, ns_srv);
	p->lfd = ktcp_listener_dev(_metadata, side_family(server_ktcp, e->v6),
				   io_ip_dev(ip, sizeof(ip), e->srv_ip, sdev),
				   e->bind_dev ? e->srv_dev : NULL, 0, 8,
				   &p->port);
	ktcp_setns(_metadata, ns_cli);
	p->c = ktcp_connect_dev(_metadata, side_family(client_ktcp, e->v6),
				io_ip_dev(ip, sizeof(ip), e->srv_ip, cdev),
				e->bind_dev ? e->cli_dev : NULL, p->port);
	p->s = ktcp_accept(_metadata, p->lfd);
	p->cport = ktcp_local_port(p->c);
	ASSERT_LT(0, p->cport);
	ASSERT_EQ(p->cport, ktcp_peer_port(p->s))
		TH_LOG("server accepted a connection from the wrong port");
}

#define open_pair(_metadata, self, variant, p) \
	__open_pair(_metadata, (self)->ns_cli, (self)->ns_srv, &(self)->e, \
		    (variant)->client_ktcp, (variant)->server_ktcp, p)

/* A sockaddr for the log: [address%scope]:port or address:port. */
static const char *io_name(const struct sockaddr_storage *ss, char *buf,
			   size_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s%%%u]:%u", a, s6->sin6_scope_id,
			 ntohs(s6->sin6_port));
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u (family %d)", a, ntohs(s4->sin_port),
			 ss->ss_family);
	}
	return buf;
}

/*
 * getsockname (or, @peer, getpeername) of @fd, in the calling thread's
 * netns, is @ip, its scope id the index of @dev there (if set), @port.
 */
static void io_expect_name(struct __test_metadata *_metadata, int fd,
			   bool peer, const char *ip, const char *dev,
			   int port, const char *who)
{
	struct sockaddr_storage want, got;
	socklen_t wlen, glen = sizeof(got);
	char buf[64], w[96], g[96];
	int ret;

	wlen = ktcp_sockaddr(&want, io_ip_dev(buf, sizeof(buf), ip, dev),
			     port);
	ASSERT_LT(0, wlen) TH_LOG("%s: no address %s", who, buf);
	memset(&got, 0, sizeof(got));
	ret = peer ? getpeername(fd, (struct sockaddr *)&got, &glen) :
		     getsockname(fd, (struct sockaddr *)&got, &glen);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s: %s", who,
				 peer ? "getpeername" : "getsockname",
				 strerror(errno));
	EXPECT_EQ(wlen, glen) TH_LOG("%s: name of %u bytes, want %u", who,
				     glen, wlen);
	EXPECT_EQ(0, memcmp(&want, &got, wlen))
		TH_LOG("%s: %s is %s, want %s", who,
		       peer ? "getpeername" : "getsockname",
		       io_name(&got, g, sizeof(g)), io_name(&want, w, sizeof(w)));
}

/* Both ends' names: addresses, ports, scope ids in each end's netns. */
static void io_check_names(struct __test_metadata *_metadata, int ns_cli,
			   int ns_srv, const struct io_ends *e,
			   const struct conn_pair *p)
{
	ktcp_setns(_metadata, ns_srv);
	io_expect_name(_metadata, p->s, false, e->srv_ip, e->srv_dev, p->port,
		       "server");
	io_expect_name(_metadata, p->s, true, e->cli_ip, e->srv_dev, p->cport,
		       "server's peer");
	ktcp_setns(_metadata, ns_cli);
	io_expect_name(_metadata, p->c, false, e->cli_ip, e->cli_dev, p->cport,
		       "client");
	io_expect_name(_metadata, p->c, true, e->srv_ip, e->cli_dev, p->port,
		       "client's peer");
}

TEST_F_TIMEOUT(interop, bulk_both_ways, 600)
{
	long long active0, passive0, active1, passive1;
	struct conn_pair *p = &self->p;
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

	open_pair(_metadata, self, variant, p);
	io_check_names(_metadata, self->ns_cli, self->ns_srv, &self->e, p);

	/* each socket is listed in its own table, ESTABLISHED */
	EXPECT_EQ(KT_ESTABLISHED,
		  ktcp_wait_state_table(side_native_table(variant->client_ktcp),
					p->cport, p->port, KT_ESTABLISHED,
					ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("client not ESTABLISHED in %s",
		       ktcp_proc_path(side_native_table(variant->client_ktcp)));
	ktcp_setns(_metadata, self->ns_srv);
	EXPECT_EQ(KT_ESTABLISHED,
		  ktcp_wait_state_table(side_native_table(variant->server_ktcp),
					p->port, p->cport, KT_ESTABLISHED,
					ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("server not ESTABLISHED in %s",
		       ktcp_proc_path(side_native_table(variant->server_ktcp)));
	ktcp_setns(_metadata, self->ns_cli);

	cx.fd = p->c;
	sx.fd = p->s;
	ASSERT_EQ(0, pthread_create(&th, NULL, ktcp_xfer_thread, &sx));
	ktcp_xfer_run(&cx);
	pthread_join(th, NULL);

	ASSERT_EQ(0, cx.err) {
		TH_LOG("client %s: %s (sent %llu, got %llu)", cx.err_what,
		       strerror(-cx.err), (unsigned long long)cx.tx.off,
		       (unsigned long long)cx.rx.off);
		ktcp_dump_rows(_metadata, p->port);
	}
	ASSERT_EQ(0, sx.err) {
		TH_LOG("server %s: %s (sent %llu, got %llu)", sx.err_what,
		       strerror(-sx.err), (unsigned long long)sx.tx.off,
		       (unsigned long long)sx.rx.off);
		ktcp_setns(_metadata, self->ns_srv);
		ktcp_dump_rows(_metadata, p->port);
	}

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

	ASSERT_EQ(0, close(p->c));
	ASSERT_EQ(0, close(p->s));
	ASSERT_EQ(0, close(p->lfd));
	pair_init(p);
}

/* FIN handshake across stacks: the active closer ends in TIME_WAIT. */
TEST_F_TIMEOUT(interop, graceful_close, 300)
{
	bool cli_tab = side_native_table(variant->client_ktcp);
	bool srv_tab = side_native_table(variant->server_ktcp);
	char msg[1024], got[sizeof(msg) + 1];
	struct conn_pair *p = &self->p;
	ssize_t n;
	int st;

	ktcp_setns(_metadata, self->ns_cli);
	open_pair(_metadata, self, variant, p);

	memset(msg, 'g', sizeof(msg));
	n = ktcp_send_all(p->c, msg, sizeof(msg), ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ((ssize_t)sizeof(msg), n);
	ASSERT_EQ(0, close(p->c));
	p->c = -1;

	/* all data, then EOF */
	n = ktcp_recv_all(p->s, got, sizeof(got), ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ((ssize_t)sizeof(msg), n)
		TH_LOG("server read %zd bytes before EOF, want %zu", n,
		       sizeof(msg));
	ASSERT_EQ(0, memcmp(msg, got, sizeof(msg)));

	ktcp_setns(_metadata, self->ns_srv);
	st = ktcp_wait_state_table(srv_tab, p->port, p->cport, KT_CLOSE_WAIT,
				   ktcp_ms(KTCP_STATE_WAIT_MS));
	EXPECT_EQ(KT_CLOSE_WAIT, st)
		TH_LOG("server %s in %s", ktcp_state_name(st),
		       ktcp_proc_path(srv_tab));
	ASSERT_EQ(0, close(p->s));
	p->s = -1;
	st = ktcp_wait_state_table(srv_tab, p->port, p->cport, -1,
				   ktcp_ms(KTCP_STATE_WAIT_MS));
	EXPECT_EQ(-1, st)
		TH_LOG("server still %s in %s", ktcp_state_name(st),
		       ktcp_proc_path(srv_tab));

	ktcp_setns(_metadata, self->ns_cli);
	st = ktcp_wait_state_table(cli_tab, p->cport, p->port, KT_TIME_WAIT,
				   ktcp_ms(KTCP_STATE_WAIT_MS));
	EXPECT_EQ(KT_TIME_WAIT, st)
		TH_LOG("client %s in %s, want TIME_WAIT", ktcp_state_name(st),
		       ktcp_proc_path(cli_tab));
	ASSERT_EQ(0, close(p->lfd));
	p->lfd = -1;
}

/*
 * Loss over the veth: while the sender has data to send, the receiver's
 * veth changes its MAC address, so every frame the sender's (cached) ARP
 * entry addresses is dropped at the receiver: the sender's transmissions
 * succeed locally and vanish on the wire. Once the address is back,
 * retransmissions must deliver all of it, intact. v6_ktcp_to_native: ktcp
 * retransmitting over IPv6 (global addresses; the neighbour entry is
 * cached as the ARP one is).
 */
#define LOSSY_BYTES	(1 << 20)
#define LOSSY_DOWN_MS	1500

FIXTURE(lossy)
{
	int ns_cli, ns_srv;
	struct conn_pair p;
};

FIXTURE_VARIANT(lossy)
{
	bool client_ktcp;
	bool server_ktcp;
	bool v6;
};

FIXTURE_VARIANT_ADD(lossy, ktcp_to_native)
{
	.client_ktcp = true,
};

FIXTURE_VARIANT_ADD(lossy, native_to_ktcp)
{
	.server_ktcp = true,
};

FIXTURE_VARIANT_ADD(lossy, ktcp_to_ktcp)
{
	.client_ktcp = true,
	.server_ktcp = true,
};

FIXTURE_VARIANT_ADD(lossy, v6_ktcp_to_native)
{
	.client_ktcp = true,
	.v6 = true,
};

FIXTURE_SETUP(lossy)
{
	pair_init(&self->p);
	ktcp_test_netns_ip(_metadata, true, variant->v6, 5000, &self->ns_cli,
			   &self->ns_srv);
}

FIXTURE_TEARDOWN(lossy)
{
	pair_abort(&self->p);
	close(self->ns_cli);
	close(self->ns_srv);
}

/* RetransSegs of the stack the sender (client) runs on, in its netns. */
static long long sender_retrans(struct __test_metadata *_metadata,
				bool client_ktcp)
{
	long long v = -1;
	int ret;

	if (client_ktcp)
		return ktcp_snmp(_metadata, "RetransSegs");
	ret = native_snmp_read("RetransSegs", &v);
	ASSERT_EQ(0, ret) TH_LOG("native RetransSegs: %s", strerror(-ret));
	return v;
}

TEST_F_TIMEOUT(lossy, receiver_blackout, 600)
{
	struct ktcp_xfer cx = {
		.send_len = LOSSY_BYTES,
		.send_seed = 0x1055,
		.shut_wr = true,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct ktcp_xfer sx = {
		.send_len = 0,
		.shut_wr = true,	/* the server has nothing to say */
		.recv_seed = 0x1055,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	unsigned char mac[6], other[6];
	long long retrans0, retrans1;
	struct io_ends e = io_ends_of(variant->v6 ? IO_V6 : IO_V4, true);
	struct conn_pair *p = &self->p;
	pthread_t tc, ts;
	int ret;

	__open_pair(_metadata, self->ns_cli, self->ns_srv, &e,
		    variant->client_ktcp, variant->server_ktcp, p);
	retrans0 = sender_retrans(_metadata, variant->client_ktcp);

	/* the receiver stops answering to its (cached) MAC address ... */
	ktcp_setns(_metadata, self->ns_srv);
	ret = ktcp_if_hwaddr(KTCP_VETH_B, mac, false);
	ASSERT_EQ(0, ret) TH_LOG("MAC of " KTCP_VETH_B ": %s", strerror(-ret));
	memcpy(other, mac, sizeof(mac));
	other[5] ^= 0x55;
	ret = ktcp_if_hwaddr(KTCP_VETH_B, other, true);
	ASSERT_EQ(0, ret) TH_LOG("set MAC of " KTCP_VETH_B ": %s",
				 strerror(-ret));
	ktcp_setns(_metadata, self->ns_cli);

	/*
	 * ... while the client sends. The server stays silent meanwhile: a
	 * frame from it would need ARP, and its ARP request would teach the
	 * client the new address.
	 */
	cx.fd = p->c;
	sx.fd = p->s;
	ASSERT_EQ(0, pthread_create(&tc, NULL, ktcp_xfer_thread, &cx));
	ktcp_sleep_ms(LOSSY_DOWN_MS);
	EXPECT_EQ(0ULL, (unsigned long long)__atomic_load_n(&sx.rx.off,
							    __ATOMIC_RELAXED))
		TH_LOG("data arrived while the receiver dropped everything");

	ktcp_setns(_metadata, self->ns_srv);
	ret = ktcp_if_hwaddr(KTCP_VETH_B, mac, true);
	ASSERT_EQ(0, ret) TH_LOG("restore MAC of " KTCP_VETH_B ": %s",
				 strerror(-ret));
	ktcp_setns(_metadata, self->ns_cli);
	ASSERT_EQ(0, pthread_create(&ts, NULL, ktcp_xfer_thread, &sx));

	pthread_join(tc, NULL);
	pthread_join(ts, NULL);
	ASSERT_EQ(0, cx.err) {
		TH_LOG("client %s: %s (sent %llu)", cx.err_what,
		       strerror(-cx.err), (unsigned long long)cx.tx.off);
		ktcp_dump_rows(_metadata, p->port);
	}
	ASSERT_EQ(0, sx.err) {
		TH_LOG("server %s: %s (got %llu)", sx.err_what,
		       strerror(-sx.err), (unsigned long long)sx.rx.off);
		ktcp_setns(_metadata, self->ns_srv);
		ktcp_dump_rows(_metadata, p->port);
	}
	EXPECT_EQ(LOSSY_BYTES, (long long)sx.rx.off);
	EXPECT_EQ(-1, sx.rx.bad_off)
		TH_LOG("first wrong byte at %lld", (long long)sx.rx.bad_off);
	EXPECT_EQ(cx.tx.sum, sx.rx.sum);
	EXPECT_TRUE(sx.eof);
	EXPECT_TRUE(cx.eof);

	retrans1 = sender_retrans(_metadata, variant->client_ktcp);
	EXPECT_LT(retrans0, retrans1)
		TH_LOG("RetransSegs did not grow on the sender (%s)",
		       variant->client_ktcp ? "ktcp" : "native");
	ASSERT_EQ(0, close(p->c));
	ASSERT_EQ(0, close(p->s));
	ASSERT_EQ(0, close(p->lfd));
	pair_init(p);
}

TEST_HARNESS_MAIN
