#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the debug-kernel VM (scripts/debugvm.sh starts it through
# scripts/vm.sh, ktcp.ko built against that kernel already loaded):
#
#   1. kmemleak: scan once and clear, so that what boot left is not blamed
#      on the tests;
#   2. userspace-tests/run.sh with the names in $KTCP_DEBUGVM_TESTS (empty:
#      all of them);
#   3. userspace-tests/pkt-tests.sh, when it exists and is executable;
#   4. kmemleak scan with ktcp loaded (its symbols still resolve), then
#      rmmod ktcp (retried while TIME_WAIT sockets drain) and a last scan
#      for what the module did not free on unload.
#
# Steps 4's checks print TAP lines "ok N debugvm.<check>" / "not ok N ..."
# that scripts/check.sh counts like the test cases. Exits non-zero if a
# step failed; the kernel log (WARNING, KASAN, lockdep...) is judged by
# scripts/vm.sh.
#
# Environment: KTCP_DEBUGVM_TESTS, KTCP_TEST_TIMEOUT_MULT (passed on, and
# the default of KTCP_PKT_TIMEOUT_MULT for pkt-tests.sh), KTCP_KO (the debug
# ktcp.ko, for the lifecycle test's reload),
# KTCP_DEBUGVM_RMMOD_WAIT (seconds, default 150).
set -u

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
cd "$repo" || exit 125
kml=/sys/kernel/debug/kmemleak
export KTCP_PKT_TIMEOUT_MULT=${KTCP_PKT_TIMEOUT_MULT:-${KTCP_TEST_TIMEOUT_MULT:-1}}
rc=0
n=0

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

echo "# debugvm: $(uname -r), $(nproc) CPUs, tests: ${KTCP_DEBUGVM_TESTS:-all}, KTCP_TEST_TIMEOUT_MULT=${KTCP_TEST_TIMEOUT_MULT:-1}"
have_kml=0
if [[ -w $kml ]]; then
	have_kml=1
	boot=$(kmemleak_scan)
	echo clear >"$kml"
	echo "# kmemleak: $(grep -c '^unreferenced object' <<<"$boot") suspects from boot cleared"
else
	echo "# kmemleak: $kml not available"
fi

t=$SECONDS
# shellcheck disable=SC2086 # a list of names
bash userspace-tests/run.sh ${KTCP_DEBUGVM_TESTS:-} || rc=1
echo "# debugvm: run.sh took $((SECONDS - t)) s"

if [[ -x userspace-tests/pkt-tests.sh ]]; then
	t=$SECONDS
	userspace-tests/pkt-tests.sh || rc=1
	echo "# debugvm: pkt-tests.sh took $((SECONDS - t)) s"
else
	echo "# debugvm: userspace-tests/pkt-tests.sh absent or not executable; skipped"
fi

if ((have_kml)); then
	leaks=$(kmemleak_scan)
	if [[ -n $leaks ]]; then
		echo "# kmemleak report with ktcp loaded:"
		comment <<<"$leaks"
		tap fail kmemleak_loaded "$(grep -c '^unreferenced object' <<<"$leaks") objects"
		echo clear >"$kml"
	else
		tap ok kmemleak_loaded
	fi
fi

if [[ -d /sys/module/ktcp ]]; then
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
		if ((have_kml)); then
			leaks=$(kmemleak_scan)
			if [[ -n $leaks ]]; then
				echo "# kmemleak report after rmmod ktcp (module addresses no longer resolve):"
				comment <<<"$leaks"
				tap fail kmemleak_unloaded "$(grep -c '^unreferenced object' <<<"$leaks") objects"
			else
				tap ok kmemleak_unloaded
			fi
		fi
	fi
else
	tap fail rmmod "ktcp is not loaded after the tests"
fi

echo "# debugvm: RESULT: $( ((rc)) && echo FAIL || echo PASS)"
exit "$rc"
