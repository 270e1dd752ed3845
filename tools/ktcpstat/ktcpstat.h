/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktcpstat's parts beside tools/ktcpstat.c (the socket dump, the filter
 * and ss's output): counters.c, -s's counters and -d's deltas as nstat.
 */
#ifndef KTCPSTAT_H
#define KTCPSTAT_H

#include <stdbool.h>

/* Counters of /proc/net/ktcp_snmp, absolute or (@delta) since the last -d. */
int ks_counters_print(bool delta);

#endif
