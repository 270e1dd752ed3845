// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_sysfuzz: a syscall fuzzer for ktcp sockets. Several threads run
 * random sequences of socket calls over one shared table of ktcp sockets,
 * so that the same socket is hit from several threads at once, in a fresh
 * network namespace with lo (connections to ports on 127.0.0.1 there).
 * userspace-tests/fuzz.sh runs it.
 *
 *   ktcp_sysfuzz [options]
 *
 * Calls: socket (good and bad types and protocols), bind and connect (good
 * and bad addresses, families and lengths, AF_UNSPEC), listen, accept4,
 * send/sendto/sendmsg and recv/recvmsg with random flags (MSG_OOB,
 * MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_ERRQUEUE, MSG_ZEROCOPY,
 * MSG_FASTOPEN, ...) and control messages, setsockopt and getsockopt over
 * every option number of SOL_SOCKET, SOL_IP and SOL_TCP in a range past
 * the last one Linux 6.12 knows, with random lengths and values, shutdown,
 * close, poll, epoll, ioctl (SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, SIOCATMARK,
 * FIONBIO, the timestamp ioctls...), getsockname/getpeername, fcntl,
 * sendfile and splice, writes of the namespace's net.ktcp sysctls; and
 * recipes that make listeners, connections and accepted sockets, so that
 * the calls find sockets in every state.
 *
 * A watchdog thread interrupts a call that blocks for more than 200 ms
 * with a signal (without SA_RESTART, so a blocking call returns EINTR:
 * that path is fuzzed too); a call still inside the kernel after the
 * hang bound is a hang: its thread's kernel stack is printed and the run
 * fails. At the end every socket is closed and a fresh connection on lo
 * must carry data.
 *
 * Options:
 *   -n N      sequences in all threads (default 2000)
 *   -t S      stop after S seconds even if fewer ran (default 300)
 *   -j J      threads (default 4)
 *   -s SEED   random seed (default 1); thread i draws from SEED and i
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

#define NSLOT		32
#define PORTBASE	20000
#define NPORT		8
#define MAX_THREADS	16
#define BIGBUF		(1 << 20)

enum op {
	OP_SOCKET, OP_BIND, OP_LISTEN, OP_CONNECT, OP_ACCEPT, OP_SEND,
	OP_SENDMSG, OP_RECV, OP_RECVMSG, OP_SETSOCKOPT, OP_GETSOCKOPT,
	OP_SHUTDOWN, OP_CLOSE, OP_POLL, OP_EPOLL, OP_IOCTL, OP_GETNAME,
	OP_FCNTL, OP_SENDFILE, OP_SPLICE, OP_SYSCTL, OP_R_LISTEN,
	OP_R_CONNECT, OP_R_PAIR, OP_NR
};

static const char *const op_name[OP_NR] = {
	"socket", "bind", "listen", "connect", "accept", "send", "sendmsg",
	"recv", "recvmsg", "setsockopt", "getsockopt", "shutdown", "close",
	"poll", "epoll", "ioctl", "getname", "fcntl", "sendfile", "splice",
	"sysctl", "r_listen", "r_connect", "r_pair",
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
	uint64_t rng;
	int epfd, pipefd[2], memfd;
	_Atomic long long busy_since;	/* ms, 0: between calls */
	_Atomic int cur_op;
	_Atomic bool done;
	char *buf;
};

static _Atomic int slots[NSLOT];
static _Atomic long seqs_done, calls, op_count[OP_NR];
static _Atomic bool stop;
static long target = 2000;
static long long deadline;
static struct worker workers[MAX_THREADS];
static int nthreads = 4;
static int fam;

static uint64_t rnd(struct worker *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
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

static struct sockaddr_in raddr(struct worker *w, bool connect)
{
	static const char *const ips[] = { "127.0.0.1", "127.0.0.1", "0.0.0.0",
					   "127.0.0.2", "198.18.9.9",
					   "255.255.255.255", "224.0.0.1" };
	struct sockaddr_in sa;
	uint16_t port;

	if (chance(w, 70))
		port = PORTBASE + rn(w, NPORT);
	else
		port = chance(w, 50) ? 0 : (uint16_t)rnd(w);
	sa = ktcp_sin(ips[connect && chance(w, 70) ? 0 : rn(w, 7)], port);
	if (chance(w, 5))
		sa.sin_family = chance(w, 50) ? AF_UNSPEC : (sa_family_t)rn(w, 50);
	return sa;
}

static int new_sock(struct worker *w)
{
	int type = SOCK_STREAM, proto = 0;

	if (chance(w, 50))
		type |= SOCK_NONBLOCK;
	if (chance(w, 5))
		type = (int)rn(w, 12) | (chance(w, 50) ? SOCK_CLOEXEC : 0);
	if (chance(w, 5))
		proto = chance(w, 50) ? IPPROTO_TCP : (int)rn(w, 300);
	return socket(fam, type, proto);
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

static void do_sockopt(struct worker *w, int fd, bool set)
{
	static const char *const cc[] = { "cubic", "reno", "bbr", "", "x" };
	int level, name, maxname;
	socklen_t len = rlen(w);
	char *b = w->buf;

	switch (rn(w, 7)) {
	case 0: case 1: level = SOL_SOCKET; maxname = 90; break;
	case 2: case 3: level = SOL_IP; maxname = 100; break;
	case 4: case 5: level = SOL_TCP; maxname = 50; break;
	default: level = chance(w, 50) ? (int)rn(w, 300) : (int)rnd(w); maxname = 100;
	}
	name = (int)rn(w, maxname);
	if (!set) {
		if (chance(w, 5))
			len = (socklen_t)-1;
		getsockopt(fd, level, name, b, &len);
		return;
	}
	for (socklen_t i = 0; i < len; i += 4) {
		int v = rint_val(w);

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
	struct sockaddr_in sa = raddr(w, true);
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
		m.msg_name = &sa;
		m.msg_namelen = chance(w, 80) ? sizeof(sa) : rlen(w);
	}
	if (chance(w, 20)) {
		/* a control message: SO_TIMESTAMPING, IP_TOS, garbage... */
		memset(&ctl, 0, sizeof(ctl));
		ctl.c.cmsg_len = CMSG_LEN(4 * rn(w, 3));
		ctl.c.cmsg_level = chance(w, 50) ? SOL_SOCKET : (chance(w, 50) ? SOL_IP : (int)rn(w, 300));
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
	struct sockaddr_in sa;
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

static int r_listen(struct worker *w)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", PORTBASE + rn(w, NPORT));
	int one = 1, fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (chance(w, 30))
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, (int)rn(w, 16))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int r_connect(uint16_t port)
{
	struct sockaddr_in sa = ktcp_sin("127.0.0.1", port);
	int fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	return fd;
}

static void r_pair(struct worker *w)
{
	int l = r_listen(w), c, a;

	if (l < 0)
		return;
	c = r_connect((uint16_t)ktcp_local_port(l));
	ktcp_poll1(l, POLLIN, 50, NULL);
	a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	if (c >= 0 && chance(w, 50))
		send(c, w->buf, rn(w, 100000), MSG_DONTWAIT | MSG_NOSIGNAL |
		     (chance(w, 20) ? MSG_OOB : 0));
	slot_put(w, l);
	if (c >= 0)
		slot_put(w, c);
	if (a >= 0)
		slot_put(w, a);
}

static void do_op(struct worker *w, enum op op)
{
	struct sockaddr_in sa;
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
		sa = raddr(w, false);
		bind(fd, (struct sockaddr *)&sa, chance(w, 85) ? sizeof(sa) : rlen(w));
		break;
	case OP_LISTEN:
		listen(fd, rint_val(w));
		break;
	case OP_CONNECT:
		sa = raddr(w, true);
		connect(fd, (struct sockaddr *)&sa, chance(w, 85) ? sizeof(sa) : rlen(w));
		break;
	case OP_ACCEPT:
		sl = rlen(w);
		r = accept4(fd, chance(w, 50) ? (struct sockaddr *)w->buf : NULL,
			    chance(w, 50) ? &sl : NULL,
			    (chance(w, 70) ? SOCK_NONBLOCK : 0) |
			    (chance(w, 5) ? (int)rn(w, 1 << 20) : 0));
		if (r >= 0)
			slot_put(w, r);
		break;
	case OP_SEND:
		sa = raddr(w, true);
		sendto(fd, w->buf, chance(w, 10) ? rn(w, BIGBUF) : rn(w, 2000),
		       MSG_NOSIGNAL | (chance(w, 30) ? MSG_DONTWAIT : 0) |
		       (chance(w, 10) ? MSG_OOB : 0) | (chance(w, 10) ? MSG_MORE : 0) |
		       (chance(w, 5) ? MSG_FASTOPEN : 0),
		       chance(w, 10) ? (struct sockaddr *)&sa : NULL,
		       chance(w, 10) ? sizeof(sa) : 0);
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
		sl = rlen(w);
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
	case OP_R_LISTEN:
		r = r_listen(w);
		if (r >= 0)
			slot_put(w, r);
		break;
	case OP_R_CONNECT:
		r = r_connect(PORTBASE + rn(w, NPORT));
		if (r >= 0)
			slot_put(w, r);
		break;
	case OP_R_PAIR:
		r_pair(w);
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
		int len = 1 + (int)rn(w, 16);

		if (n >= target || ktcp_now_ms() > deadline) {
			atomic_fetch_sub(&seqs_done, 1);
			break;
		}
		for (int i = 0; i < len; i++) {
			/* the recipes a little more often: they make states */
			enum op op = chance(w, 12) ? OP_R_LISTEN + rn(w, 3) : rn(w, OP_NR);

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
	int err = ktcp_lo_ping(fam);

	if (err)
		printf("# check: no connection on lo afterwards: %s\n",
		       strerror(-err));
	return !err;
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
	pin_netstamp();
	for (int i = 0; i < NSLOT; i++)
		atomic_store(&slots[i], -1);
	printf("# ktcp_sysfuzz: seed %llu, %ld sequences, %d threads, %d s at most, family %d\n",
	       (unsigned long long)seed, target, nthreads, tsec, fam);
	t0 = ktcp_now_ms();
	deadline = t0 + tsec * 1000LL;
	for (int i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		w->id = i;
		w->rng = seed * 1000003ULL + (uint64_t)i;
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
	printf("\nRESULT %s sequences=%ld target=%ld calls=%ld threads=%d secs=%.1f\n",
	       ok ? "ok" : "FAIL", atomic_load(&seqs_done), target,
	       atomic_load(&calls), nthreads, (ktcp_now_ms() - t0) / 1000.0);
	return ok ? 0 : 1;
}
