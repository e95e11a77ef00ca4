/*
 * NAME
 *	rkeys - key names of the Redis schema, version 1
 * DESCRIPTION
 *	The table below is the schema in code; common/SCHEMA.md is the same
 *	schema in words (types, fields, TTLs, which program and which script
 *	touch each key). test_rkeys checks that every pattern here appears
 *	in SCHEMA.md.
 * SEE ALSO
 *	rkeys.h, SCHEMA.md
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "rkeys.h"

struct rkey_row {
	enum rkey_kind	 kind;
	const char	*name;
	const char	*pattern;	/* %s: id, then sub */
	int		 nids;		/* 0, 1 or 2 identifiers */
	int		 hashed;	/* id is hashed first (Message-ID) */
};

static const struct rkey_row rkey_rows[RKEY__COUNT] = {
	{ RKEY_SCHEMA, "schema", "relay:schema", 0, 0 },
	{ RKEY_MEMBERS, "members", "relay:members", 0, 0 },
	{ RKEY_DOMAINS, "domains", "relay:domains", 0, 0 },
	{ RKEY_MEMBER, "member", "relay:{m:%s}:member", 1, 0 },
	{ RKEY_APIKEYS, "apikeys", "relay:{m:%s}:apikeys", 1, 0 },
	{ RKEY_APIKEYS_USED, "apikeys_used", "relay:{m:%s}:apikeys_used", 1, 0 },
	{ RKEY_MEMBER_DOMAINS, "member_domains", "relay:{m:%s}:domains", 1, 0 },
	{ RKEY_SUPPRESS, "suppress", "relay:{m:%s}:suppress", 1, 0 },
	{ RKEY_SOFT, "soft", "relay:{m:%s}:soft", 1, 0 },
	{ RKEY_OUTCOMES, "outcomes", "relay:{m:%s}:outcomes", 1, 0 },
	{ RKEY_COMPLAINTS, "complaints", "relay:{m:%s}:complaints", 1, 0 },
	{ RKEY_INFLIGHT, "inflight", "relay:{m:%s}:inflight", 1, 0 },
	{ RKEY_MSG, "msg", "relay:{m:%s}:msg:%s", 2, 0 },
	{ RKEY_RECENT, "recent", "relay:{m:%s}:recent", 1, 0 },
	{ RKEY_APPLIED, "applied", "relay:{m:%s}:applied", 1, 0 },
	{ RKEY_CHARGES, "charges", "relay:{m:%s}:charges:%s", 2, 0 },
	{ RKEY_QID, "qid", "relay:{q:%s}:qid", 1, 0 },
	{ RKEY_MSGID, "msgid", "relay:{x:%s}:msgid", 1, 1 },
	{ RKEY_DOMAIN, "domain", "relay:{d:%s}:domain", 1, 0 },
	{ RKEY_DKIM, "dkim", "relay:{d:%s}:dkim", 1, 0 },
	{ RKEY_WARM, "warm", "relay:{d:%s}:warm", 1, 0 },
	{ RKEY_TRACKER_POS, "tracker_pos", "relay:{n:%s}:tracker_pos", 1, 0 },
	{ RKEY_CTL_LOCK, "ctl_lock", "relay:ctl:lock", 0, 0 },
};

/* id_ok - an identifier that cannot escape its hash tag or its kind */
static int
id_ok(const char *id)
{
	const unsigned char *p;
	size_t	 n = 0;

	if (id == NULL || *id == '\0')
		return 0;
	for (p = (const unsigned char *)id; *p; p++, n++)
		if (*p <= 0x20 || *p == 0x7f || *p == '{' || *p == '}')
			return 0;
	return n <= 320;
}

/* hash_hex - SHA-256 of s as 64 hex digits */
static void
hash_hex(const char *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;

	EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

int
rkey(char *buf, size_t len, enum rkey_kind kind, const char *id,
    const char *sub)
{
	const struct rkey_row *r;
	char	 digest[65];
	int	 n;

	if ((unsigned)kind >= RKEY__COUNT || len == 0)
		return -1;
	r = &rkey_rows[kind];
	buf[0] = '\0';
	if (r->hashed) {
		/* Any bytes may hash; only emptiness is refused. */
		if (id == NULL || *id == '\0' || sub != NULL)
			return -1;
		hash_hex(id, digest);
		id = digest;
	}
	switch (r->nids) {
	case 0:
		if (id != NULL || sub != NULL)
			return -1;
		n = snprintf(buf, len, "%s", r->pattern);
		break;
	case 1:
		if (!id_ok(id) || sub != NULL)
			return -1;
		n = snprintf(buf, len, r->pattern, id);
		break;
	default:
		if (!id_ok(id) || !id_ok(sub))
			return -1;
		n = snprintf(buf, len, r->pattern, id, sub);
		break;
	}
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return n;
}

int
rkey_charges(char *buf, size_t len, const char *handle, const char *node,
    const char *caddr, const char *cport, const char *saddr,
    const char *sport)
{
	char	 sess[RKEY_MAX];
	int	 n;

	/*
	 * The two names of one client: the macro {client_addr} is Postfix's
	 * RFC form ("IPv6:::1"), client_address the bare address; a port
	 * Postfix does not know is "0" to the milter, "unknown" to policy.
	 */
	if (caddr != NULL && strncasecmp(caddr, "IPv6:", 5) == 0)
		caddr += 5;
	if (cport != NULL && strcmp(cport, "unknown") == 0)
		cport = "0";
	if (sport != NULL && strcmp(sport, "unknown") == 0)
		sport = "0";
	if (caddr == NULL || *caddr == '\0' || cport == NULL ||
	    *cport == '\0') {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	n = snprintf(sess, sizeof(sess), "%s/%s/%s/%s/%s", node ? node : "",
	    caddr, cport, saddr ? saddr : "", sport ? sport : "");
	if (n < 0 || (size_t)n >= sizeof(sess)) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return rkey(buf, len, RKEY_CHARGES, handle, sess);
}

const char *
rkey_pattern(enum rkey_kind kind)
{
	return (unsigned)kind < RKEY__COUNT ? rkey_rows[kind].pattern : NULL;
}

const char *
rkey_name(enum rkey_kind kind)
{
	return (unsigned)kind < RKEY__COUNT ? rkey_rows[kind].name : NULL;
}

void
rkey_suppress_value(char *buf, size_t len, const char *reason, long long at)
{
	snprintf(buf, len, "{\"reason\":\"%s\",\"at\":%lld}", reason, at);
}
