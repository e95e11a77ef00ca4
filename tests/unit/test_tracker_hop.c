/*
 * NAME
 *	test_tracker_hop - the received queue ids and the hand-off links
 * DESCRIPTION
 *	Built with HOPSEEN_MAX 64, so eviction is reached. The set is
 *	checked against a plain list of the last 64 distinct ids added, over
 *	thousands of random adds (the table's backward-shift removal keeps
 *	every probe run whole, or an id still held would be missed).
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
#include "tracker_apply.h"
#include "tracker_hop.h"

static void
add_and_find(void **state)
{
	struct hopseen	*hs = hopseen_new();

	(void)state;
	assert_false(hopseen_has(hs, "4jhWwR1Sbbz1ftJg"));
	hopseen_add(hs, "4jhWwR1Sbbz1ftJg");
	hopseen_add(hs, "4jhWwR1Sbbz1ftJg");
	assert_true(hopseen_has(hs, "4jhWwR1Sbbz1ftJg"));
	assert_false(hopseen_has(hs, "4jhWwR1Sbbz1ftJh"));
	assert_false(hopseen_has(hs, ""));
	assert_false(hopseen_has(NULL, "4jhWwR1Sbbz1ftJg"));
	hopseen_free(hs);
}

/* the oldest goes first; a repeated add does not make one younger */
static void
eviction_order(void **state)
{
	struct hopseen	*hs = hopseen_new();
	char		 q[32];
	int		 i;

	(void)state;
	for (i = 0; i < HOPSEEN_MAX + 10; i++) {
		snprintf(q, sizeof(q), "Q%05dx", i);
		hopseen_add(hs, q);
		if (i == 20)
			hopseen_add(hs, "Q00000x");	/* already there */
	}
	for (i = 0; i < HOPSEEN_MAX + 10; i++) {
		snprintf(q, sizeof(q), "Q%05dx", i);
		assert_int_equal(hopseen_has(hs, q), i >= 10);
	}
	hopseen_free(hs);
}

/* against a reference list, with ids from a small alphabet (collisions) */
static void
random_against_reference(void **state)
{
	struct hopseen	*hs = hopseen_new();
	char		 ref[HOPSEEN_MAX][8], q[8];
	int		 nref = 0, head = 0, i, j, k, in;
	uint32_t	 x = 12345;

	(void)state;
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		snprintf(q, sizeof(q), "A%04u", (x >> 8) % 400);
		in = 0;
		for (j = 0; j < nref; j++)
			if (strcmp(ref[j], q) == 0)
				in = 1;
		assert_int_equal(hopseen_has(hs, q), in);
		hopseen_add(hs, q);
		if (!in) {
			if (nref < HOPSEEN_MAX)
				memcpy(ref[nref++], q, sizeof(q));
			else {
				memcpy(ref[head], q, sizeof(q));
				head = (head + 1) % HOPSEEN_MAX;
			}
		}
		for (k = 0; k < 400; k += 37) {
			snprintf(q, sizeof(q), "A%04d", k);
			in = 0;
			for (j = 0; j < nref; j++)
				if (strcmp(ref[j], q) == 0)
					in = 1;
			assert_int_equal(hopseen_has(hs, q), in);
		}
	}
	hopseen_free(hs);
}

static void
item(struct tracker_item *it, enum maillog_kind k, enum maillog_status st,
    const char *qid, const char *next, const char *handle)
{
	memset(it, 0, sizeof(*it));
	it->ev.kind = k;
	it->ev.status = st;
	snprintf(it->ev.qid, sizeof(it->ev.qid), "%s", qid);
	snprintf(it->ev.next_qid, sizeof(it->ev.next_qid), "%s", next);
	snprintf(it->handle, sizeof(it->handle), "%s", handle);
	snprintf(it->ev.relay, sizeof(it->ev.relay), "%s",
	    "127.0.0.1[127.0.0.1]:10025");
}

static void
links_in_a_batch(void **state)
{
	struct hopseen		*hs = hopseen_new();
	struct tracker_item	 it[8];

	(void)state;
	hopseen_add(hs, "BBBBB1");
	hopseen_add(hs, "CCCCC1");
	/* A -> B -> C, each hop's lines after its hand-off */
	item(&it[0], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "AAAAA1", "BBBBB1",
	    "alice");
	item(&it[1], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "BBBBB1", "CCCCC1", "");
	item(&it[2], MAILLOG_REMOVED, MAILLOG_ST_NONE, "CCCCC1", "", "");
	/* a smarthost's queue id (never received here) is a delivery */
	item(&it[3], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "AAAAA2", "DDDDD1",
	    "alice");
	/* a message without a record hands nothing on */
	item(&it[4], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "AAAAA3", "CCCCC1", "");
	/* a deferral naming a queue id is no hand-off */
	item(&it[5], MAILLOG_DELIVERY, MAILLOG_ST_DEFERRED, "AAAAA4", "BBBBB1",
	    "bob");
	/* a line of B before its hand-off keeps its own lookup */
	item(&it[6], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "");
	it[7] = it[0];
	it[7].failed = 1;	/* its lookup failed: nothing */
	tracker_hop_link(it, 6, hs, NULL, 0);
	assert_int_equal(it[0].handoff, 1);
	assert_int_equal(it[1].handoff, 1);
	assert_string_equal(it[1].handle, "alice");
	assert_string_equal(it[1].root, "AAAAA1");
	assert_string_equal(it[2].handle, "alice");
	assert_string_equal(it[2].root, "AAAAA1");
	assert_int_equal(it[3].handoff, 0);
	assert_int_equal(it[4].handoff, 0);
	assert_int_equal(it[5].handoff, 0);
	/* the link is only for the items after the hand-off */
	item(&it[6], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "");
	tracker_hop_link(&it[6], 2, hs, NULL, 0);
	assert_string_equal(it[6].handle, "");
	assert_int_equal(it[7].handoff, 0);
	/* without the set (no received lines read) nothing is a hand-off */
	tracker_hop_link(it, 3, NULL, NULL, 0);
	assert_int_equal(it[0].handoff, 0);
	hopseen_free(hs);
}

static void
relay_of_a_filter(void **state)
{
	char	*filters[] = { "192.0.2.25", "2001:db8::25" };

	(void)state;
	assert_true(tracker_hop_relay("127.0.0.1[127.0.0.1]:10024", NULL, 0));
	assert_true(tracker_hop_relay("localhost[127.0.0.2]:10024", NULL, 0));
	assert_true(tracker_hop_relay("localhost[::1]:10024", NULL, 0));
	assert_true(tracker_hop_relay("amavis[/run/amavis/amavisd.sock]",
	    NULL, 0));
	assert_true(tracker_hop_relay("x[private/filter]", NULL, 0));
	assert_false(tracker_hop_relay("mx.example[198.51.100.7]:25", NULL, 0));
	assert_false(tracker_hop_relay("none", NULL, 0));
	assert_false(tracker_hop_relay("x[]:25", NULL, 0));
	/* IPv6, as smtp(8) logs it: content_filter = smtp:[::1]:10025 */
	assert_true(tracker_hop_relay("::1[::1]:10025", NULL, 0));
	assert_false(tracker_hop_relay("mx.example[2001:db8::26]:25",
	    filters, 2));
	assert_false(tracker_hop_relay("x[127.0.0.1", NULL, 0));
	assert_true(tracker_hop_relay("av.lan[192.0.2.25]:10024", filters, 2));
	assert_true(tracker_hop_relay("av.lan[2001:db8::25]:10024", filters,
	    2));
	assert_false(tracker_hop_relay("av.lan[192.0.2.26]:10024", filters, 2));
}

/* a remote "queued as" and a record of its own are left alone (re-audit 7) */
static void
remote_and_own_records(void **state)
{
	struct hopseen		*hs = hopseen_new();
	struct tracker_item	 it[3];

	(void)state;
	hopseen_add(hs, "BBBBB1");
	item(&it[0], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "AAAAA1", "BBBBB1",
	    "alice");
	snprintf(it[0].ev.relay, sizeof(it[0].ev.relay), "%s",
	    "mx.remote.example[198.51.100.7]:25");
	item(&it[1], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "bob");
	tracker_hop_link(it, 2, hs, NULL, 0);
	assert_int_equal(it[0].handoff, 0);
	assert_string_equal(it[1].handle, "bob");
	/* through a filter, but B has the milter's record of bob's message */
	item(&it[0], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "AAAAA1", "BBBBB1",
	    "alice");
	item(&it[1], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "bob");
	item(&it[2], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "");
	tracker_hop_link(it, 3, hs, NULL, 0);
	assert_int_equal(it[0].handoff, 1);
	assert_string_equal(it[1].handle, "bob");
	assert_string_equal(it[1].root, "");
	assert_string_equal(it[2].handle, "alice");
	assert_string_equal(it[2].root, "AAAAA1");
	hopseen_free(hs);
}

static void
stash_keeps_lines_in_order(void **state)
{
	struct hopstash		*st = hopstash_new();
	struct tracker_item	 a, out[HOPSTASH_MAX];
	size_t			 i;

	(void)state;
	assert_false(hopstash_has(st, "BBBBB1"));
	item(&a, MAILLOG_DELIVERY, MAILLOG_ST_BOUNCED, "BBBBB1", "", "");
	a.pos.off = 100;
	hopstash_put(st, &a);
	hopstash_put(st, &a);		/* a retried batch: kept once */
	a.pos.off = 200;
	a.ev.kind = MAILLOG_REMOVED;
	hopstash_put(st, &a);
	item(&a, MAILLOG_REMOVED, MAILLOG_ST_NONE, "CCCCC1", "", "");
	hopstash_put(st, &a);
	assert_true(hopstash_has(st, "BBBBB1"));
	assert_int_equal(hopstash_find(st, "BBBBB1", out, HOPSTASH_MAX), 2);
	assert_int_equal(out[0].pos.off, 100);
	assert_int_equal(out[0].ev.kind, MAILLOG_DELIVERY);
	assert_int_equal(out[1].ev.kind, MAILLOG_REMOVED);
	hopstash_drop(st, "BBBBB1");
	assert_false(hopstash_has(st, "BBBBB1"));
	assert_true(hopstash_has(st, "CCCCC1"));
	/* bounded: the oldest go */
	for (i = 0; i < HOPSTASH_MAX; i++) {
		item(&a, MAILLOG_REMOVED, MAILLOG_ST_NONE, "DDDDD1", "", "");
		a.pos.off = (long long)i;
		hopstash_put(st, &a);
	}
	assert_false(hopstash_has(st, "CCCCC1"));
	assert_int_equal(hopstash_find(st, "DDDDD1", out, HOPSTASH_MAX),
	    HOPSTASH_MAX);
	assert_int_equal(out[0].pos.off, 0);
	hopstash_free(st);
}

/* Queue ids of 1 and MAILLOG_QID_MAX - 1 characters are kept, longer not. */
static void
seen_id_lengths(void **state)
{
	struct hopseen	*hs = hopseen_new();
	char		 q[MAILLOG_QID_MAX + 1];

	(void)state;
	hopseen_add(hs, "A");
	assert_true(hopseen_has(hs, "A"));
	memset(q, 'B', MAILLOG_QID_MAX - 1);
	q[MAILLOG_QID_MAX - 1] = '\0';
	hopseen_add(hs, q);
	assert_true(hopseen_has(hs, q));
	memset(q, 'C', MAILLOG_QID_MAX);
	q[MAILLOG_QID_MAX] = '\0';
	hopseen_add(hs, q);
	assert_false(hopseen_has(hs, q));
	hopseen_free(hs);
}

/*
 * A ring slot reused by a shorter id holds that id alone, and a longest id
 * written into a slot leaves the next slot's id whole (the bytes after
 * its NUL in the caller's buffer are not copied).
 */
static void
seen_slots_reused(void **state)
{
	struct hopseen	*hs = hopseen_new();
	char		 q[48];
	int		 i;

	(void)state;
	for (i = 0; i < HOPSEEN_MAX; i++) {
		snprintf(q, sizeof(q), "LONGQUEUEID%020d", i);
		hopseen_add(hs, q);
	}
	for (i = 0; i < HOPSEEN_MAX; i++) {
		snprintf(q, sizeof(q), "S%04d", i);
		hopseen_add(hs, q);
	}
	for (i = 0; i < HOPSEEN_MAX; i++) {
		snprintf(q, sizeof(q), "S%04d", i);
		assert_true(hopseen_has(hs, q));
	}
	/* slot 0 gets a 31-character id from a buffer with more after it */
	memset(q, 'Z', sizeof(q));
	memcpy(q, "LONGQUEUEID00000000000000000000", MAILLOG_QID_MAX - 1);
	q[MAILLOG_QID_MAX - 1] = '\0';
	hopseen_add(hs, q);
	assert_true(hopseen_has(hs, q));
	assert_true(hopseen_has(hs, "S0001"));
	hopseen_free(hs);
}

/* The relay's address at its lengths and the socket prefixes exactly. */
static const struct {
	const char	*name;
	const char	*relay;
	int		 want;
} relays[] = {
	{ "a filter of one character", "x[a]:25", 1 },
	{ "public/ with a service", "x[public/cleanup]", 1 },
	{ "public without its slash", "x[publicx]", 0 },
	{ "private without its slash", "x[privatex]", 0 },
	{ "ipv6:::1", "x[ipv6:::1]:10025", 1 },
	{ "127 without its dot", "x[1270.0.0.1]:25", 0 },
};

static void
relay_edges(void **state)
{
	char	*filters[] = { "a", NULL };
	char	 f[300], relay[320];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(relays) / sizeof(relays[0]); i++)
		if (tracker_hop_relay(relays[i].relay, filters, 1) !=
		    relays[i].want)
			fail_msg("%s: want %d", relays[i].name, relays[i].want);
	/* an address of sizeof(addr) - 1 octets is compared, one more is not */
	filters[0] = f;
	memset(f, 'f', MAILLOG_RELAY_MAX - 1);
	f[MAILLOG_RELAY_MAX - 1] = '\0';
	snprintf(relay, sizeof(relay), "x[%s]:25", f);
	assert_true(tracker_hop_relay(relay, filters, 1));
	memset(f, 'f', MAILLOG_RELAY_MAX);
	f[MAILLOG_RELAY_MAX] = '\0';
	snprintf(relay, sizeof(relay), "x[%s]:25", f);
	assert_false(tracker_hop_relay(relay, filters, 1));
}

/* A linked item is asked, no longer failed, propagated; its root whole. */
static void
linked_item_fields(void **state)
{
	struct hopseen		*hs = hopseen_new();
	struct tracker_item	 it[3];

	(void)state;
	hopseen_add(hs, "BBBBB1");
	item(&it[0], MAILLOG_DELIVERY, MAILLOG_ST_SENT, "AAAAA1", "BBBBB1",
	    "alice");
	item(&it[1], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "");
	snprintf(it[1].root, sizeof(it[1].root), "%s", "ZZZZZZZZZZZZZZZ");
	it[1].failed = 1;
	/* a record of its own with a one-character handle is left alone */
	item(&it[2], MAILLOG_REMOVED, MAILLOG_ST_NONE, "BBBBB1", "", "b");
	tracker_hop_link(it, 3, hs, NULL, 0);
	assert_int_equal(it[0].handoff, 1);
	assert_int_equal(it[0].propagated, 0);
	assert_string_equal(it[1].handle, "alice");
	assert_string_equal(it[1].root, "AAAAA1");
	assert_int_equal(it[1].asked, 1);
	assert_int_equal(it[1].failed, 0);
	assert_int_equal(it[1].propagated, 1);
	assert_int_equal(it[1].handoff, 0);
	assert_string_equal(it[2].handle, "b");
	assert_int_equal(it[2].propagated, 0);
	hopseen_free(hs);
}

/* The stash's first slot is searched; find stops at max. */
static void
stash_first_slot_and_max(void **state)
{
	struct hopstash		*st = hopstash_new();
	struct tracker_item	 a, out[2];

	(void)state;
	item(&a, MAILLOG_REMOVED, MAILLOG_ST_NONE, "EEEEE1", "", "");
	hopstash_put(st, &a);
	assert_true(hopstash_has(st, "EEEEE1"));
	a.pos.off = 1;
	hopstash_put(st, &a);
	memset(&out[1], 0, sizeof(out[1]));
	assert_int_equal(hopstash_find(st, "EEEEE1", out, 1), 1);
	assert_int_equal(out[0].pos.off, 0);
	assert_string_equal(out[1].ev.qid, "");
	hopstash_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_and_find),
		cmocka_unit_test(eviction_order),
		cmocka_unit_test(random_against_reference),
		cmocka_unit_test(links_in_a_batch),
		cmocka_unit_test(relay_of_a_filter),
		cmocka_unit_test(remote_and_own_records),
		cmocka_unit_test(stash_keeps_lines_in_order),
		cmocka_unit_test(seen_id_lengths),
		cmocka_unit_test(seen_slots_reused),
		cmocka_unit_test(relay_edges),
		cmocka_unit_test(linked_item_fields),
		cmocka_unit_test(stash_first_slot_and_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
