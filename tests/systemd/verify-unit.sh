#!/usr/bin/env bash
# systemd-analyze verify on one unit as installed, without PID 1:
#
#   verify-unit.sh UNIT MANDIR PROGRAMS FILE...
#
# UNIT is the unit with its instance (arca-relay@5001.service); FILE... are
# all unit files; PROGRAMS is "INSTALLED=BUILT;..." so that ExecStart= finds
# the programs of this build where they would be installed; MANDIR holds the
# built man pages, for the Documentation= check. Any message fails the test:
# verify warns about unknown settings but exits 0.
set -euo pipefail

unit=$1 mandir=$2 programs=$3
shift 3

tmp=$(mktemp -d "/tmp/arca-verify-$$-XXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/system"

template=${unit/@*./@.}
for f in "$@"; do
	cp "$f" "$tmp/system/"
done
[ -f "$tmp/system/$template" ] || { echo "FAIL: no unit file $template"; exit 1; }

IFS=';' read -ra pairs <<<"$programs"
for p in "${pairs[@]}"; do
	installed=${p%%=*} built=${p#*=}
	if grep -q "$installed" "$tmp/system/$template" && [ ! -x "$built" ]; then
		echo "SKIP: $template runs $installed, and $built is not built"
		exit 77
	fi
	sed -i "s|$installed|$built|g" "$tmp/system/"*
done

# An instance is the template under the instance's name; the units it
# needs (arca-relay@5001.socket) systemd finds through their templates.
[ "$unit" = "$template" ] || ln -s "$template" "$tmp/system/$unit"

# The man pages as man(1) looks for them.
for page in "$mandir"/*.[1-8]; do
	mkdir -p "$tmp/man/man${page##*.}"
	ln -s "$page" "$tmp/man/man${page##*.}/"
done

echo "systemd-analyze verify $unit"
out=$(cd "$tmp/system" && MANPATH="$tmp/man" systemd-analyze verify --man=yes "./$unit" 2>&1) || {
	echo "$out"
	echo "FAIL: $unit does not verify"
	exit 1
}
if [ -n "$out" ]; then
	echo "$out"
	echo "FAIL: systemd-analyze verify has something to say about $unit"
	exit 1
fi
echo "PASS: $unit"
