/*
 * NAME
 *	tracker_recheck - refusals at end of data looked up once more, later
 * DESCRIPTION
 *	A ring of copies: the head is the oldest. Every item is put with
 *	the same delay after a monotonic now, so the ring is in due order
 *	and only its head needs looking at.
 * SEE ALSO
 *	tracker_recheck.h
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "tracker_apply.h"
#include "tracker_recheck.h"
#include "xalloc.h"

struct recheck {
	struct tracker_item	 item[RECHECK_MAX];
	int64_t			 due[RECHECK_MAX];
	size_t			 head;		/* the oldest */
	size_t			 used;
	uint64_t		 dropped;
};

struct recheck *
recheck_new(void)
{
	return xcalloc(1, sizeof(struct recheck));
}

void
recheck_free(struct recheck *rq)
{
	free(rq);
}

int
recheck_put(struct recheck *rq, const struct tracker_item *it, int64_t due_ms)
{
	size_t	 i;

	if (rq->used == RECHECK_MAX) {
		rq->dropped++;
		return -1;
	}
	i = (rq->head + rq->used) % RECHECK_MAX;
	rq->item[i] = *it;
	rq->due[i] = due_ms;
	rq->used++;
	return 0;
}

size_t
recheck_take(struct recheck *rq, int64_t now_ms, struct tracker_item *out,
    size_t max)
{
	size_t	 k = 0;

	while (k < max && rq->used > 0 && rq->due[rq->head] <= now_ms) {
		out[k++] = rq->item[rq->head];
		rq->head = (rq->head + 1) % RECHECK_MAX;
		rq->used--;
	}
	return k;
}

size_t
recheck_count(const struct recheck *rq)
{
	return rq->used;
}

uint64_t
recheck_dropped(const struct recheck *rq)
{
	return rq->dropped;
}
