// A 16x16 fp32 transpose in zmm registers, for packing and for kernels that store
// their tile transposed (kernels/x86/conv2d_direct_f32__avx512.cpp).
// Include only from files compiled with AVX-512 flags.
#pragma once
#include <immintrin.h>

namespace tessera::kernels {

// r[i] = row i (16 floats) -> r[c] = column c (16 floats). Three rounds of shuffles:
// pairs of rows (32-bit), pairs of pairs (64-bit), then 128-bit lanes.
inline void transpose16_f32(__m512 r[16]) {
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

}  // namespace tessera::kernels
