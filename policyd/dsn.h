/*
 * NAME
 *	dsn - the facts relay-unsub needs from a bounce (pure)
 * DESCRIPTION
 *	A mail server that accepted a message and then could not deliver it
 *	sends a delivery status notification to its return path: an RFC
 *	3464 report (a multipart/report; report-type=delivery-status holding
 *	a message/delivery-status part and the original message or its
 *	header), as the relay's own Postfix also writes them. dsn_parse()
 *	reads such a message from memory (no I/O, no state; any bytes) and
 *	fills a struct dsn. Only the first DSN_INPUT_MAX bytes are looked
 *	at; a longer message is read as if cut there.
 *
 *	The MIME tree (mime.h) is walked depth first as arf.c walks it;
 *	multipart entities are opened down to DSN_DEPTH_MAX levels, deeper
 *	ones are ignored. The first multipart/report found decides:
 *
 *	- report-type=delivery-status (or global-delivery-status, or none
 *	  but with a message/delivery-status or message/global-delivery-
 *	  status part among its own parts): the first such part inside it
 *	  is read, and the first original inside it (message/rfc822,
 *	  text/rfc822-headers, message/global, message/rfc822-headers,
 *	  message/global-headers) gives the original's Message-ID;
 *	- any other report-type: -1, "a feedback report, not a bounce",
 *	  "a read receipt, not a bounce", or "a multipart/report of
 *	  another type, not a bounce".
 *
 *	No multipart/report is -1, "not a delivery status report" (a bounce
 *	in plain text, as qmail writes them, is one: qsbmf.h reads those).
 *	The parts read are decoded from base64 or quoted-printable first.
 *
 *	The delivery-status body (RFC 3464 2.1, RFC 6533 for the global
 *	one) is blocks of header-like fields (folded, names in any case,
 *	unknown ones ignored), "\n" or "\r\n" line ends, separated by lines
 *	that are empty or only white space (several in a row are one). The
 *	first block is the per-message one: its first Reporting-MTA and
 *	X-Postfix-Queue-ID are read. Each later block is one recipient's,
 *	and so is the first when it holds a Final-Recipient, Original-
 *	Recipient or Action field (a mailer that left out the empty line or
 *	the per-message fields). A block with none of these three is not a
 *	recipient and is not counted. Of each recipient field the first in
 *	its block counts; what each gives is written in struct dsn_rcpt.
 *	A field holding a control character (other than tab) gives "", as
 *	does one that does not parse or fit; none of this is an error.
 *	Diagnostic-Code alone is kept with its control characters made
 *	spaces: it is free text for a person, and damaged text is still
 *	worth logging.
 *
 *	The original's Message-ID is read exactly as arf.c reads it
 *	(mime_msgid()): the first Message-ID field of the original's header.
 *
 *	dsn_parse() is 0 when a delivery-status part with at least one
 *	recipient block was read. -1 leaves the struct all zero (is_dsn 0,
 *	every string "", the counts 0), with *why one of the sentences
 *	above, "the message is empty", "a delivery status report without
 *	a delivery-status part" or "delivery-status part without
 *	recipients".
 * SEE ALSO
 *	RFC 3464, RFC 3463, RFC 6522, RFC 6533, mime.h, arf.h
 */
#ifndef RELAY_POLICYD_DSN_H
#define RELAY_POLICYD_DSN_H

#include <stddef.h>
#include "addr.h"   /* ADDR_BUFSIZE */
#include "arf.h"    /* ARF_MSGID_MAX */

#define DSN_INPUT_MAX	(10 * 1024 * 1024)	/* bytes looked at */
#define DSN_RCPTS_MAX	64			/* recipient groups kept */
#define DSN_DIAG_MAX	512
/* multipart levels opened; deeper multiparts are ignored */
#define DSN_DEPTH_MAX	8

struct dsn_rcpt {
	/* Final-Recipient: "rfc822" or "utf-8" (any case) ";" address,
	   with or without < >, normalised with addr_norm(); "" when
	   missing, of another type (x400, ...) or not an address */
	char	 final_rcpt[ADDR_BUFSIZE];
	/* Original-Recipient, likewise */
	char	 orig_rcpt[ADDR_BUFSIZE];
	/* Action, lower case: failed, delayed, delivered, relayed or
	   expanded (a comment after it ignored); "" when missing or
	   another word */
	char	 action[16];
	/* Status: "5.1.1" (RFC 3463: class 2, 4 or 5, subject and detail
	   of 1 to 3 digits), whatever follows white space or "(" after it
	   dropped; "" when missing or malformed */
	char	 status[16];
	/* Diagnostic-Code: the text after its type and ";" ("smtp; 550
	   5.1.1 User unknown" gives "550 5.1.1 User unknown"; a value
	   that does not begin with a type and ";" is all text), unfolded,
	   every control character (tab, CR, NUL included) a space, a run
	   of spaces one (a fold's indent), white space around it trimmed,
	   cut to DSN_DIAG_MAX - 1 octets without splitting a UTF-8
	   sequence; other bytes as they are; "" when none */
	char	 diag[DSN_DIAG_MAX];
};

struct dsn {
	/* a delivery status report with a delivery-status part that has
	   at least one recipient: 1 exactly when dsn_parse() is 0 */
	int	 is_dsn;
	/* Reporting-MTA: the name after "dns;" (any case), up to white
	   space or "("; "" when missing, of another type or too long */
	char	 reporting_mta[256];
	/* X-Postfix-Queue-ID, when it is only [0-9A-Za-z]; else "" */
	char	 postfix_qid[64];
	/* an original (message or header) was found in the report */
	int	 have_original;
	/* its Message-ID: "<...>" as mime_msgid() reads it; "" when none
	   or unparseable */
	char	 message_id[ARF_MSGID_MAX + 1];
	/* the first DSN_RCPTS_MAX recipient groups, in order */
	struct dsn_rcpt rcpt[DSN_RCPTS_MAX];
	size_t	 nrcpt;			/* groups kept (<= DSN_RCPTS_MAX) */
	size_t	 nrcpt_seen;		/* groups in the report */
};

/*
 * dsn_parse - read msg (len bytes, any bytes, no NUL needed; NULL is
 * empty) into d; 0 when it is a DSN, with *why ""; -1 otherwise, with *why
 * a sentence in static storage. why may be NULL.
 */
int	 dsn_parse(const char *msg, size_t len, struct dsn *d,
	    const char **why);

/*
 * dsn_original - the original message (or its header: headers_only, empty
 * lines before it skipped) at p (n bytes) found: have_original, and its
 * Message-ID as dsn_parse() reads it. What qsbmf.c reads a qmail
 * bounce's copy of the message with.
 */
void	 dsn_original(struct dsn *d, const char *p, size_t n,
	    int headers_only);

#endif
