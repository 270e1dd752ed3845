#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Run the packet-level tests, printing TAP.

    run.py --list
    run.py [--native] --helper PATH [--prefix P] [--timeout-mult X] [TEST...]

scapy is imported once, here; then for each test: fresh namespaces
(<prefix>-<n>-k and -p, pktlib.Topology), a forked process that enters the
peer namespace and runs the test (its own process group, killed with
everything in it when it overruns its time limit), and the namespaces are
destroyed whatever happened. One process per test keeps a test that
crashes or hangs from taking the others with it; forking keeps the slow
scapy import (tens of seconds under QEMU TCG) to once per run.

Exit status: 0 if every test passed or skipped, 1 otherwise, 2 on bad usage
or when nothing could run.
"""

import argparse
import os
import select
import signal
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True     # the tree may be read-only; keep it clean

import pktlib  # noqa: E402
import tests  # noqa: E402  (the package tests/: one module a topic)
from pktlib import diag  # noqa: E402

EXIT_PASS, EXIT_FAIL, EXIT_SKIP = 0, 1, 3


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def child_main(name, func, topo, args, tmpdir, wfd):
    """In the forked process: enter the peer netns, run the test, report
    on @wfd; never returns."""
    code, why = EXIT_FAIL, "?"
    env = None
    try:
        os.setpgid(0, 0)
        pktlib.setns("/run/netns/" + topo.ns_p)
        env = pktlib.Env(topo, args.native, args.helper, tmpdir)
        diag("%s against %s over IPv%d" % (
            name, "native TCP" if args.native else "ktcp", env.family))
        func(env)
        code, why = EXIT_PASS, ""
    except pktlib.TestSkip as e:
        code, why = EXIT_SKIP, str(e)
        diag("SKIP: %s" % e)
    except pktlib.TestFail as e:
        code, why = EXIT_FAIL, str(e)
        diag("FAIL: %s" % e)
    except BaseException as e:      # noqa: BLE001 - report anything
        code, why = EXIT_FAIL, "exception: %r" % e
        diag("FAIL: exception in the test:")
        diag(traceback.format_exc())
    finally:
        try:
            if env is not None:
                env.close()
        except BaseException:       # noqa: BLE001
            diag(traceback.format_exc())
        try:
            os.write(wfd, why.encode(errors="replace")[:4000])
            sys.stdout.flush()
        finally:
            os._exit(code)


PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Orphans of a killed test (its ktcp_sockctl) become our children, so
    that we can reap them."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1,
                                                0, 0, 0)
    except (OSError, AttributeError):
        pass


def reap_orphans(wait_s=2.0):
    end = time.time() + wait_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.time() > end:
                return
            time.sleep(0.05)


def run_one(n, name, func, meta, args):
    """Returns (status, reason): status 'ok', 'skip' or 'fail'."""
    prefix = "%s-%d" % (args.prefix, n)
    topo = pktlib.Topology(prefix, mtu=meta["mtu"],
                           family=meta.get("family", 4))
    tmpdir = tempfile.mkdtemp(prefix="ktcp-pkt-")
    pid = None
    limit = meta["timeout"] * args.timeout_mult
    try:
        try:
            topo.setup()
        except Exception as e:      # noqa: BLE001
            return "fail", "set-up failed: %s" % e
        rfd, wfd = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(rfd)
            child_main(name, func, topo, args, tmpdir, wfd)
        os.close(wfd)
        try:
            os.setpgid(pid, pid)    # also done by the child; whoever is first
        except OSError:
            pass
        end = time.time() + limit
        status = None
        while status is None:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                break
            if time.time() > end:
                diag("FAIL: no result within %d s: killing the test" % limit)
                break
            time.sleep(0.05)
        reason = b""
        while select.select([rfd], [], [], 0)[0]:
            chunk = os.read(rfd, 4096)
            if not chunk:
                break
            reason += chunk
        os.close(rfd)
        reason = reason.decode(errors="replace")
        if status is None:
            return "fail", "timed out after %d s" % limit
        if os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
            if code == EXIT_PASS:
                return "ok", ""
            if code == EXIT_SKIP:
                return "skip", reason
            return "fail", reason or "exit status %d" % code
        return "fail", "test process killed by signal %d" % \
            os.WTERMSIG(status)
    finally:
        if pid:
            # The test's process group: the test process, if it overran,
            # and whatever it left behind (ktcp_sockctl).
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            reap_orphans()
        topo.destroy()
        pktlib.run_cmd(["rm", "-rf", "--", tmpdir], check_rc=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--native", action="store_true")
    ap.add_argument("--helper")
    ap.add_argument("--prefix", default="ktcppkt-%d" % os.getpid())
    ap.add_argument("--timeout-mult", type=float, default=1.0)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    all_tests = tests.load()

    if args.list:
        for t in all_tests:
            out(t[0])
        return 0
    if not args.helper:
        ap.error("--helper is required")
    byname = {t[0]: t for t in all_tests}
    bad = [x for x in args.names if x not in byname]
    if bad:
        out("1..0 # SKIP unknown test(s): %s" % " ".join(bad))
        return 2
    todo = [byname[x] for x in args.names] if args.names else all_tests

    t0 = time.time()
    try:
        pktlib.load_scapy()
    except Exception as e:          # noqa: BLE001
        out("1..0 # SKIP cannot import scapy: %r" % e)
        return 2
    diag("scapy loaded in %.1f s" % (time.time() - t0))

    # SIGTERM (the wrapper's timeout) must still run the finally clauses.
    def on_term(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_term)

    become_subreaper()
    out("1..%d" % len(todo))
    failed = []
    counts = {"ok": 0, "skip": 0, "fail": 0}
    for n, (name, func, meta) in enumerate(todo, 1):
        t = time.time()
        try:
            st, why = run_one(n, name, func, meta, args)
        except KeyboardInterrupt as e:
            out("not ok %d %s # interrupted (%s)" % (n, name, e))
            out("Bail out! interrupted")
            return 1
        why = " ".join(why.split())
        if len(why) > 300:
            why = why[:300] + "..."
        counts[st] += 1
        if st == "ok":
            out("ok %d %s # %.0f s" % (n, name, time.time() - t))
        elif st == "skip":
            out("ok %d %s # SKIP %s" % (n, name, why))
        else:
            failed.append(name)
            out("not ok %d %s # %s" % (n, name, why))
    diag("==== %d passed, %d failed, %d skipped (%.0f s) ====" % (
        counts["ok"], counts["fail"], counts["skip"], time.time() - t0))
    if failed:
        diag("failed: " + " ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
