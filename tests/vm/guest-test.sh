#!/bin/bash
# Runs inside the test VM at boot (arca-vm-test.service), as root, with
# systemd as PID 1: the installed project over real AF_VSOCK (the loopback
# transport, CID 1). Each step writes "ok STEP" or "FAIL STEP: why" to
# /arca-vm-results; the last line is "done". The VM powers off after.
set -u
RESULTS=/arca-vm-results
: >"$RESULTS"
ok() { echo "ok $*" >>"$RESULTS"; echo "arca-vm-test: ok $*" >/dev/console; }
bad() { echo "FAIL $*" >>"$RESULTS"; echo "arca-vm-test: FAIL $*" >/dev/console; }
step() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
retry() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.2; done; return 1; }
finish() {
	journalctl -b --no-pager -o short-monotonic >/arca-vm-journal 2>&1
	echo done >>"$RESULTS"
	sync
	systemctl poweroff --no-block
	exit 0
}
trap finish EXIT

step "vsock loopback" modprobe vsock_loopback
step "Open vSwitch" sh -c 'systemctl start openvswitch-switch && ovs-vsctl --may-exist add-br br-int'
ip netns add peer
ip link add pv type veth peer name eth0 netns peer
ip link set pv up
ovs-vsctl add-port br-int pv
ip -n peer addr add 10.99.0.1/24 dev eth0
ip -n peer link set eth0 up
ip -n peer link set lo up

# The host plays its part with socat: relay 5001 and network 5002 joined.
mkdir -p /etc/arca/relay
cat >/etc/arca/relay/5001.conf <<CONF
Bridge=br-int
MAC=02:42:ac:12:00:02
# Loopback connections come from CID 1.
AllowedPeers=1
CONF
step "systemctl start arca-relay@5001" systemctl start arca-relay@5001
step "arca-relayd listens on vsock 5001" retry sh -c 'arcactl relay status 5001 | grep -q "State: listening"'
step "arca-forwarderd started by its unit" systemctl start arca-forwarderd
step "AttachNetwork eth0 on vsock 5002" busctl call org.arca.Forwarder1 /org/arca/Forwarder1 \
	org.arca.Forwarder1.Manager AttachNetwork 'sussua{sv}' eth0 5002 10.99.0.2 10.99.0.1 24 \
	2 MAC s 02:42:ac:12:00:02 AllowedPeers au 1 1
socat VSOCK-CONNECT:1:5002 VSOCK-CONNECT:1:5001 &
step "the host connected to both" retry sh -c 'arcactl status eth0 | grep -q "State: connected" && arcactl relay status 5001 | grep -q "State: connected"'
step "the OVS port is on br-int" retry sh -c 'ovs-vsctl list-ports br-int | grep -qx arca5001'
step "ping to the peer on br-int" ping -c 5 -i 0.2 -W 2 10.99.0.1

head -c 16M /dev/urandom >/tmp/send
ip netns exec peer socat -u TCP-LISTEN:7000,reuseaddr CREATE:/tmp/recv &
sleep 1
step "TCP transfer of 16 MiB" timeout 120 socat -u OPEN:/tmp/send TCP:10.99.0.1:7000
wait
step "the data arrived intact" sh -c '[ "$(sha256sum </tmp/send)" = "$(sha256sum </tmp/recv)" ]'

ofport=$(ovs-vsctl get Interface arca5001 ofport)
ping -c 60 -i 0.1 -W 1 10.99.0.1 >/tmp/ping-restart 2>&1 &
PING=$!
sleep 1
step "systemctl restart arca-relayd" systemctl restart arca-relayd
wait $PING
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' /tmp/ping-restart)
echo "arca-vm-test: $received of 60 pings across the restart" >/dev/console
step "pings across the restart ($received of 60)" test "${received:-0}" -ge 50
step "the same OVS port after the restart" test "$(ovs-vsctl get Interface arca5001 ofport)" = "$ofport"
step "the relay adopted its connection" sh -c 'journalctl -u arca-relayd -b | grep -q "relay 5001: restored, connected"'
step "ping after the restart" ping -c 3 -i 0.2 -W 2 10.99.0.1

step "systemctl stop arca-relay@5001" systemctl stop arca-relay@5001
step "the OVS port is gone" retry sh -c '! ovs-vsctl list-ports br-int | grep -qx arca5001'
step "the journal shows the relay stopped" sh -c 'journalctl -u arca-relayd -b | grep -q "relay 5001: stopped"'
