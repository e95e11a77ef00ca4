/*
 * NAME
 *	fcache - relay-milter's cache of Redis facts, kept current by Redis
 * DESCRIPTION
 *	One mutex around the table (ftable.c) and the subscriber's state.
 *	gen numbers the subscriber's connections: it is 0 while there is
 *	none, and a worker connection's tracking is set up for one gen
 *	(rconn_mark), so after the subscriber reconnects (a new client id to
 *	redirect to) every worker sets its tracking up again before it may
 *	keep anything.
 *
 *	The subscriber (RESP2: hiredis 0.14 has no push replies) runs
 *	CLIENT ID and SUBSCRIBE __redis__:invalidate, then reads messages as
 *	poll(2) finds them: each names keys that changed (dropped here) or is
 *	nil after a flush (everything dropped).
 *
 *	The subscriber and the workers must reach the same server, the
 *	primary: the subscriber's connect asks HELLO for the role, as the
 *	workers' do (rconn_primary_only). When a worker finds the server
 *	turned into a replica (READONLY: rconn_replicas() moves on), every
 *	connection is made again; until the subscriber has been too (epoch),
 *	nothing is read from or kept in the cache.
 * SEE ALSO
 *	fcache.h, ftable.h, rconn.h
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <hiredis.h>

#include "clock.h"
#include "fcache.h"
#include "ftable.h"
#include "log.h"
#include "rconn.h"
#include "rreply.h"
#include "rsentinel.h"
#include "stats.h"
#include "xalloc.h"

#define FC_POLL_MS	200	/* how often the subscriber looks at stop */
#define FC_PING_MS	1000	/* an idle subscriber PINGs this often */
#define FC_CHANNEL	"__redis__:invalidate"

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct ftable	*tab;		/* NULL: off */
static unsigned long	 gen, gen_last;
static long long	 client_id;
static struct fcache_counts counts;
static int		 refused;	/* CLIENT TRACKING refused: stay off */
static unsigned long	 epoch;		/* rconn_replicas() at its connect */
static char		 at[RSENTINEL_HOST_MAX + 8]; /* the sentinels' answer */

/*
 * stopping is read by the subscriber in its loops while fcache_stop()
 * sets it: an atomic, so the load stays in the loop (a volatile int is
 * a data race). running is only used by the one thread at a time that
 * may call fcache_start/stop (main, or the reload thread between
 * main's start-up and its reload_stop()); atomic all the same, as
 * those are different threads.
 */
static pthread_t	 thr;
static atomic_int	 running;
static atomic_int	 stopping;
static struct conf_redis rcf;		/* the subscriber's settings (copies) */

/* fc_off - no subscriber: forget everything (from any thread) */
static void
fc_off(void)
{
	pthread_mutex_lock(&lock);
	gen = 0;
	if (tab != NULL && ftable_count(tab) > 0)
		ftable_clear(tab);
	pthread_mutex_unlock(&lock);
}

/*
 * current - the cache may be used (the lock held): a subscriber is on, and
 * no connection found a replica since it connected
 */
static int
current(void)
{
	return gen != 0 && rconn_replicas() == epoch;
}

/* checked - r, or NULL (freed, with why set) when it is no reply or an error */
static redisReply *
checked(redisContext *c, redisReply *r, const char *what, char *why,
    size_t len)
{
	if (r == NULL) {
		snprintf(why, len, "%s: %s", what, c->errstr);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, len, "%s: %s", what, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* command - one blocking command during the set-up; the reply or NULL */
static redisReply *
command(redisContext *c, const char *what, char *why, size_t len,
    const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	return checked(c, r, what, why, len);
}

/*
 * sub_connect - a subscribed connection and its client id, or NULL; where
 * the sentinels said the primary is into where ("" without them)
 */
static redisContext *
sub_connect(long long *id, char *where, size_t wlen, char *why, size_t len)
{
	redisContext	*c;
	redisReply	*r;
	struct timeval	 tv;
	const char	*argv[3];
	int		 argc, role;

	tv.tv_sec = rcf.timeout_ms / 1000;
	tv.tv_usec = (rcf.timeout_ms % 1000) * 1000;
	if (rcf.nsentinels > 0) {
		char	 host[RSENTINEL_HOST_MAX];
		int	 port;

		if (rsentinel_ask(&rcf, host, sizeof(host), &port, why,
		    len) < 0)
			return NULL;
		snprintf(where, wlen, strchr(host, ':') ? "[%s]:%d" : "%s:%d",
		    host, port);
		c = redisConnectWithTimeout(host, port, tv);
	} else if (rcf.socket[0] != '\0')
		c = redisConnectUnixWithTimeout(rcf.socket, tv);
	else
		c = redisConnectWithTimeout(rcf.host, rcf.port, tv);
	if (c == NULL || c->err) {
		snprintf(why, len, "connect: %s", c ? c->errstr : "out of memory");
		goto fail;
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		snprintf(why, len, "cannot set the timeout");
		goto fail;
	}
	if ((argc = rconn_auth_argv(rcf.user, rcf.password, argv)) > 0) {
		if ((r = checked(c, redisCommandArgv(c, argc, argv, NULL),
		    "AUTH", why, len)) == NULL)
			goto fail;
		freeReplyObject(r);
	}
	r = redisCommand(c, "HELLO 2");	/* Redis 5, an ACL: no answer */
	if (r == NULL) {
		snprintf(why, len, "HELLO: %s", c->errstr);
		goto fail;
	}
	role = rreply_role(r);
	freeReplyObject(r);
	if (role == RREPLY_ROLE_REPLICA) {
		snprintf(why, len, "the server is a replica (read-only), not "
		    "the primary");
		goto fail;
	}
	if ((r = command(c, "CLIENT ID", why, len, "CLIENT ID")) == NULL)
		goto fail;
	*id = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	freeReplyObject(r);
	if (*id < 0) {
		snprintf(why, len, "CLIENT ID: unexpected reply");
		goto fail;
	}
	if ((r = command(c, "SUBSCRIBE", why, len, "SUBSCRIBE %s",
	    FC_CHANNEL)) == NULL)
		goto fail;
	freeReplyObject(r);
	return c;
fail:
	if (c != NULL)
		redisFree(c);
	return NULL;
}

/* handle - one message on the subscriber connection */
static void
handle(const redisReply *r)
{
	const redisReply *p;
	size_t		 i;
	int		 flushed = 0;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0)
		return;			/* PING's answer, a subscribe count */
	p = r->element[2];
	pthread_mutex_lock(&lock);
	if (p->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < p->elements; i++)
			if (p->element[i]->type == REDIS_REPLY_STRING) {
				ftable_drop(tab, p->element[i]->str,
				    p->element[i]->len);
				counts.invalidations++;
				stats_fact_invalidated();
				if (log_debug_enabled())
					log_msg(LOG_DEBUG, "fact cache: %.*s "
					    "changed", (int)p->element[i]->len,
					    p->element[i]->str);
			}
	} else {			/* nil: FLUSHDB or FLUSHALL */
		ftable_clear(tab);
		flushed = 1;
	}
	pthread_mutex_unlock(&lock);
	/*
	 * Said once, outside the lock (the sessions' lookups wait on it):
	 * every enrollment, member and suppression is gone from Redis too,
	 * which an operator wants to know of.
	 */
	if (flushed)
		log_msg(LOG_WARNING, "Redis was flushed: fact cache cleared");
}

/* sub_loop - read invalidations until the connection fails or stop */
static void
sub_loop(redisContext *c, unsigned long mine, char *why, size_t len)
{
	struct pollfd	 pfd;
	redisReply	*r;
	int64_t		 seen = clock_mono_ms(), pinged = 0, now;
	int		 n, done;

	while (!atomic_load(&stopping)) {
		if (rconn_replicas() != mine) {
			snprintf(why, len, "a worker found the server a "
			    "replica (READONLY, MASTERDOWN): following the "
			    "primary");
			return;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, FC_POLL_MS);
		now = clock_mono_ms();
		if (n < 0 && errno != EINTR) {
			snprintf(why, len, "poll: %s", strerror(errno));
			return;
		}
		if (n > 0) {
			if (redisBufferRead(c) != REDIS_OK) {
				snprintf(why, len, "%s", c->errstr);
				return;
			}
			for (;;) {
				void *v = NULL;

				if (redisGetReplyFromReader(c, &v) != REDIS_OK) {
					snprintf(why, len, "%s", c->errstr);
					return;
				}
				if (v == NULL)
					break;
				r = v;
				handle(r);
				freeReplyObject(r);
			}
			seen = now;
			pinged = 0;
			continue;
		}
		if (pinged != 0 && now - pinged >= rcf.timeout_ms) {
			snprintf(why, len, "no answer to PING in %d ms",
			    rcf.timeout_ms);
			return;
		}
		if (pinged == 0 && now - seen >= FC_PING_MS) {
			if (redisAppendCommand(c, "PING") != REDIS_OK) {
				snprintf(why, len, "PING: out of memory");
				return;
			}
			do {
				if (redisBufferWrite(c, &done) != REDIS_OK) {
					snprintf(why, len, "%s", c->errstr);
					return;
				}
			} while (!done);
			pinged = now;
		}
	}
}

/* pause_ms - sleep up to ms in steps, returning early on stop */
static void
pause_ms(int ms)
{
	int64_t until = clock_mono_ms() + ms;

	while (!atomic_load(&stopping) && clock_mono_ms() < until)
		poll(NULL, 0, FC_POLL_MS);
}

static void *
subscriber(void *arg)
{
	redisContext	*c;
	char		 why[256];
	long long	 id;
	unsigned long	 mine;
	char		 where[sizeof(at)] = "";
	int		 backoff = 0, said = 0;

	(void)arg;
	while (!atomic_load(&stopping)) {
		mine = rconn_replicas();	/* before: a later one is seen */
		if ((c = sub_connect(&id, where, sizeof(where), why,
		    sizeof(why))) == NULL) {
			if (!said++)
				log_msg(LOG_WARNING, "fact cache off: the "
				    "subscriber cannot connect to Redis: %s", why);
			backoff = backoff ? backoff * 2 : rcf.reconnect_min_ms;
			if (backoff > rcf.reconnect_max_ms)
				backoff = rcf.reconnect_max_ms;
			pause_ms(backoff);
			continue;
		}
		backoff = said = 0;
		pthread_mutex_lock(&lock);
		if (ftable_count(tab) > 0)	/* not tracked for this one */
			ftable_clear(tab);
		gen = ++gen_last;
		client_id = id;
		epoch = mine;
		snprintf(at, sizeof(at), "%s", where);
		counts.subscribes++;
		pthread_mutex_unlock(&lock);
		log_msg(LOG_INFO, "fact cache on: invalidations to Redis "
		    "client %lld", id);
		why[0] = '\0';
		sub_loop(c, mine, why, sizeof(why));
		fc_off();
		redisFree(c);
		if (!atomic_load(&stopping))
			log_msg(LOG_WARNING, "fact cache off: the subscriber "
			    "lost Redis: %s", why);
	}
	return NULL;
}

int
fcache_start(const struct conf_redis *cf, size_t max)
{
	if (max == 0 || atomic_load(&running))
		return 0;
	pthread_mutex_lock(&lock);	/* fcache_prepare reads rcf */
	rsentinel_copy(&rcf, cf);	/* the lists and strings: copies */
	rcf.socket = xstrdup(cf->socket);
	rcf.host = xstrdup(cf->host);
	rcf.port = cf->port;
	rcf.user = xstrdup(cf->user);
	rcf.password = xstrdup(cf->password);
	rcf.db = cf->db;
	rcf.reconnect_min_ms = cf->reconnect_min_ms;
	rcf.reconnect_max_ms = cf->reconnect_max_ms;
	tab = ftable_new(max);
	gen = 0;
	refused = 0;
	pthread_mutex_unlock(&lock);
	atomic_store(&stopping, 0);
	if (pthread_create(&thr, NULL, subscriber, NULL) != 0) {
		log_msg(LOG_ERR, "fact cache: cannot start its thread");
		fcache_stop();
		return -1;
	}
	atomic_store(&running, 1);
	return 0;
}

void
fcache_stop(void)
{
	if (atomic_load(&running)) {
		atomic_store(&stopping, 1);
		pthread_join(thr, NULL);
		atomic_store(&running, 0);
	}
	pthread_mutex_lock(&lock);
	gen = 0;
	ftable_free(tab);
	tab = NULL;
	free(rcf.socket);
	free(rcf.host);
	free(rcf.user);
	free(rcf.password);
	rsentinel_free(&rcf);
	pthread_mutex_unlock(&lock);
}

/*
 * serves - the cache is current and tracks what rc reads (under lock). A
 * session that began before a reload keeps its connection, maybe to
 * another server or database than the subscriber's now: what it reads is
 * not what the cache tracks, so it reads uncached, from its own server,
 * and nothing it reads is kept. So does one to another primary than the
 * subscriber's, as the sentinels named it (a failover between the two
 * connects).
 */
static int
serves(const struct rconn *rc)
{
	return current() && rconn_same(rc, &rcf) &&
	    strcmp(rconn_primary(rc), at) == 0;
}

int
fcache_get(const struct rconn *rc, const char *key, const char *field,
    void *buf, size_t len)
{
	int hit = 0;

	pthread_mutex_lock(&lock);
	if (serves(rc)) {
		hit = ftable_get(tab, key, field, buf, len);
		if (hit)
			counts.hits++;
		else
			counts.misses++;
		stats_fact(hit);
	}
	pthread_mutex_unlock(&lock);
	return hit;
}

/*
 * refusal - an error to CLIENT TRACKING that will not change by trying
 * again: a Redis without the command (before 6), or an ACL that forbids it
 */
static int
refusal(const char *err)
{
	return strncmp(err, "NOPERM", 6) == 0 ||
	    strstr(err, "unknown command") != NULL ||
	    strstr(err, "unknown subcommand") != NULL ||
	    strstr(err, "nknown CLIENT subcommand") != NULL ||
	    strstr(err, "syntax error") != NULL;
}

int
fcache_prepare(struct rconn *rc, struct fcache_ticket *t)
{
	char		 ids[32];
	const char	*argv[6] = { "CLIENT", "TRACKING", "on", "REDIRECT", ids,
	    "OPTIN" };
	redisReply	*r;
	int		 bad;

	t->gen = 0;
	t->caching = 0;
	pthread_mutex_lock(&lock);
	if (!refused && serves(rc)) {
		t->gen = gen;
		t->seq = ftable_seq(tab);
		snprintf(ids, sizeof(ids), "%lld", client_id);
	}
	pthread_mutex_unlock(&lock);
	if (t->gen == 0)
		return -1;
	if (rconn_mark(rc) == t->gen)
		return 0;
	if ((r = rconn_raw(rc, 6, argv, NULL)) == NULL) {
		t->gen = 0;		/* Redis is down: the read will say so */
		return -1;
	}
	if ((bad = r->type == REDIS_REPLY_ERROR) && refusal(r->str)) {
		/* An old Redis, or one that forbids the command: stay off. */
		pthread_mutex_lock(&lock);
		if (!refused++)
			log_msg(LOG_WARNING, "fact cache off: CLIENT TRACKING: %s",
			    r->str);
		pthread_mutex_unlock(&lock);
		t->gen = 0;
	} else if (bad) {
		/*
		 * Anything else passes: above all the subscriber reconnecting
		 * between our read of its id and this command ("the client ID
		 * you want redirect to does not exist"). This read goes
		 * uncached; the next one tries again with the new id.
		 */
		log_debug("fact cache: CLIENT TRACKING: %s (this read uncached)",
		    r->str);
		t->gen = 0;
	} else {
		/* connected again meanwhile, to another primary: uncached */
		pthread_mutex_lock(&lock);
		bad = strcmp(rconn_primary(rc), at) != 0;
		pthread_mutex_unlock(&lock);
		if (bad)
			t->gen = 0;
		else
			rconn_setmark(rc, t->gen);
	}
	freeReplyObject(r);
	return bad ? -1 : 0;
}

int
fcache_append(struct rconn *rc, struct fcache_ticket *t)
{
	static const char *argv[3] = { "CLIENT", "CACHING", "yes" };

	if (t->gen == 0)
		return 0;
	if (rconn_append(rc, 3, argv, NULL) != RCONN_OK)
		return -1;
	t->caching = 1;
	return 1;
}

int
fcache_reply(struct rconn *rc, struct fcache_ticket *t)
{
	redisReply *r;

	if (!t->caching)
		return 0;
	if ((r = rconn_reply(rc)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR)
		t->gen = 0;		/* not tracked: do not keep */
	freeReplyObject(r);
	return 0;
}

void
fcache_put(const struct fcache_ticket *t, const struct rconn *rc,
    const char *key, const char *field, const void *val, size_t len)
{
	if (t->gen == 0 || rconn_mark(rc) != t->gen)
		return;			/* reconnected since: not tracked */
	pthread_mutex_lock(&lock);
	if (gen == t->gen && current() && ftable_seq(tab) == t->seq)
		ftable_put(tab, key, field, val, len);
	pthread_mutex_unlock(&lock);
}

void
fcache_get_counts(struct fcache_counts *out)
{
	pthread_mutex_lock(&lock);
	*out = counts;
	out->entries = tab != NULL ? ftable_count(tab) : 0;
	out->flushes = tab != NULL ? ftable_clears(tab) : 0;
	pthread_mutex_unlock(&lock);
}
