// SPDX-License-Identifier: GPL-2.0
/*
 * getsockopt(SOL_IPV6) over every option number 0-80 on AF_KTCP6 sockets
 * in each state: fresh, listening on ::1, both ends of a connection over
 * ::1, an IPv4 connection with v4-mapped names (::ffff:127.0.0.1), and a
 * socket kept open in TIME_WAIT. Every call must return: ipv6_getsockopt()
 * locks the socket itself for the sticky extension headers
 * (IPV6_HOPOPTS, IPV6_RTHDRDSTOPTS, IPV6_RTHDR, IPV6_DSTOPTS), and called
 * with ktcp's socket lock held it slept on it for good (found by
 * ktcp_sysfuzz). ktcp has no sticky options (setsockopt refuses them):
 * getsockopt answers ENOPROTOOPT (user-guide.rst, "IPv6 and dual stack"),
 * Linux a length of 0.
 *
 * The calls run in a child: one that sleeps on a lock cannot be killed,
 * so the test reports where it stopped and leaves it.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define NOPT	81

enum { S_FRESH, S_LISTEN, S_CLIENT, S_ACCEPTED, S_MAPPED, S_TIME_WAIT, S_NR };

static const char *const s_name[S_NR] = {
	"fresh", "listen", "client", "accepted", "v4-mapped", "time_wait",
};

struct progress {
	int state, opt;		/* the call under way */
	int sticky_err[S_NR][4];	/* errno (0: ok) of the four sticky ones */
	int sticky_len[S_NR][4];
};

static const int sticky[4] = { IPV6_HOPOPTS, IPV6_RTHDRDSTOPTS, IPV6_RTHDR,
			       IPV6_DSTOPTS };

/* The sockets, one per state, in a namespace of the child's own. */
static int make_socks(int fd[S_NR])
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	socklen_t sl = sizeof(sa);
	int fam6 = ktcp_family6(), zero = 0, l4;
	char c;

	if (unshare(CLONE_NEWNET) || ktcp_if_up("lo"))
		return -1;
	fd[S_FRESH] = socket(fam6, SOCK_STREAM, 0);
	fd[S_LISTEN] = socket(fam6, SOCK_STREAM, 0);
	if (fd[S_LISTEN] < 0 || bind(fd[S_LISTEN], (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd[S_LISTEN], 8) ||
	    getsockname(fd[S_LISTEN], (struct sockaddr *)&sa, &sl))
		return -1;
	fd[S_CLIENT] = socket(fam6, SOCK_STREAM, 0);
	if (fd[S_CLIENT] < 0 || connect(fd[S_CLIENT], (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	fd[S_ACCEPTED] = ktcp_accept_fd(fd[S_LISTEN], ktcp_ms(5000));
	/* a dual-stack listener on ::, reached over 127.0.0.1 */
	l4 = socket(fam6, SOCK_STREAM, 0);
	if (l4 < 0 || setsockopt(l4, SOL_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(l4, (struct sockaddr *)&any, sizeof(any)) || listen(l4, 8))
		return -1;
	sl = sizeof(any);
	getsockname(l4, (struct sockaddr *)&any, &sl);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &any.sin6_addr);
	fd[S_MAPPED] = socket(fam6, SOCK_STREAM, 0);
	if (fd[S_MAPPED] < 0 || connect(fd[S_MAPPED], (struct sockaddr *)&any, sizeof(any)))
		return -1;
	/* TIME_WAIT: the accepted end closes after our FIN, we ack its FIN */
	fd[S_TIME_WAIT] = socket(fam6, SOCK_STREAM, 0);
	if (fd[S_TIME_WAIT] < 0 || connect(fd[S_TIME_WAIT], (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	{
		int a = ktcp_accept_fd(fd[S_LISTEN], ktcp_ms(5000));

		if (a < 0 || shutdown(fd[S_TIME_WAIT], SHUT_WR))
			return -1;
		ktcp_recv_all(a, &c, 1, ktcp_ms(2000));	/* the EOF */
		close(a);
		ktcp_recv_all(fd[S_TIME_WAIT], &c, 1, ktcp_ms(2000));
	}
	for (int i = 0; i < S_NR; i++)
		if (fd[i] < 0)
			return -1;
	return 0;
}

static void child(struct progress *p)
{
	char buf[512];
	int fd[S_NR];

	/* a child stuck in the kernel must not hold the runner's pipe */
	freopen("/dev/null", "w", stdout);
	freopen("/dev/null", "w", stderr);
	memset(fd, -1, sizeof(fd));
	if (make_socks(fd))
		_exit(2);
	for (int s = 0; s < S_NR; s++) {
		for (int o = 0; o < NOPT; o++) {
			socklen_t len = sizeof(buf);
			int r;

			p->state = s;
			p->opt = o;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			r = getsockopt(fd[s], SOL_IPV6, o, buf, &len);
			for (int k = 0; k < 4; k++) {
				if (o != sticky[k])
					continue;
				p->sticky_err[s][k] = r ? errno : 0;
				p->sticky_len[s][k] = r ? -1 : (int)len;
			}
		}
	}
	p->state = S_NR;
	_exit(0);
}

FIXTURE(getopt) {};
FIXTURE_SETUP(getopt) {}
FIXTURE_TEARDOWN(getopt) {}

TEST_F_TIMEOUT(getopt, every_option_every_state, 120)
{
	struct progress *p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* within the harness's 120 s, KTCP_TEST_TIMEOUT_MULT or not */
	long long end = ktcp_now_ms() + (ktcp_ms(30000) < 100000 ? ktcp_ms(30000) : 100000);
	int status = -1;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0, sizeof(*p));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		child(p);
	while (waitpid(pid, &status, WNOHANG) == 0 && ktcp_now_ms() < end)
		ktcp_sleep_ms(50);
	if (p->state != S_NR) {
		/* in the kernel for good: leave it (SIGKILL cannot end it) */
		kill(pid, SIGKILL);
		ASSERT_EQ(S_NR, p->state) {
			TH_LOG("getsockopt(SOL_IPV6, %d) on the %s socket did not return",
			       p->opt, p->state < S_NR ? s_name[p->state] : "?");
		}
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("the sockets could not be made");
	}
	/* the sticky options: none here, on any socket outside TIME_WAIT */
	for (int s = 0; s < S_TIME_WAIT; s++) {
		for (int k = 0; k < 4; k++) {
			if (ktcp_native()) {
				EXPECT_EQ(0, p->sticky_err[s][k]);
				EXPECT_EQ(0, p->sticky_len[s][k]);
			} else {
				EXPECT_EQ(ENOPROTOOPT, p->sticky_err[s][k]) {
					TH_LOG("%s socket, option %d", s_name[s], sticky[k]);
				}
			}
		}
	}
}

TEST_HARNESS_MAIN
