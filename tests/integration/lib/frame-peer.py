#!/usr/bin/python3
"""A host stand-in for tests: connects to a daemon's stream socket (or,
with --listen, waits for a daemon to connect, serving one connection) and
speaks length32 frames. It answers ARP, IPv6 neighbour solicitations and
pings for its addresses (--ip, repeated for more: a dual-stack gateway), as
a gateway on the far side of the host would, so that a ping from the
container's side crosses the daemon both ways.

With --ping-container, it also pings the container, one echo request per
SIGUSR1, sent in two halves: the first at the signal, the rest at SIGUSR2,
so that a daemon may restart while it holds half a frame; each reply is
printed as "echo-reply SEQ".

On exit (SIGTERM, or the daemon hanging up) it prints one line of counts,
pings of IPv4 and IPv6 apart:
frames_in=N frames_out=N arp=N icmp=N icmp6=N
"""

import argparse
import ipaddress
import os
import signal
import socket
import struct
import sys

ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
counts = {"frames_in": 0, "frames_out": 0, "arp": 0, "icmp": 0, "icmp6": 0}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


class Peer:
    def __init__(self, sock, ips, mac):
        self.sock, self.mac = sock, mac_bytes(mac)
        self.ips = {ipaddress.ip_address(ip) for ip in ips}

    def send(self, frame):
        self.sock.sendall(struct.pack("!I", len(frame)) + frame)
        counts["frames_out"] += 1

    def eth(self, dst, proto, payload):
        return dst + self.mac + struct.pack("!H", proto) + payload

    def on_arp(self, src, p):
        op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", p[:28])
        if op != 1 or ipaddress.ip_address(tpa) not in self.ips:
            return
        counts["arp"] += 1
        reply = struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, 2, self.mac, tpa, sha, spa)
        self.send(self.eth(src, ETH_P_ARP, reply))

    def on_ipv4(self, src, p):
        ihl = (p[0] & 0x0F) * 4
        proto, saddr, daddr = p[9], p[12:16], p[16:20]
        if proto == 1 and ipaddress.ip_address(daddr) in self.ips and p[ihl] == 0:
            seq = struct.unpack("!H", p[ihl + 6 : ihl + 8])[0]
            print("echo-reply %d" % seq, flush=True)
            return
        if proto != 1 or ipaddress.ip_address(daddr) not in self.ips or p[ihl] != 8:
            return
        counts["icmp"] += 1
        icmp = bytearray(p[ihl:])
        icmp[0], icmp[2:4] = 0, b"\0\0"
        icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
        hdr = bytearray(p[:ihl])
        hdr[8], hdr[10:12], hdr[12:16], hdr[16:20] = 64, b"\0\0", daddr, saddr
        hdr[10:12] = struct.pack("!H", checksum(bytes(hdr)))
        self.send(self.eth(src, ETH_P_IP, bytes(hdr) + bytes(icmp)))

    def icmp6(self, dst_mac, src_ip, dst_ip, body):
        pseudo = src_ip + dst_ip + struct.pack("!I3xB", len(body), 58)
        body = body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:]
        hdr = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src_ip + dst_ip
        self.send(self.eth(dst_mac, ETH_P_IPV6, hdr + body))

    def on_ipv6(self, src, p):
        if p[6] != 58:
            return
        saddr, daddr, icmp = p[8:24], p[24:40], p[40:]
        if icmp[0] == 135 and ipaddress.ip_address(icmp[8:24]) in self.ips:
            counts["arp"] += 1
            body = struct.pack("!BBHI", 136, 0, 0, 0x60000000) + icmp[8:24]
            body += struct.pack("!BB", 2, 1) + self.mac
            self.icmp6(src, icmp[8:24], saddr, body)
        elif icmp[0] == 128 and ipaddress.ip_address(daddr) in self.ips:
            counts["icmp6"] += 1
            body = bytes([129, 0, 0, 0]) + icmp[4:]
            self.icmp6(src, daddr, saddr, body)

    def echo_request(self, dst_mac, dst_ip, seq):
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4152, seq) + bytes(range(200))
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        src = next(ip for ip in self.ips if ip.version == 4)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0x4000, 64, 1, 0,
                          src.packed, ipaddress.ip_address(dst_ip).packed)
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
        return self.eth(dst_mac, ETH_P_IP, hdr + icmp)

    def on_frame(self, f):
        counts["frames_in"] += 1
        if len(f) < 14:
            return
        src, proto = f[6:12], struct.unpack("!H", f[12:14])[0]
        handler = {ETH_P_ARP: self.on_arp, ETH_P_IP: self.on_ipv4, ETH_P_IPV6: self.on_ipv6}.get(proto)
        if handler:
            handler(src, f[14:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--connect", help="unix socket path of the daemon")
    where.add_argument("--listen", help="unix socket path to wait on for a daemon (Connect=)")
    ap.add_argument("--ip", required=True, action="append", help="an address to answer for; repeat for more")
    ap.add_argument("--mac", default="02:00:00:00:00:01")
    ap.add_argument("--send-raw", help="hex bytes to send once connected, then keep going")
    ap.add_argument("--ping-container", nargs=2, metavar=("IP", "MAC"),
                    help="ping IP at MAC, half a request at SIGUSR1 and the rest at SIGUSR2")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.listen:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(args.listen):
            os.unlink(args.listen)
        server.bind(args.listen)
        server.listen(1)
        print("listening", flush=True)
        sock, _ = server.accept()
        # One daemon: the next finds nobody listening, as with a host gone.
        server.close()
    else:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(args.connect)
    peer = Peer(sock, args.ip, args.mac)
    if args.ping_container:
        ip, mac = args.ping_container
        pending, seq = [b""], [0]

        def first_half(*_):
            seq[0] += 1
            frame = peer.echo_request(mac_bytes(mac), ip, seq[0])
            wire = struct.pack("!I", len(frame)) + frame
            half = len(wire) // 2
            sock.sendall(wire[:half])
            pending[0] = wire[half:]

        def rest(*_):
            sock.sendall(pending[0])
            pending[0] = b""
            counts["frames_out"] += 1

        signal.signal(signal.SIGUSR1, first_half)
        signal.signal(signal.SIGUSR2, rest)
    print("connected", flush=True)

    if args.send_raw:
        sock.sendall(bytes.fromhex(args.send_raw))

    buf = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            buf += data
            while len(buf) >= 4:
                (n,) = struct.unpack("!I", buf[:4])
                if len(buf) < 4 + n:
                    break
                peer.on_frame(buf[4 : 4 + n])
                buf = buf[4 + n :]
    finally:
        print(" ".join("%s=%d" % kv for kv in counts.items()), flush=True)


if __name__ == "__main__":
    main()
