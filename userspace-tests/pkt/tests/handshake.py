# SPDX-License-Identifier: GPL-2.0
"""SYN options and simultaneous open."""

import struct

from pktlib import (F_ACK, F_RST, F_SYN, Conn, check, diag, flagstr,
                    seq_add)
from tests import test, MSS_ONLY, LINUX_SYN_OPTS, need_default_sysctls, survive


def ilog2(x):
    return x.bit_length() - 1


def expected_wscale(env):
    """Linux's tcp_select_initial_window() for the default buffers: scale
    for max(tcp_rmem[2], rmem_max) (and the default receive buffer,
    tcp_rmem[1]), clamped to 0..14."""
    rmem = [int(x) for x in env.sysinfo.get("net.ipv4.tcp_rmem",
                                            "4096 131072 6291456").split()]
    rmem_max = int(env.sysinfo.get("net.core.rmem_max", "212992"))
    space = min(max(rmem[1], rmem[2], rmem_max), 65535 << 14)
    return max(0, min(14, ilog2(space) - 15))


def opt_problems(o, mss, ws, tsecr):
    """Differences between option bytes @o and Linux's SYN layout
    [2,4,mss][4,2][8,10,tsval,tsecr][1][3,3,ws]; tsecr None: any."""
    def got(a, b):
        return o[a:b].hex() if len(o) >= b else "missing"
    p = []
    if o[0:4] != bytes([2, 4, mss >> 8, mss & 0xff]):
        p.append("MSS %s, expected 0204%04x" % (got(0, 4), mss))
    if o[4:6] != b"\x04\x02":
        p.append("bytes 4-5 %s, expected 0402 (SACK permitted)" % got(4, 6))
    if o[6:8] != b"\x08\x0a":
        p.append("bytes 6-15 %s, expected 080a + TSval + TSecr" % got(6, 16))
    elif tsecr is not None and o[12:16] != struct.pack("!I", tsecr):
        p.append("TSecr %s, expected %08x" % (got(12, 16), tsecr))
    if o[16:17] != b"\x01":
        p.append("byte 16 %s, expected 01 (NOP)" % got(16, 17))
    if o[17:20] != bytes([3, 3, ws]):
        p.append("bytes 17-19 %s, expected 0303%02x (window scale %d)" %
                 (got(17, 20), ws, ws))
    if len(o) != 20:
        p.append("%d option bytes (%s), expected 20" % (len(o), o.hex()))
    return p


# --------------------------------------------------------------------------
# 1. SYN options
# --------------------------------------------------------------------------

@test("syn_options", mtu=1400, v6=True)
def t_syn_options(env):
    """ktcp's SYN: [2,4,mss][4,2][8,10,tsval,0][1][3,3,ws], MSS = MTU - 40
    (MTU - 60 over IPv6), wscale as Linux picks it for the default
    buffers."""
    need_default_sysctls(env)
    peer = env.start()
    h = env.new_helper()
    pp = env.port()
    h.must("connect_nb %s %d" % (env.peer_ip, pp))
    syn = peer.expect(5, lambda s: s.dport == pp and s.has(F_SYN), "a SYN")
    peer.send(pp, syn.sport, "RA", 0, seq_add(syn.seq, 1), 0)
    r = h.cmd("wait_connect 3000", 6)
    diag("connect after our RST: %s" % r)
    mss, ws = env.mtu_mss, expected_wscale(env)
    diag("expected: mss %d, wscale %d; got options %s" %
         (mss, ws, syn.opts.hex()))
    p = []
    if syn.flags != F_SYN:
        p.append("flags %s, expected S" % flagstr(syn.flags))
    p += opt_problems(syn.opts, mss, ws, 0)
    check(not p, "SYN options: " + "; ".join(p))


@test("synack_options", mtu=1400, v6=True)
def t_synack_options(env):
    """A listener's SYN-ACK to a Linux-style SYN carries the same layout
    (TSecr = the SYN's TSval); to an MSS-only SYN, the MSS alone."""
    need_default_sysctls(env)
    peer = env.start()
    h = env.new_helper()
    h.must("listen 7000")
    mss, ws = env.mtu_mss, expected_wscale(env)
    p = []

    c = Conn(peer, env.port(), 7000, 0x30000000)
    c.send("S", seq=c.iss, options=LINUX_SYN_OPTS)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "a SYN-ACK")
    c.send("R", seq=c.snd_nxt)
    diag("SYN-ACK to a full SYN: options %s" % sa.opts.hex())
    p += ["full SYN: " + x for x in opt_problems(sa.opts, mss, ws, 12345)]

    c = Conn(peer, env.port(), 7000, 0x31000000)
    c.send("S", seq=c.iss, options=MSS_ONLY)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "a SYN-ACK")
    c.send("R", seq=c.snd_nxt)
    diag("SYN-ACK to an MSS-only SYN: options %s" % sa.opts.hex())
    if sa.opts != bytes([2, 4, mss >> 8, mss & 0xff]):
        p.append("MSS-only SYN: options %s, expected 0204%04x alone" %
                 (sa.opts.hex(), mss))
    check(not p, "SYN-ACK options: " + "; ".join(p))


# --------------------------------------------------------------------------
# 9. Simultaneous open
# --------------------------------------------------------------------------

def simultaneous_open(env, strict):
    """The socket connects from a known port; the peer's bare SYN crosses
    its SYN: SYN_SENT + SYN -> SYN_RECV and a SYN-ACK with the same ISN.
    Then @strict: the peer's own SYN-ACK (RFC 9293 figure 8) must complete
    the connection, as in Linux (tcp_validate_incoming() lets that SYN-ACK
    through in SYN_RECV instead of challenging it). Not @strict: a plain
    ACK completes it (the peer's SYN-ACK was lost)."""
    peer = env.start()
    h = env.new_helper()
    lport, pp = 40100, env.port()
    h.must("bind %s %d" % (env.ktcp_ip, lport))
    h.must("connect_nb %s %d" % (env.peer_ip, pp))
    syn = peer.expect(5, lambda s: s.dport == pp and s.has(F_SYN), "a SYN")
    check(syn.sport == lport, "SYN from port %d, bound %d" %
          (syn.sport, lport))
    c = Conn(peer, pp, lport, 0x50000000, irs=syn.seq)
    c.send("S", seq=c.iss, ack=0, options=MSS_ONLY)
    sa = c.expect(3, lambda s: not (s.flags == F_SYN and s.seq == syn.seq),
                  "a SYN-ACK")
    check(sa.flags & (F_SYN | F_ACK | F_RST) == F_SYN | F_ACK and
          sa.seq == syn.seq and sa.ack == c.snd_nxt,
          "expected SYN-ACK seq %u ack %u, got %s" %
          (syn.seq, c.snd_nxt, sa))
    if strict:
        c.send("SA", seq=c.iss, ack=c.rcv_nxt, options=MSS_ONLY)
    else:
        c.ack()
    # Before the SYN-ACK's retransmission, 1 s after the SYN.
    r = h.cmd("wait_connect 600", 4)
    after = [s for s in c.peer.drain(0.2) if c.mine(s)]
    for s in after:
        diag("then: %s" % s)
    check(not any(s.flags & F_RST for s in after), "RST after the handshake")
    if strict and not r.ok:
        diag("not established on our SYN-ACK (%s); sending a plain ACK" % r)
        c.ack()
        r2 = h.cmd("wait_connect 3000", 6)
        diag("after a plain ACK: %s" % r2)
        check(False, "our SYN-ACK in SYN_RECV did not complete the "
              "connection (Linux's does; it was %s)" %
              ("challenged, a plain ACK then did" if r2.ok else
               "not completed even by a plain ACK: %s" % r2))
    check(r.ok, "connect did not complete: %s" % r)
    survive(c, h, "simultaneous open")


@test("simultaneous_open")
def t_simultaneous_open(env):
    """Crossed SYNs, then a plain ACK completes the connection."""
    simultaneous_open(env, strict=False)


@test("simultaneous_open_synack")
def t_simultaneous_open_synack(env):
    """Crossed SYNs, then the peer's SYN-ACK completes the connection (RFC
    9293 figure 8, Linux)."""
    simultaneous_open(env, strict=True)


@test("syn_timeout_once_window", timeout=60)
def t_syn_timeout_once_window(env):
    """The peer answers only the retransmitted SYN (one SYN timeout at
    about 1 s). Linux's tcp_init_transfer() keeps the initial window of 10
    segments after a single SYN retransmission (1 segment only after more
    than one), so 8 segments leave at once, long before an RTO."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1000)], synack_delay=1.6)
    h.must("send 8000")
    segs = c.expect_data(8000, 0.8)
    check(len(segs) == 8 and all(s.len == 1000 for s in segs),
          "expected 8 segments of 1000 bytes, got %s" %
          [s.len for s in segs])
    c.ack()
    c.expect_none(0.5, lambda s: s.len > 0, "data after everything was acked")
