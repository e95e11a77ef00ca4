/*
 * NAME
 *	records - the DNS records a domain publishes, as JSON and as zone lines
 * DESCRIPTION
 *	ctl_domain_records() builds the list relayctl prints after domain
 *	add, domain records and domain rotate-key: the ownership TXT
 *	(relay-verify=TOKEN at the domain itself), one DKIM TXT per stored
 *	key (SELr._domainkey for RSA, SELe._domainkey for Ed25519, made from
 *	the private key in Redis: the private key itself is never printed),
 *	and the recommended SPF (when relayctl.spf_include is set) and DMARC
 *	records. ctl_mx_record() is the MX a domain with a forward-to needs
 *	(relayctl.mx_host). ctl_print_records() writes them as zone-file
 *	lines, long TXT values split into strings of 255 bytes.
 * SEE ALSO
 *	relayctl(8), cmd_domain.c, cmd_verify.c, dkimkey.c
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "dkimkey.h"
#include "parse.h"

#define TTL_HINT	3600

/* add_string - parse_txt_split callback: append to a JSON array */
static void
add_string(const char *s, size_t len, void *arg)
{
	json_array_append_new((json_t *)arg, ctl_jstrn(s, len));
}

/* record - one TXT record as JSON */
static json_t *
record(const char *purpose, int required, const char *name,
    const char *value, const char *note)
{
	json_t	*strings = json_array();

	parse_txt_split(value, PARSE_TXT_CHUNK, add_string, strings);
	return json_pack("{s:s, s:b, s:o, s:s, s:o, s:o, s:s?}", "purpose",
	    purpose, "required", required, "name", ctl_jstr(name), "type",
	    "TXT", "value", ctl_jstr(value), "strings", strings, "note", note);
}

/* dkim_record - the TXT record of a stored key, or NULL */
static json_t *
dkim_record(struct ctl *c, const char *purpose, const char *name,
    const char *pem, int required)
{
	char	 txt[DKIMKEY_TXT_MAX];

	if (pem == NULL)
		return NULL;
	if (dkimkey_txt(pem, txt, sizeof(txt)) != 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", name,
		    "the stored DKIM key does not decode");
	return record(purpose, required, name, txt, NULL);
}

json_t *
ctl_domain_records(struct ctl *c, const char *d, const char *token,
    const char *sel, const char *rsa_pem, const char *ed_pem, int dkim_only)
{
	json_t	*a = json_array(), *r;
	char	 name[300], val[400];
	const char *inc = c->conf->relayctl.spf_include;

	if (!dkim_only) {
		snprintf(val, sizeof(val), "relay-verify=%s", token);
		json_array_append_new(a, record("ownership", 1, d, val, NULL));
	}
	snprintf(name, sizeof(name), "%sr._domainkey.%s", sel, d);
	if ((r = dkim_record(c, "dkim-rsa", name, rsa_pem, 1)) != NULL)
		json_array_append_new(a, r);
	snprintf(name, sizeof(name), "%se._domainkey.%s", sel, d);
	if ((r = dkim_record(c, "dkim-ed25519", name, ed_pem, 1)) != NULL)
		json_array_append_new(a, r);
	if (dkim_only)
		return a;
	if (inc != NULL && *inc != '\0') {
		snprintf(val, sizeof(val), "v=spf1 include:%s ~all", inc);
		json_array_append_new(a, record("spf", 0, d, val,
		    "merge into an existing v=spf1 record: only one is allowed"));
	}
	snprintf(name, sizeof(name), "_dmarc.%s", d);
	json_array_append_new(a, record("dmarc", 0, name, "v=DMARC1; p=none",
	    "a start: p=none only reports; tighten it once mail passes"));
	return a;
}

json_t *
ctl_mx_record(struct ctl *c, const char *d)
{
	const char	*mx = c->conf->relayctl.mx_host;
	char		 val[300];

	if (mx == NULL || *mx == '\0')
		return NULL;
	snprintf(val, sizeof(val), "10 %s.", mx);
	return json_pack("{s:s, s:b, s:o, s:s, s:s, s:[], s:s}", "purpose",
	    "mx", "required", 0, "name", ctl_jstr(d), "type", "MX", "value",
	    val, "strings", "note", "replies go to the forward-to: the "
	    "domain's mail comes to the relay");
}

void
ctl_print_records(struct ctl *c, const char *d, json_t *records)
{
	json_t		*r, *s;
	size_t		 i, j;
	const char	*p, *note;

	(void)c;
	printf("; DNS records for %s. Names are full names with a trailing "
	    "dot;\n; in a DNS provider's form enter only the part before %s "
	    "(\"@\" for %s itself).\n", d, d, d);
	json_array_foreach(records, i, r) {
		note = json_string_value(json_object_get(r, "note"));
		printf("; %s%s%s%s\n", json_string_value(json_object_get(r,
		    "purpose")), json_is_true(json_object_get(r, "required")) ?
		    " (required)" : " (recommended)", note ? ": " : "",
		    note ? note : "");
		if (strcmp(ctl_txf(r, "type", ""), "MX") == 0) {
			printf("%s. %d IN MX %s\n", ctl_txf(r, "name", ""),
			    TTL_HINT, ctl_txf(r, "value", ""));
			continue;
		}
		printf("%s. %d IN TXT", ctl_txf(r, "name", ""), TTL_HINT);
		json_array_foreach(json_object_get(r, "strings"), j, s) {
			fputs(" \"", stdout);
			for (p = ctl_tx(json_string_value(s)); *p; p++) {
				if (*p == '"' || *p == '\\')
					putchar('\\');
				putchar(*p);
			}
			putchar('"');
		}
		putchar('\n');
	}
	printf("; then run: relayctl domain verify %s\n", d);
}
