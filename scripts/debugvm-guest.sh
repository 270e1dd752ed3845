#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the debug-kernel VM (scripts/debugvm.sh starts it through
# scripts/vm.sh, ktcp.ko built against that kernel already loaded):
#
#   1. kmemleak: scan and clear, so that what boot left is not blamed on
#      the tests;
#   2. userspace-tests/run.sh with the names in $KTCP_DEBUGVM_TESTS (empty:
#      all of them);
#   3. kmemleak scan with ktcp loaded (its symbols still resolve), rmmod ktcp
#      (retried while TIME_WAIT sockets drain), a kmemleak scan for what the
#      module did not free on unload, and insmod $KTCP_KO again;
#   4. userspace-tests/pkt-tests.sh, when it exists and is executable, and a
#      last kmemleak scan. No rmmod after it: its tests end with the peer's
#      namespace gone, and the orphans left retransmit their FINs for
#      minutes (tcp_orphan_retries) before they let go of the module.
#
# The checks of steps 3 and 4 print TAP lines "ok N debugvm.<check>" /
# "not ok N ..." that scripts/check.sh counts like the test cases. Exits
# non-zero if a step failed; the kernel log (WARNING, KASAN, lockdep...) is
# judged by scripts/vm.sh.
#
# Environment: KTCP_DEBUGVM_TESTS, KTCP_TEST_TIMEOUT_MULT (passed on, and
# the default of KTCP_PKT_TIMEOUT_MULT for pkt-tests.sh), KTCP_KO (the debug
# ktcp.ko: reloaded after the rmmod, and by the lifecycle test),
# KTCP_DEBUGVM_RMMOD_WAIT (seconds, default 150), KTCP_DEBUGVM_PKT=0 skips
# the packet tests.
set -u

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
cd "$repo" || exit 125
kml=/sys/kernel/debug/kmemleak
export KTCP_PKT_TIMEOUT_MULT=${KTCP_PKT_TIMEOUT_MULT:-${KTCP_TEST_TIMEOUT_MULT:-1}}
rc=0
n=0
have_kml=0

tap() { # tap ok|fail NAME [COMMENT]
	n=$((n + 1))
	if [[ $1 == ok ]]; then
		echo "ok $n debugvm.$2${3:+ # $3}"
	else
		echo "not ok $n debugvm.$2${3:+ # $3}"
		rc=1
	fi
}

# stdin as "# " comment lines (TAP diagnostics).
comment() { sed 's/^/# /'; }

# Prints the current kmemleak report after a scan (empty: no leak).
# Objects younger than 5 s are not reported yet, and an object whose
# contents changed since the previous scan (a new one, say) only in the
# scan after: so wait, and scan twice.
kmemleak_scan() {
	sleep 6
	echo scan >"$kml" || return 1
	echo scan >"$kml" || return 1
	cat "$kml"
}

# kmemleak_check NAME WHAT: one TAP line; a report fails it, is printed and
# cleared so that the next check reports only what is new.
kmemleak_check() {
	local leaks
	((have_kml)) || return 0
	leaks=$(kmemleak_scan)
	if [[ -n $leaks ]]; then
		echo "# kmemleak report $2:"
		comment <<<"$leaks"
		tap fail "$1" "$(grep -c '^unreferenced object' <<<"$leaks") objects"
		echo clear >"$kml"
	else
		tap ok "$1"
	fi
}

echo "# debugvm: $(uname -r), $(nproc) CPUs, tests: ${KTCP_DEBUGVM_TESTS:-all}, KTCP_TEST_TIMEOUT_MULT=${KTCP_TEST_TIMEOUT_MULT:-1}"
if [[ -w $kml ]]; then
	have_kml=1
	boot=$(kmemleak_scan)
	echo clear >"$kml"
	echo "# kmemleak: $(grep -c '^unreferenced object' <<<"$boot") suspects from boot cleared"
else
	echo "# kmemleak: $kml not available"
fi

# --- 2. the kselftest suite -----------------------------------------------------

t=$SECONDS
# shellcheck disable=SC2086 # a list of names
bash userspace-tests/run.sh ${KTCP_DEBUGVM_TESTS:-} || rc=1
echo "# debugvm: run.sh took $((SECONDS - t)) s"

# --- 3. leaks, unload, reload ----------------------------------------------------

kmemleak_check kmemleak_loaded "after run.sh, ktcp loaded"
if [[ -d /sys/module/ktcp ]]; then
	fam=$(cat /sys/module/ktcp/parameters/family)
	wait_s=${KTCP_DEBUGVM_RMMOD_WAIT:-150}
	t=$SECONDS
	echo "# rmmod ktcp: module refcount $(cat /sys/module/ktcp/refcnt 2>/dev/null)"
	until err=$(rmmod ktcp 2>&1); do
		if ((SECONDS - t >= wait_s)); then
			break
		fi
		sleep 2
	done
	if [[ -d /sys/module/ktcp ]]; then
		echo "# rmmod ktcp still refused after $wait_s s: $err"
		echo "# module refcount $(cat /sys/module/ktcp/refcnt 2>/dev/null); sockets in this netns:"
		head -n 20 /proc/net/ktcp 2>/dev/null | comment
		tap fail rmmod "refused for $wait_s s"
	else
		tap ok rmmod "after $((SECONDS - t)) s"
		kmemleak_check kmemleak_unloaded "after rmmod ktcp (module addresses no longer resolve)"
		if ! err=$(insmod "${KTCP_KO:?}" "family=$fam" 2>&1); then
			echo "# insmod $KTCP_KO family=$fam: $err"
			tap fail reload
		fi
	fi
else
	tap fail rmmod "ktcp is not loaded after run.sh"
fi

# --- 4. packet-level tests --------------------------------------------------------

if [[ ${KTCP_DEBUGVM_PKT:-1} == 0 ]]; then
	echo "# debugvm: packet tests skipped (KTCP_DEBUGVM_PKT=0)"
elif [[ ! -x userspace-tests/pkt-tests.sh ]]; then
	echo "# debugvm: userspace-tests/pkt-tests.sh absent or not executable; skipped"
elif [[ ! -d /sys/module/ktcp ]]; then
	echo "# debugvm: ktcp is not loaded; packet tests not run"
	tap fail pkt_tests "ktcp not loaded"
else
	t=$SECONDS
	userspace-tests/pkt-tests.sh || rc=1
	echo "# debugvm: pkt-tests.sh took $((SECONDS - t)) s"
	kmemleak_check kmemleak_pkt "after pkt-tests.sh, ktcp loaded"
fi

echo "# debugvm: RESULT: $( ((rc)) && echo FAIL || echo PASS)"
exit "$rc"
