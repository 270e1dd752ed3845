// SPDX-License-Identifier: GPL-2.0
/*
 * Differential ("parity") cases: one socket call, or a short sequence,
 * run from the same starting state on native AF_INET TCP and on the
 * family under test, in the same network namespace, each run recorded as
 * one normalized line (return values, errno names, values read back,
 * poll() masks, TCP state, SIGPIPE) and the two lines compared.
 *
 * The socket under test (the SUT) is the only thing that differs between
 * the two runs: its peer, the listener it connects to and the
 * "blackhole" listener whose full accept queue drops SYNs (a connect()
 * that stays in SYN_SENT) are native TCP in both. Every socket a case
 * makes is closed with a RST (SO_LINGER 0) at its end, so no TIME_WAIT
 * or orphan outlives it.
 */
#include <fnmatch.h>
#include <stdarg.h>

#include "ktcptest.h"

#define PAR_IO_MS	20	/* SO_RCVTIMEO/SO_SNDTIMEO of the SUT */
#define PAR_WAIT_MS	5000	/* bound on every wait for an event */
#define PAR_SETTLE_MS	500	/* bound on the wait for a FIN's ACK */
#define PAR_RETRIES	2	/* re-runs of a case that differed */

static const char *const par_state_names[PAR_NSTATES] = {
	[PAR_FRESH] = "fresh", [PAR_BOUND] = "bound",
	[PAR_LISTEN] = "listening", [PAR_PENDING] = "listen-pending",
	[PAR_CONNECTING] = "connecting", [PAR_CONNECTED] = "connected",
	[PAR_ACCEPTED] = "accepted", [PAR_READABLE] = "readable",
	[PAR_PEER_CLOSED] = "peer-closed", [PAR_SHUT_WR] = "shut-wr",
	[PAR_SHUT_RD] = "shut-rd", [PAR_RESET] = "reset",
	[PAR_UNSPEC] = "disconnected",
};

static volatile sig_atomic_t par_sigpipes;

static void par_on_sigpipe(int sig)
{
	(void)sig;
	par_sigpipes++;
}

const char *par_state_name(int st)
{
	return st >= 0 && st < PAR_NSTATES ? par_state_names[st] : "?";
}

void par_printf(struct par_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->len >= sizeof(c->out) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->out + c->len, sizeof(c->out) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len += n;
	if (c->len > sizeof(c->out) - 1)
		c->len = sizeof(c->out) - 1;
}

const char *par_errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

/* "what=ret" for ret >= 0, "what=ERRNO" for -1 (errno read here). */
long par_ret(struct par_ctx *c, const char *what, long ret)
{
	int err = errno;

	if (ret < 0)
		par_printf(c, " %s=%s", what, par_errname(err));
	else
		par_printf(c, " %s=%ld", what, ret);
	errno = err;
	return ret;
}

static const char *par_port_class(const struct par_ctx *c, unsigned int port)
{
	if (!port)
		return "0";
	if (port == c->env->lport)
		return "L";
	if (port == c->env->bh_port)
		return "B";
	if (port == PAR_PORT_FREE)
		return "P";
	if (port == PAR_PORT_CLOSED)
		return "C";
	return "eph";
}

void par_addr(struct par_ctx *c, const void *addr, socklen_t len)
{
	const struct sockaddr_in *sin = addr;
	char ip[INET_ADDRSTRLEN];

	par_printf(c, " len=%u", (unsigned int)len);
	if (len < sizeof(sa_family_t))
		return;
	if (sin->sin_family != AF_INET || len < sizeof(*sin)) {
		par_printf(c, " fam=%u", sin->sin_family);
		return;
	}
	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	par_printf(c, " %s:%s", ip, par_port_class(c, ntohs(sin->sin_port)));
}

void par_mask(struct par_ctx *c, const char *what, int revents)
{
	static const struct { int bit; const char *name; } bits[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
		{ POLLRDHUP, "RDHUP" }, { POLLERR, "ERR" }, { POLLHUP, "HUP" },
		{ POLLNVAL, "NVAL" },
	};
	bool any = false;
	size_t i;

	par_printf(c, " %s=", what);
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(revents & bits[i].bit))
			continue;
		par_printf(c, "%s%s", any ? "|" : "", bits[i].name);
		any = true;
	}
	if (!any)
		par_printf(c, "0");
}

static int par_poll_now(int fd)
{
	struct pollfd p = {
		.fd = fd, .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP,
	};

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

/* tcpi_state, from the first byte of TCP_INFO; -errno if it fails. */
int par_tcp_state(int fd)
{
	unsigned char st;
	socklen_t len = 1;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &st, &len))
		return -errno;
	return st;
}

/*
 * A FIN waiting for its ACK: the peer may delay that ACK (a native peer in
 * pingpong mode does), so wait for it, up to a bound, before the probe
 * reads a state that would otherwise depend on the timing.
 */
static int par_settle(int fd)
{
	long long end = ktcp_now_ms() + ktcp_ms(PAR_SETTLE_MS);
	int st;

	for (;;) {
		st = par_tcp_state(fd);
		if ((st != KT_FIN_WAIT1 && st != KT_LAST_ACK &&
		     st != KT_CLOSING) || ktcp_now_ms() > end)
			return st;
		usleep(500);
	}
}

/*
 * What follows every step: the SUT's poll() mask and TCP state, its
 * peer's mask, and the SIGPIPEs the step raised.
 */
void par_probe(struct par_ctx *c)
{
	int st = par_settle(c->fd);

	par_mask(c, "poll", par_poll_now(c->fd));
	if (st < 0)
		par_printf(c, " st=%s", par_errname(-st));
	else
		par_printf(c, " st=%s", ktcp_state_name(st));
	if (c->peer >= 0)
		par_mask(c, "peer", par_poll_now(c->peer));
	if (par_sigpipes != c->sigpipes) {
		par_printf(c, " SIGPIPE*%d", (int)(par_sigpipes - c->sigpipes));
		c->sigpipes = par_sigpipes;
	}
	par_printf(c, " ;");
}

/* Poll @fd for @events until one is there; false on timeout. */
static bool par_wait(int fd, short events)
{
	short rev = 0;

	return ktcp_poll1(fd, events, ktcp_ms(PAR_WAIT_MS), &rev) > 0 &&
	       (rev & events);
}

/* Until TCP_INFO says @fd is in @state; false on timeout. */
static bool par_wait_state(int fd, int state)
{
	long long end = ktcp_now_ms() + ktcp_ms(PAR_WAIT_MS);

	while (par_tcp_state(fd) != state) {
		if (ktcp_now_ms() > end)
			return false;
		usleep(200);
	}
	return true;
}

/* A native socket, bound to 127.0.0.1:@port (0: any) and listening. */
static int par_native_listener(int backlog, uint16_t port, uint16_t *port_out)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	*port_out = ktcp_local_port(fd);
	return fd;
}

static int par_native_connect(uint16_t port)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (ktcp_connect_fd(fd, &sa, ktcp_ms(PAR_WAIT_MS))) {
		ktcp_abort_fd(&fd);
		return -1;
	}
	return fd;
}

void par_env_init(struct __test_metadata *t, struct par_env *env)
{
	memset(env, 0, sizeof(*env));
	env->family = ktcp_family();
	env->lfd = par_native_listener(128, 0, &env->lport);
	/* backlog 0: one queued connection fills it, later SYNs are dropped */
	env->bh_lfd = par_native_listener(0, 0, &env->bh_port);
	if (env->lfd < 0 || env->bh_lfd < 0)
		KTCP_FAIL(t, "native listeners: %s", strerror(errno));
	ktcp_set_nonblock(env->lfd, true);	/* teardown drains it */
	env->bh_fill = par_native_connect(env->bh_port);
	if (env->bh_fill < 0)
		KTCP_FAIL(t, "filling the blackhole's queue: %s",
			  strerror(errno));
}

void par_env_fini(struct par_env *env)
{
	ktcp_abort_fd(&env->bh_fill);
	ktcp_abort_fd(&env->bh_lfd);
	ktcp_abort_fd(&env->lfd);
}

int par_sut_socket(int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && ktcp_set_io_timeouts(fd, PAR_IO_MS)) {
		close(fd);
		return -1;
	}
	return fd;
}

int par_connect_to(int fd, const char *ip, uint16_t port)
{
	struct sockaddr_in sa = ktcp_sin(ip, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* Accept what the env's listener has queued, waiting up to its bound. */
static int par_env_accept(const struct par_env *env)
{
	return ktcp_accept_fd(env->lfd, ktcp_ms(PAR_WAIT_MS));
}

/* SUT listening on 127.0.0.1, any port; peer: a native client of it. */
static const char *par_build_listen(struct par_ctx *c, bool pending)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", 0);

	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(c->fd, 4))
		return "bind+listen";
	if (!pending)
		return NULL;
	c->peer = par_native_connect(ktcp_local_port(c->fd));
	if (c->peer < 0)
		return "native connect to the SUT";
	return par_wait(c->fd, POLLIN) ? NULL : "the SUT's accept queue";
}

/* SUT connected to the env's native listener; peer: the accepted end. */
static const char *par_build_connected(struct par_ctx *c)
{
	if (par_connect_to(c->fd, "127.0.0.1", c->env->lport))
		return "connect";
	c->peer = par_env_accept(c->env);
	return c->peer < 0 ? "accept" : NULL;
}

static const char *par_build_accepted(struct par_ctx *c)
{
	const char *err = par_build_listen(c, true);
	int lfd = c->fd;

	if (err)
		return err;
	c->fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ktcp_abort_fd(&lfd);
	if (c->fd < 0)
		return "accept";
	return ktcp_set_io_timeouts(c->fd, PAR_IO_MS) ? "timeouts" : NULL;
}

static const char *par_build_connecting(struct par_ctx *c)
{
	int ret;

	ktcp_set_nonblock(c->fd, true);
	ret = par_connect_to(c->fd, "127.0.0.1", c->env->bh_port);
	if (!ret || errno != EINPROGRESS)
		return "non-blocking connect";
	ktcp_set_nonblock(c->fd, false);
	return par_tcp_state(c->fd) == KT_SYN_SENT ? NULL : "SYN_SENT";
}

/* The states reached from a connection. */
static const char *par_build_from_connected(struct par_ctx *c)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	const char *err = par_build_connected(c);

	if (err)
		return err;
	switch (c->state) {
	case PAR_READABLE:
		if (send(c->peer, "hello", 5, 0) != 5)
			return "peer send";
		return par_wait(c->fd, POLLIN) ? NULL : "data at the SUT";
	case PAR_PEER_CLOSED:
		close(c->peer);
		c->peer = -1;
		return par_wait(c->fd, POLLRDHUP) ? NULL : "FIN at the SUT";
	case PAR_SHUT_WR:
		if (shutdown(c->fd, SHUT_WR))
			return "shutdown";
		if (!par_wait(c->peer, POLLRDHUP))
			return "FIN at the peer";
		return par_wait_state(c->fd, KT_FIN_WAIT2) ? NULL : "FIN_WAIT2";
	case PAR_SHUT_RD:
		return shutdown(c->fd, SHUT_RD) ? "shutdown" : NULL;
	case PAR_RESET:
		ktcp_abort_fd(&c->peer);
		return par_wait(c->fd, POLLERR) ? NULL : "RST at the SUT";
	case PAR_UNSPEC:
		if (connect(c->fd, &sa, sizeof(sa)))
			return "connect(AF_UNSPEC)";
		if (!par_wait(c->peer, POLLERR))
			return "RST at the peer";
		ktcp_abort_fd(&c->peer);
		return NULL;
	}
	return NULL;
}

static const char *par_build(struct par_ctx *c)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", 0);

	c->fd = par_sut_socket(c->family);
	if (c->fd < 0)
		return "socket";
	switch (c->state) {
	case PAR_FRESH:
		return NULL;
	case PAR_BOUND:
		return bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) ?
		       "bind" : NULL;
	case PAR_LISTEN:
	case PAR_PENDING:
		return par_build_listen(c, c->state == PAR_PENDING);
	case PAR_CONNECTING:
		return par_build_connecting(c);
	case PAR_CONNECTED:
		return par_build_connected(c);
	case PAR_ACCEPTED:
		return par_build_accepted(c);
	}
	return par_build_from_connected(c);
}

/* Close everything the case made, with RSTs, and drain the listener. */
static void par_teardown(struct par_ctx *c)
{
	size_t i;
	int fd;

	for (i = 0; i < sizeof(c->extra) / sizeof(c->extra[0]); i++)
		ktcp_abort_fd(&c->extra[i]);
	ktcp_abort_fd(&c->fd);
	ktcp_abort_fd(&c->peer);
	while ((fd = accept4(c->env->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		ktcp_abort_fd(&fd);
}

static void par_run_one(const struct par_env *env, int family, int state,
			const struct par_op *op, struct par_ctx *c)
{
	const char *err;

	memset(c, 0, sizeof(*c));
	c->env = env;
	c->family = family;
	c->state = state;
	c->fd = c->peer = -1;
	memset(c->extra, -1, sizeof(c->extra));
	c->sigpipes = par_sigpipes;
	err = par_build(c);
	if (err) {
		par_printf(c, "SETUP FAILED (%s: %s)", err, strerror(errno));
	} else {
		op->fn(c, op);
		par_probe(c);
	}
	par_teardown(c);
}

static const struct par_allow *par_allowed(const char *name,
					   const struct par_allow *allow)
{
	for (; allow && allow->pattern; allow++)
		if (!fnmatch(allow->pattern, name, 0))
			return allow;
	return NULL;
}

/*
 * Run one case on both stacks, again if they differ (a timing the two runs
 * did not share), logging what a re-run fixed; 0 if they agree.
 */
static int par_case(const struct par_env *env, int state,
		    const struct par_op *op, const char *name, int tries,
		    struct par_ctx *nat, struct par_ctx *sut, int *retries)
{
	static char first[2][sizeof(nat->out)];
	int i;

	for (i = 0; i < tries; i++) {
		par_run_one(env, AF_INET, state, op, nat);
		par_run_one(env, env->family, state, op, sut);
		if (!strcmp(nat->out, sut->out))
			break;
		if (i == tries - 1)
			return 1;
		if (!i) {
			strcpy(first[0], nat->out);
			strcpy(first[1], sut->out);
		}
		(*retries)++;
	}
	if (i)
		fprintf(stderr, "# equal on re-run %d: %s\n#   native:%s\n"
			"#   tested:%s\n", i, name, first[0], first[1]);
	return 0;
}

/* Log a difference; false if @a allows it. */
static bool par_report(const char *name, const struct par_allow *a,
		       const struct par_ctx *nat, const struct par_ctx *sut)
{
	fprintf(stderr, "# %s %s%s%s\n", a ? "ALLOWED" : "DIFF", name,
		a ? ": " : "", a ? a->reason : "");
	fprintf(stderr, "#   native:%s\n#   tested:%s\n", nat->out, sut->out);
	return !a;
}

#define PAR_MAX_ALLOW	64

struct par_tally {
	int cases, diffs, allowed, retries;
	bool verbose;
	/* per allow-list entry: cases it matched, and those that differed */
	int matched[PAR_MAX_ALLOW], differed[PAR_MAX_ALLOW];
};

/* Case @op in state @st: run, compare, log, count. */
static void par_one(const struct par_env *env, const struct par_op *op,
		    int st, const struct par_allow *allow, struct par_tally *n)
{
	static struct par_ctx nat, sut;
	const struct par_allow *a;
	char name[160];
	bool differ;

	snprintf(name, sizeof(name), "%s/%s", par_state_name(st), op->name);
	n->cases++;
	a = par_allowed(name, allow);
	/* an allowed difference needs no second look */
	differ = par_case(env, st, op, name, a ? 1 : 1 + PAR_RETRIES, &nat,
			  &sut, &n->retries);
	if (a && a - allow < PAR_MAX_ALLOW) {
		n->matched[a - allow]++;
		n->differed[a - allow] += differ;
	}
	if (differ && par_report(name, a, &nat, &sut))
		n->diffs++;
	else if (differ)
		n->allowed++;
	else if (n->verbose)
		fprintf(stderr, "# same %s:%s\n", name, nat.out);
}

/* Allow-list entries that no case of this run needed any more. */
static void par_unneeded(const struct par_allow *allow,
			 const struct par_tally *n)
{
	int i;

	for (i = 0; allow && allow[i].pattern && i < PAR_MAX_ALLOW; i++)
		if (n->matched[i] && !n->differed[i])
			fprintf(stderr, "# allowed, but its %d cases agree: "
				"%s (%s)\n", n->matched[i], allow[i].pattern,
				allow[i].reason);
}

int par_run(struct __test_metadata *t, const struct par_env *env,
	    const struct par_op *ops, const struct par_allow *allow)
{
	struct sigaction sa = { .sa_handler = par_on_sigpipe }, old;
	static struct par_tally n;
	long long t0 = ktcp_now_ms();
	int st;

	(void)t;
	memset(&n, 0, sizeof(n));
	n.verbose = getenv("KTCP_PARITY_VERBOSE");
	sigaction(SIGPIPE, &sa, &old);
	for (; ops->name; ops++)
		for (st = 0; st < PAR_NSTATES; st++)
			if (ops->states & (1u << st))
				par_one(env, ops, st, allow, &n);
	sigaction(SIGPIPE, &old, NULL);
	if (env->family != AF_INET)
		par_unneeded(allow, &n);
	fprintf(stderr, "# %d cases, %d differences, %d allowed, %d re-runs, ",
		n.cases, n.diffs, n.allowed, n.retries);
	fprintf(stderr, "%lld ms\n", ktcp_now_ms() - t0);
	return n.diffs;
}
