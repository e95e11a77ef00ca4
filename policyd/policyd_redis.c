/*
 * NAME
 *	policyd_redis - async Redis connection: batches, timeouts, backoff
 * DESCRIPTION
 *	State: down (ac NULL, a reconnect timer pending) or connecting/up (ac
 *	set). pr->ac is cleared before we free a context ourselves, so the
 *	disconnect callback of a context we dropped on purpose is ignored,
 *	and batches started from inside failure callbacks fail fast.
 *	A batch is freed when it has been reported and every one of its
 *	commands has had its hiredis callback (a dropped connection calls
 *	them all with a NULL reply).
 *	An EVALSHA is kept as sent (formatted) until its batch is freed, so
 *	that a NOSCRIPT reply can have it sent again on the same connection
 *	behind a SCRIPT LOAD of every script (policyd_noscript.c decides);
 *	the batch then waits for the second reply, under the same timer.
 *	READONLY (the server was turned into a replica: a failover; or
 *	MASTERDOWN, a replica that serves nothing while its link is down) stands
 *	as that request's answer, and the connection is dropped: the next
 *	one goes to whatever the address leads to now. The setup asks HELLO
 *	for the server's role, and a replica is a failed attempt, so the
 *	backoff grows while the address still leads to one.
 * SEE ALSO
 *	policyd_redis.h, policyd_noscript.h, hiredis adapters/libevent.h
 */
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "policyd_noscript.h"
#include "policyd_redis.h"
#include "rconn.h"
#include "rreply.h"
#include "rscript.h"
#include "rsentinel.h"
#include "stats.h"
#include "xalloc.h"

/* Commands queued before they are written without waiting for the loop. */
#define PR_FLUSH_EVERY	4

struct pr {
	struct event_base *base;
	redisAsyncContext *ac;
	struct event	*retry_ev;
	char		*socket, *host, *user, *password;
	int		 port, db, timeout_ms;
	struct conf_redis sentinel;	/* sentinels, master name, password */
	char		 where[RSENTINEL_HOST_MAX + 80]; /* the last connect's */
	int		 backoff_min, backoff_max, backoff;
	int		 up;		/* a good reply since the last connect */
	int		 setup_pending;	/* setup replies not yet in: not up */
	int		 down_logged;	/* this outage said so already */
	unsigned long	 downs;		/* attempts failed in this outage */
	int		 freeing;
	long		 outstanding;	/* commands sent, reply not yet in */
	int		 unflushed;	/* commands queued since the last flush */
	unsigned long	 loads;		/* script reloads queued (NOSCRIPT) */
	unsigned long	 load_warned;	/* the reload whose refusal was logged */
};

struct pr_batch;

struct pr_slot {
	struct pr_batch	*b;
	size_t		 i;
	char		*cmd;		/* an EVALSHA as sent, or NULL */
	size_t		 len;
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
	struct rval	**replies;
	struct pr_slot	 slots[PR_MAX_CMDS];
};

static void	pr_connect(struct pr *);
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

/* schedule_retry - reconnect after the backoff, which then doubles */
static void
schedule_retry(struct pr *pr)
{
	struct timeval tv;

	if (pr->freeing)
		return;
	tv.tv_sec = pr->backoff / 1000;
	tv.tv_usec = (pr->backoff % 1000) * 1000;
	evtimer_add(pr->retry_ev, &tv);
	pr->backoff = pr->backoff * 2 > pr->backoff_max ? pr->backoff_max :
	    pr->backoff * 2;
}

/*
 * down - a connection lost or refused: the first of an outage is logged as
 * a warning, the others are counted for the "redis=up" line that ends it
 * (one line per attempt flooded the log: about 2 a second). Redis closing
 * a healthy connection that had nothing to answer (its idle timeout) is
 * no outage: an info line, and the reconnect follows.
 */
static void
down(struct pr *pr, const char *why, int idle)
{
	if (idle && !pr->down_logged) {
		log_info("redis=closed reason=\"%s\" action=reconnect", why);
		return;
	}
	pr->downs++;
	if (pr->down_logged)
		return;
	pr->down_logged = 1;
	log_warn("redis=down reason=\"%s\" retry_ms=%d", why, pr->backoff);
}

/* pr_drop - free the context on purpose (stuck, or an error we saw) */
static void
pr_drop(struct pr *pr, const char *why)
{
	redisAsyncContext *ac = pr->ac;

	if (ac == NULL)
		return;
	down(pr, why, 0);
	pr->ac = NULL;
	pr->up = 0;
	pr->outstanding = 0;
	pr->unflushed = 0;
	redisAsyncFree(ac);	/* pending callbacks get NULL replies */
	schedule_retry(pr);
}

/* mark_up - a good reply on the current connection: reset the backoff */
static void
mark_up(struct pr *pr)
{
	if (pr->up)
		return;
	pr->up = 1;
	pr->backoff = pr->backoff_min;
	if (pr->down_logged)
		log_info("redis=up failed_attempts=%lu", pr->downs);
	else
		log_info("redis=up");
	pr->down_logged = 0;
	pr->downs = 0;
}

/* load_scripts - SCRIPT LOAD of every script, replies to fn; how many */
static int
load_scripts(struct pr *pr, redisCallbackFn *fn)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < rscript_nsrcs; i++) {
		const char *load[3] = { "SCRIPT", "LOAD", rscript_srcs[i].body };

		if (redisAsyncCommandArgv(pr->ac, fn, "SCRIPT LOAD", 3, load,
		    NULL) == REDIS_OK)
			n++;
	}
	return n;
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
		(void)load_scripts(pr, on_load_reply);
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
		b->failed = 1;
	} else {
		if (ac == pr->ac)
			mark_up(pr);
		next = pd_noscript_next(r->type == REDIS_REPLY_ERROR ? r->str :
		    NULL, s->cmd != NULL, s->resent, s->loads != pr->loads);
		if ((next == PD_NOSCRIPT_RESEND || next == PD_NOSCRIPT_LOAD) &&
		    !b->reported && ac == pr->ac &&
		    resend(pr, s, next == PD_NOSCRIPT_LOAD) == 0)
			return;		/* the batch waits for that reply */
		if (next == PD_NOSCRIPT_FAIL && ac == pr->ac)
			drop = 1;
		if (r->type == REDIS_REPLY_ERROR && rreply_replica(r->str) &&
		    ac == pr->ac) {
			drop = 2;
			log_escape(esc, sizeof(esc), r->str, (size_t)r->len);
		}
		if (!b->reported)
			b->replies[s->i] = rval_from_reply(r);
		if (r->type == REDIS_REPLY_ERROR)
			stats_redis_error(STATS_REDIS_REPLY);
	}
	if (b->pending == 0)
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
	}
}

/* on_timeout - Redis is slower than timeout_ms: stuck, drop it */
static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pr_batch	*b = arg;

	b->failed = 1;
	b->holding = 1;
	if (b->pr->ac != NULL)
		pr_drop(b->pr, "timeout");	/* fails every waiting batch */
	b->holding = 0;
	batch_report(b, -1);
	batch_maybe_free(b);
}

static void
on_setup_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	redisReply	*r = reply;
	struct pr	*pr = ac->data;

	if (r == NULL || pr == NULL || ac != pr->ac)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		/*
		 * One line per outage, with the reason (-LOADING lasts as long
		 * as Redis loads its data: a line per attempt flooded the log)
		 */
		char why[300], esc[260];

		/* Redis's text goes into a quoted field: escaped */
		log_escape(esc, sizeof(esc), r->str, (size_t)r->len);
		snprintf(why, sizeof(why), "%s: %s", (const char *)priv, esc);
		pr_drop(pr, why);
		return;
	}
	/*
	 * Up once every setup reply is in: a connection that Redis (or a
	 * proxy on the way) cuts during the setup is a failed attempt, and
	 * its backoff grows; taken as up, it reset the backoff and every
	 * close read as an idle one, 10 pairs of lines a second for ever.
	 */
	if (pr->setup_pending > 0 && --pr->setup_pending == 0)
		mark_up(pr);
}

/*
 * on_hello_reply - the setup's HELLO 2: a replica is dropped like a failed
 * setup (no redis=up, a growing backoff). An error reply (Redis 5 has no
 * HELLO; an ACL may deny it) tells nothing: the setup goes on.
 */
static void
on_hello_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct pr	*pr = ac->data;
	char		 why[400];

	(void)priv;
	if (reply == NULL || pr == NULL || ac != pr->ac)
		return;
	if (rreply_role(reply) == RREPLY_ROLE_REPLICA) {
		snprintf(why, sizeof(why), "%s is a replica (read-only), not "
		    "the primary", pr->where);
		pr_drop(pr, why);
		return;
	}
	if (pr->setup_pending > 0 && --pr->setup_pending == 0)
		mark_up(pr);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct pr	*pr = ac->data;

	if (pr == NULL || ac != pr->ac)
		return;
	if (status != REDIS_OK) {
		char why[512];

		snprintf(why, sizeof(why), "connect %s: %s", pr->where,
		    ac->errstr);
		down(pr, why, 0);
		pr->ac = NULL;	/* hiredis frees it */
		schedule_retry(pr);
	}
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct pr	*pr = ac->data;

	if (pr == NULL || ac != pr->ac)
		return;
	down(pr, ac->err ? ac->errstr : "closed", pr->up &&
	    pr->outstanding == 0);
	pr->ac = NULL;
	pr->up = 0;
	pr->outstanding = 0;
	pr->unflushed = 0;
	schedule_retry(pr);
}

/* setup - AUTH, SELECT, HELLO, SCRIPT LOAD, queued before anything else */
static void
setup(struct pr *pr)
{
	const char	*argv[3];
	int		 argc;

	pr->setup_pending = 0;
	if ((argc = rconn_auth_argv(pr->user, pr->password, argv)) > 0 &&
	    redisAsyncCommandArgv(pr->ac, on_setup_reply, "AUTH", argc,
	    argv, NULL) == REDIS_OK)
		pr->setup_pending++;
	if (pr->db != 0 && redisAsyncCommand(pr->ac, on_setup_reply, "SELECT",
	    "SELECT %d", pr->db) == REDIS_OK)
		pr->setup_pending++;
	if (redisAsyncCommand(pr->ac, on_hello_reply, NULL, "HELLO 2") ==
	    REDIS_OK)
		pr->setup_pending++;
	pr->setup_pending += load_scripts(pr, on_setup_reply);
}

static void
pr_connect(struct pr *pr)
{
	redisAsyncContext *ac;
	char		 host[RSENTINEL_HOST_MAX], why[512];
	int		 port;

	/*
	 * The sentinels are asked with blocking I/O, each within timeout_ms:
	 * only at a connect, which follows a failure (or start-up).
	 */
	if (pr->sentinel.nsentinels > 0) {
		if (rsentinel_ask(&pr->sentinel, host, sizeof(host), &port,
		    why, sizeof(why)) < 0) {
			down(pr, why, 0);
			schedule_retry(pr);
			return;
		}
		snprintf(pr->where, sizeof(pr->where), strchr(host, ':') ?
		    "sentinel %s ([%s]:%d)" : "sentinel %s (%s:%d)",
		    pr->sentinel.sentinel_master, host, port);
		ac = redisAsyncConnect(host, port);
	} else if (pr->socket[0] != '\0') {
		snprintf(pr->where, sizeof(pr->where), "%s", pr->socket);
		ac = redisAsyncConnectUnix(pr->socket);
	} else {
		snprintf(pr->where, sizeof(pr->where), strchr(pr->host, ':') ?
		    "[%s]:%d" : "%s:%d", pr->host, pr->port);
		ac = redisAsyncConnect(pr->host, pr->port);
	}
	if (ac == NULL || ac->err) {
		snprintf(why, sizeof(why), "connect %s: %s", pr->where,
		    ac ? ac->errstr : "out of memory");
		down(pr, why, 0);
		if (ac != NULL)
			redisAsyncFree(ac);
		schedule_retry(pr);
		return;
	}
	ac->data = pr;
	pr->ac = ac;
	redisLibeventAttach(ac, pr->base);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	setup(pr);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	pr_connect(arg);
}

/* settings - copy the redis.* settings in (the strings are pr's own) */
static void
settings(struct pr *pr, const struct conf_redis *cf)
{
	free(pr->socket);
	free(pr->host);
	free(pr->user);
	free(pr->password);
	pr->socket = xstrdup(cf->socket ? cf->socket : "");
	pr->host = xstrdup(cf->host ? cf->host : "127.0.0.1");
	pr->user = xstrdup(cf->user ? cf->user : "");
	pr->password = xstrdup(cf->password ? cf->password : "");
	pr->port = cf->port;
	pr->db = cf->db;
	pr->timeout_ms = cf->timeout_ms;
	pr->backoff_min = cf->reconnect_min_ms;
	pr->backoff_max = cf->reconnect_max_ms;
	rsentinel_free(&pr->sentinel);
	rsentinel_copy(&pr->sentinel, cf);
	/* the next wait of an outage under way stays in the new bounds */
	if (pr->backoff < pr->backoff_min)
		pr->backoff = pr->backoff_min;
	if (pr->backoff > pr->backoff_max)
		pr->backoff = pr->backoff_max;
}

struct pr *
pr_new(struct event_base *base, const struct conf_redis *cf)
{
	struct pr	*pr = xcalloc(1, sizeof(*pr));

	signal(SIGPIPE, SIG_IGN);
	pr->base = base;
	settings(pr, cf);
	pr->retry_ev = evtimer_new(base, on_retry, pr);
	return pr;
}

void
pr_reconfigure(struct pr *pr, const struct conf_redis *cf, int reconnect)
{
	redisAsyncContext *ac = pr->ac;

	settings(pr, cf);
	if (!reconnect)		/* timeouts and backoff: from the next use */
		return;
	evtimer_del(pr->retry_ev);
	if (ac != NULL) {
		pr->ac = NULL;
		pr->up = 0;
		pr->outstanding = 0;
		pr->unflushed = 0;
		redisAsyncFree(ac);	/* pending callbacks get NULL replies */
	}
	pr->down_logged = 0;
	pr->downs = 0;
	pr->backoff = pr->backoff_min;
	pr_connect(pr);
}

void
pr_start(struct pr *pr)
{
	pr_connect(pr);
}

void
pr_free(struct pr *pr)
{
	redisAsyncContext *ac;

	if (pr == NULL)
		return;
	pr->freeing = 1;
	if ((ac = pr->ac) != NULL) {
		pr->ac = NULL;
		redisAsyncFree(ac);
	}
	event_free(pr->retry_ev);
	free(pr->socket);
	free(pr->host);
	free(pr->user);
	free(pr->password);
	rsentinel_free(&pr->sentinel);
	free(pr);
}

int
pr_up(const struct pr *pr)
{
	return pr->ac != NULL && pr->up;
}

/*
 * send_one - queue one command for slot s; an EVALSHA (script) is
 * formatted here and kept, to be sent again after NOSCRIPT. 0 or -1.
 */
static int
send_one(struct pr *pr, struct pr_slot *s, int script, int argc,
    const char **argv)
{
	int	 len;

	if (!script)
		return redisAsyncCommandArgv(pr->ac, on_reply, s, argc, argv,
		    NULL) == REDIS_OK ? 0 : -1;
	if ((len = redisFormatCommandArgv(&s->cmd, argc, argv, NULL)) < 0)
		return -1;
	s->len = (size_t)len;
	s->loads = pr->loads;
	return redisAsyncFormattedCommand(pr->ac, on_reply, s, s->cmd,
	    s->len) == REDIS_OK ? 0 : -1;
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

	if (pr->ac == NULL || n == 0 || n > PR_MAX_CMDS)
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
		if (send_one(pr, &b->slots[i], cmds[i].script != NULL, argc,
		    argv) < 0) {
			b->failed = 1;
			continue;
		}
		b->pending++;
		sent++;
	}
	if (sent == 0) {
		batch_free(b);
		return -1;
	}
	b->timer = evtimer_new(pr->base, on_timeout, b);
	tv.tv_sec = pr->timeout_ms / 1000;
	tv.tv_usec = (pr->timeout_ms % 1000) * 1000;
	evtimer_add(b->timer, &tv);
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
