/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UPnP IGD port mapping (RFC 6081 section 3.2, UPnP-enabled NATs), with
 * libminiupnpc, and NAT-PMP (libnatpmp) where no IGD answers. The gateway
 * is a device on the LAN that anyone there can impersonate, so everything
 * that talks to it (SSDP, HTTP, its XML, NAT-PMP) runs in a child process
 * of the unprivileged daemon that keeps none of its descriptors, killed
 * after UPNP_TIMEOUT; the daemon reads one fixed-size answer and checks it.
 */
#ifndef TEREDOD_UPNP_H
#define TEREDOD_UPNP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define UPNP_LEASE	3600	/* s asked of the gateway */
#define UPNP_TIMEOUT	10000	/* ms a child may take */
#define UPNP_DISCOVER	2000	/* ms SSDP waits for gateways */
#define UPNP_URL_LEN	256

/* What a child found, or why it failed: child to daemon, fixed size. */
struct upnp_answer {
	int32_t rc;			/* 0: mapped (or deleted) */
	uint32_t ext_ip;		/* network order */
	uint16_t ext_port;		/* host order */
	uint16_t int_port;		/* host order */
	uint32_t lan_ip;		/* network order: the mapping's target */
	uint8_t natpmp;			/* 1: by NAT-PMP, not a UPnP IGD */
	uint32_t lifetime;		/* s the mapping holds, 0: for good */
	char desc_url[UPNP_URL_LEN];	/* the gateway, for renewals */
	char detail[128];		/* for the log, when rc != 0 */
};

/* A child and what the gateway holds for us. */
struct upnp {
	pid_t pid;			/* a child runs, or 0 */
	int fd;				/* its answer, or -1 */
	int64_t deadline;		/* ms: killed then */
	bool deleting;			/* the child deletes the mapping */
	bool have;			/* the gateway holds our mapping */
	uint32_t ext_ip;		/* network order */
	uint16_t ext_port;		/* host order */
	uint16_t int_port;		/* host order */
	uint32_t lan_ip;		/* network order */
	bool natpmp;			/* the gateway spoke NAT-PMP */
	uint32_t lifetime;		/* s, as the gateway granted */
	char desc_url[UPNP_URL_LEN];	/* "" until a gateway answered */
};

/* The protocol of @u's mapping, for the log. */
static inline const char *upnp_proto(const struct upnp *u)
{
	return u->natpmp ? "NAT-PMP" : "UPnP";
}

void upnp_init(struct upnp *u);
/*
 * Ask the gateway (u->desc_url, else the first SSDP finds) to send UDP
 * for an external port to @int_port of this host (@bind_ip, or the
 * address that reaches the gateway when 0): @want first (0: @int_port),
 * else a random one; renews when the gateway already holds it, replaces
 * (deletes) the mapping held before if the port differs. -1 if no child
 * could be started.
 */
int upnp_add(struct upnp *u, uint16_t int_port, uint32_t bind_ip,
	     uint16_t want);
/* Delete our mapping in a child (u->have cleared at once). */
int upnp_delete(struct upnp *u);
/* Read the child's answer (u->fd readable), or kill it (deadline).
 * Returns 1 with @a checked and u updated, 0 when it failed (@a->detail
 * says why), -1 if there was no child.
 */
int upnp_finish(struct upnp *u, struct upnp_answer *a, bool kill_it);
/* Wait at most @ms for a running child, then kill it: upnp_finish()'s. */
int upnp_wait(struct upnp *u, int64_t ms, struct upnp_answer *a);
/* What is wrong with an answer from a child, or NULL. */
const char *upnp_answer_check(const struct upnp_answer *a);

/* natpmp.c, in the child: map (@lifetime 0: delete) UDP @want (0: @in)
 * to @in on the default gateway, by NAT-PMP. 0, or -1 with a->detail.
 */
int natpmp_map(uint16_t in, uint16_t want, uint32_t lifetime,
	       struct upnp_answer *a);

#endif /* TEREDOD_UPNP_H */
