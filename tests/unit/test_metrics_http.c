/*
 * NAME
 *	test_metrics_http - the scrape server over real loopback sockets:
 *	idle clients do not hold up a scrape or a stop, HEAD gets the head
 *	of GET alone, a head that does not come gets 408, and accept()
 *	failing for want of descriptors does not spin the thread
 * DESCRIPTION
 *	Times are checked against bounds far from both sides (an answer
 *	"under 2 s" where a client served after another's 5 s deadline
 *	would take 5 s or more), so a loaded machine does not fail them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"

/* server - a started scrape server on a free loopback port */
struct server {
	struct metrics		*reg;
	struct metrics_http	*h;
	int			 port;
};

/* free_port - a port nothing listens on now (the kernel's choice) */
static int
free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 fd, port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* server_start - fill s; the registry has one counter, so a body */
static int
server_start(struct server *s)
{
	const char	*l[] = { "daemon", "test", NULL };
	char		 spec[32], err[256];
	int		 i;

	s->reg = metrics_new();
	metric_add(metrics_counter(s->reg, "relay_test_total", "Test.", l), 3);
	for (i = 0; i < 10; i++) {
		s->port = free_port();
		snprintf(spec, sizeof(spec), "127.0.0.1:%d", s->port);
		if ((s->h = metrics_http_open(spec, s->reg, err,
		    sizeof(err))) != NULL)
			break;
	}
	if (s->h == NULL || metrics_http_start(s->h, err, sizeof(err)) < 0)
		return -1;
	return 0;
}

static void
server_stop(struct server *s)
{
	metrics_http_free(s->h);
	metrics_free(s->reg);
}

/* sock - a client socket; reads and writes give up after 8 s */
static int
sock(void)
{
	struct timeval	 tv = { 8, 0 };
	int		 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* reach - connect fd to the loopback port; 0 or -1 */
static int
reach(int fd, int port)
{
	struct sockaddr_in	 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

/* dial - a client connected to port, or -1 */
static int
dial(int port)
{
	int	 fd;

	if ((fd = sock()) >= 0 && reach(fd, port) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* exchange - send req on fd, read to EOF into out (NUL-terminated) */
static size_t
exchange(int fd, const char *req, char *out, size_t outsz)
{
	size_t	 len = 0;
	ssize_t	 r;

	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return 0;
	while (len + 1 < outsz &&
	    (r = recv(fd, out + len, outsz - len - 1, 0)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	return len;
}

/* fetch - one request on a new connection; the answer's length */
static size_t
fetch(int port, const char *req, char *out, size_t outsz)
{
	int	 fd = dial(port);
	size_t	 len;

	out[0] = '\0';
	if (fd < 0)
		return 0;
	len = exchange(fd, req, out, outsz);
	close(fd);
	return len;
}

/* body_of - the body of an answer, after its blank line; NULL: none */
static const char *
body_of(const char *ans)
{
	const char	*p = strstr(ans, "\r\n\r\n");

	return p == NULL ? NULL : p + 4;
}

/* content_length - the Content-Length header's value, or -1 */
static long
content_length(const char *ans)
{
	const char	*p = strstr(ans, "\r\nContent-Length: ");

	return p == NULL ? -1 : strtol(p + 18, NULL, 10);
}

static void
nap_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* scrape_ms - time a GET /metrics; the answer must be a 200 */
static int64_t
scrape_ms(int port)
{
	char	 ans[4096];
	int64_t	 t0 = clock_mono_ms(), ms;

	fetch(port, "GET /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans));
	ms = clock_mono_ms() - t0;
	if (strncmp(ans, "HTTP/1.0 200 OK\r\n", 17) != 0)
		fail_msg("scrape: got \"%.40s\" in %lld ms", ans,
		    (long long)ms);
	return ms;
}

static void
scrape_answered_at_once_with_idle_clients(void **state)
{
	struct server	 s;
	int		 idle[3];
	int64_t		 ms;
	size_t		 i;

	(void)state;
	assert_int_equal(server_start(&s), 0);
	for (i = 0; i < 3; i++)
		assert_true((idle[i] = dial(s.port)) >= 0);
	nap_ms(200);
	ms = scrape_ms(s.port);
	if (ms >= 2000)
		fail_msg("scrape behind 3 idle clients took %lld ms",
		    (long long)ms);
	for (i = 0; i < 3; i++)
		close(idle[i]);
	server_stop(&s);
}

static void
scrape_answered_at_once_with_more_idle_clients_than_slots(void **state)
{
	struct server	 s;
	int		 idle[METRICS_HTTP_MAX_CLIENTS + 4];
	int64_t		 ms;
	size_t		 i, n = sizeof(idle) / sizeof(idle[0]);

	(void)state;
	assert_int_equal(server_start(&s), 0);
	for (i = 0; i < n; i++)
		assert_true((idle[i] = dial(s.port)) >= 0);
	nap_ms(200);
	ms = scrape_ms(s.port);
	if (ms >= 2000)
		fail_msg("scrape behind %zu idle clients took %lld ms", n,
		    (long long)ms);
	/* the oldest made room: closed without an answer */
	assert_int_equal(recv(idle[0], &ms, 1, 0), 0);
	for (i = 0; i < n; i++)
		close(idle[i]);
	server_stop(&s);
}

static void
head_gets_the_head_of_get_and_no_body(void **state)
{
	struct server	 s;
	char		 get[4096], ans[4096];
	const char	*b;

	(void)state;
	assert_int_equal(server_start(&s), 0);
	fetch(s.port, "GET /metrics HTTP/1.0\r\n\r\n", get, sizeof(get));
	assert_non_null(b = body_of(get));
	assert_int_equal(content_length(get), (long)strlen(b));
	assert_non_null(strstr(b, "relay_test_total{daemon=\"test\"} 3\n"));

	fetch(s.port, "HEAD /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans));
	if (strncmp(ans, "HTTP/1.0 200 OK\r\n", 17) != 0)
		fail_msg("HEAD /metrics: got \"%.60s\"", ans);
	/* the same head, Content-Length included, and nothing after it */
	assert_int_equal(strncmp(ans, get, (size_t)(b - get)), 0);
	assert_int_equal(strlen(ans), b - get);

	fetch(s.port, "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof(ans));
	assert_int_equal(strncmp(ans, "HTTP/1.0 404 Not Found\r\n", 24), 0);
	assert_int_equal(content_length(ans), 14);
	assert_string_equal(body_of(ans), "");

	fetch(s.port, "POST /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans));
	assert_int_equal(strncmp(ans, "HTTP/1.0 405 ", 13), 0);
	assert_non_null(strstr(ans, "\r\nAllow: GET, HEAD\r\n"));
	assert_string_equal(body_of(ans), "405 Method Not Allowed\n");
	server_stop(&s);
}

static void
a_head_that_does_not_come_gets_408(void **state)
{
	struct server	 s;
	char		 ans[256];
	int64_t		 t0;
	int		 fd;

	(void)state;
	assert_int_equal(server_start(&s), 0);
	assert_true((fd = dial(s.port)) >= 0);
	t0 = clock_mono_ms();
	exchange(fd, "GET /metrics HTTP/1.0\r\n", ans, sizeof(ans));
	assert_true(clock_mono_ms() - t0 >= METRICS_HTTP_TIMEOUT_MS - 100);
	assert_int_equal(strncmp(ans, "HTTP/1.0 408 ", 13), 0);
	close(fd);
	server_stop(&s);
}

static void
stop_does_not_wait_for_an_idle_client(void **state)
{
	struct server	 s;
	int64_t		 ms;
	int		 fd;

	(void)state;
	assert_int_equal(server_start(&s), 0);
	assert_true((fd = dial(s.port)) >= 0);
	nap_ms(200);
	ms = clock_mono_ms();
	metrics_http_free(s.h);
	ms = clock_mono_ms() - ms;
	metrics_free(s.reg);
	close(fd);
	if (ms >= 2000)
		fail_msg("stop with an idle client took %lld ms",
		    (long long)ms);
}

/* cpu_ms - the process's CPU time (user and system) */
static int64_t
cpu_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * fd_limit - lower the process's descriptor limit to just over its
 * highest open descriptor and fill the gaps below it (their numbers go in
 * fill[], -1 after the last), so that every new descriptor is refused
 * with EMFILE and every open one stays under the limit (valgrind refuses
 * a descriptor over it). 0 or -1.
 */
static int
fd_limit(const struct rlimit *rl, int *fill, size_t nfill)
{
	struct rlimit	 low = *rl;
	size_t		 n = 0;
	int		 fd, top = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			top = fd;
	low.rlim_cur = (rlim_t)top + 1;
	if (setrlimit(RLIMIT_NOFILE, &low) < 0)
		return -1;
	while (n + 1 < nfill && (fd = dup(0)) >= 0)
		fill[n++] = fd;
	fill[n] = -1;
	return errno == EMFILE ? 0 : -1;
}

/*
 * emfile_child - in a child of its own: a client waits in the listen
 * queue while the process has no descriptor left for accept(). What the
 * process spends on CPU in 1.5 s (the main thread sleeps: it is the
 * metrics thread's) goes to out[0]; once descriptors are back, a
 * client must be answered: out[1] is 1 when one was.
 */
static void
emfile_child(int wfd)
{
	struct server	 s;
	struct rlimit	 rl;
	char		 ans[4096];
	int64_t		 out[2] = { -1, 0 }, c0;
	int		 fd, fill[1024 + 1];
	size_t		 i;

	if (server_start(&s) < 0 || (fd = sock()) < 0 ||
	    getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
	    fd_limit(&rl, fill, sizeof(fill) / sizeof(fill[0])) < 0)
		_exit(2);
	/* connect() takes no descriptor: the client waits in the queue */
	if (reach(fd, s.port) < 0)
		_exit(2);
	nap_ms(200);
	c0 = cpu_ms();
	nap_ms(1500);
	out[0] = cpu_ms() - c0;
	for (i = 0; fill[i] >= 0; i++)
		close(fill[i]);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		_exit(2);
	/*
	 * A new client, not the one in the queue: valgrind keeps the limit
	 * itself and closes what the kernel's accept() gave it over it.
	 */
	close(fd);
	fetch(s.port, "GET /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans));
	out[1] = strncmp(ans, "HTTP/1.0 200 OK\r\n", 17) == 0;
	server_stop(&s);
	_exit(write(wfd, out, sizeof(out)) == sizeof(out) ? 0 : 2);
}

static void
accept_out_of_descriptors_does_not_spin(void **state)
{
	int64_t	 got[2];
	int	 p[2], status;
	pid_t	 pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		emfile_child(p[1]);
	}
	assert_true(pid > 0);
	close(p[1]);
	assert_int_equal(read(p[0], got, sizeof(got)), sizeof(got));
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* the bug: a poll()/accept() loop, a core's worth (1500 ms) */
	if (got[0] >= 250)
		fail_msg("out of descriptors, the thread used %lld ms of "
		    "CPU in 1500 ms", (long long)got[0]);
	assert_int_equal(got[1], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scrape_answered_at_once_with_idle_clients),
		cmocka_unit_test(
		    scrape_answered_at_once_with_more_idle_clients_than_slots),
		cmocka_unit_test(head_gets_the_head_of_get_and_no_body),
		cmocka_unit_test(a_head_that_does_not_come_gets_408),
		cmocka_unit_test(stop_does_not_wait_for_an_idle_client),
		cmocka_unit_test(accept_out_of_descriptors_does_not_spin),
	};

	log_open("test_metrics_http", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
