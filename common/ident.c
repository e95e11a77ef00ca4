/*
 * NAME
 *	ident - validation of member handles and DIDs
 * SEE ALSO
 *	ident.h, addr.c (did:web domains)
 */
#include <ctype.h>
#include <string.h>

#include "addr.h"
#include "ident.h"

int
ident_handle_norm(const char *in, char *out, size_t outlen, const char **why)
{
	size_t	 n = strlen(in), i;

	if (n == 0) {
		*why = "a handle cannot be empty";
		goto fail;
	}
	if (n > IDENT_HANDLE_MAX) {
		*why = "a handle has at most 32 characters";
		goto fail;
	}
	if (n + 1 > outlen) {
		*why = "no room for the handle";
		goto fail;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)in[i]);

		if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') &&
		    !((c == '-' || c == '_') && i > 0)) {
			*why = "a handle is letters, digits, '-' and '_', "
			    "starting with a letter or digit";
			goto fail;
		}
		out[i] = (char)c;
	}
	out[n] = '\0';
	return 0;
fail:
	if (outlen > 0)
		out[0] = '\0';	/* never a part of it (in may be out) */
	return -1;
}

int
ident_did_check(const char *did, const char **why)
{
	char	 dom[ADDR_BUFSIZE], host[ADDR_BUFSIZE];
	size_t	 n = strlen(did), i;

	if (n > IDENT_DID_MAX) {
		*why = "a DID has at most 256 characters";
		return -1;
	}
	if (strncmp(did, "did:plc:", 8) == 0) {
		/* 24 characters of base32 (a-z, 2-7), as the PLC directory makes them. */
		if (n != 8 + 24 || strspn(did + 8,
		    "abcdefghijklmnopqrstuvwxyz234567") != 24) {
			*why = "did:plc: is followed by 24 characters of a-z and 2-7";
			return -1;
		}
		return 0;
	}
	if (strncmp(did, "did:web:", 8) == 0) {
		const char *p = did + 8, *colon = strchr(p, ':');
		size_t hl = colon ? (size_t)(colon - p) : strlen(p);

		if (hl == 0 || hl >= sizeof(host)) {
			*why = "did:web: is followed by a domain";
			return -1;
		}
		memcpy(host, p, hl);
		host[hl] = '\0';
		/* A port is percent-encoded (%3A) in did:web; allow none here. */
		if (addr_domain_norm(host, dom, sizeof(dom)) != 0 ||
		    strcmp(dom, host) != 0) {
			*why = "did:web: is followed by a lower-case domain name";
			return -1;
		}
		for (i = 8 + hl; i < n; i++)
			if (!isalnum((unsigned char)did[i]) &&
			    strchr(":.-_%", did[i]) == NULL) {
				*why = "did:web: path has a character that is not allowed";
				return -1;
			}
		if (did[n - 1] == ':') {
			*why = "a DID cannot end with ':'";
			return -1;
		}
		return 0;
	}
	*why = "a DID starts with did:plc: or did:web:";
	return -1;
}
