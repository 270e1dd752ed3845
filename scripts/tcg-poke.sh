#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the check behind vm.sh's one vCPU under TCG: switch a
# tracepoint (a static key: text_poke_bp()) on and off N times while the
# vCPUs run through its site. With two vCPUs, Debian's QEMU 7.2 lets one
# execute an int3 already taken back, and the guest dies of "Oops: int3".
#
# usage: scripts/vm.sh [--smp N] -- bash scripts/tcg-poke.sh [N]   (3000)
# Prints "POKE-DONE N" if the guest survived.
set -eu

mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
ev=/sys/kernel/tracing/events/sched/sched_switch/enable
(while :; do :; done) &
busy=$!
(while :; do sleep 0.001; done) &
naps=$!
n=${1:-3000}
for ((i = 1; i <= n; i++)); do
	echo 1 >"$ev"
	echo 0 >"$ev"
done
kill "$busy" "$naps"
echo "POKE-DONE $n"
