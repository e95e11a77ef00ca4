/*
 * NAME
 *	daemon - what every relay-suite daemon does around its main loop
 * DESCRIPTION
 *	Loading relay.conf at start-up (errors to stderr, exit EX_CONFIG),
 *	pid files, switching to the unprivileged user after binding, and
 *	detaching. The daemons' common options are:
 *	    -c FILE   relay.conf (default RELAY_CONF_DEFAULT:
 *	              SYSCONFDIR/relay/relay.conf, from configure)
 *	    -f        stay in the foreground and log to stderr
 *	    -d        debug logging
 *	    -V        print the version and exit
 *	    -h        print the usage (with the default relay.conf), exit 0
 *	and relay-tracker's -o (daemon_getopt_once). They take no operands.
 */
#ifndef RELAY_DAEMON_H
#define RELAY_DAEMON_H

#include <stddef.h>

#include "conf.h"

/*
 * daemon_stdfds - /dev/null on each of fds 0, 1 and 2 that is closed, so
 * that no socket or file opened later becomes one of them (started with
 * `2>&-`, the first socket was fd 2 and took stderr's lines). Called first
 * thing in main(), before any open or socket. 0, or -1 when /dev/null
 * cannot be opened (the caller exits).
 */
int	 daemon_stdfds(void);

struct daemon_opts {
	const char	*conf_path;
	int		 foreground;
	int		 debug;
	int		 once;		/* -o, daemon_getopt_once only */
};

/*
 * daemon_getopt - parse the common options; prints the usage and exits
 * 64 (EX_USAGE) on a bad option or any operand, 0 after -h. Returns
 * optind (argc: there are no operands).
 */
int	 daemon_getopt(int argc, char **argv, const char *prog,
	    struct daemon_opts *opts);
/*
 * daemon_getopt_once - daemon_getopt that also takes -o (read once and
 * exit; implies -f): relay-tracker
 */
int	 daemon_getopt_once(int argc, char **argv, const char *prog,
	    struct daemon_opts *opts);
/*
 * daemon_conf_path - $RELAY_CONF when set and not empty, else
 * RELAY_CONF_DEFAULT: where the programs run by others than systemd
 * (relayctl, relay-checkpw, relay-unsub as a CGI program) find relay.conf
 * before any -c
 */
const char *daemon_conf_path(void);
/* daemon_load_conf - conf_load, or every error on stderr and exit 78 */
struct relay_conf *daemon_load_conf(const char *path, const char *prog);
/*
 * daemon_reload_conf - conf_load at a reload (SIGHUP), or its errors as
 * one log line "reload=failed errors=..." and NULL: the caller keeps
 * running on the configuration it has
 */
struct relay_conf *daemon_reload_conf(const char *path);
/*
 * daemon_schema - at start, before the main loop: is Redis of our schema
 * version? 1 when it holds another one (written to found: the caller
 * refuses to run), else 0; a missing version, or a Redis that cannot be
 * asked now (meanwhile, unavailable: answers are 4xx until it is), is a
 * log warning, unavailable followed by what that means for the caller
 */
int	 daemon_schema(const struct relay_conf *, const char *unavailable,
	    char *found, size_t foundlen);

/*
 * daemon_log_warnings - each line of conf->warnings about a setting of
 * section (its own: "milter", "policyd", "tracker") as a log warning,
 * so that the daemons sharing one relay.conf do not each repeat all of
 * them; after log_open, at start and after each reload
 */
void	 daemon_log_warnings(const struct relay_conf *, const char *section);
/*
 * daemon_pidfile - write our pid to path (no-op for ""): to a temporary
 * file in its directory, renamed over path, so a failure leaves path as
 * it was. 0, or -1 with errno set.
 */
int	 daemon_pidfile(const char *path);
/*
 * daemon_pidfile_remove - at exit: unlink path only while it holds our
 * pid (a new instance started during our drain has written its own)
 */
void	 daemon_pidfile_remove(const char *path);
/* daemon_drop - setgid/setgroups/setuid to user (no-op for ""); 0 or -1 */
int	 daemon_drop(const char *user, const char *group, char *err,
	    size_t errlen);
/*
 * daemon_sock_owner - give the unix socket at path, just bound (mode
 * 0660), to the user and group daemon_drop will switch to, when we run as
 * root and daemon.user is set: bound as root it would be root's, and
 * Postfix, connecting through the group (postfix in group relay), could
 * not. A no-op otherwise (bound by the run user, it is that user's and
 * group's already); as root without daemon.user, a socket left in group
 * root (no Postfix process can open it) gets a warning. 0, or -1 with a
 * reason in err.
 */
int	 daemon_sock_owner(const char *path, const char *user,
	    const char *group, char *err, size_t errlen);
/* daemon_detach - fork into the background, new session, stdio to /dev/null */
int	 daemon_detach(void);

#endif
