#!/usr/bin/env bash
# Chaos soak: the demo's data path under random faults, for a while.
#
#   container ns                host (socat)            helper ns
#   eth0 (TAP) -- arca-forwarderd == unix == arca-relayd -- OVS br-int -- peer ns
#
# Both daemons run under service-manager.py, which keeps their fd store.
# A 4 MiB file crosses the chain by TCP both ways at once, over and over,
# each copy checked by sha256, while every 2 to 6 s one fault, picked at
# random, strikes:
#   relayd-restart, forwarderd-restart  SIGHUP to its service manager: a
#                                       restart through the fd store
#   relayd-kill, forwarderd-kill        SIGKILL; its service manager and fd
#                                       store go with it, and a new one
#                                       starts it from its state directory
#   host-drop                           socat killed, started again after
#                                       a pause
#   vswitchd-restart, ovsdb-restart     an Open vSwitch daemon stopped and
#                                       started again
#   bridge-readd                        br-int deleted, then added again
#                                       with the peer's port
# Whenever the host's connection is gone, socat connects again, as the
# host does; a restart through the fd store must not need that. After each
# fault the chain must carry a ping again within 30 s, and the daemons'
# frame and byte counters must not have gone back (but at a SIGKILL: the
# counters live in the process alone).
#
# A transfer cut by a fault counts as interrupted, with the faults it ran
# into; one that completes must carry the bytes sent, and one cut with no
# fault under way fails the soak. At the end, with the transfers stopped:
# each daemon holds as many fds as when the chain was first up, the
# namespaces the same devices, br-int the same ports, the state
# directories the same files; no daemon died but of our SIGKILLs, both
# stop cleanly, and no sanitizer reported. A summary ends it.
#
#   tests/soak/soak.sh                          # 600 s of faults
#   tests/soak/soak.sh --seconds 45 --seed 42   # short, as CI runs it
#   ARCA_BUILD=$PWD/build/asan ASAN_OPTIONS=detect_leaks=1 tests/soak/soak.sh --seconds 60
#
# --seed replays the same faults in the same order at the same intervals
# (bash's $RANDOM).
# Exit status: 0 pass, 1 fail, 77 skipped (not root, a tool missing).
source "$(dirname "$0")/../integration/lib/common.sh"
source "$(dirname "$0")/../integration/lib/ovs.sh"

DURATION=600
SEED=$RANDOM
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) DURATION=${2:-}; shift 2 || shift ;;
	--seconds=*) DURATION=${1#*=}; shift ;;
	--seed) SEED=${2:-}; shift 2 || shift ;;
	--seed=*) SEED=${1#*=}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) fail "unknown argument '$1' (see --help)" ;;
	esac
done
[[ $DURATION =~ ^[0-9]+$ ]] || fail "--seconds takes a number of seconds, not '$DURATION'"
[[ $SEED =~ ^[0-9]+$ ]] || fail "--seed takes a number, not '$SEED'"

require_root
require_tools ip ping busctl socat ss sha256sum timeout cmp
for d in forwarderd relayd; do
	[ -x "$BUILD/src/$d/arca-$d" ] || fail "arca-$d not built in $BUILD"
done

CTR=arca-sct-$ID
HELPER=arca-shl-$ID
PEER=arca-spr-$ID
CTR_IP=10.99.0.2
PEER_IP=10.99.0.1
MAC=02:42:ac:12:00:02
SIZE_MIB=4
TRANSFER_TIMEOUT=60
RECOVER_TIMEOUT=30
KINDS=(relayd-restart forwarderd-restart relayd-kill forwarderd-kill host-drop
	vswitchd-restart ovsdb-restart bridge-readd)
COUNTERS=(FramesToHost BytesToHost FramesFromHost BytesFromHost)
declare -A SM_PID FAULTS RECONNECTS LAST_COUNTERS
REGRESSIONS=0 HOST_PID='' LOOPS=()

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
sleep_ms() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }
seconds() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }   # ms as s.d

# running PID COMMAND: PID is a COMMAND this shell started, not a zombie.
# PIDs wrap within minutes here (pid_max 32768), so a PID alone says little.
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[[ $stat == *"($2) "[^Z]" $$ "* ]]
}

# within SECONDS WHAT COMMAND...: retries COMMAND until it succeeds; past
# SECONDS the soak fails, with what the daemons say.
within() {
	local deadline=$(($(now_ms) + $1 * 1000)) what=$2
	shift 2
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || chain_failed "$what"
		sleep 0.2
	done
}

chain_failed() {
	echo "FAIL: $1: not within the time allowed"
	echo "--- arca-forwarderd's view"
	"$BUILD/src/arcactl/arcactl" --bus="$TMP/fw.bus" status eth0 2>&1 || true
	echo "--- arca-relayd's view"
	"$BUILD/src/arcactl/arcactl" --bus="$TMP/rl.bus" relay status 5001 2>&1 || true
	echo "--- devices in $HELPER, ports on br-int"
	ip -n "$HELPER" -br link 2>&1 || true
	ovs-vsctl --db="$OVS_DB" --timeout=5 list-ports br-int 2>&1 || true
	exit 1
}

# What a failure shows: the end of every log.
show_logs() {
	local log
	for log in "$TMP"/*.log "$OVS_DIR"/*.log; do
		echo "--- last lines of $log"
		tail -n 40 "$log"
	done
}

# --- the daemons, each under its own service manager -----------------------

# start_service forwarderd|relayd: a new service manager (and fd store) for
# the daemon, its output added to $TMP/NAME.log; returns once it is ready.
start_service() {
	local name=$1 dir=$TMP/$1-sm cmd
	case $name in
	forwarderd) cmd=(ip netns exec "$CTR" "$BUILD/src/forwarderd/arca-forwarderd"
		--bus="$TMP/fw.bus" --state-dir="$TMP/fw-state") ;;
	relayd) cmd=(ip netns exec "$HELPER" "$BUILD/src/relayd/arca-relayd"
		--bus="$TMP/rl.bus" --state-dir="$TMP/rl-state" --ovs-db="$OVS_DB") ;;
	esac
	mkdir -p "$dir"
	rm -f "$dir/notify.sock" "$dir/ready" "$dir/pid"
	"$PY" "$LIB/service-manager.py" --dir "$dir" -- "${cmd[@]}" >>"$TMP/$name.log" 2>&1 &
	SM_PID[$name]=$!
	within 30 "arca-$name to start" test -e "$dir/ready"
}

# stop_service NAME: SIGTERM to its service manager, which stops the
# daemon and exits with the daemon's exit status.
stop_service() {
	local pid=${SM_PID[$1]:-}
	[ -n "$pid" ] && running "$pid" python3 || return 0
	kill "$pid"
	wait "$pid"
}

daemon_pid() { cat "$TMP/$1-sm/pid"; }

# prop NAME PROPERTY...: properties of the one network or relay, as busctl
# prints them ("s \"connected\"", "t 1234"), one a line.
prop() {
	local name=$1
	shift
	case $name in
	forwarderd) set -- fw.bus org.arca.Forwarder1 /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network "$@" ;;
	relayd) set -- rl.bus org.arca.Relay1 /org/arca/Relay1/relay/5001 org.arca.Relay1.Relay "$@" ;;
	esac
	busctl --address="unix:path=$TMP/$1" --timeout=5 get-property "${@:2}"
}

counters() { prop "$1" "${COUNTERS[@]}" | awk '{ printf "%s%s", sep, $2; sep = " " }'; }

# --- the host: socat splices the two daemons' sockets ----------------------

start_host() {
	socat "UNIX-CONNECT:$TMP/fw.sock" "UNIX-CONNECT:$TMP/rl.sock" >>"$TMP/host.log" 2>&1 &
	HOST_PID=$!
}

stop_host() {
	running "$HOST_PID" socat || return 0
	kill "$HOST_PID"
	wait "$HOST_PID" || true
}

# The chain carries a ping, both ends connected.
chain_up() {
	[ "$(prop forwarderd State 2>/dev/null)" = 's "connected"' ] &&
		[ "$(prop relayd State 2>/dev/null)" = 's "connected"' ] &&
		ip netns exec "$CTR" ping -c 1 -W 1 -q "$PEER_IP" >/dev/null 2>&1
}

# chain_up, the host connecting again whenever its connection is gone;
# $RECONNECT counts its attempts.
healed() {
	if ! running "$HOST_PID" socat; then
		start_host
		RECONNECT=$((RECONNECT + 1))
	fi
	chain_up
}

# --- the transfers -----------------------------------------------------------

# listening NS PORT PID: PID, a receiver, listens on PORT in NS (5 s at most).
listening() {
	local _
	for _ in $(seq 50); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | matches . && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# transfer DIRECTION FROM-NS TO-NS ADDRESS PORT: the file across the chain
# once, recorded in $TMP/transfers.txt as
#   DIRECTION ok|bad|cut START-MS END-MS WHY
# It completes when both ends exit 0; a sender that did not (timed out,
# refused, reset) cuts it, whatever the receiver got.
transfer() {
	local dir=$1 from=$2 to=$3 addr=$4 port=$5 got=$TMP/got-$1 start result why=
	local rc_send=0 rc_recv=0
	start=$(now_ms)
	rm -f "$got"
	ip netns exec "$to" timeout "$TRANSFER_TIMEOUT" socat -u "TCP-LISTEN:$port,reuseaddr" \
		"OPEN:$got,creat,trunc" 2>"$TMP/recv-$dir.err" &
	RECV=$!
	if listening "$to" "$port" "$RECV"; then
		ip netns exec "$from" timeout "$TRANSFER_TIMEOUT" socat -u "OPEN:$DATA" "TCP:$addr:$port" \
			2>"$TMP/send-$dir.err" &
		SEND=$!
		wait "$SEND" || rc_send=$?
		SEND=''
	else
		rc_send=1
		echo "the receiver did not listen" >"$TMP/send-$dir.err"
	fi
	[ "$rc_send" -eq 0 ] || kill "$RECV" 2>/dev/null || true
	wait "$RECV" || rc_recv=$?
	RECV=''
	if [ "$rc_send" -ne 0 ] || [ "$rc_recv" -ne 0 ]; then
		result='cut'
		why=$(transfer_error "$dir" sender "$rc_send")
		[ "$rc_send" -ne 0 ] || why=$(transfer_error "$dir" receiver "$rc_recv")
	elif [ "$(sha256sum <"$got")" = "$WANT" ]; then
		result=ok
	else
		result=bad
		why="$(stat -c %s "$got") bytes, $(cmp "$DATA" "$got" 2>&1 | head -1)"
		echo "[$(date +%T.%3N)] BAD: a completed transfer $dir has other bytes than were sent: $why" >&2
	fi
	echo "$dir $result $start $(now_ms) $why" >>"$TMP/transfers.txt"
	[ "$result" != cut ] || sleep 1
}

# transfer_error DIRECTION sender|receiver STATUS: why that end failed.
transfer_error() {
	local msg
	[ "$3" -ne 124 ] || { echo "$2 timed out after $TRANSFER_TIMEOUT s"; return; }
	msg=$(grep -v '^$' "$TMP/${2:0:4}-$1.err" | tail -1 | sed 's/.* E //; s/.*): //') || true
	echo "$2: ${msg:-exit status $3}"
}

# transfer_loop DIRECTION: transfers until $TMP/stop appears; SIGTERM or
# SIGINT ends the one under way at once (timeout runs it in a process group
# of its own, out of a ^C's reach). $RECV and $SEND are the ends under way,
# emptied once waited for: PIDs come again soon here.
transfer_loop() {
	local dir=$1
	trap - EXIT
	trap 'kill $RECV $SEND 2>/dev/null; exit 0' TERM INT
	RECV='' SEND=''
	while [ ! -e "$TMP/stop" ]; do
		case $dir in
		to-peer) transfer "$dir" "$CTR" "$PEER" "$PEER_IP" 5301 ;;
		to-container) transfer "$dir" "$PEER" "$CTR" "$CTR_IP" 5302 ;;
		esac
	done
}

start_transfers() {
	head -c "${SIZE_MIB}M" /dev/urandom >"$DATA"
	WANT=$(sha256sum <"$DATA")
	: >"$TMP/transfers.txt"
	transfer_loop to-peer &
	LOOPS=($!)
	transfer_loop to-container &
	LOOPS+=($!)
}

# stop_transfers wait|now: lets the transfers under way end, or ends them.
stop_transfers() {
	[ ${#LOOPS[@]} -gt 0 ] || return 0
	touch "$TMP/stop"
	[ "$1" != now ] || kill "${LOOPS[@]}" 2>/dev/null || true
	wait "${LOOPS[@]}" || true
	LOOPS=()
}

# --- the faults --------------------------------------------------------------

restart_service() {
	local name=$1 old
	old=$(daemon_pid "$name")
	kill -HUP "${SM_PID[$name]}"
	within 30 "arca-$name to restart" restarted "$name" "$old"
}

restarted() { [ "$(daemon_pid "$1")" != "$2" ] && test -e "$TMP/$1-sm/ready"; }

# The service manager exits when its daemon dies, and its fd store with it:
# a new one starts the daemon afresh.
kill_service() {
	local name=$1
	kill -KILL "$(daemon_pid "$name")"
	within 10 "arca-$name's service manager to exit" eval "! running ${SM_PID[$name]} python3"
	wait "${SM_PID[$name]}" || true
	start_service "$name"
}

drop_host() {
	stop_host
	sleep_ms $((200 + RANDOM % 2801))
	start_host
}

# A change ovs-vsctl waits for ovs-vswitchd to apply: both OVS daemons are
# up and talking.
ovs_synced() {
	ovs-vsctl --db="$OVS_DB" --timeout=30 set Open_vSwitch . external-ids:soak-sync="$(now_ms)" \
		|| fail "ovs-vswitchd did not apply a change within 30 s"
}

restart_ovsdb() {
	stop_pidfile "$OVS_DIR/ovsdb-server.pid"
	ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" -vconsole:off \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --detach --log-file="$OVS_DIR/ovsdb-server.log" \
		|| fail "ovsdb-server did not start again"
	ovs_synced
}

restart_vswitchd() {
	stop_pidfile "$OVS_DIR/ovs-vswitchd.pid"
	ip netns exec "$OVS_NS" ovs-vswitchd "$OVS_DB" -vconsole:off --pidfile="$OVS_DIR/ovs-vswitchd.pid" \
		--detach --disable-system --log-file="$OVS_DIR/ovs-vswitchd.log" \
		|| fail "ovs-vswitchd did not start again"
	ovs_synced
}

readd_bridge() {
	ovs-vsctl --db="$OVS_DB" --timeout=30 del-br br-int || fail "br-int could not be deleted"
	sleep_ms $((RANDOM % 2001))
	ovs-vsctl --db="$OVS_DB" --timeout=30 add-br br-int -- set bridge br-int datapath_type=netdev \
		-- add-port br-int "$PEER_PORT" || fail "br-int could not be added again"
	ip -n "$HELPER" link set br-int up
}

# check_counters WHEN [KILLED]: each daemon's counters are at least what
# they were at the last look, but for the daemon KILLED since.
check_counters() {
	local when=$1 killed=${2:-} name line now prev i back
	for name in forwarderd relayd; do
		line=$(counters "$name") || chain_failed "arca-$name to tell its counters"
		read -ra now <<<"$line"
		read -ra prev <<<"${LAST_COUNTERS[$name]}"
		LAST_COUNTERS[$name]=${now[*]}
		[ "$name" != "$killed" ] || continue
		back=''
		for i in "${!COUNTERS[@]}"; do
			[ "${now[i]}" -ge "${prev[i]}" ] || back+=" ${COUNTERS[i]} ${prev[i]} -> ${now[i]},"
		done
		[ -n "$back" ] || continue
		echo "   arca-$name's counters went back $when:${back%,}"
		REGRESSIONS=$((REGRESSIONS + 1))
	done
}

# inject FAULT: strikes, waits for the chain to be back, records the fault
# in $TMP/faults.txt as "INJECTED-MS RECOVERED-MS FAULT".
inject() {
	local fault=$1 injected struck recovered
	check_counters "before $fault"
	injected=$(now_ms)
	case $fault in
	relayd-restart | forwarderd-restart) restart_service "${fault%-restart}" ;;
	relayd-kill | forwarderd-kill) kill_service "${fault%-kill}" ;;
	host-drop) drop_host ;;
	vswitchd-restart) restart_vswitchd ;;
	ovsdb-restart) restart_ovsdb ;;
	bridge-readd) readd_bridge ;;
	esac
	struck=$(now_ms)
	RECONNECT=0
	within "$RECOVER_TIMEOUT" "the chain to carry a ping again after $fault" healed
	recovered=$(now_ms)
	echo "$injected $recovered $fault" >>"$TMP/faults.txt"
	FAULTS[$fault]=$((${FAULTS[$fault]:-0} + 1))
	RECONNECTS[$fault]=$((${RECONNECTS[$fault]:-0} + RECONNECT))
	printf '[%s] +%4ds fault %3d %-18s done in %4s s, chain back %4s s later, host reconnects: %d\n' \
		"$(date +%T.%3N)" $(((injected - START) / 1000)) "$(fault_count)" "$fault" \
		"$(seconds $((struck - injected)))" "$(seconds $((recovered - struck)))" "$RECONNECT"
	check_counters "after $fault" "${fault%-kill}"
}

fault_count() { wc -l <"$TMP/faults.txt"; }

# --- what must be as it was --------------------------------------------------

devices() { ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | xargs; }

# One line per thing that must be back as it was at the start.
inventory() {
	echo "fds of arca-forwarderd: $(ls "/proc/$(daemon_pid forwarderd)/fd" | wc -l)"
	echo "fds of arca-relayd: $(ls "/proc/$(daemon_pid relayd)/fd" | wc -l)"
	echo "devices in the container: $(devices "$CTR")"
	echo "devices in the helper: $(devices "$HELPER")"
	echo "devices in the peer: $(devices "$PEER")"
	echo "ports on br-int: $(ovs-vsctl --db="$OVS_DB" --timeout=10 list-ports br-int | sort | xargs)"
	echo "state files of arca-forwarderd: $(cd "$TMP/fw-state" && echo *)"
	echo "state files of arca-relayd: $(cd "$TMP/rl-state" && echo *)"
}

# inventory, once it has stayed the same for a second (30 s at most).
steady_inventory() {
	local before now _
	now=$(inventory)
	for _ in $(seq 30); do
		before=$now
		sleep 1
		now=$(inventory)
		[ "$now" != "$before" ] || break
	done
	echo "$now"
}

# inventory, once it is back as at the start (30 s at most).
settled_inventory() {
	local now _
	for _ in $(seq 30); do
		now=$(inventory)
		[ "$now" != "$START_INVENTORY" ] || break
		sleep 1
	done
	echo "$now"
}

CHECKS=()
FAILED=0
check() {   # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		CHECKS+=("PASS: $what")
	else
		CHECKS+=("FAIL: $what")
		FAILED=1
	fi
}

same_inventory() {
	local start now
	while IFS= read -r start && IFS= read -r now <&3; do
		check "$now (at the start: ${start#*: })" [ "$start" = "$now" ]
	done <<<"$START_INVENTORY" 3<<<"$1"
}

# A daemon's service manager logs each end of it: "exited with 0" for each
# stop, "died with -9" for each of our SIGKILLs, nothing else.
ended_as_told() {
	local name=$1 log=$TMP/$1.log
	! grep "service-manager: .* exited with" "$log" | matches -v "exited with 0$" &&
		! grep "service-manager: .* died with" "$log" | matches -v "died with -9$" &&
		[ "$(grep -c "service-manager: .* died with" "$log")" -eq "${FAULTS[$name-kill]:-0}" ]
}

no_sanitizer_report() {
	RC=0
	check_sanitizer_reports
	[ "$RC" -eq 0 ]
}

# --- the summary -------------------------------------------------------------

count() { awk -v r="$1" -v d="${2:-}" '$2 == r && (d == "" || $1 == d)' "$TMP/transfers.txt" | wc -l; }

# One line per interrupted transfer: "DIRECTION, FAULTS: WHY", FAULTS
# those under way (from injection to recovery) while it ran, joined by "+",
# or "none".
interruptions() {
	awk 'FILENAME == ARGV[1] { inj[++n] = $1; rec[n] = $2; kind[n] = $3; next }
	$2 == "cut" {
		c = ""
		for (i = 1; i <= n; i++)
			if (inj[i] <= $4 && rec[i] >= $3)
				c = c (c == "" ? "" : "+") kind[i]
		why = ""
		for (i = 5; i <= NF; i++)
			why = why " " $i
		print $1 ", " (c == "" ? "none" : c) ":" why
	}' "$TMP/faults.txt" "$TMP/transfers.txt"
}

summary() {
	local fault dir slowest
	echo "seed $SEED, build $BUILD"
	echo "duration: $(seconds $((FAULT_END - START))) s of faults, $(seconds $(($(now_ms) - BEGIN))) s in all"
	echo "faults injected: $(fault_count)"
	for fault in "${KINDS[@]}"; do
		printf '  %-18s %4d  (host reconnect attempts: %d)\n' "$fault" "${FAULTS[$fault]:-0}" \
			"${RECONNECTS[$fault]:-0}"
	done
	for dir in to-peer to-container; do
		printf 'transfers completed %-13s %5d, %6d MiB moved\n' "$dir:" "$(count ok "$dir")" \
			$(($(count ok "$dir") * SIZE_MIB))
	done
	slowest=$(awk '$2 == "ok" && $4 - $3 > m { m = $4 - $3 } END { print m + 0 }' "$TMP/transfers.txt")
	echo "slowest completed transfer: $(seconds "$slowest") s"
	echo "transfers interrupted: $(count cut), by direction, the faults under way, and why:"
	interruptions | sort | uniq -c | sed 's/^ */  /'
	echo "checks:"
	printf '  %s\n' "${CHECKS[@]}"
}

# --- the soak ----------------------------------------------------------------

BEGIN=$(now_ms)
make_tmpdir
DATA=$TMP/data
make_netns "$CTR"
make_netns "$HELPER"

say "helper: Open vSwitch (userspace datapath) with br-int, a peer at $PEER_IP"
start_ovs "$HELPER" >/dev/null 2>&1
add_ovs_bridge br-int
add_ovs_peer br-int "$PEER" "$PEER_IP/24"

say "both daemons under service managers, a network and a relay, socat splicing them"
start_service relayd
on_exit "stop_service relayd"
busctl --address="unix:path=$TMP/rl.bus" call org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager \
	StartRelay 'usssua{sv}' 5001 br-int "" "$MAC" 0 1 Listen s "$TMP/rl.sock" >/dev/null
start_service forwarderd
on_exit "stop_service forwarderd"
busctl --address="unix:path=$TMP/fw.bus" call org.arca.Forwarder1 /org/arca/Forwarder1 \
	org.arca.Forwarder1.Manager AttachNetwork 'sussua{sv}' eth0 5000 "$CTR_IP" "$PEER_IP" 24 \
	2 Listen s "$TMP/fw.sock" MAC s "$MAC" >/dev/null
start_host
on_exit stop_host
on_exit '[ $RC -eq 0 ] || show_logs'
RECONNECT=0
within 30 "the chain to carry its first ping" healed
START_INVENTORY=$(steady_inventory)
for name in forwarderd relayd; do LAST_COUNTERS[$name]=$(counters "$name"); done

say "seed $SEED (--seed $SEED replays it), $DURATION s of faults, $SIZE_MIB MiB transfers both ways, $BUILD"
RANDOM=$SEED
: >"$TMP/faults.txt"
start_transfers
on_exit "stop_transfers now"
START=$(now_ms)
while true; do
	sleep_ms $((2000 + RANDOM % 4001))
	[ $(($(now_ms) - START)) -lt $((DURATION * 1000)) ] || break
	inject "${KINDS[RANDOM % ${#KINDS[@]}]}"
done
FAULT_END=$(now_ms)

say "the transfers under way end; the chain settles"
stop_transfers wait
RECONNECT=0
within "$RECOVER_TIMEOUT" "the chain to carry a ping at the end" healed
check_counters "at the end"
END_INVENTORY=$(settled_inventory)

say "checks"
same_inventory "$END_INVENTORY"
check "the daemons' counters never went back but at a SIGKILL ($REGRESSIONS times they did)" \
	[ "$REGRESSIONS" -eq 0 ]
check "restarts through the fd store kept the host's connection" \
	[ $((${RECONNECTS[relayd-restart]:-0} + ${RECONNECTS[forwarderd-restart]:-0})) -eq 0 ]
check "every completed transfer carried the bytes sent ($(count bad) did not)" [ "$(count bad)" -eq 0 ]
check "every interrupted transfer ran into a fault ($(interruptions | grep -c ', none:') did not)" \
	eval '! interruptions | matches ", none:"'
for name in relayd forwarderd; do
	check "arca-$name stops cleanly" stop_service "$name"
	check "arca-$name died of our SIGKILLs alone (${FAULTS[$name-kill]:-0}), every stop exited 0" \
		ended_as_told "$name"
done
check "no sanitizer report in the logs" no_sanitizer_report

say "summary"
summary
[ "$FAILED" -eq 0 ] || { echo "FAIL"; exit 1; }
echo "PASS"
