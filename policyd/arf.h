/*
 * NAME
 *	arf - the facts relay-unsub needs from a complaint report (pure)
 * DESCRIPTION
 *	A mailbox provider's feedback loop sends, when a recipient clicks
 *	"this is spam", a report by mail: an ARF report (RFC 5965: a
 *	multipart/report; report-type=feedback-report holding a
 *	message/feedback-report part and the original message or its
 *	header), or a plain message with the original attached. arf_parse()
 *	reads such a message from memory (no I/O, no state; any bytes) and
 *	fills a struct arf. Only the first ARF_INPUT_MAX bytes are looked
 *	at; a longer message is read as if cut there.
 *
 *	The MIME tree (mime.h) is walked depth first; multipart entities
 *	are opened down to ARF_DEPTH_MAX levels, deeper ones are ignored.
 *	The first of these found decides:
 *
 *	- a multipart/report with report-type=feedback-report (or with no
 *	  report-type but a message/feedback-report part): is_arf is 1 when
 *	  its message/feedback-report part is there; its Feedback-Type and
 *	  first Original-Rcpt-To are read; the original is the first
 *	  message/rfc822 or text/rfc822-headers part inside it;
 *	- a multipart/report of any other type (a bounce, a read receipt
 *	  that reached the complaint address): -1, "a delivery status
 *	  report, not a complaint" (other types say theirs);
 *	- a message/rfc822 or text/rfc822-headers part (a forward): the
 *	  original. message/global, message/rfc822-headers and
 *	  message/global-headers count as well, and a part without
 *	  Content-Type inside a multipart/digest is a message/rfc822.
 *
 *	Nothing found is -1, "no original message in the report". The parts
 *	read are decoded from base64 or quoted-printable first.
 *
 *	From the original's header (up to its first empty line) the first
 *	Message-ID, To and List-Unsubscribe fields are read (see struct arf).
 *	A field that holds a control character other than tab, or that does
 *	not parse, gives "" and is not an error. Providers redact: an
 *	address whose local part is "redacted" or only "x" and "*" (three or
 *	more, dots, hyphens and underscores between them allowed), or whose
 *	domain is only "x" and dots, is taken for a redaction and gives "".
 *	A List-Unsubscribe URI is read with the white space inside its < >
 *	removed (RFC 2369); the first usable one of each scheme is taken: a
 *	mailto: address of 1..254 octets with an "@", no white space and no
 *	control character (only the first of a comma-separated list), an
 *	https: URI of printable ASCII up to ARF_URI_MAX octets.
 *
 *	On -1 the fields of the report itself (is_arf, feedback_type,
 *	original_rcpt) may be set; have_original is 0 and the original's
 *	fields are "".
 * SEE ALSO
 *	RFC 5965, RFC 6522, RFC 2369, RFC 6068, mime.h, milter/from.h
 */
#ifndef RELAY_POLICYD_ARF_H
#define RELAY_POLICYD_ARF_H

#include <stddef.h>
#include "addr.h"   /* ADDR_BUFSIZE */

#define ARF_INPUT_MAX	(10 * 1024 * 1024)	/* bytes looked at */
#define ARF_MSGID_MAX	998
#define ARF_URI_MAX	2048
/* multipart levels opened; deeper multiparts are ignored */
#define ARF_DEPTH_MAX	8

struct arf {
	/* a multipart/report; report-type=feedback-report with a
	   message/feedback-report part */
	int	 is_arf;
	/* its Feedback-Type, lower case ("abuse", "fraud", "not-spam",
	   ...); "" when none */
	char	 feedback_type[32];
	/* Original-Rcpt-To: the address, without "<>" or "rfc822;"
	   prefix, normalised with addr_norm(); "" when missing or not an
	   address (e.g. redacted "xxxxx") */
	char	 original_rcpt[ADDR_BUFSIZE];
	/* the original message's header was found */
	int	 have_original;
	/* its Message-ID: the msg-id "<...>" with angle brackets, CFWS
	   around it removed; "" when none or unparseable */
	char	 message_id[ARF_MSGID_MAX + 1];
	/* its To: when it holds exactly one mailbox (normalised), else
	   "" */
	char	 to[ADDR_BUFSIZE];
	/* its List-Unsubscribe: the address of the first <mailto:...>
	   URI, the part after "mailto:" up to "?" or ">", %-decoded (RFC
	   6068), NOT normalised (the local part's case matters: it
	   carries a case-sensitive token); "" when none */
	char	 unsub_mailto[ADDR_BUFSIZE];
	/* the first <https://...> URI of List-Unsubscribe, as written
	   between < >; "" when none */
	char	 unsub_https[ARF_URI_MAX + 1];
};

/* arf_parse - read a report of len bytes; 0, or -1 with a sentence in why */
int	 arf_parse(const char *msg, size_t len, struct arf *out, char *why,
	    size_t whylen);

#endif
