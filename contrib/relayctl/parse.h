/*
 * NAME
 *	parse - relayctl's pure parsers and formatters (unit-tested)
 * DESCRIPTION
 *	No I/O here: selectors, splitting TXT values, time arguments, rows
 *	of a suppression import, and DKIM tag lists.
 */
#ifndef RELAY_CTL_PARSE_H
#define RELAY_CTL_PARSE_H

#include <stddef.h>
#include <time.h>

#define PARSE_SELECTOR_MAX	64
#define PARSE_TXT_CHUNK		255

/*
 * parse_selector_new - PREFIX + yyyymmdd (UTC) + PARSE_SELECTOR_RAND
 * characters of [a-z2-7] made from the first 20 bits of rnd (rndlen >= 3
 * random bytes, from the caller: this stays a pure function), so a new
 * selector repeats none the domain had, even the same day, but by a
 * chance of one in 2^20 per earlier selector of that day. When it equals
 * cur or next (either may be NULL) the next value is taken. 0, or -1 when
 * the prefix is not [a-z0-9-]* of at most PARSE_SELECTOR_PREFIX_MAX, or
 * out is too short. The longest selector (32 + 8 + 4) with the "r" or
 * "e" of its record names stays well inside a 63-octet DNS label.
 */
#define PARSE_SELECTOR_RAND		4
#define PARSE_SELECTOR_PREFIX_MAX	32
#define PARSE_SELECTOR_RAND_BYTES	3
int	 parse_selector_new(const char *prefix, time_t now,
	    const unsigned char *rnd, size_t rndlen, const char *cur,
	    const char *next, char *out, size_t outlen);

/*
 * parse_txt_split - cut value into character-strings of at most chunk
 * bytes; calls fn for each. Returns the number of strings.
 */
size_t	 parse_txt_split(const char *value, size_t chunk,
	    void (*fn)(const char *s, size_t len, void *arg), void *arg);

/*
 * parse_since - a point in time: epoch seconds, a duration back from now
 * ("90s", "30m", "12h", "7d"), or "YYYY-MM-DD[THH:MM[:SS]][Z]" in UTC
 * (a space for the T too; the Z only after a time). 0 or -1.
 */
int	 parse_since(const char *s, time_t now, time_t *out);

enum {
	PARSE_ROW_SKIP = 0,	/* blank, comment, or the header line */
	PARSE_ROW_OK = 1,
	PARSE_ROW_BAD = -1,	/* this row is bad: report it, go on */
	PARSE_ROW_FATAL = -2	/* the options do not fit the file: stop */
};

/*
 * parse_reasons - the reasons of suppression entries (common/SCHEMA.md),
 * "import" last
 */
#define PARSE_NREASONS	6
extern const char *const parse_reasons[PARSE_NREASONS];

#define PARSE_IMPORT_COLS	256	/* columns read of a CSV row */

/* the columns of a suppression import: the options, then its header */
struct parse_import {
	int		 addr_col;	/* 0-based */
	int		 reason_col;	/* 0-based; -1: none */
	int		 numbered;	/* --column N */
	const char	*reason;	/* --reason: every row's; NULL: none */
	char		 name[64];	/* --column NAME, normalised; "" */
	/* a header's names of the columns taken ("": none, or no header) */
	char		 addr_name[64], reason_name[64];
};

/*
 * parse_import_init - the columns before line 1, from --column (a 1-based
 * number, or a name the header line must have; NULL: found in the
 * header) and --reason (one of parse_reasons for every row; NULL: the
 * reason column's). 0, or -1 and why.
 */
int	 parse_import_init(struct parse_import *im, const char *column,
	    const char *reason, const char **why);

/*
 * parse_import_row - one line of a suppression import, in one of two
 * forms:
 *   - CSV: the address in the first field (quoted or not), an optional
 *     reason in the second (parse_reasons; default import). A first line
 *     whose address field holds no "@" is a header: when it names an
 *     address column ("email", "Email Address", "address", "recipient",
 *     ... in any case, spaces, '_', '-' and '.' aside), that column is
 *     the address and the one named "reason", if any, the reason, every
 *     other column being ignored (the exports of other sending services);
 *     --column N or NAME chooses the address column;
 *   - a line as `relayctl suppress list` prints it (no comma or quote;
 *     ADDRESS REASON [TIME] separated by white space, TIME "YYYY-MM-DD
 *     HH:MM:SSZ" or "-"), whatever --column says.
 * --reason replaces every row's reason. line is modified. addr gets the
 * address as written (the caller normalises it); at the TIME of a list
 * line, else 0; why explains PARSE_ROW_BAD and PARSE_ROW_FATAL.
 */
int	 parse_import_row(struct parse_import *im, char *line,
	    unsigned long lineno, const char **addr, const char **reason,
	    long long *at, const char **why);

/*
 * parse_import_open - 1 when the CSV text s ends inside a quoted field
 * (as field() reads it: a quote that opens a field, "" within it): the
 * row goes on on the next line (RFC 4180 allows line breaks there);
 * first: s is line 1 (its byte order mark passed over)
 */
int	 parse_import_open(const char *s, int first);

/*
 * parse_clean - src[0..len) as valid UTF-8 into dst, which has room for
 * PARSE_CLEAN_MAX(len) bytes; returns the length written (dst is also
 * NUL-terminated). Well-formed UTF-8 is copied as is; every other byte,
 * and NUL, is written as the four characters \xNN (lower-case hex), as
 * log_escape() writes them. Flags:
 *   PARSE_CLEAN_CTRL	also control characters (C0, DEL, C1), for a
 *			terminal: each byte as \xNN
 *   PARSE_CLEAN_INJSON	src is JSON text about to be parsed: an invalid
 *			byte is written \\xNN (a JSON escaped backslash), so
 *			the parsed string holds the same \xNN text
 */
#define PARSE_CLEAN_CTRL	0x1
#define PARSE_CLEAN_INJSON	0x2
#define PARSE_CLEAN_MAX(len)	(5 * (len) + 1)
size_t	 parse_clean(char *dst, const char *src, size_t len, int flags);

/*
 * parse_utf8_cut - the length of the longest prefix of s[0..len) of at
 * most max bytes that does not end inside a UTF-8 sequence
 */
size_t	 parse_utf8_cut(const char *s, size_t len, size_t max);

/*
 * parse_dkim_tag - the value of tag in a DKIM tag list ("v=DKIM1; k=rsa;
 * p=..."), white space removed (RFC 6376 allows folding inside p=).
 * 0, or -1 when the tag is absent or does not fit.
 */
int	 parse_dkim_tag(const char *rec, const char *tag, char *out,
	    size_t outlen);
/*
 * parse_dkim_invalid - why receivers discard the DKIM key record rec (RFC
 * 6376 3.6.1: v= not first or not DKIM1, a tag twice, h= without sha256,
 * s= without email or *), or NULL
 */
const char *parse_dkim_invalid(const char *rec);

/* parse_same_host - a and b name one host (any case, a trailing dot) */
int	 parse_same_host(const char *a, const char *b);

#endif
