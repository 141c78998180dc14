#!/usr/bin/env bash
# systemd-analyze security on unit files, offline (systemd >= 250): prints
# what is exposed and the overall exposure level, and fails above the limit.
#
#   security.sh LIMIT UNITFILE...
set -euo pipefail

limit=$1
shift

# Not a pipe into grep -q: under pipefail, the writer killed by SIGPIPE
# when grep stops early would fail it.
grep -q -- '--offline=' <<<"$(systemd-analyze --help)" \
	|| { echo "SKIP: this systemd-analyze has no --offline= (systemd >= 250 has)"; exit 77; }

rc=0
for f in "$@"; do
	unit=$(basename "$f")
	out=$(systemd-analyze security --offline=yes --no-pager "$f" 2>&1) || true
	# What is not protected, then the verdict.
	echo "$out" | grep -v '^✓' || true
	score=$(echo "$out" | sed -n "s/^→ Overall exposure level for $unit: \([0-9.]*\) .*/\1/p")
	if [ -z "$score" ]; then
		echo "FAIL: no exposure level for $unit"
		rc=1
		continue
	fi
	if awk -v s="$score" -v l="$limit" 'BEGIN { exit !(s > l) }'; then
		echo "FAIL: $unit: exposure level $score is above $limit"
		rc=1
	else
		echo "PASS: $unit: exposure level $score (at most $limit)"
	fi
done
exit $rc
