// SPDX-License-Identifier: GPL-2.0
/*
 * One port space with native TCP (Documentation/design.rst, "Coexistence").
 *
 * Each scenario is a script of bind/listen/connect/close steps by two
 * sockets' stacks, the holder's and the other's. It runs four times, each in
 * a fresh namespace: native/native (Linux's answer), then ktcp/native,
 * native/ktcp and ktcp/ktcp, and every step's result (0 or errno name) must
 * equal Linux's. Ports of the ephemeral scenarios are compared as facts
 * (how many, overlapping or not), never as numbers.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define PS_PORT		7100
#define PS_RANGE_LO	40000
#define PS_RANGE_N	10	/* ports in the ephemeral range */
#define PS_SERVERS	3
#define PS_LOG		512
#define PS_CONC_THREADS	4	/* ps_connect_concurrent() */
#define PS_CONC_EACH	1000

struct ps_run {
	int holder;		/* family of the holder's sockets */
	int other;		/* family of the other's */
	char log[PS_LOG];	/* "step=result ..." */
};

static void ps_note(struct ps_run *r, const char *step, int ret)
{
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s=%s ", step,
		 ret < 0 ? strerrorname_np(errno) : "0");
}

static void ps_note_val(struct ps_run *r, const char *step, long v)
{
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s=%ld ", step, v);
}

static int ps_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int ps_set_range(int lo, int hi)
{
	char range[32];

	snprintf(range, sizeof(range), "%d %d", lo, hi);
	return ps_sysctl("/proc/sys/net/ipv4/ip_local_port_range", range);
}

/* A fresh namespace with lo up and a small ephemeral range. */
static int ps_netns(void)
{
	if (unshare(CLONE_NEWNET) || ktcp_if_up("lo"))
		return -1;
	return ps_set_range(PS_RANGE_LO, PS_RANGE_LO + PS_RANGE_N - 1);
}

static int ps_sock(int family, bool reuse)
{
	int one = 1, fd = socket(family, SOCK_STREAM, 0);

	if (fd >= 0 && reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static struct sockaddr_in ps_addr(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static int ps_bind(int fd, const char *ip, int port)
{
	struct sockaddr_in sin = ps_addr(ip, port);

	return bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int ps_connect(int fd, int port)
{
	struct sockaddr_in sin = ps_addr("127.0.0.1", port);

	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int ps_local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return -1;
	return ntohs(sin.sin_port);
}

/* A bound, listening socket of @family on 127.0.0.1:@port, or -1. */
static int ps_listener(int family, int port, bool reuse)
{
	int fd = ps_sock(family, reuse);

	if (fd < 0 || ps_bind(fd, "0.0.0.0", port) || listen(fd, 64)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* bind() conflicts, listening or not, with and without SO_REUSEADDR. */
static void ps_bind_rules(struct ps_run *r)
{
	int a = ps_sock(r->holder, false), b = ps_sock(r->other, false);
	int c = ps_sock(r->other, true);

	ps_note(r, "hold", ps_bind(a, "0.0.0.0", PS_PORT));
	ps_note(r, "bind", ps_bind(b, "0.0.0.0", PS_PORT));
	ps_note(r, "bind_lo", ps_bind(b, "127.0.0.1", PS_PORT));
	ps_note(r, "bind_reuse", ps_bind(c, "0.0.0.0", PS_PORT));
	ps_note(r, "hold_listen", listen(a, 8));
	ps_note(r, "bind_other", ps_bind(b, "0.0.0.0", PS_PORT + 1));
	close(a);
	ps_note(r, "bind_after_close", ps_bind(c, "0.0.0.0", PS_PORT));
	close(b);
	close(c);
}

/* Two SO_REUSEADDR owners; then only one of them may listen. */
static void ps_reuse_rules(struct ps_run *r)
{
	int a = ps_sock(r->holder, true), b = ps_sock(r->other, true);
	int c = ps_sock(r->other, true);

	ps_note(r, "hold", ps_bind(a, "127.0.0.1", PS_PORT));
	ps_note(r, "bind", ps_bind(b, "127.0.0.1", PS_PORT));
	ps_note(r, "listen", listen(b, 8));
	ps_note(r, "hold_listen", listen(a, 8));
	ps_note(r, "bind_listening", ps_bind(c, "0.0.0.0", PS_PORT));
	ps_note(r, "bind_addr2", ps_bind(c, "127.0.0.2", PS_PORT + 1));
	close(a);
	close(b);
	close(c);
}

/*
 * Server restart: the holder's server closed first, so its side of the
 * connection is in TIME_WAIT; the other may bind the port with SO_REUSEADDR
 * only if the holder had it too, and listen; never without it.
 */
static void ps_time_wait(struct ps_run *r, bool holder_reuse)
{
	int l = ps_listener(r->holder, PS_PORT, holder_reuse);
	int cl = socket(AF_INET, SOCK_STREAM, 0), s, b, c;
	char byte;

	ps_note(r, "listen", l < 0 ? -1 : 0);
	ps_note(r, "connect", ps_connect(cl, PS_PORT));
	s = accept(l, NULL, NULL);
	ps_note(r, "accept", s < 0 ? -1 : 0);
	close(s);
	ps_note_val(r, "eof", read(cl, &byte, 1));
	close(cl);
	ktcp_sleep_ms(100);
	close(l);
	b = ps_sock(r->other, false);
	c = ps_sock(r->other, true);
	ps_note(r, "bind", ps_bind(b, "0.0.0.0", PS_PORT));
	ps_note(r, "bind_reuse", ps_bind(c, "0.0.0.0", PS_PORT));
	ps_note(r, "listen_reuse", listen(c, 8));
	close(b);
	close(c);
}

static void ps_time_wait_reuse(struct ps_run *r)
{
	ps_time_wait(r, true);
}

static void ps_time_wait_noreuse(struct ps_run *r)
{
	ps_time_wait(r, false);
}

/* The holder's listener is gone, an accepted connection still holds. */
static void ps_children_hold(struct ps_run *r)
{
	int l = ps_listener(r->holder, PS_PORT, true);
	int cl = socket(AF_INET, SOCK_STREAM, 0), s, b, c;

	ps_note(r, "connect", ps_connect(cl, PS_PORT));
	s = accept(l, NULL, NULL);
	ps_note(r, "accept", s < 0 ? -1 : 0);
	close(l);
	b = ps_sock(r->other, false);
	c = ps_sock(r->other, true);
	ps_note(r, "bind", ps_bind(b, "0.0.0.0", PS_PORT));
	ps_note(r, "bind_reuse", ps_bind(c, "0.0.0.0", PS_PORT));
	ps_note(r, "listen_reuse", listen(c, 8));
	close(s);
	close(cl);
	close(b);
	close(c);
}

/*
 * bind() to port 0 by both stacks in a range of PS_RANGE_N ports: no port
 * twice, and the range runs out at the same count.
 */
static void ps_ephemeral_bind(struct ps_run *r)
{
	int fds[PS_RANGE_N + 2], ports[PS_RANGE_N + 2];
	int i, j, n = 0, dup = 0, err = 0;

	for (i = 0; i < PS_RANGE_N + 2; i++) {
		fds[i] = ps_sock(i < 4 ? r->holder : r->other, false);
		if (ps_bind(fds[i], "0.0.0.0", 0)) {
			err = errno;
			close(fds[i]);
			fds[i] = -1;
			continue;
		}
		ports[n++] = ps_local_port(fds[i]);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			dup += ports[i] == ports[j];
	ps_note_val(r, "bound", n);
	ps_note_val(r, "dup", dup);
	errno = err;
	ps_note(r, "last", err ? -1 : 0);
	for (i = 0; i < PS_RANGE_N + 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * connect() shares ports between destinations: PS_RANGE_N connections to
 * each of PS_SERVERS servers fit in PS_RANGE_N ports; one more to a server
 * does not. Then the other stack cannot bind a port they hold.
 */
static void ps_connect_share(struct ps_run *r)
{
	int ls[PS_SERVERS], cs[PS_SERVERS][PS_RANGE_N], extra, b;
	int i, j, ok = 0;

	for (i = 0; i < PS_SERVERS; i++)
		ls[i] = ps_listener(r->other, PS_PORT + i, false);
	for (i = 0; i < PS_SERVERS; i++)
		for (j = 0; j < PS_RANGE_N; j++) {
			cs[i][j] = socket(r->holder, SOCK_STREAM, 0);
			ok += !ps_connect(cs[i][j], PS_PORT + i);
		}
	ps_note_val(r, "connected", ok);
	extra = socket(r->holder, SOCK_STREAM, 0);
	ps_note(r, "extra", ps_connect(extra, PS_PORT));
	b = ps_sock(r->other, false);
	ps_note(r, "bind_used", ps_bind(b, "0.0.0.0",
					ps_local_port(cs[0][0])));
	close(b);
	close(extra);
	for (i = 0; i < PS_SERVERS; i++) {
		for (j = 0; j < PS_RANGE_N; j++)
			close(cs[i][j]);
		close(ls[i]);
	}
}

struct ps_conc {
	int family;
	int fds[PS_CONC_EACH];
	int failed;
};

static void *ps_conc_thread(void *arg)
{
	struct ps_conc *c = arg;
	int i;

	for (i = 0; i < PS_CONC_EACH; i++) {
		c->fds[i] = socket(c->family, SOCK_STREAM, 0);
		c->failed += !!ps_connect(c->fds[i], PS_PORT);
	}
	return NULL;
}

/*
 * connect() from several threads at once to one destination: every one
 * gets a 4-tuple of its own while the range lasts, however the port
 * searches interleave (two that choose the same port before either is
 * hashed must not fail).
 */
static void ps_connect_concurrent(struct ps_run *r)
{
	struct rlimit rl = { .rlim_cur = 8192, .rlim_max = 8192 };
	struct ps_conc c[PS_CONC_THREADS];
	pthread_t th[PS_CONC_THREADS];
	int l = ps_sock(r->other, false), i, j, failed = 0;

	setrlimit(RLIMIT_NOFILE, &rl);
	ps_note(r, "range", ps_set_range(32768, 60999));
	/* nothing accepts: the queue holds every connection */
	ps_note(r, "somaxconn", ps_sysctl("/proc/sys/net/core/somaxconn",
					  "65535"));
	ps_note(r, "listen", ps_bind(l, "127.0.0.1", PS_PORT) ?:
			     listen(l, PS_CONC_THREADS * PS_CONC_EACH));
	for (i = 0; i < PS_CONC_THREADS; i++) {
		c[i] = (struct ps_conc){ .family = r->holder };
		pthread_create(&th[i], NULL, ps_conc_thread, &c[i]);
	}
	for (i = 0; i < PS_CONC_THREADS; i++) {
		pthread_join(th[i], NULL);
		failed += c[i].failed;
	}
	ps_note_val(r, "failed", failed);
	for (i = 0; i < PS_CONC_THREADS; i++)
		for (j = 0; j < PS_CONC_EACH; j++)
			close(c[i].fds[j]);
	close(l);
}

/*
 * The holder's own port life: IP_BIND_ADDRESS_NO_PORT leaves the port to
 * connect(); a port bind() picked for port 0 goes when connect() fails; an
 * explicit one stays.
 */
static void ps_port_life(struct ps_run *r)
{
	int l = ps_listener(AF_INET, PS_PORT, false), one = 1;
	int a = socket(r->holder, SOCK_STREAM, 0);
	int b = socket(r->holder, SOCK_STREAM, 0);
	int c = socket(r->holder, SOCK_STREAM, 0);
	int d = socket(r->other, SOCK_STREAM, 0);

	setsockopt(a, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	ps_note(r, "bind_no_port", ps_bind(a, "127.0.0.1", 0));
	ps_note_val(r, "port_after_bind", ps_local_port(a));
	ps_note(r, "connect", ps_connect(a, PS_PORT));
	ps_note_val(r, "port_in_range", ps_local_port(a) >= PS_RANGE_LO);
	ps_note(r, "bind0", ps_bind(b, "127.0.0.1", 0));
	ps_note(r, "refused", ps_connect(b, PS_PORT + 1));
	ps_note(r, "rebind_picked", ps_bind(d, "127.0.0.1", ps_local_port(b)));
	close(d);
	d = socket(r->other, SOCK_STREAM, 0);
	ps_note(r, "bind_port", ps_bind(c, "127.0.0.1", PS_PORT + 2));
	ps_note(r, "refused", ps_connect(c, PS_PORT + 1));
	ps_note(r, "rebind_explicit", ps_bind(d, "127.0.0.1", PS_PORT + 2));
	close(d);
	close(a);
	close(b);
	close(c);
	close(l);
}

/* Run @fn in a fresh namespace in a child; its log comes back in @r. */
static int ps_run_one(void (*fn)(struct ps_run *), struct ps_run *r)
{
	struct ps_run *shared;
	int status;
	pid_t pid;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	*shared = *r;
	pid = fork();
	if (pid == 0) {
		if (ps_netns())
			_exit(2);
		fn(shared);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status) {
		munmap(shared, sizeof(*shared));
		return -1;
	}
	*r = *shared;
	munmap(shared, sizeof(*shared));
	return 0;
}

/* Linux's answer, then each mix with ktcp: every step's result equal. */
static void ps_compare(struct __test_metadata *_metadata,
		       void (*fn)(struct ps_run *))
{
	int k = ktcp_module_family();
	struct ps_run ref = { .holder = AF_INET, .other = AF_INET }, mix[3] = {
		{ .holder = k, .other = AF_INET },
		{ .holder = AF_INET, .other = k },
		{ .holder = k, .other = k },
	};
	static const char * const names[] = {
		"ktcp holds, native tries", "native holds, ktcp tries",
		"ktcp holds, ktcp tries",
	};
	int i;

	ASSERT_EQ(0, ps_run_one(fn, &ref));
	TH_LOG("native/native: %s", ref.log);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, ps_run_one(fn, &mix[i]));
		EXPECT_STREQ(ref.log, mix[i].log)
			TH_LOG("%s differs from Linux", names[i]);
	}
}

TEST(bind_rules) { ps_compare(_metadata, ps_bind_rules); }
TEST(reuse_rules) { ps_compare(_metadata, ps_reuse_rules); }
TEST(time_wait_reuse) { ps_compare(_metadata, ps_time_wait_reuse); }
TEST(time_wait_noreuse) { ps_compare(_metadata, ps_time_wait_noreuse); }
TEST(children_hold_port) { ps_compare(_metadata, ps_children_hold); }
TEST(ephemeral_bind) { ps_compare(_metadata, ps_ephemeral_bind); }
TEST(connect_shares_ports) { ps_compare(_metadata, ps_connect_share); }
TEST(port_life) { ps_compare(_metadata, ps_port_life); }
/* Only the connecting stack matters here: ktcp's clients, Linux's server. */
TEST(connect_concurrent)
{
	struct ps_run ref = { .holder = AF_INET, .other = AF_INET };
	struct ps_run mix = { .holder = ktcp_module_family(),
			      .other = AF_INET };

	ASSERT_EQ(0, ps_run_one(ps_connect_concurrent, &ref));
	TH_LOG("native/native: %s", ref.log);
	ASSERT_EQ(0, ps_run_one(ps_connect_concurrent, &mix));
	EXPECT_STREQ(ref.log, mix.log)
		TH_LOG("ktcp clients differ from Linux's");
}

TEST_HARNESS_MAIN
