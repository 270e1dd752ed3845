#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, lockdep, kmemleak, debugobjects, UBSAN...;
# scripts/debug-kernel.config) from the unpacked linux-source-6.12, and
# ktcp.ko against it, for scripts/vm.sh --kernel/--modules-dir/--ktcp.
#
# usage: scripts/debug-kernel.sh [build|paths]
#   build (default)  build what is out of date, then print the paths
#   paths            print the paths only (no build; fails if missing)
#
# Paths printed on stdout, one KEY=VALUE line each, the value as is (no
# quoting: read it up to the end of the line, never eval it):
#   KERNEL=<bzImage>  MODULES_DIR=<dir with modules.dep>  KTCP_KO=<ktcp.ko>
#   RELEASE=<uname -r of the debug kernel>
#
# The kernel is `make alldefconfig` plus the fragment, built with O= in
# $KTCP_CACHE/debug-build-<linux-source version> (one per source version;
# older ones are removed). The .config is regenerated every run into a
# side file and only replaces .config when it differs, so a fragment edit
# rebuilds incrementally and an unchanged one rebuilds nothing. Its modules
# (and modules.builtin, which makes `modprobe veth` succeed for built-in
# veth) are installed under <build>/modroot. 9p/virtio are built in.
#
# ktcp.ko: the repo's Kbuild and module/ are copied (only changed files
# are rewritten) to $KTCP_DEBUG_KTCP (default $KTCP_CACHE/debug-ktcp: a
# second tree built while a debug VM runs needs its own) and built there with
# `make -C <build> M=...` (6.12 has no MO=), so module/ktcp.ko, built for
# Debian's kernel, is untouched. W=1, warnings are errors, as in `make`.
# A kernel rebuild (other .config or Module.symvers) starts it afresh.
#
# Environment: KTCP_CACHE, KTCP_SKIP_SETUP, KTCP_DEBUG_BUILD (the build dir),
# KTCP_DEBUG_KTCP (ktcp.ko's build dir), KTCP_DEBUG_JOBS (default nproc).
set -euo pipefail

KTCP_PROG=debug-kernel.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

mode=${1:-build}
case $mode in
build | paths) ;;
*) echo "usage: $0 [build|paths]" >&2; exit 2 ;;
esac

src=$KTCP_SRCDIR
fragment=$KTCP_ROOT/scripts/debug-kernel.config
[[ -f $fragment ]] || ktcp_die "$fragment missing"
if [[ $mode == build && -z ${KTCP_SKIP_SETUP:-} ]]; then
	"$KTCP_ROOT/scripts/setup.sh"
fi
[[ -f $src/Makefile && -f $src/.ktcp-unpacked ]] || ktcp_die "$src is not unpacked (scripts/setup.sh)"
srcver=$(cat "$src/.ktcp-unpacked")
build=${KTCP_DEBUG_BUILD:-$KTCP_CACHE/debug-build-${srcver//[^A-Za-z0-9.+-]/_}}
modroot=$build/modroot
kbuild=${KTCP_DEBUG_KTCP:-$KTCP_CACHE/debug-ktcp}
jobs=${KTCP_DEBUG_JOBS:-$(nproc)}

print_paths() {
	local rel
	rel=$(cat "$build/include/config/kernel.release" 2>/dev/null) ||
		ktcp_die "the debug kernel is not built ($build)"
	[[ -f $build/arch/x86/boot/bzImage && -f $modroot/lib/modules/$rel/modules.dep &&
		-f $kbuild/module/ktcp.ko ]] || ktcp_die "the debug kernel or its ktcp.ko is not built"
	printf 'KERNEL=%s\nMODULES_DIR=%s\nKTCP_KO=%s\nRELEASE=%s\n' \
		"$build/arch/x86/boot/bzImage" "$modroot/lib/modules/$rel" \
		"$kbuild/module/ktcp.ko" "$rel"
}

if [[ $mode == paths ]]; then
	print_paths
	exit 0
fi

# One build per cache at a time.
mkdir -p "$KTCP_CACHE"
exec 7>"$KTCP_CACHE/.debug-kernel.lock"
flock 7

# Everything below logs to stderr; stdout carries only the paths.
exec 3>&1 1>&2

# net/Kconfig may source net/ktcp/Kconfig (scripts/kunit.sh hooks it in,
# as a symlink to some checkout's module/); Kconfig fails if that checkout
# is gone. CONFIG_KTCP stays unset here whatever the link points to.
if grep -qxF 'source "net/ktcp/Kconfig"' "$src/net/Kconfig" && [[ ! -e $src/net/ktcp/Kconfig ]]; then
	ln -sfn "$KTCP_ROOT/module" "$src/net/ktcp"
fi

# --- the build dir: one per source version -----------------------------------

for d in "$KTCP_CACHE"/debug-build-*; do
	[[ -d $d && $d != "$build" ]] || continue
	ktcp_log "removing $d (another kernel source version)"
	rm -rf "$d"
done
mkdir -p "$build"
printf '%s\n' "$srcver" >"$build/.ktcp-source-version"

# --- .config ------------------------------------------------------------------

t0=$SECONDS
kmake() { make -C "$src" O="$build" "$@"; }
kmake -s KCONFIG_ALLCONFIG="$fragment" KCONFIG_CONFIG=.config.ktcp-new alldefconfig
new=$build/.config.ktcp-new
# Every line of the fragment must have survived (a dependency can drop it).
bad=0
while IFS= read -r line; do
	case $line in
	'# CONFIG_'*' is not set')
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$new"; then
			ktcp_log "config: $sym is set though the fragment says '$line'"
			bad=1
		fi
		;;
	CONFIG_*)
		if ! grep -qxF -- "$line" "$new"; then
			ktcp_log "config: '$line' did not survive: $(grep -E "^(# )?${line%%=*}[= ]" "$new" || echo absent)"
			bad=1
		fi
		;;
	esac
done <"$fragment"
if grep -q '^CONFIG_KTCP=' "$new"; then
	ktcp_log "config: CONFIG_KTCP must stay unset in the debug kernel"
	bad=1
fi
((bad == 0)) || ktcp_die "$fragment does not apply to $srcver; see above"
if cmp -s "$new" "$build/.config"; then
	rm -f "$new"
else
	[[ -f $build/.config ]] && ktcp_log "the debug kernel config changed; rebuilding what it affects"
	mv "$new" "$build/.config"
fi

# --- kernel and modules --------------------------------------------------------

ktcp_log "building the debug kernel in $build (-j$jobs)"
kmake -j"$jobs" bzImage modules
rel=$(cat "$build/include/config/kernel.release")
[[ $rel == *-ktcpdebug* ]] || ktcp_die "unexpected debug kernel release '$rel'"
if [[ ! -f $modroot/lib/modules/$rel/modules.dep ||
	$build/arch/x86/boot/bzImage -nt $modroot/lib/modules/$rel/modules.dep ||
	$build/modules.order -nt $modroot/lib/modules/$rel/modules.dep ]]; then
	rm -rf "$modroot"
	kmake -s INSTALL_MOD_PATH="$modroot" modules_install
	# The 'build' link points into the cache; nothing in the VM needs it.
	rm -f "$modroot/lib/modules/$rel/build"
fi
[[ -f $modroot/lib/modules/$rel/modules.builtin ]] || ktcp_die "modules_install left no modules.builtin"
ktcp_log "debug kernel $rel ready ($((SECONDS - t0)) s)"

# --- ktcp.ko against it --------------------------------------------------------

t0=$SECONDS
key=$(cat "$build/.config" "$build/Module.symvers" | sha256sum | cut -c1-16)
if [[ $(cat "$kbuild/.kernel-key" 2>/dev/null) != "$key" ]]; then
	rm -rf "$kbuild"
	mkdir -p "$kbuild"
	printf '%s\n' "$key" >"$kbuild/.kernel-key"
fi
# Content compare, no times kept: only changed sources get a new mtime.
rsync -rl --checksum --delete \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='.*.d' --exclude='modules.order' --exclude='*.a' \
	--exclude='Module.symvers' --exclude='.kernel-key' --exclude='*.log' \
	--include='/Kbuild' --include='/module/***' --exclude='*' \
	"$KTCP_ROOT/" "$kbuild/"
log=$kbuild/kbuild.log
set +e
make -C "$build" M="$kbuild" W=1 KCFLAGS=-Werror -j"$jobs" modules 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
((rc == 0)) || ktcp_die "ktcp.ko did not build against the debug kernel (log: $log)"
if grep -Ein '(^|[^a-z_])warning:' "$log"; then
	ktcp_die "warnings in the ktcp build against the debug kernel (W=1 is fatal here)"
fi
ktcp_log "ktcp.ko for $rel ready ($((SECONDS - t0)) s)"

exec 1>&3 3>&-
print_paths
