/*
 * NAME
 *	verify - domain verify's decision: DNS facts in, checks out (pure)
 * DESCRIPTION
 *	verify_name() gives the names the I/O layer must look up (the right
 *	names, and each one doubled, "NAME.DOMAIN.DOMAIN", the mistake a
 *	DNS provider's form makes when the full name is entered where it
 *	expects the part before the domain). verify_decide() turns the TXT
 *	answers into checks: ok, missing, wrong (with what was found) or
 *	unknown (the DNS server did not answer), each with the fix.
 *
 *	Required checks: the ownership token and the DKIM keys of the active
 *	selector. SPF and DMARC are reported with the same care but do not
 *	fail the run: DKIM alone aligns for DMARC. Neither does the MX of a
 *	domain with a forward-to: it must name the relay for replies to
 *	reach the forward-to, but sending does not depend on it.
 */
#ifndef RELAY_CTL_VERIFY_H
#define RELAY_CTL_VERIFY_H

#include <stddef.h>

#include "dns.h"

enum verify_name {
	VN_APEX, VN_APEX2, VN_RSA, VN_RSA2, VN_ED, VN_ED2, VN_DMARC,
	VN_DMARC2, VN_NRSA, VN_NRSA2, VN_NED, VN_NED2,
	VN_MX,		/* an MX lookup, not TXT; only with mx_host */
	VN__COUNT
};

enum verify_state { VERIFY_OK, VERIFY_MISSING, VERIFY_WRONG, VERIFY_UNKNOWN };

struct verify_in {
	const char	*domain;
	const char	*token;		/* published as relay-verify=TOKEN */
	const char	*selector;	/* active base selector S */
	const char	*rsa_txt;	/* expected at Sr._domainkey; NULL: none */
	const char	*ed_txt;	/* expected at Se._domainkey; NULL: none */
	const char	*next_selector;	/* pending rotation T; NULL or "" */
	const char	*next_rsa_txt;
	const char	*next_ed_txt;
	const char	*spf_include;	/* "" or NULL: any v=spf1 will do */
	const char	*mx_host;	/* the relay's inbound host, for a
					   domain with a forward-to; NULL or
					   "": no MX check */
};

#define VERIFY_MAX_CHECKS	8

struct verify_check {
	const char		*id;	/* "ownership", "dkim-rsa", ... */
	const char		*type;	/* "TXT" or "MX" */
	int			 required;
	enum verify_state	 state;
	char			 name[300];	/* where the record belongs */
	char			 expect[1100];	/* the value to publish */
	char			 found[512];	/* what is there (or "") */
	char			 fix[2048];	/* what to do; "" when ok */
};

struct verify_out {
	struct verify_check	 checks[VERIFY_MAX_CHECKS];
	size_t			 n;
	int			 ownership_ok;
	int			 next_ok;	/* the pending selector is published */
	int			 required_ok;	/* every required check ok */
	int			 unknown;	/* some check could not be made */
};

/*
 * verify_name - the name to query for one slot, into buf; 0, or -1 when
 * the slot does not apply (no Ed25519 key, no pending selector).
 */
int	 verify_name(const struct verify_in *, enum verify_name, char *buf,
	    size_t len);
/* verify_decide - facts[slot] for every slot verify_name() gave */
void	 verify_decide(const struct verify_in *,
	    const struct dns_txt facts[VN__COUNT], struct verify_out *);
/* verify_unknown - c is unknown: the DNS server did not answer */
void	 verify_unknown(struct verify_check *c);
/* verify_spf_many - c is wrong: n records start with v=spf1 */
void	 verify_spf_many(struct verify_check *c, size_t n);
/* verify_state_name - "ok", "missing", "wrong", "unknown" */
const char *verify_state_name(enum verify_state);

#endif
