// Depthwise conv, one channel plane, AVX-512: 16 output columns per vector.
//
// Square 3x3, 5x5 and 7x7 kernels of stride 1 or 2 (MobileNet, EfficientNet, ConvNeXt)
// read the plane in place: a block of R output rows x V vectors walks the input rows under
// it once, and each loaded row vector feeds every output row of the block it reaches
// (3x3 stride 1, 4 rows x 4 vectors: under 2 loads per output vector instead of 9, the
// shifted taps by lane rotations). Column padding is masked lanes (the masks depend only
// on the column block), row padding skipped taps.
// Other shapes (dilation, other sizes and strides) copy the plane into a zero-padded
// scratch and run the generic `block`s. Stride 2 de-interleaves even and odd columns with
// permutes, or, for 5x5 and 7x7 in place, in-lane shuffles undone once at the store.
#include <immintrin.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "kernels/conv2d.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

struct Plane {
  const float* pad;  // zero-padded input plane, Wp floats per row
  int64_t Wp, OW;
  const Conv2dShape* s;
  const float* w;
  __m512 bias;
  FusedActivation act;
  float* y;
};

// Vector literals, so no static initializer runs AVX-512 code at start-up on CPUs without it.
constexpr __m512i kEven = (__m512i)(__v16si){0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
constexpr __m512i kOdd = (__m512i)(__v16si){1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
// Where output columns sit in accumulators built from in-lane shuffles of two 16-column
// loads (5x5 and 7x7 stride 2): columns 2q, 2q + 1 in lanes 4q, 4q + 1; 8 + 2q, 9 + 2q in
// lanes 4q + 2, 4q + 3. One permute per output vector puts them back in order.
constexpr __m512i kUnshuffle = (__m512i)(__v16si){0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15};

// Lanes N..15 of `cur`, then lanes 0..N-1 of `next`.
template <int N>
inline __m512 shift_in(__m512 cur, __m512 next) {
  return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(cur), N));
}

// 16 input values feeding 16 consecutive outputs (columns `stride` apart in the input).
// SW is the stride when known at compile time (1 or 2), 0 for any other.
template <int SW>
inline __m512 load_cols(const float* p, int64_t stride, int64_t lanes) {
  if constexpr (SW == 1) return _mm512_loadu_ps(p);
  if constexpr (SW == 2) return _mm512_permutex2var_ps(_mm512_loadu_ps(p), kEven, _mm512_loadu_ps(p + 16));
  alignas(64) float tmp[16] = {};
  for (int64_t i = 0; i < lanes; ++i) tmp[i] = p[i * stride];
  return _mm512_load_ps(tmp);
}

// Output rows [oh, oh+R) x columns [ow, ow + 16V).
template <int R, int V, int SW>
void block(const Plane& p, int64_t oh, int64_t ow) {
  const Conv2dShape& s = *p.s;
  __m512 acc[R][V];
  int64_t lanes[V];
  for (int v = 0; v < V; ++v) lanes[v] = std::clamp<int64_t>(p.OW - (ow + 16 * v), 0, 16);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = p.bias;
  for (int64_t kh = 0; kh < s.KH; ++kh) {
    for (int64_t kw = 0; kw < s.KW; ++kw) {
      const __m512 wv = _mm512_set1_ps(p.w[kh * s.KW + kw]);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const float* row = p.pad + ((oh + r) * s.SH + kh * s.DH) * p.Wp + ow * s.SW + kw * s.DW;
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          acc[r][v] = _mm512_fmadd_ps(wv, load_cols<SW>(row + 16 * v * s.SW, s.SW, lanes[v]), acc[r][v]);
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* out = p.y + (oh + r) * p.OW + ow;
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      const __mmask16 m = lanes[v] == 16 ? __mmask16(0xffff) : __mmask16((1u << lanes[v]) - 1);
      _mm512_mask_storeu_ps(out + 16 * v, m, apply_fused_activation(acc[r][v], p.act));
    }
  }
}

template <int V, int SW>
void rows(const Plane& p, int64_t OH) {
  constexpr int R = 8 / V;
  for (int64_t ow = 0; ow < p.OW; ow += 16 * V) {
    int64_t oh = 0;
    for (; oh + R <= OH; oh += R) block<R, V, SW>(p, oh, ow);
    for (; oh < OH; ++oh) block<1, V, SW>(p, oh, ow);
  }
}

template <int SW>
void plane(const Plane& p, int64_t OH) {
  if (p.OW > 32) rows<4, SW>(p, OH);
  else if (p.OW > 16) rows<2, SW>(p, OH);
  else rows<1, SW>(p, OH);
}

// ---- in place: K x K (3, 5, 7), stride S (1, 2), dilation 1 ----

struct InPlacePlane {
  const float* x;  // [H, W]
  int64_t H, W, OH, OW, PH, PW;
  const float* w;  // [K, K]
  __m512 bias;
  FusedActivation act;
  float* y;  // [OH, OW]
};

// Lanes of one column block: lane l of the load for vector v, tap kw (half h of the two
// loads a stride-2 vector takes) reads input column (ow0 + 16v) * S - PW + kw + 16h + l,
// live when inside [0, W); `out` masks the stored output columns.
template <int K, int S, int V>
struct ColumnMasks {
  __mmask16 in[V][K][S];
  __mmask16 out[V];
  __mmask16 after;  // stride 1: lanes [0, K - 1) of the 16 columns after the block's last vector
};

inline __mmask16 lanes_between(int64_t lo, int64_t hi) {  // bits [lo, hi) of 16, clamped
  lo = std::clamp<int64_t>(lo, 0, 16);
  hi = std::clamp<int64_t>(hi, lo, 16);
  return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

template <int K, int S, int V>
ColumnMasks<K, S, V> column_masks(const InPlacePlane& p, int64_t ow0) {
  ColumnMasks<K, S, V> m;
  for (int v = 0; v < V; ++v) {
    const int64_t o = ow0 + 16 * v;
    m.out[v] = lanes_between(0, p.OW - o);
    for (int kw = 0; kw < K; ++kw)
      for (int h = 0; h < S; ++h) {
        const int64_t start = o * S - p.PW + kw + 16 * h;
        m.in[v][kw][h] = lanes_between(-start, p.W - start);
      }
  }
  const int64_t start = ow0 + 16 * V - p.PW;
  m.after = lanes_between(-start, p.W - start) & static_cast<__mmask16>((1u << (K - 1)) - 1);
  return m;
}

// Output rows [oh0, oh0 + R) (those below OH stored) x vectors [ow0, ow0 + 16V); Inside:
// every input row under the block lies in the plane (no row of padding to skip).
template <int K, int S, int R, int V, bool Inside, bool Pull = true>
void block_in_place(const InPlacePlane& p, const ColumnMasks<K, S, V>& m, int64_t oh0, int64_t ow0) {
  constexpr int kRows = (R - 1) * S + K;
  const int64_t ih0 = oh0 * S - p.PH;
  // The rows this block's successor adds, every line: the next planes stream from L3, and
  // one block of warning beats the hardware prefetcher (~10 % at 56x56). The rows are one
  // contiguous span, walked as such (a loop per row cost 3-11 % more; every other line,
  // 5-10 % more). The plane's last blocks reach past its end into the next plane's first
  // rows (NCHW neighbours; a prefetch never faults): s2 +1-6 %, s1 level.
  const int64_t r0 = std::max<int64_t>(ih0 + kRows, 0), r1 = std::max<int64_t>(ih0 + kRows + R * S, 0);
  const char* pf0 = reinterpret_cast<const char*>(p.x + r0 * p.W);
  const int64_t pf_lines = ((r1 - r0) * p.W * 4 + 63) / 64;
  // They are spread over the block's input rows (`pull`): issued at once, they fill the
  // line-fill buffers and hold up the block's own loads. Stride 2, whose successor adds
  // twice the rows (56 lines at 112x112): 3x3 +4-20 %, level at 5x5. Stride 1 (Xeon VM,
  // alternating in one process, three runs over 11 layers): +0-11 %, most +3-8 %, one
  // run of one layer -6 % (MobileNetV2's 112x112 to 14x14, ConvNeXt's 7x7 kernels).
  auto pull = [&](int i) {
    if constexpr (!Pull) return;
    for (int64_t l = pf_lines * i / kRows; l < pf_lines * (i + 1) / kRows; ++l)
      _mm_prefetch(pf0 + 64 * l, _MM_HINT_T0);
  };
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = p.bias;
  // 3x3: the nine weights stay in registers (16 accumulators + 9 + operands fit in 32);
  // larger kernels broadcast theirs from memory inside the multiply-adds.
  constexpr int kRegWeights = K == 3 ? 9 : 1;
  __m512 wreg[kRegWeights];
  if constexpr (K == 3)
    for (int t = 0; t < 9; ++t) wreg[t] = _mm512_set1_ps(p.w[t]);
  // Input row i of the block serves output row r through kernel row kh = i - r*S,
  // compile-time once the loops unroll.
  auto tap = [&](int i, int kw, int v, __m512 xv) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const int kh = i - r * S;
      if (kh < 0 || kh >= K) continue;
      const __m512 wv = K == 3 ? wreg[(kh * K + kw) % kRegWeights] : _mm512_set1_ps(p.w[kh * K + kw]);
      acc[r][v] = _mm512_fmadd_ps(wv, xv, acc[r][v]);
    }
  };
  if constexpr (K == 3 && S == 2) {
    // Tap kw = 2 of output x reads the column that tap 0 of output x + 1 reads: lanes 1..15
    // of tap 0's vector and lane 0 of the next one. One lane rotation replaces a second
    // pair of loads and a permute: 3x3 s2 at 96 x 112^2 went from 163 to 132 us on one
    // Zen 5 core. Masked lanes are never read.
    __mmask16 m0[V], m1[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      m0[v] = m.in[v][0][0];
      m1[v] = m.in[v][0][1];
    }
    // The last vector's lane 15 takes tap 2 from the column after its 32 (lane 14 of that
    // tap's second half in the masks): one masked scalar load, where a second load pair
    // and permute cost 7-18 % (56x56 down to 14x14; level at 112x112).
    const __mmask8 last = static_cast<__mmask8>((m.in[V - 1][2][1] >> 14) & 1);
    const float* col = p.x + ih0 * p.W + (ow0 * 2 - p.PW);
#pragma GCC unroll 24
    for (int i = 0; i < kRows; ++i) {
      pull(i);
      if constexpr (!Inside)
        if (ih0 + i < 0 || ih0 + i >= p.H) continue;
      __m512 even[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        const float* src = col + i * p.W + 32 * v;
        const __m512 lo = _mm512_maskz_loadu_ps(m0[v], src), hi = _mm512_maskz_loadu_ps(m1[v], src + 16);
        even[v] = _mm512_permutex2var_ps(lo, kEven, hi);
        tap(i, 0, v, even[v]);
        tap(i, 1, v, _mm512_permutex2var_ps(lo, kOdd, hi));
      }
#pragma GCC unroll 4
      for (int v = 0; v + 1 < V; ++v)
        tap(i, 2, v, shift_in<1>(even[v], even[v + 1]));
      const __m512 next = _mm512_castps128_ps512(_mm_maskz_load_ss(last, col + i * p.W + 32 * V));
      tap(i, 2, V - 1, shift_in<1>(even[V - 1], next));
    }
  } else if constexpr (S == 1 && (V > 1 || K == 7)) {
    // Rows outermost: each input row is loaded once, V + 1 vectors (the last one only the
    // K - 1 columns after the block), and taps 1..K-1 are lane rotations of neighbouring
    // vectors instead of K - 1 more loads. One thread: 3x3 at 56^2 and 112^2 +15 %, 5x5 at
    // 28^2 +10 %, 7x7 +3-23 %; 3x3 at 28^2 +2 %. A single vector of 3x3 or 5x5 (maps of
    // 16 columns or fewer) ran 3-8 % slower, so it keeps the columns-outer loop below.
    __mmask16 mb[V + 1];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) mb[v] = m.in[v][0][0];
    mb[V] = m.after;
    const float* col = p.x + ih0 * p.W + (ow0 - p.PW);
#pragma GCC unroll 24
    for (int i = 0; i < kRows; ++i) {
      pull(i);
      if constexpr (!Inside)
        if (ih0 + i < 0 || ih0 + i >= p.H) continue;
      __m512 xv[V + 1];
#pragma GCC unroll 5
      for (int v = 0; v <= V; ++v) xv[v] = _mm512_maskz_loadu_ps(mb[v], col + i * p.W + 16 * v);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        tap(i, 0, v, xv[v]);
        [&]<int... J>(std::integer_sequence<int, J...>) {
          (tap(i, J + 1, v, shift_in<J + 1>(xv[v], xv[v + 1])), ...);
        }(std::make_integer_sequence<int, K - 1>{});
      }
    }
  } else {
    // Columns of taps outermost, so that their V column masks are loaded into mask
    // registers once; every input row then updates all R x V accumulators (independent
    // chains that hide the FMA latency). Stride 2 loads 32 columns once for two taps:
    // the even ones are tap kw's, the odd ones tap kw + 1's, each taken by an in-lane
    // shuffle (vshufps) in a fixed lane order that the store undoes: 5x5 +8-10 % against
    // a cross-lane permute per tap. (3x3 s2 above keeps its permutes: with shuffles it
    // needs a second load pair for tap 2, and ran 2-14 % slower.)
#pragma GCC unroll 7
    for (int kw = 0; kw < K; kw += S) {
      __mmask16 m0[V], m1[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        m0[v] = m.in[v][kw][0];
        m1[v] = m.in[v][kw][S - 1];
      }
      // Masked lanes are never read, so the address may lie outside the row.
      const float* col = p.x + ih0 * p.W + (ow0 * S - p.PW + kw);
#pragma GCC unroll 24
      for (int i = 0; i < kRows; ++i) {
        if (kw == 0) pull(i);
        if constexpr (!Inside)
          if (ih0 + i < 0 || ih0 + i >= p.H) continue;
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
          const float* src = col + i * p.W + 16 * v * S;
          if constexpr (S == 1) {
            tap(i, kw, v, _mm512_maskz_loadu_ps(m0[v], src));
          } else {
            const __m512 lo = _mm512_maskz_loadu_ps(m0[v], src), hi = _mm512_maskz_loadu_ps(m1[v], src + 16);
            tap(i, kw, v, _mm512_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)));
            if (kw + 1 < K) tap(i, kw + 1, v, _mm512_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1)));
          }
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (oh0 + r >= p.OH) break;
    float* out = p.y + (oh0 + r) * p.OW + ow0;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      __m512 a = acc[r][v];
      if constexpr (S == 2 && K != 3) a = _mm512_permutexvar_ps(kUnshuffle, a);
      _mm512_mask_storeu_ps(out + 16 * v, m.out[v], apply_fused_activation(a, p.act));
    }
  }
}

// Column blocks of up to 4 vectors; 8 accumulators at least, for the FMA latency. Two
// vectors take 4 rows, not 8: 16 accumulators spilled for 5x5 and 7x7, and 3x3 gains
// too (1 thread: 3x3 +7-16 %, 5x5 +19-39 %, 7x7 at 28x28 1.8x). One vector takes 8 rows,
// or 7, 6 or 5 where that computes fewer past the last (column_of_planes).
template <int K, int S, int V, int R = V == 1 ? 8 : 4>
void column_block(const InPlacePlane& p, const ColumnMasks<K, S, V>& m, int64_t ow0) {
  constexpr int kRows = (R - 1) * S + K;
  // Planes of at most 1024 pixels (4 KiB: 32 x 32 and smaller) are read without the pull
  // of the next block's rows: the plane is in L1 or L2 already, a block is a few dozen
  // multiply-adds a vector, and the pull's bounds and line loop per input row took a share
  // of it. Alternating in one process with oneDNN (Xeon VM, one and two threads): 3x3 at
  // 14^2 0.52-0.69x -> 0.65-0.81x, 3x3 s2 28^2 -> 14^2 0.41-0.49x -> 0.68-0.80x, 5x5 at
  // 14^2 +1-10 %, 7x7 at 14^2 and 7^2 +9-14 %, 5x5 and 7x7 at 28^2 +0-10 %, 3x3 at 28^2
  // and 32^2 level to +2 %. Larger planes keep it (56^2 stride 2 lost 9-11 % without).
  auto blocks = [&](auto pull) {
    for (int64_t oh = 0; oh < p.OH; oh += R) {
      const int64_t ih0 = oh * S - p.PH;
      if (ih0 >= 0 && ih0 + kRows <= p.H) block_in_place<K, S, R, V, true, pull()>(p, m, oh, ow0);
      else block_in_place<K, S, R, V, false, pull()>(p, m, oh, ow0);
    }
  };
  if (p.H * p.W > 1024) blocks(std::true_type{});
  else blocks(std::false_type{});
}

// Points p at plane t of the run.
inline void point_at(InPlacePlane& p, const DepthwisePlanes& t) {
  p.x = t.x();
  p.w = t.w();
  p.bias = _mm512_set1_ps(t.bias());
  p.y = t.y();
}

// One column block of every plane in the run. The masks depend on the shape alone: worked
// out per plane, they took 7 % of a 3x3 s2 layer's time at 56x56 (one plane is ~7 blocks);
// once per run, 3x3 s2, 5x5 s2 and 3x3 at 28x28 ran 7-25 % faster on one thread (old and
// new builds, each against oneDNN in its own process), 3x3 at 56x56 level. Column blocks
// outermost is no detour: planes of more than one block (over 64 output columns) come a
// plane or two per run (conv2d.cpp).
template <int K, int S, int V>
void column_of_planes(const DepthwiseArgs& a, const Conv2dShape& s, InPlacePlane p, int64_t ow0) {
  const ColumnMasks<K, S, V> m = column_masks<K, S, V>(p, ow0);
  // Blocks of 8 rows compute 16 for a 14-row map, 16 for a 9-row one. A single vector takes
  // blocks of 8, 7, 6 or 5 rows, whichever computes the fewest (the larger on a tie). Inside
  // conv2d_f32, alternating with blocks of 8 (dev VM): MobileNetV2's 384 x 14^2 +3-14 %,
  // 576 x 14^2 -1 to +9 %, 192 x 28^2 stride 2 +15-23 % (7 rows, four runs each, one and two
  // threads); EfficientNet-B2/B3's last stages, one thread: 9x9 and 10x10 maps +18-32 %
  // (5 rows), 12x12 +11 % (6), 20 -> 10 stride 2 +45 %, 15x15 +10-17 %; two threads +5-39 %.
  int rows = 8;
  if constexpr (V == 1) {
    int64_t fewest = (p.OH + 7) / 8 * 8;
    for (int r : {7, 6, 5})
      if ((p.OH + r - 1) / r * r < fewest) fewest = (p.OH + r - 1) / r * r, rows = r;
  }
  for (DepthwisePlanes t(a, s); t.more(); t.next()) {
    point_at(p, t);
    if constexpr (V == 1) {
      switch (rows) {
        case 7: column_block<K, S, V, 7>(p, m, ow0); continue;
        case 6: column_block<K, S, V, 6>(p, m, ow0); continue;
        case 5: column_block<K, S, V, 5>(p, m, ow0); continue;
        default: break;
      }
    }
    column_block<K, S, V>(p, m, ow0);
  }
}

// Planes of 65 to 128 output columns, two column blocks: row blocks outermost, so that a
// block's input rows, loaded for the first column block, are still in L1 for the second.
// Column blocks outermost walked the plane twice, the second time from L2 or beyond, and
// left its rows at 64 bytes of each 448 (a line each side of the split) to be fetched
// again. The rows the next row block adds are pulled in by the first column block alone
// (the second one's pull, or the pull split between the two, did less). One thread,
// alternating in one process with oneDNN (Xeon VM, three runs): MobileNetV2's 32 x 112^2
// from 0.68-0.80x to 1.03-1.18x oneDNN's speed, 40 x 100^2 from 0.76-0.93x to 1.20-1.34x,
// 3x3 stride 2 from 224^2 0.59x -> 1.06-1.10x, 32 x 72^2 (the second block one vector)
// 0.80x -> 0.91x; 5x5 and 7x7 at 112-120 +4-9 %; two threads alike.
template <int K, int S, int V2>
void two_column_blocks(const DepthwiseArgs& a, const Conv2dShape& s, InPlacePlane p) {
  constexpr int R = 4;  // as column_block's for V = 4; the second block shares its rows
  constexpr int kRows = (R - 1) * S + K;
  const ColumnMasks<K, S, 4> m0 = column_masks<K, S, 4>(p, 0);
  const ColumnMasks<K, S, V2> m1 = column_masks<K, S, V2>(p, 64);
  for (DepthwisePlanes t(a, s); t.more(); t.next()) {
    point_at(p, t);
    for (int64_t oh = 0; oh < p.OH; oh += R) {
      const int64_t ih0 = oh * S - p.PH;
      if (ih0 >= 0 && ih0 + kRows <= p.H) {
        block_in_place<K, S, R, 4, true>(p, m0, oh, 0);
        block_in_place<K, S, R, V2, true, false>(p, m1, oh, 64);
      } else {
        block_in_place<K, S, R, 4, false>(p, m0, oh, 0);
        block_in_place<K, S, R, V2, false, false>(p, m1, oh, 64);
      }
    }
  }
}

template <int K, int S>
void planes_in_place(const DepthwiseArgs& a, const Conv2dShape& s) {
  const InPlacePlane p{nullptr, s.H, s.W, s.OH(), s.OW(), s.PH, s.PW, nullptr, _mm512_setzero_ps(), a.act, nullptr};
  if (p.OW > 64 && p.OW <= 128) {
    switch ((p.OW - 64 + 15) / 16) {
      case 1: two_column_blocks<K, S, 1>(a, s, p); return;
      case 2: two_column_blocks<K, S, 2>(a, s, p); return;
      case 3: two_column_blocks<K, S, 3>(a, s, p); return;
      default: two_column_blocks<K, S, 4>(a, s, p); return;
    }
  }
  for (int64_t ow0 = 0; ow0 < p.OW; ow0 += 64) {
    const int64_t vectors = std::min<int64_t>(4, (p.OW - ow0 + 15) / 16);
    switch (vectors) {
      case 1: column_of_planes<K, S, 1>(a, s, p, ow0); break;
      case 2: column_of_planes<K, S, 2>(a, s, p, ow0); break;
      case 3: column_of_planes<K, S, 3>(a, s, p, ow0); break;
      default: column_of_planes<K, S, 4>(a, s, p, ow0); break;
    }
  }
}

template <int K>
bool run_in_place(const DepthwiseArgs& a, const Conv2dShape& s) {
  if (s.SH == 1) planes_in_place<K, 1>(a, s);
  else if (s.SH == 2) planes_in_place<K, 2>(a, s);
  else return false;
  return true;
}

}  // namespace

void dwconv2d_f32__avx512(const DepthwiseArgs& a, const Conv2dShape& s, float* scratch) {
  if (s.KH == s.KW && s.SH == s.SW && s.DH == 1 && s.DW == 1) {
    if (s.KH == 3 && run_in_place<3>(a, s)) return;
    if (s.KH == 5 && run_in_place<5>(a, s)) return;
    if (s.KH == 7 && run_in_place<7>(a, s)) return;
  }
  const int64_t Wp = s.W + 2 * s.PW, OH = s.OH(), OW = s.OW();
  for (DepthwisePlanes t(a, s); t.more(); t.next()) {
    pad_plane_f32(scratch, t.x(), s);
    const Plane p{scratch, Wp, OW, &s, t.w(), _mm512_set1_ps(t.bias()), a.act, t.y()};
    if (s.SW == 1) plane<1>(p, OH);
    else if (s.SW == 2) plane<2>(p, OH);
    else plane<0>(p, OH);
  }
}

}  // namespace tessera::kernels
