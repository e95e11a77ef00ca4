/*
 * NAME
 *	ownhdrs - the header fields relay-milter adds to a member's message
 * DESCRIPTION
 *	Message-ID and Date when the message has none (RFC 5322 3.6 requires
 *	Date; receivers such as Gmail refuse mail without a Message-ID, and
 *	Postfix adds them only for local_header_rewrite_clients or with
 *	always_add_missing_headers = yes, which the documented submission
 *	service does not use), then List-Unsubscribe and
 *	List-Unsubscribe-Post (listunsub.h). mlfi.c appends them after the
 *	message's last field and hdrs_sign() signs them there, in the order
 *	ownhdrs_fields() gives. Pure: no I/O, no state.
 */
#ifndef RELAY_MILTER_OWNHDRS_H
#define RELAY_MILTER_OWNHDRS_H

#include <stddef.h>
#include <time.h>

#include "hdrs.h"
#include "listunsub.h"

#define OWNHDRS_MAX		4	/* fields at most */
#define OWNHDRS_RANDOM_HEX	16	/* hex digits: a Message-ID's random part */

struct ownhdrs {
	char	 msgid[300];	/* "<UTC.HEX@DOMAIN>", or "" */
	char	 date[40];	/* RFC 5322 date-time, or "" */
	char	 lu[LISTUNSUB_MAX];
	char	 post[64];
};

/*
 * ownhdrs_msgid - "<YYYYMMDDhhmmss.HEX@DOMAIN>" into o->msgid: now in UTC,
 * OWNHDRS_RANDOM_HEX hex digits (64 random bits: unique without a queue
 * id, which Postfix may not have sent yet), the signing domain (lower
 * case, as relay.conf and Redis keep it). 0, or -1 when hex or domain is
 * not fit for a Message-ID (RFC 5322 3.6.4 dot-atoms).
 */
int	 ownhdrs_msgid(struct ownhdrs *o, time_t now, const char *hex,
	    const char *domain);
/* ownhdrs_date - now as "Sun, 06 Dec 2026 10:58:00 +0000" into o->date */
int	 ownhdrs_date(struct ownhdrs *o, time_t now);

/* ownhdrs_fields - the fields set, in the order they are added; count */
size_t	 ownhdrs_fields(const struct ownhdrs *o, struct hdr out[OWNHDRS_MAX]);

#endif
