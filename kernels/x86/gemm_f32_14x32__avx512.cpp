// 14x32 fp32 GEMM microkernel, AVX-512 (B rows by offset: see kernels/gemm_ukernel.h).
// 28 zmm accumulators (14 rows x 2 vectors of 16 columns) + 2 for B + 1 broadcast A
// = 31 of 32 registers; each k step issues 28 FMAs for 2 vector loads and 14 scalar
// broadcasts, enough independent FMAs to cover two FMA pipes' latency.
#include <immintrin.h>

#include <type_traits>

#include "kernels/gemm_ukernel.h"
#include "kernels/x86/fused_activation__avx512.h"
#include "kernels/x86/store_full_tile.h"

namespace tessera::kernels {

namespace {
constexpr int MR = 14, NR = 32;

// ROWS <= MR rows of the tile: a row tail (m < MR) runs only the accumulators it stores.
// The packed A panel keeps its MR-row stride either way. V = 1: a column tail of at most
// 16 columns runs one vector of accumulators per row (half the multiply-adds; the last
// panel of a 14x14 or 28x28 image has 4 or 16 columns). ARows: A is read in place, row i
// at a + i * lda (the rows entry point below); otherwise a is a packed panel.
template <int ROWS, bool Packed, int V, bool ARows = false>
void tile_rows(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c, int64_t ldc, int64_t m,
               int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull, int64_t lda = 0) {
  // Column masks: B is read only where the tile has columns (no over-read past an image).
  const __mmask16 m0 = n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
  const __mmask16 m1 = n >= 32 ? __mmask16(0xffff) : n <= 16 ? __mmask16(0) : __mmask16((1u << (n - 16)) - 1);
  __m512 acc[ROWS][2];
  for (int i = 0; i < ROWS; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();  // [1] unused when V = 1

  constexpr int64_t kAhead = 24;  // B rows prefetched ahead: ~300 cycles, covers an L3 fetch
  // Full tiles load B unmasked; a column tail uses the masks. Only calls with a pull run
  // the loop that walks it (1 in 32 at 2048^3): the others keep the plain loop.
  PullCursor pulled(pull);
  auto k_loop = [&](auto full, auto pulling, int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const float* bk;
      if constexpr (Packed) {
        bk = b + k * NR;
        // A B row is two cache lines: fetching only the first left the second to the
        // hardware (+2 % at 1024^3 with both, pre-packed operands).
        _mm_prefetch(reinterpret_cast<const char*>(bk + kAhead * NR), _MM_HINT_T0);
        if constexpr (V == 2) _mm_prefetch(reinterpret_cast<const char*>(bk + kAhead * NR + 16), _MM_HINT_T0);
        if constexpr (decltype(pulling)::value)
          if (const float* line = pulled.next()) _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_T1);
      } else {
        bk = b + b_offsets[k];
        const int64_t ahead = k + kAhead < kc ? k + kAhead : kc - 1;  // a select, not a branch
        _mm_prefetch(reinterpret_cast<const char*>(b + b_offsets[ahead]), _MM_HINT_T0);
      }
      __m512 b0, b1 = _mm512_setzero_ps();
      if constexpr (decltype(full)::value) {
        b0 = _mm512_loadu_ps(bk);
        if constexpr (V == 2) b1 = _mm512_loadu_ps(bk + 16);
      } else {
        b0 = _mm512_maskz_loadu_ps(m0, bk);
        if constexpr (V == 2) b1 = _mm512_maskz_loadu_ps(m1, bk + 16);
      }
#pragma GCC unroll 14
      for (int i = 0; i < ROWS; ++i) {
        const __m512 ai = _mm512_set1_ps(ARows ? a[i * lda + k] : a[i]);
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        if constexpr (V == 2) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      }
      if constexpr (!ARows) a += MR;
    }
  };
  // The last kCTail k steps run with the C tile on its way into L1, so the epilogue's
  // loads and stores do not wait on L2 (~3 % on 1024^3 and 2048^3; 24 or 96 steps did
  // no better). Fetched at the start instead, its lines would evict B rows from L1.
  constexpr int64_t kCTail = 48;
  const int64_t k_split = kc > kCTail ? kc - kCTail : 0;
  auto c_to_l1 = [&] {
    for (int i = 0; i < ROWS && i < m; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      if constexpr (V == 2) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
    }
  };
  auto all_k = [&](auto full, auto pulling) {
    // The C tile goes to L2 one row per k step over the first steps. Its rows are ldc
    // apart, often a power of two that maps them all to one L1 set: fetched into L1 they
    // would evict the B panel. Issued all at once before the loop, the 28 prefetches
    // filled the miss queue and the first B loads waited behind them (+0.5-2.7 % at
    // 2048^3, level at 512^3 and 1024^3, one and two threads).
    const int64_t c_rows = m < ROWS ? m : ROWS;
    int64_t k0 = 0;
    for (; k0 < c_rows && k0 < k_split; ++k0) {
      k_loop(full, pulling, k0, k0 + 1);
      _mm_prefetch(reinterpret_cast<const char*>(c + k0 * ldc), _MM_HINT_T1);
      if constexpr (V == 2) _mm_prefetch(reinterpret_cast<const char*>(c + k0 * ldc + 16), _MM_HINT_T1);
    }
    k_loop(full, pulling, k0, k_split);
    c_to_l1();
    k_loop(full, pulling, k_split, kc);
  };
  const bool pulls = Packed && pull != nullptr;
  if (n == NR && pulls) all_k(std::true_type{}, std::true_type{});
  else if (n == NR) all_k(std::true_type{}, std::false_type{});
  else if (pulls) all_k(std::false_type{}, std::true_type{});
  else all_k(std::false_type{}, std::false_type{});

  // A full tile stored as C = acc (+ a bias per row or per column), then the activation,
  // the common case (convs, Linears, SGEMM with beta 0), goes straight from the registers:
  // the general epilogue below spills the tile and takes branches per row. Alternating in
  // one process with oneDNN: SGEMM 64^3 +8 %, 128^3 +3 %, 256^3-1024^3 +0.5-2 %; 1x1 convs
  // on the GEMM path with K = 16-40 +10-16 % at one thread, +1-20 % at two (the epilogue is
  // a larger share of a tile when K is short). Bits as before, but for the sign of an
  // exact zero. The column bias (Linears) came later: ViT-B's and ConvNeXt-T's Linears
  // +1-3 % on one thread and level on two, [12544 x 16] x [16 x 96] +8-14 %, bit-identical.
  if constexpr (V == 2) {
    if (m == ROWS && n == NR && ep.beta == 0.f && ep.alpha == 1.f) {
      store_full_tile<ROWS, 16>(
          acc, c, ldc, ep.bias_row, ep.bias_col, ep.act, [](float x) { return _mm512_set1_ps(x); },
          [](const float* p) { return _mm512_loadu_ps(p); }, [](__m512 x, __m512 y) { return _mm512_add_ps(x, y); },
          [](float* p, __m512 v) { _mm512_storeu_ps(p, v); });
      return;
    }
  }

  // Spill the tile with constant indices so the accumulators above stay in registers
  // (a runtime-indexed epilogue would make the compiler keep them in memory).
  alignas(64) float tile[ROWS][NR];
#pragma GCC unroll 14
  for (int i = 0; i < ROWS; ++i) {
    _mm512_store_ps(tile[i], acc[i][0]);
    if constexpr (V == 2) _mm512_store_ps(tile[i] + 16, acc[i][1]);
  }

  // Epilogue: masks cover a column tail (full tiles use plain moves); rows past m are skipped.
  const __m512 alpha = _mm512_set1_ps(ep.alpha), beta = _mm512_set1_ps(ep.beta);
  __m512 bc0 = _mm512_setzero_ps(), bc1 = _mm512_setzero_ps();
  if (ep.bias_col) {
    bc0 = _mm512_maskz_loadu_ps(m0, ep.bias_col);
    if constexpr (V == 2) bc1 = _mm512_maskz_loadu_ps(m1, ep.bias_col + 16);
  }
  for (int i = 0; i < ROWS; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
    __m512 v0 = _mm512_mul_ps(_mm512_load_ps(tile[i]), alpha);
    __m512 v1 = V == 2 ? _mm512_mul_ps(_mm512_load_ps(tile[i] + 16), alpha) : _mm512_setzero_ps();
    if (ep.beta != 0.f) {
      v0 = _mm512_fmadd_ps(beta, n == NR ? _mm512_loadu_ps(ci) : _mm512_maskz_loadu_ps(m0, ci), v0);
      if constexpr (V == 2)
        v1 = _mm512_fmadd_ps(beta, n == NR ? _mm512_loadu_ps(ci + 16) : _mm512_maskz_loadu_ps(m1, ci + 16), v1);
    }
    if (ep.bias_row) {
      const __m512 br = _mm512_set1_ps(ep.bias_row[i]);
      v0 = _mm512_add_ps(v0, br);
      v1 = _mm512_add_ps(v1, br);
    }
    v0 = apply_fused_activation(_mm512_add_ps(v0, bc0), ep.act);
    v1 = apply_fused_activation(_mm512_add_ps(v1, bc1), ep.act);
    if (n == NR) {
      _mm512_storeu_ps(ci, v0);
      _mm512_storeu_ps(ci + 16, v1);
    } else {
      _mm512_mask_storeu_ps(ci, m0, v0);
      if constexpr (V == 2) _mm512_mask_storeu_ps(ci + 16, m1, v1);
    }
  }
}

}  // namespace

void gemm_f32_ukernel_14x32__avx512(int64_t kc, const float* a, const float* b, const int64_t* b_offsets, float* c,
                                    int64_t ldc, int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull) {
  // 4 and 8 rows still keep 8 and 16 FMAs in flight, enough for the FMA latency.
  auto rows = [&](auto packed, auto vectors) {
    constexpr bool P = decltype(packed)::value;
    constexpr int V = decltype(vectors)::value;
    if (m <= 4) tile_rows<4, P, V>(kc, a, b, b_offsets, c, ldc, m, n, ep, pull);
    else if (m <= 8) tile_rows<8, P, V>(kc, a, b, b_offsets, c, ldc, m, n, ep, pull);
    else tile_rows<MR, P, V>(kc, a, b, b_offsets, c, ldc, m, n, ep, pull);
  };
  using One = std::integral_constant<int, 1>;
  using Two = std::integral_constant<int, 2>;
  if (b_offsets) n <= 16 ? rows(std::false_type{}, One{}) : rows(std::false_type{}, Two{});
  else n <= 16 ? rows(std::true_type{}, One{}) : rows(std::true_type{}, Two{});
}

void gemm_f32_ukernel_14x32_rows__avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                         int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull) {
  if (n <= 16) tile_rows<MR, true, 1, true>(kc, a, b, nullptr, c, ldc, MR, n, ep, pull, lda);
  else tile_rows<MR, true, 2, true>(kc, a, b, nullptr, c, ldc, MR, n, ep, pull, lda);
}

void gemm_f32_ukernel_8x32_rows__avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                                        int64_t m, int64_t n, const UkernelEpilogue& ep, const PrefetchRows* pull) {
  if (n <= 16) tile_rows<8, true, 1, true>(kc, a, b, nullptr, c, ldc, m, n, ep, pull, lda);
  else tile_rows<8, true, 2, true>(kc, a, b, nullptr, c, ldc, m, n, ep, pull, lda);
}

}  // namespace tessera::kernels
