#!/bin/bash
# test_lua2c.sh - common/lua2c.sh, which turns common/lua/*.lua into the
# strings the programs send to Redis: comment lines go empty, a
# `--@include LIB.lua` line becomes the library joined into one line, so
# Lua's line numbers in an error stay those of the file; a library line
# with a comment after code (it would swallow the rest of the joined line)
# and a missing library stop the build. The scripts that include
# lib_window.lua load into a real Redis, and an error names the line of
# the script's file.
. "${RELAY_TOP_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"
h_init lua2c
h_need redis-server
L2C=$H_SRCDIR/common/lua2c.sh
D=$H_TMP/lua
mkdir -p "$D"

cat >"$D/lib_t.lua" <<'LUA'
-- lib_t.lua - a test library
-- (two comment lines)
local function twice(x)
  -- an indented comment line
  return 2 * x
end

local function hello() return 'hi' end
LUA
cat >"$D/s.lua" <<'LUA'
-- s.lua - a script
--@include lib_t.lua
local n = twice(tonumber(ARGV[1]))
if n > 10 then
  return redis.error_reply('ERR too big at line ' .. 4)
end
return {n, hello()}
LUA
out=$(sh "$L2C" --body "$D/s.lua"); rc=$?
h_is "--body: exit 0" "$rc" 0
h_is "the line count is the file's" "$(printf '%s\n' "$out" | wc -l)" \
    "$(wc -l <"$D/s.lua")"
h_is "line 2 is the library on one line, its comments gone" \
    "$(printf '%s\n' "$out" | sed -n 2p)" \
    "local function twice(x) return 2 * x end local function hello() return 'hi' end"
h_is "a comment line of the script is empty" "$(printf '%s\n' "$out" | sed -n 1p)" ""
h_is "...and code stays" "$(printf '%s\n' "$out" | sed -n 3p)" \
    "local n = twice(tonumber(ARGV[1]))"

# the generated C: one string per script, the include resolved
sh "$L2C" "$H_TMP" lua/s.lua >"$H_TMP/s.c"; rc=$?
h_is "C output: exit 0" "$rc" 0
h_like "C output: the library inside the string" "$(cat "$H_TMP/s.c")" \
    'local function twice\(x\) return 2 \* x end'

# refused: a comment after code in a library, a library that is missing
printf 'local function f() return 1 end -- one\n' >"$D/lib_bad.lua"
printf -- '--@include lib_bad.lua\nreturn f()\n' >"$D/bad.lua"
out=$(sh "$L2C" "$H_TMP" lua/bad.lua 2>&1 >/dev/null); rc=$?
h_is "a comment after code in a library: refused" "$((rc != 0))" 1
h_like "...naming file and line" "$out" 'lib_bad\.lua:1: a comment after code'
printf -- '--@include lib_none.lua\nreturn 1\n' >"$D/none.lua"
out=$(sh "$L2C" "$H_TMP" lua/none.lua 2>&1 >/dev/null); rc=$?
h_is "a missing library: refused" "$((rc != 0))" 1
h_like "...named" "$out" 'lib_none\.lua: cannot read it'

# in Redis: the script runs, and a Lua error names the file's line
h_start_redis
body=$(sh "$L2C" --body "$D/s.lua")
h_is "EVAL: the included functions run" \
    "$(h_redis_cli EVAL "$body" 0 3 | tr '\n' ' ')" "6 hi "
printf '%s\n' "--@include lib_t.lua" "" "" "local x = nil + twice(1)" \
    >"$D/err.lua"
out=$(h_redis_cli EVAL "$(sh "$L2C" --body "$D/err.lua")" 0 2>&1)
h_like "a Lua error names the line of the file (4)" "$out" ':4:'
for s in tracker_event unsub_complaint_count unsub_bounce; do
	[[ -f $H_SRCDIR/common/lua/$s.lua ]] || continue
	sha=$(sh "$L2C" --body "$H_SRCDIR/common/lua/$s.lua" |
	    h_redis_cli -x SCRIPT LOAD)
	h_is "$s.lua (includes lib_window.lua) loads; its SHA is h_lua_sha's" \
	    "$sha" "$(h_lua_sha "$s")"
done
h_done
