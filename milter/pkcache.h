/*
 * NAME
 *	pkcache - decoded DKIM private keys, kept between messages
 * DESCRIPTION
 *	libopendkim takes a private key as PEM text and decodes it again for
 *	every signature (dkim_privkey_load -> PEM_read_bio_PrivateKey), which
 *	costs about 0.35 ms under OpenSSL 3 per RSA key, more than the
 *	signature itself. relay-milter defines PEM_read_bio_PrivateKey
 *	itself; the dynamic linker binds libopendkim's call to it (symbol
 *	interposition, as for malloc). It answers a memory BIO holding PEM
 *	text it has decoded before with the same EVP_PKEY, its reference
 *	count raised (libopendkim frees its reference after signing), and
 *	decodes anything else with OpenSSL's PEM_read_bio_PrivateKey_ex.
 *	Entries are matched on the whole PEM text, kept PKCACHE_KEEP_S
 *	seconds, and at most PKCACHE_MAX of them. A key rotated
 *	in Redis is other PEM text, so it is decoded afresh.
 * THREADS
 *	One mutex; EVP_PKEY objects are shared read-only between threads.
 */
#ifndef RELAY_MILTER_PKCACHE_H
#define RELAY_MILTER_PKCACHE_H

/* two keys (rsa, ed25519) for each domain keycache.h keeps (a power of two) */
#ifndef PKCACHE_MAX
#define PKCACHE_MAX	8192
#endif
/*
 * How long a decoded key is kept. The match is on the whole PEM text, so
 * a long time is safe; it also bounds a libopendkim 2.11 leak: its
 * ed25519-sha256 path never frees the EVP_PKEY it was given, so each
 * cached Ed25519 key keeps one extra reference per signature, and is
 * freed never: one EVP_PKEY (about 400 bytes) per Ed25519 key per hour.
 */
#define PKCACHE_KEEP_S	3600

/* pkcache_init - set the keep time (seconds; below 60 means 60) */
void	 pkcache_init(int keep_s);
/* pkcache_counts - decodes done and answers from the cache so far */
void	 pkcache_counts(unsigned long *decodes, unsigned long *hits);
/* pkcache_clear - drop every entry (tests, shutdown) */
void	 pkcache_clear(void);

#endif
