/*
 * NAME
 *	test_rkeys - key names, hash tags, refusal of hostile identifiers,
 *	and that SCHEMA.md documents every key
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rkeys.h"

static void
member_and_domain_keys(void **state)
{
	char	 k[RKEY_MAX];

	assert_int_equal(rkey(k, sizeof(k), RKEY_MEMBER, "alice", NULL),
	    (int)strlen("relay:{m:alice}:member"));
	assert_string_equal(k, "relay:{m:alice}:member");
	rkey(k, sizeof(k), RKEY_SUPPRESS, "alice", NULL);
	assert_string_equal(k, "relay:{m:alice}:suppress");
	rkey(k, sizeof(k), RKEY_MSG, "alice", "4jXSHS51kwz1bb8Y");
	assert_string_equal(k, "relay:{m:alice}:msg:4jXSHS51kwz1bb8Y");
	rkey(k, sizeof(k), RKEY_DOMAIN, "example.com", NULL);
	assert_string_equal(k, "relay:{d:example.com}:domain");
	rkey(k, sizeof(k), RKEY_SCHEMA, NULL, NULL);
	assert_string_equal(k, "relay:schema");
}

/* hash_tag - the part between the first { and the next } */
static void
hash_tag(const char *key, char *out, size_t len)
{
	const char *a = strchr(key, '{'), *b = a ? strchr(a, '}') : NULL;

	snprintf(out, len, "%.*s", a && b ? (int)(b - a - 1) : 0, a ? a + 1 : "");
}

static void
member_keys_share_one_slot(void **state)
{
	static const enum rkey_kind kinds[] = { RKEY_MEMBER, RKEY_APIKEYS,
	    RKEY_APIKEYS_USED, RKEY_MEMBER_DOMAINS, RKEY_SUPPRESS, RKEY_SOFT,
	    RKEY_OUTCOMES, RKEY_INFLIGHT, RKEY_RECENT, RKEY_APPLIED };
	char	 k[RKEY_MAX], tag[RKEY_MAX];
	size_t	 i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_true(rkey(k, sizeof(k), kinds[i], "bob", NULL) > 0);
		hash_tag(k, tag, sizeof(tag));
		assert_string_equal(tag, "m:bob");
	}
	rkey(k, sizeof(k), RKEY_MSG, "bob", "Q1");
	hash_tag(k, tag, sizeof(tag));
	assert_string_equal(tag, "m:bob");
}

/*
 * A session's charges: the same key from relay-policyd's attributes and
 * relay-milter's macros, in the member's slot; none without a client.
 */
static void
session_charges_key(void **state)
{
	char	 k[RKEY_MAX], tag[RKEY_MAX];

	(void)state;
	assert_true(rkey_charges(k, sizeof(k), "bob", "n1", "::1", "41234",
	    "::1", "587") > 0);
	assert_string_equal(k, "relay:{m:bob}:charges:n1/::1/41234/::1/587");
	/* the milter's {client_addr} of the same client, and a port Postfix
	   does not know as each names it */
	assert_true(rkey_charges(k, sizeof(k), "bob", "n1", "IPv6:::1",
	    "41234", "::1", "587") > 0);
	assert_string_equal(k, "relay:{m:bob}:charges:n1/::1/41234/::1/587");
	assert_true(rkey_charges(k, sizeof(k), "bob", "n1", "::1", "unknown",
	    "::1", "unknown") > 0);
	assert_string_equal(k, "relay:{m:bob}:charges:n1/::1/0/::1/0");
	hash_tag(k, tag, sizeof(tag));
	assert_string_equal(tag, "m:bob");
	/* Postfix before 3.2 names no server: still one key per client */
	assert_true(rkey_charges(k, sizeof(k), "bob", "n1", "192.0.2.1", "25",
	    NULL, "") > 0);
	assert_string_equal(k, "relay:{m:bob}:charges:n1/192.0.2.1/25//");
	assert_int_equal(rkey_charges(k, sizeof(k), "bob", "n1", "", "25",
	    "::1", "587"), -1);
	assert_string_equal(k, "");
	assert_int_equal(rkey_charges(k, sizeof(k), "bob", "n1", "::1", NULL,
	    "::1", "587"), -1);
	assert_int_equal(rkey_charges(k, sizeof(k), "bob", "n 1", "::1", "1",
	    "::1", "587"), -1);
	assert_int_equal(rkey_charges(k, sizeof(k), "b}b", "n1", "::1", "1",
	    "::1", "587"), -1);
}

static void
hostile_identifiers_are_refused(void **state)
{
	static const char *bad[] = { "", "a}b", "{x}", "a b", "a\r\nb",
	    "a\tb", "\x7f" };
	char	 k[RKEY_MAX], big[400];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(rkey(k, sizeof(k), RKEY_MEMBER, bad[i], NULL), -1);
		assert_string_equal(k, "");
	}
	assert_int_equal(rkey(k, sizeof(k), RKEY_MEMBER, NULL, NULL), -1);
	assert_int_equal(rkey(k, sizeof(k), RKEY_MSG, "alice", NULL), -1);
	assert_int_equal(rkey(k, sizeof(k), RKEY_MEMBER, "alice", "x"), -1);
	assert_int_equal(rkey(k, sizeof(k), RKEY_SCHEMA, "x", NULL), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(rkey(k, sizeof(k), RKEY_MEMBER, big, NULL), -1);
	assert_int_equal(rkey(k, 10, RKEY_MEMBER, "alice", NULL), -1);
	assert_int_equal(rkey(k, sizeof(k), RKEY__COUNT, "alice", NULL), -1);
}

static void
message_ids_are_hashed(void **state)
{
	char	 k[RKEY_MAX];

	assert_true(rkey(k, sizeof(k), RKEY_MSGID, "<a{b}c d@x>", NULL) > 0);
	assert_null(strchr(k + strlen("relay:{"), '{'));
	assert_int_equal(strlen(k), strlen("relay:{x:}:msgid") + 64);
	/* SHA-256 of "<m@x>" */
	rkey(k, sizeof(k), RKEY_MSGID, "abc", NULL);
	assert_string_equal(k, "relay:{x:ba7816bf8f01cfea414140de5dae2223b00361"
	    "a396177a9cb410ff61f20015ad}:msgid");
}

static void
schema_document_names_every_key(void **state)
{
	const char	*top = getenv("RELAY_TOP_SRCDIR");
	char		 path[4096], *doc;
	FILE		*fp;
	long		 n;
	int		 kind;

	snprintf(path, sizeof(path), "%s/common/SCHEMA.md", top ? top : ".");
	fp = fopen(path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	doc = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(doc, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	for (kind = 0; kind < RKEY__COUNT; kind++) {
		char quoted[RKEY_MAX];

		snprintf(quoted, sizeof(quoted), "`%s`", rkey_pattern(kind));
		if (strstr(doc, quoted) == NULL)
			fail_msg("SCHEMA.md does not document %s", quoted);
	}
	free(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(member_and_domain_keys),
		cmocka_unit_test(member_keys_share_one_slot),
		cmocka_unit_test(session_charges_key),
		cmocka_unit_test(hostile_identifiers_are_refused),
		cmocka_unit_test(message_ids_are_hashed),
		cmocka_unit_test(schema_document_names_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
