// SPDX-License-Identifier: GPL-2.0
/*
 * errno parity: socket calls and short sequences (socket state x call x
 * flags x bad arguments), each run from the same starting state on native
 * AF_INET TCP and on ktcp in the same namespace, the peer and listeners
 * native TCP in both runs, comparing return values, errno, values read
 * back, poll() masks after every step, the TCP state and SIGPIPE
 * (lib/parity.c runs the cases and prints each difference: the case,
 * "state/call", and both results). ALLOW lists the differences that are
 * deliberate or known, each with its reason and an entry in
 * Documentation/user-guide.rst ("Differences from native TCP").
 *
 * KTCP_TEST_FAMILY=inet compares native TCP with itself: every case must
 * agree, which shows that the cases are deterministic.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#ifndef TCP_IS_MPTCP
#define TCP_IS_MPTCP	43
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE	51
#endif
#define PAR_MSG_UNKNOWN	0x10000000	/* no MSG_* flag has this bit */

/* States in which the result of an option or ioctl can depend on it. */
#define S_OPT	(PAR_S(FRESH) | PAR_S(LISTEN) | PAR_S(CONNECTED) | \
		 PAR_S(ACCEPTED) | PAR_S(RESET))
#define S_ARGS	(PAR_S(FRESH) | PAR_S(CONNECTED))
#define S_CONN	(PAR_S(CONNECTED) | PAR_S(ACCEPTED) | PAR_S(READABLE) | \
		 PAR_S(PEER_CLOSED) | PAR_S(SHUT_WR) | PAR_S(SHUT_RD) | \
		 PAR_S(RESET))

/* ---- the cases: each op runs in every state of its mask ---- */

#define OP(name, fn, st, ...)	{ name, par_op_##fn, st, __VA_ARGS__ }

static const struct par_op bind_ops[] = {
	OP("bind 127.0.0.1:0", bind, PAR_ALL, .p = LO(0)),
	OP("bind 0.0.0.0:0", bind, S_ARGS, .p = SA(AF_INET, "0.0.0.0", 0, 0)),
	OP("bind 127.0.0.1:free", bind, S_ARGS | PAR_S(UNSPEC),
	   .p = LO(PAR_PORT_FREE)),
	OP("bind 127.0.0.1:80", bind, S_ARGS, .p = LO(80)),
	OP("bind 127.0.0.1:native-listener", bind, S_ARGS, .p = LO(PAR_PORT_L)),
	OP("bind 0.0.0.0:native-listener", bind, S_ARGS, .p = SA(AF_INET,
	   "0.0.0.0", PAR_PORT_L, 0)),
	OP("bind 127.0.0.2:native-listener", bind, S_ARGS, .p = SA(AF_INET,
	   "127.0.0.2", PAR_PORT_L, 0)),
	OP("bind addrlen 15", bind, S_ARGS, .p = SA(AF_INET, "127.0.0.1", 0,
	   15)),
	OP("bind addrlen 0", bind, S_ARGS, .p = SA(AF_INET, "127.0.0.1", 0,
	   -1)),
	OP("bind addrlen 129", bind, S_ARGS, .p = SA(AF_INET, "127.0.0.1", 0,
	   129)),
	OP("bind NULL", bind, S_ARGS, .p = LO(0), .b = PAR_F_NULL),
	OP("bind AF_INET6", bind, S_ARGS, .p = SA(AF_INET6, "127.0.0.1", 0, 0)),
	OP("bind AF_UNSPEC 0.0.0.0", bind, S_ARGS, .p = SA(AF_UNSPEC, "0.0.0.0",
	   0, 0)),
	OP("bind AF_UNSPEC 127.0.0.1", bind, S_ARGS, .p = SA(AF_UNSPEC,
	   "127.0.0.1", 0, 0)),
	OP("bind 255.255.255.255", bind, S_ARGS, .p = SA(AF_INET,
	   "255.255.255.255", 0, 0)),
	OP("bind 224.0.0.1", bind, S_ARGS, .p = SA(AF_INET, "224.0.0.1", 0, 0)),
	OP("bind 192.0.2.1 (not local)", bind, S_ARGS, .p = SA(AF_INET,
	   "192.0.2.1", 0, 0)),
	{ .name = NULL }
};

static const struct par_op listen_accept_ops[] = {
	OP("listen 0", listen, PAR_ALL, .v = 0),
	OP("listen -1", listen, S_ARGS | PAR_S(LISTEN), .v = -1),
	OP("listen INT_MAX", listen, S_ARGS, .v = INT_MAX),
	OP("listen 1, connect, accept", listen_accept,
	   PAR_S(FRESH) | PAR_S(BOUND) | PAR_S(LISTEN) | PAR_S(UNSPEC), .v = 1),
	OP("accept", accept, PAR_ALL, .len = -1),
	OP("accept O_NONBLOCK", accept, PAR_ALL, .len = -1,
	   .b = PAR_F_NONBLOCK),
	OP("accept4 NONBLOCK|CLOEXEC addrlen 16", accept, PAR_S(PENDING),
	   .a = SOCK_NONBLOCK | SOCK_CLOEXEC, .len = 16),
	OP("accept addrlen 4", accept, PAR_S(PENDING), .len = 4),
	OP("accept addrlen 0", accept, PAR_S(PENDING), .len = 0),
	OP("accept addrlen NULL", accept, PAR_S(PENDING), .len = -2),
	OP("accept addrlen -1", accept, PAR_S(PENDING), .len = -3),
	OP("accept4 bad flags", accept, PAR_S(PENDING) | PAR_S(FRESH), .a = 1,
	   .len = -1),
	OP("accept after the client's RST", accept_reset, PAR_S(PENDING),
	   .len = 0),
	{ .name = NULL }
};

static const struct par_op connect_ops[] = {
	OP("connect listener", connect, PAR_ALL, .p = LO(PAR_PORT_L)),
	OP("connect listener O_NONBLOCK twice", connect2, PAR_ALL,
	   .p = LO(PAR_PORT_L), .b = PAR_F_NONBLOCK),
	OP("connect blackhole", connect, PAR_ALL, .p = LO(PAR_PORT_B)),
	OP("connect blackhole O_NONBLOCK twice", connect2,
	   S_ARGS | PAR_S(CONNECTING), .p = LO(PAR_PORT_B),
	   .b = PAR_F_NONBLOCK),
	OP("connect closed port", connect, PAR_ALL, .p = LO(PAR_PORT_CLOSED)),
	OP("connect closed port O_NONBLOCK twice", connect2, S_ARGS,
	   .p = LO(PAR_PORT_CLOSED), .b = PAR_F_NONBLOCK),
	OP("connect port 0", connect, S_ARGS, .p = LO(0)),
	OP("connect 0.0.0.0:listener", connect, S_ARGS, .p = SA(AF_INET,
	   "0.0.0.0", PAR_PORT_L, 0)),
	OP("connect 255.255.255.255", connect, S_ARGS, .p = SA(AF_INET,
	   "255.255.255.255", PAR_PORT_L, 0)),
	OP("connect 224.0.0.1", connect, S_ARGS, .p = SA(AF_INET, "224.0.0.1",
	   PAR_PORT_L, 0)),
	OP("connect 192.0.2.1 (no route)", connect, S_ARGS, .p = SA(AF_INET,
	   "192.0.2.1", PAR_PORT_L, 0)),
	OP("connect addrlen 15", connect, S_ARGS, .p = SA(AF_INET, "127.0.0.1",
	   PAR_PORT_L, 15)),
	OP("connect addrlen 1", connect, S_ARGS, .p = SA(AF_INET, "127.0.0.1",
	   PAR_PORT_L, 1)),
	OP("connect NULL", connect, S_ARGS, .p = LO(PAR_PORT_L),
	   .b = PAR_F_NULL),
	OP("connect AF_INET6", connect, S_ARGS, .p = SA(AF_INET6, "127.0.0.1",
	   PAR_PORT_L, 0)),
	OP("connect AF_UNSPEC", connect, PAR_ALL, .p = SA(AF_UNSPEC, "0.0.0.0",
	   0, 0)),
	OP("connect AF_UNSPEC addrlen 2", connect, S_ARGS, .p = SA(AF_UNSPEC,
	   "0.0.0.0", 0, 2)),
	{ .name = NULL }
};

static const struct par_op send_ops[] = {
	OP("send", send, PAR_ALL, .len = 5),
	OP("send MSG_DONTWAIT", send, PAR_ALL, .b = MSG_DONTWAIT, .len = 5),
	OP("send MSG_NOSIGNAL", send, PAR_ALL, .b = MSG_NOSIGNAL, .len = 5),
	OP("send MSG_OOB", send, PAR_ALL, .b = MSG_OOB, .len = 5),
	OP("send MSG_MORE", send, S_CONN, .b = MSG_MORE, .len = 5),
	OP("send MSG_EOR", send, S_CONN, .b = MSG_EOR, .len = 5),
	OP("send MSG_CONFIRM", send, S_ARGS, .b = MSG_CONFIRM, .len = 5),
	OP("send MSG_ZEROCOPY", send, S_ARGS, .b = MSG_ZEROCOPY, .len = 5),
	OP("send unknown flag", send, S_ARGS, .b = PAR_MSG_UNKNOWN, .len = 5),
	OP("send 0 bytes", send, PAR_ALL, .len = 0),
	OP("send NULL buffer", send, S_ARGS, .a = PAR_SEND_NULLBUF, .len = 5),
	OP("sendto the listener", send, S_ARGS, .a = PAR_SENDTO, .len = 5),
	OP("sendto MSG_FASTOPEN", send, PAR_S(FRESH), .a = PAR_SENDTO,
	   .b = MSG_FASTOPEN, .len = 5),
	OP("sendmsg", send, S_ARGS, .a = PAR_SENDMSG, .len = 5),
	OP("sendmsg cmsg SCM_RIGHTS", send, S_ARGS, .a = PAR_CMSG,
	   .v = SCM_RIGHTS, .len = 5),
	OP("sendmsg cmsg SO_MARK", send, S_ARGS, .a = PAR_CMSG, .v = SO_MARK,
	   .len = 5),
	OP("sendmsg NULL iov", send, S_ARGS, .a = PAR_BADIOV, .len = 5),
	OP("sendmsg 1025 iovs", send, S_ARGS, .a = PAR_MANYIOV, .len = 5),
	OP("write", send, S_CONN | PAR_S(FRESH), .a = PAR_WRITE, .len = 5),
	OP("send twice", send2, S_CONN, .len = 5),
	OP("send twice MSG_NOSIGNAL", send2, S_CONN, .b = MSG_NOSIGNAL,
	   .len = 5),
	{ .name = NULL }
};

/* Steps of sequences (par_op_seq()). */
#define STEP(var, f, ...) \
	static const struct par_op var = { .name = #f, .fn = par_op_##f, \
					   __VA_ARGS__ }

STEP(p_send, send, .len = 5);
STEP(p_listen, listen, .v = 1);
STEP(p_connect_l, connect, .p = LO(PAR_PORT_L));
STEP(p_connect_c, connect, .p = LO(PAR_PORT_CLOSED), .b = PAR_F_NONBLOCK);
STEP(p_shut_rd, shutdown, .v = SHUT_RD);
STEP(p_shut_wr, shutdown, .v = SHUT_WR);
STEP(p_shut_rdwr, shutdown, .v = SHUT_RDWR);
STEP(p_lowat10, setopt, .a = SOL_SOCKET, .b = SO_RCVLOWAT, .v = 10);
STEP(p_inq1, setopt, .a = IPPROTO_TCP, .b = TCP_INQ, .v = 1);
STEP(p_peekoff1, setopt, .a = SOL_SOCKET, .b = SO_PEEK_OFF, .v = 1);
STEP(p_noport, setopt, .a = SOL_IP, .b = IP_BIND_ADDRESS_NO_PORT, .v = 1);
STEP(p_freebind, setopt, .a = SOL_IP, .b = IP_FREEBIND, .v = 1);
STEP(p_bind_lo, bind, .p = LO(0));
STEP(p_bind_testnet, bind, .p = SA(AF_INET, "192.0.2.1", 0, 0));
STEP(recv_dontwait, recv, .b = MSG_DONTWAIT, .len = 16);
STEP(recvmsg_dontwait, recv, .a = PAR_RECVMSG, .b = MSG_DONTWAIT,
     .len = 16);
STEP(recv_peek2, recv, .a = PAR_RECV_TWICE, .b = MSG_PEEK | MSG_DONTWAIT,
     .len = 2);

#define S_RECV	(S_CONN | PAR_S(FRESH) | PAR_S(LISTEN) | PAR_S(CONNECTING))

static const struct par_op recv_ops[] = {
	OP("recv", recv, PAR_ALL, .len = 16),
	OP("recv MSG_DONTWAIT", recv, PAR_ALL, .b = MSG_DONTWAIT, .len = 16),
	OP("recv MSG_PEEK, recv", recv, S_RECV, .a = PAR_RECV_TWICE,
	   .b = MSG_PEEK | MSG_DONTWAIT, .len = 16),
	OP("recv MSG_WAITALL", recv, S_RECV, .b = MSG_WAITALL, .len = 16),
	OP("recv MSG_WAITALL 5", recv, S_RECV, .b = MSG_WAITALL, .len = 5),
	OP("recv MSG_TRUNC, recv", recv, S_RECV, .a = PAR_RECV_TWICE,
	   .b = MSG_TRUNC | MSG_DONTWAIT, .len = 2),
	OP("recv MSG_TRUNC|MSG_PEEK, recv", recv, S_RECV, .a = PAR_RECV_TWICE,
	   .b = MSG_TRUNC | MSG_PEEK | MSG_DONTWAIT, .len = 16),
	OP("recv MSG_OOB", recv, S_RECV, .b = MSG_OOB | MSG_DONTWAIT,
	   .len = 16),
	OP("recvmsg MSG_ERRQUEUE", recv, S_RECV, .a = PAR_RECVMSG,
	   .b = MSG_ERRQUEUE, .len = 16),
	OP("recv unknown flag", recv, S_ARGS | PAR_S(READABLE),
	   .b = PAR_MSG_UNKNOWN | MSG_DONTWAIT, .len = 16),
	OP("recvmsg", recv, S_RECV, .a = PAR_RECVMSG, .b = MSG_DONTWAIT,
	   .len = 16),
	OP("recvmsg MSG_CMSG_CLOEXEC", recv, PAR_S(READABLE), .a = PAR_RECVMSG,
	   .b = MSG_CMSG_CLOEXEC | MSG_DONTWAIT, .len = 16),
	OP("recv 2 bytes twice", recv, PAR_S(READABLE), .a = PAR_RECV_TWICE,
	   .b = MSG_DONTWAIT, .len = 2),
	OP("recv 0 bytes", recv, S_RECV, .b = MSG_DONTWAIT, .len = 0),
	OP("recv NULL buffer", recv, PAR_S(READABLE) | PAR_S(CONNECTED),
	   .a = PAR_RECV_NULLBUF, .b = MSG_DONTWAIT, .len = 16),
	OP("read", recv, S_RECV, .a = PAR_READ, .len = 16),
	OP("SO_RCVLOWAT 10, recv", seq, S_CONN, .p = SEQ(&p_lowat10,
	   &recv_dontwait)),
	OP("TCP_INQ 1, recvmsg", seq, S_CONN, .p = SEQ(&p_inq1,
	   &recvmsg_dontwait)),
	OP("SO_PEEK_OFF 1, recv MSG_PEEK twice", seq, PAR_S(READABLE),
	   .p = SEQ(&p_peekoff1, &recv_peek2)),
	{ .name = NULL }
};

static const struct par_op shutdown_ops[] = {
	OP("shutdown SHUT_RD", shutdown, PAR_ALL, .v = SHUT_RD),
	OP("shutdown SHUT_WR", shutdown, PAR_ALL, .v = SHUT_WR),
	OP("shutdown SHUT_RDWR", shutdown, PAR_ALL, .v = SHUT_RDWR),
	OP("shutdown 3", shutdown, S_ARGS, .v = 3),
	OP("shutdown -1", shutdown, S_ARGS, .v = -1),
	OP("shutdown SHUT_WR twice", shutdown, S_CONN, .a = 1, .v = SHUT_WR),
	OP("shutdown SHUT_WR, send", seq, S_RECV, .p = SEQ(&p_shut_wr,
	   &p_send)),
	OP("shutdown SHUT_RD, recv", seq, S_RECV, .p = SEQ(&p_shut_rd,
	   &recv_dontwait)),
	OP("shutdown SHUT_RDWR, listen", seq,
	   PAR_S(LISTEN) | PAR_S(PENDING) | PAR_S(CONNECTING) | PAR_S(FRESH),
	   .p = SEQ(&p_shut_rdwr, &p_listen)),
	OP("shutdown SHUT_RDWR, connect", seq,
	   PAR_S(LISTEN) | PAR_S(CONNECTING) | PAR_S(FRESH),
	   .p = SEQ(&p_shut_rdwr, &p_connect_l)),
	OP("connect refused O_NONBLOCK, shutdown, connect", seq,
	   PAR_S(FRESH) | PAR_S(BOUND), .p = SEQ(&p_connect_c, &p_shut_wr,
	   &p_connect_l)),
	OP("connect refused O_NONBLOCK, listen", seq, PAR_S(FRESH),
	   .p = SEQ(&p_connect_c, &p_listen)),
	{ .name = NULL }
};

static const struct par_op names_ops[] = {
	OP("getsockname", name, PAR_ALL, .len = 16),
	OP("getpeername", name, PAR_ALL, .a = 1, .len = 16),
	OP("getsockname addrlen 4", name, S_ARGS, .len = 4),
	OP("getpeername addrlen 4", name, S_ARGS, .a = 1, .len = 4),
	OP("getsockname addrlen 0", name, S_ARGS, .len = 0),
	OP("getsockname addrlen 128", name, S_ARGS, .len = 128),
	OP("getsockname addrlen NULL", name, S_ARGS, .len = -1),
	OP("getpeername address NULL", name, S_ARGS, .a = 1, .len = -2),
	OP("getsockname addrlen -1", name, S_ARGS, .len = -3),
	{ .name = NULL }
};

#define GET(lvl, opt, l, st) \
	{ "getsockopt " #opt, par_op_getopt, st, .a = lvl, .b = opt, .len = l }
#define GETN(lvl, opt, l, st) \
	{ "getsockopt " #opt " optlen " #l, par_op_getopt, st, .a = lvl, \
	  .b = opt, .len = l }
#define SET(lvl, opt, val, st) \
	{ "setsockopt " #opt " " #val, par_op_setopt, st, .a = lvl, .b = opt, \
	  .v = val }
#define SETN(lvl, opt, l, st) \
	{ "setsockopt " #opt " optlen " #l, par_op_setopt, st, .a = lvl, \
	  .b = opt, .v = 1, .len = l }
#define SETS(lvl, opt, s, l, st) \
	{ "setsockopt " #opt " \"" s "\" " #l, par_op_setopt_buf, st, \
	  .a = lvl, .b = opt, .p = s, .len = l }

static const struct linger linger_5 = { 1, 5 };
static const struct timeval tv_bad = { 1, 1000000 };
static const struct timeval tv_neg = { -1, 0 };

static const struct par_op sol_socket_ops[] = {
	GET(SOL_SOCKET, SO_TYPE, 4, S_OPT),
	GET(SOL_SOCKET, SO_PROTOCOL, 4, S_OPT),
	GET(SOL_SOCKET, SO_DOMAIN, 4, S_OPT),
	GET(SOL_SOCKET, SO_ERROR, 4, PAR_ALL),
	GET(SOL_SOCKET, SO_ACCEPTCONN, 4, S_OPT),
	GET(SOL_SOCKET, SO_SNDBUF, 4, S_OPT),
	GET(SOL_SOCKET, SO_RCVBUF, 4, S_OPT),
	GET(SOL_SOCKET, SO_RCVLOWAT, 4, S_OPT),
	GET(SOL_SOCKET, SO_SNDLOWAT, 4, S_OPT),
	GET(SOL_SOCKET, SO_KEEPALIVE, 4, S_OPT),
	GET(SOL_SOCKET, SO_LINGER, 8, S_OPT),
	GET(SOL_SOCKET, SO_OOBINLINE, 4, S_OPT),
	GET(SOL_SOCKET, SO_REUSEADDR, 4, S_OPT),
	GET(SOL_SOCKET, SO_REUSEPORT, 4, S_OPT),
	GET(SOL_SOCKET, SO_PRIORITY, 4, S_OPT),
	GET(SOL_SOCKET, SO_MARK, 4, S_OPT),
	GET(SOL_SOCKET, SO_PEERNAME, 128, S_OPT),
	GET(SOL_SOCKET, SO_COOKIE, 8, S_OPT),
	GET(SOL_SOCKET, SO_INCOMING_CPU, 4, S_OPT),
	GET(SOL_SOCKET, SO_BINDTODEVICE, 16, S_OPT),
	GET(SOL_SOCKET, SO_RCVTIMEO, 16, S_OPT),
	GET(SOL_SOCKET, SO_PEERCRED, 12, S_OPT),
	GET(SOL_SOCKET, SO_PEEK_OFF, 4, S_OPT),
	GET(SOL_SOCKET, SO_ZEROCOPY, 4, S_OPT),
	GET(SOL_SOCKET, SO_TXREHASH, 4, S_OPT),
	GET(SOL_SOCKET, SO_BUF_LOCK, 4, S_OPT),
	GETN(SOL_SOCKET, SO_TYPE, 2, S_ARGS),
	GETN(SOL_SOCKET, SO_TYPE, -1, S_ARGS),
	GETN(SOL_SOCKET, SO_TYPE, -2, S_ARGS),
	SET(SOL_SOCKET, SO_RCVBUF, 4096, S_ARGS),
	SET(SOL_SOCKET, SO_RCVBUF, -1, S_ARGS),
	SET(SOL_SOCKET, SO_SNDBUF, INT_MAX, S_ARGS),
	SET(SOL_SOCKET, SO_RCVLOWAT, 100, S_OPT),
	SET(SOL_SOCKET, SO_RCVLOWAT, 0, S_ARGS),
	SET(SOL_SOCKET, SO_RCVLOWAT, INT_MAX, S_OPT),
	SET(SOL_SOCKET, SO_RCVLOWAT, -1, S_ARGS),
	SET(SOL_SOCKET, SO_SNDLOWAT, 100, S_ARGS),
	SET(SOL_SOCKET, SO_KEEPALIVE, 1, S_OPT),
	SET(SOL_SOCKET, SO_REUSEADDR, 1, S_ARGS),
	SET(SOL_SOCKET, SO_REUSEPORT, 1, S_OPT),
	SETN(SOL_SOCKET, SO_REUSEPORT, 2, S_ARGS),
	SETN(SOL_SOCKET, SO_REUSEPORT, -1, S_ARGS),
	SET(SOL_SOCKET, SO_OOBINLINE, 1, S_ARGS),
	SET(SOL_SOCKET, SO_PRIORITY, 6, S_ARGS),
	SET(SOL_SOCKET, SO_MARK, 5, S_ARGS),
	SET(SOL_SOCKET, SO_ZEROCOPY, 1, S_OPT),
	SET(SOL_SOCKET, SO_PEEK_OFF, 2, S_OPT),
	SET(SOL_SOCKET, SO_TXREHASH, 1, S_ARGS),
	SET(SOL_SOCKET, SO_INCOMING_CPU, 0, S_ARGS),
	SET(SOL_SOCKET, SO_BUF_LOCK, 3, S_ARGS),
	SET(SOL_SOCKET, SO_RESERVE_MEM, 4096, S_ARGS),
	SET(SOL_SOCKET, SO_DONTROUTE, 1, S_ARGS),
	SET(SOL_SOCKET, SO_BUSY_POLL, 10, S_ARGS),
	SET(SOL_SOCKET, 9999, 1, S_ARGS),
	SETN(SOL_SOCKET, SO_LINGER, 4, S_ARGS),
	OP("setsockopt SO_LINGER {1, 5}", setopt_buf, S_ARGS, .a = SOL_SOCKET,
	   .b = SO_LINGER, .p = &linger_5, .len = sizeof(linger_5)),
	OP("setsockopt SO_RCVTIMEO usec 1000000", setopt_buf, S_ARGS,
	   .a = SOL_SOCKET, .b = SO_RCVTIMEO, .p = &tv_bad,
	   .len = sizeof(tv_bad)),
	OP("setsockopt SO_RCVTIMEO sec -1", setopt_buf, S_ARGS, .a = SOL_SOCKET,
	   .b = SO_RCVTIMEO, .p = &tv_neg, .len = sizeof(tv_neg)),
	SETS(SOL_SOCKET, SO_BINDTODEVICE, "lo", 0, S_ARGS),
	SETS(SOL_SOCKET, SO_BINDTODEVICE, "nosuchdev0", 0, S_ARGS),
	{ .name = NULL }
};

static const struct par_op sol_tcp_ops[] = {
	GET(IPPROTO_TCP, TCP_NODELAY, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_CORK, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_MAXSEG, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_KEEPIDLE, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_KEEPINTVL, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_KEEPCNT, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_SYNCNT, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_LINGER2, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_DEFER_ACCEPT, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_WINDOW_CLAMP, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_INFO, 8, PAR_ALL),
	GET(IPPROTO_TCP, TCP_QUICKACK, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_CONGESTION, 32, S_OPT),
	GET(IPPROTO_TCP, TCP_USER_TIMEOUT, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_INQ, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_FASTOPEN, 4, S_OPT),
	GET(IPPROTO_TCP, TCP_CC_INFO, 64, S_OPT),
	GET(IPPROTO_TCP, TCP_IS_MPTCP, 4, S_OPT),
	GET(IPPROTO_TCP, 999, 4, S_ARGS),
	GET(999, 1, 4, S_ARGS),
	GETN(IPPROTO_TCP, TCP_NODELAY, 2, S_ARGS),
	GETN(IPPROTO_TCP, TCP_NODELAY, 0, S_ARGS),
	GETN(IPPROTO_TCP, TCP_NODELAY, 8, S_ARGS),
	GETN(IPPROTO_TCP, TCP_NODELAY, -1, S_ARGS),
	GETN(IPPROTO_TCP, TCP_NODELAY, -2, S_ARGS),
	GETN(IPPROTO_TCP, TCP_CONGESTION, 3, S_ARGS),
	GETN(IPPROTO_TCP, TCP_CONGESTION, 0, S_ARGS),
	GETN(IPPROTO_TCP, TCP_INFO, 0, S_ARGS),
	GETN(IPPROTO_TCP, TCP_INFO, -2, S_ARGS),
	SET(IPPROTO_TCP, TCP_NODELAY, 5, S_ARGS),
	SET(IPPROTO_TCP, TCP_CORK, 1, S_ARGS),
	SET(IPPROTO_TCP, TCP_MAXSEG, 87, S_ARGS),
	SET(IPPROTO_TCP, TCP_MAXSEG, 536, S_OPT),
	SET(IPPROTO_TCP, TCP_MAXSEG, 32768, S_ARGS),
	SET(IPPROTO_TCP, TCP_KEEPIDLE, 0, S_ARGS),
	SET(IPPROTO_TCP, TCP_KEEPIDLE, 32768, S_ARGS),
	SET(IPPROTO_TCP, TCP_KEEPIDLE, 30, S_OPT),
	SET(IPPROTO_TCP, TCP_KEEPINTVL, 0, S_ARGS),
	SET(IPPROTO_TCP, TCP_KEEPCNT, 128, S_ARGS),
	SET(IPPROTO_TCP, TCP_SYNCNT, 0, S_ARGS),
	SET(IPPROTO_TCP, TCP_SYNCNT, 3, S_ARGS),
	SET(IPPROTO_TCP, TCP_LINGER2, -5, S_ARGS),
	SET(IPPROTO_TCP, TCP_LINGER2, 200, S_ARGS),
	SET(IPPROTO_TCP, TCP_DEFER_ACCEPT, 5, S_OPT),
	SET(IPPROTO_TCP, TCP_DEFER_ACCEPT, -1, S_ARGS),
	SET(IPPROTO_TCP, TCP_WINDOW_CLAMP, 0, S_ARGS),
	SET(IPPROTO_TCP, TCP_WINDOW_CLAMP, 100, S_ARGS),
	SET(IPPROTO_TCP, TCP_QUICKACK, 0, S_ARGS),
	SET(IPPROTO_TCP, TCP_USER_TIMEOUT, -1, S_ARGS),
	SET(IPPROTO_TCP, TCP_USER_TIMEOUT, 1000, S_ARGS),
	SET(IPPROTO_TCP, TCP_NOTSENT_LOWAT, -1, S_ARGS),
	SET(IPPROTO_TCP, TCP_INQ, 2, S_ARGS),
	SET(IPPROTO_TCP, TCP_FASTOPEN, 5, S_OPT),
	SET(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1, S_ARGS),
	SET(IPPROTO_TCP, 999, 1, S_ARGS),
	SET(999, 1, 1, S_ARGS),
	SET(SOL_IPV6, IPV6_V6ONLY, 1, S_ARGS),
	SETN(IPPROTO_TCP, TCP_NODELAY, 2, S_ARGS),
	SETN(IPPROTO_TCP, TCP_NODELAY, -1, S_ARGS),
	SETN(IPPROTO_TCP, TCP_INFO, 4, S_ARGS),
	SETS(IPPROTO_TCP, TCP_CONGESTION, "reno", 0, S_OPT),
	SETS(IPPROTO_TCP, TCP_CONGESTION, "nosuchcc", 0, S_ARGS),
	SETS(IPPROTO_TCP, TCP_CONGESTION, "reno", 3, S_ARGS),
	OP("setsockopt TCP_CONGESTION \"reno\\0xx\" 7", setopt_buf, S_ARGS,
	   .a = IPPROTO_TCP, .b = TCP_CONGESTION, .p = "reno\0xx", .len = 7),
	SETS(IPPROTO_TCP, TCP_CONGESTION, "", 0, S_ARGS),
	{ .name = NULL }
};

static const struct ip_mreqn mreq = { .imr_multiaddr.s_addr = 0x050000e0 };

static const struct par_op sol_ip_ops[] = {
	GET(SOL_IP, IP_TOS, 4, S_OPT),
	GET(SOL_IP, IP_TTL, 4, S_OPT),
	GET(SOL_IP, IP_MTU, 4, S_OPT),
	GET(SOL_IP, IP_OPTIONS, 40, S_OPT),
	GET(SOL_IP, IP_RECVERR, 4, S_OPT),
	GET(SOL_IP, IP_MTU_DISCOVER, 4, S_OPT),
	GET(SOL_IP, IP_FREEBIND, 4, S_OPT),
	GET(SOL_IP, IP_TRANSPARENT, 4, S_OPT),
	GET(SOL_IP, IP_BIND_ADDRESS_NO_PORT, 4, S_OPT),
	GET(SOL_IP, IP_PKTINFO, 4, S_OPT),
	GET(SOL_IP, IP_MULTICAST_TTL, 4, S_OPT),
	GET(SOL_IP, IP_LOCAL_PORT_RANGE, 4, S_OPT),
	GET(SOL_IP, 999, 4, S_ARGS),
	SET(SOL_IP, IP_TOS, 0x10, S_OPT),
	SET(SOL_IP, IP_TOS, 0x13, S_ARGS),
	SET(SOL_IP, IP_TTL, 0, S_ARGS),
	SET(SOL_IP, IP_TTL, 256, S_ARGS),
	SET(SOL_IP, IP_TTL, 7, S_OPT),
	SET(SOL_IP, IP_TTL, -1, S_ARGS),
	SET(SOL_IP, IP_MTU_DISCOVER, 6, S_ARGS),
	SET(SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, S_ARGS),
	SET(SOL_IP, IP_RECVERR, 1, S_ARGS),
	SET(SOL_IP, IP_FREEBIND, 1, S_ARGS),
	SET(SOL_IP, IP_TRANSPARENT, 1, S_ARGS),
	SET(SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1, S_ARGS),
	SET(SOL_IP, IP_MULTICAST_TTL, 5, S_ARGS),
	SET(SOL_IP, IP_HDRINCL, 1, S_ARGS),
	SETN(SOL_IP, IP_TOS, 0, S_ARGS),
	OP("setsockopt IP_OPTIONS 4 NOPs", setopt_buf, S_ARGS, .a = SOL_IP,
	   .b = IP_OPTIONS, .p = "\x01\x01\x01\x01", .len = 4),
	OP("setsockopt IP_ADD_MEMBERSHIP 224.0.0.5", setopt_buf, S_ARGS,
	   .a = SOL_IP, .b = IP_ADD_MEMBERSHIP, .p = &mreq,
	   .len = sizeof(mreq)),
	OP("IP_BIND_ADDRESS_NO_PORT 1, bind 127.0.0.1:0", seq, PAR_S(FRESH),
	   .p = SEQ(&p_noport, &p_bind_lo)),
	OP("IP_FREEBIND 1, bind 192.0.2.1", seq, PAR_S(FRESH),
	   .p = SEQ(&p_freebind, &p_bind_testnet)),
	{ .name = NULL }
};

#define INH(lvl, opt, val)	{ "inherit " #opt " " #val, par_op_inherit, \
				  PAR_S(LISTEN), .a = lvl, .b = opt, .v = val }

static const struct par_op inherit_ops[] = {
	INH(SOL_SOCKET, SO_KEEPALIVE, 1),
	INH(SOL_SOCKET, SO_RCVBUF, 8192),
	INH(SOL_SOCKET, SO_SNDBUF, 8192),
	INH(SOL_SOCKET, SO_RCVLOWAT, 100),
	INH(SOL_SOCKET, SO_PRIORITY, 5),
	INH(SOL_SOCKET, SO_MARK, 7),
	INH(SOL_SOCKET, SO_OOBINLINE, 1),
	INH(SOL_SOCKET, SO_REUSEADDR, 1),
	INH(SOL_SOCKET, SO_REUSEPORT, 1),
	INH(SOL_SOCKET, SO_TXREHASH, 0),
	INH(SOL_SOCKET, SO_BUSY_POLL, 10),
	OP("inherit SO_LINGER {1, 5}", inherit, PAR_S(LISTEN), .a = SOL_SOCKET,
	   .b = SO_LINGER, .p = &linger_5, .len = sizeof(linger_5)),
	OP("inherit SO_BINDTODEVICE lo", inherit, PAR_S(LISTEN),
	   .a = SOL_SOCKET, .b = SO_BINDTODEVICE, .p = "lo"),
	INH(IPPROTO_TCP, TCP_NODELAY, 1),
	INH(IPPROTO_TCP, TCP_CORK, 1),
	INH(IPPROTO_TCP, TCP_MAXSEG, 1000),
	INH(IPPROTO_TCP, TCP_KEEPIDLE, 30),
	INH(IPPROTO_TCP, TCP_KEEPINTVL, 5),
	INH(IPPROTO_TCP, TCP_KEEPCNT, 3),
	INH(IPPROTO_TCP, TCP_SYNCNT, 3),
	INH(IPPROTO_TCP, TCP_LINGER2, 10),
	INH(IPPROTO_TCP, TCP_USER_TIMEOUT, 1000),
	INH(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000),
	INH(IPPROTO_TCP, TCP_WINDOW_CLAMP, 20000),
	INH(IPPROTO_TCP, TCP_QUICKACK, 0),
	INH(IPPROTO_TCP, TCP_INQ, 1),
	OP("inherit TCP_CONGESTION reno", inherit, PAR_S(LISTEN),
	   .a = IPPROTO_TCP, .b = TCP_CONGESTION, .p = "reno"),
	INH(SOL_IP, IP_TOS, 0x10),
	INH(SOL_IP, IP_TTL, 7),
	INH(SOL_IP, IP_RECVERR, 1),
	INH(SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT),
	INH(SOL_IP, IP_FREEBIND, 1),
	INH(SOL_IP, IP_PKTINFO, 1),
	{ .name = NULL }
};

#define IOCTL(cmd, st)	{ "ioctl " #cmd, par_op_ioctl, st, .a = cmd }

static const struct par_op ioctl_ops[] = {
	IOCTL(FIONREAD, PAR_ALL),
	IOCTL(SIOCOUTQ, PAR_ALL),
	IOCTL(SIOCOUTQNSD, PAR_ALL),
	IOCTL(SIOCATMARK, PAR_ALL),
	IOCTL(FIONBIO, S_ARGS),
	IOCTL(SIOCGSTAMP, S_OPT),
	IOCTL(TCGETS, S_ARGS),
	OP("ioctl SIOCGIFADDR lo", ioctl, S_ARGS, .a = SIOCGIFADDR, .v = 1),
	OP("ioctl SIOCGIFFLAGS lo", ioctl, S_ARGS, .a = SIOCGIFFLAGS, .v = 1),
	OP("ioctl FIONREAD NULL", ioctl, S_OPT, .a = FIONREAD, .b = PAR_F_NULL),
	OP("ioctl SIOCOUTQ NULL", ioctl, S_ARGS, .a = SIOCOUTQ,
	   .b = PAR_F_NULL),
	{ .name = NULL }
};

/*
 * Differences that are deliberate or known, each documented in
 * Documentation/user-guide.rst, "Differences from native TCP". A case that
 * matches a pattern may differ; one that no longer does is logged.
 */
#define CLAMP	"TCP_WINDOW_CLAMP reads back what was set"

static const struct par_allow ALLOW[] = {
	{ "*/getsockopt SO_DOMAIN",
	  "SO_DOMAIN is the ktcp family (ktcp-run hides it)" },
	{ "*/getsockopt SO_PROTOCOL",
	  "SO_PROTOCOL is IPPROTO_KTCP, no tcp_sock (ktcp-run hides it)" },
	{ "*/setsockopt SO_ZEROCOPY 1",
	  "zero-copy send (SO_ZEROCOPY) is not implemented" },
	{ "*SO_PEEK_OFF*", "SO_PEEK_OFF is not implemented" },
	{ "*/getsockopt TCP_WINDOW_CLAMP", CLAMP },
	{ "connected/setsockopt TCP_WINDOW_CLAMP 0", CLAMP },
	{ "disconnected/ioctl SIOCOUTQ*",
	  "queues are 0 after connect(AF_UNSPEC)" },
	{ "accepted/getsockopt IP_MTU",
	  "an accepted socket has no route until it sends" },
	{ "accepted/getsockopt IP_MULTICAST_TTL",
	  "an accepted socket's IP_MULTICAST_TTL is 1" },
	{ .pattern = NULL }
};

FIXTURE(parity)
{
	struct par_env env;
};

FIXTURE_SETUP(parity)
{
	ktcp_new_netns(_metadata);
	if (!ktcp_native())
		ktcp_set_tw_timeout(_metadata, 1000);
	par_env_init(_metadata, &self->env);
}

FIXTURE_TEARDOWN(parity)
{
	par_env_fini(&self->env);
}

#define PARITY_TEST(name) \
	TEST_F(parity, name) \
	{ \
		ASSERT_EQ(0, par_run(_metadata, &self->env, name##_ops, \
				     ALLOW)); \
	}

PARITY_TEST(bind)
PARITY_TEST(listen_accept)
PARITY_TEST(connect)
PARITY_TEST(send)
PARITY_TEST(recv)
PARITY_TEST(shutdown)
PARITY_TEST(names)
PARITY_TEST(sol_socket)
PARITY_TEST(sol_tcp)
PARITY_TEST(sol_ip)
PARITY_TEST(inherit)
PARITY_TEST(ioctl)

TEST_HARNESS_MAIN
