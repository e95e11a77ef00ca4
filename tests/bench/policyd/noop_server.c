/*
 * NAME
 *	noop_server - a do-nothing policy server: always DUNNO
 * SUMMARY
 *	noop_server PORT
 * DESCRIPTION
 *	The ceiling of the load client and the kernel's loopback: one
 *	thread, epoll, answers every request (lines up to an empty line)
 *	with action=DUNNO, does nothing else. For tests/bench/policyd only.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOOP_MAXFD	65536

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	int	 lfd, ep, one = 1, i, n;
	static char buf[65536];
	static char last[NOOP_MAXFD];	/* last byte read per connection */

	if (argc != 2) {
		fprintf(stderr, "usage: noop_server PORT\n");
		return 64;
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 1024) < 0) {
		perror("bind");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			int	 fd = evs[i].data.fd, answers = 0;
			ssize_t	 r, k;

			if (fd == lfd) {
				int c = accept(lfd, NULL, NULL);

				if (c < 0 || c >= NOOP_MAXFD) {
					if (c >= 0)
						close(c);
					continue;
				}
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
				    sizeof(one));
				last[c] = '\n';
				ev.events = EPOLLIN;
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r <= 0) {
				close(fd);
				continue;
			}
			/* Count empty lines: "\n\n", across reads too. */
			for (k = 0; k < r; k++) {
				if (buf[k] == '\n' && last[fd] == '\n')
					answers++;
				last[fd] = buf[k];
			}
			while (answers-- > 0)
				if (write(fd, "action=DUNNO\n\n", 14) != 14)
					break;
		}
	}
}
