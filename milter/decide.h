/*
 * NAME
 *	decide - relay-milter's decisions, pure functions of the facts
 * DESCRIPTION
 *	The callbacks (mlfi.c) read the facts from Redis (store.c), call
 *	these, and apply the verdict. Nothing here does I/O, so every rule
 *	is unit-tested (tests/unit/test_milter_decide.c).
 *
 *	Enrollment: a sending domain D is allowed for member H when the
 *	domain record of D names H and is verified (verified_at > 0), or,
 *	when D has no record, the nearest enrolled parent of D names H, is
 *	verified and allows subdomains. The record that decided is the one
 *	whose DKIM key and List-Unsubscribe setting apply. The reply detail
 *	never says which other member holds a domain.
 *
 *	List-Unsubscribe: added when the deciding domain opts in,
 *	unsubscribe.domain and unsubscribe.hmac_key are set, the message has
 *	no List-Unsubscribe of its own, and it has exactly one recipient (a
 *	token binds one recipient; with several the header is left out).
 */
#ifndef RELAY_MILTER_DECIDE_H
#define RELAY_MILTER_DECIDE_H

#include <stddef.h>
#include <time.h>

#include "addr.h"
#include "conf.h"
#include "ident.h"

#define DECIDE_SELECTOR_MAX	64
#define DECIDE_DETAIL_MAX	256

/* What Redis says about one domain (relay:{d:D}:domain). */
struct dom_fact {
	char		 domain[ADDR_BUFSIZE];
	int		 exists;
	char		 member[IDENT_HANDLE_MAX + 1];
	long long	 verified_at;
	int		 subdomains;
	int		 listunsub;
	char		 selector[DECIDE_SELECTOR_MAX];
	long long	 created;	/* enrolled at: a new enrollment, new keys */
};

enum {
	DECIDE_ALLOW = 0,
	DECIDE_REJECT = 1
};

/*
 * decide_domain - may member handle send as domain? f[0..n) are the facts
 * for addr_domain_chain(domain) (common/addr.h) in the same order; the
 * nearest record decides. DECIDE_ALLOW with *match the index of the
 * deciding record, or DECIDE_REJECT with a detail for the reply ("domain
 * x.test is not enrolled under your account").
 */
int	 decide_domain(const char *handle, const char *domain,
	    const struct dom_fact *f, size_t n, size_t *match, char *detail,
	    size_t detaillen);

/* Why a recipient is on the member's suppression list (its "reason"). */
enum {
	DECIDE_SUPP_NONE = 0,		/* not suppressed */
	DECIDE_SUPP_UNSUBSCRIBE,	/* unsubscribe: List-Unsubscribe */
	DECIDE_SUPP_HARD,		/* hard_bounce */
	DECIDE_SUPP_SOFT,		/* soft_bounce_limit */
	DECIDE_SUPP_COMPLAINT,		/* complaint: a feedback loop report */
	DECIDE_SUPP_LISTED		/* admin, import, anything else */
};

/*
 * decide_suppress_kind - the DECIDE_SUPP_* of a suppression entry (the
 * JSON value of relay:{m:H}:suppress, len bytes); an entry that does not
 * say why is DECIDE_SUPP_LISTED, never "not suppressed"
 */
int	 decide_suppress_kind(const char *json, size_t len);
/* decide_suppress_detail - the reply's detail for a kind (static text) */
const char *decide_suppress_detail(int kind);

/*
 * decide_from_warming - DECIDE_REJECT (with the reply's detail) when the
 * header From: is decided by another enrollment than the envelope sender
 * (from, env) and from's domain is still in a warming tier with caps at
 * now: relay-policyd charges the envelope's domain, so such mail would be
 * signed for the warming domain past its caps. Past warming, or the same
 * enrollment: DECIDE_ALLOW.
 */
int	 decide_from_warming(const struct dom_fact *env,
	    const struct dom_fact *from, const struct conf_warming *w,
	    time_t now, char *detail, size_t detaillen);

/*
 * decide_listunsub - 1 when the List-Unsubscribe headers are to be added:
 * the domain opted in, the message has none of its own and one recipient
 * (rcpt), no longer than a token binds (TOKEN_RCPT_MAX: such an address
 * is beyond RFC 5321's limits, and the message goes without the headers
 * rather than be refused) and one the suppression list can hold: not an
 * address literal nor a one-label domain, which addr_norm() refuses and
 * the RCPT check therefore never looks up
 */
int	 decide_listunsub(const struct dom_fact *d,
	    const struct conf_unsubscribe *u, int has_own, size_t nrcpt,
	    const char *rcpt);

#endif
