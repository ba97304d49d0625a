#!/bin/busybox sh
# vm-run --systemd, continued from scripts/vm/init (still PID 1, in the
# initramfs): the root is mounted with its overlays. Keep the host's own
# services on the host, run the PREPARE script chrooted (packages
# installed there are installed "before the boot": their units start at
# boot, as on a real machine), add the units that copy the kernel log and
# run the command (scripts/vm/systemd.sh), and start systemd.
out=/newroot/run/vm/out
fail() {
	echo "vm-init: $*" | tee -a "$out/output" >/dev/console
	echo 1 >"$out/rc"
	sync
	poweroff -f
}
. "$out/vm.conf"
etc=/newroot/etc
units=$etc/systemd/system

# What the host enabled (its databases, timers, gettys) and its fstab
# (its disks) are not this guest's: removed in the overlay.
rm -rf "$units"/*.wants "$units"/*.requires
: >"$etc/fstab"

if [ -n "${PREPARE:-}" ]; then
	mount -t proc proc /newroot/proc
	mount -t sysfs sysfs /newroot/sys
	mount --bind /dev /newroot/dev
	# bash's <(...) (dkms) needs /dev/fd: systemd makes these later
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	echo "vm-init: preparing the system: $PREPARE" >/dev/console
	chroot /newroot /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/tmp LANG=C.UTF-8 TEREDO_VM=1 DEBIAN_FRONTEND=noninteractive \
		/bin/bash "$PREPARE" \
		>"$out/prepare.log" 2>&1
	rc=$?
	umount /newroot/dev /newroot/sys /newroot/proc
	[ "$rc" = 0 ] ||
		fail "the prepare script $PREPARE failed (status $rc); see prepare.log"
fi

# the kernel log, copied from the first record on, as stage2.sh does
cat >"$units/teredo-vm-kmsg.service" <<UNIT
[Unit]
Description=vm-run: copy of the kernel log
DefaultDependencies=no

[Service]
ExecStart=/bin/sh -c 'exec cat /dev/kmsg >/run/vm/out/kmsg'
UNIT
mkdir -p "$units/sysinit.target.wants"
ln -s ../teredo-vm-kmsg.service "$units/sysinit.target.wants/"
# what a boot that hangs is waiting for: the jobs and processes every
# 30 s in the output share's watch.log
cat >"$units/teredo-vm-watch.service" <<UNIT
[Unit]
Description=vm-run: the jobs and processes, for a boot that hangs
DefaultDependencies=no

[Service]
ExecStart=/bin/sh -c 'while sleep 30; do { date; cat /proc/uptime; systemctl list-jobs --no-pager; systemctl --no-pager status teredo-vm.target teredo-vm-cmd.service; systemctl --no-pager --failed; ps -eo pid,ppid,stat,wchan:32,args; journalctl -b --no-pager -n 60; } >/run/vm/out/watch.log 2>&1; done'
UNIT
ln -s ../teredo-vm-watch.service "$units/sysinit.target.wants/"
# the command, once the system is up (the default target)
cat >"$units/teredo-vm-cmd.service" <<UNIT
[Unit]
Description=vm-run: the command
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/bash $REPO/scripts/vm/systemd.sh
StandardOutput=journal+console
StandardError=inherit
TimeoutStartSec=infinity
UNIT
cat >"$units/teredo-vm.target" <<UNIT
[Unit]
Description=vm-run: the system up, then the command
Requires=multi-user.target teredo-vm-cmd.service
After=multi-user.target teredo-vm-cmd.service
AllowIsolate=yes
UNIT
# the boot's target (systemd.unit= on the command line was not followed)
ln -sf teredo-vm.target "$units/default.target"

umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /lib/systemd/systemd
