/*
 * NAME
 *	cmd_host - relayctl host check: the relay's own addresses in DNS
 * SYNOPSIS
 *	relayctl host check [--helo NAME] [ADDRESS...]
 * DESCRIPTION
 *	The addresses are the ones given, or the one-host ip4:/ip6: terms of
 *	the SPF record at relayctl.spf_include (which is checked too, and
 *	must name each given address). For each address: its PTR record,
 *	a PTR name that resolves back to it, and with --helo the name the
 *	relay gives in HELO (Postfix's smtp_helo_name, myhostname by
 *	default) among its PTR names. With unsubscribe.return_path, the SPF
 *	record of unsubscribe.domain too (the envelope sender's domain). The decisions are hostcheck.c's; this
 *	file looks things up and prints them as domain verify does. Exit 0
 *	when every required check is ok, 1 when one is missing or wrong, 2
 *	when DNS did not answer.
 * SEE ALSO
 *	hostcheck.h, cmd_verify.c, relayctl(8)
 */
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "dns.h"
#include "hostcheck.h"

#define HOST_USAGE	"host check [--helo NAME] [ADDRESS...]"

struct host_run {
	struct verify_check	 spf;
	int			 have_spf;
	struct verify_check	 rp;		/* the return path's SPF */
	int			 have_rp;
	struct host_spf		 hs;
	char			 ip[HOST_MAX_IPS][INET6_ADDRSTRLEN];
	size_t			 nip;
	struct verify_check	 checks[HOST_MAX_IPS][HOST_CHECKS];
	size_t			 nchecks[HOST_MAX_IPS];
};

/* address - a command-line address in canonical form, or exit 1 */
static void
address(struct ctl *c, const char *in, char *out, size_t len)
{
	unsigned char	 b[16];
	int		 af = strchr(in, ':') != NULL ? AF_INET6 : AF_INET;

	if (inet_pton(af, in, b) != 1 || inet_ntop(af, b, out,
	    (socklen_t)len) == NULL)
		ctl_user(c, "invalid_address", in, "not an IPv4 or IPv6 "
		    "address");
}

/* one_host - look up ip's PTR and each PTR name's addresses; decide */
static size_t
one_host(struct dns *dns, const char *ip, const char *helo,
    struct verify_check *out)
{
	struct dns_txt	 ptr, fwd[HOST_MAX_PTR];
	struct host_in	 in;
	char		 rev[80];
	size_t		 i, n;

	memset(fwd, 0, sizeof(fwd));
	host_rev_name(ip, rev, sizeof(rev));	/* ip is canonical */
	dns_lookup(dns, rev, ns_t_ptr, &ptr);
	for (i = 0; ptr.status == DNS_FOUND && i < ptr.nrr &&
	    i < HOST_MAX_PTR; i++)
		dns_lookup(dns, ptr.rr[i], strchr(ip, ':') ? ns_t_aaaa : ns_t_a,
		    &fwd[i]);
	in.ip = ip;
	in.rev = rev;
	in.helo = helo;
	in.ptr = &ptr;
	in.fwd = fwd;
	n = host_decide(&in, out);
	for (i = 0; i < HOST_MAX_PTR; i++)
		dns_txt_free(&fwd[i]);
	dns_txt_free(&ptr);
	return n;
}

/* print_check - one check for people, as domain verify prints them */
static void
print_check(const struct verify_check *k)
{
	printf("  %-8s %-8s %s%s\n", verify_state_name(k->state), k->id,
	    ctl_tx(k->name), k->required ? "" : " (recommended)");
	if (k->state != VERIFY_OK && k->found[0])
		printf("           found:   %s\n", ctl_tx(k->found));
	else if (k->state == VERIFY_OK && k->found[0] && strcmp(k->id, "spf"))
		printf("           %s\n", ctl_tx(k->found));
	if (k->state != VERIFY_OK && k->fix[0])
		printf("           fix:     %s\n", ctl_tx(k->fix));
}

/* tally - the run's exit code from every check */
static int
tally(const struct host_run *r)
{
	int	 wrong = 0, unknown = 0;
	size_t	 i, k;

	if (r->have_spf) {
		wrong |= r->spf.state == VERIFY_MISSING ||
		    r->spf.state == VERIFY_WRONG;
		unknown |= r->spf.state == VERIFY_UNKNOWN;
	}
	if (r->have_rp) {
		wrong |= r->rp.state == VERIFY_MISSING ||
		    r->rp.state == VERIFY_WRONG;
		unknown |= r->rp.state == VERIFY_UNKNOWN;
	}
	for (i = 0; i < r->nip; i++)
		for (k = 0; k < r->nchecks[i]; k++) {
			if (!r->checks[i][k].required)
				continue;
			wrong |= r->checks[i][k].state == VERIFY_MISSING ||
			    r->checks[i][k].state == VERIFY_WRONG;
			unknown |= r->checks[i][k].state == VERIFY_UNKNOWN;
		}
	return wrong ? CTL_EXIT_USER : unknown ? CTL_EXIT_BACKEND :
	    CTL_EXIT_OK;
}

static void
print_json(struct ctl *c, const struct host_run *r, int rc)
{
	json_t	*hosts = json_array(), *checks;
	size_t	 i, k;

	for (i = 0; i < r->nip; i++) {
		checks = json_array();
		for (k = 0; k < r->nchecks[i]; k++)
			json_array_append_new(checks,
			    ctl_check_json(&r->checks[i][k]));
		json_array_append_new(hosts, json_pack("{s:s, s:o}", "address",
		    r->ip[i], "checks", checks));
	}
	ctl_emit(c, json_pack("{s:o?, s:o?, s:o?, s:o, s:b}", "spf",
	    r->have_spf ? ctl_check_json(&r->spf) : NULL, "not_checked",
	    r->have_spf && r->hs.skipped[0] ? ctl_jstr(r->hs.skipped) : NULL,
	    "return_path_spf", r->have_rp ? ctl_check_json(&r->rp) : NULL,
	    "hosts", hosts, "ready", rc == CTL_EXIT_OK));
}

static void
print_text(const struct host_run *r, int rc)
{
	size_t	 i, k;

	if (r->have_spf) {
		printf("SPF record of the relay\n");
		print_check(&r->spf);
		if (r->hs.skipped[0])
			printf("           not checked: %s\n",
			    ctl_tx(r->hs.skipped));
	}
	if (r->have_rp) {
		printf("SPF record of the return path\n");
		print_check(&r->rp);
	}
	for (i = 0; i < r->nip; i++) {
		printf("address %s\n", r->ip[i]);
		for (k = 0; k < r->nchecks[i]; k++)
			print_check(&r->checks[i][k]);
	}
	printf("result: %s\n", rc == CTL_EXIT_OK ? "ready" :
	    rc == CTL_EXIT_BACKEND ? "could not check everything (DNS "
	    "failure)" : "records missing or wrong");
}

int
cmd_host(struct ctl *c, int argc, char **argv)
{
	const char	*helo = NULL, *pos[HOST_MAX_IPS], *given[HOST_MAX_IPS];
	const char	*inc = c->conf->relayctl.spf_include, *why = "";
	struct ctl_opt	 opts[] = { { "helo", 1, &helo }, { NULL, 0, NULL } };
	struct host_run	*r;
	struct dns	*dns;
	struct dns_txt	 t;
	size_t		 i;
	int		 n, rc;

	if (argc < 2 || strcmp(argv[1], "check") != 0)
		ctl_user(c, "usage", argc > 1 ? argv[1] : NULL, "usage: "
		    "relayctl " HOST_USAGE);
	c->cmd = "host check";
	n = ctl_args(c, argc - 1, argv + 1, opts, pos, 0, HOST_MAX_IPS,
	    HOST_USAGE);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "out of memory");
	for (i = 0; i < (size_t)n; i++) {
		address(c, pos[i], r->ip[i], sizeof(r->ip[i]));
		given[i] = r->ip[i];
	}
	r->nip = (size_t)n;
	if (r->nip == 0 && (inc == NULL || *inc == '\0'))
		ctl_user(c, "usage", NULL, "no address to check: give the "
		    "relay's sending addresses, or set relayctl.spf_include "
		    "in relay.conf (usage: relayctl " HOST_USAGE ")");
	if ((dns = dns_new(&c->conf->dns, &why)) == NULL)
		ctl_fail(c, CTL_EXIT_BACKEND, "backend", "dns.nameserver", "%s",
		    why);
	if (inc != NULL && *inc != '\0') {
		dns_txt(dns, inc, &t);
		host_spf_check(inc, &t, given, r->nip, &r->hs, &r->spf);
		dns_txt_free(&t);
		r->have_spf = 1;
		for (i = 0; n == 0 && i < r->hs.n; i++)
			memcpy(r->ip[r->nip++], r->hs.ip[i], sizeof(r->ip[0]));
	}
	if (c->conf->unsubscribe.return_path) {
		dns_txt(dns, c->conf->unsubscribe.domain, &t);
		host_retpath_check(c->conf->unsubscribe.domain, &t, inc,
		    given, (size_t)n, &r->rp);
		dns_txt_free(&t);
		r->have_rp = 1;
	}
	for (i = 0; i < r->nip; i++)
		r->nchecks[i] = one_host(dns, r->ip[i], helo, r->checks[i]);
	dns_free(dns);
	rc = tally(r);
	if (c->json)
		print_json(c, r, rc);
	else
		print_text(r, rc);
	free(r);
	return rc;
}
