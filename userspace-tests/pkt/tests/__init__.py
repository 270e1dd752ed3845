# SPDX-License-Identifier: GPL-2.0
"""
The packet-level tests, one module a topic in this package: handshake,
reset, data, sack, syncookie, timers, rwin (the receive window and ACK
timing), urgent, timewait, fastopen (TCP Fast Open, the server side),
fastopen_client (its client side).
load() imports them (in name order; each test registers itself with
@test, in file order). Linux 6.12's TCP is the
reference for every expectation: run them with --native to see Linux pass
them.

@test(..., v6=True) registers the test a second time as "<name>_v6", run
over IPv6 (pktlib: AF_INET6 for native TCP, AF_KTCP6 for ktcp). The IPv6
subset covers what differs by family: the SYN's and SYN-ACK's MSS (MTU -
60), data and ACKs, a RST from no socket and RFC 5961's challenge ACK, the
TIME_WAIT socket's answers, SYN cookies (with ECN in the traffic class),
and SACK; the rest of each connection's logic is the same code for both
families. Some tests run over IPv6 alone: flow labels (flowlabel) and
extension headers (exthdr). A test reads its addresses from env.peer_ip and env.ktcp_ip.

Each test gets a fresh topology (pktlib) and an Env: env.start() opens the
scripted peer, env.new_helper() a ktcp_sockctl driving the socket under
test. Only the peer's port numbers and sequence numbers are chosen here;
everything else comes from the socket under test.
"""

import importlib
import pkgutil

from pktlib import (F_FIN, F_RST, F_SYN, TestSkip, check, diag, fmt_times,
                    intervals, run_cmd)

TESTS = []


def test(name, mtu=1500, timeout=90, v6=False, v4=True):
    """Register a test; @v6 also (or, not @v4, only) over IPv6."""
    def deco(f):
        if v4:
            TESTS.append((name, f, {"mtu": mtu, "timeout": timeout,
                                    "family": 4}))
        if v6:
            TESTS.append((name + "_v6", f, {"mtu": mtu, "timeout": timeout,
                                            "family": 6}))
        return f
    return deco


def load():
    """Import every test module here (each registers its tests) once, in
    name order; returns TESTS: (name, function, {mtu, timeout}) tuples."""
    if not TESTS:
        for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            importlib.import_module("%s.%s" % (__name__, m.name))
    return TESTS


MSS_ONLY = [("MSS", 1460)]
# A Linux-style SYN: MSS, SACK-permitted + timestamps, NOP, window scale.
LINUX_SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)),
                  ("NOP", None), ("WScale", 7)]


def need_default_sysctls(env):
    for k in ("net.ipv4.tcp_timestamps", "net.ipv4.tcp_sack",
              "net.ipv4.tcp_window_scaling"):
        v = env.sysinfo.get(k)
        if v is not None and v != "1":
            raise TestSkip("%s is %s in the test namespace, not 1" % (k, v))


def survive(c, h, what):
    """The connection still works both ways."""
    c.send_data(b"alive")
    r = h.cmd("recv 100 3000", 6)
    check(r.ok and r.data() == b"alive",
          "%s: the connection did not survive: recv: %s" % (what, r))
    c.expect(2, lambda s: s.ack == c.snd_nxt and not s.flags & F_RST,
             "the ACK of our data")
    h.must("send 5")
    segs = c.expect_data(5, 3)
    check(b"".join(s.data for s in segs) == b"abcde",
          "%s: unexpected data %r" % (what, b"".join(s.data for s in segs)))
    c.ack()


def collect_rtx(c, first, n, match, what):
    times = [first.time]
    for i in range(n):
        d = intervals(times)
        wait = max(3.0, 3 * d[-1] + 1.0) if d else 3.0
        s = c.expect(wait, match, "%s retransmission %d" % (what, i + 1))
        check(s.seq == first.seq and s.data == first.data and
              s.flags & (F_SYN | F_FIN | F_RST) ==
              first.flags & (F_SYN | F_FIN | F_RST),
              "%s retransmission %d differs from the original: %s "
              "(original %s)" % (what, i + 1, s, first))
        times.append(s.time)
    diag("%s: sent at %s s" % (what, fmt_times([t - times[0]
                                                 for t in times])))
    return times


def counter(env, name):
    """A counter of the test namespace: TcpExt's (native) or ktcp's."""
    path = "/proc/net/netstat" if env.native else "/proc/net/ktcp_snmp"
    out = run_cmd(["ip", "netns", "exec", env.ns_k, "cat", path]).stdout
    lines = out.splitlines()
    if env.native:
        for names, values in zip(lines, lines[1:]):
            if names.startswith("TcpExt:") and values.startswith("TcpExt:"):
                d = dict(zip(names.split()[1:], values.split()[1:]))
                if name in d:
                    return int(d[name])
    else:
        for line in lines:
            w = line.split()
            if len(w) == 2 and w[0] == name:
                return int(w[1])
    raise AssertionError("no counter %s in %s" % (name, path))
