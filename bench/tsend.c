// SPDX-License-Identifier: GPL-2.0
/*
 * tsend: the benchmark's own AF_PACKET sender, for what pktgen and trafgen
 * cannot do: address exactly N distinct Teredo peers, each once (to create
 * and trust them) or uniformly at random (to spread encapsulation across
 * them), or an endless stream of new ones (an insertion flood).
 *
 * Peer i (0 <= i < 2^24) is the Teredo client
 *   2001:0:c612:1:0:~port:~ip  (server 198.18.0.1, flags 0)
 * with ip = 198.18.1.0 + i % 130816 (198.18.1.0 - 198.19.255.255) and
 * port = 1024 + i / 130816.
 *
 *   tsend native  -i NS:DEV:DMAC:SMAC -n N [-o FIRST] [-r] [-c COUNT] [-l LEN]
 *	IPv6/UDP 2001:db8:1::2 -> peer i, LEN-byte frames (default 78);
 *	i = FIRST, FIRST+1, ... (wrapping after N) or, with -r, uniformly
 *	random in [FIRST, FIRST+N); COUNT packets (default: until killed).
 *   tsend bubbles -t NS:DEV:DMAC:SMAC -n N [-o FIRST] [-c COUNT]
 *	a bubble (IPv6 header, next header 59, peer i -> 2001:db8:1::2) in
 *	UDP from ip:port of peer i to 198.18.0.10:3544, i in order.
 *   tsend trust -i ... -t ... -n N [-o FIRST] [-k CHUNK] [-R SEC]
 *	per chunk of CHUNK peers (default 4096): one native packet to each
 *	(the relay creates the entries and queues them), then one bubble
 *	from each (the relay trusts them); before every chunk, earlier chunks
 *	not refreshed for SEC seconds (default 15) get a bubble again, so
 *	that none expires (30 s) while the table fills.
 * -p PPS paces any mode to at most PPS packets per second (for a relay
 * that would drop a faster stream, e.g. Miredo's).
 * NS is a name under /run/netns ("-" for the current namespace).
 * Prints "sent P packets in T s" (stderr) at the end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define FRAME_MAX	1514
#define IP_SPAN		0x1FF00u	/* 198.18.1.0 - 198.19.255.255 */

struct side {
	int fd;
	uint8_t dmac[6], smac[6];
};

static volatile sig_atomic_t stop;
static uint64_t sent;
static double pace, pace_t0;	/* -p: packets per second, since when */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_mac(const char *s, uint8_t *m)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "tsend: bad MAC %s\n", s);
		exit(2);
	}
}

/* NS:DEV:DMAC:SMAC -> a packet socket bound to DEV in NS */
static void open_side(struct side *sd, char *spec)
{
	char *ns = strtok(spec, ":"), *dev = strtok(NULL, ":");
	char *macs = dev ? dev + strlen(dev) + 1 : NULL;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1;

	if (!ns || !dev || !macs || strlen(macs) != 35) {
		fprintf(stderr, "tsend: want NS:DEV:DMAC:SMAC\n");
		exit(2);
	}
	macs[17] = 0;
	parse_mac(macs, sd->dmac);
	parse_mac(macs + 18, sd->smac);
	if (strcmp(ns, "-")) {
		char path[256];
		int nfd;

		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		nfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nfd < 0 || setns(nfd, CLONE_NEWNET))
			die(path);
		close(nfd);
	}
	sd->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (sd->fd < 0)
		die("socket");
	/* straight to the driver, as pktgen does: no qdisc */
	setsockopt(sd->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_ifindex = if_nametoindex(dev);
	if (!sll.sll_ifindex)
		die(dev);
	if (bind(sd->fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
}

static uint32_t peer_ip(uint32_t i)
{
	return 0xC6120100u + i % IP_SPAN;
}

static uint16_t peer_port(uint32_t i)
{
	return 1024 + i / IP_SPAN;
}

static void peer_addr(uint32_t i, uint8_t *a)
{
	static const uint8_t prefix[10] = {
		0x20, 0x01, 0, 0, 0xc6, 0x12, 0, 0x01, 0, 0 };
	uint16_t port = ~peer_port(i);
	uint32_t ip = ~peer_ip(i);

	memcpy(a, prefix, 10);
	a[10] = port >> 8;
	a[11] = port;
	a[12] = ip >> 24;
	a[13] = ip >> 16;
	a[14] = ip >> 8;
	a[15] = ip;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; len -= 2, p += 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static const uint8_t native6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* Ethernet + IPv6 + UDP 9 -> 9 from 2001:db8:1::2 to peer i */
static size_t build_native(const struct side *sd, uint8_t *f, size_t len,
			   uint32_t i)
{
	size_t plen = len - 14 - 40;
	uint32_t sum;
	uint16_t c;

	memcpy(f, sd->dmac, 6);
	memcpy(f + 6, sd->smac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(f + 14, 0, 40 + 8);
	f[14] = 0x60;
	f[18] = plen >> 8;
	f[19] = plen;
	f[20] = 17;
	f[21] = 64;
	memcpy(f + 22, native6, 16);
	peer_addr(i, f + 38);
	f[55] = 9;			/* source port */
	f[57] = 9;			/* destination port */
	f[58] = plen >> 8;
	f[59] = plen;
	for (size_t k = 62; k < len; k++)
		f[k] = k;
	sum = csum_add(17 + plen, f + 22, 32);
	sum = csum_add(sum, f + 54, plen);
	c = csum_fold(sum) ?: 0xffff;
	f[60] = c >> 8;
	f[61] = c;
	return len;
}

/* Ethernet + IPv4 + UDP (checksum 0) + bubble from peer i */
static size_t build_bubble(const struct side *sd, uint8_t *f, uint32_t i)
{
	uint32_t ip = peer_ip(i);
	uint16_t port = peer_port(i), c;

	memcpy(f, sd->dmac, 6);
	memcpy(f + 6, sd->smac, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, 0, 20 + 8 + 40);
	f[14] = 0x45;
	f[17] = 20 + 8 + 40;		/* total length */
	f[20] = 0x40;			/* DF */
	f[22] = 64;
	f[23] = 17;
	f[26] = ip >> 24;
	f[27] = ip >> 16;
	f[28] = ip >> 8;
	f[29] = ip;
	f[30] = 198;
	f[31] = 18;
	f[32] = 0;
	f[33] = 10;
	c = csum_fold(csum_add(0, f + 14, 20));
	f[24] = c >> 8;
	f[25] = c;
	f[34] = port >> 8;
	f[35] = port;
	f[36] = 3544 >> 8;
	f[37] = 3544 & 0xff;
	f[39] = 8 + 40;
	f[42] = 0x60;			/* IPv6, payload 0, next header 59 */
	f[48] = 59;
	peer_addr(i, f + 50);
	memcpy(f + 66, native6, 16);
	return 82;
}

struct batch {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	uint8_t frame[BATCH][FRAME_MAX];
	unsigned int n;
};

static void flush(const struct side *sd, struct batch *b)
{
	unsigned int done = 0;

	while (done < b->n) {
		int r = sendmmsg(sd->fd, b->msg + done, b->n - done, 0);

		if (r < 0) {
			if (errno == EINTR && !stop)
				continue;
			if (errno == ENOBUFS || errno == EAGAIN) {
				done++;		/* dropped: count it as not sent */
				continue;
			}
			if (stop)
				break;
			die("sendmmsg");
		}
		done += r;
		sent += r;
	}
	b->n = 0;
	if (pace > 0) {
		double ahead = pace_t0 + sent / pace - now_s();

		if (ahead > 0) {
			struct timespec ts = {
				.tv_sec = (time_t)ahead,
				.tv_nsec = (long)((ahead - (time_t)ahead) * 1e9),
			};

			nanosleep(&ts, NULL);
		}
	}
}

static uint8_t *slot(struct batch *b)
{
	return b->frame[b->n];
}

static void queue(const struct side *sd, struct batch *b, size_t len)
{
	b->iov[b->n].iov_base = b->frame[b->n];
	b->iov[b->n].iov_len = len;
	memset(&b->msg[b->n], 0, sizeof(b->msg[b->n]));
	b->msg[b->n].msg_hdr.msg_iov = &b->iov[b->n];
	b->msg[b->n].msg_hdr.msg_iovlen = 1;
	if (++b->n == BATCH)
		flush(sd, b);
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd_below(uint32_t n)
{
	uint64_t x = rnd_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rnd_state = x;
	return (uint32_t)(((unsigned __int128)x * n) >> 64);
}

static void send_bubbles(const struct side *sd, struct batch *b,
			 uint32_t first, uint32_t n)
{
	for (uint32_t k = 0; k < n && !stop; k++)
		queue(sd, b, build_bubble(sd, slot(b), first + k));
	flush(sd, b);
}

static void send_natives(const struct side *sd, struct batch *b,
			 uint32_t first, uint32_t n, size_t len)
{
	for (uint32_t k = 0; k < n && !stop; k++)
		queue(sd, b, build_native(sd, slot(b), len, first + k));
	flush(sd, b);
}

static void usage(void)
{
	fprintf(stderr, "usage: tsend native|bubbles|trust [-i NS:DEV:DMAC:SMAC] "
		"[-t NS:DEV:DMAC:SMAC] -n N [-o FIRST] [-r] [-c COUNT] [-l LEN] "
		"[-k CHUNK] [-R SEC] [-p PPS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct batch b;
	struct side nat = { .fd = -1 }, ter = { .fd = -1 };
	char *nspec = NULL, *tspec = NULL;
	uint64_t count = 0, n = 0, first = 0;
	unsigned int chunk = 4096;
	double refresh = 15, t0;
	size_t len = 78;
	int opt, random = 0;
	const char *mode;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "i:t:n:o:rc:l:k:R:p:")) != -1) {
		switch (opt) {
		case 'i': nspec = optarg; break;
		case 't': tspec = optarg; break;
		case 'n': n = strtoull(optarg, NULL, 0); break;
		case 'o': first = strtoull(optarg, NULL, 0); break;
		case 'r': random = 1; break;
		case 'c': count = strtoull(optarg, NULL, 0); break;
		case 'l': len = strtoul(optarg, NULL, 0); break;
		case 'k': chunk = strtoul(optarg, NULL, 0); break;
		case 'R': refresh = atof(optarg); break;
		case 'p': pace = atof(optarg); break;
		default: usage();
		}
	}
	if (!n || first + n > (1u << 24) || len < 62 || len > FRAME_MAX || !chunk)
		usage();
	/* both sockets are opened before anything is sent; setns() moves
	 * this thread, the sockets stay in the namespace they were made in
	 */
	if (nspec)
		open_side(&nat, nspec);
	if (tspec)
		open_side(&ter, tspec);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	pace_t0 = t0;

	if (!strcmp(mode, "native") && nat.fd >= 0) {
		uint64_t k = 0;

		while (!stop && (!count || k < count)) {
			uint32_t i = random ? first + rnd_below(n) : first + k % n;

			queue(&nat, &b, build_native(&nat, slot(&b), len, i));
			k++;
		}
		flush(&nat, &b);
	} else if (!strcmp(mode, "bubbles") && ter.fd >= 0) {
		uint64_t k = 0;

		while (!stop && (!count || k < count)) {
			queue(&ter, &b, build_bubble(&ter, slot(&b), first + k % n));
			k++;
		}
		flush(&ter, &b);
	} else if (!strcmp(mode, "trust") && nat.fd >= 0 && ter.fd >= 0) {
		uint64_t nchunks = (n + chunk - 1) / chunk, c, r;
		double *last = calloc(nchunks, sizeof(*last));
		uint64_t refreshed = 0;

		if (!last)
			die("calloc");
		for (c = 0; c < nchunks && !stop; c++) {
			uint32_t s = first + c * chunk;
			uint32_t m = c == nchunks - 1 ? n - c * chunk : chunk;

			for (r = 0; r < c && !stop; r++) {
				uint32_t rm = r == nchunks - 1 ? n - r * chunk : chunk;

				if (now_s() - last[r] < refresh)
					continue;
				send_bubbles(&ter, &b, first + r * chunk, rm);
				last[r] = now_s();
				refreshed += rm;
			}
			send_natives(&nat, &b, s, m, len);
			send_bubbles(&ter, &b, s, m);
			last[c] = now_s();
		}
		fprintf(stderr, "tsend: %llu refresh bubbles\n",
			(unsigned long long)refreshed);
		free(last);
	} else {
		usage();
	}
	t0 = now_s() - t0;
	fprintf(stderr, "tsend: sent %llu packets in %.2f s (%.0f pps)\n",
		(unsigned long long)sent, t0, sent / (t0 > 0 ? t0 : 1));
	return 0;
}
