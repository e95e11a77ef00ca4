/*
 * NAME
 *	cmd_domain - relayctl domain add|show|list|records|remove|forward|listunsub|rotate-key
 * DESCRIPTION
 *	add and remove run under the admin lock (ctl_lock: the ownership
 *	checks read other members' domains, in other slots). Enrollment
 *	first claims D in relay:{m:H}:domains (ctl_sadd_if.lua: only while
 *	the member exists, atomic with member remove, which refuses while
 *	that set is not empty), adds it to relay:domains, and then writes
 *	relay:{d:D}:domain and relay:{d:D}:dkim in one script (refusing a
 *	domain already enrolled); remove deletes the record first, then the
 *	index entries. A run stopped in between is completed by running the
 *	same command again: add of a domain already enrolled under the same
 *	member makes sure both index sets hold it, add of one not enrolled
 *	enrolls it, remove of a domain whose record is gone takes it out of
 *	the index sets. The DKIM private keys (RSA-2048 and Ed25519, PEM
 *	PKCS#8) live only in Redis, where relay-milter reads them; they are
 *	never printed. What is printed are the DNS records to publish
 *	(records.c). domain verify is in cmd_verify.c.
 * SEE ALSO
 *	relayctl(8), common/SCHEMA.md, dkimkey.c, records.c, cmd_verify.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "addr.h"
#include "ctl.h"
#include "dkimkey.h"
#include "parse.h"
#include "token.h"
#include "xalloc.h"

#define TOKEN_BYTES	16	/* ownership token: 128 bits, 32 hex digits */

/* overlap - refuse D under a domain another member enrolled */
static void
overlap(struct ctl *c, const char *d, const char *h)
{
	char		 key[RKEY_MAX];
	char		*owner;
	const char	*p;

	for (p = strchr(d, '.'); p != NULL && strchr(p + 1, '.') != NULL;
	    p = strchr(p + 1, '.')) {
		ctl_key(c, key, RKEY_DOMAIN, p + 1, NULL);
		if ((owner = ctl_hget(c, key, "member")) == NULL)
			continue;
		if (strcmp(owner, h) != 0) {
			free(owner);
			ctl_user(c, "domain_taken", d, "%s is enrolled by "
			    "another member", p + 1);
		}
		free(owner);
	}
}

/* other_owner - 1 when the domain s is enrolled by a member other than h */
static int
other_owner(struct ctl *c, const char *s, const char *h)
{
	char	 key[RKEY_MAX], *owner;
	int	 other;

	if (rkey(key, sizeof(key), RKEY_DOMAIN, s, NULL) <= 0)
		return 0;
	owner = ctl_hget(c, key, "member");
	other = owner != NULL && strcmp(owner, h) != 0;
	free(owner);
	return other;
}

/* covers - with --subdomains, refuse D over a domain another member enrolled */
static void
covers(struct ctl *c, const char *d, const char *h)
{
	char		 idx[RKEY_MAX], pat[ADDR_BUFSIZE + 2], cursor[32] = "0";
	char		 below[ADDR_BUFSIZE];
	redisReply	*r, *a;
	size_t		 i;

	ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	snprintf(pat, sizeof(pat), "*.%s", d);	/* [a-z0-9.-]: no glob */
	do {
		r = ctl_cmdf(c, "SSCAN %s %s MATCH %s COUNT 1000", idx, cursor,
		    pat);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			freeReplyObject(r);
			ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
			    "SSCAN: unexpected reply");
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		a = r->element[1];
		for (i = 0; i < a->elements; i++) {
			if (!other_owner(c, a->element[i]->str, h))
				continue;
			snprintf(below, sizeof(below), "%s", a->element[i]->str);
			freeReplyObject(r);
			ctl_user(c, "domain_taken", d, "%s is enrolled by another "
			    "member: --subdomains would cover it", below);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
}

/*
 * index_domain - claim D in relay:{m:H}:domains (while H exists: the
 * first write of an add), then add it to relay:domains
 */
static void
index_domain(struct ctl *c, const char *d, const char *h, const char *arg)
{
	const char	*keys[2], *args[1];
	char		 mk[RKEY_MAX], midx[RKEY_MAX], idx[RKEY_MAX];
	redisReply	*r;
	long long	 res;

	ctl_key(c, mk, RKEY_MEMBER, h, NULL);
	ctl_key(c, midx, RKEY_MEMBER_DOMAINS, h, NULL);
	ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	keys[0] = mk;
	keys[1] = midx;
	args[0] = d;
	r = ctl_script(c, "ctl_sadd_if", 2, keys, 1, args);
	res = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	freeReplyObject(r);
	if (res < 0)
		ctl_user(c, "unknown_member", arg, "no such member (removed "
		    "meanwhile)");
	ctl_finish(c, "SADD %s %s", idx, d);
}

/*
 * add_again - domain add of a domain already enrolled: under the same
 * member, complete what an interrupted add left out (the index entries);
 * under another, drop a claim an interrupted add of H may have left
 */
static int
add_again(struct ctl *c, const char *d, const char *h, const char *arg)
{
	char		 key[RKEY_MAX], *owner = NULL;
	redisReply	*r;
	int		 same;

	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	r = ctl_cmdf_or(c, "HGET %s member", key);
	if (r->type == REDIS_REPLY_ERROR) {
		freeReplyObject(r);
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", arg, "%s is not a "
		    "domain record (relayctl domain remove %s deletes it)",
		    key, d);
	}
	if (r->type == REDIS_REPLY_STRING)
		owner = xstrdup(r->str);
	freeReplyObject(r);
	same = owner != NULL && strcmp(owner, h) == 0;
	free(owner);
	if (!same) {
		ctl_key(c, key, RKEY_MEMBER_DOMAINS, h, NULL);
		if (ctl_finish(c, "SREM %s %s", key, d) > 0)
			ctl_note(c, arg, "a claim an interrupted domain add left "
			    "under %s is removed", h);
		ctl_user(c, "domain_taken", arg, "domain already enrolled by "
		    "another member");
	}
	index_domain(c, d, h, arg);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:b}", "domain", d, "member",
		    h, "already_enrolled", 1));
	else
		printf("; domain %s was already enrolled under %s; its index "
		    "entries are complete\n; relayctl domain records %s prints "
		    "its DNS records\n", d, h, d);
	return CTL_EXIT_OK;
}

/*
 * new_selector - a selector for D that is neither cur nor next (either may
 * be NULL), whose record names DNS can hold: else exit 1, nothing written
 */
static void
new_selector(struct ctl *c, const char *d, const char *arg, const char *cur,
    const char *next, char *sel, size_t sellen)
{
	unsigned char	 rnd[PARSE_SELECTOR_RAND_BYTES];
	size_t		 longest;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "no random bytes for a selector");
	if (parse_selector_new(c->conf->dkim.selector_prefix, c->now, rnd,
	    sizeof(rnd), cur, next, sel, sellen) != 0)
		ctl_user(c, "invalid_config", "dkim.selector_prefix",
		    "must be lower-case letters, digits and '-'");
	/*
	 * The longest name printed: SELr._domainkey.D (SELe is as long),
	 * and _dmarc.D; a name over 253 octets cannot be published.
	 */
	longest = strlen(sel) + strlen("r._domainkey.") + strlen(d);
	if (strlen("_dmarc.") + strlen(d) > longest)
		longest = strlen("_dmarc.") + strlen(d);
	if (longest > 253)
		ctl_user(c, "invalid_domain", arg, "too long for its DKIM "
		    "records: %sr._domainkey.%s would be %zu octets, DNS "
		    "allows 253 (the domain may have %zu at most)", sel, d,
		    longest, 253 - strlen(sel) - strlen("r._domainkey."));
}

/* domain_add - domain add DOMAIN --member HANDLE [--subdomains] */
static int
domain_add(struct ctl *c, int argc, char **argv)
{
	const char	*member = NULL, *sub = NULL, *pos[1], *keys[2], *args[7];
	struct ctl_opt	 opts[] = { { "member", 1, &member },
			    { "subdomains", 0, &sub }, { NULL, 0, NULL } };
	char		 d[ADDR_BUFSIZE], h[64], sel[PARSE_SELECTOR_MAX];
	char		 tok[2 * TOKEN_BYTES + 1], now[24], key[RKEY_MAX];
	char		 dk[RKEY_MAX];
	char		*rsa = NULL, *ed = NULL;
	redisReply	*r;
	json_t		*recs;
	int		 created;

	ctl_args(c, argc, argv, opts, pos, 1, 1,
	    "domain add DOMAIN --member HANDLE [--subdomains]");
	ctl_domain(c, pos[0], d, sizeof(d));
	if (member == NULL)
		ctl_user(c, "usage", "--member", "required: the handle the "
		    "domain is enrolled under");
	ctl_handle(c, member, h, sizeof(h));
	new_selector(c, d, pos[0], NULL, NULL, sel, sizeof(sel));
	/* Every check below holds until the last write (cmd_domain: lock). */
	ctl_lock(c);
	ctl_member(c, member, h, sizeof(h));
	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	ctl_key(c, dk, RKEY_DKIM, d, NULL);
	if (ctl_exists(c, key))
		return add_again(c, d, h, pos[0]);
	overlap(c, d, h);
	if (sub != NULL)
		covers(c, d, h);
	if (token_random_hex(TOKEN_BYTES, tok, sizeof(tok)) != 0 ||
	    dkimkey_generate(&rsa, &ed) != 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "could not make the token and keys");
	snprintf(now, sizeof(now), "%lld", (long long)c->now);
	/* The claim first: member remove refuses from here on. */
	ctl_lock_keep(c);
	index_domain(c, d, h, pos[0]);
	keys[0] = key;
	keys[1] = dk;
	args[0] = h; args[1] = now; args[2] = tok; args[3] = sel;
	args[4] = sub ? "1" : "0"; args[5] = rsa; args[6] = ed;
	r = ctl_script_finish(c, "ctl_domain_add", 2, keys, 7, args);
	created = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	if (!created) {		/* enrolled meanwhile (a relayctl without lock) */
		dkimkey_free_pem(rsa);
		dkimkey_free_pem(ed);
		return add_again(c, d, h, pos[0]);
	}
	recs = ctl_domain_records(c, d, tok, sel, rsa, ed, 0);
	dkimkey_free_pem(rsa);
	dkimkey_free_pem(ed);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:s, s:b, s:o}", "domain", d,
		    "member", h, "selector", sel, "subdomains", sub != NULL,
		    "records", recs));
	else {
		printf("; domain %s enrolled under %s, DKIM selector %s\n", d,
		    h, sel);
		ctl_print_records(c, d, recs);
		json_decref(recs);
	}
	return CTL_EXIT_OK;
}

json_t *
ctl_domain_obj(const char *d, const json_t *m)
{
	json_t		*o;

#define S(f)	(json_string_value(json_object_get(m, f)) ? \
		    json_string_value(json_object_get(m, f)) : "")
#define I(f)	((json_int_t)atoll(S(f)))
	o = json_pack("{s:o, s:s, s:I, s:I, s:b, s:s, s:s, s:s, s:b, s:b}",
	    "domain", ctl_jstr(d), "member", S("member"), "created",
	    I("created"), "verified_at", I("verified_at"), "verified",
	    I("verified_at") > 0, "selector", S("selector"), "next_selector",
	    S("next_selector"), "forward_to", S("forward_to"), "subdomains",
	    strcmp(S("subdomains"), "1") == 0, "listunsub",
	    strcmp(S("listunsub"), "1") == 0);
	json_object_set_new(o, "token", json_string(S("token")));
#undef S
#undef I
	return o;
}

/* domain_json - a domain's record (NULL when absent); never key material */
static json_t *
domain_json(struct ctl *c, const char *d)
{
	char		 key[RKEY_MAX];
	json_t		*m, *o;

	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	m = ctl_hgetall(c, key);
	o = json_object_size(m) > 0 ? ctl_domain_obj(d, m) : NULL;
	json_decref(m);
	return o;
}

/* domain_show - domain show DOMAIN */
static int
domain_show(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1], *k;
	char		 d[ADDR_BUFSIZE];
	json_t		*o, *v;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "domain show DOMAIN");
	ctl_domain(c, pos[0], d, sizeof(d));
	if ((o = domain_json(c, d)) == NULL)
		ctl_user(c, "unknown_domain", pos[0], "domain not enrolled");
	json_object_set_new(o, "warming", ctl_warming_json(c,
	    json_integer_value(json_object_get(o, "verified_at"))));
	if (c->json) {
		ctl_emit(c, o);
		return CTL_EXIT_OK;
	}
	json_object_foreach(o, k, v) {
		if (strcmp(k, "warming") == 0)
			printf("%-14s %s\n", k, ctl_warming_text(v));
		else if (strcmp(k, "created") == 0 || strcmp(k, "verified_at") == 0)
			printf("%-14s %s\n", k, ctl_time(json_integer_value(v)));
		else if (json_is_boolean(v))
			printf("%-14s %s\n", k, json_is_true(v) ? "yes" : "no");
		else
			printf("%-14s %s\n", k, *json_string_value(v) ?
			    ctl_tx(json_string_value(v)) : "-");
	}
	json_decref(o);
	return CTL_EXIT_OK;
}

/* domain_records - domain records DOMAIN: print them again */
static int
domain_records(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1], *sel, *nxt, *fwd;
	char		 d[ADDR_BUFSIZE], dk[RKEY_MAX], f1[80], f2[80];
	json_t		*o, *keys, *recs, *more, *mx;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "domain records DOMAIN");
	ctl_domain(c, pos[0], d, sizeof(d));
	if ((o = domain_json(c, d)) == NULL)
		ctl_user(c, "unknown_domain", pos[0], "domain not enrolled");
	ctl_key(c, dk, RKEY_DKIM, d, NULL);
	keys = ctl_hgetall(c, dk);
	sel = json_string_value(json_object_get(o, "selector"));
	nxt = json_string_value(json_object_get(o, "next_selector"));
	snprintf(f1, sizeof(f1), "%s:rsa", sel);
	snprintf(f2, sizeof(f2), "%s:ed25519", sel);
	recs = ctl_domain_records(c, d, json_string_value(json_object_get(o,
	    "token")), sel, json_string_value(json_object_get(keys, f1)),
	    json_string_value(json_object_get(keys, f2)), 0);
	if (nxt != NULL && *nxt != '\0') {
		snprintf(f1, sizeof(f1), "%s:rsa", nxt);
		snprintf(f2, sizeof(f2), "%s:ed25519", nxt);
		more = ctl_domain_records(c, d, "", nxt,
		    json_string_value(json_object_get(keys, f1)),
		    json_string_value(json_object_get(keys, f2)), 1);
		json_array_extend(recs, more);
		json_decref(more);
	}
	json_decref(keys);
	/* replies: a domain with a forward-to gets its mail at the relay */
	fwd = json_string_value(json_object_get(o, "forward_to"));
	if (fwd != NULL && *fwd != '\0' && (mx = ctl_mx_record(c, d)) != NULL)
		json_array_append_new(recs, mx);
	json_decref(o);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:o}", "domain", d, "records", recs));
	else {
		ctl_print_records(c, d, recs);
		json_decref(recs);
	}
	return CTL_EXIT_OK;
}

/* srem - SREM one member of a set, after a first write: 1 when removed */
static int
srem(struct ctl *c, const char *set, const char *d)
{
	return ctl_finish(c, "SREM %s %s", set, d) > 0;
}

/*
 * unindex_all - take D out of relay:domains and every member's set (when
 * the member is not known); returns the number of entries removed
 */
static int
unindex_all(struct ctl *c, const char *d)
{
	char	 idx[RKEY_MAX], midx[RKEY_MAX];
	json_t	*hs, *v;
	size_t	 i;
	int	 n = 0;

	ctl_key(c, idx, RKEY_MEMBERS, NULL, NULL);
	hs = ctl_smembers(c, idx);
	json_array_foreach(hs, i, v)
		if (rkey(midx, sizeof(midx), RKEY_MEMBER_DOMAINS,
		    json_string_value(v), NULL) > 0)
			n += srem(c, midx, d);
	json_decref(hs);
	ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
	n += srem(c, idx, d);
	return n;
}

/*
 * remove_leftovers - domain remove when the record is gone: take D out
 * of the index sets an interrupted remove (or add) left it in
 */
static int
remove_leftovers(struct ctl *c, const char *d, const char *arg)
{
	if (unindex_all(c, d) == 0)
		ctl_user(c, "unknown_domain", arg, "domain not enrolled");
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:b, s:b}", "domain", d, "removed",
		    1, "leftovers_only", 1));
	else
		printf("domain %s was not enrolled (a remove or an add stopped "
		    "half way); its leftover index entries are gone now\n", d);
	return CTL_EXIT_OK;
}

/* domain_remove - domain remove DOMAIN */
static int
domain_remove(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1], *keys[3];
	char		 d[ADDR_BUFSIZE], kb[3][RKEY_MAX], idx[RKEY_MAX];
	char		 midx[RKEY_MAX], *m;
	redisReply	*r;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "domain remove DOMAIN");
	ctl_domain(c, pos[0], d, sizeof(d));
	ctl_key(c, kb[0], RKEY_DOMAIN, d, NULL);
	ctl_key(c, kb[1], RKEY_DKIM, d, NULL);
	ctl_key(c, kb[2], RKEY_WARM, d, NULL);
	keys[0] = kb[0]; keys[1] = kb[1]; keys[2] = kb[2];
	ctl_lock(c);
	r = ctl_script(c, "ctl_domain_remove", 3, keys, 0, NULL);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_STRING)
		ctl_note(c, pos[0], "%s was a %s, not a hash: deleted, with the "
		    "domain's keys", kb[0], r->element[0]->str);
	else if (r->type != REDIS_REPLY_STRING) {
		freeReplyObject(r);
		return remove_leftovers(c, d, pos[0]);
	}
	m = xstrdup(r->type == REDIS_REPLY_STRING ? r->str : "");
	freeReplyObject(r);
	if (rkey(midx, sizeof(midx), RKEY_MEMBER_DOMAINS, m, NULL) > 0) {
		srem(c, midx, d);
		ctl_key(c, idx, RKEY_DOMAINS, NULL, NULL);
		srem(c, idx, d);
	} else		/* the record named no member */
		unindex_all(c, d);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:o, s:b}", "domain", d, "member",
		    ctl_jstr(m), "removed", 1));
	else
		printf("domain %s removed%s%s%s; keep its DKIM records published "
		    "for at least Postfix's maximal_queue_lifetime (5 days by "
		    "default),\nsince mail signed with them may still be queued "
		    "or checked later; remove its DNS records after that\n", d,
		    *m ? " (was " : "", *m ? ctl_tx(m) : "", *m ? "'s)" : "");
	free(m);
	return CTL_EXIT_OK;
}

/* domain_listunsub - domain listunsub DOMAIN on|off */
static int
domain_listunsub(struct ctl *c, int argc, char **argv)
{
	const char	*pos[2], *keys[1], *args[2];
	struct ctl_opt	 opts[] = { { NULL, 0, NULL } };
	char		 d[ADDR_BUFSIZE], key[RKEY_MAX];
	redisReply	*r;
	int		 ok, on;

	ctl_args(c, argc, argv, opts, pos, 2, 2, "domain listunsub DOMAIN on|off");
	ctl_domain(c, pos[0], d, sizeof(d));
	if (strcasecmp(pos[1], "on") == 0)
		on = 1;
	else if (strcasecmp(pos[1], "off") == 0)
		on = 0;
	else
		ctl_user(c, "usage", pos[1], "give on or off");
	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	keys[0] = key;
	args[0] = "listunsub";
	args[1] = on ? "1" : "0";
	r = ctl_script(c, "ctl_hset_if", 1, keys, 2, args);
	ok = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	if (!ok)
		ctl_user(c, "unknown_domain", pos[0], "domain not enrolled");
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:b}", "domain", d, "listunsub", on));
	else if (on)
		printf("mail from %s gets List-Unsubscribe (one recipient per "
		    "message)\n", d);
	else
		printf("mail from %s gets no List-Unsubscribe header\n", d);
	return CTL_EXIT_OK;
}

/* domain_forward - domain forward DOMAIN ADDRESS|--none */
static int
domain_forward(struct ctl *c, int argc, char **argv)
{
	const char	*none = NULL, *pos[2], *keys[1], *args[2];
	struct ctl_opt	 opts[] = { { "none", 0, &none }, { NULL, 0, NULL } };
	char		 d[ADDR_BUFSIZE], a[ADDR_BUFSIZE], key[RKEY_MAX];
	redisReply	*r;
	json_t		*mx;
	int		 n, ok;

	n = ctl_args(c, argc, argv, opts, pos, 1, 2,
	    "domain forward DOMAIN ADDRESS|--none");
	ctl_domain(c, pos[0], d, sizeof(d));
	if ((n == 2) == (none != NULL))
		ctl_user(c, "usage", NULL, "give either an ADDRESS or --none");
	a[0] = '\0';
	if (n == 2) {
		ctl_address(c, pos[1], a, sizeof(a));
		if (addr_domain_within(addr_domain_of(a), d))
			ctl_user(c, "invalid_address", pos[1], "forwarding %s "
			    "to itself would loop", d);
	}
	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	keys[0] = key;
	args[0] = "forward_to";
	args[1] = a;
	r = ctl_script(c, "ctl_hset_if", 1, keys, 2, args);
	ok = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	if (!ok)
		ctl_user(c, "unknown_domain", pos[0], "domain not enrolled");
	mx = *a ? ctl_mx_record(c, d) : NULL;
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:o*}", "domain", d,
		    "forward_to", a, "mx", mx));
	else if (*a && mx != NULL) {
		printf("replies to %s go to %s; its MX must point at the "
		    "relay:\n%s. %d IN MX %s\n", d, a, d, 3600,
		    json_string_value(json_object_get(mx, "value")));
		json_decref(mx);
	} else if (*a)
		printf("replies to %s go to %s (point its MX at the relay)\n",
		    d, a);
	else
		printf("replies to %s are refused; mail to it goes to its own "
		    "MX\n", d);
	return CTL_EXIT_OK;
}

/* domain_rotate - domain rotate-key DOMAIN */
static int
domain_rotate(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1], *keys[2], *args[4];
	char		 d[ADDR_BUFSIZE], key[RKEY_MAX], dk[RKEY_MAX], now[24];
	char		 sel[PARSE_SELECTOR_MAX], *cur, *nxt, *rsa = NULL, *ed = NULL;
	redisReply	*r;
	long long	 res;
	json_t		*recs;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "domain rotate-key DOMAIN");
	ctl_domain(c, pos[0], d, sizeof(d));
	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	ctl_key(c, dk, RKEY_DKIM, d, NULL);
	if ((cur = ctl_hget(c, key, "selector")) == NULL)
		ctl_user(c, "unknown_domain", pos[0], "domain not enrolled");
	nxt = ctl_hget(c, key, "next_selector");
	if (nxt != NULL && *nxt != '\0')
		ctl_user(c, "rotation_pending", pos[0], "selector %s is "
		    "waiting for its DNS records (relayctl domain records %s, "
		    "then domain verify)", nxt, d);
	new_selector(c, d, pos[0], cur, nxt, sel, sizeof(sel));
	if (dkimkey_generate(&rsa, &ed) != 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
		    "could not make the keys");
	snprintf(now, sizeof(now), "%lld", (long long)c->now);
	keys[0] = key; keys[1] = dk;
	args[0] = sel; args[1] = now; args[2] = rsa; args[3] = ed;
	r = ctl_script(c, "ctl_domain_rotate", 2, keys, 4, args);
	res = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
	freeReplyObject(r);
	if (res != 1) {
		dkimkey_free_pem(rsa);
		dkimkey_free_pem(ed);
		ctl_user(c, res == 0 ? "unknown_domain" : "rotation_pending",
		    pos[0], "%s", res == 0 ? "domain not enrolled" :
		    "another rotation is pending");
	}
	recs = ctl_domain_records(c, d, "", sel, rsa, ed, 1);
	dkimkey_free_pem(rsa);
	dkimkey_free_pem(ed);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:o, s:s, s:o}", "domain", d,
		    "selector", ctl_jstr(cur), "next_selector", sel, "records",
		    recs));
	else {
		printf("; new DKIM selector %s for %s; mail is still signed "
		    "with %s.\n; Publish these records next to the old ones; "
		    "domain verify switches\n; to %s once it sees them. Keep "
		    "the %s records published for at least\n; Postfix's "
		    "maximal_queue_lifetime (5 days by default) after the "
		    "switch:\n; mail signed with them may still be queued or "
		    "checked later.\n", sel, d, ctl_tx(cur), sel, ctl_tx(cur));
		ctl_print_records(c, d, recs);
		json_decref(recs);
	}
	free(cur);
	free(nxt);
	return CTL_EXIT_OK;
}

/* The subcommands; the usage messages list them from here. */
static const struct {
	const char	*name, *cmd;
	int		(*fn)(struct ctl *, int, char **);
} subs[] = {
	{ "add", "domain add", domain_add },
	{ "show", "domain show", domain_show },
	{ "list", "domain list", ctl_domain_list },
	{ "records", "domain records", domain_records },
	{ "remove", "domain remove", domain_remove },
	{ "forward", "domain forward", domain_forward },
	{ "listunsub", "domain listunsub", domain_listunsub },
	{ "rotate-key", "domain rotate-key", domain_rotate },
	{ "verify", "domain verify", cmd_domain_verify },
};
#define NSUBS	(sizeof(subs) / sizeof(subs[0]))

/* sub_names - the subcommands' names, each after the first preceded by sep */
static void
sub_names(char *buf, size_t len, const char *sep)
{
	size_t	 i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < NSUBS && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i > 0 ? sep : "",
		    subs[i].name);
}

int
cmd_domain(struct ctl *c, int argc, char **argv)
{
	char	 names[256];
	size_t	 i;

	if (argc < 2) {
		sub_names(names, sizeof(names), "|");
		ctl_user(c, "usage", NULL, "domain %s ...", names);
	}
	for (i = 0; i < NSUBS; i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			c->cmd = subs[i].cmd;
			return subs[i].fn(c, argc - 1, argv + 1);
		}
	sub_names(names, sizeof(names), ", ");
	ctl_user(c, "usage", argv[1], "unknown domain command (%s)", names);
}
