/*
 * NAME
 *	hdrs - the header fields of one message, as relay-milter saw them
 * DESCRIPTION
 *	See hdrs.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdrs.h"
#include "xalloc.h"

void
hdrs_add(struct hdrs *hs, const char *name, const char *value)
{
	if (strcasecmp(name, "From") == 0)
		hs->nfrom++;
	else if (strcasecmp(name, "List-Unsubscribe") == 0 ||
	    strcasecmp(name, "List-Unsubscribe-Post") == 0)
		hs->has_lu = 1;
	else if (strcasecmp(name, "Date") == 0)
		hs->date_seen = 1;
	else if (strcasecmp(name, "Message-ID") == 0 && !hs->msgid_seen) {
		/*
		 * The identifier alone, as Postfix logs it: <...>; only the
		 * first field, the one Postfix logs, even when too long to keep
		 */
		const char	*p = value + strspn(value, " \t\r\n");
		size_t		 len = strcspn(p, " \t\r\n");

		hs->msgid_seen = 1;
		if (len <= HDRS_MSGID_MAX)
			hs->msgid = xstrndup(p, len);
	}
	if (hs->n == hs->cap) {
		hs->cap = hs->cap ? hs->cap * 2 : 16;
		hs->h = xrealloc(hs->h, hs->cap * sizeof(*hs->h));
	}
	hs->h[hs->n].name = xstrdup(name);
	hs->h[hs->n].value = xstrdup(value);
	hs->n++;
}

int
hdrs_from(const struct hdrs *hs, struct from_result *fr, const char **detail)
{
	size_t	 i;
	int	 e;

	memset(fr, 0, sizeof(*fr));
	if (hs->nfrom == 0) {
		*detail = "the message has no From: header";
		return FROM_ENOADDR;
	}
	if (hs->nfrom > 1) {
		*detail = "the message has more than one From: header";
		return FROM_EMANY;
	}
	for (i = 0; i < hs->n; i++)
		if (strcasecmp(hs->h[i].name, "From") == 0)
			break;
	e = from_parse(hs->h[i].value, strlen(hs->h[i].value), fr);
	*detail = from_strerror(e);
	return e;
}

int
hdrs_originator(const struct hdrs *hs, size_t *pos, struct from_result *fr,
    const char **name, const char **detail)
{
	const struct hdr *h;
	int		 e;

	for (; *pos < hs->n; (*pos)++) {
		h = &hs->h[*pos];
		if (strcasecmp(h->name, "Sender") != 0 &&
		    strcasecmp(h->name, "Resent-From") != 0 &&
		    strcasecmp(h->name, "Resent-Sender") != 0)
			continue;
		(*pos)++;
		memset(fr, 0, sizeof(*fr));
		*name = h->name;
		e = from_parse(h->value, strlen(h->value), fr);
		*detail = from_strerror(e);
		return e;
	}
	return HDRS_NONE;
}

int
hdrs_sign(const struct hdrs *hs, struct signer *sg, const struct hdr *ours,
    size_t n, const char **why)
{
	size_t	 i;

	for (i = 0; i < hs->n; i++)
		if (sign_header_as(sg, hs->h[i].name, hs->h[i].value,
		    hs->leadspc, why) != 0)
			return -1;
	for (i = 0; i < n; i++)
		if (sign_header(sg, ours[i].name, ours[i].value, why) != 0)
			return -1;
	return sign_eoh(sg, why);
}

void
hdrs_free(struct hdrs *hs)
{
	size_t	 i;

	for (i = 0; i < hs->n; i++) {
		free(hs->h[i].name);
		free(hs->h[i].value);
	}
	free(hs->h);
	free(hs->msgid);
	memset(hs, 0, sizeof(*hs));
}
