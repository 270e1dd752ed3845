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


def enter_time_wait(env):
    """The socket under test connects (no timestamps, so no PAWS), closes
    first, and ACKs the peer's FIN: it is in TIME_WAIT. Returns the Conn."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=MSS_ONLY)
    h.must("close")
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
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


@test("timewait_rst_rfc1337")
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
