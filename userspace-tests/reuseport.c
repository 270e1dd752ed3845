// SPDX-License-Identifier: GPL-2.0
/*
 * SO_REUSEPORT groups and SO_BINDTODEVICE on listeners, as native TCP has
 * them: each case runs on native TCP (Linux's answer) and on ktcp, each in
 * a fresh namespace, and the results (which listener accepted each
 * connection, each call's errno) must be equal. Clients are native.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <net/if.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lib/ktcptest.h"

#define RP_PORT		7300
#define RP_CONNS	16
#define RP_LOG		512

struct rp_run {
	int family;
	char log[RP_LOG];
};

static void rp_note(struct rp_run *r, const char *step, int ret)
{
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s=%s ", step,
		 ret < 0 ? strerrorname_np(errno) : "0");
}

static void rp_note_str(struct rp_run *r, const char *step, const char *v)
{
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s=%s ", step, v);
}

static int rp_listener(int family, const char *dev, bool reuseport)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(RP_PORT) };
	int one = 1, fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev,
			      strlen(dev) + 1))
		goto fail;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 64))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Connect @n native clients to 127.0.0.1; note which of @ls accepted each. */
static void rp_connect_all(struct rp_run *r, const int *ls, int nls, int n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(RP_PORT),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char who[RP_CONNS + 1] = "";
	struct pollfd pfd[4];
	int i, j, c, a;

	for (i = 0; i < n && i < RP_CONNS; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sin, sizeof(sin))) {
			who[i] = 'x';
			close(c);
			continue;
		}
		who[i] = '-';
		for (j = 0; j < nls; j++) {
			pfd[j].fd = ls[j];
			pfd[j].events = POLLIN;
		}
		if (poll(pfd, nls, ktcp_ms(2000)) <= 0)
			goto next;
		for (j = 0; j < nls; j++) {
			if (!(pfd[j].revents & POLLIN))
				continue;
			a = accept(ls[j], NULL, NULL);
			if (a >= 0) {
				who[i] = 'a' + j;
				close(a);
				break;
			}
		}
next:
		close(c);
	}
	who[i] = 0;
	rp_note_str(r, "accepted_by", who);
}

/*
 * The last "accepted_by=" noted: a member, any, for each connection. Which
 * member the hash picks differs between namespaces (inet_ehashfn() is keyed
 * per namespace), so runs compare only that some member accepted.
 */
static void rp_mask_last(struct rp_run *r)
{
	char *p = NULL, *q = r->log;

	while ((q = strstr(q, "accepted_by=")))
		p = q += 12;
	for (; p && *p && *p != ' '; p++)
		if (*p >= 'a' && *p <= 'd')
			*p = '+';
}

/* A classic BPF program answering @index: the group member it picks. */
static int rp_attach_cbpf(int fd, int index)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, index) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
			  sizeof(prog));
}

/* A CBPF program steers every SYN to the group's second member. */
static void rp_cbpf(struct rp_run *r)
{
	int ls[3], one = 1;

	ls[0] = rp_listener(r->family, NULL, true);
	ls[1] = rp_listener(r->family, NULL, true);
	ls[2] = rp_listener(r->family, NULL, true);
	rp_note(r, "listen", ls[0] < 0 || ls[1] < 0 || ls[2] < 0 ? -1 : 0);
	rp_note(r, "attach", rp_attach_cbpf(ls[0], 1));
	rp_connect_all(r, ls, 3, 8);
	rp_note(r, "detach", setsockopt(ls[0], SOL_SOCKET,
					SO_DETACH_REUSEPORT_BPF, &one,
					sizeof(one)));
	rp_connect_all(r, ls, 3, 1);
	rp_mask_last(r);
	rp_note(r, "detach_again", setsockopt(ls[0], SOL_SOCKET,
					      SO_DETACH_REUSEPORT_BPF, &one,
					      sizeof(one)));
	close(ls[0]);
	close(ls[1]);
	close(ls[2]);
}

/* An index out of the group falls back to the 4-tuple hash: none lost. */
static void rp_cbpf_out_of_range(struct rp_run *r)
{
	int ls[2];

	ls[0] = rp_listener(r->family, NULL, true);
	ls[1] = rp_listener(r->family, NULL, true);
	rp_note(r, "attach", rp_attach_cbpf(ls[1], 7));
	rp_connect_all(r, ls, 2, 4);
	rp_mask_last(r);
	close(ls[0]);
	close(ls[1]);
}

/*
 * Listeners bound to two devices share the address and port; a SYN on lo
 * goes to lo's. An unbound one conflicts with both.
 */
static void rp_devices(struct rp_run *r)
{
	int ls[2], any, ns = open("/proc/self/ns/net", O_RDONLY);

	rp_note(r, "veth", ktcp_veth_create("rpv0", "rpv1", ns));
	close(ns);
	ls[0] = rp_listener(r->family, "rpv0", false);
	rp_note(r, "listen_rpv0", ls[0]);
	ls[1] = rp_listener(r->family, "lo", false);
	rp_note(r, "listen_lo", ls[1]);
	any = rp_listener(r->family, NULL, false);
	rp_note(r, "listen_any", any);
	rp_connect_all(r, ls, 2, 2);
	close(ls[0]);
	close(ls[1]);
	if (any >= 0)
		close(any);
}

static int rp_run_one(void (*fn)(struct rp_run *), struct rp_run *r)
{
	struct rp_run *shared;
	int status;
	pid_t pid;

	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	*shared = *r;
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) || ktcp_if_up("lo"))
			_exit(2);
		fn(shared);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status) {
		munmap(shared, sizeof(*shared));
		return -1;
	}
	*r = *shared;
	munmap(shared, sizeof(*shared));
	return 0;
}

static void rp_compare(struct __test_metadata *_metadata,
		       void (*fn)(struct rp_run *))
{
	struct rp_run native = { .family = AF_INET };
	struct rp_run ktcp = { .family = ktcp_module_family() };

	ASSERT_EQ(0, rp_run_one(fn, &native));
	ASSERT_EQ(0, rp_run_one(fn, &ktcp));
	TH_LOG("native: %s", native.log);
	EXPECT_STREQ(native.log, ktcp.log);
}

TEST(cbpf_steers) { rp_compare(_metadata, rp_cbpf); }
TEST(cbpf_out_of_range) { rp_compare(_metadata, rp_cbpf_out_of_range); }
TEST(bound_devices) { rp_compare(_metadata, rp_devices); }

TEST_HARNESS_MAIN
