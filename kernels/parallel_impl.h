#pragma once
#include <algorithm>
#include <atomic>
#include <memory>
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

namespace detail {
// One thread's share of a balanced loop, [begin, end) packed in one word so that its owner
// (taking from the front) and a thief (taking from the back) claim tasks with one
// compare-and-swap each. On a line of its own: the owner's claims stay in its cache.
struct alignas(64) TaskRange {
  std::atomic<uint64_t> range{0};
  static uint64_t pack(int64_t b, int64_t e) { return uint64_t(b) << 32 | uint64_t(e); }
  static int64_t begin(uint64_t r) { return int64_t(r >> 32); }
  static int64_t end(uint64_t r) { return int64_t(r & 0xffffffffu); }
  // Up to `grain` tasks and at most half of what is left (at least one), from the front
  // (owner) or the back (thief); false when empty.
  bool claim(int64_t grain, bool back, int64_t& b, int64_t& e) {
    uint64_t r = range.load(std::memory_order_relaxed);
    for (;;) {
      const int64_t rb = begin(r), re = end(r);
      if (rb >= re) return false;
      const int64_t take = std::min(grain, (re - rb + 1) / 2);
      b = back ? re - take : rb;
      e = back ? re : rb + take;
      if (range.compare_exchange_weak(r, back ? pack(rb, re - take) : pack(rb + take, re), std::memory_order_relaxed))
        return true;
    }
  }
  int64_t left() const {
    const uint64_t r = range.load(std::memory_order_relaxed);
    return std::max<int64_t>(0, end(r) - begin(r));
  }
};
}  // namespace detail

template <typename Fn>
void parallel_for_balanced(int64_t n, int64_t grain, Fn&& fn, int max_threads) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int threads = static_cast<int>(std::min<int64_t>(get_num_threads(), n));
  if (max_threads > 0) threads = std::min(threads, max_threads);
  if (threads <= 1 || omp_in_parallel() || n > (int64_t(1) << 31)) {
    parallel_for(n, 1, fn, threads);  // one thread, or too many tasks to pack: a static split
    return;
  }
  std::unique_ptr<detail::TaskRange[]> shares(new detail::TaskRange[threads]);
  for (int t = 0; t < threads; ++t) shares[t].range.store(detail::TaskRange::pack(n * t / threads, n * (t + 1) / threads));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    int64_t b, e;
    while (shares[t].claim(grain, false, b, e)) fn(b, e);
    for (;;) {  // the share with the most left, from its back
      int victim = -1;
      int64_t most = 0;
      for (int v = 0; v < threads; ++v)
        if (const int64_t l = shares[v].left(); l > most) most = l, victim = v;
      if (victim < 0) break;
      if (shares[victim].claim(grain, true, b, e)) fn(b, e);
    }
  }
}

}  // namespace tessera
