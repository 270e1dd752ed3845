// SPDX-License-Identifier: GPL-2.0
/*
 * The calls parity cases make (lib/parity.c runs them): each records what
 * it did on the socket under test in the case's line, normalized so that
 * the two stacks' lines compare (errno names, port classes, no pointers).
 * Arguments come from struct par_op (ktcptest.h says which field is what).
 */
#include "ktcptest.h"	/* first: it defines _GNU_SOURCE */

#include <ctype.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/sockios.h>

/* len: 0 is sizeof(struct sockaddr_in), negative is 0. */
static socklen_t mk_addr(const struct par_ctx *c, const struct par_sa *s,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	int port = s->port == PAR_PORT_L ? c->env->lport :
		   s->port == PAR_PORT_B ? c->env->bh_port : s->port;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = s->family;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, s->ip, &sin->sin_addr);
	return s->len > 0 ? (socklen_t)s->len : s->len ? 0 : sizeof(*sin);
}

static void rec_name(struct par_ctx *c, int fd, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int ret = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
			 getsockname(fd, (struct sockaddr *)&ss, &len);

	if (par_ret(c, peer ? "peername" : "sockname", ret) == 0)
		par_addr(c, &ss, len);
}

static void nonblock(struct par_ctx *c, const struct par_op *op, bool on)
{
	if (op->b & PAR_F_NONBLOCK)
		ktcp_set_nonblock(c->fd, on);
}

void par_op_bind(struct par_ctx *c, const struct par_op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = mk_addr(c, op->p, &ss);

	par_ret(c, "bind", bind(c->fd, op->b & PAR_F_NULL ? NULL :
				(struct sockaddr *)&ss, len));
	rec_name(c, c->fd, false);
}

void par_op_connect(struct par_ctx *c, const struct par_op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = mk_addr(c, op->p, &ss);

	nonblock(c, op, true);
	par_ret(c, "connect", connect(c->fd, op->b & PAR_F_NULL ? NULL :
				      (struct sockaddr *)&ss, len));
	nonblock(c, op, false);
	rec_name(c, c->fd, false);
	rec_name(c, c->fd, true);
}

/* connect() twice: what the second says while or after the first ran. */
void par_op_connect2(struct par_ctx *c, const struct par_op *op)
{
	par_op_connect(c, op);
	par_probe(c);
	par_op_connect(c, op);
}

void par_op_listen(struct par_ctx *c, const struct par_op *op)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	par_ret(c, "listen", listen(c->fd, op->v));
	if (!getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) &&
	    ti.tcpi_state == KT_LISTEN)
		par_printf(c, " backlog=%u", ti.tcpi_sacked);
	rec_name(c, c->fd, false);
}

/* listen(), a native client connects, accept(): the whole server path. */
void par_op_listen_accept(struct par_ctx *c, const struct par_op *op)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", 0);
	int port, ret, *cli = &c->extra[0], *fd = &c->extra[1];

	par_op_listen(c, op);
	par_probe(c);
	port = ktcp_local_port(c->fd);
	*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_port = htons(port > 0 ? port : PAR_PORT_CLOSED);
	ret = ktcp_connect_fd(*cli, &sa, ktcp_ms(2000));
	errno = -ret;
	par_ret(c, "native-connect", ret ? -1 : 0);
	par_probe(c);
	*fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK);
	par_ret(c, "accept", *fd < 0 ? -1 : 0);
}

static void rec_accepted(struct par_ctx *c, int fd)
{
	int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);

	par_printf(c, " nonblock=%d cloexec=%d", !!(fl & O_NONBLOCK),
		   !!(fdf & FD_CLOEXEC));
	rec_name(c, fd, false);
	rec_name(c, fd, true);
	par_printf(c, " state=%s", ktcp_state_name(par_tcp_state(fd)));
}

/*
 * accept4(flags a); len: -1 no address, -2 NULL addrlen, -3 addrlen -1,
 * else addrlen.
 */
void par_op_accept(struct par_ctx *c, const struct par_op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = op->len == -3 ? (socklen_t)-1 : (socklen_t)op->len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	nonblock(c, op, true);
	if (op->len == -1)
		fd = accept4(c->fd, NULL, NULL, op->a);
	else
		fd = accept4(c->fd, (struct sockaddr *)&ss,
			     op->len == -2 ? NULL : &len, op->a);
	nonblock(c, op, false);
	if (par_ret(c, "accept", fd < 0 ? -1 : 0) < 0)
		return;
	c->extra[0] = fd;
	if (op->len >= 0)
		par_addr(c, &ss, len);
	rec_accepted(c, fd);
}

/* The queued client resets before accept(). */
void par_op_accept_reset(struct par_ctx *c, const struct par_op *op)
{
	char b[8];

	(void)op;
	ktcp_abort_fd(&c->peer);
	usleep(20000);
	par_probe(c);
	c->extra[0] = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK);
	if (par_ret(c, "accept", c->extra[0] < 0 ? -1 : 0) < 0)
		return;
	rec_accepted(c, c->extra[0]);
	par_ret(c, "recv", recv(c->extra[0], b, sizeof(b), 0));
}

/* What the peer got: waits a little, as a send may travel after return. */
static void rec_peer_got(struct par_ctx *c)
{
	char buf[64];
	ssize_t n;

	if (c->peer < 0)
		return;
	ktcp_poll1(c->peer, POLLIN, ktcp_ms(30), NULL);
	n = recv(c->peer, buf, sizeof(buf), MSG_DONTWAIT);
	par_ret(c, "peer-recv", n);
}

static ssize_t do_sendmsg(struct par_ctx *c, const struct par_op *op)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "hello", .iov_len = op->len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	switch (op->a) {
	case PAR_CMSG:	/* a SOL_SOCKET message TCP does not know */
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = (int)op->v;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		break;
	case PAR_BADIOV:
		m.msg_iov = NULL;
		break;
	case PAR_MANYIOV:
		m.msg_iovlen = 1025;	/* > UIO_MAXIOV */
		break;
	}
	return sendmsg(c->fd, &m, op->b);
}

/* send(): flags b, len bytes of "hello", a: which call. */
void par_op_send(struct par_ctx *c, const struct par_op *op)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", c->env->lport);
	const char *buf = op->a == PAR_SEND_NULLBUF ? NULL : "hello";
	ssize_t n;

	if (op->a == PAR_SEND || op->a == PAR_SEND_NULLBUF)
		n = send(c->fd, buf, op->len, op->b);
	else if (op->a == PAR_SENDTO)
		n = sendto(c->fd, buf, op->len, op->b, (struct sockaddr *)&sa,
			   sizeof(sa));
	else if (op->a == PAR_WRITE)
		n = write(c->fd, buf, op->len);
	else
		n = do_sendmsg(c, op);
	par_ret(c, "send", n);
	rec_peer_got(c);
}

void par_op_send2(struct par_ctx *c, const struct par_op *op)
{
	par_op_send(c, op);
	par_probe(c);
	par_op_send(c, op);
}

static void rec_buf(struct par_ctx *c, const char *buf, size_t n)
{
	size_t i;

	par_printf(c, " buf=");
	for (i = 0; i < n && i < 16; i++)
		par_printf(c, "%c", isprint((unsigned char)buf[i]) ? buf[i] :
				    '?');
}

static void rec_cmsgs(struct par_ctx *c, struct msghdr *m)
{
	struct cmsghdr *cm;

	par_printf(c, " flags=%#x clen=%zu", m->msg_flags,
		   (size_t)m->msg_controllen);
	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
		par_printf(c, " cmsg=%d/%d:%d", cm->cmsg_level, cm->cmsg_type,
			   *(int *)CMSG_DATA(cm));
}

/* recv(): flags b, a buffer of len bytes, a: which call. */
void par_op_recv(struct par_ctx *c, const struct par_op *op)
{
	char buf[64], cbuf[CMSG_SPACE(sizeof(int)) * 2];
	struct iovec iov = { .iov_base = buf, .iov_len = op->len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	ssize_t n;
	int i;

	for (i = 0; i < (op->a == PAR_RECV_TWICE ? 2 : 1); i++) {
		memset(buf, '.', sizeof(buf));
		if (op->a == PAR_RECVMSG)
			n = recvmsg(c->fd, &m, op->b);
		else if (op->a == PAR_READ)
			n = read(c->fd, buf, op->len);
		else
			n = recv(c->fd, op->a == PAR_RECV_NULLBUF ? NULL : buf,
				 op->len, i ? 0 : op->b);
		if (par_ret(c, "recv", n) > 0 || (n == 0 && op->len))
			rec_buf(c, buf, n > 0 ? n : 0);
		if (op->a == PAR_RECVMSG && n >= 0)
			rec_cmsgs(c, &m);
		if (op->a == PAR_RECV_TWICE && !i)
			par_probe(c);
	}
}

void par_op_shutdown(struct par_ctx *c, const struct par_op *op)
{
	par_ret(c, "shutdown", shutdown(c->fd, op->v));
	if (op->a) {	/* and again */
		par_probe(c);
		par_ret(c, "shutdown", shutdown(c->fd, op->v));
	}
}

/* get{sock,peer}name(): a peer; len: -1 NULL addrlen, -2 NULL address. */
void par_op_name(struct par_ctx *c, const struct par_op *op)
{
	struct sockaddr_storage ss;
	socklen_t len = op->len;
	struct sockaddr *sa = op->len == -2 ? NULL : (struct sockaddr *)&ss;
	socklen_t *lp = op->len == -1 ? NULL : &len;
	int ret;

	if (op->len == -2)
		len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	ret = op->a ? getpeername(c->fd, sa, lp) : getsockname(c->fd, sa, lp);
	if (par_ret(c, op->a ? "peername" : "sockname", ret) == 0)
		par_addr(c, &ss, len);
}

/* Values that differ from run to run whatever the stack. */
static bool opt_volatile(int level, int name)
{
	return level == SOL_SOCKET &&
	       (name == SO_COOKIE || name == SO_INCOMING_CPU);
}

static void rec_optval(struct par_ctx *c, const struct par_op *op,
		       const unsigned char *v, socklen_t len)
{
	socklen_t i;

	if (op->a == IPPROTO_TCP && op->b == TCP_CC_INFO)
		return;		/* the algorithm's own, if it has any */
	if (op->a == IPPROTO_TCP && op->b == TCP_INFO) {
		par_printf(c, " state=%s", len ? ktcp_state_name(v[0]) : "-");
		return;
	}
	if (op->a == SOL_SOCKET && op->b == SO_PEERNAME) {
		par_addr(c, v, len);
		return;
	}
	if (opt_volatile(op->a, op->b)) {	/* a CPU or a cookie: >= 0? */
		par_printf(c, " val=%s", *(const int *)v < 0 ? "-1" : "n");
		return;
	}
	if (len == sizeof(int)) {
		par_printf(c, " val=%d", *(const int *)v);
		return;
	}
	par_printf(c, " val=");
	for (i = 0; i < len && i < 24; i++)
		par_printf(c, "%02x", v[i]);
}

/* getsockopt(a, b): len bytes (-1: NULL optlen, -2: optlen -1). */
void par_op_getopt(struct par_ctx *c, const struct par_op *op)
{
	union { unsigned char b[512]; int i; } v;
	socklen_t len = op->len == -2 ? (socklen_t)-1 : (socklen_t)op->len;
	int ret;

	memset(&v, 0xa5, sizeof(v));
	ret = getsockopt(c->fd, op->a, op->b, &v,
			 op->len == -1 ? NULL : &len);
	if (par_ret(c, "getsockopt", ret) < 0)
		return;
	par_printf(c, " len=%d", (int)len);
	rec_optval(c, op, v.b, len < sizeof(v) ? len : sizeof(v));
}

/* The size getsockopt() wants for what op sets. */
static int optsize(const struct par_op *op)
{
	if (op->a == IPPROTO_TCP && op->b == TCP_CONGESTION)
		return 16;
	if (op->a != SOL_SOCKET)
		return sizeof(int);
	if (op->b == SO_LINGER)
		return sizeof(struct linger);
	if (op->b == SO_RCVTIMEO)
		return sizeof(struct timeval);
	if (op->b == SO_BINDTODEVICE)
		return IFNAMSIZ;
	return sizeof(int);
}

static void rec_readback(struct par_ctx *c, const struct par_op *op)
{
	struct par_op get = *op;

	get.len = optsize(op);
	par_op_getopt(c, &get);
}

/* setsockopt(a, b, v as an int; len: 0 sizeof(int), -1 NULL optval). */
void par_op_setopt(struct par_ctx *c, const struct par_op *op)
{
	int v = op->v;
	socklen_t len = op->len > 0 ? (socklen_t)op->len : sizeof(int);

	par_ret(c, "setsockopt", setsockopt(c->fd, op->a, op->b,
					    op->len == -1 ? NULL : &v, len));
	rec_readback(c, op);
}

/* setsockopt(a, b, p; len bytes, 0: strlen(p)). */
void par_op_setopt_buf(struct par_ctx *c, const struct par_op *op)
{
	socklen_t len = op->len ? (socklen_t)op->len : strlen(op->p);

	par_ret(c, "setsockopt", setsockopt(c->fd, op->a, op->b, op->p, len));
	rec_readback(c, op);
}

/* The ops of p (a NULL-ended array) in turn, a probe after each. */
void par_op_seq(struct par_ctx *c, const struct par_op *op)
{
	const struct par_op *const *s;

	for (s = op->p; *s; s++) {
		if (s != op->p)
			par_probe(c);
		(*s)->fn(c, *s);
	}
}

/*
 * setsockopt(a, b, v) on a listener, a native client connects, and
 * getsockopt(a, b) on the accept()ed socket: what a child inherits.
 */
void par_op_inherit(struct par_ctx *c, const struct par_op *op)
{
	struct par_op get = *op;
	int fd;

	if (op->p)
		par_op_setopt_buf(c, op);
	else
		par_op_setopt(c, op);
	par_probe(c);
	c->extra[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	par_ret(c, "native-connect", par_connect_to(c->extra[0], "127.0.0.1",
						    ktcp_local_port(c->fd)));
	fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
	if (par_ret(c, "accept", fd < 0 ? -1 : 0) < 0)
		return;
	c->extra[1] = fd;
	get.len = optsize(op);
	fd = c->fd;		/* the child answers */
	c->fd = c->extra[1];
	par_op_getopt(c, &get);
	c->extra[1] = c->fd;
	c->fd = fd;
}

/* ioctl(a); b: PAR_F_NULL for a NULL argument; v: an interface request. */
void par_op_ioctl(struct par_ctx *c, const struct par_op *op)
{
	struct ifreq ifr;
	int v = -12345, ret;
	void *arg = &v;

	if (op->v) {
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		arg = &ifr;
	}
	ret = ioctl(c->fd, op->a, op->b & PAR_F_NULL ? NULL : arg);
	if (par_ret(c, "ioctl", ret) < 0)
		return;
	if (op->v)
		par_printf(c, " ifr=%08x", *(unsigned int *)&ifr.ifr_addr);
	else
		par_printf(c, " val=%d", v);
}

