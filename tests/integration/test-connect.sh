#!/usr/bin/env bash
# Connect=: the daemons dial a host that listens. arca-forwarderd connects
# straight to passt's unix socket and carries an HTTP download from a
# server on the machine's loopback; passt killed and started again, the
# daemon reconnects by itself, with no fd left behind; a restart through
# the fd store keeps the connection. arca-relayd connects to a listening
# host stand-in and puts its port on a Linux bridge while connected.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping passt sha256sum
[ -x "$BUILD/src/forwarderd/arca-forwarderd" ] || fail "arca-forwarderd not built in $BUILD"
[ -x "$BUILD/src/relayd/arca-relayd" ] || fail "arca-relayd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

make_tmpdir
NS=arca-con-$ID
make_netns "$NS"
M="org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager"
ADDR=p2p:unix:path=$TMP/bus.sock
attach() { bus_call "$ADDR" $M AttachNetwork 'sussua{sv}' "$@"; }
prop() {
	bus_call "$ADDR" org.arca.Forwarder1 "/org/arca/Forwarder1/network/$1" \
		org.freedesktop.DBus.Properties Get ss org.arca.Forwarder1.Network "$2"
}
prop_is() { [ "$(prop "$1" "$2")" = "$3" ]; }
dialing() { case "$(prop eth0 State)" in '"dialing"' | '"waiting"') ;; *) return 1 ;; esac; }
no_carrier() { ip -n "$NS" link show eth0 | matches NO-CARRIER; }
daemon_pid() { cat "$TMP/sm/pid"; }
fds() { ls "/proc/$(daemon_pid)/fd" | wc -l; }

# refused MESSAGE-PART CALL...: an InvalidArgument whose message says
# MESSAGE-PART, and nothing made.
refused() {
	local want=$1 out
	shift
	out=$(expect_error org.arca.Error.InvalidArgument "$@")
	echo "$out"
	case "$out" in *"$want"*) ;; *) fail "the refusal does not say '$want': $out" ;; esac
	! ip -n "$NS" link show eth0 >/dev/null 2>&1 || fail "a refused attach left eth0 behind"
	[ "$(bus_call "$ADDR" $M ListNetworks "")" = "[]" ] || fail "a refused attach left a network behind"
}

say "arca-forwarderd under a service manager, which keeps its fds across a restart"
mkdir -p "$TMP/sm"
start_daemon service-manager "$PY" "$LIB/service-manager.py" --dir "$TMP/sm" --listen "$TMP/bus.sock:bus" -- \
	ip netns exec "$NS" "$BUILD/src/forwarderd/arca-forwarderd" --state-dir="$TMP/state" --log-level=debug
show_log_on_failure "$TMP/service-manager.log"
wait_for "READY=1" test -e "$TMP/sm/ready"

say "bad Connect settings are refused by the rule they break, and nothing is left"
PASST_SOCK=$TMP/passt/passt.sock
refused "Give either Connect or Listen/ListenFD, not both" attach eth0 5000 10.88.0.2 10.88.0.1 24 \
	"{\"Connect\": [\"s\", \"$PASST_SOCK\"], \"Listen\": [\"s\", \"$TMP/eth0.sock\"]}"
refused "Invalid Connect 'vsock::5000': use vsock:CID:PORT" attach eth0 5000 10.88.0.2 10.88.0.1 24 \
	'{"Connect": ["s", "vsock::5000"]}'
refused "Invalid Connect 'passt.sock'" attach eth0 5000 10.88.0.2 10.88.0.1 24 '{"Connect": ["s", "passt.sock"]}'
refused "reaches CID 3, which AllowedPeers does not allow; add it to AllowedPeers" \
	attach eth0 5000 10.88.0.2 10.88.0.1 24 '{"Connect": ["s", "vsock:3:5000"]}'

say "eth0 connects to passt's socket before passt runs: it waits, without carrier, and says why"
# passt started as root runs as nobody and only then binds its socket:
# the directory is nobody's.
mkdir "$TMP/passt"
chown nobody "$TMP/passt"
chmod 755 "$TMP"
attach eth0 5000 10.88.0.2 10.88.0.1 24 \
	"{\"Connect\": [\"s\", \"$PASST_SOCK\"], \"MAC\": [\"s\", \"02:42:0a:58:00:02\"]}" >/dev/null
wait_for "eth0 waiting for passt" prop_is eth0 State '"waiting"'
prop_is eth0 LastError "\"Cannot connect to $PASST_SOCK: No such file or directory\"" \
	|| fail "LastError does not say why: $(prop eth0 LastError)"
prop_is eth0 Connect "\"$PASST_SOCK\"" || fail "Connect is $(prop eth0 Connect)"
prop_is eth0 Listen '""' || fail "eth0 listens on $(prop eth0 Listen) as well"
no_carrier || fail "eth0 has carrier without a host"
ARCACTL=$BUILD/src/arcactl/arcactl
"$ARCACTL" --bus="$TMP/bus.sock" wait eth0 waiting --timeout=5 || fail "arcactl wait eth0 waiting"
out=$("$ARCACTL" --bus="$TMP/bus.sock" status eth0)
grep -qE "^ *Connect: $PASST_SOCK\$" <<<"$out" || fail "arcactl status does not show Connect: $out"
grep -qE "^ *State: waiting\$" <<<"$out" || fail "arcactl status does not show the state: $out"
! grep -qE "^ *Listen:" <<<"$out" || fail "arcactl status shows a Listen: $out"

# A file to download, served on the machine's loopback; passt takes the
# container's connections to its gateway there.
mkdir "$TMP/www"
head -c 4000000 /dev/urandom >"$TMP/www/blob"
want=$(sha256sum "$TMP/www/blob" | cut -d' ' -f1)
start_daemon http "$PY" -u -m http.server --bind 127.0.0.1 --directory "$TMP/www" 0
wait_for "the HTTP server" grep -q "port [0-9]" "$TMP/http.log"
HTTP_PORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$TMP/http.log" | head -1)
download() {
	ip netns exec "$NS" "$PY" -c '
import hashlib, sys, urllib.request
data = urllib.request.urlopen(sys.argv[1], timeout=20).read()
print(hashlib.sha256(data).hexdigest())' "http://10.88.0.1:$HTTP_PORT/blob"
}

PASST_RUNS=0
start_passt() {
	PASST_RUNS=$((PASST_RUNS + 1))
	passt -f -e -s "$PASST_SOCK" -a 10.88.0.2 -n 24 -g 10.88.0.1 >"$TMP/passt-$PASST_RUNS.out" 2>&1 &
	PASST=$!
	on_exit "kill $PASST"
	show_log_on_failure "$TMP/passt-$PASST_RUNS.out"
}
stop_passt() {
	kill "$PASST"
	wait "$PASST" 2>/dev/null || true
}

say "passt starts: the daemon connects by itself, the carrier goes on, an HTTP download arrives whole"
start_passt
wait_for "eth0 connected to passt" prop_is eth0 State '"connected"'
! no_carrier || fail "eth0 has no carrier with passt connected"
case "$(prop eth0 Peer)" in '"unix:pid='*) ;; *) fail "Peer is $(prop eth0 Peer)" ;; esac
got=$(download) || fail "the download through passt failed"
[ "$got" = "$want" ] || fail "the download's sha256 is $got, not $want"
echo "   sha256 $got"
[ "$(prop eth0 Connections)" -ge 1 ] || fail "Connections is $(prop eth0 Connections)"
[ "$(prop eth0 BytesFromHost)" -gt 4000000 ] || fail "the download is not in BytesFromHost: $(prop eth0 BytesFromHost)"

say "passt killed and started again, three times: the daemon dials again, traffic resumes, no fd is left behind"
# passt at times closes a connection soon after it was made: the daemon
# dials again at once, and counts both.
fds_before=$(fds)
for round in 1 2 3; do
	connections=$(prop eth0 Connections)
	stop_passt
	wait_for "eth0 dialing again" dialing
	wait_for "eth0 carrier off" no_carrier
	start_passt
	wait_for "eth0 reconnected ($round)" prop_is eth0 State '"connected"'
	[ "$(prop eth0 Connections)" -gt "$connections" ] \
		|| fail "Connections is $(prop eth0 Connections), as before the reconnect"
done
! no_carrier || fail "eth0 has no carrier after the reconnect"
got=$(download) || fail "the download after the reconnects failed"
[ "$got" = "$want" ] || fail "after the reconnects the download's sha256 is $got, not $want"
case "$(prop eth0 LastError)" in *"Connection refused"* | *"No such file"*) ;;
*) fail "LastError does not say why a reconnect failed: $(prop eth0 LastError)" ;; esac
[ "$(fds)" -eq "$fds_before" ] || fail "the daemon has $(fds) fds after the reconnects, $fds_before before"
echo "   $fds_before fds before and after"

say "restart through the fd store: the new daemon adopts the connection to passt"
wait_for "the connection in the fd store" grep -q "keeps conn-eth0" "$TMP/service-manager.log"
! grep -q "keeps listen-eth0" "$TMP/service-manager.log" || fail "a network that connects kept a listener"
old=$(daemon_pid)
kill -HUP "$service_manager_PID"
wait_for "a new daemon" sh -c "[ \"\$(cat $TMP/sm/pid)\" != $old ] && test -e $TMP/sm/ready"
wait_for "eth0 restored" grep -q "eth0: restored, connected" "$TMP/service-manager.log"
kill -0 "$PASST" || fail "passt is gone"
got=$(download) || fail "the download after the restart failed"
[ "$got" = "$want" ] || fail "after the restart the download's sha256 is $got, not $want"

say "passt killed after the restart: the new daemon dials again too"
stop_passt
wait_for "eth0 dialing again" dialing
start_passt
wait_for "eth0 reconnected" prop_is eth0 State '"connected"'
got=$(download) || fail "the download after the last reconnect failed"
[ "$got" = "$want" ] || fail "after the last reconnect the download's sha256 is $got, not $want"

say "detach while passt is away: nothing is left"
stop_passt
wait_for "eth0 dialing" dialing
bus_call "$ADDR" $M DetachNetwork s eth0 >/dev/null
! ip -n "$NS" link show eth0 >/dev/null 2>&1 || fail "eth0 is still there"

say "arca-relayd connects to a listening host: its port is on the bridge while connected"
HELPER=arca-conh-$ID
PEER=arca-conp-$ID
make_netns "$HELPER"
make_netns "$PEER"
make_bridge_peer "$HELPER" "lb$ID" "$PEER" "v$ID" 10.57.0.1/24
RL=p2p:unix:path=$TMP/rl.bus
RLM="org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager"
rel_prop() {
	bus_call "$RL" org.arca.Relay1 /org/arca/Relay1/relay/6001 \
		org.freedesktop.DBus.Properties Get ss org.arca.Relay1.Relay "$1"
}
rel_prop_is() { [ "$(rel_prop "$1")" = "$2" ]; }
rel_dialing() { case "$(rel_prop State)" in '"dialing"' | '"waiting"') ;; *) return 1 ;; esac; }
# No Open vSwitch here: a bridge-only helper VM.
start_daemon relayd ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" --bus="$TMP/rl.bus" \
	--state-dir="$TMP/rl-state" --ovs-db="unix:$TMP/no-ovs.sock" --ovs-timeout=1 --log-level=debug
show_log_on_failure "$TMP/relayd.log"
wait_for arca-relayd bus_call "$RL" $RLM GetStatus ""
start_relay() { bus_call "$RL" $RLM StartRelay 'usssua{sv}' 6001 "lb$ID" "r$ID" 02:42:ac:12:00:05 0 "$1"; }
expect_error org.arca.Error.InvalidArgument start_relay \
	"{\"Connect\": [\"s\", \"$TMP/host.sock\"], \"Listen\": [\"s\", \"$TMP/r.sock\"], \"Backend\": [\"s\", \"bridge\"]}"
# arcactl says so before it asks.
rc=0
"$BUILD/src/arcactl/arcactl" --bus="$TMP/rl.bus" relay start 6001 --bridge="lb$ID" --backend=bridge \
	--connect="$TMP/host.sock" --listen="$TMP/r.sock" 2>"$TMP/err" || rc=$?
[ "$rc" -ne 0 ] && grep -q "give --connect= or --listen=/--listen-fd=, not both" "$TMP/err" \
	|| fail "arcactl took --connect with --listen: $rc, $(cat "$TMP/err")"
echo "   arcactl: $(cat "$TMP/err")"
start_relay "{\"Connect\": [\"s\", \"$TMP/host.sock\"], \"Backend\": [\"s\", \"bridge\"]}" >/dev/null
wait_for "relay 6001 dialing" rel_dialing
! ip -n "$HELPER" link show "r$ID" >/dev/null 2>&1 || fail "the port exists without a host"

HOST_RUNS=0
start_host() {
	HOST_RUNS=$((HOST_RUNS + 1))
	"$PY" "$LIB/frame-peer.py" --listen "$TMP/host.sock" --ip 10.57.0.2 --mac 02:42:ac:12:00:05 \
		>"$TMP/host-$HOST_RUNS.out" 2>&1 &
	HOST=$!
	on_exit "kill $HOST"
}
for round in 1 2; do
	start_host
	wait_for "relay 6001 connected ($round)" rel_prop_is State '"connected"'
	wait_for "the port on the bridge" sh -c "ip -n $HELPER link show r$ID | grep -q 'master lb$ID'"
	ip netns exec "$PEER" ping -c 3 -i 0.2 -W 2 10.57.0.2 >/dev/null || fail "ping across the relay failed ($round)"
	rel_prop_is Connections "$round" || fail "Connections is $(rel_prop Connections), not $round"
	kill "$HOST"
	wait "$HOST" 2>/dev/null || true
	grep -q "icmp=3" "$TMP/host-$HOST_RUNS.out" || fail "the host saw no 3 pings: $(cat "$TMP/host-$HOST_RUNS.out")"
	wait_for "relay 6001 dialing again" rel_dialing
	wait_for "the port deleted" sh -c "! ip -n $HELPER link show r$ID"
done
bus_call "$RL" $RLM StopRelay u 6001 >/dev/null
say "PASS"
