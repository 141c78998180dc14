#!/usr/bin/env python3
"""What a daemon did, under strace, against what its unit lets it do.

    sandbox-check.py UNITFILE TRACE
    sandbox-check.py --refused UNITFILE

Every system call in TRACE (strace -f output) must be in the unit's
SystemCallFilter= allow list and in none of its ~deny lists, and every
address family passed to socket() must be in RestrictAddressFamilies=.
Children (ovs-vsctl) count too: they inherit the filters.

A denied call passes if the trace shows it refused every time, with
strace's fault injection standing in for the unit's filter: the daemon ran
with it refused and still did its work. --refused prints the strace option
that refuses what the ~deny lists name, with the unit's
SystemCallErrorNumber= (EPERM when unset).
"""

import re
import subprocess
import sys


def expand(group, seen):
    """The system calls of a @group, nested groups included."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", group],
                         capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines()[1:]:
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if word.startswith("@"):
            if word not in seen:
                seen.add(word)
                names |= expand(word, seen)
        else:
            names.add(word)
    return names


def names_of(words):
    result = set()
    for w in words:
        result |= expand(w, set()) if w.startswith("@") else {w}
    return result


def read_unit(unit):
    """The unit's allow list, deny list, address families and errno."""
    allow, deny, families, errno = set(), set(), None, "EPERM"
    for line in open(unit, encoding="utf-8"):
        key, _, value = line.strip().partition("=")
        if key == "SystemCallFilter":
            if value.startswith("~"):
                deny |= names_of(value[1:].split())
            else:
                allow |= names_of(value.split())
        elif key == "RestrictAddressFamilies":
            families = set(value.split())
        elif key == "SystemCallErrorNumber":
            errno = value
    return allow, deny, families, errno


def main():
    if sys.argv[1] == "--refused":
        _, deny, _, errno = read_unit(sys.argv[2])
        # '?': a name this architecture lacks is no error.
        print("inject=" + ",".join("?" + n for n in sorted(deny)) + ":error=" + errno)
        return 0

    unit, trace = sys.argv[1], sys.argv[2]
    allow, deny, families, _ = read_unit(unit)
    used, socket_families, refused = set(), set(), {}
    for line in open(trace, encoding="utf-8", errors="replace"):
        line = line.rstrip()
        # A call another process interrupted ends on a line of its own.
        m = re.match(r"^\d+\s+<\.\.\. ([a-z0-9_]+) resumed>", line)
        if m:
            refused[m.group(1)] = refused[m.group(1)] and line.endswith("(INJECTED)")
            continue
        m = re.match(r"^\d+\s+([a-z0-9_]+)\((.*)", line)
        if not m:
            continue
        name = m.group(1)
        used.add(name)
        refused[name] = refused.get(name, True) and (line.endswith("(INJECTED)") or
                                                     line.endswith("<unfinished ...>"))
        if name == "socket":
            socket_families.add(m.group(2).split(",")[0])

    failures = 0
    for name in sorted(used - allow if allow else set()):
        print(f"FAIL: {name}() is used but not in the unit's SystemCallFilter=")
        failures += 1
    for name in sorted(used & deny):
        if refused[name]:
            print(f"ok: {name}() is denied by the unit, and the daemon worked with it refused")
            continue
        print(f"FAIL: {name}() is used but the unit's SystemCallFilter=~ denies it")
        failures += 1
    for family in sorted(socket_families - (families or socket_families)):
        print(f"FAIL: socket({family}) is used but not in RestrictAddressFamilies=")
        failures += 1
    if not failures:
        print(f"PASS: {len(used)} system calls, socket families {', '.join(sorted(socket_families))}: "
              f"all allowed by {unit.rsplit('/', 1)[-1]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
