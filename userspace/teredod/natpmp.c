// SPDX-License-Identifier: GPL-2.0
/*
 * NAT-PMP (RFC 6886) with libnatpmp, for a gateway that has no UPnP IGD:
 * the default gateway is asked for its public address and a UDP mapping.
 * Runs in upnp.c's child process; each exchange is bounded by
 * NATPMP_WAIT (libnatpmp alone would retry for a minute).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>

#include <natpmp.h>

#include "upnp.h"
#include "util.h"

#define NATPMP_WAIT	3000	/* ms an answer may take, retries included */

/* The answer to the request just sent, within NATPMP_WAIT. */
static int natpmp_answer(natpmp_t *n, natpmpresp_t *r)
{
	int64_t end = now_ms() + NATPMP_WAIT;
	struct timeval tv;
	fd_set fds;
	int rc;

	do {
		int64_t left = end - now_ms();

		if (left <= 0)
			return NATPMP_TRYAGAIN;
		FD_ZERO(&fds);
		FD_SET(n->s, &fds);
		if (getnatpmprequesttimeout(n, &tv))
			return NATPMP_ERR_NOPENDINGREQ;
		if (tv.tv_sec * 1000 + tv.tv_usec / 1000 > left) {
			tv.tv_sec = left / 1000;
			tv.tv_usec = (left % 1000) * 1000;
		}
		if (select(n->s + 1, &fds, NULL, NULL, &tv) < 0 &&
		    errno != EINTR)
			return NATPMP_ERR_RECVFROM;
		rc = readnatpmpresponseorretry(n, r);
	} while (rc == NATPMP_TRYAGAIN);
	return rc;
}

int natpmp_map(uint16_t in, uint16_t want, uint32_t lifetime,
	       struct upnp_answer *a)
{
	socklen_t len = sizeof(struct sockaddr_in);
	struct sockaddr_in me;
	natpmpresp_t r;
	natpmp_t n;
	int rc;

	if (initnatpmp(&n, 0, 0)) {
		snprintf(a->detail, sizeof(a->detail), "no default gateway");
		return -1;
	}
	rc = sendpublicaddressrequest(&n);
	if (rc >= 0)
		rc = natpmp_answer(&n, &r);
	if (rc < 0 || r.type != NATPMP_RESPTYPE_PUBLICADDRESS) {
		snprintf(a->detail, sizeof(a->detail),
			 "no NAT-PMP gateway answered (%d)", rc);
		closenatpmp(&n);
		return -1;
	}
	a->ext_ip = r.pnu.publicaddress.addr.s_addr;
	/* the gateway maps to the address that asked: ours toward it */
	if (!getsockname(n.s, (struct sockaddr *)&me, &len))
		a->lan_ip = me.sin_addr.s_addr;
	rc = sendnewportmappingrequest(&n, NATPMP_PROTOCOL_UDP, in,
				       want ? want : in, lifetime);
	if (rc >= 0)
		rc = natpmp_answer(&n, &r);
	closenatpmp(&n);
	if (rc < 0 || r.type != NATPMP_RESPTYPE_UDPPORTMAPPING) {
		snprintf(a->detail, sizeof(a->detail),
			 "the NAT-PMP gateway refused a mapping of UDP port %u (%d)",
			 want ? want : in, rc);
		return -1;
	}
	a->ext_port = lifetime ? r.pnu.newportmapping.mappedpublicport :
				 want;
	a->int_port = in;
	a->lifetime = lifetime ? r.pnu.newportmapping.lifetime : 0;
	return 0;
}
