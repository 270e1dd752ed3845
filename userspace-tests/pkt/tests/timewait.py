# SPDX-License-Identifier: GPL-2.0
"""TIME_WAIT: a RST does not end it with RFC 1337's protection on
(net.ktcp.rfc1337, on by default in ktcp; net.ipv4.tcp_rfc1337 for native
TCP, off by default in Linux) and does with it off; the ACK of a FIN sent
again is the one the connection sent last."""

import time

import struct

from pktlib import F_FIN, F_RST, InNetns, check, diag, seq_add
from pktlib import write_sysctl
from tests import test, MSS_ONLY, need_default_sysctls


def set_rfc1337(env, value):
    """The same setting for both stacks, in the test namespace."""
    name = "net.ipv4.tcp_rfc1337" if env.native else "net.ktcp.rfc1337"
    with InNetns(env.ns_k):
        write_sysctl(name, value)
    diag("%s = %s" % (name, value))


def their_fin(env, how):
    """The socket under test connects (no timestamps, so no PAWS) and
    sends its FIN first (@how: "close" or "shutdown wr"); returns the
    Conn, with their FIN counted, and the helper."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=MSS_ONLY)
    h.must(how)
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    return c, h


def enter_time_wait(env):
    """The socket under test closes first and we ACK its FIN with ours:
    it is in TIME_WAIT. Returns the Conn."""
    c, _ = their_fin(env, "close")
    c.send("FA")
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    a = c.expect(2, what="the ACK of our FIN")
    c.check_ack(a, "the last ACK, entering TIME_WAIT")
    return c


def rst_then_fin(c):
    """A RST at exactly RCV.NXT (TIME_WAIT assassination, RFC 1337 H1),
    then, after Linux's 500 ms out-of-window ACK limit, our FIN again:
    returns what answers the FIN."""
    time.sleep(0.6)
    c.send("R", seq=c.snd_nxt, ack=0)
    c.expect_none(0.7, what="reply to the RST")
    c.send("FA", seq=seq_add(c.snd_nxt, -1))
    return c.expect(3, what="the answer to a retransmitted FIN")


@test("timewait_rst_rfc1337", v6=True)
def t_timewait_rst_rfc1337(env):
    """rfc1337 = 1: a RST at RCV.NXT leaves TIME_WAIT as it was: the
    retransmitted FIN after it is ACKed."""
    set_rfc1337(env, 1)
    c = enter_time_wait(env)
    r = rst_then_fin(c)
    c.check_ack(r, "TIME_WAIT after the RST")


@test("timewait_rst_assassinates")
def t_timewait_rst_assassinates(env):
    """rfc1337 = 0 (Linux's default): a RST at RCV.NXT ends TIME_WAIT, so
    the retransmitted FIN after it finds no connection and gets a RST."""
    set_rfc1337(env, 0)
    c = enter_time_wait(env)
    r = rst_then_fin(c)
    check(r.flags & F_RST,
          "expected a RST for the FIN (TIME_WAIT ended), got %s" % r)
    check(r.seq == c.rcv_nxt, "RST seq %u, expected the FIN's ack %u" %
          (r.seq, c.rcv_nxt))


@test("timewait_overflow_ofo_fin")
def t_timewait_overflow_ofo_fin(env):
    """No TIME_WAIT bucket left (max_tw_buckets = 0): a FIN_WAIT2 socket
    whose FIN arrived out of order, above a one-byte hole, gets the hole
    filled: it takes both bytes, ACKs the FIN and is gone at once
    (tcp_time_wait()'s overflow), so the FIN sent again finds no
    connection and gets a RST. In ktcp the socket ends while its
    out-of-order queue is being drained: on the debug kernel, KASAN
    checks that nothing touches the freed reassembly state."""
    name = ("net.ipv4.tcp_max_tw_buckets" if env.native
            else "net.ktcp.max_tw_buckets")
    with InNetns(env.ns_k):
        write_sysctl(name, 0)
    c, h = their_fin(env, "shutdown wr")
    c.send("A")
    c.expect_none(0.3, what="an answer to the ACK of their FIN")
    c.send("FPA", seq=seq_add(c.snd_nxt, 1), data=b"b")
    dup = c.expect(2, what="the duplicate ACK for the hole")
    c.check_ack(dup, "the hole below our FIN")
    c.send("PA", data=b"a")
    c.snd_nxt = seq_add(c.snd_nxt, 3)
    a = c.expect(2, what="the ACK of the data and our FIN")
    c.check_ack(a, "the ACK of our FIN, entering TIME_WAIT")
    r = h.cmd("recv 100 3000", 6)
    check(r.ok and r.data() == b"ab", "recv: %s, expected b'ab'" % r)
    c.send("FA", seq=seq_add(c.snd_nxt, -1))
    r = c.expect(3, what="the answer to our FIN sent again")
    check(r.flags & F_RST,
          "expected a RST (no TIME_WAIT left), got %s" % r)


def tsopt(s):
    """(TSval, TSecr) of segment @s."""
    v = s.opt(8)
    check(v is not None and len(v) == 8, "no timestamp option in %s" % s)
    return struct.unpack("!II", v)


@test("timewait_fin_again_ack", v6=True)
def t_timewait_fin_again_ack(env):
    """With timestamps and window scaling: the socket under test closes
    first, and our FIN sent again 600 ms later (past the 500 ms limit on
    out-of-window ACKs) gets an ACK that repeats the last one: same SEQ,
    ACK, window field, TOS and IPv6 flow label, TSecr still our first FIN's
    TSval (a FIN below RCV.NXT does not move TS.Recent), TSval on the same
    clock. Linux's comes from its timewait sock (tcp_v4_timewait_ack()),
    ktcp's from its struct ktcp_tw, the socket being gone in both."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)),
            ("NOP", None), ("WScale", 7)]

    def echo_syn_ts(syn):
        opts[2] = ("Timestamp", (1000, tsopt(syn)[0]))
    c = env.active_open(h, options=opts, syn_check=echo_syn_ts)
    h.must("close")
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    echo = tsopt(fin)[0]
    ts_fin = [("NOP", None), ("NOP", None), ("Timestamp", (1001, echo))]
    c.send("FA", options=ts_fin)
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    a1 = c.expect(2, what="the ACK of our FIN")
    c.check_ack(a1, "the last ACK, entering TIME_WAIT")
    time.sleep(0.6)
    ts_again = [("NOP", None), ("NOP", None), ("Timestamp", (1002, echo))]
    c.send("FA", seq=seq_add(c.snd_nxt, -1), options=ts_again)
    a2 = c.expect(3, what="the ACK of our FIN sent again")
    c.check_ack(a2, "TIME_WAIT's ACK")
    for field in ("win", "tos", "flowlabel"):
        check(getattr(a2, field) == getattr(a1, field),
              "TIME_WAIT's ACK has %s %s, the last ACK had %s" %
              (field, getattr(a2, field), getattr(a1, field)))
    (v1, e1), (v2, e2) = tsopt(a1), tsopt(a2)
    check(e1 == 1001 and e2 == 1001,
          "TSecr %u then %u, expected 1001 both" % (e1, e2))
    check(0 <= (v2 - v1) % 2**32 < 5000,
          "TSval %u then %u 600 ms later: another clock" % (v1, v2))
