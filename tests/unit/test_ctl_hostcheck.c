/*
 * NAME
 *	test_ctl_hostcheck - relayctl host check's decisions (hostcheck.c)
 * DESCRIPTION
 *	The SPF record's addresses, the reverse names, and the checks of
 *	one address from the answers dns_lookup() would give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostcheck.h"

/* answer - a DNS answer with the given records (NULL-terminated) */
static struct dns_txt
answer(enum dns_status st, ...)
{
	struct dns_txt	 t;
	va_list		 ap;
	const char	*v;

	memset(&t, 0, sizeof(t));
	t.status = st;
	t.rr = calloc(8, sizeof(*t.rr));
	t.nstrings = calloc(8, sizeof(*t.nstrings));
	assert_non_null(t.rr);
	assert_non_null(t.nstrings);
	va_start(ap, st);
	while ((v = va_arg(ap, const char *)) != NULL && t.nrr < 8) {
		t.rr[t.nrr] = strdup(v);
		t.nstrings[t.nrr++] = 1;
	}
	va_end(ap);
	return t;
}

static void
spf_terms_become_addresses(void **state)
{
	struct host_spf	 s;

	(void)state;
	assert_int_equal(host_spf_parse("v=spf1 ip4:192.0.2.10 "
	    "+IP6:2001:DB8:0::10 ip4:192.0.2.10/32 ip6:2001:db8::11/128 ip4:198.51.100.0/24 "
	    "-ip4:192.0.2.66 ~ip4:192.0.2.67 a mx:relay.example "
	    "include:_spf.other.example ip4:999.1.1.1 redirect=x.example "
	    "~all", &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.ip[0], "192.0.2.10");
	assert_string_equal(s.ip[1], "2001:db8::10");
	assert_string_equal(s.ip[2], "2001:db8::11");
	assert_string_equal(s.skipped, "ip4:198.51.100.0/24 -ip4:192.0.2.66 "
	    "~ip4:192.0.2.67 a mx:relay.example include:_spf.other.example "
	    "ip4:999.1.1.1 redirect=x.example");
	assert_int_equal(host_spf_parse("  V=SPF1", &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(host_spf_parse("v=spf10 ip4:192.0.2.1", &s), -1);
	assert_int_equal(host_spf_parse("v=DMARC1; p=none", &s), -1);
}

static void
reverse_names(void **state)
{
	char	 b[80];

	(void)state;
	assert_int_equal(host_rev_name("192.0.2.10", b, sizeof(b)), 0);
	assert_string_equal(b, "10.2.0.192.in-addr.arpa");
	assert_int_equal(host_rev_name("2001:db8::1", b, sizeof(b)), 0);
	assert_string_equal(b, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(host_rev_name("mail.relay.example", b, sizeof(b)),
	    -1);
	assert_int_equal(host_rev_name("2001:db8::1", b, 20), -1);
}

/* an address passes, fails or cannot be told, its terms in order */
static void
spf_terms_decide_in_order(void **state)
{
	static const struct {
		const char	*rec, *ip;
		int		 want;
	} t[] = {
		{ "v=spf1 ip4:192.0.2.7 -all", "192.0.2.7", HOST_SPF_PASS },
		{ "v=spf1 +ip4:192.0.2.7 -all", "192.0.2.7", HOST_SPF_PASS },
		{ "v=spf1 ip4:192.0.2.8 -all", "192.0.2.7", HOST_SPF_FAIL },
		/* after "all": never evaluated */
		{ "v=spf1 ip4:192.0.2.8 -all ip4:192.0.2.7", "192.0.2.7",
		  HOST_SPF_FAIL },
		/* a qualified term naming it fails it */
		{ "v=spf1 -ip4:192.0.2.7 ~all", "192.0.2.7", HOST_SPF_FAIL },
		{ "v=spf1 ~ip4:192.0.2.7 ip4:192.0.2.7", "192.0.2.7",
		  HOST_SPF_FAIL },
		{ "v=spf1 ip6:2001:DB8::7 -all", "2001:db8::7", HOST_SPF_PASS },
		/* no match, no all: neutral, no pass */
		{ "v=spf1 ip4:192.0.2.8", "192.0.2.7", HOST_SPF_FAIL },
		{ "v=spf1 +all", "192.0.2.7", HOST_SPF_PASS },
		/* what a lookup would decide */
		{ "v=spf1 include:x.example -all", "192.0.2.7",
		  HOST_SPF_UNKNOWN },
		{ "v=spf1 include:x.example ip4:192.0.2.7 -all", "192.0.2.7",
		  HOST_SPF_PASS },
		{ "v=spf1 -a ip4:192.0.2.7 -all", "192.0.2.7",
		  HOST_SPF_UNKNOWN },
		{ "v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.7",
		  HOST_SPF_UNKNOWN },
		{ "v=spf1 redirect=x.example", "192.0.2.7", HOST_SPF_UNKNOWN },
		{ "v=spf1 exp=x.example ip4:192.0.2.7", "192.0.2.7",
		  HOST_SPF_PASS },
		{ "v=spf10 ip4:192.0.2.7", "192.0.2.7", HOST_SPF_FAIL },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (host_spf_match(t[i].rec, t[i].ip) != t[i].want)
			fail_msg("%s for %s: %d, want %d", t[i].rec, t[i].ip,
			    host_spf_match(t[i].rec, t[i].ip), t[i].want);
	assert_int_equal(host_spf_has("v=spf1 include:A.example ~all",
	    "include:a.example"), 1);
	assert_int_equal(host_spf_has("v=spf1 +include:a.example ~all",
	    "include:a.example"), 1);
	assert_int_equal(host_spf_has("v=spf1 -all include:a.example",
	    "include:a.example"), 0);
	assert_int_equal(host_spf_has("v=spf1 ?include:a.example ~all",
	    "include:a.example"), 0);
	assert_int_equal(host_spf_has("v=spf1 include:a.example.net ~all",
	    "include:a.example"), 0);
	assert_int_equal(host_spf_has("v=spf10 include:a.example",
	    "include:a.example"), 0);
}

static void
spf_record_is_judged(void **state)
{
	struct host_spf		 s;
	struct verify_check	 c;
	struct dns_txt		 t;
	const char		*given[] = { "192.0.2.10", "192.0.2.11" };

	(void)state;
	t = answer(DNS_FOUND, "google-site-verification=x",
	    "v=spf1 ip4:192.0.2.10 -all", NULL);
	host_spf_check("_spf.relay.example", &t, NULL, 0, &s, &c);
	assert_int_equal(c.state, VERIFY_OK);
	assert_int_equal(s.n, 1);
	host_spf_check("_spf.relay.example", &t, given, 1, &s, &c);
	assert_int_equal(c.state, VERIFY_OK);
	host_spf_check("_spf.relay.example", &t, given, 2, &s, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_non_null(strstr(c.fix, "add ip4:192.0.2.11"));
	dns_txt_free(&t);

	/* terms after "all" are never evaluated, a "-" one fails */
	t = answer(DNS_FOUND, "v=spf1 ip4:192.0.2.10 -all ip4:192.0.2.11",
	    NULL);
	host_spf_check("_spf.relay.example", &t, given, 2, &s, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_int_equal(s.n, 1);
	dns_txt_free(&t);
	t = answer(DNS_FOUND, "v=spf1 ip4:192.0.2.10 -ip4:192.0.2.11 "
	    "include:x.example ~all", NULL);
	host_spf_check("_spf.relay.example", &t, given, 2, &s, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_non_null(strstr(c.fix, "192.0.2.11 does not pass it"));
	dns_txt_free(&t);

	t = answer(DNS_FOUND, "v=spf1 include:x.example -all", NULL);
	host_spf_check("_spf.relay.example", &t, NULL, 0, &s, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_non_null(strstr(c.fix, "names no single address"));
	/* a given address may be in what is not checked: not wrong */
	host_spf_check("_spf.relay.example", &t, given, 2, &s, &c);
	assert_int_equal(c.state, VERIFY_OK);
	dns_txt_free(&t);

	t = answer(DNS_FOUND, "v=spf1 ip4:192.0.2.10", "v=spf1 a", NULL);
	host_spf_check("_spf.relay.example", &t, NULL, 0, &s, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_string_equal(c.found, "2 records start with v=spf1");
	dns_txt_free(&t);

	t = answer(DNS_NONE, NULL);
	host_spf_check("_spf.relay.example", &t, NULL, 0, &s, &c);
	assert_int_equal(c.state, VERIFY_MISSING);
	t.status = DNS_ETEMP;
	host_spf_check("_spf.relay.example", &t, NULL, 0, &s, &c);
	assert_int_equal(c.state, VERIFY_UNKNOWN);
	dns_txt_free(&t);
}

static void
return_path_spf(void **state)
{
	const char	*given[] = { "192.0.2.10", "2001:db8::10" };
	struct verify_check c;
	struct dns_txt	 t;

	(void)state;
	/* with relayctl.spf_include: its include: term, any case */
	t = answer(DNS_FOUND, "v=spf1 mx INCLUDE:_spf.relay.example ~all",
	    NULL);
	host_retpath_check("unsub.relay.example", &t, "_spf.relay.example",
	    NULL, 0, &c);
	assert_int_equal(c.state, VERIFY_OK);
	assert_true(c.required);
	assert_string_equal(c.name, "unsub.relay.example");
	host_retpath_check("unsub.relay.example", &t, "_spf.other.example",
	    NULL, 0, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_non_null(strstr(c.fix, "add include:_spf.other.example"));
	/* a longer name that starts with it is not it */
	host_retpath_check("unsub.relay.example", &t, "_spf.relay.exam",
	    NULL, 0, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	dns_txt_free(&t);

	/* without: each address given among its hosts */
	t = answer(DNS_FOUND, "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all",
	    NULL);
	host_retpath_check("unsub.relay.example", &t, "", given, 2, &c);
	assert_int_equal(c.state, VERIFY_OK);
	dns_txt_free(&t);
	t = answer(DNS_FOUND, "v=spf1 ip4:192.0.2.10 -all", NULL);
	host_retpath_check("unsub.relay.example", &t, NULL, given, 2, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_non_null(strstr(c.fix, "add ip6:2001:db8::10"));
	dns_txt_free(&t);

	/* none, two, no answer */
	t = answer(DNS_NONE, NULL);
	host_retpath_check("unsub.relay.example", &t, "_spf.relay.example",
	    NULL, 0, &c);
	assert_int_equal(c.state, VERIFY_MISSING);
	assert_non_null(strstr(c.fix, "\"v=spf1 include:_spf.relay.example "
	    "~all\" at unsub.relay.example"));
	t.status = DNS_ETEMP;
	host_retpath_check("unsub.relay.example", &t, "_spf.relay.example",
	    NULL, 0, &c);
	assert_int_equal(c.state, VERIFY_UNKNOWN);
	dns_txt_free(&t);
	t = answer(DNS_FOUND, "v=spf1 a", "v=spf1 mx", NULL);
	host_retpath_check("unsub.relay.example", &t, "_spf.relay.example",
	    NULL, 0, &c);
	assert_int_equal(c.state, VERIFY_WRONG);
	assert_string_equal(c.found, "2 records start with v=spf1");
	dns_txt_free(&t);
}

static void
address_checks(void **state)
{
	struct verify_check	 out[HOST_CHECKS];
	struct dns_txt		 ptr, fwd[HOST_MAX_PTR];
	struct host_in		 in = { "192.0.2.10", "10.2.0.192.in-addr.arpa",
				    NULL, &ptr, fwd };
	size_t			 i;

	(void)state;
	/* two PTR names: the second leads back */
	ptr = answer(DNS_FOUND, "old.relay.example", "mail.relay.example",
	    NULL);
	fwd[0] = answer(DNS_FOUND, "192.0.2.99", NULL);
	fwd[1] = answer(DNS_FOUND, "192.0.2.9", "192.0.2.10", NULL);
	fwd[2] = answer(DNS_NONE, NULL);
	fwd[3] = answer(DNS_NONE, NULL);
	assert_int_equal(host_decide(&in, out), 2);
	assert_int_equal(out[0].state, VERIFY_OK);
	assert_string_equal(out[0].found, "old.relay.example, "
	    "mail.relay.example");
	assert_int_equal(out[1].state, VERIFY_OK);
	assert_string_equal(out[1].name, "mail.relay.example");
	/* --helo: one of the PTR names, any case, a trailing dot */
	in.helo = "MAIL.relay.example.";
	assert_int_equal(host_decide(&in, out), 3);
	assert_int_equal(out[2].state, VERIFY_OK);
	assert_int_equal(out[2].required, 0);
	in.helo = "smtp.relay.example";
	host_decide(&in, out);
	assert_int_equal(out[2].state, VERIFY_WRONG);
	assert_non_null(strstr(out[2].fix, "smtp_helo_name"));
	in.helo = NULL;
	/* neither leads back; then one that did not answer */
	free(fwd[1].rr[1]);
	fwd[1].rr[1] = strdup("192.0.2.11");
	host_decide(&in, out);
	assert_int_equal(out[1].state, VERIFY_WRONG);
	assert_string_equal(out[1].found, "192.0.2.99");
	fwd[1].status = DNS_ETEMP;
	host_decide(&in, out);
	assert_int_equal(out[1].state, VERIFY_UNKNOWN);
	/* no PTR; no answer at all */
	ptr.status = DNS_NONE;
	host_decide(&in, out);
	assert_int_equal(out[0].state, VERIFY_MISSING);
	assert_non_null(strstr(out[0].fix, "PTR record at "
	    "10.2.0.192.in-addr.arpa"));
	assert_int_equal(out[1].state, VERIFY_MISSING);
	ptr.status = DNS_ETEMP;
	host_decide(&in, out);
	assert_int_equal(out[0].state, VERIFY_UNKNOWN);
	assert_int_equal(out[1].state, VERIFY_UNKNOWN);
	dns_txt_free(&ptr);
	for (i = 0; i < HOST_MAX_PTR; i++)
		dns_txt_free(&fwd[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spf_terms_become_addresses),
		cmocka_unit_test(reverse_names),
		cmocka_unit_test(spf_terms_decide_in_order),
		cmocka_unit_test(spf_record_is_judged),
		cmocka_unit_test(return_path_spf),
		cmocka_unit_test(address_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
