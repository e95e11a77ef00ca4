/*
 * NAME
 *	relay-policyd - Postfix policy service and socketmap table server
 * SUMMARY
 *	relay-policyd [-fdV] [-c relay.conf]
 * DESCRIPTION
 *	Thin main: load relay.conf, check the listen and socketmap settings
 *	(not both empty), bind every policyd.listen and
 *	policyd.socketmap socket and the metrics one, then detach (so that
 *	a socket that cannot be made is an exit status and a line on
 *	stderr), drop privileges, connect to Redis and run one libevent
 *	loop. SIGTERM/SIGINT drain it (no new connections,
 *	the requests waiting for Redis answered, then exit; a second signal
 *	exits at once); SIGHUP reloads relay.conf (blocked from the start
 *	until its event is added: one that comes during start-up is kept)
 *	(limits, timeouts, queue cap, warming tiers, testing.clock_offset;
 *	listeners and Redis settings need a restart). A bad file on reload
 *	is logged and the old settings stay. At exit the unix sockets and
 *	the pid file made at start are removed (not a reloaded file's).
 * SEE ALSO
 *	relay-policyd(8), policyd_server.c, socketmap_server.c,
 *	policyd_policy.c
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf_diff.h"
#include "daemon.h"
#include "log.h"
#include "policyd.h"
#include "policyd_dcache.h"
#include "policyd_listen.h"
#include "policyd_redis.h"
#include "rkeys.h"
#include "rswitch.h"
#include "stats.h"
#include "xalloc.h"

static const char *conf_path;

/* seed - random bits for unique charge ids across processes and nodes */
static uint64_t
seed(void)
{
	uint64_t v = 0;
	int	 fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		v = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (fd >= 0)
		close(fd);
	return v;
}

#define DRAIN_FLUSH_MS	100	/* lets the last answers be written */

/* loopexit_ms - end the loop ms from now (the earliest call wins) */
static void
loopexit_ms(struct policyd *pd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(pd->base, &tv);
}

void
pd_busy(struct policyd *pd)
{
	pd->inflight++;
}

void
pd_idle(struct policyd *pd)
{
	if (pd->inflight > 0)
		pd->inflight--;
	if (pd->stopping && pd->inflight == 0)
		loopexit_ms(pd, DRAIN_FLUSH_MS);
}

/*
 * on_stop - drain: accept no more connections, answer the requests that
 * wait for Redis (each within redis.timeout_ms: an answer or 451), then
 * end the loop; at the latest timeout_ms + 1 s from now.
 */
static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct policyd	*pd = arg;
	int		 i;

	if (pd->stopping++) {
		event_base_loopbreak(pd->base);	/* a second signal: now */
		return;
	}
	log_info("signal=%d action=stop inflight=%zu", (int)sig, pd->inflight);
	for (i = 0; i < pd->nlisteners; i++)	/* closed: refused at once */
		evconnlistener_free(pd->listeners[i]);
	pd->nlisteners = 0;
	loopexit_ms(pd, pd->inflight == 0 ? DRAIN_FLUSH_MS :
	    pd->cf->redis.timeout_ms + 1000);
}

/*
 * restart_keys - the changed settings a reload cannot apply: the sockets
 * (bound before the privileges were dropped), the pid file, the user
 */
static void
restart_keys(const struct relay_conf *o, const struct relay_conf *n,
    char *buf, size_t len)
{
	buf[0] = '\0';
	conf_diff_note(buf, len, conf_diff_list(o->policyd.listen,
	    o->policyd.nlisten, n->policyd.listen, n->policyd.nlisten),
	    "policyd.listen");
	conf_diff_note(buf, len, conf_diff_list(o->policyd.socketmap,
	    o->policyd.nsocketmap, n->policyd.socketmap, n->policyd.nsocketmap),
	    "policyd.socketmap");
	conf_diff_note(buf, len, conf_diff_str(o->policyd.pid_file,
	    n->policyd.pid_file), "policyd.pid_file");
	conf_diff_note(buf, len, conf_diff_str(o->policyd.metrics,
	    n->policyd.metrics), "policyd.metrics");
	conf_diff_note_daemon(buf, len, o, n);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct policyd	*pd = arg;
	struct relay_conf *nc;
	struct logkv	 kv;
	char		 restart[256];
	int		 moved;

	if ((nc = daemon_reload_conf(conf_path)) == NULL)
		return;
	restart_keys(pd->cf, nc, restart, sizeof(restart));
	/* another Redis or login: a new connection at once (as relay-milter) */
	moved = conf_diff_redis_link(&pd->cf->redis, &nc->redis);
	if (conf_diff_redis(&pd->cf->redis, &nc->redis)) {
		pr_reconfigure(pd->redis, &nc->redis, moved);
		(void)rswitch_reload(&nc->redis);
	}
	conf_free(pd->cf);
	pd->cf = nc;
	clock_set_offset(nc->testing.clock_offset_s);
	logkv_init(&kv, NULL);
	logkv_str(&kv, "reload", "ok");
	logkv_int(&kv, "clock_offset", nc->testing.clock_offset_s);
	if (moved)
		logkv_str(&kv, "redis", "reconnect");
	if (restart[0] != '\0')
		logkv_str(&kv, "restart_needed", restart);
	logkv_emit(&kv, restart[0] != '\0' ? LOG_WARNING : LOG_INFO);
	daemon_log_warnings(nc, "policyd");
}

/* Set once detached: stderr is /dev/null from then on. */
static int detached;
/* The sockets bound before detaching (static: reachable at an exit). */
static int *lfds, *sfds;
/* The pid file written, what to remove at exit whatever a reload says. */
static char *pidfile;

/*
 * fail - a start-up failure, said where it can be read (stderr before
 * detaching, the log after), then exit with status
 */
static void __attribute__((format(printf, 2, 3), noreturn))
fail(int status, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (detached)
		log_err("%s", msg);
	else
		fprintf(stderr, "relay-policyd: %s\n", msg);
	pl_cleanup();		/* the unix sockets bound so far */
	daemon_pidfile_remove(pidfile);
	exit(status);
}

/*
 * bind_all - bind every listener of one kind into fds[]; exits on failure
 * (start-up). Before detaching, so that a socket that cannot be made is
 * said on stderr and the exit status is the caller's.
 */
static void
bind_all(struct policyd *pd, char **specs, int n, int *fds)
{
	char	 err[512];
	int	 i;

	for (i = 0; i < n; i++)
		if ((fds[i] = pl_open(specs[i], pd->cf->daemon.user,
		    pd->cf->daemon.group, err, sizeof(err))) < 0)
			fail(71, "%s", err);
}

/*
 * listen_all - the listeners on the sockets bind_all made, in the event
 * loop (made after detaching: a loop does not survive fork)
 */
static void
listen_all(struct policyd *pd, char **specs, int n, const int *fds,
    int socketmap)
{
	int	 i;

	for (i = 0; i < n; i++)
		if ((socketmap ? socketmap_add(pd, fds[i], specs[i]) :
		    server_add_policy(pd, fds[i], specs[i])) < 0)
			fail(71, "%s: cannot listen", specs[i]);
}

/* Flushes the log lines of one loop turn (log_buffered). */
static struct event *logflush_ev;

static void
on_logflush(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

static void
logflush_wake(void)
{
	event_active(logflush_ev, EV_TIMEOUT, 0);
}

/*
 * new_base - the event loop. With the epoll change list, adding and
 * removing interest in an fd within one loop turn costs no system call:
 * hiredis asks for the write event with every command and drops it once
 * the command is written, twice epoll_ctl per request otherwise.
 */
static struct event_base *
new_base(void)
{
	struct event_config	*cfg = event_config_new();
	struct event_base	*base;

	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/*
 * nofile_check - each client is a descriptor: raise the soft limit on open
 * files to the hard one, and say so when max_clients still does not fit
 * (beyond it accept() fails and relay-policyd pauses accepting).
 */
static void
nofile_check(int max_clients)
{
	struct rlimit	 rl;
	rlim_t		 want = (rlim_t)max_clients + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < want)
		log_warn("max_clients=%d nofile=%llu error=\"the open file "
		    "limit is below max_clients + 64: raise it (systemd "
		    "LimitNOFILE=, ulimit -n) or lower policyd.max_clients\"",
		    max_clients, (unsigned long long)rl.rlim_cur);
}

int
main(int argc, char **argv)
{
	struct daemon_opts opts;
	struct policyd	 pd;
	struct event	*ev_term, *ev_int, *ev_hup;
	sigset_t	 hup;
	char		 err[512];
	int		 i;

	/*
	 * A start-up failure exits (fail()) rather than returns:
	 * what main holds is then still reachable, not a leak for
	 * LeakSanitizer to turn into another exit status.
	 */
	/*
	 * First: a SIGHUP during start-up (systemctl reload right after a
	 * start) waits, pending, instead of killing the process; it is
	 * taken as a reload once its event is added below.
	 */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &hup, NULL) != 0)
		exit(71);
	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		exit(71);
	daemon_getopt(argc, argv, "relay-policyd", &opts);
	conf_path = opts.conf_path;
	memset(&pd, 0, sizeof(pd));
	pd.conns.next = pd.conns.prev = &pd.conns;
	pd.cf = daemon_load_conf(opts.conf_path, "relay-policyd");
	log_open("relay-policyd", opts.foreground);
	log_set_debug(opts.debug);
	daemon_log_warnings(pd.cf, "policyd");
	clock_set_offset(pd.cf->testing.clock_offset_s);
	signal(SIGPIPE, SIG_IGN);
	/* another schema version: exit 78, said on stderr (before detaching) */
	if (daemon_schema(pd.cf, "requests get 451 4.4.2 and lookups TEMP "
	    "until it is", err, sizeof(err)))
		fail(78, "Redis holds schema version %s, this program speaks %s",
		    err, RKEY_SCHEMA_VERSION);
	/* (conf_load checked each address: listen.c) */
	if (pd.cf->policyd.nlisten + pd.cf->policyd.nsocketmap == 0) {
		fprintf(stderr, "relay-policyd: %s: policyd.listen and "
		    "policyd.socketmap: both empty, nothing to listen on\n",
		    conf_path);
		exit(78);
	}
	/*
	 * Every socket bound before detaching: a failure is said on stderr
	 * and is the exit status (71), not the lost one of a background
	 * process. The threads and the event loop come after the fork.
	 */
	lfds = xcalloc((size_t)pd.cf->policyd.nlisten + 1, sizeof(*lfds));
	sfds = xcalloc((size_t)pd.cf->policyd.nsocketmap + 1, sizeof(*sfds));
	bind_all(&pd, pd.cf->policyd.listen, pd.cf->policyd.nlisten, lfds);
	bind_all(&pd, pd.cf->policyd.socketmap, pd.cf->policyd.nsocketmap, sfds);
	if (stats_serve(pd.cf->policyd.metrics, "policyd", err, sizeof(err)) < 0)
		fail(71, "%s", err);
	if (!opts.foreground) {
		if (daemon_detach() < 0)
			fail(71, "cannot detach");
		detached = 1;
	}
	pd.base = new_base();
	if (pd.base == NULL)
		fail(71, "event_base_new failed");
	/* Under -f: one write of the turn's log lines instead of one each. */
	if ((logflush_ev = event_new(pd.base, -1, 0, on_logflush, NULL)) != NULL)
		log_buffered(logflush_wake);
	pd.seed = seed();
	pd.dcache = pd_dcache_new(PD_DCACHE_MAX, PD_DCACHE_TTL);
	listen_all(&pd, pd.cf->policyd.listen, pd.cf->policyd.nlisten, lfds, 0);
	listen_all(&pd, pd.cf->policyd.socketmap, pd.cf->policyd.nsocketmap,
	    sfds, 1);
	free(lfds);
	free(sfds);
	if (stats_start(err, sizeof(err)) < 0)
		fail(71, "%s", err);
	if (daemon_pidfile(pd.cf->policyd.pid_file) < 0)
		log_warn("pid_file=%s error=\"cannot write: %s\"",
		    pd.cf->policyd.pid_file, strerror(errno));
	else
		pidfile = xstrdup(pd.cf->policyd.pid_file);
	if (daemon_drop(pd.cf->daemon.user, pd.cf->daemon.group, err,
	    sizeof(err)) < 0)
		fail(71, "%s", err);
	pd.redis = pr_new(pd.base, &pd.cf->redis);
	pr_start(pd.redis);
	(void)rswitch_start(&pd.cf->redis);
	ev_term = evsignal_new(pd.base, SIGTERM, on_stop, &pd);
	ev_int = evsignal_new(pd.base, SIGINT, on_stop, &pd);
	ev_hup = evsignal_new(pd.base, SIGHUP, on_hup, &pd);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_hup, NULL);
	/* libevent's handler is in place: a pending SIGHUP becomes an event
	   (the metrics thread blocks every signal itself). */
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
	nofile_check(pd.cf->policyd.max_clients);
	log_info("start=ok listeners=%d socketmaps=%d",
	    pd.cf->policyd.nlisten, pd.cf->policyd.nsocketmap);

	event_base_dispatch(pd.base);

	pl_cleanup();		/* the sockets made at start, if still ours */
	rswitch_stop();
	pr_free(pd.redis);	/* answers every request still waiting */
	pd_dcache_free(pd.dcache);
	while (pd.conns.next != NULL && pd.conns.next != &pd.conns)
		pd.conns.next->kill(pd.conns.next);
	for (i = 0; i < pd.nlisteners; i++)
		evconnlistener_free(pd.listeners[i]);
	if (pd.accept_ev != NULL)
		event_free(pd.accept_ev);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_base_free(pd.base);
	stats_stop();
	daemon_pidfile_remove(pidfile);
	free(pidfile);
	conf_free(pd.cf);
	return 0;
}
