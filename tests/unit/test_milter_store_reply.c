/*
 * NAME
 *	test_milter_store_reply - milter_record.lua's replies as relay-milter
 *	reads them: {1, charge id, warm set, ...} recorded (the session's
 *	charges that it deleted), {2, reason} suspended, {0, queued, cap}
 *	over the cap; any other shape is -1 (tempfail), never "recorded"
 *	nor a refusal without its figures
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hiredis.h>

#include "store.h"

/* An array reply of up to 4 elements, built by hand. */
struct fake {
	redisReply	 top, el[4];
	redisReply	*els[4];
};

/* fake - elements of "i:N" (integer) or "s:TEXT" (string), NULL ends */
static redisReply *
fake(struct fake *f, ...)
{
	const char	*e;
	va_list		 ap;
	size_t		 n = 0;

	memset(f, 0, sizeof(*f));
	f->top.type = REDIS_REPLY_ARRAY;
	f->top.element = f->els;
	va_start(ap, f);
	while ((e = va_arg(ap, const char *)) != NULL && n < 4) {
		redisReply *r = &f->el[n];

		if (e[0] == 'i') {
			r->type = REDIS_REPLY_INTEGER;
			r->integer = strtoll(e + 2, NULL, 10);
		} else {
			r->type = REDIS_REPLY_STRING;
			r->str = (char *)(e + 2);
			r->len = strlen(e + 2);
		}
		f->els[n++] = r;
	}
	va_end(ap);
	f->top.elements = n;
	return &f->top;
}

static void
the_three_answers_of_the_script(void **state)
{
	struct store_over o;
	struct fake	 f;

	memset(&o, 0, sizeof(o));
	assert_int_equal(store_record_reply(fake(&f, "i:1", NULL), &o), 1);
	assert_int_equal(o.hit + o.suspended, 0);
	assert_int_equal(store_record_reply(fake(&f, "i:1", "s:17",
	    "s:relay:{d:a.test}:warm", NULL), &o), 1);
	assert_int_equal(o.hit + o.suspended, 0);

	memset(&o, 0, sizeof(o));
	assert_int_equal(store_record_reply(fake(&f, "i:2", "s:auto: bounce "
	    "rate 12.3% (37/300) over 24h", NULL), &o), 0);
	assert_int_equal(o.suspended, 1);
	assert_string_equal(o.reason, "auto: bounce rate 12.3% (37/300) over 24h");

	memset(&o, 0, sizeof(o));
	assert_int_equal(store_record_reply(fake(&f, "i:0", "i:1000", "i:1000",
	    NULL), &o), 0);
	assert_int_equal(o.hit, 1);
	assert_int_equal(o.queued, 1000);
	assert_int_equal(o.cap, 1000);
}

static void
any_other_shape_is_neither_recorded_nor_refused(void **state)
{
	struct store_over o;
	struct fake	 f;
	redisReply	 s;

	memset(&s, 0, sizeof(s));
	s.type = REDIS_REPLY_STRING;
	s.str = (char *)"OK";
	s.len = 2;
	memset(&o, 0, sizeof(o));
	assert_int_equal(store_record_reply(NULL, &o), -1);
	assert_int_equal(store_record_reply(&s, &o), -1);
	assert_int_equal(store_record_reply(fake(&f, NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "s:1", NULL), &o), -1);
	/* a refusal without its figures or its reason */
	assert_int_equal(store_record_reply(fake(&f, "i:0", NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:0", "i:5", NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:0", "i:5", "s:9", NULL),
	    &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:2", NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:2", "i:7", NULL), &o), -1);
	/* unknown verdicts, and a "recorded" with more in it */
	assert_int_equal(store_record_reply(fake(&f, "i:3", NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:-1", NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:1", "i:1", NULL), &o), -1);
	/* its charges: a field without its value, a value not a string */
	assert_int_equal(store_record_reply(fake(&f, "i:1", "s:17", NULL), &o),
	    -1);
	assert_int_equal(store_record_reply(fake(&f, "i:1", "s:17", "s:w",
	    "s:18", NULL), &o), -1);
	assert_int_equal(store_record_reply(fake(&f, "i:1", "s:17", "i:2",
	    NULL), &o), -1);
	assert_int_equal(o.hit + o.suspended, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_three_answers_of_the_script),
		cmocka_unit_test(any_other_shape_is_neither_recorded_nor_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
