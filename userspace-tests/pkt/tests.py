# SPDX-License-Identifier: GPL-2.0
"""
The packet-level tests, in run order. Linux 6.12's TCP is the reference for
every expectation: run them with --native to see Linux pass them.

Each test gets a fresh topology (pktlib) and an Env: env.start() opens the
scripted peer, env.new_helper() a ktcp_sockctl driving the socket under
test. Only the peer's port numbers and sequence numbers are chosen here;
everything else comes from the socket under test.
"""

import struct
import time

from pktlib import (F_ACK, F_FIN, F_RST, F_SYN, PEER_IP, KTCP_IP, Conn,
                    TestSkip, check, check_backoff, diag, flagstr, fmt_times,
                    intervals, seq_add)

TESTS = []


def test(name, mtu=1500, timeout=90):
    def deco(f):
        TESTS.append((name, f, {"mtu": mtu, "timeout": timeout}))
        return f
    return deco


MSS_ONLY = [("MSS", 1460)]
# A Linux-style SYN: MSS, SACK-permitted + timestamps, NOP, window scale.
LINUX_SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)),
                  ("NOP", None), ("WScale", 7)]


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

@test("syn_options", mtu=1400)
def t_syn_options(env):
    """ktcp's SYN: [2,4,mss][4,2][8,10,tsval,0][1][3,3,ws], MSS = MTU - 40,
    wscale as Linux picks it for the default buffers."""
    need_default_sysctls(env)
    peer = env.start()
    h = env.new_helper()
    pp = env.port()
    h.must("connect_nb %s %d" % (PEER_IP, pp))
    syn = peer.expect(5, lambda s: s.dport == pp and s.has(F_SYN), "a SYN")
    peer.send(pp, syn.sport, "RA", 0, seq_add(syn.seq, 1), 0)
    r = h.cmd("wait_connect 3000", 6)
    diag("connect after our RST: %s" % r)
    mss, ws = env.mtu - 40, expected_wscale(env)
    diag("expected: mss %d, wscale %d; got options %s" %
         (mss, ws, syn.opts.hex()))
    p = []
    if syn.flags != F_SYN:
        p.append("flags %s, expected S" % flagstr(syn.flags))
    p += opt_problems(syn.opts, mss, ws, 0)
    check(not p, "SYN options: " + "; ".join(p))


@test("synack_options", mtu=1400)
def t_synack_options(env):
    """A listener's SYN-ACK to a Linux-style SYN carries the same layout
    (TSecr = the SYN's TSval); to an MSS-only SYN, the MSS alone."""
    need_default_sysctls(env)
    peer = env.start()
    h = env.new_helper()
    h.must("listen 7000")
    mss, ws = env.mtu - 40, expected_wscale(env)
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
# 2. RST rules
# --------------------------------------------------------------------------

@test("rst_closed_port")
def t_rst_closed_port(env):
    """A SYN to a port nobody listens on gets RST|ACK, seq 0, ack seq+1;
    an ACK gets a RST at its ack number (native TCP answers these, with a
    ktcp listener on another port)."""
    peer = env.start()
    h = env.new_helper()
    h.must("listen 7002")
    pp = env.port()
    peer.send(pp, 7001, "S", 1000, 0, options=MSS_ONLY)
    r = peer.expect(3, lambda s: s.sport == 7001 and s.dport == pp,
                    "a RST for the SYN")
    check(r.flags == F_RST | F_ACK and r.ack == 1001 and r.seq == 0 and
          r.len == 0, "SYN to a closed port: expected RST|ACK seq 0 ack "
          "1001, got %s" % r)
    pp = env.port()
    peer.send(pp, 7001, "A", 5000, 777777)
    r = peer.expect(3, lambda s: s.sport == 7001 and s.dport == pp,
                    "a RST for the ACK")
    check(r.flags == F_RST and r.seq == 777777 and r.len == 0,
          "ACK to a closed port: expected RST seq 777777, got %s" % r)


@test("rst_synsent_bad_ack")
def t_rst_synsent_bad_ack(env):
    """SYN_SENT: a SYN-ACK acking the wrong number gets a RST with seq =
    its ack; the connection stays in SYN_SENT, retransmits its SYN, and a
    proper SYN-ACK completes it."""
    peer = env.start()
    h = env.new_helper()
    pp = env.port()
    h.must("connect_nb %s %d" % (PEER_IP, pp))
    syn = peer.expect(5, lambda s: s.dport == pp and s.has(F_SYN), "a SYN")
    c = Conn(peer, pp, syn.sport, 0x40000000, irs=syn.seq)
    bad = seq_add(syn.seq, 1001)
    c.send("SA", seq=c.iss, ack=bad, options=MSS_ONLY)
    r = c.expect(2, lambda s: not s.flags & F_SYN, "a RST for the bad ACK")
    check(r.flags == F_RST and r.seq == bad and r.len == 0,
          "expected RST seq %u (no ACK flag), got %s" % (bad, r))
    syn2 = c.expect(4, lambda s: s.flags & F_SYN, "the retransmitted SYN")
    check(syn2.flags == F_SYN and syn2.seq == syn.seq,
          "expected a retransmission of SYN %u, got %s" % (syn.seq, syn2))
    diag("SYN retransmitted %.3f s after the first (Linux re-arms the SYN "
         "timer to TCP_TIMEOUT_MIN after a bad SYN-ACK, so at once; the RFC "
         "only asks for the RTO)" % (syn2.time - syn.time))
    c.send("SA", seq=c.iss, ack=seq_add(syn.seq, 1), options=MSS_ONLY)
    a = c.expect(3, what="the ACK of our SYN-ACK")
    c.check_ack(a, "handshake")
    r = h.cmd("wait_connect 3000", 6)
    check(r.ok, "connect after the proper SYN-ACK: %s" % r)
    survive(c, h, "after the bad SYN-ACK")


@test("rst_inwindow_challenge")
def t_rst_inwindow_challenge(env):
    """ESTABLISHED: a RST inside the window but not at RCV.NXT gets a
    challenge ACK (RFC 5961 3.2) and the connection survives."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    c.send("RA", seq=seq_add(c.snd_nxt, 1000))
    a = c.expect(2, what="a challenge ACK")
    c.check_ack(a, "challenge ACK")
    survive(c, h, "after an in-window RST")


@test("rst_exact_resets")
def t_rst_exact_resets(env):
    """ESTABLISHED: a RST at exactly RCV.NXT resets: recv() fails with
    ECONNRESET and nothing is sent in reply."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    c.send("R", seq=c.snd_nxt, ack=0)
    r = h.cmd("recv 100 3000", 6)
    check(r.errno == "ECONNRESET", "recv after the RST: %s, expected "
          "ECONNRESET" % r)
    c.expect_none(0.5, what="reply to the RST")


@test("rst_out_of_window_ignored")
def t_rst_out_of_window_ignored(env):
    """ESTABLISHED: a RST right or left of the window is dropped silently
    and the connection survives."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    c.send("RA", seq=seq_add(c.snd_nxt, 0x40000000))
    c.send("R", seq=seq_add(c.snd_nxt, -200000), ack=0)
    c.expect_none(1.0, what="reply to an out-of-window RST")
    survive(c, h, "after out-of-window RSTs")


# --------------------------------------------------------------------------
# 3. SYN on an established connection
# --------------------------------------------------------------------------

@test("syn_challenge_ack")
def t_syn_challenge_ack(env):
    """ESTABLISHED: a SYN, in window or not, gets a challenge ACK (RFC 5961
    4.2) and the connection survives. Linux rate-limits challenge ACKs to
    one per 500 ms per socket, so the two SYNs are 700 ms apart."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    c.send("S", seq=seq_add(c.snd_nxt, 1000), ack=0, options=MSS_ONLY)
    a = c.expect(2, what="a challenge ACK for an in-window SYN")
    c.check_ack(a, "challenge ACK (in-window SYN)")
    time.sleep(0.7)
    c.send("S", seq=seq_add(c.snd_nxt, 0x40000000), ack=0, options=MSS_ONLY)
    a = c.expect(2, what="a challenge ACK for an out-of-window SYN")
    c.check_ack(a, "challenge ACK (out-of-window SYN)")
    c.expect_none(0.3, lambda s: s.flags & (F_RST | F_SYN),
                  "RST or SYN in reply to the SYNs")
    survive(c, h, "after SYNs")


# --------------------------------------------------------------------------
# 4. Out-of-window data
# --------------------------------------------------------------------------

@test("oow_data")
def t_oow_data(env):
    """Data past the right window edge, and a wholly old duplicate, each
    get an ACK with the current RCV.NXT, and neither reaches the reader."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    wnd = c.last_win << (c.our_wscale_shift or 0)
    diag("their window: %d" % wnd)
    c.send("PA", seq=seq_add(c.snd_nxt, wnd + 1000), data=b"X" * 100)
    a = c.expect(2, what="an ACK for data past the window")
    c.check_ack(a, "ACK for data past the window")
    r = h.cmd("recv 200 500", 3)
    check(r.status == "timeout", "data past the window delivered: %s" % r)

    c.send_data(b"A" * 20)
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of in-order data")
    r = h.cmd("recv 200 2000", 4)
    check(r.ok and r.data() == b"A" * 20, "in-order data: %s" % r)

    c.send("PA", seq=seq_add(c.snd_nxt, -20), data=b"A" * 10)
    a = c.expect(2, what="an ACK for an old duplicate")
    c.check_ack(a, "ACK for an old duplicate")
    r = h.cmd("recv 200 500", 3)
    check(r.status == "timeout", "old duplicate delivered again: %s" % r)

    c.send_data(b"Z" * 10)
    r = h.cmd("recv 200 2000", 4)
    check(r.ok and r.data() == b"Z" * 10, "in-order data after: %s" % r)


def ts_opts(tsval, tsecr):
    return [("NOP", None), ("NOP", None), ("Timestamp", (tsval, tsecr))]


def their_tsval(s):
    v = s.opt(8)
    check(v is not None and len(v) == 8, "no timestamp option in %s" % s)
    return struct.unpack("!II", v)


@test("ts_recent_needs_ack")
def t_ts_recent_needs_ack(env):
    """RFC 7323 4.3 as Linux's tcp_ack() does it: TS.Recent moves only for a
    segment whose ACK is acceptable too. An in-window segment without the
    ACK flag, with a TSval 2^31 - 10 ahead, is dropped and must not make
    PAWS reject the peer's next ordinary segment (a blind attacker would
    otherwise stall the connection)."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    opts = [("MSS", 1460), ("NOP", None), ("NOP", None),
            ("Timestamp", (1000, 0))]

    def echo_syn_ts(syn):
        opts[3] = ("Timestamp", (1000, their_tsval(syn)[0]))
    c = env.active_open(h, options=opts, syn_check=echo_syn_ts)
    c.send("PA", data=b"A" * 10, options=ts_opts(1000, opts[3][1][1]))
    c.snd_nxt = seq_add(c.snd_nxt, 10)
    a = c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our data")
    echo = their_tsval(a)[0]
    seq = c.snd_nxt
    c.send("P", seq=seq, data=b"X" * 10, options=ts_opts(1001 + 2**31 - 10,
                                                         echo))
    c.expect_none(0.5, lambda s: s.ack != c.snd_nxt,
                  "an ACK for the segment without ACK flag")
    c.send("PA", seq=seq, data=b"B" * 10, options=ts_opts(1002, echo))
    c.snd_nxt = seq_add(seq, 10)
    a = c.expect(2, lambda s: s.ack == c.snd_nxt,
                 "the ACK of the ordinary segment after it (PAWS poisoned?)")
    check(their_tsval(a)[1] == 1002, "TSecr %u, expected 1002" %
          their_tsval(a)[1])
    r = h.cmd("recv 100 3000", 5)
    check(r.ok and r.data() == b"A" * 10 + b"B" * 10,
          "the reader got %s" % r)


# --------------------------------------------------------------------------
# 5. Retransmission timeout and backoff
# --------------------------------------------------------------------------

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


@test("rto_backoff", timeout=120)
def t_rto_backoff(env):
    """Unacknowledged data is retransmitted, same sequence and payload, at
    intervals that double; the first after about srtt + 200 ms (Linux
    floors the RTO at 200 ms). No SACK, so Linux sends no tail loss probe."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("send 100")
    first = c.expect(3, lambda s: s.len > 0, "their data")
    check(first.seq == c.rcv_nxt and first.len == 100,
          "unexpected data segment %s" % first)
    times = collect_rtx(c, first, 5, lambda s: s.len > 0 or s.flags & F_RST,
                        "data")
    check_backoff(times, "data")
    check(times[1] - times[0] < 2.0,
          "first retransmission after %.2f s: no RTT-based RTO?" %
          (times[1] - times[0]))
    c.rcv_nxt = seq_add(c.rcv_nxt, 100)
    c.ack()
    c.expect_none(1.0, lambda s: s.len > 0, "retransmission after the ACK")


# --------------------------------------------------------------------------
# 6. Fast retransmit and SACK recovery
# --------------------------------------------------------------------------

# The SYN-ACK is held back this long so that the RTT sample is large: RTO
# about 3 x 0.75 s and Linux's tail loss probe about 2 x 0.75 s, leaving
# fast retransmit well clear of both. Under the 1 s SYN RTO.
BIG_RTT = 0.75
# A fast retransmission must come this soon after the ACK that calls for
# it (Linux: ~15 ms under TCG). Short enough that the whole wait ends well
# before 1 s after the burst, where a stack that took no RTT sample (RTO
# still 1 s) would retransmit on its timer.
FAST = 0.4


def send_burst(env, h, c, nseg, mss):
    h.must("send %d" % (nseg * mss))
    segs = c.expect_data(nseg * mss, 5)
    check(len(segs) == nseg and all(s.len == mss for s in segs),
          "expected %d segments of %d bytes, got %s" %
          (nseg, mss, [s.len for s in segs]))
    return segs


@test("fast_retransmit", timeout=90)
def t_fast_retransmit(env):
    """No SACK: the peer ACKs the first of 8 segments and sends duplicate
    ACKs; two do nothing, the third brings a retransmission of the missing
    segment at once (RFC 5681 3.2), long before the RTO."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1000)], synack_delay=BIG_RTT)
    segs = send_burst(env, h, c, 8, 1000)
    hole = segs[1].seq
    c.ack(ack=hole)
    c.ack(ack=hole)
    c.ack(ack=hole)
    c.expect_none(0.3, lambda s: s.len > 0,
                  "retransmission after only two duplicate ACKs")
    t3 = c.ack(ack=hole)
    r = c.recv(FAST, lambda s: s.len > 0)
    check(r is not None, "no retransmission within %.1f s of the third "
          "duplicate ACK (no fast retransmit; the RTO is about %.1f s)" %
          (FAST, 3 * BIG_RTT))
    diag("retransmission %.3f s after the third duplicate ACK, %.3f s "
         "after the original" % (r.time - t3, r.time - segs[1].time))
    check(r.seq == hole and r.len == 1000,
          "fast retransmit sent %s, expected seq %u" % (r, hole))
    more = [s for s in c.peer.drain(0.3) if c.mine(s) and s.len > 0]
    check(not more, "more than the missing segment was retransmitted: %s" %
          "; ".join(str(s) for s in more))
    c.ack()
    c.expect_none(0.5, lambda s: s.len > 0, "data after everything was acked")


def sack_state(segs, have):
    """Cumulative ACK and SACK blocks (newest first) for segments @have."""
    i = 0
    while i < len(segs) and i in have:
        i += 1
    ack = segs[i].seq if i < len(segs) else segs[-1].end_seq
    blocks, j = [], i
    while j < len(segs):
        if j in have:
            k = j
            while k + 1 < len(segs) and k + 1 in have:
                k += 1
            blocks.append((segs[j].seq, segs[k].end_seq))
            j = k + 1
        else:
            j += 1
    return ack, list(reversed(blocks))


def sack_opts(blocks):
    if not blocks:
        return None
    flat = tuple(x for b in blocks for x in b)
    return [("NOP", None), ("NOP", None), ("SAck", flat)]


@test("sack_recovery", timeout=90)
def t_sack_recovery(env):
    """SACK: of 8 segments the peer lacks the 2nd and 5th and says so with
    SACK blocks; exactly those two are retransmitted, at once, and no
    SACKed segment is."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1000), ("NOP", None),
                                    ("NOP", None), ("SAckOK", b"")],
                        synack_delay=BIG_RTT)
    segs = send_burst(env, h, c, 8, 1000)
    holes = {1: segs[1].seq, 4: segs[4].seq}
    have = set(range(8)) - set(holes)
    ack, blocks = sack_state(segs, have)
    t0 = c.ack(ack=ack, options=sack_opts(blocks))
    got, other = {}, []
    while len(got) < len(holes):
        s = c.recv(max(0.0, t0 + FAST - time.time()), lambda s: s.len > 0)
        if s is None:
            break
        idx = [i for i, x in holes.items() if x == s.seq and s.len == 1000]
        if not idx:
            other.append(s)
            continue
        got[idx[0]] = s.time - t0
        have.add(idx[0])
        ack, blocks = sack_state(segs, have)
        c.ack(ack=ack, options=sack_opts(blocks))
    other += [s for s in c.peer.drain(0.3) if c.mine(s) and s.len > 0]
    diag("holes retransmitted %s s after the SACK" %
         (", ".join("%.3f" % got[i] for i in sorted(got)) or "-"))
    check(not other, "retransmitted besides the holes: %s" %
          "; ".join(str(s) for s in other))
    check(len(got) == len(holes), "holes %s not all retransmitted within "
          "%.1f s of the SACK (RTO about %.1f s); got %s" %
          (sorted(holes.values()), FAST, 3 * BIG_RTT,
           sorted(holes[i] for i in got)))
    c.ack()
    c.expect_none(0.5, lambda s: s.len > 0, "data after everything was acked")


def sack_blocks_of(s):
    """The SACK blocks of segment @s as [(left, right)], [] without."""
    v = s.opt(5) or b""
    return [struct.unpack("!II", v[i:i + 8]) for i in range(0, len(v) - 7, 8)]


@test("sack_blocks")
def t_sack_blocks(env):
    """Receiver side of SACK (RFC 2018 section 4): out-of-order data gets
    an ACK for RCV.NXT at once, with a block for what arrived; a short data
    segment sent while the hole is open carries the block too (Linux puts
    them on every segment they fit in); the segment that fills the hole
    gets an ACK for everything, with no block, and the reader gets it all
    in order."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1000), ("NOP", None),
                                    ("NOP", None), ("SAckOK", b"")])
    hole = c.snd_nxt
    above = (seq_add(hole, 100), seq_add(hole, 200))
    c.send("PA", seq=above[0], data=b"B" * 100)
    a = c.expect(2, what="an ACK for out-of-order data")
    check(a.ack == hole and a.len == 0,
          "expected a pure ACK for %u, got %s" % (hole, a))
    check(sack_blocks_of(a) == [above],
          "SACK blocks %s, expected [%s]" % (sack_blocks_of(a), above))
    h.must("send 5")
    d = c.expect(3, lambda s: s.len > 0, "their data")
    check(d.len == 5 and d.ack == hole, "unexpected data segment %s" % d)
    check(above in sack_blocks_of(d), "a 5-byte data segment with the hole "
          "open carries SACK blocks %s, not %s" % (sack_blocks_of(d), above))
    c.rcv_nxt = seq_add(c.rcv_nxt, 5)
    c.send("PA", seq=hole, data=b"A" * 100)
    c.snd_nxt = above[1]
    a = c.expect(2, lambda s: s.ack == above[1], "an ACK for all the data")
    check(not sack_blocks_of(a), "ACK after the hole filled still carries "
          "SACK blocks %s" % sack_blocks_of(a))
    r = h.cmd("recv 300 3000", 5)
    check(r.ok and r.data() == b"A" * 100 + b"B" * 100,
          "the reader got %s" % r)


# --------------------------------------------------------------------------
# 7. Zero window probes
# --------------------------------------------------------------------------

@test("zero_window_probe", timeout=120)
def t_zero_window_probe(env):
    """The peer shuts its window; queued data is held back and probed for
    with segments at SND.UNA - 1 carrying no data, at intervals that
    double though each probe is answered (with a zero window); when the
    window opens the data goes at once."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    # One segment's worth, so that no Nagle variant holds any of it back.
    h.must("send 1000")
    c.expect_data(1000, 5)
    c.ack(win=0)
    c.expect_none(0.3, lambda s: s.len > 0, "data into a zero window")
    h.must("send 1000")
    times = []
    for i in range(5):
        d = intervals(times)
        wait = max(3.0, 3 * d[-1] + 1.0) if d else 3.0
        s = c.expect(wait, what="window probe %d" % (i + 1))
        check(s.flags & (F_SYN | F_FIN | F_RST) == 0 and s.flags & F_ACK,
              "window probe %d: unexpected %s" % (i + 1, s))
        check(s.len == 0 and s.seq == seq_add(c.rcv_nxt, -1),
              "window probe %d: expected an ACK at SND.UNA - 1 = %u with "
              "no data (Linux's tcp_xmit_probe_skb), got %s" %
              (i + 1, seq_add(c.rcv_nxt, -1), s))
        times.append(s.time)
        c.ack(win=0)
    check_backoff(times, "window probes")
    t = c.ack(win=65535)
    s = c.expect(2, lambda s: s.len > 0, "the data once the window opened")
    diag("data %.3f s after the window opened" % (s.time - t))
    check(s.seq == c.rcv_nxt, "data at %u, expected %u" % (s.seq, c.rcv_nxt))
    c.backlog_push(s)
    c.expect_data(1000, 3)
    c.ack()


@test("zero_window_reopen_rto", timeout=120)
def t_zero_window_reopen_rto(env):
    """Four window probes back the persist timer off to several seconds;
    then the window opens and the data goes, but the peer loses it: it is
    retransmitted an RTO after it was sent, not at the persist timer's
    backed-off deadline (tcp_ack_probe() clears the probe timer and
    tcp_event_new_data_sent() arms the RTO when nothing was in flight)."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("send 1000")
    c.expect_data(1000, 5)
    c.ack(win=0)
    h.must("send 1000")
    times = []
    for i in range(4):
        d = intervals(times)
        wait = max(3.0, 3 * d[-1] + 1.0) if d else 3.0
        s = c.expect(wait, what="window probe %d" % (i + 1))
        check(s.len == 0 and s.seq == seq_add(c.rcv_nxt, -1),
              "window probe %d: expected an ACK at SND.UNA - 1 = %u with "
              "no data, got %s" % (i + 1, seq_add(c.rcv_nxt, -1), s))
        times.append(s.time)
        if i < 3:
            c.ack(win=0)
    check_backoff(times, "window probes")
    # The next probe would be about twice the last interval away.
    persist = 2 * intervals(times)[-1]
    t = c.ack(win=65535)
    first = c.expect(2, lambda s: s.len > 0, "the data once the window opened")
    check(first.seq == c.rcv_nxt and first.len == 1000,
          "unexpected data segment %s" % first)
    rtx = c.expect(persist + 3, lambda s: s.len > 0 or s.flags & F_RST,
                   "the retransmission of the data")
    gap = rtx.time - first.time
    diag("data %.3f s after the window opened, retransmitted %.3f s later; "
         "the persist timer was %.3f s away" %
         (first.time - t, gap, persist - (first.time - times[-1])))
    check(rtx.seq == first.seq and rtx.data == first.data,
          "expected a retransmission of %s, got %s" % (first, rtx))
    bound = min(1.5, persist / 2)
    check(gap < bound, "retransmitted %.2f s after the data, expected an RTO "
          "(under %.2f s): the persist timer's deadline was kept" %
          (gap, bound))
    c.rcv_nxt = seq_add(c.rcv_nxt, 1000)
    c.ack()
    c.expect_none(1.0, lambda s: s.len > 0, "data after everything was acked")


# --------------------------------------------------------------------------
# 8. FIN retransmission
# --------------------------------------------------------------------------

@test("fin_retransmit", timeout=120)
def t_fin_retransmit(env):
    """close(); the peer does not ACK the FIN: it is retransmitted, same
    sequence, with backoff; then ACK + FIN from the peer gets the last ACK."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("close")
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.flags & ~0x08 == F_FIN | F_ACK and fin.len == 0 and
          fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    times = collect_rtx(c, fin, 4, lambda s: s.flags & (F_FIN | F_RST),
                        "FIN")
    check_backoff(times, "FIN")
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    c.send("FA")
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    a = c.expect(2, what="the ACK of our FIN")
    c.check_ack(a, "last ACK")


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
    h.must("bind %s %d" % (KTCP_IP, lport))
    h.must("connect_nb %s %d" % (PEER_IP, pp))
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


# --------------------------------------------------------------------------
# 10. Keepalive
# --------------------------------------------------------------------------

def check_probe(c, s, i):
    check(s.flags & ~0x08 == F_ACK and s.len == 0 and
          s.seq == seq_add(c.rcv_nxt, -1) and s.ack == c.snd_nxt,
          "keepalive probe %d: expected ACK seq %u (SND.UNA - 1) ack %u, "
          "no data; got %s" % (i, seq_add(c.rcv_nxt, -1), c.snd_nxt, s))


def set_opts(h, opts):
    bad = []
    for o in opts:
        r = h.cmd("setsockopt " + o)
        if not r.ok:
            bad.append("%s: %s" % (o, r.errno))
    check(not bad, "setsockopt failed: " + ", ".join(bad))


def keepalive_until_rst(c, h, t_last, n, gap_lo, gap_hi):
    """@n unanswered keepalive probes, then a RST; the gaps from @t_last
    (the last segment the peer sent) on must be @gap_lo..@gap_hi s. recv()
    then fails with ETIMEDOUT."""
    times = []
    for i in range(n):
        s = c.expect(gap_hi + 2, what="unanswered keepalive probe %d" %
                     (i + 1))
        check_probe(c, s, i + 1)
        times.append(s.time)
    rst = c.recv(gap_hi + 2)
    r = h.cmd("recv 10 2000", 5)
    check(rst is not None, "no RST within %.0f s of unanswered probe %d "
          "(Linux sends one, tcp_send_active_reset); recv: %s" %
          (gap_hi + 2, n, r))
    check(rst.flags & F_RST and rst.seq == c.rcv_nxt and rst.len == 0,
          "expected RST seq %u after the probes, got %s" % (c.rcv_nxt, rst))
    gaps = [times[0] - t_last] + intervals(times) + [rst.time - times[-1]]
    diag("last segment -> probes -> RST: %s s" % fmt_times(gaps))
    for g in gaps:
        check(gap_lo <= g <= gap_hi, "keepalive gaps %s s, expected "
              "%.1f..%.1f s" % (fmt_times(gaps), gap_lo, gap_hi))
    check(r.errno == "ETIMEDOUT", "recv after the keepalive RST: %s, "
          "expected ETIMEDOUT" % r)


@test("keepalive", timeout=90)
def t_keepalive(env):
    """SO_KEEPALIVE, TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3: an idle
    connection sends a probe (SND.UNA - 1, no data) after 1 s; an answered
    probe keeps it; then 3 unanswered probes 1 s apart and a RST 1 s
    later, and recv() fails with ETIMEDOUT."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    set_opts(h, ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 1",
                 "TCP_KEEPCNT 3"))
    t_set = time.time()
    p1 = c.expect(5, what="keepalive probe 1")
    check_probe(c, p1, 1)
    diag("probe 1 %.3f s after the options were set" % (p1.time - t_set))
    t_ans = c.ack()
    keepalive_until_rst(c, h, t_ans, 3, 0.6, 3.0)


@test("keepalive_fin_wait2", timeout=90)
def t_keepalive_fin_wait2(env):
    """Keepalive goes on after shutdown(SHUT_WR): with SO_KEEPALIVE,
    TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3, the socket sends its
    FIN, the peer ACKs it (FIN_WAIT2) and then says nothing: 3 probes 1 s
    apart (SND.UNA - 1 is the FIN's sequence number), a RST 1 s later and
    ETIMEDOUT (tcp_keepalive_timer() probes in every state but CLOSE,
    SYN_SENT and LISTEN)."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    set_opts(h, ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 1",
                 "TCP_KEEPCNT 3"))
    h.must("shutdown wr")
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.flags & ~0x08 == F_FIN | F_ACK and fin.len == 0 and
          fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    t_ack = c.ack()
    keepalive_until_rst(c, h, t_ack, 3, 0.6, 3.0)


@test("keepalive_user_timeout", timeout=90)
def t_keepalive_user_timeout(env):
    """TCP_USER_TIMEOUT replaces TCP_KEEPCNT: with TCP_KEEPIDLE 1,
    TCP_KEEPINTVL 2, TCP_KEEPCNT 1 and a 4 s user timeout, an idle
    connection probes at 1 s and 3 s (past KEEPCNT) and is reset at 5 s,
    the first expiry with a probe unanswered and 4 s without a word from
    the peer (tcp_keepalive_timer())."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    set_opts(h, ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 2",
                 "TCP_KEEPCNT 1", "TCP_USER_TIMEOUT 4000"))
    # Heard from last now: the keepalive clock starts here.
    t_data = c.send_data(b"x")
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our data")
    r = h.cmd("recv 10 2000", 5)
    check(r.ok and r.data() == b"x", "recv: %s" % r)
    keepalive_until_rst(c, h, t_data, 2, 0.6, 2.8)
