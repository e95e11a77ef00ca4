/*
 * test_milter_hdrs - the header fields of a message (milter/hdrs.c): what
 * is noted on the way, the one From: address, and that hdrs_sign() signs
 * the fields where the delivered message has them (checked by verifying
 * with tests/unit/dkimcheck.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkimcheck.h"
#include "dkimkey.h"
#include "hdrs.h"
#include "ownhdrs.h"
#include "pkcache.h"
#include "sign.h"

#define LU	"<mailto:unsub+tok@unsub.test>, <https://unsub.test/u/tok>"
#define POST	"List-Unsubscribe=One-Click"

static char *rsa_pem, *ed_pem;

static int
setup(void **state)
{
	(void)state;
	if (dkimkey_generate(&rsa_pem, &ed_pem) != 0)
		return -1;
	pkcache_init(3600);
	if (sign_lib_init(0) != 0)
		return -1;
	return dkimcheck_init("alice.test", "rs1", rsa_pem, ed_pem);
}

static int
teardown(void **state)
{
	(void)state;
	dkimcheck_close();
	sign_lib_close();
	pkcache_clear();
	dkimkey_free_pem(rsa_pem);
	dkimkey_free_pem(ed_pem);
	return 0;
}

static void
test_noted(void **state)
{
	struct hdrs hs = { 0 };

	(void)state;
	hdrs_add(&hs, "Received", "from x by y");
	hdrs_add(&hs, "Message-ID", " \t<id1@alice.test> (first)");
	hdrs_add(&hs, "message-id", "<id2@alice.test>");
	assert_int_equal(hs.nfrom, 0);
	assert_int_equal(hs.has_lu, 0);
	hdrs_add(&hs, "FROM", "a@alice.test");
	hdrs_add(&hs, "List-Unsubscribe-Post", POST);
	assert_int_equal(hs.n, 5);
	assert_int_equal(hs.nfrom, 1);
	assert_int_equal(hs.has_lu, 1);
	assert_string_equal(hs.msgid, "<id1@alice.test>");
	assert_string_equal(hs.h[1].value, " \t<id1@alice.test> (first)");
	hdrs_free(&hs);
	assert_int_equal(hs.n, 0);
	assert_null(hs.msgid);
	hdrs_add(&hs, "List-Unsubscribe", LU);
	assert_int_equal(hs.has_lu, 1);
	hdrs_free(&hs);
	{
		/* a Message-ID longer than HDRS_MSGID_MAX is not kept */
		char	 id[HDRS_MSGID_MAX + 2];

		memset(id, 'i', sizeof(id) - 1);
		id[0] = '<';
		id[sizeof(id) - 2] = '>';
		id[sizeof(id) - 1] = '\0';
		hdrs_add(&hs, "Message-ID", id);
		assert_null(hs.msgid);
		/* a second field is not kept in its place: Postfix logs the first */
		hdrs_add(&hs, "Message-ID", "<second@alice.test>");
		assert_null(hs.msgid);
		hdrs_free(&hs);
		id[sizeof(id) - 3] = '>';
		id[sizeof(id) - 2] = '\0';
		hdrs_add(&hs, "Message-ID", id);
		assert_int_equal(strlen(hs.msgid), HDRS_MSGID_MAX);
		hdrs_free(&hs);
	}
}

static void
test_from(void **state)
{
	struct hdrs		 hs = { 0 };
	struct from_result	 fr;
	const char		*d = NULL;

	(void)state;
	hdrs_add(&hs, "Subject", "hi");
	assert_int_equal(hdrs_from(&hs, &fr, &d), FROM_ENOADDR);
	assert_string_equal(d, "the message has no From: header");
	hdrs_add(&hs, "From", "\"Bob, <b@x.test>\" <A@Alice.TEST>");
	assert_int_equal(hdrs_from(&hs, &fr, &d), FROM_OK);
	assert_string_equal(fr.addr, "a@alice.test");
	assert_string_equal(fr.domain, "alice.test");
	hdrs_add(&hs, "from", "c@alice.test");
	assert_int_equal(hdrs_from(&hs, &fr, &d), FROM_EMANY);
	assert_string_equal(d, "the message has more than one From: header");
	assert_string_equal(fr.addr, "");
	hdrs_free(&hs);
	hdrs_add(&hs, "From", "a@alice.test, b@alice.test");
	assert_int_equal(hdrs_from(&hs, &fr, &d), FROM_EMANY);
	assert_string_equal(d, from_strerror(FROM_EMANY));
	hdrs_free(&hs);
	hdrs_add(&hs, "From", "<a@alice.test");
	assert_int_equal(hdrs_from(&hs, &fr, &d), FROM_EUNTERM);
	hdrs_free(&hs);
}

/* own - our fields: List-Unsubscribe lu and -Post post, Message-ID, Date */
static struct ownhdrs
own(const char *lu, const char *post, const char *msgid, const char *date)
{
	struct ownhdrs	 o;

	memset(&o, 0, sizeof(o));
	snprintf(o.lu, sizeof(o.lu), "%s", lu);
	snprintf(o.post, sizeof(o.post), "%s", post);
	snprintf(o.msgid, sizeof(o.msgid), "%s", msgid);
	snprintf(o.date, sizeof(o.date), "%s", date);
	return o;
}

/* sign_and_verify - sign hs + ours, deliver with dl's; passes */
static int
sign_and_verify(const struct hdrs *hs, struct ownhdrs ours, struct ownhdrs dl,
    const char *body, int *nsig)
{
	const char	*why, *sigs[2];
	struct hdr	 so[OWNHDRS_MAX], d[OWNHDRS_MAX];
	struct signer	*s;
	char		*msg;
	size_t		 len, ns, nd;
	int		 n, i, pass;

	s = sign_new("TESTQID", "alice.test", "rs1", rsa_pem, ed_pem, 998,
	    2048, &why);
	assert_non_null(s);
	ns = ownhdrs_fields(&ours, so);
	nd = ownhdrs_fields(&dl, d);
	assert_int_equal(hdrs_sign(hs, s, so, ns, &why), 0);
	assert_int_equal(sign_body(s, (const unsigned char *)body,
	    strlen(body), &why), 0);
	assert_int_equal(sign_eom(s, &n, &why), 0);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		sigs[i] = sign_result(s, i);
	msg = dkimcheck_assemble(hs, sigs, n, d, nd, body, strlen(body), &len);
	pass = dkimcheck_verify(msg, len, nsig, &why);
	free(msg);
	sign_free(s);
	return pass;
}

/* hdrs_originator walks Sender:, Resent-From: and Resent-Sender: (any
 * case) in order, skipping every other field, each parsed as From: is;
 * then HDRS_NONE, and again HDRS_NONE. */
static void
test_originators(void **state)
{
	static const struct {
		const char	*name;
		int		 e;
		const char	*addr;
	} want[] = {
		{ "Sender", FROM_OK, "bob@alice.test" },
		{ "resent-from", FROM_OK, "carol@alice.test" },
		{ "RESENT-SENDER", FROM_EMANY, NULL },
		{ "Sender", FROM_ENOADDR, NULL },
	};
	struct hdrs	 hs = { 0 };
	struct from_result fr;
	const char	*name, *detail;
	size_t		 pos = 0, i;
	int		 e;

	(void)state;
	hdrs_add(&hs, "From", "a@alice.test");
	hdrs_add(&hs, "Reply-To", "x@elsewhere.test");
	hdrs_add(&hs, "Sender", "Bob <bob@alice.test>");
	hdrs_add(&hs, "Senders", "not@this.test");
	hdrs_add(&hs, "resent-from", "carol@alice.test");
	hdrs_add(&hs, "Resent-To", "not@this.test");
	hdrs_add(&hs, "RESENT-SENDER", "a@alice.test, b@alice.test");
	hdrs_add(&hs, "Subject", "hi");
	hdrs_add(&hs, "Sender", "");
	hdrs_add(&hs, "To", "r@rcpt.test");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		detail = NULL;
		e = hdrs_originator(&hs, &pos, &fr, &name, &detail);
		if (e != want[i].e || strcmp(name, want[i].name) != 0)
			fail_msg("originator %zu: %d %s", i, e, name);
		assert_non_null(detail);
		if (want[i].addr != NULL)
			assert_string_equal(fr.addr, want[i].addr);
	}
	assert_int_equal(pos, 9);
	assert_int_equal(hdrs_originator(&hs, &pos, &fr, &name, &detail),
	    HDRS_NONE);
	assert_int_equal(hdrs_originator(&hs, &pos, &fr, &name, &detail),
	    HDRS_NONE);
	assert_int_equal(pos, hs.n);
	hdrs_free(&hs);
	/* none at all */
	pos = 0;
	hdrs_add(&hs, "From", "a@alice.test");
	assert_int_equal(hdrs_originator(&hs, &pos, &fr, &name, &detail),
	    HDRS_NONE);
	hdrs_free(&hs);
}

static void
test_sign_where_delivered(void **state)
{
	static const char body[] = "Hello,\r\n\r\nthe body.\r\n";
	struct hdrs	 hs = { 0 };
	int		 nsig;

	(void)state;
	hdrs_add(&hs, "Received", "from client (client [192.0.2.1])\n\tby "
	    "relay.test (Postfix) with ESMTPSA id 4Q1\n\tfor <r@rcpt.test>");
	hdrs_add(&hs, "From", "\"Alice\"\n <a@alice.test>");
	hdrs_add(&hs, "To", "r@rcpt.test");
	hdrs_add(&hs, "Subject", "=?utf-8?q?caf=C3=A9?=\n\tand more");
	hdrs_add(&hs, "Message-ID", "<m1@alice.test>");
	/* Ours, where Postfix puts them: both signatures pass. */
	assert_int_equal(sign_and_verify(&hs, own(LU, POST, "", ""),
	    own(LU, POST, "", ""), body, &nsig), 2);
	assert_int_equal(nsig, 2);
	/* No header of ours at all: both pass. */
	assert_int_equal(sign_and_verify(&hs, own("", "", "", ""),
	    own("", "", "", ""), body, &nsig), 2);
	/* A List-Unsubscribe added later breaks both (oversigned). */
	assert_int_equal(sign_and_verify(&hs, own("", "", "", ""),
	    own(LU, "", "", ""), body, &nsig), 0);
	assert_int_equal(nsig, 2);
	/* So does a changed one, or a List-Unsubscribe-Post added. */
	assert_int_equal(sign_and_verify(&hs, own(LU, POST, "", ""),
	    own("<mailto:unsub+other@unsub.test>", POST, "", ""), body,
	    &nsig), 0);
	assert_int_equal(sign_and_verify(&hs, own(LU, "", "", ""),
	    own(LU, POST, "", ""), body, &nsig), 0);
	hdrs_free(&hs);
	/* From: as the first field (no Received:) is signed too */
	hdrs_add(&hs, "From", "a@alice.test");
	hdrs_add(&hs, "Subject", "first");
	assert_int_equal(sign_and_verify(&hs, own(LU, POST, "", ""),
	    own(LU, POST, "", ""), body, &nsig), 2);
	hdrs_free(&hs);
}

/*
 * A message without Message-ID and Date: the ones relay-milter makes are
 * well formed, noted as missing only when missing, signed where they
 * are appended; a Date changed on the way breaks both signatures.
 */
static void
test_own_msgid_date(void **state)
{
	static const char body[] = "no ids\r\n";
	struct ownhdrs	 o;
	struct hdrs	 hs = { 0 };
	struct hdr	 f[OWNHDRS_MAX];
	int		 nsig;

	(void)state;
	memset(&o, 0, sizeof(o));
	/* 2026-12-06 10:58:07 UTC, a Sunday */
	assert_int_equal(ownhdrs_msgid(&o, 1796554687, "0123456789abcdef",
	    "alice.test"), 0);
	assert_string_equal(o.msgid,
	    "<20261206105807.0123456789abcdef@alice.test>");
	assert_int_equal(ownhdrs_date(&o, 1796554687), 0);
	assert_string_equal(o.date, "Sun, 06 Dec 2026 10:58:07 +0000");
	assert_int_equal(ownhdrs_date(&o, 0), 0);
	assert_string_equal(o.date, "Thu, 01 Jan 1970 00:00:00 +0000");
	assert_int_equal(ownhdrs_fields(&o, f), 2);
	assert_string_equal(f[0].name, "Message-ID");
	assert_string_equal(f[1].name, "Date");
	/* nothing that would not make a dot-atom */
	assert_int_equal(ownhdrs_msgid(&o, 0, "0123456789abcdeF",
	    "alice.test"), -1);
	assert_int_equal(ownhdrs_msgid(&o, 0, "0123", "alice.test"), -1);
	assert_int_equal(ownhdrs_msgid(&o, 0, "0123456789abcdef",
	    "Alice.test"), -1);
	assert_int_equal(ownhdrs_msgid(&o, 0, "0123456789abcdef",
	    "a..test"), -1);
	assert_int_equal(ownhdrs_msgid(&o, 0, "0123456789abcdef", ""), -1);
	assert_string_equal(o.msgid, "");

	hdrs_add(&hs, "From", "a@alice.test");
	hdrs_add(&hs, "Subject", "no ids");
	assert_false(hs.msgid_seen);
	assert_false(hs.date_seen);
	assert_int_equal(sign_and_verify(&hs,
	    own(LU, POST, "<1.0@alice.test>", "Sun, 06 Dec 2026 10:58:07 +0000"),
	    own(LU, POST, "<1.0@alice.test>", "Sun, 06 Dec 2026 10:58:07 +0000"),
	    body, &nsig), 2);
	assert_int_equal(sign_and_verify(&hs,
	    own("", "", "<1.0@alice.test>", "Sun, 06 Dec 2026 10:58:07 +0000"),
	    own("", "", "<1.0@alice.test>", "Sun, 06 Dec 2026 10:58:08 +0000"),
	    body, &nsig), 0);
	assert_int_equal(nsig, 2);
	hdrs_add(&hs, "date", "Sat, 05 Dec 2026 10:00:00 +0100");
	assert_true(hs.date_seen);
	assert_false(hs.msgid_seen);
	hdrs_free(&hs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noted),
		cmocka_unit_test(test_from),
		cmocka_unit_test(test_originators),
		cmocka_unit_test(test_sign_where_delivered),
		cmocka_unit_test(test_own_msgid_date),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
