/*
 * NAME
 *	policyd_client - a small policy-protocol and socketmap client for
 *	the relay-policyd integration tests
 * SUMMARY
 *	policyd_client raw PORT [-d MS] [-w S]     stdin to the server, byte
 *	    by byte every MS ms when -d is given; prints every reply until the
 *	    server closes or S seconds (default 5) pass; exit 0 when closed by
 *	    the server, 3 when still open at the end
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
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
dial(int port)
{
	struct sockaddr_in sin;
	int	 fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		exit(2);
	}
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

static int
cmd_raw(int port, int delay_ms, int wait_s)
{
	char	*in = NULL, out[1 << 16];
	size_t	 n = 0, cap = 0, i, r0;
	int	 fd, closed = 0;
	int64_t	 end;
	struct pollfd pfd;

	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((in = realloc(in, cap)) == NULL)
				exit(2);
		}
		r0 = fread(in + n, 1, cap - n, stdin);
		n += r0;
	} while (r0 > 0);
	fd = dial(port);
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (delay_ms <= 0) {
		if (write_all(fd, in, n) < 0)
			perror("write");
	} else {
		for (i = 0; i < n; i++) {
			if (write_all(fd, in + i, 1) < 0) {
				printf("[write failed after %zu bytes]\n", i);
				break;
			}
			usleep((useconds_t)delay_ms * 1000);
		}
	}
	end = now_ms() + (int64_t)wait_s * 1000;
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
		fwrite(out, 1, (size_t)r, stdout);
	}
	printf("[%s]\n", closed ? "closed" : "open");
	close(fd);
	free(in);
	return closed ? 0 : 3;
}

static void
request(char *buf, size_t len, const char *state, const char *user,
    const char *sender, const char *rcpt, int i)
{
	snprintf(buf, len, "request=smtpd_access_policy\nprotocol_state=%s\n"
	    "protocol_name=ESMTP\nclient_address=127.0.0.1\n"
	    "instance=client.%d\nsasl_method=PLAIN\nsasl_username=%s\n"
	    "sender=%s\nrecipient=%s\nqueue_id=\n\n", state, i, user, sender,
	    rcpt);
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
	int	 delay = 0, wait_s = 5, i;

	signal(SIGPIPE, SIG_IGN);	/* a server that hangs up is a result */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc >= 3 && strcmp(argv[1], "raw") == 0) {
		for (i = 3; i + 1 < argc; i += 2) {
			if (strcmp(argv[i], "-d") == 0)
				delay = atoi(argv[i + 1]);
			else if (strcmp(argv[i], "-w") == 0)
				wait_s = atoi(argv[i + 1]);
		}
		return cmd_raw(atoi(argv[2]), delay, wait_s);
	}
	if (argc == 7 && strcmp(argv[1], "ask") == 0)
		return cmd_ask(atoi(argv[2]), argv[3], argv[4], argv[5], argv[6]);
	if (argc == 6 && strcmp(argv[1], "burst") == 0)
		return cmd_burst(argv[2], atoi(argv[3]), argv[4], argv[5]);
	if (argc == 5 && strcmp(argv[1], "map") == 0)
		return cmd_map(atoi(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: policyd_client raw PORT [-d MS] [-w S] | "
	    "ask PORT STATE USER SENDER RCPT | burst PORTS N USER SENDER | "
	    "map PORT NAME KEY\n");
	return 64;
}
