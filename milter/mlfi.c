/*
 * NAME
 *	mlfi - relay-milter's libmilter callbacks
 * DESCRIPTION
 *	See mlfi.h. Per-connection state is made at negotiation and freed
 *	in close (which may see NULL); per-message state is reset at MAIL
 *	FROM, EOM and abort.
 * SEE ALSO
 *	decide.c (the rules), store.c (Redis), sign.c (libopendkim),
 *	from.c (the From: parser), hdrs.c (the header fields), listunsub.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charges.h"
#include "clock.h"
#include "conditions.h"
#include "decide.h"
#include "fcache.h"
#include "from.h"
#include "hdrs.h"
#include "ident.h"
#include "keycache.h"
#include "listunsub.h"
#include "log.h"
#include "mlfi.h"
#include "mlfi_priv.h"
#include "mlfi_sess.h"
#include "mlfi_state.h"
#include "ownhdrs.h"
#include "rconn.h"
#include "rscript.h"
#include "sign.h"
#include "stats.h"
#include "store.h"
#include "token.h"
#include "xalloc.h"

/* qid_of - the queue id macro, or "" */
const char *
mlfi_qid(SMFICTX *ctx)
{
	const char *q = smfi_getsymval(ctx, "i");

	return q != NULL ? q : "";
}

void
mlfi_refund(struct conn *cn, const char *qid, const char *stage,
    const char *key)
{
	struct logkv	 kv;
	const char	*why = NULL;
	int		 n;

	if (cn->rc == NULL)
		cn->rc = pool_get(cn->cr->cf);
	if ((n = charges_refund(cn->rc, key, &why)) == 0)
		return;
	logkv_init(&kv, qid);
	logkv_str(&kv, "stage", stage);
	logkv_str(&kv, "member", cn->handle);
	charges_emit(&kv, n, why);
}

/*
 * owe - the transaction ends unqueued where Postfix awaits no answer (an
 * abort): its charges are given back at the next MAIL FROM or the close,
 * which come before any charge of a later transaction of the session
 */
static void
owe(struct conn *cn)
{
	if (cn->m.active && cn->m.charges[0] != '\0')
		snprintf(cn->owed, sizeof(cn->owed), "%s", cn->m.charges);
}

/* settle - give back what an aborted transaction owes */
static void
settle(struct conn *cn, const char *stage)
{
	if (cn->owed[0] == '\0')
		return;
	mlfi_refund(cn, "", stage, cn->owed);
	cn->owed[0] = '\0';
}

void
mlfi_msg_reset(struct msg *m)
{
	size_t	 i;

	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	hdrs_free(&m->hd);
	sign_free(m->sg);
	memset(m, 0, sizeof(*m));
}

/*
 * verdict - set the reply of a condition and return what libmilter needs.
 * A '%' in the text would make libmilter drop it: it is written "%%", as
 * smfi_setreply(3) asks ("bounce rate 40.0%" in a suspension's reason).
 */
static sfsistat
verdict(SMFICTX *ctx, enum cond_id id, const char *detail)
{
	const struct cond *c = cond_get(id);
	char	 text[512], out[1024];
	size_t	 i, o = 0;

	cond_text(id, detail, text, sizeof(text));
	for (i = 0; text[i] != '\0' && o + 2 < sizeof(out); i++) {
		if (text[i] == '%')
			out[o++] = '%';
		out[o++] = text[i];
	}
	out[o] = '\0';
	smfi_setreply(ctx, (char *)c->code, (char *)c->dsn, out);
	stats_verdict(1, id);
	return cond_is_temporary(id) ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* tempfail - log what failed and answer queue_full */
sfsistat
mlfi_tempfail(SMFICTX *ctx, struct conn *cn, const char *stage, const char *what,
    const char *why)
{
	struct logkv kv;

	logkv_init(&kv, mlfi_qid(ctx));
	logkv_str(&kv, "stage", stage);
	logkv_str(&kv, "member", cn->handle);
	logkv_str(&kv, "action", "tempfail");
	logkv_str(&kv, "failed", what);
	logkv_str(&kv, "why", why);
	logkv_emit(&kv, LOG_WARNING);
	return verdict(ctx, COND_QUEUE_FULL, NULL);
}

/* refuse - log a refusal and answer with the condition */
sfsistat
mlfi_refuse(SMFICTX *ctx, struct conn *cn, const char *stage, enum cond_id id,
    const char *addr, const char *detail)
{
	struct logkv kv;

	logkv_init(&kv, mlfi_qid(ctx));
	logkv_str(&kv, "stage", stage);
	logkv_str(&kv, "member", cn->handle);
	logkv_str(&kv, "addr", addr);
	logkv_str(&kv, "action", "reject");
	logkv_str(&kv, "condition", cond_get(id)->json);
	logkv_str(&kv, "detail", detail);
	logkv_emit(&kv, LOG_INFO);
	return verdict(ctx, id, detail);
}

/*
 * check_domain - may the connection's member send as domain? 0 allowed
 * (*fact the deciding record), 1 refused (detail set), -1 Redis failed.
 * A domain with no record at all is refused only when Redis holds
 * relay-suite data: an emptied Redis (restarted without persistence)
 * would refuse every member's mail with a 5xx until it is restored,
 * also in the SMTP sessions that logged in before.
 */
static int
check_domain(struct conn *cn, const char *domain, struct dom_fact *fact,
    char *detail, size_t dlen, const char **why)
{
	char		 cands[ADDR_CHAIN_MAX][ADDR_BUFSIZE];
	struct dom_fact	 f[ADDR_CHAIN_MAX];
	size_t		 n, i, match = 0;
	int		 e;

	n = addr_domain_chain(domain, cands, ADDR_CHAIN_MAX);
	if (n > ADDR_CHAIN_MAX) {
		snprintf(detail, dlen, "domain %s has more labels than are "
		    "checked (at most %d)", domain, ADDR_CHAIN_MAX + 1);
		return 1;
	}
	if (store_domains(cn->rc, cands, n, f, why) != 0)
		return -1;
	if (decide_domain(cn->handle, domain, f, n, &match, detail, dlen) ==
	    DECIDE_ALLOW) {
		*fact = f[match];
		return 0;
	}
	for (i = 0; i < n && !f[i].exists; i++)
		;
	if (i < n)
		return 1;
	if ((e = rscript_installed(cn->rc)) < 0) {
		*why = rconn_errstr(cn->rc);
		return -1;
	}
	if (e == 0) {
		*why = "no relay-suite data in Redis (relay:schema is missing: "
		    "restarted without its data, or another database?)";
		return -1;
	}
	return 1;
}

/* conn_new - the session's state, made at negotiation (or connect) */
static struct conn *
conn_new(SMFICTX *ctx)
{
	struct conn *cn = xcalloc(1, sizeof(*cn));

	cn->cr = conf_hold();
	stats_conn(1);
	sess_open(&cn->sess);
	smfi_setpriv(ctx, cn);
	return cn;
}

/*
 * mlfi_negotiate - fewer round trips for Postfix. Steps we have no use
 * for are not sent at all (connect, HELO, DATA, unknown commands, end of
 * headers: the header checks run at the first body chunk or at EOM), and
 * each header and body chunk is sent without awaiting an answer: nothing
 * can be refused there. A failure in such a step is kept and answered at
 * EOM. Only MAIL, RCPT and EOM are answered. (Setting *pf1 replaces what
 * libmilter derived from the missing callbacks, so the SMFIP_NO* steps
 * are named here.)
 *
 * It also names the macros it reads (smfi_setsymlist): {auth_authen} and
 * the session's addresses and ports (whose warming charges relay-policyd
 * recorded: rkey_charges) at MAIL, {rcpt_addr} at RCPT and {i} at DATA and
 * EOM. Postfix sends a skipped step's macros all the same, so the header
 * checks, run at the first body chunk, log the queue id (libmilter drops
 * the DATA macros at the next MAIL). Postfix (2.6 and later) then sends
 * this milter those and no others, whatever milter_mail_macros and
 * milter_end_of_data_macros say: a site that trimmed milter_mail_macros
 * for another milter cannot make its members' mail look unauthenticated
 * (accepted as inbound, unchecked and unsigned). An MTA that does not
 * offer SMFIF_SETSYMLIST gets the lists of its own configuration.
 */
#define MLFI_SKIP	(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NODATA | \
	SMFIP_NOUNKNOWN | SMFIP_NOEOH)
#define MLFI_NOREPLY	(SMFIP_NR_HDR | SMFIP_NR_BODY)
#define MLFI_MAIL_MACROS	"{auth_authen} {client_addr} {client_port} " \
	"{daemon_addr} {daemon_port}"
#define MLFI_RCPT_MACROS	"{rcpt_addr}"
#define MLFI_DATA_MACROS	"i"
#define MLFI_EOM_MACROS		"i"

static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn == NULL)
		cn = conn_new(ctx);
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGFROM);
	cn->chgfrom = (f0 & SMFIF_CHGFROM) != 0;
	if (f0 & SMFIF_SETSYMLIST) {
		if (smfi_setsymlist(ctx, SMFIM_ENVFROM, MLFI_MAIL_MACROS) !=
		    MI_SUCCESS || smfi_setsymlist(ctx, SMFIM_ENVRCPT,
		    MLFI_RCPT_MACROS) != MI_SUCCESS || smfi_setsymlist(ctx,
		    SMFIM_DATA, MLFI_DATA_MACROS) != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_EOM, MLFI_EOM_MACROS) !=
		    MI_SUCCESS) {
			log_msg(LOG_ERR, "negotiate: smfi_setsymlist failed");
			return SMFIS_REJECT;	/* libmilter closes */
		}
		*pf0 |= SMFIF_SETSYMLIST;
	}
	cn->nr = f1 & MLFI_NOREPLY;
	/* header values as written, leading blanks and all: a signed
	   field over the line limit is broken where smtp(8) breaks it */
	cn->leadspc = (f1 & SMFIP_HDR_LEADSPC) != 0;
	*pf1 = cn->nr | (f1 & (MLFI_SKIP | SMFIP_HDR_LEADSPC));
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

/* answer - r, or SMFIS_NOREPLY when Postfix does not wait for this step */
static sfsistat
answer(const struct conn *cn, unsigned long step, sfsistat r)
{
	return cn != NULL && (cn->nr & step) ? SMFIS_NOREPLY : r;
}

/* defer - a no-reply step failed: remember it for EOM */
static sfsistat
defer(struct conn *cn, unsigned long step, const char *what, const char *why)
{
	if (cn != NULL && cn->m.failed == NULL) {
		cn->m.failed = what;
		cn->m.why = why;
	}
	return answer(cn, step, SMFIS_TEMPFAIL);
}

static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn	*cn = smfi_getpriv(ctx);
	const char	*auth = smfi_getsymval(ctx, "{auth_authen}");
	const char	*why;
	char		 detail[DECIDE_DETAIL_MAX], path[MLFI_PATH_MAX];
	struct dom_fact	 fact;
	int		 e;

	if (cn == NULL)
		return SMFIS_TEMPFAIL;
	owe(cn);
	settle(cn, "mail");
	mlfi_msg_reset(&cn->m);
	cn->handle[0] = '\0';
	if (auth == NULL || auth[0] == '\0')
		return SMFIS_ACCEPT;	/* inbound: a reply to an enrolled domain */
	if (ident_handle_norm(auth, cn->handle, sizeof(cn->handle), &why) < 0)
		return mlfi_refuse(ctx, cn, "mail", COND_FROM_NOT_ALLOWED, auth,
		    "login is not a member handle");
	e = argv[0] != NULL ? addr_path(argv[0], path, sizeof(path)) :
	    ADDR_EEMPTY;
	if (e != ADDR_OK)
		return mlfi_refuse(ctx, cn, "mail", COND_FROM_NOT_ALLOWED, argv[0] ?
		    argv[0] : "", addr_strerror(e));
	if (path[0] == '\0')
		return mlfi_refuse(ctx, cn, "mail", COND_FROM_NOT_ALLOWED, "<>",
		    "the null sender <> is not allowed for members");
	if ((e = addr_split(path, NULL, 0, cn->m.domain,
	    sizeof(cn->m.domain))) != ADDR_OK ||
	    addr_norm(path, cn->m.sender, sizeof(cn->m.sender)) != ADDR_OK)
		return mlfi_refuse(ctx, cn, "mail", COND_FROM_NOT_ALLOWED, argv[0],
		    addr_strerror(e));
	if (cn->rc == NULL)
		cn->rc = pool_get(cn->cr->cf);
	e = check_domain(cn, cn->m.domain, &fact, detail, sizeof(detail), &why);
	if (e < 0)
		return mlfi_tempfail(ctx, cn, "mail", "redis", why);
	if (e > 0)
		return mlfi_refuse(ctx, cn, "mail", COND_FROM_NOT_ALLOWED,
		    cn->m.sender, detail);
	cn->m.dfact = fact;
	cn->m.active = 1;
	(void)rkey_charges(cn->m.charges, sizeof(cn->m.charges), cn->handle,
	    cn->cr->cf->tracker.node, smfi_getsymval(ctx, "{client_addr}"),
	    smfi_getsymval(ctx, "{client_port}"),
	    smfi_getsymval(ctx, "{daemon_addr}"),
	    smfi_getsymval(ctx, "{daemon_port}"));
	return SMFIS_CONTINUE;
}

/*
 * rcpt_norm - the mailbox an RCPT argument or {rcpt_addr} names (no
 * brackets, white space or source route: addr_path), normalised into
 * addr; -1 when addr.c cannot normalise it (an address literal, a
 * one-label domain), with the bare path in addr
 */
static int
rcpt_norm(const char *in, char *addr, size_t len)
{
	char	 path[MLFI_PATH_MAX];

	if (addr_path(in, path, sizeof(path)) != ADDR_OK)
		snprintf(path, sizeof(path), "%s", in);
	if (addr_norm(path, addr, len) == ADDR_OK)
		return 0;
	snprintf(addr, len, "%s", path);
	return -1;
}

static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn	*cn = smfi_getpriv(ctx);
	char		 as[2][MLFI_PATH_MAX];
	const char	*in[2], *why, *rec;
	int		 ok[2], s, i;
	size_t		 j;

	if (cn == NULL || !cn->m.active)
		return SMFIS_TEMPFAIL;
	/*
	 * Two spellings of the recipient: as the member wrote it, and as
	 * Postfix resolved it ({rcpt_addr}), which is where the message
	 * goes. They differ where Postfix rewrites an address at one of its
	 * own domains or addresses: the percent hack (a%b@[relay IP]), a bang
	 * path (b!a@relay-host), a quoted "a@b"@localhost all go to a@b.
	 * Either on the suppression list refuses the recipient. The
	 * resolved one is kept (recorded, the List-Unsubscribe token): it is
	 * the to= the tracker reads. An address addr.c cannot normalise
	 * cannot be on a list (only normalised addresses are stored there):
	 * it goes on, recorded as that mailbox (the tracker matches it as is).
	 */
	in[0] = argv[0] ? argv[0] : "";
	in[1] = smfi_getsymval(ctx, "{rcpt_addr}");
	if (in[1] == NULL || *in[1] == '\0')
		in[1] = in[0];
	for (i = 0; i < 2; i++) {
		ok[i] = rcpt_norm(in[i], as[i], sizeof(as[i])) == 0;
		if (!ok[i] || (i == 1 && strcmp(as[1], as[0]) == 0))
			continue;
		s = store_suppressed(cn->rc, cn->handle, as[i], &why);
		if (s < 0)
			return mlfi_tempfail(ctx, cn, "rcpt", "redis", why);
		if (s > 0)
			return mlfi_refuse(ctx, cn, "rcpt",
			    COND_RECIPIENT_SUPPRESSED, as[i],
			    decide_suppress_detail(s));
	}
	rec = ok[1] || !ok[0] ? as[1] : as[0];
	cn->m.nrcptcmd++;	/* each is charged by relay-policyd */
	/*
	 * The same mailbox again (an address in To, Cc and Bcc, as
	 * Python's smtplib.send_message gives it): Postfix's cleanup
	 * delivers it once, so it is one recipient here too (the record,
	 * List-Unsubscribe's one-recipient rule).
	 */
	for (j = 0; j < cn->m.nrcpt; j++)
		if (strcmp(cn->m.rcpts[j], rec) == 0)
			return SMFIS_CONTINUE;
	if (cn->m.nrcpt == cn->m.rcap) {
		cn->m.rcap = cn->m.rcap ? cn->m.rcap * 2 : 4;
		cn->m.rcpts = xrealloc(cn->m.rcpts,
		    cn->m.rcap * sizeof(*cn->m.rcpts));
	}
	cn->m.rcpts[cn->m.nrcpt++] = xstrdup(rec);
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn	*cn = smfi_getpriv(ctx);

	if (cn == NULL || !cn->m.active)
		return defer(cn, SMFIP_NR_HDR, "header", "no transaction");
	cn->m.hd.leadspc = cn->leadspc;
	hdrs_add(&cn->m.hd, name, value);
	return answer(cn, SMFIP_NR_HDR, SMFIS_CONTINUE);
}

/* make_signer - keys (cached or from Redis) and a signer for the domain */
static int
make_signer(SMFICTX *ctx, struct conn *cn, const struct dom_fact *f,
    const char **what, const char **why)
{
	char	*rsa = NULL, *ed = NULL, id[480], origin[512];
	int	 ed_on = cn->cr->cf->dkim.ed25519;

	/*
	 * This session's Redis (after a reload it may not be the new one),
	 * and whether Ed25519 keys are read at all: with dkim.ed25519 off
	 * the domain's is neither read nor checked
	 */
	rconn_ident(cn->rc, id, sizeof(id));
	snprintf(origin, sizeof(origin), "%s%s", id, ed_on ? "" : " rsa-only");
	if (!keycache_get(mlfi_keys(), origin, f->domain, f->selector,
	    f->created, clock_mono_ms(), &rsa, &ed)) {
		*what = "dkim key";
		if (store_dkim(cn->rc, f->domain, f->selector, ed_on, &rsa,
		    &ed, why) != 0)
			return -1;
		if (sign_key_check(rsa, ed, why) != 0) {
			free(rsa);
			free(ed);
			return -1;
		}
		keycache_put(mlfi_keys(), origin, f->domain, f->selector,
		    f->created, clock_mono_ms(), rsa, ed);
	}
	*what = "dkim sign";
	cn->m.sg = sign_new(mlfi_qid(ctx)[0] ? mlfi_qid(ctx) : "relay-milter",
	    f->domain, f->selector, rsa,
	    ed_on ? ed : NULL,
	    (size_t)cn->cr->cf->milter.line_length_limit,
	    (size_t)cn->cr->cf->milter.record_length_limit, why);
	free(rsa);
	free(ed);
	return cn->m.sg != NULL ? 0 : -1;
}

/*
 * originators - Sender:, Resent-From: and Resent-Sender:, when present,
 * are held to From:'s rule (a domain of the member's, verified): a
 * reader's client shows them as the author too
 */
static sfsistat
originators(SMFICTX *ctx, struct conn *cn, const char *from_domain)
{
	struct from_result	 of;
	struct dom_fact		 f;
	char			 detail[DECIDE_DETAIL_MAX];
	char			 hd[DECIDE_DETAIL_MAX + 40];
	const char		*name, *d, *why = "";
	size_t			 pos = 0;
	int			 e;

	while ((e = hdrs_originator(&cn->m.hd, &pos, &of, &name, &d)) !=
	    HDRS_NONE) {
		if (e == FROM_OK && (strcasecmp(of.domain, from_domain) == 0 ||
		    strcasecmp(of.domain, cn->m.domain) == 0))
			continue;
		if (e == FROM_OK && (e = check_domain(cn, of.domain, &f,
		    detail, sizeof(detail), &why)) < 0)
			return mlfi_tempfail(ctx, cn, "header", "redis", why);
		if (e == 0)
			continue;
		snprintf(hd, sizeof(hd), "header %.20s: %s", name,
		    e > 0 ? detail : d);
		return mlfi_refuse(ctx, cn, "header", COND_FROM_NOT_ALLOWED, of.addr,
		    hd);
	}
	return SMFIS_CONTINUE;
}

/*
 * own_fields - what we add to the message: a Message-ID and a Date when
 * it has none (on the signing domain; see ownhdrs.h), List-Unsubscribe
 * when the domain asks and the message has one recipient
 */
static sfsistat
own_fields(SMFICTX *ctx, struct conn *cn, const struct dom_fact *fact)
{
	struct msg	*m = &cn->m;
	char		 hex[OWNHDRS_RANDOM_HEX + 1];

	if (!m->hd.msgid_seen && (token_random_hex(OWNHDRS_RANDOM_HEX / 2,
	    hex, sizeof(hex)) != 0 ||
	    ownhdrs_msgid(&m->own, clock_now(), hex, m->sdomain) != 0))
		return mlfi_tempfail(ctx, cn, "header", "message-id",
		    "no Message-ID could be made");
	if (!m->hd.date_seen && ownhdrs_date(&m->own, clock_now()) != 0)
		return mlfi_tempfail(ctx, cn, "header", "date",
		    "no Date could be made");
	if (decide_listunsub(fact, &cn->cr->cf->unsubscribe, m->hd.has_lu,
	    m->nrcpt, m->nrcpt > 0 ? m->rcpts[0] : "") &&
	    listunsub_build(&cn->cr->cf->unsubscribe, cn->handle, m->rcpts[0],
	    m->own.lu, sizeof(m->own.lu), m->own.post,
	    sizeof(m->own.post)) != 0)
		return mlfi_tempfail(ctx, cn, "header", "list-unsubscribe",
		    "token could not be made");
	return SMFIS_CONTINUE;
}

/*
 * headers_end - the checks at the end of the headers: one From: address
 * on a domain of the member's, the signer, List-Unsubscribe, the headers
 * fed to the signer. Run once per message, at the first body chunk or at
 * EOM (Postfix does not send the end of headers: SMFIP_NOEOH).
 */
static sfsistat
headers_end(SMFICTX *ctx, struct conn *cn)
{
	struct msg		*m;
	struct from_result	 fr;
	struct dom_fact		 fact;
	struct hdr		 ours[OWNHDRS_MAX];
	char			 detail[DECIDE_DETAIL_MAX];
	const char		*d, *why = "", *what;
	size_t			 n;
	int			 e;

	m = &cn->m;
	if (m->failed != NULL)
		return mlfi_tempfail(ctx, cn, "header", m->failed, m->why);
	if (hdrs_from(&m->hd, &fr, &d) != FROM_OK)
		return mlfi_refuse(ctx, cn, "header", COND_FROM_NOT_ALLOWED,
		    fr.addr, d);
	/*
	 * The usual case, From: on the envelope's domain, was decided at MAIL
	 * FROM of this transaction, from the same record: not read again.
	 */
	if (strcasecmp(fr.domain, m->domain) == 0) {
		fact = m->dfact;
		e = 0;
	} else
		e = check_domain(cn, fr.domain, &fact, detail, sizeof(detail),
		    &why);
	if (e < 0)
		return mlfi_tempfail(ctx, cn, "header", "redis", why);
	if (e > 0) {
		/* the same words as at MAIL FROM: say which address it is */
		char	 hd[DECIDE_DETAIL_MAX + 16];

		snprintf(hd, sizeof(hd), "header From: %s", detail);
		return mlfi_refuse(ctx, cn, "header", COND_FROM_NOT_ALLOWED, fr.addr,
		    hd);
	}
	if (decide_from_warming(&m->dfact, &fact, &cn->cr->cf->warming,
	    clock_now(), detail, sizeof(detail)) != DECIDE_ALLOW)
		return mlfi_refuse(ctx, cn, "header", COND_FROM_NOT_ALLOWED, fr.addr,
		    detail);
	if ((e = originators(ctx, cn, fr.domain)) != SMFIS_CONTINUE)
		return e;
	snprintf(m->sdomain, sizeof(m->sdomain), "%s", fact.domain);
	if (make_signer(ctx, cn, &fact, &what, &why) != 0)
		return mlfi_tempfail(ctx, cn, "header", what, why);
	if ((e = own_fields(ctx, cn, &fact)) != SMFIS_CONTINUE)
		return e;
	/* Our headers are appended at EOM: they are signed in that place. */
	n = ownhdrs_fields(&m->own, ours);
	if (hdrs_sign(&m->hd, m->sg, ours, n, &why) != 0)
		return mlfi_tempfail(ctx, cn, "header", "dkim sign", why);
	return SMFIS_CONTINUE;
}

/* headers_done - run headers_end once; its verdict */
sfsistat
mlfi_headers_done(SMFICTX *ctx, struct conn *cn)
{
	if (!cn->m.hdone) {
		cn->m.hdone = 1;
		cn->m.hverdict = headers_end(ctx, cn);
	}
	return cn->m.hverdict;
}

static sfsistat
mlfi_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	struct conn	*cn = smfi_getpriv(ctx);
	const char	*why;
	sfsistat	 r;

	if (cn == NULL || !cn->m.active)
		return defer(cn, SMFIP_NR_BODY, "body", "no transaction");
	if ((r = mlfi_headers_done(ctx, cn)) != SMFIS_CONTINUE)
		return answer(cn, SMFIP_NR_BODY, r);
	if (cn->m.failed != NULL)
		return answer(cn, SMFIP_NR_BODY, SMFIS_TEMPFAIL);
	if (sign_body(cn->m.sg, buf, len, &why) != 0) {
		if (!(cn->nr & SMFIP_NR_BODY))
			return mlfi_tempfail(ctx, cn, "body", "dkim sign", why);
		return defer(cn, SMFIP_NR_BODY, "dkim sign", why);
	}
	return answer(cn, SMFIP_NR_BODY, SMFIS_CONTINUE);
}

static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn != NULL) {
		owe(cn);
		mlfi_msg_reset(&cn->m);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct conn *cn = smfi_getpriv(ctx);

	if (cn == NULL)
		return SMFIS_CONTINUE;
	owe(cn);
	settle(cn, "close");
	mlfi_msg_reset(&cn->m);
	pool_put(cn->rc, cn->cr);
	conf_release(cn->cr);
	stats_conn(-1);
	smfi_setpriv(ctx, NULL);
	sess_close(&cn->sess);
	free(cn);
	return SMFIS_CONTINUE;
}

/* What mlfi_desc (mlfi_sess.c) calls, each counted while it runs. */
const struct smfiDesc mlfi_callbacks = {
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_body = mlfi_body,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_negotiate = mlfi_negotiate,
};
