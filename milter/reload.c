/*
 * NAME
 *	reload - relay-milter reloads relay.conf on SIGUSR1
 * DESCRIPTION
 *	See reload.h. What a reload changes: every key read per session
 *	(redis.*, dkim.ed25519, unsubscribe.*, milter.record_ttl,
 *	tracker.status_ttl, testing.clock_offset) for sessions that start
 *	after it. What it cannot: the socket, the libmilter timeout, the
 *	TCP options, the user, the pid file and the key cache's lifetime.
 * SEE ALSO
 *	mlfi.c (mlfi_reload), relay-milter(8)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "conf_diff.h"
#include "daemon.h"
#include "log.h"
#include "mlfi.h"
#include "reload.h"

static const char *conf_path;
static sigset_t	 usr1;
static pthread_t thr;
static int	 started;
static atomic_int quit;
/* the waiter's end, which a stopping main waits for (bounded) */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond;
static int	 done;

void
reload_restart_keys(const struct relay_conf *o, const struct relay_conf *n,
    char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	conf_diff_note(buf, len, conf_diff_str(o->milter.socket,
	    n->milter.socket), "milter.socket");
	conf_diff_note(buf, len, o->milter.timeout_s != n->milter.timeout_s,
	    "milter.timeout");
	conf_diff_note(buf, len, o->milter.tcp_quickack !=
	    n->milter.tcp_quickack, "milter.tcp_quickack");
	conf_diff_note(buf, len, o->milter.worker_wait_ms !=
	    n->milter.worker_wait_ms, "milter.worker_wait_ms");
	conf_diff_note(buf, len, conf_diff_str(o->milter.pid_file,
	    n->milter.pid_file), "milter.pid_file");
	conf_diff_note(buf, len, conf_diff_str(o->milter.metrics,
	    n->milter.metrics), "milter.metrics");
	conf_diff_note_daemon(buf, len, o, n);
	conf_diff_note(buf, len, o->dkim.key_cache_s != n->dkim.key_cache_s,
	    "dkim.key_cache");
}

static void
reload(void)
{
	struct relay_conf *nc;
	struct logkv	 kv;
	char		 restart[256];

	if ((nc = daemon_reload_conf(conf_path)) == NULL)
		return;
	if (atomic_load(&quit)) {
		/* the read outlasted the stop's wait: main may be exiting
		   without clean-up, so touch nothing shared */
		conf_free(nc);
		return;
	}
	reload_restart_keys(mlfi_conf(), nc, restart, sizeof(restart));
	clock_set_offset(nc->testing.clock_offset_s);
	daemon_log_warnings(nc, "milter");	/* (nc is mlfi's after this) */
	mlfi_reload(nc);
	logkv_init(&kv, NULL);
	logkv_str(&kv, "reload", "ok");
	logkv_int(&kv, "ed25519", nc->dkim.ed25519);
	logkv_int(&kv, "clock_offset", nc->testing.clock_offset_s);
	if (restart[0] != '\0')
		logkv_str(&kv, "restart_needed", restart);
	logkv_emit(&kv, restart[0] != '\0' ? LOG_WARNING : LOG_INFO);
}

/*
 * waiter - reload on each SIGUSR1 until reload_stop(), whose own SIGUSR1
 * (to this thread) ends a wait; a reload under way is finished first.
 */
static void *
waiter(void *arg)
{
	int	 sig;

	(void)arg;
	for (;;) {
		if (sigwait(&usr1, &sig) != 0 || sig != SIGUSR1)
			continue;
		if (atomic_load(&quit))
			break;
		reload();
	}
	pthread_mutex_lock(&done_lock);
	done = 1;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
	return NULL;
}

int
reload_block(void)
{
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	return pthread_sigmask(SIG_BLOCK, &usr1, NULL) != 0 ? -1 : 0;
}

int
reload_start(const char *path)
{
	pthread_condattr_t a;
	int	 r;

	conf_path = path;
	/* a bound in seconds that a clock step must not stretch */
	if (pthread_condattr_init(&a) != 0)
		return -1;
	r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&done_cond, &a) == 0 ? 0 : -1;
	pthread_condattr_destroy(&a);
	if (r != 0 || pthread_create(&thr, NULL, waiter, NULL) != 0)
		return -1;
	started = 1;
	return 0;
}

int
reload_stop(int secs)
{
	struct timespec	 until;
	int		 r = 0, end;

	if (!started)
		return 0;
	atomic_store(&quit, 1);
	pthread_kill(thr, SIGUSR1);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&done_lock);
	while (!done && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&done_cond, &done_lock, &until);
	end = done;
	pthread_mutex_unlock(&done_lock);
	if (!end)
		return -1;	/* still in a read: never joined, never freed */
	pthread_join(thr, NULL);
	started = 0;
	return 0;
}

const char *
reload_path(void)
{
	return conf_path;
}
