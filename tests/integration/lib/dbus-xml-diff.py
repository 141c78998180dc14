#!/usr/bin/python3
"""Compares an interface as the running daemon introspects it with its
contract in dbus/. Methods (with argument names, types and directions),
signals and properties (type and access) must be the same; annotations and
the order of members are not part of the contract.

  dbus-xml-diff.py CONTRACT.xml INTERFACE < introspection.xml
Prints the differences and exits 1 if there are any.
"""

import sys
import xml.etree.ElementTree as ET


def members(root, name):
    iface = next((i for i in root.iter("interface") if i.get("name") == name), None)
    if iface is None:
        return None
    out = set()
    for kind in ("method", "signal"):
        for m in iface.iter(kind):
            args = tuple(
                (a.get("name"), a.get("type"), a.get("direction", "in" if kind == "method" else "out"))
                for a in m.iter("arg")
            )
            out.add((kind, m.get("name"), args))
    for p in iface.iter("property"):
        out.add(("property", p.get("name"), (p.get("type"), p.get("access"))))
    return out


def main():
    contract_file, name = sys.argv[1:3]
    contract = members(ET.parse(contract_file).getroot(), name)
    live = members(ET.fromstring(sys.stdin.read()), name)
    if live is None:
        print("the daemon does not introspect interface %s" % name)
        sys.exit(1)
    missing, extra = sorted(contract - live), sorted(live - contract)
    for m in missing:
        print("in %s, not served: %s" % (contract_file, m))
    for m in extra:
        print("served, not in %s: %s" % (contract_file, m))
    sys.exit(1 if missing or extra else 0)


if __name__ == "__main__":
    main()
