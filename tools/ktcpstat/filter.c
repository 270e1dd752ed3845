// SPDX-License-Identifier: GPL-2.0
/*
 * ktcpstat's filter: ss's common subset (`state`/`exclude`, then sport,
 * dport, src and dst conditions joined by and/or/not and parentheses),
 * parsed from the arguments and run on each inet_diag_msg in user space.
 */
#include "../../userspace-tests/lib/ktcptest.h"
#include "ktcpstat.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>

enum { F_SPORT, F_DPORT, F_SRC, F_DST, F_AND, F_OR, F_NOT };
enum { OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE };

struct ks_filter {
	int kind, op;
	int port;			/* -1: any */
	int family, plen;		/* AF_UNSPEC: any address */
	uint8_t addr[16];		/* network order */
	struct ks_filter *l, *r;
};

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

static struct ks_filter *fnew(int kind, struct ks_filter *l, struct ks_filter *r)
{
	struct ks_filter *n = calloc(1, sizeof(*n));

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
static void parse_addr(struct ks_filter *n, char *buf)
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
static void parse_hostport(struct ks_filter *n, const char *s, bool port_only)
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

static struct ks_filter *parse_or(void);

static struct ks_filter *parse_primary(void)
{
	static const char *const keys[] = { "sport", "dport", "src", "dst" };
	struct ks_filter *n;

	if (accept_tok("not", "!"))
		return fnew(F_NOT, parse_primary(), NULL);
	if (accept_tok("(", NULL)) {
		n = parse_or();
		if (!accept_tok(")", NULL))
			ks_usage(2);
		return n;
	}
	for (int k = 0; k < 4; k++) {
		if (!*tok || strcmp(*tok, keys[k]))
			continue;
		tok++;
		n = fnew(k, NULL, NULL);
		n->op = parse_op();
		if (!*tok)
			ks_usage(2);
		parse_hostport(n, *tok++, k <= F_DPORT);
		return n;
	}
	fprintf(stderr, "ktcpstat: cannot parse filter at \"%s\"\n",
		*tok ? *tok : "");
	exit(2);
}

static struct ks_filter *parse_and(void)
{
	struct ks_filter *n = parse_primary();

	while (*tok && strcmp(*tok, ")") && strcmp(*tok, "or") &&
	       strcmp(*tok, "|") && strcmp(*tok, "||")) {
		if (!accept_tok("and", "&&"))
			accept_tok("&", NULL);
		n = fnew(F_AND, n, parse_primary());
	}
	return n;
}

static struct ks_filter *parse_or(void)
{
	struct ks_filter *n = parse_and();

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

/* `state`/`exclude` first (the first `state` replaces *@states). */
struct ks_filter *ks_filter_parse(char **argv, unsigned int *states)
{
	bool first = true;

	tok = tokenize(argv);
	for (;;) {
		if (accept_tok("state", NULL)) {
			if (!*tok)
				ks_usage(2);
			if (first)
				*states = 0;
			first = false;
			*states |= state_mask(*tok++);
		} else if (accept_tok("exclude", "excl")) {
			if (!*tok)
				ks_usage(2);
			*states &= ~state_mask(*tok++);
		} else {
			break;
		}
	}
	return *tok ? parse_or() : NULL;
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
static bool addr_match(const struct ks_filter *n, const struct inet_diag_msg *m)
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

bool ks_filter_match(const struct ks_filter *n, const struct inet_diag_msg *m)
{
	int port;
	bool yes;

	switch (n->kind) {
	case F_AND: return ks_filter_match(n->l, m) && ks_filter_match(n->r, m);
	case F_OR: return ks_filter_match(n->l, m) || ks_filter_match(n->r, m);
	case F_NOT: return !ks_filter_match(n->l, m);
	}
	port = ntohs(n->kind == F_SPORT || n->kind == F_SRC ?
		     m->id.idiag_sport : m->id.idiag_dport);
	if (n->kind <= F_DPORT)
		return cmp_port(n->op, port, n->port);
	yes = addr_match(n, m) && (n->port < 0 || port == n->port);
	return n->op == OP_NE ? !yes : yes;
}
