#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw make bench's ratios ktcp/native as an SVG chart (python3-matplotlib).

usage: bench-plot.py CHART.svg [--apps APPS.tsv] [--transfers ROWS.tsv]

APPS.tsv is scripts/bench-apps.sh --tsv's table (a header, then bench,
metric, native_median, ktcp_median, ratio, spread "lo..hi", ...): one bar a
metric, the ratio of the medians, its whisker the lowest and highest ratio
of one round. ROWS.tsv is scripts/bench.sh's transfer rows (build/log/
bench.tsv: profile|pair|ok|secs|...): per netem profile, native's time over
each other pair's. Every ratio is oriented so that > 1.0 means ktcp did
better, and drawn as a bar from 1.0 on a log scale (twice better and
twice worse are as long), clipped at 1/16 and 16. Text stays text in the
SVG (svg.fonttype none), as in ktcpstat-plot.py.
"""
import argparse
import csv
import statistics

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  (after the backend)
from matplotlib.ticker import FixedLocator, NullLocator  # noqa: E402

TICKS = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16]


def number(s):
    try:
        return float(s)
    except ValueError:
        return None


def load_apps(path):
    """(label, ratio, lo, hi) per metric with a ratio."""
    bars = []
    with open(path, encoding='utf-8') as f:
        for r in csv.DictReader(f, delimiter='\t'):
            ratio = number(r['ratio'])
            if ratio is None:
                continue
            lo, _, hi = r['spread'].partition('..')
            lo, hi = number(lo), number(hi)
            bars.append(('%s %s' % (r['bench'], r['metric']), ratio,
                         ratio if lo is None else lo,
                         ratio if hi is None else hi))
    return bars


def load_transfers(path):
    """{profile: {pair: native / pair of the median secs}}, in file order.

    Each (profile, pair) has one row a round (field 11, absent in rows of
    one round); the medians are of the rounds that succeeded.
    """
    secs = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            field = line.rstrip('\n').split('|')
            if len(field) >= 4 and field[2] == 'ok' and number(field[3]):
                secs.setdefault(field[0], {}).setdefault(
                    field[1], []).append(float(field[3]))
    med = {p: {q: statistics.median(t) for q, t in s.items()}
           for p, s in secs.items()}
    return {p: {q: s['native'] / t for q, t in s.items() if q != 'native'}
            for p, s in med.items() if 'native' in s}


def ratio_axis(ax, lo, hi, label):
    """A log axis, as 2x better and 2x worse lie as far from 1.0, clipped
    to 1/16..16 so that one wild round does not squash the rest."""
    ax.set_xscale('log')
    ax.set_xlim(max(min(lo, 0.5) / 1.3, TICKS[0]), min(max(hi, 2) * 1.3, TICKS[-1]))
    ax.xaxis.set_major_locator(FixedLocator(TICKS))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels(['1/%d' % round(1 / t) if t < 1 else '%d' % t
                        for t in TICKS])
    ax.axvline(1.0, color='black', linewidth=1)
    ax.set_xlabel(label)
    return ax.get_xlim()[1]


def draw_apps(ax, bars):
    y = range(len(bars))
    ratio = [b[1] for b in bars]
    err = [[b[1] - b[2] for b in bars], [b[3] - b[1] for b in bars]]
    # from 1.0: right where ktcp did better, left where it did worse
    ax.barh(y, [r - 1 for r in ratio], left=1, xerr=err, capsize=3,
            color=['tab:green' if r >= 1 else 'tab:orange' for r in ratio])
    ax.set_yticks(list(y), [b[0] for b in bars])
    ax.invert_yaxis()
    ax.set_title('Applications: medians over the rounds, whiskers the '
                 'lowest and highest round')
    right = ratio_axis(ax, min(b[2] for b in bars), max(b[3] for b in bars),
                       'ratio (> 1: ktcp better; throughput ktcp/native, '
                       'latency and memory native/ktcp)')
    for i, b in enumerate(bars):  # beyond the whisker
        ax.text(min(max(b[1], b[3]), right), i, '  %.2f' % b[1], va='center',
                ha='left', fontsize='small')


def draw_transfers(ax, ratios):
    profiles = list(ratios)
    pairs = list(dict.fromkeys(q for r in ratios.values() for q in r))
    h = 0.8 / max(len(pairs), 1)
    for j, q in enumerate(pairs):
        # a pair that failed has no bar (nan)
        ax.barh([i + j * h for i in range(len(profiles))],
                [ratios[p].get(q, float('nan')) - 1 for p in profiles],
                left=1, height=h, label=q)
    ax.set_yticks([i + h * (len(pairs) - 1) / 2 for i in range(len(profiles))],
                  profiles)
    ax.invert_yaxis()
    ax.set_title('Transfers (ktcp_bench, both directions): one run a pair')
    values = [v for r in ratios.values() for v in r.values()]
    ratio_axis(ax, min(values), max(values),
               'native time / pair time (> 1: the pair was faster)')
    ax.legend(loc='best', fontsize='small')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('svg')
    ap.add_argument('--apps')
    ap.add_argument('--transfers')
    a = ap.parse_args()
    apps = load_apps(a.apps) if a.apps else []
    transfers = load_transfers(a.transfers) if a.transfers else {}
    panels = [p for p in (('apps', apps), ('transfers', transfers)) if p[1]]
    if not panels:
        ap.exit(1, 'bench-plot.py: no ratios to draw\n')
    matplotlib.rcParams['svg.fonttype'] = 'none'
    rows = [max(len(p[1]), 2) for p in panels]
    fig, ax = plt.subplots(len(panels), 1, squeeze=False,
                           figsize=(10, 1.5 + 0.35 * sum(rows)),
                           gridspec_kw={'height_ratios': rows})
    fig.suptitle('ktcp against native TCP (make bench)')
    for (kind, data), axis in zip(panels, ax[:, 0]):
        (draw_apps if kind == 'apps' else draw_transfers)(axis, data)
    fig.tight_layout()
    fig.savefig(a.svg, format='svg')


if __name__ == '__main__':
    main()
