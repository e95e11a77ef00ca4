# contrib/systemd/systemd.mk - systemd units for the daemons.
#
# The .service files are made from .in templates with the install paths;
# installed into $(systemdsystemunitdir) (default PREFIX/lib/systemd/system;
# ./configure --with-systemdsystemunitdir=/lib/systemd/system on Debian). tests/integration/
# test_systemd_units.sh checks them with systemd-analyze verify.

RELAY_UNITS = contrib/systemd/relay-milter.service \
	contrib/systemd/relay-policyd.service \
	contrib/systemd/relay-tracker.service \
	contrib/systemd/relay-verify.service
# relay-verify.timer runs relay-verify.service (relayctl domain verify
# --pending, the labeler) every 5 minutes; it has no paths to fill in.
systemdsystemunit_DATA = $(RELAY_UNITS) contrib/systemd/relay-verify.timer
EXTRA_DIST += contrib/systemd/relay-verify.timer
CLEANFILES += $(RELAY_UNITS)
EXTRA_DIST += $(RELAY_UNITS:=.in)
INTEGRATION_TESTS += tests/integration/test_systemd_units.sh
EXTRA_DIST += tests/integration/test_systemd_units.sh

$(RELAY_UNITS): %: %.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	  sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	    $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
