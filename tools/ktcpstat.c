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
 * ne lt gt le ge, joined by and/or/not and parentheses.
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

#define SS_ALL		0xfff
/* ss's SS_CONN: not LISTEN, CLOSE, TIME-WAIT, SYN-RECV */
#define SS_CONN		(SS_ALL & ~((1 << KT_LISTEN) | (1 << KT_CLOSE) | \
				    (1 << KT_TIME_WAIT) | (1 << KT_SYN_RECV)))

enum { F_SPORT, F_DPORT, F_SRC, F_DST, F_AND, F_OR, F_NOT };
enum { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE };

struct fnode {
	int kind, op;
	int port;			/* -1: any */
	int family, plen;		/* AF_UNSPEC: any address */
	uint8_t addr[16];		/* network order */
	struct fnode *l, *r;
};

static struct {
	int family, family6;		/* 0: none */
	int dumping;			/* the family of the dump running */
	bool numeric, ext, opts, info, mem, proc, summary, delta, kill;
	bool noheader;
	unsigned int states;
	struct fnode *filter;
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

static void __attribute__((noreturn)) usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: ktcpstat [-tanlpeimosdKH46] [-F ktcp|inet|N] [FILTER]\n"
		"       ktcpstat --timeline [--output SVG] [--csv CSV] [--interval MS]\n"
		"                [--duration S] [-F ...] FILTER\n"
		"  FILTER: [state S|exclude S]... [EXPR]; EXPR: sport/dport OP :PORT,\n"
		"  src/dst ADDR[/LEN][:PORT], and, or, not, ( )\n");
	exit(rc);
}

/* ---- the filter ---- */

/* State names as ss takes them, and its groups. */
static unsigned int state_mask(const char *s)
{
	static const struct { const char *name; unsigned int mask; } g[] = {
		{ "all", SS_ALL }, { "connected", SS_CONN },
		{ "synchronized", SS_CONN & ~(1 << KT_SYN_SENT) },
		{ "bucket", (1 << KT_SYN_RECV) | (1 << KT_TIME_WAIT) },
		{ "big", SS_ALL & ~((1 << KT_SYN_RECV) | (1 << KT_TIME_WAIT)) },
		{ "established", 1 << KT_ESTABLISHED },
		{ "syn-sent", 1 << KT_SYN_SENT }, { "syn-recv", 1 << KT_SYN_RECV },
		{ "fin-wait-1", 1 << KT_FIN_WAIT1 },
		{ "fin-wait-2", 1 << KT_FIN_WAIT2 },
		{ "time-wait", 1 << KT_TIME_WAIT }, { "closed", 1 << KT_CLOSE },
		{ "close-wait", 1 << KT_CLOSE_WAIT },
		{ "last-ack", 1 << KT_LAST_ACK }, { "listening", 1 << KT_LISTEN },
		{ "closing", 1 << KT_CLOSING },
	};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (!strcasecmp(s, g[i].name))
			return g[i].mask;
	fprintf(stderr, "ktcpstat: wrong state name: %s\n", s);
	exit(2);
}

static char **tok;

static struct fnode *fnew(int kind, struct fnode *l, struct fnode *r)
{
	struct fnode *n = calloc(1, sizeof(*n));

	if (!n)
		exit(1);
	n->kind = kind;
	n->l = l;
	n->r = r;
	n->port = -1;
	return n;
}

static bool accept_tok(const char *a, const char *b)
{
	if (*tok && (!strcmp(*tok, a) || (b && !strcmp(*tok, b)))) {
		tok++;
		return true;
	}
	return false;
}

static int parse_op(void)
{
	static const char *const ops[][3] = {
		{ "=", "==", "eq" }, { "!=", "ne", "neq" }, { "<", "lt", "" },
		{ ">", "gt", "" }, { "<=", "le", "" }, { ">=", "ge", "" },
	};

	for (int i = 0; *tok && i < 6; i++)
		for (int j = 0; j < 3; j++)
			if (*ops[i][j] && !strcmp(*tok, ops[i][j])) {
				tok++;
				return i;
			}
	return OP_EQ;
}

/* ADDR[/LEN], an IPv4 or IPv6 address, into @n; * or nothing is any. */
static void parse_addr(struct fnode *n, char *buf)
{
	char *slash = strchr(buf, '/');
	int max;

	if (slash)
		*slash++ = '\0';
	n->family = AF_UNSPEC;
	if (!*buf || !strcmp(buf, "*"))
		return;
	n->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = n->family == AF_INET6 ? 128 : 32;
	n->plen = slash ? atoi(slash) : max;
	if (inet_pton(n->family, buf, n->addr) != 1 || n->plen < 0 ||
	    n->plen > max) {
		fprintf(stderr, "ktcpstat: bad address: %s\n", buf);
		exit(2);
	}
}

/*
 * [ADDR][/LEN][:PORT], ADDR may be *, an IPv6 one in brackets when a port
 * follows ([::1]:80) or bare (::1); a bare :PORT or PORT is a port.
 */
static void parse_hostport(struct fnode *n, const char *s, bool port_only)
{
	char buf[128], *colon, *start = buf;
	struct servent *se;

	snprintf(buf, sizeof(buf), "%s", s);
	if (*buf == '[' && strchr(buf, ']')) {
		start = buf + 1;
		colon = strchr(buf, ']');
		*colon++ = '\0';
		colon = *colon == ':' ? colon : NULL;
	} else {
		colon = strrchr(buf, ':');
		if (colon && strchr(buf, ':') != colon)
			colon = NULL;	/* a bare IPv6 address */
	}
	if (port_only && !colon) {
		memmove(buf + 1, buf, strlen(buf) + 1);
		buf[0] = ':';
		colon = buf;
	}
	if (colon) {
		*colon++ = '\0';
		if (strcmp(colon, "*")) {
			n->port = atoi(colon);
			se = isdigit((unsigned char)*colon) ? NULL :
			     getservbyname(colon, "tcp");
			if (se)
				n->port = ntohs(se->s_port);
		}
	}
	parse_addr(n, start);
}

static struct fnode *parse_or(void);

static struct fnode *parse_primary(void)
{
	static const char *const keys[] = { "sport", "dport", "src", "dst" };
	struct fnode *n;

	if (accept_tok("not", "!"))
		return fnew(F_NOT, parse_primary(), NULL);
	if (accept_tok("(", NULL)) {
		n = parse_or();
		if (!accept_tok(")", NULL))
			usage(2);
		return n;
	}
	for (int k = 0; k < 4; k++) {
		if (!*tok || strcmp(*tok, keys[k]))
			continue;
		tok++;
		n = fnew(k, NULL, NULL);
		n->op = parse_op();
		if (!*tok)
			usage(2);
		parse_hostport(n, *tok++, k <= F_DPORT);
		return n;
	}
	fprintf(stderr, "ktcpstat: cannot parse filter at \"%s\"\n",
		*tok ? *tok : "");
	exit(2);
}

static struct fnode *parse_and(void)
{
	struct fnode *n = parse_primary();

	while (*tok && strcmp(*tok, ")") && strcmp(*tok, "or") &&
	       strcmp(*tok, "|") && strcmp(*tok, "||")) {
		if (!accept_tok("and", "&&"))
			accept_tok("&", NULL);
		n = fnew(F_AND, n, parse_primary());
	}
	return n;
}

static struct fnode *parse_or(void)
{
	struct fnode *n = parse_and();

	while (accept_tok("or", "||") || accept_tok("|", NULL))
		n = fnew(F_OR, n, parse_and());
	return n;
}

/* ss's lexer: the words of every argument, parentheses words of their own. */
static char **tokenize(char **argv)
{
	size_t n = 0, len = 1;
	char **v, *buf, *w;

	for (char **a = argv; *a; a++)
		len += 3 * strlen(*a) + 1;
	buf = calloc(1, len);
	v = calloc(len, sizeof(*v));
	if (!buf || !v)
		exit(1);
	for (char **a = argv; *a; a++) {
		for (const char *c = *a; *c; c++) {
			if (*c == '(' || *c == ')')
				w = buf + strlen(buf), sprintf(w, " %c ", *c);
			else
				w = buf + strlen(buf), *w = *c;
		}
		strcat(buf, " ");
	}
	for (w = strtok(buf, " \t\n"); w; w = strtok(NULL, " \t\n"))
		v[n++] = w;
	return v;
}

/* `state`/`exclude` first (the first `state` replaces the default). */
static void parse_filter(char **argv)
{
	bool first = true;

	tok = tokenize(argv);
	for (;;) {
		if (accept_tok("state", NULL)) {
			if (!*tok)
				usage(2);
			if (first)
				opt.states = 0;
			first = false;
			opt.states |= state_mask(*tok++);
		} else if (accept_tok("exclude", "excl")) {
			if (!*tok)
				usage(2);
			opt.states &= ~state_mask(*tok++);
		} else {
			break;
		}
	}
	if (*tok)
		opt.filter = parse_or();
}

static bool cmp_port(int op, int a, int b)
{
	switch (op) {
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_GT: return a > b;
	case OP_LE: return a <= b;
	case OP_GE: return a >= b;
	}
	return a == b;
}

/* The first @bits bits of @a and @b agree. */
static bool prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
	if (memcmp(a, b, bits / 8))
		return false;
	return !(bits % 8) ||
	       !((a[bits / 8] ^ b[bits / 8]) & (0xff00 >> (bits % 8)));
}

/*
 * inet_diag_bc_run()'s host condition: an IPv4 address also matches
 * its v4-mapped form, an IPv6 one no IPv4 socket.
 */
static bool addr_match(const struct fnode *n, const struct inet_diag_msg *m)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *a = (const void *)(n->kind == F_SRC ?
					  m->id.idiag_src : m->id.idiag_dst);

	if (n->family == AF_UNSPEC)
		return true;
	if (n->family == m->idiag_family)
		return prefix_match(a, n->addr, n->plen);
	return n->family == AF_INET && m->idiag_family == AF_INET6 &&
	       !memcmp(a, mapped, sizeof(mapped)) &&
	       prefix_match(a + 12, n->addr, n->plen);
}

static bool fmatch(const struct fnode *n, const struct inet_diag_msg *m)
{
	int port;
	bool yes;

	switch (n->kind) {
	case F_AND: return fmatch(n->l, m) && fmatch(n->r, m);
	case F_OR: return fmatch(n->l, m) || fmatch(n->r, m);
	case F_NOT: return !fmatch(n->l, m);
	}
	port = ntohs(n->kind == F_SPORT || n->kind == F_SRC ?
		     m->id.idiag_sport : m->id.idiag_dport);
	if (n->kind <= F_DPORT)
		return cmp_port(n->op, port, n->port);
	yes = addr_match(n, m) && (n->port < 0 || port == n->port);
	return n->op == OP_NE ? !yes : yes;
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
	if (opt.filter && !fmatch(opt.filter, m))
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
				usage(2);
			break;
		case 'D':
			opt.tl.duration_s = atof(optarg);
			if (!(opt.tl.duration_s > 0))
				usage(2);
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
				usage(2);
			opt.family6 = family6_of(opt.family);
			break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (only == 4)		/* -4 and -6 together: both, as ss */
		opt.family6 = 0;
	else if (only == 6 && !opt.family6)
		usage(2);
	else if (only == 6)
		opt.family = 0;
	if (opt.summary)
		opt.states = SS_ALL;
	parse_filter(argv + optind);
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
