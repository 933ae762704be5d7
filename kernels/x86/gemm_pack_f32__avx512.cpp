// GEMM operand packing with AVX-512: a 16x16 in-register transpose for the
// "rows in, columns out" panels (A micro-panels, B^T panels) and two vector
// moves per row for row-major B panels. The scalar loops in kernels/gemm_pack.cpp
// are the specification; these write the same bytes.
// GCC 12 flags its own _mm512_undefined_ps() inside the shuffle intrinsics as uninitialised.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

namespace tessera::kernels {

namespace {

// r[i] = row i (16 floats) -> r[c] = column c (16 floats). Three rounds of shuffles:
// pairs of rows, pairs of pairs (64-bit), then 128-bit lanes.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + c]: rows 4g..4g+3 at columns 4j + c in 128-bit lane j.
  __m512 u[16];
  for (int g = 0; g < 4; ++g) {
    const __m512d lo0 = _mm512_castps_pd(t[4 * g]), hi0 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d lo1 = _mm512_castps_pd(t[4 * g + 2]), hi1 = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo0, lo1));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo0, lo1));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi0, hi1));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi0, hi1));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 s0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);       // cols c, 8+c of rows 0-7
    const __m512 s1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);       // cols 4+c, 12+c of rows 0-7
    const __m512 s2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);  // the same of rows 8-15
    const __m512 s3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
    r[c] = _mm512_shuffle_f32x4(s0, s2, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(s0, s2, 0xdd);
    r[4 + c] = _mm512_shuffle_f32x4(s1, s3, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(s1, s3, 0xdd);
  }
}

}  // namespace

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
      transpose16(r);
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
