// SPDX-License-Identifier: GPL-2.0
/*
 * ktcpstat -s's counters and -d, as nstat(8): the counters of the
 * caller's namespace (/proc/net/ktcp_snmp), those that are not 0, as
 * "Name value" under a "#ktcp" line. With -d, each is the increase since
 * the last -d, which saved the values in a history file: $KTCPSTAT_HISTORY,
 * else /tmp/.ktcpstat.u<uid> (nstat's is /tmp/.nstat.u<uid>). Without a
 * history (the first -d) the increase is from 0. A counter lower than its
 * history (the module reloaded, another namespace) counts from 0, as nstat
 * does. CurrEstab is a gauge, not a count: it is shown as it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktcpstat.h"

#define KS_MAX_COUNTERS	256

struct ks_counter {
	char name[64];
	unsigned long long val;
};

/* "Name value" lines of @path into @c; how many, or -errno. */
static int ks_counters_read(const char *path, struct ks_counter *c, int max)
{
	FILE *f = fopen(path, "re");
	char line[160];
	int n = 0;

	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f))
		if (line[0] != '#' &&
		    sscanf(line, "%63s %llu", c[n].name, &c[n].val) == 2)
			n++;
	fclose(f);
	return n;
}

static void ks_history_path(char *path, size_t len)
{
	const char *env = getenv("KTCPSTAT_HISTORY");

	if (env && *env)
		snprintf(path, len, "%s", env);
	else
		snprintf(path, len, "/tmp/.ktcpstat.u%u", (unsigned int)getuid());
}

/*
 * The history, if it is a regular file of ours (as nstat, which ignores
 * one another user left in /tmp).
 */
static int ks_history_read(const char *path, struct ks_counter *c, int max)
{
	struct stat st;

	if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_uid != getuid())
		return 0;
	return ks_counters_read(path, c, max);
}

/* Write a new history beside the old and rename it over, never through a link. */
static int ks_history_write(const char *path, const struct ks_counter *c,
			    int n)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -EIO;
	}
	fprintf(f, "#ktcp\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s %llu\n", c[i].name, c[i].val);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static unsigned long long ks_old(const struct ks_counter *h, int nh,
				 const char *name)
{
	for (int i = 0; i < nh; i++)
		if (!strcmp(h[i].name, name))
			return h[i].val;
	return 0;
}

int ks_counters_print(bool delta)
{
	static struct ks_counter cur[KS_MAX_COUNTERS], hist[KS_MAX_COUNTERS];
	char path[PATH_MAX];
	int n, nh = 0, err;

	n = ks_counters_read("/proc/net/ktcp_snmp", cur, KS_MAX_COUNTERS);
	if (n < 0) {
		fprintf(stderr, "ktcpstat: /proc/net/ktcp_snmp: %s\n",
			strerror(-n));
		return 1;
	}
	ks_history_path(path, sizeof(path));
	if (delta)
		nh = ks_history_read(path, hist, KS_MAX_COUNTERS);
	printf("#ktcp\n");
	for (int i = 0; i < n; i++) {
		unsigned long long v = cur[i].val;
		unsigned long long old = ks_old(hist, nh > 0 ? nh : 0,
						cur[i].name);

		if (delta && strcmp(cur[i].name, "CurrEstab"))
			v = v >= old ? v - old : v;
		if (v)
			printf("%-32s %llu\n", cur[i].name, v);
	}
	if (!delta)
		return 0;
	err = ks_history_write(path, cur, n);
	if (err) {
		fprintf(stderr, "ktcpstat: history %s: %s\n", path,
			strerror(-err));
		return 1;
	}
	return 0;
}
