// SPDX-License-Identifier: GPL-2.0
/*
 * Supervisor mode, for programs LD_PRELOAD cannot reach: static binaries
 * and runtimes that make system calls themselves (Go, busybox-static).
 *
 * The child installs a seccomp filter that sends socket(AF_INET or
 * AF_INET6, SOCK_STREAM...) to user space (SECCOMP_RET_USER_NOTIF) and lets every
 * other call through in the kernel, passes the filter's listener fd to the
 * launcher over a socketpair, and execs PROG. The filter is inherited by
 * every thread and child, and survives exec. For each notification the
 * launcher makes the ktcp socket itself and installs it in the caller with
 * SECCOMP_IOCTL_NOTIF_ADDFD + SECCOMP_ADDFD_FLAG_SEND (Linux 5.14), which
 * also completes the call with the new fd number; calls it does not
 * convert continue to the kernel (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ktcp-run.h"

#if defined(__x86_64__)
#define KTCP_RUN_AUDIT_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define KTCP_RUN_AUDIT_ARCH	AUDIT_ARCH_AARCH64
#else
#error "ktcp-run: supervisor mode knows x86_64 and aarch64 only"
#endif

/* socket()'s int arguments are the low 32 bits of the 64-bit slots */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]))
#else
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define SOCK_TYPE_MASK	0xf
#define KTCP_SOCK_FLAGS	(SOCK_NONBLOCK | SOCK_CLOEXEC)

static pid_t child_pid;

/*
 * Only socket(AF_INET or AF_INET6, SOCK_STREAM | flags, *) (AF_INET6 ones
 * go back to the kernel when the module has no family6) and
 * getsockopt(SOL_SOCKET, SO_DOMAIN or SO_PROTOCOL) reach user space:
 * every other system call of the program stays in the kernel at full
 * speed. Another ABI (x32, i386 on x86_64) is let through natively. Jump offsets count from the next instruction.
 */
static int install_filter(void)
{
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, KTCP_RUN_AUDIT_ARCH, 0, 14),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 6),
		/* 4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 1, 0),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 0, 9),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		/* 8 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, SOCK_TYPE_MASK),
		/* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_STREAM, 7, 6),
		/* 10: A is still nr */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getsockopt, 0, 5),
		/* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, 3),
		/* 13 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		/* 14 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_DOMAIN, 2, 0),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_PROTOCOL, 1, 0),
		/* 16 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 17 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	int fd;

	/*
	 * Root may install a filter as it is, which keeps setuid programs
	 * working for it; anyone else needs no_new_privs first.
	 */
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0 && errno == EACCES) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			return -1;
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	}
	return fd;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* In the child: filter, hand the listener over, become PROG. */
static void __attribute__((noreturn)) child(int sock, char **argv)
{
	int fd = install_filter();

	if (fd < 0) {
		fprintf(stderr, "ktcp-run: seccomp user notification: %s (needs Linux >= 5.0; ADDFD_FLAG_SEND >= 5.14)\n",
			strerror(errno));
		_exit(KTCP_RUN_EXIT_FAIL);
	}
	if (send_fd(sock, fd)) {
		fprintf(stderr, "ktcp-run: passing the seccomp listener: %s\n", strerror(errno));
		_exit(KTCP_RUN_EXIT_FAIL);
	}
	close(fd);
	close(sock);
	ktcp_run_exec(argv);
}

static int respond(int listener, __u64 id, int error, bool cont)
{
	struct seccomp_notif_resp resp = {
		.id = id,
		.error = error,
		.flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0,
	};

	/* ENOENT: the caller was interrupted or is gone; nothing to answer */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
		return -1;
	return 0;
}

struct supervisor {
	int listener;
	int family;
	int family6;		/* 0: AF_INET6 stays native */
	bool verbose;
	bool fallback;
};

/*
 * One socket() call: the type flags are kept, SOCK_NONBLOCK on the file we
 * create (the status flags travel with it), SOCK_CLOEXEC as the installed
 * fd's flag since our own copy is always close-on-exec.
 */
static int convert(struct supervisor *s, struct seccomp_notif *req)
{
	int type = (int)req->data.args[1], proto = (int)req->data.args[2];
	struct seccomp_notif_addfd add = {
		.id = req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.newfd_flags = (type & SOCK_CLOEXEC) ? O_CLOEXEC : 0,
	};
	int domain = (int)req->data.args[0];
	int family = domain == AF_INET ? s->family :
		     domain == AF_INET6 ? s->family6 : 0;
	int fd, ret, err;

	if (family <= 0 || (type & ~KTCP_SOCK_FLAGS) != SOCK_STREAM ||
	    (proto != 0 && proto != IPPROTO_TCP))
		return respond(s->listener, req->id, 0, true);

	fd = socket(family, (type & SOCK_NONBLOCK) | SOCK_STREAM | SOCK_CLOEXEC, proto);
	if (fd < 0) {
		err = errno;
		if (s->verbose)
			fprintf(stderr, "ktcp-run: pid %u: ktcp socket failed: %s%s\n",
				req->pid, strerror(err), s->fallback ? ", native TCP" : "");
		return respond(s->listener, req->id, s->fallback ? 0 : -err, s->fallback);
	}
	add.srcfd = fd;
	ret = ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add);
	err = errno;
	close(fd);
	if (ret >= 0) {
		if (s->verbose)
			fprintf(stderr, "ktcp-run: pid %u: socket(%s, SOCK_STREAM) -> ktcp fd %d\n",
				req->pid, domain == AF_INET6 ? "AF_INET6" : "AF_INET", ret);
		return 0;
	}
	if (err == ENOENT)
		return 0;
	/* not installed (EMFILE in the caller, say): the call fails with it */
	return respond(s->listener, req->id, -err, false);
}

/* the thread group of thread TID, for pidfd_open() (threads need 6.9) */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* the caller's fd FD, copied into the supervisor (pidfd_getfd, 5.6) */
static int caller_fd(pid_t tid, int fd)
{
	int pidfd, ret;

	pidfd = syscall(SYS_pidfd_open, tgid_of(tid), 0);
	if (pidfd < 0)
		return -1;
	ret = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	return ret;
}

/*
 * getsockopt(SO_DOMAIN) or getsockopt(SO_PROTOCOL) on a ktcp socket: the
 * kernel would answer ktcp's family (family6) or IPPROTO_KTCP, the program
 * asked for AF_INET (AF_INET6) and IPPROTO_TCP; write those into its buffers and complete the
 * call. Anything unexpected (not ktcp, a short or bad buffer) continues to
 * the kernel, which answers as it always does.
 */
static int fix_sockopt(struct supervisor *s, struct seccomp_notif *req)
{
	int fd = caller_fd(req->pid, (int)req->data.args[0]);
	int domain = 0, val;
	socklen_t len = sizeof(domain), ulen = 0;
	struct iovec local = { &ulen, sizeof(ulen) };
	struct iovec remote = { (void *)(uintptr_t)req->data.args[4], sizeof(ulen) };

	if (fd < 0)
		return respond(s->listener, req->id, 0, true);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		domain = 0;
	close(fd);
	if ((domain != s->family && (!s->family6 || domain != s->family6)) ||
	    process_vm_readv(req->pid, &local, 1, &remote, 1, 0) != sizeof(ulen) ||
	    ulen < sizeof(int))
		return respond(s->listener, req->id, 0, true);
	/* still the same call? tid reuse must not have us write elsewhere */
	if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id))
		return 0;
	val = req->data.args[2] == SO_PROTOCOL ? IPPROTO_TCP :
	      domain == s->family ? AF_INET : AF_INET6;
	ulen = sizeof(int);
	local = (struct iovec){ &val, sizeof(val) };
	remote = (struct iovec){ (void *)(uintptr_t)req->data.args[3], sizeof(val) };
	if (process_vm_writev(req->pid, &local, 1, &remote, 1, 0) != sizeof(val))
		return respond(s->listener, req->id, -EFAULT, false);
	local = (struct iovec){ &ulen, sizeof(ulen) };
	remote = (struct iovec){ (void *)(uintptr_t)req->data.args[4], sizeof(ulen) };
	if (process_vm_writev(req->pid, &local, 1, &remote, 1, 0) != sizeof(ulen))
		return respond(s->listener, req->id, -EFAULT, false);
	return respond(s->listener, req->id, 0, false);
}

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/*
 * SIGINT and SIGQUIT from a terminal reach PROG through the process group
 * already; SIGTERM and SIGHUP sent to the launcher alone are passed on.
 * The launcher must outlive PROG: without it PROG's socket() calls fail.
 */
static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = forward_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

/* exit status as a shell reports it */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return KTCP_RUN_EXIT_FAIL;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Serve notifications until PROG (the direct child) exits. */
static int serve(struct supervisor *s, pid_t pid)
{
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct pollfd pfd[2];
	size_t len;

	/* the kernel's struct may be larger than our headers' */
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		return -1;
	len = sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif : sizeof(*req);
	req = malloc(len);
	pfd[0].fd = s->listener;
	pfd[1].fd = syscall(SYS_pidfd_open, pid, 0);
	if (!req || pfd[1].fd < 0)
		return -1;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		/* POLLHUP: no task holds the filter any more */
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			pfd[0].fd = -1;
		if (!(pfd[0].revents & POLLIN))
			continue;
		memset(req, 0, len);
		if (ioctl(s->listener, SECCOMP_IOCTL_NOTIF_RECV, req))
			continue;	/* EINTR, or ENOENT: the caller is gone */
		if ((req->data.nr == __NR_getsockopt ? fix_sockopt(s, req) :
		     convert(s, req)))
			fprintf(stderr, "ktcp-run: answering pid %u: %s\n", req->pid, strerror(errno));
	}
	free(req);
	close(pfd[1].fd);
	return 0;
}

int ktcp_run_supervise(char **argv, int family, int family6, bool verbose,
		       bool fallback)
{
	struct supervisor s = { .family = family, .family6 = family6,
				.verbose = verbose, .fallback = fallback };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("ktcp-run: socketpair");
		return KTCP_RUN_EXIT_FAIL;
	}
	fflush(NULL);
	child_pid = fork();
	if (child_pid < 0) {
		perror("ktcp-run: fork");
		return KTCP_RUN_EXIT_FAIL;
	}
	if (child_pid == 0) {
		close(sv[0]);
		child(sv[1], argv);
	}
	close(sv[1]);
	setup_signals();
	s.listener = recv_fd(sv[0]);
	close(sv[0]);
	if (s.listener < 0)	/* the child said why and exited 125 */
		return wait_child(child_pid);
	if (serve(&s, child_pid)) {
		perror("ktcp-run: supervisor");
		kill(child_pid, SIGKILL);
	}
	close(s.listener);
	return wait_child(child_pid);
}
