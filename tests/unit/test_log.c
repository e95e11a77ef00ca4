/*
 * NAME
 *	test_log - escaping of network bytes, key=value lines, and the
 *	syslog sink: glibc's datagram format, lines dropped and counted
 *	(never waited for) when syslog does not read, the count sent before
 *	the next line, a new connection when syslog was restarted. The
 *	sink is pointed at a unix datagram socket the test makes. Buffered
 *	stderr keeps only the loop thread's lines.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "log_priv.h"

static const struct {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*out;
} cases[] = {
	{ "plain text is kept", "hello", 5, "hello" },
	{ "CR LF become hex", "a\r\nb", 4, "a\\x0d\\x0ab" },
	{ "NUL inside is escaped", "a\0b", 3, "a\\x00b" },
	{ "quote and backslash", "\"\\", 2, "\\\"\\\\" },
	{ "high bytes are escaped", "\xc3\xa9", 2, "\\xc3\\xa9" },
	{ "DEL is escaped", "\x7f", 1, "\\x7f" },
	{ "empty", "", 0, "" },
};

static void
escape_table(void **state)
{
	char	 buf[128];
	size_t	 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = log_escape(buf, sizeof(buf), cases[i].in, cases[i].inlen);
		if (strcmp(buf, cases[i].out) != 0)
			fail_msg("%s: got \"%s\" want \"%s\"", cases[i].name,
			    buf, cases[i].out);
		assert_int_equal(n, strlen(buf));
	}
}

static void
escape_cuts_at_whole_sequences(void **state)
{
	char	 buf[10];

	log_escape(buf, sizeof(buf), "\r\r\r\r\r\r", 6);
	/* Never half an escape: "\x0d..." fits, "\x0d\x" would not. */
	assert_string_equal(buf, "\\x0d...");
	log_escape(buf, sizeof(buf), "abcdefghijklmnop", 16);
	assert_string_equal(buf, "abcdef...");
}

static void
kv_line_has_qid_first_and_quotes_when_needed(void **state)
{
	struct logkv kv;

	logkv_init(&kv, "4jXSHS51kwz1bb8Y");
	logkv_str(&kv, "member", "alice");
	logkv_str(&kv, "reason", "bounce rate 12%");
	logkv_str(&kv, "from", "evil\r\nqid=forged");
	logkv_int(&kv, "count", 37);
	logkv_str(&kv, "empty", "");
	assert_string_equal(kv.buf, "qid=4jXSHS51kwz1bb8Y member=alice "
	    "reason=\"bounce rate 12%\" from=\"evil\\x0d\\x0aqid=forged\" "
	    "count=37 empty=\"\"");
}

static void
kv_without_qid_says_noqueue(void **state)
{
	struct logkv kv;

	logkv_init(&kv, NULL);
	assert_string_equal(kv.buf, "qid=NOQUEUE");
	logkv_init(&kv, "");
	assert_string_equal(kv.buf, "qid=NOQUEUE");
}

static void
kv_line_never_overflows(void **state)
{
	struct logkv kv;
	char	 big[5000];
	int	 i;

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	logkv_init(&kv, "Q");
	for (i = 0; i < 10; i++)
		logkv_str(&kv, "k", big);
	assert_true(kv.len < LOGKV_MAX);
	assert_int_equal(strlen(kv.buf), kv.len);
	assert_null(strchr(kv.buf, '\n'));
}

static const struct {
	const char	*name;
	int		 pri, mon, mday, hour, min, sec;
	const char	*ident;
	long		 pid;
	const char	*msg;
	const char	*out;
} fmt_cases[] = {
	{ "day under 10 is space-padded (%e)", LOG_MAIL | LOG_INFO,
	  0, 5, 9, 3, 7, "relay-policyd", 123, "qid=NOQUEUE action=DUNNO",
	  "<22>Jan  5 09:03:07 relay-policyd[123]: qid=NOQUEUE action=DUNNO" },
	{ "two-digit day, warning", LOG_MAIL | LOG_WARNING,
	  11, 31, 23, 59, 58, "relay-milter", 4242, "x",
	  "<20>Dec 31 23:59:58 relay-milter[4242]: x" },
	{ "error, empty message", LOG_MAIL | LOG_ERR,
	  6, 14, 0, 0, 0, "relayctl", 1, "",
	  "<19>Jul 14 00:00:00 relayctl[1]: " },
	{ "debug", LOG_MAIL | LOG_DEBUG,
	  1, 28, 12, 30, 1, "relay-tracker", 77, "a b",
	  "<23>Feb 28 12:30:01 relay-tracker[77]: a b" },
};

static void
syslog_format_table(void **state)
{
	char		 buf[256];
	struct tm	 tm;
	size_t		 i, n;

	for (i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_mon = fmt_cases[i].mon;
		tm.tm_mday = fmt_cases[i].mday;
		tm.tm_hour = fmt_cases[i].hour;
		tm.tm_min = fmt_cases[i].min;
		tm.tm_sec = fmt_cases[i].sec;
		n = log__syslog_format(buf, sizeof(buf), fmt_cases[i].pri, &tm,
		    fmt_cases[i].ident, fmt_cases[i].pid, fmt_cases[i].msg);
		if (strcmp(buf, fmt_cases[i].out) != 0)
			fail_msg("%s: got \"%s\" want \"%s\"", fmt_cases[i].name,
			    buf, fmt_cases[i].out);
		assert_int_equal(n, strlen(buf));
	}
}

static void
syslog_format_is_cut_to_fit(void **state)
{
	char		 buf[24];
	struct tm	 tm;
	size_t		 n;

	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	n = log__syslog_format(buf, sizeof(buf), LOG_MAIL | LOG_INFO, &tm,
	    "relay-policyd", 1, "a long message");
	assert_int_equal(n, sizeof(buf) - 1);
	assert_int_equal(strlen(buf), n);
	assert_string_equal(buf, "<22>Jan  1 00:00:00 rel");
}

static void
dropped_text_names_the_count(void **state)
{
	char	 buf[128];
	size_t	 n;

	n = log__dropped_text(buf, sizeof(buf), 37);
	assert_string_equal(buf, "37 log lines dropped: syslog was not reading");
	assert_int_equal(n, strlen(buf));
	log__dropped_text(buf, sizeof(buf), 1);
	assert_string_equal(buf, "1 log lines dropped: syslog was not reading");
}

/* A private "/dev/log": a directory of our own and a socket in it. */
static char	 sink_dir[64], sink_path[96];

/* sink_bind - a unix datagram socket at sink_path that nobody reads yet */
static int
sink_bind(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	unlink(sink_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sink_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* sink_read - the next datagram, or -1 when none is waiting */
static int
sink_read(int fd, char *buf, size_t size)
{
	ssize_t	 n = recv(fd, buf, size - 1, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	buf[n] = '\0';
	return (int)n;
}

static int
sink_setup(void **state)
{
	snprintf(sink_dir, sizeof(sink_dir), "/tmp/test_log.XXXXXX");
	if (mkdtemp(sink_dir) == NULL)
		return -1;
	snprintf(sink_path, sizeof(sink_path), "%s/log", sink_dir);
	return 0;
}

static int
sink_teardown(void **state)
{
	unlink(sink_path);
	rmdir(sink_dir);
	return 0;
}

/* ends_with - s ends with suffix */
static int
ends_with(const char *s, const char *suffix)
{
	size_t	 a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void
full_syslog_drops_counts_then_says_so(void **state)
{
	char		 buf[4096], want[128];
	unsigned long	 sent = 0, got = 0, dropped;
	int		 fd = sink_bind();

	log__syslog_open(sink_path, "t");
	/* Nobody reads: each send must return at once, the excess dropped. */
	while (log__syslog_dropped() < 5 && sent < 100000) {
		log__syslog_send(LOG_INFO, 42, "filler");
		sent++;
	}
	dropped = log__syslog_dropped();
	assert_int_equal(dropped, 5);
	while (sink_read(fd, buf, sizeof(buf)) >= 0) {
		assert_true(ends_with(buf, " t[42]: filler"));
		got++;
	}
	assert_int_equal(got + dropped, sent);
	/* syslog reads again: the count first, then the line. */
	log__syslog_send(LOG_ERR, 42, "after");
	assert_int_equal(log__syslog_dropped(), 0);
	assert_true(sink_read(fd, buf, sizeof(buf)) > 0);
	snprintf(want, sizeof(want), " t[42]: %lu log lines dropped: syslog "
	    "was not reading", dropped);
	if (strncmp(buf, "<20>", 4) != 0 || !ends_with(buf, want))
		fail_msg("want a warning \"...%s\", got \"%s\"", want, buf);
	assert_true(sink_read(fd, buf, sizeof(buf)) > 0);
	assert_true(strncmp(buf, "<19>", 4) == 0);
	assert_true(ends_with(buf, " t[42]: after"));
	assert_int_equal(sink_read(fd, buf, sizeof(buf)), -1);
	close(fd);
}

static void
restarted_syslog_is_connected_again(void **state)
{
	char	 buf[4096];
	int	 fd = sink_bind();

	log__syslog_open(sink_path, "t");
	log__syslog_send(LOG_INFO, 7, "one");
	assert_true(sink_read(fd, buf, sizeof(buf)) > 0);
	assert_true(ends_with(buf, "t[7]: one"));
	/* syslog restarts: a new socket at the same path */
	close(fd);
	fd = sink_bind();
	log__syslog_send(LOG_INFO, 7, "two");
	assert_int_equal(log__syslog_dropped(), 0);
	assert_true(sink_read(fd, buf, sizeof(buf)) > 0);
	assert_true(ends_with(buf, "t[7]: two"));
	/* syslog gone: lines are dropped, each tries once to connect */
	close(fd);
	unlink(sink_path);
	log__syslog_send(LOG_INFO, 7, "lost");
	log__syslog_send(LOG_INFO, 7, "lost");
	assert_int_equal(log__syslog_dropped(), 2);
	/* back: the count, then the line */
	fd = sink_bind();
	log__syslog_send(LOG_INFO, 7, "three");
	assert_true(sink_read(fd, buf, sizeof(buf)) > 0);
	assert_true(ends_with(buf, "t[7]: 2 log lines dropped: syslog was "
	    "not reading"));
	assert_true(sink_read(fd, buf, sizeof(buf)) > 0);
	assert_true(ends_with(buf, "t[7]: three"));
	close(fd);
}

static void
stream_syslog_gets_lines_ended_by_nul(void **state)
{
	struct sockaddr_un	 sun;
	char			 buf[4096];
	size_t			 got = 0;
	ssize_t			 n;
	int			 ls, c, i;

	(void)state;
	unlink(sink_path);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sink_path);
	assert_int_equal(bind(ls, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ls, 4), 0);
	/* a datagram connect says EPROTOTYPE: a stream, as glibc does */
	log__syslog_open(sink_path, "t");
	log__syslog_send(LOG_INFO, 9, "one");
	log__syslog_send(LOG_INFO, 9, "two");
	assert_int_equal(log__syslog_dropped(), 0);
	c = accept(ls, NULL, NULL);
	assert_true(c >= 0);
	for (i = 0; i < 100 && got < 2 * strlen("<22>Jan  1 00:00:00 t[9]: one") + 2;
	    i++) {
		n = recv(c, buf + got, sizeof(buf) - got - 1, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else
			usleep(10000);
	}
	assert_true(got > 0 && buf[got - 1] == '\0');
	assert_true(ends_with(buf, " t[9]: one"));	/* up to the first NUL */
	assert_true(ends_with(buf + strlen(buf) + 1, " t[9]: two"));
	close(c);
	close(ls);
}

static int wakes;

static void
count_wake(void)
{
	wakes++;
}

static void *
other_thread(void *arg)
{
	(void)arg;
	log_msg(LOG_INFO, "from the other thread");
	return NULL;
}

/* what stderr's file holds now */
static void
stderr_text(int fd, char *buf, size_t len)
{
	ssize_t	 n;

	fflush(stderr);
	n = pread(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/*
 * log_buffered keeps the lines of its own thread (the event loop) until
 * log_flush; another thread's (the metrics server) go out at once and
 * never touch the buffer
 */
static void
buffered_is_the_loop_threads_alone(void **state)
{
	char		 path[] = "/tmp/test_log.XXXXXX", mid[4096], end[4096];
	int		 fd = mkstemp(path), saved = dup(2);
	pthread_t	 t;

	(void)state;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	log_open("t", 1);
	log_buffered(count_wake);
	log_msg(LOG_INFO, "from the loop");
	pthread_create(&t, NULL, other_thread, NULL);
	pthread_join(t, NULL);
	stderr_text(fd, mid, sizeof(mid));
	log_flush();
	stderr_text(fd, end, sizeof(end));
	dup2(saved, 2);
	close(saved);
	close(fd);
	unlink(path);
	assert_int_equal(wakes, 1);
	assert_non_null(strstr(mid, "info: from the other thread\n"));
	assert_null(strstr(mid, "from the loop"));
	assert_non_null(strstr(end, "info: from the loop\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_table),
		cmocka_unit_test(escape_cuts_at_whole_sequences),
		cmocka_unit_test(kv_line_has_qid_first_and_quotes_when_needed),
		cmocka_unit_test(kv_without_qid_says_noqueue),
		cmocka_unit_test(kv_line_never_overflows),
		cmocka_unit_test(syslog_format_table),
		cmocka_unit_test(syslog_format_is_cut_to_fit),
		cmocka_unit_test(dropped_text_names_the_count),
		cmocka_unit_test_setup_teardown(full_syslog_drops_counts_then_says_so,
		    sink_setup, sink_teardown),
		cmocka_unit_test_setup_teardown(stream_syslog_gets_lines_ended_by_nul,
		    sink_setup, sink_teardown),
		cmocka_unit_test_setup_teardown(restarted_syslog_is_connected_again,
		    sink_setup, sink_teardown),
		/* last: buffered mode stays on */
		cmocka_unit_test(buffered_is_the_loop_threads_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
