/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libktcptest: what the ktcp userspace tests and tools share. Built once
 * into userspace-tests/build/libktcptest.a from the .c files here:
 *
 *   family.c   the family under test, modes, timeouts, clocks, sizes
 *   sock.c     sockets: connect/accept/send/recv with timeouts
 *   stream.c   deterministic byte streams, FNV-1a, a duplex transfer, a sink
 *   bulk.c     SHA-256 and the bulk transfer engine (netem, ktcp_bench)
 *   proc.c     /proc/net/ktcp, the counters, the sysctls
 *   netns.c    interfaces: addresses, flags, veth, offloads (rtnetlink)
 *   topo.c     namespaces and the veth topology (also tools/ktcp_topo's,
 *              which topo.sh runs for the shell scripts); tc commands
 *   tc.c       tc filters that count or drop matching segments (tc -batch)
 *   bpf.c      BPF programs written as instructions, maps, cgroup attach
 *   fail.c     how library helpers fail a kselftest test
 *   parity.c   differential cases: native TCP against the tested family
 *   parity_ops.c  the calls those cases make
 *
 * The socket family under test comes from the environment:
 *   KTCP_TEST_FAMILY unset   AF_KTCP: /sys/module/ktcp/parameters/family,
 *                            falling back to AF_KTCP_DEFAULT
 *   KTCP_TEST_FAMILY=inet    native AF_INET TCP, to validate the suite on a
 *                            host without the module; /proc/net/tcp,
 *                            /proc/net/snmp and /proc/net/netstat stand in
 *                            for /proc/net/ktcp and /proc/net/ktcp_snmp
 *   KTCP_TEST_FAMILY=<n>     family number n
 * and the IPv6 one (ktcp_family6()) follows it: AF_KTCP6 from
 * /sys/module/ktcp/parameters/family6 (falling back to AF_KTCP6_DEFAULT),
 * or AF_INET6 when the family above is native AF_INET.
 *   KTCP_TEST_TIMEOUT_MULT   scales every harness and I/O timeout (default 1)
 *
 * Helpers that take a struct __test_metadata fail the test on error, like
 * ASSERT (the glue at the end of this file, compiled into each test, does
 * that); they must run in the test's main thread. Helpers without one
 * return -errno and are safe in helper threads. The library itself does not
 * include kselftest_harness.h: that header defines globals and can only be
 * in one file of a program. A test includes kselftest_harness.h, then this
 * header (which sees the harness and adds the glue); a tool only this one.
 */
#ifndef KTCPTEST_H
#define KTCPTEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/bpf.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "../../module/uapi/ktcp.h"

struct __test_metadata;		/* kselftest_harness.h; opaque here */

/* ---- family.c: family, mode, timeouts, time ---- */

/* Linux TCP state numbers, as printed in /proc/net/ktcp and /proc/net/tcp. */
enum {
	KT_ESTABLISHED = 0x01,
	KT_SYN_SENT = 0x02,
	KT_SYN_RECV = 0x03,
	KT_FIN_WAIT1 = 0x04,
	KT_FIN_WAIT2 = 0x05,
	KT_TIME_WAIT = 0x06,
	KT_CLOSE = 0x07,
	KT_CLOSE_WAIT = 0x08,
	KT_LAST_ACK = 0x09,
	KT_LISTEN = 0x0A,
	KT_CLOSING = 0x0B,
};

#define KT_ANY		(-1)	/* wildcard for state and port filters */

/* Defaults of the ktcp sysctls (contract) and of native Linux. */
#define KTCP_TW_DEFAULT_MS	60000
#define KTCP_FIN_DEFAULT_S	60	/* net.ktcp.fin_timeout, seconds */
#define NATIVE_TW_MS		60000	/* TCP_TIMEWAIT_LEN, not tunable */

/* Base timeouts, before KTCP_TEST_TIMEOUT_MULT. QEMU TCG is slow. */
#define KTCP_IO_IDLE_MS		30000	/* no progress at all for this long */
#define KTCP_STATE_WAIT_MS	30000	/* state change that needs no timer */

#define KTCP_NATIVE_REASON "KTCP_TEST_FAMILY=inet (native TCP)"

const char *ktcp_state_name(int st);
/* The ktcp family number: the loaded module's, else AF_KTCP. */
int ktcp_module_family(void);
/* The IPv6 family number: the loaded module's family6, else AF_KTCP6. */
int ktcp_module_family6(void);
/*
 * "ktcp", "inet"/"native", "ktcp6" (ktcp_family6()), "inet6" or a number;
 * -1 if none of those.
 */
int ktcp_parse_family(const char *s);
/* The family "ktcp sockets" are created in (AF_INET in native mode). */
int ktcp_family(void);
/* AF_INET6 sockets' counterpart: AF_INET6 when ktcp_family() is AF_INET. */
int ktcp_family6(void);
/* ktcp_family6() if @v6, else ktcp_family(); native's: AF_INET6, AF_INET */
int ktcp_family_ip(bool v6);
int native_family_ip(bool v6);
/* "::1" or "127.0.0.1" */
const char *ktcp_loopback(bool v6);
/* True when KTCP_TEST_FAMILY=inet: the suite runs against native TCP. */
bool ktcp_native(void);
/* KTCP_TEST_TIMEOUT_MULT, read once. */
double ktcp_timeout_mult(void);
/* A timeout in ms, scaled by KTCP_TEST_TIMEOUT_MULT. */
int ktcp_ms(long base_ms);
long long ktcp_now_ms(void);
void ktcp_sleep_ms(long ms);
/* "64M", "512K", "1G", "12345": bytes (K/M/G are binary); 0 on error. */
uint64_t ktcp_parse_size(const char *s);

/* ---- fail.c ---- */

/* Fail the test like ASSERT: log @fmt and never return. */
void ktcp_fail(struct __test_metadata *t, const char *file, int line,
	       const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));
/* Log like TH_LOG. */
void ktcp_log(struct __test_metadata *t, const char *file, int line,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define KTCP_FAIL(t, ...)	ktcp_fail(t, __FILE__, __LINE__, __VA_ARGS__)
#define KTCP_LOG(t, ...)	ktcp_log(t, __FILE__, __LINE__, __VA_ARGS__)
/* Set by the harness glue below; without it ktcp_fail() aborts. */
extern void (*ktcp_report_hook)(struct __test_metadata *t, const char *file,
				int line, const char *msg, bool fatal);

/* ---- sock.c: addresses and sockets ---- */

struct sockaddr_in ktcp_sin(const char *ip, uint16_t port);
/* An AF_INET6 address of @ip (no scope id) and @port. */
struct sockaddr_in6 ktcp_sin6(const char *ip, uint16_t port);
/* @ip ("::1"; "::ffff:127.0.0.1" for "127.0.0.1") into @a: 0 or -EINVAL */
int ktcp_in6(const char *ip, struct in6_addr *a);
/*
 * @ip and @port as a sockaddr_in, or a sockaddr_in6 when @ip has a ':'
 * ("::1", "fe80::2%kt_va": the scope id of that device in the calling
 * thread's netns): its length, 0 if @ip is not an address.
 */
socklen_t ktcp_sockaddr(struct sockaddr_storage *ss, const char *ip,
			uint16_t port);
int ktcp_local_port(int fd);
int ktcp_peer_port(int fd);
int ktcp_set_nonblock(int fd, bool on);
/* Close *@fd with a RST (SO_LINGER 0) if it is open; *@fd becomes -1. */
void ktcp_abort_fd(int *fd);
/* SO_RCVTIMEO/SO_SNDTIMEO so that blocking calls cannot hang forever. */
int ktcp_set_io_timeouts(int fd, int ms);
/* Connect within @timeout_ms: 0 or -errno (-ETIMEDOUT). Thread-safe. */
int ktcp_connect_fd(int fd, const struct sockaddr_in *sa, int timeout_ms);
/* The same for any sockaddr of @len bytes. */
int ktcp_connect_sa(int fd, const void *sa, socklen_t len, int timeout_ms);
/* A connection on 127.0.0.1 of @family, a ping and a pong: 0 or -errno. */
int ktcp_lo_ping(int family);
/* The same on loopback address @ip (as ktcp_sockaddr() takes it). */
int ktcp_lo_ping_at(int family, const char *ip);
/* poll() for @events on one fd; 1 ready, 0 timeout, -errno. */
int ktcp_poll1(int fd, short events, int timeout_ms, short *revents);
/* accept() within @timeout_ms: a new fd or -errno (-ETIMEDOUT). */
int ktcp_accept_fd(int lfd, int timeout_ms);
/* send() all of @buf, each bit of progress within @idle_ms: @len or -errno. */
ssize_t ktcp_send_all(int fd, const void *buf, size_t len, int idle_ms);
/* recv() @len bytes or up to EOF: the count or -errno. */
ssize_t ktcp_recv_all(int fd, void *buf, size_t len, int idle_ms);
/* Wait for EOF: 0 at EOF, the byte count if data came, -errno. */
ssize_t ktcp_wait_eof(int fd, int idle_ms);

/* Asserting forms (the test fails on error). */
int __ktcp_socket(struct __test_metadata *t, int family);
int ktcp_socket(struct __test_metadata *t);
int native_socket(struct __test_metadata *t);
/* @ip: as ktcp_sockaddr() takes it, IPv4 or IPv6 */
int ktcp_listener(struct __test_metadata *t, int family, const char *ip,
		  uint16_t port, int backlog, uint16_t *port_out);
int ktcp_connect(struct __test_metadata *t, int family, const char *ip,
		 uint16_t port);
/* The same on a socket bound to device @dev first (SO_BINDTODEVICE). */
int ktcp_listener_dev(struct __test_metadata *t, int family, const char *ip,
		      const char *dev, uint16_t port, int backlog,
		      uint16_t *port_out);
int ktcp_connect_dev(struct __test_metadata *t, int family, const char *ip,
		     const char *dev, uint16_t port);
int ktcp_accept(struct __test_metadata *t, int lfd);

/* ---- stream.c: a deterministic byte stream, FNV-1a 64, duplex xfer ---- */

#define KTCP_FNV_INIT	0xcbf29ce484222325ULL

/*
 * Byte i of stream @seed is a pure function of (seed, i), so sender and
 * receiver agree without sharing buffers, and the receiver can name the
 * first wrong offset. sum is the FNV-1a of the bytes that went through.
 */
struct ktcp_stream {
	uint64_t seed;
	uint64_t off;		/* bytes so far */
	uint64_t sum;		/* FNV-1a of those bytes */
	int64_t bad_off;	/* first byte that differed, or -1 */
};

uint64_t ktcp_fnv1a(uint64_t h, const void *buf, size_t len);
/* Bytes @off.. of stream @seed into @buf (no state). */
void ktcp_pattern(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);
void ktcp_stream_init(struct ktcp_stream *s, uint64_t seed);
void ktcp_stream_gen(struct ktcp_stream *s, void *buf, size_t len);
void ktcp_stream_check(struct ktcp_stream *s, const void *buf, size_t len);
uint64_t ktcp_stream_sum(uint64_t seed, size_t len);

/*
 * Full-duplex transfer on one socket with poll(): send send_len bytes of
 * stream send_seed (then shutdown(SHUT_WR) if shut_wr), and at the same
 * time read until EOF, checking against stream recv_seed. Thread-safe.
 */
struct ktcp_xfer {
	/* in */
	int fd;
	size_t send_len;
	uint64_t send_seed;
	bool shut_wr;
	uint64_t recv_seed;
	int idle_ms;
	/* out */
	struct ktcp_stream tx, rx;
	bool eof;
	int err;		/* 0 or -errno */
	const char *err_what;	/* which call failed */
};

int ktcp_xfer_run(struct ktcp_xfer *x);
void *ktcp_xfer_thread(void *arg);	/* ktcp_xfer_run for pthreads */

/*
 * A receiving end for pthreads: accept one connection on lfd within
 * wait_ms, read it to EOF (each read within wait_ms), checking the bytes
 * against stream seed, and close it. got: the bytes, or -errno.
 */
struct ktcp_sink {
	/* in */
	int lfd;
	int wait_ms;
	uint64_t seed;
	/* out */
	ssize_t got;
	struct ktcp_stream s;
};

void *ktcp_sink_thread(void *arg);

/* ---- bulk.c: SHA-256 and the bulk transfer engine ---- */

#define BULK_SHA256_LEN	32

struct bulk_sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
	size_t fill;
};

void bulk_sha256_init(struct bulk_sha256 *s);
void bulk_sha256_update(struct bulk_sha256 *s, const void *data, size_t len);
void bulk_sha256_final(struct bulk_sha256 *s, uint8_t out[BULK_SHA256_LEN]);
/* Lower-case hex of @len bytes into @out (2 * len + 1 bytes); @out. */
const char *ktcp_hex(const uint8_t *d, size_t len, char *out);
/* Lower-case hex of a digest into @out (2 * BULK_SHA256_LEN + 1 bytes). */
const char *bulk_hex(const uint8_t *d, char *out);

/*
 * One end of a full-duplex transfer: send send_len bytes of stream
 * send_seed, then shutdown(SHUT_WR); at the same time read until EOF,
 * hashing and checking against stream recv_seed. No progress for idle_ms,
 * or deadline_ms passed, fails it. The socket is made non-blocking.
 */
struct bulk_end {
	/* in */
	int fd;
	uint64_t send_len;	/* bytes to send, then shutdown(SHUT_WR) */
	uint64_t send_seed;
	uint64_t recv_seed;	/* the stream the peer sends */
	uint64_t recv_max;	/* more than this before EOF is an error */
	int idle_ms;		/* no progress at all for this long: fail */
	long long deadline_ms;	/* ktcp_now_ms() to give up at, 0: never */
	/* out; sent and rcvd can be read (atomically) while it runs */
	uint64_t sent, rcvd;
	int64_t bad_off;	/* first received byte that was wrong, or -1 */
	bool eof;
	uint8_t tx_sha[BULK_SHA256_LEN], rx_sha[BULK_SHA256_LEN];
	long long t_start, t_sent, t_end;	/* ktcp_now_ms() */
	int err;		/* 0 or -errno */
	const char *err_what;	/* what failed */
};

int bulk_end_run(struct bulk_end *e);
void *bulk_end_thread(void *arg);

/* ---- proc.c: /proc/net/ktcp (or tcp), counters, sysctls ---- */

struct ktcp_row {
	uint32_t laddr, raddr;	/* network byte order, as in sin_addr */
	bool v6;		/* from the IPv6 table (ktcp6, tcp6) */
	/* either table's addresses; an IPv4 row's v4-mapped */
	struct in6_addr laddr6, raddr6;
	int lport, rport;
	int state;
	long txq, rxq;		/* LISTEN: 0, accept queue */
	unsigned int uid;
	unsigned long inode;	/* 0 for TIME_WAIT and request rows */
};

/* The counters the contract promises. */
extern const char *const ktcp_snmp_names[13];

/*
 * The socket table: ktcp's, or native TCP's when @native_table. The rows
 * the functions below read are those of the IPv4 table (this path) and
 * of the IPv6 one (@v6: /proc/net/ktcp6, tcp6), each socket in one.
 */
const char *ktcp_proc_path(bool native_table);
const char *ktcp_proc_path_ip(bool native_table, bool v6);
/*
 * Count rows matching @state, @lport and @rport (KT_ANY for any) in the
 * current thread's netns; the first match goes to @first. -errno if the
 * table cannot be read (the IPv6 one may be missing).
 */
int ktcp_proc_scan_table(bool native_table, int state, int lport, int rport,
			 struct ktcp_row *first);
int ktcp_proc_scan(int state, int lport, int rport, struct ktcp_row *first);
/* State of the (lport, rport) row, or -1 if there is none. */
int ktcp_proc_state_table(bool native_table, int lport, int rport);
int ktcp_proc_state(int lport, int rport);
/* Poll until exactly @count rows match; returns the last count seen. */
int ktcp_wait_rows_table(bool native_table, int state, int lport, int rport,
			 int count, int timeout_ms);
int ktcp_wait_rows(int state, int lport, int rport, int count,
		   int timeout_ms);
/* Poll until the row is in @state (-1: gone); the last state seen. */
int ktcp_wait_state_table(bool native_table, int lport, int rport, int state,
			  int timeout_ms);
int ktcp_wait_state(int lport, int rport, int state, int timeout_ms);
/* Log the rows of both stacks' tables with @port at either end. */
void ktcp_dump_rows(struct __test_metadata *t, int port);
/* The proc table must be readable. */
void ktcp_assert_proc(struct __test_metadata *t);

/* Counter @name of the current netns: 0 or -errno. */
int ktcp_snmp_read(const char *name, long long *val);
/* Native TCP's counter @name (Tcp: or TcpExt:) of the current netns. */
int native_snmp_read(const char *name, long long *val);
/* Counter @name of @family's stack (AF_INET, AF_INET6: native); -1 if none. */
long long ktcp_counter(int family, const char *name);
long long ktcp_snmp(struct __test_metadata *t, const char *name);
/* IPv6's counter @name (/proc/net/snmp6) of the current netns; -1 if none. */
long long ktcp_snmp6(const char *name);
/* Poll until counter @name equals @want; the last value seen. */
long long ktcp_wait_snmp(struct __test_metadata *t, const char *name,
			 long long want, int timeout_ms);

#define KTCP_SYSCTL_DIR "/proc/sys/net/ktcp/"

int ktcp_sysctl_path_read(const char *path, long *val);
int ktcp_sysctl_path_write(const char *path, long val);
/* /proc/sys/net/ktcp/@name of the current netns: 0 or -errno. */
int ktcp_sysctl_read(const char *name, long *val);
int ktcp_sysctl_write(const char *name, long val);
/* Write a ktcp sysctl and read it back. */
void ktcp_sysctl_set(struct __test_metadata *t, const char *name, long val);
/* TIME_WAIT length of the current netns; returns the one in force (ms). */
int ktcp_set_tw_timeout(struct __test_metadata *t, int ms);
/* Orphan FIN_WAIT_2 timeout; returns the one in force (ms). */
int ktcp_set_fin_timeout(struct __test_metadata *t, int ms);

/* ---- netns.c, topo.c: interfaces, namespaces, the veth topology ---- */

/*
 * The two-namespace veth topology of the tests, the benchmark and the
 * capture check (RFC 2544 benchmarking range). tools/ktcp_topo sets it up
 * for the shell scripts (lib/topo.sh), from the same code.
 */
#define KTCP_VETH_A	"kt_va"
#define KTCP_VETH_B	"kt_vb"
#define KTCP_VETH_IP_A	"198.18.0.1"
#define KTCP_VETH_IP_B	"198.18.0.2"
#define KTCP_VETH_PREFIX	24
/* with ktcp_topo.ipv6: a global (ULA) and a link-local address each */
#define KTCP_VETH_IP6_A	"fd00::1"
#define KTCP_VETH_IP6_B	"fd00::2"
#define KTCP_VETH_LL_A	"fe80::1"
#define KTCP_VETH_LL_B	"fe80::2"
#define KTCP_VETH_PREFIX6	64

int ktcp_if_flags(const char *ifname, short set, short clear);
/* Read (@set false) or set the MAC address of @ifname. */
int ktcp_if_hwaddr(const char *ifname, unsigned char mac[6], bool set);
int ktcp_if_up(const char *ifname);
int ktcp_if_addr(const char *ifname, const char *ip, int prefix);
/* An IPv6 @ip/@prefix on @ifname, without DAD (rtnetlink). */
int ktcp_if_addr6(const char *ifname, const char *ip, int prefix);
/* Wait until @ip (scope: @ifname) can be bound: no longer tentative. */
bool ktcp_wait_addr6(const char *ifname, const char *ip, int timeout_ms);
/* Wait until @ifname is IFF_RUNNING (carrier up). */
bool ktcp_wait_running(const char *ifname, int timeout_ms);
/* A veth pair: @name in the current netns, @peer in @peer_nsfd. */
int ktcp_veth_create(const char *name, const char *peer, int peer_nsfd);
/*
 * tx checksum, TSO and GSO off, and gso_max_segs 1, on @ifname: every
 * frame leaves as one wire-sized segment with a complete checksum.
 * 0 or -errno; *@what names the failed step.
 */
int ktcp_if_wire(const char *ifname, const char **what);
/*
 * The queue statistics of @ifname's root qdisc in the current netns
 * (rtnetlink, as `tc -s qdisc show` prints them, without running tc):
 * qlen, backlog in bytes, drops. 0 or -errno.
 */
struct gnet_stats_queue;
int ktcp_qdisc_queue(const char *ifname, struct gnet_stats_queue *q);

/*
 * Set up the veth pair between netns @ns_a (address KTCP_VETH_IP_A) and
 * @ns_b (KTCP_VETH_IP_B): IPv4 only, up, carrier on; @wire: see
 * ktcp_if_wire(); @ipv6: IPv6 too, KTCP_VETH_IP6_* and KTCP_VETH_LL_*
 * (and no other address), usable. The calling thread ends in the netns
 * it started in. 0 or -errno, with the failed step in @err.
 */
struct ktcp_topo {
	int ns_a, ns_b;		/* netns fds */
	const char *if_a, *if_b;
	bool wire;
	bool ipv6;
};

int ktcp_topo_pair(const struct ktcp_topo *tp, char *err, size_t errlen);

/*
 * Run @cmd (words separated by single blanks, no quoting) in the calling
 * thread's netns; its output goes to @out. The exit status (127: could
 * not exec), or -errno.
 */
int ktcp_run_cmd(char *out, size_t outlen, const char *cmd);
/* `tc qdisc add dev @ifname root netem @netem` in the current netns. */
int ktcp_netem_add(const char *ifname, const char *netem, char *out,
		   size_t outlen);

void ktcp_new_netns(struct __test_metadata *t);
int ktcp_netns_fd(struct __test_metadata *t);
void ktcp_setns(struct __test_metadata *t, int nsfd);
int ktcp_make_netns(struct __test_metadata *t);
/* Wire this netns to a new one (returned) by the KTCP_VETH_* pair. */
int ktcp_veth_pair(struct __test_metadata *t);
/*
 * A client and a server netns for one test: a fresh netns for the client,
 * where the thread stays, and for the server the same one or, with @veth,
 * one at the other end of the pair. TIME_WAIT lasts @tw_ms in both, so
 * that none outlives the test by a minute (it would keep rmmod busy).
 */
void ktcp_test_netns(struct __test_metadata *t, bool veth, int tw_ms,
		     int *ns_cli, int *ns_srv);
/* The same, with IPv6 on the pair if @v6 (ktcp_topo.ipv6). */
void ktcp_test_netns_ip(struct __test_metadata *t, bool veth, bool v6,
			int tw_ms, int *ns_cli, int *ns_srv);

/* ---- bpf.c: small BPF programs loaded with bpf(2) ---- */

int ktcp_bpf_load(enum bpf_prog_type type, enum bpf_attach_type expected,
		  const struct bpf_insn *insns, unsigned int n, char *log,
		  size_t loglen);
int ktcp_bpf_counters(unsigned int n);
uint64_t ktcp_bpf_counter(int map, uint32_t key);
int ktcp_bpf_cgroup_attach(int prog, int cgfd, enum bpf_attach_type type);
int ktcp_bpf_cgroup_detach(int prog, int cgfd, enum bpf_attach_type type);

/* ---- tc.c: clsact filters that count or drop TCP segments ---- */

/*
 * What a filter matches: header fields (IPv4 without options) and the
 * skb's mark and priority; 0 (ports) or -1 (the others) match anything.
 */
struct ktcp_tc_match {
	int sport, dport, flags, tos, ttl;
	long mark, prio;
};

#define KTCP_TC_ANY { .flags = -1, .tos = -1, .ttl = -1, .mark = -1, .prio = -1 }
#define KTCP_TC_PREFS	16	/* filter prefs 0..15 are counted */

/* tc commands for @dev, gathered, then run by one tc -batch. */
struct ktcp_tc {
	const char *dev;
	bool ready;		/* the clsact qdisc is on @dev */
	size_t len;
	char lines[4096];
};

void ktcp_tc_line(struct ktcp_tc *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * A filter at @pref on @dir ("egress" or "ingress"): @m's segments get
 * @action ("continue" counts them and lets them go on, "drop", or a gact
 * action such as "pass random determ drop 4").
 */
void ktcp_tc_filter(struct ktcp_tc *b, const char *dir, int pref,
		    const struct ktcp_tc_match *m, const char *action);
/*
 * Run what @b gathered (the first time, after loading the modules and
 * adding the clsact qdisc) and empty it: 0, tc's exit status, or -errno.
 */
int ktcp_tc_run(struct ktcp_tc *b, char *out, size_t outlen);
void ktcp_tc_apply(struct __test_metadata *t, struct ktcp_tc *b);
/* Segments each filter of @dev's @dir has seen, by pref (@n of them). */
int ktcp_tc_counts(const char *dev, const char *dir, long *cnt, int n);
/* Asserting: the count of egress filter @pref. */
long ktcp_tc_count(struct __test_metadata *t, const char *dev, int pref);
/* Until it reaches @want, or @timeout_ms passed; the last count. */
long ktcp_tc_wait_count(struct __test_metadata *t, const char *dev, int pref,
			long want, int timeout_ms);

/* ---- parity.c: calls on native TCP and on the tested stack, compared ---- */

/* The states a parity case starts from (par_build() in parity.c). */
enum par_state {
	PAR_FRESH,		/* socket() */
	PAR_BOUND,		/* bind(127.0.0.1:0) */
	PAR_LISTEN,		/* and listen(4) */
	PAR_PENDING,		/* a listener with a native client queued */
	PAR_CONNECTING,		/* SYN_SENT: connect() to a full native queue */
	PAR_CONNECTED,		/* to a native listener */
	PAR_ACCEPTED,		/* accept()ed from a native client */
	PAR_READABLE,		/* connected, 5 bytes from the peer unread */
	PAR_PEER_CLOSED,	/* CLOSE_WAIT: the peer close()d */
	PAR_SHUT_WR,		/* FIN_WAIT2 after shutdown(SHUT_WR) */
	PAR_SHUT_RD,		/* connected, shutdown(SHUT_RD) */
	PAR_RESET,		/* the peer reset the connection */
	PAR_UNSPEC,		/* connect(AF_UNSPEC) after connected */
	PAR_NSTATES
};

#define PAR_S(x)	(1u << PAR_##x)
#define PAR_ALL		((1u << PAR_NSTATES) - 1)
/* Ports the results name: a free one to bind, and one nobody listens on. */
#define PAR_PORT_FREE	47100
#define PAR_PORT_CLOSED	47101

/* What every case of one test shares: native listeners in its netns. */
struct par_env {
	int family;		/* the stack under test */
	int lfd;		/* native listener the SUT connects to */
	uint16_t lport;		/* its port, "L" in results */
	int bh_lfd, bh_fill;	/* a native listener with a full queue */
	uint16_t bh_port;	/* its port, "B": SYNs to it are dropped */
};

/* One run of one case. */
struct par_ctx {
	const struct par_env *env;
	int family, state;
	int fd;			/* the socket under test */
	int peer;		/* its native peer, or -1 */
	int extra[3];		/* other fds the case made, or -1 */
	int sigpipes;		/* SIGPIPEs seen before the last probe */
	size_t len;
	char out[2048];		/* the normalized result */
};

struct par_op {
	const char *name;
	void (*fn)(struct par_ctx *c, const struct par_op *op);
	unsigned int states;	/* PAR_S() mask of the states to run it in */
	int a, b, len;		/* level, option, flags, command... */
	long v;			/* a value */
	const void *p;		/* more data */
};

/* A case (fnmatch() pattern on "state/op") allowed to differ, and why. */
struct par_allow {
	const char *pattern;
	const char *reason;
};

/*
 * ---- parity_ops.c: the calls, each a struct par_op's fn ----
 *
 * An address argument (par_op.p of bind, connect): family, address, port
 * (PAR_PORT_L, PAR_PORT_B: the env's listeners), length (0: that of a
 * sockaddr_in, negative: 0).
 */
struct par_sa {
	int family;
	const char *ip;
	int port, len;
};

#define PAR_PORT_L	(-1)	/* the native listener's port */
#define PAR_PORT_B	(-2)	/* the blackhole's port */
#define SA(fam, ip, port, len) (&(const struct par_sa){ fam, ip, port, len })
#define LO(port)	SA(AF_INET, "127.0.0.1", port, 0)
/* par_op.b of bind, connect, accept, ioctl: */
#define PAR_F_NULL	1	/* pass NULL for the pointer */
#define PAR_F_NONBLOCK	2	/* the call on an O_NONBLOCK socket */
/* par_op_seq(): the ops of this NULL-ended list in turn */
#define SEQ(...)	(&(const struct par_op *const[]){ __VA_ARGS__, NULL })

/* par_op.a of par_op_send and par_op_recv: which call */
enum { PAR_SEND, PAR_SENDTO, PAR_SENDMSG, PAR_CMSG, PAR_WRITE, PAR_BADIOV,
       PAR_MANYIOV, PAR_SEND_NULLBUF };
enum { PAR_RECV, PAR_RECVMSG, PAR_READ, PAR_RECV_NULLBUF, PAR_RECV_TWICE };

/* bind(p), connect(p) (and twice), listen(v), listen(v) and a client */
void par_op_bind(struct par_ctx *c, const struct par_op *op);
void par_op_connect(struct par_ctx *c, const struct par_op *op);
void par_op_connect2(struct par_ctx *c, const struct par_op *op);
void par_op_listen(struct par_ctx *c, const struct par_op *op);
void par_op_listen_accept(struct par_ctx *c, const struct par_op *op);
/* accept4(flags a); len -1: no address, -2: NULL addrlen, -3: addrlen -1 */
void par_op_accept(struct par_ctx *c, const struct par_op *op);
/* accept() of a client that sent a RST while queued */
void par_op_accept_reset(struct par_ctx *c, const struct par_op *op);
/* len bytes with flags b by call a (once, twice), what the peer got */
void par_op_send(struct par_ctx *c, const struct par_op *op);
void par_op_send2(struct par_ctx *c, const struct par_op *op);
/* len bytes with flags b by call a */
void par_op_recv(struct par_ctx *c, const struct par_op *op);
/* shutdown(v), twice if a */
void par_op_shutdown(struct par_ctx *c, const struct par_op *op);
/* a ? getpeername : getsockname; len -1: NULL addrlen, -2: NULL address */
void par_op_name(struct par_ctx *c, const struct par_op *op);
/* getsockopt(a, b), len bytes (-1: NULL optlen, -2: optlen -1) */
void par_op_getopt(struct par_ctx *c, const struct par_op *op);
/* setsockopt(a, b) of int v (len: 0 sizeof(int), -1 NULL) or of p */
void par_op_setopt(struct par_ctx *c, const struct par_op *op);
void par_op_setopt_buf(struct par_ctx *c, const struct par_op *op);
/* the listener's setsockopt(), then getsockopt() on its accepted child */
void par_op_inherit(struct par_ctx *c, const struct par_op *op);
/* ioctl(a); b PAR_F_NULL: NULL argument; v: a struct ifreq for "lo" */
void par_op_ioctl(struct par_ctx *c, const struct par_op *op);
void par_op_seq(struct par_ctx *c, const struct par_op *op);

const char *par_state_name(int st);
const char *par_errname(int err);
void par_printf(struct par_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record " what=ret" or " what=ERRNO"; returns @ret, errno kept. */
long par_ret(struct par_ctx *c, const char *what, long ret);
/* Record an address: its length, then family or ip:port class. */
void par_addr(struct par_ctx *c, const void *addr, socklen_t len);
/* Record a poll() mask by name. */
void par_mask(struct par_ctx *c, const char *what, int revents);
/* Record the SUT's poll mask and state, its peer's mask, SIGPIPEs. */
void par_probe(struct par_ctx *c);
int par_tcp_state(int fd);
/* socket(@family) with the cases' short SO_RCVTIMEO/SO_SNDTIMEO. */
int par_sut_socket(int family);
int par_connect_to(int fd, const char *ip, uint16_t port);
void par_env_init(struct __test_metadata *t, struct par_env *env);
void par_env_fini(struct par_env *env);
/*
 * Every op of @ops (ended by a NULL name) in each of its states, on native
 * TCP and on env->family; each difference is logged, and those not in
 * @allow (ended by a NULL pattern) are counted: the count is returned.
 */
int par_run(struct __test_metadata *t, const struct par_env *env,
	    const struct par_op *ops, const struct par_allow *allow);

/* ---- glue for tests built with kselftest_harness.h ---- */

#ifdef __KSELFTEST_HARNESS_H

/* Skip the current test in native mode, telling why. */
#define SKIP_IF_NATIVE(what) do { \
	if (ktcp_native()) \
		SKIP(return, "%s: %s", KTCP_NATIVE_REASON, what); \
} while (0)

/*
 * ASSERT_STATE(lport, rport, state, timeout_ms, who): the (lport, rport)
 * row reaches @state (-1: is gone) within @timeout_ms. The indirection
 * lets one macro supply "lport, rport".
 */
#define ASSERT_STATE(...) __ASSERT_STATE(__VA_ARGS__)
#define __ASSERT_STATE(lport, rport, state, timeout_ms, who) do { \
	int __st = ktcp_wait_state((lport), (rport), (state), (timeout_ms)); \
	ASSERT_EQ((state), __st) { \
		TH_LOG("%s (local port %d, remote port %d): state %s " \
		       "(0x%02X), want %s in %s", (who), (int)(lport), \
		       (int)(rport), ktcp_state_name(__st), __st, \
		       ktcp_state_name(state), ktcp_proc_path(false)); \
		ktcp_dump_rows(_metadata, (lport)); \
	} \
} while (0)

/* A library helper failed or logs: report it as ASSERT and TH_LOG do. */
static void ktcp__harness_report(struct __test_metadata *_metadata,
				 const char *file, int line, const char *msg,
				 bool fatal)
{
	fprintf(TH_LOG_STREAM, "# %s:%d:%s:%s\n", file, line, _metadata->name,
		msg);
	if (!fatal)
		return;
	_metadata->exit_code = KSFT_FAIL;
	__bail(1, _metadata);	/* longjmp()s out of the test */
}

/*
 * Runs after every TEST/TEST_F registered itself: scale the harness
 * timeouts, ignore SIGPIPE (a test must see EPIPE, not die), read the
 * family once, and route library failures to the harness.
 */
static void __attribute__((constructor(KSELFTEST_PRIO_TEST + 100)))
ktcp__suite_init(void)
{
	double mult = ktcp_timeout_mult();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next) {
			double v = t->timeout * mult;

			t->timeout = v > INT_MAX / 2 ? INT_MAX / 2 : (int)v;
		}
	signal(SIGPIPE, SIG_IGN);
	ktcp_family();
	ktcp_report_hook = ktcp__harness_report;
}

#endif /* __KSELFTEST_HARNESS_H */

#endif /* KTCPTEST_H */
