/*
 * NAME
 *	sign - DKIM signatures through libopendkim
 * DESCRIPTION
 *	A thin wrapper: at most two DKIM handles per message, one status
 *	check per call. Header values arrive from the milter with folds as
 *	bare LF or CRLF; they are given to libopendkim with CRLF, which is
 *	how the message leaves Postfix.
 * SEE ALSO
 *	sign.h, /usr/share/doc/libopendkim-dev/, RFC 6376, RFC 8463
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <opendkim/dkim.h>

#include "linelimit.h"
#include "sign.h"
#include "xalloc.h"

#define SIG_PREFIX	"DKIM-Signature: "

static DKIM_LIB *lib;

/* RFC 6376 5.4.1, plus the fields whose change alters what a reader sees. */
static const char *sign_hdrs[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date",
	"resent-from", "resent-to", "resent-cc", "in-reply-to", "references",
	"list-id", "list-help", "list-unsubscribe", "list-unsubscribe-post",
	"list-subscribe", "list-post", "list-owner", "list-archive",
	"message-id", "mime-version", "content-type",
	"content-transfer-encoding", "sender", NULL
};
/*
 * Signed once more than they appear, so that a field the message lacks
 * cannot be added after signing, nor a second one of those it has:
 * someone who receives a member's signed message must not add a Reply-To
 * or To: and pass it on under the member's signature. rspamd's default
 * oversigns the same fields (its (o) and (x) marks). The List-* fields a
 * mailing list adds on resending are not, List-Unsubscribe(-Post) aside.
 */
static const char *oversign_hdrs[] = {
	"from", "reply-to", "subject", "to", "cc", "date", "message-id",
	"sender", "in-reply-to", "references", "mime-version", "content-type",
	"content-transfer-encoding", "list-unsubscribe",
	"list-unsubscribe-post", NULL
};

/*
 * libopendkim's list of the signed fields in the message (h= before the
 * oversigned names) is cut silently at DKIM_MAXHEADER - 1 octets; the
 * oversigned names after it then stand for fields the message has, and
 * no verifier gets our hash: a message with more is not signed.
 */
#define SIGN_HLIST_MAX	4095

/*
 * Allocations libopendkim makes for one message, through the closure:
 * libopendkim 2.11 never frees its key state of an ed25519-sha256 handle
 * (struct dkim_crypto, 64 bytes a signature), so what is still held after
 * dkim_free() is freed with the signer.
 */
struct memtrack {
	void	**p;
	size_t	  n, cap;
};

struct signer {
	struct memtrack mt;		/* first: the closure libopendkim gets */
	DKIM	*d[2];
	int	 n;
	char	*result[2];
	char	*line;		/* header line being built */
	size_t	 linecap;
	char	*hdr;		/* ... and as Postfix's smtp(8) sends it */
	size_t	 hdrlen, hdrcap;
	size_t	 limit;		/* smtp_line_length_limit; 0: none */
	size_t	 rec;		/* line_length_limit (records); 0: none */
	size_t	 hnames;	/* the h= list of the fields so far */
	struct linelimit body;	/* the body as smtp(8) sends it */
	const char *why;	/* body_out's failure */
};

/* mt_malloc - libopendkim's allocator: remember per-message blocks */
static void *
mt_malloc(void *closure, size_t n)
{
	struct memtrack *mt = closure;
	void	*p = malloc(n);

	if (p == NULL || mt == NULL)
		return p;
	if (mt->n == mt->cap) {
		mt->cap = mt->cap ? mt->cap * 2 : 64;
		mt->p = xrealloc(mt->p, mt->cap * sizeof(*mt->p));
	}
	mt->p[mt->n++] = p;
	return p;
}

/* mt_free - forget and free; recent blocks are freed first, so search back */
static void
mt_free(void *closure, void *p)
{
	struct memtrack *mt = closure;
	size_t	 i;

	if (mt != NULL && p != NULL)
		for (i = mt->n; i-- > 0;)
			if (mt->p[i] == p) {
				mt->p[i] = mt->p[--mt->n];
				break;
			}
	free(p);
}

int
sign_lib_init(time_t fixed_time)
{
	uint64_t t = (uint64_t)fixed_time;

	if ((lib = dkim_init(mt_malloc, mt_free)) == NULL)
		return -1;
	/* libopendkim takes the lists by pointer: the size is a pointer's. */
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sign_hdrs,
	    sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
	    oversign_hdrs, sizeof(char **)) != DKIM_STAT_OK)
		return -1;
	if (fixed_time != 0 && dkim_options(lib, DKIM_OP_SETOPT,
	    DKIM_OPTS_FIXEDTIME, &t, sizeof(t)) != DKIM_STAT_OK)
		return -1;
	return 0;
}

void
sign_lib_close(void)
{
	if (lib != NULL)
		dkim_close(lib);
	lib = NULL;
}

/* fail - a reason for a status, from the handle when it has one */
static int
fail(DKIM *d, DKIM_STAT st, const char **why)
{
	const char *e = d != NULL ? dkim_geterror(d) : NULL;

	*why = e != NULL && e[0] != '\0' ? e : dkim_getresultstr(st);
	return -1;
}

/*
 * key_type - the EVP_PKEY type of the private key in pem, 0 when it does
 * not decode, -1 when it is not PEM text. OpenSSL's own decoder, not
 * pkcache's: the key is freed at once (libopendkim's reference of a
 * cached Ed25519 key is never freed, tests/valgrind.supp).
 */
static int
key_type(const char *pem)
{
	BIO		*b;
	EVP_PKEY	*k;
	int		 t;

	/* libopendkim reads a key that does not begin so as DER */
	if (strncmp(pem, "-----", 5) != 0)
		return -1;
	b = BIO_new_mem_buf(pem, -1);
	k = b != NULL ? PEM_read_bio_PrivateKey_ex(b, NULL, NULL, NULL, NULL,
	    NULL) : NULL;
	t = k != NULL ? EVP_PKEY_get_id(k) : 0;
	EVP_PKEY_free(k);
	BIO_free(b);
	return t;
}

int
sign_key_check(const char *rsa_pem, const char *ed_pem, const char **why)
{
	int	 t;

	if (rsa_pem != NULL && (t = key_type(rsa_pem)) != EVP_PKEY_RSA) {
		*why = t < 0 ? "the DKIM rsa key does not begin with "
		    "-----BEGIN" : "the DKIM rsa key is not an RSA private key";
		return -1;
	}
	if (ed_pem != NULL && (t = key_type(ed_pem)) != EVP_PKEY_ED25519) {
		*why = t < 0 ? "the DKIM ed25519 key does not begin with "
		    "-----BEGIN" : "the DKIM ed25519 key is not an Ed25519 "
		    "private key";
		return -1;
	}
	return 0;
}

struct signer *
sign_new(const char *id, const char *domain, const char *sel,
    const char *rsa_pem, const char *ed_pem, size_t line_limit,
    size_t rec_limit, const char **why)
{
	struct signer	*s = xcalloc(1, sizeof(*s));
	char		 selx[128];
	DKIM_STAT	 st;
	int		 i;

	s->limit = line_limit;
	s->rec = rec_limit;
	linelimit_init(&s->body, line_limit);
	linelimit_records(&s->body, rec_limit);

	for (i = 0; i < 2; i++) {
		const char *pem = i == 0 ? rsa_pem : ed_pem;

		if (pem == NULL)
			continue;
		snprintf(selx, sizeof(selx), "%s%c", sel, i == 0 ? 'r' : 'e');
		s->d[s->n] = dkim_sign(lib, (const unsigned char *)id, &s->mt,
		    (dkim_sigkey_t)(uintptr_t)pem, (const unsigned char *)selx,
		    (const unsigned char *)domain, DKIM_CANON_RELAXED,
		    DKIM_CANON_RELAXED, i == 0 ? DKIM_SIGN_RSASHA256 :
		    DKIM_SIGN_ED25519SHA256, -1, &st);
		if (s->d[s->n] == NULL) {
			fail(NULL, st, why);
			sign_free(s);
			return NULL;
		}
		s->n++;
	}
	if (s->n == 0) {
		*why = "no key";
		sign_free(s);
		return NULL;
	}
	return s;
}

/* hdr_out - a header line as sent, into s->hdr (NUL-terminated) */
static int
hdr_out(void *arg, const unsigned char *buf, size_t len)
{
	struct signer	*s = arg;

	if (s->hdrlen + len + 1 > s->hdrcap) {
		s->hdrcap = (s->hdrlen + len + 1) * 2;
		s->hdr = xrealloc(s->hdr, s->hdrcap);
	}
	memcpy(s->hdr + s->hdrlen, buf, len);
	s->hdrlen += len;
	s->hdr[s->hdrlen] = '\0';
	return 0;
}

/* body_out - body text as sent, to every handle */
static int
body_out(void *arg, const unsigned char *buf, size_t len)
{
	struct signer	*s = arg;
	DKIM_STAT	 st;
	int		 i;

	for (i = 0; i < s->n; i++)
		if ((st = dkim_body(s->d[i], (u_char *)buf, len)) !=
		    DKIM_STAT_OK)
			return fail(s->d[i], st, &s->why);
	return 0;
}

/* signed_name - name is one of the fields signed (any case) */
static int
signed_name(const char *name)
{
	size_t	 i;

	for (i = 0; sign_hdrs[i] != NULL; i++)
		if (strcasecmp(name, sign_hdrs[i]) == 0)
			return 1;
	return 0;
}

int
sign_header(struct signer *s, const char *name, const char *value,
    const char **why)
{
	return sign_header_as(s, name, value, 0, why);
}

int
sign_header_as(struct signer *s, const char *name, const char *value,
    int verbatim, const char **why)
{
	size_t	 need = strlen(name) + 2 + 2 * strlen(value) + 1, o = 0;
	struct linelimit ll;
	const char *p;
	DKIM_STAT st;
	int	 i;

	if (need > s->linecap) {
		s->line = xrealloc(s->line, need);
		s->linecap = need;
	}
	o = (size_t)sprintf(s->line, "%s:%s", name, verbatim ||
	    value[0] == ' ' || value[0] == '\t' ? "" : " ");
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			s->line[o++] = '\r';
		s->line[o++] = *p;
	}
	s->line[o] = '\0';
	/* as smtp(8) will send it: a line over the limit broken */
	linelimit_init(&ll, s->limit);
	linelimit_records(&ll, s->rec);
	s->hdrlen = 0;
	if (linelimit_feed(&ll, (const unsigned char *)s->line, o, hdr_out,
	    s) != 0 || linelimit_end(&ll, hdr_out, s) != 0) {
		*why = "header too long";
		return -1;
	}
	if (signed_name(name) && (s->hnames += strlen(name) + 1) - 1 >
	    SIGN_HLIST_MAX) {
		*why = "too many signed header fields (h= would be over "
		    "4095 octets, libopendkim's limit)";
		return -1;
	}
	for (i = 0; i < s->n; i++)
		if ((st = dkim_header(s->d[i], (u_char *)s->hdr, s->hdrlen)) !=
		    DKIM_STAT_OK)
			return fail(s->d[i], st, why);
	return 0;
}

int
sign_eoh(struct signer *s, const char **why)
{
	DKIM_STAT st;
	int	 i;

	for (i = 0; i < s->n; i++)
		if ((st = dkim_eoh(s->d[i])) != DKIM_STAT_OK)
			return fail(s->d[i], st, why);
	return 0;
}

int
sign_body(struct signer *s, const unsigned char *buf, size_t len,
    const char **why)
{
	if (linelimit_feed(&s->body, buf, len, body_out, s) != 0) {
		*why = s->why;
		return -1;
	}
	return 0;
}

unsigned long
sign_breaks(const struct signer *s)
{
	return s->body.breaks;
}

/* unfold_cr - drop the CRs libopendkim puts in its folds */
static char *
unfold_cr(const unsigned char *v, size_t len)
{
	char	*out = xmalloc(len + 1);
	size_t	 i, o = 0;

	for (i = 0; i < len; i++)
		if (v[i] != '\r')
			out[o++] = (char)v[i];
	out[o] = '\0';
	return out;
}

int
sign_eom(struct signer *s, int *nsig, const char **why)
{
	DKIM_STAT	 st;
	u_char		*hdr;
	size_t		 len;
	int		 i;

	*nsig = 0;
	if (linelimit_end(&s->body, body_out, s) != 0) {
		*why = s->why;
		return -1;
	}
	for (i = 0; i < s->n; i++) {
		if ((st = dkim_eom(s->d[i], NULL)) != DKIM_STAT_OK)
			return fail(s->d[i], st, why);
		if ((st = dkim_getsighdr_d(s->d[i], strlen(SIG_PREFIX), &hdr,
		    &len)) != DKIM_STAT_OK)
			return fail(s->d[i], st, why);
		s->result[i] = unfold_cr(hdr, len);
	}
	*nsig = s->n;
	return 0;
}

const char *
sign_result(const struct signer *s, int i)
{
	return i >= 0 && i < s->n ? s->result[i] : NULL;
}

void
sign_free(struct signer *s)
{
	int	 i;

	if (s == NULL)
		return;
	for (i = 0; i < 2; i++) {
		if (s->d[i] != NULL)
			dkim_free(s->d[i]);
		free(s->result[i]);
	}
	while (s->mt.n > 0)
		free(s->mt.p[--s->mt.n]);
	free(s->mt.p);
	free(s->line);
	free(s->hdr);
	free(s);
}
