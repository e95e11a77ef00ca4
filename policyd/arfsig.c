/*
 * NAME
 *	arfsig - the DKIM signer of a complaint report, when relay.conf
 *	trusts it
 * DESCRIPTION
 *	See arfsig.h. libopendkim verifies; its key lookups come here
 *	(dkim_set_key_lookup), so they go to relay.conf's resolver, the
 *	one relayctl's checks ask, and only for listed signers.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <opendkim/dkim.h>

#include "arfsig.h"
#include "dns.h"

/*
 * Key lookups per report, at most: a provider's report carries one or two
 * signatures; one that carries dozens of a listed domain's (made up) is
 * not to cost a DNS query, and maybe a timeout, each
 */
#define ARFSIG_LOOKUPS_MAX	8

/* what a verification's key lookups share (dkim_set_user_context) */
struct lookup {
	const struct conf_unsubscribe *u;
	struct dns	*dns;
	int		 asked;		/* keys looked up so far */
	int		 temp;		/* a listed signer's key: no answer */
};

int
arfsig_listed(const char *d, char *const *list, int n)
{
	size_t	 dl = strlen(d), ll;
	int	 i;

	for (i = 0; i < n; i++) {
		ll = strlen(list[i]);
		if (ll == 0 || ll > dl)
			continue;
		if (strcasecmp(d + dl - ll, list[i]) == 0 &&
		    (dl == ll || d[dl - ll - 1] == '.'))
			return 1;
	}
	return 0;
}

/* key - libopendkim's key lookup: TXT at SELECTOR._domainkey.DOMAIN */
static DKIM_CBSTAT
key(DKIM *d, DKIM_SIGINFO *sig, unsigned char *buf, size_t buflen)
{
	struct lookup	*lk = dkim_get_user_context(d);
	const char	*dom = (const char *)dkim_sig_getdomain(sig);
	const char	*sel = (const char *)dkim_sig_getselector(sig);
	char		 name[600];
	struct dns_txt	 t;
	DKIM_CBSTAT	 r = DKIM_CBSTAT_NOTFOUND;

	if (lk == NULL || dom == NULL || sel == NULL ||
	    !arfsig_listed(dom, lk->u->complaint_signers,
	    lk->u->ncomplaint_signers))
		return DKIM_CBSTAT_NOTFOUND;	/* not asked: not trusted */
	if (lk->asked >= ARFSIG_LOOKUPS_MAX)
		return DKIM_CBSTAT_NOTFOUND;
	lk->asked++;
	if ((size_t)snprintf(name, sizeof(name), "%s._domainkey.%s", sel,
	    dom) >= sizeof(name))
		return DKIM_CBSTAT_NOTFOUND;
	dns_txt(lk->dns, name, &t);
	if (t.status == DNS_ETEMP) {
		lk->temp = 1;
		r = DKIM_CBSTAT_TRYAGAIN;
	} else if (t.status == DNS_FOUND && t.nrr > 0 &&
	    strlen(t.rr[0]) < buflen) {
		memcpy(buf, t.rr[0], strlen(t.rr[0]) + 1);
		r = DKIM_CBSTAT_CONTINUE;
	}
	dns_txt_free(&t);
	return r;
}

/* sha1 - sig is rsa-sha1 (or of an algorithm libopendkim cannot say) */
static int
sha1(DKIM_SIGINFO *sig)
{
	dkim_alg_t alg;

	return dkim_sig_getsignalg(sig, &alg) != DKIM_STAT_OK ||
	    alg == DKIM_SIGN_RSASHA1;
}

/*
 * whole - sig's hashes verified, over the whole body, with an algorithm
 * RFC 8301 lets a verifier accept (not rsa-sha1)
 */
static int
whole(DKIM *d, DKIM_SIGINFO *sig)
{
	ssize_t	 msglen = 0, canonlen = 0, signlen = 0;

	if (sha1(sig))
		return 0;
	if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) == 0 ||
	    dkim_sig_getbh(sig) != DKIM_SIGBH_MATCH)
		return 0;
	if (dkim_sig_getcanonlen(d, sig, &msglen, &canonlen, &signlen) !=
	    DKIM_STAT_OK)
		return 0;
	return signlen < 0 || canonlen >= msglen;
}

/* run - verify msg with lib; the result, signer and why filled in */
static enum arfsig_result
run(DKIM_LIB *lib, struct lookup *lk, char *msg, size_t len, char *signer,
    size_t signerlen, char *why, size_t whylen)
{
	DKIM_SIGINFO	**sigs = NULL;
	DKIM_STAT	 st;
	DKIM		*d;
	const char	*dom;
	int		 i, nsigs = 0, listed = 0, sha1s = 0;
	enum arfsig_result res = ARFSIG_NONE;

	if ((d = dkim_verify(lib, (const unsigned char *)"relay-unsub", NULL,
	    &st)) == NULL) {
		snprintf(why, whylen, "dkim_verify: %s", dkim_getresultstr(st));
		return ARFSIG_TEMP;
	}
	dkim_set_user_context(d, lk);
	st = dkim_chunk(d, (unsigned char *)msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(d, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		(void)dkim_eom(d, NULL);
	if (dkim_getsiglist(d, &sigs, &nsigs) != DKIM_STAT_OK)
		nsigs = 0;
	for (i = 0; i < nsigs; i++) {
		dom = (const char *)dkim_sig_getdomain(sigs[i]);
		if (dom == NULL || !arfsig_listed(dom,
		    lk->u->complaint_signers, lk->u->ncomplaint_signers))
			continue;
		listed++;
		sha1s += sha1(sigs[i]);
		if (whole(d, sigs[i])) {
			snprintf(signer, signerlen, "%s", dom);
			res = ARFSIG_PASS;
			break;
		}
	}
	if (res == ARFSIG_NONE && lk->temp)
		res = ARFSIG_TEMP;
	if (res == ARFSIG_TEMP)
		snprintf(why, whylen, "the DKIM key of a complaint_signers "
		    "domain could not be looked up (dns)");
	else if (res == ARFSIG_NONE && nsigs == 0)
		snprintf(why, whylen, "no DKIM signature (unsubscribe."
		    "complaint_signers is set)");
	else if (res == ARFSIG_NONE && listed == 0)
		snprintf(why, whylen, "no DKIM signature of a "
		    "complaint_signers domain (%d of other domains)", nsigs);
	else if (res == ARFSIG_NONE && sha1s == listed)
		snprintf(why, whylen, "the DKIM signature of a "
		    "complaint_signers domain is rsa-sha1, which RFC 8301 "
		    "forbids");
	else if (res == ARFSIG_NONE)
		snprintf(why, whylen, "the DKIM signature of a "
		    "complaint_signers domain does not verify");
	dkim_free(d);
	return res;
}

enum arfsig_result
arfsig_check(const struct relay_conf *conf, char *msg, size_t len,
    char *signer, size_t signerlen, char *why, size_t whylen)
{
	struct lookup	 lk;
	DKIM_LIB	*lib;
	unsigned int	 fl = DKIM_LIBFLAGS_FIXCRLF;
	const char	*dwhy = NULL;
	enum arfsig_result res;

	signer[0] = '\0';
	memset(&lk, 0, sizeof(lk));
	lk.u = &conf->unsubscribe;
	if ((lk.dns = dns_new(&conf->dns, &dwhy)) == NULL) {
		snprintf(why, whylen, "dns: %s", dwhy);
		return ARFSIG_TEMP;
	}
	if ((lib = dkim_init(NULL, NULL)) == NULL ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &fl,
	    sizeof(fl)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(lib, key) != DKIM_STAT_OK) {
		if (lib != NULL)
			dkim_close(lib);
		dns_free(lk.dns);
		snprintf(why, whylen, "libopendkim: cannot initialise");
		return ARFSIG_TEMP;
	}
	res = run(lib, &lk, msg, len, signer, signerlen, why, whylen);
	dkim_close(lib);
	dns_free(lk.dns);
	return res;
}
