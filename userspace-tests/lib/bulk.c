// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256 (FIPS 180-4, small and self-contained) and the bulk transfer
 * engine shared by netem.c and ktcp_bench: the stream of stream.c each
 * way at once on one socket, hashed at both ends, with an idle timeout
 * and an overall deadline so that nothing can hang. ktcp_demo hashes
 * with the same SHA-256.
 *
 * bulk_end_run() runs in helper threads: it reports errors as -errno
 * with the name of the call that failed, never through the harness.
 */
#include "ktcptest.h"

#define BULK_CHUNK	(64 * 1024)

static const uint32_t bulk__sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t bulk__ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static void bulk__sha256_block(struct bulk_sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + w[i - 7] +
		       (bulk__ror32(w[i - 15], 7) ^ bulk__ror32(w[i - 15], 18) ^
			(w[i - 15] >> 3)) +
		       (bulk__ror32(w[i - 2], 17) ^ bulk__ror32(w[i - 2], 19) ^
			(w[i - 2] >> 10));

	a = s->h[0];
	b = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	f = s->h[5];
	g = s->h[6];
	h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (bulk__ror32(e, 6) ^ bulk__ror32(e, 11) ^
			  bulk__ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + bulk__sha256_k[i] + w[i];
		t2 = (bulk__ror32(a, 2) ^ bulk__ror32(a, 13) ^
		      bulk__ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
	s->h[5] += f;
	s->h[6] += g;
	s->h[7] += h;
}

void bulk_sha256_init(struct bulk_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

void bulk_sha256_update(struct bulk_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	s->len += len;
	while (len) {
		if (!s->fill && len >= 64) {
			bulk__sha256_block(s, p);
			p += 64;
			len -= 64;
			continue;
		}
		n = 64 - s->fill < len ? 64 - s->fill : len;
		memcpy(s->buf + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
		if (s->fill == 64) {
			bulk__sha256_block(s, s->buf);
			s->fill = 0;
		}
	}
}

void bulk_sha256_final(struct bulk_sha256 *s, uint8_t out[BULK_SHA256_LEN])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->fill < 56 ? 56 : 120) - s->fill;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = bits >> (56 - 8 * i);
	bulk_sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++) {
		out[4 * i] = s->h[i] >> 24;
		out[4 * i + 1] = s->h[i] >> 16;
		out[4 * i + 2] = s->h[i] >> 8;
		out[4 * i + 3] = s->h[i];
	}
}

const char *ktcp_hex(const uint8_t *d, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	out[2 * len] = 0;
	return out;
}

const char *bulk_hex(const uint8_t *d, char *out)
{
	return ktcp_hex(d, BULK_SHA256_LEN, out);
}

/* The state of one bulk_end_run(): buffers and the two hashes. */
struct bulk_run {
	uint8_t *txbuf, *rxbuf, *tmp;
	struct bulk_sha256 txs, rxs;
	size_t txlen, txpos;
	uint64_t gen;		/* bytes generated (and hashed) so far */
	bool shut;
};

static int bulk_fail(struct bulk_end *e, int err, const char *what)
{
	e->err = err;
	e->err_what = what;
	return err;
}

/* Compare received bytes with the stream: sets bad_off at the first miss. */
static void bulk_check(struct bulk_end *e, const uint8_t *p, size_t n,
		       uint8_t *tmp)
{
	size_t i;

	if (e->bad_off >= 0)
		return;
	ktcp_pattern(e->recv_seed, e->rcvd, tmp, n);
	if (!memcmp(tmp, p, n))
		return;
	for (i = 0; tmp[i] == p[i]; i++)
		;
	e->bad_off = e->rcvd + i;
}

static int bulk_rx(struct bulk_end *e, struct bulk_run *r)
{
	ssize_t n = recv(e->fd, r->rxbuf, BULK_CHUNK, 0);

	if (n > 0) {
		if (e->rcvd + n > e->recv_max)
			return bulk_fail(e, -EMSGSIZE,
					 "recv (more data than the peer sends)");
		bulk_sha256_update(&r->rxs, r->rxbuf, n);
		bulk_check(e, r->rxbuf, n, r->tmp);
		__atomic_store_n(&e->rcvd, e->rcvd + n, __ATOMIC_RELAXED);
	} else if (n == 0) {
		e->eof = true;
	} else if (errno != EAGAIN && errno != EINTR) {
		return bulk_fail(e, -errno, "recv");
	}
	return 0;
}

static int bulk_tx(struct bulk_end *e, struct bulk_run *r)
{
	ssize_t n;

	if (r->txpos == r->txlen) {
		uint64_t left = e->send_len - r->gen;

		r->txlen = left < BULK_CHUNK ? left : BULK_CHUNK;
		ktcp_pattern(e->send_seed, r->gen, r->txbuf, r->txlen);
		bulk_sha256_update(&r->txs, r->txbuf, r->txlen);
		r->gen += r->txlen;
		r->txpos = 0;
	}
	n = send(e->fd, r->txbuf + r->txpos, r->txlen - r->txpos, MSG_NOSIGNAL);
	if (n > 0) {
		r->txpos += n;
		__atomic_store_n(&e->sent, e->sent + n, __ATOMIC_RELAXED);
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		return bulk_fail(e, -errno, "send");
	}
	return 0;
}

/*
 * One round: shutdown when all is sent, then poll (bounded by the idle
 * limit and the deadline) and move data. 1 when done, 0 to go on, -errno.
 */
static int bulk_step(struct bulk_end *e, struct bulk_run *r)
{
	bool tx_left = e->sent < e->send_len;
	struct pollfd pfd = { .fd = e->fd };
	long long now = ktcp_now_ms();
	int wait = e->idle_ms, ret;

	if (!tx_left && !r->shut) {
		if (shutdown(e->fd, SHUT_WR))
			return bulk_fail(e, -errno, "shutdown(SHUT_WR)");
		r->shut = true;
		e->t_sent = now;
	}
	if (r->shut && e->eof)
		return 1;
	if (e->deadline_ms) {
		if (now >= e->deadline_ms)
			return bulk_fail(e, -ETIME, "overall deadline");
		if (e->deadline_ms - now < wait)
			wait = e->deadline_ms - now;
	}
	pfd.events = (tx_left ? POLLOUT : 0) | (e->eof ? 0 : POLLIN);
	ret = poll(&pfd, 1, wait);
	if (ret < 0)
		return errno == EINTR ? 0 : bulk_fail(e, -errno, "poll");
	if (ret == 0) {
		if (wait < e->idle_ms)
			return 0;	/* the deadline check fails it */
		return bulk_fail(e, -ETIMEDOUT, tx_left ?
				 "no progress (send blocked, nothing received)" :
				 "no progress (waiting for data or EOF)");
	}
	if (pfd.revents & POLLNVAL)
		return bulk_fail(e, -EBADF, "poll (POLLNVAL)");
	if (!e->eof && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) &&
	    bulk_rx(e, r))
		return e->err;
	if (tx_left && (pfd.revents & (POLLOUT | POLLERR)))
		return bulk_tx(e, r);
	return 0;
}

static void bulk_start(struct bulk_end *e, struct bulk_run *r)
{
	memset(r, 0, sizeof(*r));
	bulk_sha256_init(&r->txs);
	bulk_sha256_init(&r->rxs);
	e->sent = 0;
	e->rcvd = 0;
	e->bad_off = -1;
	e->eof = false;
	e->err = 0;
	e->err_what = NULL;
	e->t_start = ktcp_now_ms();
	e->t_sent = 0;
	e->t_end = 0;
}

int bulk_end_run(struct bulk_end *e)
{
	struct bulk_run r;
	int fl;

	bulk_start(e, &r);
	r.txbuf = malloc(BULK_CHUNK);
	r.rxbuf = malloc(BULK_CHUNK);
	r.tmp = malloc(BULK_CHUNK);
	fl = fcntl(e->fd, F_GETFL);
	if (!r.txbuf || !r.rxbuf || !r.tmp)
		bulk_fail(e, -ENOMEM, "malloc");
	else if (fl < 0 || fcntl(e->fd, F_SETFL, fl | O_NONBLOCK))
		bulk_fail(e, -errno, "fcntl(O_NONBLOCK)");
	else
		while (!bulk_step(e, &r))
			;
	e->t_end = ktcp_now_ms();
	bulk_sha256_final(&r.txs, e->tx_sha);
	bulk_sha256_final(&r.rxs, e->rx_sha);
	free(r.txbuf);
	free(r.rxbuf);
	free(r.tmp);
	return e->err;
}

void *bulk_end_thread(void *arg)
{
	bulk_end_run(arg);
	return NULL;
}
