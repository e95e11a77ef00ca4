/*
 * NAME
 *	rconn - blocking hiredis connection: connect, timeouts, reconnect
 * DESCRIPTION
 *	State machine: down (ctx NULL, retry_at in the future), or up. Any I/O
 *	error or timeout takes the connection down and schedules the next
 *	attempt; an error reply leaves it up. On every new connection the Lua
 *	scripts are loaded (a restarted Redis has none).
 *
 *	READONLY (or MASTERDOWN) is the exception: the server this
 *	connection reached was turned into a replica (a failover,
 *	REPLICAOF), while the address we connect to may lead to the new
 *	primary already (a DNS name, a proxy that keeps its old sessions).
 *	The connection is replaced before its next command, and so is every
 *	other one of the process (replicas counts such replies seen): they
 *	reached the same server. With redis.sentinels, each connect asks
 *	the sentinels where the primary is (rsentinel.c).
 *	A connection made for the primary (rconn_primary_only) asks HELLO
 *	for the server's role first, and a replica is a failed attempt:
 *	while the address still leads to it, the backoff grows, rather than
 *	a connection made and its scripts loaded for every message.
 * SEE ALSO
 *	rconn.h, rscript.c
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <poll.h>
#include <sys/socket.h>

#include "clock.h"
#include "conf_diff.h"
#include "log.h"
#include "rconn.h"
#include "rreply.h"
#include "rscript.h"
#include "rsentinel.h"
#include "stats.h"
#include "xalloc.h"

/* Unused this long (ms), a connection is checked for an end of file first. */
#define RCONN_STALE_MS	200

struct rconn {
	redisContext	*ctx;
	char		*socket;
	char		*host;
	int		 port;
	struct conf_redis sentinel;	/* sentinels, master name, password */
	char		 primary[RSENTINEL_HOST_MAX + 8]; /* what they named */
	char		*user;
	char		*password;
	int		 lazy;		/* scripts loaded on first use only */
	int		 db;
	int		 timeout_ms;
	int		 backoff_min, backoff_max;
	int		 backoff;	/* current wait after a failure */
	int64_t		 retry_at;	/* monotonic ms */
	unsigned long	 attempts;	/* connects tried */
	unsigned long	 failures;	/* connections lost or refused */
	int		 npipe;		/* pipelined replies not yet read */
	unsigned long	 mark;		/* the owner's, of this connection */
	double		 pipe_t0;	/* when the pipeline began (metrics) */
	int64_t		 last_io;	/* monotonic ms of the last reply */
	int		 timed_out;	/* the last reply missed its deadline */
	int		 primary_only;	/* HELLO's role must be the primary */
	int		 readonly;	/* READONLY seen: replace before use */
	unsigned long	 epoch;		/* replicas when this one connected */
	char		 err[256];
};

/* READONLY or MASTERDOWN replies seen by any connection of the process */
static atomic_ulong replicas;

/*
 * get_reply - the next reply, all of it within redis.timeout_ms. hiredis's
 * own timeout (SO_RCVTIMEO) bounds each read(2) alone: a Redis, or a
 * proxy on the way, that sends a reply a few bytes at a time and never
 * pauses that long held the caller for minutes (a milter stage far past
 * Postfix's milter timeouts). REDIS_ERR with rc->timed_out set at the
 * deadline, else hiredis's error in the context.
 */
static int
get_reply(struct rconn *rc, void **r)
{
	redisContext	*c = rc->ctx;
	int64_t		 end = clock_mono_ms() + rc->timeout_ms, left;
	struct pollfd	 p;
	int		 done = 0, n;

	*r = NULL;
	rc->timed_out = 0;
	if (redisGetReplyFromReader(c, r) != REDIS_OK)
		return REDIS_ERR;
	if (*r != NULL)
		return REDIS_OK;
	do {	/* the socket's own send timeout bounds each write */
		if (redisBufferWrite(c, &done) != REDIS_OK)
			return REDIS_ERR;
	} while (!done);
	for (;;) {
		if ((left = end - clock_mono_ms()) <= 0) {
			rc->timed_out = 1;
			return REDIS_ERR;
		}
		p.fd = c->fd;
		p.events = POLLIN;
		p.revents = 0;
		if ((n = poll(&p, 1, (int)left)) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc->timed_out = n == 0;
			return REDIS_ERR;
		}
		if (redisBufferRead(c) != REDIS_OK ||
		    redisGetReplyFromReader(c, r) != REDIS_OK)
			return REDIS_ERR;
		if (*r != NULL)
			return REDIS_OK;
	}
}

/* command - send argv and wait for its reply (get_reply); NULL on failure */
static redisReply *
command(struct rconn *rc, int argc, const char **argv, const size_t *argvlen)
{
	void	*r;

	rc->timed_out = 0;
	if (redisAppendCommandArgv(rc->ctx, argc, argv, argvlen) != REDIS_OK ||
	    get_reply(rc, &r) != REDIS_OK)
		return NULL;
	return r;
}

static void	where_of(const struct rconn *, char *, size_t);

/*
 * note_reply - count an error reply (NOSCRIPT is rscript's to retry); a
 * READONLY one dooms this connection and, through replicas, the others
 */
static void
note_reply(struct rconn *rc, const redisReply *r)
{
	unsigned long	 old;

	if (r->type != REDIS_REPLY_ERROR)
		return;
	if (strncmp(r->str, "NOSCRIPT", 8) != 0)
		stats_redis_error(STATS_REDIS_REPLY);
	if (!rreply_replica(r->str) || rc->readonly)
		return;
	rc->readonly = 1;
	/*
	 * The first connection of its epoch to see it says so, once: the
	 * others were made to the same server and are replaced with it. (A
	 * daemon's: relayctl's error says it, with Redis's words.)
	 */
	old = rc->epoch;
	if (atomic_compare_exchange_strong(&replicas, &old, old + 1) &&
	    rc->primary_only) {
		char where[300], esc[200];

		where_of(rc, where, sizeof(where));
		log_escape(esc, sizeof(esc), r->str, r->len);
		log_msg(LOG_WARNING, "redis=replica where=%s reason=\"%s\" "
		    "action=reconnect (the server became a replica: every "
		    "connection is made again)", where, esc);
	}
}

struct rconn *
rconn_new(const struct conf_redis *cf)
{
	struct rconn	*rc = xcalloc(1, sizeof(*rc));
	struct sigaction sa;

	/*
	 * hiredis writes with write(2): a Redis that went away would raise
	 * SIGPIPE and kill the program instead of failing one command. Unless
	 * the program chose a handler of its own, ignore the signal.
	 */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, NULL);
	}

	rc->socket = xstrdup(cf->socket ? cf->socket : "");
	rc->host = xstrdup(cf->host ? cf->host : "127.0.0.1");
	rc->port = cf->port;
	rc->user = xstrdup(cf->user ? cf->user : "");
	rc->password = xstrdup(cf->password ? cf->password : "");
	rc->db = cf->db;
	rc->timeout_ms = cf->timeout_ms;
	rc->backoff_min = cf->reconnect_min_ms;
	rc->backoff_max = cf->reconnect_max_ms;
	rsentinel_copy(&rc->sentinel, cf);
	return rc;
}

void
rconn_free(struct rconn *rc)
{
	if (rc == NULL)
		return;
	if (rc->ctx != NULL)
		redisFree(rc->ctx);
	free(rc->socket);
	free(rc->host);
	free(rc->user);
	free(rc->password);
	rsentinel_free(&rc->sentinel);
	free(rc);
}

int
rconn_auth_argv(const char *user, const char *password, const char *argv[3])
{
	int	 n = 0;

	if (password == NULL || password[0] == '\0')
		return 0;
	argv[n++] = "AUTH";
	if (user != NULL && user[0] != '\0')
		argv[n++] = user;
	argv[n++] = password;
	return n;
}

void
rconn_lazy_scripts(struct rconn *rc)
{
	rc->lazy = 1;
}

void
rconn_primary_only(struct rconn *rc)
{
	rc->primary_only = 1;
}

unsigned long
rconn_replicas(void)
{
	return atomic_load(&replicas);
}

void
rconn_switched(void)
{
	atomic_fetch_add(&replicas, 1);
}

const char *
rconn_primary(const struct rconn *rc)
{
	return rc->primary;
}

const char *
rconn_errstr(const struct rconn *rc)
{
	return rc->err[0] ? rc->err : "no error";
}

int
rconn_connected(const struct rconn *rc)
{
	return rc->ctx != NULL;
}

void
rconn_counts(const struct rconn *rc, unsigned long *attempts,
    unsigned long *failures)
{
	*attempts = rc->attempts;
	*failures = rc->failures;
}

int
rconn_same(const struct rconn *rc, const struct conf_redis *cf)
{
	if (strcmp(rc->socket, cf->socket ? cf->socket : "") != 0 ||
	    rc->db != cf->db || strcmp(rc->user, cf->user ? cf->user : "") != 0)
		return 0;
	if (rc->sentinel.nsentinels > 0 || cf->nsentinels > 0)
		return !conf_diff_list(rc->sentinel.sentinels,
		    rc->sentinel.nsentinels, cf->sentinels, cf->nsentinels) &&
		    !conf_diff_str(rc->sentinel.sentinel_master,
		    cf->sentinel_master);
	return rc->socket[0] != '\0' || (rc->port == cf->port &&
	    strcmp(rc->host, cf->host ? cf->host : "127.0.0.1") == 0);
}

/* where_of - the socket path, or host:port ([host]:port for IPv6) */
static void
where_of(const struct rconn *rc, char *buf, size_t len)
{
	if (rc->sentinel.nsentinels > 0)
		snprintf(buf, len, "sentinel %s (%s)",
		    rc->sentinel.sentinel_master, rc->primary[0] ?
		    rc->primary : "not asked yet");
	else if (rc->socket[0] != '\0')
		snprintf(buf, len, "%s", rc->socket);
	else if (strchr(rc->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", rc->host, rc->port);
	else
		snprintf(buf, len, "%s:%d", rc->host, rc->port);
}

void
rconn_ident(const struct rconn *rc, char *buf, size_t len)
{
	if (rc->sentinel.nsentinels > 0)
		snprintf(buf, len, "sentinel:%s db=%d user=%s",
		    rc->sentinel.sentinel_master, rc->db, rc->user);
	else if (rc->socket[0] != '\0')
		snprintf(buf, len, "unix:%s db=%d user=%s", rc->socket, rc->db,
		    rc->user);
	else
		snprintf(buf, len, "inet:%s:%d db=%d user=%s", rc->host,
		    rc->port, rc->db, rc->user);
}

unsigned long
rconn_mark(const struct rconn *rc)
{
	return rc->ctx != NULL ? rc->mark : 0;
}

void
rconn_setmark(struct rconn *rc, unsigned long mark)
{
	if (rc->ctx != NULL)
		rc->mark = mark;
}

int
rconn_wait_acks(struct rconn *rc, long long acks, int n, int ms)
{
	if (acks >= n)
		return 1;
	if (acks < 0)
		snprintf(rc->err, sizeof(rc->err), "WAIT: the connection "
		    "changed after the writes: their replication is unknown");
	else
		snprintf(rc->err, sizeof(rc->err), "WAIT: the writes reached "
		    "%lld of the %d replicas redis.wait_replicas asks for "
		    "within %d ms", acks, n, ms);
	return 0;
}

unsigned long
rconn_attempts(struct rconn *rc)
{
	(void)rconn_ensure(rc);
	return rc->attempts;
}

int
rconn_wait(struct rconn *rc, int n, int ms, unsigned long attempts)
{
	char		 sn[16], sms[16];
	const char	*v[3] = { "WAIT", sn, sms };
	redisReply	*r;
	long long	 acks = -1;

	snprintf(sn, sizeof(sn), "%d", n);
	snprintf(sms, sizeof(sms), "%d", ms);
	if ((r = rconn_cmdargv(rc, 3, v, NULL)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(r);
		rconn_seterr(rc, "WAIT: a reply of no known shape");
		return -1;
	}
	acks = r->integer;
	freeReplyObject(r);
	if (rc->attempts != attempts)
		acks = -1;
	return rconn_wait_acks(rc, acks, n, ms);
}

void
rconn_seterr(struct rconn *rc, const char *why)
{
	snprintf(rc->err, sizeof(rc->err), "%s", why);
}

void
rconn_fail(struct rconn *rc, const char *why)
{
	if (why != NULL && why != rc->err)
		snprintf(rc->err, sizeof(rc->err), "%s", why);
	if (rc->ctx != NULL) {
		redisFree(rc->ctx);
		rc->ctx = NULL;
	}
	rc->failures++;
	rc->npipe = 0;
	stats_redis_error(STATS_REDIS_IO);
	rc->backoff = rc->backoff == 0 ? rc->backoff_min :
	    (rc->backoff * 2 > rc->backoff_max ? rc->backoff_max :
	    rc->backoff * 2);
	rc->retry_at = clock_mono_ms() + rc->backoff;
}

/*
 * primary - HELLO 2 (the protocol we speak already): -1 with err set when
 * the server says it is a replica. A Redis 5 (no HELLO) or an ACL that
 * denies it tells nothing: 0, as for the primary.
 */
static int
primary(struct rconn *rc)
{
	const char	*argv[2] = { "HELLO", "2" };
	redisReply	*r;
	char		 where[160];
	int		 role;

	if ((r = command(rc, 2, argv, NULL)) == NULL) {
		snprintf(rc->err, sizeof(rc->err), "HELLO: %s", rc->timed_out ?
		    "timed out" : rc->ctx->errstr);
		return -1;
	}
	role = rreply_role(r);
	freeReplyObject(r);
	if (role != RREPLY_ROLE_REPLICA)
		return 0;
	where_of(rc, where, sizeof(where));
	snprintf(rc->err, sizeof(rc->err), "%s is a replica (read-only), not "
	    "the primary", where);
	return -1;
}

/* setup - AUTH, SELECT and (unless lazy) script loading on a fresh context */
static int
setup(struct rconn *rc)
{
	redisReply	*r;
	const char	*argv[3];
	int		 argc;

	if ((argc = rconn_auth_argv(rc->user, rc->password, argv)) > 0) {
		r = command(rc, argc, argv, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(rc->err, sizeof(rc->err), "AUTH: %s",
			    r ? r->str : rc->timed_out ? "timed out" :
			    rc->ctx->errstr);
			if (r)
				freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	if (rc->db != 0) {
		char		 db[16];
		const char	*sel[2] = { "SELECT", db };

		snprintf(db, sizeof(db), "%d", rc->db);
		r = command(rc, 2, sel, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(rc->err, sizeof(rc->err), "SELECT %d: %s",
			    rc->db, r ? r->str : rc->timed_out ? "timed out" :
			    rc->ctx->errstr);
			if (r)
				freeReplyObject(r);
			return -1;
		}
		freeReplyObject(r);
	}
	if (rc->primary_only && primary(rc) < 0)
		return -1;
	return rc->lazy ? 0 : rscript_load_all(rc);
}

/*
 * stale - a connection unused for a while that Redis has closed meanwhile
 * (its idle timeout, a restart): the end of file is already waiting in
 * the socket. Found before use, it is replaced at once, not reported as
 * a failure of the command about to be sent (with the backoff after it).
 */
static int
stale(struct rconn *rc)
{
	char	 c;
	ssize_t	 n;

	if (rc->npipe > 0 || clock_mono_ms() - rc->last_io < RCONN_STALE_MS)
		return 0;
	n = recv(rc->ctx->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

int
rconn_ensure(struct rconn *rc)
{
	struct timeval tv;

	if (rc->ctx != NULL && stale(rc)) {
		redisFree(rc->ctx);
		rc->ctx = NULL;
		rc->retry_at = 0;
	}
	/*
	 * This server, or the one another connection of ours reached, is a
	 * replica now: connect again at once, to whatever the address leads
	 * to (a pipeline still being read finishes first).
	 */
	if (rc->ctx != NULL && rc->npipe == 0 && (rc->readonly ||
	    rc->epoch != atomic_load(&replicas))) {
		redisFree(rc->ctx);
		rc->ctx = NULL;
		rc->retry_at = 0;
		rc->failures++;
	}
	if (rc->ctx != NULL)
		return RCONN_OK;
	if (rc->retry_at != 0 && clock_mono_ms() < rc->retry_at) {
		stats_redis_error(STATS_REDIS_DOWN);
		return RCONN_EDOWN;
	}
	tv.tv_sec = rc->timeout_ms / 1000;
	tv.tv_usec = (rc->timeout_ms % 1000) * 1000;
	rc->attempts++;
	rc->readonly = 0;
	rc->epoch = atomic_load(&replicas);
	if (rc->sentinel.nsentinels > 0) {
		char	 host[RSENTINEL_HOST_MAX], why[300];
		int	 port;

		if (rsentinel_ask(&rc->sentinel, host, sizeof(host), &port,
		    why, sizeof(why)) < 0) {
			rconn_fail(rc, why);
			return RCONN_EIO;
		}
		snprintf(rc->primary, sizeof(rc->primary), strchr(host, ':') ?
		    "[%s]:%d" : "%s:%d", host, port);
		rc->ctx = redisConnectWithTimeout(host, port, tv);
	} else if (rc->socket[0] != '\0')
		rc->ctx = redisConnectUnixWithTimeout(rc->socket, tv);
	else
		rc->ctx = redisConnectWithTimeout(rc->host, rc->port, tv);
	if (rc->ctx == NULL || rc->ctx->err) {
		char why[512], where[300];

		where_of(rc, where, sizeof(where));
		snprintf(why, sizeof(why), "connect %s: %s", where,
		    rc->ctx ? rc->ctx->errstr : "cannot allocate context");
		rconn_fail(rc, why);
		return RCONN_EIO;
	}
	rc->mark = 0;			/* a new connection has no state */
	if (redisSetTimeout(rc->ctx, tv) != REDIS_OK) {
		rconn_fail(rc, "cannot set the command timeout");
		return RCONN_EIO;
	}
	if (setup(rc) < 0) {
		/* A command inside setup() may have failed the connection already. */
		if (rc->ctx != NULL)
			rconn_fail(rc, rc->err[0] ? rc->err : "setup failed");
		return RCONN_EIO;
	}
	rc->backoff = 0;
	rc->retry_at = 0;
	rc->err[0] = '\0';
	rc->last_io = clock_mono_ms();
	return RCONN_OK;
}

/*
 * io_why - what failed, for the log: hiredis 0.14 reports a read or write
 * past the timeout as the strerror of EAGAIN; say it plainly
 */
static void
io_why(const struct rconn *rc, const char *what, char *buf, size_t len)
{
	const char	*e = rc->ctx->errstr;

	if (rc->timed_out || (rc->ctx->err == REDIS_ERR_IO &&
	    strcmp(e, strerror(EAGAIN)) == 0))
		snprintf(buf, len, "%s%stimed out (redis.timeout_ms = %d)",
		    what, *what ? ": " : "", rc->timeout_ms);
	else
		snprintf(buf, len, "%s%s%s", what, *what ? ": " : "",
		    e[0] ? e : "I/O error");
}

redisReply *
rconn_raw(struct rconn *rc, int argc, const char **argv,
    const size_t *argvlen)
{
	redisReply *r;
	double	 t0;

	if (rconn_ensure(rc) != RCONN_OK)
		return NULL;
	t0 = stats_clock();
	r = command(rc, argc, argv, argvlen);
	if (r != NULL) {
		rc->last_io = clock_mono_ms();
		stats_redis_done(t0);
		note_reply(rc, r);
	} else {
		char why[256];

		io_why(rc, argv[0], why, sizeof(why));
		rconn_fail(rc, why);
	}
	return r;
}

redisReply *
rconn_cmdargv(struct rconn *rc, int argc, const char **argv,
    const size_t *argvlen)
{
	redisReply *r = rconn_raw(rc, argc, argv, argvlen);

	if (r != NULL && r->type == REDIS_REPLY_ERROR) {
		snprintf(rc->err, sizeof(rc->err), "%s: %s", argv[0], r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

redisReply *
rconn_cmd(struct rconn *rc, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;
	double		 t0;

	if (rconn_ensure(rc) != RCONN_OK)
		return NULL;
	t0 = stats_clock();
	va_start(ap, fmt);
	rc->timed_out = 0;
	if (redisvAppendCommand(rc->ctx, fmt, ap) != REDIS_OK ||
	    get_reply(rc, (void **)&r) != REDIS_OK)
		r = NULL;
	va_end(ap);
	if (r != NULL) {
		rc->last_io = clock_mono_ms();
		stats_redis_done(t0);
		note_reply(rc, r);
	}
	if (r == NULL) {
		char why[256];

		io_why(rc, "", why, sizeof(why));
		rconn_fail(rc, why);
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(rc->err, sizeof(rc->err), "%s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

int
rconn_append(struct rconn *rc, int argc, const char **argv,
    const size_t *argvlen)
{
	int	 e;

	if ((e = rconn_ensure(rc)) != RCONN_OK)
		return e;
	if (redisAppendCommandArgv(rc->ctx, argc, argv, argvlen) != REDIS_OK) {
		rconn_fail(rc, "append: out of memory");
		return RCONN_EIO;
	}
	if (rc->npipe++ == 0)
		rc->pipe_t0 = stats_clock();
	return RCONN_OK;
}

redisReply *
rconn_reply(struct rconn *rc)
{
	void	*r = NULL;

	if (rc->ctx == NULL)
		return NULL;
	if (get_reply(rc, &r) != REDIS_OK || r == NULL) {
		char why[256];

		io_why(rc, "reply", why, sizeof(why));
		rconn_fail(rc, why);
		return NULL;
	}
	note_reply(rc, r);
	rc->last_io = clock_mono_ms();
	/* the whole pipeline is one round trip */
	if (rc->npipe > 0 && --rc->npipe == 0)
		stats_redis_done(rc->pipe_t0);
	return r;
}
