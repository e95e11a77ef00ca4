/*
 * NAME
 *	tracker_apply - turn parsed log events into Redis updates
 * DESCRIPTION
 *	tracker_apply() takes a batch of events (deliveries, removals,
 *	expiries) in log order. It looks each queue id up in
 *	relay:{q:QID}:qid (one pipeline), skips events of messages the
 *	milter never recorded, and calls tracker_event.lua for the rest
 *	(a second pipeline): status per recipient, suppression, soft
 *	counts, the bounce-rate window and auto-suspension, exactly once
 *	per event id. The decisions (class, what an event changes) are made
 *	in C by bounce.c before the call; the script only applies them.
 *
 *	A batch either is applied whole or the call fails with a negative
 *	code (Redis down or slow): the caller retries the same batch, which
 *	is harmless because every event is idempotent.
 *
 *	The read position is kept in relay:{n:NODE}:tracker_pos or, when
 *	tracker.state_file is set, in that file (written to a temporary
 *	file and renamed).
 * SEE ALSO
 *	common/lua/tracker_event.lua, common/SCHEMA.md, bounce.h
 */
#ifndef RELAY_TRACKER_APPLY_H
#define RELAY_TRACKER_APPLY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"
#include "maillog.h"
#include "tracker_follow.h"

struct rconn;

struct tracker_counts {
	uint64_t	 lines;		/* complete lines read */
	uint64_t	 unknown;	/* not Postfix log lines */
	uint64_t	 other;		/* Postfix lines we do not act on */
	uint64_t	 events;	/* deliveries, removals, expiries */
	uint64_t	 no_record;	/* no queue id record: not ours */
	uint64_t	 applied;	/* changed Redis */
	uint64_t	 repeats;	/* seen before (restart, re-read) */
	uint64_t	 bad;		/* unusable recipient address */
	uint64_t	 suppressed;
	uint64_t	 suspended;
};

struct tracker_item {
	struct maillog_event	 ev;
	char			 handle[64];
};

struct tracker_ctx {
	const struct relay_conf	*conf;
	struct rconn		*rc;
	struct tracker_counts	 n;
};

/* tracker_apply - apply items[0..n) in order; 0, or negative: retry */
int	 tracker_apply(struct tracker_ctx *, struct tracker_item *items,
	    size_t n, time_t now);

/* tracker_pos_load - the saved position; 0 (off -1: none), or negative */
int	 tracker_pos_load(struct tracker_ctx *, struct follow_pos *);
/* tracker_pos_save - store the position; 0 or negative */
int	 tracker_pos_save(struct tracker_ctx *, const struct follow_pos *,
	    time_t now);

#endif
