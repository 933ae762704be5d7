// The flat depthwise kernels' body (x86/dwconv2d_flat_f32__<isa>.cpp): P planes x V vectors
// of sums, each tap one masked load a vector, summed in (kh, kw) order from the bias.
// Include from an ISA's flat file; Ops gives that ISA's vectors:
//   Vec, kLanes           the vector type (__m512, __m256) and its floats
//   set1(x)               x in every lane
//   mask(tap, v)          the lanes vector v of a plane reads for that tap
//   load(m, p)            the lanes of m from p, zero elsewhere (nothing read outside m)
//   fma(a, b, c)          a * b + c
//   activate(v, act)      the fused activation
//   store(p, v), store_tail(p, v, n)   all lanes, or the first n
#pragma once
#include <cstdint>

#include "kernels/conv2d.h"

namespace tessera::kernels {

// Planes [t, t + P) of a run, channels from `channel` on (wrapping at C).
template <int V, int P, typename Ops>
void flat_planes(const Ops& ops, const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, int64_t t,
                 int64_t channel) {
  using Vec = typename Ops::Vec;
  const int64_t HW = s.H * s.W, taps = f.taps;
  const DepthwisePlaneGroup<P> g(a, s.C, HW, taps, t, channel);
  Vec acc[P][V];
  for (int p = 0; p < P; ++p) {
    const Vec b = ops.set1(g.bias[p]);
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[p][v] = b;
  }
  for (int64_t k = 0; k < taps; ++k) {
    const int64_t off = f.offset[k];
    Vec wv[P];
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) wv[p] = ops.set1(g.w[p][k]);
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) {
      const auto m = ops.mask(k, v);
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) acc[p][v] = ops.fma(wv[p], ops.load(m, g.x[p] + Ops::kLanes * v + off), acc[p][v]);
    }
  }
  const int64_t tail = HW - Ops::kLanes * (V - 1);
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) {
      const Vec r = ops.activate(acc[p][v], a.act);
      if (v < V - 1) ops.store(g.y[p] + Ops::kLanes * v, r);
      else ops.store_tail(g.y[p] + Ops::kLanes * v, r, tail);
    }
}

// A run's planes, P at a time, then one at a time.
template <int V, int P, typename Ops>
void flat_run(const Ops& ops, const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  int64_t t = a.first, channel = a.first % s.C;
  const int64_t end = a.first + a.count;
  for (; t + P <= end; t += P, channel = (channel + P) % s.C) flat_planes<V, P>(ops, a, s, f, t, channel);
  for (; t < end; ++t, channel = (channel + 1) % s.C) flat_planes<V, 1>(ops, a, s, f, t, channel);
}

}  // namespace tessera::kernels
