// SPDX-License-Identifier: GPL-2.0
/*
 * fsend: a flood of one UDP/IPv4 datagram from many sources, for the
 * floods and the amplification sprays (selftests/flood.sh,
 * selftests/amplification.sh, bench/flood.sh), at the rate an AF_PACKET
 * socket and sendmmsg() allow: what teredo_peer.py spoof does a thousand
 * times slower.
 *
 *   fsend -i NS:DEV:DMAC:SMAC -f HEX [-s A.B.C.D/LEN] [-P LO-HI] [-m OFF]
 *         [-O OFF=A.B.C.D/LEN] [-R OFF] [-n] [-c COUNT] [-t SECONDS] [-p PPS]
 *         [-r SEED]
 *	HEX	the datagram from its IPv4 header on (20 bytes, no options:
 *		lengths and checksums are recomputed; the UDP checksum is 0,
 *		none, which IPv4 allows)
 *	-s	each frame's IPv4 source drawn in this prefix (default: as
 *		in HEX)
 *	-P	its UDP source port drawn in LO-HI (default: as in HEX)
 *	-m OFF	the Teredo address at byte OFF of the UDP payload embeds
 *		the source drawn (bit-inverted port and IPv4 in its last 6
 *		bytes): a consistent spoofed Teredo source
 *	-O OFF=PREFIX	the origin indication at byte OFF of the payload
 *		names an IPv4 drawn in PREFIX and a random port
 *	-R OFF	the last 6 bytes of the IPv6 address at byte OFF of the
 *		payload drawn at random: another peer in every frame
 *	-n	sources in order (each distinct, the port after the IPv4)
 *		instead of at random
 *	-c, -t	stop after COUNT frames or SECONDS (default: until SIGINT)
 *	-p	at most PPS frames a second
 *	-r	the random stream's seed (default 1): the same frames again
 * NS is a name under /run/netns ("-" for the current namespace). Prints
 * "sent N frames in T s (R pps)" at the end (stdout).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
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

static volatile sig_atomic_t stop;
static uint64_t rnd = 1;

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

static void usage(void)
{
	fprintf(stderr, "usage: fsend -i NS:DEV:DMAC:SMAC -f HEX [-s A.B.C.D/LEN] [-P LO-HI] "
		"[-m OFF] [-O OFF=A.B.C.D/LEN] [-R OFF] [-n] [-c COUNT] [-t SECONDS] [-p PPS] "
		"[-r SEED]\n");
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t next_rnd(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return rnd;
}

static void parse_mac(const char *s, uint8_t *m)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		   &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "fsend: bad MAC %s\n", s);
		exit(2);
	}
}

/* A.B.C.D/LEN -> base (host order) and number of addresses */
static void parse_prefix(const char *s, uint32_t *base, uint64_t *span)
{
	char buf[64], *slash;
	struct in_addr a;
	int len = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		len = atoi(slash + 1);
	}
	if (!inet_aton(buf, &a) || len < 0 || len > 32) {
		fprintf(stderr, "fsend: bad prefix %s\n", s);
		exit(2);
	}
	*span = 1ull << (32 - len);
	*base = ntohl(a.s_addr) & (uint32_t)~(*span - 1);
}

static int open_socket(char *spec, uint8_t *dmac, uint8_t *smac)
{
	char *ns = strtok(spec, ":"), *dev = strtok(NULL, ":");
	char *macs = dev ? dev + strlen(dev) + 1 : NULL;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int one = 1, fd;

	if (!ns || !dev || !macs || strlen(macs) != 35)
		usage();
	macs[17] = 0;
	parse_mac(macs, dmac);
	parse_mac(macs + 18, smac);
	if (strcmp(ns, "-")) {
		char path[256];
		int nfd;

		snprintf(path, sizeof(path), "/run/netns/%s", ns);
		nfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nfd < 0 || setns(nfd, CLONE_NEWNET))
			die(path);
		close(nfd);
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	sll.sll_ifindex = if_nametoindex(dev);
	if (!sll.sll_ifindex)
		die(dev);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
	return fd;
}

static uint16_t ip_csum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME_MAX];
	static struct mmsghdr msg[BATCH];
	static struct iovec iov[BATCH];
	uint8_t tmpl[FRAME_MAX], dmac[6], smac[6];
	char *spec = NULL, *hex = NULL;
	uint32_t sbase = 0, obase = 0;
	uint64_t sspan = 0, ospan = 0, count = 0, sent = 0, k = 0;
	unsigned int plo = 0, phi = 0;
	int moff = -1, ooff = -1, roff = -1, seq = 0, opt, fd;
	double secs = 0, pps = 0, t0;
	size_t len, i;

	while ((opt = getopt(argc, argv, "i:f:s:P:m:O:R:nc:t:p:r:")) != -1) {
		switch (opt) {
		case 'i': spec = optarg; break;
		case 'f': hex = optarg; break;
		case 's': parse_prefix(optarg, &sbase, &sspan); break;
		case 'P':
			if (sscanf(optarg, "%u-%u", &plo, &phi) != 2 || plo > phi || phi > 65535)
				usage();
			break;
		case 'm': moff = atoi(optarg); break;
		case 'O': {
			char *eq = strchr(optarg, '=');

			if (!eq)
				usage();
			*eq = 0;
			ooff = atoi(optarg);
			parse_prefix(eq + 1, &obase, &ospan);
			break;
		}
		case 'R': roff = atoi(optarg); break;
		case 'n': seq = 1; break;
		case 'c': count = strtoull(optarg, NULL, 0); break;
		case 't': secs = atof(optarg); break;
		case 'p': pps = atof(optarg); break;
		case 'r': rnd = strtoull(optarg, NULL, 0) ?: 1; break;
		default: usage();
		}
	}
	if (!spec || !hex || strlen(hex) % 2 || strlen(hex) / 2 < 28 ||
	    strlen(hex) / 2 > FRAME_MAX - 14)
		usage();
	len = strlen(hex) / 2;
	for (i = 0; i < len; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &tmpl[14 + i]) != 1)
			usage();
	if ((tmpl[14] >> 4) != 4 || (tmpl[14] & 15) != 5 || tmpl[23] != 17)
		usage();
	if ((moff >= 0 && 28 + moff + 16 > (int)len) || (ooff >= 0 && 28 + ooff + 8 > (int)len) ||
	    (roff >= 0 && 28 + roff + 16 > (int)len))
		usage();
	fd = open_socket(spec, dmac, smac);
	memcpy(tmpl, dmac, 6);
	memcpy(tmpl + 6, smac, 6);
	tmpl[12] = 0x08;
	tmpl[13] = 0x00;
	len += 14;
	/* lengths right, UDP checksum none */
	tmpl[16] = (len - 14) >> 8;
	tmpl[17] = len - 14;
	tmpl[38] = (len - 34) >> 8;
	tmpl[39] = len - 34;
	tmpl[40] = tmpl[41] = 0;
	if (!sspan) {
		sbase = (uint32_t)tmpl[26] << 24 | tmpl[27] << 16 | tmpl[28] << 8 | tmpl[29];
		sspan = 1;
	}
	if (!phi)
		plo = phi = tmpl[34] << 8 | tmpl[35];
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now_s();
	while (!stop && (!count || sent < count) && (!secs || now_s() - t0 < secs)) {
		unsigned int n = BATCH, done = 0;

		if (count && count - sent < n)
			n = count - sent;
		for (i = 0; i < n; i++, k++) {
			uint8_t *f = frames[i];
			uint32_t ip;
			uint16_t port, c;

			memcpy(f, tmpl, len);
			if (seq) {
				ip = sbase + k % sspan;
				port = plo + (k / sspan) % (phi - plo + 1);
			} else {
				ip = sbase + next_rnd() % sspan;
				port = plo + next_rnd() % (phi - plo + 1);
			}
			f[26] = ip >> 24;
			f[27] = ip >> 16;
			f[28] = ip >> 8;
			f[29] = ip;
			f[34] = port >> 8;
			f[35] = port;
			if (moff >= 0) {
				uint8_t *a = f + 42 + moff;

				a[10] = ~port >> 8;
				a[11] = ~port;
				a[12] = ~(ip >> 24);
				a[13] = ~(ip >> 16);
				a[14] = ~(ip >> 8);
				a[15] = ~ip;
			}
			if (ooff >= 0) {
				uint8_t *o = f + 42 + ooff;
				uint32_t oip = obase + next_rnd() % ospan;
				uint16_t op = next_rnd();

				o[2] = ~op >> 8;
				o[3] = ~op;
				o[4] = ~(oip >> 24);
				o[5] = ~(oip >> 16);
				o[6] = ~(oip >> 8);
				o[7] = ~oip;
			}
			if (roff >= 0) {
				uint64_t r = next_rnd();

				memcpy(f + 42 + roff + 10, &r, 6);
			}
			f[24] = f[25] = 0;
			c = ip_csum(f + 14);
			f[24] = c >> 8;
			f[25] = c;
			iov[i].iov_base = f;
			iov[i].iov_len = len;
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		while (done < n && !stop) {
			int r = sendmmsg(fd, msg + done, n - done, 0);

			if (r < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOBUFS || errno == EAGAIN) {
					done++;		/* dropped: not sent */
					continue;
				}
				die("sendmmsg");
			}
			done += r;
			sent += r;
		}
		if (pps > 0) {
			double ahead = t0 + sent / pps - now_s();

			if (ahead > 0) {
				struct timespec ts = {
					.tv_sec = (time_t)ahead,
					.tv_nsec = (long)((ahead - (time_t)ahead) * 1e9),
				};

				nanosleep(&ts, NULL);
			}
		}
	}
	t0 = now_s() - t0;
	printf("sent %llu frames in %.2f s (%.0f pps)\n", (unsigned long long)sent, t0,
	       sent / (t0 > 0 ? t0 : 1));
	return 0;
}
