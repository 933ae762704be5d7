// peak/fma_f32/<isa>: the measured fp32 FMA throughput of one core (and of all
// threads), the yardstick the other kernel benchmarks report "% of peak" against.
#include <benchmark/benchmark.h>

#include "bench/kernels/bench_util.h"
#include "kernels/fma_peak.h"

using namespace tessera;

static void peak_fma(benchmark::State& state, Isa isa) {
  const int threads = static_cast<int>(state.range(0));
  int64_t flops = 0;
  for (auto _ : state) {
#pragma omp parallel for num_threads(threads) reduction(+ : flops)
    for (int t = 0; t < threads; ++t) flops += kernels::fma_peak_loop(isa, 1 << 20);
  }
  bench::set_flops_counters(state, flops / state.iterations(), threads);
}

static const int registered = [] {
  for (Isa isa : supported_isas()) {
    if (isa == Isa::avx512vnni) continue;  // same fp32 path as avx512
    auto* b = benchmark::RegisterBenchmark((std::string("peak/fma_f32/") + isa_name(isa)).c_str(), peak_fma, isa);
    b->ArgName("threads")->UseRealTime()->MinTime(0.2);
    for (int t : bench::thread_counts()) b->Arg(t);
  }
  return 0;
}();
