/*
 * NAME
 *	relay-unsub - the unsubscribe intake, run by a Postfix pipe transport
 * SUMMARY
 *	relay-unsub [-c relay.conf] TOKEN SENDER
 *	relay-unsub [-c relay.conf] -r
 *	relay-unsub [-c relay.conf] -b TOKEN
 *	relay-unsub [-c relay.conf] -u URLTOKEN
 *	relay-unsub [-c relay.conf] [-U] -t HANDLE RECIPIENT
 *	relay-unsub -h
 *	GATEWAY_INTERFACE=CGI/1.1 [RELAY_CONF=FILE] relay-unsub
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
 *	With -r it is the complaint intake: Postfix runs it for mail to the
 *	address the provider registered with the mailbox providers' feedback
 *	loops, with a complaint report (ARF, RFC 5965) on stdin; the
 *	recipient of the reported message goes onto the member's suppression
 *	list with reason "complaint" (unsub_report.h).
 *
 *	With -b it is the return path's intake: Postfix runs it for mail to
 *	b+TOKEN@UNSUBDOMAIN (master.cf: argv=relay-unsub -c FILE -b --
 *	${extension}), the envelope sender relay-milter gives each message
 *	when unsubscribe.return_path is on: a bounce of a recipient counted
 *	delivered counts as bounced (a hard one is suppressed), and every
 *	message that comes back goes on to the member's own envelope sender
 *	(unsub_bounce.h).
 *
 *	The https one-click (RFC 8058): run by a web server as a CGI
 *	program (GATEWAY_INTERFACE set, arguments ignored; relay.conf from
 *	$RELAY_CONF or the default), relay-unsub answers the request for
 *	unsubscribe.https_url + url token (unsub_web.h): a confirmation page
 *	for GET, the unsubscribe for a one-click POST; 404 for a token that
 *	does not verify or a removed member, 503 (Retry-After) for our own
 *	failure. -u URLTOKEN does the same unsubscribe for an HTTP layer of
 *	the provider's own, with the exit codes above.
 *
 *	-t prints the mail token for HANDLE and RECIPIENT, with -U the url
 *	token (tests, support).
 *	Run by hand, a bad option or (with -t) a wrong number of operands
 *	exits EX_USAGE (64), and -t exits EX_CONFIG (78) when relay.conf
 *	does not load; -h prints the usage with the default relay.conf.
 * SEE ALSO
 *	relay-unsub(8), common/token.h, pipe(8), relay-tracker(8)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "ident.h"
#include "log.h"
#include "rconn.h"
#include "token.h"
#include "unsub_bounce.h"
#include "unsub_report.h"
#include "unsub_store.h"
#include "unsub_web.h"

#define UNSUB_EX_OK		0
#define UNSUB_EX_USAGE		64
#define UNSUB_EX_NOUSER		67
#define UNSUB_EX_TEMPFAIL	75

/* usage - to stdout for -h (exit 0), else to stderr (EX_USAGE) */
static int
usage(int ok)
{
	fprintf(ok ? stdout : stderr, "usage: relay-unsub [-c relay.conf] "
	    "TOKEN SENDER\n       relay-unsub [-c relay.conf] -r\n"
	    "       relay-unsub [-c relay.conf] -b TOKEN\n"
	    "       relay-unsub [-c relay.conf] -u URLTOKEN\n"
	    "       relay-unsub [-c relay.conf] [-U] -t HANDLE RECIPIENT\n"
	    "       (as a CGI program, for unsubscribe.https_url: with "
	    "GATEWAY_INTERFACE set, relay.conf from $RELAY_CONF)\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -r       read a complaint report (feedback loop) from stdin\n"
	    "  -b       read what came back to the return path b+TOKEN@\n"
	    "  -u       unsubscribe the recipient of an https_url token\n"
	    "  -t       print the mail token for HANDLE and RECIPIENT\n"
	    "  -U       with -t, the https_url token instead\n"
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

/* outcome - what became of one unsubscribe, whichever way it came */
struct outcome {
	int		 code;		/* UNSUB_EX_* */
	const char	*qtext;		/* the one line for Postfix or -u */
	const char	*why;		/* for the log */
	char		 handle[IDENT_HANDLE_MAX + 1];
	char		 rcpt[ADDR_BUFSIZE];
	int		 previous;	/* verified with previous_hmac_key */
	char		 whybuf[256];	/* a why of its own */
};

/* set - the outcome's code, line and reason */
static void
set(struct outcome *o, int code, const char *qtext, const char *why)
{
	o->code = code;
	o->qtext = qtext;
	o->why = why;
}

/* log_outcome - one log line; via "mail", "https" (CGI) or "url" (-u) */
static void
log_outcome(const struct outcome *o, const char *via)
{
	struct logkv	 kv;

	logkv_init(&kv, NULL);
	logkv_str(&kv, "event", "unsubscribe");
	logkv_str(&kv, "via", via);
	logkv_str(&kv, "result", o->code == UNSUB_EX_OK ? "suppressed" :
	    o->code == UNSUB_EX_NOUSER ? "refused" : "deferred");
	if (o->handle[0] != '\0')
		logkv_str(&kv, "member", o->handle);
	if (o->rcpt[0] != '\0')
		logkv_str(&kv, "rcpt", o->rcpt);
	if (o->previous)
		logkv_str(&kv, "key", "previous");
	logkv_str(&kv, "why", o->why);
	logkv_emit(&kv, o->code == UNSUB_EX_OK ? LOG_INFO : LOG_WARNING);
}

/*
 * say - the one line Postfix puts into the status text (or -u prints),
 * and the log line
 */
static int
say(const struct outcome *o, const char *via)
{
	printf("%s\n", o->qtext);
	fflush(stdout);
	log_outcome(o, via);
	return o->code;
}

/* make_token - -t HANDLE RECIPIENT: the mail token, with -U the url one */
static int
make_token(const struct relay_conf *conf, const char *h, const char *a,
    int url)
{
	char		 handle[IDENT_HANDLE_MAX + 1], rcpt[ADDR_BUFSIZE];
	char		 tok[TOKEN_URL_MAX + 1];
	const char	*why;

	if (ident_handle_norm(h, handle, sizeof(handle), &why) < 0 ||
	    addr_norm(a, rcpt, sizeof(rcpt)) < 0 ||
	    (url ? token_url(conf->unsubscribe.hmac_key, handle, rcpt, tok,
	    sizeof(tok)) : token_mail(conf->unsubscribe.hmac_key, handle,
	    rcpt, tok, sizeof(tok))) < 0) {
		fprintf(stderr, "relay-unsub: cannot make a token for %s %s\n",
		    h, a);
		return UNSUB_EX_USAGE;
	}
	printf("%s\n", tok);
	return UNSUB_EX_OK;
}

/*
 * settle - o names a verified member and recipient: suppress it, and say
 * how that went
 */
static void
settle(const struct relay_conf *conf, struct outcome *o)
{
	const struct conf_redis *cr = &conf->redis;
	struct rconn	*rc = rconn_new(cr);
	unsigned long	 attempts;
	int		 e, added;

	/* connected first only for WAIT (its writes' connection) */
	attempts = cr->wait_replicas > 0 ? rconn_attempts(rc) : 0;
	e = unsub_suppress(rc, o->handle, o->rcpt, "unsubscribe", &added);
	/*
	 * An entry only the primary holds is lost with it (a failover):
	 * deferred, the retry finds it there (or writes it anew)
	 */
	if (e == UNSUB_STORE_OK && cr->wait_replicas > 0 &&
	    rconn_wait(rc, cr->wait_replicas, cr->wait_ms, attempts) != 1) {
		snprintf(o->whybuf, sizeof(o->whybuf), "%s",
		    rconn_errstr(rc));
		set(o, UNSUB_EX_TEMPFAIL, "token store unavailable",
		    o->whybuf);
		rconn_free(rc);
		return;
	}
	rconn_free(rc);
	switch (e) {
	case UNSUB_STORE_OK:
		set(o, UNSUB_EX_OK, "unsubscribed", "token verified");
		break;
	case UNSUB_STORE_NONE:
		set(o, UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "the member no longer exists");
		break;
	case UNSUB_STORE_ENODATA:
		set(o, UNSUB_EX_TEMPFAIL, "token store unavailable",
		    "no relay-suite data in Redis (relay:schema is missing)");
		break;
	default:
		set(o, UNSUB_EX_TEMPFAIL, "token store unavailable", "redis");
		break;
	}
}

/* keyless - no unsubscribe.hmac_key: no token can verify (our failure) */
static int
keyless(const struct relay_conf *conf, struct outcome *o)
{
	if (conf->unsubscribe.hmac_key != NULL && *conf->unsubscribe.hmac_key)
		return 0;
	set(o, UNSUB_EX_TEMPFAIL, "unsubscribe service unavailable",
	    "unsubscribe.hmac_key is not set");
	return 1;
}

/* by_mail - the mail token tok of the message from sender */
static void
by_mail(const struct relay_conf *conf, const char *tok, const char *sender,
    struct outcome *o)
{
	int	 ok;

	if (keyless(conf, o))
		return;
	if (sender[0] == '\0' || addr_norm(sender, o->rcpt,
	    sizeof(o->rcpt)) < 0) {
		o->rcpt[0] = '\0';
		set(o, UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "no usable sender address");
		return;
	}
	if ((ok = token_mail_check(conf->unsubscribe.hmac_key,
	    conf->unsubscribe.previous_hmac_key, tok, o->rcpt, o->handle,
	    sizeof(o->handle))) == TOKEN_BAD) {
		o->handle[0] = '\0';
		set(o, UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "token does not verify for this sender");
		return;
	}
	o->previous = ok == TOKEN_PREVIOUS;
	settle(conf, o);
}

/*
 * by_url - the url token tok (the https URI's): verified, and with apply
 * the recipient it names suppressed; without, code EX_OK only says that
 * it verifies
 */
static void
by_url(const struct relay_conf *conf, const char *tok, int apply,
    struct outcome *o)
{
	char	 norm[ADDR_BUFSIZE];
	int	 ok;

	if (keyless(conf, o))
		return;
	if ((ok = token_url_check(conf->unsubscribe.hmac_key,
	    conf->unsubscribe.previous_hmac_key, tok, o->handle,
	    sizeof(o->handle), o->rcpt, sizeof(o->rcpt))) == TOKEN_BAD) {
		o->handle[0] = o->rcpt[0] = '\0';
		set(o, UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "url token does not verify");
		return;
	}
	o->previous = ok == TOKEN_PREVIOUS;
	if (addr_norm(o->rcpt, norm, sizeof(norm)) != ADDR_OK) {
		/* relay-milter offers no such link since: nothing to hold */
		set(o, UNSUB_EX_NOUSER, "unknown unsubscribe token",
		    "the recipient is no address a suppression list holds");
		return;
	}
	if (apply)
		settle(conf, o);
	else
		set(o, UNSUB_EX_OK, "token verified", "url token verified");
}

/*
 * read_body - the request body of a CGI POST (CONTENT_LENGTH octets) into
 * buf; its length, or -1 when larger than UNSUB_WEB_BODY_MAX or cut short
 */
static ssize_t
read_body(char *buf, size_t len)
{
	const char	*cl = getenv("CONTENT_LENGTH");
	char		*end;
	unsigned long	 n;
	size_t		 got = 0, r;

	if (cl == NULL || *cl == '\0')
		return 0;
	errno = 0;
	n = strtoul(cl, &end, 10);
	if (*end != '\0' || errno != 0 || cl[0] == '-' || n > len)
		return -1;
	while (got < n && (r = fread(buf + got, 1, n - got, stdin)) > 0)
		got += r;
	return got == n ? (ssize_t)got : -1;
}

/* reply - write the CGI answer; 0 (a web server reads the Status:) */
static int
reply(enum unsub_web_page page, int status, const char *addr,
    const char *text, int head)
{
	char	 buf[4096];
	size_t	 n;

	n = unsub_web_page(page, status, addr, text, head, buf, sizeof(buf));
	fwrite(buf, 1, n, stdout);
	fflush(stdout);
	return 0;
}

/*
 * unsub_cgi - relay-unsub run by a web server for unsubscribe.https_url
 * (CGI/1.1): the confirmation page for GET and HEAD, the one-click
 * unsubscribe for a POST (RFC 8058); relay.conf from $RELAY_CONF
 */
static int
unsub_cgi(const char *path)
{
	static char	 body[UNSUB_WEB_BODY_MAX];
	struct unsub_web_req req;
	struct unsub_web w;
	struct relay_conf *conf;
	struct outcome	 o;
	char		 err[4096];
	ssize_t		 n = 0;

	log_open("relay-unsub", 0);
	memset(&o, 0, sizeof(o));
	memset(&req, 0, sizeof(req));
	req.method = getenv("REQUEST_METHOD");
	req.path_info = getenv("PATH_INFO");
	req.query = getenv("QUERY_STRING");
	req.content_type = getenv("CONTENT_TYPE");
	/* only a POST has a body to read: the method is judged first */
	if (req.method != NULL && strcmp(req.method, "POST") == 0 &&
	    (n = read_body(body, sizeof(body))) < 0) {
		set(&o, UNSUB_EX_NOUSER, "", "request body too large or cut");
		log_outcome(&o, "https");
		return reply(UNSUB_PAGE_REFUSED, 413, NULL,
		    "The request is too large or was cut short", 0);
	}
	req.body = body;
	req.body_len = (size_t)n;
	unsub_web_decide(&req, &w);
	if (w.act == UNSUB_WEB_REFUSE) {
		set(&o, UNSUB_EX_NOUSER, "", w.why);
		log_outcome(&o, "https");
		return reply(UNSUB_PAGE_REFUSED, w.status, NULL, w.why, w.head);
	}
	if (conf_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "relay-unsub: %s", err);
		set(&o, UNSUB_EX_TEMPFAIL, "", "configuration");
		log_outcome(&o, "https");
		return reply(UNSUB_PAGE_UNAVAILABLE, 503, NULL, NULL, w.head);
	}
	clock_set_offset(conf->testing.clock_offset_s);
	by_url(conf, w.token, w.act == UNSUB_WEB_UNSUB, &o);
	conf_free(conf);
	if (w.act == UNSUB_WEB_FORM && o.code == UNSUB_EX_OK)
		return reply(UNSUB_PAGE_FORM, 200, o.rcpt, NULL, w.head);
	log_outcome(&o, "https");
	if (o.code == UNSUB_EX_OK)
		return reply(UNSUB_PAGE_DONE, 200, o.rcpt, NULL, w.head);
	return reply(o.code == UNSUB_EX_NOUSER ? UNSUB_PAGE_UNKNOWN :
	    UNSUB_PAGE_UNAVAILABLE, 0, NULL, NULL, w.head);
}

/* options - an argument is an option (no token begins with "-") */
static int
options(int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*path = RELAY_CONF_DEFAULT, *tmode = NULL, *umode = NULL;
	const char	*gw = getenv("GATEWAY_INTERFACE");
	struct relay_conf *conf;
	struct outcome	 o;
	char		 err[4096];
	int		 ch, rc, url = 0, rmode = 0, bmode = 0;

	/* Before any open or socket: none may become fd 0, 1 or 2. */
	if (daemon_stdfds() != 0)
		return UNSUB_EX_TEMPFAIL;
	/*
	 * Run by a web server (CGI/1.1): the https one-click. Arguments
	 * that are not options are ignored: a server may pass a query
	 * without "=" as arguments too (RFC 3875 4.4), and the token is
	 * read from QUERY_STRING. With an option, relay-unsub was run by a
	 * program that is itself a CGI one (its environment inherited):
	 * the option says what to do.
	 */
	if (gw != NULL && strncmp(gw, "CGI/", 4) == 0 && !options(argc, argv))
		return unsub_cgi(daemon_conf_path());
	while ((ch = getopt(argc, argv, "bc:rt:Uu:h")) != -1) {
		switch (ch) {
		case 'b': bmode = 1; break;
		case 'c': path = optarg; break;
		case 'r': rmode = 1; break;
		case 't': tmode = optarg; break;
		case 'U': url = 1; break;
		case 'u': umode = optarg; break;
		case 'h': return usage(1);
		default: return usage(0);
		}
	}
	argc -= optind;
	argv += optind;
	/* -t and -u are run by hand: a wrong count is a usage error, first */
	if ((tmode != NULL && (argc != 1 || umode != NULL)) ||
	    (umode != NULL && argc != 0) || (url && tmode == NULL) ||
	    (rmode && (argc != 0 || tmode != NULL || umode != NULL)) ||
	    (bmode && (argc != 1 || rmode || tmode != NULL || umode != NULL)))
		return usage(0);
	log_open("relay-unsub", tmode != NULL || isatty(2));
	memset(&o, 0, sizeof(o));
	if (conf_load(path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "relay-unsub: %s", err);
		if (tmode != NULL)
			return 78;
		if (umode == NULL)
			drain();
		set(&o, UNSUB_EX_TEMPFAIL, "unsubscribe service unavailable",
		    "configuration");
		return say(&o, umode != NULL ? "url" : rmode ? "report" :
		    bmode ? "return_path" : "mail");
	}
	clock_set_offset(conf->testing.clock_offset_s);
	if (rmode || bmode) {
		rc = rmode ? unsub_report(conf) : unsub_bounce(conf, argv[0]);
		conf_free(conf);
		return rc;
	}
	if (tmode != NULL) {
		rc = make_token(conf, tmode, argv[0], url);
		conf_free(conf);
		return rc;
	}
	if (umode != NULL)
		by_url(conf, umode, 1, &o);
	else {
		drain();
		if (argc != 2)
			set(&o, UNSUB_EX_TEMPFAIL,
			    "unsubscribe service misconfigured",
			    "expected TOKEN SENDER arguments");
		else
			by_mail(conf, argv[0], argv[1], &o);
	}
	conf_free(conf);
	return say(&o, umode != NULL ? "url" : "mail");
}
