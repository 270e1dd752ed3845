#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ktcp talking to Linux's own TCP (`make demo`): boots the VM with ktcp.ko
# loaded and, over 127.0.0.1, runs a native AF_INET server against a ktcp
# client and then a ktcp server against an AF_INET client, moving BYTES
# (default 4M) each way and comparing SHA-256 digests at both ends. Shows
# /proc/net/ktcp with a connection up and after close (TIME_WAIT).
#
# usage: scripts/demo.sh [--bytes N] [--native] [vm.sh options]
#   --native   no VM, both ends AF_INET on this host (checks the demo itself)
# Exits non-zero on a digest mismatch or any error.
set -euo pipefail

KTCP_PROG=demo.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KTCP_ROOT"

demo=tools/build/ktcp_demo
bytes=4M
mode=vm
vm_args=()
while (($#)); do
	case $1 in
	--bytes) bytes=$2; shift 2 ;;
	--native) mode=native; shift ;;
	--in-vm) mode=in-vm; shift ;;
	*) vm_args+=("$1"); shift ;;
	esac
done

# One transfer: server family $1, client family $2 (-i or -k), port $3.
transfer() {
	local sfam=$1 cfam=$2 port=$3 srv_rc=0 cli_rc=0
	local out=/tmp/ktcp-demo.$port
	local show=() sdig cdig
	[[ -r /proc/net/ktcp ]] && show=(--show /proc/net/ktcp)

	echo
	echo "---- server $(famname "$sfam"), client $(famname "$cfam"), $bytes over 127.0.0.1:$port ----"
	"$demo" "$sfam" "${show[@]}" server "$port" >"$out.server" 2>&1 &
	local spid=$!
	"$demo" "$cfam" "${show[@]}" client 127.0.0.1 "$port" "$bytes" >"$out.client" 2>&1 || cli_rc=$?
	wait "$spid" || srv_rc=$?
	cat "$out.server" "$out.client"
	if [[ -r /proc/net/ktcp ]]; then
		echo "\$ cat /proc/net/ktcp    # after both ends closed"
		cat /proc/net/ktcp
	fi
	sdig=$(sed -n 's/.* server: received .* sha256 \([0-9a-f]*\)$/\1/p' "$out.server")
	cdig=$(sed -n 's/.* client: sent .* sha256 \([0-9a-f]*\)$/\1/p' "$out.client")
	if ((srv_rc || cli_rc)) || [[ -z $sdig || $sdig != "$cdig" ]]; then
		echo "FAIL: server rc $srv_rc, client rc $cli_rc, digests ${sdig:-none} / ${cdig:-none}"
		return 1
	fi
	echo "OK: both ends computed sha256 $sdig"
}

famname() { [[ $1 == -i ]] && echo "AF_INET" || echo "ktcp"; }

case $mode in
in-vm)
	rc=0
	echo "ktcp family: $(cat "$KTCP_FAMILY_SYSFS" 2>/dev/null || echo "not loaded")"
	transfer -i -k 5001 || rc=1
	transfer -k -i 5002 || rc=1
	echo
	if ((rc)); then echo "demo: FAILED"; else echo "demo: both directions OK"; fi
	exit "$rc"
	;;
native)
	KTCP_FAMILY_SYSFS=/nonexistent
	[[ -n ${KTCP_SKIP_SETUP:-} ]] || scripts/setup.sh
	make --no-print-directory "$demo" >/dev/null
	rc=0
	transfer -i -i 5001 || rc=1
	exit "$rc"
	;;
esac

KTCP_FAMILY_SYSFS=/sys/module/ktcp/parameters/family
[[ -n ${KTCP_SKIP_SETUP:-} ]] || scripts/setup.sh
export KTCP_SKIP_SETUP=1
make --no-print-directory module "$demo"
exec scripts/vm.sh --log "$KTCP_ROOT/build/log/demo.log" "${vm_args[@]}" \
	-- bash scripts/demo.sh --in-vm --bytes "$bytes"
