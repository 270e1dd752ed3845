# SPDX-License-Identifier: GPL-2.0
"""IPv6 extension headers between the IPv6 header and TCP's: those IPv6
passes at the final destination (destination options it may skip, a
routing header with no segments left, an atomic fragment) reach the
socket; those it refuses get IPv6's own answer (a Parameter Problem, or a
silent drop), never a RST nor an ACK. Fragments reach ktcp only once
conntrack's nf_defrag_ipv6 reassembles them before LOCAL_IN."""

from pktlib import (F_RST, KTCP_MAC, PEER_MAC, InNetns, check, diag,
                    run_cmd)
from tests import test, survive
from tests.ecn import counter

# An address that is no one's: a routing header's listed hop.
OTHER_IP6 = "2001:db8::99"


def exthdrs():
    from scapy.layers import inet6
    return inet6


def acked(c, what):
    a = c.expect(2, lambda s: c.mine(s) and s.ack == c.snd_nxt,
                 "the ACK of data behind %s" % what)
    check(not a.flags & F_RST, "behind %s: %s" % (what, a))


def in6_segs(env):
    """ktcp's In6ExtHdrSegs (native TCP has no such counter)."""
    return None if env.native else counter(env, "In6ExtHdrSegs")


@test("exthdr_pass", v4=False, v6=True)
def t_exthdr_pass(env):
    """Data behind destination options of padding (PadN), behind one with
    an unknown option whose action bits are 00 (RFC 8200 4.2: skip it),
    behind a type 0 routing header with Segments Left 0 (RFC 5095: as an
    unknown type, ignored when no segments are left), and behind all of
    them with an atomic fragment (RFC 6946) is acknowledged and read, as
    IPv6 passes each header (ip6_parse_tlv(), ipv6_rthdr_rcv(),
    ipv6_frag_rcv()); the TCP checksum is over the IPv6 header's
    destination. ktcp counts each in In6ExtHdrSegs."""
    x = exthdrs()
    env.start()
    taken0 = in6_segs(env)
    h = env.new_helper()
    c = env.active_open(h)
    padn = x.PadN(optdata=b"\0" * 4)
    unk00 = x.HBHOptUnknown(otype=0x1e, optdata=b"abcd")
    cases = [
        ("destination options (PadN)", x.IPv6ExtHdrDestOpt(options=[padn])),
        ("an unknown option of action 00",
         x.IPv6ExtHdrDestOpt(options=[unk00])),
        ("a type 0 routing header, no segments left",
         x.IPv6ExtHdrRouting(type=0, segleft=0, addresses=[OTHER_IP6])),
        ("options, routing, atomic fragment, options",
         x.IPv6ExtHdrDestOpt(nh=43, options=[padn]) /
         x.IPv6ExtHdrRouting(nh=44, type=0, segleft=0,
                             addresses=[OTHER_IP6]) /
         x.IPv6ExtHdrFragment(nh=60, offset=0, m=0, id=0x1234) /
         x.IPv6ExtHdrDestOpt(nh=6, options=[unk00])),
    ]
    for i, (what, ext) in enumerate(cases):
        data = bytes([0x41 + i]) * 100
        c.send_data(data, ext=ext)
        acked(c, what)
        r = h.cmd("recv 200 2000", 4)
        check(r.ok and r.data() == data,
              "data behind %s: the reader got %s" % (what, r))
    check(not env.peer.icmp6, "ICMPv6 errors: %d" % len(env.peer.icmp6))
    if taken0 is not None:
        n = in6_segs(env) - taken0
        check(n == len(cases), "In6ExtHdrSegs went up by %d, expected %d" %
              (n, len(cases)))
    survive(c, h, "after the extension headers")


def param_problem(env, code, pointer, what):
    """The one ICMPv6 Parameter Problem (RFC 4443 3.4) @what drew: its
    code and pointer as expected."""
    msgs = env.peer.icmp6
    env.peer.icmp6 = []
    check(len(msgs) == 1, "behind %s: %d ICMPv6 errors, expected a "
          "Parameter Problem" % (what, len(msgs)))
    m = msgs[0]
    ptr = int.from_bytes(m[4:8], "big")
    diag("behind %s: ICMPv6 type %d code %d pointer %d" %
         (what, m[0], m[1], ptr))
    check(m[0] == 4 and m[1] == code and ptr == pointer,
          "behind %s: ICMPv6 type %d code %d pointer %d, expected type 4 "
          "code %d pointer %d" % (what, m[0], m[1], ptr, code, pointer))


@test("exthdr_refuse", v4=False, v6=True)
def t_exthdr_refuse(env):
    """Data behind headers IPv6 refuses gets IPv6's answer, not TCP's:
    an unknown destination option of action 10 a Parameter Problem
    (code 2, pointing at the option), one of action 01 and PadN with a
    byte not zero (RFC 4942 2.1.9.5) a silent drop, a type 0 routing
    header with a segment left a Parameter Problem (code 0, pointing at
    its type: RFC 5095). None is acknowledged or reset; the connection
    goes on, and In6ExtHdrSegs stays. Not here: a type 2 routing header
    with no segments left, which ipv6_rthdr_rcv() discards only in a
    kernel built with CONFIG_IPV6_MIP6 (Debian's) and passes otherwise
    (the debug kernel's); ktcp follows the same config."""
    x = exthdrs()
    env.start()
    taken0 = in6_segs(env)
    h = env.new_helper()
    c = env.active_open(h)
    opt = 40 + 2        # the first option, after the IPv6 header and 2
    cases = [
        ("an unknown option of action 10",
         x.IPv6ExtHdrDestOpt(options=[x.HBHOptUnknown(otype=0x9e,
                                                      optdata=b"abcd")]),
         (2, opt)),
        ("an unknown option of action 01",
         x.IPv6ExtHdrDestOpt(options=[x.HBHOptUnknown(otype=0x5e,
                                                      optdata=b"abcd")]),
         None),
        ("PadN not zero", x.IPv6ExtHdrDestOpt(options=[
            x.PadN(optdata=b"\0\0\1\0")]), None),
        ("a type 0 routing header, a segment left",
         x.IPv6ExtHdrRouting(type=0, segleft=1, addresses=[OTHER_IP6]),
         (0, 40 + 2)),
    ]
    data = b"R" * 100
    for what, ext, icmp in cases:
        c.send("PA", data=data, ext=ext)
        c.expect_none(1.0, c.mine, "answer to data behind %s" % what)
        if icmp:
            param_problem(env, icmp[0], icmp[1], what)
        else:
            check(not env.peer.icmp6, "behind %s: %d ICMPv6 errors, "
                  "expected none" % (what, len(env.peer.icmp6)))
    if taken0 is not None:
        n = in6_segs(env) - taken0
        check(n == 0, "In6ExtHdrSegs went up by %d, expected 0" % n)
    r = h.cmd("recv 200 200", 4)
    check(not r.ok, "the reader got %s, expected nothing" % r)
    survive(c, h, "after the refused headers")


CT_RULES = """table inet ktcpexthdr {
    chain input {
        type filter hook input priority 0; policy accept;
        ct state invalid counter
    }
}
"""


@test("exthdr_frag_ct", v4=False, v6=True)
def t_exthdr_frag_ct(env):
    """Data in four IPv6 fragments, with conntrack in the namespace (an
    nftables rule on "ct state"): nf_defrag_ipv6 reassembles them at
    PRE_ROUTING, and the segment is acknowledged and read. Without
    conntrack IPv6 reassembles after LOCAL_IN, where ktcp's hook runs, and
    native TCP would reset a ktcp connection's fragmented segment
    (user-guide.rst)."""
    x = exthdrs()
    rules = "%s/exthdr-%d.nft" % (env.tmpdir, id(env))
    with open(rules, "w") as f:
        f.write(CT_RULES)
    with InNetns(env.ns_k):
        run_cmd(["modprobe", "-a", "nf_tables", "nft_ct", "nf_conntrack"])
        run_cmd(["nft", "-f", rules])
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    data = bytes(range(200))    # all in the helper's hex (HEX_MAX 256)
    # The whole segment, checksummed, then cut by scapy into fragments
    # of 72 bytes (4 of them).
    pkt = (env.peer.IP() / x.IPv6ExtHdrFragment(id=0x4242) /
           env.peer.TCP(sport=c.lport, dport=c.rport, flags="PA",
                        seq=c.snd_nxt, ack=c.rcv_nxt, window=c.win) /
           env.peer.Raw(load=data))
    frags = x.fragment6(pkt, 120)
    check(len(frags) == 4, "%d fragments" % len(frags))
    for f in frags:
        env.peer.sock.send(env.peer.Ether(src=PEER_MAC, dst=KTCP_MAC) / f)
    diag("peer  > %d fragments of a %d-byte segment" % (len(frags),
                                                        len(data)))
    c.snd_nxt = (c.snd_nxt + len(data)) & 0xffffffff
    acked(c, "fragments, with conntrack")
    r = h.cmd("recv 1000 2000", 4)
    check(r.ok and r.data() == data, "the reader got %s" % r)
    survive(c, h, "after the fragments")
