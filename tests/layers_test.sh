#!/usr/bin/env bash
# The layers of DESIGN.md, enforced: every #include of a project header must point down the arrows
#   theory <- numerics <- checks <- app,  theory <- results <- checks,  results <- reports <- app
# (a folder may include its own headers and those of the layers below it, nothing above or beside).
# results/ and reports/ may use only the light theory headers (scalar kinds, verdicts, provenance by
# name: no Boost.Multiprecision, no Eigen), so that the schema and the report never compute.
# Usage: layers_test.sh SOURCE_DIR
set -u
src=${1:?usage: layers_test.sh SOURCE_DIR}
cd "$src" || exit 2
light_theory='theory/(scalar_kind|verdict|provenance)\.hpp'
declare -A allowed=(
  [theory]='^theory/'
  [numerics]='^(theory|numerics)/'
  [results]="^(results/|$light_theory)"
  [checks]='^(theory|numerics|results|checks)/'
  [reports]="^(results/|reports/|$light_theory)"
  [app]='^(theory|numerics|results|checks|reports|app)/'
)
bad=0
for layer in theory numerics results checks reports app; do
  while IFS= read -r hit; do
    file=${hit%%:*}
    rest=${hit#*:}
    line=${rest%%:*}
    directive=${rest#*:}
    inc=$(sed -E -n 's@.*#include[[:space:]]*[<"](diffbound/)?([^>"]+)[>"].*@\2@p' <<<"$directive")
    if [[ $directive == *'#include'*'<diffbound/'* ]]; then
      target=$inc
    else  # a quoted include is relative to the including file's folder
      target=$(realpath -m --relative-to=. "$(dirname "$file")/$inc")
    fi
    if ! [[ $target =~ ${allowed[$layer]} ]]; then
      echo "$file:$line: $layer/ must not include $target (against the layers of DESIGN.md)"
      bad=1
    fi
  done < <(grep -rn -E '^[[:space:]]*#include[[:space:]]*("|<diffbound/)' "$layer" --include='*.hpp' --include='*.cpp')
done
# The application is not a library: nothing but app/ and the tests includes its headers.
while IFS= read -r hit; do echo "$hit: only app/ and tests/ may include app/ headers"; bad=1; done < <(
  grep -rn -E '#include[[:space:]]*<diffbound/app/' theory numerics results checks reports python bench examples \
    --include='*.hpp' --include='*.cpp')
if [ "$bad" = 0 ]; then echo "layers: every include points down the arrows"; fi
exit $bad
