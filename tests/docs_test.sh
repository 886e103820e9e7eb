#!/usr/bin/env bash
# The documentation against the program: run by ctest as `docs_cover_every_check`.
#   * README.md starts with the two commands (set up + main job, set up + tests), exactly;
#   * every check registered in the program (`diffbound list --json`, so checks added later are covered
#     without editing this file) has a section in docs/checks/*.md: a heading that names its id in
#     backticks, e.g. "## `sampling.init`";
#   * every page of docs/checks/ is linked from docs/README.md, and the README points into docs/.
# Usage: docs_test.sh SOURCE_DIR DIFFBOUND_EXE
set -euo pipefail
src=$1
exe=$2
fail=0

# 1. The two commands, in the first code block of the README, before any section.
first_block=$(awk '/^```/ {n++; next} n == 1 {print} n >= 2 {exit}' "$src/README.md")
for cmd in 'scripts/setup.sh && build/diffbound run --out out' \
           'scripts/setup.sh --tests && ctest --test-dir build --output-on-failure -j 2'; do
  if ! grep -qxF "$cmd" <<<"$first_block"; then
    echo "README.md: the first code block lacks the command: $cmd"
    fail=1
  fi
done
first_section=$(grep -n '^## ' "$src/README.md" | head -1 | cut -d: -f1)
first_fence=$(grep -n '^```' "$src/README.md" | head -1 | cut -d: -f1)
if [ -z "$first_fence" ] || { [ -n "$first_section" ] && [ "$first_fence" -gt "$first_section" ]; }; then
  echo "README.md: the two commands must come before the first section"
  fail=1
fi

# 2. A section per registered check.
ids=$("$exe" list --json | grep -oE '^    "id": "[^"]+"' | sed -E 's/.*"([^"]+)"$/\1/')
if [ -z "$ids" ]; then
  echo "diffbound list --json gave no check ids"
  exit 1
fi
shopt -s nullglob
pages=("$src"/docs/checks/*.md)
if [ "${#pages[@]}" -eq 0 ]; then
  echo "docs/checks/ has no pages"
  exit 1
fi
n=0
for id in $ids; do
  n=$((n + 1))
  pattern="^#+ .*\`${id//./\\.}\`"
  if ! grep -qE "$pattern" "${pages[@]}"; then
    echo "check $id has no section in docs/checks/*.md (a heading naming \`$id\`)"
    fail=1
  fi
done

# 3. The index links every page; the README points into docs/.
for page in "${pages[@]}"; do
  name=checks/$(basename "$page")
  if ! grep -qF "($name)" "$src/docs/README.md"; then
    echo "docs/README.md does not link $name"
    fail=1
  fi
done
for target in docs/README.md docs/guide.md docs/MISSING_TEXT.md; do
  test -f "$src/$target" || { echo "$target is missing"; fail=1; }
  grep -qF "($target" "$src/README.md" || { echo "README.md does not link $target"; fail=1; }
done

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "docs test: OK ($n checks, ${#pages[@]} pages)"
