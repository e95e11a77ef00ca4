/*
 * NAME
 *	mlfi - relay-milter's libmilter callbacks: gather, decide, apply
 * DESCRIPTION
 *	mlfi_init() keeps the configuration, makes the key cache and the
 *	pool of Redis connections; mlfi_desc is what smfi_register() takes
 *	(mlfi_sess.c: the callbacks of mlfi.c, each counted while it runs,
 *	so that shutdown can wait for the sessions: mlfi_sess.h).
 *	The callbacks, stage by stage:
 *	  MAIL FROM  no {auth_authen}: SMFIS_ACCEPT (inbound replies cost
 *	             nothing). Else the envelope sender's domain must be
 *	             enrolled and verified under the login (decide.c).
 *	  RCPT TO    a suppressed recipient is refused, the others go on.
 *	  headers    kept until the end of the headers.
 *	  EOH        exactly one From: address, enrolled and verified under
 *	             the login; the DKIM signer is made with the domain's
 *	             keys; List-Unsubscribe decided, built and fed to it.
 *	  body       streamed into the signer.
 *	  EOM        the headers added, the signatures inserted first, the
 *	             record for the tracker written; then accepted.
 *	Any backend failure (Redis, a key, libopendkim) is a tempfail with
 *	the queue_full condition and a log line saying what failed.
 * THREADS
 *	libmilter runs a thread per connection. Each connection borrows one
 *	Redis connection from the pool for its lifetime and gives it back at
 *	close, so Redis connections outlive SMTP sessions.
 */
#ifndef RELAY_MILTER_MLFI_H
#define RELAY_MILTER_MLFI_H

#include <libmilter/mfapi.h>

#include "conf.h"

extern struct smfiDesc mlfi_desc;

/* mlfi_init - before any thread; the milter owns cf from now on */
int	 mlfi_init(struct relay_conf *cf);
/*
 * mlfi_reload - from now on new milter connections (SMTP sessions) use
 * cf; sessions already open finish under the config they started with,
 * which is freed when the last of them closes. Pooled Redis connections
 * are dropped (the redis settings may have changed).
 */
void	 mlfi_reload(struct relay_conf *cf);
/* mlfi_conf - the current config (read it, do not keep it across a reload) */
const struct relay_conf *mlfi_conf(void);
/* mlfi_shutdown - once mlfi_sess_drain() said every session ended; frees
   the config, the key cache and the pool */
void	 mlfi_shutdown(void);

#endif
