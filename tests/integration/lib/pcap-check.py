#!/usr/bin/python3
"""Reads a pcap file strictly, as a test needs: the classic format with
Ethernet frames, every record whole, nothing after the last one. Prints
one JSON object: the number of frames, the snap length, and a summary per
frame (source and destination MAC, EtherType, for IPv4 the protocol and
addresses, for ICMP the type, the frame's length and the bytes kept).
Exits 1 with one line on stderr if the file is not like that.
"""

import json
import struct
import sys

LINKTYPE_ETHERNET = 1


def mac(b):
    return ":".join("%02x" % x for x in b)


def summary(frame, length):
    s = {"len": length, "caplen": len(frame)}
    if len(frame) < 14:
        return s
    s.update(dst=mac(frame[0:6]), src=mac(frame[6:12]), type="%04x" % struct.unpack("!H", frame[12:14]))
    if s["type"] == "0800" and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        s.update(proto=frame[23], ipsrc=".".join(map(str, frame[26:30])),
                 ipdst=".".join(map(str, frame[30:34])))
        if s["proto"] == 1 and len(frame) > 14 + ihl:
            s["icmp"] = frame[14 + ihl]
    return s


def main():
    data = open(sys.argv[1], "rb").read()
    if len(data) < 24:
        sys.exit("pcap-check: %s has no pcap file header (%d bytes)" % (sys.argv[1], len(data)))
    magic = struct.unpack("<I", data[:4])[0]
    order = {0xA1B2C3D4: "<", 0xD4C3B2A1: ">"}.get(magic)
    if not order:
        sys.exit("pcap-check: bad magic %#x" % magic)
    major, minor, _, _, snaplen, linktype = struct.unpack(order + "HHiIII", data[4:24])
    if (major, minor) != (2, 4) or linktype != LINKTYPE_ETHERNET:
        sys.exit("pcap-check: version %d.%d, link type %d" % (major, minor, linktype))
    frames, off = [], 24
    while off < len(data):
        if off + 16 > len(data):
            sys.exit("pcap-check: a record header is cut short at byte %d" % off)
        _, usec, caplen, length = struct.unpack(order + "IIII", data[off:off + 16])
        if usec >= 1000000 or caplen > length or caplen > snaplen:
            sys.exit("pcap-check: bad record header at byte %d" % off)
        if off + 16 + caplen > len(data):
            sys.exit("pcap-check: the record at byte %d is cut short" % off)
        frames.append(summary(data[off + 16:off + 16 + caplen], length))
        off += 16 + caplen
    json.dump({"frames": len(frames), "snaplen": snaplen, "size": len(data), "list": frames}, sys.stdout)
    print()


main()
