#!/bin/bash
# Boot test, before the boot (vm-run --prepare: chrooted in the guest's
# system, its /etc, /usr and /var writable overlays): install the built
# packages as a user would (dpkg -i: teredod's postinst creates the user
# and enables the units, teredo-dkms's has DKMS build the module for the
# running kernel), then write the test's configuration: a Teredo server
# and a relay, each in a network namespace, and a client of that server.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
debs=("$repo"/build/deb/teredo-dkms_*_all.deb "$repo"/build/deb/teredod_*_amd64.deb)
for d in "${debs[@]}"; do
	[ -f "$d" ] || { echo "prepare: no $d (make deb first)" >&2; exit 1; }
done
# man-db's trigger would index every manual page again, for minutes
# under TCG: nothing here reads them
rm -f /var/lib/man-db/auto-update
# A binaries-only DKMS tarball of the module built for this kernel on
# the host (scripts/boot-test.sh), where the package's postinst loads one
# from (dkms ldtarball, then dkms install); without it the postinst
# compiles the module here.
tarballs=("$repo"/build/deb/teredo-*.dkms.tar.gz)
if [ -f "${tarballs[0]}" ]; then
	mkdir -p /usr/share/teredo-dkms
	cp "${tarballs[0]}" /usr/share/teredo-dkms/
	echo "prepare: DKMS loads the module built on the host: ${tarballs[0]##*/}"
fi
start=$(date +%s)
dpkg -i "${debs[@]}"
echo "dpkg -i (with DKMS and depmod) took $(($(date +%s) - start)) s"

mkdir -p /etc/teredod
printf 'ServerBindAddress 198.18.0.1\n' >/etc/teredod/teredod-server.conf
printf 'ServerAddress 198.18.0.1\nInterfaceName teredo0\n' >/etc/teredod/teredod.conf
# teredod@alt: a second configuration, its own device
printf 'ServerAddress 198.18.0.1\nInterfaceName teredo2\n' >/etc/teredod/alt.conf
echo 'OPTIONS="local 198.18.1.1"' >/etc/teredod/relay-teredo1.conf

# The test's network: namespaces and veths (net.sh), before the units
# that need them; the server and the relay run in theirs (drop-ins).
units=/etc/systemd/system
cat >"$units/teredo-test-net.service" <<UNIT
[Unit]
Description=boot test: the namespaces of the Teredo server and the relay
DefaultDependencies=no
After=systemd-sysctl.service
Before=network-online.target teredod-server.service teredo-relay@teredo1.service teredod.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/bash $repo/scripts/boot-test/net.sh

[Install]
WantedBy=multi-user.target
UNIT
for u in teredod-server.service teredo-relay@teredo1.service; do
	ns=srv
	[ "$u" = teredod-server.service ] || ns=relay
	mkdir -p "$units/$u.d"
	printf '[Unit]\nRequires=teredo-test-net.service\nAfter=teredo-test-net.service\n\n[Service]\nNetworkNamespacePath=/run/netns/%s\n' \
		"$ns" >"$units/$u.d/boot-test.conf"
done
# the client qualifies at its first round, not after a failed one
mkdir -p "$units/teredod.service.d"
printf '[Unit]\nAfter=teredod-server.service\n' >"$units/teredod.service.d/boot-test.conf"
systemctl enable teredo-test-net.service teredo-relay@teredo1.service
