#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Wire check: capture one short transfer of each pairing (ktcp client to
# native server, native client to ktcp server, ktcp to ktcp) under lossy
# netem profiles and have tshark confirm that every frame on the wire is
# well-formed: no malformed packet, no expert error, and every IPv4 and
# TCP checksum verified good (status 1; not bad, not "unverified"). A TCP
# checksum sent as 0xffff where the sum is 0x0000 is the same one's
# complement zero (RFC 1624 section 3; receivers accept it) and Linux's
# software checksum emits it: tshark flags it (tcp.checksum.ffff) as an
# error, this script counts it as good and reports how many there were.
#
# usage: userspace-tests/capture-check.sh
#
# Two fresh network namespaces with unique names (ktcap-PID-a/-b) joined by
# a veth pair, 198.18.0.1/24 <-> 198.18.0.2/24 (RFC 2544 benchmarking
# range): lib/topo.sh, the tests' own topology. Offloads are off on both
# ends (tx checksum, TSO, GSO; gso_max_segs 1) so that
# every frame carries a complete checksum: with offloads, veth passes
# CHECKSUM_PARTIAL frames whose checksums tshark reports as bad. netem runs
# on the egress of both ends; only profiles whose frames must all be
# intact are used (loss, reorder: never corruption, whose frames are bad
# on purpose). tcpdump captures inbound frames only on each veth (in the
# receiving namespace), so the two captures together hold every frame that
# crossed the wire, once. ktcp_bench moves the data (both ways at once,
# SHA-256 checked).
#
# Prints a TAP stream like the kselftest binaries (two results per case:
# the transfer and the wire check, then "# Totals: ..."), and exits
# non-zero on any problem. Runs as root with tc, ip, tcpdump and tshark
# (Debian: iproute2, tcpdump, tshark); without netem in the kernel every
# case is skipped. run.sh runs it after netem (KTCP_TEST_CAPTURE=0 skips it).
#
# Environment:
#   KTCP_CAPTURE_BYTES      bytes each way per transfer (default 1M)
#   KTCP_CAPTURE_KEEP=1     keep the captures (default: only on failure)
#   KTCP_TEST_FAMILY=inet   "ktcp" ends are native (checks this script)
#   KTCP_TEST_TIMEOUT_MULT  scales the transfer and tool timeouts
#   KTCP_TOOLS_BUILD        where ktcp_bench is (default <repo>/tools/build)
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=userspace-tests/lib/topo.sh
. "$here/lib/topo.sh"
bench=${KTCP_TOOLS_BUILD:-$(dirname -- "$here")/tools/build}/ktcp_bench
bytes=${KTCP_CAPTURE_BYTES:-1M}
mult=${KTCP_TEST_TIMEOUT_MULT:-1}

# scaled SECONDS (KTCP_TEST_TIMEOUT_MULT may be fractional)
scaled() { awk -v s="$1" -v m="$mult" 'BEGIN { v = int(s * m); print v < 1 ? 1 : v }'; }
xfer_timeout=$(scaled 300)
xfer_idle=$(scaled 90)
tool_wait=$(scaled 60)

PROFILES=(
	"loss1|loss 1%"
	"reorder25|delay 10ms reorder 25% 50%"
)
PAIRINGS=(
	"ktcp_to_native|ktcp|inet"
	"native_to_ktcp|inet|ktcp"
	"ktcp_to_ktcp|ktcp|ktcp"
)
TSHARK_OPTS=(-n -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE)
# The payload is pseudo-random bytes, which a protocol that tshark tries on
# any TCP payload (a heuristic dissector: THRIFT once took a native
# segment for its own and reported a Thrift error) can misread. Those
# protocols are off: only IP and TCP are judged here.
while read -r parent proto _; do
	[[ $parent == tcp ]] && TSHARK_OPTS+=(--disable-protocol "$proto")
done <<<"$(tshark -G heuristic-decodes 2>/dev/null)"
# _ws.expert.severity of "Error" (malformed, bad checksum, bad length, ...)
EXPERT_ERROR=8388608

ns_a=ktcap-$$-a
ns_b=ktcap-$$-b
if_a=ktcap_a
if_b=ktcap_b
ip_b=$KTCP_TOPO_IP_B

n=0 pass=0 fail=0 skip=0
tcpdump_pids=()
work=

ok() {
	n=$((n + 1)) pass=$((pass + 1))
	echo "ok $n $1"
}
not_ok() {
	n=$((n + 1)) fail=$((fail + 1))
	echo "not ok $n $1"
}
skip_case() {
	n=$((n + 1)) skip=$((skip + 1))
	echo "ok $n $1 # SKIP $2"
}
note() { printf '# %s\n' "$@"; }
# indent a file (or stdin) as TAP diagnostics
diag() { sed 's/^/#   /' "$@"; }

cleanup() {
	local pid
	for pid in "${tcpdump_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	ktcp_topo_down "$ns_a" "$ns_b"
	if [[ -n $work && -d $work ]]; then
		if ((fail)) || [[ ${KTCP_CAPTURE_KEEP:-} == 1 ]]; then
			note "captures kept in $work"
		else
			rm -rf -- "$work"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ncases=$((${#PROFILES[@]} * ${#PAIRINGS[@]} * 2))
echo "TAP version 13"
echo "1..$ncases"

# --- prerequisites -----------------------------------------------------------

missing=()
for t in ip tc tcpdump tshark; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[[ -x $bench ]] || missing+=("$bench (make tools)")
[[ -x $KTCP_TOPO ]] || missing+=("$KTCP_TOPO (make tools)")
[[ $(id -u) -eq 0 ]] || missing+=("root")
if ((${#missing[@]})); then
	note "capture-check: missing: ${missing[*]}"
	for p in "${PROFILES[@]}"; do
		for q in "${PAIRINGS[@]}"; do
			not_ok "capture.${p%%|*}.${q%%|*}.transfer"
			not_ok "capture.${p%%|*}.${q%%|*}.wire"
		done
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	exit 1
fi

if [[ ${KTCP_TEST_FAMILY:-} == inet ]]; then
	note "KTCP_TEST_FAMILY=inet: every end is native TCP"
fi
note "tshark: $(tshark --version 2>/dev/null | head -n 1)"

# --- topology ------------------------------------------------------------------

work=$(mktemp -d /tmp/ktcp-capture.XXXXXX)
modprobe -q sch_netem 2>/dev/null || true

if ! setup_err=$(ktcp_topo_up "$ns_a" "$if_a" "$ns_b" "$if_b" 2>&1); then
	note "capture-check: cannot set up the namespaces and veth pair:"
	printf '%s\n' "$setup_err" | diag
	exit 1
fi

# --- one case ------------------------------------------------------------------

# start_capture NS IF PCAP LOG: tcpdump of inbound frames, running when
# it returns (its pid appended to tcpdump_pids).
start_capture() {
	local ns=$1 ifc=$2 pcap=$3 log=$4 i
	ip netns exec "$ns" tcpdump -i "$ifc" -Q in -n -s 0 -U -Z root -w "$pcap" \
		>"$log" 2>&1 &
	tcpdump_pids+=($!)
	for ((i = 0; i < tool_wait * 10; i++)); do
		grep -q 'listening on' "$log" && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
	done
	echo "tcpdump on $ifc in $ns did not start:"
	cat "$log"
	return 1
}

stop_captures() {
	local pid
	# SIGTERM: background jobs of a script ignore SIGINT
	for pid in "${tcpdump_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${tcpdump_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	tcpdump_pids=()
}

# check_pcap PCAP WHAT MIN_PAYLOAD: the wire check of one capture; prints
# what it checked, returns non-zero on any problem.
check_pcap() {
	local pcap=$1 what=$2 min_payload=$3 fields counts bad=0
	local frames ipf ipgood tcpf tcpgood payload malformed experr other
	fields=$pcap.fields
	if ! timeout "$((tool_wait * 5))" tshark "${TSHARK_OPTS[@]}" -r "$pcap" -T fields \
		-E separator='|' -E occurrence=a -E aggregator=',' \
		-e frame.number -e ip.checksum.status -e tcp.checksum.status \
		-e tcp.len -e _ws.malformed -e _ws.expert.severity -e tcp.checksum.ffff \
		>"$fields" 2>"$pcap.tshark.err"; then
		echo "$what: tshark failed to read $pcap:"
		diag "$pcap.tshark.err"
		return 1
	fi
	counts=$(awk -F'|' -v experr="$EXPERT_ERROR" '
		{ frames++ }
		$2 != "" { ipf++; if ($2 == "1") ipgood++ }
		$3 != "" { tcpf++; if ($3 == "1" || $7 != "") tcpgood++ }
		$7 != "" { ffff++ }
		$2 != "" && $3 == "" { other++ }
		$4 != "" { payload += $4 }
		$5 != "" { malformed++ }
		# the 0xffff form is reported as an expert error: not counted
		$7 == "" { n = split($6, s, ","); for (i = 1; i <= n; i++) if (s[i] == experr) { experrs++; break } }
		END { printf "%d %d %d %d %d %d %d %d %d %d\n", frames, ipf, ipgood, tcpf,
			tcpgood, payload, malformed, experrs, other, ffff }' "$fields")
	read -r frames ipf ipgood tcpf tcpgood payload malformed experr other ffff <<<"$counts"
	echo "$what: $frames frames: IPv4 checksum good $ipgood/$ipf, TCP checksum good $tcpgood/$tcpf ($ffff of them 0xffff for 0x0000), malformed $malformed, expert errors $experr, non-TCP IPv4 $other, TCP payload $payload bytes (at least $min_payload expected)"
	if ((frames == 0 || tcpf == 0)); then
		echo "$what: FAIL: no TCP frame captured"
		bad=1
	fi
	if ((ipgood != ipf || tcpgood != tcpf)); then
		echo "$what: FAIL: checksums not verified good on every frame (0 = bad, 2 = unverified: offloads still on?)"
		bad=1
	fi
	if ((malformed || experr)); then
		echo "$what: FAIL: malformed frames or expert errors"
		bad=1
	fi
	if ((payload < min_payload)); then
		echo "$what: FAIL: the capture holds less payload than the transfer moved (frames lost by tcpdump?)"
		bad=1
	fi
	if ((bad)); then
		echo "$what: offending frames (first 20):"
		tshark "${TSHARK_OPTS[@]}" -r "$pcap" \
			-Y "_ws.malformed || (!tcp.checksum.ffff && (_ws.expert.severity == error || tcp.checksum.status != 1)) || ip.checksum.status != 1" \
			2>/dev/null | head -n 20 | sed 's/^/    /' || true
	fi
	return "$bad"
}

# run_case PROFILE_NAME NETEM PAIRING CLIENT_FAM SERVER_FAM
run_case() {
	local prof=$1 netem=$2 pair=$3 cfam=$4 sfam=$5 name dir log res out f rc=0
	local pcap_a pcap_b transfer_ok=0 min_up=0 min_down=0 wire=0
	name=capture.$prof.$pair
	dir=$work/$prof.$pair
	mkdir -p "$dir"
	pcap_a=$dir/$if_a.in.pcap
	pcap_b=$dir/$if_b.in.pcap
	log=$dir/log

	# shellcheck disable=SC2086 # netem parameters are words
	if ! out=$(ktcp_topo_netem "$ns_a" "$if_a" $netem 2>&1 &&
		ktcp_topo_netem "$ns_b" "$if_b" $netem 2>&1); then
		if grep -q 'qdisc kind is unknown' <<<"$out"; then
			skip_case "$name.transfer" "no netem in this kernel (CONFIG_NET_SCH_NETEM)"
			skip_case "$name.wire" "no netem in this kernel (CONFIG_NET_SCH_NETEM)"
			return 0
		fi
		note "$name: tc qdisc replace ... netem $netem failed:"
		printf '%s\n' "$out" | diag
		not_ok "$name.transfer"
		not_ok "$name.wire"
		return 0
	fi

	note "$name: netem \"$netem\" on both veth ends, $cfam client -> $sfam server, $bytes each way"
	if ! { start_capture "$ns_a" "$if_a" "$pcap_a" "$dir/tcpdump_a.log" &&
		start_capture "$ns_b" "$if_b" "$pcap_b" "$dir/tcpdump_b.log"; } >"$log" 2>&1; then
		diag "$log"
		stop_captures
		not_ok "$name.transfer"
		not_ok "$name.wire"
		return 0
	fi
	"$bench" -c "$cfam" -s "$sfam" -C "/run/netns/$ns_a" -S "/run/netns/$ns_b" \
		-a "$ip_b" -b "$bytes" -t "$xfer_timeout" -i "$xfer_idle" \
		>"$dir/bench.log" 2>&1 || rc=$?
	# let the last frames (FIN, ACK; netem delays them) reach tcpdump
	sleep 1
	stop_captures
	res=$(grep '^RESULT ' "$dir/bench.log" | tail -n 1 || true)
	note "$name: ktcp_bench: ${res:-no RESULT line}"
	if ((rc == 0)) && [[ $res == "RESULT ok "* ]]; then
		transfer_ok=1
		ok "$name.transfer"
		# each capture holds the inbound direction: A gets down, B gets up
		min_down=$(sed -n 's/.* down=\([0-9]*\).*/\1/p' <<<"$res")
		min_up=$(sed -n 's/.* up=\([0-9]*\).*/\1/p' <<<"$res")
	else
		diag "$dir/bench.log"
		not_ok "$name.transfer"
	fi
	((transfer_ok)) || note "$name: transfer failed; checking the frames it put on the wire anyway"
	for f in "$dir"/tcpdump_*.log; do
		{ grep -E 'packets? (captured|dropped)' "$f" || true; } |
			sed "s|^|${f##*/}: |" | diag
	done
	{
		check_pcap "$pcap_b" "$if_b inbound (client -> server)" "$min_up" || wire=1
		check_pcap "$pcap_a" "$if_a inbound (server -> client)" "$min_down" || wire=1
	} >"$dir/wire.log" 2>&1
	diag "$dir/wire.log"
	if ((wire)); then
		not_ok "$name.wire"
	else
		ok "$name.wire"
	fi
}

t0=$SECONDS
for p in "${PROFILES[@]}"; do
	IFS='|' read -r pname pnetem <<<"$p"
	for q in "${PAIRINGS[@]}"; do
		IFS='|' read -r qname cfam sfam <<<"$q"
		run_case "$pname" "$pnetem" "$qname" "$cfam" "$sfam"
	done
done

note "capture-check: $pass passed, $fail failed, $skip skipped ($((SECONDS - t0)) s)"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
((fail == 0))
