#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The acceptance suite: unmodified Debian programs run through ktcp-run
# (tools/ktcp-run/), each checked for correct output and for its sockets
# in /proc/net/ktcp while it runs, and paired with native TCP both ways:
#   - nc (netcat-openbsd): ktcp -> native, native -> ktcp, ktcp -> ktcp
#   - socat: an echo server on ktcp, a ktcp client to a native server
#   - nginx (sendfile on, listen ... reuseport, 2 workers) and curl, body
#     SHA-256 compared; both workers serve; native nginx <- ktcp curl
#   - redis-server, redis-cli SET/GET and a short redis-benchmark
#   - iperf3 between two namespaces (lib/topo.sh) with loss on the data
#     connection only: -C cubic and -C reno, -M; its Retr column is
#     ktcp's RetransSegs delta over the same time, the MSS the one asked for
#   - sockperf ping-pong
#   - OpenSSH: sshd on a ktcp listener, scp of a large file (SHA-256),
#     native ssh <-> ktcp sshd and ktcp ssh -> native sshd
#   - python3 http.server and urllib, socket.socket(fileno=) on a ktcp fd
#   - busybox-static httpd and nc through the seccomp supervisor
#
# usage: userspace-tests/acceptance.sh
#
# Prints TAP and "# Totals: ..."; exits non-zero if a case failed. Runs as
# root inside the VM with ktcp loaded (scripts/vm.sh -- bash
# userspace-tests/acceptance.sh; run.sh runs it before launcher). Only /tmp
# and /run (sshd's privilege separation directory) are written. A program
# that is not installed (scripts/setup.sh installs them all) skips its
# cases.
#
# Environment:
#   KTCP_RUN                the launcher (default tools/ktcp-run/build/ktcp-run)
#   KTCP_ACCEPT_SCP_MB      size of the scp transfer in MiB (default 64)
#   KTCP_ACCEPT_ONLY        the groups to run, of: nc socat nginx redis
#                           sockperf python busybox ssh iperf3 (default all;
#                           the others' cases are skipped)
#   KTCP_TEST_TIMEOUT_MULT  scales every wait (default 1)
#
# check() takes its conditions as strings eval'd when checked, on purpose:
# shellcheck disable=SC2016
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname -- "$here")
krun=${KTCP_RUN:-$repo/tools/ktcp-run/build/ktcp-run}
mult=${KTCP_TEST_TIMEOUT_MULT:-1}
scp_mb=${KTCP_ACCEPT_SCP_MB:-64}
fam_file=/sys/module/ktcp/parameters/family
py=/usr/bin/python3
# shellcheck source=userspace-tests/lib/topo.sh
. "$here/lib/topo.sh"

scaled() { awk -v s="$1" -v m="$mult" 'BEGIN { v = int(s * m); print v < 1 ? 1 : v }'; }
t_cmd=$(scaled 60)	# one client run
t_long=$(scaled 300)	# the scp and iperf3 runs
t_srv=$(scaled 900)	# a server's whole life
t_up=$(scaled 60)	# a server to start listening

NCASES=33
n=0 pass=0 fail=0 skip=0
pids=()
work=
old_tw=
ns_a='' ns_b=''

ok() { n=$((n + 1)) pass=$((pass + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)) fail=$((fail + 1)); echo "not ok $n $1"; }
skip_case() { n=$((n + 1)) skip=$((skip + 1)); echo "ok $n $1 # SKIP $2"; }
check() {
	if "${@:2}"; then ok "$1 ($((SECONDS - t_case))s)"; else not_ok "$1 ($((SECONDS - t_case))s)"; fi
	t_case=$SECONDS
}
note() { printf '# %s\n' "$@"; }
diag() { sed 's/^/#   /' "$@" 2>/dev/null | head -n 40 || true; }

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	[[ -n $ns_a ]] && ktcp_topo_down "$ns_a" "$ns_b"
	if [[ -n $old_tw && -d /sys/module/ktcp ]]; then
		sysctl -qw net.ktcp.tw_timeout_ms="$old_tw" 2>/dev/null || true
	fi
	[[ -n $work ]] && rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	# cases never reached (an early exit) count as failures
	while ((n < NCASES)); do
		not_ok "not run"
	done
	echo "# acceptance: $((SECONDS - t_start)) s"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	((fail == 0))
}

# shellcheck source=userspace-tests/lib/watch.sh
. "$here/lib/watch.sh"
# nginx_conf, redis_conf: the servers' configurations (shared with bench)
# shellcheck source=userspace-tests/lib/apps.sh
. "$here/lib/apps.sh"

have() { command -v "$1" >/dev/null; }

# group NAME PROGRAM...: are NAME's cases to run (KTCP_ACCEPT_ONLY) and its
# programs installed? If not, $why says why.
group() {
	local prog
	if [[ -n ${KTCP_ACCEPT_ONLY:-} && " $KTCP_ACCEPT_ONLY " != *" $1 "* ]]; then
		why="not in KTCP_ACCEPT_ONLY"
		return 1
	fi
	for prog in "${@:2}"; do
		have "$prog" || { why="$prog is not installed (scripts/setup.sh)"; return 1; }
	done
	note "--- $1"
	return 0
}
skip_n() {	# N NAME: skip group NAME's N cases
	local i
	for ((i = 1; i <= $1; i++)); do skip_case "$2 $i" "$why"; done
}

echo "TAP version 13"
echo "1..$NCASES"
t_start=$SECONDS
t_case=$SECONDS

missing=()
[[ -x $krun ]] || missing+=("$krun")
[[ -r $fam_file ]] || missing+=("ktcp module (not loaded)")
[[ $(id -u) -eq 0 ]] || missing+=(root)
if ((${#missing[@]})); then
	note "acceptance: missing: ${missing[*]} (make tests builds ktcp-run)"
	finish
	exit 1
fi
note "ktcp family $(cat "$fam_file"), $krun"

work=$(mktemp -d /tmp/ktcp-accept.XXXXXX)
chmod 755 "$work"	# nginx's workers run as www-data
mkdir "$work/www"
head -c 1048576 /dev/urandom >"$work/www/file"
small=$work/www/small
head -c 262144 /dev/urandom >"$small"
# A short TIME_WAIT: the suite leaves nothing behind for long.
if old_tw=$(sysctl -n net.ktcp.tw_timeout_ms 2>/dev/null); then
	sysctl -qw net.ktcp.tw_timeout_ms=3000 || old_tw=
fi
base=$((10000 + $$ % 400 * 20))
port() { echo $((base + $1)); }
curl=(curl -sS --noproxy '*' --max-time "$t_cmd")

# --- nc (netcat-openbsd) ---------------------------------------------------

# nc_pair NAME SRV_PREFIX CLI_PREFIX PORT ACTIVE PASSIVE: the client sends
# the file and shuts down its side (-N); the server writes what it got.
nc_pair() {
	local name=$1 sp=$2 cp=$3 p=$4
	# shellcheck disable=SC2086 # the prefixes are "" or the launcher
	serve "$work/nc.out" $sp nc -l 127.0.0.1 "$p"
	local srv=$srv_pid
	if wait_listen "$([[ -n $sp ]] && echo /proc/net/ktcp || echo /proc/net/tcp)" "$p"; then
		# shellcheck disable=SC2086
		hold=$work/www/file client "$p" "$5" "$6" $cp nc -N 127.0.0.1 "$p" || true
		timeout "$t_cmd" tail --pid="$srv" -f /dev/null || true
	else
		note "nc -l not listening"
		exp_a=$5 exp_p=$6 opens_a=0 opens_p=0 seen_c=0 seen_s=0
	fi
	stop "$srv"
	check "nc: $name, 1 MiB ($(who))" \
		eval 'same "$work/nc.out" "$work/www/file" && sides_ok'
}
if group nc nc && { nc -h 2>&1 | grep -q OpenBSD || { why="nc is not netcat-openbsd"; false; }; }; then
	nc_pair "ktcp-run nc -> native nc -l" "" "$krun" "$(port 0)" + 0
	nc_pair "native nc -> ktcp-run nc -l" "$krun" "" "$(port 1)" 0 +
	nc_pair "ktcp-run nc -> ktcp-run nc -l" "$krun" "$krun" "$(port 2)" + +
else
	skip_n 3 nc
fi

# --- socat -----------------------------------------------------------------

if group socat socat; then
	p=$(port 3)
	serve "$work/socat.log" "$krun" socat "TCP-LISTEN:$p,bind=127.0.0.1,reuseaddr,fork" PIPE
	s_ktcp=$srv_pid
	wait_listen /proc/net/ktcp "$p" || note "socat not listening on ktcp"
	hold=$small client "$p" 0 + socat -t "$t_cmd" - "TCP:127.0.0.1:$p" || true
	check "socat: native socat -> ktcp-run socat PIPE echo, 256 KiB ($(who))" \
		eval 'same "$work/out" "$small" && sides_ok'
	p2=$(port 4)
	serve "$work/socat2.log" socat "TCP-LISTEN:$p2,bind=127.0.0.1,reuseaddr,fork" PIPE
	wait_listen /proc/net/tcp "$p2" || note "native socat not listening"
	hold=$small client "$p2" + 0 "$krun" socat -t "$t_cmd" - "TCP:127.0.0.1:$p2" || true
	check "socat: ktcp-run socat -> native socat PIPE echo, 256 KiB ($(who))" \
		eval 'same "$work/out" "$small" && sides_ok'
	stop "$s_ktcp" "$srv_pid"
else
	skip_n 2 socat
fi

# --- nginx and curl --------------------------------------------------------

if group nginx nginx curl; then
	p=$(port 5)
	nginx_conf "$p" "$work/nginx" "$work/www"
	serve "$work/nginx/out" "$krun" nginx -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf"
	n_ktcp=$srv_pid
	end=$((SECONDS + t_up))
	until (($(count_port /proc/net/ktcp "$p" 0A) == 2 || SECONDS > end)); do
		sleep 0.2
	done
	check "nginx under ktcp-run: one ktcp listener per worker (reuseport), none native" \
		listens_on_ktcp "$n_ktcp" "$p" 2
	diag "$work/nginx/error.log"
	drain=1 client "$p" + + "$krun" "${curl[@]}" "http://127.0.0.1:$p/file" || true
	check "curl: ktcp-run curl -> ktcp-run nginx, 1 MiB, SHA-256 equal ($(who))" \
		eval 'same "$work/out" "$work/www/file" && sides_ok'
	drain=1 client "$p" 0 + "${curl[@]}" "http://127.0.0.1:$p/file" || true
	check "curl: native curl -> ktcp-run nginx, 1 MiB, SHA-256 equal ($(who))" \
		eval 'same "$work/out" "$work/www/file" && sides_ok'
	# 16 connections: reuseport spreads them over both workers (all on
	# one would happen 2 times in 65536)
	urls=()
	for i in $(seq 16); do urls+=(-o /dev/null "http://127.0.0.1:$p/small"); done
	: >"$work/nginx/access.log"
	client "$p" + + "$krun" "${curl[@]}" -H 'Connection: close' "${urls[@]}" || true
	check "nginx reuseport: 16 connections served by both workers ($(who))" \
		eval '(($(awk "\$2 == 200" "$work/nginx/access.log" | wc -l) == 16)) &&
		      (($(awk "{ print \$1 }" "$work/nginx/access.log" | sort -u | wc -l) == 2)) &&
		      ((opens_a >= 16 && opens_p >= 16))'
	diag "$work/nginx/access.log"
	stop "$n_ktcp"
	p=$(port 6)
	nginx_conf "$p" "$work/nginx-native" "$work/www"
	serve "$work/nginx-native/out" nginx -e "$work/nginx-native/error.log" \
		-c "$work/nginx-native/nginx.conf"
	n_nat=$srv_pid
	wait_listen /proc/net/tcp "$p" || note "native nginx not listening"
	drain=1 client "$p" + 0 "$krun" "${curl[@]}" "http://127.0.0.1:$p/file" || true
	check "curl: ktcp-run curl -> native nginx, 1 MiB, SHA-256 equal ($(who))" \
		eval 'same "$work/out" "$work/www/file" && sides_ok'
	stop "$n_nat"
else
	skip_n 5 nginx
fi

# --- redis -----------------------------------------------------------------

if group redis redis-server redis-cli redis-benchmark; then
	p=$(port 7)
	mkdir "$work/redis"
	redis_conf "$work/redis"
	serve "$work/redis/log" "$krun" redis-server --port "$p" "${redis_args[@]}"
	r_ktcp=$srv_pid
	check "redis-server under ktcp-run listens on ktcp only" \
		eval 'wait_listen /proc/net/ktcp "$p" && listens_on_ktcp "$r_ktcp" "$p"'
	printf 'SET ktcp-key value-%s\nGET ktcp-key\n' "$$" >"$work/redis/cmds"
	printf 'OK\nvalue-%s\n' "$$" >"$work/redis/expect"
	hold=$work/redis/cmds client "$p" + + "$krun" redis-cli -p "$p" || true
	check "redis: ktcp-run redis-cli SET/GET -> ktcp-run redis-server ($(who))" \
		eval 'same "$work/out" "$work/redis/expect" && sides_ok'
	echo "GET ktcp-key" >"$work/redis/get"
	hold=$work/redis/get client "$p" 0 + redis-cli -p "$p" || true
	check "redis: native redis-cli GET -> ktcp-run redis-server ($(who))" \
		eval 'grep -qx "value-$$" "$work/out" && sides_ok'
	client "$p" + + "$krun" redis-benchmark -p "$p" -n 500 -c 4 -q -t set,get || true
	diag "$work/out"
	check "redis: ktcp-run redis-benchmark -n 500 -q -t set,get ($(who))" \
		eval 'tr "\r" "\n" <"$work/out" | grep -Eq "^SET: [0-9.]+ requests per second" &&
		      tr "\r" "\n" <"$work/out" | grep -Eq "^GET: [0-9.]+ requests per second" &&
		      ((opens_a >= 4 && opens_p >= 4))'
	stop "$r_ktcp"
	p=$(port 8)
	serve "$work/redis/log2" redis-server --port "$p" "${redis_args[@]}"
	r_nat=$srv_pid
	wait_listen /proc/net/tcp "$p" || note "native redis-server not listening"
	echo PING >"$work/redis/ping"
	hold=$work/redis/ping client "$p" + 0 "$krun" redis-cli -p "$p" || true
	check "redis: ktcp-run redis-cli PING -> native redis-server ($(who))" \
		eval 'grep -qx PONG "$work/out" && sides_ok'
	stop "$r_nat"
else
	skip_n 5 redis
fi

# --- sockperf --------------------------------------------------------------

if group sockperf sockperf; then
	p=$(port 9)
	serve "$work/sockperf.log" "$krun" sockperf server --tcp -i 127.0.0.1 -p "$p"
	sp_ktcp=$srv_pid
	wait_listen /proc/net/ktcp "$p" || note "sockperf server not listening on ktcp"
	client "$p" + + "$krun" sockperf ping-pong --tcp -i 127.0.0.1 -p "$p" -t 1 || true
	diag "$work/out"
	check "sockperf: ktcp-run ping-pong -> ktcp-run server, 1 s ($(who))" \
		eval 'grep -Eq "Summary: Latency is [0-9.]+ usec" "$work/out" && sides_ok'
	client "$p" 0 + sockperf ping-pong --tcp -i 127.0.0.1 -p "$p" -t 1 || true
	check "sockperf: native ping-pong -> ktcp-run server, 1 s ($(who))" \
		eval 'grep -Eq "Summary: Latency is [0-9.]+ usec" "$work/out" && sides_ok'
	stop "$sp_ktcp"
else
	skip_n 2 sockperf
fi

# --- python3 ---------------------------------------------------------------

if group python "$py"; then
	p=$(port 10)
	serve "$work/http.log" "$krun" "$py" -m http.server --bind 127.0.0.1 \
		--directory "$work/www" "$p"
	h_ktcp=$srv_pid
	wait_listen /proc/net/ktcp "$p" || note "http.server not listening on ktcp"
	cat >"$work/get.py" <<'EOF'
import sys, urllib.request
# chunk by chunk: blocked on a full stdout, the connection stays open
with urllib.request.urlopen(sys.argv[1], timeout=60) as r:
    for d in iter(lambda: r.read(65536), b""):
        sys.stdout.buffer.write(d)
EOF
	drain=1 client "$p" + + "$krun" "$py" "$work/get.py" "http://127.0.0.1:$p/file" || true
	check "python3: ktcp-run urllib -> ktcp-run http.server, 1 MiB ($(who))" \
		eval 'same "$work/out" "$work/www/file" && sides_ok'
	stop "$h_ktcp"
	p=$(port 11)
	serve "$work/http2.log" "$py" -m http.server --bind 127.0.0.1 --directory "$work/www" "$p"
	h_nat=$srv_pid
	wait_listen /proc/net/tcp "$p" || note "native http.server not listening"
	drain=1 client "$p" + 0 "$krun" "$py" "$work/get.py" "http://127.0.0.1:$p/file" || true
	check "python3: ktcp-run urllib -> native http.server, 1 MiB ($(who))" \
		eval 'same "$work/out" "$work/www/file" && sides_ok'
	stop "$h_nat"
	# socket.socket(fileno=) learns family, type and protocol from the fd
	# (SO_DOMAIN, SO_TYPE, SO_PROTOCOL): on a ktcp fd under ktcp-run they are
	# AF_INET, SOCK_STREAM, IPPROTO_TCP, and the object works as any other.
	cat >"$work/fileno.py" <<'EOF'
import os, socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
w = socket.socket(fileno=os.dup(s.fileno()))
s.close()
print("wrapped", w.family == socket.AF_INET, w.type == socket.SOCK_STREAM,
      w.proto == socket.IPPROTO_TCP, w.getsockname())
def peer():
    c = socket.create_connection(w.getsockname())
    c.sendall(b"x" * 100000)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    c.close()
t = threading.Thread(target=peer)
t.start()
a, addr = w.accept()
sys.stdin.read()    # held open until the connection was seen
b = socket.socket(fileno=os.dup(a.fileno()))
a.close()
got = 0
while True:
    d = b.recv(65536)
    if not d:
        break
    got += len(d)
b.close()
t.join()
print("accepted", b.family == socket.AF_INET, addr[0], got)
EOF
	p=$(port 12)
	printf "wrapped True True True ('127.0.0.1', %d)\naccepted True 127.0.0.1 100000\n" \
		"$p" >"$work/fileno.expect"
	hold=/dev/null client "$p" + + "$krun" "$py" "$work/fileno.py" "$p" || true
	diag "$work/out"
	check "python3: socket.socket(fileno=) on ktcp listener and accepted fds ($(who))" \
		eval 'same "$work/out" "$work/fileno.expect" && sides_ok'
else
	skip_n 3 python
fi

# --- busybox-static through the supervisor ---------------------------------

busybox=/bin/busybox
if group busybox "$busybox" curl nc &&
   { ! readelf -lW "$busybox" 2>/dev/null | grep -q INTERP || { why="$busybox is not static"; false; }; }; then
	p=$(port 13)
	serve "$work/bb-httpd.log" "$krun" -v "$busybox" httpd -f -p "127.0.0.1:$p" -h "$work/www"
	bb=$srv_pid
	check "busybox httpd (static) under ktcp-run: supervisor, listens on ktcp only" \
		eval 'wait_listen /proc/net/ktcp "$p" && listens_on_ktcp "$bb" "$p" &&
		      grep -q "supervisor" "$work/bb-httpd.log"'
	drain=1 client "$p" + + "$krun" "${curl[@]}" "http://127.0.0.1:$p/file" || true
	check "busybox: ktcp-run curl -> supervised busybox httpd, 1 MiB ($(who))" \
		eval 'same "$work/out" "$work/www/file" && sides_ok'
	stop "$bb"
	p=$(port 14)
	serve "$work/bb-nc.out" nc -l 127.0.0.1 "$p"
	bb=$srv_pid
	wait_listen /proc/net/tcp "$p" || note "native nc not listening"
	hold=$small client "$p" + 0 "$krun" "$busybox" nc 127.0.0.1 "$p" || true
	timeout "$t_cmd" tail --pid="$bb" -f /dev/null || true
	check "busybox: supervised busybox nc -> native nc -l, 256 KiB ($(who))" \
		eval 'same "$work/bb-nc.out" "$small" && sides_ok'
	stop "$bb"
else
	skip_n 3 busybox
fi

# --- OpenSSH ---------------------------------------------------------------

sshd=/usr/sbin/sshd
if group ssh "$sshd" ssh scp ssh-keygen; then
	d=$work/ssh
	mkdir -m 700 "$d"
	ssh-keygen -q -t ed25519 -N "" -f "$d/host" -C host
	ssh-keygen -q -t ed25519 -N "" -f "$d/id" -C client
	cp "$d/id.pub" "$d/authorized_keys"
	# sshd's privilege separation directory (tmpfs in the VM)
	mkdir -p /run/sshd
	sshd_conf() {	# PORT FILE
		cat >"$2" <<EOF
Port $1
ListenAddress 127.0.0.1
HostKey $d/host
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
LogLevel ERROR
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	}
	ssh_opts=(-i "$d/id" -o BatchMode=yes -o StrictHostKeyChecking=no
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=60)
	p=$(port 15)
	sshd_conf "$p" "$d/sshd_config"
	"$sshd" -t -f "$d/sshd_config" 2>"$work/err" || diag "$work/err"
	serve "$d/sshd.log" "$krun" "$sshd" -D -e -f "$d/sshd_config"
	s_ktcp=$srv_pid
	check "sshd under ktcp-run listens on ktcp only" \
		eval 'wait_listen /proc/net/ktcp "$p" && listens_on_ktcp "$s_ktcp" "$p"'
	diag "$d/sshd.log"
	head -c $((scp_mb << 20)) /dev/urandom >"$d/big"
	t0=$SECONDS
	t_cmd_save=$t_cmd t_cmd=$t_long
	client "$p" + + "$krun" scp -q "${ssh_opts[@]}" -P "$p" "$d/big" "root@127.0.0.1:$d/big.copy" || true
	t_cmd=$t_cmd_save
	note "scp of $scp_mb MiB: $((SECONDS - t0)) s"
	check "ssh: ktcp-run scp -> ktcp-run sshd, $scp_mb MiB, SHA-256 equal ($(who))" \
		eval 'same "$d/big.copy" "$d/big" && sides_ok'
	client "$p" 0 + ssh "${ssh_opts[@]}" -p "$p" root@127.0.0.1 sha256sum "$small" || true
	check "ssh: native ssh -> ktcp-run sshd, remote command ($(who))" \
		eval '[[ $(cut -d" " -f1 "$work/out") == "$(sha "$small")" ]] && sides_ok'
	stop "$s_ktcp"
	p=$(port 16)
	sshd_conf "$p" "$d/sshd_config2"
	serve "$d/sshd2.log" "$sshd" -D -e -f "$d/sshd_config2"
	s_nat=$srv_pid
	wait_listen /proc/net/tcp "$p" || note "native sshd not listening"
	client "$p" + 0 "$krun" ssh "${ssh_opts[@]}" -p "$p" root@127.0.0.1 cat "$small" || true
	check "ssh: ktcp-run ssh -> native sshd, 256 KiB back ($(who))" \
		eval 'same "$work/out" "$small" && sides_ok'
	stop "$s_nat"
	rm -f "$d/big" "$d/big.copy"
else
	skip_n 4 ssh
fi

# --- iperf3 between two namespaces -----------------------------------------

# Client in ns_a (198.18.0.1), server in ns_b (198.18.0.2), both through
# ktcp-run. Loss: a u32 filter on ns_a's veth sends the data connection's
# segments (source port --cport) to a netem band that drops 2%, so that
# every retransmission in ns_a's RetransSegs is one of the data
# connection's, which iperf3 reads from TCP_INFO (tcpi_total_retrans).
# A policer on the filter lets only the first 1 MB through to netem (the
# rest exceed its bucket, which hardly refills, and take the lossless
# band), and -b 8M keeps the flight small. iperf3 reads TCP_INFO when its
# time is up and prints its last interval line, while data may still be
# in flight: ns_a's counters are read at each interval line (iperf3
# --forceflush into a FIFO), and the Retr column must lie between the
# deltas read after the interval line before the last and after the last
# one: iperf3 reads TCP_INFO before it prints a line, and a segment may
# be retransmitted between that read and ours (on a loaded machine a
# spurious timeout, or a receiver drop: BacklogDrop, OfoDrop), or after
# the end, which then does not count. The data connection is looked for in ns_a's
# /proc/net/ktcp while it runs. The MSS is the one asked for
# with -M when ns_a sent at least bytes / MSS segments (with the veth's
# own MSS, 1448, it would send about bytes / 1448).
iface_a=veth-acc-a
# netem_dropped: what the lossy band dropped so far
netem_dropped() {
	local out re
	out=$(tc -n "$ns_a" -s qdisc show dev "$iface_a")
	re='qdisc netem [^'$'\n'']*'$'\n'' *Sent [0-9]+ bytes [0-9]+ pkt \(dropped ([0-9]+)'
	[[ $out =~ $re ]] && echo "${BASH_REMATCH[1]}" || echo 0
}
in_ns() { ip netns exec "$@"; }
snmp_deltas() {	# BEFORE AFTER: the counters that moved
	awk 'NR == FNR { b[$1] = $2; next } $2 != b[$1] { printf "%s %+d  ", $1, $2 - b[$1] }' "$1" "$2"
}
ns_has() {	# NS PORT STATE: a row for local port PORT in STATE (any but LISTEN if "")
	in_ns "$1" awk -v p=":$(printf %04X "$2")" -v st="$3" \
		'NR > 1 && substr($2, length($2) - 4) == p && (st == "" ? $4 != "0A" : $4 == st) { f = 1 }
		 END { exit !f }' /proc/net/ktcp
}
iperf_case() {	# CC MSS CPORT
	local cc=$1 mss=$2 cport=$3 p rc=0 srv cli watch end up=0 d0 line ends=0
	p=$(port 17)
	in_ns "$ns_b" timeout "$t_long" "$krun" iperf3 -s -1 -B "$KTCP_TOPO_IP_B" -p "$p" \
		>"$work/iperf-s.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	end=$((SECONDS + t_up))
	until ns_has "$ns_b" "$p" 0A; do
		((SECONDS < end)) || { note "iperf3 -s not listening on ktcp"; break; }
		sleep 0.2
	done
	in_ns "$ns_a" cat /proc/net/ktcp_snmp >"$work/snmp-a0"
	in_ns "$ns_b" cat /proc/net/ktcp_snmp >"$work/snmp-b0"
	tc -n "$ns_a" filter add dev "$iface_a" parent 1: protocol ip prio 1 u32 \
		match ip protocol 6 0xff match ip sport "$cport" 0xffff \
		action police rate 100kbit burst 1mb mtu 64kb conform-exceed continue/ok flowid 1:3 ||
		note "tc filter failed: no loss"
	d0=$(netem_dropped)
	rm -f "$work/iperf.fifo"
	mkfifo "$work/iperf.fifo"
	in_ns "$ns_a" timeout "$t_long" "$krun" iperf3 -c "$KTCP_TOPO_IP_B" -p "$p" \
		--cport "$cport" -t 4 -b 8M -M "$mss" -C "$cc" -V --forceflush \
		>"$work/iperf.fifo" 2>"$work/err" &
	cli=$!
	rm -f "$work/iperf.up"
	while kill -0 "$cli" 2>/dev/null; do
		ns_has "$ns_a" "$cport" "" && { : >"$work/iperf.up"; break; }
		sleep 0.1
	done &
	watch=$!
	cp "$work/snmp-a0" "$work/snmp-a-end"
	cp "$work/snmp-a0" "$work/snmp-a-prev"
	: >"$work/iperf.txt"
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$work/iperf.txt"
		[[ $line == "- - - "* ]] && ends=1
		if ((!ends)) && [[ $line == *" sec "* ]]; then
			cp "$work/snmp-a-end" "$work/snmp-a-prev"
			in_ns "$ns_a" cat /proc/net/ktcp_snmp >"$work/snmp-a-end"
		fi
	done <"$work/iperf.fifo"
	wait "$cli" || rc=$?
	wait "$watch" || true
	[[ -e $work/iperf.up ]] && up=1
	note "netem dropped $(($(netem_dropped) - d0)) data segments"
	tc -n "$ns_a" filter del dev "$iface_a" parent 1: prio 1 || true
	in_ns "$ns_a" cat /proc/net/ktcp_snmp >"$work/snmp-a"
	in_ns "$ns_b" cat /proc/net/ktcp_snmp >"$work/snmp-b"
	stop "$srv"
	# "[  5]   0.00-4.00   sec  7.75 MBytes  16.3 Mbits/sec   58   sender"
	awk 'function bytes(v, u) {
		     return int(v * (u ~ /^K/ ? 1024 : u ~ /^M/ ? 1048576 : u ~ /^G/ ? 1073741824 : 1)) }
	     / sender$/ { print "retr", $(NF - 1); print "sent", bytes($5, $6) }
	     / receiver$/ { print "rcvd", bytes($5, $6) }
	     /^snd_tcp_congestion / { snd = $2 } /^rcv_tcp_congestion / { rcv = $2 }
	     END { print "cc", snd, rcv }' "$work/iperf.txt" >"$work/iperf.sum"
	iperf_retr=$(awk '$1 == "retr" { print $2 }' "$work/iperf.sum")
	# shellcheck disable=SC2034 # these are read by check's eval
	{
		iperf_cc=$(awk '$1 == "cc" { print $2, $3 }' "$work/iperf.sum")
		iperf_sent=$(awk '$1 == "sent" { print $2 }' "$work/iperf.sum")
		iperf_rcvd=$(awk '$1 == "rcvd" { print $2 }' "$work/iperf.sum")
		iperf_rc=$rc iperf_up=$up
		d_open_a=$(($(snmp ActiveOpens "$work/snmp-a") - $(snmp ActiveOpens "$work/snmp-a0")))
		d_open_b=$(($(snmp PassiveOpens "$work/snmp-b") - $(snmp PassiveOpens "$work/snmp-b0")))
	}
	d_retr=$(($(snmp RetransSegs "$work/snmp-a-end") - $(snmp RetransSegs "$work/snmp-a0")))
	d_retr_prev=$(($(snmp RetransSegs "$work/snmp-a-prev") - $(snmp RetransSegs "$work/snmp-a0")))
	d_retr_all=$(($(snmp RetransSegs "$work/snmp-a") - $(snmp RetransSegs "$work/snmp-a0")))
	d_out=$(($(snmp OutSegs "$work/snmp-a") - $(snmp OutSegs "$work/snmp-a0")))
	note "iperf3 -C $cc -M $mss: rc $rc, sent ${iperf_sent:-?} received ${iperf_rcvd:-?}, Retr ${iperf_retr:-?}, RetransSegs +$d_retr_prev at the interval before its last, +$d_retr at its last, +$d_retr_all at its exit"
	note "client ns: $(snmp_deltas "$work/snmp-a0" "$work/snmp-a")"
	note "server ns: $(snmp_deltas "$work/snmp-b0" "$work/snmp-b")"
	if ((rc)) || [[ -z $iperf_retr ]]; then
		diag "$work/iperf.txt"
		diag "$work/iperf.sum"
		diag "$work/err"
		diag "$work/iperf-s.log"
	fi
}
if group iperf3 iperf3 tc "$KTCP_TOPO"; then
	ns_a=ktcp-acc-a-$$ ns_b=ktcp-acc-b-$$
	modprobe -q sch_prio 2>/dev/null || true
	modprobe -q sch_netem 2>/dev/null || true
	modprobe -q cls_u32 2>/dev/null || true
	modprobe -q act_police 2>/dev/null || true
	if ktcp_topo_up "$ns_a" "$iface_a" "$ns_b" veth-acc-b 2>"$work/err" &&
	   tc -n "$ns_a" qdisc add dev "$iface_a" root handle 1: prio 2>>"$work/err" &&
	   tc -n "$ns_a" qdisc add dev "$iface_a" parent 1:3 handle 30: netem loss 2% 2>>"$work/err"; then
		for cc in cubic reno; do
			mss=536 cport=$(port 18)
			[[ $cc == reno ]] && mss=1000 cport=$(port 19)
			iperf_case "$cc" "$mss" "$cport"
			check "iperf3 -C $cc -M $mss -t 4 -b 8M: both ends on ktcp (data connection seen: $iperf_up) report $cc (${iperf_cc:-?}), ${iperf_sent:-?} bytes sent" \
				eval '((iperf_rc == 0 && iperf_up && iperf_sent > 0 && iperf_rcvd > 0 &&
				       d_open_a >= 2 && d_open_b >= 2)) && [[ $iperf_cc == "$cc $cc" ]]'
			check "iperf3 -C $cc: its Retr column (${iperf_retr:-?}) is ktcp's RetransSegs delta (from $d_retr_prev to $d_retr over its last interval), not 0" \
				eval '[[ -n $iperf_retr ]] && ((iperf_retr > 0 && d_retr_prev <= iperf_retr && iperf_retr <= d_retr))'
			check "iperf3 -M $mss takes effect: $d_out segments for ${iperf_sent:-?} bytes, >= bytes / $mss" \
				eval '((iperf_sent > 0 && d_out >= iperf_sent / mss))'
		done
	else
		diag "$work/err"
		for i in 1 2 3 4 5 6; do not_ok "iperf3 $i: two-namespace topology with netem failed"; done
	fi
	ktcp_topo_down "$ns_a" "$ns_b"
	ns_a='' ns_b=''
else
	skip_n 6 iperf3
fi

finish
