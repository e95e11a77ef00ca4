/*
 * NAME
 *	arfsig - whether a complaint report is signed by a feedback loop
 *	relay.conf trusts (unsubscribe.complaint_signers)
 * DESCRIPTION
 *	arfsig_listed() is pure: d (a signature's d=, any case) is one of
 *	the n domains of list (lower case, as conf_check leaves them) or
 *	below one ("fbl.yahoo.com" under "yahoo.com"; "notyahoo.com" is not).
 *
 *	arfsig_check() verifies the DKIM signatures of the message
 *	msg[0..len) (its line ends LF or CRLF; libopendkim reads it through
 *	a pointer that is not const, and leaves it as it is), the keys
 *	looked up at the resolver of relay.conf's dns section, and only
 *	for signatures whose d= is listed (no query goes to a domain the
 *	sender of the report chose), at most 8 of them (the first in the
 *	header; the others count as keys not found). A signature counts
 *	when its header and body hashes verify, it covers the whole body
 *	(an l= shorter than the body does not) and its algorithm is not
 *	rsa-sha1 (RFC 8301 forbids verifiers to accept it). Returns
 *	ARFSIG_PASS with the signer's d= in signer, ARFSIG_NONE (why says
 *	what was found) or ARFSIG_TEMP (a key of a listed signer could not
 *	be looked up: try again later).
 * SEE ALSO
 *	unsub_report.c, common/dns.h, RFC 6376, relay-unsub(8)
 */
#ifndef RELAY_ARFSIG_H
#define RELAY_ARFSIG_H

#include <stddef.h>

#include "conf.h"

enum arfsig_result {
	ARFSIG_PASS = 0,
	ARFSIG_NONE = 1,
	ARFSIG_TEMP = -1
};

int	arfsig_listed(const char *d, char *const *list, int n);
enum arfsig_result arfsig_check(const struct relay_conf *, char *msg,
	    size_t len, char *signer, size_t signerlen, char *why,
	    size_t whylen);

#endif
