# policyd/local.mk - relay-policyd: program, unit tests, fuzz targets,
# integration tests, Lua script, man page, benchmark.

sbin_PROGRAMS += policyd/relay-policyd
policyd_relay_policyd_SOURCES = policyd/relay-policyd.c \
	policyd/policyd.h \
	policyd/policyd_dcache.c policyd/policyd_dcache.h \
	policyd/policyd_decide.c policyd/policyd_decide.h \
	policyd/policyd_listen.c policyd/policyd_listen.h \
	policyd/policyd_move.c policyd/policyd_move.h \
	policyd/policyd_noscript.c policyd/policyd_noscript.h \
	policyd/policyd_policy.c \
	policyd/policyd_proto.c policyd/policyd_proto.h \
	policyd/policyd_redis.c policyd/policyd_redis.h \
	policyd/policyd_rlink.c policyd/policyd_rlink.h \
	policyd/policyd_rval.c policyd/policyd_rval.h \
	policyd/policyd_server.c \
	policyd/socketmap.c policyd/socketmap.h \
	policyd/socketmap_server.c
policyd_relay_policyd_LDADD = $(RELAY_COMMON_LIBS) $(LIBEVENT_LIBS)

RELAY_LUA += common/lua/policyd_warm.lua
dist_man_MANS += doc/relay-policyd.8
EXTRA_DIST += contrib/postfix/policyd.cf

# Unit tests (cmocka): the pure parts.
check_PROGRAMS += tests/unit/test_policyd_proto
tests_unit_test_policyd_proto_SOURCES = tests/unit/test_policyd_proto.c \
	policyd/policyd_proto.c
tests_unit_test_policyd_proto_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_policyd_proto_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_policyd_proto

check_PROGRAMS += tests/unit/test_policyd_decide
tests_unit_test_policyd_decide_SOURCES = tests/unit/test_policyd_decide.c \
	policyd/policyd_decide.c policyd/policyd_rval.c
tests_unit_test_policyd_decide_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_policyd_decide_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_policyd_decide

check_PROGRAMS += tests/unit/test_policyd_dcache
tests_unit_test_policyd_dcache_SOURCES = tests/unit/test_policyd_dcache.c \
	policyd/policyd_dcache.c
tests_unit_test_policyd_dcache_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_policyd_dcache_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_policyd_dcache

check_PROGRAMS += tests/unit/test_policyd_noscript
tests_unit_test_policyd_noscript_SOURCES = tests/unit/test_policyd_noscript.c \
	policyd/policyd_noscript.c
tests_unit_test_policyd_noscript_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_policyd_noscript_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_policyd_noscript

check_PROGRAMS += tests/unit/test_policyd_move
tests_unit_test_policyd_move_SOURCES = tests/unit/test_policyd_move.c \
	policyd/policyd_move.c
tests_unit_test_policyd_move_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_policyd_move_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_policyd_move

check_PROGRAMS += tests/unit/test_policyd_socketmap
tests_unit_test_policyd_socketmap_SOURCES = tests/unit/test_policyd_socketmap.c \
	policyd/socketmap.c policyd/policyd_rval.c
tests_unit_test_policyd_socketmap_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/policyd
tests_unit_test_policyd_socketmap_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_policyd_socketmap


# Fuzz harnesses: replayed over their corpus in every build.
check_PROGRAMS += tests/fuzz/replay_policy
tests_fuzz_replay_policy_SOURCES = tests/fuzz/fuzz_policy.c tests/fuzz/replay.c \
	policyd/policyd_proto.c
tests_fuzz_replay_policy_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd -DFUZZ_NAME='"policy"'
tests_fuzz_replay_policy_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_policy

check_PROGRAMS += tests/fuzz/replay_netstring
tests_fuzz_replay_netstring_SOURCES = tests/fuzz/fuzz_netstring.c tests/fuzz/replay.c \
	policyd/socketmap.c policyd/policyd_rval.c
tests_fuzz_replay_netstring_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd -DFUZZ_NAME='"netstring"'
tests_fuzz_replay_netstring_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_netstring

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_policy tests/fuzz/fuzz_netstring
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c policyd/policyd_proto.c
tests_fuzz_fuzz_policy_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd
tests_fuzz_fuzz_policy_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_policy_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_policy_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_netstring_SOURCES = tests/fuzz/fuzz_netstring.c \
	policyd/socketmap.c policyd/policyd_rval.c
tests_fuzz_fuzz_netstring_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/policyd
tests_fuzz_fuzz_netstring_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_netstring_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_netstring_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += policy netstring
endif

# The small protocol client the integration tests drive (garbage,
# oversized, slowloris, concurrent clients) and the benchmark uses.
check_PROGRAMS += tests/integration/policyd_client
tests_integration_policyd_client_SOURCES = tests/integration/policyd_client.c
tests_integration_policyd_client_LDADD = -lpthread

INTEGRATION_TESTS += tests/integration/test_policyd_e2e.sh
INTEGRATION_TESTS += tests/integration/test_policyd_protocol.sh
INTEGRATION_TESTS += tests/integration/test_policyd_exact.sh
INTEGRATION_TESTS += tests/integration/test_policyd_socketmap.sh
INTEGRATION_TESTS += tests/integration/test_policyd_postfix_cap.sh
INTEGRATION_TESTS += tests/integration/test_policyd_fastpath.sh
INTEGRATION_TESTS += tests/integration/test_policyd_drain.sh
INTEGRATION_TESTS += tests/integration/test_policyd_hup.sh
INTEGRATION_TESTS += tests/integration/test_policyd_limits.sh
INTEGRATION_TESTS += tests/integration/test_policyd_listen.sh
INTEGRATION_TESTS += tests/integration/test_policyd_charges.sh
INTEGRATION_TESTS += tests/integration/test_policyd_degraded.sh
INTEGRATION_TESTS += tests/integration/test_policyd_noscript.sh
INTEGRATION_TESTS += tests/integration/test_policyd_badfacts.sh
INTEGRATION_TESTS += tests/integration/test_policyd_parents.sh
EXTRA_DIST += tests/integration/test_policyd_e2e.sh \
	tests/integration/test_policyd_badfacts.sh \
	tests/integration/test_policyd_degraded.sh \
	tests/integration/test_policyd_charges.sh \
	tests/integration/test_policyd_drain.sh \
	tests/integration/test_policyd_hup.sh \
	tests/integration/test_policyd_fastpath.sh \
	tests/integration/test_policyd_limits.sh \
	tests/integration/test_policyd_listen.sh \
	tests/integration/test_policyd_noscript.sh \
	tests/integration/test_policyd_parents.sh \
	tests/integration/test_policyd_postfix_cap.sh \
	tests/integration/test_policyd_protocol.sh \
	tests/integration/test_policyd_exact.sh \
	tests/integration/test_policyd_socketmap.sh

# Benchmark (tests/bench/policyd/run-bench.sh; not part of make check).
noinst_PROGRAMS += tests/bench/policyd/policyd_load tests/bench/policyd/noop_server
tests_bench_policyd_policyd_load_SOURCES = tests/bench/policyd/policyd_load.c
tests_bench_policyd_noop_server_SOURCES = tests/bench/policyd/noop_server.c
EXTRA_DIST += tests/bench/policyd/run-bench.sh
