#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw ktcpstat --timeline's samples as an SVG chart (python3-matplotlib).

usage: ktcpstat-plot.py SAMPLES.csv CHART.svg

The CSV is what tools/ktcpstat/timeline.c writes: a "# SRC -> DST" line,
a header, one row per sample. Four panels over the same time axis, as
tcptrace and xplot draw a connection:
  Time-sequence      bytes acknowledged and the highest byte sent (acked
                     + in flight) since the first sample, retransmissions
                     marked with a red x; bytes received when the
                     connection receives
  Congestion window  cwnd and ssthresh, in segments
  RTT                smoothed RTT with +/- its variation, in ms
  Windows            the peer's window (snd_wnd), ours (rcv_wnd) and the
                     bytes in flight
Text stays text in the SVG (svg.fonttype none), so titles can be found.
"""
import csv
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (after the backend)


def load(path):
    title = ''
    with open(path, encoding='utf-8') as f:
        lines = []
        for line in f:
            if line.startswith('#'):
                title = title or line[1:].strip()
            else:
                lines.append(line)
    rows = list(csv.DictReader(lines))
    if not rows:
        sys.exit('ktcpstat-plot.py: %s: no samples' % path)
    return title, rows


def col(rows, name, scale=1.0):
    return [float(r[name]) / scale if r[name] != '' else float('nan')
            for r in rows]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split('\n\n')[1])
    title, rows = load(sys.argv[1])
    matplotlib.rcParams['svg.fonttype'] = 'none'
    t = col(rows, 'time_s')
    # bytes from the first sample on, as tcptrace's relative sequence numbers
    acked = [a - col(rows, 'bytes_acked')[0] for a in col(rows, 'bytes_acked')]
    flight = col(rows, 'in_flight')
    sent = [a + f for a, f in zip(acked, flight)]
    received = [r - col(rows, 'bytes_received')[0]
                for r in col(rows, 'bytes_received')]
    fresh = col(rows, 'retrans_new')

    fig, ax = plt.subplots(4, 1, sharex=True, figsize=(10, 12))
    fig.suptitle('ktcp %s' % title)

    seq = ax[0]
    seq.set_title('Time-sequence')
    seq.step(t, acked, where='post', color='tab:green', label='acked')
    seq.step(t, sent, where='post', color='tab:blue', label='sent (acked + in flight)')
    if max(received) > 0:
        seq.step(t, received, where='post', color='tab:purple', label='received')
    rt = [(x, y, n) for x, y, n in zip(t, sent, fresh) if n > 0]
    if rt:
        seq.scatter([x for x, _, _ in rt], [y for _, y, _ in rt], marker='x',
                    color='tab:red', zorder=3,
                    label='retransmissions (%d)' % sum(n for _, _, n in rt))
    seq.set_ylabel('bytes since the first sample')
    seq.legend(loc='upper left', fontsize='small')

    cw = ax[1]
    cw.set_title('Congestion window')
    cw.step(t, col(rows, 'cwnd'), where='post', label='cwnd')
    cw.step(t, col(rows, 'ssthresh'), where='post', label='ssthresh')
    cw.set_ylabel('segments')
    cw.legend(loc='upper left', fontsize='small')

    rtt = ax[2]
    rtt.set_title('RTT')
    r = col(rows, 'rtt_ms')
    v = col(rows, 'rttvar_ms')
    rtt.plot(t, r, label='srtt')
    rtt.fill_between(t, [max(a - b, 0) for a, b in zip(r, v)],
                     [a + b for a, b in zip(r, v)], alpha=0.3,
                     label='+/- rttvar')
    rtt.set_ylabel('ms')
    rtt.legend(loc='upper left', fontsize='small')

    win = ax[3]
    win.set_title('Windows')
    win.step(t, col(rows, 'snd_wnd'), where='post', label='snd_wnd (peer)')
    win.step(t, col(rows, 'rcv_wnd'), where='post', label='rcv_wnd (ours)')
    win.step(t, flight, where='post', label='in flight')
    win.set_ylabel('bytes')
    win.set_xlabel('time (s)')
    win.legend(loc='upper left', fontsize='small')

    fig.tight_layout()
    fig.savefig(sys.argv[2], format='svg')


if __name__ == '__main__':
    main()
