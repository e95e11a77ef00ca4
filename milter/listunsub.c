/*
 * NAME
 *	listunsub - the List-Unsubscribe header values and the return path
 * DESCRIPTION
 *	See listunsub.h.
 * SEE ALSO
 *	token.h, RFC 2369, RFC 8058
 */
#include <stdio.h>

#include "listunsub.h"
#include "token.h"

int
listunsub_build(const struct conf_unsubscribe *u, const char *handle,
    const char *rcpt, char *lu, size_t lulen, char *post, size_t postlen)
{
	char	 mt[TOKEN_MAIL_MAX + 1], ut[TOKEN_URL_MAX + 1];
	int	 n;

	lu[0] = '\0';
	post[0] = '\0';
	if (u->domain == NULL || u->domain[0] == '\0' || u->hmac_key == NULL ||
	    u->hmac_key[0] == '\0')
		return -1;
	if (token_mail(u->hmac_key, handle, rcpt, mt, sizeof(mt)) < 0)
		return -1;
	if (u->https_url == NULL || u->https_url[0] == '\0') {
		n = snprintf(lu, lulen, "<mailto:unsub+%s@%s>", mt, u->domain);
		return n > 0 && (size_t)n < lulen ? 0 : -1;
	}
	if (token_url(u->hmac_key, handle, rcpt, ut, sizeof(ut)) < 0)
		return -1;
	n = snprintf(lu, lulen, "<mailto:unsub+%s@%s>, <%s%s>", mt, u->domain,
	    u->https_url, ut);
	/*
	 * Folded between the two URIs when the field would pass 998 octets:
	 * smtp(8) would break the line there (inside the URL), and
	 * unfolding keeps the blank it inserted. The relaxed header
	 * canonicalization reads ",\n\t<" as ", <": either way one value.
	 */
	if (n > 0 && sizeof("List-Unsubscribe: ") - 1 + (size_t)n >
	    LISTUNSUB_LINE_MAX)
		n = snprintf(lu, lulen, "<mailto:unsub+%s@%s>,\n\t<%s%s>", mt,
		    u->domain, u->https_url, ut);
	if (n <= 0 || (size_t)n >= lulen) {
		lu[0] = '\0';
		return -1;
	}
	n = snprintf(post, postlen, "List-Unsubscribe=One-Click");
	return n > 0 && (size_t)n < postlen ? 0 : -1;
}

int
listunsub_return_path(const struct conf_unsubscribe *u, const char *handle,
    const char *qid, char *out, size_t outlen)
{
	char	 t[TOKEN_BOUNCE_MAX + 1];
	int	 n;

	out[0] = '\0';
	if (u->domain == NULL || u->domain[0] == '\0' || u->hmac_key == NULL ||
	    u->hmac_key[0] == '\0' ||
	    token_bounce(u->hmac_key, handle, qid, t, sizeof(t)) < 0)
		return -1;
	n = snprintf(out, outlen, "<b+%s@%s>", t, u->domain);
	if (n <= 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
