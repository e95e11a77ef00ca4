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
"  domain records DOMAIN | verify DOMAIN [--watch] | rotate-key DOMAIN\n"
"  domain forward DOMAIN ADDRESS|--none | listunsub DOMAIN on|off\n"
"  suppress add|remove MEMBER ADDRESS | list MEMBER | import MEMBER FILE\n"
"  status QUEUEID|MESSAGE-ID | status --member HANDLE [--since T]\n"
"  conditions | config check | config show\n"
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
};

/* usage - to stdout for -h, to stderr (exit 1) otherwise */
static void
usage(int ok)
{
	fputs(usage_text, ok ? stdout : stderr);
	exit(ok ? CTL_EXIT_OK : CTL_EXIT_USER);
}

/* load_conf - relay.conf, every problem on stderr, exit 1 */
static void
load_conf(struct ctl *c)
{
	char	 err[4096];

	if (conf_load(c->conf_path, &c->conf, err, sizeof(err)) != 0) {
		fputs(err, stderr);
		if (err[0] != '\0' && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		ctl_user(c, "invalid_config", c->conf_path,
		    "relay.conf does not load");
	}
	clock_set_offset(c->conf->testing.clock_offset_s);
	c->now = clock_now();
}

int
main(int argc, char **argv)
{
	struct ctl	 c;
	char		**rest;
	int		 i, n = 0, rc;
	size_t		 g;

	memset(&c, 0, sizeof(c));
	c.conf_path = getenv("RELAY_CONF");
	if (c.conf_path == NULL || *c.conf_path == '\0')
		c.conf_path = RELAY_CONF_DEFAULT;
	c.tty = isatty(STDERR_FILENO);
	log_open("relayctl", 1);

	/* Global options come first; --json may also appear anywhere. */
	rest = calloc((size_t)argc + 1, sizeof(*rest));
	if (rest == NULL)
		return CTL_EXIT_BACKEND;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (n == 0 && strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			c.conf_path = argv[++i];
		else if (n == 0 && strcmp(argv[i], "-c") == 0)
			ctl_user(&c, "usage", "-c", "needs a value (the path "
			    "of relay.conf)");
		else if (n == 0 && (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0))
			usage(1);
		else if (n == 0 && argv[i][0] == '-') {
			fputs(usage_text, stderr);
			ctl_user(&c, "usage", argv[i], "unknown option");
		} else
			rest[n++] = argv[i];
	}
	if (n == 0)
		usage(0);
	for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if (strcmp(rest[0], groups[g].name) == 0)
			break;
	if (g == sizeof(groups) / sizeof(groups[0])) {
		fputs(usage_text, stderr);
		ctl_user(&c, "usage", rest[0], "unknown command");
	}
	c.cmd = groups[g].name;
	if (groups[g].needs_conf)
		load_conf(&c);
	else
		c.now = clock_now();
	rc = groups[g].fn(&c, n, rest);
	fflush(stdout);
	ctl_unlock(&c);
	rconn_free(c.rc);
	conf_free(c.conf);
	free(rest);
	return rc;
}
