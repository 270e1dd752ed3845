# SPDX-License-Identifier: GPL-2.0
"""
Differential capture (diffcap.py): the scenarios.

Each scenario is a function of a dcpeer.DPeer, run once per stack. It
only drives: the application calls and the peer's policy; everything
recorded is compared by dccompare.py. A scenario must not branch on what
the SUT does (beyond waiting for it), so that both runs are driven alike.

@scenario(name, quick=True) puts it in the make-check subset; the others
run with --full. @scenario(..., v6=True) adds "<name>_v6", the same over
IPv6 (native AF_INET6 against ktcp's AF_KTCP6), in the same subset: a
handshake, data and an active close (close_fin_first), a listener's
SYN-ACK and retransmission timeouts (rto_passive_slow_handshake: the flow
label changes with each RTO in Linux), and a reset (close_unread_data).

Under QEMU TCG on an idle host a scenario costs 4 to 10 s for both runs
(zero_window 35 s, keepalive 16 s), the subset about 70 s (IPv4) and
all of them about 4 minutes: the subset takes one scenario or two per
area, the cheap ones, so that it stays within a few minutes on a loaded
host.
"""

from pktlib import InNetns, read_sysctl, write_sysctl
import dcpeer
from dcpeer import TOS_CE, PEER_WIN

SCENARIOS = []

# The ECN knob of each stack, in one place: ktcp's own sysctl
# (per namespace) and Linux's.
ECN_KNOB = {"native": "net.ipv4.tcp_ecn", "ktcp": "net.ktcp.ecn"}


def scenario(name, quick=False, timeout=90, v6=False):
    def deco(f):
        for fam in (4, 6) if v6 else (4,):
            SCENARIOS.append((name + ("_v6" if fam == 6 else ""), f,
                              {"quick": quick, "timeout": timeout,
                               "mtu": 1500, "family": fam}))
        return f
    return deco


def set_knob(dp, which, value):
    """Set @which ("ecn") to @value for the stack under test, in its
    namespace; a note (compared) when the knob does not exist."""
    name = {"ecn": ECN_KNOB}[which]["native" if dp.env.native else "ktcp"]
    with InNetns(dp.env.ns_k):
        try:
            write_sysctl(name, value)
            got = read_sysctl(name)
        except OSError as e:
            got = "error %s" % e.strerror
    # Compared as an event: both runs must have set their knob.
    dp.note("%s knob set to %s: %s" % (which, value,
                                       "ok" if got == str(value) else got))


def bulk_open(dp, nseg):
    """An active open and @nseg full segments written at once. SO_SNDBUF
    is set first so that the write never blocks: a blocked write pushes a
    partial segment at a point that depends on when ACKs arrive."""
    dp.app("setsockopt SO_SNDBUF 1048576")
    dp.active_open()
    n = nseg * dp.smss
    dp.app("send %d" % n)
    return n


def bulk(dp, nseg=30, **policy):
    for k, v in policy.items():
        setattr(dp, k, v)
    n = bulk_open(dp, nseg)
    dp.pump(until=lambda: dp.received() >= n, quiet=0.5, limit=30)


# ---- loss recovery --------------------------------------------------------

@scenario("bulk_loss_single", quick=True)
def s_bulk_loss_single(dp):
    """30 segments, the 5th lost once: SACK recovery (RACK in Linux)."""
    bulk(dp, drop={5})


@scenario("bulk_loss_burst")
def s_bulk_loss_burst(dp):
    """30 segments, the 5th to 8th lost once."""
    bulk(dp, drop={5, 6, 7, 8})


@scenario("bulk_loss_tail", quick=True)
def s_bulk_loss_tail(dp):
    """30 segments, the last two lost once: a tail loss probe in Linux
    (RFC 8985 7), an RTO without one."""
    bulk(dp, drop={29, 30})


@scenario("bulk_reorder", quick=True)
def s_bulk_reorder(dp):
    """30 segments, the 5th arrives after the 8th: SACKs, then an ACK of
    everything; no retransmission should follow (RACK's reordering
    window, D-SACK)."""
    bulk(dp, delay={5: 3})


@scenario("bulk_ack_every_2nd")
def s_bulk_ack2(dp):
    """30 segments, no loss, the peer ACKs every second segment: cwnd
    growth and the segments' PSH flags."""
    bulk(dp, ack_every=2)


@scenario("rx_reorder")
def s_rx_reorder(dp):
    """The peer sends three segments in the order 1, 3, 2: the SUT's ACKs
    (quick ACKs, a duplicate ACK with a SACK block, the ACK of all)."""
    dp.active_open()
    dp.send_data(500)
    dp.pump(quiet=0.3)
    dp.send_data(500, seq_off=1000)
    dp.pump(quiet=0.3)
    dp.send_data(500, seq_off=500)
    dp.snd_nxt = dcpeer.seq_add(dp.snd_nxt, 1000)
    dp.pump(quiet=0.3)
    dp.app("recvall 1500 2000")
    dp.pump(quiet=0.3)


# ---- application write patterns -------------------------------------------

@scenario("nagle_small_writes", quick=True)
def s_nagle(dp):
    """Five 100-byte writes back to back under Nagle, then three of 1000:
    one small segment in flight at a time, the rest coalesced."""
    dp.active_open()
    dp.app("sendn 5 100")
    dp.pump(until=lambda: dp.received() >= 500)
    dp.app("sendn 3 1000")
    dp.pump(until=lambda: dp.received() >= 3500)


@scenario("nodelay_small_writes")
def s_nodelay(dp):
    """The same writes with TCP_NODELAY: each write its own segment."""
    dp.active_open()
    dp.app("setsockopt TCP_NODELAY 1")
    dp.app("sendn 5 100")
    dp.pump(until=lambda: dp.received() >= 500)
    dp.app("sendn 3 1000")
    dp.pump(until=lambda: dp.received() >= 3500)


@scenario("cork")
def s_cork(dp):
    """TCP_CORK: five 100-byte writes are held until the probe timer sends
    them (about 1 s in Linux: the wait is 2 s, clear of that timer);
    4000 bytes more go as full segments and the rest waits for
    uncorking."""
    dp.active_open()
    dp.app("setsockopt TCP_CORK 1")
    dp.app("sendn 5 100")
    dp.pump(quiet=2.0)
    dp.app("sendn 4 1000")
    dp.pump(quiet=0.5)
    dp.app("setsockopt TCP_CORK 0")
    dp.pump(until=lambda: dp.received() >= 4500)


@scenario("msg_more")
def s_msg_more(dp):
    """MSG_MORE: three writes with it and a last one without go as one
    segment; two with it are held like TCP_CORK, until the probe timer
    (about 1 s in Linux: the wait is 2 s, clear of that timer)."""
    dp.active_open()
    dp.app("sendn 4 100 more,lastplain")
    dp.pump(until=lambda: dp.received() >= 400)
    dp.app("sendn 2 100 more")
    dp.pump(quiet=2.0)
    dp.app("send 100")
    dp.pump(until=lambda: dp.received() >= 700)


@scenario("msg_eor", quick=True)
def s_msg_eor(dp):
    """MSG_EOR ends coalescing (tcp_skb_can_collapse): with one small
    segment in flight and the peer holding its ACK, three 100-byte writes
    with MSG_EOR stay three segments, three without become one."""
    dp.active_open()
    dp.hold = True
    dp.app("send 100")
    dp.app("sendn 3 100 eor")
    dp.release()
    dp.pump(until=lambda: dp.received() >= 400)
    dp.hold = True
    dp.app("send 100")
    dp.app("sendn 3 100")
    dp.release()
    dp.pump(until=lambda: dp.received() >= 800)


@scenario("sndbuf_fill")
def s_sndbuf_fill(dp):
    """A non-blocking write into the default send buffer while the peer
    holds its ACKs: how many bytes it takes (SO_SNDBUF accounting), then
    all of it delivered once the ACK comes."""
    dp.active_open()
    dp.hold = True
    r = dp.app("send 1000000 nb")
    n = int(r.kv.get("sent", "0"))
    dp.release()
    dp.pump(until=lambda: dp.received() >= n, quiet=0.5, limit=20)


# ---- windows --------------------------------------------------------------

@scenario("zero_window")
def s_zero_window(dp):
    """The peer closes its window: persist probes, answered with a zero
    window four times (their backoff), then the window opens."""
    dp.active_open()
    dp.app("send 1000")
    dp.win = 0
    dp.pump(until=lambda: dp.received() >= 1000)
    dp.app("send 3000")
    dp.pump(until=lambda: dp.probes >= 4, quiet=0.0, limit=20)
    dp.pump(quiet=0.05)
    dp.win = PEER_WIN
    dp.send_ack()
    dp.pump(until=lambda: dp.received() >= 4000)


# ---- unacceptable ACKs -----------------------------------------------------

@scenario("ack_unsent_data", quick=True)
def s_ack_unsent(dp):
    """The peer acknowledges data never sent: Linux 6.12 drops the segment
    without a reply (tcp_ack(), ACK_UNSENT_DATA path), then goes on."""
    dp.active_open()
    dp.app("send 100")
    dp.pump(until=lambda: dp.received() >= 100)
    dp.xmit(0x10, ack=dcpeer.seq_add(dp.rcv_nxt, 1000))
    dp.pump(quiet=0.5)
    dp.send_data(100)
    dp.pump(quiet=0.3)
    dp.app("recv 200 1000")


# ---- closing --------------------------------------------------------------

@scenario("close_fin_first", quick=True, v6=True)
def s_close_fin(dp):
    """Active close: the SUT's FIN first, the peer's ACK, then its FIN
    and the SUT's last ACK (TIME_WAIT)."""
    dp.active_open()
    dp.app("send 100")
    dp.pump(until=lambda: dp.received() >= 100)
    dp.app("close")
    dp.pump(until=lambda: dp.fin_seen)
    dp.send_fin()
    dp.pump(quiet=0.3)


@scenario("close_linger0")
def s_close_linger0(dp):
    """SO_LINGER with a zero timeout: close() sends a RST."""
    dp.active_open()
    dp.app("setsockopt SO_LINGER 0")
    dp.app("send 100")
    dp.pump(until=lambda: dp.received() >= 100)
    dp.app("close")
    dp.pump(quiet=0.3)


@scenario("close_simultaneous")
def s_close_simultaneous(dp):
    """Both FINs cross: the peer's does not ACK the SUT's (CLOSING)."""
    dp.active_open()
    dp.on_fin = "cross"
    dp.app("shutdown wr")
    dp.pump(until=lambda: dp.fin_seen, quiet=0.5)
    dp.app("recv 10 1000")
    dp.app("close")
    dp.pump(quiet=0.3)


@scenario("close_unread_data", quick=True, v6=True)
def s_close_unread(dp):
    """close() with data not read: a RST (RFC 2525 2.17), not a FIN."""
    dp.active_open()
    dp.send_data(100)
    dp.pump(quiet=0.3)
    dp.app("close")
    dp.pump(quiet=0.3)


@scenario("close_passive")
def s_close_passive(dp):
    """The peer closes first; the SUT reads EOF, then closes (LAST_ACK)."""
    dp.passive_open()
    dp.send_fin()
    dp.pump(quiet=0.3)
    dp.app("recv 10 1000")
    dp.app("close")
    dp.pump(until=lambda: dp.fin_seen, quiet=0.3)


# ---- retransmission timing ------------------------------------------------

def rto_after(dp, lost=3):
    """100 bytes sent and lost @lost times: the RTO (or a probe) and its
    backoff, then the ACK."""
    dp.blackhole = lost
    dp.app("send 100")
    dp.pump(until=lambda: dp.received() >= 100, quiet=0.5, limit=30)


@scenario("rto_active_slow_handshake", timeout=120)
def s_rto_active_slow(dp):
    """SYN-ACK 100 ms after the SYN: the first RTO follows that sample
    (about 300 ms in Linux), then doubles."""
    dp.active_open(synack_delay=0.1)
    rto_after(dp)


@scenario("rto_active_fast_handshake", timeout=120)
def s_rto_active_fast(dp):
    """An immediate SYN-ACK: the first RTO is about the 200 ms floor."""
    dp.active_open(synack_delay=0.0)
    rto_after(dp)


@scenario("rto_passive_slow_handshake", quick=True, timeout=120,
          v6=True)
def s_rto_passive_slow(dp):
    """The peer's ACK of the SYN-ACK 100 ms late: the listener's child
    takes its RTT sample from the SYN-ACK (tcp_synack_rtt_meas), so its
    first RTO is about 300 ms, not the initial 1 s."""
    dp.passive_open(ack_delay=0.1)
    rto_after(dp)


@scenario("rto_passive_fast_handshake", timeout=120)
def s_rto_passive_fast(dp):
    """The same with an immediate ACK of the SYN-ACK."""
    dp.passive_open(ack_delay=0.0)
    rto_after(dp)


# ---- keepalive ------------------------------------------------------------

@scenario("keepalive", timeout=120)
def s_keepalive(dp):
    """TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 2: the first probe is
    answered, the next two are not: a RST, and ETIMEDOUT."""
    dp.active_open()
    for o in ("SO_KEEPALIVE 1", "TCP_KEEPIDLE 1", "TCP_KEEPINTVL 1",
              "TCP_KEEPCNT 2"):
        dp.app("setsockopt " + o)
    dp.answer_probes = 1
    dp.pump(until=lambda: dp.rst_seen, quiet=0.2, limit=15)
    dp.app("recv 10 100")


# ---- ECN ------------------------------------------------------------------

def ecn_exchange(dp):
    """Data both ways once ECN is negotiated: the peer's second segment
    CE-marked (ECE until its CWR), then the SUT's data (ECT(0)) with its
    first segment counted as CE-marked by the peer (the SUT's cwnd
    reduction and CWR)."""
    dp.send_data(500)
    dp.pump(quiet=0.2)
    dp.send_data(500, tos=TOS_CE)
    dp.pump(quiet=0.2)
    dp.send_data(500)
    dp.pump(quiet=0.2)
    dp.send_data(500, flags=0x18 | 0x80)      # PSH ACK CWR
    dp.pump(quiet=0.2)
    dp.app("recvall 2000 2000")
    dp.ce_marks = {1}
    n = 20 * dp.smss
    dp.app("setsockopt SO_SNDBUF 1048576")
    dp.app("send %d" % n)
    dp.pump(until=lambda: dp.received() >= n, quiet=0.5, limit=20)


@scenario("ecn_passive", quick=True)
def s_ecn_passive(dp):
    """The peer asks for ECN (SYN with ECE and CWR); the knob's default
    (2: accept when asked) answers with ECE."""
    dp.passive_open(ecn=True)
    ecn_exchange(dp)


@scenario("ecn_active")
def s_ecn_active(dp):
    """With the ECN knob at 1 the SUT asks for ECN itself."""
    set_knob(dp, "ecn", 1)
    dp.active_open(ecn=True)
    ecn_exchange(dp)
