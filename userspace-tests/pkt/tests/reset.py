# SPDX-License-Identifier: GPL-2.0
"""RST rules, and a SYN on an established connection (RFC 5961)."""

import time

from pktlib import F_ACK, F_RST, F_SYN, Conn, check, diag, seq_add
from tests import test, MSS_ONLY, survive


# --------------------------------------------------------------------------
# 2. RST rules
# --------------------------------------------------------------------------

@test("rst_closed_port", v6=True)
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
    h.must("connect_nb %s %d" % (env.peer_ip, pp))
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


@test("rst_inwindow_challenge", v6=True)
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


@test("rst_synrecv_request", v6=True)
def t_rst_synrecv_request(env):
    """A RST at exactly the request's RCV.NXT (the SYN-ACK's ack) ends the
    request (tcp_check_req()): no SYN-ACK is sent again after it, and the
    ACK that would have completed the handshake finds no request and gets
    a RST."""
    peer = env.start()
    h = env.new_helper()
    h.must("listen 7000")
    c = Conn(peer, env.port(), 7000, 0x30000000)
    c.send("S", seq=c.iss, options=MSS_ONLY)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "a SYN-ACK")
    check(sa.ack == c.snd_nxt, "SYN-ACK ack %u, expected %u" %
          (sa.ack, c.snd_nxt))
    c.send("R", seq=c.snd_nxt)
    c.expect_none(1.6, what="a SYN-ACK sent again after the RST")
    c.send("A", seq=c.snd_nxt, ack=seq_add(sa.seq, 1))
    r = c.expect(3, what="a RST for the ACK")
    check(r.flags & F_RST, "expected a RST (no request left), got %s" % r)
