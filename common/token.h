/*
 * NAME
 *	token - unsubscribe tokens and API key secrets
 * DESCRIPTION
 *	Unsubscribe tokens are HMAC-SHA256 signatures made with
 *	unsubscribe.hmac_key over the member and the recipient, so nobody can
 *	suppress someone else's recipient. Two forms:
 *
 *	mail token, for List-Unsubscribe: <mailto:unsub+TOKEN@DOMAIN>:
 *	    HANDLE "." MAC16, where MAC16 is the first 80 bits of
 *	    HMAC(key, "mailto" NUL handle NUL recipient) in lower-case base32
 *	    (16 characters). It fits the 64-octet local part ("unsub+" + 32 +
 *	    1 + 16 = 55) and survives a mailer that lower-cases local parts.
 *	    It does not carry the recipient: the pipe program checks it
 *	    against the envelope sender of the unsubscribe message, which is
 *	    the recipient's own address when a mail client sends it.
 *	url token, appended to unsubscribe.https_url:
 *	    base64url(handle NUL recipient) "." base64url(128-bit MAC over
 *	    "url" NUL handle NUL recipient): self-contained.
 *
 *	bounce token, the envelope sender of a member's message when
 *	unsubscribe.return_path is on: b+TOKEN@DOMAIN, TOKEN =
 *	    HANDLE "." QUEUEID "." MAC12, where MAC12 is the first 60 bits of
 *	    HMAC(key, "bounce" NUL handle NUL queue id) in lower-case base32
 *	    (12 characters). Bounces come back to it: it names the message's
 *	    record (relay:{m:H}:msg:QUEUEID) and nobody can make one for
 *	    another member's message. The queue id keeps its case (SMTP
 *	    keeps a local part's, and a long Postfix queue id needs it);
 *	    the MAC is compared in lower case. With a queue id of up to 16
 *	    characters (Postfix's long ones have 15 or 16) the local part
 *	    fits 64 octets for every handle.
 *
 *	Checking: each _check function takes the key tokens are made with
 *	(unsubscribe.hmac_key) and the one they were made with before it
 *	(unsubscribe.previous_hmac_key, NULL or empty when none), so links
 *	and return paths in mail sent before a key change keep working
 *	until the previous key is removed. It returns TOKEN_BAD (0) for a
 *	bad or forged token, TOKEN_KEY (1) when it verifies with the key,
 *	TOKEN_PREVIOUS (2) when only with the previous key.
 *
 *	API keys are 24 random bytes in base64url (32 characters, 192 bits);
 *	only SHA-256 hex of a key is stored. Comparisons are constant time.
 */
#ifndef RELAY_TOKEN_H
#define RELAY_TOKEN_H

#include <stddef.h>

#define TOKEN_MAIL_MAX		64
#define TOKEN_URL_MAX		700
#define TOKEN_QID_MAX		32	/* a Postfix queue id, long form too */
#define TOKEN_BOUNCE_MAX	(32 + 1 + TOKEN_QID_MAX + 1 + 12)
#define TOKEN_APIKEY_LEN	32
#define TOKEN_SHA256_HEX	65	/* 64 digits and the NUL */
/* the longest recipient a token binds (RFC 5321 allows a 256-octet path) */
#define TOKEN_RCPT_MAX		320

#define TOKEN_BAD	0	/* does not verify */
#define TOKEN_KEY	1	/* verifies with the key */
#define TOKEN_PREVIOUS	2	/* verifies with the previous key only */

/* token_mail - make a mail token for (handle, normalised recipient) */
int	 token_mail(const char *key, const char *handle, const char *rcpt,
	    char *out, size_t outlen);
/*
 * token_mail_check - TOKEN_KEY or TOKEN_PREVIOUS when tok is the mail
 * token of (its handle, rcpt); the handle is copied to handle_out.
 * TOKEN_BAD for a bad or forged token.
 */
int	 token_mail_check(const char *key, const char *previous,
	    const char *tok, const char *rcpt, char *handle_out,
	    size_t handle_len);

/* token_url - make a url token */
int	 token_url(const char *key, const char *handle, const char *rcpt,
	    char *out, size_t outlen);
/*
 * token_url_check - TOKEN_KEY or TOKEN_PREVIOUS, and the handle and
 * recipient, for a valid token; else TOKEN_BAD
 */
int	 token_url_check(const char *key, const char *previous,
	    const char *tok, char *handle_out, size_t handle_len,
	    char *rcpt_out, size_t rcpt_len);

/* token_bounce - make a bounce token for (handle, queue id) */
int	 token_bounce(const char *key, const char *handle, const char *qid,
	    char *out, size_t outlen);
/*
 * token_bounce_check - TOKEN_KEY or TOKEN_PREVIOUS when tok is a bounce
 * token: its handle and queue id copied out; TOKEN_BAD for a bad or
 * forged one
 */
int	 token_bounce_check(const char *key, const char *previous,
	    const char *tok, char *handle_out, size_t handle_len,
	    char *qid_out, size_t qid_len);

/* token_apikey_new - a fresh random key (TOKEN_APIKEY_LEN + 1 bytes); 0 or -1 */
int	 token_apikey_new(char *out, size_t outlen);
/* token_random_hex - nbytes random bytes as hex into out (2*nbytes+1) */
int	 token_random_hex(size_t nbytes, char *out, size_t outlen);
/* token_sha256_hex - SHA-256 of s as 64 hex digits */
void	 token_sha256_hex(const char *s, size_t len, char out[TOKEN_SHA256_HEX]);
/* token_equal - constant-time comparison of two strings of equal length */
int	 token_equal(const char *a, const char *b);

#endif
