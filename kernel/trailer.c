// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 6081 trailers, after the IPv6 packet of a bubble: read by a client
 * (the Alternate Address trailer, section 4.3, for hairpin.c; the Random
 * Port trailer, section 4.5, for randport.c; the Neighbor Discovery
 * Option trailer, section 4.4), and the last written (section
 * 5.7, server load reduction: a peer whose entry went stale is asked
 * with a direct bubble that solicits, not through its server, and
 * answers with one that advertises).
 */
#include <linux/skbuff.h>

#include "teredo.h"

/* what is read of a bubble's trailers: every kind fits, each once */
#define TEREDO_TRAILERS_MAX	64

/* RFC 6081 section 4.1: the two high bits of an unknown type say what to
 * do; 01 is "discard the packet", the rest "skip the trailer".
 */
#define TEREDO_TRAILER_ACTION	0xc0
#define TEREDO_TRAILER_DISCARD	0x40

/* An Alternate Address trailer's value @v of @n bytes: 2 reserved bytes,
 * then addresses of 6 bytes; the first TEREDO_ALT_MAX of the bubble's
 * into @rx. One of another length is passed over.
 */
static void teredo_trailer_alt(const u8 *v, unsigned int n,
			       struct teredo_rx *rx)
{
	unsigned int j;

	if (n < 8 || (n - 2) % 6)
		return;
	for (j = 2; j < n && rx->alt_n < TEREDO_ALT_MAX; j += 6) {
		rx->alt_ip[rx->alt_n] = get_unaligned((const __be32 *)(v + j));
		rx->alt_port[rx->alt_n] =
			get_unaligned((const __be16 *)(v + j + 4));
		rx->alt_n++;
	}
}

/* A Neighbor Discovery Option trailer's value @v of @n bytes: the
 * discovery type, then 3 reserved bytes. One of another length or type
 * is passed over.
 */
static void teredo_trailer_nd_read(const u8 *v, unsigned int n,
				   struct teredo_rx *rx)
{
	if (n != 4 || v[0] > TEREDO_ND_ADVERT)
		return;
	rx->nd = true;
	if (v[0] == TEREDO_ND_SOLICIT)
		rx->nd_solicit = true;
}

/* A Random Port trailer's value @v of @n bytes: the port. One of another
 * length, or port 0, is passed over; the last one counts.
 */
static void teredo_trailer_rport_read(const u8 *v, unsigned int n,
				      struct teredo_rx *rx)
{
	__be16 port;

	if (n != 2)
		return;
	port = get_unaligned((const __be16 *)v);
	if (port)
		rx->rport = port;
}

/* The trailers after the bubble that ends at @off, in order, into @rx:
 * the addresses of its Alternate Address trailers, its random port, and
 * whether it has a Neighbor Discovery Option trailer and one that
 * solicits. One of a kind we do not read is passed over; one that runs
 * past the datagram (or past what is read) ends the walk (section
 * 5.1.2). False if the bubble is to be discarded: a trailer of a type
 * unknown to us that says so.
 */
bool teredo_parse_trailers(const struct sk_buff *skb, unsigned int off,
			   struct teredo_rx *rx)
{
	unsigned int len = min_t(unsigned int, skb->len - off,
				 TEREDO_TRAILERS_MAX);
	u8 buf[TEREDO_TRAILERS_MAX];
	unsigned int i, n;
	const u8 *t;

	t = skb_header_pointer(skb, off, len, buf);
	if (!t)
		return true;
	for (i = 0; i + 2 <= len; i += 2 + n) {
		n = t[i + 1];
		if (i + 2 + n > len)
			break;
		switch (t[i]) {
		case TEREDO_TRAILER_ALT:
			teredo_trailer_alt(t + i + 2, n, rx);
			break;
		case TEREDO_TRAILER_ND:
			teredo_trailer_nd_read(t + i + 2, n, rx);
			break;
		case TEREDO_TRAILER_RANDOM_PORT:
			teredo_trailer_rport_read(t + i + 2, n, rx);
			break;
		case TEREDO_TRAILER_NONCE:
		case TEREDO_TRAILER_RANDOM_PORT_IANA:
			break;
		default:
			if ((t[i] & TEREDO_TRAILER_ACTION) ==
			    TEREDO_TRAILER_DISCARD)
				return false;
		}
	}
	return true;
}

/* A Neighbor Discovery Option trailer of @discovery at the end of @skb,
 * which has the room (teredo_bubble()).
 */
void teredo_trailer_nd(struct sk_buff *skb, u8 discovery)
{
	struct teredo_nd_trailer *t = skb_put_zero(skb, sizeof(*t));

	t->type = TEREDO_TRAILER_ND;
	t->len = sizeof(*t) - offsetof(struct teredo_nd_trailer, discovery);
	t->discovery = discovery;
}
