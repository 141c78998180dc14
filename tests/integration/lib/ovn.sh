# A private OVN deployment for tests: sourced after common.sh.
#
#   $TMP/ovn-central: NB and SB ovsdb-server, ovn-northd (host namespace)
#   $TMP/ovn-chassis-NAME, in the namespace NS the caller made: ovsdb-server,
#     ovs-vswitchd (userspace datapath), ovn-controller, br-int (made by
#     ovn-controller) and br-phy, which holds the chassis's Geneve address
#     and its underlay port
#   arca-ovnul-$ID: the underlay, a Linux bridge every chassis's br-phy has
#     a veth to
#
# Without the OVS kernel module every bridge is datapath_type=netdev, so
# tunnels are OVS's own (native tunnelling): ovs-vswitchd routes the outer
# packet by the kernel routes of its namespace and sends it out the bridge
# whose device holds the source address, br-phy. The devices of internal
# ports (br-int's and br-phy's own) are TAP devices in NS.
#
# Every daemon reaches the others by a unix socket under $TMP, which works
# across namespaces. No variable here is exported but OVN_NB_DB and OVN_SB_DB
# (so plain ovn-nbctl and ovn-sbctl reach this deployment); each daemon gets
# its rundir in its environment, so none touches /var/run or another
# instance, whatever start_ovs (ovs.sh) exported.
#
# After start_ovn_chassis NAME NS IP, for NAME (letters, digits, _):
#   OVN_CHASSIS_DIR_NAME  its directory: db.sock, *.ctl, *.log, *.pid
#   OVN_CHASSIS_DB_NAME   its OVS database, for ovs-vsctl --db= or --ovs-db=
#   OVN_CHASSIS_NS_NAME   its namespace
#   OVN_CHASSIS_IP_NAME   its Geneve (underlay) address, without the prefix
# and ovn_vsctl NAME ARGS... is ovs-vsctl on that database. The Chassis
# record in the SB is named NAME (external-ids:system-id).
#
# Set-up (start_ovn_central, start_ovn_chassis, wait_ovn_chassis) ends
# within $OVN_SETUP_TIMEOUT (30) seconds of its first step or fails saying
# what it waited for, with the daemons' logs; so does wait_ovn_port_up, in
# $OVN_PORT_TIMEOUT (10), and any failure of the test after. Also to set
# before sourcing: OVN_UNDERLAY_MTU (1600), OVN_UNDERLAY_RCVBUF (unset; see
# ovn_add_underlay_port).
#
#   make_netns "$NSA"; make_netns "$NSB"
#   start_ovn_central
#   start_ovn_chassis a "$NSA" 192.168.62.1/24
#   start_ovn_chassis b "$NSB" 192.168.62.2/24
#   wait_ovn_chassis
#   ovn-nbctl ls-add ls0 -- lsp-add ls0 lp1 -- lsp-set-addresses lp1 "$MAC $IP"
#   ovn-nbctl --wait=hv sync
#   add_ovn_internal_port a lp1 "$MAC" "$IP/24"   # or any port with iface-id=lp1
#   wait_ovn_port_up lp1 a

OVN_SETUP_TIMEOUT=${OVN_SETUP_TIMEOUT:-30}
OVN_PORT_TIMEOUT=${OVN_PORT_TIMEOUT:-10}
OVN_UNDERLAY_MTU=${OVN_UNDERLAY_MTU:-1600}
OVN_CHASSIS=()

# The set-up's deadline starts at its first step, whichever that is.
ovn_begin() {
	[ -n "${OVN_DEADLINE:-}" ] && return 0
	require_tools ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl \
		ovn-northd ovn-controller ovn-nbctl ovn-sbctl ovn-appctl
	local s
	for s in /usr/share/ovn/ovn-nb.ovsschema /usr/share/ovn/ovn-sb.ovsschema \
		/usr/share/openvswitch/vswitch.ovsschema; do
		[ -f "$s" ] || skip "no schema at $s (needs ovn-central, ovn-host)"
	done
	OVN_DEADLINE=$((SECONDS + OVN_SETUP_TIMEOUT))
	on_exit "[ \$RC -eq 0 ] || [ \$RC -eq $SKIP ] || ovn_dump_logs"
}

# Seconds left for the set-up, at least 1: what every bounded step gets.
ovn_left() {
	local left=$((OVN_DEADLINE - SECONDS))
	echo $((left > 0 ? left : 1))
}

# ovn_wait SECONDS DESCRIPTION COMMAND...: retries every 50 ms; on timeout
# shows the logs and fails.
ovn_wait() {
	local secs=$1 what=$2 end
	shift 2
	end=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$end" ]; then
			ovn_dump_logs
			fail "timed out after ${secs} s waiting for $what"
		fi
		sleep 0.05
	done
}

# The last lines of every OVN and OVS log here, and the SB's view; once, on
# stdout (the cleanup silences stderr).
ovn_dump_logs() {
	[ -z "${OVN_LOGS_SHOWN:-}" ] || return 0
	OVN_LOGS_SHOWN=1
	local log
	for log in "$TMP"/ovn-central/*.log "$TMP"/ovn-chassis-*/*.log; do
		[ -s "$log" ] || continue
		echo "--- ${log#"$TMP"/} (last 40 lines)"
		tail -n 40 "$log"
	done
	if [ -S "$TMP/ovn-central/sb.sock" ]; then
		echo "--- ovn-sbctl show"
		ovn-sbctl --timeout=3 show 2>&1 || true
	fi
}

# start_ovn_daemon DIR NAME COMMAND...: a daemon that detaches itself with
# DIR/NAME.pid, logs to DIR/NAME.log, answers ovs-appctl -t DIR/NAME.ctl
# and is stopped on exit. Its rundir is DIR, so that the defaults it falls
# back on (br-int.mgmt, which ovn-controller finds by OVS_RUNDIR) are DIR's.
# What it says before it detaches (one line, or why it could not start)
# goes to DIR/NAME.stderr.
start_ovn_daemon() {
	local dir=$1 name=$2 ctl
	shift 2
	# ovn-controller has no --unixctl: it listens on
	# $OVN_RUNDIR/ovn-controller.PID.ctl, linked to NAME.ctl below.
	[ "$name" = ovn-controller ] || ctl=--unixctl=$dir/$name.ctl
	env OVS_RUNDIR="$dir" OVS_DBDIR="$dir" OVS_LOGDIR="$dir" OVS_SYSCONFDIR="$dir" \
		OVN_RUNDIR="$dir" OVN_DBDIR="$dir" OVN_LOGDIR="$dir" OVN_SYSCONFDIR="$dir" \
		"$@" --pidfile="$dir/$name.pid" ${ctl:+"$ctl"} \
		--log-file="$dir/$name.log" --detach 2>"$dir/$name.stderr" \
		|| { ovn_dump_logs; cat "$dir/$name.stderr"; fail "$name did not start"; }
	on_exit "stop_pidfile '$dir/$name.pid'"
	[ -n "${ctl:-}" ] || ln -s "$dir/$name.$(cat "$dir/$name.pid").ctl" "$dir/$name.ctl"
}

# start_ovn_central: exports OVN_NB_DB and OVN_SB_DB; OVN_CENTRAL_DIR has
# nb.sock, sb.sock and ovn-northd.ctl.
start_ovn_central() {
	ovn_begin
	OVN_CENTRAL_DIR=$TMP/ovn-central
	local d=$OVN_CENTRAL_DIR db
	mkdir -p "$d"
	for db in nb sb; do
		ovsdb-tool create "$d/$db.db" "/usr/share/ovn/ovn-$db.ovsschema"
		start_ovn_daemon "$d" "ovsdb-$db" ovsdb-server "$d/$db.db" --remote="punix:$d/$db.sock"
	done
	export OVN_NB_DB=unix:$d/nb.sock OVN_SB_DB=unix:$d/sb.sock
	ovn-nbctl --timeout="$(ovn_left)" init
	start_ovn_daemon "$d" ovn-northd ovn-northd --ovnnb-db="$OVN_NB_DB" --ovnsb-db="$OVN_SB_DB"
	# northd writes the SB only once it holds the lock: until then it is
	# "standby", and chassis would see no logical flows.
	ovn_wait "$(ovn_left)" "ovn-northd to be active" \
		sh -c "ovn-appctl -t '$d/ovn-northd.ctl' status | grep -q active"
}

# The underlay every chassis joins, made at the first chassis. A Linux
# bridge rather than one veth between two chassis, so that a test may have
# more than two; it and every port on it carry a Geneve packet with an
# inner frame of MTU 1500 (58 bytes more: outer Ethernet, IP, UDP, Geneve
# with OVN's option).
ovn_underlay() {
	OVN_UNDERLAY_NS=arca-ovnul-$ID
	[ -e "/run/netns/$OVN_UNDERLAY_NS" ] && return 0
	make_netns "$OVN_UNDERLAY_NS"
	ip -n "$OVN_UNDERLAY_NS" link add ul0 mtu "$OVN_UNDERLAY_MTU" type bridge
	ip -n "$OVN_UNDERLAY_NS" link set ul0 up
}

# start_ovn_chassis NAME NS IP[/PREFIX]: a chassis named NAME in the
# namespace NS (which the caller made), its Geneve address IP (prefix 24
# unless given) on br-phy. Returns once ovn-controller has made br-int;
# wait_ovn_chassis then waits for it in the SB.
start_ovn_chassis() {
	local name=$1 ns=$2 addr=$3
	[[ $name =~ ^[A-Za-z0-9_]+$ ]] || fail "chassis name '$name': letters, digits and _ only"
	[ -n "${OVN_SB_DB:-}" ] || fail "start_ovn_central first"
	[[ $addr == */* ]] || addr=$addr/24
	ovn_begin
	ovn_underlay
	local d=$TMP/ovn-chassis-$name
	local db=unix:$d/db.sock
	mkdir -p "$d"
	eval "OVN_CHASSIS_DIR_$name='$d' OVN_CHASSIS_DB_$name='$db'"
	eval "OVN_CHASSIS_NS_$name='$ns' OVN_CHASSIS_IP_$name='${addr%/*}'"
	OVN_CHASSIS+=("$name")

	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	start_ovn_daemon "$d" ovsdb-server ip netns exec "$ns" \
		ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock"
	ovs-vsctl --db="$db" --timeout="$(ovn_left)" --no-wait init
	start_ovn_daemon "$d" ovs-vswitchd ip netns exec "$ns" ovs-vswitchd "$db" --disable-system

	# The underlay port: named after the chassis on the underlay's side,
	# ul0 in NS (one per chassis). Both ends carry the larger MTU.
	ip link add ul0 netns "$ns" mtu "$OVN_UNDERLAY_MTU" type veth \
		peer name "c-$name" netns "$OVN_UNDERLAY_NS" mtu "$OVN_UNDERLAY_MTU"
	ip -n "$OVN_UNDERLAY_NS" link set "c-$name" master ul0 up
	ip -n "$ns" link set ul0 up
	ovn_vsctl "$name" add-br br-phy -- set Bridge br-phy datapath_type=netdev \
		-- set Interface br-phy mtu_request="$OVN_UNDERLAY_MTU"
	ovn_add_underlay_port "$name"
	# The address on br-phy's own device: the route to the other chassis
	# is then through br-phy, which is how ovs-vswitchd picks the bridge
	# (and ARPs for the next hop) for a tunnel's outer packet.
	ip -n "$ns" addr add "$addr" dev br-phy
	ip -n "$ns" link set br-phy up

	# ovn-controller makes br-int itself, of the datapath type it is told.
	ovn_vsctl "$name" set Open_vSwitch . \
		external-ids:system-id="$name" \
		external-ids:hostname="$name" \
		external-ids:ovn-remote="$OVN_SB_DB" \
		external-ids:ovn-encap-type=geneve \
		external-ids:ovn-encap-ip="${addr%/*}" \
		external-ids:ovn-bridge-datapath-type=netdev
	start_ovn_daemon "$d" ovn-controller ip netns exec "$ns" ovn-controller "$db"
	ovn_wait "$(ovn_left)" "ovn-controller on $name to make br-int" \
		ovs-vsctl --db="$db" --timeout=1 br-exists br-int
}

# ovs-vswitchd reads ul0 through a packet socket that a TCP stream through
# the tunnel overflows (see with_rcvbuf): with OVN_UNDERLAY_RCVBUF=BYTES
# its buffer is that (ovs-vsctl returns once ovs-vswitchd opened ul0).
ovn_add_underlay_port() {
	if [ -n "${OVN_UNDERLAY_RCVBUF:-}" ]; then
		with_rcvbuf "$OVN_UNDERLAY_RCVBUF" ovn_vsctl "$1" add-port br-phy ul0
	else
		ovn_vsctl "$1" add-port br-phy ul0
	fi
}

# ovn_vsctl NAME ARGS...: ovs-vsctl on chassis NAME's database.
ovn_vsctl() {
	local db
	db=$(ovn_chassis_var DB "$1")
	shift
	ovs-vsctl --db="$db" --timeout=10 "$@"
}

# ovn_chassis_var DIR|DB|NS|IP NAME: one of chassis NAME's variables.
ovn_chassis_var() {
	local var=OVN_CHASSIS_$1_$2
	[ -n "${!var:-}" ] || fail "no chassis '$2' (start_ovn_chassis first)"
	echo "${!var}"
}

# wait_ovn_chassis [NAME...]: every chassis started (or those named) is in
# the SB, has a Geneve port to each of the others on its br-int, and knows
# each other's underlay MAC, so that traffic between them has a way from its
# first packet.
wait_ovn_chassis() {
	local names=("$@") name other n
	[ ${#names[@]} -gt 0 ] || names=("${OVN_CHASSIS[@]}")
	for name in "${names[@]}"; do
		ovn_wait "$(ovn_left)" "chassis $name in the SB" ovn_in_sb Chassis name="$name"
	done
	n=$((${#OVN_CHASSIS[@]} - 1))
	for name in "${names[@]}"; do
		ovn_wait "$(ovn_left)" "$n Geneve port(s) on $name's br-int" \
			ovn_has_tunnels "$name" "$n"
		# ovs-vswitchd resolves a tunnel's next hop itself: it drops the
		# packet that finds no entry and sends an ARP instead, so the
		# first ping across would be lost. It learns from an ARP reply to
		# the kernel on br-phy (not from a request it sees).
		for other in "${OVN_CHASSIS[@]}"; do
			[ "$other" != "$name" ] || continue
			ovn_wait "$(ovn_left)" "the underlay from $name to $other" \
				ovn_knows_neighbour "$name" "$(ovn_chassis_var IP "$other")"
		done
	done
}

# ovn_in_sb TABLE CONDITION...: the SB has such a record. Polled rather
# than ovn-sbctl wait-until, which gives up at once if the SB is not there.
ovn_in_sb() {
	[ -n "$(ovn-sbctl --timeout=2 --bare --columns=_uuid find "$@")" ]
}

ovn_has_tunnels() {
	[ "$(ovn_vsctl "$1" --bare --columns=name find Interface type=geneve | grep -c .)" -ge "$2" ]
}

# ovn_knows_neighbour NAME IP: chassis NAME's ovs-vswitchd has IP's MAC
# for tunnels. The kernel's entry goes first: learnt from the other's ARP
# request, it would spare the kernel its own request, and so the reply,
# until it goes stale 5 s on.
ovn_knows_neighbour() {
	local dir ns
	dir=$(ovn_chassis_var DIR "$1")
	ns=$(ovn_chassis_var NS "$1")
	ip -n "$ns" neigh flush to "$2" dev br-phy
	ip netns exec "$ns" ping -c 1 -W 1 -q "$2" || return 1
	ovs-appctl -t "$dir/ovs-vswitchd.ctl" tnl/neigh/show | matches "^$2 "
}

# wait_ovn_port_up LPORT [CHASSIS]: the logical port LPORT is bound to a
# chassis (to CHASSIS, if named) and up, ovn-controller there says its
# flows are installed (the Interface's external_ids:ovn-installed), and
# every chassis has caught up with the NB. Within $OVN_PORT_TIMEOUT s.
wait_ovn_port_up() {
	local lport=$1 chassis=${2:-} t=$OVN_PORT_TIMEOUT
	if [ -n "$chassis" ]; then
		# The SB and the chassis's OVS database: ovn-controller sets
		# ovn-installed on the Interface whose iface-id is LPORT.
		ovn_wait "$t" "logical port $lport bound to chassis $chassis" \
			ovn_port_on "$lport" "$chassis"
		ovn_wait "$t" "ovn-installed on $lport's Interface on $chassis" \
			ovn_port_installed "$chassis" "$lport"
	fi
	ovn_wait "$t" "logical port $lport up" \
		ovn_in_sb Port_Binding logical_port="$lport" up=true 'chassis!=[]'
	ovn-nbctl --timeout="$t" --wait=hv sync \
		|| { ovn_dump_logs; fail "ovn-nbctl --wait=hv sync: the chassis did not catch up with the NB in $t s"; }
}

ovn_port_installed() {
	[ -n "$(ovn_vsctl "$1" --bare --columns=name find Interface \
		external_ids:iface-id="$2" 'external_ids:ovn-installed="true"')" ]
}

ovn_port_on() {
	local uuid
	uuid=$(ovn-sbctl --timeout=2 --bare --columns=_uuid find Chassis name="$2")
	[ -n "$uuid" ] && [ "$(ovn-sbctl --timeout=2 --bare --columns=chassis find Port_Binding \
		logical_port="$1")" = "$uuid" ]
}

# add_ovn_internal_port CHASSIS LPORT MAC IP/PREFIX: an internal port on
# CHASSIS's br-int for the logical port LPORT, its device LPORT (so at most
# 15 characters) in the chassis's namespace, with that MAC and address and
# MTU 1500: a VM's interface without the VM. Does not wait: see
# wait_ovn_port_up. ovn-installed follows in about 10 ms if the chassis
# have caught up with the NB first (ovn-nbctl --wait=hv sync); a port that
# comes while ovn-controller is still taking in the new logical port waits
# for that, 0.6-0.9 s here in about one run in three.
add_ovn_internal_port() {
	local chassis=$1 lport=$2 mac=$3 addr=$4 ns
	ns=$(ovn_chassis_var NS "$chassis")
	ovn_vsctl "$chassis" add-port br-int "$lport" -- set Interface "$lport" type=internal \
		mac="\"$mac\"" mtu_request=1500 external_ids:iface-id="$lport"
	ip -n "$ns" addr add "$addr" dev "$lport"
	ip -n "$ns" link set "$lport" up
}
