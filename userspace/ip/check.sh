#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Test link_teredo.so against the installed ip(8), without the kernel module:
# bad arguments must be refused by the plugin, and print_opt is fed a forged
# RTM_NEWLINK through "ip -d monitor file" (little-endian host assumed).
# Nothing is created; safe to run with the teredo module loaded.

IP=${IP:-ip}
export IP_LIB_DIR=${IP_LIB_DIR:-$(cd "$(dirname "$0")" && pwd)}
fail=0
n=0

# TAP output, so the test runner counts these with the other tests.
echo "TAP version 13"
ok() { n=$((n + 1)); echo "ok $n - ip plugin: $*"; }
ko() { n=$((n + 1)); echo "not ok $n - ip plugin: $*"; fail=1; }

"$IP" link help teredo 2>&1 | grep -q 'Usage: ... teredo' && ok help || ko help

bad() {	# expected stderr, then the arguments after "type teredo"
	local want=$1 out

	shift
	if out=$("$IP" link add teredo-chk type teredo "$@" 2>&1); then
		ko "$*: accepted"
		"$IP" link del teredo-chk 2>/dev/null
	elif grep -qF -- "$want" <<<"$out"; then
		ok "$* -> $want"
	else
		ko "$*: got: $out"
	fi
}
bad 'invalid mode' mode foo
bad 'invalid port' port x
bad 'invalid port' port 70000
bad 'invalid local' local 1.2.3
bad 'invalid dev' dev nosuchdev
bad 'duplicate "port"' port 1 port 2
bad 'invalid mtu' mtu 1x
bad 'invalid maxpeers' maxpeers -1
bad 'unknown option "foo"' foo
bad 'not complete' port
bad 'invalid fastpath' fastpath yes
bad 'duplicate "fastpath"' fastpath on fastpath off
bad 'invalid native' native nosuchdev
bad 'duplicate "native"' native none native none
bad 'invalid discovery, expected "on" or "off"' discovery yes
bad 'duplicate "discovery"' discovery on discovery off

# netlink message builders: byte strings as "\xHH" escapes, 4 chars a byte
le() {	# value, size: little-endian (host order)
	local i s=

	for ((i = 0; i < $2; i++)); do s+=$(printf '\\x%02x' $(($1 >> 8 * i & 255))); done
	echo -n "$s"
}
be() {	# value, size: network order
	local i s=

	for ((i = $2 - 1; i >= 0; i--)); do s+=$(printf '\\x%02x' $(($1 >> 8 * i & 255))); done
	echo -n "$s"
}
str() {	# NUL-terminated string
	local i s=

	for ((i = 0; i < ${#1}; i++)); do s+=$(printf '\\x%02x' "'${1:i:1}"); done
	echo -n "$s\\x00"
}
attr() {	# type, payload
	local i l=$((4 + ${#2} / 4)) s

	s="$(le $l 2)$(le "$1" 2)$2"
	for ((i = l; i % 4; i++)); do s+='\x00'; done
	echo -n "$s"
}
link() {	# ifindex, name, IFLA_INFO_DATA payload: an RTM_NEWLINK message
	local b="\\x00\\x00$(le 0xffff 2)$(le "$1" 4)$(le 1 4)$(le 0 4)"

	b+=$(attr 3 "$(str "$2")")$(attr 18 "$(attr 1 "$(str teredo)")$(attr 2 "$3")")
	echo -n "$(le $((16 + ${#b} / 4)) 4)$(le 16 2)$(le 0 2)$(le 0 4)$(le 0 4)$b"
}

f=$(mktemp)
trap 'rm -f "$f"' EXIT
# IFLA_TEREDO_ MODE=1 LOCAL=2 PORT=3 LINK=4 MAX_PEERS=6 FASTPATH=7 NATIVE=8
# DISCOVERY=11 (a client's only: a relay's is not printed)
data="$(attr 1 '\x01')$(attr 2 "$(be 0xc6120001 4)")$(attr 3 "$(be 4000 2)")"
data+="$(attr 4 "$(le 1 4)")$(attr 6 "$(le 100 4)")$(attr 7 '\x00')$(attr 11 '\x01')"
printf "$(link 7 t0 "$data")" >"$f"
printf "$(link 8 t1 "$(attr 1 '\x00')$(attr 2 "$(le 0 4)")$(attr 4 "$(le 99999 4)")$(attr 7 '\x01')$(attr 8 "$(le 1 4)")$(attr 11 '\x00')")" >>"$f"
out=$("$IP" -d monitor file "$f" 2>&1)
for want in 'teredo mode client local 198.18.0.1 port 4000 dev lo maxpeers 100 fastpath off discovery on ' \
	    'teredo mode relay local any dev if99999 fastpath on native lo '; do
	grep -qxF -- "    $want" <<<"$out" && ok "print: $want" || ko "print: $want: got: $out"
done

echo "1..$n"
exit $fail
