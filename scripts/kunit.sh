#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run ktcp's KUnit tests: hook module/ into the unpacked Debian kernel source
# as net/ktcp (a symlink, plus one line each in net/Kconfig and net/Makefile,
# added once) and run kunit.py with module/.kunitconfig. The kernel build is
# cached in $KTCP_CACHE/kunit-build (override: KTCP_KUNIT_BUILD) and thrown
# away when the kernel source changes version.
#
# usage: scripts/kunit.sh [extra kunit.py run arguments]
# Prints kunit.py's output (ending in "Testing complete. Ran N tests: ...")
# and exits with kunit.py's status.
set -euo pipefail

KTCP_PROG=kunit.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${KTCP_SKIP_SETUP:-} ]] || "$KTCP_ROOT/scripts/setup.sh"

src=$KTCP_SRCDIR
build=${KTCP_KUNIT_BUILD:-$KTCP_CACHE/kunit-build}
kunitconfig=$KTCP_ROOT/module/.kunitconfig
[[ -f $src/Makefile && -f $src/.ktcp-unpacked ]] || ktcp_die "$src is not unpacked (scripts/setup.sh)"
[[ -f $kunitconfig ]] || ktcp_die "$kunitconfig missing"

# One kunit run per cache at a time, and never next to another kunit.py
# (a warm-up build, say) using the same build dir.
exec 8>"$KTCP_CACHE/.kunit.lock"
flock 8
while pids=$(pgrep -f "kunit.py .*--build_dir=$build( |$)"); do
	ktcp_log "waiting for kunit.py already building in $build (pid ${pids//$'\n'/ })"
	sleep 20
done

# --- hook net/ktcp into the source tree (idempotent) ------------------------

ln -sfn "$KTCP_ROOT/module" "$src/net/ktcp"
kconfig_line='source "net/ktcp/Kconfig"'
if ! grep -qxF "$kconfig_line" "$src/net/Kconfig"; then
	# Inside `if NET`: right after SMC, another socket family, or before
	# the block's endif.
	if grep -qxF 'source "net/smc/Kconfig"' "$src/net/Kconfig"; then
		sed -i "\\|^source \"net/smc/Kconfig\"\$|a $kconfig_line" "$src/net/Kconfig"
	else
		sed -i "0,/^endif[[:space:]]*# if NET\$/s||$kconfig_line\\n&|" "$src/net/Kconfig"
	fi
	grep -qxF "$kconfig_line" "$src/net/Kconfig" || ktcp_die "could not add $kconfig_line to net/Kconfig"
fi
if ! grep -qE '^obj-\$\(CONFIG_KTCP\)[[:space:]]*\+=[[:space:]]*ktcp/[[:space:]]*$' "$src/net/Makefile"; then
	# shellcheck disable=SC2016 # a make variable
	printf 'obj-$(CONFIG_KTCP)\t\t+= ktcp/\n' >>"$src/net/Makefile"
fi

# --- the build dir: keyed by the source's package version -------------------

srcver=$(cat "$src/.ktcp-unpacked")
stamp=$build/.ktcp-source-version
if [[ -d $build ]]; then
	if [[ -f $stamp ]]; then
		[[ $(cat "$stamp") == "$srcver" ]] || {
			ktcp_log "kernel source is now $srcver; discarding $build ($(cat "$stamp"))"
			rm -rf "$build"
		}
	elif [[ -f $build/include/config/kernel.release &&
		$(cat "$build/include/config/kernel.release") != "${srcver%%-*}"* ]]; then
		ktcp_log "$build was built from another kernel source; discarding it"
		rm -rf "$build"
	fi
fi
mkdir -p "$build"
printf '%s\n' "$srcver" >"$stamp"

# --- run --------------------------------------------------------------------

cd "$src"
set +e
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--build_dir="$build" --kunitconfig="$kunitconfig" \
	--jobs="$(nproc)" --timeout=900 "$@"
rc=$?
set -e

# The raw KTAP the kernel printed (kunit.py keeps it as test.log): kept
# with the other logs, and its suite-level results shown.
if [[ -f $build/test.log ]]; then
	mkdir -p "$KTCP_ROOT/build/log"
	cp "$build/test.log" "$KTCP_ROOT/build/log/kunit-ktap.log"
	echo "KTAP suite results (raw log: build/log/kunit-ktap.log):"
	sed -n 's/^.*\] //; /^\(not \)\{0,1\}ok [0-9]/p' "$build/test.log" | sed 's/^/  /'
	# kunit.py only judges test results; a WARNING, lockdep splat or
	# KASAN report outside a failing case would pass unnoticed.
	if grep -Eq "$KTCP_KERNEL_ERROR_RE" "$build/test.log"; then
		ktcp_log "FAIL: the KUnit kernel logged errors (see build/log/kunit-ktap.log):"
		first=$(grep -Enm1 "$KTCP_KERNEL_ERROR_RE" "$build/test.log" | cut -d: -f1)
		start=$((first > 3 ? first - 3 : 1))
		sed -n "${start},$((first + 30))p" "$build/test.log" >&2
		((rc)) || rc=1
	fi
fi
exit "$rc"
