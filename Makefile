# SPDX-License-Identifier: GPL-2.0
#
# ktcp build and test entry points. Kbuild reads ./Kbuild (not this file)
# when it builds the module, so this Makefile is only the front door.
#
#   make [module]   module/ktcp.ko against KDIR, W=1, warnings are errors
#   make tests      userspace-tests/build/<name> for every userspace-tests/*.c,
#                   linked against userspace-tests/build/libktcptest.a
#                   (userspace-tests/lib/*.c), and the tools
#   make tools      tools/build/<name> for every tools/*.c (ktcp_demo,
#                   ktcp_bench, ktcp_sockctl...), against the same library
#   make checkpatch checkpatch.pl --strict over module/**/*.[ch]
#   make sparse     the module with sparse (C=2); fails on its warnings
#   make docs-check every sysctl, module parameter and counter in the code
#                   is documented, and nothing documented is gone
#                   (scripts/check-docs.sh, then its --self-test)
#   make layers-check  calls between module/*.c files run one way, from
#                   layer to lower layer (scripts/check-layers.py, then its
#                   --self-test)
#   make kunit      KUnit: module/ in-tree, kunit.py on x86_64 QEMU
#   make vmtest     userspace-tests/run.sh inside a VM with ktcp.ko loaded
#   make debugvm    interop, the host's-policy, memory and diag suites, the
#                   packet-level tests, kmemleak scan and rmmod in
#                   a VM on a debug kernel (KASAN, lockdep, kmemleak...) built
#                   from linux-source-6.12, ktcp.ko built against it
#   make check      all but sparse and demo, ending in "N passed, N failed"
#   make demo       ktcp_demo between AF_INET and ktcp inside a VM
#   make bench      ktcp against native TCP in one VM boot: unmodified
#                   programs through ktcp-run (iperf3, sockperf, nginx and
#                   ab, redis-benchmark, memory per idle connection), then
#                   transfer times per netem profile; tables and
#                   build/log/bench.svg (scripts/bench.sh; BENCH_ARGS)
#   make scale      long run, not in check: 60000 connections held at once
#                   to three servers, and the connection rate, ktcp against
#                   native TCP, in one VM boot (scripts/scale.sh; SCALE_ARGS)
#   make diffcap-full  long run, not in check: every scenario of the
#                   differential capture test (make check runs a subset),
#                   native TCP against ktcp, traces compared, in one VM boot
#                   (pkt-tests.sh --diff --full; DIFFCAP_ARGS, e.g.
#                   --self-check for native against native)
#   make fuzz       long run, not in check: on the debug kernel (as
#                   debugvm), userspace-tests/fuzz.sh --full: 100,000
#                   syscall sequences, 1,000,000 mutated segments, a
#                   namespace of 10,000 connections deleted, a veth deleted
#                   under traffic, rmmod and kmemleak; prints the counts
#                   (make check runs the short counts in vmtest); three
#                   packet fuzzers at once (KTCP_FUZZ_JOBS).
#                   KTCP_FUZZ_SEED, KTCP_FUZZ_SEGS... (fuzz.sh)
#   make man        the man pages ktcp(7), ktcp-run(1), ktcpstat(8) in
#                   build/man/, from Documentation/man/*.rst (rst2man;
#                   scripts/man.sh); make docs-check checks them
#   make scenarios  the classic TCP troubles (TIME_WAIT pile, CLOSE_WAIT
#                   leak, SYN flood...) played on ktcp in a VM, with what
#                   ktcpstat, the counters and tracepoints show
#                   (userspace-tests/scenarios.sh --full; make check runs
#                   the short version; SCENARIOS_ARGS, e.g. "3 syn-flood")
#   make install    tools/ktcp-run (PREFIX/bin/ktcp-run, its library),
#                   ktcpstat (PREFIX/sbin), the man pages
#                   (PREFIX/share/man/man{1,7,8}), and ktcp.ko if built
#                   (DESTDIR, PREFIX=/usr/local)
#   make clean
#
# KDIR defaults to /lib/modules/$(uname -r)/build when present, else the
# newest installed Debian 6.12 amd64 headers. KTCP_CACHE (default
# /var/cache/ktcp) holds the kernel source, KUnit build and VM images.
# KTCP_SKIP_SETUP=1 skips scripts/setup.sh.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := module

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
KTCP_CACHE ?= /var/cache/ktcp
export KTCP_CACHE
# The kernel series (6.12) is named once, in scripts/lib.sh (KTCP_KSERIES);
# KSRC is where scripts/setup.sh unpacks its source package.
KSRC := $(shell $(ROOT)/scripts/lib.sh srcdir)
KDIR ?= $(shell $(ROOT)/scripts/lib.sh kdir)
LOGDIR := $(ROOT)/build/log

TESTDIR := userspace-tests
TESTBUILD := $(TESTDIR)/build
HDRDIR := $(TESTBUILD)/include
TEST_SRCS := $(sort $(wildcard $(TESTDIR)/*.c))
TEST_BINS := $(patsubst $(TESTDIR)/%.c,$(TESTBUILD)/%,$(TEST_SRCS))
TEST_CC ?= gcc
TEST_AR ?= ar
TEST_CFLAGS ?= -Wall -Wextra -O2 -g
TEST_CPPFLAGS := -isystem $(HDRDIR)
TEST_LDLIBS := -lpthread
# the library the tests (and tools) share, built once
LIBDIR := $(TESTDIR)/lib
LIB_SRCS := $(sort $(wildcard $(LIBDIR)/*.c))
LIB_OBJS := $(patsubst $(LIBDIR)/%.c,$(TESTBUILD)/lib/%.o,$(LIB_SRCS))
LIBKTCPTEST := $(TESTBUILD)/libktcptest.a
# programs, not tests (the packet tests and scripts/ use some of them)
TOOLDIR := tools
TOOLBUILD := $(TOOLDIR)/build
TOOL_SRCS := $(sort $(wildcard $(TOOLDIR)/*.c))
TOOL_BINS := $(patsubst $(TOOLDIR)/%.c,$(TOOLBUILD)/%,$(TOOL_SRCS))

CHECKPATCH_IGNORE := FILE_PATH_CHANGES
# The tracepoint header is laid out as the kernel's own (include/trace/
# events/tcp.h): TRACE_EVENT's arguments one per line, each opening a
# parenthesis, and TRACE_DEFINE_ENUM() wants its semicolon from the macro
# that expands it. --strict cannot take that, so it is checked apart,
# without those three.
CHECKPATCH_TRACE_IGNORE := $(CHECKPATCH_IGNORE),OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT,TRAILING_SEMICOLON
MODULE_SRCS = $(shell find module -name '*.[ch]' ! -name '*.mod.c' ! -name trace.h | LC_ALL=C sort)

.PHONY: all module tests tools checkpatch sparse kunit vmtest debugvm check demo clean setup help

all: module tests

help:
	@sed -n '3,/^[^#]/{/^#/p}' $(ROOT)/Makefile | sed 's/^# \{0,1\}//'

setup:
ifndef KTCP_SKIP_SETUP
	@$(ROOT)/scripts/setup.sh
endif

# Kbuild's own -Werror covers compiler warnings; modpost and friends print
# "WARNING:" lines without failing, so the log is checked too.
module: setup
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "make: no kernel headers (KDIR='$(KDIR)')" >&2; exit 1; }
	@mkdir -p $(LOGDIR)
	@$(MAKE) -C $(KDIR) M=$(ROOT) W=1 KCFLAGS=-Werror modules 2>&1 | tee $(LOGDIR)/kbuild.log
	@if grep -Ein '(^|[^a-z_])warning:' $(LOGDIR)/kbuild.log >&2; then \
		echo "make: FAIL: warnings in the module build (W=1 is fatal here)" >&2; exit 1; fi

$(KSRC)/.ktcp-unpacked:
	$(ROOT)/scripts/setup.sh

$(HDRDIR)/.copied: $(KSRC)/.ktcp-unpacked
	@mkdir -p $(HDRDIR)
	cp $(KSRC)/tools/testing/selftests/kselftest_harness.h \
	   $(KSRC)/tools/testing/selftests/kselftest.h $(HDRDIR)/
	@touch $@

# pkt-tests.sh and capture-check.sh need tools (ktcp_sockctl, ktcp_bench);
# launcher.sh needs ktcp-run
tests: $(TEST_BINS) tools ktcp-run

tools: $(TOOL_BINS)

# ktcpstat talks sock_diag through libmnl (Debian's libmnl-dev); its
# counters (-s, -d) and --timeline are in tools/ktcpstat/
KTCPSTAT_SRCS := $(sort $(wildcard $(TOOLDIR)/ktcpstat/*.c))
$(TOOLBUILD)/ktcpstat: $(KTCPSTAT_SRCS) $(TOOLDIR)/ktcpstat/ktcpstat.h
$(TOOLBUILD)/ktcpstat: TEST_LDLIBS += $(KTCPSTAT_SRCS) -lmnl

$(TESTBUILD)/lib/%.o: $(LIBDIR)/%.c | setup
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -MMD -MP -MF $(TESTBUILD)/lib/.$*.d -c -o $@ $<

$(LIBKTCPTEST): $(LIB_OBJS)
	rm -f $@
	$(TEST_AR) rcs $@ $^

$(TESTBUILD)/%: $(TESTDIR)/%.c $(LIBKTCPTEST) $(HDRDIR)/.copied | setup
	$(TEST_CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) -MMD -MP -MF $(TESTBUILD)/.$*.d \
		-o $@ $< $(LIBKTCPTEST) $(TEST_LDLIBS)

$(TOOLBUILD)/%: $(TOOLDIR)/%.c $(LIBKTCPTEST) | setup
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -MMD -MP -MF $(TOOLBUILD)/.$*.d \
		-o $@ $< $(LIBKTCPTEST) $(TEST_LDLIBS)

-include $(wildcard $(TESTBUILD)/.*.d $(TESTBUILD)/lib/.*.d $(TOOLBUILD)/.*.d)

checkpatch: setup
	@files="$(MODULE_SRCS)"; test -n "$$files" || { echo "checkpatch: no sources" >&2; exit 1; }; \
	perl $(KSRC)/scripts/checkpatch.pl --strict --no-tree --show-types --color=never \
		--ignore $(CHECKPATCH_IGNORE) --summary-file -f $$files
	@perl $(KSRC)/scripts/checkpatch.pl --strict --no-tree --show-types --color=never \
		--ignore $(CHECKPATCH_TRACE_IGNORE) --summary-file -f module/trace.h

sparse: setup
	@mkdir -p $(LOGDIR)
	@$(MAKE) -C $(KDIR) M=$(ROOT) C=2 CHECK=sparse modules 2>&1 | tee $(LOGDIR)/sparse.log
	@if grep -Ein '(^|[^a-z_])(warning|error):' $(LOGDIR)/sparse.log >&2; then \
		echo "make: sparse reported problems" >&2; exit 1; fi

# The docs check, then its self-test: that it fails when a copy of the
# tree drifts. Needs gcc and perl (setup).
.PHONY: docs-check
docs-check: setup man
	@$(ROOT)/scripts/check-docs.sh
	@$(ROOT)/scripts/check-docs.sh --self-test
	@$(ROOT)/scripts/man.sh check $(MAN_PAGES)

# The man pages: rst2man (python3-docutils, setup), sections of the other
# documents pulled in (scripts/man.sh), so a page depends on them all.
MANBUILD := $(ROOT)/build/man
MAN_SRCS := $(sort $(wildcard $(ROOT)/Documentation/man/*.rst))
MAN_PAGES := $(patsubst $(ROOT)/Documentation/man/%.rst,$(MANBUILD)/%,$(MAN_SRCS))

.PHONY: man
man: $(MAN_PAGES)

$(MANBUILD)/%: $(ROOT)/Documentation/man/%.rst $(wildcard $(ROOT)/Documentation/*.rst) \
		$(ROOT)/scripts/man.sh | setup
	@$(ROOT)/scripts/man.sh build $< $@

# Calls between module files run one way (ktcp.h's flow comment), then
# the check's self-test. Needs python3 (setup).
.PHONY: layers-check
layers-check: setup
	@python3 $(ROOT)/scripts/check-layers.py
	@python3 $(ROOT)/scripts/check-layers.py --self-test

kunit: setup
	KTCP_SKIP_SETUP=1 $(ROOT)/scripts/kunit.sh

vmtest: module tests
	@test -x $(TESTDIR)/run.sh || { echo "make: $(TESTDIR)/run.sh missing or not executable" >&2; exit 1; }
	$(ROOT)/scripts/vm.sh --timeout $${KTCP_VM_TIMEOUT:-4200} --log $(LOGDIR)/vmtest.log -- $(TESTDIR)/run.sh

debugvm: setup tests
	KTCP_SKIP_SETUP=1 $(ROOT)/scripts/debugvm.sh

check:
	$(ROOT)/scripts/check.sh

demo:
	$(ROOT)/scripts/demo.sh

.PHONY: bench
bench: module tests
	$(ROOT)/scripts/bench.sh $(BENCH_ARGS)

.PHONY: diffcap-full
diffcap-full: module tools
	$(ROOT)/scripts/vm.sh --timeout $${KTCP_VM_TIMEOUT:-3600} --log $(LOGDIR)/diffcap-full.log -- \
		$(TESTDIR)/pkt-tests.sh --diff --full $(DIFFCAP_ARGS)

.PHONY: fuzz
fuzz: setup tests
	KTCP_SKIP_SETUP=1 KTCP_FUZZ_FULL=1 KTCP_FUZZ_JOBS=$${KTCP_FUZZ_JOBS:-3} \
	KTCP_DEBUGVM_PKT=0 $(ROOT)/scripts/debugvm.sh \
		--timeout $${KTCP_FUZZ_TIMEOUT:-14400} --log $(LOGDIR)/fuzz.log fuzz || rc=$$?; \
	echo "==== make fuzz: counts ===="; \
	grep -aE '^(# (sysfuzz|pktfuzz): rc|# READY|(not )?ok [0-9]+ (fuzz|debugvm)\.)' $(LOGDIR)/fuzz.log || true; \
	exit $${rc:-0}

.PHONY: scale
scale: module tools
	$(ROOT)/scripts/scale.sh $(SCALE_ARGS)

.PHONY: scenarios
scenarios: module tests
	$(ROOT)/scripts/vm.sh --timeout $${KTCP_VM_TIMEOUT:-1800} --log $(LOGDIR)/scenarios.log -- \
		$(TESTDIR)/scenarios.sh --full $(SCENARIOS_ARGS)

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: ktcp-run install
ktcp-run:
	$(MAKE) -C $(ROOT)/tools/ktcp-run all KO=$(ROOT)/module/ktcp.ko

# ktcpstat goes to sbin, as ss: its -K needs CAP_NET_ADMIN.
install: man $(TOOLBUILD)/ktcpstat
	$(MAKE) -C $(ROOT)/tools/ktcp-run install KO=$(ROOT)/module/ktcp.ko
	install -D -m 755 $(TOOLBUILD)/ktcpstat $(DESTDIR)$(PREFIX)/sbin/ktcpstat
	@for p in $(MAN_PAGES); do \
		d=$(DESTDIR)$(PREFIX)/share/man/man$${p##*.}; \
		echo "install -D -m 644 $${p#$(ROOT)/} $$d/$${p##*/}"; \
		install -D -m 644 "$$p" "$$d/$${p##*/}"; \
	done

clean:
	-$(MAKE) -C $(KDIR) M=$(ROOT) clean >/dev/null 2>&1
	-$(MAKE) -C $(ROOT)/tools/ktcp-run clean
	rm -rf $(TESTBUILD) $(TOOLBUILD) $(ROOT)/build
	rm -f module/*.o module/*/*.o module/.*.cmd module/*/.*.cmd module/*.mod* \
	      module/*.ko module/modules.order Module.symvers modules.order .*.cmd .module-common.o
