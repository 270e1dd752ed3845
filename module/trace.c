// SPDX-License-Identifier: GPL-2.0
/* The ktcp:* tracepoints' definitions (trace.h). */

#define CREATE_TRACE_POINTS
#include "trace.h"
