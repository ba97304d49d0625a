// SPDX-License-Identifier: GPL-2.0
/*
 * PID files, the client's and the server's: created without following a
 * symbolic link, locked (flock) for the life of the process, so that a
 * second daemon for the same device or server address is refused with
 * the PID of the first, and replaced atomically (a new file, locked and
 * filled, renamed over the path), so that a reader never sees a half
 * written one. A file left by a process that is gone is not locked, and
 * is taken over.
 *
 * Default paths are under TEREDOD_RUN_DIR, with the network namespace in
 * the name when it is not the one of PID 1: a device or an address is
 * unique only within its namespace.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "pidfile.h"

static int lock_fd(const char *path, int fd, char *err, size_t errlen)
{
	char buf[32];
	ssize_t n;
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(err, errlen, "already running (%s: PID %s)", path,
		 buf[0] ? buf : "unknown");
	return -1;
}

/* A new file beside @path with our PID, locked, renamed over @path. */
static int replace(struct pidfile *pf, char *err, size_t errlen)
{
	char tmp[PIDFILE_PATHLEN + 16], num[24];
	int fd, len;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", pf->path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	len = snprintf(num, sizeof(num), "%d\n", (int)getpid());
	if (flock(fd, LOCK_EX | LOCK_NB) || fchmod(fd, 0644) ||
	    write(fd, num, len) != len || rename(tmp, pf->path)) {
		snprintf(err, errlen, "%s: %s", pf->path, strerror(errno));
		unlink(tmp);
		close(fd);
		return -1;
	}
	if (pf->fd >= 0)
		close(pf->fd);
	pf->fd = fd;
	return 0;
}

int pidfile_open(struct pidfile *pf, const char *path, char *err,
		 size_t errlen)
{
	int fd;

	pf->fd = -1;
	if (strlen(path) >= sizeof(pf->path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	snprintf(pf->path, sizeof(pf->path), "%s", path);
	/* our own directory, made if missing (not its parents) */
	if (!strncmp(path, TEREDOD_RUN_DIR "/", strlen(TEREDOD_RUN_DIR) + 1) &&
	    mkdir(TEREDOD_RUN_DIR, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", TEREDOD_RUN_DIR,
			 strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, errno == ELOOP ?
			 "a symbolic link, refused" : strerror(errno));
		return -1;
	}
	if (lock_fd(path, fd, err, errlen)) {
		close(fd);
		return -1;
	}
	pf->fd = fd;
	return replace(pf, err, errlen);
}

int pidfile_update(struct pidfile *pf, char *err, size_t errlen)
{
	if (pf->fd < 0)
		return 0;
	return replace(pf, err, errlen);
}

void pidfile_remove(struct pidfile *pf)
{
	if (pf->fd < 0)
		return;
	unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
}

/* "" in PID 1's network namespace, else "@NAME" (ip netns) or "@net:INO" */
static void netns_tag(char *buf, size_t size)
{
	struct stat self, init, st;
	struct dirent *de;
	char p[300];
	DIR *d;

	buf[0] = '\0';
	if (stat("/proc/self/ns/net", &self))
		return;
	if (!stat("/proc/1/ns/net", &init) && init.st_ino == self.st_ino &&
	    init.st_dev == self.st_dev)
		return;
	snprintf(buf, size, "@net:%llu", (unsigned long long)self.st_ino);
	d = opendir("/run/netns");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/run/netns/%s", de->d_name);
		if (!stat(p, &st) && st.st_ino == self.st_ino &&
		    st.st_dev == self.st_dev) {
			snprintf(buf, size, "@%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

const char *run_path(char *buf, size_t size, const char *name,
		     const char *suffix)
{
	char tag[300];

	netns_tag(tag, sizeof(tag));
	snprintf(buf, size, TEREDOD_RUN_DIR "/%s%s%s", name, tag, suffix);
	return buf;
}
