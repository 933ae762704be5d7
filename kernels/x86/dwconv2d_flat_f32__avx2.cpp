// Depthwise conv at stride 1, 'same' padding, on small maps, AVX2 + FMA: planes as flat
// runs, 8 outputs to a vector (the AVX-512 kernel's scheme, x86/dwconv2d_flat_f32__avx512.cpp).
//
// Output f = oh * W + ow takes tap (kh, kw) from input f + offset[tap], the same offset for
// every output; so 8 consecutive outputs of a plane, across row ends, read one masked load
// a tap (masked-off lanes neither fault nor count). The lane masks (DwFlat's 16-lane bits,
// split in two) are widened once per call. The in-place kernel gives each 7-wide row of a
// small map its own vector and pays its per-plane set-up (column masks, row blocks, edge
// cases) for 49 outputs; here a call's planes share one table.
#include <immintrin.h>

#include <utility>

#include "kernels/conv2d.h"
#include "kernels/x86/fused_activation__avx2.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

constexpr int64_t kMaxVectors8 = 2 * DwFlat::kMaxVectors;

// Planes [t, t + P), channels from `channel` on (wrapping at C). masks: [tap][V].
template <int V, int P>
void planes_flat(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, const __m256i* masks, int64_t t,
                 int64_t channel) {
  const int64_t HW = s.H * s.W, taps = f.taps;
  const float* x[P];
  const float* w[P];
  float* y[P];
  __m256 acc[P][V];
  for (int p = 0; p < P; ++p, ++t) {
    x[p] = a.x + t * HW;
    y[p] = a.y + t * HW;
    w[p] = a.w + channel * taps;
    const __m256 b = _mm256_set1_ps(a.bias ? a.bias[channel] : 0.f);
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[p][v] = b;
    if (++channel == s.C) channel = 0;
  }
  for (int64_t k = 0; k < taps; ++k) {
    const int64_t off = f.offset[k];
    const __m256i* mk = masks + k * V;
    __m256 wv[P];
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) wv[p] = _mm256_broadcast_ss(w[p] + k);
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const __m256i m = _mm256_load_si256(mk + v);
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p)
        acc[p][v] = _mm256_fmadd_ps(wv[p], _mm256_maskload_ps(x[p] + 8 * v + off, m), acc[p][v]);
    }
  }
  const __m256i last = avx2::tail_mask(HW - 8 * (V - 1));
#pragma GCC unroll 4
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const __m256 r = apply_fused_activation(acc[p][v], a.act);
      if (v < V - 1) _mm256_storeu_ps(y[p] + 8 * v, r);
      else _mm256_maskstore_ps(y[p] + 8 * v, last, r);
    }
}

template <int V>
void run_flat(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  // Sixteen registers: two planes at a time while their sums fit beside their weights, a
  // mask and a tap. (Maps of 5 to 8 vectors split into two chunks of two planes: level.)
  constexpr int P = V <= 4 ? 2 : 1;
  alignas(32) __m256i masks[DwFlat::kMaxTaps * V];
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  for (int64_t k = 0; k < f.taps; ++k)
    for (int v = 0; v < V; ++v) {
      const int bits = (f.mask[k * DwFlat::kMaxVectors + v / 2] >> (8 * (v % 2))) & 0xFF;
      masks[k * V + v] = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(bits), bit), bit);
    }
  int64_t t = a.first, channel = a.first % s.C;
  const int64_t end = a.first + a.count;
  for (; t + P <= end; t += P, channel = (channel + P) % s.C) planes_flat<V, P>(a, s, f, masks, t, channel);
  for (; t < end; ++t, channel = (channel + 1) % s.C) planes_flat<V, 1>(a, s, f, masks, t, channel);
}

template <int... Vs>
void dispatch(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f, std::integer_sequence<int, Vs...>) {
  const int64_t vectors = (s.H * s.W + 7) / 8;
  ((vectors == Vs + 1 ? run_flat<Vs + 1>(a, s, f) : void()), ...);
}

}  // namespace

void dwconv2d_flat_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s, const DwFlat& f) {
  dispatch(a, s, f, std::make_integer_sequence<int, kMaxVectors8>{});
}

}  // namespace tessera::kernels
