/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teredod's configuration file: the directives of miredo.conf(5) that apply
 * to a Teredo client, and those of miredo-server.conf for the server.
 * "Directive value" per line, names case-insensitive, '#' comments.
 */
#ifndef TEREDOD_CONF_H
#define TEREDOD_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#define TEREDOD_CONF_CLIENT	"/etc/teredod/teredod.conf"
#define TEREDOD_CONF_SERVER	"/etc/teredod/teredod-server.conf"
#define TEREDOD_HOOK		"/etc/teredod/client-hook"
#define TEREDOD_MAX_SERVERS	8
#define TEREDOD_ERRLEN		256

enum conf_kind {
	CONF_CLIENT,		/* teredod */
	CONF_SERVER,		/* teredod server */
};

/* A Teredo server: its primary and secondary IPv4 addresses. */
struct conf_server {
	char name[256];			/* as written: looked up again */
	char name2[256];		/* ServerAddress2 as written, or "" */
	struct in_addr primary;		/* 0.0.0.0: not resolved (yet) */
	struct in_addr secondary;	/* ServerAddress2, or primary + 1 */
};

/* QualifyOnDemand: dormant after this long without a packet sent (s),
 * as Windows
 */
#define TEREDOD_DORMANT_TIMEOUT		3600
#define TEREDOD_DORMANT_TIMEOUT_MAX	86400

struct teredod_conf {
	enum conf_kind kind;

	/* client */
	char ifname[IF_NAMESIZE];	/* InterfaceName, default teredo0 */
	struct conf_server servers[TEREDOD_MAX_SERVERS];
	size_t nservers;		/* ServerAddress lines, in order */
	struct in_addr bind_addr;	/* BindAddress, INADDR_ANY default */
	uint16_t bind_port;		/* BindPort, host order; 0 = random */
	unsigned int mtu;		/* InterfaceMTU; 0 = the server's */
	char hook[PATH_MAX];		/* HookScript, default TEREDOD_HOOK */
	bool discovery;			/* LocalDiscovery, default disabled */
	bool on_demand;			/* QualifyOnDemand, default no */
	unsigned int dormant_timeout;	/* DormantTimeout, seconds */
	bool upnp;			/* UPnP: map the port on an IGD */

	/* server */
	struct in_addr server_bind;	/* ServerBindAddress (required) */
	struct in_addr server_bind2;	/* ServerBindAddress2, or + 1 */

	/* both */
	int facility;			/* SyslogFacility, LOG_DAEMON default */

	bool no_resolve;		/* set before parsing: names are only
					 * checked, not looked up (checkconf)
					 */
	unsigned int warnings;		/* lines or values ignored */
};

/*
 * Defaults for @kind. Then conf_parse() reads @text (the contents of the
 * file called @path, used in messages); conf_load() reads the file.
 * Server names are resolved (IPv4, getaddrinfo) and must be global
 * unicast. Both return 0, or -1 with "PATH:LINE: what is wrong" in @err.
 * A client configuration needs at least one ServerAddress unless
 * @servers_given (server names given on the command line).
 * With @servers_given, the file's ServerAddress and ServerAddress2 lines
 * are checked for their syntax but neither resolved nor added: the
 * command line replaces them, as with miredo(8), and the servers already
 * in @c (conf_add_server() before or after) are kept. On error, @c is
 * left unchanged.
 */
void conf_defaults(struct teredod_conf *c, enum conf_kind kind);
int conf_parse(struct teredod_conf *c, const char *path, const char *text,
	       bool servers_given, char *err, size_t errlen);
int conf_load(struct teredod_conf *c, const char *path, bool servers_given,
	      char *err, size_t errlen);
/* The same, for the file @name in the directory @dirfd (after a chroot). */
int conf_load_at(struct teredod_conf *c, int dirfd, const char *name,
		 const char *path, bool servers_given, char *err,
		 size_t errlen);

/*
 * What Miredo ignores with a warning, teredod does too (an unknown
 * directive, one given twice, words after the value...): each warning,
 * "PATH:LINE: DIRECTIVE: message", goes to @fn (none by default) and is
 * counted in c->warnings.
 */
void conf_set_warn(void (*fn)(const char *msg));
void conf_warn_stderr(const char *msg);	/* "teredod: msg" on stderr */

/*
 * Add a server given by name (command line or ServerAddress): 0; 1 when
 * it was added but not resolved (a lookup failed: resolve it later; the
 * reason in @err); 2 when it was ignored (given twice, the reason in
 * @err); -1 on error (a literal address that is not global).
 */
int conf_add_server(struct teredod_conf *c, const char *name,
		    char *err, size_t errlen);

/*
 * Look the server's names up again: 0 (primary and secondary set), -1
 * when the lookup failed, -2 when the name is an address that is not
 * global (the reason in @err). A ServerAddress2 that does not resolve
 * leaves primary + 1.
 */
int conf_resolve_server(struct conf_server *s, char *err, size_t errlen);

/* RFC 4380 section 5.2.4 "global unicast" IPv4 (network order). */
bool ipv4_is_global(uint32_t addr);

#endif /* TEREDOD_CONF_H */
