#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that calls between module/*.c files run one way.

Each file of module/ has a layer (LAYERS below, top first, as ktcp.h's flow
comment and Documentation/design.rst draw them). A file may call a function
defined in a file of a lower layer; a call to the same or a higher layer is
a violation, unless it is one of the cycles Linux also has (ALLOWED). A .c
file that no layer names is a violation too, so a new file must be placed.

usage: scripts/check-layers.py [--root DIR] [--self-test]
Prints the file-level call graph with -v. Exit status 1 on any violation.
"""
import glob
import os
import re
import shutil
import sys
import tempfile

LAYERS = [
    ['main.c'],
    ['af_ktcp.c', 'hook.c', 'proc.c', 'diag.c', 'sysctl.c'],
    # sendmsg() may connect (tcp_sendmsg_fastopen()).
    ['sockopt.c', 'sendrecv.c'],
    ['connect.c'],
    ['rcv.c'],
    ['input.c', 'listen.c', 'icmp.c', 'icmp6.c'],
    ['synrecv.c', 'child.c'],
    ['rcvq.c'],
    ['collapse.c'],
    ['timewait.c'],
    ['timers.c'],
    ['pmtu.c', 'reply.c'],
    ['output.c', 'sock.c'],
    ['xmit.c'],
    ['tlp.c'],
    ['recovery.c', 'scoreboard.c', 'buffers.c', 'window.c', 'urg.c', 'ecn.c', 'gso.c',
     'pace.c'],
    ['undo.c'],
    ['rack.c'],
    ['rtxq.c'],
    ['port.c'],
    ['timer.c', 'hash.c', 'mem.c', 'cgroup.c', 'inet6.c', 'ip6.c', 'fastopen.c'],
    # Pure logic, no socket or lock; the algorithms over their framework.
    ['cong_reno.c', 'cong_cubic.c'],
    ['options.c', 'negotiate.c', 'syncookie.c', 'sack.c', 'ofo.c', 'rtt.c', 'cong.c',
     'state.c', 'wheel.c', 'mib.c', 'trace.c', 'diag_bc.c'],
]

# Upward calls that stay, each with its reason (also in design.rst).
ALLOWED = {
    ('listen.c', 'rcv.c'): 'a listener hands a new child its segment '
                           '(tcp_child_process())',
    ('sock.c', 'timers.c'): 'a socket starts and stops its timers, which '
                            'change its state (tcp_done(), tcp_set_state())',
}


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def graph(moddir):
    """{caller file: {callee file: set(functions)}} for module/*.c."""
    src = {}
    defs = {}
    for path in sorted(glob.glob(os.path.join(moddir, '*.c'))):
        name = os.path.basename(path)
        if name.endswith('.mod.c'):
            continue
        text = strip_comments(open(path, encoding='utf-8').read())
        src[name] = text
        # Non-static definitions: a line starting at column 0 whose
        # declarator is followed, on a later line, by "{".
        for m in re.finditer(r'^(?!static\b)[a-z][^;{}\n]*?\b(_*ktcp_\w+)\('
                             r'[^;{}]*\)\s*\n\{', text, re.M):
            defs.setdefault(m.group(1), name)
    edges = {}
    for name, text in src.items():
        for fn in set(re.findall(r'\b(_*ktcp_\w+)\b', text)):
            callee = defs.get(fn)
            if callee and callee != name:
                edges.setdefault(name, {}).setdefault(callee, set()).add(fn)
    return src, edges


def check(root, verbose=False):
    moddir = os.path.join(root, 'module')
    rank = {f: i for i, layer in enumerate(LAYERS) for f in layer}
    src, edges = graph(moddir)
    problems = []
    for f in sorted(src):
        if f not in rank:
            problems.append(f'{f}: in no layer of scripts/check-layers.py')
    for a in sorted(edges):
        for b in sorted(edges[a]):
            fns = ' '.join(sorted(edges[a][b]))
            if verbose:
                print(f'{a} -> {b}: {fns}')
            if a in rank and b in rank and rank[b] <= rank[a] and \
               (a, b) not in ALLOWED:
                problems.append(f'{a} -> {b} ({fns}): a call to the same or '
                                'a higher layer')
    for p in problems:
        print(f'check-layers: {p}')
    if problems:
        print(f'check-layers: {len(problems)} problem(s)')
        return 1
    print(f'check-layers: ok: {len(src)} files, calls run one way '
          f'(but {len(ALLOWED)} allowed cycles)')
    return 0


def self_test(root):
    """A copy with an upward call added must fail; so must an unplaced file."""
    rc = 0
    for what, fname, text in [
        ('an upward call', 'timer.c',
         '\nvoid ktcp_layers_selftest(struct sock *sk)\n{\n'
         '\tktcp_output_push(sk);\n}\n'),
        ('a file in no layer', 'newfile.c',
         '\nvoid ktcp_newfile_fn(void)\n{\n}\n'),
    ]:
        tmp = tempfile.mkdtemp(prefix='ktcp-layers.')
        try:
            shutil.copytree(os.path.join(root, 'module'),
                            os.path.join(tmp, 'module'))
            with open(os.path.join(tmp, 'module', fname), 'a') as f:
                f.write(text)
            if check(tmp) == 0:
                print(f'check-layers: self-test FAILED: {what} passed')
                rc = 1
            else:
                print(f'check-layers: self-test ok: {what} fails')
        finally:
            shutil.rmtree(tmp)
    return rc


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    args = argv[1:]
    verbose = '-v' in args
    if '--root' in args:
        root = args[args.index('--root') + 1]
    if '--self-test' in args:
        if check(root) != 0:
            return 1
        return self_test(root)
    return check(root, verbose)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
