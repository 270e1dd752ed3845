# SPDX-License-Identifier: GPL-2.0
"""The receive side on the wire: the window of every ACK and when ACKs
are sent, as Linux 6.12's tcp_select_window(), tcp_grow_window(),
__tcp_ack_snd_check() and tcp_send_delayed_ack() decide them."""

import struct
import time

from pktlib import (F_ACK, F_SYN, Conn, check, diag, seq_add,
                    seq_diff)
from tests import LINUX_SYN_OPTS, test

# A Linux-style SYN without timestamps: full 1460-byte segments.
NOTS_OPTS = [("MSS", 1460), ("SAckOK", b""), ("NOP", None),
             ("WScale", 7)]


def rmem(env):
    """tcp_rmem[1], tcp_rmem[2] and rmem_max of the test namespace."""
    r = (env.sysinfo.get("net.ipv4.tcp_rmem") or "4096 131072 6291456")
    r = [int(x) for x in r.split()]
    return r[1], r[2], int(env.sysinfo.get("net.core.rmem_max") or 212992)


def initial_window(env, mss, wscale_ok=True):
    """tcp_select_initial_window() for a fresh socket: (window, wscale)."""
    rcvbuf, rmem2, rmem_max = rmem(env)
    space = rcvbuf // 2                 # tcp_full_space(), ratio 128/256
    clamp = 65535 << 14
    space = min(space, clamp)
    if space > mss:
        space -= space % mss
    ws = 0
    if wscale_ok:
        ws = max(0, min(14, max(space, rmem2, rmem_max).bit_length() - 1 -
                        15))
    return space, ws


def wscale_of(s):
    v = s.opt(3)
    return v[0] if v else None


def passive(env, h, port, opts):
    h.must("listen %d" % port)
    c = Conn(env.peer, env.port(), port, 0x20000000)
    c.send("S", seq=c.iss, options=opts)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "their SYN-ACK")
    c.irs = sa.seq
    c.rcv_nxt = seq_add(sa.seq, 1)
    c.ack()
    h.must("accept 5000", 10)
    return c, sa


def collect(c, duration):
    """Every segment from the socket under test within @duration s."""
    out, end = [], time.time() + duration
    while True:
        s = c.recv(max(0.0, end - time.time()))
        if s is None:
            return out
        out.append(s)


def acks_of(c, segs):
    return [(seq_diff(s.ack, c.iss) - 1, s.win) for s in segs]


@test("rwin_syn")
def t_rwin_syn(env):
    """The windows of the handshake: a SYN offers tcp_rmem[1]'s full space
    (half of it at the default ratio) in whole MSS, scaled for tcp_rmem[2];
    a SYN-ACK the same in segments less the timestamp option, with no
    scale when the SYN had none; the third ACK of an active open keeps the
    SYN's right edge (64256 for 64240: field 502 with scale 7) as the
    clamp less one advmss is below it."""
    env.start()
    h = env.new_helper()
    peer_port = env.port()
    h.must("connect_nb %s %d" % (env.peer_ip, peer_port))
    syn = env.peer.expect(5, lambda s: s.dport == peer_port and
                          s.flags & (F_SYN | F_ACK) == F_SYN, "their SYN")
    win, ws = initial_window(env, 1460)
    diag("SYN: win %d wscale %s, expected %d, %d" % (syn.win, wscale_of(syn),
                                                      win, ws))
    check(syn.win == win and wscale_of(syn) == ws,
          "SYN window %d wscale %s, expected %d and %d" %
          (syn.win, wscale_of(syn), win, ws))
    c = Conn(env.peer, peer_port, syn.sport, 0x10000000, irs=syn.seq)
    c.send("SA", seq=c.iss, ack=c.rcv_nxt, options=LINUX_SYN_OPTS)
    a = c.expect(5, lambda s: not s.flags & F_SYN, "the third ACK")
    unit = 1 << ws
    want = -(-win // unit)              # ALIGN(rcv_wnd, 1 << wscale)
    diag("third ACK: win %d, expected %d" % (a.win, want))
    check(a.win == want, "third ACK window %d, expected %d (%d << %d)" %
          (a.win, want, win, ws))

    for opts, mss, ok in ((LINUX_SYN_OPTS, 1448, True),
                          ([("MSS", 1460)], 1460, False)):
        port = env.port()
        h2 = env.new_helper()
        c, sa = passive(env, h2, port, opts)
        win, ws = initial_window(env, mss, ok)
        diag("SYN-ACK to %s: win %d wscale %s, expected %d, %s" % (
            opts, sa.win, wscale_of(sa), win, ws if ok else None))
        check(sa.win == win and wscale_of(sa) == (ws if ok else None),
              "SYN-ACK window %d wscale %s, expected %d and %s" %
              (sa.win, wscale_of(sa), win, ws if ok else None))


# Linux 6.12 in the test VM (veth, offloads off): (bytes acked, window
# field) of each ACK. The first 20 segments are ACKed one by one (quick
# ACKs, and a growing rcv_ssthresh re-arms them) with the window growing by
# tcp_grow_window(); past half the buffer, quick ACKs end and the window
# shrinks with the free space (never its right edge), so no segment is
# ACKed on the every-second rule (the window does not keep up): the delayed
# ACK covers the rest.
BURST1 = [(1460, 524), (2920, 547), (4380, 570), (5840, 592), (7300, 592),
          (8760, 581), (10220, 570), (11680, 559), (13140, 548),
          (14600, 537), (16060, 526), (17520, 515), (18980, 504),
          (20440, 493), (21900, 482), (23360, 471), (24820, 460),
          (26280, 449), (27740, 438), (29200, 427), (58400, 199)]
# Reading it all opens the window by more than twice what was left: an
# ACK at once. The second burst finds the window where reading left it.
AFTER_READ = [(58400, 592)]
BURST2 = [(59860, 615), (61320, 626), (62780, 615), (64240, 604),
          (65700, 593), (67160, 582), (68620, 571), (70080, 560),
          (71540, 549), (73000, 538), (74460, 527), (75920, 516),
          (77380, 505), (78840, 494), (80300, 483), (81760, 472),
          (83220, 461), (84680, 450), (116800, 200)]


@test("rwin_bulk", timeout=120)
def t_rwin_bulk(env):
    """40 full segments back to back, not read: the window field of each
    ACK and which segments are ACKed; then the window update reading all
    of it sends (tcp_cleanup_rbuf()), and the ACKs of a second burst."""
    env.start()
    h = env.new_helper()
    c, sa = passive(env, h, 7101, NOTS_OPTS)
    c.send_burst([(i * 1460, bytes([65 + i % 26]) * 1460)
                  for i in range(40)], flags="PA")
    got = acks_of(c, collect(c, 1.0))
    diag("burst 1: %s" % got)
    r = h.cmd("recvall %d 3000" % (40 * 1460), 5)
    check(r.ok and r.kv.get("n") == str(40 * 1460), "recv: %s" % r)
    upd = acks_of(c, collect(c, 0.5))
    diag("after read: %s" % upd)
    c.send_burst([(i * 1460, bytes([97 + i % 26]) * 1460)
                  for i in range(40)], flags="PA")
    got2 = acks_of(c, collect(c, 1.0))
    diag("burst 2: %s" % got2)
    check(got == BURST1, "burst 1: ACKs (bytes, window) %s, Linux's %s" %
          (got, BURST1))
    check(upd == AFTER_READ, "after reading: %s, Linux's %s" %
          (upd, AFTER_READ))
    check(got2 == BURST2, "burst 2: %s, Linux's %s" % (got2, BURST2))


def sack_edges(s):
    v = s.opt(5)
    if not v:
        return []
    return [struct.unpack("!II", v[i:i + 8]) for i in range(0, len(v), 8)]


@test("rwin_delack", timeout=60)
def t_rwin_delack(env):
    """20 small segments back to back: the first 16 are ACKed one by one
    (quick ACKs: half the window in 536-byte segments, at most 16), the
    other 4 by one delayed ACK, ato (40 ms) later. Then an in-order small
    segment and three out-of-order ones: each out-of-order one is ACKed
    at once with its SACK (__tcp_ack_snd_check()), and the segment that
    fills the hole too. A FIN then is ACKed after the delayed-ACK
    timeout."""
    env.start()
    h = env.new_helper()
    c, sa = passive(env, h, 7102, NOTS_OPTS)
    t = c.send_burst([(i * 10, b"x" * 10) for i in range(20)], flags="PA")
    segs = collect(c, 0.6)
    got = acks_of(c, segs)
    diag("small burst: %s, times %s" % (got, ", ".join(
        "%.3f" % (s.time - t) for s in segs)))
    want = [(10 * (i + 1), 502) for i in range(16)] + [(200, 502)]
    check(got == want, "ACKs (bytes, window) %s, Linux's %s" % (got, want))
    # TCG timers fire late, never early (a jiffy of rounding aside).
    d = segs[-1].time - t
    check(d >= 0.035, "the delayed ACK after %.3f s, not ato (40 ms)" % d)
    check(d < 1.0, "the delayed ACK after %.3f s" % d)

    base = c.snd_nxt
    c.send_burst([(0, b"a" * 10), (20, b"c" * 10), (30, b"d" * 10),
                  (40, b"e" * 10)], flags="PA")
    c.snd_nxt = seq_add(base, 10)
    segs = collect(c, 0.3)
    diag("ofo: %s" % "; ".join("%s sack %s" % (s, sack_edges(s))
                                for s in segs))
    # 0.6 s without data is more than the RTO: quick ACKs again, so the
    # in-order segment may have its own ACK first (tcp_event_data_recv()).
    if segs and not sack_edges(segs[0]):
        check(segs[0].ack == c.snd_nxt, "ACK %s" % segs[0])
        segs = segs[1:]
    got = [(seq_diff(s.ack, base), [(seq_diff(a, base), seq_diff(b, base))
                                    for a, b in sack_edges(s)])
           for s in segs]
    want = [(10, [(20, 30)]), (10, [(20, 40)]), (10, [(20, 50)])]
    check(got == want, "out-of-order ACKs (ack, SACK) %s, Linux's %s" %
          (got, want))
    c.send("PA", seq=c.snd_nxt, data=b"b" * 10)
    c.snd_nxt = seq_add(base, 50)
    segs = collect(c, 0.3)
    got = [seq_diff(s.ack, base) for s in segs]
    check(got == [50], "filling the hole: ACKs %s, Linux's [50]" % got)

    # A FIN in ESTABLISHED enters pingpong mode (tcp_fin()): its ACK waits
    # for the application's answer, up to the delayed-ACK timeout.
    t = c.send("FA")
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    a = c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our FIN")
    d = a.time - t
    diag("FIN ACKed after %.3f s" % d)
    check(d >= 0.035, "FIN ACKed after %.3f s: at once, not delayed" % d)
