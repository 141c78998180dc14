# Shared by the integration tests: sourced, not run.
#
# Every test runs as root in network namespaces and directories it makes
# itself, with names that carry its PID so that tests can run side by side,
# and removes all of it on exit, whatever happens.

set -euo pipefail

SKIP=77
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BUILD=${ARCA_BUILD:-$TOP/build/plain}
LIB=$TOP/tests/integration/lib
PY=/usr/bin/python3
ID=$$

skip() { echo "SKIP: $*"; exit $SKIP; }
fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "== $*"; }

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, TAP devices)"
}

require_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "needs $t (scripts/install-deps installs it)"
	done
}

# Cleanup steps run in reverse order of registration.
CLEANUP=()
on_exit() { CLEANUP=("$*" "${CLEANUP[@]}"); }
run_cleanup() {
	local rc=$? c
	RC=$rc
	for c in "${CLEANUP[@]}"; do eval "$c" 2>/dev/null || true; done
	exit "$RC"
}
trap run_cleanup EXIT

make_tmpdir() {
	TMP=$(mktemp -d "/tmp/arca-test-$ID-XXXX")
	on_exit "rm -rf '$TMP'"
	on_exit check_sanitizer_reports
}

# Run after the daemons stopped (cleanup is last in, first out): a
# sanitizer's report in any log fails the test, whatever it asserted.
check_sanitizer_reports() {
	local log
	for log in "$TMP"/*.log; do
		[ -e "$log" ] || continue
		if grep -qE "ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:" "$log"; then
			# stdout: the cleanup silences stderr.
			echo "FAIL: a sanitizer reported in $log:"
			grep -E -A30 "ERROR: |runtime error:" "$log" | head -60
			RC=1
		fi
	done
}

make_netns() {
	local ns=$1
	ip netns add "$ns"
	on_exit "ip netns del '$ns'"
	ip -n "$ns" link set lo up
}

# make_bridge_peer HELPER BRIDGE PEER VETH ADDRESS: a Linux bridge in the
# namespace HELPER and on it VETH, whose other end is eth0 of the
# namespace PEER with ADDRESS: a container on the helper's bridge.
make_bridge_peer() {
	local helper=$1 bridge=$2 peer=$3 veth=$4 address=$5
	ip -n "$helper" link add "$bridge" type bridge
	ip -n "$helper" link set "$bridge" up
	ip link add "$veth" netns "$helper" type veth peer name eth0 netns "$peer"
	ip -n "$helper" link set "$veth" master "$bridge" up
	ip -n "$peer" addr add "$address" dev eth0
	ip -n "$peer" link set eth0 up
}

# matches [GREP OPTION]... PATTERN: grep -q for the end of a pipe. It
# reads all its input: grep -q stops at the first match, and under pipefail
# the writer, killed by SIGPIPE when it writes more, fails the pipe.
matches() {
	grep "$@" >/dev/null
}

# wait_for DESCRIPTION COMMAND...: retries for up to 10 s.
wait_for() {
	local what=$1 i
	shift
	for i in $(seq 100); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	fail "timed out waiting for $what"
}

# A private system bus: its own dbus-daemon.
start_dbus() {
	require_tools dbus-daemon
	mkdir -p "$TMP/dbus"
	# Callers of any uid reach the bus socket; nothing else here is secret.
	chmod 755 "$TMP" "$TMP/dbus"
	cat >"$TMP/dbus/bus.conf" <<-CONF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$TMP/dbus/system_bus_socket</listen>
	  <auth>EXTERNAL</auth>
	  <!-- Open to every caller, so that the daemons' own root checks are
	       what refuses non-root callers here. -->
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*"/>
	    <allow receive_type="*"/>
	  </policy>
	</busconfig>
	CONF
	dbus-daemon --config-file="$TMP/dbus/bus.conf" --fork --print-pid=3 3>"$TMP/dbus/pid"
	on_exit "kill \$(cat '$TMP/dbus/pid')"
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/dbus/system_bus_socket"
}

# bus_call ADDRESS DEST PATH IFACE METHOD SIG ARGS...: see bus-call.py.
bus_call() { "$PY" "$LIB/bus-call.py" "$@"; }

# expect_error NAME COMMAND...: the command fails with that D-Bus error.
expect_error() {
	local name=$1
	shift
	expect_error_saying "$name" "" "$@"
}

# expect_error_saying NAME TEXT COMMAND...: the same, and the error's
# message says TEXT (the rule it names).
expect_error_saying() {
	local name=$1 text=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		fail "expected $name, but the call succeeded: $out"
	fi
	case "$out" in
	"error $name:"*"$text"*) echo "   refused as expected: ${out#error }" ;;
	*) fail "expected $name${text:+ saying '$text'}, got: $out" ;;
	esac
}

# expect CODE STDERR COMMAND...: a command line program exits with CODE
# and writes exactly STDERR ('*' in it matches anything); $TMP/out has
# its stdout.
expect() {
	local code=$1 want=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" -eq "$code" ] || fail "'$*' exited with $rc, not $code: $(cat "$TMP/err")"
	# shellcheck disable=SC2053
	[[ "$(cat "$TMP/err")" == $want ]] || fail "'$*' said '$(cat "$TMP/err")', not '$want'"
	echo "   $code: $(cat "$TMP/err")"
}

# A daemon in the background, logging to $TMP/NAME.log, stopped on exit.
start_daemon() {
	local name=$1
	shift
	"$@" >"$TMP/$name.log" 2>&1 &
	local pid=$!
	on_exit "kill $pid; wait $pid"
	eval "${name//-/_}_PID=$pid"
}

# stop_pidfile PIDFILE: SIGTERM to a daemon that detached itself (OVS,
# OVN), and a bounded wait (10 s, then SIGKILL), so that its directory and
# namespace go after it. A zombie counts as gone: a detached daemon's parent
# is PID 1, and where that is not an init that reaps at once, a dead daemon
# stays a zombie for seconds.
stop_pidfile() {
	local pid _ stat
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || return 0
	for _ in $(seq 200); do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
		stat=${stat##*) }
		[ "${stat%% *}" != Z ] || return 0
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
}

show_log_on_failure() {
	local log=$1
	on_exit "[ \$RC -eq 0 ] || { echo '--- $log'; cat '$log'; }"
}

# check_contract ADDRESS PATH INTERFACE: what the daemon introspects at PATH
# equals dbus/INTERFACE.xml.
check_contract() {
	local xml
	xml=$(bus_call "$1" "${3%.*}" "$2" org.freedesktop.DBus.Introspectable Introspect "" \
		| "$PY" -c 'import json, sys; print(json.load(sys.stdin))')
	echo "$xml" | "$PY" "$LIB/dbus-xml-diff.py" "$TOP/dbus/$3.xml" "$3" \
		|| fail "$3 differs from dbus/$3.xml"
}

# with_rcvbuf BYTES COMMAND...: COMMAND with the host's
# net.core.rmem_default at BYTES, put back after (on exit too). A packet
# socket's receive buffer is that default when it is made, and nothing
# else sets the one ovs-vswitchd reads a veth port through; a network
# namespace only reads the host's. At 212992 bytes it overflows under one
# TCP stream: thousands of drops (ss -0 -m: d...) and as many retransmits.
with_rcvbuf() {
	local bytes=$1 old
	shift
	old=$(sysctl -n net.core.rmem_default)
	on_exit "sysctl -qw net.core.rmem_default=$old"
	sysctl -qw net.core.rmem_default="$bytes"
	"$@"
	sysctl -qw net.core.rmem_default="$old"
}
