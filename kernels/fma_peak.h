// An FMA-throughput loop: the machine's fp32 peak, the yardstick that the
// kernel benchmarks report "% of peak" against. Independent accumulators hide
// the FMA latency so the loop is bound only by FMA issue width.
#pragma once
#include <cstdint>

#include "kernels/cpu.h"

namespace tessera::kernels {

// Runs `iters` rounds of FMAs on the given path; returns the FLOPs executed.
int64_t fma_peak_loop(Isa isa, int64_t iters);

}  // namespace tessera::kernels
