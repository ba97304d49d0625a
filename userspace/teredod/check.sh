#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# teredod's tests as TAP, without the kernel module: the unit tests
# (test_teredod: helpers, and show's parsers fed with forged messages), the
# validity of its JSON, and the command line. Safe with the module loaded.

cd "$(dirname "$0")" || exit 1
fail=0
n=0

echo "TAP version 13"
ok() { n=$((n + 1)); echo "ok $n - teredod: $*"; }
ko() { n=$((n + 1)); echo "not ok $n - teredod: $*"; fail=1; }

# unit tests (the programs named on the command line, test_teredod by
# default): "ok DESC" / "not ok DESC" lines, numbered here, then "# end of
# the tests" once a program ran to its end (one that stops early, even with
# status 0, fails). Every test_*.c with a main() must be among them.
[ $# -gt 0 ] || set -- test_teredod
for src in test_*.c; do
	grep -q '^int main(' "$src" || continue	# test_lib.c: shared helpers
	[[ " $* " == *" ${src%.c} "* ]] ||
		ko "${src%.c} is not run (add it to TESTS in the Makefile)"
done
for prog in "$@"; do
	if [ ! -x "./$prog" ]; then
		ko "$prog: no such program"
		continue
	fi
	out=$(./"$prog" 2>&1)
	st=$?
	end=0
	while IFS= read -r line; do
		case $line in
		"ok "*)		ok "${line#ok }" ;;
		"not ok "*)	ko "${line#not ok }" ;;
		"# end of the tests") end=1 ;;
		"#"*)		echo "$line" ;;
		*)		echo "# $line" ;;
		esac
	done <<<"$out"
	[ $st = 0 ] || grep -q '^not ok ' <<<"$out" ||
		ko "$prog exited with status $st"
	[ $end = 1 ] || ko "$prog stopped before the end of its tests"
done

if command -v python3 >/dev/null; then
	if err=$(./test_teredod --samples | python3 -c '
import json, sys
for line in sys.stdin:
    json.loads(line)' 2>&1); then
		ok "JSON output is valid JSON"
	else
		ko "JSON output is valid JSON: $err"
	fi
else
	ok "JSON output is valid JSON # SKIP no python3"
fi

run() {	# command line: sets rc, out (stdout), err (stderr)
	local e

	e=$(mktemp)
	out=$(./teredod "$@" 2>"$e")
	rc=$?
	err=$(cat "$e")
	rm -f "$e"
}

for h in --help -h help; do
	run $h
	[ $rc = 0 ] && grep -q '^Usage: teredod' <<<"$out" && [ -z "$err" ] &&
		ok "$h: usage, status 0" || ko "$h: status $rc, out: $out, err: $err"
done
run show --help
[ $rc = 0 ] && grep -q 'teredod show peers' <<<"$out" &&
	ok "show --help: usage, status 0" || ko "show --help: status $rc, err: $err"

usage_error() {	# expected stderr, then the arguments
	local want=$1

	shift
	run "$@"
	if [ $rc != 0 ] && [ -z "$out" ] && grep -qF -- "$want" <<<"$err"; then
		ok "${*:-(no arguments)} -> status $rc, $want"
	else
		ko "$*: status $rc, out: $out, err: $err"
	fi
}
usage_error 'teredod: unknown option "--bogus"' --bogus
usage_error 'teredod: option "-c" needs a value' -c
usage_error 'teredod: option "-u" needs a value' -u
run -V
[ $rc = 0 ] && [ "$out" = "teredod 0.1" ] &&
	ok "-V: the version" || ko "-V: status $rc, out: $out, err: $err"

# Not a command: the client daemon, with these server names. Errors in the
# configuration come before anything is done to the system.
conf_error() {	# expected stderr, then the arguments
	local want=$1

	shift
	run "$@"
	if [ $rc = 1 ] && [ -z "$out" ] && grep -qF -- "$want" <<<"$err"; then
		ok "${*:-(no arguments)} -> status 1, $want"
	else
		ko "$*: status $rc, out: $out, err: $err"
	fi
}
conf_error 'teredod: 10.1.2.3 is not a global unicast IPv4 address' -c /dev/null 10.1.2.3
conf_error 'teredod: /nonexistent/teredod.conf: No such file or directory' -c /nonexistent/teredod.conf
tmp=$(mktemp)
printf 'RelayType client\nServerAdress 198.18.0.1\n' >"$tmp"
conf_error "teredod: $tmp:2: unknown directive \"ServerAdress\": ignored" -c "$tmp"
conf_error "teredod: $tmp: ServerAddress: missing" -c "$tmp"
printf 'ServerAddress 198.18.0.1\nBindPort 70000\n' >"$tmp"
conf_error "teredod: $tmp:2: BindPort" -c "$tmp"
printf 'RelayType relay\n' >"$tmp"
conf_error "teredod: $tmp:1: RelayType" -c "$tmp"
printf '\n' >"$tmp"
conf_error "teredod: $tmp: ServerAddress" -c "$tmp"

# checkconf, as miredo-checkconf: 0 when every line is used, 1 when one is
# wrong or ignored (the daemon would warn and go on); names not looked up
printf 'RelayType client\nServerAddress teredo.example.invalid\nBindPort 0\nSyslogFacility uucp\nInterfaceName teredo\n' >"$tmp"
run checkconf "$tmp"
[ $rc = 0 ] && [ -z "$out$err" ] &&
	ok "checkconf: a Miredo client file (BindPort 0, uucp, a name) -> 0" ||
	ko "checkconf: status $rc, out: $out, err: $err"
printf 'ServerAddress 198.18.0.1\nFoo bar\nBindPort 3545 3546\n' >"$tmp"
run checkconf -c "$tmp"
[ $rc = 1 ] && grep -qF "$tmp:2: unknown directive \"Foo\": ignored" <<<"$err" &&
	grep -qF "$tmp:3: BindPort: \"3546\" after the value: ignored" <<<"$err" &&
	grep -qF "$tmp: 2 lines ignored" <<<"$err" &&
	ok "checkconf: ignored lines named, status 1" ||
	ko "checkconf ignored lines: status $rc, out: $out, err: $err"
printf 'ServerBindAddress 198.18.0.1\nInterfaceMTU 1400\n' >"$tmp"
run checkconf --server "$tmp"
[ $rc = 0 ] && ok "checkconf --server: a server file -> 0" ||
	ko "checkconf --server: status $rc, out: $out, err: $err"
run checkconf /nonexistent/miredo.conf
[ $rc = 1 ] && grep -qF "/nonexistent/miredo.conf: No such file" <<<"$err" &&
	ok "checkconf: a missing file -> 1" || ko "checkconf missing: status $rc, err: $err"
rm -f "$tmp"
usage_error 'teredod: show: unknown option "-x"' show -x
usage_error 'teredod: show: unexpected argument "b"' show a b
usage_error 'teredod: show: unexpected argument "c"' show peers dev a c
usage_error 'teredod: show: "dev" needs a device name' show dev

# Without the module: "family not found"; with it: "no such device".
# Either way status 1, one message, nothing on stdout (valid JSON or none).
# (teredo0 may exist where the module is: only absent names here)
for args in "show teredo-nosuch" "show peers teredo-nosuch" \
	    "--json show peers teredo-nosuch" "show dev teredo-nosuch --json"; do
	run $args
	if [ $rc = 1 ] && [ -z "$out" ] && [ "$(wc -l <<<"$err")" = 1 ] &&
	   grep -qE '^teredod: (teredo: family not found \(is the teredo module available\?\)|teredo-nosuch: no such device)$' <<<"$err"; then
		ok "$args: status 1, $err"
	else
		ko "$args: status $rc, out: $out, err: $err"
	fi
done

echo "1..$n"
exit $fail
