// Direct convolution microkernels, AVX-512: 14 (or 7) output pixels x 32 output
// channels (contract in kernels/conv2d_ukernel.h). Same register plan as the GEMM
// kernel: 28 zmm accumulators, 2 weight vectors and one broadcast pixel per k step.
#include <immintrin.h>

#include <type_traits>

#include "kernels/conv2d_ukernel.h"
#include "kernels/x86/fused_activation__avx512.h"
#include "kernels/x86/transpose_f32__avx512.h"

namespace tessera::kernels {

namespace {

// One k step: weights k (V vectors of 16 channels) times the Active pixels, S floats apart.
template <int MR, int Split, int S, unsigned Active, int V>
[[gnu::always_inline]] inline void k_step(__m512 (&acc)[MR][2], const ConvTile& t, int64_t k, const float* x0,
                                          const float* x1) {
  constexpr int64_t kAhead = 16;  // input rows prefetched ahead: they jump between channel planes
  const int64_t off = t.x_offsets[k];
  const int64_t ahead = t.x_offsets[k + kAhead < t.kc ? k + kAhead : t.kc - 1];
  _mm_prefetch(reinterpret_cast<const char*>(x0 + ahead), _MM_HINT_T0);
  // 14 pixels often straddle two lines: fetch the second too.
  if constexpr (Split == MR && S * MR > 8) _mm_prefetch(reinterpret_cast<const char*>(x0 + ahead + S * (MR - 1)), _MM_HINT_T0);
  if constexpr (Split < MR) _mm_prefetch(reinterpret_cast<const char*>(x1 + ahead + S * Split), _MM_HINT_T0);
  const float* w = t.w + 32 * k;
  // Weights 64 rows (8 KiB) ahead into L2: a panel's first tile streams them from L3.
  _mm_prefetch(reinterpret_cast<const char*>(w + 32 * 64), _MM_HINT_T1);
  if constexpr (V == 2) _mm_prefetch(reinterpret_cast<const char*>(w + 32 * 64 + 16), _MM_HINT_T1);
  const __m512 w0 = _mm512_load_ps(w), w1 = V == 2 ? _mm512_load_ps(w + 16) : _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    if ((Active >> i & 1) == 0) continue;
    const __m512 xi = _mm512_set1_ps(i < Split ? x0[off + S * i] : x1[off + S * i]);
    acc[i][0] = _mm512_fmadd_ps(xi, w0, acc[i][0]);
    if constexpr (V == 2) acc[i][1] = _mm512_fmadd_ps(xi, w1, acc[i][1]);
  }
}

template <int MR, int Split, int S, unsigned Skip, int V>
[[gnu::always_inline]] inline void sum_segment(__m512 (&acc)[MR][2], const ConvTile& t, int64_t k0, int64_t k1,
                                               const float* x0, const float* x1) {
  constexpr unsigned a0 = active_pixels<MR, Split>(Skip, 0), a1 = active_pixels<MR, Split>(Skip, 1),
                     a2 = active_pixels<MR, Split>(Skip, 2);
  if constexpr (a0 == a1 && a1 == a2) {
    for (int64_t k = k0; k < k1; ++k) k_step<MR, Split, S, a0, V>(acc, t, k, x0, x1);
  } else {
    for (int64_t k = k0; k < k1; k += 3) {
      k_step<MR, Split, S, a0, V>(acc, t, k, x0, x1);
      k_step<MR, Split, S, a1, V>(acc, t, k + 1, x0, x1);
      k_step<MR, Split, S, a2, V>(acc, t, k + 2, x0, x1);
    }
  }
}

// Bias and activation along the channel vectors, then transpose each 16-channel half
// (pixels MR..15 are padding) and store m pixels per channel. The accumulators go to a
// local tile first, with constant indices: the transposes need 16 registers of their own,
// and a spill the compiler plans itself also zeroes its slots on entry to every call.
template <int MR, int V>
[[gnu::always_inline]] inline void store_tile(__m512 (&acc)[MR][2], const ConvTile& t) {
  alignas(64) float tile[MR][2][16];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    _mm512_store_ps(tile[i][0], acc[i][0]);
    if constexpr (V == 2) _mm512_store_ps(tile[i][1], acc[i][1]);
  }
  const __mmask16 pix = static_cast<__mmask16>((1u << t.m) - 1);
  auto store_half = [&](auto half) {
    constexpr int v = decltype(half)::value;
    const int64_t c0 = 16 * v;
    if (c0 >= t.n) return;
    const int64_t nv = t.n - c0 < 16 ? t.n - c0 : 16;
    const __mmask16 ch = static_cast<__mmask16>((1u << nv) - 1);
    const __m512 b = t.bias ? _mm512_maskz_loadu_ps(ch, t.bias + c0) : _mm512_setzero_ps();
    __m512 r[16];
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) r[i] = apply_fused_activation(_mm512_add_ps(_mm512_load_ps(tile[i][v]), b), t.act);
    for (int i = MR; i < 16; ++i) r[i] = _mm512_setzero_ps();
    transpose16_f32(r);
    for (int j = 0; j < nv; ++j) _mm512_mask_storeu_ps(t.y + (c0 + j) * t.ldy, pix, r[j]);
  };
  store_half(std::integral_constant<int, 0>{});
  if constexpr (V == 2) store_half(std::integral_constant<int, 1>{});
}

// The tile's output lines of channels [j0, j1), one per row segment (two when the pixels
// straddle a line), fetched while the FMAs run. The tile is stored across up to 32
// channel planes; lines that miss L1 then hold the store queue, and the next tile stalls
// behind it.
template <int MR, int Split>
[[gnu::always_inline]] inline void prefetch_output(const ConvTile& t, int64_t j0, int64_t j1) {
  const int64_t last_a = (t.m < Split ? t.m : Split) - 1, last_b = t.m - 1;
  for (int64_t j = j0; j < j1; ++j) {
    const float* yj = t.y + j * t.ldy;
    _mm_prefetch(reinterpret_cast<const char*>(yj), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(yj + last_a), _MM_HINT_T0);
    if constexpr (Split < MR) _mm_prefetch(reinterpret_cast<const char*>(yj + last_b), _MM_HINT_T0);
  }
}

// A border tile: K in segments, each leaving out its padding taps (out of line: the
// whole-K path below is the hot one).
template <int MR, int Split, int S, int V>
[[gnu::noinline]] void segmented_tile(const ConvTile& t, const float* x0, const float* x1) {
  __m512 acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t g = 0; g < t.n_segments; ++g) {
    const ConvSegment& s = t.segments[g];
    switch (s.skip) {
#define TESSERA_SEGMENT(bits) \
  case bits: sum_segment<MR, Split, S, bits, V>(acc, t, s.k0, s.k1, x0, x1); break;
      TESSERA_SEGMENT(1) TESSERA_SEGMENT(2) TESSERA_SEGMENT(4) TESSERA_SEGMENT(5) TESSERA_SEGMENT(6)
      TESSERA_SEGMENT(8) TESSERA_SEGMENT(9) TESSERA_SEGMENT(10) TESSERA_SEGMENT(12) TESSERA_SEGMENT(13)
      TESSERA_SEGMENT(14)
#undef TESSERA_SEGMENT
      default: sum_segment<MR, Split, S, 0, V>(acc, t, s.k0, s.k1, x0, x1);
    }
  }
  store_tile<MR, V>(acc, t);
}

// MR pixels per tile, S floats apart; pixels from Split on come from a second output row.
// V = 1: a channel tail of at most 16 runs one weight vector (half the multiply-adds).
template <int MR, int Split, int S, int V>
void direct_tile_v(const ConvTile& t) {
  const float* x0 = t.x;
  const float* x1 = t.x + t.row_step - S * Split;  // pixel i >= Split reads x1[offset + S * i]
  // Whole-K tiles fetch the output lines one channel per k step: issued all at once,
  // their 64-96 prefetches fill the miss queue and the first steps' input loads wait
  // behind them (ResNet's stem, K = 147: +3-5 % at one and two threads). Border tiles,
  // and a short K (a 3x3 conv over RGB, K = 27) with no steps to spare, fetch them first.
  const bool spread = t.prefetch_y && t.segments == nullptr && t.kc >= 2 * t.n;
  if (t.prefetch_y && !spread) prefetch_output<MR, Split>(t, 0, t.n);
  if (t.segments != nullptr) {
    segmented_tile<MR, Split, S, V>(t, x0, x1);
    return;
  }
  __m512 acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  const int64_t k0 = spread ? t.n : 0;
  for (int64_t k = 0; k < k0; ++k) {
    k_step<MR, Split, S, active_pixels<MR, Split>(0, 0), V>(acc, t, k, x0, x1);
    prefetch_output<MR, Split>(t, k, k + 1);
  }
  sum_segment<MR, Split, S, 0, V>(acc, t, k0, t.kc, x0, x1);
  store_tile<MR, V>(acc, t);
}

// A last channel tile of at most 16 channels (GoogLeNet's 208 and 112, MobileNetV3's 40
// and 80 output channels) runs one weight vector. One thread, alternating in one process:
// 1x1 120 -> 40 at 28x28 +17 %, 240 -> 80 at 14x14 +11 %, 832 -> 48 at 7x7 +20 %,
// 528 -> 112 +7 %, 3x3 96 -> 208 at 14x14 +5 %.
template <int MR, int Split, int S>
void direct_tile(const ConvTile& t) {
  if (t.n <= 16) direct_tile_v<MR, Split, S, 1>(t);
  else direct_tile_v<MR, Split, S, 2>(t);
}

}  // namespace

void conv2d_direct_ukernel_14x32__avx512(const ConvTile& t) { direct_tile<14, 14, 1>(t); }
void conv2d_direct_ukernel_2x7x32__avx512(const ConvTile& t) { direct_tile<14, 7, 1>(t); }
void conv2d_direct_ukernel_7x32__avx512(const ConvTile& t) { direct_tile<7, 7, 1>(t); }
void conv2d_direct_ukernel_14x32s2__avx512(const ConvTile& t) { direct_tile<14, 14, 2>(t); }
void conv2d_direct_ukernel_2x7x32s2__avx512(const ConvTile& t) { direct_tile<14, 7, 2>(t); }
void conv2d_direct_ukernel_7x32s2__avx512(const ConvTile& t) { direct_tile<7, 7, 2>(t); }

}  // namespace tessera::kernels
