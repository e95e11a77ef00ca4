/*
 * NAME
 *	reload - relay-milter reloads relay.conf on SIGUSR1
 * DESCRIPTION
 *	libmilter's own signal thread takes SIGHUP as "stop" (like
 *	SIGTERM), so relay-milter reloads on SIGUSR1, as opendkim does.
 *	reload_block(), first thing in main, blocks SIGUSR1 in the process
 *	(every thread made later inherits it): until the reload thread
 *	runs, a SIGUSR1 waits, pending, instead of killing the process.
 *	reload_start() starts the thread that waits for the signal, loads
 *	the file and hands a good one to mlfi_reload(); call it once what a
 *	reload swaps (the config, the fact cache) is set up and main no
 *	longer reads the config: a signal that came earlier is taken then.
 *	A bad file keeps the old config and logs every error (file:line).
 *	Keys that only take effect at start (reload_restart_keys) are named
 *	in the log line. reload_stop() ends and joins the thread (a reload
 *	under way finishes first), waiting at most secs seconds: 0 when it
 *	did, and no reload can overlap the shutdown; -1 when the thread is
 *	still in a reload (its read of the file hangs: an @include'd FIFO,
 *	a hung file system). Then it is left running, and the caller must
 *	free nothing it may use (the config, the caches, the Redis pool)
 *	and just exit; should the read end later, the reload sees the stop
 *	and drops what it read.
 */
#ifndef RELAY_MILTER_RELOAD_H
#define RELAY_MILTER_RELOAD_H

#include <stddef.h>

#include "conf.h"

/* How long a stopping relay-milter waits for a reload under way. */
#define RELOAD_STOP_S	5

int	 reload_block(void);
int	 reload_start(const char *path);
int	 reload_stop(int secs);
/* reload_path - the file reload_start() was given */
const char *reload_path(void);

/*
 * reload_restart_keys - the keys that differ between o and n but are
 * only read at start, comma-separated into buf ("" when none). Pure.
 */
void	 reload_restart_keys(const struct relay_conf *o,
	    const struct relay_conf *n, char *buf, size_t len);

#endif
