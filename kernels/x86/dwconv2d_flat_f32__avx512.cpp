// Depthwise conv at stride 1, 'same' padding, on small maps, AVX-512: planes as flat runs.
//
// With OW == W, output f = oh * W + ow takes tap (kh, kw) from input
// f + (kh * DH - PH) * W + kw * DW - PW: the same offset for every output. So 16
// consecutive outputs of a plane, across row ends, read 16 consecutive inputs for a tap,
// one load, masked where the tap falls outside its row or the plane (DwFlat in conv2d.h).
// Masked-off lanes neither fault nor count, so the loads may start before the plane or
// run past it. A 7x7 map is 4 vectors; 4 planes go together, so that each tap's mask,
// loaded once, serves 4 planes, and 4 x V sums are in flight.
#include <immintrin.h>

#include <utility>

#include "kernels/conv2d.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

// Planes [t, t + P), channels from `channel` on (wrapping at C).
template <int V, int P>
void planes_flat(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, int64_t t, int64_t channel) {
  const int64_t HW = s.H * s.W, taps = f.taps;
  const float* x[P];
  const float* w[P];
  float* y[P];
  __m512 acc[P][V];
  for (int p = 0; p < P; ++p, ++t) {
    x[p] = a.x + t * HW;
    y[p] = a.y + t * HW;
    w[p] = a.w + channel * taps;
    const __m512 b = _mm512_set1_ps(a.bias ? a.bias[channel] : 0.f);
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[p][v] = b;
    if (++channel == s.C) channel = 0;
  }
  for (int64_t k = 0; k < taps; ++k) {
    const int64_t off = f.offset[k];
    const uint16_t* mk = f.mask + k * DwFlat::kMaxVectors;
    __m512 wv[P];
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) wv[p] = _mm512_set1_ps(w[p][k]);
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) {
      const __mmask16 m = mk[v];
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p)
        acc[p][v] = _mm512_fmadd_ps(wv[p], _mm512_maskz_loadu_ps(m, x[p] + 16 * v + off), acc[p][v]);
    }
  }
  const __mmask16 last = static_cast<__mmask16>(0xFFFFu >> (16 * V - HW));
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) {
      const __m512 r = apply_fused_activation(acc[p][v], a.act);
      if (v < V - 1) _mm512_storeu_ps(y[p] + 16 * v, r);
      else _mm512_mask_storeu_ps(y[p] + 16 * v, last, r);
    }
}

template <int V>
void run_flat(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  constexpr int P = 4;
  int64_t t = a.first, channel = a.first % s.C;
  const int64_t end = a.first + a.count;
  for (; t + P <= end; t += P, channel = (channel + P) % s.C) planes_flat<V, P>(a, s, f, t, channel);
  for (; t < end; ++t, channel = (channel + 1) % s.C) planes_flat<V, 1>(a, s, f, t, channel);
}

template <int... Vs>
void dispatch(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, std::integer_sequence<int, Vs...>) {
  ((f.vectors == Vs + 1 ? run_flat<Vs + 1>(a, s, f) : void()), ...);
}

}  // namespace

void dwconv2d_flat_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  dispatch(a, s, f, std::make_integer_sequence<int, DwFlat::kMaxVectors>{});
}

}  // namespace tessera::kernels
