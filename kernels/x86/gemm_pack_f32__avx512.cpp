// GEMM operand packing with AVX-512: a 16x16 in-register transpose for the
// "rows in, columns out" panels (A micro-panels, B^T panels) and two vector
// moves per row for row-major B panels. The scalar loops in kernels/gemm_pack.cpp
// are the specification; these write the same bytes.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/x86/transpose_f32__avx512.h"

namespace tessera::kernels {


// dst[k * width + i] = src[i * lds + k] for i < rows, 0 for rows <= i < width; k < kc.
void pack_transpose_f32__avx512(float* dst, int64_t width, const float* src, int64_t lds, int64_t rows, int64_t kc) {
  for (int64_t i0 = 0; i0 < width; i0 += 16) {
    const int64_t w = std::min<int64_t>(16, width - i0);
    const __mmask16 out_mask = static_cast<__mmask16>((1u << w) - 1);
    const int64_t live = std::clamp<int64_t>(rows - i0, 0, 16);
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
      const int64_t kn = std::min<int64_t>(16, kc - k0);
      const __mmask16 in_mask = static_cast<__mmask16>((1u << kn) - 1);
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = i < live ? _mm512_maskz_loadu_ps(in_mask, src + (i0 + i) * lds + k0) : _mm512_setzero_ps();
      transpose16_f32(r);
      float* d = dst + k0 * width + i0;
      for (int k = 0; k < kn; ++k) _mm512_mask_storeu_ps(d + k * width, out_mask, r[k]);
    }
  }
}

// Column panels 32 wide: dst[p * kc * 32 + k * 32 + j] = row_k[p * 32 + j] for
// p * 32 + j < cols, 0 past cols; k < kc, where row_k = src + k * lds, or src + offsets[k]
// when offsets is given. Four panels per pass over the rows, so each row is read as one
// 512-byte run: one panel's 128 bytes per row (rows often 4 KiB apart, and 3 lines for 2
// when rows do not start on a cache line) packed at two thirds the speed.
void pack_rows_32_f32__avx512(float* dst, const float* src, int64_t lds, const int64_t* offsets, int64_t cols,
                              int64_t kc) {
  constexpr int64_t kGroup = 4;
  const int64_t panels = (cols + 31) / 32;
  for (int64_t p0 = 0; p0 < panels; p0 += kGroup) {
    const int64_t np = std::min(kGroup, panels - p0);
    __mmask16 mask[2 * kGroup];
    for (int64_t v = 0; v < 2 * kGroup; ++v) {
      const int64_t live = std::clamp<int64_t>(cols - p0 * 32 - v * 16, 0, 16);
      mask[v] = static_cast<__mmask16>((1u << live) - 1);
    }
    const float* s0 = src + p0 * 32;
    auto row = [&](int64_t k) { return s0 + (offsets ? offsets[k] : k * lds); };
    float* d = dst + p0 * kc * 32;
    for (int64_t k = 0; k < kc; ++k, d += 32) {
      const float* s = row(k);
      if (k + 8 < kc)
        for (int64_t v = 0; v < 2 * np; ++v) _mm_prefetch(reinterpret_cast<const char*>(row(k + 8) + 16 * v), _MM_HINT_T0);
      for (int64_t p = 0; p < np; ++p) {
        _mm512_storeu_ps(d + p * kc * 32, _mm512_maskz_loadu_ps(mask[2 * p], s + 32 * p));
        _mm512_storeu_ps(d + p * kc * 32 + 16, _mm512_maskz_loadu_ps(mask[2 * p + 1], s + 32 * p + 16));
      }
    }
  }
}

}  // namespace tessera::kernels
