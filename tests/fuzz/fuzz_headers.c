/*
 * NAME
 *	fuzz_headers - libFuzzer harness for relay-milter's header code
 * DESCRIPTION
 *	The input is one byte of options and then a message as Postfix hands
 *	it to a milter: header fields, a blank line, the body. The fields go
 *	through hdrs_add() (milter/hdrs.c) as libmilter gives them, and what
 *	it notes is checked against the fields themselves: the From: count,
 *	a List-Unsubscribe of the message's own, the first Message-ID, a
 *	Date. When hdrs_from() finds the one From: address, the message is
 *	signed as relay-milter signs it (rsa-sha256, plus ed25519-sha256
 *	when option bit 1 is set; a Message-ID and a Date of ours when it
 *	has none; List-Unsubscribe and -Post of ours when bit 0 is set and
 *	the message has none), assembled as Postfix delivers it, and
 *	verified (tests/unit/dkimcheck.c): every signature must pass.
 *
 *	Option bits 2-7 choose where the body is cut in two chunks.
 *	Fields are what Postfix can send: a name of printable characters
 *	other than ":", continuation lines starting with a space or a tab,
 *	lines ending in LF, no NUL (libmilter passes C strings; a CR inside
 *	a line stays, as Postfix keeps it); the first line that is not a
 *	field starts the body, as it does for Postfix. A member's
 *	own DKIM-Signature fields are renamed X-DKIM-Signature so that the
 *	verifier sees only ours.
 * SEE ALSO
 *	milter/hdrs.c, milter/sign.c, tests/unit/dkimcheck.c,
 *	tests/fuzz/corpus/headers/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkimcheck.h"
#include "dkimkey.h"
#include "hdrs.h"
#include "ownhdrs.h"
#include "pkcache.h"
#include "sign.h"
#include "xalloc.h"
#include "fuzz_check.h"

#define LU	"<mailto:unsub+tok@unsub.test>, <https://unsub.test/u/tok>"
#define POST	"List-Unsubscribe=One-Click"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *rsa_pem, *ed_pem;

/* init - keys, the signer's library and the verifier, once */
static void
init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	check(dkimkey_generate(&rsa_pem, &ed_pem) == 0);
	pkcache_init(3600);
	check(sign_lib_init(0) == 0);
	check(dkimcheck_init("alice.test", "fz", rsa_pem, ed_pem) == 0);
}

/* name_ok - a field name Postfix would pass on */
static int
name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 33 || s[i] > 126)
			return 0;
	return 1;
}

/*
 * fields - split text (no NUL) into fields for hs; returns where
 * the body starts.
 */
static size_t
fields(struct hdrs *hs, const char *text, size_t len)
{
	char	*name = NULL, *value = NULL;
	size_t	 pos = 0, vlen = 0, nl, n, c;

	while (pos < len) {
		nl = pos;
		while (nl < len && text[nl] != '\n')
			nl++;
		n = nl - pos;
		if (n > 0 && text[nl - 1] == '\r')
			n--;	/* Postfix takes CRLF as the line end */
		if (n > 0 && (text[pos] == ' ' || text[pos] == '\t') &&
		    value != NULL) {
			value = xrealloc(value, vlen + n + 2);
			value[vlen++] = '\n';
			memcpy(value + vlen, text + pos, n);
			value[vlen += n] = '\0';
		} else {
			if (name != NULL)
				hdrs_add(hs, name, value);
			free(name);
			free(value);
			name = value = NULL;
			c = 0;
			while (c < n && text[pos + c] != ':')
				c++;
			if (c == n || !name_ok(text + pos, c))
				break;	/* the body (an empty line included) */
			/*
			 * A DKIM-Signature of the member's own is renamed:
			 * the verifier is to count ours alone.
			 */
			name = xstrndup(text + pos, c);
			if (strcasecmp(name, "DKIM-Signature") == 0) {
				free(name);
				name = xstrdup("X-DKIM-Signature");
			}
			/* libmilter's value: after the colon and one space */
			c++;
			if (c < n && text[pos + c] == ' ')
				c++;
			value = xstrndup(text + pos + c, n - c);
			vlen = n - c;
		}
		pos = nl < len ? nl + 1 : len;
	}
	if (name != NULL)
		hdrs_add(hs, name, value);
	free(name);
	free(value);
	if (pos < len && text[pos] == '\r' && pos + 1 < len &&
	    text[pos + 1] == '\n')
		pos++;
	if (pos < len && text[pos] == '\n')
		pos++;		/* the blank line between */
	return pos;
}

/* checked - what hdrs_add noted, recounted from the fields */
static void
checked(const struct hdrs *hs)
{
	const char	*first = NULL, *p;
	size_t		 i, n;
	int		 nfrom = 0, lu = 0, date = 0;

	for (i = 0; i < hs->n; i++) {
		if (strcasecmp(hs->h[i].name, "From") == 0)
			nfrom++;
		if (strcasecmp(hs->h[i].name, "Date") == 0)
			date = 1;
		if (strcasecmp(hs->h[i].name, "List-Unsubscribe") == 0 ||
		    strcasecmp(hs->h[i].name, "List-Unsubscribe-Post") == 0)
			lu = 1;
		if (first == NULL && strcasecmp(hs->h[i].name, "Message-ID") == 0)
			first = hs->h[i].value;
	}
	check(hs->nfrom == nfrom && hs->has_lu == lu && hs->date_seen == date);
	check(hs->msgid_seen == (first != NULL));
	/* kept: the first field's identifier, unless over HDRS_MSGID_MAX */
	if (first != NULL) {
		p = first + strspn(first, " \t\r\n");
		check((hs->msgid == NULL) ==
		    (strcspn(p, " \t\r\n") > HDRS_MSGID_MAX));
	} else
		check(hs->msgid == NULL);
	if (hs->msgid != NULL) {
		check(strpbrk(hs->msgid, " \t\r\n") == NULL);
		p = strstr(first, hs->msgid);
		check(p != NULL);
		n = strspn(first, " \t\r\n");
		check(hs->msgid[0] == '\0' || p == first + n);
	}
}

/* body_crlf - the body with CRLF line ends (a lone LF made CRLF) */
static char *
body_crlf(const char *text, size_t len, size_t *out)
{
	char	*b = xmalloc(2 * len + 3);
	size_t	 i, o = 0;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n' && (o == 0 || b[o - 1] != '\r'))
			b[o++] = '\r';
		b[o++] = text[i];
	}
	if (o > 0 && b[o - 1] != '\n') {
		b[o++] = '\r';
		b[o++] = '\n';
	}
	b[o] = '\0';
	*out = o;
	return b;
}

/* sign_verify - sign as relay-milter does, deliver, verify */
static void
sign_verify(const struct hdrs *hs, unsigned opt, const char *body,
    size_t blen)
{
	const char	*why = NULL, *sigs[2];
	struct ownhdrs	 own;
	struct hdr	 ours[OWNHDRS_MAX];
	struct signer	*s;
	size_t		 cut, mlen, nours;
	char		*msg;
	int		 n = 0, i, nfound, pass;

	/* ours, as relay-milter adds them */
	memset(&own, 0, sizeof(own));
	if ((opt & 1) && !hs->has_lu) {
		snprintf(own.lu, sizeof(own.lu), "%s", LU);
		snprintf(own.post, sizeof(own.post), "%s", POST);
	}
	if (!hs->msgid_seen)
		check(ownhdrs_msgid(&own, 1796554687, "0123456789abcdef",
		    "alice.test") == 0);
	if (!hs->date_seen)
		check(ownhdrs_date(&own, 1796554687) == 0);
	nours = ownhdrs_fields(&own, ours);
	/* no line limit: the message verified is the one signed, unbroken */
	s = sign_new("FUZZ", "alice.test", "fz", rsa_pem,
	    (opt & 2) ? ed_pem : NULL, 0, 0, &why);
	check(s != NULL);
	cut = blen * (opt >> 2) / 63;
	if (hdrs_sign(hs, s, ours, nours, &why) != 0 ||
	    sign_body(s, (const unsigned char *)body, cut, &why) != 0 ||
	    sign_body(s, (const unsigned char *)body + cut, blen - cut,
	    &why) != 0 || sign_eom(s, &n, &why) != 0) {
		/* relay-milter tempfails with this reason: there must be one */
		check(why != NULL && why[0] != '\0');
		sign_free(s);
		return;
	}
	check(n == ((opt & 2) ? 2 : 1));
	for (i = 0; i < n; i++)
		sigs[i] = sign_result(s, i);
	msg = dkimcheck_assemble(hs, sigs, n, ours, nours, body, blen, &mlen);
	pass = dkimcheck_verify(msg, mlen, &nfound, &why);
	check(nfound == n && pass == n);
	free(msg);
	sign_free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hdrs		 hs = { 0 };
	struct from_result	 fr;
	const char		*d = NULL, *name;
	char			*text, *body;
	size_t			 len = 0, i, at, blen, pos, n;
	unsigned		 opt;
	int			 e;

	if (size < 1)
		return 0;
	init();
	opt = data[0];
	text = xmalloc(size);
	for (i = 1; i < size; i++)
		if (data[i] != '\0')
			text[len++] = (char)data[i];
	at = fields(&hs, text, len);
	checked(&hs);
	if (hdrs_from(&hs, &fr, &d) == FROM_OK) {
		check(hs.nfrom == 1 && fr.addr[0] != '\0');
		body = body_crlf(text + at, len - at, &blen);
		sign_verify(&hs, opt, body, blen);
		free(body);
	} else
		check(d != NULL && d[0] != '\0' && fr.addr[0] == '\0');
	/* every originator field is visited once, each with an answer */
	for (pos = 0, n = 0; (e = hdrs_originator(&hs, &pos, &fr, &name,
	    &d)) != HDRS_NONE; n++) {
		check(pos <= hs.n && name != NULL && d != NULL);
		check(e != FROM_OK || (fr.addr[0] != '\0' &&
		    fr.domain[0] != '\0'));
	}
	check(n <= hs.n);
	hdrs_free(&hs);
	free(text);
	return 0;
}
