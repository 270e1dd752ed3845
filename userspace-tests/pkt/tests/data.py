# SPDX-License-Identifier: GPL-2.0
"""Out-of-window data and timestamps (PAWS, TS.Recent)."""

import struct

from pktlib import check, diag, seq_add
from tests import test, need_default_sysctls


# --------------------------------------------------------------------------
# 4. Out-of-window data
# --------------------------------------------------------------------------

@test("oow_data", v6=True)
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


@test("ack_unsent_data")
def t_ack_unsent_data(env):
    """A segment that acknowledges data never sent is dropped: silently in
    ESTABLISHED (Linux 6.12's tcp_ack(), ACK_UNSENT_DATA), with a
    challenge ACK in CLOSE_WAIT (tcp_rcv_state_process()); its data never
    reaches the reader either way."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    bogus = seq_add(c.rcv_nxt, 1000)
    c.send("PA", ack=bogus, data=b"X" * 10)
    c.expect_none(0.8, what="a reply to an ACK of unsent data")
    r = h.cmd("recv 200 500", 3)
    check(r.status == "timeout", "its data was delivered: %s" % r)
    c.send_data(b"A" * 10)
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of in-order data")
    c.send("FA")
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our FIN")
    c.send("A", ack=bogus)
    a = c.expect(2, what="a challenge ACK in CLOSE_WAIT")
    c.check_ack(a, "challenge ACK")
    r = h.cmd("recv 200 2000", 4)
    check(r.ok and r.data() == b"A" * 10, "the reader got %s" % r)


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
