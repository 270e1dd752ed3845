#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the ktcp userspace test binaries (kselftest harness, TAP output) from
# userspace-tests/build/ in a fixed order, lifecycle (rmmod) last, pass
# their output through, print a summary, and exit non-zero if any test
# case failed or any binary did not finish cleanly.
#
# usage: userspace-tests/run.sh [NAME...]     (default: every binary)
#
# Runs as root, normally inside the VM (scripts/vm.sh) with ktcp.ko loaded,
# from the repository, which may be read-only: only /tmp is written.
#
# Environment:
#   KTCP_TEST_FAMILY=inet    run against native TCP (validates the suite)
#   KTCP_TEST_TIMEOUT_MULT   scale every timeout (default 1)
#   KTCP_KO                  module for the rmmod/insmod test
#                            (default <repo>/module/ktcp.ko)
#   KTCP_TEST_BUILD          where the binaries are (default ./build)
#   KTCP_TEST_PKT=0          skip the packet-level tests (pkt-tests.sh, run
#                            last: python3-scapy peers on a veth)
#   KTCP_TEST_DIFFCAP=0      skip the differential capture test ("diffcap":
#                            pkt-tests.sh --diff, its make-check subset, after
#                            pkt; make diffcap-full runs every scenario)
#   KTCP_TEST_CAPTURE=0      skip capture-check.sh (tshark on captures)
#   KTCP_TEST_FUZZ=0         skip fuzz.sh (the syscall and packet fuzzers
#                            and the teardown tests, short counts)
#   KTCP_NETEM_BYTES         bytes each way per netem run (default 64 MiB)

set -u

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
build=${KTCP_TEST_BUILD:-$here/build}
export KTCP_KO=${KTCP_KO:-$repo/module/ktcp.ko}

# Fixed order; any other test (a binary built from userspace-tests/*.c;
# tools/ holds the programs that are not tests) runs before lifecycle,
# which unloads and reloads the module and so comes last.
ORDER=(echo conn close interop)
LAST=(lifecycle)
EXCLUDE=()
# netem moves 64 MiB each way per run (the issue's floor); capture-check
# (tshark reads captures of short netem transfers) runs after it.
export KTCP_NETEM_BYTES=${KTCP_NETEM_BYTES:-67108864}
EXCLUDE+=(capture-check)
capture=1
[[ ${KTCP_TEST_CAPTURE:-1} == 0 ]] && capture=0

in_list() {
	local x=$1 y
	shift
	for y in "$@"; do
		[[ $x == "$y" ]] && return 0
	done
	return 1
}

if [[ ! -d $build ]]; then
	echo "run.sh: $build missing (make tests)" >&2
	exit 1
fi

if (($#)); then
	names=("$@")
else
	names=()
	for n in "${ORDER[@]}"; do
		[[ -x $build/$n ]] && names+=("$n")
	done
	for f in "$build"/*; do
		n=${f##*/}
		[[ -f $f && -x $f && -f $here/$n.c ]] || continue
		in_list "$n" "${ORDER[@]}" "${LAST[@]}" "${EXCLUDE[@]}" && continue
		names+=("$n")
	done
	((capture)) && [[ -x $here/capture-check.sh ]] && names+=(capture-check)
	[[ -x $here/acceptance.sh && -z ${KTCP_TEST_FAMILY:-} ]] && names+=(acceptance)
	[[ -x $here/launcher.sh && -z ${KTCP_TEST_FAMILY:-} ]] && names+=(launcher)
	# the classic troubles, short counts (make scenarios: --full)
	[[ -x $here/scenarios.sh && -z ${KTCP_TEST_FAMILY:-} ]] && names+=(scenarios)
	# The fuzzers and the teardown tests, short counts (fuzz.sh; make
	# fuzz runs the full ones): before lifecycle, they rmmod themselves.
	[[ ${KTCP_TEST_FUZZ:-1} == 1 && -x $here/fuzz.sh &&
	   -z ${KTCP_TEST_FAMILY:-} ]] && names+=(fuzz)
	for n in "${LAST[@]}"; do
		[[ -x $build/$n ]] && names+=("$n")
	done
	# Packet-level tests after lifecycle: their scripted peers vanish and
	# leave orphans retransmitting, which would keep rmmod busy.
	[[ ${KTCP_TEST_PKT:-1} == 1 && -x $here/pkt-tests.sh &&
	   -z ${KTCP_TEST_FAMILY:-} ]] && names+=(pkt)
	# The same peer against native TCP and ktcp, traces compared.
	[[ ${KTCP_TEST_DIFFCAP:-1} == 1 && -x $here/pkt-tests.sh &&
	   -z ${KTCP_TEST_FAMILY:-} ]] && names+=(diffcap)
fi
if ((${#names[@]} == 0)); then
	echo "run.sh: no test binaries in $build (make tests)" >&2
	exit 1
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "run.sh: warning: not root; netns, sysctl and rmmod tests will fail" >&2
fi

# The interop tests need veth (they would try modprobe themselves too).
if ! modprobe veth 2>/dev/null && [[ ! -d /sys/module/veth ]]; then
	echo "run.sh: warning: modprobe veth failed; interop over veth will fail" >&2
fi

if [[ -z ${KTCP_TEST_FAMILY:-} ]]; then
	fam=$(cat /sys/module/ktcp/parameters/family 2>/dev/null || echo "?")
	echo "# ktcp: module $([[ -d /sys/module/ktcp ]] && echo loaded || echo NOT LOADED), family $fam, KTCP_KO=$KTCP_KO"
else
	echo "# KTCP_TEST_FAMILY=$KTCP_TEST_FAMILY"
fi

logdir=$(mktemp -d /tmp/ktcp-tests.XXXXXX) || exit 1
trap 'rm -rf -- "$logdir"' EXIT

t_all=$SECONDS
tot_pass=0 tot_fail=0 tot_skip=0 bad_bins=0
summary=()

for n in "${names[@]}"; do
	bin=$build/$n
	bargs=()
	[[ $n == capture-check ]] && bin=$here/capture-check.sh
	[[ $n == pkt ]] && bin=$here/pkt-tests.sh
	if [[ $n == diffcap ]]; then
		bin=$here/pkt-tests.sh
		bargs=(--diff)
	fi
	[[ $n == launcher ]] && bin=$here/launcher.sh
	[[ $n == scenarios ]] && bin=$here/scenarios.sh
	[[ $n == acceptance ]] && bin=$here/acceptance.sh
	[[ $n == fuzz ]] && bin=$here/fuzz.sh
	log=$logdir/$n.log
	if [[ ! -x $bin ]]; then
		summary+=("$(printf '%-12s MISSING (%s)' "$n" "$bin")")
		bad_bins=$((bad_bins + 1))
		continue
	fi
	echo "# ==== $n ===="
	t=$SECONDS
	"$bin" "${bargs[@]}" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if [[ $n == pkt || $n == diffcap || $n == capture-check ]] &&
	   ! grep -qE '^# Totals: ' "$log"; then
		# A plain TAP script: derive the kselftest totals line.
		s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$log")
		printf '# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n' \
			$(($(grep -cE '^ok [0-9]+' "$log") - s)) \
			"$(grep -cE '^not ok [0-9]+' "$log")" "$s" >> "$log"
	fi
	# "# Totals: pass:5 fail:0 xfail:0 xpass:0 skip:0 error:0"
	totals=$(grep -E '^# Totals: ' "$log" | tail -n 1)
	p=$(sed -n 's/.* pass:\([0-9]*\).*/\1/p' <<<"$totals")
	fl=$(sed -n 's/.* fail:\([0-9]*\).*/\1/p' <<<"$totals")
	xp=$(sed -n 's/.*xpass:\([0-9]*\).*/\1/p' <<<"$totals")
	s=$(sed -n 's/.*skip:\([0-9]*\).*/\1/p' <<<"$totals")
	e=$(sed -n 's/.*error:\([0-9]*\).*/\1/p' <<<"$totals")
	if [[ -z $totals ]]; then
		# crashed or killed before the end: count its TAP lines
		p=$(grep -cE '^ok [0-9]+' "$log")
		s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$log")
		p=$((p - s))
		fl=$(grep -cE '^not ok [0-9]+' "$log")
		xp=0 e=0
	fi
	fl=$((fl + ${xp:-0} + ${e:-0}))
	tot_pass=$((tot_pass + p))
	tot_fail=$((tot_fail + fl))
	tot_skip=$((tot_skip + s))
	status="rc $rc"
	if [[ -z $totals ]]; then
		status+=", no TAP totals (crashed?)"
		bad_bins=$((bad_bins + 1))
	elif ((rc != 0 && fl == 0)); then
		status+=", non-zero exit without a failed case"
		bad_bins=$((bad_bins + 1))
	fi
	summary+=("$(printf '%-12s pass %3d  fail %3d  skip %3d  (%s, %ds)' \
		"$n" "$p" "$fl" "$s" "$status" $((SECONDS - t)))")
done

# The rmmod test reloads the module itself; make sure of it anyway.
if [[ -z ${KTCP_TEST_FAMILY:-} && ! -d /sys/module/ktcp && -r $KTCP_KO ]]; then
	args=
	[[ -n ${fam:-} && $fam != "?" ]] && args="family=$fam"
	echo "# ktcp not loaded after the tests: insmod $KTCP_KO $args"
	# shellcheck disable=SC2086
	insmod "$KTCP_KO" $args || echo "run.sh: warning: reloading ktcp failed" >&2
fi

echo "# ==== summary ($((SECONDS - t_all)) s) ===="
printf '# %s\n' "${summary[@]}"
echo "# total: $tot_pass passed, $tot_fail failed, $tot_skip skipped"
if ((tot_fail || bad_bins)); then
	echo "# RESULT: FAIL"
	exit 1
fi
echo "# RESULT: PASS"
exit 0
