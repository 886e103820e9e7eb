#!/usr/bin/env bash
# Provenance comes from the claim (checks/bounds.hpp): an evaluator makes its terms with BoundTerm::of
# (the claim's tag, weakened by its constants) or BoundTerm::computed, never by aggregate initialisation
# and never with a provenance typed as a string. Fails on a file of checks/ or examples/ that does.
# Usage: provenance_test.sh SOURCE_DIR      the project's sources
#        provenance_test.sh --self-test     shows that the scan finds a planted violation
set -u
# Provenance names of theory/provenance.hpp's to_string, as string literals, and hand-made BoundTerms.
pattern='"(paper|official code|derived|secondary|recalled|unknown: fitted)"|BoundTerm[[:space:]]*\{|BoundTerm\{'
scan() {  # scan DIR...: prints the offending lines, exit status 1 when there is one
  local hits
  # checks/bounds.{hpp,cpp} define BoundTerm and its factories: the one place that may.
  hits=$(grep -rnE --include='*.cpp' --include='*.hpp' --exclude='bounds.hpp' --exclude='bounds.cpp' "$pattern" "$@" |
    grep -v 'not-a-provenance:')
  if [ -n "$hits" ]; then
    printf '%s\n' "$hits"
    return 1
  fi
  return 0
}
if [ "${1:-}" = "--self-test" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  printf 'auto t = BoundTerm{"x", q, "derived", "[D]", "d"};\n' >"$tmp/planted.cpp"
  if scan "$tmp" >/dev/null; then echo "self-test: the planted hand-made term was not found"; exit 1; fi
  printf 'return {"x", q, "unknown: fitted", "[UNKNOWN]", "d"};\n' >"$tmp/planted.cpp"
  if scan "$tmp" >/dev/null; then echo "self-test: the planted provenance literal was not found"; exit 1; fi
  printf 'auto t = BoundTerm::of(c, "x", q, "d");\n' >"$tmp/planted.cpp"
  if ! scan "$tmp" >/dev/null; then echo "self-test: a correct term was refused"; exit 1; fi
  echo "self-test: ok"
  exit 0
fi
src=${1:?usage: provenance_test.sh SOURCE_DIR | --self-test}
cd "$src" || exit 2
if ! scan checks examples; then
  echo "provenance typed beside a claim (above): make terms with BoundTerm::of(claim, ...) or BoundTerm::computed"
  exit 1
fi
echo "no provenance typed in checks/ or examples/"
