# milter/local.mk - relay-milter, its tests, fuzz harness, scripts and docs.

sbin_PROGRAMS += milter/relay-milter

# The pure parts, shared by the program and its unit tests.
MILTER_CORE = milter/from.c milter/from.h milter/decide.c milter/decide.h \
	milter/listunsub.c milter/listunsub.h milter/keycache.c milter/keycache.h

milter_relay_milter_SOURCES = milter/relay-milter.c milter/mlfi.c milter/mlfi.h \
	milter/mlfi_eom.c milter/mlfi_priv.h \
	milter/mlfi_state.c milter/mlfi_state.h \
	milter/mlfi_sess.c milter/mlfi_sess.h \
	milter/reload.c milter/reload.h \
	milter/store.c milter/store.h milter/store_reply.c \
	milter/sign.c milter/sign.h \
	milter/linelimit.c milter/linelimit.h \
	milter/fcache.c milter/fcache.h milter/ftable.c milter/ftable.h \
	milter/hdrs.c milter/hdrs.h milter/ownhdrs.c milter/ownhdrs.h \
	milter/sockwrap.c milter/sockwrap.h milter/pkcache.c milter/pkcache.h \
	$(MILTER_CORE)
# libmilter is linked statically so that its socket calls can be wrapped
# (milter/sockwrap.h: TCP options, a read buffer, the worker's wait).
milter_relay_milter_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=accept,--wrap=read,--wrap=poll,--wrap=close,--wrap=listen
milter_relay_milter_LDADD = -l:libmilter.a \
	$(OPENDKIM_LIBS) $(RELAY_COMMON_LIBS)

RELAY_LUA += common/lua/milter_record.lua common/lua/milter_msgid.lua

dist_man_MANS += doc/relay-milter.8
EXTRA_DIST += contrib/postfix/milter.cf

# Unit tests
check_PROGRAMS += tests/unit/test_milter_from
tests_unit_test_milter_from_SOURCES = tests/unit/test_milter_from.c milter/from.c
tests_unit_test_milter_from_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter
tests_unit_test_milter_from_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_from

check_PROGRAMS += tests/unit/test_milter_decide
tests_unit_test_milter_decide_SOURCES = tests/unit/test_milter_decide.c \
	milter/decide.c milter/listunsub.c milter/keycache.c
tests_unit_test_milter_decide_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter
tests_unit_test_milter_decide_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_decide

check_PROGRAMS += tests/unit/test_milter_store_reply
tests_unit_test_milter_store_reply_SOURCES = \
	tests/unit/test_milter_store_reply.c milter/store_reply.c
tests_unit_test_milter_store_reply_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter
tests_unit_test_milter_store_reply_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_store_reply

check_PROGRAMS += tests/unit/test_milter_ftable
tests_unit_test_milter_ftable_SOURCES = tests/unit/test_milter_ftable.c \
	milter/ftable.c
tests_unit_test_milter_ftable_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter
tests_unit_test_milter_ftable_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_ftable

check_PROGRAMS += tests/unit/test_milter_hdrs
tests_unit_test_milter_hdrs_SOURCES = tests/unit/test_milter_hdrs.c \
	$(MILTER_HDRS_CHECK)
tests_unit_test_milter_hdrs_CPPFLAGS = $(UNIT_CPPFLAGS) $(MILTER_HDRS_INC)
tests_unit_test_milter_hdrs_LDADD = $(OPENDKIM_LIBS) $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_hdrs

check_PROGRAMS += tests/unit/test_milter_pkcache
tests_unit_test_milter_pkcache_SOURCES = tests/unit/test_milter_pkcache.c \
	milter/pkcache.c
# a smaller cache, so the test fills it quickly (under valgrind too)
tests_unit_test_milter_pkcache_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter \
	-DPKCACHE_MAX=256
tests_unit_test_milter_pkcache_LDADD = $(OPENDKIM_LIBS) $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_pkcache

check_PROGRAMS += tests/unit/test_linelimit
tests_unit_test_linelimit_SOURCES = tests/unit/test_linelimit.c \
	milter/linelimit.c milter/linelimit.h
tests_unit_test_linelimit_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter
tests_unit_test_linelimit_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_linelimit

check_PROGRAMS += tests/unit/test_milter_sign
tests_unit_test_milter_sign_SOURCES = tests/unit/test_milter_sign.c \
	milter/sign.c milter/linelimit.c milter/pkcache.c
tests_unit_test_milter_sign_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/milter
tests_unit_test_milter_sign_LDADD = $(OPENDKIM_LIBS) $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_milter_sign

# The header code, signed and verified in-process (unit test, fuzz harness).
MILTER_HDRS_CHECK = milter/hdrs.c milter/ownhdrs.c milter/from.c milter/sign.c \
	milter/linelimit.c \
	milter/pkcache.c tests/unit/dkimcheck.c tests/unit/dkimcheck.h \
	contrib/relayctl/dkimkey.c
MILTER_HDRS_INC = -I$(top_srcdir)/milter -I$(top_srcdir)/tests/unit \
	-I$(top_srcdir)/contrib/relayctl

# Integration tests
INTEGRATION_TESTS += tests/integration/test_milter_enroll.sh \
	tests/integration/test_milter_outbound.sh \
	tests/integration/test_milter_session.sh \
	tests/integration/test_milter_bdat.sh \
	tests/integration/test_milter_missing.sh \
	tests/integration/test_milter_redis.sh \
	tests/integration/test_milter_cache.sh \
	tests/integration/test_milter_macros.sh \
	tests/integration/test_milter_reload.sh \
	tests/integration/test_milter_wire.sh \
	tests/integration/test_milter_queuecap.sh \
	tests/integration/test_redis_wait.sh \
	tests/integration/test_milter_stop.sh \
	tests/integration/test_milter_stuckreload.sh
EXTRA_DIST += tests/integration/test_milter_enroll.sh \
	tests/integration/test_milter_outbound.sh \
	tests/integration/test_milter_session.sh \
	tests/integration/test_milter_bdat.sh \
	tests/integration/test_milter_missing.sh \
	tests/integration/test_milter_redis.sh \
	tests/integration/test_milter_cache.sh \
	tests/integration/test_milter_macros.sh \
	tests/integration/test_milter_reload.sh \
	tests/integration/test_milter_wire.sh \
	tests/integration/test_milter_queuecap.sh \
	tests/integration/test_redis_wait.sh \
	tests/integration/test_milter_stop.sh \
	tests/integration/test_milter_stuckreload.sh \
	tests/integration/milter_wire.py \
	tests/integration/milter_hold.py

# Fuzz harness for the From: parser (replayed over its corpus in make check)
check_PROGRAMS += tests/fuzz/replay_from
tests_fuzz_replay_from_SOURCES = tests/fuzz/fuzz_from.c tests/fuzz/replay.c milter/from.c
tests_fuzz_replay_from_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/milter -DFUZZ_NAME='"from"'
tests_fuzz_replay_from_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_from

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_from
tests_fuzz_fuzz_from_SOURCES = tests/fuzz/fuzz_from.c milter/from.c
tests_fuzz_fuzz_from_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/milter
tests_fuzz_fuzz_from_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_from_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_from_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += from
endif

# Fuzz harness for the header code: fields noted, signed where Postfix
# delivers them, verified (replayed over its corpus in make check)
check_PROGRAMS += tests/fuzz/replay_headers
tests_fuzz_replay_headers_SOURCES = tests/fuzz/fuzz_headers.c \
	tests/fuzz/replay.c $(MILTER_HDRS_CHECK)
tests_fuzz_replay_headers_CPPFLAGS = $(FUZZ_CPPFLAGS) $(MILTER_HDRS_INC) \
	-DFUZZ_NAME='"headers"'
tests_fuzz_replay_headers_LDADD = $(OPENDKIM_LIBS) $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_headers

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_headers
tests_fuzz_fuzz_headers_SOURCES = tests/fuzz/fuzz_headers.c \
	$(MILTER_HDRS_CHECK)
tests_fuzz_fuzz_headers_CPPFLAGS = $(FUZZ_CPPFLAGS) $(MILTER_HDRS_INC)
tests_fuzz_fuzz_headers_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_headers_LDFLAGS = $(AM_LDFLAGS) \
	-fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_headers_LDADD = $(OPENDKIM_LIBS) $(FUZZ_LDADD)
FUZZ_TARGETS += headers
endif

# Benchmark (not part of make check): make bench-milter
EXTRA_DIST += tests/bench/milter/bench.sh tests/bench/milter/rspamd.sh
# The null milter row: a milter that does no work, linked as relay-milter is.
noinst_PROGRAMS += tests/bench/milter/null_milter
tests_bench_milter_null_milter_SOURCES = tests/bench/milter/null_milter.c \
	milter/sockwrap.c milter/sockwrap.h
tests_bench_milter_null_milter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter
tests_bench_milter_null_milter_LDFLAGS = $(milter_relay_milter_LDFLAGS)
tests_bench_milter_null_milter_LDADD = -l:libmilter.a -lpthread
bench-milter: milter/relay-milter tests/integration/smtpload \
	tests/bench/milter/null_milter
	@RELAY_TOP_SRCDIR='$(abs_top_srcdir)' RELAY_TOP_BUILDDIR='$(abs_top_builddir)' \
	  $(SHELL) $(top_srcdir)/tests/bench/milter/bench.sh
.PHONY: bench-milter

# A reload to another Redis database: sessions that span it (fcache.c).
INTEGRATION_TESTS += tests/integration/test_milter_dbswitch.sh
EXTRA_DIST += tests/integration/test_milter_dbswitch.sh

# Redis answers, but not what is needed (wrong types, bad fields, a write
# refused half way): 451 4.4.2 at each stage, the record taken back.
INTEGRATION_TESTS += tests/integration/test_milter_badfacts.sh
EXTRA_DIST += tests/integration/test_milter_badfacts.sh
