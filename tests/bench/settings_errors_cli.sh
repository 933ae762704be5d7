#!/bin/sh
# A bad TESSERA_ISA, TESSERA_NUM_THREADS or TESSERA_HUGE_PAGES is a one-line error naming
# the variable, with a non-zero exit, from both binaries and whatever the command (not a
# crash when first read inside a benchmark or a kernel's thread).
#   settings_errors_cli.sh TESSERA BENCH_KERNELS
set -eu
tessera=$1 bench=$2
expect_error() {  # expect_error SETTING COMMAND...
  setting=$1
  shift
  if env "$setting" "$@" >/dev/null 2>err.txt; then echo "accepted $setting: $*"; exit 1; fi
  grep -qF -- "$setting" err.txt || { echo "$setting not named by $1: $(cat err.txt)"; exit 1; }
  [ "$(wc -l < err.txt)" -eq 1 ] || { echo "$1 with $setting, more than one line: $(cat err.txt)"; exit 1; }
}
for setting in TESSERA_ISA=sse9 TESSERA_NUM_THREADS=x TESSERA_HUGE_PAGES=yes; do
  expect_error "$setting" "$tessera" models
  expect_error "$setting" "$bench" --benchmark_filter='^gemm_f32/tessera_avx2/n:64/threads:1/' --benchmark_min_time=0.01
done
echo ok
