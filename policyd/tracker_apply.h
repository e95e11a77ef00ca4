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
 *	Each event is dated by its line's time stamp (tracker_time.h), not
 *	by the now of the call, which only trims the window and marks the
 *	event. A member removed since its message was recorded gets nothing
 *	written (logged event=skipped why="member removed"). A recipient
 *	addr_norm refuses (an address literal, a one-label domain) is
 *	passed as logged, matched against the message's recipients
 *	case-insensitively, counted but never suppressed.
 *	Each event carries its place in the log (the file's dev, inode and
 *	head hash, and the offset after its line): `removed` stores its
 *	own, and a line of that queue id before it in the same file is of
 *	the same message (a retried item of a pipeline that Redis ran after
 *	the `removed`), not of another message reusing the id.
 *	A refusal at end of data whose queue id has no record yet is only
 *	marked (item.recheck 1): the caller looks it up once more later
 *	(tracker_recheck.h), as an item marked 2, counted then if still of
 *	no record.
 *
 *	An event whose keys hold the wrong type (WRONGTYPE, on the queue id
 *	lookup or inside the script) or that meets the script's own error
 *	is logged (event=failed, with the reason) and skipped: no retry
 *	mends it, and it must not stop the log.
 *
 *	A batch either is applied whole or the call fails with a negative
 *	code (Redis down or slow): the caller retries the same batch, which
 *	is harmless because every event is idempotent.
 *
 *	The read position is kept in relay:{n:NODE}:tracker_pos and, when
 *	tracker.state_file is set, in that file too (written to a temporary
 *	file and renamed): device, inode, offset, the length and a hash
 *	of the file's first bytes, and the file's mtime (follow_pos). It is
 *	saved with a compare-and-set, and checked after every new
 *	connection, so that a Redis gone back in time is read again from
 *	(tracker_pos.c).
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
#include "tracker_posval.h"

struct hopseen;
struct hopstash;
struct rconn;

struct tracker_counts {
	uint64_t	 lines;		/* complete lines read */
	uint64_t	 unknown;	/* not Postfix log lines */
	uint64_t	 other;		/* Postfix lines we do not act on */
	uint64_t	 events;	/* deliveries, removals, expiries */
	uint64_t	 no_record;	/* no queue id record: not ours */
	uint64_t	 late;		/* refusals whose record came after
					   they were read (tracker_recheck.h) */
	uint64_t	 applied;	/* changed Redis */
	uint64_t	 repeats;	/* seen before (restart, re-read) */
	uint64_t	 bad;		/* unusable recipient address */
	uint64_t	 ignored;	/* queue id reused, or not a recipient */
	uint64_t	 no_member;	/* the member was removed: skipped */
	uint64_t	 failed;	/* the script's own error (logged) */
	uint64_t	 suppressed;
	uint64_t	 suspended;
	uint64_t	 handoffs;	/* sent to a content filter */
};

struct tracker_item {
	struct maillog_event	 ev;
	struct follow_pos	 pos;		/* just after the event's line */
	char			 handle[64];
	char			 root[MAILLOG_QID_MAX];	/* the record's queue id,
						   when ev.qid is a content
						   filter's hop; else "" */
	int			 asked;		/* queue id looked up */
	int			 failed;	/* its lookup failed for good */
	int			 handoff;	/* sent to a content filter
						   (tracker_hop.h) */
	int			 linked;	/* ... its next hop linked (1),
						   not (-1), not yet (0) */
	int			 propagated;	/* a hop's, linked in this batch */
	int			 deferred;	/* applied after the replay */
	int			 recheck;	/* a refusal at end of data of
						   no record: to be looked up
						   again (1), being so (2);
						   0 when read (see
						   tracker_recheck.h) */
	long long		 code;		/* tracker_event.lua's answer */
};

#define TRACKER_CODE_NONE	(-100)	/* not applied (no record, failed) */

/* the read position in Redis, as this process knows it (tracker_pos.c) */
struct tracker_posmem {
	char			 gen[17];	/* this process's nonce */
	struct posval_rec	 seen;		/* what the key held when last
						   read or written */
};

struct tracker_ctx {
	const struct relay_conf	*conf;
	struct rconn		*rc;
	struct hopseen		*seen;		/* received queue ids, or NULL */
	struct hopstash		*stash;		/* their lines before a link */
	struct tracker_counts	 n;
	struct tracker_posmem	 pm;
	char			 why[512];	/* the last failure, for the log */
};

/*
 * tracker_apply - apply items[0..n) in order, now being the current time
 * (lines dated after it are dated now); 0, or negative: retry (the
 * connection dropped, or Redis answered an error: see tracker_retry.h;
 * t->why says which)
 */
int	 tracker_apply(struct tracker_ctx *, struct tracker_item *items,
	    size_t n, time_t now);

/*
 * tracker_stash_lines - at start-up, the lines of queue ids received here
 * read back from before the saved position (relay-tracker.c, prime):
 * those of no record are kept for a hand-off to come (tracker_hop.h,
 * hopstash); 0, or -1 when Redis could not tell
 */
int	 tracker_stash_lines(struct tracker_ctx *, struct tracker_item *it,
	    size_t n);

/*
 * tracker_report (tracker_report.c) - count and log what one
 * tracker_event.lua call did (r: its reply; rcpt: the recipient the call
 * named, for a delivery); the reply's code into it->code, or
 * TRACKER_CODE_NONE left there when the reply has no known shape (logged
 * as the script's failure). The reply of an applied call (code 1) is of
 * the script's shape, its element 9 an array.
 *
 * tracker_refund (tracker_report.c) - give back the warming charges the
 * applied call r of a refusal at end of data returned (its element 9:
 * id, warm set, ...; common/charges.h) and log it. A failure is logged
 * and left: the charges stand, the safe side.
 */
struct redisReply;
void	 tracker_report(struct tracker_ctx *, struct tracker_item *it,
	    const char *rcpt, const struct redisReply *r);
void	 tracker_refund(struct tracker_ctx *, const struct tracker_item *it,
	    const struct redisReply *r);

/* tracker_why - the reason of a failure, for the caller's log line (t->why) */
void	 tracker_why(struct tracker_ctx *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * tracker_pos_load (tracker_pos.c) - the saved position at start-up (with
 * tracker.state_file, the older of the file's and Redis's); 0 (off -1:
 * none), 1 when a state file holds no position and Redis none either
 * (t->why says so, mtime_ns is the file's: follow_open_lost), or negative
 * with t->why set.
 *
 * tracker_pos_verify - after a new connection to Redis (none: 0 at once),
 * compare the position there with what this process saw; from is where
 * its reading stands. 0: read on; 1: read again from *go (Redis went back
 * in time, or may have lost what was applied since its position: logged);
 * negative: Redis failed (t->why).
 *
 * tracker_pos_save - tracker_pos_verify, then store the position with a
 * compare-and-set (one round trip), then the state file; 0, 1 and *go as
 * tracker_pos_verify (nothing stored), or negative with t->why set (path
 * and strerror, or Redis' answer).
 */
int	 tracker_pos_load(struct tracker_ctx *, struct follow_pos *);
int	 tracker_pos_verify(struct tracker_ctx *, const struct follow_pos *from,
	    struct follow_pos *go);
int	 tracker_pos_save(struct tracker_ctx *, const struct follow_pos *,
	    time_t now, struct follow_pos *go);

#endif
