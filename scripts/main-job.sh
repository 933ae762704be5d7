#!/usr/bin/env bash
# The main job, on a fresh machine: install packages, build Release, then run the
# kernel microbenchmarks (Tessera vs oneDNN / OpenBLAS / Eigen, same run, same machine)
# on a short default selection. Pass Google Benchmark flags to choose others, e.g.
#   scripts/main-job.sh --benchmark_filter='gemm_f32/.*/n:1024'
# Results: a table on stdout and build/bench-kernels.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${JOBS:-2}" --target tessera bench-kernels
./build/tessera info
filter='peak/|gemm_f32/.*/n:(256|1024)/|conv_f32/.*/resnet18_all|attention_f32/.*/vit'
if [ $# -eq 0 ]; then set -- --benchmark_filter="$filter" --benchmark_min_time=0.2; fi
./build/bench-kernels --benchmark_out=build/bench-kernels.json --benchmark_out_format=json "$@"
