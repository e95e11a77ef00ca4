/*
 * NAME
 *	token - HMAC unsubscribe tokens, API keys, constant-time compares
 * SEE ALSO
 *	token.h; relay-milter (makes tokens), relay-unsub (checks them),
 *	relayctl and relay-checkpw (API keys)
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "ident.h"
#include "token.h"

/* mac - HMAC-SHA256 over tag NUL handle NUL rcpt */
static void
mac(const char *key, const char *tag, const char *handle, const char *rcpt,
    unsigned char out[32])
{
	unsigned char	 msg[512];
	size_t		 tl = strlen(tag), hl = strlen(handle), rl = strlen(rcpt);
	unsigned int	 outlen = 32;

	/* The callers check lengths; cut rather than overflow regardless. */
	if (tl + hl + rl + 2 > sizeof(msg))
		rl = sizeof(msg) - tl - hl - 2;
	memcpy(msg, tag, tl);
	msg[tl] = '\0';
	memcpy(msg + tl + 1, handle, hl);
	msg[tl + 1 + hl] = '\0';
	memcpy(msg + tl + hl + 2, rcpt, rl);
	HMAC(EVP_sha256(), key, (int)strlen(key), msg, tl + hl + rl + 2, out,
	    &outlen);
}

/* base32 - lower-case RFC 4648 base32 without padding */
static size_t
base32(const unsigned char *in, size_t n, char *out)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t		 i, o = 0;
	unsigned int	 buf = 0, bits = 0;

	for (i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = a[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = a[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	return o;
}

/* b64url - base64url without padding */
static size_t
b64url(const unsigned char *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t		 i, o = 0;
	unsigned int	 buf = 0, bits = 0;

	for (i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			out[o++] = a[(buf >> (bits - 6)) & 63];
			bits -= 6;
		}
	}
	if (bits > 0)
		out[o++] = a[(buf << (6 - bits)) & 63];
	out[o] = '\0';
	return o;
}

/* unb64url - decode base64url; returns length or -1 */
static int
unb64url(const char *in, size_t n, unsigned char *out, size_t outlen)
{
	size_t		 i, o = 0;
	unsigned int	 buf = 0, bits = 0;

	for (i = 0; i < n; i++) {
		const char *a =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *p = in[i] ? strchr(a, in[i]) : NULL;

		if (p == NULL)
			return -1;
		buf = (buf << 6) | (unsigned)(p - a);
		bits += 6;
		if (bits >= 8) {
			if (o >= outlen)
				return -1;
			out[o++] = (unsigned char)((buf >> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return (int)o;
}

int
token_mail(const char *key, const char *handle, const char *rcpt, char *out,
    size_t outlen)
{
	unsigned char	 m[32];
	char		 b[64];
	int		 n;

	if (key == NULL || *key == '\0' || strchr(handle, '.') != NULL ||
	    strlen(handle) > IDENT_HANDLE_MAX || strlen(rcpt) > TOKEN_RCPT_MAX)
		return -1;
	mac(key, "mailto", handle, rcpt, m);
	base32(m, 10, b);
	n = snprintf(out, outlen, "%s.%s", handle, b);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* previous_set - 1 when there is a previous key to try */
static int
previous_set(const char *previous)
{
	return previous != NULL && *previous != '\0';
}

/* mail_check - 1 when tok is the mail token of (its handle, rcpt) by key */
static int
mail_check(const char *key, const char *tok, const char *rcpt,
    char *handle_out, size_t handle_len)
{
	char		 handle[IDENT_HANDLE_MAX + 1], want[TOKEN_MAIL_MAX + 1];
	char		 got[TOKEN_MAIL_MAX + 1];
	const char	*dot = strrchr(tok, '.');
	const char	*why;
	size_t		 hl, i;

	if (dot == NULL || (hl = (size_t)(dot - tok)) == 0 ||
	    hl > IDENT_HANDLE_MAX || strlen(tok) > TOKEN_MAIL_MAX)
		return 0;
	memcpy(handle, tok, hl);
	handle[hl] = '\0';
	if (ident_handle_norm(handle, handle, sizeof(handle), &why) < 0)
		return 0;
	if (token_mail(key, handle, rcpt, want, sizeof(want)) < 0)
		return 0;
	/* Mailers may change the case of a local part: compare in lower case. */
	for (i = 0; tok[i] && i < TOKEN_MAIL_MAX; i++)
		got[i] = (char)((tok[i] >= 'A' && tok[i] <= 'Z') ? tok[i] + 32 :
		    tok[i]);
	got[i] = '\0';
	if (strlen(got) != strlen(want) || !token_equal(got, want))
		return 0;
	if (handle_out != NULL && snprintf(handle_out, handle_len, "%s",
	    handle) >= (int)handle_len)
		return 0;
	return 1;
}

int
token_mail_check(const char *key, const char *previous, const char *tok,
    const char *rcpt, char *handle_out, size_t handle_len)
{
	if (mail_check(key, tok, rcpt, handle_out, handle_len))
		return TOKEN_KEY;
	if (previous_set(previous) &&
	    mail_check(previous, tok, rcpt, handle_out, handle_len))
		return TOKEN_PREVIOUS;
	return TOKEN_BAD;
}

/* qid_ok - 1 for a Postfix queue id: 1..TOKEN_QID_MAX of [0-9A-Za-z] */
static int
qid_ok(const char *q, size_t n)
{
	size_t	 i;

	if (n == 0 || n > TOKEN_QID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((q[i] >= '0' && q[i] <= '9') || (q[i] >= 'A' &&
		    q[i] <= 'Z') || (q[i] >= 'a' && q[i] <= 'z')))
			return 0;
	return 1;
}

int
token_bounce(const char *key, const char *handle, const char *qid,
    char *out, size_t outlen)
{
	unsigned char	 m[32];
	char		 b[32];
	int		 n;

	if (key == NULL || *key == '\0' || strchr(handle, '.') != NULL ||
	    *handle == '\0' || strlen(handle) > IDENT_HANDLE_MAX ||
	    !qid_ok(qid, strlen(qid)))
		return -1;
	mac(key, "bounce", handle, qid, m);
	base32(m, 8, b);
	b[12] = '\0';		/* 60 bits: 12 characters */
	n = snprintf(out, outlen, "%s.%s.%s", handle, qid, b);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* bounce_check - 1 when tok is a bounce token made with key */
static int
bounce_check(const char *key, const char *tok, char *handle_out,
    size_t handle_len, char *qid_out, size_t qid_len)
{
	char		 handle[IDENT_HANDLE_MAX + 1], qid[TOKEN_QID_MAX + 1];
	char		 want[TOKEN_BOUNCE_MAX + 1], got[TOKEN_BOUNCE_MAX + 1];
	const char	*d1, *d2, *why;
	size_t		 hl, ql, i;

	if (strlen(tok) > TOKEN_BOUNCE_MAX || (d1 = strchr(tok, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL)
		return 0;
	hl = (size_t)(d1 - tok);
	ql = (size_t)(d2 - d1 - 1);
	if (hl == 0 || hl > IDENT_HANDLE_MAX || !qid_ok(d1 + 1, ql))
		return 0;
	memcpy(handle, tok, hl);
	handle[hl] = '\0';
	memcpy(qid, d1 + 1, ql);
	qid[ql] = '\0';
	if (ident_handle_norm(handle, handle, sizeof(handle), &why) < 0)
		return 0;
	if (token_bounce(key, handle, qid, want, sizeof(want)) < 0)
		return 0;
	/* the handle and the MAC in lower case; the queue id as it is */
	for (i = 0; tok[i] != '\0'; i++)
		got[i] = (char)(i < hl || tok + i > d2 ? (tok[i] >= 'A' &&
		    tok[i] <= 'Z' ? tok[i] + 32 : tok[i]) : tok[i]);
	got[i] = '\0';
	if (strlen(got) != strlen(want) || !token_equal(got, want))
		return 0;
	if (snprintf(handle_out, handle_len, "%s", handle) >= (int)handle_len ||
	    snprintf(qid_out, qid_len, "%s", qid) >= (int)qid_len)
		return 0;
	return 1;
}

int
token_bounce_check(const char *key, const char *previous, const char *tok,
    char *handle_out, size_t handle_len, char *qid_out, size_t qid_len)
{
	if (bounce_check(key, tok, handle_out, handle_len, qid_out, qid_len))
		return TOKEN_KEY;
	if (previous_set(previous) && bounce_check(previous, tok, handle_out,
	    handle_len, qid_out, qid_len))
		return TOKEN_PREVIOUS;
	return TOKEN_BAD;
}

int
token_url(const char *key, const char *handle, const char *rcpt, char *out,
    size_t outlen)
{
	unsigned char	 body[400], m[32];
	char		 a[560], b[32];
	size_t		 hl = strlen(handle), rl = strlen(rcpt);
	int		 n;

	if (key == NULL || *key == '\0' || hl > IDENT_HANDLE_MAX || rl > TOKEN_RCPT_MAX)
		return -1;
	memcpy(body, handle, hl);
	body[hl] = '\0';
	memcpy(body + hl + 1, rcpt, rl);
	b64url(body, hl + 1 + rl, a);
	mac(key, "url", handle, rcpt, m);
	b64url(m, 16, b);
	n = snprintf(out, outlen, "%s.%s", a, b);
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* url_check - 1 and the handle and recipient for a token made with key */
static int
url_check(const char *key, const char *tok, char *handle_out,
    size_t handle_len, char *rcpt_out, size_t rcpt_len)
{
	unsigned char	 body[400];
	char		 handle[IDENT_HANDLE_MAX + 1], rcpt[330];
	char		 want[TOKEN_URL_MAX + 1];
	const char	*dot = strrchr(tok, '.');
	const unsigned char *nul;
	int		 n;

	if (dot == NULL || strlen(tok) > TOKEN_URL_MAX ||
	    (n = unb64url(tok, (size_t)(dot - tok), body, sizeof(body) - 1)) < 0)
		return 0;
	body[n] = '\0';
	if ((nul = memchr(body, '\0', (size_t)n)) == NULL ||
	    (size_t)(nul - body) > IDENT_HANDLE_MAX ||
	    (size_t)n - (size_t)(nul - body) - 1 >= sizeof(rcpt))
		return 0;
	memcpy(handle, body, (size_t)(nul - body));
	handle[nul - body] = '\0';
	memcpy(rcpt, nul + 1, (size_t)n - (size_t)(nul - body) - 1);
	rcpt[(size_t)n - (size_t)(nul - body) - 1] = '\0';
	if (strlen(rcpt) != (size_t)n - (size_t)(nul - body) - 1)
		return 0;	/* a NUL inside the recipient */
	if (token_url(key, handle, rcpt, want, sizeof(want)) < 0 ||
	    strlen(want) != strlen(tok) || !token_equal(want, tok))
		return 0;
	if (snprintf(handle_out, handle_len, "%s", handle) >= (int)handle_len ||
	    snprintf(rcpt_out, rcpt_len, "%s", rcpt) >= (int)rcpt_len)
		return 0;
	return 1;
}

int
token_url_check(const char *key, const char *previous, const char *tok,
    char *handle_out, size_t handle_len, char *rcpt_out, size_t rcpt_len)
{
	if (url_check(key, tok, handle_out, handle_len, rcpt_out, rcpt_len))
		return TOKEN_KEY;
	if (previous_set(previous) && url_check(previous, tok, handle_out,
	    handle_len, rcpt_out, rcpt_len))
		return TOKEN_PREVIOUS;
	return TOKEN_BAD;
}

int
token_random_hex(size_t nbytes, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 buf[64];
	size_t		 i;

	if (nbytes > sizeof(buf) || outlen < 2 * nbytes + 1 ||
	    RAND_bytes(buf, (int)nbytes) != 1)
		return -1;
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * nbytes] = '\0';
	return 0;
}

int
token_apikey_new(char *out, size_t outlen)
{
	unsigned char	 buf[24];
	int		 tries;

	if (outlen < TOKEN_APIKEY_LEN + 1)
		return -1;
	/*
	 * A key that starts with '-' is taken for an option by command-line
	 * mail clients (swaks --auth-password -x...) and by doveadm: draw
	 * again (1 in 64; 8 draws all failing is 2^-48).
	 */
	for (tries = 0; tries < 8; tries++) {
		if (RAND_bytes(buf, sizeof(buf)) != 1)
			return -1;
		b64url(buf, sizeof(buf), out);
		if (out[0] != '-')
			break;
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return out[0] == '-' ? -1 : 0;
}

void
token_sha256_hex(const char *s, size_t len, char out[TOKEN_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0, i;

	EVP_Digest(s, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * i] = '\0';
}

int
token_equal(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
