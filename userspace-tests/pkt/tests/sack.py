# SPDX-License-Identifier: GPL-2.0
"""Fast retransmit and SACK recovery; the SACK blocks sent."""

import struct
import time

from pktlib import check, diag, seq_add
from tests import test, need_default_sysctls


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


@test("sack_blocks", v6=True)
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


@test("dsack_old_segment")
def t_dsack_old_segment(env):
    """RFC 2883 4.1.1 on a segment the sequence check refuses: a copy of
    data acknowledged by an ACK before the last one ends before the left
    edge last advertised (RCV.WUP), so it is not acceptable (tcp_sequence())
    and never reaches the data step; the duplicate ACK that answers it
    still carries a D-SACK of it (tcp_send_dupack()), or a sender whose
    RTO resent it never learns that the RTO was spurious."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1000), ("NOP", None),
                                    ("NOP", None), ("SAckOK", b"")])
    first = c.snd_nxt
    c.send_data(b"A" * 200)
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of the first 200")
    c.send_data(b"B" * 20)
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of the next 20")
    c.send("PA", seq=first, data=b"A" * 200)
    a = c.expect(2, lambda s: s.len == 0, "the ACK of the old copy")
    dsack = (first, seq_add(first, 200))
    diag("ACK %u, SACK blocks %s" % (a.ack, sack_blocks_of(a)))
    check(a.ack == c.snd_nxt, "expected ACK %u, got %s" % (c.snd_nxt, a))
    check(sack_blocks_of(a)[:1] == [dsack],
          "the ACK of a copy of acknowledged data carries SACK blocks %s, "
          "not the D-SACK %s first" % (sack_blocks_of(a), dsack))
    r = h.cmd("recv 300 3000", 5)
    check(r.ok and r.data() == b"A" * 200 + b"B" * 20,
          "the reader got %s" % r)


# After a reneging ACK, Linux waits max(SRTT / 2, 10 ms) before its RTO
# (tcp_check_sack_reneging()): about 0.4 s here. Well under the RTO proper
# (about 3 x BIG_RTT), which a stack that ignored the reneging would wait
# for, only to skip the SACKed head again.
RENEGE = 1.2


@test("sack_reneging", timeout=90)
def t_sack_reneging(env):
    """RFC 2018 8: a receiver may drop data it SACKed. Of 4 segments the
    peer SACKs the last 3; the first is retransmitted; then the peer acks
    only that first one, SACKing nothing, and so reneges on the other 3.
    They must be sent again, soon (tcp_check_sack_reneging() arms a short
    timer; the timeout forgets every SACK, tcp_timeout_mark_lost()), or
    the connection stalls until it times out."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1000), ("NOP", None),
                                    ("NOP", None), ("SAckOK", b"")],
                        synack_delay=BIG_RTT)
    segs = send_burst(env, h, c, 4, 1000)
    ack, blocks = sack_state(segs, {1, 2, 3})
    c.ack(ack=ack, options=sack_opts(blocks))
    r = c.recv(FAST, lambda s: s.len > 0)
    check(r is not None and r.seq == segs[0].seq,
          "the hole was not retransmitted at once: %s" % r)
    t0 = c.ack(ack=segs[1].seq)
    r = c.recv(RENEGE, lambda s: s.len > 0)
    check(r is not None, "nothing resent within %.1f s of the ACK that "
          "reneged on the SACKed segments" % RENEGE)
    diag("%s %.3f s after the reneging ACK" % (r, r.time - t0))
    check(r.seq == segs[1].seq and r.len == 1000,
          "after reneging, resent %s, expected seq %u" % (r, segs[1].seq))
    have = 2
    while have < 4:
        c.ack(ack=segs[have].seq)
        r = c.recv(3 * BIG_RTT, lambda s: s.len > 0)
        check(r is not None and r.seq == segs[have].seq,
              "segment %d not resent after the ACK of %d: %s" %
              (have, have - 1, r))
        have += 1
    c.ack(ack=segs[3].end_seq)
    c.expect_none(0.5, lambda s: s.len > 0, "data after everything was acked")
