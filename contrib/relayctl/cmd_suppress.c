/*
 * NAME
 *	cmd_suppress - relayctl suppress add|remove|list|import
 * DESCRIPTION
 *	A member's suppression list is the hash relay:{m:H}:suppress,
 *	address -> JSON reason (common/SCHEMA.md); relay-milter only asks
 *	HEXISTS. Additions go through ctl_hsetnx_if.lua, which writes only
 *	while the member exists and keeps an entry already there (its first
 *	reason, a hard bounce say, is worth more than "import"). remove
 *	deletes the address from :suppress and its soft-bounce count from
 *	:soft in one script (ctl_hdel_both.lua).
 *
 *	import reads one address, CSV row or line of suppress list's own
 *	output a line (parse_import_row; a list line keeps its time),
 *	reports bad rows with their line number on stderr, and sends the
 *	good ones pipelined: IMPORT_PAIRS addresses per EVALSHA, up to
 *	IMPORT_WINDOW calls in flight, so a million rows take seconds.
 * SEE ALSO
 *	relayctl(8), parse.c, common/lua/ctl_hsetnx_if.lua
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "addr.h"
#include "ctl.h"
#include "parse.h"
#include "rconn.h"
#include "rscript.h"
#include "xalloc.h"

/*
 * 29 pairs: 2 keys + 58 args per EVALSHA. rscript builds its argument
 * vector on the heap, so nothing caps this; a small batch keeps each
 * script call (which holds Redis) short, the pipeline window does the rest.
 */
#define IMPORT_PAIRS	29
#define IMPORT_WINDOW	512	/* EVALSHA calls in flight */
#define IMPORT_BAD_JSON	1000	/* bad rows listed in the JSON result */
#define IMPORT_ROW_MAX	65536	/* a row with line breaks in quotes */
#define IMPORT_ROW_LINES 100	/* ... and its lines */

/* suppress_add - suppress add MEMBER ADDRESS */
static int
suppress_add(struct ctl *c, int argc, char **argv)
{
	const char	*pos[2], *keys[2], *args[2];
	char		 h[64], a[ADDR_BUFSIZE], mk[RKEY_MAX], sk[RKEY_MAX];
	char		 val[100];
	redisReply	*r;
	long long	 n;

	ctl_args(c, argc, argv, NULL, pos, 2, 2, "suppress add MEMBER ADDRESS");
	ctl_handle(c, pos[0], h, sizeof(h));
	ctl_address(c, pos[1], a, sizeof(a));
	ctl_key(c, mk, RKEY_MEMBER, h, NULL);
	ctl_key(c, sk, RKEY_SUPPRESS, h, NULL);
	rkey_suppress_value(val, sizeof(val), "admin", (long long)c->now);
	keys[0] = mk; keys[1] = sk;
	args[0] = a; args[1] = val;
	r = ctl_script(c, "ctl_hsetnx_if", 2, keys, 2, args);
	n = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	freeReplyObject(r);
	if (n < 0)
		ctl_user(c, "unknown_member", pos[0], "no such member");
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:b}", "member", h, "address",
		    a, "added", n == 1));
	else
		printf("%s %s for %s\n", a, n == 1 ? "suppressed" :
		    "was already suppressed", h);
	return CTL_EXIT_OK;
}

/* suppress_remove - suppress remove MEMBER ADDRESS */
static int
suppress_remove(struct ctl *c, int argc, char **argv)
{
	const char	*pos[2], *keys[2], *args[1];
	char		 h[64], a[ADDR_BUFSIZE], sk[RKEY_MAX], soft[RKEY_MAX];
	redisReply	*r;
	int		 gone;

	ctl_args(c, argc, argv, NULL, pos, 2, 2,
	    "suppress remove MEMBER ADDRESS");
	ctl_member(c, pos[0], h, sizeof(h));
	ctl_address(c, pos[1], a, sizeof(a));
	ctl_key(c, sk, RKEY_SUPPRESS, h, NULL);
	ctl_key(c, soft, RKEY_SOFT, h, NULL);
	/* A fresh start for the soft-bounce count as well, in one script. */
	keys[0] = sk;
	keys[1] = soft;
	args[0] = a;
	r = ctl_script(c, "ctl_hdel_both", 2, keys, 1, args);
	gone = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->integer == 1;
	freeReplyObject(r);
	if (!gone)
		ctl_user(c, "not_suppressed", pos[1], "not on %s's list", h);
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:s, s:b}", "member", h, "address",
		    a, "removed", 1));
	else
		printf("%s removed from %s's list\n", a, h);
	return CTL_EXIT_OK;
}

/* entry_json - one list entry: the stored JSON, or the raw value */
static json_t *
entry_json(const redisReply *f, const redisReply *v)
{
	json_t	*o = ctl_jload(v->str, v->len);

	if (!json_is_object(o)) {
		json_decref(o);
		o = json_pack("{s:o}", "raw", ctl_jstrn(v->str, v->len));
	}
	json_object_set_new(o, "address", ctl_jstrn(f->str, f->len));
	return o;
}

/*
 * suppress_list - suppress list MEMBER: HSCAN, streamed (ctl_stream_*:
 * a failure part way ends the array with the error as its last element)
 */
static int
suppress_list(struct ctl *c, int argc, char **argv)
{
	const char	*pos[1];
	char		 h[64], sk[RKEY_MAX], cursor[32] = "0";
	redisReply	*r, *a;
	json_t		*o;
	size_t		 i;

	ctl_args(c, argc, argv, NULL, pos, 1, 1, "suppress list MEMBER");
	ctl_member(c, pos[0], h, sizeof(h));
	ctl_key(c, sk, RKEY_SUPPRESS, h, NULL);
	do {
		r = ctl_cmdf(c, "HSCAN %s %s COUNT 1000", sk, cursor);
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			freeReplyObject(r);
			ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL,
			    "HSCAN: unexpected reply");
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		a = r->element[1];
		for (i = 0; i + 1 < a->elements; i += 2) {
			o = entry_json(a->element[i], a->element[i + 1]);
			if (c->json) {
				ctl_stream_item(c, o);
				continue;
			}
			printf("%s %-18s %s\n", ctl_pad(ctl_txf(o, "address",
			    ""), 50), ctl_txf(o, "reason", "?"), ctl_time(
			    json_integer_value(json_object_get(o, "at"))));
			json_decref(o);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return c->json ? ctl_stream_end(c, NULL) : CTL_EXIT_OK;
}

struct import {
	struct ctl	*c;
	const char	*keys[2];
	const char	*args[2 * IMPORT_PAIRS];
	char		 addr[IMPORT_PAIRS][ADDR_BUFSIZE];
	const char	*val[IMPORT_PAIRS];
	char		 own[IMPORT_PAIRS][100];	/* a row's own time */
	int		 npairs;
	long		 inflight;
	unsigned long	 added, kept, sent;
	int		 member_gone;
};

/*
 * lost - Redis went away in the middle of an import: how far it got, and
 * that the same import again adds what is missing (exit 2)
 */
static void __attribute__((noreturn))
lost(struct import *im)
{
	if (im->sent == 0)
		ctl_backend(im->c, "import");
	ctl_fail_with(im->c, CTL_EXIT_BACKEND, "backend", NULL,
	    json_pack("{s:I,s:I}", "added", (json_int_t)im->added, "sent",
	    (json_int_t)im->sent), "import: %s: stopped half way, %lu of "
	    "the %lu rows sent known added; the same import again adds "
	    "what is missing", rconn_errstr(im->c->rc), im->added, im->sent);
}

/* drain - read replies until at most keep calls are in flight */
static void
drain(struct import *im, long keep)
{
	redisReply	*r;

	while (im->inflight > keep) {
		if ((r = rconn_reply(im->c->rc)) == NULL)
			lost(im);
		if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0)
			im->added += (unsigned long)r->integer;
		else if (r->type == REDIS_REPLY_INTEGER)
			im->member_gone = 1;
		else {
			char	 why[200];

			/* Redis's words, copied before the reply is freed */
			snprintf(why, sizeof(why), "%s", r->type ==
			    REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			freeReplyObject(r);
			ctl_fail(im->c, CTL_EXIT_BACKEND, "backend", NULL,
			    "import: Redis refused a batch: %s (the same import "
			    "again adds what is missing)", why);
		}
		freeReplyObject(r);
		im->inflight--;
	}
}

/* flush - send the collected pairs as one EVALSHA */
static void
flush(struct import *im)
{
	int	 i;

	if (im->npairs == 0)
		return;
	for (i = 0; i < im->npairs; i++) {
		im->args[2 * i] = im->addr[i];
		im->args[2 * i + 1] = im->val[i];
	}
	ctl_wrote(im->c);
	if (rscript_append(im->c->rc, rscript_get("ctl_hsetnx_if"), 2,
	    im->keys, 2 * im->npairs, im->args) != 0)
		lost(im);
	im->sent += (unsigned long)im->npairs;
	im->npairs = 0;
	im->inflight++;
	drain(im, IMPORT_WINDOW);
}

/* progress - a bar on a terminal */
static void
progress(struct ctl *c, FILE *fp, long long size, unsigned long rows, int end)
{
	long long	 at;
	int		 pct, i;

	if (!c->tty || c->json || size <= 0)
		return;
	at = end ? size : (long long)ftello(fp);
	pct = (int)(at * 100 / size);
	fprintf(stderr, "\rimport [");
	for (i = 0; i < 40; i++)
		fputc(i < pct * 40 / 100 ? '#' : ' ', stderr);
	fprintf(stderr, "] %3d%% %lu rows%s", pct, rows, end ? "\n" : "");
}

/*
 * header_note - line 1 of file was a header: say on stderr which columns
 * are read, so that a wrong guess shows before anyone relies on it
 */
static void
header_note(struct ctl *c, const char *file, const struct parse_import *p)
{
	char	 why[160] = "";

	if (p->reason != NULL)
		snprintf(why, sizeof(why), ", every reason %s (--reason)",
		    p->reason);
	else if (p->reason_col >= 0)
		snprintf(why, sizeof(why), ", the reasons from column %d (%s)",
		    p->reason_col + 1, p->reason_name);
	ctl_note(c, NULL, "%s:1: a header: the addresses from column %d "
	    "(%s)%s", file, p->addr_col + 1, p->addr_name, why[0] != '\0' ?
	    why : ", no reason column (reason import)");
}

/* The lines of an import file, with lines read ahead and given back. */
struct rows {
	FILE		*fp;
	char		*pend;		/* given back, read first; or NULL */
	size_t		 off;		/* in pend */
	unsigned long	 lineno;	/* lines taken so far */
};

/* next_line - the next line (with its newline) into *line; -1 at the end */
static int
next_line(struct rows *r, char **line, size_t *cap)
{
	const char	*s, *nl;
	size_t		 n;

	if (r->pend != NULL && r->pend[r->off] != '\0') {
		s = r->pend + r->off;
		n = (nl = strchr(s, '\n')) != NULL ? (size_t)(nl - s) + 1 :
		    strlen(s);
		if (n + 1 > *cap) {
			*cap = n + 1;
			*line = xrealloc(*line, *cap);
		}
		memcpy(*line, s, n);
		(*line)[n] = '\0';
		r->off += n;
	} else if (getline(line, cap, r->fp) < 0)
		return -1;
	r->lineno++;
	return 0;
}

/*
 * read_row - the next row into *line: one line, and the lines after it
 * while a quoted field is open (parse_import_open; RFC 4180 lets a field
 * hold line breaks), up to IMPORT_ROW_MAX octets and IMPORT_ROW_LINES
 * lines (a file of stray quotes costs no more). A quote never closed
 * makes the first line a row of its own (its field() says "unbalanced
 * quote") and the lines after it are given back, rows again. -1 at the
 * end; *row is the line number of the row's first line.
 */
static int
read_row(struct rows *r, char **line, size_t *cap, unsigned long *row)
{
	char	*more = NULL, *nl, *rest;
	size_t	 mcap = 0, n;

	if (next_line(r, line, cap) < 0)
		return -1;
	*row = r->lineno;
	while ((n = strlen(*line)) < IMPORT_ROW_MAX &&
	    r->lineno - *row < IMPORT_ROW_LINES &&
	    parse_import_open(*line, *row == 1) &&
	    next_line(r, &more, &mcap) == 0) {
		if (n + strlen(more) + 1 > *cap) {
			*cap = n + strlen(more) + 1;
			*line = xrealloc(*line, *cap);
		}
		memcpy(*line + n, more, strlen(more) + 1);
	}
	free(more);
	if (r->lineno > *row && parse_import_open(*line, *row == 1)) {
		nl = strchr(*line, '\n');
		rest = xasprintf("%s%s", nl + 1, r->pend != NULL ?
		    r->pend + r->off : "");
		free(r->pend);
		r->pend = rest;
		r->off = 0;
		nl[1] = '\0';
		r->lineno = *row;
	}
	return 0;
}

/*
 * suppress_import - suppress import MEMBER FILE ("-": stdin) [--column
 * N|NAME] [--reason R]
 */
static int
suppress_import(struct ctl *c, int argc, char **argv)
{
	static struct import im;
	struct parse_import cols;
	const char	*pos[2], *addr, *reason, *why, *column = NULL;
	const char	*reason_opt = NULL;
	const struct ctl_opt opts[] = { { "column", 1, &column },
		{ "reason", 1, &reason_opt }, { NULL, 0, NULL } };
	long long	 at;
	char		 h[64], mk[RKEY_MAX], sk[RKEY_MAX];
	char		 vals[PARSE_NREASONS][100];
	char		*line = NULL;
	size_t		 cap = 0, r;
	unsigned long	 bad = 0, rows = 0, row;
	struct rows	 rd = { NULL, NULL, 0, 0 };
	long long	 size = 0;
	struct stat	 st;
	FILE		*fp;
	json_t		*badj = json_array();
	int		 e, kind;

	ctl_args(c, argc, argv, opts, pos, 2, 2, "suppress import MEMBER FILE "
	    "[--column N|NAME] [--reason R]");
	if (parse_import_init(&cols, column, reason_opt, &why) < 0)
		ctl_user(c, "invalid", strncmp(why, "--column", 8) == 0 ?
		    column : reason_opt, "%s", why);
	ctl_member(c, pos[0], h, sizeof(h));
	fp = strcmp(pos[1], "-") == 0 ? stdin : fopen(pos[1], "r");
	if (fp == NULL)
		ctl_user(c, "unreadable_file", pos[1], "cannot open: %s",
		    strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		size = (long long)st.st_size;
	ctl_key(c, mk, RKEY_MEMBER, h, NULL);
	ctl_key(c, sk, RKEY_SUPPRESS, h, NULL);
	for (r = 0; r < PARSE_NREASONS; r++)
		rkey_suppress_value(vals[r], sizeof(vals[r]), parse_reasons[r],
		    (long long)c->now);
	memset(&im, 0, sizeof(im));
	im.c = c;
	im.keys[0] = mk;
	im.keys[1] = sk;
	rd.fp = fp;
	while (read_row(&rd, &line, &cap, &row) == 0) {
		kind = parse_import_row(&cols, line, row, &addr, &reason,
		    &at, &why);
		if (kind == PARSE_ROW_SKIP) {
			if (row == 1 && cols.addr_name[0] != '\0')
				header_note(c, pos[1], &cols);
			continue;
		}
		if (kind == PARSE_ROW_FATAL)
			ctl_user(c, "invalid", column, "%s:%lu: %s",
			    ctl_tx(pos[1]), row, why);
		if (kind == PARSE_ROW_OK &&
		    (e = addr_norm(addr, im.addr[im.npairs], ADDR_BUFSIZE)) != 0) {
			kind = PARSE_ROW_BAD;
			why = addr_strerror(e);
		}
		if (kind == PARSE_ROW_BAD) {
			bad++;
			fprintf(stderr, "%s:%lu: %s\n", ctl_tx(pos[1]), row,
			    why);
			if (json_array_size(badj) < IMPORT_BAD_JSON)
				json_array_append_new(badj, json_pack("{s:I, "
				    "s:s}", "line", (json_int_t)row, "error",
				    why));
			continue;
		}
		/* parse_import_row gives one of them ("import" last) */
		for (r = 0; r < PARSE_NREASONS - 1 &&
		    strcmp(parse_reasons[r], reason) != 0; r++)
			;
		if (at > 0 && at <= (long long)c->now) {
			/* a list's row: the time it was first suppressed */
			rkey_suppress_value(im.own[im.npairs], sizeof(im.own[0]),
			    parse_reasons[r], at);
			im.val[im.npairs] = im.own[im.npairs];
			im.npairs++;
		} else
			im.val[im.npairs++] = vals[r];
		rows++;
		if (im.npairs == IMPORT_PAIRS)
			flush(&im);
		if ((rows & 0xffff) == 0)
			progress(c, fp, size, rows, 0);
	}
	free(line);
	free(rd.pend);
	if (ferror(fp))
		ctl_user(c, "unreadable_file", pos[1], "read error at line %lu",
		    rd.lineno + 1);
	if (fp != stdin)
		fclose(fp);
	ctl_redis(c);
	flush(&im);
	drain(&im, 0);
	progress(c, NULL, size, rows, 1);
	if (im.member_gone)
		ctl_user(c, "unknown_member", pos[0], "member removed during "
		    "the import");
	im.kept = rows - im.added;
	if (c->json)
		ctl_emit(c, json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:i, "
		    "s:o}", "member", h, "rows", (json_int_t)rows, "added",
		    (json_int_t)im.added, "already", (json_int_t)im.kept, "bad",
		    (json_int_t)bad, "bad_rows", badj, "address_column",
		    cols.addr_col + 1, "reason_column", cols.reason_col < 0 ||
		    cols.reason != NULL ? json_null() :
		    json_integer(cols.reason_col + 1)));
	else {
		json_decref(badj);
		printf("%lu rows: %lu added, %lu already suppressed (or "
		    "repeated), %lu bad\n", rows, im.added, im.kept, bad);
	}
	return bad ? CTL_EXIT_USER : CTL_EXIT_OK;
}

int
cmd_suppress(struct ctl *c, int argc, char **argv)
{
	if (argc < 2)
		ctl_user(c, "usage", NULL, "suppress add|remove|list|import ...");
	if (strcmp(argv[1], "add") == 0) {
		c->cmd = "suppress add";
		return suppress_add(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "remove") == 0) {
		c->cmd = "suppress remove";
		return suppress_remove(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "list") == 0) {
		c->cmd = "suppress list";
		return suppress_list(c, argc - 1, argv + 1);
	}
	if (strcmp(argv[1], "import") == 0) {
		c->cmd = "suppress import";
		return suppress_import(c, argc - 1, argv + 1);
	}
	ctl_user(c, "usage", argv[1], "unknown suppress command (add, remove, "
	    "list, import)");
}
