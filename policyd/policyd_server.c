/*
 * NAME
 *	policyd_server - policy protocol connections on the event loop
 * DESCRIPTION
 *	Accepts Postfix's persistent connections (and anyone else's on the
 *	loopback), frames requests with polproto_parse() and hands each to
 *	policy_handle(). One request per connection is in flight at a time;
 *	bytes that arrive meanwhile wait in the connection's input buffer
 *	(read no further while it is full), so replies go out in request
 *	order.
 *
 *	Hostile or broken clients: a request over a limit or not in the
 *	protocol's shape gets "action=451 4.4.2 ..." and a log line, and the
 *	connection skips to the end of that request and goes on; a request
 *	not complete within policyd.request_timeout of its first byte
 *	(slowloris) gets the same answer and the connection is closed; an
 *	idle connection is closed after policyd.idle_timeout; a client that
 *	sends an endless stream without a request end, or never reads its
 *	replies, is closed. None of it is fatal to the daemon.
 * INVARIANTS
 *	A connection with a request in flight (busy) is never freed: a
 *	client that goes away meanwhile is only marked, and freed when the
 *	answer comes back.
 * SEE ALSO
 *	policyd_proto.c, policyd_policy.c, socketmap_server.c
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conditions.h"
#include "log.h"
#include "policyd.h"
#include "policyd_proto.h"
#include "stats.h"
#include "xalloc.h"

#define PS_MAX_DISCARD	(1024 * 1024)	/* garbage without a request end */
#define PS_MAX_OUTPUT	(256 * 1024)	/* replies the client does not read */
#define PD_ACTION_MAX	1200		/* one reply line */
#define PS_IN_FIRST	2048		/* input buffer: first size */
#define PS_IN_ROOM	512		/* grow when less than this is free */

/*
 * A connection's input is read straight into its own buffer: a
 * bufferevent asks the kernel how much is waiting (an ioctl) before
 * every read, a third system call beside the read and the reply's
 * write. The buffer grows up to the longest request the limits allow
 * and stops being read while it is full and a request is in flight.
 */
struct pconn {
	struct pd_link	 link;		/* first: the list's view of it */
	struct policyd	*pd;
	int		 fd;
	struct event	*rev;		/* input, and the idle timeout */
	struct event	*wev;		/* armed while out holds bytes */
	struct event	*req_timer;	/* armed while a request is partial */
	struct evbuffer	*out;		/* what the socket did not take */
	char		*in;		/* in[off..len) not yet used */
	size_t		 off, len, cap, max;
	char		 peer[64];
	int		 reading;	/* rev is added */
	int		 busy;		/* a request is with policy_handle */
	int		 gone;		/* client closed while busy */
	int		 closing;	/* flush the last reply, then close */
	int		 in_input;	/* process_input is on the stack */
	int		 discard, skip_nl;
	size_t		 discarded;
};

static void	process_input(struct pconn *);
static void	set_reading(struct pconn *);

static void
pconn_free(struct pconn *c)
{
	pd_link_del(c->pd, &c->link);
	if (c->req_timer != NULL)
		event_free(c->req_timer);
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
		c->reading = 0;
		return;
	}
	pconn_free(c);
}

/*
 * send_action - "action=TEXT" and the empty line, written at once when
 * nothing is queued; what the socket does not take is queued, in order,
 * behind it, and written when the socket has room.
 */
static void
send_action(struct pconn *c, const char *action)
{
	char	 buf[PD_ACTION_MAX];
	int	 n = snprintf(buf, sizeof(buf), "action=%s\n\n", action);
	ssize_t	 w = 0;

	if (n < 0 || (size_t)n >= sizeof(buf)) {	/* cannot happen: be safe */
		char	 act[256];

		cond_format(COND_QUEUE_FULL, NULL, act, sizeof(act));
		n = snprintf(buf, sizeof(buf), "action=%s\n\n", act);
	}
	if (evbuffer_get_length(c->out) == 0) {
		w = write(c->fd, buf, (size_t)n);
		if (w < 0)
			w = 0;	/* EAGAIN and errors: the write event finds out */
	}
	if (w < n) {
		evbuffer_add(c->out, buf + w, (size_t)(n - w));
		event_add(c->wev, NULL);
	}
}

/* refuse - answer a bad request with queue_full and log why */
static void
refuse(struct pconn *c, const char *why)
{
	char	 act[256];
	struct logkv kv;

	cond_format(COND_QUEUE_FULL, "bad policy request", act, sizeof(act));
	send_action(c, act);
	stats_verdict(1, COND_QUEUE_FULL);
	logkv_init(&kv, NULL);
	logkv_str(&kv, "client", c->peer);
	logkv_str(&kv, "verdict", cond_get(COND_QUEUE_FULL)->code);
	logkv_str(&kv, "reason", "protocol");
	logkv_str(&kv, "error", why);
	logkv_emit(&kv, LOG_WARNING);
}

/* close_after_write - stop reading; free once the output is flushed */
static void
close_after_write(struct pconn *c)
{
	c->closing = 1;
	set_reading(c);
	if (!c->in_input && evbuffer_get_length(c->out) == 0)
		pconn_free(c);
}

void
policy_reply(void *conn, const char *action)
{
	struct pconn	*c = conn;

	c->busy = 0;
	if (c->gone) {
		pconn_free(c);
		return;
	}
	send_action(c, action);
	if (evbuffer_get_length(c->out) > PS_MAX_OUTPUT) {
		log_warn("client=%s error=\"replies not read\" action=close",
		    c->peer);
		close_after_write(c);
		return;
	}
	if (!c->in_input)	/* else its loop goes on by itself */
		process_input(c);
}

/* on_req_timeout - a request that does not finish: answer and close */
static void
on_req_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct pconn	*c = arg;

	if (c->busy || c->closing)
		return;
	refuse(c, "request timeout");
	close_after_write(c);
}

static void
arm_req_timer(struct pconn *c)
{
	struct timeval tv = { c->pd->cf->policyd.request_timeout_s, 0 };

	if (!evtimer_pending(c->req_timer, NULL))
		evtimer_add(c->req_timer, &tv);
}

/* used - n bytes at in[off] are done with */
static void
used(struct pconn *c, size_t n)
{
	c->off += n;
	if (c->off == c->len)
		c->off = c->len = 0;
}

/* skip_bad - drop the rest of a bad request; 0 when it continues */
static int
skip_bad(struct pconn *c)
{
	size_t	 n;
	int	 done = 0;

	if (c->len == c->off)
		return -1;
	n = polproto_skip(c->in + c->off, c->len - c->off, &c->skip_nl, &done);
	used(c, n);
	c->discarded += n;
	if (done) {
		c->discard = 0;
		c->discarded = 0;
		return 0;
	}
	if (c->discarded > PS_MAX_DISCARD) {
		log_warn("client=%s error=\"endless bad request\" action=close",
		    c->peer);
		close_after_write(c);
	}
	return -1;
}

static void
process_input(struct pconn *c)
{
	const struct conf_policyd *cp = &c->pd->cf->policyd;
	struct polproto_limits lim;
	struct polreq	 req;
	size_t		 len, n;
	int		 rc;

	lim.max_line = (size_t)cp->max_line;
	lim.max_attrs = (size_t)cp->max_attrs;
	lim.max_request = (size_t)cp->max_request;
	c->in_input = 1;
	while (!c->busy && !c->closing) {
		if (c->discard && skip_bad(c) < 0)
			break;
		len = c->len - c->off;
		if (len == 0) {
			evtimer_del(c->req_timer);
			break;
		}
		rc = polproto_parse(c->in + c->off, len, &lim, &req, &n);
		if (rc == POLPROTO_MORE) {
			arm_req_timer(c);
			break;
		}
		evtimer_del(c->req_timer);
		if (rc < 0) {
			refuse(c, polproto_strerror(rc));
			if (n > 0) {
				used(c, n);
			} else {
				c->discard = 1;
				c->skip_nl = 1;
			}
			continue;
		}
		used(c, n);
		c->busy = 1;
		policy_handle(c->pd, c, &req);	/* may answer at once */
		polreq_free(&req);
	}
	c->in_input = 0;
	if (c->closing && evbuffer_get_length(c->out) == 0) {
		pconn_free(c);
		return;
	}
	set_reading(c);
}

/*
 * room - make space to read into: move the unused bytes to the front,
 * grow up to the limit. 0 when the buffer is full at its limit.
 */
static size_t
room(struct pconn *c)
{
	if (c->off > 0 && c->cap - c->len < PS_IN_ROOM) {
		memmove(c->in, c->in + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->cap - c->len < PS_IN_ROOM && c->cap < c->max) {
		c->cap = c->cap * 2 > c->max ? c->max : c->cap * 2;
		c->in = xrealloc(c->in, c->cap);
	}
	return c->cap - c->len;
}

/* set_reading - read while there is room and the connection is open */
static void
set_reading(struct pconn *c)
{
	int	 want = !c->closing && !c->gone && room(c) > 0;

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
		if (!c->busy && !c->closing)
			log_info("client=%s action=close reason=idle", c->peer);
		lost(c);
		return;
	}
	if (room(c) == 0)
		return;
	n = read(fd, c->in + c->len, c->cap - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {		/* end of input or a socket error */
		lost(c);
		return;
	}
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
	struct pconn	*c;

	if (!pd_admit(pd, fd))
		return;
	c = xcalloc(1, sizeof(*c));
	c->pd = pd;
	pd_link_add(pd, &c->link, pconn_kill);
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		char	 host[48] = "?";
		int	 port = 0;

		if (sa->sa_family == AF_INET) {
			struct sockaddr_in *in4 = (struct sockaddr_in *)sa;

			evutil_inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
			port = ntohs(in4->sin_port);
		} else {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

			evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host,
			    sizeof(host));
			port = ntohs(in6->sin6_port);
		}
		snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
	} else {
		snprintf(c->peer, sizeof(c->peer), "unix");
	}
	c->fd = fd;
	c->max = (size_t)pd->cf->policyd.max_request +
	    (size_t)pd->cf->policyd.max_line + 2;
	c->cap = PS_IN_FIRST < c->max ? PS_IN_FIRST : c->max;
	c->in = xmalloc(c->cap);
	c->out = evbuffer_new();
	c->rev = event_new(pd->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(pd->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->req_timer = evtimer_new(pd->base, on_req_timeout, c);
	if (c->out == NULL || c->rev == NULL || c->wev == NULL ||
	    c->req_timer == NULL) {
		log_err("client=%s error=\"out of memory\" action=close", c->peer);
		pconn_free(c);
		return;
	}
	set_reading(c);
}

int
pd_admit(struct policyd *pd, int fd)
{
	if (pd->nclients < (size_t)pd->cf->policyd.max_clients)
		return 1;
	log_warn("error=\"too many clients\" max_clients=%d action=close",
	    pd->cf->policyd.max_clients);
	evutil_closesocket(fd);
	return 0;
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
	pd->listeners[pd->nlisteners++] = l;
	log_info("listen=%s service=%s", spec, service);
	return 0;
}

int
server_add_policy(struct policyd *pd, int fd, const char *spec)
{
	return pd_listen(pd, fd, spec, "policy", on_accept);
}
