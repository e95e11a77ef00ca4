# common/local.mk - librelay.a, the library every program links.

noinst_LIBRARIES += common/librelay.a

common_librelay_a_SOURCES = \
	common/addr.c common/addr.h common/utf8.h \
	common/charges.c common/charges.h \
	common/clock.c common/clock.h \
	common/conditions.c common/conditions.h \
	common/conf.c common/conf.h common/conf_advise.c common/conf_dump.c \
	common/conf_check.c common/conf_diff.c common/conf_diff.h \
	common/conf_lit.c common/conf_priv.h \
	common/conf_table.c common/conf_table.h \
	common/daemon.c common/daemon.h \
	common/dns.c common/dns_parse.c common/dns.h \
	common/ident.c common/ident.h \
	common/listen.c common/listen.h \
	common/log.c common/log.h common/log_priv.h common/log_syslog.c \
	common/rconn.c common/rconn.h common/rreply.c common/rreply.h \
	common/rsentinel.c common/rsentinel.h \
	common/rswitch.c common/rswitch.h \
	common/rkeys.c common/rkeys.h \
	common/tier.c common/tier.h \
	common/rscript.c common/rscript.h \
	common/token.c common/token.h \
	common/xalloc.c common/xalloc.h
nodist_common_librelay_a_SOURCES = common/lua_scripts.c

# Lua scripts: each file in RELAY_LUA (paths relative to the top) becomes a named C string in the
# generated common/lua_scripts.c. Other fragments add their scripts here.
RELAY_LUA = \
	common/lua/schema_check.lua
# Functions scripts share (`--@include NAME.lua`, see lua2c.sh): no script.
RELAY_LUA_LIB = common/lua/lib_window.lua

EXTRA_DIST += $(RELAY_LUA) $(RELAY_LUA_LIB) common/lua2c.sh common/SCHEMA.md
BUILT_SOURCES += common/lua_scripts.c
CLEANFILES += common/lua_scripts.c

common/lua_scripts.c: $(RELAY_LUA) $(RELAY_LUA_LIB) $(top_srcdir)/common/lua2c.sh
	$(AM_V_GEN)$(MKDIR_P) common && \
	  $(SHELL) $(top_srcdir)/common/lua2c.sh $(top_srcdir) $(RELAY_LUA) > $@.tmp && mv $@.tmp $@

# Everything a program needs to link librelay.a.
RELAY_COMMON_LIBS = common/librelay.a $(HIREDIS_LIBS) $(LIBCONFIG_LIBS) \
	$(OPENSSL_LIBS) $(LIBIDN2_LIBS) -lm -lpthread

# relay.conf: the example (installed with the docs; the unit tests load it)
# and its manual page. Both list every key of conf_table.c (test_conf checks).
dist_doc_DATA = contrib/relay.conf.example
dist_man_MANS += doc/relay.conf.5

# relay-policyd's listen specs (listen.c), checked by conf_load.
check_PROGRAMS += tests/unit/test_listen
tests_unit_test_listen_SOURCES = tests/unit/test_listen.c
tests_unit_test_listen_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_listen_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_listen

# Prometheus metrics: the registry (pure rendering), the loopback scrape
# server, and the suite's series (stats.c); tested by test_metrics, the
# server over loopback sockets by test_metrics_http.
common_librelay_a_SOURCES += \
	common/metrics.c common/metrics.h \
	common/metrics_http.c common/metrics_http.h \
	common/stats.c common/stats.h
check_PROGRAMS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_metrics
check_PROGRAMS += tests/unit/test_metrics_http
tests_unit_test_metrics_http_SOURCES = tests/unit/test_metrics_http.c
tests_unit_test_metrics_http_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_metrics_http_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_metrics_http
