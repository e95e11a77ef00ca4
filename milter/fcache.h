/*
 * NAME
 *	fcache - relay-milter's cache of Redis facts, kept current by Redis
 * DESCRIPTION
 *	The facts MAIL FROM and RCPT TO are decided on (a domain's record, a
 *	member's suppression of one address) are read from Redis once and
 *	then answered from memory, with Redis' client-side caching (Redis 6
 *	and later) keeping them true: every worker connection turns on
 *	CLIENT TRACKING with REDIRECT to one subscriber connection of this
 *	module (OPTIN: only the reads to be kept are tracked), so when any
 *	program changes or deletes a key a worker read (relayctl,
 *	relay-tracker, an expiry, FLUSHDB), Redis tells the subscriber at
 *	once and the key's facts are forgotten before the next message can
 *	use them.
 *
 *	Nothing is kept while it cannot be kept current: not before the
 *	subscriber is connected, not after it lost its connection (the cache
 *	is emptied then, and the reads go to Redis as without a cache), not
 *	when a worker's read raced with an invalidation (a ticket taken
 *	before the read tells), not on a worker connection whose tracking
 *	is not set up for the current subscriber, and not on one to another
 *	server or database than the subscriber's (a session that began
 *	before a reload changed redis.*: it reads uncached, neither into the
 *	cache nor from it). The subscriber PINGs an idle connection every
 *	second and gives it up when no answer comes within redis.timeout_ms.
 *	milter.cache_entries bounds the memory; 0 turns the cache off (every
 *	message reads Redis, as before).
 * THREADS
 *	Every function may be called from any thread; fcache_start and
 *	fcache_stop from one thread at a time.
 * SEE ALSO
 *	ftable.h, store.c, https://redis.io/docs/manual/client-side-caching/
 */
#ifndef RELAY_MILTER_FCACHE_H
#define RELAY_MILTER_FCACHE_H

#include <stddef.h>

#include "conf.h"
#include "rconn.h"

/* What a worker knew before its read: keep what it read only if unchanged. */
struct fcache_ticket {
	unsigned long	 gen;		/* subscriber connection; 0: do not keep */
	unsigned long	 seq;		/* invalidations seen */
	int		 caching;	/* CLIENT CACHING yes goes before each read */
};

struct fcache_counts {
	unsigned long	 hits, misses;
	unsigned long	 invalidations;	/* keys Redis said changed */
	unsigned long	 flushes;	/* emptied: flush, lost subscriber, full */
	unsigned long	 subscribes;	/* subscriber connections made */
	size_t		 entries;
};

/*
 * fcache_start - the cache for these Redis settings, at most max entries
 * (0: off, no thread); starts the subscriber thread. 0 or -1.
 */
int	 fcache_start(const struct conf_redis *, size_t max);
/* fcache_stop - stop the subscriber, forget everything; safe when off */
void	 fcache_stop(void);

/*
 * fcache_get - 1 and the value (exactly len bytes) when held for what rc
 * reads (its server, database and primary are the subscriber's), else 0
 */
int	 fcache_get(const struct rconn *rc, const char *key, const char *field,
	    void *buf, size_t len);
/*
 * fcache_prepare - before a read whose result may be kept: makes rc's
 * reads tracked for the current subscriber (one CLIENT TRACKING command
 * when rc is new to it) and fills the ticket. -1 when nothing can be
 * kept now (the read goes on all the same).
 */
int	 fcache_prepare(struct rconn *rc, struct fcache_ticket *);
/*
 * fcache_append / fcache_reply - a read to be kept is tracked only when
 * it follows CLIENT CACHING yes (tracking is OPTIN: the keys the record
 * scripts read are not tracked). With a ticket from fcache_prepare,
 * append that command just before the read, and read its reply in turn
 * before the read's own. append: the number of commands appended (0 or
 * 1), -1 on failure; reply: 0, or -1 when the connection failed. An
 * error reply to one of them leaves nothing to keep, and every reply of
 * the pipeline is still read in turn.
 */
int	 fcache_append(struct rconn *rc, struct fcache_ticket *);
int	 fcache_reply(struct rconn *rc, struct fcache_ticket *);
/* fcache_put - keep (key, field) = val as read on rc after the ticket */
void	 fcache_put(const struct fcache_ticket *, const struct rconn *rc,
	    const char *key, const char *field, const void *val, size_t len);

void	 fcache_get_counts(struct fcache_counts *);

#endif
