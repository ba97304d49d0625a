// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the configuration file (conf.c). The input is the
 * file's contents; conf_load() reads it from a memfd (through
 * /proc/self/fd) as a client's file, as a client's with servers given on
 * the command line, and as a server's (miredo.conf, miredo-server.conf).
 *
 * getaddrinfo() is called with AI_NUMERICHOST added: no DNS while
 * fuzzing (host names fail to resolve, as with no network).
 *
 * Checked: an error leaves the configuration as it was and says
 * "PATH:" or "PATH:LINE:" first; a success leaves a configuration the
 * daemon can use (servers global and distinct, or names left to look up
 * again, a valid interface name,
 * an absolute hook path, an MTU of 0 or 1280-65535, server addresses
 * global and distinct).
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "conf.h"

#define check(x)	((x) ? (void)0 : fail(#x, __LINE__))

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_conf.c:%d: invariant violated: %s\n", line,
		what);
	abort();
}

int __real_getaddrinfo(const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res);

int __wrap_getaddrinfo(const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res)
{
	struct addrinfo h = *hints;

	h.ai_flags |= AI_NUMERICHOST;
	return __real_getaddrinfo(node, service, &h, res);
}

static int fd = -1;
static char path[64];

/* what is ignored is said, and where: "PATH:LINE: ..." */
static void warned(const char *msg)
{
	size_t n = strlen(path);

	check(!strncmp(msg, path, n) && msg[n] == ':');
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("teredod.conf", 0);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	conf_set_warn(warned);
	return 0;
}

static void check_client(const struct teredod_conf *c, bool servers_given)
{
	size_t i, j;

	check(c->nservers <= TEREDOD_MAX_SERVERS);
	check(c->nservers || servers_given);
	for (i = 0; i < c->nservers; i++) {
		const struct conf_server *s = &c->servers[i];

		check(memchr(s->name, '\0', sizeof(s->name)) && s->name[0]);
		check(memchr(s->name2, '\0', sizeof(s->name2)));
		/* a name that did not resolve: looked up again later */
		if (!s->primary.s_addr)
			continue;
		check(ipv4_is_global(s->primary.s_addr));
		check(s->secondary.s_addr != s->primary.s_addr);
		for (j = 0; j < i; j++)
			check(c->servers[j].primary.s_addr !=
			      s->primary.s_addr);
	}
	check(memchr(c->ifname, '\0', sizeof(c->ifname)) && c->ifname[0]);
	check(!strpbrk(c->ifname, "/:% \t\n"));
	check(memchr(c->hook, '\0', sizeof(c->hook)) && c->hook[0] == '/');
	check(!c->mtu || (c->mtu >= 1280 && c->mtu <= 65535));
}

static void check_server(const struct teredod_conf *c)
{
	check(ipv4_is_global(c->server_bind.s_addr));
	check(ipv4_is_global(c->server_bind2.s_addr));
	check(c->server_bind.s_addr != c->server_bind2.s_addr);
	check(!c->mtu || (c->mtu >= 1280 && c->mtu <= 65535));
}

/* One reading of the file in @kind; @given: a server on the command line */
static void load(enum conf_kind kind, bool given)
{
	static struct teredod_conf c, before;
	char err[TEREDOD_ERRLEN];
	size_t n = strlen(path);

	conf_defaults(&c, kind);
	if (given && conf_add_server(&c, "192.0.2.1", err, sizeof(err)))
		abort();
	memcpy(&before, &c, sizeof(c));
	memset(err, 0, sizeof(err));
	if (conf_load(&c, path, given, err, sizeof(err))) {
		check(!memcmp(&c, &before, sizeof(c)));
		check(memchr(err, '\0', sizeof(err)));
		check(!strncmp(err, path, n) && err[n] == ':');
		return;
	}
	if (kind == CONF_SERVER)
		check_server(&c);
	else
		check_client(&c, given);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	load(CONF_CLIENT, false);
	load(CONF_CLIENT, true);
	load(CONF_SERVER, false);
	return 0;
}
