/*
 * NAME
 *	listen - the daemons' listen specs: relay-policyd's (policyd.listen,
 *	.socketmap) and relay-milter's (milter.socket, libmilter's syntax)
 * DESCRIPTION
 *	relay-policyd: "unix:/path" or "inet:HOST:PORT" (HOST a numeric IPv4
 *	address, or a numeric IPv6 address, bracketed or not: no name is
 *	resolved, so what is bound never depends on DNS or /etc/hosts at
 *	boot). relay-milter: libmilter's "inet:PORT@HOST", "inet6:PORT@HOST".
 * SEE ALSO
 *	listen.c, policyd/policyd_listen.h
 */
#ifndef RELAY_LISTEN_H
#define RELAY_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

struct conf_policyd;

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t	 len;
};

/* listen_parse - a spec into an address: 0, or -1 with a reason in err */
int	 listen_parse(const char *spec, struct listen_addr *, char *err,
	    size_t errlen);

/* listen_wildcard - 1 for 0.0.0.0 and :: (every address), 0 otherwise */
int	 listen_wildcard(const struct listen_addr *);

/*
 * listen_milter - a libmilter socket spec (milter.socket) as libmilter
 * reads it: unix:/path or local:/path, inet:PORT[@HOST] or
 * inet6:PORT[@HOST], HOST an address of the spec's family (IPv4, also in
 * brackets, for inet:; IPv6 bare or in brackets for inet6:) or a name
 * libmilter resolves. 0 for one libmilter can open, with *every 1 when it
 * listens on every address of the host (no HOST, or 0.0.0.0 or :: in any
 * spelling); -1 with the reason in err.
 */
int	 listen_milter(const char *spec, int *every, char *err, size_t errlen);

/*
 * listen_clash - 1 when two addresses cannot both be bound: the same one,
 * or one port on a wildcard and another address (of its family; [::]
 * also takes IPv4, as a dual-stack socket)
 */
int	 listen_clash(const struct listen_addr *, const struct listen_addr *);

/*
 * listen_check - policyd.listen and policyd.socketmap as a whole: each
 * one a form listen_parse accepts, no address twice. 0, or -1 with the
 * reason in err and *bad the index of the setting at fault (listen's
 * entries first, then socketmap's).
 */
int	 listen_check(const struct conf_policyd *, int *bad, char *err,
	    size_t errlen);

#endif
