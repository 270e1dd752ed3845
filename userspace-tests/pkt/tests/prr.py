# SPDX-License-Identifier: GPL-2.0
"""cwnd in recovery (PRR, RFC 6937) and undo of spurious retransmissions
(D-SACK, F-RTO), as Linux 6.12's tcp_input.c does them."""

import time

from pktlib import TestSkip, check, diag, seq_add, seq_diff
from tests import test, need_default_sysctls
from tests.sack import FAST, sack_opts

SACK_ONLY = [("MSS", 1000), ("NOP", None), ("NOP", None), ("SAckOK", b"")]
INFINITE_SSTHRESH = 0x7fffffff
# An RTT that makes the RTO (3 RTT at first) outlast prr_single_loss's
# ACKs, with room under the 1 s SYN RTO for a slow peer's SYN-ACK.
MID_RTT = 0.5
# Long enough for one segment or none to come back from an ACK (Linux
# answers within ~15 ms under TCG), short enough that the ACKs of
# prr_single_loss end well before the retransmission timeout (~1.4 s).
PER_ACK = 0.12


def data_in(c, window, want=None):
    """Data segments from the socket under test for @window seconds; once
    @want have come, only a short while more."""
    got, end = [], time.time() + window
    while True:
        left = end - time.time()
        if want is not None and len(got) >= want:
            left = min(left, 0.03)
        s = c.recv(max(0.0, left), lambda s: s.len > 0)
        if s is None:
            return got
        got.append(s)


def tcpinfo(h):
    r = h.must("tcpinfo")
    return {k: int(v) for k, v in r.kv.items()}


def need_fresh_ssthresh(h):
    """A SYN that timed out (a slow VM's SYN-ACK) leaves ssthresh lowered
    (tcp_enter_loss() runs for it too): the window these tests need never
    opens."""
    i = tcpinfo(h)
    if i["ssthresh"] != INFINITE_SSTHRESH:
        raise TestSkip("ssthresh already %d after the handshake (the SYN "
                       "was retransmitted)" % i["ssthresh"])


@test("prr_single_loss", timeout=90)
def t_prr_single_loss(env):
    """PRR (RFC 6937) after one loss: cwnd 20, the first of 20 segments
    lost. One ACK SACKs three: ssthresh = 14 (CUBIC's 0.7), and PRR lets
    out ceil(14 * 3 / 20) = 3 segments at once, the retransmission and two
    new ones (RFC 6675's cwnd = ssthresh would send only the
    retransmission); then one new segment per ACK in the proportion
    14/20: 0, 1, 1, 0, 1, 1 for the next six SACKs."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    h.must("setsockopt SO_SNDBUF 1000000")
    c = env.active_open(h, options=SACK_ONLY, synack_delay=MID_RTT)
    need_fresh_ssthresh(h)
    h.must("send 60000")
    first = c.expect_data(10 * 1000, 5)
    c.ack(ack=first[-1].end_seq)           # slow start: cwnd 10 -> 20
    burst = c.expect_data(20 * 1000, 5)
    extra = data_in(c, PER_ACK)
    check(not extra, "more than 20 segments after the first ACK: %s" %
          "; ".join(str(s) for s in extra))
    hole, end = burst[0], burst[-1].end_seq
    c.ack(ack=hole.seq, options=sack_opts([(burst[1].seq,
                                            burst[3].end_seq)]))
    got = data_in(c, FAST, 3)
    diag("after the SACK of 3: %s" % "; ".join(str(s) for s in got))
    check(len(got) == 3 and got[0].seq == hole.seq and
          [s.seq for s in got[1:]] == [end, seq_add(end, 1000)],
          "expected the retransmission of %u and 2 new segments from %u, "
          "got %s" % (hole.seq, end, [(s.seq, s.len) for s in got]))
    want = [0, 1, 1, 0, 1, 1]
    counts, nxt = [], seq_add(end, 2000)
    for k, n in enumerate(want):
        c.ack(ack=hole.seq, options=sack_opts([(burst[1].seq,
                                                burst[4 + k].end_seq)]))
        got = data_in(c, PER_ACK, n)
        counts.append(len(got))
        for s in got:
            check(s.seq != hole.seq, "the hole was sent again (the RTO "
                  "fired: the test ran too slowly)")
            check(s.seq == nxt, "after SACK %d: expected new data at %u, "
                  "got %s" % (4 + k, nxt, s))
            nxt = seq_add(nxt, s.len)
    diag("new segments per SACK: %s (want %s)" % (counts, want))
    check(counts == want, "new segments per SACK %s, PRR's are %s" %
          (counts, want))
    c.ack(ack=nxt)


@test("undo_dsack", timeout=90)
def t_undo_dsack(env):
    """A spurious fast retransmit undone by D-SACK (RFC 2883, Linux's
    tcp_try_undo_recovery()): the peer SACKs three segments above the
    first, which is fast-retransmitted with cwnd reduced; then the
    original turns out to have arrived: the ACK of everything carries a
    D-SACK for the copy. cwnd returns to at least its 10 before the
    recovery, ssthresh to infinite, the state to Open."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=SACK_ONLY, synack_delay=MID_RTT)
    need_fresh_ssthresh(h)
    h.must("send 10000")
    segs = c.expect_data(10 * 1000, 5)
    c.ack(ack=segs[0].seq, options=sack_opts([(segs[1].seq,
                                               segs[3].end_seq)]))
    r = c.recv(FAST, lambda s: s.len > 0)
    check(r is not None and r.seq == segs[0].seq,
          "expected the fast retransmission of %u, got %s" % (segs[0].seq, r))
    i = tcpinfo(h)
    diag("in recovery: %s" % i)
    check(i["ca_state"] == 3 and i["cwnd"] < 10,
          "expected Recovery (3) with cwnd below 10, got %s" % i)
    c.ack(ack=segs[-1].end_seq, options=sack_opts([(segs[0].seq,
                                                    segs[0].end_seq)]))
    time.sleep(0.2)
    i = tcpinfo(h)
    diag("after the D-SACK: %s" % i)
    check(i["ca_state"] == 0, "not back in Open: %s" % i)
    check(i["cwnd"] >= 10, "cwnd %d not restored to 10: %s" % (i["cwnd"], i))
    check(i["ssthresh"] == INFINITE_SSTHRESH,
          "ssthresh %d not restored (infinite): %s" % (i["ssthresh"], i))


@test("frto_spurious_rto", timeout=90)
def t_frto_spurious_rto(env):
    """F-RTO (RFC 5682, Linux's tcp_process_loss()): no ACK comes for a
    window of 10 segments until the RTO resends the first; then the ACK of
    the first lets out new data, not the next segments (step 2.b); the
    ACK of the second, never resent, shows the RTO was spurious (step
    3.b): none of the other eight is ever resent (no go-back-N), and cwnd
    is back at 10."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    h.must("setsockopt SO_SNDBUF 1000000")
    c = env.active_open(h, options=SACK_ONLY, synack_delay=0.3)
    need_fresh_ssthresh(h)
    h.must("send 40000")
    segs = c.expect_data(10 * 1000, 5)
    end = segs[-1].end_seq
    t0 = time.time()
    # Linux may send a tail loss probe first; wait for the RTO's resend.
    r = c.recv(8, lambda s: s.len > 0 and s.seq == segs[0].seq)
    check(r is not None, "no retransmission of %u within 8 s" % segs[0].seq)
    diag("RTO retransmission %.3f s after the window" % (r.time - t0))
    c.ack(ack=segs[0].end_seq)
    got = data_in(c, 0.5, 2)
    diag("after the first ACK: %s" % "; ".join(str(s) for s in got))
    old = [s for s in got if seq_diff(s.seq, end) < 0]
    check(not old, "F-RTO step 2.b: expected new data, got a "
          "retransmission: %s" % "; ".join(str(s) for s in old))
    check(got, "nothing sent after the first ACK following the RTO")
    c.ack(ack=segs[1].end_seq)
    got += data_in(c, 0.6)
    old = [s for s in got if seq_diff(s.seq, end) < 0]
    check(not old, "retransmitted after the RTO proved spurious "
          "(go-back-N): %s" % "; ".join(str(s) for s in old))
    top = end
    for s in got:
        if seq_diff(s.end_seq, top) > 0:
            top = s.end_seq
    c.ack(ack=top)
    time.sleep(0.2)
    i = tcpinfo(h)
    diag("after the undo: %s" % i)
    check(i["ca_state"] == 0 and i["cwnd"] >= 10,
          "expected Open with cwnd restored to 10 or more, got %s" % i)
