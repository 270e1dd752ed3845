// SPDX-License-Identifier: GPL-2.0
/*
 * Buffer autotuning, against native TCP in the same namespace: a socket
 * starts with net.ipv4.tcp_wmem[1] / tcp_rmem[1] as SO_SNDBUF / SO_RCVBUF,
 * a bulk transfer grows both (never past tcp_wmem[2] / tcp_rmem[2]), and a
 * size the program set stays as set (doubled, as SO_*BUF always is).
 *
 * Each test runs for the family under test and for native TCP, in a fresh
 * netns over 127.0.0.1, with a 32 MiB transfer from client to server.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define BUF_XFER_BYTES	(32 << 20)
#define BUF_LOCKED	65536

FIXTURE(buffers)
{
	long wmem[3], rmem[3];
};

FIXTURE_VARIANT(buffers)
{
	bool native;	/* AF_INET as the reference, else the family under test */
};

FIXTURE_VARIANT_ADD(buffers, ktcp) { .native = false };
FIXTURE_VARIANT_ADD(buffers, native) { .native = true };

static void read_triple(struct __test_metadata *_metadata, const char *path,
			long v[3])
{
	FILE *f = fopen(path, "r");

	ASSERT_NE(NULL, f) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(3, fscanf(f, "%ld %ld %ld", &v[0], &v[1], &v[2]))
		TH_LOG("%s: not three numbers", path);
	fclose(f);
}

static int sockopt_int(struct __test_metadata *_metadata, int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		TH_LOG("getsockopt(%d): %s", opt, strerror(errno));
	return v;
}

static int buffers_family(const FIXTURE_VARIANT(buffers) *variant)
{
	return variant->native ? AF_INET : ktcp_family();
}

FIXTURE_SETUP(buffers)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 2000);
	read_triple(_metadata, "/proc/sys/net/ipv4/tcp_wmem", self->wmem);
	read_triple(_metadata, "/proc/sys/net/ipv4/tcp_rmem", self->rmem);
}

FIXTURE_TEARDOWN(buffers)
{
}

/*
 * Move BUF_XFER_BYTES client -> server; @lock_bytes > 0 sets SO_RCVBUF on
 * the listener (its children inherit it) and SO_SNDBUF on the client first.
 * *@sndbuf, *@rcvbuf: the client's SO_SNDBUF and the server's SO_RCVBUF at
 * the end, before close.
 */
static void buffers_transfer(struct __test_metadata *_metadata, int family,
			     int lock_bytes, int *sndbuf, int *rcvbuf)
{
	struct ktcp_xfer cx = {
		.send_len = BUF_XFER_BYTES, .send_seed = 0x627566, .shut_wr = true,
		.recv_seed = 1, .idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct ktcp_xfer sx = {
		.send_len = 0, .send_seed = 1, .shut_wr = true,
		.recv_seed = 0x627566, .idle_ms = ktcp_ms(KTCP_IO_IDLE_MS),
	};
	struct sockaddr_in sa;
	uint16_t port;
	pthread_t t;
	int lfd, cfd, sfd, ret;

	lfd = ktcp_listener(_metadata, family, "127.0.0.1", 0, 4, &port);
	cfd = __ktcp_socket(_metadata, family);
	if (lock_bytes) {
		ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &lock_bytes,
					sizeof(lock_bytes)));
		ASSERT_EQ(0, setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &lock_bytes,
					sizeof(lock_bytes)));
	}
	sa = ktcp_sin("127.0.0.1", port);
	ret = ktcp_connect_fd(cfd, &sa, ktcp_ms(KTCP_IO_IDLE_MS));
	ASSERT_EQ(0, ret) TH_LOG("connect: %s", strerror(-ret));
	sfd = ktcp_accept(_metadata, lfd);
	cx.fd = cfd;
	sx.fd = sfd;
	ASSERT_EQ(0, pthread_create(&t, NULL, ktcp_xfer_thread, &cx));
	ktcp_xfer_run(&sx);
	pthread_join(t, NULL);
	ASSERT_EQ(0, cx.err) TH_LOG("client %s: %s", cx.err_what,
				    strerror(-cx.err));
	ASSERT_EQ(0, sx.err) TH_LOG("server %s: %s", sx.err_what,
				    strerror(-sx.err));
	ASSERT_EQ(-1, sx.rx.bad_off);
	ASSERT_EQ(BUF_XFER_BYTES, sx.rx.off);
	ASSERT_EQ(ktcp_stream_sum(0x627566, BUF_XFER_BYTES), sx.rx.sum);
	*sndbuf = sockopt_int(_metadata, cfd, SO_SNDBUF);
	*rcvbuf = sockopt_int(_metadata, sfd, SO_RCVBUF);
	close(sfd);
	close(cfd);
	close(lfd);
}

/* A new socket starts where a native one does (tcp_init_sock()). */
TEST_F(buffers, start_values)
{
	int fd = __ktcp_socket(_metadata, buffers_family(variant));

	EXPECT_EQ(self->wmem[1], sockopt_int(_metadata, fd, SO_SNDBUF));
	EXPECT_EQ(self->rmem[1], sockopt_int(_metadata, fd, SO_RCVBUF));
	close(fd);
}

/* Bulk data grows both ends' buffers, within tcp_[wr]mem[2]. */
TEST_F_TIMEOUT(buffers, bulk_grows, 600)
{
	int sndbuf, rcvbuf;

	buffers_transfer(_metadata, buffers_family(variant), 0, &sndbuf,
			 &rcvbuf);
	TH_LOG("after %d MiB: sender SO_SNDBUF %d (tcp_wmem %ld..%ld), receiver SO_RCVBUF %d (tcp_rmem %ld..%ld)",
	       BUF_XFER_BYTES >> 20, sndbuf, self->wmem[1], self->wmem[2],
	       rcvbuf, self->rmem[1], self->rmem[2]);
	EXPECT_LT(self->wmem[1], sndbuf);
	EXPECT_GE(self->wmem[2], sndbuf);
	EXPECT_LT(self->rmem[1], rcvbuf);
	EXPECT_GE(self->rmem[2], rcvbuf);
}

/* SO_SNDBUF / SO_RCVBUF fix the size: no tuning past it (SOCK_*BUF_LOCK). */
TEST_F_TIMEOUT(buffers, set_size_stays, 600)
{
	int sndbuf, rcvbuf;

	buffers_transfer(_metadata, buffers_family(variant), BUF_LOCKED,
			 &sndbuf, &rcvbuf);
	EXPECT_EQ(2 * BUF_LOCKED, sndbuf);
	EXPECT_EQ(2 * BUF_LOCKED, rcvbuf);
}

TEST_HARNESS_MAIN
