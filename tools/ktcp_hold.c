// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_hold: open many ktcp connections and hold them, with data in
 * flight, until killed. The teardown tests of userspace-tests/fuzz.sh use
 * it: a namespace deleted under the connections, a veth deleted under
 * traffic.
 *
 *   ktcp_hold [-S NETNS] [-C NETNS] [-a IP] [-n N] [-b BYTES] [-P]
 *
 *   -S NETNS  the listener's namespace (a path; default: the current one)
 *   -C NETNS  the clients' namespace (default: the current one)
 *   -a IP     the listener's address (default 127.0.0.1)
 *   -n N      connections (default 1000)
 *   -b BYTES  every other client sends BYTES that nobody reads (default
 *             4096): those connections hold data in their queues when they
 *             go (an abortive close), the others close with FINs and end
 *             in TIME_WAIT
 *   -P        pump: after READY, move data both ways on every connection
 *             until killed (traffic under the teardown)
 *
 * Prints "READY conns=N" once every connection is accepted and has sent
 * its bytes, then holds (or pumps) until SIGTERM or SIGKILL. Exit 1 when
 * the connections could not all be made, 2 on a set-up error.
 *
 * A tool, not a test: `make tools` builds it into tools/build/.
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <getopt.h>
#include <sys/resource.h>

static int enter(const char *path)
{
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "ktcp_hold: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	close(fd);
	return 0;
}

static void pump(const int *fds, int n)
{
	static char buf[16384];

	for (;;) {
		for (int i = 0; i < n; i++) {
			if (fds[i] < 0)
				continue;
			while (recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
			send(fds[i], buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		ktcp_sleep_ms(1);
	}
}

int main(int argc, char **argv)
{
	const char *sns = NULL, *cns = NULL, *ip = "127.0.0.1";
	struct rlimit rl = { 1 << 20, 1 << 20 };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	long bytes = 4096;
	int n = 1000, opt, l, *fds, home, made = 0;
	bool do_pump = false;
	char *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "S:C:a:n:b:P")) != -1) {
		switch (opt) {
		case 'S': sns = optarg; break;
		case 'C': cns = optarg; break;
		case 'a': ip = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'b': bytes = atol(optarg); break;
		case 'P': do_pump = true; break;
		default:
			fprintf(stderr, "usage: ktcp_hold [-S NETNS] [-C NETNS] [-a IP] [-n N] [-b BYTES] [-P]\n");
			return 2;
		}
	}
	setrlimit(RLIMIT_NOFILE, &rl);
	signal(SIGPIPE, SIG_IGN);
	fds = calloc(2 * (size_t)n, sizeof(int));
	buf = calloc(1, (size_t)bytes + 1);
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!fds || !buf || home < 0)
		return 2;
	enter(sns);
	sa = ktcp_sin(ip, 0);
	l = socket(ktcp_family(), SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 4096) ||
	    getsockname(l, (struct sockaddr *)&sa, &sl)) {
		fprintf(stderr, "ktcp_hold: listener: %s\n", strerror(errno));
		return 2;
	}
	if (setns(home, CLONE_NEWNET))
		return 2;
	enter(cns);
	for (int i = 0; i < n; i++) {
		int c = socket(ktcp_family(), SOCK_STREAM, 0), a;

		if (c < 0 || ktcp_connect_fd(c, &sa, ktcp_ms(10000)))
			break;
		a = ktcp_accept_fd(l, ktcp_ms(10000));
		if (a < 0)
			break;
		ktcp_set_nonblock(c, true);
		ktcp_set_nonblock(a, true);
		/* odd ones: nothing queued, they close gracefully */
		if (bytes && !(i & 1))
			send(c, buf, (size_t)bytes, MSG_DONTWAIT | MSG_NOSIGNAL);
		fds[2 * i] = c;
		fds[2 * i + 1] = a;
		made++;
	}
	if (made < n) {
		printf("FAIL conns=%d of %d: %s\n", made, n, strerror(errno));
		return 1;
	}
	printf("READY conns=%d\n", made);
	if (do_pump)
		pump(fds, 2 * n);
	for (;;)
		pause();
}
