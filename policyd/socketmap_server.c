/*
 * NAME
 *	socketmap_server - the socketmap table server on the event loop
 * DESCRIPTION
 *	Postfix (trivial-rewrite, smtpd, cleanup) keeps these connections
 *	open and asks one netstring at a time. Each lookup is one HMGET of
 *	the domain hash, with an EXISTS relay:schema in the same round trip;
 *	the answer is OK/NOTFOUND from sm_answer(), TEMP when Redis fails or
 *	is slower than redis.timeout_ms, or when it would be NOTFOUND but
 *	Redis holds no relay-suite data at all (relay:schema missing: a
 *	restart without persistence, another database): Postfix would
 *	refuse replies to every enrolled domain with a 5xx until the data is
 *	restored, and our failure is never a 5xx. PERM for an
 *	unknown map name (a Postfix configuration error). A malformed or
 *	oversized netstring is answered PERM, logged, and the connection is
 *	closed: a netstring stream cannot be resynchronised. Every lookup is
 *	one log line at debug level, every refusal one at warning level with
 *	the client's address (PERM lines count as protocol errors: the first
 *	few of a connection are logged, see pc_log_error).
 *
 *	The connections are the core's of policyd_server.c (pc_*): the
 *	same request timeout, idle timeout, input bound, limit on replies
 *	not read, and bounded close.
 * SEE ALSO
 *	socketmap.c, policyd.h, policyd_server.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "policyd.h"
#include "policyd_redis.h"
#include "rkeys.h"
#include "socketmap.h"
#include "xalloc.h"

struct smctx {
	struct pconn	*c;
	enum sm_map	 map;
	char		 name[32];
	char		 key[SM_MAX_REQUEST + 1];
	char		 domain[ADDR_BUFSIZE];
	char		 rkey[RKEY_MAX];
	char		 schema[RKEY_MAX];
};

/* sm_reply - one reply netstring into out; its length */
static size_t
sm_reply(char *out, size_t len, const char *status, const char *value)
{
	size_t	 n = sm_format(out, len, status, value);

	return n != 0 ? n : sm_format(out, len, "TEMP", "reply too long");
}

/* sm_log - a lookup's line: debug for an answer, warning for a refusal */
static void
sm_log(struct pconn *c, const char *name, const char *key,
    const char *status, const char *value, const char *action)
{
	struct logkv	 kv;
	int		 ok = strcmp(status, "OK") == 0 ||
			     strcmp(status, "NOTFOUND") == 0;

	if (ok ? !log_debug_enabled() :
	    strcmp(status, "PERM") == 0 && !pc_log_error(c))
		return;
	logkv_init(&kv, NULL);
	logkv_str(&kv, "client", pc_peer(c));
	logkv_str(&kv, "map", name);
	if (key != NULL)
		logkv_str(&kv, "key", key);
	logkv_str(&kv, "result", status);
	if (value != NULL && *value)
		logkv_str(&kv, action != NULL ? "error" : "value", value);
	if (action != NULL)
		logkv_str(&kv, "action", action);
	logkv_emit(&kv, ok ? LOG_DEBUG : LOG_WARNING);
}

/* sm_done - answer, log, and go on with the next buffered request */
static void
sm_done(struct smctx *x, const char *status, const char *value)
{
	struct pconn	*c = x->c;
	struct policyd	*pd = pc_pd(c);
	char		 out[SM_MAX_REPLY + 16];

	sm_log(c, x->name, x->key, status, value, NULL);
	free(x);
	pd_idle(pd);
	pc_reply(c, out, sm_reply(out, sizeof(out), status, value));
}

static void
on_domain(void *arg, int status, struct rval **r, size_t n)
{
	struct smctx	*x = arg;
	struct sm_domain d;
	const char	*st;
	char		 value[SM_MAX_REPLY - 16];
	int		 empty;

	if (status < 0 || r[0] == NULL || r[0]->type == RVAL_ERR ||
	    sm_domain_from(r[0], &d) < 0) {
		pr_replies_free(r, n);
		sm_done(x, "TEMP", "relay store unavailable");
		return;
	}
	sm_answer(x->map, x->domain, &d, &st, value, sizeof(value));
	/* (an error, such as an ACL's NOPERM, reads as "installed") */
	empty = strcmp(st, "NOTFOUND") == 0 && n > 1 && r[1] != NULL &&
	    r[1]->type == RVAL_INT && r[1]->integer == 0;
	pr_replies_free(r, n);
	if (empty)
		sm_done(x, "TEMP", "no relay-suite data in Redis (relay:schema "
		    "is missing: restarted without its data, or another "
		    "database?)");
	else
		sm_done(x, st, value);
}

static void
sm_lookup(struct pconn *c, const struct sm_req *req)
{
	struct smctx	*x = xcalloc(1, sizeof(*x));
	struct pr_cmd	 cmd[2];
	size_t		 j;

	x->c = c;
	pc_take(c);
	pd_busy(pc_pd(c));
	snprintf(x->name, sizeof(x->name), "%s", req->name);
	snprintf(x->key, sizeof(x->key), "%s", req->key);
	x->map = sm_map_of(req->name);
	if (x->map == SM_MAP_UNKNOWN) {
		sm_done(x, "PERM", "unknown map (use domains or forward)");
		return;
	}
	if (sm_key_domain(x->map, req->key, x->domain, sizeof(x->domain)) < 0 ||
	    rkey(x->rkey, sizeof(x->rkey), RKEY_DOMAIN, x->domain, NULL) < 0 ||
	    rkey(x->schema, sizeof(x->schema), RKEY_SCHEMA, NULL, NULL) < 0) {
		sm_done(x, "NOTFOUND", NULL);
		return;
	}
	memset(cmd, 0, sizeof(cmd));
	cmd[0].argv[cmd[0].argc++] = "HMGET";
	cmd[0].argv[cmd[0].argc++] = x->rkey;
	for (j = 0; j < sm_domain_nfields; j++)
		cmd[0].argv[cmd[0].argc++] = sm_domain_fields[j];
	cmd[1].argv[cmd[1].argc++] = "EXISTS";
	cmd[1].argv[cmd[1].argc++] = x->schema;
	if (pr_batch(pc_pd(c)->redis, cmd, 2, on_domain, x) < 0)
		sm_done(x, "TEMP", "relay store unavailable");
}

/* sm_refuse - PERM for a stream that cannot go on; the connection closes */
static void
sm_refuse(struct pconn *c, const char *why)
{
	char	 out[SM_MAX_REPLY + 16];

	sm_log(c, "?", NULL, "PERM", why, "close");
	pc_send(c, out, sm_reply(out, sizeof(out), "PERM", why));
	pc_close(c);
}

/* sm_step - frame and start one request (pconn_ops.step) */
static int
sm_step(struct pconn *c, const char *in, size_t len)
{
	struct sm_req	*req = xmalloc(sizeof(*req));
	size_t		 used;
	int		 rc = sm_parse(in, len, req, &used);

	if (rc == SM_MORE) {
		free(req);
		return PC_MORE;
	}
	if (rc < 0) {
		free(req);
		sm_refuse(c, sm_strerror(rc));
		return PC_NEXT;
	}
	pc_used(c, used);
	sm_lookup(c, req);	/* may answer at once */
	free(req);
	return PC_NEXT;
}

static void
sm_expire(struct pconn *c)
{
	sm_refuse(c, "request timeout");
}

/* sm_max_in - one whole netstring of SM_MAX_REQUEST always fits */
static size_t
sm_max_in(const struct relay_conf *cf)
{
	return SM_MAX_REQUEST + 16;
}

static const struct pconn_ops sm_ops = {
	"socketmap", sm_step, sm_expire, sm_max_in
};

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct policyd	*pd = arg;

	if (pd_admit(pd, fd))
		pc_new(pd, fd, sa, &sm_ops);
}

int
socketmap_add(struct policyd *pd, int fd, const char *spec)
{
	return pd_listen(pd, fd, spec, "socketmap", on_accept);
}
