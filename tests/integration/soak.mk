# tests/integration/soak.mk - the two-node soak with faults and its load
# client (included by Makefile.am).
#
# smtpload: authenticated SMTP load with one reply-log line per message
# (tests/integration/smtpload.c); also the load client of the milter bench.
# test_soak.sh: two private Postfix nodes on one Redis, faults during load,
# accounting afterwards. `make check` runs a short soak (RELAY_SOAK_SECONDS,
# default 20 s of load); `make soak` runs it for RELAY_SOAK_SECONDS (default
# 300) on its own.

check_PROGRAMS += tests/integration/smtpload
tests_integration_smtpload_SOURCES = tests/integration/smtpload.c
tests_integration_smtpload_LDADD = -lpthread

INTEGRATION_TESTS += tests/integration/test_soak.sh
EXTRA_DIST += tests/integration/test_soak.sh tests/integration/soak_account.py

soak: tests/integration/smtpload
	@RELAY_TOP_SRCDIR='$(abs_top_srcdir)' RELAY_TOP_BUILDDIR='$(abs_top_builddir)' \
	  RELAY_SOAK_SECONDS=$${RELAY_SOAK_SECONDS:-300} \
	  RELAY_TEST_TIMEOUT=$${RELAY_TEST_TIMEOUT:-1200} \
	  $(SHELL) $(top_srcdir)/tests/run-tests.sh tests/integration/test_soak.sh

.PHONY: soak
