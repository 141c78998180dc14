#!/usr/bin/env bash
# Would the units' sandbox let the daemons work? Each daemon runs under
# strace through a session of arcactl calls (a network with DNS servers and
# a host connected; a relay on a Linux bridge and, where Open vSwitch is
# installed, one on an OVS bridge, each with a host connected), then what it
# did is held against its unit's SystemCallFilter= and
# RestrictAddressFamilies=. strace refuses the calls the unit's deny lists
# name, as the unit would, so the session shows they are not needed. No PID
# 1 needed, but root (TAP devices, netns).
#
#   sandbox.sh BUILD UNITDIR
set -euo pipefail

build=$1 unitdir=$2
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces, TAP devices)"; exit 77; }
for t in strace ip python3 systemd-analyze; do
	command -v "$t" >/dev/null || { echo "SKIP: needs $t (scripts/install-deps installs it)"; exit 77; }
done
# A sanitizer's runtime makes system calls of its own and cannot run under
# ptrace; the plain build is the one to check.
# Not ldd | grep -q: with pipefail, ldd killed by SIGPIPE fails it at times.
if [[ "$(ldd "$build/src/forwarderd/arca-forwarderd")" =~ lib(asan|ubsan) ]]; then
	echo "SKIP: a sanitizer build; scripts/test runs this suite in the plain build too"
	exit 77
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
arcactl=$build/src/arcactl/arcactl
peer=$top/tests/integration/lib/frame-peer.py

tmp=$(mktemp -d "/tmp/arca-sandbox-$$-XXXX")
ns=arca-sbx-$$
cleanup() {
	local rc=$?
	[ -n "${daemon:-}" ] && pkill -KILL -P "$daemon" 2>/dev/null
	[ -n "${host:-}" ] && kill "$host" 2>/dev/null
	wait 2>/dev/null
	for pid in "$tmp"/ovs/*.pid; do
		[ -e "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
	exit $rc
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up

# run_traced NAME ARGS...: the daemon under strace, serving $tmp/NAME.bus,
# with the calls its unit denies refused.
run_traced() {
	local name=$1 refuse
	shift
	refuse=$(python3 "$(dirname "$0")/sandbox-check.py" --refused "$unitdir/arca-$name.service")
	ip netns exec "$ns" strace -f -qq -e "$refuse" -o "$tmp/$name.trace" "$@" --bus="$tmp/$name.bus" \
		>"$tmp/$name.log" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do
		"$arcactl" --bus="$tmp/$name.bus" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$tmp/$name.log"
	echo "FAIL: $name did not come up"
	exit 1
}

stop_traced() {
	kill "$host" 2>/dev/null || true
	wait "$host" 2>/dev/null || true
	host=
	# strace -o blocks fatal signals: SIGTERM goes to the daemon, and strace
	# ends with it, with the daemon's exit status.
	pkill -TERM -P "$daemon"
	local rc=0
	wait "$daemon" || rc=$?
	if [ $rc -ne 0 ]; then
		cat "$tmp/$1.log"
		echo "FAIL: $1 exited with $rc on SIGTERM"
		exit 1
	fi
	daemon=
}

ctl() { "$arcactl" --bus="$tmp/$bus.bus" "$@"; }

# start_ovs: a private Open vSwitch, userspace datapath, in the namespace,
# with the bridge br-sbx-ovs; false where it is not installed.
start_ovs() {
	local schema=/usr/share/openvswitch/vswitch.ovsschema
	command -v ovs-vswitchd >/dev/null && [ -f "$schema" ] || return 1
	export OVS_RUNDIR=$tmp/ovs OVS_DBDIR=$tmp/ovs OVS_LOGDIR=$tmp/ovs
	mkdir -p "$tmp/ovs"
	ovsdb-tool create "$tmp/ovs/conf.db" "$schema"
	ovsdb-server "$tmp/ovs/conf.db" --remote="punix:$tmp/ovs/db.sock" \
		--pidfile="$tmp/ovs/ovsdb-server.pid" --detach --log-file="$tmp/ovs/ovsdb-server.log" 2>/dev/null
	ovs-vsctl --db="unix:$tmp/ovs/db.sock" --no-wait init
	ip netns exec "$ns" ovs-vswitchd "unix:$tmp/ovs/db.sock" --pidfile="$tmp/ovs/ovs-vswitchd.pid" \
		--detach --disable-system --log-file="$tmp/ovs/ovs-vswitchd.log" 2>/dev/null
	ovs-vsctl --db="unix:$tmp/ovs/db.sock" --timeout=10 add-br br-sbx-ovs \
		-- set bridge br-sbx-ovs datapath_type=netdev
}

# connect_host PORT SOCKET IP: a host on the relay, which must see it.
connect_host() {
	python3 "$peer" --connect "$2" --ip "$3" >/dev/null 2>&1 &
	host=$!
	for _ in $(seq 50); do
		grep -q "State: connected" <<<"$(ctl relay status "$1")" && return 0
		sleep 0.1
	done
	echo "FAIL: the host of relay $1 did not connect"
	exit 1
}

bus=forwarderd
run_traced forwarderd "$build/src/forwarderd/arca-forwarderd" \
	--resolv-conf="$tmp/resolv.conf" --state-dir="$tmp/state"
ctl attach eth0 5000 10.59.0.2/24 10.59.0.1 --listen="$tmp/eth0.sock" --dns=10.59.0.53 --rate-limit=10M
python3 "$peer" --connect "$tmp/eth0.sock" --ip 10.59.0.1 >/dev/null 2>&1 &
host=$!
ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 10.59.0.1 >/dev/null || echo "warning: no ping reply over eth0"
ctl status eth0 >/dev/null
ctl detach eth0
stop_traced forwarderd

bus=relayd
ip -n "$ns" link add br-sbx type bridge
ovs=no
start_ovs && ovs=yes
run_traced relayd "$build/src/relayd/arca-relayd" --ovs-db="unix:$tmp/ovs/db.sock" --ovs-timeout=5 \
	--state-dir="$tmp/relay-state"
ctl relay start 5003 --backend=bridge --bridge=br-sbx --listen="$tmp/relay.sock"
connect_host 5003 "$tmp/relay.sock" 10.59.1.2
ctl relay stop 5003
kill "$host" 2>/dev/null || true
if [ $ovs = yes ]; then
	# The OVS port is made and removed by ovs-vsctl children, which the
	# filters hold as well.
	ctl relay start 5004 --bridge=br-sbx-ovs --listen="$tmp/relay-ovs.sock"
	connect_host 5004 "$tmp/relay-ovs.sock" 10.59.2.2
	[ -n "$(ovs-vsctl list-ports br-sbx-ovs)" ] || { echo "FAIL: no OVS port for relay 5004"; exit 1; }
	ctl relay stop 5004
	[ -z "$(ovs-vsctl list-ports br-sbx-ovs)" ] || { echo "FAIL: relay 5004's OVS port is left"; exit 1; }
else
	echo "note: no Open vSwitch here, so no relay on an OVS bridge was traced"
fi
stop_traced relayd

rc=0
python3 "$(dirname "$0")/sandbox-check.py" "$unitdir/arca-forwarderd.service" "$tmp/forwarderd.trace" || rc=1
python3 "$(dirname "$0")/sandbox-check.py" "$unitdir/arca-relayd.service" "$tmp/relayd.trace" || rc=1
exit $rc
