/*
 * NAME
 *	log_syslog - syslog datagrams that never block the caller
 * DESCRIPTION
 *	Owns the socket to /dev/log and the count of dropped lines. glibc's
 *	syslog(3) sends on a blocking socket under a process-wide lock: when
 *	syslog stops reading (journald or rsyslog stalled on a full disk),
 *	the first line that does not fit stops the caller, and with it the
 *	policy server's event loop, the milter's threads, every AUTH. Here
 *	each line is one send(MSG_DONTWAIT) on a non-blocking socket: a line
 *	syslog has no room for is dropped and counted, and the next line
 *	that goes through is preceded by one that says how many were lost.
 * INVARIANTS
 *	Nothing here waits: the lock is held only around send() and
 *	connect() on a non-blocking unix datagram socket. The count is
 *	read and changed under the lock.
 * SEE ALSO
 *	log.c, log_priv.h, syslog(3), RFC 3164
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_priv.h"

/* Room for glibc's header ("<191>Mmm dd hh:mm:ss " and IDENT[PID]: ). */
#define SYSLOG_LINE_MAX	(LOGKV_MAX + 256)

static pthread_mutex_t	 sys_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 sys_fd = -1;
static int		 sys_stream;	/* /dev/log is a stream socket */
static char		 sys_path[sizeof(((struct sockaddr_un *)0)->sun_path)] =
			    LOG__SYSLOG_PATH;
static const char	*sys_ident = "relay";
static unsigned long	 sys_dropped;

size_t
log__syslog_format(char *buf, size_t size, int pri, const struct tm *tm,
    const char *ident, long pid, const char *msg)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int	 n;

	if (size == 0)
		return 0;
	/* strftime's %h depends on the locale: the month names are C's. */
	n = snprintf(buf, size, "<%d>%s %2d %02d:%02d:%02d %s[%ld]: %s", pri,
	    months[tm->tm_mon >= 0 && tm->tm_mon < 12 ? tm->tm_mon : 0],
	    tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec, ident, pid, msg);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}

size_t
log__dropped_text(char *buf, size_t size, unsigned long dropped)
{
	int	 n;

	if (size == 0)
		return 0;
	n = snprintf(buf, size, "%lu log lines dropped: syslog was not "
	    "reading", dropped);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* sys_connect - a new non-blocking socket connected to sys_path; locked */
static int
sys_connect(void)
{
	struct sockaddr_un	 sun;
	int			 fd, e;

	if (sys_fd >= 0) {
		close(sys_fd);
		sys_fd = -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sys_path, sizeof(sun.sun_path));
	/*
	 * A datagram socket, as most syslog daemons listen; a stream one when
	 * connect says EPROTOTYPE (syslog-ng's unix-stream), as glibc does.
	 */
	for (sys_stream = 0; sys_stream < 2; sys_stream++) {
		fd = socket(AF_UNIX, (sys_stream ? SOCK_STREAM : SOCK_DGRAM) |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			sys_fd = fd;
			return 0;
		}
		e = errno;
		close(fd);
		if (e != EPROTOTYPE)
			break;
	}
	sys_stream = 0;
	return -1;
}

/*
 * sys_send - one line: a datagram, or on a stream the line and its NUL
 * (glibc's framing) whole. A stream that took only part of it is closed
 * (the daemon sees the line cut, and the next line starts afresh on a new
 * connection), and the line counts as dropped. -1 with errno as send's.
 */
static int
sys_send(const char *buf, size_t len)
{
	ssize_t	 n;

	n = send(sys_fd, buf, len + (size_t)sys_stream,
	    MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -1;
	if ((size_t)n == len + (size_t)sys_stream)
		return 0;
	close(sys_fd);
	sys_fd = -1;
	errno = EAGAIN;
	return -1;
}

/*
 * sys_put - one datagram, 0 when sent, -1 when dropped; locked. *tried
 * says whether this line has connected already (at most once a line).
 */
static int
sys_put(const char *buf, size_t len, int *tried)
{
	if (sys_fd < 0) {
		if (*tried)
			return -1;
		*tried = 1;
		if (sys_connect() < 0)
			return -1;
	}
	if (sys_send(buf, len) == 0)
		return 0;
	switch (errno) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case ENOBUFS:
	case EINTR:
	case EMSGSIZE:
		return -1;	/* syslog is there but has no room: drop */
	default:
		break;		/* ECONNREFUSED, ENOTCONN...: restarted */
	}
	if (*tried)
		return -1;
	*tried = 1;
	if (sys_connect() < 0)
		return -1;
	return sys_send(buf, len);
}

/* stamp - local time as struct tm, worked out once a second a thread */
static const struct tm *
stamp(void)
{
	static _Thread_local struct tm	 tm;
	static _Thread_local time_t	 last = -1;
	time_t				 now = time(NULL);

	if (now != last) {
		localtime_r(&now, &tm);
		last = now;
	}
	return &tm;
}

void
log__syslog_open(const char *path, const char *ident)
{
	pthread_mutex_lock(&sys_lock);
	if (path != NULL)
		snprintf(sys_path, sizeof(sys_path), "%s", path);
	sys_ident = ident;
	sys_dropped = 0;
	(void)sys_connect();
	pthread_mutex_unlock(&sys_lock);
}

void
log__syslog_send(int level, long pid, const char *line)
{
	char			 buf[SYSLOG_LINE_MAX], note[SYSLOG_LINE_MAX];
	char			 text[128];
	const struct tm		*tm = stamp();
	size_t			 len, nlen;
	int			 tried = 0;

	len = log__syslog_format(buf, sizeof(buf), LOG__FACILITY |
	    LOG_PRI(level), tm, sys_ident, pid, line);
	pthread_mutex_lock(&sys_lock);
	if (sys_dropped > 0) {
		log__dropped_text(text, sizeof(text), sys_dropped);
		nlen = log__syslog_format(note, sizeof(note), LOG__FACILITY |
		    LOG_WARNING, tm, sys_ident, pid, text);
		if (sys_put(note, nlen, &tried) != 0) {
			sys_dropped++;		/* still no room: this one too */
			pthread_mutex_unlock(&sys_lock);
			return;
		}
		sys_dropped = 0;
	}
	if (sys_put(buf, len, &tried) != 0)
		sys_dropped++;
	pthread_mutex_unlock(&sys_lock);
}

unsigned long
log__syslog_dropped(void)
{
	unsigned long	 n;

	pthread_mutex_lock(&sys_lock);
	n = sys_dropped;
	pthread_mutex_unlock(&sys_lock);
	return n;
}

void
log__syslog_prefork(void)
{
	pthread_mutex_lock(&sys_lock);
}

void
log__syslog_postfork(void)
{
	pthread_mutex_unlock(&sys_lock);
}
