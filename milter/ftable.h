/*
 * NAME
 *	ftable - values read from Redis, by key and field, until the key changes
 * DESCRIPTION
 *	The storage of relay-milter's fact cache (fcache.h): a bounded map
 *	from (Redis key, field) to a small value of a fixed size. Dropping a
 *	key forgets every field kept under it, which is what a Redis
 *	invalidation message asks for. Every drop and clear advances a
 *	sequence number, so a reader can tell that an invalidation came
 *	while its own read was in flight (and not keep what it read).
 *
 *	When the map holds max entries, the next put forgets everything
 *	first: a full cache is a cold cache, never a wrong one.
 * THREADS
 *	None: the caller locks (fcache.c holds one mutex around every call).
 */
#ifndef RELAY_MILTER_FTABLE_H
#define RELAY_MILTER_FTABLE_H

#include <stddef.h>

struct ftable;

/* ftable_new - a map of at most max entries (fields); max >= 1 */
struct ftable *ftable_new(size_t max);
void	 ftable_free(struct ftable *);

/*
 * ftable_get - 1 and the value copied to buf when (key, field) is held
 * with a value of exactly len bytes, else 0
 */
int	 ftable_get(const struct ftable *, const char *key, const char *field,
	    void *buf, size_t len);
/* ftable_put - keep (or replace) the value of (key, field) */
void	 ftable_put(struct ftable *, const char *key, const char *field,
	    const void *val, size_t len);
/* ftable_drop - forget every field of the key (keylen bytes, no NUL needed) */
void	 ftable_drop(struct ftable *, const char *key, size_t keylen);
/* ftable_clear - forget everything */
void	 ftable_clear(struct ftable *);
/* ftable_seq - advanced by every drop (of a key held or not) and clear */
unsigned long ftable_seq(const struct ftable *);
/* ftable_count - entries held; ftable_clears - clears so far, full ones too */
size_t	 ftable_count(const struct ftable *);
unsigned long ftable_clears(const struct ftable *);

#endif
