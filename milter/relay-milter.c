/*
 * NAME
 *	relay-milter - enrollment checks, suppression, DKIM, List-Unsubscribe
 * SUMMARY
 *	relay-milter [-fdV] [-c relay.conf]
 * DESCRIPTION
 *	The milter every authenticated message passes through (Postfix
 *	smtpd_milters). main() loads relay.conf, checks the Redis schema,
 *	opens the libmilter socket (milter.socket), drops privileges,
 *	detaches unless -f, and hands over to smfi_main(); the callbacks
 *	are in mlfi.c. SIGUSR1 reloads relay.conf (reload.c; libmilter takes
 *	SIGHUP as stop). SIGTERM stops it: libmilter stops listening and
 *	smfi_main() returns, but neither waits for the sessions under way
 *	nor stops its worker threads (and its pool serves no session that
 *	waits there for its next command). So main waits, at most
 *	milter.timeout, until no session is in a worker's hands
 *	(mlfi_sess.h) before it frees what they use; if some still are, it
 *	exits without freeing anything. So it does when the reload thread
 *	is still in a reload RELOAD_STOP_S seconds after the stop (its read
 *	of relay.conf hangs): that thread may use everything.
 * SEE ALSO
 *	relay-milter(8), mlfi.c, relay.conf(5)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "fcache.h"
#include "log.h"
#include "mlfi.h"
#include "mlfi_sess.h"
#include "pkcache.h"
#include "reload.h"
#include "rkeys.h"
#include "rswitch.h"
#include "sign.h"
#include "stats.h"
#include "sockwrap.h"
#include "xalloc.h"

#define PROG	"relay-milter"

/* unix_path - the path of a libmilter unix:/local: socket spec, else NULL */
static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;	/* inet, inet6: conf_check allows nothing else */
}

/*
 * block_stops - before the first thread: libmilter's signal thread, made
 * in smfi_main(), waits for SIGHUP, SIGTERM and SIGINT and blocks them
 * in the threads made after it; a thread made before (the fact cache's,
 * the reload thread, the metrics server) must block them too, or a
 * SIGTERM delivered to it kills the process instead of stopping
 * libmilter cleanly.
 */
static int
block_stops(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	return pthread_sigmask(SIG_BLOCK, &set, NULL) != 0 ? -1 : 0;
}

/* log_counts - the counters of the run, in the stopping line */
static void
log_counts(void)
{
	unsigned long		 nd, qa, sr, br, dec, hit;
	struct fcache_counts	 fc;

	sockwrap_counts(&nd, &qa, &sr, &br);
	pkcache_counts(&dec, &hit);
	fcache_get_counts(&fc);
	log_info("relay-milter stopping: tcp_nodelay=%lu tcp_quickack=%lu "
	    "socket_reads=%lu buffered_reads=%lu key_decodes=%lu "
	    "key_cache_hits=%lu fact_hits=%lu fact_misses=%lu "
	    "fact_invalidations=%lu fact_flushes=%lu fact_subscribes=%lu",
	    nd, qa, sr, br, dec, hit, fc.hits, fc.misses,
	    fc.invalidations, fc.flushes, fc.subscribes);
}

/* start_failed - a start that stops after the pid file: it goes too */
static int
start_failed(char *pidf)
{
	daemon_pidfile_remove(pidf);
	free(pidf);
	return 1;
}

/*
 * The config main loaded: static, so that what it holds stays reachable
 * when a start-up failure returns from main (LeakSanitizer would report
 * it; the tracker exits instead, for the same reason).
 */
static struct relay_conf *cf;

int
main(int argc, char **argv)
{
	struct daemon_opts	 opts;
	char			 err[256], found[64];
	mode_t			 um;
	const char		*path;
	char			*pidf;
	size_t			 nbusy, npool, ncalls;
	int			 r, drain_s, stuck;

	/* First: a SIGUSR1 during start-up waits for the reload thread. */
	if (reload_block() != 0)
		return 1;
	/*
	 * Before any other OpenSSL call: no OPENSSL_cleanup() at exit.
	 * libmilter never joins its worker threads, and one that ends after
	 * that cleanup (its thread-exit key deleted) leaves its per-thread
	 * OpenSSL state (error queue, random generators) behind, which
	 * LeakSanitizer reported in an ASan run of test_soak. The process is
	 * exiting: the kernel takes the rest.
	 */
	if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL) != 1) {
		fprintf(stderr, "relay-milter: cannot initialise OpenSSL\n");
		return 71;
	}
	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		return 71;
	daemon_getopt(argc, argv, PROG, &opts);
	cf = daemon_load_conf(opts.conf_path, PROG);
	log_open(PROG, opts.foreground);
	log_set_debug(opts.debug);
	daemon_log_warnings(cf, "milter");
	clock_set_offset(cf->testing.clock_offset_s);
	/* another schema version: refused; missing or Redis away: said */
	if (daemon_schema(cf, "messages are tempfailed until it is", found,
	    sizeof(found))) {
		log_err("redis holds schema version %s, this program speaks %s",
		    found, RKEY_SCHEMA_VERSION);
		return 1;
	}
	pkcache_init(PKCACHE_KEEP_S);
	if (sign_lib_init(0) != 0) {
		log_err("libopendkim could not be initialised");
		return 1;
	}
	if (sockwrap_init(cf->milter.tcp_quickack, cf->milter.worker_wait_ms) != 0)
		log_warn("no memory for the connection table: reads unbuffered");
	if (smfi_setconn(cf->milter.socket) != MI_SUCCESS ||
	    smfi_settimeout(cf->milter.timeout_s) != MI_SUCCESS ||
	    smfi_register(mlfi_desc) != MI_SUCCESS) {
		log_err("libmilter refused the socket %s", cf->milter.socket);
		return 1;
	}
	/*
	 * A unix socket is made 0660: Postfix (user postfix, in our group)
	 * connects through the group; for anyone else connect() fails on
	 * the file's mode, whatever the directory's. Whoever can connect can
	 * claim any {auth_authen} and get any member's signatures.
	 */
	um = umask(0117);
	r = smfi_opensocket(1);
	umask(um);
	if (r != MI_SUCCESS) {
		log_err("cannot open the milter socket %s", cf->milter.socket);
		return 1;
	}
	if ((path = unix_path(cf->milter.socket)) != NULL &&
	    daemon_sock_owner(path, cf->daemon.user, cf->daemon.group, err,
	    sizeof(err)) != 0) {
		log_err("%s", err);
		return 1;
	}
	if (stats_serve(cf->milter.metrics, "milter", err, sizeof(err)) != 0) {
		log_err("%s", err);
		return 1;
	}
	if (daemon_drop(cf->daemon.user, cf->daemon.group, err,
	    sizeof(err)) != 0) {
		log_err("%s", err);
		return 1;
	}
	if (!opts.foreground && daemon_detach() != 0) {
		log_err("cannot detach");
		return 1;
	}
	if (daemon_pidfile(cf->milter.pid_file) != 0)
		log_warn("cannot write pid file %s: %s", cf->milter.pid_file,
		    strerror(errno));
	pidf = xstrdup(cf->milter.pid_file);
	/* Read only at start: the longest libmilter waits for a command. */
	drain_s = cf->milter.timeout_s;
	if (mlfi_init(cf) != 0)		/* cf is the milter's from now on */
		return start_failed(pidf);
	if (block_stops() != 0 ||
	    fcache_start(&cf->redis, (size_t)cf->milter.cache_entries) != 0)
		return start_failed(pidf);
	(void)rswitch_start(&cf->redis);
	if (stats_start(err, sizeof(err)) != 0) {
		log_err("%s", err);
		return start_failed(pidf);
	}
	log_info("relay-milter listening on %s", cf->milter.socket);
	/* Last: from now on a reload may swap and free cf (main reads it
	   no more; libmilter has its own copy of the socket). */
	if (reload_start(opts.conf_path) != 0) {
		log_err("cannot start the reload thread");
		return start_failed(pidf);
	}
	r = smfi_main();
	if (r != MI_SUCCESS)
		/* libmilter says why to syslog only, which -f does not read */
		log_err("libmilter stopped with a failure (often: a thread "
		    "could not be made, out of memory; libmilter's own line "
		    "went to syslog)");
	/* No reload overlaps what follows; one whose read hangs is left. */
	if ((stuck = reload_stop(RELOAD_STOP_S) != 0))
		log_warn("relay-milter: the reload thread is still reading %s "
		    "after %d s (a FIFO, a hung file system?): exiting "
		    "without clean-up", reload_path(), RELOAD_STOP_S);
	mlfi_sess_count(&nbusy, &npool, &ncalls);
	if (nbusy > 0 || ncalls > 0)
		log_info("relay-milter waiting for sessions=%zu to end (at "
		    "most milter.timeout=%d s)", nbusy, drain_s);
	if (mlfi_sess_drain(drain_s, &nbusy, &npool, &ncalls) != 0 || stuck) {
		/* Never free what a live thread may use: just go. */
		log_counts();
		if (nbusy > 0 || ncalls > 0)
			log_warn("relay-milter: sessions=%zu (callbacks "
			    "running=%zu) still open after %d s: exiting "
			    "without clean-up", nbusy, ncalls, drain_s);
		daemon_pidfile_remove(pidf);
		fflush(NULL);
		_exit(r == MI_SUCCESS ? 0 : 1);
	}
	if (npool > 0)
		log_info("relay-milter: sessions=%zu were between commands in "
		    "libmilter's pool, which serves none after a stop: they "
		    "end unanswered (Postfix: milter_default_action)", npool);
	log_counts();
	rswitch_stop();
	fcache_stop();
	mlfi_shutdown();
	stats_stop();
	sign_lib_close();
	pkcache_clear();
	daemon_pidfile_remove(pidf);
	free(pidf);
	return r == MI_SUCCESS ? 0 : 1;
}
