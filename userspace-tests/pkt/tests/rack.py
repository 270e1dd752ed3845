# SPDX-License-Identifier: GPL-2.0
"""RACK-TLP (RFC 8985): the tail loss probe, loss marked by time, and
reordering within the reordering window left alone."""

import time

from pktlib import check, diag, TestSkip
from tests import test, need_default_sysctls
from tests.sack import BIG_RTT, FAST, send_burst, sack_opts

SACK_SYN = [("MSS", 1000), ("NOP", None), ("NOP", None), ("SAckOK", b"")]
# The peer answers as a path with BIG_RTT would, a little later so that
# every RTT sample is at least the minimum RTT (RACK ignores the SACK of a
# retransmission that comes back sooner than that: it may be the
# original's).
LATE = 0.05
# The SACK of a probe comes later still: a load-delayed sample may have
# put the minimum RTT above BIG_RTT + LATE.
PROBE_LATE = 0.3


def need_rack(env):
    need_default_sysctls(env)
    for k, v in (("net.ipv4.tcp_recovery", "1"),
                 ("net.ipv4.tcp_early_retrans", "3")):
        got = env.sysinfo.get(k)
        if got is not None and got != v:
            raise TestSkip("%s is %s in the test namespace, not %s" %
                           (k, got, v))


def at(t):
    time.sleep(max(0.0, t - time.time()))


def data_after(c, t0, timeout):
    """The next data segment within @timeout of @t0, or None."""
    return c.recv(max(0.0, t0 + timeout - time.time()), lambda s: s.len > 0)


@test("tlp_tail_loss", timeout=90)
def t_tlp_tail_loss(env):
    """SACK, SRTT about 0.75 s: of 8 segments the last two are lost. The
    ACK of the first 6 arms the loss probe, which about 2 * SRTT later
    resends the LAST segment (an RTO, later, would resend the first
    unacknowledged one). The peer's SACK for it shows the hole below, which
    RACK marks lost at once and which is resent at once."""
    need_rack(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=SACK_SYN, synack_delay=BIG_RTT)
    segs = send_burst(env, h, c, 8, 1000)
    at(segs[0].time + BIG_RTT + LATE)
    t_ack = c.ack(ack=segs[6].seq)
    p = data_after(c, t_ack, 4.0)
    check(p is not None, "nothing resent within 4 s of the ACK")
    dt = p.time - t_ack
    diag("first retransmission %s, %.3f s after the ACK" % (p, dt))
    check(p.seq == segs[7].seq and p.len == 1000,
          "the first retransmission after a tail loss resent seq %u, not "
          "the last segment %u (a loss probe; an RTO resends SND.UNA %u)" %
          (p.seq, segs[7].seq, segs[6].seq))
    check(1.2 <= dt <= 2.0, "the loss probe came %.3f s after the ACK, "
          "expected about 2 * SRTT (1.5 s; the RTO is about 2.25 s)" % dt)
    at(p.time + BIG_RTT + PROBE_LATE)
    t_sack = c.ack(ack=segs[6].seq,
                   options=sack_opts([(segs[7].seq, segs[7].end_seq)]))
    r = data_after(c, t_sack, FAST)
    check(r is not None, "the hole below the probed segment was not "
          "resent within %.1f s of the SACK for the probe" % FAST)
    diag("hole resent %.3f s after the SACK" % (r.time - t_sack))
    check(r.seq == segs[6].seq and r.len == 1000,
          "after the SACK for the probe expected seq %u resent, got %s" %
          (segs[6].seq, r))
    c.ack(ack=segs[7].end_seq)
    c.expect_none(0.5, lambda s: s.len > 0, "data after everything was acked")


@test("rack_time_loss", timeout=90)
def t_rack_time_loss(env):
    """SACK, RTT about 0.75 s: of 8 segments the 2nd is missing and one ACK
    SACKs the 3rd, a single duplicate where DupThresh asks for three. RACK
    marks the 2nd lost once it has waited the 3rd's RTT plus the
    reordering window (min_rtt / 4, about 0.19 s) and resends it then,
    alone, long before the RTO (about 2.25 s)."""
    need_rack(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=SACK_SYN, synack_delay=BIG_RTT)
    segs = send_burst(env, h, c, 8, 1000)
    at(segs[0].time + BIG_RTT + LATE)
    t_ack = c.ack(ack=segs[1].seq,
                  options=sack_opts([(segs[2].seq, segs[2].end_seq)]))
    r = data_after(c, t_ack, 1.0)
    check(r is not None, "segment 2 was not resent within 1 s of a SACK "
          "above it (RACK's reordering window is about 0.19 s; the RTO "
          "about 2.25 s)")
    dt = r.time - t_ack
    diag("segment 2 resent %.3f s after the SACK" % dt)
    check(r.seq == segs[1].seq and r.len == 1000,
          "expected seq %u resent, got %s" % (segs[1].seq, r))
    check(0.1 <= dt <= 0.6, "resent %.3f s after the SACK: expected after "
          "the reordering window, about 0.19 s" % dt)
    more = [s for s in c.peer.drain(0.3) if c.mine(s) and s.len > 0]
    check(not more, "more than the missing segment was resent: %s" %
          "; ".join(str(s) for s in more))
    c.ack(ack=segs[7].end_seq)
    c.expect_none(0.5, lambda s: s.len > 0, "data after everything was acked")


@test("rack_reorder_window", timeout=90)
def t_rack_reorder_window(env):
    """SACK, RTT about 0.75 s. First the path shows reordering: segment 2
    of 3 arrives after 3 (a SACK, then an ACK for all). Then of 8 segments
    the peer SACKs 3 to 8 above a missing 2nd, which DupThresh would call
    lost at once; 50 ms later, well within RACK's reordering window
    (min_rtt / 4, about 0.19 s), the 2nd arrives after all. Nothing may be
    retransmitted."""
    need_rack(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=SACK_SYN, synack_delay=BIG_RTT)
    segs = send_burst(env, h, c, 3, 1000)
    at(segs[0].time + BIG_RTT + LATE)
    c.ack(ack=segs[1].seq,
          options=sack_opts([(segs[2].seq, segs[2].end_seq)]))
    time.sleep(0.03)
    c.ack(ack=segs[2].end_seq)
    c.expect_none(0.4, lambda s: s.len > 0, "a retransmission after "
                  "reordering the peer's ACK repaired")
    segs = send_burst(env, h, c, 8, 1000)
    at(segs[0].time + BIG_RTT + LATE)
    t_sack = c.ack(ack=segs[1].seq,
                   options=sack_opts([(segs[2].seq, segs[7].end_seq)]))
    time.sleep(0.05)
    c.ack(ack=segs[7].end_seq)
    r = data_after(c, t_sack, 1.0)
    check(r is None, "%s retransmitted %.3f s after a SACK of 6 segments "
          "above it, though the hole was filled 50 ms later, within the "
          "reordering window" % (r, r.time - t_sack) if r else "")
