// SPDX-License-Identifier: GPL-2.0
/*
 * sendfile() and splice() to a socket as Linux 6.12's TCP has them: the
 * kernel hands the file's (or the pipe's) pages to sendmsg() with
 * MSG_SPLICE_PAGES and the socket queues the pages themselves, not a copy
 * of them. The bytes arrive whole and in order, from any offset, through a
 * pipe or straight from the file; and since the queue holds the page
 * cache's pages, a byte not yet sent when the file changes leaves with the
 * file's new content, which is how a program can tell that nothing was
 * copied (and why Linux tells sendfile() users not to change a file being
 * sent).
 *
 * Each case runs on four pairs over 127.0.0.1, each in a fresh netns:
 * native at both ends (the reference), ktcp at both ends, and the two
 * mixed pairs. The client sends, so the behaviour under test is the
 * client's stack's.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define SPL_WAIT_MS	10000	/* every wait is bounded by this */
#define SPL_OLD		0x5eed01
#define SPL_NEW		0x5eed02

FIXTURE(splice)
{
	int lfd, cli, srv, memfd;
	uint16_t port;
};

FIXTURE_VARIANT(splice)
{
	bool ktcp_cli;	/* the sender */
	bool ktcp_srv;	/* the receiver */
};

FIXTURE_VARIANT_ADD(splice, native) { .ktcp_cli = false, .ktcp_srv = false };
FIXTURE_VARIANT_ADD(splice, ktcp) { .ktcp_cli = true, .ktcp_srv = true };
FIXTURE_VARIANT_ADD(splice, ktcp_to_native)
{
	.ktcp_cli = true, .ktcp_srv = false
};
FIXTURE_VARIANT_ADD(splice, native_to_ktcp)
{
	.ktcp_cli = false, .ktcp_srv = true
};

static int spl_family(bool ktcp)
{
	return ktcp ? ktcp_family() : AF_INET;
}

FIXTURE_SETUP(splice)
{
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 1000);
	self->cli = self->srv = -1;
	self->memfd = memfd_create("ktcp-splice", 0);
	ASSERT_LE(0, self->memfd);
	self->lfd = ktcp_listener(_metadata, spl_family(variant->ktcp_srv),
				  "127.0.0.1", 0, 8, &self->port);
}

FIXTURE_TEARDOWN(splice)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	close(self->lfd);
	close(self->memfd);
}

static void spl_connect(struct __test_metadata *_metadata,
			FIXTURE_DATA(splice) *self,
			const FIXTURE_VARIANT(splice) *variant)
{
	self->cli = ktcp_connect(_metadata, spl_family(variant->ktcp_cli),
				 "127.0.0.1", self->port);
	self->srv = ktcp_accept(_metadata, self->lfd);
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->cli, SPL_WAIT_MS));
	ASSERT_EQ(0, ktcp_set_io_timeouts(self->srv, SPL_WAIT_MS));
}

/* Write bytes [@off, @off + @len) of stream @seed at offset @off of @fd. */
static void spl_fill(struct __test_metadata *_metadata, int fd, uint64_t seed,
		     off_t off, size_t len)
{
	uint8_t *buf = malloc(len);

	ASSERT_NE(NULL, buf);
	ktcp_pattern(seed, off, buf, len);
	ASSERT_EQ((ssize_t)len, pwrite(fd, buf, len, off));
	free(buf);
}

/* What the sender thread does: sendfile() or splice() through a pipe. */
struct spl_send {
	int fd, file;
	off_t off;
	size_t len;
	bool pipe;
	ssize_t done;	/* bytes sent, or -errno */
};

static ssize_t spl_send_pipe(struct spl_send *s)
{
	int p[2];
	ssize_t n = 0, in, out;
	loff_t off = s->off;

	if (pipe(p))
		return -errno;
	while ((size_t)n < s->len) {
		in = splice(s->file, &off, p[1], NULL, s->len - n, SPLICE_F_MORE);
		if (in <= 0)
			break;
		while (in > 0) {
			out = splice(p[0], NULL, s->fd, NULL, in,
				     SPLICE_F_MORE | SPLICE_F_MOVE);
			if (out <= 0) {
				n = out ? -errno : -EPIPE;
				goto out;
			}
			in -= out;
			n += out;
		}
	}
out:
	close(p[0]);
	close(p[1]);
	return n;
}

static void *spl_send_thread(void *arg)
{
	struct spl_send *s = arg;
	off_t off = s->off;
	ssize_t n;

	if (s->pipe) {
		s->done = spl_send_pipe(s);
	} else {
		s->done = 0;
		while ((size_t)s->done < s->len) {
			n = sendfile(s->fd, s->file, &off, s->len - s->done);
			if (n <= 0) {
				s->done = n ? -errno : -EPIPE;
				break;
			}
			s->done += n;
		}
	}
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

/*
 * Send @len bytes of the file from @off (sendfile(), or splice() through a
 * pipe) while reading them: all arrive, in order, and then EOF.
 */
static void spl_transfer(struct __test_metadata *_metadata,
			 FIXTURE_DATA(splice) *self, off_t off, size_t len,
			 bool via_pipe)
{
	struct spl_send s = { .fd = self->cli, .file = self->memfd,
			      .off = off, .len = len, .pipe = via_pipe };
	struct ktcp_stream rx;
	static uint8_t buf[65536];
	pthread_t th;
	ssize_t n;

	spl_fill(_metadata, self->memfd, SPL_OLD, 0, off + len);
	ktcp_stream_init(&rx, SPL_OLD);
	rx.off = off;	/* the stream is the file: byte i is file byte i */
	ASSERT_EQ(0, pthread_create(&th, NULL, spl_send_thread, &s));
	while ((n = recv(self->srv, buf, sizeof(buf), 0)) > 0)
		ktcp_stream_check(&rx, buf, n);
	pthread_join(th, NULL);
	EXPECT_EQ(0, n) TH_LOG("recv: %s", strerror(errno));
	EXPECT_EQ((ssize_t)len, s.done) TH_LOG("send: %s",
					      strerror((int)-s.done));
	EXPECT_EQ(off + len, rx.off);
	EXPECT_EQ(-1, rx.bad_off);
}

/* sendfile() of 2 MiB and a bit, from an odd offset. */
TEST_F(splice, sendfile_stream)
{
	spl_connect(_metadata, self, variant);
	spl_transfer(_metadata, self, 1001, (2 << 20) + 333, false);
}

/* The same through a pipe: file to pipe, pipe to socket. */
TEST_F(splice, splice_pipe)
{
	spl_connect(_metadata, self, variant);
	spl_transfer(_metadata, self, 4096 + 7, (1 << 20) + 4095, true);
}

/* SIOCOUTQNSD once it has stopped moving (the peer's window is full). */
static int spl_unsent_settled(struct __test_metadata *_metadata, int fd)
{
	long long end = ktcp_now_ms() + ktcp_ms(SPL_WAIT_MS);
	int v = -1, last = -2, same = 0;

	while (same < 3 && ktcp_now_ms() < end) {
		ktcp_sleep_ms(100);
		ASSERT_EQ(0, ioctl(fd, SIOCOUTQNSD, &v));
		same = v == last ? same + 1 : 0;
		last = v;
	}
	EXPECT_EQ(3, same) TH_LOG("SIOCOUTQNSD never settled: %d", v);
	return v;
}

/*
 * The write queue holds the file's pages: with the receiver's window
 * full, the bytes still unsent when the file is rewritten leave with the
 * new content. Earlier bytes may arrive with either (on loopback the
 * receiver's skbs share the sender's pages too, unless it copied them to
 * save memory), but never with anything else.
 */
TEST_F(splice, sendfile_shares_pages)
{
	int rcvbuf = 16384, sndbuf = 65536, unsent;
	size_t len = 1 << 20, got = 0, i;
	uint8_t *buf, *old, *new;
	off_t off = 0;
	ssize_t sent, n;

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	spl_connect(_metadata, self, variant);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	spl_fill(_metadata, self->memfd, SPL_OLD, 0, len);
	ASSERT_EQ(0, ktcp_set_nonblock(self->cli, true));
	sent = sendfile(self->cli, self->memfd, &off, len);
	ASSERT_LT(0, sent) TH_LOG("sendfile: %s", strerror(errno));
	ASSERT_GT((ssize_t)len, sent);	/* the send buffer filled */
	unsent = spl_unsent_settled(_metadata, self->cli);
	ASSERT_LT(0, unsent);
	spl_fill(_metadata, self->memfd, SPL_NEW, 0, len);
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));

	buf = malloc(sent);
	old = malloc(sent);
	new = malloc(sent);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, old);
	ASSERT_NE(NULL, new);
	while ((n = recv(self->srv, buf + got, sent - got, 0)) > 0)
		got += n;
	ASSERT_EQ((size_t)sent, got) TH_LOG("recv: %s", strerror(errno));
	ASSERT_EQ(0, recv(self->srv, &n, 1, 0));	/* EOF */
	ktcp_pattern(SPL_OLD, 0, old, sent);
	ktcp_pattern(SPL_NEW, 0, new, sent);
	for (i = 0; i < (size_t)sent; i++)
		if (buf[i] != old[i] && buf[i] != new[i])
			break;
	EXPECT_EQ((size_t)sent, i) TH_LOG("byte %zu is neither file's", i);
	for (i = sent - unsent; i < (size_t)sent; i++)
		if (old[i] != new[i] && buf[i] != new[i])
			break;
	EXPECT_EQ((size_t)sent, i)
		TH_LOG("byte %zu of the %d unsent ones left with the old content",
		       i - (sent - unsent), unsent);
	free(buf);
	free(old);
	free(new);
}

TEST_HARNESS_MAIN
