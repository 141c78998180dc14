#!/usr/bin/env bash
# The bash completion of arcactl: what a person gets on <TAB>, as readline
# does it (it splits words at '=' too, and replaces only what comes after
# the last break), with and without the bash-completion package loaded;
# and that it offers each command's options as the command's --help
# shows them.
#
#   check-completion.sh COMPLETION ARCACTL
set -euo pipefail

completion=$1 real_arcactl=$2
if [ "${ARCACTL_WITH_BASH_COMPLETION:-}" = 1 ]; then
	# shellcheck source=/dev/null
	source /usr/share/bash-completion/bash_completion
fi
# shellcheck source=/dev/null
source "$completion"
COMP_WORDBREAKS=${COMP_WORDBREAKS:-$' \t\n"\'><=;|&(:'}

# Outside of a real completion, compopt has nothing to set.
compopt() { :; }

# The completion asks arcactl for names; this one has two networks and a relay.
arcactl() {
	case "$*" in
	*"relay list"*) printf '5001 br-int arca5001 02:00:00:00:50:01 - listening\n' ;;
	*list*) printf 'eth0 5000 10.0.0.2/24 10.0.0.1 02:42:ac:12:00:02 connected\neth1 5002 fd00::2/64 - 02:42:ac:12:00:03 listening\n\n5001 br-int arca5001 02:00:00:00:50:01 - listening\n' ;;
	esac
}

rc=0
# expect "LINE" "EXPECTED": the words the last word of LINE can become,
# once readline has put in what the completion offered.
expect() {
	local line=$1 want=$2 got typed base reply r
	COMP_LINE=$line COMP_POINT=${#line}
	# COMP_WORDS as readline makes them: '=' a word of its own.
	read -ra COMP_WORDS <<<"${line//=/ = }"
	[[ $line == *' ' ]] && COMP_WORDS+=('')
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_arcactl_complete
	# What readline replaces: after the last white space or '='.
	typed=${line##*[ =]}
	base=${line%"$typed"}
	got=$(for reply in "${COMPREPLY[@]}"; do r=$base$reply; printf '%s\n' "${r##* }"; done | sort | tr '\n' ' ')
	got=${got% }
	if [ "$got" = "$want" ]; then
		echo "PASS: '$line' -> $got"
	else
		echo "FAIL: '$line' -> '$got', not '$want'"
		rc=1
	fi
}
expect "arcactl " "attach capture detach list monitor relay set status wait"
expect "arcactl re" "relay"
expect "arcactl relay " "list start status stop"
expect "arcactl relay st" "start status stop"
expect "arcactl status " "5000 5001 5002 eth0 eth1"
expect "arcactl detach e" "eth0 eth1"
expect "arcactl detach eth0 " ""
expect "arcactl relay stop " "5001"
expect "arcactl capture " "5000 5001 5002 eth0 eth1"
expect "arcactl set e" "eth0 eth1"
expect "arcactl capture eth0 -w /nonexistent/x" ""
expect "arcactl capture eth0 -w x.pcap --max" "--max-bytes="
expect "arcactl list --json=s" "--json=short"
expect "arcactl relay start 5001 --backend=" "--backend=bridge --backend=ovs"
expect "arcactl relay start 5001 --v" "--vlan="
expect "arcactl attach eth0 5000 10.0.0.2 --no-d" "--no-default-route"
expect "arcactl attach eth0 5000 10.0.0.2 --no" "--no-default-route --no-ipv6-link-local --no-lock-mac"
expect "arcactl attach eth0 5000 --address=fd00::2 --g" "--gateway="
expect "arcactl --bus=/run/x.bus relay stop 5" "5001"
expect "arcactl --json=" "--json=off --json=pretty --json=short"
expect "arcactl attach eth0 5000 10.0.0.2 --framing=v" "--framing=vnet"

# Each command's options as the option lines of its --help show them
# ("  -h --help   Show..."), and as completed.
for verb in '' list status attach detach capture set wait monitor 'relay start' 'relay stop' 'relay list' 'relay status'; do
	# shellcheck disable=SC2086
	shown=$("$real_arcactl" $verb --help \
		| awk '/^ +-/ { for (i = 1; i <= NF && $i ~ /^-/; i++) { sub(/=.*/, "", $i); print $i } }' \
		| sort -u | tr '\n' ' ')
	# shellcheck disable=SC2086
	COMP_LINE="arcactl ${verb:+$verb }-" COMP_POINT=${#COMP_LINE}
	read -ra COMP_WORDS <<<"$COMP_LINE"
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_arcactl_complete
	completed=$(printf '%s\n' "${COMPREPLY[@]%=}" | sort -u | tr '\n' ' ')
	# --help and --bus= are completed everywhere; the help of a command
	# leaves them to 'arcactl --help'.
	[ -n "$verb" ] && completed=$(tr ' ' '\n' <<<"$completed" | { grep -vxE -- '--help|--bus|' || true; } | tr '\n' ' ')
	if [ "$shown" = "$completed" ]; then
		echo "PASS: arcactl ${verb:+$verb }-<TAB>: $completed"
	else
		echo "FAIL: arcactl ${verb:+$verb }-<TAB> offers '$completed'; its --help shows '$shown'"
		rc=1
	fi
done
if [ "${ARCACTL_WITH_BASH_COMPLETION:-}" != 1 ] && [ -f /usr/share/bash-completion/bash_completion ]; then
	echo "== again, with the bash-completion package loaded"
	ARCACTL_WITH_BASH_COMPLETION=1 bash "$0" "$@" || rc=1
fi
exit $rc
