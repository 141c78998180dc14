#!/usr/bin/env bash
# The demo: arca-forwarderd in a "container" network namespace attaches
# eth0; a host stand-in connects to the network's socket, speaking length32
# frames, and answers for the gateway; the container pings the gateway
# through the daemon, and the daemon's counters show the frames.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping busctl

make_tmpdir
NS=arca-demo-$ID
make_netns "$NS"
BUS=$TMP/forwarder.bus
B=(busctl --address="unix:path=$BUS")
M=(org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager)

say "starting arca-forwarderd in namespace $NS (D-Bus peer-to-peer on $BUS)"
start_daemon forwarderd ip netns exec "$NS" "$BUILD/src/forwarderd/arca-forwarderd" --bus="$BUS" --state-dir="$TMP/state"
show_log_on_failure "$TMP/forwarderd.log"
wait_for "arca-forwarderd" "${B[@]}" call "${M[@]}" GetStatus

say "AttachNetwork eth0 10.88.0.2/24 via 10.88.0.1, host side on $TMP/eth0.sock"
"${B[@]}" call "${M[@]}" AttachNetwork 'sussua{sv}' eth0 5000 10.88.0.2 10.88.0.1 24 \
	2 Listen s "$TMP/eth0.sock" MAC s 02:42:ac:12:00:02
ip -n "$NS" -br addr show eth0

say "the host connects"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/eth0.sock" --ip 10.88.0.1 >"$TMP/peer.out" &
PEER=$!
on_exit "kill $PEER"
wait_for "the host" sh -c "${B[*]} get-property org.arca.Forwarder1 /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network State | grep -q connected"

say "ping from the container to the gateway, across arca-forwarderd"
ip netns exec "$NS" ping -c 5 -i 0.2 10.88.0.1

say "the daemon's view"
"${B[@]}" call "${M[@]}" ListNetworks
"${B[@]}" call "${M[@]}" GetStatus
"${B[@]}" introspect org.arca.Forwarder1 /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network \
	| grep -E 'State|Frames|Bytes|Peer|Connections'
echo "demo: done"
