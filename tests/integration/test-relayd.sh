#!/usr/bin/env bash
# arca-relayd as the helper VM runs it: a private Open vSwitch (userspace
# datapath) in a "helper" namespace with br-int, peers on VLANs 100 and
# 200, relays started over D-Bus, a host stand-in connected to the relay's
# socket. The port exists exactly while the host is connected.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ovs.sh"
require_root
require_tools ip ping setpriv
[ -x "$BUILD/src/relayd/arca-relayd" ] || fail "arca-relayd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

make_tmpdir
HELPER=arca-hlp-$ID
make_netns "$HELPER"
start_ovs "$HELPER"
add_ovs_bridge br-int
add_ovs_peer br-int "arca-pa-$ID" 10.55.0.1/24 100
add_ovs_peer br-int "arca-pb-$ID" 10.55.0.3/24 200
PA=arca-pa-$ID
PB=arca-pb-$ID
# A helper VM that routes (an uplink with a default route, forwarding on):
# it must not take the containers' frames for its own.
ip -n "$HELPER" link add "up$ID" type veth peer name "uq$ID"
ip -n "$HELPER" addr add 10.57.0.1/24 dev "up$ID"
ip -n "$HELPER" link set "up$ID" up
ip -n "$HELPER" link set "uq$ID" up
ip -n "$HELPER" route add default via 10.57.0.2
ip netns exec "$HELPER" sysctl -qw net.ipv4.ip_forward=1
forwarded() { ip netns exec "$HELPER" nstat -asz IpForwDatagrams | awk '/IpForwDatagrams/ { print $2 }'; }
PORT=t$ID        # unique port names: tests may run side by side
M="org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager"

start_dbus
ADDR=$DBUS_SYSTEM_BUS_ADDRESS
start_relayd() {
	start_daemon arca-relayd ip netns exec "$HELPER" env DBUS_SYSTEM_BUS_ADDRESS="$ADDR" \
		"$BUILD/src/relayd/arca-relayd" --ovs-db="$OVS_DB" --state-dir="$TMP/state" "$@"
	wait_for "org.arca.Relay1 on the bus" bus_call "$ADDR" $M GetStatus ""
}
show_log_on_failure "$TMP/arca-relayd.log"
start_relayd --log-level=debug

start_relay() { bus_call "$ADDR" $M StartRelay 'usssua{sv}' "$@"; }
prop() {
	bus_call "$ADDR" org.arca.Relay1 "/org/arca/Relay1/relay/$1" \
		org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay "$2"
}
prop_is() { [ "$(prop "$1" "$2")" = "$3" ]; }
ports() { ovs-vsctl --db="$OVS_DB" list-ports br-int; }
has_port() { ports | matches -x "$1"; }
start_host() {   # start_host NAME SOCKET IP MAC
	$PY "$LIB/frame-peer.py" --connect "$2" --ip "$3" --mac "$4" >"$TMP/$1.out" 2>&1 &
	eval "HOST_$1=$!"
}
stop_host() {
	local pid
	eval "pid=\$HOST_$1"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

say "StartRelay 5001 on br-int, VLAN 100, with OVN and Arca ids"
out=$(start_relay 5001 br-int "$PORT" 02:42:ac:12:00:02 100 \
	"{\"Listen\": [\"s\", \"$TMP/r1.sock\"], \"IfaceId\": [\"s\", \"iface-$ID\"], \"NetworkId\": [\"s\", \"net-1\"], \"ContainerId\": [\"s\", \"ctr-1\"]}")
[ "$out" = '"/org/arca/Relay1/relay/5001"' ] || fail "StartRelay returned $out"
prop_is 5001 State '"listening"' || fail "relay 5001 is not listening"
! has_port "$PORT" || fail "the port exists before a host connected"

say "the host connects: the port appears, tagged, with its ids; the peer on VLAN 100 pings through"
start_host h1 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "relay 5001 connected" prop_is 5001 State '"connected"'
# Open vSwitch without OVN: ready as soon as the port is up.
wait_for "relay 5001 ready" prop_is 5001 Ready true
has_port "$PORT" || fail "no port $PORT on br-int"
[ "$(ovs-vsctl --db="$OVS_DB" get Port "$PORT" tag)" = 100 ] || fail "port not tagged 100"
ids=$(ovs-vsctl --db="$OVS_DB" get Interface "$PORT" external_ids)
for want in "iface-id=iface-$ID" 'attached-mac="02:42:ac:12:00:02"' "arca-network-id=net-1" \
	"arca-container-id=ctr-1" "arca-owner=arca-relayd"; do
	case "$ids" in *"$want"*) ;; *) fail "external_ids lack $want: $ids" ;; esac
done
[ "$(ovs-vsctl --db="$OVS_DB" get Interface "$PORT" type)" = internal ] || fail "port is not internal"
ip -n "$HELPER" link show "$PORT" | matches "qlen 10000" \
	|| fail "the port's queue to Open vSwitch is not TxQueueLength's default: $(ip -n "$HELPER" link show "$PORT")"
fwd=$(forwarded)
ip netns exec "$PA" ping -c 3 -i 0.2 -W 2 10.55.0.2 >/dev/null || fail "ping from VLAN 100 through the relay failed"
[ "$(forwarded)" = "$fwd" ] || fail "the helper's stack routed frames meant for the container"
[ "$(ip -n "$HELPER" -br link show "$PORT" | awk '{ print $3 }')" != 02:42:ac:12:00:02 ] \
	|| fail "the port device has the container's MAC"
! ip -n "$HELPER" addr show "$PORT" | matches inet6 || fail "the helper has an IPv6 address on $PORT"
if ip netns exec "$PB" ping -c 2 -i 0.2 -W 1 10.55.0.2 >/dev/null 2>&1; then
	fail "a peer on VLAN 200 reached the relay on VLAN 100"
fi
[ "$(prop 5001 FramesToHost)" -ge 4 ] && [ "$(prop 5001 FramesFromHost)" -ge 4 ] \
	|| fail "counters: $(prop 5001 FramesToHost) to, $(prop 5001 FramesFromHost) from the host"

say "a second host while one is connected is refused and counted"
start_host h2 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "the second host refused" prop_is 5001 Refused 1
stop_host h2

say "the host leaves: the port is deleted; it comes back: so does the port"
stop_host h1
wait_for "relay 5001 listening" prop_is 5001 State '"listening"'
wait_for "port deleted" sh -c "! ovs-vsctl --db=$OVS_DB list-ports br-int | grep -qx $PORT"
start_host h1 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "relay 5001 reconnected" prop_is 5001 State '"connected"'
ip netns exec "$PA" ping -c 2 -i 0.2 -W 2 10.55.0.2 >/dev/null || fail "ping after reconnect failed"
prop_is 5001 Connections 2 || fail "Connections should be 2: $(prop 5001 Connections)"

say "LockMAC: a host sending from another MAC than the relay's gets nothing through"
prop_is 5001 LockMAC true || fail "LockMAC is not on by default with a MAC"
stop_host h1
wait_for "relay 5001 listening" prop_is 5001 State '"listening"'
drops=$(prop 5001 DropsFromHost)
start_host hs "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:77
wait_for "the spoofing host connected" prop_is 5001 State '"connected"'
! ip netns exec "$PA" ping -c 2 -i 0.2 -W 1 10.55.0.2 >/dev/null 2>&1 || fail "a spoofing host answered through the relay"
[ "$(prop 5001 DropsFromHost)" -gt "$drops" ] || fail "the spoofed frames were not counted"
stop_host hs
wait_for "relay 5001 listening" prop_is 5001 State '"listening"'
start_host h1 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "relay 5001 reconnected" prop_is 5001 State '"connected"'

say "bad input is refused by name and leaves nothing behind"
ok="{\"Listen\": [\"s\", \"$TMP/r9.sock\"]}"
expect_error org.arca.Error.InvalidArgument start_relay 0 br-int x9 "" 0 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int x9 "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/r9.sock\"], \"LockMAC\": [\"b\", true]}"
expect_error org.arca.Error.AlreadyStarted start_relay 5001 br-int x9 "" 0 "$ok"
expect_error org.arca.Error.NoSuchBridge start_relay 5009 br-nope x9 "" 0 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int port-name-too-long "" 0 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int "x;9" "" 0 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int "$PORT" "" 0 "$ok"
# A device the port name is taken by, found at start, not when a host comes.
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int lo "" 0 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int x9 "" 4095 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int x9 "01:00:5e:00:00:01" 0 "$ok"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int x9 "02:42" 0 "$ok"
expect_error org.arca.Error.UnknownOption start_relay 5009 br-int x9 "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/r9.sock\"], \"Tag\": [\"u\", 5]}"
expect_error org.arca.Error.InvalidArgument start_relay 5009 br-int x9 "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/r9.sock\"], \"Backend\": [\"s\", \"vpp\"]}"
expect_error org.arca.Error.PortInUse start_relay 5009 br-int x9 "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/r1.sock\"]}"
expect_error org.arca.Error.AccessDenied \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/bus-call.py" \
	"$ADDR" $M StartRelay 'usssua{sv}' 5009 br-int x9 "" 0 "$ok"
expect_error org.arca.Error.AccessDenied \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/bus-call.py" "$ADDR" $M StopRelay u 5001
setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/bus-call.py" "$ADDR" $M ListRelays "" \
	| matches "\"$PORT\"" || fail "reading is for everyone"
out=$(bus_call "$ADDR" $M ListRelays "")
[ "$out" = "[[5001, \"br-int\", \"$PORT\", \"02:42:ac:12:00:02\", 100, \"connected\", \"/org/arca/Relay1/relay/5001\"]]" ] \
	|| fail "ListRelays: $out"
! has_port x9 || fail "a refused StartRelay made a port"

say "ovs-vsctl failing: named in LastError, the relay keeps listening and retries"
ovs-vsctl --db="$OVS_DB" add-br br-gone -- set bridge br-gone datapath_type=netdev
start_relay 5002 br-gone "u$ID" "" 0 "{\"Listen\": [\"s\", \"$TMP/r2.sock\"]}" >/dev/null
ovs-vsctl --db="$OVS_DB" del-br br-gone
start_host h3 "$TMP/r2.sock" 10.55.0.9 02:42:ac:12:00:09
wait_for "the failure recorded" sh -c "$PY $LIB/bus-call.py $ADDR org.arca.Relay1 /org/arca/Relay1/relay/5002 \
	org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay LastError | grep -q br-gone"
echo "   LastError: $(prop 5002 LastError)"
wait_for "relay 5002 listening again" prop_is 5002 State '"listening"'
grep -q "ovs-vsctl failed to add port u$ID to br-gone" "$TMP/arca-relayd.log" || fail "the failure is not in the log"
stop_host h3

say "the served interfaces match their contract in dbus/"
check_contract "$ADDR" /org/arca/Relay1 org.arca.Relay1.Manager
check_contract "$ADDR" /org/arca/Relay1/relay/5001 org.arca.Relay1.Relay

say "kill -9 with a port up; the next daemon deletes the stale port and starts the relays again"
kill -9 "$arca_relayd_PID"
wait "$arca_relayd_PID" 2>/dev/null || true
stop_host h1
has_port "$PORT" || fail "expected the killed daemon's port to be left for the sweep"
start_relayd --log-level=debug
! has_port "$PORT" || fail "the stale port $PORT was not deleted at start-up"
grep -q "Deleted stale port $PORT" "$TMP/arca-relayd.log" || fail "the sweep was not logged"
prop_is 5001 State '"listening"' || fail "relay 5001 did not come back from the state: $(prop 5001 State)"
[ "$(prop 5001 VLAN)" = 100 ] || fail "relay 5001 came back with VLAN $(prop 5001 VLAN)"
start_host h1 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "the host reconnected to relay 5001" prop_is 5001 State '"connected"'
has_port "$PORT" || fail "the reconnected host got no port"
stop_host h1
wait_for "the port deleted after the host left" sh -c "! ovs-vsctl --db=$OVS_DB list-ports br-int | grep -qx $PORT"
for port in $(bus_call "$ADDR" $M ListRelays "" | grep -o '/org/arca/Relay1/relay/[0-9]*' | sed 's|.*/||'); do
	bus_call "$ADDR" $M StopRelay u "$port" >/dev/null
done

say "Backend=bridge: a TAP port on a Linux bridge"
ip -n "$HELPER" link add "lb$ID" type bridge
ip -n "$HELPER" link set "lb$ID" up
add_peer_ns "arca-pc-$ID" 10.56.0.1/24
ip -n "$HELPER" link set "$PEER_PORT" master "lb$ID"
start_relay 5003 "lb$ID" "b$ID" 02:42:ac:12:00:03 0 \
	"{\"Listen\": [\"s\", \"$TMP/r3.sock\"], \"Backend\": [\"s\", \"bridge\"], \"TxQueueLength\": [\"u\", 2500]}" >/dev/null
expect_error org.arca.Error.NoSuchBridge start_relay 5004 "$PEER_PORT" "c$ID" "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/r4.sock\"], \"Backend\": [\"s\", \"bridge\"]}"
start_host h4 "$TMP/r3.sock" 10.56.0.2 02:42:ac:12:00:03
wait_for "relay 5003 connected" prop_is 5003 State '"connected"'
ip -n "$HELPER" link show "b$ID" | matches "master lb$ID" || fail "b$ID is not a port of lb$ID"
ip -n "$HELPER" link show "b$ID" | matches "qlen 2500" || fail "b$ID's queue is not the TxQueueLength given"
! ip -n "$HELPER" addr show "b$ID" | matches inet6 || fail "the helper has an IPv6 address on b$ID"
ip netns exec "arca-pc-$ID" ping -c 2 -i 0.2 -W 2 10.56.0.2 >/dev/null || fail "ping over the Linux bridge failed"
stop_host h4
wait_for "bridge port deleted" sh -c "! ip -n $HELPER link show b$ID"

say "StopRelay deletes the port; stopping twice is an error"
start_relay 5001 br-int "$PORT" 02:42:ac:12:00:02 100 "{\"Listen\": [\"s\", \"$TMP/r1.sock\"]}" >/dev/null
start_host h1 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "relay 5001 connected" prop_is 5001 State '"connected"'
bus_call "$ADDR" $M StopRelay u 5001 >/dev/null
! has_port "$PORT" || fail "StopRelay left the port"
expect_error org.arca.Error.NoSuchRelay bus_call "$ADDR" $M StopRelay u 5001
stop_host h1

say "SIGTERM with a host connected deletes the port"
start_relay 5001 br-int "$PORT" 02:42:ac:12:00:02 100 "{\"Listen\": [\"s\", \"$TMP/r1.sock\"]}" >/dev/null
start_host h1 "$TMP/r1.sock" 10.55.0.2 02:42:ac:12:00:02
wait_for "relay 5001 connected" prop_is 5001 State '"connected"'
kill -TERM "$arca_relayd_PID"
wait "$arca_relayd_PID" || fail "arca-relayd exited with $? on SIGTERM"
! has_port "$PORT" || fail "SIGTERM left the port"
[ -z "$(ls "$TMP/state")" ] || fail "state left after a clean stop: $(ls "$TMP/state")"
stop_host h1
echo "PASS"
