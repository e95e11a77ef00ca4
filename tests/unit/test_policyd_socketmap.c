/*
 * NAME
 *	test_policyd_socketmap - netstring framing, malformed input, the
 *	domains and forward answers
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policyd_rval.h"
#include "socketmap.h"

static int
parse(const char *s, struct sm_req *r, size_t *used)
{
	return sm_parse(s, strlen(s), r, used);
}

static void
netstring_request_is_split(void **state)
{
	struct sm_req	 r;
	size_t		 used;

	assert_int_equal(parse("30:forward a b%c@enrolled.example,7:x",
	    &r, &used), SM_REQ);
	assert_int_equal(used, 34);
	assert_string_equal(r.name, "forward");
	assert_string_equal(r.key, "a b%c@enrolled.example");
	assert_int_equal(parse("21:domains enrolled.test,", &r, &used), SM_REQ);
	assert_string_equal(r.key, "enrolled.test");
}

static void
partial_netstrings_need_more(void **state)
{
	const char	*s = "21:domains enrolled.test,";
	struct sm_req	 r;
	size_t		 used, n;

	for (n = 0; n < strlen(s); n++)
		assert_int_equal(sm_parse(s, n, &r, &used), SM_MORE);
}

static void
malformed_netstrings_are_refused(void **state)
{
	struct sm_req	 r;
	size_t		 used;

	assert_int_equal(parse("x:abc,", &r, &used), SM_EBAD);
	assert_int_equal(parse("3:abc;", &r, &used), SM_EBAD);
	assert_int_equal(parse("03:a b,", &r, &used), SM_EBAD);
	assert_int_equal(parse(":a b,", &r, &used), SM_EBAD);
	assert_int_equal(parse("3:abc,", &r, &used), SM_EBAD);	/* no key */
	assert_int_equal(parse("4:abc ,", &r, &used), SM_EBAD);	/* empty key */
	assert_int_equal(parse("4: abc,", &r, &used), SM_EBAD);	/* empty name */
	/* a map name too long to be ours: a request, of an unknown map */
	assert_int_equal(parse("43:domainsdomainsdomainsdomainsdomainsx a.test,",
	    &r, &used), SM_REQ);
	assert_int_equal(strlen(r.name), sizeof(r.name) - 1);
	assert_int_equal(sm_map_of(r.name), SM_MAP_UNKNOWN);
	assert_int_equal(parse("99999:", &r, &used), SM_ETOOLONG);
	assert_int_equal(sm_parse("5:a b\0c,", 8, &r, &used), SM_EBAD);
	assert_string_equal(sm_strerror(SM_EBAD), "malformed netstring");
}

static void
replies_are_netstrings(void **state)
{
	char	 buf[64];

	assert_int_equal(sm_format(buf, sizeof(buf), "OK", "o@f.test"), 15);
	assert_string_equal(buf, "11:OK o@f.test,");
	sm_format(buf, sizeof(buf), "NOTFOUND", NULL);
	assert_string_equal(buf, "9:NOTFOUND ,");
	assert_int_equal(sm_format(buf, 5, "NOTFOUND", NULL), 0);
}

static void
keys_name_their_domain(void **state)
{
	char	 d[256];

	assert_int_equal(sm_key_domain(SM_MAP_FORWARD, "x@Enrolled.Test", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "enrolled.test");
	assert_int_equal(sm_key_domain(SM_MAP_FORWARD, "@enrolled.test", d,
	    sizeof(d)), 0);
	assert_string_equal(d, "enrolled.test");
	assert_int_equal(sm_key_domain(SM_MAP_FORWARD, "nobody", d, sizeof(d)),
	    -1);
	assert_int_equal(sm_key_domain(SM_MAP_DOMAINS, "enrolled.test", d,
	    sizeof(d)), 0);
	assert_int_equal(sm_key_domain(SM_MAP_DOMAINS, "{evil}", d, sizeof(d)),
	    -1);
	assert_int_equal(sm_map_of("alias"), SM_MAP_UNKNOWN);
}

static struct rval *
domain_reply(const char *member, const char *ver, const char *fwd)
{
	struct rval *r = rval_new_array(3);

	r->el[0] = member ? rval_new_str(member, strlen(member)) : rval_new_nil();
	r->el[1] = ver ? rval_new_str(ver, strlen(ver)) : rval_new_nil();
	r->el[2] = fwd ? rval_new_str(fwd, strlen(fwd)) : rval_new_nil();
	return r;
}

static void
answers_follow_enrollment_and_forward_to(void **state)
{
	static const struct {
		enum sm_map map;
		const char *member, *ver, *fwd, *status, *value;
	} t[] = {
		{ SM_MAP_DOMAINS, "alice", "1700000000", "o@f.test", "OK",
		  "e.test" },
		/* no forward-to: not Postfix's domain (mail goes to its MX) */
		{ SM_MAP_DOMAINS, "alice", "1700000000", "", "NOTFOUND", "" },
		{ SM_MAP_DOMAINS, "alice", "1700000000", NULL, "NOTFOUND", "" },
		{ SM_MAP_DOMAINS, "alice", "0", "o@f.test", "NOTFOUND", "" },
		{ SM_MAP_DOMAINS, NULL, NULL, NULL, "NOTFOUND", "" },
		{ SM_MAP_FORWARD, "alice", "1700000000", "Owner@F.test", "OK",
		  "owner@f.test" },
		{ SM_MAP_FORWARD, "alice", "1700000000", "", "NOTFOUND", "" },
		{ SM_MAP_FORWARD, "alice", "1700000000", "not an address",
		  "TEMP", "bad forward-to address stored" },
	};
	struct sm_domain d;
	const char	*st;
	char		 value[256];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct rval *r = domain_reply(t[i].member, t[i].ver, t[i].fwd);

		assert_int_equal(sm_domain_from(r, &d), 0);
		sm_answer(t[i].map, "e.test", &d, &st, value, sizeof(value));
		assert_string_equal(st, t[i].status);
		assert_string_equal(value, t[i].value);
		rval_free(r);
	}
}

/* a stored value holding a NUL is no answer: never read past it, nor cut */
/* The edges: a payload of exactly SM_MAX_REQUEST, a separator other than
 * ':', a reply buffer of exactly the reply's size and one short, the map
 * names, the key of an unknown map, a bad "@domain" key; a stored
 * forward-to of exactly its buffer's size or a verified_at that is no
 * number is refused, a missing verified_at is 0. */
static void
edges_of_requests_replies_and_facts(void **state)
{
	static char	 big[SM_MAX_REQUEST + 16];
	char		 buf[64], d[256], fwd[256];
	struct sm_req	 r;
	struct sm_domain dm;
	struct rval	*rv;
	size_t		 used;
	int		 n;

	(void)state;
	n = snprintf(big, sizeof(big), "%d:forward ", SM_MAX_REQUEST);
	memset(big + n, 'k', SM_MAX_REQUEST - 8);
	big[n + SM_MAX_REQUEST - 8] = ',';
	assert_int_equal(sm_parse(big, strlen(big), &r, &used), SM_REQ);
	assert_int_equal(used, strlen(big));
	assert_int_equal(strlen(r.key), SM_MAX_REQUEST - 8);
	assert_int_equal(parse("4097:", &r, &used), SM_ETOOLONG);
	assert_int_equal(parse("3xa b,", &r, &used), SM_EBAD);
	/* replies */
	assert_int_equal(sm_format(buf, 16, "OK", "o@f.test"), 15);
	assert_string_equal(buf, "11:OK o@f.test,");
	assert_int_equal(sm_format(buf, 15, "OK", "o@f.test"), 0);
	assert_int_equal(sm_format(buf, sizeof(buf), "OK", ""), 6);
	assert_string_equal(buf, "3:OK ,");
	{
		/* "OK " and a value: 1099 octets fit SM_MAX_REPLY, 1100 not */
		static char	 v[SM_MAX_REPLY], out[SM_MAX_REPLY + 16];

		memset(v, 'v', SM_MAX_REPLY - 4);
		v[SM_MAX_REPLY - 4] = '\0';
		assert_int_equal(sm_format(out, sizeof(out), "OK", v),
		    5 + SM_MAX_REPLY - 1 + 1);
		v[SM_MAX_REPLY - 4] = 'v';
		v[SM_MAX_REPLY - 3] = '\0';
		assert_int_equal(sm_format(out, sizeof(out), "OK", v), 0);
	}
	/* maps and keys */
	assert_int_equal(sm_map_of("domains"), SM_MAP_DOMAINS);
	assert_int_equal(sm_map_of("forward"), SM_MAP_FORWARD);
	assert_int_equal(sm_map_of("Domains"), SM_MAP_UNKNOWN);
	assert_int_equal(sm_key_domain(SM_MAP_UNKNOWN, "enrolled.test", d,
	    sizeof(d)), -1);
	assert_int_equal(sm_key_domain(SM_MAP_FORWARD, "@{evil}", d,
	    sizeof(d)), -1);
	assert_int_equal(sm_key_domain(SM_MAP_FORWARD, "x@enrolled.test", d,
	    strlen("enrolled.test")), -1);	/* no room for the NUL */
	assert_int_equal(sm_key_domain(SM_MAP_FORWARD, "x@enrolled.test", d,
	    strlen("enrolled.test") + 1), 0);
	/* facts */
	memset(fwd, 'f', sizeof(fwd));
	fwd[sizeof(fwd) - 1] = '\0';			/* 255 octets: fits */
	rv = domain_reply("alice", "1700000000", fwd);
	assert_int_equal(sm_domain_from(rv, &dm), 0);
	assert_int_equal(strlen(dm.forward_to), sizeof(fwd) - 1);
	fwd[sizeof(fwd) - 1] = 'f';			/* 256: no room */
	rval_free(rv->el[2]);
	rv->el[2] = rval_new_str(fwd, sizeof(fwd));
	assert_int_equal(sm_domain_from(rv, &dm), -1);
	rval_free(rv);
	rv = domain_reply("alice", "soon", NULL);
	assert_int_equal(sm_domain_from(rv, &dm), -1);
	rval_free(rv);
	rv = domain_reply("alice", NULL, NULL);
	assert_int_equal(sm_domain_from(rv, &dm), 0);
	assert_true(dm.exists);
	assert_int_equal(dm.verified_at, 0);
	rval_free(rv);
	assert_int_equal(sm_domain_from(NULL, &dm), -1);
	rv = rval_new_array(2);
	rv->el[0] = rval_new_str("alice", 5);
	rv->el[1] = rval_new_nil();
	assert_int_equal(sm_domain_from(rv, &dm), -1);	/* wrong shape */
	rval_free(rv);
	rv = domain_reply("a", "5", NULL);
	assert_int_equal(sm_domain_from(rv, &dm), 0);
	assert_true(dm.exists);
	rval_free(rv);
}

static void
stored_nul_is_refused(void **state)
{
	static const char fwd[] = "a\0bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	struct rval	*r = domain_reply("alice", "1700000000", NULL);
	struct sm_domain d;

	(void)state;
	rval_free(r->el[2]);
	r->el[2] = rval_new_str(fwd, sizeof(fwd) - 1);
	assert_int_equal(r->el[2]->len, sizeof(fwd) - 1);
	assert_null(rval_str(r->el[2]));
	assert_true(rval_badstr(r->el[2]));
	assert_int_equal(sm_domain_from(r, &d), -1);
	rval_free(r->el[2]);
	r->el[2] = rval_new_nil();
	rval_free(r->el[0]);
	r->el[0] = rval_new_str("ali\0ce", 6);
	assert_int_equal(sm_domain_from(r, &d), -1);
	rval_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netstring_request_is_split),
		cmocka_unit_test(partial_netstrings_need_more),
		cmocka_unit_test(malformed_netstrings_are_refused),
		cmocka_unit_test(replies_are_netstrings),
		cmocka_unit_test(keys_name_their_domain),
		cmocka_unit_test(answers_follow_enrollment_and_forward_to),
		cmocka_unit_test(stored_nul_is_refused),
		cmocka_unit_test(edges_of_requests_replies_and_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
