// 6 x n (n <= 8) fp32 GEMM microkernel, AVX2+FMA, for a narrow B: the AVX2 counterpart
// of the 14 x n AVX-512 kernel. A classifier head at batch 1 (one column of B), or the
// last B panel of a 1x1 conv on a 7 x 7 map (49 = 3 x 16 + 1 pixels), ran on the 6 x 16
// tile with masked loads: sixteen columns of multiply-adds for the one that is kept.
// Here the packed A panel is the vector operand and each B column a broadcast.
//
// A packed panel holds 6 floats per k step; a vector load takes 8, so lanes 6 and 7
// carry the next step's first two rows. Their sums are never stored. The last step of a
// panel loads masked, so no load reads past the panel.
#include <immintrin.h>

#include <type_traits>

#include "kernels/count_dispatch.h"
#include "kernels/gemm_ukernel.h"
#include "kernels/x86/fused_activation__avx2.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

namespace {

constexpr int MR = 6;

// Panels walked side by side: P x N accumulators, P A vectors and one broadcast stay
// within the 16 ymm registers. Each panel is a stream of its own (see the 14 x n kernel).
constexpr int group_panels(int N) { return N <= 2 ? 4 : N == 3 ? 3 : N <= 6 ? 2 : 1; }

// N columns of P panels. U independent accumulators per column keep 8 multiply-adds in
// flight when N = 1; U depends on N alone, so a row's sum runs in the same order however
// the driver groups its panels.
template <int N, int P>
void tile_panels(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets, float* c,
                 int64_t ldc, int64_t m, const UkernelEpilogue& ep) {
  constexpr int U = N == 1 ? 2 : 1;
  const int64_t panel = MR * kc;  // floats from one packed A panel to the next
  const __m256i six = avx2::tail_mask(MR);
  __m256 acc[U][P][N];
  for (int u = 0; u < U; ++u)
    for (int p = 0; p < P; ++p)
      for (int j = 0; j < N; ++j) acc[u][p][j] = _mm256_setzero_ps();
  auto step = [&](int u, int64_t k, auto last) {
    const float* bk = b_offsets ? b + b_offsets[k] : b + k * ldb;
    __m256 av[P];
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const float* ak = a + p * panel + MR * k;
      if constexpr (decltype(last)::value) {
        av[p] = _mm256_maskload_ps(ak, six);
      } else {
        _mm_prefetch(reinterpret_cast<const char*>(ak + MR * 64), _MM_HINT_T0);  // streamed once
        av[p] = _mm256_loadu_ps(ak);
      }
    }
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
      const __m256 bj = _mm256_broadcast_ss(bk + j);
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) acc[u][p][j] = _mm256_fmadd_ps(av[p], bj, acc[u][p][j]);
    }
  };
  const int64_t last = kc - 1;
  int64_t k = 0;
  for (; k + U <= last; k += U)
#pragma GCC unroll 2
    for (int u = 0; u < U; ++u) step(u, k + u, std::false_type{});
  for (; k < last; ++k) step(0, k, std::false_type{});
  if (kc > 0) step(0, last, std::true_type{});

  // Epilogue per panel p and column j: lanes are the panel's rows, stored ldc apart.
  for (int p = 0; p < P; ++p) {
    const int64_t live = m - p * MR < MR ? m - p * MR : MR;
    if (live <= 0) break;
    float* cp = c + p * MR * ldc;
    const __m256 br = ep.bias_row ? _mm256_maskload_ps(ep.bias_row + p * MR, avx2::tail_mask(live)) : _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
      __m256 v = acc[0][p][j];
      for (int u = 1; u < U; ++u) v = _mm256_add_ps(v, acc[u][p][j]);
      v = _mm256_mul_ps(v, _mm256_set1_ps(ep.alpha));
      alignas(32) float t[8] = {};
      if (ep.beta != 0.f) {
        for (int64_t i = 0; i < live; ++i) t[i] = cp[i * ldc + j];
        v = _mm256_fmadd_ps(_mm256_set1_ps(ep.beta), _mm256_load_ps(t), v);
      }
      v = _mm256_add_ps(v, br);
      if (ep.bias_col) v = _mm256_add_ps(v, _mm256_set1_ps(ep.bias_col[j]));
      _mm256_store_ps(t, apply_fused_activation(v, ep.act));
      for (int64_t i = 0; i < live; ++i) cp[i * ldc + j] = t[i];
    }
  }
}

// The call's panels (up to 4) in groups of group_panels(N).
template <int N>
void tile_cols(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets, float* c,
               int64_t ldc, int64_t m, const UkernelEpilogue& ep) {
  constexpr int G = group_panels(N);
  const int64_t panels = (m + MR - 1) / MR;
  for (int64_t p0 = 0; p0 < panels; p0 += G) {
    const float* ap = a + p0 * MR * kc;
    float* cp = c + p0 * MR * ldc;
    const int64_t rows = m - p0 * MR, left = panels - p0;
    UkernelEpilogue e = ep;
    if (e.bias_row) e.bias_row += p0 * MR;
    if (left >= G) tile_panels<N, G>(kc, ap, b, ldb, b_offsets, cp, ldc, rows, e);
    else if constexpr (G > 1) {
      if (left == 1) tile_panels<N, 1>(kc, ap, b, ldb, b_offsets, cp, ldc, rows, e);
      else if constexpr (G > 2) {
        if (left == 2) tile_panels<N, 2>(kc, ap, b, ldb, b_offsets, cp, ldc, rows, e);
        else if constexpr (G > 3) tile_panels<N, 3>(kc, ap, b, ldb, b_offsets, cp, ldc, rows, e);
      }
    }
  }
}

}  // namespace

void gemm_f32_ukernel_6xn__avx2(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets,
                                float* c, int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep) {
  with_count<8>(n, [&](auto width) { tile_cols<decltype(width)::value>(kc, a, b, ldb, b_offsets, c, ldc, m, ep); });
}

}  // namespace tessera::kernels
