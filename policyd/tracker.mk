# policyd/tracker.mk - relay-tracker (the mail log follower) and relay-unsub
# (the unsubscribe pipe transport), their tests, fuzz target, scripts, docs.

sbin_PROGRAMS += policyd/relay-tracker policyd/relay-unsub

TRACKER_PURE = policyd/maillog.c policyd/maillog.h \
	policyd/bounce.c policyd/bounce.h policyd/ratewin.c policyd/ratewin.h

policyd_relay_tracker_SOURCES = policyd/relay-tracker.c \
	$(TRACKER_PURE) \
	policyd/tracker_follow.c policyd/tracker_follow.h \
	policyd/tracker_rotated.c policyd/tracker_rotated.h \
	policyd/tracker_apply.c policyd/tracker_apply.h \
	policyd/tracker_report.c \
	policyd/tracker_pos.c \
	policyd/tracker_posval.c policyd/tracker_posval.h \
	policyd/tracker_hop.c policyd/tracker_hop.h \
	policyd/tracker_retry.c policyd/tracker_retry.h \
	policyd/tracker_recheck.c policyd/tracker_recheck.h \
	policyd/tracker_time.c policyd/tracker_time.h
policyd_relay_tracker_LDADD = $(RELAY_COMMON_LIBS)

policyd_relay_unsub_SOURCES = policyd/unsub.c policyd/unsub_web.c \
	policyd/unsub_web.h policyd/unsub_store.c policyd/unsub_store.h \
	policyd/unsub_report.c policyd/unsub_report.h \
	policyd/arfsig.c policyd/arfsig.h \
	policyd/unsub_bounce.c policyd/unsub_bounce.h $(COMPLAINT_PURE) \
	$(DSN_PURE) $(TRACKER_PURE)
policyd_relay_unsub_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/milter
policyd_relay_unsub_LDADD = $(OPENDKIM_LIBS) $(RELAY_COMMON_LIBS) \
	$(RESOLV_LIBS)

# complaint reports: the parser and the plan (pure, unit-tested)
COMPLAINT_PURE = $(ARF_PURE) policyd/complaint.c policyd/complaint.h

RELAY_LUA += common/lua/tracker_event.lua common/lua/tracker_link.lua \
	common/lua/tracker_pos.lua common/lua/unsub_complaint.lua \
	common/lua/unsub_complaint_count.lua common/lua/unsub_bounce.lua

dist_man_MANS += doc/relay-tracker.8 doc/relay-unsub.8
EXTRA_DIST += contrib/postfix/unsub.cf

# Unit tests: the pure parser and classification, the file follower and
# the order of rotated files, the saved positions, the time of a log line.
check_PROGRAMS += tests/unit/test_maillog
tests_unit_test_maillog_SOURCES = tests/unit/test_maillog.c $(TRACKER_PURE)
tests_unit_test_maillog_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_maillog_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_maillog

check_PROGRAMS += tests/unit/test_bounce
tests_unit_test_bounce_SOURCES = tests/unit/test_bounce.c $(TRACKER_PURE)
tests_unit_test_bounce_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_bounce_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_bounce

check_PROGRAMS += tests/unit/test_tracker_follow
tests_unit_test_tracker_follow_SOURCES = tests/unit/test_tracker_follow.c \
	policyd/tracker_follow.c policyd/tracker_follow.h \
	policyd/tracker_rotated.c policyd/tracker_rotated.h
tests_unit_test_tracker_follow_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_tracker_follow_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_follow

check_PROGRAMS += tests/unit/test_tracker_rotated
tests_unit_test_tracker_rotated_SOURCES = tests/unit/test_tracker_rotated.c \
	policyd/tracker_rotated.c policyd/tracker_rotated.h
tests_unit_test_tracker_rotated_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_tracker_rotated_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_rotated

check_PROGRAMS += tests/unit/test_tracker_hop
tests_unit_test_tracker_hop_SOURCES = tests/unit/test_tracker_hop.c \
	policyd/tracker_hop.c policyd/tracker_hop.h
tests_unit_test_tracker_hop_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd \
	-DHOPSEEN_MAX=64
tests_unit_test_tracker_hop_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_hop

check_PROGRAMS += tests/unit/test_tracker_recheck
tests_unit_test_tracker_recheck_SOURCES = tests/unit/test_tracker_recheck.c \
	policyd/tracker_recheck.c policyd/tracker_recheck.h
tests_unit_test_tracker_recheck_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-I$(top_srcdir)/policyd -DRECHECK_MAX=8
tests_unit_test_tracker_recheck_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_recheck

check_PROGRAMS += tests/unit/test_tracker_retry
tests_unit_test_tracker_retry_SOURCES = tests/unit/test_tracker_retry.c \
	policyd/tracker_retry.c policyd/tracker_retry.h
tests_unit_test_tracker_retry_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_tracker_retry_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_retry

check_PROGRAMS += tests/unit/test_tracker_posval
tests_unit_test_tracker_posval_SOURCES = tests/unit/test_tracker_posval.c \
	policyd/tracker_posval.c policyd/tracker_posval.h
tests_unit_test_tracker_posval_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_tracker_posval_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_posval

check_PROGRAMS += tests/unit/test_tracker_time
tests_unit_test_tracker_time_SOURCES = tests/unit/test_tracker_time.c \
	policyd/tracker_time.c policyd/tracker_time.h
tests_unit_test_tracker_time_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_tracker_time_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_tracker_time

check_PROGRAMS += tests/unit/test_unsub_web
tests_unit_test_unsub_web_SOURCES = tests/unit/test_unsub_web.c \
	policyd/unsub_web.c policyd/unsub_web.h
tests_unit_test_unsub_web_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_unsub_web_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_unsub_web

check_PROGRAMS += tests/unit/test_complaint
tests_unit_test_complaint_SOURCES = tests/unit/test_complaint.c \
	policyd/complaint.c policyd/complaint.h
tests_unit_test_complaint_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-I$(top_srcdir)/policyd -I$(top_srcdir)/milter
tests_unit_test_complaint_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_complaint

check_PROGRAMS += tests/unit/test_arfsig
tests_unit_test_arfsig_SOURCES = tests/unit/test_arfsig.c \
	policyd/arfsig.c policyd/arfsig.h
tests_unit_test_arfsig_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_arfsig_LDADD = $(OPENDKIM_LIBS) $(UNIT_LDADD) $(RESOLV_LIBS)
UNIT_TESTS += tests/unit/test_arfsig

# Integration tests through the private Postfix.
TRACKER_IT = tests/integration/test_tracker_delivery.sh \
	tests/integration/test_tracker_restart.sh \
	tests/integration/test_tracker_rollback.sh \
	tests/integration/test_tracker_rotate.sh \
	tests/integration/test_tracker_reload.sh \
	tests/integration/test_tracker_rejected.sh \
	tests/integration/test_tracker_faults.sh \
	tests/integration/test_tracker_badpos.sh \
	tests/integration/test_tracker_filter.sh \
	tests/integration/test_tracker_hops.sh \
	tests/integration/test_unsub.sh \
	tests/integration/test_unsub_member.sh \
	tests/integration/test_unsub_web.sh \
	tests/integration/test_unsub_complaint.sh \
	tests/integration/test_unsub_signers.sh \
	tests/integration/test_unsub_bounce.sh \
	tests/integration/test_unsub_key_change.sh
INTEGRATION_TESTS += $(TRACKER_IT)
EXTRA_DIST += $(TRACKER_IT)

# Fuzz target for the log line parser (replayed over its corpus in make check).
check_PROGRAMS += tests/fuzz/replay_maillog
tests_fuzz_replay_maillog_SOURCES = tests/fuzz/fuzz_maillog.c tests/fuzz/replay.c \
	$(TRACKER_PURE)
tests_fuzz_replay_maillog_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd \
	-DFUZZ_NAME='"maillog"'
tests_fuzz_replay_maillog_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_maillog

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_maillog
tests_fuzz_fuzz_maillog_SOURCES = tests/fuzz/fuzz_maillog.c $(TRACKER_PURE)
tests_fuzz_fuzz_maillog_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd
tests_fuzz_fuzz_maillog_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_maillog_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_maillog_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += maillog
endif

# Fuzz target for the https one-click request (relay-unsub as a CGI).
check_PROGRAMS += tests/fuzz/replay_unsub_web
tests_fuzz_replay_unsub_web_SOURCES = tests/fuzz/fuzz_unsub_web.c \
	tests/fuzz/replay.c policyd/unsub_web.c policyd/unsub_web.h
tests_fuzz_replay_unsub_web_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd \
	-DFUZZ_NAME='"unsub_web"'
tests_fuzz_replay_unsub_web_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_unsub_web

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_unsub_web
tests_fuzz_fuzz_unsub_web_SOURCES = tests/fuzz/fuzz_unsub_web.c \
	policyd/unsub_web.c policyd/unsub_web.h
tests_fuzz_fuzz_unsub_web_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd
tests_fuzz_fuzz_unsub_web_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_unsub_web_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_unsub_web_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += unsub_web
endif

# Benchmark (not part of make check): make bench-tracker [BENCH_LINES="100000 1000000"]
EXTRA_DIST += tests/bench/tracker/bench_tracker.sh tests/bench/tracker/gen_maillog.py
BENCH_LINES = 100000 1000000
bench-tracker: policyd/relay-tracker
	RELAY_TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) \
	  $(top_srcdir)/tests/bench/tracker/bench_tracker.sh $(BENCH_LINES)
.PHONY: bench-tracker

# The complaint report reader of relay-unsub (ARF, RFC 5965): pure code,
# linked by the program, its unit test and its fuzz target alike.
ARF_PURE = policyd/arf.c policyd/arf.h policyd/mime.c policyd/mime.h \
	policyd/mime_param.c policyd/mime_param.h milter/from.c milter/from.h

check_PROGRAMS += tests/unit/test_arf
tests_unit_test_arf_SOURCES = tests/unit/test_arf.c tests/unit/crlf.h \
	$(ARF_PURE)
tests_unit_test_arf_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter
tests_unit_test_arf_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_arf

check_PROGRAMS += tests/unit/test_mime
tests_unit_test_mime_SOURCES = tests/unit/test_mime.c policyd/mime.c \
	policyd/mime.h policyd/mime_param.c policyd/mime_param.h
tests_unit_test_mime_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_mime_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_mime

check_PROGRAMS += tests/fuzz/replay_arf
tests_fuzz_replay_arf_SOURCES = tests/fuzz/fuzz_arf.c tests/fuzz/replay.c \
	$(ARF_PURE)
tests_fuzz_replay_arf_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter -DFUZZ_NAME='"arf"'
tests_fuzz_replay_arf_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_arf

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_arf
tests_fuzz_fuzz_arf_SOURCES = tests/fuzz/fuzz_arf.c $(ARF_PURE)
tests_fuzz_fuzz_arf_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter
tests_fuzz_fuzz_arf_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_arf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_arf_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += arf
endif

# The bounce readers of relay-unsub (DSN, RFC 3464; qmail's QSBMF): pure
# code on mime.c, linked by their unit tests and their fuzz target alike.
# They need $(ARF_PURE) beside them, which is not in DSN_PURE: relay-unsub
# has it already, and automake would link a source listed twice in one
# program twice.
DSN_PURE = policyd/dsn.c policyd/dsn.h policyd/qsbmf.c policyd/qsbmf.h

check_PROGRAMS += tests/unit/test_dsn
tests_unit_test_dsn_SOURCES = tests/unit/test_dsn.c tests/unit/dsn_cases.h \
	$(DSN_PURE) $(ARF_PURE)
tests_unit_test_dsn_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter
tests_unit_test_dsn_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_dsn

check_PROGRAMS += tests/unit/test_qsbmf
tests_unit_test_qsbmf_SOURCES = tests/unit/test_qsbmf.c tests/unit/dsn_cases.h \
	$(DSN_PURE) $(ARF_PURE)
tests_unit_test_qsbmf_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter
tests_unit_test_qsbmf_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_qsbmf

check_PROGRAMS += tests/unit/test_dsn_fields
tests_unit_test_dsn_fields_SOURCES = tests/unit/test_dsn_fields.c \
	$(DSN_PURE) $(ARF_PURE)
tests_unit_test_dsn_fields_CPPFLAGS = $(UNIT_CPPFLAGS) \
	-I$(top_srcdir)/policyd -I$(top_srcdir)/milter
tests_unit_test_dsn_fields_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_dsn_fields

check_PROGRAMS += tests/fuzz/replay_dsn
tests_fuzz_replay_dsn_SOURCES = tests/fuzz/fuzz_dsn.c tests/fuzz/replay.c \
	$(DSN_PURE) $(ARF_PURE)
tests_fuzz_replay_dsn_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter -DFUZZ_NAME='"dsn"'
tests_fuzz_replay_dsn_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_dsn

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_dsn
tests_fuzz_fuzz_dsn_SOURCES = tests/fuzz/fuzz_dsn.c $(DSN_PURE) $(ARF_PURE)
tests_fuzz_fuzz_dsn_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd \
	-I$(top_srcdir)/milter
tests_fuzz_fuzz_dsn_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dsn_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_dsn_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += dsn
endif
