#!/usr/bin/env bash
# Restarting arca-relayd loses no relay: with a service manager's fd store
# the listener, the host's connection and the port's socket survive, the
# Open vSwitch port and the Linux bridge port stay the same devices, and a
# ping through the relay goes on with no reconnect. When the service
# manager goes, a plain start finds the relays in the state directory,
# deletes the ports left behind, and the host reconnects.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ovs.sh"
require_root
require_tools ip ping
[ -x "$BUILD/src/relayd/arca-relayd" ] || fail "arca-relayd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

make_tmpdir
HELPER=arca-rrh-$ID
make_netns "$HELPER"
start_ovs "$HELPER" >/dev/null 2>&1
add_ovs_bridge br-int
add_ovs_peer br-int "arca-rrp-$ID" 10.65.0.1/24
ip -n "$HELPER" link add lb0 type bridge
ip -n "$HELPER" link set lb0 up
add_peer_ns "arca-rrq-$ID" 10.64.0.1/24
ip -n "$HELPER" link set "$PEER_PORT" master lb0

M="org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager"
ADDR=p2p:unix:path=$TMP/bus.sock
OVS_PORT=ro$ID BR_PORT=rb$ID
prop() {
	bus_call "$ADDR" org.arca.Relay1 "/org/arca/Relay1/relay/$1" \
		org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay "$2"
}
prop_is() { [ "$(prop "$1" "$2")" = "$3" ]; }
daemon_pid() { cat "$TMP/sm/pid"; }
ofport() { ovs-vsctl --db="$OVS_DB" get Interface "$OVS_PORT" ofport; }
ifindex() { ip netns exec "$HELPER" cat "/sys/class/net/$1/ifindex"; }
has_port() { ovs-vsctl --db="$OVS_DB" list-ports br-int | matches -x "$OVS_PORT"; }

say "arca-relayd under a service manager; relay 5001 to Open vSwitch, 5002 to a Linux bridge"
mkdir -p "$TMP/sm"
start_daemon service-manager "$PY" "$LIB/service-manager.py" --dir "$TMP/sm" --listen "$TMP/bus.sock:bus" -- \
	ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" --ovs-db="$OVS_DB" \
	--state-dir="$TMP/state" --log-level=debug
show_log_on_failure "$TMP/service-manager.log"
wait_for "READY=1" test -e "$TMP/sm/ready"
bus_call "$ADDR" $M StartRelay 'usssua{sv}' 5001 br-int "$OVS_PORT" 02:42:ac:12:00:05 0 \
	"{\"Listen\": [\"s\", \"$TMP/r1.sock\"]}" >/dev/null
bus_call "$ADDR" $M StartRelay 'usssua{sv}' 5002 lb0 "$BR_PORT" 02:42:ac:12:00:06 0 \
	"{\"Listen\": [\"s\", \"$TMP/r2.sock\"], \"Backend\": [\"s\", \"bridge\"]}" >/dev/null
"$PY" "$LIB/frame-peer.py" --connect "$TMP/r1.sock" --ip 10.65.0.2 --mac 02:42:ac:12:00:05 >"$TMP/host1.out" &
HOST1=$!
on_exit "kill $HOST1"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/r2.sock" --ip 10.64.0.2 --mac 02:42:ac:12:00:06 >"$TMP/host2.out" &
HOST2=$!
on_exit "kill $HOST2"
wait_for "relay 5001 connected" prop_is 5001 State '"connected"'
wait_for "relay 5002 connected" prop_is 5002 State '"connected"'
wait_for "the port's socket in the fd store" grep -q "keeps dev-5001" "$TMP/service-manager.log"
wait_for "the host's connection in the fd store" grep -q "keeps conn-5002" "$TMP/service-manager.log"
ip netns exec "arca-rrp-$ID" ping -c 2 -i 0.2 -W 2 10.65.0.2 >/dev/null || fail "no ping through relay 5001"
ofport_before=$(ofport) ovs_ifindex=$(ifindex "$OVS_PORT") br_ifindex=$(ifindex "$BR_PORT")

say "restart during pings through both relays: they go on, no host reconnects"
old=$(daemon_pid)
ip netns exec "arca-rrp-$ID" ping -c 60 -i 0.05 -W 1 10.65.0.2 >"$TMP/ping1.out" &
PING1=$!
ip netns exec "arca-rrq-$ID" ping -c 60 -i 0.05 -W 1 10.64.0.2 >"$TMP/ping2.out" &
PING2=$!
sleep 1
kill -HUP "$service_manager_PID"
wait_for "a new daemon" sh -c "[ \"\$(cat $TMP/sm/pid)\" != $old ] && test -e $TMP/sm/ready"
wait "$PING1" || true
wait "$PING2" || true
for n in 1 2; do
	received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/ping$n.out")
	echo "   relay 500$n: $received of 60 replies across the restart"
	[ "${received:-0}" -ge 50 ] || fail "the restart lost relay 500$n: $(tail -3 "$TMP/ping$n.out")"
done
grep -q "relay 5001: restored, connected" "$TMP/service-manager.log" || fail "relay 5001 was not adopted connected"
grep -q "relay 5002: restored, connected" "$TMP/service-manager.log" || fail "relay 5002 was not adopted connected"
[ "$(grep -c '^connected' "$TMP/host1.out")" -eq 1 ] || fail "host 1 had to reconnect"
[ "$(grep -c '^connected' "$TMP/host2.out")" -eq 1 ] || fail "host 2 had to reconnect"
kill -0 "$HOST1" && kill -0 "$HOST2" || fail "a host's connection was dropped"
[ "$(ofport)" = "$ofport_before" ] || fail "the OVS port was made anew (ofport $ofport_before -> $(ofport))"
[ "$(ifindex "$OVS_PORT")" = "$ovs_ifindex" ] || fail "the OVS port's device was made anew"
[ "$(ifindex "$BR_PORT")" = "$br_ifindex" ] || fail "the bridge port was made anew"
! grep -q "Deleted stale port $OVS_PORT" "$TMP/service-manager.log" || fail "the sweep deleted an adopted port"
prop_is 5001 State '"connected"' || fail "relay 5001 is not connected after the restart"

say "a new host on a restarted relay: the listener was adopted too"
kill "$HOST2"
wait "$HOST2" 2>/dev/null || true
wait_for "the bridge port gone with its host" sh -c "! ip -n $HELPER link show $BR_PORT"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/r2.sock" --ip 10.64.0.2 --mac 02:42:ac:12:00:06 >"$TMP/host3.out" &
on_exit "kill $!"
wait_for "relay 5002 connected again" prop_is 5002 State '"connected"'
ip netns exec "arca-rrq-$ID" ping -c 2 -i 0.2 -W 2 10.64.0.2 >/dev/null || fail "no ping through relay 5002 after a reconnect"

say "the service manager goes: its fd store closes; a plain start restores the relays and sweeps"
kill -TERM "$service_manager_PID"
wait "$service_manager_PID" || fail "the daemon did not exit cleanly on SIGTERM"
wait_for "the bridge port gone with the fd store" sh -c "! ip -n $HELPER link show $BR_PORT"
wait "$HOST1" 2>/dev/null || true
has_port || fail "expected the OVS port to wait for the next start's sweep"
ADDR=p2p:unix:path=$TMP/bus2.sock
start_daemon relayd ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" --ovs-db="$OVS_DB" \
	--bus="$TMP/bus2.sock" --state-dir="$TMP/state"
show_log_on_failure "$TMP/relayd.log"
wait_for "relay 5001 back from the state" prop_is 5001 State '"listening"'
prop_is 5002 State '"listening"' || fail "relay 5002 did not come back: $(prop 5002 State)"
! has_port || fail "the port left by the fd store's close was not swept"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/r1.sock" --ip 10.65.0.2 --mac 02:42:ac:12:00:05 >"$TMP/host4.out" &
on_exit "kill $!"
wait_for "the host reconnects" prop_is 5001 State '"connected"'
ip netns exec "arca-rrp-$ID" ping -c 2 -i 0.2 -W 2 10.65.0.2 >/dev/null || fail "no ping after the plain start"

say "a clean stop without a service manager: ports deleted, nothing comes back"
kill -TERM "$relayd_PID"
wait "$relayd_PID" || fail "SIGTERM exit status $?"
! has_port || fail "SIGTERM left the OVS port"
[ -z "$(ls "$TMP/state")" ] || fail "state left after a clean stop: $(ls "$TMP/state")"
echo "PASS"
