#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing and teardown under load, one TAP case each (the plan comes last):
#
#   1. sysfuzz          tools/build/ktcp_sysfuzz: random sequences of socket
#                       calls on shared ktcp sockets (AF_KTCP and AF_KTCP6)
#                       from several threads
#   2. pktfuzz          tools/build/ktcp_pktfuzz: connections in every state
#                       sent mutated segments by a scripted peer on a veth,
#                       over IPv4 and (a quarter of the rounds) IPv6
#   3. teardown_netns   a namespace holding N ktcp connections (data queued
#                       on half of them) deleted and its holder killed:
#                       every socket must go (the module's reference count
#                       back)
#   4. teardown_veth    the veth under a pumping transfer deleted, then the
#                       namespaces: the same
#   5. rmmod            rmmod ktcp succeeds, a kmemleak scan (debug kernel)
#                       finds nothing, and insmod brings it back as it was
#
# After each case, the kernel log is read: a WARNING, BUG, KASAN, lockdep,
# UBSAN report or an interface that cannot be freed fails the case (vm.sh
# fails the whole run on them too). The fuzzers print their counts
# ("RESULT ... segments=N", "sequences=N") and the seed, which repeats a run.
#
# usage: userspace-tests/fuzz.sh [--full]
#   --full   the long counts (make fuzz): 1,000,000 segments, 100,000
#            syscall sequences, 10,000 connections; default: the make-check
#            ones, 20,000 segments, 2,000 sequences, 1,000 connections
#
# Runs as root with ktcp.ko loaded (inside the VM), from the repository
# (read-only is fine). Environment:
#   KTCP_FUZZ_FULL=1        as --full (run.sh runs fuzz.sh without arguments)
#   KTCP_FUZZ_SEGS, KTCP_FUZZ_SEQS, KTCP_FUZZ_CONNS   override the counts
#   KTCP_FUZZ_SEED          seed of both fuzzers (default 1)
#   KTCP_FUZZ_THREADS       sysfuzz threads (default 4)
#   KTCP_FUZZ_JOBS          pktfuzz instances, each on its own namespace
#                           pair with seed SEED+I (default 1)
#   KTCP_FUZZ_SECS          time bound of each fuzzer (default 600, 7200
#                           with --full), times KTCP_TEST_TIMEOUT_MULT
#   KTCP_FUZZ_RMMOD=0       leave out the rmmod case
#   KTCP_KO                 the module to reload (default module/ktcp.ko)
#   KTCP_TEST_TIMEOUT_MULT  scales the waits (default 1)

set -u

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
tools=$repo/tools/build
# shellcheck source=scripts/lib.sh
KTCP_KERNEL_ERROR_RE=$(sed -n "s/^KTCP_KERNEL_ERROR_RE='\(.*\)'$/\1/p" "$repo/scripts/lib.sh")
err_re="$KTCP_KERNEL_ERROR_RE|unregister_netdevice: waiting"
mult=${KTCP_TEST_TIMEOUT_MULT:-1}
mult=${mult%%.*}
((mult < 1)) && mult=1
full=0
[[ ${1:-} == --full || ${KTCP_FUZZ_FULL:-0} == 1 ]] && full=1
if ((full)); then
	segs=${KTCP_FUZZ_SEGS:-1000000}
	seqs=${KTCP_FUZZ_SEQS:-100000}
	conns=${KTCP_FUZZ_CONNS:-10000}
	secs=${KTCP_FUZZ_SECS:-7200}
else
	segs=${KTCP_FUZZ_SEGS:-20000}
	seqs=${KTCP_FUZZ_SEQS:-2000}
	conns=${KTCP_FUZZ_CONNS:-1000}
	secs=${KTCP_FUZZ_SECS:-600}
fi
secs=$((secs * mult))
seed=${KTCP_FUZZ_SEED:-1}
threads=${KTCP_FUZZ_THREADS:-4}
ko=${KTCP_KO:-$repo/module/ktcp.ko}
kml=/sys/kernel/debug/kmemleak
ns_k=fz-k ns_p=fz-p ns_t=fz-t ns_a=fz-a ns_b=fz-b
n=0 fails=0 holder=

cleanup() {
	[[ -n $holder ]] && kill -9 "$holder" 2>/dev/null
	for ns in $ns_t $ns_a $ns_b; do
		ip netns del "$ns" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | grep -oE "^($ns_k|$ns_p)[0-9]+"); do
		ip netns del "$ns"
	done
}
trap cleanup EXIT

comment() { sed 's/^/# /'; }
klines() { dmesg 2>/dev/null | wc -l; }

# tap NAME OK [WHY]: one TAP line, after the kernel log since $kstart.
tap() {
	local name=$1 ok=$2 why=${3:-} bad
	bad=$(dmesg 2>/dev/null | tail -n +$((kstart + 1)) | grep -E "$err_re" | head -n 20)
	if [[ -n $bad ]]; then
		ok=0
		why="${why:+$why; }the kernel logged errors"
		echo "# kernel log:"
		comment <<<"$bad"
	fi
	n=$((n + 1))
	if ((ok)); then
		echo "ok $n fuzz.$name${why:+ # $why}"
	else
		echo "not ok $n fuzz.$name${why:+ # $why}"
		fails=$((fails + 1))
	fi
	kstart=$(klines)
}

refcnt() { cat /sys/module/ktcp/refcnt 2>/dev/null || echo -1; }

# wait_refcnt BASE SECS: until the module's reference count is BASE again
# (every ktcp socket freed); prints how long it took.
wait_refcnt() {
	local base=$1 t=$SECONDS
	while (($(refcnt) > base)); do
		if ((SECONDS - t >= $2)); then
			echo "# module refcount $(refcnt), was $base, after $2 s"
			return 1
		fi
		sleep 1
	done
	echo "# every socket gone after $((SECONDS - t)) s (refcount $base)"
}

# fz_sysctls NS: short TIME_WAIT and orphan lives, so that what the tests
# leave goes quickly
fz_sysctls() {
	ip netns exec "$1" sysctl -q -w net.ktcp.tw_timeout_ms=2000 \
		net.ktcp.fin_timeout=2 net.ktcp.orphan_retries=2 >/dev/null 2>&1
}

echo "TAP version 13"
echo "# fuzz: $( ((full)) && echo full || echo short): $seqs syscall sequences, $segs segments, $conns connections, seed $seed, $secs s per fuzzer at most"
if [[ ! -d /sys/module/ktcp ]]; then
	echo "Bail out! ktcp is not loaded"
	exit 1
fi
for t in ktcp_sysfuzz ktcp_pktfuzz ktcp_hold ktcp_topo; do
	if [[ ! -x $tools/$t ]]; then
		echo "Bail out! $tools/$t missing (make tools)"
		exit 1
	fi
done
modprobe -q veth 2>/dev/null
params=
for p in /sys/module/ktcp/parameters/*; do
	v=$(cat "$p" 2>/dev/null) || continue
	[[ -n $v && $v != *" "* ]] && params+=" ${p##*/}=$v"
done
if [[ -w $kml ]]; then
	echo scan >"$kml"
	echo clear >"$kml"
fi
base=$(refcnt)
kstart=$(klines)

# --- 1. syscalls --------------------------------------------------------------

t=$SECONDS
out=$(timeout -s KILL $((secs + 300 * mult)) "$tools/ktcp_sysfuzz" -n "$seqs" \
	-t "$secs" -j "$threads" -s "$seed" 2>&1)
rc=$?
comment <<<"$out"
res=$(grep '^RESULT' <<<"$out" | tail -n 1)
got=$(sed -n 's/.* sequences=\([0-9]*\).*/\1/p' <<<"$res")
echo "# sysfuzz: rc $rc, ${got:-0} of $seqs sequences in $((SECONDS - t)) s"
# TCP_LINGER2 keeps a FIN_WAIT2 orphan up to 120 s
wait_refcnt "$base" $((180 * mult)) || rc=1
if ((rc == 0)) && [[ $res == "RESULT ok"* ]] && ((${got:-0} >= seqs)); then
	tap sysfuzz 1 "${got} sequences"
else
	tap sysfuzz 0 "rc $rc, ${got:-0} of $seqs sequences"
fi

# --- 2. segments --------------------------------------------------------------

# pkt_setup I: namespaces fz-kI and fz-pI joined by a veth, ktcp's side
# 198.18.0.1 and fd00:6b74::1 (each pair is its own world: the same names
# and addresses)
pkt_setup() {
	local k=$ns_k$1 p=$ns_p$1

	ip netns add "$k" && ip netns add "$p" &&
	ip link add ktcp0 netns "$k" mtu 9000 address 02:6b:74:63:70:01 type veth \
		peer name peer0 netns "$p" mtu 9000 address 02:6b:74:63:70:02 &&
	ip -n "$k" addr add 198.18.0.1/24 dev ktcp0 &&
	ip -n "$k" addr add fd00:6b74::1/64 dev ktcp0 nodad &&
	ip -n "$k" link set ktcp0 up && ip -n "$p" link set peer0 up &&
	ip -n "$k" link set lo up &&
	ip -n "$k" neigh replace 198.18.0.2 lladdr 02:6b:74:63:70:02 dev ktcp0 nud permanent &&
	ip -n "$k" neigh replace fd00:6b74::2 lladdr 02:6b:74:63:70:02 dev ktcp0 nud permanent &&
	ip netns exec "$k" "$tools/ktcp_topo" wire ktcp0 &&
	ip netns exec "$p" "$tools/ktcp_topo" wire peer0 &&
	fz_sysctls "$k"
}

# KTCP_FUZZ_JOBS instances (default 1), each on its own namespace pair with
# seed SEED+I and its share of the segments: the fuzzer is bound by the CPU
# that sends and receives its frames and by its rounds' waits, so on the
# debug kernel's 2 vCPUs three of them send about 2.9 times as many
# segments per second as one (make fuzz runs 3).
jobs=${KTCP_FUZZ_JOBS:-1}
((jobs < 1)) && jobs=1
t=$SECONDS
rc=0
got=0
pids=()
for ((i = 0; i < jobs; i++)); do
	share=$(((segs + jobs - 1 - i) / jobs))
	if ! pkt_setup "$i"; then
		echo "# pktfuzz $i: the namespaces and veth could not be set up"
		rc=1
		continue
	fi
	timeout -s KILL $((secs + 300 * mult)) "$tools/ktcp_pktfuzz" \
		-k /run/netns/$ns_k$i -p /run/netns/$ns_p$i -n "$share" -t "$secs" \
		-s $((seed + i)) >/tmp/fuzz-pkt.$i 2>&1 &
	pids[i]=$!
done
for ((i = 0; i < jobs; i++)); do
	[[ -n ${pids[i]:-} ]] || continue
	wait "${pids[i]}" || rc=1
	comment </tmp/fuzz-pkt.$i
	res=$(grep '^RESULT' /tmp/fuzz-pkt.$i | tail -n 1)
	[[ $res == "RESULT ok"* ]] || rc=1
	got=$((got + $(sed -n 's/.* segments=\([0-9]*\).*/\1/p' <<<"$res" | grep . || echo 0)))
	rm -f /tmp/fuzz-pkt.$i
	ip netns del $ns_k$i 2>/dev/null
	ip netns del $ns_p$i 2>/dev/null
done
echo "# pktfuzz: rc $rc, ${got:-0} of $segs segments in $((SECONDS - t)) s, $jobs instance(s)"
wait_refcnt "$base" $((60 * mult)) || rc=1
if ((rc == 0)) && ((${got:-0} >= segs)); then
	tap pktfuzz 1 "$got segments"
else
	tap pktfuzz 0 "rc $rc, ${got:-0} of $segs segments"
fi

# --- 3. a namespace deleted under its connections ----------------------------

# hold_start OUTFILE ARGS...: ktcp_hold in the background until READY.
hold_start() {
	local f=$1 t=$SECONDS
	shift
	"$@" >"$f" 2>&1 &
	holder=$!
	until grep -q '^READY' "$f"; do
		if ! kill -0 "$holder" 2>/dev/null || ((SECONDS - t > 300 * mult)); then
			comment <"$f"
			return 1
		fi
		sleep 1
	done
	echo "# $(head -n 1 "$f") after $((SECONDS - t)) s, module refcount $(refcnt)"
}

hold_stop() {
	kill -9 "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	holder=
}

t=$SECONDS
ok=0
f=$(mktemp /tmp/fuzz-hold.XXXXXX)
if ip netns add $ns_t && ip -n $ns_t link set lo up && fz_sysctls $ns_t &&
   hold_start "$f" ip netns exec $ns_t "$tools/ktcp_hold" -n "$conns" -b 4096; then
	ip netns del $ns_t
	hold_stop
	sleep 1
	echo "# holder killed: module refcount $(refcnt)"
	wait_refcnt "$base" $((120 * mult)) && ok=1
fi
hold_stop
ip netns del $ns_t 2>/dev/null
tap teardown_netns $ok "$conns connections, $((SECONDS - t)) s"

# --- 4. a veth deleted under traffic ------------------------------------------

t=$SECONDS
ok=0
if ip netns add $ns_a && ip netns add $ns_b &&
   "$tools/ktcp_topo" pair /run/netns/$ns_a ktcp0 /run/netns/$ns_b ktcp1 &&
   fz_sysctls $ns_a && fz_sysctls $ns_b &&
   hold_start "$f" "$tools/ktcp_hold" -S /run/netns/$ns_b -C /run/netns/$ns_a \
	-a 198.18.0.2 -n 64 -b 65536 -P; then
	sleep 2
	if timeout $((60 * mult)) ip -n $ns_a link del ktcp0; then
		sleep 2
		hold_stop
		ip netns del $ns_a
		ip netns del $ns_b
		wait_refcnt "$base" $((120 * mult)) && ok=1
	else
		echo "# ip link del ktcp0 did not finish"
	fi
fi
hold_stop
rm -f "$f"
tap teardown_veth $ok "64 connections pumping, $((SECONDS - t)) s"

# --- 5. rmmod -----------------------------------------------------------------

if [[ ${KTCP_FUZZ_RMMOD:-1} != 0 ]]; then
	t=$SECONDS
	ok=0
	why=
	until err=$(rmmod ktcp 2>&1); do
		if ((SECONDS - t >= 120 * mult)); then
			why="rmmod refused for $((120 * mult)) s: $err, refcount $(refcnt)"
			break
		fi
		sleep 2
	done
	if [[ ! -d /sys/module/ktcp ]]; then
		ok=1
		why="after $((SECONDS - t)) s"
		if [[ -w $kml ]]; then
			sleep 6
			echo scan >"$kml"
			echo scan >"$kml"
			leaks=$(cat "$kml")
			if [[ -n $leaks ]]; then
				echo "# kmemleak:"
				comment <<<"$leaks" | head -n 200
				ok=0
				why="kmemleak: $(grep -c '^unreferenced object' <<<"$leaks") objects"
				echo clear >"$kml"
			fi
		fi
		# shellcheck disable=SC2086 # the parameters, as words
		if ! err=$(insmod "$ko" $params 2>&1); then
			ok=0
			why+="; insmod $ko$params: $err"
		fi
	fi
	tap rmmod $ok "$why"
fi

echo "1..$n"
echo "# Totals: pass:$((n - fails)) fail:$fails xfail:0 xpass:0 skip:0 error:0"
((fails == 0))
