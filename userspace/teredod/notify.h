/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The service manager's notification protocol (sd_notify(3)) without
 * libsystemd: "KEY=VALUE" lines in one datagram to the AF_UNIX socket
 * named by $NOTIFY_SOCKET.
 */
#ifndef TEREDOD_NOTIFY_H
#define TEREDOD_NOTIFY_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/*
 * The socket address of $NOTIFY_SOCKET's value @name: an absolute path,
 * or an abstract name when it starts with '@'. Returns its length, or -1
 * (EINVAL) if @name is neither or too long.
 */
int notify_addr(const char *name, struct sockaddr_un *sa, socklen_t *len);

/*
 * Connect to $NOTIFY_SOCKET, if set, and remove it from the environment
 * (hooks and other children do not speak for the daemon). Connected at
 * start, it keeps working after a chroot and without privilege. Returns
 * 0 (also when there is no $NOTIFY_SOCKET) or -1 with errno.
 */
int notify_open(void);
void notify_close(void);

/*
 * Send one message ("READY=1\nSTATUS=..."), printf-style. Returns 0 if
 * sent or if there is no service manager to tell, -1 with errno.
 */
int notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* TEREDOD_NOTIFY_H */
