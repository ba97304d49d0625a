#!/bin/sh
# Install the Debian 12 packages this project needs to build, test,
# package (make deb: debhelper, dh-dkms, lintian) and benchmark.
# Idempotent: does nothing when everything is already present.
set -eu

PKGS="build-essential make gcc-12 bc bison flex libelf-dev libssl-dev dwarves
kmod cpio gzip xz-utils busybox-static qemu-system-x86
linux-image-amd64 linux-headers-amd64 linux-source-6.1
libmnl-dev pkg-config iproute2 nftables ethtool iputils-ping
netcat-openbsd socat python3 sparse miredo dkms clang libclang-rt-14-dev
dnsmasq-base prometheus-node-exporter curl tshark bird2
debhelper dh-dkms fakeroot lintian debian-archive-keyring
libminiupnpc-dev libnatpmp-dev miniupnpd-nftables stun-server bash-builtins"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
# miredo-server ships only in some Debian releases; install it when it exists.
if ! dpkg-query -W -f='${Status}\n' miredo-server 2>/dev/null | grep -q 'ok installed'; then
	optional="miredo-server"
else
	optional=""
fi
[ -z "$missing$optional" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/teredo-apt-updated
if [ ! -e "$stamp" ]; then
	apt-get update -q
	mkdir -p "$(dirname "$stamp")" && touch "$stamp"
fi
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
if [ -n "$optional" ] && apt-cache show "$optional" >/dev/null 2>&1; then
	apt-get install -y -q --no-install-recommends "$optional" || true
fi
# Miredo's, node_exporter's and BIRD's packages enable their services; this machine
# is a build host, the daemons only ever run inside the test VM
# (selftests/metrics.sh starts its own node_exporter in a namespace,
# selftests/anycast.sh its own BIRDs, selftests/nat6081.sh its own
# miniupnpd and STUN server).
for s in miredo miredo-server prometheus-node-exporter bird miniupnpd stun-server; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
exit 0
