/*
 * NAME
 *	policyd_server - the connection core, and the policy service on it
 * DESCRIPTION
 *	The connection core (pc_*, policyd.h) carries both services, policy
 *	and socketmap, with one set of rules: one request per connection is
 *	in flight at a time; bytes that arrive meanwhile wait in the
 *	connection's input buffer (read no further while it is full), so
 *	replies go out in request order. A service supplies a framer
 *	(step), an answer for a request that times out (expire) and its
 *	input limit (max_in).
 *
 *	Hostile or broken clients: a request not complete within
 *	policyd.request_timeout of its first byte (slowloris, also while the
 *	rest of a bad request is skipped) is answered and the connection
 *	closed; an idle connection is closed after policyd.idle_timeout;
 *	replies the client does not read are queued up to PC_MAX_OUTPUT, past
 *	it the connection is closed, and a closing connection that does not
 *	take its last replies within request_timeout is closed hard. The
 *	first PC_LOG_ERRORS protocol errors of a connection are logged, the
 *	rest counted in one line at close. None of it is fatal to the daemon.
 *
 *	The policy service frames requests with polproto_parse() and hands
 *	each to policy_handle(). A request over a limit or not in the
 *	protocol's shape gets "action=451 4.4.2 ..." and the connection skips
 *	to the end of that request and goes on; garbage that never ends a
 *	request is closed after PS_MAX_DISCARD bytes.
 * INVARIANTS
 *	A connection with a request in flight (busy) is never freed: a
 *	client that goes away meanwhile is only marked, and freed when the
 *	answer comes back. A connection is freed only outside its own input
 *	loop (in_input).
 * SEE ALSO
 *	policyd.h, policyd_proto.c, policyd_policy.c, socketmap_server.c
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conditions.h"
#include "log.h"
#include "policyd.h"
#include "policyd_proto.h"
#include "stats.h"
#include "xalloc.h"

#define PS_MAX_DISCARD	(1024 * 1024)	/* garbage without a request end */
#define PD_ACTION_MAX	1200		/* one reply line */
#define PS_IN_FIRST	2048		/* input buffer: first size */
#define PS_IN_ROOM	512		/* grow when less than this is free */

/*
 * A connection's input is read straight into its own buffer: a
 * bufferevent asks the kernel how much is waiting (an ioctl) before
 * every read, a third system call beside the read and the reply's
 * write. The buffer grows up to the service's max_in() under the
 * current config and stops being read while it is full and a request is
 * in flight.
 */
struct pconn {
	struct pd_link	 link;		/* first: the list's view of it */
	struct policyd	*pd;
	const struct pconn_ops *ops;
	int		 fd;
	struct event	*rev;		/* input, and the idle timeout */
	struct event	*wev;		/* armed while out holds bytes */
	struct event	*timer;		/* a partial request; or the drain */
	struct evbuffer	*out;		/* what the socket did not take */
	char		*in;		/* in[off..len) not yet used */
	size_t		 off, len, cap;
	char		 peer[64];
	int		 reading;	/* rev is added */
	int		 busy;		/* a request is with policy_handle */
	int		 gone;		/* client closed while busy */
	int		 eof;		/* client shut its sending side */
	int		 closing;	/* flush the last reply, then close */
	int		 in_input;	/* process_input is on the stack */
	size_t		 nerrors;	/* protocol errors (pc_log_error) */
	/* policy service: skipping the rest of a bad request */
	int		 discard, skip_nl;
	size_t		 discarded;
};

static void	process_input(struct pconn *);
static void	set_reading(struct pconn *);

static void
pconn_free(struct pconn *c)
{
	if (c->nerrors > PC_LOG_ERRORS)
		log_warn("client=%s service=%s protocol_errors=%zu "
		    "not_logged=%zu action=close", c->peer, c->ops->service,
		    c->nerrors, c->nerrors - PC_LOG_ERRORS);
	pd_link_del(c->pd, &c->link);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	if (c->out != NULL)
		evbuffer_free(c->out);
	evutil_closesocket(c->fd);
	free(c->in);
	free(c);
}

/* lost - the client went away or its socket failed */
static void
lost(struct pconn *c)
{
	if (c->busy) {		/* freed when the answer comes back */
		c->gone = 1;
		event_del(c->rev);
		event_del(c->wev);
		event_del(c->timer);
		c->reading = 0;
		return;
	}
	pconn_free(c);
}

const char *
pc_peer(const struct pconn *c)
{
	return c->peer;
}

struct policyd *
pc_pd(const struct pconn *c)
{
	return c->pd;
}

int
pc_log_error(struct pconn *c)
{
	return ++c->nerrors <= PC_LOG_ERRORS;
}

/* pc_used - n bytes at in[off] are done with */
void
pc_used(struct pconn *c, size_t n)
{
	c->off += n;
	if (c->off == c->len)
		c->off = c->len = 0;
}

void
pc_take(struct pconn *c)
{
	c->busy = 1;
}

/*
 * pc_send - written at once when nothing is queued; what the socket does
 * not take is queued, in order, behind it, and written when the socket
 * has room. Past PC_MAX_OUTPUT the client is not reading: close.
 */
void
pc_send(struct pconn *c, const char *buf, size_t n)
{
	ssize_t	 w = 0;

	if (evbuffer_get_length(c->out) == 0) {
		w = write(c->fd, buf, n);
		if (w < 0)
			w = 0;	/* EAGAIN and errors: the write event finds out */
	}
	if ((size_t)w == n)
		return;
	evbuffer_add(c->out, buf + w, n - (size_t)w);
	event_add(c->wev, NULL);
	if (evbuffer_get_length(c->out) > PC_MAX_OUTPUT && !c->closing) {
		log_warn("client=%s service=%s error=\"replies not read\" "
		    "action=close", c->peer, c->ops->service);
		pc_close(c);
	}
}

/*
 * pc_close - stop reading; free once the output is flushed, or after
 * request_timeout if the client does not take it (the timer, no longer
 * needed for a request, is the deadline).
 */
void
pc_close(struct pconn *c)
{
	struct timeval tv = { c->pd->cf->policyd.request_timeout_s, 0 };

	c->closing = 1;
	set_reading(c);
	if (evbuffer_get_length(c->out) == 0) {
		if (!c->in_input)
			pconn_free(c);
		return;
	}
	evtimer_del(c->timer);
	evtimer_add(c->timer, &tv);
}

void
pc_reply(struct pconn *c, const char *buf, size_t n)
{
	c->busy = 0;
	if (c->gone) {
		pconn_free(c);
		return;
	}
	pc_send(c, buf, n);
	if (!c->in_input)	/* else its loop goes on by itself */
		process_input(c);
}

/* on_timer - a request that does not finish, or replies not taken */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pconn	*c = arg;

	if (c->closing) {
		log_warn("client=%s service=%s error=\"replies not read\" "
		    "action=close unsent=%zu", c->peer, c->ops->service,
		    evbuffer_get_length(c->out));
		pconn_free(c);
		return;
	}
	if (c->busy)
		return;
	c->in_input = 1;	/* expire may close: free below, once */
	c->ops->expire(c);
	c->in_input = 0;
	pc_close(c);
}

static void
process_input(struct pconn *c)
{
	struct timeval tv = { c->pd->cf->policyd.request_timeout_s, 0 };

	c->in_input = 1;
	while (!c->busy && !c->closing && c->len > c->off) {
		int	 rc = c->ops->step(c, c->in + c->off, c->len - c->off);

		if (c->closing)
			break;
		if (rc == PC_NEXT) {
			evtimer_del(c->timer);
			continue;
		}
		/* The timer runs from a request's first byte to its end. */
		if (!evtimer_pending(c->timer, NULL))
			evtimer_add(c->timer, &tv);
		break;
	}
	c->in_input = 0;
	if (c->eof && !c->busy && !c->closing)
		pc_close(c);	/* all whole requests answered; frees if done */
	else if (c->closing && evbuffer_get_length(c->out) == 0)
		pconn_free(c);
	else
		set_reading(c);
}

/*
 * room - make space to read into: move the unused bytes to the front,
 * grow up to the limit of the current config. 0 when the buffer is full.
 */
static size_t
room(struct pconn *c)
{
	size_t	 max = c->ops->max_in(c->pd->cf);

	if (c->off > 0 && c->cap - c->len < PS_IN_ROOM) {
		memmove(c->in, c->in + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->cap - c->len < PS_IN_ROOM && c->cap < max) {
		c->cap = c->cap * 2 > max ? max : c->cap * 2;
		c->in = xrealloc(c->in, c->cap);
	}
	return c->cap - c->len;
}

/* set_reading - read while there is room and the connection is open */
static void
set_reading(struct pconn *c)
{
	int	 want = !c->closing && !c->gone && !c->eof && room(c) > 0;

	if (want && !c->reading) {
		struct timeval idle = { c->pd->cf->policyd.idle_timeout_s, 0 };

		event_add(c->rev, &idle);
	} else if (!want && c->reading) {
		event_del(c->rev);
	}
	c->reading = want;
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct pconn	*c = arg;
	ssize_t		 n;

	if (what & EV_TIMEOUT) {
		/*
		 * Waiting for our own answer (Redis slower than idle_timeout)
		 * is not idleness: the answer comes, bounded by
		 * redis.timeout_ms; the timeout fires again (EV_PERSIST).
		 */
		if (c->busy)
			return;
		if (!c->closing)
			log_info("client=%s service=%s action=close reason=idle",
			    c->peer, c->ops->service);
		lost(c);
		return;
	}
	if (room(c) == 0)
		return;
	n = read(fd, c->in + c->len, c->cap - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n < 0) {		/* a socket error */
		lost(c);
		return;
	}
	if (n == 0)		/* end of input: answer what is whole, close */
		c->eof = 1;
	c->len += (size_t)n;
	process_input(c);
}

static void
on_write(evutil_socket_t fd, short what, void *arg)
{
	struct pconn	*c = arg;

	if (evbuffer_write(c->out, fd) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR) {
		lost(c);
		return;
	}
	if (evbuffer_get_length(c->out) > 0)
		return;
	event_del(c->wev);
	if (c->closing)
		pconn_free(c);
}

static void
pconn_kill(struct pd_link *l)
{
	pconn_free((struct pconn *)l);
}

/* peer_name - "ip:port" or "[ip6]:port" of an inet client, else "unix" */
static void
peer_name(const struct sockaddr *sa, char *out, size_t len)
{
	char	 host[48] = "?";
	int	 port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;

		evutil_inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		port = ntohs(in4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		/* "::1:4711" would read as an address without a port */
		snprintf(out, len, "[%s]:%d", host, port);
		return;
	} else {
		snprintf(out, len, "unix");
		return;
	}
	snprintf(out, len, "%s:%d", host, port);
}

void
pc_new(struct policyd *pd, int fd, const struct sockaddr *sa,
    const struct pconn_ops *ops)
{
	struct pconn	*c = xcalloc(1, sizeof(*c));
	size_t		 max = ops->max_in(pd->cf);

	c->pd = pd;
	c->ops = ops;
	c->fd = fd;
	pd_link_add(pd, &c->link, pconn_kill);
	peer_name(sa, c->peer, sizeof(c->peer));
	c->cap = PS_IN_FIRST < max ? PS_IN_FIRST : max;
	c->in = xmalloc(c->cap);
	c->out = evbuffer_new();
	c->rev = event_new(pd->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(pd->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->timer = evtimer_new(pd->base, on_timer, c);
	if (c->out == NULL || c->rev == NULL || c->wev == NULL ||
	    c->timer == NULL) {
		log_err("client=%s error=\"out of memory\" action=close", c->peer);
		pconn_free(c);
		return;
	}
	set_reading(c);
}

/* The policy service. */

/* action_line - "action=TEXT" and the empty line into buf; its length */
static size_t
action_line(char *buf, size_t len, const char *action)
{
	int	 n = snprintf(buf, len, "action=%s\n\n", action);

	if (n < 0 || (size_t)n >= len) {	/* cannot happen: be safe */
		char	 act[256];

		cond_format(COND_QUEUE_FULL, NULL, act, sizeof(act));
		n = snprintf(buf, len, "action=%s\n\n", act);
	}
	return n < 0 ? 0 : (size_t)n;
}

/* refuse - answer a bad request with queue_full and log why */
static void
refuse(struct pconn *c, const char *why)
{
	char	 act[256], buf[PD_ACTION_MAX];
	struct logkv kv;

	cond_format(COND_QUEUE_FULL, "bad policy request", act, sizeof(act));
	pc_send(c, buf, action_line(buf, sizeof(buf), act));
	stats_verdict(1, COND_QUEUE_FULL);
	if (!pc_log_error(c))
		return;
	logkv_init(&kv, NULL);
	logkv_str(&kv, "client", c->peer);
	logkv_str(&kv, "verdict", cond_get(COND_QUEUE_FULL)->code);
	logkv_str(&kv, "reason", "protocol");
	logkv_str(&kv, "error", why);
	logkv_emit(&kv, LOG_WARNING);
}

void
policy_reply(void *conn, const char *action)
{
	char	 buf[PD_ACTION_MAX];

	pc_reply(conn, buf, action_line(buf, sizeof(buf), action));
}

/* skip_bad - drop the rest of a bad request; PC_NEXT at its end */
static int
skip_bad(struct pconn *c, const char *in, size_t len)
{
	int	 done = 0;
	size_t	 n = polproto_skip(in, len, &c->skip_nl, &done);

	pc_used(c, n);
	c->discarded += n;
	if (done) {
		c->discard = 0;
		c->discarded = 0;
		return PC_NEXT;
	}
	if (c->discarded > PS_MAX_DISCARD) {
		log_warn("client=%s error=\"endless bad request\" action=close",
		    c->peer);
		pc_close(c);
	}
	return PC_MORE;
}

static int
policy_step(struct pconn *c, const char *in, size_t len)
{
	const struct conf_policyd *cp = &c->pd->cf->policyd;
	struct polproto_limits lim;
	struct polreq	 req;
	size_t		 n;
	int		 rc;

	if (c->discard)
		return skip_bad(c, in, len);
	lim.max_line = (size_t)cp->max_line;
	lim.max_attrs = (size_t)cp->max_attrs;
	lim.max_request = (size_t)cp->max_request;
	rc = polproto_parse(in, len, &lim, &req, &n);
	if (rc == POLPROTO_MORE)
		return PC_MORE;
	if (rc < 0) {
		refuse(c, req.error != NULL ? req.error : polproto_strerror(rc));
		if (n > 0) {
			pc_used(c, n);
			return PC_NEXT;
		}
		c->discard = 1;
		c->skip_nl = 1;
		return c->closing ? PC_NEXT : skip_bad(c, in, len);
	}
	pc_used(c, n);
	pc_take(c);
	policy_handle(c->pd, c, &req);	/* may answer at once */
	polreq_free(&req);
	return PC_NEXT;
}

/*
 * policy_expire - a request that did not finish in time: refused. The
 * rest of a bad one was answered already; it is only logged.
 */
static void
policy_expire(struct pconn *c)
{
	if (!c->discard) {
		refuse(c, "request timeout");
		return;
	}
	log_warn("client=%s error=\"bad request not finished in time\" "
	    "action=close", c->peer);
}

static size_t
policy_max_in(const struct relay_conf *cf)
{
	return (size_t)cf->policyd.max_request +
	    (size_t)cf->policyd.max_line + 2;
}

static const struct pconn_ops policy_ops = {
	"policy", policy_step, policy_expire, policy_max_in
};

void
pd_link_add(struct policyd *pd, struct pd_link *l, void (*kill)(struct pd_link *))
{
	if (pd->conns.next == NULL)
		pd->conns.next = pd->conns.prev = &pd->conns;
	l->kill = kill;
	l->next = pd->conns.next;
	l->prev = &pd->conns;
	pd->conns.next->prev = l;
	pd->conns.next = l;
	pd->nclients++;
	stats_conn(1);
}

void
pd_link_del(struct policyd *pd, struct pd_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = NULL;
	pd->nclients--;
	stats_conn(-1);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct policyd	*pd = arg;

	if (pd_admit(pd, fd))
		pc_new(pd, fd, sa, &policy_ops);
}

/* A refusal or accept failure is logged at most once per this many s. */
#define PD_ACCEPT_LOG_S		10
/* After accept() fails (no descriptors left): wait this long, then retry. */
#define PD_ACCEPT_PAUSE_MS	250

int
pd_admit(struct policyd *pd, int fd)
{
	int64_t	 now;

	if (pd->nclients < (size_t)pd->cf->policyd.max_clients)
		return 1;
	evutil_closesocket(fd);
	pd->refused++;
	now = clock_mono_ms();
	if (pd->refused_logged == 0 ||
	    now - pd->refused_logged >= PD_ACCEPT_LOG_S * 1000) {
		log_warn("error=\"too many clients\" max_clients=%d "
		    "action=close refused=%lu", pd->cf->policyd.max_clients,
		    pd->refused);
		pd->refused_logged = now;
		pd->refused = 0;
	}
	return 0;
}

static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct policyd	*pd = arg;
	int		 i;

	(void)fd;
	(void)what;
	pd->accept_paused = 0;
	for (i = 0; i < pd->nlisteners; i++)
		evconnlistener_enable(pd->listeners[i]);
}

/*
 * on_accept_error - accept() failed for a reason other than a client
 * gone (libevent retries those): out of descriptors (EMFILE, ENFILE) or
 * memory. The pending connection stays in the kernel's queue, so
 * listening on would fail again at once, a busy loop: every listener
 * pauses for PD_ACCEPT_PAUSE_MS instead (connections closing meanwhile
 * free descriptors), and one line per PD_ACCEPT_LOG_S says so.
 */
static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	struct policyd	*pd = arg;
	struct timeval	 tv = { 0, PD_ACCEPT_PAUSE_MS * 1000 };
	int		 e = EVUTIL_SOCKET_ERROR(), i;
	int64_t		 now = clock_mono_ms();

	(void)l;
	pd->accept_errors++;
	if (pd->accept_logged == 0 ||
	    now - pd->accept_logged >= PD_ACCEPT_LOG_S * 1000) {
		log_warn("error=\"accept: %s\" clients=%zu count=%lu "
		    "action=pause pause_ms=%d", evutil_socket_error_to_string(e),
		    pd->nclients, pd->accept_errors, PD_ACCEPT_PAUSE_MS);
		pd->accept_logged = now;
		pd->accept_errors = 0;
	}
	if (pd->accept_paused)
		return;
	if (pd->accept_ev == NULL &&
	    (pd->accept_ev = evtimer_new(pd->base, accept_resume, pd)) == NULL)
		return;
	for (i = 0; i < pd->nlisteners; i++)
		evconnlistener_disable(pd->listeners[i]);
	pd->accept_paused = 1;
	evtimer_add(pd->accept_ev, &tv);
}

int
pd_listen(struct policyd *pd, int fd, const char *spec, const char *service,
    evconnlistener_cb accept_cb)
{
	struct evconnlistener *l;

	if (pd->nlisteners >= PD_MAX_LISTENERS)
		return -1;
	l = evconnlistener_new(pd->base, accept_cb, pd,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (l == NULL)
		return -1;
	evconnlistener_set_error_cb(l, on_accept_error);
	pd->listeners[pd->nlisteners++] = l;
	log_info("listen=%s service=%s", spec, service);
	return 0;
}

int
server_add_policy(struct policyd *pd, int fd, const char *spec)
{
	return pd_listen(pd, fd, spec, "policy", on_accept);
}
