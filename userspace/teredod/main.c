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

#include "teredod.h"
#include "util.h"

static int cmd_help(int argc, char **argv, const struct opts *opts);

static void help_usage(FILE *f)
{
	fputs("  teredod help                    this help\n", f);
}

static const struct command commands[] = {
	{ "show", cmd_show, show_usage },
	{ "server", cmd_server, server_usage },
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
	      "  -p FILE      write the process id to FILE\n"
	      "  -v           log debug messages too\n"
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
		} else if (!strcmp(a, "-c") || !strcmp(a, "-p")) {
			if (i + 1 == argc) {
				warnx("option \"%s\" needs a file name", a);
				return bad_usage();
			}
			if (a[1] == 'c')
				opts.conf = argv[++i];
			else
				opts.pidfile = argv[++i];
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
