/*
 * NAME
 *	test_milter_pkcache - the decoded-key cache in front of OpenSSL
 * DESCRIPTION
 *	Keys go through PEM_read_bio_PrivateKey as libopendkim calls it (a
 *	memory BIO), which milter/pkcache.c answers. Thousands of distinct
 *	Ed25519 keys (cheap to make) stand for a provider's active domains:
 *	every one decoded once, then served from the cache, up to
 *	PKCACHE_MAX; past it the oldest are decoded again, nothing breaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "pkcache.h"

#define NKEYS	(PKCACHE_MAX + 100)	/* built with a PKCACHE_MAX of 256 */

static char	*pems[NKEYS];
static long	 lens[NKEYS];

static int
setup(void **state)
{
	EVP_PKEY	*k;
	BIO		*b;
	char		*p;
	size_t		 i;

	(void)state;
	pkcache_init(3600);
	for (i = 0; i < NKEYS; i++) {
		if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
		    (b = BIO_new(BIO_s_mem())) == NULL)
			return -1;
		if (PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL,
		    NULL) != 1)
			return -1;
		lens[i] = BIO_get_mem_data(b, &p);
		pems[i] = malloc((size_t)lens[i]);
		memcpy(pems[i], p, (size_t)lens[i]);
		BIO_free(b);
		EVP_PKEY_free(k);
	}
	return 0;
}

static int
teardown(void **state)
{
	size_t	 i;

	(void)state;
	pkcache_clear();
	for (i = 0; i < NKEYS; i++)
		free(pems[i]);
	return 0;
}

/* load - key i as libopendkim loads it; 0 when it decoded */
static int
load(size_t i)
{
	BIO		*b = BIO_new_mem_buf(pems[i], (int)lens[i]);
	EVP_PKEY	*k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	BIO_free(b);
	if (k == NULL)
		return -1;
	EVP_PKEY_free(k);
	return 0;
}

static void
many_keys_are_decoded_once(void **state)
{
	unsigned long	 d0, h0, d, h;
	size_t		 i, n = PKCACHE_MAX - 10, round;

	(void)state;
	pkcache_counts(&d0, &h0);
	for (round = 0; round < 3; round++)
		for (i = 0; i < n; i++)
			assert_int_equal(load(i), 0);
	pkcache_counts(&d, &h);
	assert_int_equal(d - d0, n);		/* each decoded once */
	assert_int_equal(h - h0, 2 * n);	/* then served */
}

static void
past_the_limit_the_oldest_go(void **state)
{
	unsigned long	 d0, h0, d, h;
	size_t		 i;

	(void)state;
	pkcache_clear();
	pkcache_counts(&d0, &h0);
	for (i = 0; i < NKEYS; i++)
		assert_int_equal(load(i), 0);
	pkcache_counts(&d, &h);
	assert_int_equal(d - d0, NKEYS);
	/* the newest PKCACHE_MAX are there; the first ones were dropped */
	for (i = NKEYS - PKCACHE_MAX; i < NKEYS; i++)
		assert_int_equal(load(i), 0);
	pkcache_counts(&d0, &h0);
	assert_int_equal(h0 - h, PKCACHE_MAX);
	assert_int_equal(d0, d);
	assert_int_equal(load(0), 0);
	pkcache_counts(&d, &h);
	assert_int_equal(d - d0, 1);		/* dropped: decoded again */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(many_keys_are_decoded_once),
		cmocka_unit_test(past_the_limit_the_oldest_go),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
