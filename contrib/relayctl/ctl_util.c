/*
 * NAME
 *	ctl_util - relayctl's Redis calls, argument checks, the admin lock
 * DESCRIPTION
 *	The shared plumbing of the command files. Every Redis call goes
 *	through rconn/rscript with keys from rkey(); a failure there ends the
 *	run with exit 2, an argument that does not check ends it with exit 1
 *	(ctl_fail, in ctl_out.c).
 * SEE ALSO
 *	ctl.h, ctl_out.c
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "ctl.h"
#include "ident.h"
#include "parse.h"
#include "rconn.h"
#include "rscript.h"
#include "token.h"
#include "xalloc.h"

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
			if (*o->val != NULL)
				ctl_user(c, "usage", argv[i], "--%s given twice",
				    o->name);
			if (!o->has_arg && inl != NULL)
				ctl_user(c, "usage", argv[i], "--%s takes no "
				    "value", o->name);
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
	/*
	 * Only member add, the first data of a new Redis, sets a missing
	 * relay:schema: a look at a Redis that lost its data must not mark
	 * it as new (the daemons would then refuse instead of defer).
	 */
	r = rscript_schema_check(c->rc, found, sizeof(found), c->create_schema);
	if (r < 0)
		ctl_backend(c, "Redis schema check");
	if (r == 1)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "Redis holds schema version %s, this relayctl knows %s",
		    found, RKEY_SCHEMA_VERSION);
	if (r == RSCRIPT_SCHEMA_SET)
		fprintf(stderr, "relayctl: note: %s\n", RSCRIPT_SCHEMA_SET_TEXT);
	if (r == RSCRIPT_SCHEMA_MISSING)
		fprintf(stderr, "relayctl: note: %s\n",
		    RSCRIPT_SCHEMA_MISSING_TEXT);
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

	/* rconn's text already starts with the command ("HSCAN: ..."). */
	if (r == NULL)
		ctl_backend(c, "Redis");
	return r;
}

/*
 * split_cmd - fmt is a space-separated list of words where "%s" stands
 * for the next argument, taken whole (so values may hold spaces). Returns
 * the copy of fmt that argv points into (the caller frees it).
 */
static char *
split_cmd(const char *fmt, va_list ap, const char **argv, int *argc)
{
	char	*copy = xstrdup(fmt), *p, *tok;

	*argc = 0;
	for (p = copy; (tok = strtok(p, " ")) != NULL && *argc < 16; p = NULL)
		argv[(*argc)++] = strcmp(tok, "%s") == 0 ?
		    va_arg(ap, const char *) : tok;
	return copy;
}

/* vcmdf - ctl_cmdf and ctl_cmdf_or: or_err returns an error reply */
static redisReply *
vcmdf(struct ctl *c, int or_err, const char *fmt, va_list ap)
{
	const char	*argv[16];
	char		*copy;
	int		 argc;
	redisReply	*r;

	copy = split_cmd(fmt, ap, argv, &argc);
	if (!or_err)
		r = ctl_cmd(c, argc, argv);
	else if ((r = rconn_raw(ctl_redis(c), argc, argv, NULL)) == NULL)
		ctl_backend(c, "Redis");
	free(copy);
	return r;
}

redisReply *
ctl_cmdf(struct ctl *c, const char *fmt, ...)
{
	va_list		 ap;
	redisReply	*r;

	va_start(ap, fmt);
	r = vcmdf(c, 0, fmt, ap);
	va_end(ap);
	return r;
}

redisReply *
ctl_cmdf_or(struct ctl *c, const char *fmt, ...)
{
	va_list		 ap;
	redisReply	*r;

	va_start(ap, fmt);
	r = vcmdf(c, 1, fmt, ap);
	va_end(ap);
	return r;
}

long long
ctl_finish(struct ctl *c, const char *fmt, ...)
{
	const char	*argv[16];
	char		*copy;
	va_list		 ap;
	int		 argc;
	redisReply	*r;
	long long	 n;

	va_start(ap, fmt);
	copy = split_cmd(fmt, ap, argv, &argc);
	va_end(ap);
	ctl_wrote(c);
	r = rconn_cmdargv(ctl_redis(c), argc, argv, NULL);
	free(copy);
	if (r == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "%s; stopped half "
		    "way: run the same command again to finish", rconn_errstr(
		    c->rc));
	n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	return n;
}

/* script - EVALSHA of NAME; finish: a failure says to run it again */
static redisReply *
script(struct ctl *c, const char *name, int nkeys, const char **keys,
    int nargs, const char **args, int finish)
{
	const struct rscript *s = rscript_get(name);
	redisReply	*r;

	if (s == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "script %s is not compiled in", name);
	r = rscript_call(ctl_redis(c), s, nkeys, keys, nargs, args);
	if (r != NULL)
		return r;
	if (!finish)
		ctl_backend(c, name);
	ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "%s; stopped half way: "
	    "run the same command again to finish", rconn_errstr(c->rc));
}

redisReply *
ctl_script(struct ctl *c, const char *name, int nkeys, const char **keys,
    int nargs, const char **args)
{
	ctl_wrote(c);
	return script(c, name, nkeys, keys, nargs, args, 0);
}

redisReply *
ctl_script_finish(struct ctl *c, const char *name, int nkeys,
    const char **keys, int nargs, const char **args)
{
	ctl_wrote(c);
	return script(c, name, nkeys, keys, nargs, args, 1);
}

void
ctl_wrote(struct ctl *c)
{
	if (c->wrote || c->conf == NULL || c->conf->redis.wait_replicas == 0)
		return;
	c->wrote_at = rconn_attempts(ctl_redis(c));
	c->wrote = 1;
}

int
ctl_settle(struct ctl *c, int rc)
{
	const struct conf_redis *cr;

	if (!c->wrote || c->rc == NULL)
		return rc;
	cr = &c->conf->redis;
	if (rconn_wait(c->rc, cr->wait_replicas, cr->wait_ms, c->wrote_at) == 1)
		return rc;
	fprintf(stderr, "relayctl: %s: %s: the change is made on the primary, "
	    "but a failover could lose it: look again once the replicas "
	    "are back (and run the command again if it is gone)\n",
	    c->cmd ? c->cmd : "relayctl", rconn_errstr(c->rc));
	return rc == CTL_EXIT_OK ? CTL_EXIT_BACKEND : rc;
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
ctl_jstrn(const char *s, size_t len)
{
	char	*buf;
	json_t	*j;

	if (s == NULL)
		return NULL;
	buf = xmalloc(PARSE_CLEAN_MAX(len));
	j = json_stringn(buf, parse_clean(buf, s, len, 0));
	free(buf);
	return j;
}

json_t *
ctl_jstr(const char *s)
{
	return s ? ctl_jstrn(s, strlen(s)) : NULL;
}

json_t *
ctl_jload(const char *s, size_t len)
{
	char	*buf;
	json_t	*j;
	size_t	 n;

	if (s == NULL)
		return NULL;
	buf = xmalloc(PARSE_CLEAN_MAX(len));
	n = parse_clean(buf, s, len, PARSE_CLEAN_INJSON);
	j = json_loadb(buf, n, 0, NULL);
	free(buf);
	return j;
}

/* keep - hand buf to the ring of results that live eight calls */
static const char *
keep(char *buf)
{
	static char	*ring[8];
	static size_t	 next;

	free(ring[next]);
	ring[next] = buf;
	next = (next + 1) % 8;
	return buf;
}

const char *
ctl_tx(const char *s)
{
	size_t		 len;
	char		*buf;

	if (s == NULL)
		return "";
	len = strlen(s);
	buf = xmalloc(PARSE_CLEAN_MAX(len));
	parse_clean(buf, s, len, PARSE_CLEAN_CTRL);
	return keep(buf);
}

const char *
ctl_pad(const char *s, size_t width)
{
	size_t	 len = strlen(s), chars = 0, i;
	char	*buf;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	buf = xmalloc(len + (chars < width ? width - chars : 0) + 1);
	memcpy(buf, s, len);
	for (; chars < width; chars++)
		buf[len++] = ' ';
	buf[len] = '\0';
	return keep(buf);
}

const char *
ctl_txf(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? ctl_tx(s) : dflt;
}

/* hash_json - a hash reply as JSON; with docs, JSON values parsed */
static json_t *
hash_json(const redisReply *r, int docs)
{
	json_t		*o = json_object(), *k, *v;
	const redisReply *f;
	size_t		 i;

	for (i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements;
	    i += 2) {
		f = r->element[i + 1];
		v = NULL;
		if (docs && f->len > 0 && (f->str[0] == '{' || f->str[0] == '['))
			v = ctl_jload(f->str, f->len);
		if (v == NULL)
			v = ctl_jstrn(f->str, f->len);
		k = ctl_jstrn(r->element[i]->str, r->element[i]->len);
		json_object_set_new(o, json_string_value(k), v);
		json_decref(k);
	}
	return o;
}

/* hgetall - hash_json of r, which is freed */
static json_t *
hgetall(redisReply *r, int docs)
{
	json_t	*o = hash_json(r, docs);

	freeReplyObject(r);
	return o;
}

json_t *
ctl_hash_json(const redisReply *r)
{
	return hash_json(r, 0);
}

void
ctl_pipe(struct ctl *c, const char *cmd, const char *const *keys, size_t n,
    int nargs, const char *const *args, redisReply **out)
{
	const char	*argv[CTL_PIPE_ARGS + 2];
	size_t		 i, j;
	int		 k;

	if (nargs < 0 || nargs > CTL_PIPE_ARGS)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "%s: %d "
		    "arguments, at most %d", cmd, nargs, CTL_PIPE_ARGS);
	argv[0] = cmd;
	for (k = 0; k < nargs; k++)
		argv[k + 2] = args[k];
	ctl_redis(c);
	/* hiredis keeps the commands until the first read sends them all. */
	for (i = 0; i < n; i++) {
		out[i] = NULL;
		if (keys[i] == NULL)
			continue;
		argv[1] = keys[i];
		if (rconn_append(c->rc, nargs + 2, argv, NULL) != RCONN_OK)
			ctl_backend(c, cmd);
	}
	for (i = 0; i < n; i++) {
		if (keys[i] == NULL)
			continue;
		if ((out[i] = rconn_reply(c->rc)) != NULL)
			continue;
		for (j = 0; j < i; j++) {
			freeReplyObject(out[j]);
			out[j] = NULL;
		}
		ctl_backend(c, cmd);
	}
}

json_t *
ctl_hgetall(struct ctl *c, const char *key)
{
	return hgetall(ctl_cmdf(c, "HGETALL %s", key), 0);
}

json_t *
ctl_hgetall_docs(struct ctl *c, const char *key)
{
	return hgetall(ctl_cmdf(c, "HGETALL %s", key), 1);
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

redisReply *
ctl_sscan(struct ctl *c, const char *key, char *cursor, int count)
{
	char		 n[16];
	redisReply	*r;

	snprintf(n, sizeof(n), "%d", count);
	r = ctl_cmdf(c, "SSCAN %s %s COUNT %s", key, cursor, n);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= CTL_CURSOR_MAX ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "SSCAN: unexpected reply");
	}
	memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
	return r;
}

/* cmp_str - qsort comparator for an array of string replies */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp((*(redisReply *const *)a)->str,
	    (*(redisReply *const *)b)->str);
}

json_t *
ctl_smembers(struct ctl *c, const char *key)
{
	redisReply	*r = ctl_cmdf(c, "SMEMBERS %s", key);
	json_t		*a = json_array();
	redisReply	**v;
	size_t		 i, n = 0;

	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		v = xcalloc(r->elements, sizeof(*v));
		for (i = 0; i < r->elements; i++)
			if (r->element[i]->type == REDIS_REPLY_STRING)
				v[n++] = r->element[i];
		qsort(v, n, sizeof(*v), cmp_str);
		for (i = 0; i < n; i++)
			json_array_append_new(a, ctl_jstrn(v[i]->str,
			    v[i]->len));
		free(v);
	}
	freeReplyObject(r);
	return a;
}

/* The parts of a lock's value, "TOKEN SINCE PID HOST COMMAND" (ctl_lock). */
struct lock_holder {
	long long	 since;
	long		 pid;
	char		 host[80];
	const char	*cmd;		/* in the value parsed */
};

/* lock_parse - a lock's value into h; 0, or -1 when it is not ours */
static int
lock_parse(const char *held, struct lock_holder *h)
{
	int	 n = 0;

	memset(h, 0, sizeof(*h));
	if (sscanf(held, "%*s %lld %ld %79s %n", &h->since, &h->pid, h->host,
	    &n) < 3 || n <= 0 || h->pid <= 0)
		return -1;
	h->cmd = held + n;
	return 0;
}

/* lock_busy - the lock stayed taken: say by whom and since when, exit 2 */
static void
lock_busy(struct ctl *c, const char *key)
{
	/* who holds the whole value quoted, with room for the words */
	char		 held[CTL_LOCK_VAL_MAX], who[CTL_LOCK_VAL_MAX + 64];
	struct lock_holder h;
	redisReply	*r;
	long long	 pttl = -2, age;

	held[0] = who[0] = '\0';
	r = ctl_cmdf(c, "GET %s", key);
	if (r->type == REDIS_REPLY_STRING)
		snprintf(held, sizeof(held), "%.*s", (int)r->len, r->str);
	freeReplyObject(r);
	r = ctl_cmdf(c, "PTTL %s", key);
	if (r->type == REDIS_REPLY_INTEGER)
		pttl = r->integer;
	freeReplyObject(r);
	if (lock_parse(held, &h) == 0)
		snprintf(who, sizeof(who), "\"%s\" (pid %ld on %s)", h.cmd,
		    h.pid, h.host);
	else
		snprintf(who, sizeof(who), "an unknown holder (value \"%s\")",
		    held);
	age = h.since > 0 ? (long long)clock_now() - h.since : pttl > 0 ?
	    (CTL_LOCK_TTL_MS - pttl) / 1000 : -1;
	if (pttl == -1)
		ctl_fail(c, CTL_EXIT_BACKEND, "locked", key, "admin lock held by "
		    "%s and set to never expire: if no relayctl is running, "
		    "delete it (redis-cli DEL %s)", who, key);
	ctl_fail(c, CTL_EXIT_BACKEND, "locked", key, "admin lock held by %s, "
	    "taken %lld s ago%s%lld%s; waited %d s: another relayctl is "
	    "changing members or domains, run the command again when it is "
	    "done", who, age < 0 ? 0 : age, pttl > 0 ? ", expires in " : "",
	    pttl > 0 ? (pttl + 999) / 1000 : 0, pttl > 0 ? " s" : "",
	    CTL_LOCK_WAIT_MS / 1000);
}

/* lock_cas - ctl_lock_cas.lua: 1 when the lock held from and now holds to */
static int
lock_cas(struct ctl *c, const char *key, const char *from, const char *to)
{
	const char	*keys[1] = { key }, *args[3];
	char		 ttl[16];
	redisReply	*r;
	int		 set;

	snprintf(ttl, sizeof(ttl), "%d", CTL_LOCK_TTL_MS);
	args[0] = from;
	args[1] = to;
	args[2] = ttl;
	/* the lock's writes need no replica: it only lives during runs */
	r = script(c, "ctl_lock_cas", 1, keys, 3, args, 0);
	set = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	return set;
}

/*
 * holder_gone - the lock's value names a run on this host whose process
 * is gone (killed, or stopped by Ctrl-C before it could release it)
 */
static int
holder_gone(const char *held, const char *host)
{
	struct lock_holder h;

	if (lock_parse(held, &h) < 0 || strcmp(h.host, host) != 0)
		return 0;
	return kill((pid_t)h.pid, 0) < 0 && errno == ESRCH;
}

void
ctl_lock_keep(struct ctl *c)
{
	char	 key[RKEY_MAX];

	if (!c->locked)
		return;
	ctl_key(c, key, RKEY_CTL_LOCK, NULL, NULL);
	if (lock_cas(c, key, c->lock_val, c->lock_val))
		return;
	c->locked = 0;		/* not ours: never released by us */
	ctl_fail(c, CTL_EXIT_BACKEND, "locked", key, "the admin lock expired "
	    "while this command ran (over %d s: was it stopped?) and may be "
	    "another run's now; nothing was written: run the command again",
	    CTL_LOCK_TTL_MS / 1000);
}

void
ctl_lock(struct ctl *c)
{
	char		 key[RKEY_MAX], tok[33], host[64], ttl[16];
	struct timespec	 nap = { 0, 100 * 1000 * 1000 };
	redisReply	*r;
	int64_t		 end;
	char		*p;
	int		 got;

	if (c->locked)
		return;
	ctl_key(c, key, RKEY_CTL_LOCK, NULL, NULL);
	if (token_random_hex(16, tok, sizeof(tok)) != 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "no random bytes for the admin lock");
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	for (p = host; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			*p = '_';
	snprintf(c->lock_val, sizeof(c->lock_val), "%s %lld %ld %s %s", tok,
	    (long long)clock_now(), (long)getpid(), host, c->cmd ? c->cmd : "");
	snprintf(ttl, sizeof(ttl), "%d", CTL_LOCK_TTL_MS);
	end = clock_mono_ms() + CTL_LOCK_WAIT_MS;
	for (;;) {
		r = ctl_cmdf(c, "SET %s %s NX PX %s", key, c->lock_val, ttl);
		got = r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
		if (got) {
			c->locked = 1;
			return;
		}
		r = ctl_cmdf(c, "GET %s", key);
		if (r->type == REDIS_REPLY_STRING && holder_gone(r->str, host) &&
		    lock_cas(c, key, r->str, c->lock_val)) {
			ctl_note(c, key, "took over the admin lock of a relayctl "
			    "that is gone (%s)", ctl_tx(r->str));
			freeReplyObject(r);
			c->locked = 1;
			return;
		}
		freeReplyObject(r);
		if (clock_mono_ms() >= end)
			lock_busy(c, key);
		while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
			;
		nap.tv_nsec = 100 * 1000 * 1000;
	}
}

void
ctl_unlock(struct ctl *c)
{
	const struct rscript *s = rscript_get("ctl_unlock");
	char		 key[RKEY_MAX];
	const char	*keys[1], *args[1];
	redisReply	*r;

	if (!c->locked || c->rc == NULL)
		return;
	/* First, so a failure here (ctl_fail -> ctl_unlock) cannot loop. */
	c->locked = 0;
	if (rkey(key, sizeof(key), RKEY_CTL_LOCK, NULL, NULL) < 0)
		return;
	keys[0] = key;
	args[0] = c->lock_val;
	/* Not released (Redis gone): it expires after CTL_LOCK_TTL_MS. */
	if (s != NULL && (r = rscript_call(c->rc, s, 1, keys, 1, args)) != NULL)
		freeReplyObject(r);
	else
		fprintf(stderr, "relayctl: warning: admin lock %s not released "
		    "(%s): it expires within %d s\n", key, s == NULL ?
		    "script ctl_unlock is not compiled in" : rconn_errstr(c->rc),
		    CTL_LOCK_TTL_MS / 1000);
}
