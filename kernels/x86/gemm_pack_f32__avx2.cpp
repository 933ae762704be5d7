// GEMM operand packing with AVX2, for the 6x16 path: an 8x8 in-register transpose for the
// "rows in, columns out" panels (A micro-panels, B^T panels) and vector moves for row-major
// B panels 16 wide. The scalar loops in kernels/gemm_pack.cpp are the specification; these
// write the same bytes.
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "kernels/x86/transpose_f32__avx2.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {

// dst[k * width + i] = src[i * lds + k] for i < rows, 0 for rows <= i < width; k < kc.
// Each source row is read contiguously, 8 k at a time.
void pack_transpose_f32__avx2(float* dst, int64_t width, const float* src, int64_t lds, int64_t rows, int64_t kc) {
  for (int64_t i0 = 0; i0 < width; i0 += 8) {
    const int64_t w = std::min<int64_t>(8, width - i0), live = std::clamp<int64_t>(rows - i0, 0, 8);
    const __m256i out_mask = avx2::tail_mask(w);
    for (int64_t k0 = 0; k0 < kc; k0 += 8) {
      const int64_t kn = std::min<int64_t>(8, kc - k0);
      const __m256i in_mask = avx2::tail_mask(kn);
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = i < live ? _mm256_maskload_ps(src + (i0 + i) * lds + k0, in_mask) : _mm256_setzero_ps();
      transpose8_f32(r);
      float* d = dst + k0 * width + i0;
      for (int k = 0; k < kn; ++k) _mm256_maskstore_ps(d + k * width, out_mask, r[k]);
    }
  }
}

// Column panels 16 wide: dst[p * kc * 16 + k * 16 + j] = row_k[p * 16 + j] for
// p * 16 + j < cols, 0 past cols; k < kc, where row_k = src + k * lds, or src + offsets[k]
// when offsets is given. Four panels per pass over the rows, so each row is read as one
// 256-byte run (as the AVX-512 packer does with its 32-wide panels).
void pack_rows_16_f32__avx2(float* dst, const float* src, int64_t lds, const int64_t* offsets, int64_t cols,
                            int64_t kc) {
  constexpr int64_t kGroup = 4;
  const int64_t panels = (cols + 15) / 16;
  for (int64_t p0 = 0; p0 < panels; p0 += kGroup) {
    const int64_t np = std::min(kGroup, panels - p0);
    __m256i mask[2 * kGroup];
    bool full = true;
    for (int64_t v = 0; v < 2 * kGroup; ++v) {
      const int64_t live = std::clamp<int64_t>(cols - p0 * 16 - v * 8, 0, 8);
      mask[v] = avx2::tail_mask(live);
      if (v < 2 * np && live < 8) full = false;
    }
    const float* s0 = src + p0 * 16;
    auto row = [&](int64_t k) { return s0 + (offsets ? offsets[k] : k * lds); };
    float* d = dst + p0 * kc * 16;
    for (int64_t k = 0; k < kc; ++k, d += 16) {
      const float* s = row(k);
      if (k + 8 < kc)  // rows are lds apart: the hardware prefetcher may not follow them
        for (int64_t v = 0; v < np; ++v) _mm_prefetch(reinterpret_cast<const char*>(row(k + 8) + 16 * v), _MM_HINT_T0);
      for (int64_t p = 0; p < np; ++p)
        for (int h = 0; h < 2; ++h) {
          const float* from = s + 16 * p + 8 * h;
          _mm256_storeu_ps(d + p * kc * 16 + 8 * h,
                           full ? _mm256_loadu_ps(from) : _mm256_maskload_ps(from, mask[2 * p + h]));
        }
    }
  }
}

}  // namespace tessera::kernels
