/*
 * NAME
 *	unsub_bounce - relay-unsub -b: a message to a return path
 * DESCRIPTION
 *	See unsub_bounce.h. Every failed recipient is applied before the
 *	message is forwarded, and nothing is forwarded when one of them is
 *	to be tried again: a retry applies nothing twice (the recipient is
 *	no longer "sent") and forwards once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bounce.h"
#include "dsn.h"
#include "ident.h"
#include "log.h"
#include "qsbmf.h"
#include "rconn.h"
#include "token.h"
#include "unsub_bounce.h"
#include "unsub_report.h"
#include "unsub_store.h"

#define B_EX_OK		0
#define B_EX_TEMPFAIL	75

struct run {
	char		 handle[IDENT_HANDLE_MAX + 1];
	char		 qid[TOKEN_QID_MAX + 1];
	char		 sender[ADDR_BUFSIZE];	/* to forward to */
	int		 temp;		/* try again: forward nothing */
	int		 drop;		/* nobody to forward to */
	const char	*why;		/* of temp or drop */
	int		 failed, counted;
	int		 previous;	/* token of previous_hmac_key */
};

/* log_rcpt - event=bounce for one failed recipient */
static void
log_rcpt(const struct run *b, const struct dsn_rcpt *dr, const char *cls,
    const struct unsub_bounce_out *o, const char *result, const char *why)
{
	struct logkv	 kv;

	logkv_init(&kv, b->qid);
	logkv_str(&kv, "event", "bounce");
	logkv_str(&kv, "result", result);
	logkv_str(&kv, "member", b->handle);
	logkv_str(&kv, "rcpt", o->rcpt[0] != '\0' ? o->rcpt :
	    dr->orig_rcpt[0] != '\0' ? dr->orig_rcpt : dr->final_rcpt);
	logkv_str(&kv, "dsn", dr->status);
	logkv_str(&kv, "class", cls);
	if (dr->diag[0] != '\0')
		logkv_str(&kv, "reply", dr->diag);
	if (o->soft > 0)
		logkv_int(&kv, "soft", o->soft);
	if (o->suppressed[0] != '\0')
		logkv_str(&kv, "suppressed", o->suppressed);
	if (o->code == UNSUB_BOUNCE_COUNTED) {
		logkv_int(&kv, "sent", o->sent);
		logkv_int(&kv, "bounced", o->bounced);
	}
	if (o->suspended)
		logkv_str(&kv, "suspended", o->text);
	else if (o->warn)
		logkv_str(&kv, "warning", o->text);
	logkv_str(&kv, "why", why);
	logkv_emit(&kv, o->suspended || o->warn || strcmp(result,
	    "deferred") == 0 ? LOG_WARNING : LOG_INFO);
}

/* store_failed - an unsub_bounce_apply() failure: try again */
static void
store_failed(struct run *b, int e)
{
	b->temp = 1;
	b->why = e == UNSUB_STORE_ENODATA ? "no relay-suite data in Redis "
	    "(relay:schema is missing)" : "redis";
}

/* settled - what the record said about the message: 0 to go on */
static int
settled(struct run *b, const struct unsub_bounce_out *o)
{
	if (o->sender[0] != '\0')
		snprintf(b->sender, sizeof(b->sender), "%s", o->sender);
	if (o->code == UNSUB_BOUNCE_NORECORD) {
		b->drop = 1;
		b->why = "the message's record is gone (older than "
		    "tracker.status_ttl)";
		return 1;
	}
	if (o->code == UNSUB_BOUNCE_GONE) {
		b->drop = 1;
		b->why = "the member that sent it no longer exists";
		return 1;
	}
	return 0;
}

/* apply - each failed recipient of the bounce d */
static void
apply(const struct relay_conf *conf, struct rconn *rc, const struct dsn *d,
    struct run *b)
{
	struct unsub_bounce_in in;
	struct unsub_bounce_out o;
	struct bounce_action a;
	enum bounce_class bc;
	const char	*cls, *why;
	size_t		 i;
	int		 e;

	for (i = 0; i < d->nrcpt && !b->temp && !b->drop; i++) {
		const struct dsn_rcpt *dr = &d->rcpt[i];

		if (strcmp(dr->action, "failed") != 0)
			continue;
		b->failed++;
		bc = bounce_classify_reply(dr->status, dr->diag);
		bounce_decide(MAILLOG_ST_BOUNCED, bc, &a);
		cls = bounce_class_name(bc);
		memset(&in, 0, sizeof(in));
		in.handle = b->handle;
		in.qid = b->qid;
		in.postfix_qid = d->postfix_qid;
		in.cand[0] = dr->orig_rcpt;
		in.cand[1] = dr->final_rcpt;
		in.status = dr->status;
		in.class = cls;
		in.diag = dr->diag;
		in.suppress = a.suppress_hard;
		in.soft_step = a.soft_step;
		if ((e = unsub_bounce_apply(rc, conf, &in,
		    &o)) != UNSUB_STORE_OK) {
			store_failed(b, e);
			memset(&o, 0, sizeof(o));
			log_rcpt(b, dr, cls, &o, "deferred", b->why);
			return;
		}
		if (settled(b, &o))
			return;
		switch (o.code) {
		case UNSUB_BOUNCE_COUNTED:
			b->counted++;
			why = "delivered, then bounced";
			break;
		case UNSUB_BOUNCE_NORCPT:
			why = "not a recipient of the message";
			break;
		case UNSUB_BOUNCE_EARLY:
			b->temp = 1;
			b->why = why = "its delivery is not recorded yet "
			    "(relay-tracker behind?)";
			break;
		default:
			why = "counted already (the relay's own bounce, or "
			    "one before)";
			break;
		}
		log_rcpt(b, dr, cls, &o, o.code == UNSUB_BOUNCE_COUNTED ?
		    "counted" : b->temp ? "deferred" : "ignored", why);
	}
}

/*
 * forward - msg to `to` with the null sender through sendmail; 0, or -1
 * with why
 */
static int
forward(const char *sendmail, const char *msg, size_t len, const char *to,
    char *why, size_t whylen)
{
	int		 fd[2], st;
	pid_t		 pid;
	size_t		 off = 0;
	ssize_t		 n;
	void		 (*old)(int);

	if (pipe(fd) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		/* stdout is Postfix's status text: sendmail's goes to stderr */
		if (dup2(fd[0], 0) < 0 || dup2(2, 1) < 0)
			_exit(75);
		close(fd[0]);
		close(fd[1]);
		execl(sendmail, "sendmail", "-i", "-f", "<>", "--", to,
		    (char *)NULL);
		_exit(75);
	}
	close(fd[0]);
	old = signal(SIGPIPE, SIG_IGN);
	while (off < len && ((n = write(fd[1], msg + off, len - off)) > 0 ||
	    (n < 0 && errno == EINTR)))
		if (n > 0)
			off += (size_t)n;
	close(fd[1]);
	signal(SIGPIPE, old);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, whylen, "%s exited %d", sendmail,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	if (off < len) {
		snprintf(why, whylen, "%s took %zu of %zu octets", sendmail,
		    off, len);
		return -1;
	}
	return 0;
}

/*
 * log_done - event=bounce for the message: forwarded or not, and why; fmt
 * is what it was read as: "yes" (RFC 3464), "qsbmf" (qmail's) or "no"
 */
static void
log_done(const struct run *b, const struct dsn *d, const char *fmt,
    const char *result, const char *why)
{
	struct logkv	 kv;

	logkv_init(&kv, b->qid[0] != '\0' ? b->qid : NULL);
	logkv_str(&kv, "event", "bounce");
	logkv_str(&kv, "result", result);
	if (b->handle[0] != '\0')
		logkv_str(&kv, "member", b->handle);
	if (b->sender[0] != '\0')
		logkv_str(&kv, "to", b->sender);
	if (b->previous)
		logkv_str(&kv, "key", "previous");
	logkv_str(&kv, "dsn", fmt);
	if (d->is_dsn && d->reporting_mta[0] != '\0')
		logkv_str(&kv, "reporting_mta", d->reporting_mta);
	logkv_int(&kv, "failed", b->failed);
	logkv_int(&kv, "counted", b->counted);
	logkv_str(&kv, "why", why);
	logkv_emit(&kv, strcmp(result, "forwarded") == 0 ? LOG_INFO :
	    LOG_WARNING);
}

int
unsub_bounce(const struct relay_conf *conf, const char *token)
{
	static struct dsn d;
	struct unsub_bounce_in in;
	struct unsub_bounce_out o;
	struct run	 b;
	struct rconn	*rc;
	const char	*key = conf->unsubscribe.hmac_key, *dwhy = "";
	char		*msg, why[256];
	size_t		 len;
	const char	*fmt = "no";
	unsigned long	 attempts;
	int		 cut, e, ok, code = B_EX_OK;

	memset(&b, 0, sizeof(b));
	len = unsub_slurp(&msg, UNSUB_BOUNCE_MAX, &cut);
	if (key == NULL || *key == '\0') {
		free(msg);
		log_done(&b, &d, fmt, "deferred", "unsubscribe.hmac_key is not "
		    "set");
		printf("return path service unavailable\n");
		return B_EX_TEMPFAIL;
	}
	if ((ok = token_bounce_check(key, conf->unsubscribe.previous_hmac_key,
	    token, b.handle, sizeof(b.handle), b.qid,
	    sizeof(b.qid))) == TOKEN_BAD) {
		free(msg);
		b.handle[0] = b.qid[0] = '\0';
		log_done(&b, &d, fmt, "dropped", "the return path's token does "
		    "not verify");
		printf("unknown return path: dropped\n");
		return B_EX_OK;
	}
	b.previous = ok == TOKEN_PREVIOUS;
	/* an RFC 3464 report, else a qmail bounce; else dsn_parse()'s why */
	if (dsn_parse(msg, len, &d, &dwhy) == 0)
		fmt = "yes";
	else if (qsbmf_parse(msg, len, &d, NULL) == 0)
		fmt = "qsbmf";
	rc = rconn_new(&conf->redis);
	attempts = conf->redis.wait_replicas > 0 ? rconn_attempts(rc) : 0;
	if (d.is_dsn)
		apply(conf, rc, &d, &b);
	if (!b.temp && !b.drop && b.sender[0] == '\0') {
		/* nothing applied: the record only says where it goes */
		memset(&in, 0, sizeof(in));
		in.handle = b.handle;
		in.qid = b.qid;
		in.postfix_qid = in.cand[0] = in.cand[1] = "";
		in.status = in.class = in.diag = "";
		if ((e = unsub_bounce_apply(rc, conf, &in,
		    &o)) != UNSUB_STORE_OK)
			store_failed(&b, e);
		else
			settled(&b, &o);
	}
	/* what only the primary holds is lost with it: deferred until not */
	if (!b.temp && !b.drop && conf->redis.wait_replicas > 0 &&
	    rconn_wait(rc, conf->redis.wait_replicas, conf->redis.wait_ms,
	    attempts) != 1) {
		snprintf(why, sizeof(why), "%s", rconn_errstr(rc));
		b.temp = 1;
		b.why = why;
	}
	rconn_free(rc);
	if (b.temp) {
		log_done(&b, &d, fmt, "deferred", b.why);
		code = B_EX_TEMPFAIL;
	} else if (b.drop) {
		log_done(&b, &d, fmt, "dropped", b.why);
	} else if (cut) {
		log_done(&b, &d, fmt, "dropped", "larger than 64 MB: not "
		    "forwarded");
	} else if (forward(conf->unsubscribe.sendmail, msg, len, b.sender,
	    why, sizeof(why)) < 0) {
		log_done(&b, &d, fmt, "deferred", why);
		code = B_EX_TEMPFAIL;
	} else
		log_done(&b, &d, fmt, "forwarded", *fmt == 'y' ? "a delivery "
		    "status notification" : *fmt == 'q' ? "a qmail bounce "
		    "(QSBMF)" : dwhy);
	free(msg);
	printf("%s\n", code == B_EX_OK ? "bounce taken" :
	    "bounce deferred");
	return code;
}
