# SPDX-License-Identifier: GPL-2.0
"""RST rules, and a SYN on an established connection (RFC 5961)."""

import struct
import time

from pktlib import F_ACK, F_RST, F_SYN, Conn, check, diag, seq_add
from tests import test, counter, LINUX_SYN_OPTS, MSS_ONLY, survive
from tests.data import their_tsval, ts_opts


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


# --------------------------------------------------------------------------
# 4. A request in SYN_RECV (tcp_check_req())
# --------------------------------------------------------------------------

def not_synack(s):
    """Anything but the SYN-ACK the request sends again after 1 s, 2 s...,
    which a slow kernel (the debug one) may send while a test waits."""
    return not s.flags & F_SYN


def listener(env):
    """The peer, and a helper listening on 7000."""
    peer = env.start()
    h = env.new_helper()
    h.must("listen 7000")
    return peer, h


def synrecv(peer, port, iss, options=LINUX_SYN_OPTS):
    """A SYN to the listener on 7000: the Conn and the SYN-ACK."""
    c = Conn(peer, port, 7000, iss)
    c.send("S", seq=c.iss, options=options)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "a SYN-ACK")
    check(sa.ack == c.snd_nxt, "SYN-ACK ack %u, expected %u" %
          (sa.ack, c.snd_nxt))
    return c, sa


def synack_wscale(sa):
    ws = sa.opt(3)
    return ws[0] if ws else 0


def check_req_ack(c, sa, a, tsecr, what):
    """@a is the ACK a request answers with: SEQ = ISS + 1, ACK = IRS + 1,
    the SYN-ACK's window scaled, NOP NOP TS with TSecr @tsecr (or no
    options without timestamps), no data."""
    p = []
    if a.flags != F_ACK:
        p.append("flags %#x, expected a bare ACK" % a.flags)
    if a.seq != seq_add(sa.seq, 1) or a.ack != c.snd_nxt:
        p.append("seq/ack %u/%u, expected %u/%u" %
                 (a.seq, a.ack, seq_add(sa.seq, 1), c.snd_nxt))
    if a.win != sa.win >> synack_wscale(sa):
        p.append("window %u, expected %u >> %u" %
                 (a.win, sa.win, synack_wscale(sa)))
    if tsecr is None:
        if a.opts:
            p.append("options %s, expected none" % a.opts.hex())
    elif len(a.opts) != 12 or a.opts[:4] != bytes([1, 1, 8, 10]) or \
            struct.unpack("!I", a.opts[8:12])[0] != tsecr:
        p.append("options %s, expected NOP NOP TS with TSecr %u" %
                 (a.opts.hex(), tsecr))
    if a.data:
        p.append("%d bytes of data" % len(a.data))
    check(not p, "%s: %s" % (what, "; ".join(p)))


def request_gone(c, sa):
    """No request is left: the ACK of the SYN-ACK gets a RST."""
    c.send("A", seq=c.snd_nxt, ack=seq_add(sa.seq, 1))
    r = c.expect(3, not_synack, "a RST for the ACK")
    check(r.flags & F_RST, "expected a RST (no request left), got %s" % r)


def completes(c, sa, h, what, options=None):
    """The ACK of the SYN-ACK completes the request: the helper accepts."""
    c.send("A", seq=c.snd_nxt, ack=seq_add(sa.seq, 1), options=options)
    r = h.cmd("accept 3000", 10)
    check(r.ok, "%s: the handshake did not complete (%s)" % (what, r))


@test("synrecv_oow_ack", v6=True)
def t_synrecv_oow_ack(env):
    """A request answers a segment outside the SYN-ACK's window with an ACK
    (tcp_check_req(), tcp_v4_reqsk_send_ack()) and lives on: the ACK of
    the SYN-ACK then completes it. A bare ACK outside the window 200 ms
    later is not answered (500 ms limit, TCPACKSkippedSynRecv); data right
    after it is answered whatever the limit. TSecr stays the SYN's TSval: a segment
    outside the window does not update TS.Recent."""
    peer, h = listener(env)
    c, sa = synrecv(peer, env.port(), 0x30000000)
    skipped = counter(env, "TCPACKSkippedSynRecv")
    far = seq_add(c.snd_nxt, 0x40000000)
    ts = ts_opts(12400, their_tsval(sa)[0])
    c.send("A", seq=far, ack=seq_add(sa.seq, 1), options=ts)
    a = c.expect(2, not_synack, "an ACK for an out-of-window ACK")
    check_req_ack(c, sa, a, 12345, "out-of-window ACK")
    time.sleep(0.1)
    c.send("A", seq=far, ack=seq_add(sa.seq, 1), options=ts)
    c.send("PA", seq=far, ack=seq_add(sa.seq, 1), data=b"x" * 10,
           options=ts)
    a = c.expect(2, not_synack, "an ACK for out-of-window data")
    check_req_ack(c, sa, a, 12345, "out-of-window data")
    c.expect_none(0.2, not_synack, "a second ACK within 500 ms")
    n = counter(env, "TCPACKSkippedSynRecv") - skipped
    check(n == 1, "TCPACKSkippedSynRecv grew by %d, expected 1" % n)
    completes(c, sa, h, "after out-of-window segments",
              options=ts_opts(12500, their_tsval(sa)[0]))


@test("synrecv_paws")
def t_synrecv_paws(env):
    """An ACK of the SYN-ACK whose TSval is older than the SYN's fails PAWS
    (RFC 7323 5.3): it gets an ACK and does not complete the request; a
    RST failing PAWS is dropped unanswered. The next ACK, with a fresh
    TSval, completes the request."""
    peer, h = listener(env)
    c, sa = synrecv(peer, env.port(), 0x31000000)
    name = "PAWSEstab" if env.native else "PAWSRejected"
    paws = counter(env, name)
    old = ts_opts(12000, their_tsval(sa)[0])
    c.send("A", seq=c.snd_nxt, ack=seq_add(sa.seq, 1), options=old)
    a = c.expect(2, not_synack, "an ACK for an ACK that fails PAWS")
    check_req_ack(c, sa, a, 12345, "ACK failing PAWS")
    r = h.cmd("accept 300", 5)
    check(not r.ok, "an ACK failing PAWS completed the handshake")
    c.send("R", seq=c.snd_nxt, options=old)
    c.expect_none(0.3, not_synack, "an answer to a RST failing PAWS")
    n = counter(env, name) - paws
    check(n == 2, "%s grew by %d, expected 2 (the ACK, the RST)" % (name, n))
    completes(c, sa, h, "after PAWS", options=ts_opts(12400, their_tsval(sa)[0]))


@test("synrecv_ts_recent_kept")
def t_synrecv_ts_recent_kept(env):
    """A request's TS.Recent stays the SYN's until the handshake completes
    (tcp_check_req() never writes it): a segment without ACK at RCV.NXT,
    TSval 2^31 - 10 ahead, is dropped without moving it, so the real ACK,
    whose TSval is only a little ahead of the SYN's, still completes the
    request, and is not answered as failing PAWS."""
    peer, h = listener(env)
    c, sa = synrecv(peer, env.port(), 0x35000000)
    c.send("P", seq=c.snd_nxt, ack=0, data=b"x",
           options=ts_opts(12345 + 0x7ffffff6, their_tsval(sa)[0]))
    c.expect_none(0.3, not_synack, "an answer to a segment without ACK")
    completes(c, sa, h, "after a far TSval",
              options=ts_opts(12400, their_tsval(sa)[0]))


@test("synrecv_rst_bad_ack", v6=True)
def t_synrecv_rst_bad_ack(env):
    """A RST|ACK whose ACK is not our SYN's is judged as a RST, not as a bad
    ACK (tcp_check_req() checks the ACK of non-RSTs only): in the window
    but not at RCV.NXT it draws a challenge ACK, at RCV.NXT it ends the
    request."""
    peer, h = listener(env)
    c, sa = synrecv(peer, env.port(), 0x36000000, MSS_ONLY)
    bad = seq_add(sa.seq, 1000)
    c.send("RA", seq=seq_add(c.snd_nxt, 1000), ack=bad)
    a = c.expect(2, not_synack, "a challenge ACK for an in-window RST|ACK")
    check_req_ack(c, sa, a, None, "challenge ACK (RST|ACK, bad ACK)")
    resets = counter(env, "EmbryonicRsts")
    c.send("RA", seq=c.snd_nxt, ack=bad)
    c.expect_none(0.3, not_synack, "an answer to a RST|ACK at RCV.NXT")
    n = counter(env, "EmbryonicRsts") - resets
    check(n == 1, "EmbryonicRsts grew by %d, expected 1" % n)
    request_gone(c, sa)


@test("synrecv_syn_in_window", v6=True)
def t_synrecv_syn_in_window(env):
    """A SYN inside the request's window (not its first SYN again) ends the
    request with a RST (tcp_check_req()'s embryonic reset): the ACK that
    would have completed it then gets a RST of its own."""
    peer, h = listener(env)
    c, sa = synrecv(peer, env.port(), 0x32000000, MSS_ONLY)
    resets = counter(env, "EmbryonicRsts")
    c.send("S", seq=seq_add(c.snd_nxt, 100), ack=0, options=MSS_ONLY)
    r = c.expect(2, lambda s: s.flags & F_RST, "a RST for the SYN")
    want = seq_add(c.snd_nxt, 101)
    check(r.flags == F_RST | F_ACK and r.ack == want and r.seq == 0,
          "RST %s, expected RST|ACK seq 0 ack %u" % (r, want))
    n = counter(env, "EmbryonicRsts") - resets
    check(n == 1, "EmbryonicRsts grew by %d, expected 1" % n)
    request_gone(c, sa)


@test("synrecv_rst_in_window", v6=True)
def t_synrecv_rst_in_window(env):
    """A request ignores a RST outside its window, and answers one inside
    it but not at RCV.NXT with a challenge ACK (RFC 5961 3.2, RFC 9293
    3.10.7.4; tcp_reqsk_send_challenge_ack()); it lives on through both,
    and completes. Only a RST at RCV.NXT ends it (rst_synrecv_request)."""
    peer, h = listener(env)
    c, sa = synrecv(peer, env.port(), 0x33000000, MSS_ONLY)
    name = "TCPChallengeACK" if env.native else "ChallengeAcks"
    challenges = counter(env, name)
    c.send("R", seq=seq_add(c.snd_nxt, 0x40000000))
    c.expect_none(0.3, not_synack, "an answer to an out-of-window RST")
    c.send("R", seq=seq_add(c.snd_nxt, 1000))
    a = c.expect(2, not_synack, "a challenge ACK for an in-window RST")
    check_req_ack(c, sa, a, None, "challenge ACK")
    n = counter(env, name) - challenges
    check(n == 1, "%s grew by %d, expected 1" % (name, n))
    completes(c, sa, h, "after the RSTs")
