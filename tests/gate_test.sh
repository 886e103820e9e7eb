#!/bin/sh
# The regression gate (docs/ci.md).
#   gate_test.sh DIFFBOUND                 green on a pure refactor (two runs of the same code), red on a form
#                                          mutant that weakens sampling.girsanov's bound (drops its score term)
#   gate_test.sh DIFFBOUND baseline DIR    the recipe of docs/ci.md: a smoke run against the committed baseline
#                                          DIR (expected/baseline/smoke) must be green
set -u
exe="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

if [ "${2:-}" = baseline ]; then
  base="$3"
  [ -f "$base/results.jsonl" ] || fail "no baseline at $base/results.jsonl"
  "$exe" run --size smoke --out "$dir/gate" --no-report --no-progress --baseline "$base" >"$dir/gate.log" 2>&1
  s=$?
  cat "$dir/gate.log"
  [ $s -eq 0 ] || fail "the gate is red against $base (exit $s: 1 new finding, 3 a case failed, 5 regressed).
If the change is intended, re-bless the baseline (docs/ci.md, 'Re-blessing the baseline')."
  grep -q "findings accepted, 0 new" "$dir/gate.log" || fail "the summary line does not give the findings counts"
  grep -q "^result: no regression" "$dir/gate.log" || fail "the diff against the baseline does not say 'no regression'"
  [ -f "$dir/gate/diff.json" ] || fail "run --baseline wrote no diff.json"
  echo "gate: green against the committed baseline $base"
  exit 0
fi

"$exe" run sampling.girsanov --shard 1/4 --out "$dir/a" --no-report --no-progress >"$dir/a.log" 2>&1 || fail "run a: $(cat "$dir/a.log")"
"$exe" run sampling.girsanov --shard 1/4 --out "$dir/b" --no-report --no-progress >"$dir/b.log" 2>&1 || fail "run b"
"$exe" diff "$dir/a" "$dir/b" >"$dir/green.log" 2>&1; s=$?
cat "$dir/green.log"
[ $s -eq 0 ] || fail "diff of two runs of the same code exited $s"
grep -q "identical" "$dir/green.log" || fail "the diff of two identical runs does not say so"

DIFFBOUND_MUTANT=sampling.girsanov/drop_score "$exe" run sampling.girsanov --shard 1/4 --out "$dir/m" --baseline "$dir/a" \
  --no-report --no-progress >"$dir/red.log" 2>&1; s=$?
cat "$dir/red.log"
[ $s -ne 0 ] || fail "the mutated run passed the gate"
grep -q "MUTANT sampling.girsanov/drop_score" "$dir/red.log" || fail "the summary does not name the mutant"
[ -f "$dir/m/diff.json" ] || fail "run --baseline wrote no diff.json"
"$exe" diff "$dir/a" "$dir/m" >"$dir/red2.log" 2>&1; s=$?
[ $s -eq 1 ] || fail "diffbound diff of the mutant exited $s, not 1"
grep -q "verdict-worse *sampling.girsanov" "$dir/red2.log" || fail "the diff names no regressed girsanov case"
echo "gate: green on a pure refactor, red on the drop_score mutant"
