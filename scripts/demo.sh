#!/bin/sh
# The main job: boot the test VM and run scripts/demo-guest.sh in it.
cd "$(dirname "$0")/.." || exit 1
exec scripts/vm-run --out build/demo -- scripts/demo-guest.sh "$@" ||
	exit 1
