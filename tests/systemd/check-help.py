#!/usr/bin/env python3
"""The --help of each program and each arcactl command against its man page.

    check-help.py MANSRC ARCACTL [DAEMON=PROGRAM ...]

Every option a section of a man page documents must appear in the help of
what the section is about: the OPTIONS section of arcactl(1) in
`arcactl --help`, the section of each command ("## relay start") in
`arcactl relay start --help`, the OPTIONS of a daemon's page in its
--help. And every option a help shows must be documented in the page.
A daemon whose program is not built is reported and left out.
"""

import os
import re
import subprocess
import sys

OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


def sections(path):
    """{"OPTIONS": text, "list": text, "relay start": text, ...}"""
    result, name, literal = {}, None, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                literal = not literal
            m = None if literal else re.match(r"^(#{1,2}) (.*)$", line)
            if m:
                name = m.group(2).strip()
                result[name] = ""
            elif name:
                result[name] += line
    return result


def documented(text):
    """Options in bold in scdoc: *--name=*, *-h*."""
    return set(re.findall(r"\*(--?[a-zA-Z][\w-]*)", text))


def shown(text):
    return set(OPTION.findall(text))


def run_help(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: {' '.join(argv)} exited with {p.returncode}: {p.stderr.strip()}")
    if p.stderr:
        raise SystemExit(f"FAIL: {' '.join(argv)} wrote to stderr: {p.stderr.strip()}")
    return p.stdout


def check(what, page_name, page_options, all_page_options, help_text):
    failures = 0
    for o in sorted(page_options - shown(help_text)):
        print(f"FAIL: {page_name} documents {o}, but '{what}' does not show it")
        failures += 1
    for o in sorted(shown(help_text) - all_page_options):
        print(f"FAIL: '{what}' shows {o}, but {page_name} does not document it")
        failures += 1
    if not failures:
        print(f"PASS: {what}: {', '.join(sorted(page_options)) or 'no options'}")
    return failures


def main():
    mansrc, arcactl = sys.argv[1], sys.argv[2]
    failures = 0

    page = sections(os.path.join(mansrc, "arcactl.1.scd"))
    everything = set().union(*(documented(t) for t in page.values()))
    commands = [n for n in page if n == n.lower()]
    if not commands or "OPTIONS" not in page:
        raise SystemExit("FAIL: arcactl(1) has no command sections or no OPTIONS")

    failures += check("arcactl --help", "arcactl(1)", documented(page["OPTIONS"]), everything,
                      run_help([arcactl, "--help"]))
    for name in commands:
        failures += check(f"arcactl {name} --help", "arcactl(1)", documented(page[name]), everything,
                          run_help([arcactl] + name.split() + ["--help"]))

    for pair in sys.argv[3:]:
        daemon, program = pair.split("=", 1)
        if not os.access(program, os.X_OK):
            print(f"SKIP: {daemon}: {program} is not built")
            continue
        page = sections(os.path.join(mansrc, f"{daemon}.8.scd"))
        options = documented(page["OPTIONS"])
        failures += check(f"{daemon} --help", f"{daemon}(8)", options, options,
                          run_help([program, "--help"]))

    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
