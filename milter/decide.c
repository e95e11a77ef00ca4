/*
 * NAME
 *	decide - relay-milter's decisions (enrollment, List-Unsubscribe)
 * DESCRIPTION
 *	Pure functions; see decide.h for the rules.
 * SEE ALSO
 *	decide.h, mlfi.c, tests/unit/test_milter_decide.c
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "decide.h"
#include "tier.h"
#include "token.h"

/* owned - the verdict for the record that decides */
static int
owned(const char *handle, const char *domain, const struct dom_fact *f,
    char *detail, size_t len)
{
	if (strcmp(f->member, handle) != 0) {
		snprintf(detail, len, "domain %s is not enrolled under your "
		    "account", domain);
		return DECIDE_REJECT;
	}
	if (f->verified_at <= 0) {
		snprintf(detail, len, "domain %s is not verified yet",
		    f->domain);
		return DECIDE_REJECT;
	}
	return DECIDE_ALLOW;
}

int
decide_domain(const char *handle, const char *domain,
    const struct dom_fact *f, size_t n, size_t *match, char *detail,
    size_t detaillen)
{
	size_t	 i;

	detail[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!f[i].exists)
			continue;
		if (i > 0 && !f[i].subdomains) {
			/* The nearest record decides: no subdomains there. */
			if (strcmp(f[i].member, handle) == 0)
				snprintf(detail, detaillen, "subdomain %s of %s "
				    "is not allowed to send", domain,
				    f[i].domain);
			else
				snprintf(detail, detaillen, "domain %s is not "
				    "enrolled under your account", domain);
			return DECIDE_REJECT;
		}
		*match = i;
		return owned(handle, domain, &f[i], detail, detaillen);
	}
	snprintf(detail, detaillen, "domain %s is not enrolled under your "
	    "account", domain);
	return DECIDE_REJECT;
}

int
decide_suppress_kind(const char *json, size_t len)
{
	static const struct { const char *reason; int kind; } t[] = {
		{ "unsubscribe", DECIDE_SUPP_UNSUBSCRIBE },
		{ "hard_bounce", DECIDE_SUPP_HARD },
		{ "soft_bounce_limit", DECIDE_SUPP_SOFT },
		{ "complaint", DECIDE_SUPP_COMPLAINT },
	};
	static const char key[] = "\"reason\":\"";
	const char	*p, *end = json + len;
	size_t		 i, n;

	/* the writers (Lua cjson, relayctl's jansson) put no space there */
	for (p = json; p + sizeof(key) - 1 <= end; p++) {
		if (memcmp(p, key, sizeof(key) - 1) != 0)
			continue;
		p += sizeof(key) - 1;
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			n = strlen(t[i].reason);
			if (p + n < end && memcmp(p, t[i].reason, n) == 0 &&
			    p[n] == '"')
				return t[i].kind;
		}
		break;
	}
	return DECIDE_SUPP_LISTED;
}

const char *
decide_suppress_detail(int kind)
{
	switch (kind) {
	case DECIDE_SUPP_UNSUBSCRIBE:
		return "unsubscribed (List-Unsubscribe); remove them from "
		    "your list";
	case DECIDE_SUPP_HARD:
		return "an earlier message bounced (the address does not "
		    "exist); remove them from your list";
	case DECIDE_SUPP_SOFT:
		return "earlier messages kept failing (soft bounces)";
	case DECIDE_SUPP_COMPLAINT:
		return "reported an earlier message as spam; remove them "
		    "from your list";
	default:
		return "on your suppression list";
	}
}

int
decide_from_warming(const struct dom_fact *env, const struct dom_fact *from,
    const struct conf_warming *w, time_t now, char *detail, size_t detaillen)
{
	struct tier	 t;

	if (strcasecmp(env->domain, from->domain) == 0)
		return DECIDE_ALLOW;
	tier_of(w, from->verified_at, now, &t);
	if (t.tier == 0 || (t.per_hour == 0 && t.per_day == 0))
		return DECIDE_ALLOW;
	snprintf(detail, detaillen, "header From: domain %s is warming up "
	    "(tier %d of %d) and its caps are charged to the MAIL FROM "
	    "domain: send its mail with MAIL FROM on %s until its warming "
	    "ends", from->domain, t.tier, t.ntiers, from->domain);
	return DECIDE_REJECT;
}

int
decide_listunsub(const struct dom_fact *d, const struct conf_unsubscribe *u,
    int has_own, size_t nrcpt, const char *rcpt)
{
	char	 norm[ADDR_BUFSIZE];

	if (!d->listunsub || has_own || nrcpt != 1 ||
	    strlen(rcpt) > TOKEN_RCPT_MAX ||
	    addr_norm(rcpt, norm, sizeof(norm)) != ADDR_OK)
		return 0;
	return u->domain != NULL && u->domain[0] != '\0' &&
	    u->hmac_key != NULL && u->hmac_key[0] != '\0';
}
