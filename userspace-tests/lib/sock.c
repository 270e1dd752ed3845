// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets for the tests and tools: every blocking step has a timeout, so
 * a broken stack fails a test instead of hanging it.
 */
#include "ktcptest.h"

#include <net/if.h>

struct sockaddr_in ktcp_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sa.sin_addr);
	return sa;
}

struct sockaddr_in6 ktcp_sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sa = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
	};

	inet_pton(AF_INET6, ip, &sa.sin6_addr);
	return sa;
}

int ktcp_in6(const char *ip, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':'))
		return inet_pton(AF_INET6, ip, a) == 1 ? 0 : -EINVAL;
	a->s6_addr32[2] = htonl(0xffff);
	return inet_pton(AF_INET, ip, &a->s6_addr32[3]) == 1 ? 0 : -EINVAL;
}

/*
 * An IPv6 address has a ':'; "%dev" after it is the scope: the index of
 * interface dev in the calling thread's netns (as getaddrinfo() reads it).
 */
socklen_t ktcp_sockaddr(struct sockaddr_storage *ss, const char *ip,
			uint16_t port)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	const char *dev;

	memset(ss, 0, sizeof(*ss));
	if (!strchr(ip, ':')) {
		*(struct sockaddr_in *)ss = ktcp_sin(ip, port);
		return sizeof(struct sockaddr_in);
	}
	snprintf(addr, sizeof(addr), "%s", ip);
	dev = strchr(ip, '%');
	if (dev) {
		addr[dev - ip] = 0;
		s6->sin6_scope_id = if_nametoindex(dev + 1);
		if (!s6->sin6_scope_id)
			return 0;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ? sizeof(*s6) : 0;
}

static int sock_port(int fd, bool peer)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int ret = peer ? getpeername(fd, (struct sockaddr *)&sa, &len) :
			 getsockname(fd, (struct sockaddr *)&sa, &len);

	/* sin_port and sin6_port are at the same place */
	return ret ? -errno : ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

int ktcp_local_port(int fd)
{
	return sock_port(fd, false);
}

int ktcp_peer_port(int fd)
{
	return sock_port(fd, true);
}

int ktcp_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl) ? -errno : 0;
}

/*
 * Teardown after a failure must not leave an orphan retransmitting for
 * minutes: it would keep the module busy for the rmmod test.
 */
void ktcp_abort_fd(int *fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (*fd < 0)
		return;
	setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(*fd);
	*fd = -1;
}

int ktcp_set_io_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int __ktcp_socket(struct __test_metadata *t, int family)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		KTCP_FAIL(t, "socket(%d, SOCK_STREAM, 0): %s%s", family,
			  strerror(errno),
			  family != AF_INET ? " (is ktcp.ko loaded? family from "
			  KTCP_FAMILY_SYSFS ")" : "");
	return fd;
}

int ktcp_socket(struct __test_metadata *t)
{
	return __ktcp_socket(t, ktcp_family());
}

int native_socket(struct __test_metadata *t)
{
	return __ktcp_socket(t, AF_INET);
}

/* socket(@family), bound to device @dev (SO_BINDTODEVICE) if not NULL */
static int sock_dev(struct __test_metadata *t, int family, const char *dev)
{
	int fd = __ktcp_socket(t, family);

	if (dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev,
			      strlen(dev)))
		KTCP_FAIL(t, "SO_BINDTODEVICE %s: %s", dev, strerror(errno));
	return fd;
}

/* @ip, @port as ktcp_sockaddr() makes them, or the test fails. */
static socklen_t sock_addr(struct __test_metadata *t,
			   struct sockaddr_storage *ss, const char *ip,
			   uint16_t port)
{
	socklen_t len = ktcp_sockaddr(ss, ip, port);

	if (!len)
		KTCP_FAIL(t, "bad address %s (or no such device)", ip);
	return len;
}

/*
 * socket(@family) + SO_REUSEADDR + bind(@ip:@port) + listen(@backlog).
 * Port 0 picks an ephemeral one; *@port_out gets the bound port.
 */
int ktcp_listener(struct __test_metadata *t, int family, const char *ip,
		  uint16_t port, int backlog, uint16_t *port_out)
{
	return ktcp_listener_dev(t, family, ip, NULL, port, backlog, port_out);
}

int ktcp_listener_dev(struct __test_metadata *t, int family, const char *ip,
		      const char *dev, uint16_t port, int backlog,
		      uint16_t *port_out)
{
	struct sockaddr_storage sa;
	socklen_t len = sock_addr(t, &sa, ip, port);
	int fd = sock_dev(t, family, dev);
	int one = 1, p;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		KTCP_FAIL(t, "SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, len))
		KTCP_FAIL(t, "bind(%s:%u) family %d: %s", ip, port, family,
			  strerror(errno));
	if (listen(fd, backlog))
		KTCP_FAIL(t, "listen(backlog %d): %s", backlog,
			  strerror(errno));
	p = ktcp_local_port(fd);
	if (p <= 0)
		KTCP_FAIL(t, "getsockname on listener: %s", strerror(-p));
	if (port && p != port)
		KTCP_FAIL(t, "listener bound to wrong port %d, not %u", p, port);
	if (port_out)
		*port_out = p;
	return fd;
}

static int wait_connected(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int ret, err = 0;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return errno;
	if (ret == 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

int ktcp_connect_fd(int fd, const struct sockaddr_in *sa, int timeout_ms)
{
	return ktcp_connect_sa(fd, sa, sizeof(*sa), timeout_ms);
}

/* The socket's blocking mode is restored afterwards. */
int ktcp_connect_sa(int fd, const void *sa, socklen_t len, int timeout_ms)
{
	int fl = fcntl(fd, F_GETFL), err = 0;

	if (fl < 0)
		return -errno;
	if (fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, len))
		err = errno == EINPROGRESS ? wait_connected(fd, timeout_ms) :
					     errno;
	fcntl(fd, F_SETFL, fl);
	return -err;
}

int ktcp_connect(struct __test_metadata *t, int family, const char *ip,
		 uint16_t port)
{
	return ktcp_connect_dev(t, family, ip, NULL, port);
}

int ktcp_connect_dev(struct __test_metadata *t, int family, const char *ip,
		     const char *dev, uint16_t port)
{
	struct sockaddr_storage sa;
	socklen_t len = sock_addr(t, &sa, ip, port);
	int fd = sock_dev(t, family, dev);
	int ret = ktcp_connect_sa(fd, &sa, len, ktcp_ms(KTCP_IO_IDLE_MS));

	if (ret)
		KTCP_FAIL(t, "connect(%s:%u) family %d: %s", ip, port, family,
			  strerror(-ret));
	return fd;
}

int ktcp_poll1(int fd, short events, int timeout_ms, short *revents)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long end = ktcp_now_ms() + timeout_ms;
	int ret;

	for (;;) {
		int left = (int)(end - ktcp_now_ms());

		ret = poll(&pfd, 1, left < 0 ? 0 : left);
		if (ret >= 0 || errno != EINTR)
			break;
	}
	if (ret < 0)
		return -errno;
	if (revents)
		*revents = pfd.revents;
	return ret;
}

int ktcp_accept_fd(int lfd, int timeout_ms)
{
	int ret = ktcp_poll1(lfd, POLLIN, timeout_ms, NULL);
	int fd;

	if (ret < 0)
		return ret;
	if (ret == 0)
		return -ETIMEDOUT;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int ktcp_accept(struct __test_metadata *t, int lfd)
{
	int fd = ktcp_accept_fd(lfd, ktcp_ms(KTCP_IO_IDLE_MS));

	if (fd < 0)
		KTCP_FAIL(t, "accept: %s", strerror(-fd));
	return fd;
}

/*
 * One non-blocking send() or recv() and, when it would block, a wait of up
 * to @idle_ms for @events: >0 bytes moved, 0 EOF (recv), -EAGAIN ready
 * again, or -errno.
 */
static ssize_t io_step(int fd, char *p, size_t len, bool tx, int idle_ms)
{
	ssize_t n = tx ? send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) :
			 recv(fd, p, len, MSG_DONTWAIT);

	if (n >= 0)
		return n;
	if (errno == EINTR)
		return -EAGAIN;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	n = ktcp_poll1(fd, tx ? POLLOUT : POLLIN, idle_ms, NULL);
	if (n < 0)
		return n;
	return n ? -EAGAIN : -ETIMEDOUT;
}

/* All of @len, or up to EOF when receiving: the count or -errno. */
static ssize_t io_all(int fd, char *p, size_t len, bool tx, int idle_ms)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = io_step(fd, p + done, len - done, tx, idle_ms);

		if (n == 0 && tx)
			return -EIO;
		if (n == 0)
			break;
		if (n == -EAGAIN)
			continue;
		if (n < 0)
			return n;
		done += n;
	}
	return done;
}

ssize_t ktcp_send_all(int fd, const void *buf, size_t len, int idle_ms)
{
	return io_all(fd, (char *)buf, len, true, idle_ms);
}

ssize_t ktcp_recv_all(int fd, void *buf, size_t len, int idle_ms)
{
	return io_all(fd, buf, len, false, idle_ms);
}

ssize_t ktcp_wait_eof(int fd, int idle_ms)
{
	char c[256];

	return ktcp_recv_all(fd, c, sizeof(c), idle_ms);
}

/*
 * A new connection of @family on 127.0.0.1 carries four bytes: 0, or
 * -errno. The fuzzers' check that the stack still works after them.
 */
int ktcp_lo_ping(int family)
{
	return ktcp_lo_ping_at(family, "127.0.0.1");
}

int ktcp_lo_ping_at(int family, const char *ip)
{
	struct sockaddr_storage sa;
	socklen_t len = ktcp_sockaddr(&sa, ip, 0), sl = len;
	int l, a = -1, c = -1, err = -EIO;
	char buf[8];

	if (!len)
		return -EINVAL;
	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, len) ||
	    listen(l, 4) || getsockname(l, (struct sockaddr *)&sa, &sl))
		goto out_errno;
	c = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		goto out_errno;
	err = ktcp_connect_sa(c, &sa, len, ktcp_ms(5000));
	if (err)
		goto out;
	a = ktcp_accept_fd(l, ktcp_ms(5000));
	if (a < 0) {
		err = a;
		goto out;
	}
	err = send(c, "ping", 4, 0) == 4 &&
	      ktcp_recv_all(a, buf, 4, ktcp_ms(5000)) == 4 &&
	      send(a, "pong", 4, 0) == 4 &&
	      ktcp_recv_all(c, buf + 4, 4, ktcp_ms(5000)) == 4 &&
	      !memcmp(buf, "pingpong", 8) ? 0 : -EIO;
	goto out;
out_errno:
	err = -errno;
out:
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	return err;
}
