// Shared registration of the memory-bound op benchmarks (activations, BN, softmax, ...):
// "<op>_f32/tessera_<isa>/<shape>", one thread, bytes read + written per call as the
// bytes_per_second counter (these ops are bound by bandwidth, not FLOPs).
#pragma once
#include <benchmark/benchmark.h>

#include <functional>
#include <string>
#include <vector>

#include "kernels/cpu.h"
#include "kernels/parallel.h"
#include "tensor/rng.h"

namespace tessera::bench {

// setup() allocates the buffers (inside the benchmark, so idle ones cost nothing) and returns
// the call to time. `paths`: the ISA paths the op has its own kernel for (others fall back).
inline void register_op(const std::string& op, const std::string& shape, double bytes_per_call,
                        std::vector<Isa> paths, std::function<std::function<void()>()> setup) {
  for (Isa isa : paths) {
    if (!isa_supported(isa)) continue;
    const std::string name = op + "/tessera_" + isa_name(isa) + "/" + shape;
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
      const Isa before_isa = active_isa();
      const int before_threads = get_num_threads();
      set_active_isa(isa);
      set_num_threads(1);
      const std::function<void()> call = setup();
      for (auto _ : state) {
        call();
        benchmark::ClobberMemory();
      }
      state.SetBytesProcessed(static_cast<int64_t>(bytes_per_call * double(state.iterations())));
      set_active_isa(before_isa);
      set_num_threads(before_threads);
    })->UseRealTime()->MinTime(0.2);
  }
}

inline std::vector<float> bench_randn(int64_t n, uint64_t seed = 1) {
  std::vector<float> v(static_cast<size_t>(n));
  Generator gen(seed);
  gen.fill_normal(v.data(), n);
  return v;
}

}  // namespace tessera::bench
