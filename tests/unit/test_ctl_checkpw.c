/*
 * NAME
 *	test_ctl_checkpw - API key matching (relay-checkpw) and the DKIM
 *	key pairs relayctl makes
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "checkpw_match.h"
#include "dkimkey.h"
#include "token.h"

static void
key_matches_its_hash_among_several(void **state)
{
	char		 k1[64], k2[64], h1[TOKEN_SHA256_HEX], h2[TOKEN_SHA256_HEX];
	char		 v1[100], v2[100];
	const char	*vals[4];
	size_t		 which = 99;

	(void)state;
	assert_int_equal(token_apikey_new(k1, sizeof(k1)), 0);
	assert_int_equal(token_apikey_new(k2, sizeof(k2)), 0);
	assert_int_equal(strlen(k1), TOKEN_APIKEY_LEN);
	token_sha256_hex(k1, strlen(k1), h1);
	token_sha256_hex(k2, strlen(k2), h2);
	snprintf(v1, sizeof(v1), "1700000000 %s", h1);
	snprintf(v2, sizeof(v2), "1700000001 %s", h2);
	vals[0] = "garbage";
	vals[1] = v1;
	vals[2] = NULL;
	vals[3] = v2;
	assert_int_equal(checkpw_match(k2, strlen(k2), vals, 4, &which), 1);
	assert_int_equal(which, 3);
	assert_int_equal(checkpw_match(k1, strlen(k1), vals, 4, &which), 1);
	assert_int_equal(which, 1);
}

static void
wrong_empty_and_hash_as_key_do_not_match(void **state)
{
	char		 k[64], h[TOKEN_SHA256_HEX], v[100];
	const char	*vals[1];
	size_t		 which = 0;

	(void)state;
	token_apikey_new(k, sizeof(k));
	token_sha256_hex(k, strlen(k), h);
	snprintf(v, sizeof(v), "1 %s", h);
	vals[0] = v;
	assert_int_equal(checkpw_match("nope", 4, vals, 1, &which), 0);
	assert_int_equal(checkpw_match("", 0, vals, 1, &which), 0);
	/* Knowing the stored hash is not knowing the key. */
	assert_int_equal(checkpw_match(h, strlen(h), vals, 1, &which), 0);
	/* One character off. */
	k[5] ^= 1;
	assert_int_equal(checkpw_match(k, strlen(k), vals, 1, &which), 0);
	assert_int_equal(checkpw_match(k, strlen(k), vals, 0, &which), 0);
}

static void
dkim_keys_are_pkcs8_and_publish_the_right_halves(void **state)
{
	char		*rsa = NULL, *ed = NULL, txt[DKIMKEY_TXT_MAX];
	unsigned char	 raw[1024];
	const char	*p;
	int		 n;

	(void)state;
	assert_int_equal(dkimkey_generate(&rsa, &ed), 0);
	assert_non_null(strstr(rsa, "-----BEGIN PRIVATE KEY-----"));
	assert_non_null(strstr(ed, "-----BEGIN PRIVATE KEY-----"));
	assert_int_equal(dkimkey_txt(ed, txt, sizeof(txt)), 0);
	assert_int_equal(strncmp(txt, "v=DKIM1; k=ed25519; p=", 22), 0);
	p = txt + 22;
	n = EVP_DecodeBlock(raw, (const unsigned char *)p, (int)strlen(p));
	/* RFC 8463: the raw 32-byte key (base64 of 32 bytes pads to 33) */
	assert_int_equal(n - (p[strlen(p) - 1] == '=' ? 1 : 0), 32);
	assert_int_equal(dkimkey_txt(rsa, txt, sizeof(txt)), 0);
	assert_int_equal(strncmp(txt, "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", 58), 0);
	assert_true(strlen(txt) > 255);
	assert_int_equal(dkimkey_txt("not a key", txt, sizeof(txt)), -1);
	dkimkey_free_pem(rsa);
	dkimkey_free_pem(ed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_matches_its_hash_among_several),
		cmocka_unit_test(wrong_empty_and_hash_as_key_do_not_match),
		cmocka_unit_test(dkim_keys_are_pkcs8_and_publish_the_right_halves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
