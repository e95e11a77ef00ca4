/*
 * NAME
 *	rsentinel - the Redis primary, as Redis Sentinel names it
 * DESCRIPTION
 *	With redis.sentinels set, every connection of every program asks
 *	the sentinels, in the order given, for the address of the primary
 *	called redis.sentinel_master (SENTINEL get-master-addr-by-name) and
 *	connects there; the first sentinel that answers is taken. After a
 *	failover the next connect asks again: the daemons' connections are
 *	made again when Sentinel says the primary moved (rswitch.h) or at a
 *	READONLY reply. The answer is checked where it is used:
 *	the daemons' connections ask HELLO for the role (rconn.c), so a
 *	stale answer is a failed attempt, not a replica worked against.
 *
 *	rsentinel_spec() and rsentinel_reply() are pure (unit-tested);
 *	rsentinel_ask() does the I/O, each sentinel within
 *	redis.timeout_ms.
 * SEE ALSO
 *	rconn.c, policyd/policyd_redis.c, milter/fcache.c, relay.conf(5)
 */
#ifndef RELAY_RSENTINEL_H
#define RELAY_RSENTINEL_H

#include <stddef.h>

#include <hiredis.h>

#include "conf.h"

#define RSENTINEL_PORT	26379	/* Sentinel's own port, when none is given */
#define RSENTINEL_HOST_MAX 256

/*
 * rsentinel_spec - "HOST", "HOST:PORT", "[IPV6]:PORT", "[IPV6]" or a bare
 * IPv6 address: the host (without brackets) and port; -1 for anything else
 */
int	 rsentinel_spec(const char *spec, char *host, size_t hostlen,
	    int *port);
/*
 * rsentinel_reply - the reply to SENTINEL get-master-addr-by-name: 0 with
 * host and port set, 1 when the sentinel knows no such primary (nil), -1
 * for an error reply or one of another shape (why says which)
 */
int	 rsentinel_reply(const redisReply *r, char *host, size_t hostlen,
	    int *port, char *why, size_t whylen);
/*
 * rsentinel_ask - the primary's host and port from the first sentinel of
 * cf->sentinels that answers: 0, or -1 with why set (every sentinel's
 * failure, the last one's words)
 */
int	 rsentinel_ask(const struct conf_redis *cf, char *host, size_t hostlen,
	    int *port, char *why, size_t whylen);

/*
 * rsentinel_dial - a connection to the sentinel spec ("HOST:PORT", as in
 * cf->sentinels), AUTH done, commands timed at cf->timeout_ms; NULL with
 * why set
 */
redisContext *rsentinel_dial(const struct conf_redis *cf, const char *spec,
	    char *why, size_t whylen);

/*
 * rsentinel_copy / rsentinel_free - a copy of cf's Sentinel settings,
 * timeout_ms and the reconnect backoff (the rest of *to zero) for a
 * connection to keep
 */
void	 rsentinel_copy(struct conf_redis *to, const struct conf_redis *cf);
void	 rsentinel_free(struct conf_redis *);

#endif
