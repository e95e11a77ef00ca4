/*
 * NAME
 *	policyd_client - a small policy-protocol and socketmap client for
 *	the relay-policyd integration tests
 * SUMMARY
 *	policyd_client raw PORT [-d MS] [-w S]     stdin to the server, byte
 *	    by byte every MS ms when -d is given; prints every reply until the
 *	    server closes or S seconds (default 5) pass; exit 0 when closed by
 *	    the server, 3 when still open at the end. -r BYTES: a small
 *	    receive buffer; -n S: read nothing for S seconds after writing
 *	    (a client that does not read its replies); -q: print the reply
 *	    byte count instead of the replies; -h: shut down the sending
 *	    side after writing. Writes are bounded (60 s).
 *	policyd_client ask PORT STATE USER SENDER RCPT    one request; prints
 *	    the action line
 *	policyd_client burst PORTS N USER SENDER   N connections (PORTS is
 *	    "p1,p2": round robin) each send one RCPT request at the same
 *	    moment; prints "DUNNO=a 451=b other=c" and the elapsed ms
 *	policyd_client map PORT NAME KEY   one socketmap lookup; prints the
 *	    reply netstring's payload
 *	Everything connects to 127.0.0.1. Every wait is bounded.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* dial_fd - connect fd (from socket(), maybe -1) to 127.0.0.1:port */
static int
dial_fd(int fd, int port)
{
	struct sockaddr_in sin;
	int	 fl;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		exit(2);
	}
	/* Non-blocking writes, so that a server that stops reading is seen. */
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fd;
}

static int
dial(int port)
{
	int	 fd = dial_fd(socket(AF_INET, SOCK_STREAM, 0), port);
	int	 fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* read_reply - until "\n\n" (policy) or a whole netstring; bounded */
static int
read_until(int fd, char *buf, size_t len, int netstring, int timeout_ms)
{
	size_t	 n = 0;
	int64_t	 end = now_ms() + timeout_ms;
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t	 r;

	for (;;) {
		int	 left = (int)(end - now_ms());

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		r = read(fd, buf + n, len - n - 1);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (!netstring && strstr(buf, "\n\n") != NULL)
			return (int)n;
		if (netstring && n > 0 && buf[n - 1] == ',')
			return (int)n;
		if (n + 1 >= len)
			return -1;
	}
}

struct raw_opts {
	int	 delay_ms;	/* -d: one byte every MS ms */
	int	 wait_s;	/* -w: read replies for S seconds */
	int	 rcvbuf;	/* -r: SO_RCVBUF before connecting */
	int	 pause_s;	/* -n: read nothing for S seconds after writing */
	int	 quiet;		/* -q: print the reply byte count, not the bytes */
	int	 half;		/* -h: shutdown(SHUT_WR) after writing */
};

static char *
slurp_stdin(size_t *len)
{
	char	*in = NULL;
	size_t	 n = 0, cap = 0, r0;

	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((in = realloc(in, cap)) == NULL)
				exit(2);
		}
		r0 = fread(in + n, 1, cap - n, stdin);
		n += r0;
	} while (r0 > 0);
	*len = n;
	return in;
}

/* write_bounded - all of p, or -1 once the socket fails or stalls to end */
static int
write_bounded(int fd, const char *p, size_t n, int64_t end)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t	 w;

	while (n > 0) {
		int	 left = (int)(end - now_ms());

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* raw_write - all input at once, or byte by byte; bounded by 60 s */
static void
raw_write(int fd, const char *in, size_t n, const struct raw_opts *o)
{
	int64_t	 end = now_ms() + 60000;
	size_t	 i;

	if (o->delay_ms <= 0) {
		if (write_bounded(fd, in, n, end) < 0)
			fprintf(stderr, "[write failed]\n");
		return;
	}
	for (i = 0; i < n; i++) {
		if (write_bounded(fd, in + i, 1, end) < 0) {
			printf("[write failed after %zu bytes]\n", i);
			return;
		}
		usleep((useconds_t)o->delay_ms * 1000);
	}
}

static int
cmd_raw(int port, const struct raw_opts *o)
{
	char	*in, out[1 << 16];
	size_t	 n, total = 0;
	int	 fd, closed = 0;
	int64_t	 end;
	struct pollfd pfd;

	in = slurp_stdin(&n);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (o->rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &o->rcvbuf, sizeof(o->rcvbuf));
	fd = dial_fd(fd, port);
	raw_write(fd, in, n, o);
	if (o->half)
		shutdown(fd, SHUT_WR);
	if (o->pause_s > 0)
		sleep((unsigned)o->pause_s);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	end = now_ms() + (int64_t)o->wait_s * 1000;
	while (!closed) {
		int	 left = (int)(end - now_ms());
		ssize_t	 r;

		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		r = read(fd, out, sizeof(out) - 1);
		if (r <= 0) {
			closed = 1;
			break;
		}
		total += (size_t)r;
		if (!o->quiet)
			fwrite(out, 1, (size_t)r, stdout);
	}
	if (o->quiet)
		printf("[%zu bytes]\n", total);
	printf("[%s]\n", closed ? "closed" : "open");
	close(fd);
	free(in);
	return closed ? 0 : 3;
}

/*
 * request - one policy request. Each is a transaction of its own, as
 * Postfix's instance says (relay-policyd charges a recipient once per
 * instance): the process id, its start time and i keep them apart.
 */
static void
request(char *buf, size_t len, const char *state, const char *user,
    const char *sender, const char *rcpt, int i)
{
	static struct timeval t0;

	if (t0.tv_sec == 0)
		gettimeofday(&t0, NULL);
	snprintf(buf, len, "request=smtpd_access_policy\nprotocol_state=%s\n"
	    "protocol_name=ESMTP\nclient_address=127.0.0.1\n"
	    "instance=client.%lx.%lx.%lx.%d\nsasl_method=PLAIN\n"
	    "sasl_username=%s\nsender=%s\nrecipient=%s\nqueue_id=\n\n",
	    state, (long)getpid(), (long)t0.tv_sec, (long)t0.tv_usec, i,
	    user, sender, rcpt);
}

static int
cmd_ask(int port, const char *state, const char *user, const char *sender,
    const char *rcpt)
{
	char	 req[2048], out[4096];
	int	 fd = dial(port);

	request(req, sizeof(req), state, user, sender, rcpt, 0);
	if (write_all(fd, req, strlen(req)) < 0 ||
	    read_until(fd, out, sizeof(out), 0, 10000) < 0) {
		printf("[no reply]\n");
		return 1;
	}
	*strchr(out, '\n') = '\0';
	printf("%s\n", out);
	close(fd);
	return 0;
}

struct burst {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 ready, go, nthreads;
	int		 dunno, defer, other;
	const char	*user, *sender;
};

struct burst_arg {
	struct burst	*b;
	int		 port, i;
};

static void *
burst_one(void *p)
{
	struct burst_arg *a = p;
	struct burst	*b = a->b;
	char		 req[2048], out[4096], rcpt[64];
	int		 fd = dial(a->port), rc;

	snprintf(rcpt, sizeof(rcpt), "r%d@dest.test", a->i);
	request(req, sizeof(req), "RCPT", b->user, b->sender, rcpt, a->i);
	pthread_mutex_lock(&b->mu);
	b->ready++;
	pthread_cond_broadcast(&b->cv);
	while (!b->go)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
	rc = write_all(fd, req, strlen(req)) < 0 ? -1 :
	    read_until(fd, out, sizeof(out), 0, 10000);
	close(fd);
	pthread_mutex_lock(&b->mu);
	if (rc < 0)
		b->other++;
	else if (strncmp(out, "action=DUNNO\n", 13) == 0)
		b->dunno++;
	else if (strncmp(out, "action=451 ", 11) == 0)
		b->defer++;
	else
		b->other++;
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static int
cmd_burst(const char *ports, int n, const char *user, const char *sender)
{
	struct burst	 b;
	struct burst_arg *args = calloc((size_t)n, sizeof(*args));
	pthread_t	*th = calloc((size_t)n, sizeof(*th));
	int		 port[8], np = 0, i;
	const char	*p = ports;
	int64_t		 t0;

	while (p && *p && np < 8) {
		port[np++] = atoi(p);
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	memset(&b, 0, sizeof(b));
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	b.user = user;
	b.sender = sender;
	for (i = 0; i < n; i++) {
		args[i].b = &b;
		args[i].port = port[i % np];
		args[i].i = i;
		pthread_create(&th[i], NULL, burst_one, &args[i]);
	}
	pthread_mutex_lock(&b.mu);
	while (b.ready < n)
		pthread_cond_wait(&b.cv, &b.mu);
	b.go = 1;
	t0 = now_ms();
	pthread_cond_broadcast(&b.cv);
	pthread_mutex_unlock(&b.mu);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("DUNNO=%d 451=%d other=%d ms=%lld\n", b.dunno, b.defer, b.other,
	    (long long)(now_ms() - t0));
	free(args);
	free(th);
	return 0;
}

static int
cmd_map(int port, const char *name, const char *key)
{
	char	 req[4200], out[4096], *colon;
	int	 fd = dial(port);

	snprintf(req, sizeof(req), "%zu:%s %s,", strlen(name) + 1 + strlen(key),
	    name, key);
	if (write_all(fd, req, strlen(req)) < 0 ||
	    read_until(fd, out, sizeof(out), 1, 10000) < 0) {
		printf("[no reply]\n");
		return 1;
	}
	colon = strchr(out, ':');
	out[strlen(out) - 1] = '\0';
	printf("%s\n", colon ? colon + 1 : out);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct raw_opts o = { 0, 5, 0, 0, 0, 0 };
	int	 i;

	signal(SIGPIPE, SIG_IGN);	/* a server that hangs up is a result */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc >= 3 && strcmp(argv[1], "raw") == 0) {
		for (i = 3; i < argc; i++) {
			if (strcmp(argv[i], "-q") == 0)
				o.quiet = 1;
			else if (strcmp(argv[i], "-h") == 0)
				o.half = 1;
			else if (i + 1 >= argc)
				break;
			else if (strcmp(argv[i], "-d") == 0)
				o.delay_ms = atoi(argv[++i]);
			else if (strcmp(argv[i], "-w") == 0)
				o.wait_s = atoi(argv[++i]);
			else if (strcmp(argv[i], "-r") == 0)
				o.rcvbuf = atoi(argv[++i]);
			else if (strcmp(argv[i], "-n") == 0)
				o.pause_s = atoi(argv[++i]);
		}
		return cmd_raw(atoi(argv[2]), &o);
	}
	if (argc == 7 && strcmp(argv[1], "ask") == 0)
		return cmd_ask(atoi(argv[2]), argv[3], argv[4], argv[5], argv[6]);
	if (argc == 6 && strcmp(argv[1], "burst") == 0)
		return cmd_burst(argv[2], atoi(argv[3]), argv[4], argv[5]);
	if (argc == 5 && strcmp(argv[1], "map") == 0)
		return cmd_map(atoi(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: policyd_client raw PORT [-d MS] [-w S] "
	    "[-r RCVBUF] [-n S] [-q] [-h] | "
	    "ask PORT STATE USER SENDER RCPT | burst PORTS N USER SENDER | "
	    "map PORT NAME KEY\n");
	return 64;
}
