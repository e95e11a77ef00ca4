/*
 * NAME
 *	policyd_load - closed-loop load client for policy servers
 * SUMMARY
 *	policyd_load PORT CONNS SECONDS USER SENDER [STATE]
 * DESCRIPTION
 *	Opens CONNS connections to 127.0.0.1:PORT; each sends one policy
 *	request (protocol_state STATE, default RCPT; sasl_username USER;
 *	sender SENDER; a new recipient each time), waits for the answer and
 *	sends the next, for SECONDS seconds. One thread, epoll. Prints one
 *	line: conns, requests, req/s, p50 and p99 latency in ms, and the
 *	count of answers that were not DUNNO (a rate-limited answer is still
 *	an answer; the count tells whether a cap was hit).
 *
 *	policyd_load hold PORT N SECONDS   opens N idle connections and holds
 *	them for SECONDS (for an RSS figure of the server).
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct lconn {
	int	 fd;
	int64_t	 sent_us;
	size_t	 have;
	char	 buf[4096];
	unsigned long seq;
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
dial(int port)
{
	struct sockaddr_in sin;
	int	 fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("connect");
		exit(2);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static const char *g_user, *g_sender, *g_state;

static void
send_req(struct lconn *c, int idx)
{
	char	 req[1024];
	int	 n;

	n = snprintf(req, sizeof(req), "request=smtpd_access_policy\n"
	    "protocol_state=%s\nprotocol_name=ESMTP\nclient_address=127.0.0.1\n"
	    "client_port=%d\nserver_address=127.0.0.1\nserver_port=587\n"
	    "client_name=localhost\nhelo_name=bench\nsender=%s\n"
	    "recipient=r%d.%lu@dest.example\nrecipient_count=0\nqueue_id=\n"
	    "instance=%d.%lu\nsize=0\nsasl_method=PLAIN\nsasl_username=%s\n"
	    "sasl_sender=\nccert_subject=\nencryption_protocol=\n\n",
	    g_state, 20000 + idx, g_sender, idx, c->seq, idx, c->seq, g_user);
	c->seq++;
	c->sent_us = now_us();
	if (write(c->fd, req, (size_t)n) != n) {
		perror("write");
		exit(2);
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
hold(int port, int n, int secs)
{
	int	 i, *fds = calloc((size_t)n, sizeof(int));

	for (i = 0; i < n; i++)
		fds[i] = dial(port);
	printf("holding %d connections\n", n);
	fflush(stdout);
	sleep((unsigned)secs);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

int
main(int argc, char **argv)
{
	int	 port, nconn, secs, ep, i, n;
	struct lconn *conns;
	struct epoll_event ev, evs[512];
	int64_t	 end, *lat;
	size_t	 nlat = 0, cap = 1 << 20;
	unsigned long other = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return hold(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc < 6) {
		fprintf(stderr, "usage: policyd_load PORT CONNS SECONDS USER "
		    "SENDER [STATE] | hold PORT N SECONDS\n");
		return 64;
	}
	port = atoi(argv[1]);
	nconn = atoi(argv[2]);
	secs = atoi(argv[3]);
	g_user = argv[4];
	g_sender = argv[5];
	g_state = argc > 6 ? argv[6] : "RCPT";
	conns = calloc((size_t)nconn, sizeof(*conns));
	lat = malloc(cap * sizeof(*lat));
	ep = epoll_create1(0);
	for (i = 0; i < nconn; i++) {
		conns[i].fd = dial(port);
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	end = now_us() + (int64_t)secs * 1000000;
	for (i = 0; i < nconn; i++)
		send_req(&conns[i], i);
	while (now_us() < end) {
		n = epoll_wait(ep, evs, 512, 100);
		for (i = 0; i < n; i++) {
			int	 idx = (int)evs[i].data.u32;
			struct lconn *c = &conns[idx];
			ssize_t	 r = read(c->fd, c->buf + c->have,
			    sizeof(c->buf) - c->have - 1);
			char	*endp;

			if (r <= 0) {
				fprintf(stderr, "connection %d closed\n", idx);
				return 2;
			}
			c->have += (size_t)r;
			c->buf[c->have] = '\0';
			if ((endp = strstr(c->buf, "\n\n")) == NULL)
				continue;
			if (nlat == cap) {
				cap *= 2;
				lat = realloc(lat, cap * sizeof(*lat));
			}
			lat[nlat++] = now_us() - c->sent_us;
			if (strncasecmp(c->buf, "action=DUNNO\n", 13) != 0)
				other++;
			c->have = 0;
			send_req(c, idx);
		}
	}
	qsort(lat, nlat, sizeof(*lat), cmp64);
	printf("conns=%d requests=%zu rps=%.0f p50_ms=%.3f p99_ms=%.3f "
	    "not_dunno=%lu\n", nconn, nlat, (double)nlat / secs,
	    nlat ? lat[nlat / 2] / 1000.0 : 0,
	    nlat ? lat[(size_t)(nlat * 0.99)] / 1000.0 : 0, other);
	for (i = 0; i < nconn; i++)
		close(conns[i].fd);
	free(conns);
	free(lat);
	return 0;
}
