/*
 * NAME
 *	tcpopt - TCP_NODELAY and TCP_QUICKACK on libmilter's connections
 * DESCRIPTION
 *	__wrap_accept and __wrap_read stand in for accept(2) and read(2) in
 *	libmilter.a (linked with --wrap); see tcpopt.h. Whether an fd is a
 *	TCP socket is asked once per fd and thread (libmilter reads one
 *	connection per thread at a time), so a unix socket costs one
 *	getsockopt per connection and a TCP read one setsockopt.
 * SEE ALSO
 *	tcpopt.h, milter/local.mk, tcp(7)
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "tcpopt.h"

ssize_t	 __real_read(int, void *, size_t);
ssize_t	 __wrap_read(int, void *, size_t);
int	 __real_accept(int, struct sockaddr *, socklen_t *);
int	 __wrap_accept(int, struct sockaddr *, socklen_t *);

static int enabled;
static atomic_ulong n_nodelay, n_quickack;
static _Thread_local int tl_fd = -1;
static _Thread_local int tl_tcp;

void
tcpopt_enable(int on)
{
	enabled = on;
}

void
tcpopt_counts(unsigned long *nodelay, unsigned long *quickack)
{
	*nodelay = atomic_load(&n_nodelay);
	*quickack = atomic_load(&n_quickack);
}

/* is_tcp - 1 for a TCP socket */
static int
is_tcp(int fd)
{
	int	 proto = 0;
	socklen_t len = sizeof(proto);

	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
	    proto == IPPROTO_TCP;
}

int
__wrap_accept(int s, struct sockaddr *sa, socklen_t *len)
{
	int	 fd = __real_accept(s, sa, len), one = 1;

	if (fd >= 0 && enabled && is_tcp(fd) &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
		atomic_fetch_add(&n_nodelay, 1);
	return fd;
}

ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	ssize_t	 r = __real_read(fd, buf, n);
	int	 one = 1;

	if (r <= 0 || !enabled)
		return r;
	if (fd != tl_fd) {
		tl_fd = fd;
		tl_tcp = is_tcp(fd);
	}
	if (tl_tcp && setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
	    sizeof(one)) == 0)
		atomic_fetch_add(&n_quickack, 1);
	return r;
}
