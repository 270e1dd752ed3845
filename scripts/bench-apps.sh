#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The applications part of `make bench` (scripts/bench.sh runs it in the
# VM, in a fresh network namespace with only lo up): unmodified Debian
# programs over 127.0.0.1, natively and with both ends through
# tools/ktcp-run, configured as the acceptance suite runs them
# (userspace-tests/lib/apps.sh). For each benchmark the two sides take
# turns, native then ktcp (A B A B ...), for ROUNDS rounds, so that a
# drift of the machine (another VM on the host, a warming cache) falls on
# both; each run gets a server of its own on a port of its own.
#
#   iperf3-P1, iperf3-P8  iperf3 -P 1 and -P 8 for SECS s: Mbit/s at the
#                         receiver
#   iperf3-Z1             iperf3 -Z -P 1: the sender's data goes by
#                         sendfile() (MSG_SPLICE_PAGES), not write()
#   sockperf              sockperf ping-pong for SECS s: average, p50 and
#                         p99 round-trip latency in usec
#   nginx-ab              ab -n N -c C against nginx (2 workers): ab sends
#                         no keep-alive, so a connection a request: conn/s
#   redis-c1, redis-c50   redis-benchmark -t set,get -n N with 1 and with
#                         50 clients: requests/s of each
#   idle                  memory per idle connection: tools/build/ktcp_conns
#                         hold (as make scale) N connections at once, the
#                         Slab growth per connection, both ends counted
#                         (lower is better); the one that does not go
#                         through ktcp-run
#
# usage: scripts/bench-apps.sh [options]      run (root, in the namespace
#                                             to use)
#        scripts/bench-apps.sh --check [options]   only check the options,
#                                             print the number of runs
#        scripts/bench-apps.sh --table FILE   the table from the
#                                             KTCP-BENCH-APP lines in FILE
#        scripts/bench-apps.sh --tsv FILE     the same as tab-separated
#                                             values with a header
#   --rounds R       rounds (default 5)
#   --apps LIST      comma-separated, from: iperf3, sockperf, nginx, redis,
#                    idle (default all, in that order)
#   --app-secs S     iperf3's and sockperf's run time (default 5)
#   --ab-n N, --ab-c C    ab's requests and concurrency (default 2000, 16)
#   --redis-n N      redis-benchmark's requests per test (default 20000)
#   --idle-conns N   connections held for the memory figure (default 2000)
#   --timeout S      give up on one run after S seconds (default 300)
# KTCP_TEST_FAMILY=inet runs the "ktcp" side natively (checks this
# script); KTCP_RUN names the launcher (default
# tools/ktcp-run/build/ktcp-run).
#
# Output: a line per run and metric
#   KTCP-BENCH-APP-RUN|bench|metric|better|round|side|ok/FAIL|value|why
# ("better": higher or lower), then a line per metric
#   KTCP-BENCH-APP|bench|metric|native median|ktcp median|ratio|spread|
#     native min..max|ktcp min..max|rounds|better
# where ratio is oriented so that > 1 means ktcp did better (higher is
# better: ktcp/native; lower is better: native/ktcp), of the medians, and
# spread is the lowest..highest ratio of one round's pair. A ktcp run
# that made no ktcp connection (ActiveOpens and PassiveOpens of
# /proc/net/ktcp_snmp did not move), or a native one that made one,
# fails: a ratio of native against native would mislead.
# Exit status: 0 when every run succeeded, 1 otherwise.
#
# bench_* are called by name, note and diag from userspace-tests/lib/watch.sh:
# shellcheck disable=SC2317
set -euo pipefail

KTCP_PROG=bench-apps.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
cd "$KTCP_ROOT"

ALL_APPS=(iperf3 sockperf nginx redis idle)
rounds=5
apps=$(IFS=,; echo "${ALL_APPS[*]}")
app_secs=5
ab_n=2000
ab_c=16
redis_n=20000
idle_conns=2000
timeout_s=300
action=run
krun=${KTCP_RUN:-$KTCP_ROOT/tools/ktcp-run/build/ktcp-run}
conns=tools/build/ktcp_conns

# --- the summary, the table and the TSV (from the lines above) ----------------

# fmt_awk: awk's fmt(v): few digits for large values, more for small ones
FMT_AWK='function fmt(v) { return v == "" ? "-" : v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : sprintf("%.2f", v) }'

# summarize ROWS: a KTCP-BENCH-APP line per metric, from the RUN lines
summarize() {
	awk -F'|' "$FMT_AWK"'
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	}
	function median(a, n) { sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
	function oriented(n, k, better) { return better == "lower" ? (k > 0 ? n / k : "") : (n > 0 ? k / n : "") }
	$1 == "KTCP-BENCH-APP-RUN" {
		key = $2 "|" $3
		if (!(key in better)) { order[++nk] = key; better[key] = $4 }
		if ($7 == "ok") val[key, $6, $5] = $8
		rounds[$5] = 1
	}
	END {
		for (i = 1; i <= nk; i++) {
			key = order[i]; nn = nK = nr = 0
			delete a; delete b; delete r
			for (rd in rounds) {
				hn = (key, "native", rd) in val; hk = (key, "ktcp", rd) in val
				if (hn) a[++nn] = val[key, "native", rd]
				if (hk) b[++nK] = val[key, "ktcp", rd]
				if (hn && hk && (x = oriented(val[key, "native", rd], val[key, "ktcp", rd], better[key])) != "")
					r[++nr] = x
			}
			mn = nn ? median(a, nn) : ""; mk = nK ? median(b, nK) : ""
			ratio = nn && nK ? oriented(mn, mk, better[key]) : ""
			sort(r, nr)
			printf "KTCP-BENCH-APP|%s|%s|%s|%s|%s|%s|%s|%d|%s\n", key, fmt(mn), fmt(mk),
				ratio == "" ? "-" : sprintf("%.2f", ratio),
				nr ? sprintf("%.2f..%.2f", r[1], r[nr]) : "-",
				nn ? fmt(a[1]) ".." fmt(a[nn]) : "-", nK ? fmt(b[1]) ".." fmt(b[nK]) : "-",
				nr, better[key]
		}
	}' "$1"
}

# print_table FILE: the KTCP-BENCH-APP lines of FILE as a table, with the
# KTCP-BENCH-APP-INFO line (what was run) above it
print_table() {
	awk -F'|' '
	$1 == "KTCP-BENCH-APP-INFO" { info = $2 }
	$1 == "KTCP-BENCH-APP" { line[++n] = $0 }
	END {
		printf "applications: 127.0.0.1 in one fresh netns, native and ktcp-run (both ends) taking turns\n"
		printf "(A B A B ...); %s\n", info
		printf "medians (min..max) of the rounds; ratio > 1.0 means ktcp is better: throughput ktcp/native,\n"
		printf "latency and memory native/ktcp (of the medians); spread: lowest..highest ratio of one round\n\n"
		printf "%-10s %-7s %-24s %-24s %6s %11s %6s\n", "benchmark", "metric", "native", "ktcp", "ratio", "spread", "rounds"
		for (i = 1; i <= n; i++) {
			split(line[i], f, "|")
			printf "%-10s %-7s %-24s %-24s %6s %11s %6s\n", f[2], f[3], f[4] " (" f[8] ")", f[5] " (" f[9] ")", f[6], f[7], f[10]
		}
	}' "$1"
}

# print_tsv FILE: the KTCP-BENCH-APP lines of FILE, tab-separated
print_tsv() {
	printf 'bench\tmetric\tnative_median\tktcp_median\tratio\tspread\tnative_range\tktcp_range\trounds\tbetter\n'
	awk -F'|' -v OFS='\t' '$1 == "KTCP-BENCH-APP" { $1 = ""; sub(/^\t/, ""); print }' "$1"
}

# benches_of APP: its benchmarks; metrics_of BENCH: what each run measures
benches_of() {
	case $1 in
	iperf3) echo iperf3-P1 iperf3-P8 iperf3-Z1 ;;
	redis) echo redis-c1 redis-c50 ;;
	nginx) echo nginx-ab ;;
	*) echo "$1" ;;
	esac
}
metrics_of() {
	case $1 in
	iperf3-*) echo Mbit/s ;;
	sockperf) echo avg_us p50_us p99_us ;;
	nginx-ab) echo conn/s ;;
	redis-*) echo SET/s GET/s ;;
	idle) echo B/conn ;;
	esac
}
better_of() { [[ $1 == *_us || $1 == B/conn ]] && echo lower || echo higher; }

# --- options ----------------------------------------------------------------------

while (($#)); do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--apps) apps=$2; shift 2 ;;
	--app-secs) app_secs=$2; shift 2 ;;
	--ab-n) ab_n=$2; shift 2 ;;
	--ab-c) ab_c=$2; shift 2 ;;
	--redis-n) redis_n=$2; shift 2 ;;
	--idle-conns) idle_conns=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--check) action=check; shift ;;
	--table) print_table "$2"; exit 0 ;;
	--tsv) print_tsv "$2"; exit 0 ;;
	-h | --help) sed -n '3,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) ktcp_die "unknown option '$1' (--help)" ;;
	esac
done
for v in "$rounds" "$app_secs" "$ab_n" "$ab_c" "$redis_n" "$idle_conns" "$timeout_s"; do
	[[ $v =~ ^[0-9]+$ && $v -gt 0 ]] || ktcp_die "counts and seconds are positive integers ('$v')"
done
IFS=, read -r -a app_list <<<"$apps"
for a in "${app_list[@]}"; do
	[[ " ${ALL_APPS[*]} " == *" $a "* ]] || ktcp_die "unknown app '$a' (${ALL_APPS[*]})"
done
if [[ $action == check ]]; then
	# the number of runs, for bench.sh's VM timeout
	read -r -a benches <<<"$(for a in "${app_list[@]}"; do benches_of "$a"; done | xargs)"
	echo $((rounds * 2 * ${#benches[@]}))
	exit 0
fi

# --- the runs ---------------------------------------------------------------------

[[ $(id -u) -eq 0 ]] || ktcp_die "must run as root"
real_ktcp=1
if [[ ${KTCP_TEST_FAMILY:-} == inet ]]; then
	real_ktcp=0
	ktcp_log "KTCP_TEST_FAMILY=inet: the ktcp side runs natively"
else
	[[ -d /sys/module/ktcp ]] || ktcp_die "ktcp.ko is not loaded"
	[[ -x $krun ]] || ktcp_die "$krun missing (make ktcp-run)"
fi

work=$(mktemp -d /tmp/ktcp-bench-apps.XXXXXX)
chmod 755 "$work"	# nginx's workers run as www-data
mkdir "$work/www"
head -c 1024 /dev/urandom >"$work/www/conn"
pids=()
t_up=60 t_srv=$((timeout_s + 60))
note() { printf '# %s\n' "$@"; }
diag() { sed 's/^/#   /' "$@" 2>/dev/null | head -n 20 || true; }
# shellcheck source=userspace-tests/lib/watch.sh
. userspace-tests/lib/watch.sh
# shellcheck source=userspace-tests/lib/apps.sh
. userspace-tests/lib/apps.sh
# shellcheck disable=SC2317 # run by trap
cleanup() {
	stop "${pids[@]}"
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip link set lo up

port=20000
declare -A vals
# The run in progress: its side's launcher prefix (pre), where its
# listeners show (procnet), a fresh port (port), and what it measured
# (vals[METRIC]) or why not (why).

# run_client CMD...: one client run, bounded; its output in $work/out
run_client() {
	local rc=0
	timeout "$timeout_s" "${pre[@]}" "$@" >"$work/out" 2>"$work/err" || rc=$?
	if ((rc)); then
		why="${1##*/} exited $rc: $(head -c 200 "$work/err" | tr '\n|' '  ')"
		diag "$work/out" "$work/err"
	fi
	return "$rc"
}

# start_server N CMD...: a server through this side's launcher, up once N
# listeners on $port show in $procnet
start_server() {
	local n=$1 end=$((SECONDS + t_up))
	shift
	serve "$work/server.log" "${pre[@]}" "$@"
	until (($(count_port "$procnet" "$port" 0A) >= n)); do
		if ((SECONDS > end)) || ! kill -0 "$srv_pid" 2>/dev/null; then
			why="${1##*/} did not listen on $port"
			diag "$work/server.log"
			return 1
		fi
		sleep 0.2
	done
}

bench_iperf3() {	# BENCH (iperf3-P<streams>, iperf3-Z<streams>: sendfile)
	local v zc=()
	[[ $1 == iperf3-Z* ]] && zc=(-Z)
	start_server 1 iperf3 -s -1 -B 127.0.0.1 -p "$port" || return 1
	run_client iperf3 -c 127.0.0.1 -p "$port" -t "$app_secs" -P "${1#iperf3-[PZ]}" "${zc[@]}" -f m || return 1
	# the receiver's line; with -P > 1 the [SUM] line, which comes last
	v=$(awk '/receiver$/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") v = $i } END { print v }' "$work/out")
	vals[Mbit/s]=$v
}

bench_sockperf() {
	start_server 1 sockperf server --tcp -i 127.0.0.1 -p "$port" || return 1
	run_client sockperf ping-pong --tcp -i 127.0.0.1 -p "$port" -t "$app_secs" || return 1
	sed -i 's/\x1b\[[0-9;]*m//g' "$work/out"	# its colours
	vals[avg_us]=$(sed -n 's/.*avg-latency=\([0-9.]*\).*/\1/p' "$work/out")
	vals[p50_us]=$(sed -n 's/.*percentile 50\.000 = *\([0-9.]*\).*/\1/p' "$work/out")
	vals[p99_us]=$(sed -n 's/.*percentile 99\.000 = *\([0-9.]*\).*/\1/p' "$work/out")
}

bench_nginx() {
	# room for ab's connections and those still closing, in each worker
	nginx_conf "$port" "$work/nginx-$port" "$work/www" $((2 * ab_c + 64))
	start_server 2 nginx -e "$work/nginx-$port/error.log" -c "$work/nginx-$port/nginx.conf" || return 1
	run_client ab -q -n "$ab_n" -c "$ab_c" "http://127.0.0.1:$port/conn" || return 1
	if ! grep -Eq '^Failed requests: +0$' "$work/out" || grep -q '^Non-2xx' "$work/out"; then
		why="ab: $(grep -E '^(Failed requests|Non-2xx)' "$work/out" | tr '\n' ' ')"
		return 1
	fi
	vals[conn/s]=$(awk '/^Requests per second:/ { print $4 }' "$work/out")
}

bench_redis() {	# BENCH (redis-c<clients>)
	local t
	redis_conf "$work/redis-$port"
	mkdir -p "$work/redis-$port"
	start_server 1 redis-server --port "$port" "${redis_args[@]}" || return 1
	run_client redis-benchmark -p "$port" -c "${1#redis-c}" -n "$redis_n" -t set,get -q || return 1
	for t in SET GET; do
		# -q writes its progress over one line with \r
		vals[$t/s]=$(tr '\r' '\n' <"$work/out" | sed -n "s/^$t: \([0-9.]*\) requests per second.*/\1/p")
	done
}

bench_idle() {
	local fam=inet res
	[[ $side == ktcp ]] && fam=ktcp
	# ktcp_conns makes its own namespace, and reads KTCP_TEST_FAMILY
	"$conns" hold -c "$fam" -s "$fam" -n "$idle_conns" -k 1 -i "$timeout_s" >"$work/out" 2>&1 || true
	res=$(grep '^RESULT ' "$work/out" | tail -n 1 || true)
	if [[ $res != "RESULT ok "* ]]; then
		why="ktcp_conns: ${res:-no RESULT}"
		diag "$work/out"
		return 1
	fi
	vals[B/conn]=$(sed -n 's/.* slab_per_conn=\([0-9.]*\).*/\1/p' <<<"$res")
}

# ktcp_opens: ActiveOpens + PassiveOpens of ktcp in this namespace
ktcp_opens() {
	awk '$1 == "ActiveOpens" || $1 == "PassiveOpens" { n += $2 } END { print n + 0 }' \
		/proc/net/ktcp_snmp 2>/dev/null || echo 0
}

# one_run BENCH ROUND SIDE: run BENCH once, print a RUN line per metric
one_run() {
	local b=$1 r=$2 o0 o1 m st v w
	side=$3 why='' vals=() pre=() procnet=/proc/net/tcp
	if [[ $side == ktcp ]] && ((real_ktcp)); then
		pre=("$krun") procnet=/proc/net/ktcp
	fi
	port=$((port + 1))
	echo "# $b round $r: $side"
	o0=$(ktcp_opens)
	"bench_${b%-*}" "$b" || why=${why:-failed}
	stop "${pids[@]}"
	pids=()
	o1=$(ktcp_opens)
	# idle runs in namespaces of its own, where these do not count
	if [[ -z $why && $b != idle ]] && ((real_ktcp)); then
		if [[ $side == ktcp ]] && ((o1 == o0)); then
			why="no ktcp connection was made (ktcp-run?)"
		elif [[ $side == native ]] && ((o1 != o0)); then
			why="$((o1 - o0)) ktcp opens in a native run"
		fi
	fi
	for m in $(metrics_of "$b"); do
		v=${vals[$m]:-} st=ok w=${why//|/ }	# | separates the fields
		if [[ -n $w || -z $v ]]; then
			st=FAIL v=- w=${w:-"no $m in its output"} fail=1
		fi
		printf 'KTCP-BENCH-APP-RUN|%s|%s|%s|%s|%s|%s|%s|%s\n' "$b" "$m" "$(better_of "$m")" \
			"$r" "$side" "$st" "$v" "$w" | tee -a "$work/rows"
	done
	sleep 1	# the closed connections' softirq work, before the next run
}

echo "# applications: $(nproc) CPUs; kernel $(uname -r); ktcp $(
	sed 's/^/family /' /sys/module/ktcp/parameters/family 2>/dev/null || echo "not loaded")"
info="$rounds rounds"
for a in "${app_list[@]}"; do
	case $a in
	iperf3 | sockperf) info+="; $a -t $app_secs" ;;
	nginx) info+="; ab -n $ab_n -c $ab_c" ;;
	redis) info+="; redis-benchmark -n $redis_n -t set,get" ;;
	idle) info+="; idle: $idle_conns connections, Slab growth / connection" ;;
	esac
done
echo "KTCP-BENCH-APP-INFO|$info" | tee "$work/rows"
fail=0
for a in "${app_list[@]}"; do
	for b in $(benches_of "$a"); do
		for ((r = 1; r <= rounds; r++)); do
			one_run "$b" "$r" native
			one_run "$b" "$r" ktcp
		done
	done
done
summarize "$work/rows"
exit "$fail"
