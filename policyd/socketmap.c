/*
 * NAME
 *	socketmap - netstrings and the domains/forward lookups (pure)
 * SEE ALSO
 *	socketmap.h, socketmap_table(5), tests/fuzz/fuzz_netstring.c
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "policyd_rval.h"
#include "socketmap.h"

const char *const sm_domain_fields[] = { "member", "verified_at", "forward_to" };
const size_t sm_domain_nfields =
    sizeof(sm_domain_fields) / sizeof(sm_domain_fields[0]);

int
sm_parse(const char *buf, size_t len, struct sm_req *req, size_t *used)
{
	size_t	 n = 0, i, digits, plen;
	const char *payload, *sp;
	size_t	 nl;

	*used = 0;
	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i == 1 && buf[0] == '0')
			return SM_EBAD;		/* leading zero */
		n = n * 10 + (size_t)(buf[i] - '0');
		if (n > SM_MAX_REQUEST)
			return SM_ETOOLONG;
	}
	digits = i;
	if (i == len)
		return digits > 6 ? SM_EBAD : SM_MORE;
	if (digits == 0 || buf[i] != ':')
		return SM_EBAD;
	if (len < digits + 1 + n + 1)
		return SM_MORE;
	payload = buf + digits + 1;
	if (payload[n] != ',')
		return SM_EBAD;
	plen = n;
	if (memchr(payload, '\0', plen) != NULL)
		return SM_EBAD;
	sp = memchr(payload, ' ', plen);
	if (sp == NULL || sp == payload ||
	    (size_t)(payload + plen - (sp + 1)) == 0)
		return SM_EBAD;
	/* a longer name is no map of ours: cut, it stays unknown */
	nl = (size_t)(sp - payload);
	if (nl >= sizeof(req->name))
		nl = sizeof(req->name) - 1;
	memcpy(req->name, payload, nl);
	req->name[nl] = '\0';
	memcpy(req->key, sp + 1, (size_t)(payload + plen - (sp + 1)));
	req->key[payload + plen - (sp + 1)] = '\0';
	*used = digits + 1 + n + 1;
	return SM_REQ;
}

const char *
sm_strerror(int rc)
{
	switch (rc) {
	case SM_EBAD:
		return "malformed netstring";
	case SM_ETOOLONG:
		return "netstring too long";
	default:
		return "ok";
	}
}

size_t
sm_format(char *buf, size_t len, const char *status, const char *value)
{
	char	 payload[SM_MAX_REPLY];
	int	 n, m;

	if (value != NULL && *value != '\0')
		n = snprintf(payload, sizeof(payload), "%s %s", status, value);
	else
		n = snprintf(payload, sizeof(payload), "%s ", status);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return 0;
	m = snprintf(buf, len, "%d:%s,", n, payload);
	if (m < 0 || (size_t)m >= len)
		return 0;
	return (size_t)m;
}

enum sm_map
sm_map_of(const char *name)
{
	if (strcmp(name, "domains") == 0)
		return SM_MAP_DOMAINS;
	if (strcmp(name, "forward") == 0)
		return SM_MAP_FORWARD;
	return SM_MAP_UNKNOWN;
}

int
sm_key_domain(enum sm_map map, const char *key, char *out, size_t len)
{
	char	 addr[ADDR_BUFSIZE];

	switch (map) {
	case SM_MAP_DOMAINS:
		return addr_domain_norm(key, out, len) == ADDR_OK ? 0 : -1;
	case SM_MAP_FORWARD:
		if (key[0] == '@')
			return addr_domain_norm(key + 1, out, len) == ADDR_OK ?
			    0 : -1;
		if (addr_norm(key, addr, sizeof(addr)) != ADDR_OK)
			return -1;
		if (strlen(addr_domain_of(addr)) >= len)
			return -1;
		memcpy(out, addr_domain_of(addr), strlen(addr_domain_of(addr)) + 1);
		return 0;
	default:
		return -1;
	}
}

int
sm_domain_from(const struct rval *r, struct sm_domain *d)
{
	const struct rval *m, *fwd;
	long long v = 0;

	memset(d, 0, sizeof(*d));
	if (r == NULL || r->type != RVAL_ARRAY || r->nel != sm_domain_nfields)
		return -1;
	m = rval_at(r, 0);
	if (rval_badstr(m) || rval_badstr(rval_at(r, 2)))
		return -1;
	if (rval_str(m) == NULL || m->len == 0)
		return 0;
	d->exists = 1;
	if (rval_at(r, 1) != NULL && rval_at(r, 1)->type != RVAL_NIL &&
	    rval_int(rval_at(r, 1), &v) < 0)
		return -1;
	d->verified_at = v;
	fwd = rval_at(r, 2);
	if (rval_str(fwd) != NULL) {
		if (fwd->len >= sizeof(d->forward_to))
			return -1;
		memcpy(d->forward_to, fwd->str, fwd->len + 1);
	}
	return 0;
}

void
sm_answer(enum sm_map map, const char *domain, const struct sm_domain *d,
    const char **status, char *value, size_t vlen)
{
	char	 addr[ADDR_BUFSIZE];

	value[0] = '\0';
	*status = "NOTFOUND";
	if (!d->exists || d->verified_at <= 0)
		return;
	/*
	 * Only domains that take replies are Postfix's own: listed without
	 * a forward-to, every message to the domain (the member's own mail
	 * through the relay, the bounce notices to its senders) would be
	 * refused or bounced here instead of going to the domain's MX.
	 */
	if (map == SM_MAP_DOMAINS) {
		if (d->forward_to[0] == '\0')
			return;
		*status = "OK";
		snprintf(value, vlen, "%s", domain);
		return;
	}
	if (map != SM_MAP_FORWARD || d->forward_to[0] == '\0')
		return;
	if (addr_norm(d->forward_to, addr, sizeof(addr)) != ADDR_OK) {
		*status = "TEMP";
		snprintf(value, vlen, "bad forward-to address stored");
		return;
	}
	*status = "OK";
	snprintf(value, vlen, "%s", addr);
}
