// Threads: OpenMP underneath. TESSERA_NUM_THREADS (or --threads in the CLI)
// sets the count; the default is every core OpenMP sees.
#pragma once
#include <cstdint>

namespace tessera {

int get_num_threads();
void set_num_threads(int n);  // n >= 1

// Splits [0, n) into one contiguous chunk per thread and calls fn(begin, end) on each:
// at most n / min_chunk threads (rounded down: every chunk holds min_chunk or more), and
// at most max_threads when that is positive. Runs inline when n is small or when already
// inside a parallel region.
template <typename Fn>
void parallel_for(int64_t n, int64_t min_chunk, Fn&& fn, int max_threads = 0);

}  // namespace tessera

#include "kernels/parallel_impl.h"
