// SPDX-License-Identifier: GPL-2.0
/*
 * ktcpstat: ss(8) for ktcp sockets. Dumps them through ktcp's sock_diag
 * handler (NETLINK_SOCK_DIAG, sdiag_family = ktcp's number, inet_diag's
 * messages) with libmnl, and prints them as `ss -t` does.
 *
 *   ktcpstat [-tanlpeimosdKH46] [-F FAMILY] [FILTER]
 *   ktcpstat --timeline [--output SVG] [--csv CSV] [--interval MS]
 *            [--duration S] [-F FAMILY] FILTER
 *
 *   -a  all states; -l listeners only (default: connected, as ss: not
 *       LISTEN, CLOSE, TIME-WAIT or SYN-RECV)
 *   -n  numeric ports (else service names); -e uid, inode, cookie;
 *   -o  timers, ss's timer:(NAME,LEFT,RETRANS); -i TCP_INFO; -m skmem;
 *   -p  owning processes (from the inode, /proc/PID/fd); -s summary and
 *       counters; -d the counters' increase since the last -d, as nstat
 *       (implies -s; tools/ktcpstat/counters.c);
 *   -K  kill (SOCK_DESTROY) every socket the filter matches and print it;
 *   -H  no header; -t accepted for ss's sake
 *   -4, -6  only AF_KTCP (IPv4) or only AF_KTCP6 (IPv6, v4-mapped ones
 *       included) sockets, as ss's -4 and -6; both by default
 *   -F FAMILY  ktcp (default: the module's family and family6 numbers),
 *       inet (native TCP through inet_diag, AF_INET and AF_INET6, to
 *       compare with ss) or a number (that family only)
 *   --timeline  sample the one connection FILTER matches and chart it
 *       (tools/ktcpstat/timeline.c, tools/ktcpstat-plot.py)
 *
 * FILTER is ss's common subset: `state S` and `exclude S` (names as ss
 * prints them, lower case, and the groups all, connected, synchronized,
 * bucket, big), then an expression of `sport OP :PORT`, `dport OP :PORT`,
 * `src ADDR[/LEN][:PORT]`, `dst ...` (ADDR an IPv4 address, which also
 * matches its v4-mapped form, or an IPv6 one, [ADDR] with a port) with OP one of = == != < > <= >= eq
 * ne lt gt le ge, joined by and/or/not and parentheses
 * (tools/ktcpstat/filter.c).
 *
 * Exit status: 0; 1 when a request or a kill failed; 2 on bad usage.
 */
#include "../userspace-tests/lib/ktcptest.h"
#include "ktcpstat/ktcpstat.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netdb.h>

static struct {
	int family, family6;		/* 0: none */
	int dumping;			/* the family of the dump running */
	bool numeric, ext, opts, info, mem, proc, summary, delta, kill;
	bool noheader;
	unsigned int states;
	struct ks_filter *filter;
	int failed;
	bool timeline;
	struct ks_timeline_opts tl;
} opt;

static struct ent *ents;
static size_t nents, cents;

static const char *const state_names[] = {
	[0] = "UNKNOWN", [KT_ESTABLISHED] = "ESTAB",
	[KT_SYN_SENT] = "SYN-SENT", [KT_SYN_RECV] = "SYN-RECV",
	[KT_FIN_WAIT1] = "FIN-WAIT-1", [KT_FIN_WAIT2] = "FIN-WAIT-2",
	[KT_TIME_WAIT] = "TIME-WAIT", [KT_CLOSE] = "UNCONN",
	[KT_CLOSE_WAIT] = "CLOSE-WAIT", [KT_LAST_ACK] = "LAST-ACK",
	[KT_LISTEN] = "LISTEN", [KT_CLOSING] = "CLOSING",
};

void ks_usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: ktcpstat [-tanlpeimosdKH46] [-F ktcp|inet|N] [FILTER]\n"
		"       ktcpstat --timeline [--output SVG] [--csv CSV] [--interval MS]\n"
		"                [--duration S] [-F ...] FILTER\n"
		"  FILTER: [state S|exclude S]... [EXPR]; EXPR: sport/dport OP :PORT,\n"
		"  src/dst ADDR[/LEN][:PORT], and, or, not, ( )\n");
	exit(rc);
}

/* ---- the dump ---- */

static int attr_cb(const struct nlattr *a, void *data)
{
	struct ent *e = data;
	size_t len = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case INET_DIAG_INFO:
		memcpy(&e->info, mnl_attr_get_payload(a),
		       len < sizeof(e->info) ? len : sizeof(e->info));
		e->has_info = true;
		break;
	case INET_DIAG_SKMEMINFO:
		memcpy(e->skmem, mnl_attr_get_payload(a),
		       len < sizeof(e->skmem) ? len : sizeof(e->skmem));
		e->has_skmem = true;
		break;
	case INET_DIAG_CONG:
		snprintf(e->cong, sizeof(e->cong), "%s",
			 mnl_attr_get_str(a));
		break;
	case INET_DIAG_SHUTDOWN:
		e->shutdown = mnl_attr_get_u8(a);
		break;
	case INET_DIAG_SKV6ONLY:
		e->v6only = mnl_attr_get_u8(a);
		break;
	}
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct ent *e;

	(void)data;
	if (m->idiag_state >= 32 || !(opt.states & (1U << m->idiag_state)))
		return MNL_CB_OK;
	if (opt.filter && !ks_filter_match(opt.filter, m))
		return MNL_CB_OK;
	if (nents == cents) {
		cents = cents ? 2 * cents : 64;
		ents = realloc(ents, cents * sizeof(*ents));
		if (!ents)
			return MNL_CB_ERROR;
	}
	e = &ents[nents++];
	memset(e, 0, sizeof(*e));
	e->m = *m;
	e->shutdown = -1;
	e->dump_family = opt.dumping;
	mnl_attr_parse(nlh, sizeof(*m), attr_cb, e);
	return MNL_CB_OK;
}

/* One request to @family's handler; for a dump, every reply through msg_cb. */
static int diag_request(int family, int type, uint16_t flags,
			const struct inet_diag_sockid *id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inet_diag_req_v2 *req;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq = time(NULL), portid;
	int ret;

	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("ktcpstat: netlink");
		exit(1);
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = opt.states;
	req->idiag_ext = (1 << (INET_DIAG_INFO - 1)) |
			 (1 << (INET_DIAG_CONG - 1)) |
			 (1 << (INET_DIAG_SKMEMINFO - 1));
	if (id)
		req->id = *id;
	ret = mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	while (ret > 0) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, ret, seq, portid,
				 type == SOCK_DIAG_BY_FAMILY ? msg_cb : NULL,
				 NULL);
	}
	if (ret < 0)
		ret = -errno;
	mnl_socket_close(nl);
	return ret;
}

/* A dump of each family asked for, IPv4 first, as ss lists them. */
static int dump_all(void)
{
	int fams[2] = { opt.family, opt.family6 }, err = 0;

	nents = 0;
	for (int i = 0; i < 2 && err >= 0; i++) {
		if (!fams[i])
			continue;
		opt.dumping = fams[i];
		err = diag_request(fams[i], SOCK_DIAG_BY_FAMILY, NLM_F_DUMP,
				   NULL);
		if (err < 0)
			fprintf(stderr, "ktcpstat: dump of family %d: %s\n",
				fams[i], strerror(-err));
	}
	return err;
}

int ks_dump(struct ent **out)
{
	int err = dump_all();

	*out = ents;
	return err < 0 ? err : (int)nents;
}

/* ---- printing ---- */

/*
 * ss's inet_addr_print(): an IPv6 address in brackets ([::1],
 * [::ffff:127.0.0.1]), the IPv6 any address * unless @v6only says [::].
 */
void ks_fmt_host(char *buf, size_t len, int family, const uint32_t *addr,
		 bool v6only)
{
	static const uint32_t any[4];
	char a[INET6_ADDRSTRLEN];

	if (family != AF_INET6) {
		inet_ntop(AF_INET, addr, buf, len);
		return;
	}
	inet_ntop(AF_INET6, addr, a, sizeof(a));
	if (!v6only && !memcmp(addr, any, sizeof(any)))
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "[%s]", a);
}

static void fmt_addr(char *buf, size_t len, const struct ent *e, bool src)
{
	const struct inet_diag_msg *m = &e->m;
	uint16_t port = src ? m->id.idiag_sport : m->id.idiag_dport;
	struct servent *se = NULL;
	char a[INET6_ADDRSTRLEN + 2];

	ks_fmt_host(a, sizeof(a), m->idiag_family,
		    src ? m->id.idiag_src : m->id.idiag_dst, e->v6only > 0);
	if (!port) {
		snprintf(buf, len, "%s:*", a);
		return;
	}
	if (!opt.numeric)
		se = getservbyport(port, "tcp");
	if (se)
		snprintf(buf, len, "%s:%s", a, se->s_name);
	else
		snprintf(buf, len, "%s:%u", a, ntohs(port));
}

/* ss's print_ms_timer() */
static const char *ms_timer(unsigned int ms)
{
	static char buf[64];
	int secs = ms / 1000, min = secs / 60, msecs = ms % 1000;

	secs %= 60;
	buf[0] = '\0';
	if (min) {
		msecs = 0;
		snprintf(buf, sizeof(buf) - 16, "%dmin", min);
		if (min > 9)
			secs = 0;
	}
	if (secs) {
		if (secs > 9)
			msecs = 0;
		sprintf(buf + strlen(buf), "%d%s", secs, msecs ? "." : "sec");
	}
	if (msecs)
		sprintf(buf + strlen(buf), "%03dms", msecs);
	return buf;
}

static void print_info(const struct ent *e)
{
	const struct ks_tcp_info *i = &e->info;

	printf("\t");
	if (i->tcpi_options & TCPI_OPT_TIMESTAMPS)
		printf(" ts");
	if (i->tcpi_options & TCPI_OPT_SACK)
		printf(" sack");
	if (i->tcpi_options & TCPI_OPT_ECN)
		printf(" ecn");
	if (i->tcpi_options & TCPI_OPT_ECN_SEEN)
		printf(" ecnseen");
	if (*e->cong)
		printf(" %s", e->cong);
	if (i->tcpi_options & TCPI_OPT_WSCALE)
		printf(" wscale:%u,%u", i->tcpi_snd_wscale, i->tcpi_rcv_wscale);
	if (i->tcpi_rto && i->tcpi_rto != 3000000)
		printf(" rto:%g", i->tcpi_rto / 1000.0);
	if (i->tcpi_backoff)
		printf(" backoff:%u", i->tcpi_backoff);
	if (i->tcpi_rtt)
		printf(" rtt:%g/%g", i->tcpi_rtt / 1000.0,
		       i->tcpi_rttvar / 1000.0);
	if (i->tcpi_ato)
		printf(" ato:%g", i->tcpi_ato / 1000.0);
	if (i->tcpi_snd_mss)
		printf(" mss:%u", i->tcpi_snd_mss);
	if (i->tcpi_pmtu)
		printf(" pmtu:%u", i->tcpi_pmtu);
	if (i->tcpi_rcv_mss)
		printf(" rcvmss:%u", i->tcpi_rcv_mss);
	if (i->tcpi_advmss)
		printf(" advmss:%u", i->tcpi_advmss);
	if (i->tcpi_snd_cwnd)
		printf(" cwnd:%u", i->tcpi_snd_cwnd);
	if (i->tcpi_snd_ssthresh && i->tcpi_snd_ssthresh < 0xFFFF)
		printf(" ssthresh:%u", i->tcpi_snd_ssthresh);
	if (i->tcpi_bytes_sent)
		printf(" bytes_sent:%llu", (unsigned long long)i->tcpi_bytes_sent);
	if (i->tcpi_bytes_retrans)
		printf(" bytes_retrans:%llu",
		       (unsigned long long)i->tcpi_bytes_retrans);
	if (i->tcpi_bytes_acked)
		printf(" bytes_acked:%llu", (unsigned long long)i->tcpi_bytes_acked);
	if (i->tcpi_bytes_received)
		printf(" bytes_received:%llu",
		       (unsigned long long)i->tcpi_bytes_received);
	if (i->tcpi_segs_out)
		printf(" segs_out:%u", i->tcpi_segs_out);
	if (i->tcpi_segs_in)
		printf(" segs_in:%u", i->tcpi_segs_in);
	if (i->tcpi_data_segs_out)
		printf(" data_segs_out:%u", i->tcpi_data_segs_out);
	if (i->tcpi_data_segs_in)
		printf(" data_segs_in:%u", i->tcpi_data_segs_in);
	if (i->tcpi_rtt && i->tcpi_snd_mss && i->tcpi_snd_cwnd)
		printf(" send %.0fbps", (double)i->tcpi_snd_cwnd *
		       i->tcpi_snd_mss * 8000000.0 / i->tcpi_rtt);
	if (i->tcpi_last_data_sent)
		printf(" lastsnd:%u", i->tcpi_last_data_sent);
	if (i->tcpi_last_data_recv)
		printf(" lastrcv:%u", i->tcpi_last_data_recv);
	if (i->tcpi_last_ack_recv)
		printf(" lastack:%u", i->tcpi_last_ack_recv);
	if (i->tcpi_unacked)
		printf(" unacked:%u", i->tcpi_unacked);
	if (i->tcpi_retrans || i->tcpi_total_retrans)
		printf(" retrans:%u/%u", i->tcpi_retrans, i->tcpi_total_retrans);
	if (i->tcpi_lost)
		printf(" lost:%u", i->tcpi_lost);
	if (i->tcpi_sacked && e->m.idiag_state != KT_LISTEN)
		printf(" sacked:%u", i->tcpi_sacked);
	if (i->tcpi_reordering != 3)
		printf(" reordering:%u", i->tcpi_reordering);
	if (i->tcpi_rcv_rtt)
		printf(" rcv_rtt:%g", i->tcpi_rcv_rtt / 1000.0);
	if (i->tcpi_rcv_space)
		printf(" rcv_space:%u", i->tcpi_rcv_space);
	if (i->tcpi_rcv_ssthresh)
		printf(" rcv_ssthresh:%u", i->tcpi_rcv_ssthresh);
	if (i->tcpi_notsent_bytes)
		printf(" notsent:%u", i->tcpi_notsent_bytes);
	if (i->tcpi_min_rtt)
		printf(" minrtt:%g", i->tcpi_min_rtt / 1000.0);
	printf(" snd_wnd:%u rcv_wnd:%u", i->tcpi_snd_wnd, i->tcpi_rcv_wnd);
}

static void print_ent(const struct ent *e, int aw, int pw)
{
	static const char *const tmr[] = { "off", "on", "keepalive",
					   "timewait", "persist", "unknown" };
	const struct inet_diag_msg *m = &e->m;
	char l[96], p[96];
	const unsigned int *k = e->skmem;

	fmt_addr(l, sizeof(l), e, true);
	fmt_addr(p, sizeof(p), e, false);
	printf("%-10s %-6u %-6u %*s %*s", state_names[m->idiag_state < 12 ?
	       m->idiag_state : 0], m->idiag_rqueue, m->idiag_wqueue,
	       aw, l, pw, p);
	if (opt.proc && e->proc)
		printf(" users:(%s)", e->proc);
	if (opt.opts && m->idiag_timer)
		printf(" timer:(%s,%s,%u)", tmr[m->idiag_timer > 4 ? 5 :
		       m->idiag_timer], ms_timer(m->idiag_expires),
		       m->idiag_retrans);
	if (opt.ext) {
		if (m->idiag_uid)
			printf(" uid:%u", m->idiag_uid);
		printf(" ino:%u sk:%llx", m->idiag_inode,
		       (unsigned long long)m->id.idiag_cookie[1] << 32 |
		       m->id.idiag_cookie[0]);
		if (e->shutdown >= 0)
			printf(" %c-%c", e->shutdown & 1 ? '-' : '<',
			       e->shutdown & 2 ? '-' : '>');
	}
	if (opt.mem && e->has_skmem)
		printf(" skmem:(r%u,rb%u,t%u,tb%u,f%u,w%u,o%u,bl%u,d%u)",
		       k[SK_MEMINFO_RMEM_ALLOC], k[SK_MEMINFO_RCVBUF],
		       k[SK_MEMINFO_WMEM_ALLOC], k[SK_MEMINFO_SNDBUF],
		       k[SK_MEMINFO_FWD_ALLOC], k[SK_MEMINFO_WMEM_QUEUED],
		       k[SK_MEMINFO_OPTMEM], k[SK_MEMINFO_BACKLOG],
		       k[SK_MEMINFO_DROPS]);
	if (opt.info && e->has_info) {
		printf("\n");
		print_info(e);
	}
	printf("\n");
}

/* -p: users:(("comm",pid=N,fd=N),...) by inode, from /proc/PID/fd. */
static void find_procs(void)
{
	DIR *d = opendir("/proc"), *fdd;
	struct dirent *de, *fe;
	char path[600], link[64], comm[64], item[640];

	while (d && (de = readdir(d))) {
		FILE *f;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "re");
		if (!f || !fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		if (f)
			fclose(f);
		comm[strcspn(comm, "\n")] = '\0';
		snprintf(path, sizeof(path), "/proc/%s/fd", de->d_name);
		fdd = opendir(path);
		while (fdd && (fe = readdir(fdd))) {
			unsigned long ino;
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 de->d_name, fe->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%lu]", &ino) != 1 || !ino)
				continue;
			snprintf(item, sizeof(item), "(\"%s\",pid=%s,fd=%s)",
				 comm, de->d_name, fe->d_name);
			for (size_t i = 0; i < nents; i++) {
				struct ent *e = &ents[i];
				size_t old = e->proc ? strlen(e->proc) : 0;

				if (e->m.idiag_inode != ino)
					continue;
				e->proc = realloc(e->proc, old + strlen(item) + 2);
				if (!e->proc)
					exit(1);
				sprintf(e->proc + old, "%s%s", old ? "," : "", item);
			}
		}
		if (fdd)
			closedir(fdd);
	}
	if (d)
		closedir(d);
}

/* -s: totals as ss -s's TCP line, then one line per state. */
static void print_summary(void)
{
	unsigned int count[12] = { 0 }, orphans = 0;

	for (size_t i = 0; i < nents; i++) {
		unsigned int st = ents[i].m.idiag_state;

		if (st < 12)
			count[st]++;
		if (!ents[i].m.idiag_inode && st != KT_TIME_WAIT &&
		    st != KT_SYN_RECV)
			orphans++;
	}
	printf("Total: %zu\n", nents);
	printf("TCP:   %zu (estab %u, closed %u, orphaned %u, timewait %u)\n\n",
	       nents, count[KT_ESTABLISHED],
	       count[KT_CLOSE] + count[KT_TIME_WAIT], orphans,
	       count[KT_TIME_WAIT]);
	printf("State      Count\n");
	for (int st = 1; st < 12; st++)
		if (count[st])
			printf("%-10s %u\n", state_names[st], count[st]);
}

static int kill_all(void)
{
	int rc = 0;

	for (size_t i = 0; i < nents; i++) {
		int err = diag_request(ents[i].dump_family, SOCK_DESTROY,
				       NLM_F_ACK, &ents[i].m.id);

		if (err < 0) {
			fprintf(stderr, "ktcpstat: kill %u -> %u: %s\n",
				ntohs(ents[i].m.id.idiag_sport),
				ntohs(ents[i].m.id.idiag_dport),
				strerror(-err));
			ents[i].m.idiag_state = 0xff;	/* not printed */
			rc = 1;
		}
	}
	return rc;
}

static const struct option long_opts[] = {
	{ "timeline", no_argument, NULL, 'T' },
	{ "output", required_argument, NULL, 'O' },
	{ "csv", required_argument, NULL, 'C' },
	{ "interval", required_argument, NULL, 'I' },
	{ "duration", required_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ }
};

/* -F's IPv6 counterpart: AF_INET6 for inet, family6 for ktcp, else none. */
static int family6_of(int family)
{
	if (family == AF_INET)
		return AF_INET6;
	if (family == ktcp_family())
		return ktcp_family6();
	if (family == ktcp_module_family())
		return ktcp_module_family6();
	return 0;
}

static void parse_args(int argc, char **argv)
{
	int c, only = 0;

	opt.family = ktcp_module_family();
	opt.family6 = ktcp_module_family6();
	opt.states = SS_CONN;
	opt.tl.svg = "ktcpstat-timeline.svg";
	opt.tl.interval_ms = 100;
	opt.tl.duration_s = 10;
	while ((c = getopt_long(argc, argv, "tanlpeimosdKH46hF:", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'T': opt.timeline = true; break;
		case 'O': opt.tl.svg = optarg; break;
		case 'C': opt.tl.csv = optarg; break;
		case 'I':
			opt.tl.interval_ms = atoi(optarg);
			if (opt.tl.interval_ms < 1)
				ks_usage(2);
			break;
		case 'D':
			opt.tl.duration_s = atof(optarg);
			if (!(opt.tl.duration_s > 0))
				ks_usage(2);
			break;
		case 't': break;
		case '4': only = only == 6 ? 46 : 4; break;
		case '6': only = only == 4 ? 46 : 6; break;
		case 'a': opt.states = SS_ALL; break;
		case 'l': opt.states = (1 << KT_LISTEN) | (1 << KT_CLOSE); break;
		case 'n': opt.numeric = true; break;
		case 'p': opt.proc = true; break;
		case 'e': opt.ext = true; break;
		case 'i': opt.info = true; break;
		case 'm': opt.mem = true; break;
		case 'o': opt.opts = true; break;
		case 's': opt.summary = true; break;
		case 'd': opt.summary = opt.delta = true; break;
		case 'K': opt.kill = true; break;
		case 'H': opt.noheader = true; break;
		case 'F':
			opt.family = ktcp_parse_family(optarg);
			if (opt.family <= 0)
				ks_usage(2);
			opt.family6 = family6_of(opt.family);
			break;
		case 'h': ks_usage(0);
		default: ks_usage(2);
		}
	}
	if (only == 4)		/* -4 and -6 together: both, as ss */
		opt.family6 = 0;
	else if (only == 6 && !opt.family6)
		ks_usage(2);
	else if (only == 6)
		opt.family = 0;
	if (opt.summary)
		opt.states = SS_ALL;
	opt.filter = ks_filter_parse(argv + optind, &opt.states);
}

int main(int argc, char **argv)
{
	int aw = 20, pw = 20, err;
	char buf[96];

	parse_args(argc, argv);
	if (opt.timeline)
		return ks_timeline(&opt.tl);
	err = dump_all();
	if (err < 0)
		return 1;
	if (opt.summary) {
		print_summary();
		putchar('\n');
		return ks_counters_print(opt.delta);
	}
	if (opt.kill)
		opt.failed = kill_all();
	if (opt.proc)
		find_procs();
	for (size_t i = 0; i < nents; i++) {
		fmt_addr(buf, sizeof(buf), &ents[i], true);
		aw = (int)strlen(buf) > aw ? (int)strlen(buf) : aw;
		fmt_addr(buf, sizeof(buf), &ents[i], false);
		pw = (int)strlen(buf) > pw ? (int)strlen(buf) : pw;
	}
	if (!opt.noheader)
		printf("%-10s %-6s %-6s %*s %*s Process\n", "State", "Recv-Q",
		       "Send-Q", aw, "Local Address:Port", pw,
		       "Peer Address:Port");
	for (size_t i = 0; i < nents; i++)
		if (ents[i].m.idiag_state != 0xff)
			print_ent(&ents[i], aw, pw);
	return opt.failed;
}
