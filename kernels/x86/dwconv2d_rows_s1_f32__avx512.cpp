// Depthwise conv at stride 1 on maps of at most 16 x 16, AVX-512: one output row to a
// vector, all of a plane's rows in registers.
//
// With 'same' padding, tap (kh, kw) of output row o reads input row o + kh - K/2 at
// columns c + kw - K/2: one masked load per input row and kw (lanes outside the row masked
// off, so nothing is read there), which feeds every output row that reads it. Each input
// row is so loaded K times for K output rows, with no row of padding computed.
//
// The in-place kernel (x86/dwconv2d_f32__avx512.cpp) ran such maps as blocks of 8 rows,
// each reaching past the plane (14 rows: blocks 0-7 and 8-15), so both took its row-checking
// variant. Against it, alternating in one process (Xeon VM, 15 rounds): MobileNetV2's
// 576 x 14^2 and 384 x 14^2 1.94x on one thread, 1.45x on two; 5x5 (MobileNetV3's
// 672 x 14^2, 240 x 14^2) 1.51-1.56x, 1.42x on two; 16^2, 10^2 1.78-1.81x; 5x5 on 9^2 1.64x.
// The sums run in the reference's order, so the bits differ from the in-place kernel's.
#include <immintrin.h>

#include "kernels/conv2d.h"
#include "kernels/count_dispatch.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

// One plane of OH (= H) rows. Output rows sum their input rows in order, each row's taps
// kw ascending, from the bias (the reference's order).
template <int K, int OH>
void plane(const float* x, const float* w, float bias, float* y, int64_t W, const __mmask16 (&in)[K], __mmask16 out,
           FusedActivation act) {
  constexpr int P = K / 2;
  // 3x3: the nine weights in registers beside 16 rows of sums; 5x5 broadcast theirs.
  constexpr int kRegWeights = K == 3 ? 9 : 1;
  __m512 wreg[kRegWeights];
  if constexpr (K == 3)
    for (int t = 0; t < 9; ++t) wreg[t] = _mm512_set1_ps(w[t]);
  __m512 acc[OH];
#pragma GCC unroll 16
  for (int o = 0; o < OH; ++o) acc[o] = _mm512_set1_ps(bias);
#pragma GCC unroll 16
  for (int j = 0; j < OH; ++j) {
#pragma GCC unroll 5
    for (int kw = 0; kw < K; ++kw) {
      const __m512 v = _mm512_maskz_loadu_ps(in[kw], x + j * W + kw - P);
#pragma GCC unroll 5
      for (int kh = 0; kh < K; ++kh) {
        const int o = j + P - kh;
        if (o < 0 || o >= OH) continue;
        const __m512 wv = K == 3 ? wreg[(kh * K + kw) % kRegWeights] : _mm512_set1_ps(w[kh * K + kw]);
        acc[o] = _mm512_fmadd_ps(wv, v, acc[o]);
      }
    }
  }
#pragma GCC unroll 16
  for (int o = 0; o < OH; ++o) _mm512_mask_storeu_ps(y + o * W, out, apply_fused_activation(acc[o], act));
}

template <int K>
void run(const DepthwiseArgs& a, const Conv2dShape& s) {
  __mmask16 in[K];
  for (int kw = 0; kw < K; ++kw) {
    unsigned m = 0;
    for (int64_t c = 0; c < s.W; ++c) m |= unsigned(c + kw - K / 2 >= 0 && c + kw - K / 2 < s.W) << c;
    in[kw] = static_cast<__mmask16>(m);
  }
  const __mmask16 out = static_cast<__mmask16>((1u << s.W) - 1);
  with_count<kDwRowsMaxRows>(s.H, [&](auto rows) {
    for (DepthwisePlanes p(a, s); p.more(); p.next())
      plane<K, decltype(rows)::value>(p.x(), p.w(), p.bias(), p.y(), s.W, in, out, a.act);
  });
}

}  // namespace

void dwconv2d_rows_s1_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s) {
  if (s.KW == 3) run<3>(a, s);
  else run<5>(a, s);
}

}  // namespace tessera::kernels
