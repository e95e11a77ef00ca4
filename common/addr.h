/*
 * NAME
 *	addr - parse and normalise mail addresses and domain names
 * DESCRIPTION
 *	The one place that decides what a domain or an address is, and how
 *	two of them compare. Every program normalises before it compares or
 *	builds a Redis key.
 *
 *	Domains: surrounding white space and one trailing dot are removed,
 *	ASCII is lower-cased, a UTF-8 (U-label) name is converted to its
 *	IDNA A-label form (xn--...) with libidn2, and the result must be a
 *	host name: labels of letters, digits and hyphens (no leading or
 *	trailing hyphen), 1..63 octets each, at least two labels, at most 253
 *	octets in all. An address literal ([192.0.2.1]) is not a domain here.
 *
 *	Addresses: an optional pair of angle brackets is removed; the local
 *	part is a dot-atom or a quoted string (RFC 5321), at most 64 octets;
 *	the domain is normalised as above. ASCII letters of the whole
 *	address are lower-cased for comparison and keys: mailbox providers
 *	treat local parts as case-insensitive in practice, and Postfix
 *	lower-cases lookup keys. Other UTF-8 in a local part is kept as it
 *	is (no case folding, no Unicode normalisation): "Ü@x" and "ü@x" are
 *	two addresses.
 *	Total at most 254 octets.
 *
 *	Functions return 0 or a negative ADDR_E* code; addr_strerror() turns
 *	one into a sentence fit for a reply, a log line or a CLI error.
 */
#ifndef RELAY_ADDR_H
#define RELAY_ADDR_H

#include <stddef.h>

#define ADDR_LOCAL_MAX	64
#define ADDR_LABEL_MAX	63
#define ADDR_DOMAIN_MAX	253
#define ADDR_MAX	254
/* Buffer size that holds any normalised address or domain and its NUL. */
#define ADDR_BUFSIZE	(ADDR_MAX + 1)

enum {
	ADDR_OK = 0,
	ADDR_EEMPTY = -1,	/* nothing there */
	ADDR_ETOOLONG = -2,	/* over a length limit */
	ADDR_ESYNTAX = -3,	/* a character or form that is not allowed */
	ADDR_ENOAT = -4,	/* an address without "@" */
	ADDR_ELABEL = -5,	/* empty, over-long or badly hyphenated label */
	ADDR_EIDNA = -6,	/* U-label that IDNA2008 refuses, or a bad A-label */
	ADDR_ESINGLE = -7,	/* a domain with one label only */
	ADDR_ELITERAL = -8,	/* an address literal, [192.0.2.1] */
	ADDR_ESPACE = -9	/* output buffer too small */
};

/* addr_domain_norm - normalise a domain name into out (ADDR_BUFSIZE ok) */
int	 addr_domain_norm(const char *in, char *out, size_t outlen);

/* addr_norm - normalise a full address local@domain into out */
int	 addr_norm(const char *in, char *out, size_t outlen);

/*
 * addr_split - normalise like addr_norm, and also give the local part and
 * the domain separately (either pointer may be NULL).
 */
int	 addr_split(const char *in, char *local, size_t locallen,
	    char *domain, size_t domainlen);

/*
 * addr_path - the mailbox of an SMTP envelope path as a client may send it
 * and Postfix accepts it (RFC 5321 Path): the angle brackets, white space
 * inside them and an obsolete source route (<@a.example,@b.example:u@d>,
 * which Postfix drops, delivering to u@d) are removed; nothing else is
 * changed, so the result is for addr_norm or addr_split ("<>" gives "").
 * ADDR_OK, ADDR_ESYNTAX (a bracket or a route left open), ADDR_ESPACE.
 * in and out must not overlap.
 */
int	 addr_path(const char *in, char *out, size_t outlen);

/*
 * addr_internal_norm - normalise an address in Postfix's internal form,
 * whose local part is never quoted (the sender= and recipient= of a
 * policy request: "q b@example.com"), to what addr_norm gives for the
 * same address as a client writes it ("\"q b\"@example.com").
 */
int	 addr_internal_norm(const char *in, char *out, size_t outlen);

/* addr_domain_of - pointer to the domain part of a normalised address */
const char *addr_domain_of(const char *normalised);

/*
 * addr_domain_within - 1 when domain equals parent or is a subdomain of
 * it (both normalised), else 0. "a.example.com" is within "example.com",
 * "badexample.com" is not.
 */
int	 addr_domain_within(const char *domain, const char *parent);

/*
 * ADDR_CHAIN_MAX - most domains looked up for one sender domain: itself
 * and its parents. relay-milter refuses a sender domain with more (over
 * 17 labels); relay-policyd leaves it to that refusal.
 */
#define ADDR_CHAIN_MAX	16

/*
 * addr_domain_chain - domain (normalised) and its parents of two labels or
 * more, the nearest first, into out (at most max of them): "a.b.example"
 * gives "a.b.example", "b.example". Returns how many there are; more than
 * max means the rest were not written (the caller refuses).
 */
size_t	 addr_domain_chain(const char *domain, char out[][ADDR_BUFSIZE],
	    size_t max);

/* addr_strerror - a sentence for an ADDR_E* code (static storage) */
const char *addr_strerror(int err);

#endif
