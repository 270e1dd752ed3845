#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzzing and teardown under load, one TAP case each (the plan comes last):
#
#   1. sysfuzz          tools/build/ktcp_sysfuzz: random sequences of socket
#                       calls on shared ktcp sockets from several threads
#
# After each case, the kernel log is read: a WARNING, BUG, KASAN, lockdep,
# UBSAN report or an interface that cannot be freed fails the case (vm.sh
# fails the whole run on them too). The fuzzer prints its count
# ("RESULT ... sequences=N") and the seed, which repeats a run.
#
# usage: userspace-tests/fuzz.sh [--full]
#   --full   the long count: 100,000 syscall sequences; default: the
#            short one, 2,000
#
# Runs as root with ktcp.ko loaded (inside the VM), from the repository
# (read-only is fine). Environment:
#   KTCP_FUZZ_SEQS          override the count
#   KTCP_FUZZ_SEED          the fuzzer's seed (default 1)
#   KTCP_FUZZ_THREADS       sysfuzz threads (default 4)
#   KTCP_FUZZ_SECS          time bound of the fuzzer (default 600, 7200
#                           with --full), times KTCP_TEST_TIMEOUT_MULT
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
[[ ${1:-} == --full ]] && full=1
if ((full)); then
	seqs=${KTCP_FUZZ_SEQS:-100000}
	secs=${KTCP_FUZZ_SECS:-7200}
else
	seqs=${KTCP_FUZZ_SEQS:-2000}
	secs=${KTCP_FUZZ_SECS:-600}
fi
secs=$((secs * mult))
seed=${KTCP_FUZZ_SEED:-1}
threads=${KTCP_FUZZ_THREADS:-4}
n=0 fails=0

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

echo "TAP version 13"
echo "# fuzz: $( ((full)) && echo full || echo short): $seqs syscall sequences, seed $seed, $secs s at most"
if [[ ! -d /sys/module/ktcp ]]; then
	echo "Bail out! ktcp is not loaded"
	exit 1
fi
if [[ ! -x $tools/ktcp_sysfuzz ]]; then
	echo "Bail out! $tools/ktcp_sysfuzz missing (make tools)"
	exit 1
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

echo "1..$n"
echo "# Totals: pass:$((n - fails)) fail:$fails xfail:0 xpass:0 skip:0 error:0"
((fails == 0))
