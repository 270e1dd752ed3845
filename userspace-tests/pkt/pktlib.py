# SPDX-License-Identifier: GPL-2.0
"""
Packet-level test library for ktcp (packetdrill-style, with scapy).

Topology, one fresh pair of network namespaces per test:

    <prefix>-k: ktcp0 198.18.0.1/24  <--veth-->  peer0 (no address) :<prefix>-p
                      2001:2::1/64 (IPv6 tests)

The socket under test (ktcp, or native TCP with --native) lives in -k and
is driven by ktcp_sockctl over pipes (Helper). The scripted peer (Peer) runs
in -p and speaks through an AF_PACKET socket on peer0: the -p kernel has no
IPv4 address, so native TCP there never answers ktcp's segments. The -k side
has a permanent neighbour entry for the peer, so no ARP is needed (ARP
requests are answered anyway). Checksum offloads are off on both ends, so
checksums on the wire are real; every segment the peer receives has its IP
and TCP checksums verified.

A test registered for IPv6 too (tests.test(..., v6=True), "<name>_v6")
runs over IPv6 alone: the -k side has 2001:2::1/64 (added nodad, no
link-local address, no router solicitations) and a permanent neighbour
entry for the peer's 2001:2::2, the socket under test is AF_INET6 (native)
or AF_KTCP6 (ktcp_sockctl --inet6), and the peer speaks IPv6 (the TCP
checksum over the IPv6 pseudo-header, RFC 8200 8.1; neighbour solicitations
answered like ARP requests). Env.peer_ip and Env.ktcp_ip are the addresses
of the test's family; Seg reads both headers (tos is the traffic class,
ttl the hop limit, and flowlabel the IPv6 flow label).

The runner (run.py) imports scapy once, builds each test's namespaces with
setns() and `ip`, forks one process per test that enters -p and owns Peer
and Helper, bounds it with a time limit and always destroys the namespaces.
"""

import fcntl
import os
import select
import socket
import struct
import subprocess
import sys
import time

KTCP_IP = "198.18.0.1"      # RFC 2544 benchmarking range only
PEER_IP = "198.18.0.2"
KTCP_IP6 = "2001:2::1"      # RFC 5180 benchmarking range only
PEER_IP6 = "2001:2::2"
IP6_HLEN = 40
ETH_P_IP, ETH_P_IPV6, ETH_P_ARP = 0x0800, 0x86dd, 0x0806
KTCP_MAC = "02:6b:74:63:70:01"
PEER_MAC = "02:6b:74:63:70:02"
KTCP_IF = "ktcp0"
PEER_IF = "peer0"

F_FIN, F_SYN, F_RST, F_PSH, F_ACK, F_URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
F_ECE, F_CWR = 0x40, 0x80

SO_TIMESTAMPNS = 35     # SO_TIMESTAMPNS_OLD, = SCM_TIMESTAMPNS (64-bit)


class TestFail(Exception):
    pass


class TestSkip(Exception):
    pass


def diag(msg):
    for line in str(msg).splitlines() or [""]:
        sys.stdout.write("# " + line + "\n")
    sys.stdout.flush()


def check(cond, msg):
    if not cond:
        raise TestFail(msg)


def flagstr(f):
    s = "".join(c for bit, c in ((F_SYN, "S"), (F_FIN, "F"), (F_RST, "R"),
                                 (F_PSH, "P"), (F_ACK, "A"), (F_URG, "U"),
                                 (F_ECE, "E"), (F_CWR, "W"))
                if f & bit)
    return s or "."


def seq_add(a, b):
    return (a + b) & 0xffffffff


def seq_diff(a, b):
    """a - b as a signed 32-bit difference."""
    d = (a - b) & 0xffffffff
    return d - (1 << 32) if d & 0x80000000 else d


# --------------------------------------------------------------------------
# Topology (the runner process; namespaces entered with setns)
# --------------------------------------------------------------------------

def run_cmd(args, check_rc=True, timeout=60, stdin=None):
    r = subprocess.run(args, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, text=True)
    if check_rc and r.returncode:
        raise RuntimeError("%s: rc %d: %s" % (" ".join(args), r.returncode,
                                              r.stderr.strip()))
    return r


CLONE_NEWNET = 0x40000000
_libc = None


def setns(path):
    """Move the calling thread into the network namespace at @path."""
    global _libc
    import ctypes
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET):
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


class InNetns:
    """with InNetns(name): ... runs in netns @name, then returns."""

    def __init__(self, name):
        self.path = "/run/netns/" + name

    def __enter__(self):
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        setns(self.path)
        return self

    def __exit__(self, *exc):
        import ctypes
        try:
            if _libc.setns(self.home, CLONE_NEWNET):
                raise OSError(ctypes.get_errno(), "setns back home failed")
        finally:
            os.close(self.home)


def write_sysctl(name, value):
    with open("/proc/sys/" + name.replace(".", "/"), "w") as f:
        f.write(str(value))


def read_sysctl(name):
    try:
        with open("/proc/sys/" + name.replace(".", "/")) as f:
            return " ".join(f.read().split())
    except OSError:
        return None


# ethtool's legacy ioctls (include/uapi/linux/ethtool.h): no need for the
# ethtool program.
SIOCETHTOOL = 0x8946
ETHTOOL_GRXCSUM, ETHTOOL_SRXCSUM = 0x14, 0x15
ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM = 0x16, 0x17
ETHTOOL_SSG, ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO = 0x19, 0x1f, 0x24, 0x2c


def _ethtool_value(sock, ifname, cmd, value=0):
    """One struct ethtool_value ioctl; returns its data field."""
    import ctypes
    ev = ctypes.create_string_buffer(struct.pack("II", cmd, value), 8)
    ifr = struct.pack("16sP", ifname.encode(), ctypes.addressof(ev))
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, ifr + bytes(16))
    return struct.unpack("II", ev.raw)[1]


def offloads_off(ifname):
    """rx/tx checksum, sg, tso, gso, gro off on @ifname (current netns):
    checksums are then computed in software and real on the wire. Raises
    if tx checksumming stays on."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for cmd in (ETHTOOL_STXCSUM, ETHTOOL_SRXCSUM, ETHTOOL_SSG,
                    ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO):
            try:
                _ethtool_value(s, ifname, cmd, 0)
            except OSError:
                pass
        tx = _ethtool_value(s, ifname, ETHTOOL_GTXCSUM)
        rx = _ethtool_value(s, ifname, ETHTOOL_GRXCSUM)
    finally:
        s.close()
    if tx:
        raise RuntimeError("cannot turn tx checksum offload off on " + ifname)
    return "tx-csum=%d rx-csum=%d" % (tx, rx)


class Topology:
    """The two namespaces and the veth pair of one test."""

    def __init__(self, prefix, mtu=1500, family=4):
        self.ns_k = prefix + "-k"
        self.ns_p = prefix + "-p"
        self.mtu = mtu
        self.family = family
        self.created = []
        self.sysinfo = {}

    def setup(self):
        try:
            run_cmd(["ip", "-batch", "-"], stdin="netns add %s\nnetns add %s\n"
                    % (self.ns_k, self.ns_p))
        finally:
            self.created = [ns for ns in (self.ns_k, self.ns_p)
                            if os.path.exists("/run/netns/" + ns)]
        for ns in (self.ns_k, self.ns_p):
            with InNetns(ns):
                # No IPv6 chatter (RS, MLD, DAD) on the link. The peer's
                # kernel never has IPv6 (nor IPv4): it must not answer
                # the segments meant for the scripted peer.
                v6 = self.family == 6 and ns == self.ns_k
                for k, v in (("all.disable_ipv6", 0 if v6 else 1),
                             ("default.disable_ipv6", 0 if v6 else 1),
                             ("default.addr_gen_mode", 1),
                             ("default.accept_dad", 0),
                             ("default.router_solicitations", 0)):
                    try:
                        write_sysctl("net.ipv6.conf." + k, v)
                    except OSError:
                        if v6:
                            raise
        run_cmd(["ip", "link", "add", KTCP_IF, "address", KTCP_MAC, "mtu",
                 str(self.mtu), "netns", self.ns_k, "type", "veth", "peer",
                 "name", PEER_IF, "address", PEER_MAC, "mtu", str(self.mtu),
                 "netns", self.ns_p])
        with InNetns(self.ns_k):
            rep_k = offloads_off(KTCP_IF)
            for k in ("net.ipv4.tcp_rmem", "net.ipv4.tcp_timestamps",
                      "net.ipv6.auto_flowlabels",
                      "net.ipv6.flowlabel_reflect",
                      "net.ipv4.tcp_sack", "net.ipv4.tcp_window_scaling",
                      "net.ipv4.tcp_recovery", "net.ipv4.tcp_early_retrans"):
                self.sysinfo[k] = read_sysctl(k)
        with InNetns(self.ns_p):
            rep_p = offloads_off(PEER_IF)
        # Global, visible in the initial namespace only.
        self.sysinfo["net.core.rmem_max"] = read_sysctl("net.core.rmem_max")
        if self.family == 6:
            addr = "addr add %s/64 dev %s nodad\n" % (KTCP_IP6, KTCP_IF)
            peer_ip = PEER_IP6
        else:
            addr = "addr add %s/24 dev %s\n" % (KTCP_IP, KTCP_IF)
            peer_ip = PEER_IP
        run_cmd(["ip", "-n", self.ns_k, "-batch", "-"], stdin=(
            "link set lo up\n" + addr +
            "link set %s up\n"
            "neigh replace %s lladdr %s dev %s nud permanent\n" % (
                KTCP_IF, peer_ip, PEER_MAC, KTCP_IF)))
        run_cmd(["ip", "-n", self.ns_p, "-batch", "-"], stdin=(
            "link set lo up\nlink set %s up\n" % PEER_IF))
        if self.family == 6:
            self.wait_v6_ready()
        diag("netns %s/%s, IPv%d, mtu %d, offloads %s: %s, %s: %s" % (
            self.ns_k, self.ns_p, self.family, self.mtu, KTCP_IF, rep_k,
            PEER_IF, rep_p))

    def wait_v6_ready(self, limit=10.0):
        """Until the veth has its carrier (linkwatch sets it up to a
        second after both ends are up) the IPv6 address stays tentative,
        even with nodad, and segments to it are dropped: wait for it to
        be usable."""
        end = time.time() + limit
        while True:
            link = run_cmd(["ip", "-n", self.ns_k, "-o", "link", "show",
                            KTCP_IF]).stdout
            tent = run_cmd(["ip", "-n", self.ns_k, "-6", "-o", "addr",
                            "show", "dev", KTCP_IF, "tentative"]).stdout
            if "state UP" in link and not tent.strip():
                return
            if time.time() > end:
                raise RuntimeError("%s not ready for IPv6 within %.0f s: "
                                   "%s %s" % (KTCP_IF, limit, link, tent))
            time.sleep(0.05)

    def destroy(self):
        for ns in reversed(self.created):
            run_cmd(["ip", "netns", "del", ns], check_rc=False)
        self.created = []


# --------------------------------------------------------------------------
# The socket under test: ktcp_sockctl over pipes (test process)
# --------------------------------------------------------------------------

class Reply:
    def __init__(self, line):
        self.line = line
        w = line.split()
        self.status = w[0] if w else "?"        # ok, err, timeout, eof
        self.cmd = w[1] if len(w) > 1 else ""
        self.kv = {}
        for x in w[2:]:
            if "=" in x:
                k, v = x.split("=", 1)
                self.kv[k] = v

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def errno(self):
        return self.kv.get("errno") if self.status == "err" else None

    def data(self):
        h = self.kv.get("hex", "-")
        return b"" if h == "-" else bytes.fromhex(h)

    def __str__(self):
        return self.line


class Helper:
    def __init__(self, env):
        args = ["ip", "netns", "exec", env.ns_k, env.helper]
        if env.native:
            args.append("--native")
        if env.family == 6:
            args.append("--inet6")
        args += ["--timeout", "15000", "-"]
        self.errf = open(os.path.join(env.tmpdir, "helper.stderr"), "w+")
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.errf,
                                  bufsize=0)
        self.buf = b""
        self.pending = []       # commands written, replies not yet read
        self.r = self.cmd("echo hello", 15)
        if not self.r.ok:
            raise RuntimeError("ktcp_sockctl does not answer: %s" % self.r)

    def write(self, line):
        self.pending.append(line)
        diag("helper <- %s" % line)
        try:
            self.p.stdin.write((line + "\n").encode())
        except BrokenPipeError:
            pass

    def read(self, timeout=10):
        """The reply to the oldest pending command."""
        end = time.time() + timeout
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = end - time.time()
            if left <= 0:
                raise TestFail("helper: no reply to '%s' within %.1f s" %
                               (self.pending[0] if self.pending else "?",
                                timeout))
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                self.buf += b"eof helper-exited\n"
                break
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        if self.pending:
            self.pending.pop(0)
        rep = Reply(line.decode(errors="replace"))
        diag("helper -> %s" % (rep.line if len(rep.line) < 200
                                else rep.line[:200] + "..."))
        return rep

    def cmd(self, line, timeout=10):
        self.write(line)
        return self.read(timeout)

    def must(self, line, timeout=10):
        r = self.cmd(line, timeout)
        check(r.ok, "helper '%s' failed: %s" % (line, r))
        return r

    def close(self):
        try:
            if self.p.poll() is None:
                try:
                    self.p.stdin.write(b"quit\n")
                    self.p.stdin.close()
                except OSError:
                    pass
                try:
                    self.p.wait(2)
                except subprocess.TimeoutExpired:
                    self.p.kill()
                    self.p.wait(5)
        finally:
            try:
                self.errf.seek(0)
                err = self.errf.read().strip()
                if err:
                    diag("helper stderr: " + err)
                self.errf.close()
            except OSError:
                pass


# --------------------------------------------------------------------------
# The scripted peer (test process, in the peer namespace)
# --------------------------------------------------------------------------

def _csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def is_tcp(frame, v6):
    """@frame (Ethernet) carries TCP in IPv6 (@v6, no extension header)
    or in IPv4."""
    etype = struct.unpack("!H", frame[12:14])[0]
    if v6:
        return etype == ETH_P_IPV6 and len(frame) >= 74 and frame[20] == 6
    return etype == ETH_P_IP and frame[23] == 6


class Seg:
    """A TCP segment the peer received from the socket under test."""

    def __init__(self, t, ip_raw):
        self.time = t
        self.version = ip_raw[0] >> 4
        if self.version == 6:
            self._ipv6(ip_raw)
        else:
            self._ipv4(ip_raw)
        tcp = self.ip_raw[self.ip_hlen:]
        if self.version == 6:
            # RFC 8200 8.1: addresses, 32-bit upper-layer length, three
            # zero bytes, next header.
            pseudo = self.ip_raw[8:40] + struct.pack("!I3xB", len(tcp), 6)
        else:
            pseudo = self.ip_raw[12:20] + struct.pack("!BBH", 0, 6,
                                                      len(tcp))
        self.tcp_ok = _csum(pseudo + tcp) == 0xffff
        (self.sport, self.dport, self.seq, self.ack, off, self.flags,
         self.win, self.check, self.urp) = struct.unpack("!HHIIBBHHH",
                                                         tcp[:20])
        doff = (off >> 4) * 4
        self.opts = tcp[20:doff]
        self.data = tcp[doff:]

    def _ipv4(self, ip_raw):
        ihl = (ip_raw[0] & 0x0f) * 4
        tot = struct.unpack("!H", ip_raw[2:4])[0]
        self.ip_raw = ip_raw[:tot]
        self.ip_hlen = ihl
        self.ip_ok = _csum(self.ip_raw[:ihl]) == 0xffff
        self.src = socket.inet_ntoa(ip_raw[12:16])
        self.dst = socket.inet_ntoa(ip_raw[16:20])
        self.ttl = ip_raw[8]
        self.tos = ip_raw[1]
        self.df = bool(struct.unpack("!H", ip_raw[6:8])[0] & 0x4000)
        self.flowlabel = None

    def _ipv6(self, ip_raw):
        """A fixed header followed by TCP (next header 6: the callers
        take only those; ktcp and Linux send no extension headers)."""
        vtf, plen = struct.unpack("!IH", ip_raw[:6])
        self.ip_raw = ip_raw[:IP6_HLEN + plen]
        self.ip_hlen = IP6_HLEN
        self.ip_ok = True           # IPv6 has no header checksum
        self.src = socket.inet_ntop(socket.AF_INET6, ip_raw[8:24])
        self.dst = socket.inet_ntop(socket.AF_INET6, ip_raw[24:40])
        self.ttl = ip_raw[7]        # hop limit
        self.tos = (vtf >> 20) & 0xff   # traffic class
        self.df = False
        self.flowlabel = vtf & 0xfffff

    @property
    def len(self):
        return len(self.data)

    @property
    def end_seq(self):
        return seq_add(self.seq, self.len + bool(self.flags & F_SYN) +
                       bool(self.flags & F_FIN))

    def has(self, flags):
        return (self.flags & flags) == flags

    def parsed_opts(self):
        """[(kind, bytes)] of the option list; NOPs as (1, b'')."""
        out, o = [], self.opts
        i = 0
        while i < len(o):
            k = o[i]
            if k == 0:
                break
            if k == 1:
                out.append((1, b""))
                i += 1
                continue
            if i + 1 >= len(o) or o[i + 1] < 2:
                out.append((k, None))
                break
            ln = o[i + 1]
            out.append((k, o[i + 2:i + ln]))
            i += ln
        return out

    def opt(self, kind):
        for k, v in self.parsed_opts():
            if k == kind:
                return v
        return None

    def __str__(self):
        s = "%s:%d > %s:%d [%s] seq %u ack %u win %u len %u" % (
            self.src, self.sport, self.dst, self.dport, flagstr(self.flags),
            self.seq, self.ack, self.win, self.len)
        if self.flags & F_URG:
            s += " urp %u" % self.urp
        if self.tos:
            s += " tos %#04x" % self.tos
        if self.flowlabel:
            s += " flowlabel %#07x" % self.flowlabel
        if self.opts:
            s += " opts " + self.opts.hex()
        return s


def load_scapy():
    """Import the scapy layers the peer uses (slow: the runner does it once,
    before forking the test processes)."""
    import logging
    logging.getLogger("scapy").setLevel(logging.ERROR)
    from scapy.config import conf
    from scapy.layers.l2 import Ether, ARP
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import (IPv6, ICMPv6ND_NA, ICMPv6ND_NS,
                                    ICMPv6NDOptDstLLAddr)
    from scapy.packet import Raw
    conf.verb = 0
    return (conf, Ether, ARP, IP, TCP, Raw, IPv6, ICMPv6ND_NA, ICMPv6ND_NS,
            ICMPv6NDOptDstLLAddr)


class Peer:
    def __init__(self, env):
        (conf, self.Ether, self.ARP, self.IP4, self.TCP, self.Raw,
         self.IPv6, self.NA, self.NS, self.NDOptDst) = load_scapy()
        self.env = env
        self.v6 = env.family == 6
        self.sock = conf.L2socket(iface=PEER_IF, promisc=False)
        # Kernel receive timestamps, as SCM_TIMESTAMPNS control messages.
        self.sock.ins.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.ip_id = 1
        self.t0 = time.time()
        self.backlog = []       # received, not yet consumed by expect()
        self.icmp6 = []         # ICMPv6 errors received: their messages

    def close(self):
        try:
            self.sock.close()
        except Exception:       # noqa: BLE001 - best effort on the way out
            pass

    def rel(self, t):
        return t - self.t0

    def IP(self, tos=0, fl=0):
        """The peer's IP header of the test's family: IPv4 (TTL 64, DF,
        the next IP ID) or IPv6 (hop limit 64, flow label @fl); @tos is
        the TOS byte or the traffic class. scapy computes the checksums,
        the TCP one over the family's pseudo-header."""
        if self.v6:
            return self.IPv6(src=PEER_IP6, dst=KTCP_IP6, hlim=64, tc=tos,
                             fl=fl)
        ip = self.IP4(src=PEER_IP, dst=KTCP_IP, ttl=64, id=self.ip_id,
                      flags="DF", tos=tos)
        self.ip_id = (self.ip_id + 1) & 0xffff
        return ip

    def send(self, sport, dport, flags, seq, ack=0, win=65535, data=b"",
             options=None, urp=0, tos=0, fl=0, ext=None):
        """Send a segment; @ext, a scapy layer (IPv6 extension headers),
        goes between the IP header and TCP's."""
        tcp = self.TCP(sport=sport, dport=dport, flags=flags, seq=seq,
                       ack=ack, window=win, options=options or [], urgptr=urp)
        ip = self.IP(tos, fl)
        if ext is not None:
            ip = ip / ext
        pkt = self.Ether(src=PEER_MAC, dst=KTCP_MAC) / ip / tcp
        if data:
            pkt = pkt / self.Raw(load=data)
        # Before send(): on veth the answer can be queued to our socket
        # (kernel timestamp taken) before send() returns.
        t = time.time()
        self.sock.send(pkt)
        diag("%7.3f peer  > [%s] %d>%d seq %u ack %u win %u len %u%s" % (
            self.rel(t), flagstr(int(tcp.flags)), sport, dport, seq, ack,
            win, len(data), (" opts " + str(options)) if options else "") +
            (" urp %u" % urp if urp else "") + (" tos %#04x" % tos if tos
                                                 else "") +
            (" flowlabel %#07x" % fl if fl else "") +
            (" behind %s" % ext.summary() if ext is not None else ""))
        return t

    def _answer_arp(self, frame):
        a = self.ARP(frame[14:])
        if a.op == 1 and a.pdst == PEER_IP:
            self.sock.send(self.Ether(src=PEER_MAC, dst=a.hwsrc) /
                           self.ARP(op=2, hwsrc=PEER_MAC, psrc=PEER_IP,
                                    hwdst=a.hwsrc, pdst=a.psrc))

    def _answer_ns(self, frame):
        """A neighbour solicitation for our address gets an advertisement
        (the -k side has a permanent entry: this is in case it asks)."""
        p = self.Ether(frame)
        if p.haslayer(self.NS) and p[self.NS].tgt == PEER_IP6:
            self.sock.send(self.Ether(src=PEER_MAC, dst=p.src) /
                           self.IPv6(src=PEER_IP6, dst=p[self.IPv6].src,
                                     hlim=255) /
                           self.NA(tgt=PEER_IP6, R=0, S=1, O=1) /
                           self.NDOptDst(lladdr=PEER_MAC))

    def _recv_one(self, timeout):
        """One TCP segment from the socket under test, or None on
        timeout."""
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock.ins], [], [], left)
            if not r:
                return None
            frame, anc, _, addr = self.sock.ins.recvmsg(65536, 1024)
            if addr[2] == socket.PACKET_OUTGOING or len(frame) < 34:
                continue
            ts = None
            for lvl, typ, data in anc:
                if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    ts = sec + nsec / 1e9
            etype = struct.unpack("!H", frame[12:14])[0]
            if etype == ETH_P_ARP:
                self._answer_arp(frame)
                continue
            if self.v6 and etype == ETH_P_IPV6 and frame[14 + 6] == 58:
                # ICMPv6 errors (types below 128) are kept for the test
                if len(frame) > 54 and frame[54] < 128:
                    diag("%7.3f ktcp  > ICMPv6 type %d code %d" % (
                        self.rel(ts or time.time()), frame[54], frame[55]))
                    self.icmp6.append(frame[54:])
                self._answer_ns(frame)
                continue
            if not is_tcp(frame, self.v6):
                continue
            seg = Seg(ts or time.time(), frame[14:])
            if seg.src != self.env.ktcp_ip or seg.dst != self.env.peer_ip:
                continue
            diag("%7.3f ktcp  > %s" % (self.rel(seg.time), seg))
            if not seg.ip_ok:
                raise TestFail("bad IP header checksum: %s" % seg)
            if not seg.tcp_ok:
                raise TestFail("bad TCP checksum (%#06x): %s" %
                               (seg.check, seg))
            return seg

    def recv(self, timeout, match=None):
        """The next segment (from the backlog first) that @match accepts;
        others are kept in the backlog. None on timeout."""
        for i, s in enumerate(self.backlog):
            if match is None or match(s):
                return self.backlog.pop(i)
        end = time.time() + timeout
        while True:
            s = self._recv_one(max(0.0, end - time.time()))
            if s is None:
                return None
            if match is None or match(s):
                return s
            self.backlog.append(s)

    def expect(self, timeout, match=None, what="a segment"):
        s = self.recv(timeout, match)
        if s is None:
            raise TestFail("expected %s within %.1f s, got none%s" % (
                what, timeout, self._backlog_note()))
        return s

    def expect_none(self, duration, match=None, what="any segment"):
        s = self.recv(duration, match)
        if s is not None:
            raise TestFail("expected no %s for %.1f s, got: %s" % (
                what, duration, s))

    def drain(self, duration=0.0):
        """Everything received within @duration, backlog included."""
        out = self.backlog
        self.backlog = []
        end = time.time() + duration
        while True:
            s = self._recv_one(max(0.0, end - time.time()))
            if s is None:
                return out
            out.append(s)

    def _backlog_note(self):
        if not self.backlog:
            return ""
        return "; other segments: " + "; ".join(str(s) for s in
                                                 self.backlog[-4:])


class Conn:
    """A connection as the peer sees it: its own sequence space (snd_nxt)
    and what it has received from the socket under test (rcv_nxt)."""

    def __init__(self, peer, lport, rport, iss, irs=None, win=65535):
        self.peer = peer
        self.lport = lport          # the peer's port
        self.rport = rport          # the socket under test's port
        self.iss = iss
        self.snd_nxt = seq_add(iss, 1)
        self.irs = irs
        self.rcv_nxt = seq_add(irs, 1) if irs is not None else None
        self.win = win
        self.sack_ok = False
        self.ts_ok = False
        self.their_wscale = None    # from their SYN (or SYN-ACK)
        self.their_mss = None
        self.our_wscale_shift = 0   # how their window fields are scaled
        self.last_win = None        # window field of their last ACK seen

    def backlog_push(self, s):
        """Put @s back to be received again."""
        self.peer.backlog.insert(0, s)

    def mine(self, s):
        return s.sport == self.rport and s.dport == self.lport

    def send(self, flags, seq=None, ack=None, data=b"", win=None,
             options=None, urp=0, tos=0, fl=0, ext=None):
        if seq is None:
            seq = self.snd_nxt
        if ack is None:
            ack = self.rcv_nxt if self.rcv_nxt is not None else 0
        t = self.peer.send(self.lport, self.rport, flags, seq, ack,
                           self.win if win is None else win, data, options,
                           urp, tos, fl, ext)
        return t

    def send_data(self, data, flags="PA", tos=0, fl=0, ext=None):
        t = self.send(flags, data=data, tos=tos, fl=fl, ext=ext)
        self.snd_nxt = seq_add(self.snd_nxt, len(data))
        return t

    def send_burst(self, segs, flags="A"):
        """Send @segs, (offset from snd_nxt, payload) pairs, back to back:
        built first, then written in one tight loop, so that they arrive
        together. snd_nxt moves past the highest byte sent."""
        p = self.peer
        frames, end = [], self.snd_nxt
        for off, data in segs:
            seq = seq_add(self.snd_nxt, off)
            pkt = (p.Ether(src=PEER_MAC, dst=KTCP_MAC) / p.IP() /
                   p.TCP(sport=self.lport, dport=self.rport, flags=flags,
                         seq=seq, ack=self.rcv_nxt, window=self.win) /
                   p.Raw(load=data))
            frames.append(bytes(pkt))
            if seq_diff(seq_add(seq, len(data)), end) > 0:
                end = seq_add(seq, len(data))
        t = time.time()
        for f in frames:
            p.sock.outs.send(f)
        diag("%7.3f peer  > burst of %d segments, %d..%d" % (
            p.rel(t), len(frames), seq_diff(self.snd_nxt, self.iss),
            seq_diff(end, self.iss)))
        self.snd_nxt = end
        return t

    def ack(self, ack=None, win=None, options=None):
        return self.send("A", ack=ack, win=win, options=options)

    def recv(self, timeout, match=None):
        return self.peer.recv(timeout, lambda s: self.mine(s) and
                              (match is None or match(s)))

    def expect(self, timeout, match=None, what="a segment"):
        return self.peer.expect(timeout, lambda s: self.mine(s) and
                                (match is None or match(s)), what)

    def expect_none(self, duration, match=None, what="any segment"):
        return self.peer.expect_none(duration, lambda s: self.mine(s) and
                                     (match is None or match(s)), what)

    def expect_data(self, nbytes, timeout=5.0):
        """Receive @nbytes of in-order data from rcv_nxt on (segments past
        it are ignored, retransmissions skipped); returns the segments."""
        segs, got, end = [], 0, time.time() + timeout
        while got < nbytes:
            s = self.recv(max(0.0, end - time.time()),
                          lambda s: s.len > 0)
            if s is None:
                raise TestFail("expected %d bytes of data, got %d" %
                               (nbytes, got))
            if s.seq != self.rcv_nxt:
                continue
            segs.append(s)
            got += s.len
            self.rcv_nxt = seq_add(self.rcv_nxt, s.len)
        return segs

    def check_ack(self, s, what):
        """@s is a pure ACK at their snd_nxt acknowledging our snd_nxt."""
        check(s.flags == F_ACK and s.len == 0,
              "%s: expected a pure ACK, got %s" % (what, s))
        check(s.seq == self.rcv_nxt,
              "%s: ACK seq %u, expected their SND.NXT %u" %
              (what, s.seq, self.rcv_nxt))
        check(s.ack == self.snd_nxt,
              "%s: ACK ack %u, expected our SND.NXT (their RCV.NXT) %u" %
              (what, s.ack, self.snd_nxt))


# --------------------------------------------------------------------------
# Test environment (test process)
# --------------------------------------------------------------------------

PEER_OPTS_MSS = [("MSS", 1460)]


class Env:
    def __init__(self, topo, native, helper, tmpdir):
        self.ns_k = topo.ns_k
        self.ns_p = topo.ns_p
        self.mtu = topo.mtu
        self.family = topo.family
        v6 = self.family == 6
        self.ktcp_ip = KTCP_IP6 if v6 else KTCP_IP
        self.peer_ip = PEER_IP6 if v6 else PEER_IP
        # The MSS a path of this MTU allows: IP and TCP headers off.
        self.mtu_mss = self.mtu - (IP6_HLEN if v6 else 20) - 20
        self.sysinfo = topo.sysinfo
        self.native = native
        self.helper = helper
        self.tmpdir = tmpdir
        self.peer = None
        self.helpers = []
        self.next_port = 40000

    def port(self):
        self.next_port += 1
        return self.next_port

    def start(self):
        self.peer = Peer(self)
        return self.peer

    def new_helper(self):
        h = Helper(self)
        self.helpers.append(h)
        return h

    def close(self):
        for h in self.helpers:
            h.close()
        if self.peer:
            self.peer.close()

    # ---- common openings --------------------------------------------------

    def active_open(self, h, peer_port=None, options=None, synack_delay=0.0,
                    win=65535, syn_check=None, synack_flags="SA"):
        """The socket under test connects to the peer; the peer answers
        the SYN with a SYN-ACK (after @synack_delay) with @synack_flags.
        Returns a Conn."""
        peer = self.peer
        peer_port = peer_port or self.port()
        h.must("connect_nb %s %d" % (self.peer_ip, peer_port))
        syn = peer.expect(5, lambda s: s.dport == peer_port and
                          s.flags & (F_SYN | F_ACK) == F_SYN, "their SYN")
        if syn_check:
            syn_check(syn)
        iss = 0x10000000
        c = Conn(peer, peer_port, syn.sport, iss, irs=syn.seq, win=win)
        mss = syn.opt(2)
        c.their_mss = struct.unpack("!H", mss)[0] if mss else 536
        if synack_delay:
            time.sleep(max(0.0, syn.time + synack_delay - time.time()))
        opts = PEER_OPTS_MSS if options is None else options
        c.sack_ok = any(o[0] == "SAckOK" for o in opts)
        ws = syn.opt(3)
        if ws and any(o[0] == "WScale" for o in opts):
            c.our_wscale_shift = ws[0]
        c.send(synack_flags, seq=iss, ack=c.rcv_nxt, options=opts)
        a = c.expect(5, lambda s: not s.flags & F_SYN, "the ACK of our SYN-ACK")
        check(a.flags & (F_ACK | F_RST) == F_ACK and a.ack == c.snd_nxt,
              "handshake: expected ACK %u, got %s" % (c.snd_nxt, a))
        c.last_win = a.win
        r = h.cmd("wait_connect 5000", 10)
        check(r.ok, "connect did not complete: %s" % r)
        return c

    def passive_open(self, h, port, options=None, peer_port=None,
                     syn_flags="S", synack_check=None):
        """The peer connects to the socket under test's listener (already
        listening on @port) with a SYN with @syn_flags, and the helper
        accepts. @synack_check(seg) looks at the SYN-ACK. Returns a Conn."""
        peer = self.peer
        peer_port = peer_port or self.port()
        iss = 0x20000000
        c = Conn(peer, peer_port, port, iss)
        opts = PEER_OPTS_MSS if options is None else options
        c.send(syn_flags, seq=iss, options=opts)
        c.snd_nxt = seq_add(iss, 1)
        sa = c.expect(5, lambda s: s.has(F_SYN | F_ACK), "their SYN-ACK")
        if synack_check:
            synack_check(sa)
        check(sa.ack == c.snd_nxt, "SYN-ACK acks %u, expected %u" %
              (sa.ack, c.snd_nxt))
        c.irs = sa.seq
        c.rcv_nxt = seq_add(sa.seq, 1)
        c.ack()
        h.must("accept 5000", 10)
        return c


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------

def intervals(times):
    return [b - a for a, b in zip(times, times[1:])]


def fmt_times(ts):
    return ", ".join("%.3f" % x for x in ts)


def check_backoff(times, what, lo=1.5, hi=3.0, first_lo=None, min_gap=0.15):
    """@times: the original transmission then its retransmissions. Each
    interval must be lo..hi times the one before (exponential backoff;
    TCG timing is noisy, so ratios, not absolute times). @first_lo relaxes
    the first ratio, for a first retransmission that may be a tail loss
    probe (Linux sends TLPs on SACK connections only). No interval below
    @min_gap (Linux's RTO floor is 200 ms)."""
    d = intervals(times)
    diag("%s: intervals %s s" % (what, fmt_times(d)))
    check(min(d) >= min_gap, "%s: an interval below %.2f s: %s" %
          (what, min_gap, fmt_times(d)))
    ratios = [b / a for a, b in zip(d, d[1:])]
    diag("%s: ratios %s" % (what, fmt_times(ratios)))
    for i, r in enumerate(ratios):
        low = first_lo if i == 0 and first_lo is not None else lo
        check(low <= r <= hi,
              "%s: interval %d/%d ratio %.2f not in %.1f..%.1f "
              "(intervals %s)" % (what, i + 2, i + 1, r, low, hi,
                                  fmt_times(d)))
