/*
 * NAME
 *	rswitch - follow Sentinel's +switch-master at once
 * DESCRIPTION
 *	Sentinel promotes a replica, names it a second later (the event
 *	+switch-master), and turns the old primary into a replica only when
 *	it next looks at it: about 10 s later, measured. Meanwhile the old
 *	primary takes every write of a connection still open to it, and
 *	they are lost when it becomes the new primary's replica. With
 *	redis.sentinels set, a daemon runs one thread that subscribes to
 *	+switch-master on the first sentinel that answers; when the primary
 *	called redis.sentinel_master moves, rconn_switched() has every
 *	connection of the process made again before its next command, to the
 *	primary the sentinels name now (relay-policyd's own connection: at
 *	its next request, rconn_replicas()). A READONLY reply still does it
 *	too, should the event be missed (no sentinel reachable).
 *
 *	A sentinel lost is replaced by the next one in the list after a wait
 *	of redis.reconnect_min_ms doubling to reconnect_max_ms; one warning
 *	per outage. The thread waits in poll() on the sentinel's socket and
 *	on a pipe rswitch_stop() writes, so it stops at once (within
 *	redis.timeout_ms while it dials a sentinel). It blocks every signal.
 *	rswitch_message() is pure (unit-tested).
 * SEE ALSO
 *	rsentinel.h, rconn.h, relay.conf(5) redis.sentinels
 */
#ifndef RELAY_RSWITCH_H
#define RELAY_RSWITCH_H

#include <stddef.h>

#include <hiredis.h>

#include "conf.h"

/*
 * rswitch_message - r is one reply read on the subscription: 1 when it is
 * a +switch-master message for master, with from and to set to the old
 * and the new primary ("HOST:PORT", "[IPV6]:PORT"); 0 for any other
 * reply (the subscription's confirmation, another primary's switch, a
 * message of another shape)
 */
int	 rswitch_message(const redisReply *r, const char *master, char *from,
	    size_t fromlen, char *to, size_t tolen);

/*
 * rswitch_start - the thread, when cf names sentinels (else nothing): 0,
 * or -1, logged (the daemon then works as before: READONLY moves it)
 */
int	 rswitch_start(const struct conf_redis *cf);
/* rswitch_reload - a reload: the thread again when redis.* changed */
int	 rswitch_reload(const struct conf_redis *cf);
/* rswitch_stop - stop the thread and wait for it (at once) */
void	 rswitch_stop(void);

#endif
