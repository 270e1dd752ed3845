#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the ktcp build and tests need on Debian bookworm, and unpack
# the kernel source for KUnit and checkpatch. Idempotent and quick (a few
# dpkg-query calls) when everything is already there; quiet unless it has
# something to do.
#
# Environment: KTCP_CACHE (default /var/cache/ktcp) holds the unpacked
# source at $KTCP_CACHE/linux-source-<series> (KTCP_KSERIES in lib.sh: 6.12).
set -euo pipefail

KTCP_PROG=setup.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
	gcc make perl
	"linux-headers-$KTCP_KSERIES-amd64" "linux-image-$KTCP_KSERIES-amd64" "$KTCP_SRC_PKG"
	qemu-system-x86 busybox-static
	flex bison bc libelf-dev libssl-dev dwarves cpio xz-utils kmod python3
	sparse iproute2 tshark python3-scapy tcpdump rsync curl
	# the host's firewall and conntrack on ktcp (userspace-tests/ctstate.c)
	nftables conntrack
	# the ktcp:* tracepoints' bpftrace examples (userspace-tests/tracepoints.c)
	bpftrace
	libmnl-dev	# tools/ktcpstat's netlink
	python3-matplotlib	# charts: ktcpstat --timeline's, make bench's (tools/*-plot.py)
	python3-docutils	# rst2man: the man pages (make man, scripts/man.sh)
	# the acceptance suite's unmodified programs (userspace-tests/acceptance.sh)
	nginx redis-server redis-tools iperf3 sockperf openssh-server
	openssh-client socat netcat-openbsd
	apache2-utils	# ab: nginx's connection rate in make bench (scripts/bench-apps.sh)
)

# Services that those packages would start and enable on the host; the
# tests start their own copies in the VM, with their own configuration.
# PACKAGE:UNIT...
DAEMONS=(nginx:nginx.service redis-server:redis-server.service
	openssh-server:ssh.service:ssh.socket iperf3:iperf3.service
	nftables:nftables.service)

as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		ktcp_die "need root to run: $*"
	fi
}

missing_packages() {
	# dpkg-query prints one line per known package; unknown ones only go
	# to stderr, so compare against the list instead of trusting rc.
	local installed
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
		"${PACKAGES[@]}" 2>/dev/null | awk '$2 == "installed" { print $1 }' || true)
	local p
	for p in "${PACKAGES[@]}"; do
		grep -qxF -- "$p" <<<"$installed" || printf '%s\n' "$p"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages)
	((${#missing[@]})) || return 0
	ktcp_log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -q
	no_daemons_begin
	as_root apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "${missing[@]}"
	no_daemons_end "${missing[@]}"
	mapfile -t missing < <(missing_packages)
	((${#missing[@]} == 0)) || ktcp_die "still missing after install: ${missing[*]}"
}

# Installing a server package must not leave it running or enabled on the
# host. During the install a policy-rc.d that answers 101 ("action
# forbidden", invoke-rc.d(8)) stops maintainer scripts from starting
# anything, with or without systemd; one already there is set aside and
# put back after. Enabling is not covered by the policy (deb-systemd-helper
# and update-rc.d still add their links), so the units of the packages
# installed here (only those: a server the admin installed earlier is left
# alone) are disabled afterwards, which systemctl does offline too.
POLICY=/usr/sbin/policy-rc.d
no_daemons_begin() {
	if [[ -e $POLICY ]]; then
		as_root mv -f "$POLICY" "$POLICY.ktcp-saved"
	fi
	trap no_daemons_restore EXIT
	printf '#!/bin/sh\n# scripts/setup.sh (ktcp): no daemon starts during install\nexit 101\n' |
		as_root tee "$POLICY" >/dev/null
	as_root chmod 755 "$POLICY"
}

no_daemons_restore() {
	as_root rm -f "$POLICY"
	if [[ -e $POLICY.ktcp-saved ]]; then
		as_root mv -f "$POLICY.ktcp-saved" "$POLICY"
	fi
}

no_daemons_end() {	# PACKAGE...: the ones just installed
	local d units u
	no_daemons_restore
	trap - EXIT
	for d in "${DAEMONS[@]}"; do
		grep -qxF -- "${d%%:*}" < <(printf '%s\n' "$@") || continue
		IFS=: read -ra units <<<"${d#*:}"
		for u in "${units[@]}"; do
			if command -v systemctl >/dev/null; then
				as_root systemctl disable --quiet "$u" 2>/dev/null || true
			fi
			if [[ -d /run/systemd/system ]]; then
				as_root systemctl stop "$u" 2>/dev/null || true
			fi
		done
	done
}

# Unpack /usr/src/$KTCP_SRC_PKG.tar.xz (linux-source-6.12.tar.xz) into
# $KTCP_SRCDIR when it is missing or the tarball is newer than our stamp.
# The stamp records the package version; an existing tree without a stamp
# is adopted if its Makefile version matches the package's upstream
# version.
unpack_source() {
	local tarball=/usr/src/$KTCP_SRC_PKG.tar.xz
	local stamp=$KTCP_SRCDIR/.ktcp-unpacked
	local pkgver upstream treever tmp old

	[[ -r $tarball ]] || ktcp_die "$tarball missing (is $KTCP_SRC_PKG installed?)"
	pkgver=$(dpkg-query -W -f='${Version}' "$KTCP_SRC_PKG")
	upstream=${pkgver%%-*}

	if [[ -f $stamp && ! $tarball -nt $stamp &&
	      $(cat "$stamp") == "$pkgver" ]]; then
		return 0
	fi
	if [[ ! -f $stamp && -f $KTCP_SRCDIR/Makefile ]]; then
		treever=$(awk -F' = ' '/^VERSION =/ { v = $2 } /^PATCHLEVEL =/ { p = $2 }
			/^SUBLEVEL =/ { s = $2; exit } END { print v "." p "." s }' \
			"$KTCP_SRCDIR/Makefile")
		if [[ $treever == "$upstream" ]]; then
			printf '%s\n' "$pkgver" >"$stamp"
			return 0
		fi
	fi

	if pgrep -f "kunit.py.*$KTCP_CACHE" >/dev/null; then
		ktcp_die "$KTCP_SRCDIR needs re-unpacking but a kunit.py build is using it; retry when it ends"
	fi
	ktcp_log "unpacking $tarball ($pkgver) into $KTCP_SRCDIR"
	mkdir -p "$KTCP_CACHE"
	tmp=$(mktemp -d "$KTCP_CACHE/.unpack.XXXXXX")
	tar -xf "$tarball" -C "$tmp"
	[[ -f $tmp/$KTCP_SRC_PKG/Makefile ]] || ktcp_die "unexpected layout in $tarball"
	printf '%s\n' "$pkgver" >"$tmp/$KTCP_SRC_PKG/.ktcp-unpacked"
	old=
	if [[ -e $KTCP_SRCDIR ]]; then
		old=$tmp/old
		mv "$KTCP_SRCDIR" "$old"
	fi
	mv "$tmp/$KTCP_SRC_PKG" "$KTCP_SRCDIR"
	rm -rf "$tmp"
}

main() {
	mkdir -p "$KTCP_CACHE"
	exec 9>"$KTCP_CACHE/.setup.lock"
	flock 9
	install_packages
	unpack_source
}

main "$@"
