// Depthwise conv at stride 2 onto small maps, AVX-512: two output rows to a vector, no copy.
//
// An output row of at most 8 columns fills half a vector, so a vector holds output rows o
// and o + 1 (lanes 0-7 and 8-15). Their tap (kh, kw) reads input rows 2o + kh - PH and
// that plus 2, at columns 2c + kw - PW: both rows (at most 16 columns each) are loaded
// once per kernel row, and one two-source permute per tap picks the columns for all 16
// lanes, zeroing those that fall in the padding. The sums are then packed into the rows'
// 2 * OW contiguous outputs by one more permute and stored at once.
#include <immintrin.h>

#include "kernels/conv2d.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

// The shape's sizes, and DwRowPairs' tables as vectors.
struct Pairs {
  int64_t H, W, OH, OW, KH, PH, taps;
  int64_t vectors;                          // output row pairs
  __mmask16 in;                             // an input row's columns
  __m512i pick[DwRowPairs::kMaxKW];
  __mmask16 valid[DwRowPairs::kMaxKW];
  __m512i pack;
};

Pairs pairs_of(const Conv2dShape& s, const DwRowPairs& r) {
  Pairs u;
  u.H = s.H, u.W = s.W, u.OH = s.OH(), u.OW = s.OW(), u.KH = s.KH, u.PH = s.PH;
  u.taps = s.KH * s.KW;
  u.vectors = (u.OH + 1) / 2;
  u.in = static_cast<__mmask16>((1u << u.W) - 1);
  for (int64_t kw = 0; kw < s.KW; ++kw) {
    u.pick[kw] = _mm512_loadu_si512(r.pick[kw]);
    u.valid[kw] = r.valid[kw];
  }
  u.pack = _mm512_loadu_si512(r.pack);
  return u;
}

// Planes [t, t + P) from `channel` on: every row pair, each P x 4 at a time so that
// enough independent sums are in flight.
template <int KW, int P>
void planes(const DepthwiseArgs& a, const Pairs& u, int64_t t, int64_t channel, int64_t C) {
  const int64_t HW = u.H * u.W, OHW = u.OH * u.OW;
  const float* x[P];
  const float* w[P];
  float* y[P];
  __m512 bias[P];
  for (int p = 0; p < P; ++p, ++t) {
    x[p] = a.x + t * HW;
    y[p] = a.y + t * OHW;
    w[p] = a.w + channel * u.taps;
    bias[p] = _mm512_set1_ps(a.bias ? a.bias[channel] : 0.f);
    if (++channel == C) channel = 0;
  }
  __m512i pick[KW];
  for (int kw = 0; kw < KW; ++kw) pick[kw] = u.pick[kw];
  constexpr int NV = 4;
  for (int64_t v0 = 0; v0 < u.vectors; v0 += NV) {
    __m512 acc[P][NV];
    for (int p = 0; p < P; ++p)
      for (int v = 0; v < NV; ++v) acc[p][v] = bias[p];
    for (int64_t kh = 0; kh < u.KH; ++kh) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        // Rows of output rows 2(v0 + v) and the one after; those outside the plane read as zeros.
        const int64_t ra = 4 * (v0 + v) + kh - u.PH, rb = ra + 2;
        const __mmask16 ma = ra >= 0 && ra < u.H ? u.in : 0, mb = rb >= 0 && rb < u.H ? u.in : 0;
#pragma GCC unroll 4
        for (int p = 0; p < P; ++p) {
          const __m512 rowa = _mm512_maskz_loadu_ps(ma, x[p] + ra * u.W);
          const __m512 rowb = _mm512_maskz_loadu_ps(mb, x[p] + rb * u.W);
#pragma GCC unroll 7
          for (int kw = 0; kw < KW; ++kw) {
            const __m512 in = _mm512_maskz_permutex2var_ps(u.valid[kw], rowa, pick[kw], rowb);
            acc[p][v] = _mm512_fmadd_ps(_mm512_set1_ps(w[p][kh * KW + kw]), in, acc[p][v]);
          }
        }
      }
    }
    for (int p = 0; p < P; ++p)
      for (int v = 0; v < NV && v0 + v < u.vectors; ++v) {
        const int64_t o = 2 * (v0 + v), rows = o + 1 < u.OH ? 2 : 1;
        const __m512 packed = _mm512_permutexvar_ps(u.pack, apply_fused_activation(acc[p][v], a.act));
        _mm512_mask_storeu_ps(y[p] + o * u.OW, static_cast<__mmask16>((1u << (rows * u.OW)) - 1), packed);
      }
  }
}

// 3x3: two planes at a time (8 sums); 5x5: four, which ran 1.14-1.28x faster than two
// (with 3x3, four were level).
template <int KW>
void run(const DepthwiseArgs& a, const Conv2dShape& s, const Pairs& u) {
  constexpr int P = KW == 3 ? 2 : 4;
  int64_t t = a.first, channel = a.first % s.C;
  const int64_t end = a.first + a.count;
  for (; t + P <= end; t += P, channel = (channel + P) % s.C) planes<KW, P>(a, u, t, channel, s.C);
  for (; t < end; ++t, channel = (channel + 1) % s.C) planes<KW, 1>(a, u, t, channel, s.C);
}

}  // namespace

void dwconv2d_row_pairs_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, const DwRowPairs& r) {
  const Pairs u = pairs_of(s, r);
  if (s.KW == 3) run<3>(a, s, u);
  else run<5>(a, s, u);
}

}  // namespace tessera::kernels
