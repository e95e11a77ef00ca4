# tests/integration/local.mk - integration tests (included by Makefile.am).
#
# Each test is a bash script that sources tests/integration/lib.sh (the
# harness: Redis, the SMTP sink sinkd.py, private Postfix, Dovecot, unbound,
# our daemons; all on loopback, all stopped on exit) and prints TAP.
# tests/run-tests.sh runs them from the source dir, one process group and a
# time limit each. Paths are relative to the source dir.

INTEGRATION_TESTS += tests/integration/test_harness_smtp.sh
INTEGRATION_TESTS += tests/integration/test_harness_dns_auth.sh
INTEGRATION_TESTS += tests/integration/test_fixtures.sh
INTEGRATION_TESTS += tests/integration/test_lua2c.sh

EXTRA_DIST += tests/run-tests.sh \
	tests/integration/lib.sh \
	tests/integration/lib_postfix.sh \
	tests/integration/lib_servers.sh \
	tests/integration/sinkd.py \
	tests/integration/fixtures.sh \
	tests/integration/test_fixtures.sh \
	tests/integration/test_lua2c.sh \
	tests/integration/test_harness_smtp.sh \
	tests/integration/test_harness_dns_auth.sh

# What the tests leave in the build dir.
clean-local: clean-local-integration
clean-local-integration:
	-rm -rf tests/logs
.PHONY: clean-local-integration

# The Redis store test drives common/'s rconn through a small probe.
check_PROGRAMS += tests/integration/rstore_probe
tests_integration_rstore_probe_SOURCES = tests/integration/rstore_probe.c
tests_integration_rstore_probe_LDADD = $(RELAY_COMMON_LIBS)
INTEGRATION_TESTS += tests/integration/test_redis_store.sh
INTEGRATION_TESTS += tests/integration/test_suite_e2e.sh
EXTRA_DIST += tests/integration/test_redis_store.sh tests/integration/test_suite_e2e.sh \
	tests/integration/dkim_verify.py

# A Redis failover the connections outlive (READONLY, the role at connect).
INTEGRATION_TESTS += tests/integration/test_redis_failover.sh
EXTRA_DIST += tests/integration/test_redis_failover.sh
# redis.sentinels: the primary Redis Sentinel names, and its failover.
INTEGRATION_TESTS += tests/integration/test_redis_sentinel.sh
EXTRA_DIST += tests/integration/test_redis_sentinel.sh
INTEGRATION_TESTS += tests/integration/test_redis_switch.sh
EXTRA_DIST += tests/integration/test_redis_switch.sh

# Every address ::1: Redis, DNS, milter, policy, socketmap, submission,
# the sink, the scrape ports (skipped without IPv6 on loopback).
INTEGRATION_TESTS += tests/integration/test_ipv6.sh
EXTRA_DIST += tests/integration/test_ipv6.sh

# Who may connect to relay-milter's and relay-policyd's unix sockets.
INTEGRATION_TESTS += tests/integration/test_local_sockets.sh
EXTRA_DIST += tests/integration/test_local_sockets.sh

# Prometheus scrape ports of relay-milter, relay-policyd and relay-tracker.
INTEGRATION_TESTS += tests/integration/test_metrics.sh
EXTRA_DIST += tests/integration/test_metrics.sh

# relay-tracker and relay-policyd: redis.* at a reload, restart_needed=.
INTEGRATION_TESTS += tests/integration/test_reload_redis.sh
EXTRA_DIST += tests/integration/test_reload_redis.sh

# Logging on a degraded system (common/log_syslog.c, daemon_stdfds): fds
# 0-2 closed at start, a syslog that does not read (a private /dev/log in
# a mount namespace: log_blackhole.py).
INTEGRATION_TESTS += tests/integration/test_log_degraded.sh
EXTRA_DIST += tests/integration/test_log_degraded.sh \
	tests/integration/log_blackhole.py

# The harness fails a test on a sanitizer report of its programs; the
# probe makes real ones in a sanitizer build.
check_PROGRAMS += tests/integration/san_probe
tests_integration_san_probe_SOURCES = tests/integration/san_probe.c
INTEGRATION_TESTS += tests/integration/test_harness_sanitizer.sh
EXTRA_DIST += tests/integration/test_harness_sanitizer.sh
