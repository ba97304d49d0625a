/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client hook: a script run at every state change with Miredo's
 * environment (miredo(8), client-hook): STATE, OLD_STATE, IFACE, IFINDEX,
 * ADDRESS, LLADDRESS, MTU and OLD_ADDRESS, OLD_LLADDRESS, OLD_MTU.
 */
#ifndef TEREDOD_HOOK_H
#define TEREDOD_HOOK_H

#include <stdbool.h>
#include <sys/types.h>
#include <netinet/in.h>

/* NULL or "" members are left out of the environment. */
struct hook_env {
	const char *state;		/* "up", "down" or "destroy" */
	const char *old_state;
	const char *iface;
	unsigned int ifindex;		/* 0: left out */
	const char *address;
	const char *lladdress;
	unsigned int mtu;		/* 0: left out */
	const char *old_address;
	const char *old_lladdress;
	unsigned int old_mtu;		/* 0: left out */
};

/* What the next run's OLD_* variables say: the last "up", until a "down". */
struct hook_old {
	char state[8];			/* "" at first: "down" */
	bool have;
	struct in6_addr addr;
	unsigned int mtu;
};

/*
 * The environment of a run for @state ("up", "down", "destroy"), as
 * Miredo's privproc makes it: ADDRESS (@addr), LLADDRESS
 * (fe80::ffff:ffff:ffff) and MTU (@mtu, 0: 1280) when up; OLD_STATE,
 * and OLD_ADDRESS, OLD_LLADDRESS, OLD_MTU from @old. Then @old becomes
 * this run's (OLD_* unset after a "down"). The strings are in @bufs.
 */
void hook_env_next(struct hook_old *old, struct hook_env *env,
		   const char *state, const char *iface, unsigned int ifindex,
		   const struct in6_addr *addr, unsigned int mtu,
		   char bufs[4][46]);

/*
 * Run @path with exactly that environment (plus PATH=/usr/sbin:/usr/bin:
 * /sbin:/bin) and no arguments but its name, stdin from /dev/null, and
 * wait for it. A missing @path is not an error (returns 0 silently).
 * Returns its exit status, or -1 (logged) if it could not run or was
 * killed; it is killed after @timeout_s seconds.
 * Its process group is killed then, and 0 means no limit. A non-zero
 * exit status is logged as a warning. Needs SIGCHLD not ignored.
 */
int hook_run(const char *path, const struct hook_env *env,
	     unsigned int timeout_s);

/* A hook started and not waited for (the privileged helper's). */
struct hook_proc {
	pid_t pid;			/* -1: none */
	int pidfd;			/* readable when it exits, or -1 */
	long long deadline;		/* ms (now_ms()); 0: no limit */
	unsigned int timeout_s;
	char path[4096];
};

/*
 * Start @path as hook_run() does, without waiting: 0 (running), 1 when
 * there is no hook (nothing started), -1 (logged) if it could not run.
 */
int hook_start(struct hook_proc *h, const char *path,
	       const struct hook_env *env, unsigned int timeout_s);
/*
 * Reap it if it is done, or kill it (its process group too) if its time
 * is over: 0 when it is gone (its status logged as hook_run() does), 1
 * while it still runs. Poll h->pidfd, or call again before h->deadline.
 */
int hook_poll(struct hook_proc *h);
void hook_close(struct hook_proc *h);

#endif /* TEREDOD_HOOK_H */
