/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink on libmnl: a socket bound to one family, requests and
 * their replies (do and dump) with the kernel's extended ack messages.
 *
 *	struct genl g;
 *
 *	if (genl_open(&g, "teredo", 1))		// error already printed
 *		return 1;
 *	nlh = genl_request(&g, CMD, NLM_F_DUMP);	// or 0 for a do
 *	mnl_attr_put_u32(nlh, ATTR, value);
 *	err = genl_run(&g, nlh, cb, data);	// cb per reply message
 *	if (err)
 *		genl_perror(&g, "what", err);
 *	genl_close(&g);
 */
#ifndef TEREDOD_GENL_H
#define TEREDOD_GENL_H

#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#define GENL_REQ_SIZE	4096	/* room for a request */
#define GENL_RX_SIZE	65536	/* receive buffer: the largest dump skb */
#define GENL_EXT_MSG	256

struct genl {
	struct mnl_socket *nl;
	const char *name;		/* family name */
	uint16_t id;			/* family id */
	uint8_t version;		/* version put in our requests */
	uint32_t kversion;		/* version the kernel reports, or 0 */
	unsigned int portid;
	unsigned int seq;
	char *req;			/* GENL_REQ_SIZE bytes */
	char *rx;			/* GENL_RX_SIZE bytes */
	char ext_msg[GENL_EXT_MSG];	/* extack message of the last error */
	int ext_miss;			/* extack missing attribute, or -1 */
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} mcgrps[4];			/* the family's multicast groups */
	unsigned int n_mcgrps;
};

/*
 * Open a socket and resolve the family by name (this autoloads the module
 * that provides it). Returns 0, or a negative errno after printing why.
 */
int genl_open(struct genl *g, const char *family, uint8_t version);
void genl_close(struct genl *g);

/*
 * Start a request of the family in g->req; append attributes with
 * mnl_attr_put_*() (at most GENL_REQ_SIZE bytes in all). flags: 0 for a
 * do, NLM_F_DUMP for a dump.
 */
struct nlmsghdr *genl_request(struct genl *g, uint8_t cmd, uint16_t flags);

/*
 * Send the request and call cb for each reply message of the family (its
 * payload starts with a struct genlmsghdr; attributes at GENL_HDRLEN), until
 * the ack of a do or the end of a dump. cb returns MNL_CB_OK to go on,
 * MNL_CB_STOP to stop early, MNL_CB_ERROR with errno set to fail.
 * Returns 0 or a negative errno; the kernel's message about the error, if
 * any, is in g->ext_msg (printed by genl_perror).
 */
int genl_run(struct genl *g, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* for the unit tests: the status of an NLMSG_ERROR or NLMSG_DONE message */
int genl_ack_status(struct genl *g, const struct nlmsghdr *nlh);

/* Join the family's multicast group @name: 0 or a negative errno. */
int genl_subscribe(struct genl *g, const char *name);

/* Print "teredod: WHAT: the kernel's message (strerror)" or so. */
void genl_perror(const struct genl *g, const char *what, int err);

#endif /* TEREDOD_GENL_H */
