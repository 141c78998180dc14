#!/usr/bin/env bash
# The demo: the whole data path in namespaces.
#
#   container ns                host (socat)            helper ns
#   eth0 (TAP) -- arca-forwarderd == unix == arca-relayd -- OVS br-int -- peer ns
#
# arca-forwarderd attaches eth0 in the "container"; arca-relayd relays to an
# OVS port on br-int in the "helper", where a peer sits on the same network;
# socat splices the two daemons' sockets as the host does with vsock. The
# network is dual-stack: a ping and a ping -6 at once and TCP transfers
# both ways (iperf3, and 32 MiB over IPv4 and over IPv6, checked by sha256)
# cross the chain; arcactl shows both daemons' view,
# and the frames one daemon sent must be the frames the other received.
#
# With OVS_USERSPACE_TSO=1 (the test demo-ovs-tso), Open vSwitch passes TCP
# segments of up to 64 KiB whole: the relay gets them from its port and
# cuts them for the length32 stream, as the forwarder does its TAP's.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ovs.sh"
require_root
require_tools ip ping busctl socat

make_tmpdir
CTR=arca-ctr-$ID
HELPER=arca-hlp-$ID
PEER=arca-peer-$ID
make_netns "$CTR"
make_netns "$HELPER"
FW=(busctl --address="unix:path=$TMP/forwarder.bus")
RL=(busctl --address="unix:path=$TMP/relay.bus")
FWM=(org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager)
RLM=(org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager)

say "helper: Open vSwitch (userspace datapath$([ "${OVS_USERSPACE_TSO:-0}" = 0 ] || echo ", userspace TSO")) with br-int, a peer at 10.99.0.1 and fd00:99::1"
start_ovs "$HELPER" >/dev/null
add_ovs_bridge br-int
add_ovs_peer br-int "$PEER" 10.99.0.1/24
ip -n "$PEER" addr add fd00:99::1/64 dev eth0 nodad

say "helper: arca-relayd, relay 5001 on br-int for the container's MAC"
start_daemon relayd ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" \
	--bus="$TMP/relay.bus" --ovs-db="$OVS_DB" --state-dir="$TMP/relay-state"
show_log_on_failure "$TMP/relayd.log"
wait_for "arca-relayd" "${RL[@]}" call "${RLM[@]}" GetStatus
"${RL[@]}" call "${RLM[@]}" StartRelay 'usssua{sv}' 5001 br-int "" 02:42:ac:12:00:02 0 \
	1 Listen s "$TMP/relay.sock"

say "container: arca-forwarderd, eth0 10.99.0.2/24 via 10.99.0.1 and fd00:99::2/64 via fd00:99::1"
start_daemon forwarderd ip netns exec "$CTR" "$BUILD/src/forwarderd/arca-forwarderd" \
	--bus="$TMP/forwarder.bus" --state-dir="$TMP/state"
show_log_on_failure "$TMP/forwarderd.log"
wait_for "arca-forwarderd" "${FW[@]}" call "${FWM[@]}" GetStatus
"${FW[@]}" call "${FWM[@]}" AttachNetwork 'sussua{sv}' eth0 5000 10.99.0.2 10.99.0.1 24 \
	4 Listen s "$TMP/forwarder.sock" MAC s 02:42:ac:12:00:02 \
	Addresses as 1 fd00:99::2/64 Gateways as 1 fd00:99::1
ip -n "$CTR" -6 addr show eth0 | grep "inet6 fd00:99::2/64" | matches nodad \
	|| fail "eth0 lacks fd00:99::2/64, usable at once: $(ip -n "$CTR" -6 addr show eth0)"
ip -n "$CTR" -6 route show default | matches "via fd00:99::1 dev eth0" || fail "eth0 has no IPv6 default route"

say "host: socat splices the container's stream to the relay's"
socat "UNIX-CONNECT:$TMP/forwarder.sock" "UNIX-CONNECT:$TMP/relay.sock" &
SPLICE=$!
on_exit "kill $SPLICE"
wait_for "the relay's port" sh -c "${RL[*]} get-property ${RLM[0]} /org/arca/Relay1/relay/5001 org.arca.Relay1.Relay State | grep -q connected"
wait_for "the container's link" sh -c "${FW[*]} get-property ${FWM[0]} /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network State | grep -q connected"

say "ping and ping -6 at once from the container to the peer on br-int"
ip netns exec "$CTR" ping -6 -c 5 -i 0.2 -W 2 fd00:99::1 >"$TMP/ping6.out" &
PING6=$!
ip netns exec "$CTR" ping -c 5 -i 0.2 -W 2 10.99.0.1 || fail "ping across the chain failed"
wait "$PING6" || fail "ping -6 across the chain failed: $(cat "$TMP/ping6.out")"
tail -2 "$TMP/ping6.out"

if command -v iperf3 >/dev/null; then
	say "iperf3 TCP from the container to the peer, 3 seconds"
	ip netns exec "$PEER" iperf3 -s -D -p 5201 --logfile "$TMP/iperf3-server.log" \
		--pidfile "$TMP/iperf3.pid"
	on_exit "kill \$(cat $TMP/iperf3.pid 2>/dev/null) 2>/dev/null"
	wait_for "iperf3 server" ip netns exec "$PEER" sh -c "ss -ltn | grep -q :5201"
	timeout 30 ip netns exec "$CTR" iperf3 -c 10.99.0.1 -p 5201 -t 3 -f m | tail -4 || fail "iperf3 across the chain failed"
	say "iperf3 TCP from the peer to the container, 3 seconds"
	timeout 30 ip netns exec "$CTR" iperf3 -c 10.99.0.1 -p 5201 -t 3 -f m -R | tail -4 \
		|| fail "iperf3 from the peer across the chain failed"
fi

if command -v socat >/dev/null; then
	# Each transfer has a minute: a chain that stalls fails, and holds
	# no test runner up.
	say "32 MiB each way over TCP, the same bytes at the other end"
	head -c 32M /dev/urandom >"$TMP/data"
	want=$(sha256sum <"$TMP/data")
	timeout 60 ip netns exec "$CTR" socat -u TCP-LISTEN:5301,reuseaddr OPEN:"$TMP/got-ctr",creat,trunc &
	wait_for "a listener in the container" ip netns exec "$CTR" sh -c "ss -ltn | grep -q :5301"
	timeout 60 ip netns exec "$PEER" socat -u OPEN:"$TMP/data" TCP:10.99.0.2:5301 || fail "sending to the container failed"
	wait $! || fail "receiving in the container failed"
	[ "$(sha256sum <"$TMP/got-ctr")" = "$want" ] || fail "the container got other bytes than the peer sent"
	timeout 60 ip netns exec "$PEER" socat -u TCP-LISTEN:5302,reuseaddr OPEN:"$TMP/got-peer",creat,trunc &
	wait_for "a listener on the peer" ip netns exec "$PEER" sh -c "ss -ltn | grep -q :5302"
	timeout 60 ip netns exec "$CTR" socat -u OPEN:"$TMP/data" TCP:10.99.0.1:5302 || fail "sending to the peer failed"
	wait $! || fail "receiving on the peer failed"
	[ "$(sha256sum <"$TMP/got-peer")" = "$want" ] || fail "the peer got other bytes than the container sent"
	echo "   sha256 matches both ways"

	say "32 MiB each way over TCP on IPv6, the same bytes at the other end"
	rm -f "$TMP/got-ctr" "$TMP/got-peer"
	timeout 60 ip netns exec "$CTR" socat -u TCP6-LISTEN:5303,reuseaddr OPEN:"$TMP/got-ctr",creat,trunc &
	wait_for "an IPv6 listener in the container" ip netns exec "$CTR" sh -c "ss -6 -ltn | grep -q :5303"
	timeout 60 ip netns exec "$PEER" socat -u OPEN:"$TMP/data" "TCP6:[fd00:99::2]:5303" || fail "sending to the container over IPv6 failed"
	wait $! || fail "receiving in the container over IPv6 failed"
	[ "$(sha256sum <"$TMP/got-ctr")" = "$want" ] || fail "the container got other bytes over IPv6 than the peer sent"
	timeout 60 ip netns exec "$PEER" socat -u TCP6-LISTEN:5304,reuseaddr OPEN:"$TMP/got-peer",creat,trunc &
	wait_for "an IPv6 listener on the peer" ip netns exec "$PEER" sh -c "ss -6 -ltn | grep -q :5304"
	timeout 60 ip netns exec "$CTR" socat -u OPEN:"$TMP/data" "TCP6:[fd00:99::1]:5304" || fail "sending to the peer over IPv6 failed"
	wait $! || fail "receiving on the peer over IPv6 failed"
	[ "$(sha256sum <"$TMP/got-peer")" = "$want" ] || fail "the peer got other bytes over IPv6 than the container sent"
	echo "   sha256 matches both ways over IPv6"
fi

ARCACTL=$BUILD/src/arcactl/arcactl
say "arca-forwarderd's view (arcactl)"
"$ARCACTL" --bus="$TMP/forwarder.bus" list
"$ARCACTL" --bus="$TMP/forwarder.bus" status eth0 | tee "$TMP/status"
grep -q "^ *fd00:99::2/64$" "$TMP/status" && grep -q "^ *fd00:99::1 (default route)$" "$TMP/status" \
	|| fail "arcactl status does not show the IPv6 address and gateway"
say "arca-relayd's view (arcactl)"
"$ARCACTL" --bus="$TMP/relay.bus" relay list
"$ARCACTL" --bus="$TMP/relay.bus" relay status 5001

# What the user sees must add up: every frame the container sent reached
# the relay (read until nothing is in flight between the two readings).
frames_sent() { "${FW[@]}" get-property ${FWM[0]} /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network FramesToHost; }
frames_got() { "${RL[@]}" get-property ${RLM[0]} /org/arca/Relay1/relay/5001 org.arca.Relay1.Relay FramesFromHost; }
frames_add_up() { [ "$(frames_sent)" = "$(frames_got)" ]; }
wait_for "the container's frames to add up at the relay: $(frames_sent) sent, $(frames_got) received" frames_add_up
[ "$(frames_sent)" != "t 0" ] || fail "no frames crossed"
# Nothing the relay's port handed over was refused: with userspace TSO,
# its 64 KiB segments were cut, not dropped.
drops=$("${RL[@]}" get-property ${RLM[0]} /org/arca/Relay1/relay/5001 org.arca.Relay1.Relay DropsToHost)
[ "$drops" = "t 0" ] || fail "the relay dropped frames from its port: DropsToHost $drops"
echo "demo: done"
