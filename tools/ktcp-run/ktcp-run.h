/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktcp-run: what the launcher (ktcp-run.c, elf.c, supervise.c) and the
 * preload library (preload.c) agree on.
 */
#ifndef KTCP_RUN_H
#define KTCP_RUN_H

#include <stdbool.h>

/*
 * The launcher hands its decisions to the preload library through the
 * environment, since LD_PRELOAD is all that crosses exec(); the variables
 * are also inherited by the program's own children, which is what we want.
 */
#define KTCP_RUN_ENV_FAMILY	"KTCP_RUN_FAMILY"	/* ktcp's family number */
#define KTCP_RUN_ENV_FAMILY6	"KTCP_RUN_FAMILY6"	/* AF_KTCP6's; 0: none */
#define KTCP_RUN_ENV_VERBOSE	"KTCP_RUN_VERBOSE"	/* "1": log conversions */
#define KTCP_RUN_ENV_FALLBACK	"KTCP_RUN_FALLBACK"	/* "1": native if ktcp fails */
#define KTCP_RUN_ENV_LIB	"KTCP_RUN_LIB"		/* override the library path */

#include "ktcp.h"		/* module/uapi/: KTCP_FAMILY_SYSFS, ..._FAMILY6_SYSFS */

#define KTCP_RUN_LIB_NAME	"libktcp-run.so"

/* exit codes, as env(1) and timeout(1) use them */
#define KTCP_RUN_EXIT_FAIL	125	/* the launcher itself failed */
#define KTCP_RUN_EXIT_CANNOT	126	/* PROG found but could not be run */
#define KTCP_RUN_EXIT_ENOENT	127	/* PROG not found */

/* elf.c: does PROG (searched in PATH like execvp) need the supervisor? */
int ktcp_run_is_static(const char *prog, bool verbose);

/* supervise.c: fork PROG under a seccomp filter, serve it, return its status */
int ktcp_run_supervise(char **argv, int family, int family6, bool verbose,
		       bool fallback);

/* ktcp-run.c */
void __attribute__((noreturn)) ktcp_run_exec(char **argv); /* 126/127 on failure */

#endif /* KTCP_RUN_H */
