// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: what "teredod show server" makes of the message it
 * reads from the server's control socket, srv_ctl_print() (server_ctl.c).
 * The socket is an abstract unix name any local user of the namespace
 * could bind before the server does, so the message is not trusted.
 *
 * The input is the message, printed as text, as JSON and in the
 * Prometheus text format (srv_ctl_print_prom(), server_prom.c). Checked: a
 * message refused prints nothing (the caller says "malformed answer"),
 * JSON output is one valid JSON object (RFC 8259), and Prometheus output
 * is "# HELP"/"# TYPE" lines and samples NAME{LABELS} VALUE, each name
 * once, every label value closed.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define check(x)	((x) ? (void)0 : fail(#x, __LINE__))

static void fail(const char *what, int line)
{
	fprintf(stderr, "fuzz_ctl.c:%d: invariant violated: %s\n", line,
		what);
	abort();
}

/* A JSON validator, enough for what srv_ctl_print() writes. */
static const char *value(const char *p, int depth);

static const char *ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *string(const char *p)
{
	const unsigned char *s = (const unsigned char *)p;
	int i;

	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		if (*s < 0x20)
			return NULL;
		if (*s++ != '\\')
			continue;
		if (*s == 'u') {
			for (i = 1; i <= 4; i++)
				if (!strchr("0123456789abcdefABCDEF", s[i]) ||
				    !s[i])
					return NULL;
			s += 5;
		} else if (*s && strchr("\"\\/bfnrt", *s)) {
			s++;
		} else {
			return NULL;
		}
	}
	return (const char *)s + 1;
}

static const char *number(const char *p)
{
	const char *s = p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return NULL;
	return s;	/* srv_ctl_print() writes integers only */
}

static const char *object(const char *p, int depth)
{
	if (*p++ != '{')
		return NULL;
	p = ws(p);
	if (*p == '}')
		return p + 1;
	for (;;) {
		p = string(ws(p));
		if (!p)
			return NULL;
		p = ws(p);
		if (*p++ != ':')
			return NULL;
		p = value(ws(p), depth + 1);
		if (!p)
			return NULL;
		p = ws(p);
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *value(const char *p, int depth)
{
	if (depth > 8)
		return NULL;
	if (*p == '{')
		return object(p, depth);
	if (*p == '"')
		return string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	return number(p);
}

/* One sample line: teredod_server_NAME{a="..",b=".."} DIGITS[.DIGITS] */
static bool prom_sample(const char *p)
{
	if (strncmp(p, "teredod_server_", 15))
		return false;
	p += strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
	if (*p++ != '{')
		return false;
	for (;;) {
		if (!*p || !strchr("abcdefghijklmnopqrstuvwxyz_", *p))
			return false;
		p += strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (*p++ != '=' || *p++ != '"')
			return false;
		while (*p != '"') {
			if (!*p || *p == '\n')
				return false;
			if (*p == '\\' && (!*++p || !strchr("\\\"n", *p)))
				return false;
			p++;
		}
		p++;
		if (*p == '}')
			break;
		if (*p++ != ',')
			return false;
	}
	if (*++p != ' ' || *++p < '0' || *p > '9')
		return false;
	p += strspn(p, "0123456789");
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return false;
		p += strspn(p, "0123456789");
	}
	return !*p;
}

static void prom_check(char *out)
{
	char *line, *save = NULL, *names[512], *sp;
	size_t n = 0, i;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7))
			continue;
		check(prom_sample(line));
		sp = strchr(line, '{');
		*sp = '\0';
		for (i = 0; i < n; i++)
			check(strcmp(names[i], line));
		check(n < 512);
		names[n++] = line;
	}
}

static void print_prom(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&out, &len);
	if (!f)
		abort();
	rc = srv_ctl_print_prom(f, (const char *)data, size);
	if (fclose(f))
		abort();
	check(rc == 0 || rc == -1);
	if (rc) {
		check(len == 0);
	} else {
		check(strlen(out) == len && len && out[len - 1] == '\n');
		prom_check(out);
	}
	free(out);
}

static void print(const uint8_t *data, size_t size, bool json)
{
	char *out = NULL;
	size_t len = 0;
	const char *end;
	FILE *f;
	int rc;

	f = open_memstream(&out, &len);
	if (!f)
		abort();
	rc = srv_ctl_print(f, (const char *)data, size, json);
	if (fclose(f))
		abort();
	check(rc == 0 || rc == -1);
	if (rc) {
		check(len == 0);	/* nothing printed */
	} else if (json) {
		check(strlen(out) == len);
		end = object(out, 0);
		check(end && !strcmp(end, "\n"));
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	print(data, size, false);
	print(data, size, true);
	print_prom(data, size);
	return 0;
}
