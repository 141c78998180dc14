#!/usr/bin/env bash
# Restarting arca-forwarderd loses no network: with a service manager's fd
# store the device, listener and host connection survive and a running
# ping goes on with no reconnect; without one (kill -9, then a plain
# start), the networks come back from the state directory and the host
# reconnects. Also socket activation: the D-Bus socket is passed in.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping busctl
[ -x "$BUILD/src/forwarderd/arca-forwarderd" ] || fail "arca-forwarderd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

make_tmpdir
NS=arca-rst-$ID
make_netns "$NS"
M="org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager"
ADDR=p2p:unix:path=$TMP/bus.sock
prop() {
	bus_call "$ADDR" org.arca.Forwarder1 "/org/arca/Forwarder1/network/$1" \
		org.freedesktop.DBus.Properties Get ss org.arca.Forwarder1.Network "$2"
}
prop_is() { [ "$(prop "$1" "$2")" = "$3" ]; }
daemon_pid() { cat "$TMP/sm/pid"; }

say "arca-forwarderd under a service manager, its D-Bus socket passed in (fd name 'bus')"
mkdir -p "$TMP/sm"
start_daemon service-manager "$PY" "$LIB/service-manager.py" --dir "$TMP/sm" --listen "$TMP/bus.sock:bus" -- \
	ip netns exec "$NS" "$BUILD/src/forwarderd/arca-forwarderd" --state-dir="$TMP/state" --log-level=debug
show_log_on_failure "$TMP/service-manager.log"
wait_for "READY=1" test -e "$TMP/sm/ready"
grep -q "Serving D-Bus peer-to-peer on the passed socket" "$TMP/service-manager.log" \
	|| fail "the daemon did not use the passed D-Bus socket"

bus_call "$ADDR" $M AttachNetwork 'sussua{sv}' eth0 5000 10.66.0.2 10.66.0.1 24 \
	"{\"Listen\": [\"s\", \"$TMP/eth0.sock\"]}" >/dev/null
mac=$(ip netns exec "$NS" cat /sys/class/net/eth0/address)
"$PY" "$LIB/frame-peer.py" --connect "$TMP/eth0.sock" --ip 10.66.0.1 --ping-container 10.66.0.2 "$mac" \
	>"$TMP/peer.out" &
PEER=$!
on_exit "kill $PEER"
wait_for "the host" prop_is eth0 State '"connected"'
wait_for "the connection in the fd store" grep -q "keeps conn-eth0" "$TMP/service-manager.log"
ifindex=$(ip netns exec "$NS" cat /sys/class/net/eth0/ifindex)

say "restart during a ping: the ping goes on, the host does not reconnect"
old=$(daemon_pid)
ip netns exec "$NS" ping -c 60 -i 0.05 -W 1 10.66.0.1 >"$TMP/ping.out" &
PING=$!
sleep 1
kill -HUP "$service_manager_PID"
wait_for "a new daemon" sh -c "[ \"\$(cat $TMP/sm/pid)\" != $old ] && test -e $TMP/sm/ready"
wait "$PING" || true
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$TMP/ping.out")
echo "   ping: $received of 60 replies across the restart"
[ "${received:-0}" -ge 50 ] || fail "the restart lost the link: $(tail -3 "$TMP/ping.out")"
grep -q "eth0: restored, connected" "$TMP/service-manager.log" || fail "the connection was not adopted"
[ "$(grep -c '^connected' "$TMP/peer.out")" -eq 1 ] || fail "the host had to reconnect"
kill -0 "$PEER" || fail "the host's connection was dropped"
[ "$(ip netns exec "$NS" cat /sys/class/net/eth0/ifindex)" = "$ifindex" ] || fail "the device was made anew"
prop_is eth0 State '"connected"' || fail "eth0 is not connected after the restart"

say "restart while the host has sent half a frame: it arrives whole, the counters go on"
counters() { for c in FramesFromHost FramesToHost Connections; do prop eth0 $c; done | tr '\n' ' '; }
read -r from_before to_before connections_before <<<"$(counters)"
old=$(daemon_pid)
kill -USR1 "$PEER"
sleep 0.5
kill -HUP "$service_manager_PID"
wait_for "a new daemon" sh -c "[ \"\$(cat $TMP/sm/pid)\" != $old ] && test -e $TMP/sm/ready"
grep -q "eth0: restored, connected" "$TMP/service-manager.log" || fail "the connection was not adopted"
kill -USR2 "$PEER"
wait_for "the container's answer to the request cut by the restart" grep -qx "echo-reply 1" "$TMP/peer.out"
read -r from_after to_after connections_after <<<"$(counters)"
echo "   frames from the host $from_before -> $from_after, to it $to_before -> $to_after"
[ "$from_after" -gt "$from_before" ] && [ "$to_after" -gt "$to_before" ] \
	|| fail "the counters went back or stood still across the restart"
[ "$connections_after" = "$connections_before" ] || fail "Connections $connections_before -> $connections_after"
prop_is eth0 ProtocolErrors 0 || fail "the daemon saw the framing broken: $(prop eth0 ProtocolErrors)"
[ "$(grep -c '^connected' "$TMP/peer.out")" -eq 1 ] || fail "the host had to reconnect"

say "stop: with the service manager gone, its fd store closes and the device goes"
kill -TERM "$service_manager_PID"
wait "$service_manager_PID" || fail "the daemon did not exit cleanly on SIGTERM"
wait_for "eth0 gone" sh -c "! ip -n $NS link show eth0"
wait "$PEER" 2>/dev/null || true

say "no service manager: kill -9, start again, the network comes back from the state"
ADDR=p2p:unix:path=$TMP/bus2.sock
start_daemon forwarderd ip netns exec "$NS" "$BUILD/src/forwarderd/arca-forwarderd" \
	--bus="$TMP/bus2.sock" --state-dir="$TMP/state"
wait_for "the restored eth0" prop_is eth0 State '"listening"'
ip -n "$NS" -4 addr show eth0 | matches "10.66.0.2/24" || fail "the restored eth0 lacks its address"
say "a dual-stack network, then kill -9 and a start: it comes back with both families"
bus_call "$ADDR" $M AttachNetwork 'sussua{sv}' eth1 5001 "" "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/eth1.sock\"], \"Addresses\": [\"as\", [\"fd00:66::2/64\", \"10.67.0.2/24\"]],
	  \"Gateways\": [\"as\", [\"fd00:66::1\", \"10.67.0.1\"]], \"IPv6LinkLocal\": [\"b\", false]}" >/dev/null
dual_stack_is_whole() {
	ip -n "$NS" -6 addr show eth1 | grep "inet6 fd00:66::2/64" | matches nodad \
		|| fail "$1: eth1 lacks fd00:66::2/64 without DAD: $(ip -n "$NS" -6 addr show eth1)"
	ip -n "$NS" -4 addr show eth1 | matches "inet 10.67.0.2/24" || fail "$1: eth1 lacks 10.67.0.2/24"
	ip -n "$NS" -6 route show default | matches "via fd00:66::1 dev eth1" || fail "$1: eth1 has no IPv6 default route"
	ip -n "$NS" route show default | matches "via 10.67.0.1 dev eth1" || fail "$1: eth1 has no IPv4 default route"
	prop_is eth1 Address '"fd00:66::2"' && prop_is eth1 Addresses '["10.67.0.2/24"]' \
		&& prop_is eth1 Gateways '["10.67.0.1"]' && prop_is eth1 IPv6LinkLocal false \
		|| fail "$1: eth1's settings: $(prop eth1 Address) $(prop eth1 Addresses) $(prop eth1 Gateways)"
}
dual_stack_is_whole "attached"
kill -9 "$forwarderd_PID"
wait "$forwarderd_PID" 2>/dev/null || true
wait_for "eth0 gone with the killed daemon" sh -c "! ip -n $NS link show eth0"
start_daemon forwarderd2 ip netns exec "$NS" "$BUILD/src/forwarderd/arca-forwarderd" \
	--bus="$TMP/bus2.sock" --state-dir="$TMP/state"
show_log_on_failure "$TMP/forwarderd2.log"
wait_for "eth0 back after kill -9" prop_is eth0 State '"listening"'
wait_for "eth1 back after kill -9" prop_is eth1 State '"listening"'
dual_stack_is_whole "restored"
expect 1 "<3>Another arca-forwarderd keeps its state in $TMP/state; give this one another --state-dir=." \
	ip netns exec "$NS" "$BUILD/src/forwarderd/arca-forwarderd" --bus="$TMP/bus3.sock" --state-dir="$TMP/state"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/eth0.sock" --ip 10.66.0.1 >"$TMP/peer2.out" &
on_exit "kill $!"
wait_for "the host reconnects" prop_is eth0 State '"connected"'
ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 10.66.0.1 >/dev/null || fail "ping after kill -9 and start failed"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/eth1.sock" --ip fd00:66::1 --ip 10.67.0.1 >"$TMP/peer3.out" &
on_exit "kill $!"
wait_for "a host on the restored eth1" prop_is eth1 State '"connected"'
ip netns exec "$NS" ping -6 -c 2 -i 0.2 -W 2 fd00:66::1 >/dev/null || fail "ping -6 over the restored eth1 failed"
ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 10.67.0.1 >/dev/null || fail "ping over the restored eth1 failed"
ip -n "$NS" -6 addr show eth1 scope link | matches inet6 && fail "the restored eth1 has a link-local address"

say "a clean stop without a service manager detaches everything: nothing comes back"
kill -TERM "$forwarderd2_PID"
wait "$forwarderd2_PID" || fail "SIGTERM exit status $?"
[ -z "$(ls "$TMP/state")" ] || fail "state left after a clean stop: $(ls "$TMP/state")"
echo "PASS"
