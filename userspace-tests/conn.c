// SPDX-License-Identifier: GPL-2.0
/*
 * Connection setup: many sequential and many concurrent connections,
 * ECONNREFUSED, and the listen backlog. Every test runs in a fresh netns
 * so /proc/net/ktcp and the counters hold only its own sockets. The ipv6
 * and v6_ variants: the same over ::1 with the IPv6 family (AF_KTCP6;
 * AF_INET6 in native mode), listed in /proc/net/ktcp6.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define SEQ_CONNS	1000
#define CONC_CONNS	100
#define CONC_BYTES	1024

FIXTURE(conn)
{
	int lfd;
	uint16_t port;
	int tw_ms;
	struct sockaddr_storage sa;	/* the listener's */
	socklen_t salen;
};

FIXTURE_VARIANT(conn)
{
	bool v6;
};

FIXTURE_VARIANT_ADD(conn, ipv4) { .v6 = false };
FIXTURE_VARIANT_ADD(conn, ipv6) { .v6 = true };

FIXTURE_SETUP(conn)
{
	const char *ip = ktcp_loopback(variant->v6);

	ktcp_new_netns(_metadata);
	/* short TIME_WAIT so a thousand of them do not pile up */
	self->tw_ms = ktcp_set_tw_timeout(_metadata, 1000);
	self->lfd = ktcp_listener(_metadata, ktcp_family_ip(variant->v6), ip,
				  0, SOMAXCONN, &self->port);
	self->salen = ktcp_sockaddr(&self->sa, ip, self->port);
	ktcp_assert_proc(_metadata);
}

FIXTURE_TEARDOWN(conn)
{
	close(self->lfd);
}

/*
 * After every connection is closed: only the listener remains, TIME_WAIT
 * rows expire, no connection is counted as established.
 */
static void conn_all_gone(struct __test_metadata *_metadata, int port,
			  int tw_ms)
{
	int wait = tw_ms + ktcp_ms(KTCP_STATE_WAIT_MS), n;

	n = ktcp_wait_rows(KT_ANY, KT_ANY, port, 0, wait);
	EXPECT_EQ(0, n) TH_LOG("%d client-side rows left after TIME_WAIT", n);
	n = ktcp_wait_rows(KT_ANY, port, KT_ANY, 1, wait);
	EXPECT_EQ(1, n)
		TH_LOG("%d rows with local port %d (want just the listener)",
		       n, port);
	EXPECT_EQ(1, ktcp_proc_scan(KT_LISTEN, port, 0, NULL));
	EXPECT_EQ(0, ktcp_wait_snmp(_metadata, "CurrEstab", 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)));
}

/* The 8-byte @msg from @from to @to, intact, or connection @i fails. */
static void pass_msg(struct __test_metadata *_metadata, int from, int to,
		     const uint32_t msg[2], int i, const char *what)
{
	int idle = ktcp_ms(KTCP_IO_IDLE_MS);
	uint32_t got[2];
	ssize_t n;

	n = ktcp_send_all(from, msg, sizeof(got), idle);
	ASSERT_EQ((ssize_t)sizeof(got), n)
		TH_LOG("connection %d: %s: send: %zd", i, what, n);
	n = ktcp_recv_all(to, got, sizeof(got), idle);
	ASSERT_EQ((ssize_t)sizeof(got), n)
		TH_LOG("connection %d: %s: recv: %zd", i, what, n);
	ASSERT_EQ(0, memcmp(msg, got, sizeof(got)))
		TH_LOG("connection %d: %s corrupted", i, what);
}

TEST_F_TIMEOUT(conn, sequential_1000, 1200)
{
	int idle = ktcp_ms(KTCP_IO_IDLE_MS);
	long long active0, passive0, fails0, resets0;
	int i;

	active0 = ktcp_snmp(_metadata, "ActiveOpens");
	passive0 = ktcp_snmp(_metadata, "PassiveOpens");
	fails0 = ktcp_snmp(_metadata, "AttemptFails");
	resets0 = ktcp_snmp(_metadata, "EstabResets");

	for (i = 0; i < SEQ_CONNS; i++) {
		uint32_t req[2] = { i, 0x6b746370 }, resp[2];
		int c = __ktcp_socket(_metadata, ktcp_family_ip(variant->v6));
		int s, ret;
		ssize_t n;

		ret = ktcp_connect_sa(c, &self->sa, self->salen, idle);
		ASSERT_EQ(0, ret)
			TH_LOG("connection %d: connect: %s", i, strerror(-ret));
		s = ktcp_accept_fd(self->lfd, idle);
		ASSERT_LE(0, s)
			TH_LOG("connection %d: accept: %s", i, strerror(-s));
		ASSERT_EQ(ktcp_local_port(c), ktcp_peer_port(s))
			TH_LOG("connection %d: accepted the wrong peer", i);

		pass_msg(_metadata, c, s, req, i, "request");
		resp[0] = ~req[0];
		resp[1] = ~req[1];
		pass_msg(_metadata, s, c, resp, i, "response");

		ASSERT_EQ(0, close(c));
		n = ktcp_wait_eof(s, idle);
		ASSERT_EQ(0, n)
			TH_LOG("connection %d: server did not see EOF: %zd",
			       i, n);
		ASSERT_EQ(0, close(s));
	}

	EXPECT_EQ(active0 + SEQ_CONNS, ktcp_snmp(_metadata, "ActiveOpens"));
	EXPECT_EQ(passive0 + SEQ_CONNS, ktcp_snmp(_metadata, "PassiveOpens"));
	EXPECT_EQ(fails0, ktcp_snmp(_metadata, "AttemptFails"));
	EXPECT_EQ(resets0, ktcp_snmp(_metadata, "EstabResets"));
	conn_all_gone(_metadata, self->port, self->tw_ms);
}

TEST_F_TIMEOUT(conn, concurrent_100, 600)
{
	int idle = ktcp_ms(KTCP_IO_IDLE_MS);
	int c[CONC_CONNS], s[CONC_CONNS], cport[CONC_CONNS];
	long long active0, passive0, fails0, resets0, estab0, end;
	bool done[CONC_CONNS] = { false }, paired[CONC_CONNS] = { false };
	uint8_t buf[CONC_BYTES], want[CONC_BYTES];
	int i, j, left, n;

	active0 = ktcp_snmp(_metadata, "ActiveOpens");
	passive0 = ktcp_snmp(_metadata, "PassiveOpens");
	fails0 = ktcp_snmp(_metadata, "AttemptFails");
	resets0 = ktcp_snmp(_metadata, "EstabResets");
	estab0 = ktcp_snmp(_metadata, "CurrEstab");

	/* open them all at once: non-blocking connects */
	for (i = 0; i < CONC_CONNS; i++) {
		c[i] = __ktcp_socket(_metadata, ktcp_family_ip(variant->v6));
		ASSERT_EQ(0, ktcp_set_nonblock(c[i], true));
		n = connect(c[i], (struct sockaddr *)&self->sa, self->salen);
		ASSERT_TRUE(n == 0 || errno == EINPROGRESS)
			TH_LOG("client %d: connect: %s", i, strerror(errno));
	}
	end = ktcp_now_ms() + idle;
	for (left = CONC_CONNS; left; ) {
		struct pollfd pfd[CONC_CONNS];
		int idx[CONC_CONNS], np = 0;

		for (i = 0; i < CONC_CONNS; i++) {
			if (done[i])
				continue;
			pfd[np].fd = c[i];
			pfd[np].events = POLLOUT;
			idx[np++] = i;
		}
		n = (int)(end - ktcp_now_ms());
		n = poll(pfd, np, n > 0 ? n : 0);
		ASSERT_LT(0, n) TH_LOG("%d connects still pending", left);
		for (j = 0; j < np; j++) {
			int err = -1;
			socklen_t len = sizeof(err);

			if (!pfd[j].revents)
				continue;
			i = idx[j];
			ASSERT_EQ(0, getsockopt(c[i], SOL_SOCKET, SO_ERROR,
						&err, &len));
			ASSERT_EQ(0, err)
				TH_LOG("client %d: connect: %s", i,
				       strerror(err));
			done[i] = true;
			left--;
		}
	}
	for (i = 0; i < CONC_CONNS; i++) {
		cport[i] = ktcp_local_port(c[i]);
		ASSERT_LT(0, cport[i]);
	}

	/* accept them all and pair server ends with clients by port */
	for (j = 0; j < CONC_CONNS; j++) {
		int fd = ktcp_accept_fd(self->lfd, idle), pp;

		ASSERT_LE(0, fd) TH_LOG("accept #%d: %s", j, strerror(-fd));
		pp = ktcp_peer_port(fd);
		for (i = 0; i < CONC_CONNS; i++)
			if (cport[i] == pp)
				break;
		ASSERT_LT(i, CONC_CONNS)
			TH_LOG("accepted a peer (port %d) nobody connected from",
			       pp);
		ASSERT_FALSE(paired[i]) TH_LOG("client %d accepted twice", i);
		paired[i] = true;
		s[i] = fd;
	}

	/* all open at once: 200 established ends in this netns */
	EXPECT_EQ(estab0 + 2 * CONC_CONNS,
		  ktcp_wait_snmp(_metadata, "CurrEstab", estab0 + 2 * CONC_CONNS,
				 ktcp_ms(KTCP_STATE_WAIT_MS)));
	EXPECT_EQ(CONC_CONNS, ktcp_proc_scan(KT_ESTABLISHED, self->port,
					     KT_ANY, NULL));
	EXPECT_EQ(CONC_CONNS, ktcp_proc_scan(KT_ESTABLISHED, KT_ANY,
					     self->port, NULL));

	/* data on each: every client sends its own stream ... */
	for (i = 0; i < CONC_CONNS; i++) {
		struct ktcp_stream st;
		ssize_t r;

		ktcp_stream_init(&st, 1000 + i);
		ktcp_stream_gen(&st, buf, sizeof(buf));
		r = ktcp_send_all(c[i], buf, sizeof(buf), idle);
		ASSERT_EQ((ssize_t)sizeof(buf), r) TH_LOG("client %d send: %zd", i, r);
	}
	/* ... each server end checks it and echoes it ... */
	for (i = 0; i < CONC_CONNS; i++) {
		struct ktcp_stream st;
		ssize_t r = ktcp_recv_all(s[i], buf, sizeof(buf), idle);

		ASSERT_EQ((ssize_t)sizeof(buf), r) TH_LOG("server %d recv: %zd", i, r);
		ktcp_stream_init(&st, 1000 + i);
		ktcp_stream_check(&st, buf, sizeof(buf));
		ASSERT_EQ(-1, st.bad_off)
			TH_LOG("connection %d: byte %lld wrong (crossed "
			       "connections?)", i, (long long)st.bad_off);
		r = ktcp_send_all(s[i], buf, sizeof(buf), idle);
		ASSERT_EQ((ssize_t)sizeof(buf), r) TH_LOG("server %d send: %zd", i, r);
	}
	/* ... and each client gets its own bytes back */
	for (i = 0; i < CONC_CONNS; i++) {
		struct ktcp_stream st;
		ssize_t r;

		ktcp_stream_init(&st, 1000 + i);
		ktcp_stream_gen(&st, want, sizeof(want));
		r = ktcp_recv_all(c[i], buf, sizeof(buf), idle);
		ASSERT_EQ((ssize_t)sizeof(buf), r) TH_LOG("client %d recv: %zd", i, r);
		ASSERT_EQ(0, memcmp(want, buf, sizeof(buf)))
			TH_LOG("client %d got someone else's echo", i);
	}

	/* close: clients first, servers after EOF */
	for (i = 0; i < CONC_CONNS; i++)
		ASSERT_EQ(0, close(c[i]));
	for (i = 0; i < CONC_CONNS; i++) {
		ssize_t r = ktcp_wait_eof(s[i], idle);

		ASSERT_EQ(0, r) TH_LOG("server %d: no EOF: %zd", i, r);
		ASSERT_EQ(0, close(s[i]));
	}

	EXPECT_EQ(active0 + CONC_CONNS, ktcp_snmp(_metadata, "ActiveOpens"));
	EXPECT_EQ(passive0 + CONC_CONNS,
		  ktcp_snmp(_metadata, "PassiveOpens"));
	EXPECT_EQ(fails0, ktcp_snmp(_metadata, "AttemptFails"));
	EXPECT_EQ(resets0, ktcp_snmp(_metadata, "EstabResets"));
	conn_all_gone(_metadata, self->port, self->tw_ms);
}

/* ECONNREFUSED from a port without a listener. */
FIXTURE(refused)
{
	int holder;
	uint16_t port;
};

FIXTURE_VARIANT(refused)
{
	bool nonblock;
	bool bound;	/* a socket holds the port, but does not listen */
	bool v6;
};

FIXTURE_VARIANT_ADD(refused, blocking)
{
	.nonblock = false,
};

FIXTURE_VARIANT_ADD(refused, nonblocking)
{
	.nonblock = true,
};

FIXTURE_VARIANT_ADD(refused, blocking_bound)
{
	.nonblock = false,
	.bound = true,
};

FIXTURE_VARIANT_ADD(refused, nonblocking_bound)
{
	.nonblock = true,
	.bound = true,
};

FIXTURE_VARIANT_ADD(refused, v6_nonblocking)
{
	.nonblock = true,
	.v6 = true,
};

FIXTURE_VARIANT_ADD(refused, v6_blocking_bound)
{
	.nonblock = false,
	.bound = true,
	.v6 = true,
};

FIXTURE_SETUP(refused)
{
	struct sockaddr_storage sa;
	socklen_t len = ktcp_sockaddr(&sa, ktcp_loopback(variant->v6), 0);
	int p;

	ktcp_new_netns(_metadata);
	/* pick a port; this netns is ours alone, so it stays free */
	self->holder = __ktcp_socket(_metadata, ktcp_family_ip(variant->v6));
	ASSERT_EQ(0, bind(self->holder, (struct sockaddr *)&sa, len))
		TH_LOG("bind: %s", strerror(errno));
	p = ktcp_local_port(self->holder);
	ASSERT_LT(0, p);
	self->port = p;
	if (!variant->bound) {
		close(self->holder);
		self->holder = -1;
	}
}

FIXTURE_TEARDOWN(refused)
{
	if (self->holder >= 0)
		close(self->holder);
}

TEST_F_TIMEOUT(refused, connect, 120)
{
	struct sockaddr_storage sa;
	socklen_t salen = ktcp_sockaddr(&sa, ktcp_loopback(variant->v6),
					self->port);
	long long fails0 = ktcp_snmp(_metadata, "AttemptFails");
	int fd = __ktcp_socket(_metadata, ktcp_family_ip(variant->v6));
	socklen_t len = sizeof(int);
	int err = -1, ret;

	if (!variant->nonblock) {
		/* SO_SNDTIMEO bounds a blocking connect() */
		ASSERT_EQ(0, ktcp_set_io_timeouts(fd, ktcp_ms(KTCP_IO_IDLE_MS)));
		ret = connect(fd, (struct sockaddr *)&sa, salen);
		ASSERT_EQ(-1, ret) TH_LOG("connect() to a closed port worked");
		ASSERT_EQ(ECONNREFUSED, errno)
			TH_LOG("blocking connect: %s, want ECONNREFUSED",
			       strerror(errno));
	} else {
		short rev = 0;

		ASSERT_EQ(0, ktcp_set_nonblock(fd, true));
		ret = connect(fd, (struct sockaddr *)&sa, salen);
		ASSERT_EQ(-1, ret) TH_LOG("connect() to a closed port worked");
		ASSERT_TRUE(errno == EINPROGRESS || errno == ECONNREFUSED)
			TH_LOG("non-blocking connect: %s", strerror(errno));
		if (errno == EINPROGRESS) {
			ret = ktcp_poll1(fd, POLLOUT, ktcp_ms(KTCP_IO_IDLE_MS),
					 &rev);
			ASSERT_EQ(1, ret)
				TH_LOG("poll after refused connect: %d", ret);
			EXPECT_TRUE(rev & (POLLERR | POLLHUP))
				TH_LOG("revents 0x%x, want POLLERR/POLLHUP",
				       rev);
			ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
						&len));
			ASSERT_EQ(ECONNREFUSED, err)
				TH_LOG("SO_ERROR %d (%s), want ECONNREFUSED",
				       err, strerror(err));
		}
		/* the error is reported once */
		ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
		EXPECT_EQ(0, err) TH_LOG("SO_ERROR not cleared: %d", err);
	}
	/* the socket is dead: sending fails */
	EXPECT_EQ(-1, send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
	EXPECT_EQ(fails0 + 1, ktcp_snmp(_metadata, "AttemptFails"));
	ASSERT_EQ(0, close(fd));
	/* no half-open leftovers: nothing towards that port is listed */
	EXPECT_EQ(0, ktcp_wait_rows(KT_ANY, KT_ANY, self->port, 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)));
}

/* listen(fd, 2) holds 3 (backlog + 1) completed connections, no more. */
#define BACKLOG		2
#define BL_CLIENTS	6

FIXTURE(backlog)
{
	int lfd;
	uint16_t port;
};

FIXTURE_VARIANT(backlog)
{
	bool v6;
};

FIXTURE_VARIANT_ADD(backlog, ipv4) { .v6 = false };
FIXTURE_VARIANT_ADD(backlog, ipv6) { .v6 = true };

FIXTURE_SETUP(backlog)
{
	ktcp_new_netns(_metadata);
	ktcp_assert_proc(_metadata);
	self->lfd = ktcp_listener(_metadata, ktcp_family_ip(variant->v6),
				  ktcp_loopback(variant->v6), 0, BACKLOG,
				  &self->port);
}

FIXTURE_TEARDOWN(backlog)
{
	close(self->lfd);
}

static long long backlog_drops(struct __test_metadata *_metadata)
{
	return ktcp_snmp(_metadata, "ListenOverflows") +
	       ktcp_snmp(_metadata, "ListenDrops");
}

TEST_F_TIMEOUT(backlog, overflow, 300)
{
	struct sockaddr_storage sa;
	socklen_t salen = ktcp_sockaddr(&sa, ktcp_loopback(variant->v6),
					self->port);
	int c[BL_CLIENTS], s[BL_CLIENTS], cport[BL_CLIENTS];
	int idle = ktcp_ms(KTCP_IO_IDLE_MS);
	long long drops0, passive0, end;
	unsigned int seen = 0;
	struct ktcp_row row;
	int i, j, n;

	drops0 = backlog_drops(_metadata);
	passive0 = ktcp_snmp(_metadata, "PassiveOpens");

	n = ktcp_proc_scan(KT_LISTEN, self->port, KT_ANY, &row);
	ASSERT_EQ(1, n) TH_LOG("no LISTEN row for port %d", self->port);
	/* as /proc/net/tcp: write_seq - snd_una, 0 on a listener */
	EXPECT_EQ(0, row.txq);
	EXPECT_EQ(0, row.rxq);

	for (i = 0; i < BL_CLIENTS; i++) {
		c[i] = __ktcp_socket(_metadata, ktcp_family_ip(variant->v6));
		ASSERT_EQ(0, ktcp_set_nonblock(c[i], true));
		n = connect(c[i], (struct sockaddr *)&sa, salen);
		ASSERT_TRUE(n == 0 || errno == EINPROGRESS)
			TH_LOG("client %d connect: %s", i, strerror(errno));
		cport[i] = ktcp_local_port(c[i]);
		ASSERT_LT(0, cport[i]);
	}

	/* the accept queue fills to backlog + 1 ... */
	end = ktcp_now_ms() + ktcp_ms(KTCP_STATE_WAIT_MS);
	do {
		n = ktcp_proc_scan(KT_LISTEN, self->port, KT_ANY, &row);
		ASSERT_EQ(1, n);
		if (row.rxq >= BACKLOG + 1)
			break;
		ktcp_sleep_ms(50);
	} while (ktcp_now_ms() < end);
	ASSERT_EQ(BACKLOG + 1, row.rxq)
		TH_LOG("accept queue (LISTEN rx_queue) %ld, want %d", row.rxq,
		       BACKLOG + 1);

	/* ... the rest overflow, and are counted ... */
	end = ktcp_now_ms() + ktcp_ms(KTCP_STATE_WAIT_MS);
	while (backlog_drops(_metadata) == drops0 && ktcp_now_ms() < end)
		ktcp_sleep_ms(50);
	EXPECT_LT(drops0, backlog_drops(_metadata))
		TH_LOG("ListenOverflows + ListenDrops did not grow");

	/* ... and SYN retransmissions (1 s, 3 s) do not overfill it */
	ktcp_sleep_ms(4000);
	n = ktcp_proc_scan(KT_LISTEN, self->port, KT_ANY, &row);
	ASSERT_EQ(1, n);
	EXPECT_EQ(BACKLOG + 1, row.rxq)
		TH_LOG("accept queue %ld after 4 s, want %d", row.rxq,
		       BACKLOG + 1);
	EXPECT_EQ(0, row.txq);

	/* accepting makes room: everybody gets in eventually */
	for (j = 0; j < BL_CLIENTS; j++) {
		s[j] = ktcp_accept_fd(self->lfd, idle);
		ASSERT_LE(0, s[j])
			TH_LOG("accept #%d: %s (%d clients never got in)", j,
			       strerror(-s[j]), BL_CLIENTS - j);
	}
	for (i = 0; i < BL_CLIENTS; i++) {
		int err = -1;
		socklen_t len = sizeof(err);
		short rev = 0;
		uint8_t b = i;

		n = ktcp_poll1(c[i], POLLOUT, idle, &rev);
		ASSERT_EQ(1, n) TH_LOG("client %d never connected", i);
		ASSERT_EQ(0, getsockopt(c[i], SOL_SOCKET, SO_ERROR, &err,
					&len));
		ASSERT_EQ(0, err)
			TH_LOG("client %d: %s", i, strerror(err));
		ASSERT_EQ(1, ktcp_send_all(c[i], &b, 1, idle))
			TH_LOG("client %d send", i);
	}
	for (j = 0; j < BL_CLIENTS; j++) {
		int pp = ktcp_peer_port(s[j]);
		uint8_t b = 0xff;

		for (i = 0; i < BL_CLIENTS; i++)
			if (cport[i] == pp)
				break;
		ASSERT_LT(i, BL_CLIENTS)
			TH_LOG("accepted unknown peer port %d", pp);
		ASSERT_EQ(1, ktcp_recv_all(s[j], &b, 1, idle));
		ASSERT_EQ(i, b) TH_LOG("data crossed connections");
		ASSERT_FALSE(!!(seen & (1u << i))) TH_LOG("client %d twice", i);
		seen |= 1u << i;
	}
	EXPECT_EQ((1u << BL_CLIENTS) - 1, seen);
	EXPECT_EQ(passive0 + BL_CLIENTS, ktcp_snmp(_metadata, "PassiveOpens"));
	n = ktcp_proc_scan(KT_LISTEN, self->port, KT_ANY, &row);
	ASSERT_EQ(1, n);
	EXPECT_EQ(0, row.rxq) TH_LOG("accept queue not empty after accepts");

	for (i = 0; i < BL_CLIENTS; i++) {
		close(c[i]);
		close(s[i]);
	}
}

TEST_HARNESS_MAIN
