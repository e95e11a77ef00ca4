/*
 * NAME
 *	policyd_redis - relay-policyd's batches of Redis commands
 * DESCRIPTION
 *	A batch is freed when it has been reported and every one of its
 *	commands has had its hiredis callback (a dropped connection calls
 *	them all with a NULL reply). Every command is kept as sent
 *	(formatted) until its batch is freed. An EVALSHA that meets NOSCRIPT
 *	is sent again on the same connection behind a SCRIPT LOAD of every
 *	script (policyd_noscript.c decides); the batch then waits for the
 *	second reply, under the same timer.
 *	READONLY (the server was turned into a replica: a failover; or
 *	MASTERDOWN, a replica that serves nothing while its link is down)
 *	drops the connection, and the batches waiting on it (the one that
 *	met it and those not answered yet) are parked and sent again, once,
 *	on a new connection made at once (policyd_move.h decides), which
 *	goes to whatever the address leads to now; a batch that meets it
 *	again, or after the move's window, keeps it as its answer. The
 *	connection itself: policyd_rlink.c.
 * SEE ALSO
 *	policyd_redis.h, policyd_rlink.h, policyd_noscript.h, policyd_move.h
 */
#include <event2/event.h>
#include <hiredis/async.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "policyd_move.h"
#include "policyd_noscript.h"
#include "policyd_redis.h"
#include "policyd_rlink.h"
#include "rconn.h"
#include "rreply.h"
#include "rscript.h"
#include "stats.h"
#include "xalloc.h"

/* Commands queued before they are written without waiting for the loop. */
#define PR_FLUSH_EVERY	4

struct pr_slot {
	struct pr_batch	*b;
	size_t		 i;
	char		*cmd;		/* the command as sent */
	size_t		 len;
	int		 script;	/* an EVALSHA */
	unsigned long	 loads;		/* pr->loads when it was sent */
	int		 resent;	/* sent again after NOSCRIPT */
};

struct pr_batch {
	struct pr	*pr;
	pr_done_fn	*cb;
	void		*arg;
	double		 t0;		/* sent (metrics: one round trip) */
	struct event	*timer;
	size_t		 n, pending;
	int		 reported, failed;
	int		 holding;	/* on_timeout still uses it */
	int		 moving;	/* its connection left for a replica */
	int		 moved;		/* sent again on another connection */
	int		 parked;	/* in pr->parked, waiting for it */
	struct pr_batch	*next;		/* in pr->parked */
	struct rval	**replies;
	struct pr_slot	 slots[PR_MAX_CMDS];
};

static void	on_reply(redisAsyncContext *, void *, void *);

/* rval_from_reply - copy a hiredis reply */
static struct rval *
rval_from_reply(const redisReply *r)
{
	struct rval *v;
	size_t	 i;

	switch (r->type) {
	case REDIS_REPLY_INTEGER:
		return rval_new_int(r->integer);
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		return rval_new_str(r->str, (size_t)r->len);
	case REDIS_REPLY_ERROR:
		v = rval_new_str(r->str, (size_t)r->len);
		v->type = RVAL_ERR;
		return v;
	case REDIS_REPLY_ARRAY:
		v = rval_new_array(r->elements);
		for (i = 0; i < r->elements; i++)
			v->el[i] = rval_from_reply(r->element[i]);
		return v;
	default:
		return rval_new_nil();
	}
}

void
pr_replies_free(struct rval **replies, size_t n)
{
	size_t	 i;

	if (replies == NULL)
		return;
	for (i = 0; i < n; i++)
		rval_free(replies[i]);
	free(replies);
}

/* batch_report - call the callback once; the replies become its */
static void
batch_report(struct pr_batch *b, int status)
{
	struct rval **r = b->replies;

	if (b->reported)
		return;
	b->reported = 1;
	b->replies = NULL;
	if (b->timer != NULL)
		evtimer_del(b->timer);
	if (status == 0)
		stats_redis_done(b->t0);
	else
		stats_redis_error(STATS_REDIS_IO);
	b->cb(b->arg, status, r, b->n);
}

/* batch_free - the batch, its kept commands and any replies not given */
static void
batch_free(struct pr_batch *b)
{
	size_t	 i;

	if (b->timer != NULL)
		event_free(b->timer);
	for (i = 0; i < b->n; i++)
		redisFreeCommand(b->slots[i].cmd);
	pr_replies_free(b->replies, b->n);
	free(b);
}

/* batch_maybe_free - once reported and every callback came back */
static void
batch_maybe_free(struct pr_batch *b)
{
	if (!b->reported || b->pending > 0 || b->holding)
		return;
	batch_free(b);
}

/*
 * park - b left a connection that became a replica, or came while such a
 * move was under way: it waits for the next connection, made at once (a
 * reconnect already pending is brought forward)
 */
static void
park(struct pr *pr, struct pr_batch *b)
{
	struct timeval now = { 0, 0 };

	b->parked = 1;
	b->next = NULL;
	if (pr->parked == NULL)
		pr->parked_tail = &pr->parked;
	*pr->parked_tail = b;
	pr->parked_tail = &b->next;
	if (pr->ac == NULL && !pr->freeing)
		evtimer_add(pr->retry_ev, &now);
}

/* unpark - take b out of the parked list */
static void
unpark(struct pr *pr, struct pr_batch *b)
{
	struct pr_batch **p;

	for (p = &pr->parked; *p != NULL; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	if (pr->parked == NULL)
		pr->parked_tail = &pr->parked;
	else if (b->next == NULL)
		for (pr->parked_tail = &pr->parked; *pr->parked_tail != NULL;
		    pr->parked_tail = &(*pr->parked_tail)->next)
			;
	b->parked = 0;
	b->next = NULL;
}

/* pr_fail_parked - no connection for the parked batches: each fails */
void
pr_fail_parked(struct pr *pr)
{
	struct pr_batch *b;

	while ((b = pr->parked) != NULL) {
		unpark(pr, b);
		b->failed = 1;
		batch_report(b, -1);
		batch_maybe_free(b);
	}
}

/*
 * on_load_reply - a reload's SCRIPT LOAD. A refusal is logged once per
 * reload: the EVALSHA sent again behind it meets NOSCRIPT and stands.
 */
static void
on_load_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	redisReply	*r = reply;
	struct pr	*pr = ac->data;
	char		 esc[300];

	(void)priv;
	if (r == NULL || pr == NULL || ac != pr->ac ||
	    r->type != REDIS_REPLY_ERROR)
		return;
	stats_redis_error(STATS_REDIS_REPLY);
	if (pr->load_warned == pr->loads)
		return;
	pr->load_warned = pr->loads;
	log_escape(esc, sizeof(esc), r->str, (size_t)r->len);
	log_warn("redis=script_load_failed reason=\"SCRIPT LOAD: %s\"", esc);
}

/*
 * resend - s's EVALSHA met NOSCRIPT: send it again on the current
 * connection, behind a SCRIPT LOAD of every script when load is set. 0,
 * or -1 when it could not be queued (the NOSCRIPT reply then stands).
 */
static int
resend(struct pr *pr, struct pr_slot *s, int load)
{
	if (load) {
		pr->loads++;
		log_info("redis=noscript action=reload scripts=%zu",
		    rscript_nsrcs);
		(void)pr_load_scripts(pr, on_load_reply);
	}
	if (redisAsyncFormattedCommand(pr->ac, on_reply, s, s->cmd,
	    s->len) != REDIS_OK)
		return -1;
	s->loads = pr->loads;
	s->resent = 1;
	s->b->pending++;
	pr->outstanding++;
	return 0;
}

/*
 * replica - s's reply r is READONLY or MASTERDOWN on the current connection:
 * the connection is to be dropped. 1 when the batch moves, and with it
 * those still waiting there (within the move's window).
 */
static int
replica(struct pr *pr, struct pr_batch *b, redisAsyncContext *ac)
{
	int64_t now = clock_mono_ms();

	if (!pd_batch_moves(b->reported, b->failed, b->moved) ||
	    !pd_move_ok(now, pr->moved_at, pr->backoff_max))
		return 0;
	pr->moved_at = now;
	pr->moving = ac;
	b->moving = 1;
	return 1;
}

static void
on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct pr_slot	*s = priv;
	struct pr_batch	*b = s->b;
	struct pr	*pr = b->pr;
	redisReply	*r = reply;
	enum pd_noscript_next next;
	char		 esc[200], why[260];
	int		 drop = 0;

	b->pending--;
	if (ac == pr->ac && pr->outstanding > 0)
		pr->outstanding--;
	if (r == NULL) {
		/* its connection was dropped: with a move, it goes too */
		if (ac == pr->moving && pd_batch_moves(b->reported, b->failed,
		    b->moved))
			b->moving = 1;
		else if (!b->moving)
			b->failed = 1;
	} else if (b->moving) {
		;	/* an answer from the replica it leaves: not kept */
	} else {
		if (ac == pr->ac)
			pr_mark_up(pr);
		next = pd_noscript_next(r->type == REDIS_REPLY_ERROR ? r->str :
		    NULL, s->script, s->resent, s->loads != pr->loads);
		if ((next == PD_NOSCRIPT_RESEND || next == PD_NOSCRIPT_LOAD) &&
		    !b->reported && ac == pr->ac &&
		    resend(pr, s, next == PD_NOSCRIPT_LOAD) == 0)
			return;		/* the batch waits for that reply */
		if (next == PD_NOSCRIPT_FAIL && ac == pr->ac)
			drop = 1;
		if (r->type == REDIS_REPLY_ERROR && rreply_replica(r->str) &&
		    ac == pr->ac) {
			drop = replica(pr, b, ac) ? 3 : 2;
			log_escape(esc, sizeof(esc), r->str, (size_t)r->len);
		}
		if (!b->reported && !b->moving)
			b->replies[s->i] = rval_from_reply(r);
		if (r->type == REDIS_REPLY_ERROR)
			stats_redis_error(STATS_REDIS_REPLY);
	}
	if (b->pending == 0 && b->moving && !b->reported)
		park(pr, b);
	else if (b->pending == 0)
		batch_report(b, b->failed ? -1 : 0);
	batch_maybe_free(b);
	/*
	 * The reload did not take (SCRIPT LOAD refused): a connection without
	 * its scripts is no connection. Dropped, it goes through the setup
	 * again, whose refusal is one redis=down line per outage and a
	 * backoff, not a reload and three lines per request.
	 */
	if (drop == 1)
		pr_drop(pr, "NOSCRIPT after SCRIPT LOAD: the scripts cannot "
		    "be loaded");
	else if (drop == 2) {
		snprintf(why, sizeof(why), "the server is a replica now: %s",
		    esc);
		pr_drop(pr, why);
	} else if (drop == 3)
		pr_move(pr, esc);
}

/*
 * on_timeout - Redis is slower than timeout_ms: stuck, drop it. A parked
 * batch (no connection came for it in time) fails alone.
 */
static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pr_batch	*b = arg;

	b->failed = 1;
	b->holding = 1;
	if (b->parked)
		unpark(b->pr, b);
	else if (b->pr->ac != NULL)
		pr_drop(b->pr, "timeout");	/* fails every waiting batch */
	b->holding = 0;
	batch_report(b, -1);
	batch_maybe_free(b);
}

/*
 * pr_send_parked - the parked batches on the new connection, behind its
 * setup, in the order they were sent; their replies from the replica
 * are dropped, their timers run on
 */
void
pr_send_parked(struct pr *pr)
{
	struct pr_batch	*b;
	struct pr_slot	*s;
	size_t		 i;

	while ((b = pr->parked) != NULL) {
		unpark(pr, b);
		b->moving = 0;
		b->moved = 1;
		for (i = 0; i < b->n; i++) {
			s = &b->slots[i];
			rval_free(b->replies[i]);
			b->replies[i] = NULL;
			if (redisAsyncFormattedCommand(pr->ac, on_reply, s,
			    s->cmd, s->len) != REDIS_OK) {
				b->failed = 1;
				continue;
			}
			s->resent = 0;
			s->loads = pr->loads;
			b->pending++;
			pr->outstanding++;
		}
		if (b->pending == 0) {
			batch_report(b, -1);
			batch_maybe_free(b);
		}
	}
}

/*
 * keep_one - format one command for slot s and keep it: an EVALSHA
 * (script) is sent again after NOSCRIPT, any command after a move. 0 or -1.
 */
static int
keep_one(struct pr *pr, struct pr_slot *s, int script, int argc,
    const char **argv)
{
	int	 len;

	if ((len = redisFormatCommandArgv(&s->cmd, argc, argv, NULL)) < 0)
		return -1;
	s->len = (size_t)len;
	s->script = script;
	s->loads = pr->loads;
	return 0;
}

int
pr_batch(struct pr *pr, const struct pr_cmd *cmds, size_t n, pr_done_fn *cb,
    void *arg)
{
	struct pr_batch	*b;
	struct timeval	 tv;
	const char	*argv[PR_MAX_ARGS + 2];
	size_t		 i;
	int		 j, argc, sent = 0;
	int		 wait;	/* a move or reconnect: for the next one */

	if (pr->epoch != rconn_replicas())	/* Sentinel moved it */
		pr_switched(pr);
	wait = pr->ac == NULL && (pr->moving != NULL || pr->reopening);
	if ((pr->ac == NULL && !wait) || pr->freeing || n == 0 ||
	    n > PR_MAX_CMDS)
		return -1;
	b = xcalloc(1, sizeof(*b));
	b->pr = pr;
	b->cb = cb;
	b->arg = arg;
	b->t0 = stats_clock();
	b->n = n;
	b->replies = xcalloc(n, sizeof(*b->replies));
	for (i = 0; i < n; i++) {
		argc = 0;
		if (cmds[i].script != NULL) {
			argv[argc++] = "EVALSHA";
			argv[argc++] = cmds[i].script->sha;
		}
		for (j = 0; j < cmds[i].argc && j < PR_MAX_ARGS; j++)
			argv[argc++] = cmds[i].argv[j];
		b->slots[i].b = b;
		b->slots[i].i = i;
		if (keep_one(pr, &b->slots[i], cmds[i].script != NULL, argc,
		    argv) < 0 || (!wait && redisAsyncFormattedCommand(pr->ac,
		    on_reply, &b->slots[i], b->slots[i].cmd, b->slots[i].len) !=
		    REDIS_OK)) {
			b->failed = 1;
			continue;
		}
		if (!wait) {
			b->pending++;
			sent++;
		}
	}
	if (wait ? b->failed : sent == 0) {
		batch_free(b);
		return -1;
	}
	b->timer = evtimer_new(pr->base, on_timeout, b);
	tv.tv_sec = pr->timeout_ms / 1000;
	tv.tv_usec = (pr->timeout_ms % 1000) * 1000;
	evtimer_add(b->timer, &tv);
	if (wait) {
		park(pr, b);
		return 0;
	}
	/*
	 * hiredis would write the commands when the loop turn ends, after
	 * every request read in this turn has been parsed, with Redis idle
	 * meanwhile. Written now when Redis has nothing of ours to work on,
	 * and then every PR_FLUSH_EVERY commands, Redis runs the first
	 * scripts while the later requests are still being parsed.
	 * redisBufferWrite only writes: an error stays in the context for
	 * hiredis' own event handler to act on, so no callback of ours runs
	 * from inside this call.
	 */
	pr->unflushed += sent;
	if (pr->up && (pr->outstanding == 0 ||
	    pr->unflushed >= PR_FLUSH_EVERY)) {
		int done;

		(void)redisBufferWrite(&pr->ac->c, &done);
		pr->unflushed = 0;
	}
	pr->outstanding += sent;
	return 0;
}
