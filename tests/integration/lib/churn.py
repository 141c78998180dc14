#!/usr/bin/python3
"""churn.py PATH N [MAC]: connects to a daemon's stream socket N times; each
time sends a few length32 frames (broadcast ARP requests from MAC), reads
whatever comes back for a moment, and hangs up. Prints "churn: N
connections" when done; exits non-zero if a connection fails."""

import socket
import struct
import sys
import time


def arp_request(mac, i):
    sha = bytes(int(x, 16) for x in mac.split(":"))
    spa = bytes([10, 99, (i >> 8) & 0xFF, i & 0xFF])
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, sha, spa, b"\0" * 6, bytes([10, 99, 0, 1]))
    return b"\xff" * 6 + sha + struct.pack("!H", 0x0806) + arp


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    mac = sys.argv[3] if len(sys.argv) > 3 else "02:00:00:00:00:01"
    for i in range(n):
        for attempt in range(50):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                break
            except (ConnectionRefusedError, FileNotFoundError):
                # The listener's backlog is full while the daemon tears
                # down the last connection: try again.
                s.close()
                time.sleep(0.01)
        else:
            sys.exit("churn: cannot connect to %s (connection %d)" % (path, i))
        for _ in range(3):
            frame = arp_request(mac, i)
            s.sendall(struct.pack("!I", len(frame)) + frame)
        s.settimeout(0.001)
        try:
            s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
    print("churn: %d connections" % n)


if __name__ == "__main__":
    main()
