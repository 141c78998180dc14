#!/usr/bin/env bash
# arcactl as a person uses it against the real daemons: on a system bus
# that enforces the bus policy of dbus/ (reading for everyone, changing for
# root), arca-forwarderd with a network attached as arca-forwarder@.service
# does it (a settings file and a socket PID 1 made, on the host's first
# connection), arca-relayd with a relay on a Linux bridge started the same
# way as arca-relay@.service, then peer-to-peer with --bus=PATH.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping setpriv dbus-daemon systemd-socket-activate
ARCACTL=$BUILD/src/arcactl/arcactl
FORWARDERD=$BUILD/src/forwarderd/arca-forwarderd
RELAYD=$BUILD/src/relayd/arca-relayd
[ -x "$ARCACTL" ] || fail "arcactl not built in $BUILD"
[ -x "$FORWARDERD" ] || fail "arca-forwarderd not built in $BUILD"
[ -x "$RELAYD" ] || fail "arca-relayd not built in $BUILD"

make_tmpdir
NS=arca-ctl-$ID          # the container VM
HELPER=arca-ctlh-$ID     # the helper VM
PEER=arca-ctlp-$ID       # a container on the helper's bridge
make_netns "$NS"

# A system bus as Debian's: nothing but the bus driver may be called unless
# a policy says so, and ours are the ones in dbus/.
start_policy_bus() {
	mkdir -p "$TMP/dbus"
	chmod 755 "$TMP" "$TMP/dbus"
	cat >"$TMP/dbus/bus.conf" <<-CONF
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$TMP/dbus/system_bus_socket</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <deny own="*"/>
	    <deny send_type="method_call"/>
	    <allow send_type="signal"/>
	    <allow send_requested_reply="true" send_type="method_return"/>
	    <allow send_requested_reply="true" send_type="error"/>
	    <allow receive_type="*"/>
	    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
	  </policy>
	  <servicedir>$TMP/dbus/services</servicedir>
	  <include>$TOP/dbus/org.arca.Forwarder1.conf</include>
	  <include>$TOP/dbus/org.arca.Relay1.conf</include>
	</busconfig>
	CONF
	mkdir -p "$TMP/dbus/services"
	# An arca-relayd to activate that only says it was: reads must not.
	printf '[D-BUS Service]\nName=org.arca.Relay1\nExec=/bin/touch %s\n' "$TMP/activated" \
		>"$TMP/dbus/services/org.arca.Relay1.service"
	dbus-daemon --config-file="$TMP/dbus/bus.conf" --fork --print-pid=3 3>"$TMP/dbus/pid"
	on_exit "kill \$(cat '$TMP/dbus/pid')"
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/dbus/system_bus_socket"
}

ctl() { "$ARCACTL" "$@"; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
no_device() { ! ip -n "$NS" link show "$1" >/dev/null 2>&1; }

start_peer() {   # start_peer NAME SOCKET IP [MAC]
	"$PY" "$LIB/frame-peer.py" --connect "$2" --ip "$3" --mac "${4:-02:00:00:00:00:01}" >"$TMP/$1.out" 2>&1 &
	eval "PEER_$1=$!"
	on_exit "kill $!"
}

state_is() { ctl status "$1" | matches -x "            State: $2"; }

say "arca-forwarderd on a system bus with the bus policy of dbus/"
start_policy_bus
show_log_on_failure "$TMP/arca-forwarderd.log"
start_daemon arca-forwarderd ip netns exec "$NS" "$FORWARDERD" \
	--resolv-conf="$TMP/resolv.conf" --state-dir="$TMP/state"
wait_for "org.arca.Forwarder1 on the bus" ctl status

say "nothing attached yet; arca-relayd is not running, so it is left out"
out=$(ctl list)
[ "$out" = $'DEVICE PORT ADDRESS GATEWAY MAC STATE\n\n0 networks listed.' ] || fail "arcactl list: $out"
ctl status | matches -x "   Networks: 0" || fail "arcactl status: $(ctl status)"

say "arcactl attach eth0 5000 10.77.0.2/24 10.77.0.1 ..."
ctl attach eth0 5000 10.77.0.2/24 10.77.0.1 --listen="$TMP/eth0.sock" \
	--mac=02:42:ac:12:00:02 --mtu=1400 --dns=10.77.0.53 --dns=fd00:78::53
ip -n "$NS" link show eth0 | matches "mtu 1400" || fail "eth0 has the wrong MTU"
ip -n "$NS" link show eth0 | matches "02:42:ac:12:00:02" || fail "eth0 has the wrong MAC"
ip -n "$NS" -4 addr show eth0 | matches "inet 10.77.0.2/24" || fail "eth0 lacks its address"
ip -n "$NS" route show default | matches "via 10.77.0.1 dev eth0" || fail "no default route via eth0"
grep -qx "nameserver fd00:78::53" "$TMP/resolv.conf" || fail "resolv.conf lacks the DNS servers"

say "eth1 as arca-forwarder@5001.service attaches it: a settings file, and the socket PID 1 made"
cat >"$TMP/5001.conf" <<-CONF
	# /etc/arca/forwarder/5001.conf
	Device=eth1
	Address=fd00:78::2/64
	Gateway=fd00:78::1
	DefaultRoute=no
	MAC=02:42:ac:12:00:03
CONF
# Like an enabled arca-forwarder@5001.socket: the host's first connection
# runs the unit's ExecStart= with the listener as fd 3.
systemd-socket-activate -l "$TMP/eth1.sock" -E DBUS_SYSTEM_BUS_ADDRESS \
	"$ARCACTL" attach 5001 --listen-fd=3 --config="$TMP/5001.conf" >"$TMP/activate.log" 2>&1 &
on_exit "kill $!"
wait_for "the socket" test -S "$TMP/eth1.sock"
no_device eth1 || fail "eth1 exists before the host connected"
start_peer eth1 "$TMP/eth1.sock" fd00:78::1
wait_for "eth1 attached and its first host connected" state_is eth1 connected
ip netns exec "$NS" ping -6 -c 3 -i 0.2 -W 2 fd00:78::1 >/dev/null || fail "ping over eth1 failed"
ip -n "$NS" -6 route show default | matches eth1 && fail "DefaultRoute=no made a default route"

say "arcactl list and status, as a person reads them"
out=$(ctl list)
echo "$out"
[ "$out" = "DEVICE PORT ADDRESS       GATEWAY    MAC               STATE
eth0   5000 10.77.0.2/24  10.77.0.1  02:42:ac:12:00:02 listening
eth1   5001 fd00:78::2/64 fd00:78::1 02:42:ac:12:00:03 connected

2 networks listed." ] || fail "arcactl list printed the above"
out=$(ctl status eth1)
echo "$out"
grep -qx "● eth1" <<<"$out" || fail "status has no title"
grep -qx "             Peer: unix:pid=[0-9]*,uid=0" <<<"$out" || fail "status shows no peer"
grep -qx "          Gateway: fd00:78::1" <<<"$out" || fail "status shows a default route"
grep -qE "^          To host: [0-9]+ frames \([0-9.]+[BK]\), 0 errors, 0 dropped, [0-9]+ lost in the kernel$" <<<"$out" \
	|| fail "status shows no traffic to the host"
[ "$(ctl status 5001 | grep -v frames)" = "$(grep -v frames <<<"$out")" ] \
	|| fail "status by port differs from status by device"
ctl status | matches -x "   Networks: 2" || fail "arcactl status: $(ctl status)"

say "status of several networks at once, by names and glob patterns"
titles() { ctl status "$@" | grep "^● " | tr '\n' ' '; }
[ "$(titles eth0 eth1)" = "● eth0 ● eth1 " ] || fail "status eth0 eth1 showed: $(titles eth0 eth1)"
[ "$(titles 'eth*')" = "● eth0 ● eth1 " ] || fail "status 'eth*' showed: $(titles 'eth*')"
[ "$(titles '500[1-9]')" = "● eth1 " ] || fail "status '500[1-9]' showed: $(titles '500[1-9]')"
expect 1 "arcactl: No network or relay matches what was given; 'arcactl list' shows them." ctl status 'wlan*' eth9

say "--json for scripts"
ctl list --json=short | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert set(d) == {"Networks"}, d
n = {x["Device"]: x for x in d["Networks"]}
assert n["eth0"]["VsockPort"] == 5000 and n["eth0"]["PrefixLength"] == 24, n
assert n["eth1"]["State"] == "connected", n' || fail "arcactl list --json=short"
ctl status eth1 --json=pretty | "$PY" -c '
import json, sys
n = json.load(sys.stdin)["Networks"][0]
assert n["Device"] == "eth1" and n["DefaultRoute"] is False and n["MTU"] == 1500, n
assert n["FramesToHost"] >= 3 and n["BytesFromHost"] > 0 and n["Connections"] == 1, n' \
	|| fail "arcactl status eth1 --json=pretty"

say "reading is for everyone; changing is for root, and the bus policy refuses it first"
as_nobody "$ARCACTL" list >/dev/null || fail "nobody cannot list"
as_nobody "$ARCACTL" status eth0 >/dev/null || fail "nobody cannot read a network's status"
expect 1 "arcactl: Only root may change what arca-forwarderd does; run the command as root." \
	as_nobody "$ARCACTL" detach eth0
expect 1 "arcactl: Only root may change what arca-forwarderd does; run the command as root." \
	as_nobody "$ARCACTL" attach eth9 5009 10.79.0.2 --listen="$TMP/eth9.sock"
ip -n "$NS" link show eth0 >/dev/null || fail "eth0 went away"

say "arcactl wait: returns once a network is ready, says why when it is not"
ctl wait eth1 --timeout=5
expect 1 "arcactl: eth0 is not ready after 1 s: it is listening." ctl wait eth0 --timeout=1
expect 2 "arcactl: --timeout= takes 1 to 86400 seconds, not '0'" ctl wait eth0 --timeout=0
ctl wait eth0 listening --timeout=1 || fail "wait eth0 listening: it is listening"
ctl wait eth1 connected --timeout=1 || fail "wait eth1 connected: it is connected"
expect 1 "arcactl: eth0 is not connected after 1 s: it is listening." ctl wait eth0 connected --timeout=1
expect 2 "arcactl: invalid state 'up': use ready, listening, dialing, waiting, connecting, connected or disconnecting; see 'arcactl wait --help'" \
	ctl wait eth0 up

say "arcactl set: a running network's rate limit, for root; the bus policy refuses everyone else"
ctl set eth1 RateLimit=1M
ctl status eth1 | matches -x "       Rate limit: 1000000 bytes/s each way" || fail "status: $(ctl status eth1)"
expect 1 "arcactl: Only root may change what arca-forwarderd does; run the command as root." \
	as_nobody "$ARCACTL" set eth1 RateLimit=2M
ctl set 5001 RateLimit=
ctl status eth1 | matches "Rate limit" && fail "the rate limit is still there: $(ctl status eth1)"

say "failures are one line with the daemon's words and exit 1; usage errors exit 2"
expect 1 "arcactl: A network is attached as 'eth0' already; detach it first or pick another device name." \
	ctl attach eth0 5009 10.79.0.2 --listen="$TMP/eth9.sock"
expect 1 "arcactl: No network is attached as 'eth9'; 'arcactl list' shows the attached ones." ctl detach eth9
expect 1 "arcactl: No network is attached as 'eth9'; 'arcactl list' shows them." \
	ctl status eth9
# Reading never starts a daemon: org.arca.Relay1 is activatable on this
# bus, and what it would start leaves a mark.
expect 1 "arcactl: arca-relayd is not running: nothing owns org.arca.Relay1 on the system bus." ctl relay list
expect 1 "arcactl: arca-relayd is not running: nothing owns org.arca.Relay1 on the system bus." ctl relay status
[ ! -e "$TMP/activated" ] || fail "reading started arca-relayd"
printf 'Device=eth9\nColour=blue\n' >"$TMP/bad.conf"
expect 1 "arcactl: $TMP/bad.conf:2: unknown key 'Colour'" ctl attach 5009 --config="$TMP/bad.conf"
expect 1 "arcactl: $TMP/none.conf: No such file or directory" ctl attach 5009 --config="$TMP/none.conf"
expect 1 "arcactl: $TMP/none.conf: no device given (Device=)" ctl attach 5009 --config=-"$TMP/none.conf"
expect 1 "arcactl: --listen-fd=9: fd 9 is not open." ctl attach eth9 5009 10.79.0.2 --listen-fd=9
expect 1 "arcactl: --listen-fd=0: fd 0 is not a socket: Socket operation on non-socket" \
	ctl attach eth9 5009 10.79.0.2 --listen-fd=0 </dev/null
expect 2 "arcactl: 'attach' takes at least 3 arguments, not 2; see 'arcactl attach --help'" ctl attach eth9 5009
no_device eth9 || fail "a failed attach left eth9 behind"

say "arcactl attach DEVICE PORT --address= --address= --gateway= --gateway=: a dual-stack network"
ctl attach eth2 5002 --address=10.76.0.2/24 --address=fd00:76::2 --gateway=10.76.0.1 --gateway=fd00:76::1 \
	--no-ipv6-link-local --listen="$TMP/eth2.sock"
ip -n "$NS" -4 addr show eth2 | matches "inet 10.76.0.2/24" || fail "eth2 lacks its IPv4 address"
ip -n "$NS" -6 addr show eth2 | matches "inet6 fd00:76::2/64" || fail "eth2 lacks its IPv6 address"
ip -n "$NS" -6 route show default | matches "via fd00:76::1 dev eth2" || fail "no IPv6 default route via eth2"
out=$(ctl status eth2)
echo "$out"
grep -qx "          Address: 10.76.0.2/24" <<<"$out" && grep -qx "                   fd00:76::2/64" <<<"$out" \
	|| fail "status does not list both addresses"
grep -qx "          Gateway: 10.76.0.1 (default route)" <<<"$out" \
	&& grep -qx "                   fd00:76::1 (default route)" <<<"$out" || fail "status does not list both gateways"
grep -qx "  IPv6 link-local: none" <<<"$out" || fail "status does not say there is no link-local address"
expect 1 "arcactl: Two IPv6 gateways, fd00:76::1 and fd00:76::fe: a network has one default route per family; give one gateway of each family." \
	ctl attach eth9 5009 --address=fd00:76::9/64 --gateway=fd00:76::1,fd00:76::fe --listen="$TMP/eth9.sock"
expect 1 "arcactl: the command line: gateway 10.79.0.1 is IPv4, but no address is (Address=, Addresses=)" \
	ctl attach eth9 5009 --address=fd00:76::9/64 --gateway=10.79.0.1 --listen="$TMP/eth9.sock"
expect 2 "arcactl: invalid --address '10.79.0.2/33': give IPv4 or IPv6 addresses, each with /PREFIX after it or without (at most 32 for IPv4, 128 for IPv6); see 'arcactl attach --help'" \
	ctl attach eth9 5009 --address=10.79.0.2/33 --listen="$TMP/eth9.sock"
no_device eth9 || fail "a refused dual-stack attach left eth9 behind"
ctl detach eth2
no_device eth2 || fail "eth2 is still there"

say "detach by name, and by port as arca-forwarder@.service's ExecStop= does"
ctl detach eth0
no_device eth0 || fail "eth0 is still there"
ctl detach 5001
no_device eth1 || fail "eth1 is still there"
ctl list --no-legend | matches . && fail "networks left: $(ctl list)"

say "arca-relayd joins the bus; arcactl list shows both daemons"
make_netns "$HELPER"
make_netns "$PEER"
make_bridge_peer "$HELPER" "lb$ID" "$PEER" "v$ID" 10.57.0.1/24
show_log_on_failure "$TMP/arca-relayd.log"
# No Open vSwitch here: a bridge-only helper VM.
start_daemon arca-relayd ip netns exec "$HELPER" "$RELAYD" --ovs-db="unix:$TMP/no-ovs.sock" --ovs-timeout=1 --state-dir="$TMP/relay-state"
wait_for "org.arca.Relay1 on the bus" ctl relay status
out=$(ctl list)
[ "$out" = $'DEVICE PORT ADDRESS GATEWAY MAC STATE\n\n0 networks listed.\n\nPORT BRIDGE PORT-NAME MAC VLAN STATE\n\n0 relays listed.' ] \
	|| fail "arcactl list: $out"

say "relay 5003 as arca-relay@5003.service starts it: a settings file and the socket PID 1 made"
cat >"$TMP/5003.conf" <<-CONF
	# /etc/arca/relay/5003.conf
	Backend=bridge
	Bridge=lb$ID
	PortName=b$ID
	MAC=02:42:ac:12:00:05
	ContainerId=ctr-$ID
CONF
systemd-socket-activate -l "$TMP/relay.sock" -E DBUS_SYSTEM_BUS_ADDRESS \
	"$ARCACTL" relay start 5003 --listen-fd=3 --config=-"$TMP/5003.conf" >"$TMP/activate-relay.log" 2>&1 &
on_exit "kill $!"
wait_for "the relay socket" test -S "$TMP/relay.sock"
# The container's MAC: the relay passes no other (LockMAC).
start_peer relay "$TMP/relay.sock" 10.57.0.2 02:42:ac:12:00:05
relay_state_is() { ctl relay status 5003 | matches -x "            State: $1"; }
wait_for "relay 5003 started and its host connected" relay_state_is connected
ctl relay status 5003 --json=short | "$PY" -c 'import json, sys; assert json.load(sys.stdin)["Relays"][0]["Ready"] is True' \
	|| fail "relay 5003 is connected but not ready"
ip -n "$HELPER" link show "b$ID" | matches "master lb$ID" || fail "b$ID is not a port of lb$ID"
ip netns exec "$PEER" ping -c 3 -i 0.2 -W 2 10.57.0.2 >/dev/null || fail "ping across the relay failed"

out=$(ctl relay list)
echo "$out"
# Columns as wide as their widest cell; the names carry the test's PID.
bw=$((${#ID} + 2 > 6 ? ${#ID} + 2 : 6)) pw=$((${#ID} + 1 > 9 ? ${#ID} + 1 : 9))
[ "$out" = "$(printf "PORT %-${bw}s %-${pw}s MAC               VLAN STATE\n" BRIDGE PORT-NAME
              printf "5003 %-${bw}s %-${pw}s 02:42:ac:12:00:05    - connected\n" "lb$ID" "b$ID"
              printf "\n1 relay listed.")" ] || fail "arcactl relay list printed the above"
out=$(ctl status 5003)
echo "$out"
# The same page either way, but for the counters, which move meanwhile.
[ "$(grep -v frames <<<"$out")" = "$(ctl relay status 5003 | grep -v frames)" ] \
	|| fail "status 5003 and relay status 5003 differ"
grep -qx "          Backend: bridge" <<<"$out" || fail "status shows the wrong backend"
grep -qx "     Container ID: ctr-$ID" <<<"$out" || fail "status lacks the container id"
grep -qE "^        From host: [0-9]+ frames \([0-9.]+[BK]\), 0 errors, 0 dropped, [0-9]+ lost in the kernel$" <<<"$out" \
	|| fail "status shows no traffic from the host"
ctl relay status | matches -x "     Relays: 1 (1 connected)" || fail "arcactl relay status: $(ctl relay status)"
ctl relay status | matches -E "^     Uptime: [0-9]" || fail "arcactl relay status has no uptime: $(ctl relay status)"
ctl status --json=short | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["Forwarder"]["Networks"] == 0 and d["Relay"]["Relays"] == 1, d
assert d["Relay"]["FramesFromHost"] >= 3, d' || fail "arcactl status --json=short"
ctl relay list --json=pretty | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["Relays"]
assert [x["VsockPort"] for x in r] == [5003] and r[0]["VLAN"] == 0, r' || fail "arcactl relay list --json"

say "relays too: reading for everyone, changing for root; errors in the daemon's words"
as_nobody "$ARCACTL" relay status 5003 >/dev/null || fail "nobody cannot read a relay"
expect 1 "arcactl: Only root may change what arca-relayd does; run the command as root." \
	as_nobody "$ARCACTL" relay stop 5003
expect 1 "arcactl: A relay is started on vsock port 5003 already*" \
	ctl relay start 5003 --listen="$TMP/relay2.sock"
expect 1 "arcactl: No relay runs on vsock port 5009; 'arcactl relay list' shows them." ctl relay status 5009
expect 2 "arcactl: invalid --vlan '5000': use 1 to 4094, or 0 for untagged; see 'arcactl relay start --help'" \
	ctl relay start 5009 --vlan=5000

say "arcactl relay stop 5003, as arca-relay@5003.service's ExecStop= does"
ctl relay stop 5003
wait_for "the bridge port deleted" sh -c "! ip -n $HELPER link show b$ID"
expect 1 "arcactl: No relay*5003*" ctl relay stop 5003

say "peer-to-peer: arcactl --bus=PATH"
start_daemon arca-forwarderd-p2p ip netns exec "$NS" "$FORWARDERD" --bus="$TMP/fw.bus" \
	--resolv-conf="$TMP/resolv-p2p.conf" --state-dir="$TMP/state-p2p"
show_log_on_failure "$TMP/arca-forwarderd-p2p.log"
wait_for "the peer-to-peer socket" ctl --bus="$TMP/fw.bus" status
ctl --bus="$TMP/fw.bus" attach eth2 5002 10.78.0.2 --listen="$TMP/eth2.sock"
# Reading is for everyone here too: the socket is theirs to connect to.
as_nobody "$ARCACTL" --bus="$TMP/fw.bus" list --no-legend | matches "^eth2 " || fail "nobody cannot list over --bus"
expect 1 "arcactl: Only root may detach networks; run the command as root." \
	as_nobody "$ARCACTL" --bus="$TMP/fw.bus" detach eth2
ctl --bus="$TMP/fw.bus" list --no-legend | matches "^eth2 5002 10.78.0.2/24 - " \
	|| fail "list over --bus: $(ctl --bus="$TMP/fw.bus" list)"
ctl list --no-legend | matches eth2 && fail "the system bus daemon lists eth2"
expect 1 "arcactl: $TMP/fw.bus does not serve org.arca.Relay1; is it arca-relayd's socket?" \
	ctl --bus="$TMP/fw.bus" relay list

say "arcactl monitor: a line for each change as it happens, here where no stock tool can watch"
ctl --bus="$TMP/fw.bus" monitor >"$TMP/monitor.out" 2>&1 &
on_exit "kill $!"
ctl --bus="$TMP/fw.bus" monitor --json=short >"$TMP/monitor.json" 2>&1 &
on_exit "kill $!"
# Both listen once both have heard a change.
poke_monitors() {
	ctl --bus="$TMP/fw.bus" set eth2 RateLimit=1M &&
		grep -qx "eth2: RateLimit=1000000" "$TMP/monitor.out" && grep -q '"RateLimit":1000000' "$TMP/monitor.json"
}
wait_for "the monitors to hear a change" poke_monitors
start_peer eth2 "$TMP/eth2.sock" 10.78.0.2
wait_for "the monitor to show eth2 connected" \
	grep -q "^eth2: State=connected Ready=yes Peer=unix:pid=[0-9]*,uid=0 .*Connections=1 Refused=0$" "$TMP/monitor.out"
kill "$PEER_eth2"
wait_for "the monitor to show the host gone" \
	grep -q '^eth2: State=listening Ready=no Peer="" .*Connections=1 Refused=0$' "$TMP/monitor.out"

say "--may-exist and --if-exists: creating and removing again is no error"
ctl --bus="$TMP/fw.bus" attach eth2 5002 10.78.0.2 --listen="$TMP/eth2.sock" --may-exist \
	|| fail "attach --may-exist of an attached network failed"
expect 1 "arcactl: A network is attached as 'eth2' already; detach it first or pick another device name." \
	ctl --bus="$TMP/fw.bus" attach eth2 5002 10.78.0.2 --listen="$TMP/eth2.sock"
ctl --bus="$TMP/fw.bus" detach 5002
no_device eth2 || fail "eth2 is still there"
wait_for "the monitor to show eth2 stopped" grep -qx "eth2: stopped" "$TMP/monitor.out"
ctl --bus="$TMP/fw.bus" detach eth2 --if-exists || fail "detach --if-exists of a detached network failed"
expect 1 "arcactl: No network is attached as 'eth2'; 'arcactl list' shows the attached ones." ctl --bus="$TMP/fw.bus" detach eth2
"$PY" - "$TMP/monitor.json" <<'PY' || fail "monitor --json=short: $(cat "$TMP/monitor.json")"
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
assert all(e["Type"] == "network" and e["Name"] == "eth2" for e in events), events
states = [e["Properties"]["State"] for e in events if "State" in e.get("Properties", {})]
assert states[:2] == ["connected", "listening"], states
assert events[-1] == {"Type": "network", "Name": "eth2", "Event": "stopped"}, events[-1]
PY

say "the system bus goes away: both daemons say so and exit with a failure, for systemd to restart them"
kill "$(cat "$TMP/dbus/pid")"
for name in arca_forwarderd arca_relayd; do
	eval "pid=\$${name}_PID"
	rc=0
	timeout 10 tail --pid="$pid" -f /dev/null || fail "${name//_/-} still runs without its bus"
	wait "$pid" || rc=$?
	[ "$rc" = 1 ] || fail "${name//_/-} exited with $rc, not 1, when the bus went away"
	grep -q "Lost the connection to the system bus; exiting so that the service manager starts the daemon again." \
		"$TMP/${name//_/-}.log" || fail "${name//_/-} did not say why it exited"
done
# The peer-to-peer daemon has no system bus to lose.
ctl --bus="$TMP/fw.bus" status >/dev/null || fail "the peer-to-peer daemon went away with the system bus"

echo "PASS"
