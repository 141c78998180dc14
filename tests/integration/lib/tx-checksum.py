#!/usr/bin/env python3
# tx-checksum.py IFNAME on|off: TX checksum offload of a device, as
# `ethtool -K IFNAME tx on|off` sets it (ETHTOOL_STXCSUM), without ethtool.
#
# Open vSwitch's userspace datapath reads a veth port through a packet
# socket and passes a TCP segment on with the partial checksum the sender
# left for the hardware to finish: a receiver behind an internal port or a
# relay drops it (TcpInCsumErrors). Peers on such a bridge send complete
# checksums, as real ports (TAP, tunnels) do.
import array
import fcntl
import socket
import struct
import sys

SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17

if len(sys.argv) != 3 or sys.argv[2] not in ("on", "off"):
    sys.exit("usage: tx-checksum.py IFNAME on|off")
value = array.array("B", struct.pack("II", ETHTOOL_STXCSUM, sys.argv[2] == "on"))
ifreq = struct.pack("16sP", sys.argv[1].encode(), value.buffer_info()[0])
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    fcntl.ioctl(s, SIOCETHTOOL, ifreq)
