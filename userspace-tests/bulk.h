/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bulk transfer engine shared by netem.c (kselftest harness) and
 * ktcp_bench.c (a plain program): a deterministic byte stream, SHA-256 over
 * what each end sent and what it received, and a poll() loop that moves
 * data both ways on one socket at once, with an idle timeout and an overall
 * deadline so that nothing can hang.
 *
 * No harness macros here: bulk_end_run() runs in helper threads and reports
 * errors as -errno with the name of the call that failed.
 */
#ifndef KTCP_BULK_H
#define KTCP_BULK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

/* ------------------------------------------------------------------ */
/* SHA-256 (FIPS 180-4), small and self-contained (as in ktcp_demo.c)  */
/* ------------------------------------------------------------------ */

#define BULK_SHA256_LEN	32

struct bulk_sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
	size_t fill;
};

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

static inline uint32_t bulk__ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline void bulk__sha256_block(struct bulk_sha256 *s, const uint8_t *p)
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

static inline void bulk_sha256_init(struct bulk_sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->fill = 0;
}

static inline void bulk_sha256_update(struct bulk_sha256 *s, const void *data,
				      size_t len)
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

static inline void bulk_sha256_final(struct bulk_sha256 *s,
				     uint8_t out[BULK_SHA256_LEN])
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

/* Lower-case hex of a digest into @out (2 * BULK_SHA256_LEN + 1 bytes). */
static inline const char *bulk_hex(const uint8_t *d, char *out)
{
	int i;

	for (i = 0; i < BULK_SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
	return out;
}

/* ------------------------------------------------------------------ */
/* The byte stream                                                     */
/* ------------------------------------------------------------------ */

/*
 * Byte @off of stream @seed is a pure function of (seed, off): the
 * receiver regenerates what it should have got and names the first wrong
 * offset, which a digest alone cannot do.
 */
static inline uint64_t bulk__word(uint64_t seed, uint64_t idx)
{
	uint64_t x = seed ^ (idx * 0xd1342543de82ef95ULL);

	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline void bulk_pattern(uint64_t seed, uint64_t off, uint8_t *buf,
				size_t len)
{
	size_t i = 0;
	int k;

	while (i < len && ((off + i) & 7)) {
		buf[i] = bulk__word(seed, (off + i) >> 3) >> (((off + i) & 7) * 8);
		i++;
	}
	while (len - i >= 8) {
		uint64_t w = bulk__word(seed, (off + i) >> 3);

		for (k = 0; k < 8; k++)
			buf[i + k] = w >> (k * 8);
		i += 8;
	}
	while (i < len) {
		buf[i] = bulk__word(seed, (off + i) >> 3) >> (((off + i) & 7) * 8);
		i++;
	}
}

/* ------------------------------------------------------------------ */
/* Time, sizes                                                         */
/* ------------------------------------------------------------------ */

static inline long long bulk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "64M", "512K", "1G", "12345": bytes (K/M/G are binary); 0 on error. */
static inline uint64_t bulk_parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K':
		v <<= 10;
		end++;
		break;
	case 'm': case 'M':
		v <<= 20;
		end++;
		break;
	case 'g': case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	return *end ? 0 : v;
}

/* ------------------------------------------------------------------ */
/* One end of a full-duplex transfer                                    */
/* ------------------------------------------------------------------ */

#define BULK_CHUNK	(64 * 1024)

struct bulk_end {
	/* in */
	int fd;
	uint64_t send_len;	/* bytes to send, then shutdown(SHUT_WR) */
	uint64_t send_seed;
	uint64_t recv_seed;	/* the stream the peer sends */
	uint64_t recv_max;	/* more than this before EOF is an error */
	int idle_ms;		/* no progress at all for this long: fail */
	long long deadline_ms;	/* bulk_now_ms() to give up at, 0: never */
	/* out; sent and rcvd can be read (atomically) while it runs */
	uint64_t sent, rcvd;
	int64_t bad_off;	/* first received byte that was wrong, or -1 */
	bool eof;
	uint8_t tx_sha[BULK_SHA256_LEN], rx_sha[BULK_SHA256_LEN];
	long long t_start, t_sent, t_end;	/* bulk_now_ms() */
	int err;		/* 0 or -errno */
	const char *err_what;	/* what failed */
};

static inline void bulk__fail(struct bulk_end *e, int err, const char *what)
{
	e->err = err;
	e->err_what = what;
}

/* Compare received bytes with the stream: sets bad_off at the first miss. */
static inline void bulk__check(struct bulk_end *e, const uint8_t *p, size_t n,
			       uint8_t *tmp)
{
	size_t i;

	if (e->bad_off >= 0)
		return;
	bulk_pattern(e->recv_seed, e->rcvd, tmp, n);
	if (!memcmp(tmp, p, n))
		return;
	for (i = 0; tmp[i] == p[i]; i++)
		;
	e->bad_off = e->rcvd + i;
}

/*
 * Send send_len bytes of stream send_seed, then shutdown(SHUT_WR); at the
 * same time read until EOF, hashing and checking against stream recv_seed.
 * Returns 0 or -errno (also in e->err, with e->err_what). The socket is
 * switched to non-blocking.
 */
static inline int bulk_end_run(struct bulk_end *e)
{
	uint8_t *txbuf = malloc(BULK_CHUNK), *rxbuf = malloc(BULK_CHUNK);
	uint8_t *tmp = malloc(BULK_CHUNK);
	struct bulk_sha256 txs, rxs;
	size_t txlen = 0, txpos = 0;
	uint64_t gen = 0;	/* bytes generated (and hashed) so far */
	bool shut = false;
	int fl;

	bulk_sha256_init(&txs);
	bulk_sha256_init(&rxs);
	e->sent = 0;
	e->rcvd = 0;
	e->bad_off = -1;
	e->eof = false;
	e->err = 0;
	e->err_what = NULL;
	e->t_start = bulk_now_ms();
	e->t_sent = 0;
	e->t_end = 0;
	if (!txbuf || !rxbuf || !tmp) {
		bulk__fail(e, -ENOMEM, "malloc");
		goto out;
	}
	fl = fcntl(e->fd, F_GETFL);
	if (fl < 0 || fcntl(e->fd, F_SETFL, fl | O_NONBLOCK)) {
		bulk__fail(e, -errno, "fcntl(O_NONBLOCK)");
		goto out;
	}

	for (;;) {
		bool tx_left = e->sent < e->send_len;
		struct pollfd pfd = { .fd = e->fd };
		long long now = bulk_now_ms();
		int wait = e->idle_ms, ret;
		ssize_t n;

		if (!tx_left && !shut) {
			if (shutdown(e->fd, SHUT_WR)) {
				bulk__fail(e, -errno, "shutdown(SHUT_WR)");
				break;
			}
			shut = true;
			e->t_sent = now;
		}
		if (shut && e->eof)
			break;
		if (e->deadline_ms) {
			if (now >= e->deadline_ms) {
				bulk__fail(e, -ETIME, "overall deadline");
				break;
			}
			if (e->deadline_ms - now < wait)
				wait = e->deadline_ms - now;
		}

		if (tx_left)
			pfd.events |= POLLOUT;
		if (!e->eof)
			pfd.events |= POLLIN;
		ret = poll(&pfd, 1, wait);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			bulk__fail(e, -errno, "poll");
			break;
		}
		if (ret == 0) {
			if (wait < e->idle_ms)
				continue;	/* the deadline check fails it */
			bulk__fail(e, -ETIMEDOUT, tx_left ?
				   "no progress (send blocked, nothing received)" :
				   "no progress (waiting for data or EOF)");
			break;
		}
		if (pfd.revents & POLLNVAL) {
			bulk__fail(e, -EBADF, "poll (POLLNVAL)");
			break;
		}

		if (!e->eof && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
			n = recv(e->fd, rxbuf, BULK_CHUNK, 0);
			if (n > 0) {
				if (e->rcvd + n > e->recv_max) {
					bulk__fail(e, -EMSGSIZE,
						   "recv (more data than the peer sends)");
					break;
				}
				bulk_sha256_update(&rxs, rxbuf, n);
				bulk__check(e, rxbuf, n, tmp);
				__atomic_store_n(&e->rcvd, e->rcvd + n,
						 __ATOMIC_RELAXED);
			} else if (n == 0) {
				e->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				bulk__fail(e, -errno, "recv");
				break;
			}
		}
		if (tx_left && (pfd.revents & (POLLOUT | POLLERR))) {
			if (txpos == txlen) {
				uint64_t left = e->send_len - gen;

				txlen = left < BULK_CHUNK ? left : BULK_CHUNK;
				bulk_pattern(e->send_seed, gen, txbuf, txlen);
				bulk_sha256_update(&txs, txbuf, txlen);
				gen += txlen;
				txpos = 0;
			}
			n = send(e->fd, txbuf + txpos, txlen - txpos,
				 MSG_NOSIGNAL);
			if (n > 0) {
				txpos += n;
				__atomic_store_n(&e->sent, e->sent + n,
						 __ATOMIC_RELAXED);
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				bulk__fail(e, -errno, "send");
				break;
			}
		}
	}
out:
	e->t_end = bulk_now_ms();
	bulk_sha256_final(&txs, e->tx_sha);
	bulk_sha256_final(&rxs, e->rx_sha);
	free(txbuf);
	free(rxbuf);
	free(tmp);
	return e->err;
}

static inline void *bulk_end_thread(void *arg)
{
	bulk_end_run(arg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Device offloads: `ethtool -K DEV tx off tso off gso off` without    */
/* needing ethtool                                                     */
/* ------------------------------------------------------------------ */

static inline int bulk__ethtool_set(int fd, const char *ifname, uint32_t cmd,
				    uint32_t val)
{
	struct ethtool_value ev = { .cmd = cmd, .data = val };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/*
 * Turn off transmit checksum offload, TSO and GSO on @ifname (in the
 * calling thread's netns): every frame then leaves with a complete
 * checksum (veth otherwise hands CHECKSUM_PARTIAL skbs to its peer, whose
 * stack trusts them, and a capture shows unfinished checksums). Returns
 * 0 or -errno; *@what names the failed step.
 */
static inline int bulk_if_offloads_off(const char *ifname, const char **what)
{
	static const struct {
		uint32_t cmd;
		const char *name;
	} steps[] = {
		{ ETHTOOL_STXCSUM, "tx-checksumming" },
		{ ETHTOOL_STSO, "tcp-segmentation-offload" },
		{ ETHTOOL_SGSO, "generic-segmentation-offload" },
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;
	size_t i;

	if (fd < 0) {
		*what = "socket";
		return -errno;
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ret = bulk__ethtool_set(fd, ifname, steps[i].cmd, 0);
		if (ret) {
			*what = steps[i].name;
			break;
		}
	}
	close(fd);
	return ret;
}

#endif /* KTCP_BULK_H */
