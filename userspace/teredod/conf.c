// SPDX-License-Identifier: GPL-2.0
/*
 * teredod's configuration file, compatible with Miredo's miredo.conf (the
 * client directives) and miredo-server.conf. One "Directive value" a line,
 * directive names case-insensitive, '#' starts a comment. A value teredod
 * cannot use is an error naming the file, the line and the directive: a
 * file teredod does not understand is not half applied. What Miredo 1.2.6
 * ignores with a warning (an unknown directive, one of the other mode, a
 * directive given twice: the first counts, words after the value, a line
 * without a value) teredod ignores with a warning too, so that every file
 * Miredo accepts is accepted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf.h"
#include "proto.h"
#include "util.h"

#define KIND_CLIENT	(1U << CONF_CLIENT)
#define KIND_SERVER	(1U << CONF_SERVER)
#define KIND_BOTH	(KIND_CLIENT | KIND_SERVER)
#define CONF_MAXSIZE	(1 << 20)

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
	D_ON_DEMAND,
	D_DORMANT_TIMEOUT,
	D_UPNP,
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
	bool check_only;		/* checkconf: no name resolved */
	const char *path;
	unsigned int line;
	unsigned int first[D_COUNT];	/* line of a directive's first use */
	unsigned int last_server;	/* line of the last ServerAddress */
	unsigned int secondary;		/* line of its ServerAddress2 */
	bool servers_given;		/* ignore the file's servers */
	char relay[16];			/* RelayType of a relay, or "" */
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

static void (*warn_fn)(const char *msg);

void conf_set_warn(void (*fn)(const char *msg))
{
	warn_fn = fn;
}

void conf_warn_stderr(const char *msg)
{
	fprintf(stderr, "teredod: %s\n", msg);
}

static void where(struct parser *p, const struct directive *d, char *pfx,
		  size_t size)
{
	if (p->line)
		snprintf(pfx, size, "%s:%u: %s%s", p->path, p->line,
			 d ? d->name : "", d ? ": " : "");
	else
		snprintf(pfx, size, "%s: %s%s", p->path, d ? d->name : "",
			 d ? ": " : "");
}

/* "PATH:LINE: DIRECTIVE: message" to the warning callback; counted. */
static void warn(struct parser *p, const struct directive *d,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void warn(struct parser *p, const struct directive *d,
		 const char *fmt, ...)
{
	char pfx[PATH_MAX + 64], msg[TEREDOD_ERRLEN + PATH_MAX];
	va_list ap;

	p->c->warnings++;
	if (!warn_fn)
		return;
	where(p, d, pfx, sizeof(pfx));
	va_start(ap, fmt);
	verr(msg, sizeof(msg), pfx, fmt, ap);
	va_end(ap);
	warn_fn(msg);
}

/* Always -1: @err = "PATH:LINE: DIRECTIVE: message" (no directive: NULL). */
static int bad(struct parser *p, const struct directive *d,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(struct parser *p, const struct directive *d,
	       const char *fmt, ...)
{
	char pfx[PATH_MAX + 64];
	va_list ap;

	where(p, d, pfx, sizeof(pfx));
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

/* @name as a dotted quad: 1, or 0 if it is a host name to look up */
static int ipv4_literal(const char *name, struct in_addr *a)
{
	return inet_pton(AF_INET, name, a) == 1;
}

/*
 * The first IPv4 address of @name, global unicast: 0, -1 when the lookup
 * failed (or gave a non-global address: a name can be fixed in the DNS),
 * -2 when @name is an address that is not global (a configuration error).
 */
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

	if (ipv4_literal(name, a)) {
		if (ipv4_is_global(a->s_addr))
			return 0;
		fail(err, errlen, "%s is not a global unicast IPv4 address",
		     name);
		return -2;
	}
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
	a->s_addr = 0;
	return fail(err, errlen,
		    "\"%s\" (%s) is not a global unicast IPv4 address",
		    name, buf);
}

int conf_resolve_server(struct conf_server *s, char *err, size_t errlen)
{
	struct in_addr a, b;
	int rc;

	rc = resolve_global(s->name, &a, err, errlen);
	if (rc)
		return rc;
	b = addr_next(a);
	if (s->name2[0] && resolve_global(s->name2, &b, err, errlen))
		b = addr_next(a);	/* as if it were not given */
	s->primary = a;
	s->secondary = b;
	return 0;
}

int conf_add_server(struct teredod_conf *c, const char *name,
		    char *err, size_t errlen)
{
	struct conf_server *s;
	struct in_addr a;
	size_t i;
	int rc = 0;

	if (!*name || strlen(name) >= sizeof(s->name))
		return fail(err, errlen, "\"%.64s\": not a valid host name",
			    name);
	for (i = 0; i < c->nservers; i++)
		if (!strcasecmp(c->servers[i].name, name)) {
			fail(err, errlen, "\"%s\": given twice, ignored",
			     name);
			return 2;
		}
	if (c->nservers >= TEREDOD_MAX_SERVERS)
		return fail(err, errlen, "\"%s\": more than %d Teredo servers",
			    name, TEREDOD_MAX_SERVERS);
	a.s_addr = 0;
	if (!c->no_resolve || ipv4_literal(name, &a)) {
		rc = resolve_global(name, &a, err, errlen);
		if (rc == -2)
			return -1;
	}
	for (i = 0; !rc && a.s_addr && i < c->nservers; i++)
		if (c->servers[i].primary.s_addr == a.s_addr) {
			fail(err, errlen,
			     "\"%s\": the same server as \"%s\", ignored",
			     name, c->servers[i].name);
			return 2;
		}
	s = &c->servers[c->nservers++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (!rc && a.s_addr) {
		s->primary = a;
		s->secondary = addr_next(a);
	}
	return rc ? 1 : 0;
}

void conf_defaults(struct teredod_conf *c, enum conf_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	snprintf(c->ifname, sizeof(c->ifname), "%s", "teredo0");
	snprintf(c->hook, sizeof(c->hook), "%s", TEREDOD_HOOK);
	c->facility = LOG_DAEMON;
	c->dormant_timeout = TEREDOD_DORMANT_TIMEOUT;
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
	/* a relay: said once the whole file is read (check_relay()) */
	if (!strcasecmp(v, "relay") || !strcasecmp(v, "cone") ||
	    !strcasecmp(v, "restricted")) {
		snprintf(p->relay, sizeof(p->relay), "%s", v);
		return 0;
	}
	return bad(p, d, "\"%s\": expected client or autoclient (or relay)",
		   v);
}

static int set_server(struct parser *p, const struct directive *d,
		      const char *v)
{
	char msg[TEREDOD_ERRLEN];
	int rc = 0;

	if (!p->servers_given)
		rc = conf_add_server(p->c, v, msg, sizeof(msg));
	if (rc < 0)
		return bad(p, d, "%s", msg);
	if (rc == 1)
		warn(p, d, "%s (looked up again later)", msg);
	else if (rc == 2)
		warn(p, d, "%s", msg);
	p->last_server = rc == 2 ? 0 : p->line;
	p->secondary = 0;
	return 0;
}

static int set_server2(struct parser *p, const struct directive *d,
		       const char *v)
{
	struct conf_server *s;
	char msg[TEREDOD_ERRLEN];
	struct in_addr a;
	int rc;

	if (!p->last_server) {
		warn(p, d, "no ServerAddress before it: ignored");
		return 0;
	}
	if (p->secondary) {
		warn(p, d, "given twice (line %u) for the ServerAddress of line %u: ignored",
		     p->secondary, p->last_server);
		return 0;
	}
	if (strlen(v) >= sizeof(s->name2))
		return bad(p, d, "\"%.64s\": not a valid host name", v);
	p->secondary = p->line;
	if (p->servers_given)
		return 0;
	s = &p->c->servers[p->c->nservers - 1];
	snprintf(s->name2, sizeof(s->name2), "%s", v);
	if (!s->primary.s_addr || (p->c->no_resolve && !ipv4_literal(v, &a)))
		return 0;	/* looked up with the server */
	rc = resolve_global(v, &a, msg, sizeof(msg));
	if (rc == -2)
		return bad(p, d, "%s", msg);
	if (rc) {
		warn(p, d, "%s: the secondary address is ServerAddress + 1 until it resolves",
		     msg);
		return 0;
	}
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
	struct addrinfo hints = {
		.ai_family = AF_INET,
		.ai_socktype = SOCK_DGRAM,
	}, *res;
	struct in_addr a;
	uint32_t h;
	int rc;

	/* a host name too, as Miredo (looked up once, at start) */
	if (!ipv4_literal(v, &a)) {
		if (p->c->no_resolve)
			return 0;
		rc = getaddrinfo(v, NULL, &hints, &res);
		if (rc)
			return bad(p, d, "\"%s\": no IPv4 address: %s", v,
				   rc == EAI_SYSTEM ? strerror(errno) :
				   gai_strerror(rc));
		a = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
		freeaddrinfo(res);
	}
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
	char *end;

	/* as Miredo: C notation (0x..., 0...), 0 for a random port */
	errno = 0;
	n = strtoul(v, &end, 0);
	if (*v < '0' || *v > '9' || errno || *end || n > 65535)
		return bad(p, d, "\"%s\": expected a UDP port, 0 (any) to 65535",
			   v);
	p->c->bind_port = n;
	return 0;
}

static int set_mtu(struct parser *p, const struct directive *d,
		   const char *v)
{
	unsigned long n;

	if (!parse_uint(v, 0, ULONG_MAX, &n) && teredo_mtu_valid(n)) {
		p->c->mtu = n;
		return 0;
	}
	/* Miredo's client never reads it: a warning there */
	if (p->c->kind == CONF_CLIENT) {
		warn(p, d, "\"%s\": not an MTU from %d to %d, ignored", v,
		     TEREDO_MIN_MTU, TEREDO_PROTO_MAX_MTU);
		return 0;
	}
	return bad(p, d, "\"%s\": expected an MTU, %d to %d", v,
		   TEREDO_MIN_MTU, TEREDO_PROTO_MAX_MTU);
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
	} t[] = {	/* Miredo's names */
		{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
		{ "cron", LOG_CRON }, { "daemon", LOG_DAEMON },
		{ "ftp", LOG_FTP }, { "kern", LOG_KERN },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
		{ "lpr", LOG_LPR }, { "mail", LOG_MAIL },
		{ "news", LOG_NEWS }, { "syslog", LOG_SYSLOG },
		{ "user", LOG_USER }, { "uucp", LOG_UUCP },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcasecmp(v, t[i].name)) {
			p->c->facility = t[i].facility;
			return 0;
		}
	}
	return bad(p, d, "\"%s\": not a syslog facility (daemon, local0 to local7, user, auth, authpriv, cron, ftp, kern, lpr, mail, news, syslog, uucp)",
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

	/* Miredo 1.2.6 does not know it, 1.3 does: never an error */
	if (word_in(v, off))
		p->c->discovery = false;
	else if (word_in(v, on))
		p->c->discovery = true;
	else
		warn(p, d, "\"%s\": expected enabled or disabled, ignored", v);
	return 0;
}

/* "yes" or "no" (or on/off, true/false, 1/0) into @out */
static int set_yes_no(struct parser *p, const struct directive *d,
		      const char *v, bool *out)
{
	static const char *const off[] = { "no", "off", "false", "0", NULL };
	static const char *const on[] = { "yes", "on", "true", "1", NULL };

	if (word_in(v, off))
		*out = false;
	else if (word_in(v, on))
		*out = true;
	else
		return bad(p, d, "\"%s\": expected yes or no", v);
	return 0;
}

/* Windows' dormant state: teredod's own directive, Miredo has none */
static int set_on_demand(struct parser *p, const struct directive *d,
			 const char *v)
{
	return set_yes_no(p, d, v, &p->c->on_demand);
}

/* RFC 6081's UPnP-enabled NAT support: a port mapping on the gateway */
static int set_upnp(struct parser *p, const struct directive *d,
		    const char *v)
{
	return set_yes_no(p, d, v, &p->c->upnp);
}

static int set_dormant_timeout(struct parser *p, const struct directive *d,
			       const char *v)
{
	unsigned long n;

	if (parse_uint(v, 1, TEREDOD_DORMANT_TIMEOUT_MAX, &n))
		return bad(p, d, "\"%s\": expected seconds, 1 to %d", v,
			   TEREDOD_DORMANT_TIMEOUT_MAX);
	p->c->dormant_timeout = n;
	return 0;
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
	[D_ON_DEMAND] = { "QualifyOnDemand", KIND_CLIENT, false,
			  set_on_demand },
	[D_DORMANT_TIMEOUT] = { "DormantTimeout", KIND_CLIENT, false,
				set_dormant_timeout },
	[D_UPNP] = { "UPnP", KIND_CLIENT, false, set_upnp },
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

	if (!(d->kinds & (1U << p->c->kind))) {
		warn(p, d, "a %s directive, not used in a %s configuration: ignored",
		     d->kinds & KIND_SERVER ? "server" : "client",
		     p->c->kind == CONF_SERVER ? "server" : "client");
		return 0;
	}
	if (p->first[i] && !d->repeat) {
		warn(p, d, "given twice (first on line %u): ignored",
		     p->first[i]);
		return 0;
	}
	if (vlen >= sizeof(value)) {
		warn(p, d, "value too long: ignored");
		return 0;
	}
	if (!p->first[i])
		p->first[i] = p->line;
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
	if (!d) {
		warn(p, NULL, "unknown directive \"%.*s\": ignored",
		     (int)(nlen > 64 ? 64 : nlen), name);
		return 0;
	}
	value = next_word(&s, end, &vlen);
	if (!value) {
		warn(p, d, "missing value: line ignored");
		return 0;
	}
	extra = next_word(&s, end, &xlen);
	if (extra)
		warn(p, d, "\"%.*s\" after the value: ignored",
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

/* RelayType relay: what to run instead, in one line */
static int check_relay(struct parser *p)
{
	char local[INET_ADDRSTRLEN + 8] = "", port[16] = "";

	p->line = p->first[D_RELAY_TYPE];
	if (p->c->bind_addr.s_addr) {
		memcpy(local, " local ", 7);
		inet_ntop(AF_INET, &p->c->bind_addr, local + 7,
			  sizeof(local) - 7);
	}
	if (p->c->bind_port)
		snprintf(port, sizeof(port), " port %u", p->c->bind_port);
	return bad(p, &directives[D_RELAY_TYPE],
		   "%s: teredod is a Teredo client; a relay is a kernel device: ip link add %s type teredo mode relay%s%s",
		   p->relay, p->c->ifname, local, port);
}

static int check(struct parser *p, bool servers_given)
{
	if (p->c->kind == CONF_SERVER)
		return check_server(p);
	if (p->relay[0])
		return check_relay(p);
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
static char *read_file(int dirfd, const char *name, const char *path,
		       char *err, size_t errlen)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
	size_t n = 0, size = 4096;
	char *text = NULL, *p;

	if (!f) {
		if (fd >= 0)
			close(fd);
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
	return conf_load_at(c, AT_FDCWD, path, path, servers_given, err,
			    errlen);
}

int conf_load_at(struct teredod_conf *c, int dirfd, const char *name,
		 const char *path, bool servers_given, char *err,
		 size_t errlen)
{
	char *text = read_file(dirfd, name, path, err, errlen);
	int rc;

	if (!text)
		return -1;
	rc = conf_parse(c, path, text, servers_given, err, errlen);
	free(text);
	return rc;
}
