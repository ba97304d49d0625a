// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify(3) in a few lines (notify.h): systemd's Type=notify units
 * learn from it when the daemon is ready and what it is doing (STATUS=,
 * shown by systemctl status).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

static int notify_fd = -1;

int notify_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = name ? strlen(name) : 0;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* a path needs room for its NUL; an abstract name has none */
	if (n < 2 || (name[0] != '/' && name[0] != '@') ||
	    n >= sizeof(sa->sun_path) + (name[0] == '@')) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = '\0';
	*len = offsetof(struct sockaddr_un, sun_path) + n +
	       (name[0] == '/');
	return (int)*len;
}

int notify_open(void)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	notify_close();
	if (!name)
		return 0;
	if (notify_addr(name, &sa, &len) < 0)
		goto fail;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, len)) {
		int e = errno;

		close(fd);
		errno = e;
		goto fail;
	}
	notify_fd = fd;
	unsetenv("NOTIFY_SOCKET");
	return 0;
fail:
	unsetenv("NOTIFY_SOCKET");
	return -1;
}

void notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}

int notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (notify_fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		errno = EMSGSIZE;
		return -1;
	}
	/* the manager reads whole datagrams; no partial send to retry */
	return send(notify_fd, msg, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}
