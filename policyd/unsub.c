/*
 * NAME
 *	relay-unsub - the unsubscribe intake, run by a Postfix pipe transport
 * SUMMARY
 *	relay-unsub [-c relay.conf] TOKEN SENDER
 *	relay-unsub [-c relay.conf] -t HANDLE RECIPIENT
 *	relay-unsub -h
 * DESCRIPTION
 *	Postfix runs it for mail to unsub+TOKEN@UNSUBDOMAIN (master.cf:
 *	argv=relay-unsub -c FILE -- ${extension} ${sender} (the "--": a
 *	token may begin with "-", and getopt would read it); see
 *	contrib/postfix/unsub.cf) with the message on stdin. The token is
 *	the mail token of common/token.h, made by relay-milter for the
 *	List-Unsubscribe header: it names the member and is an HMAC over
 *	the member and the recipient, and the recipient is the envelope
 *	sender of the unsubscribe message. A valid token adds the recipient
 *	to the member's suppression list with reason "unsubscribe" (an
 *	existing entry, e.g. a hard bounce, is kept), with relayctl's
 *	ctl_hsetnx_if.lua, so only while the member exists: a token of a
 *	removed member is refused like a foreign one and leaves no orphan
 *	suppression list.
 *
 *	Exit codes (sysexits, which pipe(8) turns into the delivery status):
 *	EX_OK delivered; EX_NOUSER (5.1.1) for a forged, damaged or foreign
 *	token or a null sender; EX_TEMPFAIL (4.3.0) when Redis is down, holds
 *	no relay-suite data (relay:schema missing: the member's record is
 *	not "gone" but lost, and is to be restored) or the configuration
 *	cannot be read, so Postfix retries: our own failure is never a
 *	bounce. One line on stdout says why; Postfix
 *	puts it into the bounce or defer text.
 *
 *	-t prints the token for HANDLE and RECIPIENT (tests, support).
 *	Run by hand, a bad option or (with -t) a wrong number of operands
 *	exits EX_USAGE (64), and -t exits EX_CONFIG (78) when relay.conf
 *	does not load; -h prints the usage with the default relay.conf.
 * SEE ALSO
 *	relay-unsub(8), common/token.h, pipe(8), relay-tracker(8)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis.h>

#include "addr.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "ident.h"
#include "log.h"
#include "rconn.h"
#include "rkeys.h"
#include "rscript.h"
#include "token.h"

#define UNSUB_EX_OK		0
#define UNSUB_EX_USAGE		64
#define UNSUB_EX_NOUSER		67
#define UNSUB_EX_TEMPFAIL	75

/* usage - to stdout for -h (exit 0), else to stderr (EX_USAGE) */
static int
usage(int ok)
{
	fprintf(ok ? stdout : stderr, "usage: relay-unsub [-c relay.conf] "
	    "TOKEN SENDER\n       relay-unsub [-c relay.conf] "
	    "-t HANDLE RECIPIENT\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -t       print the token for HANDLE and RECIPIENT\n"
	    "  -h       this help\n",
	    RELAY_CONF_DEFAULT);
	return ok ? UNSUB_EX_OK : UNSUB_EX_USAGE;
}

/* drain - read the message to its end so Postfix sees it taken */
static void
drain(void)
{
	char	 buf[8192];

	while (fread(buf, 1, sizeof(buf), stdin) > 0)
		;
}

/* say - the one line Postfix puts into the status text, and the log line */
static int
say(int code, const char *qtext, const char *why, const char *handle,
    const char *rcpt)
{
	struct logkv	 kv;

	printf("%s\n", qtext);
	fflush(stdout);
	logkv_init(&kv, NULL);
	logkv_str(&kv, "event", "unsubscribe");
	logkv_str(&kv, "result", code == UNSUB_EX_OK ? "suppressed" :
	    code == UNSUB_EX_NOUSER ? "refused" : "deferred");
	if (handle != NULL)
		logkv_str(&kv, "member", handle);
	if (rcpt != NULL)
		logkv_str(&kv, "rcpt", rcpt);
	logkv_str(&kv, "why", why);
	logkv_emit(&kv, code == UNSUB_EX_OK ? LOG_INFO : LOG_WARNING);
	return code;
}

/* make_token - -t HANDLE RECIPIENT */
static int
make_token(const struct relay_conf *conf, const char *h, const char *a)
{
	char		 handle[IDENT_HANDLE_MAX + 1], rcpt[ADDR_BUFSIZE];
	char		 tok[TOKEN_MAIL_MAX + 1];
	const char	*why;

	if (ident_handle_norm(h, handle, sizeof(handle), &why) < 0 ||
	    addr_norm(a, rcpt, sizeof(rcpt)) < 0 ||
	    token_mail(conf->unsubscribe.hmac_key, handle, rcpt, tok,
	    sizeof(tok)) < 0) {
		fprintf(stderr, "relay-unsub: cannot make a token for %s %s\n",
		    h, a);
		return UNSUB_EX_USAGE;
	}
	printf("%s\n", tok);
	return UNSUB_EX_OK;
}

/*
 * suppress - add the suppression entry while the member exists (an entry
 * already there keeps its reason); 0, 1 when the member is gone, -1 when
 * Redis failed, -2 when the member is "gone" from a Redis that holds no
 * relay-suite data at all (relay:schema missing: lost, to be restored):
 * refusing would bounce the unsubscribe and lose it for good
 */
static int
suppress(const struct relay_conf *conf, const char *handle, const char *rcpt)
{
	const struct rscript *s = rscript_get("ctl_hsetnx_if");
	char		 mkey[RKEY_MAX], skey[RKEY_MAX], val[128];
	const char	*keys[2] = { mkey, skey }, *args[2] = { rcpt, val };
	struct rconn	*rc;
	redisReply	*r;
	int		 res = -1;

	if (s == NULL || rkey(mkey, sizeof(mkey), RKEY_MEMBER, handle,
	    NULL) < 0 || rkey(skey, sizeof(skey), RKEY_SUPPRESS, handle,
	    NULL) < 0)
		return -1;
	snprintf(val, sizeof(val), "{\"reason\":\"unsubscribe\",\"at\":%lld}",
	    (long long)clock_now());
	rc = rconn_new(&conf->redis);
	/* ctl_hsetnx_if.lua: fields added, or -1 without the member */
	r = rscript_call(rc, s, 2, keys, 2, args);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		res = r->integer < 0 ? 1 : 0;
	if (r != NULL)
		freeReplyObject(r);
	if (res == 1)
		switch (rscript_installed(rc)) {
		case -1: res = -1; break;
		case 0: res = -2; break;
		}
	rconn_free(rc);
	return res;
}

int
main(int argc, char **argv)
{
	const char	*path = RELAY_CONF_DEFAULT, *tmode = NULL;
	struct relay_conf *conf;
	char		 err[4096], rcpt[ADDR_BUFSIZE];
	char		 handle[IDENT_HANDLE_MAX + 1];
	int		 ch, rc;

	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		return UNSUB_EX_TEMPFAIL;
	while ((ch = getopt(argc, argv, "c:t:h")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 't': tmode = optarg; break;
		case 'h': return usage(1);
		default: return usage(0);
		}
	}
	argc -= optind;
	argv += optind;
	/* -t is run by hand: a wrong count is a usage error, before relay.conf */
	if (tmode != NULL && argc != 1)
		return usage(0);
	log_open("relay-unsub", tmode != NULL || isatty(2));
	if (conf_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "relay-unsub: %s", err);
		if (tmode != NULL)
			return 78;
		drain();
		return say(UNSUB_EX_TEMPFAIL, "unsubscribe service unavailable",
		    "configuration", NULL, NULL);
	}
	clock_set_offset(conf->testing.clock_offset_s);
	if (tmode != NULL) {
		rc = make_token(conf, tmode, argv[0]);
		conf_free(conf);
		return rc;
	}
	drain();
	if (argc != 2) {
		conf_free(conf);
		return say(UNSUB_EX_TEMPFAIL, "unsubscribe service misconfigured",
		    "expected TOKEN SENDER arguments", NULL, NULL);
	}
	if (conf->unsubscribe.hmac_key == NULL || !*conf->unsubscribe.hmac_key) {
		conf_free(conf);
		return say(UNSUB_EX_TEMPFAIL, "unsubscribe service unavailable",
		    "unsubscribe.hmac_key is not set", NULL, NULL);
	}
	if (argv[1][0] == '\0' || addr_norm(argv[1], rcpt, sizeof(rcpt)) < 0) {
		conf_free(conf);
		return say(UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "no usable sender address", NULL, NULL);
	}
	if (!token_mail_check(conf->unsubscribe.hmac_key, argv[0], rcpt,
	    handle, sizeof(handle))) {
		conf_free(conf);
		return say(UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "token does not verify for this sender", NULL, rcpt);
	}
	rc = suppress(conf, handle, rcpt);
	conf_free(conf);
	if (rc == -2)
		return say(UNSUB_EX_TEMPFAIL, "token store unavailable",
		    "no relay-suite data in Redis (relay:schema is missing)",
		    handle, rcpt);
	if (rc < 0)
		return say(UNSUB_EX_TEMPFAIL, "token store unavailable",
		    "redis", handle, rcpt);
	if (rc > 0)
		return say(UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "the member no longer exists", handle, rcpt);
	return say(UNSUB_EX_OK, "unsubscribed", "token verified", handle, rcpt);
}
