/*
 * NAME
 *	test_ctl_verify - domain verify's decisions from DNS answers
 * DESCRIPTION
 *	The facts are what dns_txt() would give: per name, found (records
 *	with their strings joined), none, or a temporary failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "verify.h"

#define RSA	"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz"
#define ED	"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define TOKEN	"0123456789abcdef0123456789abcdef"

static struct verify_in in = {
	"example.com", TOKEN, "rs1", RSA, ED, NULL, NULL, NULL,
	"_spf.relay.example", NULL
};

static struct dns_txt facts[VN__COUNT];

static int
setup(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < VN__COUNT; i++) {
		memset(&facts[i], 0, sizeof(facts[i]));
		facts[i].status = DNS_NONE;
	}
	return 0;
}

static int
teardown(void **state)
{
	size_t	 i, j;

	(void)state;

	for (i = 0; i < VN__COUNT; i++) {
		for (j = 0; j < facts[i].nrr; j++)
			free(facts[i].rr[j]);
		free(facts[i].rr);
		free(facts[i].nstrings);
		free(facts[i].cname);
	}
	return 0;
}

/* put - add a TXT record to a slot */
static void
put(enum verify_name slot, const char *value)
{
	struct dns_txt	*t = &facts[slot];

	t->rr = realloc(t->rr, (t->nrr + 1) * sizeof(*t->rr));
	t->nstrings = realloc(t->nstrings, (t->nrr + 1) * sizeof(*t->nstrings));
	assert_non_null(t->rr);
	assert_non_null(t->nstrings);
	t->rr[t->nrr] = strdup(value);
	t->nstrings[t->nrr++] = 1;
	facts[slot].status = DNS_FOUND;
}

/* drop - forget the last record put at slot */
static void
drop(enum verify_name slot)
{
	free(facts[slot].rr[--facts[slot].nrr]);
}

static const struct verify_check *
check(const struct verify_out *o, const char *id)
{
	size_t	 i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->checks[i].id, id) == 0)
			return &o->checks[i];
	fail_msg("no check %s", id);
	return NULL;
}

static void
names_are_the_right_ones_and_their_doubles(void **state)
{
	char	 b[300];

	(void)state;
	assert_int_equal(verify_name(&in, VN_APEX, b, sizeof(b)), 0);
	assert_string_equal(b, "example.com");
	assert_int_equal(verify_name(&in, VN_APEX2, b, sizeof(b)), 0);
	assert_string_equal(b, "example.com.example.com");
	assert_int_equal(verify_name(&in, VN_RSA, b, sizeof(b)), 0);
	assert_string_equal(b, "rs1r._domainkey.example.com");
	assert_int_equal(verify_name(&in, VN_ED2, b, sizeof(b)), 0);
	assert_string_equal(b, "rs1e._domainkey.example.com.example.com");
	assert_int_equal(verify_name(&in, VN_DMARC, b, sizeof(b)), 0);
	assert_string_equal(b, "_dmarc.example.com");
	assert_int_equal(verify_name(&in, VN_NRSA, b, sizeof(b)), -1);
}

static void
everything_published_is_ready(void **state)
{
	struct verify_out o;

	(void)state;
	put(VN_APEX, "relay-verify=" TOKEN);
	put(VN_APEX, "v=spf1 mx include:_spf.relay.example ~all");
	put(VN_RSA, RSA);
	put(VN_ED, ED);
	put(VN_DMARC, "v=DMARC1; p=none");
	verify_decide(&in, facts, &o);
	assert_int_equal(o.n, 5);
	assert_true(o.ownership_ok);
	assert_true(o.required_ok);
	assert_false(o.unknown);
	assert_int_equal(check(&o, "spf")->state, VERIFY_OK);
	assert_int_equal(check(&o, "dmarc")->state, VERIFY_OK);
}

static void
nothing_published_is_missing_with_the_name_in_the_fix(void **state)
{
	struct verify_out o;

	(void)state;
	verify_decide(&in, facts, &o);
	assert_false(o.ownership_ok);
	assert_false(o.required_ok);
	assert_int_equal(check(&o, "ownership")->state, VERIFY_MISSING);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_MISSING);
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix,
	    "rs1r._domainkey.example.com"));
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix, "dig +short TXT"));
	assert_string_equal(check(&o, "ownership")->expect,
	    "relay-verify=" TOKEN);
}

static void
split_and_folded_key_counts_as_the_same_key(void **state)
{
	struct verify_out o;

	(void)state;
	/* dns_txt joins the strings; folding white space inside p= is legal */
	put(VN_RSA, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC AQ8AMIIBCgKCAQEAxyz");
	put(VN_ED, "v=DKIM1;k=ed25519;p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_OK);
	assert_int_equal(check(&o, "dkim-ed25519")->state, VERIFY_OK);
}

static void
wrong_values_say_what_is_wrong(void **state)
{
	struct verify_out o;

	(void)state;
	put(VN_APEX, "relay-verify=0000");
	put(VN_RSA, "v=DKIM1; k=rsa; p=MIIBIjANBgkq");	/* cut off */
	put(VN_ED, "v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
	put(VN_DMARC, "v=DMARC1; p=none");
	put(VN_DMARC, "v=DMARC1; p=reject");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "ownership")->state, VERIFY_WRONG);
	assert_string_equal(check(&o, "ownership")->found, "relay-verify=0000");
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix, "cut off"));
	assert_int_equal(check(&o, "dkim-ed25519")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "dkim-ed25519")->fix, "k=rsa"));
	assert_int_equal(check(&o, "dmarc")->state, VERIFY_WRONG);
	assert_int_equal(check(&o, "spf")->state, VERIFY_MISSING);
	assert_false(o.required_ok);
}

/* our key in a record receivers discard (RFC 6376 3.6.1) is no pass */
static void
records_receivers_discard_are_wrong(void **state)
{
	static const char *bad[] = {
	    "v=DKIM1; k=rsa; h=sha1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz",
	    "v=DKIM2; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz",
	    "k=rsa; v=DKIM1; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz",
	    "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz; p=",
	    "v=DKIM1; k=rsa; s=tlsrpt; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz",
	    "v=DKIM1; k=rsaxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz",
	};
	struct verify_out o;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(VN_RSA, bad[i]);
		verify_decide(&in, facts, &o);
		if (check(&o, "dkim-rsa")->state != VERIFY_WRONG)
			fail_msg("taken: %s", bad[i]);
		drop(VN_RSA);
	}
	put(VN_RSA, bad[0]);
	verify_decide(&in, facts, &o);
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix, "h= does not "
	    "allow sha256"));
	drop(VN_RSA);
	/* allowed: h= naming sha256, s=email or *, t=, any tag order after v= */
	put(VN_RSA, "v=DKIM1; h=sha1:sha256; s=email; t=y; k=rsa; "
	    "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_OK);
	drop(VN_RSA);
	put(VN_RSA, "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxyz; s=*");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_OK);
}

static void
quotes_pasted_into_the_value_are_named(void **state)
{
	struct verify_out o;

	(void)state;
	put(VN_RSA, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC\" \"AQ8AMIIBCgKCAQEAxyz");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix, "quote"));
}

static void
doubled_names_are_the_provider_mistake(void **state)
{
	struct verify_out o;

	(void)state;
	put(VN_APEX2, "relay-verify=" TOKEN);
	put(VN_RSA2, RSA);
	put(VN_DMARC2, "v=DMARC1; p=none");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "ownership")->state, VERIFY_WRONG);
	assert_string_equal(check(&o, "dkim-rsa")->found,
	    "published at rs1r._domainkey.example.com.example.com");
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix, "doubled name"));
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix,
	    "Enter only \"rs1r._domainkey\" as the name"));
	assert_non_null(strstr(check(&o, "ownership")->fix, "Enter \"@\""));
	assert_int_equal(check(&o, "dkim-ed25519")->state, VERIFY_MISSING);
	assert_int_equal(check(&o, "dmarc")->state, VERIFY_WRONG);
}

static void
spf_needs_one_record_with_our_include(void **state)
{
	struct verify_out o;

	(void)state;
	put(VN_APEX, "v=spf1 include:_spf.other.example -all");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "spf")->fix,
	    "include:_spf.relay.example"));
	/* after "all", or qualified: never a pass */
	drop(VN_APEX);
	put(VN_APEX, "v=spf1 -all include:_spf.relay.example");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_WRONG);
	assert_int_equal(facts[VN_APEX].nrr, 1);
	drop(VN_APEX);
	put(VN_APEX, "v=spf1 ~include:_spf.relay.example -all");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_WRONG);
	drop(VN_APEX);
	put(VN_APEX, "v=spf1 +include:_spf.relay.example -all");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_OK);
	drop(VN_APEX);
	put(VN_APEX, "v=spf1 include:_spf.other.example -all");
	put(VN_APEX, "v=spf1 include:_spf.relay.example ~all");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "spf")->found, "2 records"));
	assert_int_equal(check(&o, "spf")->required, 0);
}

/*
 * spf_without_include_proposes_no_record - relay.conf sets no spf_include:
 * `domain records` prints no SPF record, so the fix must not send the
 * user there; any one v=spf1 record is enough
 */
static void
spf_without_include_proposes_no_record(void **state)
{
	struct verify_in	 bare = in;
	struct verify_out	 o;

	(void)state;
	bare.spf_include = NULL;
	verify_decide(&bare, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_MISSING);
	assert_null(strstr(check(&o, "spf")->fix, "domain records"));
	assert_non_null(strstr(check(&o, "spf")->fix, "spf_include"));
	put(VN_APEX, "v=spf1 mx -all");
	verify_decide(&bare, facts, &o);
	assert_int_equal(check(&o, "spf")->state, VERIFY_OK);
}

static void
dns_failure_is_unknown_never_missing(void **state)
{
	struct verify_out o;

	(void)state;
	facts[VN_APEX].status = DNS_ETEMP;
	put(VN_RSA, RSA);
	put(VN_ED, ED);
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "ownership")->state, VERIFY_UNKNOWN);
	assert_int_equal(check(&o, "spf")->state, VERIFY_UNKNOWN);
	assert_true(o.unknown);
	assert_false(o.ownership_ok);
	assert_false(o.required_ok);
}

static void
pending_selector_is_checked_and_reported(void **state)
{
	struct verify_in r = in;
	struct verify_out o;

	(void)state;
	r.next_selector = "rs2";
	r.next_rsa_txt = "v=DKIM1; k=rsa; p=NEWRSA";
	r.next_ed_txt = "v=DKIM1; k=ed25519; p=NEWED";
	put(VN_APEX, "relay-verify=" TOKEN);
	put(VN_RSA, RSA);
	put(VN_ED, ED);
	put(VN_NRSA, "v=DKIM1; k=rsa; p=NEWRSA");
	verify_decide(&r, facts, &o);
	assert_true(o.required_ok);
	assert_false(o.next_ok);
	assert_int_equal(check(&o, "dkim-ed25519-next")->state, VERIFY_MISSING);
	put(VN_NED, "v=DKIM1; k=ed25519; p=NEWED");
	verify_decide(&r, facts, &o);
	assert_true(o.next_ok);
	assert_string_equal(check(&o, "dkim-rsa-next")->name,
	    "rs2r._domainkey.example.com");
}

static void
long_found_value_is_cut_between_utf8_sequences(void **state)
{
	struct verify_out o;
	const char	*f;
	char		 v[1200];
	size_t		 i, n;

	(void)state;
	n = (size_t)snprintf(v, sizeof(v), "relay-verify=");
	for (i = 0; i < 500; i++, n += 2)
		memcpy(v + n, "\xc3\xa9", 2);		/* U+00E9, 1000 bytes */
	v[n] = '\0';
	put(VN_APEX, v);
	verify_decide(&in, facts, &o);
	f = check(&o, "ownership")->found;
	assert_int_equal(check(&o, "ownership")->state, VERIFY_WRONG);
	assert_int_equal(strlen(f), 507 + 3);
	assert_string_equal(f + 507, "...");
	assert_int_equal((unsigned char)f[506], 0xa9);	/* é kept whole */
	assert_memory_equal(f, v, 507);
}

static void
mx_is_checked_only_with_a_forward_to_and_never_required(void **state)
{
	struct verify_in r = in;
	struct verify_out o;
	char		 b[300];

	(void)state;
	put(VN_APEX, "relay-verify=" TOKEN);
	put(VN_RSA, RSA);
	put(VN_ED, ED);
	put(VN_MX, "mx.other.example");
	verify_decide(&in, facts, &o);
	assert_int_equal(verify_name(&in, VN_MX, b, sizeof(b)), -1);
	for (size_t i = 0; i < o.n; i++)
		assert_string_not_equal(o.checks[i].id, "mx");

	r.mx_host = "in.relay.example";
	assert_int_equal(verify_name(&r, VN_MX, b, sizeof(b)), 0);
	assert_string_equal(b, "example.com");
	verify_decide(&r, facts, &o);
	assert_int_equal(check(&o, "mx")->state, VERIFY_WRONG);
	assert_string_equal(check(&o, "mx")->type, "MX");
	assert_string_equal(check(&o, "ownership")->type, "TXT");
	assert_string_equal(check(&o, "mx")->expect, "10 in.relay.example.");
	assert_string_equal(check(&o, "mx")->found, "mx.other.example");
	assert_non_null(strstr(check(&o, "mx")->fix, "--none"));
	assert_false(check(&o, "mx")->required);
	assert_true(o.required_ok);

	put(VN_MX, "IN.Relay.Example.");	/* any case, a trailing dot */
	verify_decide(&r, facts, &o);
	assert_int_equal(check(&o, "mx")->state, VERIFY_OK);

	teardown(state);
	setup(state);
	put(VN_APEX, "relay-verify=" TOKEN);
	put(VN_RSA, RSA);
	put(VN_ED, ED);
	verify_decide(&r, facts, &o);
	assert_int_equal(check(&o, "mx")->state, VERIFY_MISSING);
	assert_non_null(strstr(check(&o, "mx")->fix, "dig +short MX "
	    "example.com"));
	facts[VN_MX].status = DNS_ETEMP;
	verify_decide(&r, facts, &o);
	assert_int_equal(check(&o, "mx")->state, VERIFY_UNKNOWN);
	assert_true(o.required_ok);
}

/*
 * A name that is a CNAME (a key delegated to the provider's zone): with
 * nothing at the target, the fix sends the record there, never beside
 * the CNAME; a wrong record at the target says where it is; a record at
 * the target is as good as one at the name.
 */
static void
cname_names_the_target_where_the_record_belongs(void **state)
{
	struct verify_out	 o;
	const char		*fix;

	(void)state;
	put(VN_APEX, "relay-verify=" TOKEN);
	facts[VN_RSA].cname = strdup("k1.example-com.dkim.relay.example");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_MISSING);
	assert_string_equal(check(&o, "dkim-rsa")->found,
	    "CNAME to k1.example-com.dkim.relay.example, which has no TXT "
	    "record");
	fix = check(&o, "dkim-rsa")->fix;
	assert_non_null(strstr(fix, "publish the value below at "
	    "k1.example-com.dkim.relay.example"));
	assert_non_null(strstr(fix, "replace the CNAME at "
	    "rs1r._domainkey.example.com by a TXT record"));
	assert_null(strstr(fix, "add a TXT record at"));
	/* no CNAME: the plain advice, found empty */
	assert_string_equal(check(&o, "dkim-ed25519")->found, "");
	assert_non_null(strstr(check(&o, "dkim-ed25519")->fix,
	    "add a TXT record at rs1e._domainkey.example.com"));

	put(VN_RSA, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBold");
	facts[VN_DMARC].cname = strdup("example-com.dmarc.example.net");
	put(VN_DMARC, "v=DMARC2");
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "dkim-rsa")->fix, "The record is at "
	    "k1.example-com.dkim.relay.example (rs1r._domainkey.example.com "
	    "is a CNAME to it): change it there"));
	assert_int_equal(check(&o, "dmarc")->state, VERIFY_WRONG);
	assert_non_null(strstr(check(&o, "dmarc")->fix, "The record is at "
	    "example-com.dmarc.example.net"));

	free(facts[VN_RSA].rr[0]);
	facts[VN_RSA].rr[0] = strdup(RSA);
	put(VN_ED, ED);
	verify_decide(&in, facts, &o);
	assert_int_equal(check(&o, "dkim-rsa")->state, VERIFY_OK);
	assert_true(o.required_ok);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(names_are_the_right_ones_and_their_doubles),
		T(everything_published_is_ready),
		T(nothing_published_is_missing_with_the_name_in_the_fix),
		T(split_and_folded_key_counts_as_the_same_key),
		T(wrong_values_say_what_is_wrong),
		T(records_receivers_discard_are_wrong),
		T(quotes_pasted_into_the_value_are_named),
		T(doubled_names_are_the_provider_mistake),
		T(spf_needs_one_record_with_our_include),
		T(spf_without_include_proposes_no_record),
		T(dns_failure_is_unknown_never_missing),
		T(pending_selector_is_checked_and_reported),
		T(long_found_value_is_cut_between_utf8_sequences),
		T(mx_is_checked_only_with_a_forward_to_and_never_required),
		T(cname_names_the_target_where_the_record_belongs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
