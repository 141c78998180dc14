#!/usr/bin/env bash
# Framing=vnet through the whole chain: the container's TAP and the relay's
# port carry virtio net headers, so TCP crosses the host's stream as 64 KiB
# segments with their checksums still to be done. Data must arrive intact
# both ways, and the counters must show frames larger than any MTU.
#
#   container ns                        helper ns
#   eth0 (TAP, vnet) -- forwarderd == unix == relayd -- lb0 (Linux bridge) -- peer ns
#   eth1 (TAP, vnet) -- forwarderd == unix == relayd -- br-int (OVS) -- peer ns
#
# The relay's device is a TAP (IFF_VNET_HDR) on the Linux bridge and an
# AF_PACKET socket (PACKET_VNET_HDR) on Open vSwitch's internal port.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ovs.sh"
require_root
require_tools ip ping socat sha256sum
[ -x "$BUILD/src/forwarderd/arca-forwarderd" ] || fail "arca-forwarderd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

make_tmpdir
CTR=arca-ctr-$ID
HELPER=arca-hlp-$ID
PEER=arca-peer-$ID
make_netns "$CTR"
make_netns "$HELPER"
make_netns "$PEER"
FW=unix:path=$TMP/forwarder.bus
RL=unix:path=$TMP/relay.bus
FWM="org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager"
RLM="org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager"
NET=/org/arca/Forwarder1/network/eth0
REL=/org/arca/Relay1/relay/5001
net_prop() { bus_call "$FW" org.arca.Forwarder1 $NET org.freedesktop.DBus.Properties Get ss org.arca.Forwarder1.Network "$1"; }
rel_prop() { bus_call "$RL" org.arca.Relay1 $REL org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay "$1"; }

say "helper: a Linux bridge with a peer at 10.97.0.1"
ip -n "$HELPER" link add lb0 type bridge
ip -n "$HELPER" link set lb0 up
ip link add "pv$ID" netns "$HELPER" type veth peer name eth0 netns "$PEER"
ip -n "$HELPER" link set "pv$ID" master lb0 up
ip -n "$PEER" addr add 10.97.0.1/24 dev eth0
ip -n "$PEER" link set eth0 up

HAVE_OVS=1
command -v ovs-vswitchd >/dev/null && [ -f /usr/share/openvswitch/vswitch.ovsschema ] || HAVE_OVS=0
if [ "$HAVE_OVS" = 1 ]; then
	say "helper: Open vSwitch (userspace datapath), br-int with a peer at 10.96.0.1"
	start_ovs "$HELPER" >/dev/null 2>&1
	add_ovs_bridge br-int
	add_ovs_peer br-int "arca-opeer-$ID" 10.96.0.1/24
	OVS_ARGS=(--ovs-db="$OVS_DB")
else
	echo "   (the Open vSwitch half is skipped: no Open vSwitch here; scripts/install-deps installs it)"
	OVS_ARGS=()
fi

say "both daemons with Framing=vnet"
start_daemon relayd ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" --bus="$TMP/relay.bus" --state-dir="$TMP/relay-state" "${OVS_ARGS[@]}"
show_log_on_failure "$TMP/relayd.log"
start_daemon forwarderd ip netns exec "$CTR" "$BUILD/src/forwarderd/arca-forwarderd" \
	--bus="$TMP/forwarder.bus" --state-dir="$TMP/state"
show_log_on_failure "$TMP/forwarderd.log"
wait_for arca-relayd bus_call "$RL" $RLM GetStatus ""
wait_for arca-forwarderd bus_call "$FW" $FWM GetStatus ""

expect_error org.arca.Error.InvalidArgument bus_call "$FW" $FWM AttachNetwork 'sussua{sv}' \
	eth9 5009 10.97.0.9 "" 24 '{"Framing": ["s", "virtio"]}'
expect_error org.arca.Error.InvalidArgument bus_call "$RL" $RLM StartRelay 'usssua{sv}' \
	5009 lb0 "" "" 0 '{"Framing": ["s", "virtio"]}'

bus_call "$RL" $RLM StartRelay 'usssua{sv}' 5001 lb0 "vn$ID" "" 0 \
	"{\"Listen\": [\"s\", \"$TMP/relay.sock\"], \"Backend\": [\"s\", \"bridge\"], \"Framing\": [\"s\", \"vnet\"]}" >/dev/null
bus_call "$FW" $FWM AttachNetwork 'sussua{sv}' eth0 5000 10.97.0.2 10.97.0.1 24 \
	"{\"Listen\": [\"s\", \"$TMP/forwarder.sock\"], \"Framing\": [\"s\", \"vnet\"]}" >/dev/null
[ "$(net_prop Framing)" = '"vnet"' ] || fail "the network's Framing is $(net_prop Framing)"
[ "$(rel_prop Framing)" = '"vnet"' ] || fail "the relay's Framing is $(rel_prop Framing)"

say "host: socat splices the two streams"
socat "UNIX-CONNECT:$TMP/forwarder.sock" "UNIX-CONNECT:$TMP/relay.sock" &
on_exit "kill $!"
wait_for "the relay connected" sh -c "$PY $LIB/bus-call.py $RL org.arca.Relay1 $REL org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay State | grep -q connected"
wait_for "the network connected" sh -c "$PY $LIB/bus-call.py $FW org.arca.Forwarder1 $NET org.freedesktop.DBus.Properties Get ss org.arca.Forwarder1.Network State | grep -q connected"
ip -n "$CTR" -d link show eth0 >/dev/null

say "ping"
ip netns exec "$CTR" ping -c 3 -i 0.2 -W 2 10.97.0.1 >/dev/null || fail "ping across the chain failed"

# transfer FROM_NS TO_NS TO_IP: 32 MiB of random bytes over TCP, checked.
transfer() {
	local from=$1 to=$2 ip=$3
	head -c 32M /dev/urandom >"$TMP/send"
	rm -f "$TMP/recv"
	ip netns exec "$to" socat -u TCP-LISTEN:7000,reuseaddr "CREATE:$TMP/recv" &
	local listener=$!
	wait_for "the receiver" ip netns exec "$to" sh -c "ss -ltn | grep -q :7000"
	timeout 60 ip netns exec "$from" socat -u "OPEN:$TMP/send" "TCP:$ip:7000" \
		|| fail "the transfer $from -> $to failed"
	wait "$listener" || fail "the receiver in $to failed"
	[ "$(sha256sum <"$TMP/send")" = "$(sha256sum <"$TMP/recv")" ] \
		|| fail "the data arrived changed ($from -> $to)"
}

counter() { net_prop "$1" | tr -d '"'; }

# both_ways PEER_NS PEER_IP CONTAINER_IP: the transfers, and large frames
# from the container on $NET.
both_ways() {
	local before_frames before_bytes frames bytes
	before_frames=$(counter FramesToHost) before_bytes=$(counter BytesToHost)
	transfer "$CTR" "$1" "$2"
	frames=$(($(counter FramesToHost) - before_frames))
	bytes=$(($(counter BytesToHost) - before_bytes))
	echo "   to host: $frames frames, $bytes bytes, $((bytes / frames)) bytes per frame"
	[ $((bytes / frames)) -gt 3000 ] || fail "no large segments crossed: $((bytes / frames)) bytes per frame"
	transfer "$1" "$CTR" "$3"
}

say "Linux bridge: 32 MiB from the container to the peer, and back"
both_ways "$PEER" 10.97.0.1 10.97.0.2

if command -v iperf3 >/dev/null; then
	say "iperf3 TCP from the container to the peer, 2 seconds"
	ip netns exec "$PEER" iperf3 -s -1 -D -p 5201 --pidfile "$TMP/iperf3.pid"
	on_exit "kill \$(cat $TMP/iperf3.pid 2>/dev/null) 2>/dev/null"
	wait_for "iperf3 server" ip netns exec "$PEER" sh -c "ss -ltn | grep -q :5201"
	ip netns exec "$CTR" iperf3 -c 10.97.0.1 -p 5201 -t 2 -f m | grep -E "sender|receiver" \
		|| fail "iperf3 across the chain failed"
fi

for p in ProtocolErrors ErrorsToHost ErrorsFromHost; do
	[ "$(counter "$p")" = 0 ] || fail "the network's $p is $(counter "$p")"
done

if [ "$HAVE_OVS" = 1 ]; then
	say "Open vSwitch: relay 5002 to br-int, eth1 in the container"
	bus_call "$RL" $RLM StartRelay 'usssua{sv}' 5002 br-int "vo$ID" "" 0 \
		"{\"Listen\": [\"s\", \"$TMP/relay2.sock\"], \"Framing\": [\"s\", \"vnet\"]}" >/dev/null
	bus_call "$FW" $FWM AttachNetwork 'sussua{sv}' eth1 5002 10.96.0.2 "" 24 \
		"{\"Listen\": [\"s\", \"$TMP/forwarder2.sock\"], \"Framing\": [\"s\", \"vnet\"]}" >/dev/null
	socat "UNIX-CONNECT:$TMP/forwarder2.sock" "UNIX-CONNECT:$TMP/relay2.sock" &
	on_exit "kill $!"
	NET=/org/arca/Forwarder1/network/eth1 REL=/org/arca/Relay1/relay/5002
	wait_for "the OVS relay connected" sh -c "$PY $LIB/bus-call.py $RL org.arca.Relay1 $REL org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay State | grep -q connected"
	ip netns exec "$CTR" ping -c 3 -i 0.2 -W 2 10.96.0.1 >/dev/null || fail "ping across Open vSwitch failed"
	say "Open vSwitch: 32 MiB from the container to the peer, and back"
	both_ways "arca-opeer-$ID" 10.96.0.1 10.96.0.2
	for p in ProtocolErrors ErrorsToHost ErrorsFromHost; do
		[ "$(counter "$p")" = 0 ] || fail "eth1's $p is $(counter "$p")"
	done
fi
echo "test-vnet: done"
