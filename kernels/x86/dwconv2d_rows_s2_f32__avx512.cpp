// Depthwise conv at stride 2 from rows of 17 to 32 columns onto at most 16 rows, AVX-512:
// one output row to a vector, all of a plane's rows in registers (MobileNets' 28 x 28 ->
// 14 x 14). Rows of at most 16 columns go to the row-pairs kernel.
//
// An input row is two masked loads (its columns only); tap kw of output column c reads its
// column 2c + kw - PW, which one two-source permute per tap picks for all lanes (zeroing
// those in the padding). The row then feeds every output row that reads it: each row is
// loaded and permuted once.
//
// The in-place kernel (x86/dwconv2d_f32__avx512.cpp) took such maps in blocks of 8 output
// rows that reach past the plane (14 rows: 0-7 and 8-15). Against it, alternating in one
// process (Xeon VM, 15 rounds): 3x3 1.24-1.30x on one thread (MobileNetV2's 192 x 28^2 and
// 144 x 28^2, 64 x 20^2 and 32^2), 1.14x on two; 5x5 1.32-1.51x (240 x 28^2, 64 x 17^2),
// 1.37x on two.
#include <immintrin.h>

#include "kernels/conv2d.h"
#include "kernels/count_dispatch.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

struct Picks {
  __m512i pick[5];
  __mmask16 valid[5];
  __mmask16 lo, hi, out;  // an input row's columns in its two loads; an output row's
};

// One plane of OH output rows. Output rows sum their input rows in order, each row's taps
// kw ascending, from the bias (the reference's order).
template <int K, int OH>
void plane(const float* x, const float* w, float bias, float* y, int64_t H, int64_t W, int64_t OW, const Picks& p,
           FusedActivation act) {
  constexpr int P = K / 2;
  __m512 acc[OH];
#pragma GCC unroll 16
  for (int o = 0; o < OH; ++o) acc[o] = _mm512_set1_ps(bias);
#pragma GCC unroll 40
  for (int j = 0; j < 2 * OH + K - 2 - P; ++j) {
    if (j >= H) break;  // H is 2 OH or 2 OH - 1
    const __m512 lo = _mm512_maskz_loadu_ps(p.lo, x + j * W), hi = _mm512_maskz_loadu_ps(p.hi, x + j * W + 16);
#pragma GCC unroll 5
    for (int kw = 0; kw < K; ++kw) {
      const __m512 v = _mm512_maskz_permutex2var_ps(p.valid[kw], lo, p.pick[kw], hi);
#pragma GCC unroll 5
      for (int kh = (j + P) % 2; kh < K; kh += 2) {
        const int o = (j + P - kh) / 2;
        if (j + P < kh || o >= OH) continue;
        acc[o] = _mm512_fmadd_ps(_mm512_set1_ps(w[kh * K + kw]), v, acc[o]);
      }
    }
  }
#pragma GCC unroll 16
  for (int o = 0; o < OH; ++o) _mm512_mask_storeu_ps(y + o * OW, p.out, apply_fused_activation(acc[o], act));
}

template <int K>
void run(const DepthwiseArgs& a, const Conv2dShape& s) {
  Picks p;
  const int64_t W = s.W, OW = s.OW();
  for (int kw = 0; kw < K; ++kw) {
    alignas(64) int32_t pick[16];
    unsigned valid = 0;
    for (int64_t c = 0; c < 16; ++c) {
      const int64_t col = 2 * c + kw - K / 2;
      const bool inside = c < OW && col >= 0 && col < W;
      pick[c] = static_cast<int32_t>(inside ? col : 0);
      valid |= unsigned(inside) << c;
    }
    p.pick[kw] = _mm512_load_si512(pick);
    p.valid[kw] = static_cast<__mmask16>(valid);
  }
  p.lo = static_cast<__mmask16>(W >= 16 ? 0xFFFF : (1u << W) - 1);
  p.hi = static_cast<__mmask16>(W <= 16 ? 0 : (1u << (W - 16)) - 1);
  p.out = static_cast<__mmask16>((1u << OW) - 1);
  with_count<kDwRowsMaxRows>(s.OH(), [&](auto rows) {
    for (DepthwisePlanes t(a, s); t.more(); t.next())
      plane<K, decltype(rows)::value>(t.x(), t.w(), t.bias(), t.y(), s.H, W, OW, p, a.act);
  });
}

}  // namespace

void dwconv2d_rows_s2_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s) {
  if (s.KW == 3) run<3>(a, s);
  else run<5>(a, s);
}

}  // namespace tessera::kernels
