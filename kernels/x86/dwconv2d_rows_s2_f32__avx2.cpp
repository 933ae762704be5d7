// Depthwise conv at stride 2 onto small maps, AVX2 + FMA: one output row to a vector.
//
// An output row of at most 8 columns fills a vector, and the input row under it, at most
// 16 columns, two loads. Two in-lane shuffles split that row into its even and its odd
// columns, both in the lane order 0 1 4 5 2 3 6 7 of the output columns (undone once, at
// the store): tap kw reads column 2c + kw - PW of output column c, which is the even or
// the odd column of output column c + d, d = floor((kw - PW) / 2). Taps with d = 0 take
// the shuffled vector as it is; the others one lane permute (3 x 3: one tap of three).
// Columns in the padding are lanes zeroed by masks worked out once a call.
//
// All of a plane's output rows (at most 8) stay in registers, and each input row, loaded
// once, feeds the two or three that read it. The in-place kernel (x86/dwconv2d_f32__avx2.cpp)
// ran these maps as blocks of 5 rows reaching past the plane, with masked loads throughout.
// Against it, alternating in one process, one thread (Xeon VM), bit-identical: 3x3 from
// 14^2-16^2 (MobileNetV2's 576 x 14^2, 240 x 14^2, 96 x 15^2) 2.0-2.1x, from 7^2 2.1x; 5x5
// 1.74x (MobileNetV3's 672 x 14^2), 1.53x (96 x 15^2); two threads 1.87x and 1.69x. One
// row at a time, each output row loading its own K input rows, 3x3 ran 1.3-1.45x and 5x5
// 0.87x.
#include <immintrin.h>

#include <cmath>

#include "kernels/conv2d.h"
#include "kernels/count_dispatch.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

// Lane l of a shuffled vector holds output column kOrder[l].
constexpr int kOrder[8] = {0, 1, 4, 5, 2, 3, 6, 7};

// The permute for a tap d columns on: lane l takes the lane holding column kOrder[l] + d
// (where that leaves 0..7 the column lies in the padding, the lane zeroed, so any does).
__m256i shift_lanes(int d) {
  int pos[8], from[8];
  for (int l = 0; l < 8; ++l) pos[kOrder[l]] = l;
  for (int l = 0; l < 8; ++l) {
    const int c = kOrder[l] + d;
    from[l] = c >= 0 && c < 8 ? pos[c] : 0;
  }
  return _mm256_setr_epi32(from[0], from[1], from[2], from[3], from[4], from[5], from[6], from[7]);
}

// Lanes 0 1 4 5 2 3 6 7 (pairs of columns) back to 0..7.
inline __m256 unshuffle(__m256 v) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

// What a call's planes share: the lanes each tap keeps, the lane permutes, and the last
// input row whose two whole loads stay inside the plane.
template <int K>
struct Rows {
  __m256i keep[K];
  __m256i shift[3];  // d = -1, 0, +1
  __m256i lo_in, hi_in, out;
  int64_t last_whole_row;
};

template <int K>
Rows<K> rows_of(const Conv2dShape& s) {
  Rows<K> r;
  const int64_t W = s.W, OW = s.OW();
  for (int kw = 0; kw < K; ++kw) {
    int keep[8];
    for (int l = 0; l < 8; ++l) {
      const int64_t c = kOrder[l], col = 2 * c + kw - K / 2;
      keep[l] = c < OW && col >= 0 && col < W ? -1 : 0;
    }
    r.keep[kw] = _mm256_setr_epi32(keep[0], keep[1], keep[2], keep[3], keep[4], keep[5], keep[6], keep[7]);
  }
  for (int d = -1; d <= 1; ++d) r.shift[d + 1] = shift_lanes(d);
  r.lo_in = avx2::tail_mask(W);
  r.hi_in = avx2::tail_mask(W - 8);
  r.out = avx2::tail_mask(OW);
  r.last_whole_row = s.H * W >= 16 ? (s.H * W - 16) / W : -1;
  return r;
}

// One plane of OH output rows, a K x K kernel with padding K / 2 on each side: input row j
// feeds output rows o with kh = j + K/2 - 2o in [0, K) (up to K/2 + 1 of them), so each
// row is loaded, split and permuted once. Output rows sum their input rows in order, each
// row's taps kw ascending, from the bias.
template <int K, int OH>
void plane(const float* x, const float* w, float bias, float* y, const Conv2dShape& s, const Rows<K>& r,
           FusedActivation act) {
  constexpr int P = K / 2;
  const int64_t H = s.H, W = s.W, OW = s.OW();
  __m256 acc[OH];
#pragma GCC unroll 8
  for (int o = 0; o < OH; ++o) acc[o] = _mm256_set1_ps(bias);
#pragma GCC unroll 16
  for (int j = 0; j < 2 * OH + K - 2 - P; ++j) {
    if (j >= H) break;  // H is 2 OH or 2 OH - 1
    const float* row = x + j * W;
    // Whole loads while the 16 floats stay inside the plane (lanes past the row are
    // zeroed by `keep`); the plane's last rows load only their own columns.
    __m256 lo, hi;
    if (j <= r.last_whole_row) {
      lo = _mm256_loadu_ps(row);
      hi = _mm256_loadu_ps(row + 8);
    } else {
      lo = _mm256_maskload_ps(row, r.lo_in);
      hi = _mm256_maskload_ps(row + 8, r.hi_in);
    }
    const __m256 even = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 odd = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
#pragma GCC unroll 5
    for (int kw = 0; kw < K; ++kw) {
      const int delta = kw - P, d = delta >= 0 ? delta / 2 : -((1 - delta) / 2);  // floor(delta / 2)
      __m256 v = delta - 2 * d ? odd : even;
      if (d != 0) v = _mm256_permutevar8x32_ps(v, r.shift[d + 1]);
      v = _mm256_and_ps(v, _mm256_castsi256_ps(r.keep[kw]));
#pragma GCC unroll 8
      for (int o = 0; o < OH; ++o) {
        const int kh = j + P - 2 * o;
        if (kh >= 0 && kh < K) acc[o] = _mm256_fmadd_ps(_mm256_set1_ps(w[kh * K + kw]), v, acc[o]);
      }
    }
  }
  const __m256 floor = _mm256_set1_ps(act == FusedActivation::none ? -INFINITY : 0.f);
  const __m256 ceil = _mm256_set1_ps(act == FusedActivation::relu6 ? 6.f : INFINITY);
#pragma GCC unroll 8
  for (int o = 0; o < OH; ++o) {
    const __m256 v = _mm256_min_ps(_mm256_max_ps(unshuffle(acc[o]), floor), ceil);
    if (OW == 8) _mm256_storeu_ps(y + o * OW, v);
    else _mm256_maskstore_ps(y + o * OW, r.out, v);
  }
}

template <int K, int OH>
void run(const DepthwiseArgs& a, const Conv2dShape& s) {
  const Rows<K> r = rows_of<K>(s);
  for (DepthwisePlanes p(a, s); p.more(); p.next()) plane<K, OH>(p.x(), p.w(), p.bias(), p.y(), s, r, a.act);
}

}  // namespace

void dwconv2d_rows_s2_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s) {
  with_count<kDwRowsS2MaxRows>(s.OH(), [&](auto rows) {
    constexpr int OH = decltype(rows)::value;
    if (s.KW == 3) run<3, OH>(a, s);
    else run<5, OH>(a, s);
  });
}

}  // namespace tessera::kernels
