// SPDX-License-Identifier: GPL-2.0
/*
 * ktcpstat --timeline: the history of one connection as a picture. Every
 * --interval ms for --duration s (or until the connection goes, or ^C)
 * the connection the filter matches is dumped with its TCP_INFO through
 * sock_diag, one CSV row per sample; then tools/ktcpstat-plot.py
 * (python3-matplotlib) draws the samples as an SVG: a time-sequence panel
 * as tcptrace and xplot draw one (bytes acknowledged, the highest byte
 * sent, retransmissions marked), cwnd and ssthresh, RTT with its
 * variation, and the send and receive windows with the bytes in flight.
 *
 * The filter must match exactly one connection at the first sample; it
 * is followed by its cookie after that. Retransmissions are the increase
 * of tcpi_total_retrans between samples; bytes in flight are Linux's
 * tcp_packets_in_flight() (unacked - sacked - lost + retrans) times the
 * MSS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktcpstat.h"

#define KS_INFINITE_SSTHRESH	0x7fffffffU	/* Linux's, never a real one */

static volatile sig_atomic_t ks_stop;

static void ks_on_int(int sig)
{
	(void)sig;
	ks_stop = 1;
}

static double ks_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void ks_sleep_until(double t)
{
	double d = t - ks_now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);	/* ^C cuts it short: ks_stop says so */
}

static const struct ent *ks_by_cookie(const struct ent *e, int n,
				      const uint32_t cookie[2])
{
	for (int i = 0; i < n; i++)
		if (e[i].m.id.idiag_cookie[0] == cookie[0] &&
		    e[i].m.id.idiag_cookie[1] == cookie[1])
			return &e[i];
	return NULL;
}

static void ks_csv_header(FILE *f, const struct ent *e)
{
	char src[INET6_ADDRSTRLEN + 2], dst[INET6_ADDRSTRLEN + 2];

	ks_fmt_host(src, sizeof(src), e->m.idiag_family, e->m.id.idiag_src,
		    true);
	ks_fmt_host(dst, sizeof(dst), e->m.idiag_family, e->m.id.idiag_dst,
		    true);
	fprintf(f, "# %s:%u -> %s:%u\n", src, ntohs(e->m.id.idiag_sport), dst,
		ntohs(e->m.id.idiag_dport));
	fprintf(f, "time_s,state,bytes_acked,bytes_sent,bytes_retrans,bytes_received,in_flight,cwnd,ssthresh,mss,rtt_ms,rttvar_ms,snd_wnd,rcv_wnd,total_retrans,retrans_new\n");
}

static void ks_csv_row(FILE *f, double t, const struct ent *e,
		       uint32_t *retrans)
{
	const struct ks_tcp_info *i = &e->info;
	long flight = (long)i->tcpi_unacked - i->tcpi_sacked - i->tcpi_lost +
		      i->tcpi_retrans;
	uint32_t fresh = i->tcpi_total_retrans - *retrans;
	char ssthresh[16] = "";

	if (i->tcpi_snd_ssthresh < KS_INFINITE_SSTHRESH)
		snprintf(ssthresh, sizeof(ssthresh), "%u",
			 i->tcpi_snd_ssthresh);
	fprintf(f, "%.3f,%u,%llu,%llu,%llu,%llu,%ld,%u,%s,%u,%.3f,%.3f,%u,%u,%u,%u\n",
		t, e->m.idiag_state,
		(unsigned long long)i->tcpi_bytes_acked,
		(unsigned long long)i->tcpi_bytes_sent,
		(unsigned long long)i->tcpi_bytes_retrans,
		(unsigned long long)i->tcpi_bytes_received,
		(flight > 0 ? flight : 0) * (long)i->tcpi_snd_mss,
		i->tcpi_snd_cwnd, ssthresh, i->tcpi_snd_mss,
		i->tcpi_rtt / 1000.0, i->tcpi_rttvar / 1000.0,
		i->tcpi_snd_wnd, i->tcpi_rcv_wnd, i->tcpi_total_retrans,
		fresh);
	*retrans = i->tcpi_total_retrans;
}

/* The first dump: exactly one connection, with its TCP_INFO. */
static int ks_first(const struct ent **one)
{
	struct ent *e;
	int n = ks_dump(&e);

	if (n < 0) {
		fprintf(stderr, "ktcpstat: dump: %s\n", strerror(-n));
		return 1;
	}
	if (n != 1) {
		fprintf(stderr, "ktcpstat: --timeline: the filter matches %d connections, not one\n",
			n);
		return 2;
	}
	if (!e->has_info) {
		fprintf(stderr, "ktcpstat: --timeline: no TCP_INFO for the connection\n");
		return 1;
	}
	*one = e;
	return 0;
}

/* Sample until the time is up, the connection is gone or ^C. */
static int ks_sample(FILE *f, const struct ks_timeline_opts *o,
		     uint32_t *total_retrans)
{
	const struct ent *one;
	double start, next;
	uint32_t cookie[2], retrans, base;
	int rows = 0, rc = ks_first(&one);
	struct ent *e;
	int n;

	if (rc)
		return -rc;
	memcpy(cookie, one->m.id.idiag_cookie, sizeof(cookie));
	ks_csv_header(f, one);
	base = one->info.tcpi_total_retrans;
	retrans = base;
	start = ks_now();
	next = start;
	do {
		ks_csv_row(f, ks_now() - start, one, &retrans);
		rows++;
		next += o->interval_ms / 1000.0;
		if (next - start > o->duration_s)
			break;
		ks_sleep_until(next);
		n = ks_dump(&e);
		one = n > 0 ? ks_by_cookie(e, n, cookie) : NULL;
	} while (one && one->has_info && !ks_stop);
	*total_retrans = retrans - base;
	return rows;
}

/* tools/ktcpstat-plot.py beside this binary's tools/build/, or $KTCPSTAT_PLOT. */
static void ks_plot_path(char *path, size_t len)
{
	const char *env = getenv("KTCPSTAT_PLOT");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(path, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, len, "%s/../ktcpstat-plot.py", self);
}

static int ks_plot(const char *csv, const char *svg)
{
	char script[PATH_MAX + 32];
	pid_t pid;
	int status;

	ks_plot_path(script, sizeof(script));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execlp("python3", "python3", script, csv, svg, (char *)NULL);
		perror("ktcpstat: python3");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int ks_timeline(const struct ks_timeline_opts *o)
{
	char csv[PATH_MAX];
	uint32_t retrans = 0;
	int rows, rc;
	FILE *f;

	if (o->csv) {
		snprintf(csv, sizeof(csv), "%s", o->csv);
	} else {
		size_t l = strlen(o->svg);

		if (l > 4 && !strcmp(o->svg + l - 4, ".svg"))
			l -= 4;
		snprintf(csv, sizeof(csv), "%.*s.csv", (int)l, o->svg);
	}
	f = fopen(csv, "w");
	if (!f) {
		fprintf(stderr, "ktcpstat: %s: %s\n", csv, strerror(errno));
		return 1;
	}
	signal(SIGINT, ks_on_int);
	rows = ks_sample(f, o, &retrans);
	if (fclose(f) || rows < 0) {
		unlink(csv);
		return rows < 0 ? -rows : 1;
	}
	rc = ks_plot(csv, o->svg);
	if (rc) {
		fprintf(stderr, "ktcpstat: %s did not draw %s (status %d)\n",
			"ktcpstat-plot.py", o->svg, rc);
		return 1;
	}
	printf("%d samples, %u retransmissions: %s (samples in %s)\n", rows,
	       retrans, o->svg, csv);
	return 0;
}
