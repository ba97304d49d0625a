# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0
# A private apt configuration in DIR for one SUITE of deb.debian.org, so
# that packages of other releases can be downloaded (never installed)
# without touching the system's sources, lists or dpkg database. Sourced
# by scripts/fetch-headers.sh and scripts/kernel-tree.sh, which define
# die().
#
# private_apt DIR SUITE: DIR set up and its lists updated; then
#   apt-get -c DIR/apt.conf ..., apt-cache -c DIR/apt.conf ...
private_apt() {	# DIR SUITE
	for t in apt-get apt-cache dpkg-deb; do
		command -v "$t" >/dev/null 2>&1 || die "'$t' not found"
	done
	mkdir -p "$1/etc/sources.list.d" "$1/etc/preferences.d" \
		"$1/lists/partial" "$1/cache/archives/partial" "$1/state"
	: >"$1/state/status"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] ||
		die "$keyring missing (apt-get install debian-archive-keyring)"
	echo "deb [signed-by=$keyring] http://deb.debian.org/debian $2 main" \
		>"$1/etc/sources.list"
	cat >"$1/apt.conf" <<-CONF
	Dir::Etc::sourcelist "$1/etc/sources.list";
	Dir::Etc::sourceparts "$1/etc/sources.list.d";
	Dir::Etc::preferences "$1/etc/preferences";
	Dir::Etc::preferencesparts "$1/etc/preferences.d";
	Dir::State "$1/state";
	Dir::State::Lists "$1/lists";
	Dir::State::status "$1/state/status";
	Dir::Cache "$1/cache";
	APT::Architectures { "amd64"; };
	APT::Sandbox::User "root";
	Acquire::Languages "none";
	CONF
	if ! apt-get -q=2 -c "$1/apt.conf" update >"$1/update.log" 2>&1 ||
		grep -q '^[WE]:' "$1/update.log"; then
		cat "$1/update.log" >&2
		die "apt-get update of $2 failed"
	fi
}
