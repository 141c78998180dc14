#!/usr/bin/env bash
# Every man page renders without a groff warning and has NAME, its header
# names the page as its file does, and it is whole: every section of its
# source (SRCDIR/PAGE.scd), the last one too, is in what man shows.
#
#   check-man.sh SRCDIR PAGE...
set -euo pipefail

srcdir=$1
shift

command -v man >/dev/null || { echo "SKIP: needs man (man-db)"; exit 77; }

rc=0
for page in "$@"; do
	name=$(basename "$page")
	if [ ! -s "$page" ]; then
		echo "FAIL: $name was not built"
		rc=1
		continue
	fi
	warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null) || true
	text=$(MANWIDTH=80 man -E UTF-8 -l "$page" 2>/dev/null)
	if [ -n "$warnings" ]; then
		echo "FAIL: $name: $warnings"
		rc=1
	elif ! grep -q '^NAME' <<<"$text"; then
		echo "FAIL: $name has no NAME section"
		rc=1
	elif ! head -1 <<<"$text" | grep -qF "${name%.*}(${name##*.})"; then
		echo "FAIL: $name: header is '$(head -1 <<<"$text")'"
		rc=1
	elif missing=$(awk '/^```/ { literal = !literal; next } !literal && sub(/^# /, "")' "$srcdir/$name.scd" | while read -r section; do
			grep -qx "$section" <<<"$text" || echo "$section"
		done) && [ -n "$missing" ]; then
		echo "FAIL: $name is cut short: no $(tr '\n' ',' <<<"$missing" | sed 's/,$//')"
		rc=1
	else
		echo "PASS: $name"
	fi
done
exit $rc
