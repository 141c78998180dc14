# A private Open vSwitch for tests: sourced after common.sh.
#
# ovsdb-server and ovs-vswitchd run from $TMP/ovs, in the network namespace
# $OVS_NS, with the userspace datapath (no kernel module needed): bridges
# are datapath_type=netdev and their internal ports are devices in $OVS_NS.
# OVS_RUNDIR points plain ovs-vsctl at them; OVS_DB is the database address
# for the daemon's --ovs-db. With OVS_USERSPACE_TSO=1 the datapath passes
# TCP segments of up to 64 KiB whole (other_config:userspace-tso-enable),
# as a helper VM may run it.

start_ovs() {
	OVS_NS=$1
	require_tools ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl
	local schema=/usr/share/openvswitch/vswitch.ovsschema
	[ -f "$schema" ] || skip "no OVS schema at $schema"

	OVS_DIR=$TMP/ovs
	mkdir -p "$OVS_DIR"
	export OVS_RUNDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_SYSCONFDIR=$OVS_DIR
	OVS_DB=unix:$OVS_DIR/db.sock

	ovsdb-tool create "$OVS_DIR/conf.db" "$schema"
	ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --detach --log-file="$OVS_DIR/ovsdb-server.log"
	on_exit "stop_pidfile '$OVS_DIR/ovsdb-server.pid'"
	ovs-vsctl --db="$OVS_DB" --no-wait init
	[ "${OVS_USERSPACE_TSO:-0}" = 0 ] ||
		ovs-vsctl --db="$OVS_DB" --no-wait set Open_vSwitch . other_config:userspace-tso-enable=true
	ip netns exec "$OVS_NS" ovs-vswitchd "$OVS_DB" --pidfile="$OVS_DIR/ovs-vswitchd.pid" --detach --disable-system \
		--log-file="$OVS_DIR/ovs-vswitchd.log"
	on_exit "stop_pidfile '$OVS_DIR/ovs-vswitchd.pid'"
}

# add_ovs_bridge NAME: a userspace-datapath bridge.
add_ovs_bridge() {
	ovs-vsctl --db="$OVS_DB" --timeout=10 add-br "$1" -- set bridge "$1" datapath_type=netdev
	on_exit "ovs-vsctl --db='$OVS_DB' --timeout=5 --if-exists del-br '$1'"
	ip -n "$OVS_NS" link set "$1" up 2>/dev/null || true
}

# add_peer_ns NS IP/PREFIX: a namespace whose eth0 is one end of a veth
# pair; the other end, named in $PEER_PORT, is in $OVS_NS.
add_peer_ns() {
	local ns=$1 addr=$2
	PEERS=$((${PEERS:-0} + 1))
	PEER_PORT=p$ID-$PEERS
	make_netns "$ns"
	ip link add "$PEER_PORT" netns "$OVS_NS" type veth peer name eth0 netns "$ns"
	ip -n "$OVS_NS" link set "$PEER_PORT" up
	ip -n "$ns" addr add "$addr" dev eth0
	ip -n "$ns" link set eth0 up
	# Complete TCP/UDP checksums: see tx-checksum.py. With userspace TSO,
	# the datapath carries what the peer leaves undone to where it is done.
	[ "${OVS_USERSPACE_TSO:-0}" = 1 ] || ip netns exec "$ns" "$PY" "$LIB/tx-checksum.py" eth0 off
}

# add_ovs_peer BRIDGE NS IP/PREFIX [VLAN]: a namespace on the bridge, as a
# container on the same network would be.
add_ovs_peer() {
	local bridge=$1 ns=$2 addr=$3 vlan=${4:-0}
	add_peer_ns "$ns" "$addr"
	local host=$PEER_PORT tag=()
	[ "$vlan" -eq 0 ] || tag=(tag="$vlan")
	# Room in ovs-vswitchd's socket on the veth for a TCP window (see
	# with_rcvbuf), as a port of a real network has.
	with_rcvbuf "${OVS_PEER_RCVBUF:-4194304}" \
		ovs-vsctl --db="$OVS_DB" --timeout=10 add-port "$bridge" "$host" "${tag[@]}"
}
