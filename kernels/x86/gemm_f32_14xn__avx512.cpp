// 14 x n (n <= 8) fp32 GEMM microkernel, AVX-512, for a narrow B: the classifier head
// of a batch-1 network is y^T = W x^T with one column. The 14x32 kernel would broadcast
// A and spend 32 lanes on that one column; here the packed A panel is the vector operand
// (14 rows in one zmm per k) and each B column a broadcast, so the weights stream once
// through FMAs that keep all 14 lanes busy (the product is memory-bound at batch 1).
//
// One call walks up to four A panels side by side. Each panel is a stream of its own, and
// one core fetches several streams from memory faster than one: on a 2-vCPU Xeon a core
// read one stream at 10.9 GB/s, four at 13.5 and eight at 14.5.
#include <immintrin.h>

#include "kernels/count_dispatch.h"
#include "kernels/gemm_ukernel.h"
#include "kernels/x86/fused_activation__avx512.h"

namespace tessera::kernels {

namespace {

constexpr int MR = 14;

// N columns of P panels; U independent accumulators per column cover the FMA latency when
// N is small. U depends on N alone: a row's sum is added in the same order however many
// panels share its call, so results do not depend on where threads split the rows.
template <int N, int P>
void tile_panels(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets, float* c,
                 int64_t ldc, int64_t m, const UkernelEpilogue& ep) {
  constexpr int U = N == 1 ? 4 : N == 2 ? 2 : 1;
  const __mmask16 rows = static_cast<__mmask16>((1u << MR) - 1);
  const int64_t panel = MR * kc;  // floats from one packed A panel to the next
  __m512 acc[U][P][N];
  for (int u = 0; u < U; ++u)
    for (int p = 0; p < P; ++p)
      for (int j = 0; j < N; ++j) acc[u][p][j] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + U <= kc; k += U) {
#pragma GCC unroll 4
    for (int u = 0; u < U; ++u) {
      const float* bk = b_offsets ? b + b_offsets[k + u] : b + (k + u) * ldb;
#pragma GCC unroll 4
      for (int p = 0; p < P; ++p) {
        const float* ak = a + p * panel + MR * (k + u);
        // A rows of 56 bytes: prefetch well ahead, the panels stream from memory once.
        _mm_prefetch(reinterpret_cast<const char*>(ak + MR * 32), _MM_HINT_T0);
        const __m512 av = _mm512_maskz_loadu_ps(rows, ak);
#pragma GCC unroll 8
        for (int j = 0; j < N; ++j) acc[u][p][j] = _mm512_fmadd_ps(av, _mm512_set1_ps(bk[j]), acc[u][p][j]);
      }
    }
  }
  for (; k < kc; ++k) {
    const float* bk = b_offsets ? b + b_offsets[k] : b + k * ldb;
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      const __m512 av = _mm512_maskz_loadu_ps(rows, a + p * panel + MR * k);
#pragma GCC unroll 8
      for (int j = 0; j < N; ++j) acc[0][p][j] = _mm512_fmadd_ps(av, _mm512_set1_ps(bk[j]), acc[0][p][j]);
    }
  }

  // Epilogue per panel p and column j: lanes are the panel's rows, stored ldc apart.
  const __m512i row_index = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                               _mm512_set1_epi32(static_cast<int>(ldc)));
  for (int p = 0; p < P; ++p) {
    const int64_t live_rows = m - p * MR < MR ? m - p * MR : MR;
    const __mmask16 live = static_cast<__mmask16>((1u << live_rows) - 1);
    float* cp = c + p * MR * ldc;
    const __m512 br = ep.bias_row ? _mm512_maskz_loadu_ps(live, ep.bias_row + p * MR) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
      __m512 v = acc[0][p][j];
      for (int u = 1; u < U; ++u) v = _mm512_add_ps(v, acc[u][p][j]);
      v = _mm512_mul_ps(v, _mm512_set1_ps(ep.alpha));
      if (ep.beta != 0.f)
        v = _mm512_fmadd_ps(_mm512_set1_ps(ep.beta),
                            _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, row_index, cp + j, 4), v);
      v = _mm512_add_ps(v, br);
      if (ep.bias_col) v = _mm512_add_ps(v, _mm512_set1_ps(ep.bias_col[j]));
      v = apply_fused_activation(v, ep.act);
      if (ldc == 1) _mm512_mask_storeu_ps(cp + j, live, v);
      else _mm512_mask_i32scatter_ps(cp + j, live, row_index, v, 4);
    }
  }
}

// P = 1..4 panels (1..2 past four columns, where 16 accumulators fill the registers).
template <int N>
void tile_cols(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets, float* c,
               int64_t ldc, int64_t m, const UkernelEpilogue& ep) {
  const int64_t panels = (m + MR - 1) / MR;
  if constexpr (N <= 4) {
    switch (panels) {
      case 1: return tile_panels<N, 1>(kc, a, b, ldb, b_offsets, c, ldc, m, ep);
      case 2: return tile_panels<N, 2>(kc, a, b, ldb, b_offsets, c, ldc, m, ep);
      case 3: return tile_panels<N, 3>(kc, a, b, ldb, b_offsets, c, ldc, m, ep);
      default: return tile_panels<N, 4>(kc, a, b, ldb, b_offsets, c, ldc, m, ep);
    }
  } else {
    if (panels == 1) return tile_panels<N, 1>(kc, a, b, ldb, b_offsets, c, ldc, m, ep);
    return tile_panels<N, 2>(kc, a, b, ldb, b_offsets, c, ldc, m, ep);
  }
}

}  // namespace

void gemm_f32_ukernel_14xn__avx512(int64_t kc, const float* a, const float* b, int64_t ldb, const int64_t* b_offsets,
                                   float* c, int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep) {
  with_count<8>(n, [&](auto width) { tile_cols<decltype(width)::value>(kc, a, b, ldb, b_offsets, c, ldc, m, ep); });
}

}  // namespace tessera::kernels
