// Depthwise conv at stride 2 from rows of at most 32 columns, AVX2 + FMA: 8 output columns
// to a vector, output rows in blocks that keep every accumulator in registers.
//
// Output columns 8b..8b+7 read input columns 16b.., two loads a row. Two in-lane shuffles
// split those into their even and their odd columns, both in the lane order 0 1 4 5 2 3 6 7
// of the output columns (undone once, at the store): tap kw reads column 2c + kw - PW of
// output column c, which is the even or the odd column of output column c + d,
// d = floor((kw - PW) / 2). Taps with d = 0 take the shuffled vector as it is; the others
// one lane rotation, the lane that wraps around blended from the neighbouring vector
// (3 x 3: one tap of three). Columns in the padding are lanes zeroed by masks worked out
// once a call.
//
// A block's rows (8 with one vector a row, 4 with two) stay in registers, and each input row,
// loaded once, feeds the two or three that read it. The in-place kernel
// (x86/dwconv2d_f32__avx2.cpp) ran small maps as blocks of 5 rows reaching past the plane,
// with masked loads throughout. Against it, alternating in one process (Xeon VM, one
// thread, 15 rounds; bit-identical): 3x3 from 7^2-16^2 (MobileNetV2's 576 x 14^2,
// 240 x 14^2, 96 x 15^2) 1.83-1.93x, 1.78x on two threads; 5x5 1.62-1.69x (MobileNetV3's
// 672 x 14^2, 96 x 15^2), 1.64x on two; from 20^2-32^2 (two vectors a row) 3x3 1.32-1.35x
// (MobileNetV2's 192 x 28^2; 1.26x on two threads), 5x5 1.25x (240 x 28^2).
// Kept out: one row at a time, each loading its own K input rows (3x3 1.3-1.45x, 5x5
// 0.87x), and the block size picked per block rather than per call (a fifth slower on
// 14^2 maps).
#include <immintrin.h>

#include <cmath>

#include "kernels/conv2d.h"
#include "kernels/count_dispatch.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

// Lane l of a shuffled vector holds output column kOrder[l].
constexpr int kOrder[8] = {0, 1, 4, 5, 2, 3, 6, 7};
constexpr int kFirstLane = 0, kLastLane = 7;  // the lanes of columns 0 and 7

// The permute for a tap d = -1 or +1 columns on: lane l takes the lane holding column
// kOrder[l] + d, wrapping around, so that the vector's first (last) lane holds its last
// (first) column, which the vector before (after) it supplies by a blend.
__m256i rotate_lanes(int d) {
  int pos[8], from[8];
  for (int l = 0; l < 8; ++l) pos[kOrder[l]] = l;
  for (int l = 0; l < 8; ++l) from[l] = pos[(kOrder[l] + d + 8) % 8];
  return _mm256_setr_epi32(from[0], from[1], from[2], from[3], from[4], from[5], from[6], from[7]);
}

// Lanes 0 1 4 5 2 3 6 7 (pairs of columns) back to 0..7.
inline __m256 unshuffle(__m256 v) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

// What a call's planes share, for V vectors of output columns a row: the lanes each tap
// keeps, the rotations, and, per vector, the last input row whose two whole loads stay
// inside the plane.
template <int K, int V>
struct Rows {
  __m256i keep[K][V];
  __m256i back, ahead;  // rotations for d = -1, +1
  __m256i lo_in[V], hi_in[V], out[V];
  int64_t last_whole_row[V];
};

template <int K, int V>
Rows<K, V> rows_of(const Conv2dShape& s) {
  Rows<K, V> r;
  const int64_t W = s.W, OW = s.OW();
  for (int kw = 0; kw < K; ++kw)
    for (int b = 0; b < V; ++b) {
      int keep[8];
      for (int l = 0; l < 8; ++l) {
        const int64_t c = 8 * b + kOrder[l], col = 2 * c + kw - K / 2;
        keep[l] = c < OW && col >= 0 && col < W ? -1 : 0;
      }
      r.keep[kw][b] = _mm256_setr_epi32(keep[0], keep[1], keep[2], keep[3], keep[4], keep[5], keep[6], keep[7]);
    }
  r.back = rotate_lanes(-1);
  r.ahead = rotate_lanes(1);
  for (int b = 0; b < V; ++b) {
    r.lo_in[b] = avx2::tail_mask(W - 16 * b);
    r.hi_in[b] = avx2::tail_mask(W - 16 * b - 8);
    r.out[b] = avx2::tail_mask(OW - 8 * b);
    const int64_t end = 16 * b + 16;  // floats a row's loads for vector b reach
    r.last_whole_row[b] = s.H * W >= end ? (s.H * W - end) / W : -1;
  }
  return r;
}

// Output rows [o0, o0 + R) of one plane, a K x K kernel with padding K / 2 on each side:
// input row j feeds output rows o with kh = j + K/2 - 2o in [0, K) (up to K/2 + 1 of them),
// so each row is loaded, split and permuted once for them all. Output rows sum their input
// rows in order, each row's taps kw ascending, from the bias. Top: o0 = 0, whose first K/2
// rows lie in the padding (no other block reaches above the plane).
template <int K, int V, int R, bool Top>
void block(const float* x, const float* w, float bias, float* y, const Conv2dShape& s, const Rows<K, V>& r,
           int64_t o0, FusedActivation act) {
  constexpr int P = K / 2;
  const int64_t H = s.H, W = s.W, OW = s.OW();
  __m256 acc[R][V];
#pragma GCC unroll 8
  for (int o = 0; o < R; ++o)
#pragma GCC unroll 2
    for (int b = 0; b < V; ++b) acc[o][b] = _mm256_set1_ps(bias);
  const int64_t j0 = Top ? -P : 2 * o0 - P;
#pragma GCC unroll 20
  for (int i = Top ? P : 0; i < 2 * R + K - 2; ++i) {
    const int64_t j = j0 + i;
    if (j >= H) break;
    const float* row = x + j * W;
    __m256 even[V], odd[V];
#pragma GCC unroll 2
    for (int b = 0; b < V; ++b) {
      // Whole loads while the 16 floats stay inside the plane (lanes past the row are
      // zeroed by `keep`); the plane's last rows load only their own columns.
      __m256 lo, hi;
      if (j <= r.last_whole_row[b]) {
        lo = _mm256_loadu_ps(row + 16 * b);
        hi = _mm256_loadu_ps(row + 16 * b + 8);
      } else {
        lo = _mm256_maskload_ps(row + 16 * b, r.lo_in[b]);
        hi = _mm256_maskload_ps(row + 16 * b + 8, r.hi_in[b]);
      }
      even[b] = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
      odd[b] = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    }
#pragma GCC unroll 5
    for (int kw = 0; kw < K; ++kw) {
      const int delta = kw - P, d = delta >= 0 ? delta / 2 : -((1 - delta) / 2);  // floor(delta / 2)
      const bool from_odd = delta - 2 * d != 0;
      __m256 u[V], v[V];
#pragma GCC unroll 2
      for (int b = 0; b < V; ++b) {
        u[b] = from_odd ? odd[b] : even[b];
        if (d < 0) u[b] = _mm256_permutevar8x32_ps(u[b], r.back);
        if (d > 0) u[b] = _mm256_permutevar8x32_ps(u[b], r.ahead);
      }
#pragma GCC unroll 2
      for (int b = 0; b < V; ++b) {
        v[b] = u[b];
        if (d < 0 && b > 0) v[b] = _mm256_blend_ps(v[b], u[b - 1], 1 << kFirstLane);
        if (d > 0 && b + 1 < V) v[b] = _mm256_blend_ps(v[b], u[b + 1], 1 << kLastLane);
        v[b] = _mm256_and_ps(v[b], _mm256_castsi256_ps(r.keep[kw][b]));
      }
#pragma GCC unroll 8
      for (int o = 0; o < R; ++o) {
        const int kh = i - 2 * o;
        if (kh < 0 || kh >= K) continue;
        const __m256 wv = _mm256_set1_ps(w[kh * K + kw]);
#pragma GCC unroll 2
        for (int b = 0; b < V; ++b) acc[o][b] = _mm256_fmadd_ps(wv, v[b], acc[o][b]);
      }
    }
  }
  const __m256 floor = _mm256_set1_ps(act == FusedActivation::none ? -INFINITY : 0.f);
  const __m256 ceil = _mm256_set1_ps(act == FusedActivation::relu6 ? 6.f : INFINITY);
#pragma GCC unroll 8
  for (int o = 0; o < R; ++o)
#pragma GCC unroll 2
    for (int b = 0; b < V; ++b) {
      const __m256 v = _mm256_min_ps(_mm256_max_ps(unshuffle(acc[o][b]), floor), ceil);
      float* out = y + (o0 + o) * OW + 8 * b;
      if (OW - 8 * b >= 8) _mm256_storeu_ps(out, v);
      else _mm256_maskstore_ps(out, r.out[b], v);
    }
}

// Blocks of R output rows (up to 8 for one vector a row, 4 for two), then the rows left:
// both block sizes fixed once a call, so that each plane runs straight-line code (a size
// chosen per block cost a fifth of a 576 x 14^2 layer).
template <int K, int V>
void run(const DepthwiseArgs& a, const Conv2dShape& s) {
  constexpr int R = V == 1 ? 8 : 4;
  const Rows<K, V> r = rows_of<K, V>(s);
  const int64_t OH = s.OH(), full = OH / R * R;
  with_count<R>(OH - full, [&](auto tail) {
    constexpr int T = decltype(tail)::value;
    for (DepthwisePlanes p(a, s); p.more(); p.next()) {
      const float *x = p.x(), *w = p.w();
      float* y = p.y();
      if (full == 0) {
        block<K, V, T, true>(x, w, p.bias(), y, s, r, 0, a.act);
        continue;
      }
      block<K, V, R, true>(x, w, p.bias(), y, s, r, 0, a.act);
      for (int64_t o0 = R; o0 < full; o0 += R) block<K, V, R, false>(x, w, p.bias(), y, s, r, o0, a.act);
      if (full < OH) block<K, V, T, false>(x, w, p.bias(), y, s, r, full, a.act);
    }
  });
}

}  // namespace

void dwconv2d_rows_s2_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s) {
  const bool two = s.OW() > 8;
  if (s.KW == 3) two ? run<3, 2>(a, s) : run<3, 1>(a, s);
  else two ? run<5, 2>(a, s) : run<5, 1>(a, s);
}

}  // namespace tessera::kernels
