/*
 * NAME
 *	mlfi_priv - relay-milter's session and message state, shared by the
 *	callbacks of mlfi.c and the end of message in mlfi_eom.c
 * DESCRIPTION
 *	struct conn is one SMTP session (made at negotiation, freed at
 *	close), struct msg its transaction (reset at MAIL FROM, end of
 *	message and abort). The helpers answer Postfix: mlfi_tempfail()
 *	logs what failed and answers 451 4.4.2 (queue_full),
 *	mlfi_refuse() logs a refusal and answers its condition;
 *	mlfi_headers_done() runs the header checks once (at the first body
 *	chunk or at end of message) and keeps their verdict.
 * SEE ALSO
 *	mlfi.c, mlfi_eom.c, mlfi.h
 */
#ifndef RELAY_MILTER_MLFI_PRIV_H
#define RELAY_MILTER_MLFI_PRIV_H

#include <stddef.h>

#include <libmilter/mfapi.h>

#include "addr.h"
#include "conditions.h"
#include "decide.h"
#include "hdrs.h"
#include "ident.h"
#include "mlfi_sess.h"
#include "mlfi_state.h"
#include "ownhdrs.h"
#include "rconn.h"
#include "rkeys.h"
#include "sign.h"

#define QID_MAX		64
/* an envelope path as sent: over Postfix's line_length_limit (2048) */
#define MLFI_PATH_MAX	4096

struct msg {
	int		 active;		/* an authenticated transaction */
	const char	*failed;	/* a no-reply step failed: say so at EOM */
	const char	*why;
	int		 hdone;		/* the header checks ran (first body or EOM) */
	sfsistat	 hverdict;	/* their verdict, kept for EOM */
	char		 sender[ADDR_BUFSIZE];
	char		 domain[ADDR_BUFSIZE];	/* envelope domain */
	struct dom_fact	 dfact;		/* its record, read at MAIL FROM */
	char		**rcpts;
	size_t		 nrcpt, rcap;
	size_t		 nrcptcmd;	/* RCPT TO let through, repeats too */
	struct hdrs	 hd;		/* the header fields */
	struct signer	*sg;
	char		 sdomain[ADDR_BUFSIZE];	/* From: (signing) domain */
	struct ownhdrs	 own;		/* the fields we add */
	char		 charges[RKEY_MAX];	/* the session's warming
						   charges (rkey_charges) */
};

struct conn {
	struct confref	*cr;		/* the config this session started with */
	unsigned long	 nr;		/* SMFIP_NR_* steps Postfix does not await */
	int		 leadspc;	/* SMFIP_HDR_LEADSPC negotiated */
	int		 chgfrom;	/* SMFIF_CHGFROM offered (return path) */
	struct rconn	*rc;
	char		 handle[IDENT_HANDLE_MAX + 1];
	struct msg	 m;
	struct sess	 sess;		/* counted live until close */
	char		 owed[RKEY_MAX];	/* charges of an aborted
						   transaction: refunded at
						   the next MAIL or close */
};

/* mlfi_qid - the queue id macro, or "" */
const char *mlfi_qid(SMFICTX *ctx);
/*
 * mlfi_refund - give back the warming charges in key (a transaction that
 * queued nothing: charges_refund); logged when there were any, or it failed
 */
void	 mlfi_refund(struct conn *cn, const char *qid, const char *stage,
	    const char *key);
/* mlfi_msg_reset - free the transaction's state, all zero again */
void	 mlfi_msg_reset(struct msg *m);
sfsistat mlfi_tempfail(SMFICTX *ctx, struct conn *cn, const char *stage,
	    const char *what, const char *why);
sfsistat mlfi_refuse(SMFICTX *ctx, struct conn *cn, const char *stage,
	    enum cond_id id, const char *addr, const char *detail);
sfsistat mlfi_headers_done(SMFICTX *ctx, struct conn *cn);
/* mlfi_eom - the end of message callback (mlfi_eom.c) */
sfsistat mlfi_eom(SMFICTX *ctx);

#endif /* RELAY_MILTER_MLFI_PRIV_H */
