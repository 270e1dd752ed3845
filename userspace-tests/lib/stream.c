// SPDX-License-Identifier: GPL-2.0
/*
 * A deterministic byte stream (byte i of stream s is a pure function of
 * (s, i)), its FNV-1a 64 checksum, and a full-duplex transfer over one
 * socket that checks what it receives against the stream the peer sends.
 * bulk.c's engine uses the same stream.
 */
#include "ktcptest.h"

#define KTCP_FNV_PRIME	0x100000001b3ULL
#define XFER_CHUNK	(64 * 1024)

uint64_t ktcp_fnv1a(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		h ^= *p++;
		h *= KTCP_FNV_PRIME;
	}
	return h;
}

/* Word @idx of stream @seed: splitmix64 of the seed and the index. */
static uint64_t stream_word(uint64_t seed, uint64_t idx)
{
	uint64_t x = seed ^ (idx * 0xd1342543de82ef95ULL);

	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint8_t stream_byte(uint64_t seed, uint64_t off)
{
	return stream_word(seed, off >> 3) >> ((off & 7) * 8);
}

void ktcp_pattern(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	size_t i = 0;
	int k;

	/* head byte by byte up to a word boundary, then whole words */
	while (i < len && ((off + i) & 7)) {
		buf[i] = stream_byte(seed, off + i);
		i++;
	}
	while (len - i >= 8) {
		uint64_t w = stream_word(seed, (off + i) >> 3);

		for (k = 0; k < 8; k++)
			buf[i + k] = w >> (k * 8);
		i += 8;
	}
	while (i < len) {
		buf[i] = stream_byte(seed, off + i);
		i++;
	}
}

void ktcp_stream_init(struct ktcp_stream *s, uint64_t seed)
{
	s->seed = seed;
	s->off = 0;
	s->sum = KTCP_FNV_INIT;
	s->bad_off = -1;
}

void ktcp_stream_gen(struct ktcp_stream *s, void *buf, size_t len)
{
	ktcp_pattern(s->seed, s->off, buf, len);
	s->sum = ktcp_fnv1a(s->sum, buf, len);
	s->off += len;
}

void ktcp_stream_check(struct ktcp_stream *s, const void *buf, size_t len)
{
	uint8_t tmp[4096];
	const uint8_t *p = buf;
	size_t done = 0;

	s->sum = ktcp_fnv1a(s->sum, buf, len);
	while (done < len) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);

		if (s->bad_off < 0) {
			ktcp_pattern(s->seed, s->off, tmp, n);
			if (memcmp(tmp, p + done, n)) {
				size_t i = 0;

				while (tmp[i] == p[done + i])
					i++;
				s->bad_off = s->off + i;
			}
		}
		s->off += n;
		done += n;
	}
}

uint64_t ktcp_stream_sum(uint64_t seed, size_t len)
{
	struct ktcp_stream s;
	uint8_t buf[65536];

	ktcp_stream_init(&s, seed);
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		ktcp_stream_gen(&s, buf, n);
		len -= n;
	}
	return s.sum;
}

static int xfer_fail(struct ktcp_xfer *x, int err, const char *what)
{
	x->err = err;
	x->err_what = what;
	return err;
}

/* Readable (or error/hangup): one recv(). */
static int xfer_rx(struct ktcp_xfer *x, uint8_t *rxbuf)
{
	ssize_t n = recv(x->fd, rxbuf, XFER_CHUNK, MSG_DONTWAIT);

	if (n > 0)
		ktcp_stream_check(&x->rx, rxbuf, n);
	else if (n == 0)
		x->eof = true;
	else if (errno != EAGAIN && errno != EINTR)
		return xfer_fail(x, -errno, "recv");
	return 0;
}

/* Writable: one send(), generating the next chunk when one is done. */
static int xfer_tx(struct ktcp_xfer *x, uint8_t *txbuf, size_t *txlen,
		   size_t *txpos)
{
	ssize_t n;

	if (*txpos == *txlen) {
		size_t left = x->send_len - x->tx.off;

		*txlen = left < XFER_CHUNK ? left : XFER_CHUNK;
		ktcp_stream_gen(&x->tx, txbuf, *txlen);
		*txpos = 0;
	}
	n = send(x->fd, txbuf + *txpos, *txlen - *txpos,
		 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		*txpos += n;
	else if (n < 0 && errno != EAGAIN && errno != EINTR)
		return xfer_fail(x, -errno, "send");
	return 0;
}

static int xfer_loop(struct ktcp_xfer *x, uint8_t *txbuf, uint8_t *rxbuf)
{
	size_t txlen = 0, txpos = 0;
	bool shut = false;

	for (;;) {
		bool tx_left = x->tx.off < x->send_len || txpos < txlen;
		struct pollfd pfd = { .fd = x->fd };
		int ret;

		if (!tx_left && x->shut_wr && !shut) {
			if (shutdown(x->fd, SHUT_WR))
				return xfer_fail(x, -errno, "shutdown(SHUT_WR)");
			shut = true;
		}
		if (!tx_left && x->eof)
			return 0;
		if (tx_left)
			pfd.events |= POLLOUT;
		if (!x->eof)
			pfd.events |= POLLIN;
		ret = poll(&pfd, 1, x->idle_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return xfer_fail(x, -errno, "poll");
		if (ret == 0)
			return xfer_fail(x, -ETIMEDOUT, tx_left ?
					 "poll (send stalled)" :
					 "poll (waiting for data/EOF)");
		if (!x->eof && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) &&
		    xfer_rx(x, rxbuf))
			return x->err;
		if (tx_left && (pfd.revents & (POLLOUT | POLLERR)) &&
		    xfer_tx(x, txbuf, &txlen, &txpos))
			return x->err;
		if (pfd.revents & POLLNVAL)
			return xfer_fail(x, -EBADF, "poll (POLLNVAL)");
	}
}

int ktcp_xfer_run(struct ktcp_xfer *x)
{
	uint8_t *txbuf = malloc(XFER_CHUNK), *rxbuf = malloc(XFER_CHUNK);

	ktcp_stream_init(&x->tx, x->send_seed);
	ktcp_stream_init(&x->rx, x->recv_seed);
	x->eof = false;
	x->err = 0;
	x->err_what = NULL;
	if (!txbuf || !rxbuf)
		xfer_fail(x, -ENOMEM, "malloc");
	else
		xfer_loop(x, txbuf, rxbuf);
	free(txbuf);
	free(rxbuf);
	return x->err;
}

void *ktcp_xfer_thread(void *arg)
{
	ktcp_xfer_run(arg);
	return NULL;
}

void *ktcp_sink_thread(void *arg)
{
	static __thread char buf[64 << 10];
	struct ktcp_sink *k = arg;
	int fd = ktcp_accept_fd(k->lfd, k->wait_ms);
	ssize_t n;

	ktcp_stream_init(&k->s, k->seed);
	k->got = fd;
	if (fd < 0)
		return NULL;
	k->got = 0;
	while ((n = ktcp_recv_all(fd, buf, sizeof(buf), k->wait_ms)) > 0) {
		ktcp_stream_check(&k->s, buf, n);
		k->got += n;
	}
	if (n < 0)
		k->got = n;
	close(fd);
	return NULL;
}
