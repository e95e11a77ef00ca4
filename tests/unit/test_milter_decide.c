/*
 * test_milter_decide - relay-milter's pure parts: enrollment decisions
 * (milter/decide.c), the List-Unsubscribe values (milter/listunsub.c)
 * and the DKIM key cache (milter/keycache.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"
#include "keycache.h"
#include "listunsub.h"
#include "token.h"

/* fact - a domain record as store.c would read it */
static struct dom_fact
fact(const char *domain, const char *member, long long verified, int sub)
{
	struct dom_fact f;

	memset(&f, 0, sizeof(f));
	snprintf(f.domain, sizeof(f.domain), "%s", domain);
	if (member != NULL) {
		f.exists = 1;
		snprintf(f.member, sizeof(f.member), "%s", member);
		f.verified_at = verified;
		f.subdomains = sub;
		snprintf(f.selector, sizeof(f.selector), "rs1");
	}
	return f;
}

struct dcase {
	const char	*name;
	const char	*handle;
	const char	*domain;
	struct dom_fact	 f[3];
	size_t		 n;
	int		 want;
	size_t		 match;
	const char	*detail;	/* substring of the detail */
};

static void
test_domain(void **state)
{
	const struct dcase cases[] = {
		{ "own verified domain", "alice", "alice.test",
		  { fact("alice.test", "alice", 100, 0) }, 1,
		  DECIDE_ALLOW, 0, "" },
		{ "other member's domain", "alice", "bob.test",
		  { fact("bob.test", "bob", 100, 0) }, 1,
		  DECIDE_REJECT, 0, "domain bob.test is not enrolled under your account" },
		{ "unenrolled domain", "alice", "nobody.test",
		  { fact("nobody.test", NULL, 0, 0) }, 1,
		  DECIDE_REJECT, 0, "domain nobody.test is not enrolled" },
		{ "unverified own domain", "alice", "new.test",
		  { fact("new.test", "alice", 0, 0) }, 1,
		  DECIDE_REJECT, 0, "domain new.test is not verified yet" },
		{ "subdomain allowed", "alice", "mail.alice.test",
		  { fact("mail.alice.test", NULL, 0, 0),
		    fact("alice.test", "alice", 100, 1) }, 2,
		  DECIDE_ALLOW, 1, "" },
		{ "subdomain not allowed", "alice", "mail.alice.test",
		  { fact("mail.alice.test", NULL, 0, 0),
		    fact("alice.test", "alice", 100, 0) }, 2,
		  DECIDE_REJECT, 0, "subdomain mail.alice.test of alice.test is not allowed" },
		{ "subdomain of other member", "alice", "x.bob.test",
		  { fact("x.bob.test", NULL, 0, 0),
		    fact("bob.test", "bob", 100, 1) }, 2,
		  DECIDE_REJECT, 0, "domain x.bob.test is not enrolled under your account" },
		{ "subdomain of unverified parent", "alice", "x.new.test",
		  { fact("x.new.test", NULL, 0, 0),
		    fact("new.test", "alice", 0, 1) }, 2,
		  DECIDE_REJECT, 0, "domain new.test is not verified" },
		{ "nearest record decides", "alice", "x.bob.alice.test",
		  { fact("x.bob.alice.test", NULL, 0, 0),
		    fact("bob.alice.test", "bob", 100, 1),
		    fact("alice.test", "alice", 100, 1) }, 3,
		  DECIDE_REJECT, 0, "not enrolled under your account" },
		{ "exact record beats parent", "alice", "bob.alice.test",
		  { fact("bob.alice.test", "alice", 100, 0),
		    fact("alice.test", "carol", 100, 1) }, 2,
		  DECIDE_ALLOW, 0, "" },
		{ "no candidates", "alice", "test", { fact("x", NULL, 0, 0) }, 0,
		  DECIDE_REJECT, 0, "not enrolled" },
		{ "a record past n is not read", "alice", "x.alice.test",
		  { fact("x.alice.test", NULL, 0, 0),
		    fact("alice.test", "alice", 100, 1) }, 1,
		  DECIDE_REJECT, 0, "domain x.alice.test is not enrolled" },
	};
	size_t	 i, match;
	char	 detail[DECIDE_DETAIL_MAX];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		int got;

		match = 99;
		got = decide_domain(c->handle, c->domain, c->f, c->n, &match,
		    detail, sizeof(detail));
		if (got != c->want || strstr(detail, c->detail) == NULL)
			fail_msg("%s: got %d detail '%s'", c->name, got,
			    detail);
		if (got == DECIDE_ALLOW) {
			assert_int_equal(match, c->match);
			assert_string_equal(detail, "");
		}
		/* Never names the member who holds the domain. */
		assert_null(strstr(detail, "bob:"));
		assert_null(strstr(detail, "carol"));
	}
}

static void
test_listunsub_decision(void **state)
{
	struct dom_fact f = fact("alice.test", "alice", 100, 0);
	struct conf_unsubscribe u = { .domain = "unsub.relay.test",
	    .hmac_key = "test-hmac-key-0123456789abcdef0123456789",
	    .https_url = "" };
	struct conf_unsubscribe nokey = { .domain = "unsub.relay.test",
	    .hmac_key = "", .https_url = "" };
	struct conf_unsubscribe nodom = { .domain = "",
	    .hmac_key = "k0123456789abcdef0123456789abcdef", .https_url = "" };

	(void)state;
	assert_int_equal(decide_listunsub(&f, &u, 0, 1, "r@x.test"), 0);	/* not opted in */
	f.listunsub = 1;
	assert_int_equal(decide_listunsub(&f, &u, 0, 1, "r@x.test"), 1);
	assert_int_equal(decide_listunsub(&f, &u, 1, 1, "r@x.test"), 0);	/* has its own */
	assert_int_equal(decide_listunsub(&f, &u, 0, 2, "r@x.test"), 0);	/* two recipients */
	assert_int_equal(decide_listunsub(&f, &u, 0, 0, "r@x.test"), 0);
	/* a recipient no suppression can hold: no unsubscribe offered */
	assert_int_equal(decide_listunsub(&f, &u, 0, 1, "r@[192.0.2.1]"), 0);
	assert_int_equal(decide_listunsub(&f, &u, 0, 1, "r@localhost"), 0);
	assert_int_equal(decide_listunsub(&f, &nokey, 0, 1, "r@x.test"), 0);
	assert_int_equal(decide_listunsub(&f, &nodom, 0, 1, "r@x.test"), 0);
	{
		/*
		 * the longest address a suppression list holds (254 octets,
		 * RFC 5321's path less its brackets), and one octet more;
		 * one over what a token binds
		 */
		char	 longr[TOKEN_RCPT_MAX + 2], l[64];

		memset(l, 'b', 63);
		l[63] = '\0';
		memset(longr, 'a', 64);
		snprintf(longr + 64, sizeof(longr) - 64, "@%s.%s.%.61s", l, l,
		    l);
		assert_int_equal(strlen(longr), 254);
		assert_int_equal(decide_listunsub(&f, &u, 0, 1, longr), 1);
		memmove(longr + 1, longr, 255);
		assert_int_equal(decide_listunsub(&f, &u, 0, 1, longr), 0);
		memset(longr, 'a', TOKEN_RCPT_MAX + 1);
		longr[TOKEN_RCPT_MAX + 1] = '\0';
		assert_int_equal(decide_listunsub(&f, &u, 0, 1, longr), 0);
	}
}

static void
test_listunsub_build(void **state)
{
	struct conf_unsubscribe u = { .domain = "unsub.relay.test",
	    .hmac_key = "test-hmac-key-0123456789abcdef0123456789",
	    .https_url = "" };
	char	 lu[LISTUNSUB_MAX], post[64], tok[TOKEN_MAIL_MAX + 1];
	char	 handle[40], *p;

	(void)state;
	assert_int_equal(listunsub_build(&u, "alice", "r@rcpt.test", lu,
	    sizeof(lu), post, sizeof(post)), 0);
	assert_string_equal(post, "");		/* no https URL: no one-click */
	assert_true(strncmp(lu, "<mailto:unsub+alice.", 20) == 0);
	p = strchr(lu, '@');
	assert_non_null(p);
	assert_string_equal(p, "@unsub.relay.test>");
	snprintf(tok, sizeof(tok), "%.*s", (int)(p - (lu + 14)), lu + 14);
	/* The token verifies for this recipient only. */
	assert_int_equal(token_mail_check(u.hmac_key, NULL, tok, "r@rcpt.test",
	    handle, sizeof(handle)), 1);
	assert_string_equal(handle, "alice");
	assert_int_equal(token_mail_check(u.hmac_key, NULL, tok, "x@rcpt.test",
	    handle, sizeof(handle)), 0);

	u.https_url = "https://relay.test/unsub?t=";
	assert_int_equal(listunsub_build(&u, "alice", "r@rcpt.test", lu,
	    sizeof(lu), post, sizeof(post)), 0);
	assert_string_equal(post, "List-Unsubscribe=One-Click");
	assert_non_null(strstr(lu, ">, <https://relay.test/unsub?t="));
	assert_int_equal(lu[strlen(lu) - 1], '>');

	/* Too small a buffer, a missing key: -1, never a cut header. */
	assert_int_equal(listunsub_build(&u, "alice", "r@rcpt.test", lu, 40,
	    post, sizeof(post)), -1);
	u.hmac_key = "";
	assert_int_equal(listunsub_build(&u, "alice", "r@rcpt.test", lu,
	    sizeof(lu), post, sizeof(post)), -1);
	assert_string_equal(lu, "");
}

static void
test_listunsub_return_path(void **state)
{
	struct conf_unsubscribe u = { .domain = "unsub.relay.test",
	    .hmac_key = "test-hmac-key-0123456789abcdef0123456789",
	    .https_url = "", .return_path = 1 };
	char	 rp[LISTUNSUB_RETPATH_MAX], tok[TOKEN_BOUNCE_MAX + 1];
	char	 h[40], q[40], *at;

	(void)state;
	assert_int_equal(listunsub_return_path(&u, "alice", "4ABC0123DE", rp,
	    sizeof(rp)), 0);
	assert_true(strncmp(rp, "<b+alice.4ABC0123DE.", 20) == 0);
	at = strchr(rp, '@');
	assert_non_null(at);
	assert_string_equal(at, "@unsub.relay.test>");
	snprintf(tok, sizeof(tok), "%.*s", (int)(at - (rp + 3)), rp + 3);
	assert_int_equal(token_bounce_check(u.hmac_key, NULL, tok, h, sizeof(h),
	    q, sizeof(q)), 1);
	assert_string_equal(h, "alice");
	assert_string_equal(q, "4ABC0123DE");
	/* a buffer too small, no key, no domain: -1 and "" */
	assert_int_equal(listunsub_return_path(&u, "alice", "4ABC0123DE", rp,
	    20), -1);
	assert_string_equal(rp, "");
	u.hmac_key = "";
	assert_int_equal(listunsub_return_path(&u, "alice", "4ABC0123DE", rp,
	    sizeof(rp)), -1);
	u.hmac_key = "test-hmac-key-0123456789abcdef0123456789";
	u.domain = "";
	assert_int_equal(listunsub_return_path(&u, "alice", "4ABC0123DE", rp,
	    sizeof(rp)), -1);
}

/* listunsub_build at the edges of its buffers: a header that just fits is
 * made whole, one octet less is -1; a stale List-Unsubscribe-Post is
 * emptied when there is no https URL. */
static void
test_listunsub_buffer_edges(void **state)
{
	static const struct {
		const char	*name;
		int		 https;
		int		 lu_extra;	/* lulen = strlen(value) + this */
		size_t		 postlen;
		int		 want;
	} t[] = {
		{ "mailto only, exact fit", 0, 1, 64, 0 },
		{ "mailto only, one octet short", 0, 0, 64, -1 },
		{ "mailto only, far too short", 0, -40, 64, -1 },
		{ "mailto only needs no room for post", 0, 1, 1, 0 },
		{ "https, exact fit", 1, 1, 27, 0 },
		{ "https, one octet short", 1, 0, 27, -1 },
		{ "https, far too short", 1, -100, 27, -1 },
		{ "https, post one octet short", 1, 1, 26, -1 },
	};
	struct conf_unsubscribe u = { .domain = "unsub.relay.test",
	    .hmac_key = "test-hmac-key-0123456789abcdef0123456789",
	    .https_url = "" };
	char	 full[LISTUNSUB_MAX], fpost[64], lu[LISTUNSUB_MAX], post[64];
	size_t	 i, lulen;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u.https_url = t[i].https ? "https://relay.test/unsub?t=" : "";
		assert_int_equal(listunsub_build(&u, "alice", "r@rcpt.test",
		    full, sizeof(full), fpost, sizeof(fpost)), 0);
		lulen = strlen(full) + t[i].lu_extra;
		memset(lu, 'x', sizeof(lu));
		snprintf(post, sizeof(post), "stale");
		rc = listunsub_build(&u, "alice", "r@rcpt.test", lu, lulen,
		    post, t[i].postlen);
		if (rc != t[i].want)
			fail_msg("%s: got %d want %d", t[i].name, rc,
			    t[i].want);
		if (rc == 0 && strcmp(lu, full) != 0)
			fail_msg("%s: cut or changed: %s", t[i].name, lu);
		if (rc == 0 && strcmp(post, t[i].https ?
		    "List-Unsubscribe=One-Click" : "") != 0)
			fail_msg("%s: post %s", t[i].name, post);
		if (!t[i].https && post[0] != '\0')
			fail_msg("%s: a stale post kept: %s", t[i].name, post);
	}
}

/* longest_line - the longest line of "List-Unsubscribe: " + lu */
static size_t
longest_line(const char *lu)
{
	size_t	 max = 0, len = strlen("List-Unsubscribe: ");
	const char *p;

	for (p = lu; *p; p++) {
		if (*p == '\n') {
			max = len > max ? len : max;
			len = 0;
		} else
			len++;
	}
	return len > max ? len : max;
}

/* A List-Unsubscribe line that would pass 998 octets (a long https URL, a
 * long recipient, a long unsub domain) is folded before the https URI,
 * never cut in a URI nor refused; below that it stays one line. */
static void
test_listunsub_long_lines_fold(void **state)
{
	char	 url[CONF_HTTPS_URL_MAX + 1], dom[254], rcpt[TOKEN_RCPT_MAX + 1];
	char	 lu[LISTUNSUB_MAX], one[LISTUNSUB_MAX], post[64];
	struct conf_unsubscribe u = { .domain = dom,
	    .hmac_key = "test-hmac-key-0123456789abcdef0123456789",
	    .https_url = url };
	size_t	 n, i;
	char	*f;

	(void)state;
	/* the longest of everything relay.conf and a recipient allow */
	snprintf(url, sizeof(url), "https://relay.test/u?t=");
	memset(url + strlen(url), 'u', CONF_HTTPS_URL_MAX - strlen(url));
	url[CONF_HTTPS_URL_MAX] = '\0';
	for (i = 0; i < 253; i++)	/* labels of 62 octets, dots between */
		dom[i] = i % 63 == 62 ? '.' : 'd';
	dom[253] = '\0';
	memset(rcpt, 'r', TOKEN_RCPT_MAX);
	memcpy(rcpt + TOKEN_RCPT_MAX - 12, "@rcpt.test", 11);
	rcpt[TOKEN_RCPT_MAX] = '\0';
	assert_int_equal(listunsub_build(&u, "a1234567890123456789012345678901",
	    rcpt, lu, sizeof(lu), post, sizeof(post)), 0);
	f = strstr(lu, ">,\n\t<https://relay.test/u?t=uuu");
	assert_non_null(f);
	assert_null(strchr(f + 3, '\n'));	/* folded once */
	assert_true(longest_line(lu) <= 998);
	assert_string_equal(post, "List-Unsubscribe=One-Click");

	/* at the edge: an unfolded line of 998 octets stays one line, one
	 * of 999 is folded; the URL grows one octet at a time */
	snprintf(url, sizeof(url), "https://relay.test/u?t=");
	for (n = strlen(url); n < CONF_HTTPS_URL_MAX; n++) {
		url[n] = 'x';
		url[n + 1] = '\0';
		assert_int_equal(listunsub_build(&u, "alice", rcpt, lu,
		    sizeof(lu), post, sizeof(post)), 0);
		if (strchr(lu, '\n') == NULL) {
			assert_true(longest_line(lu) <= 998);
			snprintf(one, sizeof(one), "%s", lu);
			continue;
		}
		/* the first folded one: unfolded it was 999 octets */
		assert_int_equal(longest_line(one), 998);
		f = strstr(lu, ",\n\t<");
		assert_non_null(f);
		assert_int_equal(strlen("List-Unsubscribe: ") + strlen(lu) - 1, 999);
		return;
	}
	fail_msg("never folded");
}

/* listunsub_build checks its own inputs (-1, lu and post emptied): the
 * configuration and what a token can bind. */
static void
test_listunsub_refuses(void **state)
{
	static const char key[] = "test-hmac-key-0123456789abcdef0123456789";
	static const struct {
		const char	*name;
		const char	*domain, *key, *url, *handle;
		int		 want;
	} t[] = {
		{ "no domain", "", key, "", "alice", -1 },
		{ "NULL domain", NULL, key, "", "alice", -1 },
		{ "no key", "unsub.relay.test", "", "", "alice", -1 },
		{ "NULL key", "unsub.relay.test", NULL, "", "alice", -1 },
		{ "a one-octet domain is set", "d", key, "", "alice",
		  0 },
		{ "a handle with a dot makes no mail token", "unsub.relay.test",
		  key, "", "al.ice", -1 },
		{ "... with an https URL too", "unsub.relay.test", key,
		  "https://relay.test/u?t=", "al.ice", -1 },
		{ "a handle over the maximum", "unsub.relay.test", key,
		  "https://relay.test/u?t=",
		  "a123456789012345678901234567890123", -1 },
	};
	struct conf_unsubscribe u;
	char	 lu[LISTUNSUB_MAX], post[64];
	size_t	 i;
	int	 rc;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		u.domain = (char *)t[i].domain;
		u.hmac_key = (char *)t[i].key;
		u.https_url = (char *)t[i].url;
		snprintf(lu, sizeof(lu), "stale");
		snprintf(post, sizeof(post), "stale");
		rc = listunsub_build(&u, t[i].handle, "r@rcpt.test", lu,
		    sizeof(lu), post, sizeof(post));
		if (rc != t[i].want)
			fail_msg("%s: got %d want %d", t[i].name, rc,
			    t[i].want);
		if (rc != 0 && (lu[0] != '\0' || post[0] != '\0'))
			fail_msg("%s: '%s' '%s' left", t[i].name, lu, post);
	}
}

static void
test_suppress_kind(void **state)
{
	static const struct { const char *json; int kind; } t[] = {
		{ "{\"reason\":\"unsubscribe\",\"at\":1}",
		  DECIDE_SUPP_UNSUBSCRIBE },
		{ "{\"at\":1,\"reason\":\"hard_bounce\",\"dsn\":\"5.1.1\"}",
		  DECIDE_SUPP_HARD },
		{ "{\"reason\":\"soft_bounce_limit\"}", DECIDE_SUPP_SOFT },
		{ "{\"reason\":\"complaint\",\"at\":1}",
		  DECIDE_SUPP_COMPLAINT },
		{ "{\"reason\":\"admin\"}", DECIDE_SUPP_LISTED },
		{ "{\"reason\":\"import\"}", DECIDE_SUPP_LISTED },
		/* a prefix of a known reason is not that reason */
		{ "{\"reason\":\"hard_bounce_x\"}", DECIDE_SUPP_LISTED },
		{ "{\"reason\":\"hard", DECIDE_SUPP_LISTED },
		/* only the reason field names it, not a reply text */
		{ "{\"text\":\"unsubscribe\"}", DECIDE_SUPP_LISTED },
		/* an entry that does not say why is still a suppression */
		{ "", DECIDE_SUPP_LISTED }, { "garbage", DECIDE_SUPP_LISTED },
	};
	size_t	 i;

	(void)state;
	/* len is the end: a reason cut there is not read past it */
	{
		static const char cut[] = "{\"reason\":\"unsubscribe\"}";

		assert_int_equal(decide_suppress_kind(cut, sizeof(cut) - 3),
		    DECIDE_SUPP_LISTED);
		assert_int_equal(decide_suppress_kind(cut, sizeof(cut) - 2),
		    DECIDE_SUPP_UNSUBSCRIBE);
	}
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (decide_suppress_kind(t[i].json, strlen(t[i].json)) !=
		    t[i].kind)
			fail_msg("%s: got %d want %d", t[i].json,
			    decide_suppress_kind(t[i].json,
			    strlen(t[i].json)), t[i].kind);
	assert_string_equal(decide_suppress_detail(DECIDE_SUPP_UNSUBSCRIBE),
	    "unsubscribed (List-Unsubscribe); remove them from your list");
	assert_string_equal(decide_suppress_detail(DECIDE_SUPP_COMPLAINT),
	    "reported an earlier message as spam; remove them from your "
	    "list");
	assert_string_equal(decide_suppress_detail(DECIDE_SUPP_LISTED),
	    "on your suppression list");
}

static void
test_keycache(void **state)
{
	struct keycache	*kc = keycache_new(60);
	char		*rsa, *ed;

	(void)state;
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs1", 7, 1000, &rsa, &ed), 0);
	keycache_put(kc, "db0", "alice.test", "rs1", 7, 1000, "RSA1", "ED1");
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs1", 7, 2000, &rsa, &ed), 1);
	assert_string_equal(rsa, "RSA1");
	assert_string_equal(ed, "ED1");
	free(rsa);
	free(ed);
	/* A rotation: another selector misses at once. */
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 7, 2000, &rsa, &ed), 0);
	assert_null(rsa);
	keycache_put(kc, "db0", "alice.test", "rs2", 7, 2000, "RSA2", NULL);
	assert_int_equal(keycache_count(kc), 1);
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 7, 3000, &rsa, &ed), 1);
	assert_string_equal(rsa, "RSA2");
	assert_null(ed);
	free(rsa);
	/* The domain removed and enrolled again: the same selector name
	 * under a new enrollment misses. */
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 8, 3000, &rsa,
	    &ed), 0);
	assert_null(rsa);
	keycache_put(kc, "db0", "alice.test", "rs2", 8, 3000, "RSA3", NULL);
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 8, 3000, &rsa,
	    &ed), 1);
	assert_string_equal(rsa, "RSA3");
	free(rsa);
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 7, 3000, &rsa,
	    &ed), 0);
	/* Another Redis (a reload to another server or database) with the
	 * same domain, selector and enrollment: its keys are not these. */
	assert_int_equal(keycache_get(kc, "db1", "alice.test", "rs2", 8,
	    3000, &rsa, &ed), 0);
	assert_null(rsa);
	keycache_put(kc, "db1", "alice.test", "rs2", 8, 3000, "RSA4", NULL);
	assert_int_equal(keycache_get(kc, "db1", "alice.test", "rs2", 8,
	    3000, &rsa, &ed), 1);
	assert_string_equal(rsa, "RSA4");
	free(rsa);
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 8,
	    3000, &rsa, &ed), 0);
	/* Stale after key_cache seconds. */
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs2", 8,
	    63000, &rsa, &ed), 0);
	/* Bounded: the table never grows past KEYCACHE_MAX. */
	{
		char d[32];
		int i;

		for (i = 0; i < KEYCACHE_MAX + 100; i++) {
			snprintf(d, sizeof(d), "d%d.test", i);
			keycache_put(kc, "db0", d, "s", 7, 5000 + i, "R", NULL);
		}
		assert_true(keycache_count(kc) <= KEYCACHE_MAX);
	}
	keycache_free(kc);
	keycache_free(NULL);

	/* key_cache = 0: nothing is kept. */
	kc = keycache_new(0);
	keycache_put(kc, "db0", "alice.test", "rs1", 7, 1000, "RSA1", NULL);
	assert_int_equal(keycache_get(kc, "db0", "alice.test", "rs1", 7, 1000, &rsa, &ed), 0);
	assert_int_equal(keycache_count(kc), 0);
	keycache_free(kc);
}

static void
test_from_warming(void **state)
{
	struct conf_warming	 w = { { { 2, 3, 5 }, { 14, 100, 1000 } }, 2,
				    0, 0 };
	struct dom_fact		 env, from;
	char			 d[256] = "";
	time_t			 now = 1800000000;

	(void)state;
	memset(&env, 0, sizeof(env));
	memset(&from, 0, sizeof(from));
	snprintf(env.domain, sizeof(env.domain), "old.test");
	env.verified_at = now - 400 * 86400;
	snprintf(from.domain, sizeof(from.domain), "warm.test");
	from.verified_at = now - 3600;		/* tier 1 */
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_REJECT);
	assert_non_null(strstr(d, "header From: domain warm.test is warming "
	    "up (tier 1 of 2)"));
	assert_non_null(strstr(d, "MAIL FROM on warm.test"));
	from.verified_at = now - 3 * 86400;	/* tier 2 */
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_REJECT);
	from.verified_at = now - 15 * 86400;	/* past warming */
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_ALLOW);
	/* the same enrollment (any case) is charged at RCPT: allowed */
	from.verified_at = now - 3600;
	snprintf(env.domain, sizeof(env.domain), "WARM.test");
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_ALLOW);
	/* a warming tier without caps has nothing to bypass */
	snprintf(env.domain, sizeof(env.domain), "old.test");
	w.tiers[0].per_hour = w.tiers[0].per_day = 0;
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_ALLOW);
	/* only one of the two caps is one (0 is unlimited): still warming */
	w.tiers[0].per_day = 10;
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_REJECT);
	w.tiers[0].per_day = 0;
	w.tiers[0].per_hour = 3;
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_REJECT);
	/* past warming, under standard caps: not a warming bypass */
	w.standard_per_hour = 50;
	w.standard_per_day = 500;
	from.verified_at = now - 15 * 86400;
	assert_int_equal(decide_from_warming(&env, &from, &w, now, d,
	    sizeof(d)), DECIDE_ALLOW);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_listunsub_decision),
		cmocka_unit_test(test_listunsub_build),
		cmocka_unit_test(test_listunsub_return_path),
		cmocka_unit_test(test_listunsub_buffer_edges),
		cmocka_unit_test(test_listunsub_long_lines_fold),
		cmocka_unit_test(test_listunsub_refuses),
		cmocka_unit_test(test_keycache),
		cmocka_unit_test(test_suppress_kind),
		cmocka_unit_test(test_from_warming),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
