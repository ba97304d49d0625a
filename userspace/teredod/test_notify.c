// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of notify.c: $NOTIFY_SOCKET's values (paths, abstract
 * names, what is refused), and the datagrams a listener receives on a
 * path socket and an abstract one, as systemd would. Prints "ok DESC" or
 * "not ok DESC" a line (check.sh numbers them as TAP); exits 1 if any
 * failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "notify.h"
#include "test_lib.h"

#define SUN_OFF	offsetof(struct sockaddr_un, sun_path)

static void test_addr(void)
{
	char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	struct sockaddr_un sa;
	socklen_t len = 0;
	int r;

	r = notify_addr("/run/systemd/notify", &sa, &len);
	result(r == (int)(SUN_OFF + 20) && len == SUN_OFF + 20 &&
	       sa.sun_family == AF_UNIX &&
	       !strcmp(sa.sun_path, "/run/systemd/notify"),
	       "notify_addr: a path, with its NUL (length %d)", r);
	r = notify_addr("@sd/notify", &sa, &len);
	result(r == (int)(SUN_OFF + 10) && len == SUN_OFF + 10 &&
	       !sa.sun_path[0] && !memcmp(sa.sun_path + 1, "sd/notify", 9),
	       "notify_addr: '@' is an abstract name, no NUL (length %d)", r);

	/* the longest of each: 107 characters and a NUL, '@' and 107 */
	memset(name, 'a', sizeof(name));
	name[0] = '/';
	name[sizeof(sa.sun_path) - 1] = '\0';
	result(notify_addr(name, &sa, &len) == (int)(SUN_OFF + 108),
	       "notify_addr: a path of 107 characters fits");
	name[sizeof(sa.sun_path) - 1] = 'a';
	name[sizeof(sa.sun_path)] = '\0';
	errno = 0;
	result(notify_addr(name, &sa, &len) == -1 && errno == EINVAL,
	       "notify_addr: a path of 108 characters is refused");
	name[0] = '@';
	result(notify_addr(name, &sa, &len) == (int)(SUN_OFF + 108),
	       "notify_addr: an abstract name of 107 characters fits");
	name[sizeof(sa.sun_path)] = 'a';
	name[sizeof(sa.sun_path) + 1] = '\0';
	result(notify_addr(name, &sa, &len) == -1,
	       "notify_addr: an abstract name of 108 characters is refused");

	result(notify_addr("run/notify", &sa, &len) == -1 && errno == EINVAL,
	       "notify_addr: a relative path is refused");
	result(notify_addr("", &sa, &len) == -1 &&
	       notify_addr("@", &sa, &len) == -1 &&
	       notify_addr(NULL, &sa, &len) == -1,
	       "notify_addr: empty, a lone '@' and none are refused");
}

/* A listener as systemd's: a datagram socket bound to @name. */
static int listener(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd;

	if (notify_addr(name, &sa, &len) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The one datagram waiting on @fd is @want, and nothing after it. */
static void expect(int fd, const char *want, const char *kind,
		   const char *desc)
{
	char buf[1024];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	result(n == (ssize_t)strlen(want) && !strcmp(buf, want) &&
	       recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 &&
	       errno == EAGAIN, "%s: %s", kind, desc);
	if (n < 0 || strcmp(buf, want))
		printf("#   got:  \"%s\" (%zd)\n#   want: \"%s\"\n", buf, n,
		       want);
}

static void test_send(const char *name, const char *kind)
{
	int fd = listener(name), r;

	if (fd < 0) {
		result(false, "%s: listener %s: %s", kind, name,
		       strerror(errno));
		return;
	}
	setenv("NOTIFY_SOCKET", name, 1);
	r = notify_open();
	result(r == 0 && !getenv("NOTIFY_SOCKET"),
	       "%s: connected, $NOTIFY_SOCKET removed for children", kind);
	r = notify("READY=1\nSTATUS=Teredo address %s", "2001:0:c612::1");
	result(r == 0, "%s: notify() returns 0", kind);
	expect(fd, "READY=1\nSTATUS=Teredo address 2001:0:c612::1",
	       kind, "the listener gets the message whole, in one datagram");
	r = notify("STATUS=%s", "not qualified");
	expect(fd, r ? "(notify failed)" : "STATUS=not qualified", kind,
	       "then a second message, alone");
	notify_close();
	r = notify("STATUS=after close");
	result(r == 0, "%s: after notify_close(), nothing to tell", kind);
	close(fd);
}

static void test_paths(void)
{
	char dir[] = "/tmp/test_notify.XXXXXX", path[64], abs[64];
	char big[600];
	int fd, r;

	if (!mkdtemp(dir)) {
		result(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	test_send(path, "path socket");
	unlink(path);

	snprintf(abs, sizeof(abs), "@teredod-test-notify/%d", (int)getpid());
	test_send(abs, "abstract socket");

	/* nobody listens: an error, and nothing sent later */
	setenv("NOTIFY_SOCKET", path, 1);
	errno = 0;
	r = notify_open();
	result(r == -1 && errno == ENOENT && !getenv("NOTIFY_SOCKET") &&
	       notify("READY=1") == 0,
	       "no listener: notify_open() fails (ENOENT), notify() is a no-op");
	setenv("NOTIFY_SOCKET", "notify", 1);
	errno = 0;
	r = notify_open();
	result(r == -1 && errno == EINVAL && !getenv("NOTIFY_SOCKET"),
	       "a relative $NOTIFY_SOCKET: EINVAL, removed");
	unsetenv("NOTIFY_SOCKET");
	result(notify_open() == 0 && notify("READY=1") == 0,
	       "no $NOTIFY_SOCKET: no service manager, nothing to do");

	/* a message too long is refused whole, never cut */
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	notify_open();
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	errno = 0;
	r = notify("STATUS=%s", big);
	result(r == -1 && errno == EMSGSIZE &&
	       recv(fd, big, sizeof(big), MSG_DONTWAIT) < 0,
	       "a message over 511 bytes: EMSGSIZE, nothing sent");
	notify_close();
	if (fd >= 0)
		close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_addr();
	test_paths();
	puts("# end of the tests");	/* check.sh: it ran to its end */
	return failed;
}
