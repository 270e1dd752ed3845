#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's test command (`make check`, run by .ci/run): setup, module
# build (W=1, warnings fatal), userspace test build, checkpatch, the docs
# check (scripts/check-docs.sh: sysctls, parameters, counters, files and
# functions named), the layers check (scripts/check-layers.py: calls
# between module files run one way), KUnit,
# userspace-tests/run.sh inside a VM with ktcp.ko loaded, and debugvm: the
# interop and packet-level tests, a kmemleak scan and rmmod on a debug kernel
# (KASAN, lockdep, kmemleak...; scripts/debugvm.sh, scripts/debug-kernel.sh).
#
# usage: scripts/check.sh [STAGE...]
#   stages: module tests checkpatch docs layers kunit vmtest debugvm
#   (default: all, in order)
#
# Every KUnit case and every kselftest case (TAP "ok N"/"not ok N" lines)
# counts as one item; the module build, test build, checkpatch, the docs
# check and the layers check count as one item each, and so do the debug kernel build
# (debugbuild) and a VM run that fails without failing a test case.
# Ends with the line "N passed, N failed, N skipped" and exits non-zero if
# anything failed. Stage logs: build/log/<stage>.log.
#
# Environment: KTCP_VM_TIMEOUT (default 4200 s) for the VM stage,
# KTCP_CHECK_DEBUGVM=0 (skip debugvm), KTCP_DEBUGVM_TIMEOUT and
# KTCP_DEBUGVM_TESTS for debugvm (scripts/debugvm.sh),
# and what scripts/vm.sh, scripts/kunit.sh and scripts/debug-kernel.sh take.
set -euo pipefail

KTCP_PROG=check.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KTCP_ROOT"

ALL_STAGES=(module tests checkpatch docs layers kunit vmtest debugvm)
if (($#)); then
	stages=("$@")
	for s in "${stages[@]}"; do
		[[ " ${ALL_STAGES[*]} " == *" $s "* ]] || ktcp_die "unknown stage '$s' (${ALL_STAGES[*]})"
	done
else
	stages=("${ALL_STAGES[@]}")
	# KTCP_CHECK_DEBUGVM=0 leaves the debug kernel out (its cold build
	# is the longest step of a cold run).
	[[ ${KTCP_CHECK_DEBUGVM:-1} == 0 ]] && stages=("${stages[@]/debugvm}")
fi
want() { [[ " ${stages[*]} " == *" $1 "* ]]; }

logdir=$KTCP_ROOT/build/log
mkdir -p "$logdir"
passed=0
failed=0
skipped=0
summary=()
t_start=$SECONDS

note() { summary+=("$(printf '%-11s %s' "$1:" "$2")"); }
banner() { printf '\n==== %s ====\n' "$*"; }
took() { printf '%ds' $((SECONDS - $1)); }

# run_logged LOG CMD...: run with output to the console and LOG; returns rc.
run_logged() {
	local log=$1 rc
	shift
	set +e
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

# one_item STAGE LOG CMD...: a stage that is a single pass/fail item.
one_item() {
	local stage=$1 log=$2 t=$SECONDS
	shift 2
	banner "$stage"
	if run_logged "$log" "$@"; then
		passed=$((passed + 1))
		note "$stage" "ok ($(took "$t"))"
		return 0
	fi
	failed=$((failed + 1))
	note "$stage" "FAILED ($(took "$t")), see ${log#"$KTCP_ROOT"/}"
	return 1
}

finish() {
	banner "summary ($(took "$t_start"))"
	printf '%s\n' "${summary[@]}"
	printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
	if ((failed)); then
		exit 1
	fi
	exit 0
}

# --- setup ----------------------------------------------------------------------

banner setup
t=$SECONDS
if ! run_logged "$logdir/setup.log" scripts/setup.sh; then
	failed=$((failed + 1))
	note setup "FAILED ($(took "$t")), see build/log/setup.log"
	finish
fi
note setup "ok ($(took "$t"))"
export KTCP_SKIP_SETUP=1

# --- builds and checkpatch ----------------------------------------------------

module_ok=0
if want module || want vmtest; then
	one_item module "$logdir/module.log" make --no-print-directory module && module_ok=1
fi
tests_ok=0
if want tests || want vmtest || want debugvm; then
	one_item tests "$logdir/tests.log" make --no-print-directory tests && tests_ok=1
fi
if want checkpatch; then
	if ! one_item checkpatch "$logdir/checkpatch.log" make --no-print-directory checkpatch; then
		bad=$(grep -c 'has style problems' "$logdir/checkpatch.log" || true)
		summary[-1]+=" ($bad files with problems)"
	fi
fi

# --- docs: cheap, before the long stages -------------------------------------

if want docs; then
	one_item docs "$logdir/docs.log" make --no-print-directory docs-check || true
fi
if want layers; then
	one_item layers "$logdir/layers.log" make --no-print-directory layers-check || true
fi

# --- KUnit ------------------------------------------------------------------------

# kunit_parser.py: "Testing complete. Ran N tests: passed: P, failed: F,
# crashed: C, skipped: S, errors: E" (zero counts left out).
kunit_count() {
	local line=$1 key=$2
	sed -n "s/.*[ ,]$key: \\([0-9]\\{1,\\}\\).*/\\1/p" <<<"$line"
}

if want kunit; then
	banner kunit
	t=$SECONDS
	log=$logdir/kunit.log
	krc=0
	run_logged "$log" scripts/kunit.sh || krc=$?
	line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'Testing complete\. Ran [0-9]* tests:.*' | tail -n 1 || true)
	if [[ -z $line ]]; then
		failed=$((failed + 1))
		note kunit "FAILED (rc $krc, no test results; $(took "$t")), see build/log/kunit.log"
	else
		kp=$(kunit_count "$line" passed)
		kf=$(kunit_count "$line" failed)
		kc=$(kunit_count "$line" crashed)
		ks=$(kunit_count "$line" skipped)
		ke=$(kunit_count "$line" errors)
		kp=${kp:-0} kf=${kf:-0} kc=${kc:-0} ks=${ks:-0} ke=${ke:-0}
		passed=$((passed + kp))
		failed=$((failed + kf + kc))
		skipped=$((skipped + ks))
		extra=
		if ((ke > 0 || (krc != 0 && kf + kc == 0))); then
			# Parse errors, kernel log errors, or a non-zero exit with
			# no failed case.
			failed=$((failed + 1))
			extra=", rc $krc, errors $ke"
			grep -q 'FAIL: the KUnit kernel logged errors' "$log" &&
				extra+=", kernel log has WARNING/BUG/lockdep/KASAN reports"
		fi
		if ((kp + kf + kc + ks == 0)); then
			failed=$((failed + 1))
			extra+=", ran no test"
		fi
		note kunit "$kp passed, $((kf + kc)) failed, $ks skipped$extra ($(took "$t"))"
	fi
fi

# --- VM suites --------------------------------------------------------------

# vm_results STAGE LOG VRC T: count the kselftest/TAP results ("ok N"/"not
# ok N" lines, one per test case) a VM run printed, and note the stage.
vm_results() {
	local stage=$1 log=$2 vrc=$3 t=$4 tap vp vf vs extra
	tap=$(grep -E '^(not )?ok [0-9]+( |$)' "$log" || true)
	vs=$(grep -cE '^ok [0-9]+.*# *SKIP' <<<"$tap" || true)
	vp=$(grep -E '^ok [0-9]+' <<<"$tap" | grep -cvE '# *SKIP' || true)
	vf=$(grep -cE '^not ok [0-9]+' <<<"$tap" || true)
	passed=$((passed + vp))
	failed=$((failed + vf))
	skipped=$((skipped + vs))
	extra=
	if ((vp + vf + vs == 0)); then
		failed=$((failed + 1))
		extra=", no test results"
	elif ((vrc != 0 && vf == 0)); then
		failed=$((failed + 1))
		extra=", but the VM run failed (rc $vrc)"
		((vrc == 99)) && extra+=": the kernel logged WARNING/BUG/lockdep/KASAN reports"
		((vrc == 124)) && extra+=": timeout"
	fi
	((vrc != 0 && vf != 0)) && extra+=", VM run rc $vrc"
	note "$stage" "$vp passed, $vf failed, $vs skipped$extra ($(took "$t")), console: ${log#"$KTCP_ROOT"/}"
	if ((vf)); then
		mapfile -t -O "${#summary[@]}" summary < <(grep -E '^not ok [0-9]+' "$log" |
			head -n 20 | sed 's/^/            /')
	fi
	((vrc == 0)) || vm_crash_excerpt "$log"
}

# vm_crash_excerpt LOG: the summary is all a CI log may keep, so a guest
# that died (or logged a kernel error) leaves its last test line and the
# kernel's report there: the first error line and what follows it.
vm_crash_excerpt() {
	local log=$1 first
	mapfile -t -O "${#summary[@]}" summary < <(grep -aE '^(not )?ok [0-9]+|^# +RUN' "$log" |
		tail -n 2 | sed 's/^/            last: /')
	# no kernel report is no error: a failed case alone also comes here
	first=$(grep -anEm1 "\[ *[0-9]+\.[0-9]+\] .*$KTCP_KERNEL_ERROR_RE" "$log" | cut -d: -f1 || true)
	if [[ -n $first ]]; then
		sed -n "${first},$((first + 45))p" "$log"
	else
		tail -n 15 "$log"
	fi | cut -c1-160 | sed 's/^/            | /' >"$log.excerpt"
	mapfile -t -O "${#summary[@]}" summary <"$log.excerpt"
}

if want vmtest; then
	banner vmtest
	t=$SECONDS
	log=$logdir/vmtest.log
	if [[ ! -e userspace-tests/run.sh ]]; then
		failed=$((failed + 1))
		note vmtest "FAILED ($(took "$t")): userspace-tests/run.sh does not exist"
	elif ((!module_ok || !tests_ok)); then
		failed=$((failed + 1))
		note vmtest "FAILED ($(took "$t")): not run, the module or test build failed"
	else
		vrc=0
		scripts/vm.sh --timeout "${KTCP_VM_TIMEOUT:-4200}" --log "$log" \
			-- bash userspace-tests/run.sh || vrc=$?
		vm_results vmtest "$log" "$vrc" "$t"
	fi
fi

# The debug kernel: a cold build is about as long as the KUnit kernel's;
# later runs rebuild nothing (or what a changed fragment affects).
if want debugvm; then
	t=$SECONDS
	log=$logdir/debugvm.log
	if [[ ! -e userspace-tests/run.sh ]]; then
		failed=$((failed + 1))
		note debugvm "FAILED ($(took "$t")): userspace-tests/run.sh does not exist"
	elif ((!tests_ok)); then
		failed=$((failed + 1))
		note debugvm "FAILED ($(took "$t")): not run, the test build failed"
	elif ! one_item debugbuild "$logdir/debug-kernel.log" scripts/debug-kernel.sh build; then
		note debugvm "FAILED ($(took "$t")): not run, the debug kernel or ktcp.ko for it did not build"
	else
		banner debugvm
		t=$SECONDS
		vrc=0
		scripts/debugvm.sh --no-build --log "$log" || vrc=$?
		vm_results debugvm "$log" "$vrc" "$t"
	fi
fi

finish
