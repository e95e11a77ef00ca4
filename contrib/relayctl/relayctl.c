/*
 * NAME
 *	relayctl - the relay-suite admin tool
 * SUMMARY
 *	relayctl [-c relay.conf] [--json] COMMAND ...
 * DESCRIPTION
 *	Members, API keys, domains (enrollment, DKIM keys, DNS records,
 *	verification, rotation, forwarding), suppression lists, message
 *	status and the conditions table, all read from and written to Redis
 *	through common/'s key schema (common/SCHEMA.md). This file parses the
 *	global options and dispatches to one file per command group.
 * SEE ALSO
 *	relayctl(8), ctl.h, common/SCHEMA.md
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "rconn.h"

static const char usage_text[] =
"usage: relayctl [-c relay.conf] [--json] COMMAND ...\n"
"  -c FILE  relay.conf (default $RELAY_CONF, else " RELAY_CONF_DEFAULT ")\n"
"  member add HANDLE --did DID | show HANDLE | list | remove HANDLE\n"
"  member suspend HANDLE --reason TEXT | unsuspend HANDLE\n"
"  member limits HANDLE [--per-hour N|default] [--per-day N|default]\n"
"                [--queue-cap N|default]\n"
"  apikey create HANDLE | list HANDLE | revoke HANDLE ID\n"
"  domain add DOMAIN --member HANDLE [--subdomains]\n"
"  domain show DOMAIN | list [--member HANDLE] | remove DOMAIN\n"
"  domain records DOMAIN | verify DOMAIN [--watch] | verify --pending\n"
"  domain rotate-key DOMAIN\n"
"  domain forward DOMAIN ADDRESS|--none | listunsub DOMAIN on|off\n"
"  suppress add|remove MEMBER ADDRESS | list MEMBER\n"
"  suppress import MEMBER FILE [--column N|NAME] [--reason R]\n"
"  status QUEUEID|MESSAGE-ID | status --member HANDLE [--since T]\n"
"                [--until T]\n"
"  conditions | config check | config show\n"
"  host check [--helo NAME] [ADDRESS...]\n"
"exit: 0 ok, 1 user error, 2 backend error (Redis, DNS)\n";

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	int		 needs_conf;
} groups[] = {
	{ "member", cmd_member, 1 },
	{ "apikey", cmd_apikey, 1 },
	{ "domain", cmd_domain, 1 },
	{ "suppress", cmd_suppress, 1 },
	{ "status", cmd_status, 1 },
	{ "conditions", cmd_conditions, 0 },
	{ "config", cmd_config, 0 },
	{ "host", cmd_host, 1 },
};

/*
 * usage - to stdout for -h (exit 0: with --json as {"usage": TEXT}, the
 * one document of the run); to stderr and exit 1 otherwise
 */
static void __attribute__((noreturn))
usage(struct ctl *c, int ok, const char *arg, const char *why)
{
	if (ok && c->json)
		ctl_emit(c, json_pack("{s:s}", "usage", usage_text));
	else
		fputs(usage_text, ok ? stdout : stderr);
	if (ok)
		exit(ctl_flush(c) == 0 ? CTL_EXIT_OK : CTL_EXIT_BACKEND);
	ctl_user(c, "usage", arg, "%s", why);
}

/* load_conf - relay.conf, every problem on stderr (ctl_conf_fail), exit 1 */
static void
load_conf(struct ctl *c)
{
	char	 err[4096];

	err[0] = '\0';
	if (conf_load(c->conf_path, &c->conf, err, sizeof(err)) != 0)
		ctl_conf_fail(c, err);
	clock_set_offset(c->conf->testing.clock_offset_s);
	c->now = clock_now();
}

/*
 * want_json - --json anywhere before "--": known before any error can be
 * reported, so even the first one is a JSON document
 */
static int
want_json(int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl	 c;
	char		**rest;
	int		 i, n = 0, rc, dashdash = 0, conf_given = 0;
	size_t		 g;

	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		return CTL_EXIT_BACKEND;
	memset(&c, 0, sizeof(c));
	c.conf_path = daemon_conf_path();
	c.tty = isatty(STDERR_FILENO);
	log_open("relayctl", 1);

	/*
	 * Global options come first; --json may also appear anywhere before
	 * a "--" (after it, it is an argument like any other).
	 */
	c.json = want_json(argc, argv);
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (rest == NULL)
		return CTL_EXIT_BACKEND;
	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--json") == 0)
			continue;
		if (strcmp(argv[i], "--") == 0)
			dashdash = 1;
		if (n > 0)
			rest[n++] = argv[i];
		else if (strcmp(argv[i], "-c") == 0 && conf_given)
			ctl_user(&c, "usage", "-c", "given twice");
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			c.conf_path = argv[++i];
			conf_given = 1;
		} else if (strcmp(argv[i], "-c") == 0)
			ctl_user(&c, "usage", "-c", "needs a value (the path "
			    "of relay.conf)");
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			usage(&c, 1, NULL, NULL);
		else if (argv[i][0] == '-')
			usage(&c, 0, argv[i], "unknown option");
		else
			rest[n++] = argv[i];
	}
	if (n == 0)
		usage(&c, 0, NULL, "no command given");
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if (strcmp(rest[0], groups[g].name) == 0)
			break;
	if (g == sizeof(groups) / sizeof(groups[0]))
		usage(&c, 0, rest[0], "unknown command");
	c.cmd = groups[g].name;
	if (groups[g].needs_conf)
		load_conf(&c);
	else
		c.now = clock_now();
	rc = ctl_settle(&c, groups[g].fn(&c, n, rest));
	/* Exit 0 says the output reached its reader: make sure it did. */
	if (ctl_flush(&c) != 0)
		rc = CTL_EXIT_BACKEND;
	ctl_unlock(&c);
	rconn_free(c.rc);
	conf_free(c.conf);
	free(rest);
	return rc;
}
