#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark (not a test), ktcp against native TCP, in two parts. Boots the
# VM once (scripts/vm.sh, ktcp.ko loaded) and runs both in that boot, then
# prints a table for each, with the ratios ktcp/native, and draws them
# (build/log/bench.svg).
#
# Applications (scripts/bench-apps.sh, first): unmodified programs over
# 127.0.0.1 in one fresh network namespace, natively and with both ends
# through tools/ktcp-run, native and ktcp taking turns (A B A B ...) for
# ROUNDS rounds, medians and spread: iperf3 -P1 and -P8 (Mbit/s), sockperf
# ping-pong (avg, p50, p99 usec), nginx under ab without keep-alive
# (connections/s), redis-benchmark with 1 and 50 clients (SET and GET/s),
# and the memory per idle connection (tools/build/ktcp_conns hold: Slab
# growth per connection, both ends). Ratios are oriented so that > 1.0
# means ktcp did better: ktcp/native for throughput, native/ktcp for
# latency and memory.
#
# Transfers: the transfer of userspace-tests/netem.c, done by
# tools/build/ktcp_bench (BYTES each way at once, SHA-256 checked
# at both ends), with native TCP and with ktcp, over loopback, over a clean
# veth pair, and over the veth pair under each netem profile of netem.c,
# for ROUNDS rounds in which the pairs take turns (native, ktcp, k2n, n2k,
# native, ...): the table has each pair's median time, and the ratio of
# the medians pair/native with its spread (the lowest and highest ratio of
# one round).
#
# usage: scripts/bench.sh [options] [vm.sh options]
#   --no-apps          leave the applications out
#   --no-transfers     leave the transfers out
#   --rounds R         applications: rounds (default 5)
#   --apps LIST        applications, comma-separated, from: iperf3, sockperf,
#                      nginx, redis, idle (default all)
#   --app-secs S       iperf3's and sockperf's run time (default 5)
#   --ab-n N, --ab-c C ab's requests and concurrency (default 2000, 16)
#   --redis-n N        redis-benchmark's requests per test (default 20000)
#   --idle-conns N     connections held for the memory figure (default 2000)
#   --transfer-rounds R  transfers: rounds (default 5)
#   --bytes N          bytes each way (default 16M; K/M/G suffixes; netem.c
#                      moves 64M, which takes an hour or more here under TCG)
#   --pairs LIST       comma-separated, from: native (inet -> inet), ktcp
#                      (ktcp -> ktcp), k2n (ktcp client -> inet server),
#                      n2k (inet client -> ktcp server); default all four
#   --profiles LIST    comma-separated profile names (default: all, in the
#                      order below)
#   --timeout S        give up on one transfer or application run after S
#                      seconds (default 300)
#   --here             no VM: run on this machine (root; ktcp columns need
#                      ktcp.ko loaded, netem profiles need sch_netem)
#   --log FILE         the VM's console, where the results are read from
#                      (default build/log/bench.log)
#   any other option goes to scripts/vm.sh (--accel, --smp, --mem, ...)
# KTCP_TEST_FAMILY=inet makes the "ktcp" ends native (checks this script).
#
# Profiles (netem on the egress of both veth ends, as in netem.c):
#   loopback   127.0.0.1 in one netns, no qdisc
#   loopback6  ::1 in one netns, no qdisc: IPv6, so the pairs are
#              AF_INET6 and AF_KTCP6 (native is inet6 -> inet6, ktcp is
#              ktcp6 -> ktcp6, k2n and n2k mixed), in the same order
#   veth       the veth pair, no qdisc
#   loss1      loss 1%            loss5     loss 5%
#   reorder25  delay 10ms reorder 25% 50%
#   dup5       duplicate 5%       jitter    delay 20ms 5ms
#   rate10mbit rate 10mbit        corrupt1  corrupt 1%
# The veths (userspace-tests/lib/topo.sh: the tests' topology) run without
# offloads (tx checksum, TSO, GSO off, gso_max_segs 1), so netem acts on
# wire-sized segments for both stacks.
#
# Output: the tables, and machine-readable lines in the log: one per
# transfer ("KTCP-BENCH-ROW|profile|pair|ok/FAIL|secs|MiB/s|retrans client|
# retrans server|why|netem|round"), and for the applications one per run and
# metric (KTCP-BENCH-APP-RUN|...) and one per metric ("KTCP-BENCH-APP|
# bench|metric|native median|ktcp median|ratio|spread|native min..max|
# ktcp min..max|rounds|better", scripts/bench-apps.sh says more). On the
# host: build/log/bench.log (the console), bench.tsv (the transfer rows),
# bench-apps.tsv (the applications' table, tab-separated, with a header)
# and bench.svg (both parts' ratios, tools/bench-plot.py, when
# python3-matplotlib is there). `make bench BENCH_ARGS="--bytes 4M
# --rounds 3"` passes options. A failed run shows as FAIL (footnoted) or
# drops out of its medians, and does not stop the others.
# Exit status: 0 when every run succeeded, 1 otherwise.
set -euo pipefail

KTCP_PROG=bench.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KTCP_ROOT"
# shellcheck source=userspace-tests/lib/topo.sh
. userspace-tests/lib/topo.sh

bench=tools/build/ktcp_bench
bytes=16M
xfer_rounds=5
pairs=native,ktcp,k2n,n2k
profiles=
timeout_s=300
mode=vm
bench_log=
vm_args=()
do_apps=1
do_transfers=1
app_args=()	# bench-apps.sh's options, passed on as they are

ALL_PROFILES=(loopback loopback6 veth loss1 loss5 reorder25 dup5 jitter rate10mbit corrupt1)
netem_of() {
	case $1 in
	loopback | loopback6 | veth) echo "-" ;;
	loss1) echo "loss 1%" ;;
	loss5) echo "loss 5%" ;;
	reorder25) echo "delay 10ms reorder 25% 50%" ;;
	dup5) echo "duplicate 5%" ;;
	jitter) echo "delay 20ms 5ms" ;;
	rate10mbit) echo "rate 10mbit" ;;
	corrupt1) echo "corrupt 1%" ;;
	*) return 1 ;;
	esac
}
# client and server family of a pair
fams_of() {
	case $1 in
	native) echo "inet inet" ;;
	ktcp) echo "ktcp ktcp" ;;
	k2n) echo "ktcp inet" ;;
	n2k) echo "inet ktcp" ;;
	*) return 1 ;;
	esac
}

while (($#)); do
	case $1 in
	--bytes) bytes=$2; shift 2 ;;
	--transfer-rounds) xfer_rounds=$2; shift 2 ;;
	--pairs) pairs=$2; shift 2 ;;
	--profiles) profiles=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--rounds | --apps | --app-secs | --ab-n | --ab-c | --redis-n | --idle-conns)
		app_args+=("$1" "$2"); shift 2 ;;
	--no-apps) do_apps=0; shift ;;
	--no-transfers) do_transfers=0; shift ;;
	--here) mode=here; shift ;;
	--log) bench_log=$2; shift 2 ;;
	--in-vm) mode=in-vm; shift ;;
	-h | --help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) vm_args+=("$1"); shift ;;
	esac
done

IFS=, read -r -a pair_list <<<"$pairs"
if [[ -n $profiles ]]; then
	IFS=, read -r -a profile_list <<<"$profiles"
else
	profile_list=("${ALL_PROFILES[@]}")
fi
for p in "${pair_list[@]}"; do
	fams_of "$p" >/dev/null || ktcp_die "unknown pair '$p' (native, ktcp, k2n, n2k)"
done
for p in "${profile_list[@]}"; do
	netem_of "$p" >/dev/null || ktcp_die "unknown profile '$p' (${ALL_PROFILES[*]})"
done
[[ $timeout_s =~ ^[0-9]+$ && $timeout_s -gt 0 ]] || ktcp_die "--timeout wants seconds"
[[ $xfer_rounds =~ ^[0-9]+$ && $xfer_rounds -gt 0 ]] || ktcp_die "--transfer-rounds wants a count"
((do_apps || do_transfers)) || ktcp_die "--no-apps and --no-transfers leave nothing to run"
app_args+=(--timeout "$timeout_s")
# before a VM boots for nothing; it says how many runs the options make
app_runs=0
((!do_apps)) || app_runs=$(scripts/bench-apps.sh --check "${app_args[@]}")

# --- the table (from KTCP-BENCH-ROW lines) ----------------------------------

# print_table ROWS: one line per profile, each pair's median time over the
# rounds, and for every pair that is not native the ratio of the medians
# pair/native and its spread, the lowest and highest ratio of one round.
print_table() {
	local rows=$1
	awk -F'|' -v pairs="$pairs" -v bytes="$bytes" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	# med[p, q]: the median of the rounds that succeeded, -1 if none did
	function settle(p, q,   k, a) {
		for (k = 1; k <= nok[p, q]; k++) a[k] = t[p, q, k]
		med[p, q] = nok[p, q] ? median(a, nok[p, q]) : -1
	}
	function cell(p, q) {
		if (!((p SUBSEP q) in runs)) return "-"
		if (med[p, q] < 0) return "FAIL"
		return sprintf("%.2f%s", med[p, q], nok[p, q] < runs[p, q] ? "*" : "")
	}
	$1 == "KTCP-BENCH-ROW" {
		r = $11 == "" ? 1 : $11
		if (!($2 in seen)) { seen[$2] = 1; order[++np] = $2 }
		netem[$2] = $10; runs[$2, $3]++
		if ($4 == "ok") { t[$2, $3, ++nok[$2, $3]] = $5; rt[$2, $3, r] = $5 }
		else fails[++nf] = $2 " " $3 " round " r ": " $9
		if (r > nr) nr = r
	}
	END {
		nq = split(pairs, q, ",")
		printf "transfer: %s each way, both directions at once; median seconds of %d rounds (* a round failed); ratio = pair / native, (spread of rounds)\n\n", bytes, nr
		printf "%-11s %-27s", "profile", "netem (both veth ends)"
		for (j = 1; j <= nq; j++) {
			printf " %9s", q[j]
			if (q[j] != "native") printf " %-17s", "ratio"
		}
		printf "\n"
		for (i = 1; i <= np; i++) {
			p = order[i]
			for (j = 1; j <= nq; j++) settle(p, q[j])
			printf "%-11s %-27s", p, netem[p]
			for (j = 1; j <= nq; j++) {
				printf " %9s", cell(p, q[j])
				if (q[j] == "native") continue
				if (med[p, q[j]] > 0 && med[p, "native"] > 0) {
					lo = hi = ""
					for (k = 1; k <= nr; k++) {
						if (!((p SUBSEP q[j] SUBSEP k) in rt) || !((p SUBSEP "native" SUBSEP k) in rt) || rt[p, "native", k] <= 0) continue
						x = rt[p, q[j], k] / rt[p, "native", k]
						if (lo == "" || x < lo) lo = x
						if (hi == "" || x > hi) hi = x
					}
					printf " %-17s", sprintf("%.2f", med[p, q[j]] / med[p, "native"]) (lo == "" ? "" : sprintf(" (%.2f..%.2f)", lo, hi))
				} else
					printf " %-17s", "-"
			}
			printf "\n"
		}
		if (nf) {
			printf "\nfailed transfers:\n"
			for (i = 1; i <= nf; i++) printf "  %s\n", fails[i]
		}
	}' "$rows"
}

# show_results ROWS APP_ROWS: the tables of both parts, each from its lines
show_results() {
	if [[ -s $1 ]]; then
		print_table "$1"
		echo
	fi
	if [[ -s $2 ]]; then
		scripts/bench-apps.sh --table "$2"
		echo
	fi
}

# plot SVG APPS_TSV ROWS_TSV: the chart (python3-matplotlib, which a
# pyenv or venv python3 on PATH may lack: then Debian's)
plot() {
	local py=python3 args=()
	rm -f "$1"	# no chart rather than the last run's
	[[ -s $2 ]] && args+=(--apps "$2")
	[[ -s $3 ]] && args+=(--transfers "$3")
	"$py" -c 'import matplotlib' 2>/dev/null || py=/usr/bin/python3
	"$py" tools/bench-plot.py "$1" "${args[@]}" ||
		ktcp_log "no chart: tools/bench-plot.py failed (python3-matplotlib: scripts/setup.sh)"
}

# --- host side: boot the VM once ------------------------------------------------

if [[ $mode == vm ]]; then
	((!do_transfers)) || [[ -x $bench ]] || ktcp_die "$bench missing (make tools)"
	[[ -f module/ktcp.ko ]] || ktcp_die "module/ktcp.ko missing (make module)"
	logdir=$KTCP_ROOT/build/log
	mkdir -p "$logdir"
	log=${bench_log:-$logdir/bench.log}
	# every run may run to its timeout (an application run also waits for
	# its server); plus boot and set-up
	vm_timeout=$((do_transfers * xfer_rounds * ${#profile_list[@]} * ${#pair_list[@]} * (timeout_s + 30) +
		app_runs * (timeout_s + 90) + 300))
	what=
	((!do_apps)) || what+="$app_runs application runs; "
	((!do_transfers)) || what+="${#profile_list[@]} profiles x ${#pair_list[@]} pairs x $xfer_rounds rounds, $bytes each way; "
	ktcp_log "${what}VM timeout ${vm_timeout}s, log $log"
	parts=()
	((do_apps)) || parts+=(--no-apps)
	((do_transfers)) || parts+=(--no-transfers)
	rc=0
	# KTCP_TEST_FAMILY=inet (ktcp pairs run native: checks this script) goes along
	scripts/vm.sh --timeout "$vm_timeout" --log "$log" "${vm_args[@]}" -- \
		env ${KTCP_TEST_FAMILY:+KTCP_TEST_FAMILY="$KTCP_TEST_FAMILY"} bash scripts/bench.sh --in-vm --bytes "$bytes" --pairs "$pairs" \
		--transfer-rounds "$xfer_rounds" \
		--profiles "$(IFS=,; echo "${profile_list[*]}")" --timeout "$timeout_s" \
		"${parts[@]}" "${app_args[@]}" || rc=$?
	tr -d '\r' <"$log" | grep '^KTCP-BENCH-ROW|' >"$logdir/bench.rows" || true
	tr -d '\r' <"$log" | grep '^KTCP-BENCH-APP' >"$logdir/bench-apps.rows" || true
	if [[ ! -s $logdir/bench.rows && ! -s $logdir/bench-apps.rows ]]; then
		ktcp_die "no results in $log (VM rc $rc)"
	fi
	cut -d'|' -f2- "$logdir/bench.rows" >"$logdir/bench.tsv"
	rm -f "$logdir/bench-apps.tsv"
	grep -q '^KTCP-BENCH-APP|' "$logdir/bench-apps.rows" &&
		scripts/bench-apps.sh --tsv "$logdir/bench-apps.rows" >"$logdir/bench-apps.tsv"
	plot "$logdir/bench.svg" "$logdir/bench-apps.tsv" "$logdir/bench.tsv"
	echo
	echo "==== ktcp benchmark ($(date -u +%Y-%m-%dT%H:%MZ), VM rc $rc) ===="
	show_results "$logdir/bench.rows" "$logdir/bench-apps.rows"
	echo "build/log/: bench.tsv (transfers), bench-apps.tsv (applications), bench.svg (chart), bench.log (console)"
	exit "$rc"
fi

# --- in the VM (or --here): run them ------------------------------------------------

[[ $(id -u) -eq 0 ]] || ktcp_die "must run as root (namespaces, tc)"
command -v ip >/dev/null || ktcp_die "ip missing (iproute2)"

ns_a=ktbench-$$-a
ns_b=ktbench-$$-b
ns_apps=ktbench-$$-apps
if_a=ktbench_a
if_b=ktbench_b
work=$(mktemp -d /tmp/ktcp-bench.XXXXXX)
rows=$work/rows
apps=$work/apps
: >"$rows"
: >"$apps"
# shellcheck disable=SC2317 # run by trap
cleanup() {
	ktcp_topo_down "$ns_a" "$ns_b" "$ns_apps"
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_apps: the applications, in a fresh namespace with only lo: nothing
# of the transfers' set-up (veths, qdiscs) is in their way, and no
# connection of an earlier run (ktcp's or native TIME_WAIT) is in the
# namespace when they start
run_apps() {
	local rc=0
	ip netns add "$ns_apps" || return 1
	ip netns exec "$ns_apps" bash scripts/bench-apps.sh "${app_args[@]}" | tee "$apps" ||
		rc=${PIPESTATUS[0]}
	ip netns del "$ns_apps"
	return "$rc"
}

# run_transfers: ktcp_bench per profile and pair; fail=1 when one failed
run_transfers() {
	local t ktcp_ok=1 prof netem tc_err ns_cli ns_srv addr ns_ifc pair cfam sfam res st secs mibps rc_ rs_ why r
	for t in tc "$bench" "$KTCP_TOPO"; do
		command -v "$t" >/dev/null || ktcp_die "$t missing (make tools; tc: iproute2)"
	done
	if [[ ${KTCP_TEST_FAMILY:-} != inet && ! -d /sys/module/ktcp ]]; then
		ktcp_ok=0
		ktcp_log "ktcp.ko is not loaded: ktcp pairs are left out"
	fi
	modprobe -q sch_netem 2>/dev/null || true
	ktcp_topo_up "$ns_a" "$if_a" "$ns_b" "$if_b"
	echo "# ktcp_bench: $bytes each way; $(nproc) CPUs; kernel $(uname -r); ktcp $(
		sed 's/^/family /' /sys/module/ktcp/parameters/family 2>/dev/null || echo "not loaded")"
	for prof in "${profile_list[@]}"; do
		netem=$(netem_of "$prof")
		tc_err=
		ns_cli=$ns_a ns_srv=$ns_b addr=$KTCP_TOPO_IP_B
		if [[ $prof == loopback ]]; then
			ns_srv=$ns_a addr=127.0.0.1
		elif [[ $prof == loopback6 ]]; then
			ns_srv=$ns_a addr=::1
		fi
		for ns_ifc in "$ns_a:$if_a" "$ns_b:$if_b"; do
			# shellcheck disable=SC2086 # netem parameters are words
			if ! tc_err=$(ktcp_topo_netem "${ns_ifc%%:*}" "${ns_ifc#*:}" $netem 2>&1); then
				tc_err=${tc_err%%$'\n'*}
				ktcp_log "tc qdisc replace dev ${ns_ifc#*:} root netem $netem: $tc_err"
				break
			fi
			tc_err=""
		done
		for ((r = 1; r <= xfer_rounds; r++)); do
			for pair in "${pair_list[@]}"; do
				read -r cfam sfam <<<"$(fams_of "$pair")"
				if [[ $prof == loopback6 ]]; then
					cfam=${cfam}6 sfam=${sfam}6	# inet6, ktcp6
				fi
				if [[ -n $tc_err ]]; then
					res="RESULT FAIL secs=0 why=\"tc: $tc_err\""
				elif ((!ktcp_ok)) && [[ $pair != native ]]; then
					res="RESULT FAIL secs=0 why=\"ktcp.ko not loaded\""
				else
					echo "# $prof ($netem) round $r: $pair, $cfam client -> $sfam server"
					res=$("$bench" -q -c "$cfam" -s "$sfam" -C "/run/netns/$ns_cli" \
						-S "/run/netns/$ns_srv" -a "$addr" -b "$bytes" -t "$timeout_s" -i 60 2>&1 |
						grep '^RESULT ' | tail -n 1 || true)
					[[ -n $res ]] || res="RESULT FAIL secs=0 why=\"ktcp_bench printed no RESULT\""
					echo "# $res"
				fi
				st=$(awk '{ print $2 }' <<<"$res")
				secs=$(sed -n 's/.* secs=\([0-9.]*\).*/\1/p' <<<"$res")
				mibps=$(sed -n 's/.* mibps=\([0-9.]*\).*/\1/p' <<<"$res")
				rc_=$(sed -n 's/.* retrans_client=\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$res")
				rs_=$(sed -n 's/.* retrans_server=\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$res")
				why=$(sed -n 's/.* why="\(.*\)"$/\1/p' <<<"$res")
				[[ $st == ok ]] || fail=1
				printf 'KTCP-BENCH-ROW|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$prof" "$pair" "$st" \
					"${secs:-0}" "${mibps:-0}" "${rc_:--1}" "${rs_:--1}" "$why" "$netem" "$r" | tee -a "$rows"
			done
		done
	done
}

fail=0
if ((do_apps)); then
	run_apps || fail=1
fi
if ((do_transfers)); then
	run_transfers
fi
if [[ $mode == here ]]; then
	echo
	show_results "$rows" "$apps"
fi
exit "$fail"
