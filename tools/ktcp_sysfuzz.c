// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_sysfuzz: a syscall fuzzer for ktcp sockets. Several threads run
 * random sequences of socket calls over one shared table of ktcp sockets,
 * so that the same socket is hit from several threads at once, in a fresh
 * network namespace with lo up (connections to ports on 127.0.0.1 and ::1
 * there). About half the sockets are AF_KTCP6 ones (the module's family6),
 * the others AF_KTCP. userspace-tests/fuzz.sh runs it.
 *
 *   ktcp_sysfuzz [options]
 *
 * Calls: socket (good and bad types and protocols), bind and connect (good
 * and bad addresses, families and lengths, AF_UNSPEC; on AF_KTCP6 sockets
 * mostly sockaddr_in6: ::1, ::, ::ffff:127.0.0.1 and other v4-mapped ones,
 * link-local without and with a scope id, multicast, random flow info,
 * lengths 0 to 32; a sockaddr_in now and then, and sockaddr_in6 on AF_KTCP
 * sockets now and then), listen, accept4,
 * send/sendto/sendmsg and recv/recvmsg with random flags (MSG_OOB,
 * MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_ERRQUEUE, MSG_ZEROCOPY,
 * MSG_FASTOPEN, ...) and control messages, setsockopt and getsockopt over
 * every option number of SOL_SOCKET, SOL_IP, SOL_IPV6 (0 to 80) and SOL_TCP
 * in a range past the last one Linux 6.12 knows, with random lengths and
 * values (IPV6_V6ONLY, IPV6_TCLASS, IPV6_UNICAST_HOPS, IPV6_FLOWINFO_SEND,
 * IPV6_MTU_DISCOVER, IPV6_ADDR_PREFERENCES... more often), shutdown,
 * close, poll, epoll, ioctl (SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK,
 * FIONBIO, the timestamp ioctls...), getsockname/getpeername, fcntl,
 * sendfile and splice, writes of the namespace's net.ktcp sysctls, reads
 * of /proc/net/ktcp and /proc/net/ktcp6; and recipes that make listeners
 * (127.0.0.1; ::1, :: with and without IPV6_V6ONLY, ::ffff:127.0.0.1),
 * connections to them over 127.0.0.1, ::1 and v4-mapped addresses,
 * accepted sockets, and sockets kept open in TIME_WAIT (ktcp keeps the
 * state on an open socket, where inet6_sk() is not to be used), so that
 * the calls find sockets of both families in every state.
 *
 * A watchdog thread interrupts a call that blocks for more than 200 ms
 * with a signal (without SA_RESTART, so a blocking call returns EINTR:
 * that path is fuzzed too); a call still inside the kernel after the
 * hang bound is a hang: its thread's kernel stack is printed and the run
 * fails. At the end every socket is closed and fresh connections on lo,
 * AF_KTCP over 127.0.0.1 and AF_KTCP6 over ::1, must carry data.
 *
 * Options:
 *   -n N      sequences in all threads (default 2000)
 *   -t S      stop after S seconds even if fewer ran (default 300)
 *   -j J      threads (default 4)
 *   -s SEED   random seed (default 1); thread i draws from SEED and i:
 *             its calls, and each call's arguments, are a function of
 *             them (with -j 1 a run repeats itself; with more threads the
 *             interleaving varies, and so do the sockets a call finds)
 *   -H S      hang bound in seconds (default 30, times
 *             KTCP_TEST_TIMEOUT_MULT)
 *
 * Last line: "RESULT ok|FAIL sequences=N calls=C secs=S ..."; exit 0 when
 * no call hung and the final connection worked, 1 if not, 2 on a set-up
 * error. A kernel report (KASAN, lockdep, WARN, leak) is for the caller to
 * find in dmesg and kmemleak.
 *
 * A tool, not a test: `make tools` builds it into tools/build/.
 */
#include "../userspace-tests/lib/ktcptest.h"

#include <getopt.h>
#include <stdatomic.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>

/* linux/in6.h's, which glibc's netinet/in.h leaves out */
#ifndef IPV6_FLOWINFO
#define IPV6_FLOWINFO		11
#endif
#ifndef IPV6_FLOWLABEL_MGR
#define IPV6_FLOWLABEL_MGR	32
#endif
#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND	33
#endif

#define NSLOT		32
#define PORTBASE	20000
#define NPORT		8
#define MAX_THREADS	16
#define BIGBUF		(1 << 20)

enum op {
	OP_SOCKET, OP_BIND, OP_LISTEN, OP_CONNECT, OP_ACCEPT, OP_SEND,
	OP_SENDMSG, OP_RECV, OP_RECVMSG, OP_SETSOCKOPT, OP_GETSOCKOPT,
	OP_SHUTDOWN, OP_CLOSE, OP_POLL, OP_EPOLL, OP_IOCTL, OP_GETNAME,
	OP_FCNTL, OP_SENDFILE, OP_SPLICE, OP_SYSCTL, OP_PROC, OP_R_LISTEN,
	OP_R_CONNECT, OP_R_PAIR, OP_R_TW, OP_NR
};

#define NRECIPE		(OP_NR - OP_R_LISTEN)

static const char *const op_name[OP_NR] = {
	"socket", "bind", "listen", "connect", "accept", "send", "sendmsg",
	"recv", "recvmsg", "setsockopt", "getsockopt", "shutdown", "close",
	"poll", "epoll", "ioctl", "getname", "fcntl", "sendfile", "splice",
	"sysctl", "proc", "r_listen", "r_connect", "r_pair", "r_tw",
};

/*
 * The namespace's net.ktcp sysctls (module/sysctl.c), written while the
 * calls run. The last three get only short lives: fuzz.sh waits for every
 * socket to go. The values at the start are put back before the final
 * check, which needs the listener to take a connection.
 */
static const char *const sysctl_name[] = {
	"syncookies", "max_syn_backlog", "frto", "recovery", "ecn",
	"ecn_fallback", "max_orphans", "max_tw_buckets", "timestamps", "sack",
	"window_scaling", "dsack", "early_retrans", "slow_start_after_idle",
	"tw_reuse", "rfc1337", "tw_retime", "tw_timeout_ms", "fin_timeout",
	"orphan_retries",
};

#define NSYSCTL		(sizeof(sysctl_name) / sizeof(sysctl_name[0]))
#define NSYSCTL_FREE	17	/* the ones that take any value */

static char sysctl_saved[NSYSCTL][24];

struct worker {
	pthread_t th;
	pid_t tid;
	int id;
	uint64_t seq;		/* draws the calls and each call's rng */
	uint64_t rng;		/* the current call's draws */
	int epfd, pipefd[2], memfd;
	_Atomic long long busy_since;	/* ms, 0: between calls */
	_Atomic int cur_op;
	_Atomic bool done;
	char *buf;
};

static _Atomic int slots[NSLOT];
static _Atomic long seqs_done, calls, op_count[OP_NR];
/* what the recipes made: accepted pairs by family, open TIME_WAIT sockets */
static _Atomic long made_pair4, made_pair6, made_tw4, made_tw6;
static _Atomic bool stop;
static long target = 2000;
static long long deadline;
static struct worker workers[MAX_THREADS];
static int nthreads = 4;
static int fam, fam6;

/*
 * Which fds are AF_KTCP6 sockets, for the address forms to give them.
 * Set when a socket is made; a number reused meanwhile by another thread
 * only makes a wrong-family address, which is fuzz too.
 */
#define FDMAX		4096
static _Atomic bool fd_v6[FDMAX];

/* splitmix64 */
static uint64_t mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct worker *w)
{
	return mix(&w->rng);
}

static uint32_t rn(struct worker *w, uint32_t n)
{
	return n ? (uint32_t)(rnd(w) % n) : 0;
}

static bool chance(struct worker *w, unsigned int pct)
{
	return rn(w, 100) < pct;
}

static int slot_fd(struct worker *w)
{
	return atomic_load(&slots[rn(w, NSLOT)]);
}

static void fd_mark(int fd, bool v6)
{
	if (fd >= 0 && fd < FDMAX)
		atomic_store(&fd_v6[fd], v6);
}

static bool fd_is_v6(int fd)
{
	return fd >= 0 && fd < FDMAX && atomic_load(&fd_v6[fd]);
}

static void slot_put(struct worker *w, int fd)
{
	int old = atomic_exchange(&slots[rn(w, NSLOT)], fd);

	if (old >= 0)
		close(old);
}

/* A value for an int option: the edges more often than not. */
static int rint_val(struct worker *w)
{
	static const int v[] = { 0, 1, -1, 2, 3, 7, 8, 14, 15, 16, 64, 255,
				 256, 1024, 4096, 65535, 65536, INT_MAX,
				 INT_MIN, 1 << 30 };

	return chance(w, 70) ? v[rn(w, sizeof(v) / sizeof(v[0]))] : (int)rnd(w);
}

static socklen_t rlen(struct worker *w)
{
	static const socklen_t v[] = { 0, 1, 2, 3, 4, 4, 4, 8, 12, 16, 20,
				       24, 32, 40, 64, 128, 255, 512 };

	return v[rn(w, sizeof(v) / sizeof(v[0]))];
}

/* Any socket address: the room for both forms, and the length to give. */
struct fz_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
};

static uint16_t rport(struct worker *w)
{
	if (chance(w, 70))
		return PORTBASE + rn(w, NPORT);
	return chance(w, 50) ? 0 : (uint16_t)rnd(w);
}

static struct sockaddr_in raddr4(struct worker *w, bool connect)
{
	static const char *const ips[] = { "127.0.0.1", "127.0.0.1", "0.0.0.0",
					   "127.0.0.2", "198.18.9.9",
					   "255.255.255.255", "224.0.0.1" };
	struct sockaddr_in sa;
	uint16_t port = rport(w);

	sa = ktcp_sin(ips[connect && chance(w, 70) ? 0 : rn(w, 7)], port);
	if (chance(w, 5))
		sa.sin_family = chance(w, 50) ? AF_UNSPEC : (sa_family_t)rn(w, 50);
	return sa;
}

/* A sockaddr_in6 (mostly ::1 when connecting); the wrong family now and then. */
static struct sockaddr_in6 raddr6(struct worker *w, bool connect)
{
	static const char *const ips[] = {
		"::1", "::1", "::", "::ffff:127.0.0.1", "::ffff:0.0.0.0",
		"fe80::1", "fe80::1", "::2", "ff02::1", "::ffff:224.0.0.1",
		"::ffff:255.255.255.255", "2001:db8::1", "::127.0.0.1",
	};
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	unsigned int i = connect && chance(w, 60) ? (chance(w, 70) ? 0 : 3) :
			 rn(w, sizeof(ips) / sizeof(ips[0]));

	inet_pton(AF_INET6, ips[i], &sa.sin6_addr);
	sa.sin6_port = htons(rport(w));
	if (chance(w, 10))
		sa.sin6_flowinfo = (uint32_t)rnd(w);
	/* a scope id on link-local (lo's is 1) and elsewhere, or none */
	if (chance(w, 20))
		sa.sin6_scope_id = chance(w, 50) ? 1 : (uint32_t)rint_val(w);
	if (chance(w, 5))
		sa.sin6_family = chance(w, 50) ? AF_UNSPEC :
				 chance(w, 50) ? AF_INET : (sa_family_t)rn(w, 50);
	return sa;
}

/*
 * An address for @fd: the form of its family 85 % of the time, the
 * other one otherwise; its length right 85 % of the time, else 0 to 32.
 */
static struct fz_addr raddr(struct worker *w, int fd, bool connect)
{
	bool v6 = fd_is_v6(fd) != chance(w, 15);
	struct fz_addr a;

	memset(&a, 0, sizeof(a));
	if (v6) {
		a.in6 = raddr6(w, connect);
		a.len = sizeof(a.in6);
	} else {
		a.in = raddr4(w, connect);
		a.len = sizeof(a.in);
	}
	if (chance(w, 15))
		a.len = chance(w, 50) ? rn(w, 33) : rlen(w);
	return a;
}

static int new_sock(struct worker *w)
{
	int type = SOCK_STREAM, proto = 0, fd;
	bool v6 = chance(w, 50);

	if (chance(w, 50))
		type |= SOCK_NONBLOCK;
	if (chance(w, 5))
		type = (int)rn(w, 12) | (chance(w, 50) ? SOCK_CLOEXEC : 0);
	if (chance(w, 5))
		proto = chance(w, 50) ? IPPROTO_TCP : (int)rn(w, 300);
	fd = socket(v6 ? fam6 : fam, type, proto);
	fd_mark(fd, v6);
	return fd;
}

/* ---- the option space ---- */

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static void sysctl_path(char *path, size_t len, unsigned int i)
{
	snprintf(path, len, "/proc/sys/net/ktcp/%s", sysctl_name[i]);
}

static void sysctl_save(void)
{
	char path[64];

	for (unsigned int i = 0; i < NSYSCTL; i++) {
		FILE *f;

		sysctl_path(path, sizeof(path), i);
		f = fopen(path, "r");
		if (!f || !fgets(sysctl_saved[i], sizeof(sysctl_saved[i]), f))
			sysctl_saved[i][0] = 0;
		if (f)
			fclose(f);
	}
}

static void sysctl_restore(void)
{
	char path[64];

	for (unsigned int i = 0; i < NSYSCTL; i++) {
		sysctl_path(path, sizeof(path), i);
		if (sysctl_saved[i][0])
			write_file(path, sysctl_saved[i]);
	}
}

static void do_sysctl(struct worker *w)
{
	unsigned int i = rn(w, NSYSCTL);
	char path[64], val[16];
	int v;

	if (i < NSYSCTL_FREE)
		v = rint_val(w);
	else if (i == NSYSCTL - 1)
		v = (int)rn(w, 3);		/* orphan_retries */
	else if (i == NSYSCTL - 2)
		v = (int)rn(w, 3);		/* fin_timeout, seconds */
	else
		v = (int)rn(w, 1001);		/* tw_timeout_ms */
	sysctl_path(path, sizeof(path), i);
	snprintf(val, sizeof(val), "%d\n", v);
	write_file(path, val);
}

/*
 * The SOL_IPV6 options that take an int and that ktcp acts on, drawn more
 * often than the other numbers; a value for them that is at or around
 * their edges (hop limits and traffic classes -1..256, the PMTU modes,
 * the IPV6_PREFER_SRC_* bits).
 */
static const int ip6_opt[] = {
	IPV6_V6ONLY, IPV6_TCLASS, IPV6_UNICAST_HOPS, IPV6_FLOWINFO_SEND,
	IPV6_RECVERR, IPV6_MTU_DISCOVER, IPV6_AUTOFLOWLABEL,
	IPV6_ADDR_PREFERENCES, IPV6_MTU, IPV6_DONTFRAG, IPV6_FREEBIND,
	IPV6_TRANSPARENT, IPV6_FLOWLABEL_MGR, IPV6_MINHOPCOUNT,
	IPV6_RECVERR_RFC4884, IPV6_UNICAST_IF, IPV6_FLOWINFO,
	IPV6_RECVPATHMTU, IPV6_ADDRFORM,
};

static int ip6_val(struct worker *w)
{
	static const int v[] = { 0, 1, -1, 2, 3, 4, 5, 255, 256, 1280, 1279,
				 65535, 0x1, 0x2, 0x100, 0x400, 0x401, 0x102,
				 0xffff };

	return chance(w, 60) ? v[rn(w, sizeof(v) / sizeof(v[0]))] : rint_val(w);
}

static void do_sockopt(struct worker *w, int fd, bool set)
{
	static const char *const cc[] = { "cubic", "reno", "bbr", "", "x" };
	int level, name, maxname;
	socklen_t len = rlen(w);
	char *b = w->buf;
	bool ip6 = false;

	switch (rn(w, 9)) {
	case 0: case 1: level = SOL_SOCKET; maxname = 90; break;
	case 2: case 3: level = SOL_IP; maxname = 100; break;
	case 4: case 5: level = SOL_TCP; maxname = 50; break;
	case 6: case 7: level = SOL_IPV6; maxname = 81; ip6 = true; break;
	default: level = chance(w, 50) ? (int)rn(w, 300) : (int)rnd(w); maxname = 100;
	}
	name = (int)rn(w, maxname);
	if (ip6 && chance(w, 50)) {
		name = ip6_opt[rn(w, sizeof(ip6_opt) / sizeof(ip6_opt[0]))];
		if (chance(w, 70))
			len = sizeof(int);
	}
	if (!set) {
		if (chance(w, 5))
			len = (socklen_t)-1;
		getsockopt(fd, level, name, b, &len);
		return;
	}
	for (socklen_t i = 0; i < len; i += 4) {
		int v = ip6 ? ip6_val(w) : rint_val(w);

		memcpy(b + i, &v, 4);
	}
	if (level == SOL_TCP && (name == TCP_CONGESTION || name == TCP_ULP) &&
	    chance(w, 90)) {
		/* named things would make the kernel call modprobe */
		const char *s = cc[rn(w, 5)];

		len = (socklen_t)strlen(s) + (chance(w, 50) ? 1 : 0);
		memcpy(b, s, len);
	}
	setsockopt(fd, level, name, b, len);
}

/* ---- messages ---- */

static void do_sendmsg(struct worker *w, int fd)
{
	static const int fl[] = { MSG_OOB, MSG_DONTWAIT, MSG_MORE, MSG_EOR,
				  MSG_CONFIRM, MSG_ZEROCOPY, MSG_FASTOPEN,
				  MSG_DONTROUTE, MSG_PROXY, MSG_BATCH };
	struct iovec iov[4];
	union {
		struct cmsghdr c;
		char b[256];
	} ctl;
	struct fz_addr sa = raddr(w, fd, true);
	struct msghdr m = { 0 };
	int flags = MSG_NOSIGNAL;

	for (int i = 0; i < 3; i++)
		if (chance(w, 30))
			flags |= fl[rn(w, sizeof(fl) / sizeof(fl[0]))];
	m.msg_iovlen = 1 + rn(w, 4);
	for (size_t i = 0; i < m.msg_iovlen; i++) {
		iov[i].iov_base = w->buf + rn(w, 4096);
		iov[i].iov_len = chance(w, 10) ? rn(w, BIGBUF - 4096) : rn(w, 3000);
	}
	m.msg_iov = iov;
	if (chance(w, 10)) {
		m.msg_name = &sa.sa;
		m.msg_namelen = sa.len;
	}
	if (chance(w, 20)) {
		/* a control message: SO_TIMESTAMPING, IP_TOS, garbage... */
		memset(&ctl, 0, sizeof(ctl));
		ctl.c.cmsg_len = CMSG_LEN(4 * rn(w, 3));
		ctl.c.cmsg_level = chance(w, 50) ? SOL_SOCKET :
				   chance(w, 40) ? SOL_IP :
				   chance(w, 50) ? SOL_IPV6 : (int)rn(w, 300);
		ctl.c.cmsg_type = (int)rn(w, 70);
		*(int *)CMSG_DATA(&ctl.c) = rint_val(w);
		m.msg_control = &ctl;
		m.msg_controllen = chance(w, 90) ? CMSG_SPACE(8) : rn(w, sizeof(ctl));
	}
	sendmsg(fd, &m, flags);
}

static void do_recvmsg(struct worker *w, int fd, bool msg)
{
	static const int fl[] = { MSG_PEEK, MSG_OOB, MSG_WAITALL, MSG_TRUNC,
				  MSG_DONTWAIT, MSG_ERRQUEUE, MSG_CMSG_CLOEXEC,
				  MSG_DONTWAIT };
	char ctl[512];
	struct iovec iov = { .iov_base = w->buf, .iov_len = rn(w, 70000) };
	struct sockaddr_in6 sa;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int flags = 0;

	for (int i = 0; i < 3; i++)
		if (chance(w, 30))
			flags |= fl[rn(w, sizeof(fl) / sizeof(fl[0]))];
	if (!msg) {
		recv(fd, w->buf, iov.iov_len, flags);
		return;
	}
	if (chance(w, 50)) {
		m.msg_control = ctl;
		m.msg_controllen = rn(w, sizeof(ctl));
	}
	if (chance(w, 30)) {
		m.msg_name = &sa;
		m.msg_namelen = rlen(w) % (sizeof(sa) + 1);
	}
	if (chance(w, 5)) {
		m.msg_iovlen = 0;
	}
	recvmsg(fd, &m, flags);
}

static void do_ioctl(struct worker *w, int fd)
{
	static const unsigned long cmds[] = {
		SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK, FIONBIO, FIOASYNC,
		0x8906 /* SIOCGSTAMP_OLD */, 0x8907 /* SIOCGSTAMPNS_OLD */,
		SIOCGPGRP, SIOCSPGRP, FIOGETOWN, FIOSETOWN, TIOCOUTQ,
		0x5401 /* TCGETS */, 0x89f0 /* SIOCPROTOPRIVATE */,
		0x89e0 /* SIOCDEVPRIVATE */,
	};
	int v = rint_val(w);

	if (chance(w, 50) && cmds[0] != 0)
		v = chance(w, 50) ? 0 : 1;
	ioctl(fd, cmds[rn(w, sizeof(cmds) / sizeof(cmds[0]))], chance(w, 95) ? (void *)&v : NULL);
}

static void do_poll(struct worker *w)
{
	struct pollfd p[6];
	int n = 1 + (int)rn(w, 6);

	for (int i = 0; i < n; i++) {
		p[i].fd = slot_fd(w);
		p[i].events = (short)(rn(w, 0x7ff) | POLLIN);
	}
	poll(p, (nfds_t)n, (int)rn(w, 5));
}

static void do_epoll(struct worker *w, int fd)
{
	struct epoll_event ev = { .events = (uint32_t)rnd(w) & (EPOLLIN | EPOLLOUT |
		EPOLLPRI | EPOLLRDHUP | EPOLLET | EPOLLONESHOT | EPOLLERR | EPOLLHUP),
		.data.fd = fd };
	struct epoll_event out[8];

	switch (rn(w, 3)) {
	case 0:
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
		break;
	case 1:
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
		break;
	default:
		epoll_wait(w->epfd, out, 8, (int)rn(w, 3));
	}
}

/* ---- recipes: sockets in the states worth hitting ---- */

/*
 * The listeners' kinds: AF_KTCP on 127.0.0.1; AF_KTCP6 on ::1, on :: (dual
 * stack, or not with IPV6_V6ONLY) and on ::ffff:127.0.0.1.
 */
enum lkind { L_V4, L_V6_LO, L_V6_ANY, L_V6_MAPPED, L_NR };

static int r_listen(struct worker *w, enum lkind k)
{
	static const char *const ip6[L_NR] = { NULL, "::1", "::", "::ffff:127.0.0.1" };
	uint16_t port = PORTBASE + rn(w, NPORT);
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", port);
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int one = 1, fd = socket(k == L_V4 ? fam : fam6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int err;

	if (fd < 0)
		return -1;
	fd_mark(fd, k != L_V4);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (chance(w, 30))
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (k == L_V4) {
		err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		int v6only = k == L_V6_ANY ? chance(w, 30) : chance(w, 50);

		setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
		inet_pton(AF_INET6, ip6[k], &sa6.sin6_addr);
		err = bind(fd, (struct sockaddr *)&sa6, sizeof(sa6));
	}
	if (err || listen(fd, (int)rn(w, 16))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A connection to @port: AF_KTCP to 127.0.0.1, or AF_KTCP6 to ::1 or to
 * ::ffff:127.0.0.1 (IPv4 on the wire), as @how says (0, 1, 2).
 */
static int r_connect(uint16_t port, unsigned int how)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", port);
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	int fd = socket(how ? fam6 : fam, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	fd_mark(fd, how);
	if (!how) {
		connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		return fd;
	}
	inet_pton(AF_INET6, how == 1 ? "::1" : "::ffff:127.0.0.1", &sa6.sin6_addr);
	connect(fd, (struct sockaddr *)&sa6, sizeof(sa6));
	return fd;
}

/* A connector that reaches a listener of kind @k (mostly). */
static unsigned int r_how(struct worker *w, enum lkind k)
{
	if (chance(w, 10))
		return rn(w, 3);	/* any: refused, or V6ONLY in the way */
	switch (k) {
	case L_V6_LO:
		return 1;
	case L_V6_ANY:
		return rn(w, 3);
	default:
		return chance(w, 50) ? 0 : 2;
	}
}

/* A listener, a connection to it and the accepted socket (or not yet). */
static int r_pair_make(struct worker *w, int *lp, int *cp)
{
	enum lkind k = rn(w, L_NR);
	int l = r_listen(w, k), c, a;

	*lp = l;
	*cp = -1;
	if (l < 0)
		return -1;
	c = r_connect((uint16_t)ktcp_local_port(l), r_how(w, k));
	*cp = c;
	ktcp_poll1(l, POLLIN, 50, NULL);
	a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	fd_mark(a, k != L_V4);
	if (a >= 0)
		atomic_fetch_add(k == L_V4 ? &made_pair4 : &made_pair6, 1);
	return a;
}

static void r_pair(struct worker *w)
{
	int l, c, a = r_pair_make(w, &l, &c);

	if (l < 0)
		return;
	if (c >= 0 && chance(w, 50))
		send(c, w->buf, rn(w, 100000), MSG_DONTWAIT | MSG_NOSIGNAL |
		     (chance(w, 20) ? MSG_OOB : 0));
	slot_put(w, l);
	if (c >= 0)
		slot_put(w, c);
	if (a >= 0)
		slot_put(w, a);
}

/*
 * A socket in TIME_WAIT that is still open (ktcp keeps the state on it;
 * Linux would have moved it to CLOSE and a timewait sock): the connector
 * shuts down its side, the accepted socket closes, and the connector,
 * having acked that FIN, goes to the table. Every call then hits it,
 * getsockname(), getpeername() and the SOL_IPV6 options included; a
 * fresh connection from its port (SO_REUSEADDR) meets its TIME_WAIT.
 */
static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);

	return getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &tl) ? -1 : ti.tcpi_state;
}

static void r_tw(struct worker *w)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int l, c, a = r_pair_make(w, &l, &c), one = 1;

	if (a >= 0 && c >= 0) {
		shutdown(c, SHUT_WR);
		ktcp_poll1(a, POLLIN, 50, NULL);
		close(a);
		ktcp_poll1(c, POLLRDHUP, 50, NULL);
		if (tcp_state(c) == TCP_TIME_WAIT)
			atomic_fetch_add(fd_is_v6(c) ? &made_tw6 : &made_tw4, 1);
		getsockname(c, (struct sockaddr *)w->buf, &sl);
		sl = sizeof(ss);
		if (chance(w, 50) && !getsockname(c, (struct sockaddr *)&ss, &sl)) {
			int n = socket(ss.ss_family == AF_INET6 ? fam6 : fam,
				       SOCK_STREAM | SOCK_NONBLOCK, 0);
			struct sockaddr_storage ps;
			socklen_t pl = sizeof(ps);

			fd_mark(n, ss.ss_family == AF_INET6);
			setsockopt(n, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (n >= 0 && !bind(n, (struct sockaddr *)&ss, sl) &&
			    !getpeername(c, (struct sockaddr *)&ps, &pl))
				connect(n, (struct sockaddr *)&ps, pl);
			if (n >= 0)
				slot_put(w, n);
		}
	} else if (a >= 0) {
		close(a);
	}
	if (l >= 0)
		slot_put(w, l);
	if (c >= 0)
		slot_put(w, c);
}

/* /proc/net/ktcp and ktcp6 (when there) list sockets in every state. */
static void do_proc(struct worker *w)
{
	static const char *const f[] = { "/proc/net/ktcp", "/proc/net/ktcp6" };
	int fd = open(f[rn(w, 2)], O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, w->buf, 1 + rn(w, 8192)) > 0)
		;
	close(fd);
}

static void do_op(struct worker *w, enum op op)
{
	struct fz_addr sa;
	socklen_t sl;
	int fd = slot_fd(w), r;
	loff_t off = 0;

	switch (op) {
	case OP_SOCKET:
		r = new_sock(w);
		if (r >= 0)
			slot_put(w, r);
		break;
	case OP_BIND:
		sa = raddr(w, fd, false);
		bind(fd, &sa.sa, sa.len);
		break;
	case OP_LISTEN:
		listen(fd, rint_val(w));
		break;
	case OP_CONNECT:
		sa = raddr(w, fd, true);
		connect(fd, &sa.sa, sa.len);
		break;
	case OP_ACCEPT:
		sl = rlen(w);
		r = accept4(fd, chance(w, 50) ? (struct sockaddr *)w->buf : NULL,
			    chance(w, 50) ? &sl : NULL,
			    (chance(w, 70) ? SOCK_NONBLOCK : 0) |
			    (chance(w, 5) ? (int)rn(w, 1 << 20) : 0));
		if (r >= 0) {
			fd_mark(r, fd_is_v6(fd));
			slot_put(w, r);
		}
		break;
	case OP_SEND:
		sa = raddr(w, fd, true);
		sendto(fd, w->buf, chance(w, 10) ? rn(w, BIGBUF) : rn(w, 2000),
		       MSG_NOSIGNAL | (chance(w, 30) ? MSG_DONTWAIT : 0) |
		       (chance(w, 10) ? MSG_OOB : 0) | (chance(w, 10) ? MSG_MORE : 0) |
		       (chance(w, 5) ? MSG_FASTOPEN : 0),
		       chance(w, 10) ? &sa.sa : NULL, chance(w, 10) ? sa.len : 0);
		break;
	case OP_SENDMSG:
		do_sendmsg(w, fd);
		break;
	case OP_RECV:
	case OP_RECVMSG:
		do_recvmsg(w, fd, op == OP_RECVMSG);
		break;
	case OP_SETSOCKOPT:
	case OP_GETSOCKOPT:
		do_sockopt(w, fd, op == OP_SETSOCKOPT);
		break;
	case OP_SHUTDOWN:
		shutdown(fd, (int)rn(w, 4));
		break;
	case OP_CLOSE:
		r = atomic_exchange(&slots[rn(w, NSLOT)], -1);
		if (r >= 0) {
			if (chance(w, 30)) {
				struct linger lg = { 1, 0 };

				setsockopt(r, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			}
			close(r);
		}
		break;
	case OP_POLL:
		do_poll(w);
		break;
	case OP_EPOLL:
		do_epoll(w, fd);
		break;
	case OP_IOCTL:
		do_ioctl(w, fd);
		break;
	case OP_GETNAME:
		sl = chance(w, 50) ? (socklen_t)sizeof(struct sockaddr_in6) : rlen(w);
		if (chance(w, 50))
			getsockname(fd, (struct sockaddr *)w->buf, &sl);
		else
			getpeername(fd, (struct sockaddr *)w->buf, &sl);
		break;
	case OP_FCNTL:
		r = fcntl(fd, F_GETFL);
		if (r >= 0)
			fcntl(fd, F_SETFL, chance(w, 50) ? r ^ O_NONBLOCK : r | O_NONBLOCK);
		break;
	case OP_SENDFILE:
		sendfile(fd, w->memfd, &off, rn(w, 200000));
		break;
	case OP_SPLICE:
		if (chance(w, 50))
			splice(fd, NULL, w->pipefd[1], NULL, rn(w, 70000),
			       SPLICE_F_NONBLOCK | (chance(w, 50) ? SPLICE_F_MORE : 0));
		else
			splice(w->pipefd[0], NULL, fd, NULL, rn(w, 70000), SPLICE_F_NONBLOCK);
		/* keep the pipe from filling */
		while (read(w->pipefd[0], w->buf, 65536) > 0)
			;
		break;
	case OP_SYSCTL:
		do_sysctl(w);
		break;
	case OP_PROC:
		do_proc(w);
		break;
	case OP_R_LISTEN:
		r = r_listen(w, rn(w, L_NR));
		if (r >= 0)
			slot_put(w, r);
		break;
	case OP_R_CONNECT:
		r = r_connect(PORTBASE + rn(w, NPORT), rn(w, 3));
		if (r >= 0)
			slot_put(w, r);
		break;
	case OP_R_PAIR:
		r_pair(w);
		break;
	case OP_R_TW:
		r_tw(w);
		break;
	default:
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->tid = (pid_t)syscall(SYS_gettid);
	while (!atomic_load(&stop)) {
		long n = atomic_fetch_add(&seqs_done, 1);
		int len = 1 + (int)(mix(&w->seq) % 16);

		if (n >= target || ktcp_now_ms() > deadline) {
			atomic_fetch_sub(&seqs_done, 1);
			break;
		}
		for (int i = 0; i < len; i++) {
			/*
			 * The calls come from w->seq, each call's draws from
			 * a stream of its own: what a call returns (it
			 * depends on timing) changes how many numbers it
			 * draws, never which calls follow.
			 */
			uint64_t r = mix(&w->seq);
			/* the recipes a little more often: they make states */
			enum op op = r % 100 < 12 ? OP_R_LISTEN + (r >> 8) % NRECIPE :
				     (r >> 8) % OP_NR;

			w->rng = mix(&w->seq);

			atomic_store(&w->cur_op, op);
			atomic_store(&w->busy_since, ktcp_now_ms());
			do_op(w, op);
			atomic_store(&w->busy_since, 0);
			atomic_fetch_add(&op_count[op], 1);
			atomic_fetch_add(&calls, 1);
		}
	}
	atomic_store(&w->done, true);
	return NULL;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Interrupt calls that block; a call that outlives @hang_ms is a hang. */
static bool watchdog(int hang_ms)
{
	for (;;) {
		bool alive = false;

		for (int i = 0; i < nthreads; i++) {
			struct worker *w = &workers[i];
			long long t = atomic_load(&w->busy_since);
			long long busy = t ? ktcp_now_ms() - t : 0;

			if (atomic_load(&w->done))
				continue;
			alive = true;
			if (busy > 200)
				pthread_kill(w->th, SIGUSR1);
			if (busy > hang_ms) {
				char path[64], line[256];
				FILE *f;

				printf("# HANG: thread %d in %s for %lld ms; its kernel stack:\n",
				       i, op_name[atomic_load(&w->cur_op)], busy);
				snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w->tid);
				f = fopen(path, "r");
				while (f && fgets(line, sizeof(line), f))
					printf("#   %s", line);
				if (f)
					fclose(f);
				return false;
			}
		}
		if (!alive) {
			for (int i = 0; i < nthreads; i++)
				pthread_join(workers[i].th, NULL);
			return true;
		}
		ktcp_sleep_ms(50);
	}
}

static bool check_lo(void)
{
	int err = ktcp_lo_ping(fam), err6 = ktcp_lo_ping_at(fam6, "::1");

	if (err)
		printf("# check: no connection on lo afterwards: %s\n",
		       strerror(-err));
	if (err6)
		printf("# check: no connection over ::1 afterwards: %s\n",
		       strerror(-err6));
	return !err && !err6;
}

/*
 * Keep netstamp_needed_key on for the whole run with one socket of our
 * own. The SO_TIMESTAMP* calls would otherwise switch it on and off many
 * times a second, and each switch patches kernel text (a static key, with
 * int3 breakpoints): under QEMU TCG that has oopsed on the int3 in
 * __netif_receive_skb_core, a fault of the emulation, not of ktcp.
 */
static void pin_netstamp(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one)))
		fprintf(stderr, "ktcp_sysfuzz: warning: SO_TIMESTAMP pin: %s\n",
			strerror(errno));
	/* left open until exit */
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t seed = 1;
	int opt, tsec = 300, hang_s = 30;
	long long t0;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:t:j:s:H:")) != -1) {
		switch (opt) {
		case 'n': target = atol(optarg); break;
		case 't': tsec = atoi(optarg); break;
		case 'j': nthreads = atoi(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'H': hang_s = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: ktcp_sysfuzz [-n N] [-t S] [-j J] [-s SEED] [-H S]\n");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	/* no SA_RESTART: a blocked call returns EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	if (unshare(CLONE_NEWNET) || ktcp_if_up("lo")) {
		fprintf(stderr, "ktcp_sysfuzz: a netns with lo: %s\n", strerror(errno));
		return 2;
	}
	/*
	 * Short TIME_WAIT, FIN_WAIT2 and orphan lives: the namespace goes
	 * away with the process once its sockets have gone (TCP_LINGER2 can
	 * still keep a FIN_WAIT2 orphan for 120 s, as in Linux).
	 */
	write_file("/proc/sys/net/ktcp/tw_timeout_ms", "1000\n");
	write_file("/proc/sys/net/ktcp/fin_timeout", "1\n");
	write_file("/proc/sys/net/ktcp/orphan_retries", "2\n");
	sysctl_save();
	fam = ktcp_family();
	fam6 = ktcp_family6();
	pin_netstamp();
	for (int i = 0; i < NSLOT; i++)
		atomic_store(&slots[i], -1);
	printf("# ktcp_sysfuzz: seed %llu, %ld sequences, %d threads, %d s at most, families %d and %d\n",
	       (unsigned long long)seed, target, nthreads, tsec, fam, fam6);
	t0 = ktcp_now_ms();
	deadline = t0 + tsec * 1000LL;
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->seq = seed * 1000003ULL + (uint64_t)i;
		w->buf = mmap(NULL, BIGBUF, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		w->epfd = epoll_create1(0);
		w->memfd = memfd_create("ktcp_sysfuzz", 0);
		if (w->buf == MAP_FAILED || w->epfd < 0 || w->memfd < 0 ||
		    pipe2(w->pipefd, O_NONBLOCK) || ftruncate(w->memfd, 300000)) {
			fprintf(stderr, "ktcp_sysfuzz: set-up: %s\n", strerror(errno));
			return 2;
		}
		memset(w->buf, 'k', BIGBUF);
		if (pthread_create(&w->th, NULL, worker_main, w)) {
			fprintf(stderr, "ktcp_sysfuzz: pthread_create failed\n");
			return 2;
		}
	}
	ok = watchdog(ktcp_ms(hang_s * 1000L));
	if (!ok) {
		printf("RESULT FAIL sequences=%ld calls=%ld why=hang\n",
		       atomic_load(&seqs_done), atomic_load(&calls));
		fflush(stdout);
		_exit(1);
	}
	for (int i = 0; i < NSLOT; i++) {
		int fd = atomic_exchange(&slots[i], -1);

		if (fd >= 0)
			close(fd);
	}
	sysctl_restore();
	ok = check_lo();
	printf("# calls per op:");
	for (int i = 0; i < OP_NR; i++)
		printf(" %s=%ld", op_name[i], atomic_load(&op_count[i]));
	printf("\n# recipes: pairs accepted ipv4=%ld ipv6=%ld, open TIME_WAIT sockets ipv4=%ld ipv6=%ld",
	       atomic_load(&made_pair4), atomic_load(&made_pair6),
	       atomic_load(&made_tw4), atomic_load(&made_tw6));
	printf("\nRESULT %s sequences=%ld target=%ld calls=%ld threads=%d secs=%.1f\n",
	       ok ? "ok" : "FAIL", atomic_load(&seqs_done), target,
	       atomic_load(&calls), nthreads, (ktcp_now_ms() - t0) / 1000.0);
	return ok ? 0 : 1;
}
