#!/bin/sh
# The main job: boot the test VM and run scripts/demo-guest.sh in it;
# "scripts/demo.sh anycast" (make demo-anycast): the anycast relay fleet,
# scripts/demo-anycast-guest.sh.
cd "$(dirname "$0")/.." || exit 1
guest=scripts/demo-guest.sh
if [ "${1:-}" = anycast ]; then
	guest=scripts/demo-anycast-guest.sh
	shift
fi
exec scripts/vm-run --out build/demo -- "$guest" "$@" ||
	exit 1
