#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite on the debug kernel (KASAN, lockdep, kmemleak, ...): build
# it and ktcp.ko against it (scripts/debug-kernel.sh, cached), boot it with
# scripts/vm.sh, and run scripts/debugvm-guest.sh there: the userspace
# tests named (default: $KTCP_DEBUGVM_TESTS, else interop and the suites of
# the host's policy and of memory, below), the packet-level
# tests when userspace-tests/pkt-tests.sh exists, a kmemleak scan, rmmod.
# Any kernel splat fails the run (vm.sh), and so does a kmemleak report.
#
# usage: scripts/debugvm.sh [--no-build] [--timeout S] [--log FILE] [TEST...]
#   TEST...      userspace-tests/build names for run.sh; "all" runs every one
#   --no-build   use the debug kernel and ktcp.ko already built
#   --timeout S  VM timeout (default $KTCP_DEBUGVM_TIMEOUT, else 3000)
#   --log FILE   console log (default build/log/debugvm.log)
#
# Environment: KTCP_TEST_TIMEOUT_MULT and KTCP_PKT_TIMEOUT_MULT (default 4
# here: KASAN under TCG is slow), KTCP_DEBUGVM_TESTS, KTCP_DEBUGVM_PKT and
# KTCP_FUZZ_* (passed to the guest: make fuzz), and what scripts/vm.sh and
# scripts/debug-kernel.sh take. The userspace tests must be built (make tests).
set -euo pipefail

KTCP_PROG=debugvm.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KTCP_ROOT"

build=1
timeout_s=${KTCP_DEBUGVM_TIMEOUT:-3000}
log=$KTCP_ROOT/build/log/debugvm.log
while (($#)); do
	case $1 in
	--no-build) build=0; shift ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--) shift; break ;;
	-h | --help) sed -n '/^# usage:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	-*) ktcp_die "unknown option '$1'" ;;
	*) break ;;
	esac
done
# The default: interop, the defences whose kernel paths (cgroup BPF,
# netfilter and conntrack, VRF, socket memory accounting, sock_diag) only
# a debug kernel checks for locking and memory errors, and IPv6 with its
# ICMPv6 errors (ip6_xmit(), the IPv6 hook, ipv6_pinfo); about 400 s there.
tests=${*:-${KTCP_DEBUGVM_TESTS-interop cgroup policy ctstate bindev memory diag ipv6 icmp splice pacing offload timewait close}}
[[ $tests == all ]] && tests=

# read_paths: take debug-kernel.sh's KEY=VALUE lines (stdin) into the
# variables named here; nothing it prints is evaluated.
read_paths() {
	local line key value
	KERNEL='' MODULES_DIR='' KTCP_KO=''
	while IFS= read -r line; do
		key=${line%%=*}
		value=${line#*=}
		[[ $line == *=* && -n $value ]] || ktcp_die "debug-kernel.sh printed '$line'"
		case $key in
		KERNEL) KERNEL=$value ;;
		MODULES_DIR) MODULES_DIR=$value ;;
		KTCP_KO) KTCP_KO=$value ;;
		RELEASE) ;;
		*) ktcp_die "debug-kernel.sh printed an unknown key '$key'" ;;
		esac
	done
	[[ -n $KERNEL && -n $MODULES_DIR && -n $KTCP_KO ]] ||
		ktcp_die "debug-kernel.sh did not print KERNEL, MODULES_DIR and KTCP_KO"
}

if ((build)); then
	paths=$(scripts/debug-kernel.sh build)
else
	paths=$(scripts/debug-kernel.sh paths)
fi
read_paths <<<"$paths"
[[ -d userspace-tests/build ]] || ktcp_die "userspace tests not built (make tests)"

# What the guest sees of the environment: only what is passed here.
fwd=("KTCP_DEBUGVM_PKT=${KTCP_DEBUGVM_PKT:-1}")
for v in ${!KTCP_FUZZ_@}; do
	fwd+=("$v=${!v}")
done

# preempt=full: the kernel is PREEMPT_DYNAMIC, and full preemption with
# DEBUG_PREEMPT finds per-CPU accesses from preemptible code.
exec scripts/vm.sh --kernel "$KERNEL" --modules-dir "$MODULES_DIR" --ktcp "$KTCP_KO" \
	--timeout "$timeout_s" --log "$log" --append "preempt=full" -- \
	env KTCP_DEBUGVM_TESTS="$tests" KTCP_KO="$KTCP_KO" "${fwd[@]}" \
	KTCP_TEST_TIMEOUT_MULT="${KTCP_TEST_TIMEOUT_MULT:-4}" \
	KTCP_PKT_TIMEOUT_MULT="${KTCP_PKT_TIMEOUT_MULT:-${KTCP_TEST_TIMEOUT_MULT:-4}}" \
	bash scripts/debugvm-guest.sh
