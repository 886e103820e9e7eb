#!/usr/bin/env bash
# Sets everything up on Debian bookworm: installs the Debian packages that are missing (apt-get update
# first), configures and builds into ./build. Safe to run again; does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

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
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
