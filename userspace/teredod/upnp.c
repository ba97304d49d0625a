// SPDX-License-Identifier: GPL-2.0
/*
 * UPnP IGD port mapping for the client (RFC 6081 section 3.2): the
 * gateway is asked to send what reaches an external UDP port to the
 * device's port, so that the NAT lets any peer in, as a cone NAT would.
 * SSDP, HTTP and the gateway's XML are libminiupnpc's, in a child of the
 * unprivileged daemon; the daemon never parses what the gateway says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/wait.h>

#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include "caps.h"
#include "conf.h"
#include "upnp.h"
#include "util.h"

#define UPNP_TRIES	5	/* external ports tried */
#define UPNP_CONFLICT	718	/* ConflictInMappingEntry */
#define UPNP_SAME_PORT	724	/* SamePortValuesRequired */
#define UPNP_PERMANENT	725	/* OnlyPermanentLeasesSupported */

void upnp_init(struct upnp *u)
{
	memset(u, 0, sizeof(*u));
	u->fd = -1;
}

static void fail(struct upnp_answer *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct upnp_answer *a, const char *fmt, ...)
{
	va_list ap;

	a->rc = -1;
	va_start(ap, fmt);
	vsnprintf(a->detail, sizeof(a->detail), fmt, ap);
	va_end(ap);
}

static const char *upnp_err(int r)
{
	const char *s = strupnperror(r);

	return s ? s : "error";
}

/* The host of an http:// URL, an IPv4 literal: 0 if it is not one. */
static uint32_t url_ipv4(const char *url)
{
	char host[INET_ADDRSTRLEN];
	size_t n;
	uint32_t ip;

	if (!url || strncmp(url, "http://", 7))
		return 0;
	url += 7;
	n = strcspn(url, ":/");
	if (n >= sizeof(host))
		return 0;
	memcpy(host, url, n);
	host[n] = '\0';
	return inet_pton(AF_INET, host, &ip) == 1 ? ip : 0;
}

/*
 * What the gateway's description makes us talk to: the host that
 * described itself, by its address, never this host (the description is
 * anyone's on the LAN to write). @lan: our address toward it.
 */
static bool igd_urls_ok(const struct UPNPUrls *urls, const char *lan)
{
	uint32_t ip = url_ipv4(urls->rootdescURL), me = 0;

	inet_pton(AF_INET, lan, &me);
	return ip && ip == url_ipv4(urls->controlURL) && ip != me &&
	       (ntohl(ip) >> 24) != 127 && (ntohl(ip) >> 24) != 0;
}

/* The gateway: the one we used (renewal), else the first SSDP finds. */
static bool child_igd(const char *url, struct UPNPUrls *urls,
		      struct IGDdatas *data, char *lan, int lanlen,
		      struct upnp_answer *a)
{
	struct UPNPDev *devs;
	int err = 0, r;

	if (url[0] && UPNP_GetIGDFromUrl(url, urls, data, lan, lanlen) == 1) {
		if (igd_urls_ok(urls, lan))
			return true;
		FreeUPNPUrls(urls);
		memset(urls, 0, sizeof(*urls));
	}
	devs = upnpDiscover(UPNP_DISCOVER, NULL, NULL, UPNP_LOCAL_PORT_ANY, 0,
			    2, &err);
	if (!devs) {
		fail(a, "no UPnP gateway answered in %d ms", UPNP_DISCOVER);
		return false;
	}
	/* 2: "not connected", or an external address in a reserved
	 * range (behind another NAT): what the Teredo server sees decides
	 */
	r = UPNP_GetValidIGD(devs, urls, data, lan, lanlen);
	freeUPNPDevlist(devs);
	if ((r == 1 || r == 2) && igd_urls_ok(urls, lan))
		return true;
	if (r > 0) {
		FreeUPNPUrls(urls);
		if (r <= 2) {
			fail(a, "the gateway's URLs name another host, or no address");
			return false;
		}
	}
	fail(a, "no Internet gateway device among the UPnP devices");
	return false;
}

static int child_map(const struct UPNPUrls *urls, const struct IGDdatas *data,
		     uint16_t ext, uint16_t in, const char *client,
		     uint32_t *lifetime)
{
	char e[8], i[8], lease[12];
	int r;

	snprintf(e, sizeof(e), "%u", ext);
	snprintf(i, sizeof(i), "%u", in);
	snprintf(lease, sizeof(lease), "%u", UPNP_LEASE);
	r = UPNP_AddPortMapping(urls->controlURL, data->first.servicetype, e,
				i, client, "Teredo (teredod)", "UDP", NULL,
				lease);
	/* an IGDv1 that only knows mappings for good: one it is, deleted at
	 * exit and asked for again (the same port) by the next teredod
	 */
	if (r == UPNP_PERMANENT) {
		r = UPNP_AddPortMapping(urls->controlURL,
					data->first.servicetype, e, i, client,
					"Teredo (teredod)", "UDP", NULL, "0");
		if (r == UPNPCOMMAND_SUCCESS)
			*lifetime = 0;
	}
	return r;
}

static void child_natpmp(uint16_t in, uint16_t want, uint16_t old,
			 struct upnp_answer *a)
{
	struct upnp_answer gone;

	memset(a, 0, sizeof(*a));
	/* a deletion takes every mapping of the internal port (RFC 6886
	 * 3.4): the old one goes first, not after the new one
	 */
	if (old && old != (want ? want : in)) {
		memset(&gone, 0, sizeof(gone));
		natpmp_map(in, old, 0, &gone);
	}
	if (natpmp_map(in, want, UPNP_LEASE, a)) {
		a->rc = -1;
		return;
	}
	a->rc = 0;
	a->natpmp = 1;
}

static void child_add(const char *url, uint16_t in, uint32_t bind_ip,
		      uint16_t want, uint16_t old, struct upnp_answer *a)
{
	char lan[64] = "", ext[40] = "", client[INET_ADDRSTRLEN];
	struct UPNPUrls urls;
	struct IGDdatas data;
	uint16_t port = want ? want : in, r16;
	int r = -1, i;

	memset(&urls, 0, sizeof(urls));
	memset(&data, 0, sizeof(data));
	if (!child_igd(url, &urls, &data, lan, sizeof(lan), a)) {
		char igd[sizeof(a->detail)], pmp[sizeof(a->detail)];

		/* no IGD: a gateway that speaks NAT-PMP, maybe */
		memcpy(igd, a->detail, sizeof(igd));
		child_natpmp(in, want, old, a);
		if (a->rc) {
			memcpy(pmp, a->detail, sizeof(pmp));
			fail(a, "%.60s; %.60s", igd, pmp);
		}
		return;
	}
	if (UPNP_GetExternalIPAddress(urls.controlURL, data.first.servicetype,
				      ext) != UPNPCOMMAND_SUCCESS ||
	    inet_pton(AF_INET, ext, &a->ext_ip) != 1) {
		fail(a, "the gateway gave no external IPv4 address");
		goto out;
	}
	if (bind_ip)
		a->lan_ip = bind_ip;
	else if (inet_pton(AF_INET, lan, &a->lan_ip) != 1) {
		fail(a, "no IPv4 address of ours reaches the gateway");
		goto out;
	}
	inet_ntop(AF_INET, &a->lan_ip, client, sizeof(client));
	for (i = 0; i < UPNP_TRIES; i++) {
		a->lifetime = UPNP_LEASE;
		r = child_map(&urls, &data, port, in, client, &a->lifetime);
		if (r == UPNPCOMMAND_SUCCESS)
			break;
		if (r == UPNP_SAME_PORT && port != in) {
			port = in;
			continue;
		}
		if (r != UPNP_CONFLICT)
			break;
		/* taken by another host: a random port of 1024-65535 */
		if (getrandom(&r16, sizeof(r16), 0) != sizeof(r16))
			break;
		port = 1024 + r16 % (65536 - 1024);
	}
	if (r != UPNPCOMMAND_SUCCESS) {
		fail(a, "the gateway refused a mapping of UDP port %u: %s (%d)",
		     port, upnp_err(r), r);
		goto out;
	}
	a->rc = 0;
	a->ext_port = port;
	a->int_port = in;
	if (old && old != port) {
		/* replaced: the old one goes (its lease would end anyway) */
		char e[8];

		snprintf(e, sizeof(e), "%u", old);
		UPNP_DeletePortMapping(urls.controlURL,
				       data.first.servicetype, e, "UDP", NULL);
	}
	snprintf(a->desc_url, sizeof(a->desc_url), "%s",
		 urls.rootdescURL ? urls.rootdescURL : "");
out:
	FreeUPNPUrls(&urls);
}

static void child_delete(const struct upnp *u, struct upnp_answer *a)
{
	const char *url = u->desc_url;
	uint16_t ext = u->ext_port;
	struct UPNPUrls urls;
	struct IGDdatas data;
	char lan[64], e[8];
	int r;

	memset(&urls, 0, sizeof(urls));
	memset(&data, 0, sizeof(data));
	if (!url[0] || UPNP_GetIGDFromUrl(url, &urls, &data, lan,
					  sizeof(lan)) != 1) {
		fail(a, "the gateway did not answer");
		return;
	}
	snprintf(e, sizeof(e), "%u", ext);
	r = UPNP_DeletePortMapping(urls.controlURL, data.first.servicetype, e,
				   "UDP", NULL);
	if (r != UPNPCOMMAND_SUCCESS) {
		fail(a, "the gateway did not delete UDP port %u: %s (%d)",
		     ext, upnp_err(r), r);
	} else {
		/* what was deleted, checked as a mapping is */
		a->rc = 0;
		a->ext_ip = u->ext_ip;
		a->ext_port = ext;
		a->int_port = u->int_port;
		a->lan_ip = u->lan_ip;
	}
	FreeUPNPUrls(&urls);
}

/* Fork a child that adds or deletes, and writes one answer. */
static int spawn(struct upnp *u, bool deleting, uint16_t in, uint32_t bind_ip,
		 uint16_t want)
{
	struct upnp_answer a;
	int fd[2];
	pid_t pid;

	if (u->pid)
		return -1;
	if (pipe2(fd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (!pid) {
		int out = child_isolate(fd[1]);

		if (out < 0)
			_exit(1);
		alarm(UPNP_TIMEOUT / 1000 + 1);
		memset(&a, 0, sizeof(a));
		if (deleting && u->natpmp) {
			if (!natpmp_map(u->int_port, u->ext_port, 0, &a)) {
				a.natpmp = 1;
				a.ext_ip = u->ext_ip;
				a.lan_ip = u->lan_ip;
			} else {
				a.rc = -1;
			}
		} else if (deleting) {
			child_delete(u, &a);
		} else if (u->have && u->natpmp) {
			child_natpmp(in, want, u->ext_port, &a);
		} else {
			child_add(u->desc_url, in, bind_ip, want,
				  u->have ? u->ext_port : 0, &a);
		}
		if (write(out, &a, sizeof(a)) != sizeof(a))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	u->pid = pid;
	u->fd = fd[0];
	u->deleting = deleting;
	u->deadline = now_ms() + UPNP_TIMEOUT;
	return 0;
}

int upnp_add(struct upnp *u, uint16_t int_port, uint32_t bind_ip,
	     uint16_t want)
{
	return spawn(u, false, int_port, bind_ip, want);
}

int upnp_delete(struct upnp *u)
{
	bool had = u->have;

	u->have = false;
	if (!had || !u->ext_port)
		return 0;
	return spawn(u, true, u->int_port, 0, 0);
}

const char *upnp_answer_check(const struct upnp_answer *a)
{
	if (!memchr(a->detail, '\0', sizeof(a->detail)) ||
	    !memchr(a->desc_url, '\0', sizeof(a->desc_url)))
		return "unterminated text";
	if (a->rc)
		return NULL;
	if (!a->ext_port || !a->int_port)
		return "port 0";
	if (!ipv4_is_global(a->ext_ip))
		return "an external address that is not global";
	if (!a->lan_ip)
		return "no internal address";
	if (a->desc_url[0] && strncmp(a->desc_url, "http://", 7))
		return "a gateway URL that is not http://";
	return NULL;
}

int upnp_finish(struct upnp *u, struct upnp_answer *a, bool kill_it)
{
	const char *why;
	ssize_t n;
	int status;

	memset(a, 0, sizeof(*a));
	if (!u->pid)
		return -1;
	if (kill_it)
		kill(u->pid, SIGKILL);
	n = read(u->fd, a, sizeof(*a));
	close(u->fd);
	u->fd = -1;
	while (waitpid(u->pid, &status, 0) < 0 && errno == EINTR)
		;
	u->pid = 0;
	if (n != (ssize_t)sizeof(*a)) {
		memset(a, 0, sizeof(*a));
		fail(a, "the gateway did not answer within %d s",
		     UPNP_TIMEOUT / 1000);
		return 0;
	}
	why = upnp_answer_check(a);
	if (why) {
		memset(a, 0, sizeof(*a));
		fail(a, "the gateway's answer was refused: %s", why);
		return 0;
	}
	if (a->rc)
		return 0;
	if (u->deleting) {
		u->have = false;
		return 1;
	}
	u->have = true;
	u->ext_ip = a->ext_ip;
	u->ext_port = a->ext_port;
	u->int_port = a->int_port;
	u->lan_ip = a->lan_ip;
	u->natpmp = a->natpmp;
	u->lifetime = a->lifetime;
	if (a->desc_url[0])
		memcpy(u->desc_url, a->desc_url, sizeof(u->desc_url));
	return 1;
}

int upnp_wait(struct upnp *u, int64_t ms, struct upnp_answer *a)
{
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };

	if (!u->pid)
		return -1;
	return upnp_finish(u, a, poll(&pfd, 1, (int)ms) <= 0);
}
