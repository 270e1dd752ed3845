/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktcp user API: the socket family and what programs pass to it.
 *
 * Addresses are struct sockaddr_in with sin_family = AF_INET (as AF_SMC
 * does), or sockaddr_in6 on AF_KTCP6, so that only socket()'s first
 * argument differs from AF_INET or AF_INET6 code.
 * Socket options are Linux's own (SOL_SOCKET, SOL_TCP with TCP_* numbers).
 */
#ifndef _UAPI_KTCP_H
#define _UAPI_KTCP_H

/*
 * The default family number. 6.12 has no in-tree family on 23 (AF_IRDA,
 * removed in 4.17); the module parameter "family" moves ktcp elsewhere, and
 * /sys/module/ktcp/parameters/family tells programs where it is.
 */
#define AF_KTCP_DEFAULT	23
#ifndef AF_KTCP
#define AF_KTCP		AF_KTCP_DEFAULT
#endif
#define PF_KTCP		AF_KTCP

#define KTCP_FAMILY_SYSFS	"/sys/module/ktcp/parameters/family"

/*
 * IPv6 and dual stack: the family for what programs open as AF_INET6, as
 * Linux has AF_INET and AF_INET6 over one TCP. Its sockets take struct
 * sockaddr_in6 (sin6_family AF_INET6) and answer with it, talk IPv4 through
 * v4-mapped addresses (::ffff:a.b.c.d) unless IPV6_V6ONLY is set, and take
 * SOL_IPV6 options; an AF_KTCP socket is ktcp's AF_INET one. 6.12 has no
 * in-tree family on 12 (AF_DECnet, removed in 6.1); the module parameter
 * "family6" moves it, and /sys/module/ktcp/parameters/family6 tells
 * programs where it is.
 */
#define AF_KTCP6_DEFAULT	12
#ifndef AF_KTCP6
#define AF_KTCP6		AF_KTCP6_DEFAULT
#endif
#define PF_KTCP6		AF_KTCP6

#define KTCP_FAMILY6_SYSFS	"/sys/module/ktcp/parameters/family6"

/*
 * What getsockopt(SO_PROTOCOL) reads on a ktcp socket, and a protocol
 * socket() takes besides 0 and IPPROTO_TCP. Like IPPROTO_MPTCP (0x106), it
 * is no IP protocol: kernel code that takes a socket whose protocol is
 * IPPROTO_TCP for Linux's struct tcp_sock (BPF's bpf_tcp_sock() and
 * bpf_skc_to_tcp_sock()) must not take a ktcp socket for one. On the wire
 * ktcp's segments are TCP (6).
 */
#define IPPROTO_KTCP	0x206

/*
 * SOL_TCP options of ktcp's own. Linux numbers its TCP_* options from 1
 * up, one per feature (45 in 6.12): a number with bits above the low 16
 * (ASCII "KT" in the high half) is decades away from any of them, so a
 * future Linux option cannot take it. Native TCP answers ENOPROTOOPT.
 *
 * KTCP_TIMEWAIT_MS  int: how long this connection stays in TIME_WAIT once
 *                   it closes first, in ms (0 to 600000); negative: follow
 *                   net.ktcp.tw_timeout_ms (the default). getsockopt() reads
 *                   the length the connection would wait now, as
 *                   TCP_LINGER2 reads net.ipv4.tcp_fin_timeout when unset.
 *                   Accepted connections take their listener's.
 */
#define KTCP_TIMEWAIT_MS	0x4b540001

#endif /* _UAPI_KTCP_H */
