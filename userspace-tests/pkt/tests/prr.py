# SPDX-License-Identifier: GPL-2.0
"""cwnd in recovery (PRR, RFC 6937), as Linux 6.12's tcp_input.c
computes it."""

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
