// SPDX-License-Identifier: GPL-2.0
/*
 * The net.ktcp sysctls named as Linux's net.ipv4.tcp_* ones: in a fresh
 * namespace each has native TCP's default there, takes and refuses the
 * same writes, and steers what it steers in Linux: SYN retries, the SYN's
 * options, the congestion control of a new socket, keepalive and the
 * smallest send MSS, each compared with native TCP in the same namespace.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#include <net/if.h>

#define SY_DUMMY	"kt_sy0"
#define SY_DUMMY_NET	"198.51.100.1/24"
#define SY_SILENT	"198.51.100.2"	/* on the dummy: SYNs vanish */
#define SY_CA_NAME_MAX	16		/* TCP_CA_NAME_MAX */

/* Those with a native twin in a child namespace, less "tcp_". */
static const char *const sy_knobs[] = {
	"syn_retries", "syn_linear_timeouts", "synack_retries", "retries1",
	"retries2",
	"orphan_retries", "keepalive_time", "keepalive_intvl",
	"keepalive_probes", "fin_timeout", "timestamps", "sack",
	"window_scaling", "dsack", "early_retrans", "frto", "recovery", "ecn",
	"ecn_fallback", "slow_start_after_idle", "syncookies",
	"notsent_lowat", "min_snd_mss", "rmem", "wmem", "congestion_control",
	/* defaults from the hash table sizes, which differ: writes only */
	"max_syn_backlog", "max_tw_buckets",
};

#define SY_NDEFAULTS	(ARRAY_SIZE(sy_knobs) - 2)

/* Every knob gets each of these written, on both stacks. */
static const char *const sy_writes[] = {
	"-1", "0", "1", "2", "3", "4", "5", "47", "48", "127", "128", "255",
	"256", "65535", "65536", "2147483647", "2147483648", "4294967295",
	"8589934591", "1 2 3", "4095 4096 4096", "4096 87380 6291456",
	"0 1 1", "1 1 1", "x",
};

/* congestion_control's: a number would make Linux run modprobe tcp_N */
static const char *const sy_cc_writes[] = { "reno", "cubic", "nosuch" };

FIXTURE(sysctl)
{
	int unused;
};

FIXTURE_SETUP(sysctl)
{
	ktcp_new_netns(_metadata);
	if (!ktcp_native())
		ktcp_sysctl_set(_metadata, "tw_timeout_ms", 1000);
}

FIXTURE_TEARDOWN(sysctl)
{
}

static void sy_path(char *buf, size_t len, bool native, const char *name)
{
	snprintf(buf, len, native ? "/proc/sys/net/ipv4/tcp_%s" :
		 KTCP_SYSCTL_DIR "%s", name);
}

/* The value as text, whitespace folded to single spaces; 0 or -errno. */
static int sy_get(bool native, const char *name, char *out, size_t len)
{
	char path[128], raw[256];
	size_t i, o = 0;
	ssize_t n;
	int fd;

	sy_path(path, sizeof(path), native, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, raw, sizeof(raw) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	raw[n] = 0;
	for (i = 0; raw[i] && o + 1 < len; i++) {
		bool sp = raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n';

		if (sp && (!o || out[o - 1] == ' '))
			continue;
		out[o++] = sp ? ' ' : raw[i];
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = 0;
	return 0;
}

/* write(2) of @val and a newline: 0 or -errno. */
static int sy_put(bool native, const char *name, const char *val)
{
	char path[128], buf[128];
	int fd, len;
	ssize_t n;

	sy_path(path, sizeof(path), native, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%s\n", val);
	n = write(fd, buf, len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static void sy_set_both(struct __test_metadata *_metadata, const char *name,
			const char *val)
{
	ASSERT_EQ(0, sy_put(true, name, val)) TH_LOG("tcp_%s=%s", name, val);
	ASSERT_EQ(0, sy_put(false, name, val))
		TH_LOG("net.ktcp.%s=%s", name, val);
}

/* A fresh namespace: ktcp's value is native TCP's. */
TEST_F_TIMEOUT(sysctl, defaults, 60)
{
	char k[256], n[256];
	size_t i;

	SKIP_IF_NATIVE("compares net.ktcp with net.ipv4");
	for (i = 0; i < SY_NDEFAULTS; i++) {
		ASSERT_EQ(0, sy_get(true, sy_knobs[i], n, sizeof(n)))
			TH_LOG("tcp_%s", sy_knobs[i]);
		ASSERT_EQ(0, sy_get(false, sy_knobs[i], k, sizeof(k)))
			TH_LOG("net.ktcp.%s missing", sy_knobs[i]);
		EXPECT_STREQ(n, k) TH_LOG("default of %s", sy_knobs[i]);
	}
	/* ktcp's own algorithms, which native TCP has too */
	ASSERT_EQ(0, sy_get(false, "available_congestion_control", k,
			    sizeof(k)));
	EXPECT_STREQ("cubic reno", k);
	ASSERT_EQ(0, sy_get(true, "available_congestion_control", n,
			    sizeof(n)));
	EXPECT_NE(NULL, strstr(n, "cubic")) TH_LOG("native has %s", n);
	EXPECT_NE(NULL, strstr(n, "reno")) TH_LOG("native has %s", n);
	EXPECT_EQ(-EACCES, sy_put(false, "available_congestion_control",
				  "reno"));
}

/* Each write is taken or refused as native's, with the same result. */
TEST_F_TIMEOUT(sysctl, ranges, 120)
{
	char k0[256], n0[256], k[256], n[256];
	size_t i, j;

	SKIP_IF_NATIVE("compares net.ktcp with net.ipv4");
	for (i = 0; i < ARRAY_SIZE(sy_knobs); i++) {
		const char *name = sy_knobs[i];

		bool cc = !strcmp(name, "congestion_control");
		const char *const *w = cc ? sy_cc_writes : sy_writes;
		size_t nw = cc ? ARRAY_SIZE(sy_cc_writes) :
				 ARRAY_SIZE(sy_writes);

		ASSERT_EQ(0, sy_get(true, name, n0, sizeof(n0)));
		ASSERT_EQ(0, sy_get(false, name, k0, sizeof(k0)));
		for (j = 0; j < nw; j++) {
			int en = sy_put(true, name, w[j]);
			int ek = sy_put(false, name, w[j]);

			EXPECT_EQ(en, ek)
				TH_LOG("%s=\"%s\": native %s, ktcp %s", name,
				       w[j], strerror(-en), strerror(-ek));
			ASSERT_EQ(0, sy_get(true, name, n, sizeof(n)));
			ASSERT_EQ(0, sy_get(false, name, k, sizeof(k)));
			/* the ehash-sized defaults differ until written */
			if (!en && !ek)
				EXPECT_STREQ(n, k)
					TH_LOG("%s after \"%s\"", name, w[j]);
			ASSERT_EQ(0, sy_put(true, name, n0));
			ASSERT_EQ(0, sy_put(false, name, k0));
		}
	}
}

/* The dummy's tx_packets, from this namespace's /proc/net/dev. */
static long sy_dummy_tx(void)
{
	FILE *f = fopen("/proc/thread-self/net/dev", "re");
	unsigned long long rx[8], tx_bytes, tx_packets;
	char line[512];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || strncmp(line + strspn(line, " "), SY_DUMMY ":",
				  strlen(SY_DUMMY ":")))
			continue;
		if (sscanf(p + 1, "%llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu", &rx[0], &rx[1], &rx[2], &rx[3],
			   &rx[4], &rx[5], &rx[6], &rx[7], &tx_bytes,
			   &tx_packets) == 10)
			v = (long)tx_packets;
	}
	fclose(f);
	return v;
}

/* connect() to an address that never answers: errno, and SYNs sent. */
static int sy_silent_connect(struct __test_metadata *_metadata, int family,
			     long *syns)
{
	struct sockaddr_in sa = ktcp_sin(SY_SILENT, 80);
	long before = sy_dummy_tx();
	int fd = __ktcp_socket(_metadata, family), err = 0;

	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		err = errno;
	close(fd);
	*syns = sy_dummy_tx() - before;
	return err;
}

static void sy_run(struct __test_metadata *_metadata, const char *cmd)
{
	char out[512] = "", buf[256];

	snprintf(buf, sizeof(buf), "%s", cmd);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), buf))
		TH_LOG("%s: %s", cmd, out);
}

/*
 * syn_retries 1: ETIMEDOUT once the first SYN is 3 s old (the time one
 * exponential timeout from 1 s takes), after two linear retransmissions,
 * as native's.
 */
TEST_F_TIMEOUT(sysctl, syn_retries, 120)
{
	long nsyn = -1, ksyn = -1;
	int nerr, kerr;

	SKIP_IF_NATIVE("compares with native");
	/* no IPv6 on the dummy: its MLD and RS packets would be counted */
	ASSERT_EQ(0, ktcp_sysctl_path_write("/proc/sys/net/ipv6/conf/default/"
					    "disable_ipv6", 1));
	sy_run(_metadata, "modprobe -q dummy");
	sy_run(_metadata, "ip link add " SY_DUMMY " type dummy");
	sy_run(_metadata, "ip addr add " SY_DUMMY_NET " dev " SY_DUMMY);
	sy_run(_metadata, "ip link set " SY_DUMMY " up");
	sy_set_both(_metadata, "syn_retries", "1");
	ASSERT_LE(0, sy_dummy_tx());
	nerr = sy_silent_connect(_metadata, AF_INET, &nsyn);
	kerr = sy_silent_connect(_metadata, ktcp_family(), &ksyn);
	EXPECT_EQ(ETIMEDOUT, nerr);
	EXPECT_EQ(ETIMEDOUT, kerr) TH_LOG("ktcp: %s", strerror(kerr));
	EXPECT_EQ(3, nsyn);
	EXPECT_EQ(nsyn, ksyn) TH_LOG("SYNs sent: native %ld, ktcp %ld",
				    nsyn, ksyn);
}

static uint8_t sy_options(struct __test_metadata *_metadata, int fd)
{
	struct tcp_info ti = { 0 };
	socklen_t len = sizeof(ti);

	EXPECT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	return ti.tcpi_options & (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
				  TCPI_OPT_WSCALE);
}

/* The options a connection from @cfam to @lfam agreed, as @end sees them. */
static uint8_t sy_agreed(struct __test_metadata *_metadata, int cfam,
			 int lfam, char end)
{
	uint16_t port;
	int l = ktcp_listener(_metadata, lfam, "127.0.0.1", 0, 4, &port);
	int c = ktcp_connect(_metadata, cfam, "127.0.0.1", port);
	int s = ktcp_accept(_metadata, l);
	uint8_t o = sy_options(_metadata, end == 's' ? s : c);

	close(c);
	close(s);
	close(l);
	return o;
}

/*
 * timestamps, sack and window_scaling 0: ktcp's SYN and SYN-ACK leave the
 * option out, as native's do with the net.ipv4 twin at 0.
 */
TEST_F_TIMEOUT(sysctl, syn_options, 120)
{
	static const struct { const char *name; uint8_t opt; } k[] = {
		{ "timestamps", TCPI_OPT_TIMESTAMPS },
		{ "sack", TCPI_OPT_SACK },
		{ "window_scaling", TCPI_OPT_WSCALE },
	};
	const uint8_t all = TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK |
			    TCPI_OPT_WSCALE;
	int kf = ktcp_family();
	size_t i;

	SKIP_IF_NATIVE("compares with native");
	EXPECT_EQ(all, sy_agreed(_metadata, kf, AF_INET, 's'));
	EXPECT_EQ(all, sy_agreed(_metadata, AF_INET, kf, 'c'));
	for (i = 0; i < ARRAY_SIZE(k); i++) {
		uint8_t want = all & ~k[i].opt;

		ASSERT_EQ(0, sy_put(true, k[i].name, "0"));
		EXPECT_EQ(want, sy_agreed(_metadata, AF_INET, AF_INET, 'c'))
			TH_LOG("native, tcp_%s 0", k[i].name);
		ASSERT_EQ(0, sy_put(true, k[i].name, "1"));
		ASSERT_EQ(0, sy_put(false, k[i].name, "0"));
		/* ktcp's SYN to native, and its SYN-ACK to native */
		EXPECT_EQ(want, sy_agreed(_metadata, kf, AF_INET, 's'))
			TH_LOG("ktcp client, %s 0", k[i].name);
		EXPECT_EQ(want, sy_agreed(_metadata, kf, AF_INET, 'c'))
			TH_LOG("ktcp client's view, %s 0", k[i].name);
		EXPECT_EQ(want, sy_agreed(_metadata, AF_INET, kf, 'c'))
			TH_LOG("ktcp listener, %s 0", k[i].name);
		ASSERT_EQ(0, sy_put(false, k[i].name, "1"));
	}
}

static void sy_cc(struct __test_metadata *_metadata, int family,
		  const char *want)
{
	char name[SY_CA_NAME_MAX] = "";
	socklen_t len = sizeof(name);
	int fd = __ktcp_socket(_metadata, family);

	ASSERT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len));
	EXPECT_STREQ(want, name) TH_LOG("family %d", family);
	close(fd);
}

/* congestion_control: what TCP_CONGESTION reports on a new socket. */
TEST_F_TIMEOUT(sysctl, congestion_control, 60)
{
	SKIP_IF_NATIVE("compares with native");
	sy_cc(_metadata, AF_INET, "cubic");
	sy_cc(_metadata, ktcp_family(), "cubic");
	sy_set_both(_metadata, "congestion_control", "reno");
	sy_cc(_metadata, AF_INET, "reno");
	sy_cc(_metadata, ktcp_family(), "reno");
	EXPECT_EQ(-ENOENT, sy_put(false, "congestion_control", "nosuch"));
	sy_cc(_metadata, ktcp_family(), "reno");
}

static int sy_info_last_ack(struct __test_metadata *_metadata, int fd)
{
	struct tcp_info ti = { 0 };
	socklen_t len = sizeof(ti);

	EXPECT_EQ(0, getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	return (int)ti.tcpi_last_ack_recv;
}

/*
 * keepalive_time: TCP_KEEPIDLE reads it; a SO_KEEPALIVE connection idle
 * for longer sends a probe, whose ACK refreshes tcpi_last_ack_recv.
 */
TEST_F_TIMEOUT(sysctl, keepalive_time, 120)
{
	int fams[2] = { AF_INET, ktcp_family() }, i;

	SKIP_IF_NATIVE("compares with native");
	sy_set_both(_metadata, "keepalive_time", "1");
	sy_set_both(_metadata, "keepalive_intvl", "1");
	for (i = 0; i < 2; i++) {
		int one = 1, idle = -1, last;
		socklen_t len = sizeof(idle);
		uint16_t port;
		int l = ktcp_listener(_metadata, AF_INET, "127.0.0.1", 0, 4,
				      &port);
		int c = ktcp_connect(_metadata, fams[i], "127.0.0.1", port);
		int s = ktcp_accept(_metadata, l);

		ASSERT_EQ(0, getsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
					&len));
		EXPECT_EQ(1, idle) TH_LOG("family %d", fams[i]);
		ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one,
					sizeof(one)));
		ktcp_sleep_ms(3500);
		last = sy_info_last_ack(_metadata, c);
		EXPECT_GT(2500, last)
			TH_LOG("family %d: no ACK for %d ms, no keepalive",
			       fams[i], last);
		close(c);
		close(s);
		close(l);
	}
}

static int sy_snd_mss(struct __test_metadata *_metadata, int family)
{
	struct tcp_info ti = { 0 };
	socklen_t len = sizeof(ti);
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", 0);
	int l = native_socket(_metadata), seg = 536, c, s;

	/* the native listener announces an MSS of 536 */
	ASSERT_EQ(0, setsockopt(l, IPPROTO_TCP, TCP_MAXSEG, &seg,
				sizeof(seg)));
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(l, 4));
	c = ktcp_connect(_metadata, family, "127.0.0.1", ktcp_local_port(l));
	s = ktcp_accept(_metadata, l);
	EXPECT_EQ(0, getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len));
	close(c);
	close(s);
	close(l);
	return (int)ti.tcpi_snd_mss;
}

/* min_snd_mss: the floor of the send MSS, above the peer's MSS too. */
TEST_F_TIMEOUT(sysctl, min_snd_mss, 60)
{
	int n, k;

	SKIP_IF_NATIVE("compares with native");
	n = sy_snd_mss(_metadata, AF_INET);
	k = sy_snd_mss(_metadata, ktcp_family());
	EXPECT_EQ(536 - 12, n);
	EXPECT_EQ(n, k);
	sy_set_both(_metadata, "min_snd_mss", "1000");
	n = sy_snd_mss(_metadata, AF_INET);
	k = sy_snd_mss(_metadata, ktcp_family());
	EXPECT_EQ(1000 - 12, n);
	EXPECT_EQ(n, k);
}

TEST_HARNESS_MAIN
