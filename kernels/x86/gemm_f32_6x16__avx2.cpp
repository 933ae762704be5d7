// 6x16 fp32 GEMM microkernel, AVX2+FMA (B rows by offset: see kernels/gemm_ukernel.h).
// 12 ymm accumulators + 2 for B + 1 broadcast A = 15 of 16 registers.
#include <immintrin.h>

#include "kernels/gemm_ukernel.h"
#include "kernels/x86/fused_activation__avx2.h"
#include "kernels/x86/store_full_tile.h"

namespace tessera::kernels {

namespace {
constexpr int MR = 6, NR = 16;

// kPacked: B is a packed panel (rows NR apart), walked with no offset loads.
// kPull: walk the call's pull (packed panels only; the other calls keep the plain loop).
// kARows: A read in place, row i at a + i * lda (the rows entry point below).
// kFetchB: B rows by offset (an image read in place) fetched 16 rows ahead (see run_tile).
template <bool kMasked, bool kPacked, bool kPull = false, bool kARows = false, bool kFetchB = false>
inline void accumulate(__m256 (&acc)[MR][2], int64_t kc, const float* a, const float* b, const int64_t* b_offsets,
                       PullCursor& pulled, __m256i mask0, __m256i mask1, int64_t lda = 0) {
  for (int64_t k = 0; k < kc; ++k) {
    const float* bk = kPacked ? b + k * NR : b + b_offsets[k];
    if constexpr (kFetchB && !kPacked)
      _mm_prefetch(reinterpret_cast<const char*>(b + b_offsets[k + 16 < kc ? k + 16 : kc - 1]), _MM_HINT_T0);
    if constexpr (kPull)
      if (const float* line = pulled.next()) _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_T1);
    const __m256 b0 = kMasked ? _mm256_maskload_ps(bk, mask0) : _mm256_loadu_ps(bk);
    const __m256 b1 = kMasked ? _mm256_maskload_ps(bk + 8, mask1) : _mm256_loadu_ps(bk + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(kARows ? a + i * lda + k : a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    if constexpr (!kARows) a += MR;
  }
}

// The whole tile; kARows: MR full rows of A read in place (B packed), else a packed A panel.
template <bool kARows>
void run_tile(int64_t kc, const float* a, int64_t lda, const float* b, const int64_t* b_offsets, float* c, int64_t ldc,
              int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull) {
  // Column masks: B is read only where the tile has columns (no over-read past an image).
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), lane);
  const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n) - 8), lane);
  __m256 acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  // vmaskmov only on partial tiles
  PullCursor pulled(pull);
  if constexpr (kARows) {
    if (n == NR && pull) accumulate<false, true, true, true>(acc, kc, a, b, nullptr, pulled, mask0, mask1, lda);
    else if (n == NR) accumulate<false, true, false, true>(acc, kc, a, b, nullptr, pulled, mask0, mask1, lda);
    else accumulate<true, true, false, true>(acc, kc, a, b, nullptr, pulled, mask0, mask1, lda);
  } else {
    if (n == NR && !b_offsets && pull) accumulate<false, true, true>(acc, kc, a, b, b_offsets, pulled, mask0, mask1);
    else if (n == NR && !b_offsets) accumulate<false, true>(acc, kc, a, b, b_offsets, pulled, mask0, mask1);
    // B read in place over a long K (a 1x1 conv's rows lie a channel plane apart, out of
    // the hardware prefetcher's reach): its rows are fetched 16 ahead. One thread,
    // alternating in one process with oneDNN's AVX2 kernels: ResNet-50's 512 -> 128 at
    // 28x28 +11-17 %, 1024 -> 256 at 14x14 +5-8 %, 512 -> 2048 and 2048 -> 512 at 7x7
    // +3-7 %, MobileNetV2's 384 -> 64/96 and 576 -> 96 at 14x14 +2-5 %; with K of 32-96 it
    // lost 0.5-3 %, at 144-256 level (8 or 32 rows ahead: the same).
    else if (n == NR && kc >= 256) accumulate<false, false, false, false, true>(acc, kc, a, b, b_offsets, pulled, mask0, mask1);
    else if (n == NR) accumulate<false, false>(acc, kc, a, b, b_offsets, pulled, mask0, mask1);
    else if (!b_offsets) accumulate<true, true>(acc, kc, a, b, b_offsets, pulled, mask0, mask1);
    else accumulate<true, false>(acc, kc, a, b, b_offsets, pulled, mask0, mask1);
  }
  // A full tile stored as C = acc (+ a bias per row or per column), then the activation,
  // goes straight from the registers, as in the AVX-512 kernel. On the AVX2 path of an
  // AVX-512 Xeon, alternating in one process: SGEMM 64^3 +12 %, 128^3-256^3 +5 %; 1x1 convs
  // +5-12 %.
  if (m == MR && n == NR && ep.beta == 0.f && ep.alpha == 1.f) {
    store_full_tile<MR, 8>(
        acc, c, ldc, ep.bias_row, ep.bias_col, ep.act, [](float x) { return _mm256_set1_ps(x); },
        [](const float* p) { return _mm256_loadu_ps(p); }, [](__m256 x, __m256 y) { return _mm256_add_ps(x, y); },
        [](float* p, __m256 v) { _mm256_storeu_ps(p, v); });
    return;
  }
  // Spill the tile with constant indices so the accumulators above stay in registers.
  alignas(32) float tile[MR][NR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    _mm256_store_ps(tile[i], acc[i][0]);
    _mm256_store_ps(tile[i] + 8, acc[i][1]);
  }
  const bool full = n == NR;
  const __m256 alpha = _mm256_set1_ps(ep.alpha), beta = _mm256_set1_ps(ep.beta);
  for (int i = 0; i < MR && i < m; ++i) {
    float* ci = c + i * ldc;
    __m256 v[2] = {_mm256_mul_ps(_mm256_load_ps(tile[i]), alpha), _mm256_mul_ps(_mm256_load_ps(tile[i] + 8), alpha)};
    if (!full) {
      for (int64_t j = 0; j < n; ++j) {
        float x = ep.alpha * tile[i][j];
        if (ep.beta != 0.f) x += ep.beta * ci[j];
        if (ep.bias_row) x += ep.bias_row[i];
        if (ep.bias_col) x += ep.bias_col[j];
        if (ep.act != FusedActivation::none) x = x > 0.f ? x : 0.f;
        if (ep.act == FusedActivation::relu6) x = x < 6.f ? x : 6.f;
        ci[j] = x;
      }
      continue;
    }
    for (int h = 0; h < 2; ++h) {
      if (ep.beta != 0.f) v[h] = _mm256_fmadd_ps(beta, _mm256_loadu_ps(ci + 8 * h), v[h]);
      if (ep.bias_row) v[h] = _mm256_add_ps(v[h], _mm256_set1_ps(ep.bias_row[i]));
      if (ep.bias_col) v[h] = _mm256_add_ps(v[h], _mm256_loadu_ps(ep.bias_col + 8 * h));
      _mm256_storeu_ps(ci + 8 * h, apply_fused_activation(v[h], ep.act));
    }
  }
}

}  // namespace

void gemm_f32_ukernel_6x16__avx2(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                 int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull) {
  run_tile<false>(kc, a, 0, b, b_offsets, c, ldc, m, n, ep, pull);
}

void gemm_f32_ukernel_6x16_rows__avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                      int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull) {
  run_tile<true>(kc, a, lda, b, nullptr, c, ldc, MR, n, ep, pull);
}

}  // namespace tessera::kernels
