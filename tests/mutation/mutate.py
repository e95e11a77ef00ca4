#!/usr/bin/env python3
"""tests/mutation/mutate.py - mutation-testing driver for the pure modules.

README
  A developer tool, not part of make check (it is in no TESTS/UNIT_TESTS
  list). It asks: can the unit tests fail when the logic is wrong?  For each
  target .c file it makes one small change at a time (a mutant), rebuilds
  only the unit test binaries that link that file, runs them, and records
  whether a test failed (killed), none did (survived) or the mutant did not
  compile (build-failed).

  Operators: relational swaps (< <= > >= == !=, two per site: the boundary
  and the negation), && <-> ||, removal of a unary !, +1/-1 on integer
  constants, +1 on a non-constant return value, deletion of a statement
  that returns or assigns an error (return -X / COND_* / NULL / false, an
  assignment of a negative value, a string, or to *why, *err, rc, ...),
  and swapping the two branches of a ?: .  Comments, strings, preprocessor
  lines other than #define, and lines that log or assert are not mutated.
  When a file yields more than --max mutants a deterministic sample (fixed
  --seed, keyed by the file name) is taken, so a rerun tests the same ones.

  The mutant is written over the file in the source tree (SRCDIR) and the
  original is put back afterwards, always: in a finally block that also
  runs on Ctrl-C, SIGTERM and SIGHUP; a copy is kept in
  BUILDDIR/mutation/DIR__NAME.orig while a mutant is in place, and a later
  run restores it first, should the driver have been killed with -9. Do not
  edit or commit the target file while a run is going on.

Usage (from anywhere; builds must be configured already, `make check
TESTS=` or the unit test binaries built once):
  nice -n 10 python3 tests/mutation/mutate.py \\
      --srcdir /tmp/wt-mut --builddir /tmp/build-mut [--max 150] \\
      [--seed 20261206] [--list] [--only ID,...] FILE...
  FILE is relative to SRCDIR (common/tier.c) or "all" for the audited set.
  Results: BUILDDIR/mutation/results.tsv (one line per mutant),
  BUILDDIR/mutation/survivors.txt (a diff line per survivor) and a table
  (file, mutants, killed, survived, build-failed, score) on stdout.
  score = killed / (killed + survived).
  The default sample (150 a file, seed 20261206) over "all" is about 2,600
  mutants, 30 minutes with nice -n 10 on two shared cores. Only a failing
  test kills: a mutant that only overflows a buffer or leaks survives unless
  BUILDDIR is a sanitizer build.
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

AUDITED = """
common/tier.c common/addr.c common/token.c common/conditions.c common/conf.c
common/conf_check.c common/conf_table.c milter/decide.c milter/from.c
milter/hdrs.c milter/linelimit.c milter/listunsub.c milter/ftable.c
policyd/bounce.c policyd/maillog.c policyd/policyd_decide.c
policyd/policyd_proto.c policyd/socketmap.c policyd/tracker_hop.c
policyd/tracker_time.c policyd/tracker_retry.c
""".split()

SKIP_LINE = re.compile(r'\b(log_\w+|syslog|assert|_Static_assert|'
                       r'static_assert|fprintf|perror|warnx?|errx?)\s*\(')
TYPE_WORDS = set("""int long short char unsigned signed const struct enum
union double float size_t ssize_t time_t bool void static uint8_t uint16_t
uint32_t uint64_t int64_t int32_t off_t""".split())


def code_mask(lines):
    """Return, per line, the line with comments, strings and char literals
    blanked (same length), so positions map back to the source."""
    out = []
    in_comment = False
    for line in lines:
        buf = []
        i = 0
        n = len(line)
        while i < n:
            c = line[i]
            if in_comment:
                if line.startswith('*/', i):
                    buf.append('  ')
                    i += 2
                    in_comment = False
                else:
                    buf.append(' ')
                    i += 1
                continue
            if line.startswith('/*', i):
                in_comment = True
                buf.append('  ')
                i += 2
                continue
            if line.startswith('//', i):
                buf.append(' ' * (n - i))
                break
            if c in '"\'':
                q = c
                buf.append(q)
                i += 1
                while i < n and line[i] != q:
                    if line[i] == '\\' and i + 1 < n:
                        buf.append('  ')
                        i += 2
                        continue
                    buf.append(' ')
                    i += 1
                if i < n:
                    buf.append(q)
                    i += 1
                continue
            buf.append(c)
            i += 1
        out.append(''.join(buf))
    return out


REL = re.compile(r'(?<![<>=!\-])(==|!=|<=|>=|<|>)(?![<>=])')
REL_SWAP = {'<': ['<=', '>='], '<=': ['<', '>'], '>': ['>=', '<='],
            '>=': ['>', '<'], '==': ['!='], '!=': ['==']}
LOGIC = re.compile(r'&&|\|\|')
NOT = re.compile(r'!(?!=)')
INT = re.compile(r'(?<![\w.])(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)(?![\w.])')
RET = re.compile(r'^(\s*)return\s+(.+);\s*$')
ERR_VALUE = re.compile(r'^(-\s*\w+|COND_\w+|NULL|false|\w*ERR\w*|"")$')
ASSIGN = re.compile(r'^\s*([\w.\->\[\]*()]+)\s*([-+|&]?=)\s*(?!=)(.+);\s*$')
ERR_LHS = re.compile(r'(\bwhy\b|\berr\w*|\berror\b|^\*?rc$|^\*?ret$|'
                     r'\bcond\b|\bfail\w*|\bbad\w*)')


def find_ternary(code):
    """(qpos, colon, end) of the first a ? b : c on one line, or None."""
    q = code.find('?')
    if q < 0:
        return None
    depth = 0
    colon = -1
    for i in range(q + 1, len(code)):
        ch = code[i]
        if ch in '([{':
            depth += 1
        elif ch in ')]}':
            if depth == 0:
                return (q, colon, i) if colon > 0 else None
            depth -= 1
        elif ch == '?' and depth == 0:
            return None             # nested: leave it
        elif ch == ':' and depth == 0 and colon < 0:
            colon = i
        elif ch in ';,' and depth == 0:
            return (q, colon, i) if colon > 0 else None
    return None


def gen_mutants(path, text):
    lines = text.split('\n')
    masked = code_mask(lines)
    muts = []

    def add(ln, col, op, new_line, desc):
        muts.append({'line': ln + 1, 'col': col + 1, 'op': op,
                     'new': new_line, 'desc': desc})

    for ln, (src, code) in enumerate(zip(lines, masked)):
        s = code.strip()
        if not s:
            continue
        if s.startswith('#') and not s.startswith('#define'):
            continue
        if SKIP_LINE.search(code):
            continue
        for m in REL.finditer(code):
            if code.lstrip().startswith('#include'):
                break
            for rep in REL_SWAP[m.group(1)]:
                nl = src[:m.start()] + rep + src[m.end():]
                add(ln, m.start(), 'rel', nl, '%s -> %s' % (m.group(1), rep))
        for m in LOGIC.finditer(code):
            rep = '||' if m.group() == '&&' else '&&'
            add(ln, m.start(), 'logic', src[:m.start()] + rep +
                src[m.end():], '%s -> %s' % (m.group(), rep))
        for m in NOT.finditer(code):
            add(ln, m.start(), 'not', src[:m.start()] + src[m.end():],
                'drop !')
        for m in INT.finditer(code):
            lit = m.group(1)
            v = int(lit, 16) if lit[:2].lower() == '0x' else int(lit)
            for d in (1, -1):
                nv = v + d
                rep = ('(%d%s)' % (nv, m.group(2))) if nv < 0 else \
                    ('%d%s' % (nv, m.group(2)))
                add(ln, m.start(), 'const', src[:m.start()] + rep +
                    src[m.end():], '%s -> %s' % (m.group(), rep))
        r = RET.match(code)
        if r:
            val = r.group(2).strip()
            if ERR_VALUE.match(val) or re.match(r'^-?\s*\d+$', val):
                if ERR_VALUE.match(val):
                    add(ln, 0, 'delete', r.group(1) + ';',
                        'delete: return %s' % val)
            elif not val.startswith('"'):
                i = src.index('return') + len('return')
                j = src.rindex(';')
                add(ln, i, 'retval', src[:i] + ' (' + src[i:j].strip() +
                    ') + 1' + src[j:], 'return (%s) + 1' % val)
        a = ASSIGN.match(code)
        if a and not r:
            lhs, rhs = a.group(1), a.group(3).strip()
            first = re.match(r'\s*(\w+)', code)
            decl = first and first.group(1) in TYPE_WORDS
            if not decl and (ERR_LHS.search(lhs) or
                             ERR_VALUE.match(rhs) or rhs.startswith('"')):
                indent = re.match(r'\s*', src).group()
                add(ln, 0, 'delete', indent + ';', 'delete: %s' % src.strip())
        t = find_ternary(code)
        if t:
            q, c, e = t
            b1, b2 = src[q + 1:c], src[c + 1:e]
            add(ln, q, 'ternary', src[:q + 1] + ' ' + b2.strip() + ' :' +
                ' ' + b1.strip() + src[e:], 'swap ?: branches')
    for k, mu in enumerate(muts):
        mu['id'] = '%s:%d:%d:%s:%d' % (path, mu['line'], mu['col'],
                                       mu['op'], k)
        mu['old'] = lines[mu['line'] - 1]
    return muts


def unit_binaries(builddir, relpath):
    """The unit test binaries that link relpath: a per-target object
    (DIR/tests_unit_test_X-NAME.o) or, for librelay.a, any binary holding a
    global symbol that common/NAME.o defines."""
    d, base = os.path.split(relpath)
    name = base[:-2]
    bins = set()
    objdir = os.path.join(builddir, d)
    pat = re.compile(r'^tests_unit_(test_\w+)-' + re.escape(name) + r'\.o$')
    for f in os.listdir(objdir):
        m = pat.match(f)
        if m:
            bins.add('tests/unit/' + m.group(1))
    lib_obj = os.path.join(objdir, name + '.o')
    if d == 'common' and os.path.exists(lib_obj):
        syms = set()
        out = subprocess.run(['nm', '--defined-only', '-g', lib_obj],
                             capture_output=True, text=True).stdout
        for l in out.splitlines():
            p = l.split()
            if len(p) == 3 and p[1] in 'TDRB':
                syms.add(p[2])
        udir = os.path.join(builddir, 'tests/unit')
        for f in sorted(os.listdir(udir)):
            b = os.path.join(udir, f)
            if not f.startswith('test_') or f.endswith(('.o', '.c')) or \
                    not os.access(b, os.X_OK) or os.path.isdir(b):
                continue
            out = subprocess.run(['nm', '-g', '--defined-only', b],
                                 capture_output=True, text=True).stdout
            have = {l.split()[-1] for l in out.splitlines() if l.strip()}
            if syms & have:
                bins.add('tests/unit/' + f)
    own = 'tests/unit/test_' + name
    return sorted(bins, key=lambda b: (not b.startswith(own), b))


class Restorer:
    def __init__(self, path, backup):
        self.path, self.backup = path, backup
        with open(path) as f:
            self.orig = f.read()
        shutil.copy2(path, backup)

    def put(self, text):
        with open(self.path, 'w') as f:
            f.write(text)

    def restore(self):
        with open(self.path, 'w') as f:
            f.write(self.orig)
        if os.path.exists(self.backup):
            os.unlink(self.backup)


def build(builddir, bins, timeout=300):
    p = subprocess.run(['make', '-s'] + bins, cwd=builddir,
                       capture_output=True, text=True, timeout=timeout)
    err = [l for l in (p.stderr + p.stdout).splitlines() if 'error' in l]
    return p.returncode == 0, (err[0] if err else '')[:160]


def run_tests(srcdir, builddir, bins):
    env = dict(os.environ, RELAY_TOP_SRCDIR=srcdir,
               RELAY_TOP_BUILDDIR=builddir)
    for b in bins:
        try:
            p = subprocess.run(['timeout', '20', './' + b], cwd=builddir,
                               env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=30)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = 124
        if rc != 0:
            return os.path.basename(b) + ('(timeout)' if rc == 124 else
                                          '(rc=%d)' % rc)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--srcdir', default=os.path.abspath(
        os.path.join(os.path.dirname(__file__), '..', '..')))
    ap.add_argument('--builddir', required=True)
    ap.add_argument('--max', type=int, default=150)
    ap.add_argument('--seed', type=int, default=20261206)
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--only', default='')
    ap.add_argument('--tag', default='run', help='label in results.tsv')
    ap.add_argument('files', nargs='+')
    o = ap.parse_args()
    srcdir, builddir = os.path.abspath(o.srcdir), os.path.abspath(o.builddir)
    files = AUDITED if o.files == ['all'] else o.files
    only = set(x for x in o.only.split(',') if x)
    mdir = os.path.join(builddir, 'mutation')
    os.makedirs(mdir, exist_ok=True)

    for f in os.listdir(mdir):               # a run killed with -9
        if f.endswith('.orig'):
            rel = f[:-5].replace('__', '/')
            print('restoring %s from a killed run' % rel, file=sys.stderr)
            shutil.copy2(os.path.join(mdir, f), os.path.join(srcdir, rel))
            os.unlink(os.path.join(mdir, f))

    def on_signal(signum, frame):
        raise KeyboardInterrupt('signal %d' % signum)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    res = open(os.path.join(mdir, 'results.tsv'), 'a')
    surv = open(os.path.join(mdir, 'survivors.txt'), 'a')
    table = []
    for rel in files:
        path = os.path.join(srcdir, rel)
        with open(path) as f:
            text = f.read()
        muts = gen_mutants(rel, text)
        total = len(muts)
        if only:
            muts = [m for m in muts if m['id'] in only]
        elif len(muts) > o.max:
            rng = random.Random('%d:%s' % (o.seed, rel))
            muts = sorted(rng.sample(muts, o.max),
                          key=lambda m: (m['line'], m['col']))
        if o.list:
            for m in muts:
                print('%s\t%s' % (m['id'], m['desc']))
            continue
        if not muts:
            continue
        bins = unit_binaries(builddir, rel)
        if not bins:
            print('%s: no unit test binary links it' % rel, file=sys.stderr)
            continue
        ok, err = build(builddir, bins)
        if not ok or run_tests(srcdir, builddir, bins):
            sys.exit('%s: the unmutated build or tests fail: %s' % (rel, err))
        lines = text.split('\n')
        r = Restorer(path, os.path.join(mdir, rel.replace('/', '__') +
                                        '.orig'))
        cnt = {'killed': 0, 'survived': 0, 'build-failed': 0}
        t0 = time.time()
        try:
            for m in muts:
                nl = list(lines)
                nl[m['line'] - 1] = m['new']
                r.put('\n'.join(nl))
                ok, err = build(builddir, bins)
                if not ok:
                    st, why = 'build-failed', err
                else:
                    k = run_tests(srcdir, builddir, bins)
                    st, why = ('killed', k) if k else ('survived', '')
                cnt[st] += 1
                res.write('\t'.join([o.tag, m['id'], st, m['desc'],
                                     why]) + '\n')
                res.flush()
                if st == 'survived':
                    surv.write('%s\t%s\n  - %s\n  + %s\n' % (
                        m['id'], m['desc'], m['old'].strip(),
                        m['new'].strip()))
                    surv.flush()
                print('%-40s %-12s %s' % (m['id'], st, m['desc']),
                      flush=True)
        finally:
            r.restore()
            build(builddir, bins)
        k, s = cnt['killed'], cnt['survived']
        table.append((rel, total, len(muts), k, s, cnt['build-failed'],
                      '%.0f%%' % (100.0 * k / (k + s)) if k + s else '-',
                      '%.0fs' % (time.time() - t0)))
    if table:
        print('\n| file | generated | run | killed | survived | '
              'build-failed | score | time |')
        print('|---|---|---|---|---|---|---|---|')
        for row in table:
            print('| ' + ' | '.join(str(x) for x in row) + ' |')


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt as e:
        sys.exit('interrupted (%s); the target file was restored' % e)
