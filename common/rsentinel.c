/*
 * NAME
 *	rsentinel - the Redis primary, as Redis Sentinel names it
 * SEE ALSO
 *	rsentinel.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rconn.h"
#include "rsentinel.h"
#include "xalloc.h"

/* port_of - digits only, 1..65535; -1 otherwise */
static int
port_of(const char *s)
{
	long	 n = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if ((n = n * 10 + (*s - '0')) > 65535)
			return -1;
	}
	return n >= 1 ? (int)n : -1;
}

/* copy - host[0..n) into out, which must hold it; -1 when empty or too long */
static int
copy(const char *host, size_t n, char *out, size_t outlen)
{
	size_t	 i;

	if (n == 0 || n >= outlen)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)host[i] <= ' ' || host[i] == 0x7f ||
		    host[i] == '[' || host[i] == ']' || host[i] == '/')
			return -1;
	memcpy(out, host, n);
	out[n] = '\0';
	return 0;
}

int
rsentinel_spec(const char *spec, char *host, size_t hostlen, int *port)
{
	const char	*c, *end;

	*port = RSENTINEL_PORT;
	if (spec[0] == '[') {
		if ((end = strchr(spec, ']')) == NULL ||
		    copy(spec + 1, (size_t)(end - spec - 1), host, hostlen) < 0)
			return -1;
		if (end[1] == '\0')
			return 0;
		if (end[1] != ':' || (*port = port_of(end + 2)) < 0)
			return -1;
		return 0;
	}
	if ((c = strchr(spec, ':')) != NULL && strchr(c + 1, ':') == NULL) {
		if (copy(spec, (size_t)(c - spec), host, hostlen) < 0 ||
		    (*port = port_of(c + 1)) < 0)
			return -1;
		return 0;
	}
	/* a name or an IPv4 address, or a bare IPv6 one: Sentinel's port */
	return copy(spec, strlen(spec), host, hostlen);
}

int
rsentinel_reply(const redisReply *r, char *host, size_t hostlen, int *port,
    char *why, size_t whylen)
{
	if (r == NULL) {
		snprintf(why, whylen, "no reply");
		return -1;
	}
	if (r->type == REDIS_REPLY_NIL)
		return 1;
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, whylen, "%s", r->str);
		return -1;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING ||
	    copy(r->element[0]->str, r->element[0]->len, host, hostlen) < 0 ||
	    (*port = port_of(r->element[1]->str)) < 0) {
		snprintf(why, whylen, "a reply of another shape than [host, "
		    "port]");
		return -1;
	}
	return 0;
}

redisContext *
rsentinel_dial(const struct conf_redis *cf, const char *spec, char *why,
    size_t whylen)
{
	char		 shost[RSENTINEL_HOST_MAX];
	int		 sport, argc;
	const char	*argv[3];
	struct timeval	 tv;
	redisContext	*c;
	redisReply	*r;

	if (rsentinel_spec(spec, shost, sizeof(shost), &sport) < 0) {
		snprintf(why, whylen, "not HOST:PORT");
		return NULL;
	}
	tv.tv_sec = cf->timeout_ms / 1000;
	tv.tv_usec = (cf->timeout_ms % 1000) * 1000;
	c = redisConnectWithTimeout(shost, sport, tv);
	if (c == NULL || c->err) {
		snprintf(why, whylen, "connect: %s", c ? c->errstr :
		    "out of memory");
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if ((argc = rconn_auth_argv(NULL, cf->sentinel_password, argv)) > 0) {
		r = redisCommandArgv(c, argc, argv, NULL);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(why, whylen, "AUTH: %s", r ? r->str :
			    c->errstr);
			freeReplyObject(r);
			redisFree(c);
			return NULL;
		}
		freeReplyObject(r);
	}
	return c;
}

/* ask_one - one sentinel; 0, 1 (no such primary) or -1, as rsentinel_reply */
static int
ask_one(const struct conf_redis *cf, const char *spec, char *host,
    size_t hostlen, int *port, char *why, size_t whylen)
{
	int		 rv;
	redisContext	*c;
	redisReply	*r;

	if ((c = rsentinel_dial(cf, spec, why, whylen)) == NULL)
		return -1;
	r = redisCommand(c, "SENTINEL get-master-addr-by-name %s",
	    cf->sentinel_master);
	if (r == NULL)
		snprintf(why, whylen, "%s", c->errstr);
	rv = r == NULL ? -1 : rsentinel_reply(r, host, hostlen, port, why,
	    whylen);
	if (rv == 1)
		snprintf(why, whylen, "knows no primary called %s",
		    cf->sentinel_master);
	freeReplyObject(r);
	redisFree(c);
	return rv;
}

int
rsentinel_ask(const struct conf_redis *cf, char *host, size_t hostlen,
    int *port, char *why, size_t whylen)
{
	char	 one[200];
	int	 i;

	snprintf(why, whylen, "no sentinel in redis.sentinels");
	for (i = 0; i < cf->nsentinels; i++) {
		if (ask_one(cf, cf->sentinels[i], host, hostlen, port, one,
		    sizeof(one)) == 0)
			return 0;
		snprintf(why, whylen, "%s%s: %s", i > 0 ? "no sentinel "
		    "answered; the last, " : "sentinel ", cf->sentinels[i],
		    one);
	}
	return -1;
}

void
rsentinel_copy(struct conf_redis *to, const struct conf_redis *cf)
{
	int	 i;

	memset(to, 0, sizeof(*to));
	to->timeout_ms = cf->timeout_ms;
	to->reconnect_min_ms = cf->reconnect_min_ms;
	to->reconnect_max_ms = cf->reconnect_max_ms;
	to->nsentinels = cf->nsentinels;
	to->sentinels = xcalloc((size_t)cf->nsentinels + 1, sizeof(char *));
	for (i = 0; i < cf->nsentinels; i++)
		to->sentinels[i] = xstrdup(cf->sentinels[i]);
	to->sentinel_master = xstrdup(cf->sentinel_master ?
	    cf->sentinel_master : "");
	to->sentinel_password = xstrdup(cf->sentinel_password ?
	    cf->sentinel_password : "");
}

void
rsentinel_free(struct conf_redis *s)
{
	int	 i;

	for (i = 0; i < s->nsentinels; i++)
		free(s->sentinels[i]);
	free(s->sentinels);
	free(s->sentinel_master);
	free(s->sentinel_password);
	memset(s, 0, sizeof(*s));
}
