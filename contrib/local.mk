# contrib/local.mk - relayctl (the admin tool), relay-checkpw (SMTP AUTH
# against Redis through Dovecot), their tests, scripts and docs.

sbin_PROGRAMS += contrib/relayctl/relayctl contrib/checkpw/relay-checkpw

# The pure parts, shared by the programs and their unit tests.
CTL_CORE = contrib/relayctl/parse.c contrib/relayctl/parse.h \
	contrib/relayctl/parse_import.c \
	contrib/relayctl/verify.c contrib/relayctl/verify.h \
	contrib/relayctl/hostcheck.c contrib/relayctl/hostcheck.h
CTL_CPPFLAGS = -I$(top_srcdir)/contrib/relayctl -I$(top_srcdir)/contrib/checkpw

contrib_relayctl_relayctl_SOURCES = contrib/relayctl/relayctl.c \
	contrib/relayctl/ctl.h contrib/relayctl/ctl_util.c \
	contrib/relayctl/ctl_out.c \
	contrib/relayctl/cmd_member.c contrib/relayctl/cmd_apikey.c \
	contrib/relayctl/cmd_domain.c contrib/relayctl/cmd_list.c \
	contrib/relayctl/records.c \
	contrib/relayctl/cmd_verify.c contrib/relayctl/cmd_pending.c \
	contrib/relayctl/cmd_suppress.c contrib/relayctl/cmd_status.c \
	contrib/relayctl/cmd_misc.c contrib/relayctl/warming.c \
	contrib/relayctl/dkimkey.c contrib/relayctl/dkimkey.h \
	contrib/relayctl/cmd_host.c contrib/relayctl/rates.c \
	contrib/relayctl/rates.h policyd/ratewin.c policyd/ratewin.h \
	$(CTL_CORE)
contrib_relayctl_relayctl_CPPFLAGS = $(AM_CPPFLAGS) $(CTL_CPPFLAGS) \
	-I$(top_srcdir)/policyd
contrib_relayctl_relayctl_LDADD = $(RELAY_COMMON_LIBS) $(JANSSON_LIBS) \
	$(RESOLV_LIBS)

contrib_checkpw_relay_checkpw_SOURCES = contrib/checkpw/relay-checkpw.c \
	contrib/checkpw/checkpw_match.c contrib/checkpw/checkpw_match.h
contrib_checkpw_relay_checkpw_CPPFLAGS = $(AM_CPPFLAGS) $(CTL_CPPFLAGS)
contrib_checkpw_relay_checkpw_LDADD = $(RELAY_COMMON_LIBS)

RELAY_LUA += common/lua/ctl_create.lua common/lua/ctl_hset_if.lua \
	common/lua/ctl_hsetnx_if.lua common/lua/ctl_member_remove.lua \
	common/lua/ctl_domain_add.lua common/lua/ctl_domain_rotate.lua \
	common/lua/ctl_domain_verified.lua common/lua/ctl_domain_remove.lua \
	common/lua/ctl_member_limits.lua common/lua/checkpw_touch.lua \
	common/lua/ctl_unlock.lua common/lua/ctl_hdel_both.lua \
	common/lua/ctl_sadd_if.lua common/lua/ctl_lock_cas.lua

EXTRA_DIST += contrib/dovecot/auth-relay.conf.ext \
	contrib/dovecot/dovecot-relay.conf

# Unit tests
check_PROGRAMS += tests/unit/test_ctl_parse
tests_unit_test_ctl_parse_SOURCES = tests/unit/test_ctl_parse.c \
	contrib/relayctl/parse.c contrib/relayctl/parse_import.c
tests_unit_test_ctl_parse_CPPFLAGS = $(UNIT_CPPFLAGS) $(CTL_CPPFLAGS)
tests_unit_test_ctl_parse_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_ctl_parse

check_PROGRAMS += tests/unit/test_ctl_verify
tests_unit_test_ctl_verify_SOURCES = tests/unit/test_ctl_verify.c $(CTL_CORE)
tests_unit_test_ctl_verify_CPPFLAGS = $(UNIT_CPPFLAGS) $(CTL_CPPFLAGS)
tests_unit_test_ctl_verify_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_ctl_verify

check_PROGRAMS += tests/unit/test_ctl_hostcheck
tests_unit_test_ctl_hostcheck_SOURCES = tests/unit/test_ctl_hostcheck.c \
	$(CTL_CORE)
tests_unit_test_ctl_hostcheck_CPPFLAGS = $(UNIT_CPPFLAGS) $(CTL_CPPFLAGS)
tests_unit_test_ctl_hostcheck_LDADD = $(UNIT_LDADD) $(RESOLV_LIBS)
UNIT_TESTS += tests/unit/test_ctl_hostcheck

check_PROGRAMS += tests/unit/test_ctl_rates
tests_unit_test_ctl_rates_SOURCES = tests/unit/test_ctl_rates.c \
	contrib/relayctl/rates.c
tests_unit_test_ctl_rates_CPPFLAGS = $(UNIT_CPPFLAGS) $(CTL_CPPFLAGS)
tests_unit_test_ctl_rates_LDADD = $(UNIT_LDADD) $(JANSSON_LIBS)
UNIT_TESTS += tests/unit/test_ctl_rates

check_PROGRAMS += tests/unit/test_ctl_checkpw
tests_unit_test_ctl_checkpw_SOURCES = tests/unit/test_ctl_checkpw.c \
	contrib/checkpw/checkpw_match.c contrib/relayctl/dkimkey.c
tests_unit_test_ctl_checkpw_CPPFLAGS = $(UNIT_CPPFLAGS) $(CTL_CPPFLAGS)
tests_unit_test_ctl_checkpw_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_ctl_checkpw

# Integration tests
CTL_IT = tests/integration/test_ctl_member.sh \
	tests/integration/test_ctl_domain.sh \
	tests/integration/test_ctl_answers.sh \
	tests/integration/test_ctl_host.sh \
	tests/integration/test_ctl_suppress.sh \
	tests/integration/test_ctl_status.sh \
	tests/integration/test_ctl_scale.sh \
	tests/integration/test_auth.sh
INTEGRATION_TESTS += $(CTL_IT)
EXTRA_DIST += $(CTL_IT)

dist_man_MANS += doc/relayctl.8 doc/relay-checkpw.8

# Fuzz harness: suppression import rows and DKIM tag lists (outside input).
check_PROGRAMS += tests/fuzz/replay_ctl_import
tests_fuzz_replay_ctl_import_SOURCES = tests/fuzz/fuzz_ctl_import.c \
	tests/fuzz/replay.c contrib/relayctl/parse.c \
	contrib/relayctl/parse_import.c
tests_fuzz_replay_ctl_import_CPPFLAGS = $(FUZZ_CPPFLAGS) $(CTL_CPPFLAGS) \
	-DFUZZ_NAME='"ctl_import"'
tests_fuzz_replay_ctl_import_LDADD = $(FUZZ_LDADD)
UNIT_TESTS += tests/fuzz/replay_ctl_import

# Fuzz harness: DNS answers (relayctl domain verify's lookups).
check_PROGRAMS += tests/fuzz/replay_dns
tests_fuzz_replay_dns_SOURCES = tests/fuzz/fuzz_dns.c tests/fuzz/replay.c \
	common/dns_parse.c
tests_fuzz_replay_dns_CPPFLAGS = $(FUZZ_CPPFLAGS) $(CTL_CPPFLAGS) \
	-DFUZZ_NAME='"dns"'
tests_fuzz_replay_dns_LDADD = $(FUZZ_LDADD) $(RESOLV_LIBS)
UNIT_TESTS += tests/fuzz/replay_dns

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_dns
tests_fuzz_fuzz_dns_SOURCES = tests/fuzz/fuzz_dns.c \
	common/dns_parse.c
tests_fuzz_fuzz_dns_CPPFLAGS = $(FUZZ_CPPFLAGS) $(CTL_CPPFLAGS)
tests_fuzz_fuzz_dns_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dns_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_dns_LDADD = $(FUZZ_LDADD) $(RESOLV_LIBS)
FUZZ_TARGETS += dns

noinst_PROGRAMS += tests/fuzz/fuzz_ctl_import
tests_fuzz_fuzz_ctl_import_SOURCES = tests/fuzz/fuzz_ctl_import.c \
	contrib/relayctl/parse.c contrib/relayctl/parse_import.c
tests_fuzz_fuzz_ctl_import_CPPFLAGS = $(FUZZ_CPPFLAGS) $(CTL_CPPFLAGS)
tests_fuzz_fuzz_ctl_import_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_ctl_import_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_ctl_import_LDADD = $(FUZZ_LDADD)
FUZZ_TARGETS += ctl_import
endif

# Benchmark (not part of make check): make bench-import [BENCH_ROWS="..."]
EXTRA_DIST += tests/bench/relayctl/bench_import.sh
BENCH_ROWS = 100000 1000000
bench-import: contrib/relayctl/relayctl
	RELAY_TOP_BUILDDIR='$(abs_top_builddir)' $(SHELL) \
	  $(top_srcdir)/tests/bench/relayctl/bench_import.sh $(BENCH_ROWS)
.PHONY: bench-import
