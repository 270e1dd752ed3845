// SPDX-License-Identifier: GPL-2.0
/*
 * The module's outside: family parameter, /proc files, per-netns sysctls
 * and counters, and unloading: rmmod is refused while any ktcp socket
 * exists (an orphan in TIME_WAIT included) and works once all are gone;
 * the module is loaded again afterwards ($KTCP_KO, default
 * <repo>/module/ktcp.ko) so that whatever runs next finds it.
 *
 * Run this binary last: the rmmod test unloads the module.
 */
#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define KTCP_MODNAME	"ktcp"
#define KTCP_SYSMOD	"/sys/module/" KTCP_MODNAME

static const char proc_header[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
	"retrnsmt   uid  timeout inode";

static bool module_loaded(void)
{
	return access(KTCP_SYSMOD, F_OK) == 0;
}

FIXTURE(lifecycle)
{
	bool unloaded;		/* rmmod test: we took the module out */
	char ko[PATH_MAX];
	char params[1024];	/* module parameters to reload with */
};

FIXTURE_SETUP(lifecycle)
{
	ktcp_new_netns(_metadata);
	self->unloaded = false;
}

static int load_module(const char *ko, const char *params)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

FIXTURE_TEARDOWN(lifecycle)
{
	/* an assertion fired after rmmod: put the module back regardless */
	if (self->unloaded && !module_loaded()) {
		int ret = load_module(self->ko, self->params);

		if (ret)
			fprintf(stderr, "# reloading %s failed: %s\n",
				self->ko, strerror(-ret));
	}
}

/* The module advertises its family, and sockets of it can be made. */
TEST_F_TIMEOUT(lifecycle, family_param, 120)
{
	char buf[32] = "";
	FILE *f;
	int fd;

	SKIP_IF_NATIVE("no module parameter to read");
	f = fopen(KTCP_FAMILY_SYSFS, "re");
	ASSERT_NE(NULL, f)
		TH_LOG(KTCP_FAMILY_SYSFS ": %s (module not loaded?)",
		       strerror(errno));
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	ASSERT_LT(0, atoi(buf));
	if (!getenv("KTCP_TEST_FAMILY"))
		EXPECT_EQ(ktcp_family(), atoi(buf));
	fd = ktcp_socket(_metadata);
	EXPECT_EQ(0, close(fd));
}

/* /proc/net/ktcp looks like /proc/net/tcp; counters are all there. */
TEST_F_TIMEOUT(lifecycle, proc_format, 120)
{
	const char *path = ktcp_proc_path(false);
	char line[512];
	struct ktcp_row row;
	struct stat st;
	uint16_t port;
	size_t i, l;
	FILE *f;
	int lfd, n;

	f = fopen(path, "re");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	fclose(f);
	l = strlen(line);
	while (l && (line[l - 1] == '\n' || line[l - 1] == ' '))
		line[--l] = 0;
	EXPECT_STREQ(proc_header, line);

	lfd = ktcp_listener(_metadata, ktcp_family(), "127.0.0.1", 0, 7,
			    &port);
	ASSERT_EQ(0, fstat(lfd, &st));
	n = ktcp_proc_scan(KT_ANY, port, KT_ANY, &row);
	ASSERT_EQ(1, n) TH_LOG("%d rows for the listener on port %u", n,
			       port);
	EXPECT_EQ(KT_LISTEN, row.state);
	EXPECT_EQ(htonl(INADDR_LOOPBACK), row.laddr);
	EXPECT_EQ(0U, row.raddr);
	EXPECT_EQ(0, row.rport);
	EXPECT_EQ(0, row.rxq);
	EXPECT_EQ(getuid(), row.uid);
	EXPECT_EQ((unsigned long)st.st_ino, row.inode)
		TH_LOG("inode column %lu, socket inode %lu", row.inode,
		       (unsigned long)st.st_ino);
	close(lfd);
	EXPECT_EQ(0, ktcp_wait_rows(KT_ANY, port, KT_ANY, 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("closed listener still listed");

	for (i = 0; i < ARRAY_SIZE(ktcp_snmp_names); i++) {
		long long v;
		int ret = ktcp_snmp_read(ktcp_snmp_names[i], &v);

		EXPECT_EQ(0, ret)
			TH_LOG("counter %s: %s", ktcp_snmp_names[i],
			       strerror(-ret));
		EXPECT_LE(0, v) TH_LOG("counter %s = %lld",
				       ktcp_snmp_names[i], v);
	}
}

TEST_F_TIMEOUT(lifecycle, sysctl_defaults, 120)
{
	long v = -1;

	SKIP_IF_NATIVE("no ktcp sysctls");
	ASSERT_EQ(0, ktcp_sysctl_read("tw_timeout_ms", &v))
		TH_LOG(KTCP_SYSCTL_DIR "tw_timeout_ms missing in a new netns");
	EXPECT_EQ(KTCP_TW_DEFAULT_MS, v);
	ASSERT_EQ(0, ktcp_sysctl_read("fin_timeout", &v))
		TH_LOG(KTCP_SYSCTL_DIR "fin_timeout missing in a new netns");
	EXPECT_EQ(KTCP_FIN_DEFAULT_S, v);
}

/* A sysctl written in one netns does not leak into another. */
TEST_F_TIMEOUT(lifecycle, sysctl_per_netns, 120)
{
	int here, there;
	long v = -1;

	SKIP_IF_NATIVE("no ktcp sysctls");
	ktcp_sysctl_set(_metadata, "tw_timeout_ms", 1234);
	ktcp_sysctl_set(_metadata, "fin_timeout", 23);
	here = ktcp_netns_fd(_metadata);
	there = ktcp_make_netns(_metadata);

	ktcp_setns(_metadata, there);
	ASSERT_EQ(0, ktcp_sysctl_read("tw_timeout_ms", &v));
	EXPECT_EQ(KTCP_TW_DEFAULT_MS, v) TH_LOG("value leaked across netns");
	ASSERT_EQ(0, ktcp_sysctl_read("fin_timeout", &v));
	EXPECT_EQ(KTCP_FIN_DEFAULT_S, v) TH_LOG("value leaked across netns");
	ktcp_sysctl_set(_metadata, "tw_timeout_ms", 4321);

	ktcp_setns(_metadata, here);
	ASSERT_EQ(0, ktcp_sysctl_read("tw_timeout_ms", &v));
	EXPECT_EQ(1234, v);
	ASSERT_EQ(0, ktcp_sysctl_read("fin_timeout", &v));
	EXPECT_EQ(23, v);
	close(here);
	close(there);
}

/* Connections and counters belong to their netns. */
TEST_F_TIMEOUT(lifecycle, per_netns_tables, 120)
{
	long long a0, b0, a1, b1;
	int here, there, lfd, c, s;
	uint16_t port;

	/* do not leave a minute-long TIME_WAIT behind (rmmod test) */
	ktcp_set_tw_timeout(_metadata, 1000);
	here = ktcp_netns_fd(_metadata);
	there = ktcp_make_netns(_metadata);
	ktcp_setns(_metadata, there);
	b0 = ktcp_snmp(_metadata, "ActiveOpens");
	ktcp_setns(_metadata, here);
	a0 = ktcp_snmp(_metadata, "ActiveOpens");

	lfd = ktcp_listener(_metadata, ktcp_family(), "127.0.0.1", 0, 4,
			    &port);
	c = ktcp_connect(_metadata, ktcp_family(), "127.0.0.1", port);
	s = ktcp_accept(_metadata, lfd);
	EXPECT_EQ(1, ktcp_proc_scan(KT_ESTABLISHED, KT_ANY, port, NULL));
	a1 = ktcp_snmp(_metadata, "ActiveOpens");

	ktcp_setns(_metadata, there);
	EXPECT_EQ(0, ktcp_proc_scan(KT_ANY, KT_ANY, KT_ANY, NULL))
		TH_LOG("the other netns lists our sockets");
	/* the listener is not reachable from the other netns */
	{
		struct sockaddr_in sa = ktcp_sin("127.0.0.1", port);
		int fd = ktcp_socket(_metadata);
		int ret = ktcp_connect_fd(fd, &sa, ktcp_ms(KTCP_IO_IDLE_MS));

		EXPECT_EQ(-ECONNREFUSED, ret)
			TH_LOG("connect across netns: %s", strerror(-ret));
		close(fd);
	}
	b1 = ktcp_snmp(_metadata, "ActiveOpens");
	ktcp_setns(_metadata, here);

	EXPECT_EQ(a0 + 1, a1);
	EXPECT_EQ(b0 + 1, b1) TH_LOG("the refused attempt counts in its netns");
	close(c);
	close(s);
	close(lfd);
	close(here);
	close(there);
}

/* Where the module file is: $KTCP_KO, next to the binary, or ./module. */
static void find_ko(char *ko, size_t sz)
{
	const char *e = getenv("KTCP_KO");
	char exe[PATH_MAX - 32];
	ssize_t n;
	int i;

	if (e && *e) {
		snprintf(ko, sz, "%s", e);
		return;
	}
	/* <repo>/userspace-tests/build/lifecycle -> <repo>/module/ktcp.ko */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		for (i = 0; i < 3; i++) {
			char *slash = strrchr(exe, '/');

			if (slash)
				*slash = 0;
		}
		snprintf(ko, sz, "%s/module/ktcp.ko", exe);
		if (!access(ko, R_OK))
			return;
	}
	snprintf(ko, sz, "module/ktcp.ko");
}

/*
 * "name=value ..." for every readable parameter of the loaded module, so
 * that it comes back as it was (family= above all).
 */
static void module_params(char *out, size_t sz)
{
	DIR *d = opendir(KTCP_SYSMOD "/parameters");
	struct dirent *de;
	size_t len = 0;

	out[0] = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512], val[256];
		FILE *f;
		int n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), KTCP_SYSMOD "/parameters/%s",
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f)) {
			val[strcspn(val, "\n")] = 0;
			if (val[0] && !strchr(val, ' ')) {
				n = snprintf(out + len, sz - len, "%s%s=%s",
					     len ? " " : "", de->d_name, val);
				if (n > 0 && (size_t)n < sz - len)
					len += n;
				else
					out[len] = 0;
			}
		}
		fclose(f);
	}
	closedir(d);
}

static int try_rmmod(void)
{
	return syscall(SYS_delete_module, KTCP_MODNAME, O_NONBLOCK) ? -errno
								       : 0;
}

static long module_refcnt(void)
{
	long v = -1;

	ktcp_sysctl_path_read(KTCP_SYSMOD "/refcnt", &v);
	return v;
}

#define ASSERT_RMMOD_REFUSED(why) do { \
	int __r = try_rmmod(); \
	if (!__r) \
		self->unloaded = true; \
	ASSERT_NE(0, __r) TH_LOG("rmmod succeeded with %s", why); \
	ASSERT_TRUE(__r == -EWOULDBLOCK || __r == -EBUSY) \
		TH_LOG("rmmod with %s: %s, want EWOULDBLOCK/EBUSY", why, \
		       strerror(-__r)); \
} while (0)

TEST_F_TIMEOUT(lifecycle, rmmod_busy_then_reload, 300)
{
	long long end;
	int fd, lfd, c, s, ret, tw, cport;
	uint16_t port;
	long v;

	SKIP_IF_NATIVE("no module to unload");
	find_ko(self->ko, sizeof(self->ko));
	ASSERT_EQ(0, access(self->ko, R_OK))
		TH_LOG("module file %s: %s (set KTCP_KO); not unloading what "
		       "cannot be reloaded", self->ko, strerror(errno));
	ASSERT_TRUE(module_loaded()) TH_LOG(KTCP_SYSMOD " missing");
	module_params(self->params, sizeof(self->params));
	TH_LOG("module file %s, parameters \"%s\"", self->ko, self->params);

	/* 1: an open, unconnected socket pins the module */
	fd = ktcp_socket(_metadata);
	ASSERT_RMMOD_REFUSED("a socket open");
	close(fd);

	/* 2: so does an orphan in TIME_WAIT, with no fd left anywhere */
	tw = ktcp_set_tw_timeout(_metadata, 10000);
	lfd = ktcp_listener(_metadata, ktcp_family(), "127.0.0.1", 0, 4,
			    &port);
	c = ktcp_connect(_metadata, ktcp_family(), "127.0.0.1", port);
	s = ktcp_accept(_metadata, lfd);
	cport = ktcp_local_port(c);
	ASSERT_LT(0, cport);
	close(lfd);
	ASSERT_EQ(0, close(c));
	ASSERT_EQ(0, ktcp_wait_eof(s, ktcp_ms(KTCP_IO_IDLE_MS)));
	ASSERT_EQ(0, close(s));
	ASSERT_STATE(cport, port, KT_TIME_WAIT, ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client");
	ASSERT_EQ(0, ktcp_wait_rows(KT_ANY, port, KT_ANY, 0,
				    ktcp_ms(KTCP_STATE_WAIT_MS)))
		TH_LOG("server side or listener still listed");
	ASSERT_EQ(1, ktcp_proc_scan(KT_ANY, KT_ANY, KT_ANY, NULL))
		TH_LOG("want exactly one ktcp socket (the TIME_WAIT) here");
	ASSERT_RMMOD_REFUSED("a TIME_WAIT orphan");
	TH_LOG("refused as expected, refcnt %ld", module_refcnt());

	/*
	 * 3: once it expires, rmmod goes through. Allow for sockets other
	 * binaries left in TIME_WAIT (default length) in dead netns.
	 */
	ASSERT_STATE(cport, port, -1, tw + ktcp_ms(KTCP_STATE_WAIT_MS),
		     "client TIME_WAIT");
	end = ktcp_now_ms() + KTCP_TW_DEFAULT_MS + ktcp_ms(KTCP_STATE_WAIT_MS);
	while ((ret = try_rmmod()) == -EWOULDBLOCK || ret == -EBUSY) {
		if (ktcp_now_ms() > end)
			break;
		ktcp_sleep_ms(200);
	}
	if (!ret)
		self->unloaded = true;
	ASSERT_EQ(0, ret)
		TH_LOG("rmmod with no socket left: %s (refcnt %ld; sockets "
		       "leaked by earlier tests or dead netns?)",
		       strerror(-ret), module_refcnt());
	EXPECT_FALSE(module_loaded());
	fd = socket(ktcp_family(), SOCK_STREAM, 0);
	EXPECT_EQ(-1, fd) TH_LOG("family %d still works after rmmod",
				 ktcp_family());
	if (fd >= 0)
		close(fd);
	else
		EXPECT_EQ(EAFNOSUPPORT, errno);

	/* 4: load it again, same parameters */
	ret = load_module(self->ko, self->params);
	ASSERT_EQ(0, ret)
		TH_LOG("finit_module(%s, \"%s\"): %s", self->ko, self->params,
		       strerror(-ret));
	self->unloaded = false;
	ASSERT_TRUE(module_loaded());
	fd = ktcp_socket(_metadata);
	close(fd);
	/* the netns that outlived the module gets fresh state */
	ASSERT_EQ(0, ktcp_sysctl_read("tw_timeout_ms", &v))
		TH_LOG("sysctls missing in an existing netns after reload");
	EXPECT_EQ(KTCP_TW_DEFAULT_MS, v);
	EXPECT_EQ(0, ktcp_proc_scan(KT_ANY, KT_ANY, KT_ANY, NULL));
}

TEST_HARNESS_MAIN
