#!/bin/sh
# bench-kernels runs its OpenBLAS peer on the kernels of the CPU's widest ISA, says which
# core in its context, and leaves an OPENBLAS_CORETYPE the user set as it is. With threads
# bound (OMP_PROC_BIND), the run that sets the core still has every CPU for its threads.
#   openblas_core_cli.sh BENCH_KERNELS
set -eu
bench=$1
context_of() {  # context_of FIELD ENV-ASSIGNMENTS...: that context line of a tiny run's JSON
  field=$1
  shift
  env -u OPENBLAS_CORETYPE -u TESSERA_OPENBLAS_PICKED "$@" "$bench" --benchmark_filter='^gemm_f32/openblas/n:64/threads:1/' \
    --benchmark_min_time=0.01 --benchmark_format=json 2>/dev/null | grep "\"$field\""
}
core_of() { context_of openblas_core "$@"; }
if grep -qw avx512f /proc/cpuinfo; then wide='SkylakeX|Cooperlake|SapphireRapids'
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then wide='SkylakeX|Cooperlake|SapphireRapids|Haswell|Zen|Excavator'
else wide='[A-Za-z0-9]+'; fi
own=$(core_of)
echo "$own" | grep -Eq "\"openblas_core\": \"($wide)" || { echo "OpenBLAS not on its widest kernels: $own"; exit 1; }
kept=$(core_of OPENBLAS_CORETYPE=Prescott)
echo "$kept" | grep -q '"openblas_core": "Prescott (OPENBLAS_CORETYPE=Prescott)"' || { echo "OPENBLAS_CORETYPE not kept: $kept"; exit 1; }
cpus=$(context_of omp_cpus OMP_PROC_BIND=spread OMP_PLACES=cores)
echo "$cpus" | grep -q "\"omp_cpus\": \"$(nproc)\"" || { echo "bound threads lost CPUs ($(nproc) here): $cpus"; exit 1; }
echo "ok: $own / $kept / $cpus"
