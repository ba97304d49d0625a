// SPDX-License-Identifier: GPL-2.0
/*
 * teredod: the Teredo helper of the in-kernel Teredo device.
 *
 *	teredod [OPTIONS] [SERVER...]		the client daemon
 *	teredod [OPTIONS] COMMAND [ARGS]	show, server, help
 *
 * Options before the command are global; a command is looked up in
 * commands[] and gets the rest of the line (its name first). Anything else
 * is the name of a Teredo server for the client daemon, as with miredo(8).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "conf.h"
#include "pidfile.h"
#include "teredod.h"
#include "util.h"

static int cmd_help(int argc, char **argv, const struct opts *opts);

void checkconf_usage(FILE *f)
{
	fputs("  teredod checkconf [-c FILE] [--server] [FILE]\n"
	      "                                  check a configuration, as miredo-checkconf\n",
	      f);
}

/*
 * As miredo-checkconf: every problem on stderr; exit status 1 if a line
 * is wrong or ignored (the daemon would run, with warnings), 0 if the
 * whole file is used. Host names are not looked up (the daemon retries
 * them; Miredo 1.3's checkconf does not look them up either).
 */
int cmd_checkconf(int argc, char **argv, const struct opts *opts)
{
	enum conf_kind kind = CONF_CLIENT;
	const char *path = opts->conf;
	char err[TEREDOD_ERRLEN];
	struct teredod_conf c;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--server")) {
			kind = CONF_SERVER;
		} else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			path = argv[++i];
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			warnx("checkconf: unexpected argument \"%s\"", argv[i]);
			checkconf_usage(stderr);
			return 2;
		}
	}
	if (!path)
		path = kind == CONF_SERVER ? TEREDOD_CONF_SERVER :
					     TEREDOD_CONF_CLIENT;
	conf_defaults(&c, kind);
	c.no_resolve = true;
	conf_set_warn(conf_warn_stderr);
	if (conf_load(&c, path, false, err, sizeof(err))) {
		warnx("%s", err);
		return 1;
	}
	if (c.warnings) {
		warnx("%s: %u line%s ignored", path, c.warnings,
		      c.warnings > 1 ? "s" : "");
		return 1;
	}
	return 0;
}

static void help_usage(FILE *f)
{
	fputs("  teredod help                    this help\n", f);
}

static const struct command commands[] = {
	{ "show", cmd_show, show_usage },
	{ "server", cmd_server, server_usage },
	{ "checkconf", cmd_checkconf, checkconf_usage },
	{ "help", cmd_help, help_usage },
};

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: teredod [OPTIONS] [SERVER...]\n"
	      "       teredod [OPTIONS] COMMAND [ARGS]\n", f);
	client_usage(f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		commands[i].usage(f);
	fputs("Options:\n"
	      "  -c FILE      configuration file\n"
	      "  -f           stay in the foreground, log to stderr\n"
	      "  -p FILE      PID file (default " TEREDOD_RUN_DIR "/DEV.pid)\n"
	      "  -u USER      run as USER after start-up (default " TEREDOD_USER ",\n"
	      "               or nobody if there is no such user)\n"
	      "  -t DIR       chroot to DIR after start-up (server)\n"
	      "  -v           log debug messages too\n"
	      "  -V           print the version\n"
	      "  -j, --json   print JSON (also after the command)\n"
	      "  -h, --help   print this help\n"
	      "DEV defaults to " TEREDOD_DEFAULT_DEV ".\n", f);
}

static int cmd_help(int argc, char **argv, const struct opts *opts)
{
	(void)argc;
	(void)argv;
	(void)opts;
	usage(stdout);
	return 0;
}

static int bad_usage(void)
{
	fputs("Try 'teredod --help'.\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct opts opts = { .json = false };
	size_t c;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			opts.json = true;
		} else if (!strcmp(a, "-f")) {
			opts.foreground = true;
		} else if (!strcmp(a, "-v")) {
			opts.verbose = true;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			puts("teredod " TEREDOD_VERSION);
			return 0;
		} else if (!strcmp(a, "-c") || !strcmp(a, "-p") ||
			   !strcmp(a, "-u") || !strcmp(a, "-t")) {
			if (i + 1 == argc || !argv[i + 1][0]) {
				warnx("option \"%s\" needs a value", a);
				return bad_usage();
			}
			if (a[1] == 'c')
				opts.conf = argv[++i];
			else if (a[1] == 'p')
				opts.pidfile = argv[++i];
			else if (a[1] == 'u')
				opts.user = argv[++i];
			else
				opts.chroot = argv[++i];
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			warnx("unknown option \"%s\"", a);
			return bad_usage();
		}
	}

	if (i < argc)
		for (c = 0; c < ARRAY_SIZE(commands); c++)
			if (!strcmp(argv[i], commands[c].name))
				return commands[c].run(argc - i, argv + i,
						       &opts);

	/* the client daemon, with the server names given, if any */
	return cmd_client(argc - i, argv + i, &opts);
}
