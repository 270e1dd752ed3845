/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ktcp user API: the socket family and what programs pass to it.
 *
 * Addresses are struct sockaddr_in with sin_family = AF_INET (as AF_SMC
 * does), so that only socket()'s first argument differs from AF_INET code.
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

#endif /* _UAPI_KTCP_H */
