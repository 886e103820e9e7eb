#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs the two example projects against the
# installed tree only: examples/external_project (find_package + headers) and examples/add_a_theorem (a
# user's own check in one file, run by a diffbound program of their own).
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d /tmp/diffbound-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/diffbound"
test -f "$prefix/include/diffbound/theory/schedules.hpp"
test -f "$prefix/lib/cmake/diffbound/diffboundConfig.cmake"
"$prefix/bin/diffbound" list > "$work/list.txt"
grep -q sampling.girsanov "$work/list.txt"

# 1. an external project: find_package(diffbound) and the header-only libraries
cmake -S "$src/examples/external_project" -B "$work/ext" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/ext" -j 2 >/dev/null
"$work/ext/compare_schedules" > "$work/compare.txt"
cat "$work/compare.txt"
grep -q "edm(rho=7)" "$work/compare.txt"
grep -q "VERIFIED" "$work/compare.txt"

# 2. a theorem of one's own, in one file, run next to the built-in checks
cmake -S "$src/examples/add_a_theorem" -B "$work/mine" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/mine" -j 2 >/dev/null
"$work/mine/my-diffbound" list > "$work/mylist.txt"
grep -q "example.mean_error" "$work/mylist.txt"
grep -q "sampling.girsanov" "$work/mylist.txt"
"$work/mine/my-diffbound" bound example.mean_error --set score.b=0.01 > "$work/mybound.txt"
grep -q "bound" "$work/mybound.txt"
"$work/mine/my-diffbound" run example.mean_error --size smoke --no-progress --out "$work/results"
grep -q '"check":"example.mean_error"' "$work/results/results.jsonl"
if grep -q '"verdict":"VIOLATED"' "$work/results/results.jsonl"; then echo "a case is VIOLATED"; exit 1; fi
# ... and it has its section, with its figure, in the report
pdftotext "$work/results/report.pdf" "$work/report.txt"
grep -q "example.mean_error" "$work/report.txt"
grep -q "Mean error of the sampler and its bound" "$work/report.txt"
test -f "$work/results/example.mean_error--mean_error_vs_N.csv"
echo "install test: OK"
