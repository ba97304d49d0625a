#!/bin/bash
# Boot test, after the boot (the command of vm-run --systemd, systemd as
# PID 1): what the packages installed and what came up at boot, then
# teredod.service restarted and stopped, and teredod@.service. TAP; each
# check asserts what the system does, read from the system (systemctl,
# /proc, ip, the journal).
# shellcheck disable=SC2317,SC2001,SC2016,SC2034 # checks are strings run by eval
set -uo pipefail
n=0 failed=0
echo "TAP version 13"
ok() { n=$((n + 1)); echo "ok $n - $*"; }
ko() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
# check DESC CMD...: ok if CMD succeeds; its output shown if not
check() {
	local desc=$1 o

	shift
	if o=$("$@" 2>&1); then
		ok "$desc"
	else
		ko "$desc"
		sed 's/^/#   /' <<<"$o" | head -n 30
	fi
}
# wait_for SEC CMD...: CMD succeeds within SEC seconds
wait_for() {
	local t=$1

	shift
	while ! "$@" >/dev/null 2>&1; do
		((t-- > 0)) || { "$@"; return 1; }
		sleep 1
	done
}
prop() { systemctl show -p "$2" --value "$1"; }
kver=$(uname -r)
TEREDO_PREFIX=2001:0:c612:1:	# the server 198.18.0.1

echo "# boot: $(systemctl is-system-running 2>&1), $(cut -d' ' -f1 /proc/uptime) s since the kernel started"
check "PID 1 is systemd" grep -qx systemd /proc/1/comm

# --- the packages -----------------------------------------------------
check "teredod and teredo-dkms installed (dpkg)" \
	eval '[ "$(dpkg-query -W -f="\${Status} " teredod teredo-dkms)" = "install ok installed install ok installed " ]'
check "the ip plugin is in Debian's multiarch directory" \
	test -f "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/ip/link_teredo.so"
check "the system user teredod, no login shell" \
	eval 'getent passwd teredod | awk -F: "\$3 < 1000 && \$7 == \"/usr/sbin/nologin\" { f = 1 } END { exit !f }"'
check "DKMS built and installed the module for the guest kernel $kver" \
	eval 'dkms status teredo -k "$kver" | grep -E "^teredo/[^,]+, $kver, [^:]+: installed"'
check "modprobe finds DKMS's teredo.ko (updates/dkms)" \
	eval '[ "$(modinfo -n teredo)" = "/lib/modules/$kver/updates/dkms/teredo.ko" ]'
check "the module loaded at boot is that one (srcversion)" \
	eval '[ -n "$(cat /sys/module/teredo/srcversion)" ] && [ "$(cat /sys/module/teredo/srcversion)" = "$(modinfo -F srcversion teredo)" ]'
check "postinst enabled teredod.service and teredod-server.service" \
	eval '[ "$(systemctl is-enabled teredod.service teredod-server.service | tr "\n" " ")" = "enabled enabled " ]'

# --- at boot: the relay, the server, the client -------------------------
check "teredo-relay@teredo1 (oneshot) is active" \
	eval '[ "$(systemctl is-active teredo-relay@teredo1)" = active ]'
check "... its device: a relay on 198.18.1.1, up, shown by ip's plugin" \
	eval 'ip -n relay -d link show teredo1 | grep -E "teredo mode relay local 198\.18\.1\.1" &&
	      ip -n relay link show teredo1 | grep -q "[<,]UP[,>]"'
check "... and the route 2001::/32 through it" \
	eval 'ip -n relay -6 route show 2001::/32 | grep -q "via fe80::1 dev teredo1"'
check "teredod-server.service is active (READY=1 once listening)" \
	eval '[ "$(systemctl is-active teredod-server)" = active ]'
check "... its STATUS= names its addresses" \
	eval 'prop teredod-server StatusText | grep -q "^Teredo server on 198\.18\.0\.1 and 198\.18\.0\.2"'
check "... it runs in its namespace, as teredod" \
	eval 'pid=$(prop teredod-server MainPID); [ "$(stat -c %U /proc/$pid)" = teredod ] &&
	      [ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/1/ns/net)" ]'

check "teredod.service is active (READY=1)" \
	eval '[ "$(systemctl is-active teredod)" = active ]'
addr=$(prop teredod StatusText | sed -n 's/^Teredo address \([0-9a-f:]*\) .*/\1/p')
echo "# teredod.service: $(prop teredod StatusText)"
check "... its STATUS= has a Teredo address of our server, $addr" \
	eval '[[ "$addr" == "$TEREDO_PREFIX"* ]]'
check "... that address is on teredo0" \
	eval 'ip -6 addr show dev teredo0 | grep -qw "inet6 $addr/32"'
check "... and the kernel's client is qualified with it (teredod show)" \
	eval 'teredod show teredo0 | grep -qF "qualified, address $addr"'
check "systemctl status teredod shows the address" \
	eval 'systemctl status --no-pager teredod | grep -F "Status: \"Teredo address $addr"'
pid=$(prop teredod MainPID)
check "the daemon runs as teredod, no capability, no new privileges, seccomp" \
	eval '[ "$(stat -c %U /proc/$pid)" = teredod ] &&
	      grep -qx "CapEff:	0000000000000000" /proc/$pid/status &&
	      grep -qx "NoNewPrivs:	1" /proc/$pid/status &&
	      grep -qx "Seccomp:	2" /proc/$pid/status'
check "its helper: root with CAP_NET_ADMIN alone" \
	eval 'h=$(pgrep -P $pid -x teredod-priv) && [ "$(stat -c %U /proc/$h)" = root ] &&
	      grep -qx "CapEff:	0000000000001000" /proc/$h/status'
check "the journal has teredod's log (journalctl -u teredod)" \
	eval 'journalctl -u teredod --no-pager | grep -F "new Teredo address $addr"'
check "ExecReload (SIGHUP) keeps it active, the same address" \
	eval 'systemctl reload teredod && sleep 2 && [ "$(systemctl is-active teredod)" = active ] &&
	      prop teredod StatusText | grep -qF "Teredo address $addr "'

# --- restart, stop ------------------------------------------------------
check "systemctl restart teredod: a new process, active again" \
	eval 'systemctl restart teredod && [ "$(systemctl is-active teredod)" = active ] &&
	      [ "$(prop teredod MainPID)" != "$pid" ]'
check "... with the same address, in STATUS= and on teredo0" \
	eval 'wait_for 60 eval "prop teredod StatusText | grep -qF \"Teredo address $addr \"" &&
	      ip -6 addr show dev teredo0 | grep -qw "inet6 $addr/32"'
check "systemctl stop teredod: inactive, the address removed" \
	eval 'systemctl stop teredod && [ "$(systemctl is-active teredod)" = inactive ] &&
	      ! ip -6 addr show dev teredo0 | grep -qw "inet6 $addr/32"'
check "... its stop is in the journal" \
	eval 'journalctl -u teredod --no-pager | grep -F "Teredo address $addr withdrawn: exiting"'
check "teredod@alt (/etc/teredod/alt.conf) qualifies on its own device" \
	eval 'systemctl start teredod@alt && [ "$(systemctl is-active teredod@alt)" = active ] &&
	      a=$(prop teredod@alt StatusText | sed -n "s/^Teredo address \([0-9a-f:]*\) .*/\1/p") &&
	      [[ "$a" == "$TEREDO_PREFIX"* ]] && ip -6 addr show dev teredo2 | grep -qw "inet6 $a/32"'
systemctl stop teredod@alt
check "none of the packages' units failed" \
	eval '! systemctl --no-legend list-units --state=failed "teredo*" | grep .'

# --- hardening, as systemd rates it ------------------------------------
for u in teredod.service teredod-server.service teredo-relay@teredo1.service; do
	e=$(systemd-analyze security --no-pager "$u" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
	check "systemd-analyze security $u: exposure ${e:-?} (at most 3.0)" \
		eval '[ -n "$e" ] && awk -v e="$e" "BEGIN { exit !(e <= 3.0) }"'
done

echo "1..$n"
echo "# boot test end"
exit "$failed"
