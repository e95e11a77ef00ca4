#!/usr/bin/env python3
"""tests/mutation/lua_mutate.py - mutation audit of the Lua scripts that hold
core decisions (common/lua/policyd_warm.lua, tracker_event.lua,
milter_record.lua), which only the integration tests exercise.

README
  A developer tool, not part of make check. The mutants are hand-written,
  one a line, in tests/mutation/lua_mutants.txt (fields separated by TABs):

      ID  FILE  TESTS  OLD  NEW  WHAT

  FILE is relative to SRCDIR; TESTS names integration tests (without .sh,
  comma-separated); OLD is a literal string that must occur exactly once in
  FILE, replaced by NEW ("\\t" and "\\n" in either stand for a TAB and a
  newline). Lines starting
  with '#' are comments. For each mutant the driver writes it over FILE,
  removes BUILDDIR/common/lua_scripts.c, runs `make -s -j2`, runs each test
  (timeout 600 s, as root; RELAY_TOP_SRCDIR/RELAY_TOP_BUILDDIR set) and
  records killed (a test failed: non-zero exit or a "not ok" line),
  survived, or build-failed. FILE is put back from a copy afterwards,
  always (finally block; SIGTERM/SIGHUP are turned into an exception), and
  the build is made again at the end, so the daemons hold the real scripts.

  A test run is expensive (a private Redis, Postfix and the daemons): each
  mutant costs a rebuild of lua_scripts.c and 1-20 s a test.

Usage (build configured and built, tests/integration/policyd_client too):
  nice -n 10 python3 tests/mutation/lua_mutate.py \\
      --srcdir /tmp/wt-x --builddir /tmp/build-x [--only ID,...] [--list]
  Results: BUILDDIR/mutation/lua_results.tsv (ID, tests, result, failing
  checks) and a summary on stdout; the logs of each run in
  BUILDDIR/mutation/lua_logs/ID-TEST.log.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys


def unesc(s):
    return s.replace("\\t", "\t").replace("\\n", "\n")


def load(path):
    muts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            p = line.split("\t")
            if len(p) != 6:
                sys.exit("%s:%d: want 6 TAB-separated fields, got %d"
                         % (path, n, len(p)))
            mid, file, tests, old, new, what = p
            muts.append(dict(id=mid, file=file, tests=tests.split(","),
                             old=unesc(old), new=unesc(new), what=what))
    return muts


def make(builddir):
    lua = os.path.join(builddir, "common", "lua_scripts.c")
    if os.path.exists(lua):
        os.unlink(lua)
    r = subprocess.run(["nice", "-n", "10", "make", "-s", "-j2"],
                       cwd=builddir, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    return r.returncode == 0, r.stdout.decode(errors="replace")


def run_test(a, m, test, logdir):
    env = dict(os.environ, RELAY_TOP_SRCDIR=a.srcdir,
               RELAY_TOP_BUILDDIR=a.builddir)
    script = os.path.join(a.srcdir, "tests", "integration", test + ".sh")
    log = os.path.join(logdir, "%s-%s.log" % (m["id"], test))
    with open(log, "wb") as out:
        r = subprocess.run(["timeout", "600", "nice", "-n", "10", "bash",
                            script], cwd=a.builddir, env=env, stdout=out,
                           stderr=subprocess.STDOUT)
    with open(log, encoding="utf-8", errors="replace") as f:
        bad = [l.strip() for l in f if l.startswith("not ok")]
    return r.returncode != 0 or bad, bad


def term(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srcdir", required=True)
    ap.add_argument("--builddir", required=True)
    ap.add_argument("--mutants", default=None)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    a.srcdir = os.path.abspath(a.srcdir)
    a.builddir = os.path.abspath(a.builddir)
    muts = load(a.mutants or os.path.join(a.srcdir, "tests", "mutation",
                                          "lua_mutants.txt"))
    if a.only:
        want = set(a.only.split(","))
        muts = [m for m in muts if m["id"] in want]
    for m in muts:
        src = open(os.path.join(a.srcdir, m["file"]), encoding="utf-8").read()
        if src.count(m["old"]) != 1:
            sys.exit("%s: OLD occurs %d times in %s" % (m["id"],
                     src.count(m["old"]), m["file"]))
    if a.list:
        for m in muts:
            print("%s\t%s\t%s" % (m["id"], m["file"], m["what"]))
        return
    signal.signal(signal.SIGTERM, term)
    signal.signal(signal.SIGHUP, term)
    outdir = os.path.join(a.builddir, "mutation")
    logdir = os.path.join(outdir, "lua_logs")
    os.makedirs(logdir, exist_ok=True)
    res = open(os.path.join(outdir, "lua_results.tsv"), "a", encoding="utf-8")
    counts = {}
    try:
        for m in muts:
            path = os.path.join(a.srcdir, m["file"])
            keep = os.path.join(outdir, os.path.basename(path) + ".orig")
            shutil.copyfile(path, keep)
            try:
                src = open(keep, encoding="utf-8").read()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(src.replace(m["old"], m["new"], 1))
                ok, out = make(a.builddir)
                if not ok:
                    result, why = "build-failed", out[-200:].replace("\n", " ")
                else:
                    result, why = "survived", ""
                    for t in m["tests"]:
                        killed, bad = run_test(a, m, t, logdir)
                        if killed:
                            result = "killed"
                            why = "%s: %s" % (t, "; ".join(bad[:3]) or
                                              "exit status")
                            break
            finally:
                shutil.copyfile(keep, path)
                os.unlink(keep)
            counts[result] = counts.get(result, 0) + 1
            line = "%s\t%s\t%s\t%s" % (m["id"], ",".join(m["tests"]),
                                       result, why)
            print(line, flush=True)
            res.write(line + "\n")
            res.flush()
    finally:
        ok, out = make(a.builddir)
        if not ok:
            print("rebuild of the real scripts failed:\n" + out)
    print("summary: " + ", ".join("%s %d" % kv for kv in sorted(counts.items())))


if __name__ == "__main__":
    main()
