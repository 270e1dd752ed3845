# SPDX-License-Identifier: GPL-2.0
"""TIME_WAIT: a RST does not end it with RFC 1337's protection on
(net.ktcp.rfc1337, on by default in ktcp; net.ipv4.tcp_rfc1337 for native
TCP, off by default in Linux) and does with it off."""

import time

from pktlib import F_FIN, F_RST, InNetns, check, diag, seq_add
from pktlib import write_sysctl
from tests import test, MSS_ONLY


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
