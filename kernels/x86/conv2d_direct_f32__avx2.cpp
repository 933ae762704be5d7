// Direct convolution microkernels, AVX2+FMA: the 14 (or 7) pixel x 32 channel tiles of
// kernels/conv2d_ukernel.h, which the AVX-512 kernels hold in 28 zmm accumulators, here
// in passes over K, each a block of P pixels x V vectors of 8 channels in P*V ymm
// accumulators, beside V weight vectors and a broadcast (at most 16 registers).
//
// Most passes keep 12 independent accumulators: with 8 (4 pixels x 16 channels) a pass ran
// at half the FMA rate on Zen 5, its chains too short for the FMA latency, and 10 (5 x 16)
// still left 7-11 % on the table. A 14-pixel tile is 4 passes of 6 pixels x 16 channels
// (12 FMAs for 6 broadcasts and 2 weight loads per k step) and one of its last 2 pixels x
// 32 channels; a 7-pixel one 5 x 16, 5 x 16 and 2 x 32 (6 x 16 twice and 1 x 32: level).
// (4 x 24 passes with a 12 x 8 one ran level with 5 x 16; 14 x 8, 15 loads per 14 FMAs,
// 8-10 % below it.) The passes
// re-read the tile's input rows and weight panel from L1/L2.
#include <immintrin.h>

#include "kernels/conv2d_ukernel.h"
#include "kernels/x86/fused_activation__avx2.h"
#include "kernels/x86/transpose_f32__avx2.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

// Pixels [G0, G0 + P) x channel vectors [V0, V0 + V) of a tile of MR pixels, S floats
// apart, pixels from Split on in a second output row.
template <int MR, int Split, int S, int G0, int P, int V0, int V>
struct Pass {
  static constexpr bool kFirst = G0 == 0 && V0 == 0;  // prefetches for the tile

  // One k step: the Active pixels (bits over the whole tile) times weights k of the
  // block's channels.
  template <unsigned Active>
  [[gnu::always_inline]] static void k_step(__m256 (&acc)[P][V], const ConvTile& t, int64_t k, const float* x0,
                                            const float* x1) {
    const int64_t off = t.x_offsets[k];
    if constexpr (kFirst) {
      // The input rows 16 k ahead (they jump between channel planes) into L1, the
      // panel's row 64 k ahead into L2; later passes find both there.
      const int64_t ahead = t.x_offsets[k + 16 < t.kc ? k + 16 : t.kc - 1];
      _mm_prefetch(reinterpret_cast<const char*>(x0 + ahead), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(x0 + ahead + S * (Split - 1)), _MM_HINT_T0);
      if constexpr (Split < MR) _mm_prefetch(reinterpret_cast<const char*>(x1 + ahead + S * (MR - 1)), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(t.w + 32 * (k + 64)), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(t.w + 32 * (k + 64) + 16), _MM_HINT_T1);
    }
    __m256 w[V];
    for (int v = 0; v < V; ++v) w[v] = _mm256_load_ps(t.w + 32 * k + 8 * (V0 + v));
#pragma GCC unroll 14
    for (int i = 0; i < P; ++i) {
      const int p = G0 + i;
      if ((Active >> p & 1) == 0) continue;
      const __m256 xi = _mm256_broadcast_ss(p < Split ? x0 + off + S * p : x1 + off + S * p);
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_fmadd_ps(xi, w[v], acc[i][v]);
    }
  }

  template <unsigned Skip>
  [[gnu::always_inline]] static void sum_segment(__m256 (&acc)[P][V], const ConvTile& t, int64_t k0, int64_t k1,
                                                 const float* x0, const float* x1) {
    constexpr unsigned block = ((1u << P) - 1) << G0;
    constexpr unsigned a0 = active_pixels<MR, Split>(Skip, 0) & block, a1 = active_pixels<MR, Split>(Skip, 1) & block,
                       a2 = active_pixels<MR, Split>(Skip, 2) & block;
    if constexpr (a0 == a1 && a1 == a2) {
      if constexpr (a0 != 0 || kFirst)  // the first pass still walks K for its prefetches
        for (int64_t k = k0; k < k1; ++k) k_step<a0>(acc, t, k, x0, x1);
    } else {
      for (int64_t k = k0; k < k1; k += 3) {
        k_step<a0>(acc, t, k, x0, x1);
        k_step<a1>(acc, t, k + 1, x0, x1);
        k_step<a2>(acc, t, k + 2, x0, x1);
      }
    }
  }

  // Bias and activation along each 8-channel vector, 8x8 transposes (pixels past P are
  // padding), and the block's stored pixels written per channel. The accumulators come
  // through a local tile stored with constant indices: indexed here, the compiler would
  // keep them in memory during the k loop.
  [[gnu::always_inline]] static void store(__m256 (&acc)[P][V], const ConvTile& t) {
    alignas(32) float tile[P][V][8];
#pragma GCC unroll 14
    for (int i = 0; i < P; ++i)
      for (int v = 0; v < V; ++v) _mm256_store_ps(tile[i][v], acc[i][v]);
    for (int v = 0; v < V; ++v) {
      const int64_t c0 = 8 * (V0 + v), nv = t.n - c0 < 8 ? t.n - c0 : 8;
      if (nv <= 0) break;
      const __m256 b = t.bias ? _mm256_maskload_ps(t.bias + c0, avx2::tail_mask(nv)) : _mm256_setzero_ps();
      for (int i0 = 0; i0 < P && G0 + i0 < t.m; i0 += 8) {
        const int64_t pixels = t.m - G0 - i0 < 8 ? t.m - G0 - i0 : 8;
        __m256 r[8];
        for (int i = 0; i < 8; ++i)
          r[i] = i0 + i < P ? apply_fused_activation(_mm256_add_ps(_mm256_load_ps(tile[i0 + i][v]), b), t.act)
                            : _mm256_setzero_ps();
        transpose8_f32(r);
        const __m256i mask = avx2::tail_mask(pixels < P - i0 ? pixels : P - i0);
        for (int64_t j = 0; j < nv; ++j) _mm256_maskstore_ps(t.y + (c0 + j) * t.ldy + G0 + i0, mask, r[j]);
      }
    }
  }

  // A border tile's block: K in segments, each leaving out its padding taps (out of
  // line: the whole-K path is the hot one).
  [[gnu::noinline]] static void segmented(const ConvTile& t, const float* x0, const float* x1) {
    __m256 acc[P][V];
    for (int i = 0; i < P; ++i)
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_setzero_ps();
    for (int64_t g = 0; g < t.n_segments; ++g) {
      const ConvSegment& s = t.segments[g];
      switch (s.skip) {
#define TESSERA_SEGMENT(bits) \
  case bits: sum_segment<bits>(acc, t, s.k0, s.k1, x0, x1); break;
        TESSERA_SEGMENT(1) TESSERA_SEGMENT(2) TESSERA_SEGMENT(4) TESSERA_SEGMENT(5) TESSERA_SEGMENT(6)
        TESSERA_SEGMENT(8) TESSERA_SEGMENT(9) TESSERA_SEGMENT(10) TESSERA_SEGMENT(12) TESSERA_SEGMENT(13)
        TESSERA_SEGMENT(14)
#undef TESSERA_SEGMENT
        default: sum_segment<0>(acc, t, s.k0, s.k1, x0, x1);
      }
    }
    store(acc, t);
  }

  [[gnu::always_inline]] static void run(const ConvTile& t, const float* x0, const float* x1) {
    if (G0 >= t.m || 8 * V0 >= t.n) return;  // no stored pixel or channel in the block
    if (t.segments != nullptr) {
      segmented(t, x0, x1);
      return;
    }
    __m256 acc[P][V];
    for (int i = 0; i < P; ++i)
      for (int v = 0; v < V; ++v) acc[i][v] = _mm256_setzero_ps();
    sum_segment<0>(acc, t, 0, t.kc, x0, x1);
    store(acc, t);
  }
};

// MR pixels per tile, S floats apart; pixels from Split on come from a second output row.
template <int MR, int Split, int S>
void direct_tile(const ConvTile& t) {
  const float* x0 = t.x;
  const float* x1 = t.x + t.row_step - S * Split;  // pixel i >= Split reads x1[offset + S * i]
  if (t.prefetch_y)
    for (int64_t j = 0; j < t.n; ++j) {
      _mm_prefetch(reinterpret_cast<const char*>(t.y + j * t.ldy), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(t.y + j * t.ldy + t.m - 1), _MM_HINT_T0);
    }
  if constexpr (MR == 14) {
    Pass<MR, Split, S, 0, 6, 0, 2>::run(t, x0, x1);
    Pass<MR, Split, S, 6, 6, 0, 2>::run(t, x0, x1);
    Pass<MR, Split, S, 0, 6, 2, 2>::run(t, x0, x1);
    Pass<MR, Split, S, 6, 6, 2, 2>::run(t, x0, x1);
    Pass<MR, Split, S, 12, 2, 0, 4>::run(t, x0, x1);
  } else {
    Pass<MR, Split, S, 0, 5, 0, 2>::run(t, x0, x1);
    Pass<MR, Split, S, 0, 5, 2, 2>::run(t, x0, x1);
    Pass<MR, Split, S, 5, 2, 0, 4>::run(t, x0, x1);
  }
}

}  // namespace

void conv2d_direct_ukernel_14x32__avx2(const ConvTile& t) { direct_tile<14, 14, 1>(t); }
void conv2d_direct_ukernel_2x7x32__avx2(const ConvTile& t) { direct_tile<14, 7, 1>(t); }
void conv2d_direct_ukernel_7x32__avx2(const ConvTile& t) { direct_tile<7, 7, 1>(t); }
void conv2d_direct_ukernel_14x32s2__avx2(const ConvTile& t) { direct_tile<14, 14, 2>(t); }
void conv2d_direct_ukernel_2x7x32s2__avx2(const ConvTile& t) { direct_tile<14, 7, 2>(t); }
void conv2d_direct_ukernel_7x32s2__avx2(const ConvTile& t) { direct_tile<7, 7, 2>(t); }

}  // namespace tessera::kernels
