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

// dst[k * 32 + j] = src[k * lds + j] for j < cols, 0 for cols <= j < 32; k < kc.
void pack_rows_32_f32__avx512(float* dst, const float* src, int64_t lds, int64_t cols, int64_t kc) {
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xffff) : cols <= 16 ? __mmask16(0)
                                                                    : static_cast<__mmask16>((1u << (cols - 16)) - 1);
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * lds;
    if (k + 8 < kc) {  // rows are lds apart: the hardware prefetcher may not follow them
      _mm_prefetch(reinterpret_cast<const char*>(s + 8 * lds), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(s + 8 * lds + 16), _MM_HINT_T0);
    }
    _mm512_storeu_ps(dst + k * 32, _mm512_maskz_loadu_ps(m0, s));
    _mm512_storeu_ps(dst + k * 32 + 16, _mm512_maskz_loadu_ps(m1, s + 16));
  }
}

}  // namespace tessera::kernels
