# tests/unit/local.mk - cmocka unit tests, one binary per module.

UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = $(RELAY_COMMON_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/unit/test_conditions
tests_unit_test_conditions_SOURCES = tests/unit/test_conditions.c
tests_unit_test_conditions_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_conditions_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_conditions

check_PROGRAMS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c \
	tests/unit/conf_fixture.c tests/unit/conf_fixture.h
tests_unit_test_conf_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_conf
check_PROGRAMS += tests/unit/test_conf_values
tests_unit_test_conf_values_SOURCES = tests/unit/test_conf_values.c \
	tests/unit/conf_fixture.c tests/unit/conf_fixture.h
tests_unit_test_conf_values_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_conf_values_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_conf_values
check_PROGRAMS += tests/unit/test_conf_advise
tests_unit_test_conf_advise_SOURCES = tests/unit/test_conf_advise.c \
	tests/unit/conf_fixture.c tests/unit/conf_fixture.h
tests_unit_test_conf_advise_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_conf_advise_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_conf_advise
check_PROGRAMS += tests/unit/test_conf_diff
tests_unit_test_conf_diff_SOURCES = tests/unit/test_conf_diff.c
tests_unit_test_conf_diff_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_conf_diff_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_conf_diff

check_PROGRAMS += tests/unit/test_addr
tests_unit_test_addr_SOURCES = tests/unit/test_addr.c
tests_unit_test_addr_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_addr_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_addr

check_PROGRAMS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_log

check_PROGRAMS += tests/unit/test_log_tz
tests_unit_test_log_tz_SOURCES = tests/unit/test_log_tz.c
tests_unit_test_log_tz_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_log_tz_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_log_tz

check_PROGRAMS += tests/unit/test_daemon
tests_unit_test_daemon_SOURCES = tests/unit/test_daemon.c
tests_unit_test_daemon_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_daemon_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_daemon

check_PROGRAMS += tests/unit/test_rkeys
tests_unit_test_rkeys_SOURCES = tests/unit/test_rkeys.c
tests_unit_test_rkeys_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rkeys_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_rkeys

check_PROGRAMS += tests/unit/test_charges
tests_unit_test_charges_SOURCES = tests/unit/test_charges.c
tests_unit_test_charges_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_charges_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_charges

EXTRA_DIST += tests/unit/data

check_PROGRAMS += tests/unit/test_ident
tests_unit_test_ident_SOURCES = tests/unit/test_ident.c
tests_unit_test_ident_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_ident_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_ident

check_PROGRAMS += tests/unit/test_rreply
tests_unit_test_rreply_SOURCES = tests/unit/test_rreply.c
tests_unit_test_rreply_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rreply_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_rreply

check_PROGRAMS += tests/unit/test_rsentinel
tests_unit_test_rsentinel_SOURCES = tests/unit/test_rsentinel.c \
	tests/unit/reply_fixture.h
tests_unit_test_rsentinel_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rsentinel_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_rsentinel

check_PROGRAMS += tests/unit/test_rswitch
tests_unit_test_rswitch_SOURCES = tests/unit/test_rswitch.c \
	tests/unit/reply_fixture.h
tests_unit_test_rswitch_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rswitch_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_rswitch

check_PROGRAMS += tests/unit/test_token
tests_unit_test_token_SOURCES = tests/unit/test_token.c
tests_unit_test_token_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_token_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_token
