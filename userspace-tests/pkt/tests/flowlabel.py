# SPDX-License-Identifier: GPL-2.0
"""IPv6 flow labels: the automatic label a connection keeps, and the new
one it draws when the peer seems to have lost its ACKs, or a SYN-ACK is
sent again."""

from pktlib import F_ACK, F_SYN, Conn, TestSkip, check, diag, seq_add
from tests import test, survive, MSS_ONLY
from tests.ecn import counter

FL_A, FL_B = 0x11111, 0x22222


def need_auto_flowlabels(env):
    v = env.sysinfo.get("net.ipv6.auto_flowlabels")
    if v != "1":
        raise TestSkip("net.ipv6.auto_flowlabels is %s, not 1 (Linux's "
                       "default: a label unless the socket opts out)" % v)


def dup(c, data, fl, what):
    """@data again, at the start of the last segment: a duplicate ending
    at RCV.NXT, which is acknowledged at once; returns that ACK."""
    c.send("PA", seq=(c.snd_nxt - len(data)) & 0xffffffff, data=data, fl=fl)
    a = c.expect(2, what="the ACK of a duplicate (%s)" % what)
    c.check_ack(a, "ACK of a duplicate (%s)" % what)
    diag("%s: flow label %#07x" % (what, a.flowlabel))
    return a


@test("flowlabel_dup_rehash", v4=False, v6=True)
def t_flowlabel_dup_rehash(env):
    """Every segment of a connection carries one automatic flow label
    (net.ipv6.auto_flowlabels 1: from its random txhash), its ACKs of
    duplicates included, until a duplicate data segment comes with a
    flow label other than the last one received: the peer seems to have
    retransmitted on a timeout over a new path, so its ACKs may be
    getting lost, and the connection draws a new label for its own path
    (Linux's tcp_rcv_spurious_retrans(), TcpDuplicateDataRehash). A
    further duplicate with that same label changes nothing."""
    need_auto_flowlabels(env)
    env.start()
    rehash0 = counter(env, "TcpDuplicateDataRehash")
    h = env.new_helper()
    c = env.active_open(h)
    data = b"D" * 100
    c.send_data(data, fl=FL_A)
    a = c.expect(2, lambda s: s.ack == c.snd_nxt, "the ACK of our data")
    label = a.flowlabel
    diag("the connection's flow label: %#07x" % label)
    check(label, "no flow label on %s" % a)
    a = dup(c, data, FL_A, "same label")
    check(a.flowlabel == label, "flow label %#07x after a duplicate with "
          "the same label, expected the connection's %#07x" %
          (a.flowlabel, label))
    a = dup(c, data, FL_B, "new label")
    check(a.flowlabel and a.flowlabel != label,
          "flow label %#07x after a duplicate with a new label, expected a "
          "new one (not %#07x)" % (a.flowlabel, label))
    label2 = a.flowlabel
    a = dup(c, data, FL_B, "that label again")
    check(a.flowlabel == label2, "flow label %#07x after a second duplicate "
          "with the new label, expected %#07x kept" % (a.flowlabel, label2))
    rehash = counter(env, "TcpDuplicateDataRehash") - rehash0
    check(rehash == 1, "TcpDuplicateDataRehash went up by %d, expected 1 "
          "(the duplicate with a new label)" % rehash)
    r = h.cmd("recv 200 2000", 4)
    check(r.ok and r.data() == data, "the reader got %s" % r)
    survive(c, h, "after the duplicates")


def is_synack(s):
    return s.has(F_SYN | F_ACK)


@test("synack_rtx_flowlabel", timeout=60, v4=False, v6=True)
def t_synack_rtx_flowlabel(env):
    """A listener's SYN-ACK sent again, on its timer or to our SYN sent
    again, comes under a new flow label each time (tcp_rtx_synack() draws
    a new request txhash, SO_TXREHASH on by default), and the accepted
    connection keeps the last one."""
    need_auto_flowlabels(env)
    env.start()
    h = env.new_helper()
    h.must("listen 7011")
    c = Conn(env.peer, env.port(), 7011, 0x32000000)
    c.send("S", seq=c.iss, options=MSS_ONLY)
    labels = [c.expect(5, is_synack, "their SYN-ACK").flowlabel]
    sa = c.expect(5, is_synack, "the SYN-ACK on its timer")
    labels.append(sa.flowlabel)
    c.send("S", seq=c.iss, options=MSS_ONLY)
    sa = c.expect(2, is_synack, "the SYN-ACK to our SYN again")
    labels.append(sa.flowlabel)
    diag("SYN-ACK flow labels: %s" % " ".join("%#07x" % x for x in labels))
    check(all(labels) and len(set(labels)) == 3,
          "SYN-ACK flow labels %s, expected three different ones" %
          ", ".join("%#07x" % x for x in labels))
    c.irs = sa.seq
    c.rcv_nxt = seq_add(sa.seq, 1)
    c.ack()
    h.must("accept 5000", 10)
    h.must("send 100")
    d = c.expect(3, lambda s: s.len > 0, "their data")
    check(d.flowlabel == labels[-1], "the connection's data under flow "
          "label %#07x, expected the last SYN-ACK's %#07x" %
          (d.flowlabel, labels[-1]))
