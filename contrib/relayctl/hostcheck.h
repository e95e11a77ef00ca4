/*
 * NAME
 *	hostcheck - relayctl host check's decision: the relay's own DNS
 * DESCRIPTION
 *	Receivers judge the relay's sending addresses before any member's
 *	domain: an address without reverse DNS (a PTR record), or whose PTR
 *	name does not resolve back to it (forward-confirmed reverse DNS),
 *	is refused or scored down by Gmail, Yahoo and Microsoft ("PTR
 *	Record Not Found" in the members' documentation), and the members'
 *	SPF records name the relay's addresses through relayctl.spf_include.
 *
 *	host_spf_parse() takes the addresses from that record (ip4: and
 *	ip6: of one host each; a network, a:, mx:, include: and the like are
 *	named as not checked). host_rev_name() is the PTR name of an
 *	address. host_spf_check() judges the record, host_decide() one
 *	address from its PTR answer and the A or AAAA answer of each PTR
 *	name; both fill verify.h's checks (ok, missing, wrong, unknown, each
 *	with its fix). Pure: no lookups here.
 * SEE ALSO
 *	cmd_host.c, verify.h, relayctl(8)
 */
#ifndef RELAY_CTL_HOSTCHECK_H
#define RELAY_CTL_HOSTCHECK_H

#include <stddef.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "dns.h"
#include "verify.h"

#define HOST_MAX_IPS	16	/* addresses checked in one run */
#define HOST_MAX_PTR	4	/* PTR names of one address looked up */
#define HOST_CHECKS	3	/* ptr, fcrdns, helo */

struct host_spf {
	char	 ip[HOST_MAX_IPS][INET6_ADDRSTRLEN];	/* canonical form */
	size_t	 n;
	char	 skipped[400];	/* terms not checked, space-separated */
};

/*
 * host_spf_parse - the one-host ip4:/ip6: terms of a v=spf1 record into
 * out (each once, in inet_ntop() form); the others into out->skipped.
 * 0, or -1 when the record is not v=spf1.
 */
int	 host_spf_parse(const char *record, struct host_spf *out);

/*
 * host_spf_has - 1 when the v=spf1 record holds term (any case, as a
 * whole term, unqualified or "+") before its first "all": a term after it
 * is never evaluated, a -, ~ or ? one is no pass
 */
int	 host_spf_has(const char *record, const char *term);

enum { HOST_SPF_PASS, HOST_SPF_FAIL, HOST_SPF_UNKNOWN };
/*
 * host_spf_match - what the v=spf1 record says of mail from ip (inet_ntop
 * form), as far as it can be told without lookups, its terms in order
 * and the first that matches deciding (RFC 7208 4.6.2): PASS (+ip4:/ip6:
 * naming ip, or a "+all" reached), FAIL (the same with -, ~ or ?, or the
 * end without a match: neutral is no pass; also not v=spf1), UNKNOWN (a
 * term that needs a lookup, include:, a, mx, a network, could have
 * decided otherwise before)
 */
int	 host_spf_match(const char *record, const char *ip);

/* host_rev_name - the in-addr.arpa or ip6.arpa name of ip; -1: no address */
int	 host_rev_name(const char *ip, char *buf, size_t len);

/*
 * host_spf_check - the record at name (relayctl.spf_include): one
 * v=spf1 record naming at least one address; with given[0..ngiven)
 * (addresses named on the command line), each of them among its ip4:/
 * ip6: hosts. The addresses found go into *spf.
 */
void	 host_spf_check(const char *name, const struct dns_txt *t,
	    const char *const *given, size_t ngiven, struct host_spf *spf,
	    struct verify_check *c);

/*
 * host_retpath_check - the SPF record at the return path's domain
 * (unsubscribe.domain, with unsubscribe.return_path: the envelope sender
 * of every message, whose SPF receivers check): one v=spf1 record with
 * include:INC (relayctl.spf_include) when inc is set, else naming each of
 * given[0..ngiven) among its ip4:/ip6: hosts (any v=spf1 record when
 * there are none)
 */
void	 host_retpath_check(const char *name, const struct dns_txt *t,
	    const char *inc, const char *const *given, size_t ngiven,
	    struct verify_check *c);

struct host_in {
	const char		*ip;	/* canonical (inet_ntop) form */
	const char		*rev;	/* host_rev_name(ip) */
	const char		*helo;	/* the name the relay says in HELO;
					   NULL or "": not checked */
	const struct dns_txt	*ptr;	/* PTR answer at rev */
	const struct dns_txt	*fwd;	/* A or AAAA answer of ptr->rr[i],
					   i < min(ptr->nrr, HOST_MAX_PTR) */
};

/* host_decide - the checks of one address into out; how many (2 or 3) */
size_t	 host_decide(const struct host_in *, struct verify_check *out);

#endif
