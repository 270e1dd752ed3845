# SPDX-License-Identifier: GPL-2.0
"""SYN cookies: the MSS a cookie keeps, from each family's table."""

from pktlib import (F_ACK, F_SYN, Conn, InNetns, check, diag, seq_add,
                    write_sysctl)
from tests import test
from tests.ecn import counter, listen

# Linux 6.12's cookie MSS tables: msstab[] in net/ipv4/syncookies.c and
# net/ipv6/syncookies.c (IPV6_MIN_MTU - 60, 1480 - 60, 1500 - 60,
# 9000 - 60). A cookie keeps the largest entry not above the SYN's MSS.
COOKIE_MSS = {4: (536, 1300, 1440, 1460), 6: (1220, 1420, 1440, 8940)}


@test("syncookie_mss", v6=True)
def t_syncookie_mss(env):
    """With SYN cookies for every SYN (syncookies 2), a SYN offering MSS
    1400 and no timestamps makes a connection whose segments carry the
    cookie's MSS: 1300 bytes over IPv4, 1220 over IPv6 (the family's
    table, __cookie_v4/v6_init_sequence()); the SYN-ACK still offers the
    listener's own MSS."""
    peer = env.start()
    name = "net.ipv4.tcp_syncookies" if env.native else "net.ktcp.syncookies"
    with InNetns(env.ns_k):
        write_sysctl(name, 2)
    h = env.new_helper()
    port = listen(env, h)
    sent0 = counter(env, "SyncookiesSent")
    c = Conn(peer, env.port(), port, 0x30000000)
    c.send("S", seq=c.iss, options=[("MSS", 1400)])
    sa = c.expect(3, lambda s: s.has(F_SYN | F_ACK), "the SYN-ACK")
    check(counter(env, "SyncookiesSent") > sent0, "the SYN-ACK is no cookie")
    check(sa.opts == bytes([2, 4, env.mtu_mss >> 8, env.mtu_mss & 0xff]),
          "cookie SYN-ACK options %s, expected MSS %d alone" %
          (sa.opts.hex(), env.mtu_mss))
    c.irs = sa.seq
    c.rcv_nxt = seq_add(sa.seq, 1)
    c.ack()
    h.must("accept 5000", 10)
    mss = max(m for m in COOKIE_MSS[env.family] if m <= 1400)
    diag("expected MSS %d (IPv%d cookie table)" % (mss, env.family))
    h.must("send 3000")
    segs = c.expect_data(3000)
    sizes = [s.len for s in segs]
    check(sizes == [mss, mss, 3000 - 2 * mss],
          "segments of %s bytes, expected %s (cookie MSS %d)" %
          (sizes, [mss, mss, 3000 - 2 * mss], mss))
    c.ack()
