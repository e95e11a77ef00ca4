/*
 * NAME
 *	ctl_out - relayctl's errors and output: messages, JSON documents,
 *	streamed arrays, and the check that stdout was written
 * DESCRIPTION
 *	With --json stdout holds exactly one JSON document, whatever
 *	happens: a result, an {"error": {...}} object, or an array. A
 *	streamed array (ctl_stream_*) prints its "[" only with its first
 *	element, so a failure before that still prints a plain error
 *	object; a failure after it (ctl_fail) ends the array with the error
 *	object as its last element and closes it. A listing that skips
 *	records it cannot read ends its array the same way
 *	(ctl_stream_done). So: an array printed with a non-zero exit status
 *	ends with {"error": {...}}, and only then.
 *
 *	A run that could not write stdout (a full disk, a closed pipe) must
 *	not exit 0: ctl_flush() tells, and main() exits 2 on it.
 * SEE ALSO
 *	ctl.h, relayctl(8)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "rconn.h"
#include "rreply.h"

/* say - "relayctl: CMD: ARG: MSG" on stderr */
static void
say(const struct ctl *c, const char *arg, const char *msg)
{
	fputs("relayctl: ", stderr);
	if (c->cmd != NULL && *c->cmd != '\0')
		fprintf(stderr, "%s: ", c->cmd);
	if (arg != NULL)
		fprintf(stderr, "%s: ", *arg ? ctl_tx(arg) : "\"\"");
	fprintf(stderr, "%s\n", ctl_tx(msg));
}

void
ctl_note(struct ctl *c, const char *arg, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(c, arg, msg);
}

void
ctl_note_unreadable(struct ctl *c, enum rkey_kind kind, const char *id,
    const char *why)
{
	char	 key[RKEY_MAX];

	if (rkey(key, sizeof(key), kind, id, NULL) < 0)
		snprintf(key, sizeof(key), "its record");
	ctl_note(c, id, "%s cannot be read (%s): not listed", key, why);
}

void
ctl_skip(struct ctl *c, json_t *skipped, enum rkey_kind kind, const char *id,
    const char *why)
{
	ctl_note_unreadable(c, kind, id, why);
	json_array_append_new(skipped, json_pack("{s:o, s:o}", "id",
	    ctl_jstr(id), "error", ctl_jstr(why)));
}

json_t *
ctl_error_json(const char *code, const char *arg, const char *msg)
{
	return json_pack("{s:s, s:o, s:o?}", "code", code, "message",
	    ctl_jstr(msg), "argument", ctl_jstr(arg));
}

/* vfail - ctl_fail and ctl_fail_with: extra's members join the error */
static void __attribute__((noreturn))
vfail(struct ctl *c, int exitcode, const char *code, const char *arg,
    json_t *extra, const char *fmt, va_list ap)
{
	char	 msg[1024];
	json_t	*e;
	size_t	 n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (exitcode == CTL_EXIT_BACKEND && rreply_replica(msg))
		snprintf(msg + n, sizeof(msg) - n, " (a replica: relay.conf's "
		    "redis section must lead to the primary)");
	say(c, arg, msg);
	if (c->json) {
		e = ctl_error_json(code, arg, msg);
		if (extra != NULL)
			json_object_update(e, extra);
		e = json_pack("{s:o}", "error", e);
		if (c->stream_n > 0)	/* the last element of the open array */
			ctl_stream_end(c, e);
		else
			ctl_emit(c, e);
	}
	json_decref(extra);
	fflush(stdout);
	/* The run ends here: close Redis cleanly, leave nothing behind. */
	ctl_unlock(c);
	rconn_free(c->rc);
	c->rc = NULL;
	conf_free(c->conf);
	c->conf = NULL;
	exit(exitcode);
}

/* ctl_fail - one error: stderr always, a JSON object too with --json */
void
ctl_fail(struct ctl *c, int exitcode, const char *code, const char *arg,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfail(c, exitcode, code, arg, NULL, fmt, ap);
}

void
ctl_fail_with(struct ctl *c, int exitcode, const char *code, const char *arg,
    json_t *extra, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfail(c, exitcode, code, arg, extra, fmt, ap);
}

void
ctl_backend(struct ctl *c, const char *what)
{
	ctl_fail(c, CTL_EXIT_BACKEND, "backend", NULL, "%s: %s", what,
	    c->rc ? rconn_errstr(c->rc) : "no connection");
}

void
ctl_conf_fail(struct ctl *c, const char *err)
{
	char	*copy = strdup(err), *line, *save = NULL;
	json_t	*errs = json_array();

	/* Lines of relay.conf quote its bytes: escaped like the rest. */
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		fprintf(stderr, "%s\n", ctl_tx(line));
		json_array_append_new(errs, ctl_jstr(line));
	}
	free(copy);
	ctl_fail_with(c, CTL_EXIT_USER, "invalid_config", c->conf_path,
	    json_pack("{s:o}", "errors", errs), "relay.conf does not load");
}

void
ctl_emit(struct ctl *c, json_t *j)
{
	if (j == NULL)
		return;
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
		c->out_err = 1;
	fputc('\n', stdout);
	json_decref(j);
}

int
ctl_done(struct ctl *c, json_t *j)
{
	if (c->json)
		ctl_emit(c, j);
	else
		json_decref(j);
	return CTL_EXIT_OK;
}

/*
 * partial - the records in skipped (taken) were left out of a listing: a
 * line on stderr, and the error element that ends the array (NULL
 * without --json)
 */
static json_t *
partial(struct ctl *c, json_t *skipped, const char *what)
{
	char	 msg[300];
	json_t	*e;

	snprintf(msg, sizeof(msg), "%zu %s could not be read and %s not "
	    "listed; every other one is", json_array_size(skipped), what,
	    json_array_size(skipped) == 1 ? "is" : "are");
	ctl_note(c, NULL, "%s", msg);
	if (!c->json) {
		json_decref(skipped);
		return NULL;
	}
	e = ctl_error_json("unreadable", NULL, msg);
	json_object_set_new(e, "skipped", skipped);
	return json_pack("{s:o}", "error", e);
}

int
ctl_stream_done(struct ctl *c, json_t *skipped, const char *what)
{
	json_t	*e = NULL;
	int	 rc = CTL_EXIT_OK;

	if (json_array_size(skipped) > 0) {
		e = partial(c, skipped, what);
		rc = CTL_EXIT_BACKEND;
	} else
		json_decref(skipped);
	if (c->json)
		ctl_stream_end(c, e);
	return rc;
}

void
ctl_stream_item(struct ctl *c, json_t *o)
{
	char	*s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s == NULL)
		c->out_err = 1;
	printf("%s\n  %s", c->stream_n++ ? "," : "[", s ? s : "null");
	free(s);
	json_decref(o);
}

int
ctl_stream_end(struct ctl *c, json_t *last)
{
	if (last != NULL)
		ctl_stream_item(c, last);
	fputs(c->stream_n ? "\n]\n" : "[]\n", stdout);
	c->stream_n = 0;
	return CTL_EXIT_OK;
}

int
ctl_flush(struct ctl *c)
{
	int	 e;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout) && !c->out_err)
		return 0;
	e = errno;
	fprintf(stderr, "relayctl: %s%scannot write standard output%s%s: the "
	    "output is incomplete\n", c->cmd ? c->cmd : "", c->cmd ? ": " : "",
	    e ? ": " : "", e ? strerror(e) : "");
	return -1;
}
