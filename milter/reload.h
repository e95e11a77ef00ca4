/*
 * NAME
 *	reload - relay-milter reloads relay.conf on SIGUSR1
 * DESCRIPTION
 *	libmilter's own signal thread takes SIGHUP as "stop" (like
 *	SIGTERM), so relay-milter reloads on SIGUSR1, as opendkim does.
 *	reload_start() blocks SIGUSR1 (and the signals libmilter's own
 *	signal thread waits for) in the calling thread, so call it before
 *	any other thread is made (they inherit the mask), and
 *	starts a thread that waits for the signal, loads the file and hands
 *	a good one to mlfi_reload(). A bad file keeps the old config and
 *	logs every error (file:line). Keys that only take effect at start
 *	(reload_restart_keys) are named in the log line.
 */
#ifndef RELAY_MILTER_RELOAD_H
#define RELAY_MILTER_RELOAD_H

#include <stddef.h>

#include "conf.h"

int	 reload_start(const char *path);

/*
 * reload_restart_keys - the keys that differ between o and n but are
 * only read at start, comma-separated into buf ("" when none). Pure.
 */
void	 reload_restart_keys(const struct relay_conf *o,
	    const struct relay_conf *n, char *buf, size_t len);

#endif
