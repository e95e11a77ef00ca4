/*
 * NAME
 *	rswitch - the thread that follows Sentinel's +switch-master
 * DESCRIPTION
 *	See rswitch.h. One thread per process at most; its state is this
 *	file's (started and stopped by the daemon's main thread, or its
 *	reload, never at the same time).
 * SEE ALSO
 *	rswitch.h, rsentinel.c, rconn.c
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_diff.h"
#include "log.h"
#include "rconn.h"
#include "rsentinel.h"
#include "rswitch.h"

#define RSWITCH_EVENT	"+switch-master"
#define RSWITCH_ADDR	(RSENTINEL_HOST_MAX + 8)	/* "[HOST]:PORT" */

static struct conf_redis cf;	/* the thread's copy of the settings */
static pthread_t thr;
static int	 running;
static int	 wake[2] = { -1, -1 };	/* written to stop the thread */

/* field - the next space-separated word of *p into buf; 0 or -1 */
static int
field(const char **p, char *buf, size_t len)
{
	const char *s = *p, *e;

	while (*s == ' ')
		s++;
	for (e = s; *e != '\0' && *e != ' '; e++)
		;
	if (e == s || (size_t)(e - s) >= len)
		return -1;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	*p = e;
	return 0;
}

/* address - "HOST:PORT" (or "[HOST]:PORT" for IPv6) from two words */
static int
address(const char *host, const char *port, char *buf, size_t len)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(port, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 65535)
		return -1;
	if (snprintf(buf, len, strchr(host, ':') ? "[%s]:%ld" : "%s:%ld",
	    host, n) >= (int)len)
		return -1;
	return 0;
}

int
rswitch_message(const redisReply *r, const char *master, char *from,
    size_t fromlen, char *to, size_t tolen)
{
	char		 name[256], oh[RSENTINEL_HOST_MAX], op[16];
	char		 nh[RSENTINEL_HOST_MAX], np[16], rest[2];
	const char	*p;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    r->element[2]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0 ||
	    strcmp(r->element[1]->str, RSWITCH_EVENT) != 0)
		return 0;
	p = r->element[2]->str;
	if (field(&p, name, sizeof(name)) < 0 || strcmp(name, master) != 0 ||
	    field(&p, oh, sizeof(oh)) < 0 || field(&p, op, sizeof(op)) < 0 ||
	    field(&p, nh, sizeof(nh)) < 0 || field(&p, np, sizeof(np)) < 0 ||
	    field(&p, rest, sizeof(rest)) == 0 ||
	    address(oh, op, from, fromlen) < 0 ||
	    address(nh, np, to, tolen) < 0)
		return 0;
	return 1;
}

/* subscribe - SUBSCRIBE +switch-master on c; 0, or -1 with why set */
static int
subscribe(redisContext *c, char *why, size_t whylen)
{
	redisReply *r = redisCommand(c, "SUBSCRIBE %s", RSWITCH_EVENT);
	int	 ok;

	ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "subscribe") == 0;
	if (!ok)
		snprintf(why, whylen, "SUBSCRIBE: %s", r == NULL ? c->errstr :
		    r->type == REDIS_REPLY_ERROR ? r->str : "a reply of "
		    "another shape");
	freeReplyObject(r);
	return ok ? 0 : -1;
}

/* stopped - rswitch_stop() wrote to the pipe */
static int
stopped(int ms)
{
	struct pollfd p = { wake[0], POLLIN, 0 };

	return poll(&p, 1, ms) > 0;
}

/*
 * follow - read the subscription until the connection fails (why set; 0)
 * or the thread is stopped (1)
 */
static int
follow(redisContext *c, char *why, size_t whylen)
{
	struct pollfd	 p[2];
	redisReply	*r;
	char		 from[RSWITCH_ADDR], to[RSWITCH_ADDR];
	void		*v;

	for (;;) {
		while (redisGetReplyFromReader(c, &v) == REDIS_OK && v != NULL) {
			r = v;
			if (rswitch_message(r, cf.sentinel_master, from,
			    sizeof(from), to, sizeof(to))) {
				rconn_switched();
				log_warn("redis=switch master=%s from=%s to=%s "
				    "action=reconnect (Sentinel moved the "
				    "primary: every connection is made again)",
				    cf.sentinel_master, from, to);
			}
			freeReplyObject(r);
		}
		if (c->err) {
			snprintf(why, whylen, "%s", c->errstr);
			return 0;
		}
		p[0].fd = c->fd;
		p[0].events = POLLIN;
		p[1].fd = wake[0];
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, whylen, "poll: %s", strerror(errno));
			return 0;
		}
		if (p[1].revents != 0)
			return 1;
		if (redisBufferRead(c) != REDIS_OK) {
			snprintf(why, whylen, "%s", c->errstr[0] ? c->errstr :
			    "closed");
			return 0;
		}
	}
}

static void *
watch(void *arg)
{
	redisContext	*c;
	char		 why[300];
	int		 i = 0, down = 0, done = 0;
	int		 backoff = cf.reconnect_min_ms;

	(void)arg;
	while (!done) {
		const char *spec = cf.sentinels[i];

		why[0] = '\0';
		if ((c = rsentinel_dial(&cf, spec, why, sizeof(why))) != NULL &&
		    subscribe(c, why, sizeof(why)) == 0) {
			(void)redisEnableKeepAlive(c);
			log_info("redis=sentinel_watch sentinel=%s "
			    "action=subscribed event=%s", spec, RSWITCH_EVENT);
			down = 0;
			backoff = cf.reconnect_min_ms;
			done = follow(c, why, sizeof(why));
		}
		redisFree(c);
		if (done)
			break;
		if (!down++)
			log_warn("redis=sentinel_watch sentinel=%s "
			    "reason=\"%s\" action=next retry_ms=%d", spec, why,
			    backoff);
		i = (i + 1) % cf.nsentinels;
		done = stopped(backoff);
		backoff = backoff * 2 > cf.reconnect_max_ms ?
		    cf.reconnect_max_ms : backoff * 2;
	}
	return NULL;
}

int
rswitch_start(const struct conf_redis *c)
{
	sigset_t all, old;
	int	 e;

	if (running || c->nsentinels == 0)
		return 0;
	if (pipe(wake) < 0) {
		log_warn("redis=sentinel_watch reason=\"pipe: %s\" "
		    "action=none (a failover is followed at READONLY only)",
		    strerror(errno));
		return -1;
	}
	(void)fcntl(wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(wake[1], F_SETFD, FD_CLOEXEC);
	rsentinel_copy(&cf, c);
	/* the thread gets every signal blocked: the daemon's own take them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&thr, NULL, watch, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		rsentinel_free(&cf);
		close(wake[0]);
		close(wake[1]);
		wake[0] = wake[1] = -1;
		log_warn("redis=sentinel_watch reason=\"cannot start the "
		    "thread: %s\" action=none (a failover is followed at "
		    "READONLY only)", strerror(e));
		errno = e;
		return -1;
	}
	running = 1;
	return 0;
}

void
rswitch_stop(void)
{
	ssize_t	 n;

	if (!running)
		return;
	n = write(wake[1], "x", 1);
	(void)n;		/* a full pipe wakes it as well */
	pthread_join(thr, NULL);
	close(wake[0]);
	close(wake[1]);
	wake[0] = wake[1] = -1;
	rsentinel_free(&cf);
	running = 0;
}

int
rswitch_reload(const struct conf_redis *c)
{
	if (running && !conf_diff_list(cf.sentinels, cf.nsentinels,
	    c->sentinels, c->nsentinels) &&
	    !conf_diff_str(cf.sentinel_master, c->sentinel_master) &&
	    !conf_diff_str(cf.sentinel_password, c->sentinel_password) &&
	    cf.timeout_ms == c->timeout_ms &&
	    cf.reconnect_min_ms == c->reconnect_min_ms &&
	    cf.reconnect_max_ms == c->reconnect_max_ms)
		return 0;
	rswitch_stop();
	return rswitch_start(c);
}
