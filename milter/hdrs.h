/*
 * NAME
 *	hdrs - the header fields of one message, as relay-milter saw them
 * DESCRIPTION
 *	hdrs_add() keeps each field Postfix sends (name, and the value as
 *	libmilter gives it: leading space removed, folds as LF + WSP) and
 *	notes on the way what the checks need: how many From: fields, whether
 *	the message carries its own List-Unsubscribe(-Post), the first
 *	Message-ID, whether it has a Date. hdrs_from() is the one From: address or why there is none;
 *	hdrs_sign() feeds every field, then ours, to a signer in the order the
 *	delivered message will have them (milter/mlfi.c appends our fields
 *	after the last one).
 *
 *	No I/O and no state outside the struct: tests/fuzz/fuzz_headers.c
 *	feeds it arbitrary header blocks and checks the signatures verify.
 * SEE ALSO
 *	from.h, sign.h, mlfi.c
 */
#ifndef RELAY_MILTER_HDRS_H
#define RELAY_MILTER_HDRS_H

#include <stddef.h>

#include "from.h"
#include "sign.h"

struct hdr {
	char	*name;
	char	*value;
};

struct hdrs {
	struct hdr	*h;
	size_t		 n, cap;
	int		 nfrom;		/* From: fields */
	int		 has_lu;	/* List-Unsubscribe or -Post of its own */
	int		 msgid_seen;	/* a Message-ID field came */
	int		 date_seen;	/* a Date field came */
	int		 leadspc;	/* values carry their own leading white
					   space (SMFIP_HDR_LEADSPC): signed
					   as "Name:" and the value */
	char		*msgid;		/* the first Message-ID, trimmed; or NULL
					   (none, or longer than
					   HDRS_MSGID_MAX) */
};

/*
 * The longest Message-ID kept (recorded for relayctl status, 30 days):
 * what the index key relay:{x:ID}:msgid holds. Real ones are under 100
 * octets; a longer one is not kept rather than cost Redis its length for
 * every message (one member could fill the shared Redis with them).
 */
#define HDRS_MSGID_MAX	400

/* hdrs_add - keep one field (copied) */
void	 hdrs_add(struct hdrs *, const char *name, const char *value);

/*
 * hdrs_from - FROM_OK with the one From: address in *fr; else a FROM_E*
 * code (FROM_ENOADDR: no From: field, FROM_EMANY: two or more fields, or
 * what from_parse() says of the one) with a sentence in *detail.
 */
int	 hdrs_from(const struct hdrs *, struct from_result *fr,
	    const char **detail);

/*
 * hdrs_originator - the next originator field after From: (Sender:,
 * Resent-From:, Resent-Sender:) from *pos on: its name in *name, and
 * what from_parse() makes of it (FROM_OK with the address in *fr, else a
 * FROM_E* code with a sentence in *detail); *pos moves past it.
 * HDRS_NONE when there is no further one. A reader's client shows these
 * as the author too ("X on behalf of Y"): they are held to From:'s rule.
 */
#define HDRS_NONE	1
int	 hdrs_originator(const struct hdrs *, size_t *pos,
	    struct from_result *fr, const char **name, const char **detail);

/*
 * hdrs_sign - every field to the signer in order, then the n fields of
 * ours (ownhdrs.h: what mlfi.c appends after them), then the end of the
 * headers. 0, or -1 with *why from the signer.
 */
int	 hdrs_sign(const struct hdrs *, struct signer *, const struct hdr *ours,
	    size_t n, const char **why);

/* hdrs_free - free the fields and zero the struct (ready for hdrs_add) */
void	 hdrs_free(struct hdrs *);

#endif
