/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Privileges: keep only the capabilities teredod needs.
 */
#ifndef TEREDOD_CAPS_H
#define TEREDOD_CAPS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Drop every capability but those in @keep (a mask of 1ULL << CAP_*), from
 * the effective, permitted, inheritable and bounding sets, so that neither
 * teredod nor what it runs (the hook) can get them back. Returns 0 or -1
 * with errno set. Does nothing (returns 0) when not privileged.
 */
int caps_keep(uint64_t keep);

/* the user teredod's network-facing processes run as, if it exists */
#define TEREDOD_USER	"teredod"

/*
 * Leave root for good: chroot to @root (NULL: none), become @user (NULL:
 * TEREDOD_USER, or "nobody" if there is no such user; a user with ID 0 is
 * refused) with no supplementary group, keep only the capabilities in
 * @keep (bounding set too), and set no_new_privs. Not root: only the
 * capabilities and no_new_privs. 0, or -1 with the reason in @err.
 */
int privs_drop(const char *user, const char *root, uint64_t keep,
	       char *err, size_t errlen);

/*
 * In a child that talks to the network (the resolver, the UPnP child):
 * nothing of the daemon's but @keep, which becomes fd 3 (stdin, stdout and
 * stderr stay), default signal handlers, none blocked, and killed with its
 * parent. Returns 3, or -1.
 */
int child_isolate(int keep);

#endif /* TEREDOD_CAPS_H */
