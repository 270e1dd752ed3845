#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet-level TCP conformance tests (userspace-tests/pkt/): a scripted peer
# (python3-scapy, on a veth in its own network namespace) sends exact
# segments to a ktcp socket driven by ktcp_sockctl and checks the exact
# replies, packetdrill-style. Linux 6.12's TCP is the reference: --native
# runs the same tests against a native AF_INET socket. Tests and scenarios
# named *_v6 run over IPv6: AF_KTCP6 (family6), or AF_INET6 with --native.
# TAP output; exits non-zero if any test fails.
#
# --diff runs the differential capture test instead (pkt/diffcap.py): each
# scenario once against native TCP and once against ktcp, with the same
# reactive peer, every segment both ways compared; --self-check runs both
# sides native (the harness must see no difference), --full every scenario
# (default: the make-check subset), --keep DIR keeps the traces.
#
# usage: userspace-tests/pkt-tests.sh [--native] [--list] [TEST...]
#        userspace-tests/pkt-tests.sh --diff [--self-check] [--full]
#                                     [--keep DIR] [--list] [SCENARIO...]
#        scripts/vm.sh -- userspace-tests/pkt-tests.sh [--native]
#
# Runs as root with ktcp.ko loaded (inside the VM, normally), from the
# repository, which may be read-only: only /tmp is written. Each test gets
# fresh namespaces (ktcppkt-<pid>-<n>-k and -p, deleted afterwards, and
# again here should the runner die) and a time limit of its own.
#
# Environment:
#   KTCP_SOCKCTL            helper binary (default: tools/build/ktcp_sockctl
#                           if newer than its source, else compiled into
#                           /tmp)
#   KTCP_PKT_TIMEOUT_MULT   scales every test's time limit (default 1)
#   KTCP_PKT_PYTHON         python with scapy (default /usr/bin/python3)

set -u

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
native=0
list=0
diff=0
dargs=()
names=()
while (($#)); do
	a=$1
	shift
	case $a in
	--native) native=1 ;;
	--list) list=1 ;;
	--diff) diff=1 ;;
	--self-check | --full) dargs+=("$a") ;;
	--keep) dargs+=("$a" "$1"); shift ;;
	-h | --help)
		sed -n '/^# usage:/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) echo "pkt-tests.sh: unknown option $a" >&2; exit 2 ;;
	*) names+=("$a") ;;
	esac
done

export PYTHONDONTWRITEBYTECODE=1
py=${KTCP_PKT_PYTHON:-/usr/bin/python3}
[[ -x $py ]] || py=$(command -v python3)
runpy=$here/pkt/run.py
((diff)) && runpy=$here/pkt/diffcap.py
if ((diff && native)); then
	echo "pkt-tests.sh: --diff runs native TCP itself (--self-check:" \
		"native on both sides)" >&2
	exit 2
fi

if ((list)); then
	exec "$py" "$runpy" --list "${dargs[@]}"
fi

bail() {
	echo "1..0 # SKIP $*"
	echo "pkt-tests.sh: $*" >&2
	exit 1
}

[[ $(id -u) -eq 0 ]] || bail "must run as root (network namespaces)"
command -v ip >/dev/null || bail "ip (iproute2) missing"
# veth may be built in (no /sys/module/veth): only warn.
modprobe veth 2>/dev/null || [[ -d /sys/module/veth ]] ||
	echo "# warning: modprobe veth failed; assuming veth is built in"
if ((!native)) && [[ ! -d /sys/module/ktcp ]] &&
	[[ " ${dargs[*]} " != *" --self-check "* ]]; then
	bail "ktcp is not loaded (insmod module/ktcp.ko, or --native)"
fi

work=$(mktemp -d /tmp/ktcp-pkt.XXXXXX) || exit 1
prefix=ktcppkt-$$
# shellcheck disable=SC2317 # run by trap
cleanup() {
	local ns
	for ns in /run/netns/"$prefix"-*; do
		[[ -e $ns ]] && ip netns del "${ns##*/}" 2>/dev/null
	done
	rm -rf -- "$work"
}
runner=
trap cleanup EXIT
trap '[[ -n $runner ]] && kill "$runner" 2>/dev/null; wait; exit 130' INT TERM

# The helper: the build tree's if it is newer than its source, else our own.
helper=${KTCP_SOCKCTL:-}
src=$repo/tools/ktcp_sockctl.c
if [[ -z $helper ]]; then
	helper=$repo/tools/build/ktcp_sockctl
	if [[ ! -x $helper || $helper -ot $src ]]; then
		helper=$work/ktcp_sockctl
		gcc -Wall -Wextra -O2 -o "$helper" "$src" "$here"/lib/*.c -lpthread ||
			bail "cannot build ktcp_sockctl"
	fi
fi
"$helper" >/dev/null 2>&1 || bail "$helper does not run"

if ((diff)); then
	echo "# differential capture: native TCP against" \
		"$([[ " ${dargs[*]} " == *" --self-check "* ]] && echo "native TCP (self-check)" ||
			echo "ktcp, family $(cat /sys/module/ktcp/parameters/family 2>/dev/null || echo '?')," \
				"family6 $(cat /sys/module/ktcp/parameters/family6 2>/dev/null || echo '?')")" \
		"($(uname -r))"
	args=("${dargs[@]}")
elif ((native)); then
	echo "# packet tests against native Linux TCP ($(uname -r))"
	args=(--native)
else
	echo "# packet tests against ktcp, family" \
		"$(cat /sys/module/ktcp/parameters/family 2>/dev/null || echo '?'), family6" \
		"$(cat /sys/module/ktcp/parameters/family6 2>/dev/null || echo '?')" \
		"($(uname -r))"
	args=()
fi
args+=(--helper "$helper" --prefix "$prefix"
	--timeout-mult "${KTCP_PKT_TIMEOUT_MULT:-1}")

# run.py bounds each test; this bounds run.py as a whole. In the background
# so that the INT/TERM trap runs at once.
mult=${KTCP_PKT_TIMEOUT_MULT:-1}
limit=$(awk -v m="$mult" 'BEGIN { printf "%d", 3600 * m }')
timeout -k 15 "$limit" "$py" -u "$runpy" "${args[@]}" "${names[@]}" &
runner=$!
wait "$runner"
rc=$?
runner=
((rc == 124)) && echo "Bail out! run.py did not finish within $limit s"
exit $((rc == 0 ? 0 : 1))
