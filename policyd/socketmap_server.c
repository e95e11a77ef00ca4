/*
 * NAME
 *	socketmap_server - the socketmap table server on the event loop
 * DESCRIPTION
 *	Postfix (trivial-rewrite, smtpd, cleanup) keeps these connections
 *	open and asks one netstring at a time. Each lookup is one HMGET of
 *	the domain hash; the answer is OK/NOTFOUND from sm_answer(), TEMP
 *	when Redis fails or is slower than redis.timeout_ms, PERM for an
 *	unknown map name (a Postfix configuration error). A malformed or
 *	oversized netstring is answered PERM, logged, and the connection is
 *	closed: a netstring stream cannot be resynchronised. Every lookup is
 *	one log line at debug level, every refusal one at warning level.
 * SEE ALSO
 *	socketmap.c, policyd_server.c (the same connection rules)
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "policyd.h"
#include "policyd_redis.h"
#include "rkeys.h"
#include "socketmap.h"
#include "xalloc.h"

struct smconn {
	struct pd_link	 link;		/* first: the list's view of it */
	struct policyd	*pd;
	struct bufferevent *bev;
	struct event	*req_timer;
	int		 busy, gone, closing;
	int		 in_input;	/* sm_input is on the stack */
};

struct smctx {
	struct smconn	*c;
	enum sm_map	 map;
	char		 name[32];
	char		 key[SM_MAX_REQUEST + 1];
	char		 domain[ADDR_BUFSIZE];
	char		 rkey[RKEY_MAX];
};

static void	sm_input(struct smconn *);

static void
smconn_free(struct smconn *c)
{
	pd_link_del(c->pd, &c->link);
	event_free(c->req_timer);
	bufferevent_free(c->bev);
	free(c);
}

static void
sm_send(struct smconn *c, const char *status, const char *value)
{
	struct evbuffer *ob = bufferevent_get_output(c->bev);
	char	 out[SM_MAX_REPLY + 16];
	size_t	 n = sm_format(out, sizeof(out), status, value);
	ssize_t	 w = 0;

	if (n == 0)
		n = sm_format(out, sizeof(out), "TEMP", "reply too long");
	/* Written at once when nothing is queued (as policyd_server.c). */
	if (evbuffer_get_length(ob) == 0 &&
	    (w = write(bufferevent_getfd(c->bev), out, n)) < 0)
		w = 0;
	if ((size_t)w < n)
		evbuffer_add(ob, out + w, n - (size_t)w);
}

/* sm_close - stop reading; freed once the last reply is out */
static void
sm_close(struct smconn *c)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
}

/* sm_done - answer, log, and go on with the next buffered request */
static void
sm_done(struct smctx *x, const char *status, const char *value)
{
	struct smconn	*c = x->c;
	struct logkv	 kv;

	logkv_init(&kv, NULL);
	logkv_str(&kv, "map", x->name);
	logkv_str(&kv, "key", x->key);
	logkv_str(&kv, "result", status);
	if (value != NULL && *value)
		logkv_str(&kv, "value", value);
	if (strcmp(status, "OK") == 0 || strcmp(status, "NOTFOUND") == 0) {
		if (log_debug_enabled())
			logkv_emit(&kv, LOG_DEBUG);
	} else {
		logkv_emit(&kv, LOG_WARNING);
	}
	free(x);
	c->busy = 0;
	pd_idle(c->pd);
	if (c->gone) {
		smconn_free(c);
		return;
	}
	sm_send(c, status, value);
	if (!c->in_input)	/* else its loop goes on by itself */
		sm_input(c);
}

static void
on_domain(void *arg, int status, struct rval **r, size_t n)
{
	struct smctx	*x = arg;
	struct sm_domain d;
	const char	*st;
	char		 value[SM_MAX_REPLY - 16];

	if (status < 0 || r[0] == NULL || r[0]->type == RVAL_ERR ||
	    sm_domain_from(r[0], &d) < 0) {
		pr_replies_free(r, n);
		sm_done(x, "TEMP", "relay store unavailable");
		return;
	}
	pr_replies_free(r, n);
	sm_answer(x->map, x->domain, &d, &st, value, sizeof(value));
	sm_done(x, st, value);
}

static void
sm_lookup(struct smconn *c, const struct sm_req *req)
{
	struct smctx	*x = xcalloc(1, sizeof(*x));
	struct pr_cmd	 cmd;
	size_t		 j;

	x->c = c;
	c->busy = 1;
	pd_busy(c->pd);
	snprintf(x->name, sizeof(x->name), "%s", req->name);
	snprintf(x->key, sizeof(x->key), "%s", req->key);
	x->map = sm_map_of(req->name);
	if (x->map == SM_MAP_UNKNOWN) {
		sm_done(x, "PERM", "unknown map (use domains or forward)");
		return;
	}
	if (sm_key_domain(x->map, req->key, x->domain, sizeof(x->domain)) < 0 ||
	    rkey(x->rkey, sizeof(x->rkey), RKEY_DOMAIN, x->domain, NULL) < 0) {
		sm_done(x, "NOTFOUND", NULL);
		return;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.argv[cmd.argc++] = "HMGET";
	cmd.argv[cmd.argc++] = x->rkey;
	for (j = 0; j < sm_domain_nfields; j++)
		cmd.argv[cmd.argc++] = sm_domain_fields[j];
	if (pr_batch(c->pd->redis, &cmd, 1, on_domain, x) < 0)
		sm_done(x, "TEMP", "relay store unavailable");
}

/* sm_one - frame and start one request; 0 to go on, -1 to stop */
static int
sm_one(struct smconn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct sm_req	*req;
	size_t		 len, used;
	unsigned char	*p;
	int		 rc;

	len = evbuffer_get_length(in);
	if (len == 0) {
		evtimer_del(c->req_timer);
		return -1;
	}
	if (len > SM_MAX_REQUEST + 16)
		len = SM_MAX_REQUEST + 16;
	p = evbuffer_pullup(in, (ev_ssize_t)len);
	req = xmalloc(sizeof(*req));
	rc = sm_parse((const char *)p, len, req, &used);
	if (rc == SM_MORE) {
		struct timeval tv = { c->pd->cf->policyd.request_timeout_s, 0 };

		free(req);
		if (!evtimer_pending(c->req_timer, NULL))
			evtimer_add(c->req_timer, &tv);
		return -1;
	}
	evtimer_del(c->req_timer);
	if (rc < 0) {
		free(req);
		log_warn("map=? result=PERM error=\"%s\" action=close",
		    sm_strerror(rc));
		sm_send(c, "PERM", sm_strerror(rc));
		sm_close(c);
		return -1;
	}
	evbuffer_drain(in, used);
	sm_lookup(c, req);	/* may answer at once */
	free(req);
	return 0;
}

static void
sm_input(struct smconn *c)
{
	c->in_input = 1;
	while (!c->busy && !c->closing && sm_one(c) == 0)
		;
	c->in_input = 0;
	if (c->closing &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		smconn_free(c);
}

static void
on_sm_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct smconn	*c = arg;

	if (c->busy || c->closing)
		return;
	log_warn("map=? result=PERM error=\"request timeout\" action=close");
	sm_send(c, "PERM", "request timeout");
	sm_close(c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		smconn_free(c);		/* written at once: no on_write to come */
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	sm_input(arg);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct smconn	*c = arg;

	if (c->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		smconn_free(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smconn	*c = arg;

	if (c->busy) {
		c->gone = 1;
		bufferevent_disable(bev, EV_READ | EV_WRITE);
		return;
	}
	smconn_free(c);
}

static void
smconn_kill(struct pd_link *l)
{
	smconn_free((struct smconn *)l);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct policyd	*pd = arg;
	struct smconn	*c;
	struct timeval	 idle = { pd->cf->policyd.idle_timeout_s, 0 };

	if (!pd_admit(pd, fd))
		return;
	c = xcalloc(1, sizeof(*c));
	c->pd = pd;
	pd_link_add(pd, &c->link, smconn_kill);
	c->bev = bufferevent_socket_new(pd->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->req_timer = evtimer_new(pd->base, on_sm_timeout, c);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int
socketmap_add(struct policyd *pd, int fd, const char *spec)
{
	return pd_listen(pd, fd, spec, "socketmap", on_accept);
}
