/*
 * NAME
 *	policyd_listen - check and bind the policy and socketmap listeners
 * DESCRIPTION
 *	A spec is parsed by common/listen.c, which conf_load() also uses
 *	to check the settings. The unix sockets this process
 *	made are remembered by device, inode and change time (inode
 *	numbers are reused as soon as freed), so that the exit removes
 *	only those, whatever a reload did to the settings and whoever took
 *	the path meanwhile.
 * SEE ALSO
 *	policyd_listen.h, relay-policyd.c, common/listen.c
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

#include "daemon.h"
#include "listen.h"
#include "policyd_listen.h"

#define PL_BACKLOG	1024
#define PL_MAX_MADE	64	/* PD_MAX_LISTENERS */

/* The unix sockets made here, for pl_cleanup. */
static struct {
	char	 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t	 dev;
	ino_t	 ino;
	struct timespec ctime;	/* a freed inode number is soon reused */
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
	made[nmade].ctime = st.st_ctim;
	nmade++;
}

/*
 * open_unix - a unix socket of mode 0660, given to the run user and group
 * when we are root (daemon_sock_owner). Postfix connects through the
 * group (postfix in group relay); for anyone else connect() fails on the
 * file's mode, whatever the directory's: whoever connects can claim any
 * sasl_username and spend that member's caps.
 */
static int
open_unix(const struct listen_addr *a, const char *user, const char *group,
    char *err, size_t errlen)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	mode_t	 um;
	int	 fd, r;

	if (clear_path(sun, err, errlen) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* bind() makes the file under the umask: never wider than 0660. */
	um = umask(0117);
	r = bind(fd, (const struct sockaddr *)sun, sizeof(*sun));
	umask(um);
	if (r < 0) {
		snprintf(err, errlen, "unix:%s: %s", sun->sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(sun->sun_path, 0660) < 0 || listen(fd, PL_BACKLOG) < 0 ||
	    nonblock(fd) < 0) {
		snprintf(err, errlen, "unix:%s: %s", sun->sun_path, strerror(errno));
		goto fail;
	}
	if (daemon_sock_owner(sun->sun_path, user, group, err, errlen) < 0)
		goto fail;
	remember(sun->sun_path);	/* after chmod and chown: they set ctime */
	return fd;
fail:
	close(fd);
	unlink(sun->sun_path);	/* ours, just made */
	return -1;
}

static int
open_inet(const char *spec, const struct listen_addr *a, char *err, size_t errlen)
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
pl_open(const char *spec, const char *user, const char *group, char *err,
    size_t errlen)
{
	struct listen_addr	 a;

	if (listen_parse(spec, &a, err, errlen) < 0)
		return -1;
	if (a.ss.ss_family == AF_UNIX)
		return open_unix(&a, user, group, err, errlen);
	return open_inet(spec, &a, err, errlen);
}

void
pl_cleanup(void)
{
	struct stat	 st;
	int		 i;

	for (i = 0; i < nmade; i++)
		if (lstat(made[i].path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == made[i].dev && st.st_ino == made[i].ino &&
		    st.st_ctim.tv_sec == made[i].ctime.tv_sec &&
		    st.st_ctim.tv_nsec == made[i].ctime.tv_nsec)
			unlink(made[i].path);
	nmade = 0;
}
