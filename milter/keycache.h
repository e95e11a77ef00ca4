/*
 * NAME
 *	keycache - DKIM private keys of recently seen domains
 * DESCRIPTION
 *	Keys are read from Redis (relay:{d:D}:dkim) once per domain and
 *	selector and then served from here for dkim.key_cache seconds. The
 *	selector and the domain's enrollment time (its `created`) are part
 *	of the lookup, and the milter reads both from Redis with every
 *	message: a rotation (a new selector) takes effect with the next
 *	message, and so does a domain removed and enrolled again (new keys,
 *	perhaps for another member) even under a selector name it had
 *	before. Only a key replaced by hand under the same selector and
 *	enrollment is served from here until key_cache seconds have passed.
 *	The Redis server, database and user the keys were read from (the
 *	origin, rconn_ident) are part of the lookup too: after a reload to
 *	another server or database, which may hold the same domain under
 *	the same selector and enrollment time with other keys, the new
 *	sessions never get the old one's (nor a session begun before the
 *	reload, still on the old connection, the new one's).
 *	A key_cache of 0 turns the cache off. Shared by all threads (one
 *	mutex).
 * OWNERSHIP
 *	keycache_get() returns copies that the caller frees.
 */
#ifndef RELAY_MILTER_KEYCACHE_H
#define RELAY_MILTER_KEYCACHE_H

#include <stdint.h>

/* Most entries kept; past it, stale entries are dropped, then the oldest. */
#define KEYCACHE_MAX	4096

struct keycache;

struct keycache *keycache_new(int ttl_s);
void	 keycache_free(struct keycache *);

/*
 * keycache_get - 1 and copies of the keys (*ed may be NULL) when (origin,
 * domain, sel, created) was stored less than ttl seconds before now_ms,
 * else 0.
 */
int	 keycache_get(struct keycache *, const char *origin,
	    const char *domain, const char *sel, long long created,
	    int64_t now_ms, char **rsa, char **ed);
/*
 * keycache_put - store (or replace: one entry a domain) the keys of
 * (origin, domain, sel, created); ed may be NULL
 */
void	 keycache_put(struct keycache *, const char *origin,
	    const char *domain, const char *sel, long long created,
	    int64_t now_ms, const char *rsa, const char *ed);
/* keycache_count - entries held (tests) */
unsigned keycache_count(struct keycache *);

#endif
