/*
 * NAME
 *	fuzz_maillog - libFuzzer harness for the mail log line parser
 * DESCRIPTION
 *	Feeds arbitrary bytes to maillog_parse() (in a buffer of exactly
 *	their length, so reading one octet too far is an ASan report) and
 *	abort()s when an invariant breaks:
 *
 *	- the result is one of the kinds and equals ev.kind;
 *	- every string of the event is NUL-terminated inside its buffer;
 *	- a delivery has a queue id, a non-empty recipient and a known
 *	  status; a removal, refusal, expiry or received line has a queue
 *	  id; an unknown line has none; a next queue id is only a sent
 *	  line's, alphanumeric, taken from its reply;
 *	- the same bytes parse to the same event (no hidden state), and
 *	  bounce_classify / bounce_event_id accept whatever was parsed.
 * SEE ALSO
 *	policyd/maillog.c, tests/fuzz/replay.c, tests/fuzz/corpus/maillog/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce.h"
#include "maillog.h"
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct maillog_event a, b;
	enum maillog_kind k;
	char	*line, id[33];

	line = malloc(size ? size : 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	k = maillog_parse(line, size, &a);
	check(k == a.kind && k >= MAILLOG_UNKNOWN && k <= MAILLOG_RECEIVED);
	check(terminated(a.stamp, sizeof(a.stamp)) &&
	    terminated(a.prog, sizeof(a.prog)) &&
	    terminated(a.qid, sizeof(a.qid)) &&
	    terminated(a.to, sizeof(a.to)) &&
	    terminated(a.orig_to, sizeof(a.orig_to)) &&
	    terminated(a.relay, sizeof(a.relay)) &&
	    terminated(a.delay, sizeof(a.delay)) &&
	    terminated(a.delays, sizeof(a.delays)) &&
	    terminated(a.dsn, sizeof(a.dsn)) &&
	    terminated(a.reply, sizeof(a.reply)) &&
	    terminated(a.from, sizeof(a.from)) &&
	    terminated(a.next_qid, sizeof(a.next_qid)));
	/* a next queue id only of a sent line, letters and digits, in its reply */
	if (a.next_qid[0] != '\0') {
		size_t	 i;

		check(k == MAILLOG_DELIVERY && a.status == MAILLOG_ST_SENT &&
		    strstr(a.reply, a.next_qid) != NULL);
		for (i = 0; a.next_qid[i]; i++)
			check((a.next_qid[i] >= '0' && a.next_qid[i] <= '9') ||
			    (a.next_qid[i] >= 'A' && a.next_qid[i] <= 'Z') ||
			    (a.next_qid[i] >= 'a' && a.next_qid[i] <= 'z'));
	}
	switch (k) {
	case MAILLOG_DELIVERY:
		check(a.qid[0] != '\0' && a.to[0] != '\0');
		check(a.status >= MAILLOG_ST_SENT &&
		    a.status <= MAILLOG_ST_EXPIRED);
		(void)bounce_classify(a.dsn);
		(void)bounce_classify_reply(a.dsn, a.reply);
		bounce_event_id(&a, id);
		check(strlen(id) == 32);
		break;
	case MAILLOG_REMOVED:
	case MAILLOG_REJECTED:
	case MAILLOG_EXPIRED:
	case MAILLOG_QUEUED:
	case MAILLOG_RECEIVED:
		check(a.qid[0] != '\0');
		break;
	case MAILLOG_UNKNOWN:
		check(a.qid[0] == '\0');
		break;
	default:
		break;
	}
	/* a resync point is inside the line and starts a Postfix line */
	{
		size_t	 off = maillog_resync(line, size);

		check(off < size || off == 0);
		if (off > 0)
			check(maillog_parse(line + off, size - off, &b) !=
			    MAILLOG_UNKNOWN);
	}
	check(maillog_parse(line, size, &b) == k);
	check(memcmp(&a, &b, sizeof(a)) == 0);
	free(line);
	return 0;
}
