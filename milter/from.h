/*
 * NAME
 *	from - parse the address out of a From: header field (RFC 5322)
 * DESCRIPTION
 *	from_parse() reads the value of one From: header field (everything
 *	after "From:", folded lines included) and finds the mailboxes in it.
 *	It understands display names (atoms, quoted strings holding "<",
 *	">", ",", "@" or quoted pairs), comments (nested), RFC 2047 encoded
 *	words (as opaque atoms: they are never decoded, so nothing an encoded
 *	word says can become an address), group syntax (RFC 6854: a group
 *	counts the mailboxes inside it), folding white space, UTF-8 display
 *	names (RFC 6532) and empty list elements. It does no I/O and keeps
 *	no state: it may be fed any bytes.
 *
 *	The result is exactly one address or an error; two addresses, none,
 *	or anything it cannot parse is an error with a sentence that says
 *	why (from_strerror), so a caller never accepts a From: it did not
 *	understand. The address is normalised with common/addr.c.
 * SEE ALSO
 *	RFC 5322 3.4, RFC 6854, RFC 2047, addr.h
 */
#ifndef RELAY_MILTER_FROM_H
#define RELAY_MILTER_FROM_H

#include <stddef.h>

#include "addr.h"

/* Longest From: value looked at; Postfix' header_size_limit is 100 KB. */
#define FROM_VALUE_MAX		(100 * 1024)
/* Deepest nesting of comments accepted. */
#define FROM_COMMENT_DEPTH	16

enum {
	FROM_OK = 0,
	FROM_ENOADDR = -1,	/* no mailbox at all (empty, or an empty group) */
	FROM_EMANY = -2,	/* more than one mailbox */
	FROM_ESYNTAX = -3,	/* not a mailbox list */
	FROM_EUNTERM = -4,	/* unterminated quoted string, comment or <...> */
	FROM_ENOAT = -5,	/* a word where an address should be, without "@" */
	FROM_EADDR = -6,	/* an addr-spec addr.c refuses */
	FROM_ETOOLONG = -7,	/* value or a part of it over its limit */
	FROM_ECTRL = -8,	/* a NUL or another control character */
	FROM_EROUTE = -9,	/* obsolete source route <@a,@b:x@y> */
	FROM_EGROUP = -10	/* a group inside a group, or an unclosed group */
};

struct from_result {
	char	 addr[ADDR_BUFSIZE];	/* normalised local@domain */
	char	 domain[ADDR_BUFSIZE];	/* normalised domain */
	int	 naddr;			/* mailboxes seen (also on FROM_EMANY) */
	int	 addr_err;		/* the ADDR_E* code for FROM_EADDR */
};

/* from_parse - parse one From: value of len bytes; FROM_OK or FROM_E* */
int	 from_parse(const char *value, size_t len, struct from_result *res);

/* from_strerror - a sentence for a FROM_E* code (static storage) */
const char *from_strerror(int err);

#endif
