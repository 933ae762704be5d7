// The max of one vector of max-pool windows, shared by the AVX-512 and AVX2 pooling kernels.
// Include from an ISA's pool file; Ops gives that ISA's vector type and three intrinsics:
//   Vec          the vector type (__m512, __m256)
//   max(v, b)    the larger of each lane, b where either is NaN
//   keep_nan(n, v)  v where v is NaN, else n
//   pick_nan(m, n)  n where n is NaN, else m
#pragma once
#include <cstdint>

#include "kernels/pool.h"

namespace tessera::kernels {

// torch's rule, a NaN value wins (the last NaN of the window, as in the reference), as
// chains that run side by side: the running max skips NaNs and its taps alternate between
// two accumulators, and the window's NaN is kept apart and wins at the end. One chain of
// max and NaN blend per tap, each tap waiting for the last, cost ResNet's 3x3 stride-2 stem
// pool 19 % of its time on AVX2 and 6 % on AVX-512. Where a window's maximum is 0 and it
// holds both +0 and -0, the sign can differ from the reference's, which keeps the first of
// equal values. load(p) gives the window's tap at p for every lane; row0 is the first tap
// of input row 0 (rows W apart, taps p.dw apart).
template <typename Ops, typename Load>
[[gnu::always_inline]] inline typename Ops::Vec window_max(const Load& load, const float* row0, int64_t W,
                                                            int64_t h0, int64_t h1, const Pool2dParams& p,
                                                            typename Ops::Vec neg_inf) {
  typename Ops::Vec best0 = neg_inf, best1 = neg_inf, nan = neg_inf;  // nan: no NaN seen yet
  auto add = [&](typename Ops::Vec v, typename Ops::Vec& best) {
    best = Ops::max(v, best);
    nan = Ops::keep_nan(nan, v);
  };
  for (int64_t h = h0; h < h1; h += p.dh) {
    const float* row = row0 + h * W;
    int64_t k = 0;
    for (; k + 1 < p.kw; k += 2) {
      add(load(row + k * p.dw), best0);
      add(load(row + (k + 1) * p.dw), best1);
    }
    if (k < p.kw) add(load(row + k * p.dw), best0);
  }
  return Ops::pick_nan(Ops::max(best0, best1), nan);
}

}  // namespace tessera::kernels
