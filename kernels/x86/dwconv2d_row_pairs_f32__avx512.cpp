// Depthwise conv at stride 2 onto small maps, AVX-512: two output rows to a vector, no copy.
//
// An output row of at most 8 columns fills half a vector, so a vector holds output rows v
// and v + V (lanes 0-7 and 8-15), V being half the rows, rounded up. Its tap (kh, kw)
// reads input rows 2v + kh - PH and that plus 2V, at columns 2c + kw - PW. So input row
// pair j = 2v + kh serves tap row kh of vector v and tap row kh + 2 of vector v - 1: each
// pair is loaded once, and its K column picks (one two-source permute each, zeroing the
// lanes that fall in the padding) feed every vector that reads it. Both halves of a
// vector are stored from it by two masked stores.
//
// Pairs of rows v and v + 1 before: each vector loaded and permuted its own K row pairs,
// and one more permute packed the halves. Alternating in one process, one thread (Xeon
// VM): MobileNetV2's 576 x 14^2 -> 7^2 1.58-1.70x (1.46x on two threads), 240 x 14^2
// 1.25x on two, 96 x 15^2 1.54x, 5 x 5s 1.36-1.40x (MobileNetV3's 672 x 14^2), maps of
// 1-5 rows 2.1-3.6x; bit-identical, the taps summed in the same order.
#include <immintrin.h>

#include "kernels/conv2d.h"
#include "kernels/count_dispatch.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

// One plane: a K x K kernel, V vectors of output row pairs (all in registers).
template <int K, int V>
void plane(const DwRowPairs& r, const __m512i (&pick)[K], const float* x, const float* w, float bias, float* y,
           int64_t OH, int64_t OW, FusedActivation act) {
  __m512 acc[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) acc[v] = _mm512_set1_ps(bias);
  // Row pairs in order, so each vector sums its taps row by row as the reference does.
#pragma GCC unroll 24
  for (int j = 0; j < 2 * V + K - 2; ++j) {
    const __m512 rowa = _mm512_maskz_loadu_ps(r.row_mask[j][0], x + r.row[j][0]);
    const __m512 rowb = _mm512_maskz_loadu_ps(r.row_mask[j][1], x + r.row[j][1]);
    __m512 in[K];
#pragma GCC unroll 5
    for (int kw = 0; kw < K; ++kw) in[kw] = _mm512_maskz_permutex2var_ps(r.valid[kw], rowa, pick[kw], rowb);
#pragma GCC unroll 5
    for (int kh = j % 2; kh < K; kh += 2) {
      const int v = (j - kh) / 2;
      if (j < kh || v >= V) continue;
      // The weights as broadcast operands: for 5 x 5 they would not fit in registers, and
      // for 3 x 3 held in registers they ran level.
#pragma GCC unroll 5
      for (int kw = 0; kw < K; ++kw) acc[v] = _mm512_fmadd_ps(_mm512_set1_ps(w[kh * K + kw]), in[kw], acc[v]);
    }
  }
  const __mmask16 low = static_cast<__mmask16>((1u << OW) - 1), high = static_cast<__mmask16>(low << 8);
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) {
    const __m512 out = apply_fused_activation(acc[v], act);
    _mm512_mask_storeu_ps(y + v * OW, low, out);
    // Lanes 8.. land on row v + V: the store starts 8 floats early, those lanes masked off.
    if (v + V < OH) _mm512_mask_storeu_ps(y + (v + V) * OW - 8, high, out);
  }
}

template <int K, int V>
void run(const DepthwiseArgs& a, const Conv2dShape& s, const DwRowPairs& r) {
  __m512i pick[K];
  for (int kw = 0; kw < K; ++kw) pick[kw] = _mm512_loadu_si512(r.pick[kw]);
  const int64_t OH = s.OH(), OW = s.OW();
  for (DepthwisePlanes p(a, s); p.more(); p.next()) plane<K, V>(r, pick, p.x(), p.w(), p.bias(), p.y(), OH, OW, a.act);
}

}  // namespace

void dwconv2d_row_pairs_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, const DwRowPairs& r) {
  with_count<DwRowPairs::kMaxPairs>(r.pairs, [&](auto pairs) {
    constexpr int V = decltype(pairs)::value;
    if (s.KW == 3) run<3, V>(a, s, r);
    else run<5, V>(a, s, r);
  });
}

}  // namespace tessera::kernels
