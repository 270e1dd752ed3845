// SPDX-License-Identifier: GPL-2.0
/*
 * How library helpers fail a test. The harness's ASSERT cannot be used
 * here (kselftest_harness.h defines globals, so only the test's own file
 * may include it): the test installs ktcp_report_hook (ktcptest.h's glue)
 * and the library reports through it. A program without the harness
 * gets the message on stderr and an abort().
 */
#include <stdarg.h>

#include "ktcptest.h"

void (*ktcp_report_hook)(struct __test_metadata *t, const char *file,
			 int line, const char *msg, bool fatal);

static void report(struct __test_metadata *t, const char *file, int line,
		   bool fatal, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ktcp_report_hook && t) {
		ktcp_report_hook(t, file, line, msg, fatal);
		return;
	}
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

void ktcp_fail(struct __test_metadata *t, const char *file, int line,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(t, file, line, true, fmt, ap);
	va_end(ap);
	abort();	/* the hook longjmp()s; this is for programs without */
}

void ktcp_log(struct __test_metadata *t, const char *file, int line,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(t, file, line, false, fmt, ap);
	va_end(ap);
}
