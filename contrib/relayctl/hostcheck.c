/*
 * NAME
 *	hostcheck - relayctl host check's decision: the relay's own DNS
 * DESCRIPTION
 *	See hostcheck.h.
 */
#include <sys/socket.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hostcheck.h"
#include "parse.h"

/* add_skipped - one term into spf->skipped (what fits) */
static void
add_skipped(struct host_spf *spf, const char *term, size_t len)
{
	size_t	 l = strlen(spf->skipped);

	if (l + len + 2 > sizeof(spf->skipped))
		return;
	if (l > 0)
		spf->skipped[l++] = ' ';
	memcpy(spf->skipped + l, term, len);
	spf->skipped[l + len] = '\0';
}

/*
 * one_host - the address of an ip4:/ip6: value of one host (no prefix
 * length, or /32 or /128) in canonical form into buf; 0 or -1
 */
static int
one_host(int af, const char *v, size_t len, char *buf, size_t buflen)
{
	char		 a[INET6_ADDRSTRLEN + 8];
	unsigned char	 bin[16];
	const char	*slash;

	if (len == 0 || len >= sizeof(a))
		return -1;
	memcpy(a, v, len);
	a[len] = '\0';
	if ((slash = strchr(a, '/')) != NULL) {
		if (strcmp(slash + 1, af == AF_INET ? "32" : "128") != 0)
			return -1;
		a[slash - a] = '\0';
	}
	if (inet_pton(af, a, bin) != 1 || inet_ntop(af, bin, buf,
	    (socklen_t)buflen) == NULL)
		return -1;
	return 0;
}

/*
 * next_term - the next term of a v=spf1 record at *p (after "v=spf1"):
 * its qualifier ('+' when none) and body; 0 at the end or at "all",
 * whose qualifier is then in *q and *all set
 */
static int
next_term(const char **p, char *q, const char **body, size_t *len,
    int *all)
{
	const char	*s = *p;
	size_t		 n;

	*all = 0;
	while (isspace((unsigned char)*s))
		s++;
	for (n = 0; s[n] != '\0' && !isspace((unsigned char)s[n]); n++)
		;
	*p = s + n;
	if (n == 0)
		return 0;
	*q = strchr("+-~?", *s) != NULL ? *s : '+';
	if (*q == *s) {
		s++;
		n--;
	}
	*body = s;
	*len = n;
	if (n == 3 && strncasecmp(s, "all", 3) == 0) {
		*all = 1;
		return 0;
	}
	return 1;
}

/* spf_body - the record after its "v=spf1", or NULL when it is none */
static const char *
spf_body(const char *record)
{
	while (isspace((unsigned char)*record))
		record++;
	if (strncasecmp(record, "v=spf1", 6) != 0 || (record[6] != '\0' &&
	    !isspace((unsigned char)record[6])))
		return NULL;
	return record + 6;
}

int
host_spf_parse(const char *record, struct host_spf *out)
{
	const char	*p, *b, *t, *v;
	char		 ip[INET6_ADDRSTRLEN], q;
	size_t		 len, n, i;
	int		 af, all;

	memset(out, 0, sizeof(*out));
	if ((p = spf_body(record)) == NULL)
		return -1;
	/* up to "all", with any qualifier (RFC 7208 5.1) */
	while (next_term(&p, &q, &b, &len, &all)) {
		/* the term as written, with its qualifier */
		t = isspace((unsigned char)b[-1]) ? b : b - 1;
		n = len + (size_t)(b - t);
		if (q != '+') {			/* -, ~, ?: not ours */
			add_skipped(out, t, n);
			continue;
		}
		af = strncasecmp(b, "ip4:", 4) == 0 ? AF_INET :
		    strncasecmp(b, "ip6:", 4) == 0 ? AF_INET6 : 0;
		v = b + 4;
		if (af == 0 || one_host(af, v, len - 4, ip, sizeof(ip)) != 0 ||
		    out->n == HOST_MAX_IPS) {
			add_skipped(out, t, n);
			continue;
		}
		for (i = 0; i < out->n && strcmp(out->ip[i], ip) != 0; i++)
			;
		if (i == out->n)
			memcpy(out->ip[out->n++], ip, sizeof(ip));
	}
	return 0;
}

int
host_spf_has(const char *record, const char *term)
{
	const char	*p = spf_body(record), *b;
	size_t		 len;
	char		 q;
	int		 all;

	while (p != NULL && next_term(&p, &q, &b, &len, &all))
		if (q == '+' && len == strlen(term) &&
		    strncasecmp(b, term, len) == 0)
			return 1;
	return 0;
}

int
host_spf_match(const char *record, const char *ip)
{
	const char	*p = spf_body(record), *b, *eq, *col;
	char		 q = '+', a[INET6_ADDRSTRLEN];
	size_t		 len;
	int		 all = 0, af, mpass = 0, mfail = 0, r = -1;

	if (p == NULL)
		return HOST_SPF_FAIL;
	while (r < 0 && next_term(&p, &q, &b, &len, &all)) {
		eq = memchr(b, '=', len);
		col = memchr(b, ':', len);
		if (eq != NULL && (col == NULL || eq < col)) {
			/* a modifier: redirect= may say anything */
			if (len > 9 && strncasecmp(b, "redirect=", 9) == 0)
				mpass = mfail = 1;
			continue;
		}
		af = strncasecmp(b, "ip4:", 4) == 0 ? AF_INET :
		    strncasecmp(b, "ip6:", 4) == 0 ? AF_INET6 : 0;
		if (af != 0 && one_host(af, b + 4, len - 4, a, sizeof(a)) == 0) {
			if (strcmp(a, ip) == 0)
				r = q == '+' ? HOST_SPF_PASS : HOST_SPF_FAIL;
			continue;
		}
		/* include:, a, mx, a network...: may match, or not */
		if (q == '+')
			mpass = 1;
		else
			mfail = 1;
	}
	/* no term matched: "all" decides, or the end (neutral: no pass) */
	if (r < 0)
		r = all && q == '+' ? HOST_SPF_PASS : HOST_SPF_FAIL;
	if ((r == HOST_SPF_PASS && mfail) || (r == HOST_SPF_FAIL && mpass))
		return HOST_SPF_UNKNOWN;
	return r;
}

int
host_rev_name(const char *ip, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 b[16];
	size_t		 o = 0;
	int		 i, n;

	if (inet_pton(AF_INET, ip, b) == 1) {
		n = snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2],
		    b[1], b[0]);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	if (inet_pton(AF_INET6, ip, b) != 1 || len < 16 * 4 + 9)
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[o++] = hex[b[i] & 15];
		buf[o++] = '.';
		buf[o++] = hex[b[i] >> 4];
		buf[o++] = '.';
	}
	memcpy(buf + o, "ip6.arpa", 9);
	return 0;
}

/* first_spf - the first v=spf1 record of t and how many there are */
static const char *
first_spf(const struct dns_txt *t, size_t *count)
{
	struct host_spf	 tmp;
	const char	*hit = NULL;
	size_t		 i;

	*count = 0;
	for (i = 0; t->status == DNS_FOUND && i < t->nrr; i++)
		if (host_spf_parse(t->rr[i], &tmp) == 0) {
			if (hit == NULL)
				hit = t->rr[i];
			(*count)++;
		}
	return hit;
}

/* cut - v into buf, cut to fit with "..." (a DNS value: any length) */
static void
cut(char *buf, size_t len, const char *v)
{
	if ((size_t)snprintf(buf, len, "%s", v) >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

void
host_spf_check(const char *name, const struct dns_txt *t,
    const char *const *given, size_t ngiven, struct host_spf *spf,
    struct verify_check *c)
{
	const char	*hit;
	size_t		 n, i;

	memset(spf, 0, sizeof(*spf));
	memset(c, 0, sizeof(*c));
	c->id = "spf";
	c->type = "TXT";
	c->required = 1;
	cut(c->name, sizeof(c->name), name);
	snprintf(c->expect, sizeof(c->expect), "v=spf1 ip4:ADDRESS ip6:ADDRESS "
	    "~all (every address the relay sends from)");
	if (t->status == DNS_ETEMP)
		return verify_unknown(c);
	hit = first_spf(t, &n);
	if (n == 0) {
		c->state = VERIFY_MISSING;
		snprintf(c->fix, sizeof(c->fix), "publish a TXT record at %s "
		    "naming every address the relay sends from (relay.conf's "
		    "relayctl.spf_include: the members' SPF records include "
		    "it, and their mail fails SPF while it is missing)",
		    c->name);
		return;
	}
	cut(c->found, sizeof(c->found), hit);
	if (n > 1)
		return verify_spf_many(c, n);
	host_spf_parse(hit, spf);
	for (i = 0; i < ngiven; i++)
		if (host_spf_match(hit, given[i]) == HOST_SPF_FAIL) {
			c->state = VERIFY_WRONG;
			snprintf(c->fix, sizeof(c->fix), "%s does not pass it: "
			    "the members' SPF fails for mail the relay sends "
			    "from %s; add %s:%s before its \"all\"", given[i],
			    given[i], strchr(given[i], ':') ? "ip6" : "ip4",
			    given[i]);
			return;
		}
	if (spf->n == 0 && ngiven == 0) {
		c->state = VERIFY_WRONG;
		snprintf(c->fix, sizeof(c->fix), "it names no single address "
		    "(ip4:/ip6:) to check; name the relay's addresses: "
		    "relayctl host check ADDRESS...");
		return;
	}
	c->state = VERIFY_OK;
}

void
host_retpath_check(const char *name, const struct dns_txt *t,
    const char *inc, const char *const *given, size_t ngiven,
    struct verify_check *c)
{
	const char	*hit;
	char		 mech[300];
	size_t		 n, i;

	memset(c, 0, sizeof(*c));
	c->id = "spf";
	c->type = "TXT";
	c->required = 1;
	cut(c->name, sizeof(c->name), name);
	if (inc != NULL && *inc != '\0') {
		snprintf(mech, sizeof(mech), "include:%s", inc);
		snprintf(c->expect, sizeof(c->expect), "v=spf1 %s ~all", mech);
	} else {
		mech[0] = '\0';
		snprintf(c->expect, sizeof(c->expect), "v=spf1 ip4:ADDRESS "
		    "ip6:ADDRESS ~all (every address the relay sends from)");
	}
	if (t->status == DNS_ETEMP)
		return verify_unknown(c);
	hit = first_spf(t, &n);
	if (n == 0) {
		c->state = VERIFY_MISSING;
		snprintf(c->fix, sizeof(c->fix), "publish \"%s\" at %s: with "
		    "unsubscribe.return_path every message's envelope sender "
		    "is b+TOKEN@%s, and receivers check SPF for it", c->expect,
		    c->name, c->name);
		return;
	}
	cut(c->found, sizeof(c->found), hit);
	if (n > 1)
		return verify_spf_many(c, n);
	if (mech[0] != '\0') {
		c->state = host_spf_has(hit, mech) ? VERIFY_OK : VERIFY_WRONG;
		if (c->state == VERIFY_WRONG)
			snprintf(c->fix, sizeof(c->fix), "add %s to this "
			    "record, before its \"all\" mechanism", mech);
		return;
	}
	for (i = 0; i < ngiven; i++)
		if (host_spf_match(hit, given[i]) == HOST_SPF_FAIL) {
			c->state = VERIFY_WRONG;
			snprintf(c->fix, sizeof(c->fix), "%s does not pass it: "
			    "add %s:%s before its \"all\"", given[i],
			    strchr(given[i], ':') ? "ip6" : "ip4", given[i]);
			return;
		}
	c->state = VERIFY_OK;
}

/* join_rr - the records of t, ", "-separated, into buf (cut to fit) */
static void
join_rr(char *buf, size_t len, const struct dns_txt *t, size_t max)
{
	size_t	 i, l = 0;
	int	 n;

	buf[0] = '\0';
	for (i = 0; i < t->nrr && i < max && l < len; i++) {
		n = snprintf(buf + l, len - l, "%s%s", i ? ", " : "", t->rr[i]);
		if (n < 0 || (size_t)n >= len - l) {
			if (len > 4)	/* cut: mark it */
				memcpy(buf + len - 4, "...", 4);
			return;
		}
		l += (size_t)n;
	}
}

/* no_ptr - c for a check that needs the PTR record, which is not there */
static void
no_ptr(struct verify_check *c, const struct dns_txt *ptr)
{
	if (ptr->status == DNS_ETEMP)
		return verify_unknown(c);
	c->state = VERIFY_MISSING;
	snprintf(c->fix, sizeof(c->fix), "there is no PTR record to check: "
	    "publish it first");
}

size_t
host_decide(const struct host_in *in, struct verify_check *out)
{
	struct verify_check	*c;
	const char		*af = strchr(in->ip, ':') ? "AAAA" : "A";
	size_t			 i, k, n, nptr;
	int			 etemp = 0, back = 0;

	memset(out, 0, HOST_CHECKS * sizeof(*out));
	nptr = in->ptr->status == DNS_FOUND ? in->ptr->nrr : 0;
	if (nptr > HOST_MAX_PTR)
		nptr = HOST_MAX_PTR;

	c = &out[0];			/* the PTR record */
	c->id = "ptr";
	c->type = "PTR";
	c->required = 1;
	cut(c->name, sizeof(c->name), in->rev);
	snprintf(c->expect, sizeof(c->expect), "%s", in->helo != NULL &&
	    *in->helo ? in->helo : "the relay's host name");
	if (in->ptr->status == DNS_FOUND) {
		c->state = VERIFY_OK;
		join_rr(c->found, sizeof(c->found), in->ptr, HOST_MAX_PTR);
	} else if (in->ptr->status == DNS_ETEMP)
		no_ptr(c, in->ptr);
	else {
		c->state = VERIFY_MISSING;
		snprintf(c->fix, sizeof(c->fix), "%s has no reverse DNS: ask "
		    "whoever runs its network (the hosting provider) for a "
		    "PTR record at %s naming the relay's host name (Postfix's "
		    "myhostname), a name whose %s record is %s. Receivers "
		    "refuse or score down mail from an address without one",
		    in->ip, c->name, af, in->ip);
	}

	c = &out[1];			/* forward-confirmed reverse DNS */
	c->id = "fcrdns";
	c->type = af;
	c->required = 1;
	snprintf(c->expect, sizeof(c->expect), "%s", in->ip);
	if (nptr == 0) {
		snprintf(c->name, sizeof(c->name), "%s", "(the PTR name)");
		no_ptr(c, in->ptr);
	} else {
		cut(c->name, sizeof(c->name), in->ptr->rr[0]);
		for (i = 0; i < nptr && !back; i++) {
			if (in->fwd[i].status == DNS_ETEMP)
				etemp = 1;
			for (k = 0; in->fwd[i].status == DNS_FOUND &&
			    k < in->fwd[i].nrr && !back; k++)
				if (strcmp(in->fwd[i].rr[k], in->ip) == 0) {
					cut(c->name, sizeof(c->name),
					    in->ptr->rr[i]);
					back = 1;
				}
		}
		if (back)
			c->state = VERIFY_OK;
		else if (etemp)
			verify_unknown(c);
		else {
			c->state = VERIFY_WRONG;
			if (in->fwd[0].status == DNS_FOUND)
				join_rr(c->found, sizeof(c->found),
				    &in->fwd[0], 8);
			else
				snprintf(c->found, sizeof(c->found), "no %s "
				    "record", af);
			snprintf(c->fix, sizeof(c->fix), "the PTR name %s does "
			    "not lead back to %s: publish an %s record at %s "
			    "with %s, or point the PTR record at a name that "
			    "has one. Receivers check that the PTR name "
			    "resolves to the address (forward-confirmed "
			    "reverse DNS)",
			    c->name, in->ip, af, c->name, in->ip);
		}
	}
	n = 2;
	if (in->helo == NULL || *in->helo == '\0')
		return n;

	c = &out[n++];			/* the HELO name */
	c->id = "helo";
	c->type = "PTR";
	c->required = 0;
	cut(c->name, sizeof(c->name), in->helo);
	snprintf(c->expect, sizeof(c->expect), "%s", in->helo);
	if (nptr == 0) {
		no_ptr(c, in->ptr);
		return n;
	}
	for (i = 0; i < nptr; i++)
		if (parse_same_host(in->ptr->rr[i], in->helo)) {
			c->state = VERIFY_OK;
			return n;
		}
	c->state = VERIFY_WRONG;
	join_rr(c->found, sizeof(c->found), in->ptr, HOST_MAX_PTR);
	snprintf(c->fix, sizeof(c->fix), "the relay introduces itself as %s "
	    "but %s's PTR record names %s: set Postfix's smtp_helo_name (or "
	    "myhostname) to that name, or the PTR record to %s",
	    in->helo, in->ip, in->ptr->rr[0], in->helo);
	return n;
}
