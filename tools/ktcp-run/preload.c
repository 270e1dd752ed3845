// SPDX-License-Identifier: GPL-2.0
/*
 * libktcp-run.so: LD_PRELOADed by ktcp-run, it makes a dynamically linked
 * program's TCP sockets ktcp sockets.
 *
 * socket(AF_INET, SOCK_STREAM[|SOCK_NONBLOCK|SOCK_CLOEXEC], 0 or
 * IPPROTO_TCP) is turned into the same call on ktcp's family, and
 * socket(AF_INET6, ...) the same on ktcp's family6 (AF_KTCP6) when the
 * module has one; everything else (UDP, raw, AF_UNIX, AF_INET6 without a
 * family6, other protocols) goes to libc as it came. ktcp takes struct
 * sockaddr_in with AF_INET, and AF_KTCP6 struct sockaddr_in6 with
 * AF_INET6, as they are, so nothing after socket() needs translating
 * except getsockopt(SO_DOMAIN) and getsockopt(SO_PROTOCOL), which the
 * kernel answers from sk_family and sk_protocol: they would show ktcp's
 * family and IPPROTO_KTCP where the program asked for AF_INET (AF_INET6)
 * and IPPROTO_TCP.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "ktcp-run.h"

#define KTCP_SOCK_FLAGS	(SOCK_NONBLOCK | SOCK_CLOEXEC)

typedef int (*socket_fn)(int, int, int);
typedef int (*getsockopt_fn)(int, int, int, void *, socklen_t *);

static int ktcp_family = -1;	/* -1: not known, convert nothing */
static int ktcp_family6 = -1;	/* -1: none, AF_INET6 stays native */
static bool verbose;
static bool fallback;

static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "1") == 0;
}

/*
 * Preloaded by hand, without ktcp-run: ask the module. A failure leaves
 * every socket native.
 */
static void family_from_sysfs(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * Read the environment once, before main(): the program may clear its
 * environment later, and socket() must stay cheap.
 */
/* A family from the environment, else the module's; -1 if none or bad. */
static int family_from(const char *env, const char *sysfs)
{
	const char *v = getenv(env);
	char buf[16];
	char *end;
	long n;

	if (!v || !*v) {
		family_from_sysfs(sysfs, buf, sizeof(buf));
		v = buf;
	}
	if (!*v)
		return -1;
	n = strtol(v, &end, 10);
	if (*end || n <= 0 || n == AF_INET || n == AF_INET6 || n > 255)
		return -1;
	return (int)n;
}

__attribute__((constructor))
static void ktcp_run_init(void)
{
	verbose = env_flag(KTCP_RUN_ENV_VERBOSE);
	fallback = env_flag(KTCP_RUN_ENV_FALLBACK);
	ktcp_family = family_from(KTCP_RUN_ENV_FAMILY, KTCP_FAMILY_SYSFS);
	if (ktcp_family < 0)
		return;
	/* "0" from ktcp-run: the module has no family6 */
	ktcp_family6 = family_from(KTCP_RUN_ENV_FAMILY6, KTCP_FAMILY6_SYSFS);
	if (ktcp_family6 == ktcp_family)
		ktcp_family6 = -1;
}

/* libc's own symbol; resolved lazily since constructors may run late */
static void *next_sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		fprintf(stderr, "libktcp-run: dlsym(%s) failed\n", name);
		abort();
	}
	return p;
}

/* ktcp's family for this socket() call, or -1: leave it native. */
static int wants_ktcp(int domain, int type, int protocol)
{
	int family = domain == AF_INET ? ktcp_family :
		     domain == AF_INET6 ? ktcp_family6 : -1;

	if (family < 0 || (type & ~KTCP_SOCK_FLAGS) != SOCK_STREAM)
		return -1;
	return protocol == 0 || protocol == IPPROTO_TCP ? family : -1;
}

int socket(int domain, int type, int protocol)
{
	static socket_fn real_socket;
	int fd, err, family;

	if (!real_socket)
		real_socket = (socket_fn)next_sym("socket");
	family = wants_ktcp(domain, type, protocol);
	if (family < 0)
		return real_socket(domain, type, protocol);

	fd = real_socket(family, type, protocol);
	err = errno;
	if (fd < 0 && fallback) {
		if (verbose)
			fprintf(stderr, "ktcp-run: pid %d: ktcp socket failed (%s), native TCP\n",
				getpid(), strerror(err));
		return real_socket(domain, type, protocol);
	}
	if (verbose) {
		if (fd >= 0)
			fprintf(stderr, "ktcp-run: pid %d: socket(%s, SOCK_STREAM) -> ktcp fd %d\n",
				getpid(), domain == AF_INET6 ? "AF_INET6" : "AF_INET", fd);
		else
			fprintf(stderr, "ktcp-run: pid %d: ktcp socket failed: %s\n",
				getpid(), strerror(err));
	}
	errno = err;
	return fd;
}

/*
 * SO_DOMAIN on a ktcp socket answers ktcp's family; the program asked for
 * AF_INET (AF_INET6 for family6). Any socket of ktcp's families is
 * rewritten, without tracking fds:
 * that survives dup(), fork() and exec() as a table would not, and only a
 * program that opens AF_KTCP sockets itself could tell the difference.
 * SO_PROTOCOL answers IPPROTO_KTCP on a ktcp socket (uapi/ktcp.h: no
 * kernel code may take it for a tcp_sock); the program asked for
 * IPPROTO_TCP. No other socket answers IPPROTO_KTCP.
 */
int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	static getsockopt_fn real_getsockopt;
	int ret;

	if (!real_getsockopt)
		real_getsockopt = (getsockopt_fn)next_sym("getsockopt");
	ret = real_getsockopt(fd, level, optname, optval, optlen);
	if (ret || level != SOL_SOCKET || !optval || !optlen ||
	    *optlen < sizeof(int))
		return ret;
	if (optname == SO_DOMAIN && ktcp_family > 0 &&
	    *(int *)optval == ktcp_family)
		*(int *)optval = AF_INET;
	else if (optname == SO_DOMAIN && ktcp_family6 > 0 &&
		 *(int *)optval == ktcp_family6)
		*(int *)optval = AF_INET6;
	else if (optname == SO_PROTOCOL && *(int *)optval == IPPROTO_KTCP)
		*(int *)optval = IPPROTO_TCP;
	return ret;
}
