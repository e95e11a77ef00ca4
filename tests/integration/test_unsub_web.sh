#!/bin/bash
# test_unsub_web.sh - the https one-click unsubscribe (RFC 8058):
# relay-unsub run as a CGI program (the environment a web server sets, and
# once behind a real one, Python's CGI server, with curl): GET and HEAD show
# a confirmation page and change nothing; a one-click POST (form-urlencoded
# or multipart/form-data) suppresses the recipient the url token names,
# keeping an entry already there; a forged token or a removed member's is
# 404 and writes nothing; bad requests are 400, 405 or 413; Redis down, no
# relay-suite data, no relay.conf or no hmac_key is 503 with Retry-After,
# and the same POST succeeds once Redis is back. relay-unsub -u does the
# same from the command line, with pipe(8)'s exit codes.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init unsub_web
h_need redis-server curl
UNSUB=$H_BUILDDIR/policyd/relay-unsub
[[ -x $UNSUB ]] || h_bail "build policyd/relay-unsub first"

h_start_redis persist	# its data outlives the restart below
FX_UNSUB='domain = "unsub.relay.test"; hmac_key = "test-hmac-key-0123456789abcdef0123456789"; https_url = "https://relay.test/u/";'
fx_conf
fx_member frank
SUP='relay:{m:frank}:suppress'

# cgi METHOD PATH_INFO [QUERY [CTYPE [BODY]]] - relay-unsub as a web
# server runs it: the whole answer (headers, blank line, page)
cgi() {
	printf '%s' "${5-}" | env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
	    RELAY_CONF="${CGI_CONF:-$FX_CONF}" REQUEST_METHOD="$1" \
	    SERVER_PROTOCOL=HTTP/1.1 PATH_INFO="$2" QUERY_STRING="${3-}" \
	    CONTENT_TYPE="${4-}" CONTENT_LENGTH="${CGI_LEN:-${#5}}" \
	    "$UNSUB" 2>"$H_TMP/cgi.err"
}
status() { head -n 1 | tr -d '\r'; }
CLICK=List-Unsubscribe=One-Click
FORM=application/x-www-form-urlencoded

tok=$("$UNSUB" -c "$FX_CONF" -U -t frank 'Reader@ISP.example')
h_like "-U -t prints a url token" "$tok" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'

# --- GET and HEAD: the page, nothing written
out=$(cgi GET "/$tok")
h_is "GET: 200" "$(status <<<"$out")" "Status: 200 OK"
h_like "...a page for the address, with the one-click form" "$out" \
    'reader@isp\.example\?.*<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
h_like "...not cached" "$out" $'Cache-Control: no-store\r'
h_is "...nothing suppressed" "$(h_redis_cli EXISTS "$SUP")" 0
out=$(cgi HEAD "/$tok")
h_is "HEAD: 200" "$(status <<<"$out")" "Status: 200 OK"
h_unlike "...no page" "$out" '<html'
out=$(cgi GET "" "t=$tok")
h_is "GET, the token in the query (https_url ending t=): 200" "$(status <<<"$out")" "Status: 200 OK"
# a query without "=" that the server also passes as arguments (RFC 3875
# 4.4 search string): still the CGI, the token read from the query
out=$(printf '' | env -i GATEWAY_INTERFACE=CGI/1.1 RELAY_CONF="$FX_CONF" \
    REQUEST_METHOD=GET QUERY_STRING="$tok" "$UNSUB" "$tok")
h_is "GET, the query also as an argument: 200" "$(status <<<"$out")" "Status: 200 OK"

# --- the one-click POST
out=$(cgi POST "/$tok" "" "$FORM" "$CLICK")
h_is "one-click POST: 200" "$(status <<<"$out")" "Status: 200 OK"
h_like "...says so" "$out" 'reader@isp\.example is unsubscribed'
h_like "...suppressed as unsubscribe" "$(h_redis_cli HGET "$SUP" reader@isp.example)" '"reason":"unsubscribe"'
out=$(cgi POST "/$tok" "" "$FORM" "$CLICK")
h_is "the same POST again: 200" "$(status <<<"$out")" "Status: 200 OK"
h_is "...one entry" "$(h_redis_cli HLEN "$SUP")" 1
mp=$'--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n'
t2=$("$UNSUB" -c "$FX_CONF" -U -t frank second@isp.example)
out=$(cgi POST "/$t2" "" 'multipart/form-data; boundary=XyZ' "$mp")
h_is "multipart/form-data POST: 200" "$(status <<<"$out")" "Status: 200 OK"
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" second@isp.example)" unsubscribe
fx_suppress frank kept@isp.example hard_bounce
t3=$("$UNSUB" -c "$FX_CONF" -U -t frank kept@isp.example)
out=$(cgi POST "/$t3" "" "$FORM" "$CLICK")
h_is "already suppressed: 200" "$(status <<<"$out")" "Status: 200 OK"
h_like "...the old reason is kept" "$(h_redis_cli HGET "$SUP" kept@isp.example)" hard_bounce

# --- tokens that do not verify
forged=${tok%.*}.AAAAAAAAAAAAAAAAAAAAAA
out=$(cgi POST "/$forged" "" "$FORM" "$CLICK")
h_is "forged MAC: 404" "$(status <<<"$out")" "Status: 404 Not Found"
h_is "forged MAC on GET: 404" "$(cgi GET "/$forged" | status)" "Status: 404 Not Found"
# another address under frank's MAC: the first half names it
other=$(printf 'frank\0victim@isp.example' | base64 -w0 | tr '+/' '-_' | tr -d '=').${tok#*.}
h_is "another recipient with frank's MAC: 404" "$(cgi POST "/$other" "" "$FORM" "$CLICK" | status)" "Status: 404 Not Found"
h_is "...victim not suppressed" "$(h_redis_cli HEXISTS "$SUP" victim@isp.example)" 0
tg=$("$UNSUB" -c "$FX_CONF" -U -t gone reader@isp.example)
h_is "a member that does not exist: 404" "$(cgi POST "/$tg" "" "$FORM" "$CLICK" | status)" "Status: 404 Not Found"
h_is "...no orphan suppression list" "$(h_redis_cli EXISTS 'relay:{m:gone}:suppress')" 0
h_like "...the page says the link is not valid" "$(cgi POST "/$tg" "" "$FORM" "$CLICK")" 'link is not valid'

# --- bad requests
out=$(cgi POST "/$tok" "" "$FORM" "")
h_is "POST without the one-click body: 400" "$(status <<<"$out")" "Status: 400 Bad Request"
h_like "...says what RFC 8058 wants" "$out" 'List-Unsubscribe=One-Click'
h_is "PUT: 405" "$(cgi PUT "/$tok" "" "$FORM" "$CLICK" | status)" "Status: 405 Method Not Allowed"
h_like "...with Allow" "$(cgi DELETE "/$tok")" $'Allow: GET, HEAD, POST\r'
h_is "no token: 400" "$(cgi GET "/" "" | status)" "Status: 400 Bad Request"
h_is "a token with other characters: 400" "$(cgi GET "/$tok%00" | status)" "Status: 400 Bad Request"
big=$(head -c 70000 /dev/zero | tr '\0' a)
h_is "a body over 64 KiB: 413" "$(cgi POST "/$tok" "" "$FORM" "$big" | status)" "Status: 413 Content Too Large"
h_is "CONTENT_LENGTH longer than the body: 413" "$(CGI_LEN=100 cgi POST "/$tok" "" "$FORM" "$CLICK" | status)" "Status: 413 Content Too Large"
h_is "a bad CONTENT_LENGTH: 413" "$(CGI_LEN=-1 cgi POST "/$tok" "" "$FORM" "$CLICK" | status)" "Status: 413 Content Too Large"
# the method is judged before a body is read: only a POST's is
h_is "PUT with a body over 64 KiB: 405" "$(cgi PUT "/$tok" "" "$FORM" "$big" | status)" "Status: 405 Method Not Allowed"
h_is "GET with a bad CONTENT_LENGTH: 200" "$(CGI_LEN=abc cgi GET "/$tok" | status)" "Status: 200 OK"
out=$(CGI_LEN=100 cgi HEAD "/$tok")
h_is "HEAD with CONTENT_LENGTH longer than its body: 200" "$(status <<<"$out")" "Status: 200 OK"
h_unlike "...no page" "$out" '<html'

# RFC 8058's own multipart example (8.2): its delimiter is the bare
# boundary; and the field name as a token
rfc=$'---FormBoundaryjWmhtjORrn\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n---FormBoundaryjWmhtjORrn--'
t5=$("$UNSUB" -c "$FX_CONF" -U -t frank rfc8058@isp.example)
out=$(cgi POST "/$t5" "" 'multipart/form-data; boundary=---FormBoundaryjWmhtjORrn' "$rfc")
h_is "RFC 8058 8.2's example POST (${#rfc} octets): 200" "$(status <<<"$out")" "Status: 200 OK"
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" rfc8058@isp.example)" unsubscribe
mp=$'--b\r\nContent-Disposition: Form-Data; name=List-Unsubscribe\r\n\r\nOne-Click\r\n--b--\r\n'
t6=$("$UNSUB" -c "$FX_CONF" -U -t frank token@isp.example)
h_is "multipart, name= as a token: 200" "$(cgi POST "/$t6" "" 'multipart/form-data; boundary=b' "$mp" | status)" "Status: 200 OK"
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" token@isp.example)" unsubscribe

# urltok HANDLE RCPT - a url token as token.h makes it, for any recipient
urltok() {
	/usr/bin/python3 - "test-hmac-key-0123456789abcdef0123456789" "$1" "$2" <<'PYEOF'
import base64, hashlib, hmac, sys
key, h, r = sys.argv[1:4]
b = lambda x: base64.urlsafe_b64encode(x).decode().rstrip("=")
m = hmac.new(key.encode(), b"url\0" + h.encode() + b"\0" + r.encode(),
             hashlib.sha256).digest()[:16]
print(b(h.encode() + b"\0" + r.encode()) + "." + b(m))
PYEOF
}
h_is "urltok makes relay-unsub's tokens" "$(urltok frank reader@isp.example)" "$tok"
# a recipient no suppression list holds (an address literal; relay-milter
# offers no link to it): refused, not "unsubscribed" with nothing held
tl=$(urltok frank 'bob@[192.0.2.1]')
out=$(cgi POST "/$tl" "" "$FORM" "$CLICK")
h_is "a token for an address literal: 404" "$(status <<<"$out")" "Status: 404 Not Found"
rc=0; "$UNSUB" -c "$FX_CONF" -u "$tl" >/dev/null 2>&1 || rc=$?
h_is "...-u: exit 67" "$rc" 67
h_is "...nothing written" "$(h_redis_cli HEXISTS "$SUP" 'bob@[192.0.2.1]')" 0

# relay-unsub -u run by a program that is itself a CGI one: the option
# decides, not the environment it inherited
t7=$("$UNSUB" -c "$FX_CONF" -U -t frank cgichild@isp.example)
rc=0; out=$(printf '' | env -i PATH="$PATH" GATEWAY_INTERFACE=CGI/1.1 \
    REQUEST_METHOD=POST CONTENT_LENGTH=0 QUERY_STRING= \
    "$UNSUB" -c "$FX_CONF" -u "$t7" 2>&1) || rc=$?
h_is "-u with GATEWAY_INTERFACE set: exit 0" "$rc" 0
h_is "...its one outcome line" "$out" unsubscribed
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" cgichild@isp.example)" unsubscribe

# --- our own failures: 503, and the same request works once fixed
t4=$("$UNSUB" -c "$FX_CONF" -U -t frank later@isp.example)
h_is "relay.conf missing: 503" "$(CGI_CONF=$H_TMP/nope.conf cgi POST "/$t4" "" "$FORM" "$CLICK" | status)" "Status: 503 Service Unavailable"
h_like "...says why on stderr (the web server's error log)" "$(cat "$H_TMP/cgi.err")" 'nope\.conf'
sed 's/hmac_key = "[^"]*";//' "$FX_CONF" >"$H_TMP/nokey.conf"
h_is "no unsubscribe.hmac_key: 503" "$(CGI_CONF=$H_TMP/nokey.conf cgi POST "/$t4" "" "$FORM" "$CLICK" | status)" "Status: 503 Service Unavailable"
h_redis_cli RENAME relay:schema relay:schema.saved >/dev/null
h_redis_cli RENAME 'relay:{m:frank}:member' saved.member >/dev/null
h_is "no relay-suite data (relay:schema missing): 503" "$(cgi POST "/$t4" "" "$FORM" "$CLICK" | status)" "Status: 503 Service Unavailable"
h_redis_cli RENAME relay:schema.saved relay:schema >/dev/null
h_redis_cli RENAME saved.member 'relay:{m:frank}:member' >/dev/null
h_stop_redis
out=$(cgi POST "/$t4" "" "$FORM" "$CLICK")
h_is "Redis down: 503" "$(status <<<"$out")" "Status: 503 Service Unavailable"
h_like "...with Retry-After" "$out" $'Retry-After: 300\r'
rc=0; "$UNSUB" -c "$FX_CONF" -u "$t4" >"$H_TMP/u.out" 2>&1 || rc=$?
h_is "-u, Redis down: EX_TEMPFAIL" "$rc" 75
h_restart_redis
h_is "Redis back: the same POST, 200" "$(cgi POST "/$t4" "" "$FORM" "$CLICK" | status)" "Status: 200 OK"
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" later@isp.example)" unsubscribe

# --- -u: the same for an HTTP layer of one's own
t5=$("$UNSUB" -c "$FX_CONF" -U -t frank cli@isp.example)
rc=0; out=$("$UNSUB" -c "$FX_CONF" -u "$t5" 2>&1) || rc=$?
h_is "-u: exit 0" "$rc" 0
h_is "...says unsubscribed" "$out" unsubscribed
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" cli@isp.example)" unsubscribe
rc=0; out=$("$UNSUB" -c "$FX_CONF" -u "$forged" 2>&1) || rc=$?
h_is "-u, forged: EX_NOUSER" "$rc" 67
h_is "...says so" "$out" "unknown unsubscribe token"
# the log lines, on standard error when it is a terminal (script's pty;
# the CGI mode logs to syslog only): via= says which door it came through
tty_run() { script -qec "$1" /dev/null </dev/null | tr -d '\r'; }
t6=$("$UNSUB" -c "$FX_CONF" -U -t frank log-url@isp.example)
out=$(tty_run "'$UNSUB' -c '$FX_CONF' -u '$t6'")
h_like "-u logs via=url" "$out" 'event=unsubscribe via=url result=suppressed member=frank rcpt=log-url@isp\.example'
out=$(tty_run "'$UNSUB' -c '$FX_CONF' -u '$forged'")
h_like "...and a refusal too" "$out" 'event=unsubscribe via=url result=refused'
mt=$("$UNSUB" -c "$FX_CONF" -t frank log-mail@isp.example)
out=$(tty_run "'$UNSUB' -c '$FX_CONF' -- '$mt' log-mail@isp.example </dev/null")
h_like "the mail path logs via=mail" "$out" 'event=unsubscribe via=mail result=suppressed member=frank rcpt=log-mail@isp\.example'
rc=0; "$UNSUB" -c "$FX_CONF" -u "$t5" extra >/dev/null 2>&1 || rc=$?
h_is "-u with an operand: EX_USAGE" "$rc" 64
rc=0; "$UNSUB" -c "$FX_CONF" -U >/dev/null 2>&1 || rc=$?
h_is "-U without -t: EX_USAGE" "$rc" 64

# --- behind a real web server: Python's CGI server, curl as the mailbox
# provider's one-click POST (RFC 8058: multipart/form-data)
install -d "$H_TMP/www/cgi-bin"
printf '#!/bin/sh\nRELAY_CONF=%s exec %s\n' "$FX_CONF" "$UNSUB" >"$H_TMP/www/cgi-bin/unsub"
chmod 0755 "$H_TMP/www/cgi-bin/unsub"
WPORT=$(h_port)
(cd "$H_TMP/www" && exec /usr/bin/python3 -W ignore -m http.server --cgi \
    --bind 127.0.0.1 "$WPORT") >"$H_LOG/www.log" 2>&1 &
WPID=$!
h_wait_port "$WPORT" 10 || h_bail "the CGI server did not start: $(cat "$H_LOG/www.log")"
t6=$("$UNSUB" -c "$FX_CONF" -U -t frank web@isp.example)
out=$(curl -s -i --max-time 10 "http://127.0.0.1:$WPORT/cgi-bin/unsub/$t6")
h_like "through a web server, GET: the page" "$out" 'web@isp\.example\?'
out=$(curl -s -i --max-time 10 -F List-Unsubscribe=One-Click "http://127.0.0.1:$WPORT/cgi-bin/unsub/$t6")
h_like "...curl's multipart one-click POST: 200" "$out" $'Status: 200 OK\r'
h_like "...suppressed" "$(h_redis_cli HGET "$SUP" web@isp.example)" unsubscribe
kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null
h_done
