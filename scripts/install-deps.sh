#!/usr/bin/env bash
# Installs every system package Tessera needs to build, test and benchmark.
# Idempotent; Debian 12 packages only. Run as root (or with sudo available).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  # build
  cmake ninja-build g++ make pkg-config
  # libraries the engine and its tools are built on
  # (oneDNN's CMake package asks for the OpenCL headers: it is built with its GPU runtime)
  libeigen3-dev libdnnl-dev ocl-icd-opencl-dev opencl-c-headers libstb-dev libjpeg62-turbo-dev zlib1g-dev nlohmann-json3-dev libbenchmark-dev doctest-dev libomp-dev
  # OpenBLAS, OpenMP variant: the peer in kernel benchmarks and PyTorch's BLAS.
  # (Not the pthread variant: its threads fight OpenMP's on 2 cores.)
  libopenblas-openmp-dev libopenblas0-openmp
  # the test-time oracle
  python3 python3-numpy python3-torch python3-torchvision
  # plots
  gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# If the pthread OpenBLAS is present it may win the BLAS alternatives: point them at OpenMP's.
for alt in libopenblas.so.0-x86_64-linux-gnu libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu \
           libopenblas.so-x86_64-linux-gnu libblas.so-x86_64-linux-gnu liblapack.so-x86_64-linux-gnu; do
  target=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-openmp | head -n1 || true)
  if [ -n "$target" ]; then $SUDO update-alternatives --quiet --set "$alt" "$target"; fi
done
echo "install-deps: all packages present"
