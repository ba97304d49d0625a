// SPDX-License-Identifier: GPL-2.0
/*
 * teredod's configuration file, compatible with Miredo's miredo.conf (the
 * client directives) and miredo-server.conf. One "Directive value" a line,
 * directive names case-insensitive, '#' starts a comment. Every problem is
 * an error naming the file, the line and the directive: a file teredod
 * does not fully understand is not half applied.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "conf.h"
#include "util.h"

#define KIND_CLIENT	(1U << CONF_CLIENT)
#define KIND_SERVER	(1U << CONF_SERVER)
#define KIND_BOTH	(KIND_CLIENT | KIND_SERVER)
#define CONF_MAXSIZE	(1 << 20)
#define MTU_MIN		1280
#define MTU_MAX		65535

struct parser;
struct directive;

/* the directives, index in directives[] */
enum {
	D_RELAY_TYPE,
	D_SERVER,
	D_SERVER2,
	D_IFNAME,
	D_BIND_ADDR,
	D_BIND_PORT,
	D_HOOK,
	D_DISCOVERY,
	D_MTU,
	D_FACILITY,
	D_SERVER_BIND,
	D_SERVER_BIND2,
	D_PREFIX,
	D_COUNT
};

typedef int (*set_fn)(struct parser *p, const struct directive *d,
		      const char *v);

struct directive {
	const char *name;
	unsigned int kinds;	/* KIND_* where it is valid */
	bool repeat;		/* may appear more than once */
	set_fn set;
};

struct parser {
	struct teredod_conf *c;
	const char *path;
	unsigned int line;
	unsigned int first[D_COUNT];	/* line of a directive's first use */
	unsigned int last_server;	/* line of the last ServerAddress */
	unsigned int secondary;		/* line of its ServerAddress2 */
	bool servers_given;		/* ignore the file's servers */
	char *err;
	size_t errlen;
};

static int verr(char *err, size_t errlen, const char *pfx, const char *fmt,
		va_list ap) __attribute__((format(printf, 4, 0)));

static int verr(char *err, size_t errlen, const char *pfx, const char *fmt,
		va_list ap)
{
	int n;

	if (!err || !errlen)
		return -1;
	n = snprintf(err, errlen, "%s", pfx);
	if (n >= 0 && (size_t)n < errlen)
		vsnprintf(err + n, errlen - n, fmt, ap);
	return -1;
}

/* Always -1: @err = the message. */
static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(err, errlen, "", fmt, ap);
	va_end(ap);
	return -1;
}

/* Always -1: @err = "PATH:LINE: DIRECTIVE: message" (no directive: NULL). */
static int bad(struct parser *p, const struct directive *d,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(struct parser *p, const struct directive *d,
	       const char *fmt, ...)
{
	char pfx[PATH_MAX + 64];
	va_list ap;

	if (p->line)
		snprintf(pfx, sizeof(pfx), "%s:%u: %s%s", p->path, p->line,
			 d ? d->name : "", d ? ": " : "");
	else
		snprintf(pfx, sizeof(pfx), "%s: %s%s", p->path,
			 d ? d->name : "", d ? ": " : "");
	va_start(ap, fmt);
	verr(p->err, p->errlen, pfx, fmt, ap);
	va_end(ap);
	return -1;
}

bool ipv4_is_global(uint32_t addr)
{
	static const struct {
		uint32_t net;
		uint32_t mask;
	} local[] = {
		{ 0x00000000, 0xff000000 },	/* 0/8 "this network" */
		{ 0x7f000000, 0xff000000 },	/* 127/8 loopback */
		{ 0x0a000000, 0xff000000 },	/* 10/8 private */
		{ 0xac100000, 0xfff00000 },	/* 172.16/12 private */
		{ 0xc0a80000, 0xffff0000 },	/* 192.168/16 private */
		{ 0xa9fe0000, 0xffff0000 },	/* 169.254/16 link-local */
		{ 0xc0586300, 0xffffff00 },	/* 192.88.99/24 6to4 */
		{ 0xe0000000, 0xf0000000 },	/* 224/4 multicast */
		{ 0xf0000000, 0xf0000000 },	/* 240/4 and broadcast */
	};
	uint32_t a = ntohl(addr);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(local); i++)
		if ((a & local[i].mask) == local[i].net)
			return false;
	return true;
}

static struct in_addr addr_next(struct in_addr a)
{
	a.s_addr = htonl(ntohl(a.s_addr) + 1);
	return a;
}

static int resolve_global(const char *name, struct in_addr *a,
			  char *err, size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = AF_INET,
		.ai_socktype = SOCK_DGRAM,
	};
	char buf[INET_ADDRSTRLEN];
	struct addrinfo *res;
	int rc;

	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc)
		return fail(err, errlen, "\"%s\": no IPv4 address: %s", name,
			    rc == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(rc));
	*a = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	if (ipv4_is_global(a->s_addr))
		return 0;
	inet_ntop(AF_INET, a, buf, sizeof(buf));
	if (!strcmp(buf, name))
		return fail(err, errlen,
			    "%s is not a global unicast IPv4 address", buf);
	return fail(err, errlen,
		    "\"%s\" (%s) is not a global unicast IPv4 address",
		    name, buf);
}

int conf_add_server(struct teredod_conf *c, const char *name,
		    char *err, size_t errlen)
{
	struct conf_server *s;
	struct in_addr a;
	size_t i;

	if (c->nservers >= TEREDOD_MAX_SERVERS)
		return fail(err, errlen, "\"%s\": more than %d Teredo servers",
			    name, TEREDOD_MAX_SERVERS);
	if (!*name || strlen(name) >= sizeof(s->name))
		return fail(err, errlen, "\"%.64s\": not a valid host name",
			    name);
	if (resolve_global(name, &a, err, errlen))
		return -1;
	for (i = 0; i < c->nservers; i++)
		if (c->servers[i].primary.s_addr == a.s_addr)
			return fail(err, errlen,
				    "\"%s\": the same server as \"%s\"",
				    name, c->servers[i].name);
	s = &c->servers[c->nservers++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->primary = a;
	s->secondary = addr_next(a);
	return 0;
}

void conf_defaults(struct teredod_conf *c, enum conf_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	snprintf(c->ifname, sizeof(c->ifname), "%s", "teredo0");
	snprintf(c->hook, sizeof(c->hook), "%s", TEREDOD_HOOK);
	c->facility = LOG_DAEMON;
}

/* a decimal number in [min, max], nothing else */
static int parse_uint(const char *v, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || *end || *out < min || *out > max)
		return -1;
	return 0;
}

static int parse_ipv4(struct parser *p, const struct directive *d,
		      const char *v, struct in_addr *a)
{
	if (inet_pton(AF_INET, v, a) != 1)
		return bad(p, d, "\"%s\": not an IPv4 address", v);
	return 0;
}

static int parse_global(struct parser *p, const struct directive *d,
			const char *v, struct in_addr *a)
{
	if (parse_ipv4(p, d, v, a))
		return -1;
	if (!ipv4_is_global(a->s_addr))
		return bad(p, d, "%s is not a global unicast IPv4 address", v);
	return 0;
}

static int set_relay_type(struct parser *p, const struct directive *d,
			  const char *v)
{
	if (!strcasecmp(v, "client") || !strcasecmp(v, "autoclient"))
		return 0;
	if (!strcasecmp(v, "relay") || !strcasecmp(v, "cone") ||
	    !strcasecmp(v, "restricted"))
		return bad(p, d, "%s: teredod is a Teredo client; a relay is a kernel device: ip link add NAME type teredo mode relay",
			   v);
	return bad(p, d, "\"%s\": expected client or autoclient", v);
}

static int set_server(struct parser *p, const struct directive *d,
		      const char *v)
{
	char msg[TEREDOD_ERRLEN];

	if (!p->servers_given && conf_add_server(p->c, v, msg, sizeof(msg)))
		return bad(p, d, "%s", msg);
	p->last_server = p->line;
	p->secondary = 0;
	return 0;
}

static int set_server2(struct parser *p, const struct directive *d,
		       const char *v)
{
	struct conf_server *s;
	char msg[TEREDOD_ERRLEN];
	struct in_addr a;

	if (!p->last_server)
		return bad(p, d, "no ServerAddress before it");
	if (p->secondary)
		return bad(p, d, "given twice (line %u) for the ServerAddress of line %u",
			   p->secondary, p->last_server);
	p->secondary = p->line;
	if (p->servers_given)
		return 0;
	if (resolve_global(v, &a, msg, sizeof(msg)))
		return bad(p, d, "%s", msg);
	s = &p->c->servers[p->c->nservers - 1];
	if (a.s_addr == s->primary.s_addr)
		return bad(p, d, "\"%s\": the same address as ServerAddress",
			   v);
	s->secondary = a;
	return 0;
}

/* dev_valid_name() of the kernel, and no "%d" template */
static bool ifname_valid(const char *v)
{
	if (!*v || strlen(v) >= IF_NAMESIZE)
		return false;
	if (!strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	return !strpbrk(v, "/:%");
}

static int set_ifname(struct parser *p, const struct directive *d,
		      const char *v)
{
	if (!ifname_valid(v))
		return bad(p, d, "\"%s\": not a valid interface name (1 to %d characters, no '/', ':' or '%%')",
			   v, IF_NAMESIZE - 1);
	snprintf(p->c->ifname, sizeof(p->c->ifname), "%s", v);
	return 0;
}

static int set_bind_addr(struct parser *p, const struct directive *d,
			 const char *v)
{
	struct in_addr a;
	uint32_t h;

	if (parse_ipv4(p, d, v, &a))
		return -1;
	h = ntohl(a.s_addr);
	if ((h & 0xf0000000) == 0xe0000000 || h == 0xffffffff)
		return bad(p, d, "%s is not a unicast address", v);
	p->c->bind_addr = a;
	return 0;
}

static int set_bind_port(struct parser *p, const struct directive *d,
			 const char *v)
{
	unsigned long n;

	if (parse_uint(v, 1, 65535, &n))
		return bad(p, d, "\"%s\": expected a UDP port, 1 to 65535", v);
	p->c->bind_port = n;
	return 0;
}

static int set_mtu(struct parser *p, const struct directive *d,
		   const char *v)
{
	unsigned long n;

	if (parse_uint(v, MTU_MIN, MTU_MAX, &n))
		return bad(p, d, "\"%s\": expected an MTU, %d to %d", v,
			   MTU_MIN, MTU_MAX);
	p->c->mtu = n;
	return 0;
}

static int set_hook(struct parser *p, const struct directive *d,
		    const char *v)
{
	if (*v != '/')
		return bad(p, d, "\"%s\": not an absolute path", v);
	if (strlen(v) >= sizeof(p->c->hook))
		return bad(p, d, "path too long");
	snprintf(p->c->hook, sizeof(p->c->hook), "%s", v);
	return 0;
}

static int set_facility(struct parser *p, const struct directive *d,
			const char *v)
{
	static const struct {
		const char *name;
		int facility;
	} t[] = {
		{ "daemon", LOG_DAEMON }, { "kern", LOG_KERN },
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
		{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcasecmp(v, t[i].name)) {
			p->c->facility = t[i].facility;
			return 0;
		}
	}
	return bad(p, d, "\"%s\": expected daemon, local0 to local7, kern or user",
		   v);
}

static bool word_in(const char *v, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(v, *words))
			return true;
	return false;
}

static int set_discovery(struct parser *p, const struct directive *d,
			 const char *v)
{
	static const char *const off[] = {
		"disabled", "no", "off", "false", "0", NULL
	};
	static const char *const on[] = {
		"enabled", "yes", "on", "true", "1", NULL
	};

	if (word_in(v, off))
		return 0;
	if (word_in(v, on))
		return bad(p, d, "%s: local client discovery is not supported",
			   v);
	return bad(p, d, "\"%s\": expected disabled", v);
}

static int set_server_bind(struct parser *p, const struct directive *d,
			   const char *v)
{
	return parse_global(p, d, v, &p->c->server_bind);
}

static int set_server_bind2(struct parser *p, const struct directive *d,
			    const char *v)
{
	return parse_global(p, d, v, &p->c->server_bind2);
}

/* the standard prefix only: 2001:0::, optionally with /32 */
static int set_prefix(struct parser *p, const struct directive *d,
		      const char *v)
{
	static const struct in6_addr teredo = {
		.s6_addr = { 0x20, 0x01 }
	};
	char buf[INET6_ADDRSTRLEN + 4];
	struct in6_addr a;
	char *slash;

	if (strlen(v) >= sizeof(buf))
		return bad(p, d, "\"%s\": not an IPv6 prefix", v);
	snprintf(buf, sizeof(buf), "%s", v);
	slash = strchr(buf, '/');
	if (slash) {
		if (strcmp(slash, "/32"))
			return bad(p, d, "\"%s\": only 2001:0::/32, the Teredo prefix, is supported",
				   v);
		*slash = '\0';
	}
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return bad(p, d, "\"%s\": not an IPv6 prefix", v);
	if (memcmp(&a, &teredo, sizeof(a)))
		return bad(p, d, "\"%s\": only 2001:0::/32, the Teredo prefix, is supported",
			   v);
	return 0;
}

/* ServerAddress repeats; ServerAddress2 is checked by set_server2() */
static const struct directive directives[D_COUNT] = {
	[D_RELAY_TYPE] = { "RelayType", KIND_CLIENT, false, set_relay_type },
	[D_SERVER] = { "ServerAddress", KIND_CLIENT, true, set_server },
	[D_SERVER2] = { "ServerAddress2", KIND_CLIENT, true, set_server2 },
	[D_IFNAME] = { "InterfaceName", KIND_CLIENT, false, set_ifname },
	[D_BIND_ADDR] = { "BindAddress", KIND_CLIENT, false, set_bind_addr },
	[D_BIND_PORT] = { "BindPort", KIND_CLIENT, false, set_bind_port },
	[D_HOOK] = { "HookScript", KIND_CLIENT, false, set_hook },
	[D_DISCOVERY] = { "LocalDiscovery", KIND_CLIENT, false,
			  set_discovery },
	[D_MTU] = { "InterfaceMTU", KIND_BOTH, false, set_mtu },
	[D_FACILITY] = { "SyslogFacility", KIND_BOTH, false, set_facility },
	[D_SERVER_BIND] = { "ServerBindAddress", KIND_SERVER, false,
			    set_server_bind },
	[D_SERVER_BIND2] = { "ServerBindAddress2", KIND_SERVER, false,
			     set_server_bind2 },
	[D_PREFIX] = { "Prefix", KIND_SERVER, false, set_prefix },
};

static const struct directive *find_directive(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(directives); i++)
		if (strlen(directives[i].name) == len &&
		    !strncasecmp(directives[i].name, name, len))
			return &directives[i];
	return NULL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

/* the next word in [*s, end): its start (NULL if none) and *len */
static const char *next_word(const char **s, const char *end, size_t *len)
{
	const char *w = *s;

	while (w < end && is_blank(*w))
		w++;
	*s = w;
	while (*s < end && !is_blank(**s))
		(*s)++;
	*len = *s - w;
	return *len ? w : NULL;
}

static int apply(struct parser *p, const struct directive *d,
		 const char *v, size_t vlen)
{
	char value[PATH_MAX];
	size_t i = d - directives;

	if (!(d->kinds & (1U << p->c->kind)))
		return bad(p, d, "a %s directive, not valid in a %s configuration",
			   d->kinds & KIND_SERVER ? "server" : "client",
			   p->c->kind == CONF_SERVER ? "server" : "client");
	if (p->first[i] && !d->repeat)
		return bad(p, d, "given twice (first on line %u)",
			   p->first[i]);
	if (!p->first[i])
		p->first[i] = p->line;
	if (vlen >= sizeof(value))
		return bad(p, d, "value too long");
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	return d->set(p, d, value);
}

/* one line, [s, end), without its newline */
static int parse_line(struct parser *p, const char *s, const char *end)
{
	const char *hash = memchr(s, '#', end - s);
	const struct directive *d;
	const char *name, *value, *extra;
	size_t nlen, vlen, xlen;

	if (hash)
		end = hash;
	name = next_word(&s, end, &nlen);
	if (!name)
		return 0;
	d = find_directive(name, nlen);
	if (!d)
		return bad(p, NULL, "unknown directive \"%.*s\"",
			   (int)(nlen > 64 ? 64 : nlen), name);
	value = next_word(&s, end, &vlen);
	if (!value)
		return bad(p, d, "missing value");
	extra = next_word(&s, end, &xlen);
	if (extra)
		return bad(p, d, "unexpected \"%.*s\" after the value",
			   (int)(xlen > 64 ? 64 : xlen), extra);
	return apply(p, d, value, vlen);
}

static int check_server(struct parser *p)
{
	struct teredod_conf *c = p->c;
	const struct directive *d2 = &directives[D_SERVER_BIND2];
	char buf[INET_ADDRSTRLEN];

	p->line = 0;
	if (!p->first[D_SERVER_BIND])
		return bad(p, &directives[D_SERVER_BIND],
			   "missing (the server's primary IPv4 address)");
	p->line = p->first[D_SERVER_BIND2];
	if (!p->line)
		c->server_bind2 = addr_next(c->server_bind);
	inet_ntop(AF_INET, &c->server_bind2, buf, sizeof(buf));
	if (c->server_bind2.s_addr == c->server_bind.s_addr)
		return bad(p, d2, "%s: the same address as ServerBindAddress",
			   buf);
	if (!ipv4_is_global(c->server_bind2.s_addr))
		return bad(p, d2, "the default, ServerBindAddress + 1 (%s), is not a global unicast IPv4 address",
			   buf);
	return 0;
}

static int check(struct parser *p, bool servers_given)
{
	if (p->c->kind == CONF_SERVER)
		return check_server(p);
	p->line = 0;
	if (!p->c->nservers && !servers_given)
		return bad(p, &directives[D_SERVER],
			   "missing: no Teredo server given (here or on the command line)");
	return 0;
}

int conf_parse(struct teredod_conf *c, const char *path, const char *text,
	       bool servers_given, char *err, size_t errlen)
{
	struct teredod_conf tmp = *c;
	struct parser p = {
		.c = &tmp, .path = path, .err = err, .errlen = errlen,
		.servers_given = servers_given && c->kind == CONF_CLIENT,
	};
	const char *s = text, *nl;

	for (p.line = 1; *s; p.line++, s = nl + 1) {
		nl = strchrnul(s, '\n');
		if (parse_line(&p, s, nl))
			return -1;
		if (!*nl)
			break;
	}
	if (check(&p, servers_given))
		return -1;
	*c = tmp;
	return 0;
}

/* The file, NUL-terminated: at most CONF_MAXSIZE bytes, no NUL in them.
 * The buffer grows with what is read (a file is a few hundred bytes).
 */
static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	size_t n = 0, size = 4096;
	char *text = NULL, *p;

	if (!f) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		p = realloc(text, size + 1);
		if (!p) {
			fclose(f);
			free(text);
			fail(err, errlen, "%s: %s", path, strerror(ENOMEM));
			return NULL;
		}
		text = p;
		n += fread(text + n, 1, size - n, f);
		if (n < size || size > CONF_MAXSIZE)
			break;
		size *= 2;
	}
	if (ferror(f) || n > CONF_MAXSIZE || memchr(text, '\0', n)) {
		fail(err, errlen, "%s: %s", path, ferror(f) ?
		     strerror(errno) : "not a configuration file");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[n] = '\0';
	return text;
}

int conf_load(struct teredod_conf *c, const char *path, bool servers_given,
	      char *err, size_t errlen)
{
	char *text = read_file(path, err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = conf_parse(c, path, text, servers_given, err, errlen);
	free(text);
	return rc;
}
