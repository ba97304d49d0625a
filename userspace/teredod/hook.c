// SPDX-License-Identifier: GPL-2.0
/*
 * The client hook, run as Miredo runs its client-hook: a fresh environment
 * made of the hook's variables and PATH only, no arguments, stdin from
 * /dev/null, stdout and stderr inherited, no other descriptor, default
 * signal dispositions and an empty signal mask. It runs in a process group
 * of its own, killed as a whole on timeout, so that a terminal's ^C reaches
 * teredod alone and a hung hook takes no child along with it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include "hook.h"
#include "log.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

#define HOOK_PATH	"/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_MAXVARS	11
#define HOOK_VARLEN	256
#define HOOK_MAXFD	65536

struct env_buf {
	char *vars[HOOK_MAXVARS + 1];
	char text[HOOK_MAXVARS][HOOK_VARLEN];
	size_t n;
};

/* NAME=value, left out when @value is NULL or empty; -1 if too long */
static int env_add(struct env_buf *b, const char *name, const char *value)
{
	char *var = b->text[b->n];
	int len;

	if (!value || !*value)
		return 0;
	len = snprintf(var, HOOK_VARLEN, "%s=%s", name, value);
	if (len < 0 || len >= HOOK_VARLEN)
		return -1;
	b->vars[b->n++] = var;
	b->vars[b->n] = NULL;
	return 0;
}

static int env_add_uint(struct env_buf *b, const char *name,
			unsigned int value)
{
	char num[16];

	if (!value)
		return 0;
	snprintf(num, sizeof(num), "%u", value);
	return env_add(b, name, num);
}

static int env_build(struct env_buf *b, const struct hook_env *e)
{
	b->n = 0;
	return env_add(b, "PATH", HOOK_PATH) ||
	       env_add(b, "STATE", e->state) ||
	       env_add(b, "OLD_STATE", e->old_state) ||
	       env_add(b, "IFACE", e->iface) ||
	       env_add_uint(b, "IFINDEX", e->ifindex) ||
	       env_add(b, "ADDRESS", e->address) ||
	       env_add(b, "LLADDRESS", e->lladdress) ||
	       env_add_uint(b, "MTU", e->mtu) ||
	       env_add(b, "OLD_ADDRESS", e->old_address) ||
	       env_add(b, "OLD_LLADDRESS", e->old_lladdress) ||
	       env_add_uint(b, "OLD_MTU", e->old_mtu) ? -1 : 0;
}

void hook_env_next(struct hook_old *old, struct hook_env *env,
		   const char *state, const char *iface, unsigned int ifindex,
		   const struct in6_addr *addr, unsigned int mtu,
		   char bufs[4][46])
{
	static const struct in6_addr ll = { { {
		0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	} } };
	bool up = !strcmp(state, "up");

	memset(env, 0, sizeof(*env));
	env->state = state;
	snprintf(bufs[3], 46, "%s", old->state[0] ? old->state : "down");
	env->old_state = bufs[3];
	env->iface = iface;
	env->ifindex = ifindex;
	inet_ntop(AF_INET6, &ll, bufs[2], 46);
	if (up) {
		env->address = inet_ntop(AF_INET6, addr, bufs[0], 46);
		env->lladdress = bufs[2];
		env->mtu = mtu ? mtu : 1280;
	}
	if (old->have) {
		env->old_address = inet_ntop(AF_INET6, &old->addr, bufs[1], 46);
		env->old_lladdress = bufs[2];
		env->old_mtu = old->mtu;
	}
	snprintf(old->state, sizeof(old->state), "%s", state);
	old->have = up;
	if (up) {
		old->addr = *addr;
		old->mtu = env->mtu;
	}
}

/* in the child: async-signal-safe calls only */
static void close_fds(int maxfd, int keep)
{
	int fd;

#ifdef SYS_close_range
	if (!syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC))
		return;
#endif
	for (fd = 3; fd < maxfd; fd++)
		if (fd != keep)
			close(fd);
}

static void reset_signals(void)
{
	/* the kernel's struct sigaction, for the signals glibc reserves */
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask;
	} dfl = { .handler = SIG_DFL };
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (signal(sig, SIG_DFL) == SIG_ERR && sig >= 32 &&
		    sig < SIGRTMIN)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL,
				sizeof(dfl.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* in the child: exec @path, or report errno on @errfd (close-on-exec) */
static void __attribute__((noreturn))
child(const char *path, char *const envp[], int errfd, int maxfd)
{
	char *const argv[] = { (char *)path, NULL };
	int fd, e;

	setpgid(0, 0);
	reset_signals();
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && dup2(fd, STDIN_FILENO) == STDIN_FILENO) {
		close_fds(maxfd, errfd);
		execve(path, argv, envp);
	}
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0)
		e = 0;
	_exit(127);
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* wait until @pidfd is readable (the child exited), or @ms at most */
static void pause_ms(int pidfd, long long ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	struct timespec ts = { 0, 10 * 1000000 };

	if (pidfd >= 0) {
		poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms);
		return;
	}
	if (ms < 10)
		ts.tv_nsec = ms * 1000000;
	nanosleep(&ts, NULL);
}

static pid_t waitpid_eintr(pid_t pid, int *status, int flags)
{
	pid_t r;

	do {
		r = waitpid(pid, status, flags);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* Kill a hook that outlived its time, its process group with it. */
static void kill_hook(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
}

/* 0: reaped; 1: timed out, killed and reaped; -1: waitpid failed */
static int wait_child(pid_t pid, int pidfd, long long deadline, int *status)
{
	bool killed = false;
	long long left;
	pid_t r;

	for (;;) {
		r = waitpid_eintr(pid, status, deadline ? WNOHANG : 0);
		if (r)
			break;
		left = deadline - now_ms();
		if (left <= 0) {
			kill_hook(pid);
			killed = true;
			r = waitpid_eintr(pid, status, 0);
			break;
		}
		pause_ms(pidfd, left);
	}
	if (r < 0)
		return -1;
	return killed && WIFSIGNALED(*status);
}

/* the errno the child reported before it could exec, or 0 */
static int exec_error(int fd)
{
	ssize_t n;
	int e;

	do {
		n = read(fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(fd);
	return n == sizeof(e) ? e : 0;
}

static int report(const char *path, int rc, int status, unsigned int timeout_s)
{
	if (rc < 0) {
		log_err("hook %s: waiting for it: %m", path);
		return -1;
	}
	if (rc > 0) {
		log_err("hook %s: still running after %u s, killed", path,
			timeout_s);
		return -1;
	}
	if (WIFSIGNALED(status)) {
		log_err("hook %s: killed by signal %d (%s)", path,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
		return -1;
	}
	if (WEXITSTATUS(status))
		log_warn("hook %s: exit status %d", path, WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

static int max_fd(void)
{
	long n = sysconf(_SC_OPEN_MAX);

	return n < 0 || n > HOOK_MAXFD ? HOOK_MAXFD : (int)n;
}

int hook_start(struct hook_proc *h, const char *path,
	       const struct hook_env *env, unsigned int timeout_s)
{
	int pfd[2], e, maxfd = max_fd();
	struct env_buf envb;
	struct stat st;
	pid_t pid;

	memset(h, 0, sizeof(*h));
	h->pid = -1;
	h->pidfd = -1;
	if (!path || !*path ||
	    (stat(path, &st) && (errno == ENOENT || errno == ENOTDIR)))
		return 1;
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->timeout_s = timeout_s;
	if (env_build(&envb, env)) {
		log_err("hook %s: a variable is too long", path);
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		log_err("hook %s: pipe: %m", path);
		return -1;
	}
	pid = fork();
	if (!pid)
		child(path, envb.vars, pfd[1], maxfd);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		log_err("hook %s: fork: %m", path);
		return -1;
	}
	h->pid = pid;
	h->deadline = timeout_s ? now_ms() + timeout_s * 1000LL : 0;
	h->pidfd = timeout_s ? pidfd_of(pid) : -1;
	/* the child is gone from exec (close-on-exec) in no time */
	e = exec_error(pfd[0]);
	if (e) {
		int status;

		waitpid_eintr(pid, &status, 0);
		hook_close(h);
		log_err("hook %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

int hook_poll(struct hook_proc *h)
{
	int status = 0, rc = 0;
	pid_t r;

	if (h->pid < 0)
		return -1;
	r = waitpid_eintr(h->pid, &status, WNOHANG);
	if (!r && h->deadline && now_ms() >= h->deadline) {
		kill_hook(h->pid);
		r = waitpid_eintr(h->pid, &status, 0);
		rc = r > 0 && WIFSIGNALED(status);
	}
	if (!r)
		return 1;
	report(h->path, r < 0 ? -1 : rc, status, h->timeout_s);
	hook_close(h);
	return 0;
}

void hook_close(struct hook_proc *h)
{
	if (h->pidfd >= 0)
		close(h->pidfd);
	h->pidfd = -1;
	h->pid = -1;
}

int hook_run(const char *path, const struct hook_env *env,
	     unsigned int timeout_s)
{
	struct hook_proc h;
	int status = 0, rc;

	rc = hook_start(&h, path, env, timeout_s);
	if (rc)
		return rc > 0 ? 0 : -1;
	rc = wait_child(h.pid, h.pidfd, h.deadline, &status);
	hook_close(&h);
	return report(path, rc, status, timeout_s);
}
