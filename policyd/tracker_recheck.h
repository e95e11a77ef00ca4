/*
 * NAME
 *	tracker_recheck - refusals at end of data looked up once more, later
 * DESCRIPTION
 *	relay-milter writes its record of a message before it answers end
 *	of data. When it dies between the two, Postfix refuses the message
 *	and logs that at once, and relay-tracker may read the refusal and
 *	look its queue id up before Redis has run the writes the milter
 *	sent just before it died (still in Redis' input, or on the wire):
 *	no record yet. The record then appears after its refusal was read,
 *	and would stay open (in the member's inflight set, against the
 *	queue cap) until milter.record_ttl.
 *
 *	So a refusal looked up with no record is kept here and looked up
 *	once more TRACKER_RECHECK_MS after its batch was applied (a delay
 *	counted from Redis' answer, so a Redis that was stalled delays it
 *	too); a refusal of a message that is not ours (another milter's,
 *	a policy's) costs one more GET.
 *
 *	The queue is a ring of at most RECHECK_MAX items in the order they
 *	are due; a full queue refuses the newest (recheck_dropped counts
 *	them). It lives in memory: relay-tracker looks the queued ones up at
 *	once when it stops; one killed loses them (their records leave at
 *	milter.record_ttl, as without this queue).
 * SEE ALSO
 *	tracker_apply.h (tracker_item.recheck), relay-tracker.c
 */
#ifndef RELAY_TRACKER_RECHECK_H
#define RELAY_TRACKER_RECHECK_H

#include <stddef.h>
#include <stdint.h>

#ifndef RECHECK_MAX
#define RECHECK_MAX		1024
#endif
#define TRACKER_RECHECK_MS	5000

struct recheck;
struct tracker_item;

struct recheck	*recheck_new(void);
void		 recheck_free(struct recheck *);

/* recheck_put - keep a copy of it, due at due_ms; 0, or -1 when full */
int		 recheck_put(struct recheck *, const struct tracker_item *it,
		    int64_t due_ms);

/*
 * recheck_take - move the items due at now_ms (INT64_MAX: all of them)
 * into out, in the order they were put, at most max; how many
 */
size_t		 recheck_take(struct recheck *, int64_t now_ms,
		    struct tracker_item *out, size_t max);

/* recheck_count - how many are queued; recheck_dropped - refused, full */
size_t		 recheck_count(const struct recheck *);
uint64_t	 recheck_dropped(const struct recheck *);

#endif
