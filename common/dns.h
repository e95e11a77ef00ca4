/*
 * NAME
 *	dns - TXT, MX, PTR and address lookups at the resolver named in
 *	relay.conf (relayctl's checks, relay-unsub's DKIM keys)
 * DESCRIPTION
 *	A private libresolv state (res_nsend) pointed at dns.nameserver and
 *	dns.port, or at /etc/resolv.conf when the name server is empty. No
 *	search list, no default domain: names are asked exactly as given.
 *	Each answer is the list of TXT records at the name (after CNAMEs,
 *	which dns follows itself when the server did not, up to 8),
 *	each record's character-strings joined without a separator, as DKIM
 *	requires (RFC 6376 3.6.2.2). An MX answer fills the same structure,
 *	one exchange host name per record (lower case, no trailing dot).
 *	When the name is an alias, cname is where its CNAME chain ends (the
 *	name the records are at, or would be: a CNAME to a name that does
 *	not exist is DNS_NONE with cname set, as for a key delegated to a
 *	provider's zone that has not published it).
 * OWNERSHIP
 *	dns_txt_free() frees what dns_txt(), dns_mx() or dns_parse() filled
 *	in.
 */
#ifndef RELAY_DNS_H
#define RELAY_DNS_H

#include <stddef.h>

#include "conf.h"

enum dns_status {
	DNS_FOUND = 0,		/* one or more TXT records */
	DNS_NONE = 1,		/* NXDOMAIN, or the name has no TXT */
	DNS_ETEMP = -1		/* timeout, SERVFAIL, REFUSED: could not tell */
};

struct dns_txt {
	enum dns_status	 status;
	size_t		 nrr;		/* every record of the answer */
	char		**rr;		/* joined strings, NUL-terminated */
	size_t		*nstrings;	/* character-strings in each */
	char		*cname;		/* the alias target, or NULL */
};

struct dns;

/* dns_new - a resolver for conf (NULL with why set on a bad address) */
struct dns *dns_new(const struct conf_dns *, const char **why);
void	 dns_free(struct dns *);
/* dns_txt - look up TXT at name; out->status says what came back */
void	 dns_txt(struct dns *, const char *name, struct dns_txt *out);
/* dns_mx - look up MX at name: rr holds the exchanges' host names */
void	 dns_mx(struct dns *, const char *name, struct dns_txt *out);
/*
 * dns_lookup - any type dns_parse() reads: ns_t_ptr gives host names as
 * dns_mx() does, ns_t_a and ns_t_aaaa addresses in inet_ntop() form
 */
void	 dns_lookup(struct dns *, const char *name, int type,
	    struct dns_txt *out);
void	 dns_txt_free(struct dns_txt *);
/*
 * dns_parse - fill out from the n bytes of one answer to a query of type
 * (ns_t_txt, ns_t_mx, ns_t_ptr, ns_t_a or ns_t_aaaa); returns its rcode,
 * or -1 when it does not parse (out->status DNS_ETEMP for both but
 * NOERROR and NXDOMAIN). Pure.
 */
int	 dns_parse(const unsigned char *ans, size_t n, int type,
	    struct dns_txt *out);

#endif
