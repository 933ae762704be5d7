// 14 x n (n <= 8) fp32 GEMM microkernel, AVX-512, for a narrow B: the classifier head
// of a batch-1 network is y^T = W x^T with one column. The 14x32 kernel would broadcast
// A and spend 32 lanes on that one column; here the packed A panel is the vector operand
// (14 rows in one zmm per k) and each B column a broadcast, so the weights stream once
// through FMAs that keep all 14 lanes busy (the product is memory-bound at batch 1).
#include <immintrin.h>

#include "kernels/gemm_ukernel.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

constexpr int MR = 14;
constexpr int64_t kPanelWidth = 32;  // a packed B panel's row stride: the 14x32 path's NR

// N columns; U independent accumulators per column cover the FMA latency when N is small.
template <int N>
void tile_cols(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c, int64_t ldc, int64_t m,
               const UkernelEpilogue& ep) {
  constexpr int U = N == 1 ? 4 : N == 2 ? 2 : 1;
  const __mmask16 rows = static_cast<__mmask16>((1u << MR) - 1);
  __m512 acc[U][N];
  for (int u = 0; u < U; ++u)
    for (int j = 0; j < N; ++j) acc[u][j] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + U <= kc; k += U) {
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      // A rows of 56 bytes: prefetch well ahead, the panel streams from memory once.
      _mm_prefetch(reinterpret_cast<const char*>(a + MR * (k + u + 32)), _MM_HINT_T0);
      const __m512 ak = _mm512_maskz_loadu_ps(rows, a + MR * (k + u));
      const float* bk = b_offsets ? b + b_offsets[k + u] : b + (k + u) * kPanelWidth;
#pragma GCC unroll 8
      for (int j = 0; j < N; ++j) acc[u][j] = _mm512_fmadd_ps(ak, _mm512_set1_ps(bk[j]), acc[u][j]);
    }
  }
  for (; k < kc; ++k) {
    const __m512 ak = _mm512_maskz_loadu_ps(rows, a + MR * k);
    const float* bk = b_offsets ? b + b_offsets[k] : b + k * kPanelWidth;
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) acc[0][j] = _mm512_fmadd_ps(ak, _mm512_set1_ps(bk[j]), acc[0][j]);
  }

  // Epilogue per column j: lanes are the tile's rows, stored ldc apart.
  const __mmask16 live = static_cast<__mmask16>((1u << m) - 1);
  const __m512 br = ep.bias_row ? _mm512_maskz_loadu_ps(live, ep.bias_row) : _mm512_setzero_ps();
  const __m512i row_index = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                               _mm512_set1_epi32(static_cast<int>(ldc)));
#pragma GCC unroll 8
  for (int j = 0; j < N; ++j) {
    __m512 v = acc[0][j];
    for (int u = 1; u < U; ++u) v = _mm512_add_ps(v, acc[u][j]);
    v = _mm512_mul_ps(v, _mm512_set1_ps(ep.alpha));
    if (ep.beta != 0.f)
      v = _mm512_fmadd_ps(_mm512_set1_ps(ep.beta),
                          _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, row_index, c + j, 4), v);
    v = _mm512_add_ps(v, br);
    if (ep.bias_col) v = _mm512_add_ps(v, _mm512_set1_ps(ep.bias_col[j]));
    v = apply_fused_activation(v, ep.act);
    if (ldc == 1) _mm512_mask_storeu_ps(c + j, live, v);
    else _mm512_mask_i32scatter_ps(c + j, live, row_index, v, 4);
  }
}

}  // namespace

void gemm_f32_ukernel_14xn__avx512(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                   int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows*) {
  switch (n) {
    case 1: tile_cols<1>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    case 2: tile_cols<2>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    case 3: tile_cols<3>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    case 4: tile_cols<4>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    case 5: tile_cols<5>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    case 6: tile_cols<6>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    case 7: tile_cols<7>(kc, a, b, b_offsets, c, ldc, m, ep); break;
    default: tile_cols<8>(kc, a, b, b_offsets, c, ldc, m, ep); break;
  }
}

}  // namespace tessera::kernels
