#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Long run (not part of make check): many connections at once, and the
# connection rate, ktcp against native TCP, in one VM boot
# (scripts/vm.sh, ktcp.ko loaded). tools/build/ktcp_conns does the work,
# each run in a fresh network namespace with lo.
#
#   hold   N connections from the clients to three servers on 127.0.0.1
#          (three listening ports), all held open with epoll on both
#          sides, 8 bytes each way on every one, then all closed; with
#          ip_local_port_range at its default (32768-60999, 28232 ports)
#          60000 connections need ports shared between destinations. Per
#          pair: set-up time and rate, Slab growth per connection (both
#          ends), ktcp's claims (kernel AF_INET sockets holding its ports
#          in native TCP's table: sockstat TCP alloc growth less the
#          native ends), distinct client ports, and that the namespace's
#          sockets and counters go back to where they were once
#          everything closed and ktcp's TIME_WAIT (1 s here) ended.
#   rate   connect, send 1 byte, close, N times one after another; the
#          pairs alternate (native client, ktcp client, for a native
#          server, then for a ktcp server) for ROUNDS rounds; medians of
#          connections per second and the ratio ktcp/native per server.
#
# usage: scripts/scale.sh [options] [vm.sh options]
#   --hold-n N      connections held at once (default 60000)
#   --servers K     hold: listening ports (default 3); a destination
#                   takes ~14000 connections before its search slows (see
#                   Time), so 100000 want --servers 8
#   --rate-n N      connections per rate run (default 2000)
#   --rounds R      rate rounds (default 5)
#   --pairs LIST    hold pairs, comma-separated, from: k2n (ktcp client ->
#                   inet server), native (inet -> inet), ktcp (ktcp ->
#                   ktcp), n2k (inet -> ktcp); default k2n,native
#
# Time (QEMU TCG, 2 CPUs): up to 3 x 14116 connections a hold run takes a
# minute or two; each connect() beyond that tries all of its destination's
# ports of the first parity before the other parity, in Linux as in ktcp
# (__inet_hash_connect()), some 50 ms each here, so 60000 take about 15-20
# minutes per pair. "--hold-n 42000 --pairs k2n,native,ktcp,n2k" runs all
# four pairs in about 5 minutes. The rate rounds take a few minutes.
#   --only hold|rate
#   --idle S        a run fails after S s without progress (default 300)
#   --log FILE      the console log (default build/log/scale.log; the rows
#                   go beside it, FILE less .log plus .rows)
#   --here          no VM: run on this machine (root; ktcp pairs need
#                   ktcp.ko loaded)
#   any other option goes to scripts/vm.sh (default --mem 6G)
# KTCP_TEST_FAMILY=inet makes the "ktcp" ends native (checks this script).
#
# Output: the tables; one line per run in the log ("KTCP-SCALE-ROW|hold|
# pair|<RESULT line>" and "KTCP-SCALE-ROW|rate|round|pair|<RESULT line>");
# on the host build/log/scale.log and build/log/scale.rows. `make scale
# SCALE_ARGS="--hold-n 20000"` passes options. Exit status: 0 when every
# run succeeded, 1 otherwise.
set -euo pipefail

KTCP_PROG=scale.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KTCP_ROOT"

conns=tools/build/ktcp_conns
hold_n=60000
servers=3
rate_n=2000
rounds=5
pairs=k2n,native
only=
idle_s=300
mode=vm
log=
vm_args=()

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
	--hold-n) hold_n=$2; shift 2 ;;
	--servers) servers=$2; shift 2 ;;
	--rate-n) rate_n=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--pairs) pairs=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--idle) idle_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--here) mode=here; shift ;;
	--in-vm) mode=in-vm; shift ;;
	-h | --help) sed -n '3,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) vm_args+=("$1"); shift ;;
	esac
done

IFS=, read -r -a pair_list <<<"$pairs"
for p in "${pair_list[@]}"; do
	fams_of "$p" >/dev/null || ktcp_die "unknown pair '$p' (k2n, native, ktcp, n2k)"
done
for v in "$hold_n" "$servers" "$rate_n" "$rounds" "$idle_s"; do
	[[ $v =~ ^[0-9]+$ && $v -gt 0 ]] || ktcp_die "counts and seconds are positive integers"
done
[[ -z $only || $only == hold || $only == rate ]] || ktcp_die "--only hold or rate"

# --- the tables (from KTCP-SCALE-ROW lines) -----------------------------------

# field NAME LINE: the value of NAME=... in a RESULT line
print_tables() {
	awk -F'|' '
	function f(s, k,   m) { return match(s, " " k "=[^ ]*") ? substr(s, RSTART + length(k) + 2, RLENGTH - length(k) - 2) : "-" }
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$2 == "hold" {
		r = $4; nh++
		if (nh == 1) {
			printf "hold: connections to %s servers on 127.0.0.1, held at once; slab/conn covers both ends\n\n", f(r, "k")
			printf "%-7s %6s %6s %9s %8s %7s %7s %10s %7s %6s %6s %5s %s\n", "pair", "conns", "fail", "connect_s", "conn/s", "xchg_s", "close_s", "slab/conn", "claims", "ports", "share", "drain", "result"
		}
		st = substr(r, 8, index(substr(r, 8), " ") - 1)
		printf "%-7s %6s %6d %9s %8s %7s %7s %9sB %7s %6s %6s %5s %s\n", $3, f(r, "conns"), f(r, "n") - f(r, "conns"), f(r, "connect_s"), f(r, "rate"), f(r, "xchg_s"), f(r, "close_s"), f(r, "slab_per_conn"), f(r, "claims"), f(r, "ports"), f(r, "max_share"), f(r, "drained"), st
		if (st != "ok") bad[++nb] = $3 ": " r
	}
	$2 == "rate" {
		p = $4; r = $5; rd = $3
		if (!(p in cnt)) { order[++np] = p; cnt[p] = 0 }
		if (!(rd in seenr)) { seenr[rd] = 1; rounds[++nr] = rd }
		st = substr(r, 8, index(substr(r, 8), " ") - 1)
		if (st == "ok") { cnt[p]++; rate[p, rd] = f(r, "rate") + 0; cpu[p, rd] = f(r, "cpu_us") + 0 }
		else bad[++nb] = "rate " p " round " rd ": " r
		n[p] = f(r, "n")
	}
	# paired: per round, time (or CPU) per connection of pair @p / of @b
	function paired(p, b, what,   i, k, rd, x) {
		k = 0
		for (i = 1; i <= nr; i++) {
			rd = rounds[i]
			if (!((p, rd) in rate) || !((b, rd) in rate)) continue
			if (what == "wall" && rate[p, rd] > 0) x[++k] = rate[b, rd] / rate[p, rd]
			if (what == "cpu" && cpu[b, rd] > 0) x[++k] = cpu[p, rd] / cpu[b, rd]
		}
		return k ? sprintf("%.2f", median(x, k)) : "-"
	}
	END {
		if (np) {
			printf "\nrate: connect, send 1 byte, close, one after another; pairs alternate in each round\n"
			printf "conn/s: median (min-max) of the rounds; cpu: busy CPU us of the VM per connection (median);\n"
			printf "ratios: medians of the per-round ratios ktcp client / native client, same server\n\n"
			printf "%-7s %6s %6s %8s %19s %8s %10s %9s\n", "pair", "n", "rounds", "conn/s", "(min-max)", "cpu_us", "time_ratio", "cpu_ratio"
			for (i = 1; i <= np; i++) {
				p = order[i]; k = 0
				delete a; delete c
				for (j = 1; j <= nr; j++) if ((p, rounds[j]) in rate) { a[++k] = rate[p, rounds[j]]; c[k] = cpu[p, rounds[j]] }
				med = k ? median(a, k) : 0; mc = k ? median(c, k) : 0
				base = p == "k2n" ? "native" : p == "ktcp" ? "n2k" : ""
				printf "%-7s %6s %6d %8.1f %19s %8.0f %10s %9s\n", p, n[p], k, med, k ? sprintf("(%.1f-%.1f)", a[1], a[k]) : "-", mc, base == "" ? "-" : paired(p, base, "wall"), base == "" ? "-" : paired(p, base, "cpu")
			}
		}
		if (nb) { printf "\nfailed runs:\n"; for (i = 1; i <= nb; i++) printf "  %s\n", bad[i] }
	}' "$1"
}

# --- host side: boot the VM once ------------------------------------------------

if [[ $mode == vm ]]; then
	[[ -x $conns ]] || ktcp_die "$conns missing (make tools)"
	[[ -f module/ktcp.ko ]] || ktcp_die "module/ktcp.ko missing (make module)"
	logdir=$KTCP_ROOT/build/log
	mkdir -p "$logdir"
	log=${log:-$logdir/scale.log}
	rowfile=${log%.log}.rows
	vm_timeout=$((3 * 3600))
	what=()
	[[ $only == rate ]] || what+=("hold $hold_n x ${#pair_list[@]} pairs")
	[[ $only == hold ]] || what+=("rate $rate_n x 4 pairs x $rounds rounds")
	ktcp_log "$(IFS=,; echo "${what[*]}"); VM timeout ${vm_timeout}s, log $log"
	rc=0
	scripts/vm.sh --mem 6G --timeout "$vm_timeout" --log "$log" "${vm_args[@]}" -- \
		env ${KTCP_TEST_FAMILY:+KTCP_TEST_FAMILY="$KTCP_TEST_FAMILY"} bash scripts/scale.sh --in-vm \
		--hold-n "$hold_n" --servers "$servers" --rate-n "$rate_n" --rounds "$rounds" --pairs "$pairs" \
		${only:+--only "$only"} --idle "$idle_s" || rc=$?
	tr -d '\r' <"$log" | grep '^KTCP-SCALE-ROW|' >"$rowfile" || true
	[[ -s $rowfile ]] || ktcp_die "no results in $log (VM rc $rc)"
	echo
	echo "==== ktcp scale ($(date -u +%Y-%m-%dT%H:%MZ), VM rc $rc) ===="
	print_tables "$rowfile"
	echo "rows: $rowfile, console: $log"
	exit "$rc"
fi

# --- in the VM (or --here): the runs --------------------------------------------

[[ $(id -u) -eq 0 ]] || ktcp_die "must run as root (namespaces, sysctls)"
[[ -x $conns ]] || ktcp_die "$conns missing (make tools)"
work=$(mktemp -d /tmp/ktcp-scale.XXXXXX)
rows=$work/rows
: >"$rows"
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT TERM

# one process holds hold_n sockets (plus its epoll); so does the server
sysctl -qw fs.nr_open=$((hold_n + 65536)) fs.file-max=$((4 * hold_n + 65536))
ulimit -n $((hold_n + 4096))
sockstat0=$(grep '^TCP:' /proc/net/sockstat)
echo "# ktcp_conns: $(nproc) CPUs, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo); kernel $(uname -r); ktcp $(
	sed 's/^/family /' /sys/module/ktcp/parameters/family 2>/dev/null || echo "not loaded")"
echo "# ip_local_port_range $(sysctl -n net.ipv4.ip_local_port_range | tr '\t' ' ') (a new netns has the default)"
fail=0

# run KIND TAG PAIR ARGS...: one ktcp_conns run, its row
run() {
	local kind=$1 tag=$2 pair=$3 cfam sfam res
	shift 3
	read -r cfam sfam <<<"$(fams_of "$pair")"
	echo "# $kind $tag: $pair ($cfam client -> $sfam server)"
	"$conns" "$kind" -c "$cfam" -s "$sfam" -i "$idle_s" "$@" 2>&1 |
		tee "$work/out" | sed -u 's/^/#   /' || true
	res=$(grep '^RESULT ' "$work/out" | tail -n 1 || true)
	[[ -n $res ]] || res="RESULT FAIL why=\"ktcp_conns printed no RESULT\""
	[[ $res == "RESULT ok "* ]] || fail=1
	if [[ $kind == hold ]]; then
		printf 'KTCP-SCALE-ROW|hold|%s|%s\n' "$pair" "$res" | tee -a "$rows"
	else
		printf 'KTCP-SCALE-ROW|rate|%s|%s|%s\n' "$tag" "$pair" "$res" | tee -a "$rows"
	fi
	sleep 2		# let the namespace's teardown finish before the next
}

if [[ $only != rate ]]; then
	for pair in "${pair_list[@]}"; do
		run hold "-" "$pair" -n "$hold_n" -k "$servers" -w 60
		grep -E '^(Slab|MemFree)' /proc/meminfo | sed 's/^/#   /'
	done
fi
if [[ $only != hold ]]; then
	for ((r = 1; r <= rounds; r++)); do
		for pair in native k2n n2k ktcp; do
			run rate "$r" "$pair" -n "$rate_n" -k 1
		done
	done
fi
echo "# sockstat TCP at the start: $sockstat0"
echo "# sockstat TCP at the end:   $(grep '^TCP:' /proc/net/sockstat)"

if [[ $mode == here ]]; then
	echo
	print_tables "$rows"
fi
exit "$fail"
