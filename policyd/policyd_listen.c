/*
 * NAME
 *	policyd_listen - check and bind the policy and socketmap listeners
 * DESCRIPTION
 *	A spec is parsed into an address once (pl_parse) for both the
 *	check of the settings and the bind. The unix sockets this process
 *	made are remembered by device and inode, so that the exit removes
 *	only those, whatever a reload did to the settings and whoever took
 *	the path meanwhile.
 * SEE ALSO
 *	policyd_listen.h, relay-policyd.c
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "policyd_listen.h"

#define PL_BACKLOG	1024
#define PL_MAX_MADE	64	/* PD_MAX_LISTENERS */

struct pl_addr {
	struct sockaddr_storage ss;
	socklen_t	 len;
};

/* The unix sockets made here, for pl_cleanup. */
static struct {
	char	 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t	 dev;
	ino_t	 ino;
} made[PL_MAX_MADE];
static int nmade;

/* nonblock - O_NONBLOCK and FD_CLOEXEC */
static int
nonblock(int fd)
{
	int	 fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int
parse_unix(const char *path, struct pl_addr *a, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;

	if (strlen(path) >= sizeof(sun->sun_path) || path[0] != '/') {
		snprintf(err, errlen, "unix:%s: not an absolute path that fits "
		    "a socket address (%zu bytes)", path,
		    sizeof(sun->sun_path) - 1);
		return -1;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	a->len = sizeof(*sun);
	return 0;
}

/* parse_port - 1..65535, digits only */
static int
parse_port(const char *s)
{
	long	 port = 0;

	if (*s == '\0' || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -1;
	port = strtol(s, NULL, 10);
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

static int
parse_inet(const char *hostport, struct pl_addr *a, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	const char *colon = strrchr(hostport, ':');
	char	 host[128];
	size_t	 hl;
	int	 port;

	if (colon == NULL || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof(host)) {
		snprintf(err, errlen, "inet:%s: expected inet:HOST:PORT", hostport);
		return -1;
	}
	hl = (size_t)(colon - hostport);
	memcpy(host, hostport, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if ((port = parse_port(colon + 1)) < 0) {
		snprintf(err, errlen, "inet:%s: PORT must be 1-65535", hostport);
		return -1;
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		a->len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		a->len = sizeof(*sin6);
	} else {
		snprintf(err, errlen, "inet:%s: HOST must be a numeric IPv4 or "
		    "IPv6 address (e.g. 127.0.0.1 or [::1]); names are not "
		    "resolved", hostport);
		return -1;
	}
	return 0;
}

/* pl_parse - a spec into an address; -1 with a reason */
static int
pl_parse(const char *spec, struct pl_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (strncmp(spec, "unix:", 5) == 0)
		return parse_unix(spec + 5, a, err, errlen);
	if (strncmp(spec, "inet:", 5) == 0)
		return parse_inet(spec + 5, a, err, errlen);
	snprintf(err, errlen, "%s: expected unix:/path or inet:HOST:PORT", spec);
	return -1;
}

/* wildcard - 0.0.0.0 or :: */
static int
wildcard(const struct pl_addr *a)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
	    &any6, sizeof(any6)) == 0;
}

/* port_of - an inet address's port, 0 for a unix one */
static int
port_of(const struct pl_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

/*
 * clash - two addresses that cannot both be bound: the same one, or one
 * port on a wildcard and another address (of its family; [::] also
 * takes IPv4, as a dual-stack socket).
 */
static int
clash(const struct pl_addr *a, const struct pl_addr *b)
{
	if (a->ss.ss_family == AF_UNIX || b->ss.ss_family == AF_UNIX)
		return a->ss.ss_family == b->ss.ss_family &&
		    strcmp(((const struct sockaddr_un *)&a->ss)->sun_path,
		    ((const struct sockaddr_un *)&b->ss)->sun_path) == 0;
	if (port_of(a) != port_of(b))
		return 0;
	if (a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0)
		return 1;
	if (a->ss.ss_family == b->ss.ss_family)
		return wildcard(a) || wildcard(b);
	return (a->ss.ss_family == AF_INET6 && wildcard(a)) ||
	    (b->ss.ss_family == AF_INET6 && wildcard(b));
}

/* setting - "policyd.listen[i]" or "policyd.socketmap[i]" of index k */
static void
setting(const struct conf_policyd *cp, int k, const char **spec, char *name,
    size_t len)
{
	int	 sm = k >= cp->nlisten, i = sm ? k - cp->nlisten : k;

	snprintf(name, len, "policyd.%s[%d]", sm ? "socketmap" : "listen", i);
	*spec = sm ? cp->socketmap[i] : cp->listen[i];
}

int
pl_check(const struct conf_policyd *cp, char *err, size_t errlen)
{
	struct pl_addr	 a[PL_MAX_MADE];
	char		 why[384], name[2][48];
	const char	*spec[2];
	int		 n = cp->nlisten + cp->nsocketmap, i, j;

	if (n == 0) {
		snprintf(err, errlen, "policyd.listen and policyd.socketmap: "
		    "both empty, nothing to listen on");
		return -1;
	}
	if (n > PL_MAX_MADE) {
		snprintf(err, errlen, "policyd.listen and policyd.socketmap: "
		    "more than %d addresses", PL_MAX_MADE);
		return -1;
	}
	for (i = 0; i < n; i++) {
		setting(cp, i, &spec[0], name[0], sizeof(name[0]));
		if (pl_parse(spec[0], &a[i], why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", name[0], why);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (!clash(&a[j], &a[i]))
				continue;
			setting(cp, j, &spec[1], name[1], sizeof(name[1]));
			snprintf(err, errlen, "%s = \"%s\" and %s = \"%s\": the same "
			    "address, only one can be bound", name[1], spec[1],
			    name[0], spec[0]);
			return -1;
		}
	}
	return 0;
}

/*
 * clear_path - make way for a unix socket at path: nothing there, or a
 * stale socket (removed). A socket some process listens on, or anything
 * else, is left alone: -1 with a reason.
 */
static int
clear_path(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat	 st;
	int		 fd, rc, e;

	if (lstat(sun->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "unix:%s: %s", sun->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "unix:%s: exists and is not a socket "
		    "(left alone)", sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	if (rc < 0 && e == ECONNREFUSED) {	/* nobody listens: stale */
		if (unlink(sun->sun_path) == 0 || errno == ENOENT)
			return 0;
		e = errno;
	} else if (rc == 0 || e == EAGAIN) {	/* accepted, or backlog full */
		snprintf(err, errlen, "unix:%s: in use by another process "
		    "(another relay-policyd?)", sun->sun_path);
		return -1;
	}
	snprintf(err, errlen, "unix:%s: %s", sun->sun_path, strerror(e));
	return -1;
}

/* remember - note a socket made, for pl_cleanup */
static void
remember(const char *path)
{
	struct stat	 st;

	if (nmade >= PL_MAX_MADE || lstat(path, &st) < 0)
		return;
	snprintf(made[nmade].path, sizeof(made[nmade].path), "%s", path);
	made[nmade].dev = st.st_dev;
	made[nmade].ino = st.st_ino;
	nmade++;
}

static int
open_unix(const struct pl_addr *a, char *err, size_t errlen)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	int	 fd;

	if (clear_path(sun, err, errlen) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0) {
		snprintf(err, errlen, "unix:%s: %s", sun->sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	remember(sun->sun_path);
	if (chmod(sun->sun_path, 0666) < 0 || listen(fd, PL_BACKLOG) < 0 ||
	    nonblock(fd) < 0) {
		snprintf(err, errlen, "unix:%s: %s", sun->sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
open_inet(const char *spec, const struct pl_addr *a, char *err, size_t errlen)
{
	int	 fd, one = 1;

	if ((fd = socket(a->ss.ss_family, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0 ||
	    listen(fd, PL_BACKLOG) < 0 || nonblock(fd) < 0) {
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
pl_open(const char *spec, char *err, size_t errlen)
{
	struct pl_addr	 a;

	if (pl_parse(spec, &a, err, errlen) < 0)
		return -1;
	if (a.ss.ss_family == AF_UNIX)
		return open_unix(&a, err, errlen);
	return open_inet(spec, &a, err, errlen);
}

void
pl_cleanup(void)
{
	struct stat	 st;
	int		 i;

	for (i = 0; i < nmade; i++)
		if (lstat(made[i].path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == made[i].dev && st.st_ino == made[i].ino)
			unlink(made[i].path);
	nmade = 0;
}
