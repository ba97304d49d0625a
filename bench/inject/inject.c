// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark packet source: hands one template Ethernet frame to the stack
 * over and over as if a device's driver had received it (netif_receive_skb,
 * like pktgen's "xmit_mode netif_receive", which cannot build a Teredo
 * packet). With it, the only per-packet cost besides the device under test
 * is an skb allocation and a copy: no sender process, no veth hop, no
 * backlog queue.
 *
 * It runs as a kernel thread at the lowest priority (nice 19), so that a
 * userspace device under test (Miredo) gets all the CPU it asks for: the
 * source fills the time it leaves and wastes little on packets that would
 * only be dropped at a full socket or tun queue.
 *
 *   ip netns exec NS insmod inject.ko ifname=DEV frame=HEX [spread=N off=O]
 *     ifname  a device of the caller's network namespace; the frames arrive
 *             on it (their destination MAC must be its address)
 *     frame   the frame, Ethernet header included, in hex
 *     spread  a power of two N > 1: the big-endian 32-bit word at byte O
 *             of each frame becomes (word ^ r), r uniformly random below N
 *     peers   N > 0, instead of spread: the 6 bytes at O become the low 48
 *             bits (~port, ~IPv4) of the Teredo address of bench/tsend.c's
 *             peer r, r uniformly random below N
 *   rmmod inject stops it (before the device goes away: it holds a
 *   reference). /sys/module/inject/parameters/sent counts the frames.
 *
 * The frames are marked CHECKSUM_UNNECESSARY, as a NIC that verified them.
 */
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

static char *ifname;
module_param(ifname, charp, 0444);
MODULE_PARM_DESC(ifname, "device the frames are received on");
static u8 *inject_frame;
static unsigned int inject_len;

/* frame=HEX: parsed here, as a charp parameter is limited to 1024 bytes */
static int inject_set_frame(const char *val, const struct kernel_param *kp)
{
	size_t hex = strlen(val);
	u8 *f;

	if (hex < 2 * ETH_HLEN || hex % 2 || hex / 2 > ETH_FRAME_LEN + 1024)
		return -EINVAL;
	f = kmalloc(hex / 2, GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	if (hex2bin(f, val, hex / 2)) {
		kfree(f);
		return -EINVAL;
	}
	kfree(inject_frame);
	inject_frame = f;
	inject_len = hex / 2;
	return 0;
}

static const struct kernel_param_ops inject_frame_ops = {
	.set = inject_set_frame,
};

module_param_cb(frame, &inject_frame_ops, NULL, 0);
MODULE_PARM_DESC(frame, "the Ethernet frame, in hex");
static unsigned int spread = 1;
module_param(spread, uint, 0444);
MODULE_PARM_DESC(spread, "values of the 32-bit word at off (a power of 2)");
static unsigned int peers;
module_param(peers, uint, 0444);
MODULE_PARM_DESC(peers, "Teredo peers of bench/tsend.c to spread over");
static unsigned int off;
module_param(off, uint, 0444);
MODULE_PARM_DESC(off, "byte offset of the varied word");
static unsigned long sent;
module_param(sent, ulong, 0444);
MODULE_PARM_DESC(sent, "frames handed to the stack");

#define INJECT_BATCH 16		/* frames per softirq-disabled section */
/* bench/tsend.c's peer i: 198.18.1.0 + i % INJECT_IP_SPAN : 1024 + i / ... */
#define INJECT_IP_BASE 0xc6120100u
#define INJECT_IP_SPAN 0x1ff00u

static u32 inject_rnd = 0x9e3779b9;

/* xorshift32: cheap, and the same sequence every run */
static u32 inject_random(void)
{
	inject_rnd ^= inject_rnd << 13;
	inject_rnd ^= inject_rnd >> 17;
	inject_rnd ^= inject_rnd << 5;
	return inject_rnd;
}

static void inject_vary(u8 *p, u32 base)
{
	__be32 word;
	__be16 port;
	u32 r;

	if (peers) {
		r = ((u64)inject_random() * peers) >> 32;
		port = htons(~(1024 + r / INJECT_IP_SPAN) & 0xffff);
		word = htonl(~(INJECT_IP_BASE + r % INJECT_IP_SPAN));
		memcpy(p, &port, sizeof(port));
		memcpy(p + sizeof(port), &word, sizeof(word));
	} else {
		word = cpu_to_be32(base ^ (inject_random() & (spread - 1)));
		memcpy(p, &word, sizeof(word));
	}
}

static struct net_device *inject_dev;
static struct task_struct *inject_task;

static int inject_thread(void *unused)
{
	struct sk_buff *skb;
	unsigned int i;
	__be32 word;
	u32 base = 0;

	if (spread > 1) {
		memcpy(&word, inject_frame + off, sizeof(word));
		base = be32_to_cpu(word);
	}
	sched_set_normal(current, MAX_NICE);
	while (!kthread_should_stop()) {
		local_bh_disable();
		for (i = 0; i < INJECT_BATCH; i++) {
			skb = netdev_alloc_skb(inject_dev, inject_len);
			if (!skb)
				break;
			skb_put_data(skb, inject_frame, inject_len);
			if (spread > 1 || peers)
				inject_vary(skb->data + off, base);
			skb->protocol = eth_type_trans(skb, inject_dev);
			skb->ip_summed = CHECKSUM_UNNECESSARY;
			netif_receive_skb(skb);
			WRITE_ONCE(sent, sent + 1);
		}
		local_bh_enable();
		cond_resched();
	}
	return 0;
}

static int __init inject_init(void)
{
	int err = -EINVAL;

	if (!ifname || !inject_frame) {
		pr_err("inject: need ifname= and frame= (hex, %d to %d bytes)\n",
		       ETH_HLEN, ETH_FRAME_LEN + 1024);
		goto free;
	}
	if (!spread || (spread & (spread - 1)) || (spread > 1 && peers) ||
	    ((spread > 1 || peers) &&
	     (off > inject_len - 6 || off < ETH_HLEN))) {
		pr_err("inject: spread (a power of 2) or peers, and off inside the frame\n");
		goto free;
	}
	inject_dev = dev_get_by_name(current->nsproxy->net_ns, ifname);
	if (!inject_dev) {
		pr_err("inject: no device %s in this network namespace\n", ifname);
		err = -ENODEV;
		goto free;
	}
	inject_task = kthread_run(inject_thread, NULL, "inject/%s", ifname);
	if (IS_ERR(inject_task)) {
		err = PTR_ERR(inject_task);
		dev_put(inject_dev);
		goto free;
	}
	return 0;
free:
	kfree(inject_frame);
	return err;
}

static void __exit inject_exit(void)
{
	kthread_stop(inject_task);
	dev_put(inject_dev);
	kfree(inject_frame);
}

module_init(inject_init);
module_exit(inject_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark source: a template frame received over and over");
