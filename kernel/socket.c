// SPDX-License-Identifier: GPL-2.0
/*
 * The device's UDP socket: a kernel UDP tunnel socket bound to the
 * configured local address and port in the underlay namespace.
 */
#include <linux/udp.h>
#include <net/udp_tunnel.h>

#include "teredo.h"

int teredo_sock_open(struct teredo_dev *td, const struct teredo_cfg *cfg,
		     struct socket **sockp, struct netlink_ext_ack *extack)
{
	struct udp_port_cfg pcfg = {
		.family			= AF_INET,
		.local_ip.s_addr	= cfg->local,
		.local_udp_port		= cfg->port,
		.bind_ifindex		= cfg->link,
		.use_udp_checksums	= true,
	};
	struct socket *sock;
	int err;

	err = udp_sock_create(td->net, &pcfg, &sock);
	if (err) {
		if (err == -EADDRINUSE)
			NL_SET_ERR_MSG(extack,
				       "UDP port already in use on this address in the underlay namespace");
		else if (err == -EADDRNOTAVAIL)
			NL_SET_ERR_MSG(extack,
				       "local address is not an address of this host");
		else
			NL_SET_ERR_MSG(extack, "cannot create the UDP socket");
		return err;
	}
	/* Teredo never sets DF on the outer header (RFC 4380 section 5.1.1)
	 * and takes datagrams up to the largest IPv4 payload.
	 */
	inet_sk(sock->sk)->pmtudisc = IP_PMTUDISC_DONT;
	*sockp = sock;
	return 0;
}

/* From here on, what arrives on @sock goes to the device. */
void teredo_sock_attach(struct teredo_dev *td, struct socket *sock)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data	= td,
		.encap_type	= 1,
		.encap_rcv	= teredo_udp_rcv,
	};

	teredo_setup_udp_tunnel_sock(td->net, sock, &tcfg);
}

void teredo_sock_close(struct socket *sock)
{
	if (sock)
		teredo_udp_tunnel_sock_release(sock);
}
