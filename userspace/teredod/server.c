// SPDX-License-Identifier: GPL-2.0
/*
 * teredod server [-c FILE] [-f] [-p FILE] [-u USER] [-t DIR] [--rate PPS]
 * [--burst N] [--total PPS]: a Teredo server.
 *
 * One thread, one epoll: UDP 3544 on the primary and the secondary
 * address, read in batches with recvmmsg(); each datagram goes through
 * srv_process() (server_pkt.c) and what it answers is queued per socket
 * and sent with one sendmmsg() per socket and batch. Native IPv6 leaves
 * through a raw IPv6 socket (IPPROTO_RAW, the header as received). It,
 * the UDP sockets, the control socket (server_ctl.c, "teredod show
 * server") and the PID file are opened as root; then, before any packet
 * is read, the server chroots (-t), becomes USER (-u) and keeps no
 * capability. SIGHUP reads the file again, TERM, INT and QUIT stop it.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "caps.h"
#include "notify.h"
#include "pidfile.h"
#include "proto.h"
#include "conf.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define BATCH		64
#define MAX_BATCHES	16	/* per socket and wakeup, for fairness */
#define RCVBUF		(4 << 20)
#define SNDBUF		(1 << 20)
#define DEF_RATE	100
#define DEF_BURST	200
#define DEF_SLOTS	65536
#define DEF_TOTAL	10000	/* RAs per second in all */

enum { Q_PRIMARY, Q_SECONDARY, Q_RAW, NQ };

struct outq {
	int fd;
	unsigned int n;
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} to[BATCH];
};

struct io {
	int fd[NQ];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	uint8_t rx[BATCH][SRV_RX_MAX];
	uint8_t tx[BATCH][SRV_TX_MAX];
	struct outq q[NQ];
};

static int udp_socket(uint32_t addr)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(SRV_PORT),
		.sin_addr.s_addr = addr,
	};
	int fd, v = RCVBUF, pmtu = IP_PMTUDISC_DONT;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN; fall back to the limit */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	/* answers waiting for a neighbour count against the send buffer */
	v = SNDBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	/* outer DF clear (RFC 4380 5.1.1) */
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void flush(struct srv *s, struct outq *q)
{
	unsigned int done = 0;
	int r;

	while (done < q->n) {
		r = sendmmsg(q->fd, q->m + done, q->n - done, MSG_DONTWAIT);
		if (r > 0) {
			done += (unsigned int)r;
			continue;
		}
		/* the first one failed: count it, go on with the next */
		if (r < 0 && errno == EINTR)
			continue;
		s->stats[SRV_TX_ERRORS]++;
		log_debug("send: %s", strerror(errno));
		done++;
	}
	q->n = 0;
}

static void enqueue(struct io *io, const struct srv_tx *tx)
{
	struct outq *q;
	unsigned int i;

	q = &io->q[tx->via == SRV_VIA_PRIMARY ? Q_PRIMARY :
		   tx->via == SRV_VIA_SECONDARY ? Q_SECONDARY : Q_RAW];
	i = q->n++;
	memset(&q->m[i], 0, sizeof(q->m[i]));
	memset(&q->to[i], 0, sizeof(q->to[i]));
	q->iov[i].iov_base = tx->buf;
	q->iov[i].iov_len = tx->len;
	q->m[i].msg_hdr.msg_iov = &q->iov[i];
	q->m[i].msg_hdr.msg_iovlen = 1;
	q->m[i].msg_hdr.msg_name = &q->to[i];
	if (tx->via == SRV_VIA_RAW) {
		q->to[i].in6.sin6_family = AF_INET6;
		q->to[i].in6.sin6_addr = tx->dst6;
		q->m[i].msg_hdr.msg_namelen = sizeof(q->to[i].in6);
	} else {
		q->to[i].in.sin_family = AF_INET;
		q->to[i].in.sin_addr.s_addr = tx->dst_ip;
		q->to[i].in.sin_port = tx->dst_port;
		q->m[i].msg_hdr.msg_namelen = sizeof(q->to[i].in);
	}
}

/* Read and answer up to MAX_BATCHES batches from one UDP socket. */
static void rx_batches(struct srv *s, struct io *io, bool secondary)
{
	int fd = io->fd[secondary ? Q_SECONDARY : Q_PRIMARY];
	struct srv_rx rx = { .secondary = secondary };
	struct srv_tx tx;
	unsigned int b, q;
	uint64_t now;
	int i, n;

	for (b = 0; b < MAX_BATCHES; b++) {
		for (i = 0; i < BATCH; i++) {
			io->iov[i].iov_base = io->rx[i];
			io->iov[i].iov_len = SRV_RX_MAX;
			memset(&io->m[i].msg_hdr, 0, sizeof(io->m[i].msg_hdr));
			io->m[i].msg_hdr.msg_iov = &io->iov[i];
			io->m[i].msg_hdr.msg_iovlen = 1;
			io->m[i].msg_hdr.msg_name = &io->from[i];
			io->m[i].msg_hdr.msg_namelen = sizeof(io->from[i]);
		}
		n = recvmmsg(fd, io->m, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				s->stats[SRV_RX_ERRORS]++;
			return;
		}
		now = now_ms();
		s->stats[secondary ? SRV_RX_SECONDARY : SRV_RX_PRIMARY] += n;
		for (i = 0; i < n; i++) {
			rx.buf = io->rx[i];
			rx.len = io->m[i].msg_len;
			rx.truncated = io->m[i].msg_hdr.msg_flags & MSG_TRUNC;
			rx.src_ip = io->from[i].sin_addr.s_addr;
			rx.src_port = io->from[i].sin_port;
			tx.buf = io->tx[i];
			srv_process(s, &rx, &tx, now);
			if (tx.via != SRV_VIA_NONE)
				enqueue(io, &tx);
		}
		for (q = 0; q < NQ; q++)
			if (io->q[q].n)
				flush(s, &io->q[q]);
		if (n < BATCH)
			return;
	}
}

void server_usage(FILE *f)
{
	fputs("  teredod server [-c FILE] [-f] [-p FILE] [-u USER] [-t DIR] [-v]\n"
	      "                 [--rate PPS] [--burst N] [--total PPS]\n"
	      "                                  a Teredo server (miredo-server.conf)\n", f);
}

static int server_bad_usage(void)
{
	fputs("Usage: teredod server [-c FILE] [-f] [-p FILE] [-u USER] [-t DIR] [-v]\n"
	      "                      [--rate PPS] [--burst N] [--total PPS]\n",
	      stderr);
	return 2;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || n > max)
		return false;
	*v = (uint32_t)n;
	return true;
}

/* What a server was started with, and what SIGHUP reads again. */
struct server_run {
	const char *conf_path;
	int conf_dir;		/* the file's directory, open across chroot */
	const char *conf_name;	/* its name in conf_dir */
	bool fg, verbose;
	struct teredod_conf conf;
};

/* SIGHUP: the file again; the MTU and the log facility change at once,
 * the addresses only at restart (their sockets are bound).
 */
static void reload(struct server_run *r, struct srv *s)
{
	char ebuf[TEREDOD_ERRLEN];
	struct teredod_conf c;

	log_notice("reloading %s", r->conf_path);
	conf_defaults(&c, CONF_SERVER);
	if (conf_load_at(&c, r->conf_dir, r->conf_name, r->conf_path, false,
			 ebuf, sizeof(ebuf))) {
		log_err("%s; keeping the running configuration", ebuf);
		return;
	}
	if (c.server_bind.s_addr != r->conf.server_bind.s_addr ||
	    c.server_bind2.s_addr != r->conf.server_bind2.s_addr)
		log_warn("ServerBindAddress and ServerBindAddress2 take effect at restart");
	c.server_bind = r->conf.server_bind;
	c.server_bind2 = r->conf.server_bind2;
	s->mtu = c.mtu ? c.mtu : TEREDO_MIN_MTU;
	if (c.facility != r->conf.facility)
		log_set_facility(c.facility);
	r->conf = c;
	log_notice("MTU %u", s->mtu);
}

static int serve(struct server_run *r, struct srv *s, struct io *io, int ctl,
		 int sfd)
{
	struct epoll_event ev[8], e = { .events = EPOLLIN };
	uint64_t start = now_ms();
	struct signalfd_siginfo si;
	int ep, n, i, fds[] = { io->fd[Q_PRIMARY], io->fd[Q_SECONDARY],
				ctl, sfd };

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		log_err("epoll: %s", strerror(errno));
		return 1;
	}
	for (i = 0; i < (int)ARRAY_SIZE(fds); i++) {
		e.data.fd = fds[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e)) {
			log_err("epoll: %s", strerror(errno));
			close(ep);
			return 1;
		}
	}
	for (;;) {
		n = epoll_wait(ep, ev, ARRAY_SIZE(ev), -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_err("epoll: %s", strerror(errno));
			close(ep);
			return 1;
		}
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == io->fd[Q_PRIMARY]) {
				rx_batches(s, io, false);
			} else if (fd == io->fd[Q_SECONDARY]) {
				rx_batches(s, io, true);
			} else if (fd == ctl) {
				srv_ctl_serve(ctl, s, now_ms() - start);
			} else if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
				continue;
			} else if (si.ssi_signo == SIGHUP) {
				reload(r, s);
			} else {
				/* TERM, INT, QUIT: as miredo-server */
				log_notice("signal %u: stopping", si.ssi_signo);
				close(ep);
				return 0;
			}
		}
	}
}

/* The configuration file's directory and name, for SIGHUP in a chroot. */
static int open_conf_dir(struct server_run *r)
{
	const char *slash = strrchr(r->conf_path, '/');
	char dir[PATH_MAX];

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		r->conf_name = r->conf_path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash == r->conf_path ? 1 :
			       slash - r->conf_path), r->conf_path);
		r->conf_name = slash + 1;
	}
	r->conf_dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return r->conf_dir < 0 ? -1 : 0;
}

int cmd_server(int argc, char **argv, const struct opts *opts)
{
	struct server_run r = {
		.conf_path = opts->conf, .fg = opts->foreground,
		.verbose = opts->verbose, .conf_dir = -1,
	};
	const char *pidpath = opts->pidfile, *user = opts->user;
	const char *root = opts->chroot;
	uint32_t rate = DEF_RATE, burst = DEF_BURST, total = DEF_TOTAL;
	uint32_t primary, secondary;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ebuf[TEREDOD_ERRLEN];
	char path[PIDFILE_PATHLEN];
	struct pidfile pf = { .fd = -1 };
	struct io *io = NULL;
	struct srv s;
	int i, ctl = -1, sfd = -1, rc = 1;
	sigset_t sigs;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs("Usage:\n", stdout);
			server_usage(stdout);
			fputs("-c FILE: miredo-server.conf directives (default "
			      TEREDOD_CONF_SERVER ");\n"
			      "-f: foreground, log to stderr; -p FILE: PID file (default\n"
			      TEREDOD_RUN_DIR "/server-ADDRESS.pid); -u USER: run as USER\n"
			      "(default " TEREDOD_USER ", else nobody); -t DIR: chroot to DIR;\n"
			      "--rate, --burst: packets per second and burst allowed\n"
			      "per IPv4 source and destination (default 100, 200;"
			      " --rate 0: no limit);\n"
			      "--total: router advertisements per second in all (default 10000).\n",
			      stdout);
			return 0;
		} else if (!strcmp(arg, "-f")) {
			r.fg = true;
		} else if (!strcmp(arg, "-v")) {
			r.verbose = true;
		} else if (!strcmp(arg, "-c") || !strcmp(arg, "-p") ||
			   !strcmp(arg, "-u") || !strcmp(arg, "-t") ||
			   !strcmp(arg, "--rate") || !strcmp(arg, "--burst") ||
			   !strcmp(arg, "--total")) {
			if (i + 1 == argc) {
				warnx("server: \"%s\" needs a value", arg);
				return server_bad_usage();
			}
			if (!strcmp(arg, "-c")) {
				r.conf_path = argv[++i];
			} else if (!strcmp(arg, "-p")) {
				pidpath = argv[++i];
			} else if (!strcmp(arg, "-u")) {
				user = argv[++i];
			} else if (!strcmp(arg, "-t")) {
				root = argv[++i];
			} else if (!parse_u32(argv[i + 1], 1000000,
					      arg[2] == 'r' ? &rate :
					      arg[2] == 'b' ? &burst : &total) ||
				   (arg[2] == 't' && !total)) {
				warnx("server: bad %s \"%s\"", arg, argv[i + 1]);
				return server_bad_usage();
			} else {
				i++;
			}
		} else {
			warnx("server: unexpected argument \"%s\"", arg);
			return server_bad_usage();
		}
	}
	if (!r.conf_path)
		r.conf_path = TEREDOD_CONF_SERVER;

	conf_defaults(&r.conf, CONF_SERVER);
	conf_set_warn(conf_warn_stderr);
	if (conf_load(&r.conf, r.conf_path, false, ebuf, sizeof(ebuf))) {
		warnx("%s", ebuf);
		return 1;
	}
	primary = r.conf.server_bind.s_addr;
	secondary = r.conf.server_bind2.s_addr;
	inet_ntop(AF_INET, &primary, a, sizeof(a));
	inet_ntop(AF_INET, &secondary, b, sizeof(b));
	if (open_conf_dir(&r)) {
		warn("%s", r.conf_path);
		return 1;
	}

	srandom((unsigned int)(now_ms() ^ (uint64_t)getpid() << 16));
	if (srv_init(&s, primary, secondary, r.conf.mtu, rate, burst, total,
		     DEF_SLOTS)) {
		warnx("out of memory");
		goto out;
	}
	if (!pidpath) {
		char name[sizeof(SRV_CTL_PREFIX) + INET_ADDRSTRLEN];

		snprintf(name, sizeof(name), SRV_CTL_PREFIX "%s", a);
		pidpath = run_path(path, sizeof(path), name, ".pid");
	}
	if (pidfile_open(&pf, pidpath, ebuf, sizeof(ebuf))) {
		warnx("server %s: %s", a, ebuf);
		goto out;
	}
	io = calloc(1, sizeof(*io));
	if (!io) {
		warnx("out of memory");
		goto out;
	}
	for (i = 0; i < NQ; i++)
		io->fd[i] = -1;
	io->fd[Q_PRIMARY] = udp_socket(primary);
	if (io->fd[Q_PRIMARY] < 0) {
		warn("UDP %s:%d", a, SRV_PORT);
		goto out;
	}
	io->fd[Q_SECONDARY] = udp_socket(secondary);
	if (io->fd[Q_SECONDARY] < 0) {
		warn("UDP %s:%d", b, SRV_PORT);
		goto out;
	}
	io->fd[Q_RAW] = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, IPPROTO_RAW);
	if (io->fd[Q_RAW] < 0) {
		warn("raw IPv6 socket (CAP_NET_RAW needed)");
		goto out;
	}
	s.native = true;
	for (i = 0; i < NQ; i++)
		io->q[i].fd = io->fd[i];
	ctl = srv_ctl_listen(&s);
	if (ctl < 0) {
		warn("control socket %s", srv_ctl_path(&s, path, sizeof(path)));
		goto out;
	}

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGQUIT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		warn("signalfd");
		goto out;
	}

	if (!r.fg && daemon(0, 0)) {
		warn("daemon");
		goto out;
	}
	/* syslog's socket is connected now: it stays usable in a chroot */
	log_open(r.fg, r.conf.facility, r.verbose);
	/* and systemd's too */
	if (notify_open())
		log_warn("NOTIFY_SOCKET: %s", strerror(errno));
	if (pidfile_update(&pf, ebuf, sizeof(ebuf)))
		log_warn("%s", ebuf);
	/* every socket is open and the PID file written: from here on, no
	 * privilege (the files are left for the next start to take over)
	 */
	if (privs_drop(user, root, 0, ebuf, sizeof(ebuf))) {
		log_err("%s", ebuf);
		goto out;
	}
	log_notice("Teredo server on %s and %s, UDP %d, prefix 2001:0:%x:%x::/64, MTU %u",
		   a, b, SRV_PORT, ntohl(primary) >> 16,
		   ntohl(primary) & 0xffff, s.mtu);
	notify("READY=1\nSTATUS=Teredo server on %s and %s, UDP %d, prefix 2001:0:%x:%x::/64",
	       a, b, SRV_PORT, ntohl(primary) >> 16, ntohl(primary) & 0xffff);
	rc = serve(&r, &s, io, ctl, sfd);
	notify("STOPPING=1");
	notify_close();
	log_close();
out:
	if (pf.fd >= 0)
		close(pf.fd);
	if (r.conf_dir >= 0)
		close(r.conf_dir);
	if (sfd >= 0)
		close(sfd);
	if (ctl >= 0)
		close(ctl);
	for (i = 0; io && i < NQ; i++)
		if (io->fd[i] >= 0)
			close(io->fd[i]);
	free(io);
	srv_free(&s);
	return rc;
}
