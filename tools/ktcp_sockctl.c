// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_sockctl: socket operations on one ktcp (or native TCP) socket, one
 * command per line, for scripted packet-level tests (userspace-tests/pkt/).
 * Python cannot create sockets of an unknown family, so the scripted peer
 * drives this program over pipes.
 *
 * usage: ktcp_sockctl [--native | --family N] [--inet6] [--timeout MS]
 *                     - | CMD...
 *   -            read commands from stdin, one a line, until EOF or "quit"
 *   CMD...       run each argument as one command line ("listen 8000")
 *   --native     AF_INET (native Linux TCP), to validate the tests
 *   --family N   this family number (default: /sys/module/ktcp/parameters/
 *                family, else AF_KTCP_DEFAULT; with --inet6 family6, else
 *                AF_KTCP6_DEFAULT)
 *   --inet6      IPv6 sockets: AF_INET6 with --native, else AF_KTCP6;
 *                addresses are IPv6 ones (struct sockaddr_in6)
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
 *                                (:: with --inet6)
 *   accept [MS]                  wait for a child, make it cur
 *   connect IP PORT [MS]         blocking connect (bounded by MS)
 *   connect_nb IP PORT           non-blocking connect: ok ... inprogress=1
 *   wait_connect MS              poll for POLLOUT, then SO_ERROR
 *   send N [nb] [more] [eor]     N bytes of the pattern 'a'..'z' (stream
 *                                offset mod 26), blocking unless nb; more
 *                                and eor add MSG_MORE, MSG_EOR
 *   sendn COUNT SIZE [FLAGS]     COUNT send() calls of SIZE bytes of the
 *                                pattern back to back (blocking), FLAGS a
 *                                comma list: more (MSG_MORE), eor
 *                                (MSG_EOR), lastplain (the last call
 *                                without them)
 *   sendstr TEXT                 the rest of the line
 *   sendfo IP PORT N [nb]        sendto(MSG_FASTOPEN) of N bytes of the
 *                                pattern to IP PORT (IP "-": no address,
 *                                send(MSG_FASTOPEN)), blocking unless nb:
 *                                ok ... sent=
 *   sendoob TEXT                 the same with MSG_OOB: its last byte urgent
 *   recv N [MS]                  wait up to MS (default 0: do not wait)
 *                                for data, then one recv(): n=, hex=
 *   recvall N [MS]               until N bytes, EOF, error or MS
 *   recvoob [peek]               recv(MSG_OOB), never waiting: n=, hex=
 *   atmark                       ioctl(SIOCATMARK): mark=0|1
 *   shutdown wr|rd|rdwr
 *   close [listener]             close cur (or the listener)
 *   setsockopt NAME VAL          on cur; NAME is SO_*, TCP_* or KTCP_*
 *   lsetsockopt NAME VAL         on the listener
 *   getsockopt NAME
 *   tcpinfo                      TCP_INFO of cur: options= (tcpi_options)
 *                                ca_state= cwnd= ssthresh= retrans=
 *                                total_retrans= fo_fail=
 *                                (tcpi_fastopen_client_fail)
 *   sockname | peername
 *   poll [MS]                    revents of cur (POLLPRI asked for too)
 *   nonblock 0|1
 *   sleep MS
 *   echo TEXT
 *   quit
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <sys/ioctl.h>
#include <sys/time.h>

#define MAX_ARGS	8
#define MAX_SEND	(16 << 20)
#define HEX_MAX		256	/* bytes of received data printed in hex */

static int family = -1;
static bool native, inet6;
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

static int sock_family(void)
{
	if (native)
		return inet6 ? AF_INET6 : AF_INET;
	return family;
}

static int new_socket(void)
{
	return socket(sock_family(), SOCK_STREAM, 0);
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

/*
 * @ip and @port into @a (AF_INET, or AF_INET6 with --inet6: also for
 * ktcp, whose families take the native address formats); its length.
 */
static socklen_t parse_addr(const char *ip, const char *port,
			    struct sockaddr_storage *a)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)a;
	struct sockaddr_in *a4 = (struct sockaddr_in *)a;

	memset(a, 0, sizeof(*a));
	if (inet6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)atoi(port));
		return inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1 ?
		       sizeof(*a6) : 0;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, ip, &a4->sin_addr) == 1 ? sizeof(*a4) : 0;
}

/* "ip=... port=..." of @a, as the commands print it. */
static void print_addr(const char *cmd, const struct sockaddr_storage *a)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip));
		printf("ok %s ip=%s port=%d\n", cmd, ip, ntohs(a6->sin6_port));
		return;
	}
	inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof(ip));
	printf("ok %s ip=%s port=%d\n", cmd, ip, ntohs(a4->sin_port));
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
	{ "SO_OOBINLINE", SOL_SOCKET, SO_OOBINLINE },
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
	{ "TCP_FASTOPEN", SOL_TCP, TCP_FASTOPEN },	/* VAL: queue length */
	{ "TCP_FASTOPEN_NO_COOKIE", SOL_TCP, TCP_FASTOPEN_NO_COOKIE },
	{ "TCP_FASTOPEN_CONNECT", SOL_TCP, TCP_FASTOPEN_CONNECT },
	{ "IP_TOS", SOL_IP, IP_TOS },
	{ "IPV6_TCLASS", SOL_IPV6, IPV6_TCLASS },
	{ "KTCP_TIMEWAIT_MS", SOL_TCP, KTCP_TIMEWAIT_MS },
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

static void do_send(const char *cmd, long n, bool nb, int flags)
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
		r = send(cur, buf, chunk,
			 MSG_NOSIGNAL | flags | (nb ? MSG_DONTWAIT : 0));
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
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	int fd = cur >= 0 ? cur : lsn;

	if ((peer ? getpeername(fd, (struct sockaddr *)&a, &len) :
		    getsockname(fd, (struct sockaddr *)&a, &len)))
		return say_err(cmd, errno);
	print_addr(cmd, &a);
}

/* @fd must be open: else say EBADF and return false. */
static bool have_fd(const char *cmd, int fd)
{
	if (fd < 0)
		say_err(cmd, EBADF);
	return fd >= 0;
}

/* Say "ok CMD" (@ret 0) or the error in errno. */
static void say_ret(const char *cmd, int ret)
{
	if (ret)
		say_err(cmd, errno);
	else
		printf("ok %s\n", cmd);
}

/*
 * The commands: @av[0] is the command, @ac counts it, @rest is the line
 * after it (sendstr).
 */
static void c_echo(const char *cmd, char **av, int ac, const char *rest)
{
	(void)cmd, (void)rest;
	printf("ok echo %s\n", ac > 1 ? av[1] : "");
}

static void c_sleep(const char *cmd, char **av, int ac, const char *rest)
{
	(void)ac, (void)rest;
	usleep((useconds_t)atoi(av[1]) * 1000);
	printf("ok %s\n", cmd);
}

static void c_socket(const char *cmd, char **av, int ac, const char *rest)
{
	(void)av, (void)ac, (void)rest;
	if (cur >= 0)
		close(cur);
	cur = new_socket();
	if (cur < 0)
		say_err(cmd, errno);
	else
		printf("ok socket family=%d\n", sock_family());
}

static void c_bind(const char *cmd, char **av, int ac, const char *rest)
{
	struct sockaddr_storage a;
	socklen_t len;

	(void)ac, (void)rest;
	if (need_cur(cmd))
		return;
	len = parse_addr(av[1], av[2], &a);
	if (!len)
		return say_err(cmd, EINVAL);
	say_ret(cmd, bind(cur, (struct sockaddr *)&a, len));
}

static void c_listen(const char *cmd, char **av, int ac, const char *rest)
{
	struct sockaddr_storage a;
	socklen_t len;

	(void)rest;
	if (lsn >= 0)
		close(lsn);
	lsn = new_socket();
	if (lsn < 0)
		return say_err(cmd, errno);
	len = parse_addr(inet6 ? "::" : "0.0.0.0", av[1], &a);
	if (bind(lsn, (struct sockaddr *)&a, len))
		return say_err(cmd, errno);
	if (listen(lsn, ac >= 3 ? atoi(av[2]) : 16))
		return say_err(cmd, errno);
	printf("ok listen port=%s\n", av[1]);
}

static void c_accept(const char *cmd, char **av, int ac, const char *rest)
{
	int ms = ac >= 2 ? atoi(av[1]) : timeout_ms, r;
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);

	(void)rest;
	if (!have_fd(cmd, lsn))
		return;
	if (ktcp_poll1(lsn, POLLIN, ms, NULL) == 0) {
		printf("timeout %s\n", cmd);
		return;
	}
	r = accept(lsn, (struct sockaddr *)&a, &len);
	if (r < 0)
		return say_err(cmd, errno);
	if (cur >= 0)
		close(cur);
	cur = r;
	print_addr("accept", &a);
}

/* connect (blocking, bounded by MS) and connect_nb */
static void c_connect(const char *cmd, char **av, int ac, const char *rest)
{
	bool nb = !strcmp(cmd, "connect_nb");
	struct sockaddr_storage a;
	socklen_t len;
	int r, err;

	(void)rest;
	if (need_cur(cmd))
		return;
	len = parse_addr(av[1], av[2], &a);
	if (!len)
		return say_err(cmd, EINVAL);
	if (nb)
		ktcp_set_nonblock(cur, true);
	else
		arm(ac >= 4 ? atoi(av[3]) : 0);
	r = connect(cur, (struct sockaddr *)&a, len);
	err = errno;
	disarm();
	if (nb)
		ktcp_set_nonblock(cur, false);
	if (!r)
		printf("ok %s inprogress=0\n", cmd);
	else if (nb && err == EINPROGRESS)
		printf("ok %s inprogress=1\n", cmd);
	else if (err == EINTR && alarmed)
		printf("timeout %s\n", cmd);
	else
		say_err(cmd, err);
}

static void c_wait_connect(const char *cmd, char **av, int ac,
			   const char *rest)
{
	int ms = ac >= 2 ? atoi(av[1]) : timeout_ms, err = 0;
	socklen_t len = sizeof(err);

	(void)rest;
	if (!have_fd(cmd, cur))
		return;
	if (ktcp_poll1(cur, POLLOUT, ms, NULL) == 0) {
		printf("timeout %s\n", cmd);
		return;
	}
	if (getsockopt(cur, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		say_err(cmd, err);
	else
		printf("ok wait_connect\n");
}

static void c_send(const char *cmd, char **av, int ac, const char *rest)
{
	int i, flags = 0;
	bool nb = false;

	(void)rest;
	for (i = 2; i < ac; i++) {
		if (!strcmp(av[i], "nb"))
			nb = true;
		else if (!strcmp(av[i], "more"))
			flags |= MSG_MORE;
		else if (!strcmp(av[i], "eor"))
			flags |= MSG_EOR;
		else
			return say_err(cmd, EINVAL);
	}
	if (have_fd(cmd, cur))
		do_send(cmd, atol(av[1]), nb, flags);
}

/*
 * sendn: writes back to back, so that the application's pattern (Nagle,
 * TCP_CORK, MSG_MORE, MSG_EOR) is not blurred by the driver's latency.
 */
static void c_sendn(const char *cmd, char **av, int ac, const char *rest)
{
	static unsigned char buf[65536];
	long count = atol(av[1]), size = atol(av[2]), i, j, total = 0;
	const char *fl = ac >= 4 ? av[3] : "";
	int flags = (strstr(fl, "more") ? MSG_MORE : 0) |
		    (strstr(fl, "eor") ? MSG_EOR : 0);
	ssize_t r;

	(void)rest;
	if (!have_fd(cmd, cur))
		return;
	if (count <= 0 || size <= 0 || size > (long)sizeof(buf))
		return say_err(cmd, EINVAL);
	for (i = 0; i < count; i++) {
		for (j = 0; j < size; j++)
			buf[j] = 'a' + (sent_off + j) % 26;
		if (i == count - 1 && strstr(fl, "lastplain"))
			flags = 0;
		arm(0);
		r = send(cur, buf, size, MSG_NOSIGNAL | flags);
		disarm();
		if (r < 0)
			return say_err(cmd, errno);
		sent_off += r;
		total += r;
	}
	printf("ok %s sent=%ld\n", cmd, total);
}

/* sendstr, and sendoob with MSG_OOB */
static void c_sendstr(const char *cmd, char **av, int ac, const char *rest)
{
	const char *s = rest ? rest + strspn(rest, " \t") : "";
	int oob = !strcmp(cmd, "sendoob") ? MSG_OOB : 0;
	ssize_t n;
	int err;

	(void)av, (void)ac;
	if (!have_fd(cmd, cur))
		return;
	arm(0);
	n = send(cur, s, strlen(s), MSG_NOSIGNAL | oob);
	err = errno;
	disarm();
	if (n < 0)
		say_err(cmd, err);
	else
		printf("ok %s sent=%zd\n", cmd, n);
}

/*
 * sendfo: one sendto() with MSG_FASTOPEN, which connects cur (Fast Open):
 * its answer is the write's, the bytes that went (in the SYN, if it did
 * not block), or its error (EINPROGRESS: none went).
 */
static void c_sendfo(const char *cmd, char **av, int ac, const char *rest)
{
	static unsigned char buf[65536];
	bool nb = ac >= 5 && !strcmp(av[4], "nb");
	long n = atol(av[3]), i;
	struct sockaddr_storage a;
	socklen_t len = 0;
	ssize_t r;
	int err;

	(void)rest;
	if (need_cur(cmd))
		return;
	if (n < 0 || n > (long)sizeof(buf))
		return say_err(cmd, EINVAL);
	if (strcmp(av[1], "-")) {
		len = parse_addr(av[1], av[2], &a);
		if (!len)
			return say_err(cmd, EINVAL);
	}
	for (i = 0; i < n; i++)
		buf[i] = 'a' + (sent_off + i) % 26;
	if (!nb)
		arm(0);
	r = sendto(cur, buf, n, MSG_NOSIGNAL | MSG_FASTOPEN |
		   (nb ? MSG_DONTWAIT : 0), len ? (struct sockaddr *)&a : NULL,
		   len);
	err = errno;
	disarm();
	if (r < 0) {
		if (err == EINTR && alarmed)
			printf("timeout %s\n", cmd);
		else
			say_err(cmd, err);
		return;
	}
	sent_off += r;
	printf("ok %s sent=%zd\n", cmd, r);
}

static void c_recvoob(const char *cmd, char **av, int ac, const char *rest)
{
	int peek = ac >= 2 && !strcmp(av[1], "peek") ? MSG_PEEK : 0;
	unsigned char c;
	ssize_t n;

	(void)rest;
	if (!have_fd(cmd, cur))
		return;
	n = recv(cur, &c, 1, MSG_OOB | MSG_DONTWAIT | peek);
	if (n < 0)
		return say_err(cmd, errno);
	printf("ok %s n=%zd hex=", cmd, n);
	print_hex(&c, n);
	printf("%s\n", n ? "" : "-");
}

static void c_atmark(const char *cmd, char **av, int ac, const char *rest)
{
	int mark = -1;

	(void)av, (void)ac, (void)rest;
	if (!have_fd(cmd, cur))
		return;
	if (ioctl(cur, SIOCATMARK, &mark))
		return say_err(cmd, errno);
	printf("ok %s mark=%d\n", cmd, mark);
}

/* recv and recvall */
static void c_recv(const char *cmd, char **av, int ac, const char *rest)
{
	(void)rest;
	if (have_fd(cmd, cur))
		do_recv(cmd, atol(av[1]), ac >= 3 ? atoi(av[2]) : 0,
			!strcmp(cmd, "recvall"));
}

static void c_shutdown(const char *cmd, char **av, int ac, const char *rest)
{
	int how = !strcmp(av[1], "rd") ? SHUT_RD :
		  !strcmp(av[1], "wr") ? SHUT_WR : SHUT_RDWR;

	(void)ac, (void)rest;
	if (shutdown(cur, how))
		say_err(cmd, errno);
	else
		printf("ok shutdown %s\n", av[1]);
}

static void c_close(const char *cmd, char **av, int ac, const char *rest)
{
	int *fd = (ac >= 2 && !strcmp(av[1], "listener")) ? &lsn : &cur;
	int r;

	(void)rest;
	if (!have_fd(cmd, *fd))
		return;
	r = close(*fd);
	*fd = -1;
	say_ret(cmd, r);
}

/* setsockopt (on cur) and lsetsockopt (on the listener) */
static void c_setsockopt(const char *cmd, char **av, int ac, const char *rest)
{
	(void)rest;
	if (cmd[0] == 'l') {
		if (have_fd(cmd, lsn))
			do_setsockopt(cmd, lsn, av, ac);
	} else if (!need_cur(cmd)) {
		do_setsockopt(cmd, cur, av, ac);
	}
}

static void c_getsockopt(const char *cmd, char **av, int ac, const char *rest)
{
	(void)rest;
	do_getsockopt(cmd, av, ac);
}

/* TCP_INFO's congestion fields and options, for recovery and ECN tests. */
static void c_tcpinfo(const char *cmd, char **av, int ac, const char *rest)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	(void)av, (void)ac, (void)rest;
	if (need_cur(cmd))
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(cur, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return say_err(cmd, errno);
	/*
	 * Byte 7 (glibc's struct has no name for it): Linux's
	 * tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2.
	 */
	printf("ok %s options=%u ca_state=%u cwnd=%u ssthresh=%u retrans=%u total_retrans=%u fo_fail=%u\n",
	       cmd, ti.tcpi_options, ti.tcpi_ca_state, ti.tcpi_snd_cwnd,
	       ti.tcpi_snd_ssthresh, ti.tcpi_retrans, ti.tcpi_total_retrans,
	       (((const unsigned char *)&ti)[7] >> 1) & 3);
}

/* sockname and peername */
static void c_name(const char *cmd, char **av, int ac, const char *rest)
{
	(void)av, (void)ac, (void)rest;
	do_name(cmd, !strcmp(cmd, "peername"));
}

static void c_poll(const char *cmd, char **av, int ac, const char *rest)
{
	char rbuf[64];
	short rev = 0;
	int r;

	(void)rest;
	if (!have_fd(cmd, cur))
		return;
	r = ktcp_poll1(cur, POLLIN | POLLOUT | POLLRDHUP | POLLPRI,
		       ac >= 2 ? atoi(av[1]) : 0, &rev);
	fmt_revents(r > 0 ? rev : 0, rbuf, sizeof(rbuf));
	printf("ok poll revents=%s\n", rbuf);
}

static void c_nonblock(const char *cmd, char **av, int ac, const char *rest)
{
	(void)ac, (void)rest;
	if (ktcp_set_nonblock(cur, atoi(av[1])))
		say_err(cmd, errno);
	else
		printf("ok nonblock\n");
}

static const struct command {
	const char *name;
	int min_ac;		/* words, the command's own included */
	void (*fn)(const char *cmd, char **av, int ac, const char *rest);
} commands[] = {
	{ "echo", 1, c_echo },
	{ "sleep", 2, c_sleep },
	{ "socket", 1, c_socket },
	{ "bind", 3, c_bind },
	{ "listen", 2, c_listen },
	{ "accept", 1, c_accept },
	{ "connect", 3, c_connect },
	{ "connect_nb", 3, c_connect },
	{ "wait_connect", 1, c_wait_connect },
	{ "send", 2, c_send },
	{ "sendn", 3, c_sendn },
	{ "sendstr", 1, c_sendstr },
	{ "sendoob", 1, c_sendstr },
	{ "sendfo", 4, c_sendfo },
	{ "recv", 2, c_recv },
	{ "recvall", 2, c_recv },
	{ "recvoob", 1, c_recvoob },
	{ "atmark", 1, c_atmark },
	{ "shutdown", 2, c_shutdown },
	{ "close", 1, c_close },
	{ "setsockopt", 1, c_setsockopt },
	{ "lsetsockopt", 1, c_setsockopt },
	{ "getsockopt", 1, c_getsockopt },
	{ "tcpinfo", 1, c_tcpinfo },
	{ "sockname", 1, c_name },
	{ "peername", 1, c_name },
	{ "poll", 1, c_poll },
	{ "nonblock", 2, c_nonblock },
};

/* Run one command line; returns false on "quit". */
static bool run(char *line)
{
	char *av[MAX_ARGS + 1], *save = NULL, *p, *rest = NULL;
	int ac = 0;
	size_t i;

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
	if (!strcmp(av[0], "quit")) {
		printf("ok quit\n");
		return false;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(av[0], commands[i].name) &&
		    ac >= commands[i].min_ac) {
			commands[i].fn(av[0], av, ac, rest);
			return true;
		}
	}
	say_err(av[0], EINVAL);
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
		} else if (!strcmp(argv[i], "--inet6")) {
			inet6 = true;
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
		family = inet6 ? ktcp_module_family6() : ktcp_module_family();
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
