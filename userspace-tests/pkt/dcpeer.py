# SPDX-License-Identifier: GPL-2.0
"""
Differential capture (diffcap.py): the recording, reactive scripted peer.

One DPeer drives one run of a scenario: the socket under test (SUT: native
TCP or ktcp, through ktcp_sockctl) and a peer on AF_PACKET that acts only
on what it receives, by fixed rules (its "policy"), so that two stacks that
behave alike see the same peer and produce the same trace. Every segment
both ways and every application call is recorded, with its time, as an
event; diffcap.py saves the events and dccompare.py compares two runs.

The peer's rules:
- It ACKs every in-order segment (or every second one: ack_every), ACKs
  at once anything out of order or duplicate, with SACK blocks (RFC 2018,
  most recent first) and a D-SACK block for duplicates (RFC 2883).
- Its answers leave @path_delay after the SUT's segment arrived (kernel
  receive timestamp): an emulated path RTT; RETX_EXTRA more for data it
  has seen before. It makes the SUT's RTT samples,
  and so its RTO and tail loss probe timers, large and stable compared with
  the peer's own latency under QEMU TCG (milliseconds), which would
  otherwise decide whether a timer fires before an ACK arrives.
- Losses: @drop holds ordinals of new data segments (counted in the order
  the SUT first sends them, 1-based) that the peer ignores once; @blackhole
  ignores the next N data segments, retransmissions included; @delay holds
  ordinals received only after N later new segments (reordering).
- ECN (RFC 3168) as a receiver behind a router: ordinals in @ce_marks
  count as received CE-marked, so its ACKs carry ECE until the SUT's CWR.
- Zero window: @win is the window field of every segment it sends.
- Keepalive and window probes (no data, SEG.SEQ = RCV.NXT - 1) are answered
  with an ACK, the first @answer_probes of them.
- FIN: @on_fin says whether it ACKs the SUT's FIN, ACKs it with its own FIN
  (finack), or crosses it with a FIN that does not ACK it (cross).

Over IPv6 (a scenario's "_v6" variant) it sends IPv6 with hop limit 64,
traffic class = the TOS it would send over IPv4, flow label 0.

Its own options: timestamps with a TSval that counts the segments it sent
from PEER_TS0 (deterministic, so the SUT's TSecr can be compared exactly),
and TSecr = TS.Recent (RFC 7323 4.3).
"""

import os
import select
import socket
import struct
import time

import pktlib
from pktlib import (F_ACK, F_FIN, F_RST, F_SYN, KTCP_IP, KTCP_IP6, KTCP_MAC,
                    PEER_IP, PEER_IP6, PEER_MAC, TestFail, diag, seq_add,
                    seq_diff)

F_ECE, F_CWR = 0x40, 0x80
PEER_PORT = 40001           # the peer's port, fixed
SUT_PORT = 8000             # the SUT's listening port (passive scenarios)
PEER_ISS_ACTIVE = 0x10000000    # when the SUT connects
PEER_ISS_PASSIVE = 0x20000000   # when the peer connects
PEER_MSS = 1460
PEER_WSCALE = 7
PEER_WIN = 1000             # window field: 1000 << 7 = 128000 bytes
PEER_TS0 = 1000
TOS_ECT0, TOS_CE = 0x02, 0x03
# The emulated path RTT. Long enough that the stack's timers that scale
# with the RTT (RACK's reordering window, min_rtt/4) exceed the spread of
# a burst of the peer's answers under a loaded TCG host (a few ms each).
PATH_DELAY = 0.3
# The least time between two answers of the peer: the stack then handles
# each ACK (and sends what it allows) before the next one arrives. Sent
# back to back, ACKs are sometimes handled one by one and sometimes
# together (a softirq batch, the socket owned by the application),
# which changes what the stack sends on each: a difference of scheduling,
# not of the stack.
ANSWER_GAP = 0.015
# The extra delay of the answer to a data segment the peer has seen
# before (a retransmission, a loss probe): its RTT sample then clearly
# exceeds the path's minimum RTT. Without it the two tie within the
# peer's jitter, and whether the stack takes a SACK of a retransmission
# as unambiguous (tcp_rack_advance(): an RTT below min_rtt is not) is a
# coin toss in either stack, which decides whether a tail loss is
# repaired at once or by the RTO.
RETX_EXTRA = 0.05


_IP_PEER = socket.inet_aton(PEER_IP)
_IP_SUT = socket.inet_aton(KTCP_IP)
_IP6_PEER = socket.inet_pton(socket.AF_INET6, PEER_IP6)
_IP6_SUT = socket.inet_pton(socket.AF_INET6, KTCP_IP6)
_MACS = bytes.fromhex(KTCP_MAC.replace(":", "") + PEER_MAC.replace(":", ""))
_ETH = _MACS + b"\x08\x00"
_ETH6 = _MACS + b"\x86\xdd"


def encode_opts(opts):
    """TCP options from scapy-style (name, value) pairs, zero-padded to a
    multiple of 4. By hand, not with scapy: scapy takes 10-20 ms a segment
    under QEMU TCG, which would spread a burst of the peer's answers over
    longer than the stack's timers (RACK's reordering window)."""
    b = b""
    for name, v in opts:
        if name == "NOP":
            b += b"\x01"
        elif name == "MSS":
            b += struct.pack("!BBH", 2, 4, v)
        elif name == "WScale":
            b += struct.pack("!BBB", 3, 3, v)
        elif name == "SAckOK":
            b += b"\x04\x02"
        elif name == "Timestamp":
            b += struct.pack("!BBII", 8, 10, v[0], v[1])
        elif name == "SAck":
            b += struct.pack("!BB%dI" % len(v), 5, 2 + 4 * len(v), *v)
        else:
            raise ValueError("option %s" % name)
    return b + b"\0" * (-len(b) % 4)


def _csum16(data):
    return 0xffff & ~pktlib._csum(data)


def build_frame(ip_id, tos, sport, dport, seq, ack, flags, win, opts, data,
                v6=False):
    """An Ethernet frame: IPv4 (DF, TTL 64) or, @v6, IPv6 (hop limit 64,
    traffic class @tos, flow label 0) and TCP, checksums filled."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack,
                      (20 + len(opts)) // 4 << 4, flags, win, 0, 0)
    tcp += opts + data
    if v6:
        # RFC 8200 8.1's pseudo-header.
        pseudo = _IP6_PEER + _IP6_SUT + struct.pack("!I3xB", len(tcp), 6)
        tcp = tcp[:16] + struct.pack("!H", _csum16(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!IHBB16s16s", 6 << 28 | tos << 20, len(tcp), 6,
                         64, _IP6_PEER, _IP6_SUT)
        return _ETH6 + ip + tcp
    pseudo = _IP_PEER + _IP_SUT + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _csum16(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(tcp), ip_id,
                     0x4000, 64, 6, 0, _IP_PEER, _IP_SUT)
    ip = ip[:10] + struct.pack("!H", _csum16(ip)) + ip[12:]
    return _ETH + ip + tcp


class DPeer:
    def __init__(self, env):
        self.env = env
        self.peer = env.start()
        self.h = env.new_helper()
        self.ev = []
        self.t0 = time.time()
        self.rport = None
        self.iss = self.snd_nxt = None
        self.irs = self.rcv_nxt = None
        self.high = None            # highest SEG.SEQ + SEG.LEN seen
        self.ooo = []               # [(left, right)], most recent first
        self.dsack = None
        self.fin_at = None          # sequence number of their FIN, if seen
        self.fin_seen = False       # their FIN in order
        self.rst_seen = False
        self.synack_seen = None
        self.ts_ok = self.sack_ok = self.ws_ok = self.ecn_ok = False
        self.ts_n = 0
        self.ts_recent = 0
        self.their_mss = 536
        self.smss = 536
        self.una_from_sut = None    # the SUT's latest ACK of our data
        # policy
        self.path_delay = PATH_DELAY
        self.ack_every = 1
        self.hold = False
        self.ack_pending = False
        self.unacked = 0
        self.drop = set()
        self.blackhole = 0
        self.delay = {}
        self.delayed = []           # [(countdown, seg)]
        self.new_count = 0
        self.ce_marks = set()
        self.ece = False
        self.win = PEER_WIN
        self.answer_probes = 1 << 30
        self.probes = 0
        self.on_fin = "ack"
        self.cross_pending = False
        self.fin_answered = False
        self.outq = []              # [(due, args)] answers in flight
        self.stash = []             # segments before the handshake
        self.last_answer = 0.0
        self.max_late = 0.0         # the latest answer, s behind its time

    # ---- recording ----------------------------------------------------

    def note(self, text):
        self.ev.append({"k": "note", "t": time.time(), "text": text})
        diag("note: " + text)

    def _rec_sut(self, s, why=""):
        e = {"k": "sut", "t": s.time, "raw": s.ip_raw.hex()}
        if why:
            e["why"] = why
        self.ev.append(e)
        return e

    # ---- sending ------------------------------------------------------

    def _tsval(self):
        """The TSval of the next segment decided on: the count of segments
        decided before it, from PEER_TS0 (not sent: an answer is decided
        when the SUT's segment arrives and sent a path delay later)."""
        self.ts_n += 1
        return PEER_TS0 + self.ts_n - 1

    def _opts(self, sack=True):
        o = []
        if self.ts_ok:
            o += [("NOP", None), ("NOP", None),
                  ("Timestamp", (self._tsval(), self.ts_recent))]
        blocks = []
        if sack and self.sack_ok:
            if self.dsack:
                blocks.append(self.dsack)
            blocks += [b for b in self.ooo if b != self.dsack]
            blocks = blocks[:3 if self.ts_ok else 4]
        if blocks:
            o += [("NOP", None), ("NOP", None),
                  ("SAck", tuple(x for b in blocks for x in b))]
        return o

    def xmit(self, flags, seq=None, ack=None, data=b"", options=None,
             tos=0, win=None):
        """Send one segment now and record it."""
        P = self.peer
        if seq is None:
            seq = self.snd_nxt
        if ack is None:
            ack = self.rcv_nxt if self.rcv_nxt is not None else 0
        if options is None:
            options = self._opts()
        if win is None and flags & F_SYN:
            win = 65535     # unscaled in a SYN (RFC 7323 2.2)
        raw = build_frame(P.ip_id, tos, PEER_PORT, self.rport, seq, ack,
                          flags, self.win if win is None else win,
                          encode_opts(options), data, self.env.family == 6)
        P.ip_id = (P.ip_id + 1) & 0xffff
        t = time.time()
        P.sock.outs.send(raw)
        self.ev.append({"k": "peer", "t": t, "raw": raw[14:].hex()})
        return t

    def _later(self, at, fn):
        """Run @fn (an answer) at @at: the emulated path delay."""
        self.outq.append((at, fn))

    def _next_due(self):
        return max(self.outq[0][0], self.last_answer + ANSWER_GAP)

    def _flush_due(self):
        while self.outq and self._next_due() <= time.time():
            due = self._next_due()
            at, fn = self.outq.pop(0)
            late = time.time() - due
            self.max_late = max(self.max_late, late)
            if late > 0.03:
                diag("peer answer %.0f ms late" % (late * 1000))
            fn()
            self.last_answer = time.time()

    def send_ack(self):
        flags = F_ACK | (F_ECE if self.ece else 0)
        self.xmit(flags)
        self.dsack = None
        self.unacked = 0

    def _ack_now_or_later(self, at):
        if self.hold:
            self.ack_pending = True
            return
        # Computed now (the receiver's state on arrival), sent later.
        flags = F_ACK | (F_ECE if self.ece else 0)
        opts, ack = self._opts(), self.rcv_nxt
        self.dsack = None
        self.unacked = 0
        self._later(at, lambda: self.xmit(flags, ack=ack, options=opts))

    def release(self):
        """End @hold: send the ACK held back, if any."""
        self.drain()
        self.hold = False
        if self.ack_pending:
            self.ack_pending = False
            self.send_ack()

    def send_data(self, n, flags=F_ACK | 0x08, seq_off=None, tos=None,
                  advance=True):
        """@n bytes of the peer's pattern; at @seq_off (bytes from our
        first data byte) if given, else at SND.NXT."""
        off = seq_diff(self.snd_nxt, seq_add(self.iss, 1)) \
            if seq_off is None else seq_off
        data = bytes(ord("A") + (off + i) % 26 for i in range(n))
        if tos is None:
            tos = TOS_ECT0 if self.ecn_ok else 0
        self.xmit(flags, seq=seq_add(self.iss, 1 + off), data=data, tos=tos)
        if advance and seq_off is None:
            self.snd_nxt = seq_add(self.snd_nxt, n)

    def send_fin(self):
        self.xmit(F_FIN | F_ACK)
        self.snd_nxt = seq_add(self.snd_nxt, 1)

    # ---- receiving ----------------------------------------------------

    def _merge_ooo(self, left, right):
        blocks = [(left, right)]
        for lft, rgt in self.ooo:
            nl, nr = blocks[0]
            if seq_diff(lft, nr) <= 0 and seq_diff(nl, rgt) <= 0:
                blocks[0] = (lft if seq_diff(lft, nl) < 0 else nl,
                             rgt if seq_diff(rgt, nr) > 0 else nr)
            else:
                blocks.append((lft, rgt))
        self.ooo = blocks

    def _advance(self):
        moved = True
        while moved:
            moved = False
            for b in list(self.ooo):
                if seq_diff(b[0], self.rcv_nxt) <= 0:
                    if seq_diff(b[1], self.rcv_nxt) > 0:
                        self.rcv_nxt = b[1]
                    self.ooo.remove(b)
                    moved = True
        if self.fin_at is not None and not self.fin_seen and \
                seq_diff(self.rcv_nxt, self.fin_at) >= 0:
            self.rcv_nxt = seq_add(self.fin_at, 1)
            self.fin_seen = True

    def _accept(self, s):
        """@s reaches the receiver; returns True if it must be ACKed now."""
        end = seq_add(s.seq, s.len)
        if s.flags & F_FIN:
            self.fin_at = end
        if s.flags & F_CWR:
            self.ece = False
        if seq_diff(s.end_seq, self.rcv_nxt) <= 0:
            if s.len:
                self.dsack = (s.seq, end)
            return True
        if seq_diff(s.seq, self.rcv_nxt) <= 0:
            had_ooo = bool(self.ooo)
            if s.len:
                self.rcv_nxt = end
            self._advance()
            self.unacked += 1
            return (had_ooo or self.unacked >= self.ack_every or
                    s.len < self.smss or bool(s.flags & F_FIN))
        if s.len:
            self._merge_ooo(s.seq, end)
        return True

    def _ts_update(self, s):
        v = s.opt(8)
        if v is not None and len(v) == 8 and \
                seq_diff(s.seq, self.rcv_nxt) <= 0:
            self.ts_recent = struct.unpack("!I", v[:4])[0]

    def on_sut(self, s):
        """React to one segment from the SUT."""
        if s.flags & F_RST:
            self._rec_sut(s)
            self.rst_seen = True
            return
        if s.flags & F_SYN:
            if self.irs is None:
                # Seen while waiting for the helper: for _expect().
                self.stash.append(s)
            else:
                self._rec_sut(s)
            return
        if self.irs is None:
            self.stash.append(s)
            return
        if s.flags & F_ACK:
            self.una_from_sut = s.ack
        seglen = s.len + bool(s.flags & F_FIN)
        at = s.time + self.path_delay
        if seglen and self.high is not None and \
                seq_diff(s.end_seq, self.high) <= 0:
            at += RETX_EXTRA
        if seglen and self.high is not None and \
                seq_diff(s.end_seq, self.high) > 0:
            self.high = s.end_seq
            self.new_count += 1
            n = self.new_count
            if n in self.drop:
                self.drop.discard(n)
                self._rec_sut(s, "dropped by the peer (loss #%d)" % n)
                return
            if n in self.ce_marks and self.ecn_ok:
                self.ece = True
            if n in self.delay:
                self._rec_sut(s, "delayed by the peer (reordered)")
                self.delayed.append([self.delay.pop(n), s])
                return
        if seglen and self.blackhole > 0:
            self.blackhole -= 1
            self._rec_sut(s, "dropped by the peer (blackhole)")
            return
        self._rec_sut(s)
        self._ts_update(s)
        if not seglen:
            if seq_diff(s.seq, seq_add(self.rcv_nxt, -1)) == 0:
                self.probes += 1
                if self.probes <= self.answer_probes:
                    self._ack_now_or_later(s.time + self.path_delay)
            elif self.cross_pending:
                self.cross_pending = False
                self._later(s.time + self.path_delay, self.send_ack)
            return
        now = self._accept(s)
        for d in list(self.delayed):
            if d[1] is s:
                continue
            d[0] -= 1
            if d[0] <= 0:
                self.delayed.remove(d)
                now = self._accept(d[1]) or now
        if self.fin_seen and s.flags & F_FIN and not self.fin_answered \
                and self.on_fin in ("finack", "cross"):
            self.fin_answered = True
            self._fin_answer(s)
            return
        if self.fin_seen and s.flags & F_FIN and self.on_fin == "none":
            return
        if now:
            self._ack_now_or_later(at)

    def _fin_answer(self, s):
        at = s.time + self.path_delay
        if self.on_fin == "finack":
            def fa():
                self.xmit(F_FIN | F_ACK)
                self.snd_nxt = seq_add(self.snd_nxt, 1)
            self._later(at, fa)
        elif self.on_fin == "cross":
            # Our FIN crosses theirs: it does not acknowledge it. Their
            # ACK of our FIN gets our ACK of theirs (cross_pending).
            ack = seq_add(self.rcv_nxt, -1)

            def cf():
                self.xmit(F_FIN | F_ACK, ack=ack)
                self.snd_nxt = seq_add(self.snd_nxt, 1)
            self._later(at, cf)
            self.cross_pending = True

    def recv_one(self, timeout):
        """One TCP segment from the SUT, or None after @timeout s. Like
        pktlib's Peer._recv_one() but without its per-segment log line:
        the peer must stay fast under TCG (the trace is printed on a
        difference)."""
        sock = self.peer.sock.ins
        end = time.time() + timeout
        while True:
            r, _, _ = select.select([sock], [], [],
                                    max(0.0, end - time.time()))
            if not r:
                return None
            frame, anc, _, addr = sock.recvmsg(65536, 1024)
            if addr[2] == socket.PACKET_OUTGOING or len(frame) < 34:
                continue
            etype = struct.unpack("!H", frame[12:14])[0]
            if etype == 0x0806:
                self.peer._answer_arp(frame)
                continue
            if self.env.family == 6 and etype == pktlib.ETH_P_IPV6 and \
                    frame[20] == 58:
                self.peer._answer_ns(frame)
                continue
            if not pktlib.is_tcp(frame, self.env.family == 6):
                continue
            if self.env.family == 6:
                if frame[22:38] != _IP6_SUT or frame[38:54] != _IP6_PEER:
                    continue
            elif frame[26:30] != _IP_SUT or frame[30:34] != _IP_PEER:
                continue
            ts = time.time()
            for lvl, typ, data in anc:
                if lvl == socket.SOL_SOCKET and typ == pktlib.SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    ts = sec + nsec / 1e9
            seg = pktlib.Seg(ts, frame[14:])
            if not seg.ip_ok or not seg.tcp_ok:
                self.note("bad checksum (IP %s, TCP %s): %s" % (
                    seg.ip_ok, seg.tcp_ok, seg))
                raise TestFail("bad checksum: %s" % seg)
            return seg

    def drain(self):
        """Handle every segment already received: the segments the SUT
        sent before a call returned are on their way to us when its reply
        comes, and the peer must see them before it acts."""
        while self.recv_pending():
            pass

    def recv_pending(self):
        s = self.recv_one(0.0)
        if s is None:
            return False
        self.on_sut(s)
        return True

    def _wait(self, until_fd_ready, limit):
        """Wait up to @limit s for a SUT segment, an answer falling due or
        the helper's reply; handles whichever came."""
        fds = [self.peer.sock.ins]
        hfd = self.h.p.stdout.fileno()
        if until_fd_ready:
            fds.append(hfd)
        if self.outq:
            limit = max(0.0, min(limit, self._next_due() - time.time()))
        if self.peer.backlog:
            self.on_sut(self.peer.backlog.pop(0))
            return True
        r, _, _ = select.select(fds, [], [], limit)
        got = False
        if self.peer.sock.ins in r:
            got = self.recv_pending()
        if hfd in r:
            chunk = os.read(hfd, 65536)
            self.h.buf += chunk or b"eof helper-exited\n"
        self._flush_due()
        return got

    def pump(self, until=None, quiet=0.3, limit=10.0):
        """React to the SUT until @until() holds, nothing came for @quiet s
        and no answer is in flight; at most @limit s (a note then)."""
        end = time.time() + limit
        last = time.time()
        while True:
            now = time.time()
            if now >= end:
                self.note("pump: condition not met within %.1f s" % limit)
                return False
            done = until is None or until()
            if done and not self.outq and now - last >= quiet:
                return True
            left = end - now
            if done:
                left = min(left, max(0.0, quiet - (now - last)))
            if self._wait(False, left):
                last = time.time()

    def app(self, cmd, timeout=20.0):
        """Run one ktcp_sockctl command while the peer goes on reacting;
        returns the pktlib.Reply."""
        t = time.time()
        e = {"k": "app", "t": t, "cmd": cmd}
        self.ev.append(e)
        self.h.write(cmd)
        end = t + timeout
        while b"\n" not in self.h.buf:
            if time.time() > end:
                e["reply"] = "timeout-driver"
                e["tr"] = time.time()
                raise TestFail("no reply to '%s' within %.0f s" %
                               (cmd, timeout))
            self._wait(True, end - time.time())
        r = self.h.read(1)
        e["reply"] = r.line
        e["tr"] = time.time()
        time.sleep(0.005)
        self.drain()
        return r

    def sleep(self, secs):
        """Go on reacting for @secs s."""
        end = time.time() + secs
        while time.time() < end:
            self._wait(False, end - time.time())

    # ---- openings -----------------------------------------------------

    def _their_syn_opts(self, s):
        mss = s.opt(2)
        self.their_mss = struct.unpack("!H", mss)[0] if mss else 536
        self.ts_ok = s.opt(8) is not None
        self.sack_ok = s.opt(4) is not None
        self.ws_ok = s.opt(3) is not None
        self.smss = min(self.their_mss, PEER_MSS) - (12 if self.ts_ok else 0)
        v = s.opt(8)
        if v is not None and len(v) == 8:
            self.ts_recent = struct.unpack("!I", v[:4])[0]

    def _syn_opts(self, ts_ecr):
        return [("MSS", PEER_MSS), ("SAckOK", b""),
                ("Timestamp", (self._tsval(), ts_ecr)),
                ("NOP", None), ("WScale", PEER_WSCALE)]

    def _expect(self, match, timeout, what):
        for s in self.stash:
            if match(s):
                self.stash.remove(s)
                return s
        end = time.time() + timeout
        while time.time() < end:
            s = self.recv_one(end - time.time())
            if s is None:
                break
            if match(s):
                return s
            self.on_sut(s)
        raise TestFail("no %s within %.1f s" % (what, timeout))

    def active_open(self, synack_delay=None, ecn=False):
        """The SUT connects to the peer, which answers the SYN after
        @synack_delay (default: the path delay)."""
        if synack_delay is None:
            synack_delay = self.path_delay
        self.app("connect_nb %s %d" % (self.env.peer_ip, PEER_PORT))
        syn = self._expect(lambda s: s.flags & (F_SYN | F_ACK) == F_SYN, 5,
                           "SYN from the SUT")
        self._rec_sut(syn)
        self.rport = syn.sport
        self.irs = syn.seq
        self.rcv_nxt = self.high = seq_add(syn.seq, 1)
        self._their_syn_opts(syn)
        self.iss = PEER_ISS_ACTIVE
        self.snd_nxt = seq_add(self.iss, 1)
        time.sleep(max(0.0, syn.time + synack_delay - time.time()))
        flags = F_SYN | F_ACK
        if ecn and syn.flags & (F_ECE | F_CWR) == F_ECE | F_CWR:
            flags |= F_ECE
            self.ecn_ok = True
        opts = [o for o in self._syn_opts(self.ts_recent)
                if (o[0] != "SAckOK" or self.sack_ok) and
                (o[0] != "Timestamp" or self.ts_ok) and
                (o[0] not in ("NOP", "WScale") or self.ws_ok)]
        self.xmit(flags, seq=self.iss, options=opts)
        self._expect_handshake_ack()
        self._unstash()
        self.app("wait_connect 5000")

    def _unstash(self):
        """Segments stashed before the handshake, now recorded."""
        stash, self.stash = self.stash, []
        for s in stash:
            self.on_sut(s)

    def _expect_handshake_ack(self):
        a = self._expect(lambda s: not s.flags & F_SYN, 5,
                         "the ACK completing the handshake")
        self.on_sut(a)

    def passive_open(self, ack_delay=None, ecn=False):
        """The peer connects to the SUT's listener; its ACK of the SYN-ACK
        leaves @ack_delay (default: the path delay) after the SYN-ACK."""
        if ack_delay is None:
            ack_delay = self.path_delay
        self.app("listen %d" % SUT_PORT)
        self.rport = SUT_PORT
        self.iss = PEER_ISS_PASSIVE
        self.snd_nxt = self.iss
        flags = F_SYN | (F_ECE | F_CWR if ecn else 0)
        self.xmit(flags, seq=self.iss, options=self._syn_opts(0))
        self.snd_nxt = seq_add(self.iss, 1)
        sa = self._expect(lambda s: s.flags & (F_SYN | F_ACK) ==
                          F_SYN | F_ACK, 5, "SYN-ACK from the SUT")
        self._rec_sut(sa)
        self.irs = sa.seq
        self.rcv_nxt = self.high = seq_add(sa.seq, 1)
        self._their_syn_opts(sa)
        self.ecn_ok = ecn and bool(sa.flags & F_ECE) and \
            not sa.flags & F_CWR
        time.sleep(max(0.0, sa.time + ack_delay - time.time()))
        self.send_ack()
        self._unstash()
        self.app("accept 5000")

    # ---- conditions ---------------------------------------------------

    def received(self):
        """Bytes of the SUT's data received in order."""
        if self.rcv_nxt is None:
            return 0
        return seq_diff(self.rcv_nxt, self.irs) - 1 - self.fin_seen

    def acked_by_sut(self):
        """Bytes of our data the SUT has acknowledged."""
        if self.una_from_sut is None:
            return 0
        return seq_diff(self.una_from_sut, self.iss) - 1
