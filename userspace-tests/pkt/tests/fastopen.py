# SPDX-License-Identifier: GPL-2.0
"""
TCP Fast Open (RFC 7413), the server side: the socket under test listens
(with TCP_FASTOPEN, the sysctl net.ipv4.tcp_fastopen or net.ktcp.fastopen
with the server bit 0x2), the scripted peer is the client. Linux 6.12's
tcp_try_fastopen() (net/ipv4/tcp_fastopen.c) is the reference:

- a SYN with an empty Fast Open option (kind 34, length 2) asks for a
  cookie: the SYN-ACK carries one, [34, 10, 8 bytes, NOP, NOP], after the
  other options (tcp_options_write(): MSS, SACK-permitted + timestamps,
  NOP + window scale, then the cookie);
- a SYN with data and a valid cookie makes the child at once: the
  SYN-ACK acknowledges the data (and carries no cookie), accept() returns
  the child and the data can be read before the peer's ACK; the child
  retransmits its SYN-ACK itself (1 s, doubling), never with a cookie;
- a SYN with data and an invalid cookie gets a SYN-ACK that acknowledges
  the SYN alone and carries the valid cookie;
- the experimental option (kind 254, magic 0xF989) is answered in kind.

The cookie is a per-netns secret's function of the two addresses (not the
ports), different for native TCP and ktcp: each test asks for it first.
"""

from pktlib import (F_ACK, F_RST, F_SYN, Conn, InNetns, check,
                    check_backoff, diag, seq_add, write_sysctl)
from tests import (test, counter, MSS_ONLY, LINUX_SYN_OPTS,
                   need_default_sysctls)
from tests.handshake import expected_wscale, opt_problems

TFO = 34                    # TCPOPT_FASTOPEN
EXP = 254                   # TCPOPT_EXP
EXP_MAGIC = b"\xf9\x89"     # TCPOPT_FASTOPEN_MAGIC
COOKIE_LEN = 8              # TCP_FASTOPEN_COOKIE_SIZE

# net.ipv4.tcp_fastopen bits (include/net/tcp.h)
TFO_CLIENT_ENABLE = 0x1
TFO_SERVER_ENABLE = 0x2
TFO_SERVER_COOKIE_NOT_REQD = 0x200
TFO_SERVER_WO_SOCKOPT1 = 0x400

PAYLOAD = b"fast open data!"


def set_fastopen(env, value):
    name = "net.ipv4.tcp_fastopen" if env.native else "net.ktcp.fastopen"
    with InNetns(env.ns_k):
        write_sysctl(name, value)


def tfo_listen(env, h, qlen=5, sysctl=TFO_CLIENT_ENABLE | TFO_SERVER_ENABLE,
               backlog=16):
    """A listener with TCP_FASTOPEN @qlen (none if 0), the stack's
    fast open sysctl at @sysctl. TCP_FASTOPEN is set on the listening
    socket (Linux accepts it in LISTEN as in CLOSE)."""
    set_fastopen(env, sysctl)
    port = env.port()
    h.must("listen %d %d" % (port, backlog))
    if qlen:
        h.must("lsetsockopt TCP_FASTOPEN %d" % qlen)
    return port


def tfo_opt(cookie, exp=False):
    """The peer's Fast Open option: a cookie request if @cookie is b"";
    scapy writes (kind, bytes) as [kind, 2 + len, bytes]."""
    if exp:
        return (EXP, EXP_MAGIC + cookie)
    return (TFO, cookie)


def cookie_of(sa, exp=False):
    """The cookie of SYN-ACK @sa, or None."""
    if exp:
        v = sa.opt(EXP)
        if v is None or v[:2] != EXP_MAGIC:
            return None
        return v[2:]
    return sa.opt(TFO)


def mss_opt(env):
    m = env.mtu_mss
    return bytes([2, 4, m >> 8, m & 0xff])


def cookie_bytes(cookie, exp=False):
    """What Linux's tcp_options_write() puts on the wire for @cookie:
    [34, 2 + len, cookie] padded with two NOPs to a multiple of 4 (len 8:
    length 10, 12 bytes), or [254, 4 + len, 0xf9, 0x89, cookie] (len 8:
    12 bytes, no padding)."""
    if exp:
        return bytes([EXP, 4 + len(cookie)]) + EXP_MAGIC + cookie
    b = bytes([TFO, 2 + len(cookie)]) + cookie
    if len(b) & 3 == 2:
        b += b"\x01\x01"
    return b


def check_synack_basics(sa, c, ack, what):
    """Flags SYN|ACK exactly (no PSH, ECE, CWR), TOS 0, no payload."""
    check(sa.flags == F_SYN | F_ACK,
          "%s: flags %#x, expected SYN|ACK alone" % (what, sa.flags))
    check(sa.len == 0, "%s: %d bytes of payload" % (what, sa.len))
    check(sa.tos == 0, "%s: TOS/traffic class %#x, expected 0" %
          (what, sa.tos))
    check(sa.ack == ack, "%s: acks %u (iss + %d), expected %u (iss + %d)" %
          (what, sa.ack, (sa.ack - c.iss) & 0xffffffff, ack,
           (ack - c.iss) & 0xffffffff))


def fetch_cookie(env, port, options=MSS_ONLY, exp=False, iss=0x21000000):
    """Ask the listener on @port for a cookie (a SYN with an empty Fast
    Open option), reset the request; returns (cookie, SYN-ACK)."""
    c = Conn(env.peer, env.port(), port, iss)
    c.send("S", seq=c.iss, options=options + [tfo_opt(b"", exp)])
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK to a "
                  "cookie request")
    c.send("R", seq=c.snd_nxt)
    cookie = cookie_of(sa, exp)
    check(cookie is not None, "the SYN-ACK to a cookie request carries no "
          "cookie: options %s" % sa.opts.hex())
    check(len(cookie) == COOKIE_LEN, "cookie of %d bytes (%s), expected %d" %
          (len(cookie), cookie.hex(), COOKIE_LEN))
    diag("cookie %s" % cookie.hex())
    return cookie, sa


def syn_data(env, port, cookie, data=PAYLOAD, options=MSS_ONLY, exp=False,
             iss=0x20000000, peer_port=None):
    """Send a SYN carrying @data and @cookie (None: no Fast Open option);
    returns the Conn (snd_nxt past the data) and the SYN-ACK."""
    c = Conn(env.peer, peer_port or env.port(), port, iss)
    opts = list(options)
    if cookie is not None:
        opts.append(tfo_opt(cookie, exp))
    c.send("S", seq=c.iss, options=opts, data=data)
    c.snd_nxt = seq_add(c.iss, 1 + len(data))
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK")
    c.irs = sa.seq
    c.rcv_nxt = seq_add(sa.seq, 1)
    return c, sa


def not_syn(s):
    return not s.flags & F_SYN


def survive_tfo(c, h, what):
    """tests.survive(), ignoring SYN-ACK retransmissions still in flight
    (a Fast Open child's SYN-ACK has the same ack as the ACK of our data
    before its data)."""
    c.send_data(b"alive")
    r = h.cmd("recv 100 3000", 6)
    check(r.ok and r.data() == b"alive",
          "%s: the connection did not survive: recv: %s" % (what, r))
    c.expect(2, lambda s: not_syn(s) and s.ack == c.snd_nxt and
             not s.flags & F_RST, "the ACK of our data")
    h.must("send 5")
    segs = c.expect_data(5, 3)
    check(b"".join(s.data for s in segs) == b"abcde",
          "%s: unexpected data %r" % (what, b"".join(s.data for s in segs)))
    c.ack()


def drop_synack_rtx(c, duration, ack):
    """Consume SYN-ACK retransmissions (checking that they ack @ack and
    carry no cookie) for @duration."""
    keep = []
    for s in c.peer.drain(duration):
        if not c.mine(s) or not s.flags & F_SYN:
            keep.append(s)
        else:
            diag("a SYN-ACK retransmission: %s" % s)
            check(s.ack == ack and s.opt(TFO) is None and
                  s.opt(EXP) is None,
                  "SYN-ACK retransmission %s: expected ack %u, no cookie" %
                  (s, ack))
    c.peer.backlog.extend(keep)


# --------------------------------------------------------------------------

@test("fastopen_cookie_request", v6=True)
def t_fastopen_cookie_request(env):
    """A SYN with an empty Fast Open option gets a cookie in the SYN-ACK:
    to a Linux-style SYN, [2,4,mss][4,2][8,10,tsval,tsecr][1][3,3,ws]
    [34,10,cookie][1][1] (32 bytes); to an MSS-only SYN,
    [2,4,mss][34,10,cookie][1][1]. The window, flags, TOS and DF are those
    of a plain SYN-ACK from the same listener. The cookie depends on the
    addresses only: a second request from another port gets the same one.
    TCPFastOpenCookieReqd counts the requests. The connection then works
    normally."""
    need_default_sysctls(env)
    peer = env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    mss, ws = env.mtu_mss, expected_wscale(env)
    reqd0 = counter(env, "TCPFastOpenCookieReqd")
    p = []

    # A plain SYN-ACK to the same SYN, for the window, TOS, DF.
    c = Conn(peer, env.port(), port, 0x30000000)
    c.send("S", seq=c.iss, options=LINUX_SYN_OPTS)
    plain = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "a plain SYN-ACK")
    c.send("R", seq=c.snd_nxt)
    check(plain.opt(TFO) is None, "a SYN without a Fast Open option got a "
          "cookie: %s" % plain.opts.hex())

    c = Conn(peer, env.port(), port, 0x31000000)
    c.send("S", seq=c.iss, options=LINUX_SYN_OPTS + [tfo_opt(b"")])
    sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK")
    c.send("R", seq=c.snd_nxt)
    diag("SYN-ACK to a Linux-style cookie request: options %s" %
         sa.opts.hex())
    check_synack_basics(sa, c, seq_add(c.iss, 1), "cookie request")
    check(sa.win == plain.win, "window %d, a plain SYN-ACK's is %d" %
          (sa.win, plain.win))
    check(sa.df == plain.df, "DF %s, a plain SYN-ACK's is %s" %
          (sa.df, plain.df))
    cookie = cookie_of(sa)
    check(cookie is not None and len(cookie) == COOKIE_LEN,
          "expected an 8-byte cookie, options %s" % sa.opts.hex())
    p += ["full SYN: " + x for x in opt_problems(sa.opts[:20], mss, ws,
                                                    12345)]
    if sa.opts[20:] != cookie_bytes(cookie):
        p.append("full SYN: bytes 20.. %s, expected %s (cookie option, "
                 "NOP, NOP)" % (sa.opts[20:].hex(),
                                cookie_bytes(cookie).hex()))

    c = Conn(peer, env.port(), port, 0x32000000)
    c.send("S", seq=c.iss, options=MSS_ONLY + [tfo_opt(b"")])
    sa2 = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK")
    diag("SYN-ACK to an MSS-only cookie request: options %s" %
         sa2.opts.hex())
    check_synack_basics(sa2, c, seq_add(c.iss, 1), "MSS-only cookie request")
    want = mss_opt(env) + cookie_bytes(cookie)
    if sa2.opts != want:
        p.append("MSS-only SYN: options %s, expected %s" %
                 (sa2.opts.hex(), want.hex()))
    check(not p, "SYN-ACK options: " + "; ".join(p))
    check(counter(env, "TCPFastOpenCookieReqd") - reqd0 == 2,
          "TCPFastOpenCookieReqd +%d, expected +2" %
          (counter(env, "TCPFastOpenCookieReqd") - reqd0))

    # The last one completes: a normal connection, no data in the SYN.
    c.irs = sa2.seq
    c.rcv_nxt = seq_add(sa2.seq, 1)
    c.ack()
    h.must("accept 5000", 10)
    r = h.cmd("recv 100 0")
    check(r.status == "timeout", "data before any was sent: %s" % r)
    survive_tfo(c, h, "after a cookie request")


@test("fastopen_data", v6=True)
def t_fastopen_data(env):
    """A SYN with data and the valid cookie: the SYN-ACK acknowledges the
    data (ack = iss + 1 + len), carries no cookie and only the MSS
    (MSS-only SYN), SYN|ACK alone, with the window of the cookie
    request's SYN-ACK; accept() returns the child and the data can be read
    before the peer's ACK. TCPFastOpenPassive +1. Then the connection
    works both ways."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    cookie, csa = fetch_cookie(env, port)
    passive0 = counter(env, "TCPFastOpenPassive")
    fail0 = counter(env, "TCPFastOpenPassiveFail")
    c, sa = syn_data(env, port, cookie)
    ack = seq_add(c.iss, 1 + len(PAYLOAD))
    check_synack_basics(sa, c, ack, "Fast Open SYN-ACK")
    check(sa.opts == mss_opt(env),
          "Fast Open SYN-ACK options %s, expected %s (MSS alone, no cookie)"
          % (sa.opts.hex(), mss_opt(env).hex()))
    check(sa.win == csa.win, "Fast Open SYN-ACK window %d, the cookie "
          "request's SYN-ACK had %d" % (sa.win, csa.win))
    check(sa.df == csa.df, "DF %s, the cookie request's SYN-ACK: %s" %
          (sa.df, csa.df))
    # Before our ACK: the child is in the accept queue, its data readable.
    h.must("accept 3000", 6)
    r = h.cmd("recv 100 2000", 5)
    check(r.ok and r.data() == PAYLOAD,
          "the SYN's data, before the handshake completed: %s" % r)
    check(counter(env, "TCPFastOpenPassive") - passive0 == 1,
          "TCPFastOpenPassive +%d, expected +1" %
          (counter(env, "TCPFastOpenPassive") - passive0))
    check(counter(env, "TCPFastOpenPassiveFail") == fail0,
          "TCPFastOpenPassiveFail counted a valid cookie")
    # Nothing else from them but SYN-ACK retransmissions (if the helper was
    # slow: the first comes 1 s after the SYN-ACK).
    drop_synack_rtx(c, 0.1, ack)
    c.ack()
    drop_synack_rtx(c, 0.3, ack)
    survive_tfo(c, h, "Fast Open")


@test("fastopen_data_options", v6=True)
def t_fastopen_data_options(env):
    """A Linux-style SYN with data and the valid cookie: the SYN-ACK has
    the full layout of a plain one, [2,4,mss][4,2][8,10,tsval,tsecr][1]
    [3,3,ws] (TSecr = the SYN's TSval), no cookie, and acks the data."""
    need_default_sysctls(env)
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    cookie, _ = fetch_cookie(env, port, options=LINUX_SYN_OPTS)
    c, sa = syn_data(env, port, cookie, options=LINUX_SYN_OPTS)
    c.send("R", seq=c.snd_nxt)
    check_synack_basics(sa, c, seq_add(c.iss, 1 + len(PAYLOAD)),
                        "Fast Open SYN-ACK")
    p = opt_problems(sa.opts, env.mtu_mss, expected_wscale(env), 12345)
    check(not p, "Fast Open SYN-ACK options %s: %s" % (sa.opts.hex(),
                                                        "; ".join(p)))


@test("fastopen_bad_cookie")
def t_fastopen_bad_cookie(env):
    """A SYN with data and a wrong cookie: the SYN-ACK acknowledges the SYN
    alone and carries the valid cookie (TCPFastOpenPassiveFail +1); the
    connection completes normally with no data, and the data sent again
    after the handshake arrives."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    cookie, _ = fetch_cookie(env, port)
    bad = bytes([cookie[0] ^ 0x5a]) + cookie[1:]
    passive0 = counter(env, "TCPFastOpenPassive")
    fail0 = counter(env, "TCPFastOpenPassiveFail")
    c, sa = syn_data(env, port, bad)
    check_synack_basics(sa, c, seq_add(c.iss, 1), "SYN-ACK to a bad cookie")
    want = mss_opt(env) + cookie_bytes(cookie)
    check(sa.opts == want, "SYN-ACK to a bad cookie: options %s, expected "
          "%s (MSS, the valid cookie, NOP, NOP)" % (sa.opts.hex(), want.hex()))
    check(counter(env, "TCPFastOpenPassiveFail") - fail0 == 1,
          "TCPFastOpenPassiveFail +%d, expected +1" %
          (counter(env, "TCPFastOpenPassiveFail") - fail0))
    check(counter(env, "TCPFastOpenPassive") == passive0,
          "TCPFastOpenPassive counted a bad cookie")
    # The SYN's data was not taken: we are back at iss + 1.
    c.snd_nxt = seq_add(c.iss, 1)
    c.ack()
    h.must("accept 5000", 10)
    r = h.cmd("recv 100 300", 3)
    check(r.status == "timeout", "data from a SYN with a bad cookie: %s" % r)
    c.send_data(PAYLOAD)
    r = h.cmd("recv 100 3000", 6)
    check(r.ok and r.data() == PAYLOAD, "the data sent again: %s" % r)
    c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our data")
    survive_tfo(c, h, "bad cookie")


@test("fastopen_disabled", timeout=120)
def t_fastopen_disabled(env):
    """No cookie without both the server bit and a queue: (a) sysctl 0x3
    and a listener without TCP_FASTOPEN, (b) sysctl 0x1 (the default,
    client only) and TCP_FASTOPEN 5. A cookie request gets a plain
    SYN-ACK (MSS alone); a SYN with data and some cookie gets one that
    acks the SYN alone, without a cookie. TCPFastOpenCookieReqd counts
    the request all the same (tcp_try_fastopen() counts it first)."""
    peer = env.start()
    for what, sysctl, qlen in (("no TCP_FASTOPEN", 3, 0),
                               ("server bit off", 1, 5)):
        h = env.new_helper()
        port = tfo_listen(env, h, qlen=qlen, sysctl=sysctl)
        reqd0 = counter(env, "TCPFastOpenCookieReqd")
        passive0 = counter(env, "TCPFastOpenPassive")
        fail0 = counter(env, "TCPFastOpenPassiveFail")
        c = Conn(peer, env.port(), port, 0x30000000)
        c.send("S", seq=c.iss, options=MSS_ONLY + [tfo_opt(b"")])
        sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK")
        c.send("R", seq=c.snd_nxt)
        check_synack_basics(sa, c, seq_add(c.iss, 1), what)
        check(sa.opts == mss_opt(env), "%s: cookie request answered with "
              "options %s, expected %s" % (what, sa.opts.hex(),
                                           mss_opt(env).hex()))
        check(counter(env, "TCPFastOpenCookieReqd") - reqd0 == 1,
              "%s: TCPFastOpenCookieReqd +%d, expected +1" %
              (what, counter(env, "TCPFastOpenCookieReqd") - reqd0))
        c, sa = syn_data(env, port, b"\x11" * COOKIE_LEN, iss=0x31000000)
        c.send("R", seq=seq_add(c.iss, 1))
        check_synack_basics(sa, c, seq_add(c.iss, 1), what + ", SYN data")
        check(sa.opts == mss_opt(env), "%s: SYN with data answered with "
              "options %s, expected %s" % (what, sa.opts.hex(),
                                           mss_opt(env).hex()))
        check(counter(env, "TCPFastOpenPassive") == passive0 and
              counter(env, "TCPFastOpenPassiveFail") == fail0,
              "%s: TCPFastOpenPassive/PassiveFail counted" % what)
        h.close()


@test("fastopen_exp_option")
def t_fastopen_exp_option(env):
    """The experimental option: a request [254, 4, 0xf9, 0x89] gets
    [254, 12, 0xf9, 0x89, cookie] (no NOPs: 12 bytes already), the same
    cookie as the RFC 7413 option's; a SYN with data and
    [254, 12, 0xf9, 0x89, cookie] makes a Fast Open child whose SYN-ACK
    acks the data and has no cookie."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    cookie, _ = fetch_cookie(env, port)
    ecookie, esa = fetch_cookie(env, port, exp=True, iss=0x22000000)
    diag("SYN-ACK to an experimental request: options %s" % esa.opts.hex())
    want = mss_opt(env) + cookie_bytes(cookie, exp=True)
    check(esa.opts == want, "experimental cookie SYN-ACK options %s, "
          "expected %s" % (esa.opts.hex(), want.hex()))
    check(ecookie == cookie, "experimental cookie %s, RFC 7413 cookie %s" %
          (ecookie.hex(), cookie.hex()))
    passive0 = counter(env, "TCPFastOpenPassive")
    c, sa = syn_data(env, port, cookie, exp=True)
    check_synack_basics(sa, c, seq_add(c.iss, 1 + len(PAYLOAD)),
                        "experimental Fast Open SYN-ACK")
    check(sa.opts == mss_opt(env), "experimental Fast Open SYN-ACK options "
          "%s, expected %s" % (sa.opts.hex(), mss_opt(env).hex()))
    check(counter(env, "TCPFastOpenPassive") - passive0 == 1,
          "TCPFastOpenPassive not counted")
    c.ack()
    h.must("accept 5000", 10)
    r = h.cmd("recv 100 2000", 5)
    check(r.ok and r.data() == PAYLOAD, "the SYN's data: %s" % r)
    drop_synack_rtx(c, 0.2, c.snd_nxt)
    survive_tfo(c, h, "experimental Fast Open")


@test("fastopen_synack_rtx", timeout=120)
def t_fastopen_synack_rtx(env):
    """The peer stays silent after a Fast Open SYN-ACK: the child
    retransmits it, 1 s after it (TCP_TIMEOUT_INIT), then 2 s later,
    each the same seq, acking the data, without a cookie (tcp_rtx_synack()
    passes no cookie). The data can be read meanwhile; the peer's ACK then
    completes the connection."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    cookie, _ = fetch_cookie(env, port)
    c, sa = syn_data(env, port, cookie)
    ack = seq_add(c.iss, 1 + len(PAYLOAD))
    check_synack_basics(sa, c, ack, "Fast Open SYN-ACK")
    times = [sa.time]
    for i in range(2):
        s = c.expect(3.0 * (2 ** i) + 2.0, lambda s: s.flags & F_SYN,
                     "SYN-ACK retransmission %d" % (i + 1))
        check_synack_basics(s, c, ack, "SYN-ACK retransmission %d" % (i + 1))
        check(s.seq == sa.seq, "retransmission %d: seq %u, the SYN-ACK's %u"
              % (i + 1, s.seq, sa.seq))
        check(s.opts == mss_opt(env), "retransmission %d: options %s, "
              "expected %s (no cookie)" % (i + 1, s.opts.hex(),
                                           mss_opt(env).hex()))
        times.append(s.time)
        if i == 0:
            h.must("accept 3000", 6)
            r = h.cmd("recv 100 1000", 4)
            check(r.ok and r.data() == PAYLOAD, "the SYN's data: %s" % r)
    d = [b - a for a, b in zip(times, times[1:])]
    # Timers fire late under TCG, never early (a jiffy of slack).
    check(d[0] >= 0.9, "first retransmission %.3f s after the SYN-ACK, "
          "expected 1 s (TCP_TIMEOUT_INIT)" % d[0])
    # Ratio 2 (1 s, then 2 s); lo 1.3: the first timer may fire late.
    check_backoff(times, "Fast Open SYN-ACK retransmissions", lo=1.3,
                  min_gap=0.9)
    c.ack()
    c.expect_none(0.3, lambda s: s.flags & F_SYN, "a SYN-ACK after our ACK")
    survive_tfo(c, h, "after SYN-ACK retransmissions")


@test("fastopen_dup_syn", timeout=120)
def t_fastopen_dup_syn(env):
    """A Fast Open child in SYN_RECV gets the SYN again (same seq, data
    and cookie) right after its first SYN-ACK retransmission (the next is
    2 s away): tcp_check_req() answers a pure retransmitted SYN with a
    SYN-ACK retransmission (acking the data, no cookie) and drops its
    data: the data is read once, TCPFastOpenPassive counts one child."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h)
    cookie, _ = fetch_cookie(env, port)
    passive0 = counter(env, "TCPFastOpenPassive")
    c, sa = syn_data(env, port, cookie)
    ack = seq_add(c.iss, 1 + len(PAYLOAD))
    r1 = c.expect(4, lambda s: s.flags & F_SYN, "the first SYN-ACK "
                  "retransmission")
    check_synack_basics(r1, c, ack, "SYN-ACK retransmission")
    t = c.send("S", seq=c.iss, options=MSS_ONLY + [tfo_opt(cookie)],
               data=PAYLOAD)
    s = c.expect(1.5, lambda s: True, "the answer to the duplicate SYN")
    diag("answer %.3f s after the duplicate SYN" % (s.time - t))
    check_synack_basics(s, c, ack, "answer to the duplicate SYN")
    check(s.seq == sa.seq and s.opts == mss_opt(env),
          "answer to the duplicate SYN: %s, expected the SYN-ACK again "
          "(seq %u, options %s)" % (s, sa.seq, mss_opt(env).hex()))
    c.ack()
    h.must("accept 3000", 6)
    r = h.cmd("recvall 100 500", 4)
    check(r.ok and r.data() == PAYLOAD, "the data, once: %s" % r)
    check(counter(env, "TCPFastOpenPassive") - passive0 == 1,
          "TCPFastOpenPassive +%d, expected +1" %
          (counter(env, "TCPFastOpenPassive") - passive0))
    survive_tfo(c, h, "duplicate SYN")


@test("fastopen_listen_overflow", timeout=120)
def t_fastopen_listen_overflow(env):
    """TCP_FASTOPEN 1: one Fast Open child still in SYN_RECV fills the
    queue; the next SYN with data and a valid cookie gets a plain SYN-ACK
    (the SYN alone acked, no cookie: tcp_fastopen_queue_check() fails
    before any cookie is looked at) and TCPFastOpenListenOverflow +1.
    Once the first child's handshake completes, Fast Open works again."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h, qlen=1)
    cookie, _ = fetch_cookie(env, port)
    ovf0 = counter(env, "TCPFastOpenListenOverflow")
    passive0 = counter(env, "TCPFastOpenPassive")
    c1, sa1 = syn_data(env, port, cookie, iss=0x40000000)
    check_synack_basics(sa1, c1, seq_add(c1.iss, 1 + len(PAYLOAD)),
                        "first Fast Open SYN-ACK")
    c2, sa2 = syn_data(env, port, cookie, iss=0x41000000)
    check_synack_basics(sa2, c2, seq_add(c2.iss, 1),
                        "SYN-ACK with the Fast Open queue full")
    check(sa2.opts == mss_opt(env), "SYN-ACK with the Fast Open queue full:"
          " options %s, expected %s (no cookie)" % (sa2.opts.hex(),
                                                    mss_opt(env).hex()))
    check(counter(env, "TCPFastOpenListenOverflow") - ovf0 == 1,
          "TCPFastOpenListenOverflow +%d, expected +1" %
          (counter(env, "TCPFastOpenListenOverflow") - ovf0))
    check(counter(env, "TCPFastOpenPassive") - passive0 == 1,
          "TCPFastOpenPassive +%d, expected +1" %
          (counter(env, "TCPFastOpenPassive") - passive0))
    c2.send("R", seq=seq_add(c2.iss, 1))
    # The first child's handshake completes: its slot is free again.
    c1.ack()
    drop_synack_rtx(c1, 0.3, c1.snd_nxt)
    c3, sa3 = syn_data(env, port, cookie, iss=0x42000000)
    check_synack_basics(sa3, c3, seq_add(c3.iss, 1 + len(PAYLOAD)),
                        "Fast Open SYN-ACK after the first completed")
    check(counter(env, "TCPFastOpenPassive") - passive0 == 2,
          "TCPFastOpenPassive +%d, expected +2" %
          (counter(env, "TCPFastOpenPassive") - passive0))
    check(counter(env, "TCPFastOpenListenOverflow") - ovf0 == 1,
          "TCPFastOpenListenOverflow counted again")
    c3.ack()
    for c in (c1, c3):
        h.must("accept 3000", 6)
        r = h.cmd("recv 100 2000", 5)
        check(r.ok and r.data() == PAYLOAD, "a child's data: %s" % r)


@test("fastopen_no_cookie", timeout=120)
def t_fastopen_no_cookie(env):
    """Fast Open without cookies: with the sysctl's 0x200 (server needs no
    cookie), or with TCP_FASTOPEN_NO_COOKIE 1 on the listener, a SYN with
    data and no Fast Open option at all makes a child: its SYN-ACK acks
    the data and has no cookie. Without either, the same SYN's data is not
    acked."""
    env.start()
    cases = (("no Fast Open", 3, None, False),
             ("sysctl 0x203", 0x203, None, True),
             ("TCP_FASTOPEN_NO_COOKIE", 3, 1, True))
    for what, sysctl, nocookie, ok in cases:
        h = env.new_helper()
        port = tfo_listen(env, h, sysctl=sysctl)
        if nocookie is not None:
            h.must("lsetsockopt TCP_FASTOPEN_NO_COOKIE %d" % nocookie)
        passive0 = counter(env, "TCPFastOpenPassive")
        c, sa = syn_data(env, port, None)
        ack = seq_add(c.iss, 1 + len(PAYLOAD) if ok else 1)
        check_synack_basics(sa, c, ack, what)
        check(sa.opts == mss_opt(env), "%s: options %s, expected %s" %
              (what, sa.opts.hex(), mss_opt(env).hex()))
        check(counter(env, "TCPFastOpenPassive") - passive0 == int(ok),
              "%s: TCPFastOpenPassive +%d, expected +%d" %
              (what, counter(env, "TCPFastOpenPassive") - passive0, ok))
        if ok:
            h.must("accept 3000", 6)
            r = h.cmd("recv 100 2000", 5)
            check(r.ok and r.data() == PAYLOAD, "%s: the SYN's data: %s" %
                  (what, r))
        c.send("R", seq=sa.ack)
        h.close()


@test("fastopen_wo_sockopt")
def t_fastopen_wo_sockopt(env):
    """With the sysctl's 0x400 (and 0x2), every listener does Fast Open
    without TCP_FASTOPEN, its queue the listen backlog: a cookie request
    gets a cookie, a SYN with data and the cookie a Fast Open child."""
    env.start()
    h = env.new_helper()
    port = tfo_listen(env, h, qlen=0, sysctl=0x403)
    cookie, _ = fetch_cookie(env, port)
    c, sa = syn_data(env, port, cookie)
    check_synack_basics(sa, c, seq_add(c.iss, 1 + len(PAYLOAD)),
                        "Fast Open SYN-ACK (0x400)")
    c.ack()
    h.must("accept 3000", 6)
    r = h.cmd("recv 100 2000", 5)
    check(r.ok and r.data() == PAYLOAD, "the SYN's data: %s" % r)
