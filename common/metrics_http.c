/*
 * NAME
 *	metrics_http - the loopback scrape port: a thread, one client at a time
 * DESCRIPTION
 *	The thread polls the listening socket and a pipe that
 *	metrics_http_free() writes to when it wants the thread gone. Each
 *	client is read (non-blocking, one deadline for the whole head),
 *	judged by metrics_http_judge() (pure), answered, closed. Nothing a
 *	client sends can make the thread wait longer than the deadline or
 *	read more than METRICS_HTTP_MAX_REQUEST bytes.
 * INVARIANTS
 *	Binds only to what metrics_http_addr() accepts: loopback.
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

struct metrics_http {
	const struct metrics	*reg;
	int			 lfd;
	int			 stop[2];	/* pipe: write end wakes the thread */
	pthread_t		 thread;
	int			 started;
	char			 spec[64];
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
	if (mlen != 3 || memcmp(buf, "GET", 3) != 0)
		return 405;
	q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
	plen = (size_t)((q != NULL ? q : sp2) - sp1 - 1);
	return plen == 8 && memcmp(sp1 + 1, "/metrics", 8) == 0 ? 200 : 404;
}

/* send_all - write len bytes before the deadline; 0 or -1 */
static int
send_all(int fd, const char *p, size_t len, int64_t deadline)
{
	struct pollfd	 pfd = { fd, POLLOUT, 0 };
	ssize_t		 w;
	int64_t		 left;

	while (len > 0) {
		w = send(fd, p, len, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			return -1;
		if ((left = deadline - clock_mono_ms()) <= 0 ||
		    poll(&pfd, 1, (int)left) < 0)
			return -1;
	}
	return 0;
}

/* answer - the status line, headers and (for 200) the registry */
static void
answer(struct metrics_http *h, int fd, int status, int64_t deadline)
{
	const char	*reason, *ctype = "text/plain; charset=utf-8";
	char		 head[256], *body = NULL;
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
	    status == 405 ? "Allow: GET\r\n" : "");
	if (send_all(fd, head, (size_t)n, deadline) == 0)
		send_all(fd, body, blen, deadline);
	free(body);
}

/* serve - one client: read the head until judged or the deadline, answer */
static void
serve(struct metrics_http *h, int fd)
{
	char		 buf[METRICS_HTTP_MAX_REQUEST];
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int64_t		 deadline = clock_mono_ms() + METRICS_HTTP_TIMEOUT_MS;
	int64_t		 left;
	size_t		 len = 0;
	ssize_t		 r;
	int		 status = METRICS_HTTP_NEED;

	while (status == METRICS_HTTP_NEED) {
		r = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (r == 0)
			return;		/* the client went away */
		if (r > 0) {
			len += (size_t)r;
			status = metrics_http_judge(buf, len, sizeof(buf));
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return;
		if ((left = deadline - clock_mono_ms()) <= 0) {
			status = 408;
			break;
		}
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return;
	}
	/* the answer gets a deadline of its own */
	answer(h, fd, status, clock_mono_ms() + METRICS_HTTP_TIMEOUT_MS);
}

/* loop - the thread: accept and serve until the stop pipe is written */
static void *
loop(void *arg)
{
	struct metrics_http *h = arg;
	struct pollfd	 pfd[2] = { { h->lfd, POLLIN, 0 }, { h->stop[0], POLLIN, 0 } };
	int		 fd;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("metrics: poll: %s", strerror(errno));
			return NULL;
		}
		if (pfd[1].revents != 0)
			return NULL;
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue;	/* EAGAIN, a client that left, EMFILE */
		serve(h, fd);
		close(fd);
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
