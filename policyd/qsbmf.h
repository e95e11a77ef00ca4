/*
 * NAME
 *	qsbmf - the facts relay-unsub needs from a qmail bounce (pure)
 * DESCRIPTION
 *	qmail-send (qmail, netqmail and the mail systems built on them)
 *	writes no RFC 3464 report when it gives up on a recipient: its
 *	bounce is plain text in the qmail-send Bounce Message Format
 *	(QSBMF, draft-bernstein-qsbmf). qsbmf_parse() reads one from memory
 *	(no I/O, no state; any bytes) into the struct dsn of dsn.h, as
 *	dsn_parse() reads an RFC 3464 report. Only the first DSN_INPUT_MAX
 *	bytes are looked at.
 *
 *	The message's own Content-Transfer-Encoding is undone first; a
 *	Content-Type other than text/plain (or none) is not QSBMF. Its body
 *	must begin, after any empty lines, with "Hi. This is the" exactly
 *	(QSBMF 2). The body is paragraphs: runs of lines that are not blank
 *	(empty, or only white space), with "\n" or "\r\n" line ends:
 *
 *	- the first is the introduction: in its first line, "program at
 *	  HOST" gives reporting_mta (HOST without a final ".", when it is
 *	  only letters, digits, "-" and "." and fits);
 *	- each later paragraph that begins with "<" is one recipient that
 *	  failed (action "failed"): its first line "<ADDRESS>:" gives
 *	  final_rcpt (normalised with addr_norm(); "" when it does not
 *	  normalise, "<>:" included, or the line is not of that form), its
 *	  other lines the explanation, which gives diag (mime_text()) and
 *	  status: the last "(#X.Y.Z)" in it (qmail's own texts), else the
 *	  enhanced code after "Remote host said: " and a reply code of the
 *	  same class, else that reply code's class as X.0.0 ("550 User
 *	  unknown" is 5.0.0, whose words bounce.h reads), else "";
 *	- the first paragraph that begins with "-" is the break ("--- Below
 *	  this line is a copy of the message."): what follows it is the
 *	  original (or its header), read with dsn_original(); nothing after
 *	  the break is read as a paragraph;
 *	- any other paragraph is ignored.
 *
 *	qsbmf_parse() is 0 when at least one recipient paragraph was read,
 *	with d->is_dsn 1; -1 leaves d all zero with *why "the message is
 *	empty", "not a qmail bounce (QSBMF)" or "a qmail bounce without
 *	recipients".
 * SEE ALSO
 *	draft-bernstein-qsbmf, dsn.h, mime.h, bounce.h
 */
#ifndef RELAY_POLICYD_QSBMF_H
#define RELAY_POLICYD_QSBMF_H

#include <stddef.h>

#include "dsn.h"

/*
 * qsbmf_parse - read msg (len bytes, any bytes; NULL is empty) into d; 0
 * when it is a qmail bounce with recipients, with *why ""; -1 otherwise,
 * with *why a sentence in static storage. why may be NULL.
 */
int	 qsbmf_parse(const char *msg, size_t len, struct dsn *d,
	    const char **why);

#endif
