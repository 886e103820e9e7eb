#!/usr/bin/env bash
# The build's cost in one run (docs/PERFORMANCE.md, section Build): a clean build of every default target
# into a fresh folder, its CPU time (user + system of the compiler processes) and wall time, the ten
# slowest compile steps, and the CPU time of the reference file bench/build_reference.cpp compiled in
# the same run, so that the ratio does not depend on the machine.
#
#   scripts/build_profile.sh [BUILD_DIR] [-- extra cmake options]
#
# BUILD_DIR defaults to build-profile (deleted first). Needs what scripts/setup.sh installs. No ccache.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-build-profile}
shift || true
[ "${1:-}" = "--" ] && shift
jobs=$(nproc 2>/dev/null || echo 2)

cpu_of() {  # user+sys seconds of a command and its children, from GNU time's output file
  awk '{print $1 + $2}' "$1"
}

# The reference file: g++ -std=c++20 -O3 -DNDEBUG -I/usr/include/eigen3, as issue 18 states it.
ref_time=$(mktemp)
/usr/bin/time -f "%U %S %e" -o "$ref_time" \
  g++ -std=c++20 -O3 -DNDEBUG -I/usr/include/eigen3 -c bench/build_reference.cpp -o /dev/null
ref_cpu=$(cpu_of "$ref_time")

rm -rf "$dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER= "$@" >/dev/null
build_time=$(mktemp)
/usr/bin/time -f "%U %S %e" -o "$build_time" cmake --build "$dir" -j "$jobs" >/dev/null
build_cpu=$(cpu_of "$build_time")
build_wall=$(awk '{print $3}' "$build_time")

# The same reference again after the build: the two must agree for the ratio to mean something.
/usr/bin/time -f "%U %S %e" -o "$ref_time" \
  g++ -std=c++20 -O3 -DNDEBUG -I/usr/include/eigen3 -c bench/build_reference.cpp -o /dev/null
ref_cpu_after=$(cpu_of "$ref_time")

echo "| quantity | value |"
echo "|---|---|"
printf "| reference file CPU (before, after the build) | %.1f s, %.1f s |\n" "$ref_cpu" "$ref_cpu_after"
printf "| full build CPU (user + sys, %s jobs) | %.0f s |\n" "$jobs" "$build_cpu"
printf "| full build wall | %.0f s |\n" "$build_wall"
awk -v b="$build_cpu" -v r1="$ref_cpu" -v r2="$ref_cpu_after" \
  'BEGIN { r = (r1 + r2) / 2; printf "| build CPU / reference CPU | %.1f |\n", b / r }'
echo
echo "Ten slowest steps (wall seconds of each compile; with $jobs jobs on $jobs cores each is close to its CPU):"
echo
echo "| seconds | step |"
echo "|---|---|"
awk 'NR > 1 { printf "%.1f %s\n", ($2 - $1) / 1000, $4 }' "$dir/.ninja_log" | sort -rn | head -10 |
  awk '{ printf "| %s | %s |\n", $1, $2 }'
rm -f "$ref_time" "$build_time"
