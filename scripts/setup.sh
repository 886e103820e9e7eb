#!/usr/bin/env bash
# Sets everything up on Debian bookworm: installs the Debian packages that are missing (apt-get update
# first), configures and builds into ./build. Safe to run again; does nothing that is already done.
#
#   scripts/setup.sh            the program: what `build/diffbound run` and its PDF report need
#   scripts/setup.sh --tests    everything ctest runs (the program, the test driver, the Python module),
#                               built as the maintainers' `dev` build: warnings are errors
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) tests=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup: unknown option '$arg' (see scripts/setup.sh --help)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake git pkg-config
  libboost-dev libboost-iostreams-dev libboost-system-dev libboost-filesystem-dev
  libeigen3-dev libmpfr-dev libmpfi-dev libgmp-dev
  libopenblas-dev
  libtomlplusplus-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev catch2
  gnuplot-nox libgnuplot-iostream-dev
  texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern
  poppler-utils
  python3-dev pybind11-dev python3-numpy python3-mpmath
  libbenchmark-dev
  ninja-build
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${#missing[@]} missing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
      echo "setup: not root and no sudo; install these packages first: ${missing[*]}" >&2
      exit 1
    fi
  fi
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
if [ -f build/CMakeCache.txt ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' build/CMakeCache.txt; then
  echo "setup: build/ was configured with another generator; configuring it afresh with Ninja"
  rm -rf build
fi
if [ "$tests" -eq 1 ]; then
  # Everything: the default targets of the build (the program, the tests, the Python module).
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDIFFBOUND_STRICT_WARNINGS=ON
  cmake --build build -j "$jobs"
else
  # The program only (the report is part of it). A build dir configured by --tests keeps its settings.
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build build -j "$jobs" --target diffbound
fi
