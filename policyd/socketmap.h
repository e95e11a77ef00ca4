/*
 * NAME
 *	socketmap - Postfix socketmap_table(5) codec and lookup answers, pure
 * DESCRIPTION
 *	A request is one netstring "LEN:NAME KEY," (LEN decimal, no leading
 *	zeros, at most SM_MAX_REQUEST); a reply is one netstring "OK VALUE",
 *	"NOTFOUND ", "TEMP REASON" or "PERM REASON". sm_parse() does no I/O:
 *	it looks at the bytes a connection has buffered. A malformed netstring
 *	cannot be resynchronised, so the caller answers PERM and closes.
 *
 *	Maps: "domains" (for virtual_alias_domains) answers OK for an
 *	enrolled, verified domain with a forward-to (reply forwarding is
 *	opt-in: a domain without one is not Postfix's, so mail to it goes to
 *	its MX); "forward" (for virtual_alias_maps) maps "user@domain" and
 *	"@domain" of such a domain to its forward-to address. Postfix sends
 *	only the full lower-cased address, so the domain fallback is done
 *	here.
 */
#ifndef RELAY_SOCKETMAP_H
#define RELAY_SOCKETMAP_H

#include <stddef.h>

#define SM_MAX_REQUEST	4096	/* bytes of one netstring's payload */
#define SM_MAX_REPLY	1100

enum {
	SM_REQ = 1,
	SM_MORE = 0,
	SM_EBAD = -1,		/* not a netstring, or not "NAME KEY" */
	SM_ETOOLONG = -2
};

enum sm_map { SM_MAP_DOMAINS, SM_MAP_FORWARD, SM_MAP_UNKNOWN };

struct sm_req {
	char	 name[32];		/* a longer one cut: not a map */
	char	 key[SM_MAX_REQUEST + 1];
};

/* sm_parse - one request; *used is its length on SM_REQ */
int	 sm_parse(const char *buf, size_t len, struct sm_req *req, size_t *used);
/* sm_strerror - for a log line */
const char *sm_strerror(int rc);
/* sm_format - the netstring "STATUS[ VALUE]," into buf; its length or 0 */
size_t	 sm_format(char *buf, size_t len, const char *status,
	    const char *value);

enum sm_map sm_map_of(const char *name);
/*
 * sm_key_domain - the domain a key asks about, normalised into out:
 * the key itself for "domains", the part after "@" for "forward".
 * -1 when the key is not a domain or an address (answer NOTFOUND).
 */
int	 sm_key_domain(enum sm_map, const char *key, char *out, size_t len);

/* A domain's hash, as far as the maps need it. */
struct sm_domain {
	int	 exists;
	long long verified_at;
	char	 forward_to[256];
};

/* The HMGET fields sm_domain_from expects. */
extern const char *const sm_domain_fields[];
extern const size_t sm_domain_nfields;

struct rval;
/* sm_domain_from - facts from the HMGET reply; -1 if it is not one */
int	 sm_domain_from(const struct rval *, struct sm_domain *);

/*
 * sm_answer - status and value for a lookup: "OK" + value, "NOTFOUND",
 * or "TEMP" when the stored forward-to is not an address (a data error
 * is ours: the sender retries instead of getting a 5xx).
 */
void	 sm_answer(enum sm_map, const char *domain, const struct sm_domain *,
	    const char **status, char *value, size_t vlen);

#endif
