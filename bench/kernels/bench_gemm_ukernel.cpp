// gemm_ukernel_f32/<tile>__<isa>/kc:<kc>: the bare microkernel on L1-resident packed
// panels: the ceiling the blocked GEMM can reach. A port to a new CPU starts here.
#include <benchmark/benchmark.h>


#include "bench/kernels/bench_util.h"
#include "kernels/cpu.h"
#include "kernels/gemm_ukernel.h"
#include "tensor/rng.h"

using namespace tessera;
using namespace tessera::kernels;

namespace {

void ukernel_bench(benchmark::State& state, GemmUkernel uk, int mr, int nr) {
  const int64_t kc = state.range(0);
  Generator g(1);
  alignas(64) static float a[14 * 512], b[32 * 512], c[14 * 32];
  g.fill_normal(a, mr * kc);
  g.fill_normal(b, nr * kc);
  const UkernelEpilogue ep{1.f, 1.f, nullptr, nullptr, FusedActivation::none};
  for (auto _ : state) {
    uk(kc, a, b, nullptr, c, nr, mr, nr, ep, nullptr);  // a packed B panel, as the GEMM driver passes
    benchmark::DoNotOptimize(c);
  }
  bench::set_flops_counters(state, 2.0 * mr * nr * kc, 1);
}

const int registered = [] {
  if (isa_supported(Isa::avx512))
    benchmark::RegisterBenchmark("gemm_ukernel_f32/14x32__avx512", ukernel_bench, gemm_f32_ukernel_14x32__avx512, 14, 32)
        ->ArgName("kc")->Arg(64)->Arg(192)->Arg(512);
  if (isa_supported(Isa::avx2))
    benchmark::RegisterBenchmark("gemm_ukernel_f32/6x16__avx2", ukernel_bench, gemm_f32_ukernel_6x16__avx2, 6, 16)
        ->ArgName("kc")->Arg(64)->Arg(192)->Arg(512);
  return 0;
}();

}  // namespace
