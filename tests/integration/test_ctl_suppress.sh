#!/bin/bash
# test_ctl_suppress.sh - relayctl suppress add/remove/list/import against a
# real Redis: normalised addresses, first reason kept, bad rows reported with
# their line numbers, --json read back with a JSON parser, the exports of
# other sending services (the header names the address column; --column,
# --reason), and an import of RELAY_IMPORT_ROWS rows (default 200000)
# pipelined (its time is shown, not judged: tests/bench/relayctl measures
# it against redis-cli --pipe).
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_suppress
h_need redis-server

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
ROWS=${RELAY_IMPORT_ROWS:-200000}

h_start_redis
fx_conf
ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null

# --- add / remove / list
h_check "add" ctl suppress add alice Gone@Rcpt.Example
h_like "stored normalised, reason admin" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' gone@rcpt.example)" '^\{"reason":"admin","at":[0-9]{10}\}$'
out=$(ctl --json suppress add alice gone@rcpt.example)
h_is "add twice: not added again" "$(fx_jget 'd["added"]' <<<"$out")" false
fx_suppress alice hard@rcpt.example hard_bounce
out=$(ctl suppress add alice hard@rcpt.example)
h_is "a bounce's reason is kept" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' hard@rcpt.example | fx_jget 'd["reason"]')" hard_bounce
out=$(ctl suppress add nobody x@rcpt.example 2>&1); rc=$?
h_is "add for unknown member: exit 1" "$rc" 1
h_is "...wrote nothing" "$(h_redis_cli EXISTS 'relay:{m:nobody}:suppress')" 0
out=$(ctl suppress add alice 'no-at-sign' 2>&1); rc=$?
h_is "add bad address: exit 1" "$rc" 1
h_like "...named" "$out" "no-at-sign: not an address"
out=$(ctl --json suppress list alice)
h_is "list --json" "$(fx_jget 'sorted(x["address"] + ":" + x["reason"] for x in d)' <<<"$out")" \
    '["gone@rcpt.example:admin", "hard@rcpt.example:hard_bounce"]'
h_like "list text" "$(ctl suppress list alice)" "hard@rcpt\\.example +hard_bounce"
h_redis_cli HSET 'relay:{m:alice}:soft' gone@rcpt.example 2 >/dev/null
h_check "remove" ctl suppress remove alice GONE@rcpt.example
h_is "removed" "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' gone@rcpt.example)" 0
h_is "soft-bounce count reset too" "$(h_redis_cli HEXISTS 'relay:{m:alice}:soft' gone@rcpt.example)" 0
out=$(ctl suppress remove alice gone@rcpt.example 2>&1); rc=$?
h_is "remove what is not there: exit 1" "$rc" 1
out=$(ctl --json suppress list alice)
h_is "list after remove" "$(fx_jget 'len(d)' <<<"$out")" 1

# remove is one script: never the suppression gone and the soft count left
# (here Redis refuses the :soft key, as it would refuse a half-run command)
fx_suppress alice half@rcpt.example hard_bounce
h_redis_cli HSET 'relay:{m:alice}:soft' half@rcpt.example 2 >/dev/null
h_redis_cli ACL SETUSER default resetkeys '~relay:schema' '~relay:{m:alice}:member' '~relay:{m:alice}:suppress' >/dev/null
out=$(ctl suppress remove alice half@rcpt.example 2>&1); rc=$?
h_redis_cli ACL SETUSER default allkeys >/dev/null
h_is "remove, :soft refused: exit 2" "$rc" 2
h_is "...nothing half done: both entries kept" "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' half@rcpt.example)$(h_redis_cli HEXISTS 'relay:{m:alice}:soft' half@rcpt.example)" 11
h_check "...the rerun removes it" ctl suppress remove alice half@rcpt.example
h_is "...both entries gone" "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' half@rcpt.example)$(h_redis_cli HEXISTS 'relay:{m:alice}:soft' half@rcpt.example)" 00

# --- stored values that are not JSON, addresses that are not UTF-8
printf 'raw\xffvalue' | h_redis_cli -x HSET 'relay:{m:alice}:suppress' raw@x.example >/dev/null
printf '{"reason":"admin","at":1}' | h_redis_cli -x HSET 'relay:{m:alice}:suppress' $'bad\xff\x1b@x.example' >/dev/null
out=$(ctl --json suppress list alice); rc=$?
h_is "list --json with 8-bit values: exit 0" "$rc" 0
h_is "...valid JSON, raw value kept as \\xNN" "$(fx_jget '[x.get("raw") for x in d if x["address"] == "raw@x.example"]' <<<"$out")" '["raw\\xffvalue"]'
h_is "...8-bit address kept as \\xNN" "$(fx_jget '[x["address"] == "bad\\xff\x1b@x.example" for x in d if x["address"].startswith("bad")]' <<<"$out")" '[true]'
out=$(ctl suppress list alice)
h_unlike "list text: no (null)" "$out" '\(null\)'
h_like "list text: address escaped" "$out" 'bad\\xff\\x1b@x\.example +admin'
h_unlike "...no raw ESC on the terminal" "$out" $'\x1b'
h_redis_cli HDEL 'relay:{m:alice}:suppress' raw@x.example $'bad\xff\x1b@x.example' >/dev/null

# a UTF-8 address takes as many columns as it has characters, not bytes
fx_suppress alice 'jürgen.müller@rcpt.example' admin
fx_suppress alice 'jxrgen.mxller@rcpt.example' admin
out=$(ctl suppress list alice | grep -E '^j(ü|x)rgen' | python3 -c 'import sys; print(sorted({l.index(" admin") if " admin" in l else -1 for l in sys.stdin.read().splitlines()}))')
h_is "list text: a UTF-8 address lines up with an ASCII one" "$out" '[50]'
h_redis_cli HDEL 'relay:{m:alice}:suppress' 'jürgen.müller@rcpt.example' 'jxrgen.mxller@rcpt.example' >/dev/null

# --- import: a CSV with a header, good rows, bad rows
cat >"$H_TMP/list.csv" <<'EOF'
email,reason
one@rcpt.example
"Two@Rcpt.Example",unsubscribe
  three@rcpt.example , hard_bounce
not-an-address
four@rcpt.example,bogus_reason
"unterminated@rcpt.example

# a comment
five@rcpt.example,import,extra columns are ignored
one@rcpt.example
hard@rcpt.example,unsubscribe
EOF
out=$(ctl --json suppress import alice "$H_TMP/list.csv" 2>"$H_TMP/import.err"); rc=$?
h_is "import with bad rows: exit 1" "$rc" 1
h_is "import counts" "$(fx_jget '[d["rows"], d["added"], d["already"], d["bad"]]' <<<"$out")" '[6, 4, 2, 3]'
h_is "bad rows by line number" "$(fx_jget '[b["line"] for b in d["bad_rows"]]' <<<"$out")" '[5, 6, 7]'
h_like "stderr: FILE:LINE: why (address)" "$(cat "$H_TMP/import.err")" "list\\.csv:5: "
h_like "stderr: FILE:LINE: why (reason)" "$(cat "$H_TMP/import.err")" "list\\.csv:6: unknown reason"
h_like "stderr: FILE:LINE: why (quote)" "$(cat "$H_TMP/import.err")" "list\\.csv:7: unbalanced quote"
h_is "reason from the CSV" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' two@rcpt.example | fx_jget 'd["reason"]')" unsubscribe
h_is "default reason import" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' one@rcpt.example | fx_jget 'd["reason"]')" import
h_is "existing reason kept" "$(h_redis_cli HGET 'relay:{m:alice}:suppress' hard@rcpt.example | fx_jget 'd["reason"]')" hard_bounce
# a quoted field holding line breaks (RFC 4180; a note exported by a
# spreadsheet) is one row, numbered by its first line; a quote never
# closed is that line's error, and the lines after it rows again
printf '%s\n' 'email,reason,notes' \
    'keep@rcpt.example,hard_bounce,"Forwarded reply:' \
    'note@rcpt.example complaint' 'end of note"' \
    'after@rcpt.example,unsubscribe' '"open@rcpt.example' \
    'last@rcpt.example' >"$H_TMP/notes.csv"
out=$(ctl --json suppress import alice "$H_TMP/notes.csv" 2>"$H_TMP/notes.err"); rc=$?
h_is "line breaks in quotes: exit 1 (the quote never closed)" "$rc" 1
h_is "... three rows, one bad" "$(fx_jget '[d["rows"], d["added"], d["bad"]]' <<<"$out")" '[3, 3, 1]'
h_is "... the bad one at its line" "$(fx_jget '[b["line"] for b in d["bad_rows"]]' <<<"$out")" '[6]'
h_is "... the row with the note keeps its reason" \
    "$(h_redis_cli HGET 'relay:{m:alice}:suppress' keep@rcpt.example | fx_jget 'd["reason"]')" hard_bounce
h_is "... an address in the note is no row" \
    "$(h_redis_cli HEXISTS 'relay:{m:alice}:suppress' note@rcpt.example)" 0
h_is "... the line after the unclosed quote is a row" \
    "$(h_redis_cli HGET 'relay:{m:alice}:suppress' last@rcpt.example | fx_jget 'd["reason"]')" import
out=$(ctl suppress import alice "$H_TMP/no-such-file" 2>&1); rc=$?
h_is "unreadable file: exit 1" "$rc" 1
h_like "...named, with the reason" "$out" "no-such-file: cannot open: No such file or directory"
out=$(ctl suppress import nobody "$H_TMP/list.csv" 2>&1); rc=$?
h_is "import for unknown member: exit 1" "$rc" 1
out=$(printf 'six@rcpt.example\nseven@rcpt.example\n' | ctl suppress import alice -); rc=$?
h_is "import from stdin: exit 0" "$rc" 0
h_like "...counts" "$out" "2 rows: 2 added"

# --- another service's export: the header names the address column
ctl member add moved --did did:plc:eeeeeeeeeeeeeeeeeeeeeeee >/dev/null
printf '%s\r\n' 'Email Address,First Name,Last Name,MEMBER_RATING,OPTIN_TIME' \
    'Jane@Moved.Example,Jane,Doe,2,2024-01-01 10:00:00' \
    '"bo@moved.example","Bo, Jr.",,1,' >"$H_TMP/mailchimp.csv"
out=$(ctl suppress import moved "$H_TMP/mailchimp.csv" 2>&1); rc=$?
h_is "an export with the address first among other columns: exit 0" "$rc" 0
h_like "...the header's choice said on stderr" "$out" \
    "suppress import: $H_TMP/mailchimp\\.csv:1: a header: the addresses from column 1 \\(Email Address\\), no reason column \\(reason import\\)"
h_like "...every row added" "$out" $'\n''2 rows: 2 added, 0 already suppressed \(or repeated\), 0 bad$'
h_is "...reason import" "$(fx_suppress_reason moved jane@moved.example)" import
printf '%s\n' 'created,email,reason,status' \
    '1700000000,b1@moved.example,550 5.1.1 unknown user,5.1.1' \
    '1700000001,b2@moved.example,550 5.1.1 no mailbox,5.1.1' >"$H_TMP/bounces.csv"
out=$(ctl suppress import moved "$H_TMP/bounces.csv" 2>&1); rc=$?
h_is "a reason column of other words: exit 1" "$rc" 1
h_like "...each row said, with the way out" "$out" \
    'bounces\.csv:2: unknown reason \(.*--reason R gives every row R\)'
h_is "...nothing added" "$(fx_suppress_reason moved b1@moved.example)" ""
out=$(ctl --json suppress import moved "$H_TMP/bounces.csv" --reason hard_bounce); rc=$?
h_is "--reason hard_bounce: exit 0" "$rc" 0
h_is "...counts, the columns read" "$(fx_jget '[d["rows"], d["added"], d["bad"],
    d["address_column"], d["reason_column"]]' <<<"$out")" '[2, 2, 0, 2, null]'
h_is "...reason hard_bounce" "$(fx_suppress_reason moved b2@moved.example)" hard_bounce
printf '%s\n' 'EmailAddress,Reason,Origin,CreatedAt' \
    'pm1@moved.example,HardBounce,Recipient,2024-01-01T10:00:00Z' \
    'pm2@moved.example,SpamComplaint,Recipient,2024-01-01T10:00:00Z' \
    'pm3@moved.example,ManualSuppression,Customer,2024-01-01T10:00:00Z' \
    >"$H_TMP/postmark.csv"
out=$(ctl --json suppress import moved "$H_TMP/postmark.csv"); rc=$?
h_is "Postmark's export, its reason words: exit 0" "$rc:$(fx_jget 'd["added"]' <<<"$out")" 0:3
h_is "...read as ours" "$(fx_suppress_reason moved pm1@moved.example) $(fx_suppress_reason moved pm2@moved.example) $(fx_suppress_reason moved pm3@moved.example)" \
    "hard_bounce complaint admin"
printf '%s\n' 'name,primary,backup' 'Al,al@moved.example,al2@moved.example' \
    >"$H_TMP/two.csv"
out=$(ctl suppress import moved "$H_TMP/two.csv" --column Backup 2>&1); rc=$?
h_is "--column NAME: exit 0" "$rc" 0
h_is "...that column" "$(fx_suppress_reason moved al2@moved.example)" import
h_is "...not the other" "$(fx_suppress_reason moved al@moved.example)" ""
printf 'Al;x,al3@moved.example\n' | ctl suppress import moved - --column 2 >/dev/null
h_is "--column 2 without a header" "$(fx_suppress_reason moved al3@moved.example)" import
out=$(ctl --json suppress import moved "$H_TMP/two.csv" --column mail 2>/dev/null); rc=$?
h_is "--column NAME the header lacks: exit 1" "$rc" 1
h_is "...code invalid, FILE:1 named" "$(fx_jget '[d["error"]["code"], d["error"]["message"]]' <<<"$out")" \
    "[\"invalid\", \"$H_TMP/two.csv:1: --column: no column of that name in the header (line 1)\"]"
h_is "...nothing added" "$(h_redis_cli HLEN 'relay:{m:moved}:suppress')" 9
for bad in "--column 0" "--column 2x" "--reason soft" "--reason Import"; do
	out=$(ctl suppress import moved "$H_TMP/two.csv" $bad 2>&1); rc=$?
	h_is "$bad: exit 1" "$rc" 1
	h_like "...says what is wrong" "$out" "(--column: a column number|--reason: not a reason)"
done

# --- the list's own output imports back (a list saved before a Redis
# restore): every address, its reason and its time
ctl member add rest --did did:plc:dddddddddddddddddddddddd >/dev/null
fx_suppress rest hard@rcpt.example hard_bounce
fx_suppress rest unsub@rcpt.example unsubscribe
ctl suppress add rest admin@rcpt.example >/dev/null
printf '{"reason":"soft_bounce_limit","at":1001}' | h_redis_cli -x HSET 'relay:{m:rest}:suppress' \
    a-very-long-address-of-more-than-fifty-characters@rcpt.example >/dev/null
ctl suppress list rest >"$H_TMP/saved.txt"
before=$(ctl --json suppress list rest | fx_jget 'sorted((x["address"], x["reason"], x["at"]) for x in d)')
h_redis_cli DEL 'relay:{m:rest}:suppress' >/dev/null
out=$(ctl suppress import rest "$H_TMP/saved.txt" 2>&1); rc=$?
h_is "suppress list's output imports: exit 0" "$rc" 0
h_like "... every row added, none bad" "$out" '^4 rows: 4 added, 0 already suppressed \(or repeated\), 0 bad$'
h_is "... the same addresses, reasons and times" \
    "$(ctl --json suppress list rest | fx_jget 'sorted((x["address"], x["reason"], x["at"]) for x in d)')" "$before"

# --- a big import, pipelined
ctl member add bulk --did did:plc:cccccccccccccccccccccccc >/dev/null
"$H_PYTHON" -c "
import sys
w = sys.stdout.write
for i in range($ROWS):
    w('user%d@bulk%d.example\n' % (i, i % 97))
" >"$H_TMP/big.txt"
t0=$(date +%s.%N)
out=$(ctl --json suppress import bulk "$H_TMP/big.txt"); rc=$?
t1=$(date +%s.%N)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
h_is "big import: exit 0" "$rc" 0
h_is "big import: all added" "$(fx_jget 'd["added"]' <<<"$out")" "$ROWS"
h_is "big import: all in Redis" "$(h_redis_cli HLEN 'relay:{m:bulk}:suppress')" "$ROWS"
h_diag "imported $ROWS rows in $secs s"
out=$(ctl --json suppress list bulk | fx_jget 'len(d)')
h_is "list streams every row as valid JSON" "$out" "$ROWS"

h_is "...one array, no error element" "$(ctl --json suppress list bulk | fx_jget '[type(d).__name__, sum(1 for x in d if list(x) == ["error"])]')" '["list", 0]'
/usr/bin/time -v "$CTL" -c "$FX_CONF" --json suppress list bulk 2>"$H_TMP/time.err" >/dev/null
rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$H_TMP/time.err")
h_diag "suppress list --json of $ROWS entries: max RSS $rss kB, $(awk -F': ' '/Elapsed/ { print $2 }' "$H_TMP/time.err")"
if h_sanitized; then
	h_skip "...streamed: under 64 MB" "ASan: RSS is shadow memory and quarantine"
else
	h_check "...streamed: under 64 MB" test "${rss:-999999}" -lt 65536
fi

# --- audit3 F1/F16: a listing that fails never prints invalid JSON
ctl member add bob --did did:plc:bbbbbbbbbbbbbbbbbbbbbbbb >/dev/null
h_redis_cli SET 'relay:{m:bob}:suppress' oops >/dev/null
out=$(ctl --json suppress list bob 2>"$H_TMP/wt.err"); rc=$?
h_is "F1 wrong-type list, --json: exit 2" "$rc" 2
h_is "F1 ...one JSON error document" "$(fx_jget 'd["error"]["code"]' <<<"$out")" backend
h_unlike "F16 ...no doubled command name" "$(fx_jget 'd["error"]["message"]' <<<"$out") $(cat "$H_TMP/wt.err")" 'HSCAN: HSCAN:'
h_redis_cli DEL 'relay:{m:bob}:suppress' >/dev/null
# Redis stops answering part way through the 200000 entries: the reader
# is slow (a pipe that fills), Redis is paused meanwhile.
( "$CTL" -c "$FX_CONF" --json suppress list bulk 2>"$H_TMP/mid.err" | { sleep 0.6; cat; } >"$H_TMP/mid.json"; echo "${PIPESTATUS[0]}" >"$H_TMP/mid.rc" ) &
mpid=$!
sleep 0.3
h_redis_cli CLIENT PAUSE 2500 ALL >/dev/null
wait "$mpid"
h_redis_cli CLIENT UNPAUSE >/dev/null 2>&1
h_is "F1 Redis paused mid-list: exit 2" "$(cat "$H_TMP/mid.rc")" 2
h_is "F1 ...one valid JSON array: entries, then the error as its last element" \
    "$("$H_PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(isinstance(d, list), 0 < len(d) - 1 < '"$ROWS"', all("address" in x for x in d[:-1]), list(d[-1]) == ["error"] and d[-1]["error"]["code"] == "backend")' "$H_TMP/mid.json" 2>&1)" "True True True True"
h_like "F1 ...the reason on stderr" "$(cat "$H_TMP/mid.err")" 'timed out'

# --- audit3 F3: output that could not be written is a failure
ctl suppress list bulk >/dev/full 2>"$H_TMP/full.err"; rc=$?
h_is "F3 suppress list > /dev/full: exit 2" "$rc" 2
h_like "F3 ...said" "$(cat "$H_TMP/full.err")" "cannot write standard output"
ctl --json suppress list alice >/dev/full 2>/dev/null; rc=$?
h_is "F3 --json suppress list > /dev/full: exit 2" "$rc" 2

# --- Redis refuses a batch of the import (the list of the wrong type):
# exit 2, and Redis's reason said
ctl member add wrongtype --did did:web:wrongtype.example >/dev/null
h_redis_cli SET 'relay:{m:wrongtype}:suppress' junk >/dev/null
out=$(ctl suppress import wrongtype "$H_TMP/list.csv" 2>&1); rc=$?
h_is "import refused by Redis: exit 2" "$rc" 2
h_like "...Redis's reason said" "$out" 'import: Redis refused a batch: WRONGTYPE'
h_is "...the key left as it was" "$(h_redis_cli GET 'relay:{m:wrongtype}:suppress')" junk

# --- what suppress list prints imports back, quoted local parts with
# blanks, commas and quotes included (read from the line's end)
ctl member add roundtrip --did did:plc:ffffffffffffffffffffffff >/dev/null
ctl member add roundtrip2 --did did:plc:gggggggggggggggggggggggg >/dev/null
for a in '"quoted local"@example.com' '"a\"b"@ex.com' '"a,b"@ex.com' \
    '"a\""@ex.com' plain@ex.com; do
	ctl suppress add roundtrip "$a" >/dev/null ||
	    h_fail "suppress add $a" "refused"
done
ctl suppress list roundtrip >"$H_TMP/rt.txt"
out=$(ctl --json suppress import roundtrip2 "$H_TMP/rt.txt" 2>&1); rc=$?
h_is "suppress list's lines import back: exit 0" "$rc" 0
h_is "... every one of them" "$(fx_jget '[d["added"], d["bad"]]' <<<"$out")" '[5, 0]'
h_is "... the same addresses" \
    "$(h_redis_cli HKEYS 'relay:{m:roundtrip2}:suppress' | sort | tr '\n' ' ')" \
    "$(h_redis_cli HKEYS 'relay:{m:roundtrip}:suppress' | sort | tr '\n' ' ')"

# --- Redis gone in the middle of an import (a proxy that closes both
# sides when the 3000th row goes by): exit 2, how far it got, and the
# same import again adds the rest
ctl member add cut --did did:plc:hhhhhhhhhhhhhhhhhhhhhhhh >/dev/null
seq -f 'imp%g@rcpt.example' 1 5000 >"$H_TMP/imp.txt"
PXPORT=$(h_port)
h_start_daemon cutproxy /usr/bin/python3 -c '
import os, socket, sys, threading
port, path, trig = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port)); ls.listen(8)
def pipe(a, b, check):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            if check and trig in d: os._exit(0)
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.close()
        except OSError: pass
while True:
    c, _ = ls.accept()
    u = socket.socket(socket.AF_UNIX); u.connect(path)
    threading.Thread(target=pipe, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c, False), daemon=True).start()
' "$PXPORT" "$REDIS_SOCK" 'imp3000@'
h_check "a proxy in front of Redis" h_wait_port "$PXPORT" 10
sed "s|socket = \"$REDIS_SOCK\";|host = \"127.0.0.1\"; port = $PXPORT;|" \
    "$FX_CONF" >"$H_TMP/px.conf"
out=$("$CTL" -c "$H_TMP/px.conf" --json suppress import cut "$H_TMP/imp.txt" 2>&1); rc=$?
h_is "Redis gone mid-import: exit 2" "$rc" 2
h_like "... says it stopped half way, and what to do" "$out" \
    '"message": "import: [^"]*: stopped half way, [0-9]+ of the [0-9]+ rows sent known added; the same import again adds what is missing"'
h_like "... with the counts" "$out" '"added": [0-9]+'
h_like "... both" "$out" '"sent": [0-9]+'
n=$(h_redis_cli HLEN 'relay:{m:cut}:suppress')
h_check "... some rows were written ($n)" test "$n" -gt 0 -a "$n" -lt 5000
out=$(ctl --json suppress import cut "$H_TMP/imp.txt"); rc=$?
h_is "the same import again: exit 0" "$rc" 0
h_is "... all 5000 there" "$(h_redis_cli HLEN 'relay:{m:cut}:suppress')" 5000

# --- Redis gone mid-way: exit 2
h_stop_redis
out=$(ctl suppress import alice "$H_TMP/list.csv" 2>&1); rc=$?
h_is "Redis down: exit 2" "$rc" 2
h_done
