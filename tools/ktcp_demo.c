// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_demo: move a stream of bytes between two endpoints and compare
 * SHA-256 digests at both ends. Either end can use ktcp or native AF_INET
 * TCP, so the two stacks can talk to each other over 127.0.0.1.
 *
 *   ktcp_demo [-k|-i] [options] server PORT
 *   ktcp_demo [-k|-i] [options] client HOST PORT BYTES
 *
 * The client sends BYTES (suffix K, M or G: KiB, MiB, GiB) of pseudo-random
 * data and shuts down its sending side; the server reads to EOF, hashes what
 * it got and answers with the byte count and digest; the client compares
 * them with its own. Both print family, bytes, time and digest. Exit status:
 * 0 on a match, 1 on a mismatch or error, 2 on a usage error or timeout.
 *
 * A tool, not a test: `make tools` builds it into tools/build/,
 * scripts/demo.sh runs it.
 */
#include "../userspace-tests/lib/ktcptest.h"	/* family, SHA-256 */

#include <getopt.h>
#include <stdarg.h>

#define CHUNK		(64 * 1024)
#define DIGEST_LEN	BULK_SHA256_LEN
#define REPLY_LEN	(8 + DIGEST_LEN)

static const char *prog = "ktcp_demo";
static const char *role = "demo";

/* ---- helpers ---- */

__attribute__((format(printf, 1, 2)))
static void msg(const char *fmt, ...);
static void msg(const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", prog, role);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define die(fmt, ...) do {						\
	fprintf(stderr, "%s %s: error: " fmt "\n", prog, role, ##__VA_ARGS__); \
	exit(1);							\
} while (0)

#define die_errno(what) die("%s: %s", what, strerror(errno))

static double now(void)
{
	return ktcp_now_ms() / 1000.0;
}

static void on_alarm(int sig)
{
	static const char m[] = "ktcp_demo: error: timed out\n";

	(void)sig;
	if (write(STDERR_FILENO, m, sizeof(m) - 1) < 0)
		_exit(2);
	_exit(2);
}

static const char *family_name(int family)
{
	static char name[32];

	if (family == AF_INET)
		return "AF_INET (native TCP)";
	snprintf(name, sizeof(name), "ktcp (family %d)", family);
	return name;
}

static int open_socket(int family)
{
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0) {
		if (family != AF_INET && (errno == EAFNOSUPPORT || errno == EINVAL))
			die("socket(%d, SOCK_STREAM): %s (is ktcp.ko loaded?)",
			    family, strerror(errno));
		die("socket(%d, SOCK_STREAM): %s", family, strerror(errno));
	}
	return fd;
}

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("send");
		}
		p += n;
		len -= n;
	}
}

/* Reads up to len bytes; returns fewer only at EOF. */
static size_t read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, p + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die_errno("recv");
		}
		if (!n)
			break;
		got += n;
	}
	return got;
}

static void show_file(const char *path, const char *when)
{
	char line[512];
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "r");
	if (!f) {
		msg("cannot read %s: %s", path, strerror(errno));
		return;
	}
	msg("%s %s:", path, when);
	while (fgets(line, sizeof(line), f))
		printf("    %s", line);
	fclose(f);
	fflush(stdout);
}

/* ktcp_parse_size(), but "0" is a size too: UINT64_MAX on error. */
static uint64_t parse_bytes(const char *s)
{
	uint64_t v = ktcp_parse_size(s);

	if (!v && (!*s || s[strspn(s, "0")]))
		return UINT64_MAX;
	return v;
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return (*end || v < 1 || v > 65535) ? -1 : (int)v;
}

/* xorshift64*: the same stream on every run, cheap to make. */
static void fill_random(uint64_t *state, uint8_t *buf, size_t len)
{
	uint64_t x = *state, r;
	size_t i;

	for (i = 0; i < len; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		r = x * 0x2545f4914f6cdd1dULL;
		memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
	}
	*state = x;
}

static void report(const char *what, uint64_t bytes, double secs,
		   const uint8_t digest[DIGEST_LEN])
{
	char hexd[2 * DIGEST_LEN + 1];

	ktcp_hex(digest, DIGEST_LEN, hexd);
	msg("%s %llu bytes in %.3f s (%.2f MiB/s), sha256 %s", what,
	    (unsigned long long)bytes, secs,
	    secs > 0 ? bytes / secs / (1 << 20) : 0.0, hexd);
}

/* ---- the two ends ---- */

static int run_server(int family, int port, const char *show)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	static uint8_t buf[CHUNK];
	uint8_t digest[DIGEST_LEN], reply[REPLY_LEN];
	struct bulk_sha256 sha;
	uint64_t total = 0;
	int lfd, fd, one = 1, i;
	double t0;
	size_t n;

	lfd = open_socket(family);
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		msg("warning: SO_REUSEADDR: %s", strerror(errno));
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind 127.0.0.1:%d: %s", port, strerror(errno));
	if (listen(lfd, 8))
		die_errno("listen");
	msg("%s listening on 127.0.0.1:%d", family_name(family), port);

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die_errno("accept");
	close(lfd);
	msg("connection accepted");

	bulk_sha256_init(&sha);
	t0 = now();
	do {
		n = read_full(fd, buf, sizeof(buf));
		bulk_sha256_update(&sha, buf, n);
		total += n;
	} while (n == sizeof(buf));	/* less: EOF */
	bulk_sha256_final(&sha, digest);
	report("received", total, now() - t0, digest);

	for (i = 0; i < 8; i++)
		reply[i] = total >> (56 - 8 * i);
	memcpy(reply + 8, digest, DIGEST_LEN);
	write_all(fd, reply, sizeof(reply));
	show_file(show, "with the connection up");
	if (close(fd))
		die_errno("close");
	return 0;
}

static int run_client(int family, const char *host, int port, uint64_t bytes,
		      const char *show, double retry)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	static uint8_t buf[CHUNK];
	uint8_t digest[DIGEST_LEN], reply[REPLY_LEN];
	uint64_t left = bytes, seed = 0x6b746370ULL, peer_bytes = 0;
	char mine[2 * DIGEST_LEN + 1], theirs[2 * DIGEST_LEN + 1];
	struct bulk_sha256 sha;
	double t0, deadline = now() + retry;
	size_t n;
	int fd, i;

	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
		die("bad IPv4 address '%s'", host);

	for (;;) {
		fd = open_socket(family);
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			break;
		if (errno != ECONNREFUSED || now() > deadline)
			die("connect %s:%d: %s", host, port, strerror(errno));
		close(fd);
		usleep(100 * 1000);
	}
	msg("%s connected to %s:%d, sending %llu bytes", family_name(family),
	    host, port, (unsigned long long)bytes);

	bulk_sha256_init(&sha);
	t0 = now();
	while (left) {
		n = left < sizeof(buf) ? left : sizeof(buf);
		fill_random(&seed, buf, n);
		bulk_sha256_update(&sha, buf, n);
		write_all(fd, buf, n);
		left -= n;
	}
	if (shutdown(fd, SHUT_WR))
		die_errno("shutdown");
	bulk_sha256_final(&sha, digest);
	report("sent", bytes, now() - t0, digest);

	if (read_full(fd, reply, sizeof(reply)) != sizeof(reply))
		die("connection closed before the server's digest arrived");
	show_file(show, "with the connection up");
	if (close(fd))
		die_errno("close");
	show_file(show, "after close");

	for (i = 0; i < 8; i++)
		peer_bytes = peer_bytes << 8 | reply[i];
	ktcp_hex(digest, DIGEST_LEN, mine);
	ktcp_hex(reply + 8, DIGEST_LEN, theirs);
	if (peer_bytes != bytes || memcmp(digest, reply + 8, DIGEST_LEN)) {
		fprintf(stderr,
			"%s client: MISMATCH: sent %llu bytes sha256 %s, server got %llu bytes sha256 %s\n",
			prog, (unsigned long long)bytes, mine,
			(unsigned long long)peer_bytes, theirs);
		return 1;
	}
	msg("OK: server received the same %llu bytes (sha256 %s)",
	    (unsigned long long)bytes, mine);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [-k|-i] [options] server PORT\n"
		"       %s [-k|-i] [options] client HOST PORT BYTES\n"
		"  -k, --ktcp         use ktcp (default; family from %s,\n"
		"                     else %d)\n"
		"  -i, --inet         use native AF_INET TCP\n"
		"  -f, --family N     use socket family N\n"
		"  -s, --show FILE    print FILE (e.g. /proc/net/ktcp) while the\n"
		"                     connection is up, and after close (client)\n"
		"  -r, --retry SEC    client: retry refused connects (default 10)\n"
		"  -t, --timeout SEC  give up after SEC seconds (default 300)\n"
		"BYTES takes a K, M or G suffix (KiB, MiB, GiB).\n",
		prog, prog, KTCP_FAMILY_SYSFS, AF_KTCP_DEFAULT);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ktcp", no_argument, NULL, 'k' },
		{ "inet", no_argument, NULL, 'i' },
		{ "family", required_argument, NULL, 'f' },
		{ "show", required_argument, NULL, 's' },
		{ "retry", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *show = NULL;
	double retry = 10;
	int family = -1, timeout = 300, port, c;
	uint64_t bytes;

	while ((c = getopt_long(argc, argv, "+kif:s:r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			family = -1;
			break;
		case 'i':
			family = AF_INET;
			break;
		case 'f':
			family = atoi(optarg);
			break;
		case 's':
			show = optarg;
			break;
		case 'r':
			retry = atof(optarg);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (family < 0)
		family = ktcp_module_family();
	signal(SIGALRM, on_alarm);
	if (timeout > 0)
		alarm(timeout);

	if (!strcmp(argv[0], "server") && argc == 2) {
		role = "server";
		port = parse_port(argv[1]);
		if (port < 0)
			usage();
		return run_server(family, port, show);
	}
	if (!strcmp(argv[0], "client") && argc == 4) {
		role = "client";
		port = parse_port(argv[2]);
		bytes = parse_bytes(argv[3]);
		if (port < 0 || bytes == UINT64_MAX)
			usage();
		return run_client(family, argv[1], port, bytes, show, retry);
	}
	usage();
	return 2;
}
