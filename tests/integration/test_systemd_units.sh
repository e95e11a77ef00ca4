#!/bin/bash
# test_systemd_units.sh - the systemd units of the daemons pass
# systemd-analyze verify with no complaint at all about them (an unknown key
# is only a warning to systemd, so any output fails the check), point at the programs
# this build made, and keep their sandboxing settings.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
h_init systemd_units
h_need systemd-analyze

# Units made from the templates with this build's programs, so that
# systemd-analyze can check that ExecStart= names an executable.
declare -A bin=([milter]=milter/relay-milter [policyd]=policyd/relay-policyd
    [tracker]=policyd/relay-tracker)
for p in milter policyd tracker; do
	tpl=$H_SRCDIR/contrib/systemd/relay-$p.service.in
	h_check "relay-$p.service.in exists" test -r "$tpl"
	[[ -x $H_BUILDDIR/${bin[$p]} ]] || h_bail "${bin[$p]} not built"
	install -d "$H_TMP/sbin"
	ln -sf "$H_BUILDDIR/${bin[$p]}" "$H_TMP/sbin/relay-$p"
	sed -e "s|@sbindir@|$H_TMP/sbin|g" -e "s|@sysconfdir@|/etc|g" "$tpl" \
	    >"$H_TMP/relay-$p.service"
	# verify loads the system's units too: their complaints (a package's
	# obsolete setting, say) are not ours to fail on.
	out=$(systemd-analyze verify --man=no "$H_TMP/relay-$p.service" 2>&1 |
	    grep -vE '^/(lib|usr/lib|etc|run)/systemd/[^:]+:[0-9]+: ')
	h_is "relay-$p.service: systemd-analyze verify is silent" "$out" ""
	u=$(cat "$H_TMP/relay-$p.service")
	# /run/relay, where relay-milter and relay-policyd make their sockets
	# by default (0660, the run user's and group's): only relay and the
	# group's members (postfix) get in.
	for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
	    RuntimeDirectory=relay RuntimeDirectoryMode=0750 User=relay \
	    Group=relay \
	    "ExecStart=$H_TMP/sbin/relay-$p -f -c /etc/relay/relay.conf"; do
		h_check "relay-$p.service: $k" grep -qxF "$k" <<<"$u"
	done
	# relay-policyd and relay-tracker reload relay.conf on SIGHUP; to
	# libmilter SIGHUP means stop, so relay-milter reloads on SIGUSR1.
	if [[ $p != milter ]]; then
		h_check "relay-$p.service reloads with SIGHUP" \
		    grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' <<<"$u"
	else
		h_check "relay-$p.service reloads with SIGUSR1" \
		    grep -qxF 'ExecReload=/bin/kill -USR1 $MAINPID' <<<"$u"
		h_check_not "relay-$p.service never sends SIGHUP" grep -q -- '-HUP' <<<"$u"
	fi
done

# The labeler: relay-verify.service (relayctl domain verify --pending, run
# as relay) and the timer that starts it every 5 minutes.
[[ -x $H_BUILDDIR/contrib/relayctl/relayctl ]] || h_bail "relayctl not built"
ln -sf "$H_BUILDDIR/contrib/relayctl/relayctl" "$H_TMP/sbin/relayctl"
sed -e "s|@sbindir@|$H_TMP/sbin|g" -e "s|@sysconfdir@|/etc|g" \
    "$H_SRCDIR/contrib/systemd/relay-verify.service.in" >"$H_TMP/relay-verify.service"
cp "$H_SRCDIR/contrib/systemd/relay-verify.timer" "$H_TMP/relay-verify.timer"
out=$(systemd-analyze verify --man=no "$H_TMP/relay-verify.service" "$H_TMP/relay-verify.timer" 2>&1 |
    grep -vE '^/(lib|usr/lib|etc|run)/systemd/[^:]+:[0-9]+: ')
h_is "relay-verify.service and .timer: systemd-analyze verify is silent" "$out" ""
u=$(cat "$H_TMP/relay-verify.service")
for k in Type=oneshot User=relay NoNewPrivileges=yes ProtectSystem=strict \
    "ExecStart=$H_TMP/sbin/relayctl -c /etc/relay/relay.conf domain verify --pending"; do
	h_check "relay-verify.service: $k" grep -qxF "$k" <<<"$u"
done
h_check "relay-verify.timer: every 5 minutes" grep -qxF 'OnUnitActiveSec=5min' "$H_TMP/relay-verify.timer"

# The check can fail: a misspelt key is reported.
sed 's/^NoNewPrivileges=yes/NoNewPrivilege=yes/' "$H_TMP/relay-milter.service" \
    >"$H_TMP/broken.service"
out=$(systemd-analyze verify --man=no "$H_TMP/broken.service" 2>&1)
h_like "a misspelt key is reported" "$out" "Unknown key 'NoNewPrivilege'"
h_done
