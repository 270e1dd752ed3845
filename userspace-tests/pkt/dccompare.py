# SPDX-License-Identifier: GPL-2.0
"""
Differential capture (diffcap.py): comparing two traces of one scenario.

A trace is the list of events dcpeer.DPeer recorded: segments the socket
under test (SUT) sent, segments the peer sent, and application calls with
their replies. Three streams are compared, each element by element, in
order: SUT segments, peer segments, application calls. (Not one merged
timeline: which of two segments in flight at once the peer saw first is a
matter of scheduling, not of the stack.) The first element where a stream
differs is its first divergence.

Everything on the wire is compared except what ALLOWED lists, each with
its reason. Timing is compared for timer-driven SUT segments only, within
the tolerances below.
"""

import hashlib
import struct

import pktlib
from pktlib import F_ACK, F_FIN, F_PSH, F_RST, F_SYN, F_URG, seq_diff

F_ECE, F_CWR = 0x40, 0x80

# What is not compared, and why. Nothing else is masked.
ALLOWED = [
    ("initial sequence numbers",
     "each stack picks its own ISN (RFC 6528): sequence, ACK and SACK "
     "numbers are compared relative to the ISN of the side they count"),
    ("port numbers",
     "the SUT's port of an active open is ephemeral, chosen by each stack; "
     "the peer's port and the listener's are fixed by the scenario"),
    ("TSval of the SUT",
     "each stack's timestamp clock has its own base (Linux adds a random "
     "per-connection offset): TSvals are checked to never decrease and to "
     "advance at about 1 kHz (TS_HZ_*), in each run"),
    ("TSecr of the peer",
     "the peer echoes the SUT's TSval (see above); the SUT's TSecr, which "
     "echoes the peer's counter, is compared exactly"),
    ("IP ID",
     "Linux picks a random per-socket IP ID for DF segments "
     "(ip_select_ident_segs); no receiver uses it"),
    ("IPv6 flow label value",
     "an automatic flow label (net.ipv6.auto_flowlabels) is drawn from the "
     "connection's random txhash (net_tx_rndhash(), "
     "ip6_make_flowlabel()); compared instead: whether there is one and "
     "when it changes (flowlabel_ids())"),
    ("checksums",
     "verified on every segment the peer receives (pktlib), not compared: "
     "they follow from the fields above"),
    ("absolute times and reaction times",
     "the VM runs at a varying speed; only the gap before a timer-driven "
     "SUT segment is compared (TIMER_* below)"),
]

# Timing. A SUT segment is timer-driven when no application call was in
# progress between the previous event (a segment either way) and it; its
# gap is the time since that event. Gaps are compared when either run's
# is at least TIMER_MIN: shorter ones are reactions to a segment, or
# Linux's delayed ACK (40 ms), whose timing QEMU TCG blurs (a busy host
# deschedules the VM for tens of milliseconds). Two gaps agree when
#     |a - b| <= TIMER_ABS + TIMER_REL * max(a, b)
# TIMER_ABS is the jitter of the kernel timers (jiffies, the timer wheel's
# granularity of up to 1/8 of the timeout) plus the VM being held up for
# up to ~100 ms; TIMER_REL the slack of timers whose base is an RTT the
# SUT measured under TCG. It still tells an RTO of 300 ms from one of
# 1 s, and a backoff that doubles from one that does not.
TIMER_MIN = 0.15
TIMER_ABS = 0.10
TIMER_REL = 0.30

# A run is disturbed when the peer sent an answer more than
# DISTURBED_LATE s after its time: the host held the VM (or the peer)
# up beyond what TIMER_ABS allows, and which timer fired first is then
# a matter of load. A scenario that differs with a disturbed run is run
# again (diffcap.py), up to DISTURBED_RETRIES times; the last result
# stands. Native against native (--self-check) on a host running four
# VMs on two cores saw answers 200-550 ms late and differed for that
# alone.
DISTURBED_LATE = TIMER_ABS
DISTURBED_RETRIES = 2

# TSval rate, checked per run as the median rate over spans of at least
# TS_SPAN s: within TS_HZ_REL of 1000 per second, plus TS_HZ_ABS ticks
# over a span (Linux's TSval is a 1 kHz clock, tcp_time_stamp_ts()).
TS_SPAN = 0.5
TS_HZ_REL = 0.10
TS_HZ_ABS = 20

OPT_NAMES = {0: "EOL", 1: "NOP", 2: "MSS", 3: "WS", 4: "SACKOK", 5: "SACK",
             8: "TS", 30: "MPTCP", 34: "TFO"}


def flowlabel_ids(segs):
    """The flow labels of @segs (one side's segments, in order) as names
    that keep what can be compared of a random label: "0" for none, else
    "L<n>", n counting the distinct labels in order of first use. So L1
    throughout is one label kept for the whole connection; L1 then L2 a
    new label from some segment on (Linux draws a new txhash, so a new
    label, on each retransmission timeout: sk_rethink_txhash() in
    tcp_write_timeout(), and on a spurious retransmission received); a
    reset from no socket has the label of the segment's flow hash, or
    the incoming one reflected (net.ipv6.flowlabel_reflect)."""
    ids, out = {}, []
    for s in segs:
        fl = s.flowlabel
        if not fl:
            out.append("0")
            continue
        ids.setdefault(fl, "L%d" % (len(ids) + 1))
        out.append(ids[fl])
    return out


def flagstr(f, ns=0):
    s = "".join(c for bit, c in ((F_SYN, "S"), (F_FIN, "F"), (F_RST, "R"),
                                 (F_PSH, "P"), (F_ACK, "A"), (F_URG, "U"),
                                 (F_ECE, "E"), (F_CWR, "W")) if f & bit)
    return (s or ".") + ("N" if ns else "")


def parse(trace):
    """Split a trace into its streams, with the segments parsed and the
    ISNs and window scales found."""
    out = {"sut": [], "peer": [], "app": [], "note": []}
    for e in trace["events"]:
        if e["k"] in ("sut", "peer"):
            s = pktlib.Seg(e["t"], bytes.fromhex(e["raw"]))
            s.why = e.get("why", "")
            out[e["k"]].append(s)
        else:
            out.setdefault(e["k"], []).append(e)
    # In time order (the peer records some of the SUT's segments late).
    for k in ("sut", "peer"):
        out[k].sort(key=lambda s: s.time)
    isn = {}
    ws = {}
    for side in ("sut", "peer"):
        for s in out[side]:
            if s.flags & F_SYN:
                isn[side] = s.seq
                w = s.opt(3)
                ws[side] = w[0] if w else None
                break
    both = ws.get("sut") is not None and ws.get("peer") is not None
    for k in ("sut", "peer"):
        for s, fid in zip(out[k], flowlabel_ids(out[k])):
            s.flowlabel_id = fid
    out["isn"] = isn
    out["shift"] = {k: (ws[k] if both else 0) for k in ws}
    return out


def rel(v, base):
    return "-" if base is None else seq_diff(v, base) & 0xffffffff


def opts_end(o):
    """Where the option list @o ends: at EOL, or after its last option."""
    i = 0
    while i < len(o) and o[i] != 0:
        if o[i] == 1:
            i += 1
        elif i + 1 < len(o) and o[i + 1] >= 2:
            i += o[i + 1]
        else:
            return len(o)
    return min(i, len(o))


def seg_fields(s, side, p):
    """The compared fields of segment @s sent by @side ("sut" or
    "peer"), as an ordered list of (name, value)."""
    other = "peer" if side == "sut" else "sut"
    mine, theirs = p["isn"].get(side), p["isn"].get(other)
    ns = s.ip_raw[s.ip_hlen + 12] & 1
    f = [("flags", flagstr(s.flags, ns)),
         ("seq", rel(s.seq, mine)),
         ("ack", rel(s.ack, theirs) if s.flags & F_ACK else s.ack),
         ("len", s.len)]
    if s.len:
        f.append(("data", hashlib.sha1(s.data).hexdigest()[:8]))
    shift = 0 if s.flags & F_SYN else p["shift"].get(side, 0) or 0
    f.append(("win", s.win << shift))
    if s.flags & F_URG or s.urp:
        f.append(("urp", s.urp))
    kinds = []
    for k, v in s.parsed_opts():
        kinds.append(OPT_NAMES.get(k, str(k)))
        if k == 2 and v and len(v) == 2:
            f.append(("mss", struct.unpack("!H", v)[0]))
        elif k == 3 and v:
            f.append(("wscale", v[0]))
        elif k == 5 and v is not None:
            blocks = [struct.unpack("!II", v[i:i + 8])
                      for i in range(0, len(v) - len(v) % 8, 8)]
            f.append(("sack", " ".join("%s-%s" % (rel(a, theirs),
                                                  rel(b, theirs))
                                       for a, b in blocks)))
        elif k == 8 and v and len(v) == 8:
            tsval, tsecr = struct.unpack("!II", v)
            if side == "sut":
                f.append(("tsecr", tsecr))
            else:
                f.append(("tsval", tsval))
    # Trailing padding (EOL, zeros) is part of the layout.
    pad = len(s.opts) - opts_end(s.opts)
    if pad:
        kinds.append("pad%d" % pad)
    f.insert(4, ("opts", ",".join(kinds) or "-"))
    ip = s.ip_raw
    if s.version == 6:
        # tos is the traffic class (ECN bits), ttl the hop limit; the
        # payload length is the TCP segment's (no extension headers).
        f += [("tclass", "%#04x" % s.tos),
              ("flowlabel", s.flowlabel_id), ("hlim", s.ttl),
              ("plen", len(ip) - s.ip_hlen)]
    else:
        f += [("tos", "%#04x" % ip[1]), ("df", int(s.df)),
              ("ttl", s.ttl), ("ihl", ip[0] & 15)]
    if s.why:
        f.append(("peer", s.why))
    return f


def seg_line(s, side, p, gap=None):
    if s is None:
        return "(none)"
    d = dict(seg_fields(s, side, p))
    txt = "%-5s seq %s ack %s len %d win %s" % (
        d["flags"], d["seq"], d["ack"], d["len"], d["win"])
    for k in ("opts", "mss", "wscale", "sack", "tsecr", "urp"):
        if k in d and d[k] != "-":
            txt += " %s %s" % (k, d[k])
    tos = d.get("tos", d.get("tclass"))
    if tos != "0x00":
        txt += " tos %s" % tos
    if d.get("flowlabel", "0") != "0":
        txt += " fl %s" % d["flowlabel"]
    if gap is not None:
        txt += " +%.3fs" % gap
    if s.why:
        txt += " [" + s.why + "]"
    return txt


def app_norm(e):
    """An application call: its command and its reply, ports left out."""
    words = [w for w in e.get("reply", "(none)").split()
             if not w.startswith("port=")]
    return "%s -> %s" % (e["cmd"], " ".join(words))


def gaps(p):
    """For each SUT segment: (gap, timer_driven)."""
    events = [(s.time, "seg") for s in p["sut"] + p["peer"]]
    calls = [(e["t"], e.get("tr", e["t"] + 3600)) for e in p["app"]]
    events.sort()
    out = []
    for s in p["sut"]:
        prev = max((t for t, _ in events if t < s.time), default=None)
        if prev is None:
            out.append((0.0, False))
            continue
        busy = any(a <= s.time and b >= prev for a, b in calls)
        out.append((s.time - prev, not busy))
    return out


def timing_diff(ga, gb):
    (a, ta), (b, tb) = ga, gb
    if not (ta and tb) or max(a, b) < TIMER_MIN:
        return None
    if abs(a - b) <= TIMER_ABS + TIMER_REL * max(a, b):
        return None
    return "timer-driven gap %.3f s vs %.3f s (tolerance %.2f s + %d%%)" % (
        a, b, TIMER_ABS, TIMER_REL * 100)


def ts_check(p):
    """Problems with the SUT's TSvals in one run: decreasing, or not about
    1 kHz. The rate is the median over the gaps of at least TS_SPAN s
    between segments: a VM held up between stamping a segment and
    sending it skews one gap, not the median."""
    pts = []
    for s in p["sut"]:
        v = s.opt(8)
        if v and len(v) == 8:
            pts.append((s.time, struct.unpack("!I", v[:4])[0]))
    for (ta, va), (tb, vb) in zip(pts, pts[1:]):
        if seq_diff(vb, va) < 0:
            return "TSval decreased: %u then %u" % (va, vb)
    rates = []
    i = 0
    for j in range(1, len(pts)):
        dt = pts[j][0] - pts[i][0]
        if dt >= TS_SPAN:
            rates.append(seq_diff(pts[j][1], pts[i][1]) / dt)
            i = j
    if rates:
        hz = sorted(rates)[len(rates) // 2]
        if abs(hz - 1000) > TS_HZ_REL * 1000 + TS_HZ_ABS / TS_SPAN:
            return "TSval advances at %.0f Hz (median of %d spans), not " \
                "about 1 kHz" % (hz, len(rates))
    return None


def seg_diff(A, B, i, side, pa, pb):
    """The fields that differ between segments A[i] and B[i] of @side."""
    fa = dict(seg_fields(A[i], side, pa))
    fb = dict(seg_fields(B[i], side, pb))
    return fa, fb, [k for k in list(fa) + [k for k in fb if k not in fa]
                    if fa.get(k) != fb.get(k)]


def compare(ta, tb, la, lb):
    """Differences between traces @ta and @tb (labels @la, @lb): a list of
    (stream, index, what); empty when they agree."""
    pa, pb = parse(ta), parse(tb)
    diffs = []
    ga, gb = gaps(pa), gaps(pb)
    for side in ("sut", "peer"):
        A, B = pa[side], pb[side]
        for i in range(max(len(A), len(B))):
            if i >= len(A) or i >= len(B):
                diffs.append((side, i, "%s sent %d segments, %s %d" % (
                    la, len(A), lb, len(B))))
                break
            fa, fb, bad = seg_diff(A, B, i, side, pa, pb)
            if bad:
                diffs.append((side, i, "; ".join(
                    "%s %s vs %s" % (k, fa.get(k, "(absent)"),
                                     fb.get(k, "(absent)")) for k in bad)))
                break
            if side == "sut":
                t = timing_diff(ga[i], gb[i])
                if t:
                    diffs.append((side, i, t))
                    break
    for st, norm in (("app", app_norm), ("note", lambda e: e["text"])):
        A, B = pa[st], pb[st]
        for i in range(max(len(A), len(B))):
            xa = norm(A[i]) if i < len(A) else "(none)"
            xb = norm(B[i]) if i < len(B) else "(none)"
            if xa != xb:
                diffs.append((st, i, "%s vs %s" % (xa, xb)))
                break
    for p, lab in ((pa, la), (pb, lb)):
        w = ts_check(p)
        if w:
            diffs.append(("tsval", 0, "%s: %s" % (lab, w)))
    if ta.get("error") != tb.get("error"):
        diffs.append(("run", 0, "%s: %s; %s: %s" % (
            la, ta.get("error") or "completed",
            lb, tb.get("error") or "completed")))
    return diffs


def per_field(ta, tb, la, lb, side="sut"):
    """The first divergence of each field in @side's segments, in index
    order: what differs beyond the first divergence (later ones may be
    its consequences). Lines of text."""
    pa, pb = parse(ta), parse(tb)
    A, B = pa[side], pb[side]
    ga, gb = gaps(pa), gaps(pb)
    first = {}
    for i in range(min(len(A), len(B))):
        fa, fb, bad = seg_diff(A, B, i, side, pa, pb)
        for k in bad:
            if k not in first:
                first[k] = (i, "%s %s vs %s" % (k, fa.get(k, "(absent)"),
                                                fb.get(k, "(absent)")))
        if side == "sut" and "timing" not in first:
            t = timing_diff(ga[i], gb[i])
            if t:
                first["timing"] = (i, t)
    if len(A) != len(B):
        first["count"] = (min(len(A), len(B)), "%s sent %d segments, %s %d"
                          % (la, len(A), lb, len(B)))
    return ["%s #%d: %s" % (side, i, w)
            for i, w in sorted(first.values())]


def side_by_side(ta, tb, la, lb, stream, idx, ctx=6):
    """Lines showing the two runs' @stream around index @idx."""
    pa, pb = parse(ta), parse(tb)
    lines = []
    if stream in ("sut", "peer"):
        ga = gaps(pa) if stream == "sut" else None
        gb = gaps(pb) if stream == "sut" else None
        lo, hi = max(0, idx - ctx), idx + ctx // 2 + 1
        lines.append("%s segments %d..%d, %s | %s:" % (
            "SUT" if stream == "sut" else "peer", lo, hi - 1, la, lb))
        for i in range(lo, hi):
            A, B = pa[stream], pb[stream]
            if i >= len(A) and i >= len(B):
                break
            sa = seg_line(A[i] if i < len(A) else None, stream, pa,
                          ga[i][0] if ga and i < len(A) else None)
            sb = seg_line(B[i] if i < len(B) else None, stream, pb,
                          gb[i][0] if gb and i < len(B) else None)
            mark = ">>" if i == idx else "  "
            lines.append("%s %3d %s" % (mark, i, sa))
            lines.append("%s     %s" % ("  " if sa == sb else "!=", sb))
    elif stream == "app":
        for i in range(max(0, idx - 3), idx + 2):
            for p, lab in ((pa, la), (pb, lb)):
                if i < len(p["app"]):
                    lines.append("%s %3d %-8s %s" % (
                        ">>" if i == idx else "  ", i, lab,
                        app_norm(p["app"][i])))
    return lines


def timeline(trace, label, limit=400):
    """The whole trace of one run, one event a line."""
    p = parse(trace)
    evs = []
    g = gaps(p)
    for i, s in enumerate(p["sut"]):
        evs.append((s.time, "sut  %3d %s" % (i, seg_line(s, "sut", p,
                                                        g[i][0]))))
    for i, s in enumerate(p["peer"]):
        evs.append((s.time, "peer %3d %s" % (i, seg_line(s, "peer", p))))
    for e in p["app"]:
        evs.append((e["t"], "app      " + app_norm(e)))
    for e in p["note"]:
        evs.append((e["t"], "note     " + e["text"]))
    evs.sort(key=lambda x: x[0])
    t0 = evs[0][0] if evs else 0
    out = ["---- %s: %d events ----" % (label, len(evs))]
    for t, x in evs[:limit]:
        out.append("%8.3f %s" % (t - t0, x))
    if len(evs) > limit:
        out.append("... %d more" % (len(evs) - limit))
    return out
