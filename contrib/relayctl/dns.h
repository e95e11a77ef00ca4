/*
 * NAME
 *	dns - TXT and MX lookups at the resolver named in relay.conf
 * DESCRIPTION
 *	A private libresolv state (res_nquery) pointed at dns.nameserver and
 *	dns.port, or at /etc/resolv.conf when the name server is empty. No
 *	search list, no default domain: names are asked exactly as given.
 *	Each answer is the list of TXT records at the name (after CNAMEs),
 *	each record's character-strings joined without a separator, as DKIM
 *	requires (RFC 6376 3.6.2.2). An MX answer fills the same structure,
 *	one exchange host name per record (lower case, no trailing dot).
 * OWNERSHIP
 *	dns_txt_free() frees what dns_txt() or dns_mx() filled in.
 */
#ifndef RELAY_CTL_DNS_H
#define RELAY_CTL_DNS_H

#include <stddef.h>

#include "conf.h"

enum dns_status {
	DNS_FOUND = 0,		/* one or more TXT records */
	DNS_NONE = 1,		/* NXDOMAIN, or the name has no TXT */
	DNS_ETEMP = -1		/* timeout, SERVFAIL, REFUSED: could not tell */
};

#define DNS_MAX_RR	16

struct dns_txt {
	enum dns_status	 status;
	size_t		 nrr;
	char		*rr[DNS_MAX_RR];	/* joined strings, NUL-terminated */
	size_t		 nstrings[DNS_MAX_RR];	/* character-strings in each */
};

struct dns;

/* dns_new - a resolver for conf (NULL with why set on a bad address) */
struct dns *dns_new(const struct conf_dns *, const char **why);
void	 dns_free(struct dns *);
/* dns_txt - look up TXT at name; out->status says what came back */
void	 dns_txt(struct dns *, const char *name, struct dns_txt *out);
/* dns_mx - look up MX at name: rr holds the exchanges' host names */
void	 dns_mx(struct dns *, const char *name, struct dns_txt *out);
void	 dns_txt_free(struct dns_txt *);

#endif
