# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Servers and clients run as unmodified programs, and their sockets seen in
# /proc/net/ktcp and counted in /proc/net/ktcp_snmp, for the acceptance
# suite (userspace-tests/acceptance.sh), sourced. The sourcing script
# provides:
#   work                 a scratch directory
#   t_cmd, t_srv, t_up   seconds for a client run, a server's life, a
#                        server to start listening
#   pids                 an array: serve() adds each server, for cleanup
#   note, diag           print a TAP comment, a file as TAP comments
#
# The caller's check() strings read exp_a/exp_p, opens_a/opens_p and
# seen_c/seen_s after client(); the caller sets the variables above:
# shellcheck disable=SC2034,SC2154

# Is there a row for local port $2 in state $3 in the /proc/net file $1?
has_port() {
	local hex
	hex=$(printf '%04X' "$2")
	awk -v p=":$hex" -v st="$3" \
		'NR > 1 && substr($2, length($2) - 4) == p && (st == "" || $4 == st) { f = 1 }
		 END { exit !f }' "$1" 2>/dev/null
}

# How many rows for local port $2 in state $3 in /proc/net file $1.
count_port() {
	local hex
	hex=$(printf '%04X' "$2")
	awk -v p=":$hex" -v st="$3" \
		'NR > 1 && substr($2, length($2) - 4) == p && $4 == st { c++ }
		 END { print c + 0 }' "$1" 2>/dev/null
}

# The inodes of the sockets that process $1 and its descendants hold, one
# a line, to $work/inodes.
tree_inodes() {
	local p
	for p in $(ps -e -o pid=,ppid= | awk -v root="$1" '
		{ kids[$2] = kids[$2] " " $1 }
		END { q[n = 1] = root
		      for (i = 1; i <= n; i++) {
			print q[i]; k = split(kids[q[i]], a, " ")
			for (j = 1; j <= k; j++) q[++n] = a[j] } }'); do
		ls -l "/proc/$p/fd" 2>/dev/null
	done | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | sort -u >"$work/inodes"
}

# How many listeners on port $2 in /proc/net file $1 are sockets of
# $work/inodes? (By inode: each port ktcp holds also shows in
# /proc/net/tcp, as its native claim, a socket of no process.)
owned_listeners() {
	awk -v p=":$(printf %04X "$2")" 'NR == FNR { own[$1] = 1; next }
		FNR > 1 && substr($2, length($2) - 4) == p && $4 == "0A" && ($10 in own) { c++ }
		END { print c + 0 }' "$work/inodes" "$1"
}

# Server $1 (serve's pid) listens on port $2 with $3 ktcp sockets (default
# 1) and no native one.
listens_on_ktcp() {
	local k t
	tree_inodes "$1"
	k=$(owned_listeners /proc/net/ktcp "$2") t=$(owned_listeners /proc/net/tcp "$2")
	((k == ${3:-1} && t == 0)) && return 0
	note "listeners on port $2: $k ktcp, $t native"
	return 1
}

wait_listen() {	# FILE PORT: a listener on PORT appears in FILE
	local end=$((SECONDS + t_up))
	while ((SECONDS < end)); do
		has_port "$1" "$2" 0A && return 0
		sleep 0.2
	done
	return 1
}

snmp() { awk -v k="$1" '$1 == k { print $2 }' "${2:-/proc/net/ktcp_snmp}"; }

# The connections (rows other than listeners, requests included) of
# /proc/net/ktcp with port $1 at one end, as "c local rem" (a client's:
# the remote port is $1) or "s local rem" (a server's: the local port).
declare -A base_rows
conn_rows() {
	local hex sl l r st rest
	hex=$(printf ':%04X' "$1")
	while read -r sl l r st rest; do
		[[ $sl == sl || $st == 0A ]] && continue
		[[ ${r: -5} == "$hex" ]] && echo "c $l $r"
		[[ ${l: -5} == "$hex" ]] && echo "s $l $r"
	done </proc/net/ktcp
	return 0
}

# Note in seen_c/seen_s the client and server rows for port $1 that were
# not there before (base_rows).
look() {
	local side k
	while read -r side k; do
		[[ -n $k && -z ${base_rows[$side $k]:-} ]] || continue
		[[ $side == c ]] && seen_c=1
		[[ $side == s ]] && seen_s=1
	done <<<"$(conn_rows "$1")"
	return 0
}

# Start a background server, remembered for cleanup.
serve() {	# LOG CMD...
	local log=$1
	shift
	timeout "$t_srv" "$@" >"$log" 2>&1 &
	pids+=($!)
	srv_pid=$!
}

stop() {	# PID...: stop servers started by serve
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# client PORT ACTIVE PASSIVE CMD...: run one client, stdout to $work/out,
# stderr to $work/err. ACTIVE and PASSIVE say which ends should be ktcp
# ("+") or native (0): the client's connect() and the server's accept. It
# watches /proc/net/ktcp for the connection's rows while CMD runs
# (seen_c: a client row, remote port PORT; seen_s: a server row, local
# port PORT) and takes the ActiveOpens/PassiveOpens deltas
# (opens_a/opens_p); sides_ok checks them against ACTIVE and PASSIVE.
# A short connection can come and go between two looks, so the client is
# held until the rows it should have were seen:
#   hold=FILE  CMD's stdin is a FIFO fed FILE and closed only then;
#   drain=1    CMD's stdout is a FIFO read only then (CMD blocks once the
#              pipe is full, with its connection open).
# Otherwise stdin is /dev/null.
client() {
	local port=$1 a0 p0 rc=0 pid side k end in=/dev/null out=$work/out feeder drainer
	exp_a=$2 exp_p=$3
	shift 3
	base_rows=()
	while read -r side k; do
		[[ -n $k ]] && base_rows[$side $k]=1
	done <<<"$(conn_rows "$port")"
	seen_c=0 seen_s=0
	a0=$(snmp ActiveOpens) p0=$(snmp PassiveOpens)
	rm -f "$work/fifo-in" "$work/fifo-out"
	[[ -n ${hold:-} ]] && mkfifo "$work/fifo-in" && in=$work/fifo-in
	((${drain:-0})) && mkfifo "$work/fifo-out" && out=$work/fifo-out
	timeout "$t_cmd" "$@" <"$in" >"$out" 2>"$work/err" &
	pid=$!
	if [[ -n ${hold:-} ]]; then
		exec 7>"$in"
		timeout "$t_cmd" cat "$hold" >&7 &
		feeder=$!
	fi
	((${drain:-0})) && exec 8<"$out"
	end=$((SECONDS + t_up))
	while kill -0 "$pid" 2>/dev/null && ((SECONDS < end)); do
		look "$port"
		if { [[ $exp_a == 0 ]] || ((seen_c)); } && { [[ $exp_p == 0 ]] || ((seen_s)); }; then
			break
		fi
		sleep 0.05
	done
	if [[ -n ${hold:-} ]]; then
		wait "$feeder" || true
		exec 7>&-
	fi
	if ((${drain:-0})); then
		cat <&8 >"$work/out" &
		drainer=$!
		exec 8<&-
	fi
	while kill -0 "$pid" 2>/dev/null; do
		look "$port"
		sleep 0.05
	done
	wait "$pid" || rc=$?
	((${drain:-0})) && { wait "$drainer" || true; }
	look "$port"
	opens_a=$(($(snmp ActiveOpens) - a0)) opens_p=$(($(snmp PassiveOpens) - p0))
	if ((rc)); then
		note "rc $rc: $*"
		diag "$work/err"
	fi
	return "$rc"
}

# The last client's connection was on ktcp on the ends it should be: on an
# end that is ktcp ("+") at least one open counted and a row seen in
# /proc/net/ktcp, on a native one (0) neither.
sides_ok() {
	if [[ $exp_a == + ]]; then
		((opens_a >= 1)) || { note "no ktcp connect()"; return 1; }
		((seen_c)) || { note "no client row in /proc/net/ktcp"; return 1; }
	else
		((opens_a == 0)) || { note "ktcp connect() x$opens_a"; return 1; }
		((!seen_c)) || { note "a client row in /proc/net/ktcp"; return 1; }
	fi
	if [[ $exp_p == + ]]; then
		((opens_p >= 1)) || { note "no ktcp accept"; return 1; }
		((seen_s)) || { note "no server row in /proc/net/ktcp"; return 1; }
	else
		((opens_p == 0)) || { note "ktcp accept x$opens_p"; return 1; }
		((!seen_s)) || { note "a server row in /proc/net/ktcp"; return 1; }
	fi
	return 0
}
who() { echo "ktcp opens: active $opens_a passive $opens_p; rows: client $seen_c server $seen_s"; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }
same() { [[ $(sha "$1") == "$(sha "$2")" ]] || { note "$1 and $2 differ"; return 1; }; }
