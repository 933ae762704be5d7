// Vectorised fp32 exp / erfc / sigmoid for AVX-512 kernels (include only from *__avx512.cpp).
//
// exp: n = round(x*log2e), r = x - n*ln2 (ln2 split in two so r is exact), exp(r) by the
// Cephes degree-6 polynomial (<= 1 ulp on |r| <= ln2/2), then scalef(p, n) which overflows to
// inf and underflows gradually to 0 exactly as expf does. Measured: <= 2 ulp vs std::exp.
// erfc(a), a >= 0: t*exp(-a*a)*P(t), t = 1/(1 + 0.3275911a) (the Abramowitz-Stegun 7.1.26
// form, refitted here to degree 9: 4e-9 relative in exact arithmetic); a*a is carried as
// hi + lo so exp(-a*a) does not lose the rounding of the square. ~1e-7 relative in float.
#pragma once
#include <immintrin.h>

namespace tessera::kernels::avx512 {

inline __m512 exp_f32(__m512 x) {
  // min/max with x second keep a NaN input NaN. Beyond the clamps exp is inf / 0 anyway.
  x = _mm512_max_ps(_mm512_set1_ps(-104.f), _mm512_min_ps(_mm512_set1_ps(89.f), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  return _mm512_scalef_ps(p, n);
}

// erfc of a >= 0.
inline __m512 erfc_nonneg_f32(__m512 a) {
  a = _mm512_min_ps(_mm512_set1_ps(11.f), a);  // erfc(a > 10.5) is 0 in float; keeps inf finite
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), a, one));
  __m512 p = _mm512_set1_ps(0.05667770653963089f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.31713616847991943f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.6273738741874695f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.5600836873054504f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.5014030933380127f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.050402089953422546f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.20595979690551758f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.16563376784324646f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.1857946813106537f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.18477901816368103f));
  const __m512 hi = _mm512_mul_ps(a, a);
  const __m512 lo = _mm512_fmsub_ps(a, a, hi);  // a*a - hi, exactly
  // exp(-(hi + lo)) = exp(-hi) * (1 - lo), |lo| <= ulp(hi)/2.
  const __m512 e = _mm512_mul_ps(exp_f32(_mm512_sub_ps(_mm512_setzero_ps(), hi)), _mm512_sub_ps(one, lo));
  return _mm512_mul_ps(_mm512_mul_ps(t, p), e);
}

// 1 / (1 + exp(-x)); for x < -89 exp overflows to inf and the result is 0, as in torch.
inline __m512 sigmoid_f32(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp_f32(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

// Masks for a tail of n < 16 lanes.
inline __mmask16 tail_mask(int64_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

}  // namespace tessera::kernels::avx512
