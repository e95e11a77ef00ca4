/*
 * NAME
 *	listunsub - the List-Unsubscribe header values (RFC 2369, RFC 8058)
 *	and the return path: the relay's addresses at unsubscribe.domain
 * DESCRIPTION
 *	listunsub_build() makes, for one member and one recipient,
 *	    List-Unsubscribe: <mailto:unsub+TOKEN@DOMAIN>[, <HTTPS_URL TOKEN>]
 *	(folded before the second URI when the line would pass 998 octets)
 *	and, only when an https URL is configured,
 *	    List-Unsubscribe-Post: List-Unsubscribe=One-Click
 *	(RFC 8058 3.1: one-click needs an HTTPS URI in List-Unsubscribe).
 *	The tokens are common/token.h's HMACs binding member and recipient.
 *
 *	listunsub_return_path() makes the envelope sender of a message when
 *	unsubscribe.return_path is on: <b+TOKEN@DOMAIN>, the bounce token
 *	binding member and queue id (token.h), where relay-unsub -b takes
 *	the bounces of that message.
 *	Pure: no I/O, no state.
 */
#ifndef RELAY_MILTER_LISTUNSUB_H
#define RELAY_MILTER_LISTUNSUB_H

#include <stddef.h>

#include "conf.h"
#include "token.h"

/*
 * Room for the longest value: a 253-octet domain, a recipient of
 * TOKEN_RCPT_MAX and an https URL of CONF_HTTPS_URL_MAX (relay.conf).
 */
#define LISTUNSUB_MAX		2048
/* the longest line smtp(8) sends unbroken (RFC 5322 2.1.1) */
#define LISTUNSUB_LINE_MAX	998

/*
 * listunsub_build - the List-Unsubscribe value into lu and the
 * List-Unsubscribe-Post value into post ("" when none). 0, or -1 when the
 * configuration lacks a domain or key, or a token cannot be made.
 */
int	 listunsub_build(const struct conf_unsubscribe *u, const char *handle,
	    const char *rcpt, char *lu, size_t lulen, char *post,
	    size_t postlen);

/* room for <b+TOKEN@DOMAIN> */
#define LISTUNSUB_RETPATH_MAX	(TOKEN_BOUNCE_MAX + 260)

/*
 * listunsub_return_path - "<b+TOKEN@DOMAIN>" into out; 0, or -1 when the
 * configuration lacks a domain or key, or the token cannot be made
 */
int	 listunsub_return_path(const struct conf_unsubscribe *u,
	    const char *handle, const char *qid, char *out, size_t outlen);

#endif
