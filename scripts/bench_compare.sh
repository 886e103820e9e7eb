#!/usr/bin/env bash
# Runs every performance comparison of docs/PERFORMANCE.md in one go and writes the table:
#   <out>/results.md    the markdown table (docs/PERFORMANCE.md quotes it)
#   <out>/results.json  every number, with the machine, the load average and the BLAS each side used
#   <out>/cost_growth.svg  time against N, d (sampler) and m (GD step), with fitted exponents
#   <out>/raw/          each program's own output
#
#   scripts/bench_compare.sh [out-dir]          (default: bench/results)
#   BENCH_SKIP_DEFAULT_RUN=1 scripts/bench_compare.sh   skips the (long) default-size run of the suite
#   BENCH_QUICK=1 scripts/bench_compare.sh              small training size only, no default run (a busy machine)
#
# The peers (PyTorch, numpy, mpmath, on OpenBLAS) are Debian packages installed here if missing, for the
# comparison only: the suite itself needs no Python. Run it on an otherwise idle machine; the load
# average before and after every measurement is recorded next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-bench/results}
mkdir -p "$out/raw"
out=$(cd "$out" && pwd)
PY=/usr/bin/python3   # Debian's interpreter: the peers are Debian packages

# ---- 1. The peers' packages -------------------------------------------------------------------------
peer_packages=(python3-torch python3-numpy python3-mpmath python3-threadpoolctl libopenblas0-pthread
               libopenblas-dev libbenchmark-dev gnuplot-nox)
missing=()
for p in "${peer_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench_compare: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ---- 2. The suite and the benchmark programs, built as users build them (Release, portable) --------
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 --target diffbound diffbound_bench diffbound_gemm_eigen diffbound_gemm_eigen_native \
      diffbound_gemm_openblas

# ---- 3. Measurements, one at a time; the load average before and after each ------------------------
measure() {  # measure NAME command...   → raw/NAME.out, raw/NAME.load
  local name=$1; shift
  echo "bench_compare: $name" >&2
  cut -d' ' -f1-3 /proc/loadavg > "$out/raw/$name.load"
  "$@" > "$out/raw/$name.out"
  cut -d' ' -f1-3 /proc/loadavg >> "$out/raw/$name.load"
}
wall() {  # wall NAME command...   → raw/NAME.out holds {"seconds": …, "status": …}
  local name=$1; shift
  echo "bench_compare: $name" >&2
  cut -d' ' -f1-3 /proc/loadavg > "$out/raw/$name.load"
  local t0 t1 status=0
  t0=$(date +%s%N)
  "$@" > "$out/raw/$name.log" 2>&1 || status=$?
  t1=$(date +%s%N)
  cut -d' ' -f1-3 /proc/loadavg >> "$out/raw/$name.load"
  # the checks' own wall time (the runner's summary line), without writing the PDF report
  local checks
  checks=$(sed -n 's/^wall time \([0-9.]*\) s.*/\1/p' "$out/raw/$name.log" | tail -1)
  echo "{\"seconds\": $(( (t1 - t0) / 1000000 )).0e-3, \"checks_seconds\": ${checks:-null}, \"status\": $status}" \
    > "$out/raw/$name.out"
}

lscpu > "$out/raw/lscpu.txt"
measure info_ours build/diffbound_bench --info
measure info_peers $PY bench/peers.py info

# Equivalence of the PyTorch step with ours, on our weights (small size)
build/diffbound_bench --export-step "$out/raw/step_small_weights.json"
measure step_equivalence $PY bench/peers.py torch-check --weights "$out/raw/step_small_weights.json"
rm -f "$out/raw/step_small_weights.json"

# GEMM peak (square n = 3000) per backend, 1 and 2 threads
for k in openblas eigen eigen_native; do measure "gemm_$k" "build/diffbound_gemm_$k" 3000 1 2; done

# GD step, ours then PyTorch, per size and thread count
sizes="small large"; step_filter='GdStep'
if [ -n "${BENCH_QUICK:-}" ]; then sizes=small; step_filter='GdStep/small'; BENCH_SKIP_DEFAULT_RUN=1; fi
measure ours_step build/diffbound_bench --benchmark_filter="$step_filter" --benchmark_format=json
for size in $sizes; do
  for t in 1 2; do measure "torch_step_${size}_$t" $PY bench/peers.py torch-step --size $size --threads $t; done
done

# Exact Gaussian sampler: ours (double, MPFR 128/256, MPFI 128) and the peers at the same N, d
measure ours_sampler build/diffbound_bench --benchmark_filter='Sampler' --benchmark_format=json
measure numpy_sampler $PY bench/peers.py numpy-sampler --N 1024 --d 256
measure numpy_sampler_wide $PY bench/peers.py numpy-sampler --N 1024 --d 16384
for b in 128 256; do measure "mpmath_sampler_$b" $PY bench/peers.py mpmath-sampler --N 1024 --d 16 --bits $b; done

# Cost growth (fits with numerics/fit.hpp)
measure growth build/diffbound_bench --growth "$out/raw/growth.json"

# The suite's runs: smoke on 1 and 2 threads (speed-up), and the default size on every core
wall run_smoke_1 build/diffbound run --size smoke --threads 1 --no-progress --no-report --out "$out/raw/run_smoke_1"
wall run_smoke_2 build/diffbound run --size smoke --threads 2 --no-progress --no-report --out "$out/raw/run_smoke_2"
# A sweep of many similar cases (the speed-up of the runner itself; the smoke run's wall time is bounded below
# by its longest case)
sweep_checks=(sampling.girsanov sampling.bound sampling.schedules)
wall run_sweep_1 build/diffbound run "${sweep_checks[@]}" --threads 1 --no-progress --no-report --out "$out/raw/run_sweep_1"
wall run_sweep_2 build/diffbound run "${sweep_checks[@]}" --threads 2 --no-progress --no-report --out "$out/raw/run_sweep_2"
if [ -z "${BENCH_SKIP_DEFAULT_RUN:-}" ]; then
  wall run_default build/diffbound run --threads 0 --no-progress --no-report --out "$out/raw/run_default"
fi

# ---- 4. The table, the JSON and the plot --------------------------------------------------------
$PY bench/report.py "$out"
if command -v gnuplot >/dev/null; then gnuplot "$out/cost_growth.gp"; fi
echo "bench_compare: wrote $out/results.md, $out/results.json, $out/cost_growth.svg"
