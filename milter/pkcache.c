/*
 * NAME
 *	pkcache - decoded DKIM private keys, kept between messages
 * DESCRIPTION
 *	See pkcache.h. A chained hash table on a 64-bit FNV-1a of the PEM
 *	text (a hit compares the whole text too), in fixed arrays; when it
 *	is full, the oldest entry makes room for a new one (a scan, paid
 *	only on a miss, next to a decode that costs far more).
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

/* Buckets: a power of two, twice the entries, so chains stay short. */
#define PKCACHE_BUCKETS	(2 * PKCACHE_MAX)
#define NONE		((uint32_t)-1)

struct pkentry {
	char		*pem;		/* NULL: a free slot */
	size_t		 len;
	uint64_t	 hash;
	EVP_PKEY	*pkey;
	int64_t		 loaded_ms;
	uint64_t	 seq;		/* insertion order: the oldest goes */
	uint32_t	 next;		/* the next entry of its bucket, or NONE */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pkentry entries[PKCACHE_MAX];
static uint32_t buckets[PKCACHE_BUCKETS];
static uint32_t free_slots[PKCACHE_MAX];
static size_t nentries, nfree;
static int inited;
static uint64_t next_seq;
static int64_t keep_ms = 60000;
static unsigned long n_decodes, n_hits;

/* setup - every bucket empty, every slot free (lock held) */
static void
setup(void)
{
	size_t	 i;

	for (i = 0; i < PKCACHE_BUCKETS; i++)
		buckets[i] = NONE;
	for (i = 0; i < PKCACHE_MAX; i++)
		free_slots[i] = (uint32_t)(PKCACHE_MAX - 1 - i);
	nfree = PKCACHE_MAX;
	nentries = 0;
	inited = 1;
}

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

/* pem_hash - FNV-1a 64 of the PEM text */
static uint64_t
pem_hash(const char *pem, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t	 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)pem[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* drop - unlink slot i from its bucket and free it (lock held) */
static void
drop(uint32_t i)
{
	uint32_t	*p = &buckets[entries[i].hash & (PKCACHE_BUCKETS - 1)];

	while (*p != i)
		p = &entries[*p].next;
	*p = entries[i].next;
	OPENSSL_cleanse(entries[i].pem, entries[i].len);
	free(entries[i].pem);
	EVP_PKEY_free(entries[i].pkey);
	memset(&entries[i], 0, sizeof(entries[i]));
	free_slots[nfree++] = i;
	nentries--;
}

void
pkcache_clear(void)
{
	uint32_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; inited && i < PKCACHE_MAX; i++)
		if (entries[i].pem != NULL)
			drop(i);
	pthread_mutex_unlock(&lock);
}

/* lookup - an up-referenced key for this PEM text, or NULL (lock held) */
static EVP_PKEY *
lookup(const char *pem, size_t len, uint64_t h, int64_t now)
{
	uint32_t i, next;

	if (!inited)
		setup();
	for (i = buckets[h & (PKCACHE_BUCKETS - 1)]; i != NONE; i = next) {
		next = entries[i].next;
		if (now - entries[i].loaded_ms >= keep_ms) {
			drop(i);
			continue;
		}
		if (entries[i].hash == h && entries[i].len == len &&
		    memcmp(entries[i].pem, pem, len) == 0 &&
		    EVP_PKEY_up_ref(entries[i].pkey) == 1)
			return entries[i].pkey;
	}
	return NULL;
}

/* insert - remember a decoded key (lock held); takes a reference */
static void
insert(const char *pem, size_t len, uint64_t h, EVP_PKEY *pkey, int64_t now)
{
	uint32_t	 i, oldest = NONE, b;

	if (EVP_PKEY_up_ref(pkey) != 1)
		return;
	if (!inited)
		setup();
	if (nfree == 0) {	/* full: the oldest goes (a scan, on a miss only) */
		for (i = 0; i < PKCACHE_MAX; i++)
			if (oldest == NONE || entries[i].seq < entries[oldest].seq)
				oldest = i;
		drop(oldest);
	}
	i = free_slots[--nfree];
	b = (uint32_t)(h & (PKCACHE_BUCKETS - 1));
	entries[i].pem = xmalloc(len);
	memcpy(entries[i].pem, pem, len);
	entries[i].len = len;
	entries[i].hash = h;
	entries[i].pkey = pkey;
	entries[i].loaded_ms = now;
	entries[i].seq = next_seq++;
	entries[i].next = buckets[b];
	buckets[b] = i;
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
	uint64_t	 h;

	if (x != NULL || cb != NULL || u != NULL ||
	    BIO_method_type(bp) != BIO_TYPE_MEM ||
	    (len = BIO_get_mem_data(bp, &data)) <= 0 || data == NULL)
		return PEM_read_bio_PrivateKey_ex(bp, x, cb, u, NULL, NULL);
	now = clock_mono_ms();
	h = pem_hash(data, (size_t)len);
	pthread_mutex_lock(&lock);
	k = lookup(data, (size_t)len, h, now);
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
			insert(copy, (size_t)len, h, k, now);
			pthread_mutex_unlock(&lock);
		}
		OPENSSL_cleanse(copy, (size_t)len);
		free(copy);
	}
	return k;
}
