/*
 * NAME
 *	sockwrap - relay-milter's layer under libmilter's socket calls
 * DESCRIPTION
 *	__wrap_listen, __wrap_accept, __wrap_read, __wrap_poll and
 *	__wrap_close stand in for the libc calls in libmilter.a (linked
 *	with --wrap); see
 *	sockwrap.h for what they do and why.
 *
 *	Connections are kept in a table indexed by fd, made once before
 *	any thread from RLIMIT_NOFILE; an entry is (re)set by accept and
 *	cleared by close (an atomic pointer: see tab). libmilter serves a
 *	connection on one thread at a time and hands it between threads
 *	under its own mutex, so an entry's contents need no lock. A connection is only handed back to libmilter's
 *	controller when its poll() says nothing is waiting, which with
 *	bytes in the buffer it never does: no bytes are stranded.
 * SEE ALSO
 *	sockwrap.h, milter/local.mk, tcp(7), poll(2)
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockwrap.h"

ssize_t	 __real_read(int, void *, size_t);
ssize_t	 __wrap_read(int, void *, size_t);
int	 __real_accept(int, struct sockaddr *, socklen_t *);
int	 __wrap_accept(int, struct sockaddr *, socklen_t *);
int	 __real_poll(struct pollfd *, nfds_t, int);
int	 __wrap_poll(struct pollfd *, nfds_t, int);
int	 __real_close(int);
int	 __wrap_close(int);
int	 __real_listen(int, int);
int	 __wrap_listen(int, int);

/* One accepted connection. */
struct sconn {
	int		 tcp;		/* a TCP socket: re-arm TCP_QUICKACK */
	int		 pooled;	/* handed back to libmilter's controller */
	size_t		 off, len;	/* unread bytes are buf[off..len) */
	unsigned char	 buf[SOCKWRAP_BUFSIZE];
};

/*
 * By fd; NULL: not ours. An entry is set by accept and cleared by close on
 * whatever threads libmilter runs them; the kernel orders a close before
 * the accept that gets the same number again, and the release store at
 * close with the acquire load at accept say so to the compiler and to
 * ThreadSanitizer (plain moves on x86).
 */
static _Atomic(struct sconn *) *tab;
static size_t ntab;
static int tcp_opts;
static int wait_ms = 1;
static atomic_ulong n_nodelay, n_quickack, n_sysread, n_bufread;

/* The connection this thread last read from: libmilter's worker polls it. */
static _Thread_local int tl_fd = -1;
static void (*on_close)(int);		/* set before any thread */
static void (*on_pool)(int, int);

int
sockwrap_init(int tcp_options, int ms)
{
	struct rlimit rl;

	tcp_opts = tcp_options;
	wait_ms = ms > 1 ? ms : 1;
	if (tab != NULL)
		return 0;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 65536;
	ntab = rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;
	if ((tab = calloc(ntab, sizeof(*tab))) == NULL) {
		ntab = 0;
		return -1;
	}
	return 0;
}

void
sockwrap_counts(unsigned long *nodelay, unsigned long *quickack,
    unsigned long *sysreads, unsigned long *bufreads)
{
	*nodelay = atomic_load(&n_nodelay);
	*quickack = atomic_load(&n_quickack);
	*sysreads = atomic_load(&n_sysread);
	*bufreads = atomic_load(&n_bufread);
}

/* conn_of - the entry of an accepted connection, or NULL */
static struct sconn *
conn_of(int fd)
{
	return fd >= 0 && (size_t)fd < ntab ?
	    atomic_load_explicit(&tab[fd], memory_order_acquire) : NULL;
}

/* is_tcp - 1 for a TCP socket */
static int
is_tcp(int fd)
{
	int		 proto = 0;
	socklen_t	 len = sizeof(proto);

	return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0 &&
	    proto == IPPROTO_TCP;
}

/* __wrap_listen - a TCP listener announces at most SOCKWRAP_MSS */
int
__wrap_listen(int s, int backlog)
{
	int	 mss = SOCKWRAP_MSS;

	if (tcp_opts && is_tcp(s))
		(void)setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
	return __real_listen(s, backlog);
}

int
__wrap_accept(int s, struct sockaddr *sa, socklen_t *len)
{
	int		 fd = __real_accept(s, sa, len), one = 1, tcp;
	struct sconn	*c;

	if (fd < 0)
		return fd;
	tcp = is_tcp(fd);
	if (tcp && tcp_opts &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0)
		atomic_fetch_add(&n_nodelay, 1);
	if ((size_t)fd < ntab) {
		if ((c = conn_of(fd)) == NULL)
			c = malloc(sizeof(*c));
		if (c != NULL) {
			c->tcp = tcp;
			c->pooled = 0;
			c->off = c->len = 0;
			atomic_store_explicit(&tab[fd], c, memory_order_release);
		}
	}
	return fd;
}

/* sysread - read(2), and TCP_QUICKACK re-armed after it */
static ssize_t
sysread(int fd, int tcp, void *buf, size_t n)
{
	ssize_t	 r = __real_read(fd, buf, n);
	int	 one = 1;

	if (r > 0 && tcp && tcp_opts && setsockopt(fd, IPPROTO_TCP,
	    TCP_QUICKACK, &one, sizeof(one)) == 0)
		atomic_fetch_add(&n_quickack, 1);
	return r;
}

ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	struct sconn	*c = conn_of(fd);
	ssize_t		 r;
	size_t		 k;

	if (c == NULL)
		return __real_read(fd, buf, n);
	tl_fd = fd;
	if (c->pooled) {		/* a worker took it from the pool */
		c->pooled = 0;
		if (on_pool != NULL)
			on_pool(fd, 0);
	}
	if (c->off == c->len) {
		c->off = c->len = 0;
		atomic_fetch_add(&n_sysread, 1);
		if (n >= sizeof(c->buf))	/* large: straight to the caller */
			return sysread(fd, c->tcp, buf, n);
		if ((r = sysread(fd, c->tcp, c->buf, sizeof(c->buf))) <= 0)
			return r;
		c->len = (size_t)r;
	} else
		atomic_fetch_add(&n_bufread, 1);
	k = c->len - c->off < n ? c->len - c->off : n;
	memcpy(buf, c->buf + c->off, k);
	c->off += k;
	return (ssize_t)k;
}

int
__wrap_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct sconn	*c;
	int		 r;

	if (nfds != 1 || (c = conn_of(fds[0].fd)) == NULL)
		return __real_poll(fds, nfds, timeout);
	if ((fds[0].events & POLLIN) && c->off < c->len) {
		fds[0].revents = POLLIN;
		return 1;
	}
	/* libmilter's worker asking whether its next command is there */
	if (timeout == 1 && fds[0].fd == tl_fd) {
		/* nothing: it goes back to libmilter's pool */
		if ((r = __real_poll(fds, nfds, wait_ms)) == 0) {
			c->pooled = 1;
			if (on_pool != NULL)
				on_pool(fds[0].fd, 1);
		}
		return r;
	}
	return __real_poll(fds, nfds, timeout);
}

void
sockwrap_on_close(void (*fn)(int))
{
	on_close = fn;
}

void
sockwrap_on_pool(void (*fn)(int, int))
{
	on_pool = fn;
}

int
sockwrap_fd(void)
{
	return tl_fd;
}

int
__wrap_close(int fd)
{
	struct sconn *c = conn_of(fd);

	if (c != NULL) {
		atomic_store_explicit(&tab[fd], NULL, memory_order_release);
		free(c);
		/* before the fd number can be handed out again */
		if (on_close != NULL)
			on_close(fd);
	}
	return __real_close(fd);
}
