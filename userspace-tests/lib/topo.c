// SPDX-License-Identifier: GPL-2.0
/*
 * The two-namespace veth topology, defined once: the C tests build it in
 * anonymous namespaces (they vanish with the test, even a killed one),
 * and the shell scripts get the same set-up from tools/ktcp_topo, via
 * userspace-tests/lib/topo.sh, in named ones. Also the namespace helpers
 * the tests use and the commands (tc) the C side cannot do itself.
 */
#include "ktcptest.h"

/* Errors go to @err as "step: strerror". */
static int topo_err(char *err, size_t len, int ret, const char *fmt,
		    const char *arg)
{
	char what[128];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(err, len, "%s: %s", what, strerror(-ret));
	return ret;
}

/* One end, in the current netns: addresses, [wire], up. */
static int topo_end(const struct ktcp_topo *tp, bool b, char *err, size_t len)
{
	const char *ifname = b ? tp->if_b : tp->if_a, *what = "";
	const char *ip6[2] = { b ? KTCP_VETH_IP6_B : KTCP_VETH_IP6_A,
			       b ? KTCP_VETH_LL_B : KTCP_VETH_LL_A };
	char path[128];
	int ret, i;

	/*
	 * IPv4 only: no IPv6 chatter (DAD, RS) on the pair. With IPv6: no
	 * address but the test's (addr_gen_mode none), which need no DAD.
	 */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname,
		 tp->ipv6 ? "addr_gen_mode" : "disable_ipv6");
	ktcp_sysctl_path_write(path, 1);
	ret = ktcp_if_addr(ifname, b ? KTCP_VETH_IP_B : KTCP_VETH_IP_A,
			   KTCP_VETH_PREFIX);
	for (i = 0; !ret && tp->ipv6 && i < 2; i++)
		ret = ktcp_if_addr6(ifname, ip6[i], KTCP_VETH_PREFIX6);
	if (ret)
		return topo_err(err, len, ret, "address on %s", ifname);
	if (tp->wire) {
		ret = ktcp_if_wire(ifname, &what);
		if (ret) {
			snprintf(err, len, "%s: turning %s off: %s", ifname,
				 what, strerror(-ret));
			return ret;
		}
	}
	ret = ktcp_if_up("lo");
	if (!ret)
		ret = ktcp_if_up(ifname);
	if (ret)
		return topo_err(err, len, ret, "bringing %s up", ifname);
	return 0;
}

/* One end has a carrier and, with IPv6, its addresses are usable. */
static int topo_ready(const struct ktcp_topo *tp, bool b, char *err,
		      size_t len)
{
	const char *ifname = b ? tp->if_b : tp->if_a;
	int wait = ktcp_ms(KTCP_STATE_WAIT_MS);

	if (!ktcp_wait_running(ifname, wait))
		return topo_err(err, len, -ETIMEDOUT, "%s has no carrier",
				ifname);
	if (tp->ipv6 &&
	    (!ktcp_wait_addr6(ifname, b ? KTCP_VETH_IP6_B : KTCP_VETH_IP6_A,
			      wait) ||
	     !ktcp_wait_addr6(ifname, b ? KTCP_VETH_LL_B : KTCP_VETH_LL_A,
			      wait)))
		return topo_err(err, len, -ETIMEDOUT,
				"IPv6 addresses of %s still tentative", ifname);
	return 0;
}

static int topo_create(const struct ktcp_topo *tp, char *err, size_t len)
{
	int ret = ktcp_veth_create(tp->if_a, tp->if_b, tp->ns_b);

	if (ret == -EOPNOTSUPP || ret == -ENOENT) {
		/* no veth driver yet: try loading it */
		if (system("modprobe veth >/dev/null 2>&1") == 0)
			ret = ktcp_veth_create(tp->if_a, tp->if_b, tp->ns_b);
	}
	if (ret)
		return topo_err(err, len, ret, "creating veth pair %s",
				tp->if_a);
	return 0;
}

static int topo_setup(const struct ktcp_topo *tp, char *err, size_t len)
{
	int ret;

	if (setns(tp->ns_a, CLONE_NEWNET))
		return topo_err(err, len, -errno, "setns to %s's netns",
				tp->if_a);
	ret = topo_create(tp, err, len);
	if (!ret)
		ret = topo_end(tp, false, err, len);
	if (ret)
		return ret;
	if (setns(tp->ns_b, CLONE_NEWNET))
		return topo_err(err, len, -errno, "setns to %s's netns",
				tp->if_b);
	ret = topo_end(tp, true, err, len);
	if (!ret)
		ret = topo_ready(tp, true, err, len);
	if (ret)
		return ret;
	if (setns(tp->ns_a, CLONE_NEWNET))
		return topo_err(err, len, -errno, "setns to %s's netns",
				tp->if_a);
	return topo_ready(tp, false, err, len);
}

int ktcp_topo_pair(const struct ktcp_topo *tp, char *err, size_t errlen)
{
	int here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int ret;

	if (here < 0)
		return topo_err(err, errlen, -errno, "open %s", "ns/net");
	ret = topo_setup(tp, err, errlen);
	if (setns(here, CLONE_NEWNET) && !ret)
		ret = topo_err(err, errlen, -errno, "setns %s", "back");
	close(here);
	return ret;
}

void ktcp_new_netns(struct __test_metadata *t)
{
	int ret;

	if (unshare(CLONE_NEWNET))
		KTCP_FAIL(t, "unshare(CLONE_NEWNET): %s (need root)",
			  strerror(errno));
	ret = ktcp_if_up("lo");
	if (ret)
		KTCP_FAIL(t, "bringing lo up: %s", strerror(-ret));
}

/* An fd for the calling thread's netns (for setns()). */
int ktcp_netns_fd(struct __test_metadata *t)
{
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		KTCP_FAIL(t, "open ns/net: %s", strerror(errno));
	return fd;
}

void ktcp_setns(struct __test_metadata *t, int nsfd)
{
	if (setns(nsfd, CLONE_NEWNET))
		KTCP_FAIL(t, "setns: %s", strerror(errno));
}

/* A fresh netns with lo up, held by the fd; the thread stays where it is. */
int ktcp_make_netns(struct __test_metadata *t)
{
	int here = ktcp_netns_fd(t), there;

	ktcp_new_netns(t);
	there = ktcp_netns_fd(t);
	ktcp_setns(t, here);
	close(here);
	return there;
}

/*
 * The calling thread's netns (A, KTCP_VETH_IP_A) wired to a new one (B,
 * KTCP_VETH_IP_B, returned as an fd), with IPv6 if @v6; the thread ends
 * up back in A.
 */
static int veth_pair(struct __test_metadata *t, bool v6)
{
	struct ktcp_topo tp = {
		.ns_a = ktcp_netns_fd(t),
		.ns_b = ktcp_make_netns(t),
		.if_a = KTCP_VETH_A,
		.if_b = KTCP_VETH_B,
		.ipv6 = v6,
	};
	char err[256];
	int ret = ktcp_topo_pair(&tp, err, sizeof(err));

	if (ret)
		KTCP_FAIL(t, "veth pair: %s%s", err,
			  ret == -EOPNOTSUPP ? " (modprobe veth?)" : "");
	close(tp.ns_a);
	return tp.ns_b;
}

int ktcp_veth_pair(struct __test_metadata *t)
{
	return veth_pair(t, false);
}

void ktcp_test_netns(struct __test_metadata *t, bool veth, int tw_ms,
		     int *ns_cli, int *ns_srv)
{
	ktcp_test_netns_ip(t, veth, false, tw_ms, ns_cli, ns_srv);
}

void ktcp_test_netns_ip(struct __test_metadata *t, bool veth, bool v6,
			int tw_ms, int *ns_cli, int *ns_srv)
{
	ktcp_new_netns(t);
	ktcp_set_tw_timeout(t, tw_ms);
	*ns_cli = ktcp_netns_fd(t);
	if (!veth) {
		*ns_srv = ktcp_netns_fd(t);
		return;
	}
	*ns_srv = veth_pair(t, v6);
	ktcp_setns(t, *ns_srv);
	ktcp_set_tw_timeout(t, tw_ms);
	ktcp_setns(t, *ns_cli);
}

static void split_words(char *s, char **argv, int max)
{
	char *save, *w;
	int argc = 0;

	for (w = strtok_r(s, " ", &save); w && argc < max - 1;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
}

/* Everything the child writes, into @out (the rest is read and dropped). */
static void read_output(int fd, char *out, size_t outlen)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		char junk[256];

		if (len + 1 < outlen)
			n = read(fd, out + len, outlen - 1 - len);
		else
			n = read(fd, junk, sizeof(junk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < outlen)
			len += n;
	}
	out[len] = 0;
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = 0;
}

int ktcp_run_cmd(char *out, size_t outlen, const char *cmd)
{
	char *argv[32], *copy = strdup(cmd);
	int pfd[2], status = 0;
	pid_t pid;

	out[0] = 0;
	if (!copy)
		return -ENOMEM;
	split_words(copy, argv, 32);
	if (pipe2(pfd, O_CLOEXEC)) {
		free(copy);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	status = pid < 0 ? -errno : 0;
	close(pfd[1]);
	if (pid > 0)
		read_output(pfd[0], out, outlen);
	close(pfd[0]);
	free(copy);
	if (pid < 0)
		return status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

int ktcp_netem_add(const char *ifname, const char *netem, char *out,
		   size_t outlen)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tc qdisc add dev %s root netem %s", ifname,
		 netem);
	return ktcp_run_cmd(out, outlen, cmd);
}
