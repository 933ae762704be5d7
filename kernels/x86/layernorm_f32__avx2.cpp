// AVX2 LayerNorm: the AVX-512 file's design on 8 lanes. Rows: two-pass mean / variance over
// C (two-pass keeps the variance accurate when |mean| >> std). LayerNorm2d: 8 pixels per
// vector, walking the channels at stride HW, so no transpose is needed.
#include <cmath>

#include "kernels/layernorm.h"
#include "kernels/x86/vmath_f32__avx2.h"

namespace tessera::kernels {
using namespace avx2;

namespace {

void layernorm_row(float* y, float* mean_out, float* rstd_out, const float* x, const float* gamma,
                   const float* beta, int64_t C, float eps) {
  // Four accumulators a pass: with two, each pass waited on the adds' latency (ViT-B's rows of
  // 768: 24 dependent adds a chain instead of 48).
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t j = 0;
  for (; j + 32 <= C; j += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + j));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + j + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + j + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + j + 24));
  }
  for (; j < C; j += 8) s0 = _mm256_add_ps(s0, _mm256_maskload_ps(x + j, tail_mask(C - j)));
  const float mean = hsum_f32(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))) / float(C);
  const __m256 vm = _mm256_set1_ps(mean);

  s0 = s1 = s2 = s3 = _mm256_setzero_ps();
  for (j = 0; j + 32 <= C; j += 32) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + j), vm), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 8), vm);
    const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 16), vm), d3 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 24), vm);
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
    s2 = _mm256_fmadd_ps(d2, d2, s2);
    s3 = _mm256_fmadd_ps(d3, d3, s3);
  }
  for (; j < C; j += 8) {
    const __m256i m = tail_mask(C - j);
    const __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + j, m), vm), _mm256_castsi256_ps(m));
    s0 = _mm256_fmadd_ps(d, d, s0);
  }
  const float var = hsum_f32(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))) / float(C);
  const float rstd = 1.f / std::sqrt(var + eps);
  if (mean_out) *mean_out = mean;
  if (rstd_out) *rstd_out = rstd;

  // Whole vectors with plain loads and stores, the tail masked: vmaskmov on every vector
  // (a masked store is several micro-ops on Intel, microcoded on AMD) ran this pass at half
  // the speed (ViT-B's 197 x 768 0.51x oneDNN's AVX2 kernel before).
  const __m256 vr = _mm256_set1_ps(rstd), one = _mm256_set1_ps(1.f), zero = _mm256_setzero_ps();
  for (j = 0; j + 8 <= C; j += 8) {
    const __m256 g = gamma ? _mm256_loadu_ps(gamma + j) : one;
    const __m256 b = beta ? _mm256_loadu_ps(beta + j) : zero;
    const __m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vm), vr);
    _mm256_storeu_ps(y + j, _mm256_fmadd_ps(n, g, b));
  }
  if (j < C) {
    const __m256i m = tail_mask(C - j);
    const __m256 g = gamma ? _mm256_maskload_ps(gamma + j, m) : one;
    const __m256 b = beta ? _mm256_maskload_ps(beta + j, m) : zero;
    const __m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + j, m), vm), vr);
    _mm256_maskstore_ps(y + j, m, _mm256_fmadd_ps(n, g, b));
  }
}

}  // namespace

void layernorm_rows_f32__avx2(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                              const float* beta, int64_t rows, int64_t C, float eps) {
  for (int64_t r = 0; r < rows; ++r)
    layernorm_row(y + r * C, mean ? mean + r : nullptr, rstd ? rstd + r : nullptr, x + r * C, gamma, beta, C, eps);
}

void layernorm2d_pixels_f32__avx2(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                  const float* beta, int64_t C, int64_t HW, int64_t p0, int64_t p1, float eps) {
  const __m256 inv_c = _mm256_set1_ps(1.f / float(C));
  for (int64_t p = p0; p < p1; p += 8) {
    const __m256i m = tail_mask(p1 - p);
    const float* xp = x + p;
    __m256 s = _mm256_setzero_ps();
    for (int64_t c = 0; c < C; ++c) s = _mm256_add_ps(s, _mm256_maskload_ps(xp + c * HW, m));
    const __m256 vm = _mm256_mul_ps(s, inv_c);
    s = _mm256_setzero_ps();
    for (int64_t c = 0; c < C; ++c) {
      const __m256 d = _mm256_sub_ps(_mm256_maskload_ps(xp + c * HW, m), vm);
      s = _mm256_fmadd_ps(d, d, s);
    }
    const __m256 vr = _mm256_div_ps(_mm256_set1_ps(1.f),
                                    _mm256_sqrt_ps(_mm256_add_ps(_mm256_mul_ps(s, inv_c), _mm256_set1_ps(eps))));
    if (mean) _mm256_maskstore_ps(mean + p, m, vm);
    if (rstd) _mm256_maskstore_ps(rstd + p, m, vr);
    for (int64_t c = 0; c < C; ++c) {
      const __m256 n = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(xp + c * HW, m), vm), vr);
      const __m256 g = _mm256_set1_ps(gamma ? gamma[c] : 1.f), b = _mm256_set1_ps(beta ? beta[c] : 0.f);
      _mm256_maskstore_ps(y + p + c * HW, m, _mm256_fmadd_ps(n, g, b));
    }
  }
}

}  // namespace tessera::kernels
