// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 6081's port-preserving and sequential port-symmetric NAT extensions
 * (sections 5.4 and 5.5), the peer's side, client mode. A client behind
 * such a NAT talks to a peer from a port of its own: a random one, which
 * its NAT keeps, or one an echo test predicts. Its direct bubble from
 * there is dropped by our NAT when that one is port-restricted; its
 * bubble through our server says the port in a Random Port trailer. Our
 * answer goes to that port, which opens our NAT to it and passes theirs,
 * which has just sent to us from there.
 *
 * The port is taken only from a bubble our server relayed from the IPv4
 * address its sender's Teredo address embeds (the origin indication), for
 * an entry neither trusted nor found on our link, and only of a client
 * not behind our NAT (hairpin.c takes those). The entry goes there, not
 * trusted, as for an alternate address: trusted once a packet comes from
 * there (the peer, which heard our answer there, sends its data). The
 * answer goes there instead of to the origin: one bubble for each taken
 * in, within the budgets of every bubble. Our probes for the entry still
 * go to the mapping its address embeds as well, and a relayed bubble of
 * that peer without the trailer ends it: a port a forger posing as our
 * server wrote keeps no peer from being found the usual way.
 */
#include "teredo.h"

/* A bubble our server relayed (@rx) from @peer, whose entry is @p: with a
 * Random Port trailer, the entry moves there; without, one that was
 * there no longer is (it is answered at the origin again). In softirq.
 */
void teredo_randport_learn(struct teredo_dev *td,
			   const struct teredo_client *c,
			   struct teredo_peer *p, const struct in6_addr *peer,
			   const struct teredo_rx *rx)
{
	__be32 ip = teredo_addr_ip(peer);
	bool moved;

	if (!teredo_addr_is_teredo(peer) || rx->origin_ip != ip ||
	    teredo_hairpin_behind_us(c, peer) ||
	    READ_ONCE(p->flags) & (TEREDO_PEER_TRUSTED | TEREDO_PEER_LOCAL) ||
	    (!rx->rport && !(READ_ONCE(p->flags) & TEREDO_PEER_HAIRPIN)))
		return;
	spin_lock(&td->lock);
	if (p->flags & (TEREDO_PEER_DEAD | TEREDO_PEER_TRUSTED |
			TEREDO_PEER_LOCAL)) {
		spin_unlock(&td->lock);
		return;
	}
	if (!rx->rport) {
		/* the address stays, and no packet from it trusts it */
		WRITE_ONCE(p->flags, p->flags & ~TEREDO_PEER_HAIRPIN);
		spin_unlock(&td->lock);
		return;
	}
	moved = p->ip != ip || p->port != rx->rport;
	if (moved) {
		WRITE_ONCE(p->ip, ip);
		WRITE_ONCE(p->port, rx->rport);
		/* a bubble to it due at once */
		WRITE_ONCE(p->last_tx, teredo_now() - TEREDO_BUBBLE_GAP);
	}
	/* the address before the flag: teredo_peer_hairpin_from() */
	smp_store_release(&p->flags, p->flags | TEREDO_PEER_HAIRPIN);
	spin_unlock(&td->lock);
	if (moved)
		teredo_stat_inc(td, TEREDO_STAT_RX_RANDOM_PORT);
}
