// Depthwise conv, one channel plane, AVX2 + FMA: 8 output columns per vector.
//
// Square 3x3, 5x5 and 7x7 kernels of stride 1 or 2 (MobileNet, EfficientNet, ConvNeXt)
// read the plane in place. Row padding is skipped taps; column padding is zeroed lanes,
// in the vectors whose loads cross a side of the plane only. Other shapes (dilation, other
// strides, non-square kernels) copy the plane into a zero-padded scratch first.
//
// Loads, not multiply-adds, set the pace here (blocks with their loads replaced by
// constants ran twice as fast). So a block of one vector x R output rows walks the input
// rows under it once: each row's taps are loaded once and feed every output row they
// reach. 3x3 keeps its nine weights in registers, 5x5 and 7x7 read theirs, broadcast once
// per plane, as operands of the multiply-adds. Against walking the kernel (a load per tap,
// 8 accumulators), one thread: 3x3 s1 at 56x56 1.5x, 3x3 s2 1.15-1.2x, 5x5 s2 1.3x, 5x5
// and 7x7 s1 1.1-1.2x.
// Stride 2 loads 16 columns once for two taps: an in-lane shuffle takes the even ones
// (tap kw) and another the odd ones (tap kw + 1), both in the lane order 0 1 4 5 2 3 6 7,
// which one permute per output vector undoes at the store. (AVX2 has no cross-lane
// rotation to share a row's loads between taps the way the AVX-512 kernel does.)
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/conv2d.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

// Lanes 0 1 4 5 2 3 6 7 (pairs of columns) back to 0..7.
inline __m256 unshuffle(__m256 v) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), _MM_SHUFFLE(3, 1, 2, 0)));
}

// Output rows [oh0, oh0 + R) x columns [ow0, ow0 + 8V) from the accumulators; rows from OH
// and columns from OW on are dropped. The activation is a clamp (no branch per vector).
template <int R, int V, bool Unshuffle>
void store_block(__m256 (&acc)[R][V], float* y, int64_t OH, int64_t OW, int64_t oh0, int64_t ow0, FusedActivation act) {
  const __m256 floor = _mm256_set1_ps(act == FusedActivation::none ? -INFINITY : 0.f);
  const __m256 ceil = _mm256_set1_ps(act == FusedActivation::relu6 ? 6.f : INFINITY);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (oh0 + r >= OH) break;
    float* out = y + (oh0 + r) * OW + ow0;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      __m256 a = acc[r][v];
      if constexpr (Unshuffle) a = unshuffle(a);
      a = _mm256_min_ps(_mm256_max_ps(a, floor), ceil);
      const int64_t lanes = OW - (ow0 + 8 * v);
      if (lanes >= 8) _mm256_storeu_ps(out + 8 * v, a);
      else if (lanes > 0) _mm256_maskstore_ps(out + 8 * v, avx2::tail_mask(lanes), a);
    }
  }
}

// ---- in place: K x K (3, 5, 7), stride S (1, 2), dilation 1 ----

struct InPlacePlane {
  const float* x;  // [H, W]
  int64_t H, W, OH, OW, PH, PW;
  const float* w;   // [K, K]
  const float* wb;  // [K * K][8]: each weight broadcast, for 5x5 and 7x7
  float bias;
  FusedActivation act;
  float* y;  // [OH, OW]
};

// Lane masks of one column block's loads: lane l of load h (0, or 1 for the second 8
// columns of a stride-2 pair) of tap kw reads input column ow0 * S - PW + kw + 8h + l,
// live when inside [0, W).
template <int K, int S>
struct ColumnMasks {
  __m256i in[K][S];
};

template <int K, int S>
ColumnMasks<K, S> column_masks(const InPlacePlane& p, int64_t ow0) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), zero = _mm256_setzero_si256();
  const __m256i width = _mm256_set1_epi32(static_cast<int>(p.W));
  ColumnMasks<K, S> m;
  for (int kw = 0; kw < K; ++kw)
    for (int h = 0; h < S; ++h) {
      const int64_t start = ow0 * S - p.PW + kw + 8 * h;
      const __m256i col = _mm256_add_epi32(lane, _mm256_set1_epi32(static_cast<int>(start)));
      m.in[kw][h] = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, col), _mm256_cmpgt_epi32(width, col));
    }
  return m;
}

// How a block's loads treat columns outside the plane: none there (Plain); whole loads
// with those lanes zeroed, when every read stays inside the plane's memory (Zeroed); or
// masked loads, which read nothing outside it (Masked: the first and last rows). A load
// and an AND ran no slower than vmaskmovps; its merit is only the memory it leaves alone.
enum class Cols { Plain, Zeroed, Masked };

// Output rows [oh0, oh0 + R) x columns [ow0, ow0 + 8); Inside: every input row under the
// block lies in the plane (no row of padding to skip).
template <int K, int S, int R, Cols C, bool Inside>
void block_in_place(const InPlacePlane& p, const ColumnMasks<K, S>& m, int64_t oh0, int64_t ow0) {
  const int64_t ih0 = oh0 * S - p.PH;
  // Masked lanes are never used, so the address may lie outside the plane.
  const float* col = p.x + ih0 * p.W + (ow0 * S - p.PW);
  auto load = [&](const float* src, int kw, int h) {
    if constexpr (C == Cols::Masked) return _mm256_maskload_ps(src, m.in[kw][h]);
    if constexpr (C == Cols::Zeroed) return _mm256_and_ps(_mm256_loadu_ps(src), _mm256_castsi256_ps(m.in[kw][h]));
    return _mm256_loadu_ps(src);
  };
  __m256 acc[R][1];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc[r][0] = _mm256_set1_ps(p.bias);
  __m256 wr[9];
  if constexpr (K == 3)
    for (int t = 0; t < 9; ++t) wr[t] = _mm256_set1_ps(p.w[t]);
#pragma GCC unroll 20
  for (int i = 0; i < (R - 1) * S + K; ++i) {
    if constexpr (!Inside)
      if (ih0 + i < 0 || ih0 + i >= p.H) continue;
    const float* src = col + i * p.W;
    // 5x5 and 7x7 read their weights as operands of the multiply-adds; the pointer is
    // opaque per row so that the compiler does not hoist them into (spilled) registers.
    const float* wb = p.wb;
    if constexpr (K > 3) asm("" : "+r"(wb));
    // Input row i feeds output row r through kernel row kh = i - r * S (compile-time
    // once the loops unroll).
    auto feed = [&](int kw, __m256 xv) {
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const int kh = i - r * S;
        if (kh < 0 || kh >= K) continue;
        __m256 wv;
        if constexpr (K == 3) wv = wr[kh * 3 + kw];
        else wv = _mm256_load_ps(wb + 8 * (kh * K + kw));
        acc[r][0] = _mm256_fmadd_ps(wv, xv, acc[r][0]);
      }
    };
#pragma GCC unroll 7
    for (int kw = 0; kw < K; kw += S) {
      if constexpr (S == 1) {
        feed(kw, load(src + kw, kw, 0));
      } else {
        const __m256 lo = load(src + kw, kw, 0), hi = load(src + kw + 8, kw, 1);
        feed(kw, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
        if (kw + 1 < K) feed(kw + 1, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
      }
    }
  }
  store_block<R, 1, S == 2>(acc, p.y, p.OH, p.OW, oh0, ow0, p.act);
}

// Rows per block, the most that stay in registers: 3x3 keeps its nine weights there
// beside R accumulators and the taps (s1: 6 rows; 4 and 8 ran 1.6x slower at 56x56;
// s2: 5 rows, 3 and 4 10-20 % slower); 5x5 and 7x7 8 rows at s1, 6 at s2 (12 and 8
// spilled, 1.5-2.5x slower).
template <int K, int S>
constexpr int block_rows() {
  if constexpr (K == 3) return S == 1 ? 6 : 5;
  return S == 1 ? 8 : 6;
}

template <int K, int S>
void column_block(const InPlacePlane& p, int64_t ow0) {
  constexpr int R = block_rows<K, S>();
  constexpr int kRows = (R - 1) * S + K;
  // The loads span input columns [first, first + K - 1 + 8S).
  const int64_t first = ow0 * S - p.PW, end = first + K - 1 + 8 * S;
  const bool edge = first < 0 || end > p.W;
  const ColumnMasks<K, S> m = edge ? column_masks<K, S>(p, ow0) : ColumnMasks<K, S>{};
  for (int64_t oh = 0; oh < p.OH; oh += R) {
    const int64_t ih0 = oh * S - p.PH;
    const bool inside = ih0 >= 0 && ih0 + kRows <= p.H;
    // Whole-vector loads of the block's rows stay within the plane's memory.
    const bool in_memory = ih0 * p.W + first >= 0 && (ih0 + kRows - 1) * p.W + end <= p.H * p.W;
    if (!edge) {
      if (inside) block_in_place<K, S, R, Cols::Plain, true>(p, m, oh, ow0);
      else block_in_place<K, S, R, Cols::Plain, false>(p, m, oh, ow0);
    } else if (inside && in_memory) {
      block_in_place<K, S, R, Cols::Zeroed, true>(p, m, oh, ow0);
    } else {
      block_in_place<K, S, R, Cols::Masked, false>(p, m, oh, ow0);
    }
  }
}

// Planes of more than 32 output columns go row band by row band, every column block of a
// band before the next: the band's input rows are loaded from L2 or beyond once, and
// stay in L1 for all its column blocks, where column blocks outermost walked the whole
// plane once per 8 columns (14 times at 112 x 112). The masks of the two edge blocks are
// worked out once per plane. One thread, alternating in one process with oneDNN's AVX2
// kernels (Xeon VM): 3x3 at 112^2 0.59-0.67x -> 0.77-0.81x its speed, at 56^2
// 0.56-0.63x -> 0.72-0.77x, 100^2 0.55-0.71x -> 0.73-0.83x, 3x3 s2 from 224^2 0.64-0.67x
// -> 0.66-0.82x. 5x5 and 7x7 at 112-120 were level to 6 % slower, and on 28 columns or
// fewer (four blocks or fewer) it lost 3-30 %: those keep the column blocks outermost.
template <int K, int S>
bool rows_first(const InPlacePlane& p) {
  constexpr int R = block_rows<K, S>();
  constexpr int kRows = (R - 1) * S + K;
  const int64_t blocks = (p.OW + 7) / 8;
  auto edge = [&](int64_t b) {
    const int64_t first = b * 8 * S - p.PW, end = first + K - 1 + 8 * S;
    return first < 0 || end > p.W;
  };
  // Only the first and the last block may reach past a side (true of 'same' padding).
  for (int64_t b = 1; b + 1 < blocks; ++b)
    if (edge(b)) return false;
  const ColumnMasks<K, S> left = column_masks<K, S>(p, 0), right = column_masks<K, S>(p, (blocks - 1) * 8);
  for (int64_t oh = 0; oh < p.OH; oh += R) {
    const int64_t ih0 = oh * S - p.PH;
    const bool inside = ih0 >= 0 && ih0 + kRows <= p.H;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t ow0 = b * 8;
      if (!edge(b)) {
        if (inside) block_in_place<K, S, R, Cols::Plain, true>(p, left, oh, ow0);
        else block_in_place<K, S, R, Cols::Plain, false>(p, left, oh, ow0);
        continue;
      }
      const ColumnMasks<K, S>& m = b == 0 ? left : right;
      const int64_t first = ow0 * S - p.PW, end = first + K - 1 + 8 * S;
      const bool in_memory = ih0 * p.W + first >= 0 && (ih0 + kRows - 1) * p.W + end <= p.H * p.W;
      if (inside && in_memory) block_in_place<K, S, R, Cols::Zeroed, true>(p, m, oh, ow0);
      else block_in_place<K, S, R, Cols::Masked, false>(p, m, oh, ow0);
    }
  }
  return true;
}

template <int K>
void plane_in_place(const InPlacePlane& p, int64_t stride) {
  if (K == 3 && p.OW > 32 && (stride == 1 ? rows_first<K, 1>(p) : rows_first<K, 2>(p))) return;
  for (int64_t ow0 = 0; ow0 < p.OW; ow0 += 8) stride == 1 ? column_block<K, 1>(p, ow0) : column_block<K, 2>(p, ow0);
}

// ---- any other shape: a zero-padded copy of the plane ----

struct Plane {
  const float* pad;  // zero-padded input plane, Wp floats per row, slack after the last
  int64_t Wp, OH, OW;
  const Conv2dShape* s;
  const float* w;
  float bias;
  FusedActivation act;
  float* y;
};

// 8 input values feeding 8 consecutive outputs of a stride that is neither 1 nor 2.
inline __m256 gather_cols(const float* p, int64_t stride) {
  alignas(32) float tmp[8];
  for (int i = 0; i < 8; ++i) tmp[i] = p[i * stride];
  return _mm256_load_ps(tmp);
}

// Output rows [oh, oh + R) x columns [ow, ow + 8V). SW: 1, 2 (dilation 1) or 0 (any other).
template <int R, int V, int SW>
void block(const Plane& p, int64_t oh, int64_t ow) {
  const Conv2dShape& s = *p.s;
  __m256 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_set1_ps(p.bias);
  const float* top = p.pad + oh * s.SH * p.Wp + ow * s.SW;
  for (int64_t kh = 0; kh < s.KH; ++kh) {
    const float* wk = p.w + kh * s.KW;
    if constexpr (SW == 2) {
      for (int64_t kw = 0; kw < s.KW; kw += 2) {
        const __m256 w0 = _mm256_set1_ps(wk[kw]);
        const bool pair = kw + 1 < s.KW;
        const __m256 w1 = _mm256_set1_ps(pair ? wk[kw + 1] : 0.f);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
          for (int v = 0; v < V; ++v) {
            const float* src = top + (r * s.SH + kh * s.DH) * p.Wp + 16 * v + kw;
            const __m256 lo = _mm256_loadu_ps(src), hi = _mm256_loadu_ps(src + 8);
            acc[r][v] = _mm256_fmadd_ps(w0, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)), acc[r][v]);
            if (pair) acc[r][v] = _mm256_fmadd_ps(w1, _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)), acc[r][v]);
          }
      }
    } else {
      for (int64_t kw = 0; kw < s.KW; ++kw) {
        const __m256 wv = _mm256_set1_ps(wk[kw]);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
          for (int v = 0; v < V; ++v) {
            const float* src = top + (r * s.SH + kh * s.DH) * p.Wp + (8 * v) * s.SW + kw * s.DW;
            const __m256 xv = SW == 1 ? _mm256_loadu_ps(src) : gather_cols(src, s.SW);
            acc[r][v] = _mm256_fmadd_ps(wv, xv, acc[r][v]);
          }
      }
    }
  }
  store_block<R, V, SW == 2>(acc, p.y, p.OH, p.OW, oh, ow, p.act);
}

template <int V, int SW>
void rows(const Plane& p) {
  constexpr int R = 8 / V;
  for (int64_t ow = 0; ow < p.OW; ow += 8 * V) {
    int64_t oh = 0;
    for (; oh + R <= p.OH; oh += R) block<R, V, SW>(p, oh, ow);
    for (; oh < p.OH; ++oh) block<1, V, SW>(p, oh, ow);
  }
}

template <int SW>
void plane(const Plane& p) {
  if (p.OW > 8) rows<2, SW>(p);
  else rows<1, SW>(p);
}

}  // namespace

void dwconv2d_f32__avx2(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch) {
  const bool in_place = (s.KH == 3 || s.KH == 5 || s.KH == 7) && s.KW == s.KH && (s.SH == 1 || s.SH == 2) &&
                        s.SW == s.SH && s.DH == 1 && s.DW == 1;
  const int64_t OH = s.OH(), OW = s.OW();
  for (DepthwisePlanes t(a, s); t.more(); t.next()) {
    const float* w = t.w();
    if (in_place) {
      alignas(32) float wb[7 * 7 * 8];
      if (s.KH > 3)
        for (int64_t i = 0; i < s.KH * s.KW; ++i) _mm256_store_ps(wb + 8 * i, _mm256_set1_ps(w[i]));
      const InPlacePlane p{t.x(), s.H, s.W, OH, OW, s.PH, s.PW, w, wb, t.bias(), a.act, t.y()};
      if (s.KH == 3) plane_in_place<3>(p, s.SH);
      else if (s.KH == 5) plane_in_place<5>(p, s.SH);
      else plane_in_place<7>(p, s.SH);
      continue;
    }
    pad_plane_f32(scratch, t.x(), s);
    const Plane p{scratch, s.W + 2 * s.PW, OH, OW, &s, w, t.bias(), a.act, t.y()};
    if (s.SW == 1) plane<1>(p);
    else if (s.SW == 2 && s.DW == 1) plane<2>(p);
    else plane<0>(p);
  }
}

}  // namespace tessera::kernels
