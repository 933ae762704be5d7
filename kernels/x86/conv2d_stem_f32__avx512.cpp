// Stem-conv microkernel, AVX-512 (contract in kernels/conv2d_stem.h): up to 6 segments of
// 16 output pixels x every output channel, 4 at a time. Each k step loads one input vector
// per segment and broadcasts 4 weights: 24 FMAs for 6 vector loads and 4 broadcasts, 29
// registers.
#include <immintrin.h>

#include "kernels/conv2d_stem.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

constexpr int OCB = 4;

template <int V>
void stem_tile(const StemTile& t) {
  const float* xs[V];
  __mmask16 mask[V];
  for (int v = 0; v < V; ++v) {
    xs[v] = t.x + t.segs[v].x;
    mask[v] = t.segs[v].n >= 16 ? __mmask16(0xffff) : __mmask16((1u << t.segs[v].n) - 1);
  }
  const float* w = t.w;
  for (int64_t j0 = 0; j0 < t.oc; j0 += OCB) {
    __m512 acc[OCB][V];
#pragma GCC unroll 4
    for (int j = 0; j < OCB; ++j)
#pragma GCC unroll 6
      for (int v = 0; v < V; ++v) acc[j][v] = _mm512_setzero_ps();
    auto step = [&](int64_t k) {
      const float* wk = w + OCB * k;
      const int64_t off = t.x_offsets[k];
      const __m512 w0 = _mm512_set1_ps(wk[0]), w1 = _mm512_set1_ps(wk[1]), w2 = _mm512_set1_ps(wk[2]),
                   w3 = _mm512_set1_ps(wk[3]);
#pragma GCC unroll 6
      for (int v = 0; v < V; ++v) {
        const __m512 xv = _mm512_loadu_ps(xs[v] + off);
        acc[0][v] = _mm512_fmadd_ps(w0, xv, acc[0][v]);
        acc[1][v] = _mm512_fmadd_ps(w1, xv, acc[1][v]);
        acc[2][v] = _mm512_fmadd_ps(w2, xv, acc[2][v]);
        acc[3][v] = _mm512_fmadd_ps(w3, xv, acc[3][v]);
      }
    };
    stem_k_loop(t.kc, step);
    w += OCB * t.kc;
    // Constant indices throughout (unrolled), so the accumulators stay in registers.
#pragma GCC unroll 4
    for (int j = 0; j < OCB; ++j) {
      if (j0 + j >= t.oc) break;
      const __m512 b = _mm512_set1_ps(t.bias ? t.bias[j0 + j] : 0.f);
      float* yj = t.y + (j0 + j) * t.ldy;
#pragma GCC unroll 6
      for (int v = 0; v < V; ++v)
        _mm512_mask_storeu_ps(yj + t.segs[v].y, mask[v], apply_fused_activation(_mm512_add_ps(acc[j][v], b), t.act));
    }
  }
}

}  // namespace

void conv2d_stem_ukernel_4x16__avx512(const StemTile& t) {
  switch (t.n_segs) {
    case 1: stem_tile<1>(t); break;
    case 2: stem_tile<2>(t); break;
    case 3: stem_tile<3>(t); break;
    case 4: stem_tile<4>(t); break;
    case 5: stem_tile<5>(t); break;
    default: stem_tile<6>(t); break;
  }
}

}  // namespace tessera::kernels
