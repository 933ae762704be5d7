// peak/fma_f32/<isa>: the measured fp32 FMA throughput of one core (and of all
// threads), the yardstick the other kernel benchmarks report "% of peak" against; and
// /cpu:N, one thread pinned to each CPU in turn, whose spread says how evenly the CPUs
// run (see "Per-CPU speed" in bench/README.md).
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

static void peak_fma_on_cpu(benchmark::State& state, Isa isa) {
  const bench::PinToCpu pin(static_cast<int>(state.range(0)));
  int64_t flops = 0;
  for (auto _ : state) flops += kernels::fma_peak_loop(isa, 1 << 20);
  bench::set_flops_counters(state, flops / state.iterations(), 1);
}

static const int registered = [] {
  for (Isa isa : supported_isas()) {
    if (isa == Isa::avx512vnni) continue;  // same fp32 path as avx512
    const std::string name = std::string("peak/fma_f32/") + isa_name(isa);
    auto* b = benchmark::RegisterBenchmark(name.c_str(), peak_fma, isa);
    b->ArgName("threads")->UseRealTime()->MinTime(0.2);
    for (int t : bench::thread_counts()) b->Arg(t);
    const std::vector<int> cpus = bench::allowed_cpus();
    if (cpus.size() < 2 || isa != bench::widest_fp32_isa()) continue;  // per CPU: the widest path only
    auto* c = benchmark::RegisterBenchmark(name.c_str(), peak_fma_on_cpu, isa);
    c->ArgName("cpu")->UseRealTime()->MinTime(0.2);
    for (int cpu : cpus) c->Arg(cpu);
  }
  return 0;
}();
