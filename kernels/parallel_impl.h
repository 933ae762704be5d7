#pragma once
#include <algorithm>
#include <omp.h>

namespace tessera {

template <typename Fn>
void parallel_for(int64_t n, int64_t min_chunk, Fn&& fn, int max_threads) {
  if (n <= 0) return;
  const int64_t chunks = std::max<int64_t>(1, n / std::max<int64_t>(min_chunk, 1));
  int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), chunks));
  if (max_threads > 0) threads = std::min(threads, max_threads);
  if (threads <= 1 || omp_in_parallel()) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end) fn(begin, end);
  }
}

}  // namespace tessera
