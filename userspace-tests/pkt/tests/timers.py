# SPDX-License-Identifier: GPL-2.0
"""Timers: retransmission backoff, zero window probes, FIN
retransmission, keepalive.
"""

import time

from pktlib import (F_ACK, F_FIN, F_RST, F_SYN, Conn, check, check_backoff,
                    diag, fmt_times, intervals, seq_add)
from tests import test, collect_rtx
from tests.ecn import counter


# --------------------------------------------------------------------------
# 5. Retransmission timeout and backoff
# --------------------------------------------------------------------------

@test("rto_backoff", timeout=120)
def t_rto_backoff(env):
    """Unacknowledged data is retransmitted, same sequence and payload, at
    intervals that double; the first after about srtt + 200 ms (Linux
    floors the RTO at 200 ms). No SACK, so Linux sends no tail loss probe.
    Each timeout draws a new txhash, hence a new flow label over IPv6
    (tcp_write_timeout(): TcpTimeoutRehash, SO_TXREHASH on by default)."""
    env.start()
    rehash0 = counter(env, "TcpTimeoutRehash")
    h = env.new_helper()
    c = env.active_open(h)
    h.must("send 100")
    first = c.expect(3, lambda s: s.len > 0, "their data")
    check(first.seq == c.rcv_nxt and first.len == 100,
          "unexpected data segment %s" % first)
    times = collect_rtx(c, first, 5, lambda s: s.len > 0 or s.flags & F_RST,
                        "data")
    # The sixth timeout is seconds away: five, each a rehash.
    rehash = counter(env, "TcpTimeoutRehash") - rehash0
    check(rehash == 5, "TcpTimeoutRehash went up by %d in five timeouts, "
          "expected 5" % rehash)
    check_backoff(times, "data")
    check(times[1] - times[0] < 2.0,
          "first retransmission after %.2f s: no RTT-based RTO?" %
          (times[1] - times[0]))
    c.rcv_nxt = seq_add(c.rcv_nxt, 100)
    c.ack()
    c.expect_none(1.0, lambda s: s.len > 0, "retransmission after the ACK")


@test("synack_rtt_rto", timeout=60)
def t_synack_rtt_rto(env):
    """The passive side times its SYN-ACK (tcp_synack_rtt_meas()): the
    peer completes the handshake 100 ms after the SYN-ACK, without
    timestamps, so that time is the only RTT sample there is; the first
    retransmission of the first data then comes at SRTT + max(4 * RTTVAR,
    200 ms) = about 300 ms, not RFC 6298's initial 1 s."""
    env.start()
    h = env.new_helper()
    h.must("listen 7010")
    peer = env.peer
    c = Conn(peer, env.port(), 7010, 0x20000000)
    c.send("S", seq=c.snd_nxt, options=[("MSS", 1460)])
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "their SYN-ACK")
    c.irs = sa.seq
    c.rcv_nxt = seq_add(sa.seq, 1)
    time.sleep(max(0.0, sa.time + 0.1 - time.time()))
    c.ack()
    h.must("accept 5000", 10)
    h.must("send 100")
    first = c.expect(3, lambda s: s.len > 0, "their data")
    rtx = c.expect(3, lambda s: s.len > 0, "the first retransmission")
    d = rtx.time - first.time
    diag("first retransmission after %.3f s" % d)
    check(rtx.seq == first.seq and rtx.data == first.data,
          "not a retransmission: %s" % rtx)
    # 300 ms on hardware; TCG timers run late, never early.
    check(0.25 <= d < 0.7, "first RTO %.3f s, expected about 0.3 s "
          "(1 s: no RTT sample from the SYN-ACK)" % d)


@test("syn_timeout_rto_fallback", timeout=60)
def t_syn_timeout_rto_fallback(env):
    """The peer answers only the retransmitted SYN, without timestamps:
    the handshake gave no RTT sample (Karn), so the first data RTO is RFC
    6298 5.7's 3 s (tcp_init_metrics()), not 1 s."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h, options=[("MSS", 1460)], synack_delay=1.6)
    h.must("send 100")
    first = c.expect(3, lambda s: s.len > 0, "their data")
    rtx = c.expect(6, lambda s: s.len > 0, "the first retransmission")
    d = rtx.time - first.time
    diag("first retransmission after %.3f s" % d)
    check(rtx.seq == first.seq, "not a retransmission: %s" % rtx)
    check(2.8 <= d < 4.5, "first RTO %.3f s, expected about 3 s" % d)


# --------------------------------------------------------------------------
# 7. Zero window probes
# --------------------------------------------------------------------------

@test("zero_window_probe", timeout=120)
def t_zero_window_probe(env):
    """The peer shuts its window; queued data is held back and probed for
    with segments at SND.UNA - 1 carrying no data, at intervals that
    double though each probe is answered (with a zero window); when the
    window opens the data goes at once."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    # One segment's worth, so that no Nagle variant holds any of it back.
    h.must("send 1000")
    c.expect_data(1000, 5)
    c.ack(win=0)
    c.expect_none(0.3, lambda s: s.len > 0, "data into a zero window")
    h.must("send 1000")
    times = []
    for i in range(5):
        d = intervals(times)
        wait = max(3.0, 3 * d[-1] + 1.0) if d else 3.0
        s = c.expect(wait, what="window probe %d" % (i + 1))
        check(s.flags & (F_SYN | F_FIN | F_RST) == 0 and s.flags & F_ACK,
              "window probe %d: unexpected %s" % (i + 1, s))
        check(s.len == 0 and s.seq == seq_add(c.rcv_nxt, -1),
              "window probe %d: expected an ACK at SND.UNA - 1 = %u with "
              "no data (Linux's tcp_xmit_probe_skb), got %s" %
              (i + 1, seq_add(c.rcv_nxt, -1), s))
        times.append(s.time)
        c.ack(win=0)
    check_backoff(times, "window probes")
    t = c.ack(win=65535)
    s = c.expect(2, lambda s: s.len > 0, "the data once the window opened")
    diag("data %.3f s after the window opened" % (s.time - t))
    check(s.seq == c.rcv_nxt, "data at %u, expected %u" % (s.seq, c.rcv_nxt))
    c.backlog_push(s)
    c.expect_data(1000, 3)
    c.ack()


@test("zero_window_reopen_rto", timeout=120)
def t_zero_window_reopen_rto(env):
    """Four window probes back the persist timer off to several seconds;
    then the window opens and the data goes, but the peer loses it: it is
    retransmitted an RTO after it was sent, not at the persist timer's
    backed-off deadline (tcp_ack_probe() clears the probe timer and
    tcp_event_new_data_sent() arms the RTO when nothing was in flight)."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("send 1000")
    c.expect_data(1000, 5)
    c.ack(win=0)
    h.must("send 1000")
    times = []
    for i in range(4):
        d = intervals(times)
        wait = max(3.0, 3 * d[-1] + 1.0) if d else 3.0
        s = c.expect(wait, what="window probe %d" % (i + 1))
        check(s.len == 0 and s.seq == seq_add(c.rcv_nxt, -1),
              "window probe %d: expected an ACK at SND.UNA - 1 = %u with "
              "no data, got %s" % (i + 1, seq_add(c.rcv_nxt, -1), s))
        times.append(s.time)
        if i < 3:
            c.ack(win=0)
    check_backoff(times, "window probes")
    # The next probe would be about twice the last interval away.
    persist = 2 * intervals(times)[-1]
    t = c.ack(win=65535)
    first = c.expect(2, lambda s: s.len > 0, "the data once the window opened")
    check(first.seq == c.rcv_nxt and first.len == 1000,
          "unexpected data segment %s" % first)
    rtx = c.expect(persist + 3, lambda s: s.len > 0 or s.flags & F_RST,
                   "the retransmission of the data")
    gap = rtx.time - first.time
    diag("data %.3f s after the window opened, retransmitted %.3f s later; "
         "the persist timer was %.3f s away" %
         (first.time - t, gap, persist - (first.time - times[-1])))
    check(rtx.seq == first.seq and rtx.data == first.data,
          "expected a retransmission of %s, got %s" % (first, rtx))
    bound = min(1.5, persist / 2)
    check(gap < bound, "retransmitted %.2f s after the data, expected an RTO "
          "(under %.2f s): the persist timer's deadline was kept" %
          (gap, bound))
    c.rcv_nxt = seq_add(c.rcv_nxt, 1000)
    c.ack()
    c.expect_none(1.0, lambda s: s.len > 0, "data after everything was acked")


# --------------------------------------------------------------------------
# 8. FIN retransmission
# --------------------------------------------------------------------------

@test("fin_retransmit", timeout=120)
def t_fin_retransmit(env):
    """close(); the peer does not ACK the FIN: it is retransmitted, same
    sequence, with backoff; then ACK + FIN from the peer gets the last ACK."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("close")
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.flags & ~0x08 == F_FIN | F_ACK and fin.len == 0 and
          fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    times = collect_rtx(c, fin, 4, lambda s: s.flags & (F_FIN | F_RST),
                        "FIN")
    check_backoff(times, "FIN")
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    c.send("FA")
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    a = c.expect(2, what="the ACK of our FIN")
    c.check_ack(a, "last ACK")


# --------------------------------------------------------------------------
# 10. Keepalive
# --------------------------------------------------------------------------

def check_probe(c, s, i):
    check(s.flags & ~0x08 == F_ACK and s.len == 0 and
          s.seq == seq_add(c.rcv_nxt, -1) and s.ack == c.snd_nxt,
          "keepalive probe %d: expected ACK seq %u (SND.UNA - 1) ack %u, "
          "no data; got %s" % (i, seq_add(c.rcv_nxt, -1), c.snd_nxt, s))


def set_opts(h, opts):
    bad = []
    for o in opts:
        r = h.cmd("setsockopt " + o)
        if not r.ok:
            bad.append("%s: %s" % (o, r.errno))
    check(not bad, "setsockopt failed: " + ", ".join(bad))


def keepalive_until_rst(c, h, t_last, n, gap_lo, gap_hi):
    """@n unanswered keepalive probes, then a RST; the gaps from @t_last
    (the last segment the peer sent) on must be @gap_lo..@gap_hi s. recv()
    then fails with ETIMEDOUT."""
    times = []
    for i in range(n):
        s = c.expect(gap_hi + 2, what="unanswered keepalive probe %d" %
                     (i + 1))
        check_probe(c, s, i + 1)
        times.append(s.time)
    rst = c.recv(gap_hi + 2)
    r = h.cmd("recv 10 2000", 5)
    check(rst is not None, "no RST within %.0f s of unanswered probe %d "
          "(Linux sends one, tcp_send_active_reset); recv: %s" %
          (gap_hi + 2, n, r))
    check(rst.flags & F_RST and rst.seq == c.rcv_nxt and rst.len == 0,
          "expected RST seq %u after the probes, got %s" % (c.rcv_nxt, rst))
    gaps = [times[0] - t_last] + intervals(times) + [rst.time - times[-1]]
    diag("last segment -> probes -> RST: %s s" % fmt_times(gaps))
    for g in gaps:
        check(gap_lo <= g <= gap_hi, "keepalive gaps %s s, expected "
              "%.1f..%.1f s" % (fmt_times(gaps), gap_lo, gap_hi))
    check(r.errno == "ETIMEDOUT", "recv after the keepalive RST: %s, "
          "expected ETIMEDOUT" % r)


@test("keepalive", timeout=90)
def t_keepalive(env):
    """SO_KEEPALIVE, TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3: an idle
    connection sends a probe (SND.UNA - 1, no data) after 1 s; an answered
    probe keeps it; then 3 unanswered probes 1 s apart and a RST 1 s
    later, and recv() fails with ETIMEDOUT."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    set_opts(h, ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 1",
                 "TCP_KEEPCNT 3"))
    t_set = time.time()
    p1 = c.expect(5, what="keepalive probe 1")
    check_probe(c, p1, 1)
    diag("probe 1 %.3f s after the options were set" % (p1.time - t_set))
    t_ans = c.ack()
    keepalive_until_rst(c, h, t_ans, 3, 0.6, 3.0)


@test("keepalive_fin_wait2", timeout=90)
def t_keepalive_fin_wait2(env):
    """Keepalive goes on after shutdown(SHUT_WR): with SO_KEEPALIVE,
    TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3, the socket sends its
    FIN, the peer ACKs it (FIN_WAIT2) and then says nothing: 3 probes 1 s
    apart (SND.UNA - 1 is the FIN's sequence number), a RST 1 s later and
    ETIMEDOUT (tcp_keepalive_timer() probes in every state but CLOSE,
    SYN_SENT and LISTEN)."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    set_opts(h, ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 1",
                 "TCP_KEEPCNT 3"))
    h.must("shutdown wr")
    fin = c.expect(3, lambda s: s.flags & F_FIN, "their FIN")
    check(fin.flags & ~0x08 == F_FIN | F_ACK and fin.len == 0 and
          fin.seq == c.rcv_nxt, "unexpected FIN %s" % fin)
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    t_ack = c.ack()
    keepalive_until_rst(c, h, t_ack, 3, 0.6, 3.0)


@test("keepalive_user_timeout", timeout=90)
def t_keepalive_user_timeout(env):
    """TCP_USER_TIMEOUT replaces TCP_KEEPCNT: with TCP_KEEPIDLE 1,
    TCP_KEEPINTVL 2, TCP_KEEPCNT 1 and a 4 s user timeout, an idle
    connection probes at 1 s and 3 s (past KEEPCNT) and is reset at 5 s,
    the first expiry with a probe unanswered and 4 s without a word from
    the peer (tcp_keepalive_timer())."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    set_opts(h, ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 2",
                 "TCP_KEEPCNT 1", "TCP_USER_TIMEOUT 4000"))
    # Heard from last now: the keepalive clock starts here.
    t_data = c.send_data(b"x")
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our data")
    r = h.cmd("recv 10 2000", 5)
    check(r.ok and r.data() == b"x", "recv: %s" % r)
    keepalive_until_rst(c, h, t_data, 2, 0.6, 2.8)
