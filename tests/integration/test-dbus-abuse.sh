#!/usr/bin/env bash
# Random and malformed D-Bus calls to both daemons, and churn, while a
# steady link on each is watched (run it under ASan: the test command's
# build). Both daemons serve peer-to-peer (--bus=), the relay on a Linux
# bridge, without Open vSwitch.
# - lib/bus-abuse.py calls every method of every interface with wrong
#   signatures, odd and huge arguments, each option with each wrong type,
#   fds of every kind for ListenFD, property Get and Set, malformed wire
#   messages, then random calls from a seed (1, so that every run of the
#   test command makes the same; --seed=N makes others): each call is answered within 5 s, an error by a documented name
#   with a message, and nothing is left behind; then again as nobody, who
#   may change nothing;
# - the steady links still forward, and a network and a relay made,
#   connected to and removed as usual still work;
# - 1,000 AttachNetwork/DetachNetwork and 1,000 StartRelay/StopRelay, a
#   host connected each time;
# - afterwards each daemon holds the fds, devices, listening sockets and
#   state files it held before, its RSS grew by less than a bound (by
#   less than 1 MiB in the churn), it exits 0 on SIGTERM, and no
#   sanitizer reported (common.sh).
# Every check runs; those that fail are listed at the end.
source "$(dirname "$0")/lib/common.sh"
require_root
require_tools ip ping ss setpriv
FORWARDERD=$BUILD/src/forwarderd/arca-forwarderd
RELAYD=$BUILD/src/relayd/arca-relayd
[ -x "$FORWARDERD" ] || fail "arca-forwarderd not built in $BUILD"
[ -x "$RELAYD" ] || fail "arca-relayd not built in $BUILD"
$PY -c 'import dbus' 2>/dev/null || skip "needs python3-dbus (scripts/install-deps installs it)"

SEED=1
while [ $# -gt 0 ]; do
	case "$1" in
	--seed=*) SEED=${1#--seed=} ;;
	--seed) SEED=$2; shift ;;
	*) fail "usage: $0 [--seed=N]" ;;
	esac
	shift
done
RANDOM_CALLS=2000
CYCLES=1000
# Not ldd | matches: with pipefail, ldd killed by SIGPIPE fails it at times.
if [[ "$(ldd "$FORWARDERD")" == *libasan* ]]; then
	# ASan keeps what is freed in a quarantine (256 MiB by default), where
	# RSS counts it; a small one lets RSS tell growth and still catches a
	# use of what was freed last. The ASAN_OPTIONS given come after: they
	# win.
	export ASAN_OPTIONS="quarantine_size_mb=4:allocator_release_to_os_interval_ms=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	RSS_BOUND_KIB=16384
else
	# glibc keeps some of the heap a 1 MiB message grew.
	RSS_BOUND_KIB=4096
fi

make_tmpdir
# nobody's calls reach the daemons' sockets through it.
chmod 755 "$TMP"
CTR=arca-act-$ID
HELPER=arca-ahl-$ID
make_netns "$CTR"
make_netns "$HELPER"
ip -n "$HELPER" link add br0 type bridge
ip -n "$HELPER" addr add 10.211.0.1/24 dev br0
ip -n "$HELPER" link set br0 up
FW=p2p:unix:path=$TMP/fw.bus
RL=p2p:unix:path=$TMP/rl.bus
FWM="org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager"
RLM="org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager"

FAILED=()
problem() {
	echo "FAIL: $*"
	FAILED+=("$*")
}

start_daemon forwarderd ip netns exec "$CTR" "$FORWARDERD" --bus="$TMP/fw.bus" --state-dir="$TMP/fw-state" \
	--log-level=notice
show_log_on_failure "$TMP/forwarderd.log"
# ovs-vsctl that always fails: relays on Open vSwitch are refused at once.
start_daemon relayd ip netns exec "$HELPER" "$RELAYD" --bus="$TMP/rl.bus" --state-dir="$TMP/rl-state" \
	--ovs-vsctl=/bin/false --log-level=notice
show_log_on_failure "$TMP/relayd.log"
wait_for arca-forwarderd bus_call "$FW" $FWM GetStatus ""
wait_for arca-relayd bus_call "$RL" $RLM GetStatus ""
FWPID=$forwarderd_PID RLPID=$relayd_PID

state_is() {   # state_is BUS PATH INTERFACE STATE
	[ "$(bus_call "$1" "${3%.*}" "$2" org.freedesktop.DBus.Properties Get ss "$3" State)" = "\"$4\"" ]
}
network_is() { state_is "$FW" "/org/arca/Forwarder1/network/$1" org.arca.Forwarder1.Network "$2"; }
relay_is() { state_is "$RL" "/org/arca/Relay1/relay/$1" org.arca.Relay1.Relay "$2"; }

start_host() {   # start_host NAME SOCKET IP
	"$PY" "$LIB/frame-peer.py" --connect "$2" --ip "$3" >"$TMP/$1.out" 2>&1 &
	on_exit "kill $!"
	eval "HOST_$1=$!"
}
stop_host() {   # the daemon may have hung up on it already
	local pid
	eval "pid=\$HOST_$1"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
}

attach() {   # attach DEVICE PORT ADDRESS: a network whose host connects to $TMP/DEVICE.sock
	bus_call "$FW" $FWM AttachNetwork 'sussua{sv}' "$1" "$2" "$3" "" 24 \
		"{\"Listen\": [\"s\", \"$TMP/$1.sock\"]}" >/dev/null
}
start_relay() {   # start_relay PORT PORT_NAME: a relay on br0 whose host connects to $TMP/rPORT.sock
	bus_call "$RL" $RLM StartRelay 'usssua{sv}' "$1" br0 "$2" "" 0 \
		"{\"Listen\": [\"s\", \"$TMP/r$1.sock\"], \"Backend\": [\"s\", \"bridge\"]}" >/dev/null
}
pings() {   # pings NETNS ADDRESS: the far end answers through a daemon
	ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null
}
steady_links_forward() {
	network_is steady connected && pings "$CTR" 10.210.0.1 || problem "the steady network no longer forwards"
	relay_is 61999 connected && pings "$HELPER" 10.211.0.2 || problem "the steady relay no longer forwards"
}

devices() { ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'; }

# snapshot PID NETNS STATE_DIR DIR...: what a daemon holds and made, one
# item a line. ss lists vsock sockets only with vsock_diag; without it
# they are among the fds.
snapshot() {
	local pid=$1 ns=$2 state=$3
	shift 3
	echo "fds: $(ls "/proc/$pid/fd" | wc -l)"
	devices "$ns" | sed 's/^/device: /'
	{ ip netns exec "$ns" ss -xlpH; ss -lpH --vsock 2>/dev/null; } \
		| awk -v p="pid=$pid," 'index($0, p) { print "listening: " $1 " " $5 }'
	find "$state" "$@" -mindepth 1 | sort | sed 's/^/file: /'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# check_growth NAME PID RSS RSS_ABUSED: the figures of a daemon, from the
# start and after the abuse (KiB) to now; how much it may grow.
check_growth() {
	local after
	after=$(rss_kib "$2")
	echo "   $1: fds $(sed -n 's/^fds: //p' "$TMP/$1.before") -> $(sed -n 's/^fds: //p' "$TMP/$1.after")," \
		"RSS $3 KiB, $4 KiB after the abuse, $after KiB after the churn"
	[ $((after - $3)) -lt "$RSS_BOUND_KIB" ] || problem "$1 grew by $((after - $3)) KiB"
	[ $((after - $4)) -lt 1024 ] || problem "$1 grew by $((after - $4)) KiB in the churn"
}

# stop NAME PID: SIGTERM, and the daemon exits 0.
stop() {
	local rc=0
	kill -TERM "$2"
	wait "$2" || rc=$?
	[ "$rc" -eq 0 ] || problem "arca-$1 exited with $rc on SIGTERM: $(grep -m1 -E 'ERROR|runtime error' "$TMP/$1.log")"
}

# back_to NAME PID NETNS STATE_DIR DIR...: the daemon holds what it held
# in $TMP/NAME.before, within 5 s (hang-ups are heard a moment later).
back_to() {
	local name=$1 until=$((SECONDS + 5))
	shift
	while snapshot "$@" >"$TMP/$name.after"; ! cmp -s "$TMP/$name.before" "$TMP/$name.after"; do
		[ "$SECONDS" -lt "$until" ] || break
		sleep 0.1
	done
	cmp -s "$TMP/$name.before" "$TMP/$name.after" && return 0
	problem "$name is not back to where it started (< before, > after):"
	{ diff "$TMP/$name.before" "$TMP/$name.after" || true; } | sed -n 's/^[<>]/   &/p'
}

say "seed $SEED (repeat with --seed=$SEED)"

say "a steady link on each daemon: a network and a relay, a host connected to each"
attach steady 6999 10.210.0.2
start_host steady "$TMP/steady.sock" 10.210.0.1
start_relay 61999 steady
start_host steady_relay "$TMP/r61999.sock" 10.211.0.2
wait_for "the steady network connected" network_is steady connected
wait_for "the steady relay connected" relay_is 61999 connected
pings "$CTR" 10.210.0.1 || fail "no ping over the steady network"
pings "$HELPER" 10.211.0.2 || fail "no ping over the steady relay"

mkdir "$TMP/fw-abuse" "$TMP/rl-abuse" "$TMP/fw-nobody" "$TMP/rl-nobody"
chown nobody "$TMP/fw-nobody" "$TMP/rl-nobody"
FW_DIRS=("$TMP/fw-state" "$TMP/fw-abuse" "$TMP/fw-nobody")
RL_DIRS=("$TMP/rl-state" "$TMP/rl-abuse" "$TMP/rl-nobody")
snapshot "$FWPID" "$CTR" "${FW_DIRS[@]}" >"$TMP/arca-forwarderd.before"
snapshot "$RLPID" "$HELPER" "${RL_DIRS[@]}" >"$TMP/arca-relayd.before"
FW_RSS=$(rss_kib "$FWPID") RL_RSS=$(rss_kib "$RLPID")
START=$SECONDS

# abuse [nobody] forwarder|relay OPTIONS...: lib/bus-abuse.py on a
# daemon, in its namespace, as root or nobody.
abuse() {
	local as=() daemon ns=$CTR bus=$TMP/fw.bus
	if [ "$1" = nobody ]; then
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		shift
	fi
	daemon=$1
	shift
	if [ "$daemon" = relay ]; then
		ns=$HELPER bus=$TMP/rl.bus
	fi
	ip netns exec "$ns" "${as[@]}" "$PY" "$LIB/bus-abuse.py" abuse "$daemon" "$bus" --bridge br0 \
		--seed "$SEED" "$@" || problem "bus-abuse.py found problems with the $daemon (above)"
}

say "malformed and random calls to arca-forwarderd, as root"
abuse forwarder --dir "$TMP/fw-abuse" --pid "$FWPID" --state-dir "$TMP/fw-state" --random "$RANDOM_CALLS"
say "malformed and random calls to arca-relayd, as root"
abuse relay --dir "$TMP/rl-abuse" --pid "$RLPID" --state-dir "$TMP/rl-state" --random "$RANDOM_CALLS"
say "the same as nobody: nothing may change"
abuse nobody forwarder --dir "$TMP/fw-nobody" --random $((RANDOM_CALLS / 4)) --denied
abuse nobody relay --dir "$TMP/rl-nobody" --random $((RANDOM_CALLS / 4)) --denied
echo "   abuse: $((SECONDS - START)) s"

say "both daemons answer as before: the steady links forward"
steady_links_forward

say "a network and a relay made, connected to, and removed"
if attach eth0 5000 10.212.0.2; then
	start_host eth0 "$TMP/eth0.sock" 10.212.0.1
	if wait_for "eth0 connected" network_is eth0 connected && pings "$CTR" 10.212.0.1; then
		bus_call "$FW" $FWM DetachNetwork s eth0 >/dev/null || problem "DetachNetwork eth0 failed"
	else
		problem "a new network does not forward"
	fi
	stop_host eth0
else
	problem "AttachNetwork of a new network failed"
fi
if start_relay 5001 new; then
	start_host relay "$TMP/r5001.sock" 10.211.0.3
	if wait_for "relay 5001 connected" relay_is 5001 connected && pings "$HELPER" 10.211.0.3; then
		bus_call "$RL" $RLM StopRelay u 5001 >/dev/null || problem "StopRelay 5001 failed"
	else
		problem "a new relay does not forward"
	fi
	stop_host relay
else
	problem "StartRelay of a new relay failed"
fi

say "$CYCLES AttachNetwork/DetachNetwork and $CYCLES StartRelay/StopRelay, a host connected each time"
FW_RSS_ABUSED=$(rss_kib "$FWPID") RL_RSS_ABUSED=$(rss_kib "$RLPID")
START=$SECONDS
# One daemon's churn beside the other's.
ip netns exec "$CTR" "$PY" "$LIB/bus-abuse.py" churn forwarder "$TMP/fw.bus" --dir "$TMP/fw-abuse" \
	--cycles "$CYCLES" &
FW_CHURN=$!
ip netns exec "$HELPER" "$PY" "$LIB/bus-abuse.py" churn relay "$TMP/rl.bus" --dir "$TMP/rl-abuse" --bridge br0 \
	--cycles "$CYCLES" &
RL_CHURN=$!
wait "$FW_CHURN" || problem "the network churn failed (above)"
wait "$RL_CHURN" || problem "the relay churn failed (above)"
echo "   churn: $((SECONDS - START)) s"

say "each daemon holds what it held before; it grew by less than $RSS_BOUND_KIB KiB, in the churn by less than 1 MiB"
back_to arca-forwarderd "$FWPID" "$CTR" "${FW_DIRS[@]}"
back_to arca-relayd "$RLPID" "$HELPER" "${RL_DIRS[@]}"
check_growth arca-forwarderd "$FWPID" "$FW_RSS" "$FW_RSS_ABUSED"
check_growth arca-relayd "$RLPID" "$RL_RSS" "$RL_RSS_ABUSED"

say "the steady links still forward; SIGTERM: both exit 0 and leave nothing behind"
steady_links_forward
stop forwarderd "$FWPID"
stop relayd "$RLPID"
left=$({ devices "$CTR"; devices "$HELPER"; } | grep -vx 'lo\|br0' || true)
[ -z "$left" ] || problem "devices left after SIGTERM:" $left
left=$(find "$TMP/fw-state" "$TMP/rl-state" -mindepth 1)
[ -z "$left" ] || problem "state left after SIGTERM:" $left

echo "   $SECONDS s in all"
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "FAIL: ${#FAILED[@]} checks failed (seed $SEED):"
	printf '   %s\n' "${FAILED[@]}"
	exit 1
fi
echo "PASS"
