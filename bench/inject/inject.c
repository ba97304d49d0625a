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
 *     decap   with peers: the frame is Teredo (Ethernet, IPv4, UDP, IPv6)
 *             and the datagram comes from peer r: its IPv4 source and UDP
 *             source port too (IPv4 checksum redone, UDP checksum zeroed)
 *     threads N kernel threads, thread i on CPU i, each with its own random
 *             sequence: N receive queues of a NIC spread by RSS
 *   rmmod inject stops it (before the device goes away: it holds a
 *   reference). /sys/module/inject/parameters/sent counts the frames.
 *
 * The frames are marked CHECKSUM_UNNECESSARY, as a NIC that verified them.
 */
#include <linux/etherdevice.h>
#include <linux/ip.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/ip.h>
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
static bool decap;
module_param(decap, bool, 0444);
MODULE_PARM_DESC(decap, "with peers: Teredo datagrams from the peers");
static unsigned int threads = 1;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "sources, one per CPU from CPU 0");

/* one per thread, each on a cache line of its own */
struct inject_src {
	struct task_struct *task;
	unsigned long sent;
	u32 rnd;
} ____cacheline_aligned_in_smp;

static struct inject_src *inject_srcs;

static int inject_get_sent(char *buf, const struct kernel_param *kp)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; inject_srcs && i < threads; i++)
		n += READ_ONCE(inject_srcs[i].sent);
	return sysfs_emit(buf, "%lu\n", n);
}

static const struct kernel_param_ops inject_sent_ops = {
	.get = inject_get_sent,
};

module_param_cb(sent, &inject_sent_ops, NULL, 0444);
MODULE_PARM_DESC(sent, "frames handed to the stack");

#define INJECT_BATCH 16		/* frames per softirq-disabled section */
/* bench/tsend.c's peer i: 198.18.1.0 + i % INJECT_IP_SPAN : 1024 + i / ... */
#define INJECT_IP_BASE 0xc6120100u
#define INJECT_IP_SPAN 0x1ff00u

/* xorshift32: cheap, and the same sequence every run */
static u32 inject_random(struct inject_src *src)
{
	src->rnd ^= src->rnd << 13;
	src->rnd ^= src->rnd >> 17;
	src->rnd ^= src->rnd << 5;
	return src->rnd;
}

/* The datagram at @ip comes from the mapping ~@port:~@word */
static void inject_from_peer(struct iphdr *ip, __be16 port, __be32 word)
{
	struct udphdr *uh = (struct udphdr *)((u8 *)ip + ip->ihl * 4);

	ip->saddr = ~word;
	ip_send_check(ip);
	uh->source = ~port;
	uh->check = 0;
}

static void inject_vary(struct inject_src *src, u8 *frame, u32 base)
{
	u8 *p = frame + off;
	__be32 word;
	__be16 port;
	u32 r;

	if (peers) {
		r = ((u64)inject_random(src) * peers) >> 32;
		port = htons(~(1024 + r / INJECT_IP_SPAN) & 0xffff);
		word = htonl(~(INJECT_IP_BASE + r % INJECT_IP_SPAN));
		memcpy(p, &port, sizeof(port));
		memcpy(p + sizeof(port), &word, sizeof(word));
		if (decap)
			inject_from_peer((struct iphdr *)(frame + ETH_HLEN),
					 port, word);
	} else {
		word = cpu_to_be32(base ^ (inject_random(src) & (spread - 1)));
		memcpy(p, &word, sizeof(word));
	}
}

static struct net_device *inject_dev;

static int inject_thread(void *data)
{
	struct inject_src *src = data;
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
				inject_vary(src, skb->data, base);
			skb->protocol = eth_type_trans(skb, inject_dev);
			skb->ip_summed = CHECKSUM_UNNECESSARY;
			netif_receive_skb(skb);
			WRITE_ONCE(src->sent, src->sent + 1);
		}
		local_bh_enable();
		cond_resched();
	}
	return 0;
}

static void inject_stop_all(void)
{
	unsigned int i;

	for (i = 0; i < threads; i++)
		if (inject_srcs[i].task)
			kthread_stop(inject_srcs[i].task);
	kfree(inject_srcs);
	inject_srcs = NULL;
}

static int __init inject_init(void)
{
	struct task_struct *t;
	int err = -EINVAL;
	unsigned int i;

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
	if (!threads || threads > num_online_cpus() ||
	    (decap && (!peers || inject_len < ETH_HLEN + 20 + 8 + 40 ||
		       inject_frame[ETH_HLEN] != 0x45))) {
		pr_err("inject: threads 1 to the CPUs online; decap with peers and a Teredo frame\n");
		goto free;
	}
	inject_dev = dev_get_by_name(current->nsproxy->net_ns, ifname);
	if (!inject_dev) {
		pr_err("inject: no device %s in this network namespace\n", ifname);
		err = -ENODEV;
		goto free;
	}
	err = -ENOMEM;
	inject_srcs = kcalloc(threads, sizeof(*inject_srcs), GFP_KERNEL);
	if (!inject_srcs)
		goto put;
	for (i = 0; i < threads; i++) {
		inject_srcs[i].rnd = 0x9e3779b9 * (i + 1);
		t = kthread_create(inject_thread, &inject_srcs[i], "inject/%u", i);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			inject_stop_all();
			goto put;
		}
		kthread_bind(t, i);
		inject_srcs[i].task = t;
		wake_up_process(t);
	}
	return 0;
put:
	dev_put(inject_dev);
free:
	kfree(inject_frame);
	return err;
}

static void __exit inject_exit(void)
{
	inject_stop_all();
	dev_put(inject_dev);
	kfree(inject_frame);
}

module_init(inject_init);
module_exit(inject_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Benchmark source: a template frame received over and over");
