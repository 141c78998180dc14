#!/usr/bin/env bash
# arca-forwarderd as a container's init would use it: networks attached
# over D-Bus (a private system bus, then peer-to-peer), a host stand-in
# connected to each network's socket, ping crossing both ways.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping setpriv
[ -x "$BUILD/src/forwarderd/arca-forwarderd" ] || fail "arca-forwarderd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

make_tmpdir
NS=arca-ctr-$ID
make_netns "$NS"
M="org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager"

attach() { bus_call "$ADDR" $M AttachNetwork 'sussua{sv}' "$@"; }
prop() {
	bus_call "$ADDR" org.arca.Forwarder1 "/org/arca/Forwarder1/network/$1" \
		org.freedesktop.DBus.Properties Get ss org.arca.Forwarder1.Network "$2"
}
prop_is() { [ "$(prop "$1" "$2")" = "$3" ]; }
link() { ip -n "$NS" link show "$@"; }
no_device() { ! ip -n "$NS" link show "$1" >/dev/null 2>&1; }

start_peer() {   # start_peer NAME SOCKET IP [IP...]
	local name=$1 socket=$2 ip
	local -a ips=()
	shift 2
	for ip in "$@"; do ips+=(--ip "$ip"); done
	$PY "$LIB/frame-peer.py" --connect "$socket" "${ips[@]}" >"$TMP/$name.out" 2>&1 &
	eval "PEER_$name=$!"
}
# refused RULE COMMAND...: an InvalidArgument whose message names RULE.
refused() { expect_error_saying org.arca.Error.InvalidArgument "$@"; }
stop_peer() {
	local pid
	eval "pid=\$PEER_$1"
	kill "$pid"
	wait "$pid" || true
}

scenario() {
	local mode=$1
	say "[$mode] attach eth0 (IPv4) and eth1 (IPv6, with DNS servers)"
	out=$(attach eth0 5000 10.77.0.2 10.77.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth0.sock\"], \"MAC\": [\"s\", \"02:42:ac:12:00:02\"], \"MTU\": [\"u\", 1400]}")
	[ "$out" = '["/org/arca/Forwarder1/network/eth0", "02:42:ac:12:00:02"]' ] || fail "AttachNetwork eth0 returned $out"
	out=$(attach eth1 5001 fd00:78::2 fd00:78::1 0 \
		"{\"Listen\": [\"s\", \"$TMP/eth1.sock\"], \"DNS\": [\"as\", [\"10.77.0.53\", \"fd00:78::53\"]]}")
	case "$out" in '["/org/arca/Forwarder1/network/eth1", "'*) ;; *) fail "AttachNetwork eth1 returned $out" ;; esac

	link eth0 | matches "mtu 1400" || fail "eth0 has the wrong MTU"
	link eth0 | matches "02:42:ac:12:00:02" || fail "eth0 has the wrong MAC"
	link eth0 | matches "NO-CARRIER" || fail "eth0 has carrier without a host"
	ip -n "$NS" -4 addr show eth0 | matches "inet 10.77.0.2/24" || fail "eth0 lacks its address"
	ip -n "$NS" -6 addr show eth1 | matches "inet6 fd00:78::2/64" || fail "eth1 lacks its address (prefix 0 means /64)"
	ip -n "$NS" route show default | matches "via 10.77.0.1 dev eth0 .*metric 100" || fail "no default route via eth0"
	ip -n "$NS" -6 route show default | matches "via fd00:78::1 dev eth1 .*metric 101" || fail "no IPv6 default route via eth1"
	grep -qx "nameserver 10.77.0.53" "$TMP/resolv.conf" && grep -qx "nameserver fd00:78::53" "$TMP/resolv.conf" \
		|| fail "resolv.conf lacks the DNS servers"
	prop_is eth0 State '"listening"' || fail "eth0 is not listening: $(prop eth0 State)"

	say "[$mode] a host connects to each; ping crosses both ways"
	start_peer eth0 "$TMP/eth0.sock" 10.77.0.1
	start_peer eth1 "$TMP/eth1.sock" fd00:78::1
	wait_for "eth0 connected" prop_is eth0 State '"connected"'
	wait_for "eth1 connected" prop_is eth1 State '"connected"'
	link eth0 | matches "NO-CARRIER" && fail "eth0 has no carrier with a host connected"
	ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 10.77.0.1 >/dev/null || fail "ping over eth0 failed"
	ip netns exec "$NS" ping -6 -c 3 -i 0.2 -W 2 fd00:78::1 >/dev/null || fail "ping over eth1 failed"
	# Kept by default: the kernel makes it once the carrier is on.
	wait_for "eth1's link-local address" sh -c "ip -n $NS -6 addr show eth1 scope link | grep -q 'inet6 fe80::'"
	to_host=$(prop eth0 FramesToHost)
	from_host=$(prop eth0 FramesFromHost)
	[ "$to_host" -ge 4 ] && [ "$from_host" -ge 4 ] || fail "eth0 counters: $to_host to, $from_host from the host"

	say "[$mode] the host leaves (link down) and comes back: forwarding resumes, counters go on"
	stop_peer eth0
	grep -q "icmp=3" "$TMP/eth0.out" || fail "the host saw no 3 pings: $(cat "$TMP/eth0.out")"
	wait_for "eth0 listening again" prop_is eth0 State '"listening"'
	wait_for "eth0 carrier off" sh -c "ip -n $NS link show eth0 | grep -q NO-CARRIER"
	start_peer eth0 "$TMP/eth0.sock" 10.77.0.1
	wait_for "eth0 reconnected" prop_is eth0 State '"connected"'
	ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 10.77.0.1 >/dev/null || fail "ping after reconnect failed"
	prop_is eth0 Connections 2 || fail "eth0 should count 2 connections, has $(prop eth0 Connections)"
	[ "$(prop eth0 FramesToHost)" -gt "$to_host" ] || fail "counters restarted on reconnect"

	say "[$mode] LockMAC and the MTU: the container's spoofed and oversized frames are dropped and counted"
	prop_is eth0 LockMAC true || fail "LockMAC is not on by default"
	local drops
	drops=$(prop eth0 DropsToHost)
	ip -n "$NS" link set eth0 address 02:42:ac:12:00:99
	! ip netns exec "$NS" ping -c 2 -i 0.2 -W 1 10.77.0.1 >/dev/null || fail "frames from another MAC reached the host"
	[ "$(prop eth0 DropsToHost)" -ge $((drops + 2)) ] || fail "spoofed frames not counted: $(prop eth0 DropsToHost)"
	ip -n "$NS" link set eth0 address 02:42:ac:12:00:02
	ip netns exec "$NS" ping -c 1 -W 2 10.77.0.1 >/dev/null || fail "ping with the right MAC failed"
	drops=$(prop eth0 DropsToHost)
	ip -n "$NS" link set eth0 mtu 3000
	! ip netns exec "$NS" ping -c 2 -i 0.2 -W 1 -s 2000 -M do 10.77.0.1 >/dev/null || fail "a frame above the MTU reached the host"
	[ "$(prop eth0 DropsToHost)" -ge $((drops + 2)) ] || fail "oversized frames not counted: $(prop eth0 DropsToHost)"
	ip -n "$NS" link set eth0 mtu 1400
	grep -q "bad frame\|truncated" "$TMP/eth0.out" && fail "the host got a broken frame"
	stop_peer eth0
	stop_peer eth1

	say "[$mode] a dual-stack network: addresses of both families, a gateway of each, no link-local address"
	local dual="\"Listen\": [\"s\", \"$TMP/eth2.sock\"], \"IPv6LinkLocal\": [\"b\", false]"
	attach eth2 5002 "" "" 0 "{$dual, \"Addresses\": [\"as\", [\"10.78.0.2/24\", \"FD00:79::2\", \"fd00:7a::2/80\"]],
		\"Gateways\": [\"as\", [\"10.78.0.1\", \"fd00:79::1\"]]}" >/dev/null
	ip -n "$NS" -4 addr show eth2 | matches "inet 10.78.0.2/24" || fail "eth2 lacks its IPv4 address"
	ip -n "$NS" -6 addr show eth2 | grep "inet6 fd00:79::2/64" | matches nodad || fail "eth2 lacks fd00:79::2/64 without DAD: $(ip -n "$NS" -6 addr show eth2)"
	ip -n "$NS" -6 addr show eth2 | matches "inet6 fd00:7a::2/80" || fail "eth2 lacks fd00:7a::2/80: $(ip -n "$NS" -6 addr show eth2)"
	ip -n "$NS" -6 addr show eth2 | matches tentative && fail "an address of eth2 waits for duplicate detection"
	ip -n "$NS" route show default | matches "via 10.78.0.1 dev eth2 .*metric 102" || fail "no IPv4 default route via eth2"
	ip -n "$NS" -6 route show default | matches "via fd00:79::1 dev eth2 .*metric 102" || fail "no IPv6 default route via eth2"
	prop_is eth2 Address '"10.78.0.2"' && prop_is eth2 PrefixLength 24 && prop_is eth2 Gateway '"10.78.0.1"' \
		|| fail "eth2's first address and gateway: $(prop eth2 Address) $(prop eth2 PrefixLength) $(prop eth2 Gateway)"
	prop_is eth2 Addresses '["fd00:79::2/64", "fd00:7a::2/80"]' || fail "eth2's Addresses: $(prop eth2 Addresses)"
	prop_is eth2 Gateways '["fd00:79::1"]' || fail "eth2's Gateways: $(prop eth2 Gateways)"
	prop_is eth2 IPv6LinkLocal false || fail "eth2's IPv6LinkLocal: $(prop eth2 IPv6LinkLocal)"
	grep -qx "Addresses=fd00:79::2/64 fd00:7a::2/80" "$TMP/state/eth2.conf" && grep -qx "Gateways=fd00:79::1" "$TMP/state/eth2.conf" \
		&& grep -qx "IPv6LinkLocal=no" "$TMP/state/eth2.conf" || fail "eth2's state file: $(cat "$TMP/state/eth2.conf")"

	say "[$mode] ping and ping -6 over eth2 at once, through a host that answers for both gateways"
	start_peer eth2 "$TMP/eth2.sock" 10.78.0.1 fd00:79::1
	wait_for "eth2 connected" prop_is eth2 State '"connected"'
	local ping4
	ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 10.78.0.1 >"$TMP/ping4.out" &
	ping4=$!
	ip netns exec "$NS" ping -6 -c 3 -i 0.2 -W 2 fd00:79::1 >/dev/null || fail "ping -6 over eth2 failed"
	wait "$ping4" || fail "ping over eth2 failed: $(cat "$TMP/ping4.out")"
	ip -n "$NS" -6 addr show eth2 scope link | matches inet6 && fail "eth2 has a link-local address: IPv6LinkLocal=false"
	stop_peer eth2
	grep -q "icmp=3 icmp6=3" "$TMP/eth2.out" || fail "the host did not see 3 pings of each: $(cat "$TMP/eth2.out")"
	bus_call "$ADDR" $M DetachNetwork s eth2 >/dev/null
	ip -n "$NS" -6 route show default | matches "dev eth2" && fail "eth2's IPv6 default route outlived it"

	say "[$mode] bad dual-stack combinations are refused by name and leave nothing behind"
	local bad="\"Listen\": [\"s\", \"$TMP/eth9.sock\"]"
	refused "Two IPv6 gateways, fd00:79::1 and fd00:79::fe: a network has one default route per family" \
		attach eth9 5009 10.79.0.2 "" 24 "{$bad, \"Addresses\": [\"as\", [\"fd00:79::9/64\"]],
		\"Gateways\": [\"as\", [\"fd00:79::1\", \"fd00:79::fe\"]]}"
	refused "Two IPv4 gateways, 10.79.0.1 and 10.79.0.254" \
		attach eth9 5009 10.79.0.2 10.79.0.1 24 "{$bad, \"Gateways\": [\"as\", [\"10.79.0.254\"]]}"
	refused "Invalid Addresses 'fd00:79::9/129': give IPv4 or IPv6 addresses, each with /PREFIX after it or without" \
		attach eth9 5009 10.79.0.2 "" 24 "{$bad, \"Addresses\": [\"as\", [\"fd00:79::9/129\"]]}"
	refused "Gateway fd00:7b::1 is not on the network fd00:79::9/64: give a gateway inside it, or none." \
		attach eth9 5009 10.79.0.2 "" 24 "{$bad, \"Addresses\": [\"as\", [\"fd00:79::9/64\"]],
		\"Gateways\": [\"as\", [\"fd00:7b::1\"]]}"
	refused "Gateway fd00:79::1 is IPv6, but the network has no IPv6 address" \
		attach eth9 5009 10.79.0.2 "" 24 "{$bad, \"Gateways\": [\"as\", [\"fd00:79::1\"]]}"
	refused "The address fd00:79::9 is given twice" \
		attach eth9 5009 10.79.0.2 "" 24 "{$bad, \"Addresses\": [\"as\", [\"fd00:79::9/64\", \"fd00:79::9/48\"]]}"
	# Refused by the kernel once the device is made and its first address
	# is on it: the device goes again.
	expect_error org.arca.Error.DeviceFailed \
		attach eth9 5009 10.79.0.2 "" 24 "{$bad, \"Addresses\": [\"as\", [\"ff02::9/64\"]]}"
	no_device eth9 || fail "a refused dual-stack attach left eth9 behind"
	[ ! -e "$TMP/state/eth9.conf" ] || fail "a refused dual-stack attach left a state file"
	[ ! -e "$TMP/eth9.sock" ] || fail "a refused dual-stack attach left its socket"

	say "[$mode] AllowedPeers: a unix peer neither root nor the daemon's user is refused and counted"
	prop_is eth0 AllowedPeers '[2]' || fail "AllowedPeers is not the host by default: $(prop eth0 AllowedPeers)"
	wait_for "eth0 listening" prop_is eth0 State '"listening"'
	local refused nobody
	refused=$(prop eth0 Refused)
	chmod 777 "$TMP/eth0.sock"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/frame-peer.py" --connect "$TMP/eth0.sock" \
		--ip 10.77.0.1 >"$TMP/nobody.out" 2>&1 &
	nobody=$!
	refused_more() { [ "$(prop eth0 Refused)" -gt "$refused" ]; }
	wait_for "the refusal counted" refused_more
	prop_is eth0 State '"listening"' || fail "a refused peer got connected"
	kill "$nobody" 2>/dev/null || true
	wait "$nobody" 2>/dev/null || true

	say "[$mode] bad input is refused by name and leaves nothing behind"
	local ok="{\"Listen\": [\"s\", \"$TMP/eth9.sock\"]}"
	expect_error org.arca.Error.InvalidArgument attach "" 5009 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth-name-too-long 5009 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach "a/b" 5009 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach "a b" 5009 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.AlreadyAttached attach eth0 5009 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.AlreadyAttached attach lo 5009 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.300 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 33 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 nonsense 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 fd00::1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.99.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 0 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.PortInUse attach eth9 5000 10.79.0.2 10.79.0.1 24 "$ok"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"MTU\": [\"u\", 65521]}"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"MTU\": [\"u\", 67]}"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"MAC\": [\"s\", \"01:00:5e:00:00:01\"]}"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"MAC\": [\"s\", \"02:42:ac:12:00\"]}"
	expect_error org.arca.Error.UnknownOption attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"Colour\": [\"s\", \"blue\"]}"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"MTU\": [\"s\", \"1500\"]}"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth9.sock\"], \"AllowedPeers\": [\"au\", []]}"
	expect_error org.arca.Error.PortInUse attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/eth0.sock\"]}"
	: >"$TMP/plain-file"
	expect_error org.arca.Error.InvalidArgument attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/plain-file\"]}"
	[ -f "$TMP/plain-file" ] || fail "a failed attach removed a file where it was told to listen"
	# Fails midway: the TAP is made, then the listener cannot bind, for
	# another program listens there.
	local busy
	rm -f "$TMP/busy.sock"
	"$PY" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(600)' "$TMP/busy.sock" &
	busy=$!
	wait_for "another program listening" test -S "$TMP/busy.sock"
	expect_error org.arca.Error.PortInUse attach eth9 5009 10.79.0.2 10.79.0.1 24 \
		"{\"Listen\": [\"s\", \"$TMP/busy.sock\"]}"
	kill "$busy"
	wait "$busy" 2>/dev/null || true
	rm -f "$TMP/busy.sock"
	no_device eth9 || fail "a failed attach left eth9 behind"
	if [ "$mode" = system-bus ]; then
		expect_error org.arca.Error.AccessDenied \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/bus-call.py" \
			"$ADDR" $M AttachNetwork 'sussua{sv}' eth9 5009 10.79.0.2 10.79.0.1 24 "$ok"
		expect_error org.arca.Error.AccessDenied \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/bus-call.py" \
			"$ADDR" $M DetachNetwork s eth0
		setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" "$LIB/bus-call.py" \
			"$ADDR" $M ListNetworks "" | matches '"eth0"' || fail "reading is for everyone"
		no_device eth9 || fail "a refused caller made eth9"
	fi

	say "[$mode] status and listing"
	out=$(bus_call "$ADDR" $M GetStatus "")
	case "$out" in '{"Version": "'*'", "Networks": 2, '*) ;; *) fail "GetStatus: $out" ;; esac
	out=$(bus_call "$ADDR" $M ListNetworks "")
	case "$out" in '[["eth0", 5000, "10.77.0.2/24", "10.77.0.1", "02:42:ac:12:00:02", "listening", "/org/arca/Forwarder1/network/eth0"], ["eth1", 5001, "fd00:78::2/64"'*) ;;
	*) fail "ListNetworks: $out" ;; esac

	say "[$mode] the served interfaces match their contract in dbus/"
	check_contract "$ADDR" /org/arca/Forwarder1 org.arca.Forwarder1.Manager
	check_contract "$ADDR" /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network

	say "[$mode] detach removes the device; the same device and port attach again"
	bus_call "$ADDR" $M DetachNetwork s eth0 >/dev/null
	no_device eth0 || fail "eth0 is still there after DetachNetwork"
	expect_error org.arca.Error.NoSuchNetwork bus_call "$ADDR" $M DetachNetwork s eth0
	attach eth0 5000 10.77.0.2 10.77.0.1 24 "{\"Listen\": [\"s\", \"$TMP/eth0.sock\"]}" >/dev/null
	link eth0 >/dev/null || fail "re-attached eth0 is missing"

	say "[$mode] the last network with DNS servers gone, resolv.conf is as it was"
	bus_call "$ADDR" $M DetachNetwork s eth1 >/dev/null
	resolv_conf_is_original || fail "resolv.conf after detaching eth1: $(cat "$TMP/resolv.conf" 2>&1)"
	attach eth1 5001 fd00:78::2 fd00:78::1 0 \
		"{\"Listen\": [\"s\", \"$TMP/eth1.sock\"], \"DNS\": [\"as\", [\"10.77.0.53\"]]}" >/dev/null
	grep -qx "nameserver 10.77.0.53" "$TMP/resolv.conf" || fail "resolv.conf lacks eth1's DNS server again"
}

# resolv.conf as it was before the first network with DNS servers: the
# file given in ORIGINAL_RESOLV_CONF, or none when that is empty.
resolv_conf_is_original() {
	if [ -z "$ORIGINAL_RESOLV_CONF" ]; then
		[ ! -e "$TMP/resolv.conf" ]
	else
		[ "$(cat "$TMP/resolv.conf")" = "$ORIGINAL_RESOLV_CONF" ]
	fi
}

stop_forwarderd() {
	kill -TERM "$arca_forwarderd_PID"
	wait "$arca_forwarderd_PID" || fail "arca-forwarderd exited with $? on SIGTERM: $(tail -5 "$TMP/arca-forwarderd.log")"
	no_device eth0 && no_device eth1 || fail "devices left behind after SIGTERM"
	resolv_conf_is_original || fail "resolv.conf after SIGTERM: $(cat "$TMP/resolv.conf" 2>&1)"
}

say "usage errors exit 2, as arcactl's do, with one line"
rc=0; "$BUILD/src/forwarderd/arca-forwarderd" --no-such-option 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "an unknown option exited with $rc, not 2"
rc=0; "$BUILD/src/relayd/arca-relayd" stray-argument 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "an argument exited with $rc, not 2"

say "arca-forwarderd on a private system bus"
start_dbus
ADDR=$DBUS_SYSTEM_BUS_ADDRESS
show_log_on_failure "$TMP/arca-forwarderd.log"
ORIGINAL_RESOLV_CONF="nameserver 192.0.2.53 # the container's own"
echo "$ORIGINAL_RESOLV_CONF" >"$TMP/resolv.conf"
start_daemon arca-forwarderd ip netns exec "$NS" env DBUS_SYSTEM_BUS_ADDRESS="$ADDR" \
	"$BUILD/src/forwarderd/arca-forwarderd" --resolv-conf="$TMP/resolv.conf" --state-dir="$TMP/state"
wait_for "org.arca.Forwarder1 on the bus" bus_call "$ADDR" $M GetStatus ""
scenario system-bus
stop_forwarderd

say "arca-forwarderd peer-to-peer on a unix socket"
rm -f "$TMP/resolv.conf"
ORIGINAL_RESOLV_CONF=
ADDR=p2p:unix:path=$TMP/forwarder.bus
start_daemon arca-forwarderd ip netns exec "$NS" \
	"$BUILD/src/forwarderd/arca-forwarderd" --bus="$TMP/forwarder.bus" --resolv-conf="$TMP/resolv.conf" --state-dir="$TMP/state"
wait_for "the peer-to-peer socket" bus_call "$ADDR" $M GetStatus ""
busctl --address="unix:path=$TMP/forwarder.bus" call $M GetStatus | matches '^a{sv} 11 "Version" s ' \
	|| fail "busctl cannot talk to the peer-to-peer socket"
scenario peer-to-peer
stop_forwarderd

say "run by hand with --bus= and no --resolv-conf=: the machine's resolv.conf is left alone"
before=$(sha256sum /etc/resolv.conf 2>/dev/null || echo none)
start_daemon arca-forwarderd-hand ip netns exec "$NS" \
	"$BUILD/src/forwarderd/arca-forwarderd" --bus="$TMP/hand.bus" --state-dir="$TMP/hand-state"
ADDR=p2p:unix:path=$TMP/hand.bus
wait_for "the hand-run daemon" bus_call "$ADDR" $M GetStatus ""
bus_call "$ADDR" $M AttachNetwork 'sussua{sv}' eth5 5005 10.75.0.2 10.75.0.1 24 \
	"{\"Listen\": [\"s\", \"$TMP/eth5.sock\"], \"DNS\": [\"as\", [\"10.75.0.53\"]]}" >/dev/null
grep -qx "nameserver 10.75.0.53" "$TMP/hand-state/dns/resolv.conf" \
	|| fail "the instance's resolv.conf lacks the DNS server: $(cat "$TMP/hand-state/dns/resolv.conf" 2>&1)"
[ "$(sha256sum /etc/resolv.conf 2>/dev/null || echo none)" = "$before" ] || fail "/etc/resolv.conf was changed"

say "frames the kernel drops for a host that reads nothing are counted: KernelDropsToHost, arcactl status"
$PY -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(120)' "$TMP/eth5.sock" &
STALLED=$!
on_exit "kill $STALLED"
wait_for "eth5 connected" prop_is eth5 State '"connected"'
ip -n "$NS" link show eth5 | matches "qlen 10000" || fail "eth5's queue is not TxQueueLength's default: $(ip -n "$NS" link show eth5)"
# TSO on, so the container hands over TCP in frames of up to 64 KiB, which
# the forwarder cuts for its length32 host; in GSO frames of 64 segments
# at most, so that they are cut where they were read.
ip -n "$NS" -d link show eth5 | matches "gso_max_segs 64 " \
	|| fail "eth5's GSO frames are not bounded to 64 segments: $(ip -n "$NS" -d link show eth5)"
out=$(bus_call "$ADDR" $M AttachNetwork 'sussua{sv}' eth6 5006 10.74.0.2 10.74.0.1 24 \
	"{\"Listen\": [\"s\", \"$TMP/eth6.sock\"], \"TxQueueLength\": [\"u\", 2000000]}" 2>&1) \
	&& fail "a TxQueueLength of 2000000 was taken"
grep -q "use 1 to 1000000 frames" <<<"$out" || fail "a TxQueueLength of 2000000 was refused without the rule: $out"
no_device eth6 || fail "eth6 was made although refused"
# A neighbour that never answers ARP: every datagram goes out on eth5. The
# daemon stops reading once the host's socket is full, the TAP's queue
# fills, and the rest are the kernel's to drop.
ip -n "$NS" neigh replace 10.75.0.1 lladdr 02:00:00:00:00:01 dev eth5
ip netns exec "$NS" $PY -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(20000):
    try:
        s.sendto(bytes(1000), ("10.75.0.1", 9))
    except OSError:
        pass'
tap_dropped() { ip -n "$NS" -j -s link show eth5 | $PY -c 'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])'; }
# The TAP may drop a frame more (IPv6 chatter) while the daemon is asked:
# what it says lies between what the TAP said before and after.
before=$(tap_dropped)
got=$(prop eth5 KernelDropsToHost)
status=$("$BUILD/src/arcactl/arcactl" --bus="$TMP/hand.bus" status eth5)
after=$(tap_dropped)
[ "$before" -gt 0 ] || fail "the TAP dropped nothing: the test did not fill its queue"
[ "$got" -ge "$before" ] && [ "$got" -le "$after" ] \
	|| fail "KernelDropsToHost is $got, the TAP dropped $before, then $after"
shown=$(echo "$status" | sed -n 's/.*To host: .* \([0-9]*\) lost in the kernel$/\1/p')
[ -n "$shown" ] && [ "$shown" -ge "$before" ] && [ "$shown" -le "$after" ] \
	|| fail "arcactl status does not show the kernel's drops ($before to $after): $status"
kill "$STALLED"

kill -TERM "$arca_forwarderd_hand_PID"
wait "$arca_forwarderd_hand_PID" || fail "the hand-run daemon exited with $?"
[ ! -e "$TMP/hand-state/dns/resolv.conf" ] || fail "the instance's resolv.conf outlived its networks"

echo "PASS"
