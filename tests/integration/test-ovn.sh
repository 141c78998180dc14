#!/usr/bin/env bash
# One network across two helper VMs through OVN, as a real deployment has
# it: a central (NB, SB, ovn-northd) and two chassis, each a namespace with
# its own Open vSwitch (userspace datapath), ovn-controller and arca-relayd,
# joined by Geneve over an underlay of MTU 1600 (lib/ovn.sh).
#
#   ctr-a: eth0 -- arca-forwarderd == socat == arca-relayd -- br-int (chassis a)
#                                                               | Geneve
#   ctr-b: eth0 -- arca-forwarderd == socat == arca-relayd -- br-int (chassis b)
#
# Each container is a logical port of the switch ls0, with port security;
# its relay's port carries the logical port's name as iface-id. The checks
# are what a person would look at: the SB's Port_Bindings, Ready only once
# ovn-controller has installed the port's flows (and traffic at once after
# it), ping and TCP both ways, the binding following the host, and frames
# from a MAC that is not the logical port's going nowhere.
source "$(dirname "$0")/lib/common.sh"
# ovs-vswitchd's socket on the underlay would drop under TCP at the default
# buffer (see ovn_add_underlay_port), and TCP's figures would be the test
# underlay's: 4 MiB, as a VM's NIC would have in its ring.
OVN_UNDERLAY_RCVBUF=4194304
source "$(dirname "$0")/lib/ovn.sh"
require_root
require_tools ip ping socat iperf3 sha256sum
for b in src/relayd/arca-relayd src/forwarderd/arca-forwarderd src/arcactl/arcactl; do
	[ -x "$BUILD/$b" ] || fail "$b not built in $BUILD"
done
ARCACTL=$BUILD/src/arcactl/arcactl

make_tmpdir
NSA=arca-ovna-$ID
NSB=arca-ovnb-$ID
make_netns "$NSA"
make_netns "$NSB"
MAC_A=02:42:ac:1f:00:0a IP_A=10.31.0.10
MAC_B=02:42:ac:1f:00:0b IP_B=10.31.0.11
MAC_C=02:42:ac:1f:00:0c IP_C=10.31.0.12
SPOOF=02:42:ac:1f:00:99

# ms: milliseconds since the epoch.
ms() { echo $(($(date +%s%N) / 1000000)); }

say "OVN: a central and chassis a and b, Geneve between them"
t0=$(ms)
start_ovn_central
start_ovn_chassis a "$NSA" 192.168.131.1/24
start_ovn_chassis b "$NSB" 192.168.131.2/24
wait_ovn_chassis
echo "   up in $(($(ms) - t0)) ms"

say "the logical switch ls0: a port per container, with port security"
lsp() {  # lsp NAME MAC IP
	ovn-nbctl --timeout=10 lsp-add ls0 "$1" -- lsp-set-addresses "$1" "$2 $3" \
		-- lsp-set-port-security "$1" "$2 $3"
}
ovn-nbctl --timeout=10 ls-add ls0
lsp ctr-a "$MAC_A" "$IP_A"
lsp ctr-b "$MAC_B" "$IP_B"
lsp ctr-c "$MAC_C" "$IP_C"
ovn-nbctl --timeout=10 --wait=hv sync

# relay CHASSIS: arca-relayd in the chassis's namespace, on its OVS
# database, peer-to-peer on $TMP/relay-CHASSIS.bus. Chassis a is told to
# give OVN 2 s before it says OVN is late (the pause below).
start_relayd() {
	local c=$1 db ns
	db=$(ovn_chassis_var DB "$c")
	ns=$(ovn_chassis_var NS "$c")
	shift
	start_daemon "relayd-$c" ip netns exec "$ns" "$BUILD/src/relayd/arca-relayd" \
		--bus="$TMP/relay-$c.bus" --ovs-db="$db" --state-dir="$TMP/relay-$c-state" "$@"
	show_log_on_failure "$TMP/relayd-$c.log"
	wait_for "arca-relayd on chassis $c" test -S "$TMP/relay-$c.bus"
}
rctl() { local c=$1; shift; "$ARCACTL" --bus="$TMP/relay-$c.bus" "$@"; }
fctl() { local c=$1; shift; "$ARCACTL" --bus="$TMP/fw-$c.bus" "$@"; }
rprop() {  # rprop CHASSIS PORT PROPERTY
	bus_call "unix:path=$TMP/relay-$1.bus" org.arca.Relay1 "/org/arca/Relay1/relay/$2" \
		org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay "$3"
}
fprop() {  # fprop CHASSIS PROPERTY: the container's eth0
	bus_call "unix:path=$TMP/fw-$1.bus" org.arca.Forwarder1 /org/arca/Forwarder1/network/eth0 \
		org.freedesktop.DBus.Properties Get ss org.arca.Forwarder1.Network "$2"
}
has_port() { ovn_vsctl "$1" list-ports br-int | matches -x "$2"; }

say "arca-relayd on each chassis: relay 5001 for ctr-a on a, 5002 for ctr-b on b"
start_relayd a --ovn-ready-timeout=2
start_relayd b
rctl a relay start 5001 --port-name="ra$ID" --mac="$MAC_A" --iface-id=ctr-a --listen="$TMP/relay-a.sock" \
	>/dev/null
rctl b relay start 5002 --port-name="rb$ID" --mac="$MAC_B" --iface-id=ctr-b --listen="$TMP/relay-b.sock" \
	>/dev/null
[ "$(rprop a 5001 Ready)" = false ] || fail "relay 5001 is ready with no host connected"

say "a container on each: arca-forwarderd attaches eth0"
for c in a b; do
	make_netns "arca-ctr$c-$ID"
	start_daemon "forwarderd-$c" ip netns exec "arca-ctr$c-$ID" "$BUILD/src/forwarderd/arca-forwarderd" \
		--bus="$TMP/fw-$c.bus" --state-dir="$TMP/fw-$c-state"
	show_log_on_failure "$TMP/forwarderd-$c.log"
	wait_for "arca-forwarderd in container $c" test -S "$TMP/fw-$c.bus"
done
CTRA=arca-ctra-$ID
CTRB=arca-ctrb-$ID
fctl a attach eth0 5000 "$IP_A/24" --mac="$MAC_A" --listen="$TMP/fw-a.sock" >/dev/null
fctl b attach eth0 5000 "$IP_B/24" --mac="$MAC_B" --listen="$TMP/fw-b.sock" >/dev/null

# splice CHASSIS: the host joins the container's stream to the relay's.
splice() {
	socat "UNIX-CONNECT:$TMP/fw-$1.sock" "UNIX-CONNECT:$TMP/relay-$1.sock" &
	eval "SPLICE_$1=$!"
	on_exit "kill $! 2>/dev/null"
}
unsplice() {
	local pid
	eval "pid=\$SPLICE_$1"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

# connect CHASSIS PORT LOGICAL_PORT: the host connects; READY_MS is the
# time from then until arcactl wait returned, checked against ovn-installed
# on the Interface. (Not in a $(...): splice's socat and its clean-up must
# stay in this shell.)
connect() {
	local t0
	t0=$(ms)
	splice "$1"
	rctl "$1" wait "$2" --timeout=10 || fail "relay $2 did not get ready"
	READY_MS=$(($(ms) - t0))
	ovn_port_installed "$1" "$3" || fail "relay $2 is Ready but ovn-installed is not set on its Interface"
}

say "the host connects b; arcactl wait returns once OVN has installed the port's flows"
connect b 5002 ctr-b
READY_B=$READY_MS
echo "   host connected to Ready: $READY_B ms"

say "the host connects a: Ready, and the first ping crosses at once"
connect a 5001 ctr-a
READY_A=$READY_MS
fctl a wait eth0 --timeout=5 || fail "the container's eth0 is not ready"
ip netns exec "$CTRA" ping -c 1 -W 2 "$IP_B" >/dev/null || fail "the first ping after Ready was lost"
echo "   host connected to Ready: $READY_A ms; the first ping got through"

say "ovn-sbctl: each Port_Binding on its chassis, and up"
wait_ovn_port_up ctr-a a
wait_ovn_port_up ctr-b b
ovn-sbctl --timeout=10 show | sed 's/^/   /'

say "ping both ways across Geneve"
ping_rtt() {  # ping_rtt NS IP: five pings, none lost; prints the average RTT in ms
	local out
	out=$(ip netns exec "$1" ping -c 5 -i 0.2 -W 2 "$2") || fail "ping $2 from $1 failed: $out"
	echo "$out" | awk -F/ '/^rtt/ { print $5 }'
}
RTT_AB=$(ping_rtt "$CTRA" "$IP_B")
RTT_BA=$(ping_rtt "$CTRB" "$IP_A")
echo "   RTT a -> b $RTT_AB ms, b -> a $RTT_BA ms"
ip netns exec "$CTRA" ping -c 2 -i 0.2 -W 2 -M do -s 1472 "$IP_B" >/dev/null \
	|| fail "a full 1500-byte frame did not cross the Geneve underlay of MTU 1600"

say "TCP both ways: 16 MiB each way, the same bytes at the other end"
head -c 16M /dev/urandom >"$TMP/data"
want=$(sha256sum <"$TMP/data")
transfer() {  # transfer FROM_NS TO_NS TO_IP PORT
	ip netns exec "$2" socat -u "TCP-LISTEN:$4,reuseaddr" "OPEN:$TMP/got,creat,trunc" &
	local rx=$!
	wait_for "a listener in $2" ip netns exec "$2" sh -c "ss -ltn | grep -q :$4"
	timeout 60 ip netns exec "$1" socat -u "OPEN:$TMP/data" "TCP:$3:$4" || fail "sending from $1 failed"
	wait "$rx" || fail "receiving in $2 failed"
	[ "$(sha256sum <"$TMP/got")" = "$want" ] || fail "$2 got other bytes than $1 sent"
}
transfer "$CTRA" "$CTRB" "$IP_B" 5301
transfer "$CTRB" "$CTRA" "$IP_A" 5302
echo "   sha256 matches both ways"

say "iperf3 TCP both ways, 3 s each"
ip netns exec "$CTRB" iperf3 -s -D -p 5201 --pidfile "$TMP/iperf3.pid" --logfile "$TMP/iperf3.log"
on_exit "kill \$(cat '$TMP/iperf3.pid' 2>/dev/null) 2>/dev/null"
wait_for "iperf3 server" ip netns exec "$CTRB" sh -c "ss -ltn | grep -q :5201"
iperf() {  # iperf [-R]: Mbit/s received, retransmits
	ip netns exec "$CTRA" iperf3 -c "$IP_B" -p 5201 -t 3 -J "$@" >"$TMP/iperf3.json" \
		|| fail "iperf3 $* across Geneve failed"
	"$PY" -c 'import json, sys
e = json.load(open(sys.argv[1]))["end"]
print("%.0f Mbit/s, %d retransmits" % (e["sum_received"]["bits_per_second"] / 1e6,
      e["sum_sent"].get("retransmits", 0)))' "$TMP/iperf3.json"
}
TCP_AB=$(iperf)
TCP_BA=$(iperf -R)
echo "   a -> b: $TCP_AB; b -> a: $TCP_BA"
# Where TCP lost what it retransmitted: the relays count their drops; the
# underlay's are ovs-vswitchd's on ul0 (ss -0: d...).
underlay_drops() {
	ip netns exec "$(ovn_chassis_var NS "$1")" ss -0 -m -a | awk '/:ul0 / { sub(/.*,d/, ""); sub(/\).*/, ""); print }'
}
for c in a b; do
	p=$([ $c = a ] && echo 5001 || echo 5002)
	echo "   relay $p: drops to the host $(rprop $c $p DropsToHost), from the host $(rprop $c $p DropsFromHost);" \
		"chassis $c's underlay dropped $(underlay_drops $c)"
done

say "the host leaves a: the port goes, and so does the binding; it comes back: up again"
unsplice a
wait_for "relay 5001 listening" sh -c "[ \"\$($PY $LIB/bus-call.py unix:path=$TMP/relay-a.bus org.arca.Relay1 \
/org/arca/Relay1/relay/5001 org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay State)\" = '\"listening\"' ]"
[ "$(rprop a 5001 Ready)" = false ] || fail "relay 5001 is still ready with its host gone"
wait_for "port ra$ID gone from br-int" sh -c "! ovs-vsctl --db=$OVN_CHASSIS_DB_a list-ports br-int | grep -qx ra$ID"
ovn_wait 10 "ctr-a's binding to go down" ovn_in_sb Port_Binding logical_port=ctr-a 'chassis=[]'
! ip netns exec "$CTRB" ping -c 1 -W 1 "$IP_A" >/dev/null 2>&1 || fail "ctr-a answered with its host gone"
splice a
rctl a wait 5001 --timeout=10 || fail "relay 5001 did not get ready again"
ip netns exec "$CTRB" ping -c 1 -W 2 "$IP_A" >/dev/null || fail "the first ping after reconnecting was lost"
wait_ovn_port_up ctr-a a

say "Ready waits for ovn-controller: paused, the port is there but not ready, and LastError says why"
unsplice a
wait_for "port ra$ID gone from br-int" sh -c "! ovs-vsctl --db=$OVN_CHASSIS_DB_a list-ports br-int | grep -qx ra$ID"
ovn_wait 10 "ctr-a's binding to go down" ovn_in_sb Port_Binding logical_port=ctr-a 'chassis=[]'
CONTROLLER_A=$(cat "$OVN_CHASSIS_DIR_a/ovn-controller.pid")
kill -STOP "$CONTROLLER_A"
on_exit "kill -CONT $CONTROLLER_A"
splice a
wait_for "port ra$ID on br-int" has_port a "ra$ID"
expect 1 "arcactl: 5001 is not ready after 3 s: it is connected; the last error: OVN has not installed the \
flows of port ra$ID within 2 s: is ovn-controller running, and is ctr-a a port of a logical switch? Still waiting." \
	rctl a wait 5001 --timeout=3
! ovn_port_installed a ctr-a || fail "ovn-installed is set with ovn-controller paused"
kill -CONT "$CONTROLLER_A"
t0=$(ms)
rctl a wait 5001 --timeout=10 || fail "relay 5001 did not get ready once ovn-controller went on"
echo "   ready $(($(ms) - t0)) ms after ovn-controller went on"
ovn_port_installed a ctr-a || fail "relay 5001 is Ready but ovn-installed is not set"
ip netns exec "$CTRA" ping -c 1 -W 2 "$IP_B" >/dev/null || fail "the first ping after a late Ready was lost"

say "LockMAC: the container sending from another MAC gets nothing through, and the drops are counted"
drops=$(fprop a DropsToHost)
ip -n "$CTRA" link set eth0 address "$SPOOF"
ip -n "$CTRA" neigh flush dev eth0
! ip netns exec "$CTRA" ping -c 2 -i 0.2 -W 1 "$IP_B" >/dev/null 2>&1 || fail "a spoofed MAC got through LockMAC"
[ "$(fprop a DropsToHost)" -gt "$drops" ] || fail "the spoofed frames were not counted"
ip -n "$CTRA" link set eth0 address "$MAC_A"
ip netns exec "$CTRA" ping -c 1 -W 2 "$IP_B" >/dev/null || fail "ping with the right MAC again failed"

say "OVN port security: with LockMAC off, a host sending from another MAC is stopped by OVN"
# Relay 5003 on chassis b for ctr-c, its host a stand-in answering for
# 10.31.0.12 (frame-peer.py); MTU 1560 does not fit the underlay with
# Geneve, which LastError says.
rctl b relay start 5003 --port-name="rc$ID" --mac="$MAC_C" --iface-id=ctr-c --listen="$TMP/relay-c.sock" \
	--no-lock-mac --mtu=1560 >/dev/null
peer_c() {  # peer_c MAC: the host of relay 5003
	"$PY" "$LIB/frame-peer.py" --connect "$TMP/relay-c.sock" --ip "$IP_C" --mac "$1" >"$TMP/peer-c.out" 2>&1 &
	PEER_C=$!
	on_exit "kill $PEER_C 2>/dev/null"
	rctl b wait 5003 --timeout=10 || fail "relay 5003 did not get ready"
}
peer_c "$SPOOF"
case "$(rprop b 5003 LastError)" in
*"does not fit the MTU 1600 of the underlay"*"MTU=1542"*) ;;
*) fail "no word of the MTU that does not fit: $(rprop b 5003 LastError)" ;;
esac
from_host=$(rprop b 5003 FramesFromHost)
! ip netns exec "$CTRA" ping -c 2 -i 0.2 -W 1 "$IP_C" >/dev/null 2>&1 || fail "a spoofed MAC got through OVN"
[ "$(rprop b 5003 FramesFromHost)" -gt "$from_host" ] || fail "the spoofing host's replies did not reach the relay"
[ "$(rprop b 5003 DropsFromHost)" = 0 ] || fail "the relay dropped frames with LockMAC off"
kill "$PEER_C"
wait "$PEER_C" 2>/dev/null || true
wait_for "relay 5003 listening" sh -c "[ \"\$($PY $LIB/bus-call.py unix:path=$TMP/relay-b.bus org.arca.Relay1 \
/org/arca/Relay1/relay/5003 org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay State)\" = '\"listening\"' ]"
peer_c "$MAC_C"
ip netns exec "$CTRA" ping -c 2 -i 0.2 -W 2 "$IP_C" >/dev/null || fail "the host with the right MAC got no reply through"

say "both relays' views, and OVN's"
rctl a relay status 5001
rctl b relay status 5002
ovn-sbctl --timeout=10 show

say "figures"
echo "   ready after host connect: a $READY_A ms, b $READY_B ms"
echo "   ping RTT: a -> b $RTT_AB ms, b -> a $RTT_BA ms"
echo "   TCP: a -> b $TCP_AB; b -> a $TCP_BA"
echo PASS
