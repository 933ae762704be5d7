#!/usr/bin/env bash
# Kernel microbenchmarks, Tessera next to oneDNN / OpenBLAS / Eigen in one run (see
# bench/README.md). Default: a short selection; pass Google Benchmark flags for others.
# Results: the console, build/bench-kernels.json, and Tessera's speedups over each peer
# in build/bench-ratios.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${JOBS:-2}" --target bench-kernels
filter='peak/|ukernel|gemm_f32/.*/n:(256|1024)/|conv_f32/.*/resnet18_all|attention_f32/.*/vit'
if [ $# -eq 0 ]; then set -- --benchmark_filter="$filter" --benchmark_min_time=0.2; fi
./build/bench-kernels --benchmark_out=build/bench-kernels.json --benchmark_out_format=json \
  --ratios_out=build/bench-ratios.csv "$@"
