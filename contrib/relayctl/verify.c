/*
 * NAME
 *	verify - what domain verify concludes from the DNS answers
 * DESCRIPTION
 *	Pure: no lookups here. The advice follows the service's
 *	troubleshooting guide: check the exact record name (with and without
 *	the domain, the trailing dot), compare the published value with
 *	ours, and allow for propagation time.
 * SEE ALSO
 *	verify.h, cmd_verify.c, tests/unit/test_ctl_verify.c
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hostcheck.h"
#include "parse.h"
#include "verify.h"

#define DKIM_P_MAX	1100

#define PROPAGATION \
	"DNS changes can take a few minutes to an hour to show; check with " \
	"dig +short TXT %s"

const char *
verify_state_name(enum verify_state s)
{
	switch (s) {
	case VERIFY_OK: return "ok";
	case VERIFY_MISSING: return "missing";
	case VERIFY_WRONG: return "wrong";
	default: return "unknown";
	}
}

int
verify_name(const struct verify_in *in, enum verify_name which, char *buf,
    size_t len)
{
	const char	*d = in->domain, *s = in->selector, *t = in->next_selector;
	int		 twice = 0, n;

	switch (which) {
	case VN_APEX2: twice = 1; /* FALLTHROUGH */
	case VN_APEX:
		n = snprintf(buf, len, "%s", d);
		break;
	case VN_RSA2: twice = 1; /* FALLTHROUGH */
	case VN_RSA:
		n = snprintf(buf, len, "%sr._domainkey.%s", s, d);
		break;
	case VN_ED2: twice = 1; /* FALLTHROUGH */
	case VN_ED:
		if (in->ed_txt == NULL)
			return -1;
		n = snprintf(buf, len, "%se._domainkey.%s", s, d);
		break;
	case VN_DMARC2: twice = 1; /* FALLTHROUGH */
	case VN_DMARC:
		n = snprintf(buf, len, "_dmarc.%s", d);
		break;
	case VN_NRSA2: twice = 1; /* FALLTHROUGH */
	case VN_NRSA:
		if (t == NULL || *t == '\0' || in->next_rsa_txt == NULL)
			return -1;
		n = snprintf(buf, len, "%sr._domainkey.%s", t, d);
		break;
	case VN_MX:
		if (in->mx_host == NULL || *in->mx_host == '\0')
			return -1;
		n = snprintf(buf, len, "%s", d);
		break;
	case VN_NED2: twice = 1; /* FALLTHROUGH */
	case VN_NED:
		if (t == NULL || *t == '\0' || in->next_ed_txt == NULL)
			return -1;
		n = snprintf(buf, len, "%se._domainkey.%s", t, d);
		break;
	default:
		return -1;
	}
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (twice) {
		size_t	 l = (size_t)n;
		int	 m = snprintf(buf + l, len - l, ".%s", d);

		if (m < 0 || (size_t)m >= len - l)
			return -1;
	}
	return 0;
}

/* starts_ci - s begins with prefix, ignoring case */
static int
starts_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* trimmed_eq - a equals b apart from white space around a */
static int
trimmed_eq(const char *a, const char *b)
{
	size_t	 la, lb = strlen(b);

	while (isspace((unsigned char)*a))
		a++;
	la = strlen(a);
	while (la > 0 && isspace((unsigned char)a[la - 1]))
		la--;
	return la == lb && strncmp(a, b, lb) == 0;
}

/* first_with - the first record that starts with prefix (any case), or NULL */
static const char *
first_with(const struct dns_txt *t, const char *prefix, size_t *count)
{
	const char	*hit = NULL;
	size_t		 i;

	*count = 0;
	if (t->status != DNS_FOUND)
		return NULL;
	for (i = 0; i < t->nrr; i++) {
		const char *r = t->rr[i];

		while (isspace((unsigned char)*r))
			r++;
		if (starts_ci(r, prefix)) {
			if (hit == NULL)
				hit = t->rr[i];
			(*count)++;
		}
	}
	return hit;
}

/*
 * set_found - what DNS holds, into c->found; a value too long is cut
 * between UTF-8 sequences (never inside one) and marked with "..."
 */
static void
set_found(struct verify_check *c, const char *v)
{
	size_t	 len = strlen(v), n;

	if (len < sizeof(c->found)) {
		memcpy(c->found, v, len + 1);
		return;
	}
	n = parse_utf8_cut(v, len, sizeof(c->found) - 4);
	memcpy(c->found, v, n);
	memcpy(c->found + n, "...", 4);
}

/* doubled - fill c for a record found only under NAME.DOMAIN.DOMAIN */
static void
doubled(struct verify_check *c, const char *domain, const char *twice)
{
	size_t	 nl = strlen(c->name), dl = strlen(domain);
	char	 rel[300];

	if (nl > dl + 1)
		snprintf(rel, sizeof(rel), "only \"%.*s\"", (int)(nl - dl - 1),
		    c->name);
	else
		snprintf(rel, sizeof(rel), "\"@\" (or leave it empty)");
	c->state = VERIFY_WRONG;
	snprintf(c->found, sizeof(c->found), "published at %s", twice);
	snprintf(c->fix, sizeof(c->fix), "the record is under the doubled name "
	    "%s: the DNS provider appended %s to the full name you entered. "
	    "Enter %s as the name, or the full name with a trailing dot "
	    "(%s.)", twice, domain, rel, c->name);
}

void
verify_unknown(struct verify_check *c)
{
	c->state = VERIFY_UNKNOWN;
	snprintf(c->fix, sizeof(c->fix), "the DNS server did not answer "
	    "(timeout, SERVFAIL or REFUSED); try again");
}

void
verify_spf_many(struct verify_check *c, size_t n)
{
	c->state = VERIFY_WRONG;
	snprintf(c->found, sizeof(c->found), "%zu records start with v=spf1",
	    n);
	snprintf(c->fix, sizeof(c->fix), "merge them into one: more than one "
	    "v=spf1 record is an error for receivers (RFC 7208, permerror)");
}

/*
 * missing - fill c for nothing at the name (nor under the doubled name).
 * A name that is an alias (t->cname) cannot hold a TXT record beside its
 * CNAME: the record belongs at the alias's target, or the CNAME goes.
 */
static void
missing(struct verify_check *c, const char *domain, const struct dns_txt *t)
{
	c->state = VERIFY_MISSING;
	if (t->cname != NULL) {
		snprintf(c->found, sizeof(c->found), "CNAME to %s, which has "
		    "no TXT record", t->cname);
		snprintf(c->fix, sizeof(c->fix), "%s is an alias (CNAME) for "
		    "%s, where no TXT record is published: publish the value "
		    "below at %s (whoever runs that zone, for a record "
		    "delegated to it), or replace the CNAME at %s by a TXT "
		    "record with the value below (a name with a CNAME holds "
		    "no other record). " PROPAGATION, c->name, t->cname,
		    t->cname, c->name, c->name);
		return;
	}
	snprintf(c->fix, sizeof(c->fix), "add a TXT record at %s with the value "
	    "below (at most 255 characters per string: `relayctl domain "
	    "records %s` prints it split, ready to paste). Some DNS providers "
	    "expect only the part before the domain as the name. " PROPAGATION,
	    c->name, domain, c->name);
}

/* aliased - for a wrong record found through a CNAME: say where it is */
static void
aliased(struct verify_check *c, const struct dns_txt *t)
{
	size_t	 l = strlen(c->fix);

	if (t->cname != NULL)
		snprintf(c->fix + l, sizeof(c->fix) - l, ". The record is at "
		    "%s (%s is a CNAME to it): change it there", t->cname,
		    c->name);
}

/* check_ownership - relay-verify=TOKEN at the domain */
static void
check_ownership(const struct verify_in *in, const struct dns_txt *f,
    struct verify_check *c)
{
	const char	*hit;
	size_t		 n, i;

	c->id = "ownership";
	c->required = 1;
	snprintf(c->name, sizeof(c->name), "%s", in->domain);
	snprintf(c->expect, sizeof(c->expect), "relay-verify=%s", in->token);
	if (f[VN_APEX].status == DNS_ETEMP)
		return verify_unknown(c);
	for (i = 0; f[VN_APEX].status == DNS_FOUND && i < f[VN_APEX].nrr; i++)
		if (trimmed_eq(f[VN_APEX].rr[i], c->expect)) {
			c->state = VERIFY_OK;
			return;
		}
	if ((hit = first_with(&f[VN_APEX], "relay-verify", &n)) != NULL) {
		c->state = VERIFY_WRONG;
		set_found(c, hit);
		snprintf(c->fix, sizeof(c->fix), "the TXT record at %s holds "
		    "another value (an old token, or a typo): replace it with "
		    "the value below, exactly", c->name);
		return;
	}
	for (i = 0; f[VN_APEX2].status == DNS_FOUND && i < f[VN_APEX2].nrr; i++)
		if (strstr(f[VN_APEX2].rr[i], in->token) != NULL) {
			char twice[300];

			snprintf(twice, sizeof(twice), "%s.%s", in->domain,
			    in->domain);
			return doubled(c, in->domain, twice);
		}
	missing(c, in->domain, &f[VN_APEX]);
}

/* check_dkim - a DKIM key record at NAME with the expected p= */
static void
check_dkim(const char *id, int required, const char *expect,
    const char *kt, enum verify_name slot, const struct verify_in *in,
    const struct dns_txt *f, struct verify_check *c)
{
	char		 want[DKIM_P_MAX], got[DKIM_P_MAX], k[256];
	const char	*r, *bad = NULL;
	size_t		 i;

	c->id = id;
	c->required = required;
	verify_name(in, slot, c->name, sizeof(c->name));
	snprintf(c->expect, sizeof(c->expect), "%s", expect);
	if (f[slot].status == DNS_ETEMP)
		return verify_unknown(c);
	if (parse_dkim_tag(expect, "p", want, sizeof(want)) != 0)
		want[0] = '\0';
	for (i = 0; f[slot].status == DNS_FOUND && i < f[slot].nrr; i++) {
		r = f[slot].rr[i];
		if (parse_dkim_tag(r, "p", got, sizeof(got)) == 0 &&
		    strcmp(got, want) == 0 &&
		    (parse_dkim_tag(r, "k", k, sizeof(k)) != 0 ?
		    strcmp(kt, "rsa") == 0 : strcmp(k, kt) == 0)) {
			/* our key, in a record receivers may discard */
			if ((bad = parse_dkim_invalid(r)) == NULL) {
				c->state = VERIFY_OK;
				return;
			}
			break;
		}
	}
	if (f[slot].status == DNS_FOUND) {
		r = bad != NULL ? f[slot].rr[i] : f[slot].rr[0];
		c->state = VERIFY_WRONG;
		set_found(c, r);
		if (bad != NULL)
			snprintf(c->fix, sizeof(c->fix), "the key is ours, but "
			    "receivers discard the record: %s (RFC 6376); "
			    "publish the value below", bad);
		else if (parse_dkim_tag(r, "p", got, sizeof(got)) != 0)
			snprintf(c->fix, sizeof(c->fix), "the record has no "
			    "p= tag: publish the value below");
		else if (strchr(got, '"') != NULL || strchr(got, '\\') != NULL)
			snprintf(c->fix, sizeof(c->fix), "the key holds quote "
			    "or backslash characters: paste the strings without "
			    "their quotes (or as one value if the provider "
			    "splits it itself)");
		else if (parse_dkim_tag(r, "k", k, sizeof(k)) == 0 &&
		    strcmp(k, kt) != 0)
			snprintf(c->fix, sizeof(c->fix), "the record says k=%s, "
			    "this selector holds the %s key: publish the value "
			    "below", k, kt);
		else if (got[0] != '\0' && strlen(got) < strlen(want) &&
		     strncmp(want, got, strlen(got)) == 0)
			snprintf(c->fix, sizeof(c->fix), "the key is cut off "
			    "after %zu of %zu characters: the provider may limit "
			    "a string to 255 characters; publish the value as "
			    "several strings of one record", strlen(got),
			    strlen(want));
		else
			snprintf(c->fix, sizeof(c->fix), "the published key "
			    "is not ours (an old key, or a copy that lost "
			    "characters): replace it with the value below");
		aliased(c, &f[slot]);
		return;
	}
	if (f[slot + 1].status == DNS_FOUND && f[slot + 1].nrr > 0 &&
	    want[0] != '\0' && parse_dkim_tag(f[slot + 1].rr[0], "p", got,
	    sizeof(got)) == 0) {
		char twice[400];

		verify_name(in, (enum verify_name)(slot + 1), twice,
		    sizeof(twice));
		return doubled(c, in->domain, twice);
	}
	missing(c, in->domain, &f[slot]);
}

/* check_spf - one v=spf1 record at the domain, with our include */
static void
check_spf(const struct verify_in *in, const struct dns_txt *f,
    struct verify_check *c)
{
	const char	*inc = in->spf_include ? in->spf_include : "";
	const char	*hit;
	char		 mech[300];
	size_t		 n, n2;

	c->id = "spf";
	snprintf(c->name, sizeof(c->name), "%s", in->domain);
	if (*inc != '\0')
		snprintf(c->expect, sizeof(c->expect), "v=spf1 include:%s ~all",
		    inc);
	else
		snprintf(c->expect, sizeof(c->expect), "v=spf1 ... ~all");
	if (f[VN_APEX].status == DNS_ETEMP)
		return verify_unknown(c);
	hit = first_with(&f[VN_APEX], "v=spf1", &n);
	if (n > 1)
		return verify_spf_many(c, n);
	if (n == 0) {
		if (first_with(&f[VN_APEX2], "v=spf1", &n2) != NULL) {
			char twice[300];

			snprintf(twice, sizeof(twice), "%s.%s", in->domain,
			    in->domain);
			return doubled(c, in->domain, twice);
		}
		if (*inc == '\0') {
			/* records prints no SPF record: say what instead */
			c->state = VERIFY_MISSING;
			snprintf(c->fix, sizeof(c->fix), "add a TXT record "
			    "\"v=spf1 ... ~all\" at %s naming the hosts this "
			    "relay sends from (relay.conf sets no "
			    "relayctl.spf_include, so relayctl proposes no "
			    "record)", c->name);
			return;
		}
		return missing(c, in->domain, &f[VN_APEX]);
	}
	set_found(c, hit);
	if (*inc == '\0') {
		c->state = VERIFY_OK;
		return;
	}
	snprintf(mech, sizeof(mech), "include:%s", inc);
	if (host_spf_has(hit, mech)) {
		c->state = VERIFY_OK;
		return;
	}
	c->state = VERIFY_WRONG;
	snprintf(c->fix, sizeof(c->fix), "add %s to this record, before its "
	    "\"all\" mechanism", mech);
}

/* check_dmarc - one v=DMARC1 record at _dmarc */
static void
check_dmarc(const struct verify_in *in, const struct dns_txt *f,
    struct verify_check *c)
{
	const char	*hit;
	size_t		 n, n2;

	c->id = "dmarc";
	verify_name(in, VN_DMARC, c->name, sizeof(c->name));
	snprintf(c->expect, sizeof(c->expect), "v=DMARC1; p=none");
	if (f[VN_DMARC].status == DNS_ETEMP)
		return verify_unknown(c);
	hit = first_with(&f[VN_DMARC], "v=DMARC1", &n);
	if (n == 1) {
		c->state = VERIFY_OK;
		set_found(c, hit);
		return;
	}
	if (n > 1) {
		c->state = VERIFY_WRONG;
		snprintf(c->found, sizeof(c->found), "%zu DMARC records", n);
		snprintf(c->fix, sizeof(c->fix), "keep one: receivers ignore "
		    "DMARC when there are several (RFC 7489)");
		return;
	}
	if (f[VN_DMARC].status == DNS_FOUND) {
		c->state = VERIFY_WRONG;
		set_found(c, f[VN_DMARC].rr[0]);
		snprintf(c->fix, sizeof(c->fix), "a DMARC record starts with "
		    "v=DMARC1");
		aliased(c, &f[VN_DMARC]);
		return;
	}
	if (first_with(&f[VN_DMARC2], "v=DMARC1", &n2) != NULL) {
		char twice[300];

		verify_name(in, VN_DMARC2, twice, sizeof(twice));
		return doubled(c, in->domain, twice);
	}
	missing(c, in->domain, &f[VN_DMARC]);
	snprintf(c->fix + strlen(c->fix), sizeof(c->fix) - strlen(c->fix),
	    " (p=none only reports; tighten it once mail passes)");
}

/* check_mx - a domain with a forward-to has an MX naming the relay */
static void
check_mx(const struct verify_in *in, const struct dns_txt *f,
    struct verify_check *c)
{
	const struct dns_txt *mx = &f[VN_MX];
	size_t		 i, len;

	c->id = "mx";
	c->type = "MX";
	snprintf(c->name, sizeof(c->name), "%s", in->domain);
	snprintf(c->expect, sizeof(c->expect), "10 %s.", in->mx_host);
	if (mx->status == DNS_ETEMP)
		return verify_unknown(c);
	for (i = 0; mx->status == DNS_FOUND && i < mx->nrr; i++)
		if (parse_same_host(mx->rr[i], in->mx_host)) {
			c->state = VERIFY_OK;
			return;
		}
	if (mx->status != DNS_FOUND) {
		c->state = VERIFY_MISSING;
		snprintf(c->fix, sizeof(c->fix), "the domain has a forward-to "
		    "but no MX record: replies to %s do not reach the relay, "
		    "so the forward-to gets none. Add an MX record at %s "
		    "naming %s. DNS changes can take a few minutes to an hour "
		    "to show; check with dig +short MX %s", in->domain,
		    in->domain, in->mx_host, in->domain);
		return;
	}
	c->state = VERIFY_WRONG;
	for (i = 0; i < mx->nrr; i++) {
		len = strlen(c->found);
		snprintf(c->found + len, sizeof(c->found) - len, "%s%s",
		    i ? ", " : "", mx->rr[i]);
	}
	snprintf(c->fix, sizeof(c->fix), "the MX of %s names other hosts: "
	    "replies go to them, and the forward-to gets none. If the "
	    "domain's mail should come to the relay, make %s its MX; if it "
	    "has mailboxes of its own elsewhere, remove the forward-to "
	    "(relayctl domain forward %s --none)", in->domain, in->mx_host,
	    in->domain);
}

void
verify_decide(const struct verify_in *in, const struct dns_txt f[VN__COUNT],
    struct verify_out *out)
{
	struct verify_check *c;
	size_t		 i;
	int		 next = in->next_selector != NULL &&
			    *in->next_selector != '\0';

	memset(out, 0, sizeof(*out));
	check_ownership(in, f, &out->checks[out->n++]);
	if (in->rsa_txt != NULL)
		check_dkim("dkim-rsa", 1, in->rsa_txt, "rsa", VN_RSA, in, f,
		    &out->checks[out->n++]);
	if (in->ed_txt != NULL)
		check_dkim("dkim-ed25519", 1, in->ed_txt, "ed25519", VN_ED, in,
		    f, &out->checks[out->n++]);
	check_spf(in, f, &out->checks[out->n++]);
	check_dmarc(in, f, &out->checks[out->n++]);
	if (in->mx_host != NULL && *in->mx_host != '\0')
		check_mx(in, f, &out->checks[out->n++]);
	out->next_ok = 0;
	if (next && in->next_rsa_txt != NULL) {
		c = &out->checks[out->n++];
		check_dkim("dkim-rsa-next", 0, in->next_rsa_txt, "rsa", VN_NRSA,
		    in, f, c);
		out->next_ok = c->state == VERIFY_OK;
		if (in->next_ed_txt != NULL) {
			c = &out->checks[out->n++];
			check_dkim("dkim-ed25519-next", 0, in->next_ed_txt,
			    "ed25519", VN_NED, in, f, c);
			out->next_ok = out->next_ok && c->state == VERIFY_OK;
		}
	}
	out->ownership_ok = out->checks[0].state == VERIFY_OK;
	out->required_ok = 1;
	for (i = 0; i < out->n; i++) {
		if (out->checks[i].type == NULL)
			out->checks[i].type = "TXT";
		if (out->checks[i].required && out->checks[i].state != VERIFY_OK)
			out->required_ok = 0;
		if (out->checks[i].state == VERIFY_UNKNOWN)
			out->unknown = 1;
	}
}
