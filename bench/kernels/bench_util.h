// Shared counters of the kernel benchmarks: GFLOPS and % of the measured FMA peak.
#pragma once
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace tessera::bench {

// fp32 FMA peak of one core in GFLOP/s, measured once per process with kernels/fma_peak.
double measured_peak_gflops_per_core();

// The thread counts the multithreaded benchmarks run at: 1, 2, then powers of two up to
// the cores OpenMP sees (so a bigger machine shows the scaling curve).
std::vector<int> thread_counts();

// Sets GFLOPS (rate) and pct_peak (vs threads x the one-core peak) from the FLOPs of one iteration.
void set_flops_counters(benchmark::State& state, double flops_per_iter, int threads);

}  // namespace tessera::bench
