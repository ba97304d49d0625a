// SPDX-License-Identifier: GPL-2.0
/*
 * teredod: the Teredo helper of the in-kernel Teredo device.
 *
 *	teredod [-j|--json] COMMAND [ARGS]
 *
 * Options before the command are global; a command is looked up in
 * commands[] and gets the rest of the line (its name first).
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
	{ "help", cmd_help, help_usage },
};

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: teredod [-j|--json] COMMAND [ARGS]\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		commands[i].usage(f);
	fputs("Options:\n"
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
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			opts.json = true;
		} else {
			warnx("unknown option \"%s\"", argv[i]);
			return bad_usage();
		}
	}
	/*
	 * The daemon (teredod [-c FILE] [-f]) will take its options and the
	 * no-command case here.
	 */
	if (i == argc) {
		warnx("no command given");
		return bad_usage();
	}

	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].run(argc - i, argv + i, &opts);

	warnx("unknown command \"%s\"", argv[i]);
	return bad_usage();
}
