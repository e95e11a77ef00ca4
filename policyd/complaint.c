/*
 * NAME
 *	complaint - what a complaint report lets relay-unsub -r check
 * DESCRIPTION
 *	See complaint.h.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "complaint.h"

#define MAIL_PREFIX	"unsub+"

/*
 * mail_token - the TOKEN of unsub+TOKEN@DOMAIN when addr is at the
 * unsubscribe domain; 0, or -1
 */
static int
mail_token(const char *addr, const char *domain, char *out, size_t outlen)
{
	const char	*at = strrchr(addr, '@');
	size_t		 plen = sizeof(MAIL_PREFIX) - 1, n;

	if (domain == NULL || *domain == '\0' || at == NULL ||
	    strcasecmp(at + 1, domain) != 0 ||
	    strncasecmp(addr, MAIL_PREFIX, plen) != 0)
		return -1;
	n = (size_t)(at - addr) - plen;
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, addr + plen, n);
	out[n] = '\0';
	return 0;
}

/* url_token - the rest of uri after https_url; 0, or -1 */
static int
url_token(const char *uri, const char *https_url, char *out, size_t outlen)
{
	size_t	 plen;

	if (https_url == NULL || *https_url == '\0')
		return -1;
	plen = strlen(https_url);
	if (strncmp(uri, https_url, plen) != 0 || uri[plen] == '\0' ||
	    strlen(uri + plen) >= outlen)
		return -1;
	strcpy(out, uri + plen);
	return 0;
}

/* add_cand - a candidate recipient, once */
static void
add_cand(struct complaint_plan *p, const char *addr)
{
	int	 i;

	if (*addr == '\0' || p->ncand >= COMPLAINT_CANDS)
		return;
	for (i = 0; i < p->ncand; i++)
		if (strcmp(p->cands[i], addr) == 0)
			return;
	strcpy(p->cands[p->ncand++], addr);
}

void
complaint_plan(const struct arf *a, const char *unsub_domain,
    const char *https_url, struct complaint_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (strcmp(a->feedback_type, "not-spam") == 0) {
		p->why = "a not-spam report";
		return;
	}
	if (url_token(a->unsub_https, https_url, p->url_token,
	    sizeof(p->url_token)) < 0)
		p->url_token[0] = '\0';
	if (mail_token(a->unsub_mailto, unsub_domain, p->mail_token,
	    sizeof(p->mail_token)) < 0)
		p->mail_token[0] = '\0';
	add_cand(p, a->original_rcpt);
	add_cand(p, a->to);
	if (a->message_id[0] != '\0')
		p->msgid = a->message_id;
	if (p->url_token[0] == '\0' && p->mail_token[0] == '\0' &&
	    p->msgid == NULL) {
		p->why = "no List-Unsubscribe of ours and no Message-ID in "
		    "the reported message";
		return;
	}
	p->act = 1;
}
