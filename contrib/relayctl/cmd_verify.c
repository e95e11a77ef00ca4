/*
 * NAME
 *	cmd_verify - relayctl domain verify DOMAIN [--watch]
 * DESCRIPTION
 *	Gathers the facts (the domain's record and keys from Redis, the TXT
 *	records from the resolver in relay.conf's dns section), lets
 *	verify.c decide, prints every check, and applies the verdict with
 *	one script: the required records right (ownership and the active
 *	selector's DKIM keys: a domain must not send signed with keys no
 *	receiver can find) set verified_at (once: the warming tiers count
 *	from it, and relay-milter lets the domain send from then on), a
 *	pending DKIM selector whose records are published becomes the active
 *	one. The script writes only while
 *	the record still holds the token and member the checks were made
 *	for: a domain removed and enrolled again meanwhile is not marked.
 *
 *	--watch re-checks every relayctl.verify_interval until the required
 *	checks pass or relayctl.verify_timeout is over, like the service's
 *	labeler. Exit 0 when every required check is ok, 1 when one is
 *	missing or wrong, 2 when DNS or Redis could not be asked.
 * SEE ALSO
 *	verify.c, dns.c, relayctl(8)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "ctl.h"
#include "dkimkey.h"
#include "dns.h"
#include "verify.h"
#include "xalloc.h"

struct facts {
	char		*token, *member, *sel, *next, *forward;
	char		 rsa[DKIMKEY_TXT_MAX], ed[DKIMKEY_TXT_MAX];
	char		 nrsa[DKIMKEY_TXT_MAX], ned[DKIMKEY_TXT_MAX];
	int		 has_rsa, has_ed, has_nrsa, has_ned;
	struct dns_txt	 txt[VN__COUNT];
};

/* key_txt - the TXT value of the stored key SEL:KIND, or 0 when absent */
static int
key_txt(struct ctl *c, json_t *keys, const char *sel, const char *kind,
    char *out)
{
	char		 f[100];
	const char	*pem;

	snprintf(f, sizeof(f), "%s:%s", sel, kind);
	if ((pem = json_string_value(json_object_get(keys, f))) == NULL)
		return 0;
	if (dkimkey_txt(pem, out, DKIMKEY_TXT_MAX) != 0)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", f,
		    "the stored DKIM key does not decode");
	return 1;
}

/* gather_redis - the domain's token, selectors and public keys */
static void
gather_redis(struct ctl *c, const char *d, const char *arg, struct facts *f)
{
	char	 key[RKEY_MAX], dk[RKEY_MAX];
	json_t	*keys;

	ctl_key(c, key, RKEY_DOMAIN, d, NULL);
	ctl_key(c, dk, RKEY_DKIM, d, NULL);
	if ((f->token = ctl_hget(c, key, "token")) == NULL)
		ctl_user(c, "unknown_domain", arg, "domain not enrolled");
	if ((f->member = ctl_hget(c, key, "member")) == NULL)
		f->member = xstrdup("");
	f->sel = ctl_hget(c, key, "selector");
	f->next = ctl_hget(c, key, "next_selector");
	f->forward = ctl_hget(c, key, "forward_to");
	if (f->sel == NULL)
		f->sel = xstrdup("");
	keys = ctl_hgetall(c, dk);
	f->has_rsa = key_txt(c, keys, f->sel, "rsa", f->rsa);
	f->has_ed = key_txt(c, keys, f->sel, "ed25519", f->ed);
	if (f->next != NULL && *f->next != '\0') {
		f->has_nrsa = key_txt(c, keys, f->next, "rsa", f->nrsa);
		f->has_ned = key_txt(c, keys, f->next, "ed25519", f->ned);
	}
	json_decref(keys);
}

/* facts_free - what gather_* allocated */
static void
facts_free(struct facts *f)
{
	size_t	 i;

	for (i = 0; i < VN__COUNT; i++)
		dns_txt_free(&f->txt[i]);
	free(f->token);
	free(f->member);
	free(f->sel);
	free(f->next);
	free(f->forward);
	memset(f, 0, sizeof(*f));
}

/* ctl_check_json - one check as JSON (domain verify, host check) */
json_t *
ctl_check_json(const struct verify_check *k)
{
	/* name, expect and fix quote Redis and DNS: any bytes */
	return json_pack("{s:s, s:s, s:b, s:s, s:o, s:o, s:o?, s:o?}",
	    "check", k->id, "type", k->type, "required", k->required, "state",
	    verify_state_name(k->state), "name", ctl_jstr(k->name), "expect",
	    ctl_jstr(k->expect), "found", ctl_jstr(k->found[0] ? k->found :
	    NULL), "fix", ctl_jstr(k->fix[0] ? k->fix : NULL));
}

/* print_text - the checks for people */
static void
print_text(const char *d, const struct facts *f, const struct verify_out *o)
{
	const struct verify_check *k;
	size_t	 i;

	printf("domain %s, DKIM selector %s%s%s\n", d, ctl_tx(f->sel),
	    f->next && *f->next ? ", pending " : "",
	    f->next && *f->next ? ctl_tx(f->next) : "");
	for (i = 0; i < o->n; i++) {
		k = &o->checks[i];
		printf("  %-8s %-18s %s%s\n", verify_state_name(k->state), k->id,
		    ctl_tx(k->name), k->required ? "" : " (recommended)");
		if (k->state == VERIFY_OK)
			continue;
		if (k->found[0])
			printf("           found:   %s\n", ctl_tx(k->found));
		if (k->fix[0])
			printf("           fix:     %s\n", ctl_tx(k->fix));
		if (strcmp(k->type, "MX") == 0)
			printf("           publish: %s MX %s\n", ctl_tx(k->name),
			    ctl_tx(k->expect));
		else
			printf("           publish: %s TXT \"%s\"\n",
			    ctl_tx(k->name), ctl_tx(k->expect));
	}
}

/* verify_once - one round: look up, decide, apply; returns the exit code */
static int
verify_once(struct ctl *c, struct dns *dns, const char *d, const char *arg,
    int print, int *unknown)
{
	struct facts	 f;
	struct verify_in in;
	struct verify_out o;
	char		 name[400], now[24];
	const char	*keys[2], *args[5];
	char		 kb[2][RKEY_MAX];
	redisReply	*r;
	long long	 verified_at = 0;
	json_t		*checks;
	size_t		 i;
	int		 rc;

	memset(&f, 0, sizeof(f));
	gather_redis(c, d, arg, &f);
	memset(&in, 0, sizeof(in));
	in.domain = d;
	in.token = f.token;
	in.selector = f.sel;
	in.rsa_txt = f.has_rsa ? f.rsa : NULL;
	in.ed_txt = f.has_ed ? f.ed : NULL;
	in.next_selector = f.next;
	in.next_rsa_txt = f.has_nrsa ? f.nrsa : NULL;
	in.next_ed_txt = f.has_ned ? f.ned : NULL;
	in.spf_include = c->conf->relayctl.spf_include;
	if (f.forward != NULL && *f.forward != '\0')
		in.mx_host = c->conf->relayctl.mx_host;
	for (i = 0; i < VN__COUNT; i++) {
		f.txt[i].status = DNS_NONE;
		if (verify_name(&in, (enum verify_name)i, name,
		    sizeof(name)) != 0)
			continue;
		if (i == VN_MX)
			dns_mx(dns, name, &f.txt[i]);
		else
			dns_txt(dns, name, &f.txt[i]);
	}
	verify_decide(&in, f.txt, &o);

	ctl_key(c, kb[0], RKEY_DOMAIN, d, NULL);
	ctl_key(c, kb[1], RKEY_DKIM, d, NULL);
	keys[0] = kb[0];
	keys[1] = kb[1];
	snprintf(now, sizeof(now), "%lld", (long long)clock_now());
	args[0] = now;
	/*
	 * Verified: ownership and the DKIM keys mail will be signed with,
	 * which are the pending selector's when this run switches to it.
	 */
	args[1] = o.required_ok || (o.ownership_ok && o.next_ok) ? "1" : "0";
	args[2] = o.next_ok ? f.next : "";
	args[3] = f.token;
	args[4] = f.member;
	r = ctl_script(c, "ctl_domain_verified", 2, keys, 5, args);
	if (r->type == REDIS_REPLY_INTEGER && r->integer < 0) {
		freeReplyObject(r);
		ctl_user(c, "domain_changed", arg, "the domain changed during "
		    "verification (removed and enrolled again: another token "
		    "or member): nothing marked; run domain verify again");
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		freeReplyObject(r);
		ctl_user(c, "unknown_domain", arg, "domain removed meanwhile");
	}
	verified_at = atoll(r->element[0]->str ? r->element[0]->str : "0");
	freeReplyObject(r);

	rc = o.required_ok ? CTL_EXIT_OK : o.unknown ? CTL_EXIT_BACKEND :
	    CTL_EXIT_USER;
	if (unknown != NULL)
		*unknown = o.unknown;
	if (!print) {
		facts_free(&f);
		return rc;
	}
	if (c->json) {
		checks = json_array();
		for (i = 0; i < o.n; i++)
			json_array_append_new(checks,
			    ctl_check_json(&o.checks[i]));
		ctl_emit(c, json_pack("{s:s, s:o, s:o?, s:b, s:I, s:b, s:b, "
		    "s:o}", "domain", d, "selector", ctl_jstr(f.sel),
		    "next_selector", ctl_jstr(f.next && *f.next ? f.next :
		    NULL), "verified",
		    verified_at > 0, "verified_at", (json_int_t)verified_at,
		    "ready", o.required_ok, "rotated", o.next_ok, "checks",
		    checks));
	} else {
		print_text(d, &f, &o);
		if (o.next_ok)
			printf("DKIM selector %s is published: mail is now "
			    "signed with it. Keep the %s records published "
			    "for at least Postfix's maximal_queue_lifetime (5 "
			    "days by default): mail signed with them may still "
			    "be queued or checked later; remove them after "
			    "that\n", ctl_tx(f.next), ctl_tx(f.sel));
		if (verified_at > 0)
			printf("verified: at %s\n", ctl_time(verified_at));
		else if (o.ownership_ok)
			printf("verified: not yet; ownership is proven, and the "
			    "domain sends once its DKIM records are published "
			    "too\n");
		else
			printf("verified: no\n");
		printf("result: %s\n", o.required_ok ? "ready to send" :
		    o.unknown ? "could not check everything (DNS failure)" :
		    "records missing or wrong");
	}
	facts_free(&f);
	return rc;
}

int
ctl_verify_once(struct ctl *c, const char *d, int *unknown)
{
	struct dns	*dns;
	const char	*why = "";
	int		 rc;

	if ((dns = dns_new(&c->conf->dns, &why)) == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", "dns.nameserver", "%s",
		    why);
	rc = verify_once(c, dns, d, d, 0, unknown);
	dns_free(dns);
	return rc;
}

int
cmd_domain_verify(struct ctl *c, int argc, char **argv)
{
	const char	*watch = NULL, *pending = NULL, *pos[1], *why = "";
	struct ctl_opt	 opts[] = { { "watch", 0, &watch },
			    { "pending", 0, &pending }, { NULL, 0, NULL } };
	char		 d[ADDR_BUFSIZE];
	struct dns	*dns;
	int64_t		 end;
	int		 rc, n;

	n = ctl_args(c, argc, argv, opts, pos, 0, 1, "domain verify DOMAIN "
	    "[--watch] | domain verify --pending");
	if (pending != NULL && n == 0 && watch == NULL)
		return ctl_verify_pending(c);
	if (pending != NULL || n == 0)
		ctl_user(c, "usage", NULL, "%s (usage: relayctl domain verify "
		    "DOMAIN [--watch] | domain verify --pending)", n == 0 ?
		    "missing argument" : "--pending takes no DOMAIN");
	ctl_domain(c, pos[0], d, sizeof(d));
	if ((dns = dns_new(&c->conf->dns, &why)) == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", "dns.nameserver", "%s",
		    why);
	if (watch == NULL) {
		rc = verify_once(c, dns, d, pos[0], 1, NULL);
		dns_free(dns);
		return rc;
	}
	end = clock_mono_ms() + (int64_t)c->conf->relayctl.verify_timeout_s *
	    1000;
	for (;;) {
		rc = verify_once(c, dns, d, pos[0], !c->json, NULL);
		if (rc == CTL_EXIT_OK || clock_mono_ms() +
		    (int64_t)c->conf->relayctl.verify_interval_s * 1000 > end)
			break;
		if (!c->json) {
			printf("not ready; checking again in %d s\n\n",
			    c->conf->relayctl.verify_interval_s);
			fflush(stdout);
		}
		sleep((unsigned)c->conf->relayctl.verify_interval_s);
	}
	if (c->json)	/* the last round, printed once */
		rc = verify_once(c, dns, d, pos[0], 1, NULL);
	else if (rc != CTL_EXIT_OK)
		printf("gave up after %d s\n", c->conf->relayctl.verify_timeout_s);
	dns_free(dns);
	return rc;
}
