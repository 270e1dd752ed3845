// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp-run: run an unmodified program with its TCP sockets on ktcp: its
 * AF_INET ones on ktcp's family, its AF_INET6 ones on AF_KTCP6 when the
 * module has it (/sys/module/ktcp/parameters/family6), else natively.
 *
 *   ktcp-run [options] PROG ARGS...
 *
 * A dynamically linked PROG gets libktcp-run.so appended to LD_PRELOAD and
 * is exec'd in place; a static one (no PT_INTERP) runs as a child under a
 * seccomp user-notification supervisor (supervise.c). See
 * Documentation/ktcp-run.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ktcp-run.h"

#define KTCP_AF_MAX		256	/* families are a u8 in sockaddr users */

/* where `make install` puts the library, relative to PREFIX */
#ifndef KTCP_RUN_LIBSUBDIR
#define KTCP_RUN_LIBSUBDIR	"lib/ktcp-run"
#endif

enum mode { MODE_AUTO, MODE_PRELOAD, MODE_SUPERVISE };


static void usage(void)
{
	printf(
		"usage: ktcp-run [options] PROG [ARGS...]\n"
		"Run PROG with its TCP sockets (AF_INET and AF_INET6, SOCK_STREAM) on ktcp.\n"
		"\n"
		"  --preload     LD_PRELOAD libktcp-run.so (default for dynamic binaries)\n"
		"  --supervise   seccomp supervisor (default for static binaries)\n"
		"  --fallback    run on native TCP if ktcp is not loaded\n"
		"  -v, --verbose log each converted socket to stderr\n"
		"  -h, --help    this text\n"
		"\n"
		"Exit status: PROG's, or 125 if ktcp-run failed, 126 if PROG could\n"
		"not be run, 127 if it was not found.\n");
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ktcp-run: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(KTCP_RUN_EXIT_FAIL);
}

void ktcp_run_exec(char **argv)
{
	int err;

	execvp(argv[0], argv);
	err = errno;
	fprintf(stderr, "ktcp-run: %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? KTCP_RUN_EXIT_ENOENT : KTCP_RUN_EXIT_CANNOT);
}

static int read_family_file(const char *path)
{
	FILE *f = fopen(path, "re");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1 || n <= 0 || n >= KTCP_AF_MAX)
		n = -1;
	fclose(f);
	return n;
}

static int read_family(void)
{
	return read_family_file(KTCP_FAMILY_SYSFS);
}

/*
 * AF_KTCP6's number, or 0: a module without it (or one that put it on
 * AF_INET6, AF_INET or AF_KTCP's number) leaves AF_INET6 sockets native.
 */
static int read_family6(int family)
{
	int n = read_family_file(KTCP_FAMILY6_SYSFS);

	if (n <= 0 || n == AF_INET || n == AF_INET6 || n == family)
		return 0;
	return n;
}

/* modprobe ktcp, quietly unless verbose: our own message says what failed */
static void try_modprobe(bool verbose)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return;
	if (pid == 0) {
		if (!verbose && !freopen("/dev/null", "w", stderr))
			_exit(1);
		execlp("modprobe", "modprobe", "ktcp", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static int ktcp_family(bool verbose)
{
	int family = read_family();

	if (family > 0)
		return family;
	if (verbose)
		fprintf(stderr, "ktcp-run: ktcp not loaded, trying modprobe ktcp\n");
	try_modprobe(verbose);
	return read_family();
}

/*
 * The library sits next to the binary in the build tree, and in
 * PREFIX/KTCP_RUN_LIBSUBDIR when installed (the binary in PREFIX/bin), so
 * the launcher finds it from its own location wherever PREFIX was.
 */
static bool find_lib(char *buf, size_t len)
{
	static const char *const rel[] = {
		"", "/../" KTCP_RUN_LIBSUBDIR "/", "/../lib/ktcp-run/",
	};
	const char *env = getenv(KTCP_RUN_ENV_LIB);
	char exe[PATH_MAX], path[PATH_MAX + 64];
	size_t i;

	if (len < PATH_MAX)
		return false;
	if (env && *env)
		return realpath(env, buf);
	if (!realpath("/proc/self/exe", exe))
		return false;
	dirname(exe);
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s%s", exe, *rel[i] ? "" : "/",
			 rel[i], KTCP_RUN_LIB_NAME);
		if (realpath(path, buf) && access(buf, R_OK) == 0)
			return true;
	}
	return false;
}

/*
 * Append, never replace: the program may depend on what is preloaded
 * already. ld.so splits LD_PRELOAD on ':' and ' ', so the path must not
 * hold either.
 */
static void set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;

	if (strpbrk(lib, ": "))
		die("%s: a path with ':' or ' ' cannot go in LD_PRELOAD", lib);
	if (old && strstr(old, lib))
		return;		/* ktcp-run under ktcp-run */
	if (old && *old) {
		if (asprintf(&val, "%s:%s", old, lib) < 0)
			die("out of memory");
	} else {
		val = strdup(lib);
	}
	if (!val || setenv("LD_PRELOAD", val, 1))
		die("setting LD_PRELOAD: %s", strerror(errno));
	free(val);
}

static void __attribute__((noreturn)) run_preload(char **argv, int family,
						  int family6, bool verbose,
						  bool fallback)
{
	char lib[PATH_MAX], num[16], num6[16];

	if (!find_lib(lib, sizeof(lib)))
		die("%s not found (next to ktcp-run or in ../%s; %s overrides)",
		    KTCP_RUN_LIB_NAME, KTCP_RUN_LIBSUBDIR, KTCP_RUN_ENV_LIB);
	snprintf(num, sizeof(num), "%d", family);
	snprintf(num6, sizeof(num6), "%d", family6);
	if (setenv(KTCP_RUN_ENV_FAMILY, num, 1) ||
	    setenv(KTCP_RUN_ENV_FAMILY6, num6, 1) ||
	    setenv(KTCP_RUN_ENV_VERBOSE, verbose ? "1" : "0", 1) ||
	    setenv(KTCP_RUN_ENV_FALLBACK, fallback ? "1" : "0", 1))
		die("setenv: %s", strerror(errno));
	set_preload(lib);
	if (verbose)
		fprintf(stderr, "ktcp-run: LD_PRELOAD=%s, ktcp family %d, family6 %d%s\n",
			getenv("LD_PRELOAD"), family, family6,
			family6 ? "" : " (none: AF_INET6 stays native)");
	ktcp_run_exec(argv);
	exit(KTCP_RUN_EXIT_FAIL);	/* not reached */
}

struct args {
	enum mode mode;
	bool verbose;
	bool fallback;
};

/* the options before PROG; returns PROG's index, exits on bad usage */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "preload", no_argument, NULL, 'P' },
		{ "supervise", no_argument, NULL, 'S' },
		{ "fallback", no_argument, NULL, 'F' },
		{ }
	};
	int c;

	/* '+': options end at PROG, whose own options are its business */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage();
			exit(0);
		case 'v':
			a->verbose = true;
			break;
		case 'P':
		case 'S':
			if (a->mode != MODE_AUTO)
				die("--preload and --supervise exclude each other");
			a->mode = c == 'P' ? MODE_PRELOAD : MODE_SUPERVISE;
			break;
		case 'F':
			a->fallback = true;
			break;
		default:
			fprintf(stderr, "Try 'ktcp-run --help' for more information.\n");
			exit(KTCP_RUN_EXIT_FAIL);
		}
	}
	if (optind >= argc)
		die("no PROG given\nTry 'ktcp-run --help' for more information.");
	return optind;
}

int main(int argc, char **argv)
{
	struct args a = { .mode = MODE_AUTO };
	int family, family6;

	argv += parse_args(argc, argv, &a);
	family = ktcp_family(a.verbose);
	if (family < 0) {
		if (!a.fallback)
			die("the ktcp module is not loaded (%s missing) and `modprobe ktcp` did not load it; --fallback runs %s on native TCP",
			    KTCP_FAMILY_SYSFS, argv[0]);
		fprintf(stderr, "ktcp-run: ktcp is not loaded: running %s on native TCP\n",
			argv[0]);
		ktcp_run_exec(argv);
	}
	family6 = read_family6(family);
	if (a.mode == MODE_AUTO)
		a.mode = ktcp_run_is_static(argv[0], a.verbose) ? MODE_SUPERVISE : MODE_PRELOAD;
	if (a.mode == MODE_PRELOAD)
		run_preload(argv, family, family6, a.verbose, a.fallback);
	return ktcp_run_supervise(argv, family, family6, a.verbose, a.fallback);
}
