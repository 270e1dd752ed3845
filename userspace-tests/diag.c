// SPDX-License-Identifier: GPL-2.0
/*
 * sock_diag for ktcp (module/diag.c) and tools/ktcpstat, in a fresh
 * network namespace. The same sockets are opened on ktcp and on native
 * TCP, in known states: a listener with one connection not accepted, an
 * established pair with unread data, a half-closed pair (FIN_WAIT_2 and
 * CLOSE_WAIT), one in TIME_WAIT.
 * - A dump through NETLINK_SOCK_DIAG (sdiag_family = ktcp's number) gives
 *   the same states and queues as inet_diag gives for native TCP, and
 *   inet_diag's native rows are what `ss` prints; the same bytecode
 *   filter keeps the same rows, and the same bad one is refused.
 * - `ktcpstat -F inet` prints what `ss` prints; `ktcpstat` prints ktcp's
 *   rows, with timers (-o), owners (-p), TCP_INFO (-i), skmem (-m).
 * - SOCK_DESTROY (`ktcpstat -K`) resets a connection: the owner reads
 *   ECONNABORTED, the peer ECONNRESET; without CAP_NET_ADMIN it is refused.
 *   `ktcpstat -K state time-wait` ends TIME_WAIT at once.
 * - AF_KTCP6 against AF_INET6: a dual-stack listener on ::, a connection
 *   over ::1 and an IPv4 one to it. Requests to family6 give its rows
 *   with AF_INET6 and four-word addresses, bytecode host conditions keep
 *   what inet_diag keeps, `ktcpstat -6` prints them as `ss -6` does, -4
 *   leaves them out, and -K resets a connection over ::1.
 */
#include <linux/capability.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define DG_IP		"127.0.0.1"
#define DG_MAX		64

struct dg_row {
	struct inet_diag_msg m;
};

struct dg_set {
	int family, lfd, fds[8], nfds;
	uint16_t port;
};

/*
 * Send one sock_diag request, with bytecode @bc of @bclen bytes if @bc;
 * a dump's rows go to @rows. -errno or the count of rows.
 */
static int dg_request_bc(int family, int type, int flags,
			 const struct inet_diag_sockid *id, struct dg_row *rows,
			 const void *bc, int bclen)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
		struct nlattr a;
		char bc[64];
	} req = {
		.nlh = { .nlmsg_len = NLMSG_LENGTH(sizeof(req.r)),
			 .nlmsg_type = type,
			 .nlmsg_flags = NLM_F_REQUEST | flags, .nlmsg_seq = 1 },
		.r = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 0xfff },	/* ss -a: no BOUND-INACTIVE */
	};
	static char buf[32768];
	int fd, n = 0, len, err = 0;
	struct nlmsghdr *h;

	if (id)
		req.r.id = *id;
	if (bc) {
		req.a.nla_type = INET_DIAG_REQ_BYTECODE;
		req.a.nla_len = NLA_HDRLEN + bclen;
		memcpy(req.bc, bc, bclen);
		req.nlh.nlmsg_len += NLA_ALIGN(req.a.nla_len);
	}
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0 || send(fd, &req, req.nlh.nlmsg_len, 0) !=
		      (ssize_t)req.nlh.nlmsg_len)
		return -errno;
	for (;;) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0) {
			err = -EIO;
			break;
		}
		for (h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				goto out;
			}
			if (rows && n < DG_MAX)
				memcpy(&rows[n++].m, NLMSG_DATA(h),
				       sizeof(struct inet_diag_msg));
		}
	}
out:
	close(fd);
	return err ? err : n;
}

static int dg_request(int family, int type, int flags,
		      const struct inet_diag_sockid *id, struct dg_row *rows)
{
	return dg_request_bc(family, type, flags, id, rows, NULL, 0);
}

/* The rows of the namespace on @family, normalised: "STATE RQ WQ L R". */
static int dg_keys(struct __test_metadata *_metadata, int family,
		   uint16_t port, char keys[][48])
{
	struct dg_row rows[DG_MAX];
	int n = dg_request(family, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, NULL, rows);

	ASSERT_LE(0, n) TH_LOG("dump of family %d: %s", family, strerror(-n));
	for (int i = 0; i < n; i++) {
		const struct inet_diag_msg *m = &rows[i].m;
		int sp = ntohs(m->id.idiag_sport), dp = ntohs(m->id.idiag_dport);

		EXPECT_EQ(AF_INET, m->idiag_family);
		if (sp != port && dp != port) {	/* another's, or a claim */
			rows[i--] = rows[--n];
			continue;
		}
		snprintf(keys[i], 48, "%s %u %u %s %s",
			 ktcp_state_name(m->idiag_state), m->idiag_rqueue,
			 m->idiag_wqueue, sp == port ? "L" : "E",
			 !dp ? "*" : dp == port ? "L" : "E");
	}
	qsort(keys, n, 48, (int (*)(const void *, const void *))strcmp);
	return n;
}

static void dg_open(struct __test_metadata *_metadata, struct dg_set *s,
		    int family)
{
	char buf[100] = "unread";
	int c, a, cport;

	s->family = family;
	s->nfds = 0;
	s->lfd = ktcp_listener(_metadata, family, DG_IP, 0, 8, &s->port);
	/* ESTABLISHED with 100 bytes unread at the server */
	c = ktcp_connect(_metadata, family, DG_IP, s->port);
	a = ktcp_accept(_metadata, s->lfd);
	ASSERT_EQ(sizeof(buf), send(c, buf, sizeof(buf), 0));
	s->fds[s->nfds++] = c;
	s->fds[s->nfds++] = a;
	/* FIN_WAIT_2 and CLOSE_WAIT, the FIN read */
	c = ktcp_connect(_metadata, family, DG_IP, s->port);
	a = ktcp_accept(_metadata, s->lfd);
	ASSERT_EQ(0, shutdown(c, SHUT_WR));
	ASSERT_EQ(0, ktcp_wait_eof(a, ktcp_ms(5000)));
	s->fds[s->nfds++] = c;
	s->fds[s->nfds++] = a;
	/* TIME_WAIT: the client closes first */
	c = ktcp_connect(_metadata, family, DG_IP, s->port);
	a = ktcp_accept(_metadata, s->lfd);
	cport = ktcp_local_port(c);
	close(c);
	ASSERT_EQ(0, ktcp_wait_eof(a, ktcp_ms(5000)));
	close(a);
	ASSERT_EQ(KT_TIME_WAIT, ktcp_wait_state_table(family == AF_INET,
			cport, s->port, KT_TIME_WAIT, ktcp_ms(5000)));
	ASSERT_EQ(-1, ktcp_wait_state_table(family == AF_INET, s->port,
			cport, -1, ktcp_ms(5000)));
	/* last: one in the accept queue, listener Recv-Q 1 */
	s->fds[s->nfds++] = ktcp_connect(_metadata, family, DG_IP, s->port);
}

static void dg_close(struct dg_set *s)
{
	for (int i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	close(s->lfd);
}

/* The path of tools/build/ktcpstat, from this binary's. */
static void dg_tool(char *path, size_t len)
{
	char self[400];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[n > 0 ? n : 0] = '\0';
	*strrchr(self, '/') = '\0';	/* build */
	*strrchr(self, '/') = '\0';	/* userspace-tests */
	*strrchr(self, '/') = '\0';	/* the repository */
	snprintf(path, len, "%s/tools/build/ktcpstat", self);
}

static int dg_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines of output, the last one with or without its newline. */
static int dg_lines(const char *s)
{
	int n = 0;

	for (const char *c = s; *c; c++)
		n += *c == '\n';
	return n + (*s && s[strlen(s) - 1] != '\n');
}

/* The words of each line of @out, sorted lines: comparable output. */
static void dg_norm(char *out, char *res, size_t len)
{
	char *lines[DG_MAX], *save, *l;
	int n = 0;

	for (l = strtok_r(out, "\n", &save); l && n < DG_MAX;
	     l = strtok_r(NULL, "\n", &save)) {
		char *w, *ws, *dst = l;

		for (w = strtok_r(l, " \t", &ws); w; w = strtok_r(NULL, " \t", &ws))
			dst += sprintf(dst, "%s%s", dst == l ? "" : " ", w);
		lines[n++] = l;
	}
	qsort(lines, n, sizeof(char *), dg_cmp);
	res[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(res + strlen(res), len - strlen(res), "%s\n", lines[i]);
}

FIXTURE(diag)
{
	struct dg_set k, n;
	char tool[512];
};

FIXTURE_SETUP(diag)
{
	char out[256];

	if (ktcp_native())
		SKIP(return, "ktcp's sock_diag against itself: nothing to test");
	/* inet_diag for native TCP's side, as ss would have it loaded */
	ktcp_run_cmd(out, sizeof(out), "modprobe -q tcp_diag");
	ktcp_new_netns(_metadata);
	ktcp_set_tw_timeout(_metadata, 30000);
	dg_open(_metadata, &self->k, ktcp_family());
	dg_open(_metadata, &self->n, AF_INET);
	dg_tool(self->tool, sizeof(self->tool));
}

FIXTURE_TEARDOWN(diag)
{
	dg_close(&self->k);
	dg_close(&self->n);
}

/* ktcp's dump is native TCP's, and native TCP's is what ss prints. */
TEST_F_TIMEOUT(diag, dump_matches_native, 60)
{
	char kk[DG_MAX][48], nk[DG_MAX][48], cmd[700];
	static char out[16384], a[16384], b[16384];
	int kn = dg_keys(_metadata, self->k.family, self->k.port, kk);
	int nn = dg_keys(_metadata, AF_INET, self->n.port, nk);

	ASSERT_EQ(nn, kn);
	ASSERT_EQ(8, kn);
	for (int i = 0; i < kn; i++)
		EXPECT_STREQ(nk[i], kk[i]);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), "ss -Htan"));
	dg_norm(out, a, sizeof(a));
	snprintf(cmd, sizeof(cmd), "%s -F inet -Htan", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	dg_norm(out, b, sizeof(b));
	EXPECT_STREQ(a, b);
}

/* The bytecode filter: sport == the listener's, as inet_diag runs it. */
TEST_F_TIMEOUT(diag, bytecode, 60)
{
	struct dg_row rows[DG_MAX];
	struct dg_set *sets[] = { &self->k, &self->n };
	struct inet_diag_bc_op bad[2] = { { INET_DIAG_BC_S_GE, 3, 12 } };

	for (int i = 0; i < 2; i++) {
		uint16_t p = sets[i]->port;
		struct inet_diag_bc_op bc[4] = {
			{ INET_DIAG_BC_S_GE, 8, 20 }, { 0, 0, p },
			{ INET_DIAG_BC_S_LE, 8, 12 }, { 0, 0, p },
		};
		int n = dg_request_bc(sets[i]->family, SOCK_DIAG_BY_FAMILY,
				      NLM_F_DUMP, NULL, rows, bc, sizeof(bc));

		/* the listener, its two children and the queued one */
		EXPECT_EQ(4, n) TH_LOG("family %d", sets[i]->family);
		for (int j = 0; j < n; j++)
			EXPECT_EQ(p, ntohs(rows[j].m.id.idiag_sport));
		n = dg_request_bc(sets[i]->family, SOCK_DIAG_BY_FAMILY,
				  NLM_F_DUMP, NULL, rows, bad, sizeof(bad));
		EXPECT_EQ(-EINVAL, n) TH_LOG("family %d", sets[i]->family);
	}
}

/* ktcpstat's rows, options and filters on ktcp's sockets. */
TEST_F_TIMEOUT(diag, ktcpstat_output, 60)
{
	static char out[16384], want[512];
	char cmd[700];
	uint16_t p = self->k.port;

	snprintf(cmd, sizeof(cmd), "%s -Hn state listening sport = :%u",
		 self->tool, p);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "LISTEN");
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_EQ(1, dg_lines(out)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " 1      8 ")) TH_LOG("%s", out);

	snprintf(cmd, sizeof(cmd), "%s -Hnop state time-wait dport = :%u",
		 self->tool, p);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd));
	EXPECT_EQ(1, dg_lines(out)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "TIME-WAIT")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "timer:(timewait,")) TH_LOG("%s", out);

	snprintf(cmd, sizeof(cmd), "%s -Hnlp", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd));
	snprintf(want, sizeof(want), "users:((\"diag\",pid=%d,fd=%d))",
		 getpid(), self->k.lfd);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);

	snprintf(cmd, sizeof(cmd),
		 "%s -Hnmie state established ( sport = :%u or dport = :%u )",
		 self->tool, p, p);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd));
	EXPECT_NE(NULL, strstr(out, "ESTAB      100")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "skmem:(r")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " cwnd:10")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " rtt:")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, " ino:")) TH_LOG("%s", out);

	snprintf(cmd, sizeof(cmd), "%s -s", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd));
	EXPECT_NE(NULL, strstr(out, "TCP:   8 (estab 4, closed 1,"))
		TH_LOG("%s", out);
}

static int dg_drop_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) ||
	    syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1U << CAP_NET_ADMIN);
	d[0].permitted &= ~(1U << CAP_NET_ADMIN);
	return syscall(SYS_capset, &h, d);
}

struct dg6_set {
	int fds[8], nfds;
	uint16_t port, c_port, m_port;
};

static void dg6_connect(struct __test_metadata *_metadata, struct dg6_set *s,
			int family, bool v4, uint16_t *port)
{
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(s->port),
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in sa = ktcp_sin(DG_IP, s->port);
	int c = socket(family, SOCK_STREAM, 0);

	ASSERT_LE(0, c) TH_LOG("family %d: %s", family, strerror(errno));
	s->fds[s->nfds++] = c;
	ASSERT_EQ(0, v4 ? connect(c, (struct sockaddr *)&sa, sizeof(sa)) :
		  connect(c, (struct sockaddr *)&sa6, sizeof(sa6)))
		TH_LOG("family %d: %s", family, strerror(errno));
	*port = ktcp_local_port(c);
	s->fds[s->nfds++] = ktcp_accept(_metadata, s->fds[0]);
}

/* A listener on :: (dual stack), a client over ::1, an IPv4 client. */
static void dg6_open(struct __test_metadata *_metadata, struct dg6_set *s,
		     int family6, int family4)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	socklen_t len = sizeof(any);
	int l = socket(family6, SOCK_STREAM, 0);

	ASSERT_LE(0, l) TH_LOG("family %d: %s", family6, strerror(errno));
	s->fds[s->nfds++] = l;
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&any, sizeof(any)));
	ASSERT_EQ(0, listen(l, 8));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&any, &len));
	s->port = ntohs(any.sin6_port);
	dg6_connect(_metadata, s, family6, false, &s->c_port);
	dg6_connect(_metadata, s, family4, true, &s->m_port);
}

FIXTURE(diag6)
{
	struct dg6_set k, n;
	char tool[512];
};

FIXTURE_SETUP(diag6)
{
	char out[256];

	if (ktcp_native())
		SKIP(return, "ktcp's sock_diag against itself: nothing to test");
	ktcp_run_cmd(out, sizeof(out), "modprobe -q tcp_diag");
	ktcp_new_netns(_metadata);
	dg6_open(_metadata, &self->k, ktcp_family6(), ktcp_family());
	dg6_open(_metadata, &self->n, AF_INET6, AF_INET);
	dg_tool(self->tool, sizeof(self->tool));
}

FIXTURE_TEARDOWN(diag6)
{
	for (int i = 0; i < self->k.nfds; i++)
		close(self->k.fds[i]);
	for (int i = 0; i < self->n.nfds; i++)
		close(self->n.fds[i]);
}

/* A dump of @family with one host condition; -errno or the rows. */
static int dg6_cond(int family, int code, int cfamily, const char *addr,
		    int plen, struct dg_row *rows)
{
	struct {
		struct inet_diag_bc_op op;
		struct inet_diag_hostcond c;
		uint8_t a[16];
	} bc = { .op = { code, sizeof(bc), sizeof(bc) + 4 },
		 .c = { .family = cfamily, .prefix_len = plen, .port = -1 } };
	int len = sizeof(bc) - (cfamily == AF_INET ? 12 : 0);

	bc.op.yes = len;
	bc.op.no = len + 4;
	if (inet_pton(cfamily, addr, bc.a) != 1)
		return -EINVAL;
	return dg_request_bc(family, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, NULL,
			     rows, &bc, len);
}

/* Rows with the family's addresses, host conditions as inet_diag's. */
TEST_F_TIMEOUT(diag6, dump_matches_native, 60)
{
	const uint32_t lo6[4] = { 0, 0, 0, htonl(1) };
	int fams[2] = { ktcp_module_family6(), AF_INET6 };
	struct dg_row rows[DG_MAX];
	int n[2][4];

	for (int i = 0; i < 2; i++) {
		const struct dg6_set *s = i ? &self->n : &self->k;
		int all = dg_request(fams[i], SOCK_DIAG_BY_FAMILY, NLM_F_DUMP,
				     NULL, rows);

		/* the set's rows: not the other stack's port claims */
		n[i][0] = 0;
		for (int j = 0; j < all; j++) {
			EXPECT_EQ(AF_INET6, rows[j].m.idiag_family);
			if (ntohs(rows[j].m.id.idiag_sport) == s->c_port) {
				EXPECT_EQ(0, memcmp(lo6, rows[j].m.id.idiag_src,
						    sizeof(lo6)));
			}
			n[i][0] += ntohs(rows[j].m.id.idiag_sport) == s->port ||
				   ntohs(rows[j].m.id.idiag_dport) == s->port;
		}
		n[i][1] = dg6_cond(fams[i], INET_DIAG_BC_S_COND, AF_INET6,
				   "::1", 128, rows);
		n[i][2] = dg6_cond(fams[i], INET_DIAG_BC_D_COND, AF_INET,
				   "127.0.0.0", 8, rows);
		n[i][3] = dg6_cond(fams[i], INET_DIAG_BC_S_COND, AF_INET6,
				   "::ffff:127.0.0.1", 128, rows);
	}
	/* listener, ::1 client and server, mapped server end */
	EXPECT_EQ(4, n[1][0]);
	EXPECT_EQ(2, n[1][1]);
	EXPECT_EQ(1, n[1][2]);
	EXPECT_EQ(1, n[1][3]);
	for (int j = 0; j < 4; j++) {
		EXPECT_EQ(n[1][j], n[0][j]) TH_LOG("condition %d", j);
	}
	/* the IPv4 family's dump has the IPv4 client only */
	n[0][0] = dg_request(ktcp_module_family(), SOCK_DIAG_BY_FAMILY,
			     NLM_F_DUMP, NULL, rows);
	ASSERT_EQ(1, n[0][0]);
	EXPECT_EQ(AF_INET, rows[0].m.idiag_family);
	EXPECT_EQ(self->k.m_port, ntohs(rows[0].m.id.idiag_sport));
}

/* ktcpstat -6 prints as ss -6 does; -4 leaves the IPv6 ones out. */
TEST_F_TIMEOUT(diag6, ktcpstat_output, 60)
{
	static char out[16384], a[16384], b[16384], want[128];
	char cmd[700], f[100];

	/* native's rows, not ktcp's port claims */
	snprintf(f, sizeof(f), "( sport = :%u or dport = :%u )",
		 self->n.port, self->n.port);
	snprintf(cmd, sizeof(cmd), "ss -Htan6 %s", f);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd));
	dg_norm(out, a, sizeof(a));
	snprintf(cmd, sizeof(cmd), "%s -F inet -Htan6 %s", self->tool, f);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	dg_norm(out, b, sizeof(b));
	EXPECT_STREQ(a, b);
	EXPECT_EQ(4, dg_lines(b)) TH_LOG("%s", b);

	snprintf(cmd, sizeof(cmd), "%s -6 -Htan", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(4, dg_lines(out)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), " *:%u ", self->k.port);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "[::1]:%u ", self->k.c_port);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "[::ffff:127.0.0.1]:%u", self->k.m_port);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);

	snprintf(cmd, sizeof(cmd), "%s -4 -Htan", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(1, dg_lines(out)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "127.0.0.1:%u ", self->k.m_port);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);

	/* both by default; an IPv6 filter keeps IPv6 rows only */
	snprintf(cmd, sizeof(cmd), "%s -Htan src ::1", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(2, dg_lines(out)) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "%s -Htan dst 127.0.0.1", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(2, dg_lines(out)) TH_LOG("%s", out);
}

/* -K of a connection over ::1: ECONNABORTED here, ECONNRESET there. */
TEST_F_TIMEOUT(diag6, kill, 60)
{
	static char out[4096];
	char cmd[700], c;
	int cl = self->k.fds[1], sv = self->k.fds[2];

	snprintf(cmd, sizeof(cmd), "%s -6 -HnK sport = :%u", self->tool,
		 self->k.c_port);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_EQ(1, dg_lines(out)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "[::1]")) TH_LOG("%s", out);
	ASSERT_EQ(0, ktcp_set_io_timeouts(cl, ktcp_ms(5000)));
	ASSERT_EQ(0, ktcp_set_io_timeouts(sv, ktcp_ms(5000)));
	EXPECT_EQ(-1, recv(cl, &c, 1, 0));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(-1, recv(sv, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/* -K: refused without CAP_NET_ADMIN; with it, RST and ECONNABORTED. */
TEST_F_TIMEOUT(diag, kill, 60)
{
	static char out[4096];
	/* the fixture left one in the accept queue: take it first */
	int queued = ktcp_accept(_metadata, self->k.lfd);
	int cl = ktcp_connect(_metadata, self->k.family, DG_IP, self->k.port);
	int sv = ktcp_accept(_metadata, self->k.lfd), status = -1;
	int cport = ktcp_local_port(cl);
	char cmd[700], c;
	long long rsts;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "%s -HnK sport = :%d", self->tool, cport);
	pid = fork();
	if (!pid) {
		struct dg_row rows[DG_MAX];
		int n;

		if (dg_drop_net_admin())
			_exit(10);
		n = dg_request(self->k.family, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP,
			       NULL, rows);
		for (int i = 0; i < n; i++)
			if (ntohs(rows[i].m.id.idiag_sport) == cport &&
			    dg_request(self->k.family, SOCK_DESTROY, NLM_F_ACK,
				       &rows[i].m.id, NULL) != -EPERM)
				_exit(11);
		if (ktcp_run_cmd(out, sizeof(out), cmd) == 0 ||
		    !strstr(out, "Operation not permitted"))
			_exit(12);
		_exit(n > 0 ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(KT_ESTABLISHED, ktcp_proc_state(cport, self->k.port));

	rsts = ktcp_counter(self->k.family, "OutRsts");
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "ESTAB")) TH_LOG("%s", out);
	EXPECT_EQ(rsts + 1, ktcp_counter(self->k.family, "OutRsts"));
	EXPECT_EQ(1, dg_lines(out)) TH_LOG("%s", out);
	ASSERT_EQ(0, ktcp_set_io_timeouts(cl, ktcp_ms(5000)));
	ASSERT_EQ(0, ktcp_set_io_timeouts(sv, ktcp_ms(5000)));
	EXPECT_EQ(-1, recv(cl, &c, 1, 0));
	EXPECT_EQ(ECONNABORTED, errno);
	EXPECT_EQ(-1, recv(sv, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno) TH_LOG("InRsts %lld, server in %s",
		ktcp_counter(self->k.family, "InRsts"),
		ktcp_state_name(ktcp_proc_state(self->k.port, cport)));
	EXPECT_EQ(-1, ktcp_proc_state(cport, self->k.port));

	/* a TIME_WAIT pile cleared on demand */
	ASSERT_EQ(1, ktcp_proc_scan(KT_TIME_WAIT, KT_ANY, self->k.port, NULL));
	snprintf(cmd, sizeof(cmd), "%s -HnK state time-wait", self->tool);
	ASSERT_EQ(0, ktcp_run_cmd(out, sizeof(out), cmd)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "TIME-WAIT")) TH_LOG("%s", out);
	EXPECT_EQ(0, ktcp_proc_scan(KT_TIME_WAIT, KT_ANY, KT_ANY, NULL));
	close(cl);
	close(sv);
	close(queued);
}

TEST_HARNESS_MAIN
