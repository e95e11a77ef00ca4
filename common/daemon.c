/*
 * NAME
 *	daemon - options, config loading, pid file, privilege drop, detach
 * SEE ALSO
 *	daemon.h
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "rconn.h"
#include "rscript.h"

#define WARN_TAG	": warning: "
#define WARN_TAG_LEN	(sizeof(WARN_TAG) - 1)

#ifndef RELAY_CONF_DEFAULT
#define RELAY_CONF_DEFAULT "/etc/relay/relay.conf"
#endif

int
daemon_stdfds(void)
{
	int	 fd, nfd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number, this one: those below are open. */
		if ((nfd = open("/dev/null", O_RDWR)) < 0)
			return -1;
		if (nfd != fd) {
			if (dup2(nfd, fd) < 0) {
				close(nfd);
				return -1;
			}
			close(nfd);
		}
	}
	return 0;
}

/* usage - to stdout for -h (exit 0), else to stderr (exit 64) */
static void
usage(const char *prog, int with_once, int ok)
{
	fprintf(ok ? stdout : stderr, "usage: %s [-fd%sV] [-c relay.conf]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -f       foreground, log to stderr\n"
	    "  -d       debug logging\n"
	    "%s"
	    "  -V       version\n"
	    "  -h       this help\n", prog, with_once ? "o" : "",
	    RELAY_CONF_DEFAULT, with_once ?
	    "  -o       read to the end of the log once, then exit\n" : "");
	exit(ok ? 0 : 64);
}

/* getopt_common - daemon_getopt, with -o when with_once */
static int
getopt_common(int argc, char **argv, const char *prog,
    struct daemon_opts *opts, int with_once)
{
	int	 ch;

	opts->conf_path = RELAY_CONF_DEFAULT;
	opts->foreground = 0;
	opts->debug = 0;
	opts->once = 0;
	while ((ch = getopt(argc, argv, with_once ? "c:fdoVh" : "c:fdVh"))
	    != -1) {
		switch (ch) {
		case 'c':
			opts->conf_path = optarg;
			break;
		case 'f':
			opts->foreground = 1;
			break;
		case 'd':
			opts->debug = 1;
			break;
		case 'o':
			opts->once = 1;
			opts->foreground = 1;
			break;
		case 'V':
			printf("%s (relay-suite) %s\n", prog, PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(prog, with_once, 1);
			break;
		default:
			usage(prog, with_once, 0);
			break;
		}
	}
	/* A stray word is a mistake (a lost option letter), never ignored. */
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", prog,
		    argv[optind]);
		usage(prog, with_once, 0);
	}
	return optind;
}

int
daemon_getopt(int argc, char **argv, const char *prog,
    struct daemon_opts *opts)
{
	return getopt_common(argc, argv, prog, opts, 0);
}

int
daemon_getopt_once(int argc, char **argv, const char *prog,
    struct daemon_opts *opts)
{
	return getopt_common(argc, argv, prog, opts, 1);
}

struct relay_conf *
daemon_load_conf(const char *path, const char *prog)
{
	struct relay_conf *conf;
	char	 err[8192];

	if (conf_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: configuration errors:\n%s", prog, err);
		exit(78);
	}
	return conf;
}

const char *
daemon_conf_path(void)
{
	const char	*p = getenv("RELAY_CONF");

	return p != NULL && *p != '\0' ? p : RELAY_CONF_DEFAULT;
}

struct relay_conf *
daemon_reload_conf(const char *path)
{
	struct relay_conf *conf;
	struct logkv	 kv;
	char		 err[4096];

	if (conf_load(path, &conf, err, sizeof(err)) == 0)
		return conf;
	logkv_init(&kv, NULL);
	logkv_str(&kv, "reload", "failed");
	/* escaped: one line, without the last newline */
	logkv_strn(&kv, "errors", err, strlen(err) -
	    (err[0] != '\0' && err[strlen(err) - 1] == '\n'));
	logkv_emit(&kv, LOG_ERR);
	return NULL;
}

/*
 * warning_of - in a "FILE:LINE: key: warning: why" line of n bytes about
 * a setting of section sec (its key "sec.name"), where ": warning: " is;
 * NULL for a line about another section
 */
static const char *
warning_of(const char *line, size_t n, const char *sec)
{
	const char	*w = NULL, *k, *p;
	size_t		 len = strlen(sec);

	for (p = line; p + WARN_TAG_LEN <= line + n; p++)
		if (memcmp(p, WARN_TAG, WARN_TAG_LEN) == 0)
			w = p;			/* the last: a path may hold one */
	for (k = w; k != NULL && k > line && k[-1] != ' '; k--)
		;
	return w != NULL && (size_t)(w - k) > len && strncmp(k, sec, len) == 0 &&
	    k[len] == '.' ? w : NULL;
}

int
daemon_schema(const struct relay_conf *conf, const char *unavailable,
    char *found, size_t foundlen)
{
	struct rconn	*rc = rconn_new(&conf->redis);
	int		 r;

	r = rscript_schema_check(rc, found, foundlen, 0);
	if (r < 0)
		log_warn("redis not reachable at start-up (%s): %s",
		    rconn_errstr(rc), unavailable);
	else if (r == RSCRIPT_SCHEMA_MISSING)
		log_warn("%s", RSCRIPT_SCHEMA_MISSING_TEXT);
	rconn_free(rc);
	return r == 1;
}

void
daemon_log_warnings(const struct relay_conf *conf, const char *section)
{
	const char	*p = conf->warnings, *nl, *w, *why;

	while (*p != '\0') {
		if ((nl = strchr(p, '\n')) == NULL)	/* cut at the buffer's end */
			nl = p + strlen(p);
		/* the log line is a warning already: "FILE:LINE: key: why" */
		if ((w = warning_of(p, (size_t)(nl - p), section)) != NULL) {
			why = w + WARN_TAG_LEN;
			log_warn("%.*s: %.*s", (int)(w - p), p, (int)(nl - why),
			    why);
		}
		p = *nl == '\0' ? nl : nl + 1;
	}
}

int
daemon_pidfile(const char *path)
{
	char	 buf[32], *tmp;
	size_t	 len;
	int	 fd, n, ok, e;

	if (path == NULL || *path == '\0')
		return 0;
	/*
	 * A file of its own in the same directory, renamed over path once
	 * written: a write that fails leaves the old file (or none), never
	 * an empty or half-written one.
	 */
	len = strlen(path) + sizeof(".XXXXXX");
	if ((tmp = malloc(len)) == NULL)
		return -1;
	snprintf(tmp, len, "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	errno = 0;
	ok = fchmod(fd, 0644) == 0 && write(fd, buf, (size_t)n) == n;
	e = errno != 0 ? errno : ENOSPC;	/* a short write sets none */
	if (close(fd) < 0 && ok) {
		ok = 0;
		e = errno;
	}
	if (ok && rename(tmp, path) < 0) {
		ok = 0;
		e = errno;
	}
	if (!ok)
		unlink(tmp);
	free(tmp);
	if (!ok)
		errno = e;
	return ok ? 0 : -1;
}

void
daemon_pidfile_remove(const char *path)
{
	char	 buf[32];
	ssize_t	 n;
	int	 fd;

	if (path == NULL || *path == '\0' ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* Another instance's file (a restart overlapping our drain) stays. */
	if (strtol(buf, NULL, 10) == (long)getpid())
		unlink(path);
}

/* run_ids - the uid and gid daemon_drop switches to; 0, or -1 with err */
static int
run_ids(const char *user, const char *group, uid_t *uid, gid_t *gid,
    char *err, size_t errlen)
{
	struct passwd	*pw;
	struct group	*gr;

	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "daemon.user: no such user \"%s\"", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL && *group != '\0') {
		if ((gr = getgrnam(group)) == NULL) {
			snprintf(err, errlen, "daemon.group: no such group \"%s\"",
			    group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int
daemon_drop(const char *user, const char *group, char *err, size_t errlen)
{
	uid_t	 uid;
	gid_t	 gid;

	if (user == NULL || *user == '\0')
		return 0;
	if (run_ids(user, group, &uid, &gid, err, errlen) != 0)
		return -1;
	if (getuid() == uid && geteuid() == uid)
		return 0;
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(err, errlen, "cannot switch to user %s: %s", user,
		    strerror(errno));
		return -1;
	}
	/* Paranoia: there must be no way back. */
	if (uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "could regain root after dropping to %s", user);
		return -1;
	}
	return 0;
}

int
daemon_sock_owner(const char *path, const char *user, const char *group,
    char *err, size_t errlen)
{
	uid_t	 uid;
	gid_t	 gid;

	struct stat st;

	/* Not root: the socket is already ours, the user and group we run as. */
	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0') {
		/* root's, group root: no Postfix process can connect */
		if (stat(path, &st) == 0 && st.st_gid == 0)
			log_warn("unix:%s is root's, mode 0660: Postfix cannot "
			    "connect to it; set daemon.user (the units run "
			    "as relay)", path);
		return 0;
	}
	if (run_ids(user, group, &uid, &gid, err, errlen) != 0)
		return -1;
	if (lchown(path, uid, gid) < 0) {
		snprintf(err, errlen, "unix:%s: cannot give it to %s: %s", path,
		    user, strerror(errno));
		return -1;
	}
	return 0;
}

int
daemon_detach(void)
{
	int	 fd;

	switch (fork()) {
	case -1:
		return -1;
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() < 0)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	umask(022);
	return 0;
}
