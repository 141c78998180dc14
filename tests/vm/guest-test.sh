#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs inside the VM, at boot, as arca-vm-test.service: installs the
# project's packages from /var/cache/arca-debs and runs it under systemd as
# PID 1, over AF_VSOCK through the loopback transport (CID 1); upgrades
# arca-relayd during a transfer and purges the packages at the end. Each step is one line "ok|FAIL|skipped: STEP" in
# /var/lib/arca-vm/results; the host reads the file after power-off.
set -uo pipefail

OUT=/var/lib/arca-vm
mkdir -p "$OUT"
RESULTS=$OUT/results
: >"$RESULTS"

MAC=02:42:ac:12:00:02
FWM=(org.arca.Forwarder1 /org/arca/Forwarder1 org.arca.Forwarder1.Manager)
RLM=(org.arca.Relay1 /org/arca/Relay1 org.arca.Relay1.Manager)

log() { echo "arca-vm-test: $*" >&2; }
# step NAME COMMAND...: runs COMMAND, records whether it succeeded.
step() {
	local name=$1; shift
	log "== $name"
	if "$@" >>"$OUT/steps.log" 2>&1; then
		echo "ok: $name" >>"$RESULTS"
		return 0
	fi
	echo "FAIL: $name" >>"$RESULTS"
	log "FAIL: $name"
	return 1
}
# wait_for SECONDS COMMAND...: polls, the guest being slow under emulation.
wait_for() {
	local t=$1; shift
	for _ in $(seq "$((t * 4))"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	"$@"
}
finish() {
	journalctl -b --no-pager >"$OUT/journal.txt" 2>&1
	echo "done" >>"$RESULTS"
	sync
	systemctl poweroff --no-block
	exit 0
}
trap finish EXIT

relay_state() { busctl get-property "${RLM[0]}" /org/arca/Relay1/relay/5001 org.arca.Relay1.Relay State; }
net_state() { busctl get-property "${FWM[0]}" /org/arca/Forwarder1/network/eth0 org.arca.Forwarder1.Network State; }
connected() { "$@" | grep -q connected; }

step "vsock_loopback module loads" modprobe vsock_loopback || exit 1

DEBS=/var/cache/arca-debs
step "dpkg -i of the packages" dpkg -i "$DEBS"/arca-forwarderd_*.deb "$DEBS"/arca-relayd_*.deb \
	"$DEBS"/arcactl_*.deb || exit 1
step "the packages enable the daemons" systemctl is-enabled arca-forwarderd arca-relayd
step "the packages enable no per-port instance" sh -c '! ls /etc/systemd/system/*.wants | grep -q "^arca-.*@"'
step "a commented example in /etc/arca/relay" grep -q '^#Bridge=' /etc/arca/relay/PORT.conf.example

ovs_up() {
	systemctl start openvswitch-switch &&
	ovs-vsctl --may-exist add-br br-int &&
	ip link set br-int up
}
step "Open vSwitch with br-int" ovs_up || exit 1
ovs-vsctl get bridge br-int datapath_type >>"$OUT/steps.log" 2>&1

peer_up() {
	ip netns add peer &&
	ovs-vsctl add-port br-int peer0 -- set interface peer0 type=internal &&
	ip link set peer0 netns peer &&
	ip -n peer addr add 10.99.0.1/24 dev peer0 &&
	ip -n peer link set peer0 up &&
	ip -n peer link set lo up
	# The peer keeps its checksum offload: its segments reach arca-relayd's
	# packet socket with the checksum still to be done, and the relay
	# completes it.
}
step "peer namespace on br-int at 10.99.0.1" peer_up || exit 1

mkdir -p /etc/arca/relay
# Loopback connections come from CID 1, not from the host's 2.
printf 'Bridge=br-int\nMAC=%s\nAllowedPeers=1\n' "$MAC" >/etc/arca/relay/5001.conf
step "systemctl start arca-relay@5001" systemctl start arca-relay@5001 || exit 1
step "arca-relayd is active" systemctl is-active arca-relayd
step "relay 5001 listed" sh -c "busctl call ${RLM[*]} ListRelays | grep -q 5001"

step "systemctl start arca-forwarderd" systemctl start arca-forwarderd || exit 1
attach() {
	busctl call "${FWM[@]}" AttachNetwork 'sussua{sv}' eth0 5002 10.99.0.2 10.99.0.1 24 \
		2 MAC s "$MAC" AllowedPeers au 1 1
}
step "AttachNetwork eth0 on vsock port 5002" attach || exit 1
# arca-forwarderd runs as the container VM's does: its TAP device eth0 is
# in the guest's own namespace, which plays the container.
socat VSOCK-CONNECT:1:5002 VSOCK-CONNECT:1:5001 &
SPLICE=$!
step "socat splices vsock 1:5002 to 1:5001 (the host)" kill -0 "$SPLICE"
step "relay 5001 connected" wait_for 30 connected relay_state
step "network eth0 connected" wait_for 30 connected net_state
step "OVS port of relay 5001 on br-int" sh -c 'ovs-vsctl list-ports br-int | grep -v "^peer0$" | grep -q .'
ovs-vsctl list-ports br-int >>"$OUT/steps.log" 2>&1

step "ping from the container to the peer" ping -c 5 -i 0.5 -W 5 10.99.0.1

# A TCP transfer of a known size, paced to last about 10 seconds, so that a
# daemon can be restarted in the middle of it.
TRANSFER_BYTES=$((40 * 262144))
transfer() {
	rm -f "$OUT/received"
	ip netns exec peer timeout 60 socat -u TCP-LISTEN:5201,reuseaddr "OPEN:$OUT/received,creat,trunc" &
	local server=$!
	sleep 1
	( for _ in $(seq 40); do head -c 262144 /dev/urandom; sleep 0.25; done ) |
		timeout 60 socat -u - TCP:10.99.0.1:5201 &
	local client=$!
	sleep 3
	"$@"
	local r=$?
	wait "$client" || r=1
	wait "$server" || r=1
	local got
	got=$(stat -c %s "$OUT/received" 2>/dev/null || echo 0)
	echo "transfer: $got of $TRANSFER_BYTES bytes" >&2
	[ "$r" -eq 0 ] && [ "$got" -eq "$TRANSFER_BYTES" ]
}
restart_relayd() { systemctl restart arca-relayd && wait_for 30 connected relay_state; }
restart_forwarderd() { systemctl restart arca-forwarderd && wait_for 30 connected net_state; }

step "TCP transfer from the container to the peer" transfer true
step "TCP transfer continues across systemctl restart arca-relayd" transfer restart_relayd
step "TCP transfer continues across systemctl restart arca-forwarderd" transfer restart_forwarderd

# An upgrade restarts arca-relayd (a new process), whose fd store carries
# the relay and its host connection across.
upgrade_relayd() {
	local before after
	before=$(systemctl show -P MainPID arca-relayd)
	dpkg -i "$DEBS"/newer/arca-relayd_*.deb || return 1
	after=$(systemctl show -P MainPID arca-relayd)
	echo "arca-relayd: pid $before before the upgrade, $after after" >&2
	[ "$after" != 0 ] && [ "$after" != "$before" ] &&
	dpkg-query -W -f='${Version}\n' arca-relayd | grep -q '+1$' &&
	wait_for 30 connected relay_state
}
step "TCP transfer continues across dpkg -i of a newer arca-relayd" transfer upgrade_relayd

# Stopped while the host is still connected: the stop, not the hang-up,
# must remove the port.
step "OVS port still there before the stop" sh -c 'ovs-vsctl list-ports br-int | grep -qx arca5001'
step "systemctl stop arca-relay@5001" systemctl stop arca-relay@5001
step "the OVS port is removed" wait_for 20 sh -c '[ -z "$(ovs-vsctl list-ports br-int | grep -v "^peer0$")" ]'
ovs-vsctl list-ports br-int >>"$OUT/steps.log" 2>&1
kill "$SPLICE" 2>/dev/null

# A relay on a Linux bridge: its port is a TAP device, made through the
# /dev/net/tun that the unit's private /dev carries.
bridge_relay() {
	ip link add br-lx type bridge && ip link set br-lx up &&
	busctl call "${RLM[@]}" StartRelay 'usssua{sv}' 5005 br-lx "" "$MAC" 0 \
		2 Backend s bridge AllowedPeers au 1 1
}
step "relay 5005 on the Linux bridge br-lx" bridge_relay
socat VSOCK-CONNECT:1:5005 SYSTEM:"sleep 60" &
HOST=$!
step "relay 5005's TAP port on br-lx once its host connects" \
	wait_for 30 sh -c '[ -n "$(ip -o link show master br-lx)" ]'
ip -o link show master br-lx >>"$OUT/steps.log" 2>&1
step "StopRelay 5005" busctl call "${RLM[@]}" StopRelay u 5005
step "relay 5005's TAP port is removed" wait_for 20 sh -c '[ -z "$(ip -o link show master br-lx)" ]'
kill "$HOST" 2>/dev/null

journalctl -u arca-relayd --no-pager >"$OUT/relayd.journal" 2>&1
# What a person reads in the journal of a relay's life, in order.
journal_has() { grep -q "$1" "$OUT/relayd.journal"; }
step "journal: arca-relayd running" journal_has 'arca-relayd .* running\.'
step "journal: relay 5001 started on br-int, listening on vsock" journal_has 'relay 5001: started, port .* on br-int .*listening on vsock'
step "journal: relay 5001 host connected" journal_has 'relay 5001: host connected from'
step "journal: relay 5001 forwarding" journal_has 'relay 5001: forwarding between the host and'
step "journal: relay 5001 port deleted" journal_has 'relay 5001: port .* deleted\.'
step "journal: relay 5001 stopped" journal_has 'relay 5001: stopped\.'
# The units and bus policy as installed, checked by the real systemd and
# dbus-daemon: no unit file or policy warnings.
step "systemd-analyze verify of the installed units" systemd-analyze verify --man=no \
	arca-relayd.service arca-forwarderd.service arca-relay@5001.service \
	arca-relay@5001.socket arca-forwarder@5003.service arca-forwarder@5003.socket
no_warnings() { ! journalctl -b --no-pager -o cat _PID=1 + _COMM=dbus-daemon | grep -i 'arca' | grep -iE 'unknown|ignoring|invalid|failed to parse|warning'; }
step "no warnings about the units or the bus policy in the journal" no_warnings

# The administrator's own settings are theirs to remove; then nothing of
# the packages may be left.
rm -f /etc/arca/relay/5001.conf
step "apt-get purge of the packages" apt-get purge -y arca-forwarderd arca-relayd arcactl
ours() {
	ls -d /lib/systemd/system/arca-* /usr/lib/systemd/system/arca-* /etc/systemd/system/*/arca-* \
		/usr/share/dbus-1/*/org.arca.* /usr/libexec/arca-* /usr/bin/arcactl \
		/usr/share/man/man*/arca* /etc/arca /run/arca /var/lib/arca 2>/dev/null | grep -v arca-vm-test
	systemctl list-units --all --plain --no-legend 'arca-*' | grep -v '^arca-vm-test'
}
nothing_left() {
	systemctl daemon-reload
	[ -z "$(ours)" ] || { ours; return 1; }
}
step "nothing of ours left after the purge: units, bus policy, programs, state" nothing_left
