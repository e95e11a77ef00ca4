/*
 * NAME
 *	addr - parse and normalise mail addresses and domain names
 * DESCRIPTION
 *	Owns the answer to "is this a domain, is this an address, and what
 *	is its one canonical spelling". The canonical spelling is what
 *	every program compares and what every Redis key is built from, so
 *	it must be a fixed point: normalising a normalised string gives it
 *	back unchanged (tests/fuzz/fuzz_addr.c checks this).
 *
 *	Domains are checked in two steps. The raw text may hold only LDH
 *	characters, dots and (for IDN) UTF-8; anything else is a syntax
 *	error before libidn2 sees it, because UTS #46 mapping would
 *	otherwise quietly turn some characters into others. A name with
 *	non-ASCII octets is then mapped and converted to A-labels by
 *	libidn2 (non-transitional UTS #46, NFC). The ASCII result is
 *	checked as a host name, and every "xn--" label in it, given or
 *	produced, must decode and encode back to itself.
 *
 *	Local parts are a dot-atom or a quoted string (RFC 5321 4.1.2),
 *	with UTF-8 allowed as in RFC 6531. A quoted string whose content
 *	is a valid dot-atom loses its quotes ("john"@x and john@x are one
 *	mailbox); any other keeps them, with only '"' and '\' escaped.
 *	Lengths are checked on the canonical form. Only ASCII is
 *	lower-cased; UTF-8 local parts are compared octet by octet.
 *
 *	Nothing here allocates except libidn2, whose results are freed
 *	before return, and nothing here has mutable static state: every
 *	function may be called from any thread.
 * SEE ALSO
 *	addr.h, RFC 5321 4.1.2 and 4.5.3.1, RFC 5890, RFC 5891, RFC 6531,
 *	UTS #46, idn2_to_ascii_8z(3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "addr.h"
#include "utf8.h"

/*
 * Raw domain octets accepted before IDNA mapping. UTS #46 may shrink a
 * name (full-width letters, characters mapped to nothing), so the raw
 * text may be longer than ADDR_DOMAIN_MAX, but not without bound.
 */
#define ADDR_RAW_MAX	1024

#define ADDR_IDN_FLAGS	(IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT)

/* is_space - ASCII white space, independent of the locale */
static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* trim - s[0..*len) without white space at either end */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && is_space((unsigned char)s[*len - 1]))
		(*len)--;
	while (*len > 0 && is_space((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	return s;
}

/* is_alnum - ASCII letter or digit, independent of the locale */
static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* to_lower - ASCII lower case; other octets unchanged */
static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* is_atext - RFC 5322 atext, ASCII part */
static int
is_atext(int c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/*
 * mb_seq - length of the well-formed multi-byte UTF-8 sequence at p
 * (2..4), or 0 for a malformed one or a C1 control (U+0080..U+009F)
 */
static size_t
mb_seq(const unsigned char *p, size_t n)
{
	size_t	 k = utf8_seq(p, n);

	return k < 2 || utf8_is_c1(p, k) ? 0 : k;
}

/* put_str - copy s[0..len) and a NUL into out, or ADDR_ESPACE */
static int
put_str(char *out, size_t outlen, const char *s, size_t len)
{
	if (out == NULL || outlen <= len)
		return ADDR_ESPACE;
	memcpy(out, s, len);
	out[len] = '\0';
	return ADDR_OK;
}

/* idna_error - ADDR_E* code for a libidn2 error */
static int
idna_error(int rc)
{
	switch (rc) {
	case IDN2_MALLOC:
		/* As xmalloc(): exhaustion is not an answer about the name. */
		fprintf(stderr, "fatal: out of memory in libidn2\n");
		abort();
	case IDN2_TOO_BIG_LABEL:
	case IDN2_PUNYCODE_BIG_OUTPUT:	/* the A-label would be over 63 */
	case IDN2_2HYPHEN:
	case IDN2_HYPHEN_STARTEND:
		return ADDR_ELABEL;
	case IDN2_TOO_BIG_DOMAIN:
		return ADDR_ETOOLONG;
	default:
		return ADDR_EIDNA;
	}
}

/*
 * alabel_check - an "xn--" label must be the A-label of a U-label that
 * converts back to exactly the same octets; this refuses bad Punycode
 * ("xn--zz"), encodings of ASCII ("xn--abc-"), of nothing ("xn--a"),
 * and of text that IDNA would have mapped (upper case, not NFC).
 */
static int
alabel_check(const char *label, size_t len)
{
	char	 tmp[ADDR_LABEL_MAX + 1];
	char	*ulabel = NULL, *alabel = NULL;
	int	 rc;

	if (len > ADDR_LABEL_MAX)
		return ADDR_ELABEL;
	memcpy(tmp, label, len);
	tmp[len] = '\0';
	if ((rc = idn2_to_unicode_8z8z(tmp, &ulabel, 0)) != IDN2_OK) {
		idn2_free(ulabel);
		return idna_error(rc);
	}
	rc = idn2_to_ascii_8z(ulabel, &alabel, ADDR_IDN_FLAGS);
	if (rc == IDN2_MALLOC)
		idna_error(rc);
	rc = rc == IDN2_OK && alabel != NULL && strcmp(alabel, tmp) == 0 ?
	    ADDR_OK : ADDR_EIDNA;
	idn2_free(ulabel);
	idn2_free(alabel);
	return rc;
}

/*
 * domain_check - check an ASCII, lower-case name with no trailing dot
 * as a mail host name: LDH labels of 1..63 octets without a hyphen at
 * either end, valid A-labels, two labels or more, a TLD that is not all
 * digits (that is an IPv4 address, not a name), 253 octets at most.
 */
static int
domain_check(const char *name, size_t len)
{
	size_t		 i, start, labels = 0;
	int		 digits, rc;

	for (start = 0; start <= len; start = i + 1) {
		digits = 1;
		for (i = start; i < len && name[i] != '.'; i++) {
			if (!is_alnum(name[i]) && name[i] != '-')
				return ADDR_ESYNTAX;
			if (name[i] < '0' || name[i] > '9')
				digits = 0;
		}
		if (i == start || i - start > ADDR_LABEL_MAX)
			return ADDR_ELABEL;
		/* Before the hyphen rule, so that "xn--" is a bad A-label. */
		if (i - start >= 4 && strncmp(name + start, "xn--", 4) == 0 &&
		    (rc = alabel_check(name + start, i - start)) != ADDR_OK)
			return rc;
		if (name[start] == '-' || name[i - 1] == '-')
			return ADDR_ELABEL;
		labels++;
	}
	if (labels < 2)
		return ADDR_ESINGLE;
	if (digits)
		return ADDR_ESYNTAX;
	if (len > ADDR_DOMAIN_MAX)
		return ADDR_ETOOLONG;
	return ADDR_OK;
}

/*
 * domain_parse - normalise the domain in[0..len) into out. White space
 * around it is removed only when strip is set: inside an address it is
 * an error, not padding.
 */
static int
domain_parse(const char *in, size_t len, int strip, char *out, size_t outlen)
{
	const char	*p = strip ? trim(in, &len) : in, *end = p + len;
	char		 raw[ADDR_RAW_MAX + 1];
	char		*ace = NULL;
	size_t		 n;
	int		 nonascii = 0, rc;

	if (p == end)
		return ADDR_EEMPTY;
	if (*p == '[')
		return end - p > 2 && end[-1] == ']' ? ADDR_ELITERAL :
		    ADDR_ESYNTAX;
	if (end[-1] == '.')
		end--;
	if ((n = (size_t)(end - p)) > ADDR_RAW_MAX)
		return ADDR_ETOOLONG;
	/* Refuse here what UTS #46 mapping would otherwise rewrite. */
	for (n = 0; p + n < end; n++) {
		unsigned char	c = (unsigned char)p[n];

		if (c >= 0x80)
			nonascii = 1;
		else if (c == '.') {
			if (n == 0 || p[n - 1] == '.' || p + n + 1 == end)
				return ADDR_ELABEL;
		} else if (!is_alnum(c) && c != '-')
			return ADDR_ESYNTAX;
		raw[n] = (char)to_lower(c);
	}
	raw[n] = '\0';
	if (n == 0)
		return ADDR_ELABEL;	/* "." alone: the root, not a domain */
	if (!nonascii) {
		if ((rc = domain_check(raw, n)) != ADDR_OK)
			return rc;
		return put_str(out, outlen, raw, n);
	}
	if ((rc = idn2_to_ascii_8z(raw, &ace, ADDR_IDN_FLAGS)) != IDN2_OK) {
		idn2_free(ace);
		return idna_error(rc);
	}
	n = strlen(ace);
	if ((rc = domain_check(ace, n)) == ADDR_OK)
		rc = put_str(out, outlen, ace, n);
	idn2_free(ace);
	return rc;
}

/* clear - leave an empty string in a caller's buffer after a failure */
static void
clear(char *buf, size_t len)
{
	if (buf != NULL && len > 0)
		buf[0] = '\0';
}

/*
 * addr_domain_norm - normalise a domain name into out (ADDR_BUFSIZE ok).
 * The input is copied before out is written, so in may be out.
 */
int
addr_domain_norm(const char *in, char *out, size_t outlen)
{
	int	 rc;

	if (in == NULL)
		rc = ADDR_EEMPTY;
	else
		rc = domain_parse(in, strlen(in), 1, out, outlen);
	if (rc != ADDR_OK)
		clear(out, outlen);
	return rc;
}

/* dot_atom_ok - 1 when s[0..n) is a dot-atom, ASCII atext or UTF-8 */
static int
dot_atom_ok(const char *s, size_t n)
{
	size_t	 i, k;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i += k) {
		unsigned char	c = (unsigned char)s[i];

		k = 1;
		if (c == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (c >= 0x80) {
			if ((k = mb_seq((const unsigned char *)s + i,
			    n - i)) == 0)
				return 0;
		} else if (!is_atext(c))
			return 0;
	}
	return 1;
}

/*
 * quoted_content - unescape the quoted string in[0..len), quotes
 * included, into buf (ADDR_LOCAL_MAX + 1 octets), lower-cased.
 */
static int
quoted_content(const char *in, size_t len, char *buf, size_t *np)
{
	size_t	 i, k, n = 0;

	if (len < 2 || in[0] != '"' || in[len - 1] != '"')
		return ADDR_ESYNTAX;
	for (i = 1; i < len - 1; i += k) {
		const char	*c = in + i;
		unsigned char	 u = (unsigned char)*c;

		k = 1;
		if (u == '\\') {
			/* quoted-pairSMTP: a backslash and one printable. */
			if (i + 1 >= len - 1)
				return ADDR_ESYNTAX;
			c = in + i + 1;
			u = (unsigned char)*c;
			if (u < 0x20 || u > 0x7e)
				return ADDR_ESYNTAX;
			k = 2;
			if (n + 1 > ADDR_LOCAL_MAX)
				return ADDR_ETOOLONG;
			buf[n++] = (char)to_lower(u);
			continue;
		}
		if (u >= 0x80) {
			if ((k = mb_seq((const unsigned char *)c,
			    len - 1 - i)) == 0)
				return ADDR_ESYNTAX;
		} else if (u < 0x20 || u == 0x7f || u == '"')
			return ADDR_ESYNTAX;
		if (n + k > ADDR_LOCAL_MAX)
			return ADDR_ETOOLONG;
		if (k == 1)
			buf[n++] = (char)to_lower(u);
		else {
			memcpy(buf + n, c, k);
			n += k;
		}
	}
	buf[n] = '\0';
	*np = n;
	return ADDR_OK;
}

/*
 * local_parse - canonical form of the local part in[0..len) into out
 * (ADDR_LOCAL_MAX + 1 octets): a lower-case dot-atom when the content
 * is one, else a quoted string escaping only '"' and '\'.
 */
static int
local_parse(const char *in, size_t len, char *out)
{
	char	 content[ADDR_LOCAL_MAX + 1];
	size_t	 i, n, o, need;
	int	 rc;

	if (len == 0)
		return ADDR_ESYNTAX;
	if (in[0] != '"') {
		if (!dot_atom_ok(in, len))
			return ADDR_ESYNTAX;
		if (len > ADDR_LOCAL_MAX)
			return ADDR_ETOOLONG;
		for (i = 0; i < len; i++)
			out[i] = (char)to_lower((unsigned char)in[i]);
		out[len] = '\0';
		return ADDR_OK;
	}
	if ((rc = quoted_content(in, len, content, &n)) != ADDR_OK)
		return rc;
	if (dot_atom_ok(content, n)) {
		memcpy(out, content, n + 1);
		return ADDR_OK;
	}
	for (need = n + 2, i = 0; i < n; i++)
		if (content[i] == '"' || content[i] == '\\')
			need++;
	if (need > ADDR_LOCAL_MAX)
		return ADDR_ETOOLONG;
	o = 0;
	out[o++] = '"';
	for (i = 0; i < n; i++) {
		if (content[i] == '"' || content[i] == '\\')
			out[o++] = '\\';
		out[o++] = content[i];
	}
	out[o++] = '"';
	out[o] = '\0';
	return ADDR_OK;
}

/*
 * addr_parse - split and normalise in; local gets ADDR_LOCAL_MAX + 1
 * octets, domain ADDR_DOMAIN_MAX + 1.
 */
static int
addr_parse(const char *in, char *local, char *domain)
{
	size_t	 len, at, i;
	int	 rc;

	len = strlen(in);
	if (len > 0 && in[0] == '<') {
		if (len < 2 || in[len - 1] != '>')
			return ADDR_ESYNTAX;
		in++;
		len -= 2;
	}
	if (len == 0)
		return ADDR_EEMPTY;	/* "" or the null sender "<>" */
	if (in[0] == '"') {
		/* A quoted local part ends at its closing quote. */
		for (i = 1; i < len && in[i] != '"'; i++)
			if (in[i] == '\\')
				i++;
		if (i >= len)
			return ADDR_ESYNTAX;
		at = i + 1;
		if (at == len)
			return ADDR_ENOAT;
		if (in[at] != '@')
			return ADDR_ESYNTAX;
	} else {
		for (at = len; at > 0 && in[at - 1] != '@'; at--)
			;
		if (at == 0)
			return ADDR_ENOAT;
		at--;
	}
	if ((rc = local_parse(in, at, local)) != ADDR_OK)
		return rc;
	rc = domain_parse(in + at + 1, len - at - 1, 0, domain,
	    ADDR_DOMAIN_MAX + 1);
	if (rc == ADDR_EEMPTY)
		return ADDR_ESYNTAX;	/* "user@" is not the null sender */
	if (rc != ADDR_OK)
		return rc;
	if (strlen(local) + 1 + strlen(domain) > ADDR_MAX)
		return ADDR_ETOOLONG;
	return ADDR_OK;
}

/*
 * addr_split - normalise like addr_norm, and also give the local part and
 * the domain separately (either pointer may be NULL).
 */
int
addr_split(const char *in, char *local, size_t locallen,
    char *domain, size_t domainlen)
{
	char	 lbuf[ADDR_LOCAL_MAX + 1], dbuf[ADDR_DOMAIN_MAX + 1];
	int	 rc;

	if (in == NULL)
		rc = ADDR_EEMPTY;
	else if ((rc = addr_parse(in, lbuf, dbuf)) == ADDR_OK &&
	    local != NULL)
		rc = put_str(local, locallen, lbuf, strlen(lbuf));
	if (rc == ADDR_OK && domain != NULL)
		rc = put_str(domain, domainlen, dbuf, strlen(dbuf));
	if (rc != ADDR_OK) {
		clear(local, locallen);
		clear(domain, domainlen);
	}
	return rc;
}

/*
 * addr_norm - normalise a full address local@domain into out. The
 * input is parsed into local buffers first, so in may be out.
 */
int
addr_norm(const char *in, char *out, size_t outlen)
{
	char	 lbuf[ADDR_LOCAL_MAX + 1], dbuf[ADDR_DOMAIN_MAX + 1];
	size_t	 llen, dlen;
	int	 rc;

	if (in == NULL)
		rc = ADDR_EEMPTY;
	else
		rc = addr_parse(in, lbuf, dbuf);
	if (rc != ADDR_OK) {
		clear(out, outlen);
		return rc;
	}
	llen = strlen(lbuf);
	dlen = strlen(dbuf);
	if (out == NULL || outlen <= llen + 1 + dlen) {
		clear(out, outlen);
		return ADDR_ESPACE;
	}
	memcpy(out, lbuf, llen);
	out[llen] = '@';
	memcpy(out + llen + 1, dbuf, dlen + 1);
	return ADDR_OK;
}

int
addr_path(const char *in, char *out, size_t outlen)
{
	size_t	 len, i;

	clear(out, outlen);	/* (in and out do not overlap: addr.h) */
	if (in == NULL)
		return ADDR_EEMPTY;
	len = strlen(in);
	in = trim(in, &len);
	if (len > 0 && in[0] == '<') {
		if (len < 2 || in[len - 1] != '>')
			return ADDR_ESYNTAX;
		len -= 2;
		in = trim(in + 1, &len);
	}
	if (len > 0 && in[0] == '@') {
		/* A-d-l ":": "@" domain *("," "@" domain), no quote in it */
		for (i = 0; i < len && in[i] != ':'; i++)
			if (!(is_alnum((unsigned char)in[i]) ||
			    strchr("@,.-[]", in[i]) != NULL))
				return ADDR_ESYNTAX;
		if (i == len)
			return ADDR_ESYNTAX;
		len -= i + 1;
		in = trim(in + i + 1, &len);
	}
	return put_str(out, outlen, in, len);
}

/*
 * addr_domain_of - pointer into normalised, after its last "@" (a
 * normalised domain never holds one, a quoted local part may). Never
 * NULL: without an "@" it is the empty string at the end of normalised.
 */
const char *
addr_domain_of(const char *normalised)
{
	const char	*at;

	if (normalised == NULL)
		return "";
	if ((at = strrchr(normalised, '@')) == NULL)
		return normalised + strlen(normalised);
	return at + 1;
}

/*
 * addr_domain_within - 1 when domain equals parent or ends in "." and
 * parent; both normalised, so octets compare exactly. NULL or empty
 * names are within nothing.
 */
int
addr_domain_within(const char *domain, const char *parent)
{
	size_t	 dlen, plen;

	if (domain == NULL || parent == NULL || *domain == '\0' ||
	    *parent == '\0')
		return 0;
	dlen = strlen(domain);
	plen = strlen(parent);
	if (dlen < plen)
		return 0;
	if (dlen > plen && domain[dlen - plen - 1] != '.')
		return 0;
	return strcmp(domain + dlen - plen, parent) == 0;
}

size_t
addr_domain_chain(const char *domain, char out[][ADDR_BUFSIZE], size_t max)
{
	const char	*p = domain;
	size_t		 n = 0;

	while (p != NULL && *p != '\0' && strchr(p, '.') != NULL) {
		if (n < max)
			snprintf(out[n], ADDR_BUFSIZE, "%s", p);
		n++;
		p = strchr(p, '.') + 1;
	}
	return n;
}

/*
 * addr_internal_norm - Postfix's internal form (the local part never
 * quoted: policy requests' sender= and recipient=) to addr_norm's form.
 * The local part is everything before the last "@"; one that is not a
 * dot-atom is quoted (escaping '"' and '\\'; an empty one is "", as in
 * <""@x>, which Postfix passes as "@x") and the result goes through
 * addr_norm, so "q b@x" here and "\"q b\"@x" there compare equal.
 */
int
addr_internal_norm(const char *in, char *out, size_t outlen)
{
	char	 ext[2 * ADDR_LOCAL_MAX + 3 + ADDR_RAW_MAX + 2];
	const char *at;
	size_t	 llen, dlen, o, i;

	if (in == NULL || *in == '\0') {
		clear(out, outlen);
		return ADDR_EEMPTY;
	}
	if ((at = strrchr(in, '@')) == NULL) {
		clear(out, outlen);
		return ADDR_ENOAT;
	}
	llen = (size_t)(at - in);
	dlen = strlen(at + 1);
	if (llen > ADDR_LOCAL_MAX || dlen > ADDR_RAW_MAX) {
		clear(out, outlen);
		return ADDR_ETOOLONG;
	}
	o = 0;
	if (dot_atom_ok(in, llen)) {
		memcpy(ext, in, llen);
		o = llen;
	} else {
		ext[o++] = '"';
		for (i = 0; i < llen; i++) {
			if (in[i] == '"' || in[i] == '\\')
				ext[o++] = '\\';
			ext[o++] = in[i];
		}
		ext[o++] = '"';
	}
	memcpy(ext + o, at, dlen + 2);		/* "@", domain, NUL */
	return addr_norm(ext, out, outlen);
}

/* addr_strerror - a sentence for an ADDR_E* code (static storage) */
const char *
addr_strerror(int err)
{
	switch (err) {
	case ADDR_OK:
		return "no error";
	case ADDR_EEMPTY:
		return "address or domain is empty";
	case ADDR_ETOOLONG:
		return "address or domain is too long";
	case ADDR_ESYNTAX:
		return "address or domain contains a character or form "
		    "that is not allowed";
	case ADDR_ENOAT:
		return "address has no \"@\"";
	case ADDR_ELABEL:
		return "domain has an empty, over-long or badly hyphenated "
		    "label";
	case ADDR_EIDNA:
		return "domain is not a valid internationalised domain name";
	case ADDR_ESINGLE:
		return "domain has only one label";
	case ADDR_ELITERAL:
		return "address literals are not accepted as domains";
	case ADDR_ESPACE:
		return "output buffer is too small";
	default:
		return "unknown address error";
	}
}
