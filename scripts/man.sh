#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages: Documentation/man/NAME.SECTION.rst to build/man/NAME.SECTION
# with rst2man (Debian's python3-docutils), and their check.
#
# A page's source may take whole sections of the other documents, so that
# the page cannot drift from them: a comment line
#
#   .. ktcp-include:: FILE TITLE
#
# is replaced by the body of the section titled TITLE (a title underlined
# with =) of Documentation/FILE, up to the next such section. Sphinx's
# :doc:`NAME` becomes Documentation/NAME.rst, which docutils alone knows
# nothing of. ktcp(7) takes the sysctls, the module parameters, the socket
# calls and options this way.
#
# usage: scripts/man.sh build SRC.rst OUT   the page (docutils warnings fatal)
#        scripts/man.sh check PAGE...       each page renders without a
#                                           warning (groff -ww, and man
#                                           --warnings at 80 columns), and
#                                           ktcp.7 has every sysctl and
#                                           parameter of sysctl.rst
set -euo pipefail

KTCP_PROG=man.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

RST2MAN=${RST2MAN:-rst2man}
doc=$KTCP_ROOT/Documentation

# section FILE TITLE: the body of the =-underlined section TITLE.
section() {
	awk -v want="$2" '
		{ line[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				u = line[i + 1]
				top = line[i] != "" && line[i] !~ /^=+$/ &&
				      u ~ /^=+$/ && length(u) >= length(line[i])
				if (top && in_sec)
					exit
				if (top && line[i] == want) {
					in_sec = 1
					found = 1
					i++
					continue
				}
				if (in_sec)
					print line[i]
			}
			if (!found)
				exit 1
		}' "$1" || ktcp_die "no section '$2' in ${1#"$KTCP_ROOT"/}"
}

# expand SRC: SRC with its ktcp-include lines filled in.
expand() {
	local line file title
	while IFS= read -r line; do
		if [[ $line =~ ^\.\.\ ktcp-include::\ ([^ ]+)\ (.+)$ ]]; then
			file=${BASH_REMATCH[1]}
			title=${BASH_REMATCH[2]}
			# shellcheck disable=SC2016 # backquotes of rst, not a command
			section "$doc/$file" "$title" |
				sed 's/:doc:`\([A-Za-z0-9_-]*\)`/Documentation\/\1.rst/g'
		else
			printf '%s\n' "$line"
		fi
	done <"$1"
}

build() {
	local src=$1 out=$2 tmp
	command -v "$RST2MAN" >/dev/null ||
		ktcp_die "$RST2MAN not found (Debian's python3-docutils; scripts/setup.sh installs it)"
	mkdir -p "$(dirname -- "$out")"
	tmp=$out.rst
	expand "$src" >"$tmp"
	"$RST2MAN" --halt=warning --report=warning "$tmp" "$out.tmp"
	# rst2man boxes its tables (|l|l|l|. and a rule between rows): at 80
	# columns the narrow boxed columns cannot be filled without groff
	# warnings. Plain columns, the last one taking what is left, read
	# better in a terminal anyway.
	awk '
		/^\.TS/ { tbl = 1 }
		/^\.TE/ { tbl = 0 }
		tbl && /^\|l(\|l)*\|\.$/ {
			n = gsub(/l/, "l")
			fmt = ""
			for (i = 1; i < n; i++)
				fmt = fmt "l "
			print fmt "lx."
			next
		}
		tbl && /^_$/ { next }
		{ print }' "$out.tmp" >"$out"
	rm -f "$out.tmp"
}

check() {
	local page rc=0 warn n
	for page in "$@"; do
		warn=$(groff -t -man -ww -z "$page" 2>&1) || true
		if command -v man >/dev/null; then
			warn+=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || true
		fi
		if [[ -n $warn ]]; then
			printf '%s: %s renders with warnings:\n%s\n' "$KTCP_PROG" "$page" "$warn"
			rc=1
		fi
		[[ ${page##*/} == ktcp.7 ]] || continue
		# Every sysctl and parameter sysctl.rst documents, in ktcp(7).
		while read -r n; do
			grep -qxE -- "\.SS \"?${n//./\\.}\"?" "$page" || {
				printf '%s: %s: no heading for sysctl %s\n' "$KTCP_PROG" "$page" "$n"
				rc=1
			}
		done < <(section "$doc/sysctl.rst" Sysctls | grep -E '^net\.ktcp\.[a-z0-9_]+$')
		while read -r n; do
			grep -qE -- "^\.SS \"?$n\"?$" "$page" || {
				printf '%s: %s: parameter %s is not in it\n' "$KTCP_PROG" "$page" "$n"
				rc=1
			}
		done < <(section "$doc/sysctl.rst" "Module parameters" | grep -B1 -E '^-+$' | grep -vE '^(-+|--)$')
	done
	((rc == 0)) && printf '%s: ok: %d pages render without warnings\n' "$KTCP_PROG" $#
	return "$rc"
}

case ${1:-} in
build) (($# == 3)) || ktcp_die "usage: man.sh build SRC.rst OUT"; build "$2" "$3" ;;
check) shift; check "$@" ;;
*) sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
