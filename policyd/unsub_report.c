/*
 * NAME
 *	unsub_report - relay-unsub -r: a complaint report (feedback loop)
 * DESCRIPTION
 *	See unsub_report.h. The report is read up to ARF_INPUT_MAX octets
 *	(the rest is read and dropped: the original's header comes first);
 *	one Redis connection does every check and write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arf.h"
#include "arfsig.h"
#include "complaint.h"
#include "ident.h"
#include "log.h"
#include "rconn.h"
#include "token.h"
#include "unsub_report.h"
#include "unsub_store.h"
#include "xalloc.h"

#define REPORT_EX_OK		0
#define REPORT_EX_TEMPFAIL	75

struct report {
	const char	*result;	/* suppressed, ignored, deferred */
	const char	*via;		/* url_token, mail_token, message_id */
	const char	*why;
	char		 handle[IDENT_HANDLE_MAX + 1];
	char		 rcpt[ADDR_BUFSIZE];
	int		 n;		/* recipients suppressed */
	int		 added;		/* of them new entries */
	int		 counted;	/* 1 counted, -1 the count failed */
	int		 previous;	/* token of previous_hmac_key */
	char		 signer[256];	/* the trusted DKIM d=, or "" */
	struct unsub_rate rate;		/* the complaint rate after them */
};

size_t
unsub_slurp(char **out, size_t max, int *cut)
{
	char	*buf = xmalloc(max + 1), sink[8192];
	size_t	 len = 0, r;

	*cut = 0;
	while (len < max && (r = fread(buf + len, 1, max - len, stdin)) > 0)
		len += r;
	while (fread(sink, 1, sizeof(sink), stdin) > 0)
		*cut = 1;
	buf[len] = '\0';
	*out = buf;
	return len;
}

/*
 * stored - what a store result means for the report; 1 when it is
 * settled (suppressed, or a failure), 0 to go on with the next way
 */
static int
stored(int e, struct report *rp, const char *via)
{
	switch (e) {
	case UNSUB_STORE_OK:
		rp->result = "suppressed";
		rp->via = via;
		rp->why = "complaint";
		return 1;
	case UNSUB_STORE_EREDIS:
		rp->result = "deferred";
		rp->why = "redis";
		return 1;
	case UNSUB_STORE_ENODATA:
		rp->result = "deferred";
		rp->why = "no relay-suite data in Redis (relay:schema is "
		    "missing)";
		return 1;
	}
	return 0;
}

/*
 * verified - a token named rp's member and recipient: suppress; 1 (the
 * report is settled, a member that no longer exists included)
 */
static int
verified(struct rconn *rc, struct report *rp, const char *via)
{
	rp->n = 1;
	if (!stored(unsub_suppress(rc, rp->handle, rp->rcpt, "complaint",
	    &rp->added), rp, via))
		rp->why = "the member no longer exists";
	return 1;
}

/* by_tokens - the List-Unsubscribe tokens of the reported message */
static int
by_tokens(const struct relay_conf *conf, struct rconn *rc,
    const struct complaint_plan *p, struct report *rp)
{
	const char	*key = conf->unsubscribe.hmac_key;
	const char	*prev = conf->unsubscribe.previous_hmac_key;
	int		 i, ok;

	if (key == NULL || *key == '\0')
		return 0;
	if (p->url_token[0] != '\0' && (ok = token_url_check(key, prev,
	    p->url_token, rp->handle, sizeof(rp->handle), rp->rcpt,
	    sizeof(rp->rcpt))) != TOKEN_BAD) {
		rp->previous = ok == TOKEN_PREVIOUS;
		return verified(rc, rp, "url_token");
	}
	for (i = 0; p->mail_token[0] != '\0' && i < p->ncand; i++)
		if ((ok = token_mail_check(key, prev, p->mail_token,
		    p->cands[i], rp->handle, sizeof(rp->handle))) != TOKEN_BAD) {
			snprintf(rp->rcpt, sizeof(rp->rcpt), "%s",
			    p->cands[i]);
			rp->previous = ok == TOKEN_PREVIOUS;
			return verified(rc, rp, "mail_token");
		}
	rp->handle[0] = rp->rcpt[0] = '\0';
	return 0;
}

/* log_report - one line: event=complaint and what became of it */
static void
log_report(const struct arf *a, const struct report *rp)
{
	struct logkv	 kv;

	logkv_init(&kv, NULL);
	logkv_str(&kv, "event", "complaint");
	logkv_str(&kv, "result", rp->result);
	if (rp->via != NULL)
		logkv_str(&kv, "via", rp->via);
	if (rp->handle[0] != '\0')
		logkv_str(&kv, "member", rp->handle);
	if (rp->rcpt[0] != '\0')
		logkv_str(&kv, "rcpt", rp->rcpt);
	if (rp->previous)
		logkv_str(&kv, "key", "previous");
	if (rp->signer[0] != '\0')
		logkv_str(&kv, "signer", rp->signer);
	if (rp->n > 1)
		logkv_int(&kv, "suppressed", rp->n);
	if (a->feedback_type[0] != '\0')
		logkv_str(&kv, "feedback_type", a->feedback_type);
	if (a->message_id[0] != '\0')
		logkv_str(&kv, "message_id", a->message_id);
	logkv_str(&kv, "why", rp->why);
	if (rp->counted > 0) {
		logkv_int(&kv, "complaints", rp->rate.complaints);
		logkv_int(&kv, "delivered", rp->rate.delivered);
	} else if (rp->counted < 0)
		logkv_str(&kv, "complaints", "not counted (redis)");
	if (rp->rate.suspended)
		logkv_str(&kv, "suspended", rp->rate.text);
	else if (rp->rate.warn)
		logkv_str(&kv, "warning", rp->rate.text);
	logkv_emit(&kv, strcmp(rp->result, "suppressed") != 0 ||
	    rp->rate.suspended || rp->rate.warn || rp->counted < 0 ?
	    LOG_WARNING : LOG_INFO);
}

int
unsub_report(const struct relay_conf *conf)
{
	struct complaint_plan p;
	struct report	 rp;
	struct arf	 a;
	struct rconn	*rc;
	char		*msg, why[256], swhy[256];
	enum arfsig_result sig = ARFSIG_PASS;
	size_t		 len;
	unsigned long	 attempts;
	int		 e, cut;

	memset(&rp, 0, sizeof(rp));
	len = unsub_slurp(&msg, ARF_INPUT_MAX, &cut);
	if (arf_parse(msg, len, &a, why, sizeof(why)) < 0) {
		free(msg);
		rp.result = "ignored";
		rp.why = why;
		printf("complaint report ignored: %s\n", why);
		log_report(&a, &rp);
		return REPORT_EX_OK;
	}
	/* the feedback loops relay.conf trusts sign their reports */
	if (conf->unsubscribe.ncomplaint_signers > 0)
		sig = arfsig_check(conf, msg, len, rp.signer,
		    sizeof(rp.signer), swhy, sizeof(swhy));
	free(msg);
	complaint_plan(&a, conf->unsubscribe.domain,
	    conf->unsubscribe.https_url, &p);
	rp.result = sig == ARFSIG_TEMP ? "deferred" : "ignored";
	rp.why = sig != ARFSIG_PASS ? swhy : p.why;
	if (p.act && sig == ARFSIG_PASS) {
		rc = rconn_new(&conf->redis);
		attempts = conf->redis.wait_replicas > 0 ?
		    rconn_attempts(rc) : 0;
		if (!by_tokens(conf, rc, &p, &rp)) {
			e = unsub_by_msgid(rc, &p, rp.handle,
			    sizeof(rp.handle), rp.rcpt, sizeof(rp.rcpt),
			    &rp.n, &rp.added, &rp.why);
			if (!stored(e, &rp, "message_id") && p.msgid == NULL)
				rp.why = "no List-Unsubscribe token of ours "
				    "verifies and the message has no "
				    "Message-ID";
		}
		/*
		 * A new entry is one more complaint in the member's window
		 * (a report sent again is not); the suppression stands even
		 * when the count fails
		 */
		if (strcmp(rp.result, "suppressed") == 0 && rp.added > 0)
			rp.counted = unsub_complaint_count(rc,
			    &conf->suspension, rp.handle, rp.added,
			    &rp.rate) == 0 ? 1 : -1;
		/* an entry only the primary holds is lost with it */
		if (strcmp(rp.result, "suppressed") == 0 &&
		    conf->redis.wait_replicas > 0 && rconn_wait(rc,
		    conf->redis.wait_replicas, conf->redis.wait_ms,
		    attempts) != 1) {
			snprintf(why, sizeof(why), "%s", rconn_errstr(rc));
			rp.result = "deferred";
			rp.why = why;
		}
		rconn_free(rc);
	}
	printf("complaint report %s: %s\n", rp.result, rp.why);
	fflush(stdout);
	log_report(&a, &rp);
	return strcmp(rp.result, "deferred") == 0 ? REPORT_EX_TEMPFAIL :
	    REPORT_EX_OK;
}
