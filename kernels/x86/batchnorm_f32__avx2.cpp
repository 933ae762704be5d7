// AVX2 per-channel affine (+ ReLU) over one plane: the BN-inference inner loop.
#include <immintrin.h>

#include "kernels/batchnorm.h"

namespace tessera::kernels {

template <bool kRelu>
static void affine_plane(float* y, const float* x, float scale, float shift, int64_t n) {
  const __m256 s = _mm256_set1_ps(scale), t = _mm256_set1_ps(shift), zero = _mm256_setzero_ps();
  auto op = [&](__m256 v) {
    v = _mm256_fmadd_ps(v, s, t);
    return kRelu ? _mm256_max_ps(zero, v) : v;
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 a = op(_mm256_loadu_ps(x + i)), b = op(_mm256_loadu_ps(x + i + 8));
    _mm256_storeu_ps(y + i, a);
    _mm256_storeu_ps(y + i + 8, b);
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, op(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) {  // scalar tail with the same fused multiply-add as the vector lanes
    const float v = __builtin_fmaf(x[i], scale, shift);
    y[i] = kRelu && v < 0.f ? 0.f : v;
  }
}

void affine_plane_f32__avx2(float* y, const float* x, float scale, float shift, int64_t n, bool relu) {
  relu ? affine_plane<true>(y, x, scale, shift, n) : affine_plane<false>(y, x, scale, shift, n);
}

}  // namespace tessera::kernels
