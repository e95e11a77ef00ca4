# tests/fuzz/local.mk - libFuzzer harnesses for every parser of outside input.
#
# Each harness tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput. With
# ./configure CC=clang --enable-fuzzing it is linked with libFuzzer
# (tests/fuzz/fuzz_NAME, run with tests/fuzz/run-fuzz.sh); in every build it
# is also linked with replay.c into tests/fuzz/replay_NAME, which make check
# runs over the checked-in corpus tests/fuzz/corpus/NAME/ as a regression test.

EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run-fuzz.sh tests/fuzz/fuzz_check.h
FUZZ_CPPFLAGS = $(AM_CPPFLAGS)
FUZZ_LDADD = $(RELAY_COMMON_LIBS)

check_PROGRAMS += tests/fuzz/replay_addr
tests_fuzz_replay_addr_SOURCES = tests/fuzz/fuzz_addr.c tests/fuzz/replay.c
tests_fuzz_replay_addr_CPPFLAGS = $(FUZZ_CPPFLAGS) -DFUZZ_NAME='"addr"'
tests_fuzz_replay_addr_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_addr

if ENABLE_FUZZING
FUZZ_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
noinst_PROGRAMS += tests/fuzz/fuzz_addr
tests_fuzz_fuzz_addr_SOURCES = tests/fuzz/fuzz_addr.c
tests_fuzz_fuzz_addr_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_addr_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_addr_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += addr
endif

check_PROGRAMS += tests/fuzz/replay_metrics_http
tests_fuzz_replay_metrics_http_SOURCES = tests/fuzz/fuzz_metrics_http.c \
	tests/fuzz/replay.c
tests_fuzz_replay_metrics_http_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_NAME='"metrics_http"'
tests_fuzz_replay_metrics_http_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_metrics_http

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_metrics_http
tests_fuzz_fuzz_metrics_http_SOURCES = tests/fuzz/fuzz_metrics_http.c
tests_fuzz_fuzz_metrics_http_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_metrics_http_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_metrics_http_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += metrics_http
endif
