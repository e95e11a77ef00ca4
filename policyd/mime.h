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
 *	Either may come as RFC 2231 sections, extended or not
 *	(boundary*0="a"; boundary*1="b", boundary*=us-ascii''%3Dx:
 *	mime_param.h), taken when the plain parameter is absent; a
 *	report-type whose sections do not make one is "?".
 *
 *	mime_cte_parse() and mime_decode() undo base64 and quoted-printable
 *	(RFC 2045 6.7, 6.8): characters outside the base64 alphabet are
 *	skipped, decoding stops at "="; a "=" that starts no escape and no
 *	soft line break is kept as it is.
 *
 *	mime_entity() reads the header of one entity (a message or a body
 *	part): its Content-Type (RFC 2045 5.2, RFC 2046 5.1.5: text/plain,
 *	or message/rfc822 in a multipart/digest, when it has none), its
 *	Content-Transfer-Encoding, and where its body is. mime_is_original()
 *	tells the types that carry a reported or returned message, or only
 *	its header; mime_has_part() whether a multipart has a direct part of
 *	a type. mime_body() gives an entity's body decoded.
 *
 *	mime_walk() goes through a message's MIME tree depth first, in order,
 *	at most depth_max multipart levels deep (so at most that many frames
 *	of recursion), and hands each leaf entity to a callback, until the
 *	callback says the walk is decided or the first multipart/report
 *	ends: a multipart/report whose report-type is one of those sought,
 *	or that has none and a direct part message/TYPE of one of them, is
 *	the report (its leaves are handed over as inside it); a report of
 *	another kind ends the walk unread. What the report readers (arf.c,
 *	dsn.c) walk a message with.
 *
 *	mime_parts_init()/mime_parts_next() split a multipart body (RFC
 *	2046 5.1.1) at its "--boundary" lines (trailing white space
 *	allowed); the preamble and the epilogue after "--boundary--" are
 *	skipped; the line break before a delimiter belongs to it. Without
 *	a close delimiter the last part runs to the end (a truncated
 *	message); a boundary that never occurs gives no part.
 *
 *	mime_msgid() reads a Message-ID value the way both report readers
 *	(arf.c, dsn.c) read the original's: the first "<...>" after CFWS,
 *	not empty, without white space or "<" inside; a value holding a
 *	control character other than tab gives none.
 * SEE ALSO
 *	RFC 2045, RFC 2046, RFC 5322, arf.h, dsn.h
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

/* the header of one entity */
struct mime_entity {
	struct mime_ctype ct;		/* its type, or the default */
	int		 cte;		/* MIME_CTE_* */
	const char	*body;
	size_t		 bodylen;
};

/* mime_hdr_init - walk the header at the start of p (len bytes) */
void	 mime_hdr_init(struct mime_hdr *h, const char *p, size_t len);

/* mime_hdr_next - the next field: 1, or 0 at the end of the header */
int	 mime_hdr_next(struct mime_hdr *h, struct mime_field *f);

/* mime_field_is - 1 when the field's name is name (any case) */
int	 mime_field_is(const struct mime_field *f, const char *name);

/*
 * mime_first_fields - the first field of each name of names[0..n) (at most
 * 32; any case) in the header at the start of p (len bytes), unfolded
 * (mime_unfold: fn may change it), to fn(arg, its index in names, value,
 * length), in the order they come; a later field of a name already seen
 * is passed over.
 * Returns the set of the names found, bit i for names[i].
 */
typedef void mime_field_fn(void *arg, size_t i, char *v, size_t n);
unsigned long mime_first_fields(const char *p, size_t len,
	    const char *const *names, size_t n, mime_field_fn *fn, void *arg);

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

/* mime_has_ctl - 1 when s (n bytes) holds a control character but tab */
int	 mime_has_ctl(const char *s, size_t n);

/* mime_put - s (n bytes) into out when it fits with its NUL, else "" */
void	 mime_put(char *out, size_t outlen, const char *s, size_t n);

/*
 * mime_text - free text for a person (n bytes) into out: every control
 * character (tab, CR, LF, NUL included) a space, a run of spaces one,
 * trimmed, cut to outlen - 1 octets without splitting a UTF-8 sequence
 */
void	 mime_text(char *out, size_t outlen, const char *t, size_t n);

/* mime_hex - the value of a hex digit (either case), or -1 */
int	 mime_hex(unsigned char c);

/*
 * mime_decode - n bytes in encoding cte (BASE64 or QP) decoded into a
 * NUL-terminated heap buffer the caller frees (never longer than n); its
 * length in *outlen. IDENTITY gives a copy.
 */
char	*mime_decode(int cte, const char *p, size_t n, size_t *outlen);

/*
 * mime_skip_empty_lines - past the empty lines at *p (*n bytes); some
 * reports open a part's body with one before its fields
 */
void	 mime_skip_empty_lines(const char **p, size_t *n);

/*
 * mime_msgid - the msg-id of a Message-ID value v (n bytes, unfolded)
 * into out with its angle brackets: 0, or -1 with out "" when there is
 * none, it holds a control character or does not fit in outlen
 */
int	 mime_msgid(const char *v, size_t n, char *out, size_t outlen);

/*
 * mime_walk - the walk of mime_walk(): what to look for, what was found.
 * leaf() is given each leaf entity with in_report 1 inside the report;
 * it returns 1 when the walk is decided.
 */
struct mime_walk {
	const char *const *types;	/* report-types sought, NULL ends */
	int		 depth_max;
	int		(*leaf)(void *arg, const struct mime_entity *e,
			    int in_report);
	void		*arg;
	/* out */
	int		 in_report;	/* the report was found */
	int		 other;		/* a report of another kind ended it */
	char		 other_type[MIME_TOKEN_MAX];	/* its report-type */
	int		 stop;		/* the walk is decided */
};

/* mime_parts_init - the parts of a multipart body of len bytes */
void	 mime_parts_init(struct mime_parts *mp, const char *body, size_t len,
	    const char *boundary);

/* mime_parts_next - the next part (header and body): 1, or 0 when none */
int	 mime_parts_next(struct mime_parts *mp, const char **part,
	    size_t *partlen);

/*
 * mime_entity - the type, encoding and body of the entity p[0..n); digest:
 * it is a part of a multipart/digest
 */
void	 mime_entity(const char *p, size_t n, int digest,
	    struct mime_entity *e);

/*
 * mime_is_original - 1 for message/rfc822, text/rfc822-headers,
 * message/global, message/rfc822-headers and message/global-headers
 */
int	 mime_is_original(const struct mime_entity *e);

/* mime_has_part - 1 when multipart e has a direct part type/subtype */
int	 mime_has_part(const struct mime_entity *e, const char *type,
	    const char *subtype);

/*
 * mime_headers_only - 1 when original e carries only a header (an
 * rfc822-headers or global-headers type), 0 for a whole message
 */
int	 mime_headers_only(const struct mime_entity *e);

/*
 * mime_body - e's body decoded: e's own bytes, or a NUL-terminated heap
 * copy in *buf (NULL when none) the caller frees; its length in *len
 */
const char *mime_body(const struct mime_entity *e, char **buf, size_t *len);

/*
 * mime_walk - walk msg (n bytes) as w says, filling w's results (w's
 * out fields zeroed first)
 */
void	 mime_walk(struct mime_walk *w, const char *msg, size_t n);

#endif
