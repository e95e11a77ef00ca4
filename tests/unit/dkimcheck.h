/*
 * NAME
 *	dkimcheck - verify relay-milter's signatures in-process (tests only)
 * DESCRIPTION
 *	A libopendkim verifier of its own (not sign.c's library handle) that
 *	answers key lookups from memory: the public halves of the keys given
 *	to dkimcheck_init(), published as relayctl publishes them
 *	(contrib/relayctl/dkimkey.c) under SELr and SELe._domainkey.DOMAIN.
 *	dkimcheck_assemble() builds the message as Postfix delivers it after
 *	relay-milter's end of message: the DKIM-Signature fields first (in
 *	signer order), the member's fields, then ours (milter/ownhdrs.h:
 *	Message-ID, Date, List-Unsubscribe, List-Unsubscribe-Post, as
 *	relay-milter appends them), a blank line and the body.
 *
 *	The end-to-end check with an independent verifier (dkimpy) is in
 *	tests/integration/; this one is fast enough for a fuzz harness.
 * SEE ALSO
 *	tests/fuzz/fuzz_headers.c, tests/unit/test_milter_hdrs.c
 */
#ifndef RELAY_TESTS_DKIMCHECK_H
#define RELAY_TESTS_DKIMCHECK_H

#include <stddef.h>

#include "hdrs.h"

/* dkimcheck_init - 0, or -1 when a key has no public half or no library */
int	 dkimcheck_init(const char *domain, const char *sel, const char *rsa_pem,
	    const char *ed_pem);
void	 dkimcheck_close(void);

/*
 * dkimcheck_assemble - a new message (CRLF line ends, NUL-terminated; its
 * length in *len). sigs[0..nsig) are sign_result() values (LF + TAB folds).
 */
char	*dkimcheck_assemble(const struct hdrs *hs, const char *const *sigs,
	    int nsig, const struct hdr *ours, size_t nours, const char *body,
	    size_t bodylen, size_t *len);

/*
 * dkimcheck_verify - verify a whole message: how many signatures pass,
 * with the number found in *nsig; -1 with *why when it cannot be checked.
 */
int	 dkimcheck_verify(const char *msg, size_t len, int *nsig,
	    const char **why);

#endif
