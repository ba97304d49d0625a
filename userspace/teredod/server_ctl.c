// SPDX-License-Identifier: GPL-2.0
/*
 * teredod server's control socket, and "teredod show server".
 *
 * The server listens on the unix socket /run/teredod/server-PRIMARY.sock
 * (SOCK_SEQPACKET; server-PRIMARY@NETNS.sock outside PID 1's network
 * namespace), created by root before the server drops its privileges: no
 * other local user can take the name first (an abstract name could be,
 * and the server would not start). /proc/net/unix lists the sockets bound
 * in the reader's network namespace, so "ip netns exec NS teredod show
 * server" finds the server of NS. To each client that connects it sends
 * one message and closes: its state as "KEY VALUE" lines, counters as
 * "stat NAME VALUE". The state holds no secret (addresses, counters), so
 * the socket is mode 0666: any local user may read it.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "pidfile.h"
#include "server.h"
#include "util.h"

#define CTL_MAX_SERVERS	16

static int ctl_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

const char *srv_ctl_path(const struct srv *s, char *buf, size_t size)
{
	char name[INET_ADDRSTRLEN + sizeof(SRV_CTL_PREFIX)];
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &s->primary, ip, sizeof(ip));
	snprintf(name, sizeof(name), SRV_CTL_PREFIX "%s", ip);
	return run_path(buf, size, name, SRV_CTL_SUFFIX);
}

int srv_ctl_listen(const struct srv *s)
{
	char path[PIDFILE_PATHLEN];
	struct sockaddr_un sun;
	struct stat st;
	int fd, e;

	if (ctl_addr(&sun, srv_ctl_path(s, path, sizeof(path))))
		return -1;
	if (mkdir(TEREDOD_RUN_DIR, 0755) && errno != EEXIST)
		return -1;
	/* a server of ours that is gone: our UDP sockets are bound, so no
	 * other server of this address runs in this namespace
	 */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0666) || listen(fd, 16)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

size_t srv_ctl_format(const struct srv *s, uint64_t uptime_ms, char *buf,
		      size_t size)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ll[INET6_ADDRSTRLEN];
	FILE *f = fmemopen(buf, size, "w");
	size_t i, len;

	if (!f)
		return 0;
	inet_ntop(AF_INET, &s->primary, a, sizeof(a));
	inet_ntop(AF_INET, &s->secondary, b, sizeof(b));
	inet_ntop(AF_INET6, &s->ll, ll, sizeof(ll));
	fprintf(f, "primary %s\nsecondary %s\n", a, b);
	fprintf(f, "prefix %x:%x:%x:%x::/64\n", s->prefix >> 16,
		s->prefix & 0xffff, ntohl(s->primary) >> 16,
		ntohl(s->primary) & 0xffff);
	fprintf(f, "link_local %s\nmtu %u\nnative %s\n", ll, s->mtu,
		s->native ? "true" : "false");
	fprintf(f, "pid %d\nuptime_ms %llu\n", (int)getpid(),
		(unsigned long long)uptime_ms);
	fprintf(f, "rate_limit %u\nrate_burst %u\nrate_total %u\n",
		s->rl_src.rate, s->rl_src.rate ? s->rl_src.burst : 0,
		s->ra_total);
	fprintf(f, "rate_sources %u\nrate_source_shared %llu\n",
		srv_rl_used(&s->rl_src), (unsigned long long)s->rl_src.shared);
	fprintf(f, "rate_destinations %u\nrate_destination_shared %llu\n",
		srv_rl_used(&s->rl_dst), (unsigned long long)s->rl_dst.shared);
	for (i = 0; i < SRV_STAT_MAX; i++)
		fprintf(f, "stat %s %llu\n", srv_stat_names[i],
			(unsigned long long)s->stats[i]);
	fflush(f);
	len = (size_t)ftell(f);
	fclose(f);
	return len < size ? len : size;
}

void srv_ctl_serve(int lfd, const struct srv *s, uint64_t uptime_ms)
{
	static char buf[SRV_CTL_MAX];
	size_t len;
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		len = srv_ctl_format(s, uptime_ms, buf, sizeof(buf));
		/* a client that does not read loses the answer, not us */
		(void)!send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
	}
}

/* a JSON number (RFC 8259): digits, no leading zero but in "0" */
static bool json_uint(const char *s)
{
	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* one value: a number, a boolean or a string */
static void put_value(FILE *f, const char *v, bool json)
{
	if (!json)
		fputs(v, f);
	else if (json_uint(v) || !strcmp(v, "true") || !strcmp(v, "false"))
		fputs(v, f);
	else
		json_print_str(f, v);
}

/*
 * text:
 *	primary 198.18.0.1
 *	...
 *	stats:
 *	    rx_primary      12
 * JSON (one line): {"primary":"198.18.0.1",...,"stats":{"rx_primary":12}}
 */
static int ctl_print(FILE *f, const char *msg, size_t len, bool json)
{
	char *copy = strndup(msg, len), *line, *save = NULL, *key, *val;
	size_t w = 0, i, n = 0, nstats = 0;
	char *names[SRV_STAT_MAX * 2], *values[SRV_STAT_MAX * 2];
	bool first = true;

	if (!copy)
		return -1;
	if (json)
		putc('{', f);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		key = line;
		val = strchr(line, ' ');
		if (!val) {
			free(copy);
			return -1;
		}
		*val++ = '\0';
		if (!strcmp(key, "stat")) {
			key = val;
			val = strchr(key, ' ');
			if (!val || nstats == ARRAY_SIZE(names)) {
				free(copy);
				return -1;
			}
			*val++ = '\0';
			names[nstats] = key;
			values[nstats++] = val;
			continue;
		}
		n++;
		if (json) {
			if (!first)
				putc(',', f);
			json_print_str(f, key);
			putc(':', f);
			put_value(f, val, true);
		} else {
			fprintf(f, "%s %s\n", key, val);
		}
		first = false;
	}
	if (!n) {
		free(copy);
		return -1;
	}
	for (i = 0; i < nstats; i++)
		if (strlen(names[i]) > w)
			w = strlen(names[i]);
	if (json)
		fputs(",\"stats\":{", f);
	else
		fputs("stats:\n", f);
	for (i = 0; i < nstats; i++) {
		if (json) {
			if (i)
				putc(',', f);
			json_print_str(f, names[i]);
			putc(':', f);
			put_value(f, values[i], true);
		} else {
			fprintf(f, "    %-*s %s\n", (int)w, names[i], values[i]);
		}
	}
	if (json)
		fputs("}}\n", f);
	free(copy);
	return 0;
}

/* Printed only once the whole message is known to be well-formed. */
int srv_ctl_print(FILE *f, const char *msg, size_t len, bool json)
{
	char *out = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&out, &n);
	int rc;

	if (!m)
		return -1;
	rc = ctl_print(m, msg, len, json);
	if (fclose(m))
		rc = -1;
	if (!rc && fwrite(out, 1, n, f) != n)
		rc = -1;
	free(out);
	return rc;
}

struct ctl_found {
	char addr[INET_ADDRSTRLEN];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * The control sockets bound in this network namespace (/proc/net/unix
 * lists only those), of the server of @addr or of every server.
 */
static size_t find_servers(struct ctl_found *found, size_t max,
			   const char *addr)
{
	static const char dir[] = TEREDOD_RUN_DIR "/" SRV_CTL_PREFIX;
	FILE *f = fopen("/proc/net/unix", "r");
	char line[512], a[INET_ADDRSTRLEN], *p;
	size_t n = 0, i, len, alen;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " " TEREDOD_RUN_DIR "/");
		if (!p)
			continue;
		p++;
		p[strcspn(p, " \n")] = '\0';
		len = strlen(p);
		if (strncmp(p, dir, sizeof(dir) - 1) ||
		    len < sizeof(dir) + sizeof(SRV_CTL_SUFFIX) ||
		    strcmp(p + len - strlen(SRV_CTL_SUFFIX), SRV_CTL_SUFFIX) ||
		    len >= sizeof(found->path))
			continue;
		/* server-ADDRESS[@NETNS].sock */
		alen = strspn(p + sizeof(dir) - 1, "0123456789.");
		if (p[sizeof(dir) - 1 + alen] != '@' &&
		    strcmp(p + sizeof(dir) - 1 + alen, SRV_CTL_SUFFIX))
			continue;
		if (alen >= sizeof(a))
			continue;
		memcpy(a, p + sizeof(dir) - 1, alen);
		a[alen] = '\0';
		if (addr && strcmp(a, addr))
			continue;
		for (i = 0; i < n && strcmp(found[i].addr, a); i++)
			;
		if (i < n || n == max)
			continue;
		snprintf(found[n].addr, sizeof(found->addr), "%s", a);
		snprintf(found[n++].path, sizeof(found->path), "%s", p);
	}
	fclose(f);
	return n;
}

/*
 * The answer as text, JSON or Prometheus text, to standard output or
 * (-o) to a file replaced atomically: a reader (node_exporter's textfile
 * collector) sees the old file or the new one, whole; on an error the old
 * one stays.
 */
static int show_server_out(const char *addr, const char *msg, size_t len,
			   bool json, bool prom, const char *output)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = output ? open_memstream(&out, &n) : stdout;
	int rc;

	if (!f) {
		warn("memory");
		return 1;
	}
	rc = prom ? srv_ctl_print_prom(f, msg, len) :
		    srv_ctl_print(f, msg, len, json);
	if (output && fclose(f))
		rc = -1;
	if (rc) {
		warnx("server %s: malformed answer", addr);
		free(out);
		return 1;
	}
	if (!output) {
		if (fflush(stdout) || ferror(stdout)) {
			warnx("write error on standard output");
			return 1;
		}
		return 0;
	}
	rc = write_file_atomic(output, out, n);
	if (rc)
		warn("%s", output);
	free(out);
	return rc ? 1 : 0;
}

static int show_server_usage(void)
{
	fputs("Usage: teredod show server [ADDRESS] [-j|--json|--prometheus] [-o FILE]\n",
	      stderr);
	return 2;
}

int cmd_show_server(int argc, char **argv, const struct opts *opts)
{
	struct ctl_found found[CTL_MAX_SERVERS];
	const char *addr = NULL, *arg;
	static char buf[SRV_CTL_MAX];
	struct timeval tmo = { .tv_sec = 5 };
	const char *output = NULL;
	bool json = opts->json, prom = false;
	struct sockaddr_un sun;
	struct in_addr in;
	ssize_t len;
	size_t n, i;
	int i2, fd;

	for (i2 = 1; i2 < argc; i2++) {
		arg = argv[i2];
		if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			json = true;
		} else if (!strcmp(arg, "--prometheus")) {
			prom = true;
		} else if (!strcmp(arg, "-o") || !strcmp(arg, "--output")) {
			if (++i2 == argc) {
				warnx("show server: %s needs a file name", arg);
				return show_server_usage();
			}
			output = argv[i2];
		} else if (arg[0] == '-' && arg[1]) {
			warnx("show server: unknown option \"%s\"", arg);
			return show_server_usage();
		} else if (addr) {
			warnx("show server: unexpected argument \"%s\"", arg);
			return show_server_usage();
		} else if (inet_pton(AF_INET, arg, &in) != 1) {
			warnx("show server: \"%s\" is not an IPv4 address",
			      arg);
			return show_server_usage();
		} else {
			addr = arg;
		}
	}
	if (json && prom) {
		warnx("show server: --json or --prometheus, not both");
		return show_server_usage();
	}
	n = find_servers(found, CTL_MAX_SERVERS, addr);
	if (!n) {
		if (addr)
			warnx("no teredod server on %s in this network namespace",
			      addr);
		else
			warnx("no teredod server in this network namespace");
		return 1;
	}
	if (n > 1) {
		fputs("teredod: several servers, give the address of one:",
		      stderr);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", found[i].addr);
		putc('\n', stderr);
		return 1;
	}
	addr = found[0].addr;
	if (ctl_addr(&sun, found[0].path)) {
		warn("%s", found[0].path);
		return 1;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		warn("socket");
		return 1;
	}
	/* a server that does not answer (stopped) must not hang us */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			warnx("no teredod server on %s in this network namespace",
			      addr);
		else
			warn("server %s", addr);
		close(fd);
		return 1;
	}
	len = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	if (len <= 0) {
		warnx("server %s: no answer", addr);
		return 1;
	}
	return show_server_out(addr, buf, (size_t)len, json, prom, output);
}
