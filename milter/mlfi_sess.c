/*
 * NAME
 *	mlfi_sess - relay-milter's live sessions, so that shutdown can wait
 * DESCRIPTION
 *	See mlfi_sess.h. One mutex over the counts, the gate and the table
 *	of live sessions by socket; the condition variable is signalled
 *	when no session is busy and no callback runs, which only a
 *	draining main waits for.
 *	Sessions whose socket is not known (the connection table of
 *	sockwrap could not be made) are counted but only their close
 *	callback ends them: a drain then waits for its bound.
 *	The table is this file's own, not a slot in sockwrap's per-fd
 *	entry: a close callback may run after libmilter closed the socket,
 *	when the number may already be another connection's, whose entry
 *	sockwrap frees at that one's close without this mutex; here the
 *	lookup (byfd[fd] == s) and the clearing happen under it.
 * SEE ALSO
 *	mlfi_sess.h, mlfi.c, sockwrap.c
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "mlfi.h"
#include "mlfi_sess.h"
#include "sockwrap.h"
#include "xalloc.h"

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 ended;
static size_t		 nsess, nbusy, ncalls;	/* nbusy: live, not pooled */
static int		 gate;		/* drained (or given up): callbacks out */
static struct sess	**byfd;		/* live sessions by socket */
static size_t		 nbyfd;

int
sess_init(void)
{
	pthread_condattr_t a;
	int	 r;

	/* a bound in seconds that a clock step must not stretch */
	if (pthread_condattr_init(&a) != 0)
		return -1;
	r = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&ended, &a) == 0 ? 0 : -1;
	pthread_condattr_destroy(&a);
	if (r == 0) {
		sockwrap_on_close(sess_sock_closed);
		sockwrap_on_pool(sess_pooled);
	}
	return r;
}

/* wake - under lock: tell a draining main when the last one ended */
static void
wake(void)
{
	if (nbusy == 0 && ncalls == 0)
		pthread_cond_broadcast(&ended);
}

void
sess_open(struct sess *s)
{
	size_t	 n;

	s->fd = sockwrap_fd();
	s->live = 1;
	s->pooled = 0;
	pthread_mutex_lock(&lock);
	nsess++;
	nbusy++;
	if (s->fd >= 0) {
		if ((size_t)s->fd >= nbyfd) {
			n = (size_t)s->fd + 64;
			byfd = xrealloc(byfd, n * sizeof(*byfd));
			while (nbyfd < n)
				byfd[nbyfd++] = NULL;
		}
		byfd[s->fd] = s;
	}
	pthread_mutex_unlock(&lock);
}

/* unlink_sess - under lock: s is no longer live */
static void
unlink_sess(struct sess *s)
{
	if (s->fd >= 0 && (size_t)s->fd < nbyfd && byfd[s->fd] == s)
		byfd[s->fd] = NULL;
	s->live = 0;
	nsess--;
	if (!s->pooled)
		nbusy--;
	wake();
}

void
sess_close(struct sess *s)
{
	pthread_mutex_lock(&lock);
	if (s->live)
		unlink_sess(s);
	pthread_mutex_unlock(&lock);
}

/*
 * sess_sock_closed - libmilter closes a session's socket. After a close
 * callback it was unlinked already; if not, libmilter dropped it (its
 * pool, stopping, closes every session it holds) and no command of it
 * will come. The session's state is left as it is: a worker may still
 * be in one of its callbacks (counted in ncalls), and will close it.
 */
void
sess_sock_closed(int fd)
{
	pthread_mutex_lock(&lock);
	if (fd >= 0 && (size_t)fd < nbyfd && byfd[fd] != NULL)
		unlink_sess(byfd[fd]);
	pthread_mutex_unlock(&lock);
}

/*
 * sess_pooled - fd's session went back to libmilter's pool (pooled 1),
 * or a worker took it again (0). Once libmilter has stopped, its pool
 * serves no session again: its workers take no new task (they look at
 * the stop flag first), so the session gets no callback, and is closed
 * only when the process exits. Shutdown does not wait for those.
 */
void
sess_pooled(int fd, int pooled)
{
	struct sess *s;

	pthread_mutex_lock(&lock);
	if (fd >= 0 && (size_t)fd < nbyfd && (s = byfd[fd]) != NULL &&
	    s->pooled != pooled) {
		s->pooled = pooled;
		if (pooled)
			nbusy--;
		else
			nbusy++;
		wake();
	}
	pthread_mutex_unlock(&lock);
}

void
mlfi_sess_count(size_t *busy, size_t *pooled, size_t *calls)
{
	pthread_mutex_lock(&lock);
	*busy = nbusy;
	*pooled = nsess - nbusy;
	*calls = ncalls;
	pthread_mutex_unlock(&lock);
}

int
mlfi_sess_drain(int secs, size_t *nb, size_t *np, size_t *nc)
{
	struct timespec	 until;
	int		 r = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += secs;
	pthread_mutex_lock(&lock);
	while ((nbusy > 0 || ncalls > 0) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&ended, &lock, &until);
	gate = 1;
	*nb = nbusy;
	*np = nsess - nbusy;
	*nc = ncalls;
	r = nbusy == 0 && ncalls == 0 ? 0 : -1;
	pthread_mutex_unlock(&lock);
	return r;
}

/* enter - a callback starts; -1: the gate is shut, touch nothing */
static int
enter(void)
{
	int	 r = 0;

	pthread_mutex_lock(&lock);
	if (gate)
		r = -1;
	else
		ncalls++;
	pthread_mutex_unlock(&lock);
	return r;
}

static sfsistat
leave(sfsistat r)
{
	pthread_mutex_lock(&lock);
	ncalls--;
	wake();
	pthread_mutex_unlock(&lock);
	return r;
}

/*
 * The wrappers. Behind the gate the process is about to exit: the
 * MTA gets a tempfail where it waits for an answer (its
 * milter_default_action where the connection is dropped), and
 * libmilter frees what it owns.
 */
#define CB	mlfi_callbacks

static sfsistat
w_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	if (enter() != 0)
		return SMFIS_REJECT;
	return leave(CB.xxfi_negotiate(ctx, f0, f1, f2, f3, pf0, pf1, pf2,
	    pf3));
}

static sfsistat
w_envfrom(SMFICTX *ctx, char **argv)
{
	return enter() != 0 ? SMFIS_TEMPFAIL :
	    leave(CB.xxfi_envfrom(ctx, argv));
}

static sfsistat
w_envrcpt(SMFICTX *ctx, char **argv)
{
	return enter() != 0 ? SMFIS_TEMPFAIL :
	    leave(CB.xxfi_envrcpt(ctx, argv));
}

static sfsistat
w_header(SMFICTX *ctx, char *name, char *value)
{
	return enter() != 0 ? SMFIS_TEMPFAIL :
	    leave(CB.xxfi_header(ctx, name, value));
}

static sfsistat
w_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	return enter() != 0 ? SMFIS_TEMPFAIL :
	    leave(CB.xxfi_body(ctx, buf, len));
}

static sfsistat
w_eom(SMFICTX *ctx)
{
	return enter() != 0 ? SMFIS_TEMPFAIL : leave(CB.xxfi_eom(ctx));
}

static sfsistat
w_abort(SMFICTX *ctx)
{
	return enter() != 0 ? SMFIS_CONTINUE : leave(CB.xxfi_abort(ctx));
}

static sfsistat
w_close(SMFICTX *ctx)
{
	return enter() != 0 ? SMFIS_CONTINUE : leave(CB.xxfi_close(ctx));
}

struct smfiDesc mlfi_desc = {
	.xxfi_name = "relay-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGFROM,
	.xxfi_envfrom = w_envfrom,
	.xxfi_envrcpt = w_envrcpt,
	.xxfi_header = w_header,
	.xxfi_body = w_body,
	.xxfi_eom = w_eom,
	.xxfi_abort = w_abort,
	.xxfi_close = w_close,
	.xxfi_negotiate = w_negotiate,
};
