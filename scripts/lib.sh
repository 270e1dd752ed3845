#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the ktcp build/test harness. Source it from bash
# scripts, or run it as `scripts/lib.sh kdir|krelease|kseries|cache|srcdir`
# (the Makefile does) to print one value.
#
# The kernel series (6.12) is named once, in KTCP_KSERIES below; setup.sh's
# packages, the source directory and the headers looked for all follow it.
# No release is hard-coded: the kernel is the newest installed Debian
# amd64 flavour of that series, or the running kernel when its headers are
# installed, or KDIR when set.

KTCP_ROOT=${KTCP_ROOT:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)}
KTCP_CACHE=${KTCP_CACHE:-/var/cache/ktcp}
KTCP_KSERIES=6.12
KTCP_SRC_PKG=linux-source-$KTCP_KSERIES
KTCP_SRCDIR=${KTCP_SRCDIR:-$KTCP_CACHE/$KTCP_SRC_PKG}

# Kernel log lines that mean a kernel bug: oops, BUG, WARNING, lockdep,
# KASAN, UBSAN, KFENCE, hung tasks, RCU stalls, list/refcount corruption,
# kmemleak.
# shellcheck disable=SC2034 # used by the scripts that source this
KTCP_KERNEL_ERROR_RE='(BUG:|WARNING:|Oops|kernel BUG at|general protection fault|Call Trace|possible circular locking|inconsistent lock state|possible recursive locking|KASAN|UBSAN|KFENCE|Kernel panic|blocked for more than|detected stalls|list_(add|del) corruption|refcount_t:|double fault|stack-protector|unreferenced object)'

ktcp_log() { printf '%s: %s\n' "${KTCP_PROG:-ktcp}" "$*" >&2; }
ktcp_die() { ktcp_log "error: $*"; exit 1; }

# The kernel build dir modules are built against.
ktcp_kdir() {
	local running newest
	if [[ -n ${KDIR:-} ]]; then
		printf '%s\n' "$KDIR"
		return
	fi
	running=$(uname -r)
	if [[ -d /lib/modules/$running/build ]]; then
		printf '%s\n' "/lib/modules/$running/build"
		return
	fi
	newest=$(find /usr/src -maxdepth 1 -name "linux-headers-$KTCP_KSERIES*-amd64" \
		-printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
	[[ -n $newest ]] || return 1
	newest=${newest#linux-headers-}
	if [[ -d /lib/modules/$newest/build ]]; then
		printf '%s\n' "/lib/modules/$newest/build"
	else
		printf '%s\n' "/usr/src/linux-headers-$newest"
	fi
}

# The kernel release (uname -r) that KDIR is for.
ktcp_krelease() {
	local kdir
	kdir=$(ktcp_kdir) || return 1
	if [[ -r $kdir/include/config/kernel.release ]]; then
		cat "$kdir/include/config/kernel.release"
	else
		make -s -C "$kdir" kernelrelease
	fi
}

# The kernel release string embedded in a bzImage (what `file` prints).
ktcp_bzimage_release() {
	local img=$1 off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$img" | tr -d ' ')
	[[ -n $off && $off -gt 0 ]] || return 1
	dd if="$img" bs=1 skip=$((off + 0x200)) count=256 status=none |
		tr '\0' '\n' | head -n 1 | cut -d' ' -f1
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	case ${1:-} in
	kdir) ktcp_kdir ;;
	krelease) ktcp_krelease ;;
	kseries) printf '%s\n' "$KTCP_KSERIES" ;;
	cache) printf '%s\n' "$KTCP_CACHE" ;;
	srcdir) printf '%s\n' "$KTCP_SRCDIR" ;;
	bzrelease) ktcp_bzimage_release "$2" ;;
	*) echo "usage: $0 kdir|krelease|kseries|cache|srcdir|bzrelease IMG" >&2; exit 2 ;;
	esac
fi
