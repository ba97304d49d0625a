#!/bin/bash
# vm-run --systemd: the command, run by teredo-vm-cmd.service once the
# system is up (scripts/vm/systemd-init.sh), as stage2.sh runs it; then its
# status, the journal and the kernel log to the output share, and off.
out=/run/vm/out
. "$out/vm.conf"
# the installed programs, not the repository's (what the packages put)
export PATH="$REPO/scripts:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export HOME=/tmp TERM=dumb TEREDO_VM=1 LANG=C.UTF-8
export TEREDO_ACCEL=${ACCEL:-}
sysctl -qw kernel.printk="4 4 1 7"
cd "$REPO" || exit 1

bash "$out/cmd" </dev/null 2>&1 | tee "$out/output"
rc=${PIPESTATUS[0]}
journalctl -b --no-pager >"$out/journal" 2>&1
dmesg >"$out/dmesg"
echo "$rc" >"$out/rc"
sync
systemctl poweroff --force --force
