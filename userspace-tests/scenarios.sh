#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The classic TCP troubles, each played on ktcp in a fresh namespace pair
# (lib/topo.sh: A 198.18.0.1 <-> B 198.18.0.2), with what ktcpstat, the
# counters of /proc/net/ktcp_snmp and a tracepoint show, and the knob or
# command that resolves it (Documentation/scenarios.rst walks through a
# run's transcript):
#   1 time-wait    a TIME_WAIT pile from a client making short connections
#   2 close-wait   a CLOSE_WAIT leak from a server that never closes
#   3 fin-wait-1   FIN_WAIT_1 stuck behind a peer that never reads
#   4 fin-wait-2   FIN_WAIT_2 bounded by the FIN_WAIT_2 timeout
#   5 syn-flood    a SYN flood met with SYN cookies
#   6 queues       Send-Q and Recv-Q growing when one side stops reading
#   7 retrans      retransmissions under loss, seen by bpftrace on
#                  ktcp:ktcp_retransmit_skb
#   8 linger0      close() with SO_LINGER 0 sends RST instead of FIN
# Each scenario is one TAP case that asserts the outcome (the pile is
# there, then gone; the process is named; the counters moved...); the
# transcript goes out as "# " lines. Every wait is bounded.
#
# usage: userspace-tests/scenarios.sh [--full] [NAME|NUMBER...]
#   --full   make scenarios: more connections and a longer transfer
#   (default: all eight, short counts, for make check)
#
# Runs as root inside the VM with ktcp loaded (make scenarios; run.sh runs
# it too), with the tools built (make tests). Only /tmp is written.
#
# Environment: KTCP_TEST_TIMEOUT_MULT scales every wait (default 1).
#
# Conditions are strings for eval (wait_until), awk programs in single
# quotes:
# shellcheck disable=SC2016
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
# shellcheck source=userspace-tests/lib/topo.sh
. "$here/lib/topo.sh"

tb=$repo/tools/build
KSTAT=$tb/ktcpstat
SOCKCTL=$tb/ktcp_sockctl
BENCH=$tb/ktcp_bench
KRUN=${KTCP_RUN:-$repo/tools/ktcp-run/build/ktcp-run}
mult=${KTCP_TEST_TIMEOUT_MULT:-1}

# The knobs, named once: the TIME_WAIT length of scenario 1 (ms; also
# the per-socket KTCP_TIMEWAIT_MS) and the FIN_WAIT_2 timeout of scenario
# 4, in seconds as Linux's tcp_fin_timeout.
TW_KNOB=net.ktcp.tw_timeout_ms
TW_SHORT=1000
FIN_KNOB=net.ktcp.fin_timeout
FIN_SHORT=5
FIN_SHORT_S=5		# FIN_SHORT in seconds

A=198.18.0.1
B=198.18.0.2
modprobe -q sch_netem 2>/dev/null

full=0
want=()
while (($#)); do
	case $1 in
	--full) full=1; shift ;;
	-h | --help) sed -n '/^# usage:/,/^# Environment/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) want+=("$1"); shift ;;
	esac
done

NAMES=(time-wait close-wait fin-wait-1 fin-wait-2 syn-flood queues retrans linger0)

scaled() { awk -v s="$1" -v m="$mult" 'BEGIN { v = int(s * m); print v < 1 ? 1 : v }'; }
SC_BOUND=$(scaled 10000)	# ktcp_sockctl's bound on a blocking call, ms
SC_WAIT=$(scaled 20)		# for its answer, s
RUN_T=$(scaled 30)		# for a command, s

work=$(mktemp -d /tmp/ktcp-scen.XXXXXX) || exit 1
nsa='' nsb=''
pids=()
declare -A sc_fd=() sc_pid=()

cleanup_scenario() {
	local id p
	for id in "${!sc_fd[@]}"; do
		sc_stop "$id"
	done
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
	[[ -n $nsa ]] && ktcp_topo_down "$nsa" "$nsb"
	nsa='' nsb=''
}
trap 'cleanup_scenario; rm -rf -- "$work"' EXIT

# --- the transcript --------------------------------------------------------

say() { printf '# %s\n' "$*"; }
# indent: output lines as transcript lines
indent() { sed 's/^/#   /'; }

# show A|B CMD...: print "[A]$ CMD", run it in that namespace (bounded),
# print its output; the output is also left in $out.
out=
show() {
	local side=$1 ns
	shift
	ns=$([[ $side == A ]] && echo "$nsa" || echo "$nsb")
	printf '# [%s]$ %s\n' "$side" "$(printf '%s ' "$@" | sed "s|$tb/||g; s|$KRUN|ktcp-run|g; s/ $//")"
	out=$(timeout "$RUN_T" ip netns exec "$ns" "$@" 2>&1)
	[[ -n $out ]] || return 0
	head -n 12 <<<"$out" | indent
	(($(wc -l <<<"$out") <= 12)) || say "  ... ($(($(wc -l <<<"$out") - 12)) more lines)"
	return 0
}

# run A|B CMD...: the same without printing.
run() {
	local side=$1 ns
	shift
	ns=$([[ $side == A ]] && echo "$nsa" || echo "$nsb")
	timeout "$RUN_T" ip netns exec "$ns" "$@" 2>&1
}

# count A|B STATE: sockets of ktcp in that state in that namespace.
count() {
	run "$1" "$KSTAT" -Han state "$2" | grep -c .
}

# snmp A|B NAME: one counter of /proc/net/ktcp_snmp.
snmp() {
	run "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/ktcp_snmp
}

# snmp_delta A|B NAME BEFORE: print "NAME +DELTA" and set $delta.
delta=0
snmp_delta() {
	delta=$(($(snmp "$1" "$2") - $3))
	printf '#   %-22s +%d\n' "$2" "$delta"
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wait_until() {
	local end=$((SECONDS + $(scaled "$1") + 1))
	shift
	while ! "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.2
	done
}

# --- ktcp_sockctl as a coprocess ---------------------------------------------

# sc_start ID A|B [OPTIONS]: a ktcp_sockctl in that namespace, its commands
# and answers through two FIFOs (no polling: forks are dear under TCG).
sc_start() {
	local id=$1 side=$2 ns fdi fdo
	shift 2
	ns=$([[ $side == A ]] && echo "$nsa" || echo "$nsb")
	mkfifo "$work/$id.in" "$work/$id.out"
	ip netns exec "$ns" "$SOCKCTL" --timeout "$SC_BOUND" "$@" - \
		<"$work/$id.in" >"$work/$id.out" 2>&1 &
	sc_pid[$id]=$!
	exec {fdi}>"$work/$id.in"
	exec {fdo}<"$work/$id.out"
	sc_fd[$id]="$fdi $fdo"
}

# sc ID CMD: one command; its answer line in $reply. True if "ok ...".
reply=
sc() {
	local id=$1 fdi fdo
	shift
	read -r fdi fdo <<<"${sc_fd[$id]}"
	printf '%s\n' "$*" >&"$fdi"
	if ! IFS= read -r -t "$SC_WAIT" -u "$fdo" reply; then
		reply="noreply $*"
		return 1
	fi
	reply=${reply:0:120}
	[[ $reply == ok* ]]
}

# scv ID CMD: the same, shown in the transcript.
scv() {
	local rc=0
	sc "$@" || rc=$?
	printf '#   %s> %s\n#   %s\n' "$1" "${*:2}" "$reply"
	return "$rc"
}

# sc_stop ID: end the program (its sockets close as at exit).
sc_stop() {
	local id=$1 fdi fdo
	[[ -n ${sc_fd[$id]:-} ]] || return 0
	read -r fdi fdo <<<"${sc_fd[$id]}"
	{ printf 'quit\n' >&"$fdi"; } 2>/dev/null
	exec {fdi}>&- {fdo}<&-
	timeout 5 tail --pid="${sc_pid[$id]}" -f /dev/null 2>/dev/null ||
		kill "${sc_pid[$id]}" 2>/dev/null
	wait "${sc_pid[$id]}" 2>/dev/null
	unset "sc_fd[$id]" "sc_pid[$id]"
	rm -f "$work/$id.in" "$work/$id.out"
}

# --- the checks --------------------------------------------------------------

failed=0
# check WHAT: the last command's status decides; a failure is printed.
check() {
	local rc=$?
	if ((rc)); then
		say "FAIL: $*"
		failed=1
	else
		say "ok: $*"
	fi
	return 0
}

# --- 1. TIME_WAIT pile --------------------------------------------------------

# n short connections from A to B's server: A closes first, so A's end
# waits in TIME_WAIT (the server reads the request, then closes).
short_conns() {
	local n=$1 opt=${2:-} i
	for ((i = 0; i < n; i++)); do
		if ! { sc cli "connect $B 7001" &&
		       { [[ -z $opt ]] || sc cli "setsockopt $opt"; } &&
		       sc cli "sendstr GET /" &&
		       sc cli close && sc srv accept && sc srv "recvall 100" &&
		       sc srv close; }; then
			say "connection $i: $reply"
			return 1
		fi
	done
}

s_time_wait() {
	local n=$((full ? 40 : 8)) before tw
	say "A client on A makes $n short connections to a server on B and closes"
	say "first: each leaves its end in TIME_WAIT for 60 s, as on Linux."
	run A sysctl -qw "$TW_KNOB=60000"
	sc_start srv B
	sc_start cli A
	sc srv "listen 7001 128"
	short_conns "$n"
	check "$n short connections made"
	show A "$KSTAT" -s
	show A "$KSTAT" -tano state time-wait '(' dport = :7001 ')'
	tw=$(count A time-wait)
	((tw == n))
	check "$tw sockets in TIME-WAIT on A, $n expected"
	say "Clear the pile now (SOCK_DESTROY, as ss -K):"
	show A "$KSTAT" -K state time-wait dport = :7001
	tw=$(count A time-wait)
	((tw == 0))
	check "ktcpstat -K left $tw in TIME-WAIT"
	say "Or make TIME_WAIT short for the connections to come:"
	show A sysctl -w "$TW_KNOB=$TW_SHORT"
	before=$(snmp A TimeWaitExpired)
	short_conns "$n"
	check "$n more connections"
	wait_until 10 eval '(($(count A time-wait) == 0))'
	check "TIME-WAIT empty within 10 s, $TW_KNOB=$TW_SHORT"
	show A "$KSTAT" -s
	snmp_delta A TimeWaitExpired "$before"
	((delta >= n))
	check "TimeWaitExpired moved by at least $n"
	say "Or per socket, for a program that asks (KTCP_TIMEWAIT_MS, uapi),"
	say "with the namespace's length back at 60 s:"
	run A sysctl -qw "$TW_KNOB=60000"
	short_conns "$n" "KTCP_TIMEWAIT_MS $TW_SHORT"
	check "$n connections with KTCP_TIMEWAIT_MS=$TW_SHORT"
	wait_until 10 eval '(($(count A time-wait) == 0))'
	check "TIME-WAIT empty within 10 s with $TW_KNOB=60000"
}

# --- 2. CLOSE_WAIT leak -------------------------------------------------------

CW_SERVER='
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7002))
s.listen(16)
conns = []
while True:          # the bug: accepts, never reads to the end, never closes
    c, _ = s.accept()
    conns.append(c)
'

s_close_wait() {
	local n=3 i pid cw
	say "An unmodified python3 server on B (under ktcp-run) accepts and never"
	say "closes; $n clients on A connect, send a line and close."
	if [[ ! -x $KRUN ]]; then
		false
		check "ktcp-run is built ($KRUN: make tests)"
		return
	fi
	ip netns exec "$nsb" "$KRUN" python3 -c "$CW_SERVER" &
	pid=$!
	pids+=("$pid")
	wait_until 30 eval '[[ -n $(run B "$KSTAT" -Hln sport = :7002) ]]'
	check "python3 listens on ktcp port 7002"
	sc_start cli A
	for ((i = 0; i < n; i++)); do
		sc cli "connect $B 7002" && sc cli "sendstr hello" && sc cli close
	done
	check "$n clients connected and closed"
	wait_until 10 eval '(($(count B close-wait) == n))'
	check "$n connections in CLOSE-WAIT on B"
	say "Who holds them (-p) and for how long nothing happens (-o: no timer):"
	show B "$KSTAT" -tanop state close-wait
	cw=$(grep -c "users:((\"python3\",pid=$pid," <<<"$out")
	((cw == n))
	check "ktcpstat -p names python3, pid $pid, on all $n"
	say "On A the clients' ends wait in FIN-WAIT-2 for a FIN that never comes:"
	show A "$KSTAT" -tano state fin-wait-2
	say "The fix is the server's (close()); until then -K ends them with RST:"
	show B "$KSTAT" -K state close-wait sport = :7002
	cw=$(count B close-wait)
	((cw == 0))
	check "no CLOSE-WAIT left on B ($cw)"
	wait_until 5 eval '(($(count A fin-wait-2) == 0))'
	check "the RSTs ended the FIN-WAIT-2 ends on A"
}

# --- 3. FIN_WAIT_1 behind a peer that never reads -------------------------

# fill: A's client writes (non-blocking) until B's window and its own
# buffer are full; the bytes written in $filled.
filled=0
fill() {
	local i eagain=0
	filled=0
	for ((i = 0; i < 60 && eagain < 3; i++)); do
		sc cli "send 1000000 nb"
		case $reply in
		"ok send sent="*) filled=$((filled + ${reply#*sent=})) eagain=0 ;;
		*EAGAIN*) eagain=$((eagain + 1)) ;;
		*) return 1 ;;
		esac
		sc cli "sleep 200"
	done
	((eagain == 3))
}

# stuck_fin_wait_1: a connection A -> B:7003 whose receiver never reads,
# closed by A with its send queue full: an orphan in FIN-WAIT-1 on A.
stuck_fin_wait_1() {
	sc_start cli A
	sc cli "connect $B 7003" || return 1
	sc srv accept || return 1
	[[ -n ${SILENT:-} ]] && ktcp_topo_netem "$nsb" kb loss 100%
	fill || return 1
	say "A wrote $filled bytes before its buffer filled; B reads none."
	sc cli close || return 1
	sc_stop cli
}

s_fin_wait_1() {
	local before
	say "B's receiver never reads. A sends until its buffer is full, closes"
	say "and exits: the FIN waits behind the data, and B's zero window holds"
	say "the orphan in FIN-WAIT-1."
	sc_start srv B
	sc srv "listen 7003"
	stuck_fin_wait_1
	check "A connected, filled the window and closed"
	wait_until 5 eval '(($(count A fin-wait-1) == 1))'
	check "one FIN-WAIT-1 on A"
	show A "$KSTAT" -tanoe state fin-wait-1
	grep -q 'timer:(persist,' <<<"$out"
	check "with its window-probe timer running"
	say "While B answers with a zero window, the orphan lives until its"
	say "backed-off timer reaches 120 s (~200 s; orphan_retries 0 = 8)."
	say "ktcpstat -K ends it at once:"
	show A "$KSTAT" -K state fin-wait-1 dport = :7003
	(($(count A fin-wait-1) == 0))
	check "no FIN-WAIT-1 left after -K"

	say "Again, and this time B is silent from the start (netem drops all"
	say "it sends), so nothing A sends is acked: net.ktcp.orphan_retries=2"
	say "ends the orphan after 2 unanswered retransmissions. (Silence after"
	say "a long zero window would take the probes' backed-off interval,"
	say "up to 120 s, as on Linux.)"
	sc srv close
	show A sysctl -w net.ktcp.orphan_retries=2
	before=$(snmp A AbortOnTimeout)
	SILENT=1 stuck_fin_wait_1
	# Its retransmissions may have run out while A was still filling:
	# the orphan can be gone before it could be seen, and the counter
	# below is what shows it was there and why it went.
	wait_until 30 eval '(($(count A fin-wait-1) == 0))'
	check "FIN-WAIT-1 gone within 30 s"
	snmp_delta A AbortOnTimeout "$before"
	((delta == 1))
	check "counted as AbortOnTimeout"
}

# --- 4. FIN_WAIT_2 and its timeout ----------------------------------------

s_fin_wait_2() {
	local before
	say "B accepts and never closes; A closes and exits. A's orphan waits in"
	say "FIN-WAIT-2 for B's FIN, bounded by $FIN_KNOB (Linux's tcp_fin_timeout)."
	show A sysctl -w "$FIN_KNOB=$FIN_SHORT"
	sc_start srv B
	sc_start cli A
	sc srv "listen 7004"
	sc cli "connect $B 7004" && sc srv accept && sc cli close
	check "connected and closed by A"
	# one look, not two: under TCG the timer may be out before a second
	wait_until 5 eval 'out=$(run A "$KSTAT" -tano state fin-wait-2) &&
		grep -q "^FIN-WAIT-2" <<<"$out"'
	check "A's end in FIN-WAIT-2"
	printf '# [A]$ ktcpstat -tano state fin-wait-2\n'
	indent <<<"$out"
	grep -q 'timer:(keepalive' <<<"$out"
	check "with the FIN_WAIT_2 timer running"
	show B "$KSTAT" -tano state close-wait
	wait_until $((FIN_SHORT_S + 10)) eval '(($(count A fin-wait-2) == 0))'
	check "FIN-WAIT-2 gone after the timeout"
	say "A's end went without a word; B's late data now meets a RST (A's"
	say "native TCP answers, as no ktcp socket has the 4-tuple any more):"
	before=$(snmp B InRsts)
	scv srv "sendstr late"
	wait_until 5 eval '(($(count B close-wait) == 0))'
	check "the RST ended B's CLOSE-WAIT"
	snmp_delta B InRsts "$before"
	((delta == 1))
	check "InRsts +1 on B"
	scv srv "sendstr again"
}

# --- 5. SYN flood -----------------------------------------------------------

# SYNs from spoofed 198.18.1.0/24 sources to B:7005 for at most $1
# seconds (or until SIGTERM) at $2 per second, from a raw socket (as
# userspace-tests/synflood.c does).
SYNFLOOD='
import random, signal, socket, struct, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
dur, rate = float(sys.argv[1]), int(sys.argv[2])
dst = socket.inet_aton("198.18.0.2")
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
end, sent = time.time() + dur, 0
try:
  while time.time() < end:
    for _ in range(rate // 20):
        src = bytes([198, 18, 1, random.randint(1, 254)])
        tcp = struct.pack("!HHIIBBHHH", random.randint(1024, 65000), 7005,
                          random.getrandbits(32), 0, 5 << 4, 0x02, 65535, 0, 0)
        ph = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, src, dst)
        r.sendto(ip + tcp, ("198.18.0.2", 0))
        sent += 1
    time.sleep(0.05)
finally:
  print("sent", sent, "SYNs")
'

s_syn_flood() {
	local dur=60 pid c_drop c_sent c_recv c_cookies
	say "A floods B's listener (backlog 8) with SYNs from spoofed sources"
	say "(198.18.1.0/24, whose SYN-ACKs vanish), 200 a second."
	run B ip route add 198.18.1.0/24 via "$A"
	show B sysctl -w net.ktcp.syncookies=0
	sc_start srv B
	sc_start cli A
	sc srv "listen 7005 8"
	c_drop=$(snmp B TCPReqQFullDrop)
	c_sent=$(snmp B SyncookiesSent)
	c_recv=$(snmp B SyncookiesRecv)
	c_cookies=$(snmp B TCPReqQFullDoCookies)
	ip netns exec "$nsa" timeout "$(scaled $((dur + 20)))" python3 -c "$SYNFLOOD" \
		"$dur" 200 >"$work/flood.out" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_until 10 eval '(($(count B syn-recv) >= 8))'
	check "the SYN queue is full (8 SYN-RECV)"
	show B "$KSTAT" -s
	say "Without cookies a real client's SYN and its retry are dropped:"
	scv cli "connect $B 7005 2500"
	[[ $reply == timeout* ]]
	check "connect() timed out"
	snmp_delta B TCPReqQFullDrop "$c_drop"
	((delta > 0))
	check "TCPReqQFullDrop counts the dropped SYNs"
	say "With SYN cookies (the default, 1) a SYN to the full queue gets a cookie:"
	show B sysctl -w net.ktcp.syncookies=1
	sc cli socket
	scv cli "connect $B 7005 2500"
	check "connect() succeeded during the flood"
	scv srv "accept 2000"
	check "the server accepted it"
	kill "$pid"
	wait "$pid"
	indent <"$work/flood.out"
	snmp_delta B TCPReqQFullDoCookies "$c_cookies"
	snmp_delta B SyncookiesSent "$c_sent"
	((delta > 0))
	check "SyncookiesSent moved"
	snmp_delta B SyncookiesRecv "$c_recv"
	((delta >= 1))
	check "SyncookiesRecv moved (the client's ACK)"
	dmesg | grep -m1 'ktcp: Possible SYN flooding' | sed 's/^\[[^]]*\] //' | indent
}

# --- 6. Send-Q and Recv-Q ---------------------------------------------------

# q A|B: "RECVQ SENDQ" of the connection on port 7006.
q() {
	run "$1" "$KSTAT" -Hn state established '(' sport = :7006 or dport = :7006 ')' |
		awk '{ print $2, $3; exit }'
}

s_queues() {
	local total=0 qa qb got i
	say "B stops reading; A keeps writing. B's Recv-Q fills its window, then"
	say "A's Send-Q grows, and A's timer runs."
	sc_start srv B
	sc_start cli A
	sc srv "listen 7006"
	sc cli "connect $B 7006" && sc srv accept
	check "connected"
	scv cli "send 16384"
	total=$((total + ${reply#*sent=}))
	sleep 0.5
	show B "$KSTAT" -tnm sport = :7006
	qb=$(q B)
	((${qb% *} == 16384))
	check "B's Recv-Q holds the 16384 bytes not read"
	fill
	check "A wrote until the window and its buffer were full"
	say "A wrote $filled more bytes before send() said EAGAIN"
	total=$((total + filled))
	show A "$KSTAT" -tno dport = :7006
	qa=$(q A)
	show B "$KSTAT" -tn sport = :7006
	qb=$(q B)
	((${qa#* } > 0 && ${qb% *} > 16384))
	check "A's Send-Q (${qa#* }) and B's Recv-Q (${qb% *}) both grew"
	grep -q 'timer:(persist,' <<<"$(run A "$KSTAT" -Hno dport = :7006)"
	check "A's timer runs: it probes B's zero window (persist)"
	say "B reads everything: both queues drain."
	got=0
	for ((i = 0; i < 10 && got < total; i++)); do
		sc srv "recvall $((total - got)) $(scaled 5)000" || break
		got=$((got + $(sed -n 's/^ok recvall n=\([0-9]*\).*/\1/p' <<<"$reply")))
	done
	say "B read $got bytes"
	((got == total))
	check "B read all $total bytes"
	wait_until 5 eval '[[ $(q A) == "0 0" && $(q B) == "0 0" ]]'
	check "both queues are empty"
	show A "$KSTAT" -tn dport = :7006
}

# --- 7. retransmissions under loss, seen by bpftrace ---------------------------

BT_PROG='tracepoint:ktcp:ktcp_retransmit_skb { @[ntop(args->saddr), args->sport, ntop(args->daddr), args->dport] = count(); }'

s_retrans() {
	local bytes=$((full ? 4 : 1))M r_before res bt_n r_n
	if ! command -v bpftrace >/dev/null; then
		say "SKIP: no bpftrace (Debian's bpftrace package)"
		return 2
	fi
	say "5% loss on A's egress (netem); a ktcp_bench transfer of $bytes A -> B,"
	say "while this bpftrace one-liner (native's tcp:tcp_retransmit_skb with the"
	say "ktcp prefix) counts retransmissions per connection:"
	say "  bpftrace -e '$BT_PROG'"
	ktcp_topo_netem "$nsa" ka loss 5%
	r_before=$(snmp A RetransSegs)
	# -c: bpftrace runs the transfer, and prints its map when it ends
	timeout -k 10 "$(scaled 300)" bpftrace -B line -e "$BT_PROG" \
		-c "$BENCH -q -C /run/netns/$nsa -S /run/netns/$nsb -a $B -b $bytes -d up -t $(scaled 180)" \
		>"$work/bt.out" 2>&1
	res=$(grep '^RESULT' "$work/bt.out")
	grep -q '^Attaching' "$work/bt.out"
	check "bpftrace attached"
	[[ $res == "RESULT ok "* ]]
	check "the transfer completed, digests equal"
	grep -v '^$' "$work/bt.out" | indent
	snmp_delta A RetransSegs "$r_before"
	r_n=$delta
	bt_n=$(awk -F': ' -v a="$A" '$1 ~ "^@\\[" a ", " { s += $2 } END { print s + 0 }' "$work/bt.out")
	((bt_n > 0))
	check "bpftrace saw $bt_n retransmissions from $A"
	((bt_n == r_n))
	check "as many as RetransSegs counted ($r_n)"
}

# --- 8. SO_LINGER 0 ----------------------------------------------------------

TRACE=/sys/kernel/tracing

s_linger0() {
	local rst tw
	say "A closes one connection normally, then one with SO_LINGER {1, 0}."
	run A sysctl -qw "$TW_KNOB=60000"
	mountpoint -q "$TRACE" || mount -t tracefs nodev "$TRACE"
	sc_start srv B
	sc_start cli A
	sc srv "listen 7008"
	sc cli "connect $B 7008" && sc srv accept
	scv cli close
	scv srv "recv 10 $(scaled 3)000"
	[[ $reply == "ok recv n=0 "* ]]
	check "a normal close: B reads end of file (FIN)"
	sc srv close
	wait_until 5 eval '(($(count A time-wait) == 1))'
	check "the normal close left A's end in TIME-WAIT"
	echo >"$TRACE/trace"
	echo 1 >"$TRACE/events/ktcp/ktcp_send_reset/enable"
	rst=$(snmp A OutRsts)
	tw=$(count A time-wait)
	sc cli "connect $B 7008" && sc srv accept
	scv cli "setsockopt SO_LINGER 0"
	scv cli close
	scv srv "recv 10 $(scaled 3)000"
	[[ $reply == *ECONNRESET* ]]
	check "with SO_LINGER 0: B reads ECONNRESET (RST)"
	echo 0 >"$TRACE/events/ktcp/ktcp_send_reset/enable"
	say "the tracepoint ktcp:ktcp_send_reset (tracefs):"
	grep -o 'ktcp_send_reset:.*' "$TRACE/trace" | indent
	grep -q "ktcp_send_reset:.*dest=$B:7008" "$TRACE/trace"
	check "ktcp:ktcp_send_reset fired for the connection"
	snmp_delta A OutRsts "$rst"
	((delta == 1))
	check "OutRsts +1"
	show A "$KSTAT" -s
	(($(count A time-wait) == tw))
	check "no TIME-WAIT for the reset connection"
}

# --- the driver -------------------------------------------------------------

selected() {
	local i=$1 w
	((${#want[@]})) || return 0
	for w in "${want[@]}"; do
		[[ $w == "$((i + 1))" || $w == "${NAMES[$i]}" ]] && return 0
	done
	return 1
}

if [[ ! -x $KSTAT || ! -x $SOCKCTL || ! -x $BENCH ]]; then
	echo "scenarios.sh: tools missing in $tb (make tests)" >&2
	exit 1
fi
if [[ ! -d /sys/module/ktcp ]]; then
	echo "scenarios.sh: ktcp is not loaded" >&2
	exit 1
fi

sel=()
for i in "${!NAMES[@]}"; do
	selected "$i" && sel+=("$i")
done
echo "1..${#sel[@]}"
n=0 pass=0 fail=0 skip=0
for i in "${sel[@]}"; do
	name=${NAMES[$i]}
	n=$((n + 1))
	say "==== scenario $((i + 1)): $name ===="
	nsa=ksa$$ nsb=ksb$$
	t0=$SECONDS
	failed=0 rc=0
	if ! ktcp_topo_up "$nsa" ka "$nsb" kb; then
		say "FAIL: namespace pair"
		failed=1
	else
		# only check() fails a scenario; 2 is a skip
		"s_${name//-/_}"
		rc=$?
	fi
	cleanup_scenario
	if ((rc == 2)); then
		echo "ok $n $name # SKIP"
		skip=$((skip + 1))
	elif ((failed)); then
		echo "not ok $n $name ($((SECONDS - t0)) s)"
		fail=$((fail + 1))
	else
		echo "ok $n $name ($((SECONDS - t0)) s)"
		pass=$((pass + 1))
	fi
done
printf '# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n' "$pass" "$fail" "$skip"
((fail == 0))
