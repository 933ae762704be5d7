#!/usr/bin/env bash
# Kernel microbenchmarks, Tessera next to oneDNN / OpenBLAS / Eigen in one run (see
# bench/README.md; the figures and tuning notes are in bench/RESULTS.md).
#   scripts/bench-kernels.sh            a short selection
#   scripts/bench-kernels.sh targets    the speed targets (SGEMM 1024^3 / 2048^3 and the
#                                       ResNet-18 convs, 1 and 2 threads), 5 repetitions
#                                       interleaved with the peers, medians; the same cases
#                                       paired, Tessera and each peer alternating call by
#                                       call; and how evenly the CPUs run (probes pinned to
#                                       each in turn)
#   scripts/bench-kernels.sh gemm-plot  SGEMM from 64^3 to 2048^3 on 1 and 2 threads beside the
#                                       peers and the FMA peak, 3 repetitions interleaved, drawn
#                                       into build/bench-gemm.png (bench/plot_gemm.py, gnuplot)
#   scripts/bench-kernels.sh scaling    thread scaling: the paired SGEMM (1024^3, 2048^3) and
#                                       ResNet-18/50 conv benchmarks at 1, 2, 4, ... threads up
#                                       to the CPUs OpenMP sees, pinned, 3 repetitions; speedups over one
#                                       thread in a table, build/bench-scaling.csv and
#                                       build/bench-scaling.png (bench/plot_scaling.py, gnuplot)
#   scripts/bench-kernels.sh FLAGS...   any Google Benchmark flags
# Results: the console (ending with Tessera's speedup over each peer), build/bench-kernels.json,
# and the speedups in build/bench-ratios.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "${JOBS:-2}" --target bench-kernels
plot=
plotter=bench/plot_gemm.py
case "${1:-}" in
  "")
    set -- --benchmark_filter='peak/|ukernel|gemm_f32/.*/n:(256|1024)/|conv_f32/.*/resnet18_all|attention_f32/.*/vit|linear_f32/.*/vit_b16_mlp1|gemv_f32/.*/resnet50_fc' \
      --benchmark_min_time=0.2 ;;
  targets)
    shift
    set -- --benchmark_filter='^(peak/fma_f32/avx512/|gemm_f32/(tessera_avx512|onednn|openblas|eigen)/n:(1024|2048)/threads:[12]/|conv_f32/(tessera|onednn_blocked)/resnet18_all/threads:[12]/|conv_f32/tessera/mobilenetv2_dw3x3_144x56/cpu:|paired/(gemm_f32/n:(1024|2048)|conv_f32/resnet18_all)/threads:[12]/)' \
      --benchmark_min_time=0.3 --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
      --benchmark_report_aggregates_only=true "$@" ;;
  scaling)
    shift
    plot=build/bench-scaling.png
    plotter=bench/plot_scaling.py
    # Threads pinned one per core unless the caller chose: unpinned, a shared VM's scheduler
    # moved them (two threads ran SGEMM 2048^3 at 1.4-1.7x one thread, pinned 1.86-1.9x).
    export OMP_PROC_BIND="${OMP_PROC_BIND:-spread}" OMP_PLACES="${OMP_PLACES:-cores}"
    set -- --benchmark_filter='^paired/(gemm_f32/n:(1024|2048)|conv_f32/(resnet18_all|resnet50_all))/' \
      --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true "$@" ;;
  gemm-plot)
    shift
    plot=build/bench-gemm.png
    set -- --benchmark_filter='^(peak/fma_f32/avx512/|gemm_f32/(tessera_avx512|onednn|openblas|eigen)/)' \
      --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
      --benchmark_report_aggregates_only=true "$@" ;;
esac
./build/bench-kernels --benchmark_out=build/bench-kernels.json --benchmark_out_format=json \
  --ratios_out=build/bench-ratios.csv "$@"
[ -z "$plot" ] || python3 "$plotter" --json build/bench-kernels.json --out "$plot"
