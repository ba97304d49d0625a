/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PID files: created safely, locked while the daemon runs (a second one
 * for the same device or address is refused), replaced atomically.
 */
#ifndef TEREDOD_PIDFILE_H
#define TEREDOD_PIDFILE_H

#include <stddef.h>

/* root-owned, 0755: the PID files and the servers' control sockets */
#define TEREDOD_RUN_DIR		"/run/teredod"
#define PIDFILE_PATHLEN		512

struct pidfile {
	char path[PIDFILE_PATHLEN];
	int fd;			/* the locked file, or -1: none */
};

/*
 * Create and lock @path (no symbolic link followed; TEREDOD_RUN_DIR made
 * if @path is in it and it is missing) and write our PID in it. 0, or -1
 * with the reason in @err: "already running (PATH: PID N)" when another
 * process holds it.
 */
int pidfile_open(struct pidfile *pf, const char *path, char *err,
		 size_t errlen);
/* Write our PID again (after daemon(): the lock is inherited). */
int pidfile_update(struct pidfile *pf, char *err, size_t errlen);
/* Unlink and unlock (needs write access to the directory). */
void pidfile_remove(struct pidfile *pf);

/*
 * TEREDOD_RUN_DIR/NAME[@NETNS]SUFFIX: NETNS, the network namespace's name
 * from /run/netns (or net:INODE), only outside PID 1's namespace.
 */
const char *run_path(char *buf, size_t size, const char *name,
		     const char *suffix);

#endif /* TEREDOD_PIDFILE_H */
