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

// Like parallel_for, but the chunks are not fixed. Each thread works through its own
// share front to back, claiming at most `grain` tasks per call of fn(begin, end) and at
// most half of what is left, so claims shrink to one task as a share runs out. A thread
// that runs out claims the same way from the back of the share with the most left. So fn
// runs several times per thread, on disjoint runs that together cover [0, n) once (once,
// on all of it, where parallel_for would run inline or on one thread). For tasks of equal
// work on threads that do not run at equal speed (a vCPU whose core a neighbour shares,
// the big and little cores of a hybrid CPU): a static split waits for the slowest.
template <typename Fn>
void parallel_for_balanced(int64_t n, int64_t grain, Fn&& fn, int max_threads = 0);

}  // namespace tessera

#include "kernels/parallel_impl.h"
