/*
 * NAME
 *	test_token - unsubscribe tokens cannot be forged or moved between
 *	members and recipients; API keys
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "token.h"

#define KEY	"0123456789abcdef0123456789abcdef"
#define KEY2	"fedcba9876543210fedcba9876543210"

static void
mail_token_round_trip_and_fits_a_local_part(void **state)
{
	char	 tok[TOKEN_MAIL_MAX + 1], handle[40];

	assert_int_equal(token_mail(KEY, "alice", "reader@isp.example", tok,
	    sizeof(tok)), 0);
	assert_true(strncmp(tok, "alice.", 6) == 0);
	assert_int_equal(strlen(tok), 6 + 16);
	assert_int_equal(token_mail_check(KEY, NULL, tok, "reader@isp.example",
	    handle, sizeof(handle)), 1);
	assert_string_equal(handle, "alice");
	/* The longest handle still fits 64 octets with "unsub+". */
	assert_int_equal(token_mail(KEY, "abcdefghijklmnopqrstuvwxyz012345",
	    "r@x.example", tok, sizeof(tok)), 0);
	assert_true(strlen("unsub+") + strlen(tok) <= 64);
}

static void
mail_token_survives_case_changes(void **state)
{
	char	 tok[TOKEN_MAIL_MAX + 1], handle[40];
	size_t	 i;

	token_mail(KEY, "alice", "reader@isp.example", tok, sizeof(tok));
	for (i = 0; tok[i]; i++)
		if (tok[i] >= 'a' && tok[i] <= 'z')
			tok[i] -= 32;
	assert_int_equal(token_mail_check(KEY, NULL, tok, "reader@isp.example",
	    handle, sizeof(handle)), 1);
}

static void
mail_token_is_bound_to_member_recipient_and_key(void **state)
{
	char	 tok[TOKEN_MAIL_MAX + 1], forged[TOKEN_MAIL_MAX + 1], h[40];

	token_mail(KEY, "alice", "reader@isp.example", tok, sizeof(tok));
	assert_int_equal(token_mail_check(KEY, NULL, tok, "other@isp.example",
	    h, sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY2, NULL, tok, "reader@isp.example",
	    h, sizeof(h)), 0);
	/* Same MAC under another handle. */
	snprintf(forged, sizeof(forged), "bob%s", strchr(tok, '.'));
	assert_int_equal(token_mail_check(KEY, NULL, forged,
	    "reader@isp.example", h, sizeof(h)), 0);
	/* One character changed. */
	snprintf(forged, sizeof(forged), "%s", tok);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == 'a' ? 'b' : 'a';
	assert_int_equal(token_mail_check(KEY, NULL, forged,
	    "reader@isp.example", h, sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY, NULL, "", "r@x.example", h,
	    sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY, NULL, ".", "r@x.example", h,
	    sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY, NULL, "alice.", "r@x.example", h,
	    sizeof(h)), 0);
	assert_int_equal(token_mail(KEY, "a.b", "r@x.example", tok, sizeof(tok)), -1);
	assert_int_equal(token_mail("", "alice", "r@x.example", tok, sizeof(tok)), -1);
}

static void
url_token_round_trip_and_forgery(void **state)
{
	char	 tok[TOKEN_URL_MAX + 1], h[40], r[400], bad[TOKEN_URL_MAX + 1];

	assert_int_equal(token_url(KEY, "alice", "reader@isp.example", tok,
	    sizeof(tok)), 0);
	assert_null(strpbrk(tok, "+/=@ "));
	assert_int_equal(token_url_check(KEY, NULL, tok, h, sizeof(h), r,
	    sizeof(r)), 1);
	assert_string_equal(h, "alice");
	assert_string_equal(r, "reader@isp.example");
	assert_int_equal(token_url_check(KEY2, NULL, tok, h, sizeof(h), r,
	    sizeof(r)), 0);
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	assert_int_equal(token_url_check(KEY, NULL, bad, h, sizeof(h), r,
	    sizeof(r)), 0);
	assert_int_equal(token_url_check(KEY, NULL, "!!!.x", h, sizeof(h), r,
	    sizeof(r)), 0);
	assert_int_equal(token_url_check(KEY, NULL, "", h, sizeof(h), r,
	    sizeof(r)), 0);
}

static void
api_keys_are_random_and_hash_stably(void **state)
{
	char	 a[TOKEN_APIKEY_LEN + 1], b[TOKEN_APIKEY_LEN + 1];
	char	 ha[TOKEN_SHA256_HEX], hex[33];

	assert_int_equal(token_apikey_new(a, sizeof(a)), 0);
	assert_int_equal(token_apikey_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), TOKEN_APIKEY_LEN);
	assert_string_not_equal(a, b);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_"), TOKEN_APIKEY_LEN);
	token_sha256_hex("abc", 3, ha);
	assert_string_equal(ha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a"
	    "9cb410ff61f20015ad");
	assert_true(token_equal(ha, ha));
	assert_false(token_equal("abc", "abd"));
	assert_false(token_equal("abc", "ab"));
	assert_int_equal(token_random_hex(16, hex, sizeof(hex)), 0);
	assert_int_equal(strlen(hex), 32);
	assert_int_equal(token_random_hex(16, hex, 10), -1);
}

/* 1 key in 64 would start with '-' (an option to every CLI) if drawn once */
static void
api_keys_never_start_with_a_dash(void **state)
{
	char	 k[TOKEN_APIKEY_LEN + 1];
	int	 i, first_underscore = 0;

	for (i = 0; i < 4000; i++) {
		assert_int_equal(token_apikey_new(k, sizeof(k)), 0);
		assert_int_not_equal(k[0], '-');
		first_underscore += k[0] == '_';
	}
	/* the redraw is only for '-': '_' still comes first about 1/64 */
	assert_true(first_underscore > 20 && first_underscore < 150);
}

#define H32	"abcdefghijklmnopqrstuvwxyz012345"	/* the longest handle */
#define H33	H32 "6"

/* The limits, exactly: a 32-character handle and a 320-octet recipient are
 * bound, one more is refused; a refusal is 0 (-1 from the makers); the
 * handle a token carries is a valid one; the copy-out buffers are exact. */
static void
token_limits_exactly(void **state)
{
	char	 rcpt[TOKEN_RCPT_MAX + 2], tok[TOKEN_URL_MAX + 1];
	char	 h[40], r[400];
	size_t	 i;

	(void)state;
	memset(rcpt, 'r', sizeof(rcpt) - 1);
	rcpt[sizeof(rcpt) - 1] = '\0';
	memcpy(rcpt + TOKEN_RCPT_MAX - 10, "@x.example", 10);	/* 320 */
	rcpt[TOKEN_RCPT_MAX] = '\0';
	/* mail tokens */
	assert_int_equal(token_mail(KEY, H32, "r@x.example", tok,
	    TOKEN_MAIL_MAX + 1), 0);
	assert_int_equal(token_mail_check(KEY, NULL, tok, "r@x.example", h,
	    sizeof(h)), 1);
	assert_string_equal(h, H32);
	assert_int_equal(token_mail_check(KEY, NULL, tok, "r@x.example", h,
	    strlen(H32) + 1), 1);		/* exactly the room */
	assert_int_equal(token_mail_check(KEY, NULL, tok, "r@x.example", h,
	    strlen(H32)), 0);			/* one short */
	assert_int_equal(token_mail(KEY, H33, "r@x.example", tok,
	    TOKEN_MAIL_MAX + 1), -1);
	assert_int_equal(token_mail(KEY, "a", rcpt, tok, TOKEN_MAIL_MAX + 1),
	    0);
	assert_int_equal(token_mail_check(KEY, NULL, tok, rcpt, h, sizeof(h)),
	    1);
	rcpt[TOKEN_RCPT_MAX] = 'r';			/* 321 */
	assert_int_equal(token_mail(KEY, "a", rcpt, tok, TOKEN_MAIL_MAX + 1),
	    -1);
	assert_int_equal(token_url(KEY, "a", rcpt, tok, sizeof(tok)), -1);
	rcpt[TOKEN_RCPT_MAX] = '\0';
	/* a handle with a 'z', upper-cased by a mailer */
	assert_int_equal(token_mail(KEY, "zoe", "r@x.example", tok,
	    TOKEN_MAIL_MAX + 1), 0);
	for (i = 0; tok[i]; i++)
		if (tok[i] >= 'a' && tok[i] <= 'z')
			tok[i] -= 32;
	assert_int_equal(token_mail_check(KEY, NULL, tok, "r@x.example", h,
	    sizeof(h)), 1);
	assert_string_equal(h, "zoe");
	/* made (the maker does not judge handles) for no valid handle */
	assert_int_equal(token_mail(KEY, "bad!handle", "r@x.example", tok,
	    TOKEN_MAIL_MAX + 1), 0);
	assert_int_equal(token_mail_check(KEY, NULL, tok, "r@x.example", h,
	    sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY, NULL, ".abcdefghijklmnop",
	    "r@x.example", h, sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY, NULL, "alice.abcdefghijklmnop",
	    "r@x.example", h, sizeof(h)), 0);
	assert_int_equal(token_mail_check(KEY, NULL, H33 ".abcdefghijklmnop",
	    "r@x.example", h, sizeof(h)), 0);
	/* url tokens */
	assert_int_equal(token_url(KEY, H32, rcpt, tok, sizeof(tok)), 0);
	assert_int_equal(token_url_check(KEY, NULL, tok, h, sizeof(h), r,
	    sizeof(r)), 1);
	assert_string_equal(h, H32);
	assert_string_equal(r, rcpt);
	assert_int_equal(token_url_check(KEY, NULL, tok, h, strlen(H32) + 1, r,
	    TOKEN_RCPT_MAX + 1), 1);		/* exactly the room */
	assert_int_equal(token_url_check(KEY, NULL, tok, h, strlen(H32), r,
	    sizeof(r)), 0);
	assert_int_equal(token_url_check(KEY, NULL, tok, h, sizeof(h), r,
	    TOKEN_RCPT_MAX), 0);
	assert_int_equal(token_url(KEY, H33, "r@x.example", tok, sizeof(tok)),
	    -1);
	assert_int_equal(token_url_check(KEY2, NULL, tok, h, sizeof(h), r,
	    sizeof(r)), 0);
	/* random hex: exactly the room */
	assert_int_equal(token_random_hex(4, h, 9), 0);
	assert_int_equal(strlen(h), 8);
	assert_int_equal(token_random_hex(4, h, 8), -1);
}

static void
bounce_token_round_trip_and_binding(void **state)
{
	char	 tok[TOKEN_BOUNCE_MAX + 1], t2[TOKEN_BOUNCE_MAX + 1];
	char	 h[40], q[40];
	size_t	 i;

	(void)state;
	assert_int_equal(token_bounce(KEY, "alice", "4ABC0123DE", tok,
	    sizeof(tok)), 0);
	assert_true(strncmp(tok, "alice.4ABC0123DE.", 17) == 0);
	assert_int_equal(strlen(tok), 17 + 12);
	assert_int_equal(token_bounce_check(KEY, NULL, tok, h, sizeof(h), q,
	    sizeof(q)), 1);
	assert_string_equal(h, "alice");
	assert_string_equal(q, "4ABC0123DE");
	/* a 16-character queue id and the longest handle: 64 octets */
	assert_int_equal(token_bounce(KEY, "abcdefghijklmnopqrstuvwxyz012345",
	    "4ZfC2L6lBXz9sRlq", t2, sizeof(t2)), 0);
	assert_int_equal(strlen("b+") + strlen(t2), 64);
	/* a long queue id keeps its case; handle and MAC may change theirs */
	assert_int_equal(token_bounce(KEY, "bob", "4ZfC2L6lBXz9sRl", t2,
	    sizeof(t2)), 0);
	assert_int_equal(token_bounce_check(KEY, NULL, t2, h, sizeof(h), q,
	    sizeof(q)), 1);
	assert_string_equal(q, "4ZfC2L6lBXz9sRl");
	t2[0] = 'B';
	for (i = strlen(t2) - 12; t2[i] != '\0'; i++)
		if (t2[i] >= 'a' && t2[i] <= 'z')
			t2[i] -= 32;
	assert_int_equal(token_bounce_check(KEY, NULL, t2, h, sizeof(h), q,
	    sizeof(q)), 1);
	assert_string_equal(h, "bob");
	/* ... but not the queue id's: another message */
	token_bounce(KEY, "bob", "4ZfC2L6lBXz9sRl", t2, sizeof(t2));
	t2[5] = 'F';
	assert_int_equal(token_bounce_check(KEY, NULL, t2, h, sizeof(h), q,
	    sizeof(q)), 0);
	/* bound to the member, the queue id and the key */
	memcpy(t2, tok, sizeof(t2));
	memcpy(t2, "carol", 5);
	assert_int_equal(token_bounce_check(KEY, NULL, t2, h, sizeof(h), q,
	    sizeof(q)), 0);
	memcpy(t2, tok, sizeof(t2));
	t2[6] = '5';
	assert_int_equal(token_bounce_check(KEY, NULL, t2, h, sizeof(h), q,
	    sizeof(q)), 0);
	assert_int_equal(token_bounce_check(KEY2, NULL, tok, h, sizeof(h), q,
	    sizeof(q)), 0);
	/* a mail token is no bounce token, nor garbage */
	token_mail(KEY, "alice", "reader@isp.example", t2, sizeof(t2));
	assert_int_equal(token_bounce_check(KEY, NULL, t2, h, sizeof(h), q,
	    sizeof(q)), 0);
	assert_int_equal(token_bounce_check(KEY, NULL, "", h, sizeof(h), q,
	    sizeof(q)), 0);
	assert_int_equal(token_bounce_check(KEY, NULL, "a..x", h, sizeof(h), q,
	    sizeof(q)), 0);
	assert_int_equal(token_bounce_check(KEY, NULL, "alice.4AB-C.x", h,
	    sizeof(h), q, sizeof(q)), 0);
	/* what cannot be made */
	assert_int_equal(token_bounce(KEY, "a.b", "4ABC", t2, sizeof(t2)), -1);
	assert_int_equal(token_bounce(KEY, "alice", "4AB/C", t2, sizeof(t2)),
	    -1);
	assert_int_equal(token_bounce(KEY, "alice", "", t2, sizeof(t2)), -1);
	assert_int_equal(token_bounce("", "alice", "4ABC", t2, sizeof(t2)), -1);
	assert_int_equal(token_bounce(KEY, "alice", "4ABC", t2, 8), -1);
}

/*
 * After a key change (previous_hmac_key = the old key): tokens of either
 * key verify, and say which; a third key's do not; the previous key alone
 * (as the key) is not a previous key; NULL and "" mean none.
 */
static void
tokens_of_the_previous_key_still_verify(void **state)
{
	char	 mt[TOKEN_MAIL_MAX + 1], ut[TOKEN_URL_MAX + 1];
	char	 bt[TOKEN_BOUNCE_MAX + 1], h[40], r[330], q[40];
	const char *key3 = "3333333333333333333333333333333333";

	(void)state;
	assert_int_equal(token_mail(KEY, "alice", "r@x.example", mt,
	    sizeof(mt)), 0);
	assert_int_equal(token_url(KEY, "alice", "r@x.example", ut,
	    sizeof(ut)), 0);
	assert_int_equal(token_bounce(KEY, "alice", "4ABC0123DE", bt,
	    sizeof(bt)), 0);
	/* KEY2 is the key now, KEY the previous one */
	h[0] = '\0';
	assert_int_equal(token_mail_check(KEY2, KEY, mt, "r@x.example", h,
	    sizeof(h)), TOKEN_PREVIOUS);
	assert_string_equal(h, "alice");
	h[0] = r[0] = '\0';
	assert_int_equal(token_url_check(KEY2, KEY, ut, h, sizeof(h), r,
	    sizeof(r)), TOKEN_PREVIOUS);
	assert_string_equal(h, "alice");
	assert_string_equal(r, "r@x.example");
	h[0] = q[0] = '\0';
	assert_int_equal(token_bounce_check(KEY2, KEY, bt, h, sizeof(h), q,
	    sizeof(q)), TOKEN_PREVIOUS);
	assert_string_equal(h, "alice");
	assert_string_equal(q, "4ABC0123DE");
	/* the key's own tokens say TOKEN_KEY, with a previous key or not */
	assert_int_equal(token_mail_check(KEY, KEY2, mt, "r@x.example", h,
	    sizeof(h)), TOKEN_KEY);
	assert_int_equal(token_url_check(KEY, "", ut, h, sizeof(h), r,
	    sizeof(r)), TOKEN_KEY);
	assert_int_equal(token_bounce_check(KEY, KEY2, bt, h, sizeof(h), q,
	    sizeof(q)), TOKEN_KEY);
	/* neither key: refused, and the recipient binding still holds */
	assert_int_equal(token_mail_check(KEY2, key3, mt, "r@x.example", h,
	    sizeof(h)), TOKEN_BAD);
	assert_int_equal(token_mail_check(KEY2, KEY, mt, "s@x.example", h,
	    sizeof(h)), TOKEN_BAD);
	assert_int_equal(token_url_check(KEY2, key3, ut, h, sizeof(h), r,
	    sizeof(r)), TOKEN_BAD);
	assert_int_equal(token_bounce_check(KEY2, NULL, bt, h, sizeof(h), q,
	    sizeof(q)), TOKEN_BAD);
	assert_int_equal(token_bounce_check(KEY2, "", bt, h, sizeof(h), q,
	    sizeof(q)), TOKEN_BAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounce_token_round_trip_and_binding),
		cmocka_unit_test(mail_token_round_trip_and_fits_a_local_part),
		cmocka_unit_test(api_keys_never_start_with_a_dash),
		cmocka_unit_test(mail_token_survives_case_changes),
		cmocka_unit_test(mail_token_is_bound_to_member_recipient_and_key),
		cmocka_unit_test(url_token_round_trip_and_forgery),
		cmocka_unit_test(api_keys_are_random_and_hash_stably),
		cmocka_unit_test(token_limits_exactly),
		cmocka_unit_test(tokens_of_the_previous_key_still_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
