/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the ktcp userspace tests (kselftest harness).
 *
 * The socket family under test comes from the environment:
 *   KTCP_TEST_FAMILY unset   AF_KTCP: /sys/module/ktcp/parameters/family,
 *                            falling back to AF_KTCP_DEFAULT
 *   KTCP_TEST_FAMILY=inet    native AF_INET TCP, to validate the suite on a
 *                            host without the module; /proc/net/tcp,
 *                            /proc/net/snmp and /proc/net/netstat stand in
 *                            for /proc/net/ktcp and /proc/net/ktcp_snmp
 *   KTCP_TEST_FAMILY=<n>     family number n
 *   KTCP_TEST_TIMEOUT_MULT   scales every harness and I/O timeout (default 1)
 *
 * Helpers that can fail a test take _metadata and ASSERT; helpers meant to
 * run in helper threads never ASSERT (the harness longjmp()s on failure,
 * which only works in the test's main thread) and return -errno instead.
 */
#ifndef KTCP_TESTS_COMMON_H
#define KTCP_TESTS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "kselftest_harness.h"
#include "../module/uapi/ktcp.h"

/* Linux TCP state numbers, as printed in /proc/net/ktcp and /proc/net/tcp. */
enum {
	KT_ESTABLISHED = 0x01,
	KT_SYN_SENT = 0x02,
	KT_SYN_RECV = 0x03,
	KT_FIN_WAIT1 = 0x04,
	KT_FIN_WAIT2 = 0x05,
	KT_TIME_WAIT = 0x06,
	KT_CLOSE = 0x07,
	KT_CLOSE_WAIT = 0x08,
	KT_LAST_ACK = 0x09,
	KT_LISTEN = 0x0A,
	KT_CLOSING = 0x0B,
};

#define KT_ANY		(-1)	/* wildcard for state and port filters */

/* Defaults of the ktcp sysctls (contract) and of native Linux. */
#define KTCP_TW_DEFAULT_MS	60000
#define KTCP_FIN_DEFAULT_MS	60000
#define NATIVE_TW_MS		60000	/* TCP_TIMEWAIT_LEN, not tunable */

/* Base timeouts, before KTCP_TEST_TIMEOUT_MULT. QEMU TCG is slow. */
#define KTCP_IO_IDLE_MS		30000	/* no progress at all for this long */
#define KTCP_STATE_WAIT_MS	30000	/* state change that needs no timer */

static inline const char *ktcp_state_name(int st)
{
	static const char *const names[] = {
		[KT_ESTABLISHED] = "ESTABLISHED", [KT_SYN_SENT] = "SYN_SENT",
		[KT_SYN_RECV] = "SYN_RECV", [KT_FIN_WAIT1] = "FIN_WAIT1",
		[KT_FIN_WAIT2] = "FIN_WAIT2", [KT_TIME_WAIT] = "TIME_WAIT",
		[KT_CLOSE] = "CLOSE", [KT_CLOSE_WAIT] = "CLOSE_WAIT",
		[KT_LAST_ACK] = "LAST_ACK", [KT_LISTEN] = "LISTEN",
		[KT_CLOSING] = "CLOSING",
	};

	if (st < 0)
		return "gone (no row)";
	if (st >= (int)ARRAY_SIZE(names) || !names[st])
		return "?";
	return names[st];
}

/* ------------------------------------------------------------------ */
/* Mode, family, timeouts                                              */
/* ------------------------------------------------------------------ */

static int ktcp__family = -1;
static bool ktcp__native;
static double ktcp__tmult = 1.0;

static inline void ktcp__init_family(void)
{
	const char *e = getenv("KTCP_TEST_FAMILY");
	char buf[32];
	FILE *f;

	ktcp__native = false;
	if (e && (!strcasecmp(e, "inet") || !strcasecmp(e, "af_inet") ||
		  !strcasecmp(e, "native"))) {
		ktcp__native = true;
		ktcp__family = AF_INET;
		return;
	}
	if (e && *e && e[0] >= '0' && e[0] <= '9') {
		ktcp__family = atoi(e);
		return;
	}
	ktcp__family = AF_KTCP;
	f = fopen(KTCP_FAMILY_SYSFS, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && atoi(buf) > 0)
			ktcp__family = atoi(buf);
		fclose(f);
	}
}

/* The family "ktcp sockets" are created in (AF_INET in native mode). */
static inline int ktcp_family(void)
{
	if (ktcp__family < 0)
		ktcp__init_family();
	return ktcp__family;
}

/* True when KTCP_TEST_FAMILY=inet: the suite runs against native TCP. */
static inline bool ktcp_native(void)
{
	ktcp_family();
	return ktcp__native;
}

#define KTCP_NATIVE_REASON "KTCP_TEST_FAMILY=inet (native TCP)"

/* Skip the current test in native mode, telling why. */
#define SKIP_IF_NATIVE(what) do { \
	if (ktcp_native()) \
		SKIP(return, "%s: %s", KTCP_NATIVE_REASON, what); \
} while (0)

/* A timeout in ms, scaled by KTCP_TEST_TIMEOUT_MULT. */
static inline int ktcp_ms(long base_ms)
{
	double v = (double)base_ms * ktcp__tmult;

	return v > INT_MAX ? INT_MAX : (int)v;
}

static inline long long ktcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void ktcp_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Runs after every TEST/TEST_F registered itself: scale the harness
 * timeouts, ignore SIGPIPE (a test must see EPIPE, not die), and read the
 * family once.
 */
static void __attribute__((constructor(KSELFTEST_PRIO_TEST + 100)))
ktcp__suite_init(void)
{
	const char *e = getenv("KTCP_TEST_TIMEOUT_MULT");
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	if (e && strtod(e, NULL) > 0)
		ktcp__tmult = strtod(e, NULL);
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next) {
			double v = t->timeout * ktcp__tmult;

			t->timeout = v > INT_MAX / 2 ? INT_MAX / 2 : (int)v;
		}
	signal(SIGPIPE, SIG_IGN);
	ktcp__init_family();
}

/* ------------------------------------------------------------------ */
/* Addresses and sockets                                               */
/* ------------------------------------------------------------------ */

static inline struct sockaddr_in ktcp_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static inline int ktcp_local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -errno;
	return ntohs(sa.sin_port);
}

static inline int ktcp_peer_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getpeername(fd, (struct sockaddr *)&sa, &len))
		return -errno;
	return ntohs(sa.sin_port);
}

static inline int ktcp_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/*
 * Close @fd with a RST (SO_LINGER 0) if it is open: teardown after a
 * failure must not leave an orphan retransmitting for minutes (it would
 * keep the module busy for the rmmod test).
 */
static inline void ktcp_abort_fd(int *fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (*fd < 0)
		return;
	setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(*fd);
	*fd = -1;
}

/* SO_RCVTIMEO/SO_SNDTIMEO so that blocking calls cannot hang forever. */
static inline int ktcp_set_io_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

/* A stream socket of @family, failing the test with a hint if impossible. */
static inline int __ktcp_socket(struct __test_metadata *_metadata, int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd) {
		TH_LOG("socket(%d, SOCK_STREAM, 0): %s%s", family,
		       strerror(errno),
		       family != AF_INET ?
		       " (is ktcp.ko loaded? family from " KTCP_FAMILY_SYSFS
		       ")" : "");
	}
	return fd;
}

/* A socket of the family under test. */
static inline int ktcp_socket(struct __test_metadata *_metadata)
{
	return __ktcp_socket(_metadata, ktcp_family());
}

/* A native Linux TCP socket (the peer in interop tests). */
static inline int native_socket(struct __test_metadata *_metadata)
{
	return __ktcp_socket(_metadata, AF_INET);
}

/*
 * socket(@family) + SO_REUSEADDR + bind(@ip:@port) + listen(@backlog).
 * Port 0 picks an ephemeral one; *@port_out gets the bound port.
 */
static inline int ktcp_listener(struct __test_metadata *_metadata, int family,
				const char *ip, uint16_t port, int backlog,
				uint16_t *port_out)
{
	struct sockaddr_in sa = ktcp_sin(ip, port);
	int fd = __ktcp_socket(_metadata, family);
	int one = 1, p;

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)))
		TH_LOG("SO_REUSEADDR: %s", strerror(errno));
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		TH_LOG("bind(%s:%u) family %d: %s", ip, port, family,
		       strerror(errno));
	ASSERT_EQ(0, listen(fd, backlog))
		TH_LOG("listen(backlog %d): %s", backlog, strerror(errno));
	p = ktcp_local_port(fd);
	ASSERT_LT(0, p) TH_LOG("getsockname on listener: %s", strerror(-p));
	if (port)
		ASSERT_EQ(port, p) TH_LOG("listener bound to wrong port");
	if (port_out)
		*port_out = p;
	return fd;
}

/*
 * Connect @fd to @sa within @timeout_ms; the socket's blocking mode is
 * restored afterwards. Returns 0 or -errno (-ETIMEDOUT if the handshake
 * did not finish in time). Thread-safe (no ASSERT).
 */
static inline int ktcp_connect_fd(int fd, const struct sockaddr_in *sa,
				  int timeout_ms)
{
	int fl = fcntl(fd, F_GETFL), err = 0, ret;
	socklen_t len = sizeof(err);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (fl < 0)
		return -errno;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (ret && errno != EINPROGRESS) {
		err = errno;
		goto out;
	}
	if (ret) {
		do {
			ret = poll(&pfd, 1, timeout_ms);
		} while (ret < 0 && errno == EINTR);
		if (ret < 0) {
			err = errno;
			goto out;
		}
		if (ret == 0) {
			err = ETIMEDOUT;
			goto out;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
	}
out:
	fcntl(fd, F_SETFL, fl);
	return -err;
}

/* A connected socket of @family, or the test fails. */
static inline int ktcp_connect(struct __test_metadata *_metadata, int family,
			       const char *ip, uint16_t port)
{
	struct sockaddr_in sa = ktcp_sin(ip, port);
	int fd = __ktcp_socket(_metadata, family);
	int ret = ktcp_connect_fd(fd, &sa, ktcp_ms(KTCP_IO_IDLE_MS));

	ASSERT_EQ(0, ret)
		TH_LOG("connect(%s:%u) family %d: %s", ip, port, family,
		       strerror(-ret));
	return fd;
}

/* poll() for @events on one fd; 1 ready, 0 timeout, -errno. */
static inline int ktcp_poll1(int fd, short events, int timeout_ms,
			     short *revents)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long end = ktcp_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		int left = (int)(end - ktcp_now_ms());

		ret = poll(&pfd, 1, left < 0 ? 0 : left);
		if (ret >= 0 || errno != EINTR)
			break;
	}
	if (ret < 0)
		return -errno;
	if (revents)
		*revents = pfd.revents;
	return ret;
}

/* accept() within @timeout_ms: a new fd or -errno (-ETIMEDOUT). */
static inline int ktcp_accept_fd(int lfd, int timeout_ms)
{
	int ret = ktcp_poll1(lfd, POLLIN, timeout_ms, NULL);
	int fd;

	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static inline int ktcp_accept(struct __test_metadata *_metadata, int lfd)
{
	int fd = ktcp_accept_fd(lfd, ktcp_ms(KTCP_IO_IDLE_MS));

	ASSERT_LE(0, fd) TH_LOG("accept: %s", strerror(-fd));
	return fd;
}

/*
 * send() all of @buf, waiting with poll() up to @idle_ms for each bit of
 * progress. Returns @len or -errno. Thread-safe.
 */
static inline ssize_t ktcp_send_all(int fd, const void *buf, size_t len,
				    int idle_ms)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(fd, p + done, len - done,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		n = ktcp_poll1(fd, POLLOUT, idle_ms, NULL);
		if (n < 0)
			return n;
		if (n == 0)
			return -ETIMEDOUT;
	}
	return done;
}

/*
 * recv() up to @len bytes, stopping early only at EOF. Returns the number
 * of bytes read (less than @len means EOF came first) or -errno.
 */
static inline ssize_t ktcp_recv_all(int fd, void *buf, size_t len,
				    int idle_ms)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, p + done, len - done, MSG_DONTWAIT);

		if (n > 0) {
			done += n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		n = ktcp_poll1(fd, POLLIN, idle_ms, NULL);
		if (n < 0)
			return n;
		if (n == 0)
			return -ETIMEDOUT;
	}
	return done;
}

/*
 * Wait for EOF: 0 when recv() returned 0, the byte count if data came
 * instead, -errno on error or timeout.
 */
static inline ssize_t ktcp_wait_eof(int fd, int idle_ms)
{
	char c[256];
	ssize_t n = ktcp_recv_all(fd, c, sizeof(c), idle_ms);

	return n;
}

/* ------------------------------------------------------------------ */
/* Payload: a deterministic byte stream and a checksum (FNV-1a 64)      */
/* ------------------------------------------------------------------ */

#define KTCP_FNV_INIT	0xcbf29ce484222325ULL
#define KTCP_FNV_PRIME	0x100000001b3ULL

static inline uint64_t ktcp_fnv1a(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		h ^= *p++;
		h *= KTCP_FNV_PRIME;
	}
	return h;
}

static inline uint64_t ktcp__mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A byte stream: byte i of stream @seed is a pure function of (seed, i),
 * so sender and receiver agree without sharing buffers, and the receiver
 * can name the first wrong offset. sum is the FNV-1a of the bytes that
 * went through (generated or received).
 */
struct ktcp_stream {
	uint64_t seed;
	uint64_t off;		/* bytes so far */
	uint64_t sum;		/* FNV-1a of those bytes */
	int64_t bad_off;	/* first byte that differed, or -1 */
};

static inline void ktcp_stream_init(struct ktcp_stream *s, uint64_t seed)
{
	s->seed = seed;
	s->off = 0;
	s->sum = KTCP_FNV_INIT;
	s->bad_off = -1;
}

static inline uint8_t ktcp__stream_byte(uint64_t seed, uint64_t off)
{
	return ktcp__mix64(seed ^ (off >> 3) * 0xd1342543de82ef95ULL) >>
	       ((off & 7) * 8);
}

static inline void ktcp__stream_expect(const struct ktcp_stream *s,
				       uint8_t *buf, size_t len)
{
	uint64_t off = s->off;
	size_t i = 0;

	/* head byte by byte up to a word boundary, then whole words */
	while (i < len && (off & 7)) {
		buf[i++] = ktcp__stream_byte(s->seed, off);
		off++;
	}
	while (len - i >= 8) {
		uint64_t w = ktcp__mix64(s->seed ^
					 (off >> 3) * 0xd1342543de82ef95ULL);
		int k;

		for (k = 0; k < 8; k++)
			buf[i + k] = w >> (k * 8);
		i += 8;
		off += 8;
	}
	while (i < len) {
		buf[i++] = ktcp__stream_byte(s->seed, off);
		off++;
	}
}

/* The next @len bytes of the stream into @buf. */
static inline void ktcp_stream_gen(struct ktcp_stream *s, void *buf,
				   size_t len)
{
	ktcp__stream_expect(s, buf, len);
	s->sum = ktcp_fnv1a(s->sum, buf, len);
	s->off += len;
}

/* Account @len received bytes and compare them with the stream. */
static inline void ktcp_stream_check(struct ktcp_stream *s, const void *buf,
				     size_t len)
{
	uint8_t tmp[4096];
	const uint8_t *p = buf;
	size_t done = 0;

	s->sum = ktcp_fnv1a(s->sum, buf, len);
	while (done < len) {
		size_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);

		if (s->bad_off < 0) {
			ktcp__stream_expect(s, tmp, n);
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

/* FNV-1a of the first @len bytes of stream @seed (what a sender sends). */
static inline uint64_t ktcp_stream_sum(uint64_t seed, size_t len)
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

/*
 * Full-duplex transfer on one socket with poll(): send send_len bytes of
 * stream send_seed (then shutdown(SHUT_WR) if shut_wr), and at the same
 * time read until EOF, checking against stream recv_seed. Thread-safe.
 */
struct ktcp_xfer {
	/* in */
	int fd;
	size_t send_len;
	uint64_t send_seed;
	bool shut_wr;
	uint64_t recv_seed;
	int idle_ms;
	/* out */
	struct ktcp_stream tx, rx;
	bool eof;
	int err;		/* 0 or -errno */
	const char *err_what;	/* which call failed */
};

#define KTCP_XFER_CHUNK	(64 * 1024)

static inline int ktcp_xfer_run(struct ktcp_xfer *x)
{
	uint8_t *txbuf = malloc(KTCP_XFER_CHUNK), *rxbuf = malloc(KTCP_XFER_CHUNK);
	size_t txlen = 0, txpos = 0;
	bool shut = false;

	ktcp_stream_init(&x->tx, x->send_seed);
	ktcp_stream_init(&x->rx, x->recv_seed);
	x->eof = false;
	x->err = 0;
	x->err_what = NULL;
	if (!txbuf || !rxbuf) {
		x->err = -ENOMEM;
		x->err_what = "malloc";
		goto out;
	}

	for (;;) {
		bool tx_left = x->tx.off < x->send_len || txpos < txlen;
		struct pollfd pfd = { .fd = x->fd };
		ssize_t n;
		int ret;

		if (!tx_left && x->shut_wr && !shut) {
			if (shutdown(x->fd, SHUT_WR)) {
				x->err = -errno;
				x->err_what = "shutdown(SHUT_WR)";
				break;
			}
			shut = true;
		}
		if (!tx_left && x->eof)
			break;

		if (tx_left)
			pfd.events |= POLLOUT;
		if (!x->eof)
			pfd.events |= POLLIN;
		ret = poll(&pfd, 1, x->idle_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			x->err = -errno;
			x->err_what = "poll";
			break;
		}
		if (ret == 0) {
			x->err = -ETIMEDOUT;
			x->err_what = tx_left ? "poll (send stalled)" :
						"poll (waiting for data/EOF)";
			break;
		}

		if (!x->eof && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
			n = recv(x->fd, rxbuf, KTCP_XFER_CHUNK, MSG_DONTWAIT);
			if (n > 0) {
				ktcp_stream_check(&x->rx, rxbuf, n);
			} else if (n == 0) {
				x->eof = true;
			} else if (errno != EAGAIN && errno != EINTR) {
				x->err = -errno;
				x->err_what = "recv";
				break;
			}
		}
		if (tx_left && (pfd.revents & (POLLOUT | POLLERR))) {
			if (txpos == txlen) {
				size_t left = x->send_len - x->tx.off;

				txlen = left < KTCP_XFER_CHUNK ? left :
								 KTCP_XFER_CHUNK;
				ktcp_stream_gen(&x->tx, txbuf, txlen);
				txpos = 0;
			}
			n = send(x->fd, txbuf + txpos, txlen - txpos,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0) {
				txpos += n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				x->err = -errno;
				x->err_what = "send";
				break;
			}
		}
		if ((pfd.revents & POLLNVAL)) {
			x->err = -EBADF;
			x->err_what = "poll (POLLNVAL)";
			break;
		}
	}
out:
	free(txbuf);
	free(rxbuf);
	return x->err;
}

static inline void *ktcp__xfer_thread(void *arg)
{
	ktcp_xfer_run(arg);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* /proc/net/ktcp (or /proc/net/tcp)                                   */
/* ------------------------------------------------------------------ */

struct ktcp_row {
	uint32_t laddr, raddr;	/* network byte order, as in sin_addr */
	int lport, rport;
	int state;
	long txq, rxq;		/* LISTEN: backlog, accept queue */
	unsigned int uid;
	unsigned long inode;	/* 0 for TIME_WAIT and request rows */
};

/* The socket table: ktcp's, or native TCP's when @native_table. */
static inline const char *ktcp_proc_path(bool native_table)
{
	return native_table || ktcp_native() ?
		"/proc/thread-self/net/tcp" : "/proc/thread-self/net/ktcp";
}

/*
 * Count rows matching @state, @lport and @rport (KT_ANY for any) in the
 * current thread's network namespace; the first match goes to @first.
 * Returns the count or -errno if the file cannot be read.
 */
static inline int ktcp_proc_scan_table(bool native_table, int state, int lport,
				       int rport, struct ktcp_row *first)
{
	FILE *f = fopen(ktcp_proc_path(native_table), "re");
	char line[512];
	int count = 0;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {	/* header */
		fclose(f);
		return -EIO;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned int la, lp, ra, rp, st, uid = 0;
		unsigned long tx, rx, ino = 0;
		struct ktcp_row r;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X %8lX:%8lX"
			   " %*x:%*x %*x %u %*d %lu",
			   &la, &lp, &ra, &rp, &st, &tx, &rx, &uid, &ino) < 7)
			continue;
		r.uid = uid;
		r.inode = ino;
		r.laddr = la;
		r.raddr = ra;
		r.lport = lp;
		r.rport = rp;
		r.state = st;
		r.txq = (long)tx;
		r.rxq = (long)rx;
		if ((state != KT_ANY && r.state != state) ||
		    (lport != KT_ANY && r.lport != lport) ||
		    (rport != KT_ANY && r.rport != rport))
			continue;
		if (!count && first)
			*first = r;
		count++;
	}
	fclose(f);
	return count;
}

static inline int ktcp_proc_scan(int state, int lport, int rport,
				 struct ktcp_row *first)
{
	return ktcp_proc_scan_table(false, state, lport, rport, first);
}

/* State of the (lport, rport) row, or -1 if there is none. */
static inline int ktcp_proc_state_table(bool native_table, int lport,
					int rport)
{
	struct ktcp_row r = { .state = -1 };
	int n = ktcp_proc_scan_table(native_table, KT_ANY, lport, rport, &r);

	return n > 0 ? r.state : -1;
}

static inline int ktcp_proc_state(int lport, int rport)
{
	return ktcp_proc_state_table(false, lport, rport);
}

/* The proc table must be readable: fail the test otherwise. */
static inline void ktcp_assert_proc(struct __test_metadata *_metadata)
{
	int n = ktcp_proc_scan(KT_ANY, KT_ANY, KT_ANY, NULL);

	ASSERT_LE(0, n)
		TH_LOG("cannot read %s: %s", ktcp_proc_path(false),
		       strerror(-n));
}

/*
 * Poll until exactly @count rows match (state, lport, rport), up to
 * @timeout_ms. Returns the last count seen.
 */
static inline int ktcp_wait_rows_table(bool native_table, int state,
				       int lport, int rport, int count,
				       int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;
	int n;

	for (;;) {
		n = ktcp_proc_scan_table(native_table, state, lport, rport,
					 NULL);
		if (n == count || ktcp_now_ms() > end)
			return n;
		ktcp_sleep_ms(20);
	}
}

static inline int ktcp_wait_rows(int state, int lport, int rport, int count,
				 int timeout_ms)
{
	return ktcp_wait_rows_table(false, state, lport, rport, count,
				    timeout_ms);
}

/*
 * Poll until the (lport, rport) row is in @state (-1: until it is gone).
 * Returns the last state seen (-1 for none).
 */
static inline int ktcp_wait_state_table(bool native_table, int lport,
					int rport, int state, int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;
	int st;

	for (;;) {
		st = ktcp_proc_state_table(native_table, lport, rport);
		if (st == state || ktcp_now_ms() > end)
			return st;
		ktcp_sleep_ms(20);
	}
}

static inline int ktcp_wait_state(int lport, int rport, int state,
				  int timeout_ms)
{
	return ktcp_wait_state_table(false, lport, rport, state, timeout_ms);
}

/*
 * Log the rows of both tables (ktcp's and native TCP's) of the current
 * netns that have @port at either end: what a failure left behind.
 */
static inline void ktcp_dump_rows(struct __test_metadata *_metadata, int port)
{
	const char *paths[2] = { ktcp_proc_path(false), ktcp_proc_path(true) };
	int i, n = ktcp_native() ? 1 : 2;

	for (i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "re");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int lp, rp;

			if (sscanf(line, " %*u: %*X:%X %*X:%X", &lp, &rp) != 2 ||
			    ((int)lp != port && (int)rp != port))
				continue;
			line[strcspn(line, "\n")] = 0;
			TH_LOG("%s:%s", paths[i] + strlen("/proc/thread-self"),
			       line);
		}
		fclose(f);
	}
}

/*
 * ASSERT_STATE(lport, rport, state, timeout_ms, who): the (lport, rport)
 * row reaches @state (-1: is gone) within @timeout_ms. The indirection
 * lets one macro supply "lport, rport".
 */
#define ASSERT_STATE(...) __ASSERT_STATE(__VA_ARGS__)
#define __ASSERT_STATE(lport, rport, state, timeout_ms, who) do { \
	int __st = ktcp_wait_state((lport), (rport), (state), (timeout_ms)); \
	ASSERT_EQ((state), __st) { \
		TH_LOG("%s (local port %d, remote port %d): state %s " \
		       "(0x%02X), want %s in %s", (who), (int)(lport), \
		       (int)(rport), ktcp_state_name(__st), __st, \
		       ktcp_state_name(state), ktcp_proc_path(false)); \
		ktcp_dump_rows(_metadata, (lport)); \
	} \
} while (0)

/* ------------------------------------------------------------------ */
/* Counters: /proc/net/ktcp_snmp (or /proc/net/snmp + netstat)          */
/* ------------------------------------------------------------------ */

/*
 * "Tcp:" / "TcpExt:" style files: a line of names, then a line of values
 * with the same prefix.
 */
#define KTCP__SEPS	"\t\n "

static inline int ktcp__snmp_pairs(const char *path, const char *prefix,
				   const char *name, long long *val)
{
	size_t plen = strlen(prefix), sz = 0;
	char *names = NULL, *line = NULL;
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (getline(&line, &sz, f) > 0) {
		char *sn, *sv, *n, *v;

		if (strncmp(line, prefix, plen) || line[plen] != ':')
			continue;
		if (!names) {
			names = strdup(line);
			continue;
		}
		n = strtok_r(names + plen + 1, KTCP__SEPS, &sn);
		v = strtok_r(line + plen + 1, KTCP__SEPS, &sv);
		while (n && v) {
			if (!strcmp(n, name)) {
				*val = strtoll(v, NULL, 10);
				ret = 0;
				break;
			}
			n = strtok_r(NULL, KTCP__SEPS, &sn);
			v = strtok_r(NULL, KTCP__SEPS, &sv);
		}
		free(names);
		names = NULL;
		if (!ret)
			break;
	}
	free(names);
	free(line);
	fclose(f);
	return ret;
}

/* "Name Value" lines, as in /proc/net/ktcp_snmp. */
static inline int ktcp__snmp_lines(const char *path, const char *name,
				   long long *val)
{
	FILE *f = fopen(path, "re");
	char line[256], n[128];
	long long v;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t l;

		if (sscanf(line, "%127s %lld", n, &v) != 2)
			continue;
		l = strlen(n);
		if (l && n[l - 1] == ':')
			n[l - 1] = 0;
		if (!strcmp(n, name)) {
			fclose(f);
			*val = v;
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

/* Read counter @name of the current netns into *@val: 0 or -errno. */
/* Native TCP's counter @name (Tcp: or TcpExt:) of the current netns. */
static inline int native_snmp_read(const char *name, long long *val)
{
	if (!ktcp__snmp_pairs("/proc/thread-self/net/snmp", "Tcp", name, val))
		return 0;
	return ktcp__snmp_pairs("/proc/thread-self/net/netstat", "TcpExt",
				name, val);
}

static inline int ktcp_snmp_read(const char *name, long long *val)
{
	if (!ktcp_native())
		return ktcp__snmp_lines("/proc/thread-self/net/ktcp_snmp",
					name, val);
	return native_snmp_read(name, val);
}

static inline long long ktcp_snmp(struct __test_metadata *_metadata,
				  const char *name)
{
	long long v = 0;
	int ret = ktcp_snmp_read(name, &v);

	ASSERT_EQ(0, ret)
		TH_LOG("counter %s in %s: %s", name,
		       ktcp_native() ? "/proc/net/snmp" : "/proc/net/ktcp_snmp",
		       strerror(-ret));
	return v;
}

/* Poll until counter @name equals @want; returns the last value seen. */
static inline long long ktcp_wait_snmp(struct __test_metadata *_metadata,
				       const char *name, long long want,
				       int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms, v;

	for (;;) {
		v = ktcp_snmp(_metadata, name);
		if (v == want || ktcp_now_ms() > end)
			return v;
		ktcp_sleep_ms(20);
	}
}

/* The counters the contract promises. */
static const char *const ktcp_snmp_names[] = {
	"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
	"CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
	"InCsumErrors", "OutRsts", "ListenOverflows", "ListenDrops",
};

/* ------------------------------------------------------------------ */
/* sysctls                                                             */
/* ------------------------------------------------------------------ */

static inline int ktcp_sysctl_path_read(const char *path, long *val)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	*val = strtol(buf, NULL, 10);
	return 0;
}

static inline int ktcp_sysctl_path_write(const char *path, long val)
{
	char buf[64];
	int fd = open(path, O_WRONLY | O_CLOEXEC), len;
	ssize_t n;

	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", val);
	n = write(fd, buf, len);
	close(fd);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

#define KTCP_SYSCTL_DIR "/proc/sys/net/ktcp/"

/* /proc/sys/net/ktcp/@name of the current netns: 0 or -errno. */
static inline int ktcp_sysctl_read(const char *name, long *val)
{
	char path[128];

	snprintf(path, sizeof(path), KTCP_SYSCTL_DIR "%s", name);
	return ktcp_sysctl_path_read(path, val);
}

static inline int ktcp_sysctl_write(const char *name, long val)
{
	char path[128];

	snprintf(path, sizeof(path), KTCP_SYSCTL_DIR "%s", name);
	return ktcp_sysctl_path_write(path, val);
}

/* Write a ktcp sysctl and read it back, failing the test on any error. */
static inline void ktcp_sysctl_set(struct __test_metadata *_metadata,
				   const char *name, long val)
{
	long got = -1;
	int ret = ktcp_sysctl_write(name, val);

	ASSERT_EQ(0, ret)
		TH_LOG("write %ld to " KTCP_SYSCTL_DIR "%s: %s", val, name,
		       strerror(-ret));
	ret = ktcp_sysctl_read(name, &got);
	ASSERT_EQ(0, ret)
		TH_LOG("read " KTCP_SYSCTL_DIR "%s: %s", name, strerror(-ret));
	ASSERT_EQ(val, got)
		TH_LOG(KTCP_SYSCTL_DIR "%s reads back %ld after writing %ld",
		       name, got, val);
}

/*
 * Set the TIME_WAIT length of the current netns; returns the length in
 * force (ms). Native TCP cannot change it: 60 s.
 */
static inline int ktcp_set_tw_timeout(struct __test_metadata *_metadata,
				      int ms)
{
	if (ktcp_native())
		return NATIVE_TW_MS;
	ktcp_sysctl_set(_metadata, "tw_timeout_ms", ms);
	return ms;
}

/*
 * Set the orphan FIN_WAIT_2 timeout of the current netns; returns the
 * length in force (ms). Native: net.ipv4.tcp_fin_timeout (seconds).
 */
static inline int ktcp_set_fin_timeout(struct __test_metadata *_metadata,
				       int ms)
{
	const char *p = "/proc/sys/net/ipv4/tcp_fin_timeout";
	long s = (ms + 999) / 1000, got = -1;
	int ret;

	if (!ktcp_native()) {
		ktcp_sysctl_set(_metadata, "fin_timeout_ms", ms);
		return ms;
	}
	ret = ktcp_sysctl_path_write(p, s);
	ASSERT_EQ(0, ret) TH_LOG("write %s: %s", p, strerror(-ret));
	ASSERT_EQ(0, ktcp_sysctl_path_read(p, &got));
	ASSERT_EQ(s, got);
	return s * 1000;
}

/* ------------------------------------------------------------------ */
/* Network namespaces, interfaces, veth                                */
/* ------------------------------------------------------------------ */

static inline int ktcp_if_flags(const char *ifname, short set, short clear)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;
	struct ifreq ifr;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags = (ifr.ifr_flags | set) & ~clear;
	if ((set || clear) && ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
	else if (!set && !clear)
		ret = (unsigned short)ifr.ifr_flags;
out:
	close(fd);
	return ret;
}

/* Read (@set false) or set the MAC address of @ifname. */
static inline int ktcp_if_hwaddr(const char *ifname, unsigned char mac[6],
				 bool set)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;
	struct ifreq ifr;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (set) {
		ifr.ifr_hwaddr.sa_family = 1;	/* ARPHRD_ETHER */
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(fd, SIOCSIFHWADDR, &ifr))
			ret = -errno;
	} else {
		if (ioctl(fd, SIOCGIFHWADDR, &ifr))
			ret = -errno;
		else
			memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	close(fd);
	return ret;
}

/* Bring @ifname up in the current netns (lo included). */
static inline int ktcp_if_up(const char *ifname)
{
	return ktcp_if_flags(ifname, IFF_UP, 0);
}

/* Give @ifname the address @ip/@prefix (SIOCSIFADDR + SIOCSIFNETMASK). */
static inline int ktcp_if_addr(const char *ifname, const char *ip, int prefix)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;
	struct sockaddr_in *sin;
	struct ifreq ifr;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	*sin = ktcp_sin(ip, 0);
	if (ioctl(fd, SIOCSIFADDR, &ifr)) {
		ret = -errno;
		goto out;
	}
	sin->sin_addr.s_addr = htonl(prefix ? ~0U << (32 - prefix) : 0);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr))
		ret = -errno;
out:
	close(fd);
	return ret;
}

/* Move the calling thread into a new, empty netns with lo up. */
static inline void ktcp_new_netns(struct __test_metadata *_metadata)
{
	int ret;

	ASSERT_EQ(0, unshare(CLONE_NEWNET))
		TH_LOG("unshare(CLONE_NEWNET): %s (need root)",
		       strerror(errno));
	ret = ktcp_if_up("lo");
	ASSERT_EQ(0, ret) TH_LOG("bringing lo up: %s", strerror(-ret));
}

/* An fd for the calling thread's netns (for setns()). */
static inline int ktcp_netns_fd(struct __test_metadata *_metadata)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open ns/net: %s", strerror(errno));
	return fd;
}

static inline void ktcp_setns(struct __test_metadata *_metadata, int nsfd)
{
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWNET))
		TH_LOG("setns: %s", strerror(errno));
}

/*
 * A fresh netns with lo up, held by the returned fd; the calling thread
 * stays in (returns to) its current netns.
 */
static inline int ktcp_make_netns(struct __test_metadata *_metadata)
{
	int here = ktcp_netns_fd(_metadata), there;

	ktcp_new_netns(_metadata);
	there = ktcp_netns_fd(_metadata);
	ktcp_setns(_metadata, here);
	close(here);
	return there;
}

static inline void ktcp__nla_put(struct nlmsghdr *n, size_t max, int type,
				 const void *data, size_t len)
{
	struct nlattr *a = (void *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	if (NLMSG_ALIGN(n->nlmsg_len) + NLA_HDRLEN + NLA_ALIGN(len) > max)
		abort();
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static inline struct nlattr *ktcp__nla_nest(struct nlmsghdr *n, size_t max,
					    int type)
{
	struct nlattr *a = (void *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	ktcp__nla_put(n, max, type, NULL, 0);	/* as iproute2 */
	return a;
}

static inline void ktcp__nla_end(struct nlmsghdr *n, struct nlattr *a)
{
	a->nla_len = (char *)n + n->nlmsg_len - (char *)a;
}

/*
 * Create a veth pair in the current netns: @name here, @peer in the netns
 * @peer_nsfd. Returns 0 or -errno (-EOPNOTSUPP: no veth driver).
 */
static inline int ktcp_veth_create(const char *name, const char *peer,
				   int peer_nsfd)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
		char buf[512];
	} req;
	struct {
		struct nlmsghdr n;
		struct nlmsgerr e;
		char buf[512];
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg pi;
	int fd, ret;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.i));
	req.n.nlmsg_type = RTM_NEWLINK;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			    NLM_F_EXCL;
	req.n.nlmsg_seq = 1;
	req.i.ifi_family = AF_UNSPEC;
	ktcp__nla_put(&req.n, sizeof(req), IFLA_IFNAME, name,
		      strlen(name) + 1);
	linkinfo = ktcp__nla_nest(&req.n, sizeof(req), IFLA_LINKINFO);
	ktcp__nla_put(&req.n, sizeof(req), IFLA_INFO_KIND, "veth", 5);
	data = ktcp__nla_nest(&req.n, sizeof(req), IFLA_INFO_DATA);
	peerinfo = ktcp__nla_nest(&req.n, sizeof(req), VETH_INFO_PEER);
	memset(&pi, 0, sizeof(pi));
	pi.ifi_family = AF_UNSPEC;
	/* struct ifinfomsg is the peer attribute's header */
	memcpy((char *)&req.n + req.n.nlmsg_len, &pi, sizeof(pi));
	req.n.nlmsg_len += NLMSG_ALIGN(sizeof(pi));
	ktcp__nla_put(&req.n, sizeof(req), IFLA_IFNAME, peer,
		      strlen(peer) + 1);
	ktcp__nla_put(&req.n, sizeof(req), IFLA_NET_NS_FD, &peer_nsfd,
		      sizeof(peer_nsfd));
	ktcp__nla_end(&req.n, peerinfo);
	ktcp__nla_end(&req.n, data);
	ktcp__nla_end(&req.n, linkinfo);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, &ack, sizeof(ack), 0);
	if (n < 0)
		ret = -errno;
	else if (n < (ssize_t)NLMSG_LENGTH(sizeof(ack.e)) ||
		 ack.n.nlmsg_type != NLMSG_ERROR)
		ret = -EPROTO;
	else
		ret = ack.e.error;
out:
	close(fd);
	return ret;
}

/* Wait until @ifname is IFF_RUNNING (carrier up). */
static inline bool ktcp_wait_running(const char *ifname, int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;

	for (;;) {
		int fl = ktcp_if_flags(ifname, 0, 0);

		if (fl >= 0 && (fl & IFF_RUNNING))
			return true;
		if (ktcp_now_ms() > end)
			return false;
		ktcp_sleep_ms(20);
	}
}

/* Addresses of the veth pair: RFC 2544 benchmarking range. */
#define KTCP_VETH_A	"kt_va"
#define KTCP_VETH_B	"kt_vb"
#define KTCP_VETH_IP_A	"198.18.0.1"
#define KTCP_VETH_IP_B	"198.18.0.2"

/*
 * Wire the calling thread's netns (A) to a new netns (B, returned as an
 * fd) with a veth pair: KTCP_VETH_IP_A/24 here, KTCP_VETH_IP_B/24 there.
 * The calling thread ends up back in A.
 */
static inline int ktcp_veth_pair(struct __test_metadata *_metadata)
{
	int here = ktcp_netns_fd(_metadata);
	int there = ktcp_make_netns(_metadata);
	int ret;

	ret = ktcp_veth_create(KTCP_VETH_A, KTCP_VETH_B, there);
	if (ret == -EOPNOTSUPP || ret == -ENOENT) {
		/* no veth driver yet: try loading it */
		if (system("modprobe veth >/dev/null 2>&1") == 0)
			ret = ktcp_veth_create(KTCP_VETH_A, KTCP_VETH_B, there);
	}
	ASSERT_EQ(0, ret)
		TH_LOG("creating veth pair: %s (modprobe veth?)",
		       strerror(-ret));

	/* IPv4 only: no IPv6 chatter (DAD, RS) on the pair */
	ktcp_sysctl_path_write("/proc/sys/net/ipv6/conf/" KTCP_VETH_A
			       "/disable_ipv6", 1);
	ret = ktcp_if_addr(KTCP_VETH_A, KTCP_VETH_IP_A, 24);
	ASSERT_EQ(0, ret) TH_LOG("address on " KTCP_VETH_A ": %s",
				 strerror(-ret));
	ret = ktcp_if_up(KTCP_VETH_A);
	ASSERT_EQ(0, ret) TH_LOG("up " KTCP_VETH_A ": %s", strerror(-ret));

	ktcp_setns(_metadata, there);
	ktcp_sysctl_path_write("/proc/sys/net/ipv6/conf/" KTCP_VETH_B
			       "/disable_ipv6", 1);
	ret = ktcp_if_addr(KTCP_VETH_B, KTCP_VETH_IP_B, 24);
	ASSERT_EQ(0, ret) TH_LOG("address on " KTCP_VETH_B ": %s",
				 strerror(-ret));
	ret = ktcp_if_up(KTCP_VETH_B);
	ASSERT_EQ(0, ret) TH_LOG("up " KTCP_VETH_B ": %s", strerror(-ret));
	ASSERT_TRUE(ktcp_wait_running(KTCP_VETH_B,
				      ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG(KTCP_VETH_B " has no carrier");

	ktcp_setns(_metadata, here);
	close(here);
	ASSERT_TRUE(ktcp_wait_running(KTCP_VETH_A,
				      ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG(KTCP_VETH_A " has no carrier");
	return there;
}

#endif /* KTCP_TESTS_COMMON_H */
