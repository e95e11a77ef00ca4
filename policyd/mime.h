/*
 * NAME
 *	mime - the pieces of a MIME message a report reader needs (pure)
 * DESCRIPTION
 *	Small tools over a message held in memory, for any bytes (NULs
 *	included; nothing reads past the length given), no I/O, no state:
 *
 *	mime_hdr_init()/mime_hdr_next() walk the header fields of a message
 *	or body part (RFC 5322 2.2) up to the first empty line; lines end
 *	in "\n" or "\r\n"; a line that is not "name:" (an mbox "From "
 *	line, garbage) is skipped with its continuation lines. Afterwards
 *	h.p is where the body begins (the end when there is no empty line).
 *	mime_unfold() gives a value unfolded, without the white space
 *	around it, as a NUL-terminated heap string.
 *
 *	mime_ctype_parse() reads a Content-Type value (RFC 2045 5.1): type
 *	and subtype lower case, comments skipped, parameters as token or
 *	quoted-string (quoted pairs undone); only boundary and report-type
 *	are kept, the first of each. Unquoted values are read leniently up
 *	to ";" or white space (a bare boundary=----=_Part_1 is common).
 *	RFC 2231 parameters (boundary*0=) are not understood.
 *
 *	mime_cte_parse() and mime_decode() undo base64 and quoted-printable
 *	(RFC 2045 6.7, 6.8): characters outside the base64 alphabet are
 *	skipped, decoding stops at "="; a "=" that starts no escape and no
 *	soft line break is kept as it is.
 *
 *	mime_parts_init()/mime_parts_next() split a multipart body (RFC
 *	2046 5.1.1) at its "--boundary" lines (trailing white space
 *	allowed); the preamble and the epilogue after "--boundary--" are
 *	skipped; the line break before a delimiter belongs to it. Without
 *	a close delimiter the last part runs to the end (a truncated
 *	message); a boundary that never occurs gives no part.
 * SEE ALSO
 *	RFC 2045, RFC 2046, RFC 5322, arf.h
 */
#ifndef RELAY_POLICYD_MIME_H
#define RELAY_POLICYD_MIME_H

#include <stddef.h>

/* type, subtype, report-type (RFC 6838 allows 127 octets) */
#define MIME_TOKEN_MAX		128
/* RFC 2046 allows 70; some mailers write longer ones */
#define MIME_BOUNDARY_MAX	200

struct mime_hdr {
	const char	*p;		/* the next line; the body when done */
	const char	*end;
};

struct mime_field {
	const char	*name;		/* the field name, not NUL-terminated */
	size_t		 namelen;
	const char	*value;		/* after ":", folded, no line end */
	size_t		 valuelen;
};

struct mime_ctype {
	char	 type[MIME_TOKEN_MAX];		/* lower case, "" unparsed */
	char	 subtype[MIME_TOKEN_MAX];	/* lower case */
	char	 boundary[MIME_BOUNDARY_MAX + 1];	/* or "" */
	char	 report_type[MIME_TOKEN_MAX];	/* lower case, "" when none */
};

enum {
	MIME_CTE_IDENTITY = 0,		/* 7bit, 8bit, binary, unknown */
	MIME_CTE_BASE64,
	MIME_CTE_QP
};

struct mime_parts {
	const char	*p;		/* where the next part begins */
	const char	*end;
	const char	*b;		/* the boundary (NUL-terminated) */
	size_t		 blen;
	int		 more;		/* 1 while parts remain */
};

/* mime_hdr_init - walk the header at the start of p (len bytes) */
void	 mime_hdr_init(struct mime_hdr *h, const char *p, size_t len);

/* mime_hdr_next - the next field: 1, or 0 at the end of the header */
int	 mime_hdr_next(struct mime_hdr *h, struct mime_field *f);

/* mime_field_is - 1 when the field's name is name (any case) */
int	 mime_field_is(const struct mime_field *f, const char *name);

/*
 * mime_unfold - the value of n bytes with its line breaks removed and the
 * white space around it trimmed, NUL-terminated, in a heap buffer the
 * caller frees; its length (NULs inside count) in *outlen.
 */
char	*mime_unfold(const char *v, size_t n, size_t *outlen);

/*
 * mime_skip_cfws - past white space, line breaks and comments (nested,
 * with quoted pairs; an unclosed one runs to the end) from p
 */
const char *mime_skip_cfws(const char *p, const char *end);

/* mime_ctype_parse - a Content-Type value; 0, or -1 (ct->type "") */
int	 mime_ctype_parse(const char *v, size_t n, struct mime_ctype *ct);

/* mime_cte_parse - a Content-Transfer-Encoding value: MIME_CTE_* */
int	 mime_cte_parse(const char *v, size_t n);

/* mime_hex - the value of a hex digit (either case), or -1 */
int	 mime_hex(unsigned char c);

/*
 * mime_decode - n bytes in encoding cte (BASE64 or QP) decoded into a
 * NUL-terminated heap buffer the caller frees (never longer than n); its
 * length in *outlen. IDENTITY gives a copy.
 */
char	*mime_decode(int cte, const char *p, size_t n, size_t *outlen);

/* mime_parts_init - the parts of a multipart body of len bytes */
void	 mime_parts_init(struct mime_parts *mp, const char *body, size_t len,
	    const char *boundary);

/* mime_parts_next - the next part (header and body): 1, or 0 when none */
int	 mime_parts_next(struct mime_parts *mp, const char **part,
	    size_t *partlen);

#endif
