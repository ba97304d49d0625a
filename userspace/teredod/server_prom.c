// SPDX-License-Identifier: GPL-2.0
/*
 * "teredod show server --prometheus": the state of a teredod server in the
 * Prometheus text exposition format (0.0.4), for node_exporter's textfile
 * collector; "-o FILE" writes it atomically (a temporary file in FILE's
 * directory, renamed over FILE), so the collector never reads half a file.
 *
 * Made from the control socket's message (server_ctl.c):
 *	stat NAME V	teredod_server_NAME_total, a counter
 *	uptime_ms V	teredod_server_uptime_seconds, a gauge
 *	KEY_shared V	teredod_server_KEY_shared_total, a counter
 *	KEY V (number)	teredod_server_KEY, a gauge (mtu, rate_sources, ...)
 *	KEY V (other)	a label KEY="V" of teredod_server_info, which is 1
 * Every series has the label primary="ADDRESS" (the message's "primary"),
 * so that the files of several servers can be read side by side. A message
 * that would give an invalid exposition (a bad name, a key twice, two keys
 * giving one metric, no primary) is refused and nothing is printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "server.h"
#include "util.h"

#define PROM_PREFIX	"teredod_server_"
#define PROM_MAX	(SRV_STAT_MAX * 2 + 32)
#define PROM_NAME_MAX	96

enum prom_kind { PROM_INFO, PROM_GAUGE, PROM_COUNTER, PROM_MS };

struct prom_entry {
	const char *key;	/* in the message */
	const char *val;
	enum prom_kind kind;
	char name[PROM_NAME_MAX];	/* metric name, PROM_INFO: none */
};

/* a metric or label name of ours: [a-z_][a-z0-9_]* */
static bool prom_name_ok(const char *s)
{
	size_t i;

	if (!*s || (*s >= '0' && *s <= '9') || strlen(s) > 64 ||
	    !strncmp(s, "__", 2))	/* reserved */
		return false;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* a decimal that fits 64 bits, without a sign or spaces */
static bool prom_uint(const char *s, unsigned long long *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

/* a label value: \ " and newline escaped */
static void prom_label(FILE *f, const char *v)
{
	putc('"', f);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			putc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			putc(*v, f);
	}
	putc('"', f);
}

static const char *const prom_types[] = {
	[PROM_INFO]	= "gauge",
	[PROM_GAUGE]	= "gauge",
	[PROM_COUNTER]	= "counter",
	[PROM_MS]	= "gauge",
};

static void prom_head(FILE *f, const char *name, enum prom_kind kind,
		      const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
		prom_types[kind]);
}

static bool prom_end_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && !strcmp(s + n - t, tail);
}

static int prom_print(FILE *f, char *copy)
{
	struct prom_entry e[PROM_MAX];
	const char *primary = NULL;
	char *line, *save = NULL, *key, *val, help[160];
	unsigned long long v;
	size_t n = 0, i, j;
	bool stat;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		key = line;
		val = strchr(line, ' ');
		if (!val || n == PROM_MAX)
			return -1;
		*val++ = '\0';
		stat = !strcmp(key, "stat");
		if (stat) {
			key = val;
			val = strchr(key, ' ');
			if (!val)
				return -1;
			*val++ = '\0';
		}
		if (!prom_name_ok(key))
			return -1;
		e[n].key = key;
		e[n].val = val;
		if (stat && !prom_uint(val, &v))
			return -1;
		if (stat) {
			e[n].kind = PROM_COUNTER;
			snprintf(e[n].name, PROM_NAME_MAX, PROM_PREFIX "%s_total",
				 key);
		} else if (!prom_uint(val, &v)) {
			e[n].kind = PROM_INFO;
			e[n].name[0] = '\0';
			if (!strcmp(key, "primary"))
				primary = val;
		} else if (!strcmp(key, "uptime_ms")) {
			e[n].kind = PROM_MS;
			snprintf(e[n].name, PROM_NAME_MAX,
				 PROM_PREFIX "uptime_seconds");
		} else if (prom_end_with(key, "_shared")) {
			e[n].kind = PROM_COUNTER;
			snprintf(e[n].name, PROM_NAME_MAX, PROM_PREFIX "%s_total",
				 key);
		} else {
			e[n].kind = PROM_GAUGE;
			snprintf(e[n].name, PROM_NAME_MAX, PROM_PREFIX "%s", key);
		}
		/* a key twice, or two keys for one metric (or the info's) */
		for (j = 0; j < n; j++)
			if ((e[j].kind == PROM_INFO && e[n].kind == PROM_INFO &&
			     !strcmp(e[j].key, e[n].key)) ||
			    (e[n].kind != PROM_INFO &&
			     (!strcmp(e[j].name, e[n].name) ||
			      !strcmp(e[n].name, PROM_PREFIX "info"))))
				return -1;
		n++;
	}
	if (!primary)
		return -1;

	prom_head(f, PROM_PREFIX "info", PROM_INFO,
		  "A teredod server (teredod show server): its addresses, always 1.");
	fputs(PROM_PREFIX "info{", f);
	for (i = 0, j = 0; i < n; i++) {
		if (e[i].kind != PROM_INFO)
			continue;
		fprintf(f, "%s%s=", j++ ? "," : "", e[i].key);
		prom_label(f, e[i].val);
	}
	fputs("} 1\n", f);
	for (i = 0; i < n; i++) {
		if (e[i].kind == PROM_INFO)
			continue;
		snprintf(help, sizeof(help), "teredod server: %s%s.",
			 e[i].key, e[i].kind == PROM_MS ? " in seconds" : "");
		prom_head(f, e[i].name, e[i].kind, help);
		fprintf(f, "%s{primary=", e[i].name);
		prom_label(f, primary);
		prom_uint(e[i].val, &v);
		if (e[i].kind == PROM_MS)
			fprintf(f, "} %llu.%03llu\n", v / 1000, v % 1000);
		else
			fprintf(f, "} %llu\n", v);
	}
	return 0;
}

/* Printed only once the whole message is known to be well-formed. */
int srv_ctl_print_prom(FILE *f, const char *msg, size_t len)
{
	char *copy, *out = NULL;
	size_t n = 0;
	FILE *m;
	int rc;

	if (memchr(msg, '\0', len))
		return -1;
	copy = strndup(msg, len);
	if (!copy)
		return -1;
	m = open_memstream(&out, &n);
	if (!m) {
		free(copy);
		return -1;
	}
	rc = prom_print(m, copy);
	if (fclose(m))
		rc = -1;
	if (!rc && fwrite(out, 1, n, f) != n)
		rc = -1;
	free(out);
	free(copy);
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * @buf into @path through a temporary file in its directory, renamed over
 * it: readers see the old file or the new one, whole. Mode 0644.
 */
int write_file_atomic(const char *path, const char *buf, size_t len)
{
	char *tmp;
	int fd, e;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0644) || write_all(fd, buf, len) || fsync(fd)) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd)) {
		e = errno;
		goto fail;
	}
	if (rename(tmp, path)) {
		e = errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}
