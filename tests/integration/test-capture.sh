#!/usr/bin/env bash
# arcactl capture: a person debugging a network or relay writes what it
# forwards to a pcap file, on a private system bus whose policy lets every
# caller through, so the daemons' own root check is what refuses others.
# - frames both ways, whole, in a file tcpdump reads, mode 0600;
# - interrupting stops at a frame's end; a frame or byte cap ends it;
# - a stalled reader misses frames but never slows forwarding;
# - one capture at a time; the next may start once the reader has gone;
# - a relay's port is captured by vsock port number;
# - bad input and non-root callers are refused with one line, no file made.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping setpriv tcpdump dbus-daemon
[ -x "$BUILD/src/forwarderd/arca-forwarderd" ] || fail "arca-forwarderd not built in $BUILD"

make_tmpdir
start_dbus
CTR=arca-cct-$ID
HELPER=arca-chl-$ID
make_netns "$CTR"
make_netns "$HELPER"
ip netns exec "$CTR" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$HELPER" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ARCACTL=$BUILD/src/arcactl/arcactl
ctl() { "$ARCACTL" "$@"; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
frames() { "$PY" "$LIB/pcap-check.py" "$1" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["frames"])'; }
# count FILE PYTHON-CONDITION: frames of FILE (as pcap-check.py sums them
# up, as f) for which the condition holds.
count() {
	"$PY" "$LIB/pcap-check.py" "$1" | "$PY" -c \
		"import json, sys; print(sum(1 for f in json.load(sys.stdin)['list'] if $2))"
}

# capture_started LOG NAME N: the daemon has started its Nth capture of NAME.
capture_started() { [ "$(grep -c "$2: capture started" "$TMP/$1.log")" -ge "$3" ]; }
capture_ended() { [ "$(grep -c "$2: capture ended" "$TMP/$1.log")" -ge "$3" ]; }

start_daemon forwarderd ip netns exec "$CTR" "$BUILD/src/forwarderd/arca-forwarderd" \
	--state-dir="$TMP/fw-state"
show_log_on_failure "$TMP/forwarderd.log"
start_daemon relayd ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd" \
	--state-dir="$TMP/rl-state" --ovs-db="unix:$TMP/no-ovs.sock" --ovs-timeout=1
show_log_on_failure "$TMP/relayd.log"
wait_for arca-forwarderd ctl status
wait_for arca-relayd ctl relay status

ctl attach eth1 5001 10.95.0.2/24 --listen="$TMP/eth1.sock"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/eth1.sock" --ip 10.95.0.1 >"$TMP/peer.log" 2>&1 &
on_exit "kill $!"
show_log_on_failure "$TMP/peer.log"
wait_for "the host on eth1" sh -c "'$ARCACTL' status eth1 | grep -q connected"
MAC=$(ctl --json=short status eth1 | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["Networks"][0]["MAC"])')

say "20 frames of a ping, both ways, in a file tcpdump reads"
"$ARCACTL" capture eth1 -w "$TMP/ping.pcap" -c 20 2>"$TMP/capture.err" &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 1
ip netns exec "$CTR" ping -c 10 -i 0.1 -W 1 10.95.0.1 >/dev/null || fail "ping through eth1 failed"
wait "$CAP" || fail "arcactl capture failed: $(cat "$TMP/capture.err")"
[ "$(cat "$TMP/capture.err")" = "20 frames captured." ] || fail "arcactl said: $(cat "$TMP/capture.err")"
[ "$(frames "$TMP/ping.pcap")" -eq 20 ] || fail "the file holds $(frames "$TMP/ping.pcap") frames, not 20"
requests=$(count "$TMP/ping.pcap" "f.get('icmp') == 8 and f['src'] == '$MAC' and f['ipdst'] == '10.95.0.1'")
replies=$(count "$TMP/ping.pcap" "f.get('icmp') == 0 and f['dst'] == '$MAC' and f['ipsrc'] == '10.95.0.1'")
[ "$requests" -ge 9 ] && [ "$replies" -ge 9 ] || fail "$requests echo requests and $replies replies captured"
tcpdump -nn -r "$TMP/ping.pcap" 2>"$TMP/tcpdump.err" >"$TMP/tcpdump.out" || fail "tcpdump: $(cat "$TMP/tcpdump.err")"
[ "$(grep -c "ICMP echo request" "$TMP/tcpdump.out")" -eq "$requests" ] || fail "tcpdump reads: $(cat "$TMP/tcpdump.out")"
[ "$(stat -c %a "$TMP/ping.pcap")" = 600 ] || fail "the file's mode is $(stat -c %a "$TMP/ping.pcap")"
wait_for "the capture's end logged" capture_ended forwarderd eth1 1
grep -q "eth1: capture ended (frame cap reached): 20 frames" "$TMP/forwarderd.log" || fail "no end logged"

say "stopped (SIGTERM; Ctrl-C alike) during a ping flood: the file ends with a whole frame"
"$ARCACTL" capture eth1 -w "$TMP/flood.pcap" 2>"$TMP/capture.err" &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 2
ip netns exec "$CTR" ping -f -c 3000 -s 1000 -q 10.95.0.1 >/dev/null &
PING=$!
sleep 0.3
kill -TERM "$CAP"
wait "$CAP" || fail "an interrupted capture failed: $(cat "$TMP/capture.err")"
wait "$PING" || true
got=$(frames "$TMP/flood.pcap") || fail "the interrupted capture is no whole pcap file"
[ "$got" -gt 0 ] || fail "nothing captured during the flood"
[ "$(cat "$TMP/capture.err")" = "$got frames captured." ] || fail "arcactl said: $(cat "$TMP/capture.err")"
tcpdump -nn -r "$TMP/flood.pcap" >/dev/null 2>"$TMP/tcpdump.err" || fail "tcpdump: $(cat "$TMP/tcpdump.err")"
! grep -qi "truncated" "$TMP/tcpdump.err" || fail "tcpdump: $(cat "$TMP/tcpdump.err")"
echo "   $got frames, whole"

say "a stalled reader misses frames and never slows forwarding"
"$ARCACTL" capture eth1 -w "$TMP/stalled.pcap" 2>"$TMP/capture.err" &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 3
kill -STOP "$CAP"
ip netns exec "$CTR" ping -f -c 4000 -s 1400 -q 10.95.0.1 >"$TMP/ping.out" || fail "the flood failed: $(cat "$TMP/ping.out")"
grep -q " 0% packet loss" "$TMP/ping.out" || fail "frames were lost while the reader stalled: $(cat "$TMP/ping.out")"
kill -CONT "$CAP"
kill -TERM "$CAP"
wait "$CAP" || fail "the stalled capture failed: $(cat "$TMP/capture.err")"
got=$(frames "$TMP/stalled.pcap") || fail "the stalled capture is no whole pcap file"
wait_for "the capture's end logged" capture_ended forwarderd eth1 3
missed=$(grep "eth1: capture ended" "$TMP/forwarderd.log" | tail -1 | sed -n 's/.* \([0-9]*\) frames missed.*/\1/p')
[ "$got" -gt 0 ] && [ "$missed" -gt 0 ] && [ $((got + missed)) -ge 8000 ] \
	|| fail "$got frames captured and $missed missed of 8000 forwarded"
echo "   $got frames captured, $missed missed, no ping lost"

say "one capture at a time; the next starts once the reader has gone"
"$ARCACTL" capture eth1 -w "$TMP/first.pcap" 2>/dev/null &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 4
expect 1 "arcactl: A capture of eth1 is running already; end it first (interrupt its 'arcactl capture')." \
	ctl capture eth1 -w "$TMP/second.pcap"
[ ! -e "$TMP/second.pcap" ] || fail "a refused capture left a file behind"
kill -KILL "$CAP"
wait "$CAP" 2>/dev/null || true
wait_for "the capture's end" capture_ended forwarderd eth1 4
grep "eth1: capture ended" "$TMP/forwarderd.log" | tail -1 | matches "the reader closed the pipe" \
	|| fail "the reader's going away was not noticed"
"$ARCACTL" capture eth1 -w "$TMP/third.pcap" -c 2 2>/dev/null &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 5
ip netns exec "$CTR" ping -c 1 -W 1 10.95.0.1 >/dev/null
wait "$CAP" || fail "a capture after a killed one failed"
[ "$(frames "$TMP/third.pcap")" -eq 2 ] || fail "the capture after a killed one holds $(frames "$TMP/third.pcap") frames"

say "a byte cap: the file stays below it, with whole frames"
"$ARCACTL" capture eth1 -w "$TMP/small.pcap" --max-bytes=1000 2>"$TMP/capture.err" &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 6
ip netns exec "$CTR" ping -c 4 -i 0.1 -s 400 -W 1 10.95.0.1 >/dev/null
wait "$CAP" || fail "the byte-capped capture failed"
size=$(stat -c %s "$TMP/small.pcap")
[ "$size" -le 1000 ] && [ "$(frames "$TMP/small.pcap")" -eq 2 ] \
	|| fail "$size bytes, $(frames "$TMP/small.pcap") frames under a cap of 1000 bytes"

say "a snapshot length keeps the first bytes of each frame"
"$ARCACTL" capture eth1 -w "$TMP/snap.pcap" -c 2 -s 64 2>/dev/null &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 7
ip netns exec "$CTR" ping -c 1 -s 400 -W 1 10.95.0.1 >/dev/null
wait "$CAP" || fail "the snapped capture failed"
[ "$(count "$TMP/snap.pcap" "f['caplen'] == 64 and f['len'] == 442")" -eq 2 ] \
	|| fail "frames were not cut to 64 bytes: $("$PY" "$LIB/pcap-check.py" "$TMP/snap.pcap")"

say "a relay's frames, by vsock port"
ip -n "$HELPER" link add lb0 type bridge
ip -n "$HELPER" addr add 10.94.0.1/24 dev lb0
ip -n "$HELPER" link set lb0 up
ctl relay start 6001 --bridge=lb0 --backend=bridge --port-name="rc$ID" --listen="$TMP/r6001.sock"
"$PY" "$LIB/frame-peer.py" --connect "$TMP/r6001.sock" --ip 10.94.0.2 >"$TMP/relay-peer.out" 2>&1 &
on_exit "kill $!"
wait_for "the host on relay 6001" sh -c "'$ARCACTL' relay status 6001 | grep -q connected"
"$ARCACTL" capture 6001 -w "$TMP/relay.pcap" -c 6 2>"$TMP/capture.err" &
CAP=$!
wait_for "the capture" capture_started relayd "relay 6001" 1
ip netns exec "$HELPER" ping -c 3 -i 0.1 -W 1 10.94.0.2 >/dev/null || fail "ping through the relay failed"
wait "$CAP" || fail "the relay capture failed: $(cat "$TMP/capture.err")"
[ "$(count "$TMP/relay.pcap" "f['type'] == '0806'")" -ge 2 ] && [ "$(count "$TMP/relay.pcap" "f.get('icmp') in (0, 8)")" -ge 2 ] \
	|| fail "the relay capture lacks ARP or ICMP: $("$PY" "$LIB/pcap-check.py" "$TMP/relay.pcap")"

say "bad input and callers other than root are refused, and no file is made"
expect 1 "arcactl: Only root may capture traffic; run the command as root." \
	as_nobody "$ARCACTL" capture eth1 -w /tmp/arca-capture-nobody-$ID.pcap
[ ! -e "/tmp/arca-capture-nobody-$ID.pcap" ] || fail "a refused capture left a file behind"
expect 1 "arcactl: No network is attached as 'eth9'; 'arcactl list' shows them." \
	ctl capture eth9 -w "$TMP/x.pcap"
expect 1 "arcactl: No network is attached as '7777' and no network or relay is on that vsock port; 'arcactl list' shows them." \
	ctl capture 7777 -w "$TMP/x.pcap"
expect 2 "arcactl: 'capture' needs -w FILE, or -w - for stdout; see 'arcactl capture --help'" ctl capture eth1
expect 2 "arcactl: --count= takes a number of frames above 0, not '0'" ctl capture eth1 -w "$TMP/x.pcap" -c 0
expect 2 "arcactl: --snapshot-length= takes 1 to 262144 bytes, not '0'" ctl capture eth1 -w "$TMP/x.pcap" -s 0
expect 2 "arcactl: --max-bytes= takes a size of at least 128 bytes, not '100'" \
	ctl capture eth1 -w "$TMP/x.pcap" --max-bytes=100
expect 2 "arcactl: --count does not apply to 'status'; see 'arcactl status --help'" ctl status -c 3
[ ! -e "$TMP/x.pcap" ] || fail "a refused capture left a file behind"

say "detaching the network ends its capture, and arcactl with it"
"$ARCACTL" capture eth1 -w - -c 1000000 2>"$TMP/capture.err" >"$TMP/stdout.pcap" &
CAP=$!
wait_for "the capture" capture_started forwarderd eth1 8
ctl detach eth1
wait "$CAP" || fail "the capture of a detached network failed: $(cat "$TMP/capture.err")"
frames "$TMP/stdout.pcap" >/dev/null || fail "the file written to stdout is no whole pcap file"

echo "PASS"
