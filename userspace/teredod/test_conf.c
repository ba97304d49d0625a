// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of teredod's configuration (conf.c), log, hook and
 * capabilities. Prints "ok DESC" or "not ok DESC" a line, with "#   ..."
 * details after a failure (check.sh numbers them as TAP); exits 1 if any
 * failed. Uses no network: only numeric addresses and "localhost" (from
 * /etc/hosts) are resolved. The capability checks need root (else SKIP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "caps.h"
#include "conf.h"
#include "hook.h"
#include "log.h"
#include "util.h"
#include "test_lib.h"

#define PATH	"test.conf"

static char tmpdir[256];

static void detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void detail(const char *fmt, ...)
{
	va_list ap;

	fputs("#   ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *ntoa(struct in_addr a)
{
	static char buf[4][INET_ADDRSTRLEN];
	static int i;

	i = (i + 1) % 4;
	return inet_ntop(AF_INET, &a, buf[i], sizeof(buf[i]));
}

/* ---- configuration ---------------------------------------------------- */

static struct teredod_conf conf;
static char err[TEREDOD_ERRLEN];

static int parse(enum conf_kind kind, const char *text, bool given)
{
	conf_defaults(&conf, kind);
	err[0] = '\0';
	return conf_parse(&conf, PATH, text, given, err, sizeof(err));
}

/*
 * good() and fails() parse as if servers were given on the command line,
 * unless @text has ServerAddress lines (which that would leave unused).
 */
static bool given(const char *text)
{
	return !strcasestr(text, "serveraddress");
}

/* @text parses */
static bool good(enum conf_kind kind, const char *desc, const char *text)
{
	bool ok = !parse(kind, text, given(text));

	result(ok, "conf: %s", desc);
	if (!ok)
		detail("error: %s", err);
	return ok;
}

/* @text fails with an error message starting with @want */
static void fails(enum conf_kind kind, const char *desc, const char *text,
		  const char *want)
{
	int rc = parse(kind, text, given(text));
	bool ok = rc == -1 && !strncmp(err, want, strlen(want));

	result(ok, "conf: %s -> %s", desc, want);
	if (!ok)
		detail("status %d, error: %s", rc, err);
}

/* the warnings of the last parse, one a line */
static char warned[4096];

static void catch_warning(const char *msg)
{
	size_t n = strlen(warned);

	snprintf(warned + n, sizeof(warned) - n, "%s\n", msg);
}

/* @text parses, with a warning (as Miredo) starting with @want */
static bool warns(enum conf_kind kind, const char *desc, const char *text,
		  const char *want)
{
	int rc;
	bool ok;
	char *line;

	warned[0] = '\0';
	conf_set_warn(catch_warning);
	rc = parse(kind, text, given(text));
	conf_set_warn(NULL);
	line = strstr(warned, want);
	ok = !rc && conf.warnings && line &&
	     (line == warned || line[-1] == '\n');
	result(ok, "conf: %s -> warning %s", desc, want);
	if (!ok)
		detail("status %d, error: %s, warnings: %s", rc, err, warned);
	return ok;
}

static void check_addr(const char *desc, struct in_addr got,
		       const char *want)
{
	bool ok = !strcmp(ntoa(got), want);

	result(ok, "conf: %s = %s", desc, want);
	if (!ok)
		detail("got %s", ntoa(got));
}

static void test_defaults(void)
{
	bool ok;

	conf_defaults(&conf, CONF_CLIENT);
	ok = conf.kind == CONF_CLIENT && !strcmp(conf.ifname, "teredo0") &&
	     !strcmp(conf.hook, TEREDOD_HOOK) &&
	     !strcmp(conf.hook, "/etc/teredod/client-hook") &&
	     conf.facility == LOG_DAEMON && !conf.nservers &&
	     !conf.bind_addr.s_addr && !conf.bind_port && !conf.mtu;
	result(ok, "conf: client defaults: teredo0, %s, daemon, any, 0",
	       TEREDOD_HOOK);
	conf_defaults(&conf, CONF_SERVER);
	ok = conf.kind == CONF_SERVER && conf.facility == LOG_DAEMON &&
	     !conf.server_bind.s_addr && !conf.mtu;
	result(ok, "conf: server defaults");

	good(CONF_CLIENT, "empty client file, servers on the command line",
	     "");
	ok = parse(CONF_CLIENT, "# nothing\n", false) == -1 &&
	     !strcmp(err, PATH ": ServerAddress: missing: no Teredo server given (here or on the command line)");
	result(ok, "conf: client without any server -> error");
	if (!ok)
		detail("error: %s", err);
	if (good(CONF_CLIENT, "comments, blank lines, CRLF, no final newline",
		 "# a comment\n\n   \t\n  # indented comment\r\n"
		 "InterfaceName\tfoo  # trailing comment\r\n"
		 "\tBindPort 3545"))
		result(!strcmp(conf.ifname, "foo") && conf.bind_port == 3545,
		       "conf: values read around comments and blanks");
	if (good(CONF_CLIENT, "'#' inside a value starts a comment",
		 "InterfaceName ab#cd\n"))
		result(!strcmp(conf.ifname, "ab"), "conf: \"ab#cd\" is \"ab\"");
	if (good(CONF_CLIENT, "directive names are case-insensitive",
		 "interfacename lower\nSERVERADDRESS 198.18.0.1\n"
		 "sYsLoGfAcIlItY LOCAL3\n"))
		result(!strcmp(conf.ifname, "lower") && conf.nservers == 1 &&
		       conf.facility == LOG_LOCAL3,
		       "conf: values of case-insensitive directives");
}

static void test_syntax(void)
{
	/* what Miredo 1.2.6 ignores with a warning */
	warns(CONF_CLIENT, "unknown directive", "# x\nBogus 1\n",
	      PATH ":2: unknown directive \"Bogus\": ignored");
	warns(CONF_CLIENT, "missing value", "\n\nInterfaceName   # x\n",
	      PATH ":3: InterfaceName: missing value: line ignored");
	if (warns(CONF_CLIENT, "extra value", "InterfaceName a b\n",
		  PATH ":1: InterfaceName: \"b\" after the value: ignored"))
		result(!strcmp(conf.ifname, "a"), "conf: ... the value is used");
	if (warns(CONF_CLIENT, "duplicate single-valued directive",
		  "InterfaceName a\n# x\ninterfacename b\n",
		  PATH ":3: InterfaceName: given twice (first on line 1): ignored"))
		result(!strcmp(conf.ifname, "a"),
		       "conf: ... the first one counts, as Miredo");
	warns(CONF_CLIENT, "duplicate BindPort", "BindPort 1\nBindPort 1\n",
	      PATH ":2: BindPort: given twice (first on line 1): ignored");
	warns(CONF_SERVER, "duplicate ServerBindAddress",
	      "ServerBindAddress 198.18.0.1\nServerBindAddress 198.18.0.1\n",
	      PATH ":2: ServerBindAddress: given twice (first on line 1): ignored");
	result(good(CONF_CLIENT, "a clean file", "InterfaceName x\n") &&
	       !conf.warnings, "conf: ... no warning counted");

	conf_defaults(&conf, CONF_CLIENT);
	conf_parse(&conf, PATH, "InterfaceName changed\nBindPort x\n", true,
		   err, sizeof(err));
	result(!strcmp(conf.ifname, "teredo0"),
	       "conf: a failed parse leaves the configuration unchanged");
}

static void test_kinds(void)
{
	static const char *const server_only[] = {
		"ServerBindAddress 198.18.0.1", "ServerBindAddress2 198.18.0.2",
		"Prefix 2001:0::",
	};
	static const char *const client_only[] = {
		"RelayType client", "ServerAddress 198.18.0.1",
		"ServerAddress2 198.18.0.2", "InterfaceName t",
		"BindAddress 0.0.0.0", "BindPort 3545", "HookScript /x",
		"LocalDiscovery disabled",
	};
	char text[128], want[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(server_only); i++) {
		snprintf(text, sizeof(text), "%s\n", server_only[i]);
		snprintf(want, sizeof(want), PATH ":1: %.*s: a server directive, not used in a client configuration: ignored",
			 (int)strcspn(text, " "), text);
		warns(CONF_CLIENT, server_only[i], text, want);
	}
	for (i = 0; i < ARRAY_SIZE(client_only); i++) {
		snprintf(text, sizeof(text),
			 "ServerBindAddress 198.18.0.1\n%s\n", client_only[i]);
		snprintf(want, sizeof(want), PATH ":2: %.*s: a client directive, not used in a server configuration: ignored",
			 (int)strcspn(client_only[i], " "), client_only[i]);
		warns(CONF_SERVER, client_only[i], text, want);
	}
}

static void test_relay_type(void)
{
	static const char *const relays[] = { "relay", "cone", "Restricted" };
	char text[64], want[192];
	size_t i;

	good(CONF_CLIENT, "RelayType client", "RelayType client\n");
	good(CONF_CLIENT, "RelayType autoclient", "RelayType autoclient\n");
	good(CONF_CLIENT, "RelayType CLIENT", "RelayType CLIENT\n");
	for (i = 0; i < ARRAY_SIZE(relays); i++) {
		snprintf(text, sizeof(text), "RelayType %s\n", relays[i]);
		snprintf(want, sizeof(want), PATH ":1: RelayType: %s: teredod is a Teredo client; a relay is a kernel device: ip link add teredo0 type teredo mode relay",
			 relays[i]);
		fails(CONF_CLIENT, relays[i], text, want);
	}
	/* one line to run instead, from the file's own settings */
	fails(CONF_CLIENT, "RelayType relay with an address and a port",
	      "RelayType relay\nInterfaceName teredo\n"
	      "BindAddress 198.18.0.10\nBindPort 3545\n",
	      PATH ":1: RelayType: relay: teredod is a Teredo client; a relay is a kernel device: ip link add teredo type teredo mode relay local 198.18.0.10 port 3545");
	result(!strchr(err, '\n'), "conf: ... in one line");
	fails(CONF_CLIENT, "RelayType server", "RelayType server\n",
	      PATH ":1: RelayType: \"server\": expected client or autoclient");
}

static void test_servers(void)
{
	if (good(CONF_CLIENT, "ServerAddress 198.18.0.1",
		 "ServerAddress 198.18.0.1\n")) {
		result(conf.nservers == 1 &&
		       !strcmp(conf.servers[0].name, "198.18.0.1"),
		       "conf: one server, its name kept");
		check_addr("primary", conf.servers[0].primary, "198.18.0.1");
		check_addr("default secondary (primary + 1)",
			   conf.servers[0].secondary, "198.18.0.2");
	}
	if (good(CONF_CLIENT, "three servers, ServerAddress2 for the second",
		 "ServerAddress 198.18.0.1\nServerAddress 198.18.1.255\n"
		 "ServerAddress2 198.18.7.7\nServerAddress 8.8.8.8\n")) {
		result(conf.nservers == 3, "conf: 3 servers");
		check_addr("servers[0].secondary", conf.servers[0].secondary,
			   "198.18.0.2");
		check_addr("servers[1].primary", conf.servers[1].primary,
			   "198.18.1.255");
		check_addr("servers[1].secondary (ServerAddress2)",
			   conf.servers[1].secondary, "198.18.7.7");
		check_addr("servers[2].secondary", conf.servers[2].secondary,
			   "8.8.8.9");
	}
	fails(CONF_CLIENT, "private ServerAddress", "ServerAddress 10.1.2.3\n",
	      PATH ":1: ServerAddress: 10.1.2.3 is not a global unicast IPv4 address");
	/* a name that does not resolve (to a global address) now: not
	 * fatal, the daemon looks it up again
	 */
	if (warns(CONF_CLIENT, "ServerAddress localhost",
		  "ServerAddress localhost\n",
		  PATH ":1: ServerAddress: \"localhost\" (127.0.0.1) is not a global unicast IPv4 address (looked up again later)"))
		result(conf.nservers == 1 && !conf.servers[0].primary.s_addr &&
		       !strcmp(conf.servers[0].name, "localhost"),
		       "conf: ... kept, not resolved");
	warns(CONF_CLIENT, "the same server twice",
	      "ServerAddress 198.18.0.1\nServerAddress 198.18.0.1\n",
	      PATH ":2: ServerAddress: \"198.18.0.1\": given twice, ignored");
	warns(CONF_CLIENT, "ServerAddress2 first",
	      "ServerAddress2 198.18.0.2\nServerAddress 198.18.0.1\n",
	      PATH ":1: ServerAddress2: no ServerAddress before it: ignored");
	warns(CONF_CLIENT, "ServerAddress2 twice for one server",
	      "ServerAddress 198.18.0.1\nServerAddress2 198.18.0.2\n"
	      "ServerAddress2 198.18.0.3\n",
	      PATH ":3: ServerAddress2: given twice (line 2) for the ServerAddress of line 1: ignored");
	fails(CONF_CLIENT, "ServerAddress2 = ServerAddress",
	      "ServerAddress 198.18.0.1\nServerAddress2 198.18.0.1\n",
	      PATH ":2: ServerAddress2: \"198.18.0.1\": the same address as ServerAddress");
	fails(CONF_CLIENT, "ServerAddress2 not global",
	      "ServerAddress 198.18.0.1\nServerAddress2 192.168.0.1\n",
	      PATH ":2: ServerAddress2: 192.168.0.1 is not a global unicast IPv4 address");
	fails(CONF_CLIENT, "nine servers",
	      "ServerAddress 198.18.0.1\nServerAddress 198.18.0.3\n"
	      "ServerAddress 198.18.0.5\nServerAddress 198.18.0.7\n"
	      "ServerAddress 198.18.0.9\nServerAddress 198.18.0.11\n"
	      "ServerAddress 198.18.0.13\nServerAddress 198.18.0.15\n"
	      "ServerAddress 198.18.0.17\n",
	      PATH ":9: ServerAddress: \"198.18.0.17\": more than 8 Teredo servers");
}

static void test_servers_given(void)
{
	int rc;

	conf_defaults(&conf, CONF_CLIENT);
	rc = conf_add_server(&conf, "198.18.9.9", err, sizeof(err));
	rc |= conf_parse(&conf, PATH, "ServerAddress localhost\n"
			 "ServerAddress2 10.0.0.1\nServerAddress 198.18.9.9\n",
			 true, err, sizeof(err));
	result(!rc && conf.nservers == 1 &&
	       !strcmp(conf.servers[0].name, "198.18.9.9"),
	       "conf: servers given: the file's ServerAddress lines are ignored");
	if (rc)
		detail("error: %s", err);
	conf_defaults(&conf, CONF_CLIENT);
	conf_set_warn(catch_warning);
	warned[0] = '\0';
	rc = conf_parse(&conf, PATH, "ServerAddress2 198.18.0.2\n", true, err,
			sizeof(err));
	conf_set_warn(NULL);
	result(!rc && !strcmp(warned, PATH ":1: ServerAddress2: no ServerAddress before it: ignored\n"),
	       "conf: servers given: ServerAddress2 still checked");
}

static void test_add_server(void)
{
	char name[300];
	int rc;

	conf_defaults(&conf, CONF_CLIENT);
	rc = conf_add_server(&conf, "198.19.255.255", err, sizeof(err));
	result(!rc && conf.nservers == 1 &&
	       !strcmp(ntoa(conf.servers[0].secondary), "198.20.0.0"),
	       "conf_add_server: 198.19.255.255, secondary 198.20.0.0");
	rc = conf_add_server(&conf, "127.0.0.1", err, sizeof(err));
	result(rc == -1 && !strcmp(err, "127.0.0.1 is not a global unicast IPv4 address") &&
	       conf.nservers == 1,
	       "conf_add_server: 127.0.0.1 refused, without PATH:LINE");
	if (rc != -1 || conf.nservers != 1)
		detail("status %d, error: %s", rc, err);
	rc = conf_add_server(&conf, "", err, sizeof(err));
	result(rc == -1 && strstr(err, "not a valid host name"),
	       "conf_add_server: empty name refused");
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	rc = conf_add_server(&conf, name, err, sizeof(err));
	result(rc == -1 && strstr(err, "not a valid host name"),
	       "conf_add_server: 299-character name refused");
}

static void test_ifname(void)
{
	if (good(CONF_CLIENT, "InterfaceName of 15 characters",
		 "InterfaceName abcdefghijklmno\n"))
		result(!strcmp(conf.ifname, "abcdefghijklmno"),
		       "conf: InterfaceName set");
	fails(CONF_CLIENT, "InterfaceName of 16 characters",
	      "InterfaceName abcdefghijklmnop\n",
	      PATH ":1: InterfaceName: \"abcdefghijklmnop\": not a valid interface name");
	fails(CONF_CLIENT, "InterfaceName a/b", "InterfaceName a/b\n",
	      PATH ":1: InterfaceName: \"a/b\": not a valid");
	fails(CONF_CLIENT, "InterfaceName a:1", "InterfaceName a:1\n",
	      PATH ":1: InterfaceName: \"a:1\": not a valid");
	fails(CONF_CLIENT, "InterfaceName teredo%d", "InterfaceName teredo%d\n",
	      PATH ":1: InterfaceName: \"teredo%d\": not a valid");
	fails(CONF_CLIENT, "InterfaceName ..", "InterfaceName ..\n",
	      PATH ":1: InterfaceName: \"..\": not a valid");
}

static void test_bind(void)
{
	if (good(CONF_CLIENT, "BindAddress 192.168.1.2 (private is fine)",
		 "BindAddress 192.168.1.2\n"))
		check_addr("BindAddress", conf.bind_addr, "192.168.1.2");
	good(CONF_CLIENT, "BindAddress 0.0.0.0", "BindAddress 0.0.0.0\n");
	fails(CONF_CLIENT, "BindAddress 1.2.3.4.5", "BindAddress 1.2.3.4.5\n",
	      PATH ":1: BindAddress: \"1.2.3.4.5\": no IPv4 address");
	fails(CONF_CLIENT, "BindAddress 2001:db8::1", "BindAddress 2001:db8::1\n",
	      PATH ":1: BindAddress: \"2001:db8::1\": no IPv4 address");
	if (good(CONF_CLIENT, "BindAddress localhost (a name, as Miredo)",
		 "BindAddress localhost\n"))
		check_addr("BindAddress", conf.bind_addr, "127.0.0.1");
	fails(CONF_CLIENT, "BindAddress 224.0.0.1", "BindAddress 224.0.0.1\n",
	      PATH ":1: BindAddress: 224.0.0.1 is not a unicast address");
	if (good(CONF_CLIENT, "BindPort 1", "BindPort 1\n"))
		result(conf.bind_port == 1, "conf: BindPort = 1");
	if (good(CONF_CLIENT, "BindPort 65535", "BindPort 65535\n"))
		result(conf.bind_port == 65535, "conf: BindPort = 65535");
	/* as Miredo: 0 is any port, C notation */
	if (good(CONF_CLIENT, "BindPort 0", "BindPort 0\n"))
		result(conf.bind_port == 0, "conf: BindPort 0 = a random port");
	if (good(CONF_CLIENT, "BindPort 0x0dd9", "BindPort 0x0dd9\n"))
		result(conf.bind_port == 3545, "conf: BindPort 0x0dd9 = 3545");
	fails(CONF_CLIENT, "BindPort 65536", "BindPort 65536\n",
	      PATH ":1: BindPort: \"65536\": expected");
	fails(CONF_CLIENT, "BindPort -1", "BindPort -1\n",
	      PATH ":1: BindPort: \"-1\": expected");
	fails(CONF_CLIENT, "BindPort +5", "BindPort +5\n",
	      PATH ":1: BindPort: \"+5\": expected");
	fails(CONF_CLIENT, "BindPort 35x", "BindPort 35x\n",
	      PATH ":1: BindPort: \"35x\": expected");
	fails(CONF_CLIENT, "BindPort 99999999999999999999",
	      "BindPort 99999999999999999999\n",
	      PATH ":1: BindPort: \"99999999999999999999\": expected");
}

static void test_mtu(void)
{
	if (good(CONF_CLIENT, "InterfaceMTU 1280", "InterfaceMTU 1280\n"))
		result(conf.mtu == 1280, "conf: InterfaceMTU = 1280");
	if (good(CONF_SERVER, "server InterfaceMTU 65535",
		 "ServerBindAddress 198.18.0.1\nInterfaceMTU 65535\n"))
		result(conf.mtu == 65535, "conf: server InterfaceMTU = 65535");
	/* Miredo's client ignores it; its server takes it */
	if (warns(CONF_CLIENT, "InterfaceMTU 1279", "InterfaceMTU 1279\n",
		  PATH ":1: InterfaceMTU: \"1279\": not an MTU from 1280 to 65535, ignored"))
		result(!conf.mtu, "conf: ... the server's MTU is used");
	fails(CONF_SERVER, "server InterfaceMTU 1279",
	      "ServerBindAddress 198.18.0.1\nInterfaceMTU 1279\n",
	      PATH ":2: InterfaceMTU: \"1279\": expected an MTU, 1280 to 65535");
	fails(CONF_SERVER, "server InterfaceMTU 65536",
	      "InterfaceMTU 65536\nServerBindAddress 198.18.0.1\n",
	      PATH ":1: InterfaceMTU: \"65536\": expected an MTU");
}

static void test_hook_facility(void)
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
		{ "Local7", LOG_LOCAL7 }, { "auth", LOG_AUTH },
		{ "authpriv", LOG_AUTHPRIV }, { "cron", LOG_CRON },
		{ "ftp", LOG_FTP }, { "lpr", LOG_LPR }, { "mail", LOG_MAIL },
		{ "news", LOG_NEWS }, { "syslog", LOG_SYSLOG },
		{ "uucp", LOG_UUCP },
	};
	char text[64];
	size_t i;
	bool ok = true;

	if (good(CONF_CLIENT, "HookScript /usr/local/sbin/hook",
		 "HookScript /usr/local/sbin/hook\n"))
		result(!strcmp(conf.hook, "/usr/local/sbin/hook"),
		       "conf: HookScript set");
	fails(CONF_CLIENT, "HookScript relative", "HookScript hook.sh\n",
	      PATH ":1: HookScript: \"hook.sh\": not an absolute path");
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		snprintf(text, sizeof(text),
			 "ServerBindAddress 198.18.0.1\nSyslogFacility %s\n",
			 t[i].name);
		if (parse(i % 2 ? CONF_SERVER : CONF_CLIENT,
			  i % 2 ? text : strchr(text, '\n') + 1, true)) {
			detail("%s: %s", t[i].name, err);
			ok = false;
		} else if (conf.facility != t[i].facility) {
			detail("%s: facility %d", t[i].name, conf.facility);
			ok = false;
		}
	}
	result(ok, "conf: SyslogFacility: every name Miredo knows (client and server)");
	fails(CONF_CLIENT, "SyslogFacility bogus", "SyslogFacility bogus\n",
	      PATH ":1: SyslogFacility: \"bogus\": not a syslog facility");
}

static void test_discovery(void)
{
	if (good(CONF_CLIENT, "LocalDiscovery disabled",
		 "LocalDiscovery disabled\n"))
		result(!conf.discovery, "conf: LocalDiscovery disabled: off");
	if (good(CONF_CLIENT, "LocalDiscovery enabled",
		 "LocalDiscovery enabled\n"))
		result(conf.discovery, "conf: LocalDiscovery enabled: on");
	if (good(CONF_CLIENT, "LocalDiscovery yes", "LocalDiscovery yes\n"))
		result(conf.discovery, "conf: LocalDiscovery yes: on");
	if (good(CONF_CLIENT, "no LocalDiscovery", "ServerAddress 192.0.2.1\n"))
		result(!conf.discovery, "conf: LocalDiscovery: off by default");
	warns(CONF_CLIENT, "LocalDiscovery maybe", "LocalDiscovery maybe\n",
	      PATH ":1: LocalDiscovery: \"maybe\": expected enabled or disabled, ignored");
}

static void test_on_demand(void)
{
	if (good(CONF_CLIENT, "no QualifyOnDemand", "ServerAddress 192.0.2.1\n"))
		result(!conf.on_demand && conf.dormant_timeout == 3600,
		       "conf: QualifyOnDemand off, DormantTimeout 3600 by default");
	if (good(CONF_CLIENT, "QualifyOnDemand yes, DormantTimeout 5",
		 "QualifyOnDemand yes\nDormantTimeout 5\n"))
		result(conf.on_demand && conf.dormant_timeout == 5,
		       "conf: QualifyOnDemand yes: on, 5 s");
	fails(CONF_CLIENT, "QualifyOnDemand maybe", "QualifyOnDemand maybe\n",
	      PATH ":1: QualifyOnDemand: \"maybe\": expected yes or no");
	fails(CONF_CLIENT, "DormantTimeout 0", "DormantTimeout 0\n",
	      PATH ":1: DormantTimeout: \"0\": expected seconds, 1 to 86400");
	fails(CONF_CLIENT, "DormantTimeout 86401", "DormantTimeout 86401\n",
	      PATH ":1: DormantTimeout: \"86401\": expected seconds, 1 to 86400");
}

static void test_upnp(void)
{
	if (good(CONF_CLIENT, "no UPnP", "ServerAddress 192.0.2.1\n"))
		result(!conf.upnp, "conf: UPnP off by default");
	if (good(CONF_CLIENT, "UPnP yes", "UPnP yes\n"))
		result(conf.upnp, "conf: UPnP yes: on");
	if (good(CONF_CLIENT, "UPnP off", "UPnP off\n"))
		result(!conf.upnp, "conf: UPnP off: off");
	fails(CONF_CLIENT, "UPnP maybe", "UPnP maybe\n",
	      PATH ":1: UPnP: \"maybe\": expected yes or no");
	warns(CONF_SERVER, "UPnP in a server's file",
	      "ServerBindAddress 198.18.0.1\nUPnP yes\n",
	      PATH ":2: UPnP: a client directive, not used in a server configuration: ignored");
}

static void test_server_conf(void)
{
	if (good(CONF_SERVER, "ServerBindAddress alone",
		 "ServerBindAddress 198.18.0.1\n")) {
		check_addr("ServerBindAddress", conf.server_bind, "198.18.0.1");
		check_addr("default ServerBindAddress2", conf.server_bind2,
			   "198.18.0.2");
	}
	if (good(CONF_SERVER, "ServerBindAddress2 before ServerBindAddress",
		 "serverbindaddress2 198.18.5.5\nServerBindAddress 198.18.0.1\n"
		 "Prefix 2001:0::\nSyslogFacility local1\n"))
		check_addr("ServerBindAddress2", conf.server_bind2,
			   "198.18.5.5");
	fails(CONF_SERVER, "no ServerBindAddress", "InterfaceMTU 1400\n",
	      PATH ": ServerBindAddress: missing (the server's primary IPv4 address)");
	fails(CONF_SERVER, "private ServerBindAddress",
	      "ServerBindAddress 192.168.1.1\n",
	      PATH ":1: ServerBindAddress: 192.168.1.1 is not a global unicast IPv4 address");
	fails(CONF_SERVER, "ServerBindAddress by name",
	      "ServerBindAddress localhost\n",
	      PATH ":1: ServerBindAddress: \"localhost\": not an IPv4 address");
	fails(CONF_SERVER, "ServerBindAddress2 = ServerBindAddress",
	      "ServerBindAddress 198.18.0.1\n\nServerBindAddress2 198.18.0.1\n",
	      PATH ":3: ServerBindAddress2: 198.18.0.1: the same address as ServerBindAddress");
	fails(CONF_SERVER, "ServerBindAddress2 multicast",
	      "ServerBindAddress 198.18.0.1\nServerBindAddress2 239.1.1.1\n",
	      PATH ":2: ServerBindAddress2: 239.1.1.1 is not a global unicast");
	fails(CONF_SERVER, "default ServerBindAddress2 not global",
	      "ServerBindAddress 223.255.255.255\n",
	      PATH ": ServerBindAddress2: the default, ServerBindAddress + 1 (224.0.0.0), is not a global unicast IPv4 address");
}

static void test_prefix(void)
{
	static const char *const ok[] = {
		"2001:0::", "2001::", "2001:0::/32", "2001:0:0:0:0:0:0:0",
	};
	static const char *const ko[] = {
		"2001:0::/48", "2001:0::/", "3ffe:831f::", "2001:db8::", "foo",
	};
	char text[128], desc[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text),
			 "ServerBindAddress 198.18.0.1\nPrefix %s\n", ok[i]);
		snprintf(desc, sizeof(desc), "Prefix %s", ok[i]);
		good(CONF_SERVER, desc, text);
	}
	for (i = 0; i < ARRAY_SIZE(ko); i++) {
		snprintf(text, sizeof(text),
			 "ServerBindAddress 198.18.0.1\nPrefix %s\n", ko[i]);
		snprintf(desc, sizeof(desc), "Prefix %s", ko[i]);
		fails(CONF_SERVER, desc, text, PATH ":2: Prefix: \"");
	}
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(2);
	}
	close(fd);
}

/* the reading buffer grows with the file; 1 MB at most, no NUL */
static void test_load_sizes(const char *path)
{
	static const char tail[] = "\nInterfaceName big\n";
	static const char nul[] = "InterfaceName t2\n";	/* and its NUL */
	size_t size = 1 << 20;
	char *text = malloc(size + 2);
	int rc, fd;

	if (!text)
		exit(2);
	memset(text, '#', size + 1);
	text[size + 1] = '\0';
	memcpy(text + size - strlen(tail), tail, strlen(tail));
	write_file(path, text + size - 5000, 0600);
	conf_defaults(&conf, CONF_CLIENT);
	rc = conf_load(&conf, path, true, err, sizeof(err));
	result(!rc && !strcmp(conf.ifname, "big"),
	       "conf_load: a 5000-byte file is read to its end");
	text[size] = '\0';
	write_file(path, text, 0600);
	conf_defaults(&conf, CONF_CLIENT);
	rc = conf_load(&conf, path, true, err, sizeof(err));
	result(!rc && !strcmp(conf.ifname, "big"),
	       "conf_load: a file of 1 MB is read to its end");
	text[size] = '#';
	write_file(path, text, 0600);
	rc = conf_load(&conf, path, true, err, sizeof(err));
	result(rc == -1 && strstr(err, ": not a configuration file"),
	       "conf_load: 1 MB and 1 byte -> not a configuration file");
	free(text);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, nul, sizeof(nul)) != sizeof(nul))
		exit(2);
	close(fd);
	rc = conf_load(&conf, path, true, err, sizeof(err));
	result(rc == -1 && strstr(err, ": not a configuration file"),
	       "conf_load: a NUL byte -> not a configuration file");
}

static void test_load(void)
{
	char path[320], want[512];
	int rc;

	snprintf(path, sizeof(path), "%s/teredod.conf", tmpdir);
	write_file(path, "ServerAddress 198.18.0.1\nInterfaceName t1\n", 0600);
	conf_defaults(&conf, CONF_CLIENT);
	rc = conf_load(&conf, path, false, err, sizeof(err));
	result(!rc && conf.nservers == 1 && !strcmp(conf.ifname, "t1"),
	       "conf_load: reads a file");
	write_file(path, "ServerAddress 198.18.0.1\nBindPort x\n", 0600);
	conf_defaults(&conf, CONF_CLIENT);
	rc = conf_load(&conf, path, false, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:2: BindPort: \"x\"", path);
	result(rc == -1 && !strncmp(err, want, strlen(want)),
	       "conf_load: error names the file and line");
	if (rc != -1 || strncmp(err, want, strlen(want)))
		detail("error: %s", err);
	test_load_sizes(path);
	snprintf(path, sizeof(path), "%s/nosuch.conf", tmpdir);
	rc = conf_load(&conf, path, true, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	result(rc == -1 && !strcmp(err, want),
	       "conf_load: missing file -> PATH: No such file or directory");
}

static void test_global(void)
{
	static const struct {
		const char *addr;
		bool global;
	} t[] = {
		{ "0.0.0.0", false }, { "0.255.255.255", false },
		{ "1.0.0.0", true }, { "9.255.255.255", true },
		{ "10.0.0.1", false }, { "11.0.0.0", true },
		{ "126.255.255.255", true }, { "127.0.0.1", false },
		{ "128.0.0.0", true }, { "169.253.255.255", true },
		{ "169.254.1.1", false }, { "169.255.0.0", true },
		{ "172.15.255.255", true }, { "172.16.0.0", false },
		{ "172.31.255.255", false }, { "172.32.0.0", true },
		{ "192.88.98.255", true }, { "192.88.99.1", false },
		{ "192.88.100.0", true }, { "192.167.255.255", true },
		{ "192.168.0.1", false }, { "192.169.0.0", true },
		{ "198.18.0.1", true }, { "198.19.255.254", true },
		{ "223.255.255.255", true }, { "224.0.0.1", false },
		{ "239.255.255.255", false }, { "240.0.0.1", false },
		{ "255.255.255.255", false },
	};
	struct in_addr a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		inet_pton(AF_INET, t[i].addr, &a);
		result(ipv4_is_global(a.s_addr) == t[i].global,
		       "ipv4_is_global(%s) = %s", t[i].addr,
		       t[i].global ? "true" : "false");
	}
}

/* ---- files and captured stderr -------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	static char buf[16384];
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n < 0 ? 0 : n] = '\0';
	if (len)
		*len = n < 0 ? 0 : n;
	return buf;
}

static int saved_stderr = -1;
static char errfile[PATH_MAX + 32];

static void stderr_capture(void)
{
	int fd;

	snprintf(errfile, sizeof(errfile), "%s/stderr", tmpdir);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (saved_stderr < 0 || fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
		perror("stderr capture");
		exit(2);
	}
	close(fd);
}

static const char *stderr_restore(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	return slurp(errfile, NULL);
}

static void check_text(const char *desc, const char *got, const char *want)
{
	bool ok = !strcmp(got, want);

	result(ok, "%s", desc);
	if (!ok) {
		fputs("#   got:  ", stdout);
		json_print_str(stdout, got);
		fputs("\n#   want: ", stdout);
		json_print_str(stdout, want);
		putchar('\n');
	}
}

static void test_log(void)
{
	bool ok;

	stderr_capture();
	log_open(true, LOG_DAEMON, false);
	log_info("hello %d", 42);
	log_debug("not shown");
	errno = EBUSY;
	log_err("with newline\n");
	ok = errno == EBUSY;
	check_text("log: stderr lines, no debug unless verbose",
		   stderr_restore(),
		   "teredod: hello 42\nteredod: with newline\n");
	result(ok, "log: errno preserved");
	stderr_capture();
	log_open(true, LOG_DAEMON, true);
	log_debug("debug %s", "shown");
	errno = ENOENT;
	log_warn("%m");
	check_text("log: verbose shows debug; %m", stderr_restore(),
		   "teredod: debug shown\nteredod: No such file or directory\n");
	log_open(true, LOG_DAEMON, false);
}

/* ---- hook ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a NUL-separated /proc/PID/environ, sorted, one a line */
static const char *env_sorted(const char *path)
{
	static char out[4096];
	char *vars[64], *p, *end;
	size_t len, n = 0, i;

	p = slurp(path, &len);
	for (end = p + len; p < end && n < ARRAY_SIZE(vars); p += strlen(p) + 1)
		vars[n++] = p;
	qsort(vars, n, sizeof(vars[0]), cmp_str);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strncat(out, vars[i], sizeof(out) - strlen(out) - 2);
		strcat(out, "\n");
	}
	return out;
}

static char hook[288];

static void write_hook(const char *body)
{
	char text[4096];

	snprintf(hook, sizeof(hook), "%s/hook", tmpdir);
	snprintf(text, sizeof(text), "#!/bin/sh\nD=%s\n%s", tmpdir, body);
	unlink(hook);
	write_file(hook, text, 0700);
}

static const char *tmpfile_text(const char *name)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return slurp(path, NULL);
}

static const struct hook_env up = {
	.state = "up", .old_state = "down", .iface = "teredo0",
	.ifindex = 7, .address = "2001:0:c612:1:8000:f227:39ad:fffe",
	.lladdress = "fe80::ffff:ffff:ffff", .mtu = 1280,
	.old_address = "2001:0:c612:1::1", .old_lladdress = "fe80::1",
	.old_mtu = 1400,
};

static void tmpfile_check(const char *desc, const char *name,
			  const char *want)
{
	check_text(desc, tmpfile_text(name), want);
}

static void test_hook_env(void)
{
	char want[512], envfile[320];
	sigset_t set, old;
	int rc, fd;

	write_hook("cat /proc/$$/environ >$D/env\necho \"$0 $#\" >$D/args\n"
		   "readlink /proc/$$/fd/0 >$D/stdin\n"
		   "if [ -e /proc/$$/fd/77 ]; then echo open; else echo closed; fi >$D/fd\n"
		   /* builtins only: the shell reads its own mask, not a
		    * child while dash has all signals blocked around vfork
		    */
		   "while read -r l; do case $l in SigBlk:*|SigIgn:*)"
		   " echo \"$l\";; esac; done </proc/$$/status >$D/sig\n"
		   "exit 3\n");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	signal(SIGUSR1, SIG_IGN);
	fd = open("/dev/null", O_RDONLY);
	dup2(fd, 77);
	close(fd);
	stderr_capture();
	rc = hook_run(hook, &up, 10);
	snprintf(want, sizeof(want), "teredod: hook %s: exit status 3\n",
		 hook);
	check_text("hook: a non-zero exit status is logged", stderr_restore(),
		   want);
	close(77);
	signal(SIGUSR1, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);

	result(rc == 3, "hook: exit status 3 returned");
	snprintf(envfile, sizeof(envfile), "%s/env", tmpdir);
	check_text("hook: exact environment, all variables",
		   env_sorted(envfile),
		   "ADDRESS=2001:0:c612:1:8000:f227:39ad:fffe\n"
		   "IFACE=teredo0\nIFINDEX=7\nLLADDRESS=fe80::ffff:ffff:ffff\n"
		   "MTU=1280\nOLD_ADDRESS=2001:0:c612:1::1\n"
		   "OLD_LLADDRESS=fe80::1\nOLD_MTU=1400\nOLD_STATE=down\n"
		   "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nSTATE=up\n");
	snprintf(want, sizeof(want), "%s 0\n", hook);
	tmpfile_check("hook: argv is its path alone", "args", want);
	tmpfile_check("hook: stdin is /dev/null", "stdin", "/dev/null\n");
	tmpfile_check("hook: other descriptors are closed", "fd",
		      "closed\n");
	tmpfile_check("hook: empty signal mask, no signal ignored", "sig",
		      "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

/* Miredo's privproc: OLD_* from the last "up", unset after a "down" */
static void test_hook_sequence(void)
{
	struct in6_addr a = in6("2001:0:c612:1:8000:f227:3fff:fdfe");
	struct in6_addr b = in6("2001:0:c612:1::2");
	struct hook_old old = { .state = "" };
	struct hook_env e;
	char bufs[4][46];

	hook_env_next(&old, &e, "up", "teredo0", 7, &a, 1400, bufs);
	result(!strcmp(e.old_state, "down") && !e.old_address &&
	       !strcmp(e.address, "2001:0:c612:1:8000:f227:3fff:fdfe") &&
	       e.mtu == 1400 && !strcmp(e.lladdress, "fe80::ffff:ffff:ffff"),
	       "hook env: first up: OLD_STATE=down, no OLD_ADDRESS");
	hook_env_next(&old, &e, "up", "teredo0", 7, &b, 0, bufs);
	result(!strcmp(e.old_state, "up") && e.old_address &&
	       !strcmp(e.old_address, "2001:0:c612:1:8000:f227:3fff:fdfe") &&
	       e.old_mtu == 1400 && e.mtu == 1280,
	       "hook env: a new address: OLD_ADDRESS, OLD_MTU of the last up");
	hook_env_next(&old, &e, "down", "teredo0", 7, &b, 0, bufs);
	result(!strcmp(e.state, "down") && !strcmp(e.old_state, "up") &&
	       !e.address && !e.mtu && e.old_address &&
	       !strcmp(e.old_address, "2001:0:c612:1::2"),
	       "hook env: down: no ADDRESS, OLD_ADDRESS the last one");
	hook_env_next(&old, &e, "up", "teredo0", 7, &b, 0, bufs);
	result(!strcmp(e.old_state, "down") && !e.old_address &&
	       !e.old_lladdress && !e.old_mtu,
	       "hook env: up after a down: OLD_STATE=down, OLD_* unset (as Miredo)");
	hook_env_next(&old, &e, "down", "teredo0", 7, &b, 0, bufs);
	hook_env_next(&old, &e, "destroy", "teredo0", 7, &b, 0, bufs);
	result(!strcmp(e.old_state, "down") && !e.old_address,
	       "hook env: destroy after the last down");
}

static void test_hook_partial(void)
{
	const struct hook_env down = {
		.state = "down", .old_state = "up", .iface = "teredo0",
		.ifindex = 7, .address = "", .lladdress = NULL, .mtu = 0,
		.old_address = "2001:0:c612:1::1",
	};
	char envfile[320];
	int rc;

	write_hook("cat /proc/$$/environ >$D/env\n");
	rc = hook_run(hook, &down, 0);
	result(rc == 0, "hook: exit status 0, no time limit");
	snprintf(envfile, sizeof(envfile), "%s/env", tmpdir);
	check_text("hook: NULL, empty and 0 members left out",
		   env_sorted(envfile),
		   "IFACE=teredo0\nIFINDEX=7\nOLD_ADDRESS=2001:0:c612:1::1\n"
		   "OLD_STATE=up\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
		   "STATE=down\n");
}

static void test_hook_errors(void)
{
	char path[320], want[512];
	int rc;

	snprintf(path, sizeof(path), "%s/nosuch", tmpdir);
	stderr_capture();
	rc = hook_run(path, &up, 1);
	rc |= hook_run("/nonexistent-dir/hook", &up, 1);
	rc |= hook_run(NULL, &up, 1);
	check_text("hook: a missing script logs nothing", stderr_restore(),
		   "");
	result(rc == 0, "hook: a missing script returns 0");

	write_hook("exit 0\n");
	chmod(hook, 0600);
	stderr_capture();
	rc = hook_run(hook, &up, 1);
	snprintf(want, sizeof(want), "teredod: hook %s: Permission denied\n",
		 hook);
	check_text("hook: not executable -> logged", stderr_restore(), want);
	result(rc == -1, "hook: not executable -> -1");

	write_hook("kill -KILL $$\n");
	stderr_capture();
	rc = hook_run(hook, &up, 5);
	snprintf(want, sizeof(want),
		 "teredod: hook %s: killed by signal 9 (Killed)\n", hook);
	check_text("hook: killed by a signal -> logged", stderr_restore(),
		   want);
	result(rc == -1, "hook: killed by a signal -> -1");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* /proc/PID gone, or a zombie, within 2 s */
static bool process_gone(pid_t pid)
{
	char path[64], *stat, *paren;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (i = 0; i < 200; i++) {
		stat = slurp(path, NULL);
		paren = strrchr(stat, ')');
		if (!*stat || (paren && paren[1] == ' ' && paren[2] == 'Z'))
			return true;
		usleep(10000);
	}
	return false;
}

static void test_hook_timeout(void)
{
	char want[512];
	double t0, dt;
	pid_t sleeper;
	int rc;

	write_hook("sleep 30 &\necho $! >$D/sleep.pid\nwait\n");
	stderr_capture();
	t0 = now();
	rc = hook_run(hook, &up, 1);
	dt = now() - t0;
	snprintf(want, sizeof(want),
		 "teredod: hook %s: still running after 1 s, killed\n", hook);
	check_text("hook: timeout -> logged", stderr_restore(), want);
	result(rc == -1 && dt >= 0.9 && dt < 3,
	       "hook: killed after its 1 s timeout, -1");
	if (rc != -1 || dt < 0.9 || dt >= 3)
		detail("status %d after %.2f s", rc, dt);
	sleeper = atoi(tmpfile_text("sleep.pid"));
	result(sleeper > 0 && process_gone(sleeper),
	       "hook: its process group is killed too");
}

/* ---- capabilities ----------------------------------------------------- */

/* the hexadecimal value after @key in @text, or ~0 */
static unsigned long long cap_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : ~0ULL;
}

/*
 * In a child: caps_keep(CAP_NET_ADMIN), then its own /proc/self/status
 * Cap lines as "self Cap...", and those of a program it runs as
 * "exec Cap...", into @out. Returns caps_keep's result (or -2).
 */
static int caps_child(uid_t uid, char *out, size_t size)
{
	int pfd[2], status, len;
	const char *st;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd))
		return -2;
	pid = fork();
	if (!pid) {
		close(pfd[0]);
		if (uid && setuid(uid))
			_exit(2);
		status = caps_keep(1ULL << CAP_NET_ADMIN);
		st = slurp("/proc/self/status", NULL);
		for (; (st = strstr(st, "\nCap")); st++) {
			len = strcspn(st + 1, "\n");
			dprintf(pfd[1], "self %.*s\n", len, st + 1);
		}
		dup2(pfd[1], STDOUT_FILENO);
		execl("/bin/sed", "sed", "-n", "s/^Cap/exec Cap/p",
		      "/proc/self/status", (char *)NULL);
		_exit(status ? 3 : 4);
	}
	close(pfd[1]);
	len = 0;
	while ((n = read(pfd[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return cap_value(out, "self CapEff:") == ~0ULL ? -2 : 0;
}

static void test_caps(void)
{
	const unsigned long long want = 1ULL << CAP_NET_ADMIN;
	unsigned long long bnd0;
	char out[4096];
	bool ok;

	if (geteuid()) {
		result(true, "caps_keep as root # SKIP not root");
		return;
	}
	bnd0 = cap_value(slurp("/proc/self/status", NULL), "CapBnd:");
	ok = !caps_child(0, out, sizeof(out));
	result(ok && cap_value(out, "self CapEff:") == want &&
	       cap_value(out, "self CapPrm:") == want &&
	       cap_value(out, "self CapInh:") == 0,
	       "caps_keep: effective and permitted = CAP_NET_ADMIN only");
	result(ok && cap_value(out, "self CapBnd:") == (want & bnd0),
	       "caps_keep: bounding set = CAP_NET_ADMIN only");
	result(ok && cap_value(out, "exec CapEff:") == (want & bnd0) &&
	       cap_value(out, "exec CapPrm:") == (want & bnd0),
	       "caps_keep: a program run as root gets CAP_NET_ADMIN only");
	if (!ok || cap_value(out, "exec CapEff:") != (want & bnd0))
		for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n"))
			detail("%s", l);
	ok = !caps_child(65534, out, sizeof(out));
	result(ok && cap_value(out, "self CapEff:") == 0 &&
	       cap_value(out, "self CapBnd:") == bnd0,
	       "caps_keep: unprivileged, does nothing");
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_defaults();
	test_syntax();
	test_kinds();
	test_relay_type();
	test_servers();
	test_servers_given();
	test_add_server();
	test_ifname();
	test_bind();
	test_mtu();
	test_hook_facility();
	test_discovery();
	test_on_demand();
	test_upnp();
	test_server_conf();
	test_prefix();
	test_load();
	test_global();
	test_log();
	test_hook_env();
	test_hook_sequence();
	test_hook_partial();
	test_hook_errors();
	test_hook_timeout();
	test_caps();
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	puts("# end of the tests");	/* check.sh: it ran to its end */
	return failed;
}
