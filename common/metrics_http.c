/*
 * NAME
 *	metrics_http - the loopback scrape port: a thread, one poll() set
 * DESCRIPTION
 *	The thread polls the stop pipe (metrics_http_free() writes to it
 *	when it wants the thread gone), the listening socket and every
 *	client in one set, so a scrape is answered at once however many
 *	clients sit idle, and a stop is never kept waiting by one. A
 *	client is read (non-blocking, one deadline for the whole head),
 *	judged by metrics_http_judge() (pure), then written its answer
 *	(a deadline of its own) and closed. Nothing a client sends can
 *	keep it longer than its deadlines or make the thread read more than
 *	METRICS_HTTP_MAX_REQUEST bytes from it.
 * INVARIANTS
 *	Binds only to what metrics_http_addr() accepts: loopback.
 *	At most METRICS_HTTP_MAX_CLIENTS clients; h->nclients counts the
 *	slots not MC_FREE, and a slot's fd is open exactly while it is not.
 * SEE ALSO
 *	metrics_http.h, metrics.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "xalloc.h"

#define METRICS_HTTP_PAUSE_MS	250	/* no accept() after EMFILE & co */
#define METRICS_HTTP_LOG_S	10	/* one line about those per 10 s */

enum { MC_FREE, MC_READ, MC_WRITE };

/* mclient - one client: reading its head, then writing its answer */
struct mclient {
	int		 fd;
	int		 state;		/* MC_FREE, MC_READ, MC_WRITE */
	unsigned long	 seq;		/* order of accept: oldest goes first */
	int64_t		 deadline;	/* of the state it is in */
	size_t		 len;		/* of the head in buf */
	char		*out;		/* the answer (MC_WRITE) */
	size_t		 olen, off;	/* its length; how much went out */
	char		 buf[METRICS_HTTP_MAX_REQUEST];
};

struct metrics_http {
	const struct metrics	*reg;
	int			 lfd;
	int			 stop[2];	/* pipe: write end wakes the thread */
	pthread_t		 thread;
	int			 started;
	char			 spec[64];
	/* the thread's own, from here on */
	struct mclient		 cl[METRICS_HTTP_MAX_CLIENTS];
	size_t			 nclients;
	unsigned long		 seq;
	int64_t			 paused_until;	/* listener left out till then */
	int64_t			 accept_logged;
	unsigned long		 accept_errors;	/* since accept_logged */
};

/* pollset - what one turn of the loop polls; who[i] is pfd[i]'s client */
struct pollset {
	struct pollfd	 pfd[METRICS_HTTP_MAX_CLIENTS + 2];
	struct mclient	*who[METRICS_HTTP_MAX_CLIENTS + 2];
	nfds_t		 n;
	nfds_t		 listener;	/* its index, 0 when not polled */
	int		 timeout;
};

int
metrics_http_addr(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, char *why, size_t whylen)
{
	struct sockaddr_storage	 tmp;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&tmp;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&tmp;
	const char		*colon;
	char			 host[64], *end;
	size_t			 hl;
	long			 port;

	memset(&tmp, 0, sizeof(tmp));
	if ((colon = strrchr(spec, ':')) == NULL || colon == spec) {
		snprintf(why, whylen, "expected HOST:PORT, such as "
		    "\"127.0.0.1:9101\" (got \"%s\")", spec);
		return -1;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 1 ||
	    port > 65535) {
		snprintf(why, whylen, "port must be 1 to 65535 (got \"%s\")",
		    spec);
		return -1;
	}
	hl = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (hl < 3 || spec[hl - 1] != ']' || hl - 2 >= sizeof(host))
			goto bad_host;
		memcpy(host, spec + 1, hl - 2);
		host[hl - 2] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad_host;
		if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			goto not_loopback;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (sslen != NULL)
			*sslen = sizeof(*sin6);
	} else {
		if (hl >= sizeof(host))
			goto bad_host;
		memcpy(host, spec, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad_host;
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			goto not_loopback;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (sslen != NULL)
			*sslen = sizeof(*sin);
	}
	if (ss != NULL)
		*ss = tmp;
	return 0;
bad_host:
	snprintf(why, whylen, "host must be an IPv4 address or [IPv6] "
	    "(got \"%s\")", spec);
	return -1;
not_loopback:
	snprintf(why, whylen, "not a loopback address: metrics are served on "
	    "127.0.0.0/8 or [::1] only (got \"%s\")", spec);
	return -1;
}

/* head_end - the length of the head through its blank line, or 0 */
static size_t
head_end(const char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 2;
		if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < len &&
		    buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int
metrics_http_judge(const char *buf, size_t len, size_t max)
{
	const char	*sp1, *sp2, *eol, *q;
	size_t		 mlen, plen;

	if (head_end(buf, len) == 0)
		return len >= max ? 431 : METRICS_HTTP_NEED;
	if ((eol = memchr(buf, '\n', len)) == NULL)	/* cannot happen */
		return 400;
	if (eol > buf && eol[-1] == '\r')
		eol--;
	if ((sp1 = memchr(buf, ' ', (size_t)(eol - buf))) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1))) == NULL)
		return 400;
	/* method: upper-case letters; version: HTTP/1.x */
	mlen = (size_t)(sp1 - buf);
	if (mlen == 0 || strspn(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") < mlen)
		return 400;
	if ((size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    sp2[8] < '0' || sp2[8] > '9')
		return 400;
	if (sp1[1] != '/')
		return 400;
	/* HEAD is judged as GET: the caller leaves the body out */
	if ((mlen != 3 || memcmp(buf, "GET", 3) != 0) &&
	    (mlen != 4 || memcmp(buf, "HEAD", 4) != 0))
		return 405;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	plen = (size_t)((q != NULL ? q : sp2) - sp1 - 1);
	return plen == 8 && memcmp(sp1 + 1, "/metrics", 8) == 0 ? 200 : 404;
}

int
metrics_http_is_head(const char *buf, size_t len)
{
	return len >= 5 && memcmp(buf, "HEAD ", 5) == 0;
}

/* client_close - close one client and free its slot */
static void
client_close(struct metrics_http *h, struct mclient *c)
{
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->state = MC_FREE;
	h->nclients--;
}

/*
 * client_answer - the status line, headers and (unless the request is a
 * HEAD) the body, made up once: the client is then only written to, with
 * a deadline of its own.
 */
static void
client_answer(struct metrics_http *h, struct mclient *c, int status)
{
	const char	*reason, *ctype = "text/plain; charset=utf-8";
	char		 head[256], *body;
	size_t		 blen;
	int		 n;

	switch (status) {
	case 200: reason = "OK"; break;
	case 404: reason = "Not Found"; break;
	case 405: reason = "Method Not Allowed"; break;
	case 408: reason = "Request Timeout"; break;
	case 431: reason = "Request Header Fields Too Large"; break;
	default: status = 400; reason = "Bad Request"; break;
	}
	if (status == 200) {
		body = metrics_render(h->reg, &blen);
		ctype = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		body = xasprintf("%d %s\n", status, reason);
		blen = strlen(body);
	}
	n = snprintf(head, sizeof(head), "HTTP/1.0 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n%s"
	    "Connection: close\r\n\r\n", status, reason, ctype, blen,
	    status == 405 ? "Allow: GET, HEAD\r\n" : "");
	/* HEAD: the length GET would get, and no body */
	if (metrics_http_is_head(c->buf, c->len))
		blen = 0;
	c->olen = (size_t)n + blen;
	c->out = xmalloc(c->olen);
	memcpy(c->out, head, (size_t)n);
	memcpy(c->out + n, body, blen);
	free(body);
	c->off = 0;
	c->state = MC_WRITE;
	c->deadline = clock_mono_ms() + METRICS_HTTP_TIMEOUT_MS;
}

/* client_read - what the client sent since the last poll; judge the head */
static void
client_read(struct metrics_http *h, struct mclient *c)
{
	ssize_t	 r;
	int	 status;

	r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR)) {
		client_close(h, c);	/* the client went away */
		return;
	}
	if (r < 0)
		return;
	c->len += (size_t)r;
	status = metrics_http_judge(c->buf, c->len, sizeof(c->buf));
	if (status != METRICS_HTTP_NEED)
		client_answer(h, c, status);
}

/* client_write - send what the socket takes; close once all is sent */
static void
client_write(struct metrics_http *h, struct mclient *c)
{
	ssize_t	 w;

	w = send(c->fd, c->out + c->off, c->olen - c->off, MSG_NOSIGNAL);
	if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (w > 0)
		c->off += (size_t)w;
	if (w <= 0 || c->off == c->olen)
		client_close(h, c);
}

/*
 * client_expire - a head not complete by its deadline gets 408; an answer
 * not taken by its deadline is dropped.
 */
static void
client_expire(struct metrics_http *h, int64_t now)
{
	struct mclient	*c;
	size_t		 i;

	for (i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++) {
		c = &h->cl[i];
		if (c->state == MC_FREE || c->deadline > now)
			continue;
		if (c->state == MC_READ)
			client_answer(h, c, 408);
		else
			client_close(h, c);
	}
}

/*
 * client_slot - a free slot for a new client. With every slot taken, the
 * one that has waited longest for its head is closed: an answer
 * under way is finished, but clients that send nothing never keep a
 * scrape out. NULL when every client is being answered.
 */
static struct mclient *
client_slot(struct metrics_http *h)
{
	struct mclient	*c, *old = NULL;
	size_t		 i;

	for (i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++) {
		c = &h->cl[i];
		if (c->state == MC_FREE)
			return c;
		if (c->state == MC_READ && (old == NULL || c->seq < old->seq))
			old = c;
	}
	if (old != NULL)
		client_close(h, old);
	return old;
}

/*
 * accept_error - accept() failed for a reason other than a client gone:
 * out of descriptors (EMFILE, ENFILE) or memory. The connection stays
 * in the kernel's queue, so polling the listener again would return at
 * once, a busy loop: it is left out of the poll set for
 * METRICS_HTTP_PAUSE_MS, and one line per METRICS_HTTP_LOG_S says so.
 */
static void
accept_error(struct metrics_http *h, int e, int64_t now)
{
	h->accept_errors++;
	if (h->accept_logged == 0 ||
	    now - h->accept_logged >= METRICS_HTTP_LOG_S * 1000) {
		log_warn("metrics=%s error=\"accept: %s\" clients=%zu "
		    "count=%lu action=pause pause_ms=%d", h->spec,
		    strerror(e), h->nclients, h->accept_errors,
		    METRICS_HTTP_PAUSE_MS);
		h->accept_logged = now;
		h->accept_errors = 0;
	}
	h->paused_until = now + METRICS_HTTP_PAUSE_MS;
}

/* client_accept - take one client off the listener's queue */
static void
client_accept(struct metrics_http *h)
{
	struct mclient	*c;
	int		 fd;

	fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		/* as libevent: these are a client that left, or nothing */
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			accept_error(h, errno, clock_mono_ms());
		return;
	}
	if ((c = client_slot(h)) == NULL) {	/* cannot happen: not polled */
		close(fd);
		return;
	}
	c->fd = fd;
	c->state = MC_READ;
	c->seq = h->seq++;
	c->len = 0;
	c->deadline = clock_mono_ms() + METRICS_HTTP_TIMEOUT_MS;
	h->nclients++;
}

/*
 * poll_set - the stop pipe first, each client for what it waits for, then
 * the listener (unless paused, or every client is being answered); only
 * those: poll() refuses more entries than RLIMIT_NOFILE, which is low
 * just when accept() fails for want of descriptors. The time to the
 * nearest deadline goes in ps->timeout (-1: none).
 */
static void
poll_set(struct metrics_http *h, struct pollset *ps, int64_t now)
{
	struct mclient	*c;
	int64_t		 next = -1;
	size_t		 i;
	int		 readers = 0;

	ps->pfd[0] = (struct pollfd){ h->stop[0], POLLIN, 0 };
	ps->n = 1;
	for (i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++) {
		c = &h->cl[i];
		if (c->state == MC_FREE)
			continue;
		ps->who[ps->n] = c;
		ps->pfd[ps->n++] = (struct pollfd){ c->fd,
		    c->state == MC_READ ? POLLIN : POLLOUT, 0 };
		readers += c->state == MC_READ;
		if (next < 0 || c->deadline < next)
			next = c->deadline;
	}
	ps->listener = 0;
	if (h->paused_until > now) {
		if (next < 0 || h->paused_until < next)
			next = h->paused_until;
	} else if (h->nclients < METRICS_HTTP_MAX_CLIENTS || readers > 0) {
		ps->listener = ps->n;
		ps->pfd[ps->n++] = (struct pollfd){ h->lfd, POLLIN, 0 };
	}
	ps->timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
}

/* loop_end - the thread's last act: every client closed */
static void *
loop_end(struct metrics_http *h)
{
	size_t	 i;

	for (i = 0; i < METRICS_HTTP_MAX_CLIENTS; i++)
		if (h->cl[i].state != MC_FREE)
			client_close(h, &h->cl[i]);
	return NULL;
}

/*
 * loop - the thread: one poll() for the stop pipe, the listener and every
 * client, until the stop pipe is written
 */
static void *
loop(void *arg)
{
	struct metrics_http *h = arg;
	struct pollset	 ps;
	struct mclient	*c;
	nfds_t		 i;

	for (;;) {
		poll_set(h, &ps, clock_mono_ms());
		if (poll(ps.pfd, ps.n, ps.timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_err("metrics: poll: %s", strerror(errno));
			return loop_end(h);
		}
		if (ps.pfd[0].revents != 0)
			return loop_end(h);
		for (i = 1; i < ps.n; i++) {
			if (ps.pfd[i].revents == 0 || i == ps.listener)
				continue;
			c = ps.who[i];
			if (c->state == MC_READ)
				client_read(h, c);
			else if (c->state == MC_WRITE)
				client_write(h, c);
		}
		if (ps.listener != 0 && (ps.pfd[ps.listener].revents & POLLIN))
			client_accept(h);
		client_expire(h, clock_mono_ms());
	}
}

struct metrics_http *
metrics_http_open(const char *spec, const struct metrics *reg, char *err,
    size_t errlen)
{
	struct metrics_http	*h;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = 0;
	char			 why[256];
	int			 fd, one = 1;

	if (metrics_http_addr(spec, &ss, &sslen, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "metrics %s: %s", spec, why);
		return NULL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 16) < 0) {
		snprintf(err, errlen, "metrics %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->reg = reg;
	h->lfd = fd;
	h->stop[0] = h->stop[1] = -1;
	snprintf(h->spec, sizeof(h->spec), "%s", spec);
	return h;
}

int
metrics_http_start(struct metrics_http *h, char *err, size_t errlen)
{
	sigset_t all, old;
	int	 e;

	if (pipe2(h->stop, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "metrics: pipe: %s", strerror(errno));
		return -1;
	}
	/* the thread inherits this mask: no signal is ever delivered to it */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	e = pthread_create(&h->thread, NULL, loop, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		snprintf(err, errlen, "metrics: thread: %s", strerror(e));
		return -1;
	}
	h->started = 1;
	log_info("metrics=%s path=/metrics", h->spec);
	return 0;
}

void
metrics_http_free(struct metrics_http *h)
{
	if (h == NULL)
		return;
	if (h->started) {
		/* a full pipe cannot happen: one byte, written once */
		if (write(h->stop[1], "x", 1) != 1)
			log_err("metrics: cannot stop the thread");
		else
			pthread_join(h->thread, NULL);
	}
	if (h->stop[0] >= 0)
		close(h->stop[0]);
	if (h->stop[1] >= 0)
		close(h->stop[1]);
	close(h->lfd);
	free(h);
}
