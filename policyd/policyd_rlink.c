/*
 * NAME
 *	policyd_rlink - relay-policyd's one Redis connection: connect,
 *	setup, backoff, drops and moves
 * DESCRIPTION
 *	State: down (ac NULL, a reconnect timer pending) or connecting/up (ac
 *	set). pr->ac is cleared before we free a context ourselves, so the
 *	disconnect callback of a context we dropped on purpose is ignored,
 *	and batches started from inside failure callbacks fail fast.
 *	The setup asks HELLO for the server's role, and a replica is a
 *	failed attempt, so the backoff grows while the address still leads
 *	to one. A move (the server became a replica under an open
 *	connection: policyd_redis.c's READONLY) drops the connection
 *	without an outage and connects again at once; the parked batches
 *	are sent on the new connection behind its setup, or fail when it
 *	cannot be made.
 * SEE ALSO
 *	policyd_rlink.h, policyd_redis.h, hiredis adapters/libevent.h
 */
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "policyd_redis.h"
#include "policyd_rlink.h"
#include "rconn.h"
#include "rreply.h"
#include "rscript.h"
#include "rsentinel.h"
#include "stats.h"
#include "xalloc.h"

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

/* forget - free the current context; pending callbacks get NULL replies */
static void
forget(struct pr *pr)
{
	redisAsyncContext *ac = pr->ac;

	pr->ac = NULL;
	pr->up = 0;
	pr->outstanding = 0;
	pr->unflushed = 0;
	redisAsyncFree(ac);
}

/* pr_drop - free the context on purpose (stuck, or an error we saw) */
void
pr_drop(struct pr *pr, const char *why)
{
	if (pr->ac == NULL)
		return;
	down(pr, why, 0);
	forget(pr);
	schedule_retry(pr);
}

/*
 * pr_move - the server became a replica (err: its words): the connection is
 * dropped and the batches waiting on it park (replica() set pr->moving)
 * for the next one, made at once. No outage: no redis=down line, and the
 * backoff stays as it was.
 */
void
pr_move(struct pr *pr, const char *err)
{
	struct timeval now = { 0, 0 };

	log_warn("redis=replica where=%s reason=\"%s\" action=reconnect "
	    "(the server became a replica: the requests waiting are sent "
	    "again on a new connection)", pr->where, err);
	forget(pr);
	if (!pr->freeing)
		evtimer_add(pr->retry_ev, &now);
}

/* pr_switched - the connection goes, its batches park (pr->moving) */
void
pr_switched(struct pr *pr)
{
	struct timeval now = { 0, 0 };

	pr->epoch = rconn_replicas();
	if (pr->ac == NULL)	/* the next connect asks the sentinels */
		return;
	pr->moving = pr->ac;
	forget(pr);
	if (!pr->freeing)
		evtimer_add(pr->retry_ev, &now);
}

/* pr_mark_up - a good reply on the current connection: reset the backoff */
void
pr_mark_up(struct pr *pr)
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

/* pr_load_scripts - SCRIPT LOAD of every script, replies to fn; how many */
int
pr_load_scripts(struct pr *pr, redisCallbackFn *fn)
{
	const char *load[3] = { "SCRIPT", "LOAD", NULL };
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < rscript_nsrcs; i++) {
		load[2] = rscript_srcs[i].body;
		if (redisAsyncCommandArgv(pr->ac, fn, "SCRIPT LOAD", 3, load,
		    NULL) == REDIS_OK)
			n++;
	}
	return n;
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
		pr_mark_up(pr);
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
		pr_mark_up(pr);
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

	struct timeval	 now = { 0, 0 };
	int		 idle;

	if (pr == NULL || ac != pr->ac)
		return;
	idle = pr->up && pr->outstanding == 0;
	down(pr, ac->err ? ac->errstr : "closed", idle);
	pr->ac = NULL;
	pr->up = 0;
	pr->outstanding = 0;
	pr->unflushed = 0;
	if (idle && !pr->freeing) {
		/*
		 * Redis closed a healthy connection with nothing to answer
		 * (its idle timeout, CLIENT KILL): no outage. Connect again
		 * at once, the backoff as it was; requests meanwhile wait
		 * for that connection (parked) instead of failing.
		 */
		pr->reopening = 1;
		evtimer_add(pr->retry_ev, &now);
		return;
	}
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
	pr->setup_pending += pr_load_scripts(pr, on_setup_reply);
}

static void
pr_connect(struct pr *pr)
{
	redisAsyncContext *ac;
	char		 host[RSENTINEL_HOST_MAX], why[512];
	int		 port;

	pr->moving = NULL;	/* its batches are parked by now */
	pr->reopening = 0;
	pr->epoch = rconn_replicas();
	/*
	 * The sentinels are asked with blocking I/O, each within timeout_ms:
	 * only at a connect, which follows a failure (or start-up).
	 */
	if (pr->sentinel.nsentinels > 0) {
		if (rsentinel_ask(&pr->sentinel, host, sizeof(host), &port,
		    why, sizeof(why)) < 0) {
			down(pr, why, 0);
			schedule_retry(pr);
			pr_fail_parked(pr);
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
		pr_fail_parked(pr);
		return;
	}
	ac->data = pr;
	pr->ac = ac;
	redisLibeventAttach(ac, pr->base);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	setup(pr);
	pr_send_parked(pr);
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
	settings(pr, cf);
	if (!reconnect)		/* timeouts and backoff: from the next use */
		return;
	evtimer_del(pr->retry_ev);
	if (pr->ac != NULL)
		forget(pr);
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
	pr_fail_parked(pr);
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
