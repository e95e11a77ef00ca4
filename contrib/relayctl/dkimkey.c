/*
 * NAME
 *	dkimkey - DKIM key pairs for relayctl: make them, publish their halves
 * DESCRIPTION
 *	dkimkey_generate() makes an RSA-2048 and an Ed25519 private key as
 *	PEM PKCS#8 ("BEGIN PRIVATE KEY"), the form relay-milter reads from
 *	relay:{d:D}:dkim. dkimkey_txt() derives the DNS TXT value from a
 *	stored private key: RSA publishes the DER SubjectPublicKeyInfo in
 *	base64, Ed25519 the raw 32-byte public key (RFC 8463). Private keys
 *	never leave this file except as the PEM string the caller stores.
 * SEE ALSO
 *	dkimkey.h, common/SCHEMA.md (DKIM selectors and DNS names)
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkimkey.h"
#include "xalloc.h"

/* pem_of - a private key as a new PEM PKCS#8 string, or NULL */
static char *
pem_of(EVP_PKEY *k)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*data, *out = NULL;
	long	 n;

	if (b == NULL)
		return NULL;
	if (PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1 &&
	    (n = BIO_get_mem_data(b, &data)) > 0)
		out = xstrndup(data, (size_t)n);
	BIO_free(b);
	return out;
}

/* keygen - one key of type id (RSA: bits) */
static EVP_PKEY *
keygen(int id, int bits)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new_id(id, NULL);
	EVP_PKEY	*k = NULL;

	if (ctx == NULL)
		return NULL;
	if (EVP_PKEY_keygen_init(ctx) != 1 ||
	    (bits > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1) ||
	    EVP_PKEY_keygen(ctx, &k) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

int
dkimkey_generate(char **rsa_pem, char **ed_pem)
{
	EVP_PKEY	*r = keygen(EVP_PKEY_RSA, 2048);
	EVP_PKEY	*e = keygen(EVP_PKEY_ED25519, 0);

	*rsa_pem = r ? pem_of(r) : NULL;
	*ed_pem = e ? pem_of(e) : NULL;
	EVP_PKEY_free(r);
	EVP_PKEY_free(e);
	if (*rsa_pem == NULL || *ed_pem == NULL) {
		dkimkey_free_pem(*rsa_pem);
		dkimkey_free_pem(*ed_pem);
		*rsa_pem = *ed_pem = NULL;
		return -1;
	}
	return 0;
}

void
dkimkey_free_pem(char *pem)
{
	if (pem == NULL)
		return;
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
}

int
dkimkey_txt(const char *pem, char *out, size_t outlen)
{
	BIO		*b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY	*k = NULL;
	unsigned char	 raw[1024], *p = raw;
	size_t		 rawlen = sizeof(raw);
	const char	*kt;
	int		 n, rc = -1;
	char		 b64[2048];

	if (b == NULL)
		return -1;
	/*
	 * OpenSSL's decoder itself, not PEM_read_bio_PrivateKey: linked
	 * with relay-milter's key cache (the tests do), that name is the
	 * cache, and a key decoded here for its public half would be kept
	 */
	k = PEM_read_bio_PrivateKey_ex(b, NULL, NULL, NULL, NULL, NULL);
	BIO_free(b);
	if (k == NULL)
		return -1;
	if (EVP_PKEY_id(k) == EVP_PKEY_ED25519) {
		kt = "ed25519";
		if (EVP_PKEY_get_raw_public_key(k, raw, &rawlen) != 1)
			goto out;
	} else if (EVP_PKEY_id(k) == EVP_PKEY_RSA) {
		kt = "rsa";
		if ((n = i2d_PUBKEY(k, NULL)) <= 0 || (size_t)n > sizeof(raw))
			goto out;
		rawlen = (size_t)i2d_PUBKEY(k, &p);
	} else
		goto out;
	if ((size_t)EVP_ENCODE_LENGTH(rawlen) > sizeof(b64))
		goto out;
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)rawlen);
	n = snprintf(out, outlen, "v=DKIM1; k=%s; p=%s", kt, b64);
	rc = n > 0 && (size_t)n < outlen ? 0 : -1;
out:
	EVP_PKEY_free(k);
	return rc;
}
