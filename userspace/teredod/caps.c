// SPDX-License-Identifier: GPL-2.0
/*
 * Privileges: keep only some capabilities, with the raw capget/capset
 * system calls and prctl (no libcap). The bounding set is reduced too, so
 * a hook run as root gets back only what is kept. No PR_SET_NO_NEW_PRIVS:
 * the hook runs ip, and may run other programs that gain privileges on
 * exec (set-uid or file capabilities).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "caps.h"

#define CAP_BIT(cap)	(1ULL << (cap))

struct cap_sets {
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
};

static int caps_get(struct cap_sets *s)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return -1;
	s->effective = d[0].effective | (uint64_t)d[1].effective << 32;
	s->permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	s->inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(const struct cap_sets *s)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {
		{
			.effective = (uint32_t)s->effective,
			.permitted = (uint32_t)s->permitted,
			.inheritable = (uint32_t)s->inheritable,
		}, {
			.effective = s->effective >> 32,
			.permitted = s->permitted >> 32,
			.inheritable = s->inheritable >> 32,
		},
	};

	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* needs CAP_SETPCAP in the effective set */
static int bounding_drop(uint64_t keep)
{
	int cap, r;

	for (cap = 0; cap < 64; cap++) {
		r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0 && errno == EINVAL)
			break;		/* past the last capability */
		if (r < 0)
			return -1;
		if (r && !(keep & CAP_BIT(cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return -1;
	}
	return 0;
}

int caps_keep(uint64_t keep)
{
	struct cap_sets s;

	if (caps_get(&s))
		return -1;
	if (!s.permitted)
		return 0;	/* not privileged: nothing to drop */
	if (s.permitted & CAP_BIT(CAP_SETPCAP)) {
		s.effective |= CAP_BIT(CAP_SETPCAP);
		if (caps_set(&s) || bounding_drop(keep))
			return -1;
	}
	/* lowering permitted and inheritable lowers the ambient set too */
	s.permitted &= keep;
	s.effective = s.permitted;
	s.inheritable &= keep;
	return caps_set(&s);
}

/* The user to run as: @name, or TEREDOD_USER, else "nobody". */
static struct passwd *find_user(const char *name, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name ? name : TEREDOD_USER);
	if (!pw && !name) {
		errno = 0;
		pw = getpwnam("nobody");
	}
	if (!pw) {
		snprintf(err, errlen, "user %s: %s", name ? name : "nobody",
			 errno ? strerror(errno) : "no such user");
		return NULL;
	}
	if (!pw->pw_uid) {
		snprintf(err, errlen, "user %s: has user ID 0, refused",
			 pw->pw_name);
		return NULL;
	}
	return pw;
}

int privs_drop(const char *user, const char *root, uint64_t keep,
	       char *err, size_t errlen)
{
	struct cap_sets s = { 0 };
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid()) {
		/* not root: no user to leave, only capabilities */
		if (caps_keep(keep)) {
			snprintf(err, errlen, "capabilities: %s",
				 strerror(errno));
			return -1;
		}
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		return 0;
	}
	pw = find_user(user, err, errlen);
	if (!pw)
		return -1;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (root && (chroot(root) || chdir("/"))) {
		snprintf(err, errlen, "chroot %s: %s", root, strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) || setresgid(gid, gid, gid)) {
		snprintf(err, errlen, "group %u: %s", (unsigned int)gid,
			 strerror(errno));
		return -1;
	}
	/* the bounding set first: that needs CAP_SETPCAP, lost below */
	if (caps_get(&s) || ((s.permitted & CAP_BIT(CAP_SETPCAP)) &&
			     bounding_drop(keep))) {
		snprintf(err, errlen, "capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) ||
	    setresuid(uid, uid, uid)) {
		snprintf(err, errlen, "user %u: %s", (unsigned int)uid,
			 strerror(errno));
		return -1;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	s.permitted &= keep;
	s.effective = s.permitted;
	s.inheritable = 0;
	if (caps_set(&s) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, errlen, "capabilities: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int child_isolate(int keep)
{
	static const int sigs[] = {
		SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGPIPE, SIGALRM, SIGCHLD,
	};
	sigset_t none;
	size_t i;

	if (keep != 3 && dup2(keep, 3) != 3)
		return -1;
	/* the helper's socket, netlink, the PID file's lock: not ours */
	if (close_range(4, ~0U, 0))
		return -1;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		return -1;
	return 3;
}
