/*
 * NAME
 *	ctl_util - relayctl's errors, JSON output, Redis calls, argument checks
 * DESCRIPTION
 *	The shared plumbing of the command files. Every Redis call goes
 *	through rconn/rscript with keys from rkey(); a failure there ends the
 *	run with exit 2, an argument that does not check ends it with exit 1.
 * SEE ALSO
 *	ctl.h
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "ident.h"
#include "rconn.h"
#include "rscript.h"
#include "xalloc.h"

/* ctl_fail - one error: stderr always, a JSON object too with --json */
void
ctl_fail(struct ctl *c, int exitcode, const char *code, const char *arg,
    const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (arg != NULL)
		fprintf(stderr, "relayctl: %s: %s: %s\n", c->cmd ? c->cmd : "",
		    arg, msg);
	else
		fprintf(stderr, "relayctl: %s: %s\n", c->cmd ? c->cmd : "", msg);
	if (c->json) {
		json_t *e = json_pack("{s:s, s:s, s:s?}", "code", code,
		    "message", msg, "argument", arg);

		ctl_emit(c, json_pack("{s:o}", "error", e));
	}
	fflush(stdout);
	/* The run ends here: close Redis cleanly, leave nothing behind. */
	rconn_free(c->rc);
	c->rc = NULL;
	conf_free(c->conf);
	c->conf = NULL;
	exit(exitcode);
}

void
ctl_backend(struct ctl *c, const char *what)
{
	ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "%s: %s", what,
	    c->rc ? rconn_errstr(c->rc) : "no connection");
}

void
ctl_emit(struct ctl *c, json_t *j)
{
	(void)c;
	if (j == NULL)
		return;
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

int
ctl_done(struct ctl *c, json_t *j)
{
	if (c->json)
		ctl_emit(c, j);
	else
		json_decref(j);
	return CTL_EXIT_OK;
}

/* find_opt - the option named by arg ("--name" or "--name=value") */
static const struct ctl_opt *
find_opt(const struct ctl_opt *opts, const char *arg, const char **inl)
{
	const char	*name = arg + 2, *eq = strchr(name, '=');
	size_t		 n = eq ? (size_t)(eq - name) : strlen(name);

	*inl = eq ? eq + 1 : NULL;
	for (; opts != NULL && opts->name != NULL; opts++)
		if (strlen(opts->name) == n && strncmp(opts->name, name, n) == 0)
			return opts;
	return NULL;
}

int
ctl_args(struct ctl *c, int argc, char **argv, const struct ctl_opt *opts,
    const char **pos, int min, int max, const char *usage)
{
	const struct ctl_opt *o;
	const char	*inl;
	int		 i, n = 0, dashdash = 0;

	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (!dashdash && strncmp(argv[i], "--", 2) == 0) {
			if ((o = find_opt(opts, argv[i], &inl)) == NULL)
				ctl_user(c, "usage", argv[i],
				    "unknown option (usage: relayctl %s)", usage);
			if (!o->has_arg)
				*o->val = "1";
			else if (inl != NULL)
				*o->val = inl;
			else if (i + 1 < argc)
				*o->val = argv[++i];
			else
				ctl_user(c, "usage", argv[i], "needs a value");
			continue;
		}
		if (n >= max)
			ctl_user(c, "usage", argv[i],
			    "unexpected argument (usage: relayctl %s)", usage);
		pos[n++] = argv[i];
	}
	if (n < min)
		ctl_user(c, "usage", NULL, "missing argument (usage: relayctl %s)",
		    usage);
	return n;
}

struct rconn *
ctl_redis(struct ctl *c)
{
	char	 found[64];
	int	 r;

	if (c->rc != NULL)
		return c->rc;
	c->rc = rconn_new(&c->conf->redis);
	if (rconn_ensure(c->rc) != RCONN_OK)
		ctl_backend(c, "Redis");
	r = rscript_schema_check(c->rc, found, sizeof(found));
	if (r < 0)
		ctl_backend(c, "Redis schema check");
	if (r > 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "Redis holds schema version %s, this relayctl knows %s",
		    found, RKEY_SCHEMA_VERSION);
	return c->rc;
}

void
ctl_key(struct ctl *c, char *buf, enum rkey_kind kind, const char *id,
    const char *sub)
{
	if (rkey(buf, RKEY_MAX, kind, id, sub) < 0)
		ctl_user(c, "invalid", id, "cannot be part of a key");
}

redisReply *
ctl_cmd(struct ctl *c, int argc, const char **argv)
{
	redisReply *r = rconn_cmdargv(ctl_redis(c), argc, argv, NULL);

	if (r == NULL)
		ctl_backend(c, argv[0]);
	return r;
}

redisReply *
ctl_cmdf(struct ctl *c, const char *fmt, ...)
{
	const char	*argv[16];
	char		*copy, *p, *tok;
	va_list		 ap;
	int		 argc = 0;
	redisReply	*r;

	/*
	 * fmt is a space-separated list of words where "%s" stands for the
	 * next argument, taken whole (so values may hold spaces).
	 */
	copy = xstrdup(fmt);
	va_start(ap, fmt);
	for (p = copy; (tok = strtok(p, " ")) != NULL && argc < 16; p = NULL)
		argv[argc++] = strcmp(tok, "%s") == 0 ?
		    va_arg(ap, const char *) : tok;
	va_end(ap);
	r = ctl_cmd(c, argc, argv);
	free(copy);
	return r;
}

redisReply *
ctl_script(struct ctl *c, const char *name, int nkeys, const char **keys,
    int nargs, const char **args)
{
	const struct rscript *s = rscript_get(name);
	redisReply	*r;

	if (s == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "script %s is not compiled in", name);
	if ((r = rscript_call(ctl_redis(c), s, nkeys, keys, nargs, args)) == NULL)
		ctl_backend(c, name);
	return r;
}

char *
ctl_hget(struct ctl *c, const char *key, const char *field)
{
	redisReply	*r = ctl_cmdf(c, "HGET %s %s", key, field);
	char		*v = NULL;

	if (r->type == REDIS_REPLY_STRING)
		v = xstrndup(r->str, r->len);
	freeReplyObject(r);
	return v;
}

json_t *
ctl_hgetall(struct ctl *c, const char *key)
{
	redisReply	*r = ctl_cmdf(c, "HGETALL %s", key);
	json_t		*o = json_object();
	size_t		 i;

	if (r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i + 1 < r->elements; i += 2)
			json_object_set_new(o, r->element[i]->str,
			    json_stringn(r->element[i + 1]->str,
			    r->element[i + 1]->len));
	freeReplyObject(r);
	return o;
}

int
ctl_exists(struct ctl *c, const char *key)
{
	redisReply	*r = ctl_cmdf(c, "EXISTS %s", key);
	int		 e = r->type == REDIS_REPLY_INTEGER && r->integer > 0;

	freeReplyObject(r);
	return e;
}

void
ctl_handle(struct ctl *c, const char *in, char *out, size_t outlen)
{
	const char *why = "invalid";

	if (ident_handle_norm(in, out, outlen, &why) != 0)
		ctl_user(c, "invalid_handle", in, "%s", why);
}

void
ctl_member(struct ctl *c, const char *in, char *out, size_t outlen)
{
	char	 key[RKEY_MAX];

	ctl_handle(c, in, out, outlen);
	ctl_key(c, key, RKEY_MEMBER, out, NULL);
	if (!ctl_exists(c, key))
		ctl_user(c, "unknown_member", in, "no such member");
}

void
ctl_domain(struct ctl *c, const char *in, char *out, size_t outlen)
{
	int	 e;

	if ((e = addr_domain_norm(in, out, outlen)) != ADDR_OK)
		ctl_user(c, "invalid_domain", in, "not a domain: %s",
		    addr_strerror(e));
}

void
ctl_address(struct ctl *c, const char *in, char *out, size_t outlen)
{
	int	 e;

	if ((e = addr_norm(in, out, outlen)) != ADDR_OK)
		ctl_user(c, "invalid_address", in, "not an address: %s",
		    addr_strerror(e));
}

const char *
ctl_time(long long t)
{
	static char	 buf[32];
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return "-";
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	return buf;
}

/* cmp_str - qsort comparator for an array of char * */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *
ctl_smembers(struct ctl *c, const char *key)
{
	redisReply	*r = ctl_cmdf(c, "SMEMBERS %s", key);
	json_t		*a = json_array();
	char		**v;
	size_t		 i, n = 0;

	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		v = xcalloc(r->elements, sizeof(*v));
		for (i = 0; i < r->elements; i++)
			if (r->element[i]->type == REDIS_REPLY_STRING)
				v[n++] = r->element[i]->str;
		qsort(v, n, sizeof(*v), cmp_str);
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_string(v[i]));
		free(v);
	}
	freeReplyObject(r);
	return a;
}
