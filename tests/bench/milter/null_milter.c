/*
 * NAME
 *	null_milter - a milter that does no work, for bench-milter
 * SUMMARY
 *	null_milter [-e] SOCKETSPEC [WAIT_MS]
 * DESCRIPTION
 *	The ceiling any milter can reach: what Postfix's milter handling
 *	costs on its own. It negotiates as relay-milter does (mlfi.c:
 *	connect, HELO, DATA, unknown and end of headers not sent, headers
 *	and body not answered when Postfix allows it, only {auth_authen}
 *	at MAIL and {i} at end of message asked for), answers MAIL and
 *	RCPT with continue and, at end of message, inserts one header the
 *	size and shape of a DKIM-Signature (X-Null-Milter), so Postfix's
 *	cleanup does the header work it does for a signer. No crypto, no
 *	Redis, nothing logged per message.
 *
 *	With -e it answers only at end of message, as rspamd's milter does:
 *	Postfix is also told not to wait for answers to MAIL and RCPT
 *	(SMFIP_NR_MAIL, SMFIP_NR_RCPT). relay-milter cannot do that, as it
 *	refuses senders at MAIL and suppressed recipients at RCPT; the two
 *	rows show what waiting for those answers costs Postfix.
 *
 *	SOCKETSPEC is a libmilter socket (unix:/path or inet:PORT@ADDR);
 *	WAIT_MS (default 100) is the worker's wait of sockwrap.h, which it
 *	is linked with as relay-milter is, TCP options on: the difference
 *	between this row and relay-milter's is relay-milter's own work.
 *	SIGTERM, SIGHUP and SIGINT stop it, exit status 0: libmilter's own
 *	signal thread takes them (they are blocked in every other thread)
 *	and stops smfi_main as smfi_stop() would. A stale unix socket is
 *	replaced at start; libmilter leaves it in place when run as root.
 * SEE ALSO
 *	bench.sh, milter/mlfi.c, milter/sockwrap.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libmilter/mfapi.h>

#include "sockwrap.h"

#define PROG		"null_milter"
#define NM_SKIP		(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NODATA | \
	SMFIP_NOUNKNOWN | SMFIP_NOEOH)
#define NM_NOREPLY	(SMFIP_NR_HDR | SMFIP_NR_BODY)
#define NM_EOMONLY	(SMFIP_NR_MAIL | SMFIP_NR_RCPT)

static unsigned long	 nm_noreply = NM_NOREPLY;	/* -e: | NM_EOMONLY */

/*
 * A DKIM-Signature as relay-milter makes it for the bench's messages:
 * rsa-sha256, 2048-bit key, the same h= list, 593 bytes, folded with bare
 * LF as relay-milter inserts it.
 */
static char hvalue[] =
	"v=1; a=rsa-sha256; c=relaxed/relaxed; d=rsa.test; s=rs1r;\n"
	"\tt=1700000000; bh=bRc2CMSMhUNgvjTRRT1F5Z3O92nZQYXb5lm/Jl3IeOk=;\n"
	"\th=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type:from:\n"
	"\t list-unsubscribe:list-unsubscribe-post;\n"
	"\tb=NG5Zwb95HgoAFIJ6c3ZO3fwwMcoXWD1F0/gNziASTS8esTguvA6gLPOFk58G7cGd\n"
	"\t PexeehNOTN+Tgvh2BodnCWVr/lskuYP4RUc5eXNhfCmmP2vhTt3FMDk6k8hZSpP3\n"
	"\t ZglpFYRlFJE065gV0Ewdg86GbNvmh4FZz6o4jag0qMT/uEpq6ehj/ficIqAGE6jG\n"
	"\t vp99cIZOGhg2Z2kODvm1qARJdyH2PQZUd1LUwGR8S7H4ruq5D1r4FFJzcuK/YshI\n"
	"\t UDOQwg9fjT+zDU3+SCHBX+JMaagWEb40KbuxM6Ffxc3mqrlT3UcEJfJPl8asOfPr\n"
	"\t i7QxFKadTUmwovN5CZfB1x/P";

/* The SMFIP_NR_* steps of a connection, kept as its private data. */
struct nm_conn {
	unsigned long	 nr;
};

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	struct nm_conn *c = smfi_getpriv(ctx);

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		smfi_setpriv(ctx, c);
	*pf0 = f0 & SMFIF_ADDHDRS;
	if ((f0 & SMFIF_SETSYMLIST) &&
	    smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen}") == MI_SUCCESS &&
	    smfi_setsymlist(ctx, SMFIM_EOM, "i") == MI_SUCCESS)
		*pf0 |= SMFIF_SETSYMLIST;
	*pf1 = f1 & NM_SKIP;
	if (c != NULL) {	/* without it every step is answered */
		c->nr = f1 & nm_noreply;
		*pf1 |= c->nr;
	}
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

/* answer - continue, or no reply when Postfix does not wait for this step */
static sfsistat
answer(SMFICTX *ctx, unsigned long step)
{
	const struct nm_conn *c = smfi_getpriv(ctx);

	return c != NULL && (c->nr & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
nm_envfrom(SMFICTX *ctx, char **argv)
{
	return answer(ctx, SMFIP_NR_MAIL);
}

static sfsistat
nm_envrcpt(SMFICTX *ctx, char **argv)
{
	return answer(ctx, SMFIP_NR_RCPT);
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	return answer(ctx, SMFIP_NR_HDR);
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *buf, size_t len)
{
	return answer(ctx, SMFIP_NR_BODY);
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	return smfi_insheader(ctx, 0, "X-Null-Milter", hvalue) == MI_SUCCESS ?
	    SMFIS_CONTINUE : SMFIS_TEMPFAIL;
}

static sfsistat
nm_abort(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc nm_desc = {
	.xxfi_name = PROG,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_envfrom = nm_envfrom,
	.xxfi_envrcpt = nm_envrcpt,
	.xxfi_header = nm_header,
	.xxfi_body = nm_body,
	.xxfi_eom = nm_eom,
	.xxfi_abort = nm_abort,
	.xxfi_close = nm_close,
	.xxfi_negotiate = nm_negotiate,
};

int
main(int argc, char **argv)
{
	unsigned long	 nd, qa, sr, br;
	char		*end;
	long		 wait_ms = 100;
	mode_t		 um;
	int		 r;

	if (argc > 1 && strcmp(argv[1], "-e") == 0) {
		nm_noreply |= NM_EOMONLY;
		argc--;
		argv++;
	}
	if (argc == 3) {
		wait_ms = strtol(argv[2], &end, 10);
		if (end == argv[2] || *end != '\0' || wait_ms < 1 ||
		    wait_ms > 10000)
			argc = 0;
	}
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s [-e] SOCKETSPEC [WAIT_MS (1-10000)]\n",
		    PROG);
		return 2;
	}
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(nm_desc) != MI_SUCCESS) {
		fprintf(stderr, "%s: libmilter refused %s\n", PROG, argv[1]);
		return 1;
	}
	if (sockwrap_init(1, (int)wait_ms) != 0)	/* before the listen */
		fprintf(stderr, "%s: no memory for the connection table: "
		    "reads unbuffered\n", PROG);
	/* Postfix (another user) must be able to write a unix socket. */
	um = umask(0111);
	r = smfi_opensocket(1);
	umask(um);
	if (r != MI_SUCCESS) {
		fprintf(stderr, "%s: cannot open the socket %s\n", PROG,
		    argv[1]);
		return 1;
	}
	fprintf(stderr, "%s listening on %s\n", PROG, argv[1]);
	r = smfi_main();
	sockwrap_counts(&nd, &qa, &sr, &br);
	fprintf(stderr, "%s stopping: tcp_nodelay=%lu tcp_quickack=%lu "
	    "socket_reads=%lu buffered_reads=%lu\n", PROG, nd, qa, sr, br);
	return r == MI_SUCCESS ? 0 : 1;
}
