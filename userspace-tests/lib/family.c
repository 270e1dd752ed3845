// SPDX-License-Identifier: GPL-2.0
/*
 * The family under test, written once: the tests, ktcp_bench, ktcp_demo
 * and ktcp_sockctl all find AF_KTCP's number here, and AF_KTCP6's (the
 * family for what programs open as AF_INET6). Also the timeout scale,
 * clocks and size parsing every program needs.
 */
#include "ktcptest.h"

static int family = -1;
static bool native;
static double tmult = -1.0;

const char *ktcp_state_name(int st)
{
	static const char *const names[] = {
		[KT_ESTABLISHED] = "ESTABLISHED", [KT_SYN_SENT] = "SYN_SENT",
		[KT_SYN_RECV] = "SYN_RECV", [KT_FIN_WAIT1] = "FIN_WAIT1",
		[KT_FIN_WAIT2] = "FIN_WAIT2", [KT_TIME_WAIT] = "TIME_WAIT",
		[KT_CLOSE] = "CLOSE", [KT_CLOSE_WAIT] = "CLOSE_WAIT",
		[KT_LAST_ACK] = "LAST_ACK", [KT_LISTEN] = "LISTEN",
		[KT_CLOSING] = "CLOSING",
	};

	if (st < 0)
		return "gone (no row)";
	if (st >= (int)(sizeof(names) / sizeof(names[0])) || !names[st])
		return "?";
	return names[st];
}

/* The number in sysfs file @path (a module parameter), else @fallback. */
static int family_param(const char *path, int fallback)
{
	FILE *f = fopen(path, "re");
	int fam = fallback;
	char buf[32];

	if (f) {
		if (fgets(buf, sizeof(buf), f) && atoi(buf) > 0)
			fam = atoi(buf);
		fclose(f);
	}
	return fam;
}

int ktcp_module_family(void)
{
	return family_param(KTCP_FAMILY_SYSFS, AF_KTCP);
}

/* As ktcp_module_family(), for AF_KTCP6: the loaded module's "family6". */
int ktcp_module_family6(void)
{
	return family_param(KTCP_FAMILY6_SYSFS, AF_KTCP6);
}

static bool is_inet(const char *s)
{
	return !strcasecmp(s, "inet") || !strcasecmp(s, "af_inet") ||
	       !strcasecmp(s, "native");
}

int ktcp_parse_family(const char *s)
{
	if (!strcasecmp(s, "ktcp"))
		return ktcp_family();
	if (!strcasecmp(s, "ktcp6"))
		return ktcp_family6();
	if (is_inet(s))
		return AF_INET;
	if (!strcasecmp(s, "inet6") || !strcasecmp(s, "af_inet6"))
		return AF_INET6;
	if (*s >= '0' && *s <= '9')
		return atoi(s);
	return -1;
}

static void init_family(void)
{
	const char *e = getenv("KTCP_TEST_FAMILY");

	native = false;
	if (e && is_inet(e)) {
		native = true;
		family = AF_INET;
		return;
	}
	if (e && *e >= '0' && *e <= '9') {
		family = atoi(e);
		return;
	}
	family = ktcp_module_family();
}

int ktcp_family(void)
{
	if (family < 0)
		init_family();
	return family;
}

/*
 * The IPv6 counterpart of ktcp_family(): AF_INET6 when the suite runs
 * against native TCP (KTCP_TEST_FAMILY=inet, or the number of AF_INET),
 * else the module's family6.
 */
int ktcp_family6(void)
{
	if (ktcp_family() == AF_INET)
		return AF_INET6;
	return ktcp_module_family6();
}

int ktcp_family_ip(bool v6)
{
	return v6 ? ktcp_family6() : ktcp_family();
}

int native_family_ip(bool v6)
{
	return v6 ? AF_INET6 : AF_INET;
}

const char *ktcp_loopback(bool v6)
{
	return v6 ? "::1" : "127.0.0.1";
}

bool ktcp_native(void)
{
	ktcp_family();
	return native;
}

double ktcp_timeout_mult(void)
{
	const char *e;

	if (tmult > 0)
		return tmult;
	e = getenv("KTCP_TEST_TIMEOUT_MULT");
	tmult = e && strtod(e, NULL) > 0 ? strtod(e, NULL) : 1.0;
	return tmult;
}

int ktcp_ms(long base_ms)
{
	double v = (double)base_ms * ktcp_timeout_mult();

	return v > INT_MAX ? INT_MAX : (int)v;
}

long long ktcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ktcp_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

uint64_t ktcp_parse_size(const char *s)
{
	static const char units[] = "KkMmGg";
	unsigned long long v;
	const char *u;
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return 0;
	u = *end ? strchr(units, *end) : NULL;
	if (u) {
		v <<= 10 * (1 + (u - units) / 2);
		end++;
	}
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	return *end ? 0 : v;
}
