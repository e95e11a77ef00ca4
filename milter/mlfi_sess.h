/*
 * NAME
 *	mlfi_sess - relay-milter's live sessions, so that shutdown can wait
 * DESCRIPTION
 *	smfi_main() returns as soon as libmilter has stopped listening; it
 *	neither joins nor drains its worker threads, and a session running
 *	on one goes on using the key cache, the Redis pool, the config, the
 *	metrics and libopendkim. main() must not free them before every
 *	session has ended, so it calls mlfi_sess_drain() first.
 *
 *	A session counts from its negotiation (sess_open, in conn_new)
 *	until its close callback (sess_close) or until libmilter closes
 *	its socket without calling close (sess_sock_closed, sockwrap's
 *	hook): it gets no more callbacks then. It is busy while a libmilter
 *	worker holds it: from its start, and from each read by a worker
 *	until the worker's wait for its next command finds nothing and
 *	hands it back to libmilter's pool (sess_pooled, sockwrap's hook).
 *	A stopped libmilter serves nothing from its pool again (its
 *	workers look at the stop flag before they take a session), so a
 *	pooled session will get no callback either. Each callback also
 *	counts while it runs (mlfi_desc wraps them).
 *
 *	mlfi_sess_drain() waits, at most secs seconds, until no session is
 *	busy and no callback runs, then shuts a gate: a callback that starts
 *	after it (a session taken from the pool in the instant of the stop)
 *	returns at once, a tempfail or continue, and touches nothing shared.
 *	Returns 0 when everything ended in time: then the shared state may
 *	be freed; -1 when not: then it must be left alone (a thread may
 *	still use it) and the process should just exit. The counts left
 *	(busy, pooled, callbacks) come back in *nb, *np, *nc.
 * THREADS
 *	All of it may be called from any thread.
 * SEE ALSO
 *	mlfi.c (conn_new, mlfi_close), sockwrap.h, relay-milter.c
 */
#ifndef RELAY_MILTER_MLFI_SESS_H
#define RELAY_MILTER_MLFI_SESS_H

#include <stddef.h>

#include <libmilter/mfapi.h>

/* One session's entry, kept in its per-connection state. */
struct sess {
	int		 fd;		/* its socket; -1 when not known */
	int		 live;		/* counted: open, not yet closed */
	int		 pooled;	/* in libmilter's pool, not busy */
};

/* sess_init - before any thread */
int	 sess_init(void);
/* sess_open - a session starts, on the socket this thread last read */
void	 sess_open(struct sess *s);
/* sess_close - the session's close callback ran; no-op when not live */
void	 sess_close(struct sess *s);
/* sess_sock_closed - libmilter closes fd (sockwrap's hook) */
void	 sess_sock_closed(int fd);
/* sess_pooled - fd went back to libmilter's pool, or left it (hook) */
void	 sess_pooled(int fd, int pooled);
/* mlfi_sess_count - the sessions busy and pooled, the callbacks running */
void	 mlfi_sess_count(size_t *busy, size_t *pooled, size_t *calls);
/* mlfi_sess_drain - see above */
int	 mlfi_sess_drain(int secs, size_t *nb, size_t *np, size_t *nc);

/* The callbacks of mlfi.c, which mlfi_desc (mlfi_sess.c) wraps. */
extern const struct smfiDesc mlfi_callbacks;

#endif
