// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_sockctl: socket operations on one ktcp (or native TCP) socket, one
 * command per line, for scripted packet-level tests (userspace-tests/pkt/).
 * Python cannot create sockets of an unknown family, so the scripted peer
 * drives this program over pipes.
 *
 * usage: ktcp_sockctl [--native | --family N] [--timeout MS] - | CMD...
 *   -            read commands from stdin, one a line, until EOF or "quit"
 *   CMD...       run each argument as one command line ("listen 8000")
 *   --native     AF_INET (native Linux TCP), to validate the tests
 *   --family N   this family number (default: /sys/module/ktcp/parameters/
 *                family, else AF_KTCP_DEFAULT)
 *   --timeout MS bound on every blocking call (default 10000)
 *
 * Run without arguments it prints a TAP plan that skips (it is a helper,
 * not a test: make tools builds it into tools/build/).
 *
 * Every command prints exactly one line on stdout, flushed:
 *   ok CMD [key=value...]
 *   err CMD errno=ENAME (strerror)
 *   timeout CMD
 * so a driver can write a command and read its answer.
 *
 * The connection socket ("cur") and the listener are two slots; commands
 * that need cur create it if there is none.
 *
 *   socket                       new socket in cur (closing an old one)
 *   bind IP PORT                 bind cur
 *   listen PORT [BACKLOG]        new listener bound to 0.0.0.0:PORT
 *   accept [MS]                  wait for a child, make it cur
 *   connect IP PORT [MS]         blocking connect (bounded by MS)
 *   connect_nb IP PORT           non-blocking connect: ok ... inprogress=1
 *   wait_connect MS              poll for POLLOUT, then SO_ERROR
 *   send N [nb]                  N bytes of the pattern 'a'..'z' (stream
 *                                offset mod 26), blocking unless nb
 *   sendstr TEXT                 the rest of the line
 *   recv N [MS]                  wait up to MS (default 0: do not wait)
 *                                for data, then one recv(): n=, hex=
 *   recvall N [MS]               until N bytes, EOF, error or MS
 *   shutdown wr|rd|rdwr
 *   close [listener]             close cur (or the listener)
 *   setsockopt NAME VAL          on cur; NAME is SO_* or TCP_*
 *   lsetsockopt NAME VAL         on the listener
 *   getsockopt NAME
 *   sockname | peername
 *   poll [MS]                    revents of cur
 *   nonblock 0|1
 *   sleep MS
 *   echo TEXT
 *   quit
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <sys/time.h>

#define MAX_ARGS	8
#define MAX_SEND	(16 << 20)
#define HEX_MAX		256	/* bytes of received data printed in hex */

static int family = -1;
static bool native;
static int timeout_ms = 10000;
static int cur = -1, lsn = -1;
static unsigned long long sent_off;	/* stream offset of the pattern */
static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* Bound the next blocking call: SIGALRM without SA_RESTART -> EINTR. */
static void arm(int ms)
{
	struct itimerval it = { 0 };

	alarmed = 0;
	if (ms <= 0)
		ms = timeout_ms;
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

static const char *errname(int e)
{
	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(EINTR); E(EIO); E(EBADF); E(EAGAIN);
	E(ENOMEM); E(EACCES); E(EFAULT); E(EBUSY); E(EEXIST); E(EINVAL);
	E(EPIPE); E(ENOTSOCK); E(EDESTADDRREQ); E(EMSGSIZE); E(EPROTOTYPE);
	E(ENOPROTOOPT); E(EPROTONOSUPPORT); E(ESOCKTNOSUPPORT); E(EOPNOTSUPP);
	E(EPFNOSUPPORT); E(EAFNOSUPPORT); E(EADDRINUSE); E(EADDRNOTAVAIL);
	E(ENETDOWN); E(ENETUNREACH); E(ENETRESET); E(ECONNABORTED);
	E(ECONNRESET); E(ENOBUFS); E(EISCONN); E(ENOTCONN); E(ESHUTDOWN);
	E(ETIMEDOUT); E(ECONNREFUSED); E(EHOSTDOWN); E(EHOSTUNREACH);
	E(EALREADY); E(EINPROGRESS);
#undef E
	default: return "E?";
	}
}

static void say_err(const char *cmd, int e)
{
	printf("err %s errno=%s (%s)\n", cmd, errname(e), strerror(e));
}

static int new_socket(void)
{
	return socket(native ? AF_INET : family, SOCK_STREAM, 0);
}

static int need_cur(const char *cmd)
{
	if (cur >= 0)
		return 0;
	cur = new_socket();
	if (cur < 0) {
		say_err(cmd, errno);
		return -1;
	}
	return 0;
}

static int parse_addr(const char *ip, const char *port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;	/* also for ktcp */
	a->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

struct optname {
	const char *name;
	int level, opt;
};

static const struct optname opts[] = {
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE },
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF },
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR },
	{ "SO_ERROR", SOL_SOCKET, SO_ERROR },
	{ "SO_LINGER", SOL_SOCKET, SO_LINGER },	/* VAL: seconds, on */
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT },
	{ "TCP_NODELAY", SOL_TCP, TCP_NODELAY },
	{ "TCP_MAXSEG", SOL_TCP, TCP_MAXSEG },
	{ "TCP_KEEPIDLE", SOL_TCP, TCP_KEEPIDLE },
	{ "TCP_KEEPINTVL", SOL_TCP, TCP_KEEPINTVL },
	{ "TCP_KEEPCNT", SOL_TCP, TCP_KEEPCNT },
	{ "TCP_USER_TIMEOUT", SOL_TCP, TCP_USER_TIMEOUT },
	{ "TCP_QUICKACK", SOL_TCP, TCP_QUICKACK },
	{ "TCP_CORK", SOL_TCP, TCP_CORK },
	{ "TCP_SYNCNT", SOL_TCP, TCP_SYNCNT },
	{ "TCP_WINDOW_CLAMP", SOL_TCP, TCP_WINDOW_CLAMP },
};

static const struct optname *find_opt(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (!strcasecmp(opts[i].name, name))
			return &opts[i];
	return NULL;
}

static void do_setsockopt(const char *cmd, int fd, char **av, int ac)
{
	const struct optname *o;
	struct linger lg;
	int val;

	if (ac < 3 || !(o = find_opt(av[1]))) {
		say_err(cmd, EINVAL);
		return;
	}
	val = atoi(av[2]);
	if (o->opt == SO_LINGER && o->level == SOL_SOCKET) {
		lg.l_onoff = 1;
		lg.l_linger = val;
		if (setsockopt(fd, o->level, o->opt, &lg, sizeof(lg)))
			return say_err(cmd, errno);
	} else if (setsockopt(fd, o->level, o->opt, &val, sizeof(val))) {
		return say_err(cmd, errno);
	}
	printf("ok %s %s=%d\n", cmd, o->name, val);
}

static void print_hex(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < HEX_MAX; i++)
		printf("%02x", b[i]);
}

static void fmt_revents(short r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s",
		 r & POLLIN ? "IN," : "", r & POLLOUT ? "OUT," : "",
		 r & POLLERR ? "ERR," : "", r & POLLHUP ? "HUP," : "",
		 r & POLLRDHUP ? "RDHUP," : "", r & POLLPRI ? "PRI," : "");
	if (!*buf)
		snprintf(buf, len, "0");
	else
		buf[strlen(buf) - 1] = '\0';
}

static void do_send(const char *cmd, long n, bool nb)
{
	static unsigned char buf[65536];
	long done = 0, chunk, i;
	ssize_t r;

	if (n < 0 || n > MAX_SEND)
		return say_err(cmd, EINVAL);
	while (done < n) {
		chunk = n - done;
		if (chunk > (long)sizeof(buf))
			chunk = sizeof(buf);
		for (i = 0; i < chunk; i++)
			buf[i] = 'a' + (sent_off + i) % 26;
		if (!nb)
			arm(0);
		r = send(cur, buf, chunk, MSG_NOSIGNAL | (nb ? MSG_DONTWAIT : 0));
		disarm();
		if (r < 0) {
			if (errno == EINTR && alarmed) {
				printf("timeout %s sent=%ld\n", cmd, done);
				return;
			}
			if (done && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			return say_err(cmd, errno);
		}
		done += r;
		sent_off += r;
		if (r < chunk && nb)
			break;
	}
	printf("ok %s sent=%ld\n", cmd, done);
}

static void do_recv(const char *cmd, long n, int ms, bool all)
{
	unsigned char *buf;
	struct timespec t0, t1;
	long got = 0, left_ms;
	ssize_t r;
	int w;

	if (n <= 0 || n > MAX_SEND)
		return say_err(cmd, EINVAL);
	buf = malloc(n);
	if (!buf)
		return say_err(cmd, ENOMEM);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left_ms = ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
				(t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left_ms < 0)
			left_ms = 0;
		w = ktcp_poll1(cur, POLLIN, (int)left_ms, NULL);
		if (w < 0) {
			say_err(cmd, -w);
			goto out;
		}
		if (w == 0) {
			if (!got) {
				printf("timeout %s\n", cmd);
				goto out;
			}
			break;
		}
		r = recv(cur, buf + got, n - got, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			if (got)
				break;
			say_err(cmd, errno);
			goto out;
		}
		got += r;
		if (!r || !all || got >= n)
			break;
	}
	printf("ok %s n=%ld hex=", cmd, got);
	print_hex(buf, got);
	printf("%s\n", got ? "" : "-");
out:
	free(buf);
}

static void do_getsockopt(const char *cmd, char **av, int ac)
{
	const struct optname *o;
	socklen_t len;
	int val = 0;

	if (ac < 2 || !(o = find_opt(av[1])))
		return say_err(cmd, EINVAL);
	if (need_cur(cmd))
		return;
	len = sizeof(val);
	if (getsockopt(cur, o->level, o->opt, &val, &len))
		return say_err(cmd, errno);
	if (o->opt == SO_ERROR && o->level == SOL_SOCKET)
		printf("ok %s %s=%d errname=%s\n", cmd, o->name, val,
		       val ? errname(val) : "0");
	else
		printf("ok %s %s=%d\n", cmd, o->name, val);
}

static void do_name(const char *cmd, bool peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char ip[INET_ADDRSTRLEN];
	int fd = cur >= 0 ? cur : lsn;

	if ((peer ? getpeername(fd, (struct sockaddr *)&a, &len) :
		    getsockname(fd, (struct sockaddr *)&a, &len)))
		return say_err(cmd, errno);
	inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
	printf("ok %s ip=%s port=%d\n", cmd, ip, ntohs(a.sin_port));
}

/* Run one command line; returns false on "quit". */
static bool run(char *line)
{
	char *av[MAX_ARGS + 1], *save = NULL, *p, *rest = NULL;
	struct sockaddr_in a;
	socklen_t len;
	const char *cmd;
	char rbuf[64];
	short rev;
	int ac = 0, r, err, ms;

	line[strcspn(line, "\r\n")] = '\0';
	for (p = strtok_r(line, " \t", &save); p && ac < MAX_ARGS;
	     p = strtok_r(NULL, " \t", &save)) {
		av[ac++] = p;
		if (ac == 1)
			rest = save;
	}
	av[ac] = NULL;
	if (!ac)
		return true;
	cmd = av[0];

	if (!strcmp(cmd, "quit")) {
		printf("ok quit\n");
		return false;
	} else if (!strcmp(cmd, "echo")) {
		printf("ok echo %s\n", ac > 1 ? av[1] : "");
	} else if (!strcmp(cmd, "sleep") && ac >= 2) {
		usleep((useconds_t)atoi(av[1]) * 1000);
		printf("ok sleep\n");
	} else if (!strcmp(cmd, "socket")) {
		if (cur >= 0)
			close(cur);
		cur = new_socket();
		if (cur < 0)
			say_err(cmd, errno);
		else
			printf("ok socket family=%d\n", native ? AF_INET : family);
	} else if (!strcmp(cmd, "bind") && ac >= 3) {
		if (need_cur(cmd))
			return true;
		if (parse_addr(av[1], av[2], &a))
			return say_err(cmd, EINVAL), true;
		if (bind(cur, (struct sockaddr *)&a, sizeof(a)))
			say_err(cmd, errno);
		else
			printf("ok bind\n");
	} else if (!strcmp(cmd, "listen") && ac >= 2) {
		if (lsn >= 0)
			close(lsn);
		lsn = new_socket();
		if (lsn < 0)
			return say_err(cmd, errno), true;
		parse_addr("0.0.0.0", av[1], &a);
		if (bind(lsn, (struct sockaddr *)&a, sizeof(a)))
			return say_err(cmd, errno), true;
		if (listen(lsn, ac >= 3 ? atoi(av[2]) : 16))
			return say_err(cmd, errno), true;
		printf("ok listen port=%s\n", av[1]);
	} else if (!strcmp(cmd, "accept")) {
		ms = ac >= 2 ? atoi(av[1]) : timeout_ms;
		if (lsn < 0)
			return say_err(cmd, EBADF), true;
		r = ktcp_poll1(lsn, POLLIN, ms, NULL);
		if (r == 0) {
			printf("timeout %s\n", cmd);
			return true;
		}
		len = sizeof(a);
		r = accept(lsn, (struct sockaddr *)&a, &len);
		if (r < 0)
			return say_err(cmd, errno), true;
		if (cur >= 0)
			close(cur);
		cur = r;
		inet_ntop(AF_INET, &a.sin_addr, rbuf, sizeof(rbuf));
		printf("ok accept ip=%s port=%d\n", rbuf, ntohs(a.sin_port));
	} else if ((!strcmp(cmd, "connect") || !strcmp(cmd, "connect_nb")) &&
		   ac >= 3) {
		bool nb = !strcmp(cmd, "connect_nb");

		if (need_cur(cmd))
			return true;
		if (parse_addr(av[1], av[2], &a))
			return say_err(cmd, EINVAL), true;
		if (nb)
			fcntl(cur, F_SETFL, fcntl(cur, F_GETFL) | O_NONBLOCK);
		else
			arm(ac >= 4 ? atoi(av[3]) : 0);
		r = connect(cur, (struct sockaddr *)&a, sizeof(a));
		err = errno;
		disarm();
		if (nb)
			fcntl(cur, F_SETFL, fcntl(cur, F_GETFL) & ~O_NONBLOCK);
		if (!r)
			printf("ok %s inprogress=0\n", cmd);
		else if (nb && err == EINPROGRESS)
			printf("ok %s inprogress=1\n", cmd);
		else if (err == EINTR && alarmed)
			printf("timeout %s\n", cmd);
		else
			say_err(cmd, err);
	} else if (!strcmp(cmd, "wait_connect")) {
		ms = ac >= 2 ? atoi(av[1]) : timeout_ms;
		if (cur < 0)
			return say_err(cmd, EBADF), true;
		r = ktcp_poll1(cur, POLLOUT, ms, &rev);
		if (r == 0) {
			printf("timeout %s\n", cmd);
			return true;
		}
		len = sizeof(err);
		if (getsockopt(cur, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err)
			say_err(cmd, err);
		else
			printf("ok wait_connect\n");
	} else if (!strcmp(cmd, "send") && ac >= 2) {
		if (cur < 0)
			return say_err(cmd, EBADF), true;
		do_send(cmd, atol(av[1]), ac >= 3 && !strcmp(av[2], "nb"));
	} else if (!strcmp(cmd, "sendstr")) {
		const char *s = rest ? rest + strspn(rest, " \t") : "";
		ssize_t n;

		if (cur < 0)
			return say_err(cmd, EBADF), true;
		arm(0);
		n = send(cur, s, strlen(s), MSG_NOSIGNAL);
		err = errno;
		disarm();
		if (n < 0)
			say_err(cmd, err);
		else
			printf("ok sendstr sent=%zd\n", n);
	} else if ((!strcmp(cmd, "recv") || !strcmp(cmd, "recvall")) &&
		   ac >= 2) {
		if (cur < 0)
			return say_err(cmd, EBADF), true;
		do_recv(cmd, atol(av[1]), ac >= 3 ? atoi(av[2]) : 0,
			!strcmp(cmd, "recvall"));
	} else if (!strcmp(cmd, "shutdown") && ac >= 2) {
		int how = !strcmp(av[1], "rd") ? SHUT_RD :
			  !strcmp(av[1], "wr") ? SHUT_WR : SHUT_RDWR;

		if (shutdown(cur, how))
			say_err(cmd, errno);
		else
			printf("ok shutdown %s\n", av[1]);
	} else if (!strcmp(cmd, "close")) {
		int *fd = (ac >= 2 && !strcmp(av[1], "listener")) ? &lsn : &cur;

		if (*fd < 0)
			return say_err(cmd, EBADF), true;
		r = close(*fd);
		err = errno;
		*fd = -1;
		if (r)
			say_err(cmd, err);
		else
			printf("ok close\n");
	} else if (!strcmp(cmd, "setsockopt")) {
		if (need_cur(cmd))
			return true;
		do_setsockopt(cmd, cur, av, ac);
	} else if (!strcmp(cmd, "lsetsockopt")) {
		if (lsn < 0)
			return say_err(cmd, EBADF), true;
		do_setsockopt(cmd, lsn, av, ac);
	} else if (!strcmp(cmd, "getsockopt")) {
		do_getsockopt(cmd, av, ac);
	} else if (!strcmp(cmd, "sockname") || !strcmp(cmd, "peername")) {
		do_name(cmd, !strcmp(cmd, "peername"));
	} else if (!strcmp(cmd, "poll")) {
		if (cur < 0)
			return say_err(cmd, EBADF), true;
		r = ktcp_poll1(cur, POLLIN | POLLOUT | POLLRDHUP,
			    ac >= 2 ? atoi(av[1]) : 0, &rev);
		fmt_revents(r > 0 ? rev : 0, rbuf, sizeof(rbuf));
		printf("ok poll revents=%s\n", rbuf);
	} else if (!strcmp(cmd, "nonblock") && ac >= 2) {
		int fl = fcntl(cur, F_GETFL);

		fl = atoi(av[1]) ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
		if (fcntl(cur, F_SETFL, fl))
			say_err(cmd, errno);
		else
			printf("ok nonblock\n");
	} else {
		say_err(cmd, EINVAL);
	}
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	char *line = NULL;
	size_t cap = 0;
	int i = 1;

	if (argc < 2) {
		/* Not a test: keep run.sh happy if it runs every binary. */
		printf("TAP version 13\n1..0 # SKIP ktcp_sockctl is a helper "
		       "(userspace-tests/pkt-tests.sh), not a test\n"
		       "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 "
		       "error:0\n");
		return 0;
	}
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--native")) {
			native = true;
		} else if (!strcmp(argv[i], "--family") && i + 1 < argc) {
			family = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			timeout_ms = atoi(argv[++i]);
		} else {
			fprintf(stderr, "ktcp_sockctl: unknown option %s\n",
				argv[i]);
			return 2;
		}
	}
	if (family < 0)
		family = ktcp_module_family();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: EINTR */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (i < argc && !strcmp(argv[i], "-")) {
		while (getline(&line, &cap, stdin) > 0) {
			if (!run(line))
				break;
			fflush(stdout);
		}
		free(line);
	} else {
		for (; i < argc; i++) {
			line = strdup(argv[i]);
			if (!line)
				return 1;
			if (!run(line)) {
				free(line);
				break;
			}
			free(line);
			fflush(stdout);
		}
	}
	if (cur >= 0)
		close(cur);
	if (lsn >= 0)
		close(lsn);
	return 0;
}
