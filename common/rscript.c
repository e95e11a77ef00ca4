/*
 * NAME
 *	rscript - Lua scripts by name, SHA-1 computed locally, EVALSHA
 * DESCRIPTION
 *	The SHA-1 of each script is computed once (pthread_once) from the
 *	body compiled into the program, so a call never needs a round trip
 *	to learn it.
 * SEE ALSO
 *	rscript.h, rconn.c, common/lua/
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rconn.h"
#include "rkeys.h"
#include "rreply.h"
#include "rscript.h"
#include "xalloc.h"

static struct rscript *scripts;
static pthread_once_t scripts_once = PTHREAD_ONCE_INIT;

/* scripts_init - hash every compiled-in script */
static void
scripts_init(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, j;
	size_t		 i;

	scripts = xcalloc(rscript_nsrcs ? rscript_nsrcs : 1, sizeof(*scripts));
	for (i = 0; i < rscript_nsrcs; i++) {
		scripts[i].name = rscript_srcs[i].name;
		scripts[i].body = rscript_srcs[i].body;
		mdlen = 0;
		EVP_Digest(scripts[i].body, strlen(scripts[i].body), md, &mdlen,
		    EVP_sha1(), NULL);
		for (j = 0; j < mdlen && j < 20; j++) {
			scripts[i].sha[2 * j] = hex[md[j] >> 4];
			scripts[i].sha[2 * j + 1] = hex[md[j] & 15];
		}
		scripts[i].sha[40] = '\0';
	}
}

const struct rscript *
rscript_get(const char *name)
{
	size_t	 i;

	pthread_once(&scripts_once, scripts_init);
	for (i = 0; i < rscript_nsrcs; i++)
		if (strcmp(scripts[i].name, name) == 0)
			return &scripts[i];
	return NULL;
}

/* load_one - SCRIPT LOAD; checks Redis agrees on the SHA-1 */
static int
load_one(struct rconn *rc, const struct rscript *s)
{
	const char	*argv[3] = { "SCRIPT", "LOAD", s->body };
	redisReply	*r = rconn_cmdargv(rc, 3, argv, NULL);
	int		 ok;

	if (r == NULL)
		return -1;
	ok = r->type == REDIS_REPLY_STRING && strcmp(r->str, s->sha) == 0;
	freeReplyObject(r);
	return ok ? 0 : -1;
}

/*
 * rscript_load_all - every script in one pipeline: one round trip, where
 * one SCRIPT LOAD after another cost a round trip each (19 of them: at a
 * Redis 0.46 s away, a reconnect inside a milter stage took 9.7 s). Each
 * reply must be the SHA-1 we computed.
 */
int
rscript_load_all(struct rconn *rc)
{
	const char	*argv[3] = { "SCRIPT", "LOAD", NULL };
	redisReply	*r;
	char		 why[300];
	size_t		 i, n = 0;
	int		 ok = 1;

	pthread_once(&scripts_once, scripts_init);
	for (i = 0; i < rscript_nsrcs; i++) {
		argv[2] = scripts[i].body;
		if (rconn_append(rc, 3, argv, NULL) != RCONN_OK)
			break;
		n++;
	}
	for (i = 0; i < n; i++) {	/* read every reply: the pipeline drains */
		if ((r = rconn_reply(rc)) == NULL) {
			/*
			 * Redis may close the connection after an error reply
			 * (an unauthenticated client's long command): the
			 * reply says why, the close does not
			 */
			if (!ok)
				rconn_seterr(rc, why);
			return -1;
		}
		if (ok && r->type == REDIS_REPLY_ERROR) {
			snprintf(why, sizeof(why), "SCRIPT: %s", r->str);
			rconn_seterr(rc, why);
			ok = 0;
		} else if (ok && (r->type != REDIS_REPLY_STRING ||
		    strcmp(r->str, scripts[i].sha) != 0)) {
			snprintf(why, sizeof(why), "SCRIPT LOAD: Redis computed "
			    "another SHA-1");
			rconn_seterr(rc, why);
			ok = 0;
		}
		freeReplyObject(r);
	}
	return ok && n == rscript_nsrcs ? 0 : -1;
}

/*
 * build_argv - EVALSHA sha nkeys keys... args..., on the heap (a message's
 * recipients are arguments: as many as Postfix accepts); NULL when the
 * counts are negative. *argc is set; free() the array.
 */
static const char **
build_argv(const struct rscript *s, int nkeys, const char **keys, int nargs,
    const char **args, char *nk, int *argc)
{
	const char	**argv;
	int		 i, n = 0;

	if (nkeys < 0 || nargs < 0)
		return NULL;
	argv = xcalloc((size_t)nkeys + (size_t)nargs + 3, sizeof(*argv));
	snprintf(nk, 12, "%d", nkeys);
	argv[n++] = "EVALSHA";
	argv[n++] = s->sha;
	argv[n++] = nk;
	for (i = 0; i < nkeys; i++)
		argv[n++] = keys[i];
	for (i = 0; i < nargs; i++)
		argv[n++] = args[i];
	*argc = n;
	return argv;
}

/* call_once - EVALSHA; after NOSCRIPT, SCRIPT LOAD and EVALSHA again */
static redisReply *
call_once(struct rconn *rc, const struct rscript *s, int argc,
    const char **argv)
{
	redisReply	*r = rconn_raw(rc, argc, argv, NULL);

	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(r);
		r = load_one(rc, s) < 0 ? NULL : rconn_raw(rc, argc, argv, NULL);
	}
	return r;
}

redisReply *
rscript_call(struct rconn *rc, const struct rscript *s, int nkeys,
    const char **keys, int nargs, const char **args)
{
	const char	**argv;
	char		 nk[12];
	redisReply	*r;
	int		 argc;

	if ((argv = build_argv(s, nkeys, keys, nargs, args, nk, &argc)) == NULL) {
		rconn_seterr(rc, "script call: negative key or argument count");
		return NULL;
	}
	r = call_once(rc, s, argc, argv);
	/*
	 * READONLY: the server became a replica, and refused the script's
	 * first write, so the script changed nothing. Once more, on the
	 * connection rconn makes again to the address (the new primary, if
	 * the failover moved it there already).
	 */
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    rreply_replica(r->str)) {
		freeReplyObject(r);
		r = call_once(rc, s, argc, argv);
	}
	free(argv);
	if (r != NULL && r->type == REDIS_REPLY_ERROR) {
		char why[300];

		snprintf(why, sizeof(why), "script %s: %s", s->name, r->str);
		freeReplyObject(r);
		/* An error reply is not an I/O failure: keep the connection. */
		rconn_seterr(rc, why);
		return NULL;
	}
	return r;
}

int
rscript_append(struct rconn *rc, const struct rscript *s, int nkeys,
    const char **keys, int nargs, const char **args)
{
	const char	**argv;
	char		 nk[12];
	int		 argc, rv;

	if ((argv = build_argv(s, nkeys, keys, nargs, args, nk, &argc)) == NULL) {
		rconn_seterr(rc, "script call: negative key or argument count");
		return -1;
	}
	rv = rconn_append(rc, argc, argv, NULL);
	free(argv);
	return rv;
}

int
rscript_installed(struct rconn *rc)
{
	char		 key[RKEY_MAX];
	const char	*argv[2];
	redisReply	*r;
	int		 n;

	if (rkey(key, sizeof(key), RKEY_SCHEMA, NULL, NULL) < 0)
		return -1;
	argv[0] = "EXISTS";
	argv[1] = key;
	if ((r = rconn_raw(rc, 2, argv, NULL)) == NULL)
		return -1;
	n = r->type == REDIS_REPLY_INTEGER ? (r->integer > 0) : -1;
	if (n < 0 && r->type == REDIS_REPLY_ERROR)
		rconn_seterr(rc, r->str);
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOPERM", 6) == 0)
		n = 1;
	freeReplyObject(r);
	return n;
}

int
rscript_schema_check(struct rconn *rc, char *found, size_t foundlen,
    int create)
{
	const struct rscript *s = rscript_get("schema_check");
	const char	*args[2] = { RKEY_SCHEMA_VERSION, create ? "1" : "0" };
	const char	*keys[1];
	char		 key[RKEY_MAX];
	redisReply	*r;
	int		 same, set;

	rkey(key, sizeof(key), RKEY_SCHEMA, NULL, NULL);
	keys[0] = key;
	if (s == NULL || (r = rscript_call(rc, s, 1, keys, 2, args)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_INTEGER) {
		rconn_seterr(rc, "schema check: unexpected reply");
		freeReplyObject(r);
		return -1;
	}
	snprintf(found, foundlen, "%s", r->element[0]->str);
	same = strcmp(r->element[0]->str, RKEY_SCHEMA_VERSION) == 0;
	set = r->element[1]->integer;
	freeReplyObject(r);
	if (set == 2)
		return RSCRIPT_SCHEMA_MISSING;
	return !same ? 1 : set == 1 ? RSCRIPT_SCHEMA_SET : 0;
}
