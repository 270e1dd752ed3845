# SPDX-License-Identifier: GPL-2.0
"""
TCP Fast Open (RFC 7413), the client side: the socket under test connects
with sendto(MSG_FASTOPEN) (ktcp_sockctl's sendfo) or TCP_FASTOPEN_CONNECT,
the scripted peer is the server and hands out the cookie. Linux 6.12 is the
reference: tcp_sendmsg_fastopen() (tcp.c), tcp_send_syn_data() and
tcp_syn_options() (tcp_output.c), tcp_rcv_fastopen_synack() and
tcp_rcv_synsent_state_process() (tcp_input.c), tcp_fastopen_cookie_check()
and tcp_fastopen_defer_connect() (tcp_fastopen.c):

- without a cookie for the peer, the SYN asks for one: Linux's SYN options
  [2,4,mss][4,2][8,10,tsval,0][1][3,3,ws] then [34,2][1][1] (24 bytes),
  no data; the data goes after the handshake;
- the SYN-ACK's cookie and MSS are kept (per pair of addresses); the next
  Fast Open connect's SYN carries [34,10,cookie][1][1] after the same 20
  bytes and as much of the write as min(cached MSS, route MSS) - 40
  allows, flags SYN alone;
- a SYN-ACK that acks the data: TCPFastOpenActive +1, TCPI_OPT_SYN_DATA;
  one that acks the SYN alone: the data goes again at once (ACK|PSH, seq
  iss + 1), TCPFastOpenActiveFail +1, tcpi_fastopen_client_fail 2
  (TFO_DATA_NOT_ACKED), or 3 (TFO_SYN_RETRANSMITTED) after a SYN timeout,
  and the socket is in TCP_CA_Loss (tcp_non_congestion_loss_retransmit());
- a SYN sent again (SYN timeout) has no data and no Fast Open option;
- the ACK of the SYN-ACK: at once, unless a blocking write still has data
  to send (sk_write_pending, inet_wait_for_connect()): then the ACK is
  delayed and the data carries it;
- TCP_FASTOPEN_CONNECT with a cookie: connect() returns 0 and sends
  nothing, the first write sends the SYN with its data.

The peer's SYN-ACKs carry an MSS option (and the cookie) alone, so the
client's segments after the SYN have no options.
"""

from pktlib import (F_ACK, F_PSH, F_SYN, Conn, InNetns, check, diag,
                    seq_add, write_sysctl)
from tests import test, counter, need_default_sysctls
from tests.handshake import expected_wscale, opt_problems

TFO = 34
COOKIE = bytes([0xc0, 0x0c, 0x1e, 0x5a, 0x11, 0x22, 0x33, 0x44])
REQUEST = bytes([TFO, 2, 1, 1])         # a cookie request, NOP, NOP
PEER_ISS = 0x10000000

TFO_CLIENT_ENABLE = 0x1
TFO_CLIENT_NO_COOKIE = 0x4
TCPI_OPT_SYN_DATA = 0x20
# tcpi_fastopen_client_fail (include/uapi/linux/tcp.h)
TFO_STATUS_UNSPEC, TFO_COOKIE_UNAVAILABLE = 0, 1
TFO_DATA_NOT_ACKED, TFO_SYN_RETRANSMITTED = 2, 3
TCP_CA_LOSS = 4


def set_fastopen(env, value):
    name = "net.ipv4.tcp_fastopen" if env.native else "net.ktcp.fastopen"
    with InNetns(env.ns_k):
        write_sysctl(name, value)


def cookie_bytes(cookie):
    return bytes([TFO, 2 + len(cookie)]) + cookie + b"\x01\x01"


def pattern(off, n):
    """ktcp_sockctl's bytes @off..@off+@n of its stream ('a'..'z')."""
    return bytes(97 + (off + i) % 26 for i in range(n))


class Client:
    """The socket under test's writes (ktcp_sockctl's pattern offset
    runs across its sockets) and the problems found on the way: a test
    goes on to the end and fails with all of them."""

    def __init__(self, env, h):
        self.env = env
        self.h = h
        self.off = 0
        self.p = []

    def problem(self, msg):
        diag("PROBLEM: " + msg)
        self.p.append(msg)

    def done(self):
        check(not self.p, "; ".join(self.p))

    def counters(self):
        return {n: counter(self.env, n) for n in ("TCPFastOpenActive",
                                                  "TCPFastOpenActiveFail")}

    def check_counters(self, before, active, fail, what):
        now = self.counters()
        d = (now["TCPFastOpenActive"] - before["TCPFastOpenActive"],
             now["TCPFastOpenActiveFail"] - before["TCPFastOpenActiveFail"])
        diag("%s: TCPFastOpenActive +%d, TCPFastOpenActiveFail +%d" %
             (what, d[0], d[1]))
        if d != (active, fail):
            self.problem("%s: TCPFastOpenActive +%d, TCPFastOpenActiveFail "
                         "+%d, expected +%d, +%d" % (what, d[0], d[1],
                                                      active, fail))

    def check_info(self, syn_data, fail, what, ca_state=None, retrans=None):
        r = self.h.must("tcpinfo")
        opts, ff = int(r.kv["options"]), int(r.kv["fo_fail"])
        if ca_state is not None and int(r.kv["ca_state"]) != ca_state:
            self.problem("%s: tcpi_ca_state %s, expected %d" %
                         (what, r.kv["ca_state"], ca_state))
        if retrans is not None and int(r.kv["retrans"]) != retrans:
            self.problem("%s: tcpi_retrans %s, expected %d" %
                         (what, r.kv["retrans"], retrans))
        if bool(opts & TCPI_OPT_SYN_DATA) != syn_data:
            self.problem("%s: tcpi_options %#x, TCPI_OPT_SYN_DATA expected "
                         "%s" % (what, opts, "set" if syn_data else "clear"))
        if ff != fail:
            self.problem("%s: tcpi_fastopen_client_fail %d, expected %d" %
                         (what, ff, fail))

    def sendfo(self, pp, n, nb=False):
        """sendto(MSG_FASTOPEN) of @n bytes to the peer's port @pp; a
        blocking one is only written (read its answer later with
        h.read()); returns the stream offset of its first byte and the
        reply (None if blocking)."""
        off = self.off
        line = "sendfo %s %d %d%s" % (self.env.peer_ip, pp, n,
                                      " nb" if nb else "")
        if nb:
            r = self.h.cmd(line)
            if r.ok:
                self.off += int(r.kv["sent"])
            return off, r
        self.h.write(line)
        return off, None

    def read_sent(self, n, what):
        """The answer of a blocking write of @n bytes."""
        r = self.h.read(10)
        check(r.ok and int(r.kv.get("sent", -1)) == n,
              "%s: expected ok sent=%d, got %s" % (what, n, r))
        self.off += n

    def syn(self, pp, what, opts_tail, data=b""):
        """Their SYN to @pp: flags SYN alone, Linux's 20 option bytes then
        @opts_tail, @data."""
        env = self.env
        s = env.peer.expect(5, lambda s: s.dport == pp and
                            s.flags & (F_SYN | F_ACK) == F_SYN, what)
        diag("%s: options %s, %d bytes" % (what, s.opts.hex(), s.len))
        if s.flags != F_SYN:
            self.problem("%s: flags %#x, expected SYN alone" % (what, s.flags))
        p = opt_problems(s.opts[:20], env.mtu_mss, expected_wscale(env), 0)
        p = [x for x in p if "option bytes" not in x]
        if s.opts[20:] != opts_tail:
            p.append("bytes 20.. %s, expected %s" % (s.opts[20:].hex(),
                                                     opts_tail.hex()))
        if p:
            self.problem("%s options %s: %s" % (what, s.opts.hex(),
                                               "; ".join(p)))
        if s.data != data:
            self.problem("%s: data %r (%d bytes), expected %r (%d bytes)" %
                         (what, s.data[:40], s.len, data[:40], len(data)))
        return s

    def synack(self, syn, acked=0, cookie=None, mss=1460):
        """Answer @syn with a SYN-ACK that acks @acked bytes of its data,
        with MSS @mss and @cookie (none if None); returns the Conn and the
        time it was sent."""
        c = Conn(self.env.peer, syn.dport, syn.sport, PEER_ISS, irs=syn.seq)
        c.rcv_nxt = seq_add(syn.seq, 1 + acked)
        opts = [("MSS", mss)]
        if cookie is not None:
            opts.append((TFO, cookie))
        t = c.send("SA", seq=c.iss, ack=c.rcv_nxt, options=opts)
        return c, t

    def pure_ack(self, c, t, what):
        """Their ACK of our SYN-ACK, at once (Linux: tcp_send_ack())."""
        a = c.expect(2, lambda s: True, "the ACK of our SYN-ACK (%s)" % what)
        diag("%s: %.3f s after our SYN-ACK: %s" % (what, a.time - t, a))
        if a.flags != F_ACK or a.len or a.seq != c.rcv_nxt or \
                a.ack != c.snd_nxt:
            self.problem("%s: expected a pure ACK seq %u ack %u, got %s" %
                         (what, c.rcv_nxt, c.snd_nxt, a))
        elif a.time - t > 0.15:
            self.problem("%s: the ACK came %.3f s after our SYN-ACK, "
                         "expected at once" % (what, a.time - t))
        return a

    def data_next(self, c, t, data, what, seq=None):
        """The first segment after our SYN-ACK carries @data (ACK|PSH),
        from @seq (their rcv_nxt), with the ACK: no pure ACK first."""
        seq = c.rcv_nxt if seq is None else seq
        s = c.expect(2, lambda s: True, "data (%s)" % what)
        diag("%s: %.3f s after our SYN-ACK: %s" % (what, s.time - t, s))
        if s.len == 0 and s.flags == F_ACK:
            self.problem("%s: a pure ACK %.3f s after our SYN-ACK (%s) "
                         "before the data; Linux sends none: the data "
                         "carries the ACK" % (what, s.time - t, s))
            s = c.expect(2, lambda s: s.len > 0, "data (%s)" % what)
        first = data[:s.len]
        if s.flags != F_ACK | F_PSH or s.seq != seq or s.ack != c.snd_nxt \
                or s.data != first:
            self.problem("%s: expected ACK|PSH seq %u ack %u with %r, got %s "
                         "%r" % (what, seq, c.snd_nxt, first[:20], s,
                                 s.data[:20]))
        if s.time - t > 0.15:
            self.problem("%s: the data came %.3f s after our SYN-ACK, "
                         "expected at once" % (what, s.time - t))
        got = s.data
        if len(got) < len(data):
            c.rcv_nxt = seq_add(s.seq, s.len)
            got += b"".join(x.data for x in c.expect_data(len(data) -
                                                          len(got), 3))
        else:
            c.rcv_nxt = seq_add(s.seq, s.len)
        if got != data:
            self.problem("%s: received %r, expected %r" % (what, got[:40],
                                                          data[:40]))
        return s

    def finish(self, c):
        """Ack what came, then reset the connection (at their RCV.NXT:
        never out of order, Linux's blackhole check stays out of it);
        the helper's next socket is a new one."""
        c.ack()
        c.send("R", seq=c.snd_nxt, ack=0)
        self.h.must("socket")

    def fetch_cookie(self, cookie=COOKIE, mss=1460, n=10):
        """A first connection (non-blocking sendto: EINPROGRESS, a cookie
        request) that gets @cookie and @mss kept."""
        pp = self.env.port()
        _, r = self.sendfo(pp, n, nb=True)
        if r.errno != "EINPROGRESS":
            self.problem("sendto(MSG_FASTOPEN | MSG_DONTWAIT) without a "
                         "cookie: %s, expected EINPROGRESS" % r)
        syn = self.syn(pp, "the SYN asking for a cookie", REQUEST)
        c, t = self.synack(syn, cookie=cookie, mss=mss)
        self.pure_ack(c, t, "cookie request, not blocking")
        self.h.must("wait_connect 3000", 6)
        self.finish(c)


def client(env):
    need_default_sysctls(env)
    env.start()
    set_fastopen(env, TFO_CLIENT_ENABLE)
    return Client(env, env.new_helper())


@test("fastopen_client", v6=True)
def t_fastopen_client(env):
    """A blocking sendto(MSG_FASTOPEN) without a cookie: the SYN asks for
    one ([34,2][1][1] after Linux's 20 bytes), its window that of a plain
    SYN; our SYN-ACK gives it; the data follows the handshake carrying
    the ACK (the ACK is delayed while the write waits); fastopen_client_fail
    1. The second: the SYN carries [34,10,cookie][1][1] and the data,
    flags SYN alone, the same window; our SYN-ACK acks the data: a pure
    ACK at once, sendto returns the length, TCPI_OPT_SYN_DATA,
    TCPFastOpenActive +1. The connection then works."""
    cl = client(env)
    h, peer = cl.h, env.peer

    # A plain SYN, for the window.
    pp = env.port()
    h.must("connect_nb %s %d" % (env.peer_ip, pp))
    plain = peer.expect(5, lambda s: s.dport == pp and s.flags & F_SYN,
                        "a plain SYN")
    peer.send(pp, plain.sport, "RA", 0, seq_add(plain.seq, 1), 0)
    h.cmd("wait_connect 2000", 4)
    h.must("socket")

    c0 = cl.counters()
    pp = env.port()
    off, _ = cl.sendfo(pp, 20)
    data = pattern(off, 20)
    syn = cl.syn(pp, "the SYN asking for a cookie", REQUEST)
    if syn.win != plain.win:
        cl.problem("cookie request SYN: window %d, a plain SYN's %d" %
                   (syn.win, plain.win))
    c, t = cl.synack(syn, cookie=COOKIE)
    cl.data_next(c, t, data, "cookie request, blocking write")
    cl.read_sent(20, "the first sendto")
    cl.check_info(False, TFO_COOKIE_UNAVAILABLE, "first connection")
    cl.check_counters(c0, 0, 0, "first connection")
    cl.finish(c)

    c0 = cl.counters()
    pp = env.port()
    off, _ = cl.sendfo(pp, 30)
    data = pattern(off, 30)
    syn = cl.syn(pp, "the SYN with data", cookie_bytes(COOKIE), data)
    if syn.win != plain.win:
        cl.problem("SYN with data: window %d, a plain SYN's %d" %
                   (syn.win, plain.win))
    if syn.tos != plain.tos or syn.df != plain.df:
        cl.problem("SYN with data: TOS %#x DF %s, a plain SYN's %#x %s" %
                   (syn.tos, syn.df, plain.tos, plain.df))
    c, t = cl.synack(syn, acked=30)
    cl.pure_ack(c, t, "data acked, blocking write")
    cl.read_sent(30, "the second sendto")
    cl.check_info(True, TFO_STATUS_UNSPEC, "second connection")
    cl.check_counters(c0, 1, 0, "second connection")
    # Both ways.
    c.send_data(b"alive")
    r = h.cmd("recv 100 3000", 6)
    if not (r.ok and r.data() == b"alive"):
        cl.problem("recv after Fast Open: %s" % r)
    h.must("send 7")
    cl.off += 7
    got = b"".join(s.data for s in c.expect_data(7, 3))
    if got != pattern(cl.off - 7, 7):
        cl.problem("data after Fast Open: %r" % got)
    cl.finish(c)
    cl.done()


@test("fastopen_client_nonblock")
def t_fastopen_client_nonblock(env):
    """Non-blocking sendto(MSG_FASTOPEN): without a cookie, -1/EINPROGRESS,
    the SYN asks for one, the SYN-ACK is acked at once (no write waits).
    With the cookie (and the MSS 1000 the SYN-ACK gave): it returns the
    bytes the SYN carries, min(1000, 1460) - 40 = 960 of 2000; the SYN-ACK
    that acks them gets a pure ACK at once; the rest is written next."""
    cl = client(env)
    cl.fetch_cookie(mss=1000)
    c0 = cl.counters()
    pp = env.port()
    off, r = cl.sendfo(pp, 2000, nb=True)
    if not (r.ok and r.kv.get("sent") == "960"):
        cl.problem("non-blocking sendto of 2000 bytes with a cookie: %s, "
                   "expected ok sent=960" % r)
    syn = cl.syn(pp, "the SYN with data", cookie_bytes(COOKIE),
                 pattern(off, 960))
    c, t = cl.synack(syn, acked=syn.len)
    cl.pure_ack(c, t, "data acked, not blocking")
    cl.h.must("wait_connect 3000", 6)
    cl.check_info(True, TFO_STATUS_UNSPEC, "non-blocking Fast Open")
    cl.check_counters(c0, 1, 0, "non-blocking Fast Open")
    cl.h.must("send 100")
    got = b"".join(s.data for s in c.expect_data(100, 3))
    if got != pattern(cl.off, 100):
        cl.problem("data after the SYN's: %r" % got[:30])
    cl.off += 100
    cl.finish(c)
    cl.done()


@test("fastopen_client_partial")
def t_fastopen_client_partial(env):
    """A blocking sendto(MSG_FASTOPEN) of 2000 bytes with the cookie and
    the MSS 1000 kept: the SYN carries 960 (min(1000, 1460) - 40); our
    SYN-ACK acks them; the write still has data to send, so no pure ACK:
    the next segment is the rest's first, carrying the ACK; 2000 returned."""
    cl = client(env)
    cl.fetch_cookie(mss=1000)
    c0 = cl.counters()
    pp = env.port()
    off, _ = cl.sendfo(pp, 2000)
    data = pattern(off, 2000)
    syn = cl.syn(pp, "the SYN with data", cookie_bytes(COOKIE), data[:960])
    c, t = cl.synack(syn, acked=syn.len)
    cl.data_next(c, t, data[syn.len:], "the rest of a blocking write")
    cl.read_sent(2000, "sendto of 2000 bytes")
    cl.check_info(True, TFO_STATUS_UNSPEC, "partial Fast Open")
    cl.check_counters(c0, 1, 0, "partial Fast Open")
    cl.finish(c)
    cl.done()


@test("fastopen_client_data_not_acked")
def t_fastopen_client_data_not_acked(env):
    """The SYN-ACK acks the SYN alone (the server took no data): the data
    goes again at once, ACK|PSH from iss + 1, carrying the ACK (no pure
    ACK); sendto returns its length; TCPFastOpenActiveFail +1,
    tcpi_fastopen_client_fail 2 (TFO_DATA_NOT_ACKED), no
    TCPI_OPT_SYN_DATA; TCP_CA_Loss with the data out again (tcpi_retrans
    1)."""
    cl = client(env)
    cl.fetch_cookie()
    c0 = cl.counters()
    pp = env.port()
    off, _ = cl.sendfo(pp, 40)
    data = pattern(off, 40)
    syn = cl.syn(pp, "the SYN with data", cookie_bytes(COOKIE), data)
    c, t = cl.synack(syn, acked=0)
    cl.data_next(c, t, data, "data not acked")
    cl.read_sent(40, "sendto")
    # tcp_non_congestion_loss_retransmit(): TCP_CA_Loss, one segment out
    # again (tcpi_retrans) until it is acked.
    cl.check_info(False, TFO_DATA_NOT_ACKED, "data not acked",
                  ca_state=TCP_CA_LOSS, retrans=1)
    cl.check_counters(c0, 0, 1, "data not acked")
    cl.finish(c)
    cl.done()


def syn_timeout(cl, nb):
    env = cl.env
    c0 = cl.counters()
    pp = env.port()
    off, r = cl.sendfo(pp, 40, nb=nb)
    if nb and not (r.ok and r.kv.get("sent") == "40"):
        cl.problem("non-blocking sendto with a cookie: %s, expected ok "
                   "sent=40" % r)
    data = pattern(off, 40)
    what = "blocking" if not nb else "not blocking"
    syn = cl.syn(pp, "the SYN with data (%s)" % what, cookie_bytes(COOKIE),
                 data)
    # Linux's SYN sent again: Linux's 20 option bytes, no Fast Open option
    # (not even while a blocking write waits), no data.
    rsyn = cl.syn(pp, "the SYN retransmitted (%s)" % what, b"")
    diag("retransmitted %.3f s after the SYN" % (rsyn.time - syn.time))
    if rsyn.seq != syn.seq:
        cl.problem("retransmitted SYN: seq %u, the SYN's %u" %
                   (rsyn.seq, syn.seq))
    c, t = cl.synack(rsyn, acked=0)
    cl.data_next(c, t, data, "data after a SYN timeout (%s)" % what)
    if not nb:
        cl.read_sent(40, "sendto")
    cl.check_info(False, TFO_SYN_RETRANSMITTED, "SYN timeout (%s)" % what,
                  ca_state=TCP_CA_LOSS, retrans=1)
    cl.check_counters(c0, 0, 1, "SYN timeout (%s)" % what)
    cl.finish(c)


@test("fastopen_client_syn_timeout", timeout=60)
def t_fastopen_client_syn_timeout(env):
    """The SYN with data and the cookie gets no answer: the SYN sent again
    1 s later has neither data nor Fast Open option; a SYN-ACK that acks
    the SYN alone gets the data at once (ACK|PSH, iss + 1);
    tcpi_fastopen_client_fail 3 (TFO_SYN_RETRANSMITTED), TCP_CA_Loss,
    TCPFastOpenActiveFail +1. Blocking, then not."""
    cl = client(env)
    cl.fetch_cookie()
    syn_timeout(cl, nb=False)
    syn_timeout(cl, nb=True)
    cl.done()


@test("fastopen_client_connect_opt")
def t_fastopen_client_connect_opt(env):
    """TCP_FASTOPEN_CONNECT 1 (reads back 1): without a cookie, connect()
    sends at once a SYN asking for one. With the cookie: a blocking
    connect() returns 0 at once and nothing leaves; poll() says POLLOUT;
    the first write sends the SYN with the cookie and its data, waits for
    the handshake and returns the length; TCPFastOpenActive +1. In any
    state but CLOSE, setting it is EINVAL."""
    cl = client(env)
    h = cl.h
    h.must("setsockopt TCP_FASTOPEN_CONNECT 1")
    r = h.must("getsockopt TCP_FASTOPEN_CONNECT")
    if r.kv.get("TCP_FASTOPEN_CONNECT") != "1":
        cl.problem("getsockopt TCP_FASTOPEN_CONNECT: %s" % r)
    pp = env.port()
    r = h.must("connect_nb %s %d" % (env.peer_ip, pp))
    syn = cl.syn(pp, "TCP_FASTOPEN_CONNECT's SYN without a cookie", REQUEST)
    c, t = cl.synack(syn, cookie=COOKIE)
    cl.pure_ack(c, t, "TCP_FASTOPEN_CONNECT, cookie request")
    h.must("wait_connect 3000", 6)
    r = h.cmd("setsockopt TCP_FASTOPEN_CONNECT 1")
    if r.errno != "EINVAL":
        cl.problem("TCP_FASTOPEN_CONNECT when established: %s, expected "
                   "EINVAL" % r)
    h.must("send 10")
    got = b"".join(s.data for s in c.expect_data(10, 3))
    if got != pattern(cl.off, 10):
        cl.problem("data after the handshake: %r" % got)
    cl.off += 10
    cl.finish(c)

    c0 = cl.counters()
    h.must("setsockopt TCP_FASTOPEN_CONNECT 1")
    pp = env.port()
    r = h.cmd("connect %s %d 3000" % (env.peer_ip, pp), 6)
    if not (r.ok and r.kv.get("inprogress") == "0"):
        cl.problem("TCP_FASTOPEN_CONNECT's connect() with a cookie: %s, "
                   "expected 0 at once" % r)
    s = env.peer.recv(0.5, lambda s: s.dport == pp)
    if s is not None:
        cl.problem("a segment before the first write: %s" % s)
    r = h.must("poll 0")
    if "OUT" not in r.kv.get("revents", ""):
        cl.problem("poll() of a deferred connect: %s, expected POLLOUT" % r)
    r = h.cmd("setsockopt TCP_FASTOPEN_CONNECT 0")
    if r.errno != "EINVAL":
        cl.problem("TCP_FASTOPEN_CONNECT in SYN_SENT (deferred): %s, "
                   "expected EINVAL" % r)
    off = cl.off
    h.write("send 25")
    data = pattern(off, 25)
    syn = cl.syn(pp, "the first write's SYN", cookie_bytes(COOKIE), data)
    c, t = cl.synack(syn, acked=25)
    cl.pure_ack(c, t, "TCP_FASTOPEN_CONNECT, data acked")
    cl.read_sent(25, "the first write")
    cl.check_info(True, TFO_STATUS_UNSPEC, "TCP_FASTOPEN_CONNECT")
    cl.check_counters(c0, 1, 0, "TCP_FASTOPEN_CONNECT")
    cl.finish(c)
    cl.done()


@test("fastopen_client_errors")
def t_fastopen_client_errors(env):
    """MSG_FASTOPEN on a connected socket (a blocking connect()): EISCONN,
    with an address or without. After a non-blocking connect() (the
    socket still SS_CONNECTING for inet_stream_connect(), the connection
    established), a sendto(MSG_FASTOPEN) to the peer is __inet_stream_connect()
    finding it done: the data goes as any write's; the next is EISCONN.
    TCP_FASTOPEN_CONNECT 2: EINVAL. With net.ipv4.tcp_fastopen
    (net.ktcp.fastopen) 0: sendto(MSG_FASTOPEN) and TCP_FASTOPEN_CONNECT
    are EOPNOTSUPP, and nothing leaves."""
    cl = client(env)
    h = cl.h
    pp = env.port()
    h.write("connect %s %d 5000" % (env.peer_ip, pp))
    syn = cl.syn(pp, "a plain SYN", b"")
    c, t = cl.synack(syn)
    cl.pure_ack(c, t, "plain connect")
    r = h.read(6)
    check(r.ok, "connect: %s" % r)
    for line in ("sendfo %s %d 5" % (env.peer_ip, pp), "sendfo - 0 5"):
        r = h.cmd(line)
        if r.errno != "EISCONN":
            cl.problem("%s when connected: %s, expected EISCONN" % (line, r))
            if r.ok:
                cl.off += int(r.kv["sent"])
    s = c.recv(0.2, lambda s: s.len > 0)
    if s is not None:
        cl.problem("data from a sendto(MSG_FASTOPEN) when connected: %s" % s)
    cl.finish(c)

    c = env.active_open(h)
    line = "sendfo %s %d 5" % (env.peer_ip, c.lport)
    r = h.cmd(line)
    if not (r.ok and r.kv.get("sent") == "5"):
        cl.problem("%s after a non-blocking connect: %s, expected ok sent=5"
                   % (line, r))
    else:
        got = b"".join(s.data for s in c.expect_data(5, 3))
        if got != pattern(cl.off, 5):
            cl.problem("%s after a non-blocking connect: sent %r" %
                       (line, got))
        cl.off += 5
    r = h.cmd(line)
    if r.errno != "EISCONN":
        cl.problem("%s again: %s, expected EISCONN" % (line, r))
    cl.finish(c)

    r = h.cmd("setsockopt TCP_FASTOPEN_CONNECT 2")
    if r.errno != "EINVAL":
        cl.problem("TCP_FASTOPEN_CONNECT 2: %s, expected EINVAL" % r)
    set_fastopen(env, 0)
    pp = env.port()
    r = h.cmd("sendfo %s %d 5" % (env.peer_ip, pp))
    if r.errno != "EOPNOTSUPP":
        cl.problem("sendto(MSG_FASTOPEN), fast open off: %s, expected "
                   "EOPNOTSUPP" % r)
    r = h.cmd("setsockopt TCP_FASTOPEN_CONNECT 1")
    if r.errno != "EOPNOTSUPP":
        cl.problem("TCP_FASTOPEN_CONNECT, fast open off: %s, expected "
                   "EOPNOTSUPP" % r)
    s = env.peer.recv(0.3, lambda s: s.dport == pp)
    if s is not None:
        cl.problem("a segment with fast open off: %s" % s)
    cl.done()


@test("fastopen_client_no_cookie")
def t_fastopen_client_no_cookie(env):
    """net.ipv4.tcp_fastopen 0x5 (TFO_CLIENT_NO_COOKIE): the first SYN
    carries the data and no Fast Open option at all (20 option bytes);
    a SYN-ACK that acks the data: TCPFastOpenActive +1,
    TCPI_OPT_SYN_DATA."""
    cl = client(env)
    set_fastopen(env, TFO_CLIENT_ENABLE | TFO_CLIENT_NO_COOKIE)
    c0 = cl.counters()
    pp = env.port()
    off, _ = cl.sendfo(pp, 30)
    data = pattern(off, 30)
    syn = cl.syn(pp, "the SYN with data, no cookie", b"", data)
    c, t = cl.synack(syn, acked=syn.len)
    cl.pure_ack(c, t, "no cookie, data acked")
    cl.read_sent(30, "sendto")
    cl.check_info(True, TFO_STATUS_UNSPEC, "no cookie")
    cl.check_counters(c0, 1, 0, "no cookie")
    cl.finish(c)
    cl.done()

