// SPDX-License-Identifier: GPL-2.0
/*
 * The device's UDP socket: a kernel UDP tunnel socket bound to the
 * configured local address and port in the underlay namespace.
 */
#include <linux/udp.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>

#include "teredo.h"

/* Let @sk and @shared both hold the address @sk is about to be bound to,
 * or stop it. Reuseport groups are per user: @sk is made @shared's.
 */
static void teredo_sock_share(struct sock *sk, struct sock *shared, bool on)
{
	if (on) {
		sk->sk_uid = shared->sk_uid;
		SOCK_INODE(sk->sk_socket)->i_uid =
			SOCK_INODE(shared->sk_socket)->i_uid;
	}
	lock_sock(shared);
	shared->sk_reuseport = on;
	release_sock(shared);
	sk->sk_reuseport = on;
}

/* Bind a new socket as @cfg says, in the underlay namespace. @shared: the
 * device's current socket, when it holds the address and port the new one
 * wants (only the address or the device changes): the two then share them
 * for as long as the bind takes, as SO_REUSEPORT lets sockets do, so that
 * the device is never without a socket. Each socket is otherwise alone on
 * its address and port, and the bind is under RTNL: two devices never
 * share one.
 */
int teredo_sock_open(struct teredo_dev *td, const struct teredo_cfg *cfg,
		     struct socket *shared, struct socket **sockp,
		     struct netlink_ext_ack *extack)
{
	struct sockaddr_in sin = {
		.sin_family		= AF_INET,
		.sin_addr.s_addr	= cfg->local,
		.sin_port		= cfg->port,
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(td->net, AF_INET, SOCK_DGRAM, 0, &sock);
	if (err)
		goto out;
	if (cfg->link) {
		err = sock_bindtoindex(sock->sk, cfg->link, true);
		if (err)
			goto release;
	}
	if (shared)
		teredo_sock_share(sock->sk, shared->sk, true);
	err = teredo_kernel_bind(sock, &sin);
	if (shared)
		teredo_sock_share(sock->sk, shared->sk, false);
	if (err)
		goto release;
	/* Teredo never sets DF on the outer header (RFC 4380 section 5.1.1)
	 * and takes datagrams up to the largest IPv4 payload.
	 */
	inet_sk(sock->sk)->pmtudisc = IP_PMTUDISC_DONT;
	*sockp = sock;
	return 0;

release:
	sock_release(sock);
out:
	if (err == -EADDRINUSE)
		NL_SET_ERR_MSG(extack,
			       "UDP port already in use on this address in the underlay namespace");
	else if (err == -EADDRNOTAVAIL)
		NL_SET_ERR_MSG(extack,
			       "local address is not an address of this host");
	else if (err == -ENODEV)
		NL_SET_ERR_MSG(extack, "underlay device not found");
	else
		NL_SET_ERR_MSG(extack, "cannot create the UDP socket");
	return err;
}

/* From here on, what arrives on @sock goes to the device. */
void teredo_sock_attach(struct teredo_dev *td, struct socket *sock)
{
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data	= td,
		.encap_type	= 1,
		.encap_rcv	= teredo_udp_rcv,
	};

	if (teredo_gro) {
		tcfg.gro_receive = teredo_gro_receive;
		tcfg.gro_complete = teredo_gro_complete;
	}

	teredo_setup_udp_tunnel_sock(td->net, sock, &tcfg);
}

/* Another socket took over: stop @sock from receiving (what is on its way
 * still arrives), so that nothing goes unanswered while it is closed.
 */
void teredo_sock_unhash(struct socket *sock)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_prot->unhash(sk);
	release_sock(sk);
}

/* Waits for the readers of the socket (an RCU grace period). */
void teredo_sock_close(struct socket *sock)
{
	if (sock)
		teredo_udp_tunnel_sock_release(sock);
}
