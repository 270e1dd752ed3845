# SPDX-License-Identifier: GPL-2.0
"""ECN (RFC 3168) as Linux 6.12 does it: negotiation with each value of
net.ipv4.tcp_ecn (native) / net.ktcp.ecn (ktcp), the SYN fallback, ECT(0)
on new data only, CE answered with ECE until CWR, and ECE answered with a
reduction of cwnd once per window and CWR on the next new data."""

import time

from pktlib import (F_ACK, F_CWR, F_ECE, F_FIN, F_SYN, Conn,
                    InNetns, check, diag, seq_add, seq_diff, write_sysctl)
from tests import test, counter, MSS_ONLY
from tests.data import their_tsval, ts_opts

ECT0, CE = 2, 3
TCPI_OPT_ECN, TCPI_OPT_ECN_SEEN = 8, 16
TCP_CA_OPEN, TCP_CA_CWR = 0, 2
MSS = 1460


def set_ecn(env, value, fallback=None):
    """The same setting for both stacks: net.ipv4.tcp_ecn[_fallback] for
    native TCP, net.ktcp.ecn[_fallback] for ktcp, in the test namespace."""
    pre = "net.ipv4.tcp_" if env.native else "net.ktcp."
    with InNetns(env.ns_k):
        write_sysctl(pre + "ecn", value)
        if fallback is not None:
            write_sysctl(pre + "ecn_fallback", fallback)
    diag("%secn = %s%s" % (pre, value, "" if fallback is None else
                           ", %secn_fallback = %s" % (pre, fallback)))


def tcpinfo(h):
    kv = h.must("tcpinfo").kv
    return {k: int(v) for k, v in kv.items()}


def ecn_field(s):
    return s.tos & 3


def check_not_ect(s, what):
    check(ecn_field(s) == 0, "%s is ECN-marked (tos %#04x): %s" %
          (what, s.tos, s))


def check_data_marks(c, h, nbytes, ect, what, cwr_first=False):
    """The socket under test sends @nbytes; each data segment is ECT(0)
    if @ect, else Not-ECT; none has ECE or CWR, but with @cwr_first the
    first one has CWR."""
    h.must("send %d" % nbytes)
    for i, s in enumerate(c.expect_data(nbytes)):
        check(ecn_field(s) == (ECT0 if ect else 0),
              "%s: data segment with ECN field %d, expected %d: %s" %
              (what, ecn_field(s), ECT0 if ect else 0, s))
        cwr = F_CWR if cwr_first and i == 0 else 0
        check(s.flags & (F_ECE | F_CWR) == cwr,
              "%s: ECE or CWR %s on %s" %
              (what, "missing" if cwr else "set", s))
    c.ack()


def syn_resent(c):
    """Did the SYN go out again (under a slow VM) before our SYN-ACK?"""
    return any(s.flags & F_SYN and c.mine(s) for s in c.peer.backlog)


@test("ecn_connect_sysctl", timeout=120)
def t_ecn_connect_sysctl(env):
    """connect() asks for ECN (ECE and CWR on a Not-ECT SYN) with the
    sysctl at 1 only; an ECN-setup SYN-ACK (ECE) then makes the data
    ECT(0) and TCP_INFO show TCPI_OPT_ECN, the ACK of the SYN-ACK stays
    Not-ECT. With 0 and 2 (the default) the SYN does not ask, and a
    SYN-ACK with ECE changes nothing."""
    env.start()
    for value in (2, 0, 1):
        set_ecn(env, value)
        h = env.new_helper()
        syns = []
        c = env.active_open(h, syn_check=syns.append, synack_flags="SAE",
                            options=MSS_ONLY)
        syn = syns[0]
        asked = syn.flags & (F_ECE | F_CWR)
        check(asked == ((F_ECE | F_CWR) if value == 1 else 0),
              "ecn=%d: SYN flags %#x, expected ECE+CWR only with 1: %s" %
              (value, syn.flags, syn))
        check_not_ect(syn, "the SYN")
        # A SYN timeout is tcp_enter_loss(), which queues CWR too.
        check_data_marks(c, h, 3000, value == 1, "ecn=%d" % value,
                         cwr_first=value == 1 and syn_resent(c))
        opts = tcpinfo(h)["options"]
        check(bool(opts & TCPI_OPT_ECN) == (value == 1),
              "ecn=%d: tcpi_options %#x" % (value, opts))
        h.must("close")


@test("ecn_synack_not_setup", timeout=120)
def t_ecn_synack_not_setup(env):
    """A SYN-ACK without ECE, or with ECE and CWR (not an ECN-setup
    SYN-ACK, RFC 3168 6.1.1), turns ECN off: data is Not-ECT."""
    env.start()
    set_ecn(env, 1)
    for flags in ("SA", "SAEC"):
        h = env.new_helper()
        c = env.active_open(h, synack_flags=flags, options=MSS_ONLY)
        check_data_marks(c, h, 2000, False, "SYN-ACK %s" % flags)
        opts = tcpinfo(h)["options"]
        check(not opts & TCPI_OPT_ECN, "SYN-ACK %s: tcpi_options %#x" %
              (flags, opts))
        h.must("close")


def listen(env, h):
    port = env.port()
    h.must("listen %d" % port)
    return port


@test("ecn_accept_sysctl", timeout=120)
def t_ecn_accept_sysctl(env):
    """A listener answers a SYN with ECE and CWR with an ECN-setup SYN-ACK
    (ECE, no CWR, Not-ECT) with the sysctl at 1 or 2, not at 0; a SYN with
    only one of them, or itself ECT(0), gets a plain SYN-ACK. An accepted
    ECN connection sends ECT(0) data."""
    peer = env.start()
    cases = [(0, "SEC", 0, False), (1, "SEC", 0, True), (2, "SEC", 0, True),
             (2, "S", 0, False), (2, "SE", 0, False), (2, "SC", 0, False),
             (2, "SEC", ECT0, False)]
    for value, flags, tos, ok in cases:
        set_ecn(env, value)
        h = env.new_helper()
        port = listen(env, h)
        pport = env.port()
        peer.send(pport, port, flags, 0x30000000, options=MSS_ONLY, tos=tos)
        sa = peer.expect(3, lambda s: s.dport == pport and
                         s.has(F_SYN | F_ACK), "the SYN-ACK")
        what = "ecn=%d, SYN %s tos %d" % (value, flags, tos)
        check(sa.flags & (F_ECE | F_CWR) == (F_ECE if ok else 0),
              "%s: SYN-ACK flags %#x, expected ECE %s: %s" %
              (what, sa.flags, "only" if ok else "none", sa))
        check_not_ect(sa, "the SYN-ACK")
        if value == 2 and flags == "SEC" and not tos:
            c = Conn(peer, pport, port, 0x30000000, irs=sa.seq)
            c.ack()
            h.must("accept 5000", 10)
            check_data_marks(c, h, 1000, True, what)
            opts = tcpinfo(h)["options"]
            check(opts & TCPI_OPT_ECN, "%s: tcpi_options %#x" % (what, opts))
        else:
            peer.send(pport, port, "R", 0x30000001)
        h.close()


@test("ecn_syn_fallback", timeout=120)
def t_ecn_syn_fallback(env):
    """RFC 3168 6.1.1.1: with the fallback sysctl at 1 (the default) a
    retransmitted SYN asks for ECN no more; at 0 it still does."""
    env.start()
    for fallback in (1, 0):
        set_ecn(env, 1, fallback)
        h = env.new_helper()
        port = env.port()
        h.must("connect_nb %s %d" % (env.peer_ip, port))
        syn = env.peer.expect(3, lambda s: s.dport == port and
                              s.flags & F_SYN, "the SYN")
        check(syn.has(F_SYN | F_ECE | F_CWR), "the SYN asks no ECN: %s" % syn)
        rtx = env.peer.expect(4, lambda s: s.dport == port and
                              s.flags & F_SYN, "the SYN retransmitted")
        check(rtx.seq == syn.seq, "not a retransmission: %s" % rtx)
        want = 0 if fallback else F_ECE | F_CWR
        check(rtx.flags & (F_ECE | F_CWR) == want,
              "fallback=%d: retransmitted SYN flags %#x: %s" %
              (fallback, rtx.flags, rtx))
        check_not_ect(rtx, "the retransmitted SYN")
        h.close()
    set_ecn(env, 1, 1)


@test("ecn_ect_marks", timeout=120)
def t_ecn_ect_marks(env):
    """On an ECN connection new data is ECT(0); a retransmission, a pure
    ACK and a FIN are Not-ECT (tcp_ecn_send())."""
    env.start()
    set_ecn(env, 1)
    h = env.new_helper()
    c = env.active_open(h, synack_flags="SAE", options=MSS_ONLY)
    h.must("send 500")
    d = c.expect(2, lambda s: s.len > 0, "the data")
    check(ecn_field(d) == ECT0, "new data not ECT(0): %s" % d)
    r = c.expect(4, lambda s: s.len > 0, "its retransmission")
    check(r.seq == d.seq, "not a retransmission: %s" % r)
    check_not_ect(r, "the retransmission")
    c.rcv_nxt = seq_add(d.seq, d.len)
    c.ack()
    c.send_data(b"x" * 100, tos=ECT0)
    a = c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our data")
    check(a.len == 0, "expected a pure ACK: %s" % a)
    check_not_ect(a, "the pure ACK")
    check(not a.flags & F_ECE, "ECE without CE: %s" % a)
    h.must("shutdown wr")
    f = c.expect(2, lambda s: s.flags & F_FIN, "their FIN")
    check_not_ect(f, "the FIN")


@test("ecn_ce_echo", timeout=120)
def t_ecn_ce_echo(env):
    """A CE-marked data segment is ACKed at once, out of pingpong mode
    (no delayed ACK: tcp_enter_quickack_mode()), and with ECE; every ACK
    carries ECE until a segment with CWR arrives, which is ACKed at once
    and without ECE. TCP_INFO then shows TCPI_OPT_ECN_SEEN."""
    peer = env.start()
    set_ecn(env, 2)
    h = env.new_helper()
    port = listen(env, h)
    c = env.passive_open(h, port, options=MSS_ONLY, syn_flags="SEC")

    def ack_of_all(s):
        return s.ack == c.snd_nxt and s.len == 0

    h.must("setsockopt TCP_QUICKACK 0")
    d0 = counter(env, "DelayedACKs")
    c.send_data(b"a" * 10, tos=ECT0)
    a = c.expect(2, ack_of_all, "the (delayed) ACK of ECT(0) data")
    check(not a.flags & F_ECE, "ECE without CE: %s" % a)
    peer.drain(0.3)
    d1 = counter(env, "DelayedACKs")
    check(d1 == d0 + 1, "pingpong mode: expected one delayed ACK, "
          "DelayedACKs went %d -> %d" % (d0, d1))

    h.must("setsockopt TCP_QUICKACK 0")
    c.send_data(b"b" * 10, tos=CE)
    a = c.expect(2, ack_of_all, "the ACK of CE data")
    check(a.flags & F_ECE, "no ECE in the ACK of CE data: %s" % a)
    check_not_ect(a, "the ACK")
    peer.drain(0.5)
    d2 = counter(env, "DelayedACKs")
    check(d2 == d1, "CE data was ACKed by the delayed-ACK timer "
          "(DelayedACKs %d -> %d), not at once" % (d1, d2))
    c.send_data(b"c" * 10, tos=ECT0)
    a = c.expect(2, ack_of_all, "the ACK of data after CE")
    check(a.flags & F_ECE, "ECE stopped before CWR: %s" % a)
    c.send_data(b"d" * 10, flags="PAC", tos=ECT0)
    a = c.expect(2, ack_of_all, "the ACK of data with CWR")
    check(not a.flags & F_ECE, "ECE after CWR: %s" % a)
    r = h.cmd("recvall 40 2000", 5)
    check(r.ok and r.data() == b"a" * 10 + b"b" * 10 + b"c" * 10 + b"d" * 10,
          "the reader got %s" % r)
    opts = tcpinfo(h)["options"]
    check(opts & (TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN) ==
          TCPI_OPT_ECN | TCPI_OPT_ECN_SEEN, "tcpi_options %#x" % opts)


@test("ecn_ece_reduce", timeout=120)
def t_ecn_ece_reduce(env):
    """ECE reduces cwnd once per window (tcp_enter_cwr(): CUBIC's ssthresh
    from cwnd 10 is 7) and the next new data segment carries CWR. With 10
    segments in flight, an ACK of 5 with ECE lets 2 new ones go (the first
    with CWR); an ACK of the other 5 with ECE, in the same window, reduces
    no further: 5 more go, none with CWR. ACKs above the window end CWR.
    TCPDeliveredCE counts the 10 segments acked with ECE."""
    peer = env.start()
    set_ecn(env, 2)
    h = env.new_helper()
    port = listen(env, h)
    # A slow handshake (0.5 s): a long RTO, none while the test looks.
    c = Conn(peer, env.port(), port, 0x30000000)
    c.send("SEC", seq=c.iss, options=MSS_ONLY)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK")
    check(sa.flags & F_ECE, "no ECN-setup SYN-ACK: %s" % sa)
    c.irs, c.rcv_nxt = sa.seq, seq_add(sa.seq, 1)
    time.sleep(0.5)
    c.ack()
    h.must("accept 5000", 10)
    ce0 = counter(env, "TCPDeliveredCE")
    total = 17 * MSS
    r = h.must("send %d nb" % total)
    check(int(r.kv.get("sent", 0)) == total, "send queued only %s" % r)
    first = c.expect_data(10 * MSS)
    check(len(first) == 10, "expected 10 segments (IW10), got %d" %
          len(first))

    def new_data(s):
        return s.len > 0 and seq_diff(s.seq, c.rcv_nxt) >= 0

    def burst(n, what):
        segs = c.expect_data(n * MSS, 3)
        check(len(segs) == n, "%s: %d segments, expected %d" %
              (what, len(segs), n))
        extra = c.recv(0.6, new_data)
        check(extra is None, "%s: more than %d segments: %s" %
              (what, n, extra))
        for s in segs:
            check(ecn_field(s) == ECT0, "%s: not ECT(0): %s" % (what, s))
        return segs

    check(c.recv(0.2, new_data) is None, "more than 10 segments")
    c.send("AE", ack=seq_add(first[0].seq, 5 * MSS))
    segs = burst(2, "after ECE on 5 of 10")
    check(segs[0].flags & F_CWR, "no CWR on the first new data after ECE: "
          "%s" % segs[0])
    check(not segs[1].flags & F_CWR, "CWR twice: %s" % segs[1])
    c.send("AE", ack=seq_add(first[0].seq, 10 * MSS))
    segs = burst(5, "after a second ECE in the window")
    for s in segs:
        check(not s.flags & F_CWR, "CWR again in the same window: %s" % s)
    ti = tcpinfo(h)
    check(ti["ca_state"] == TCP_CA_CWR and ti["ssthresh"] == 7 and
          ti["cwnd"] == 7, "expected CWR with cwnd = ssthresh = 7: %s" % ti)
    c.rcv_nxt = seq_add(first[0].seq, total)
    c.ack()
    peer.drain(0.3)
    ti = tcpinfo(h)
    check(ti["ca_state"] == TCP_CA_OPEN, "CWR did not end: %s" % ti)
    ce1 = counter(env, "TCPDeliveredCE")
    check(ce1 - ce0 == 10, "TCPDeliveredCE went %d -> %d, expected +10" %
          (ce0, ce1))


@test("ecn_syncookie", timeout=120, v6=True)
def t_ecn_syncookie(env):
    """With SYN cookies for every SYN (syncookies 2), the request's ECN
    rides in the cookie SYN-ACK's TSval (TS_OPT_ECN, Linux's
    cookie_init_timestamp()), and the ACK that echoes it makes an ECN
    connection: ECT(0) data, TCPI_OPT_ECN. Without timestamps there is
    nowhere to keep it: the cookie SYN-ACK has no ECE, the connection no
    ECN (tcp_conn_request())."""
    peer = env.start()
    set_ecn(env, 2)
    pre = "net.ipv4.tcp_" if env.native else "net.ktcp."
    with InNetns(env.ns_k):
        write_sysctl(pre + "syncookies", 2)
    for ts in (True, False):
        what = "cookie %s timestamps" % ("with" if ts else "without")
        sent0 = counter(env, "SyncookiesSent")
        h = env.new_helper()
        port = listen(env, h)
        pport = env.port()
        opts = ([("MSS", 1460), ("NOP", None), ("NOP", None),
                 ("Timestamp", (1000, 0))] if ts else MSS_ONLY)
        peer.send(pport, port, "SEC", 0x30000000, options=opts)
        sa = peer.expect(3, lambda s: s.dport == pport and
                         s.has(F_SYN | F_ACK), "the SYN-ACK")
        check(counter(env, "SyncookiesSent") > sent0,
              "%s: the SYN-ACK is no cookie" % what)
        check(sa.flags & (F_ECE | F_CWR) == (F_ECE if ts else 0),
              "%s: SYN-ACK flags %#x: %s" % (what, sa.flags, sa))
        c = Conn(peer, pport, port, 0x30000000, irs=sa.seq)
        c.ack(options=ts_opts(1001, their_tsval(sa)[0]) if ts else None)
        h.must("accept 5000", 10)
        check_data_marks(c, h, 1000, ts, what)
        opts = tcpinfo(h)["options"]
        check(bool(opts & TCPI_OPT_ECN) == ts, "%s: tcpi_options %#x" %
              (what, opts))
        h.close()
