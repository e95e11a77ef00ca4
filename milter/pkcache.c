/*
 * NAME
 *	pkcache - decoded DKIM private keys, kept between messages
 * DESCRIPTION
 *	See pkcache.h. The entries are a small array searched linearly
 *	(a relay signs for few domains at a time; PKCACHE_MAX bounds it);
 *	the oldest entry makes room for a new one.
 * SEE ALSO
 *	pkcache.h, sign.c, PEM_read_bio_PrivateKey(3)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "clock.h"
#include "pkcache.h"
#include "xalloc.h"

struct pkentry {
	char		*pem;
	size_t		 len;
	EVP_PKEY	*pkey;
	int64_t		 loaded_ms;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pkentry entries[PKCACHE_MAX];
static size_t nentries;
static int64_t keep_ms = 60000;
static unsigned long n_decodes, n_hits;

void
pkcache_init(int keep_s)
{
	pthread_mutex_lock(&lock);
	keep_ms = (int64_t)(keep_s < 60 ? 60 : keep_s) * 1000;
	pthread_mutex_unlock(&lock);
}

void
pkcache_counts(unsigned long *decodes, unsigned long *hits)
{
	pthread_mutex_lock(&lock);
	*decodes = n_decodes;
	*hits = n_hits;
	pthread_mutex_unlock(&lock);
}

/* drop - free entry i and move the last one into its place */
static void
drop(size_t i)
{
	OPENSSL_cleanse(entries[i].pem, entries[i].len);
	free(entries[i].pem);
	EVP_PKEY_free(entries[i].pkey);
	entries[i] = entries[--nentries];
}

void
pkcache_clear(void)
{
	pthread_mutex_lock(&lock);
	while (nentries > 0)
		drop(nentries - 1);
	pthread_mutex_unlock(&lock);
}

/* lookup - an up-referenced key for this PEM text, or NULL (lock held) */
static EVP_PKEY *
lookup(const char *pem, size_t len, int64_t now)
{
	size_t	 i;

	for (i = 0; i < nentries; i++) {
		if (now - entries[i].loaded_ms >= keep_ms) {
			drop(i--);
			continue;
		}
		if (entries[i].len == len && memcmp(entries[i].pem, pem, len) == 0 &&
		    EVP_PKEY_up_ref(entries[i].pkey) == 1)
			return entries[i].pkey;
	}
	return NULL;
}

/* insert - remember a decoded key (lock held); takes a reference */
static void
insert(const char *pem, size_t len, EVP_PKEY *pkey, int64_t now)
{
	size_t	 i, oldest = 0;

	if (EVP_PKEY_up_ref(pkey) != 1)
		return;
	if (nentries == PKCACHE_MAX) {
		for (i = 1; i < nentries; i++)
			if (entries[i].loaded_ms < entries[oldest].loaded_ms)
				oldest = i;
		drop(oldest);
	}
	entries[nentries].pem = xmalloc(len);
	memcpy(entries[nentries].pem, pem, len);
	entries[nentries].len = len;
	entries[nentries].pkey = pkey;
	entries[nentries].loaded_ms = now;
	nentries++;
}

/*
 * PEM_read_bio_PrivateKey - OpenSSL's function, answered from the cache
 * for unencrypted PEM in a memory BIO (what libopendkim passes).
 */
EVP_PKEY *
PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
	EVP_PKEY	*k;
	char		*data = NULL;
	long		 len;
	int64_t		 now;

	if (x != NULL || cb != NULL || u != NULL ||
	    BIO_method_type(bp) != BIO_TYPE_MEM ||
	    (len = BIO_get_mem_data(bp, &data)) <= 0 || data == NULL)
		return PEM_read_bio_PrivateKey_ex(bp, x, cb, u, NULL, NULL);
	now = clock_mono_ms();
	pthread_mutex_lock(&lock);
	k = lookup(data, (size_t)len, now);
	if (k != NULL) {
		n_hits++;
		pthread_mutex_unlock(&lock);
		return k;
	}
	pthread_mutex_unlock(&lock);
	/* Decode outside the lock; the BIO is read, as OpenSSL would. */
	{
		char	*copy = xmalloc((size_t)len);

		memcpy(copy, data, (size_t)len);
		k = PEM_read_bio_PrivateKey_ex(bp, NULL, NULL, NULL, NULL, NULL);
		if (k != NULL) {
			pthread_mutex_lock(&lock);
			n_decodes++;
			insert(copy, (size_t)len, k, now);
			pthread_mutex_unlock(&lock);
		}
		OPENSSL_cleanse(copy, (size_t)len);
		free(copy);
	}
	return k;
}
