// Vectorised fp32 exp / erfc / sigmoid for AVX2+FMA kernels (include only from *__avx2.cpp).
// Same algorithms and constants as vmath_f32__avx512.h; AVX2 has no scalef, so 2^n is built
// from exponent bits in two halves (2^(n/2) * 2^(n - n/2)) to keep overflow to inf and
// gradual underflow to 0 right over the whole clamped range.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace tessera::kernels::avx2 {

inline __m256 pow2i_f32(__m256i n) {  // 2^n for n in [-126, 127]
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

inline __m256 exp_f32(__m256 x) {
  x = _mm256_max_ps(_mm256_set1_ps(-104.f), _mm256_min_ps(_mm256_set1_ps(89.f), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.f)));
  const __m256i ni = _mm256_cvtps_epi32(n);            // in [-150, 128]
  const __m256i n1 = _mm256_srai_epi32(ni, 1);          // floor(n/2)
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  return _mm256_mul_ps(_mm256_mul_ps(p, pow2i_f32(n1)), pow2i_f32(n2));
}

inline __m256 erfc_nonneg_f32(__m256 a) {
  a = _mm256_min_ps(_mm256_set1_ps(11.f), a);  // erfc(a > 10.5) is 0 in float
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), a, one));
  __m256 p = _mm256_set1_ps(0.05667770653963089f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.31713616847991943f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.6273738741874695f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.5600836873054504f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.5014030933380127f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.050402089953422546f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.20595979690551758f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.16563376784324646f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.1857946813106537f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.18477901816368103f));
  const __m256 hi = _mm256_mul_ps(a, a);
  const __m256 lo = _mm256_fmsub_ps(a, a, hi);
  const __m256 e = _mm256_mul_ps(exp_f32(_mm256_sub_ps(_mm256_setzero_ps(), hi)), _mm256_sub_ps(one, lo));
  return _mm256_mul_ps(_mm256_mul_ps(t, p), e);
}

inline __m256 sigmoid_f32(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_f32(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// Lane mask for the first n of 8 elements, n clamped to [0, 8] (for maskload / maskstore).
inline __m256i tail_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 0 ? 0 : n < 8 ? n : 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Sum / max of the 8 lanes.
inline float hsum_f32(__m256 v) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}
inline float hmax_f32(__m256 v) {
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
}

}  // namespace tessera::kernels::avx2
