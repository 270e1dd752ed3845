#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the documentation names exactly what the code defines:
#
#   sysctls     .procname of the ctl_table arrays in module/sysctl.c, against
#               the "net.ktcp.NAME" headings under "Sysctls" in
#               Documentation/sysctl.rst and the user guide's mentions
#   parameters  module_param*() and MODULE_PARM_DESC() in module/*.c, against
#               the headings under "Module parameters" in sysctl.rst and the
#               user guide's mentions (every parameter must also have a
#               MODULE_PARM_DESC)
#   tracepoints the events of module/trace.h (TRACE_EVENT and DEFINE_EVENT
#               names), against the "ktcp:NAME" headings under "Events" in
#               Documentation/tracepoints.rst
#   counters    the names in module/mib.c's ktcp_mib_names[] (one for every
#               enum ktcp_mib_field member in module/mib.h but KTCP_MIB_MAX),
#               in /proc/net/ktcp_snmp order, against the first table of
#               Documentation/counters.rst, row by row in the same order
#
# Every net.ktcp.NAME, /sys/module/ktcp/parameters/NAME and
# "insmod ... ktcp.ko NAME=..." anywhere in Documentation/*.rst and README
# must name something that exists, and so must every ``name.c``/``name.h``
# (a file of module/) and ktcp_name() (a function of the module) named in
# Documentation/*.rst, so that a refactor cannot leave the design stale.
# The C sources are read with their
# comments removed (gcc -fpreprocessed), so a commented-out definition does
# not count. Each problem is printed on a line of its own, naming the item;
# the exit status is 1 if there was any.
#
# usage: scripts/check-docs.sh [--root DIR] [--self-test]
#   --root DIR   check the tree at DIR (default: this checkout)
#   --self-test  copy the tree to a temporary directory, check that the copy
#                passes, then that each of a few edits (an item dropped from
#                a document, an item added to one, an undocumented item added
#                to the code, a counter left unnamed, two counter rows
#                swapped, a file and a function that do not exist named in
#                the design) makes the check fail and name the item
set -euo pipefail

KTCP_PROG=check-docs.sh
# shellcheck source=scripts/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

# c_flat FILE: FILE without comments, on one line (definitions may wrap).
c_flat() {
	gcc -fpreprocessed -dD -E -P -x c "$1" | tr '\n\t' '  '
}

# --- what the code defines ----------------------------------------------------

code_sysctls() {
	c_flat "$1/module/sysctl.c" | perl -ne '
		while (/\bctl_table\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;/g) {
			my $body = $1;
			print "$1\n" while $body =~ /\.procname\s*=\s*"([^"]+)"/g;
		}'
}

# One line per definition: "param NAME FILE" or "desc NAME FILE".
code_param_defs() {
	local f
	for f in "$1"/module/*.c; do
		c_flat "$f" | F=${f##*/} perl -ne '
			print "param $1 $ENV{F}\n"
				while /\bmodule_param(?:_[a-z_]+)?\s*\(\s*(\w+)\s*,/g;
			print "desc $1 $ENV{F}\n"
				while /\bMODULE_PARM_DESC\s*\(\s*(\w+)\s*,/g;'
	done
}

# The enum ktcp_mib_field members but KTCP_MIB_MAX, in order.
code_mib_enum() {
	c_flat "$1/module/mib.h" | perl -ne '
		if (/\benum\s+ktcp_mib_field\s*\{(.*?)\}/) {
			for (split /,/, $1) {
				s/=.*//; s/^\s+|\s+$//g;
				print "$_\n" if length && $_ ne "KTCP_MIB_MAX";
			}
		}'
}

# "KTCP_MIB_X Name" for each entry of ktcp_mib_names[].
code_mib_names() {
	c_flat "$1/module/mib.c" | perl -ne '
		if (/\bktcp_mib_names\s*\[[^\]]*\]\s*=\s*\{(.*?)\}\s*;/) {
			my $body = $1;
			print "$1 $2\n"
				while $body =~ /\[\s*(\w+)\s*\]\s*=\s*"([^"]*)"/g;
		}'
}

# The events module/trace.h defines: TRACE_EVENT(name, and
# DEFINE_EVENT(class, name,.
code_tracepoints() {
	c_flat "$1/module/trace.h" | perl -ne '
		print "$1\n" while /\bTRACE_EVENT\(\s*(\w+)\s*,/g;
		print "$1\n" while /\bDEFINE_EVENT\(\s*\w+\s*,\s*(\w+)\s*,/g;'
}

# --- what the documents say ---------------------------------------------------

# rst_subsections FILE SECTION: the titles of the subsections (underlined
# with -) of the section (underlined with =) titled SECTION.
rst_subsections() {
	awk -v want="$2" '
		{ line[NR] = $0 }
		END {
			for (i = 1; i < NR; i++) {
				u = line[i + 1]
				if (line[i] == "" || length(u) < length(line[i]))
					continue
				if (u ~ /^=+$/)
					in_sec = (line[i] == want)
				else if (u ~ /^-+$/ && in_sec)
					print line[i]
			}
		}' "$1"
}

# The first column of the first table in counters.rst's /proc/net/ktcp_snmp
# section: rows between the second and third border, continuation lines
# (indented) left out.
doc_counters() {
	awk '
		/^=+$/ && prev == "/proc/net/ktcp_snmp" { in_sec = 1 }
		{ prev = $0 }
		!in_sec { next }
		/^=+( +=+)+ *$/ { border++; if (border == 3) exit; next }
		border == 2 && /^[^ ]/ { print $1 }' "$1/Documentation/counters.rst"
}

# Names that the documents use anywhere: "KIND NAME FILE" lines.
doc_mentions() {
	local f
	for f in "$1"/Documentation/*.rst "$1"/README; do
		[[ -f $f ]] || continue
		F=${f#"$1"/} perl -ne '
			print "sysctl $1 $ENV{F}\n" while /\bnet\.ktcp\.(\w+)/g;
			print "param $1 $ENV{F}\n"
				while m{/sys/module/ktcp/parameters/(\w+)}g;
			if (/\bktcp\.ko((?:\s+\[?\w+=\S*)+)/) {
				my $args = $1;
				print "param $1 $ENV{F}\n" while $args =~ /(\w+)=/g;
			}' "$f"
	done
}

# --- the check ----------------------------------------------------------------

# ``name.c`` and ``name.h`` (no directory) in the rst files: module/ files.
doc_source_files() {
	grep -ohE '``[a-z0-9_]+\.[ch]``' "$1"/Documentation/*.rst | tr -d '`' | sort -u
}

# ktcp_name() in the rst files: functions of the module.
doc_functions() {
	grep -ohE '\bktcp_[a-z0-9_]+\(\)' "$1"/Documentation/*.rst | tr -d '()' | sort -u
}

problems=0
problem() {
	printf '%s: %s\n' "$KTCP_PROG" "$*"
	problems=$((problems + 1))
}

# in_list WORD LIST: is WORD one of LIST's lines?
in_list() { grep -qxF -- "$1" <<<"$2"; }

check_tree() {
	local root=$1 c_sysctls d_sysctls c_params d_params defs enum names
	local c_counters d_counters guide n mentions kind name file c_tps d_tps
	local -A mib_name=()

	problems=0
	guide=$root/Documentation/user-guide.rst

	# Sysctls.
	c_sysctls=$(code_sysctls "$root" | sort -u)
	d_sysctls=$(rst_subsections "$root/Documentation/sysctl.rst" Sysctls |
		sed -n 's/^net\.ktcp\.\([A-Za-z0-9_]*\)$/\1/p' | sort -u)
	[[ -n $c_sysctls ]] || problem "found no sysctl in module/sysctl.c (has its table changed shape?)"
	[[ -n $d_sysctls ]] || problem "found no net.ktcp.NAME heading under \"Sysctls\" in Documentation/sysctl.rst"
	for n in $c_sysctls; do
		in_list "$n" "$d_sysctls" ||
			problem "sysctl net.ktcp.$n: in module/sysctl.c, not documented in Documentation/sysctl.rst"
		grep -qF -- "net.ktcp.$n" "$guide" ||
			problem "sysctl net.ktcp.$n: in module/sysctl.c, not mentioned in Documentation/user-guide.rst"
	done
	for n in $d_sysctls; do
		in_list "$n" "$c_sysctls" ||
			problem "sysctl net.ktcp.$n: documented in Documentation/sysctl.rst, not in module/sysctl.c"
	done

	# Module parameters.
	defs=$(code_param_defs "$root")
	c_params=$(awk '$1 == "param" { print $2 }' <<<"$defs" | sort -u)
	d_params=$(rst_subsections "$root/Documentation/sysctl.rst" "Module parameters" | sort -u)
	[[ -n $c_params ]] || problem "found no module_param*() in module/*.c"
	[[ -n $d_params ]] || problem "found no heading under \"Module parameters\" in Documentation/sysctl.rst"
	while read -r kind name file; do
		[[ -n $kind ]] || continue
		if [[ $kind == param ]]; then
			grep -qx "desc $name .*" <<<"$defs" ||
				problem "parameter $name: module_param in module/$file has no MODULE_PARM_DESC"
		else
			grep -qx "param $name .*" <<<"$defs" ||
				problem "parameter $name: MODULE_PARM_DESC in module/$file, but no module_param"
		fi
	done <<<"$defs"
	for n in $c_params; do
		in_list "$n" "$d_params" ||
			problem "parameter $n: in module/$(awk -v n="$n" '$1 == "param" && $2 == n { print $3; exit }' <<<"$defs"), not documented in Documentation/sysctl.rst"
		grep -qw -- "$n" "$guide" ||
			problem "parameter $n: in the module, not mentioned in Documentation/user-guide.rst"
	done
	for n in $d_params; do
		in_list "$n" "$c_params" ||
			problem "parameter $n: documented in Documentation/sysctl.rst, not in module/*.c"
	done

	# Tracepoints.
	c_tps=$(code_tracepoints "$root" | sort -u)
	d_tps=$(rst_subsections "$root/Documentation/tracepoints.rst" Events |
		sed -n 's/^ktcp:\([a-z0-9_]*\)$/\1/p' | sort -u)
	[[ -n $c_tps ]] || problem "found no event in module/trace.h"
	for n in $c_tps; do
		in_list "$n" "$d_tps" ||
			problem "tracepoint ktcp:$n: in module/trace.h, not documented in Documentation/tracepoints.rst"
	done
	for n in $d_tps; do
		in_list "$n" "$c_tps" ||
			problem "tracepoint ktcp:$n: documented in Documentation/tracepoints.rst, not in module/trace.h"
	done

	# Counters, in /proc/net/ktcp_snmp order (the enum's).
	enum=$(code_mib_enum "$root")
	names=$(code_mib_names "$root")
	[[ -n $enum ]] || problem "found no enum ktcp_mib_field in module/mib.h"
	[[ -n $names ]] || problem "found no ktcp_mib_names[] entries in module/mib.c"
	while read -r kind name; do
		[[ -n $kind ]] || continue
		[[ -z ${mib_name[$kind]:-} ]] ||
			problem "counter $kind: named twice in module/mib.c"
		mib_name[$kind]=$name
		in_list "$kind" "$enum" ||
			problem "counter $name: module/mib.c names $kind, which module/mib.h does not define"
	done <<<"$names"
	c_counters=
	for kind in $enum; do
		if [[ -z ${mib_name[$kind]:-} ]]; then
			problem "counter $kind: in module/mib.h, no name in module/mib.c (/proc/net/ktcp_snmp would print (null))"
			continue
		fi
		c_counters+=${mib_name[$kind]}$'\n'
	done
	c_counters=${c_counters%$'\n'}
	d_counters=$(doc_counters "$root")
	[[ -n $d_counters ]] || problem "found no counter table in Documentation/counters.rst"
	while read -r n; do
		[[ -n $n ]] || continue
		in_list "$n" "$d_counters" ||
			problem "counter $n: in module/mib.c, not documented in Documentation/counters.rst"
	done <<<"$c_counters"
	while read -r n; do
		[[ -n $n ]] || continue
		in_list "$n" "$c_counters" ||
			problem "counter $n: documented in Documentation/counters.rst, not in module/mib.c"
		(($(grep -cxF -- "$n" <<<"$d_counters") == 1)) ||
			problem "counter $n: documented more than once in Documentation/counters.rst"
	done <<<"$d_counters"
	# The table promises /proc/net/ktcp_snmp's order.
	if ((problems == 0)) && [[ $c_counters != "$d_counters" ]]; then
		problem "counters: Documentation/counters.rst lists them in another order than /proc/net/ktcp_snmp: $(paste -d' ' <(printf '%s\n' "$c_counters") <(printf '%s\n' "$d_counters") |
			awk '$1 != $2 { print "row " NR " is " $1 " in /proc, " $2 " in the table"; exit }')"
	fi

	# Mentions anywhere in the documents.
	mentions=$(doc_mentions "$root" | sort -u)
	while read -r kind name file; do
		[[ -n $kind ]] || continue
		case $kind in
		sysctl)
			in_list "$name" "$c_sysctls" ||
				problem "sysctl net.ktcp.$name: mentioned in $file, not in module/sysctl.c" ;;
		param)
			in_list "$name" "$c_params" ||
				problem "parameter $name: mentioned in $file, not in module/*.c" ;;
		esac
	done <<<"$mentions"

	# Source files and functions the documents name must exist (a
	# refactor that renames them must update the documents too).
	while read -r f; do
		[[ -z $f || -e $root/module/$f || -e $root/module/tests/$f ]] ||
			problem "file $f: named in Documentation/, not in module/"
	done < <(doc_source_files "$root")
	while read -r fn; do
		[[ -z $fn ]] || grep -qw -- "$fn" "$root"/module/*.[ch] ||
			problem "function $fn(): named in Documentation/, not in module/"
	done < <(doc_functions "$root")

	if ((problems)); then
		printf '%s: %d problem(s) in %s\n' "$KTCP_PROG" "$problems" "$root"
		return 1
	fi
	printf '%s: ok: %d sysctls, %d parameters, %d counters documented\n' "$KTCP_PROG" \
		"$(wc -w <<<"$c_sysctls")" "$(wc -w <<<"$c_params")" "$(wc -w <<<"$c_counters")"
}

# --- self-test ------------------------------------------------------------------

# expect_fail NAME PATTERN: the check of $copy fails and says PATTERN.
expect_fail() {
	local what=$1 pattern=$2 out
	if out=$(check_tree "$copy" 2>&1); then
		ktcp_log "self-test FAILED: $what: the check passed"
		return 1
	fi
	if ! grep -qF -- "$pattern" <<<"$out"; then
		ktcp_log "self-test FAILED: $what: the check failed without naming '$pattern':"
		printf '%s\n' "$out" >&2
		return 1
	fi
	printf '%s: self-test ok: %s -> %s\n' "$KTCP_PROG" "$what" \
		"$(grep -F -m1 -- "$pattern" <<<"$out")"
}

# restore: the copy back to the tree's state.
restore() {
	rm -rf "$copy"
	mkdir -p "$copy"
	mkdir -p "$copy/module"
	cp "$root"/module/*.[ch] "$copy/module/"
	cp -r "$root/Documentation" "$copy/"
	[[ ! -f $root/README ]] || cp "$root/README" "$copy/"
}

self_test() {
	local rc=0 first
	copy=$(mktemp -d "${TMPDIR:-/tmp}/ktcp-check-docs.XXXXXX")
	trap 'rm -rf "$copy"' EXIT

	restore
	if ! check_tree "$copy" >/dev/null; then
		ktcp_log "self-test: the unmodified copy does not pass; fix that first:"
		check_tree "$copy" >&2 || true
		return 1
	fi

	# A counter row dropped from counters.rst.
	first=$(doc_counters "$copy" | sed -n 2p)
	perl -i -ne "print unless /^\Q$first\E\s/" "$copy/Documentation/counters.rst"
	expect_fail "counter row $first removed from counters.rst" \
		"counter $first: in module/mib.c, not documented" || rc=1

	# A sysctl documented that the code does not have.
	restore
	printf '\nnet.ktcp.bogus_ms\n-----------------\n\nNot real.\n' >>"$copy/Documentation/sysctl.rst.tmp"
	awk -v add="$(cat "$copy/Documentation/sysctl.rst.tmp")" '
		/^Fixed values$/ && !done { print add; print ""; done = 1 } { print }' \
		"$copy/Documentation/sysctl.rst" >"$copy/Documentation/sysctl.rst.new"
	mv "$copy/Documentation/sysctl.rst.new" "$copy/Documentation/sysctl.rst"
	rm -f "$copy/Documentation/sysctl.rst.tmp"
	expect_fail "heading net.ktcp.bogus_ms added to sysctl.rst" \
		"sysctl net.ktcp.bogus_ms: documented in Documentation/sysctl.rst, not in module/sysctl.c" || rc=1

	# A stale mention in the user guide.
	restore
	# shellcheck disable=SC2016 # rst literal, not a command substitution
	printf '\nSee %s.\n' '``net.ktcp.gone_ms``' >>"$copy/Documentation/user-guide.rst"
	expect_fail "net.ktcp.gone_ms mentioned in user-guide.rst" \
		"sysctl net.ktcp.gone_ms: mentioned in Documentation/user-guide.rst" || rc=1

	# A module parameter added to the code, undocumented.
	restore
	printf '\nstatic int ktcp_selftest_knob;\nmodule_param_named(selftest_knob,\n\t\t   ktcp_selftest_knob, int, 0444);\nMODULE_PARM_DESC(selftest_knob, "x");\n' \
		>>"$copy/module/main.c"
	expect_fail "module_param selftest_knob added to main.c" \
		"parameter selftest_knob: in module/main.c, not documented in Documentation/sysctl.rst" || rc=1

	# A commented-out sysctl does not count: its heading is then stale.
	restore
	perl -0777 -i -pe 's/\.procname(\s*=\s*"fin_timeout")/\/\* .procname$1 \*\/ .data = NULL/' \
		"$copy/module/sysctl.c"
	expect_fail "fin_timeout commented out in sysctl.c" \
		"sysctl net.ktcp.fin_timeout: documented in Documentation/sysctl.rst, not in module/sysctl.c" || rc=1

	# Two counter rows swapped: /proc order no longer kept.
	restore
	perl -0777 -i -pe 's/^(InErrs .*?\n)(InCsumErrors .*?\n)/$2$1/ms' \
		"$copy/Documentation/counters.rst"
	expect_fail "counter rows InErrs and InCsumErrors swapped" \
		"another order than /proc/net/ktcp_snmp" || rc=1

	# A counter in the enum without a name.
	restore
	perl -i -ne 'print unless /^\s*\[KTCP_MIB_NOMEM\]\s*=/' "$copy/module/mib.c"
	expect_fail "KTCP_MIB_NOMEM's name removed from mib.c" \
		"counter KTCP_MIB_NOMEM: in module/mib.h, no name in module/mib.c" || rc=1

	# A renamed file and function still named in the design.
	restore
	# shellcheck disable=SC2016 # rst literals
	printf '\n``gone.c`` holds ``ktcp_gone_fn()``.\n' >>"$copy/Documentation/design.rst"
	expect_fail "gone.c named in design.rst" \
		"file gone.c: named in Documentation/, not in module/" || rc=1
	expect_fail "ktcp_gone_fn() named in design.rst" \
		"function ktcp_gone_fn(): named in Documentation/, not in module/" || rc=1

	if ((rc)); then
		ktcp_log "self-test FAILED"
		return 1
	fi
	printf '%s: self-test passed\n' "$KTCP_PROG"
}

root=$KTCP_ROOT
selftest=0
while (($#)); do
	case $1 in
	--root) root=$2; shift 2 ;;
	--self-test) selftest=1; shift ;;
	-h | --help) sed -n '/^# usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	*) ktcp_die "unknown argument '$1' (see --help)" ;;
	esac
done
command -v gcc >/dev/null || ktcp_die "gcc is needed (scripts/setup.sh installs it)"
command -v perl >/dev/null || ktcp_die "perl is needed (scripts/setup.sh installs it)"

if ((selftest)); then
	self_test
else
	check_tree "$root"
fi
