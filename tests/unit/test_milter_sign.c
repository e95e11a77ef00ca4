/*
 * test_milter_sign - the libopendkim wrapper (milter/sign.c) and the
 * decoded-key cache that stands in for PEM_read_bio_PrivateKey
 * (milter/pkcache.c). The signing time is fixed, so signatures compare
 * byte for byte; that both verify is checked end to end by dkimpy in
 * tests/integration/test_milter_enroll.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "pkcache.h"
#include "sign.h"

static char *rsa_pem, *ed_pem;

/* pem_of - a new key of the given type as PKCS#8 PEM text */
static char *
pem_of(EVP_PKEY *k)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p, *out;
	long	 n;

	assert_non_null(b);
	assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	n = BIO_get_mem_data(b, &p);
	out = malloc((size_t)n + 1);
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	EVP_PKEY_free(k);
	return out;
}

static int
setup(void **state)
{
	(void)state;
	rsa_pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
	ed_pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	pkcache_init(3600);
	return sign_lib_init(1700000000) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sign_lib_close();
	pkcache_clear();
	free(rsa_pem);
	free(ed_pem);
	return 0;
}

/* sign_msg - sign a small message; the From: fold is given as fold */
static int
sign_msg(const char *rsa, const char *ed, const char *fold, char **s0,
    char **s1)
{
	static const char body[] = "Hello,\r\nthis is the body.\r\n";
	const char	*why;
	char		 from[128];
	struct signer	*s;
	int		 n, i;

	*s0 = *s1 = NULL;
	s = sign_new("TESTQID", "alice.test", "rs1", rsa, ed, 998, 2048,
	    &why);
	if (s == NULL)
		return -1;
	snprintf(from, sizeof(from), "\"Alice\"%s<a@alice.test>", fold);
	if (sign_header(s, "From", from, &why) != 0 ||
	    sign_header(s, "To", "r@rcpt.test", &why) != 0 ||
	    sign_header(s, "Subject", "hello", &why) != 0 ||
	    sign_header(s, "Received", "from x by y", &why) != 0 ||
	    sign_eoh(s, &why) != 0 ||
	    sign_body(s, (const unsigned char *)body, sizeof(body) - 1,
	    &why) != 0 || sign_eom(s, &n, &why) != 0) {
		sign_free(s);
		return -1;
	}
	for (i = 0; i < n; i++)
		*(i == 0 ? s0 : s1) = strdup(sign_result(s, i));
	sign_free(s);
	return n;
}

static void
test_two_signatures(void **state)
{
	char	*a0, *a1;

	(void)state;
	assert_int_equal(sign_msg(rsa_pem, ed_pem, " ", &a0, &a1), 2);
	assert_non_null(strstr(a0, "a=rsa-sha256;"));
	assert_non_null(strstr(a0, "s=rs1r;"));
	assert_non_null(strstr(a0, "c=relaxed/relaxed;"));
	assert_non_null(strstr(a0, "d=alice.test;"));
	assert_non_null(strstr(a0, "t=1700000000;"));
	assert_non_null(strstr(a1, "a=ed25519-sha256;"));
	assert_non_null(strstr(a1, "s=rs1e;"));
	/* Received is not signed; From is oversigned. */
	assert_null(strstr(a0, "Received"));
	assert_non_null(strstr(a0, "From:To:Subject:from"));
	/* folded with LF + TAB, no CR: how a milter inserts a header */
	assert_null(strchr(a0, '\r'));
	assert_non_null(strstr(a0, "\n\t"));
	free(a0);
	free(a1);
}

static void
test_rsa_only(void **state)
{
	char	*a0, *a1;

	(void)state;
	assert_int_equal(sign_msg(rsa_pem, NULL, " ", &a0, &a1), 1);
	assert_non_null(strstr(a0, "a=rsa-sha256;"));
	assert_null(a1);
	free(a0);
}

/* Same input, same time: the same bytes; LF or CRLF folds sign alike. */
static void
test_deterministic_and_folds(void **state)
{
	char	*a0, *a1, *b0, *b1;

	(void)state;
	assert_int_equal(sign_msg(rsa_pem, ed_pem, "\r\n ", &a0, &a1), 2);
	assert_int_equal(sign_msg(rsa_pem, ed_pem, "\n ", &b0, &b1), 2);
	assert_string_equal(a0, b0);
	assert_string_equal(a1, b1);
	free(b0);
	free(b1);
	/* relaxed: a fold is white space, the same as a blank */
	assert_int_equal(sign_msg(rsa_pem, ed_pem, " ", &b0, &b1), 2);
	assert_string_equal(a0, b0);
	free(a0);
	free(a1);
	free(b0);
	free(b1);
}

/* Each key is decoded once; later signatures reuse it. */
static void
test_key_decoded_once(void **state)
{
	unsigned long	 d0, h0, d1, h1;
	char		*a0, *a1;
	int		 i;

	(void)state;
	pkcache_clear();
	pkcache_counts(&d0, &h0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(sign_msg(rsa_pem, ed_pem, " ", &a0, &a1), 2);
		free(a0);
		free(a1);
	}
	pkcache_counts(&d1, &h1);
	assert_int_equal(d1 - d0, 2);
	assert_int_equal(h1 - h0, 8);
}

/* A key libopendkim cannot read is an error, never an unsigned pass. */
static void
test_bad_key(void **state)
{
	char		*a0, *a1;
	const char	*why;

	(void)state;
	assert_int_equal(sign_msg("-----BEGIN PRIVATE KEY-----\nnonsense\n"
	    "-----END PRIVATE KEY-----\n", NULL, " ", &a0, &a1), -1);
	assert_int_equal(sign_msg("garbage", NULL, " ", &a0, &a1), -1);
	assert_int_equal(sign_msg(ed_pem, NULL, " ", &a0, &a1), -1);
	assert_null(a0);
	/* an RSA key in the Ed25519 field: refused, not a bad signature */
	why = NULL;
	assert_int_equal(sign_key_check(rsa_pem, rsa_pem, &why), -1);
	assert_non_null(why);
	assert_int_equal(sign_key_check(ed_pem, NULL, &why), -1);
	assert_int_equal(sign_key_check("garbage", ed_pem, &why), -1);
	assert_int_equal(sign_key_check(rsa_pem, ed_pem, &why), 0);
	assert_int_equal(sign_key_check(rsa_pem, NULL, &why), 0);
}

/*
 * PEM text OpenSSL reads but libopendkim does not: anything before
 * "-----BEGIN" makes libopendkim decode the key as DER, and fail at the
 * end of every message. Refused when the key is read instead.
 */
static void
test_key_not_pem_first(void **state)
{
	char		 buf[8192];
	const char	*why = NULL;

	(void)state;
	snprintf(buf, sizeof(buf), "\n%s", rsa_pem);
	assert_int_equal(sign_key_check(buf, NULL, &why), -1);
	assert_string_equal(why, "the DKIM rsa key does not begin with "
	    "-----BEGIN");
	snprintf(buf, sizeof(buf), "my key:\n%s", ed_pem);
	assert_int_equal(sign_key_check(rsa_pem, buf, &why), -1);
	assert_string_equal(why, "the DKIM ed25519 key does not begin with "
	    "-----BEGIN");
}

/* signed_fields - n Cc: fields after From and Subject; 0, or -1 */
static int
signed_fields(int n, const char **why)
{
	struct signer	*s;
	char		 v[64];
	int		 i, rc = 0;

	s = sign_new("TESTQID", "alice.test", "rs1", rsa_pem, ed_pem, 998,
	    2048, why);
	assert_non_null(s);
	rc = sign_header(s, "From", "a@alice.test", why) |
	    sign_header(s, "Subject", "many", why) |
	    sign_header(s, "X-Not-Signed", "x", why);
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(v, sizeof(v), "c%d@rcpt.test", i);
		rc = sign_header(s, "Cc", v, why);
	}
	sign_free(s);
	return rc;
}

/*
 * libopendkim cuts its list of the message's signed fields at 4095
 * octets: "From:Subject:" and 1361 "Cc" are 4095 (python3-dkim verifies
 * both signatures), one more Cc made signatures no verifier accepts
 */
static void
test_signed_fields_limit(void **state)
{
	const char	*why = NULL;

	(void)state;
	assert_int_equal(signed_fields(1361, &why), 0);
	assert_int_equal(signed_fields(1362, &why), -1);
	assert_non_null(strstr(why, "too many signed header fields"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_signatures),
		cmocka_unit_test(test_rsa_only),
		cmocka_unit_test(test_deterministic_and_folds),
		cmocka_unit_test(test_key_decoded_once),
		cmocka_unit_test(test_bad_key),
		cmocka_unit_test(test_key_not_pem_first),
		cmocka_unit_test(test_signed_fields_limit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
