#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
The differential capture test: each scenario (dcscenarios.py) runs once
against native TCP and once against ktcp, in the same VM boot, with the
same reactive scripted peer (dcpeer.py); the two traces, every segment
both ways and every application call, are compared (dccompare.py). A
scenario passes when nothing differs but what dccompare.ALLOWED lists.
A scenario that differs while the host held either run up (the peer
answering later than dccompare.DISTURBED_LATE) runs again, up to
DISTURBED_RETRIES times. TAP output; on a difference, the two runs side by side around the first
divergence, and both whole traces.

    diffcap.py --list [--full]
    diffcap.py --helper PATH [--self-check] [--full] [--keep DIR]
               [--prefix P] [--timeout-mult X] [SCENARIO...]

--self-check runs both sides against native TCP: it must pass, proving
that the harness itself sees no difference where there is none. --full
runs every scenario (default: the make-check subset, "quick").

Each run gets fresh namespaces and its own process, as in run.py (whose
run_one() it uses).

Exit status: 0 if every scenario agreed, 1 otherwise, 2 on bad usage.
"""

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import pktlib  # noqa: E402
import run  # noqa: E402
import dccompare  # noqa: E402
import dcpeer  # noqa: E402
import dcscenarios  # noqa: E402
from pktlib import diag  # noqa: E402


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def make_runner(func, path, label):
    """The test function run.run_one() runs in the forked process: the
    scenario, its trace saved to @path whatever happens."""
    def f(env):
        dp = None
        error = None
        try:
            dp = dcpeer.DPeer(env)
            func(dp)
        except pktlib.TestFail as e:
            error = str(e)
        except Exception as e:      # noqa: BLE001 - recorded, compared
            error = "exception: %r" % e
            import traceback
            diag(traceback.format_exc())
        finally:
            evs = dp.ev if dp else []
            with open(path, "w") as fp:
                json.dump({"label": label, "error": error, "events": evs,
                           "late": dp.max_late if dp else 0.0}, fp)
        if error:
            diag("run ended early: %s" % error)
    return f


def one_run(n, name, func, meta, args, native, label, tdir):
    path = os.path.join(tdir, "%s.%s.json" % (name, label))
    rargs = types.SimpleNamespace(native=native, helper=args.helper,
                                  prefix=args.prefix,
                                  timeout_mult=args.timeout_mult)
    t = time.time()
    st, why = run.run_one(n, "%s:%s" % (name, label),
                          make_runner(func, path, label), meta, rargs)
    try:
        with open(path) as fp:
            trace = json.load(fp)
    except (OSError, ValueError):
        trace = {"label": label, "error": "no trace (%s: %s)" % (st, why),
                 "events": []}
    return trace, time.time() - t


def report(ta, tb, la, lb, diffs):
    for stream, idx, what in diffs:
        diag("DIFFERENCE in %s stream at %d: %s" % (stream, idx, what))
    for side in ("sut", "peer"):
        for line in dccompare.per_field(ta, tb, la, lb, side):
            diag("first divergence of a field: " + line)
    for stream, idx, what in diffs:
        for line in dccompare.side_by_side(ta, tb, la, lb, stream, idx):
            diag(line)
    for t, lab in ((ta, la), (tb, lb)):
        for line in dccompare.timeline(t, lab):
            diag(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("--helper")
    ap.add_argument("--keep", help="keep the traces (JSON) in this directory")
    ap.add_argument("--prefix", default="ktcpdc-%d" % os.getpid())
    ap.add_argument("--timeout-mult", type=float, default=1.0)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    allsc = dcscenarios.SCENARIOS
    if args.list:
        for name, _, meta in allsc:
            if args.full or meta["quick"]:
                out(name)
        return 0
    if not args.helper:
        ap.error("--helper is required")
    byname = {s[0]: s for s in allsc}
    bad = [x for x in args.names if x not in byname]
    if bad:
        out("1..0 # SKIP unknown scenario(s): %s" % " ".join(bad))
        return 2
    if args.names:
        todo = [byname[x] for x in args.names]
    else:
        todo = [s for s in allsc if args.full or s[2]["quick"]]

    t0 = time.time()
    try:
        pktlib.load_scapy()
    except Exception as e:          # noqa: BLE001
        out("1..0 # SKIP cannot import scapy: %r" % e)
        return 2
    diag("scapy loaded in %.1f s" % (time.time() - t0))
    for what, why in dccompare.ALLOWED:
        diag("not compared: %s: %s" % (what, why))
    la, lb = ("native", "native2") if args.self_check else ("native", "ktcp")
    tdir = args.keep or tempfile.mkdtemp(prefix="ktcp-diffcap-")
    os.makedirs(tdir, exist_ok=True)
    # SIGTERM (the wrapper's timeout) must still run the finally clauses.
    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)
    run.become_subreaper()
    out("1..%d" % len(todo))
    failed = []
    try:
        for i, (name, func, meta) in enumerate(todo, 1):
            for attempt in range(1 + dccompare.DISTURBED_RETRIES):
                n = 2 * i - 1 + 1000 * attempt
                ta, da = one_run(n, name, func, meta, args, True, la, tdir)
                tb, db = one_run(n + 1, name, func, meta, args,
                                 args.self_check, lb, tdir)
                diffs = dccompare.compare(ta, tb, la, lb)
                late = max(ta.get("late", 0.0), tb.get("late", 0.0))
                if not diffs or late <= dccompare.DISTURBED_LATE or \
                        attempt == dccompare.DISTURBED_RETRIES:
                    break
                diag("%s differed, but a run was disturbed: the peer "
                     "answered %.0f ms late (host load); once more" %
                     (name, late * 1000))
            if not diffs:
                out("ok %d %s # %.0f s + %.0f s" % (i, name, da, db))
                continue
            report(ta, tb, la, lb, diffs)
            failed.append(name)
            s, idx, what = diffs[0]
            why = "%s #%d: %s" % (s, idx, what)
            if len(why) > 300:
                why = why[:300] + "..."
            out("not ok %d %s # %s" % (i, name, why))
    except KeyboardInterrupt as e:
        out("Bail out! interrupted (%s)" % e)
        return 1
    finally:
        if not args.keep:
            pktlib.run_cmd(["rm", "-rf", "--", tdir], check_rc=False)
    diag("==== %d agreed, %d differed (%.0f s) ====" % (
        len(todo) - len(failed), len(failed), time.time() - t0))
    if failed:
        diag("differed: " + " ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
