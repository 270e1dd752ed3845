# SPDX-License-Identifier: GPL-2.0
"""Where PSH falls and how a write is cut into segments, as Linux's
tcp_sendmsg_locked() does it: PSH on the last segment of a write only
(tcp_push() -> tcp_mark_push()), and on the segment that ends past half the
peer's largest window since the last PSH (forced_push()); MSG_EOR ends
coalescing, MSG_MORE holds a partial segment for one call; an MSS above
half the peer's window is cut down to it (tcp_bound_to_half_wnd()).

The peer offers no timestamps: every full segment carries 1460 bytes.
Linux's TCP always has GSO, and tcp_transmit_skb() sets PSH on every GSO
packet of more than one segment, whose size the pacing rate decides
(tcp_tso_autosize()); ktcp does not model that (Documentation/design.rst,
deviations). So that every segment leaves alone, the tests that write more
than a segment shut the peer's window before the write (nothing leaves
while sendmsg() builds its skbs) and then open it one segment per ACK.
A forced push is not tested alone: when the window opens a segment at a
time, Linux's tcp_grow_skb() pulls the next skb's data into the one that
leaves, and its PSH moves on with it, to the end of the write."""

import time

from pktlib import F_PSH, TestFail, check, diag, seq_add
from tests import test


def collect(c, nbytes, timeout=15.0, win=None):
    """Receive @nbytes of in-order data, acknowledging every segment as it
    comes; returns the first transmissions, in order."""
    segs, got, end = [], 0, time.time() + timeout
    while got < nbytes:
        s = c.recv(max(0.0, end - time.time()), lambda s: s.len > 0)
        if s is None:
            raise TestFail("expected %d bytes of data, got %d" %
                           (nbytes, got))
        if s.seq == c.rcv_nxt:
            segs.append(s)
            got += s.len
            c.rcv_nxt = seq_add(c.rcv_nxt, s.len)
        c.ack(win=win)
    return segs


def take(c, what):
    """One new data segment, not acknowledged."""
    s = c.expect(3, lambda s: s.len > 0 and s.seq == c.rcv_nxt, what)
    c.rcv_nxt = seq_add(c.rcv_nxt, s.len)
    return s


def shut_then_trickle(c, h, cmd):
    """Shut the window, run the write @cmd, open the window one segment."""
    c.ack(win=0)
    time.sleep(0.05)
    h.must(cmd)
    c.ack(win=1460)


def layout(segs):
    return [(s.len, int(bool(s.flags & F_PSH))) for s in segs]


def check_layout(segs, want, what):
    got = layout(segs)
    diag("%s: %s" % (what, got))
    check(got == want, "%s: expected (length, PSH) %s, got %s" %
          (what, want, got))


@test("psh_last_segment")
def t_psh_last_segment(env):
    """One write of 5000 bytes: four segments, PSH on the last only."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    shut_then_trickle(c, h, "send 5000")
    check_layout(collect(c, 5000, win=1460),
                 [(1460, 0), (1460, 0), (1460, 0), (620, 1)], "one write")


@test("psh_mss_half_window")
def t_psh_mss_half_window(env):
    """A peer offering 1000 bytes: the MSS is cut to half of it, 500
    (tcp_bound_to_half_wnd()), not the window split at whatever fits. The
    second segment ends past half the window since the last PSH: forced."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h, win=1000)
    h.must("send 1200")
    check_layout(collect(c, 1200, win=1000),
                 [(500, 0), (500, 1), (200, 1)], "a tiny window")


@test("psh_msg_eor")
def t_psh_msg_eor(env):
    """MSG_EOR ends coalescing (tcp_skb_can_collapse_to()): 100 bytes go;
    a write of 2000 with MSG_EOR sends its first 1460 (no PSH), Nagle holds
    the 540 left (PSH); the next write of 1000 starts a segment of its own
    instead of joining them."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("send 100")
    segs = [take(c, "the first 100 bytes")]
    h.must("send 2000 eor")
    segs.append(take(c, "the first segment of the MSG_EOR write"))
    c.expect_none(0.1, lambda s: s.len > 0 and s.seq == c.rcv_nxt,
                  "data Nagle holds")
    h.must("send 1000")
    segs += collect(c, 1540)
    check_layout(segs, [(100, 1), (1460, 0), (540, 1), (1000, 1)],
                 "MSG_EOR")


@test("psh_msg_more")
def t_psh_msg_more(env):
    """MSG_MORE: a write of 2000 sends its full segment without PSH and
    holds the 540 left, as TCP_CORK would; a write of 1000 without it
    joins them and pushes: 1460, then 80 with PSH."""
    env.start()
    h = env.new_helper()
    c = env.active_open(h)
    h.must("send 2000 more")
    segs = [take(c, "the full segment of the MSG_MORE write")]
    c.expect_none(0.1, lambda s: s.len > 0 and s.seq == c.rcv_nxt,
                  "data MSG_MORE holds")
    h.must("send 1000")
    segs += collect(c, 1540)
    check_layout(segs, [(1460, 0), (1460, 0), (80, 1)], "MSG_MORE")
