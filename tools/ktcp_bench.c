// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_bench: one bulk transfer between a client and a server socket,
 * either of which can be ktcp or native TCP, IPv4 or IPv6, optionally in two
 * network namespaces; the transfer engine is netem.c's (bulk_end_run() of
 * userspace-tests/lib/bulk.c): a deterministic stream each way at once,
 * SHA-256 compared at both ends. scripts/bench.sh and
 * userspace-tests/capture-check.sh drive it.
 *
 *   ktcp_bench [options]                  one transfer, prints a RESULT line
 *
 * (The veth set-up, offloads off included, is tools/ktcp_topo's.)
 *
 * Options:
 *   -c, --client FAM         ktcp, inet, ktcp6, inet6 or a family number
 *                            (default ktcp)
 *   -s, --server FAM         the same for the server (default ktcp)
 *   -C, --client-netns PATH  netns file for the client (default: current)
 *   -S, --server-netns PATH  netns file for the server (default: current)
 *   -a, --addr IP            server address, IPv4 or IPv6 (default
 *                            127.0.0.1)
 *   -b, --bytes N[KMG]       bytes per direction (default 64M)
 *   -d, --dir both|up|down   up is client to server (default both)
 *   -t, --timeout S          give up after S seconds (default 900)
 *   -i, --idle S             fail after S seconds without progress (120)
 *   -q, --quiet              print only the RESULT line
 *
 * "ktcp" is the family in /sys/module/ktcp/parameters/family (23 if the
 * file is missing), "ktcp6" the one in .../family6 (12); with
 * KTCP_TEST_FAMILY=inet they mean AF_INET and AF_INET6, so the scripts
 * can be checked against native TCP alone.
 *
 * The last line is machine-readable:
 *   RESULT ok|FAIL secs=S up=BYTES down=BYTES mibps=M retrans_client=N
 *     retrans_server=N csumerr_client=N csumerr_server=N [why="..."]
 * (mibps: bytes moved in both directions together per second; counters
 * are RetransSegs and InCsumErrors deltas of each end's stack in its
 * netns, -1 if unreadable.) Exit status: 0 when every byte arrived and
 * the digests match, 1 on a failed transfer, 2 on a usage or setup error.
 *
 * A tool, not a test: `make tools` builds it into tools/build/.
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <getopt.h>
#include <stdarg.h>

#define SEED_UP		0x75707374726561ULL	/* client -> server */
#define SEED_DOWN	0x646f776e737472ULL	/* server -> client */

static bool quiet;

static void msg(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fputs("ktcp_bench: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static void __attribute__((noreturn)) die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ktcp_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	printf("RESULT FAIL secs=0 up=0 down=0 mibps=0 retrans_client=-1 retrans_server=-1 csumerr_client=-1 csumerr_server=-1 why=\"setup\"\n");
	exit(code);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: ktcp_bench [-c FAM] [-s FAM] [-C NETNS] [-S NETNS] [-a IP]\n"
		"                  [-b BYTES] [-d both|up|down] [-t S] [-i S] [-q]\n"
		"  FAM: ktcp, inet, ktcp6, inet6 or a number; see the head of ktcp_bench.c\n");
	exit(2);
}

static int parse_family(const char *s)
{
	int fam = ktcp_parse_family(s);

	if (fam < 0) {
		fprintf(stderr, "ktcp_bench: unknown family '%s'\n", s);
		usage();
	}
	return fam;
}

struct side {
	const char *who;
	int family;
	int nsfd;		/* -1: the netns we started in */
	long long retrans0, csum0, retrans, csum;
};

static int home_ns = -1;

static void enter(const struct side *s)
{
	int fd = s->nsfd < 0 ? home_ns : s->nsfd;

	if (setns(fd, CLONE_NEWNET))
		die(2, "setns to the %s netns: %s", s->who, strerror(errno));
}

static void read_counters(struct side *s, bool after)
{
	long long r, c;

	enter(s);
	r = ktcp_counter(s->family, "RetransSegs");
	c = ktcp_counter(s->family, "InCsumErrors");
	if (!after) {
		s->retrans0 = r;
		s->csum0 = c;
		return;
	}
	s->retrans = r < 0 || s->retrans0 < 0 ? -1 : r - s->retrans0;
	s->csum = c < 0 || s->csum0 < 0 ? -1 : c - s->csum0;
}

static int open_ns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(2, "open netns %s: %s", path, strerror(errno));
	return fd;
}

static bool is_native(int fam)
{
	return fam == AF_INET || fam == AF_INET6;
}

static const char *family_name(int fam, char *buf, size_t len)
{
	if (fam == AF_INET)
		return "inet";
	if (fam == AF_INET6)
		return "inet6";
	snprintf(buf, len, "ktcp(%d)", fam);
	return buf;
}

/* What the command line asks for. */
struct bench {
	struct side cli, srv;
	const char *addr;
	union {			/* the server's; its port once listening */
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;
	socklen_t salen;
	uint64_t up, down;
	int timeout_s, idle_s;
};

/* -d both|up|down with -b BYTES: the bytes of each direction. */
static void set_dir(struct bench *b, const char *dir, uint64_t bytes)
{
	if (!strcmp(dir, "both") || !strcmp(dir, "up"))
		b->up = bytes;
	if (!strcmp(dir, "both") || !strcmp(dir, "down"))
		b->down = bytes;
	if (!b->up && !b->down)
		usage();
}

static void parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "client", required_argument, NULL, 'c' },
		{ "server", required_argument, NULL, 's' },
		{ "client-netns", required_argument, NULL, 'C' },
		{ "server-netns", required_argument, NULL, 'S' },
		{ "addr", required_argument, NULL, 'a' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "idle", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *cli_fam = "ktcp", *srv_fam = "ktcp", *dir = "both";
	const char *cli_ns = NULL, *srv_ns = NULL;
	uint64_t bytes = 64ULL << 20;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:s:C:S:a:b:d:t:i:qh", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c': cli_fam = optarg; break;
		case 's': srv_fam = optarg; break;
		case 'C': cli_ns = optarg; break;
		case 'S': srv_ns = optarg; break;
		case 'a': b->addr = optarg; break;
		case 'b':
			bytes = ktcp_parse_size(optarg);
			if (!bytes)
				die(2, "bad byte count '%s'", optarg);
			break;
		case 'd': dir = optarg; break;
		case 't': b->timeout_s = atoi(optarg); break;
		case 'i': b->idle_s = atoi(optarg); break;
		case 'q': quiet = true; break;
		default: usage();
		}
	}
	if (optind != argc || b->timeout_s <= 0 || b->idle_s <= 0)
		usage();
	set_dir(b, dir, bytes);
	if (inet_pton(AF_INET, b->addr, &b->sa.v4.sin_addr) == 1) {
		b->sa.v4.sin_family = AF_INET;
		b->salen = sizeof(b->sa.v4);
	} else if (inet_pton(AF_INET6, b->addr, &b->sa.v6.sin6_addr) == 1) {
		b->sa.v6.sin6_family = AF_INET6;
		b->salen = sizeof(b->sa.v6);
	} else {
		die(2, "bad IPv4 or IPv6 address '%s'", b->addr);
	}
	b->cli.family = parse_family(cli_fam);
	b->srv.family = parse_family(srv_fam);
	home_ns = open_ns("/proc/thread-self/ns/net");
	if (cli_ns)
		b->cli.nsfd = open_ns(cli_ns);
	if (srv_ns)
		b->srv.nsfd = open_ns(srv_ns);
}

/* The listener, in the server's netns, on an ephemeral port. */
static int listen_srv(struct bench *b)
{
	socklen_t salen = b->salen;
	int lfd, one = 1;

	enter(&b->srv);
	lfd = socket(b->srv.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die(2, "server socket(%d): %s%s", b->srv.family, strerror(errno),
		    !is_native(b->srv.family) ? " (is ktcp.ko loaded?)" : "");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, &b->sa.sa, b->salen) || listen(lfd, 4) ||
	    getsockname(lfd, &b->sa.sa, &salen))
		die(2, "server bind/listen on %s: %s", b->addr, strerror(errno));
	read_counters(&b->srv, false);
	return lfd;
}

/* The client's connection, from its netns, and the server's end of it. */
static void connect_cli(struct bench *b, int lfd, int *c, int *s)
{
	int idle = b->idle_s * 1000, ret;
	socklen_t len = sizeof(ret);

	enter(&b->cli);
	read_counters(&b->cli, false);
	*c = socket(b->cli.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (*c < 0)
		die(2, "client socket(%d): %s%s", b->cli.family, strerror(errno),
		    !is_native(b->cli.family) ? " (is ktcp.ko loaded?)" : "");
	ret = connect(*c, &b->sa.sa, b->salen);
	if (ret && errno != EINPROGRESS)
		die(1, "connect to %s port %u: %s", b->addr,
		    ntohs(b->sa.v4.sin_port), strerror(errno));
	if (ktcp_poll1(lfd, POLLIN, idle, NULL) <= 0)
		die(1, "no connection to accept within %d s", b->idle_s);
	*s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*s < 0)
		die(1, "accept: %s", strerror(errno));
	if (ktcp_poll1(*c, POLLOUT, idle, NULL) <= 0)
		die(1, "connect did not complete within %d s", b->idle_s);
	if (getsockopt(*c, SOL_SOCKET, SO_ERROR, &ret, &len) || ret)
		die(1, "connect: %s", strerror(ret));
}

/* Why the transfer failed, in @why, or "" when it did not. */
static void judge(const struct bench *b, const struct bulk_end *ce,
		  const struct bulk_end *se, char *why, size_t len)
{
	const struct bulk_end *e = ce->err ? ce : se;

	if (e->err)
		snprintf(why, len, "%s %s: %s (sent %llu, got %llu)",
			 e == ce ? "client" : "server", e->err_what,
			 strerror(-e->err), (unsigned long long)e->sent,
			 (unsigned long long)e->rcvd);
	else if (se->rcvd != b->up || ce->rcvd != b->down)
		snprintf(why, len, "short: server got %llu of %llu, client %llu of %llu",
			 (unsigned long long)se->rcvd, (unsigned long long)b->up,
			 (unsigned long long)ce->rcvd,
			 (unsigned long long)b->down);
	else if (se->bad_off >= 0 || ce->bad_off >= 0)
		snprintf(why, len, "corrupt data: first wrong byte at server %lld, client %lld",
			 (long long)se->bad_off, (long long)ce->bad_off);
	else if (memcmp(ce->tx_sha, se->rx_sha, BULK_SHA256_LEN) ||
		 memcmp(se->tx_sha, ce->rx_sha, BULK_SHA256_LEN))
		snprintf(why, len, "SHA-256 mismatch");
	else
		why[0] = 0;
}

static int report(const struct bench *b, const struct bulk_end *ce,
		  const struct bulk_end *se, double secs)
{
	double mibps = secs > 0 ? (se->rcvd + ce->rcvd) / 1048576.0 / secs : 0;
	char why[256], h1[65], h2[65];
	bool ok;

	judge(b, ce, se, why, sizeof(why));
	ok = !why[0];
	msg("up   (client->server) sha256 sent %s", bulk_hex(ce->tx_sha, h1));
	msg("                           got  %s", bulk_hex(se->rx_sha, h2));
	msg("down (server->client) sha256 sent %s", bulk_hex(se->tx_sha, h1));
	msg("                           got  %s", bulk_hex(ce->rx_sha, h2));
	msg("%.3f s, %.2f MiB/s both ways together; RetransSegs client %lld server %lld; InCsumErrors client %lld server %lld",
	    secs, mibps, b->cli.retrans, b->srv.retrans, b->cli.csum,
	    b->srv.csum);
	if (!ok)
		fprintf(stderr, "ktcp_bench: FAIL: %s\n", why);
	printf("RESULT %s secs=%.3f up=%llu down=%llu mibps=%.2f retrans_client=%lld retrans_server=%lld csumerr_client=%lld csumerr_server=%lld%s%s%s\n",
	       ok ? "ok" : "FAIL", secs, (unsigned long long)se->rcvd,
	       (unsigned long long)ce->rcvd, mibps, b->cli.retrans,
	       b->srv.retrans, b->cli.csum, b->srv.csum,
	       ok ? "" : " why=\"", ok ? "" : why, ok ? "" : "\"");
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct bench b = {
		.cli = { .who = "client", .nsfd = -1 },
		.srv = { .who = "server", .nsfd = -1 },
		.addr = "127.0.0.1",
		.timeout_s = 900,
		.idle_s = 120,
	};
	struct bulk_end ce, se;
	char b1[32], b2[32];
	int lfd, c, s;
	long long t0;
	pthread_t th;

	parse_args(&b, argc, argv);
	signal(SIGPIPE, SIG_IGN);

	lfd = listen_srv(&b);
	t0 = ktcp_now_ms();
	connect_cli(&b, lfd, &c, &s);
	/* sin6_port is where sin_port is */
	msg("%s client -> %s server %s port %u, %llu bytes up, %llu down",
	    family_name(b.cli.family, b1, sizeof(b1)),
	    family_name(b.srv.family, b2, sizeof(b2)), b.addr,
	    ntohs(b.sa.v4.sin_port), (unsigned long long)b.up,
	    (unsigned long long)b.down);

	ce = (struct bulk_end){
		.fd = c, .send_len = b.up, .send_seed = SEED_UP,
		.recv_seed = SEED_DOWN, .recv_max = b.down,
		.idle_ms = b.idle_s * 1000,
		.deadline_ms = t0 + b.timeout_s * 1000LL,
	};
	se = (struct bulk_end){
		.fd = s, .send_len = b.down, .send_seed = SEED_DOWN,
		.recv_seed = SEED_UP, .recv_max = b.up,
		.idle_ms = b.idle_s * 1000,
		.deadline_ms = t0 + b.timeout_s * 1000LL,
	};
	if (pthread_create(&th, NULL, bulk_end_thread, &se))
		die(2, "pthread_create failed");
	bulk_end_run(&ce);
	pthread_join(th, NULL);
	close(c);
	close(s);
	close(lfd);
	read_counters(&b.cli, true);
	read_counters(&b.srv, true);
	return report(&b, &ce, &se,
		      ((ce.t_end > se.t_end ? ce.t_end : se.t_end) - t0) / 1000.0);
}
