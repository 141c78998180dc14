#!/usr/bin/env bash
# The rate limit changes on a live network and a live relay, both ways, at
# once and without a reconnect, and stays across a restart: a container
# behind arca-forwarderd, a peer behind arca-relayd on a Linux bridge,
# socat splicing the two as the host does, and iperf3 between them. The
# rate is read off the daemon at the far end of the chain: the frame bytes
# it took from the host per second, which the limit counts.
#
#   container ns                host (socat)            helper ns
#   eth0 (TAP) -- arca-forwarderd == unix == arca-relayd -- bridge -- peer ns
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip socat iperf3 busctl

make_tmpdir
CTR=arca-rc-$ID
HELPER=arca-rh-$ID
PEER=arca-rp-$ID
make_netns "$CTR"
make_netns "$HELPER"
make_netns "$PEER"
ARCACTL=$BUILD/src/arcactl/arcactl
fw() { "$ARCACTL" --bus="$TMP/forwarder.bus" "$@"; }
rl() { "$ARCACTL" --bus="$TMP/relay.bus" "$@"; }
MAC=02:42:ac:13:00:02
NET=/org/arca/Forwarder1/network/eth0
REL=/org/arca/Relay1/relay/6001
# A window long enough that one bucket's burst (a tenth of a second of
# the rate) stays well inside the tolerance.
WINDOW_SEC=3
TOLERANCE_PCT=10

fw_prop() {
	busctl --address="unix:path=$TMP/forwarder.bus" get-property org.arca.Forwarder1 "$NET" \
		org.arca.Forwarder1.Network "$1" | awk '{ print $2 }'
}
rl_prop() {
	busctl --address="unix:path=$TMP/relay.bus" get-property org.arca.Relay1 "$REL" \
		org.arca.Relay1.Relay "$1" | awk '{ print $2 }'
}

start_relayd() {
	start_daemon relayd ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" \
		--bus="$TMP/relay.bus" --state-dir="$TMP/relay-state"
	wait_for "arca-relayd" rl relay status
}
start_forwarderd() {
	start_daemon forwarderd ip netns exec "$CTR" "$BUILD/src/forwarderd/arca-forwarderd" \
		--bus="$TMP/forwarder.bus" --state-dir="$TMP/state"
	wait_for "arca-forwarderd" fw status
}
splice() {
	socat "UNIX-CONNECT:$TMP/forwarder.sock" "UNIX-CONNECT:$TMP/relay.sock" &
	SPLICE=$!
	on_exit "kill $SPLICE"
	wait_for "the relay connected" is_connected rl_prop
	wait_for "the network connected" is_connected fw_prop
}
is_connected() { [ "$($1 State)" = '"connected"' ]; }

say "helper: a Linux bridge with a peer at 10.61.0.1, arca-relayd with relay 6001 on it"
ip -n "$HELPER" link add br0 type bridge
ip -n "$HELPER" link set br0 up
ip link add "rv$ID" netns "$HELPER" type veth peer name eth0 netns "$PEER"
ip -n "$HELPER" link set "rv$ID" master br0 up
ip -n "$PEER" addr add 10.61.0.1/24 dev eth0
ip -n "$PEER" link set eth0 up
show_log_on_failure "$TMP/relayd.log"
start_relayd
rl relay start 6001 --backend=bridge --bridge=br0 --mac=$MAC --listen="$TMP/relay.sock"

say "container: arca-forwarderd, eth0 10.61.0.2/24"
show_log_on_failure "$TMP/forwarderd.log"
start_forwarderd
fw attach eth0 5000 10.61.0.2/24 --mac=$MAC --listen="$TMP/forwarder.sock"
splice
ip netns exec "$CTR" ping -c 2 -i 0.2 -W 2 10.61.0.1 >/dev/null || fail "no ping across the chain"

ip netns exec "$PEER" iperf3 -s -D -p 5201 --pidfile "$TMP/iperf3.pid" --logfile "$TMP/iperf3-server.log"
on_exit "kill \$(cat $TMP/iperf3.pid 2>/dev/null) 2>/dev/null"
wait_for "iperf3 server" ip netns exec "$PEER" sh -c "ss -ltn | grep -q :5201"

# rate_of DIRECTION COUNTER: bytes per second the counter (a property of
# the far daemon, "fw" or "rl") grows by while iperf3 sends, in a window
# after the first second, so that TCP's start is not in it.
rate_of() {
	local direction=$1 counter=$2 a b t0 t1
	ip netns exec "$CTR" iperf3 -c 10.61.0.1 -p 5201 -t $((WINDOW_SEC + 2)) $direction >"$TMP/iperf3.out" 2>&1 &
	local client=$!
	sleep 1
	a=$($counter BytesFromHost); t0=$(date +%s%N)
	sleep $WINDOW_SEC
	b=$($counter BytesFromHost); t1=$(date +%s%N)
	wait $client || fail "iperf3: $(tail -3 "$TMP/iperf3.out")"
	echo $(( (b - a) * 1000000000 / (t1 - t0) ))
}

# near WANT GOT: GOT is within TOLERANCE_PCT of WANT.
near() {
	echo "   $2 bytes/s for a limit of $1"
	[ $(( $2 * 100 )) -ge $(( $1 * (100 - TOLERANCE_PCT) )) ] &&
		[ $(( $2 * 100 )) -le $(( $1 * (100 + TOLERANCE_PCT) )) ]
}

say "no limit: the chain is much faster than the limits to come"
free=$(rate_of "" rl_prop)
echo "   $free bytes/s"
[ "$free" -gt 16000000 ] || fail "the chain only carries $free bytes/s unlimited"

say "arcactl set eth0 RateLimit=4M: the network's limit, live, both ways"
fw set eth0 RateLimit=4M
[ "$(fw_prop RateLimit)" = 4000000 ] || fail "RateLimit reads $(fw_prop RateLimit)"
fw status eth0 | matches -x "       Rate limit: 4000000 bytes/s each way" || fail "status: $(fw status eth0)"
near 4000000 "$(rate_of "" rl_prop)" || fail "the container sent at another rate"
near 4000000 "$(rate_of -R fw_prop)" || fail "the container received at another rate"
kill -0 "$SPLICE" || fail "the host had to reconnect"
[ "$(fw_prop Connections)" = 1 ] || fail "the network counted $(fw_prop Connections) connections"

say "arcactl set eth0 RateLimit= and set 6001 RateLimit=2M: the relay's limit, live, both ways"
fw set eth0 RateLimit=
[ "$(fw_prop RateLimit)" = 0 ] || fail "the network's limit is still $(fw_prop RateLimit)"
rl set 6001 RateLimit=2M
near 2000000 "$(rate_of "" rl_prop)" || fail "the relay passed another rate to the peer"
near 2000000 "$(rate_of -R fw_prop)" || fail "the relay passed another rate to the container"
[ "$(rl_prop Connections)" = 1 ] || fail "the relay counted $(rl_prop Connections) connections"

say "the limits stay across a restart: kill -9 both daemons, start them from their state"
fw set eth0 RateLimit=3M
kill -9 "$relayd_PID" "$forwarderd_PID"
wait "$relayd_PID" "$forwarderd_PID" 2>/dev/null || true
kill "$SPLICE" 2>/dev/null || true
start_relayd
start_forwarderd
[ "$(rl_prop RateLimit)" = 2000000 ] || fail "relay 6001 came back with RateLimit $(rl_prop RateLimit)"
[ "$(fw_prop RateLimit)" = 3000000 ] || fail "eth0 came back with RateLimit $(fw_prop RateLimit)"
splice
near 2000000 "$(rate_of "" rl_prop)" || fail "the restored limits were not applied"

say "bad values are refused by name, on the command line and on the bus"
expect 2 "arcactl: invalid RateLimit '10X': give a number of bytes above 0; K, M, G and T multiply by 1000; see 'arcactl set --help'" \
	fw set eth0 RateLimit=10X
expect 2 "arcactl: MTU cannot be changed while running; see 'arcactl set --help'" fw set eth0 MTU=1400
expect 1 "arcactl: No network is attached as 'eth9'; 'arcactl list' shows them." fw set eth9 RateLimit=1M
busctl --address="unix:path=$TMP/relay.bus" set-property org.arca.Relay1 "$REL" org.arca.Relay1.Relay \
	VLAN u 7 2>"$TMP/err" && fail "a constant property was set"
grep -q "read-only\|not writable\|Property 'VLAN' is not writable" "$TMP/err" || fail "busctl said: $(cat "$TMP/err")"
echo "PASS"
