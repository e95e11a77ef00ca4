/*
 * NAME
 *	mlfi_eom - relay-milter's end of message
 * DESCRIPTION
 *	The header checks' verdict (mlfi_headers_done), the signatures and
 *	the fields we add, the return path (unsubscribe.return_path), the
 *	record for relay-tracker (store.c), and the one log line of an
 *	accepted message. See mlfi.h.
 * SEE ALSO
 *	mlfi.c, mlfi_priv.h, sign.c, store.c, listunsub.c
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "listunsub.h"
#include "log.h"
#include "mlfi_priv.h"
#include "stats.h"
#include "store.h"
#include "xalloc.h"

/*
 * add_header - append a field (at < 0) or insert it at position at; under
 * SMFIP_HDR_LEADSPC Postfix writes "Name:" and the value as given, so the
 * value then brings its space
 */
static int
add_header(SMFICTX *ctx, const struct conn *cn, int at, const char *name,
    const char *value)
{
	char	*v = (char *)value, *sp = NULL;
	int	 r;

	if (cn->leadspc) {
		sp = xmalloc(strlen(value) + 2);
		sp[0] = ' ';
		strcpy(sp + 1, value);
		v = sp;
	}
	r = at < 0 ? smfi_addheader(ctx, (char *)name, v) :
	    smfi_insheader(ctx, at, (char *)name, v);
	free(sp);
	return r;
}

/* log_accept - the one line for an accepted message */
static void
log_accept(const char *qid, const struct conn *cn, int nsig,
    const char *retpath)
{
	struct logkv	 kv;

	logkv_init(&kv, qid);
	logkv_str(&kv, "stage", "eom");
	logkv_str(&kv, "member", cn->handle);
	logkv_str(&kv, "sender", cn->m.sender);
	logkv_str(&kv, "domain", cn->m.sdomain);
	logkv_int(&kv, "nrcpt", (long long)cn->m.nrcpt);
	logkv_int(&kv, "signatures", nsig);
	logkv_int(&kv, "list_unsubscribe", cn->m.own.lu[0] != '\0');
	if (retpath[0] != '\0')
		logkv_str(&kv, "return_path", retpath);
	if (cn->m.own.msgid[0] != '\0')
		logkv_str(&kv, "added_message_id", cn->m.own.msgid);
	if (cn->m.own.date[0] != '\0')
		logkv_int(&kv, "added_date", 1);
	/* lines Postfix's smtp client will break: signed as broken */
	if (cn->m.sg != NULL && sign_breaks(cn->m.sg) > 0)
		logkv_int(&kv, "line_breaks", (long long)sign_breaks(cn->m.sg));
	logkv_str(&kv, "action", "accept");
	logkv_emit(&kv, LOG_INFO);
}

/*
 * short_qid_warn - once per process, when Postfix gives short queue ids
 * (upper-case hex): they repeat across nodes sharing one Redis, where the
 * queue id is the tracker's key (enable_long_queue_ids = yes).
 */
static void
short_qid_warn(const char *qid)
{
	static atomic_int warned;
	size_t	 i;

	for (i = 0; qid[i] != '\0'; i++)
		if (!((qid[i] >= '0' && qid[i] <= '9') ||
		    (qid[i] >= 'A' && qid[i] <= 'F')))
			return;
	if (i == 0 || i > 12 || atomic_exchange(&warned, 1))
		return;
	log_warn("queue_id=%s warning=\"short queue ids repeat across Postfix "
	    "nodes sharing one Redis: set enable_long_queue_ids = yes in "
	    "main.cf\"", qid);
}

sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct conn		*cn = smfi_getpriv(ctx);
	struct msg		*m;
	struct store_record	 rec;
	struct store_over	 over;
	struct hdr		 ours[OWNHDRS_MAX];
	const char		*qid = mlfi_qid(ctx), *why;
	char			 detail[80], retpath[LISTUNSUB_RETPATH_MAX];
	size_t			 n, k;
	int			 nsig, i, e;
	sfsistat		 r;

	if (cn == NULL || !cn->m.active)
		return SMFIS_TEMPFAIL;
	m = &cn->m;
	if ((r = mlfi_headers_done(ctx, cn)) != SMFIS_CONTINUE)
		goto out;	/* answered with the reply headers_end set */
	if (m->failed != NULL) {
		r = mlfi_tempfail(ctx, cn, "body", m->failed, m->why);
		goto out;
	}
	if (qid[0] == '\0') {
		r = mlfi_tempfail(ctx, cn, "eom", "queue id",
		    "no {i} macro: add it to milter_end_of_data_macros");
		goto out;
	}
	short_qid_warn(qid);
	if (sign_eom(m->sg, &nsig, &why) != 0) {
		r = mlfi_tempfail(ctx, cn, "eom", "dkim sign", why);
		goto out;
	}
	n = ownhdrs_fields(&m->own, ours);
	for (k = 0; k < n; k++)
		if (add_header(ctx, cn, -1, ours[k].name, ours[k].value) !=
		    MI_SUCCESS) {
			r = mlfi_tempfail(ctx, cn, "eom", "milter",
			    "cannot add a header");
			goto out;
		}
	for (i = nsig - 1; i >= 0; i--)
		if (add_header(ctx, cn, 0, "DKIM-Signature",
		    sign_result(m->sg, i)) != MI_SUCCESS) {
			r = mlfi_tempfail(ctx, cn, "eom", "milter",
			    "cannot insert DKIM-Signature");
			goto out;
		}
	/* the return path before the record: Postfix applies it with the
	   reply, and a milter it does not let change the sender writes
	   nothing */
	retpath[0] = '\0';
	if (cn->cr->cf->unsubscribe.return_path && (!cn->chgfrom ||
	    listunsub_return_path(&cn->cr->cf->unsubscribe, cn->handle, qid,
	    retpath, sizeof(retpath)) < 0 || smfi_chgfrom(ctx, retpath,
	    NULL) != MI_SUCCESS)) {
		r = mlfi_tempfail(ctx, cn, "eom", "return path", cn->chgfrom ?
		    "cannot change the envelope sender" : "the MTA does not "
		    "let milters change the envelope sender");
		goto out;
	}
	rec.qid = qid;
	rec.handle = cn->handle;
	rec.domain = m->sdomain;
	rec.sender = m->sender;
	rec.message_id = m->hd.msgid != NULL ? m->hd.msgid : m->own.msgid;
	rec.rcpts = (const char **)m->rcpts;
	rec.nrcpt = m->nrcpt;
	rec.nrcptcmd = m->nrcptcmd;
	rec.now = clock_now();
	rec.charges = m->charges;
	if ((e = store_record(cn->rc, cn->cr->cf, &rec, &over, &why)) != 0) {
		if (e == STORE_OVERCAP) {
			snprintf(detail, sizeof(detail), "%lld messages queued, "
			    "cap %lld", over.queued, over.cap);
			r = mlfi_refuse(ctx, cn, "eom", COND_QUEUE_FULL, m->sender,
			    detail);
		} else if (e == STORE_SUSPENDED)
			r = mlfi_refuse(ctx, cn, "eom", COND_MEMBER_SUSPENDED,
			    m->sender, over.reason);
		else
			r = mlfi_tempfail(ctx, cn, "eom", "redis", why);
		goto out;
	}
	log_accept(qid, cn, nsig, retpath);
	stats_accepted();
	for (i = 0; i < nsig; i++)
		stats_signature(sign_result(m->sg, i));
	r = SMFIS_CONTINUE;
out:
	/* nothing queued: the recipients' warming charges are given back */
	if (r != SMFIS_CONTINUE && m->charges[0] != '\0')
		mlfi_refund(cn, qid, "eom", m->charges);
	mlfi_msg_reset(m);
	return r;
}
