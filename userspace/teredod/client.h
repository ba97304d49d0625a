/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The client daemon: its state (client.c runs the state machine), and the
 * kernel side of it (netdev.c: the device, its control channel over
 * generic netlink, addresses and routes over rtnetlink, the hook).
 */
#ifndef TEREDOD_CLIENT_H
#define TEREDOD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/teredo.h>

#include "conf.h"
#include "genl.h"
#include "proto.h"
#include "rtnl.h"
#include "util.h"

#define CLIENT_LL_METRIC	1029	/* Miredo's default route metric */
#define CLIENT_MAX_PROBES	16

/* What a solicitation in flight is for. */
enum probe_kind {
	PROBE_QUALIFY,		/* first qualification, any server */
	PROBE_REFRESH,		/* maintenance of the current server */
	PROBE_CONE,		/* cone test: answer from the other address */
	PROBE_SECONDARY,	/* symmetric test: secondary address */
};

struct probe {
	bool used;
	enum probe_kind kind;
	size_t server;			/* index in conf.servers */
	uint32_t dst;			/* where it went, network order */
	bool cone;			/* cone link-local source */
	uint8_t nonce[TEREDO_NONCE_LEN];
	int64_t sent;			/* ms, monotonic */
	int64_t deadline;
};

struct client {
	struct teredod_conf conf;
	const char *conf_path;
	char **servers_arg;		/* server names on the command line */
	int nservers_arg;

	struct genl g;			/* requests */
	struct genl ev;			/* control notifications */
	struct rtnl rt;			/* address and route changes */
	struct rtnl watch;		/* the host's IPv4 changes */
	int ifindex;

	/* state */
	bool up;
	size_t server;			/* index of the server in use */
	struct in6_addr addr;		/* our Teredo address, when up */
	unsigned int mtu;
	uint32_t mapped_ip;		/* network order */
	uint16_t mapped_port;
	uint16_t random_bits;		/* kept while the mapping holds */
	enum teredo_nat nat;
	int64_t last_ra;		/* ms: last valid RA from our server */
	int64_t refresh_at;		/* ms: next maintenance check */
	int tries;			/* solicitations of the current round */
	bool fast;			/* short timeouts: the path changed */
	int64_t round_at;		/* ms: next qualification round, or 0 */
	int64_t watch_at;		/* ms: check the mapping (IPv4 change) */
	struct probe probes[CLIENT_MAX_PROBES];
	/* old values for the hook */
	char old_state[8];
	struct in6_addr old_addr;
	bool have_old;
	unsigned int old_mtu;
};

/* Read and handle every pending control notification (the servers'
 * answers); the poll loop's, exposed for userspace/fuzz.
 */
void client_control_drain(struct client *c);

/* netdev.c */
int client_dev_open(struct client *c);
void client_dev_close(struct client *c);
int client_send(struct client *c, uint32_t dst, const void *buf, size_t len);
int client_set_state(struct client *c, const struct in6_addr *addr,
		     enum teredo_nat nat);
/* The kernel's view: qualified address (or all-zero), server age in ms
 * (-1: never heard).
 */
int client_get_state(struct client *c, struct in6_addr *addr,
		     int64_t *server_age);
/*
 * Read one control notification for our device: fills src, port (network
 * order), buf/len. Returns 1 if one was read, 0 if none is pending, or a
 * negative errno.
 */
int client_read_control(struct client *c, uint32_t *src, uint16_t *port,
			uint8_t *buf, size_t *len);
/* Addresses, routes and MTU for the state in @c (up or down). */
int client_apply(struct client *c, const struct in6_addr *old);
void client_hook(struct client *c, const char *state);

#endif /* TEREDOD_CLIENT_H */
