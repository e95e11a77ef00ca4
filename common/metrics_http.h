/*
 * NAME
 *	metrics_http - serve a metrics registry over HTTP on loopback
 * DESCRIPTION
 *	A small HTTP/1.0 server in a thread of its own: GET /metrics gets
 *	200 and the registry in Prometheus text format (Content-Type
 *	text/plain; version=0.0.4), any other path 404; HEAD gets the same
 *	head as GET and no body; any other method 405 (Allow: GET, HEAD).
 *	One request per connection, answered and closed; a request head
 *	larger than METRICS_HTTP_MAX_REQUEST gets 431, one not complete
 *	within METRICS_HTTP_TIMEOUT_MS gets 408. Up to
 *	METRICS_HTTP_MAX_CLIENTS clients are served at once, each with its
 *	own deadlines; when that many are connected, a new one takes the
 *	place of the one that has waited longest for its head. It is a
 *	scrape port for a few local Prometheus servers or agents.
 *
 *	It only ever listens on a loopback address: relay.conf's
 *	"metrics" settings are checked with metrics_http_addr() when the
 *	file is loaded, and metrics_http_open() checks again.
 *
 *	Start-up order in a daemon: metrics_http_open() with the other
 *	sockets (before dropping privileges), metrics_http_start() after
 *	daemon_detach() (a fork keeps no threads). The thread blocks every
 *	signal, so signals keep going to the threads that handle them.
 * SEE ALSO
 *	metrics.h, stats.h, relay.conf(5)
 */
#ifndef RELAY_METRICS_HTTP_H
#define RELAY_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#define METRICS_HTTP_MAX_REQUEST	8192
#define METRICS_HTTP_TIMEOUT_MS		5000
#define METRICS_HTTP_NEED		0	/* the head is not complete yet */
#define METRICS_HTTP_MAX_CLIENTS	16

struct metrics;
struct metrics_http;

/*
 * metrics_http_addr - "HOST:PORT" with HOST an IPv4 loopback address
 * (127.0.0.0/8) or "[::1]", PORT 1..65535. 0 and the address in *ss
 * (ss may be NULL: only check); -1 with a reason in why.
 */
int	 metrics_http_addr(const char *spec, struct sockaddr_storage *ss,
	    socklen_t *sslen, char *why, size_t whylen);

/*
 * metrics_http_judge - the answer to the request head in buf[0..len):
 * METRICS_HTTP_NEED while the blank line ending the head has not come
 * and len < max, else the HTTP status to send (200, 400, 404, 405, 431).
 * HEAD is judged as GET. Pure: no I/O.
 */
int	 metrics_http_judge(const char *buf, size_t len, size_t max);
/*
 * metrics_http_is_head - 1 when buf[0..len) is (the start of) a HEAD
 * request, whose answer has no body whatever its status; else 0. Pure.
 */
int	 metrics_http_is_head(const char *buf, size_t len);

/*
 * metrics_http_open - bind and listen on spec, to serve reg (which must
 * outlive the server). NULL with err set on failure.
 */
struct metrics_http *metrics_http_open(const char *spec,
	    const struct metrics *reg, char *err, size_t errlen);
/* metrics_http_start - the serving thread; 0, or -1 with err set */
int	 metrics_http_start(struct metrics_http *, char *err, size_t errlen);
/* metrics_http_free - stop the thread (if started), close; NULL is a no-op */
void	 metrics_http_free(struct metrics_http *);

#endif
