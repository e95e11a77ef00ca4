#!/bin/bash
# test_ctl_scale.sh - relayctl's listings at scale: domain list (all, and
# --member), member list and domain verify --pending over RELAY_SCALE_DOMAINS
# domains (default 20000) and RELAY_SCALE_MEMBERS members (default 20000)
# stream in constant memory (SSCAN in batches, the records of a batch read in
# one pipelined round trip): one valid JSON array, every item once, max RSS
# under 15 MB (not checked under ASan); apikey list of RELAY_SCALE_KEYS keys
# (default 20000) is complete and in order (its time is logged). The records
# are written with redis-cli --pipe in the shape relayctl writes them (the
# shape is copied from a real domain add and member add here), without the
# DKIM keys.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
. "$H_LIBDIR/fixtures.sh"
h_init ctl_scale
h_need redis-server redis-cli
[[ -x /usr/bin/time ]] || h_skip_all "no /usr/bin/time (GNU time) to measure RSS"

CTL=$H_BUILDDIR/contrib/relayctl/relayctl
[[ -x $CTL ]] || h_bail "build relayctl first ($CTL)"
ctl() { "$CTL" -c "$FX_CONF" "$@"; }
ND=${RELAY_SCALE_DOMAINS:-20000}
NM=${RELAY_SCALE_MEMBERS:-20000}
NK=${RELAY_SCALE_KEYS:-20000}
h_start_redis
fx_conf

# The shape: one real member and domain, their fields as relayctl wrote them.
ctl member add alice --did did:plc:abcdefghijklmnopqrstuvwx >/dev/null
ctl domain add real.scale.example --member alice >/dev/null
h_is "the shape copied: domain fields" \
    "$(h_redis_cli HKEYS 'relay:{d:real.scale.example}:domain' | sort | tr '\n' ' ')" \
    "created forward_to listunsub member next_selector selector subdomains token verified_at "
h_is "the shape copied: member fields" \
    "$(h_redis_cli HKEYS 'relay:{m:alice}:member' | sort | tr '\n' ' ')" "created did suspended "
ctl domain remove real.scale.example >/dev/null

# gen KIND N - RESP for redis-cli --pipe: N domains of alice's (verified,
# nothing pending), N members, or N API keys of alice's (created in a
# shuffled order, every third one used)
gen() {
	"$H_PYTHON" - "$1" "$2" "$(date +%s)" <<'PY'
import hashlib, random, sys
kind, n, now = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
out = []
def cmd(*a):
    out.append('*%d\r\n' % len(a) + ''.join('$%d\r\n%s\r\n' % (len(x.encode()), x) for x in a))
for i in range(n):
    if kind == 'domains':
        d = 'd%06d.scale.example' % i
        cmd('HSET', 'relay:{d:%s}:domain' % d, 'member', 'alice',
            'created', str(now), 'token', hashlib.md5(d.encode()).hexdigest(),
            'verified_at', str(now - 40 * 86400), 'selector', 'rs20260101abcd',
            'next_selector', '', 'subdomains', '0', 'listunsub', '0',
            'forward_to', '')
        cmd('SADD', 'relay:{m:alice}:domains', d)
        cmd('SADD', 'relay:domains', d)
    elif kind == 'members':
        h = 'm%06d' % i
        cmd('HSET', 'relay:{m:%s}:member' % h, 'did', 'did:plc:%024d' % i,
            'created', str(now), 'suspended', '0')
        cmd('SADD', 'relay:members', h)
    else:
        random.seed(1)
        order = list(range(n))
        random.shuffle(order)
        for j, t in enumerate(order):
            kid = '%08x' % (0x10000000 + j)
            cmd('HSET', 'relay:{m:alice}:apikeys', kid, '%d %s' % (now - n + t,
                hashlib.sha256(kid.encode()).hexdigest()))
            if j % 3 == 0:
                cmd('HSET', 'relay:{m:alice}:apikeys_used', kid, str(now))
        break
sys.stdout.write(''.join(out))
PY
}
# measure NAME CMD... - run relayctl under /usr/bin/time -v: stdout in
# $H_TMP/NAME.out, rc in RC, max RSS (kB) in RSS, wall time (s) in SECS
measure() {
	local name=$1
	shift
	/usr/bin/time -v -o "$H_TMP/$name.time" "$CTL" -c "$FX_CONF" "$@" \
	    >"$H_TMP/$name.out" 2>"$H_TMP/$name.err"
	RC=$?
	RSS=$(awk -F': ' '/Maximum resident/ { print $2 }' "$H_TMP/$name.time")
	SECS=$(awk -F': ' '/Elapsed/ { n = split($2, t, ":"); s = 0;
	    for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' \
	    "$H_TMP/$name.time")
	h_diag "relayctl $*: exit $RC, max RSS ${RSS:-?} kB, ${SECS:-?} s"
}
rss_ok() {	# rss_ok DESC - RSS under 15 MB, unless ASan
	if h_sanitized; then
		h_skip "$1" "ASan: RSS is shadow memory and quarantine"
	else
		h_check "$1" test "${RSS:-999999}" -lt 15360
	fi
}
# every_once FILE KEY N PREFIX - the array in FILE holds N objects whose KEY
# values, those starting with PREFIX, are each of PREFIX000000..N-1 once
every_once() {
	"$H_PYTHON" - "$@" <<'PY' 2>&1
import json, sys
f, key, n, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
d = json.load(open(f))
got = [x.get(key) for x in d if isinstance(x, dict)]
mine = [g for g in got if g and g.startswith(prefix)]
want = set('%s%06d' % (prefix, i) for i in range(n))
print(isinstance(d, list), len(mine) == len(set(mine)), set(g.split('.')[0] for g in mine) == want,
      all(list(x) != ['error'] for x in d))
PY
}

gen domains "$ND" | h_redis_cli --pipe >"$H_TMP/pipe.out" 2>&1 ||
    h_bail "redis-cli --pipe: $(tail -3 "$H_TMP/pipe.out")"
h_is "$ND domains generated" "$(h_redis_cli SCARD relay:domains)" "$ND"
gen members "$NM" | h_redis_cli --pipe >"$H_TMP/pipe.out" 2>&1 ||
    h_bail "redis-cli --pipe: $(tail -3 "$H_TMP/pipe.out")"
h_is "$NM members generated, and alice" "$(h_redis_cli SCARD relay:members)" "$((NM + 1))"

# --- domain list
measure dl --json domain list
h_is "domain list --json of $ND: exit 0" "$RC" 0
h_is "...one valid JSON array, every domain once, no error element" \
    "$(every_once "$H_TMP/dl.out" domain "$ND" d)" "True True True True"
h_is "...the fields as before, no token" \
    "$("$H_PYTHON" -c 'import json, sys; print(sorted(json.load(open(sys.argv[1]))[0]))' "$H_TMP/dl.out")" \
    "['created', 'domain', 'forward_to', 'listunsub', 'member', 'next_selector', 'selector', 'subdomains', 'verified', 'verified_at']"
rss_ok "...streamed: max RSS under 15 MB"
measure dlt domain list
h_is "domain list (text): exit 0, one line each" "$RC:$(grep -c '^d[0-9]*\.scale\.example  *alice  *verified  *rs20260101abcd$' "$H_TMP/dlt.out")" "0:$ND"
rss_ok "...streamed: max RSS under 15 MB"
measure dlm --json domain list --member alice
h_is "domain list --member alice --json: exit 0, every domain once" \
    "$RC:$(every_once "$H_TMP/dlm.out" domain "$ND" d)" "0:True True True True"
rss_ok "...streamed: max RSS under 15 MB"

# --- member list
measure ml --json member list
h_is "member list --json of $NM: exit 0, every member once" \
    "$RC:$(every_once "$H_TMP/ml.out" handle "$NM" m)" "0:True True True True"
h_is "...and alice" "$("$H_PYTHON" -c 'import json, sys; print([x for x in json.load(open(sys.argv[1])) if x["handle"] == "alice"][0]["did"])' "$H_TMP/ml.out")" \
    did:plc:abcdefghijklmnopqrstuvwx
rss_ok "...streamed: max RSS under 15 MB"

# --- a record that cannot be read, among thousands: skipped, named last
h_redis_cli SET 'relay:{d:d000007.scale.example}:domain' junk >/dev/null
measure dlb --json domain list
h_is "a wrong-type record among $ND: exit 2, the others listed, the error last" \
    "$RC:$("$H_PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(len(d) - 1, d[-1]["error"]["code"], [x["id"] for x in d[-1]["error"]["skipped"]])' "$H_TMP/dlb.out" 2>&1)" \
    "2:$((ND - 1)) unreadable ['d000007.scale.example']"
h_like "...named on stderr" "$(cat "$H_TMP/dlb.err")" 'd000007\.scale\.example: .*cannot be read \(WRONGTYPE'
h_redis_cli DEL 'relay:{d:d000007.scale.example}:domain' >/dev/null
h_redis_cli SREM relay:domains d000007.scale.example >/dev/null
h_redis_cli SREM 'relay:{m:alice}:domains' d000007.scale.example >/dev/null

# --- Redis stops answering part way: the reader is slow (the pipe fills
# within the first batch) and pauses Redis before it reads on
# (it must take more than one batch: RELAY_SCALE_DOMAINS >= 10000)
if ((ND >= 10000)); then
	"$CTL" -c "$FX_CONF" --json domain list 2>"$H_TMP/mid.err" |
	    { IFS= read -r first; h_redis_cli CLIENT PAUSE 2500 ALL >/dev/null
	      printf '%s\n' "$first"; cat; } >"$H_TMP/mid.json"
	rc=${PIPESTATUS[0]}
	h_redis_cli CLIENT UNPAUSE >/dev/null 2>&1
	h_is "Redis paused mid-list: exit 2" "$rc" 2
	h_is "...one valid JSON array: domains, then the error as its last element" \
	    "$("$H_PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(isinstance(d, list), 0 < len(d) - 1 < int(sys.argv[2]), all("domain" in x for x in d[:-1]), list(d[-1]) == ["error"] and d[-1]["error"]["code"] == "backend")' "$H_TMP/mid.json" "$ND" 2>&1)" "True True True True"
	h_like "...the reason on stderr" "$(cat "$H_TMP/mid.err")" 'timed out'
	h_wait_for 5 h_redis_cli PING >/dev/null
else
	h_skip "Redis paused mid-list" "RELAY_SCALE_DOMAINS < 10000: one batch"
fi

# --- domain verify --pending: none of them waits; it reads the three
# fields it needs (HMGET), not every record whole, nor the set whole
h_redis_cli CONFIG RESETSTAT >/dev/null
measure vp --json domain verify --pending
h_is "verify --pending over $((ND - 1)) verified domains: exit 0, nothing to check" "$RC:$(cat "$H_TMP/vp.out")" "0:[]"
rss_ok "...scanned: max RSS under 15 MB"
stats=$(h_redis_cli INFO commandstats | tr -d '\r')
calls() { sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p" <<<"$stats"; }
h_is "...SSCAN in batches, HMGET per domain, no SMEMBERS, no HGETALL" \
    "$(awk -v s="$(calls sscan)" -v h="$(calls hmget)" -v n="$ND" \
    'BEGIN { print (s >= n / 2000 && s <= n / 500) ":" (h >= n - 1) }'):$(calls smembers):$(calls hgetall)" \
    "1:1::"

# --- apikey list
gen keys "$NK" | h_redis_cli --pipe >"$H_TMP/pipe.out" 2>&1 ||
    h_bail "redis-cli --pipe: $(tail -3 "$H_TMP/pipe.out")"
measure ak --json apikey list alice
h_is "apikey list of $NK keys: exit 0, every key, oldest first" \
    "$RC:$("$H_PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = [x["created"] for x in d]
print(len(d), len(set(x["id"] for x in d)), c == sorted(c), sum(1 for x in d if x["last_used"] > 0))' "$H_TMP/ak.out" 2>&1)" \
    "0:$NK $NK True $(((NK + 2) / 3))"
# (speed is a figure for the notes, not a timed assertion: 0.06 s here,
# 3.3 s with the old insertion sort; ASan alone takes 2 s)
h_diag "apikey list of $NK keys took ${SECS:-?} s"
h_done
