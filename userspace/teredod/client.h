/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client daemon: its state (client.c runs the state machine), and the
 * kernel side of it (netdev.c: the device, its control channel over
 * generic netlink, addresses and routes over rtnetlink, the hook), done by
 * the privileged helper (priv.c) once the daemon has left root.
 */
#ifndef TEREDOD_CLIENT_H
#define TEREDOD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <linux/teredo.h>

#include "conf.h"
#include "genl.h"
#include "hook.h"
#include "pidfile.h"
#include "proto.h"
#include "rtnl.h"
#include "upnp.h"
#include "util.h"

#define CLIENT_LL_METRIC	1029	/* Miredo's default route metric */
#define CLIENT_MAX_PROBES	16
#define CLIENT_HOOK_TIMEOUT	30	/* s */

/* What a solicitation in flight is for. */
enum probe_kind {
	PROBE_QUALIFY,		/* first qualification, any server */
	PROBE_REFRESH,		/* maintenance of the current server */
	PROBE_SECONDARY,	/* NAT type: the server's secondary address */
};

struct probe {
	bool used;
	enum probe_kind kind;
	size_t server;			/* index in conf.servers */
	uint32_t dst;			/* where it went, network order */
	uint8_t nonce[TEREDO_NONCE_LEN];
	int64_t sent;			/* ms, monotonic */
	int64_t deadline;
};

/* The hook to run after an update. */
enum hook_state {
	HOOK_NONE,		/* addresses only */
	HOOK_UP,
	HOOK_DOWN,
	HOOK_DESTROY,
	HOOK_RESUMED,		/* none run: an earlier teredod ran "up" */
};

/* Addresses, routes and MTU to set, then the hook to run. */
struct client_update {
	bool up;
	struct in6_addr addr;		/* up: our Teredo address */
	unsigned int mtu;		/* up: the device's MTU, or 0 */
	struct in6_addr old;		/* an address to remove, or :: */
	enum hook_state hook;
};

struct client {
	struct teredod_conf conf;
	const char *conf_path;
	char **servers_arg;		/* server names on the command line */
	int nservers_arg;

	/* the kernel side: the helper's, or ours when not separated */
	struct genl g;			/* requests */
	struct rtnl rt;			/* address and route changes */
	int ifindex;
	struct pidfile pf;		/* locked for the life of the daemon */
	char addr_path[512];		/* the last address, kept for a
					 * restart; "" for none
					 */
	struct hook_old hook_old;	/* the hook's OLD_* values */
	bool discovery_set;		/* LocalDiscovery applied */

	/* the network-facing side */
	bool sep;			/* a helper does the kernel side */
	int priv;			/* the socket to it */
	pid_t priv_pid;
	struct genl ev;			/* control notifications */
	struct rtnl watch;		/* the host's IPv4 changes */

	/* state */
	bool up;
	size_t server;			/* index of the server in use */
	struct in6_addr addr;		/* our Teredo address, when up */
	unsigned int mtu;
	uint32_t mapped_ip;		/* network order */
	uint16_t mapped_port;
	/* the last server and mapping, and its random bits (RFC 5991:
	 * kept while they hold, up or down, across restarts)
	 */
	bool have_prev;
	uint32_t prev_server;
	uint32_t prev_ip;
	uint16_t prev_port;
	uint16_t random_bits;
	enum teredo_nat nat;
	int64_t last_ra;		/* ms: last valid RA from our server */
	int64_t refresh_at;		/* ms: next maintenance check */
	int tries;			/* solicitations of the current round */
	bool fast;			/* short timeouts: the path changed */
	int64_t round_at;		/* ms: next qualification round, or 0 */
	int64_t watch_at;		/* ms: check the mapping (IPv4 change) */
	int64_t ready_at;		/* ms: READY=1 to systemd if not yet */
	/* QualifyOnDemand: no refresh while dormant; woken by the kernel */
	bool dormant;
	bool waking;			/* qualifying again after a wake */
	int64_t idle_at;		/* ms: next look at the idle time */
	int64_t reasserted_at;		/* ms: last "awake" said again */
	struct probe probes[CLIENT_MAX_PROBES];
	/* server names: looked up by a child process (never blocking) */
	pid_t resolver;			/* running, or 0 */
	int resolver_fd;		/* its answers, or -1 */
	int64_t resolve_at;		/* ms: next lookup, or 0 */
	int64_t resolve_backoff;	/* ms, after a failure */
	/* UPnP (RFC 6081 3.2): a port mapping on the gateway (upnp.c) */
	struct upnp upnp;
	bool upnp_wait;			/* qualification waits for it */
	bool upnp_used;			/* our address embeds the mapping */
	bool upnp_refused;		/* not the NAT the server sees */
	bool upnp_realigned;		/* asked for the port the server sees */
	int64_t upnp_at;		/* ms: next renewal or try, or 0 */
	int64_t upnp_until;		/* ms: the lease of the last success */
	uint16_t upnp_want;		/* external port to ask first, or 0 */
	uint16_t local_port;		/* the device's bound port, host */
	uint32_t local_ip;		/* its bound address, network order */
	/* refusals of unmatched answers, logged at most once a second */
	int64_t refused_at;
	unsigned long refused;
};

/* Read and handle every pending control notification (the servers'
 * answers); the poll loop's, exposed for userspace/fuzz.
 */
void client_control_drain(struct client *c);

/* netdev.c: the device, opened as root */
int client_dev_open(struct client *c);
void client_dev_close(struct client *c);

/* What the daemon asks of the kernel: through the helper when c->sep. */
int client_solicit(struct client *c, uint32_t dst,
		   const uint8_t nonce[TEREDO_NONCE_LEN]);
int client_set_state(struct client *c, const struct in6_addr *addr,
		     enum teredo_nat nat);
/* Qualified with @addr but dormant (QualifyOnDemand): nothing is sent
 * until the host sends and teredod qualifies again.
 */
int client_set_dormant(struct client *c, const struct in6_addr *addr,
		       enum teredo_nat nat);
/* The kernel's view: qualified address (or all-zero), server age in ms
 * (-1: never heard).
 */
int client_get_state(struct client *c, struct in6_addr *addr,
		     int64_t *server_age);
/* ms since the host last sent through the device; dormant or not */
int client_get_idle(struct client *c, int64_t *idle_ms, bool *dormant);
/* Addresses, routes, MTU and the hook (not waited for by the helper). */
int client_update(struct client *c, const struct client_update *u);

/*
 * Read one control notification for our device: fills src, port (network
 * order), buf/len. Returns 1 if one was read, CLIENT_WAKE if the kernel
 * asks a dormant client to qualify again, 0 if none is pending, or a
 * negative errno.
 */
#define CLIENT_WAKE	2
int client_read_control(struct client *c, uint32_t *src, uint16_t *port,
			uint8_t *buf, size_t *len);

/* The kernel side itself (netdev.c), for the helper. */
int kdev_solicit(struct client *c, uint32_t dst,
		 const uint8_t nonce[TEREDO_NONCE_LEN]);
int kdev_set_state(struct client *c, const struct in6_addr *addr,
		   enum teredo_nat nat, bool dormant);
int kdev_get_state(struct client *c, struct in6_addr *addr,
		   int64_t *server_age);
int kdev_get_idle(struct client *c, int64_t *idle_ms, bool *dormant);
/* addresses, routes and MTU of @u */
int kdev_apply(struct client *c, const struct client_update *u);
/* the hook's environment for @u; updates the OLD_* values */
void kdev_hook_env(struct client *c, const struct client_update *u,
		   struct hook_env *env, char bufs[4][46]);
/* the last address, for a restart (addr_path) */
void kdev_save_addr(struct client *c, const struct in6_addr *addr);
bool kdev_load_addr(const char *path, struct in6_addr *addr);

/* priv.c: fork the helper (root, CAP_NET_ADMIN only); the caller keeps
 * c->priv. 0 or -1.
 */
int priv_start(struct client *c);
/* Ask the helper to finish (its queued hooks too) and wait for it. */
void priv_stop(struct client *c);
/* A request to the helper and its answer (priv.c). */
struct priv_msg;
struct priv_reply;
int priv_call(struct client *c, const struct priv_msg *m,
	      struct priv_reply *r);

#endif /* TEREDOD_CLIENT_H */
