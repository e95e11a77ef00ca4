/*
 * NAME
 *	dkimcheck - verify relay-milter's signatures in-process (tests only)
 * DESCRIPTION
 *	See dkimcheck.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

#include "dkimcheck.h"
#include "dkimkey.h"

#define REC_MAX		1024

static DKIM_LIB	*vlib;
static char	 vdomain[256], vsel_rsa[70], vsel_ed[70];
static char	 rec_rsa[REC_MAX], rec_ed[REC_MAX];

/* lookup - libopendkim's key lookup, answered from the records we hold */
static DKIM_CBSTAT
lookup(DKIM *d, DKIM_SIGINFO *sig, unsigned char *buf, size_t buflen)
{
	const char *dom = (const char *)dkim_sig_getdomain(sig);
	const char *sel = (const char *)dkim_sig_getselector(sig);
	const char *rec = NULL;

	(void)d;
	if (dom != NULL && sel != NULL && strcasecmp(dom, vdomain) == 0) {
		if (strcmp(sel, vsel_rsa) == 0)
			rec = rec_rsa;
		else if (strcmp(sel, vsel_ed) == 0 && rec_ed[0] != '\0')
			rec = rec_ed;
	}
	if (rec == NULL || strlen(rec) >= buflen)
		return DKIM_CBSTAT_NOTFOUND;
	memcpy(buf, rec, strlen(rec) + 1);
	return DKIM_CBSTAT_CONTINUE;
}

int
dkimcheck_init(const char *domain, const char *sel, const char *rsa_pem,
    const char *ed_pem)
{
	snprintf(vdomain, sizeof(vdomain), "%s", domain);
	snprintf(vsel_rsa, sizeof(vsel_rsa), "%sr", sel);
	snprintf(vsel_ed, sizeof(vsel_ed), "%se", sel);
	rec_ed[0] = '\0';
	if (dkimkey_txt(rsa_pem, rec_rsa, sizeof(rec_rsa)) != 0 ||
	    (ed_pem != NULL && dkimkey_txt(ed_pem, rec_ed, sizeof(rec_ed)) != 0))
		return -1;
	if ((vlib = dkim_init(NULL, NULL)) == NULL)
		return -1;
	if (dkim_set_key_lookup(vlib, lookup) != DKIM_STAT_OK) {
		dkimcheck_close();
		return -1;
	}
	return 0;
}

void
dkimcheck_close(void)
{
	if (vlib != NULL)
		dkim_close(vlib);
	vlib = NULL;
}

/* field - "Name: value" CRLF, the value's folds (a lone LF) as CRLF */
static void
field(FILE *fp, const char *name, const char *value)
{
	const char *p;

	fprintf(fp, "%s: ", name);
	for (p = value; *p; p++) {
		if (*p == '\n' && (p == value || p[-1] != '\r'))
			fputc('\r', fp);
		fputc(*p, fp);
	}
	fputs("\r\n", fp);
}

char *
dkimcheck_assemble(const struct hdrs *hs, const char *const *sigs, int nsig,
    const struct hdr *ours, size_t nours, const char *body, size_t bodylen,
    size_t *len)
{
	char	*buf = NULL;
	FILE	*fp;
	size_t	 i;
	int	 k;

	if ((fp = open_memstream(&buf, len)) == NULL)
		abort();
	for (k = 0; k < nsig; k++)
		field(fp, "DKIM-Signature", sigs[k]);
	for (i = 0; i < hs->n; i++)
		field(fp, hs->h[i].name, hs->h[i].value);
	for (i = 0; i < nours; i++)
		field(fp, ours[i].name, ours[i].value);
	fputs("\r\n", fp);
	fwrite(body, 1, bodylen, fp);
	if (fclose(fp) != 0)
		abort();
	return buf;
}

int
dkimcheck_verify(const char *msg, size_t len, int *nsig, const char **why)
{
	DKIM_SIGINFO	**sigs;
	DKIM_STAT	 st;
	DKIM		*d;
	int		 n = 0, i, pass = 0;

	*nsig = 0;
	if ((d = dkim_verify(vlib, (const unsigned char *)"dkimcheck", NULL,
	    &st)) == NULL) {
		*why = dkim_getresultstr(st);
		return -1;
	}
	st = dkim_chunk(d, (unsigned char *)(uintptr_t)msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(d, NULL, 0);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(d, NULL);
	if (st != DKIM_STAT_OK && st != DKIM_STAT_BADSIG &&
	    st != DKIM_STAT_NOSIG && st != DKIM_STAT_CANTVRFY) {
		*why = dkim_getresultstr(st);
		dkim_free(d);
		return -1;
	}
	if (dkim_getsiglist(d, &sigs, &n) == DKIM_STAT_OK)
		for (i = 0; i < n; i++)
			if (DKIM_SIG_CHECK(sigs[i]))
				pass++;
	*nsig = n;
	dkim_free(d);
	return pass;
}
