/*
 * NAME
 *	ident - member handles and DIDs
 * DESCRIPTION
 *	A handle is what a member logs in with (SASL user name) and what keys
 *	in Redis are named after: 1 to 32 characters of a-z, 0-9, '-' and
 *	'_', starting with a letter or digit. Dovecot lower-cases logins by
 *	default, so handles are case-insensitive everywhere: ident_handle_norm
 *	lower-cases. A handle holds no '.', which unsubscribe tokens rely on.
 *
 *	A DID is did:plc:<24 base32 chars> or did:web:<domain>[:path...].
 */
#ifndef RELAY_IDENT_H
#define RELAY_IDENT_H

#include <stddef.h>

#define IDENT_HANDLE_MAX	32
#define IDENT_DID_MAX		256

/* ident_handle_norm - lower-case and check; 0, or -1 with why set (out empty) */
int	 ident_handle_norm(const char *in, char *out, size_t outlen,
	    const char **why);
/* ident_did_check - 0 for a valid did:plc / did:web, or -1 with why set */
int	 ident_did_check(const char *did, const char **why);

#endif
