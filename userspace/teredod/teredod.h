/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teredod: the subcommands, and show.c's parsers and printers (exposed for
 * the unit tests).
 */
#ifndef TEREDOD_H
#define TEREDOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

#define TEREDOD_DEFAULT_DEV	"teredo0"
#define TEREDOD_VERSION		"0.1"

/* options given before the subcommand */
struct opts {
	bool json;			/* -j, --json */
	const char *conf;		/* -c FILE, or NULL for the default */
	bool foreground;		/* -f: stay in the foreground, log to stderr */
	bool verbose;			/* -v: log debug messages */
	const char *pidfile;		/* -p FILE, or NULL: the default */
	const char *user;		/* -u USER: run as USER */
	const char *chroot;		/* -t DIR: chroot (server) */
};

/*
 * A subcommand: argv[0] is its name; returns the exit status (0, 1 for an
 * error, 2 for bad usage). usage() prints its lines of the help.
 */
struct command {
	const char *name;
	int (*run)(int argc, char **argv, const struct opts *opts);
	void (*usage)(FILE *f);
};

int cmd_show(int argc, char **argv, const struct opts *opts);
void show_usage(FILE *f);
/* the client daemon: argv holds the server names given, if any */
int cmd_client(int argc, char **argv, const struct opts *opts);
void client_usage(FILE *f);
int cmd_server(int argc, char **argv, const struct opts *opts);
void server_usage(FILE *f);
/* teredod checkconf: as miredo-checkconf */
int cmd_checkconf(int argc, char **argv, const struct opts *opts);
void checkconf_usage(FILE *f);

/* TEREDO_CMD_GET_DEV reply; have: 1 << TEREDO_A_* of the attributes seen */
struct teredo_stat {
	char *name;
	uint64_t value;
};

struct teredo_dev {
	unsigned int have;
	uint64_t ifindex;
	char ifname[IF_NAMESIZE];	/* preset to the name asked for */
	uint64_t mode;
	uint64_t peers;
	uint64_t max_peers;
	uint64_t peer_size;
	uint64_t queued;		/* bytes the queues hold */
	uint64_t qualified;		/* client mode */
	struct in6_addr addr;		/* TEREDO_A_ADDR */
	uint64_t nat;			/* enum teredo_nat */
	uint64_t server_age;		/* ms */
	uint64_t dormant;		/* QualifyOnDemand: nothing sent */
	uint64_t idle_ms;		/* since the host last sent */
	struct in_addr local_ip;
	uint16_t local_port;		/* host order */
	struct teredo_stat *stats;
	size_t nstats;
};

/* TEREDO_A_PEER nest; have: 1 << TEREDO_PEER_A_* of the attributes seen */
struct teredo_peer {
	unsigned int have;
	struct in6_addr addr;
	struct in_addr ip;
	uint16_t port;			/* host order */
	uint64_t rx_age;		/* ms */
	uint64_t tx_age;		/* ms */
	uint64_t queue;			/* bytes */
	uint64_t bubbles;
};

int teredo_dev_parse(const struct nlmsghdr *nlh, struct teredo_dev *d);
void teredo_dev_free(struct teredo_dev *d);
void teredo_dev_print(FILE *f, const struct teredo_dev *d, bool json);
const char *teredo_nat_name(unsigned int nat);
void teredo_peer_parse(const struct nlattr *nest, struct teredo_peer *p);
void teredo_peer_print(FILE *f, const struct teredo_peer *p, bool json);
size_t teredo_peers_unique(struct teredo_peer *v, size_t n);

#endif /* TEREDOD_H */
