/*
 * NAME
 *	policyd_rlink - relay-policyd's one Redis connection, inside
 *	policyd_redis (not for other callers)
 * DESCRIPTION
 *	struct pr and what the connection side (policyd_rlink.c) and the
 *	batch side (policyd_redis.c) call of each other.
 * SEE ALSO
 *	policyd_redis.h (the interface), policyd_rlink.c, policyd_redis.c
 */
#ifndef RELAY_POLICYD_RLINK_H
#define RELAY_POLICYD_RLINK_H

#include <hiredis/async.h>
#include <stdint.h>

#include "conf.h"
#include "rsentinel.h"

struct event;
struct event_base;
struct pr_batch;

struct pr {
	struct event_base *base;
	redisAsyncContext *ac;
	struct event	*retry_ev;
	char		*socket, *host, *user, *password;
	int		 port, db, timeout_ms;
	struct conf_redis sentinel;	/* sentinels, master name, password */
	char		 where[RSENTINEL_HOST_MAX + 80]; /* last connect's */
	int		 backoff_min, backoff_max, backoff;
	int		 up;		/* a good reply since the connect */
	int		 setup_pending;	/* setup replies not yet in: not up */
	int		 down_logged;	/* this outage said so already */
	unsigned long	 downs;		/* attempts failed in this outage */
	int		 freeing;
	long		 outstanding;	/* commands sent, reply not yet in */
	int		 unflushed;	/* queued since the last flush */
	unsigned long	 loads;		/* script reloads queued (NOSCRIPT) */
	unsigned long	 load_warned;	/* the reload whose refusal said so */
	struct pr_batch	*parked;	/* to send on the next connection */
	struct pr_batch	**parked_tail;
	/* dropped for a replica: its batches, and new ones, wait (parked) */
	const redisAsyncContext *moving;	/* until the next connect */
	int64_t		 moved_at;	/* the last move, clock_mono_ms */
	/* an idle connection Redis closed: new batches wait the reconnect */
	int		 reopening;	/* until the next connect */
	unsigned long	 epoch;		/* rconn_replicas() at the connect */
};

/* policyd_rlink.c */
/* pr_drop - free the context on purpose (stuck, or an error we saw) */
void	 pr_drop(struct pr *, const char *why);
/*
 * pr_move - the server became a replica (err: its words): the connection is
 * dropped, the batches waiting on it park (pr->moving names it), and the
 * next connection is made at once
 */
void	 pr_move(struct pr *, const char *err);
/*
 * pr_switched - Sentinel moved the primary (rswitch.h; rconn_replicas()
 * is not pr->epoch): a move as pr_move's, without its window
 */
void	 pr_switched(struct pr *);
/* pr_mark_up - a good reply on the current connection */
void	 pr_mark_up(struct pr *);
/* pr_load_scripts - SCRIPT LOAD of every script, replies to fn; how many */
int	 pr_load_scripts(struct pr *, redisCallbackFn *fn);

/* policyd_redis.c */
/* pr_send_parked - the parked batches on the new connection pr->ac */
void	 pr_send_parked(struct pr *);
/* pr_fail_parked - no connection for the parked batches: each fails */
void	 pr_fail_parked(struct pr *);

#endif
