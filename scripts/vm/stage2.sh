#!/bin/bash
# Stage 2 of the test VM, running from the host's root filesystem: prepare a
# small system, run the requested command, save its status and the kernel log
# in the output share, power off.
out=/run/vm/out
. "$out/vm.conf"
export PATH="$REPO/scripts:$REPO/userspace/teredod:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export IP_LIB_DIR="$REPO/userspace/ip" HOME=/tmp TERM=dumb TEREDO_VM=1 LANG=C.UTF-8
export TEREDO_ACCEL=${ACCEL:-}
mount -t proc proc /proc
# The kernel log, copied to the output share as it comes (from the boot's
# first record on): what the kernel said is kept even if the VM dies or
# hangs; scripts/vm/log-check reads it.
cat /dev/kmsg >"$out/kmsg" 2>&1 &
kmsg_pid=$!
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /sys/kernel/debug /run/netns /run/lock
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
hostname teredo-vm
ip link set lo up
modprobe -q virtio_rng 2>/dev/null
sysctl -qw kernel.printk="4 4 1 7"
cd "$REPO" || exit 1
# Receive timestamps on from the start, for good: every capture (tshark)
# would otherwise switch the kernel's netstamp static key on and off,
# patching netif_rx() while other vCPUs run it, which TCG gets wrong now
# and then ("Oops: int3" in netif_rx_internal, seen on 6.12).
python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_TIMESTAMP, 1)
time.sleep(1e9)' &

set +e
bash "$out/cmd" </dev/null 2>&1 | tee "$out/output"
rc=${PIPESTATUS[0]}

# Leak checks at the very end: kmemleak when the kernel has it, then what
# remains of the log.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$out/kmemleak"
fi
dmesg >"$out/dmesg"
kill "$kmsg_pid" 2>/dev/null
echo "$rc" >"$out/rc"
sync
poweroff -f
