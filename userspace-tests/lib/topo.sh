# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The two-namespace veth topology for shell scripts (capture-check.sh,
# scripts/bench.sh), sourced. The pair itself is set up by
# tools/build/ktcp_topo, from the code the C tests use
# (userspace-tests/lib/topo.c): 198.18.0.1/24 <-> 198.18.0.2/24 (RFC 2544
# benchmarking range), IPv4 only, offloads off, one segment per skb.
# These functions add what only scripts need: named namespaces (so that
# `ip netns exec` can run tcpdump there), a short TIME_WAIT for ktcp, and
# netem through tc.
#
#   KTCP_TOPO   the ktcp_topo binary (default <repo>/tools/build/ktcp_topo)

KTCP_TOPO=${KTCP_TOPO:-$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)/tools/build/ktcp_topo}
# shellcheck disable=SC2034 # for the scripts that source this
KTCP_TOPO_IP_A=198.18.0.1
# shellcheck disable=SC2034
KTCP_TOPO_IP_B=198.18.0.2

# ktcp_topo_up NS_A IF_A NS_B IF_B: two new named namespaces joined by
# the pair (IF_A: 198.18.0.1 in NS_A, IF_B: 198.18.0.2 in NS_B).
ktcp_topo_up() {
	local ns_a=$1 if_a=$2 ns_b=$3 if_b=$4 ns
	# (callers may run this where set -e does not apply: every step checks)
	modprobe -q veth 2>/dev/null || true
	ip netns add "$ns_a" || return 1
	ip netns add "$ns_b" || return 1
	"$KTCP_TOPO" pair "/run/netns/$ns_a" "$if_a" "/run/netns/$ns_b" "$if_b" --wire ||
		return 1
	for ns in "$ns_a" "$ns_b"; do
		# short TIME_WAIT for ktcp sockets (the namespaces go away)
		ip netns exec "$ns" sysctl -q -w net.ktcp.tw_timeout_ms=5000 2>/dev/null || true
	done
}

# ktcp_topo_down NS...: delete the namespaces (and with them the pair).
ktcp_topo_down() {
	local ns
	for ns in "$@"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# ktcp_topo_netem NS IF NETEM...: netem NETEM (words) on IF's egress, or
# no qdisc at all for "-".
ktcp_topo_netem() {
	local ns=$1 ifc=$2
	shift 2
	if [[ $* == - ]]; then
		tc -n "$ns" qdisc del dev "$ifc" root 2>/dev/null || true
		return 0
	fi
	tc -n "$ns" qdisc replace dev "$ifc" root netem "$@"
}
