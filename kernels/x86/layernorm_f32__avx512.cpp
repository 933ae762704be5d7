// AVX-512 LayerNorm. Rows: two-pass mean / variance over C in 16 lanes (two-pass keeps the
// variance accurate when |mean| >> std). LayerNorm2d: 16 pixels per vector, walking the
// channels at stride HW, so no transpose is needed.
#include <cmath>

#include "kernels/layernorm.h"
#include "kernels/x86/vmath_f32__avx512.h"

namespace tessera::kernels {
using namespace avx512;

static __mmask16 lanes(int64_t left) { return left >= 16 ? __mmask16(0xffff) : tail_mask(left); }

static void layernorm_row(float* y, float* mean_out, float* rstd_out, const float* x, const float* gamma,
                          const float* beta, int64_t C, float eps) {
  // Four accumulators a pass, so that a pass does not wait on the adds' latency (see the
  // AVX2 file).
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t j = 0;
  for (; j + 64 <= C; j += 64) {
    s0 = _mm512_add_ps(s0, _mm512_loadu_ps(x + j));
    s1 = _mm512_add_ps(s1, _mm512_loadu_ps(x + j + 16));
    s2 = _mm512_add_ps(s2, _mm512_loadu_ps(x + j + 32));
    s3 = _mm512_add_ps(s3, _mm512_loadu_ps(x + j + 48));
  }
  for (; j < C; j += 16) s0 = _mm512_add_ps(s0, _mm512_maskz_loadu_ps(lanes(C - j), x + j));
  const float mean = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) / float(C);
  const __m512 vm = _mm512_set1_ps(mean);

  s0 = s1 = s2 = s3 = _mm512_setzero_ps();
  for (j = 0; j + 64 <= C; j += 64) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + j), vm), d1 = _mm512_sub_ps(_mm512_loadu_ps(x + j + 16), vm);
    const __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(x + j + 32), vm), d3 = _mm512_sub_ps(_mm512_loadu_ps(x + j + 48), vm);
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
    s2 = _mm512_fmadd_ps(d2, d2, s2);
    s3 = _mm512_fmadd_ps(d3, d3, s3);
  }
  for (; j < C; j += 16) {
    const __m512 d = _mm512_maskz_sub_ps(lanes(C - j), _mm512_maskz_loadu_ps(lanes(C - j), x + j), vm);
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  const float var = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3))) / float(C);
  const float rstd = 1.f / std::sqrt(var + eps);
  if (mean_out) *mean_out = mean;
  if (rstd_out) *rstd_out = rstd;

  const __m512 vr = _mm512_set1_ps(rstd), one = _mm512_set1_ps(1.f), zero = _mm512_setzero_ps();
  for (j = 0; j < C; j += 16) {
    const __mmask16 m = lanes(C - j);
    const __m512 g = gamma ? _mm512_maskz_loadu_ps(m, gamma + j) : one;
    const __m512 b = beta ? _mm512_maskz_loadu_ps(m, beta + j) : zero;
    const __m512 n = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), vm), vr);
    _mm512_mask_storeu_ps(y + j, m, _mm512_fmadd_ps(n, g, b));
  }
}

void layernorm_rows_f32__avx512(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                const float* beta, int64_t rows, int64_t C, float eps) {
  for (int64_t r = 0; r < rows; ++r)
    layernorm_row(y + r * C, mean ? mean + r : nullptr, rstd ? rstd + r : nullptr, x + r * C, gamma, beta, C, eps);
}

void layernorm2d_pixels_f32__avx512(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                    const float* beta, int64_t C, int64_t HW, int64_t p0, int64_t p1,
                                    float eps) {
  const __m512 inv_c = _mm512_set1_ps(1.f / float(C));
  for (int64_t p = p0; p < p1; p += 16) {
    const __mmask16 m = lanes(p1 - p);
    const float* xp = x + p;
    __m512 s = _mm512_setzero_ps();
    for (int64_t c = 0; c < C; ++c) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, xp + c * HW));
    const __m512 vm = _mm512_mul_ps(s, inv_c);
    s = _mm512_setzero_ps();
    for (int64_t c = 0; c < C; ++c) {
      const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, xp + c * HW), vm);
      s = _mm512_fmadd_ps(d, d, s);
    }
    const __m512 vr = _mm512_div_ps(_mm512_set1_ps(1.f),
                                    _mm512_sqrt_ps(_mm512_add_ps(_mm512_mul_ps(s, inv_c), _mm512_set1_ps(eps))));
    if (mean) _mm512_mask_storeu_ps(mean + p, m, vm);
    if (rstd) _mm512_mask_storeu_ps(rstd + p, m, vr);
    for (int64_t c = 0; c < C; ++c) {
      const __m512 n = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, xp + c * HW), vm), vr);
      const __m512 g = _mm512_set1_ps(gamma ? gamma[c] : 1.f), b = _mm512_set1_ps(beta ? beta[c] : 0.f);
      _mm512_mask_storeu_ps(y + p + c * HW, m, _mm512_fmadd_ps(n, g, b));
    }
  }
}

}  // namespace tessera::kernels
