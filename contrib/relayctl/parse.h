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
 * parse_selector_new - PREFIX + yyyymmdd (UTC) + a letter, the first
 * letter whose selector differs from cur and next (either may be NULL).
 * 0, or -1 when the prefix is not [a-z0-9-]* or all 26 letters are taken.
 */
int	 parse_selector_new(const char *prefix, time_t now, const char *cur,
	    const char *next, char *out, size_t outlen);

/*
 * parse_txt_split - cut value into character-strings of at most chunk
 * bytes; calls fn for each. Returns the number of strings.
 */
size_t	 parse_txt_split(const char *value, size_t chunk,
	    void (*fn)(const char *s, size_t len, void *arg), void *arg);

/*
 * parse_since - a point in time: epoch seconds, a duration back from now
 * ("90s", "30m", "12h", "7d"), or "YYYY-MM-DD[THH:MM[:SS]]" in UTC.
 * 0 or -1.
 */
int	 parse_since(const char *s, time_t now, time_t *out);

enum {
	PARSE_ROW_SKIP = 0,	/* blank, comment, or the header line */
	PARSE_ROW_OK = 1,
	PARSE_ROW_BAD = -1
};

/*
 * parse_import_row - one line of a suppression import: an address, or a
 * CSV row whose first field is the address (quoted or not) and whose
 * optional second field is a reason (hard_bounce, soft_bounce_limit,
 * unsubscribe, admin, import; default import). line is modified. A first
 * line whose first field holds no "@" is a header (lineno 1 only). addr
 * gets the address as written (the caller normalises it); why explains a
 * PARSE_ROW_BAD.
 */
int	 parse_import_row(char *line, unsigned long lineno, const char **addr,
	    const char **reason, const char **why);

/*
 * parse_dkim_tag - the value of tag in a DKIM tag list ("v=DKIM1; k=rsa;
 * p=..."), white space removed (RFC 6376 allows folding inside p=).
 * 0, or -1 when the tag is absent or does not fit.
 */
int	 parse_dkim_tag(const char *rec, const char *tag, char *out,
	    size_t outlen);

#endif
