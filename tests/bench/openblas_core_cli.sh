#!/bin/sh
# bench-kernels runs its OpenBLAS peer on the kernels of the CPU's widest ISA, says which
# core in its context, and leaves an OPENBLAS_CORETYPE the user set as it is.
#   openblas_core_cli.sh BENCH_KERNELS
set -eu
bench=$1
core_of() {  # core_of ENV-ASSIGNMENTS...: the openblas_core line of a tiny run's JSON
  env -u OPENBLAS_CORETYPE -u TESSERA_OPENBLAS_PICKED "$@" "$bench" --benchmark_filter='^gemm_f32/openblas/n:64/threads:1/' \
    --benchmark_min_time=0.01 --benchmark_format=json 2>/dev/null | grep '"openblas_core"'
}
if grep -qw avx512f /proc/cpuinfo; then wide='SkylakeX|Cooperlake|SapphireRapids'
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then wide='SkylakeX|Cooperlake|SapphireRapids|Haswell|Zen|Excavator'
else wide='[A-Za-z0-9]+'; fi
own=$(core_of)
echo "$own" | grep -Eq "\"openblas_core\": \"($wide)" || { echo "OpenBLAS not on its widest kernels: $own"; exit 1; }
kept=$(core_of OPENBLAS_CORETYPE=Prescott)
echo "$kept" | grep -q '"openblas_core": "Prescott (OPENBLAS_CORETYPE=Prescott)"' || { echo "OPENBLAS_CORETYPE not kept: $kept"; exit 1; }
echo "ok: $own / $kept"
