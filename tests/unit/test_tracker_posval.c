/*
 * NAME
 *	test_tracker_posval - relay-tracker's saved positions as values: the
 *	state file's line, the Redis hash's fields, which of two is older
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tracker_posval.h"

/* at - a position in file (dev 8, ino) with a 256-byte head of hash sum */
static struct follow_pos
at(uint64_t ino, uint64_t sum, int64_t off, int64_t mtime)
{
	struct follow_pos p;

	memset(&p, 0, sizeof(p));
	p.dev = 8;
	p.ino = ino;
	p.off = off;
	p.headlen = 256;
	p.headsum = sum;
	p.mtime_ns = mtime;
	return p;
}

static void
state_file_lines_parse(void **state)
{
	struct follow_pos p;
	const char	*why = NULL;

	(void)state;
	assert_int_equal(posval_parse("dev=2049 ino=131 offset=4096 headlen=256 "
	    "headsum=00000000deadbeef mtime=1700000000000000000 updated=1\n",
	    &p, &why), 0);
	assert_int_equal(p.dev, 2049);
	assert_int_equal(p.ino, 131);
	assert_int_equal(p.off, 4096);
	assert_int_equal(p.headlen, 256);
	assert_int_equal(p.headsum, 0xdeadbeef);
	assert_int_equal(p.mtime_ns, 1700000000000000000LL);
	/* written before heads and mtimes were kept */
	assert_int_equal(posval_parse("dev=1 ino=2 offset=0\n", &p, &why), 0);
	assert_int_equal(p.off, 0);
	assert_int_equal(p.headlen, 0);
	assert_int_equal(p.mtime_ns, 0);
}

static void
empty_or_garbage_state_files_are_told(void **state)
{
	static const struct {
		const char	*line;
		const char	*why;
	} t[] = {
		{ "", "empty" },
		{ "\n", "empty" },
		{ "  \r\n", "empty" },
		{ "not a position\n", "garbage: not" },
		{ "\x01\x02\x03", "garbage: not" },
		{ "dev=1 ino=2\n", "garbage: not" },
		{ "dev=1 ino=2 offset=x\n", "garbage: not" },
		{ "dev=1 ino=2 offset=-5\n", "garbage: a negative offset" },
	};
	struct follow_pos p;
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why = NULL;
		if (posval_parse(t[i].line, &p, &why) != -1)
			fail_msg("parsed: \"%s\"", t[i].line);
		if (why == NULL || strncmp(why, t[i].why, strlen(t[i].why)) != 0)
			fail_msg("\"%s\": why \"%s\", want \"%s...\"", t[i].line,
			    why ? why : "(null)", t[i].why);
	}
}

static void
redis_fields_keep_the_strings_the_script_compares(void **state)
{
	struct posval_rec r;

	(void)state;
	posval_fields(&r, "00ff00ff00ff00ff", "2049", "131", "4096", "256",
	    "00000000deadbeef", "1700000000000000000");
	assert_int_equal(r.have, 1);
	assert_string_equal(r.gen, "00ff00ff00ff00ff");
	assert_string_equal(r.off, "4096");
	assert_int_equal(r.pos.off, 4096);
	assert_int_equal(r.pos.headsum, 0xdeadbeef);
	assert_int_equal(r.pos.mtime_ns, 1700000000000000000LL);
	/* a key saved before gen, heads and mtimes */
	posval_fields(&r, NULL, "1", "2", "3", NULL, NULL, NULL);
	assert_int_equal(r.have, 1);
	assert_string_equal(r.gen, "");
	assert_int_equal(r.pos.off, 3);
	assert_int_equal(r.pos.headlen, 0);
	assert_int_equal(r.pos.mtime_ns, 0);
	/* no key (HMGET: all nil) */
	posval_fields(&r, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.have, 0);
	assert_int_equal(r.pos.off, -1);
	/* there, but not a position: kept as held, not read from */
	posval_fields(&r, "g", "1", "2", "-7", NULL, NULL, NULL);
	assert_int_equal(r.have, 1);
	assert_string_equal(r.off, "-7");
	assert_int_equal(r.pos.off, -1);
	posval_fields(&r, "g", "1", "2", "12x", "999", "zz", "-1");
	assert_int_equal(r.pos.off, -1);
}

static void
same_file_older_offset_is_older(void **state)
{
	struct follow_pos a = at(131, 0xabc, 100, 5), b = at(131, 0xabc, 900, 9);

	(void)state;
	assert_int_equal(posval_order(&a, &b), POSVAL_A_OLDER);
	assert_int_equal(posval_order(&b, &a), POSVAL_B_OLDER);
	b.off = 100;
	assert_int_equal(posval_order(&a, &b), POSVAL_EQUAL);
	/* a young file: its head was known over fewer bytes then */
	a.headlen = 40;
	a.headsum = 0x123;
	b.off = 900;
	assert_int_equal(posval_same_file(&a, &b), 1);
	assert_int_equal(posval_order(&a, &b), POSVAL_A_OLDER);
	/* a position saved before heads were kept */
	a.headlen = 0;
	assert_int_equal(posval_same_file(&a, &b), 1);
}

static void
other_files_are_ordered_by_mtime(void **state)
{
	/* b's file rotated away (path.1), a in the new log */
	struct follow_pos a = at(200, 0x111, 50, 2000), b = at(131, 0xabc, 900,
	    1000);

	(void)state;
	assert_int_equal(posval_same_file(&a, &b), 0);
	assert_int_equal(posval_order(&a, &b), POSVAL_B_OLDER);
	assert_int_equal(posval_order(&b, &a), POSVAL_A_OLDER);
	/* a reused inode: same dev and ino, other first bytes */
	a.ino = 131;
	assert_int_equal(posval_same_file(&a, &b), 0);
	assert_int_equal(posval_order(&a, &b), POSVAL_B_OLDER);
	/* not both mtimes known, or the same: cannot tell */
	b.mtime_ns = 0;
	assert_int_equal(posval_order(&a, &b), POSVAL_UNKNOWN);
	b.mtime_ns = 2000;
	assert_int_equal(posval_order(&a, &b), POSVAL_UNKNOWN);
}

static void
positions_format_for_the_log(void **state)
{
	struct follow_pos a = at(131, 0, 4096, 0);
	char		 buf[96];

	(void)state;
	assert_string_equal(posval_fmt(&a, buf, sizeof(buf)),
	    "dev 8 ino 131 offset 4096");
	a.off = -1;
	assert_string_equal(posval_fmt(&a, buf, sizeof(buf)), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_file_lines_parse),
		cmocka_unit_test(empty_or_garbage_state_files_are_told),
		cmocka_unit_test(redis_fields_keep_the_strings_the_script_compares),
		cmocka_unit_test(same_file_older_offset_is_older),
		cmocka_unit_test(other_files_are_ordered_by_mtime),
		cmocka_unit_test(positions_format_for_the_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
