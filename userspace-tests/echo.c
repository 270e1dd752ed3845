// SPDX-License-Identifier: GPL-2.0
/*
 * Classic echo server and client on the family under test, over
 * 127.0.0.1 in a fresh netns: the client sends N bytes, the server echoes
 * them back, both ends checksum what they saw.
 *
 * Variants: sizes 1 B, 1 MiB, 64 MiB with blocking send()/recv() (the
 * classic way, SO_RCVTIMEO/SO_SNDTIMEO as a safety net), and 1 B, 1 MiB
 * with non-blocking I/O driven by poll(). The v6_ ones: 1 B and 1 MiB
 * blocking, 1 MiB with poll(), over ::1 with the IPv6 family (AF_KTCP6;
 * AF_INET6 in native mode); no 64 MiB one, which would add seconds to
 * make check for no path that 1 MiB and interop's 4 MiB do not take.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define ECHO_CHUNK	(64 * 1024)

struct echo_server {
	/* in */
	int lfd;
	bool nonblock;
	uint64_t seed;		/* stream the client sends */
	int idle_ms;
	/* out */
	struct ktcp_stream rx;	/* what arrived (and was echoed) */
	size_t echoed;
	int err;		/* 0 or -errno */
	const char *what;
};

static int echo_send_blocking(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

static void *echo_server_run(void *arg)
{
	struct echo_server *s = arg;
	uint8_t *buf = malloc(ECHO_CHUNK);
	int fd, ret;

	ktcp_stream_init(&s->rx, s->seed);
	s->echoed = 0;
	s->err = 0;
	s->what = NULL;
	if (!buf) {
		s->err = -ENOMEM;
		s->what = "malloc";
		return NULL;
	}
	fd = ktcp_accept_fd(s->lfd, s->idle_ms);
	if (fd < 0) {
		s->err = fd;
		s->what = "accept";
		goto out;
	}
	if (!s->nonblock) {
		ret = ktcp_set_io_timeouts(fd, s->idle_ms);
		if (ret) {
			s->err = ret;
			s->what = "SO_RCVTIMEO/SO_SNDTIMEO";
			goto out_close;
		}
	}
	for (;;) {
		ssize_t n;

		if (s->nonblock) {
			n = recv(fd, buf, ECHO_CHUNK, MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				ret = ktcp_poll1(fd, POLLIN, s->idle_ms, NULL);
				if (ret <= 0) {
					s->err = ret ? ret : -ETIMEDOUT;
					s->what = "poll for data";
					break;
				}
				continue;
			}
		} else {
			n = recv(fd, buf, ECHO_CHUNK, 0);
			if (n < 0 && errno == EINTR)
				continue;
		}
		if (n < 0) {
			s->err = -errno;
			s->what = "recv";
			break;
		}
		if (n == 0)
			break;	/* EOF: client is done */
		ktcp_stream_check(&s->rx, buf, n);
		if (s->nonblock)
			ret = ktcp_send_all(fd, buf, n, s->idle_ms);
		else
			ret = echo_send_blocking(fd, buf, n);
		if (ret < 0) {
			s->err = ret;
			s->what = "send (echo)";
			break;
		}
		s->echoed += n;
	}
out_close:
	close(fd);
out:
	free(buf);
	return NULL;
}

/* The client's blocking sender thread: N bytes, then shutdown(SHUT_WR). */
struct echo_sender {
	int fd;
	size_t len;
	struct ktcp_stream tx;
	int err;
	const char *what;
};

static void *echo_sender_run(void *arg)
{
	struct echo_sender *s = arg;
	uint8_t *buf = malloc(ECHO_CHUNK);

	s->err = 0;
	s->what = NULL;
	if (!buf) {
		s->err = -ENOMEM;
		s->what = "malloc";
		return NULL;
	}
	while (s->tx.off < s->len) {
		size_t n = s->len - s->tx.off;

		if (n > ECHO_CHUNK)
			n = ECHO_CHUNK;
		ktcp_stream_gen(&s->tx, buf, n);
		s->err = echo_send_blocking(s->fd, buf, n);
		if (s->err) {
			s->what = "send";
			break;
		}
	}
	if (!s->err && shutdown(s->fd, SHUT_WR)) {
		s->err = -errno;
		s->what = "shutdown(SHUT_WR)";
	}
	free(buf);
	return NULL;
}

FIXTURE(echo)
{
	int lfd;
	uint16_t port;
	const char *ip;		/* the loopback address */
};

FIXTURE_VARIANT(echo)
{
	size_t len;
	bool nonblock;
	bool v6;
};

FIXTURE_VARIANT_ADD(echo, byte1)
{
	.len = 1,
};

FIXTURE_VARIANT_ADD(echo, mib1)
{
	.len = 1 << 20,
};

FIXTURE_VARIANT_ADD(echo, mib64)
{
	.len = 64 << 20,
};

FIXTURE_VARIANT_ADD(echo, poll_byte1)
{
	.len = 1,
	.nonblock = true,
};

FIXTURE_VARIANT_ADD(echo, poll_mib1)
{
	.len = 1 << 20,
	.nonblock = true,
};

FIXTURE_VARIANT_ADD(echo, v6_byte1)
{
	.len = 1,
	.v6 = true,
};

FIXTURE_VARIANT_ADD(echo, v6_mib1)
{
	.len = 1 << 20,
	.v6 = true,
};

FIXTURE_VARIANT_ADD(echo, v6_poll_mib1)
{
	.len = 1 << 20,
	.nonblock = true,
	.v6 = true,
};

FIXTURE_SETUP(echo)
{
	ktcp_new_netns(_metadata);
	/* do not leave a minute-long TIME_WAIT behind (rmmod test) */
	ktcp_set_tw_timeout(_metadata, 2000);
	self->ip = ktcp_loopback(variant->v6);
	self->lfd = ktcp_listener(_metadata, ktcp_family_ip(variant->v6),
				  self->ip, 0, 16, &self->port);
}

FIXTURE_TEARDOWN(echo)
{
	close(self->lfd);
}

TEST_F_TIMEOUT(echo, roundtrip, 900)
{
	uint64_t seed = 0x6563686fULL ^ variant->len;	/* "echo" */
	struct echo_server srv = {
		.lfd = self->lfd,
		.nonblock = variant->nonblock,
		.seed = seed,
		.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	long long active0, passive0, resets0, in0, out0, min_segs;
	uint64_t want_sum = ktcp_stream_sum(seed, variant->len);
	struct ktcp_stream rx, tx;
	struct sockaddr_storage sa;
	socklen_t salen = ktcp_sockaddr(&sa, self->ip, self->port);
	pthread_t srv_thread;
	int fd, cport;

	active0 = ktcp_snmp(_metadata, "ActiveOpens");
	passive0 = ktcp_snmp(_metadata, "PassiveOpens");
	resets0 = ktcp_snmp(_metadata, "EstabResets");
	in0 = ktcp_snmp(_metadata, "InSegs");
	out0 = ktcp_snmp(_metadata, "OutSegs");

	ASSERT_EQ(0, pthread_create(&srv_thread, NULL, echo_server_run, &srv));

	/* client: socket, connect (blocking unless polling), send, recv */
	fd = __ktcp_socket(_metadata, ktcp_family_ip(variant->v6));
	if (variant->nonblock) {
		int ret = ktcp_connect_sa(fd, &sa, salen,
					  ktcp_ms(KTCP_IO_IDLE_MS));

		ASSERT_EQ(0, ret) TH_LOG("connect: %s", strerror(-ret));
	} else {
		ASSERT_EQ(0, ktcp_set_io_timeouts(fd, ktcp_ms(KTCP_IO_IDLE_MS)));
		ASSERT_EQ(0, connect(fd, (struct sockaddr *)&sa, salen))
			TH_LOG("connect(%s port %u): %s", self->ip, self->port,
			       strerror(errno));
	}
	cport = ktcp_local_port(fd);
	ASSERT_LT(0, cport);

	if (variant->nonblock) {
		struct ktcp_xfer x = {
			.fd = fd,
			.send_len = variant->len,
			.send_seed = seed,
			.shut_wr = true,
			.recv_seed = seed,
			.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
		};

		ktcp_xfer_run(&x);
		ASSERT_EQ(0, x.err) {
			TH_LOG("client %s: %s (sent %llu, echoed back %llu)",
			       x.err_what, strerror(-x.err),
			       (unsigned long long)x.tx.off,
			       (unsigned long long)x.rx.off);
			ktcp_dump_rows(_metadata, self->port);
		}
		tx = x.tx;
		rx = x.rx;
	} else {
		struct echo_sender snd = { .fd = fd, .len = variant->len };
		uint8_t *buf = malloc(ECHO_CHUNK);
		pthread_t snd_thread;

		ASSERT_NE(NULL, buf);
		ktcp_stream_init(&snd.tx, seed);
		ktcp_stream_init(&rx, seed);
		ASSERT_EQ(0, pthread_create(&snd_thread, NULL, echo_sender_run,
					    &snd));
		for (;;) {
			ssize_t n = recv(fd, buf, ECHO_CHUNK, 0);

			if (n < 0 && errno == EINTR)
				continue;
			ASSERT_LE(0, n) {
				TH_LOG("client recv after %llu bytes: %s",
				       (unsigned long long)rx.off,
				       strerror(errno));
				ktcp_dump_rows(_metadata, self->port);
			}
			if (n == 0)
				break;
			ktcp_stream_check(&rx, buf, n);
		}
		free(buf);
		pthread_join(snd_thread, NULL);
		ASSERT_EQ(0, snd.err)
			TH_LOG("client %s: %s", snd.what, strerror(-snd.err));
		tx = snd.tx;
	}
	pthread_join(srv_thread, NULL);

	/* server side: everything arrived, intact, and was echoed */
	ASSERT_EQ(0, srv.err) {
		TH_LOG("server %s: %s (received %llu of %zu)", srv.what,
		       strerror(-srv.err), (unsigned long long)srv.rx.off,
		       variant->len);
		ktcp_dump_rows(_metadata, self->port);
	}
	EXPECT_EQ(variant->len, srv.rx.off)
		TH_LOG("server received %llu bytes, client sent %zu",
		       (unsigned long long)srv.rx.off, variant->len);
	EXPECT_EQ(-1, srv.rx.bad_off)
		TH_LOG("server: first corrupt byte at offset %lld",
		       (long long)srv.rx.bad_off);
	EXPECT_EQ(tx.sum, srv.rx.sum)
		TH_LOG("checksum: client sent %016llx, server got %016llx",
		       (unsigned long long)tx.sum,
		       (unsigned long long)srv.rx.sum);
	EXPECT_EQ(variant->len, srv.echoed);

	/* client side: sent it all, got it all back */
	EXPECT_EQ(variant->len, tx.off);
	EXPECT_EQ(want_sum, tx.sum);
	EXPECT_EQ(variant->len, rx.off)
		TH_LOG("client got %llu bytes back of %zu",
		       (unsigned long long)rx.off, variant->len);
	EXPECT_EQ(-1, rx.bad_off)
		TH_LOG("client: first corrupt echoed byte at offset %lld",
		       (long long)rx.bad_off);
	EXPECT_EQ(tx.sum, rx.sum)
		TH_LOG("checksum: client sent %016llx, echo %016llx",
		       (unsigned long long)tx.sum,
		       (unsigned long long)rx.sum);

	ASSERT_EQ(0, close(fd));

	/* the client closed first (SHUT_WR), so it holds the TIME_WAIT */
	ASSERT_STATE(cport, self->port, KT_TIME_WAIT,
		     ktcp_ms(KTCP_STATE_WAIT_MS), "client");
	EXPECT_EQ(0, ktcp_wait_rows(KT_ANY, self->port, cport, 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("server side of the connection still listed");

	/* counters: one connection each way, no resets, segments flowed */
	EXPECT_EQ(active0 + 1, ktcp_snmp(_metadata, "ActiveOpens"));
	EXPECT_EQ(passive0 + 1, ktcp_snmp(_metadata, "PassiveOpens"));
	EXPECT_EQ(resets0, ktcp_snmp(_metadata, "EstabResets"));
	EXPECT_EQ(0, ktcp_wait_snmp(_metadata, "CurrEstab", 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)));
	/* an IP packet carries < 64 KiB, both directions count here */
	min_segs = 2 * (long long)(variant->len / 65536) + 2;
	EXPECT_LE(in0 + min_segs, ktcp_snmp(_metadata, "InSegs"));
	EXPECT_LE(out0 + min_segs, ktcp_snmp(_metadata, "OutSegs"));
}

TEST_HARNESS_MAIN
