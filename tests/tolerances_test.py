#!/usr/bin/env python3
"""Forbid bare tolerance literals in tests/*.cpp (issue 14, item 4).

A tolerance is a floating literal used as
  * the argument of Approx(...).epsilon(...), .margin(...), .scale(...);
  * the last argument of the Catch matchers WithinRel / WithinAbs / WithinULP;
  * a side of a <, <=, >, >= comparison inside REQUIRE / CHECK (also _FALSE, _THAT), or a factor
    `lit * abs(...)` there.
Assertions spanning several lines are joined; comments and string literals are ignored. A literal that is
a test input rather than a tolerance may stay if its line carries `// not-a-tolerance: <reason>`.

Usage: tolerances_test.py <source dir>          scan <source dir>/tests/*.cpp, exit 1 on any finding
       tolerances_test.py --self-test <fixture>  exit 0 only if the fixture's planted literals are found
"""
import glob
import os
import re
import sys

LIT = r'(?<![\w.])(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)[fFlL]?(?![\w.])'
LIT_RE = re.compile(LIT)
ASSERT_RE = re.compile(r'\b(?:REQUIRE|CHECK)(?:_FALSE|_THAT)?\s*\(')
TOLFN_RE = re.compile(r'\.(?:epsilon|margin|scale)\s*\(|\bWithin(?:Rel|Abs|ULP)\s*\(')
CMP_RE = re.compile(r'(?:[<>]=?)\s*[-+]?(' + LIT + r')|(' + LIT + r')\s*(?:[<>]=?)(?![<>])')
MUL_RE = re.compile(r'(' + LIT + r')\s*\*\s*(?:std::)?(?:abs|fabs|max)\b')
ALLOW = 'not-a-tolerance:'


def blank(text):
    """Replace comments and string/char literals by spaces, keeping newlines (and so line numbers)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2); j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif c == 'R' and text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(')' + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif c in '"\'' and not (c == "'" and i > 0 and text[i - 1].isalnum()):  # 1'000 digit separators
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(re.sub(r'[^\n]', ' ', text[i:j + 1])); i = j + 1
        else:
            out.append(c); i += 1
    return ''.join(out)


def balanced(text, open_pos):
    """End index (exclusive) of the parenthesised group opening at text[open_pos] == '('."""
    depth = 0
    for j in range(open_pos, len(text)):
        if text[j] == '(':
            depth += 1
        elif text[j] == ')':
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


def top_level_args(s):
    """Split the inside of a call at its top-level commas."""
    args, depth, cur = [], 0, ''
    for ch in s:
        if ch in '([{':
            depth += 1
        elif ch in ')]}':
            depth -= 1
        if ch == ',' and depth == 0:
            args.append(cur); cur = ''
        else:
            cur += ch
    args.append(cur)
    return args


def scan(path):
    raw = open(path, encoding='utf-8').read()
    text = blank(raw)
    lines = raw.split('\n')
    hits = {}

    def add(pos, what):
        ln = text.count('\n', 0, pos) + 1
        if ALLOW in lines[ln - 1]:
            return
        hits.setdefault(ln, what)

    for m in TOLFN_RE.finditer(text):
        start = m.end() - 1
        inner = text[start + 1:balanced(text, start) - 1]
        arg = inner if m.group(0).startswith('.') else top_level_args(inner)[-1]
        off = start + 1 + (0 if m.group(0).startswith('.') else len(inner) - len(arg))
        for lm in LIT_RE.finditer(arg):
            add(off + lm.start(), m.group(0).strip('(').strip())
    for m in ASSERT_RE.finditer(text):
        start = m.end() - 1
        body = text[start:balanced(text, start)]
        for rx in (CMP_RE, MUL_RE):
            for cm in rx.finditer(body):
                g = next(k for k in range(1, (rx.groups or 0) + 1) if cm.group(k))
                add(start + cm.start(g), 'comparison')
    return [(ln, hits[ln], lines[ln - 1].strip()) for ln in sorted(hits)]


def report(findings):
    for f, ln, what, src in findings:
        print(f'{f}:{ln}: bare tolerance literal ({what}): {src[:150]}')
    if findings:
        print(f'\n{len(findings)} bare tolerance literal(s). Fix: name each one in tests/tolerances.hpp, '
              'a floating-point error budget in units of epsilon in namespace budgets (Budget{eps_units, why}, '
              'turned into an Approx epsilon/margin by the helpers there), or a statistical/physical acceptance '
              'range in namespace acceptance with its reason, and use the name in the assertion. A literal that is '
              'a test input, not a tolerance, may stay with `// ' + ALLOW + ' <reason>` on its line.')


def main(argv):
    if len(argv) == 3 and argv[1] == '--self-test':
        found = scan(argv[2])
        planted = [i + 1 for i, l in enumerate(open(argv[2], encoding='utf-8').read().split('\n')) if '// PLANTED' in l]
        got = [ln for ln, _, _ in found]
        report([(os.path.basename(argv[2]), *x) for x in found])
        ok = got == planted
        print(f'self-test: planted at lines {planted}, reported {got}: {"OK" if ok else "FAIL"}')
        return 0 if ok else 1
    if len(argv) != 2:
        print(__doc__); return 2
    findings = []
    for path in sorted(glob.glob(os.path.join(argv[1], 'tests', '*.cpp'))):
        findings += [(os.path.basename(path), *x) for x in scan(path)]
    report(findings)
    if not findings:
        print('no bare tolerance literals in tests/*.cpp')
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
