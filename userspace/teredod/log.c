// SPDX-License-Identifier: GPL-2.0
/*
 * teredod's log: "teredod: message" lines on stderr in the foreground (and
 * before log_open()), syslog as "teredod[PID]" otherwise. Debug messages
 * only with -v. errno is preserved, so "%m" works and callers may log
 * before looking at errno.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static struct {
	bool syslog;
	bool verbose;
} log_state;

void log_open(bool to_stderr, int facility, bool verbose)
{
	log_close();
	log_state.verbose = verbose;
	if (to_stderr)
		return;
	/* connected now: the socket stays usable after a chroot */
	openlog("teredod", LOG_PID | LOG_NDELAY, facility);
	setlogmask(LOG_UPTO(verbose ? LOG_DEBUG : LOG_INFO));
	log_state.syslog = true;
}

void log_set_facility(int facility)
{
	/* no closelog(): the connection is kept (chroot) */
	if (log_state.syslog)
		openlog("teredod", LOG_PID | LOG_NDELAY, facility);
}

void log_warn_str(const char *msg)
{
	log_msg(LOG_WARNING, "%s", msg);
}

void log_close(void)
{
	if (log_state.syslog)
		closelog();
	log_state.syslog = false;
}

void log_msg(int prio, const char *fmt, ...)
{
	int saved = errno;
	char msg[1024];
	va_list ap;
	size_t len;

	if (LOG_PRI(prio) == LOG_DEBUG && !log_state.verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	len = strlen(msg);
	if (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	if (log_state.syslog)
		syslog(LOG_PRI(prio), "%s", msg);
	else
		fprintf(stderr, "teredod: %s\n", msg);
	errno = saved;
}
