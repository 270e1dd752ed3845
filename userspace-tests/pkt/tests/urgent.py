# SPDX-License-Identifier: GPL-2.0
"""Urgent data: URG and the urgent pointer on the wire (send(MSG_OOB)),
and what a receiver makes of pointers ahead of the data."""

from pktlib import F_URG, check, seq_add
from tests import test


def data_seg(c, what):
    return c.expect(3, lambda s: s.len > 0, what)


@test("urg_send")
def t_urg_send(env):
    """send(MSG_OOB) as Linux puts it on the wire: the segment carries URG
    and a pointer to the byte after the urgent one (RFC 6093); a later
    write goes at once (no Nagle in urgent mode) and, starting at SND.UP,
    without URG. Into a shut window, the probe is doubled: one at SND.UNA
    carrying the pointer, then the usual one at SND.UNA - 1 (with it too);
    the urgent byte goes with URG when the window opens, and once it is
    acknowledged URG is gone."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("sendstr ab")
    s = data_seg(c, "the plain data")
    check(s.data == b"ab" and not s.flags & F_URG and s.urp == 0,
          "plain data: expected b'ab' without URG, got %s urp %u" %
          (s, s.urp))
    c.rcv_nxt = seq_add(c.rcv_nxt, 2)
    c.ack()

    h.must("sendoob xyz")
    s = data_seg(c, "the urgent data")
    check(s.data == b"xyz" and s.flags & F_URG and s.urp == 3,
          "urgent data: expected b'xyz' with URG, pointer 3, got %s urp %u"
          % (s, s.urp))
    h.must("sendstr 12")
    s = data_seg(c, "the data after, the urgent data unacknowledged")
    check(s.data == b"12" and s.seq == seq_add(c.rcv_nxt, 3) and
          not s.flags & F_URG,
          "data after: expected b'12' at %u without URG, got %s urp %u" %
          (seq_add(c.rcv_nxt, 3), s, s.urp))
    c.rcv_nxt = seq_add(c.rcv_nxt, 5)
    c.ack(win=0)

    h.must("sendoob u")
    p1 = c.expect(3, what="the urgent window probe")
    p2 = c.expect(3, what="the window probe")
    check(p1.len == 0 and p1.seq == c.rcv_nxt and p1.flags & F_URG and
          p1.urp == 1,
          "first probe: expected no data at SND.UNA %u with URG, pointer 1,"
          " got %s urp %u" % (c.rcv_nxt, p1, p1.urp))
    check(p2.len == 0 and p2.seq == seq_add(c.rcv_nxt, -1) and
          p2.flags & F_URG and p2.urp == 2,
          "second probe: expected no data at SND.UNA - 1 with URG, "
          "pointer 2, got %s urp %u" % (p2, p2.urp))
    c.ack(win=65535)
    s = data_seg(c, "the urgent byte once the window opened")
    check(s.data == b"u" and s.seq == c.rcv_nxt and s.flags & F_URG and
          s.urp == 1, "urgent byte: expected b'u' with URG, pointer 1, "
          "got %s urp %u" % (s, s.urp))
    c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    c.ack()
    h.must("sendstr v")
    s = data_seg(c, "data after the urgent byte was acknowledged")
    check(s.data == b"v" and not s.flags & F_URG,
          "expected b'v' without URG, got %s urp %u" % (s, s.urp))


@test("urg_recv")
def t_urg_recv(env):
    """A pointer that runs ahead of the data (tcp_check_urg()): SIGURG's
    mark is known but recv(MSG_OOB) says EAGAIN and poll() no POLLPRI until
    the byte comes; then the byte is out of band, reads stop at the mark
    and step over it. A pointer behind RCV.NXT is ignored."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    r = h.cmd("recvoob")
    check(r.errno == "EINVAL", "recv(MSG_OOB) without urgent data: %s" % r)

    c.send("PAU", data=b"ab", urp=5)    # the urgent byte: 'e', not sent yet
    c.snd_nxt = seq_add(c.snd_nxt, 2)
    c.expect(3, lambda s: s.ack == c.snd_nxt, "the ACK of b'ab'")
    r = h.cmd("recvoob")
    check(r.errno == "EAGAIN", "recv(MSG_OOB) before the byte: %s" % r)
    r = h.must("atmark")
    check(r.kv.get("mark") == "0", "SIOCATMARK before the byte: %s" % r)
    r = h.must("poll 0")
    check("PRI" not in r.kv.get("revents", ""), "POLLPRI early: %s" % r)

    c.send_data(b"cdef")
    c.expect(3, lambda s: s.ack == c.snd_nxt, "the ACK of b'cdef'")
    r = h.must("poll 0")
    check("PRI" in r.kv.get("revents", ""), "no POLLPRI: %s" % r)
    r = h.must("recvoob peek")
    check(r.data() == b"e", "recv(MSG_OOB | MSG_PEEK): %s" % r)
    r = h.must("recv 100")
    check(r.data() == b"abcd", "the read up to the mark: %s" % r)
    r = h.must("atmark")
    check(r.kv.get("mark") == "1", "SIOCATMARK at the mark: %s" % r)
    r = h.must("recvoob")
    check(r.data() == b"e", "recv(MSG_OOB): %s" % r)
    r = h.cmd("recvoob")
    check(r.errno == "EINVAL", "recv(MSG_OOB) once read: %s" % r)
    r = h.must("recv 100")
    check(r.data() == b"f", "the read past the mark: %s" % r)

    # 'f' again with new data, URG pointing at 'f': behind RCV.NXT.
    c.send("PAU", seq=seq_add(c.snd_nxt, -1), data=b"fg", urp=1)
    c.snd_nxt = seq_add(c.snd_nxt, 1)
    c.expect(3, lambda s: s.ack == c.snd_nxt, "the ACK of b'g'")
    r = h.cmd("recvoob")
    check(r.errno == "EINVAL", "recv(MSG_OOB) after an old pointer: %s" % r)
    r = h.must("recv 100")
    check(r.data() == b"g", "the read after an old pointer: %s" % r)
