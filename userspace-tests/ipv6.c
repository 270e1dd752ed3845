// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 and dual stack (issue 12), differential: every case is a script of
 * socket calls whose results (0 or the errno name, addresses read back,
 * option values, bytes moved) are written to a log. It runs in a fresh
 * namespace of its own (lo up, so ::1 is there) on native TCP, AF_INET and
 * AF_INET6, which is Linux 6.12's answer, then with ktcp's families
 * (ktcp_family() and ktcp_family6(): AF_KTCP, AF_KTCP6), and the logs must
 * be equal, step by step. Nothing expected is written here: Linux is the
 * reference (af_inet6.c __inet6_bind, inet6_getname, tcp_ipv6.c
 * tcp_v6_connect, ipv6_sockglue.c). Mixed cases run four times: both sides
 * native (the reference), both ktcp, then side A ktcp and side B native, and
 * the reverse, so ktcp <-> native TCP is covered both ways. Without
 * AF_KTCP6, socket() fails on the ktcp runs and every case fails there.
 *
 *   bind_addrs     bind() of an AF_INET6 socket: a sockaddr_in (16 bytes:
 *                  EINVAL; in 28 bytes: EAFNOSUPPORT), AF_UNSPEC, lengths
 *                  0, 23 and 24 (SIN6_LEN_RFC2133, accepted), 129, NULL,
 *                  multicast, addresses not local (2001:db8::1,
 *                  ::ffff:10.9.9.9), link-local without a scope id, with
 *                  an unknown one and lo's, ::1 with a flow label, bind
 *                  twice, ::ffff:127.0.0.1 with and without IPV6_V6ONLY,
 *                  :: port 0; getsockname/getpeername of each (length,
 *                  address, port, flowinfo, scope id)
 *   connect_addrs  connect(): sockaddr_in, lengths, AF_UNSPEC, link-local
 *                  without a device, multicast, a closed port, ::1 with a
 *                  flow label, :: (Linux goes to ::1), ::ffff:127.0.0.1 to
 *                  an IPv4 listener (and with IPV6_V6ONLY: ENETUNREACH),
 *                  from a socket bound to ::1; both names on both ends,
 *                  accept()'s address, a short getsockname() buffer
 *   flowinfo       sin6_flowinfo on connect: ignored without
 *                  IPV6_FLOWINFO_SEND; with it, a label and traffic-class
 *                  bits are sent and getpeername echoes them.
 *                  IPV6_FLOWLABEL_MGR (leases) is a documented deviation:
 *                  0 on native, ENOPROTOOPT on ktcp, asserted apart
 *   link_local     (mixed) fe80::1 on a veth in the namespace: bind with
 *                  and without the scope id, a scope on the wrong device,
 *                  SO_BINDTODEVICE instead of a scope id; a connection
 *                  each way, data on both; sin6_scope_id echoed by every
 *                  getname. The native run must have connected and moved
 *                  the data (asserted), so equal logs mean ktcp did too.
 *                  Both addresses are the namespace's own, so the
 *                  segments go through lo: interop.c has link-local
 *                  across a veth between two namespaces
 *   dual_stack     (mixed) a [::]:P listener with IPV6_V6ONLY 0 accepts
 *                  IPv4 clients (AF_INET and AF_KTCP) as ::ffff:127.0.0.1
 *                  (accept, getpeername, getsockname of the child) and
 *                  IPv6 ones; IPV6_V6ONLY 1 refuses IPv4 (ECONNREFUSED);
 *                  a ::ffff:127.0.0.1 listener takes IPv4 only; 127.0.0.2
 *   bindv6only     (mixed) net.ipv6.bindv6only=1 in the namespace makes
 *                  IPV6_V6ONLY the default (getsockopt reads 1, IPv4
 *                  refused, the v4 port free), setsockopt 0 undoes it
 *   ports_v4_v6    (mixed) 0.0.0.0:P held (listening, or bound with and
 *                  without SO_REUSEADDR) by side A's AF_INET socket, then
 *                  side B's AF_INET6 binds: [::] dual (EADDRINUSE), [::]
 *                  v6only, ::1, ::ffff:127.0.0.1; the stacks' mixes cover
 *                  a native v4 listener against a ktcp v6 one and back
 *   ports_v6_v4    (mixed) the reverse: [::]:P dual, [::]:P v6only, ::1
 *                  held by side A, AF_INET and AF_INET6 binds by side B
 *   transfer       (mixed) over ::1 and over ::ffff:127.0.0.1: a small
 *                  echo both ways, 1 MiB each way at once with
 *                  shutdown(SHUT_WR) (FIN) at the end, checksummed;
 *                  shutdown, then close, seen by the peer as EOF
 *   sockopts       IPV6_V6ONLY get/set (short optlen too), EINVAL after
 *                  bind; IPV6_TCLASS and IPV6_UNICAST_HOPS round trips,
 *                  -1 (the default), out of range, what an accepted
 *                  socket reads after the listener set them
 *
 * KTCP_TEST_FAMILY=inet compares native TCP with itself: the logs must be
 * equal, which shows that the cases are deterministic.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define V6_PORT		7600	/* ports P..P+V6_NPORTS-1 print as P+n */
#define V6_NPORTS	20
#define V6_LOG		8192
#define V6_XFER		(1 << 20)
#define V6_IF_A		"v6a"	/* link_local's veth pair */
#define V6_IF_B		"v6b"

struct v6_run {
	int a4, a6;		/* side A's families: listeners, holders */
	int b4, b6;		/* side B's: clients, the other binders */
	int mgr_errno;		/* IPV6_FLOWLABEL_MGR's answer (flowinfo) */
	char log[V6_LOG];	/* "step=result ..." */
};

/* linux/in6.h's flow label manager, which does not mix with netinet/in.h */
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR	32
#define IPV6_FLOWINFO_SEND	33
#endif
#define V6_FL_A_GET		0
#define V6_FL_F_CREATE		1
#define V6_FL_S_EXCL		1

struct v6_flreq {
	struct in6_addr dst;
	uint32_t label;		/* network order */
	uint8_t action, share;
	uint16_t flags, expires, linger;
	uint32_t pad;
};

/* As SIOCSIFADDR takes it for AF_INET6 (linux/ipv6.h's in6_ifreq). */
struct v6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

static void v6_printf(struct v6_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void v6_printf(struct v6_run *r, const char *fmt, ...)
{
	size_t n = strlen(r->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->log + n, sizeof(r->log) - n, fmt, ap);
	va_end(ap);
}

/* Record "step=0" or "step=ERRNO"; returns @ret. */
static int v6_note(struct v6_run *r, const char *step, int ret)
{
	v6_printf(r, "%s=%s ", step, ret < 0 ? strerrorname_np(errno) : "0");
	return ret;
}

static const char *v6_port(int port, char *buf, size_t len)
{
	if (port >= V6_PORT && port < V6_PORT + V6_NPORTS)
		snprintf(buf, len, "P+%d", port - V6_PORT);
	else
		snprintf(buf, len, "%s", port ? "eph" : "0");
	return buf;
}

/* An address as returned: length, family, address, port, flow, scope. */
static void v6_addr(struct v6_run *r, const char *step, const void *sa,
		    socklen_t len)
{
	const struct sockaddr_in6 *s6 = sa;
	const struct sockaddr_in *s4 = sa;
	char ip[INET6_ADDRSTRLEN], port[16], dev[IF_NAMESIZE];

	if (s6->sin6_family == AF_INET6 && len >= sizeof(*s6)) {
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		if (!s6->sin6_scope_id)
			snprintf(dev, sizeof(dev), "0");
		else if (!if_indextoname(s6->sin6_scope_id, dev))
			snprintf(dev, sizeof(dev), "#%u", s6->sin6_scope_id);
		v6_printf(r, "%s=[%s]:%s/%u,fl=%x,sc=%s ", step, ip,
			  v6_port(ntohs(s6->sin6_port), port, sizeof(port)),
			  len, ntohl(s6->sin6_flowinfo), dev);
	} else if (s4->sin_family == AF_INET && len >= sizeof(*s4)) {
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		v6_printf(r, "%s=%s:%s/%u ", step, ip,
			  v6_port(ntohs(s4->sin_port), port, sizeof(port)),
			  len);
	} else {
		v6_printf(r, "%s=fam%d/%u ", step, s6->sin6_family, len);
	}
}

/* getsockname (or getpeername) of @fd, recorded. */
static void v6_name(struct v6_run *r, const char *step, int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret;

	memset(&ss, 0xa5, sizeof(ss));
	ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		     getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ret)
		v6_note(r, step, ret);
	else
		v6_addr(r, step, &ss, len);
}

static struct sockaddr_in6 v6_sa(const char *ip, int port, unsigned int scope,
				 uint32_t flow)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6, .sin6_port = htons(port),
		.sin6_flowinfo = htonl(flow), .sin6_scope_id = scope,
	};

	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	return sa;
}

static struct sockaddr_in v6_sin(const char *ip, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

static int v6_setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* getsockopt() of an int with @len bytes of room: value and length. */
static void v6_getint(struct v6_run *r, const char *step, int fd, int level,
		      int opt, socklen_t len)
{
	int val = 0x5a5a5a5a;

	if (getsockopt(fd, level, opt, &val, &len))
		v6_note(r, step, -1);
	else
		v6_printf(r, "%s=%d/%u ", step, len < sizeof(val) ?
			  (int)(val & ((1 << (8 * len)) - 1)) : val, len);
}

/*
 * socket(@family) with I/O timeouts, so that no call of a broken stack
 * can hang the case; @v6only (IPV6_V6ONLY) and @reuse (SO_REUSEADDR) if
 * not negative.
 */
static int v6_sock(struct v6_run *r, const char *step, int family,
		   int v6only, int reuse)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (step)
		v6_note(r, step, fd);
	if (fd < 0)
		return fd;
	ktcp_set_io_timeouts(fd, ktcp_ms(5000));
	if (v6only >= 0)
		v6_setint(fd, SOL_IPV6, IPV6_V6ONLY, v6only);
	if (reuse >= 0)
		v6_setint(fd, SOL_SOCKET, SO_REUSEADDR, reuse);
	return fd;
}

static int v6_bind6(int fd, const char *ip, int port)
{
	struct sockaddr_in6 sa = v6_sa(ip, port, 0, 0);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int v6_bind4(int fd, const char *ip, int port)
{
	struct sockaddr_in sa = v6_sin(ip, port);

	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int v6_connect6(int fd, const char *ip, int port)
{
	struct sockaddr_in6 sa = v6_sa(ip, port, 0, 0);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

static int v6_connect4(int fd, const char *ip, int port)
{
	struct sockaddr_in sa = v6_sin(ip, port);

	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

/* An AF_INET6-addressed listener of @family on [@ip]:@port, recorded. */
static int v6_listener(struct v6_run *r, const char *step, int family,
		       const char *ip, int port, int v6only, int reuse)
{
	int fd = v6_sock(r, NULL, family, v6only, reuse);

	if (v6_note(r, step, fd < 0 ? fd : v6_bind6(fd, ip, port) ?:
		    listen(fd, 16)) < 0 && fd >= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int v6_listener4(struct v6_run *r, const char *step, int family,
			const char *ip, int port)
{
	int fd = v6_sock(r, NULL, family, -1, -1);

	if (v6_note(r, step, fd < 0 ? fd : v6_bind4(fd, ip, port) ?:
		    listen(fd, 16)) < 0 && fd >= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A client of @family connected to @ip (v6 if it has a ':'), recorded. */
static int v6_client(struct v6_run *r, const char *step, int family,
		     const char *ip, int port)
{
	int fd = v6_sock(r, NULL, family, -1, -1);

	if (fd < 0)
		return v6_note(r, step, fd);
	if (v6_note(r, step, strchr(ip, ':') ? v6_connect6(fd, ip, port) :
		    v6_connect4(fd, ip, port)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* accept(), the address it gave recorded. */
static int v6_accept(struct v6_run *r, const char *step, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);

	if (fd < 0)
		return v6_note(r, step, fd);
	ktcp_set_io_timeouts(fd, ktcp_ms(5000));
	v6_addr(r, step, &ss, len);
	return fd;
}

static void v6_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* @msg from @from to @to: what arrived, recorded. */
static void v6_pass(struct v6_run *r, const char *step, int from, int to,
		    const char *msg)
{
	char buf[64] = "";
	ssize_t n;

	if (send(from, msg, strlen(msg), 0) < 0) {
		v6_note(r, step, -1);
		return;
	}
	n = recv(to, buf, strlen(msg), MSG_WAITALL);
	if (n < 0)
		v6_note(r, step, -1);
	else
		v6_printf(r, "%s=\"%.*s\" ", step, (int)n, buf);
}

/* A connection: client @c and accepted @s exchange a line each way. */
static void v6_echo(struct v6_run *r, const char *step, int c, int s)
{
	char what[64];

	snprintf(what, sizeof(what), "%s_up", step);
	v6_pass(r, what, c, s, "ping6");
	snprintf(what, sizeof(what), "%s_down", step);
	v6_pass(r, what, s, c, "pong6");
}

/* ---- the cases ---- */

static void v6_bind_addrs(struct v6_run *r)
{
	struct sockaddr_in6 sa = v6_sa("::1", V6_PORT, 0, 0);
	struct sockaddr_in sin = v6_sin("127.0.0.1", V6_PORT);
	char big[256] = "";
	int fd = v6_sock(r, "socket", r->a6, -1, -1), fd2, fd3, fd4;

	v6_name(r, "name_fresh", fd, false);
	v6_name(r, "peer_fresh", fd, true);
	v6_note(r, "bind_sin", bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
	memcpy(big, &sin, sizeof(sin));
	v6_note(r, "bind_sin_len28", bind(fd, (struct sockaddr *)big,
					  sizeof(sa)));
	sa.sin6_family = AF_UNSPEC;
	v6_note(r, "bind_unspec", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sa.sin6_family = AF_INET6;
	v6_note(r, "bind_len0", bind(fd, (struct sockaddr *)&sa, 0));
	v6_note(r, "bind_len23", bind(fd, (struct sockaddr *)&sa, 23));
	memcpy(big, &sa, sizeof(sa));
	v6_note(r, "bind_len129", bind(fd, (struct sockaddr *)big, 129));
	v6_note(r, "bind_null", bind(fd, NULL, sizeof(sa)));
	sa = v6_sa("ff02::1", V6_PORT, 0, 0);
	v6_note(r, "bind_mcast", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sa = v6_sa("2001:db8::1", V6_PORT, 0, 0);
	v6_note(r, "bind_nonlocal", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	sa = v6_sa("::ffff:10.9.9.9", V6_PORT, 0, 0);
	v6_note(r, "bind_mapped_nonlocal", bind(fd, (struct sockaddr *)&sa,
						sizeof(sa)));
	sa = v6_sa("fe80::1", V6_PORT, 0, 0);
	v6_note(r, "bind_ll_noscope", bind(fd, (struct sockaddr *)&sa,
					   sizeof(sa)));
	sa.sin6_scope_id = 9999;
	v6_note(r, "bind_ll_nodev", bind(fd, (struct sockaddr *)&sa,
					 sizeof(sa)));
	sa.sin6_scope_id = if_nametoindex("lo");
	v6_note(r, "bind_ll_lo", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	/* 24 bytes, no sin6_scope_id: enough for a global address */
	sa = v6_sa("::1", V6_PORT, 0, 0x12345);
	v6_note(r, "bind_len24_flow", bind(fd, (struct sockaddr *)&sa, 24));
	v6_name(r, "name_bound", fd, false);
	v6_name(r, "peer_bound", fd, true);
	v6_note(r, "bind_again", v6_bind6(fd, "::1", V6_PORT + 1));
	v6_note(r, "listen", listen(fd, 4));
	v6_name(r, "name_listen", fd, false);

	fd2 = v6_sock(r, "socket2", r->a6, -1, -1);
	v6_note(r, "bind_mapped", v6_bind6(fd2, "::ffff:127.0.0.1",
					   V6_PORT + 1));
	v6_name(r, "name_mapped", fd2, false);
	v6_note(r, "listen_mapped", listen(fd2, 4));
	fd3 = v6_sock(r, "socket3", r->a6, 1, -1);
	v6_note(r, "bind_mapped_v6only", v6_bind6(fd3, "::ffff:127.0.0.1",
						  V6_PORT + 2));
	v6_note(r, "bind_any_v6only", v6_bind6(fd3, "::", V6_PORT + 2));
	v6_name(r, "name_any", fd3, false);
	fd4 = v6_sock(r, "socket4", r->a6, -1, -1);
	v6_note(r, "bind_any_port0", v6_bind6(fd4, "::", 0));
	v6_name(r, "name_port0", fd4, false);
	v6_close(&fd);
	v6_close(&fd2);
	v6_close(&fd3);
	v6_close(&fd4);
}

static void v6_connect_addrs(struct v6_run *r)
{
	struct sockaddr_in sin = v6_sin("127.0.0.1", V6_PORT + 1);
	struct sockaddr_in6 sa = v6_sa("::1", V6_PORT, 0, 0);
	struct sockaddr_storage ss;
	int l6, l4, fd, s, i;
	socklen_t len;
	char big[64] = "";

	l6 = v6_listener(r, "listen6", r->a6, "::1", V6_PORT, -1, -1);
	l4 = v6_listener4(r, "listen4", r->a4, "127.0.0.1", V6_PORT + 1);
	fd = v6_sock(r, "socket", r->a6, -1, -1);
	v6_name(r, "peer_fresh", fd, true);
	v6_note(r, "connect_sin", connect(fd, (struct sockaddr *)&sin,
					  sizeof(sin)));
	memcpy(big, &sin, sizeof(sin));
	v6_note(r, "connect_sin_len28", connect(fd, (struct sockaddr *)big,
						sizeof(sa)));
	v6_note(r, "connect_len23", connect(fd, (struct sockaddr *)&sa, 23));
	sa = v6_sa("fe80::1", V6_PORT, 0, 0);
	v6_note(r, "connect_ll_noscope", connect(fd, (struct sockaddr *)&sa,
						 sizeof(sa)));
	sa = v6_sa("ff02::1", V6_PORT, 0, 0);
	v6_note(r, "connect_mcast", connect(fd, (struct sockaddr *)&sa,
					    sizeof(sa)));
	v6_note(r, "connect_closed", v6_connect6(fd, "::1", V6_PORT + 9));
	v6_close(&fd);

	/* ::1 with a flow label, in 24 bytes: flowinfo is not sent back */
	fd = v6_sock(r, "socket_flow", r->a6, -1, -1);
	sa = v6_sa("::1", V6_PORT, 0, 0x12345);
	v6_note(r, "connect_flow", connect(fd, (struct sockaddr *)&sa, 24));
	v6_name(r, "name_flow", fd, false);
	v6_name(r, "peer_flow", fd, true);
	s = v6_accept(r, "accept_flow", l6);
	v6_name(r, "child_name", s, false);
	v6_name(r, "child_peer", s, true);
	v6_echo(r, "echo_flow", fd, s);
	len = 16;
	i = getsockname(fd, (struct sockaddr *)&ss, &len);
	v6_printf(r, "name_short=%d/%u ", i, len);
	v6_note(r, "connect_again", v6_connect6(fd, "::1", V6_PORT));
	v6_close(&fd);
	v6_close(&s);

	/* "::" is the loopback for connect() */
	fd = v6_client(r, "connect_any", r->a6, "::", V6_PORT);
	v6_name(r, "peer_any", fd, true);
	s = v6_accept(r, "accept_any", l6);
	v6_close(&fd);
	v6_close(&s);

	/* v4-mapped to an IPv4 listener, then refused with IPV6_V6ONLY */
	fd = v6_client(r, "connect_mapped", r->a6, "::ffff:127.0.0.1",
		       V6_PORT + 1);
	v6_name(r, "name_mapped", fd, false);
	v6_name(r, "peer_mapped", fd, true);
	s = v6_accept(r, "accept_mapped", l4);
	v6_echo(r, "echo_mapped", fd, s);
	v6_close(&fd);
	v6_close(&s);
	fd = v6_sock(r, "socket_v6only", r->a6, 1, -1);
	v6_note(r, "connect_mapped_v6only",
		v6_connect6(fd, "::ffff:127.0.0.1", V6_PORT + 1));
	v6_close(&fd);
	fd = v6_client(r, "connect_mapped_closed", r->a6, "::ffff:127.0.0.1",
		       V6_PORT + 9);
	v6_close(&fd);
	/* bound to ::1, then to an IPv4 peer */
	fd = v6_sock(r, "socket_bound", r->a6, -1, -1);
	v6_note(r, "bind_lo6", v6_bind6(fd, "::1", 0));
	v6_note(r, "connect_bound_mapped",
		v6_connect6(fd, "::ffff:127.0.0.1", V6_PORT + 1));
	v6_close(&fd);
	v6_close(&l6);
	v6_close(&l4);
}

/* IPV6_FLOWLABEL_MGR: an exclusive lease on @label towards @dst. */
static int v6_fl_get(int fd, const char *dst, uint32_t label)
{
	struct v6_flreq req = {
		.label = htonl(label), .action = V6_FL_A_GET,
		.share = V6_FL_S_EXCL, .flags = V6_FL_F_CREATE, .linger = 6,
	};

	inet_pton(AF_INET6, dst, &req.dst);
	return setsockopt(fd, SOL_IPV6, IPV6_FLOWLABEL_MGR, &req, sizeof(req));
}

/* A connection to [::1]:P from a fresh socket: its names, the child's. */
static void v6_flow_conn(struct v6_run *r, const char *what, int l,
			 bool sndflow, uint32_t lease, uint32_t flow)
{
	struct sockaddr_in6 sa = v6_sa("::1", V6_PORT, 0, flow);
	int c = v6_sock(r, NULL, r->a6, -1, -1), s;
	char step[64];

	snprintf(step, sizeof(step), "%s_sndflow", what);
	v6_note(r, step, sndflow ? v6_setint(c, SOL_IPV6, IPV6_FLOWINFO_SEND,
					     1) : 0);
	snprintf(step, sizeof(step), "%s_lease", what);
	v6_note(r, step, lease ? v6_fl_get(c, "::1", lease) : 0);
	snprintf(step, sizeof(step), "%s_connect", what);
	if (v6_note(r, step, connect(c, (struct sockaddr *)&sa,
				     sizeof(sa))) < 0) {
		v6_close(&c);
		return;
	}
	snprintf(step, sizeof(step), "%s_name", what);
	v6_name(r, step, c, false);
	snprintf(step, sizeof(step), "%s_peer", what);
	v6_name(r, step, c, true);
	snprintf(step, sizeof(step), "%s_accept", what);
	s = v6_accept(r, step, l);
	snprintf(step, sizeof(step), "%s_child_peer", what);
	v6_name(r, step, s, true);
	snprintf(step, sizeof(step), "%s_echo", what);
	v6_echo(r, step, c, s);
	v6_close(&c);
	v6_close(&s);
}

static void v6_flowinfo(struct v6_run *r)
{
	int l = v6_listener(r, "listen", r->a6, "::1", V6_PORT, -1, -1);
	int fd = v6_sock(r, "socket", r->a6, -1, -1);

	v6_getint(r, "sndflow_default", fd, SOL_IPV6, IPV6_FLOWINFO_SEND,
		  sizeof(int));
	/* without IPV6_FLOWINFO_SEND, sin6_flowinfo is ignored */
	v6_flow_conn(r, "plain", l, false, 0, 0x12345);
	/*
	 * with it, a label is sent as is while no socket of the namespace
	 * holds an exclusive lease (fl6_sock_lookup()), tclass bits too
	 */
	v6_flow_conn(r, "nolease", l, true, 0, 0x12345);
	v6_flow_conn(r, "tclass", l, true, 0, 0x0a000000);
	/*
	 * IPV6_FLOWLABEL_MGR is a documented deviation (user-guide.rst): the
	 * kernel does not export ipv6_flowlabel_opt(), so an AF_KTCP6 socket
	 * answers ENOPROTOOPT and holds no lease. Not in the compared log:
	 * the test asserts exactly that answer on each side, and the cases
	 * that need a lease are left out. Last: a lease would make every
	 * label in the namespace need one.
	 */
	r->mgr_errno = v6_fl_get(fd, "::1", 0x54321) ? errno : 0;
	v6_close(&fd);
	v6_close(&l);
}

static int v6_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) < 0)
		ret = -1;
	close(fd);
	return ret;
}

/* fe80::@host/64 on @dev, no DAD (the namespace's default) */
static int v6_ll_addr(const char *dev, int host)
{
	struct v6_ifreq ifr = { .prefixlen = 64,
				.ifindex = (int)if_nametoindex(dev) };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	ifr.addr.s6_addr[0] = 0xfe;
	ifr.addr.s6_addr[1] = 0x80;
	ifr.addr.s6_addr[15] = host;
	ret = ioctl(fd, SIOCSIFADDR, &ifr);
	close(fd);
	return ret;
}

/*
 * Wait until native TCP can bind @ip on @dev: even without DAD the address
 * stays tentative until the link has a carrier (addrconf's dad_work).
 */
static int v6_ll_ready(const char *dev, const char *ip)
{
	struct sockaddr_in6 sa = v6_sa(ip, 0, if_nametoindex(dev), 0);
	long long end = ktcp_now_ms() + ktcp_ms(10000);
	int fd, ret;

	do {
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ret = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		if (!ret)
			return 0;
		ktcp_sleep_ms(20);
	} while (ktcp_now_ms() < end);
	return -1;
}

/* A veth pair in this namespace, fe80::1 on one end, fe80::2 on the other. */
static int v6_veth(void)
{
	int ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), ret;

	if (ns < 0 || v6_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad",
				"0"))
		return -1;
	ret = ktcp_veth_create(V6_IF_A, V6_IF_B, ns);
	close(ns);
	if (ret || ktcp_if_up(V6_IF_A) || ktcp_if_up(V6_IF_B) ||
	    v6_ll_addr(V6_IF_A, 1) || v6_ll_addr(V6_IF_B, 2))
		return -1;
	return v6_ll_ready(V6_IF_A, "fe80::1") ?: v6_ll_ready(V6_IF_B,
							     "fe80::2");
}

static void v6_link_local(struct v6_run *r)
{
	struct sockaddr_in6 sa;
	unsigned int ia, ib;
	int l, l2, c, s;

	v6_note(r, "veth", v6_veth());
	ia = if_nametoindex(V6_IF_A);
	ib = if_nametoindex(V6_IF_B);
	l = v6_sock(r, "socket", r->a6, -1, -1);
	sa = v6_sa("fe80::1", V6_PORT, 0, 0);
	v6_note(r, "bind_noscope", bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	sa.sin6_scope_id = ib;
	v6_note(r, "bind_wrong_dev", bind(l, (struct sockaddr *)&sa,
					  sizeof(sa)));
	sa.sin6_scope_id = ia;
	v6_note(r, "bind_scope", bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	v6_name(r, "name_listen", l, false);
	v6_note(r, "listen", listen(l, 4));

	c = v6_sock(r, "client", r->b6, -1, -1);
	sa.sin6_scope_id = 0;
	v6_note(r, "connect_noscope", connect(c, (struct sockaddr *)&sa,
					      sizeof(sa)));
	sa.sin6_scope_id = ia;
	v6_note(r, "connect_scope", connect(c, (struct sockaddr *)&sa,
					    sizeof(sa)));
	v6_name(r, "client_name", c, false);
	v6_name(r, "client_peer", c, true);
	s = v6_accept(r, "accept", l);
	v6_name(r, "child_name", s, false);
	v6_name(r, "child_peer", s, true);
	v6_echo(r, "echo", c, s);
	v6_close(&c);
	v6_close(&s);

	/* the device from SO_BINDTODEVICE stands for the scope id */
	l2 = v6_sock(r, "socket2", r->a6, -1, -1);
	v6_note(r, "bindtodevice", setsockopt(l2, SOL_SOCKET, SO_BINDTODEVICE,
					      V6_IF_B, strlen(V6_IF_B)));
	sa = v6_sa("fe80::2", V6_PORT + 1, 0, 0);
	v6_note(r, "bind_dev_noscope", bind(l2, (struct sockaddr *)&sa,
					    sizeof(sa)));
	v6_name(r, "name_dev", l2, false);
	v6_note(r, "listen2", listen(l2, 4));
	c = v6_sock(r, "client2", r->b6, -1, -1);
	sa.sin6_scope_id = ib;
	v6_note(r, "connect_dev", connect(c, (struct sockaddr *)&sa,
					  sizeof(sa)));
	v6_name(r, "client2_peer", c, true);
	s = v6_accept(r, "accept2", l2);
	v6_name(r, "child2_name", s, false);
	v6_echo(r, "echo2", c, s);
	v6_close(&c);
	v6_close(&s);
	v6_close(&l);
	v6_close(&l2);
}

/* Client of @family to @ip:@port, accepted on @l: names, one echo. */
static void v6_dual_one(struct v6_run *r, const char *what, int l,
			int family, const char *ip, int port)
{
	char step[64];
	int c, s;

	snprintf(step, sizeof(step), "%s_connect", what);
	c = v6_client(r, step, family, ip, port);
	if (c < 0)
		return;
	snprintf(step, sizeof(step), "%s_name", what);
	v6_name(r, step, c, false);
	snprintf(step, sizeof(step), "%s_accept", what);
	s = v6_accept(r, step, l);
	snprintf(step, sizeof(step), "%s_child_name", what);
	v6_name(r, step, s, false);
	snprintf(step, sizeof(step), "%s_child_peer", what);
	v6_name(r, step, s, true);
	snprintf(step, sizeof(step), "%s_echo", what);
	v6_echo(r, step, c, s);
	v6_close(&c);
	v6_close(&s);
}

static void v6_dual_stack(struct v6_run *r)
{
	int l = v6_sock(r, "socket", r->a6, -1, -1), l2, l3, l4;

	v6_getint(r, "v6only_default", l, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_note(r, "v6only_0", v6_setint(l, SOL_IPV6, IPV6_V6ONLY, 0));
	v6_note(r, "bind_any", v6_bind6(l, "::", V6_PORT));
	v6_note(r, "listen", listen(l, 8));
	v6_dual_one(r, "v4", l, r->b4, "127.0.0.1", V6_PORT);
	v6_dual_one(r, "v6", l, r->b6, "::1", V6_PORT);
	v6_dual_one(r, "mapped", l, r->b6, "::ffff:127.0.0.1", V6_PORT);
	v6_dual_one(r, "v4_127.0.0.2", l, r->b4, "127.0.0.2", V6_PORT);

	l2 = v6_listener(r, "listen_v6only", r->a6, "::", V6_PORT + 1, 1, -1);
	v6_dual_one(r, "v6only_v4", l2, r->b4, "127.0.0.1", V6_PORT + 1);
	v6_dual_one(r, "v6only_v6", l2, r->b6, "::1", V6_PORT + 1);
	v6_dual_one(r, "v6only_mapped", l2, r->b6, "::ffff:127.0.0.1",
		    V6_PORT + 1);

	l3 = v6_listener(r, "listen_mapped", r->a6, "::ffff:127.0.0.1",
			 V6_PORT + 2, -1, -1);
	v6_dual_one(r, "lmapped_v4", l3, r->b4, "127.0.0.1", V6_PORT + 2);
	v6_dual_one(r, "lmapped_v6", l3, r->b6, "::1", V6_PORT + 2);

	l4 = v6_listener(r, "listen_lo6", r->a6, "::1", V6_PORT + 3, -1, -1);
	v6_dual_one(r, "llo6_v4", l4, r->b4, "127.0.0.1", V6_PORT + 3);
	v6_dual_one(r, "llo6_v6", l4, r->b6, "::1", V6_PORT + 3);
	v6_close(&l);
	v6_close(&l2);
	v6_close(&l3);
	v6_close(&l4);
}

static void v6_bindv6only(struct v6_run *r)
{
	const char *path = "/proc/sys/net/ipv6/bindv6only";
	int l, l2, b, s;

	v6_note(r, "sysctl_1", v6_sysctl(path, "1"));
	l = v6_sock(r, "socket", r->a6, -1, -1);
	v6_getint(r, "v6only", l, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_note(r, "listen", v6_bind6(l, "::", V6_PORT) ?: listen(l, 8));
	v6_dual_one(r, "v4", l, r->b4, "127.0.0.1", V6_PORT);
	v6_dual_one(r, "v6", l, r->b6, "::1", V6_PORT);
	b = v6_sock(r, "socket_v4", r->b4, -1, -1);
	v6_note(r, "bind_v4_same_port", v6_bind4(b, "0.0.0.0", V6_PORT));
	v6_close(&b);

	l2 = v6_sock(r, "socket2", r->a6, 0, -1);
	v6_getint(r, "v6only_set0", l2, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_note(r, "listen2", v6_bind6(l2, "::", V6_PORT + 1) ?:
		listen(l2, 8));
	v6_dual_one(r, "dual_v4", l2, r->b4, "127.0.0.1", V6_PORT + 1);
	/* an accepted child of a dual listener reads the listener's 0 */
	b = v6_client(r, "v6_client", r->b6, "::1", V6_PORT + 1);
	s = v6_accept(r, "v6_accept", l2);
	v6_getint(r, "child_v6only", s, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_close(&b);
	v6_close(&s);
	v6_note(r, "sysctl_0", v6_sysctl(path, "0"));
	b = v6_sock(r, "socket3", r->a6, -1, -1);
	v6_getint(r, "v6only_after", b, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_close(&b);
	v6_close(&l);
	v6_close(&l2);
}

/* Side B's AF_INET6 binds to port @port: which are refused. */
static void v6_try_binds6(struct v6_run *r, const char *what, int port)
{
	static const struct {
		const char *name, *ip;
		int v6only, reuse;
	} t[] = {
		{ "any_dual", "::", 0, -1 },
		{ "any_dual_reuse", "::", 0, 1 },
		{ "mapped", "::ffff:127.0.0.1", -1, -1 },
		{ "any_v6only", "::", 1, -1 },
		{ "lo6", "::1", -1, -1 },
	};
	char step[64];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(step, sizeof(step), "%s_%s", what, t[i].name);
		fd = v6_sock(r, NULL, r->b6, t[i].v6only, t[i].reuse);
		v6_note(r, step, v6_bind6(fd, t[i].ip, port));
		close(fd);
	}
}

/* Side B's AF_INET binds to port @port. */
static void v6_try_binds4(struct v6_run *r, const char *what, int port)
{
	static const struct {
		const char *name, *ip;
		int reuse;
	} t[] = {
		{ "v4_any", "0.0.0.0", -1 },
		{ "v4_any_reuse", "0.0.0.0", 1 },
		{ "v4_lo", "127.0.0.1", -1 },
	};
	char step[64];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(step, sizeof(step), "%s_%s", what, t[i].name);
		fd = v6_sock(r, NULL, r->b4, -1, t[i].reuse);
		v6_note(r, step, v6_bind4(fd, t[i].ip, port));
		close(fd);
	}
}

static void v6_ports_v4_v6(struct v6_run *r)
{
	int h, o;

	h = v6_listener4(r, "hold_listen", r->a4, "0.0.0.0", V6_PORT);
	v6_try_binds6(r, "listening", V6_PORT);
	o = v6_sock(r, NULL, r->b6, 1, -1);
	v6_note(r, "v6only_listen", v6_bind6(o, "::", V6_PORT) ?:
		listen(o, 4));
	v6_dual_one(r, "to_v4", h, r->b4, "127.0.0.1", V6_PORT);
	v6_dual_one(r, "to_v6", o, r->b6, "::1", V6_PORT);
	v6_close(&o);
	v6_close(&h);

	/* bound, not listening: SO_REUSEADDR on both lets them share */
	h = v6_sock(r, NULL, r->a4, -1, 1);
	v6_note(r, "hold_reuse", v6_bind4(h, "0.0.0.0", V6_PORT + 1));
	v6_try_binds6(r, "reuse", V6_PORT + 1);
	o = v6_sock(r, NULL, r->b6, 0, 1);
	v6_note(r, "share_dual", v6_bind6(o, "::", V6_PORT + 1));
	v6_note(r, "share_listen_v6", listen(o, 4));
	v6_note(r, "share_listen_v4", listen(h, 4));
	v6_close(&o);
	v6_close(&h);

	h = v6_sock(r, NULL, r->a4, -1, -1);
	v6_note(r, "hold_bound", v6_bind4(h, "0.0.0.0", V6_PORT + 2));
	v6_try_binds6(r, "bound", V6_PORT + 2);
	v6_close(&h);
	h = v6_sock(r, NULL, r->a4, -1, -1);
	v6_note(r, "hold_lo", v6_bind4(h, "127.0.0.1", V6_PORT + 3) ?:
		listen(h, 4));
	v6_try_binds6(r, "lo", V6_PORT + 3);
	v6_close(&h);
}

static void v6_ports_v6_v4(struct v6_run *r)
{
	int h, o;

	h = v6_listener(r, "hold_dual", r->a6, "::", V6_PORT, 0, -1);
	v6_try_binds4(r, "dual", V6_PORT);
	v6_try_binds6(r, "dual", V6_PORT);
	v6_close(&h);

	h = v6_listener(r, "hold_v6only", r->a6, "::", V6_PORT + 1, 1, -1);
	v6_try_binds4(r, "v6only", V6_PORT + 1);
	o = v6_listener4(r, "v6only_v4_listen", r->b4, "0.0.0.0", V6_PORT + 1);
	v6_dual_one(r, "to_v4", o, r->b4, "127.0.0.1", V6_PORT + 1);
	v6_dual_one(r, "to_v6", h, r->b6, "::1", V6_PORT + 1);
	v6_close(&o);
	v6_close(&h);

	h = v6_listener(r, "hold_lo6", r->a6, "::1", V6_PORT + 2, -1, -1);
	v6_try_binds4(r, "lo6", V6_PORT + 2);
	v6_try_binds6(r, "lo6", V6_PORT + 2);
	v6_close(&h);

	h = v6_sock(r, NULL, r->a6, 0, 1);
	v6_note(r, "hold_reuse", v6_bind6(h, "::", V6_PORT + 3));
	v6_try_binds4(r, "reuse", V6_PORT + 3);
	v6_close(&h);
	h = v6_listener(r, "hold_mapped", r->a6, "::ffff:127.0.0.1",
			V6_PORT + 4, -1, -1);
	v6_try_binds4(r, "mapped", V6_PORT + 4);
	v6_try_binds6(r, "mapped", V6_PORT + 4);
	v6_close(&h);
}

/* 1 MiB each way at once over @c and @s, then FIN both ways. */
static void v6_bulk(struct v6_run *r, const char *what, int c, int s)
{
	struct ktcp_xfer xc = { .fd = c, .send_len = V6_XFER, .send_seed = 61,
				.shut_wr = true, .recv_seed = 62,
				.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS) };
	struct ktcp_xfer xs = { .fd = s, .send_len = V6_XFER, .send_seed = 62,
				.shut_wr = true, .recv_seed = 61,
				.idle_ms = ktcp_ms(KTCP_IO_IDLE_MS) };
	uint64_t sum = ktcp_stream_sum(61, V6_XFER);
	pthread_t th;

	if (c < 0 || s < 0) {
		v6_printf(r, "%s=no-connection ", what);
		return;
	}
	pthread_create(&th, NULL, ktcp_xfer_thread, &xc);
	ktcp_xfer_run(&xs);
	pthread_join(th, NULL);
	v6_printf(r, "%s=c:%s,%llu,%llu,%d,%d/s:%s,%llu,%llu,%d,%d ", what,
		  xc.err ? strerrorname_np(-xc.err) : "0",
		  (unsigned long long)xc.tx.off, (unsigned long long)xc.rx.off,
		  xc.eof, xc.rx.sum == ktcp_stream_sum(62, V6_XFER),
		  xs.err ? strerrorname_np(-xs.err) : "0",
		  (unsigned long long)xs.tx.off, (unsigned long long)xs.rx.off,
		  xs.eof, xs.rx.sum == sum);
}

/* A connection to @ip:@port of @l: echo, bulk, then a FIN each way. */
static void v6_data_one(struct v6_run *r, const char *what, int l,
			int family, const char *ip, int port)
{
	char step[64], buf[8];
	int c, s;

	snprintf(step, sizeof(step), "%s_connect", what);
	c = v6_client(r, step, family, ip, port);
	snprintf(step, sizeof(step), "%s_accept", what);
	s = c < 0 ? -1 : v6_accept(r, step, l);
	snprintf(step, sizeof(step), "%s_echo", what);
	v6_echo(r, step, c, s);
	snprintf(step, sizeof(step), "%s_bulk", what);
	v6_bulk(r, step, c, s);
	v6_close(&c);
	v6_close(&s);

	/* shutdown(SHUT_WR), data after it the other way, close() */
	snprintf(step, sizeof(step), "%s_connect2", what);
	c = v6_client(r, step, family, ip, port);
	s = c < 0 ? -1 : v6_accept(r, "accept2", l);
	v6_note(r, "shut_wr", shutdown(c, SHUT_WR));
	v6_printf(r, "fin_read=%zd ", recv(s, buf, sizeof(buf), 0));
	v6_pass(r, "after_fin", s, c, "bye6");
	v6_close(&s);
	v6_printf(r, "close_read=%zd ", recv(c, buf, sizeof(buf), 0));
	v6_close(&c);
}

static void v6_data(struct v6_run *r)
{
	int l = v6_listener(r, "listen_lo6", r->a6, "::1", V6_PORT, -1, -1);
	int l2 = v6_listener(r, "listen_dual", r->a6, "::", V6_PORT + 1, 0, -1);

	v6_data_one(r, "lo6", l, r->b6, "::1", V6_PORT);
	v6_data_one(r, "v4_dual", l2, r->b4, "127.0.0.1", V6_PORT + 1);
	v6_data_one(r, "mapped_dual", l2, r->b6, "::ffff:127.0.0.1",
		    V6_PORT + 1);
	v6_close(&l);
	v6_close(&l2);
}

static void v6_sockopts(struct v6_run *r)
{
	static const struct {
		const char *name;
		int opt, val;
	} sets[] = {
		{ "tclass_40", IPV6_TCLASS, 0x28 },
		{ "tclass_m1", IPV6_TCLASS, -1 },
		{ "tclass_256", IPV6_TCLASS, 256 },
		{ "tclass_m2", IPV6_TCLASS, -2 },
		{ "tclass_255", IPV6_TCLASS, 255 },
		{ "hops_10", IPV6_UNICAST_HOPS, 10 },
		{ "hops_m1", IPV6_UNICAST_HOPS, -1 },
		{ "hops_256", IPV6_UNICAST_HOPS, 256 },
		{ "hops_m2", IPV6_UNICAST_HOPS, -2 },
		{ "hops_255", IPV6_UNICAST_HOPS, 255 },
		{ "hops_0", IPV6_UNICAST_HOPS, 0 },
	};
	int fd = v6_sock(r, "socket", r->a6, -1, -1), one = 1, c, s;
	char step[64];
	size_t i;

	v6_getint(r, "v6only", fd, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_note(r, "v6only_set1", v6_setint(fd, SOL_IPV6, IPV6_V6ONLY, 1));
	v6_getint(r, "v6only_1", fd, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_getint(r, "v6only_len1", fd, SOL_IPV6, IPV6_V6ONLY, 1);
	v6_note(r, "v6only_setlen1", setsockopt(fd, SOL_IPV6, IPV6_V6ONLY,
						&one, 1));
	v6_note(r, "v6only_set0", v6_setint(fd, SOL_IPV6, IPV6_V6ONLY, 0));
	v6_getint(r, "tclass", fd, SOL_IPV6, IPV6_TCLASS, sizeof(int));
	v6_getint(r, "hops", fd, SOL_IPV6, IPV6_UNICAST_HOPS, sizeof(int));
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		v6_note(r, sets[i].name, v6_setint(fd, SOL_IPV6, sets[i].opt,
						   sets[i].val));
		snprintf(step, sizeof(step), "%s_get", sets[i].name);
		v6_getint(r, step, fd, SOL_IPV6, sets[i].opt, sizeof(int));
	}
	v6_note(r, "tclass_set", v6_setint(fd, SOL_IPV6, IPV6_TCLASS, 0x20));
	v6_note(r, "hops_set", v6_setint(fd, SOL_IPV6, IPV6_UNICAST_HOPS, 7));
	v6_note(r, "bind", v6_bind6(fd, "::", V6_PORT));
	v6_note(r, "v6only_after_bind", v6_setint(fd, SOL_IPV6, IPV6_V6ONLY,
						  1));
	v6_getint(r, "v6only_bound", fd, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_note(r, "listen", listen(fd, 4));
	c = v6_client(r, "connect", r->a6, "::1", V6_PORT);
	s = v6_accept(r, "accept", fd);
	v6_getint(r, "child_tclass", s, SOL_IPV6, IPV6_TCLASS, sizeof(int));
	v6_getint(r, "child_hops", s, SOL_IPV6, IPV6_UNICAST_HOPS,
		  sizeof(int));
	v6_getint(r, "child_v6only", s, SOL_IPV6, IPV6_V6ONLY, sizeof(int));
	v6_note(r, "child_v6only_set", v6_setint(s, SOL_IPV6, IPV6_V6ONLY, 1));
	v6_getint(r, "client_tclass", c, SOL_IPV6, IPV6_TCLASS, sizeof(int));
	v6_note(r, "client_tclass_set", v6_setint(c, SOL_IPV6, IPV6_TCLASS,
						  0x10));
	v6_getint(r, "client_tclass_get", c, SOL_IPV6, IPV6_TCLASS,
		  sizeof(int));
	v6_echo(r, "echo", c, s);
	v6_close(&c);
	v6_close(&s);
	v6_close(&fd);
}

/* ---- running a case: a fresh namespace each time, logs compared ---- */

/* lo up, ::1 usable, a short ktcp TIME_WAIT (none outlives the run). */
static int v6_netns(void)
{
	int fd;

	if (unshare(CLONE_NEWNET) || ktcp_if_up("lo"))
		return -1;
	if (!access("/proc/sys/net/ktcp/tw_timeout_ms", W_OK))
		v6_sysctl("/proc/sys/net/ktcp/tw_timeout_ms", "1000");
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || v6_bind6(fd, "::1", 0))
		return -1;
	close(fd);
	return 0;
}

/* Run @fn in a child in a fresh namespace; its log comes back in @r. */
static int v6_run_one(void (*fn)(struct v6_run *), struct v6_run *r,
		      int *status)
{
	struct v6_run *shared;
	pid_t pid;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	*shared = *r;
	pid = fork();
	if (pid == 0) {
		alarm(ktcp_ms(120000) / 1000 + 1);
		if (v6_netns())
			_exit(2);
		fn(shared);
		_exit(0);
	}
	*status = -1;
	if (pid < 0 || waitpid(pid, status, 0) != pid || *status) {
		munmap(shared, sizeof(*shared));
		return -1;
	}
	*r = *shared;
	munmap(shared, sizeof(*shared));
	return 0;
}

/* The first step whose result differs, for the log. */
static void v6_first_diff(struct __test_metadata *_metadata,
			  const char *want, const char *got)
{
	const char *w = want, *g = got;

	while (*w && *w == *g) {
		w++;
		g++;
	}
	while (w > want && w[-1] != ' ')
		w--;
	g = got + (w - want);
	TH_LOG("first difference: Linux \"%.*s\", got \"%.*s\"",
	       (int)strcspn(w, " "), w, (int)strcspn(g, " "), g);
}

/* The last comparison's runs: native, then the ktcp pairings. */
static struct v6_run ref, mix[3];

static void v6_compare(struct __test_metadata *_metadata,
		       void (*fn)(struct v6_run *), bool mixed)
{
	int k4 = ktcp_family(), k6 = ktcp_family6(), i, st;
	static const char *const names[] = {
		"A ktcp, B ktcp", "A ktcp, B native", "A native, B ktcp",
	};

	ref = (struct v6_run){ .a4 = AF_INET, .a6 = AF_INET6,
			       .b4 = AF_INET, .b6 = AF_INET6 };
	mix[0] = (struct v6_run){ .a4 = k4, .a6 = k6, .b4 = k4, .b6 = k6 };
	mix[1] = (struct v6_run){ .a4 = k4, .a6 = k6,
				  .b4 = AF_INET, .b6 = AF_INET6 };
	mix[2] = (struct v6_run){ .a4 = AF_INET, .a6 = AF_INET6,
				  .b4 = k4, .b6 = k6 };
	/* ktcp's runs must not be native ones in disguise */
	if (k4 != AF_INET)
		ASSERT_TRUE(k6 != AF_INET6 && k6 != AF_INET && k6 != k4)
			TH_LOG("families %d and %d: not ktcp's", k4, k6);
	ASSERT_EQ(0, v6_run_one(fn, &ref, &st))
		TH_LOG("native run: child status 0x%x (2: no namespace, lo or ::1)",
		       st);
	TH_LOG("native (Linux): %s", ref.log);
	for (i = 0; i < (mixed ? 3 : 1); i++) {
		ASSERT_EQ(0, v6_run_one(fn, &mix[i], &st))
			TH_LOG("%s (families %d/%d, %d/%d): child status 0x%x",
			       names[i], mix[i].a4, mix[i].a6, mix[i].b4,
			       mix[i].b6, st);
		EXPECT_STREQ(ref.log, mix[i].log) {
			TH_LOG("%s (families %d/%d, %d/%d) differs from Linux",
			       names[i], mix[i].a4, mix[i].a6, mix[i].b4,
			       mix[i].b6);
			v6_first_diff(_metadata, ref.log, mix[i].log);
		}
	}
}

FIXTURE(ipv6) {};
FIXTURE_SETUP(ipv6) {}
FIXTURE_TEARDOWN(ipv6) {}

TEST_F_TIMEOUT(ipv6, bind_addrs, 300)
{
	v6_compare(_metadata, v6_bind_addrs, false);
}

TEST_F_TIMEOUT(ipv6, connect_addrs, 300)
{
	v6_compare(_metadata, v6_connect_addrs, false);
}

TEST_F_TIMEOUT(ipv6, flowinfo, 300)
{
	v6_compare(_metadata, v6_flowinfo, false);
	EXPECT_EQ(0, ref.mgr_errno);
	/* the documented deviation: no flow label manager on AF_KTCP6 */
	if (ktcp_family6() != AF_INET6)
		EXPECT_EQ(ENOPROTOOPT, mix[0].mgr_errno);
}

TEST_F_TIMEOUT(ipv6, link_local, 300)
{
	static const char *const must[] = {
		"veth=0 ", "bind_scope=0 ", "connect_scope=0 ",
		"accept=[fe80::1]:eph/28,fl=0,sc=v6a ",
		"echo_up=\"ping6\" echo_down=\"pong6\" ", "connect_dev=0 ",
		"accept2=[fe80::2]:eph/28,fl=0,sc=v6b ",
		"echo2_up=\"ping6\" echo2_down=\"pong6\" ",
	};
	size_t i;

	v6_compare(_metadata, v6_link_local, true);
	/*
	 * Not vacuous: on native TCP (so on ktcp, whose logs equal it) both
	 * link-local connections came up, scope ids named, and moved data.
	 */
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		EXPECT_TRUE(strstr(ref.log, must[i]) != NULL)
			TH_LOG("native run lacks step %zu of the list", i);
}

TEST_F_TIMEOUT(ipv6, dual_stack, 300)
{
	v6_compare(_metadata, v6_dual_stack, true);
}

TEST_F_TIMEOUT(ipv6, bindv6only, 300)
{
	v6_compare(_metadata, v6_bindv6only, true);
}

TEST_F_TIMEOUT(ipv6, ports_v4_v6, 300)
{
	v6_compare(_metadata, v6_ports_v4_v6, true);
}

TEST_F_TIMEOUT(ipv6, ports_v6_v4, 300)
{
	v6_compare(_metadata, v6_ports_v6_v4, true);
}

TEST_F_TIMEOUT(ipv6, transfer, 600)
{
	v6_compare(_metadata, v6_data, true);
}

TEST_F_TIMEOUT(ipv6, sockopts, 300)
{
	v6_compare(_metadata, v6_sockopts, false);
}

TEST_HARNESS_MAIN
