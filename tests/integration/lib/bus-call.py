#!/usr/bin/python3
"""Calls a D-Bus method and prints the reply as JSON, or the error as
"error NAME: MESSAGE" (exit 1). Unlike busctl it shows error names, which
the tests check.

  bus-call.py ADDRESS DEST PATH INTERFACE METHOD SIGNATURE [ARG-JSON...]

ADDRESS is a D-Bus address; p2p:unix:path=... connects peer-to-peer.
An argument for an a{sv} is a JSON object of [signature, value] pairs:
'{"MTU": ["u", 9000]}'. An argument for 'h' is a path opened read-only,
or "listen:PATH" for a listening unix socket made on the spot.
"""

import json
import os
import socket
import sys

import dbus


def convert(sig, value):
    if sig == "s":
        return dbus.String(value)
    if sig == "o":
        return dbus.ObjectPath(value)
    if sig == "u":
        return dbus.UInt32(value)
    if sig == "t":
        return dbus.UInt64(value)
    if sig == "b":
        return dbus.Boolean(value)
    if sig == "as":
        return dbus.Array(value, signature="s")
    if sig == "au":
        return dbus.Array([dbus.UInt32(v) for v in value], signature="u")
    if sig == "h":
        if value.startswith("listen:"):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(value[len("listen:"):])
            s.listen(4)
            return dbus.types.UnixFd(s.fileno())
        return dbus.types.UnixFd(os.open(value, os.O_RDONLY))
    if sig == "a{sv}":
        return dbus.Dictionary(
            {k: convert(s, v) for k, (s, v) in value.items()}, signature="sv", variant_level=0
        )
    raise SystemExit("bus-call: unsupported signature " + sig)


def split_signature(sig):
    out, i = [], 0
    while i < len(sig):
        j = i
        depth = 0
        while True:
            c = sig[j]
            if c in "({":
                depth += 1
            elif c in ")}":
                depth -= 1
            j += 1
            if depth == 0 and c != "a":
                break
        out.append(sig[i:j])
        i = j
    return out


def plain(v):
    if isinstance(v, (dbus.Array, list)):
        return [plain(x) for x in v]
    if isinstance(v, (dbus.Struct, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dbus.Dictionary):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath)):
        return str(v)
    if isinstance(v, (int,)):
        return int(v)
    return v


def main():
    address, dest, path, iface, method, sig = sys.argv[1:7]
    raw = sys.argv[7:]
    sigs = split_signature(sig) if sig else []
    if len(sigs) != len(raw):
        raise SystemExit("bus-call: %d arguments for signature %s" % (len(raw), sig))
    args = [convert(s, json.loads(a) if s not in ("s", "o", "h") else a) for s, a in zip(sigs, raw)]

    if address.startswith("p2p:"):
        conn = dbus.connection.Connection(address[4:])
        dest = None
    else:
        conn = dbus.bus.BusConnection(address)
    try:
        reply = conn.call_blocking(dest, path, iface, method, sig, args, timeout=30)
    except dbus.exceptions.DBusException as e:
        print("error %s: %s" % (e.get_dbus_name(), e.get_dbus_message()))
        sys.exit(1)
    print(json.dumps(plain(reply)))


if __name__ == "__main__":
    main()
