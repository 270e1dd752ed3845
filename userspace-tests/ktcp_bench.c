// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_bench: one bulk transfer between a client and a server socket,
 * either of which can be ktcp or native AF_INET TCP, optionally in two
 * network namespaces; the transfer engine is netem.c's (bulk.h): a
 * deterministic stream each way at once, SHA-256 compared at both ends.
 * scripts/bench.sh and userspace-tests/capture-check.sh drive it.
 *
 *   ktcp_bench [options]                  one transfer, prints a RESULT line
 *   ktcp_bench offloads-off IFNAME...     ethtool -K IFNAME tx off tso off
 *                                         gso off, in the current netns
 *
 * Options:
 *   -c, --client FAM         ktcp, inet or a family number (default ktcp)
 *   -s, --server FAM         the same for the server (default ktcp)
 *   -C, --client-netns PATH  netns file for the client (default: current)
 *   -S, --server-netns PATH  netns file for the server (default: current)
 *   -a, --addr IP            server address (default 127.0.0.1)
 *   -b, --bytes N[KMG]       bytes per direction (default 64M)
 *   -d, --dir both|up|down   up is client to server (default both)
 *   -t, --timeout S          give up after S seconds (default 900)
 *   -i, --idle S             fail after S seconds without progress (120)
 *   -q, --quiet              print only the RESULT line
 *
 * "ktcp" is the family in /sys/module/ktcp/parameters/family (23 if the
 * file is missing); with KTCP_TEST_FAMILY=inet it means AF_INET, so the
 * scripts can be checked against native TCP alone.
 *
 * The last line is machine-readable:
 *   RESULT ok|FAIL secs=S up=BYTES down=BYTES mibps=M retrans_client=N
 *     retrans_server=N csumerr_client=N csumerr_server=N [why="..."]
 * (mibps: bytes moved in both directions together per second; counters
 * are RetransSegs and InCsumErrors deltas of each end's stack in its
 * netns, -1 if unreadable.) Exit status: 0 when every byte arrived and
 * the digests match, 1 on a failed transfer, 2 on a usage or setup error.
 *
 * Not a kselftest-harness test: run.sh leaves it out.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "lib/ktcptest.h"
#include "../module/uapi/ktcp.h"

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
		"       ktcp_bench offloads-off IFNAME...\n"
		"  FAM: ktcp, inet or a number; see the head of ktcp_bench.c\n");
	exit(2);
}

static int ktcp_family_number(void)
{
	const char *e = getenv("KTCP_TEST_FAMILY");
	FILE *f;
	int fam = AF_KTCP;
	char buf[32];

	if (e && (!strcasecmp(e, "inet") || !strcasecmp(e, "native")))
		return AF_INET;
	f = fopen(KTCP_FAMILY_SYSFS, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && atoi(buf) > 0)
			fam = atoi(buf);
		fclose(f);
	}
	return fam;
}

static int parse_family(const char *s)
{
	if (!strcasecmp(s, "ktcp"))
		return ktcp_family_number();
	if (!strcasecmp(s, "inet") || !strcasecmp(s, "native"))
		return AF_INET;
	if (*s >= '0' && *s <= '9')
		return atoi(s);
	fprintf(stderr, "ktcp_bench: unknown family '%s'\n", s);
	usage();
}

/* ---- counters of the current netns ---- */

/* "Name Value" lines (/proc/net/ktcp_snmp). */
static long long counter_lines(const char *path, const char *name)
{
	FILE *f = fopen(path, "re");
	char line[256], n[128];
	long long v, ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lld", n, &v) == 2 && !strcmp(n, name)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* "Tcp: names" then "Tcp: values" (/proc/net/snmp). */
static long long counter_pairs(const char *path, const char *name)
{
	char *line = NULL, *names = NULL, *sn, *sv, *a, *b;
	FILE *f = fopen(path, "re");
	long long ret = -1;
	size_t sz = 0;

	if (!f)
		return -1;
	while (ret < 0 && getline(&line, &sz, f) > 0) {
		if (strncmp(line, "Tcp:", 4))
			continue;
		if (!names) {
			names = strdup(line);
			continue;
		}
		a = strtok_r(names + 4, " \t\n", &sn);
		b = strtok_r(line + 4, " \t\n", &sv);
		while (a && b) {
			if (!strcmp(a, name)) {
				ret = atoll(b);
				break;
			}
			a = strtok_r(NULL, " \t\n", &sn);
			b = strtok_r(NULL, " \t\n", &sv);
		}
		break;
	}
	free(names);
	free(line);
	fclose(f);
	return ret;
}

static long long counter(int family, const char *name)
{
	if (family == AF_INET)
		return counter_pairs("/proc/thread-self/net/snmp", name);
	return counter_lines("/proc/thread-self/net/ktcp_snmp", name);
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
	r = counter(s->family, "RetransSegs");
	c = counter(s->family, "InCsumErrors");
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

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = ev };
	int ret;

	do {
		ret = poll(&pfd, 1, ms);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

static int offloads_off(int argc, char **argv)
{
	const char *what = "";
	int i, ret, rc = 0;

	if (argc < 1)
		usage();
	for (i = 0; i < argc; i++) {
		ret = bulk_if_offloads_off(argv[i], &what);
		if (ret) {
			fprintf(stderr, "ktcp_bench: %s: turning %s off: %s\n",
				argv[i], what, strerror(-ret));
			rc = 1;
		}
	}
	return rc;
}

static const char *family_name(int fam, char *buf, size_t len)
{
	if (fam == AF_INET)
		return "inet";
	snprintf(buf, len, "ktcp(%d)", fam);
	return buf;
}

int main(int argc, char **argv)
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
	struct side cli = { .who = "client", .nsfd = -1 };
	struct side srv = { .who = "server", .nsfd = -1 };
	const char *cli_fam = "ktcp", *srv_fam = "ktcp", *addr = "127.0.0.1";
	const char *cli_ns = NULL, *srv_ns = NULL, *dir = "both";
	uint64_t bytes = 64ULL << 20, up, down;
	struct bulk_end ce = { 0 }, se = { 0 };
	char why[256] = "", h1[65], h2[65], b1[32], b2[32];
	int timeout_s = 900, idle_s = 120, opt, lfd, c, s, one = 1, ret;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	long long t0, t1;
	double secs;
	pthread_t th;
	bool ok;

	if (argc > 1 && !strcmp(argv[1], "offloads-off"))
		return offloads_off(argc - 2, argv + 2);
	while ((opt = getopt_long(argc, argv, "c:s:C:S:a:b:d:t:i:qh", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			cli_fam = optarg;
			break;
		case 's':
			srv_fam = optarg;
			break;
		case 'C':
			cli_ns = optarg;
			break;
		case 'S':
			srv_ns = optarg;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'b':
			bytes = ktcp_parse_size(optarg);
			if (!bytes)
				die(2, "bad byte count '%s'", optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 'i':
			idle_s = atoi(optarg);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || timeout_s <= 0 || idle_s <= 0)
		usage();
	if (!strcmp(dir, "both")) {
		up = bytes;
		down = bytes;
	} else if (!strcmp(dir, "up")) {
		up = bytes;
		down = 0;
	} else if (!strcmp(dir, "down")) {
		up = 0;
		down = bytes;
	} else {
		usage();
	}
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		die(2, "bad IPv4 address '%s'", addr);
	signal(SIGPIPE, SIG_IGN);

	cli.family = parse_family(cli_fam);
	srv.family = parse_family(srv_fam);
	home_ns = open_ns("/proc/thread-self/ns/net");
	if (cli_ns)
		cli.nsfd = open_ns(cli_ns);
	if (srv_ns)
		srv.nsfd = open_ns(srv_ns);

	/* listener in the server's netns, on an ephemeral port */
	enter(&srv);
	lfd = socket(srv.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die(2, "server socket(%d): %s%s", srv.family, strerror(errno),
		    srv.family != AF_INET ? " (is ktcp.ko loaded?)" : "");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen))
		die(2, "server bind/listen on %s: %s", addr, strerror(errno));
	read_counters(&srv, false);

	enter(&cli);
	read_counters(&cli, false);
	c = socket(cli.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c < 0)
		die(2, "client socket(%d): %s%s", cli.family, strerror(errno),
		    cli.family != AF_INET ? " (is ktcp.ko loaded?)" : "");
	t0 = ktcp_now_ms();
	ret = connect(c, (struct sockaddr *)&sa, sizeof(sa));
	if (ret && errno != EINPROGRESS)
		die(1, "connect to %s:%u: %s", addr, ntohs(sa.sin_port),
		    strerror(errno));
	if (wait_fd(lfd, POLLIN, idle_s * 1000) <= 0)
		die(1, "no connection to accept within %d s", idle_s);
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		die(1, "accept: %s", strerror(errno));
	if (wait_fd(c, POLLOUT, idle_s * 1000) <= 0)
		die(1, "connect did not complete within %d s", idle_s);
	salen = sizeof(ret);
	if (getsockopt(c, SOL_SOCKET, SO_ERROR, &ret, &salen) || ret)
		die(1, "connect: %s", strerror(ret));

	msg("%s client -> %s server %s:%u, %llu bytes up, %llu down",
	    family_name(cli.family, b1, sizeof(b1)),
	    family_name(srv.family, b2, sizeof(b2)), addr, ntohs(sa.sin_port),
	    (unsigned long long)up, (unsigned long long)down);

	ce = (struct bulk_end){
		.fd = c, .send_len = up, .send_seed = SEED_UP,
		.recv_seed = SEED_DOWN, .recv_max = down,
		.idle_ms = idle_s * 1000,
		.deadline_ms = t0 + timeout_s * 1000LL,
	};
	se = (struct bulk_end){
		.fd = s, .send_len = down, .send_seed = SEED_DOWN,
		.recv_seed = SEED_UP, .recv_max = up,
		.idle_ms = idle_s * 1000,
		.deadline_ms = t0 + timeout_s * 1000LL,
	};
	if (pthread_create(&th, NULL, bulk_end_thread, &se))
		die(2, "pthread_create failed");
	bulk_end_run(&ce);
	pthread_join(th, NULL);
	t1 = ce.t_end > se.t_end ? ce.t_end : se.t_end;
	secs = (t1 - t0) / 1000.0;
	close(c);
	close(s);
	close(lfd);
	read_counters(&cli, true);
	read_counters(&srv, true);

	if (ce.err)
		snprintf(why, sizeof(why), "client %s: %s (sent %llu, got %llu)",
			 ce.err_what, strerror(-ce.err),
			 (unsigned long long)ce.sent,
			 (unsigned long long)ce.rcvd);
	else if (se.err)
		snprintf(why, sizeof(why), "server %s: %s (sent %llu, got %llu)",
			 se.err_what, strerror(-se.err),
			 (unsigned long long)se.sent,
			 (unsigned long long)se.rcvd);
	else if (se.rcvd != up || ce.rcvd != down)
		snprintf(why, sizeof(why), "short: server got %llu of %llu, client %llu of %llu",
			 (unsigned long long)se.rcvd, (unsigned long long)up,
			 (unsigned long long)ce.rcvd, (unsigned long long)down);
	else if (se.bad_off >= 0 || ce.bad_off >= 0)
		snprintf(why, sizeof(why), "corrupt data: first wrong byte at server %lld, client %lld",
			 (long long)se.bad_off, (long long)ce.bad_off);
	else if (memcmp(ce.tx_sha, se.rx_sha, BULK_SHA256_LEN) ||
		 memcmp(se.tx_sha, ce.rx_sha, BULK_SHA256_LEN))
		snprintf(why, sizeof(why), "SHA-256 mismatch");
	ok = !why[0];

	msg("up   (client->server) sha256 sent %s", bulk_hex(ce.tx_sha, h1));
	msg("                           got  %s", bulk_hex(se.rx_sha, h2));
	msg("down (server->client) sha256 sent %s", bulk_hex(se.tx_sha, h1));
	msg("                           got  %s", bulk_hex(ce.rx_sha, h2));
	msg("%.3f s, %.2f MiB/s both ways together; RetransSegs client %lld server %lld; InCsumErrors client %lld server %lld",
	    secs, secs > 0 ? (se.rcvd + ce.rcvd) / 1048576.0 / secs : 0.0,
	    cli.retrans, srv.retrans, cli.csum, srv.csum);
	if (!ok)
		fprintf(stderr, "ktcp_bench: FAIL: %s\n", why);
	printf("RESULT %s secs=%.3f up=%llu down=%llu mibps=%.2f retrans_client=%lld retrans_server=%lld csumerr_client=%lld csumerr_server=%lld%s%s%s\n",
	       ok ? "ok" : "FAIL", secs, (unsigned long long)se.rcvd,
	       (unsigned long long)ce.rcvd,
	       secs > 0 ? (se.rcvd + ce.rcvd) / 1048576.0 / secs : 0.0,
	       cli.retrans, srv.retrans, cli.csum, srv.csum,
	       ok ? "" : " why=\"", ok ? "" : why, ok ? "" : "\"");
	return ok ? 0 : 1;
}
