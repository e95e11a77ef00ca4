/*
 * NAME
 *	test_maillog - the log line parser on real Postfix 3.7 lines
 * DESCRIPTION
 *	Every line here was copied from a private Postfix's maillog_file
 *	(shared/notes/sample-maillog.txt and a run of this suite's harness
 *	with the sink answering 550 5.1.1, 452 4.2.2, 550 5.7.1, 451 4.4.1
 *	and 451 4.2.0). The lines of the other delivery agents (error,
 *	discard, local, virtual, a per-recipient expiry) and the edge cases
 *	are written by hand in the same format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "maillog.h"

static struct maillog_event ev;

static enum maillog_kind
parse(const char *line)
{
	return maillog_parse(line, strlen(line), &ev);
}

static void
sent_line_from_the_sample(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 22 11:57:24 relay postfix-e2e/smtp[12362]: "
	    "4jXSHS51kwz1bb8Y: to=<ok@dest.example>, relay=127.0.0.1[127.0.0.1]"
	    ":20026, delay=0.07, delays=0.05/0.01/0/0.01, dsn=2.0.0, status=sent "
	    "(250 2.0.0 Ok: queued as SINK00000)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.stamp, "Nov 22 11:57:24");
	assert_string_equal(ev.prog, "smtp");
	assert_int_equal(ev.pid, 12362);
	assert_string_equal(ev.qid, "4jXSHS51kwz1bb8Y");
	assert_string_equal(ev.to, "ok@dest.example");
	assert_string_equal(ev.orig_to, "");
	assert_string_equal(ev.relay, "127.0.0.1[127.0.0.1]:20026");
	assert_string_equal(ev.delay, "0.07");
	assert_string_equal(ev.delays, "0.05/0.01/0/0.01");
	assert_string_equal(ev.dsn, "2.0.0");
	assert_int_equal(ev.status, MAILLOG_ST_SENT);
	assert_string_equal(ev.reply, "250 2.0.0 Ok: queued as SINK00000");
}

/*
 * IPv6 peers: lines of test_ipv6.sh's run (client, sink and relayhost on
 * ::1), a deferral written in smtp(8)'s "connect to %s[%s]:%d" form, and
 * a remote MX by name. The colons inside the brackets and in the reply
 * are part of the values.
 */
static void
ipv6_addresses_in_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("Dec 06 04:13:20 relay-pf postfix-pf/smtp[18951]: "
	    "4jhsKX42FRz1bkv6: to=<ok@rcpt.test>, relay=::1[::1]:39609, "
	    "delay=0.03, delays=0.01/0.02/0/0, dsn=2.0.0, status=sent (250 "
	    "2.0.0 Ok: queued as SINK00000)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.relay, "::1[::1]:39609");
	assert_string_equal(ev.delay, "0.03");
	assert_string_equal(ev.dsn, "2.0.0");
	assert_int_equal(ev.status, MAILLOG_ST_SENT);
	assert_string_equal(ev.next_qid, "SINK00000");
	assert_int_equal(parse("Dec 06 04:13:21 relay-pf postfix-pf/smtp[18951]: "
	    "4jhsKY2lNzz1bkvD: to=<bounce1@rcpt.test>, relay=::1[::1]:39609, "
	    "delay=0.03, delays=0/0.01/0/0.02, dsn=5.1.1, status=bounced (host "
	    "::1[::1] said: 550 5.1.1 <bounce1@rcpt.test>: Recipient address "
	    "rejected: no such user (in reply to RCPT TO command))"),
	    MAILLOG_DELIVERY);
	assert_string_equal(ev.relay, "::1[::1]:39609");
	assert_int_equal(ev.status, MAILLOG_ST_BOUNCED);
	assert_string_equal(ev.reply, "host ::1[::1] said: 550 5.1.1 "
	    "<bounce1@rcpt.test>: Recipient address rejected: no such user (in "
	    "reply to RCPT TO command)");
	assert_int_equal(parse("Dec 06 04:13:20 relay-pf postfix-pf/submission/"
	    "smtpd[18943]: 4jhsKX42FRz1bkv6: client=unknown[::1], "
	    "sasl_method=PLAIN, sasl_username=vera"), MAILLOG_RECEIVED);
	assert_string_equal(ev.qid, "4jhsKX42FRz1bkv6");
	assert_string_equal(ev.prog, "smtpd");
	assert_int_equal(parse("Dec 06 04:13:22 relay-pf postfix-pf/smtp[18951]: "
	    "4jhsKZ0aaaz1bkvG: to=<ok@rcpt.test>, relay=none, delay=0.01, "
	    "delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to "
	    "::1[::1]:39609: Connection refused)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.relay, "none");
	assert_int_equal(ev.status, MAILLOG_ST_DEFERRED);
	assert_string_equal(ev.dsn, "4.4.1");
	assert_string_equal(ev.reply,
	    "connect to ::1[::1]:39609: Connection refused");
	assert_int_equal(parse("Dec 06 04:13:22 relay-pf postfix-pf/smtp[18951]: "
	    "4jhsKZ0bbbz1bkvG: to=<x@dest.example>, relay=mx.dest.example"
	    "[2001:db8::25]:25, delay=1.2, delays=0/0/0.5/0.7, dsn=2.0.0, "
	    "status=sent (250 2.0.0 Ok: queued as 4Fxyz123)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.relay, "mx.dest.example[2001:db8::25]:25");
	assert_string_equal(ev.next_qid, "4Fxyz123");
}

static void
bounced_hard_with_nested_parentheses(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 23 10:53:37 relay-pf postfix-pf/smtp[16358]: "
	    "4jY2qP0PV2z1bY3H: to=<bounce@dest.example>, relay=127.0.0.1[127.0.0.1]"
	    ":46633, conn_use=2, delay=0.74, delays=0.55/0.17/0/0.02, dsn=5.1.1, "
	    "status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
	    "<bounce@dest.example>: Recipient address rejected: no such user (in "
	    "reply to RCPT TO command))"), MAILLOG_DELIVERY);
	assert_int_equal(ev.status, MAILLOG_ST_BOUNCED);
	assert_string_equal(ev.dsn, "5.1.1");
	assert_string_equal(ev.delay, "0.74");
	assert_string_equal(ev.reply, "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
	    "<bounce@dest.example>: Recipient address rejected: no such user (in "
	    "reply to RCPT TO command)");
}

static void
deferred_soft_policy_technical(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 23 10:53:37 relay-pf postfix-pf/smtp[16355]: "
	    "4jY2qP0xqBz1bY3J: to=<full@dest.example>, relay=127.0.0.1[127.0.0.1]"
	    ":46633, delay=0.65, delays=0.47/0.12/0.04/0.02, dsn=4.2.2, "
	    "status=deferred (host 127.0.0.1[127.0.0.1] said: 452 4.2.2 "
	    "<full@dest.example>: mailbox full (in reply to RCPT TO command))"),
	    MAILLOG_DELIVERY);
	assert_int_equal(ev.status, MAILLOG_ST_DEFERRED);
	assert_string_equal(ev.dsn, "4.2.2");
	assert_int_equal(parse("Nov 23 10:53:37 relay-pf postfix-pf/smtp[16352]: "
	    "4jY2qP1VKpz1bY3K: to=<policy@dest.example>, relay=127.0.0.1"
	    "[127.0.0.1]:46633, delay=0.5, delays=0.39/0.05/0/0.06, dsn=5.7.1, "
	    "status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 "
	    "<policy@dest.example>: Recipient address rejected by policy (in "
	    "reply to RCPT TO command))"), MAILLOG_DELIVERY);
	assert_string_equal(ev.dsn, "5.7.1");
	assert_int_equal(parse("Nov 23 10:53:37 relay-pf postfix-pf/smtp[16358]: "
	    "4jY2qP22D2z1bY3L: to=<tech@dest.example>, relay=127.0.0.1[127.0.0.1]"
	    ":46633, conn_use=2, delay=0.53, delays=0.32/0.19/0/0.01, dsn=4.4.1, "
	    "status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.4.1 "
	    "<tech@dest.example>: no answer from host (in reply to RCPT TO "
	    "command))"), MAILLOG_DELIVERY);
	assert_string_equal(ev.dsn, "4.4.1");
	assert_int_equal(ev.status, MAILLOG_ST_DEFERRED);
	/* soft_bounce = yes: what would have bounced stays queued */
	assert_int_equal(parse("Dec  7 21:40:02 relay postfix/smtp[2211]: "
	    "4jY2qP22D2z1bY3M: to=<gone@dest.example>, relay=127.0.0.1"
	    "[127.0.0.1]:46633, delay=0.2, delays=0.1/0/0/0.1, dsn=5.1.1, "
	    "status=SOFTBOUNCE (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
	    "<gone@dest.example>: User unknown (in reply to RCPT TO "
	    "command))"), MAILLOG_DELIVERY);
	assert_int_equal(ev.status, MAILLOG_ST_DEFERRED);
	assert_string_equal(ev.dsn, "5.1.1");
}

static void
virtual_alias_keeps_orig_to(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 22 11:57:27 relay postfix-e2e/smtp[12362]: "
	    "4jXSHW4KMjz1bbJQ: to=<owner@forward.example>, orig_to="
	    "<X@Enrolled.Example>, relay=127.0.0.1[127.0.0.1]:20026, delay=0.05, "
	    "delays=0.05/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as "
	    "SINK00004)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.to, "owner@forward.example");
	assert_string_equal(ev.orig_to, "X@Enrolled.Example");
	assert_string_equal(ev.relay, "127.0.0.1[127.0.0.1]:20026");
}

static void
pipe_delivery_and_submission_tag(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 22 11:57:28 relay postfix-e2e/pipe[13477]: "
	    "4jXSHW73HVz1bbJW: to=<unsub+AbC123xyz@relay.example>, relay=unsub, "
	    "delay=0.09, delays=0.05/0.01/0/0.03, dsn=2.0.0, status=sent "
	    "(delivered via unsub service)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.prog, "pipe");
	assert_string_equal(ev.relay, "unsub");
	assert_string_equal(ev.reply, "delivered via unsub service");
	assert_int_equal(parse("Nov 22 11:57:24 relay postfix-e2e/submission/"
	    "smtpd[12304]: 4jXSHS51kwz1bb8Y: client=localhost[127.0.0.1], "
	    "sasl_method=PLAIN, sasl_username=alice"), MAILLOG_RECEIVED);
	assert_string_equal(ev.prog, "smtpd");
	assert_string_equal(ev.qid, "4jXSHS51kwz1bb8Y");
	assert_string_equal(maillog_kind_name(ev.kind), "received");
	/* a pipe delivery names no next queue id */
	assert_int_equal(parse("Nov 22 11:57:28 relay postfix-e2e/pipe[13477]: "
	    "4jXSHW73HVz1bbJW: to=<a@b.example>, relay=unsub, delay=0.09, "
	    "delays=0.05/0.01/0/0.03, dsn=2.0.0, status=sent (delivered via "
	    "unsub service)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "");
}

/* a line whose writer stopped mid-line, read glued to the next one */
static void
resync_after_an_unfinished_line(void **state)
{
	static const char whole[] = "Dec  5 12:18:41 relay postfix/smtp[1]: "
	    "4jQPARTB114826: to=<partb-1@d.example>, relay=mx[192.0.2.1]:25, "
	    "delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (550 no)";
	char	 buf[1024];
	size_t	 off;

	(void)state;
	snprintf(buf, sizeof(buf), "Dec  5 12:18:40 relay postfix/smtp[1]: "
	    "4jQPARTA114826: to=<parta-1@d.examp%s", whole);
	off = maillog_resync(buf, strlen(buf));
	assert_int_equal(off, strlen(buf) - strlen(whole));
	assert_int_equal(parse(buf + off), MAILLOG_DELIVERY);
	assert_string_equal(ev.to, "partb-1@d.example");
	/* ISO stamps (postlogd with maillog_file_rotate... iso) */
	snprintf(buf, sizeof(buf), "2026-12-05T12:18:40.1+00:00 relay postfix"
	    "/qmgr[9]: 4jQP2026-12-05T12:18:41.000001+00:00 relay postfix/qmgr"
	    "[9]: 4jQPARTB114826: removed");
	off = maillog_resync(buf, strlen(buf));
	assert_true(off > 0);
	assert_int_equal(parse(buf + off), MAILLOG_REMOVED);
	/* a whole line is not cut, nor one whose text quotes a date */
	assert_int_equal(maillog_resync(whole, strlen(whole)), 0);
	snprintf(buf, sizeof(buf), "Dec  5 12:18:41 relay postfix/smtp[1]: "
	    "4jQPARTB114826: to=<a@d.example>, relay=mx[192.0.2.1]:25, "
	    "dsn=4.0.0, status=deferred (451 try after Dec  5 13:00:00 UTC)");
	assert_int_equal(maillog_resync(buf, strlen(buf)), 0);
	assert_int_equal(maillog_resync("", 0), 0);
	assert_int_equal(maillog_resync("Dec", 3), 0);
}

/* the reply's "queued as QID": a content filter's, Postfix's own, none */
static void
queued_as_next_queue_id(void **state)
{
	(void)state;
	/* the harness's filter (Postfix's own smtpd), test_tracker_filter */
	assert_int_equal(parse("Dec  5 16:20:01 relay-pf postfix-pf/filter"
	    "[4411]: 4jhWwQ6Mq0z1ftJS: to=<ok@dest.example>, relay=127.0.0.1"
	    "[127.0.0.1]:24301, delay=0.2, delays=0.1/0.01/0.05/0.04, "
	    "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4jhWwR1Sbbz1ftJg)"),
	    MAILLOG_DELIVERY);
	assert_string_equal(ev.prog, "filter");
	assert_string_equal(ev.next_qid, "4jhWwR1Sbbz1ftJg");
	/* amavis (its documented reply), short queue ids */
	assert_int_equal(parse("Dec  5 16:20:01 mx postfix/smtp[4411]: "
	    "3F2A81C0D9: to=<ok@dest.example>, relay=127.0.0.1[127.0.0.1]:10024,"
	    " delay=1.2, delays=0.1/0/0/1.1, dsn=2.0.0, status=sent (250 2.0.0 "
	    "from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as "
	    "4B7E21C0DA)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "4B7E21C0DA");
	/* the last "queued as" counts; one that is no queue id does not */
	assert_int_equal(parse("Dec  5 16:20:01 mx postfix/smtp[1]: 3F2A81C0D9: "
	    "to=<a@b.example>, relay=x[192.0.2.1]:25, dsn=2.0.0, status=sent "
	    "(250 queued as 1111 then queued as ABCDE12345)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "ABCDE12345");
	assert_int_equal(parse("Dec  5 16:20:01 mx postfix/smtp[1]: 3F2A81C0D9: "
	    "to=<a@b.example>, relay=x[192.0.2.1]:25, dsn=2.0.0, status=sent "
	    "(250 2.0.0 queued as <20261205@x.example>)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "");
	assert_int_equal(parse("Dec  5 16:20:01 mx postfix/smtp[1]: 3F2A81C0D9: "
	    "to=<a@b.example>, relay=x[192.0.2.1]:25, dsn=2.0.0, status=sent "
	    "(250 2.0.0 Ok: queued as zz-top)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "");
	assert_int_equal(parse("Dec  5 16:20:01 mx postfix/smtp[1]: 3F2A81C0D9: "
	    "to=<a@b.example>, relay=x[192.0.2.1]:25, dsn=2.0.0, status=sent "
	    "(250 2.0.0 Ok: queued as 4B7E21C0DA; id=xyz)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "4B7E21C0DA");
	/* only a sent line names one */
	assert_int_equal(parse("Dec  5 16:20:01 mx postfix/smtp[1]: 3F2A81C0D9: "
	    "to=<a@b.example>, relay=x[192.0.2.1]:25, dsn=4.0.0, "
	    "status=deferred (451 4.0.0 queued as 4B7E21C0DA but failed)"),
	    MAILLOG_DELIVERY);
	assert_string_equal(ev.next_qid, "");
}

static void
other_delivery_agents(void **state)
{
	static const struct {
		const char	*line, *prog, *dsn;
		enum maillog_status st;
	} t[] = {
		{ "Nov 23 10:00:00 relay postfix/error[123]: 4jY2qP0PV2z1bY3H: "
		  "to=<x@y.example>, relay=none, delay=0.01, delays=0/0/0/0, "
		  "dsn=5.0.0, status=bounced (User unknown)", "error", "5.0.0",
		  MAILLOG_ST_BOUNCED },
		{ "Nov 23 10:00:00 relay postfix/discard[5]: 4jY2qP0PV2z1bY3H: "
		  "to=<x@y.example>, relay=none, delay=0.1, delays=0.1/0/0/0, "
		  "dsn=2.0.0, status=sent (discarded)", "discard", "2.0.0",
		  MAILLOG_ST_SENT },
		{ "Nov 23 10:00:00 relay postfix/local[7]: 4jY2qP0PV2z1bY3H: "
		  "to=<root@relay.test>, orig_to=<postmaster>, relay=local, "
		  "delay=0.02, delays=0.01/0/0/0, dsn=2.0.0, status=sent "
		  "(delivered to mailbox)", "local", "2.0.0", MAILLOG_ST_SENT },
		{ "Nov 23 10:00:00 relay postfix/virtual[8]: 4jY2qP0PV2z1bY3H: "
		  "to=<u@v.example>, relay=virtual, delay=0.02, delays=0.01/0/0/0,"
		  " dsn=5.2.2, status=bounced (cannot update mailbox /var/mail/u "
		  "for user u. error writing message: File too large)", "virtual",
		  "5.2.2", MAILLOG_ST_BOUNCED },
		{ "Nov 23 10:00:00 relay postfix/relay/smtp[9]: 4jY2qP0PV2z1bY3H: "
		  "to=<u@v.example>, relay=none, delay=432000, delays=432000/0/0/0,"
		  " dsn=4.4.1, status=expired (connect to v.example: Connection "
		  "timed out)", "smtp", "4.4.1", MAILLOG_ST_EXPIRED },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(parse(t[i].line), MAILLOG_DELIVERY);
		assert_string_equal(ev.prog, t[i].prog);
		assert_string_equal(ev.dsn, t[i].dsn);
		assert_int_equal(ev.status, t[i].st);
	}
	assert_string_equal(ev.reply, "connect to v.example: Connection timed out");
}

static void
qmgr_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("Nov 22 11:57:24 relay postfix-e2e/qmgr[12296]: "
	    "4jXSHS51kwz1bb8Y: from=<alice@member.example>, size=458, nrcpt=1 "
	    "(queue active)"), MAILLOG_QUEUED);
	assert_string_equal(ev.from, "alice@member.example");
	assert_int_equal(ev.nrcpt, 1);
	assert_int_equal(parse("Nov 22 11:57:25 relay postfix-e2e/qmgr[12296]: "
	    "4jXSHT0pVbz1bbDM: from=<>, size=2541, nrcpt=1 (queue active)"),
	    MAILLOG_QUEUED);
	assert_string_equal(ev.from, "");
	/* nrcpt last on the line (found by the fuzzer: read past the end) */
	assert_int_equal(parse("Nov 22 11:57:25 r postfix/qmgr[1]: "
	    "4jXSHT0pVbz1bbDM: from=<a@b.example>, size=2, nrcpt=12"),
	    MAILLOG_QUEUED);
	assert_int_equal(ev.nrcpt, 12);
	assert_int_equal(parse("Nov 22 11:57:24 relay postfix-e2e/qmgr[12296]: "
	    "4jXSHS51kwz1bb8Y: removed"), MAILLOG_REMOVED);
	assert_string_equal(ev.qid, "4jXSHS51kwz1bb8Y");
	assert_int_equal(parse("Nov 23 10:53:41 relay-pf postfix-pf/qmgr[16284]: "
	    "4jY2qP3lr2z1bYNP: from=<s@member.example>, status=force-expired, "
	    "returned to sender"), MAILLOG_EXPIRED);
	assert_string_equal(ev.from, "s@member.example");
	assert_int_equal(parse("Nov 22 11:40:02 relay postfix-e2e/qmgr[8943]: "
	    "4jXSCN3mJnz1bc6f: from=<sender@member.example>, status=expired, "
	    "returned to sender"), MAILLOG_EXPIRED);
	assert_int_equal(parse("Nov 22 11:57:25 relay postfix-e2e/qmgr[12296]: "
	    "4jXSHT0JjDz1bbDw: removed extra"), MAILLOG_OTHER);
	/* refused at end of data, never queued (sample-maillog.txt) */
	assert_int_equal(parse("Nov 22 11:57:26 relay postfix-e2e/cleanup[12346]"
	    ": 4jXSHV558fz1bZpH: milter-reject: END-OF-MESSAGE from localhost"
	    "[127.0.0.1]: 4.7.1 Service unavailable - try again later; "
	    "from=<s@member.example> to=<ok@dest.example> proto=ESMTP "
	    "helo=<vm>"), MAILLOG_REJECTED);
	assert_string_equal(ev.qid, "4jXSHV558fz1bZpH");
	assert_true(strncmp(ev.reply, "from localhost[127.0.0.1]: 4.7.1 ", 33)
	    == 0);
	assert_string_equal(maillog_kind_name(ev.kind), "rejected");
	assert_int_equal(parse("Nov 22 11:57:26 relay postfix-e2e/submission/"
	    "smtpd[12304]: 4jXSHV4QCMz1bbDQ: reject: END-OF-MESSAGE from "
	    "localhost[127.0.0.1]: 521 5.7.1 <END-OF-MESSAGE>: End-of-data "
	    "rejected: Member suspended; from=<pol521@member.example> "
	    "to=<ok@dest.example> proto=ESMTP helo=<vm>"), MAILLOG_REJECTED);
	assert_int_equal(parse("Nov 22 11:57:26 r postfix/cleanup[1]: "
	    "4jXSHV558fz1bZpH: milter-discard: END-OF-MESSAGE from l[1]: "
	    "milter triggers DISCARD action; from=<a@b.example>"),
	    MAILLOG_REJECTED);
	/* cleanup could not write what the milters passed: never queued */
	assert_int_equal(parse("Dec  5 22:10:01 relay fix-pf/cleanup[4242]: "
	    "warning: 4jhhcJ6xKpz1blQk: queue file size limit exceeded"),
	    MAILLOG_REJECTED);
	assert_string_equal(ev.qid, "4jhhcJ6xKpz1blQk");
	assert_string_equal(ev.reply, "queue file size limit exceeded");
	assert_int_equal(parse("Sep 17 06:29:56 h postfix/smtpd[5151]: "
	    "warning: 3999BEB4021: queue file size limit exceeded"),
	    MAILLOG_REJECTED);
	assert_int_equal(parse("Dec  5 22:10:01 relay postfix/cleanup[4242]: "
	    "warning: 4jhhcJ6xKpz1blQk: write queue file: No space left on "
	    "device"), MAILLOG_REJECTED);
	assert_string_equal(ev.reply, "write queue file: No space left on "
	    "device");
	/* nor from another program (a line forged with postlog, say) */
	assert_int_equal(parse("Dec  5 22:10:01 relay postfix/postlog[4242]: "
	    "warning: 4jhhcJ6xKpz1blQk: queue file size limit exceeded"),
	    MAILLOG_OTHER);
	/* other warnings are not, nor a queue id line that is no warning */
	assert_int_equal(parse("Dec  5 22:10:01 relay postfix/cleanup[4242]: "
	    "warning: 4jhhcJ6xKpz1blQk: queue file size limit exceeded!"),
	    MAILLOG_OTHER);
	assert_int_equal(parse("Dec  5 22:10:01 relay postfix/cleanup[4242]: "
	    "warning: cleanup_patch_header: seek file incoming/4jhhcJ6xKpz1blQk"
	    ": File too large"), MAILLOG_OTHER);
	assert_int_equal(parse("Dec  5 22:10:01 relay postfix/cleanup[4242]: "
	    "4jhhcJ6xKpz1blQk: queue file size limit exceeded"), MAILLOG_OTHER);
	assert_int_equal(parse("Dec  5 22:10:01 relay postfix/smtpd[4242]: "
	    "warning: 4jhhcJ6xKpz1blQk: to=<a@b.example>, relay=none, "
	    "dsn=5.0.0, status=bounced (x)"), MAILLOG_OTHER);
	/* a refusal before the queue id (RCPT) or at another stage is not */
	assert_int_equal(parse("Nov 22 11:57:26 r postfix/cleanup[1]: "
	    "4jXSHV558fz1bZpH: milter-reject: RCPT from l[1]: 5.7.1 x"),
	    MAILLOG_OTHER);
	assert_int_equal(parse("Nov 22 11:57:26 r postfix/cleanup[1]: "
	    "4jXSHV558fz1bZpH: milter-hold: END-OF-MESSAGE from l[1]: x"),
	    MAILLOG_OTHER);
}

static void
lines_the_tracker_does_not_act_on(void **state)
{
	static const char *other[] = {
		"Nov 22 11:57:24 relay postfix-e2e/master[12293]: daemon started "
		    "-- version 3.7.11, configuration /tmp/integ/e2e/pf/etc",
		"Nov 22 11:57:24 relay postfix-e2e/cleanup[12346]: 4jXSHS51kwz1bb8Y:"
		    " message-id=<e2e-ok@member.example>",
		"Nov 22 11:57:25 relay postfix-e2e/bounce[12451]: 4jXSHT0JjDz1bbDw: "
		    "sender non-delivery notification: 4jXSHT0pVbz1bbDM",
		"Nov 22 11:57:26 relay postfix-e2e/submission/smtpd[12304]: "
		    "NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 521 5.7.1 "
		    "<pol521@dest.example>: Recipient address rejected: Member "
		    "suspended; from=<alice@member.example> to=<pol521@dest.example>"
		    " proto=ESMTP helo=<vm>",
		"Nov 22 11:57:25 relay postfix-e2e/submission/smtpd[12304]: warning: "
		    "localhost[127.0.0.1]: SASL PLAIN authentication failed: (reason "
		    "unavailable), sasl_username=alice",
		"Nov 23 10:53:37 relay-pf postfix-pf/postsuper[16350]: Released from"
		    " hold: 8 messages",
		"Nov 23 10:53:37 relay-pf postfix-pf/pipe[16354]: warning: file "
		    "/tmp/x/master.cf: service unsub: unknown macro name: \"1\"",
		/* an address verification probe's status (verify(8)) */
		"Nov 23 10:53:37 relay-pf postfix-pf/smtp[1]: 4jY2qP0PV2z1bY3H: "
		    "to=<a@b.example>, relay=none, delay=1, delays=1/0/0/0, "
		    "dsn=4.0.0, status=undeliverable (x)",
		/* a delivery line cut before its status */
		"Nov 23 10:53:37 relay-pf postfix-pf/smtp[1]: 4jY2qP0PV2z1bY3H: "
		    "to=<a@b.example>, relay=none, delay=1",
		"Nov 23 10:53:37 relay-pf postfix-pf/smtp[1]: 4jY2qP0PV2z1bY3H: "
		    "to=<a@b.example",
	};
	static const char *unknown[] = {
		"",
		"garbage",
		"Nov 22 11:57:24",
		"Nov 22 11:57:24 relay",
		"Nov 22 11:57:24 relay postfix/smtp[12]",
		"Nov 22 11:57:24 relay postfix/smtp[x]: 4jXSHS51kwz1bb8Y: removed",
		"Nov 22 1:57:24 relay postfix/qmgr[1]: 4jXSHS51kwz1bb8Y: removed",
		"Nov 222 11:57:24 relay postfix/qmgr[1]: 4jXSHS51kwz1bb8Y: removed",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_int_equal(parse(other[i]), MAILLOG_OTHER);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(parse(unknown[i]), MAILLOG_UNKNOWN);
}

static void
formats_and_edges(void **state)
{
	char	 big[4096];
	size_t	 n;

	(void)state;
	/* space-padded day, short hex queue id, CRLF */
	assert_int_equal(parse("Nov  5 01:02:03 mx postfix/qmgr[7]: 3F1A2B4C5D: "
	    "removed\r\n"), MAILLOG_REMOVED);
	assert_string_equal(ev.qid, "3F1A2B4C5D");
	assert_string_equal(ev.stamp, "Nov  5 01:02:03");
	/* ISO 8601 time stamps (rsyslog's high-precision format) */
	assert_int_equal(parse("2026-11-23T10:53:37.123456+00:00 mx postfix/lmtp"
	    "[9]: 4jY2qP0PV2z1bY3H: to=<u@x.example>, relay=x[private/dovecot-"
	    "lmtp], delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)"),
	    MAILLOG_DELIVERY);
	assert_string_equal(ev.prog, "lmtp");
	/* words that look like queue ids are not */
	assert_int_equal(parse("Nov 22 11:57:24 relay postfix/qmgr[1]: "
	    "statistics: removed"), MAILLOG_OTHER);
	assert_string_equal(ev.qid, "");
	/* a NUL inside the line */
	assert_int_equal(maillog_parse("Nov 22 11:57:24 r p/q[1]: 3F1A2B4C5D:\0 "
	    "removed", 40, &ev), MAILLOG_UNKNOWN);
	/* an over-long reply is cut, the event kept */
	n = (size_t)snprintf(big, sizeof(big), "Nov 22 11:57:24 r postfix/smtp[1]:"
	    " 4jXSHS51kwz1bb8Y: to=<a@b.example>, relay=none, delay=1, "
	    "delays=1/0/0/0, dsn=5.1.1, status=bounced (");
	memset(big + n, 'x', 3000);
	big[n + 3000] = ')';
	big[n + 3001] = '\0';
	assert_int_equal(parse(big), MAILLOG_DELIVERY);
	assert_int_equal(strlen(ev.reply), MAILLOG_REPLY_MAX - 1);
	/* an over-long address is refused, not cut */
	n = (size_t)snprintf(big, sizeof(big), "Nov 22 11:57:24 r postfix/smtp[1]:"
	    " 4jXSHS51kwz1bb8Y: to=<");
	memset(big + n, 'a', 1000);
	snprintf(big + n + 1000, sizeof(big) - n - 1000, "@b.example>, relay=none,"
	    " delay=1, delays=1/0/0/0, dsn=5.1.1, status=bounced (x)");
	assert_int_equal(parse(big), MAILLOG_OTHER);
	/* a quoted local part with a ">" inside */
	assert_int_equal(parse("Nov 22 11:57:24 r postfix/smtp[1]: 4jXSHS51kwz1bb8Y:"
	    " to=<\"a>b\"@c.example>, relay=none, delay=1, delays=1/0/0/0, "
	    "dsn=5.1.1, status=bounced (x)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.to, "\"a>b\"@c.example");
	assert_string_equal(maillog_status_name(MAILLOG_ST_EXPIRED), "expired");
	assert_string_equal(maillog_kind_name(MAILLOG_UNKNOWN), "unknown");
}

/*
 * quoted_local_parts - Postfix quotes a local part with specials; a ">, "
 * inside the quotes does not end the address; an unbalanced quote falls
 * back on the first ">, "
 */
static void
quoted_local_parts(void **state)
{
	(void)state;
	assert_int_equal(parse("Dec  5 06:10:00 relay-pf postfix-pf/smtp[1]: "
	    "4jY2qP0PV2z1bY3H: to=<\"x>, y\"@dest.example>, "
	    "orig_to=<\"p>, q\"@alice.test>, relay=127.0.0.1[127.0.0.1]:25, "
	    "delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced "
	    "(host said: 550 5.1.1 no)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.to, "\"x>, y\"@dest.example");
	assert_string_equal(ev.orig_to, "\"p>, q\"@alice.test");
	assert_int_equal(ev.status, MAILLOG_ST_BOUNCED);
	assert_int_equal(parse("Dec  5 06:10:00 relay-pf postfix-pf/smtp[1]: "
	    "4jY2qP0PV2z1bY3H: to=<\"a\\\">, b\"@dest.example>, "
	    "relay=none, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, "
	    "status=sent (ok)"), MAILLOG_DELIVERY);
	assert_string_equal(ev.to, "\"a\\\">, b\"@dest.example");
	assert_int_equal(parse("Dec  5 06:10:00 relay-pf postfix-pf/smtp[1]: "
	    "4jY2qP0PV2z1bY3H: to=<\"open@dest.example>, relay=none, "
	    "delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (ok)"),
	    MAILLOG_DELIVERY);
	assert_string_equal(ev.to, "\"open@dest.example");
	assert_int_equal(ev.status, MAILLOG_ST_SENT);
}

/* Edges of the stamp, tag, queue id and fields (mutation pass 2). */
#define H	"Nov 22 11:57:24 relay postfix/smtp[1]: "
#define Q	"Nov 22 11:57:24 relay postfix/qmgr[1]: "
static const struct {
	const char		*name;
	const char		*line;
	enum maillog_kind	 kind;
	char			 field;	/* q qid, n next_qid, r reply, d dsn, y delay */
	const char		*want;
} edges[] = {
	{ "a day of three digits", "Nov 123 11:57:24 postfix/smtp[1]: 4ABCD1: "
	    "to=<a@b.test>, status=sent (ok)", MAILLOG_UNKNOWN, 0, NULL },
	{ "an empty pid", "Nov 22 11:57:24 relay postfix/smtp[]: 4ABCD1: "
	    "to=<a@b.test>, status=sent (ok)", MAILLOG_UNKNOWN, 0, NULL },
	{ "a negative pid", "Nov 22 11:57:24 relay postfix/smtp[-1]: 4ABCD1: "
	    "to=<a@b.test>, status=sent (ok)", MAILLOG_UNKNOWN, 0, NULL },
	{ "a queue id of hex letters only (A to F)", H "ABCDEF: to=<a@b.test>, "
	    "status=sent (ok)", MAILLOG_DELIVERY, 'q', "ABCDEF" },
	{ "a queue id of 5 characters", H "1A2B3: to=<a@b.test>, status=sent "
	    "(ok)", MAILLOG_DELIVERY, 'q', "1A2B3" },
	{ "a queue id of 4 characters", H "1A2B: to=<a@b.test>, status=sent "
	    "(ok)", MAILLOG_OTHER, 0, NULL },
	{ "a queue id of 31 characters", H "4jXSHS51kwz1bb8Y4jXSHS51kwz1bb8: "
	    "to=<a@b.test>, status=sent (ok)", MAILLOG_DELIVERY, 'q',
	    "4jXSHS51kwz1bb8Y4jXSHS51kwz1bb8" },
	{ "a queue id of 32 characters", H "4jXSHS51kwz1bb8Y4jXSHS51kwz1bb8Y: "
	    "to=<a@b.test>, status=sent (ok)", MAILLOG_OTHER, 0, NULL },
	{ "a field name holding a space", H "4ABCD1: to=<a@b.test>, de lay=1, "
	    "status=sent (ok)", MAILLOG_OTHER, 0, NULL },
	{ "a field name like delay", H "4ABCD1: to=<a@b.test>, delax=9, "
	    "status=sent (ok)", MAILLOG_DELIVERY, 'y', "" },
	{ "a dsn too long is dropped, not cut", H "4ABCD1: to=<a@b.test>, "
	    "dsn=5.1.1.1.1.1.1.1.1.1, status=bounced (x)", MAILLOG_DELIVERY,
	    'd', "" },
	{ "a reply without its closing parenthesis", H "4ABCD1: to=<a@b.test>, "
	    "status=sent (250 ok", MAILLOG_DELIVERY, 'r', "250 ok" },
	{ "queued as an id followed by a dot", H "4ABCD1: to=<a@b.test>, "
	    "relay=x[127.0.0.1]:25, status=sent (250 2.0.0 Ok: queued as "
	    "5BCDE2.)", MAILLOG_DELIVERY, 'n', "" },
	{ "from= without its comma", Q "4ABCD1: from=<a@b.test> size=1, "
	    "nrcpt=1 (queue active)", MAILLOG_OTHER, 0, NULL },
	{ "from= closed by a comma at the end", Q "4ABCD1: from=<a@b.test>,",
	    MAILLOG_OTHER, 0, NULL },
	{ "from= without nrcpt", Q "4ABCD1: from=<a@b.test>, size=1",
	    MAILLOG_OTHER, 0, NULL },
	{ "queue file size limit exceeded, the LF kept in the buffer",
	    "Nov 22 11:57:24 relay postfix/cleanup[1]: warning: 4ABCD1: "
	    "queue file size limit exceeded\n", MAILLOG_REJECTED, 0, NULL },
};
#undef H
#undef Q

static void
edges_of_the_fields(void **state)
{
	const char	*got;
	size_t		 i;
	enum maillog_kind k;

	(void)state;
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		k = parse(edges[i].line);
		if (k != edges[i].kind)
			fail_msg("%s: got %s, want %s", edges[i].name,
			    maillog_kind_name(k), maillog_kind_name(edges[i].kind));
		switch (edges[i].field) {
		case 'q': got = ev.qid; break;
		case 'n': got = ev.next_qid; break;
		case 'r': got = ev.reply; break;
		case 'd': got = ev.dsn; break;
		case 'y': got = ev.delay; break;
		default: continue;
		}
		if (strcmp(got, edges[i].want) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", edges[i].name, got,
			    edges[i].want);
	}
}

/* An address of MAILLOG_ADDR_MAX - 1 octets is kept, one more is not cut. */
static void
address_at_its_buffer(void **state)
{
	char	 line[1024];
	int	 n, len;

	(void)state;
	for (len = MAILLOG_ADDR_MAX - 1; len <= MAILLOG_ADDR_MAX; len++) {
		n = snprintf(line, sizeof(line), "Nov 22 11:57:24 relay "
		    "postfix/smtp[1]: 4ABCD1: to=<");
		memset(line + n, 'a', (size_t)len);
		snprintf(line + n + len, sizeof(line) - (size_t)(n + len),
		    ">, status=sent (ok)");
		assert_int_equal(parse(line), len < MAILLOG_ADDR_MAX ?
		    MAILLOG_DELIVERY : MAILLOG_OTHER);
		if (len < MAILLOG_ADDR_MAX)
			assert_int_equal(strlen(ev.to), (size_t)len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sent_line_from_the_sample),
		cmocka_unit_test(ipv6_addresses_in_lines),
		cmocka_unit_test(bounced_hard_with_nested_parentheses),
		cmocka_unit_test(deferred_soft_policy_technical),
		cmocka_unit_test(virtual_alias_keeps_orig_to),
		cmocka_unit_test(pipe_delivery_and_submission_tag),
		cmocka_unit_test(queued_as_next_queue_id),
		cmocka_unit_test(resync_after_an_unfinished_line),
		cmocka_unit_test(other_delivery_agents),
		cmocka_unit_test(qmgr_lines),
		cmocka_unit_test(lines_the_tracker_does_not_act_on),
		cmocka_unit_test(formats_and_edges),
		cmocka_unit_test(quoted_local_parts),
		cmocka_unit_test(edges_of_the_fields),
		cmocka_unit_test(address_at_its_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
